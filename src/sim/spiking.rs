//! Spiking-network inference (experimental): a spiking network served at a
//! steady input rate on neuromorphic chips, or its conventional-network
//! equivalent on GPUs, CPUs and edge devices, so the two compare side by
//! side. Figures of neuromorphic chips come from vendor publications
//! (`assets/catalog.ron`, emerging.csv EM2-001..008); what the model leaves
//! out is in docs/experimental.md.
//!
//! One inference on a node:
//! - spiking chip: work = synaptic events = synapses × activity ×
//!   timesteps, run at the chip's synaptic-op rate; dynamic energy = events
//!   × energy per synaptic op. A network that does not fit one chip spans
//!   `k` chips (by neurons and synapses) and runs `k` times faster.
//! - dense neuromorphic chip (NorthPole class): work = the conventional
//!   network's operations at the chip's dense rate and energy per op.
//! - GPU, CPU, edge: the conventional network at batch 1, step by step:
//!   each of the `timesteps` steps costs its FLOPs at the batch-1 share of
//!   peak plus one kernel launch; power on the Ledger's idle-to-peak line.
//!
//! Each copy of the network (a chip, or `k` chips; a device) is a server
//! fed at random: mean latency is M/D/1, service time plus the
//! Pollaczek-Khinchine wait ρ·s / (2(1 − ρ)). Static power is drawn all the
//! time, so energy per inference = dynamic + static power / inferences per
//! second.

use super::cost::{IDLE_POWER_FRACTION, Ledger};
use super::lifecycle::usage::Usage;
use super::metrics::{Cause, MetricKey, Resource};
use super::results::WorkloadResult;
use super::{SimError, serving::perf};
use crate::model::catalog::{NeuroStyle, NeuromorphicSpec};
use crate::model::{Catalog, DeviceKind, NodeKind, NodeRole, Plan, SpikingStage, Stage};
use std::collections::BTreeMap;

/// The words every view shows next to neuromorphic figures.
pub const EXPERIMENTAL_LABEL: &str = "experimental: figures from vendor publications";

/// Load above which a node counts as saturated in the diagnosis.
const SATURATED: f64 = 0.999;

fn invalid(stage: &Stage, msg: impl std::fmt::Display) -> SimError {
    SimError::Invalid(format!("stage '{}': {msg}", stage.id))
}

/// How one node of the placement runs one inference.
#[derive(Clone, Debug, PartialEq)]
pub struct NodeEngine {
    /// Copies of the network that run at once (servers of the queue).
    pub copies: f64,
    /// Seconds one copy takes for one inference (compute + input I/O).
    pub service_s: f64,
    /// Dynamic device energy of one inference, J.
    pub dynamic_j: f64,
    /// Power drawn whatever the load, all members, W (neuromorphic only:
    /// conventional nodes are priced on the Ledger's idle-to-peak line).
    pub static_w: f64,
    /// Peak power of all members, W (conventional nodes).
    pub peak_w: f64,
    pub neuromorphic: bool,
    /// What the work is, for the notes.
    pub what: String,
}

