//! The canvas editor driven through its real UI (egui_kittest): palette
//! drops, wiring, moves, clipboard, undo/redo, inspector edits, files and
//! prompts. Assertions are on the plan, not on pixels.

use crate::ui_support::{SIZE, harness_with, harness_with_results, has_label, node, site, small_plan, wait_until};
use clusterforge::model::*;
use clusterforge::report::presets;
use clusterforge::ui::app::{App, AppConfig, Prompt};
use clusterforge::ui::commands::UiCommand;
use egui::{Key, Modifiers, Pos2, Vec2};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

fn node_rect(h: &Harness<'_, App>, id: &str) -> egui::Rect {
    h.state()
        .state
        .node_screen_rect(&NodeId::from(id))
        .expect("node on screen")
}

fn release(h: &Harness<'_, App>, pos: Pos2) {
    h.event(egui::Event::PointerButton {
        pos,
        button: egui::PointerButton::Primary,
        pressed: false,
        modifiers: Modifiers::NONE,
    });
}

/// Press at `from`, move in steps to `to`, release there.
fn drag(h: &mut Harness<'_, App>, from: Pos2, to: Pos2) {
    h.hover_at(from);
    h.step();
    h.drag_at(from);
    h.step();
    for i in 1..=4 {
        let t = i as f32 / 4.0;
        h.hover_at(from + (to - from) * t);
        h.step();
    }
    release(h, to);
    h.step();
    h.step();
}

fn click_at(h: &mut Harness<'_, App>, pos: Pos2) {
    h.hover_at(pos);
    h.step();
    h.drag_at(pos);
    h.step();
    release(h, pos);
    h.step();
    h.step();
}

fn click_node(h: &mut Harness<'_, App>, id: &str) {
    let at = node_rect(h, id).center();
    click_at(h, at);
}

fn plan(h: &Harness<'_, App>) -> Plan {
    h.state().state.plan.clone()
}

#[test]
fn dragging_a_palette_item_creates_a_node_at_the_drop_point() {
    let mut h = harness_with(Plan {
        sites: vec![site("dc")],
        ..Plan::default()
    });
    let catalog = Catalog::builtin();
    let system = catalog
        .systems_of(NodeKind::GpuServer)
        .next()
        .expect("catalog has GPU servers")
        .clone();
    let item = h.get_by_label_contains(&system.name).rect().center();
    let canvas = h.state().state.canvas_rect;
    let drop = canvas.center();
    drag(&mut h, item, drop);
    let p = plan(&h);
    assert_eq!(p.nodes.len(), 1, "one node created");
    let n = &p.nodes[0];
    assert_eq!(n.kind, NodeKind::GpuServer);
    assert_eq!(n.model, system.id);
    assert_eq!(n.site, SiteId::from("dc"));
    let r = node_rect(&h, n.id.as_str());
    assert!(
        r.expand(30.0).contains(drop),
        "node {r:?} is at the drop point {drop:?}"
    );
}

#[test]
fn clicking_a_palette_item_then_the_canvas_places_it() {
    let mut h = harness_with(Plan {
        sites: vec![site("dc")],
        ..Plan::default()
    });
    // Search narrows the palette; the item is then on screen.
    h.get_by_role_and_label(egui::accesskit::Role::TextInput, "Search hardware")
        .focus();
    h.run_steps(1);
    h.get_by_role_and_label(egui::accesskit::Role::TextInput, "Search hardware")
        .type_text("request");
    h.run_steps(2);
    assert!(
        h.query_by_label_contains("GPU server").is_none(),
        "search hides other items"
    );
    h.get_by_label_contains("Request source").click();
    h.run_steps(2);
    assert!(h.state().canvas.armed.is_some(), "click arms the palette item");
    let at = h.state().state.canvas_rect.center() + Vec2::new(-100.0, 50.0);
    click_at(&mut h, at);
    let p = plan(&h);
    assert_eq!(p.nodes.len(), 1);
    assert_eq!(p.nodes[0].kind, NodeKind::RequestSource);
}

#[test]
fn connecting_two_ports_creates_a_link_and_an_invalid_one_is_refused() {
    let mut h = harness_with(small_plan("Small"));
    let before = plan(&h);
    // cpu (right port) to switch: several media fit, a picker appears.
    let from = node_rect(&h, "cpu").right_center();
    let to = node_rect(&h, "sw").center();
    drag(&mut h, from, to);
    assert!(h.state().canvas.medium_choice.is_some(), "medium picker shown");
    assert_eq!(
        plan(&h).links.len(),
        before.links.len(),
        "nothing created before a medium is picked"
    );
    h.get_by_label_contains("InfiniBand NDR  ·").click();
    h.run_steps(2);
    let p = plan(&h);
    assert_eq!(p.links.len(), 2);
    let l = p.links.last().expect("new link");
    assert_eq!(
        (l.from.as_str(), l.to.as_str(), l.medium),
        ("cpu", "sw", Medium::InfinibandNdr)
    );

    // gpu and switch are already linked: refused, with the reason.
    let from = node_rect(&h, "gpu").right_center();
    let to = node_rect(&h, "sw").center();
    drag(&mut h, from, to);
    assert_eq!(plan(&h), p, "refused link changes nothing");
    let toast = h.state().canvas.toast.clone().map(|t| t.0).unwrap_or_default();
    assert!(toast.contains("already linked"), "reason shown: {toast}");
}

