//! Memory per device: weights, gradients, optimizer state (ZeRO 0–3),
//! activations (Korthikanti et al. 2022, "Reducing Activation Recomputation
//! in Large Transformer Models", §4, generalized to GQA, gated FFN and MoE)
//! and working buffers. When a plan does not fit, alternatives are tried and
//! the first that fits is suggested.

use super::shape::Shape;
use crate::model::{
    AttentionKernel, Catalog, Parallelism, PipelineSchedule, Plan, Precision, Problem, Recompute, Severity, StageKind,
    Subject, TrainStage,
};
use serde::Serialize;

/// NVIDIA's "GB" for HBM capacities is binary: an A100 80GB reports 81,920
/// MiB in nvidia-smi, an H100 80GB 81,559 MiB usable (NVIDIA datasheets,
/// nvidia-smi output). Catalog `memory_gb` is read as GiB.
const GIB: f64 = 1024.0 * 1024.0 * 1024.0;

/// Working memory outside the model state: CUDA context and cuBLAS
/// workspace (~1 GiB, PyTorch "CUDA semantics" notes), NCCL channel buffers
/// (~0.5 GiB at 8+ peers, NCCL environment docs: 4 MiB × channels × peers).
const FIXED_RESERVE_BYTES: f64 = 1.5 * GIB;
/// Caching-allocator fragmentation: ZeRO (Rajbhandari et al. 2020, §3.2)
/// reports fragmentation leaving >30 % unusable in extreme cases; 5 % of the
/// live bytes is the typical figure for static transformer shapes.
const FRAGMENTATION: f64 = 0.05;

/// Bytes per parameter of each kind of model state.
#[derive(Clone, Copy, Debug)]
struct StateBytes {
    weights: f64,
    grads: f64,
    optimizer: f64,
}

/// Mixed precision with Adam: 16-bit weights and gradients, FP32 master
/// weights, momentum and variance: 2 + 2 + 12 = 16 bytes per parameter
/// (Rajbhandari et al. 2020, ZeRO §3.1). FP8 training (Transformer Engine)
/// keeps 16-bit weights. Pure FP32: 4 + 4 + 8.
fn state_bytes(p: Precision) -> StateBytes {
    match p {
        Precision::Fp32 | Precision::Tf32 => StateBytes {
            weights: 4.0,
            grads: 4.0,
            optimizer: 8.0,
        },
        _ => StateBytes {
            weights: 2.0,
            grads: 2.0,
            optimizer: 12.0,
        },
    }
}

/// Per-device memory, bytes, of the most loaded pipeline stage.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct MemoryBreakdown {
    pub weights: f64,
    pub gradients: f64,
    pub optimizer: f64,
    pub activations: f64,
    pub buffers: f64,
    pub capacity: f64,
}

impl MemoryBreakdown {
    pub fn total(&self) -> f64 {
        self.weights + self.gradients + self.optimizer + self.activations + self.buffers
    }
    pub fn fits(&self) -> bool {
        self.total() <= self.capacity
    }
    pub fn over(&self) -> f64 {
        self.total() - self.capacity
    }
}

/// The knobs memory depends on (a subset of a [`TrainStage`]).
#[derive(Clone, Debug, PartialEq)]
pub struct MemoryConfig {
    pub micro_batch: u32,
    pub global_batch: u32,
    pub precision: Precision,
    pub recompute: Recompute,
    pub par: Parallelism,
    pub attention: AttentionKernel,
}

impl MemoryConfig {
    pub fn of(t: &TrainStage) -> MemoryConfig {
        MemoryConfig {
            micro_batch: t.micro_batch.max(1),
            global_batch: t.global_batch.max(1),
            precision: t.precision,
            recompute: t.recompute,
            par: t.parallelism.clone(),
            attention: t.attention,
        }
    }
    fn micro_batches(&self) -> u32 {
        (self.global_batch as u64 / (self.micro_batch as u64 * self.par.dp.max(1) as u64)).max(1) as u32
    }
}

