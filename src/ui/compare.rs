//! The Compare tab of the bottom dock: pin a run as the baseline (or open
//! another plan or a preset, simulated here on a worker thread), then see
//! the current run beside it — headline, plan totals and every key metric
//! per stage with delta and delta %, coloured better or worse — and what
//! changed in the plan. A "Scaling" sub-tab sweeps a training stage over
//! cluster size and plots tokens/s and time to train against GPUs.
//!
//! The comparison itself is [`crate::report::compare`] (no egui; the CLI
//! uses it too).

use crate::format::{duration as fmt_duration, si as fmt_si, usd as fmt_usd};
use crate::model::{Catalog, Plan, StageId};
use crate::report::compare::sweep::{self, Sweep, SweepPoint};
use crate::report::compare::{self, Comparison, MetricDelta, Verdict};
use crate::report::{self, presets};
use crate::sim::Results;
use crate::ui::files::{DialogJob, DialogOutcome, DialogPurpose, FileDialogs};
use crate::ui::jobs::{Job, Poll};
use crate::ui::theme::Palette;
use egui_plot::{Corner, Legend, Line, LineStyle, Plot, PlotPoints, Points, uniform_grid_spacer};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long the plan must stay unchanged before the Compare tab simulates
/// the current plan itself (when the Results tab has no fresh run).
const DEBOUNCE: Duration = Duration::from_millis(700);
/// Width of one table group (totals, a stage, plan changes), points.
const GROUP_WIDTH: f32 = 470.0;
/// Plan changes listed before the rest fold away.
const MAX_CHANGES_SHOWN: usize = 12;
/// Room kept right of the sweep plots for the efficiency table, points.
const SWEEP_TABLE_WIDTH: f32 = 600.0;

/// A simulated plan on one side of the comparison.
pub struct Side {
    /// Where it came from: "pinned run", "preset …", a file name.
    pub source: String,
    pub plan: Plan,
    pub results: Results,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CompareTab {
    SideBySide,
    Scaling,
}

/// Messages of a sweep worker.
enum SweepMsg {
    Point(SweepPoint),
    Done(Result<(), String>),
}

/// State of the Compare tab (kept in the App).
pub struct CompareView {
    dialogs: Arc<dyn FileDialogs>,
    tab: CompareTab,
    baseline: Option<Side>,
    baseline_job: Option<Job<Result<Results, String>>>,
    baseline_message: Option<String>,
    dialog_job: Option<DialogJob>,
    /// The in-app path field, shown when no file dialog is available.
    path_prompt: Option<String>,
    /// The current plan simulated by this tab (when the Results tab has no
    /// fresh run of it).
    own_current: Option<(Plan, Results)>,
    current_job: Option<Job<Result<Results, String>>>,
    current_error: Option<(Plan, String)>,
    last_seen: Option<Plan>,
    changed_at: Option<Instant>,
    /// Comparison of the last frame and what it was computed from.
    cached: Option<Cached>,
    baseline_gen: u64,
    // Scaling sweep.
    sweep_stage: Option<StageId>,
    sweep_job: Option<Job<SweepMsg>>,
    sweep: Option<(Plan, Sweep)>,
    sweep_message: Option<String>,
}

impl CompareView {
    pub fn new(dialogs: Arc<dyn FileDialogs>) -> Self {
        Self {
            dialogs,
            tab: CompareTab::SideBySide,
            baseline: None,
            baseline_job: None,
            baseline_message: None,
            dialog_job: None,
            path_prompt: None,
            own_current: None,
            current_job: None,
            current_error: None,
            last_seen: None,
            changed_at: None,
            cached: None,
            baseline_gen: 0,
            sweep_stage: None,
            sweep_job: None,
            sweep: None,
            sweep_message: None,
        }
    }

    /// The pinned or opened baseline, once simulated.
    pub fn baseline(&self) -> Option<&Side> {
        self.baseline.as_ref()
    }

    /// A baseline or sweep simulation is running.
    pub fn is_busy(&self) -> bool {
        self.baseline_job.is_some() || self.current_job.is_some() || self.sweep_job.is_some()
    }

