//! Serving: request arrivals routed to model replicas, continuous batching
//! with chunked prefill (compute-bound) and decode (memory-bound), KV-cache
//! capacity, classic models by per-sample cost, autoscaling on queue length,
//! serverless scale-to-zero with cold starts, edge fleets.
//!
//! Method: a discrete-event simulation with integer-ns time whose events are
//! whole batch steps of a replica (not tokens): a step of a continuous batch
//! advances every running sequence by one token, so cost per event is
//! O(log batch) and one hour of 10,000 req/s runs in seconds.
//!
//! Routing: the load balancer sends each request, when it arrives, to one of
//! the replicas that are up, chosen at random (a Kubernetes Service in
//! iptables mode; per-replica engines such as vLLM or TGI each keep their own
//! waiting queue). Random splitting of a Poisson stream gives each replica an
//! independent Poisson stream of the rate over the replicas up, so every
//! replica draws its own arrivals and runs alone between autoscaler ticks —
//! replicas are simulated in parallel ([`replica`]). A replica admits from
//! its queue at each step boundary while its KV cache and sequence limit
//! allow. Latencies go into log-bucketed histograms (bounded memory).
//!
//! Entry points: [`simulate_serving`] and [`capacity::capacity`] (the
//! highest rate within the stage's latency targets).

pub mod arrivals;
pub mod bench;
pub mod capacity;
pub mod hist;
pub mod perf;
mod replica;
mod tally;

use crate::model::{Catalog, NodeId, NodeKind, NodeRole, Plan, ServeStage, Stage, StageKind};
use crate::sim::cost;
use crate::sim::metrics::{MetricKey, SeriesKey};
use crate::sim::{Progress, SimError};
use arrivals::ArrivalGen;
use hist::Percentiles;
use perf::StepCost;
use rayon::prelude::*;
use replica::{Cx, Replica, State};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::atomic::AtomicU64;
use tally::{Tally, Targets};

/// Autoscaler evaluation period (Knative autoscaler `tick-interval` 2 s).
pub const AUTOSCALE_TICK_S: f64 = 2.0;
/// Idle time before a replica is scaled in / to zero (Knative stable window
/// 60 s; Modal's default container idle timeout 60 s).
pub const SCALE_IN_IDLE_S: f64 = 60.0;
/// Requests kept waiting in all replicas' queues before new ones are
/// refused (bounded memory), shared out over the replicas…
pub const MAX_QUEUE: usize = 20_000_000;
/// …but never fewer than this per replica.
pub const MIN_QUEUE_PER_REPLICA: usize = 10_000;
/// Replicas are simulated in this many groups (each on one thread, with its
/// own tally). Fixed, so results do not depend on the machine.
const GROUPS: usize = 16;
/// Buckets of the time series.
pub const SERIES_BUCKETS: usize = 240;

/// One replica pool: the replicas a placement node provides.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PoolInfo {
    pub node: String,
    pub system: String,
    pub replicas: u32,
    pub devices_per_replica: u32,
    /// Facts of the step model (KV capacity, weight bytes, …).
    pub cost: StepCost,
    /// Busy fraction of this pool's up time.
    pub utilization: f64,
    /// Replica-hours the pool was up.
    pub replica_hours: f64,
    pub cost_usd: f64,
}

