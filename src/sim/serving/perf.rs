//! Cost of one serving step on one replica: a roofline per device and
//! precision (compute-bound prefill, memory-bound decode), tensor parallel
//! all-reduce inside a server, and the KV-cache capacity that bounds the batch.
//!
//! Calibration constants (each with its source) are read from the catalog's
//! `calibration` list when present, else the defaults below.

use crate::model::{Catalog, Device, ModelSpec, Precision, Pruning, ServeStage, System};
use crate::sim::SimError;
use serde::{Deserialize, Serialize};

/// Achieved fraction of dense tensor peak over a whole transformer step
/// (GEMMs + attention + norms) in an optimized engine. Source: H100 FP8/BF16
/// GEMMs reach ~60-70 % of dense peak under the 700 W cap (cuBLAS / Transformer
/// Engine reports) and whole-model steps lose more to attention, norms and
/// sampling; large-scale H100 training sustains 38-43 % MFU (Llama 3 paper,
/// training.csv). 0.5 sits between them. Not tuned on inference.csv.
pub const DEFAULT_LLM_TENSOR_EFFICIENCY: f64 = 0.5;
/// Achievable fraction of peak memory bandwidth in decode kernels (weights and
/// KV streamed once per step). Source: device-to-device copy / STREAM-class
/// measurements reach ~80-90 % of HBM peak on A100/H100 (NVIDIA bandwidthTest,
/// Jia et al. "Dissecting the Ampere/Hopper GPU architecture" microbenchmarks).
pub const DEFAULT_MEMORY_EFFICIENCY: f64 = 0.85;
/// CNN inference efficiency with TensorRT-class kernels at large batch:
/// Jetson AGX Orin ResNet-50 MLPerf v3.1 Offline 6,423.63 img/s (serving.csv
/// S21) × 8.2 GFLOP per image / 137.5 dense INT8 TOPS = 0.383.
pub const DEFAULT_CNN_EFFICIENCY: f64 = 0.383;
/// Batch at which per-sample CNN efficiency is half its large-batch value:
/// Orin ResNet-50 SingleStream ~1,571 img/s (0.640 ms p90) vs Offline 6,424
/// (S21): 1/(1+b½) = 0.245 → b½ ≈ 3.1.
pub const DEFAULT_CNN_HALF_BATCH: f64 = 3.1;
/// Efficiency of an engine without optimized kernels relative to a
/// TensorRT-class one. Sources agree at ~0.56-0.57: PyTorch ResNet-50 on V100
/// (3,382 img/s at BS256, S27 → 0.22 of FP16 peak) vs TensorRT 0.383 on Orin
/// (S21); vLLM v0.5.3 vs v0.6.0 on Llama 70B, 1.8× throughput (S04).
pub const DEFAULT_UNOPTIMIZED_FACTOR: f64 = 0.56;
/// Fraction of device memory the engine may use (vLLM default
/// `gpu_memory_utilization = 0.9`).
pub const DEFAULT_MEMORY_FRACTION: f64 = 0.9;
/// Concurrent sequences per replica: TensorRT-LLM `max_batch_size` default
/// 2,048 (trtllm-build), vLLM `max_num_seqs` default 256.
pub const MAX_SEQS_OPTIMIZED: u32 = 2048;
pub const MAX_SEQS_DEFAULT: u32 = 256;
/// Tokens per step (chunked prefill budget): TensorRT-LLM `max_num_tokens`
/// default 8,192; vLLM chunked-prefill `max_num_batched_tokens` 2,048.
pub const MAX_TOKENS_OPTIMIZED: u32 = 8192;
pub const MAX_TOKENS_DEFAULT: u32 = 2048;
/// Latency of one small all-reduce inside an NVLink server: NCCL reports
/// ~5-10 µs for small messages on 8×H100 (nccl-tests); TensorRT-LLM's custom
/// one-shot all-reduce is lower. Over PCIe ~2× that. Estimate.
pub const TP_ALLREDUCE_LATENCY_S: f64 = 6e-6;
/// Achieved fraction of the scale-up link rate in an all-reduce: 370 GB/s bus
/// bandwidth of 450 GB/s per direction on 8×H100 (hardware.csv, ring).
pub const TP_ALLREDUCE_BW_EFFICIENCY: f64 = 370.0 / 450.0;
/// PCIe Gen5 x16 per direction, GB/s (PCI-SIG) for servers without NVLink.
pub const PCIE_GBS: f64 = 64.0;
/// Bytes of activations exchanged per token per all-reduce (BF16/FP16).
const ACT_BYTES: f64 = 2.0;

