//! The application window: the eframe app state, its panels (menu bar,
//! status bar, palette, inspector, canvas, dock) and one frame's order of
//! work. Panels draw from [`EditorState`] and emit edits and commands,
//! applied after drawing; what a command does is in `dispatch`, how plans
//! reach and leave files (prompts, dialogs, autosave) in `document`.

mod dispatch;
mod document;

pub use document::{AfterDiscard, Prompt};

use crate::model::edit::Edit;
use crate::model::{Catalog, Plan, Subject};
use crate::ui::canvas::overlay::Overlay;
use crate::ui::canvas::{self, Canvas};
use crate::ui::commands::{UiCommand, command_button};
use crate::ui::files::{self, DialogJob, DialogPurpose, ExportKind, FileDialogs, Persisted, Recovery};
use crate::ui::help::{self, HelpState};
use crate::ui::inspector::{self, KeyedEdit};
use crate::ui::palette::{self, PaletteState};
use crate::ui::playback::{self, PlaybackState};
use crate::ui::state::{EditorState, Sel};
use crate::ui::theme::{self, Palette};
use crate::ui::tour::{self, TourAction};
use crate::ui::welcome::{self, WelcomeAction};
use crate::ui::{problems, workloads};
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

/// Frames the dock is held at its grown size (a pass may be discarded).
const DOCK_GROW_FRAMES: u8 = 3;

/// What the results view sees of the editor, and what it may ask of it.
pub struct ResultsCx<'a> {
    pub plan: &'a Plan,
    pub catalog: &'a Catalog,
    /// The canvas selection: rows and series of selected nodes and links
    /// are highlighted.
    pub selection: &'a BTreeSet<Sel>,
    /// Set to select (and bring into view) a node, link or stage on the canvas.
    pub focus: Option<Subject>,
    /// Set to ask for a save dialog; the chosen path comes back through
    /// [`ResultsView::export`].
    pub export: Option<ExportKind>,
    /// Set when there is new content to show: the dock grows (once) tall
    /// enough for the cards and a chart.
    pub wants_room: bool,
}