/// Everything a serving run reports. Times in seconds, rates per second.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ServingResult {
    pub stage: String,
    pub duration_s: f64,
    pub requests_arrived: u64,
    pub requests_completed: u64,
    /// Requests still queued or running when the period ended.
    pub requests_unfinished: u64,
    /// Requests refused (longer than a replica's KV cache, or queue full).
    pub requests_rejected: u64,
    /// Output tokens generated per second (LLMs; 0 for classic models).
    pub tokens_per_second: f64,
    pub requests_per_second: f64,
    pub ttft_s: Percentiles,
    pub tpot_s: Percentiles,
    pub e2e_s: Percentiles,
    pub ttft_p50_s: f64,
    pub ttft_p99_s: f64,
    pub tpot_p50_s: f64,
    pub tpot_p99_s: f64,
    /// Fraction of completed requests within both the TTFT and TPOT targets.
    pub slo_attainment: f64,
    pub cost_usd: f64,
    /// Cost per million generated tokens (LLMs) or per million requests
    /// (classic models), USD.
    pub cost_per_million_tokens_usd: f64,
    pub cost_per_million_requests_usd: f64,
    pub energy_kwh: f64,
    /// Busy fraction of replica up-time, whole run.
    pub utilization: f64,
    pub max_replicas_up: u32,
    /// Network round trip from the request source to the replicas, seconds.
    pub network_rtt_s: f64,
    /// Stored model size after quantization and pruning, bytes.
    pub model_bytes: f64,
    /// Fraction of steps whose time was set by compute (vs memory).
    pub compute_bound_fraction: f64,
    /// Time series: bucket start (s) and mean queue length / utilization /
    /// replicas up.
    pub queue_len: Vec<(f64, f64)>,
    pub utilization_series: Vec<(f64, f64)>,
    /// Output tokens per second (samples per second for classic models)
    /// over the period, per bucket.
    pub tokens_series: Vec<(f64, f64)>,
    pub replicas_series: Vec<(f64, f64)>,
    pub ttft_cdf: Vec<(f64, f64)>,
    pub pools: Vec<PoolInfo>,
    pub events: u64,
    pub bottleneck: String,
}

/// Replicas simulated together on one thread, and what they counted.
struct Group {
    reps: Vec<Replica>,
    tally: Tally,
}

/// Share the traffic `rate` out over the replicas that are up (or, with none
/// up, over those starting: their requests wait for the cold start); a
/// replica whose share changes draws its arrivals afresh from `t_ns`.
fn route(groups: &mut [Group], rates: &mut [f64], rate: f64, t_ns: u64) {
    let reps = || groups.iter().flat_map(|g| g.reps.iter());
    let up = reps().filter(|r| r.is_up()).count();
    let starting = reps().filter(|r| r.state == State::Starting).count();
    let (routed, n) = if up > 0 { (true, up) } else { (false, starting) };
    let reps = groups.iter_mut().flat_map(|g| g.reps.iter_mut());
    for (r, current) in reps.zip(rates.iter_mut()) {
        let takes = if routed { r.is_up() } else { r.state == State::Starting };
        let share = if takes && n > 0 { rate / n as f64 } else { 0.0 };
        if share != *current {
            r.arrivals.restart(t_ns as f64 * 1e-9, share);
            *current = share;
        }
    }
}

/// Round-trip network latency from `source` to the closest of `targets`
/// along plan links (each hop's latency or its medium's default), seconds.
fn network_rtt(plan: &Plan, source: &NodeId, targets: &[NodeId]) -> f64 {
    let mut dist: BTreeMap<&NodeId, f64> = BTreeMap::new();
    dist.insert(source, 0.0);
    // Bellman-Ford relaxation: plans have tens of nodes.
    for _ in 0..plan.nodes.len().max(1) {
        let mut changed = false;
        for l in &plan.links {
            let w = if l.latency_us > 0.0 {
                l.latency_us
            } else {
                l.medium.default_latency_us()
            } * 1e-6;
            for (a, b) in [(&l.from, &l.to), (&l.to, &l.from)] {
                if let Some(&da) = dist.get(a) {
                    let nd = da + w;
                    if dist.get(b).is_none_or(|&db| nd < db) {
                        dist.insert(b, nd);
                        changed = true;
                    }
                }
            }
        }
        if !changed {
            break;
        }
    }
    let one_way = targets
        .iter()
        .filter_map(|t| dist.get(t).copied())
        .fold(f64::INFINITY, f64::min);
    if one_way.is_finite() { 2.0 * one_way } else { 0.0 }
}

struct Pool<'a> {
    node: &'a crate::model::Node,
    cost: StepCost,
    replicas: u32,
    per_member: u32,
}

