//! The Results tab driven through its real UI (egui_kittest): sub-tabs with
//! cards and charts, table rows selecting canvas nodes, Copy as CSV, and
//! every File > Export writing a file with the right content.

use crate::ui_support::{SIZE, harness_for, has_label, wait_until};
use clusterforge::model::*;
use clusterforge::report::presets;
use clusterforge::sim::metrics::{MetricKey, Resource, SeriesKey};
use clusterforge::sim::{Progress, Results, StageSpan, WorkloadResult};
use clusterforge::ui::app::{App, AppConfig};
use clusterforge::ui::files::{ExportKind, FileDialogs};
use clusterforge::ui::results::SimResultsView;
use clusterforge::ui::state::Sel;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// A save dialog that answers with the path a test put in it.
#[derive(Default)]
struct ScriptedDialogs {
    answer: Mutex<Option<PathBuf>>,
}

impl ScriptedDialogs {
    fn answer_with(&self, path: PathBuf) {
        if let Ok(mut a) = self.answer.lock() {
            *a = Some(path);
        }
    }
    fn take(&self) -> Option<PathBuf> {
        self.answer.lock().ok().and_then(|mut a| a.take())
    }
}

impl FileDialogs for ScriptedDialogs {
    fn pick_open(&self) -> Option<PathBuf> {
        self.take()
    }
    fn pick_save(&self, _suggested_name: &str) -> Option<PathBuf> {
        self.take()
    }
}

fn preset_plan(id: &str) -> Plan {
    let Some(p) = presets::preset(id) else {
        panic!("preset {id} exists")
    };
    p.plan().expect("preset parses")
}

fn harness(plan: Plan, view: SimResultsView, dialogs: Arc<ScriptedDialogs>) -> Harness<'static, App> {
    let mut config = AppConfig::headless(plan, Catalog::builtin());
    config.dialogs = dialogs;
    let mut app = App::new(config);
    app.set_results_view(Box::new(view));
    harness_for(app)
}

/// Click the widget labelled `label`, then move the pointer to empty canvas
/// so its tooltip does not cover the next widget to click.
fn click(h: &mut Harness<'_, App>, label: &str) {
    h.get_by_label(label).click();
    h.run_steps(2);
    rest_pointer(h);
}

fn rest_pointer(h: &mut Harness<'_, App>) {
    h.hover_at(egui::pos2(760.0, 60.0));
    h.run_steps(2);
}

/// Open the Results tab, press Run and wait for the cards.
fn run_to_results(h: &mut Harness<'_, App>, card: &str) {
    click(h, "Results");
    let run = h.get_by_label("▶ Run").rect();
    assert!(
        run.min.y < SIZE.y * 0.6,
        "choosing Results makes room for the results (Run at y = {})",
        run.min.y
    );
    click(h, "▶ Run");
    assert!(
        wait_until(h, |h| has_label(h, card) || has_label(h, "Simulation failed")),
        "the run finished in time"
    );
    assert!(!has_label(h, "Simulation failed"), "the preset simulates");
}

#[test]
fn every_sub_tab_shows_its_cards_and_charts() {
    let mut h = harness(
        preset_plan("onprem-finance"),
        SimResultsView::new(),
        Arc::new(ScriptedDialogs::default()),
    );
    run_to_results(&mut h, "Time to train");
    for label in [
        "Plan total",
        "Total cost",
        "Energy",
        "MFU",
        "GPU-hours",
        "Iteration time by cause",
    ] {
        assert!(has_label(&h, label), "overview shows {label}");
    }
    click(&mut h, "Over time");
    assert!(has_label(&h, "Utilization over time"), "utilization lines");
    assert!(has_label(&h, "Heat strip of "), "heat strip drawn");
    click(&mut h, "Cost");
    assert!(has_label(&h, "Bar chart: cost by site"), "site bars drawn");
    assert!(has_label(&h, "Cost by site"), "cost bars by site");
    assert!(has_label(&h, "Cost by stage"), "cost bars by stage");
    click(&mut h, "Timeline");
    assert!(has_label(&h, "Lifecycle makespan"), "Gantt");
    assert!(has_label(&h, "Lifecycle timeline (Gantt)"), "Gantt drawn");
    click(&mut h, "Tables");
    assert!(has_label(&h, "Mean busy %"), "utilization table");
    assert!(has_label(&h, "Metrics ("), "metrics table");
}

