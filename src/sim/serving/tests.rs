use super::*;
use crate::model::*;
use crate::sim::serving::perf::LlmCost;

/// A plan with one request source, one compute group in a cloud site and a
/// serving stage; `f` edits the stage.
pub(crate) fn plan_with(model: &str, count: u32, kind: NodeKind, f: impl FnOnce(&mut ServeStage)) -> Plan {
    let mut s = ServeStage {
        model: ModelSpec::Transformer(TransformerShape {
            dropout: None,
            head_dim: None,
            name: "Llama-2-7B".into(),
            layers: 32,
            hidden: 4096,
            heads: 32,
            kv_heads: None,
            ffn_hidden: Some(11008),
            gated_ffn: true,
            seq_len: 4096,
            vocab: 32000,
            moe: None,
        }),
        source: "users".into(),
        rate_rps: 1.0,
        arrival: Arrival::Poisson,
        prompt_tokens: LengthDist { mean: 512.0, cv: 0.0 },
        output_tokens: LengthDist { mean: 128.0, cv: 0.0 },
        ttft_slo_s: 2.0,
        tpot_slo_s: 0.2,
        quantization: Precision::Fp16,
        pruning: Pruning::None,
        optimized_kernels: true,
        tp: 1,
        replicas: None,
        autoscaling: None,
        duration_s: 300.0,
    };
    f(&mut s);
    Plan {
        sites: vec![Site {
            id: "cloud".into(),
            name: "Cloud".into(),
            kind: SiteKind::Cloud(CloudSite {
                provider: CloudProvider::Aws,
                region: "us-east-1".into(),
                pricing: PricingModel::OnDemand,
                egress_usd_per_gb: 0.09,
                reserved_discount: 0.4,
                spot_discount: 0.65,
                spot_preemptions_per_hour: 0.0,
                colocation: None,
            }),
            carbon_kg_per_kwh: 0.37,
        }],
        nodes: vec![
            Node {
                id: "users".into(),
                name: "Users".into(),
                kind: NodeKind::RequestSource,
                model: String::new(),
                count: 1,
                site: "cloud".into(),
                pos: (0.0, 0.0),
                capacity_tb: None,
                cache_hit_ratio: None,
            },
            Node {
                id: "gpus".into(),
                name: "GPUs".into(),
                kind,
                model: model.into(),
                count,
                site: "cloud".into(),
                pos: (0.0, 0.0),
                capacity_tb: None,
                cache_hit_ratio: None,
            },
        ],
        links: vec![Link {
            id: "l".into(),
            from: "users".into(),
            to: "gpus".into(),
            medium: Medium::Ethernet100,
            pattern: WiringPattern::Spread,
            lanes: 1,
            lane_gbps: 100.0,
            latency_us: 500.0,
        }],
        stages: vec![Stage {
            id: "serve".into(),
            name: "Serve".into(),
            after: vec![],
            placement: vec!["gpus".into()],
            kind: StageKind::Serve(s),
        }],
        ..Plan::default()
    }
}

pub(crate) fn run(p: &Plan) -> ServingResult {
    match simulate_serving(p, &"serve".into(), &Catalog::builtin(), 1, &Progress::new()) {
        Ok(r) => r,
        Err(e) => panic!("{e}"),
    }
}

fn llm_cost(p: &Plan) -> LlmCost {
    let c = Catalog::builtin();
    let StageKind::Serve(s) = &p.stages[0].kind else {
        panic!()
    };
    let sys = c.system(&p.nodes[1].model).unwrap();
    match perf::step_cost(&c, sys, s).unwrap() {
        StepCost::Llm(l) => l,
        _ => panic!("not an LLM"),
    }
}

