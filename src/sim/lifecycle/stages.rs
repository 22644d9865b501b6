//! Validate (evaluation) and Checkpoint (export) stages, and the events of
//! training, serving and data stages in their own time.

use super::schedule::LocalEvent;
use super::usage::{self, Usage, link_capacity, path, storage_capacity};
use crate::model::{
    Catalog, CheckpointStage, NodeId, NodeRole, Plan, PricingModel, SiteKind, Stage, StageKind, ValidateStage,
};
use crate::sim::metrics::{Cause, MetricKey, Resource};
use crate::sim::results::{EventKind, WorkloadResult};
use crate::sim::training::shape::Shape;
use crate::sim::{SimError, cost};
use std::collections::BTreeMap;

/// Bytes of evaluation data per token: binary token shards of 2-byte ids
/// (GPT-2/Llama tokenizers' vocabularies fit 16-32 bits; Megatron and
/// nanoGPT `.bin` shards store uint16).
pub const EVAL_BYTES_PER_TOKEN: f64 = 2.0;
/// Load of the compute while it writes a checkpoint export (the devices
/// wait on I/O): estimate, for the power model only.
const EXPORT_UTILIZATION: f64 = 0.1;

fn invalid(stage: &Stage, msg: impl std::fmt::Display) -> SimError {
    SimError::Invalid(format!("stage '{}': {msg}", stage.id))
}

/// Devices (members × devices per member) and the first catalog device of
/// the compute nodes a stage is placed on.
fn placement_devices<'a>(plan: &Plan, catalog: &'a Catalog, stage: &Stage) -> (f64, Option<&'a crate::model::Device>) {
    let mut n = 0.0;
    let mut dev = None;
    for id in &stage.placement {
        let Some(node) = plan.node(id) else { continue };
        if node.kind.role() != NodeRole::Compute {
            continue;
        }
        let Some(sys) = catalog.system(&node.model) else {
            continue;
        };
        n += node.count as f64 * sys.devices.max(1) as f64;
        if dev.is_none() {
            dev = catalog.device(&sys.device);
        }
    }
    (n, dev)
}

/// Cost and energy of the compute placement for `seconds` at `util`.
fn compute_cost(ledger: &cost::Ledger, stage: &Stage, seconds: f64, util: f64) -> (f64, f64, f64) {
    let (mut usd, mut kwh, mut co2) = (0.0, 0.0, 0.0);
    for id in &stage.placement {
        if ledger
            .index()
            .node(id)
            .is_some_and(|n| n.kind.role() == NodeRole::Compute)
            && let Ok(h) = ledger.hourly(id, util)
        {
            usd += h.total_usd() * seconds / 3600.0;
            kwh += h.energy_kwh * seconds / 3600.0;
            co2 += h.carbon_kg * seconds / 3600.0;
        }
    }
    (usd, kwh, co2)
}

/// Read (or write) bandwidth between a compute node and a storage node:
/// the storage's throughput, every link on the path, the servers' NICs.
pub fn path_bandwidth(plan: &Plan, catalog: &Catalog, compute: &NodeId, storage: &NodeId, write: bool) -> f64 {
    let mut bw = storage_capacity(plan, catalog, storage, write).unwrap_or(f64::INFINITY);
    for lid in path(plan, compute, storage) {
        if let Some(l) = plan.link(&lid) {
            bw = bw.min(link_capacity(plan, catalog, l));
        }
    }
    if let Some(n) = plan.node(compute)
        && let Some(sys) = catalog.system(&n.model)
        && sys.nics > 0
    {
        bw = bw.min(sys.nics as f64 * sys.nic_gbps * 1e9 / 8.0 * n.count as f64 * usage::LINK_EFFICIENCY);
    }
    bw
}