#[test]
fn a_serving_preset_shows_latency_cards_and_queue_over_time() {
    let mut h = harness(
        preset_plan("serverless-inference"),
        SimResultsView::new(),
        Arc::new(ScriptedDialogs::default()),
    );
    run_to_results(&mut h, "TTFT p99");
    for label in ["TTFT p50", "TPOT p99", "SLO attainment", "Cost per M tokens"] {
        assert!(has_label(&h, label), "overview shows {label}");
    }
    click(&mut h, "Over time");
    assert!(has_label(&h, "Queued requests"), "queue over time");
    assert!(has_label(&h, "Replicas up"), "replicas over time");
    assert!(has_label(&h, "Time to first token, distribution"), "TTFT CDF");
    // Serverless endpoints can be rented but not bought: nothing to compare.
    click(&mut h, "Cost");
    assert!(has_label(&h, clusterforge::ui::results::cost::NO_TCO_NOTE), "the note");
    assert!(!has_label(&h, "Own vs rent over"), "no chart without a comparison");
}

#[test]
fn the_cost_tab_compares_owning_and_renting_over_the_horizon() {
    use egui::accesskit::Role;
    let mut h = harness(
        preset_plan("hybrid-enterprise"),
        SimResultsView::new(),
        Arc::new(ScriptedDialogs::default()),
    );
    run_to_results(&mut h, "Plan total");
    // The training card is called "Cost" too: the sub-tab is the button.
    h.get_by_role_and_label(Role::Button, "Cost").click();
    h.run_steps(2);
    rest_pointer(&mut h);
    // The words the simulator's comparison gives, computed here directly.
    let plan = preset_plan("hybrid-enterprise");
    let months = (plan.settings.tco_horizon_years * 12.0).round() as u32;
    let c =
        clusterforge::sim::cost::compare_deployments(&plan, &Catalog::builtin(), plan.settings.tco_utilization, months)
            .expect("the preset prices");
    let verdict = clusterforge::report::tco::verdict(&c);
    assert!(
        has_label(&h, &format!("Own vs rent over {months} months")),
        "section heading"
    );
    assert!(verdict.contains("pays off after"), "{verdict}");
    assert!(has_label(&h, &verdict), "the verdict is shown: {verdict}");
    for name in ["On-prem", "Cloud", "As drawn"] {
        // The chart's legend (a checkbox per line) and the table's row.
        assert!(
            h.query_by_role_and_label(Role::CheckBox, name).is_some(),
            "legend entry {name}"
        );
        assert!(h.query_all_by_label(name).count() >= 2, "legend and table show {name}");
    }
    let months_text = format!("{:.1} months", c.break_even_months.expect("owning pays off"));
    assert!(has_label(&h, &months_text), "the break-even card says {months_text}");
    for head in ["up front", "per month", "total"] {
        assert!(h.query_by_label(head).is_some(), "table column {head}");
    }
}

/// A hand-built run: two stages on a small plan, with per-node use, a
/// lifecycle timeline with contention and utilization named by display name.
fn fixture() -> (Plan, Results) {
    let mut plan = preset_plan("onprem-finance");
    plan.stages.truncate(1);
    let stage = plan.stages[0].id.to_string();
    let node = plan
        .nodes
        .iter()
        .find(|n| n.kind == NodeKind::GpuServer)
        .expect("a GPU node");
    let mut w = WorkloadResult {
        id: stage.clone(),
        name: "Fixture training".into(),
        kind: "train".into(),
        diagnosis: "compute bound".into(),
        ..Default::default()
    };
    w.metrics.insert(MetricKey::TimeToTrain, 7200.0);
    w.metrics.insert(MetricKey::Cost, 1234.5);
    w.utilization.insert(Resource::Node(node.id.clone()), 0.9);
    w.series.insert(
        SeriesKey::Busy(Resource::Node(node.id.clone())),
        (0..20)
            .map(|i| (i as f64 * 0.1, if i < 15 { 1.0 } else { 0.2 }))
            .collect(),
    );
    let results = Results {
        prices: String::new(),
        plan: plan.name.clone(),
        seed: 1,
        cost: clusterforge::sim::results::CostTotals::from_workloads(&plan, std::slice::from_ref(&w)),
        timeline: vec![StageSpan {
            stage: stage.clone(),
            kind: "train".into(),
            start_s: 0.0,
            end_s: 7200.0,
            slowdown: 1.25,
            shared_with: Vec::new(),
        }],
        workloads: vec![w],
        events: Vec::new(),
        tco: None,
    };
    (plan, results)
}

