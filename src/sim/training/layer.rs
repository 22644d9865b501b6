//! Cost of one transformer layer for one micro-batch on one device: the
//! operations of a Megatron-style layer (matmuls, attention core, fused
//! element-wise kernels) on a roofline, plus the tensor-parallel and
//! expert-parallel collectives, split into forward and backward.
//!
//! The roofline here is local to the training model until the simulation
//! core's per-operation cost (`op_time`) is available on this branch; it uses
//! the same inputs (peak FLOP/s per precision, memory bandwidth) and the
//! efficiency constants below, each with its source.

use super::hw::Cluster;
use super::shape::Shape;
use crate::model::{Precision, Recompute};
use crate::sim::collectives::CollectiveKind;

/// Fraction of dense FP16 tensor peak a large matmul sustains: 230 of
/// 312 TFLOP/s measured on A100 80GB with PyTorch/cuBLAS ("Matrix
/// Multiplication FP16", github.com/mli/transformers-benchmarks,
/// micro_bench results table) = 0.737. Used for every device until the
/// catalog carries per-device figures (doubtful for H100: its large-GEMM
/// fraction is reported near 0.7-0.75 as well, CUTLASS 3.5 benchmarks).
pub const LARGE_GEMM_EFFICIENCY: f64 = 230.0 / 312.0;
/// How efficiency falls with matmul size, GFLOP → fraction of the large-
/// matmul efficiency: the A100 table of Calculon (Isaev et al., SC'23;
/// calculon-ai/calculon `systems/a100_80g.json`, "matrix" float16: ≥128
/// GFLOP 0.95, ≥16 0.9, ≥1 0.6, 0 0.1) divided by its 0.95 top value;
/// interpolated in log(size) here.
pub const MATRIX_EFFICIENCY: [(f64, f64); 4] = [(0.0, 0.1 / 0.95), (1.0, 0.6 / 0.95), (16.0, 0.9 / 0.95), (128.0, 1.0)];
/// Achievable fraction of HBM bandwidth for a transfer of a given size,
/// MB → efficiency (same Calculon file, "mem1": ≥100 MB 0.9, 10 MB 0.75,
/// 1 MB 0.6, 0 0.3).
pub const MEMORY_EFFICIENCY: [(f64, f64); 4] = [(0.0, 0.3), (1.0, 0.6), (10.0, 0.75), (100.0, 0.9)];

/// Piecewise interpolation of an efficiency table: linear from 0 to the
/// first positive point, log-linear between points, flat beyond the last.
pub fn efficiency(table: &[(f64, f64)], x: f64) -> f64 {
    let Some(&(x_last, e_last)) = table.last() else {
        return 1.0;
    };
    if x >= x_last {
        return e_last;
    }
    for w in table.windows(2) {
        let ((x0, e0), (x1, e1)) = (w[0], w[1]);
        if x < x1 {
            let frac = if x0 <= 0.0 {
                (x / x1).clamp(0.0, 1.0)
            } else {
                ((x.max(x0) / x0).ln() / (x1 / x0).ln()).clamp(0.0, 1.0)
            };
            return e0 + (e1 - e0) * frac;
        }
    }
    e_last
}
/// Launch and scheduling gap per kernel (CUDA kernel launch latency
/// 3-5 µs, NVIDIA "Getting Started with CUDA Graphs", 2019).
pub const KERNEL_GAP_S: f64 = 4e-6;

/// Time split of one pass (forward or backward) of one layer.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct PassCost {
    pub compute: f64,
    pub tp_comm: f64,
    pub moe_comm: f64,
    /// Hardware FLOPs executed.
    pub flops: f64,
}

impl PassCost {
    pub fn total(&self) -> f64 {
        self.compute + self.tp_comm + self.moe_comm
    }
    fn add(&mut self, o: PassCost) {
        self.compute += o.compute;
        self.tp_comm += o.tp_comm;
        self.moe_comm += o.moe_comm;
        self.flops += o.flops;
    }
}

/// Forward and backward of a layer (backward includes any recomputation).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct LayerCost {
    pub forward: PassCost,
    pub backward: PassCost,
}

/// Roofline of the device at a precision.
#[derive(Clone, Copy, Debug)]
pub struct Roofline {
    pub peak_flops: f64,
    /// Large-GEMM efficiency (the cluster's calibration).
    pub gemm_efficiency: f64,
    pub mem_bw: f64,
    pub act_bytes: f64,
}

