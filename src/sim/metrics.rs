//! The registry of every figure a simulation reports: one table row per
//! metric with its JSON key, label, kind (which fixes unit and formatting)
//! and which way is better. Results, Compare, the canvas, the PNG report,
//! the CLI and JSON all read labels, units and directions from here, so a
//! metric is added in exactly one place (see ARCHITECTURE.md).
//!
//! Breakdown causes ([`Cause`]) and the resources a stage keeps busy
//! ([`Resource`]) are typed too: no view parses a display name back.

use crate::format as text;
use crate::model::{LinkId, NodeId};
use serde::{Serialize, Serializer};
use std::fmt;

/// Which way a metric improves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    HigherIsBetter,
    LowerIsBetter,
    /// A size or setting, not a goal (GPUs, parameters).
    Neutral,
}

/// What a number measures: fixes its unit and how it is formatted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// 0..1, shown as a percentage; differences in percentage points.
    Fraction,
    /// Seconds, shown as "1.2 ms", "14 min", "11.7 days".
    Duration,
    Bytes,
    /// Bytes per second.
    ByteRate,
    /// Things per second; the unit names the things ("tokens/s").
    Rate(&'static str),
    /// US dollars.
    Money,
    /// US dollars per a named quantity ("M tokens").
    MoneyPer(&'static str),
    /// Whole things; the unit names them ("GPUs").
    Count(&'static str),
    /// kWh at the facility meter.
    Energy,
    /// kg CO2e.
    Mass,
    /// A ratio shown as "1.35x".
    Factor,
    /// Tera-FLOP per second.
    Teraflops,
    /// FLOP (a total amount of work).
    Flop,
    /// A plain number with a named unit ("h" for GPU-hours).
    Plain(&'static str),
    /// Joules (energy of one inference), "8.4 µJ".
    Joules,
    /// Calendar months, one decimal ("11.9 months"), as the own-vs-rent
    /// verdict reads.
    Months,
}

impl Kind {
    /// A value of this kind with its unit, through `crate::format`.
    pub fn format(self, v: f64) -> String {
        if !v.is_finite() {
            return "—".into();
        }
        match self {
            Kind::Fraction => text::percent(v),
            Kind::Duration => text::duration(v),
            Kind::Bytes => text::bytes(v),
            Kind::ByteRate => format!("{}/s", text::bytes(v)),
            Kind::Rate(unit) => format!("{} {unit}", text::si(v)),
            Kind::Money => text::usd(v),
            Kind::MoneyPer(per) => format!("{} / {per}", text::usd(v)),
            Kind::Count("") => text::count(v),
            Kind::Count(unit) => format!("{} {unit}", text::count(v)),
            Kind::Energy => text::energy(v),
            Kind::Mass => text::mass(v),
            Kind::Factor => format!("{v:.2}x"),
            Kind::Teraflops => format!("{v:.0} TFLOP/s"),
            Kind::Flop => format!("{} FLOP", text::si(v)),
            Kind::Plain("") => text::si(v),
            Kind::Plain(unit) => format!("{} {unit}", text::si(v)),
            Kind::Joules => text::joules(v),
            Kind::Months => format!("{v:.1} months"),
        }
    }

    /// A signed difference of two values of `kind`; fractions in percentage
    /// points.
    pub fn format_delta(self, d: f64) -> String {
        if !d.is_finite() {
            return "—".into();
        }
        if d == 0.0 {
            return "0".into();
        }
        if self == Kind::Fraction {
            return format!("{:+.1} pp", d * 100.0);
        }
        let sign = if d < 0.0 { "-" } else { "+" };
        format!("{sign}{}", self.format(d.abs()))
    }

    /// The SI unit of the raw value (CSV, JSON, the tables' unit column).
    pub fn unit(self) -> &'static str {
        match self {
            Kind::Fraction => "fraction",
            Kind::Duration => "s",
            Kind::Bytes => "B",
            Kind::ByteRate => "B/s",
            Kind::Rate(u) => u,
            Kind::Money => "USD",
            Kind::MoneyPer(_) => "USD",
            Kind::Count(u) => u,
            Kind::Energy => "kWh",
            Kind::Mass => "kg CO2e",
            Kind::Factor => "x",
            Kind::Teraflops => "TFLOP/s",
            Kind::Flop => "FLOP",
            Kind::Plain(u) => u,
            Kind::Joules => "J",
            Kind::Months => "months",
        }
    }
}

/// The registry entry of a metric.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Spec {
    /// Stable snake_case key in JSON and CSV.
    pub key: &'static str,
    pub label: &'static str,
    pub kind: Kind,
    pub direction: Direction,
}

macro_rules! registry {
    ($($(#[$doc:meta])* $variant:ident => $key:literal, $label:literal, $kind:expr, $dir:ident;)*) => {
        /// Every metric a [`crate::sim::results::WorkloadResult`] or the plan
        /// totals can carry. Map order (and so display order) is declaration
        /// order.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum MetricKey {
            $($(#[$doc])* $variant,)*
        }

        impl MetricKey {
            pub const ALL: &'static [MetricKey] = &[$(MetricKey::$variant,)*];

            pub fn spec(self) -> Spec {
                use Direction::*;
                use Kind::*;
                match self {
                    $(MetricKey::$variant => Spec { key: $key, label: $label, kind: $kind, direction: $dir },)*
                }
            }
        }
    };
}

registry! {
    // Training.
    TimeToTrain => "time_to_train_s", "Time to train", Duration, LowerIsBetter;
    SecondsPerIteration => "seconds_per_iteration", "Iteration time", Duration, LowerIsBetter;
    /// Steady-state iteration plus amortized checkpoint and failure losses.
    EffectiveSecondsPerIteration => "effective_seconds_per_iteration", "Iteration time incl. checkpoints, failures", Duration, LowerIsBetter;
    TokensPerSecond => "tokens_per_second", "Tokens/s", Rate("tokens/s"), HigherIsBetter;
    TokensPerSecondPerGpu => "tokens_per_second_per_gpu", "Tokens/s per GPU", Rate("tokens/s"), HigherIsBetter;
    Mfu => "mfu", "MFU", Fraction, HigherIsBetter;
    Hfu => "hfu", "HFU (hardware FLOPs utilization)", Fraction, HigherIsBetter;
    AchievedTflopsPerGpu => "achieved_tflops_per_gpu", "Achieved TFLOP/s per GPU", Teraflops, HigherIsBetter;
    ModelTflopsPerGpu => "model_tflops_per_gpu", "Model TFLOP/s per GPU", Teraflops, HigherIsBetter;
    Goodput => "goodput", "Goodput", Fraction, HigherIsBetter;
    ExpectedGoodput => "expected_goodput", "Expected goodput", Fraction, HigherIsBetter;
    GpuHours => "gpu_hours", "GPU-hours", Plain("h"), LowerIsBetter;
    Gpus => "gpus", "GPUs", Count("GPUs"), Neutral;
    MicroBatches => "micro_batches", "Micro-batches", Count(""), Neutral;
    Iterations => "iterations", "Iterations", Count(""), Neutral;
    Parameters => "parameters", "Parameters", Count(""), Neutral;
    MemoryPerGpu => "memory_per_gpu_bytes", "Memory per GPU", Bytes, Neutral;
    MemoryCapacity => "memory_capacity_bytes", "Memory capacity per GPU", Bytes, Neutral;
    CheckpointBytes => "checkpoint_bytes", "Checkpoint size", Bytes, Neutral;
    CheckpointWrite => "checkpoint_write_s", "Checkpoint write time", Duration, LowerIsBetter;
    CheckpointInterval => "checkpoint_interval_s", "Checkpoint interval", Duration, Neutral;
    OptimalCheckpointInterval => "optimal_checkpoint_interval_s", "Young/Daly checkpoint interval", Duration, Neutral;
    Mtbf => "mtbf_s", "MTBF (whole job)", Duration, HigherIsBetter;
    Restart => "restart_s", "Restart time", Duration, LowerIsBetter;
    Failures => "failures", "Failures", Count(""), LowerIsBetter;
    Preemptions => "preemptions", "Spot preemptions", Count(""), LowerIsBetter;
    Checkpoints => "checkpoints", "Checkpoints", Count(""), Neutral;
    FabricContentionFactor => "fabric_contention_factor", "Fabric contention", Factor, LowerIsBetter;
    DataDemand => "data_demand_bytes_per_s", "Data demand", ByteRate, Neutral;
    DataSupply => "data_supply_bytes_per_s", "Data supply", ByteRate, HigherIsBetter;
    // Serving.
    RequestsPerSecond => "requests_per_second", "Requests/s", Rate("req/s"), HigherIsBetter;
    TtftP50 => "ttft_p50_s", "TTFT p50", Duration, LowerIsBetter;
    TtftP90 => "ttft_p90_s", "TTFT p90", Duration, LowerIsBetter;
    TtftP99 => "ttft_p99_s", "TTFT p99", Duration, LowerIsBetter;
    TpotP50 => "tpot_p50_s", "TPOT p50", Duration, LowerIsBetter;
    TpotP90 => "tpot_p90_s", "TPOT p90", Duration, LowerIsBetter;
    TpotP99 => "tpot_p99_s", "TPOT p99", Duration, LowerIsBetter;
    E2eP50 => "e2e_p50_s", "End-to-end p50", Duration, LowerIsBetter;
    E2eP90 => "e2e_p90_s", "End-to-end p90", Duration, LowerIsBetter;
    E2eP99 => "e2e_p99_s", "End-to-end p99", Duration, LowerIsBetter;
    SloAttainment => "slo_attainment", "SLO attainment", Fraction, HigherIsBetter;
    /// Mean busy fraction of the replicas that were up.
    ReplicaUtilization => "utilization", "Replica utilization", Fraction, Neutral;
    MaxReplicasUp => "max_replicas_up", "Most replicas up", Count("replicas"), Neutral;
    RequestsCompleted => "requests_completed", "Requests completed", Count("requests"), HigherIsBetter;
    RequestsUnfinished => "requests_unfinished", "Requests unfinished", Count("requests"), LowerIsBetter;
    RequestsRejected => "requests_rejected", "Requests rejected", Count("requests"), LowerIsBetter;
    ModelBytes => "model_bytes", "Model weights", Bytes, Neutral;
    CostPerMillionTokens => "cost_per_million_tokens_usd", "Cost per M tokens", MoneyPer("M tokens"), LowerIsBetter;
    CostPerMillionRequests => "cost_per_million_requests_usd", "Cost per M requests", MoneyPer("M requests"), LowerIsBetter;
    /// The highest request rate within the stage's TTFT/TPOT p99 targets
    /// (`clusterforge capacity`, the Results tab's "Find max rate").
    MaxRateWithinSlo => "max_rate_within_slo_rps", "Max rate within SLO", Rate("req/s"), HigherIsBetter;
    // Spiking inference (experimental: figures from vendor publications).
    InferencesPerSecond => "inferences_per_second", "Inferences/s", Rate("inferences/s"), HigherIsBetter;
    /// Inferences per second the placement could serve at full load.
    InferenceCapacity => "inference_capacity_per_second", "Inference capacity", Rate("inferences/s"), HigherIsBetter;
    /// Mean time from an input's arrival to its result (queueing included).
    InferenceLatency => "inference_latency_s", "Latency per inference", Duration, LowerIsBetter;
    /// Device energy of one inference: dynamic plus static power over the time.
    EnergyPerInference => "energy_per_inference_j", "Energy per inference", Joules, LowerIsBetter;
    /// The dynamic part: synaptic events (or ops) × energy per op.
    DynamicEnergyPerInference => "dynamic_energy_per_inference_j", "Dynamic energy per inference", Joules, LowerIsBetter;
    SynapticEvents => "synaptic_events_per_inference", "Synaptic events per inference", Count("events"), Neutral;
    InferencesCompleted => "inferences_completed", "Inferences completed", Count("inferences"), HigherIsBetter;
    CostPerMillionInferences => "cost_per_million_inferences_usd", "Cost per M inferences", MoneyPer("M inferences"), LowerIsBetter;
    // Hybrid quantum loops (experimental: figures from vendor publications).
    QuantumTasks => "quantum_tasks", "QPU tasks", Count("tasks"), Neutral;
    QuantumShots => "quantum_shots", "Shots", Count("shots"), Neutral;
    /// Seconds the QPU ran the loop's circuits (task overheads included).
    QpuTime => "qpu_time_s", "QPU time", Duration, LowerIsBetter;
    /// Seconds the loop's jobs waited in the provider's queue, in all.
    QueueWait => "queue_wait_s", "Queue wait", Duration, LowerIsBetter;
    NetworkTime => "network_time_s", "Network round trips", Duration, LowerIsBetter;
    ClassicalTime => "classical_time_s", "Classical optimiser time", Duration, LowerIsBetter;
    /// What the QPU provider bills, by its own pricing model.
    QpuCost => "qpu_cost_usd", "QPU bill", Money, LowerIsBetter;
    ClassicalCost => "classical_cost_usd", "Classical side cost", Money, LowerIsBetter;
    CostPerIteration => "cost_per_iteration_usd", "Cost per iteration", MoneyPer("iteration"), LowerIsBetter;
    // Data, evaluation and export stages.
    Duration => "duration_s", "Duration", Duration, LowerIsBetter;
    BytesRead => "bytes_read", "Read", Bytes, Neutral;
    BytesWritten => "bytes_written", "Written", Bytes, Neutral;
    InputStored => "input_stored_bytes", "Input stored", Bytes, Neutral;
    OutputStored => "output_stored_bytes", "Output stored", Bytes, LowerIsBetter;
    OutputScanned => "output_scanned_bytes", "Output scanned per epoch", Bytes, LowerIsBetter;
    ThroughputRaw => "throughput_raw_bytes_per_s", "Throughput (raw data)", ByteRate, HigherIsBetter;
    OutputReadRate => "output_read_bytes_per_s", "Output read rate", ByteRate, HigherIsBetter;
    CpuCoreSeconds => "cpu_core_seconds", "CPU core-seconds", Plain("core-s"), LowerIsBetter;
    WriteRate => "write_bytes_per_s", "Write rate", ByteRate, HigherIsBetter;
    ComputeTime => "compute_s", "Compute time", Duration, LowerIsBetter;
    ReadTime => "read_s", "Read time", Duration, LowerIsBetter;
    EvalTokens => "eval_tokens", "Tokens evaluated", Count("tokens"), Neutral;
    Flops => "flops", "Work", Flop, Neutral;
    Devices => "devices", "Devices", Count("devices"), Neutral;
    // Cost, energy, emissions and the lifecycle clock.
    Cost => "cost_usd", "Cost", Money, LowerIsBetter;
    Energy => "energy_kwh", "Energy", Energy, LowerIsBetter;
    Carbon => "carbon_kg", "Emissions (CO2e)", Mass, LowerIsBetter;
    Pue => "pue", "PUE", Factor, LowerIsBetter;
    /// How much longer the stage ran than alone, sharing resources.
    ContentionSlowdown => "contention_slowdown", "Contention slowdown", Factor, LowerIsBetter;
    // Plan totals (Compare and the report's headline).
    PlanCost => "plan_cost_usd", "Total cost", Money, LowerIsBetter;
    PlanEnergy => "plan_energy_kwh", "Total energy", Energy, LowerIsBetter;
    PlanCarbon => "plan_carbon_kg", "Total emissions (CO2e)", Mass, LowerIsBetter;
    Makespan => "makespan_s", "Lifecycle makespan", Duration, LowerIsBetter;
    /// Month at which owning the compute becomes cheaper than renting it.
    BreakEvenMonths => "break_even_months", "Owning pays off after", Months, LowerIsBetter;
}

impl MetricKey {
    pub fn key(self) -> &'static str {
        self.spec().key
    }
    pub fn label(self) -> &'static str {
        self.spec().label
    }
    pub fn kind(self) -> Kind {
        self.spec().kind
    }
    pub fn direction(self) -> Direction {
        self.spec().direction
    }
    /// The metric with JSON key `key`.
    pub fn from_key(key: &str) -> Option<MetricKey> {
        MetricKey::ALL.iter().copied().find(|m| m.key() == key)
    }
    /// The value formatted with its unit ("14 min", "$27.9M", "41 %").
    pub fn format(self, v: f64) -> String {
        self.kind().format(v)
    }
}

impl fmt::Display for MetricKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

impl Serialize for MetricKey {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.key())
    }
}

