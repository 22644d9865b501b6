//! User commands: [`UiCommand`] is every command with its label and
//! shortcut, from which the menus are built. What the commands do to the
//! plan is pure model code, re-exported here so `ui::commands::Edit` keeps
//! working: the edits in [`crate::model::edit`], the templates for new
//! elements in [`crate::model::templates`], lining up in
//! [`crate::model::arrange`].

use crate::ui::files::ExportKind;
use egui::{Key, KeyboardShortcut, Modifiers};

pub use crate::model::arrange::{Arrange, arrange};
pub use crate::model::edit::{Clip, Edit, fresh_id, fresh_link_id, fresh_node_id, fresh_site_id, fresh_stage_id, slug};
pub use crate::model::templates::{
    SiteTemplate, StageTemplate, candidate_media, catalog_name, new_link, new_node, new_stage,
};

/// Every user command: menus, shortcuts and context menus are built from this list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UiCommand {
    New,
    Open,
    Save,
    SaveAs,
    Presets,
    /// File › Load price file…: prices that replace the catalog's.
    LoadPrices,
    /// File › Use catalog prices: drop a loaded price file.
    CatalogPrices,
    /// File > Export: a file dialog, then the report, plan copy or results.
    Export(ExportKind),
    Quit,
    Undo,
    Redo,
    /// Copy the selection, then delete it (one undo step restores it).
    Cut,
    Copy,
    Paste,
    Duplicate,
    Delete,
    SelectAll,
    FitView,
    ZoomIn,
    ZoomOut,
    ToggleGrid,
    ToggleMinimap,
    ToggleOverlay,
    ToggleTheme,
    Arrange(Arrange),
    /// Simulate the plan now (the Results tab shows the run).
    Run,
    Welcome,
    Tour,
    KeyboardShortcuts,
}

impl UiCommand {
    pub const FILE: &[UiCommand] = &[
        UiCommand::New,
        UiCommand::Open,
        UiCommand::Presets,
        UiCommand::LoadPrices,
        UiCommand::CatalogPrices,
        UiCommand::Save,
        UiCommand::SaveAs,
        UiCommand::Export(ExportKind::ReportPng),
        UiCommand::Export(ExportKind::PlanRon),
        UiCommand::Export(ExportKind::ResultsJson),
        UiCommand::Export(ExportKind::ResultsCsv),
        UiCommand::Quit,
    ];
    pub const EDIT: &[UiCommand] = &[
        UiCommand::Undo,
        UiCommand::Redo,
        UiCommand::Cut,
        UiCommand::Copy,
        UiCommand::Paste,
        UiCommand::Duplicate,
        UiCommand::Delete,
        UiCommand::SelectAll,
    ];
    pub const VIEW: &[UiCommand] = &[
        UiCommand::FitView,
        UiCommand::ZoomIn,
        UiCommand::ZoomOut,
        UiCommand::ToggleGrid,
        UiCommand::ToggleMinimap,
        UiCommand::ToggleOverlay,
        UiCommand::ToggleTheme,
    ];
    pub const ARRANGE: &[UiCommand] = &[
        UiCommand::Arrange(Arrange::AlignLeft),
        UiCommand::Arrange(Arrange::AlignRight),
        UiCommand::Arrange(Arrange::AlignTop),
        UiCommand::Arrange(Arrange::AlignBottom),
        UiCommand::Arrange(Arrange::AlignCenterV),
        UiCommand::Arrange(Arrange::AlignCenterH),
        UiCommand::Arrange(Arrange::DistributeH),
        UiCommand::Arrange(Arrange::DistributeV),
    ];
    pub const RUN: &[UiCommand] = &[UiCommand::Run];
    pub const HELP: &[UiCommand] = &[UiCommand::Welcome, UiCommand::Tour, UiCommand::KeyboardShortcuts];
    /// Every menu with its commands, in menu-bar order (Help › Keyboard
    /// shortcuts lists them from here).
    pub const MENUS: &[(&str, &[UiCommand])] = &[
        ("File", UiCommand::FILE),
        ("Edit", UiCommand::EDIT),
        ("View", UiCommand::VIEW),
        ("Arrange", UiCommand::ARRANGE),
        ("Run", UiCommand::RUN),
        ("Help", UiCommand::HELP),
    ];
    /// Commands with shortcuts, most modifiers first so Ctrl+Shift+Z is
    /// not taken for Ctrl+Z.
    pub const SHORTCUT_ORDER: &[UiCommand] = &[
        UiCommand::SaveAs,
        UiCommand::Redo,
        UiCommand::Undo,
        UiCommand::New,
        UiCommand::Open,
        UiCommand::Save,
        UiCommand::Quit,
        UiCommand::Cut,
        UiCommand::Copy,
        UiCommand::Paste,
        UiCommand::Duplicate,
        UiCommand::SelectAll,
        UiCommand::Delete,
        UiCommand::FitView,
        UiCommand::ZoomIn,
        UiCommand::ZoomOut,
        UiCommand::Run,
        UiCommand::KeyboardShortcuts,
    ];

