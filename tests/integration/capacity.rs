//! `clusterforge capacity`: the rate it finds is the edge of what the full
//! `simulate` accepts — at the rate the plan-level run meets every target,
//! 2 % above it the run misses one — and the run at capacity is the one
//! `simulate` reports for the stage set to that rate.

use clusterforge::model::{Catalog, StageKind};
use clusterforge::report::presets;
use clusterforge::sim::metrics::MetricKey;
use clusterforge::sim::serving::capacity::{CapacityOptions, capacity};
use clusterforge::sim::{Progress, simulate};

/// The stage's results in a full plan run with its rate set to `rate`:
/// (meets TTFT and TPOT p99 targets, TTFT p99).
fn full_run(plan: &clusterforge::model::Plan, stage: usize, rate: f64) -> (bool, f64) {
    let mut p = plan.clone();
    let StageKind::Serve(s) = &mut p.stages[stage].kind else {
        unreachable!()
    };
    s.rate_rps = rate;
    let (ttft, tpot) = (s.ttft_slo_s, s.tpot_slo_s);
    let r = simulate(&p, &Catalog::builtin(), p.settings.seed, &Progress::new()).unwrap();
    let w = r.workload(p.stages[stage].id.as_str()).unwrap();
    let m = |k: MetricKey| w.metric(k).unwrap();
    let arrived = m(MetricKey::RequestsCompleted) + m(MetricKey::RequestsUnfinished) + m(MetricKey::RequestsRejected);
    let ok = m(MetricKey::TtftP99) <= ttft
        && m(MetricKey::TpotP99) <= tpot
        && m(MetricKey::RequestsUnfinished) < 0.02 * arrived
        && m(MetricKey::RequestsRejected) <= 0.001 * arrived;
    (ok, m(MetricKey::TtftP99))
}

#[test]
fn capacity_is_the_edge_of_what_simulate_accepts() {
    let catalog = Catalog::builtin();
    // LLM presets whose search runs in seconds in a debug build.
    for id in ["onprem-finance", "hybrid-enterprise"] {
        let plan = presets::preset(id).unwrap().plan().unwrap();
        let index = plan
            .stages
            .iter()
            .position(|s| matches!(s.kind, StageKind::Serve(_)))
            .unwrap();
        let c = capacity(
            &plan,
            &plan.stages[index].id,
            &catalog,
            plan.settings.seed,
            &CapacityOptions::default(),
            &Progress::new(),
        )
        .unwrap_or_else(|e| panic!("{id}: {e}"));
        println!(
            "{id}: {} (binding {}, {} runs)",
            MetricKey::MaxRateWithinSlo.format(c.max_rate_rps),
            c.binding.label(),
            c.runs
        );
        assert!(c.failing_rate_rps <= c.max_rate_rps * 1.0051, "{id}: bracket too wide");
        let (ok, ttft) = full_run(&plan, index, c.max_rate_rps);
        assert!(ok, "{id}: simulate at the capacity found misses a target");
        // The same run, the same figure.
        assert_eq!(ttft, c.metrics[&MetricKey::TtftP99], "{id}");
        let (ok_above, _) = full_run(&plan, index, c.max_rate_rps * 1.02);
        assert!(
            !ok_above,
            "{id}: simulate 2 % above the capacity still meets every target"
        );
    }
}

#[test]
fn the_cli_prints_the_same_rate_as_its_json_and_refuses_a_training_stage() {
    let path = format!("{}/presets/onprem-finance.ron", env!("CARGO_MANIFEST_DIR"));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_clusterforge"))
        .args(["capacity", &path, "--json", "-"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    let first = &doc["capacity"][0];
    let rate = first["max_rate_within_slo_rps"].as_f64().unwrap();
    let table = String::from_utf8_lossy(&out.stderr);
    let shown = MetricKey::MaxRateWithinSlo.format(rate);
    assert!(
        table.contains(&format!("Max rate within SLO          {shown}")),
        "{table}"
    );
    assert!(
        first["binding_label"].as_str().is_some_and(|b| table.contains(b)),
        "{table}"
    );
    let train = std::process::Command::new(env!("CARGO_BIN_EXE_clusterforge"))
        .args(["capacity", &path, "--stage", "pretrain"])
        .output()
        .expect("runs");
    assert_ne!(train.status.code(), Some(0));
}