/// The shape facts of a model the step cost needs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelFacts {
    /// Total parameters.
    pub params: f64,
    /// Parameters touched per token (MoE: active experts only).
    pub active_params: f64,
    pub layers: f64,
    pub hidden: f64,
    /// Query width (heads × head_dim).
    pub q_width: f64,
    /// K/V elements per token per layer (2 × kv_heads × head_dim).
    pub kv_elems_per_layer: f64,
    /// MoE: experts per layer and active per token (1, 1 for dense).
    pub experts: f64,
    pub top_k: f64,
    /// Parameters in all experts of all layers (0 for dense models).
    pub expert_params: f64,
}

impl ModelFacts {
    pub fn of_transformer(spec: &ModelSpec) -> Option<ModelFacts> {
        match spec {
            ModelSpec::Transformer(t) => {
                let h = t.hidden as f64;
                let heads = t.heads.max(1) as f64;
                let head_dim = h / heads;
                let kv_heads = t.kv_heads.unwrap_or(t.heads) as f64;
                let ffn = t.ffn_hidden.map(|f| f as f64).unwrap_or(4.0 * h);
                let mats = if t.gated_ffn { 3.0 } else { 2.0 };
                let attn = h * h * 2.0 + 2.0 * h * kv_heads * head_dim;
                let ffn_p = mats * h * ffn;
                let (experts, top_k) = t
                    .moe
                    .map(|m| (m.experts.max(1) as f64, m.top_k.max(1) as f64))
                    .unwrap_or((1.0, 1.0));
                let layers = t.layers as f64;
                let emb = 2.0 * t.vocab as f64 * h;
                Some(ModelFacts {
                    params: layers * (attn + ffn_p * experts) + emb,
                    active_params: layers * (attn + ffn_p * top_k) + emb,
                    layers,
                    hidden: h,
                    q_width: h,
                    kv_elems_per_layer: 2.0 * kv_heads * head_dim,
                    experts,
                    top_k,
                    expert_params: if experts > 1.0 { layers * ffn_p * experts } else { 0.0 },
                })
            }
            ModelSpec::Params { params_b, .. } => {
                // GPT-3/Llama aspect ratio: hidden ≈ 128 × layers, params ≈ 12·L·h².
                let p = params_b.max(1e-6) * 1e9;
                let layers = (p / (12.0 * 128.0 * 128.0)).cbrt().round().max(1.0);
                let hidden = 128.0 * layers;
                Some(ModelFacts {
                    params: p,
                    active_params: p,
                    layers,
                    hidden,
                    q_width: hidden,
                    kv_elems_per_layer: 2.0 * hidden,
                    experts: 1.0,
                    top_k: 1.0,
                    expert_params: 0.0,
                })
            }
            _ => None,
        }
    }
}

/// Per-replica hardware, after precision fallback and sparsity.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReplicaHw {
    pub system: String,
    pub device: String,
    pub devices: u32,
    /// Precision the device actually computes in.
    pub compute_precision: Precision,
    /// Achievable compute of the replica, FLOP/s (efficiency applied).
    pub flops: f64,
    /// Achievable memory bandwidth of the replica, B/s.
    pub mem_bw: f64,
    /// Memory the engine may use on the replica, bytes.
    pub memory: f64,
    /// Per-device scale-up bandwidth for the TP all-reduce, B/s per direction.
    pub tp_bw: f64,
}