/// The engine of node `id` for stage `sp`, or why it cannot run it.
pub fn engine(
    plan: &Plan,
    catalog: &Catalog,
    id: &crate::model::NodeId,
    sp: &SpikingStage,
) -> Result<NodeEngine, String> {
    let node = plan.node(id).ok_or_else(|| format!("node '{id}' does not exist"))?;
    let (sys, dev) = catalog.system_and_device(&node.model)?;
    let count = node.count as f64;
    let chips = sys.devices.max(1) as f64;
    if node.kind == NodeKind::Neuromorphic {
        let spec = dev
            .neuromorphic
            .as_ref()
            .ok_or_else(|| format!("'{}' has no neuromorphic figures", dev.id))?;
        return neuromorphic_engine(sp, spec, &dev.name, chips, count);
    }
    let (used, peak_tflops) = dev
        .peak_tflops
        .effective(sp.precision)
        .ok_or_else(|| format!("'{}' cannot compute in {}", dev.name, sp.precision.label()))?;
    // Batch 1: the CNN large-batch efficiency times 1 / (1 + b½), the curve
    // calibrated on Jetson AGX Orin ResNet-50 SingleStream vs Offline
    // (serving/perf.rs, serving.csv S21).
    let eff = catalog.calibration("serve_cnn_efficiency", perf::DEFAULT_CNN_EFFICIENCY)
        / (1.0 + catalog.calibration("serve_cnn_half_batch", perf::DEFAULT_CNN_HALF_BATCH));
    let steps = sp.timesteps.max(1) as f64;
    let step_flop = sp.conventional_gflop * 1e9 / steps;
    // One kernel launch per step on accelerators (training/layer.rs, NVIDIA
    // "Getting Started with CUDA Graphs"); CPUs run the steps in a loop.
    let gap = match dev.kind {
        DeviceKind::Gpu | DeviceKind::Tpu | DeviceKind::Edge => crate::sim::training::layer::KERNEL_GAP_S,
        DeviceKind::Cpu | DeviceKind::Neuromorphic | DeviceKind::Quantum => 0.0,
    };
    let service_s = steps * (step_flop / (peak_tflops * 1e12 * eff) + gap);
    let per_device_w = sys.power_w / chips;
    Ok(NodeEngine {
        copies: chips * count,
        service_s,
        dynamic_j: (1.0 - IDLE_POWER_FRACTION) * per_device_w * service_s,
        static_w: 0.0,
        peak_w: sys.power_w * count,
        neuromorphic: false,
        what: format!(
            "{} GFLOP per inference in {} steps on {} in {} at {:.1} % of peak (batch 1) plus {:.0} µs launch per step",
            crate::format::si(sp.conventional_gflop),
            sp.timesteps,
            dev.name,
            used.label(),
            eff * 100.0,
            gap * 1e6
        ),
    })
}

fn neuromorphic_engine(
    sp: &SpikingStage,
    spec: &NeuromorphicSpec,
    name: &str,
    chips: f64,
    count: f64,
) -> Result<NodeEngine, String> {
    let missing = |what: &str| format!("the vendor publications behind '{name}' give no {what}");
    let rate = spec.ops_per_s().ok_or_else(|| missing("operation rate"))?;
    let pj = spec.energy_per_op_pj.ok_or_else(|| missing("energy per op"))?;
    let static_w = spec.static_w.ok_or_else(|| missing("static power"))?;
    let (ops, chips_per_copy, what) = match spec.style {
        NeuroStyle::Spiking => {
            let by = |need: f64, have: Option<f64>| match have {
                Some(h) if h > 0.0 => (need / h).ceil().max(1.0),
                _ => 1.0,
            };
            let k = by(sp.neurons, spec.neurons).max(by(sp.synapses, spec.synapses));
            let events = sp.synaptic_events();
            (
                events,
                k,
                format!(
                    "{} synaptic events per inference ({} synapses × {:.1} % activity × {} timesteps) on {} chip(s) of {name}",
                    crate::format::si(events),
                    crate::format::si(sp.synapses),
                    sp.activity * 100.0,
                    sp.timesteps,
                    k
                ),
            )
        }
        NeuroStyle::Dense => {
            let ops = sp.conventional_gflop * 1e9;
            (
                ops,
                1.0,
                format!(
                    "{} operations per inference (the conventional network) on one {name}",
                    crate::format::si(ops)
                ),
            )
        }
    };
    if chips_per_copy > chips {
        return Err(format!(
            "the network needs {chips_per_copy} chips of {name} but a member has {chips}"
        ));
    }
    let compute_s = ops / (rate * chips_per_copy);
    let io_s = match spec.io_gbps {
        Some(g) if g > 0.0 => sp.input_bytes * 8.0 / (g * 1e9 * chips_per_copy),
        _ => 0.0,
    };
    Ok(NodeEngine {
        copies: (chips / chips_per_copy).floor() * count,
        service_s: compute_s + io_s,
        dynamic_j: ops * pj * 1e-12,
        static_w: static_w * chips * count,
        peak_w: 0.0,
        neuromorphic: true,
        what,
    })
}