impl Roofline {
    pub fn of(cluster: &Cluster, precision: Precision) -> Roofline {
        let peak = cluster
            .device
            .peak_tflops
            .effective(precision)
            .map(|(_, v)| v)
            .unwrap_or(1.0);
        Roofline {
            peak_flops: peak * 1e12,
            gemm_efficiency: cluster.gemm_efficiency,
            mem_bw: cluster.device.memory_bw_gbs * 1e9,
            act_bytes: super::memory::activation_bytes(precision),
        }
    }
    /// (m×k)·(k×n) matmul, `count` times (batched).
    pub fn gemm(&self, m: f64, k: f64, n: f64, count: f64) -> (f64, f64) {
        let flops = 2.0 * m * k * n * count;
        let bytes = (m * k + k * n + m * n) * self.act_bytes * count;
        // Efficiency by the size of one matmul of the batch.
        let e = self.gemm_efficiency * efficiency(&MATRIX_EFFICIENCY, flops / count.max(1.0) / 1e9);
        let t = (flops / (self.peak_flops * e)).max(self.mem_time(bytes));
        (t + KERNEL_GAP_S, flops)
    }
    /// An element-wise kernel moving `bytes`.
    pub fn stream(&self, bytes: f64) -> f64 {
        self.mem_time(bytes) + KERNEL_GAP_S
    }
    fn mem_time(&self, bytes: f64) -> f64 {
        bytes / (self.mem_bw * efficiency(&MEMORY_EFFICIENCY, bytes / 1e6))
    }
}

/// Collective over `n` devices of `bytes` per device on bus bandwidth `bw`
/// with per-step latency `lat`: ring all-reduce moves 2(n−1)/n of the data,
/// all-gather and reduce-scatter (n−1)/n (Patarasuk & Yuan 2009; NCCL
/// "performance.md" bus-bandwidth definition).
pub fn ring_time(n: f64, bytes: f64, bw: f64, lat: f64, all_reduce: bool) -> f64 {
    if n <= 1.0 || bytes <= 0.0 {
        return 0.0;
    }
    let factor = if all_reduce { 2.0 } else { 1.0 };
    let steps = factor * (n - 1.0);
    factor * (n - 1.0) / n * bytes / bw + steps.min(2.0 * n.log2().ceil().max(1.0)) * lat
}

/// Layer configuration the cost depends on.
#[derive(Clone, Copy, Debug)]
pub struct LayerConfig {
    pub tp: u32,
    pub ep: u32,
    pub micro_batch: u32,
    pub sequence_parallel: bool,
    pub recompute: Recompute,
}

/// Cost of one layer for one micro-batch.
pub fn layer_cost(s: &Shape, cfg: &LayerConfig, c: &Cluster, r: &Roofline) -> LayerCost {
    let t = cfg.tp.max(1) as f64;
    let tokens = s.seq as f64 * cfg.micro_batch.max(1) as f64;
    let b = cfg.micro_batch.max(1) as f64;
    let seq = s.seq as f64;
    let h = s.hidden as f64;
    let heads = s.heads as f64;
    let g = s.kv_fraction();
    let f = s.ffn as f64;
    let ab = r.act_bytes;
    let sp = cfg.sequence_parallel && cfg.tp > 1;
    let repl = if sp { t } else { 1.0 };

    // --- forward pieces -------------------------------------------------
    // Norms and fused bias-dropout-residual kernels on the replicated
    // (or, with SP, sequence-split) activations.
    let norm = 2.0 * r.stream(tokens * h / repl * ab * 2.0);
    let residual = 2.0 * r.stream(tokens * h / repl * (3.0 * ab + 1.0));
    let (qkv_t, qkv_f) = r.gemm(tokens, h, h * (1.0 + 2.0 * g) / t, 1.0);
    let (proj_t, proj_f) = r.gemm(tokens, h / t, h, 1.0);
    // Attention core: QKᵀ and PV as batched matmuls over the local heads,
    // with the scaled-masked-softmax and dropout kernels on the s×s scores
    // (Megatron's fused softmax: read + write; dropout: read, write, mask).
    let local_heads = heads / t;
    let hd = h / heads;
    let (score_t, score_f) = r.gemm(seq, hd, seq, b * local_heads);
    let (pv_t, pv_f) = r.gemm(seq, seq, hd, b * local_heads);
    let score_elems = b * local_heads * seq * seq;
    let softmax = r.stream(score_elems * 2.0 * ab) + r.stream(score_elems * (2.0 * ab + 1.0));
    let attn_core_t = score_t + pv_t + softmax;
    let attn_core_f = score_f + pv_f;
    // MLP: experts see top_k copies of the tokens spread over EP ranks.
    let routed = tokens * s.top_k as f64;
    let up_cols = if s.gated { 2.0 * f } else { f };
    let (up_t, up_f) = r.gemm(routed, h, up_cols / t, 1.0);
    let act = r.stream(routed * f / t * ab * if s.gated { 3.0 } else { 2.0 });
    let (down_t, down_f) = r.gemm(routed, f / t, h, 1.0);
    let router = if s.is_moe() {
        let (rt, _) = r.gemm(tokens, h, s.experts as f64, 1.0);
        rt
    } else {
        0.0
    };
    let dense_t = norm + residual + qkv_t + proj_t + up_t + act + down_t + router;
    let dense_f = qkv_f + proj_f + up_f + down_f;

    // --- communication --------------------------------------------------
    let msg = tokens * h * ab;
    let tp_local = cfg.tp.min(c.devices_per_server);
    let coll = |kind, bytes| c.collective(kind, bytes, cfg.tp, tp_local);
    // Two all-reduces per pass without SP; with SP two all-gathers and two
    // reduce-scatters of the same total volume (Korthikanti et al. 2022 §4.2.2).
    let tp_pass = if cfg.tp > 1 {
        if sp {
            2.0 * (coll(CollectiveKind::AllGather, msg) + coll(CollectiveKind::ReduceScatter, msg))
        } else {
            2.0 * coll(CollectiveKind::AllReduce, msg)
        }
    } else {
        0.0
    };
    // MoE: dispatch and combine all-to-alls over the EP group; each device
    // sends its routed tokens (the share for itself stays local).
    let moe_pass = if s.is_moe() && cfg.ep > 1 {
        let local = (c.devices_per_server / cfg.tp.max(1)).clamp(1, cfg.ep);
        let bytes = routed * h * ab / t;
        2.0 * c.collective(CollectiveKind::AllToAll, bytes, cfg.ep, local)
    } else {
        0.0
    };

    let forward = PassCost {
        compute: dense_t + attn_core_t,
        tp_comm: tp_pass,
        moe_comm: moe_pass,
        flops: dense_f + attn_core_f,
    };
    // Backward: two matmuls per forward matmul (input and weight
    // gradients), element-wise kernels read the saved input and the
    // incoming gradient and write a gradient (about twice the traffic).
    let mut backward = PassCost {
        compute: 2.0 * forward.compute,
        tp_comm: tp_pass,
        moe_comm: moe_pass,
        flops: 2.0 * forward.flops,
    };
    match cfg.recompute {
        Recompute::None => {}
        Recompute::Selective => backward.add(PassCost {
            compute: attn_core_t,
            flops: attn_core_f,
            ..PassCost::default()
        }),
        // The whole forward runs again, collectives included.
        Recompute::Full => backward.add(forward),
    }
    LayerCost { forward, backward }
}

