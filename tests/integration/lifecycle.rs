//! The lifecycle clock: dependencies, contention between overlapping stages,
//! validate and checkpoint stages, the event log and plan-id keyed usage.

use clusterforge::model::{Catalog, CheckpointStage, Plan, Stage, StageKind, ValidateStage};
use clusterforge::report::presets;
#[allow(unused_imports)]
use clusterforge::sim::metrics::{Cause, MetricKey, Resource, SeriesKey};
#[allow(unused_imports)]
use clusterforge::sim::results::MemoryPart;
use clusterforge::sim::{EventKind, Progress, Results, simulate};

fn preset(id: &str) -> Plan {
    match presets::preset(id).map(|p| p.plan()) {
        Some(Ok(p)) => p,
        other => panic!("preset {id}: {other:?}"),
    }
}

fn run(plan: &Plan, seed: u64) -> Results {
    match simulate(plan, &Catalog::builtin(), seed, &Progress::new()) {
        Ok(r) => r,
        Err(e) => panic!("{}: {e}", plan.name),
    }
}

fn checkpoint(id: &str, after: &[&str], from: &str, target: &str, size_gb: f64) -> Stage {
    Stage {
        id: id.into(),
        name: id.into(),
        after: after.iter().map(|a| (*a).into()).collect(),
        placement: vec![from.into()],
        kind: StageKind::Checkpoint(CheckpointStage {
            size_gb,
            target: target.into(),
        }),
    }
}

/// On-prem finance with only its first stages (no long training run).
fn finance_base() -> Plan {
    let mut p = preset("onprem-finance");
    p.stages
        .retain(|s| matches!(s.kind, StageKind::Ingest(_) | StageKind::Preprocess(_)));
    p
}

fn span<'a>(r: &'a Results, id: &str) -> &'a clusterforge::sim::StageSpan {
    r.timeline
        .iter()
        .find(|s| s.stage == id)
        .unwrap_or_else(|| panic!("no span for {id}"))
}

#[test]
fn dependencies_order_the_stages() {
    let plan = preset("onprem-finance");
    let r = run(&plan, 1);
    assert_eq!(r.timeline.len(), plan.stages.len());
    for s in &plan.stages {
        let me = span(&r, s.id.as_str());
        assert!(me.end_s >= me.start_s);
        for a in &s.after {
            let dep = span(&r, a.as_str());
            assert!(
                me.start_s >= dep.end_s - 1e-6,
                "{} starts at {} before {} ends at {}",
                s.id,
                me.start_s,
                a,
                dep.end_s
            );
        }
    }
    // The chain has no idle gap: every stage with dependencies starts when
    // the last of them ends.
    let train = span(&r, "train");
    assert!((train.start_s - span(&r, "preprocess").end_s).abs() < 1e-6);
}

#[test]
fn stages_sharing_storage_slow_each_other_and_say_so() {
    let mut alone = finance_base();
    alone.stages = vec![checkpoint("a", &[], "dgx-train", "lustre", 20_000.0)];
    let r_alone = run(&alone, 1);
    let t_alone = span(&r_alone, "a").end_s - span(&r_alone, "a").start_s;
    assert!((span(&r_alone, "a").slowdown - 1.0).abs() < 1e-9);

    let mut both = alone.clone();
    both.stages.push(checkpoint("b", &[], "dgx-serve", "lustre", 20_000.0));
    let r = run(&both, 1);
    let a = span(&r, "a");
    let b = span(&r, "b");
    assert!(a.slowdown > 1.2, "slowdown {}", a.slowdown);
    assert!(b.slowdown > 1.2, "slowdown {}", b.slowdown);
    assert_eq!(a.shared_with, vec!["b".to_string()]);
    assert_eq!(b.shared_with, vec!["a".to_string()]);
    assert!(
        a.end_s - a.start_s > 1.2 * t_alone,
        "{} vs {t_alone}",
        a.end_s - a.start_s
    );
    let w = r.workload("a").unwrap_or_else(|| panic!("no workload a"));
    assert!(
        w.notes.iter().any(|n| n.contains("longer") && n.contains("'b'")),
        "{:?}",
        w.notes
    );
    assert!(w.diagnosis.contains("longer"), "{}", w.diagnosis);
    // Duration and cost metrics follow the stretched span.
    let d = w.metric(MetricKey::Duration).unwrap_or(0.0);
    assert!((d - (a.end_s - a.start_s)).abs() < 1e-6 * d, "{d}");
    let cost_alone = r_alone
        .workload("a")
        .and_then(|w| w.metric(MetricKey::Cost))
        .unwrap_or(0.0);
    assert!(w.metric(MetricKey::Cost).unwrap_or(0.0) > cost_alone);
}

