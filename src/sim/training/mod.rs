//! Training on the simulated cluster: model math, memory fit, the
//! iteration schedule, data loading, checkpoints, failures, cost and a
//! bottleneck diagnosis. Entry point: [`simulate_stage`].

pub mod bench;
pub mod hw;
pub mod iteration;
pub mod layer;
pub mod lifecycle;
pub mod memory;
pub mod pipeline;
pub mod shape;

use crate::model::{Catalog, Plan, Stage, StageKind, TrainStage};
use crate::sim::metrics::{Cause, MetricKey, Resource, SeriesKey};
use crate::sim::results::WorkloadResult;
use hw::Cluster;
use iteration::Iteration;
use shape::Shape;
use std::collections::BTreeMap;

pub use memory::memory_problems;

/// Fraction of a server's maximum power drawn while training: DGX H100
/// draws 6.5–8.5 kW of its 10.2 kW maximum under load (validation/tco.csv
/// T04); midpoint 7.5 / 10.2 ≈ 0.74.
pub const TRAINING_POWER_FRACTION: f64 = 0.74;
/// Time buckets of the utilization series over one iteration.
const SERIES_BUCKETS: usize = 50;

/// Everything the training model computes for one stage, before it is
/// flattened into a [`WorkloadResult`].
#[derive(Clone, Debug)]
pub struct TrainingRun {
    pub shape: Shape,
    pub cluster: Cluster,
    pub iteration: Iteration,
    pub memory: memory::MemoryBreakdown,
    pub data: lifecycle::DataLoad,
    pub resilience: lifecycle::Resilience,
    pub gpus: u64,
    pub tokens_per_iteration: f64,
    pub iterations: f64,
    /// What one server of the placement costs per hour while training, from
    /// the one cost ledger (`sim::cost::Ledger`): rent, or amortized capex,
    /// power and its share of the site's operations and facility.
    pub server_hourly: crate::sim::cost::NodeHourly,
    /// PUE applied to the servers' power (1.1 in cloud sites).
    pub pue: f64,
}

/// Simulate a training stage of a plan.
pub fn simulate_stage(plan: &Plan, catalog: &Catalog, stage: &Stage, seed: u64) -> Result<WorkloadResult, String> {
    let StageKind::Train(t) = &stage.kind else {
        return Err("not a training stage".into());
    };
    let run = run_stage(plan, catalog, stage, t)?;
    let mut w = to_result(plan, stage, t, &run, seed);
    crate::sim::lifecycle::usage::training(plan, catalog, stage, t, &run, &mut w);
    Ok(w)
}

/// A training stage's result and its run history (checkpoint and failure
/// times for the lifecycle event log).
pub fn simulate_stage_history(
    plan: &Plan,
    catalog: &Catalog,
    stage: &Stage,
    seed: u64,
) -> Result<(WorkloadResult, TrainingRun, lifecycle::RunHistory), String> {
    let StageKind::Train(t) = &stage.kind else {
        return Err("not a training stage".into());
    };
    let run = run_stage(plan, catalog, stage, t)?;
    let mut w = to_result(plan, stage, t, &run, seed);
    crate::sim::lifecycle::usage::training(plan, catalog, stage, t, &run, &mut w);
    let step = run.iteration.seconds + run.data.stall_per_iteration;
    let asynchronous = t.checkpoint.as_ref().is_some_and(|c| c.asynchronous);
    // The same sampled history `to_result` used (same seed).
    let history = lifecycle::sample_run(step * run.iterations, &run.resilience, asynchronous, seed);
    Ok((w, run, history))
}