/// Bytes of one stored activation value at a training precision: FP32 and
/// TF32 runs keep FP32 activations; BF16/FP16 mixed precision and FP8
/// (Transformer Engine keeps activations in 16 bits between its FP8 GEMMs)
/// keep 16-bit ones (Micikevicius et al. 2018, "Mixed Precision Training").
/// The layer cost model streams activations at the same size.
pub fn activation_bytes(p: Precision) -> f64 {
    match p {
        Precision::Fp32 | Precision::Tf32 => 4.0,
        _ => 2.0,
    }
}

/// Activation bytes of one layer for one micro-batch, as Korthikanti et
/// al. 2022 eq. (1)-(6): their formulas count 16-bit values plus 1-byte
/// dropout masks; values scale with [`activation_bytes`], masks stay 1 byte
/// and are absent for models trained without dropout (Llama-style). A fused
/// attention kernel (FlashAttention, Dao et al. 2022 §3.1) keeps no s×s
/// scores, only the softmax log-sum-exp (4 bytes per head per token).
/// Context parallelism splits the tokens over `cp` devices.
pub fn layer_activation_bytes(s: &Shape, cfg: &MemoryConfig) -> f64 {
    let v = activation_bytes(cfg.precision) / 2.0;
    let t = cfg.par.tp.max(1) as f64;
    let cp = cfg.par.cp.max(1) as f64;
    let tokens = s.seq as f64 * cfg.micro_batch as f64 / cp;
    let h = s.hidden as f64;
    let (q, kv) = (s.q_dim(), s.kv_dim());
    let f = s.expert_ffn as f64 * s.experts_per_token();
    let sp = cfg.par.sequence_parallel && cfg.par.tp > 1;
    let mask = if s.dropout { 1.0 } else { 0.0 };
    // Replicated across TP unless sequence parallel: two norm inputs (4h),
    // QKV input (2h), MLP input (2h) and, with dropout, the attention and
    // MLP dropout masks (h each): the "10" of eq. 2.
    let replicated = (8.0 * h * v + 2.0 * h * mask) / if sp { t } else { 1.0 };
    // Split over TP: Q and K (2q + 2kv), V (2kv), output-projection input
    // (2q); MLP: GeLU input and second-linear input (4f) or, gated, two
    // branch outputs and their product (6f). With q = kv = h, f = 4h: 24h.
    let mlp = if s.gated { 6.0 * f } else { 4.0 * f };
    let split = (2.0 * q + 4.0 * kv + 2.0 * q + mlp) * v / t;
    // Attention scores: softmax output (2), dropout mask (1) and output (2)
    // per head per token pair: 5·a·s per token; a fused kernel keeps none.
    let scores = match cfg.attention {
        AttentionKernel::Unfused => (2.0 * v + (2.0 * v + 1.0) * mask) * s.heads as f64 * s.seq as f64 / t,
        AttentionKernel::Fused | AttentionKernel::FlashAttention2 => 4.0 * s.heads as f64 / t,
    };
    let per_token = match cfg.recompute {
        Recompute::None => replicated + split + scores,
        Recompute::Selective => replicated + split,
        // Only the layer input is kept (eq. 6: 2sbh, split with SP).
        Recompute::Full => 2.0 * h * v / if sp { t } else { 1.0 },
    };
    tokens * per_token
}

/// Layers of pipeline stage `stage` (0-based) of `pp`: the plan's split, or
/// an even one with the first stages taking the remainder.
pub fn stage_layers(s: &Shape, par: &Parallelism, stage: usize) -> u32 {
    let pp = par.pp.max(1);
    if par.stage_layers.len() == pp as usize {
        return par.stage_layers[stage.min(pp as usize - 1)];
    }
    s.layers / pp + u32::from((stage as u32) < s.layers % pp)
}

/// FP8 training keeps an FP8 copy of every weight besides the 16-bit
/// weights, cast once per iteration and reused by every micro-batch
/// (Transformer Engine `is_first_microbatch` weight caching, "Using FP8
/// with Transformer Engine" user guide); the transposes the backward needs
/// are made per GEMM by the cast-transpose kernel and not kept.
const FP8_WEIGHT_COPY_BYTES: f64 = 1.0;