/// Where the time of a training (or evaluation, export) iteration goes.
/// Declaration order is the order every view lists causes in: useful work
/// first, then the losses (see `report::figures::breakdown`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Cause {
    Compute,
    Optimizer,
    TpComm,
    PpComm,
    DpComm,
    MoeComm,
    FsdpComm,
    CpComm,
    Bubble,
    DataStall,
    DataRead,
    Write,
    Checkpoint,
    Failures,
    /// Hybrid quantum loops: waiting in the provider's queue.
    QueueWait,
    /// Hybrid quantum loops: the QPU running the circuits.
    QpuExecution,
    /// Hybrid quantum loops: sending circuits and fetching results.
    NetworkRoundTrip,
}

impl Cause {
    pub const ALL: &'static [Cause] = &[
        Cause::Compute,
        Cause::Optimizer,
        Cause::TpComm,
        Cause::PpComm,
        Cause::DpComm,
        Cause::MoeComm,
        Cause::FsdpComm,
        Cause::CpComm,
        Cause::Bubble,
        Cause::DataStall,
        Cause::DataRead,
        Cause::Write,
        Cause::Checkpoint,
        Cause::Failures,
        Cause::QueueWait,
        Cause::QpuExecution,
        Cause::NetworkRoundTrip,
    ];
    /// Stable snake_case key in JSON.
    pub fn key(self) -> &'static str {
        match self {
            Cause::Compute => "compute",
            Cause::TpComm => "tp_comm",
            Cause::PpComm => "pp_comm",
            Cause::DpComm => "dp_comm",
            Cause::MoeComm => "moe_comm",
            Cause::FsdpComm => "fsdp_comm",
            Cause::CpComm => "cp_comm",
            Cause::Bubble => "bubble",
            Cause::Optimizer => "optimizer",
            Cause::DataStall => "data_stall",
            Cause::DataRead => "data_read",
            Cause::Write => "write",
            Cause::Checkpoint => "checkpoint",
            Cause::Failures => "failures",
            Cause::QueueWait => "queue_wait",
            Cause::QpuExecution => "qpu",
            Cause::NetworkRoundTrip => "network",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Cause::Compute => "Compute",
            Cause::TpComm => "Tensor-parallel comm.",
            Cause::PpComm => "Pipeline-parallel comm.",
            Cause::DpComm => "Data-parallel comm.",
            Cause::MoeComm => "Expert all-to-all",
            Cause::FsdpComm => "ZeRO-3 / FSDP gathers",
            Cause::CpComm => "Context-parallel comm.",
            Cause::Bubble => "Pipeline bubble",
            Cause::Optimizer => "Optimizer step",
            Cause::DataStall => "Data stall",
            Cause::DataRead => "Data read",
            Cause::Write => "Write",
            Cause::Checkpoint => "Checkpoint",
            Cause::Failures => "Failures / restarts",
            Cause::QueueWait => "QPU queue wait",
            Cause::QpuExecution => "QPU execution",
            Cause::NetworkRoundTrip => "Network round trips",
        }
    }
    pub fn from_key(key: &str) -> Option<Cause> {
        Cause::ALL.iter().copied().find(|c| c.key() == key)
    }
}