#[test]
fn disjoint_stages_do_not_slow_each_other() {
    let mut plan = finance_base();
    // A checkpoint from the training servers to Lustre and an evaluation on
    // the serving servers with no data source share nothing.
    let mut eval = preset("onprem-finance")
        .stages
        .into_iter()
        .find(|s| matches!(s.kind, StageKind::Validate(_)))
        .unwrap_or_else(|| panic!("no validate stage"));
    eval.after.clear();
    eval.placement = vec!["dgx-serve".into()];
    if let StageKind::Validate(v) = &mut eval.kind {
        v.data_source = None;
        v.of_stage = None;
    }
    plan.stages = vec![checkpoint("ckpt", &[], "dgx-train", "lustre", 5_000.0), eval];
    let r = run(&plan, 1);
    for s in &r.timeline {
        assert!((s.slowdown - 1.0).abs() < 1e-9, "{}: {}", s.stage, s.slowdown);
        assert!(s.shared_with.is_empty(), "{}: {:?}", s.stage, s.shared_with);
        assert_eq!(s.start_s, 0.0);
    }
}

#[test]
fn checkpoint_of_a_70b_model_takes_bytes_over_the_storage_write_rate() {
    let mut plan = preset("onprem-finance");
    // One Lustre appliance: 65 GB/s write (catalog, DDN AI400X2) is the
    // narrowest part of the path from 32 DGX servers.
    if let Some(n) = plan.nodes.iter_mut().find(|n| n.id.as_str() == "lustre") {
        n.count = 1;
    }
    // The training state as the training memory model sizes it.
    let first = run(&plan, 1);
    let train = first.workload("train").unwrap_or_else(|| panic!("no train"));
    let params = train.metric(MetricKey::Parameters).unwrap_or(0.0);
    let state = train.metric(MetricKey::CheckpointBytes).unwrap_or(0.0);
    assert!((65e9..75e9).contains(&params), "{params}");
    // Weights (BF16, 2 B) + FP32 master, momentum, variance (12 B).
    assert!((state / params - 14.0).abs() < 1e-9, "{}", state / params);
    plan.stages
        .push(checkpoint("ckpt", &["train"], "dgx-train", "lustre", state / 1e9));
    let r = run(&plan, 1);
    let w = r.workload("ckpt").unwrap_or_else(|| panic!("no ckpt"));
    let bytes = w.metric(MetricKey::BytesWritten).unwrap_or(0.0);
    assert!((bytes / state - 1.0).abs() < 1e-12);
    let expected = bytes / 65e9;
    let d = w.metric(MetricKey::Duration).unwrap_or(0.0);
    assert!((d / expected - 1.0).abs() < 0.03, "{d} s vs {expected} s");
    assert_eq!(w.bottleneck, Some(Resource::Node("lustre".into())));
    assert!(w.metric(MetricKey::Cost).unwrap_or(0.0) > 0.0);
    assert!(w.metric(MetricKey::Energy).unwrap_or(0.0) > 0.0);
    // It starts when training ends.
    assert!((span(&r, "ckpt").start_s - span(&r, "train").end_s).abs() < 1e-6);
}

