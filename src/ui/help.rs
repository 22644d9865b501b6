//! Help: the state of the welcome screen, the tour and the keyboard
//! shortcuts window, and the shortcuts window itself (built from the
//! command list, so it cannot fall out of date).

use crate::ui::commands::UiCommand;
use crate::ui::tour::PanelRects;
use egui::{Key, KeyboardShortcut, Modifiers};

/// Which help overlays are open.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct HelpState {
    pub welcome_open: bool,
    /// The tour callout shown, if the tour runs.
    pub tour_step: Option<usize>,
    pub shortcuts_open: bool,
    /// Panel rects of the last frame, for the tour.
    pub rects: PanelRects,
}

impl HelpState {
    /// True while an overlay takes the keyboard (the welcome is modal).
    pub fn is_modal(&self) -> bool {
        self.welcome_open
    }
}

/// Keys the app handles outside the command list.
pub fn other_keys() -> Vec<(KeyboardShortcut, &'static str, &'static str)> {
    vec![
        (
            KeyboardShortcut::new(Modifiers::COMMAND, Key::X),
            "Cut",
            "Copy the selected nodes, then delete them",
        ),
        (
            KeyboardShortcut::new(Modifiers::NONE, Key::Escape),
            "Cancel",
            "Cancel a drag, a placement or a popup; close a dialog or the tour",
        ),
    ]
}

/// Canvas mouse gestures (see canvas/interact.rs), as (gesture, effect).
pub const GESTURES: &[(&str, &str)] = &[
    ("Click", "Select a node, link or site header"),
    ("Shift+click or Ctrl+click", "Add to or remove from the selection"),
    (
        "Drag a node",
        "Move the selection (one undo step); drop on a link to insert the node, on a site to move it there",
    ),
    ("Drag a site header", "Move the site with all its nodes"),
    (
        "Drag from a port",
        "Connect two nodes; several fitting media open a picker, empty canvas offers quick-add",
    ),
    ("Drag empty space or middle-drag", "Pan"),
    ("Shift+drag or Ctrl+drag on empty space", "Select with a rectangle"),
    ("Wheel or pinch", "Zoom at the pointer"),
    ("Horizontal scroll", "Pan sideways"),
    ("Right-click", "Context menu: arrange, medium, add node or site here"),
    (
        "Drag a palette item",
        "Place it where you drop it (inside a site joins that site)",
    ),
    (
        "Click a palette item, then the canvas",
        "Place it there; Shift keeps it armed for more",
    ),
    ("Click or drag in the minimap", "Jump to that part of the plan"),
];

/// Help › Keyboard shortcuts: every command with a shortcut, grouped by menu,
/// then other keys and the canvas mouse gestures.
pub fn shortcuts_ui(ctx: &egui::Context, open: &mut bool) {
    egui::Window::new("Keyboard shortcuts")
        .open(open)
        .collapsible(false)
        .resizable(true)
        .pivot(egui::Align2::CENTER_CENTER)
        .default_pos(ctx.content_rect().center())
        .default_size([760.0, 760.0])
        .show(ctx, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| {
                egui::Grid::new("shortcuts_keys")
                    .num_columns(3)
                    .spacing([24.0, 6.0])
                    .show(ui, |ui| {
                        for (menu, commands) in UiCommand::MENUS {
                            let with_keys: Vec<UiCommand> =
                                commands.iter().copied().filter(|c| c.shortcut().is_some()).collect();
                            if with_keys.is_empty() {
                                continue;
                            }
                            ui.strong(*menu);
                            ui.end_row();
                            for c in with_keys {
                                ui.label(c.label());
                                ui.monospace(shortcut_text(ui.ctx(), c));
                                ui.weak(c.tooltip());
                                ui.end_row();
                            }
                        }
                        ui.strong("Other keys");
                        ui.end_row();
                        for (key, label, what) in other_keys() {
                            ui.label(label);
                            ui.monospace(ui.ctx().format_shortcut(&key));
                            ui.weak(what);
                            ui.end_row();
                        }
                    });
                ui.add_space(10.0);
                ui.strong("Canvas mouse gestures");
                egui::Grid::new("shortcuts_gestures")
                    .num_columns(2)
                    .spacing([24.0, 6.0])
                    .show(ui, |ui| {
                        for (gesture, what) in GESTURES {
                            ui.label(*gesture);
                            ui.add(egui::Label::new(egui::RichText::new(*what).weak()).wrap());
                            ui.end_row();
                        }
                    });
            });
        });
}

/// "Ctrl+Z", or "Ctrl+Shift+Z  or  Ctrl+Y" when there is an alternate.
pub fn shortcut_text(ctx: &egui::Context, c: UiCommand) -> String {
    let main = c.shortcut().map(|s| ctx.format_shortcut(&s)).unwrap_or_default();
    match c.alternate_shortcut() {
        Some(alt) => format!("{main}  or  {}", ctx.format_shortcut(&alt)),
        None => main,
    }
}
