//! The inspector: typed fields with units for the selected node, link, site
//! or stage (or the plan when nothing is selected). Each change becomes an
//! [`Edit`]; typing into one element merges into one undo step.

mod fields;
mod link;
mod node;
mod plan;
mod site;
mod stage;

use crate::model::edit::Edit;
use crate::model::*;
use crate::ui::state::{EditorState, Sel};
use egui::Ui;
use link::{link_ui, links_ui};
use node::{node_ui, nodes_ui};
pub use plan::plan_counts;
use plan::plan_ui;
use site::site_ui;

pub use stage::stage_ui;

/// An edit with its merge key (same key within a moment = one undo step).
pub type KeyedEdit = (Edit, Option<String>);

pub fn inspector_ui(ui: &mut Ui, state: &EditorState, out: &mut Vec<KeyedEdit>) {
    egui::ScrollArea::vertical().auto_shrink([false, false]).show(ui, |ui| {
        let sel: Vec<&Sel> = state.selection.iter().collect();
        let nodes: Vec<&Node> = sel
            .iter()
            .filter_map(|s| match s {
                Sel::Node(id) => state.plan.node(id),
                _ => None,
            })
            .collect();
        let links: Vec<&Link> = sel
            .iter()
            .filter_map(|s| match s {
                Sel::Link(id) => state.plan.link(id),
                _ => None,
            })
            .collect();
        match sel.as_slice() {
            [] => plan_ui(ui, state, out),
            [Sel::Node(_)] if nodes.len() == 1 => node_ui(ui, state, nodes[0], out),
            [Sel::Link(_)] if links.len() == 1 => link_ui(ui, state, links[0], out),
            [Sel::Site(id)] => {
                if let Some(site) = state.plan.site(id) {
                    site_ui(ui, state, site, out);
                }
            }
            [Sel::Stage(id)] => {
                if let Some(stage) = state.plan.stage(id) {
                    stage_ui(ui, state, stage, out);
                }
            }
            _ if !nodes.is_empty() && nodes.len() == sel.len() => nodes_ui(ui, state, &nodes, out),
            _ if !links.is_empty() && links.len() == sel.len() => links_ui(ui, &links, out),
            _ => {
                ui.heading(format!("{} elements", sel.len()));
                ui.label(format!(
                    "{}, {}",
                    crate::format::plural(nodes.len(), "node", "nodes"),
                    crate::format::plural(links.len(), "link", "links")
                ));
                ui.label("Select only nodes or only links to edit shared fields");
            }
        }
        problems_of_selection_ui(ui, state);
    });
}

fn problems_of_selection_ui(ui: &mut Ui, state: &EditorState) {
    let subjects: Vec<Subject> = state
        .selection
        .iter()
        .map(|s| match s {
            Sel::Node(id) => Subject::Node(id.clone()),
            Sel::Link(id) => Subject::Link(id.clone()),
            Sel::Site(id) => Subject::Site(id.clone()),
            Sel::Stage(id) => Subject::Stage(id.clone()),
        })
        .collect();
    let problems: Vec<&Problem> = state
        .problems
        .iter()
        .filter(|p| subjects.contains(&p.subject) || (subjects.is_empty() && p.subject == Subject::Plan))
        .collect();
    if problems.is_empty() {
        return;
    }
    ui.separator();
    ui.strong("Problems");
    for p in problems {
        let (color, icon) = match p.severity {
            Severity::Error => (ui.visuals().error_fg_color, "⛔"),
            Severity::Warning => (ui.visuals().warn_fg_color, "⚠"),
        };
        ui.colored_label(color, format!("{icon} {}", p.message));
        if !p.hint.is_empty() {
            ui.weak(&p.hint);
        }
    }
}