#[test]
fn a_wire_dropped_on_empty_canvas_offers_quick_add() {
    let mut h = harness_with(small_plan("Small"));
    let from = node_rect(&h, "cpu").right_center();
    let to = from + Vec2::new(250.0, 120.0);
    drag(&mut h, from, to);
    assert!(h.state().canvas.quick_add.is_some(), "quick-add menu shown");
    h.get_by_label_contains("Object store").click();
    h.run_steps(2);
    let p = plan(&h);
    assert_eq!(p.nodes.len(), 4);
    let new = p.nodes.last().expect("new node");
    assert_eq!(new.kind, NodeKind::ObjectStore);
    assert!(p.links.iter().any(|l| l.from.as_str() == "cpu" && l.to == new.id));
}

#[test]
fn move_is_one_undo_step_and_snaps_to_the_grid() {
    let mut h = harness_with(small_plan("Small"));
    let before = plan(&h);
    let r = node_rect(&h, "cpu");
    drag(&mut h, r.center(), r.center() + Vec2::new(150.0, 70.0));
    let p = plan(&h);
    let n = p.node(&"cpu".into()).expect("cpu");
    assert_ne!(n.pos, (0.0, 240.0), "moved");
    assert_eq!(n.pos.0 % 20.0, 0.0, "snapped x");
    assert_eq!(n.pos.1 % 20.0, 0.0, "snapped y");
    h.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    h.run_steps(2);
    assert_eq!(plan(&h), before, "one undo restores the plan before the whole drag");
}

#[test]
fn delete_duplicate_copy_and_paste() {
    let mut h = harness_with(small_plan("Small"));
    // Select gpu and delete it: its link goes too.
    click_node(&mut h, "gpu");
    assert!(h.state().state.selected_nodes() == vec![NodeId::from("gpu")]);
    h.key_press(Key::Delete);
    h.run_steps(2);
    let p = plan(&h);
    assert!(p.node(&"gpu".into()).is_none());
    assert!(p.links.is_empty(), "links of a deleted node are deleted");

    // Duplicate the switch.
    click_node(&mut h, "sw");
    h.key_press_modifiers(Modifiers::COMMAND, Key::D);
    h.run_steps(2);
    let p = plan(&h);
    assert_eq!(p.nodes.len(), 3);
    let dup = p.nodes.last().expect("duplicate");
    assert_ne!(dup.id, NodeId::from("sw"));
    assert_eq!(dup.kind, NodeKind::Switch);
    assert_eq!(dup.pos, (440.0, 40.0));

    // Copy the cpu, paste it.
    click_node(&mut h, "cpu");
    h.key_press_modifiers(Modifiers::COMMAND, Key::C);
    h.run_steps(1);
    let copied = h
        .state()
        .clipboard_text()
        .expect("copy puts text on the clipboard")
        .to_owned();
    assert!(copied.contains("CpuServer"));
    h.key_press_modifiers(Modifiers::COMMAND, Key::V);
    h.run_steps(2);
    assert_eq!(plan(&h).nodes.len(), 4);

    // Paste the same text into another plan (the system clipboard route).
    let mut other = harness_with(Plan {
        name: "Other".into(),
        sites: vec![site("elsewhere")],
        ..Plan::default()
    });
    other.event(egui::Event::Paste(copied));
    other.run_steps(2);
    let q = plan(&other);
    assert_eq!(q.nodes.len(), 1);
    assert_eq!(q.nodes[0].kind, NodeKind::CpuServer);
    assert!(q.site(&q.nodes[0].site).is_some(), "pasted into an existing site");
}

#[test]
fn undo_and_redo_restore_exact_plans() {
    let mut h = harness_with(small_plan("Small"));
    let mut history = vec![plan(&h)];
    let r = node_rect(&h, "sw");
    drag(&mut h, r.center(), r.center() + Vec2::new(60.0, 200.0));
    history.push(plan(&h));
    click_node(&mut h, "gpu");
    h.key_press_modifiers(Modifiers::COMMAND, Key::D);
    h.run_steps(2);
    history.push(plan(&h));
    h.key_press(Key::Delete);
    h.run_steps(2);
    history.push(plan(&h));
    assert!(history.windows(2).all(|w| w[0] != w[1]), "each step changed the plan");
    for expected in history.iter().rev().skip(1) {
        h.key_press_modifiers(Modifiers::COMMAND, Key::Z);
        h.run_steps(2);
        assert_eq!(&plan(&h), expected);
    }
    for (i, expected) in history.iter().enumerate().skip(1) {
        if i % 2 == 0 {
            h.key_press_modifiers(Modifiers::COMMAND, Key::Y);
        } else {
            h.key_press_modifiers(Modifiers::COMMAND | Modifiers::SHIFT, Key::Z);
        }
        h.run_steps(2);
        assert_eq!(&plan(&h), expected);
    }
}

#[test]
fn an_inspector_edit_changes_the_plan_and_undoes_in_one_step() {
    let mut h = harness_with(small_plan("Small"));
    let before = plan(&h);
    click_node(&mut h, "gpu");
    let field = h.get_by_role_and_label(egui::accesskit::Role::TextInput, "Name");
    field.focus();
    h.run_steps(1);
    h.get_by_role_and_label(egui::accesskit::Role::TextInput, "Name")
        .type_text(" east");
    h.run_steps(3);
    assert_eq!(
        plan(&h).node(&"gpu".into()).map(|n| n.name.clone()),
        Some("GPU east".into())
    );
    // Typing is one undo step; leave the field first so Ctrl+Z reaches the editor.
    h.key_press(Key::Escape);
    h.run_steps(1);
    h.state_mut().state.undo();
    h.run_steps(1);
    assert_eq!(plan(&h), before);
}

