//! The application: panels, menus, prompts and files. Panels draw from
//! [`EditorState`] and emit edits and commands, applied after drawing.

use crate::model::{Catalog, Plan, Subject};
use crate::report::{self, presets};
use crate::ui::canvas::overlay::Overlay;
use crate::ui::canvas::{self, Canvas};
use crate::ui::commands::{Clip, Edit, UiCommand, arrange, command_button};
use crate::ui::files::{
    self, DialogJob, DialogOutcome, DialogPurpose, ExportKind, FileDialogs, Persisted, Recovered, Recovery,
};
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

/// What to do once the user agreed to discard unsaved changes.
#[derive(Clone, Debug, PartialEq)]
pub enum AfterDiscard {
    New,
    Open,
    OpenPath(PathBuf),
    OpenPreset(&'static str),
    Close,
}

pub enum Prompt {
    Discard(AfterDiscard),
    Path { purpose: DialogPurpose, text: String },
    Recover(Recovered),
    Error(String),
    Presets,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum LeftTab {
    Palette,
    Workloads,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum DockTab {
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
}

impl App {
    pub fn new(config: AppConfig) -> Self {
        let recovery = config.recovery_dir.map(|dir| Recovery { dir });
        let mut prompt = config.load_error.map(Prompt::Error);
        if prompt.is_none()
            && let Some(r) = recovery.as_ref().and_then(|r| r.read())
        {
            prompt = Some(Prompt::Recover(r));
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
        }
    }

    /// The text the last Copy put on the clipboard.
    pub fn clipboard_text(&self) -> Option<&str> {
        self.clipboard.as_deref()
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
                    egui::Event::Cut => {
                        commands.push(UiCommand::Copy);
                        commands.push(UiCommand::Delete);
                    }
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
                if matches!(c, UiCommand::Export(_)) && !exports_begun {
                    ui.separator();
                    exports_begun = true;
                }
                command_button(ui, *c, true, commands);
                if *c == UiCommand::Open {
                    self.open_recent_ui(ui);
                }
            }
            ui.separator();
            command_button(ui, UiCommand::Quit, true, commands);
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

    fn open_recent_ui(&mut self, ui: &mut egui::Ui) {
        ui.menu_button("Open recent", |ui| {
            if self.persisted.recent.is_empty() {
                ui.weak("No recent files");
            }
            let mut open = None;
            for p in &self.persisted.recent {
                if ui
                    .button(p.display().to_string())
                    .on_hover_text("Open this plan")
                    .clicked()
                {
                    open = Some(p.clone());
                    ui.close();
                }
            }
            if let Some(p) = open {
                self.guard_discard(ui.ctx(), AfterDiscard::OpenPath(p));
            }
        });
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
            ui.label(format!(
                "{} sites · {} nodes · {} links · {} stages",
                p.sites.len(),
                p.nodes.len(),
                p.links.len(),
                p.stages.len()
            ));
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

    fn prompt_ui(&mut self, ctx: &egui::Context, commands: &mut Vec<UiCommand>) {
        let Some(prompt) = self.prompt.take() else { return };
        let mut keep = true;
        let mut next: Option<Prompt> = None;
        let modal = egui::Modal::new(egui::Id::unique("prompt")).show(ctx, |ui| {
            ui.set_max_width(520.0);
            match &prompt {
                Prompt::Discard(action) => {
                    ui.heading("Save changes?");
                    ui.label(format!(
                        "'{}' has unsaved changes. Save them before {}?",
                        self.state.plan.name,
                        match action {
                            AfterDiscard::Close => "closing",
                            AfterDiscard::New => "starting a new plan",
                            _ => "opening another plan",
                        }
                    ));
                    ui.add_space(8.0);
                    ui.horizontal(|ui| {
                        if ui.button("Save").on_hover_text("Save, then continue").clicked() {
                            keep = false;
                            self.after_prompt = Some(action.clone());
                            commands.push(UiCommand::Save);
                        }
                        if ui
                            .button("Don't save")
                            .on_hover_text("Discard the changes and continue")
                            .clicked()
                        {
                            keep = false;
                            if let Some(r) = &self.recovery {
                                r.clear();
                            }
                            self.state.mark_saved();
                            self.do_after(ctx, action.clone());
                        }
                        if ui.button("Cancel").on_hover_text("Keep editing").clicked() {
                            keep = false;
                        }
                    });
                }
                Prompt::Path { purpose, text } => {
                    let mut text = text.clone();
                    ui.heading(match purpose {
                        DialogPurpose::Open => "Open plan",
                        DialogPurpose::SaveAs => "Save plan as",
                        DialogPurpose::Export(kind) => kind.title(),
                    });
                    ui.label("No file dialog is available here: type the path of the file");
                    let l = ui.label("File path");
                    let r = ui
                        .add(egui::TextEdit::singleline(&mut text).desired_width(480.0))
                        .labelled_by(l.id)
                        .on_hover_text("Absolute path, or relative to the working directory");
                    let enter = r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
                    ui.horizontal(|ui| {
                        let ok = ui
                            .button(match purpose {
                                DialogPurpose::Open => "Open",
                                DialogPurpose::SaveAs => "Save",
                                DialogPurpose::Export(_) => "Export",
                            })
                            .on_hover_text("Use this path")
                            .clicked();
                        if (ok || enter) && !text.trim().is_empty() {
                            keep = false;
                            let path = PathBuf::from(text.trim());
                            match purpose {
                                DialogPurpose::Open => self.open_path(path),
                                DialogPurpose::SaveAs => self.save_to(with_ron_extension(path)),
                                DialogPurpose::Export(kind) => self.export_to(ctx, *kind, path),
                            }
                        }
                        if ui.button("Cancel").on_hover_text("Do nothing").clicked() {
                            keep = false;
                            self.after_prompt = None;
                        }
                    });
                    if keep {
                        next = Some(Prompt::Path {
                            purpose: *purpose,
                            text,
                        });
                    }
                }
                Prompt::Recover(r) => {
                    ui.heading("Recover unsaved work?");
                    ui.label(format!(
                        "ClusterForge did not close cleanly. A copy of '{}' autosaved {} ago was found.",
                        r.plan.name,
                        age(r.age_s)
                    ));
                    ui.horizontal(|ui| {
                        if ui.button("Recover").on_hover_text("Open the autosaved plan").clicked() {
                            keep = false;
                            self.state.replace_plan(r.plan.clone());
                            self.state.mark_modified();
                            self.file = r.file.clone();
                        }
                        if ui
                            .button("Discard")
                            .on_hover_text("Delete the autosaved copy")
                            .clicked()
                        {
                            keep = false;
                            if let Some(rec) = &self.recovery {
                                rec.clear();
                            }
                        }
                    });
                }
                Prompt::Error(message) => {
                    ui.heading("Something went wrong");
                    ui.label(message);
                    if ui.button("OK").on_hover_text("Close this message").clicked() {
                        keep = false;
                    }
                }
                Prompt::Presets => {
                    ui.set_max_width(760.0);
                    ui.heading("Start from a preset");
                    ui.add_space(6.0);
                    let chosen = welcome::presets_gallery_ui(ui, true, 3);
                    ui.add_space(6.0);
                    if ui.button("Cancel").on_hover_text("Close the gallery").clicked() {
                        keep = false;
                    }
                    if let Some(id) = chosen {
                        keep = false;
                        let action = match id {
                            Some(id) => AfterDiscard::OpenPreset(id),
                            None => AfterDiscard::New,
                        };
                        self.guard_discard(ctx, action);
                    }
                }
            }
        });
        let _ = modal;
        if ctx.input(|i| i.key_pressed(egui::Key::Escape)) && !matches!(prompt, Prompt::Recover(_)) {
            keep = false;
            self.after_prompt = None;
        }
        if keep && self.prompt.is_none() {
            self.prompt = Some(next.unwrap_or(prompt));
        }
    }

    fn guard_discard(&mut self, ctx: &egui::Context, action: AfterDiscard) {
        if self.state.is_dirty() {
            self.prompt = Some(Prompt::Discard(action));
        } else {
            self.do_after(ctx, action);
        }
    }

    fn do_after(&mut self, ctx: &egui::Context, action: AfterDiscard) {
        match action {
            AfterDiscard::New => {
                self.state.replace_plan(Plan::default());
                self.file = None;
            }
            AfterDiscard::Open => self.start_dialog(ctx, DialogPurpose::Open),
            AfterDiscard::OpenPath(p) => self.open_path(p),
            AfterDiscard::OpenPreset(id) => match presets::preset(id).map(|p| p.plan()) {
                Some(Ok(plan)) => {
                    self.state.replace_plan(plan);
                    self.file = None;
                }
                Some(Err(e)) => self.prompt = Some(Prompt::Error(e.to_string())),
                None => self.prompt = Some(Prompt::Error(format!("preset '{id}' does not exist"))),
            },
            AfterDiscard::Close => {
                self.allow_close = true;
                ctx.send_viewport_cmd(egui::ViewportCommand::Close);
            }
        }
    }

    pub fn open_path(&mut self, path: PathBuf) {
        match report::load_plan(&path) {
            Ok(plan) => {
                self.state.replace_plan(plan);
                files::push_recent(&mut self.persisted.recent, &path);
                self.file = Some(path);
            }
            Err(e) => self.prompt = Some(Prompt::Error(e.to_string())),
        }
    }

    pub fn save_to(&mut self, path: PathBuf) {
        match report::save_plan(&path, &self.state.plan) {
            Ok(()) => {
                self.state.mark_saved();
                files::push_recent(&mut self.persisted.recent, &path);
                self.file = Some(path);
                if let Some(r) = &self.recovery {
                    r.clear();
                }
                self.last_autosave = Instant::now();
                if let Some(action) = self.after_prompt.take() {
                    self.pending_after_save = Some(action);
                }
            }
            Err(e) => {
                self.after_prompt = None;
                self.prompt = Some(Prompt::Error(e.to_string()));
            }
        }
    }

    fn start_dialog(&mut self, ctx: &egui::Context, purpose: DialogPurpose) {
        if self.dialog_job.is_some() {
            return;
        }
        let suggested = match purpose {
            DialogPurpose::Export(kind) => kind.suggested_file_name(&self.state.plan),
            _ => files::suggested_file_name(&self.state.plan),
        };
        self.dialog_job = Some(DialogJob::spawn(self.dialogs.clone(), purpose, suggested, ctx.clone()));
    }

    fn poll_dialog(&mut self, ctx: &egui::Context) {
        if let Some(action) = self.pending_after_save.take() {
            self.do_after(ctx, action);
        }
        let Some(job) = &self.dialog_job else { return };
        let purpose = job.purpose;
        match job.poll() {
            DialogOutcome::Pending => {
                ctx.request_repaint_after(std::time::Duration::from_millis(50));
                return;
            }
            DialogOutcome::Picked(path) => match purpose {
                DialogPurpose::Open => self.open_path(path),
                DialogPurpose::SaveAs => self.save_to(with_ron_extension(path)),
                DialogPurpose::Export(kind) => self.export_to(ctx, kind, path),
            },
            DialogOutcome::Cancelled => self.after_prompt = None,
            DialogOutcome::NoService => {
                let text = match (&self.file, purpose) {
                    (Some(f), DialogPurpose::Export(kind)) => f
                        .with_file_name(kind.suggested_file_name(&self.state.plan))
                        .display()
                        .to_string(),
                    (None, DialogPurpose::Export(kind)) => std::env::current_dir()
                        .map(|d| d.join(kind.suggested_file_name(&self.state.plan)).display().to_string())
                        .unwrap_or_default(),
                    (Some(f), _) => f.display().to_string(),
                    (None, DialogPurpose::SaveAs) => std::env::current_dir()
                        .map(|d| {
                            d.join(files::suggested_file_name(&self.state.plan))
                                .display()
                                .to_string()
                        })
                        .unwrap_or_default(),
                    (None, DialogPurpose::Open) => String::new(),
                };
                self.prompt = Some(Prompt::Path { purpose, text });
            }
        }
        self.dialog_job = None;
    }

    /// Write an export to `path`: the plan copy here, the rest by the
    /// results view. Success is said on the canvas; failure in a prompt.
    pub fn export_to(&mut self, ctx: &egui::Context, kind: ExportKind, path: PathBuf) {
        let path = kind.with_extension(path);
        let outcome = match kind {
            ExportKind::PlanRon => report::save_plan(&path, &self.state.plan)
                .map(|()| format!("wrote {}", path.display()))
                .map_err(|e| e.to_string()),
            _ => match &mut self.results {
                Some(view) => view.export(kind, &path, &self.state.plan, &self.state.catalog),
                None => Err(format!("{}: no simulator is installed in this window", kind.title())),
            },
        };
        match outcome {
            Ok(msg) => self.canvas.say(ctx, msg),
            Err(e) => self.prompt = Some(Prompt::Error(format!("{} failed: {e}", kind.title()))),
        }
    }

    fn autosave(&mut self, ctx: &egui::Context) {
        let Some(rec) = &self.recovery else { return };
        if !self.state.is_dirty() {
            self.last_autosave = Instant::now();
            return;
        }
        if self.last_autosave.elapsed() >= files::AUTOSAVE_EVERY {
            if let Err(e) = rec.write(&self.state.plan, self.file.as_deref()) {
                self.canvas.say(ctx, format!("Autosave failed: {e}"));
            }
            self.last_autosave = Instant::now();
        }
        ctx.request_repaint_after(files::AUTOSAVE_EVERY);
    }

    /// Write the recovery file now (tests; the timer calls it every 30 s).
    pub fn autosave_now(&mut self) -> Result<(), String> {
        match &self.recovery {
            Some(rec) => rec.write(&self.state.plan, self.file.as_deref()),
            None => Err("autosave is off".into()),
        }
    }

    /// Called on a clean exit: the recovery file is no longer needed.
    pub fn on_clean_exit(&mut self) {
        if !self.state.is_dirty()
            && let Some(r) = &self.recovery
        {
            r.clear();
        }
    }

    fn paste(&mut self, ctx: &egui::Context, text: &str) {
        match Clip::from_ron(text) {
            Ok(clip) => {
                let clip = clip.rekeyed_for(&self.state.plan, (40.0, 40.0));
                self.apply(ctx, Edit::Paste(clip), None);
            }
            Err(e) => self.canvas.say(ctx, e),
        }
    }

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

fn with_ron_extension(path: PathBuf) -> PathBuf {
    if path.extension().is_some() {
        path
    } else {
        path.with_extension("ron")
    }
}

fn age(s: u64) -> String {
    match s {
        0..=90 => format!("{s} s"),
        91..=5400 => format!("{} min", s / 60),
        _ => format!("{} h", s / 3600),
    }
}
