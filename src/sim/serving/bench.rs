//! Serving benchmark: wall time to simulate one hour of 10,000 requests/s
//! against a 64-GPU serving cluster (8 × DGX H100, Llama-3-8B FP8, 64 TP-1
//! replicas). A figure, not a timed test.

use super::{ServingResult, simulate_serving};
use crate::model::*;
use crate::sim::{Progress, SimError};
use std::time::Instant;

/// The 64-GPU serving plan used by the benchmark (also a fixture for tests).
pub fn serving_cluster_plan(rate_rps: f64, duration_s: f64) -> Plan {
    let node = |id: &str, kind: NodeKind, model: &str, count: u32| Node::new(id, kind, model, count, "dc");
    Plan {
        name: "bench: 64-GPU serving cluster".into(),
        sites: vec![Site {
            id: "dc".into(),
            name: "DC".into(),
            kind: SiteKind::OnPrem(OnPremSite {
                amortization_years: 4.0,
                power_usd_per_kwh: 0.0806,
                pue: 1.58,
                operations_usd_per_year: 0.0,
                facility_capex_usd: 0.0,
            }),
            carbon_kg_per_kwh: 0.37,
        }],
        nodes: vec![
            node("users", NodeKind::RequestSource, "", 1),
            node("gpus", NodeKind::GpuServer, "dgx-h100", 8),
        ],
        links: vec![Link {
            id: "l".into(),
            from: "users".into(),
            to: "gpus".into(),
            medium: Medium::Ethernet400,
            pattern: WiringPattern::Spread,
            lanes: 1,
            lane_gbps: 400.0,
            latency_us: 0.0,
        }],
        stages: vec![Stage {
            id: "serve".into(),
            name: "Serve".into(),
            after: vec![],
            placement: vec!["gpus".into()],
            kind: StageKind::Serve(ServeStage {
                model: ModelSpec::Transformer(TransformerShape {
                    dropout: None,
                    head_dim: None,
                    name: "Llama-3-8B".into(),
                    layers: 32,
                    hidden: 4096,
                    heads: 32,
                    kv_heads: Some(8),
                    ffn_hidden: Some(14336),
                    gated_ffn: true,
                    seq_len: 8192,
                    vocab: 128_256,
                    moe: None,
                }),
                source: "users".into(),
                rate_rps,
                arrival: Arrival::Poisson,
                prompt_tokens: LengthDist { mean: 200.0, cv: 1.0 },
                output_tokens: LengthDist { mean: 100.0, cv: 1.0 },
                ttft_slo_s: 1.0,
                tpot_slo_s: 0.1,
                quantization: Precision::Fp8,
                pruning: Pruning::None,
                optimized_kernels: true,
                tp: 1,
                replicas: None,
                autoscaling: None,
                duration_s,
            }),
        }],
        ..Plan::default()
    }
}

/// Run the benchmark scenario; returns the wall seconds and the result.
pub fn run_serve_bench(rate_rps: f64, duration_s: f64) -> Result<(f64, ServingResult), SimError> {
    let plan = serving_cluster_plan(rate_rps, duration_s);
    let catalog = Catalog::builtin();
    let t = Instant::now();
    let r = simulate_serving(&plan, &"serve".into(), &catalog, 42, &Progress::new())?;
    Ok((t.elapsed().as_secs_f64(), r))
}

/// `serve_1h_10k_rps_s`: wall time of one simulated hour at 10,000 req/s.
pub fn bench_serve_1h_10k_rps_s() -> Result<f64, SimError> {
    run_serve_bench(10_000.0, 3600.0).map(|(s, _)| s)
}
