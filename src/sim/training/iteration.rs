//! One training iteration: per-layer costs → per-stage forward/backward
//! times → simulated pipeline schedule → data-parallel gradient reduction
//! (bucketed, overlapped with the last backward) → optimizer step. The
//! result carries the time split by cause.

use super::hw::Cluster;
use super::layer::{self, LayerConfig, LayerCost, PassCost, Roofline, ring_time};
use super::pipeline::{self, PipelineRun, StageTimes};
use super::shape::Shape;
use crate::model::{PipelineSchedule, Precision, TrainStage};
use crate::sim::collectives::CollectiveKind;

/// Adam step traffic per parameter of the local shard, mixed precision:
/// read FP32 master weight, momentum, variance and FP32 gradient (16 B),
/// write master, momentum, variance (12 B) and the 16-bit weight (2 B),
/// plus the gradient-norm pass reading the gradient again (4 B):
/// 34 B (Megatron-LM `optimizer.py` step sequence; ZeRO §3.1 state sizes).
const OPTIMIZER_BYTES_PER_PARAM: f64 = 34.0;
/// Longest schedule (virtual stages × micro-batches) simulated operation by
/// operation; longer ones use the bubble formula of the same schedule.
const MAX_SIMULATED_OPS: u64 = 2_000_000;
/// Gradient bucket size of data-parallel reduction: PyTorch DDP
/// `bucket_cap_mb` default 25 MB.
const BUCKET_BYTES: f64 = 25e6;

/// Times of one iteration, seconds, and what they are made of.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Iteration {
    pub seconds: f64,
    pub compute: f64,
    pub tp_comm: f64,
    pub moe_comm: f64,
    /// ZeRO-3 / FSDP weight gathers and gradient reduce-scatters not hidden
    /// behind compute.
    pub fsdp_comm: f64,
    /// Context-parallel key/value exchange not hidden behind attention.
    pub cp_comm: f64,
    pub pp_comm: f64,
    pub bubble: f64,
    pub dp_comm: f64,
    pub optimizer: f64,
    /// Whole data-parallel reduction time (exposed or not).
    pub dp_total: f64,
    /// Bytes one device sends over the scale-out network per iteration.
    pub scale_out_bytes_per_device: f64,
    /// Time the scale-up (NVLink) links of a device are busy.
    pub scale_up_busy: f64,
    pub micro_batches: u32,
    pub run: PipelineRun,
    pub notes: Vec<String>,
}

/// Gradient bytes per parameter (16-bit reduction for mixed precision).
fn grad_bytes(p: Precision) -> f64 {
    match p {
        Precision::Fp32 | Precision::Tf32 => 4.0,
        _ => 2.0,
    }
}