/// The detailed run of a training stage.
pub fn run_stage(plan: &Plan, catalog: &Catalog, stage: &Stage, t: &TrainStage) -> Result<TrainingRun, String> {
    let shape = Shape::of(&t.model).ok_or_else(|| {
        "only transformer models are simulated for training so far; give the model as a transformer shape or a parameter count".to_string()
    })?;
    let cluster = hw::cluster_of(plan, catalog, stage)?;
    let gpus = t.parallelism.gpus();
    let available = cluster.servers * cluster.devices_per_server as u64;
    if gpus > available {
        return Err(format!(
            "{} = {gpus} devices but the placement has {available}",
            t.parallelism.layout_label()
        ));
    }
    let mem = memory::breakdown(&shape, &memory::MemoryConfig::of(t), cluster.device.memory_gb);
    let iteration = iteration::iteration(&shape, t, &cluster)?;
    let tokens_per_iteration = t.global_batch as f64 * shape.seq as f64;
    let source = t
        .data_source
        .as_ref()
        .and_then(|id| hw::storage_path(plan, catalog, id, &cluster));
    let data = lifecycle::data_load(&shape, tokens_per_iteration, iteration.seconds, source.as_ref());
    let target = t
        .checkpoint
        .as_ref()
        .and_then(|c| hw::storage_path(plan, catalog, &c.target, &cluster));
    let servers_used = gpus.div_ceil(cluster.devices_per_server as u64) as u32;
    let fabric_write_s = t.checkpoint.as_ref().and_then(|ck| {
        hw::fabric_storage_time(
            plan,
            catalog,
            &cluster.node_id,
            servers_used,
            &ck.target,
            lifecycle::checkpoint_bytes(&shape, t.precision),
            true,
        )
    });
    let resilience = lifecycle::resilience(
        lifecycle::checkpoint_bytes(&shape, t.precision),
        &cluster,
        gpus,
        t.checkpoint.as_ref(),
        target.as_ref(),
        fabric_write_s,
        spot_preemptions_per_instance_hour(plan, &cluster),
    );
    let iterations = (t.tokens / tokens_per_iteration).ceil().max(1.0);
    let (server_hourly, pue) = server_hourly(plan, catalog, &cluster)?;
    Ok(TrainingRun {
        server_hourly,
        pue,
        shape,
        cluster,
        iteration,
        memory: mem,
        data,
        resilience,
        gpus,
        tokens_per_iteration,
        iterations,
    })
}

/// Spot preemptions per instance-hour of the servers' site: its rate when
/// the site rents at spot prices, else 0.
fn spot_preemptions_per_instance_hour(plan: &Plan, c: &Cluster) -> f64 {
    match plan.node(&c.node_id).and_then(|n| plan.site(&n.site)).map(|s| &s.kind) {
        Some(crate::model::SiteKind::Cloud(cl)) if cl.pricing == crate::model::PricingModel::Spot => {
            cl.spot_preemptions_per_hour.max(0.0)
        }
        _ => 0.0,
    }
}

/// One server's hourly cost while training, from the cost ledger, and the
/// PUE its energy carries. The ledger's power is idle + (1 − idle) × load;
/// training draws [`TRAINING_POWER_FRACTION`] of peak.
fn server_hourly(plan: &Plan, catalog: &Catalog, c: &Cluster) -> Result<(crate::sim::cost::NodeHourly, f64), String> {
    use crate::sim::cost::{IDLE_POWER_FRACTION, Ledger};
    let load = ((TRAINING_POWER_FRACTION - IDLE_POWER_FRACTION) / (1.0 - IDLE_POWER_FRACTION)).clamp(0.0, 1.0);
    let group = Ledger::new(plan, catalog)
        .hourly(&c.node_id, load)
        .map_err(|e| e.to_string())?;
    let members = plan.node(&c.node_id).map(|n| n.count.max(1)).unwrap_or(1) as f64;
    let per = |v: f64| v / members;
    let h = crate::sim::cost::NodeHourly {
        rented: group.rented,
        rent_usd: per(group.rent_usd),
        capex_usd: per(group.capex_usd),
        power_usd: per(group.power_usd),
        operations_usd: per(group.operations_usd),
        energy_kwh: per(group.energy_kwh),
        carbon_kg: per(group.carbon_kg),
    };
    let it_kwh = c.system.power_w * TRAINING_POWER_FRACTION / 1000.0;
    let pue = if it_kwh > 0.0 && h.energy_kwh > 0.0 {
        h.energy_kwh / it_kwh
    } else {
        1.0
    };
    Ok((h, pue))
}

