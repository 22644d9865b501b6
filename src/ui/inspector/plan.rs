//! The plan page, shown when nothing is selected: name, description and
//! the simulation settings (seed, fidelity, cost horizon).

use super::KeyedEdit;
use super::fields::{grid, num, text};
use crate::model::edit::Edit;
use crate::ui::state::EditorState;
use egui::Ui;

pub(super) fn plan_ui(ui: &mut Ui, state: &EditorState, out: &mut Vec<KeyedEdit>) {
    ui.heading("Plan");
    let mut name = state.plan.name.clone();
    let mut description = state.plan.description.clone();
    let mut settings = state.plan.settings.clone();
    grid(ui, "plan_grid", |ui| {
        text(ui, "Name", &mut name, "Name of the plan (shown in reports)");
        let l = ui.label("Description");
        egui::ScrollArea::vertical()
            .max_height(90.0)
            .id_salt("description_scroll")
            .show(ui, |ui| {
                ui.add(
                    egui::TextEdit::multiline(&mut description)
                        .desired_rows(3)
                        .desired_width(180.0),
                )
                .labelled_by(l.id)
                .on_hover_text("What this plan is for");
            });
        ui.end_row();
        num(
            ui,
            "Seed",
            &mut settings.seed,
            "",
            0..=u64::MAX,
            "Random seed: the same seed gives the same results",
        );
        num(
            ui,
            "Detailed iterations",
            &mut settings.detailed_iterations,
            "",
            1..=1000,
            "Training iterations simulated in full before extrapolating",
        );
        num(
            ui,
            "Cost horizon",
            &mut settings.tco_horizon_years,
            "years",
            0.1..=20.0,
            "Period over which on-prem and cloud costs are compared",
        );
        // Stored as a fraction, edited as a percentage; only a changed
        // percentage is written back (x * 100 / 100 need not round-trip).
        let percent = settings.tco_utilization * 100.0;
        let mut edited = percent;
        num(
            ui,
            "Cost utilization",
            &mut edited,
            "%",
            0.0..=100.0,
            "Share of the hours the compute is needed, for the own-vs-rent comparison: \
             rented capacity is paid only for the hours needed, owned capacity all the time",
        );
        if edited != percent {
            settings.tco_utilization = (edited / 100.0).clamp(0.0, 1.0);
        }
        let max = crate::model::validate::MAX_DISCOUNT * 100.0;
        for (label, value, hint) in [
            (
                "Purchase discount",
                &mut settings.discounts.purchase,
                "Negotiated discount off the catalog's list price of everything bought (servers, switches, storage)",
            ),
            (
                "Cloud discount",
                &mut settings.discounts.cloud,
                "Negotiated discount off every catalog cloud price (instances, storage, requests), e.g. an enterprise \
                 discount programme; reserved pricing is the cloud site's pricing model",
            ),
        ] {
            let percent = *value * 100.0;
            let mut edited = percent;
            num(ui, label, &mut edited, "%", 0.0..=max, hint);
            if edited != percent {
                *value = (edited / 100.0).clamp(0.0, max / 100.0);
            }
        }
    });
    if name != state.plan.name || description != state.plan.description || settings != state.plan.settings {
        out.push((
            Edit::SetPlanInfo {
                name,
                description,
                settings,
            },
            Some("plan".into()),
        ));
    }
    ui.separator();
    let p = &state.plan;
    ui.label(format!(
        "{} sites · {} node groups · {} links · {} stages",
        p.sites.len(),
        p.nodes.len(),
        p.links.len(),
        p.stages.len()
    ));
    let devices: u64 = p
        .nodes
        .iter()
        .map(|n| {
            state
                .catalog
                .system(&n.model)
                .map_or(0, |s| n.count as u64 * s.devices as u64)
        })
        .sum();
    let servers: u64 = p.nodes.iter().map(|n| n.count as u64).sum();
    ui.label(format!("{servers} members in total, {devices} accelerators"));
    ui.weak("Select a node, link or site on the canvas to edit it");
}