/// Evaluation: forward passes over the eval tokens on the placement
/// (2 FLOP per parameter per token at the device's achieved rate) while
/// streaming the eval data from its source; the slower of the two sets the
/// time (they overlap).
pub fn simulate_validate(
    plan: &Plan,
    catalog: &Catalog,
    stage: &Stage,
    v: &ValidateStage,
) -> Result<WorkloadResult, SimError> {
    // The training stage's model and precision when the stage names one.
    let (model, precision) = match v.of_stage.as_ref().and_then(|id| plan.stage(id)).map(|s| &s.kind) {
        Some(StageKind::Train(t)) => (&t.model, t.precision),
        _ => (&v.model, v.precision),
    };
    let shape = Shape::of(model).ok_or_else(|| invalid(stage, "evaluation needs a transformer model"))?;
    let params = shape.params();
    let (devices, dev) = placement_devices(plan, catalog, stage);
    let dev = dev.ok_or_else(|| invalid(stage, "evaluation needs compute nodes with a known system"))?;
    let (used, peak_tflops) = dev
        .peak_tflops
        .effective(precision)
        .ok_or_else(|| invalid(stage, format!("'{}' cannot compute in {}", dev.id, precision.label())))?;
    // Achieved fraction of dense peak in large-batch forward passes: the
    // serving model's prefill efficiency (serving/perf.rs, with its source).
    let eff = catalog.calibration(
        "serve_llm_tensor_efficiency",
        crate::sim::serving::perf::DEFAULT_LLM_TENSOR_EFFICIENCY,
    );
    let rate = peak_tflops * 1e12 * eff * devices;
    let tokens = v.tokens.max(0.0);
    let flops = 2.0 * params * tokens;
    let compute_s = if rate > 0.0 { flops / rate } else { f64::INFINITY };
    let bytes = tokens * EVAL_BYTES_PER_TOKEN;
    let first_compute = stage
        .placement
        .iter()
        .find(|n| plan.node(n).is_some_and(|x| x.kind.role() == NodeRole::Compute))
        .cloned();
    let read_bw = match (&v.data_source, &first_compute) {
        (Some(src), Some(c)) => path_bandwidth(plan, catalog, c, src, false),
        _ => f64::INFINITY,
    };
    let read_s = if read_bw.is_finite() && read_bw > 0.0 {
        bytes / read_bw
    } else {
        0.0
    };
    let duration = compute_s.max(read_s);
    if !duration.is_finite() {
        return Err(invalid(stage, "evaluation has no compute rate"));
    }
    let util = if duration > 0.0 { compute_s / duration } else { 0.0 };
    let ledger = cost::Ledger::new(plan, catalog);
    let (mut usd, kwh, co2) = compute_cost(&ledger, stage, duration, util);
    if let Some(src) = &v.data_source {
        let gets = (bytes / crate::sim::data::OBJECT_GET_BYTES).ceil();
        usd += ledger.storage(src, 0.0, 0.0, gets, 0.0)?;
        if let Some(c) = &first_compute {
            usd += ledger.egress(src, c, bytes / 1e9);
        }
    }
    let mut m = BTreeMap::new();
    for (k, val) in [
        (MetricKey::Duration, duration),
        (MetricKey::ComputeTime, compute_s),
        (MetricKey::ReadTime, read_s),
        (MetricKey::EvalTokens, tokens),
        (MetricKey::Flops, flops),
        (MetricKey::Parameters, params),
        (MetricKey::Devices, devices),
        (MetricKey::BytesRead, bytes),
        (
            MetricKey::TokensPerSecond,
            if duration > 0.0 { tokens / duration } else { 0.0 },
        ),
        (MetricKey::Cost, usd),
        (MetricKey::Energy, kwh),
        (MetricKey::Carbon, co2),
    ] {
        m.insert(k, val);
    }
    let mut u = Usage::default();
    let mut left = devices;
    for id in &stage.placement {
        if let Some(d) = usage::devices_of(plan, catalog, id)
            && d > 0.0
        {
            let take = left.min(d);
            u.held(id, take / d, if duration > 0.0 { compute_s / duration } else { 0.0 });
            left -= take;
        }
    }
    let mut bottleneck = first_compute.as_ref().map(|c| Resource::Node(c.clone()));
    let diagnosis = if read_s > compute_s {
        let src = v.data_source.as_ref().map(|s| s.to_string()).unwrap_or_default();
        bottleneck = v.data_source.clone().map(Resource::Node);
        format!(
            "Reading {:.1} GB of eval data from '{src}' at {:.1} GB/s takes longer than the forward passes ({:.0} s vs {:.0} s); a faster tier or a cached copy would help.",
            bytes / 1e9,
            read_bw / 1e9,
            read_s,
            compute_s
        )
    } else {
        format!(
            "Compute-bound: {:.2e} FLOP of forward passes on {devices:.0}× {} in {} at {:.0} % of peak; more devices or a lower precision would help.",
            flops,
            dev.name,
            used.label(),
            eff * 100.0
        )
    };
    if let (Some(src), Some(c)) = (&v.data_source, &first_compute)
        && duration > 0.0
    {
        u.storage(plan, catalog, src, bytes / duration, false);
        u.flow(plan, catalog, src, c, bytes / duration);
    }
    let mut w = WorkloadResult {
        id: stage.id.to_string(),
        name: stage.name.clone(),
        kind: stage.kind.key().to_owned(),
        metrics: m,
        diagnosis,
        bottleneck,
        notes: vec![format!(
            "evaluation: 2 FLOP per parameter per token at {:.0} % of the {} peak, eval data as {EVAL_BYTES_PER_TOKEN} B/token shards streamed alongside",
            eff * 100.0,
            used.label()
        )],
        ..Default::default()
    };
    w.breakdown.insert(Cause::Compute, compute_s);
    w.breakdown.insert(Cause::DataRead, read_s);
    u.apply(&mut w);
    Ok(w)
}

