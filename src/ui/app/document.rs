//! How a plan reaches and leaves files: New / Open / Save / Save As /
//! Export through a dialog (or the in-app path prompt when there is no
//! dialog service), "Save changes?" before anything that would discard
//! edits, crash recovery and autosave, and the modal prompts that carry
//! these steps (plus errors and the presets gallery). Kept apart from the
//! panels because every step here can be interrupted by a prompt and
//! resumed later (`AfterDiscard`).

use super::App;
use crate::model::Plan;
use crate::report::{self, presets};
use crate::ui::commands::UiCommand;
use crate::ui::files::{self, DialogJob, DialogOutcome, DialogPurpose, ExportKind, Recovered};
use crate::ui::welcome;
use std::path::PathBuf;
use std::time::Instant;

/// What to do once the user agreed to discard unsaved changes.
#[derive(Clone, Debug, PartialEq)]
pub enum AfterDiscard {
    New,
    Open,
    OpenPath(PathBuf),
    OpenPreset(&'static str),
    Close,
}

/// The modal on top of the window, one at a time; the panels stop taking
/// shortcuts while it is open.
pub enum Prompt {
    Discard(AfterDiscard),
    Path { purpose: DialogPurpose, text: String },
    Recover(Box<Recovered>),
    Error(String),
    Presets,
}

impl App {
    /// The modal prompt of this frame, if any: each kind is drawn by its own
    /// `*_prompt_ui`, which says whether the prompt stays.
    pub(super) fn prompt_ui(&mut self, ctx: &egui::Context, commands: &mut Vec<UiCommand>) {
        let Some(prompt) = self.prompt.take() else { return };
        let mut shown = Shown::Keep;
        egui::Modal::new(egui::Id::unique("prompt")).show(ctx, |ui| {
            ui.set_max_width(520.0);
            shown = match &prompt {
                Prompt::Discard(action) => self.discard_prompt_ui(ui, action, commands),
                Prompt::Path { purpose, text } => self.path_prompt_ui(ui, *purpose, text),
                Prompt::Recover(r) => self.recover_prompt_ui(ui, r),
                Prompt::Error(message) => error_prompt_ui(ui, message),
                Prompt::Presets => self.presets_prompt_ui(ui),
            };
        });
        if ctx.input(|i| i.key_pressed(egui::Key::Escape)) && !matches!(prompt, Prompt::Recover(_)) {
            shown = Shown::Close;
            self.after_prompt = None;
        }
        // A prompt opened by the answer (an error after Open) takes over.
        if self.prompt.is_none() {
            match shown {
                Shown::Keep => self.prompt = Some(prompt),
                Shown::KeepText(text) => {
                    self.prompt = Some(match prompt {
                        Prompt::Path { purpose, .. } => Prompt::Path { purpose, text },
                        other => other,
                    })
                }
                Shown::Close => {}
            }
        }
    }