/// Forward cost of the output layer and cross-entropy for one micro-batch
/// (the last pipeline stage), and of the embedding lookup (the first).
pub fn head_costs(s: &Shape, cfg: &LayerConfig, r: &Roofline) -> (PassCost, PassCost, f64) {
    let t = cfg.tp.max(1) as f64;
    let tokens = s.seq as f64 * cfg.micro_batch.max(1) as f64;
    let v = s.vocab as f64;
    let h = s.hidden as f64;
    let (logit_t, logit_f) = r.gemm(tokens, h, v / t, 1.0);
    // Cross-entropy in FP32 over the local vocabulary shard: read logits,
    // write softmax (4 + 4 bytes per entry).
    let ce = r.stream(tokens * v / t * 8.0);
    let fwd = PassCost {
        compute: logit_t + ce,
        flops: logit_f,
        ..PassCost::default()
    };
    let bwd = PassCost {
        compute: 2.0 * logit_t + ce,
        flops: 2.0 * logit_f,
        ..PassCost::default()
    };
    let embed = r.stream(tokens * h * r.act_bytes * 2.0);
    (fwd, bwd, embed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ring_all_reduce_moves_twice_the_data() {
        let t = ring_time(8.0, 1e9, 100e9, 0.0, true);
        assert!((t - 2.0 * 7.0 / 8.0 * 0.01).abs() < 1e-12);
        assert_eq!(ring_time(1.0, 1e9, 100e9, 1e-6, true), 0.0);
        let ag = ring_time(8.0, 1e9, 100e9, 0.0, false);
        assert!((t / ag - 2.0).abs() < 1e-9);
    }

    #[test]
    fn small_gemms_are_memory_bound() {
        let r = Roofline {
            gemm_efficiency: LARGE_GEMM_EFFICIENCY,
            peak_flops: 312e12,
            mem_bw: 2039e9,
            act_bytes: 2.0,
        };
        // A matrix-vector product runs at memory speed, far below peak.
        let (t, f) = r.gemm(1.0, 8192.0, 8192.0, 1.0);
        assert!(f / t < 0.02 * 312e12);
        // A large square one runs at the GEMM efficiency.
        let (t, f) = r.gemm(8192.0, 8192.0, 8192.0, 1.0);
        let eff = f / t / 312e12;
        assert!((eff - LARGE_GEMM_EFFICIENCY).abs() < 0.01, "{eff}");
    }
}

#[cfg(test)]
mod table_tests {
    use super::*;
    #[test]
    fn efficiency_table_interpolates() {
        assert_eq!(efficiency(&MATRIX_EFFICIENCY, 1000.0), 1.0);
        assert!((efficiency(&MATRIX_EFFICIENCY, 16.0) - 0.9 / 0.95).abs() < 1e-12);
        assert!((efficiency(&MATRIX_EFFICIENCY, 0.5) - 0.35 / 0.95).abs() < 1e-9);
        let mid = efficiency(&MATRIX_EFFICIENCY, 4.0);
        assert!(mid > 0.6 / 0.95 && mid < 0.9 / 0.95);
    }
}
