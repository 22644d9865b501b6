//! The experimental nodes as a user meets them: the hybrid quantum preset
//! checks clean and simulates; its wiring mistakes are refused pointing at
//! the QPU; jobs vs a session compare; and the QPU bill reads the same in
//! the CLI table and in its JSON.

use clusterforge::model::*;
use clusterforge::report::compare;
use clusterforge::report::presets;
use clusterforge::sim::metrics::MetricKey;
use clusterforge::sim::{Progress, simulate};

fn preset(id: &str) -> Plan {
    presets::preset(id)
        .and_then(|p| p.plan().ok())
        .unwrap_or_else(|| panic!("preset {id} parses"))
}

fn errors(plan: &Plan) -> Vec<Problem> {
    plan.validate(&Catalog::builtin())
        .into_iter()
        .filter(|p| p.severity == Severity::Error)
        .collect()
}

fn quantum_mut<'a>(plan: &'a mut Plan, stage: &str) -> &'a mut QuantumStage {
    match plan
        .stages
        .iter_mut()
        .find(|s| s.id.as_str() == stage)
        .map(|s| &mut s.kind)
    {
        Some(StageKind::Quantum(q)) => q,
        _ => panic!("no quantum stage {stage}"),
    }
}

#[test]
fn hybrid_quantum_preset_checks_clean_and_every_stage_reports_its_bill_and_label() {
    let plan = preset("hybrid-quantum");
    assert!(
        plan.validate(&Catalog::builtin()).is_empty(),
        "{:?}",
        plan.validate(&Catalog::builtin())
    );
    let r = simulate(&plan, &Catalog::builtin(), 1, &Progress::new()).expect("simulates");
    assert_eq!(r.workloads.len(), 3);
    for w in &r.workloads {
        let bill = w.metric(MetricKey::QpuCost).unwrap_or(0.0);
        assert!(bill > 0.0, "{}: no QPU bill", w.id);
        assert!(
            w.diagnosis.contains("experimental: figures from vendor publications"),
            "{}",
            w.diagnosis
        );
        assert!(w.metric(MetricKey::Duration).unwrap_or(0.0) > w.metric(MetricKey::QpuTime).unwrap_or(0.0));
    }
    // The QPU bill is paid at the provider's site.
    let aws = r.cost.per_site_usd.get("aws").copied().unwrap_or(0.0);
    let braket: f64 = ["qaoa-ankaa", "qaoa-forte"]
        .iter()
        .filter_map(|id| r.workload(id).and_then(|w| w.metric(MetricKey::QpuCost)))
        .sum();
    assert!((aws - braket).abs() < 1e-6, "{aws} vs {braket}");
    // The worked example of docs/experimental.md.
    let forte = r.workload("qaoa-forte").and_then(|w| w.metric(MetricKey::QpuCost));
    assert_eq!(forte, Some(16_060.0));
}

#[test]
fn a_qpu_off_the_wan_on_the_wrong_node_or_too_small_is_refused_at_the_qpu() {
    let base = preset("hybrid-quantum");

    let mut lan = base.clone();
    for l in &mut lan.links {
        if l.to.as_str() == "forte" {
            l.medium = Medium::Ethernet100;
        }
    }
    let e = errors(&lan);
    assert!(
        e.iter()
            .any(|p| p.subject == Subject::Node("forte".into()) && p.message.contains("without a WAN link")),
        "{e:?}"
    );

    let mut unlinked = base.clone();
    unlinked.links.retain(|l| l.to.as_str() != "forte");
    let e = errors(&unlinked);
    assert!(
        e.iter()
            .any(|p| p.subject == Subject::Node("forte".into()) && p.message.contains("not reachable")),
        "{e:?}"
    );

    let mut big = base.clone();
    quantum_mut(&mut big, "qaoa-forte").qubits = 200;
    let e = errors(&big);
    assert!(e.iter().any(|p| p.message.contains("200 qubits")), "{e:?}");

    // A QPU cannot run the classical side, nor any other stage.
    let mut on_qpu = base.clone();
    on_qpu.stages[0].placement = vec!["heron".into()];
    let e = errors(&on_qpu);
    assert!(e.iter().any(|p| p.message.contains("cannot run")), "{e:?}");

    let mut wrong = base;
    quantum_mut(&mut wrong, "qaoa-heron").qpu = "cpu".into();
    let e = errors(&wrong);
    assert!(e.iter().any(|p| p.message.contains("not a quantum computer")), "{e:?}");
}

#[test]
fn a_session_on_a_queued_qpu_is_faster_than_jobs_and_compare_says_so() {
    let jobs = preset("hybrid-quantum");
    let mut session = jobs.clone();
    quantum_mut(&mut session, "qaoa-ankaa").mode = QuantumMode::Session;
    let catalog = Catalog::builtin();
    let a = simulate(&jobs, &catalog, 1, &Progress::new()).expect("jobs simulate");
    let b = simulate(&session, &catalog, 1, &Progress::new()).expect("session simulates");
    let cmp = compare::compare((&jobs, &a), (&session, &b));
    println!("{}", compare::to_text(&cmp));
    let stage = cmp
        .stages
        .iter()
        .find(|s| s.current_id.as_deref() == Some("qaoa-ankaa"))
        .expect("paired");
    let wait = stage.metric(MetricKey::QueueWait).expect("queue wait compared");
    assert_eq!(wait.verdict, compare::Verdict::Better, "{wait:?}");
    let time = stage.metric(MetricKey::Duration).expect("duration compared");
    assert_eq!(time.verdict, compare::Verdict::Better, "{time:?}");
    // Per-task pricing: the same tasks and shots, the same bill.
    let bill = stage.metric(MetricKey::QpuCost).expect("bill compared");
    assert_eq!(bill.verdict, compare::Verdict::Same, "{bill:?}");
}

#[test]
fn the_cli_table_and_json_show_the_same_qpu_bill() {
    let exe = env!("CARGO_BIN_EXE_clusterforge");
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("presets/hybrid-quantum.ron");
    let out = std::process::Command::new(exe)
        .arg("simulate")
        .arg(&path)
        .arg("--json")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let table = String::from_utf8_lossy(&out.stderr);
    for w in v["workloads"].as_array().expect("workloads") {
        let bill = w["metrics"]["qpu_cost_usd"].as_f64().expect("qpu_cost_usd");
        let shown = MetricKey::QpuCost.format(bill);
        let line = format!("{:<44} {shown}", MetricKey::QpuCost.label());
        assert!(
            table
                .lines()
                .any(|l| l.trim_start().starts_with(MetricKey::QpuCost.label()) && l.ends_with(&shown)),
            "'{line}' not in\n{table}"
        );
    }
}
