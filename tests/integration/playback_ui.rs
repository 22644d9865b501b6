//! The Playback tab driven through its real UI (egui_kittest): play, pause,
//! Space, stepping, filtering, and an event click that moves the cursor and
//! selects the event's link on the canvas. A hand-built run is injected
//! through the `ResultsView` trait, so the test knows every event.

use crate::ui_support::{SIZE, harness_for, has_label, small_plan};
use clusterforge::model::*;
use clusterforge::report::presets;
use clusterforge::sim::metrics::Resource;
use clusterforge::sim::{EventKind, Results, SimEvent, StageSpan, WorkloadResult};
use clusterforge::ui::app::{App, AppConfig, ResultsCx, ResultsView};
use clusterforge::ui::playback::TimeWindow;
use clusterforge::ui::state::Sel;
use egui::Vec2;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};

const HOUR: f64 = 3600.0;
const DAY: f64 = 86_400.0;

/// A finished run handed to the app as is.
struct FixedRun {
    plan: Plan,
    results: Results,
}

impl ResultsView for FixedRun {
    fn results_ui(&mut self, ui: &mut egui::Ui, _cx: &mut ResultsCx<'_>) {
        ui.label("A fixed run");
    }

    fn last_run(&self) -> Option<(&Plan, &Results)> {
        Some((&self.plan, &self.results))
    }
}

/// The small test plan; the site's name is the one in the snapshot.
fn plan() -> Plan {
    let mut plan = small_plan("Playback");
    plan.sites[0].name = "DC".into();
    plan
}

fn ev(t_s: f64, stage: &str, kind: EventKind, subject: Option<&str>, text: &str) -> SimEvent {
    SimEvent {
        t_s,
        stage: stage.into(),
        kind,
        subject: subject.map(|s| {
            if s.contains("--") {
                Resource::Link(s.into())
            } else {
                Resource::Node(s.into())
            }
        }),
        text: text.into(),
    }
}

/// Training for two days on gpu and its link; serving on cpu from day 1 to 3.
fn results() -> Results {
    let span = |stage: &str, kind: &str, start_s: f64, end_s: f64| StageSpan {
        stage: stage.into(),
        kind: kind.into(),
        start_s,
        end_s,
        slowdown: 1.0,
        shared_with: vec![],
    };
    Results {
        plan: "Playback".into(),
        workloads: vec![
            WorkloadResult {
                id: "pretrain".into(),
                kind: "train".into(),
                utilization: [
                    (Resource::Node("gpu".into()), 0.92),
                    (Resource::Node("sw".into()), 0.4),
                    (Resource::Link("gpu--sw".into()), 0.6),
                ]
                .into(),
                ..Default::default()
            },
            WorkloadResult {
                id: "chat".into(),
                kind: "serve".into(),
                utilization: [(Resource::Node("cpu".into()), 0.5)].into(),
                ..Default::default()
            },
        ],
        timeline: vec![
            span("pretrain", "train", 0.0, 2.0 * DAY),
            span("chat", "serve", DAY, 3.0 * DAY),
        ],
        events: vec![
            ev(0.0, "pretrain", EventKind::StageStart, None, "pretraining starts"),
            ev(
                4.0 * HOUR,
                "pretrain",
                EventKind::Checkpoint,
                Some("gpu"),
                "checkpoint 1 written",
            ),
            ev(
                10.0 * HOUR,
                "pretrain",
                EventKind::Failure,
                Some("gpu--sw"),
                "GPU uplink failed, job rolls back",
            ),
            ev(
                11.0 * HOUR,
                "pretrain",
                EventKind::Restart,
                Some("gpu"),
                "restarted from checkpoint 1",
            ),
            ev(DAY, "chat", EventKind::StageStart, None, "serving starts"),
            ev(
                DAY + 60.0,
                "chat",
                EventKind::ColdStart,
                Some("cpu"),
                "replica cold start",
            ),
            ev(2.0 * DAY, "pretrain", EventKind::StageEnd, None, "pretraining ends"),
            ev(3.0 * DAY, "chat", EventKind::StageEnd, None, "serving ends"),
        ],
        ..Default::default()
    }
}