impl Serialize for Cause {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.key())
    }
}

/// A thing a stage keeps busy: a plan node or link, or a part of a node
/// group the plan does not draw (its NVLink domain, its NICs, one pipeline
/// stage of its devices). Serialized as `"<kind>:<plan id>"`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Resource {
    /// A plan node group: compute devices, storage throughput, CPU cores.
    Node(NodeId),
    /// A plan link (the busier direction).
    Link(LinkId),
    /// The scale-up fabric (NVLink, ICI) inside the servers of a node group.
    ScaleUp(NodeId),
    /// The scale-out NICs of a node group when the plan draws no link.
    Nics(NodeId),
    /// The devices of one pipeline stage of a node group (time series).
    PipelineStage(NodeId, u32),
}

impl Resource {
    /// The plan node or link a view selects for this resource.
    pub fn plan_subject(&self) -> crate::model::Subject {
        match self {
            Resource::Link(l) => crate::model::Subject::Link(l.clone()),
            Resource::Node(n) | Resource::ScaleUp(n) | Resource::Nics(n) | Resource::PipelineStage(n, _) => {
                crate::model::Subject::Node(n.clone())
            }
        }
    }
    /// A readable name, using the plan's node names where it has them.
    pub fn label(&self, plan: &crate::model::Plan) -> String {
        let name = |id: &NodeId| plan.node(id).map(|n| n.name.clone()).unwrap_or_else(|| id.to_string());
        match self {
            Resource::Node(n) => name(n),
            Resource::Link(l) => format!("link {l}"),
            Resource::ScaleUp(n) => format!("{} scale-up (NVLink)", name(n)),
            Resource::Nics(n) => format!("{} NICs", name(n)),
            Resource::PipelineStage(n, d) => format!("{} stage {d}", name(n)),
        }
    }
}

