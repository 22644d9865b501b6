//! Link pages: one link (medium, wiring pattern, lanes, rate, latency) or
//! several links at once.

use super::KeyedEdit;
use super::fields::{combo, grid, num};
use crate::model::edit::Edit;
use crate::model::*;
use crate::ui::state::EditorState;
use egui::Ui;

fn medium_options() -> Vec<(Medium, String)> {
    Medium::ALL.iter().map(|m| (*m, m.label().to_owned())).collect()
}

pub(super) fn link_ui(ui: &mut Ui, state: &EditorState, link: &Link, out: &mut Vec<KeyedEdit>) {
    let name = |id: &NodeId| {
        state
            .plan
            .node(id)
            .map(|n| n.name.clone())
            .unwrap_or_else(|| id.to_string())
    };
    ui.heading("Link");
    ui.weak(format!("{} ↔ {} · id {}", name(&link.from), name(&link.to), link.id));
    let mut l = link.clone();
    grid(ui, "link_grid", |ui| {
        combo(
            ui,
            "Medium",
            &mut l.medium,
            &medium_options(),
            "Physical medium: decides speed, latency and which ends it can join",
        );
        let patterns: Vec<(WiringPattern, String)> =
            WiringPattern::ALL.iter().map(|p| (*p, p.label().to_owned())).collect();
        combo(
            ui,
            "Wiring",
            &mut l.pattern,
            &patterns,
            "How the members of the two groups are cabled",
        );
        num(
            ui,
            "Lanes",
            &mut l.lanes,
            "",
            0..=1024,
            "Cables or ports in each connection",
        );
        num(
            ui,
            "Lane speed",
            &mut l.lane_gbps,
            "Gb/s",
            0.0..=100_000.0,
            "Line rate of one lane per direction",
        );
        num(
            ui,
            "Latency",
            &mut l.latency_us,
            "µs",
            0.0..=1e7,
            "One-way latency of the hop",
        );
    });
    if l.medium != link.medium {
        l.lane_gbps = l.medium.default_lane_gbps();
        l.latency_us = l.medium.default_latency_us();
    }
    ui.label(format!(
        "{} per connection",
        crate::ui::canvas::draw::gbps_label(l.connection_gbps())
    ));
    if let Err(why) = crate::model::validate::medium_can_join(
        l.medium,
        state.plan.node(&l.from).map(|n| n.kind).unwrap_or(NodeKind::GpuServer),
        state.plan.node(&l.to).map(|n| n.kind).unwrap_or(NodeKind::GpuServer),
    ) {
        ui.colored_label(ui.visuals().warn_fg_color, why);
    }
    if &l != link {
        out.push((Edit::SetLinks(vec![l]), Some(format!("link:{}", link.id))));
    }
}

pub(super) fn links_ui(ui: &mut Ui, links: &[&Link], out: &mut Vec<KeyedEdit>) {
    ui.heading(format!("{} links", links.len()));
    ui.weak("Changes apply to every selected link");
    let first = links[0];
    let mut medium = first.medium;
    let mut lanes = first.lanes;
    let mut gbps = first.lane_gbps;
    grid(ui, "links_grid", |ui| {
        combo(
            ui,
            "Medium",
            &mut medium,
            &medium_options(),
            "Medium of every selected link",
        );
        num(ui, "Lanes", &mut lanes, "", 0..=1024, "Lanes of every selected link");
        num(
            ui,
            "Lane speed",
            &mut gbps,
            "Gb/s",
            0.0..=100_000.0,
            "Lane speed of every selected link",
        );
    });
    let mut changed = Vec::new();
    for l in links {
        let mut m = (*l).clone();
        if medium != first.medium {
            m.medium = medium;
            m.lane_gbps = medium.default_lane_gbps();
            m.latency_us = medium.default_latency_us();
        }
        if lanes != first.lanes {
            m.lanes = lanes;
        }
        if gbps != first.lane_gbps {
            m.lane_gbps = gbps;
        }
        if &m != *l {
            changed.push(m);
        }
    }
    if !changed.is_empty() {
        out.push((Edit::SetLinks(changed), Some("links".into())));
    }
}
