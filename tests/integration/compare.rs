//! A/B comparisons the results issue names — on-prem vs cloud, InfiniBand
//! vs Ethernet, FP16 vs FP8 — each built by editing a preset in code,
//! simulating both plans and checking the direction of the deltas; the
//! scaling sweep on a preset; and `clusterforge compare` on the command line.

use clusterforge::model::*;
use clusterforge::report::compare::{self, Comparison, Verdict, sweep};
use clusterforge::report::presets;
use clusterforge::sim::metrics::MetricKey;
use clusterforge::sim::{Progress, simulate};

fn preset(id: &str) -> Plan {
    presets::preset(id)
        .and_then(|p| p.plan().ok())
        .unwrap_or_else(|| panic!("preset {id} parses"))
}

fn compared(baseline: &Plan, current: &Plan) -> Comparison {
    let catalog = Catalog::builtin();
    let b = simulate(baseline, &catalog, 1, &Progress::new()).expect("baseline simulates");
    let c = simulate(current, &catalog, 1, &Progress::new()).expect("current simulates");
    let cmp = compare::compare((baseline, &b), (current, &c));
    // Shown with --nocapture and on failure.
    println!("{}", compare::to_text(&cmp));
    cmp
}

/// Only the training stage (no dependencies): the scenarios compare training.
fn training_only(mut plan: Plan) -> Plan {
    plan.stages.retain(|s| matches!(s.kind, StageKind::Train(_)));
    for s in &mut plan.stages {
        s.after.clear();
    }
    plan
}

fn train_metric(c: &Comparison, key: MetricKey) -> &compare::MetricDelta {
    c.paired_stage("train")
        .and_then(|s| s.metric(key))
        .unwrap_or_else(|| panic!("training metric {key} compared"))
}

fn set_precision(plan: &mut Plan, p: Precision) {
    for s in &mut plan.stages {
        if let StageKind::Train(t) = &mut s.kind {
            t.precision = p;
        }
    }
}

#[test]
fn fp8_trains_faster_and_cheaper_than_fp16_on_h100() {
    let mut fp16 = training_only(preset("onprem-finance"));
    set_precision(&mut fp16, Precision::Fp16);
    let mut fp8 = fp16.clone();
    set_precision(&mut fp8, Precision::Fp8);
    let c = compared(&fp16, &fp8);
    let time = train_metric(&c, MetricKey::TimeToTrain);
    assert_eq!(time.verdict, Verdict::Better, "FP8 trains faster on H100: {time:?}");
    assert!(
        time.delta_pct.is_some_and(|p| p < -5.0),
        "by a visible margin: {time:?}"
    );
    assert_eq!(train_metric(&c, MetricKey::TokensPerSecond).verdict, Verdict::Better);
    assert_eq!(c.total(MetricKey::PlanCost).map(|m| m.verdict), Some(Verdict::Better));
    assert!(c.headline.contains("faster to train"), "{}", c.headline);
    assert!(
        c.plan_changes
            .iter()
            .any(|d| d.to_string() == "train: precision FP16 to FP8"),
        "{:?}",
        c.plan_changes
    );
}

#[test]
fn ethernet_is_not_faster_than_infiniband_at_the_same_bandwidth() {
    let ib = training_only(preset("onprem-finance"));
    let mut eth = ib.clone();
    // Same 400 Gb/s per rail and per uplink lane; only the fabric changes.
    for l in &mut eth.links {
        if l.medium == Medium::InfinibandNdr && ["train-leaf", "leaf-spine"].contains(&l.id.as_str()) {
            l.medium = Medium::Ethernet400;
            l.latency_us = Medium::Ethernet400.default_latency_us();
        }
    }
    for n in &mut eth.nodes {
        if ["ib-leaf", "ib-spine"].contains(&n.id.as_str()) {
            n.model = "eth-800g-sn5600".into();
        }
    }
    let problems: Vec<String> = eth
        .validate(&Catalog::builtin())
        .into_iter()
        .filter(|p| p.severity == Severity::Error)
        .map(|p| p.to_string())
        .collect();
    assert!(problems.is_empty(), "{problems:#?}");
    let c = compared(&ib, &eth);
    let time = train_metric(&c, MetricKey::TimeToTrain);
    assert!(
        matches!(time.verdict, Verdict::Worse | Verdict::Same),
        "Ethernet is not faster than InfiniBand: {time:?}"
    );
    let tps = train_metric(&c, MetricKey::TokensPerSecond);
    assert!(tps.delta.is_some_and(|d| d <= 0.0), "{tps:?}");
    assert!(
        c.plan_changes
            .iter()
            .any(|d| d.to_string() == "train-leaf: medium InfiniBand NDR to 400 GbE"),
        "{:?}",
        c.plan_changes
    );
}