fn pools<'a>(plan: &'a Plan, catalog: &Catalog, stage: &Stage, s: &ServeStage) -> Result<Vec<Pool<'a>>, SimError> {
    let mut out = Vec::new();
    let mut left = s.replicas.unwrap_or(u32::MAX);
    for id in &stage.placement {
        let node = plan
            .node(id)
            .ok_or_else(|| SimError::Invalid(format!("placement '{id}' does not exist")))?;
        if node.kind.role() != NodeRole::Compute {
            return Err(SimError::Invalid(format!("'{}' is not a compute node", node.name)));
        }
        let sys = catalog
            .system(&node.model)
            .ok_or_else(|| SimError::Invalid(format!("unknown system '{}' for '{}'", node.model, node.name)))?;
        let cost = perf::step_cost(catalog, sys, s)?;
        let per_member = match &cost {
            StepCost::Llm(l) => sys.devices / l.tp,
            StepCost::PerSample(p) => (sys.devices / p.hw.devices.max(1)).max(1),
        };
        let replicas = (per_member as u64 * node.count as u64).min(left as u64) as u32;
        left -= replicas;
        if replicas > 0 {
            out.push(Pool {
                node,
                cost,
                replicas,
                per_member,
            });
        }
    }
    if out.is_empty() {
        return Err(SimError::Invalid(format!(
            "serving stage '{}' has no replica: place it on compute nodes with enough devices for TP {}",
            stage.id, s.tp
        )));
    }
    Ok(out)
}

/// Simulate serving stage `stage_id` of `plan` for its `duration_s`.
pub fn simulate_serving(
    plan: &Plan,
    stage_id: &crate::model::StageId,
    catalog: &Catalog,
    seed: u64,
    progress: &Progress,
) -> Result<ServingResult, SimError> {
    let stage = plan
        .stage(stage_id)
        .ok_or_else(|| SimError::Invalid(format!("stage '{stage_id}' does not exist")))?;
    let StageKind::Serve(s) = &stage.kind else {
        return Err(SimError::Invalid(format!("stage '{stage_id}' is not a serving stage")));
    };
    simulate_serve_stage(plan, stage, s, catalog, seed, progress)
}

/// As [`simulate_serving`] with an explicit (possibly modified) serve stage.
pub fn simulate_serve_stage(
    plan: &Plan,
    stage: &Stage,
    s: &ServeStage,
    catalog: &Catalog,
    seed: u64,
    progress: &Progress,
) -> Result<ServingResult, SimError> {
    simulate_serve_stage_limited(plan, stage, s, catalog, seed, progress, EVENT_LIMIT)
}

/// As [`simulate_serve_stage`], stopping after `event_limit` events.
pub fn simulate_serve_stage_limited(
    plan: &Plan,
    stage: &Stage,
    s: &ServeStage,
    catalog: &Catalog,
    seed: u64,
    progress: &Progress,
    event_limit: u64,
) -> Result<ServingResult, SimError> {
    run_serve_stage(
        plan,
        stage,
        s,
        catalog,
        seed,
        progress,
        RunOptions {
            event_limit,
            ..RunOptions::default()
        },
    )
}

/// The default event limit of a serving stage.
pub const EVENT_LIMIT: u64 = replica::EVENT_LIMIT;

/// Replicas the stage would simulate, or why it cannot run (a model that
/// leaves no room for its KV cache, a placement without devices): the checks
/// `simulate` makes before the first event, for `clusterforge check`.
pub fn replica_count(plan: &Plan, stage: &Stage, s: &ServeStage, catalog: &Catalog) -> Result<u64, SimError> {
    let pools = pools(plan, catalog, stage, s)?;
    Ok(pools.iter().map(|p| p.replicas as u64).sum())
}

/// How a serving run steps and when it stops.
#[derive(Clone, Copy, Debug)]
struct RunOptions {
    multi_step: bool,
    event_limit: u64,
}

impl Default for RunOptions {
    fn default() -> Self {
        Self {
            multi_step: true,
            event_limit: EVENT_LIMIT,
        }
    }
}