/// Simulate one iteration of `t` on `c`.
pub fn iteration(s: &Shape, t: &TrainStage, c: &Cluster) -> Result<Iteration, String> {
    let par = &t.parallelism;
    let (tp, pp, dp) = (par.tp.max(1), par.pp.max(1), par.dp.max(1));
    let cp = par.cp.max(1);
    // Gradients (and FSDP shards) span the data-parallel ranks of every
    // context-parallel slice.
    let dp_cp = dp * cp;
    let mb = t.micro_batch.max(1);
    let m = (t.global_batch as u64 / (mb as u64 * dp as u64)).max(1) as u32;
    let mut notes = Vec::new();
    let mut v = match par.schedule {
        PipelineSchedule::Interleaved(v) if pp > 1 => v.max(1),
        _ => 1,
    };
    if v > 1 && !m.is_multiple_of(pp) {
        notes.push(format!(
            "interleaved schedule needs micro-batches ({m}) divisible by PP ({pp}); simulated plain 1F1B"
        ));
        v = 1;
    }
    let nvs = pp as usize * v as usize;
    if !par.stage_layers.is_empty() {
        let sum: u64 = par.stage_layers.iter().map(|&l| l as u64).sum();
        if par.stage_layers.len() != pp as usize || sum != s.layers as u64 {
            return Err(format!(
                "the pipeline split {:?} must give {} stages summing to the model's {} layers",
                par.stage_layers, pp, s.layers
            ));
        }
    } else if (s.layers as usize) < nvs {
        return Err(format!(
            "{} layers cannot fill {} pipeline stages × {} chunks",
            s.layers, pp, v
        ));
    }
    let roof = Roofline::of(c, t.precision);
    let lcfg = LayerConfig {
        tp,
        cp,
        attention: t.attention,
        ep: par.ep.max(1),
        micro_batch: mb,
        sequence_parallel: par.sequence_parallel,
        recompute: t.recompute,
    };
    let lc: LayerCost = layer::layer_cost(s, &lcfg, c, &roof);
    let (head_f, head_b, embed) = layer::head_costs(s, &lcfg, &roof);

    // ZeRO-3 / FSDP (Rajbhandari et al. 2020 §5; PyTorch FSDP, Zhao et al.
    // 2023 §3.3): every micro-batch all-gathers each layer's weights for
    // the forward and again for the backward, and reduce-scatters its
    // gradients. With one layer prefetched, the forward gather of the next
    // layer runs beside the current layer's forward and the backward's
    // gather and reduce-scatter beside its backward; what compute cannot
    // cover is exposed, and the first gather of each pass is never hidden.
    // Compute per layer shrinks with the per-GPU batch while the gathers do
    // not, so at fixed global batch a growing DP exposes them.
    let dp_group = dp_groups(c, tp * cp, dp_cp);
    let layer_params_local = (s.attention_params() + s.expert_params() * expert_share(s, par.ep)) / tp as f64;
    let mut zero3_fwd_exposed = 0.0;
    let mut zero3_bwd_exposed = 0.0;
    let mut zero3_first = 0.0;
    let mut zero3_total_per_layer = 0.0;
    if par.zero_stage >= 3 && dp_cp > 1 {
        let w = layer_params_local * 2.0;
        let ag = c.collective(CollectiveKind::AllGather, w, dp_cp, dp_group.local);
        let rs = c.collective(
            CollectiveKind::ReduceScatter,
            layer_params_local * grad_bytes(t.precision),
            dp_cp,
            dp_group.local,
        );
        zero3_total_per_layer = 2.0 * ag + rs;
        zero3_fwd_exposed = (ag - lc.forward.total()).max(0.0);
        zero3_bwd_exposed = (ag + rs - lc.backward.total()).max(0.0);
        zero3_first = ag;
    }

    // Per virtual stage durations; virtual stage vs runs on device vs % pp
    // and takes its share of that device's layers.
    let mut fwd = vec![0.0; nvs];
    let mut bwd = vec![0.0; nvs];
    let mut parts = vec![PassCost::default(); pp as usize];
    let mut fsdp_parts = vec![0.0f64; pp as usize];
    let mut stage_params = vec![0.0f64; pp as usize];
    for vs in 0..nvs {
        let device = vs % pp as usize;
        let chunk = vs / pp as usize;
        let on_device = super::memory::stage_layers(s, par, device);
        let n_layers = on_device / v + u32::from((chunk as u32) < on_device % v);
        let n = n_layers as f64;
        let first_gather = if n_layers > 0 { zero3_first } else { 0.0 };
        let mut f = n * (lc.forward.total() + zero3_fwd_exposed) + first_gather;
        let mut b = n * (lc.backward.total() + zero3_bwd_exposed) + first_gather;
        let part = &mut parts[device];
        part.compute += n * (lc.forward.compute + lc.backward.compute);
        part.tp_comm += n * (lc.forward.tp_comm + lc.backward.tp_comm);
        part.moe_comm += n * (lc.forward.moe_comm + lc.backward.moe_comm);
        part.cp_comm += n * (lc.forward.cp_comm + lc.backward.cp_comm);
        fsdp_parts[device] += n * (zero3_fwd_exposed + zero3_bwd_exposed) + 2.0 * first_gather;
        stage_params[device] += n * layer_params_local;
        if vs == 0 {
            f += embed;
            b += embed;
            part.compute += 2.0 * embed;
            stage_params[device] += s.vocab as f64 * s.hidden as f64 / tp as f64;
        }
        if vs == nvs - 1 {
            f += head_f.total();
            b += head_b.total();
            part.compute += head_f.compute + head_b.compute;
            if pp > 1 || !s.tied_embeddings {
                stage_params[device] += s.vocab as f64 * s.hidden as f64 / tp as f64;
            }
        }
        fwd[vs] = f;
        bwd[vs] = b;
    }

    // Point-to-point activations between stages. Megatron's scatter/gather
    // optimization (Narayanan et al. 2021 §4.1) sends 1/t of the tensor
    // across servers and all-gathers it over NVLink.
    let tokens = s.seq as f64 * mb as f64 / cp as f64;
    let act = tokens * s.hidden as f64 * roof.act_bytes;
    let crosses = (tp * cp * pp) > c.devices_per_server && pp > 1;
    let p2p = if pp <= 1 {
        0.0
    } else if crosses {
        let sent = if tp > 1 { act / tp as f64 } else { act };
        c.collective(CollectiveKind::PointToPoint, sent, 2, 1)
            + if tp > 1 {
                c.collective(CollectiveKind::AllGather, act, tp, tp.min(c.devices_per_server))
            } else {
                0.0
            }
    } else {
        c.collective(CollectiveKind::PointToPoint, act, 2, 2)
    };
    let times = StageTimes {
        forward: &fwd,
        backward: &bwd,
    };
    let run = if nvs as u64 * m as u64 <= MAX_SIMULATED_OPS {
        pipeline::simulate(pp, v, m, &times, p2p)?
    } else {
        notes.push(format!(
            "{m} micro-batches × {nvs} stages is too long a schedule to simulate operation by operation; used the 1F1B bubble formula"
        ));
        pipeline::analytic(pp, v, m, &times, p2p)
    };

    // Data-parallel gradient reduction (ZeRO 0–2: all-reduce, or
    // reduce-scatter + all-gather of the same volume), per device.
    let mut best = (f64::MIN, 0usize, 0.0, 0.0, 0.0);
    let mut dp_total_max: f64 = 0.0;
    for (r, &params_r) in stage_params.iter().enumerate() {
        let grads = params_r * grad_bytes(t.precision);
        let (dp_time, exposed) = if dp_cp > 1 && par.zero_stage < 3 {
            let buckets = (grads / BUCKET_BYTES).ceil().max(1.0);
            let total = buckets * c.collective(CollectiveKind::AllReduce, grads / buckets, dp_cp, dp_group.local);
            let exposed = if t.overlap_grad_reduce {
                (total - run.last_backward[r]).max(total / buckets)
            } else {
                total
            };
            (total, exposed)
        } else if dp_cp > 1 {
            // ZeRO-3 reduces during the backward (counted above).
            (m as f64 * s.layers as f64 / pp as f64 * zero3_total_per_layer, 0.0)
        } else {
            (0.0, 0.0)
        };
        dp_total_max = dp_total_max.max(dp_time);
        let shard = if par.zero_stage >= 1 { dp_cp as f64 } else { 1.0 };
        let opt_bytes = params_r / shard * OPTIMIZER_BYTES_PER_PARAM;
        let optimizer = roof.stream(opt_bytes);
        let end = run.finish[r] + exposed + optimizer;
        if end > best.0 {
            best = (end, r, exposed, optimizer, dp_time);
        }
    }
    let (seconds, r, dp_exposed, optimizer, _) = best;
    let part = parts[r];
    let mf = m as f64;
    let compute = mf * part.compute;
    let tp_comm = mf * part.tp_comm;
    let moe_comm = mf * part.moe_comm;
    let cp_comm = mf * part.cp_comm;
    let fsdp_comm = mf * fsdp_parts[r];
    let idle = (run.finish[r] - run.busy[r]).max(0.0);
    let pp_comm = run.p2p_on_path.min(idle);
    let bubble = idle - pp_comm;

    // Scale-out bytes per device: DP inter-server part and PP sends.
    let grads_r = stage_params[r] * grad_bytes(t.precision);
    let dp_bytes = if dp_cp > 1 && dp_group.servers > 1 {
        2.0 * (dp_group.servers as f64 - 1.0) / dp_group.servers as f64 * grads_r / dp_group.local as f64
    } else {
        0.0
    };
    let pp_bytes = if crosses {
        2.0 * mf * v as f64 * act / tp as f64
    } else {
        0.0
    };
    let scale_up_busy = tp_comm
        + if dp_group.local > 1 {
            2.0 * ring_time(dp_group.local as f64, grads_r, c.scale_up_bw, 0.0, false)
        } else {
            0.0
        };
    Ok(Iteration {
        seconds,
        compute,
        tp_comm,
        moe_comm,
        fsdp_comm,
        cp_comm,
        pp_comm,
        bubble,
        dp_comm: dp_exposed,
        optimizer,
        dp_total: dp_total_max,
        scale_out_bytes_per_device: dp_bytes + pp_bytes,
        scale_up_busy,
        micro_batches: m,
        run,
        notes,
    })
}

fn expert_share(s: &Shape, ep: u32) -> f64 {
    if s.is_moe() {
        (s.experts as f64 / ep.max(1) as f64).ceil()
    } else {
        1.0
    }
}

/// How a data-parallel group lies on the servers: `local` members share a
/// server (NVLink), `servers` servers take part.
#[derive(Clone, Copy, Debug)]
pub struct DpGroup {
    pub local: u32,
    pub servers: u32,
}

/// Megatron orders ranks TP fastest, then DP, then PP: a server of `g`
/// devices holds g/TP data-parallel peers of the same stage.
pub fn dp_groups(c: &Cluster, tp: u32, dp: u32) -> DpGroup {
    let per_server = (c.devices_per_server / tp.max(1)).max(1);
    let local = per_server.min(dp).max(1);
    let servers = dp.div_ceil(local).max(1);
    DpGroup { local, servers }
}
