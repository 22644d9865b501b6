//! The Results tab of the bottom dock: runs the simulator on a worker thread
//! (Run button, or automatically ~0.7 s after the plan last changed), shows a
//! progress bar with Cancel, summary cards per workload, the training
//! iteration-time breakdown (stacked bar), a sortable utilization table, and
//! exports the PNG report.
//!
//! Results are "stale" (greyed, with a note) while the plan differs from the
//! plan that was simulated. Simulation errors are shown in red, never a crash.

use crate::model::{Catalog, Plan, Severity};
use crate::report::png_report::{ReportInput, ReportResults, fmt_metric, metric_label, render_png};
use crate::sim::{Progress, Results, SimError};
use crate::ui::app::{ResultsCx, ResultsView};
use crate::ui::canvas::overlay::{Bottleneck, BottleneckAt, Overlay};
use egui_plot::{Bar, BarChart, Legend, Plot};
use std::path::PathBuf;
use std::sync::mpsc::{self, Receiver, TryRecvError};
use std::time::{Duration, Instant};

/// How long the plan must stay unchanged before an automatic re-run.
pub const DEBOUNCE: Duration = Duration::from_millis(700);

/// A run in progress on the worker thread.
struct Job {
    plan: Plan,
    progress: Progress,
    rx: Receiver<Result<Results, String>>,
}

/// The outcome of the last finished run and the plan it was run on.
struct Finished {
    plan: Plan,
    outcome: Result<Results, String>,
    /// Utilization of the run painted on the canvas.
    overlay: Option<Overlay>,
}

impl Finished {
    fn new(plan: Plan, outcome: Result<Results, String>) -> Self {
        let overlay = outcome.as_ref().ok().and_then(|r| overlay_of(r, &plan));
        Self { plan, outcome, overlay }
    }
}

/// Column the utilization table is sorted by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum UtilSort {
    Subject,
    Mean,
}

