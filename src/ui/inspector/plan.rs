//! The plan page, shown when nothing is selected: name, description and
//! the simulation settings (seed, fidelity, cost horizon).

use super::KeyedEdit;
use super::fields::{grid, num, percent, text};
use crate::format as fmt;
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
        percent(
            ui,
            "Cost utilization",
            &mut settings.tco_utilization,
            1.0,
            "Share of the hours the compute is needed, for the own-vs-rent comparison: \
             rented capacity is paid only for the hours needed, owned capacity all the time",
        );
        let max = crate::model::validate::MAX_DISCOUNT;
        percent(
            ui,
            "Purchase discount",
            &mut settings.discounts.purchase,
            max,
            "Negotiated discount off the catalog's list price of everything bought (servers, switches, storage)",
        );
        percent(
            ui,
            "Cloud discount",
            &mut settings.discounts.cloud,
            max,
            "Negotiated discount off every catalog cloud price (instances, storage, requests), e.g. an enterprise \
             discount programme; reserved pricing is the cloud site's pricing model",
        );
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
    ui.label(plan_counts(p, "node group", "node groups"));
    // Accelerators only: CPU sockets and cloud QPUs are not GPUs/TPUs.
    let devices: u64 = p
        .nodes
        .iter()
        .filter(|n| n.kind.is_accelerated())
        .map(|n| {
            state
                .catalog
                .system(&n.model)
                .map_or(0, |s| n.count as u64 * s.devices as u64)
        })
        .sum();
    let servers: u64 = p.nodes.iter().map(|n| n.count as u64).sum();
    let qpus: u64 = p
        .nodes
        .iter()
        .filter(|n| n.kind == crate::model::NodeKind::QuantumService)
        .map(|n| n.count as u64)
        .sum();
    let mut counts = format!(
        "{} in total, {}",
        fmt::plural(servers as usize, "member", "members"),
        fmt::plural(devices as usize, "accelerator", "accelerators")
    );
    if qpus > 0 {
        counts.push_str(&format!(", {}", fmt::plural(qpus as usize, "cloud QPU", "cloud QPUs")));
    }
    ui.label(counts);
    ui.weak("Select a node, link or site on the canvas to edit it");
}

/// "1 site · 6 node groups · 5 links · 4 stages", plurals right.
pub fn plan_counts(p: &crate::model::Plan, node: &str, nodes: &str) -> String {
    format!(
        "{} · {} · {} · {}",
        fmt::plural(p.sites.len(), "site", "sites"),
        fmt::plural(p.nodes.len(), node, nodes),
        fmt::plural(p.links.len(), "link", "links"),
        fmt::plural(p.stages.len(), "stage", "stages")
    )
}
