//! The Results tab of the bottom dock: runs the simulator on a worker thread
//! (Run button, or automatically ~0.7 s after the plan last changed), shows a
//! progress bar with Cancel, and the last run in sub-tabs:
//!
//! - Overview ([`cards`]): a plan total card, summary cards per stage, the
//!   diagnosis and the training iteration-time breakdown;
//! - Over time ([`time`]): utilization lines and a heat strip per device
//!   group and link, queue, replicas and TTFT for serving;
//! - Cost ([`cost`]): total, energy, bars by site, stage and site × stage,
//!   own vs rent over the cost horizon;
//! - Timeline ([`timeline`]): the lifecycle Gantt;
//! - Tables ([`tables`]): sortable metrics and utilization tables with
//!   "Copy as CSV" and "Export CSV…".
//!
//! Results are "stale" (greyed, with a note) while the plan differs from the
//! plan that was simulated. Simulation errors are shown in red, never a crash.
//! Exports (report PNG, results JSON/CSV, tables) are in [`export`].

pub mod cards;
pub mod cost;
pub mod export;
pub mod subjects;
pub mod tables;
pub mod time;
pub mod timeline;

use crate::model::{Catalog, Plan};
use crate::report::Figures;
use crate::sim::Results;
use crate::sim::uncertainty::Uncertainty;
use crate::ui::app::{ResultsCx, ResultsView};
use crate::ui::canvas::overlay::{Bottleneck, BottleneckAt, Overlay};
use crate::ui::files::ExportKind;
use crate::ui::jobs::{self, Poll};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How long the plan must stay unchanged before an automatic re-run.
pub const DEBOUNCE: Duration = Duration::from_millis(700);

/// A run in progress on the worker thread.
struct Job {
    run: jobs::Job<Result<Results, String>>,
    /// Started by the user (Run): the dock makes room when it finishes.
    reveal: bool,
}

/// The outcome of the last finished run and the plan it was run on.
struct Finished {
    plan: Plan,
    outcome: Result<Results, String>,
    /// Utilization of the run painted on the canvas.
    overlay: Option<Overlay>,
    /// The report's figures of the run (cost lines, lifecycle timeline),
    /// derived once.
    report: Option<Figures>,
    /// P10/P50/P90 bands around this run, once sampled.
    bands: Option<Result<Uncertainty, String>>,
}

impl Finished {
    fn new(plan: Plan, outcome: Result<Results, String>) -> Self {
        let overlay = outcome.as_ref().ok().and_then(|r| overlay_of(r, &plan));
        let report = outcome.as_ref().ok().map(|r| Figures::from_sim(&plan, r));
        Self {
            plan,
            outcome,
            overlay,
            report,
            bands: None,
        }
    }
}

/// The sub-tabs of the Results tab.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResultsTab {
    Overview,
    OverTime,
    Cost,
    Timeline,
    Tables,
}

impl ResultsTab {
    pub const ALL: [ResultsTab; 5] = [
        ResultsTab::Overview,
        ResultsTab::OverTime,
        ResultsTab::Cost,
        ResultsTab::Timeline,
        ResultsTab::Tables,
    ];

    pub fn label(self) -> &'static str {
        match self {
            ResultsTab::Overview => "Overview",
            ResultsTab::OverTime => "Over time",
            ResultsTab::Cost => "Cost",
            ResultsTab::Timeline => "Timeline",
            ResultsTab::Tables => "Tables",
        }
    }

    fn tooltip(self) -> &'static str {
        match self {
            ResultsTab::Overview => "Summary cards per stage, the diagnosis and where the iteration time goes",
            ResultsTab::OverTime => "Utilization, queue and replicas over time; a heat strip per device group and link",
            ResultsTab::Cost => {
                "Cost by site and stage, energy, cost per million tokens, and owning vs renting the compute"
            }
            ResultsTab::Timeline => "When each stage of the lifecycle runs, and how much contention slowed it",
            ResultsTab::Tables => "Every metric and the utilization as sortable tables, exportable as CSV",
        }
    }
}