/// The serving simulation. `multi_step` lets a replica advance several
/// decode-only steps in one event when nothing can change its batch in
/// between (no prefill, nothing queued, no arrival and no completion before
/// the last of them ends); results are identical either way (tested), only
/// the event count differs.
fn run_serve_stage(
    plan: &Plan,
    stage: &Stage,
    s: &ServeStage,
    catalog: &Catalog,
    seed: u64,
    progress: &Progress,
    options: RunOptions,
) -> Result<ServingResult, SimError> {
    let RunOptions {
        multi_step,
        event_limit,
    } = options;
    if !(s.duration_s > 0.0 && s.duration_s.is_finite()) {
        return Err(SimError::Invalid("serving period must be positive".into()));
    }
    let pools = pools(plan, catalog, stage, s)?;
    let rtt = network_rtt(plan, &s.source, &stage.placement);
    let end_ns = (s.duration_s * 1e9) as u64;
    let serverless = pools.iter().any(|p| p.node.kind == NodeKind::ServerlessEndpoint);
    let total: u32 = pools.iter().map(|p| p.replicas).sum();
    let (min_up, limit_up, cold_ns, target_q) = match &s.autoscaling {
        Some(a) => (
            a.min_replicas.min(total),
            a.max_replicas.min(total).max(1),
            (a.cold_start_s.max(0.0) * 1e9) as u64,
            a.target_queue_per_replica.max(0.1),
        ),
        None => (total, total, 0, f64::INFINITY),
    };
    let autoscale = s.autoscaling.is_some();
    let rate = if s.rate_rps.is_finite() {
        s.rate_rps.max(0.0)
    } else {
        0.0
    };

    let costs: Vec<StepCost> = pools.iter().map(|p| p.cost.clone()).collect();
    let advanced_ns = AtomicU64::new(0);
    let events_taken = AtomicU64::new(0);
    let cx = Cx {
        costs: &costs,
        targets: Targets {
            rtt_ns: (rtt * 1e9) as u64,
            ttft_slo_s: s.ttft_slo_s,
            tpot_slo_s: s.tpot_slo_s,
        },
        end_ns,
        max_queue: (MAX_QUEUE / total.max(1) as usize).max(MIN_QUEUE_PER_REPLICA),
        multi_step,
        progress,
        advanced_ns: &advanced_ns,
        total_ns: (end_ns as f64 * total as f64).max(1.0),
        event_limit,
        events: &events_taken,
    };

    // Replicas in groups of consecutive ones; each group runs on one thread
    // and keeps its own tally. Stream 0 is the serverless activator's,
    // replica i draws its traffic from stream i + 1.
    let new_gen = |stream: u64| {
        ArrivalGen::with_stream(
            seed,
            stream,
            s.arrival,
            0.0,
            s.prompt_tokens,
            s.output_tokens,
            s.duration_s,
        )
    };
    let size = (total as usize).div_ceil(GROUPS).max(1);
    let mut groups: Vec<Group> = Vec::new();
    let mut index = 0usize;
    for (pi, p) in pools.iter().enumerate() {
        for _ in 0..p.replicas {
            let mut r = Replica::new(pi, new_gen(index as u64 + 1));
            if index < min_up as usize {
                r.warm(0);
            }
            match groups.last_mut() {
                Some(g) if !index.is_multiple_of(size) => g.reps.push(r),
                _ => groups.push(Group {
                    reps: vec![r],
                    tally: Tally::new(s.duration_s, SERIES_BUCKETS),
                }),
            }
            index += 1;
        }
    }
    let mut activator = new_gen(0);
    let mut rates = vec![0.0f64; total as usize];
    let mut peak_up = min_up;
    let tick_ns = ((AUTOSCALE_TICK_S * 1e9) as u64).max(1);
    let idle_ns = (SCALE_IN_IDLE_S * 1e9) as u64;

    let mut t0 = 0u64;
    loop {
        // Without autoscaling nothing outside a replica changes: one window.
        let until = if autoscale { (t0 + tick_ns).min(end_ns) } else { end_ns };
        route(&mut groups, &mut rates, rate, t0);
        // Serverless activator: with nothing up or starting, the next
        // request starts a replica and waits for it.
        if autoscale && rates.iter().all(|&r| r == 0.0) && limit_up > 0 {
            activator.restart(t0 as f64 * 1e-9, rate);
            if let Some(first) = activator.next.filter(|r| r.arrival_ns <= until) {
                'find: for g in groups.iter_mut() {
                    for r in g.reps.iter_mut() {
                        if r.state == State::Off {
                            r.start(first.arrival_ns, cold_ns);
                            r.accept(first, &cx, &mut g.tally);
                            break 'find;
                        }
                    }
                }
                route(&mut groups, &mut rates, rate, first.arrival_ns);
            }
        }
        groups.par_iter_mut().try_for_each(|g| {
            g.reps
                .iter_mut()
                .try_for_each(|r| r.run_until(until, &cx, &mut g.tally))
        })?;
        if until >= end_ns {
            break;
        }

        // Autoscaler tick at `until`: scale out on the requests waiting,
        // scale in replicas idle for long enough, down to the minimum.
        let now = until;
        let reps = || groups.iter().flat_map(|g| g.reps.iter());
        let mut up = reps().filter(|r| r.is_up()).count() as u32;
        let starting = reps().filter(|r| r.state == State::Starting).count() as u32;
        let waiting: usize = reps().map(|r| r.queue.len()).sum();
        peak_up = peak_up.max(up);
        let want = ((waiting as f64 / target_q).ceil() as u32).min(limit_up);
        let mut need = want.saturating_sub(up + starting);
        for g in groups.iter_mut() {
            for r in g.reps.iter_mut() {
                if need > 0 && r.state == State::Off {
                    r.start(now, cold_ns);
                    need -= 1;
                } else if up > min_up
                    && waiting == 0
                    && r.state == State::Idle
                    && now.saturating_sub(r.idle_since) >= idle_ns
                {
                    r.stop(now, &mut g.tally);
                    up -= 1;
                }
            }
        }
        t0 = until;
    }
    for g in groups.iter_mut() {
        for r in g.reps.iter_mut() {
            r.close(end_ns, &mut g.tally);
        }
    }
    let reps = || groups.iter().flat_map(|g| g.reps.iter());
    peak_up = peak_up.max(reps().filter(|r| r.is_up()).count() as u32);
    let unfinished: u64 = reps().map(|r| r.unfinished()).sum();
    // Merged in group order: the same sums whatever the thread count.
    let mut t = Tally::new(s.duration_s, SERIES_BUCKETS);
    for g in &groups {
        t.merge(&g.tally);
    }
    // Generated tokens of steps still running at the end are not counted.

    let dur = s.duration_s;
    let completed = t.completed;
    let mut res = ServingResult {
        stage: stage.id.to_string(),
        duration_s: dur,
        requests_arrived: t.arrived,
        requests_completed: completed,
        requests_unfinished: unfinished,
        requests_rejected: t.rejected,
        tokens_per_second: t.tokens as f64 / dur,
        requests_per_second: completed as f64 / dur,
        ttft_s: t.ttft.percentiles(),
        tpot_s: t.tpot.percentiles(),
        e2e_s: t.e2e.percentiles(),
        slo_attainment: if completed > 0 {
            t.slo_ok as f64 / completed as f64
        } else {
            0.0
        },
        max_replicas_up: peak_up,
        network_rtt_s: rtt,
        compute_bound_fraction: if t.steps > 0 {
            t.compute_steps as f64 / t.steps as f64
        } else {
            0.0
        },
        ttft_cdf: t.ttft.cdf(50),
        events: t.events,
        ..Default::default()
    };
    res.ttft_p50_s = res.ttft_s.p50;
    res.ttft_p99_s = res.ttft_s.p99;
    res.tpot_p50_s = res.tpot_s.p50;
    res.tpot_p99_s = res.tpot_s.p99;
    let series = &t.series;
    let w = series.width;
    for i in 0..SERIES_BUCKETS {
        let t0 = i as f64 * w;
        res.queue_len.push((t0, series.queue[i] / w));
        res.replicas_series.push((t0, series.up[i] / w));
        res.tokens_series.push((t0, series.tokens[i] / w));
        let up = series.up[i];
        res.utilization_series
            .push((t0, if up > 0.0 { (series.busy[i] / up).min(1.0) } else { 0.0 }));
    }
    // Cost and energy per pool, through the cost module.
    let (mut busy_all, mut up_all) = (0u64, 0u64);
    let mut model_bytes = 0.0;
    let ledger = cost::Ledger::new(plan, catalog);
    for (pi, p) in pools.iter().enumerate() {
        let (busy, up): (u64, u64) = reps()
            .filter(|r| r.pool == pi)
            .fold((0, 0), |(b, u), r| (b + r.busy_ns, u + r.up_ns));
        busy_all += busy;
        up_all += up;
        let util = if up > 0 {
            (busy as f64 / up as f64).min(1.0)
        } else {
            0.0
        };
        let replica_hours = up as f64 * 1e-9 / 3600.0;
        let h = ledger.hourly(&p.node.id, util)?;
        let members = p.node.count.max(1) as f64;
        let per_replica_hour = h.total_usd() / (members * p.per_member.max(1) as f64);
        let (pool_cost, energy) = if h.rented && (autoscale || serverless) {
            let e = h.energy_kwh / (members * p.per_member.max(1) as f64) * replica_hours;
            (per_replica_hour * replica_hours, e)
        } else {
            (h.total_usd() * dur / 3600.0, h.energy_kwh * dur / 3600.0)
        };
        let fee = catalog
            .system(&p.node.model)
            .and_then(|s| s.cloud.as_ref())
            .and_then(|c| c.usd_per_million_requests)
            .unwrap_or(0.0);
        let share = if total > 0 {
            p.replicas as f64 / total as f64
        } else {
            0.0
        };
        let pool_cost = pool_cost + fee * completed as f64 * share / 1e6;
        res.cost_usd += pool_cost;
        res.energy_kwh += energy;
        model_bytes = match &p.cost {
            StepCost::Llm(l) => l.model_bytes,
            StepCost::PerSample(c) => c.model_bytes,
        };
        res.pools.push(PoolInfo {
            node: p.node.id.to_string(),
            system: p.node.model.clone(),
            replicas: p.replicas,
            devices_per_replica: match &p.cost {
                StepCost::Llm(l) => l.tp,
                StepCost::PerSample(c) => c.hw.devices,
            },
            cost: p.cost.clone(),
            utilization: util,
            replica_hours,
            cost_usd: pool_cost,
        });
    }
    res.model_bytes = model_bytes;
    res.utilization = if up_all > 0 {
        busy_all as f64 / up_all as f64
    } else {
        0.0
    };
    if t.tokens > 0 {
        res.cost_per_million_tokens_usd = res.cost_usd / (t.tokens as f64 / 1e6);
    }
    if completed > 0 {
        res.cost_per_million_requests_usd = res.cost_usd / (completed as f64 / 1e6);
    }
    res.bottleneck = diagnose(&res, s);
    progress.set_fraction(1.0);
    Ok(res)
}