#[test]
fn on_prem_hardware_is_cheaper_than_on_demand_cloud_for_the_same_gpus() {
    let cloud = training_only(preset("cloud-startup"));
    let mut onprem = cloud.clone();
    // The same 32 H100 SXM, bought instead of rented.
    for s in &mut onprem.sites {
        s.kind = SiteKind::OnPrem(OnPremSite {
            amortization_years: 4.0,
            power_usd_per_kwh: 0.08,
            pue: 1.3,
            operations_usd_per_year: 0.0,
            facility_capex_usd: 0.0,
        });
    }
    for n in &mut onprem.nodes {
        if n.model == "aws-p5-48xlarge" {
            n.model = "dgx-h100".into();
        }
    }
    // Only nodes the training stage uses stay (the tokenizer and serverless
    // endpoint exist only as cloud rentals).
    onprem.nodes.retain(|n| ["p5", "efa", "s3"].contains(&n.id.as_str()));
    onprem
        .links
        .retain(|l| onprem.nodes.iter().any(|n| n.id == l.from) && onprem.nodes.iter().any(|n| n.id == l.to));
    let c = compared(&cloud, &onprem);
    let cost = c.total(MetricKey::PlanCost).expect("plan cost compared");
    assert_eq!(
        cost.verdict,
        Verdict::Better,
        "owning is cheaper per run than on-demand: {cost:?}"
    );
    let time = train_metric(&c, MetricKey::TimeToTrain);
    assert!(
        time.delta_pct.is_some_and(|p| p.abs() < 15.0),
        "same GPUs, about the same time: {time:?}"
    );
    assert!(c.headline.contains("cheaper"), "{}", c.headline);
    assert!(
        c.plan_changes
            .iter()
            .any(|d| d.to_string().contains("kind cloud to on-prem")),
        "{:?}",
        c.plan_changes
    );
}

#[test]
fn sweep_throughput_grows_with_size_at_most_linearly() {
    let plan = preset("onprem-finance");
    let stage = StageId::new("train");
    let s = sweep::run_sweep(
        &plan,
        &Catalog::builtin(),
        &stage,
        &sweep::FACTORS,
        &Progress::new(),
        |_| {},
    )
    .expect("not cancelled");
    let ok: Vec<&sweep::SweepPoint> = s.points.iter().filter(|p| p.outcome.is_ok()).collect();
    assert!(ok.len() >= 3, "most points simulate: {:#?}", s.points);
    let mut last_tps = 0.0;
    let mut last_gpus = 0;
    for p in &ok {
        let f = p.outcome.as_ref().expect("ok point");
        assert!(p.gpus > last_gpus, "points in order of size");
        assert!(
            f.tokens_per_second > last_tps,
            "throughput grows with GPUs: {:#?}",
            s.points
        );
        let e = s.efficiency(p).expect("efficiency defined");
        assert!(e <= 1.02 && e > 0.3, "efficiency {e} at {} GPUs", p.gpus);
        last_tps = f.tokens_per_second;
        last_gpus = p.gpus;
    }
    // Time to train falls as GPUs are added.
    let times: Vec<f64> = ok
        .iter()
        .filter_map(|p| p.outcome.as_ref().ok().map(|f| f.time_to_train_s))
        .collect();
    assert!(times.windows(2).all(|w| w[1] < w[0]), "{times:?}");
    let text = sweep::to_text(&s);
    assert!(text.contains("efficiency"), "{text}");
}

#[test]
fn sweep_is_cancellable() {
    let plan = preset("onprem-finance");
    let progress = Progress::new();
    progress.cancel();
    let r = sweep::run_sweep(
        &plan,
        &Catalog::builtin(),
        &"train".into(),
        &sweep::FACTORS,
        &progress,
        |_| {},
    );
    assert!(r.is_err(), "a cancelled sweep stops");
}

