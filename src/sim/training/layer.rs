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
use crate::model::{AttentionKernel, Precision, Recompute};
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
/// Peak the matrix-efficiency table was measured at (A100 FP16 dense).
const A100_FP16_PEAK: f64 = 312e12;
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
/// FlashAttention-2 forward+backward throughput as a fraction of the dense
/// BF16 peak, by sequence length (head size 128), non-causal and causal:
/// FlashAttention README benchmark charts (validation/kernels2.csv
/// KN2-001..004). A100 (312 TFLOP/s): non-causal 2k 187, 4k 196, 8k 201,
/// 16k 203; causal 512 99, 1k 133, 4k 173, 8k 182, 16k 189. H100 SXM
/// (989 TFLOP/s): non-causal 512 248, 1k 294, 2k 320, 4k 326, 8k 335, 16k
/// 338; causal 512 163, 2k 265, 8k 308, 16k 328. Causal throughput counts
/// the executed (half) FLOPs, as the benchmark does.
const FA2_A100: [[(f64, f64); 5]; 2] = [
    [
        (512.0, 0.50),
        (2048.0, 187.0 / 312.0),
        (4096.0, 196.0 / 312.0),
        (8192.0, 201.0 / 312.0),
        (16384.0, 203.0 / 312.0),
    ],
    [
        (512.0, 99.0 / 312.0),
        (1024.0, 133.0 / 312.0),
        (4096.0, 173.0 / 312.0),
        (8192.0, 182.0 / 312.0),
        (16384.0, 189.0 / 312.0),
    ],
];
const FA2_H100: [[(f64, f64); 5]; 2] = [
    [
        (512.0, 248.0 / 989.0),
        (1024.0, 294.0 / 989.0),
        (2048.0, 320.0 / 989.0),
        (8192.0, 335.0 / 989.0),
        (16384.0, 338.0 / 989.0),
    ],
    [
        (512.0, 163.0 / 989.0),
        (2048.0, 265.0 / 989.0),
        (4096.0, 290.0 / 989.0),
        (8192.0, 308.0 / 989.0),
        (16384.0, 328.0 / 989.0),
    ],
];
/// FlashAttention-3 / cuDNN fused attention on Hopper over FlashAttention-2,
/// forward+backward: FA3 forward 648 vs FA2 370 TFLOP/s at 16k (KN2-005)
/// and a backward 1.5× FA2's (FlashAttention-3 paper, Shah et al. 2024 §4.1,
/// "1.5-1.75×"): 3.5 / (1/648 + 2.5/(1.5·327)) = 527 vs 338 → 1.56.
const FA3_OVER_FA2_HOPPER: f64 = 1.56;

/// Fraction of the dense 16-bit peak a fused attention kernel sustains,
/// forward+backward, on `device` at sequence `seq`. Devices without a
/// published sweep use the H100 fractions (an estimate: B200, MI300X,
/// TPUs); Ampere and older run FlashAttention-2 whatever is asked.
pub fn attention_efficiency(device_id: &str, kernel: AttentionKernel, seq: f64, causal: bool) -> f64 {
    let ampere = device_id.starts_with("a100") || device_id.starts_with("a10") || device_id.starts_with("a30");
    let table = if ampere { &FA2_A100 } else { &FA2_H100 };
    let curve = &table[usize::from(causal)];
    let e = efficiency_by_seq(curve, seq);
    match kernel {
        AttentionKernel::Fused if !ampere => (e * FA3_OVER_FA2_HOPPER).min(0.9),
        _ => e,
    }
}

/// Log-linear in sequence length between points, flat outside.
fn efficiency_by_seq(curve: &[(f64, f64)], seq: f64) -> f64 {
    if seq <= curve[0].0 {
        return curve[0].1 * (seq / curve[0].0).max(0.25);
    }
    for w in curve.windows(2) {
        let ((x0, e0), (x1, e1)) = (w[0], w[1]);
        if seq < x1 {
            return e0 + (e1 - e0) * (seq / x0).ln() / (x1 / x0).ln();
        }
    }
    curve[curve.len() - 1].1
}

/// FP8 training as Transformer Engine runs it: the linear layers' GEMMs in
/// FP8, attention, norms, the output layer and element-wise kernels in 16
/// bits; each FP8 GEMM first casts its input (read 2 B, write 1 B and a
/// 1 B transpose for the backward) and, in the backward, its incoming
/// gradient (TE `Float8Tensor` cast-transpose kernels; amax reduction
/// fused, delayed/current scaling). Transformer Engine user guide,
/// "Introduction to FP8" and "FP8 tensor cast-transpose".
const FP8_CAST_BYTES_PER_ELEMENT: f64 = 4.0;

/// Launch and scheduling gap per kernel (CUDA kernel launch latency
/// 3-5 µs, NVIDIA "Getting Started with CUDA Graphs", 2019).
pub const KERNEL_GAP_S: f64 = 4e-6;