impl ServingResult {
    /// The run as a plan-level workload entry (`kind` "serve", SI metrics).
    pub fn to_workload(&self, stage: &Stage) -> crate::sim::results::WorkloadResult {
        let mut m = BTreeMap::new();
        let mut put = |k: MetricKey, v: f64| {
            m.insert(k, v);
        };
        put(MetricKey::TokensPerSecond, self.tokens_per_second);
        put(MetricKey::RequestsPerSecond, self.requests_per_second);
        put(MetricKey::TtftP50, self.ttft_s.p50);
        put(MetricKey::TtftP90, self.ttft_s.p90);
        put(MetricKey::TtftP99, self.ttft_s.p99);
        put(MetricKey::TpotP50, self.tpot_s.p50);
        put(MetricKey::TpotP90, self.tpot_s.p90);
        put(MetricKey::TpotP99, self.tpot_s.p99);
        put(MetricKey::E2eP50, self.e2e_s.p50);
        put(MetricKey::E2eP90, self.e2e_s.p90);
        put(MetricKey::E2eP99, self.e2e_s.p99);
        put(MetricKey::SloAttainment, self.slo_attainment);
        put(MetricKey::Cost, self.cost_usd);
        put(MetricKey::CostPerMillionTokens, self.cost_per_million_tokens_usd);
        put(MetricKey::CostPerMillionRequests, self.cost_per_million_requests_usd);
        put(MetricKey::Energy, self.energy_kwh);
        put(MetricKey::ReplicaUtilization, self.utilization);
        put(MetricKey::MaxReplicasUp, self.max_replicas_up as f64);
        put(MetricKey::RequestsCompleted, self.requests_completed as f64);
        put(MetricKey::RequestsUnfinished, self.requests_unfinished as f64);
        put(MetricKey::RequestsRejected, self.requests_rejected as f64);
        put(MetricKey::ModelBytes, self.model_bytes);
        put(MetricKey::Duration, self.duration_s);
        let mut series = BTreeMap::new();
        series.insert(SeriesKey::QueueLength, self.queue_len.clone());
        series.insert(SeriesKey::ReplicaUtilization, self.utilization_series.clone());
        series.insert(SeriesKey::ReplicasUp, self.replicas_series.clone());
        series.insert(SeriesKey::TokensPerSecond, self.tokens_series.clone());
        series.insert(SeriesKey::TtftCdf, self.ttft_cdf.clone());
        let mut notes = vec![
            "continuous batching with chunked prefill; each request goes to a random replica that is up, which queues it"
                .to_owned(),
            format!(
                "network round trip {:.3} ms added to TTFT and end-to-end latency",
                self.network_rtt_s * 1e3
            ),
        ];
        if self.requests_rejected > 0 {
            notes.push(format!(
                "{} requests refused (longer than a replica's KV cache, or queue full)",
                self.requests_rejected
            ));
        }
        crate::sim::results::WorkloadResult {
            id: stage.id.to_string(),
            name: stage.name.clone(),
            kind: stage.kind.key().to_owned(),
            metrics: m,
            series,
            diagnosis: self.bottleneck.clone(),
            notes,
            ..Default::default()
        }
    }
}

