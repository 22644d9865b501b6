//! Plan files: bad input gives a short error with line:column and never
//! panics or overwrites anything; saves are atomic and round-trip exactly.

use clusterforge::model::*;
use clusterforge::report::{PlanFileError, load_plan, parse_plan, plan_to_json, plan_to_ron, save_plan};
use proptest::prelude::*;
use std::path::Path;

fn minimal_plan_text() -> String {
    plan_to_ron(&Plan::default())
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

#[test]
fn default_plan_round_trips() {
    let text = minimal_plan_text();
    let plan = parse_plan(&text, "t").unwrap();
    assert_eq!(plan, Plan::default());
}

#[test]
fn misspelt_field_names_line_column_and_field() {
    let text = "(\n    format_version: 1,\n    name: \"x\",\n    nodez: [],\n)\n";
    let err = parse_plan(text, "plan.ron").unwrap_err();
    let msg = err.to_string();
    assert_eq!(err.position().map(|p| p.0), Some(4), "{msg}");
    assert!(msg.starts_with("plan.ron:4:"), "{msg}");
    assert!(msg.contains("nodez"), "{msg}");
}

#[test]
fn wrong_type_names_the_field_path() {
    let mut plan = Plan::default();
    plan.sites.push(Site {
        id: "dc".into(),
        name: "DC".into(),
        kind: SiteKind::Edge(EdgeSite {
            locations: 3,
            power_usd_per_kwh: 0.1,
            amortization_years: 4.0,
        }),
        carbon_kg_per_kwh: 0.3,
    });
    plan.nodes.push(Node {
        id: "n1".into(),
        name: "n1".into(),
        kind: NodeKind::EdgeDevice,
        model: "jetson-agx-orin-64gb".into(),
        count: 4,
        site: "dc".into(),
        pos: (0.0, 0.0),
        capacity_tb: None,
        cache_hit_ratio: None,
    });
    let text = plan_to_ron(&plan).replace("count: 4", "count: \"four\"");
    let err = parse_plan(&text, "p.ron").unwrap_err();
    let msg = err.to_string();
    let line = text.lines().position(|l| l.contains("\"four\"")).unwrap() + 1;
    assert_eq!(err.position().map(|p| p.0), Some(line), "{msg}");
    assert!(msg.contains("nodes[0].count"), "{msg}");
}

#[test]
fn truncated_file_is_an_error_not_a_panic() {
    let text = minimal_plan_text();
    // Cut after whole lines (a cut inside a word reads as a misspelt field).
    let line_ends: Vec<usize> = text.match_indices('\n').map(|(i, _)| i + 1).collect();
    let cuts = [
        1,
        line_ends[1],
        line_ends[line_ends.len() / 2],
        line_ends[line_ends.len() - 2],
    ];
    for cut in cuts {
        let err = parse_plan(&text[..cut], "t.ron").unwrap_err();
        assert!(err.position().is_some(), "cut at {cut}: {err}");
        if cut > 1 {
            assert!(err.to_string().contains("truncated"), "cut at {cut}: {err}");
        }
    }
}

#[test]
fn empty_file_says_so() {
    for text in ["", "   \n\t\n"] {
        let err = parse_plan(text, "e.ron").unwrap_err();
        assert!(matches!(err, PlanFileError::Empty { .. }), "{err}");
        assert!(err.to_string().contains("empty"));
    }
}

#[test]
fn future_version_asks_for_an_update() {
    let text = minimal_plan_text()
        .replace("format_version: 1", "format_version: 99")
        .replace("name:", "some_future_field: 3,\n    name:");
    let err = parse_plan(&text, "f.ron").unwrap_err();
    assert!(matches!(err, PlanFileError::FutureVersion { found: 99, .. }), "{err}");
    assert!(err.to_string().contains("newer"), "{err}");
}

#[test]
fn huge_garbage_file_is_refused_quickly() {
    let dir = tempfile::tempdir().unwrap();
    // Random-looking bytes, not UTF-8, 2 MiB.
    let garbage: Vec<u8> = (0..2_000_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let path = write(dir.path(), "garbage.ron", &garbage);
    let err = load_plan(&path).unwrap_err();
    assert!(
        matches!(err, PlanFileError::NotText { .. } | PlanFileError::Syntax { .. }),
        "{err}"
    );
    // Text garbage: a long line of brackets must not overflow the stack.
    let deep = "(".repeat(200_000);
    let err = parse_plan(&deep, "deep.ron").unwrap_err();
    assert!(err.position().is_some(), "{err}");
    let words = "lorem ipsum ".repeat(100_000);
    assert!(parse_plan(&words, "words.ron").is_err());
}

#[test]
fn missing_file_is_an_io_error() {
    let err = load_plan(Path::new("/nonexistent/dir/plan.ron")).unwrap_err();
    assert!(matches!(err, PlanFileError::Io { .. }), "{err}");
}

#[test]
fn failed_save_leaves_the_old_file_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plan.ron");
    let plan = Plan::default();
    save_plan(&path, &plan).unwrap();
    let before = std::fs::read(&path).unwrap();
    // Saving into a directory that does not exist fails without side effects.
    let bad = dir.path().join("missing").join("plan.ron");
    assert!(matches!(save_plan(&bad, &plan), Err(PlanFileError::Save { .. })));
    assert_eq!(std::fs::read(&path).unwrap(), before);
    // No temporary files are left behind.
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");
}

#[test]
fn a_bad_file_is_never_overwritten_by_loading() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "bad.ron", b"(format_version: 1, name: ");
    assert!(load_plan(&path).is_err());
    assert_eq!(std::fs::read(&path).unwrap(), b"(format_version: 1, name: ");
}

