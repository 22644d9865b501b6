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
use crate::sim::results::WorkloadResult;
use hw::{Cluster, Pricing};
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
            "TP × PP × DP = {gpus} devices but the placement has {available}"
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
        &shape,
        t.precision,
        &cluster,
        gpus,
        t.checkpoint.as_ref(),
        target.as_ref(),
        fabric_write_s,
    );
    let iterations = (t.tokens / tokens_per_iteration).ceil().max(1.0);
    Ok(TrainingRun {
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

    let (pue, cost, energy_kwh) = {
        let it_kw = servers_used * c.system.power_w * TRAINING_POWER_FRACTION / 1000.0;
        match hw::pricing_of(plan, c) {
            Pricing::Cloud {
                usd_per_server_hour,
                pue,
            } => {
                let e = it_kw * wall_h * pue;
                (pue, servers_used * wall_h * usd_per_server_hour, e)
            }
            Pricing::OnPrem {
                capex_usd_per_server_hour,
                power_usd_per_kwh,
                pue,
                operations_usd_per_hour,
            } => {
                let e = it_kw * wall_h * pue;
                let cost = servers_used * wall_h * capex_usd_per_server_hour
                    + e * power_usd_per_kwh
                    + operations_usd_per_hour * wall_h;
                (pue, cost, e)
            }
        }
    };
    let carbon = plan
        .node(&c.node_id)
        .and_then(|n| plan.site(&n.site))
        .map(|s| s.carbon_kg_per_kwh)
        .unwrap_or(0.37);

    let mut m = BTreeMap::new();
    let mut put = |k: &str, v: f64| {
        m.insert(k.to_string(), v);
    };
    put("seconds_per_iteration", it.seconds);
    put("effective_seconds_per_iteration", effective_step);
    put("achieved_tflops_per_gpu", hw_flops / gpus / it.seconds / 1e12);
    put("model_tflops_per_gpu", model_flops / gpus / it.seconds / 1e12);
    put("mfu", model_flops / gpus / step / peak);
    put("hfu", hw_flops / gpus / step / peak);
    put("tokens_per_second", r.tokens_per_iteration / step);
    put("tokens_per_second_per_gpu", r.tokens_per_iteration / step / gpus);
    put("time_to_train_s", wall_s);
    put("gpu_hours", gpus * wall_h);
    put("energy_kwh", energy_kwh);
    put("carbon_kg", energy_kwh * carbon);
    put("cost_usd", cost);
    put("pue", pue);
    put("gpus", gpus);
    put("micro_batches", it.micro_batches as f64);
    put("iterations", r.iterations);
    put("parameters", r.shape.params());
    put("memory_per_gpu_bytes", r.memory.total());
    put("memory_capacity_bytes", r.memory.capacity);
    put("checkpoint_bytes", r.resilience.checkpoint_bytes);
    put("checkpoint_write_s", r.resilience.write_s);
    put("checkpoint_interval_s", r.resilience.interval_s);
    put("optimal_checkpoint_interval_s", r.resilience.optimal_interval_s);
    put("mtbf_s", r.resilience.mtbf_s);
    put("restart_s", r.resilience.restart_s);
    put("goodput", useful_s / wall_s);
    put("failures", history.failures as f64);
    put("checkpoints", history.checkpoints as f64);
    put(
        "expected_goodput",
        1.0 / (r.resilience.failure_factor * r.resilience.checkpoint_factor),
    );
    put("fabric_contention_factor", c.fabric_factor);
    put("data_demand_bytes_per_s", r.data.demand_bytes_per_s);
    if r.data.supply_bytes_per_s.is_finite() {
        put("data_supply_bytes_per_s", r.data.supply_bytes_per_s);
    }

    let per_iter = |total: f64| total / r.iterations;
    let mut b = BTreeMap::new();
    for (k, v) in [
        ("compute", it.compute),
        ("tp_comm", it.tp_comm),
        ("pp_comm", it.pp_comm),
        ("dp_comm", it.dp_comm),
        ("moe_comm", it.moe_comm),
        ("bubble", it.bubble),
        ("optimizer", it.optimizer),
        ("data_stall", r.data.stall_per_iteration),
        ("checkpoint", per_iter(ckpt_s)),
        ("failures", per_iter(fail_s)),
    ] {
        b.insert(k.to_string(), v.max(0.0));
    }

    let mut u = BTreeMap::new();
    u.insert(format!("{} compute", c.node_name), (it.compute / step).min(1.0));
    u.insert(format!("{} NVLink", c.node_name), (it.scale_up_busy / step).min(1.0));
    if c.per_device_scale_out_bw() > 0.0 {
        let link = if c.scale_out_link.is_empty() {
            format!("{} NICs", c.node_name)
        } else {
            format!("link {}", c.scale_out_link)
        };
        u.insert(
            link,
            (it.scale_out_bytes_per_device / c.per_device_scale_out_bw() / step).min(1.0),
        );
    }
    if let Some(src) = &t.data_source
        && r.data.supply_bytes_per_s.is_finite()
    {
        u.insert(
            format!("{src} read"),
            (r.data.demand_bytes_per_s / r.data.supply_bytes_per_s).min(1.0),
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
            format!("{} stage {} compute", c.node_name, d),
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
        series.insert(format!("{} scale-out", c.node_name), link_series);
    }

    let mut mem = BTreeMap::new();
    mem.insert("weights".into(), r.memory.weights);
    mem.insert("gradients".into(), r.memory.gradients);
    mem.insert("optimizer".into(), r.memory.optimizer);
    mem.insert("activations".into(), r.memory.activations);
    mem.insert("buffers".into(), r.memory.buffers);
    mem.insert("capacity".into(), r.memory.capacity);

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
    let diagnosis = diagnose(t, r, &b, effective_step, m["mfu"]);
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

/// One sentence: the largest loss, where it is, what would help.
fn diagnose(t: &TrainStage, r: &TrainingRun, b: &BTreeMap<String, f64>, step: f64, mfu: f64) -> String {
    let c = &r.cluster;
    let par = &t.parallelism;
    let (cause, secs) = b
        .iter()
        .filter(|(k, _)| k.as_str() != "compute")
        .max_by(|a, b| a.1.total_cmp(b.1))
        .map(|(k, v)| (k.as_str(), *v))
        .unwrap_or(("compute", 0.0));
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
        "bubble" => format!(
            "The pipeline bubble of PP {} on '{}' costs {pct:.0} % of each iteration ({} micro-batches); more micro-batches per iteration, the interleaved 1F1B schedule or fewer pipeline stages would help.",
            par.pp, c.node_name, r.iteration.micro_batches
        ),
        "tp_comm" => format!(
            "Tensor-parallel traffic (TP {}) on the NVLink of '{}' costs {pct:.0} % of each iteration; a lower TP degree, sequence parallelism or a faster scale-up fabric would help.",
            par.tp, c.node_name
        ),
        "dp_comm" => format!(
            "The gradient all-reduce over {link} costs {pct:.0} % of each iteration; {}faster NICs, fewer data-parallel replicas or more work per GPU per step (larger batch or gradient accumulation) would help.",
            if t.overlap_grad_reduce {
                ""
            } else {
                "overlapping it with the backward pass, "
            }
        ),
        "pp_comm" => format!(
            "Pipeline point-to-point transfers over {link} cost {pct:.0} % of each iteration; fewer stages or a faster fabric would help."
        ),
        "moe_comm" => format!(
            "Expert-parallel all-to-all (EP {}) {} costs {pct:.0} % of each iteration; keeping expert parallelism inside a server or a faster fabric would help.",
            par.ep,
            if par.zero_stage >= 3 {
                "and ZeRO-3 gathers"
            } else {
                "traffic"
            }
        ),
        "data_stall" => format!(
            "Data loading from '{}' delivers {:.1} GB/s of the {:.1} GB/s training consumes ({pct:.0} % stall); a faster or cached storage tier would help.",
            t.data_source.as_ref().map(|n| n.to_string()).unwrap_or_default(),
            r.data.supply_bytes_per_s / 1e9,
            r.data.demand_bytes_per_s / 1e9
        ),
        "checkpoint" => format!(
            "Checkpoints of {:.0} GB take {:.0} s each and cost {pct:.0} % of the run; asynchronous checkpoints or the Young/Daly interval of {:.0} min would help.",
            r.resilience.checkpoint_bytes / 1e9,
            r.resilience.stall_s,
            r.resilience.optimal_interval_s / 60.0
        ),
        "failures" => format!(
            "Failures every {:.1} h across {} devices cost {pct:.0} % of the run; checkpointing every {:.0} min (Young/Daly) and faster restarts would help.",
            r.resilience.mtbf_s / 3600.0,
            r.gpus,
            r.resilience.optimal_interval_s / 60.0
        ),
        "optimizer" => format!(
            "The optimizer step costs {pct:.0} % of each iteration on '{}'; ZeRO-1 sharding or a larger batch per step would help.",
            c.node_name
        ),
        _ => format!("Compute-bound on '{}' at {:.0} % MFU.", c.node_name, 100.0 * mfu),
    }
}