fn diagnose(r: &ServingResult, s: &ServeStage) -> String {
    // Backlog: the queue at the end holds more than 1 % of all arrivals
    // (continuous batching keeps replicas busy; busy alone is not overload).
    let queued_at_end = r.queue_len.last().map(|q| q.1).unwrap_or(0.0);
    let backlog = queued_at_end > (0.01 * r.requests_arrived as f64).max(100.0);
    let kind = if r.compute_bound_fraction > 0.5 {
        "compute (prefill / large batches)"
    } else {
        "memory bandwidth (decode: weights + KV cache per step)"
    };
    if backlog {
        format!(
            "overloaded: replicas busy {:.0} % of the time and {} requests left waiting; steps are bound by {}. \
             Add replicas, quantize (fewer bytes per step) or use optimized kernels",
            r.utilization * 100.0,
            r.requests_unfinished,
            kind
        )
    } else if r.slo_attainment < 0.99 && r.ttft_s.p99 > s.ttft_slo_s {
        format!(
            "TTFT p99 {:.2} s misses the {:.2} s target (queueing{}); add replicas or lower the batch limit",
            r.ttft_s.p99,
            s.ttft_slo_s,
            if s.autoscaling.is_some() {
                " and cold starts"
            } else {
                ""
            }
        )
    } else if r.slo_attainment < 0.99 && r.tpot_s.p99 > s.tpot_slo_s {
        format!(
            "TPOT p99 {:.3} s misses the {:.3} s target: decode steps bound by {kind}; fewer sequences per replica \
             or faster memory would help",
            r.tpot_s.p99, s.tpot_slo_s
        )
    } else {
        format!(
            "within targets; replicas busy {:.0} % of their up time, steps bound by {kind}",
            r.utilization * 100.0
        )
    }
}

#[cfg(test)]
mod tests;