/// The simulator-backed [`ResultsView`]. Install with
/// `app.set_results_view(Box::new(SimResultsView::new()))`.
pub struct SimResultsView {
    /// Re-simulate automatically after edits.
    pub auto_run: bool,
    /// Where "Export report…" writes the PNG.
    pub export_path: String,
    /// The sub-tab shown.
    pub tab: ResultsTab,
    /// The plan seen on the previous frame (to detect edits).
    last_seen: Option<Plan>,
    /// When the plan last changed, while an automatic run is pending.
    changed_at: Option<Instant>,
    job: Option<Job>,
    finished: Option<Finished>,
    /// Last run was cancelled by the user.
    cancelled: bool,
    export_status: Option<Result<String, String>>,
    /// A report export waiting for the run of the current plan.
    pending_report: Option<PathBuf>,
    /// Counts documents shown (New, Open, preset): salts widget ids.
    document_gen: u64,
    tables: tables::TableState,
    /// Sample the catalog's ranges after every run (the Uncertainty toggle).
    pub sample_bands: bool,
    /// Samples per uncertainty run ([`BAND_SAMPLES`]).
    pub band_samples: u32,
    /// The sampling in progress, for the finished run's plan.
    bands_job: Option<jobs::Job<Result<Uncertainty, String>>>,
}

/// Samples of an uncertainty run started from the Results tab.
pub const BAND_SAMPLES: u32 = 200;

impl Default for SimResultsView {
    fn default() -> Self {
        Self::new()
    }
}

impl SimResultsView {
    pub fn new() -> Self {
        Self {
            auto_run: true,
            export_path: "report.png".into(),
            tab: ResultsTab::Overview,
            last_seen: None,
            changed_at: None,
            job: None,
            finished: None,
            cancelled: false,
            export_status: None,
            pending_report: None,
            document_gen: 0,
            tables: tables::TableState::default(),
            sample_bands: false,
            band_samples: BAND_SAMPLES,
            bands_job: None,
        }
    }

    /// A view whose report is written next to `plan_file` (as `<stem>-report.png`).
    pub fn with_plan_file(plan_file: Option<&Path>) -> Self {
        let mut v = Self::new();
        if let Some(p) = plan_file {
            let stem = p.file_stem().and_then(|s| s.to_str()).unwrap_or("plan");
            let path = p.with_file_name(format!("{stem}-report.png"));
            v.export_path = path.display().to_string();
        }
        v
    }

    /// The last finished run's results, if it succeeded.
    pub fn results(&self) -> Option<&Results> {
        self.finished.as_ref().and_then(|f| f.outcome.as_ref().ok())
    }

    /// Results exist but were simulated from a plan other than `plan`.
    pub fn is_stale(&self, plan: &Plan) -> bool {
        self.finished.as_ref().is_some_and(|f| &f.plan != plan)
    }

    /// Show `results` as the outcome of a run of `plan` (tests, fixtures).
    pub fn set_results(&mut self, plan: &Plan, results: Results) {
        self.cancel();
        self.finished = Some(Finished::new(plan.clone(), Ok(results)));
        self.last_seen = Some(plan.clone());
        self.changed_at = None;
    }

    /// Start a run of `plan` on a worker thread (cancelling any run in progress).
    pub fn start(&mut self, plan: &Plan, catalog: &Catalog) {
        self.start_run(plan, catalog, true);
    }

    fn start_run(&mut self, plan: &Plan, catalog: &Catalog, reveal: bool) {
        self.cancel();
        self.cancelled = false;
        self.changed_at = None;
        match jobs::Job::simulate("plan".into(), plan, catalog, None) {
            Ok(run) => self.job = Some(Job { run, reveal }),
            Err(e) => self.finished = Some(Finished::new(plan.clone(), Err(format!("cannot simulate: {e}")))),
        }
    }

    /// Stop the run in progress (its thread ends soon after; its result is dropped).
    pub fn cancel(&mut self) {
        if let Some(job) = self.job.take() {
            job.run.cancel();
            self.cancelled = true;
        }
        if let Some(job) = self.bands_job.take() {
            job.cancel();
        }
    }

    /// The bands of the last run, if sampled and successful.
    pub fn bands(&self) -> Option<&Uncertainty> {
        self.finished.as_ref()?.bands.as_ref()?.as_ref().ok()
    }