#[test]
fn json_export_is_valid_json() {
    let json = plan_to_json(&Plan::default());
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["format_version"], FORMAT_VERSION);
}

// ---- Round-trip property test over generated plans --------------------------

fn id() -> impl Strategy<Value = String> {
    "[a-z][a-z0-9-]{0,10}"
}

fn text() -> impl Strategy<Value = String> {
    // Quotes, backslashes, unicode and newlines must survive.
    prop_oneof!["[ -~]{0,24}", Just("Ünïcødé — \"quoted\" \\ back\nslash".to_owned()),]
}

fn num() -> impl Strategy<Value = f64> {
    prop_oneof![0.0..1e6f64, 1e-9..1e-3f64, 1e9..1e15f64, Just(0.1), Just(1.0 / 3.0)]
}

fn site() -> impl Strategy<Value = Site> {
    let kind = prop_oneof![
        (num(), num(), 1.0..2.0f64, num(), num()).prop_map(|(a, p, pue, o, f)| SiteKind::OnPrem(OnPremSite {
            amortization_years: a,
            power_usd_per_kwh: p,
            pue,
            operations_usd_per_year: o,
            facility_capex_usd: f,
        })),
        (
            text(),
            num(),
            0.0..1.0f64,
            prop_oneof![
                Just(PricingModel::OnDemand),
                Just(PricingModel::Reserved),
                Just(PricingModel::Spot)
            ]
        )
            .prop_map(|(region, egress, d, pricing)| SiteKind::Cloud(CloudSite {
                provider: CloudProvider::Gcp,
                region,
                pricing,
                egress_usd_per_gb: egress,
                reserved_discount: d,
                spot_discount: d / 2.0,
                spot_preemptions_per_hour: d / 10.0,
                colocation: None,
            })),
        (1..1000u32, num()).prop_map(|(locations, p)| SiteKind::Edge(EdgeSite {
            locations,
            power_usd_per_kwh: p,
            amortization_years: 3.0,
        })),
    ];
    (id(), text(), kind, num()).prop_map(|(id, name, kind, c)| Site {
        id: SiteId(id),
        name,
        kind,
        carbon_kg_per_kwh: c,
    })
}

fn node() -> impl Strategy<Value = Node> {
    (
        id(),
        text(),
        prop::sample::select(NodeKind::ALL.to_vec()),
        id(),
        0..100_000u32,
        id(),
        (-1e5f32..1e5f32, -1e5f32..1e5f32),
        prop::option::of(num()),
        prop::option::of(0.0..1.0f64),
    )
        .prop_map(
            |(id, name, kind, model, count, site, pos, capacity_tb, cache_hit_ratio)| Node {
                id: NodeId(id),
                name,
                kind,
                model,
                count,
                site: SiteId(site),
                pos,
                capacity_tb,
                cache_hit_ratio,
            },
        )
}