    /// The last finished sweep.
    pub fn sweep(&self) -> Option<&Sweep> {
        self.sweep.as_ref().map(|(_, s)| s)
    }

    /// Make `plan` and its results the baseline.
    pub fn pin(&mut self, source: String, plan: Plan, results: Results) {
        self.baseline = Some(Side { source, plan, results });
        self.baseline_gen += 1;
        self.baseline_message = None;
    }

    /// Simulate `plan` on a worker thread and make it the baseline.
    pub fn open_baseline(&mut self, ctx: &egui::Context, source: String, plan: Plan, catalog: &Catalog) {
        if let Some(job) = self.baseline_job.take() {
            job.cancel();
        }
        match Job::simulate(source, &plan, catalog, Some(ctx)) {
            Ok(job) => {
                self.baseline_job = Some(job);
                self.baseline_message = None;
            }
            Err(e) => self.baseline_message = Some(e),
        }
    }

    fn open_path(&mut self, ctx: &egui::Context, path: PathBuf, catalog: &Catalog) {
        match report::load_plan(&path) {
            Ok(plan) => {
                let name = path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_else(|| path.display().to_string());
                self.open_baseline(ctx, format!("file {name}"), plan, catalog);
            }
            Err(e) => self.baseline_message = Some(e.to_string()),
        }
    }

    /// Collect finished work; start a run of the current plan when nothing
    /// fresh exists.
    fn poll(&mut self, ctx: &egui::Context, plan: &Plan, catalog: &Catalog, fresh_elsewhere: bool) {
        if let Some(job) = &self.baseline_job {
            match job.poll() {
                Poll::Got(Ok(results)) => {
                    let (source, plan) = (job.label.clone(), job.plan.clone());
                    self.baseline_job = None;
                    self.pin(source, plan, results);
                }
                Poll::Got(Err(e)) => {
                    self.baseline_message = Some(format!("{}: {e}", job.label));
                    self.baseline_job = None;
                }
                Poll::Waiting => ctx.request_repaint_after(Duration::from_millis(50)),
                Poll::Ended => {
                    self.baseline_message = Some("the baseline simulation stopped unexpectedly".into());
                    self.baseline_job = None;
                }
            }
        }
        if let Some(job) = &self.current_job {
            match job.poll() {
                Poll::Got(outcome) => {
                    let p = job.plan.clone();
                    self.current_job = None;
                    match outcome {
                        Ok(r) => {
                            self.own_current = Some((p, r));
                            self.current_error = None;
                        }
                        Err(e) => self.current_error = Some((p, e)),
                    }
                }
                Poll::Waiting => ctx.request_repaint_after(Duration::from_millis(50)),
                Poll::Ended => self.current_job = None,
            }
        }
        if let Some(job) = &self.sweep_job {
            loop {
                match job.poll() {
                    Poll::Got(SweepMsg::Point(p)) => {
                        if let Some((_, s)) = &mut self.sweep {
                            s.points.push(p);
                        }
                    }
                    Poll::Got(SweepMsg::Done(r)) => {
                        self.sweep_message = r.err();
                        self.sweep_job = None;
                        break;
                    }
                    Poll::Waiting => {
                        ctx.request_repaint_after(Duration::from_millis(50));
                        break;
                    }
                    Poll::Ended => {
                        self.sweep_job = None;
                        break;
                    }
                }
            }
        }
        if let Some(dialog) = &self.dialog_job {
            match dialog.poll() {
                DialogOutcome::Pending => ctx.request_repaint_after(Duration::from_millis(50)),
                DialogOutcome::Picked(path) => {
                    self.dialog_job = None;
                    self.open_path(ctx, path, catalog);
                }
                DialogOutcome::Cancelled => self.dialog_job = None,
                DialogOutcome::NoService => {
                    self.dialog_job = None;
                    self.path_prompt = Some(String::new());
                }
            }
        }
        // The current plan: simulate it here when no fresh run exists.
        if self.last_seen.as_ref() != Some(plan) {
            self.last_seen = Some(plan.clone());
            self.changed_at = Some(Instant::now());
        }
        let own_fresh = self.own_current.as_ref().is_some_and(|(p, _)| p == plan);
        let failed = self.current_error.as_ref().is_some_and(|(p, _)| p == plan);
        let running = self.current_job.as_ref().is_some_and(|j| &j.plan == plan);
        if fresh_elsewhere || own_fresh || failed || running {
            self.changed_at = None;
            return;
        }
        let waited = self.changed_at.map(|t| t.elapsed()).unwrap_or(DEBOUNCE);
        if waited < DEBOUNCE {
            ctx.request_repaint_after(DEBOUNCE - waited);
            return;
        }
        self.changed_at = None;
        if let Some(job) = self.current_job.take() {
            job.cancel();
        }
        match Job::simulate("current plan".into(), plan, catalog, Some(ctx)) {
            Ok(job) => self.current_job = Some(job),
            Err(e) => self.current_error = Some((plan.clone(), e)),
        }
    }