#[test]
fn validation_costs_two_flops_per_parameter_per_token() {
    let mut plan = finance_base();
    let mut eval = preset("onprem-finance")
        .stages
        .into_iter()
        .find(|s| matches!(s.kind, StageKind::Validate(_)))
        .unwrap_or_else(|| panic!("no validate stage"));
    eval.after.clear();
    let tokens = match &mut eval.kind {
        StageKind::Validate(ValidateStage {
            tokens,
            data_source,
            of_stage,
            ..
        }) => {
            *data_source = None;
            *of_stage = None;
            *tokens
        }
        _ => unreachable!(),
    };
    plan.stages = vec![eval.clone()];
    let r = run(&plan, 1);
    let w = r.workload(eval.id.as_str()).unwrap_or_else(|| panic!("no eval"));
    let params = w.metric(MetricKey::Parameters).unwrap_or(0.0);
    assert!((w.metric(MetricKey::Flops).unwrap_or(0.0) - 2.0 * params * tokens).abs() < 1e-6 * params * tokens);
    // Twice the tokens, twice the time.
    if let StageKind::Validate(v) = &mut plan.stages[0].kind {
        v.tokens *= 2.0;
    }
    let r2 = run(&plan, 1);
    let d1 = w.metric(MetricKey::Duration).unwrap_or(0.0);
    let d2 = r2
        .workload(eval.id.as_str())
        .and_then(|w| w.metric(MetricKey::Duration))
        .unwrap_or(0.0);
    assert!(d1 > 0.0 && (d2 / d1 - 2.0).abs() < 1e-6, "{d1} {d2}");
}

#[test]
fn events_are_sorted_deterministic_and_capped() {
    let plan = preset("onprem-finance");
    let a = run(&plan, 7);
    let b = run(&plan, 7);
    assert_eq!(a.events, b.events);
    assert!(a.events.windows(2).all(|w| w[0].t_s <= w[1].t_s));
    assert!(a.events.len() <= clusterforge::sim::lifecycle::MAX_EVENTS);
    for s in &plan.stages {
        let n = |k: EventKind| {
            a.events
                .iter()
                .filter(|e| e.stage == s.id.as_str() && e.kind == k)
                .count()
        };
        assert_eq!(n(EventKind::StageStart), 1, "{}", s.id);
        assert_eq!(n(EventKind::StageEnd), 1, "{}", s.id);
    }
    // Training a 70B model for days checkpoints and fails along the way.
    let kinds: Vec<EventKind> = a.events.iter().filter(|e| e.stage == "train").map(|e| e.kind).collect();
    assert!(kinds.contains(&EventKind::Checkpoint));
    assert!(kinds.contains(&EventKind::Failure));
    assert!(kinds.contains(&EventKind::Restart));
    let c = run(&plan, 8);
    assert_ne!(a.events, c.events);
}

#[test]
fn every_preset_simulates_with_a_timeline_and_plan_id_keys() {
    for p in presets::PRESETS {
        let plan = preset(p.id);
        let r = run(&plan, 1);
        assert_eq!(r.timeline.len(), plan.stages.len(), "{}", p.id);
        assert!(!r.events.is_empty(), "{}", p.id);
        for w in &r.workloads {
            assert!(!w.demand.is_empty(), "{}/{}: no demand", p.id, w.id);
            assert!(
                w.utilization.keys().any(|k| matches!(k, Resource::Node(_))),
                "{}/{}: no node utilization",
                p.id,
                w.id
            );
            let known = |r: &Resource| match r {
                Resource::Link(l) => plan.link(l).is_some(),
                Resource::Node(n) | Resource::ScaleUp(n) | Resource::Nics(n) | Resource::PipelineStage(n, _) => {
                    plan.node(n).is_some()
                }
            };
            for (k, v) in w.demand.iter().chain(&w.utilization) {
                assert!(known(k), "{}/{}: {k} is not in the plan", p.id, w.id);
                assert!((0.0..=1.0).contains(v), "{}/{}: {k} = {v}", p.id, w.id);
            }
            if let Some(b) = &w.bottleneck {
                assert!(known(b), "{}/{}: bottleneck {b}", p.id, w.id);
            }
        }
        let json = serde_json::to_value(&r).unwrap_or_default();
        for key in ["cost", "timeline", "events", "workloads"] {
            assert!(json.get(key).is_some(), "{}: {key}", p.id);
        }
    }
}