#[test]
fn cost_utilization_is_edited_as_a_percentage_and_undoes() {
    use egui::accesskit::Role;
    let mut h = harness_with(small_plan("Small"));
    let before = plan(&h);
    assert_eq!(before.settings.tco_utilization, 0.7, "the default");
    // Nothing selected: the inspector shows the plan settings.
    h.get_by_role_and_label(Role::SpinButton, "Cost utilization").click();
    h.run_steps(2);
    // Clicking enters the value as text, all selected: typing replaces it
    // (the text field keeps the spin button's role).
    h.get_by_role_and_label(Role::SpinButton, "Cost utilization")
        .type_text("40");
    h.run_steps(1);
    h.key_press(Key::Enter);
    h.run_steps(3);
    let after = plan(&h);
    assert!(
        (after.settings.tco_utilization - 0.4).abs() < 1e-12,
        "40 % is stored as 0.4, got {}",
        after.settings.tco_utilization
    );
    assert_eq!(
        Plan {
            settings: before.settings.clone(),
            ..after
        },
        before,
        "only the utilization changed"
    );
    h.state_mut().state.undo();
    h.run_steps(2);
    assert_eq!(plan(&h), before, "one undo restores 70 %");
}

#[test]
fn save_then_open_round_trips_through_the_path_prompt() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("saved.ron");
    let mut h = harness_with(small_plan("Small"));
    // Make the document dirty, then save: no dialog service → path prompt.
    click_node(&mut h, "cpu");
    h.key_press_modifiers(Modifiers::COMMAND, Key::D);
    h.run_steps(2);
    assert!(h.state().state.is_dirty());
    h.key_press_modifiers(Modifiers::COMMAND, Key::S);
    wait_for_prompt(&mut h);
    set_path_and_confirm(&mut h, &path, "Save");
    assert!(path.exists(), "file written");
    assert!(!h.state().state.is_dirty(), "saved");
    assert!(
        h.state().title().starts_with("saved.ron —"),
        "title names the file: {}",
        h.state().title()
    );
    let saved = plan(&h);

    let mut other = harness_with(Plan::default());
    other.key_press_modifiers(Modifiers::COMMAND, Key::O);
    wait_for_prompt(&mut other);
    set_path_and_confirm(&mut other, &path, "Open");
    assert_eq!(plan(&other), saved, "Open reads back exactly what Save wrote");
    assert_eq!(other.state().file.as_deref(), Some(path.as_path()));
    assert_eq!(
        other.state().persisted.recent.first().map(|p| p.as_path()),
        Some(path.as_path())
    );
}