    /// Start sampling around the finished run when the toggle asks for it.
    fn start_bands_if_wanted(&mut self, catalog: &Catalog) {
        let Some(f) = &self.finished else { return };
        let Ok(results) = &f.outcome else { return };
        if !self.sample_bands || f.bands.is_some() || self.bands_job.is_some() || self.job.is_some() {
            return;
        }
        let nominal = results.clone();
        let catalog = catalog.clone();
        let seed = f.plan.settings.seed;
        let samples = self.band_samples;
        match jobs::Job::start("uncertainty".into(), &f.plan, None, move |plan, progress, tx| {
            let r = crate::sim::uncertainty::run(&plan, &catalog, samples, seed, Some(&nominal), &progress);
            let _ = tx.send(r.map_err(|e| e.to_string()));
        }) {
            Ok(job) => self.bands_job = Some(job),
            Err(e) => {
                if let Some(f) = &mut self.finished {
                    f.bands = Some(Err(e));
                }
            }
        }
    }

    /// Collect finished sampling (dropped if the run it belongs to was replaced).
    fn poll_bands(&mut self, ctx: &egui::Context) {
        let Some(job) = &self.bands_job else { return };
        let outcome = match job.poll() {
            Poll::Waiting => {
                ctx.request_repaint_after(Duration::from_millis(100));
                return;
            }
            Poll::Got(r) => r,
            Poll::Ended => Err("the uncertainty run stopped unexpectedly (internal error)".into()),
        };
        if let Some(f) = &mut self.finished
            && f.plan == job.plan
        {
            f.bands = Some(outcome);
        }
        self.bands_job = None;
    }

    /// Collect a finished run and schedule automatic runs after edits.
    /// True when a run the user asked for (or the first one) just finished.
    fn poll(&mut self, ctx: &egui::Context, plan: &Plan, catalog: &Catalog) -> bool {
        let mut reveal = false;
        if let Some(job) = &self.job {
            let first = self.finished.is_none();
            match job.run.poll() {
                Poll::Got(outcome) => {
                    let plan = job.run.plan.clone();
                    reveal = job.reveal || first;
                    self.job = None;
                    self.finished = Some(Finished::new(plan, outcome));
                }
                Poll::Waiting => ctx.request_repaint_after(Duration::from_millis(50)),
                Poll::Ended => {
                    let plan = job.run.plan.clone();
                    self.job = None;
                    self.finished = Some(Finished::new(
                        plan,
                        Err("the simulation stopped unexpectedly (internal error)".into()),
                    ));
                }
            }
        }
        match &self.last_seen {
            Some(seen) if seen == plan => {}
            Some(_) => {
                self.last_seen = Some(plan.clone());
                self.changed_at = Some(Instant::now());
            }
            // The first plan seen (the app opened, or this view was
            // installed): with Auto re-run on, simulate it at once.
            None => {
                self.last_seen = Some(plan.clone());
                if self.auto_run && self.finished.is_none() && self.job.is_none() {
                    self.changed_at = Instant::now().checked_sub(DEBOUNCE).or_else(|| Some(Instant::now()));
                }
            }
        }
        if let Some(at) = self.changed_at {
            let wanted = self.auto_run || self.job.is_some();
            let current = self
                .job
                .as_ref()
                .map(|j| &j.run.plan)
                .or(self.finished.as_ref().map(|f| &f.plan));
            if !wanted || current == Some(plan) {
                self.changed_at = None;
            } else {
                let waited = at.elapsed();
                if waited >= DEBOUNCE {
                    self.start_run(plan, catalog, false);
                } else {
                    ctx.request_repaint_after(DEBOUNCE - waited);
                }
            }
        }
        reveal
    }

    /// The results of the last run, with a note when they are stale.
    fn results_for_export(&self, plan: &Plan) -> Result<(&Results, &'static str), String> {
        let Some(f) = &self.finished else {
            return Err("nothing was simulated yet: press Run in the Results tab first".into());
        };
        let results = f
            .outcome
            .as_ref()
            .map_err(|e| format!("the last simulation failed: {e}"))?;
        let note = if &f.plan == plan {
            ""
        } else {
            " (stale: simulated before the latest edits)"
        };
        Ok((results, note))
    }

    /// The dock's "Export report…" button: the PNG to the typed path.
    fn export_report_here(&mut self, plan: &Plan, catalog: &Catalog) {
        let path = PathBuf::from(self.export_path.trim());
        if path.as_os_str().is_empty() {
            self.export_status = Some(Err("type a file name for the report first".into()));
            return;
        }
        self.export_status = Some(self.export_report_when_current(&path, plan, catalog));
    }