#[test]
fn light_load_latency_matches_the_roofline() {
    // One request at a time on one H100: TTFT = prefill of 512 tokens,
    // TPOT = a batch-1 decode step, which is memory-bound (weights / bandwidth).
    let p = plan_with("aws-p5-48xlarge", 1, NodeKind::GpuServer, |s| {
        s.rate_rps = 0.05;
        s.replicas = Some(1);
        s.duration_s = 2000.0;
    });
    let c = llm_cost(&p);
    let r = run(&p);
    assert!(r.requests_completed > 50, "{}", r.requests_completed);
    let decode = c.step(1, 600.0, 0, 0.0);
    assert!(decode.memory_s > decode.compute_s, "batch-1 decode is memory-bound");
    // 13.5 GB of FP16 weights over 3.35 TB/s × 0.85.
    assert!(
        (decode.seconds - 13.5e9 / (3350e9 * 0.85)).abs() < 0.6e-3,
        "{}",
        decode.seconds
    );
    assert!(
        (r.tpot_s.p50 / decode.seconds - 1.0).abs() < 0.05,
        "{} vs {}",
        r.tpot_s.p50,
        decode.seconds
    );
    let prefill = c.step(0, 0.0, 512, 256.0);
    assert!(
        prefill.compute_s > prefill.memory_s,
        "a 512-token prefill is compute-bound"
    );
    let expect = prefill.seconds + 1e-3; // + 2 × 500 µs network
    assert!(
        (r.ttft_s.p50 / expect - 1.0).abs() < 0.1,
        "{} vs {expect}",
        r.ttft_s.p50
    );
    assert!(r.slo_attainment > 0.99);
    assert!((r.network_rtt_s - 1e-3).abs() < 1e-9);
}

#[test]
fn heavy_load_saturates_and_queues() {
    let p = plan_with("aws-p5-48xlarge", 1, NodeKind::GpuServer, |s| {
        s.rate_rps = 2000.0;
        s.duration_s = 20.0;
    });
    let r = run(&p);
    assert!(r.requests_unfinished > r.requests_completed, "overloaded");
    assert!(r.utilization > 0.95);
    assert!(r.ttft_s.p99 > 5.0);
    assert!(r.bottleneck.starts_with("overloaded"), "{}", r.bottleneck);
    // Throughput is bounded by 8 GPUs of compute: tokens (in + out) × 2 × params / (peak × eff).
    let c = llm_cost(&p);
    let flops_per_out = 2.0 * c.facts.active_params * (512.0 + 128.0) / 128.0;
    let bound = 8.0 * c.hw.flops / flops_per_out;
    assert!(r.tokens_per_second < bound, "{} vs {bound}", r.tokens_per_second);
    assert!(r.tokens_per_second > 0.5 * bound, "{} vs {bound}", r.tokens_per_second);
    // The queue grows over time.
    let q = &r.queue_len;
    assert!(q[q.len() - 1].1 > q[q.len() / 4].1);
    // Throughput over time averages to the run's throughput, and a saturated
    // cluster keeps producing in the second half.
    let ts = &r.tokens_series;
    assert_eq!(ts.len(), q.len());
    let mean = ts.iter().map(|p| p.1).sum::<f64>() / ts.len() as f64;
    assert!(
        (mean - r.tokens_per_second).abs() <= 1e-6 * r.tokens_per_second,
        "{mean} vs {}",
        r.tokens_per_second
    );
    let late = ts[ts.len() / 2..].iter().map(|p| p.1).sum::<f64>() / (ts.len() - ts.len() / 2) as f64;
    assert!(late > 0.5 * r.tokens_per_second, "{late} vs {}", r.tokens_per_second);
}

#[test]
fn deterministic_for_a_seed() {
    let p = plan_with("aws-p5-48xlarge", 1, NodeKind::GpuServer, |s| {
        s.rate_rps = 50.0;
        s.duration_s = 30.0;
        s.prompt_tokens.cv = 1.0;
        s.output_tokens.cv = 1.0;
    });
    let a = run(&p);
    let b = run(&p);
    assert_eq!(a, b);
    let c = simulate_serving(&p, &"serve".into(), &Catalog::builtin(), 2, &Progress::new()).unwrap();
    assert_ne!(a.requests_arrived, c.requests_arrived);
}