/// Bytes of a checkpoint stage: its `size_gb` (validation requires it; the
/// training stage's `checkpoint_bytes` metric is the full state, weights +
/// optimizer, to copy into it), else the full training state of the
/// training stage it comes after.
pub fn checkpoint_bytes(plan: &Plan, stage: &Stage, c: &CheckpointStage) -> Option<(f64, &'static str)> {
    if c.size_gb > 0.0 && c.size_gb.is_finite() {
        return Some((c.size_gb * 1e9, "the stage's size"));
    }
    stage.after.iter().find_map(|a| match &plan.stage(a)?.kind {
        StageKind::Train(t) => Shape::of(&t.model).map(|s| {
            (
                crate::sim::training::lifecycle::checkpoint_bytes(&s, t.precision),
                "weights + optimizer state of the training stage",
            )
        }),
        _ => None,
    })
}

/// Checkpoint / export: write the bytes from the placement to the target
/// storage over the path's bottleneck (storage write throughput, links,
/// the servers' NICs) plus the storage's first-byte latency.
pub fn simulate_checkpoint(
    plan: &Plan,
    catalog: &Catalog,
    stage: &Stage,
    c: &CheckpointStage,
) -> Result<WorkloadResult, SimError> {
    let (bytes, what) = checkpoint_bytes(plan, stage, c)
        .ok_or_else(|| invalid(stage, "give size_gb or place the checkpoint after a training stage"))?;
    let target = plan
        .node(&c.target)
        .ok_or_else(|| invalid(stage, format!("target '{}' does not exist", c.target)))?;
    let store = catalog
        .storage(&target.model)
        .ok_or_else(|| invalid(stage, format!("'{}' is not a known storage model", target.model)))?;
    let source = stage
        .placement
        .first()
        .cloned()
        .ok_or_else(|| invalid(stage, "the stage is placed on no node"))?;
    let bw = path_bandwidth(plan, catalog, &source, &c.target, true);
    if !(bw.is_finite() && bw > 0.0) {
        return Err(invalid(stage, format!("no write bandwidth to '{}'", c.target)));
    }
    let storage_bw = storage_capacity(plan, catalog, &c.target, true).unwrap_or(f64::INFINITY);
    let duration = bytes / bw + store.latency_ms * 1e-3;
    let ledger = cost::Ledger::new(plan, catalog);
    let (mut usd, kwh, co2) = compute_cost(&ledger, stage, duration, EXPORT_UTILIZATION);
    let puts = (bytes / crate::sim::data::OBJECT_GET_BYTES).ceil();
    usd += ledger.storage(&c.target, 0.0, 0.0, 0.0, puts)?;
    usd += ledger.egress(&source, &c.target, bytes / 1e9);
    let mut m = BTreeMap::new();
    for (k, v) in [
        (MetricKey::Duration, duration),
        (MetricKey::BytesWritten, bytes),
        (MetricKey::WriteRate, bw),
        (MetricKey::Cost, usd),
        (MetricKey::Energy, kwh),
        (MetricKey::Carbon, co2),
    ] {
        m.insert(k, v);
    }
    let mut u = Usage::default();
    u.storage(plan, catalog, &c.target, bw, true);
    u.flow(plan, catalog, &source, &c.target, bw);
    let limited_by_storage = storage_bw <= bw * 1.0001;
    let bottleneck = if limited_by_storage {
        Resource::Node(c.target.clone())
    } else {
        u.demand
            .iter()
            .filter(|(k, _)| matches!(k, Resource::Link(_)))
            .max_by(|a, b| a.1.total_cmp(b.1))
            .map(|(k, _)| k.clone())
            .unwrap_or_else(|| Resource::Node(source.clone()))
    };
    let mut w = WorkloadResult {
        id: stage.id.to_string(),
        name: stage.name.clone(),
        kind: stage.kind.key().to_owned(),
        metrics: m,
        diagnosis: format!(
            "Writing {:.1} GB to '{}' at {:.1} GB/s, limited by {}; {}",
            bytes / 1e9,
            target.name,
            bw / 1e9,
            if limited_by_storage {
                format!("the storage's write throughput ({} member(s))", target.count)
            } else {
                format!("{} on the way", bottleneck.plan_subject())
            },
            if limited_by_storage {
                "more storage members or a faster tier would help."
            } else {
                "a faster or wider link would help."
            }
        ),
        bottleneck: Some(bottleneck),
        notes: vec![format!("checkpoint size: {what}")],
        ..Default::default()
    };
    w.breakdown.insert(Cause::Write, bytes / bw);
    u.apply(&mut w);
    Ok(w)
}

