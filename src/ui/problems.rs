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
    egui::ScrollArea::vertical().auto_shrink([false, false]).show(ui, |ui| {
        for p in &state.problems {
            let (color, icon) = match p.severity {
                Severity::Error => (ui.visuals().error_fg_color, "⛔"),
                Severity::Warning => (ui.visuals().warn_fg_color, "⚠"),
            };
            ui.horizontal(|ui| {
                ui.colored_label(color, icon);
                let r = ui
                    .link(format!("{}: {}", p.subject, p.message))
                    .on_hover_text(if p.hint.is_empty() {
                        "Click to show it".to_owned()
                    } else {
                        format!("Fix: {}\nClick to show it", p.hint)
                    });
                if r.clicked() {
                    focus = Some(p.subject.clone());
                }
            });
        }
    });
    focus
}