/// How a replica's step time follows from its batch.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum StepCost {
    Llm(LlmCost),
    /// Classic model (CNN, trees) served by dynamic batching.
    PerSample(SampleCost),
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LlmCost {
    pub hw: ReplicaHw,
    pub facts: ModelFacts,
    /// Weight bytes streamed per decode step (whole replica).
    pub weight_bytes: f64,
    /// Stored model size (after quantization and pruning), bytes.
    pub model_bytes: f64,
    /// KV bytes per token of context (whole replica).
    pub kv_bytes_per_token: f64,
    /// KV-cache capacity in tokens.
    pub kv_capacity_tokens: f64,
    pub max_seqs: u32,
    pub max_tokens_per_step: u32,
    /// FLOP/s multiplier from 2:4 sparsity (1 or 2).
    pub sparsity_speedup: f64,
    pub tp: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SampleCost {
    pub hw: ReplicaHw,
    /// FLOPs per sample (or node visits for trees, in op units).
    pub flops_per_sample: f64,
    pub weight_bytes: f64,
    pub model_bytes: f64,
    pub half_batch: f64,
    pub max_batch: u32,
}

/// Time of one LLM step (seconds) and whether it was compute-bound.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StepTime {
    pub seconds: f64,
    pub compute_s: f64,
    pub memory_s: f64,
    pub comm_s: f64,
}

impl LlmCost {
    /// One step with `decode` sequences generating a token (their contexts
    /// summing to `decode_ctx` tokens) and `prefill` prompt tokens whose
    /// attention spans `prefill_ctx` tokens on average.
    pub fn step(&self, decode: u32, decode_ctx: f64, prefill: u32, prefill_ctx: f64) -> StepTime {
        let f = &self.facts;
        let tokens = decode as f64 + prefill as f64;
        // Dense GEMM FLOPs (2 per active parameter per token) + attention
        // (QKᵀ and AV: 4 × q_width per context token per layer).
        let gemm = 2.0 * f.active_params * tokens;
        let attn = 4.0 * f.layers * f.q_width * (decode_ctx + prefill as f64 * prefill_ctx);
        let compute_s = (gemm / self.sparsity_speedup + attn) / self.hw.flops;
        // Bytes: weights once per step (MoE: the experts the batch touches),
        // the KV cache of every decoding sequence, the new KV written.
        let weights = if f.expert_params > 0.0 {
            let touched = (tokens * f.top_k).min(f.experts) / f.experts;
            let share = f.expert_params / f.params;
            self.weight_bytes * ((1.0 - share) + share * touched)
        } else {
            self.weight_bytes
        };
        let kv = self.kv_bytes_per_token * (decode_ctx + tokens);
        let memory_s = (weights + kv) / self.hw.mem_bw;
        let comm_s = if self.tp > 1 {
            let n = self.tp as f64;
            let bytes = tokens * f.hidden * ACT_BYTES;
            let per = TP_ALLREDUCE_LATENCY_S + 2.0 * (n - 1.0) / n * bytes / self.hw.tp_bw;
            2.0 * f.layers * per
        } else {
            0.0
        };
        StepTime {
            seconds: compute_s.max(memory_s) + comm_s,
            compute_s,
            memory_s,
            comm_s,
        }
    }
}

impl SampleCost {
    /// Time of a batch of `b` samples.
    pub fn batch_time(&self, b: u32) -> f64 {
        let b = b.max(1) as f64;
        let eff = b / (b + self.half_batch);
        let compute = self.flops_per_sample * b / (self.hw.flops * eff);
        let memory = self.weight_bytes / self.hw.mem_bw;
        compute.max(memory)
    }
}

fn calib(catalog: &Catalog, key: &str, default: f64) -> f64 {
    catalog.calibration(key, default)
}