/// The simulator-backed [`ResultsView`]. Install with
/// `app.set_results_view(Box::new(SimResultsView::new()))`.
pub struct SimResultsView {
    /// Re-simulate automatically after edits.
    pub auto_run: bool,
    /// Where "Export report…" writes the PNG.
    pub export_path: String,
    /// The plan seen on the previous frame (to detect edits).
    last_seen: Option<Plan>,
    /// When the plan last changed, while an automatic run is pending.
    changed_at: Option<Instant>,
    job: Option<Job>,
    finished: Option<Finished>,
    /// Last run was cancelled by the user.
    cancelled: bool,
    export_status: Option<Result<String, String>>,
    util_sort: UtilSort,
    util_ascending: bool,
}

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
            last_seen: None,
            changed_at: None,
            job: None,
            finished: None,
            cancelled: false,
            export_status: None,
            util_sort: UtilSort::Mean,
            util_ascending: false,
        }
    }

    /// A view whose report is written next to `plan_file` (as `<stem>-report.png`).
    pub fn with_plan_file(plan_file: Option<&std::path::Path>) -> Self {
        let mut v = Self::new();
        if let Some(p) = plan_file {
            let stem = p.file_stem().and_then(|s| s.to_str()).unwrap_or("plan");
            let path = p.with_file_name(format!("{stem}-report.png"));
            v.export_path = path.display().to_string();
        }
        v
    }

    /// A simulation is running.
    pub fn is_running(&self) -> bool {
        self.job.is_some()
    }

    /// The last finished run's results, if it succeeded.
    pub fn results(&self) -> Option<&Results> {
        self.finished.as_ref().and_then(|f| f.outcome.as_ref().ok())
    }

    /// Results exist but were simulated from a plan other than `plan`.
    pub fn is_stale(&self, plan: &Plan) -> bool {
        self.finished.as_ref().is_some_and(|f| &f.plan != plan)
    }

    /// Start a run of `plan` on a worker thread (cancelling any run in progress).
    pub fn start(&mut self, plan: &Plan, catalog: &Catalog) {
        self.cancel();
        self.cancelled = false;
        self.changed_at = None;
        let progress = Progress::new();
        let (tx, rx) = mpsc::channel();
        let worker_plan = plan.clone();
        let worker_catalog = catalog.clone();
        let worker_progress = progress.clone();
        let spawned = std::thread::Builder::new()
            .name("clusterforge-sim".into())
            .spawn(move || {
                let outcome = run_checked(&worker_plan, &worker_catalog, &worker_progress);
                // The view may have gone (cancelled and replaced): nothing to tell.
                let _ = tx.send(outcome);
            });
        match spawned {
            Ok(_) => {
                self.job = Some(Job {
                    plan: plan.clone(),
                    progress,
                    rx,
                })
            }
            Err(e) => {
                self.finished = Some(Finished::new(
                    plan.clone(),
                    Err(format!("cannot start the simulation thread: {e}")),
                ))
            }
        }
    }

    /// Stop the run in progress (its thread ends soon after; its result is dropped).
    pub fn cancel(&mut self) {
        if let Some(job) = self.job.take() {
            job.progress.cancel();
            self.cancelled = true;
        }
    }

    /// Collect a finished run and schedule automatic runs after edits.
    fn poll(&mut self, ctx: &egui::Context, plan: &Plan, catalog: &Catalog) {
        if let Some(job) = &self.job {
            match job.rx.try_recv() {
                Ok(outcome) => {
                    let plan = job.plan.clone();
                    self.job = None;
                    self.finished = Some(Finished::new(plan, outcome));
                }
                Err(TryRecvError::Empty) => ctx.request_repaint_after(Duration::from_millis(50)),
                Err(TryRecvError::Disconnected) => {
                    let plan = job.plan.clone();
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
            None => self.last_seen = Some(plan.clone()),
        }
        if let Some(at) = self.changed_at {
            let wanted = self.auto_run || self.job.is_some();
            let current = self
                .job
                .as_ref()
                .map(|j| &j.plan)
                .or(self.finished.as_ref().map(|f| &f.plan));
            if !wanted || current == Some(plan) {
                self.changed_at = None;
            } else {
                let waited = at.elapsed();
                if waited >= DEBOUNCE {
                    self.start(plan, catalog);
                } else {
                    ctx.request_repaint_after(DEBOUNCE - waited);
                }
            }
        }
    }

    fn export(&mut self, plan: &Plan, catalog: &Catalog) {
        let path = PathBuf::from(self.export_path.trim());
        if path.as_os_str().is_empty() {
            self.export_status = Some(Err("type a file name for the report first".into()));
            return;
        }
        let fresh = self.finished.as_ref().filter(|f| &f.plan == plan);
        let report_results = fresh
            .and_then(|f| f.outcome.as_ref().ok())
            .map(|r| ReportResults::from_sim(plan, r));
        let generated = crate::cli::report_cmd::now_utc();
        let input = ReportInput {
            plan,
            catalog,
            results: report_results.as_ref(),
            generated: &generated,
        };
        self.export_status = Some(
            render_png(&input)
                .map_err(|e| e.to_string())
                .and_then(|bytes| crate::report::write_atomic(&path, &bytes).map_err(|e| e.to_string()))
                .map(|()| {
                    let what = if report_results.is_some() {
                        "with results"
                    } else {
                        "plan only (no current results)"
                    };
                    format!("wrote {} ({what})", path.display())
                }),
        );
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
            ui.separator();
            if let Some(job) = &self.job {
                let f = job.progress.fraction() as f32;
                ui.add(
                    egui::ProgressBar::new(f)
                        .desired_width(220.0)
                        .show_percentage()
                        .animate(true),
                )
                .on_hover_text(format!("Simulating: {} events processed", job.progress.events()));
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
                self.export(plan, catalog);
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

/// Validate, then simulate; errors as sentences.
fn run_checked(plan: &Plan, catalog: &Catalog, progress: &Progress) -> Result<Results, String> {
    let errors: Vec<String> = plan
        .validate(catalog)
        .into_iter()
        .filter(|p| p.severity == Severity::Error)
        .map(|p| p.to_string())
        .collect();
    if let Some(first) = errors.first() {
        return Err(format!(
            "the plan has {} error(s); fix them first (see Problems). First: {first}",
            errors.len()
        ));
    }
    crate::sim::simulate(plan, catalog, plan.settings.seed, progress).map_err(|e| match e {
        SimError::Cancelled => "simulation cancelled".into(),
        e => e.to_string(),
    })
}

/// The canvas overlay of a run: per plan node and link, the busiest use by
/// any stage; the bottleneck of the first stage that names one (training
/// first: it is usually what the cluster is for).
pub fn overlay_of(results: &Results, plan: &Plan) -> Option<Overlay> {
    let mut o = Overlay {
        title: format!("Utilization: {}", results.plan),
        ..Default::default()
    };
    for w in &results.workloads {
        for (id, u) in &w.node_use {
            let e = o.nodes.entry(id.as_str().into()).or_insert(0.0);
            *e = e.max(*u);
        }
        for (id, u) in &w.link_use {
            let e = o.links.entry(id.as_str().into()).or_insert(0.0);
            *e = e.max(*u);
        }
    }
    let mut ranked: Vec<&crate::sim::WorkloadResult> = results.workloads.iter().collect();
    ranked.sort_by_key(|w| w.kind != "train");
    o.bottleneck = ranked.iter().find_map(|w| {
        let id = w.bottleneck.as_deref()?;
        let subject = if plan.node(&id.into()).is_some() {
            BottleneckAt::Node(id.into())
        } else if plan.link(&id.into()).is_some() {
            BottleneckAt::Link(id.into())
        } else {
            return None;
        };
        Some(Bottleneck {
            subject,
            text: format!("{}: {}", w.name, w.diagnosis),
        })
    });
    (!o.nodes.is_empty() || !o.links.is_empty() || o.bottleneck.is_some()).then_some(o)
}

impl ResultsView for SimResultsView {
    fn overlay(&self) -> Option<&Overlay> {
        self.finished.as_ref().and_then(|f| f.overlay.as_ref())
    }

    fn last_run(&self) -> Option<(&Plan, &Results)> {
        let f = self.finished.as_ref()?;
        Some((&f.plan, f.outcome.as_ref().ok()?))
    }

    fn results_ui(&mut self, ui: &mut egui::Ui, cx: &mut ResultsCx<'_>) {
        let (plan, catalog) = (cx.plan, cx.catalog);
        self.poll(ui.ctx(), plan, catalog);
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
        let mut sort = (self.util_sort, self.util_ascending);
        egui::ScrollArea::vertical().auto_shrink([false, false]).show(ui, |ui| {
            if stale {
                ui.set_opacity(0.45);
            }
            if results.workloads.is_empty() {
                ui.weak("The plan has no stages to simulate");
            }
            for w in &results.workloads {
                workload_ui(ui, w, &mut sort);
                ui.add_space(6.0);
            }
        });
        (self.util_sort, self.util_ascending) = sort;
    }
}

/// Summary keys shown per workload kind, in display order.
fn card_keys(kind: &str) -> &'static [&'static str] {
    match kind {
        "train" => &[
            "time_to_train_s",
            "tokens_per_second",
            "mfu",
            "gpu_hours",
            "energy_kwh",
            "cost_usd",
        ],
        "serve" => &[
            "tokens_per_second",
            "requests_per_second",
            "ttft_p50_s",
            "ttft_p99_s",
            "tpot_p50_s",
            "tpot_p99_s",
            "slo_attainment",
            "cost_per_million_tokens_usd",
        ],
        _ => &["duration_s", "bytes_read", "bytes_written", "cost_usd"],
    }
}

/// A value with its unit: byte counts without the `_bytes` suffix get one too.
fn fmt_value(key: &str, v: f64) -> String {
    if key.starts_with("bytes_") {
        fmt_metric(&format!("{key}_bytes"), v)
    } else if key.ends_with("_hours") {
        format!("{} h", fmt_metric(key, v))
    } else if key == "cost_per_million_tokens_usd" {
        format!("{} / M tokens", fmt_metric(key, v))
    } else {
        fmt_metric(key, v)
    }
}

fn label_of(key: &str) -> String {
    match key {
        "ttft_p50_s" => "TTFT p50".into(),
        "tpot_p50_s" => "TPOT p50".into(),
        "cost_per_million_tokens_usd" => "Cost per M tokens".into(),
        "duration_s" => "Duration".into(),
        "bytes_read" => "Read".into(),
        "bytes_written" => "Written".into(),
        k => metric_label(k),
    }
}

fn workload_ui(ui: &mut egui::Ui, w: &crate::sim::WorkloadResult, sort: &mut (UtilSort, bool)) {
    ui.heading(format!("{} ({})", w.name, w.kind));
    ui.horizontal_wrapped(|ui| {
        for key in card_keys(&w.kind) {
            let Some(v) = w.metric(key) else { continue };
            let label = label_of(key);
            let value = fmt_value(key, v);
            egui::Frame::group(ui.style()).show(ui, |ui| {
                ui.vertical(|ui| {
                    ui.weak(&label);
                    ui.strong(&value)
                        .on_hover_text(format!("{label}: {value} ({key} = {v})"));
                });
            });
        }
    });
    if !w.diagnosis.is_empty() {
        ui.label(egui::RichText::new(&w.diagnosis).italics())
            .on_hover_text("Diagnosis: the bottleneck and what would help");
    }
    for note in &w.notes {
        ui.weak(format!("Note: {note}"));
    }
    if w.kind == "train" && !w.breakdown.is_empty() {
        breakdown_ui(ui, w);
    }
    if !w.utilization.is_empty() {
        utilization_ui(ui, w, sort);
    }
}

/// The iteration time by cause, one horizontal stacked bar.
fn breakdown_ui(ui: &mut egui::Ui, w: &crate::sim::WorkloadResult) {
    ui.label("Iteration time by cause")
        .on_hover_text("Seconds per iteration spent on each cause; hover a segment for its value");
    let total: f64 = w.breakdown.values().sum();
    let mut charts: Vec<BarChart> = Vec::new();
    for (i, (cause, secs)) in w.breakdown.iter().enumerate() {
        let hue = (i as f32 * 0.13) % 1.0;
        let fill: egui::Color32 = egui::ecolor::Hsva::new(hue, 0.6, 0.85, 1.0).into();
        let share = if total > 0.0 { secs / total * 100.0 } else { 0.0 };
        let bar = Bar::new(0.0, *secs)
            .name(format!("{cause}: {} ({share:.1} %)", fmt_metric("x_s", *secs)))
            .fill(fill)
            .width(0.6);
        let chart = BarChart::new(cause.clone(), vec![bar])
            .horizontal()
            .color(fill)
            .element_formatter(Box::new(|b: &Bar, _| b.name.clone()));
        let refs: Vec<&BarChart> = charts.iter().collect();
        let chart = chart.stack_on(&refs);
        charts.push(chart);
    }
    Plot::new(("breakdown", w.id.as_str()))
        .height(110.0)
        .legend(Legend::default())
        .allow_zoom(false)
        .allow_drag(false)
        .allow_scroll(false)
        .show_y(false)
        .x_axis_label("seconds per iteration")
        .show(ui, |plot_ui| {
            for c in charts {
                plot_ui.bar_chart(c);
            }
        });
    ui.weak(format!("Total: {} per iteration", fmt_metric("x_s", total)));
}

fn utilization_ui(ui: &mut egui::Ui, w: &crate::sim::WorkloadResult, sort: &mut (UtilSort, bool)) {
    let mut rows: Vec<(&String, f64)> = w.utilization.iter().map(|(k, v)| (k, *v)).collect();
    match sort.0 {
        UtilSort::Subject => rows.sort_by(|a, b| a.0.cmp(b.0)),
        UtilSort::Mean => rows.sort_by(|a, b| a.1.total_cmp(&b.1).then_with(|| a.0.cmp(b.0))),
    }
    if !sort.1 {
        rows.reverse();
    }
    egui::CollapsingHeader::new(format!("Utilization ({} subjects)", rows.len()))
        .id_salt(("util", w.id.as_str()))
        .default_open(true)
        .show(ui, |ui| {
            egui::Grid::new(("util_grid", w.id.as_str()))
                .striped(true)
                .num_columns(2)
                .show(ui, |ui| {
                    for (col, title) in [(UtilSort::Subject, "Subject"), (UtilSort::Mean, "Mean busy %")] {
                        let arrow = match (sort.0 == col, sort.1) {
                            (true, true) => " ⏶",
                            (true, false) => " ⏷",
                            _ => "",
                        };
                        if ui
                            .button(format!("{title}{arrow}"))
                            .on_hover_text(format!("Sort by {}", title.to_lowercase()))
                            .clicked()
                        {
                            if sort.0 == col {
                                sort.1 = !sort.1;
                            } else {
                                *sort = (col, col == UtilSort::Subject);
                            }
                        }
                    }
                    ui.end_row();
                    for (subject, v) in rows {
                        ui.label(subject.as_str());
                        ui.label(format!("{:.1} %", v * 100.0));
                        ui.end_row();
                    }
                });
        });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_card_value_carries_a_unit() {
        assert_eq!(fmt_value("bytes_read", 2.5e12), "2.50 TB");
        assert_eq!(fmt_value("gpu_hours", 1500.0), "1.50k h");
        assert_eq!(fmt_value("cost_per_million_tokens_usd", 0.5), "$0.50 / M tokens");
        assert_eq!(fmt_value("ttft_p99_s", 0.25), "250 ms");
        assert_eq!(fmt_value("slo_attainment", 0.991), "99.1 %");
        assert_eq!(label_of("ttft_p50_s"), "TTFT p50");
    }

    #[test]
    fn stale_follows_the_simulated_plan() {
        let mut v = SimResultsView::new();
        let plan = Plan::default();
        assert!(!v.is_stale(&plan), "nothing simulated yet");
        v.finished = Some(Finished::new(plan.clone(), Ok(Results::default())));
        assert!(!v.is_stale(&plan));
        let mut edited = plan.clone();
        edited.name.push('x');
        assert!(v.is_stale(&edited));
    }

    #[test]
    fn overlay_takes_the_busiest_use_and_a_known_bottleneck() {
        let plan = crate::report::presets::preset(crate::report::presets::DEFAULT_PRESET)
            .and_then(|p| p.plan().ok())
            .expect("default preset parses");
        let node = plan.nodes[0].id.to_string();
        let link = plan.links[0].id.to_string();
        let mut a = crate::sim::WorkloadResult {
            id: "a".into(),
            name: "A".into(),
            kind: "serve".into(),
            bottleneck: Some(link.clone()),
            diagnosis: "link saturated".into(),
            ..Default::default()
        };
        a.node_use.insert(node.clone(), 0.2);
        a.link_use.insert(link.clone(), 0.9);
        let mut b = crate::sim::WorkloadResult {
            id: "b".into(),
            name: "B".into(),
            kind: "train".into(),
            bottleneck: Some("no-such-node".into()),
            ..Default::default()
        };
        b.node_use.insert(node.clone(), 0.7);
        let r = Results {
            workloads: vec![a, b],
            ..Default::default()
        };
        let o = overlay_of(&r, &plan).expect("uses give an overlay");
        assert_eq!(o.node(&node.as_str().into()), Some(0.7));
        assert_eq!(o.link(&link.as_str().into()), Some(0.9));
        // The training stage names an unknown id, so the serving one is used.
        assert!(o.is_bottleneck_link(&link.as_str().into()));
        assert!(overlay_of(&Results::default(), &plan).is_none());
    }
}
