//! First run through the real UI (egui_kittest): the welcome screen, the
//! tour and Help › Keyboard shortcuts. Assertions are on the plan and the
//! app state; one pixel snapshot of the welcome screen.

use clusterforge::model::*;
use clusterforge::report::{self, presets};
use clusterforge::ui::app::{App, AppConfig};
use clusterforge::ui::commands::UiCommand;
use clusterforge::ui::files::Persisted;
use clusterforge::ui::{help, tour};
use egui::{Key, Vec2};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use std::path::PathBuf;

const SIZE: Vec2 = Vec2::new(1600.0, 1000.0);

fn default_plan() -> Plan {
    presets::preset(presets::DEFAULT_PRESET)
        .and_then(|p| p.plan().ok())
        .expect("default preset parses")
}

/// The app as `clusterforge` starts it with no file argument, with the
/// given persisted settings (the default ones = a first run).
fn start(persisted: Persisted) -> Harness<'static, App> {
    let mut config = AppConfig::headless(default_plan(), Catalog::builtin());
    config.persisted = persisted;
    let app = App::new(config);
    let mut h = Harness::builder()
        .with_size(SIZE)
        .build_ui_state(|ui, app: &mut App| app.frame_ui(ui), app);
    h.run_steps(3);
    h
}

fn has_label(h: &Harness<'_, App>, text: &str) -> bool {
    h.query_all_by_label(text).next().is_some()
}

fn click(h: &mut Harness<'_, App>, label: &str) {
    h.get_by_label(label).click();
    h.run_steps(3);
}

fn menu(h: &mut Harness<'_, App>, menu: &str, item: &str) {
    click(h, menu);
    click(h, item);
}

#[test]
fn a_first_run_shows_the_welcome_over_the_default_plan_and_close_keeps_it() {
    let mut h = start(Persisted::default());
    assert!(h.state().help.welcome_open);
    assert!(has_label(&h, "Welcome to ClusterForge"));
    assert!(has_label(&h, "None yet: plans you open or save appear here"));
    for p in presets::PRESETS {
        assert!(has_label(&h, p.title), "card for {}", p.id);
    }
    click(&mut h, "Close");
    assert!(!h.state().help.welcome_open);
    assert!(!has_label(&h, "Welcome to ClusterForge"));
    assert!(
        h.state().state.plan == default_plan(),
        "closing leaves the default plan open"
    );

    // Esc closes it too.
    let mut h = start(Persisted::default());
    h.key_press(Key::Escape);
    h.run_steps(3);
    assert!(!h.state().help.welcome_open, "Esc closes the welcome");
    assert!(h.state().state.plan == default_plan());

    // So does a click outside it (on the dimmed window).
    let mut h = start(Persisted::default());
    let outside = egui::Pos2::new(40.0, SIZE.y - 40.0);
    h.hover_at(outside);
    h.step();
    for pressed in [true, false] {
        h.event(egui::Event::PointerButton {
            pos: outside,
            button: egui::PointerButton::Primary,
            pressed,
            modifiers: egui::Modifiers::NONE,
        });
        h.step();
    }
    h.run_steps(2);
    assert!(!h.state().help.welcome_open, "a click outside closes the welcome");
    assert!(h.state().state.plan == default_plan(), "and changes nothing");
}

#[test]
fn the_headless_config_and_a_plan_on_the_command_line_start_without_the_welcome() {
    let h = start(AppConfig::headless(Plan::default(), Catalog::builtin()).persisted);
    assert!(!h.state().help.welcome_open, "tests and benchmarks see the editor");
    let mut config = AppConfig::headless(default_plan(), Catalog::builtin());
    config.persisted = Persisted::default();
    config.file = Some(PathBuf::from("plan.ron"));
    assert!(
        !App::new(config).help.welcome_open,
        "a file named at start opens without the welcome"
    );
}

