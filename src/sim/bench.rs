//! Benchmarks of the simulation core: figures, not timed tests. Each is a
//! named closure returning one number; `clusterforge bench` runs the list.
//! Later modules add their own entries with [`Bench::new`].

use super::collectives::{Algorithm, Collective, CollectiveKind, CollectivePlan, NetSim, Participants};
use super::engine::{Limits, Model, Scheduler, SimTime, Simulation};
use super::error::SimError;
use super::fixtures::{fat_tree, reference_catalog};
use super::flows::{FlowNet, FlowSpec};
use super::progress::Progress;
use super::topology::{Endpoint, Fold, Part, Topology};
use crate::units::Bytes;
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, Exp};
use std::sync::Arc;
use std::time::Instant;

/// One benchmark: a JSON key, a description, its target and the closure.
pub struct Bench {
    pub key: &'static str,
    pub what: &'static str,
    /// Human-readable target ("≥ 10,000,000", "< 0.1 s"), if any.
    pub target: &'static str,
    pub run: Box<dyn Fn() -> Result<f64, SimError> + Send + Sync>,
}

impl Bench {
    pub fn new(
        key: &'static str,
        what: &'static str,
        target: &'static str,
        run: impl Fn() -> Result<f64, SimError> + Send + Sync + 'static,
    ) -> Self {
        Self {
            key,
            what,
            target,
            run: Box::new(run),
        }
    }
}

/// The simulation-core benchmarks, in output order.
pub fn benches() -> Vec<Bench> {
    vec![
        Bench::new(
            "engine_events_per_s",
            "M/M/1 queue, 10 M events: events per wall second",
            ">= 10,000,000",
            || mm1_events_per_s(10_000_000),
        ),
        Bench::new(
            "flow_reshare_10k_flows_s",
            "re-share after one flow starts among 10,000 flows (1,024-GPU fat-tree, unfolded): wall s",
            "",
            || reshare_seconds(10_000),
        ),
        Bench::new(
            "allreduce_1024_gpus_s",
            "1 GiB hierarchical all-reduce as flows, 128 x DGX H100 on an NDR fat-tree: wall s",
            "< 0.1 s",
            || allreduce_wall(128, Fold::Auto),
        ),
        Bench::new(
            "allreduce_16384_gpus_s",
            "1 GiB hierarchical all-reduce as flows, 2,048 x DGX H100 on an NDR fat-tree: wall s",
            "< 1 s",
            || allreduce_wall(2048, Fold::Auto),
        ),
        Bench::new(
            "collective_time_calls_per_s",
            "analytical all-reduce time (Auto: every algorithm and protocol tried), calls per wall second",
            "",
            collective_time_calls_per_s,
        ),
        Bench::new(
            "allreduce_16384_gpus_unfolded_s",
            "as allreduce_16384_gpus_s with symmetry folding off (every server expanded): wall s",
            "",
            || allreduce_wall(2048, Fold::None),
        ),
        Bench::new(
            "train_iteration_1024_gpus_s",
            "one GPT-175B training iteration, TP 8 x PP 8 x DP 16 on 128 x DGX A100: wall s",
            "< 0.5 s",
            super::training::bench::train_iteration_1024_gpus,
        ),
        Bench::new(
            "train_iteration_16384_gpus_s",
            "one Llama-3-405B training iteration, TP 8 x PP 16 x DP 128 on 2,048 x DGX H100: wall s",
            "< 5 s",
            super::training::bench::train_iteration_16384_gpus,
        ),
        Bench::new(
            "serve_1h_10k_rps_s",
            "one simulated hour of 10,000 req/s on 64 H100 (8 x DGX H100, Llama-3-8B FP8, continuous batching): wall s",
            "< 5 s",
            crate::sim::serving::bench::bench_serve_1h_10k_rps_s,
        ),
    ]
}

struct Mm1 {
    arrival: Exp<f64>,
    service: Exp<f64>,
    queue: u64,
    served: u64,
}

#[derive(Clone, Copy)]
enum Mm1Event {
    Arrival,
    Departure,
}

impl Model for Mm1 {
    type Event = Mm1Event;
    fn handle(&mut self, s: &mut Scheduler<Mm1Event>, ev: Mm1Event) -> Result<(), SimError> {
        match ev {
            Mm1Event::Arrival => {
                let d = self.arrival.sample(s.rng());
                s.after(SimTime::from_secs(d), Mm1Event::Arrival);
                self.queue += 1;
                if self.queue == 1 {
                    let d = self.service.sample(s.rng());
                    s.after(SimTime::from_secs(d), Mm1Event::Departure);
                }
            }
            Mm1Event::Departure => {
                self.queue -= 1;
                self.served += 1;
                if self.queue > 0 {
                    let d = self.service.sample(s.rng());
                    s.after(SimTime::from_secs(d), Mm1Event::Departure);
                }
            }
        }
        Ok(())
    }
}

