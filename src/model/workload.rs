//! Lifecycle stages: what runs on the cluster, where, and in what order.

use super::ids::{NodeId, StageId};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stage {
    pub id: StageId,
    pub name: String,
    /// Stages that must finish before this one starts.
    #[serde(default)]
    pub after: Vec<StageId>,
    /// Node groups the stage runs on (compute for train/serve/ETL).
    pub placement: Vec<NodeId>,
    pub kind: StageKind,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum StageKind {
    Ingest(DataStage),
    Preprocess(DataStage),
    Train(TrainStage),
    Validate(ValidateStage),
    Checkpoint(CheckpointStage),
    Serve(ServeStage),
    /// Experimental: spiking-network inference on a neuromorphic system, or
    /// its conventional-network equivalent on a GPU, CPU or edge device.
    Spiking(SpikingStage),
    /// Experimental: a hybrid quantum-classical loop (VQE, QAOA): circuits
    /// on a cloud QPU, the optimiser step on the placement's classical nodes.
    Quantum(QuantumStage),
}

impl StageKind {
    pub fn label(&self) -> &'static str {
        match self {
            StageKind::Ingest(_) => "Ingest",
            StageKind::Preprocess(_) => "Preprocess / ETL",
            StageKind::Train(_) => "Train",
            StageKind::Validate(_) => "Validate",
            StageKind::Checkpoint(_) => "Checkpoint",
            StageKind::Serve(_) => "Serve",
            StageKind::Spiking(_) => "Spiking inference",
            StageKind::Quantum(_) => "Hybrid quantum",
        }
    }
    /// Short machine name used in JSON results (`"train"`, `"serve"`, …).
    pub fn key(&self) -> &'static str {
        match self {
            StageKind::Ingest(_) => "ingest",
            StageKind::Preprocess(_) => "preprocess",
            StageKind::Train(_) => "train",
            StageKind::Validate(_) => "validate",
            StageKind::Checkpoint(_) => "checkpoint",
            StageKind::Serve(_) => "serve",
            StageKind::Spiking(_) => "spiking",
            StageKind::Quantum(_) => "quantum",
        }
    }
}

/// Numeric precision of weights/compute.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Precision {
    Fp32,
    Tf32,
    Fp16,
    Bf16,
    Fp8,
    Int8,
    Int4,
}

impl Precision {
    pub const ALL: [Precision; 7] = [
        Precision::Fp32,
        Precision::Tf32,
        Precision::Fp16,
        Precision::Bf16,
        Precision::Fp8,
        Precision::Int8,
        Precision::Int4,
    ];
    pub fn bytes(self) -> f64 {
        match self {
            Precision::Fp32 | Precision::Tf32 => 4.0,
            Precision::Fp16 | Precision::Bf16 => 2.0,
            Precision::Fp8 | Precision::Int8 => 1.0,
            Precision::Int4 => 0.5,
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Precision::Fp32 => "FP32",
            Precision::Tf32 => "TF32",
            Precision::Fp16 => "FP16",
            Precision::Bf16 => "BF16",
            Precision::Fp8 => "FP8",
            Precision::Int8 => "INT8",
            Precision::Int4 => "INT4",
        }
    }
}

/// Shape of the model a stage trains or serves.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum ModelSpec {
    /// A decoder-only transformer given by its shape.
    Transformer(TransformerShape),
    /// A transformer given only by parameter count; the shape is derived
    /// with the aspect ratios of GPT-3/Llama (hidden ≈ 128 × layers).
    Params { params_b: f64, seq_len: u32 },
    /// A convolutional network (ResNet-50 ≈ 4.1 GFLOPs, 25.6 M params).
    Cnn {
        name: String,
        gflops_per_sample: f64,
        params_m: f64,
    },
    /// A gradient-boosted tree ensemble (classic ML on CPUs).
    Trees { trees: u32, depth: u32, features: u32 },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransformerShape {
    #[serde(default)]
    pub name: String,
    pub layers: u32,
    pub hidden: u32,
    pub heads: u32,
    /// Key/value heads (grouped-query attention); `None` = `heads`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kv_heads: Option<u32>,
    /// FFN inner size; `None` = 4 × hidden.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ffn_hidden: Option<u32>,
    /// Size of one attention head; `None` = hidden / heads (Qwen3 uses 128
    /// with 64 heads on hidden 4096).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub head_dim: Option<u32>,
    /// Whether the FFN is gated (SwiGLU: three matrices instead of two).
    #[serde(default)]
    pub gated_ffn: bool,
    pub seq_len: u32,
    pub vocab: u32,
    /// Mixture of experts: experts per layer and experts active per token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub moe: Option<MoeSpec>,
    /// Whether the model trains with dropout (its masks are stored for the
    /// backward). `None`: GPT-style models (ungated FFN) do, Llama-style
    /// ones (gated FFN) do not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dropout: Option<bool>,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MoeSpec {
    pub experts: u32,
    pub top_k: u32,
    /// FFN inner size of one routed expert (fine-grained experts, e.g.
    /// Qwen3-MoE 1536, DeepSeek-V3 2048); `None` = the model's FFN size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expert_ffn: Option<u32>,
    /// Shared experts every token passes through besides its top-k
    /// (DeepSeekMoE); 0 = none.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub shared_experts: u32,
    /// Tokens the busiest expert rank receives over the mean (1 = perfectly
    /// balanced routing, as "force-balanced" benchmarks run; the capacity
    /// factor bounds it when tokens are dropped). The slowest rank sets
    /// the pace of every all-to-all and expert GEMM.
    #[serde(default = "one_f", skip_serializing_if = "is_one_f")]
    pub load_imbalance: f64,
}