#[test]
fn the_welcome_fits_the_smallest_window() {
    let mut config = AppConfig::headless(default_plan(), Catalog::builtin());
    config.persisted = Persisted::default();
    let mut h = Harness::builder()
        .with_size(Vec2::new(900.0, 560.0))
        .build_ui_state(|ui, app: &mut App| app.frame_ui(ui), App::new(config));
    h.run_steps(3);
    let screen = egui::Rect::from_min_size(egui::Pos2::ZERO, Vec2::new(900.0, 560.0));
    for label in ["Close", "📄 Start empty", "Show this screen at start"] {
        let r = h.get_by_label(label).rect();
        assert!(screen.contains_rect(r), "'{label}' at {r:?} is inside the window");
    }
    let first = presets::PRESETS.first().expect("presets");
    let r = h.get_by_label(first.title).rect();
    assert!(
        screen.contains_rect(r),
        "first preset card at {r:?} is inside the window"
    );
}

#[test]
fn clicking_a_preset_card_opens_that_preset() {
    let Some(preset) = presets::PRESETS.iter().find(|p| p.id != presets::DEFAULT_PRESET) else {
        panic!("more than one preset")
    };
    let expected = preset.plan().expect("preset parses");
    let mut h = start(Persisted::default());
    click(&mut h, preset.title);
    assert!(!h.state().help.welcome_open, "the welcome closes");
    let p = &h.state().state.plan;
    assert_eq!(p.name, expected.name);
    assert_eq!(p.nodes.len(), expected.nodes.len());
    assert!(*p == expected, "the whole preset is open");
    assert!(!h.state().state.is_dirty(), "a fresh preset has no unsaved changes");
}

#[test]
fn start_empty_gives_an_empty_plan() {
    let mut h = start(Persisted::default());
    click(&mut h, "📄 Start empty");
    assert!(!h.state().help.welcome_open);
    let p = &h.state().state.plan;
    assert!(p.nodes.is_empty() && p.links.is_empty() && p.sites.is_empty() && p.stages.is_empty());
    assert!(*p == Plan::default());
    assert!(h.state().file.is_none());
}

#[test]
fn with_recent_files_the_welcome_waits_for_help_and_lists_them() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("my-cluster.ron");
    let mut saved = presets::PRESETS
        .iter()
        .find(|p| p.id == "edge-fleet")
        .and_then(|p| p.plan().ok())
        .expect("edge-fleet preset");
    saved.name = "My cluster".into();
    report::save_plan(&path, &saved).expect("save");
    let persisted = Persisted {
        recent: vec![path.clone(), dir.path().join("gone.ron")],
        ..Persisted::default()
    };
    let mut h = start(persisted);
    assert!(!h.state().help.welcome_open, "not a first run: no welcome at start");

    menu(&mut h, "Help", "Welcome");
    assert!(h.state().help.welcome_open, "Help › Welcome opens it");
    assert!(has_label(&h, "🗋 my-cluster.ron"), "recent file listed");
    assert!(has_label(&h, "🗋 gone.ron"), "every recent file listed");
    click(&mut h, "🗋 my-cluster.ron");
    assert!(!h.state().help.welcome_open);
    assert!(h.state().state.plan == saved, "the recent file opened");
    assert_eq!(h.state().file.as_deref(), Some(path.as_path()));
}

#[test]
fn unticking_show_at_start_keeps_the_welcome_away_next_time() {
    let mut h = start(Persisted::default());
    click(&mut h, "Show this screen at start");
    assert!(!h.state().persisted.welcome_at_start);
    let next = start(h.state().persisted.clone());
    assert!(!next.state().help.welcome_open, "not shown at the next start");
}

/// The label of the tour callout's heading for `step`.
fn tour_title(step: usize) -> &'static str {
    tour::STEPS[step].title
}