#[test]
fn kv_cache_limits_the_batch_and_rejects_oversized_requests() {
    // A 7B FP16 model on one L4 (24 GB): 13.5 GB weights leave ~8 GB of KV
    // (0.5 MB/token → ~16k tokens): at most ~25 sequences of 640 tokens.
    let p = plan_with("gcp-g2-standard-8", 1, NodeKind::GpuServer, |s| {
        s.rate_rps = 50.0;
        s.duration_s = 30.0;
    });
    let c = llm_cost(&p);
    assert!(
        c.kv_capacity_tokens > 10_000.0 && c.kv_capacity_tokens < 20_000.0,
        "{}",
        c.kv_capacity_tokens
    );
    let r = run(&p);
    assert!(r.requests_unfinished > 0);
    let p2 = plan_with("gcp-g2-standard-8", 1, NodeKind::GpuServer, |s| {
        s.prompt_tokens.mean = 30_000.0;
        s.duration_s = 30.0;
    });
    let r2 = run(&p2);
    assert_eq!(r2.requests_completed, 0);
    assert!(r2.requests_rejected > 0);
    // A 70B FP16 model does not fit on one L4 at all.
    let p3 = plan_with("gcp-g2-standard-8", 1, NodeKind::GpuServer, |s| {
        s.model = ModelSpec::Params {
            params_b: 70.0,
            seq_len: 4096,
        };
    });
    let e = simulate_serving(&p3, &"serve".into(), &Catalog::builtin(), 1, &Progress::new());
    assert!(matches!(e, Err(SimError::Invalid(m)) if m.contains("no room")));
}

#[test]
fn quantization_pruning_and_kernels_follow_the_hardware() {
    let cost = |model: &str, f: &dyn Fn(&mut ServeStage)| {
        let p = plan_with(model, 1, NodeKind::GpuServer, |s| f(s));
        llm_cost(&p)
    };
    // INT8 halves decode bytes on H100 and doubles its compute rate.
    let fp16 = cost("aws-p5-48xlarge", &|_| {});
    let int8 = cost("aws-p5-48xlarge", &|s| s.quantization = Precision::Int8);
    assert!((fp16.weight_bytes / int8.weight_bytes - 2.0).abs() < 1e-9);
    assert!((int8.hw.flops / fp16.hw.flops - 2.0).abs() < 0.01);
    // H100 has no INT4 path: INT4 weights, INT8 math.
    let int4 = cost("aws-p5-48xlarge", &|s| s.quantization = Precision::Int4);
    assert_eq!(int4.hw.compute_precision, Precision::Int8);
    assert!((fp16.weight_bytes / int4.weight_bytes - 4.0).abs() < 1e-9);
    // 2:4 sparsity speeds up math on H100 (sparse tensor cores), not on T4.
    let sp = cost("aws-p5-48xlarge", &|s| s.pruning = Pruning::Structured2of4);
    assert_eq!(sp.sparsity_speedup, 2.0);
    assert!(sp.weight_bytes < 0.6 * fp16.weight_bytes);
    let t4 = cost("aws-g4dn-xlarge", &|s| {
        s.pruning = Pruning::Structured2of4;
        s.model = ModelSpec::Params {
            params_b: 1.0,
            seq_len: 2048,
        };
    });
    assert_eq!(t4.sparsity_speedup, 1.0);
    // Unstructured pruning shrinks the file, not the step.
    // At 50 % a CSR-like format with 16-bit indices saves nothing on FP16.
    let half = cost("aws-p5-48xlarge", &|s| s.pruning = Pruning::Unstructured(50));
    assert_eq!(half.model_bytes, fp16.model_bytes);
    let un = cost("aws-p5-48xlarge", &|s| s.pruning = Pruning::Unstructured(80));
    assert_eq!(un.weight_bytes, fp16.weight_bytes);
    assert!(un.model_bytes < 0.5 * fp16.model_bytes);
    // Without optimized kernels compute is slower and batches smaller.
    let slow = cost("aws-p5-48xlarge", &|s| s.optimized_kernels = false);
    assert!(slow.hw.flops < 0.6 * fp16.hw.flops);
    assert!(slow.max_seqs < fp16.max_seqs);
}

#[test]
fn tensor_parallel_adds_all_reduce_and_splits_the_weights() {
    let p1 = plan_with("aws-p5-48xlarge", 1, NodeKind::GpuServer, |_| {});
    let p4 = plan_with("aws-p5-48xlarge", 1, NodeKind::GpuServer, |s| s.tp = 4);
    let (c1, c4) = (llm_cost(&p1), llm_cost(&p4));
    let (s1, s4) = (c1.step(64, 64.0 * 600.0, 0, 0.0), c4.step(64, 64.0 * 600.0, 0, 0.0));
    assert_eq!(s1.comm_s, 0.0);
    assert!(s4.comm_s > 0.0);
    assert!(s4.memory_s < 0.3 * s1.memory_s);
    assert!(s4.seconds < s1.seconds);
    let r = run(&p4);
    assert_eq!(r.pools[0].replicas, 2);
}