    fn start_sweep(&mut self, ctx: &egui::Context, plan: &Plan, catalog: &Catalog, stage: StageId) {
        self.cancel_sweep();
        let catalog = catalog.clone();
        let worker_stage = stage.clone();
        match Job::start(
            format!("sweep of {stage}"),
            plan,
            Some(ctx),
            move |worker_plan, progress, tx| {
                let points_tx = tx.clone();
                let r = sweep::run_sweep(&worker_plan, &catalog, &worker_stage, &sweep::FACTORS, &progress, |p| {
                    let _ = points_tx.send(SweepMsg::Point(p.clone()));
                });
                let _ = tx.send(SweepMsg::Done(r.map(|_| ()).map_err(|e| e.to_string())));
            },
        ) {
            Ok(job) => {
                self.sweep = Some((
                    plan.clone(),
                    Sweep {
                        stage: stage.to_string(),
                        points: Vec::new(),
                    },
                ));
                self.sweep_message = None;
                self.sweep_job = Some(job);
            }
            Err(e) => self.sweep_message = Some(e),
        }
    }

    fn cancel_sweep(&mut self) {
        if let Some(job) = self.sweep_job.take() {
            job.cancel();
            self.sweep_message = Some("Sweep cancelled".into());
        }
    }
}

/// The comparison drawn last and what it was computed from (the plan diff
/// serializes both plans: not something to redo every frame).
struct Cached {
    baseline_gen: u64,
    current_plan: Plan,
    results_hash: u64,
    comparison: Comparison,
}

/// Fingerprint of a run's figures, to know when the cached comparison is out of date.
fn results_hash(results: &Results) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    results.cost.total_usd.to_bits().hash(&mut h);
    for w in &results.workloads {
        w.id.hash(&mut h);
        for (k, v) in &w.metrics {
            k.hash(&mut h);
            v.to_bits().hash(&mut h);
        }
    }
    h.finish()
}

/// What the Compare tab needs from the app.
pub struct CompareCx<'a> {
    pub plan: &'a Plan,
    pub catalog: &'a Catalog,
    /// The Results tab's last successful run (possibly of an older plan).
    pub last_run: Option<(&'a Plan, &'a Results)>,
}

/// The Compare tab.
pub fn compare_ui(ui: &mut egui::Ui, view: &mut CompareView, cx: &CompareCx<'_>) {
    let fresh_elsewhere = cx.last_run.is_some_and(|(p, _)| p == cx.plan);
    view.poll(ui.ctx(), cx.plan, cx.catalog, fresh_elsewhere);
    ui.horizontal(|ui| {
        ui.selectable_value(&mut view.tab, CompareTab::SideBySide, "Side by side")
            .on_hover_text("The current run beside the baseline, with deltas");
        ui.selectable_value(&mut view.tab, CompareTab::Scaling, "Scaling")
            .on_hover_text("Sweep a training stage over cluster size");
    });
    ui.separator();
    match view.tab {
        CompareTab::SideBySide => side_by_side_ui(ui, view, cx),
        CompareTab::Scaling => scaling_ui(ui, view, cx),
    }
}

