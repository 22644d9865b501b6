//! The desktop application (eframe/egui 0.37): a canvas editor for plans.
//!
//! Module map: `state` (plan, selection, camera, undo), `commands` (UI commands,
//! new-element templates; the edits are `model::edit`), `canvas` (draw, hit-test, interact), `palette`, `inspector`,
//! `workloads`, `problems`, `results` (Results tab), `playback` (Playback
//! tab), `compare` (Compare tab: baseline vs current, scaling), `files`
//! (dialogs, recent files, recovery), `theme`, `app` (panels; `app::document`: files, prompts, autosave; `app::dispatch`: running commands), `welcome` (first-run screen, presets gallery), `tour`
//! (callouts over the panels), `help` (shortcuts window), `bench` (headless
//! frame timing).

pub mod app;
pub mod bench;
pub mod canvas;
pub mod commands;
pub mod compare;
pub mod files;
pub mod help;
pub mod inspector;
pub mod jobs;
pub mod palette;
pub mod playback;
pub mod problems;
pub mod results;
pub mod state;
pub mod theme;
pub mod tour;
pub mod welcome;
pub mod workloads;

pub use app::{App, AppConfig, ResultsCx, ResultsView};
pub use bench::bench_frame_ms;

use crate::model::{Catalog, Plan};
use crate::report::{self, presets};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

/// Open the main window with `plan_path`, or the default preset.
pub fn run(plan_path: Option<PathBuf>, catalog: Catalog) -> ExitCode {
    let given = plan_path.map(|path| load_document(&path));
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("ClusterForge")
            .with_app_id("clusterforge")
            .with_inner_size([1500.0, 940.0])
            .with_min_inner_size([900.0, 560.0]),
        ..Default::default()
    };
    let result = eframe::run_native(
        "ClusterForge",
        options,
        Box::new(move |cc| {
            let persisted = cc
                .storage
                .and_then(|s| eframe::get_value::<files::Persisted>(s, files::PERSIST_KEY))
                .unwrap_or_default();
            // No plan named: the last file if the setting asks, else the default preset.
            let (plan, file, load_error) = given.unwrap_or_else(|| match persisted.startup_file() {
                Some(path) => load_document(path),
                None => (default_plan(), None, None),
            });
            let config = AppConfig {
                plan,
                file,
                catalog,
                dialogs: Arc::new(files::RfdDialogs),
                recovery_dir: files::Recovery::default_dir(),
                persisted,
                load_error,
            };
            let results_view = results::SimResultsView::with_plan_file(config.file.as_deref());
            let mut app = App::new(config);
            app.set_results_view(Box::new(results_view));
            Ok(Box::new(EframeApp(app)))
        }),
    );
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: cannot open a window: {e}");
            ExitCode::from(crate::exit::EXIT_USAGE)
        }
    }
}

/// A plan file to start with, or the default preset and why it did not load.
fn load_document(path: &std::path::Path) -> (Plan, Option<PathBuf>, Option<String>) {
    match report::load_plan(path) {
        Ok(p) => (p, Some(path.to_path_buf()), None),
        Err(e) => (default_plan(), None, Some(e.to_string())),
    }
}

fn default_plan() -> Plan {
    presets::preset(presets::DEFAULT_PRESET)
        .and_then(|p| p.plan().ok())
        .unwrap_or_default()
}

struct EframeApp(App);

impl eframe::App for EframeApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.0.frame_ui(ui);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, files::PERSIST_KEY, &self.0.persisted);
    }

    fn on_exit(&mut self, _gl: Option<&eframe::glow::Context>) {
        self.0.on_clean_exit();
    }
}