impl fmt::Display for Resource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Resource::Node(n) => write!(f, "node:{n}"),
            Resource::Link(l) => write!(f, "link:{l}"),
            Resource::ScaleUp(n) => write!(f, "scale_up:{n}"),
            Resource::Nics(n) => write!(f, "nics:{n}"),
            Resource::PipelineStage(n, d) => write!(f, "pipeline_stage:{n}:{d}"),
        }
    }
}

impl Serialize for Resource {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A time series of a stage: a resource's busy fraction, or one of the
/// serving stage's own curves.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SeriesKey {
    Busy(Resource),
    /// Requests waiting, mean per bucket.
    QueueLength,
    /// Busy fraction of the replicas up.
    ReplicaUtilization,
    ReplicasUp,
    TokensPerSecond,
    /// Cumulative distribution of time to first token: (seconds, fraction).
    TtftCdf,
}

impl SeriesKey {
    pub fn label(&self, plan: &crate::model::Plan) -> String {
        match self {
            SeriesKey::Busy(r) => format!("{} busy", r.label(plan)),
            SeriesKey::QueueLength => "Queue length".into(),
            SeriesKey::ReplicaUtilization => "Replica utilization".into(),
            SeriesKey::ReplicasUp => "Replicas up".into(),
            SeriesKey::TokensPerSecond => "Tokens/s".into(),
            SeriesKey::TtftCdf => "TTFT distribution".into(),
        }
    }
    /// The series is a busy fraction (0..1, plotted in %).
    pub fn is_fraction(&self) -> bool {
        matches!(self, SeriesKey::Busy(_) | SeriesKey::ReplicaUtilization)
    }
}