#[test]
fn simulate_json_without_a_file_prints_json_on_stdout() {
    let plan = concat!(env!("CARGO_MANIFEST_DIR"), "/presets/cloud-startup.ron");
    for args in [vec!["simulate", plan, "--json"], vec!["simulate", plan, "--json", "-"]] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_clusterforge"))
            .args(&args)
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let v: serde_json::Value =
            serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("stdout is not JSON: {e}"));
        for key in ["cost", "timeline", "events", "workloads"] {
            assert!(v.get(key).is_some(), "{key} missing");
        }
        assert!(v["cost"].get("per_stage_usd").is_some());
        // Own vs rent over the plan's horizon, with a break-even month.
        assert_eq!(v["tco"]["horizon_months"], 36);
        assert!(
            v["tco"]["break_even_months"].as_f64().is_some_and(|m| m > 0.0),
            "{}",
            v["tco"]
        );
        let summary = String::from_utf8_lossy(&out.stderr);
        assert!(summary.contains("own vs rent over 36 months"), "{summary}");
        assert!(summary.contains("pays off after"), "{summary}");
        assert!(!v["timeline"].as_array().map(|a| a.is_empty()).unwrap_or(true));
        // The human summary went to stderr.
        assert!(!out.stderr.is_empty());
    }
}

/// Every stage that uses energy reports its emissions at its site's grid
/// intensity, and the plan totals per site add up to the totals.
#[test]
fn emissions_per_stage_and_per_site() {
    let plan = preset("hybrid-enterprise");
    let r = run(&plan, 1);
    let intensity = |site: &str| {
        plan.sites
            .iter()
            .find(|s| s.id.as_str() == site)
            .map(|s| s.carbon_kg_per_kwh)
            .unwrap_or_else(|| panic!("{site}"))
    };
    for w in &r.workloads {
        let (Some(kwh), Some(co2)) = (w.metric(MetricKey::Energy), w.metric(MetricKey::Carbon)) else {
            panic!("{}: energy or carbon missing", w.id)
        };
        let site = clusterforge::sim::results::stage_site(&plan, &w.id);
        assert!(
            (co2 - kwh * intensity(&site)).abs() <= 1e-6 * co2.max(1.0),
            "{}: {co2} kg vs {kwh} kWh at {site}",
            w.id
        );
    }
    let c = &r.cost;
    let sum = |m: &std::collections::BTreeMap<String, f64>| m.values().sum::<f64>();
    assert!(c.carbon_kg > 0.0);
    assert!((sum(&c.per_site_carbon_kg) - c.carbon_kg).abs() < 1e-6 * c.carbon_kg);
    assert!((sum(&c.per_site_energy_kwh) - c.energy_kwh).abs() < 1e-6 * c.energy_kwh);
    // The cloud site (serving) has its own share.
    assert!(c.per_site_carbon_kg.get("aws").is_some_and(|v| *v > 0.0), "{c:?}");
}

/// Issue 16: a stage reading Parquet with `columns_read` 0.1 reads a tenth of
/// the bytes (and processes and writes a tenth); a stage reading CSV must
/// read it whole, and `columns_read` is then what readers of its columnar
/// output scan.
#[test]
fn column_pruning_cuts_the_bytes_a_columnar_read_fetches() {
    use clusterforge::model::DataStage;
    use clusterforge::sim::data::simulate_data_stage;
    let plan = preset("data-lake-pipeline");
    let catalog = Catalog::builtin();
    let run = |id: &str, columns: f64| {
        let stage = plan.stages.iter().find(|s| s.id.as_str() == id).expect("stage");
        let d: &DataStage = match &stage.kind {
            StageKind::Ingest(d) | StageKind::Preprocess(d) => d,
            _ => panic!("a data stage"),
        };
        let d = DataStage {
            columns_read: columns,
            ..d.clone()
        };
        simulate_data_stage(&plan, stage, &d, &catalog).expect("runs")
    };
    // Parquet in: proportional.
    let (all, tenth) = (run("load-warehouse", 1.0), run("load-warehouse", 0.1));
    assert!(
        (tenth.bytes_read / all.bytes_read - 0.1).abs() < 1e-9,
        "{} vs {}",
        tenth.bytes_read,
        all.bytes_read
    );
    assert!((tenth.bytes_written / all.bytes_written - 0.1).abs() < 1e-9);
    assert!(tenth.duration_s < all.duration_s);
    // CSV in: read whole; the Parquet output is scanned at the fraction.
    let (all, tenth) = (run("etl", 1.0), run("etl", 0.1));
    assert_eq!(tenth.bytes_read, all.bytes_read);
    assert!((tenth.output_scanned_bytes / all.output_scanned_bytes - 0.1).abs() < 1e-9);
}