fn harness() -> Harness<'static, App> {
    let mut app = App::new(AppConfig::headless(plan(), Catalog::builtin()));
    app.set_results_view(Box::new(FixedRun {
        plan: plan(),
        results: results(),
    }));
    harness_for(app)
}

fn open_playback(h: &mut Harness<'_, App>) {
    h.get_by_label("Playback").click();
    h.run_steps(3);
}

#[test]
fn play_pause_and_space_move_the_cursor() {
    let mut h = harness();
    assert!(h.state().playback.overlay().is_none(), "nothing before the tab opens");
    open_playback(&mut h);
    assert!(has_label(&h, "t = 0 s"), "time readout at the start");
    assert!(has_label(&h, "of 3 d"), "run length shown");
    assert_eq!(h.state().playback.end_s(), 3.0 * DAY);
    let title = h
        .state()
        .playback
        .overlay()
        .map(|o| o.title.clone())
        .unwrap_or_default();
    assert_eq!(title, "t = 0 s · 1 stage running");

    h.get_by_label("▶ Play").click();
    h.run_steps(6);
    let t1 = h.state().playback.t_s;
    assert!(
        h.state().playback.playing && t1 > 0.0,
        "playing moves the cursor: t = {t1}"
    );
    assert!(has_label(&h, "⏸ Pause"), "the button offers Pause while playing");
    h.get_by_label("⏸ Pause").click();
    h.run_steps(3);
    let t2 = h.state().playback.t_s;
    h.run_steps(3);
    assert!(!h.state().playback.playing, "paused");
    assert_eq!(h.state().playback.t_s, t2, "a paused cursor stays put");

    // Space toggles play when no widget has keyboard focus.
    h.state_mut().playback.seek(0.0);
    h.run_steps(1);
    h.key_press(egui::Key::Space);
    h.run_steps(4);
    assert!(h.state().playback.playing, "Space plays");
    h.key_press(egui::Key::Space);
    h.run_steps(1);
    assert!(!h.state().playback.playing, "Space pauses");

    // The fastest whole-run speed reaches the end and stops there.
    h.state_mut().playback.speed = clusterforge::ui::playback::Speed::Rate(7.0 * DAY);
    h.state_mut().playback.playing = true;
    h.run_steps(20);
    assert!(!h.state().playback.playing, "stopped at the end");
    assert_eq!(h.state().playback.t_s, 3.0 * DAY);
    assert!(has_label(&h, "t = 3 d"), "readout at the end");
}

#[test]
fn stepping_filtering_and_clicking_an_event() {
    let mut h = harness();
    open_playback(&mut h);

    // Step to the next event: the checkpoint at 4 h, its node selected.
    h.get_by_label("Next ⏩").click();
    h.run_steps(2);
    assert_eq!(h.state().playback.selected, Some(1));
    assert_eq!(h.state().playback.t_s, 4.0 * HOUR);
    assert!(has_label(&h, "t = 4 h"), "readout follows the step");
    assert!(h.state().state.selection.contains(&Sel::Node("gpu".into())));
    let o = h.state().playback.overlay().cloned().unwrap_or_default();
    assert!(o.is_bottleneck_node(&"gpu".into()), "the event's node is ringed");
    assert_eq!(o.mark_label.as_deref(), Some("Checkpoint"));
    assert_eq!(o.node(&"gpu".into()), Some(0.92), "training's nodes are coloured");
    assert_eq!(o.node(&"cpu".into()), None, "serving has not started");

    // Back to the start, and Previous is clamped there.
    h.get_by_label("⏪ Previous").click();
    h.run_steps(2);
    assert_eq!(h.state().playback.t_s, 0.0);

    // Filter to failures only.
    assert!(
        has_label(&h, "checkpoint 1 written"),
        "every event listed before filtering"
    );
    h.get_by_label("All kinds").click();
    h.run_steps(2);
    h.get_by_label("None").click();
    h.run_steps(2);
    h.get_by_label("Failure").click();
    h.run_steps(2);
    assert_eq!(h.state().playback.visible(), &[2], "only the failure is shown");
    // Close the menu.
    h.key_press(egui::Key::Escape);
    h.run_steps(2);
    assert!(!has_label(&h, "checkpoint 1 written"), "hidden kinds leave the list");

    // Clicking the failure moves the cursor and selects its link.
    h.state_mut().state.selection.clear();
    h.get_by_label_contains("GPU uplink failed").click();
    h.run_steps(2);
    assert_eq!(h.state().playback.t_s, 10.0 * HOUR);
    assert_eq!(h.state().playback.selected, Some(2));
    assert!(
        h.state().state.selection.contains(&Sel::Link("gpu--sw".into())),
        "the event's link is selected on the canvas"
    );
    let o = h.state().playback.overlay().cloned().unwrap_or_default();
    assert!(o.is_bottleneck_link(&"gpu--sw".into()));
    assert!(o.title.starts_with("t = 10 h"), "{}", o.title);

    // With only failures shown there is nothing after it.
    assert!(
        h.get_by_label("Next ⏩").accesskit_node().is_disabled(),
        "Next has nowhere to go"
    );

    // A text filter narrows across kinds too.
    h.get_by_label("Clear").click();
    h.run_steps(2);
    h.state_mut().playback.filter.text = "checkpoint".into();
    h.run_steps(2);
    assert_eq!(h.state().playback.visible(), &[1, 3]);
}

