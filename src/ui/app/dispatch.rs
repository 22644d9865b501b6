//! What each [`UiCommand`] does to the app: menu items, shortcuts and
//! buttons all end up in [`App::run_command`], so a command behaves the same
//! however it was given.

use super::{AfterDiscard, App, Prompt};
use crate::model::edit::{Clip, Edit};
use crate::ui::commands::{UiCommand, arrange};
use crate::ui::files::DialogPurpose;

impl App {
    pub fn run_command(&mut self, ctx: &egui::Context, cmd: UiCommand) {
        let state = &mut self.state;
        match cmd {
            UiCommand::New => self.guard_discard(ctx, AfterDiscard::New),
            UiCommand::Open => self.guard_discard(ctx, AfterDiscard::Open),
            UiCommand::Save => match self.file.clone() {
                Some(f) => self.save_to(f),
                None => self.start_dialog(ctx, DialogPurpose::SaveAs),
            },
            UiCommand::SaveAs => self.start_dialog(ctx, DialogPurpose::SaveAs),
            UiCommand::Presets => self.prompt = Some(Prompt::Presets),
            UiCommand::LoadPrices => self.start_dialog(ctx, DialogPurpose::LoadPrices),
            UiCommand::CatalogPrices => self.load_prices(ctx, None),
            UiCommand::Export(kind) => self.start_dialog(ctx, DialogPurpose::Export(kind)),
            UiCommand::Quit => ctx.send_viewport_cmd(egui::ViewportCommand::Close),
            UiCommand::Undo => {
                state.undo();
            }
            UiCommand::Redo => {
                state.redo();
            }
            UiCommand::Copy => {
                if let Some(clip) = Clip::from_selection(&state.plan, &state.selection) {
                    let text = clip.to_ron();
                    ctx.copy_text(text.clone());
                    self.clipboard = Some(text);
                }
            }
            UiCommand::Cut => {
                self.run_command(ctx, UiCommand::Copy);
                self.run_command(ctx, UiCommand::Delete);
            }
            UiCommand::Paste => {
                if let Some(text) = self.clipboard.clone() {
                    self.paste(ctx, &text);
                }
            }
            UiCommand::Duplicate => {
                if let Some(clip) = Clip::from_selection(&state.plan, &state.selection) {
                    let clip = clip.rekeyed_for(&state.plan, (40.0, 40.0));
                    self.apply(ctx, Edit::Paste(clip), None);
                }
            }
            UiCommand::Delete => {
                if !state.selection.is_empty() {
                    let sel = state.selection.iter().cloned().collect();
                    self.apply(ctx, Edit::Delete(sel), None);
                }
            }
            UiCommand::SelectAll => state.select_all(),
            UiCommand::FitView => state.fit_view(),
            UiCommand::ZoomIn | UiCommand::ZoomOut => {
                let f = if cmd == UiCommand::ZoomIn { 1.25 } else { 0.8 };
                let c = state.canvas_rect.center();
                state.camera.zoom_at(state.canvas_rect.min, c, f);
                state.camera_touched = true;
            }
            UiCommand::ToggleGrid => {
                state.snap_to_grid = !state.snap_to_grid;
                self.persisted.snap_to_grid = state.snap_to_grid;
            }
            UiCommand::ToggleMinimap => {
                self.canvas.show_minimap = !self.canvas.show_minimap;
                self.persisted.show_minimap = self.canvas.show_minimap;
            }
            UiCommand::ToggleOverlay => self.canvas.show_overlay = !self.canvas.show_overlay,
            UiCommand::ToggleTheme => self.persisted.dark = !self.persisted.dark,
            UiCommand::Arrange(how) => {
                if let Some(e) = arrange(&state.plan, &state.selected_nodes(), how) {
                    self.apply(ctx, e, None);
                }
            }
            UiCommand::Welcome => {
                self.help.tour_step = None;
                self.help.welcome_open = true;
            }
            UiCommand::Tour => {
                self.help.welcome_open = false;
                self.help.tour_step = Some(0);
            }
            UiCommand::KeyboardShortcuts => self.help.shortcuts_open = !self.help.shortcuts_open,
            UiCommand::Run => match &mut self.results {
                Some(view) => {
                    view.run(&self.state.plan, &self.state.catalog);
                    self.dock_tab = super::DockTab::Results;
                }
                None => self.canvas.say(ctx, "No simulator is installed in this window"),
            },
        }
    }

    pub(super) fn paste(&mut self, ctx: &egui::Context, text: &str) {
        match Clip::from_ron(text) {
            Ok(clip) => {
                let clip = clip.rekeyed_for(&self.state.plan, (40.0, 40.0));
                self.apply(ctx, Edit::Paste(clip), None);
            }
            Err(e) => self.canvas.say(ctx, e),
        }
    }
}