impl fmt::Display for SeriesKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SeriesKey::Busy(r) => write!(f, "busy:{r}"),
            SeriesKey::QueueLength => f.write_str("queue_length"),
            SeriesKey::ReplicaUtilization => f.write_str("utilization"),
            SeriesKey::ReplicasUp => f.write_str("replicas_up"),
            SeriesKey::TokensPerSecond => f.write_str("tokens_per_second"),
            SeriesKey::TtftCdf => f.write_str("ttft_cdf"),
        }
    }
}

impl Serialize for SeriesKey {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn kinds_format_with_their_unit() {
        assert_eq!(Kind::Fraction.format(0.41), "41.0 %");
        assert_eq!(Kind::MoneyPer("M tokens").format(1.5), "$1.50 / M tokens");
        assert_eq!(Kind::Fraction.format_delta(0.02), "+2.0 pp");
        assert_eq!(Kind::Duration.format(f64::NAN), "—");
    }

    #[test]
    fn keys_are_unique_snake_case_and_round_trip() {
        let mut seen = BTreeSet::new();
        for &m in MetricKey::ALL {
            let k = m.key();
            assert!(seen.insert(k), "duplicate key {k}");
            assert!(
                k.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
                "{k}"
            );
            assert_eq!(MetricKey::from_key(k), Some(m));
            assert!(!m.label().is_empty());
        }
        for &c in Cause::ALL {
            assert_eq!(Cause::from_key(c.key()), Some(c));
        }
    }

