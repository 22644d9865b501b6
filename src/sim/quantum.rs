//! Hybrid quantum-classical loops on cloud QPUs (experimental). Figures of
//! the QPUs and their providers come from vendor publications
//! (`assets/catalog.ron`, emerging.csv EM2-009..016); what the model leaves
//! out is in docs/experimental.md.
//!
//! One iteration of a VQE/QAOA-style loop, in order:
//! - the classical side sends the iteration's circuits to the QPU service
//!   and later fetches the results: one network round trip over the plan's
//!   links (latency both ways plus the payload over the slowest link);
//! - in job mode the circuits wait in the provider's queue (log-normal, one
//!   draw per iteration from the stage's seed); a session queues once;
//! - the QPU runs the circuits one after another: per task its overhead,
//!   then shots × (gates + per-shot overhead) ([`QuantumSpec::task_s`]);
//! - the optimiser step runs on one device of the first classical node.
//!
//! Money: the QPU is billed by its provider's own formula per task
//! ([`QuantumPricing::task_usd`]); a time-priced QPU in a session bills the
//! session's elapsed time from its first job, classical steps included (as
//! IBM Quantum bills sessions). The classical nodes cost what the Ledger
//! says for the loop's wall time at their load.

use super::SimError;
use super::cost::Ledger;
use super::lifecycle::usage::{Usage, link_capacity, path};
use super::metrics::{Cause, MetricKey, Resource};
use super::results::WorkloadResult;
use crate::model::quantum::{QuantumOffer, QuantumSpec, QueueWait};
use crate::model::{Catalog, NodeId, NodeKind, NodeRole, Plan, QuantumMode, QuantumStage, Stage};
use std::collections::BTreeMap;

pub use super::spiking::EXPERIMENTAL_LABEL;

/// Share of one device's FP32 peak a serial optimiser step reaches.
/// ESTIMATE (no published figure for COBYLA/SPSA steps): a small, serial,
/// interpreter-driven update reaches a few per cent of peak; at the
/// templates' ~1 MFLOP per step this is microseconds against seconds of
/// QPU time and queueing, so the estimate hardly moves a result.
const CLASSICAL_EFFICIENCY: f64 = 0.05;

fn invalid(stage: &Stage, msg: impl std::fmt::Display) -> SimError {
    SimError::Invalid(format!("stage '{}': {msg}", stage.id))
}

/// The QPU a stage runs on: its figures and its provider's offer.
pub fn qpu<'a>(
    plan: &Plan,
    catalog: &'a Catalog,
    id: &NodeId,
) -> Result<(&'a str, &'a QuantumSpec, &'a QuantumOffer), String> {
    let node = plan.node(id).ok_or_else(|| format!("QPU node '{id}' does not exist"))?;
    if node.kind != NodeKind::QuantumService {
        return Err(format!(
            "'{}' is a {}, not a quantum computer",
            node.name,
            node.kind.label()
        ));
    }
    let sys = catalog
        .system(&node.model)
        .ok_or_else(|| format!("'{}' is not a known quantum service", node.model))?;
    let dev = catalog
        .device(&sys.device)
        .ok_or_else(|| format!("'{}' uses unknown device '{}'", sys.id, sys.device))?;
    let spec = dev
        .quantum
        .as_ref()
        .ok_or_else(|| format!("'{}' has no QPU figures", dev.id))?;
    let offer = sys
        .quantum
        .as_ref()
        .ok_or_else(|| format!("'{}' has no provider pricing", sys.id))?;
    Ok((sys.name.as_str(), spec, offer))
}

/// The network between a classical node and the QPU: one-way latency (s),
/// the slowest link's capacity (bytes/s) and the links on the way.
pub struct Route {
    pub latency_s: f64,
    pub bytes_per_s: f64,
    pub links: Vec<crate::model::LinkId>,
    pub over_wan: bool,
}

pub fn route(plan: &Plan, catalog: &Catalog, from: &NodeId, qpu: &NodeId) -> Option<Route> {
    let links = path(plan, from, qpu);
    if links.is_empty() {
        return None;
    }
    let mut r = Route {
        latency_s: 0.0,
        bytes_per_s: f64::INFINITY,
        links: links.clone(),
        over_wan: false,
    };
    for l in links.iter().filter_map(|id| plan.link(id)) {
        r.latency_s += l.latency_us.max(0.0) * 1e-6;
        r.bytes_per_s = r.bytes_per_s.min(link_capacity(plan, catalog, l));
        r.over_wan |= l.medium == crate::model::Medium::Wan;
    }
    Some(r)
}

/// Per-iteration and whole-loop times of a hybrid stage.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LoopTimes {
    /// Queue waits, one per iteration in job mode, one in all in a session.
    pub waits_s: Vec<f64>,
    pub qpu_s_per_iteration: f64,
    pub network_s_per_iteration: f64,
    pub classical_s_per_iteration: f64,
}

impl LoopTimes {
    pub fn wait_s(&self) -> f64 {
        self.waits_s.iter().sum()
    }
    pub fn elapsed_s(&self, iterations: f64) -> f64 {
        self.wait_s()
            + iterations * (self.qpu_s_per_iteration + self.network_s_per_iteration + self.classical_s_per_iteration)
    }
}