#[test]
fn clicking_a_utilization_row_selects_its_node_on_the_canvas() {
    let (plan, results) = fixture();
    let node = plan
        .nodes
        .iter()
        .find(|n| n.kind == NodeKind::GpuServer)
        .expect("a GPU node");
    let (node_id, row) = (node.id.clone(), node.name.clone());
    let mut view = SimResultsView::new();
    view.set_results(&plan, results);
    view.auto_run = false;
    let mut h = harness(plan, view, Arc::new(ScriptedDialogs::default()));
    click(&mut h, "Results");
    click(&mut h, "Timeline");
    assert!(has_label(&h, "Lifecycle makespan"), "the simulated timeline is drawn");
    assert!(
        !has_label(&h, "contention between stages not simulated"),
        "the simulator's timeline is used, not the derived one"
    );
    click(&mut h, "Tables");
    assert!(h.state().state.selection.is_empty());
    h.get_by_label(&row).click();
    h.run_steps(2);
    rest_pointer(&mut h);
    assert!(
        h.state().state.selection.contains(&Sel::Node(node_id.clone())),
        "the row's node is selected on the canvas"
    );
}

#[test]
fn copy_as_csv_puts_the_table_on_the_clipboard() {
    let (plan, results) = fixture();
    let resource = results.workloads[0]
        .utilization
        .keys()
        .next()
        .expect("a row")
        .to_string();
    let mut view = SimResultsView::new();
    view.set_results(&plan, results);
    view.auto_run = false;
    let mut h = harness(plan, view, Arc::new(ScriptedDialogs::default()));
    click(&mut h, "Results");
    click(&mut h, "Tables");
    let copied = |h: &Harness<'_, App>| {
        h.output().platform_output.commands.iter().find_map(|c| match c {
            egui::OutputCommand::CopyText(t) => Some(t.clone()),
            _ => None,
        })
    };
    let mut buttons = h.query_all_by_label("Copy as CSV");
    buttons.next().expect("utilization table button").click();
    drop(buttons);
    let mut text = None;
    for _ in 0..3 {
        h.step();
        text = text.or_else(|| copied(&h));
    }
    let text = text.expect("text copied");
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("stage,subject,resource,mean_busy,peak_busy,unit"));
    let row = lines.next().expect("one row");
    assert!(row.starts_with("ingest,"), "rows name the stage by id: {row}");
    assert!(row.contains(&format!(",{resource},")), "the resource key: {row}");
    assert!(row.contains(",0.9,1,fraction"), "mean and peak from the series: {row}");
    assert!(has_label(&h, "Copied 1 utilization rows as CSV"));
}

/// Choose `menu_item` in the File menu; the scripted dialog answers `path`.
fn export_via_menu(h: &mut Harness<'_, App>, dialogs: &ScriptedDialogs, menu_item: &str, path: &std::path::Path) {
    dialogs.answer_with(path.to_path_buf());
    click(h, "File");
    click(h, menu_item);
    assert!(wait_until(h, |_| path.exists()), "{menu_item} wrote {}", path.display());
}

