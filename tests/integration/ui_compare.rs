//! The Compare tab driven through the real UI (egui_kittest): run a preset,
//! pin it as the baseline, change the plan with an undoable edit, and read
//! the deltas the tab shows; the scaling sweep; a pixel snapshot behind the
//! `snapshots` feature.

use crate::ui_support::{harness_with_results, has_label, wait_until};
use clusterforge::model::edit::Edit;
use clusterforge::model::*;
use clusterforge::report::presets;
use clusterforge::ui::app::App;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

fn click_contains(h: &mut Harness<'_, App>, text: &str) {
    match h.query_all_by_label_contains(text).next() {
        Some(node) => node.click(),
        None => panic!("no widget labelled '{text}' in {:#?}", h.root()),
    }
    h.run_steps(2);
}

fn training_precision(h: &mut Harness<'_, App>, precision: Precision) {
    let plan = h.state().state.plan.clone();
    let Some(mut stage) = plan
        .stages
        .iter()
        .find(|s| matches!(s.kind, StageKind::Train(_)))
        .cloned()
    else {
        panic!("the preset trains");
    };
    if let StageKind::Train(t) = &mut stage.kind {
        t.precision = precision;
    }
    h.state_mut()
        .state
        .apply(Edit::SetStage(stage))
        .expect("the edit applies");
    h.run_steps(2);
}

/// Run the preset, pin it, switch training to FP8: the Compare tab shows it.
fn pinned_then_fp8(preset_id: &str) -> Harness<'static, App> {
    let plan = presets::preset(preset_id)
        .and_then(|p| p.plan().ok())
        .expect("preset parses");
    let mut h = harness_with_results(plan);
    h.get_by_label("Results").click();
    h.run_steps(2);
    h.get_by_label("▶ Run").click();
    assert!(
        wait_until(&mut h, |h| has_label(h, "Time to train")
            || has_label(h, "Simulation failed")),
        "the run finished"
    );
    h.get_by_label("Compare").click();
    h.run_steps(2);
    assert!(has_label(&h, "Pin the current run"), "empty compare view first");
    click_contains(&mut h, "Pin current as baseline");
    assert!(h.state().compare().baseline().is_some(), "pinned");
    assert!(
        wait_until(&mut h, |h| has_label(h, "Current matches baseline")),
        "an unchanged plan matches its baseline"
    );
    training_precision(&mut h, Precision::Fp8);
    assert!(
        wait_until(&mut h, |h| has_label(h, "faster to train")),
        "the Compare tab re-ran the edited plan and reports the speed-up"
    );
    // The Results view re-runs edits in the background too: let both
    // finish so what is drawn next does not depend on which came first.
    assert!(
        wait_until(&mut h, |h| !h.state().compare().is_busy()
            && h.state().last_run().is_some_and(|(p, _)| *p == h.state().state.plan)),
        "every run of the edited plan finished"
    );
    h.run_steps(2);
    h
}

#[test]
fn pin_edit_and_compare_shows_deltas() {
    let mut h = pinned_then_fp8("cloud-startup");
    assert!(has_label(&h, "Plan totals"));
    assert!(has_label(&h, "Time to train"));
    assert!(
        has_label(&h, "train: precision BF16 to FP8"),
        "the plan change is listed: {:#?}",
        h.root()
    );
    // Time to train fell: a negative percentage is shown.
    assert!(
        h.query_all_by_label_contains(" %")
            .any(|n| n.value().is_some_and(|l| l.starts_with('-') && l.ends_with('%'))),
        "a negative delta % is shown"
    );
    // Undo returns to the baseline.
    h.state_mut().state.undo();
    h.run_steps(2);
    assert!(
        wait_until(&mut h, |h| has_label(h, "Current matches baseline")),
        "undo brings the plan back to the baseline"
    );
}

#[test]
fn a_preset_baseline_is_simulated_and_the_scaling_sweep_runs() {
    let plan = presets::preset("cloud-startup")
        .and_then(|p| p.plan().ok())
        .expect("preset parses");
    let mut h = harness_with_results(plan);
    h.get_by_label("Compare").click();
    h.run_steps(2);
    click_contains(&mut h, "Simulate a built-in preset as the baseline");
    click_contains(&mut h, "On-prem finance: 256x H100");
    assert!(
        wait_until(&mut h, |h| h.state().compare().baseline().is_some()
            && has_label(h, "than baseline")),
        "the preset baseline was simulated and compared"
    );
    // Baseline on-prem, current the cloud preset.
    assert!(has_label(&h, "removed site dc"), "plan differences listed");
    assert!(has_label(&h, "added site aws"), "plan differences listed");

    h.get_by_label("Scaling").click();
    h.run_steps(2);
    click_contains(&mut h, "Run sweep");
    assert!(
        wait_until(&mut h, |h| !h.state().compare().is_busy()
            && has_label(h, "Scaling efficiency")),
        "the sweep finished"
    );
    let sweep = h.state().compare().sweep().cloned().expect("a sweep");
    assert_eq!(sweep.points.len(), 5);
    assert!(has_label(&h, "Tokens/s vs GPUs"));
    assert!(has_label(&h, "100.0 %"), "the base point's efficiency");
}

#[test]
fn open_baseline_falls_back_to_a_path_field_and_loads_a_plan_file() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let base = presets::preset("cloud-startup")
        .and_then(|p| p.plan().ok())
        .expect("preset parses");
    let mut fp8 = base.clone();
    for s in &mut fp8.stages {
        if let StageKind::Train(t) = &mut s.kind {
            t.precision = Precision::Fp8;
        }
    }
    let file = tmp.path().join("fp8.ron");
    clusterforge::report::save_plan(&file, &fp8).expect("write plan");
    let mut h = harness_with_results(base);
    h.get_by_label("Compare").click();
    h.run_steps(2);
    // Headless: no dialog service, so the in-tab path field appears.
    click_contains(&mut h, "Open baseline…");
    assert!(
        wait_until(&mut h, |h| has_label(h, "Baseline file")),
        "the path field is offered"
    );
    let field = h.get_by_role_and_label(egui::accesskit::Role::TextInput, "Baseline file");
    field.focus();
    h.run_steps(1);
    h.get_by_role_and_label(egui::accesskit::Role::TextInput, "Baseline file")
        .type_text(&file.display().to_string());
    h.run_steps(2);
    h.get_by_label("Load").click();
    assert!(
        wait_until(&mut h, |h| has_label(h, "slower to train")),
        "the FP8 file is the baseline: the current BF16 plan trains slower"
    );
    assert!(has_label(&h, "file fp8.ron"), "the baseline names its file");

    // A file that does not exist is reported, not a crash.
    click_contains(&mut h, "Open baseline…");
    assert!(wait_until(&mut h, |h| has_label(h, "Baseline file")));
    let missing = tmp.path().join("missing.ron");
    h.get_by_role_and_label(egui::accesskit::Role::TextInput, "Baseline file")
        .focus();
    h.run_steps(1);
    h.get_by_role_and_label(egui::accesskit::Role::TextInput, "Baseline file")
        .type_text(&missing.display().to_string());
    h.run_steps(2);
    h.get_by_label("Load").click();
    h.run_steps(2);
    assert!(has_label(&h, "missing.ron"), "the error names the file");
}

#[cfg(feature = "snapshots")]
#[test]
fn snapshot_compare_tab() {
    let mut h = pinned_then_fp8("cloud-startup");
    h.run_steps(4);
    h.snapshot("ui_compare");
}