/// Issue 16: S3 limits requests per key prefix (5,500 GET/s each). Files
/// spread over one prefix are request-bound; the same files over many
/// prefixes are not, and 20,000 files no longer count as 20,000 prefixes.
#[test]
fn s3_request_limits_bind_for_a_small_prefix_layout() {
    use clusterforge::model::DataStage;
    use clusterforge::sim::data::simulate_data_stage;
    let plan = preset("data-lake-pipeline");
    let catalog = Catalog::builtin();
    let stage = plan
        .stages
        .iter()
        .find(|s| s.id.as_str() == "load-warehouse")
        .expect("stage");
    let StageKind::Ingest(d) = &stage.kind else {
        panic!("an ingest stage")
    };
    let run = |prefixes: Option<u32>, partitions: u32| {
        let d = DataStage {
            prefixes,
            partitions,
            // Small files: many GETs per byte.
            dataset_tb: 0.5,
            ..d.clone()
        };
        simulate_data_stage(&plan, stage, &d, &catalog).expect("runs")
    };
    let one = run(Some(1), 200_000);
    assert_eq!(one.bottleneck, "object-store GET rate", "{:?}", one.limits);
    let get_limit = |r: &clusterforge::sim::data::DataResult| {
        r.limits
            .iter()
            .find(|(n, _)| n == "object-store GET rate")
            .map(|l| l.1)
            .expect("a GET limit")
    };
    let many = run(Some(1_000), 200_000);
    assert!((get_limit(&many) / get_limit(&one) - 1_000.0).abs() < 1e-6);
    assert!(many.duration_s < one.duration_s);
    // The default is 10 prefixes, not one per file.
    let default = run(None, 200_000);
    assert!((get_limit(&default) / get_limit(&one) - 10.0).abs() < 1e-6);
}

/// Issue 16: training on spot capacity is preempted at the site's rate per
/// instance-hour; each preemption costs re-provisioning, the checkpoint read
/// and the work since the last checkpoint. The sampled goodput agrees with
/// the renewal-theory expectation within 10 %, the events name the
/// preemptions, and the stage costs more than the same hours at spot price
/// with no preemption.
#[test]
fn spot_training_loses_the_expected_goodput_to_preemptions() {
    use clusterforge::model::{PricingModel, SiteKind};
    let rate = 0.05;
    let run = |spot: bool| {
        let mut plan = preset("cloud-startup");
        for site in &mut plan.sites {
            if let SiteKind::Cloud(c) = &mut site.kind {
                c.pricing = if spot {
                    PricingModel::Spot
                } else {
                    PricingModel::OnDemand
                };
                c.spot_preemptions_per_hour = rate;
            }
        }
        // A longer run so that many preemptions are sampled.
        for stage in &mut plan.stages {
            if let StageKind::Train(t) = &mut stage.kind {
                t.tokens *= 40.0;
            }
        }
        let r = simulate(&plan, &Catalog::builtin(), 11, &Progress::new()).expect("simulates");
        let w = r.workload("train").expect("train stage").clone();
        (r, w)
    };
    let (_, on_demand) = run(false);
    let (results, spot) = run(true);
    let m = |w: &clusterforge::sim::WorkloadResult, k: MetricKey| w.metric(k).unwrap_or_else(|| panic!("{k:?}"));
    let preemptions = m(&spot, MetricKey::Preemptions);
    assert!(preemptions > 10.0, "{preemptions}");
    assert!(on_demand.metric(MetricKey::Preemptions).is_none());
    // Expected goodput: interruptions at λ = failures + 4 instances × rate;
    // each loses the restart plus half an interval (and its stall).
    let servers = 4.0;
    let interval = m(&spot, MetricKey::CheckpointInterval);
    let restart = m(&spot, MetricKey::Restart);
    let mtbf = m(&spot, MetricKey::Mtbf);
    let failures_per_s = 1.0 / m(&on_demand, MetricKey::Mtbf);
    let lambda = failures_per_s + servers * rate / 3600.0;
    assert!(
        (mtbf * lambda - 1.0).abs() < 1e-6,
        "MTBF covers failures and preemptions"
    );
    let stall = m(&spot, MetricKey::CheckpointWrite).min(interval);
    let expected = (1.0 - lambda * (restart + (interval + stall) / 2.0)) / (1.0 + stall / interval);
    let goodput = m(&spot, MetricKey::Goodput);
    assert!(
        (goodput / expected - 1.0).abs() < 0.10,
        "sampled goodput {goodput:.3} vs expected {expected:.3}"
    );
    assert!(goodput < m(&on_demand, MetricKey::Goodput));
    assert!(m(&spot, MetricKey::TimeToTrain) > m(&on_demand, MetricKey::TimeToTrain));
    // The log shows them.
    assert!(
        results
            .events
            .iter()
            .any(|e| e.kind == EventKind::Preemption && e.text.contains("spot preemption")),
        "preemption events"
    );
}