    pub fn label(self) -> &'static str {
        match self {
            UiCommand::New => "New",
            UiCommand::Open => "Open…",
            UiCommand::Save => "Save",
            UiCommand::SaveAs => "Save as…",
            UiCommand::Presets => "Presets…",
            UiCommand::LoadPrices => "Load price file…",
            UiCommand::CatalogPrices => "Use catalog prices",
            UiCommand::Export(kind) => match kind {
                ExportKind::ReportPng => "Export report (PNG)…",
                ExportKind::PlanRon => "Export plan (RON)…",
                ExportKind::ResultsJson => "Export results (JSON)…",
                ExportKind::ResultsCsv => "Export results (CSV)…",
                ExportKind::UtilizationCsv => "Export utilization (CSV)…",
            },
            UiCommand::Quit => "Quit",
            UiCommand::Undo => "Undo",
            UiCommand::Redo => "Redo",
            UiCommand::Cut => "Cut",
            UiCommand::Copy => "Copy",
            UiCommand::Paste => "Paste",
            UiCommand::Duplicate => "Duplicate",
            UiCommand::Delete => "Delete",
            UiCommand::SelectAll => "Select all",
            UiCommand::FitView => "Fit to view",
            UiCommand::ZoomIn => "Zoom in",
            UiCommand::ZoomOut => "Zoom out",
            UiCommand::ToggleGrid => "Snap to grid",
            UiCommand::ToggleMinimap => "Minimap",
            UiCommand::ToggleOverlay => "Results on canvas",
            UiCommand::ToggleTheme => "Dark theme",
            UiCommand::Arrange(a) => match a {
                Arrange::AlignLeft => "Align left edges",
                Arrange::AlignRight => "Align right edges",
                Arrange::AlignTop => "Align top edges",
                Arrange::AlignBottom => "Align bottom edges",
                Arrange::AlignCenterV => "Align vertical centres",
                Arrange::AlignCenterH => "Align horizontal centres",
                Arrange::DistributeH => "Distribute horizontally",
                Arrange::DistributeV => "Distribute vertically",
            },
            UiCommand::Run => "Run simulation",
            UiCommand::Welcome => "Welcome",
            UiCommand::Tour => "Tour",
            UiCommand::KeyboardShortcuts => "Keyboard shortcuts",
        }
    }

    pub fn tooltip(self) -> &'static str {
        match self {
            UiCommand::New => "Start an empty plan",
            UiCommand::Open => "Open a plan file (.ron) or a report PNG",
            UiCommand::Save => "Save the plan to its file",
            UiCommand::SaveAs => "Save the plan to a new file",
            UiCommand::Presets => "Start from one of the shipped example plans",
            UiCommand::LoadPrices => {
                "Replace catalog prices by a price file (RON PriceBook: your quotes, rate cards), as --prices does"
            }
            UiCommand::CatalogPrices => "Go back to the catalog's dated list prices",
            UiCommand::Export(kind) => match kind {
                ExportKind::ReportPng => {
                    "Write a PNG report of the plan and its current results (the plan is embedded)"
                }
                ExportKind::PlanRon => "Write a copy of the plan as a RON file (the open file stays the same)",
                ExportKind::ResultsJson => {
                    "Write the last run's results as JSON (as clusterforge simulate --json does)"
                }
                ExportKind::ResultsCsv => "Write the last run's metrics as CSV, one row per stage and metric",
                ExportKind::UtilizationCsv => "Write the utilization table of the last run as CSV",
            },
            UiCommand::Quit => "Close ClusterForge",
            UiCommand::Undo => "Undo the last edit",
            UiCommand::Redo => "Redo the last undone edit",
            UiCommand::Cut => "Copy the selected nodes as text and delete them",
            UiCommand::Copy => "Copy the selected nodes as text",
            UiCommand::Paste => "Paste copied nodes into this plan",
            UiCommand::Duplicate => "Copy and paste the selected nodes",
            UiCommand::Delete => "Delete the selected elements",
            UiCommand::SelectAll => "Select every node and link",
            UiCommand::FitView => "Zoom to show the whole plan",
            UiCommand::ZoomIn => "Zoom in around the centre",
            UiCommand::ZoomOut => "Zoom out around the centre",
            UiCommand::ToggleGrid => "Snap moved nodes to the grid",
            UiCommand::ToggleMinimap => "Show the overview in the canvas corner",
            UiCommand::ToggleOverlay => "Colour nodes and links by utilization of the last run and ring the bottleneck",
            UiCommand::ToggleTheme => "Switch between dark and light colours",
            UiCommand::Arrange(_) => "Line up the selected nodes",
            UiCommand::Run => "Simulate the plan now; the Results tab shows time, throughput and cost",
            UiCommand::Welcome => "Presets, recent files and a short tour",
            UiCommand::Tour => "Four callouts that show where things are",
            UiCommand::KeyboardShortcuts => "Every shortcut and canvas mouse gesture",
        }
    }

    pub fn shortcut(self) -> Option<KeyboardShortcut> {
        let cmd = Modifiers::COMMAND;
        let cmd_shift = Modifiers::COMMAND | Modifiers::SHIFT;
        let k = |m, key| Some(KeyboardShortcut::new(m, key));
        match self {
            UiCommand::New => k(cmd, Key::N),
            UiCommand::Open => k(cmd, Key::O),
            UiCommand::Save => k(cmd, Key::S),
            UiCommand::SaveAs => k(cmd_shift, Key::S),
            UiCommand::Undo => k(cmd, Key::Z),
            UiCommand::Redo => k(cmd_shift, Key::Z),
            UiCommand::Cut => k(cmd, Key::X),
            UiCommand::Copy => k(cmd, Key::C),
            UiCommand::Quit => k(cmd, Key::Q),
            UiCommand::Paste => k(cmd, Key::V),
            UiCommand::Duplicate => k(cmd, Key::D),
            UiCommand::Delete => k(Modifiers::NONE, Key::Delete),
            UiCommand::SelectAll => k(cmd, Key::A),
            UiCommand::FitView => k(Modifiers::NONE, Key::F),
            UiCommand::ZoomIn => k(cmd, Key::Plus),
            UiCommand::ZoomOut => k(cmd, Key::Minus),
            UiCommand::KeyboardShortcuts => k(Modifiers::NONE, Key::F1),
            UiCommand::Run => k(Modifiers::NONE, Key::F5),
            _ => None,
        }
    }

    /// Extra shortcuts that do the same (Ctrl+Y redo, Backspace delete).
    pub fn alternate_shortcut(self) -> Option<KeyboardShortcut> {
        match self {
            UiCommand::Redo => Some(KeyboardShortcut::new(Modifiers::COMMAND, Key::Y)),
            UiCommand::Delete => Some(KeyboardShortcut::new(Modifiers::NONE, Key::Backspace)),
            UiCommand::ZoomIn => Some(KeyboardShortcut::new(Modifiers::COMMAND, Key::Equals)),
            UiCommand::Run => Some(KeyboardShortcut::new(Modifiers::COMMAND, Key::R)),
            _ => None,
        }
    }
}