#[test]
fn results_tab_and_playback_tab_paint_different_overlays() {
    let mut h = harness();
    open_playback(&mut h);
    let shown = h.state().canvas_overlay().cloned();
    assert!(shown.is_some(), "the canvas paints the playback moment");
    assert_eq!(shown.as_ref(), h.state().playback.overlay());
    h.get_by_label("Results").click();
    h.run_steps(2);
    assert!(has_label(&h, "A fixed run"));
    // The fixed run has no results overlay; the playback one is not used
    // outside its tab.
    assert!(h.state().canvas_overlay().is_none());
    open_playback(&mut h);
    assert!(
        h.state().canvas_overlay().is_some(),
        "back on the tab, back on the canvas"
    );
}

#[test]
fn a_simulated_preset_plays_back() {
    let Some(preset) = presets::PRESETS.iter().find(|p| p.id == "onprem-finance") else {
        panic!("preset onprem-finance exists");
    };
    let mut app = App::new(AppConfig::headless(
        preset.plan().expect("preset parses"),
        Catalog::builtin(),
    ));
    app.set_results_view(Box::new(clusterforge::ui::results::SimResultsView::new()));
    let mut h = Harness::builder()
        .with_size(SIZE)
        .build_ui_state(|ui, app: &mut App| app.frame_ui(ui), app);
    h.run_steps(3);
    h.get_by_label("Results").click();
    h.run_steps(2);
    h.get_by_label("▶ Run").click();
    let mut done = false;
    for _ in 0..2400 {
        h.run_steps(1);
        if has_label(&h, "Time to train") || has_label(&h, "Simulation failed") {
            done = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(done && !has_label(&h, "Simulation failed"), "the preset simulates");
    open_playback(&mut h);
    assert!(!has_label(&h, "Run a simulation"), "the finished run is picked up");
    let p = &h.state().playback;
    assert!(p.end_s() > 0.0, "the simulator reports a lifecycle timeline");
    assert!(!p.visible().is_empty(), "and an event log");
    assert!(has_label(&h, "t = 0 s"));
    assert!(p.overlay().is_some_and(|o| o.title.starts_with("t = 0 s")));
    // The first stage is running at the start and uses some node.
    assert!(
        p.overlay().is_some_and(|o| !o.nodes.is_empty()),
        "nodes in use at t = 0"
    );
    h.get_by_label("Next ⏩").click();
    h.run_steps(2);
    assert!(h.state().playback.selected.is_some(), "stepped onto an event");
    h.get_by_label("▶ Play").click();
    h.run_steps(4);
    assert!(h.state().playback.t_s > 0.0, "the simulated run plays");
}

#[cfg(feature = "snapshots")]
#[test]
fn snapshot_playback_tab() {
    let mut h = harness();
    open_playback(&mut h);
    // Stand on the failure: the link ringed, training and the legend shown.
    for _ in 0..3 {
        h.get_by_label("Next ⏩").click();
        h.run_steps(2);
    }
    assert_eq!(h.state().playback.selected, Some(3));
    h.state_mut().playback.seek(10.0 * HOUR);
    h.state_mut().playback.selected = Some(2);
    h.hover_at(egui::pos2(800.0, 40.0));
    h.run_steps(4);
    h.snapshot("playback_tab");
}

#[test]
fn the_timeline_zooms_with_the_wheel_and_pages_to_the_cursor() {
    let mut h = harness();
    open_playback(&mut h);
    let timeline = h.get_by_label_contains("Timeline: click or drag").rect();
    let end = 3.0 * DAY;
    assert_eq!(h.state().playback.window, Some(TimeWindow::whole(end)));

    // Wheel up over the middle of the bars zooms in.
    let at = egui::pos2(timeline.center().x + 60.0, timeline.max.y - 6.0);
    h.hover_at(at);
    h.run_steps(1);
    h.event(egui::Event::MouseWheel {
        unit: egui::MouseWheelUnit::Point,
        delta: Vec2::new(0.0, 120.0),
        phase: egui::TouchPhase::Move,
        source: egui::MouseWheelSource::Wheel,
        modifiers: egui::Modifiers::NONE,
    });
    h.run_steps(12);
    let w = h.state().playback.window.expect("a window");
    assert!(w.len_s() < 0.9 * end, "zoomed in: {w:?}");
    assert!(has_label(&h, "Whole run"));
    h.get_by_label("Whole run").click();
    h.run_steps(2);
    assert_eq!(h.state().playback.window, Some(TimeWindow::whole(end)));

    // Stepping to an event outside a zoomed window pages to it.
    let mut narrow = TimeWindow::whole(end);
    narrow.frame(0.0, HOUR, end);
    h.state_mut().playback.window = Some(narrow);
    h.state_mut().playback.seek(0.0);
    h.run_steps(1);
    for _ in 0..2 {
        h.get_by_label("Next ⏩").click();
        h.run_steps(2);
    }
    let w = h.state().playback.window.expect("a window");
    assert_eq!(h.state().playback.t_s, 10.0 * HOUR);
    assert!(
        w.start_s <= 10.0 * HOUR && 10.0 * HOUR <= w.end_s,
        "the cursor is in view: {w:?}"
    );
}

#[test]
fn the_list_follows_the_cursor_through_a_long_log() {
    let mut r = results();
    for k in 0..300 {
        let t = 2.0 * DAY + k as f64 * 60.0;
        r.events.push(ev(
            t,
            "chat",
            EventKind::Transfer,
            Some("cpu"),
            &format!("batch {k} shipped"),
        ));
    }
    let mut app = App::new(AppConfig::headless(plan(), Catalog::builtin()));
    app.set_results_view(Box::new(FixedRun {
        plan: plan(),
        results: r,
    }));
    let mut h = Harness::builder()
        .with_size(SIZE)
        .build_ui_state(|ui, app: &mut App| app.frame_ui(ui), app);
    h.run_steps(3);
    open_playback(&mut h);
    // Only the rows in view exist: the late batches are not drawn yet.
    assert!(has_label(&h, "pretraining starts"));
    assert!(!has_label(&h, "batch 299 shipped"));

    // Playing to the end scrolls the list with the cursor.
    h.state_mut().playback.speed = clusterforge::ui::playback::Speed::WholeRunIn(1.0);
    h.get_by_label("▶ Play").click();
    h.run_steps(30);
    assert!(!h.state().playback.playing, "reached the end");
    assert!(has_label(&h, "serving ends"), "the last event is in view");
    assert!(!has_label(&h, "pretraining starts"), "the first scrolled away");

    // Jumping to the start scrolls back.
    h.get_by_label("⏮ Start").click();
    h.run_steps(3);
    assert!(has_label(&h, "pretraining starts"), "back at the top");
}