fn to_result(plan: &Plan, stage: &Stage, t: &TrainStage, r: &TrainingRun, seed: u64) -> WorkloadResult {
    let it = &r.iteration;
    let c = &r.cluster;
    let gpus = r.gpus as f64;
    let peak = c
        .device
        .peak_tflops
        .effective(t.precision)
        .map(|(_, v)| v)
        .unwrap_or(1.0)
        * 1e12;
    let step = it.seconds + r.data.stall_per_iteration;
    let useful_s = step * r.iterations;
    let asynchronous = t.checkpoint.as_ref().is_some_and(|c| c.asynchronous);
    let history = lifecycle::sample_run(useful_s, &r.resilience, asynchronous, seed);
    let ckpt_s = history.checkpoint_s;
    let wall_s = history.wall_s.max(useful_s);
    let fail_s = (wall_s - useful_s - ckpt_s).max(0.0);
    let effective_step = wall_s / r.iterations;

    let model_flops = r.shape.model_flops_per_token() * r.tokens_per_iteration;
    let hw_flops = r.shape.hardware_flops_per_token(t.recompute) * r.tokens_per_iteration;
    let servers_used = (gpus / c.devices_per_server as f64).ceil();
    let wall_h = wall_s / 3600.0;

    // One price for every view: the ledger's hourly cost of the servers
    // the stage holds, for its wall time (preemptions and failures included).
    let (pue, cost, energy_kwh) = (
        r.pue,
        servers_used * wall_h * r.server_hourly.total_usd(),
        servers_used * wall_h * r.server_hourly.energy_kwh,
    );
    let carbon = plan
        .node(&c.node_id)
        .and_then(|n| plan.site(&n.site))
        .map(|s| s.carbon_kg_per_kwh)
        .unwrap_or(0.37);

    let mut m = BTreeMap::new();
    let mut put = |k: MetricKey, v: f64| {
        m.insert(k, v);
    };
    put(MetricKey::SecondsPerIteration, it.seconds);
    put(MetricKey::EffectiveSecondsPerIteration, effective_step);
    put(MetricKey::AchievedTflopsPerGpu, hw_flops / gpus / it.seconds / 1e12);
    put(MetricKey::ModelTflopsPerGpu, model_flops / gpus / it.seconds / 1e12);
    put(MetricKey::Mfu, model_flops / gpus / step / peak);
    put(MetricKey::Hfu, hw_flops / gpus / step / peak);
    put(MetricKey::TokensPerSecond, r.tokens_per_iteration / step);
    put(MetricKey::TokensPerSecondPerGpu, r.tokens_per_iteration / step / gpus);
    put(MetricKey::TimeToTrain, wall_s);
    put(MetricKey::GpuHours, gpus * wall_h);
    put(MetricKey::Energy, energy_kwh);
    put(MetricKey::Carbon, energy_kwh * carbon);
    put(MetricKey::Cost, cost);
    put(MetricKey::Pue, pue);
    put(MetricKey::Gpus, gpus);
    put(MetricKey::MicroBatches, it.micro_batches as f64);
    put(MetricKey::Iterations, r.iterations);
    put(MetricKey::Parameters, r.shape.params());
    put(MetricKey::MemoryPerGpu, r.memory.total());
    put(MetricKey::MemoryCapacity, r.memory.capacity);
    put(MetricKey::CheckpointBytes, r.resilience.checkpoint_bytes);
    put(MetricKey::CheckpointWrite, r.resilience.write_s);
    put(MetricKey::CheckpointInterval, r.resilience.interval_s);
    put(MetricKey::OptimalCheckpointInterval, r.resilience.optimal_interval_s);
    put(MetricKey::Mtbf, r.resilience.mtbf_s);
    put(MetricKey::Restart, r.resilience.restart_s);
    put(MetricKey::Goodput, useful_s / wall_s);
    put(MetricKey::Failures, (history.failures - history.preemptions) as f64);
    if r.resilience.preemptions_per_h > 0.0 {
        put(MetricKey::Preemptions, history.preemptions as f64);
    }
    put(MetricKey::Checkpoints, history.checkpoints as f64);
    put(
        MetricKey::ExpectedGoodput,
        1.0 / (r.resilience.failure_factor * r.resilience.checkpoint_factor),
    );
    put(MetricKey::FabricContentionFactor, c.fabric_factor);
    put(MetricKey::DataDemand, r.data.demand_bytes_per_s);
    if r.data.supply_bytes_per_s.is_finite() {
        put(MetricKey::DataSupply, r.data.supply_bytes_per_s);
    }

    let per_iter = |total: f64| total / r.iterations;
    let mut b = BTreeMap::new();
    for (k, v) in [
        (Cause::Compute, it.compute),
        (Cause::TpComm, it.tp_comm),
        (Cause::PpComm, it.pp_comm),
        (Cause::DpComm, it.dp_comm),
        (Cause::MoeComm, it.moe_comm),
        (Cause::FsdpComm, it.fsdp_comm),
        (Cause::CpComm, it.cp_comm),
        (Cause::Bubble, it.bubble),
        (Cause::Optimizer, it.optimizer),
        (Cause::DataStall, r.data.stall_per_iteration),
        (Cause::Checkpoint, per_iter(ckpt_s)),
        (Cause::Failures, per_iter(fail_s)),
    ] {
        b.insert(k, v.max(0.0));
    }

    // Parts of the server group the plan does not draw; the plan's nodes,
    // links and storage get theirs from `lifecycle::usage` (one definition
    // for every view).
    let mut u = BTreeMap::new();
    let node = c.node_id.clone();
    u.insert(Resource::ScaleUp(node.clone()), (it.scale_up_busy / step).min(1.0));
    if c.per_device_scale_out_bw() > 0.0 && c.scale_out_link.is_empty() {
        u.insert(
            Resource::Nics(node.clone()),
            (it.scale_out_bytes_per_device / c.per_device_scale_out_bw() / step).min(1.0),
        );
    }

    // Utilization over one iteration: pipeline stages (first, middle, last)
    // and the scale-out link while the gradient reduction runs after them.
    let mut series = BTreeMap::new();
    let horizon = it.seconds.max(1e-12);
    let stages = it.run.intervals.len();
    let mut shown: Vec<usize> = vec![0, stages / 2, stages.saturating_sub(1)];
    shown.dedup();
    for d in shown {
        series.insert(
            SeriesKey::Busy(Resource::PipelineStage(node.clone(), d as u32)),
            it.run.utilization_series(d, SERIES_BUCKETS, horizon),
        );
    }
    if it.dp_total > 0.0 && c.per_device_scale_out_bw() > 0.0 {
        let width = horizon / SERIES_BUCKETS as f64;
        let start = (it.seconds - it.optimizer - it.dp_total).max(0.0);
        let busy_frac = (it.scale_out_bytes_per_device / c.per_device_scale_out_bw() / it.dp_total).min(1.0);
        let link_series = (0..SERIES_BUCKETS)
            .map(|k| {
                let (lo, hi) = (k as f64 * width, (k + 1) as f64 * width);
                let overlap = (hi.min(start + it.dp_total) - lo.max(start)).max(0.0);
                (lo, busy_frac * overlap / width)
            })
            .collect();
        let link = if c.scale_out_link.is_empty() {
            Resource::Nics(node.clone())
        } else {
            Resource::Link(c.scale_out_link.as_str().into())
        };
        series.insert(SeriesKey::Busy(link), link_series);
    }

    let mut mem = BTreeMap::new();
    use crate::sim::results::MemoryPart;
    mem.insert(MemoryPart::Weights, r.memory.weights);
    mem.insert(MemoryPart::Gradients, r.memory.gradients);
    mem.insert(MemoryPart::Optimizer, r.memory.optimizer);
    mem.insert(MemoryPart::Activations, r.memory.activations);
    mem.insert(MemoryPart::Buffers, r.memory.buffers);
    mem.insert(MemoryPart::Capacity, r.memory.capacity);

    let mut notes = it.notes.clone();
    if history.truncated {
        notes.push("failures come faster than progress: the run history was cut short and extrapolated".into());
    }
    notes.extend(r.resilience.notes.iter().cloned());
    if !r.memory.fits() {
        notes.push(format!(
            "does not fit: {:.1} GB per device of {:.0} GB",
            r.memory.total() / 1.073741824e9,
            c.device.memory_gb
        ));
    }
    let diagnosis = diagnose(t, r, &b, effective_step, m[&MetricKey::Mfu]);
    WorkloadResult {
        id: stage.id.to_string(),
        name: stage.name.clone(),
        kind: stage.kind.key().to_string(),
        metrics: m,
        breakdown: b,
        utilization: u,
        series,
        memory: mem,
        diagnosis,
        notes,
        ..Default::default()
    }
}