/// Fills the Results tab of the bottom dock. The simulator/report side
/// implements it and installs it with [`App::set_results_view`].
pub trait ResultsView {
    fn results_ui(&mut self, ui: &mut egui::Ui, cx: &mut ResultsCx<'_>);

    /// Every frame, whichever tab shows: collect a finished run, start the
    /// automatic re-run, write an export that waited for a run.
    fn tick(&mut self, ctx: &egui::Context, plan: &Plan, catalog: &Catalog) -> Tick {
        let _ = (ctx, plan, catalog);
        Tick::default()
    }

    /// Another document replaced the plan (New, Open, a preset): forget the
    /// old plan's run so nothing of it is painted over the new one.
    fn document_replaced(&mut self) {}

    /// Simulate `plan` now (Run › Run simulation, F5).
    fn run(&mut self, plan: &Plan, catalog: &Catalog) {
        let _ = (plan, catalog);
    }

    /// What to paint over the canvas: utilization of the last run, or of
    /// the playback moment. `None` when there is nothing to show.
    fn overlay(&self) -> Option<&Overlay> {
        None
    }

    /// The last successful run and the plan it simulated (which may differ
    /// from the plan being edited: stale results).
    fn last_run(&self) -> Option<(&Plan, &crate::sim::Results)> {
        None
    }

    /// Write `kind` (report, results JSON/CSV, a table) to `path`; the
    /// message says what was written, or why not.
    fn export(
        &mut self,
        kind: ExportKind,
        path: &std::path::Path,
        plan: &Plan,
        catalog: &Catalog,
    ) -> Result<String, String> {
        let _ = (path, plan, catalog);
        Err(format!("{}: no simulator is installed in this window", kind.title()))
    }
}

/// What a results view's [`ResultsView::tick`] asks of the app.
#[derive(Debug, Default)]
pub struct Tick {
    /// A run the user asked for finished: make room for the results.
    pub wants_room: bool,
    /// Say this on the canvas ("wrote report.png").
    pub notice: Option<String>,
}

/// How the app starts.
pub struct AppConfig {
    pub plan: Plan,
    pub file: Option<PathBuf>,
    pub catalog: Catalog,
    pub dialogs: Arc<dyn FileDialogs>,
    /// Where the crash-recovery file lives; `None` disables autosave.
    pub recovery_dir: Option<PathBuf>,
    pub persisted: Persisted,
    /// Shown once at start (the plan given on the command line did not load).
    pub load_error: Option<String>,
}

impl AppConfig {
    /// A config for tests and benchmarks: no dialogs, no recovery file, and
    /// the welcome screen off (as after "Show this screen at start" was
    /// unticked); tests of the welcome set `persisted` back to the default.
    pub fn headless(plan: Plan, catalog: Catalog) -> Self {
        Self {
            plan,
            file: None,
            catalog,
            dialogs: Arc::new(files::NoDialogs),
            recovery_dir: None,
            persisted: Persisted {
                welcome_at_start: false,
                ..Persisted::default()
            },
            load_error: None,
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum LeftTab {
    Palette,
    Workloads,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DockTab {
    Problems,
    Results,
    Compare,
    Playback,
}

pub struct App {
    pub state: EditorState,
    pub canvas: Canvas,
    pub file: Option<PathBuf>,
    pub prompt: Option<Prompt>,
    pub persisted: Persisted,
    /// Welcome screen, tour and shortcuts window.
    pub help: HelpState,
    palette: PaletteState,
    dialogs: Arc<dyn FileDialogs>,
    dialog_job: Option<DialogJob>,
    recovery: Option<Recovery>,
    last_autosave: Instant,
    clipboard: Option<String>,
    left_tab: LeftTab,
    dock_tab: DockTab,
    title_sent: String,
    theme_applied: Option<bool>,
    allow_close: bool,
    results: Option<Box<dyn ResultsView>>,
    compare: crate::ui::compare::CompareView,
    /// Cursor, speed and filter of the Playback tab.
    pub playback: PlaybackState,
    after_prompt: Option<AfterDiscard>,
    pending_after_save: Option<AfterDiscard>,
    /// Grow the dock on the next frame (results to show).
    dock_grow: u8,
    /// A message for the canvas on the next frame (said where no frame
    /// context is at hand, e.g. after opening a file).
    pub notice: Option<String>,
    /// The catalog as the app started, before a price file was loaded
    /// (File › Use catalog prices goes back to it).
    list_catalog: Option<Catalog>,
}

impl App {
    pub fn new(config: AppConfig) -> Self {
        let recovery = config.recovery_dir.map(|dir| Recovery { dir });
        let mut prompt = config.load_error.map(Prompt::Error);
        if prompt.is_none()
            && let Some(r) = recovery.as_ref().and_then(|r| r.read())
        {
            prompt = Some(Prompt::Recover(Box::new(r)));
        }
        let mut state = EditorState::new(config.plan, config.catalog);
        state.snap_to_grid = config.persisted.snap_to_grid;
        let mut canvas = Canvas::default();
        canvas.show_minimap = config.persisted.show_minimap;
        // First run: no plan named on the command line, nothing recent, nothing to recover.
        let help = HelpState {
            welcome_open: prompt.is_none()
                && config.file.is_none()
                && config.persisted.recent.is_empty()
                && config.persisted.welcome_at_start,
            ..HelpState::default()
        };
        Self {
            help,
            state,
            canvas,
            file: config.file,
            prompt,
            persisted: config.persisted,
            palette: PaletteState::default(),
            dialogs: config.dialogs.clone(),
            dialog_job: None,
            recovery,
            last_autosave: Instant::now(),
            notice: None,
            clipboard: None,
            left_tab: LeftTab::Palette,
            dock_tab: DockTab::Problems,
            title_sent: String::new(),
            theme_applied: None,
            allow_close: false,
            results: None,
            compare: crate::ui::compare::CompareView::new(config.dialogs),
            playback: PlaybackState::default(),
            after_prompt: None,
            pending_after_save: None,
            dock_grow: 0,
            list_catalog: None,
        }
    }

    /// The text the last Copy put on the clipboard.
    pub fn clipboard_text(&self) -> Option<&str> {
        self.clipboard.as_deref()
    }

    /// The Results view's last successful run and the plan it simulated.
    pub fn last_run(&self) -> Option<(&Plan, &crate::sim::Results)> {
        self.results.as_ref().and_then(|r| r.last_run())
    }

    /// Which dock tab shows.
    pub fn dock_tab(&self) -> DockTab {
        self.dock_tab
    }

    /// Show the Problems tab (tests).
    pub fn dock_tab_problems(&mut self) {
        self.dock_tab = DockTab::Problems;
    }

    /// The Compare tab's state (baseline, sweep).
    pub fn compare(&self) -> &crate::ui::compare::CompareView {
        &self.compare
    }

    /// What the canvas paints over the plan this frame, if anything.
    pub fn canvas_overlay(&self) -> Option<&Overlay> {
        overlay_for(self.dock_tab, &self.playback, self.results.as_deref()).filter(|_| self.canvas.show_overlay)
    }

    pub fn set_results_view(&mut self, view: Box<dyn ResultsView>) {
        self.results = Some(view);
    }

    pub fn title(&self) -> String {
        let name = match &self.file {
            Some(f) => f
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| f.display().to_string()),
            None => self.state.plan.name.clone(),
        };
        let mark = if self.state.is_dirty() { " •" } else { "" };
        format!("{name}{mark} — ClusterForge")
    }

    /// One frame of the whole application (eframe and tests call this).
    pub fn frame_ui(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        if let Some(notice) = self.notice.take() {
            self.canvas.say(&ctx, notice);
        }
        if let Some(view) = &mut self.results {
            let tick = view.tick(&ctx, &self.state.plan, &self.state.catalog);
            // A run the user asked for makes room in the Results tab; it
            // never pulls the user away from another tab.
            if tick.wants_room && self.dock_tab == DockTab::Results {
                self.dock_grow = DOCK_GROW_FRAMES;
                ctx.request_repaint();
            }
            if let Some(n) = tick.notice {
                self.canvas.say(&ctx, n);
            }
        }
        if self.theme_applied != Some(self.persisted.dark) {
            theme::apply(&ctx, self.persisted.dark);
            self.theme_applied = Some(self.persisted.dark);
        }
        let pal = Palette::new(ui.visuals().dark_mode);

        if ctx.input(|i| i.viewport().close_requested()) && self.state.is_dirty() && !self.allow_close {
            ctx.send_viewport_cmd(egui::ViewportCommand::CancelClose);
            self.prompt = Some(Prompt::Discard(AfterDiscard::Close));
        }

        let mut commands: Vec<UiCommand> = Vec::new();
        let mut edits: Vec<KeyedEdit> = Vec::new();
        let mut canvas_edits: Vec<Edit> = Vec::new();
        let mut paste_text: Option<String> = None;
        if self.prompt.is_none() && !self.help.is_modal() && !ctx.text_edit_focused() {
            self.shortcuts(&ctx, &mut commands, &mut paste_text);
        }

        egui::Panel::top("menu_bar").show(ui, |ui| {
            egui::MenuBar::new().ui(ui, |ui| self.menu_bar_ui(ui, &mut commands));
        });
        egui::Panel::bottom("status_bar").show(ui, |ui| self.status_bar_ui(ui, &pal));
        // The Results tab needs room for its cards and a chart: when it is
        // chosen or a run brings results, the dock grows (once) to at least
        // 45 % of the window; the user can shrink it again.
        let room = (ui.max_rect().height() * 0.45).max(60.0);
        // Held for a few frames: a frame pass can be discarded and re-run.
        let dock_min = if self.dock_grow > 0 {
            self.dock_grow -= 1;
            ui.ctx().request_repaint();
            room
        } else {
            60.0
        };
        self.help.rects.dock = egui::Panel::bottom("dock")
            .resizable(true)
            .default_size(130.0)
            .min_size(dock_min)
            .show(ui, |ui| self.dock_ui(ui))
            .response
            .rect;
        self.help.rects.palette = egui::Panel::left("left")
            .resizable(true)
            .default_size(240.0)
            .size_range(180.0..=360.0)
            .show(ui, |ui| {
                ui.horizontal(|ui| {
                    ui.selectable_value(&mut self.left_tab, LeftTab::Palette, "🔧 Palette")
                        .on_hover_text("Hardware, sites and stages to drag onto the canvas");
                    ui.selectable_value(&mut self.left_tab, LeftTab::Workloads, "▶ Workloads")
                        .on_hover_text("Lifecycle stages and their order");
                });
                ui.separator();
                match self.left_tab {
                    LeftTab::Palette => {
                        if let Some(item) = palette::palette_ui(ui, &mut self.palette, &self.state.catalog) {
                            self.canvas.armed = Some(item);
                        }
                    }
                    LeftTab::Workloads => workloads::workloads_ui(ui, &mut self.state, &mut canvas_edits),
                }
            })
            .response
            .rect;
        self.help.rects.inspector = egui::Panel::right("inspector")
            .resizable(true)
            .default_size(300.0)
            .size_range(220.0..=420.0)
            .show(ui, |ui| inspector::inspector_ui(ui, &self.state, &mut edits))
            .response
            .rect;
        let overlay = overlay_for(self.dock_tab, &self.playback, self.results.as_deref());
        egui::CentralPanel::no_frame().show(ui, |ui| {
            canvas::canvas_ui(
                ui,
                &mut self.state,
                &mut self.canvas,
                &pal,
                overlay,
                &mut canvas_edits,
                &mut commands,
            );
        });

        self.prompt_ui(&ctx, &mut commands);
        self.help.rects.canvas = self.state.canvas_rect;
        self.help_ui(&ctx);

        // Apply what the panels asked for.
        for e in canvas_edits {
            self.apply(&ctx, e, None);
        }
        for (e, key) in edits {
            self.apply(&ctx, e, key);
        }
        if let Some(text) = paste_text {
            self.paste(&ctx, &text);
        }
        for c in commands {
            self.run_command(&ctx, c);
        }

        self.poll_dialog(&ctx);
        self.autosave(&ctx);
        let title = self.title();
        if title != self.title_sent {
            ctx.send_viewport_cmd(egui::ViewportCommand::Title(title.clone()));
            self.title_sent = title;
        }
    }

    fn apply(&mut self, ctx: &egui::Context, edit: Edit, key: Option<String>) {
        if let Err(e) = self.state.apply_merged(edit, key) {
            self.canvas.say(ctx, e);
        }
    }

    fn shortcuts(&mut self, ctx: &egui::Context, commands: &mut Vec<UiCommand>, paste: &mut Option<String>) {
        ctx.input_mut(|i| {
            for cmd in UiCommand::SHORTCUT_ORDER {
                let hit = cmd.shortcut().is_some_and(|s| i.consume_shortcut(&s))
                    || cmd.alternate_shortcut().is_some_and(|s| i.consume_shortcut(&s));
                if hit {
                    commands.push(*cmd);
                }
            }
            for e in &i.events {
                match e {
                    egui::Event::Copy => commands.push(UiCommand::Copy),
                    egui::Event::Cut => commands.push(UiCommand::Cut),
                    egui::Event::Paste(text) => *paste = Some(text.clone()),
                    _ => {}
                }
            }
        });
    }

    fn menu_bar_ui(&mut self, ui: &mut egui::Ui, commands: &mut Vec<UiCommand>) {
        ui.menu_button("File", |ui| {
            let mut exports_begun = false;
            for c in UiCommand::FILE {
                if matches!(c, UiCommand::Export(_)) && !exports_begun || *c == UiCommand::Quit {
                    ui.separator();
                    exports_begun = true;
                }
                command_button(ui, *c, true, commands);
                if *c == UiCommand::Open {
                    self.open_recent_ui(ui);
                }
            }
        });
        ui.menu_button("Edit", |ui| {
            for c in UiCommand::EDIT {
                let enabled = match c {
                    UiCommand::Undo => self.state.undo_label().is_some(),
                    UiCommand::Redo => self.state.redo_label().is_some(),
                    UiCommand::Copy | UiCommand::Duplicate => !self.state.selected_nodes().is_empty(),
                    UiCommand::Delete => !self.state.selection.is_empty(),
                    UiCommand::Paste => self.clipboard.is_some(),
                    _ => true,
                };
                command_button(ui, *c, enabled, commands);
            }
        });
        ui.menu_button("View", |ui| {
            for c in UiCommand::VIEW {
                let on = match c {
                    UiCommand::ToggleGrid => Some(self.state.snap_to_grid),
                    UiCommand::ToggleMinimap => Some(self.canvas.show_minimap),
                    UiCommand::ToggleOverlay => Some(self.canvas.show_overlay),
                    UiCommand::ToggleTheme => Some(self.persisted.dark),
                    _ => None,
                };
                match on {
                    Some(mut v) => {
                        if ui.checkbox(&mut v, c.label()).on_hover_text(c.tooltip()).clicked() {
                            commands.push(*c);
                        }
                    }
                    None => command_button(ui, *c, true, commands),
                }
            }
        });
        ui.menu_button("Arrange", |ui| {
            let enabled = self.state.selected_nodes().len() > 1;
            for c in UiCommand::ARRANGE {
                command_button(ui, *c, enabled, commands);
            }
        });
        ui.menu_button("Run", |ui| {
            for c in UiCommand::RUN {
                command_button(ui, *c, self.results.is_some(), commands);
            }
        });
        ui.menu_button("Help", |ui| {
            for c in UiCommand::HELP {
                command_button(ui, *c, true, commands);
            }
        });
    }

    /// The welcome screen, the tour and the shortcuts window (help.rs,
    /// welcome.rs, tour.rs draw them; the app runs what they ask for).
    fn help_ui(&mut self, ctx: &egui::Context) {
        if self.prompt.is_some() {
            return;
        }
        let escape = ctx.input(|i| i.key_pressed(egui::Key::Escape));
        if self.help.welcome_open {
            match welcome::welcome_ui(ctx, &mut self.persisted) {
                Some(WelcomeAction::Open(action)) => {
                    self.help.welcome_open = false;
                    self.guard_discard(ctx, action);
                }
                Some(WelcomeAction::Tour) => {
                    self.help.welcome_open = false;
                    self.help.tour_step = Some(0);
                }
                Some(WelcomeAction::Close) => self.help.welcome_open = false,
                None => {}
            }
            return;
        }
        if let Some(step) = self.help.tour_step {
            self.help.tour_step = match tour::tour_ui(ctx, step, &self.help.rects) {
                _ if escape => None,
                Some(TourAction::Back) => Some(step.saturating_sub(1)),
                Some(TourAction::Next) => Some((step + 1).min(tour::STEPS.len() - 1)),
                Some(TourAction::Done) => None,
                None => Some(step),
            };
        } else if self.help.shortcuts_open && escape {
            self.help.shortcuts_open = false;
        }
        if self.help.shortcuts_open {
            help::shortcuts_ui(ctx, &mut self.help.shortcuts_open);
        }
    }

    fn status_bar_ui(&mut self, ui: &mut egui::Ui, pal: &Palette) {
        ui.horizontal(|ui| {
            let (errors, warnings) = (self.state.error_count(), self.state.warning_count());
            let (color, text) = if errors > 0 {
                (pal.error, format!("⛔ {errors} errors, {warnings} warnings"))
            } else if warnings > 0 {
                (pal.warning, format!("⚠ {warnings} warnings"))
            } else {
                (pal.ok, "✔ Valid plan".to_owned())
            };
            if ui
                .add(egui::Button::new(egui::RichText::new(text).color(color)).frame(false))
                .on_hover_text("Show the problems list")
                .clicked()
            {
                self.dock_tab = DockTab::Problems;
            }
            ui.separator();
            let p = &self.state.plan;
            ui.label(crate::ui::inspector::plan_counts(p, "node", "nodes"));
            if !self.state.selection.is_empty() {
                ui.separator();
                ui.label(format!("{} selected", self.state.selection.len()));
            }
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                ui.label(format!("{:.0} %", self.state.camera.zoom * 100.0))
                    .on_hover_text("Zoom (wheel zooms at the cursor, F fits the plan)");
                ui.separator();
                if self.state.is_dirty() {
                    ui.label("Unsaved changes");
                } else {
                    ui.weak("Saved");
                }
            });
        });
    }

    fn dock_ui(&mut self, ui: &mut egui::Ui) {
        // A panel is as tall as its content: fill it, or short content
        // (one problem line) would shrink the dock below the size the user
        // (or a results run) gave it.
        ui.set_min_height(ui.available_height());
        ui.horizontal(|ui| {
            let n = self.state.problems.len();
            ui.selectable_value(&mut self.dock_tab, DockTab::Problems, format!("Problems ({n})"))
                .on_hover_text("Validation problems of the plan");
            if ui
                .selectable_value(&mut self.dock_tab, DockTab::Results, "Results")
                .on_hover_text("Simulation results")
                .clicked()
            {
                self.dock_grow = DOCK_GROW_FRAMES;
                ui.ctx().request_repaint();
            }
            if ui
                .selectable_value(&mut self.dock_tab, DockTab::Compare, "Compare")
                .on_hover_text("Compare the current run with a baseline; scaling curve")
                .clicked()
            {
                self.dock_grow = DOCK_GROW_FRAMES;
                ui.ctx().request_repaint();
            }
            ui.selectable_value(&mut self.dock_tab, DockTab::Playback, "Playback")
                .on_hover_text("Step through the last run: stages, events and the cluster at each moment");
        });
        ui.separator();
        match self.dock_tab {
            DockTab::Problems => {
                if let Some(subject) = problems::problems_ui(ui, &self.state) {
                    if matches!(subject, crate::model::Subject::Stage(_)) {
                        self.left_tab = LeftTab::Workloads;
                    }
                    self.state.focus(&subject);
                }
            }
            DockTab::Results => match &mut self.results {
                Some(view) => {
                    let mut cx = ResultsCx {
                        plan: &self.state.plan,
                        catalog: &self.state.catalog,
                        selection: &self.state.selection,
                        focus: None,
                        export: None,
                        wants_room: false,
                    };
                    view.results_ui(ui, &mut cx);
                    let (focus, export, wants_room) = (cx.focus, cx.export, cx.wants_room);
                    if let Some(subject) = focus {
                        self.state.focus(&subject);
                    }
                    if let Some(kind) = export {
                        self.start_dialog(ui.ctx(), DialogPurpose::Export(kind));
                    }
                    if wants_room {
                        self.dock_grow = DOCK_GROW_FRAMES;
                        ui.ctx().request_repaint();
                    }
                }
                None => {
                    ui.weak("Results come from the simulator: run a simulation to see time, throughput, latency and cost here");
                }
            },
            DockTab::Compare => {
                let cx = crate::ui::compare::CompareCx {
                    plan: &self.state.plan,
                    catalog: &self.state.catalog,
                    last_run: self.results.as_ref().and_then(|r| r.last_run()),
                };
                crate::ui::compare::compare_ui(ui, &mut self.compare, &cx);
            }
            DockTab::Playback => {
                let pal = Palette::new(ui.visuals().dark_mode);
                let run = self.results.as_ref().and_then(|r| r.last_run());
                let keys = self.prompt.is_none();
                let focus = playback::playback_ui(ui, &mut self.playback, run, &self.state.plan, keys, &pal);
                if let Some(subject) = focus {
                    self.state.focus(&subject);
                }
            }
        }
    }
}

/// The canvas overlay: while Playback is open, the run at its cursor;
/// otherwise the utilization of the last run.
fn overlay_for<'a>(
    tab: DockTab,
    playback: &'a PlaybackState,
    results: Option<&'a dyn ResultsView>,
) -> Option<&'a Overlay> {
    match tab {
        DockTab::Playback => playback.overlay(),
        _ => results.and_then(|r| r.overlay()),
    }
}