/// Replica hardware for `tp` devices of `system`.
fn replica_hw(
    catalog: &Catalog,
    sys: &System,
    dev: &Device,
    tp: u32,
    q: Precision,
    efficiency: f64,
) -> Result<ReplicaHw, SimError> {
    let (used, peak) = dev.peak_tflops.effective(q).ok_or_else(|| {
        SimError::Invalid(format!(
            "device '{}' has no compute path for {} or wider",
            dev.id,
            q.label()
        ))
    })?;
    let n = tp as f64;
    let mem_eff = calib(catalog, "serve_memory_bw_efficiency", DEFAULT_MEMORY_EFFICIENCY);
    let frac = calib(catalog, "serve_memory_fraction", DEFAULT_MEMORY_FRACTION);
    let tp_bw = if sys.scale_up_gbs > 0.0 {
        sys.scale_up_gbs
    } else {
        PCIE_GBS
    } * 1e9
        * TP_ALLREDUCE_BW_EFFICIENCY;
    Ok(ReplicaHw {
        system: sys.id.clone(),
        device: dev.id.clone(),
        devices: tp,
        compute_precision: used,
        flops: peak * 1e12 * n * efficiency,
        mem_bw: dev.memory_bw_gbs * 1e9 * n * mem_eff,
        memory: dev.memory_gb * 1e9 * n * frac,
        tp_bw,
    })
}

/// Bytes per stored weight after pruning (`None` when no change).
fn pruned_size_factor(p: Pruning, sparse_ok: bool, weight_bytes: f64) -> (f64, f64, f64) {
    // Returns (stored-size factor, streamed-bytes factor, compute speed-up).
    match p {
        Pruning::None => (1.0, 1.0, 1.0),
        // Unstructured: stored compressed (values + ~16-bit indices, CSR-like)
        // but dense kernels stream and compute the dense matrix.
        Pruning::Unstructured(pct) => {
            let keep = 1.0 - (pct.min(100) as f64 / 100.0);
            let stored = (keep * (weight_bytes + 2.0) / weight_bytes).min(1.0);
            (stored, 1.0, 1.0)
        }
        // 2:4: half the values plus 2-bit metadata per kept value; sparse
        // tensor cores double the math rate and stream the compressed form.
        Pruning::Structured2of4 => {
            let f = 0.5 * (weight_bytes + 0.25) / weight_bytes;
            if sparse_ok { (f, f, 2.0) } else { (f, 1.0, 1.0) }
        }
    }
}