/// Training events in the stage's own time: periodic checkpoints, failures
/// and the restarts after them (the sampled run history), and starvation
/// when data loading stalls the steps.
pub fn training_events(
    t: &crate::model::TrainStage,
    run: &crate::sim::training::TrainingRun,
    h: &crate::sim::training::lifecycle::RunHistory,
    w: &WorkloadResult,
) -> Vec<LocalEvent> {
    let mut ev = Vec::new();
    let target = t.checkpoint.as_ref().map(|c| Resource::Node(c.target.clone()));
    for (i, &at) in h.checkpoint_at.iter().enumerate() {
        ev.push(LocalEvent {
            summary: false,
            t_s: at,
            kind: EventKind::Checkpoint,
            subject: target.clone(),
            text: format!(
                "checkpoint {} of {}: {:.0} GB, {:.1} s stall",
                i + 1,
                h.checkpoints,
                run.resilience.checkpoint_bytes / 1e9,
                run.resilience.stall_s
            ),
        });
    }
    let end = w.metric(MetricKey::TimeToTrain).unwrap_or(0.0);
    if h.checkpoints > h.checkpoint_at.len() as u64 {
        ev.push(LocalEvent {
            summary: true,
            ..LocalEvent::new(
                end,
                EventKind::Checkpoint,
                target.clone(),
                format!(
                    "{} more checkpoints not listed ({} in all)",
                    h.checkpoints - h.checkpoint_at.len() as u64,
                    h.checkpoints
                ),
            )
        });
    }
    if h.failures > h.failure_at.len() as u64 {
        ev.push(LocalEvent {
            summary: true,
            ..LocalEvent::new(
                end,
                EventKind::Failure,
                Some(Resource::Node(run.cluster.node_id.clone())),
                format!(
                    "{} more failures and restarts not listed ({} in all)",
                    h.failures - h.failure_at.len() as u64,
                    h.failures
                ),
            )
        });
    }
    let node = Resource::Node(run.cluster.node_id.clone());
    for (i, &at) in h.failure_at.iter().enumerate() {
        let preempted = h.preempted.get(i).copied().unwrap_or(false);
        ev.push(LocalEvent {
            summary: false,
            t_s: at,
            kind: if preempted {
                EventKind::Preemption
            } else {
                EventKind::Failure
            },
            subject: Some(node.clone()),
            text: format!(
                "{} {} of {} (one every {:.1} h): work since the last checkpoint is lost",
                if preempted {
                    "spot preemption, interruption"
                } else {
                    "failure, interruption"
                },
                i + 1,
                h.failures,
                run.resilience.mtbf_s / 3600.0
            ),
        });
        ev.push(LocalEvent {
            summary: false,
            t_s: at + run.resilience.restart_s,
            kind: EventKind::Restart,
            subject: Some(node.clone()),
            text: format!(
                "restarted from the last checkpoint after {:.0} s",
                run.resilience.restart_s
            ),
        });
    }
    let stall = w.breakdown.get(&Cause::DataStall).copied().unwrap_or(0.0);
    let step = w.metric(MetricKey::EffectiveSecondsPerIteration).unwrap_or(0.0);
    if stall > 0.0 && step > 0.0 && stall / step >= 0.01 {
        ev.push(LocalEvent {
            summary: false,
            t_s: 0.0,
            kind: EventKind::Starved,
            subject: t.data_source.as_ref().map(|s| Resource::Node(s.clone())),
            text: format!(
                "data loading delivers {:.1} of {:.1} GB/s: {:.0} % of each step waits for data",
                run.data.supply_bytes_per_s / 1e9,
                run.data.demand_bytes_per_s / 1e9,
                100.0 * stall / step
            ),
        });
    }
    ev
}