#[test]
fn file_menu_exports_write_report_plan_json_and_csv() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    let plan = preset_plan("onprem-finance");
    let dialogs = Arc::new(ScriptedDialogs::default());
    let mut h = harness(plan.clone(), SimResultsView::new(), dialogs.clone());
    run_to_results(&mut h, "Time to train");

    let json = dir.join("results.json");
    export_via_menu(&mut h, &dialogs, "Export results (JSON)…", &json);
    let text = std::fs::read_to_string(&json).expect("json read");
    let back: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
    assert_eq!(back["plan"], plan.name.as_str());
    // The same document `clusterforge simulate --json` writes.
    let expected = clusterforge::sim::simulate(&plan, &Catalog::builtin(), plan.settings.seed, &Progress::new())
        .expect("simulates");
    assert_eq!(
        text,
        clusterforge::cli::simulate::to_json(&expected),
        "same as simulate --json"
    );

    let csv = dir.join("results.csv");
    export_via_menu(&mut h, &dialogs, "Export results (CSV)…", &csv);
    let text = std::fs::read_to_string(&csv).expect("csv read");
    assert!(
        text.starts_with("stage,stage_name,kind,metric,value,unit\r\n"),
        "CSV header"
    );
    let metrics: usize = expected.workloads.iter().map(|w| w.metrics.len()).sum();
    assert_eq!(
        text.lines().count(),
        1 + metrics + 3,
        "one row per stage and metric, plus the three plan totals"
    );
    assert!(text.contains(",time_to_train_s,"), "training metric row");

    // No extension typed: the kind's extension is added.
    let ron = dir.join("copy");
    dialogs.answer_with(ron.clone());
    click(&mut h, "File");
    click(&mut h, "Export plan (RON)…");
    let ron = dir.join("copy.ron");
    assert!(wait_until(&mut h, |_| ron.exists()), "plan exported");
    assert_eq!(clusterforge::report::load_plan(&ron).expect("plan loads"), plan);
    assert_eq!(h.state().file, None, "exporting does not change the open file");

    let png = dir.join("report.png");
    export_via_menu(&mut h, &dialogs, "Export report (PNG)…", &png);
    let bytes = std::fs::read(&png).expect("png read");
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "a PNG");
    assert_eq!(
        clusterforge::report::load_plan(&png).expect("the report carries the plan"),
        plan
    );

    // The table's own Export CSV… goes through the same dialog.
    click(&mut h, "Tables");
    let util = dir.join("util.csv");
    dialogs.answer_with(util.clone());
    let mut buttons = h.query_all_by_label("Export CSV…");
    buttons.next().expect("utilization export button").click();
    drop(buttons);
    rest_pointer(&mut h);
    assert!(wait_until(&mut h, |_| util.exists()), "utilization CSV exported");
    let text = std::fs::read_to_string(&util).expect("read");
    assert!(text.starts_with("stage,subject,resource,mean_busy,peak_busy,unit\r\n"));
}

#[test]
fn exporting_results_before_a_run_explains_instead_of_writing() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dialogs = Arc::new(ScriptedDialogs::default());
    let mut h = harness(preset_plan("onprem-finance"), SimResultsView::new(), dialogs.clone());
    let json = tmp.path().join("r.json");
    dialogs.answer_with(json.clone());
    click(&mut h, "File");
    click(&mut h, "Export results (JSON)…");
    assert!(
        wait_until(&mut h, |h| has_label(h, "press Run")),
        "the prompt says to run first"
    );
    assert!(!json.exists());
    let _ = ExportKind::ResultsJson;
}

#[cfg(feature = "snapshots")]
#[test]
fn snapshot_results_view_after_a_run() {
    let mut h = harness(
        preset_plan("onprem-finance"),
        SimResultsView::new(),
        Arc::new(ScriptedDialogs::default()),
    );
    run_to_results(&mut h, "Time to train");
    h.run_steps(4);
    h.snapshot("ui_results_overview");
}