/// Build the step-cost model of one replica of `stage` on `system`.
pub fn step_cost(catalog: &Catalog, sys: &System, stage: &ServeStage) -> Result<StepCost, SimError> {
    let dev = catalog
        .device(&sys.device)
        .ok_or_else(|| SimError::Invalid(format!("system '{}' uses unknown device '{}'", sys.id, sys.device)))?;
    let q = stage.quantization;
    let kernel = if stage.optimized_kernels {
        1.0
    } else {
        calib(catalog, "serve_unoptimized_kernel_factor", DEFAULT_UNOPTIMIZED_FACTOR)
    };
    match &stage.model {
        ModelSpec::Transformer(_) | ModelSpec::Params { .. } => {
            let facts = ModelFacts::of_transformer(&stage.model)
                .ok_or_else(|| SimError::Invalid("not a transformer".into()))?;
            let tp = stage.tp.max(1);
            if tp > sys.devices {
                return Err(SimError::Invalid(format!(
                    "TP {tp} needs {tp} devices per replica but '{}' has {}",
                    sys.id, sys.devices
                )));
            }
            let eff = calib(catalog, "serve_llm_tensor_efficiency", DEFAULT_LLM_TENSOR_EFFICIENCY) * kernel;
            let hw = replica_hw(catalog, sys, dev, tp, q, eff)?;
            let wb = q.bytes();
            let (size_f, stream_f, speed) = pruned_size_factor(stage.pruning, dev.sparse_2of4, wb);
            let weight_bytes = facts.params * wb * stream_f;
            // KV cache: 8-bit formats keep an 8-bit cache (FP8/INT8 KV as in
            // TensorRT-LLM/vLLM), INT4 weight-only keeps 8-bit KV, else as weights.
            let kv_b = match q {
                Precision::Int4 | Precision::Int8 | Precision::Fp8 => 1.0,
                other => other.bytes(),
            };
            let kv_bytes_per_token = facts.layers * facts.kv_elems_per_layer * kv_b;
            let free = hw.memory - weight_bytes;
            if free <= kv_bytes_per_token * 64.0 {
                return Err(SimError::Invalid(format!(
                    "the model ({:.1} GB of weights at {}) leaves no room for a KV cache on {tp}× {} ({:.0} GB usable); \
                     raise TP, quantize further or pick a larger device",
                    weight_bytes / 1e9,
                    q.label(),
                    dev.name,
                    hw.memory / 1e9
                )));
            }
            let (max_seqs, max_tokens) = if stage.optimized_kernels {
                (MAX_SEQS_OPTIMIZED, MAX_TOKENS_OPTIMIZED)
            } else {
                (MAX_SEQS_DEFAULT, MAX_TOKENS_DEFAULT)
            };
            Ok(StepCost::Llm(LlmCost {
                kv_capacity_tokens: free / kv_bytes_per_token,
                model_bytes: facts.params * wb * size_f,
                hw,
                facts,
                weight_bytes,
                kv_bytes_per_token,
                max_seqs,
                max_tokens_per_step: max_tokens,
                sparsity_speedup: speed,
                tp,
            }))
        }
        ModelSpec::Cnn {
            gflops_per_sample,
            params_m,
            ..
        } => {
            let eff = calib(catalog, "serve_cnn_efficiency", DEFAULT_CNN_EFFICIENCY) * kernel;
            // One replica per device: CNNs fit one device.
            let hw = replica_hw(catalog, sys, dev, 1, q, eff)?;
            let wb = q.bytes();
            let (size_f, stream_f, speed) = pruned_size_factor(stage.pruning, dev.sparse_2of4, wb);
            // `gflops_per_sample` counts multiply-adds as in the literature
            // (ResNet-50 "4.1 GFLOPs" = 4.1 G MACs = 8.2 GFLOP).
            Ok(StepCost::PerSample(SampleCost {
                flops_per_sample: 2.0 * gflops_per_sample * 1e9 / speed,
                weight_bytes: params_m * 1e6 * wb * stream_f,
                model_bytes: params_m * 1e6 * wb * size_f,
                half_batch: calib(catalog, "serve_cnn_half_batch", DEFAULT_CNN_HALF_BATCH),
                max_batch: 256,
                hw,
            }))
        }
        ModelSpec::Trees { trees, depth, features } => {
            // Tree ensembles: each sample walks `depth` nodes in each tree;
            // a node visit is a compare + a dependent load. Vectorized
            // (AVX-512, 16 fp32 lanes) traversal over a block of samples
            // (treelite / oneDAL style) costs ~TREE_OPS_PER_VISIT lane-ops.
            let eff = TREE_EFFICIENCY * kernel;
            let hw = replica_hw(catalog, sys, dev, sys.devices, Precision::Fp32, eff)?;
            let visits = *trees as f64 * *depth as f64;
            let nodes = *trees as f64 * ((1u64 << (*depth).min(30)) as f64);
            let _ = features;
            Ok(StepCost::PerSample(SampleCost {
                flops_per_sample: visits * TREE_OPS_PER_VISIT,
                weight_bytes: 0.0,
                model_bytes: nodes * 8.0,
                half_batch: 16.0,
                max_batch: 4096,
                hw,
            }))
        }
    }
}

/// Lane-operations per tree-node visit (compare, select child index, gather
/// the next node): ~8. Estimate from the structure of vectorized traversal
/// (Intel oneDAL / treelite); no primary throughput figure was found.
pub const TREE_OPS_PER_VISIT: f64 = 8.0;
/// Fraction of FP32 SIMD peak sustained by gather-bound tree traversal: ~0.1
/// (gathers issue at ~1/8 the FMA rate on Sapphire Rapids/Zen 4; Intel
/// optimization manual). Estimate.
pub const TREE_EFFICIENCY: f64 = 0.1;