fn wait_for_prompt(h: &mut Harness<'_, App>) {
    for _ in 0..100 {
        h.step();
        if matches!(h.state().prompt, Some(Prompt::Path { .. })) {
            h.run_steps(2);
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    panic!("the in-app path prompt did not appear");
}

fn set_path_and_confirm(h: &mut Harness<'_, App>, path: &std::path::Path, button: &str) {
    h.get_by_role_and_label(egui::accesskit::Role::TextInput, "File path")
        .focus();
    h.run_steps(1);
    h.key_press_modifiers(Modifiers::COMMAND, Key::A);
    h.run_steps(1);
    h.get_by_role_and_label(egui::accesskit::Role::TextInput, "File path")
        .type_text(&path.display().to_string());
    h.run_steps(2);
    h.get_by_label(button).click();
    h.run_steps(3);
}

#[test]
fn the_unsaved_changes_prompt_appears_before_discarding() {
    let mut h = harness_with(small_plan("Small"));
    click_node(&mut h, "cpu");
    h.key_press(Key::Delete);
    h.run_steps(2);
    let edited = plan(&h);
    assert!(h.state().title().contains('•'), "unsaved mark in the title");
    h.key_press_modifiers(Modifiers::COMMAND, Key::N);
    h.run_steps(2);
    assert!(h.query_by_label("Save changes?").is_some(), "prompt shown");
    h.get_by_label("Cancel").click();
    h.run_steps(2);
    assert_eq!(plan(&h), edited, "cancel keeps the plan");
    h.key_press_modifiers(Modifiers::COMMAND, Key::N);
    h.run_steps(2);
    h.get_by_label("Don't save").click();
    h.run_steps(2);
    assert_eq!(plan(&h), Plan::default(), "new plan after discarding");
    assert!(!h.state().state.is_dirty());
}

#[test]
fn a_plan_opened_from_a_png_report_is_never_saved_over_the_report() {
    let dir = tempfile::tempdir().expect("temp dir");
    let report_path = dir.path().join("report.png");
    let small = small_plan("Small");
    let png = clusterforge::report::png::encode_rgb_with_plan(
        1,
        1,
        &[255, 255, 255],
        &clusterforge::report::plan_to_ron(&small),
    )
    .expect("png");
    std::fs::write(&report_path, &png).expect("write report");
    let mut h = harness_with(Plan::default());
    h.key_press_modifiers(Modifiers::COMMAND, Key::O);
    wait_for_prompt(&mut h);
    set_path_and_confirm(&mut h, &report_path, "Open");
    assert_eq!(plan(&h).name, "Small", "the report's plan opened");
    assert_eq!(h.state().file, None, "the report is not the plan's file");
    h.run_steps(2);
    assert!(
        h.state()
            .canvas
            .toast
            .as_ref()
            .is_some_and(|(t, _)| t.contains("Save asks for a new .ron file")),
        "the user is told"
    );
    click_node(&mut h, "cpu");
    h.key_press(Key::Delete);
    h.run_steps(2);
    h.key_press_modifiers(Modifiers::COMMAND, Key::S);
    wait_for_prompt(&mut h);
    assert!(
        matches!(
            h.state().prompt,
            Some(Prompt::Path {
                purpose: clusterforge::ui::files::DialogPurpose::SaveAs,
                ..
            })
        ),
        "Save asks where to write the plan"
    );
    // Even a path typed as .png gets plan text only under a .ron name.
    set_path_and_confirm(&mut h, &report_path, "Save");
    assert_eq!(
        std::fs::read(&report_path).expect("report"),
        png,
        "the report is untouched"
    );
    let ron = dir.path().join("report.ron");
    assert_eq!(clusterforge::report::load_plan(&ron).expect("saved as .ron"), plan(&h));
    assert_eq!(h.state().file.as_deref(), Some(ron.as_path()));
}

#[test]
fn dont_save_then_a_failed_open_keeps_the_edits_unsaved() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut h = harness_with(small_plan("Small"));
    click_node(&mut h, "cpu");
    h.key_press(Key::Delete);
    h.run_steps(2);
    let edited = plan(&h);
    h.key_press_modifiers(Modifiers::COMMAND, Key::O);
    h.run_steps(2);
    h.get_by_label("Don't save").click();
    wait_for_prompt(&mut h);
    set_path_and_confirm(&mut h, &dir.path().join("missing.ron"), "Open");
    assert!(
        matches!(h.state().prompt, Some(Prompt::Error(_))),
        "the failure is said"
    );
    assert_eq!(plan(&h), edited, "the edited plan stays");
    assert!(h.state().state.is_dirty(), "and stays marked unsaved");
    assert!(h.state().title().contains('•'), "unsaved mark in the title");
}

#[test]
fn autosave_is_offered_back_after_a_crash() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut config = AppConfig::headless(small_plan("Small"), Catalog::builtin());
    config.recovery_dir = Some(dir.path().to_path_buf());
    let mut app = App::new(config);
    assert!(app.prompt.is_none());
    app.state
        .apply(clusterforge::model::edit::Edit::Delete(vec![
            clusterforge::ui::state::Sel::Node("cpu".into()),
        ]))
        .expect("edit");
    app.autosave_now().expect("autosave");
    drop(app); // a crash: no clean exit

    let mut config = AppConfig::headless(Plan::default(), Catalog::builtin());
    config.recovery_dir = Some(dir.path().to_path_buf());
    let app = App::new(config);
    let mut h = Harness::builder()
        .with_size(SIZE)
        .build_ui_state(|ui, app: &mut App| app.frame_ui(ui), app);
    h.run_steps(2);
    assert!(h.query_by_label("Recover unsaved work?").is_some());
    h.get_by_label("Recover").click();
    h.run_steps(2);
    assert!(plan(&h).node(&"cpu".into()).is_none(), "recovered the edited plan");
    assert!(h.state().state.is_dirty(), "recovered work is unsaved");
}

#[test]
fn clicking_a_problem_focuses_its_node() {
    let mut p = small_plan("Small");
    p.nodes[2].count = 0; // error on cpu
    let mut h = harness_with(p);
    h.get_by_label_contains("has a count of 0").click();
    h.run_steps(2);
    assert_eq!(h.state().state.selected_nodes(), vec![NodeId::from("cpu")]);
}

#[test]
fn presets_open_from_the_gallery() {
    let Some(first) = presets::PRESETS.first() else { return };
    let mut h = harness_with(Plan::default());
    h.state_mut().prompt = Some(Prompt::Presets);
    h.run_steps(2);
    let b = h.get_by_label(first.title);
    b.click();
    h.run_steps(2);
    assert!(plan(&h) == first.plan().expect("preset parses"), "preset opened");
}

#[cfg(feature = "snapshots")]
#[test]
fn snapshot_main_window_with_each_preset() {
    let mut results = egui_kittest::SnapshotResults::new();
    for preset in presets::PRESETS {
        let plan = preset.plan().expect("preset parses");
        let mut h = harness_with(plan);
        h.run_steps(2);
        h.snapshot(format!("ui_{}", preset.id));
        results.extend_harness(&mut h);
    }
}

#[cfg(feature = "snapshots")]
#[test]
fn snapshot_light_theme_at_2x() {
    let Some(preset) = presets::PRESETS.first() else { return };
    let mut app = App::new(AppConfig::headless(
        preset.plan().expect("preset parses"),
        Catalog::builtin(),
    ));
    app.persisted.dark = false;
    let mut h = Harness::builder()
        .with_size(SIZE)
        .with_pixels_per_point(2.0)
        .build_ui_state(|ui, app: &mut App| app.frame_ui(ui), app);
    h.run_steps(4);
    h.snapshot("ui_light_2x");
}

