//! The workloads panel: lifecycle stages in order with their dependencies.
//! Stages are edited in the inspector; here they are listed, added and placed.

use crate::model::edit::Edit;
use crate::model::{Severity, Subject};
use crate::ui::commands::{StageTemplate, new_stage};
use crate::ui::state::{EditorState, Sel};

pub fn workloads_ui(ui: &mut egui::Ui, state: &mut EditorState, edits: &mut Vec<Edit>) {
    ui.horizontal(|ui| {
        ui.menu_button("➕ Add stage", |ui| {
            for t in StageTemplate::ALL {
                if ui
                    .button(t.label())
                    .on_hover_text(format!("Add a {} stage placed on the selected nodes", t.label()))
                    .clicked()
                {
                    edits.push(Edit::AddStage(new_stage(
                        &state.plan,
                        &state.catalog,
                        t,
                        state.selected_nodes(),
                    )));
                    ui.close();
                }
            }
        })
        .response
        .on_hover_text("Add a lifecycle stage");
    });
    ui.separator();
    if state.plan.stages.is_empty() {
        ui.weak("No stages yet. A plan runs stages such as ingest, preprocess, train, validate and serve.");
        return;
    }
    let mut clicked = None;
    egui::ScrollArea::vertical().auto_shrink([false, false]).show(ui, |ui| {
        for stage in &state.plan.stages {
            let selected = state.selection.contains(&Sel::Stage(stage.id.clone()));
            let severity = state.problem_index.get(&Subject::Stage(stage.id.clone()));
            let marker = match severity {
                Some(Severity::Error) => "⛔ ",
                Some(Severity::Warning) => "⚠ ",
                None => "",
            };
            let after: Vec<String> = stage
                .after
                .iter()
                .map(|d| {
                    state
                        .plan
                        .stage(d)
                        .map(|s| s.name.clone())
                        .unwrap_or_else(|| d.to_string())
                })
                .collect();
            let text = format!("{marker}▶ {}  ·  {}", stage.name, stage.kind.label());
            let r = ui
                .selectable_label(selected, text)
                .on_hover_text("Select to edit in the inspector");
            if r.clicked() {
                clicked = Some(stage.id.clone());
            }
            ui.indent(("stage", stage.id.as_str()), |ui| {
                if !after.is_empty() {
                    ui.weak(format!("after {}", after.join(", ")));
                }
                let on: Vec<String> = stage
                    .placement
                    .iter()
                    .map(|n| {
                        state
                            .plan
                            .node(n)
                            .map(|n| format!("{} ×{}", n.name, n.count))
                            .unwrap_or_else(|| n.to_string())
                    })
                    .collect();
                ui.weak(if on.is_empty() {
                    "placed nowhere".to_owned()
                } else {
                    format!("on {}", on.join(", "))
                });
            });
        }
    });
    if let Some(id) = clicked {
        state.select_only(Sel::Stage(id));
    }
}