fn link() -> impl Strategy<Value = Link> {
    (
        id(),
        id(),
        id(),
        prop::sample::select(Medium::ALL.to_vec()),
        prop::sample::select(WiringPattern::ALL.to_vec()),
        0..64u32,
        num(),
        num(),
    )
        .prop_map(|(id, from, to, medium, pattern, lanes, lane_gbps, latency_us)| Link {
            id: LinkId(id),
            from: NodeId(from),
            to: NodeId(to),
            medium,
            pattern,
            lanes,
            lane_gbps,
            latency_us,
        })
}

fn model_spec() -> impl Strategy<Value = ModelSpec> {
    prop_oneof![
        (
            1..200u32,
            1..30_000u32,
            1..200u32,
            prop::option::of(1..16u32),
            any::<bool>(),
            prop::option::of((1..64u32, 1..4u32))
        )
            .prop_map(
                |(layers, hidden, heads, kv, gated, moe)| ModelSpec::Transformer(TransformerShape {
                    dropout: None,
                    head_dim: None,
                    name: "m".into(),
                    layers,
                    hidden,
                    heads,
                    kv_heads: kv,
                    ffn_hidden: None,
                    gated_ffn: gated,
                    seq_len: 4096,
                    vocab: 32000,
                    moe: moe.map(|(experts, top_k)| MoeSpec {
                        expert_ffn: None,
                        load_imbalance: 1.0,
                        shared_experts: 0,
                        experts,
                        top_k
                    }),
                })
            ),
        (num(), 1..100_000u32).prop_map(|(params_b, seq_len)| ModelSpec::Params { params_b, seq_len }),
        (text(), num(), num()).prop_map(|(name, g, p)| ModelSpec::Cnn {
            name,
            gflops_per_sample: g,
            params_m: p
        }),
        (1..1000u32, 1..20u32, 1..500u32).prop_map(|(trees, depth, features)| ModelSpec::Trees {
            trees,
            depth,
            features
        }),
    ]
}

fn precision() -> impl Strategy<Value = Precision> {
    prop::sample::select(Precision::ALL.to_vec())
}

fn data_stage() -> impl Strategy<Value = DataStage> {
    let fmt = prop::sample::select(vec![
        DataFormat::Csv,
        DataFormat::Json,
        DataFormat::Parquet,
        DataFormat::Orc,
        DataFormat::Binary,
    ]);
    let codec = prop::sample::select(vec![Codec::None, Codec::Snappy, Codec::Zstd, Codec::Gzip]);
    (
        num(),
        fmt.clone(),
        codec.clone(),
        fmt,
        codec,
        1..100_000u32,
        0.01..1.0f64,
        id(),
        id(),
    )
        .prop_map(
            |(dataset_tb, input_format, input_codec, output_format, output_codec, partitions, columns_read, s, d)| {
                DataStage {
                    dataset_tb,
                    input_format,
                    input_codec,
                    output_format,
                    output_codec,
                    partitions,
                    columns_read,
                    prefixes: (partitions % 3 == 0).then_some(partitions / 3 + 1),
                    source: NodeId(s),
                    destination: NodeId(d),
                }
            },
        )
}