/// Memory of the most loaded stage on a device with `capacity_gib`.
pub fn breakdown(s: &Shape, cfg: &MemoryConfig, capacity_gib: f64) -> MemoryBreakdown {
    let par = &cfg.par;
    let (tp, pp, dp) = (par.tp.max(1) as f64, par.pp.max(1) as f64, par.dp.max(1) as f64);
    let ep = par.ep.max(1) as f64;
    let first_layers = stage_layers(s, par, 0) as f64;
    let last_layers = stage_layers(s, par, par.pp.max(1) as usize - 1) as f64;
    // Dense part of a layer split over TP; experts split over EP then TP.
    let expert_share = if s.is_moe() {
        (s.experts as f64 / ep).ceil()
    } else {
        1.0
    };
    let layer = s.attention_params() + 4.0 * s.hidden as f64 + s.expert_params() * expert_share;
    let embed = s.vocab as f64 * s.hidden as f64 / tp;
    // Megatron keeps the input embedding on the first stage and the output
    // matrix on the last (a tied copy when embeddings are tied); with one
    // stage a tied matrix is stored once.
    let first = layer * first_layers / tp + embed + if pp <= 1.0 && !s.tied_embeddings { embed } else { 0.0 };
    let last = layer * last_layers / tp + if pp > 1.0 { embed } else { 0.0 };
    let mut sb = state_bytes(cfg.precision);
    if cfg.precision == Precision::Fp8 {
        sb.weights += FP8_WEIGHT_COPY_BYTES;
    }
    // The distributed optimizer and FSDP shard over the data-parallel
    // ranks of every context-parallel slice (Megatron-Core: DP × CP).
    let dp = dp * par.cp.max(1) as f64;
    let state = |params: f64| {
        let mut w = params * sb.weights;
        let mut g = params * sb.grads;
        let mut o = params * sb.optimizer;
        if par.zero_stage >= 1 {
            o /= dp;
        }
        if par.zero_stage >= 2 {
            g /= dp;
        }
        if par.zero_stage >= 3 {
            // Sharded weights plus two gathered layers in flight (current and
            // prefetched), as FSDP's default limit_all_gathers keeps.
            w = w / dp + 2.0 * layer / tp * sb.weights;
        }
        (w, g, o)
    };
    // Activations in flight on the first stage under 1F1B: min(m, p)
    // micro-batches of its layers (Korthikanti §4.2.3); interleaving adds
    // a factor 1 + (p − 1)/(p·v).
    let per_layer = layer_activation_bytes(s, cfg);
    let m = cfg.micro_batches() as f64;
    let in_flight = m.min(pp);
    let interleave = match par.schedule {
        PipelineSchedule::Interleaved(v) if pp > 1.0 && v > 1 => 1.0 + (pp - 1.0) / (pp * v as f64),
        _ => 1.0,
    };
    let mut first_act = per_layer * first_layers * in_flight * interleave;
    // Full recompute re-creates one layer's full activations at a time.
    if cfg.recompute == Recompute::Full {
        let full = MemoryConfig {
            recompute: Recompute::None,
            ..cfg.clone()
        };
        first_act += layer_activation_bytes(s, &full);
    }
    let tokens = s.seq as f64 * cfg.micro_batch as f64;
    // Last stage: one micro-batch in flight, plus FP32 logits and their
    // gradient for the cross-entropy (4 + 4 bytes × V/t per token).
    let tokens = tokens / par.cp.max(1) as f64;
    let mut last_act = per_layer * last_layers + tokens * 8.0 * s.vocab as f64 / tp;
    if cfg.recompute == Recompute::Full {
        last_act += layer_activation_bytes(
            s,
            &MemoryConfig {
                recompute: Recompute::None,
                ..cfg.clone()
            },
        );
    }
    if pp <= 1.0 {
        first_act += tokens * 8.0 * s.vocab as f64 / tp;
        last_act = first_act;
    }
    let (w1, g1, o1) = state(first);
    let (w2, g2, o2) = state(last);
    let a = (w1, g1, o1, first_act);
    let b = (w2, g2, o2, last_act);
    let pick = if a.0 + a.1 + a.2 + a.3 >= b.0 + b.1 + b.2 + b.3 {
        a
    } else {
        b
    };
    let live = pick.0 + pick.1 + pick.2 + pick.3;
    MemoryBreakdown {
        weights: pick.0,
        gradients: pick.1,
        optimizer: pick.2,
        activations: pick.3,
        buffers: FIXED_RESERVE_BYTES + FRAGMENTATION * live,
        capacity: capacity_gib * GIB,
    }
}