#[test]
fn dropping_a_node_on_a_link_inserts_it() {
    let mut p = small_plan("Small");
    // A free switch below the gpu--sw link.
    let mut free = node("sw2", NodeKind::Switch, &p.nodes[1].model.clone(), (200.0, 400.0));
    free.count = 4;
    p.nodes.push(free);
    let mut h = harness_with(p);
    let a = node_rect(&h, "gpu").right_center();
    let b = node_rect(&h, "sw").left_center();
    let mid = a + (b - a) / 2.0;
    let r = node_rect(&h, "sw2");
    // Grab the card near its top-left so the pointer ends on the link.
    let grab = r.min + Vec2::new(30.0, 20.0);
    drag(&mut h, grab, mid);
    let q = plan(&h);
    assert!(q.link(&"gpu--sw".into()).is_none(), "old link replaced");
    let ends: Vec<(&str, &str)> = q.links.iter().map(|l| (l.from.as_str(), l.to.as_str())).collect();
    assert!(
        ends.contains(&("gpu", "sw2")) && ends.contains(&("sw2", "sw")),
        "{ends:?}"
    );
    h.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    h.run_steps(2);
    assert!(
        plan(&h).link(&"gpu--sw".into()).is_some(),
        "move and insert undo together"
    );
}

#[test]
fn dragging_a_node_into_another_site_moves_it_there() {
    let mut p = small_plan("Small");
    p.sites.push(site("dc2"));
    let mut far = node("far", NodeKind::CpuServer, "", (900.0, 0.0));
    far.site = "dc2".into();
    p.nodes.push(far);
    let mut h = harness_with(p);
    let from = node_rect(&h, "cpu").center();
    let to = node_rect(&h, "far").center() + Vec2::new(0.0, 20.0);
    drag(&mut h, from, to);
    assert_eq!(
        plan(&h).node(&"cpu".into()).map(|n| n.site.clone()),
        Some(SiteId::from("dc2"))
    );
}

#[test]
fn shift_drag_selects_with_a_rubber_band_and_nodes_align() {
    let mut h = harness_with(small_plan("Small"));
    let canvas = h.state().state.canvas_rect;
    let a = node_rect(&h, "gpu");
    let c = node_rect(&h, "cpu");
    h.event(egui::Event::ModifiersChanged(Modifiers::SHIFT));
    drag(
        &mut h,
        a.min - Vec2::splat(20.0),
        Pos2::new(c.max.x + 20.0, c.max.y + 20.0).min(canvas.max),
    );
    h.event(egui::Event::ModifiersChanged(Modifiers::NONE));
    h.run_steps(1);
    let sel = h.state().state.selected_nodes();
    assert_eq!(
        sel,
        vec![NodeId::from("cpu"), NodeId::from("gpu")],
        "band selects the two left nodes"
    );
    h.get_by_label("Arrange").click();
    h.run_steps(2);
    h.get_by_label("Align top edges").click();
    h.run_steps(2);
    let p = plan(&h);
    let y = |id: &str| p.node(&id.into()).map(|n| n.pos.1);
    assert_eq!(y("gpu"), y("cpu"), "aligned");
}

#[test]
fn a_stage_is_added_and_placed_from_the_workloads_panel() {
    let mut h = harness_with(small_plan("Small"));
    click_node(&mut h, "gpu");
    h.get_by_label("▶ Workloads").click();
    h.run_steps(2);
    h.get_by_label("➕ Add stage").click();
    h.run_steps(2);
    h.get_by_label("Train").click();
    h.run_steps(2);
    let p = plan(&h);
    assert_eq!(p.stages.len(), 1);
    assert_eq!(p.stages[0].placement, vec![NodeId::from("gpu")]);
    assert!(matches!(p.stages[0].kind, StageKind::Train(_)));
}

#[test]
fn closing_with_unsaved_changes_asks_first() {
    let mut h = harness_with(small_plan("Small"));
    click_node(&mut h, "cpu");
    h.key_press(Key::Delete);
    h.run_steps(2);
    h.input_mut()
        .viewports
        .entry(egui::ViewportId::ROOT)
        .or_default()
        .events
        .push(egui::ViewportEvent::Close);
    h.run_steps(2);
    assert!(
        h.query_by_label("Save changes?").is_some(),
        "close is held back by the prompt"
    );
    assert!(
        h.query_by_label_contains("before closing").is_some(),
        "the prompt says what happens next"
    );
}

// ───────────────────────────── results tab ─────────────────────────────

