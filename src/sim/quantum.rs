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
    let (sys, dev) = catalog.system_and_device(&node.model)?;
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
    /// Queue wait in all: one draw per iteration in job mode, one in a session.
    pub wait_s: f64,
    pub qpu_s_per_iteration: f64,
    pub network_s_per_iteration: f64,
    pub classical_s_per_iteration: f64,
}

impl LoopTimes {
    pub fn elapsed_s(&self, iterations: f64) -> f64 {
        self.wait_s
            + iterations * (self.qpu_s_per_iteration + self.network_s_per_iteration + self.classical_s_per_iteration)
    }
}

/// Total queue wait of `draws` jobs: log-normal draws from `seed` (the
/// median each when the distribution has no spread).
pub fn queue_wait_s(queue: &QueueWait, draws: u32, seed: u64) -> f64 {
    use rand::SeedableRng;
    use rand_distr::{Distribution, LogNormal};
    let median = queue.median_s.max(0.0);
    let sigma = queue.sigma();
    let spread = (median > 0.0 && sigma > 0.0)
        .then(|| LogNormal::new(median.ln(), sigma).ok())
        .flatten();
    let Some(d) = spread else {
        return (0..draws).map(|_| median).sum();
    };
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    (0..draws).map(|_| d.sample(&mut rng)).sum()
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
    let (_, device) = catalog.system_and_device(&node.model).map_err(|m| invalid(stage, m))?;
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
        wait_s: queue_wait_s(&queue, draws, seed),
        qpu_s_per_iteration: circuits * task_s,
        network_s_per_iteration: 2.0 * net.latency_s + payload_s,
        classical_s_per_iteration: classical_s,
    };
    let elapsed = times.elapsed_s(iterations);
    let qpu_s = iterations * times.qpu_s_per_iteration;

    // The provider's bill.
    let session_billed_s = elapsed - times.wait_s;
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
        // The optimiser is one process: it claims what it computes, so
        // loops sharing a server do not slow each other down while they wait.
        usage.node(id, u);
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
        (MetricKey::QueueWait, times.wait_s),
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
    breakdown.insert(Cause::QueueWait, per_iteration(times.wait_s));
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
        match binding {
            Cause::QueueWait => "waiting in the provider's queue",
            Cause::QpuExecution => "running on the QPU",
            Cause::NetworkRoundTrip => "in network round trips",
            _ => "in the classical optimiser",
        },
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
            "session billing: {session_billed_s:.1} s of elapsed session time billed, of which {qpu_s:.1} s on the QPU"
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::quantum::{QuantumPricing, QueueWait};
    use crate::model::templates::qaoa_maxcut;
    use crate::model::{Link, Medium, Node, Site, SiteKind, StageKind, WiringPattern};

    /// A CPU server behind a gateway, a WAN link to the QPU `model`.
    fn plan(model: &str, q: QuantumStage) -> Plan {
        let mut p = Plan::default();
        p.sites.push(Site {
            id: "cloud".into(),
            name: "Cloud".into(),
            kind: SiteKind::Cloud(crate::model::CloudSite {
                provider: crate::model::CloudProvider::Aws,
                region: "us-east-1".into(),
                pricing: crate::model::PricingModel::OnDemand,
                egress_usd_per_gb: 0.0,
                reserved_discount: 0.4,
                spot_discount: 0.65,
                spot_preemptions_per_hour: 0.0,
                colocation: None,
            }),
            carbon_kg_per_kwh: 0.37,
        });
        p.nodes
            .push(Node::new("cpu", NodeKind::CpuServer, "aws-c7i-48xlarge", 1, "cloud"));
        p.nodes.push(Node::new("gw", NodeKind::Gateway, "", 1, "cloud"));
        p.nodes
            .push(Node::new("qpu", NodeKind::QuantumService, model, 1, "cloud"));
        let link = |id: &str, from: &str, to: &str, medium: Medium, latency_us: f64| Link {
            id: id.into(),
            from: from.into(),
            to: to.into(),
            medium,
            pattern: WiringPattern::OneToOne,
            lanes: 1,
            lane_gbps: 10.0,
            latency_us,
        };
        p.links.push(link("lan", "cpu", "gw", Medium::Ethernet100, 5.0));
        p.links.push(link("wan", "gw", "qpu", Medium::Wan, 10_000.0));
        p.stages.push(Stage {
            id: "loop".into(),
            name: "Loop".into(),
            after: vec![],
            placement: vec!["cpu".into()],
            kind: StageKind::Quantum(q),
        });
        p
    }

    fn run_seed(p: &Plan, seed: u64) -> WorkloadResult {
        let c = Catalog::builtin();
        let StageKind::Quantum(q) = &p.stages[0].kind else {
            panic!("not a quantum stage")
        };
        match simulate_quantum(p, &c, &p.stages[0], q, seed) {
            Ok(w) => w,
            Err(e) => panic!("{e}"),
        }
    }

    fn run(p: &Plan) -> WorkloadResult {
        run_seed(p, 7)
    }

    fn metric(w: &WorkloadResult, k: MetricKey) -> f64 {
        w.metric(k).unwrap_or(f64::NAN)
    }

    fn fixed_queue(s: f64) -> Option<QueueWait> {
        Some(QueueWait { median_s: s, p90_s: s })
    }

    fn spec_offer(system: &str) -> (QuantumSpec, QuantumOffer) {
        let c = Catalog::builtin();
        let sys = c.system(system).unwrap_or_else(|| panic!("{system}"));
        let spec = c.device(&sys.device).and_then(|d| d.quantum.clone());
        (
            spec.unwrap_or_else(|| panic!("spec")),
            sys.quantum.clone().unwrap_or_else(|| panic!("offer")),
        )
    }

    #[test]
    fn job_mode_time_is_queue_plus_shots_times_shot_time_plus_round_trips_each_iteration() {
        let mut q = qaoa_maxcut("qpu".into());
        q.queue = fixed_queue(60.0);
        q.payload_kb = 0.0;
        let w = run(&plan("braket-ionq-forte", q.clone()));
        let (spec, _) = spec_offer("braket-ionq-forte");
        let task = spec.task_overhead_s + q.shots as f64 * spec.shot_s(&q.circuit());
        let rtt = 2.0 * (5.0 + 10_000.0) * 1e-6;
        let cpu_fp32 = Catalog::builtin()
            .system("aws-c7i-48xlarge")
            .and_then(|s| Catalog::builtin().device(&s.device).and_then(|d| d.peak_tflops.fp32))
            .unwrap_or(f64::NAN);
        let classical = q.classical_gflop * 1e9 / (cpu_fp32 * 1e12 * CLASSICAL_EFFICIENCY);
        let per_iteration = 60.0 + 2.0 * task + rtt + classical;
        let want = 100.0 * per_iteration;
        let got = metric(&w, MetricKey::Duration);
        assert!((got - want).abs() < 1e-9 * want, "{got} vs {want}");
        assert_eq!(metric(&w, MetricKey::QueueWait), 100.0 * 60.0);
        assert!((metric(&w, MetricKey::QpuTime) - 200.0 * task).abs() < 1e-9 * task);
        // The breakdown is per iteration and sums to it.
        let sum: f64 = w.breakdown.values().sum();
        assert!(
            (sum - per_iteration).abs() < 1e-9 * per_iteration,
            "{sum} vs {per_iteration}"
        );
        assert!(w.diagnosis.contains(EXPERIMENTAL_LABEL), "{}", w.diagnosis);
    }

    #[test]
    fn a_session_queues_once() {
        let mut q = qaoa_maxcut("qpu".into());
        q.queue = fixed_queue(600.0);
        let jobs = run(&plan("ibm-heron-payg", q.clone()));
        q.mode = QuantumMode::Session;
        let session = run(&plan("ibm-heron-payg", q));
        assert_eq!(metric(&jobs, MetricKey::QueueWait), 100.0 * 600.0);
        assert_eq!(metric(&session, MetricKey::QueueWait), 600.0);
        let d = metric(&jobs, MetricKey::Duration) - metric(&session, MetricKey::Duration);
        assert!((d - 99.0 * 600.0).abs() < 1e-6, "{d}");
    }

    #[test]
    fn braket_bill_is_tasks_times_task_fee_plus_shots_times_shot_fee() {
        // The worked example of docs/experimental.md: 100 iterations × 2
        // circuits = 200 tasks of 1,000 shots on IonQ Forte:
        // 200 × (0.30 + 1,000 × 0.08) = 16,060 USD.
        let w = run(&plan("braket-ionq-forte", qaoa_maxcut("qpu".into())));
        assert!((metric(&w, MetricKey::QpuCost) - 16_060.0).abs() < 1e-6);
        assert_eq!(metric(&w, MetricKey::QuantumTasks), 200.0);
        assert_eq!(metric(&w, MetricKey::QuantumShots), 200_000.0);
        let total = metric(&w, MetricKey::Cost);
        assert!((total - 16_060.0 - metric(&w, MetricKey::ClassicalCost)).abs() < 1e-6);
    }

    #[test]
    fn azure_ionq_and_quantinuum_bills_follow_their_formulas() {
        let q = qaoa_maxcut("qpu".into());
        // IonQ: 1,000 shots × (120 × 0.00022 + 120 × 0.000975) = 143.4 USD
        // per program, above the 97.50 minimum; 200 programs.
        let w = run(&plan("azure-ionq-aria", q.clone()));
        assert!((metric(&w, MetricKey::QpuCost) - 200.0 * 143.4).abs() < 1e-6);
        // Quantinuum: HQC = 5 + 1,000 × (120 + 1,200 + 200) / 5,000 = 309
        // per job at 13.5 USD.
        let w = run(&plan("azure-quantinuum-h2", q.clone()));
        assert!((metric(&w, MetricKey::QpuCost) - 200.0 * 309.0 * 13.5).abs() < 1e-6);
        // A tiny IonQ program pays the minimum.
        let mut small = q;
        small.shots = 10;
        let w = run(&plan("azure-ionq-aria", small));
        assert!((metric(&w, MetricKey::QpuCost) - 200.0 * 97.5).abs() < 1e-6);
    }

    #[test]
    fn time_priced_sessions_bill_the_session_and_jobs_bill_the_qpu_time() {
        let mut q = qaoa_maxcut("qpu".into());
        q.queue = fixed_queue(300.0);
        let (spec, offer) = spec_offer("ibm-heron-payg");
        let task = spec.task_s(&q.circuit(), q.shots as f64);
        let jobs = run(&plan("ibm-heron-payg", q.clone()));
        // Jobs: each task's QPU time, rounded up to whole seconds, × 1.60.
        let want = 200.0 * (task.ceil()) * 1.6;
        assert!(
            (metric(&jobs, MetricKey::QpuCost) - want).abs() < 1e-6,
            "{}",
            metric(&jobs, MetricKey::QpuCost)
        );
        q.mode = QuantumMode::Session;
        let s = run(&plan("ibm-heron-payg", q));
        let billed = metric(&s, MetricKey::Duration) - 300.0;
        assert!(
            billed > metric(&s, MetricKey::QpuTime),
            "a session bills the classical steps too"
        );
        assert!((metric(&s, MetricKey::QpuCost) - offer.pricing.time_usd(billed)).abs() < 1e-9);
        assert!(matches!(offer.pricing, QuantumPricing::QpuTime { .. }));
    }

    #[test]
    fn queue_draws_follow_the_seed() {
        let q = qaoa_maxcut("qpu".into());
        let p = plan("braket-rigetti-ankaa3", q);
        let a = metric(&run_seed(&p, 1), MetricKey::QueueWait);
        let b = metric(&run_seed(&p, 1), MetricKey::QueueWait);
        let c = metric(&run_seed(&p, 2), MetricKey::QueueWait);
        assert_eq!(a, b);
        assert_ne!(a, c);
        // 100 draws centre on the log-normal mean (within a factor of 2).
        let (_, offer) = spec_offer("braket-rigetti-ankaa3");
        let mean = offer.queue.mean_s() * 100.0;
        assert!(a > mean / 2.0 && a < mean * 2.0, "{a} vs {mean}");
    }

    #[test]
    fn more_shots_cost_more_time_on_the_qpu() {
        let mut q = qaoa_maxcut("qpu".into());
        q.queue = fixed_queue(0.0);
        let a = run(&plan("ibm-heron-payg", q.clone()));
        q.shots *= 2;
        let b = run(&plan("ibm-heron-payg", q.clone()));
        let (spec, _) = spec_offer("ibm-heron-payg");
        let extra = 200.0 * 1000.0 * spec.shot_s(&q.circuit());
        let d = metric(&b, MetricKey::QpuTime) - metric(&a, MetricKey::QpuTime);
        assert!((d - extra).abs() < 1e-9 * extra, "{d} vs {extra}");
    }

    #[test]
    fn a_qpu_without_a_route_or_too_small_is_refused() {
        let mut p = plan("scaleway-aqt-ibex-q1", qaoa_maxcut("qpu".into()));
        let c = Catalog::builtin();
        let StageKind::Quantum(q) = p.stages[0].kind.clone() else {
            panic!()
        };
        let err = simulate_quantum(&p, &c, &p.stages[0], &q, 1)
            .err()
            .map(|e| e.to_string());
        assert!(err.as_deref().is_some_and(|e| e.contains("12")), "{err:?}");
        p.links.retain(|l| l.id.as_str() != "wan");
        let mut small = q;
        small.qubits = 4;
        let err = simulate_quantum(&p, &c, &p.stages[0], &small, 1)
            .err()
            .map(|e| e.to_string());
        assert!(err.as_deref().is_some_and(|e| e.contains("no network path")), "{err:?}");
    }
}