/// The current run: the Results tab's if it matches the plan, else this
/// tab's own; the newest stale one otherwise.
fn current_run<'a>(view: &'a CompareView, cx: &'a CompareCx<'a>) -> Option<(&'a Plan, &'a Results, bool)> {
    if let Some((p, r)) = cx.last_run.filter(|(p, _)| *p == cx.plan) {
        return Some((p, r, true));
    }
    if let Some((p, r)) = view.own_current.as_ref().filter(|(p, _)| p == cx.plan) {
        return Some((p, r, true));
    }
    view.own_current
        .as_ref()
        .map(|(p, r)| (p, r, false))
        .or(cx.last_run.map(|(p, r)| (p, r, false)))
}

fn toolbar_ui(ui: &mut egui::Ui, view: &mut CompareView, cx: &CompareCx<'_>) {
    let current = current_run(view, cx).map(|(p, r, _)| (p.clone(), r.clone()));
    ui.horizontal_wrapped(|ui| {
        if ui
            .add_enabled(current.is_some(), egui::Button::new("📌 Pin current as baseline"))
            .on_hover_text("Keep the current run (plan and results) as the baseline to compare edits against")
            .on_disabled_hover_text("Run the plan first (Results tab, or wait for the automatic run)")
            .clicked()
            && let Some((p, r)) = current
        {
            view.pin("pinned run".into(), p, r);
        }
        if ui
            .add_enabled(view.dialog_job.is_none(), egui::Button::new("Open baseline…"))
            .on_hover_text("Simulate another plan file (.ron or a PNG report) as the baseline")
            .clicked()
        {
            view.dialog_job = Some(DialogJob::spawn(
                view.dialogs.clone(),
                DialogPurpose::Open,
                String::new(),
                ui.ctx().clone(),
            ));
        }
        let mut chosen: Option<&'static presets::Preset> = None;
        egui::ComboBox::from_id_salt("baseline_preset")
            .selected_text("Baseline preset…")
            .show_ui(ui, |ui| {
                for p in presets::PRESETS {
                    if ui.selectable_label(false, p.title).on_hover_text(p.summary).clicked() {
                        chosen = Some(p);
                    }
                }
            })
            .response
            .on_hover_text("Simulate a built-in preset as the baseline");
        if let Some(p) = chosen {
            match p.plan() {
                Ok(plan) => view.open_baseline(ui.ctx(), format!("preset {}", p.id), plan, cx.catalog),
                Err(e) => view.baseline_message = Some(e.to_string()),
            }
        }
        if let Some(job) = &view.baseline_job {
            ui.separator();
            ui.add(
                egui::ProgressBar::new(job.progress.fraction() as f32)
                    .desired_width(160.0)
                    .show_percentage()
                    .animate(true),
            )
            .on_hover_text(format!("Simulating the baseline ({})", job.label));
            if ui
                .button("Cancel baseline")
                .on_hover_text("Stop simulating the baseline")
                .clicked()
                && let Some(job) = view.baseline_job.take()
            {
                job.cancel();
                view.baseline_message = Some("Baseline simulation cancelled".into());
            }
        }
        if let Some(job) = &view.current_job {
            ui.separator();
            ui.add(
                egui::ProgressBar::new(job.progress.fraction() as f32)
                    .desired_width(120.0)
                    .animate(true),
            )
            .on_hover_text("Simulating the current plan");
            ui.weak("Simulating the current plan");
        }
    });
    let mut load: Option<PathBuf> = None;
    let mut close_prompt = false;
    if let Some(text) = &mut view.path_prompt {
        ui.horizontal(|ui| {
            let l = ui.label("Baseline file");
            let r = ui
                .add(egui::TextEdit::singleline(text).desired_width(360.0))
                .labelled_by(l.id)
                .on_hover_text("No file dialog is available here: type the path of a plan (.ron) or a PNG report");
            let enter = r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
            if (ui
                .button("Load")
                .on_hover_text("Simulate this plan as the baseline")
                .clicked()
                || enter)
                && !text.trim().is_empty()
            {
                load = Some(PathBuf::from(text.trim()));
            }
            if ui.button("Close").on_hover_text("Hide the path field").clicked() {
                close_prompt = true;
            }
        });
    }
    if let Some(path) = load {
        view.path_prompt = None;
        view.open_path(ui.ctx(), path, cx.catalog);
    }
    if close_prompt {
        view.path_prompt = None;
    }
    if let Some(msg) = &view.baseline_message {
        ui.colored_label(ui.visuals().error_fg_color, msg);
    }
}