#[test]
fn running_a_preset_shows_results_and_an_edit_marks_them_stale() {
    let Some(preset) = presets::PRESETS.iter().find(|p| p.id == "onprem-finance") else {
        panic!("preset onprem-finance exists");
    };
    let mut h = harness_with_results(Plan::default());
    h.state_mut().prompt = Some(Prompt::Presets);
    h.run_steps(2);
    h.get_by_label(preset.title).click();
    h.run_steps(2);
    assert!(plan(&h) == preset.plan().expect("preset parses"), "preset opened");

    h.get_by_label("Results").click();
    h.run_steps(2);
    // Auto re-run is on: the opened plan simulates without pressing Run;
    // Run simulates it again.
    h.get_by_label("▶ Run").click();
    h.run_steps(1);
    assert!(
        wait_until(&mut h, |h| has_label(h, "Time to train")
            || has_label(h, "Simulation failed")),
        "the run finished in time"
    );
    assert!(!has_label(&h, "Simulation failed"), "the preset simulates");
    assert!(has_label(&h, "Iteration time by cause"), "training breakdown shown");

    // The canvas shows the run: every coloured node and link is one of the
    // plan's, the training servers are busy, and the bottleneck is ringed.
    {
        let app = h.state();
        let o = app.canvas_overlay().expect("a finished run colours the canvas");
        assert!(!o.nodes.is_empty() && !o.links.is_empty(), "nodes and links coloured");
        for id in o.nodes.keys() {
            assert!(app.state.plan.node(id).is_some(), "overlay node {id} is in the plan");
        }
        for id in o.links.keys() {
            assert!(app.state.plan.link(id).is_some(), "overlay link {id} is in the plan");
        }
        assert!(
            o.nodes.values().all(|u| (0.0..=1.0).contains(u)),
            "busy fractions in 0..1"
        );
        assert!(o.bottleneck.is_some(), "the bottleneck is marked");
    }
    // View > Results on canvas turns the colours off.
    h.get_by_label("View").click();
    h.run_steps(2);
    h.get_by_label("Results on canvas").click();
    h.run_steps(2);
    assert!(
        h.state().canvas_overlay().is_none(),
        "overlay hidden from the View menu"
    );
    h.state_mut().canvas.show_overlay = true;
    h.run_steps(1);

    h.get_by_label("Tables").click();
    h.run_steps(2);
    assert!(has_label(&h, "Mean busy %"), "utilization table shown");
    h.get_by_label("Overview").click();
    h.run_steps(2);
    assert!(!has_label(&h, "Stale"), "fresh results are not stale");

    // An edit marks the results stale at once; the automatic re-run clears it.
    h.state_mut().state.plan.name.push_str(" (edited)");
    h.run_steps(2);
    assert!(has_label(&h, "Stale"), "edited plan marks results stale");
    assert!(
        wait_until(&mut h, |h| !has_label(h, "Stale") && has_label(h, "Time to train")),
        "the debounced re-run refreshed the results"
    );
}

#[test]
fn cancel_stops_a_run_and_errors_are_shown_not_crashes() {
    let Some(preset) = presets::PRESETS.iter().find(|p| p.id == "hybrid-enterprise") else {
        panic!("preset hybrid-enterprise exists");
    };
    let mut h = harness_with_results(preset.plan().expect("preset parses"));
    h.get_by_label("Results").click();
    h.run_steps(2);
    h.get_by_label("▶ Run").click();
    h.run_steps(1);
    // This preset takes over a second to simulate in a debug build.
    assert!(has_label(&h, "Cancel"), "a run in progress offers Cancel");
    h.get_by_label("Cancel").click();
    h.run_steps(2);
    assert!(has_label(&h, "Cancelled"), "cancel is acknowledged");
    assert!(!has_label(&h, "Time to train"), "a cancelled run shows no results");
    assert!(has_label(&h, "Press Run"), "nothing was simulated");

    // A plan with a validation error: a red message, not a panic.
    let mut broken = preset.plan().expect("preset parses");
    if let Some(n) = broken.nodes.first_mut() {
        n.count = 0;
    }
    let mut h = harness_with_results(broken);
    h.get_by_label("Results").click();
    h.run_steps(2);
    h.get_by_label("▶ Run").click();
    assert!(
        wait_until(&mut h, |h| has_label(h, "Simulation failed")),
        "the error is reported"
    );
}

#[test]
fn an_opened_plan_simulates_by_itself_with_auto_rerun_and_f5_runs_it() {
    let plan = presets::preset("onprem-finance")
        .and_then(|p| p.plan().ok())
        .expect("preset");
    let mut h = harness_with_results(plan);
    // The Problems tab shows; the run happens anyway.
    assert!(
        wait_until(&mut h, |h| h
            .state()
            .last_run()
            .is_some_and(|(p, _)| *p == h.state().state.plan)),
        "auto re-run simulates the opened plan without the Results tab"
    );
    h.key_press(Key::F5);
    h.run_steps(2);
    assert_eq!(
        h.state().dock_tab(),
        clusterforge::ui::app::DockTab::Results,
        "F5 shows the run"
    );
    assert!(
        UiCommand::MENUS
            .iter()
            .any(|(menu, list)| *menu == "Run" && list.contains(&UiCommand::Run)),
        "Run is listed in the shortcuts window"
    );
    // And the menu bar has it.
    h.state_mut().dock_tab_problems();
    h.run_steps(1);
    h.get_by_label("Run").click();
    h.run_steps(2);
    h.get_by_label_contains("Run simulation").click();
    h.run_steps(2);
    assert_eq!(
        h.state().dock_tab(),
        clusterforge::ui::app::DockTab::Results,
        "Run › Run simulation shows the run"
    );
}

#[test]
fn opening_another_plan_never_paints_the_old_plans_results() {
    let plan = presets::preset("onprem-finance")
        .and_then(|p| p.plan().ok())
        .expect("preset");
    let mut h = harness_with_results(plan);
    assert!(
        wait_until(&mut h, |h| h.state().canvas_overlay().is_some()),
        "the first plan's run colours the canvas"
    );
    let Some(other) = presets::PRESETS.iter().find(|p| p.id == "cloud-startup") else {
        panic!("preset cloud-startup exists");
    };
    h.state_mut().prompt = Some(Prompt::Presets);
    h.run_steps(2);
    h.get_by_label(other.title).click();
    h.run_steps(1);
    let in_plan = |h: &Harness<'_, App>| {
        let app = h.state();
        app.canvas_overlay().is_none_or(|o| {
            o.nodes.keys().all(|id| app.state.plan.node(id).is_some())
                && o.links.keys().all(|id| app.state.plan.link(id).is_some())
        })
    };
    assert!(in_plan(&h), "no colour or name of the old plan right after opening");
    assert!(
        wait_until(&mut h, |h| h.state().canvas_overlay().is_some()),
        "the new plan simulates by itself"
    );
    assert!(in_plan(&h), "the colours are the new plan's");
}

