//! The problems list: every validation problem; clicking one focuses the
//! element it is about.

use crate::model::{Severity, Subject};
use crate::ui::state::EditorState;

/// Returns the subject the user clicked, to focus.
pub fn problems_ui(ui: &mut egui::Ui, state: &EditorState) -> Option<Subject> {
    if state.problems.is_empty() {
        ui.colored_label(
            ui.visuals().widgets.active.fg_stroke.color,
            "✔ No problems: the plan is valid",
        );
        return None;
    }
    let mut focus = None;
    // Only the visible rows are laid out: a large plan can have thousands.
    let row_height = ui.spacing().interact_size.y;
    egui::ScrollArea::vertical().auto_shrink([false, false]).show_rows(
        ui,
        row_height,
        state.problems.len(),
        |ui, rows| {
            for p in &state.problems[rows] {
                let (color, icon) = match p.severity {
                    Severity::Error => (ui.visuals().error_fg_color, "⛔"),
                    Severity::Warning => (ui.visuals().warn_fg_color, "⚠"),
                };
                ui.horizontal(|ui| {
                    ui.colored_label(color, icon);
                    let hint = if p.hint.is_empty() {
                        "Click to show it".to_owned()
                    } else {
                        format!("Fix: {}\nClick to show it", p.hint)
                    };
                    if ui
                        .link(format!("{}: {}", p.subject, p.message))
                        .on_hover_text(hint)
                        .clicked()
                    {
                        focus = Some(p.subject.clone());
                    }
                });
            }
        },
    );
    focus
}