fn stage_kind() -> impl Strategy<Value = StageKind> {
    prop_oneof![
        data_stage().prop_map(StageKind::Ingest),
        data_stage().prop_map(StageKind::Preprocess),
        (
            model_spec(),
            num(),
            1..4096u32,
            1..16u32,
            precision(),
            (1..9u32, 1..65u32, 1..1025u32, any::<bool>(), 0..4u8),
            prop::option::of((id(), num(), any::<bool>())),
            prop::option::of(id())
        )
            .prop_map(
                |(model, tokens, gb, mb, precision, (tp, pp, dp, sp, zero), ck, ds)| StageKind::Train(TrainStage {
                    attention: clusterforge::model::AttentionKernel::Fused,
                    model,
                    tokens,
                    global_batch: gb,
                    micro_batch: mb,
                    precision,
                    parallelism: Parallelism {
                        cp: 1,
                        stage_layers: Vec::new(),
                        tp,
                        pp,
                        dp,
                        sequence_parallel: sp,
                        zero_stage: zero,
                        ep: 1,
                        schedule: if sp {
                            PipelineSchedule::Interleaved(3)
                        } else {
                            PipelineSchedule::OneFOneB
                        },
                    },
                    recompute: if sp { Recompute::Selective } else { Recompute::Full },
                    data_source: ds.map(NodeId),
                    checkpoint: ck.map(|(t, interval_s, asynchronous)| CheckpointPolicy {
                        target: NodeId(t),
                        interval_s,
                        asynchronous,
                    }),
                    overlap_grad_reduce: !sp,
                })
            ),
        (model_spec(), num(), precision(), prop::option::of(id())).prop_map(|(model, tokens, precision, of)| {
            StageKind::Validate(ValidateStage {
                of_stage: of.map(StageId),
                model,
                tokens,
                precision,
                data_source: None,
            })
        }),
        (num(), id()).prop_map(|(size_gb, t)| StageKind::Checkpoint(CheckpointStage {
            size_gb,
            target: NodeId(t)
        })),
        (
            model_spec(),
            id(),
            num(),
            precision(),
            1..9u32,
            prop::option::of((0..4u32, 4..64u32, num())),
            0..3u8
        )
            .prop_map(
                |(model, source, rate, quantization, tp, auto, arr)| StageKind::Serve(ServeStage {
                    model,
                    source: NodeId(source),
                    rate_rps: rate,
                    arrival: match arr {
                        0 => Arrival::Poisson,
                        1 => Arrival::Bursty {
                            factor: 3.0,
                            on_fraction: 0.2
                        },
                        _ => Arrival::Diurnal { peak_to_trough: 4.0 },
                    },
                    prompt_tokens: LengthDist {
                        mean: rate / 7.0,
                        cv: 0.5
                    },
                    output_tokens: LengthDist { mean: 128.0, cv: 0.0 },
                    ttft_slo_s: 2.0,
                    tpot_slo_s: 0.2,
                    quantization,
                    pruning: if tp % 2 == 0 {
                        Pruning::Structured2of4
                    } else {
                        Pruning::Unstructured(50)
                    },
                    optimized_kernels: tp > 4,
                    tp,
                    replicas: auto.as_ref().map(|a| a.1),
                    autoscaling: auto.map(|(min, max, q)| Autoscaling {
                        min_replicas: min,
                        max_replicas: max,
                        target_queue_per_replica: q,
                        cold_start_s: 30.0,
                    }),
                    duration_s: 3600.0,
                })
            ),
    ]
}

fn stage() -> impl Strategy<Value = Stage> {
    (
        id(),
        text(),
        prop::collection::vec(id(), 0..3),
        prop::collection::vec(id(), 0..4),
        stage_kind(),
    )
        .prop_map(|(id, name, after, placement, kind)| Stage {
            id: StageId(id),
            name,
            after: after.into_iter().map(StageId).collect(),
            placement: placement.into_iter().map(NodeId).collect(),
            kind,
        })
}

fn plan() -> impl Strategy<Value = Plan> {
    (
        text(),
        text(),
        prop::collection::vec(site(), 0..4),
        prop::collection::vec(node(), 0..8),
        prop::collection::vec(link(), 0..8),
        prop::collection::vec(stage(), 0..5),
        (any::<u64>(), 1..10u32, num()),
    )
        .prop_map(
            |(name, description, sites, nodes, links, stages, (seed, it, years))| Plan {
                format_version: FORMAT_VERSION,
                name,
                description,
                sites,
                nodes,
                links,
                stages,
                settings: SimSettings {
                    discounts: Default::default(),
                    seed,
                    detailed_iterations: it,
                    tco_horizon_years: years,
                    tco_utilization: years / 20.0,
                },
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Save then load gives back exactly the same plan, and saving it again
    /// gives byte-identical text.
    #[test]
    fn save_load_round_trips_exactly(plan in plan()) {
        let text = plan_to_ron(&plan);
        let back = parse_plan(&text, "generated").map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        prop_assert_eq!(&back, &plan);
        prop_assert_eq!(plan_to_ron(&back), text);
    }

    /// Validation never panics, whatever the plan.
    #[test]
    fn validate_never_panics(plan in plan()) {
        let _ = plan.validate(&Catalog::builtin());
    }
}

#[test]
fn round_trip_through_a_real_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.ron");
    let plan = Plan {
        name: "file test".into(),
        ..Plan::default()
    };
    save_plan(&path, &plan).unwrap();
    assert_eq!(load_plan(&path).unwrap(), plan);
}