/// Queue waits of the loop: log-normal draws from `seed` (the median when
/// the distribution has no spread).
pub fn queue_waits(queue: &QueueWait, draws: u32, seed: u64) -> Vec<f64> {
    use rand::SeedableRng;
    use rand_distr::{Distribution, LogNormal};
    let median = queue.median_s.max(0.0);
    let sigma = queue.sigma();
    if median == 0.0 || sigma == 0.0 {
        return vec![median; draws as usize];
    }
    let Ok(d) = LogNormal::new(median.ln(), sigma) else {
        return vec![median; draws as usize];
    };
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    (0..draws).map(|_| d.sample(&mut rng)).collect()
}

/// Simulate a hybrid quantum-classical stage.
pub fn simulate_quantum(
    plan: &Plan,
    catalog: &Catalog,
    stage: &Stage,
    q: &QuantumStage,
    seed: u64,
) -> Result<WorkloadResult, SimError> {
    let (qpu_name, spec, offer) = qpu(plan, catalog, &q.qpu).map_err(|m| invalid(stage, m))?;
    let classical: Vec<&NodeId> = stage
        .placement
        .iter()
        .filter(|id| plan.node(id).is_some_and(|n| n.kind.role() == NodeRole::Compute))
        .collect();
    let Some(&first) = classical.first() else {
        return Err(invalid(
            stage,
            "place the stage on a classical node (CPU server) that runs the optimiser",
        ));
    };
    if q.qubits > spec.qubits {
        return Err(invalid(
            stage,
            format!(
                "the circuits need {} qubits but '{qpu_name}' has {}",
                q.qubits, spec.qubits
            ),
        ));
    }
    let net = route(plan, catalog, first, &q.qpu).ok_or_else(|| {
        invalid(
            stage,
            format!(
                "'{first}' has no network path to the QPU '{}'; connect them over a WAN link",
                q.qpu
            ),
        )
    })?;
    // The optimiser step on one device of the first classical node.
    let node = plan
        .node(first)
        .ok_or_else(|| invalid(stage, "classical node vanished"))?;
    let device = catalog
        .system(&node.model)
        .and_then(|s| catalog.device(&s.device))
        .ok_or_else(|| invalid(stage, format!("'{}' is not a known system", node.model)))?;
    let fp32 = device.peak_tflops.fp32.filter(|v| *v > 0.0).unwrap_or(1.0);
    let classical_s = q.classical_gflop.max(0.0) * 1e9 / (fp32 * 1e12 * CLASSICAL_EFFICIENCY);

    let circuit = q.circuit();
    let shots = q.shots as f64;
    let task_s = spec.task_s(&circuit, shots);
    let circuits = q.circuits_per_iteration as f64;
    let iterations = q.iterations as f64;
    let payload_s = if net.bytes_per_s.is_finite() && net.bytes_per_s > 0.0 {
        q.payload_kb.max(0.0) * 1e3 / net.bytes_per_s
    } else {
        0.0
    };
    let queue = q.queue.unwrap_or(offer.queue);
    let draws = match q.mode {
        QuantumMode::Jobs => q.iterations,
        QuantumMode::Session => 1,
    };
    let times = LoopTimes {
        waits_s: queue_waits(&queue, draws, seed),
        qpu_s_per_iteration: circuits * task_s,
        network_s_per_iteration: 2.0 * net.latency_s + payload_s,
        classical_s_per_iteration: classical_s,
    };
    let elapsed = times.elapsed_s(iterations);
    let qpu_s = iterations * times.qpu_s_per_iteration;

    // The provider's bill.
    let session_billed_s = elapsed - times.wait_s();
    let qpu_usd = if q.mode == QuantumMode::Session && offer.pricing.is_time_based() {
        offer.pricing.time_usd(session_billed_s)
    } else {
        q.tasks() * offer.pricing.task_usd(&circuit, shots, task_s)
    };

    // The classical side, held for the whole loop, busy for its steps.
    let ledger = Ledger::new(plan, catalog);
    let busy = if elapsed > 0.0 {
        iterations * classical_s / elapsed
    } else {
        0.0
    };
    let (mut classical_usd, mut kwh, mut co2) = (0.0, 0.0, 0.0);
    let mut usage = Usage::default();
    for (i, id) in classical.iter().enumerate() {
        let u = if i == 0 { busy } else { 0.0 };
        let h = ledger.hourly(id, u)?;
        classical_usd += h.total_usd() * elapsed / 3600.0;
        kwh += h.energy_kwh * elapsed / 3600.0;
        co2 += h.carbon_kg * elapsed / 3600.0;
        usage.held(id, 1.0, u);
    }
    let qpu_busy = if elapsed > 0.0 { qpu_s / elapsed } else { 0.0 };
    usage.node(&q.qpu, qpu_busy);
    let usd = qpu_usd + classical_usd;

    let mut m = BTreeMap::new();
    for (k, v) in [
        (MetricKey::Duration, elapsed),
        (MetricKey::QuantumTasks, q.tasks()),
        (MetricKey::QuantumShots, q.tasks() * shots),
        (MetricKey::QpuTime, qpu_s),
        (MetricKey::QueueWait, times.wait_s()),
        (MetricKey::NetworkTime, iterations * times.network_s_per_iteration),
        (MetricKey::ClassicalTime, iterations * classical_s),
        (MetricKey::QpuCost, qpu_usd),
        (MetricKey::ClassicalCost, classical_usd),
        (
            MetricKey::CostPerIteration,
            if iterations > 0.0 { usd / iterations } else { 0.0 },
        ),
        (MetricKey::Cost, usd),
        (MetricKey::Energy, kwh),
        (MetricKey::Carbon, co2),
    ] {
        m.insert(k, v);
    }

    let per_iteration = |s: f64| if iterations > 0.0 { s / iterations } else { 0.0 };
    let mut breakdown = BTreeMap::new();
    breakdown.insert(Cause::QueueWait, per_iteration(times.wait_s()));
    breakdown.insert(Cause::QpuExecution, times.qpu_s_per_iteration);
    breakdown.insert(Cause::NetworkRoundTrip, times.network_s_per_iteration);
    breakdown.insert(Cause::Optimizer, classical_s);
    let (binding, _) = breakdown.iter().fold(
        (Cause::QpuExecution, -1.0),
        |acc, (c, v)| if *v > acc.1 { (*c, *v) } else { acc },
    );
    let share = |c: Cause| {
        if elapsed > 0.0 {
            breakdown.get(&c).copied().unwrap_or(0.0) * iterations / elapsed
        } else {
            0.0
        }
    };
    let hint = match (binding, q.mode) {
        (Cause::QueueWait, QuantumMode::Jobs) => {
            "; a session (or reserved access) would queue once instead of every iteration"
        }
        (Cause::QueueWait, QuantumMode::Session) => "; reserved capacity or a less busy QPU would start sooner",
        (Cause::QpuExecution, _) => "; fewer shots or circuits per iteration, or a faster QPU, would shorten it",
        (Cause::NetworkRoundTrip, _) => {
            "; running the optimiser next to the QPU (a provider-side hybrid job) removes the round trips"
        }
        _ => "",
    };
    let diagnosis = format!(
        "[{EXPERIMENTAL_LABEL}] {} iterations of {} circuits × {} shots on {qpu_name} take {}: {:.0} % {}{hint}. QPU bill {} ({}).",
        q.iterations,
        q.circuits_per_iteration,
        q.shots,
        crate::format::duration(elapsed),
        share(binding) * 100.0,
        binding.label().to_lowercase(),
        crate::format::usd(qpu_usd),
        offer.provider,
    );
    let mut notes = vec![
        format!("'{}' is {EXPERIMENTAL_LABEL}", q.qpu),
        format!(
            "one task: {} overhead + {} shots × {} per shot ({} {} gates: {} one-qubit, {} two-qubit, depth {})",
            crate::format::duration(spec.task_overhead_s),
            q.shots,
            crate::format::duration(spec.shot_s(&circuit)),
            spec.tech.label(),
            if spec.parallel_gates { "parallel" } else { "serial" },
            q.gates_1q,
            q.gates_2q,
            q.depth
        ),
        format!("pricing: {} ({})", offer.pricing.label(), offer.provider),
        format!(
            "queue: log-normal, median {} and 90th percentile {}{}; {}",
            crate::format::duration(queue.median_s),
            crate::format::duration(queue.p90_s),
            if q.queue.is_some() {
                " (set on the stage)"
            } else if offer.queue_estimated {
                " (ESTIMATE: providers publish no queue distribution; set the stage's queue from the provider's dashboard)"
            } else {
                ""
            },
            q.mode.label()
        ),
        format!(
            "network: {} one way over {} link(s){}",
            crate::format::duration(net.latency_s),
            net.links.len(),
            if net.over_wan { " including the WAN" } else { "" }
        ),
        "the QPU's own power is in the provider's price; energy and emissions are the classical side's".into(),
    ];
    if q.mode == QuantumMode::Session && offer.pricing.is_time_based() {
        notes.push(format!(
            "session billing: {} of elapsed session time billed, of which {} on the QPU",
            crate::format::duration(session_billed_s),
            crate::format::duration(qpu_s)
        ));
    }
    let mut w = WorkloadResult {
        id: stage.id.to_string(),
        name: stage.name.clone(),
        kind: stage.kind.key().to_owned(),
        metrics: m,
        diagnosis,
        bottleneck: Some(match binding {
            Cause::Optimizer => Resource::Node(first.clone()),
            Cause::NetworkRoundTrip => net
                .links
                .first()
                .map(|l| Resource::Link(l.clone()))
                .unwrap_or_else(|| Resource::Node(q.qpu.clone())),
            _ => Resource::Node(q.qpu.clone()),
        }),
        notes,
        breakdown,
        ..Default::default()
    };
    usage.apply(&mut w);
    Ok(w)
}