#[test]
fn serverless_scales_to_zero_with_cold_starts_and_costs_less_when_idle() {
    let small = ModelSpec::Params {
        params_b: 1.0,
        seq_len: 2048,
    };
    let mk = |auto: bool| {
        plan_with("serverless-l4", 4, NodeKind::ServerlessEndpoint, |s| {
            s.model = small.clone();
            s.rate_rps = 0.005; // one request every 200 s
            s.duration_s = 3600.0;
            s.ttft_slo_s = 1.0;
            if auto {
                s.autoscaling = Some(Autoscaling {
                    min_replicas: 0,
                    max_replicas: 4,
                    target_queue_per_replica: 4.0,
                    cold_start_s: 20.0,
                });
            }
        })
    };
    let warm = run(&mk(false));
    let cold = run(&mk(true));
    assert!(cold.requests_completed > 5);
    assert!(cold.ttft_s.p90 > 20.0, "cold starts show in TTFT: {}", cold.ttft_s.p90);
    assert!(warm.ttft_s.p99 < 1.0);
    assert!(
        cold.cost_usd < 0.5 * warm.cost_usd,
        "{} vs {}",
        cold.cost_usd,
        warm.cost_usd
    );
    assert!(cold.slo_attainment < 0.5);
    // The per-request fee is included.
    assert!(cold.cost_usd > 0.0);
}

#[test]
fn autoscaling_follows_bursts() {
    // 70B at TP 8: one replica per server. 10 s bursts at 3x the mean rate.
    let p = plan_with("aws-p5-48xlarge", 4, NodeKind::GpuServer, |s| {
        s.model = ModelSpec::Params {
            params_b: 70.0,
            seq_len: 4096,
        };
        s.tp = 8;
        s.arrival = Arrival::Bursty {
            factor: 3.0,
            on_fraction: 0.25,
        };
        s.rate_rps = 40.0;
        s.duration_s = 900.0;
        s.autoscaling = Some(Autoscaling {
            min_replicas: 1,
            max_replicas: 4,
            target_queue_per_replica: 2.0,
            cold_start_s: 30.0,
        });
    });
    let r = run(&p);
    assert!(r.max_replicas_up > 1, "scaled out: {}", r.max_replicas_up);
    let reps: Vec<f64> = r.replicas_series.iter().map(|x| x.1).collect();
    let lo = reps.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = reps.iter().copied().fold(0.0, f64::max);
    assert!(hi > lo, "replicas vary over time");
    assert!(r.requests_completed as f64 > 0.9 * r.requests_arrived as f64);
}

#[test]
fn classic_models_cnn_and_trees() {
    let p = plan_with("aws-p5-48xlarge", 1, NodeKind::GpuServer, |s| {
        s.model = ModelSpec::Cnn {
            name: "ResNet-50".into(),
            gflops_per_sample: 4.1,
            params_m: 25.6,
        };
        s.quantization = Precision::Int8;
        s.rate_rps = 200_000.0;
        s.replicas = Some(1);
        s.duration_s = 1.0;
    });
    let r = run(&p);
    // One H100 at ~0.38 × 1,979 TOPS / 8.2 GFLOP ≈ 90k img/s.
    let per_gpu = r.requests_per_second;
    assert!(per_gpu > 70_000.0 && per_gpu < 100_000.0, "{per_gpu}");
    assert_eq!(r.tokens_per_second, 0.0);
    let t = plan_with("xeon-8480-2s", 1, NodeKind::CpuServer, |s| {
        s.model = ModelSpec::Trees {
            trees: 500,
            depth: 8,
            features: 100,
        };
        s.quantization = Precision::Fp32;
        s.rate_rps = 1000.0;
        s.duration_s = 20.0;
        s.ttft_slo_s = 0.01;
    });
    let r = run(&t);
    assert!(r.requests_completed > 18_000);
    assert!(r.e2e_s.p99 < 0.01, "{}", r.e2e_s.p99);
}