fn verdict_color(pal: &Palette, v: Verdict, weak: egui::Color32) -> egui::Color32 {
    match v {
        Verdict::Better => pal.ok,
        Verdict::Worse => pal.error,
        _ => weak,
    }
}

fn side_by_side_ui(ui: &mut egui::Ui, view: &mut CompareView, cx: &CompareCx<'_>) {
    toolbar_ui(ui, view, cx);
    let Some(baseline) = &view.baseline else {
        ui.weak(
            "Pin the current run as the baseline (or open another plan or a preset), then change the plan: \
             both runs appear here side by side with deltas",
        );
        return;
    };
    let Some((cp, cr, fresh)) = current_run(view, cx) else {
        match &view.current_error {
            Some((_, e)) => ui.colored_label(ui.visuals().error_fg_color, format!("The current plan fails: {e}")),
            None => ui.weak("Simulating the current plan…"),
        };
        return;
    };
    let hash = results_hash(cr);
    let current_name = cp.name.clone();
    let up_to_date = view
        .cached
        .as_ref()
        .is_some_and(|c| c.baseline_gen == view.baseline_gen && c.results_hash == hash && &c.current_plan == cp);
    if !up_to_date {
        view.cached = Some(Cached {
            baseline_gen: view.baseline_gen,
            current_plan: cp.clone(),
            results_hash: hash,
            comparison: compare::compare((&baseline.plan, &baseline.results), (cp, cr)),
        });
    }
    let (Some(baseline), Some(Cached { comparison, .. })) = (&view.baseline, &view.cached) else {
        return;
    };
    ui.horizontal_wrapped(|ui| {
        ui.label(egui::RichText::new(&comparison.headline).strong().size(15.0));
    });
    ui.horizontal_wrapped(|ui| {
        ui.weak(format!("Baseline: {} ({})", baseline.plan.name, baseline.source));
        ui.weak("·");
        ui.weak(format!("Current: {current_name}"));
        if ui
            .small_button("Copy as CSV")
            .on_hover_text("Copy every compared metric (SI units) to the clipboard as CSV")
            .clicked()
        {
            ui.ctx().copy_text(compare::to_csv(comparison));
        }
    });
    if !fresh {
        let msg = match &view.current_error {
            Some((p, e)) if p == cx.plan => {
                format!("⚠ The edited plan does not simulate ({e}); comparing its last run")
            }
            _ => "⚠ Stale: the plan changed since the current run; it re-runs automatically".to_owned(),
        };
        ui.label(egui::RichText::new(msg).color(ui.visuals().warn_fg_color));
    }
    let pal = Palette::new(ui.visuals().dark_mode);
    egui::ScrollArea::vertical()
        .auto_shrink([false, false])
        .id_salt("compare_scroll")
        .show(ui, |ui| {
            // Groups side by side, wrapping: the dock is wide and short.
            ui.with_layout(
                egui::Layout::left_to_right(egui::Align::Min).with_main_wrap(true),
                |ui| {
                    group_ui(ui, "Plan totals", |ui| {
                        delta_grid_ui(ui, "totals", &comparison.totals, &pal)
                    });
                    group_ui(ui, &format!("Plan changes ({})", comparison.plan_changes.len()), |ui| {
                        if comparison.plan_changes.is_empty() {
                            ui.weak("The two plans are the same");
                        }
                        let (first, rest) = comparison
                            .plan_changes
                            .split_at(comparison.plan_changes.len().min(MAX_CHANGES_SHOWN));
                        for d in first {
                            ui.add(egui::Label::new(d.to_string()).wrap());
                        }
                        if !rest.is_empty() {
                            egui::CollapsingHeader::new(format!("{} more changes", rest.len()))
                                .id_salt("compare_more_changes")
                                .show(ui, |ui| {
                                    for d in rest {
                                        ui.add(egui::Label::new(d.to_string()).wrap());
                                    }
                                });
                        }
                    });
                    for (i, st) in comparison.stages.iter().enumerate() {
                        group_ui(ui, &st.title(), |ui| {
                            delta_grid_ui(ui, &format!("stage{i}"), &st.metrics, &pal)
                        });
                    }
                },
            );
        });
}