#[test]
fn export_report_from_the_file_menu_waits_for_a_run_of_the_current_plan() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("report.png");
    let plan = presets::preset("onprem-finance")
        .and_then(|p| p.plan().ok())
        .expect("preset");
    let mut app = App::new(AppConfig::headless(plan, Catalog::builtin()));
    let mut view = clusterforge::ui::results::SimResultsView::new();
    view.auto_run = false;
    app.set_results_view(Box::new(view));
    let mut h = Harness::builder()
        .with_size(SIZE)
        .build_ui_state(|ui, app: &mut App| app.frame_ui(ui), app);
    h.run_steps(2);
    assert!(h.state().last_run().is_none(), "nothing simulated yet");
    let ctx = h.ctx.clone();
    h.state_mut()
        .export_to(&ctx, clusterforge::ui::files::ExportKind::ReportPng, out.clone());
    assert!(
        wait_until(&mut h, |_| out.exists()),
        "the report is written once the run ends"
    );
    let (simulated, _) = h.state().last_run().expect("the export ran the plan");
    assert_eq!(simulated, &h.state().state.plan, "results of the plan on screen");
    assert!(
        h.state()
            .canvas
            .toast
            .as_ref()
            .is_some_and(|(t, _)| t.contains("wrote")),
        "the write is said"
    );
}

#[test]
fn export_report_writes_a_png_next_to_the_plan() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    let plan_file = dir.join("plan.ron");
    let mut app = App::new(AppConfig::headless(small_plan("Small"), Catalog::builtin()));
    app.set_results_view(Box::new(clusterforge::ui::results::SimResultsView::with_plan_file(
        Some(&plan_file),
    )));
    let mut h = Harness::builder()
        .with_size(SIZE)
        .build_ui_state(|ui, app: &mut App| app.frame_ui(ui), app);
    h.run_steps(3);
    h.get_by_label("Results").click();
    h.run_steps(2);
    h.get_by_label("Export report…").click();
    h.run_steps(2);
    let out = dir.join("plan-report.png");
    let bytes = std::fs::read(&out).expect("report written");
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "a PNG");
    assert!(has_label(&h, "wrote "), "success is reported");
}

/// Issue 17: Fit keeps every node clear of the results legend (top-left)
/// and the minimap (bottom-right), and a resize refits until the user moves
/// the view themselves.
#[test]
fn fit_keeps_nodes_clear_of_legend_and_minimap_and_follows_resizes() {
    let plan = presets::preset("onprem-finance").unwrap().plan().unwrap();
    let mut h = harness_with_results(plan.clone());
    // The Results tab takes half the window: a short, wide canvas.
    h.get_by_label("Results").click();
    h.run_steps(3);
    // Auto re-run paints the overlay (and its legend) once the run is in.
    assert!(
        wait_until(&mut h, |h| h.state().state.corner_boxes.0.y > 0.0),
        "the legend is shown after the first run"
    );
    h.run_steps(3);
    let clear = |h: &Harness<'_, App>| {
        let s = &h.state().state;
        // The legend and the minimap as drawn last frame.
        let (legend, minimap) = s.corner_boxes;
        let legend = egui::Rect::from_min_size(s.canvas_rect.min, legend);
        let minimap = egui::Rect::from_min_max(s.canvas_rect.max - minimap, s.canvas_rect.max);
        plan.nodes.iter().all(|n| {
            let r = s.node_screen_rect(&n.id).expect("on screen");
            !r.intersects(legend) && !r.intersects(minimap) && s.canvas_rect.contains_rect(r)
        })
    };
    assert!(
        clear(&h),
        "after the legend appeared, every node is below it and above the minimap"
    );
    assert!(!h.state().state.camera_touched);
    // A smaller window: the plan is refitted into it.
    let zoom_before = h.state().state.camera.zoom;
    h.set_size(Vec2::new(1024.0, 700.0));
    h.run_steps(4);
    assert!(
        h.state().state.camera.zoom < zoom_before,
        "refitted to the smaller window"
    );
    assert!(clear(&h), "still clear of legend and minimap at 1024×700");
    // Once the user zooms, a resize keeps their view.
    h.state_mut().run_command(&egui::Context::default(), UiCommand::ZoomIn);
    let zoomed = h.state().state.camera;
    h.set_size(SIZE);
    h.run_steps(4);
    assert_eq!(h.state().state.camera, zoomed, "a resize keeps a view the user chose");
}