/// A change that makes a configuration fit, with its new footprint.
#[derive(Clone, Debug, PartialEq)]
pub struct Suggestion {
    pub description: String,
    pub config: MemoryConfig,
    pub total_bytes: f64,
}

/// Try alternatives with the same number of devices — one change, then
/// two — and return the fitting one that costs least speed: sequence
/// parallelism (free), a higher ZeRO stage and selective recompute (a few
/// per cent), a smaller micro-batch, more tensor or pipeline parallelism,
/// and full recompute (a third more compute) last.
pub fn suggest(s: &Shape, cfg: &MemoryConfig, capacity_gib: f64, devices_per_server: u32) -> Option<Suggestion> {
    let singles = single_changes(s, cfg, devices_per_server);
    let mut best: Option<(u32, MemoryConfig)> = None;
    let consider = |best: &mut Option<(u32, MemoryConfig)>, cost: u32, c: &MemoryConfig| {
        if best.as_ref().is_some_and(|(b, _)| *b <= cost) {
            return;
        }
        if breakdown(s, c, capacity_gib).fits() {
            *best = Some((cost, c.clone()));
        }
    };
    for (cost, c) in &singles {
        consider(&mut best, *cost, c);
    }
    if best.is_none() {
        for (c1, cfg1) in &singles {
            for (c2, cfg2) in single_changes(s, cfg1, devices_per_server) {
                consider(&mut best, c1 + c2, &cfg2);
            }
        }
    }
    let (_, config) = best?;
    let m = breakdown(s, &config, capacity_gib);
    Some(Suggestion {
        description: describe(cfg, &config),
        total_bytes: m.total(),
        config,
    })
}

/// What changed between two configurations, in the user's terms.
fn describe(a: &MemoryConfig, b: &MemoryConfig) -> String {
    let mut out = Vec::new();
    if a.recompute != b.recompute {
        out.push(match b.recompute {
            Recompute::None => "no activation recompute".to_string(),
            Recompute::Selective => "selective activation recompute".to_string(),
            Recompute::Full => "full activation recompute".to_string(),
        });
    }
    if !a.par.sequence_parallel && b.par.sequence_parallel {
        out.push("sequence parallelism".to_string());
    }
    if a.par.zero_stage != b.par.zero_stage {
        out.push(format!("ZeRO stage {}", b.par.zero_stage));
    }
    if a.micro_batch != b.micro_batch {
        out.push(format!("micro-batch {}", b.micro_batch));
    }
    if a.par.tp != b.par.tp || a.par.pp != b.par.pp {
        out.push(format!("TP {} × PP {} × DP {}", b.par.tp, b.par.pp, b.par.dp));
    }
    out.join(" and ")
}

/// Relative speed cost of each kind of change (ranking only).
const COST_SP: u32 = 1;
const COST_ZERO: u32 = 2;
const COST_SELECTIVE: u32 = 2;
const COST_MICRO_BATCH: u32 = 3;
const COST_TP_PP: u32 = 4;
const COST_FULL: u32 = 6;