    /// "Save changes?" before `action` discards the edits.
    fn discard_prompt_ui(&mut self, ui: &mut egui::Ui, action: &AfterDiscard, commands: &mut Vec<UiCommand>) -> Shown {
        let ctx = ui.ctx().clone();
        let mut shown = Shown::Keep;
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
                shown = Shown::Close;
                self.after_prompt = Some(action.clone());
                commands.push(UiCommand::Save);
            }
            if ui
                .button("Don't save")
                .on_hover_text("Discard the changes and continue")
                .clicked()
            {
                // The edits stay until something replaces them:
                // an Open that is cancelled or fails keeps the
                // edited plan, still marked unsaved.
                shown = Shown::Close;
                self.do_after(&ctx, action.clone());
            }
            if ui.button("Cancel").on_hover_text("Keep editing").clicked() {
                shown = Shown::Close;
            }
        });
        shown
    }

    /// The in-app path field, where no file dialog is available.
    fn path_prompt_ui(&mut self, ui: &mut egui::Ui, purpose: DialogPurpose, text: &str) -> Shown {
        let ctx = ui.ctx().clone();
        let mut shown = Shown::Keep;
        let mut text = text.to_owned();
        ui.heading(match purpose {
            DialogPurpose::Open => "Open plan",
            DialogPurpose::SaveAs => "Save plan as",
            DialogPurpose::Export(kind) => kind.title(),
            DialogPurpose::LoadPrices => "Load price file",
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
                    DialogPurpose::LoadPrices => "Load",
                })
                .on_hover_text("Use this path")
                .clicked();
            if (ok || enter) && !text.trim().is_empty() {
                shown = Shown::Close;
                let path = PathBuf::from(text.trim());
                match purpose {
                    DialogPurpose::Open => self.open_path(path),
                    DialogPurpose::SaveAs => self.save_to(with_ron_extension(path)),
                    DialogPurpose::Export(kind) => self.export_to(&ctx, kind, path),
                    DialogPurpose::LoadPrices => self.load_prices(&ctx, Some(path)),
                }
            }
            if ui.button("Cancel").on_hover_text("Do nothing").clicked() {
                shown = Shown::Close;
                self.after_prompt = None;
            }
        });
        if matches!(shown, Shown::Keep) {
            shown = Shown::KeepText(text);
        }
        shown
    }

    /// "Recover unsaved work?" after a crash.
    fn recover_prompt_ui(&mut self, ui: &mut egui::Ui, r: &Recovered) -> Shown {
        let mut shown = Shown::Keep;
        ui.heading("Recover unsaved work?");
        ui.label(format!(
            "ClusterForge did not close cleanly. A copy of '{}' autosaved {} ago was found.",
            r.plan.name,
            age(r.age_s)
        ));
        ui.horizontal(|ui| {
            if ui.button("Recover").on_hover_text("Open the autosaved plan").clicked() {
                shown = Shown::Close;
                self.state.replace_plan(r.plan.clone());
                self.state.mark_modified();
                self.file = r.file.clone();
            }
            if ui
                .button("Discard")
                .on_hover_text("Delete the autosaved copy")
                .clicked()
            {
                shown = Shown::Close;
                if let Some(rec) = &self.recovery {
                    rec.clear();
                }
            }
        });
        shown
    }

    /// The presets gallery (File › Presets…).
    fn presets_prompt_ui(&mut self, ui: &mut egui::Ui) -> Shown {
        let ctx = ui.ctx().clone();
        let mut shown = Shown::Keep;
        ui.set_max_width(760.0);
        ui.heading("Start from a preset");
        ui.add_space(6.0);
        let chosen = welcome::presets_gallery_ui(ui, true, 3);
        ui.add_space(6.0);
        if ui.button("Cancel").on_hover_text("Close the gallery").clicked() {
            shown = Shown::Close;
        }
        if let Some(id) = chosen {
            shown = Shown::Close;
            let action = match id {
                Some(id) => AfterDiscard::OpenPreset(id),
                None => AfterDiscard::New,
            };
            self.guard_discard(&ctx, action);
        }
        shown
    }

    pub(super) fn open_recent_ui(&mut self, ui: &mut egui::Ui) {
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
            ui.separator();
            ui.checkbox(&mut self.persisted.reopen_last, "Reopen the last file at start")
                .on_hover_text("Started without a plan, open the most recent file instead of the default preset");
        });
    }

    pub(super) fn guard_discard(&mut self, ctx: &egui::Context, action: AfterDiscard) {
        if self.state.is_dirty() {
            self.prompt = Some(Prompt::Discard(action));
        } else {
            self.do_after(ctx, action);
        }
    }

    fn do_after(&mut self, ctx: &egui::Context, action: AfterDiscard) {
        match action {
            AfterDiscard::New => self.replace_document(Plan::default(), None),
            AfterDiscard::Open => self.start_dialog(ctx, DialogPurpose::Open),
            AfterDiscard::OpenPath(p) => self.open_path(p),
            AfterDiscard::OpenPreset(id) => match presets::preset(id).map(|p| p.plan()) {
                Some(Ok(plan)) => self.replace_document(plan, None),
                Some(Err(e)) => self.prompt = Some(Prompt::Error(e.to_string())),
                None => self.prompt = Some(Prompt::Error(format!("preset '{id}' does not exist"))),
            },
            AfterDiscard::Close => {
                // Closing without saving: the discarded edits are not
                // offered back on the next start.
                if let Some(r) = &self.recovery {
                    r.clear();
                }
                self.allow_close = true;
                ctx.send_viewport_cmd(egui::ViewportCommand::Close);
            }
        }
    }

    /// Open a plan file, or the plan inside a PNG report. A report is not
    /// the plan's file: Save then asks for a `.ron` path instead of writing
    /// plan text over the image.
    pub fn open_path(&mut self, path: PathBuf) {
        match report::load_document(&path) {
            Ok(report::Loaded { plan, plan_in_report }) => {
                files::push_recent(&mut self.persisted.recent, &path);
                if plan_in_report {
                    self.replace_document(plan, None);
                    let name = path
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    self.notice = Some(format!(
                        "Opened the plan inside the report {name}; Save asks for a new .ron file and leaves the report as it is"
                    ));
                } else {
                    self.replace_document(plan, Some(path));
                }
            }
            Err(e) => self.prompt = Some(Prompt::Error(e.to_string())),
        }
    }

    /// A new document replaces the old one: undo history, file, and the
    /// recovery copy of the old edits all go.
    fn replace_document(&mut self, plan: Plan, file: Option<PathBuf>) {
        self.state.replace_plan(plan);
        if let Some(view) = &mut self.results {
            view.document_replaced();
        }
        self.file = file;
        if let Some(r) = &self.recovery {
            r.clear();
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

    /// Apply the price file at `path` over the list-price catalog (or go
    /// back to list prices with `None`), then re-run so every figure on
    /// screen uses the new prices. A file that does not load changes nothing.
    pub fn load_prices(&mut self, ctx: &egui::Context, path: Option<PathBuf>) {
        let list = self.list_catalog.get_or_insert_with(|| self.state.catalog.clone());
        let loaded = match &path {
            Some(p) => report::prices::apply_file(list, p),
            None => Ok(list.clone()),
        };
        match loaded {
            Ok(catalog) => {
                let label = catalog.prices_label();
                self.state.catalog = catalog;
                if let Some(view) = &mut self.results {
                    view.run(&self.state.plan, &self.state.catalog);
                }
                self.canvas.say(ctx, label);
            }
            Err(e) => self.prompt = Some(Prompt::Error(e)),
        }
    }

    pub(super) fn start_dialog(&mut self, ctx: &egui::Context, purpose: DialogPurpose) {
        if self.dialog_job.is_some() {
            return;
        }
        let suggested = match purpose {
            DialogPurpose::Export(kind) => kind.suggested_file_name(&self.state.plan),
            _ => files::suggested_file_name(&self.state.plan),
        };
        self.dialog_job = Some(DialogJob::spawn(self.dialogs.clone(), purpose, suggested, ctx.clone()));
    }

    pub(super) fn poll_dialog(&mut self, ctx: &egui::Context) {
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
                DialogPurpose::LoadPrices => self.load_prices(ctx, Some(path)),
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
                    (None, DialogPurpose::Open) | (_, DialogPurpose::LoadPrices) => String::new(),
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

    pub(super) fn autosave(&mut self, ctx: &egui::Context) {
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
}

/// Whether a prompt stays after this frame.
enum Shown {
    Keep,
    /// Stays, with the text typed into its field.
    KeepText(String),
    Close,
}

/// An error, until OK.
fn error_prompt_ui(ui: &mut egui::Ui, message: &str) -> Shown {
    let mut shown = Shown::Keep;
    ui.heading("Something went wrong");
    ui.label(message);
    if ui.button("OK").on_hover_text("Close this message").clicked() {
        shown = Shown::Close;
    }
    shown
}

/// Where Save As writes: `.ron` added to a bare name, and put in place of
/// `.png` (plan text must never land in a file named as an image).
fn with_ron_extension(path: PathBuf) -> PathBuf {
    match path.extension().map(|e| e.to_ascii_lowercase()) {
        None => path.with_extension("ron"),
        Some(e) if e == "png" => path.with_extension("ron"),
        Some(_) => path,
    }
}

fn age(s: u64) -> String {
    match s {
        0..=90 => format!("{s} s"),
        91..=5400 => format!("{} min", s / 60),
        _ => format!("{} h", s / 3600),
    }
}