/// Serving events: replicas scaling up and down (with cold starts when
/// autoscaling), the bucket where the queue peaks when the SLO is missed,
/// and spot preemptions at the site's rate (seeded).
pub fn serving_events(
    plan: &Plan,
    stage: &Stage,
    s: &crate::model::ServeStage,
    r: &crate::sim::serving::ServingResult,
    seed: u64,
) -> Vec<LocalEvent> {
    let mut ev = Vec::new();
    let subject = stage.placement.first().map(|n| Resource::Node(n.clone()));
    let cold = s.autoscaling.as_ref().map(|a| a.cold_start_s).unwrap_or(0.0);
    let mut prev: Option<f64> = None;
    for &(t, up) in &r.replicas_series {
        let up = (up * 10.0).round() / 10.0;
        if let Some(p) = prev {
            if up > p + 0.05 {
                let from_zero = p < 0.05;
                ev.push(LocalEvent {
                    summary: false,
                    t_s: t,
                    kind: if from_zero && cold > 0.0 {
                        EventKind::ColdStart
                    } else {
                        EventKind::ScaleUp
                    },
                    subject: subject.clone(),
                    text: if cold > 0.0 {
                        format!("replicas {p:.1} to {up:.1} (cold start {cold:.0} s each)")
                    } else {
                        format!("replicas {p:.1} to {up:.1}")
                    },
                });
            } else if up < p - 0.05 {
                ev.push(LocalEvent {
                    summary: false,
                    t_s: t,
                    kind: EventKind::ScaleDown,
                    subject: subject.clone(),
                    text: format!("replicas {p:.1} to {up:.1}"),
                });
            }
        }
        prev = Some(up);
    }
    if r.slo_attainment < 0.99 && r.requests_completed > 0 {
        let (t, q) = r
            .queue_len
            .iter()
            .copied()
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .unwrap_or((0.0, 0.0));
        ev.push(LocalEvent {
            summary: false,
            t_s: t,
            kind: EventKind::SloMiss,
            subject: subject.clone(),
            text: format!(
                "{:.1} % of requests within the TTFT/TPOT targets; the queue peaks near {q:.0} requests here (TTFT p99 {:.2} s)",
                r.slo_attainment * 100.0,
                r.ttft_s.p99
            ),
        });
    }
    // Spot preemptions: Poisson at the site's rate per node group member.
    for p in &r.pools {
        let id: NodeId = p.node.as_str().into();
        let Some(node) = plan.node(&id) else { continue };
        let Some(site) = plan.site(&node.site) else { continue };
        let SiteKind::Cloud(c) = &site.kind else { continue };
        if c.pricing != PricingModel::Spot || c.spot_preemptions_per_hour <= 0.0 {
            continue;
        }
        use rand::SeedableRng;
        use rand_distr::{Distribution, Exp};
        let rate = c.spot_preemptions_per_hour * node.count.max(1) as f64 / 3600.0;
        let Ok(gap) = Exp::new(rate) else { continue };
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed ^ 0x5107);
        let mut t = 0.0;
        for _ in 0..10_000 {
            t += gap.sample(&mut rng);
            if t >= r.duration_s {
                break;
            }
            ev.push(LocalEvent {
                summary: false,
                t_s: t,
                kind: EventKind::Preemption,
                subject: Some(Resource::Node(p.node.as_str().into())),
                text: format!("spot instance of '{}' reclaimed (2-minute notice)", node.name),
            });
        }
    }
    ev
}

/// Data stage events: the read and the write as transfers.
pub fn data_events(d: &crate::model::DataStage, r: &crate::sim::data::DataResult) -> Vec<LocalEvent> {
    vec![
        LocalEvent {
            summary: false,
            t_s: 0.0,
            kind: EventKind::Transfer,
            subject: Some(Resource::Node(d.source.clone())),
            text: format!("reading {:.2} TB from '{}'", r.bytes_read / 1e12, d.source),
        },
        LocalEvent {
            summary: false,
            t_s: r.duration_s,
            kind: EventKind::Transfer,
            subject: Some(Resource::Node(d.destination.clone())),
            text: format!(
                "wrote {:.2} TB to '{}' (limited by {})",
                r.bytes_written / 1e12,
                d.destination,
                r.bottleneck
            ),
        },
    ]
}