#[test]
fn the_tour_steps_forward_and_back_sits_by_its_panels_and_ends_with_done_or_esc() {
    let mut h = start(Persisted::default());
    click(&mut h, "ℹ Take the tour");
    assert!(!h.state().help.welcome_open, "the welcome makes way for the tour");
    assert_eq!(h.state().help.tour_step, Some(0));
    assert_eq!(tour::STEPS.len(), 4);

    // Each callout is next to the panel it describes.
    let rects = h.state().help.rects;
    let callout = h.get_by_label(tour_title(0)).rect();
    assert!(
        callout.left() > rects.palette.right(),
        "palette callout right of the palette"
    );
    assert!(callout.right() < rects.inspector.left());
    click(&mut h, "Next");
    assert_eq!(h.state().help.tour_step, Some(1));
    assert!(
        rects.canvas.contains_rect(h.get_by_label(tour_title(1)).rect()),
        "on the canvas"
    );
    click(&mut h, "Back");
    assert_eq!(h.state().help.tour_step, Some(0));
    assert!(has_label(&h, tour_title(0)));
    click(&mut h, "Next");
    click(&mut h, "Next");
    assert_eq!(h.state().help.tour_step, Some(2));
    let callout = h.get_by_label(tour_title(2)).rect();
    assert!(
        callout.right() < rects.inspector.left(),
        "inspector callout left of the inspector"
    );
    h.key_press(Key::ArrowRight);
    h.run_steps(3);
    assert_eq!(h.state().help.tour_step, Some(3), "right arrow is Next");
    let callout = h.get_by_label(tour_title(3)).rect();
    assert!(callout.bottom() < rects.dock.top(), "dock callout above the dock");
    assert!(h.query_by_label("Next").is_none(), "the last step has no Next");
    click(&mut h, "Done");
    assert_eq!(h.state().help.tour_step, None);
    assert!(!has_label(&h, tour_title(3)));

    // Reopened from Help, dismissed with Esc; the plan never changed.
    menu(&mut h, "Help", "Tour");
    assert_eq!(h.state().help.tour_step, Some(0));
    h.key_press(Key::Escape);
    h.run_steps(3);
    assert_eq!(h.state().help.tour_step, None, "Esc ends the tour");
    assert!(h.state().state.plan == default_plan());
}

#[test]
fn keyboard_shortcuts_lists_every_command_that_has_a_shortcut() {
    let mut h = start(Persisted {
        welcome_at_start: false,
        ..Persisted::default()
    });
    h.key_press(Key::F1);
    h.run_steps(3);
    assert!(h.state().help.shortcuts_open, "F1 opens the list");
    let ctx = h.ctx.clone();
    let mut listed = 0;
    for (menu, commands) in UiCommand::MENUS {
        for c in commands.iter().filter(|c| c.shortcut().is_some()) {
            assert!(has_label(&h, c.label()), "{c:?} from {menu} listed");
            let keys = help::shortcut_text(&ctx, *c);
            assert!(has_label(&h, &keys), "{c:?} shows its keys '{keys}'");
            listed += 1;
        }
    }
    assert_eq!(
        listed,
        UiCommand::SHORTCUT_ORDER.len(),
        "every command the app listens for is listed"
    );
    for (gesture, _) in help::GESTURES {
        assert!(has_label(&h, gesture), "gesture '{gesture}' listed");
    }
    h.key_press(Key::Escape);
    h.run_steps(3);
    assert!(!h.state().help.shortcuts_open, "Esc closes it");
    click(&mut h, "Help");
    // The menu entry's name includes its shortcut text.
    h.get_by_label_contains("Keyboard shortcuts").click();
    h.run_steps(3);
    assert!(h.state().help.shortcuts_open, "Help › Keyboard shortcuts opens it");
}

#[cfg(feature = "snapshots")]
#[test]
fn snapshot_welcome_screen() {
    let mut h = start(Persisted::default());
    h.run_steps(2);
    h.snapshot("ui_welcome");
}