/// A titled frame of fixed width.
fn group_ui(ui: &mut egui::Ui, title: &str, body: impl FnOnce(&mut egui::Ui)) {
    // Ask for the whole width up front so the wrapping layout can start a
    // new row when it does not fit.
    let outer = egui::vec2(GROUP_WIDTH + 2.0 * ui.spacing().item_spacing.x + 12.0, 20.0);
    ui.allocate_ui_with_layout(outer, egui::Layout::top_down(egui::Align::Min), |ui| {
        egui::Frame::group(ui.style()).show(ui, |ui| {
            ui.set_width(GROUP_WIDTH);
            ui.add(egui::Label::new(egui::RichText::new(title).strong()).wrap());
            body(ui);
        });
    });
}

fn delta_grid_ui(ui: &mut egui::Ui, id: &str, rows: &[MetricDelta], pal: &Palette) {
    let weak = ui.visuals().weak_text_color();
    egui::Grid::new(("delta_grid", id))
        .striped(true)
        .num_columns(5)
        .min_col_width(70.0)
        .show(ui, |ui| {
            for h in ["Metric", "Baseline", "Current", "Delta", "Delta %"] {
                ui.strong(h);
            }
            ui.end_row();
            for m in rows {
                let color = verdict_color(pal, m.verdict, weak);
                let better = match m.direction {
                    compare::Direction::LowerIsBetter => "lower is better",
                    compare::Direction::HigherIsBetter => "higher is better",
                    compare::Direction::Neutral => "neither better nor worse",
                };
                ui.label(m.label).on_hover_text(format!("{} ({better})", m.key));
                ui.label(m.baseline_text());
                ui.label(m.current_text());
                let verdict = match m.verdict {
                    Verdict::Better => "better",
                    Verdict::Worse => "worse",
                    Verdict::Same => "same",
                    Verdict::Changed => "changed",
                    Verdict::Missing => "only on one side",
                };
                ui.label(egui::RichText::new(m.delta_text()).color(color))
                    .on_hover_text(format!("{}: {verdict}", m.label));
                ui.label(egui::RichText::new(m.delta_pct_text()).color(color))
                    .on_hover_text(format!("{}: {verdict}", m.label));
                ui.end_row();
            }
        });
}

fn scaling_ui(ui: &mut egui::Ui, view: &mut CompareView, cx: &CompareCx<'_>) {
    let stages = sweep::training_stages(cx.plan);
    if stages.is_empty() {
        ui.weak("The plan has no training stage: add one to sweep it over cluster size");
        return;
    }
    if view
        .sweep_stage
        .as_ref()
        .is_none_or(|s| !stages.iter().any(|(id, _)| id == s))
    {
        view.sweep_stage = stages.first().map(|(id, _)| id.clone());
    }
    let Some(selected) = view.sweep_stage.clone() else {
        return;
    };
    ui.horizontal_wrapped(|ui| {
        let name = stages
            .iter()
            .find(|(id, _)| *id == selected)
            .map(|(_, n)| n.clone())
            .unwrap_or_default();
        let l = ui.label("Training stage");
        egui::ComboBox::from_id_salt("sweep_stage")
            .selected_text(name)
            .show_ui(ui, |ui| {
                for (id, n) in &stages {
                    ui.selectable_value(&mut view.sweep_stage, Some(id.clone()), n);
                }
            })
            .response
            .labelled_by(l.id)
            .on_hover_text("The training stage to sweep");
        if ui
            .add_enabled(view.sweep_job.is_none(), egui::Button::new("▶ Run sweep"))
            .on_hover_text("Simulate the stage on 1/4, 1/2, 1, 2 and 4 times its servers")
            .clicked()
        {
            view.start_sweep(ui.ctx(), cx.plan, cx.catalog, selected.clone());
        }
        if let Some(job) = &view.sweep_job {
            ui.add(
                egui::ProgressBar::new(job.progress.fraction() as f32)
                    .desired_width(160.0)
                    .show_percentage()
                    .animate(true),
            )
            .on_hover_text(format!("Running the {}", job.label));
            if ui.button("Cancel").on_hover_text("Stop the sweep").clicked() {
                view.cancel_sweep();
            }
        }
    });
    ui.weak(
        "Scales the stage's placement servers and data-parallel degree by the same factor (TP and PP stay). \
         Global batch and tokens stay constant (strong scaling); switches, storage and links are not resized, \
         and other stages are not simulated",
    );
    if let Some(msg) = &view.sweep_message {
        ui.colored_label(ui.visuals().warn_fg_color, msg);
    }
    let Some((swept_plan, sw)) = &view.sweep else {
        ui.weak("Press Run sweep to draw the scaling curve");
        return;
    };
    if swept_plan != cx.plan {
        ui.label(
            egui::RichText::new("⚠ Stale: the plan changed since this sweep; run it again")
                .color(ui.visuals().warn_fg_color),
        );
    }
    egui::ScrollArea::vertical()
        .auto_shrink([false, false])
        .id_salt("sweep_scroll")
        .show(ui, |ui| {
            ui.horizontal_top(|ui| {
                sweep_plots_ui(ui, sw);
                ui.vertical(|ui| sweep_table_ui(ui, sw));
            });
        });
}