fn single_changes(s: &Shape, cfg: &MemoryConfig, devices_per_server: u32) -> Vec<(u32, MemoryConfig)> {
    let mut out = Vec::new();
    let p = &cfg.par;
    match cfg.recompute {
        Recompute::None => {
            let mut c = cfg.clone();
            c.recompute = Recompute::Selective;
            out.push((COST_SELECTIVE, c));
        }
        Recompute::Selective => {
            let mut c = cfg.clone();
            c.recompute = Recompute::Full;
            out.push((COST_FULL, c));
        }
        Recompute::Full => {}
    }
    if p.tp > 1 && !p.sequence_parallel {
        let mut c = cfg.clone();
        c.par.sequence_parallel = true;
        out.push((COST_SP, c));
    }
    if p.dp > 1 && p.zero_stage < 3 {
        let mut c = cfg.clone();
        c.par.zero_stage = p.zero_stage + 1;
        out.push((COST_ZERO, c));
    }
    if cfg.micro_batch > 1 {
        let mut c = cfg.clone();
        c.micro_batch = cfg.micro_batch / 2;
        out.push((COST_MICRO_BATCH, c));
    }
    let batch_ok =
        |c: &MemoryConfig| (c.global_batch as u64).is_multiple_of(c.micro_batch as u64 * c.par.dp.max(1) as u64);
    // Trade data parallelism for tensor or pipeline parallelism.
    if p.dp.is_multiple_of(2) {
        let tp2 = p.tp * 2;
        if tp2 <= devices_per_server.max(1) && s.heads.is_multiple_of(tp2) {
            let mut c = cfg.clone();
            c.par.tp = tp2;
            c.par.dp = p.dp / 2;
            if batch_ok(&c) {
                out.push((COST_TP_PP, c));
            }
        }
        let pp2 = p.pp * 2;
        if s.layers.is_multiple_of(pp2) && p.stage_layers.is_empty() {
            let mut c = cfg.clone();
            c.par.pp = pp2;
            c.par.dp = p.dp / 2;
            if batch_ok(&c) {
                out.push((COST_TP_PP, c));
            }
        }
    }
    out
}