fn is_zero(v: &u32) -> bool {
    *v == 0
}
fn one_f() -> f64 {
    1.0
}
fn is_one_f(v: &f64) -> bool {
    *v == 1.0
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum Recompute {
    None,
    /// Recompute attention internals only (Korthikanti et al. 2022).
    #[default]
    Selective,
    Full,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum PipelineSchedule {
    #[default]
    OneFOneB,
    /// Interleaved 1F1B with this many virtual stages per device.
    Interleaved(u32),
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Parallelism {
    pub tp: u32,
    pub pp: u32,
    pub dp: u32,
    #[serde(default)]
    pub sequence_parallel: bool,
    /// ZeRO stage 0 (plain DP), 1, 2 or 3 (3 = FSDP).
    #[serde(default)]
    pub zero_stage: u8,
    /// Expert parallel degree (MoE only).
    #[serde(default = "one")]
    pub ep: u32,
    #[serde(default)]
    pub schedule: PipelineSchedule,
    /// Context-parallel degree: the sequence of every micro-batch is split
    /// over `cp` devices that exchange keys and values (ring attention, as
    /// Megatron-Core `--context-parallel-size` and Llama 3 use). 1 = off.
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub cp: u32,
    /// Transformer layers of each pipeline stage, first to last (`pp`
    /// entries summing to the model's layers; 0 for an embedding-only or
    /// loss-only stage). Empty: layers are spread evenly, the first stages
    /// taking one more when they do not divide.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stage_layers: Vec<u32>,
}

fn is_one(v: &u32) -> bool {
    *v == 1
}

fn one() -> u32 {
    1
}

impl Parallelism {
    /// Devices the layout occupies: TP × CP × PP × DP (expert parallelism
    /// folds into them, as in Megatron-Core).
    pub fn gpus(&self) -> u64 {
        self.tp as u64 * self.cp.max(1) as u64 * self.pp as u64 * self.dp as u64
    }
    /// "TP 8 × CP 2 × PP 16 × DP 64" (CP only when used).
    pub fn layout_label(&self) -> String {
        if self.cp > 1 {
            format!("TP {} × CP {} × PP {} × DP {}", self.tp, self.cp, self.pp, self.dp)
        } else {
            format!("TP {} × PP {} × DP {}", self.tp, self.pp, self.dp)
        }
    }
}

/// How the attention core (scores, softmax, weighted values) runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum AttentionKernel {
    /// The best fused kernel of the device (FlashAttention-3 / cuDNN fused
    /// attention on Hopper and Blackwell, FlashAttention-2 elsewhere): no
    /// s×s scores in memory, causal blocks skipped. New training stages
    /// use it.
    Fused,
    /// FlashAttention-2 on every device (PyTorch SDPA's flash backend).
    FlashAttention2,
    /// Separate matmuls and softmax kernels over the stored s×s scores
    /// (Megatron-LM 2021-22). The default of a plan that does not name a
    /// kernel, so a file written before kernels were modelled keeps its
    /// figures.
    #[default]
    Unfused,
}

impl AttentionKernel {
    pub const ALL: [AttentionKernel; 3] = [
        AttentionKernel::Fused,
        AttentionKernel::FlashAttention2,
        AttentionKernel::Unfused,
    ];
    pub fn label(self) -> &'static str {
        match self {
            AttentionKernel::Fused => "Fused (FlashAttention-3 / cuDNN)",
            AttentionKernel::FlashAttention2 => "FlashAttention-2",
            AttentionKernel::Unfused => "Unfused (s×s scores)",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckpointPolicy {
    /// Storage node checkpoints are written to.
    pub target: NodeId,
    pub interval_s: f64,
    #[serde(default)]
    pub asynchronous: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainStage {
    pub model: ModelSpec,
    /// Tokens (or samples for non-transformer models) to train on.
    pub tokens: f64,
    /// Global batch in sequences.
    pub global_batch: u32,
    /// Micro-batch in sequences.
    pub micro_batch: u32,
    pub precision: Precision,
    pub parallelism: Parallelism,
    #[serde(default)]
    pub recompute: Recompute,
    /// Storage node training data is read from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_source: Option<NodeId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checkpoint: Option<CheckpointPolicy>,
    /// Overlap data-parallel gradient reduction with backward compute.
    #[serde(default = "yes")]
    pub overlap_grad_reduce: bool,
    /// Attention kernel. New stages use the fused kernel every framework
    /// of 2023 on runs; a file without the field reads as unfused.
    #[serde(default, skip_serializing_if = "is_unfused")]
    pub attention: AttentionKernel,
}

fn is_unfused(a: &AttentionKernel) -> bool {
    *a == AttentionKernel::Unfused
}

fn yes() -> bool {
    true
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValidateStage {
    /// The training stage whose model is evaluated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub of_stage: Option<StageId>,
    pub model: ModelSpec,
    /// Evaluation tokens (forward passes only).
    pub tokens: f64,
    pub precision: Precision,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_source: Option<NodeId>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckpointStage {
    /// Bytes of the artefact written (model export, final checkpoint).
    pub size_gb: f64,
    pub target: NodeId,
}

/// File format of a dataset.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum DataFormat {
    Csv,
    Json,
    Parquet,
    Orc,
    /// Pre-tokenized binary shards (WebDataset, Megatron .bin).
    Binary,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Codec {
    None,
    Snappy,
    Zstd,
    Gzip,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataStage {
    /// Raw (uncompressed, CSV-equivalent) size of the dataset, TB.
    pub dataset_tb: f64,
    /// Format and codec the stage reads.
    pub input_format: DataFormat,
    pub input_codec: Codec,
    /// Format and codec the stage writes.
    pub output_format: DataFormat,
    pub output_codec: Codec,
    /// Number of files / partitions.
    pub partitions: u32,
    /// Fraction of columns used downstream (column pruning), 0..1: a
    /// columnar input is read only for these columns; otherwise it is what
    /// readers of a columnar output scan (`sim::data`).
    #[serde(default = "all_columns")]
    pub columns_read: f64,
    /// Key prefixes the files are spread over (object stores that limit
    /// requests per prefix, e.g. S3). `None`: the smaller of the partition
    /// count and 10, the layout of AWS's own example ("10 prefixes … 55,000
    /// read requests per second", S3 User Guide, "Optimizing performance").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefixes: Option<u32>,
    pub source: NodeId,
    pub destination: NodeId,
}

fn all_columns() -> f64 {
    1.0
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum Arrival {
    Poisson,
    /// On/off bursts: `factor` × the mean rate for `on_fraction` of the time.
    Bursty {
        factor: f64,
        on_fraction: f64,
    },
    /// 24-hour sinusoid with peak/trough ratio.
    Diurnal {
        peak_to_trough: f64,
    },
}

/// Token-length distribution: lognormal with this mean and coefficient of
/// variation (0 = fixed length).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LengthDist {
    pub mean: f64,
    #[serde(default)]
    pub cv: f64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum Pruning {
    #[default]
    None,
    /// Unstructured sparsity at this percentage (no speed-up on dense kernels).
    Unstructured(u8),
    /// 2:4 structured sparsity (sparse tensor cores on Ampere and later).
    Structured2of4,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Autoscaling {
    pub min_replicas: u32,
    pub max_replicas: u32,
    /// Queue length per replica that triggers a scale-out.
    pub target_queue_per_replica: f64,
    /// Time to bring up a replica (or a serverless cold start), seconds.
    pub cold_start_s: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServeStage {
    pub model: ModelSpec,
    /// Request source node.
    pub source: NodeId,
    /// Mean request rate, requests per second.
    pub rate_rps: f64,
    pub arrival: Arrival,
    pub prompt_tokens: LengthDist,
    pub output_tokens: LengthDist,
    /// Latency targets (p99) used for SLO attainment.
    pub ttft_slo_s: f64,
    pub tpot_slo_s: f64,
    pub quantization: Precision,
    #[serde(default)]
    pub pruning: Pruning,
    /// Optimized inference engine (TensorRT-LLM class kernels).
    #[serde(default)]
    pub optimized_kernels: bool,
    /// Tensor-parallel degree of one replica (GPUs per replica).
    #[serde(default = "one")]
    pub tp: u32,
    /// Replicas; `None` = as many as the placement holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replicas: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub autoscaling: Option<Autoscaling>,
    /// Simulated serving period, seconds.
    pub duration_s: f64,
}

/// A spiking neural network served at a steady input rate (keyword
/// spotting, gesture recognition). On a spiking neuromorphic chip the work
/// of one inference is its synaptic events, `synapses × activity ×
/// timesteps`; on a dense chip (NorthPole class) and on GPUs, CPUs and edge
/// devices it is the conventional network doing the same task,
/// `conventional_gflop` per inference, so both run in one plan side by side.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpikingStage {
    /// Neurons of the spiking network (must fit the chip).
    pub neurons: f64,
    /// Synapses of the spiking network (must fit the chip).
    pub synapses: f64,
    /// Fraction of synapses that carry a spike in a timestep, 0..1.
    pub activity: f64,
    /// Timesteps the network runs per inference.
    pub timesteps: u32,
    /// Inferences arriving per second (over the whole placement).
    pub rate_per_s: f64,
    /// The conventional network for the same task, GFLOP per inference
    /// (2 FLOP per multiply-add).
    pub conventional_gflop: f64,
    /// Precision the conventional network runs in.
    pub precision: Precision,
    /// Input per inference moved over the chip's I/O, bytes.
    #[serde(default)]
    pub input_bytes: f64,
    /// Simulated period, seconds.
    pub duration_s: f64,
}

impl SpikingStage {
    /// Synaptic events of one inference: synapses × activity × timesteps.
    pub fn synaptic_events(&self) -> f64 {
        self.synapses * self.activity * self.timesteps as f64
    }
}

/// How a hybrid loop holds the QPU.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum QuantumMode {
    /// Each iteration's circuits go in as jobs that wait in the provider's
    /// queue (IBM job mode, Braket tasks, Azure jobs).
    #[default]
    Jobs,
    /// The loop queues once and then holds the QPU (IBM Qiskit Runtime
    /// session; Braket Hybrid Jobs' priority access). Time-priced QPUs bill
    /// the session's elapsed time, classical steps and round trips included.
    Session,
}

impl QuantumMode {
    pub const ALL: [QuantumMode; 2] = [QuantumMode::Jobs, QuantumMode::Session];
    pub fn label(self) -> &'static str {
        match self {
            QuantumMode::Jobs => "jobs (queue every iteration)",
            QuantumMode::Session => "session (queue once, QPU held)",
        }
    }
}

/// A variational hybrid quantum-classical loop (VQE, QAOA): every iteration
/// the classical side sends `circuits_per_iteration` circuits of `shots`
/// shots to the QPU `qpu` over the network, waits for the results and runs
/// its optimiser step (`classical_gflop`) on the placement's nodes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuantumStage {
    /// The quantum service node the circuits run on.
    pub qpu: NodeId,
    /// Optimiser iterations.
    pub iterations: u32,
    /// Circuits (parameter sets, measurement bases) per iteration; each is
    /// one task of the provider.
    pub circuits_per_iteration: u32,
    /// Shots per circuit.
    pub shots: u32,
    /// Qubits a circuit uses (must fit the QPU).
    pub qubits: u32,
    /// One- and two-qubit gates per circuit.
    pub gates_1q: u32,
    pub gates_2q: u32,
    /// Two-qubit-gate layers per circuit.
    pub depth: u32,
    /// State preparation and measurement operations per circuit (SPAM,
    /// Quantinuum's Nm; usually the qubits measured plus their preparation).
    pub measurements: u32,
    /// The classical optimiser step per iteration, GFLOP (FP64 on a CPU).
    pub classical_gflop: f64,
    #[serde(default)]
    pub mode: QuantumMode,
    /// Circuits sent and results returned per iteration, kB.
    #[serde(default)]
    pub payload_kb: f64,
    /// The queue this loop sees, when the user knows it better than the
    /// catalog's estimate (from the provider's dashboard).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue: Option<crate::model::quantum::QueueWait>,
}

impl QuantumStage {
    pub fn circuit(&self) -> crate::model::quantum::CircuitShape {
        crate::model::quantum::CircuitShape {
            gates_1q: self.gates_1q as f64,
            gates_2q: self.gates_2q as f64,
            depth: self.depth as f64,
            measurements: self.measurements as f64,
        }
    }
    /// Tasks (jobs, programs) the loop submits in all.
    pub fn tasks(&self) -> f64 {
        self.iterations as f64 * self.circuits_per_iteration as f64
    }
}