/// Time split of one pass (forward or backward) of one layer.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct PassCost {
    pub compute: f64,
    pub tp_comm: f64,
    pub moe_comm: f64,
    /// Context-parallel key/value exchange not hidden behind attention.
    pub cp_comm: f64,
    /// Hardware FLOPs executed.
    pub flops: f64,
}

impl PassCost {
    pub fn total(&self) -> f64 {
        self.compute + self.tp_comm + self.moe_comm + self.cp_comm
    }
    fn add(&mut self, o: PassCost) {
        self.compute += o.compute;
        self.tp_comm += o.tp_comm;
        self.moe_comm += o.moe_comm;
        self.cp_comm += o.cp_comm;
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
    /// Peak of the GEMMs of linear layers at the training precision.
    pub peak_flops: f64,
    /// 16-bit peak (attention, output layer, everything FP8 does not run).
    pub peak16_flops: f64,
    /// Whether linear layers run in FP8 (inputs are cast first).
    pub fp8: bool,
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
        let peak16 = if precision == Precision::Fp8 {
            cluster
                .device
                .peak_tflops
                .effective(Precision::Bf16)
                .map(|(_, v)| v)
                .unwrap_or(peak)
        } else {
            peak
        };
        Roofline {
            peak_flops: peak * 1e12,
            peak16_flops: peak16 * 1e12,
            fp8: precision == Precision::Fp8,
            gemm_efficiency: cluster.gemm_efficiency,
            mem_bw: cluster.device.memory_bw_gbs * 1e9,
            act_bytes: super::memory::activation_bytes(precision),
        }
    }
    /// (m×k)·(k×n) matmul of a linear layer, `count` times (batched): in
    /// FP8 when the run is FP8, its input cast first.
    pub fn gemm(&self, m: f64, k: f64, n: f64, count: f64) -> (f64, f64) {
        let (t, f) = self.gemm_at(
            m,
            k,
            n,
            count,
            self.peak_flops,
            if self.fp8 { 1.0 } else { self.act_bytes },
        );
        if self.fp8 {
            (t + self.stream(m * k * count * FP8_CAST_BYTES_PER_ELEMENT), f)
        } else {
            (t, f)
        }
    }
    /// A matmul that stays in 16 bits (attention core, output layer).
    pub fn gemm16(&self, m: f64, k: f64, n: f64, count: f64) -> (f64, f64) {
        self.gemm_at(m, k, n, count, self.peak16_flops, self.act_bytes)
    }
    fn gemm_at(&self, m: f64, k: f64, n: f64, count: f64, peak: f64, elem_bytes: f64) -> (f64, f64) {
        let flops = 2.0 * m * k * n * count;
        let bytes = (m * k + k * n + m * n) * elem_bytes * count;
        // Efficiency by the size of one matmul of the batch, in A100-FP16
        // equivalents: the table is measured at 312 TFLOP/s, and a faster
        // device finishes the same matmul sooner, so launch, wave
        // quantization and tail effects weigh as on a matmul
        // `peak / 312 TFLOP/s` times smaller on the A100.
        let size = flops / count.max(1.0) / 1e9 * (A100_FP16_PEAK / peak.max(1.0));
        let e = self.gemm_efficiency * efficiency(&MATRIX_EFFICIENCY, size);
        let t = (flops / (peak * e)).max(self.mem_time(bytes));
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
    pub cp: u32,
    pub ep: u32,
    pub attention: AttentionKernel,
    pub micro_batch: u32,
    pub sequence_parallel: bool,
    pub recompute: Recompute,
}

/// Cost of one layer for one micro-batch.
pub fn layer_cost(s: &Shape, cfg: &LayerConfig, c: &Cluster, r: &Roofline) -> LayerCost {
    let t = cfg.tp.max(1) as f64;
    let cp = cfg.cp.max(1) as f64;
    let b = cfg.micro_batch.max(1) as f64;
    let seq = s.seq as f64;
    // Each context-parallel rank holds seq/cp of the tokens.
    let tokens = seq * b / cp;
    let h = s.hidden as f64;
    let (q, kv) = (s.q_dim(), s.kv_dim());
    let f = s.expert_ffn as f64;
    let ab = r.act_bytes;
    let sp = cfg.sequence_parallel && cfg.tp > 1;
    let repl = if sp { t } else { 1.0 };
    let mask = if s.dropout { 1.0 } else { 0.0 };

    // --- forward pieces -------------------------------------------------
    // Norms and fused bias-dropout-residual kernels on the replicated
    // (or, with SP, sequence-split) activations.
    let norm = 2.0 * r.stream(tokens * h / repl * ab * 2.0);
    let residual = 2.0 * r.stream(tokens * h / repl * (3.0 * ab + mask));
    let (qkv_t, qkv_f) = r.gemm(tokens, h, (q + 2.0 * kv) / t, 1.0);
    let (proj_t, proj_f) = r.gemm(tokens, q / t, h, 1.0);
    let local_heads = s.heads as f64 / t;
    let hd = s.head_dim as f64;
    // Attention core. Unfused: QKᵀ and PV as batched matmuls over the local
    // heads, with the scaled-masked-softmax and dropout kernels on the s×s
    // scores (Megatron's fused softmax: read + write; dropout: read, write,
    // mask). Fused: one kernel at its measured fraction of the 16-bit peak
    // that skips the masked half of a causal matrix; its backward
    // recomputes the scores (2.5× the forward FLOPs, Dao 2023 §3).
    let (attn_fwd_t, attn_fwd_f, attn_bwd_t, attn_bwd_f) = match cfg.attention {
        AttentionKernel::Unfused => {
            let (score_t, score_f) = r.gemm16(tokens / b, hd, seq, b * local_heads);
            let (pv_t, pv_f) = r.gemm16(tokens / b, seq, hd, b * local_heads);
            let score_elems = b * local_heads * tokens / b * seq;
            let softmax = r.stream(score_elems * 2.0 * ab) + r.stream(score_elems * (2.0 * ab + mask));
            let fwd_t = score_t + pv_t + softmax;
            (fwd_t, score_f + pv_f, 2.0 * fwd_t, 2.0 * (score_f + pv_f))
        }
        kernel => {
            let flops = 4.0 * tokens * seq * local_heads * hd * 0.5;
            let eff = attention_efficiency(&c.device.id, kernel, seq / cp, true);
            let both = 3.5 * flops / (r.peak16_flops * eff.max(1e-3));
            (
                both / 3.5 + KERNEL_GAP_S,
                flops,
                both * 2.5 / 3.5 + KERNEL_GAP_S,
                2.5 * flops,
            )
        }
    };
    // MLP: experts see top_k copies of the tokens (plus shared experts),
    // the busiest rank `load_imbalance` times the mean.
    let routed = tokens * s.top_k as f64 * if s.is_moe() { s.load_imbalance } else { 1.0 };
    let up_cols = if s.gated { 2.0 * f } else { f };
    let mut mlp_t = 0.0;
    let mut mlp_f = 0.0;
    for rows in [routed, tokens * s.shared_experts as f64] {
        if rows <= 0.0 {
            continue;
        }
        let (up_t, up_f) = r.gemm(rows, h, up_cols / t, 1.0);
        let act = r.stream(rows * f / t * ab * if s.gated { 3.0 } else { 2.0 });
        let (down_t, down_f) = r.gemm(rows, f / t, h, 1.0);
        mlp_t += up_t + act + down_t;
        mlp_f += up_f + down_f;
    }
    let router = if s.is_moe() {
        let (rt, _) = r.gemm16(tokens, h, s.experts as f64, 1.0);
        rt
    } else {
        0.0
    };
    let dense_t = norm + residual + qkv_t + proj_t + mlp_t + router;
    let dense_f = qkv_f + proj_f + mlp_f;

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
    // Context parallelism (ring attention, Liu et al. 2023; Megatron-Core
    // CP): cp − 1 steps each pass a key/value chunk to the next rank while
    // the attention of the current chunk runs; the backward passes the
    // chunk and its gradient. Only what attention cannot hide is exposed.
    let (cp_fwd, cp_bwd) = if cfg.cp > 1 {
        let chunk = 2.0 * tokens * kv / t * ab;
        let ranks_per_server = (c.devices_per_server / cfg.tp.max(1)).max(1);
        let per_server = if cfg.cp <= ranks_per_server { 2 } else { 1 };
        let step = c.collective(CollectiveKind::PointToPoint, chunk, 2, per_server);
        let steps = cp - 1.0;
        (
            (steps * step - attn_fwd_t).max(0.0),
            (2.0 * steps * step - attn_bwd_t).max(0.0),
        )
    } else {
        (0.0, 0.0)
    };

    let forward = PassCost {
        compute: dense_t + attn_fwd_t,
        tp_comm: tp_pass,
        moe_comm: moe_pass,
        cp_comm: cp_fwd,
        flops: dense_f + attn_fwd_f,
    };
    // Backward: two matmuls per forward matmul (input and weight
    // gradients), element-wise kernels read the saved input and the
    // incoming gradient and write a gradient (about twice the traffic).
    let mut backward = PassCost {
        compute: 2.0 * dense_t + attn_bwd_t,
        tp_comm: tp_pass,
        moe_comm: moe_pass,
        cp_comm: cp_bwd,
        flops: 2.0 * dense_f + attn_bwd_f,
    };
    match cfg.recompute {
        Recompute::None => {}
        // A fused kernel recomputes its scores anyway.
        Recompute::Selective if cfg.attention != AttentionKernel::Unfused => {}
        Recompute::Selective => backward.add(PassCost {
            compute: attn_fwd_t,
            flops: attn_fwd_f,
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
    let tokens = s.seq as f64 * cfg.micro_batch.max(1) as f64 / cfg.cp.max(1) as f64;
    let v = s.vocab as f64;
    let h = s.hidden as f64;
    // Transformer Engine leaves the output layer in 16 bits.
    let (logit_t, logit_f) = r.gemm16(tokens, h, v / t, 1.0);
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
            fp8: Default::default(),
            peak16_flops: Default::default(),
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