/// Issue 16: owned servers drawn in a cloud site are an error until the
/// site says what hosting them costs; then they pay colocation space per
/// kW-month, metered power and support on top of amortized capex.
#[test]
fn owned_dgx_in_a_cloud_site_has_a_running_cost() {
    use clusterforge::model::{CloudProvider, CloudSite, Colocation, PricingModel, Severity, SiteKind};
    use clusterforge::sim::cost::Ledger;
    let mut plan = preset("onprem-finance");
    let site = &mut plan.sites[0];
    site.kind = SiteKind::Cloud(CloudSite {
        provider: CloudProvider::Aws,
        region: "us-east-1".into(),
        pricing: PricingModel::OnDemand,
        egress_usd_per_gb: 0.09,
        reserved_discount: 0.4,
        spot_discount: 0.65,
        spot_preemptions_per_hour: 0.0,
        colocation: None,
    });
    let catalog = Catalog::builtin();
    let problems = plan.validate(&catalog);
    assert!(
        problems
            .iter()
            .any(|p| p.severity == Severity::Error && p.message.contains("no colocation figures")),
        "{problems:?}"
    );
    if let SiteKind::Cloud(c) = &mut plan.sites[0].kind {
        c.colocation = Some(Colocation::default());
    }
    assert!(
        plan.validate(&catalog)
            .iter()
            .all(|p| !p.message.contains("colocation")),
        "priced now"
    );
    let dgx = plan.nodes.iter().find(|n| n.model == "dgx-h100").expect("a DGX group");
    let h = Ledger::new(&plan, &catalog).hourly(&dgx.id, 0.6).expect("priced");
    assert!(!h.rented);
    let monthly_running = (h.power_usd + h.operations_usd) * 730.0;
    // 10.2 kW per DGX at 184 USD/kW-month is ~1,900 USD/month each on space alone.
    assert!(
        monthly_running > dgx.count as f64 * 1_800.0,
        "{monthly_running} for {} DGX",
        dgx.count
    );
    assert!(h.capex_usd > 0.0 && h.energy_kwh > 0.0);
    // The site's switches are owned too, in the cage: priced like the servers.
    let switch = plan
        .nodes
        .iter()
        .find(|n| n.kind == clusterforge::model::NodeKind::Switch)
        .expect("a switch group");
    assert!(
        Ledger::new(&plan, &catalog)
            .hourly(&switch.id, 0.5)
            .expect("priced")
            .capex_usd
            > 0.0
    );
}

/// Switches drawn in a cloud site without a colocation cage are the
/// provider's fabric: their cost is in the instances' rent, not added.
#[test]
fn a_cloud_providers_fabric_costs_nothing_beyond_the_rent() {
    use clusterforge::sim::cost::Ledger;
    let plan = preset("cloud-startup");
    let catalog = Catalog::builtin();
    let switch = plan
        .nodes
        .iter()
        .find(|n| n.kind == clusterforge::model::NodeKind::Switch)
        .expect("the EFA fabric");
    let h = Ledger::new(&plan, &catalog).hourly(&switch.id, 0.5).expect("priced");
    assert_eq!(h.total_usd(), 0.0, "{h:?}");
}