fn sweep_plots_ui(ui: &mut egui::Ui, sw: &Sweep) {
    let ok: Vec<(u64, &sweep::SweepFigures)> = sw
        .points
        .iter()
        .filter_map(|p| p.outcome.as_ref().ok().map(|f| (p.gpus, f)))
        .collect();
    if ok.is_empty() {
        return;
    }
    let gpus: Vec<u64> = ok.iter().map(|(g, _)| *g).collect();
    // Thousands of tokens/s keep the axis labels short.
    let measured_tps: Vec<[f64; 2]> = ok.iter().map(|(g, f)| [*g as f64, f.tokens_per_second / 1e3]).collect();
    let ideal_tps: Vec<[f64; 2]> = gpus
        .iter()
        .filter_map(|g| sw.ideal_tokens_per_second(*g).map(|v| [*g as f64, v / 1e3]))
        .collect();
    let measured_days: Vec<[f64; 2]> = ok
        .iter()
        .map(|(g, f)| [*g as f64, f.time_to_train_s / 86_400.0])
        .collect();
    let ideal_days: Vec<[f64; 2]> = gpus
        .iter()
        .filter_map(|g| sw.ideal_time_to_train_s(*g).map(|v| [*g as f64, v / 86_400.0]))
        .collect();
    let width = ((ui.available_width() - SWEEP_TABLE_WIDTH - 24.0) / 2.0).max(220.0);
    let measured_color = egui::Color32::from_rgb(70, 140, 230);
    let ideal_color = egui::Color32::from_gray(150);
    ui.horizontal(|ui| {
        ui.vertical(|ui| {
            ui.label("Tokens/s vs GPUs")
                .on_hover_text("Training throughput; the dashed line is linear scaling from the smallest point");
            Plot::new("sweep_tps")
                .width(width)
                .height(200.0)
                .legend(Legend::default().position(Corner::RightBottom))
                .x_axis_label("GPUs")
                .y_axis_label("thousand tokens/s")
                .include_x(0.0)
                .include_y(0.0)
                .y_grid_spacer(uniform_grid_spacer(nice_steps))
                .x_grid_spacer(uniform_grid_spacer(nice_steps))
                .label_formatter(|hover| point_label(hover, "tokens/s", |k| fmt_si(k * 1e3)))
                .show(ui, |plot| {
                    plot.line(
                        Line::new("ideal (linear)", PlotPoints::from(ideal_tps))
                            .color(ideal_color)
                            .style(LineStyle::dashed_loose()),
                    );
                    plot.line(Line::new("simulated", PlotPoints::from(measured_tps.clone())).color(measured_color));
                    plot.points(
                        Points::new("simulated", PlotPoints::from(measured_tps))
                            .color(measured_color)
                            .radius(4.0),
                    );
                });
        });
        ui.vertical(|ui| {
            ui.label("Time to train vs GPUs")
                .on_hover_text("Days to train the stage's tokens; the dashed line is linear scaling");
            Plot::new("sweep_ttt")
                .width(width)
                .height(200.0)
                .legend(Legend::default().position(Corner::RightTop))
                .x_axis_label("GPUs")
                .y_axis_label("days")
                .include_x(0.0)
                .include_y(0.0)
                .y_grid_spacer(uniform_grid_spacer(nice_steps))
                .x_grid_spacer(uniform_grid_spacer(nice_steps))
                .label_formatter(|hover| point_label(hover, "", |d| fmt_duration(d * 86_400.0)))
                .show(ui, |plot| {
                    plot.line(
                        Line::new("ideal (linear)", PlotPoints::from(ideal_days))
                            .color(ideal_color)
                            .style(LineStyle::dashed_loose()),
                    );
                    plot.line(Line::new("simulated", PlotPoints::from(measured_days.clone())).color(measured_color));
                    plot.points(
                        Points::new("simulated", PlotPoints::from(measured_days))
                            .color(measured_color)
                            .radius(4.0),
                    );
                });
        });
    });
}