/// Simulate a spiking-inference stage over its duration.
pub fn simulate_spiking(
    plan: &Plan,
    catalog: &Catalog,
    stage: &Stage,
    sp: &SpikingStage,
) -> Result<WorkloadResult, SimError> {
    let nodes: Vec<_> = stage
        .placement
        .iter()
        .filter(|id| plan.node(id).is_some_and(|n| n.kind.role() == NodeRole::Compute))
        .collect();
    let mut engines = Vec::new();
    for id in &nodes {
        let e = engine(plan, catalog, id, sp).map_err(|m| invalid(stage, m))?;
        if !(e.copies > 0.0 && e.service_s > 0.0 && e.service_s.is_finite()) {
            return Err(invalid(stage, format!("'{id}' has no rate to run the network")));
        }
        engines.push(((*id).clone(), e));
    }
    if engines.is_empty() {
        return Err(invalid(
            stage,
            "place the stage on a neuromorphic system or other compute",
        ));
    }
    // Inputs are shared in proportion to capacity, so every node runs at
    // the same load; past capacity the excess is dropped.
    let capacity: f64 = engines.iter().map(|(_, e)| e.copies / e.service_s).sum();
    let served = sp.rate_per_s.min(capacity);
    let rho = (sp.rate_per_s / capacity).min(1.0);
    let ledger = Ledger::new(plan, catalog);
    let (mut usd, mut kwh, mut co2) = (0.0, 0.0, 0.0);
    let (mut energy_j_per_s, mut dynamic_j_per_s, mut latency_sum) = (0.0, 0.0, 0.0);
    let mut usage = Usage::default();
    let mut notes = Vec::new();
    let mut any_neuromorphic = false;
    for (id, e) in &engines {
        let share = (e.copies / e.service_s) / capacity;
        let node_rate = served * share;
        let wait = if rho < SATURATED {
            rho * e.service_s / (2.0 * (1.0 - rho))
        } else {
            0.0
        };
        latency_sum += node_rate * (e.service_s + wait);
        let dynamic_w = node_rate * e.dynamic_j;
        let hourly = if e.neuromorphic {
            any_neuromorphic = true;
            ledger.hourly_drawing(id, e.static_w + dynamic_w)?
        } else {
            ledger.hourly(id, rho)?
        };
        let it_w = if e.neuromorphic {
            e.static_w + dynamic_w
        } else {
            e.peak_w * (IDLE_POWER_FRACTION + (1.0 - IDLE_POWER_FRACTION) * rho)
        };
        energy_j_per_s += it_w;
        dynamic_j_per_s += dynamic_w;
        usd += hourly.total_usd() * sp.duration_s / 3600.0;
        kwh += hourly.energy_kwh * sp.duration_s / 3600.0;
        co2 += hourly.carbon_kg * sp.duration_s / 3600.0;
        usage.held(id, 1.0, rho);
        notes.push(format!("'{id}': {}", e.what));
        if e.neuromorphic {
            notes.push(format!("'{id}' is {EXPERIMENTAL_LABEL}"));
            if hourly.capex_usd == 0.0 && hourly.rent_usd == 0.0 {
                notes.push(format!(
                    "'{id}' is a research system with no published price: its cost is the energy it draws only"
                ));
            }
        }
    }
    let per_inference = |j_per_s: f64| if served > 0.0 { j_per_s / served } else { 0.0 };
    let energy_per_inference = per_inference(energy_j_per_s);
    let dynamic_per_inference = per_inference(dynamic_j_per_s);
    let latency = if served > 0.0 { latency_sum / served } else { 0.0 };
    let inferences = served * sp.duration_s;
    let mut m = BTreeMap::new();
    for (k, v) in [
        (MetricKey::InferencesPerSecond, served),
        (MetricKey::InferenceCapacity, capacity),
        (MetricKey::InferenceLatency, latency),
        (MetricKey::EnergyPerInference, energy_per_inference),
        (MetricKey::DynamicEnergyPerInference, dynamic_per_inference),
        (MetricKey::InferencesCompleted, inferences),
        (MetricKey::ReplicaUtilization, rho),
        (MetricKey::Duration, sp.duration_s),
        (
            MetricKey::CostPerMillionInferences,
            if inferences > 0.0 { usd / inferences * 1e6 } else { 0.0 },
        ),
        (MetricKey::Cost, usd),
        (MetricKey::Energy, kwh),
        (MetricKey::Carbon, co2),
    ] {
        m.insert(k, v);
    }
    // Synaptic events are what a neuromorphic chip does; a GPU or edge
    // device runs the conventional network's FLOPs instead.
    if any_neuromorphic {
        m.insert(MetricKey::SynapticEvents, sp.synaptic_events());
    }
    let (busiest, _) = &engines[0];
    let prefix = if any_neuromorphic {
        format!("[{EXPERIMENTAL_LABEL}] ")
    } else {
        String::new()
    };
    let static_share = if energy_per_inference > 0.0 {
        1.0 - dynamic_per_inference / energy_per_inference
    } else {
        0.0
    };
    let diagnosis = if sp.rate_per_s > capacity {
        format!(
            "{prefix}'{busiest}' is saturated: {} of {} inferences/s are served; more members or a sparser network would help.",
            crate::format::si(capacity),
            crate::format::si(sp.rate_per_s)
        )
    } else {
        format!(
            "{prefix}{} inferences/s at {} each, {} per inference of which {:.0} % is static power spread over the inferences ({:.1} % load){}.",
            crate::format::si(served),
            crate::format::duration(latency),
            crate::format::joules(energy_per_inference),
            static_share * 100.0,
            rho * 100.0,
            if static_share > 0.5 && rho < 0.5 {
                "; a higher input rate or a smaller system would spend less per inference"
            } else {
                ""
            }
        )
    };
    notes.push(
        "energy per inference is device energy (dynamic + static power / inferences per second, before PUE); the stage's energy is at the facility meter"
            .into(),
    );
    notes.push("latency: service time plus the M/D/1 wait of inputs arriving at random; input I/O is not overlapped with compute".into());
    let mut w = WorkloadResult {
        id: stage.id.to_string(),
        name: stage.name.clone(),
        kind: stage.kind.key().to_owned(),
        metrics: m,
        diagnosis,
        bottleneck: Some(Resource::Node(busiest.clone())),
        notes,
        ..Default::default()
    };
    w.breakdown.insert(Cause::Compute, latency);
    usage.apply(&mut w);
    Ok(w)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::templates::keyword_spotting_snn;
    use crate::model::{Node, Site, SiteKind, StageKind};

    fn plan(model: &str, kind: NodeKind, sp: SpikingStage) -> Plan {
        let mut p = Plan::default();
        p.sites.push(Site {
            id: "edge".into(),
            name: "Edge".into(),
            kind: SiteKind::Edge(crate::model::EdgeSite {
                locations: 1,
                power_usd_per_kwh: 0.15,
                amortization_years: 4.0,
            }),
            carbon_kg_per_kwh: 0.37,
        });
        p.nodes.push(Node::new("chip", kind, model, 1, "edge"));
        p.stages.push(Stage {
            id: "kws".into(),
            name: "KWS".into(),
            after: vec![],
            placement: vec!["chip".into()],
            kind: StageKind::Spiking(sp),
        });
        p
    }

    fn run(p: &Plan) -> WorkloadResult {
        let c = Catalog::builtin();
        let StageKind::Spiking(sp) = &p.stages[0].kind else {
            panic!("not a spiking stage")
        };
        match simulate_spiking(p, &c, &p.stages[0], sp) {
            Ok(w) => w,
            Err(e) => panic!("{e}"),
        }
    }

    fn metric(w: &WorkloadResult, k: MetricKey) -> f64 {
        w.metric(k).unwrap_or(f64::NAN)
    }

    #[test]
    fn energy_per_inference_is_events_times_energy_per_op_plus_static_over_rate() {
        let sp = keyword_spotting_snn();
        let c = Catalog::builtin();
        let spec = c
            .device("loihi2")
            .and_then(|d| d.neuromorphic.clone())
            .unwrap_or_else(|| panic!("loihi2 has figures"));
        let w = run(&plan("loihi2-chip", NodeKind::Neuromorphic, sp.clone()));
        let events = sp.synapses * sp.activity * sp.timesteps as f64;
        let dynamic = events * spec.energy_per_op_pj.unwrap_or(f64::NAN) * 1e-12;
        let expected = dynamic + spec.static_w.unwrap_or(f64::NAN) / sp.rate_per_s;
        let got = metric(&w, MetricKey::EnergyPerInference);
        assert!((got - expected).abs() < 1e-9 * expected, "{got} vs {expected}");
        assert!((metric(&w, MetricKey::DynamicEnergyPerInference) - dynamic).abs() < 1e-12 * dynamic.max(1.0));
        assert_eq!(metric(&w, MetricKey::SynapticEvents), events);
    }

    #[test]
    fn doubling_activity_doubles_dynamic_energy() {
        let sp = keyword_spotting_snn();
        let mut busy = sp.clone();
        busy.activity *= 2.0;
        let a = run(&plan("loihi2-chip", NodeKind::Neuromorphic, sp));
        let b = run(&plan("loihi2-chip", NodeKind::Neuromorphic, busy));
        let (da, db) = (
            metric(&a, MetricKey::DynamicEnergyPerInference),
            metric(&b, MetricKey::DynamicEnergyPerInference),
        );
        assert!(da > 0.0 && (db / da - 2.0).abs() < 1e-9, "{da} -> {db}");
        // Static power over the same rate is unchanged, so the total grows by da.
        let (ta, tb) = (
            metric(&a, MetricKey::EnergyPerInference),
            metric(&b, MetricKey::EnergyPerInference),
        );
        assert!((tb - ta - da).abs() < 1e-9 * tb, "{ta} -> {tb}");
    }

    #[test]
    fn loihi_spends_less_per_inference_than_a_jetson_on_the_same_task() {
        let sp = keyword_spotting_snn();
        let loihi = run(&plan("loihi2-chip", NodeKind::Neuromorphic, sp.clone()));
        let jetson = run(&plan("jetson-agx-orin-64gb", NodeKind::EdgeDevice, sp));
        let (l, j) = (
            metric(&loihi, MetricKey::EnergyPerInference),
            metric(&jetson, MetricKey::EnergyPerInference),
        );
        assert!(l > 0.0 && j > 10.0 * l, "Loihi {l} J vs Jetson {j} J");
        assert!(loihi.diagnosis.contains(EXPERIMENTAL_LABEL), "{}", loihi.diagnosis);
        assert!(!jetson.diagnosis.contains(EXPERIMENTAL_LABEL), "{}", jetson.diagnosis);
        // Same inputs served on both.
        assert_eq!(
            metric(&loihi, MetricKey::InferencesPerSecond),
            metric(&jetson, MetricKey::InferencesPerSecond)
        );
    }

    #[test]
    fn overload_serves_capacity_and_says_so() {
        let mut sp = keyword_spotting_snn();
        sp.rate_per_s = 1e7;
        let w = run(&plan("loihi2-chip", NodeKind::Neuromorphic, sp));
        let cap = metric(&w, MetricKey::InferenceCapacity);
        assert_eq!(metric(&w, MetricKey::InferencesPerSecond), cap);
        assert!(cap < 1e7 && w.diagnosis.contains("saturated"), "{}", w.diagnosis);
    }

    #[test]
    fn queueing_raises_latency_with_load() {
        let mut low = keyword_spotting_snn();
        low.rate_per_s = 1.0;
        let a = run(&plan("loihi2-chip", NodeKind::Neuromorphic, low.clone()));
        let cap = metric(&a, MetricKey::InferenceCapacity);
        let mut high = low;
        high.rate_per_s = cap * 0.9;
        let b = run(&plan("loihi2-chip", NodeKind::Neuromorphic, high));
        // M/D/1 at ρ = 0.9: s + 0.9 s / 0.2 = 5.5 s.
        let s = 1.0 / cap;
        let want = s * (1.0 + 0.9 / 0.2);
        let got = metric(&b, MetricKey::InferenceLatency);
        assert!((got - want).abs() < 1e-6 * want, "{got} vs {want}");
        assert!(metric(&a, MetricKey::InferenceLatency) < got);
    }
}