#[test]
fn cancel_stops_the_run() {
    let p = plan_with("aws-p5-48xlarge", 1, NodeKind::GpuServer, |s| {
        s.rate_rps = 100.0;
        s.duration_s = 3600.0;
    });
    let prog = Progress::new();
    prog.cancel();
    let r = simulate_serving(&p, &"serve".into(), &Catalog::builtin(), 1, &prog);
    assert_eq!(r, Err(SimError::Cancelled));
}

/// The multi-step fast path changes only how many events the run takes:
/// every metric is bit-identical with it off (same steps, same step times,
/// same completion times; the fast path only merges step ends at which
/// nothing could happen). Light load (decode-only stretches between
/// arrivals), bursts with autoscaling, and a loaded cluster.
#[test]
fn multi_step_fast_path_changes_nothing_but_the_event_count() {
    let cases: Vec<(Plan, &str)> = vec![
        (
            plan_with("dgx-h100", 1, NodeKind::GpuServer, |s| {
                s.rate_rps = 0.5;
                s.prompt_tokens = LengthDist { mean: 300.0, cv: 1.0 };
                s.output_tokens = LengthDist { mean: 400.0, cv: 1.2 };
                s.duration_s = 600.0;
            }),
            "light",
        ),
        (
            plan_with("dgx-h100", 1, NodeKind::GpuServer, |s| {
                s.rate_rps = 20.0;
                s.arrival = Arrival::Bursty {
                    factor: 4.0,
                    on_fraction: 0.2,
                };
                s.output_tokens = LengthDist { mean: 200.0, cv: 1.0 };
                s.autoscaling = Some(Autoscaling {
                    min_replicas: 1,
                    max_replicas: 8,
                    target_queue_per_replica: 4.0,
                    cold_start_s: 20.0,
                });
                s.duration_s = 300.0;
            }),
            "bursty",
        ),
        (
            crate::sim::serving::bench::serving_cluster_plan(2_000.0, 20.0),
            "loaded",
        ),
    ];
    for (plan, name) in cases {
        let stage = &plan.stages[0];
        let StageKind::Serve(s) = &stage.kind else {
            panic!("not serve")
        };
        let cat = Catalog::builtin();
        let fast = run_serve_stage(&plan, stage, s, &cat, 11, &Progress::new(), RunOptions::default()).unwrap();
        let slow = run_serve_stage(
            &plan,
            stage,
            s,
            &cat,
            11,
            &Progress::new(),
            RunOptions {
                multi_step: false,
                ..RunOptions::default()
            },
        )
        .unwrap();
        assert!(slow.requests_completed > 10, "{name}: {}", slow.requests_completed);
        assert!(fast.events <= slow.events, "{name}");
        // The utilization and queue series integrate the same intervals,
        // split at other event times and added in another order across
        // replicas (merged steps are added when their event starts): equal
        // up to float rounding. Everything else is exact.
        let close = |a: &[(f64, f64)], b: &[(f64, f64)], what: &str| {
            assert_eq!(a.len(), b.len());
            for (x, y) in a.iter().zip(b) {
                assert_eq!(x.0, y.0);
                assert!(
                    (x.1 - y.1).abs() <= 1e-9 * (1.0 + y.1.abs()),
                    "{name} {what}: {x:?} vs {y:?}"
                );
            }
        };
        close(&fast.utilization_series, &slow.utilization_series, "utilization");
        close(&fast.queue_len, &slow.queue_len, "queue");
        let mut f2 = fast.clone();
        f2.events = slow.events;
        f2.utilization_series = slow.utilization_series.clone();
        f2.queue_len = slow.queue_len.clone();
        if f2 != slow {
            let (a, b) = (serde_json::to_value(&f2).unwrap(), serde_json::to_value(&slow).unwrap());
            let (a, b) = (a.as_object().unwrap(), b.as_object().unwrap());
            let diff: Vec<String> = a
                .iter()
                .filter(|(k, v)| b.get(*k) != Some(v))
                .map(|(k, v)| {
                    let (x, y) = (v.to_string(), b[k].to_string());
                    format!("{k}: {} vs {}", &x[..x.len().min(300)], &y[..y.len().min(300)])
                })
                .collect();
            panic!("{name}: results differ with the fast path: {diff:#?}");
        }
        if name == "light" {
            assert!(
                (fast.events as f64) < 0.2 * slow.events as f64,
                "light load should merge most steps: {} vs {}",
                fast.events,
                slow.events
            );
        }
    }
}