/// Grid steps of about a quarter of the visible range, on 1-2-5 values, so
/// a short plot still gets a few labelled lines.
fn nice_steps(input: egui_plot::GridInput) -> [f64; 3] {
    let span = (input.bounds.1 - input.bounds.0).abs().max(1e-9);
    let step = crate::report::draw::charts::nice_step(span, 4.0);
    [step / 5.0, step, step * 5.0]
}

fn point_label(hover: &egui_plot::HoverPosition<'_>, unit: &str, fmt: impl Fn(f64) -> String) -> Option<String> {
    match hover {
        egui_plot::HoverPosition::NearDataPoint {
            plot_name, position, ..
        } => Some(format!(
            "{plot_name}\n{:.0} GPUs: {} {unit}",
            position.x,
            fmt(position.y)
        )),
        egui_plot::HoverPosition::Elsewhere { .. } => None,
    }
}

fn sweep_table_ui(ui: &mut egui::Ui, sw: &Sweep) {
    ui.horizontal(|ui| {
        ui.strong("Scaling efficiency");
        if ui
            .small_button("Copy as CSV")
            .on_hover_text("Copy the sweep (SI units) to the clipboard as CSV")
            .clicked()
        {
            ui.ctx().copy_text(sweep::to_csv(sw));
        }
    });
    egui::Grid::new("sweep_table")
        .striped(true)
        .num_columns(10)
        .show(ui, |ui| {
            for h in [
                "Factor",
                "Servers",
                "GPUs",
                "DP",
                "Tokens/s",
                "Time to train",
                "Speed-up",
                "Efficiency",
                "Stage cost",
                "Site cost/yr",
            ] {
                ui.strong(h);
            }
            ui.end_row();
            for p in &sw.points {
                ui.label(format!("{}x", p.factor));
                match &p.outcome {
                    Ok(f) => {
                        ui.label(p.servers.to_string());
                        ui.label(p.gpus.to_string());
                        ui.label(f.dp.to_string())
                            .on_hover_text(format!("Micro-batch {}", f.micro_batch));
                        ui.label(format!("{}/s", fmt_si(f.tokens_per_second)));
                        ui.label(fmt_duration(f.time_to_train_s));
                        ui.label(sw.speedup(p).map_or("—".into(), |x| format!("{x:.2}x")));
                        ui.label(sw.efficiency(p).map_or("—".into(), |x| format!("{:.1} %", x * 100.0)))
                            .on_hover_text("Speed-up divided by the growth in GPUs, relative to the smallest point");
                        ui.label(fmt_usd(f.cost_usd))
                            .on_hover_text("The stage's share of what it holds, for as long as it runs");
                        ui.label(fmt_usd(f.site_usd_per_year)).on_hover_text(
                            "The stage's sites for a year: owned hardware, power, operations and facility busy or not; the stage's rented nodes while it runs",
                        );
                    }
                    Err(reason) => {
                        ui.weak("skipped").on_hover_text(reason);
                    }
                }
                ui.end_row();
            }
        });
    for p in &sw.points {
        if let Err(reason) = &p.outcome {
            ui.add(egui::Label::new(egui::RichText::new(format!("{}x skipped: {reason}", p.factor)).weak()).wrap());
        }
    }
}