/// Run an M/M/1 queue (load 0.9, mean service 1 µs) for `events` events.
pub fn mm1_events_per_s(events: u64) -> Result<f64, SimError> {
    let bad = |e: rand_distr::ExpError| SimError::Invalid(e.to_string());
    let model = Mm1 {
        arrival: Exp::new(0.9e6).map_err(bad)?,
        service: Exp::new(1.0e6).map_err(bad)?,
        queue: 0,
        served: 0,
    };
    let limits = Limits {
        max_events: events,
        max_time: SimTime::MAX,
    };
    let mut sim = Simulation::new(model, 1, limits, Progress::new());
    sim.scheduler().at(SimTime::ZERO, Mm1Event::Arrival);
    let t = Instant::now();
    match sim.run() {
        Err(SimError::EventLimit { .. }) | Ok(_) => {}
        Err(e) => return Err(e),
    }
    let wall = t.elapsed().as_secs_f64();
    Ok(sim.events() as f64 / wall.max(1e-9))
}

/// Mean wall time of the re-share after one flow starts, with `flows`
/// random GPU-to-GPU flows active on a 128-server fat-tree (unfolded).
pub fn reshare_seconds(flows: usize) -> Result<f64, SimError> {
    let plan = fat_tree("dgx-h100", 128, 4, 16);
    let topo = Arc::new(Topology::build(&plan, &reference_catalog(), Fold::None)?);
    let mut net = FlowNet::new(topo.clone());
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    let spec = |rng: &mut rand_chacha::ChaCha8Rng, tag: u64| {
        let ep = |m: u32, d: u32| Endpoint {
            group: 0,
            member: m,
            part: Part::Device(d as u16),
        };
        let a = ep(rng.random_range(0..128), rng.random_range(0..8));
        let b = ep(rng.random_range(0..128), rng.random_range(0..8));
        FlowSpec::new(a, b, 1e9 + rng.random_range(0.0..1e9), tag)
    };
    let specs: Vec<FlowSpec> = (0..flows as u64).map(|i| spec(&mut rng, i)).collect();
    net.start_many(SimTime::ZERO, &specs)?;
    let reps = 5;
    let mut total = 0.0;
    for i in 0..reps {
        let s = spec(&mut rng, 1_000_000 + i);
        let t = Instant::now();
        net.start(SimTime::ZERO, s)?;
        total += t.elapsed().as_secs_f64();
    }
    Ok(total / reps as f64)
}

/// Wall time to build the fabric of `servers` DGX H100s, lower a 1 GiB
/// hierarchical all-reduce to flows and simulate it.
pub fn allreduce_wall(servers: u32, fold: Fold) -> Result<f64, SimError> {
    let plan = fat_tree("dgx-h100", servers, 4, 32);
    let catalog = reference_catalog();
    let t = Instant::now();
    let topo = Arc::new(Topology::build(&plan, &catalog, fold)?);
    let c = Collective {
        kind: CollectiveKind::AllReduce,
        algorithm: Algorithm::Hierarchical,
        bytes: Bytes::from_gib(1.0),
        participants: Participants {
            group: 0,
            servers,
            gpus_per_server: 8,
        },
    };
    let cp = CollectivePlan::build(&topo, &c)?;
    let mut sim = NetSim::new(topo);
    sim.add_job(SimTime::ZERO, cp.phases);
    let r = sim.run(0, Limits::default(), Progress::new())?;
    let wall = t.elapsed().as_secs_f64();
    if r.job_finish.first().is_none_or(|f| *f == SimTime::ZERO) {
        return Err(SimError::Invalid("all-reduce did not run".into()));
    }
    Ok(wall)
}

/// Calls per second of the analytical model, for schedules that evaluate
/// a collective per layer and micro-batch.
pub fn collective_time_calls_per_s() -> Result<f64, SimError> {
    use super::collectives::{GroupSpec, collective_time};
    let cat = reference_catalog();
    let sys = cat
        .system("dgx-h100")
        .ok_or_else(|| SimError::Invalid("reference catalog lacks dgx-h100".into()))?;
    let g = GroupSpec::from_system(sys, 128, 8, crate::model::Medium::InfinibandNdr);
    let n = 1_000_000u32;
    let t = Instant::now();
    let mut acc = 0.0;
    for i in 0..n {
        acc += collective_time(CollectiveKind::AllReduce, Algorithm::Auto, Bytes(1e3 * i as f64), &g).0;
    }
    let wall = t.elapsed().as_secs_f64();
    if !(acc.is_finite() && acc > 0.0) {
        return Err(SimError::Invalid("analytical model returned no time".into()));
    }
    Ok(n as f64 / wall.max(1e-9))
}