/// Replicas run in parallel groups, each with its own tally merged in a
/// fixed order: the result must not depend on how many threads ran them.
#[test]
fn results_do_not_depend_on_the_thread_count() {
    let plan = crate::sim::serving::bench::serving_cluster_plan(2_000.0, 10.0);
    let with_threads = |n: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()
            .unwrap()
            .install(|| run(&plan))
    };
    let one = with_threads(1);
    assert!(one.requests_completed > 10_000, "{}", one.requests_completed);
    assert_eq!(one, with_threads(3));
}

/// Random routing shares the traffic out evenly over the replicas up: two
/// pools of the same servers get the same load and the same utilization.
#[test]
fn traffic_is_shared_over_the_replicas() {
    let mut plan = crate::sim::serving::bench::serving_cluster_plan(1_500.0, 20.0);
    let mut second = plan.nodes[1].clone();
    second.id = "gpus2".into();
    second.count = 1;
    plan.nodes[1].count = 1;
    plan.nodes.push(second);
    plan.links.push(Link {
        id: "l2".into(),
        to: "gpus2".into(),
        ..plan.links[0].clone()
    });
    plan.stages[0].placement.push("gpus2".into());
    let r = run(&plan);
    assert_eq!(r.pools.len(), 2);
    let (a, b) = (r.pools[0].utilization, r.pools[1].utilization);
    assert!(a > 0.3 && (a - b).abs() < 0.05 * a, "{a} vs {b}");
    assert!(r.requests_unfinished < r.requests_arrived / 50);
}

mod conservation {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]

        /// Every request that arrives is completed, still waiting or running
        /// at the end, or refused — whatever the load, the arrival pattern,
        /// the autoscaler and the request lengths (some longer than an L4's
        /// KV cache); nothing is lost or counted twice, and the series stay
        /// finite and non-negative.
        #[test]
        fn requests_are_conserved(
            rate in 0.0f64..400.0,
            servers in 1u32..4,
            pattern in 0u8..3,
            auto in proptest::option::of((0u32..3, 1u32..6, 0.0f64..30.0)),
            prompt in 16.0f64..20_000.0,
            cv in 0.0f64..2.0,
            seed in 0u64..1000,
        ) {
            let p = plan_with("gcp-g2-standard-8", servers, NodeKind::GpuServer, |s| {
                s.rate_rps = rate;
                s.duration_s = 40.0;
                s.prompt_tokens = LengthDist { mean: prompt, cv };
                s.output_tokens = LengthDist { mean: 64.0, cv };
                s.arrival = match pattern {
                    0 => Arrival::Poisson,
                    1 => Arrival::Bursty { factor: 3.0, on_fraction: 0.25 },
                    _ => Arrival::Diurnal { peak_to_trough: 4.0 },
                };
                s.autoscaling = auto.map(|(min, max, cold)| Autoscaling {
                    min_replicas: min,
                    max_replicas: max,
                    target_queue_per_replica: 2.0,
                    cold_start_s: cold,
                });
            });
            let r = simulate_serving(&p, &"serve".into(), &Catalog::builtin(), seed, &Progress::new())
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(
                r.requests_arrived,
                r.requests_completed + r.requests_unfinished + r.requests_rejected,
                "{:?}", (r.requests_arrived, r.requests_completed, r.requests_unfinished, r.requests_rejected)
            );
            prop_assert!(r.max_replicas_up <= servers);
            for (name, s) in [("queue", &r.queue_len), ("util", &r.utilization_series), ("up", &r.replicas_series)] {
                prop_assert!(s.iter().all(|p| p.1.is_finite() && p.1 >= -1e-9), "{} {:?}", name, s);
            }
            prop_assert!(r.replicas_series.iter().all(|p| p.1 <= servers as f64 + 1e-9));
            prop_assert!((0.0..=1.0).contains(&r.utilization));
        }
    }
}