    /// Write the report now if the results are of `plan`; otherwise run the
    /// plan first and write it when the run ends (a report must never say
    /// "Not simulated" of a plan that simulates).
    fn export_report_when_current(&mut self, path: &Path, plan: &Plan, catalog: &Catalog) -> Result<String, String> {
        let fresh = self.finished.as_ref().is_some_and(|f| &f.plan == plan);
        let running = self.job.as_ref().is_some_and(|j| &j.run.plan == plan);
        if fresh && !running {
            return self.export_report(path, plan, catalog);
        }
        if !running {
            self.start_run(plan, catalog, false);
        }
        self.pending_report = Some(path.to_path_buf());
        Ok(format!(
            "simulating the plan first; {} is written when the run ends",
            path.display()
        ))
    }

    fn export_report(&self, path: &Path, plan: &Plan, catalog: &Catalog) -> Result<String, String> {
        let current = self.finished.as_ref().filter(|f| &f.plan == plan);
        let report = current.and_then(|f| f.report.as_ref());
        let bands = current.and_then(|_| self.bands());
        export::write_report(path, plan, catalog, report, bands)
    }

    fn toolbar_ui(&mut self, ui: &mut egui::Ui, plan: &Plan, catalog: &Catalog) {
        ui.horizontal(|ui| {
            if ui
                .add_enabled(self.job.is_none(), egui::Button::new("▶ Run"))
                .on_hover_text("Simulate the plan (seed from the plan's settings)")
                .clicked()
            {
                self.start(plan, catalog);
            }
            ui.checkbox(&mut self.auto_run, "Auto re-run")
                .on_hover_text("Re-simulate 0.7 s after the last edit");
            // Ticked: the next tick starts sampling around the finished run.
            ui.checkbox(&mut self.sample_bands, "Uncertainty")
                .on_hover_text(format!(
                    "After each run, simulate {n} seeded samples over the catalog's price and calibration \
                 ranges: P10/P50/P90 of time, cost and break-even in the Cost tab and the report \
                 (as clusterforge simulate --uncertainty {n})",
                    n = self.band_samples
                ));
            if let Some(job) = &self.bands_job {
                ui.add(
                    egui::ProgressBar::new(job.progress.fraction() as f32)
                        .desired_width(120.0)
                        .show_percentage(),
                )
                .on_hover_text("Sampling the catalog's ranges");
            }
            ui.separator();
            if let Some(job) = &self.job {
                let f = job.run.progress.fraction() as f32;
                ui.add(
                    egui::ProgressBar::new(f)
                        .desired_width(220.0)
                        .show_percentage()
                        .animate(true),
                )
                .on_hover_text(format!("Simulating: {} events processed", job.run.progress.events()));
                if ui.button("Cancel").on_hover_text("Stop the simulation").clicked() {
                    self.cancel();
                }
            } else if self.cancelled {
                ui.weak("Cancelled");
            }
            ui.separator();
            ui.add(
                egui::TextEdit::singleline(&mut self.export_path)
                    .desired_width(220.0)
                    .hint_text("report.png"),
            )
            .labelled_by(ui.label("Report file").id)
            .on_hover_text("Where the PNG report is written");
            if ui
                .button("Export report…")
                .on_hover_text("Write a PNG report of the plan and its current results")
                .clicked()
            {
                self.export_report_here(plan, catalog);
            }
        });
        match &self.export_status {
            Some(Ok(msg)) => {
                ui.label(msg);
            }
            Some(Err(msg)) => {
                ui.colored_label(ui.visuals().error_fg_color, format!("Export failed: {msg}"));
            }
            None => {}
        }
    }
}

fn tabs_ui(ui: &mut egui::Ui, current: &mut ResultsTab) {
    ui.horizontal(|ui| {
        for tab in ResultsTab::ALL {
            ui.selectable_value(current, tab, tab.label())
                .on_hover_text(tab.tooltip());
        }
    });
}

/// The canvas overlay of a run: `report::figures::plan_use` (per plan node
/// and link, the busiest use by any stage — the numbers of the tables) and
/// `report::figures::bottleneck`.
pub fn overlay_of(results: &Results, plan: &Plan) -> Option<Overlay> {
    use crate::model::Subject;
    let u = crate::report::figures::plan_use(results);
    let mut o = Overlay {
        title: format!("Utilization: {}", results.plan),
        nodes: u.nodes,
        links: u.links,
        ..Default::default()
    };
    o.bottleneck = crate::report::figures::bottleneck(plan, results).and_then(|(s, w)| {
        let subject = match s {
            Subject::Node(n) => BottleneckAt::Node(n),
            Subject::Link(l) => BottleneckAt::Link(l),
            _ => return None,
        };
        Some(Bottleneck {
            subject,
            text: format!("{}: {}", w.name, w.diagnosis),
        })
    });
    (!o.nodes.is_empty() || !o.links.is_empty() || o.bottleneck.is_some()).then_some(o)
}