/// The cause other than compute that costs the most time (compute with 0
/// when nothing else does).
pub fn largest_loss(b: &BTreeMap<Cause, f64>) -> (Cause, f64) {
    b.iter()
        .filter(|(k, _)| **k != Cause::Compute)
        .max_by(|a, b| a.1.total_cmp(b.1))
        .map(|(k, v)| (*k, *v))
        .unwrap_or((Cause::Compute, 0.0))
}

/// One sentence: the largest loss, where it is, what would help.
fn diagnose(t: &TrainStage, r: &TrainingRun, b: &BTreeMap<Cause, f64>, step: f64, mfu: f64) -> String {
    let c = &r.cluster;
    let par = &t.parallelism;
    let (cause, secs) = largest_loss(b);
    let pct = 100.0 * secs / step.max(1e-12);
    let link = if c.scale_out_link.is_empty() {
        format!("the {} NICs of '{}'", c.scale_out_medium, c.node_name)
    } else {
        format!("link '{}' ({})", c.scale_out_link, c.scale_out_medium)
    };
    if pct < 5.0 {
        return format!(
            "Compute-bound on the {} of '{}' at {:.0} % MFU; only faster devices, lower precision (FP8 where supported) or less recompute would help.",
            c.device.name,
            c.node_name,
            100.0 * mfu
        );
    }
    match cause {
        Cause::Bubble => format!(
            "The pipeline bubble of PP {} on '{}' costs {pct:.0} % of each iteration ({} micro-batches); more micro-batches per iteration, the interleaved 1F1B schedule or fewer pipeline stages would help.",
            par.pp, c.node_name, r.iteration.micro_batches
        ),
        Cause::TpComm => format!(
            "Tensor-parallel traffic (TP {}) on the NVLink of '{}' costs {pct:.0} % of each iteration; a lower TP degree, sequence parallelism or a faster scale-up fabric would help.",
            par.tp, c.node_name
        ),
        Cause::DpComm => format!(
            "The gradient all-reduce over {link} costs {pct:.0} % of each iteration; {}faster NICs, fewer data-parallel replicas or more work per GPU per step (larger batch or gradient accumulation) would help.",
            if t.overlap_grad_reduce {
                ""
            } else {
                "overlapping it with the backward pass, "
            }
        ),
        Cause::PpComm => format!(
            "Pipeline point-to-point transfers over {link} cost {pct:.0} % of each iteration; fewer stages or a faster fabric would help."
        ),
        Cause::MoeComm => format!(
            "Expert-parallel all-to-all (EP {}) traffic costs {pct:.0} % of each iteration; keeping expert parallelism inside a server, overlapping dispatch with compute or a faster fabric would help.",
            par.ep,
        ),
        Cause::FsdpComm => format!(
            "ZeRO-3 / FSDP weight gathers and gradient reduce-scatters over {link} (DP {}) are not hidden by compute and cost {pct:.0} % of each iteration; more work per GPU per micro-batch, hybrid sharding inside a server (HSDP), ZeRO-1/2 or tensor parallelism would help.",
            par.dp * par.cp.max(1),
        ),
        Cause::CpComm => format!(
            "Context-parallel key/value exchange (CP {}) is not hidden by attention and costs {pct:.0} % of each iteration; keeping CP inside a server or a lower CP degree would help.",
            par.cp,
        ),
        Cause::DataStall => format!(
            "Data loading from '{}' delivers {:.1} GB/s of the {:.1} GB/s training consumes ({pct:.0} % stall); a faster or cached storage tier would help.",
            t.data_source.as_ref().map(|n| n.to_string()).unwrap_or_default(),
            r.data.supply_bytes_per_s / 1e9,
            r.data.demand_bytes_per_s / 1e9
        ),
        Cause::Checkpoint => format!(
            "Checkpoints of {:.0} GB take {:.0} s each and cost {pct:.0} % of the run; asynchronous checkpoints or the Young/Daly interval of {:.0} min would help.",
            r.resilience.checkpoint_bytes / 1e9,
            r.resilience.stall_s,
            r.resilience.optimal_interval_s / 60.0
        ),
        Cause::Failures => format!(
            "Failures every {:.1} h across {} devices cost {pct:.0} % of the run; checkpointing every {:.0} min (Young/Daly) and faster restarts would help.",
            r.resilience.mtbf_s / 3600.0,
            r.gpus,
            r.resilience.optimal_interval_s / 60.0
        ),
        Cause::Optimizer => format!(
            "The optimizer step costs {pct:.0} % of each iteration on '{}'; ZeRO-1 sharding or a larger batch per step would help.",
            c.node_name
        ),
        _ => format!("Compute-bound on '{}' at {:.0} % MFU.", c.node_name, 100.0 * mfu),
    }
}