#[test]
fn cli_compare_prints_the_table_and_json_with_exit_codes() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let mut fp16 = training_only(preset("cloud-startup"));
    set_precision(&mut fp16, Precision::Fp16);
    let mut fp8 = fp16.clone();
    set_precision(&mut fp8, Precision::Fp8);
    let a = tmp.path().join("fp16.ron");
    let b = tmp.path().join("fp8.ron");
    clusterforge::report::save_plan(&a, &fp16).expect("write plan");
    clusterforge::report::save_plan(&b, &fp8).expect("write plan");
    let exe = env!("CARGO_BIN_EXE_clusterforge");
    let out = std::process::Command::new(exe)
        .arg("compare")
        .arg(&a)
        .arg(&b)
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("faster to train"), "{text}");
    assert!(text.contains("Time to train"), "{text}");
    assert!(text.contains("precision FP16 to FP8"), "{text}");

    let out = std::process::Command::new(exe)
        .arg("compare")
        .arg(&a)
        .arg(&b)
        .arg("--json")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert!(v["headline"].as_str().is_some_and(|h| h.contains("faster")), "{v}");
    assert!(v["stages"][0]["metrics"].is_array(), "{v}");

    let out = std::process::Command::new(exe)
        .arg("compare")
        .arg(&a)
        .arg(&b)
        .arg("--csv")
        .output()
        .expect("runs");
    let csv = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        csv.starts_with("section,metric,label,baseline,current,delta,delta_pct,verdict"),
        "{csv}"
    );
    assert!(
        csv.lines()
            .any(|l| l.starts_with("train,time_to_train_s,") && l.ends_with(",better")),
        "{csv}"
    );

    // A missing file is an I/O error (2); an invalid plan a problem (1).
    let out = std::process::Command::new(exe)
        .arg("compare")
        .arg(tmp.path().join("missing.ron"))
        .arg(&b)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let mut broken = fp8.clone();
    if let Some(n) = broken.nodes.first_mut() {
        n.count = 0;
    }
    let c = tmp.path().join("broken.ron");
    clusterforge::report::save_plan(&c, &broken).expect("write plan");
    let out = std::process::Command::new(exe)
        .arg("compare")
        .arg(&a)
        .arg(&c)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let out = std::process::Command::new(exe).arg("compare").output().expect("runs");
    assert_eq!(out.status.code(), Some(2), "no plans is a usage error");

    let out = std::process::Command::new(exe)
        .args(["compare", "--sweep"])
        .arg(&a)
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("efficiency"), "{text}");
}

/// Issue 16: adding owned hardware never lowers what the sites cost per
/// year, and lowers the stage's cost only when the stage finishes sooner
/// (the site is held for less time). Property test over server counts.
mod more_hardware_never_looks_cheaper {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]
        #[test]
        fn owned_site_cost_grows_and_stage_cost_falls_only_with_time(
            a in prop::sample::select(vec![1u32, 2, 4, 8, 16]),
            b in prop::sample::select(vec![1u32, 2, 4, 8, 16]),
        ) {
            prop_assume!(a != b);
            // Factors ¼ to 4: DP must divide the global batch of 1024.
            let (small, large) = (a.min(b) as f64 / 4.0, a.max(b) as f64 / 4.0);
            let plan = preset("onprem-finance");
            let stage = StageId::new("train");
            let catalog = Catalog::builtin();
            let point = |f: f64| sweep::run_point(&plan, &catalog, &stage, f, &Progress::new());
            let (s, l) = (point(small), point(large));
            let (Ok(s), Ok(l)) = (&s.outcome, &l.outcome) else {
                return Err(TestCaseError::fail(format!("a point did not simulate: {s:?} {l:?}")));
            };
            {
                prop_assert!(l.site_usd_per_year >= s.site_usd_per_year,
                    "site cost/yr fell from {} to {} as servers grew", s.site_usd_per_year, l.site_usd_per_year);
                if l.cost_usd < s.cost_usd {
                    prop_assert!(l.time_to_train_s < s.time_to_train_s,
                        "cheaper stage without finishing sooner: {s:?} vs {l:?}");
                }
            }
        }
    }
}