#[test]
fn without_a_dialog_service_an_export_asks_for_the_path_in_the_app() {
    use clusterforge::ui::app::Prompt;
    use egui::{Key, Modifiers};
    let tmp = tempfile::tempdir().expect("temp dir");
    let plan = preset_plan("onprem-finance");
    let mut app = App::new(AppConfig::headless(plan.clone(), Catalog::builtin()));
    app.set_results_view(Box::new(SimResultsView::new()));
    let mut h = Harness::builder()
        .with_size(SIZE)
        .build_ui_state(|ui, app: &mut App| app.frame_ui(ui), app);
    h.run_steps(3);
    click(&mut h, "File");
    click(&mut h, "Export plan (RON)…");
    assert!(
        wait_until(&mut h, |h| matches!(h.state().prompt, Some(Prompt::Path { .. }))),
        "the path prompt opens"
    );
    h.run_steps(2);
    assert!(has_label(&h, "Export plan (RON)"), "the prompt says what it exports");
    let path = tmp.path().join("typed.ron");
    let field = || (egui::accesskit::Role::TextInput, "File path");
    h.get_by_role_and_label(field().0, field().1).focus();
    h.run_steps(1);
    h.key_press_modifiers(Modifiers::COMMAND, Key::A);
    h.run_steps(1);
    h.get_by_role_and_label(field().0, field().1)
        .type_text(&path.display().to_string());
    h.run_steps(2);
    click(&mut h, "Export");
    assert_eq!(clusterforge::report::load_plan(&path).expect("plan written"), plan);
}

#[test]
fn file_menu_loads_a_price_file_and_goes_back_to_catalog_prices() {
    let plan = preset_plan("cloud-startup");
    let dialogs = Arc::new(ScriptedDialogs::default());
    let mut h = harness(plan, SimResultsView::new(), dialogs.clone());
    let example = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/prices-example.ron");
    dialogs.answer_with(example);
    click(&mut h, "File");
    click(&mut h, "Load price file…");
    assert!(
        wait_until(&mut h, |h| h.state().state.catalog.price_book.is_some()),
        "the price file was applied"
    );
    let p5 = |h: &Harness<'_, App>| {
        h.state()
            .state
            .catalog
            .system("aws-p5-48xlarge")
            .and_then(|s| s.cloud.as_ref())
            .map(|c| c.on_demand_usd_per_hour)
    };
    assert_eq!(p5(&h), Some(52.0));
    use egui::accesskit::Role;
    // The results re-run with the new prices: the Cost tab says which.
    click(&mut h, "Results");
    assert!(wait_until(&mut h, |h| h
        .query_by_role_and_label(Role::Button, "Cost")
        .is_some()));
    h.get_by_role_and_label(Role::Button, "Cost").click();
    assert!(
        wait_until(&mut h, |h| has_label(h, "Example negotiated quotes")),
        "the run names the price file"
    );
    click(&mut h, "File");
    click(&mut h, "Use catalog prices");
    assert!(h.state().state.catalog.price_book.is_none());
    assert_eq!(h.state().state.catalog, Catalog::builtin());
}

#[test]
fn the_uncertainty_toggle_bands_the_cost_tab_and_the_report() {
    use egui::accesskit::Role;
    let tmp = tempfile::tempdir().expect("temp dir");
    let plan = preset_plan("cloud-startup");
    let dialogs = Arc::new(ScriptedDialogs::default());
    let mut view = SimResultsView::new();
    view.band_samples = 6;
    let mut h = harness(plan, view, dialogs.clone());
    run_to_results(&mut h, "Time to train");
    let plain = tmp.path().join("plain.png");
    export_via_menu(&mut h, &dialogs, "Export report (PNG)…", &plain);
    h.get_by_role_and_label(Role::CheckBox, "Uncertainty").click();
    h.run_steps(2);
    h.get_by_role_and_label(Role::Button, "Cost").click();
    assert!(
        wait_until(&mut h, |h| has_label(h, "How sure")),
        "bands shown in the Cost tab"
    );
    assert!(has_label(&h, "P90"));
    // The exported report carries the same bands (its How sure section).
    let png = tmp.path().join("report.png");
    export_via_menu(&mut h, &dialogs, "Export report (PNG)…", &png);
    let (without, with) = (image_height(&plain), image_height(&png));
    assert!(without > 0 && with > without + 100, "{without} → {with}");
}

fn image_height(path: &std::path::Path) -> u32 {
    let file = std::fs::File::open(path).expect("png");
    let decoder = png::Decoder::new(std::io::BufReader::new(file));
    decoder.read_info().map(|r| r.info().height).unwrap_or(0)
}