    #[test]
    fn units_follow_the_key_suffix() {
        // A key's suffix promises a unit to script writers; the kind must keep it.
        for &m in MetricKey::ALL {
            let k = m.key();
            let kind = m.kind();
            if k.ends_with("_bytes_per_s") {
                assert_eq!(kind, Kind::ByteRate, "{k}");
            } else if k.ends_with("_bytes") {
                assert_eq!(kind, Kind::Bytes, "{k}");
            } else if k.ends_with("_usd") {
                assert!(matches!(kind, Kind::Money | Kind::MoneyPer(_)), "{k}");
            } else if k.ends_with("_kwh") {
                assert_eq!(kind, Kind::Energy, "{k}");
            } else if k.ends_with("_s") {
                assert_eq!(kind, Kind::Duration, "{k}");
            }
        }
    }

    #[test]
    fn resources_serialize_as_prefixed_ids() {
        let r = Resource::PipelineStage("gpu".into(), 3);
        assert_eq!(serde_json::to_string(&r).unwrap(), "\"pipeline_stage:gpu:3\"");
        let m: std::collections::BTreeMap<Resource, f64> = [(Resource::Link("a--b".into()), 0.5)].into();
        assert_eq!(serde_json::to_string(&m).unwrap(), "{\"link:a--b\":0.5}");
    }
}