/// What the sub-tabs draw from: the run, the plan it ran on (names, sites,
/// stages), the report's figures, and the canvas selection.
pub struct RunView<'a> {
    pub results: &'a Results,
    /// The plan that was simulated (may differ from the edited plan).
    pub plan: &'a Plan,
    pub report: Option<&'a Figures>,
    pub selection: &'a std::collections::BTreeSet<crate::ui::state::Sel>,
    /// P10/P50/P90 bands around the run, when sampled (or why not).
    pub bands: Option<&'a Result<Uncertainty, String>>,
}

impl ResultsView for SimResultsView {
    fn overlay(&self) -> Option<&Overlay> {
        self.finished.as_ref().and_then(|f| f.overlay.as_ref())
    }

    fn last_run(&self) -> Option<(&Plan, &Results)> {
        let f = self.finished.as_ref()?;
        Some((&f.plan, f.outcome.as_ref().ok()?))
    }

    fn tick(&mut self, ctx: &egui::Context, plan: &Plan, catalog: &Catalog) -> crate::ui::app::Tick {
        let wants_room = self.poll(ctx, plan, catalog);
        self.poll_bands(ctx);
        self.start_bands_if_wanted(catalog);
        let mut notice = None;
        if self.job.is_none()
            && self.bands_job.is_none()
            && let Some(path) = self.pending_report.take()
        {
            // The run the export waited for ended (or failed: then the report
            // shows the plan and why it has no results).
            let outcome = self.export_report(&path, plan, catalog);
            notice = Some(match &outcome {
                Ok(m) => m.clone(),
                Err(e) => format!("Export report failed: {e}"),
            });
            self.export_status = Some(outcome);
        }
        crate::ui::app::Tick { wants_room, notice }
    }

    fn run(&mut self, plan: &Plan, catalog: &Catalog) {
        self.start(plan, catalog);
    }

    fn document_replaced(&mut self) {
        self.cancel();
        self.cancelled = false;
        self.finished = None;
        self.pending_report = None;
        self.document_gen += 1;
        // The new plan is "first seen": Auto re-run simulates it at once.
        self.last_seen = None;
        self.changed_at = None;
    }

    fn export(&mut self, kind: ExportKind, path: &Path, plan: &Plan, catalog: &Catalog) -> Result<String, String> {
        match kind {
            ExportKind::ReportPng => self.export_report_when_current(path, plan, catalog),
            ExportKind::PlanRon => crate::report::save_plan(path, plan)
                .map(|()| format!("wrote {}", path.display()))
                .map_err(|e| e.to_string()),
            ExportKind::ResultsJson => {
                let (results, note) = self.results_for_export(plan)?;
                export::write_results_json(path, results).map(|m| format!("{m}{note}"))
            }
            ExportKind::ResultsCsv => {
                let (results, note) = self.results_for_export(plan)?;
                let csv = export::metrics_csv(results);
                export::write_text(path, &csv).map(|m| format!("{m}{note}"))
            }
            ExportKind::UtilizationCsv => {
                let (results, note) = self.results_for_export(plan)?;
                let simulated = self.finished.as_ref().map(|f| &f.plan).unwrap_or(plan);
                let csv = export::utilization_csv(results, simulated);
                export::write_text(path, &csv).map(|m| format!("{m}{note}"))
            }
        }
    }