/// Memory problems of every training stage of a plan, reported before the
/// simulation runs: an error per stage that does not fit, saying by how much
/// and what would fit.
pub fn memory_problems(plan: &Plan, catalog: &Catalog) -> Vec<Problem> {
    let mut out = Vec::new();
    for stage in &plan.stages {
        let StageKind::Train(t) = &stage.kind else { continue };
        let Some(shape) = Shape::of(&t.model) else { continue };
        let Some((device, per_server)) = stage.placement.iter().find_map(|id| {
            let node = plan.node(id)?;
            let sys = catalog.system(&node.model)?;
            Some((catalog.device(&sys.device)?, sys.devices))
        }) else {
            continue;
        };
        if t.micro_batch == 0 || t.parallelism.tp == 0 || t.parallelism.pp == 0 || t.parallelism.dp == 0 {
            continue; // reported by Plan::validate
        }
        let cfg = MemoryConfig::of(t);
        let m = breakdown(&shape, &cfg, device.memory_gb);
        if m.fits() {
            continue;
        }
        let gb = |b: f64| b / GIB;
        let message = format!(
            "needs {:.1} GB per {} but it has {:.0} GB ({:.1} GB over): weights {:.1}, gradients {:.1}, optimizer {:.1}, activations {:.1}, buffers {:.1}",
            gb(m.total()),
            device.name,
            device.memory_gb,
            gb(m.over()),
            gb(m.weights),
            gb(m.gradients),
            gb(m.optimizer),
            gb(m.activations),
            gb(m.buffers),
        );
        let hint = match suggest(&shape, &cfg, device.memory_gb, per_server) {
            Some(sug) => format!("it would fit with {} ({:.1} GB)", sug.description, gb(sug.total_bytes)),
            None => "no single or double change fits: use more devices (pipeline stages) or a larger-memory device"
                .to_string(),
        };
        out.push(Problem {
            severity: Severity::Error,
            subject: Subject::Stage(stage.id.clone()),
            message,
            hint,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::training::shape::gpt;

    fn cfg(tp: u32, pp: u32, dp: u32, mb: u32, gb: u32, rc: Recompute, sp: bool) -> MemoryConfig {
        MemoryConfig {
            attention: AttentionKernel::Unfused,
            micro_batch: mb,
            global_batch: gb,
            precision: Precision::Fp16,
            recompute: rc,
            par: Parallelism {
                cp: 1,
                stage_layers: Vec::new(),
                tp,
                pp,
                dp,
                sequence_parallel: sp,
                zero_stage: 0,
                ep: 1,
                schedule: PipelineSchedule::OneFOneB,
            },
        }
    }

    #[test]
    fn korthikanti_per_layer_formulas() {
        let s = gpt(96, 12288, 96);
        let (sb, h, a, seq, t) = (2048.0, 12288.0, 96.0, 2048.0, 8.0);
        let sbh = sb * h;
        let none = layer_activation_bytes(&s, &cfg(8, 1, 1, 1, 1, Recompute::None, false));
        let paper = sbh * (10.0 + 24.0 / t + 5.0 * a * seq / (h * t));
        assert!((none / paper - 1.0).abs() < 1e-9);
        let sel_sp = layer_activation_bytes(&s, &cfg(8, 1, 1, 1, 1, Recompute::Selective, true));
        assert!((sel_sp / (sbh * 34.0 / t) - 1.0).abs() < 1e-9);
        let full = layer_activation_bytes(&s, &cfg(8, 1, 1, 1, 1, Recompute::Full, false));
        assert!((full / (2.0 * sbh) - 1.0).abs() < 1e-9);
    }

    #[test]
    fn fp32_activations_take_twice_the_bytes_of_bf16_except_the_masks() {
        let s = gpt(96, 12288, 96);
        let at = |p: Precision, r: Recompute| {
            let mut c = cfg(8, 1, 1, 1, 1, r, false);
            c.precision = p;
            layer_activation_bytes(&s, &c)
        };
        // Full recompute keeps only the 16-bit layer input: exactly 2×.
        let full = at(Precision::Fp32, Recompute::Full) / at(Precision::Bf16, Recompute::Full);
        assert!((full - 2.0).abs() < 1e-12, "{full}");
        // Otherwise the 1-byte dropout masks do not grow: just under 2×.
        let (h, a, seq, t) = (12288.0, 96.0, 2048.0, 8.0);
        let bf16 = h * (10.0 + 24.0 / t + 5.0 * a * seq / (h * t));
        let fp32 = h * (18.0 + 48.0 / t + 9.0 * a * seq / (h * t));
        let ratio = at(Precision::Fp32, Recompute::None) / at(Precision::Bf16, Recompute::None);
        assert!((ratio - fp32 / bf16).abs() < 1e-9, "{ratio}");
        assert!(ratio > 1.8 && ratio < 2.0);
        assert_eq!(
            at(Precision::Fp8, Recompute::None),
            at(Precision::Bf16, Recompute::None)
        );
    }

    #[test]
    fn gpt3_on_a100_fits_as_published() {
        // Korthikanti et al. 2022 ran 175B with TP 8, PP 8, selective + SP.
        let s = gpt(96, 12288, 96);
        let c = cfg(8, 8, 1, 1, 64, Recompute::Selective, true);
        let m = breakdown(&s, &c, 80.0);
        assert!(m.fits(), "{:.1} GiB", m.total() / GIB);
        // Without recompute and without SP it does not (paper Fig. 7).
        let c = cfg(8, 8, 1, 1, 64, Recompute::None, false);
        assert!(!breakdown(&s, &c, 80.0).fits());
    }

    #[test]
    fn suggestion_fits_and_says_what() {
        let s = gpt(96, 12288, 96);
        let c = cfg(8, 8, 1, 1, 64, Recompute::None, false);
        let sug = suggest(&s, &c, 80.0, 8).expect("a fix exists");
        assert!(sug.total_bytes <= 80.0 * GIB);
        assert!(sug.description.contains("recompute") || sug.description.contains("sequence"));
        // A 175B model on one data-parallel GPU per replica cannot fit.
        let c = cfg(1, 1, 64, 1, 64, Recompute::Full, false);
        let m = breakdown(&s, &c, 80.0);
        assert!(!m.fits());
        let sug = suggest(&s, &c, 80.0, 8);
        assert!(sug.is_none() || sug.is_some_and(|x| x.total_bytes <= 80.0 * GIB));
    }

    #[test]
    fn zero_shards_state() {
        let s = gpt(32, 4096, 32);
        let mut c = cfg(1, 1, 64, 1, 64, Recompute::Selective, false);
        let z0 = breakdown(&s, &c, 80.0);
        c.par.zero_stage = 1;
        let z1 = breakdown(&s, &c, 80.0);
        c.par.zero_stage = 3;
        let z3 = breakdown(&s, &c, 80.0);
        assert!(z1.optimizer < z0.optimizer / 50.0);
        assert!(z3.weights < z0.weights / 5.0);
        assert!(z3.total() < z1.total());
    }
}
