//! The desktop application (eframe/egui 0.37).
//!
//! For now a read-only overview of the plan: sites, node groups, links,
//! stages and validation problems. The canvas editor replaces the centre.

use crate::model::{Catalog, Plan, Problem, Severity};
use crate::report::{self, presets};
use std::path::PathBuf;
use std::process::ExitCode;

pub struct App {
    plan: Plan,
    catalog: Catalog,
    problems: Vec<Problem>,
    file: Option<PathBuf>,
    load_error: Option<String>,
}

impl App {
    pub fn new(plan: Plan, catalog: Catalog, file: Option<PathBuf>) -> Self {
        let problems = plan.validate(&catalog);
        Self {
            plan,
            catalog,
            problems,
            file,
            load_error: None,
        }
    }

    fn title(&self) -> String {
        match &self.file {
            Some(f) => format!("ClusterForge — {}", f.display()),
            None => format!("ClusterForge — {}", self.plan.name),
        }
    }
}

/// Open the main window with `plan_path`, or the default preset.
pub fn run(plan_path: Option<PathBuf>, catalog: Catalog) -> ExitCode {
    let (plan, file, load_error) = match &plan_path {
        Some(path) => match report::load_plan(path) {
            Ok(p) => (p, Some(path.clone()), None),
            Err(e) => (default_plan(), None, Some(e.to_string())),
        },
        None => (default_plan(), None, None),
    };
    let mut app = App::new(plan, catalog, file);
    app.load_error = load_error;
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title(app.title())
            .with_inner_size([1400.0, 900.0]),
        ..Default::default()
    };
    match eframe::run_native("ClusterForge", options, Box::new(|_cc| Ok(Box::new(app)))) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: cannot open a window: {e}");
            ExitCode::from(crate::cli::EXIT_USAGE)
        }
    }
}

fn default_plan() -> Plan {
    presets::preset(presets::DEFAULT_PRESET)
        .and_then(|p| p.plan().ok())
        .unwrap_or_default()
}

impl eframe::App for App {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        egui::Panel::top("top").show(ui, |ui| {
            ui.heading(&self.plan.name);
            if !self.plan.description.is_empty() {
                ui.label(&self.plan.description);
            }
            if let Some(err) = &self.load_error {
                ui.colored_label(ui.visuals().error_fg_color, err);
            }
        });
        egui::Panel::bottom("problems").show(ui, |ui| problems_ui(ui, &self.problems));
        egui::CentralPanel::default().show(ui, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| plan_overview_ui(ui, &self.plan, &self.catalog));
        });
    }
}

fn problems_ui(ui: &mut egui::Ui, problems: &[Problem]) {
    if problems.is_empty() {
        ui.label("No problems");
        return;
    }
    for p in problems {
        let color = match p.severity {
            Severity::Error => ui.visuals().error_fg_color,
            Severity::Warning => ui.visuals().warn_fg_color,
        };
        ui.colored_label(color, p.to_string());
    }
}

fn plan_overview_ui(ui: &mut egui::Ui, plan: &Plan, catalog: &Catalog) {
    ui.strong(format!("Sites ({})", plan.sites.len()));
    for s in &plan.sites {
        ui.label(format!("{} — {} ({})", s.id, s.name, s.kind.label()));
    }
    ui.separator();
    ui.strong(format!("Node groups ({})", plan.nodes.len()));
    for n in &plan.nodes {
        let model = catalog.entry(&n.model).map(|_| n.model.as_str()).unwrap_or("—");
        ui.label(format!(
            "{} × {} — {} [{}] in {}",
            n.count,
            n.name,
            n.kind.label(),
            model,
            n.site
        ));
    }
    ui.separator();
    ui.strong(format!("Links ({})", plan.links.len()));
    for l in &plan.links {
        ui.label(format!(
            "{} → {} — {} {} × {} Gb/s",
            l.from,
            l.to,
            l.medium.label(),
            l.lanes,
            l.lane_gbps
        ));
    }
    ui.separator();
    ui.strong(format!("Stages ({})", plan.stages.len()));
    for s in &plan.stages {
        ui.label(format!(
            "{} — {} on {} node groups",
            s.name,
            s.kind.label(),
            s.placement.len()
        ));
    }
}