    fn results_ui(&mut self, ui: &mut egui::Ui, cx: &mut ResultsCx<'_>) {
        let (plan, catalog) = (cx.plan, cx.catalog);
        self.toolbar_ui(ui, plan, catalog);
        ui.separator();
        let stale = self.is_stale(plan);
        let Some(finished) = &self.finished else {
            ui.weak("Press Run to simulate the plan: time, throughput, latency and cost appear here");
            return;
        };
        if stale {
            ui.label(
                egui::RichText::new("⚠ Stale: the plan changed since these results were simulated")
                    .color(ui.visuals().warn_fg_color),
            )
            .on_hover_text("Press Run (or wait for the automatic re-run) to update");
        }
        let results = match &finished.outcome {
            Ok(r) => r,
            Err(msg) => {
                ui.colored_label(ui.visuals().error_fg_color, format!("Simulation failed: {msg}"));
                return;
            }
        };
        let run = RunView {
            results,
            plan: &finished.plan,
            report: finished.report.as_ref(),
            selection: cx.selection,
            bands: finished.bands.as_ref(),
        };
        let mut tab = self.tab;
        tabs_ui(ui, &mut tab);
        self.tab = tab;
        ui.separator();
        let tables = &mut self.tables;
        // Widget and plot state (zoom, axis bounds) belongs to one document:
        // presets share stage ids, so a new document gets fresh ids.
        egui::ScrollArea::vertical()
            .id_salt(("results_scroll", tab.label(), self.document_gen))
            .auto_shrink([false, false])
            .show(ui, |ui| {
                if stale {
                    ui.set_opacity(0.45);
                }
                if results.workloads.is_empty() {
                    ui.weak("The plan has no stages to simulate");
                }
                ui.push_id(self.document_gen, |ui| match tab {
                    ResultsTab::Overview => cards::overview_ui(ui, &run),
                    ResultsTab::OverTime => time::over_time_ui(ui, &run, &mut cx.focus),
                    ResultsTab::Cost => cost::cost_ui(ui, &run),
                    ResultsTab::Timeline => timeline::timeline_ui(ui, &run),
                    ResultsTab::Tables => tables::tables_ui(ui, &run, tables, cx),
                });
            });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stale_follows_the_simulated_plan() {
        let mut v = SimResultsView::new();
        let plan = Plan::default();
        assert!(!v.is_stale(&plan), "nothing simulated yet");
        v.set_results(&plan, Results::default());
        assert!(!v.is_stale(&plan));
        let mut edited = plan.clone();
        edited.name.push('x');
        assert!(v.is_stale(&edited));
    }

    #[test]
    fn exports_need_a_run_and_say_when_stale() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut v = SimResultsView::new();
        let plan = Plan::default();
        let catalog = Catalog::builtin();
        let out = dir.path().join("r.json");
        assert!(v.export(ExportKind::ResultsJson, &out, &plan, &catalog).is_err());
        let results = Results {
            plan: "P".into(),
            ..Default::default()
        };
        v.set_results(&plan, results);
        let msg = v
            .export(ExportKind::ResultsJson, &out, &plan, &catalog)
            .expect("written");
        assert!(!msg.contains("stale"), "{msg}");
        let mut edited = plan.clone();
        edited.name.push('x');
        let msg = v
            .export(ExportKind::ResultsJson, &out, &edited, &catalog)
            .expect("written");
        assert!(msg.contains("stale"), "{msg}");
        let back: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&out).expect("read")).expect("json");
        assert_eq!(back["plan"], "P");
    }

    #[test]
    fn overlay_takes_the_busiest_use_and_a_known_bottleneck() {
        use crate::sim::metrics::Resource;
        let plan = crate::report::presets::preset(crate::report::presets::DEFAULT_PRESET)
            .and_then(|p| p.plan().ok())
            .expect("default preset parses");
        let node = plan.nodes[0].id.clone();
        let link = plan.links[0].id.clone();
        let mut a = crate::sim::WorkloadResult {
            id: "a".into(),
            name: "A".into(),
            kind: "serve".into(),
            bottleneck: Some(Resource::Link(link.clone())),
            diagnosis: "link saturated".into(),
            ..Default::default()
        };
        a.utilization.insert(Resource::Node(node.clone()), 0.2);
        a.utilization.insert(Resource::Link(link.clone()), 0.9);
        let mut b = crate::sim::WorkloadResult {
            id: "b".into(),
            name: "B".into(),
            kind: "train".into(),
            bottleneck: Some(Resource::Node("no-such-node".into())),
            ..Default::default()
        };
        b.utilization.insert(Resource::Node(node.clone()), 0.7);
        let r = Results {
            workloads: vec![a, b],
            ..Default::default()
        };
        let o = overlay_of(&r, &plan).expect("uses give an overlay");
        assert_eq!(o.node(&node), Some(0.7));
        assert_eq!(o.link(&link), Some(0.9));
        // The training stage names an unknown id, so the serving one is used.
        assert!(o.is_bottleneck_link(&link));
        assert!(overlay_of(&Results::default(), &plan).is_none());
    }
}