/// Issue 17 polish: Edit › Cut (and Ctrl+X) copies and deletes in one undo
/// step; Ctrl+R runs like F5; File › Quit has Ctrl+Q.
#[test]
fn cut_copies_and_deletes_in_one_undo_step_and_ctrl_r_runs() {
    let mut h = harness_with(small_plan("Small"));
    let before = plan(&h);
    click_node(&mut h, "cpu");
    h.get_by_label("Edit").click();
    h.run_steps(2);
    h.get_by_label_contains("Cut").click();
    h.run_steps(2);
    assert!(plan(&h).node(&"cpu".into()).is_none(), "cut deletes the node");
    assert!(
        h.state().clipboard_text().is_some_and(|t| t.contains("CpuServer")),
        "and copies it"
    );
    h.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    h.run_steps(2);
    assert_eq!(plan(&h), before, "one undo restores it");
    // The system route: egui turns Ctrl+X into a Cut event.
    click_node(&mut h, "cpu");
    h.event(egui::Event::Cut);
    h.run_steps(2);
    assert!(plan(&h).node(&"cpu".into()).is_none());
    assert_eq!(UiCommand::Quit.shortcut().map(|s| s.logical_key), Some(Key::Q));
    assert_eq!(UiCommand::Run.alternate_shortcut().map(|s| s.logical_key), Some(Key::R));
    assert!(UiCommand::EDIT.contains(&UiCommand::Cut));

    let plan = presets::preset("data-lake-pipeline").unwrap().plan().unwrap();
    let mut app = App::new(AppConfig::headless(plan, Catalog::builtin()));
    let mut view = clusterforge::ui::results::SimResultsView::new();
    view.auto_run = false;
    app.set_results_view(Box::new(view));
    let mut h = crate::ui_support::harness_for(app);
    h.run_steps(5);
    assert!(
        h.state().last_run().is_none(),
        "nothing runs by itself with Auto re-run off"
    );
    h.key_press_modifiers(Modifiers::COMMAND, Key::R);
    assert!(
        wait_until(&mut h, |h| h.state().last_run().is_some()),
        "Ctrl+R runs the simulation"
    );
}

/// Issue 17 item 1: undoing back to the saved plan clears the unsaved mark;
/// redoing sets it again; an edit after undo is a new, unsaved state.
#[test]
fn undo_back_to_the_saved_plan_is_clean_again() {
    let mut h = harness_with(small_plan("Small"));
    assert!(!h.state().state.is_dirty());
    click_node(&mut h, "cpu");
    h.key_press(Key::Delete);
    h.run_steps(2);
    assert!(h.state().state.is_dirty(), "an edit makes it unsaved");
    assert!(has_label(&h, "Unsaved changes"));
    h.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    h.run_steps(2);
    assert!(!h.state().state.is_dirty(), "undo back to the saved plan is clean");
    assert!(has_label(&h, "Saved"));
    h.key_press_modifiers(Modifiers::COMMAND | Modifiers::SHIFT, Key::Z);
    h.run_steps(2);
    assert!(h.state().state.is_dirty(), "redo is the unsaved edit again");
    h.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    h.run_steps(1);
    click_node(&mut h, "sw");
    h.key_press(Key::Delete);
    h.run_steps(2);
    assert!(
        h.state().state.is_dirty(),
        "another edit from the saved plan is unsaved"
    );
}

#[test]
fn a_cloud_qpu_is_placed_wired_over_the_wan_and_runs_a_hybrid_stage() {
    let cpu = Node {
        pos: (0.0, 0.0),
        ..Node::new("cpu", NodeKind::CpuServer, "epyc-9654-2s", 1, "dc")
    };
    let gw = Node {
        pos: (300.0, 0.0),
        ..Node::new("gw", NodeKind::Gateway, "", 1, "dc")
    };
    let mut h = harness_with(Plan {
        sites: vec![site("dc")],
        nodes: vec![cpu, gw],
        links: vec![Link {
            id: "cpu--gw".into(),
            from: "cpu".into(),
            to: "gw".into(),
            medium: Medium::Ethernet100,
            pattern: WiringPattern::OneToOne,
            lanes: 1,
            lane_gbps: 100.0,
            latency_us: 5.0,
        }],
        ..Plan::default()
    });
    // The Experimental group offers the QPU with its label.
    h.get_by_role_and_label(egui::accesskit::Role::TextInput, "Search hardware")
        .focus();
    h.run_steps(1);
    h.get_by_role_and_label(egui::accesskit::Role::TextInput, "Search hardware")
        .type_text("Heron");
    h.run_steps(2);
    h.get_by_label_contains("IBM Quantum Heron r2").click();
    h.run_steps(2);
    let at = node_rect(&h, "gw").center() + Vec2::new(0.0, 220.0);
    click_at(&mut h, at);
    let p = plan(&h);
    let qpu = p
        .nodes
        .iter()
        .find(|n| n.kind == NodeKind::QuantumService)
        .expect("QPU placed")
        .clone();
    assert_eq!(qpu.model, "ibm-heron-payg");

    // Wired from the gateway: WAN is the only medium that reaches it.
    let from = node_rect(&h, "gw").right_center();
    let to = node_rect(&h, qpu.id.as_str()).center();
    drag(&mut h, from, to);
    if h.state().canvas.medium_choice.is_some() {
        h.get_by_label_contains("WAN").click();
        h.run_steps(2);
    }
    let p = plan(&h);
    let link = p
        .links
        .iter()
        .find(|l| l.to == qpu.id || l.from == qpu.id)
        .expect("QPU linked");
    assert_eq!(link.medium, Medium::Wan);

    // A hybrid stage on the CPU picks the QPU, and the plan is valid.
    click_node(&mut h, "cpu");
    h.get_by_label("▶ Workloads").click();
    h.run_steps(2);
    h.get_by_label("➕ Add stage").click();
    h.run_steps(2);
    h.get_by_label("Hybrid quantum").click();
    h.run_steps(2);
    let p = plan(&h);
    let stage = p.stages.last().expect("stage added");
    assert_eq!(stage.placement, vec![NodeId::from("cpu")]);
    match &stage.kind {
        StageKind::Quantum(q) => assert_eq!(q.qpu, qpu.id),
        other => panic!("not a quantum stage: {other:?}"),
    }
    let errors: Vec<_> = p
        .validate(&Catalog::builtin())
        .into_iter()
        .filter(|p| p.severity == Severity::Error)
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
}