/// A menu entry for `cmd`: label, shortcut text and tooltip from the command list.
pub fn command_button(ui: &mut egui::Ui, cmd: UiCommand, enabled: bool, out: &mut Vec<UiCommand>) {
    let mut button = egui::Button::new(cmd.label());
    if let Some(sc) = cmd.shortcut() {
        button = button.shortcut_text(ui.ctx().format_shortcut(&sc));
    }
    if ui.add_enabled(enabled, button).on_hover_text(cmd.tooltip()).clicked() {
        out.push(cmd);
        ui.close();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shortcut_is_unique() {
        let mut seen = Vec::new();
        for c in UiCommand::SHORTCUT_ORDER {
            let s = c.shortcut().expect("listed commands have shortcuts");
            assert!(!seen.contains(&s), "{c:?} reuses a shortcut");
            seen.push(s);
        }
        for c in UiCommand::SHORTCUT_ORDER {
            if let Some(s) = c.alternate_shortcut() {
                assert!(!seen.contains(&s), "{c:?} reuses a shortcut as its alternate");
                seen.push(s);
            }
        }
    }

    #[test]
    fn every_command_with_a_shortcut_is_in_a_menu_and_handled() {
        for (menu, list) in UiCommand::MENUS {
            for c in *list {
                assert!(
                    c.shortcut().is_none() || UiCommand::SHORTCUT_ORDER.contains(c),
                    "{c:?} in {menu} has a shortcut the app does not listen for"
                );
            }
        }
        for c in UiCommand::SHORTCUT_ORDER {
            assert!(
                UiCommand::MENUS.iter().any(|(_, list)| list.contains(c)),
                "{c:?} has a shortcut but is in no menu"
            );
        }
    }
}
