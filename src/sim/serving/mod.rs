//! Serving: request arrivals routed to model replicas, continuous batching
//! with chunked prefill (compute-bound) and decode (memory-bound), KV-cache
//! capacity, classic models by per-sample cost, autoscaling on queue length,
//! serverless scale-to-zero with cold starts, edge fleets.
//!
//! Method: a discrete-event simulation with integer-ns time whose events are
//! whole batch steps of a replica (not tokens): a step of a continuous batch
//! advances every running sequence by one token, so cost per event is
//! O(log batch) and one hour of 10,000 req/s runs in seconds. Requests wait
//! in one queue in front of all replicas (a least-loaded balancer); a replica
//! admits from it at each step boundary while its KV cache and sequence
//! limit allow. Latencies go into log-bucketed histograms (bounded memory).
//!
//! Entry points: [`simulate_serving`] and [`max_rate_within_slo`].

pub mod arrivals;
pub mod bench;
pub mod hist;
pub mod perf;

use crate::model::{Catalog, NodeId, NodeKind, NodeRole, Plan, ServeStage, Stage, StageKind};
use crate::sim::cost;
use crate::sim::{Progress, SimError};
use arrivals::{ArrivalGen, Request};
use hist::{Hist, Percentiles};
use perf::{LlmCost, SampleCost, StepCost};
use serde::{Deserialize, Serialize};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, VecDeque};

/// Autoscaler evaluation period (Knative autoscaler `tick-interval` 2 s).
pub const AUTOSCALE_TICK_S: f64 = 2.0;
/// Idle time before a replica is scaled in / to zero (Knative stable window
/// 60 s; Modal's default container idle timeout 60 s).
pub const SCALE_IN_IDLE_S: f64 = 60.0;
/// Requests kept waiting before new ones are refused (bounded memory).
pub const MAX_QUEUE: usize = 20_000_000;
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

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Off,
    Starting,
    Idle,
    Busy,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Dec {
    arrival_ns: u64,
    first_ns: u64,
    prompt: u32,
    output: u32,
    k_enter: u64,
}

#[derive(Clone, Copy, Debug)]
struct Pre {
    arrival_ns: u64,
    prompt: u32,
    output: u32,
    done: u32,
}

struct Replica {
    pool: usize,
    state: State,
    k: u64,
    b: u32,
    /// Σ(prompt + 1 − k_enter) over decoding sequences: Σctx = s + b·k.
    s: i64,
    kv_reserved: u64,
    /// Decoding sequences by finishing step → slot in `slots` (small heap
    /// entries keep the sift cheap and the heap in cache; a timing wheel
    /// was tried and was 3× slower from cache misses).
    /// Entries pack `finish_step << 32 | slot` into one u64 (steps of a
    /// replica stay far below 2^32: one hour at 1 ms per step is 3.6 M).
    decoding: BinaryHeap<Reverse<u64>>,
    slots: Vec<Dec>,
    free: Vec<u32>,
    /// Steps the event in flight stands for (> 1 when decode-only steps
    /// with nothing to change the batch were advanced in one event).
    pending_steps: u64,
    prefilling: VecDeque<Pre>,
    /// Prefill requests that finish at the end of the current step.
    completing: usize,
    /// Generated tokens in the current step.
    step_tokens: u64,
    /// End time and tokens of the first step of the event in flight; the
    /// merged steps after it put their tokens in the series themselves.
    first_end_ns: u64,
    first_tokens: u64,
    /// Per-sample models: arrivals of the batch in flight.
    batch: Vec<u64>,
    idle_since: u64,
    up_since: u64,
    up_ns: u64,
    busy_ns: u64,
}

#[derive(Default)]
struct Series {
    width: f64,
    queue: Vec<f64>,
    busy: Vec<f64>,
    up: Vec<f64>,
    /// Output tokens (LLM) or samples (classic models) finished per bucket.
    tokens: Vec<f64>,
}

impl Series {
    /// Add `up` replicas over [`*t_up`, `now`) to the replicas-up series and
    /// move `*t_up` to `now` (called before the number of replicas changes).
    fn count_up(&mut self, t_up: &mut u64, now: u64, up: u32) {
        Series::integrate(
            &mut self.up,
            self.width,
            *t_up as f64 * 1e-9,
            now as f64 * 1e-9,
            up as f64,
        );
        *t_up = now;
    }

    /// Count `tokens` finished at `t_ns` in its bucket.
    fn add_tokens(&mut self, t_ns: u64, tokens: u64) {
        if tokens == 0 || self.tokens.is_empty() || self.width.is_nan() || self.width <= 0.0 {
            return;
        }
        let i = ((t_ns as f64 * 1e-9 / self.width) as usize).min(self.tokens.len() - 1);
        self.tokens[i] += tokens as f64;
    }

    /// Add `value × dt` over [a, b) into `which`.
    fn integrate(v: &mut [f64], width: f64, a: f64, b: f64, value: f64) {
        if value == 0.0 || b <= a || v.is_empty() {
            return;
        }
        let last = v.len() - 1;
        let i0 = ((a / width) as usize).min(last);
        let i1 = ((b / width) as usize).min(last);
        if i0 == i1 {
            v[i0] += value * (b - a);
            return;
        }
        for (i, slot) in v.iter_mut().enumerate().take(i1 + 1).skip(i0) {
            let lo = a.max(i as f64 * width);
            let hi = if i == last { b } else { b.min((i + 1) as f64 * width) };
            if hi > lo {
                *slot += value * (hi - lo);
            }
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
    run_serve_stage(plan, stage, s, catalog, seed, progress, true)
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
    multi_step: bool,
) -> Result<ServingResult, SimError> {
    if !(s.duration_s > 0.0 && s.duration_s.is_finite()) {
        return Err(SimError::Invalid("serving period must be positive".into()));
    }
    let pools = pools(plan, catalog, stage, s)?;
    let rtt = network_rtt(plan, &s.source, &stage.placement);
    let rtt_ns = (rtt * 1e9) as u64;
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

    let mut reps: Vec<Replica> = Vec::with_capacity(total as usize);
    for (pi, p) in pools.iter().enumerate() {
        for _ in 0..p.replicas {
            reps.push(Replica {
                pool: pi,
                state: State::Off,
                k: 0,
                b: 0,
                s: 0,
                kv_reserved: 0,
                decoding: BinaryHeap::new(),
                slots: Vec::new(),
                free: Vec::new(),
                pending_steps: 1,
                prefilling: VecDeque::new(),
                completing: 0,
                step_tokens: 0,
                first_end_ns: 0,
                first_tokens: 0,
                batch: Vec::new(),
                idle_since: 0,
                up_since: 0,
                up_ns: 0,
                busy_ns: 0,
            });
        }
    }
    // Replicas up at the start (warm).
    let mut idle: Vec<u32> = Vec::new();
    for (i, r) in reps.iter_mut().enumerate().take(min_up as usize) {
        r.state = State::Idle;
        idle.push(i as u32);
    }
    idle.reverse();
    // Replicas idle and waiting on the stack (the stack may hold stale ids).
    let mut n_idle = idle.len();
    let mut up_count = min_up;
    let mut starting = 0u32;

    const EV_STEP: u8 = 0;
    const EV_READY: u8 = 1;
    const EV_TICK: u8 = 2;
    let mut heap: BinaryHeap<Reverse<(u64, u8, u32)>> = BinaryHeap::new();
    let tick_ns = (AUTOSCALE_TICK_S * 1e9) as u64;
    if autoscale {
        heap.push(Reverse((tick_ns, EV_TICK, 0)));
    }

    let mut arrivals = ArrivalGen::new(
        seed,
        s.arrival,
        s.rate_rps,
        s.prompt_tokens,
        s.output_tokens,
        s.duration_s,
    );
    let mut queue: VecDeque<Request> = VecDeque::new();
    let (mut ttft, mut tpot, mut e2e) = (Hist::default(), Hist::default(), Hist::default());
    let (mut arrived, mut completed, mut rejected, mut slo_ok) = (0u64, 0u64, 0u64, 0u64);
    let mut tokens: u64 = 0;
    let (mut steps, mut compute_steps) = (0u64, 0u64);
    let mut peak_up = up_count;
    let mut events = 0u64;

    let nb = SERIES_BUCKETS;
    let mut series = Series {
        width: s.duration_s / nb as f64,
        queue: vec![0.0; nb],
        busy: vec![0.0; nb],
        up: vec![0.0; nb],
        tokens: vec![0.0; nb],
    };
    let mut t_last = 0u64;
    let mut t_up = 0u64;
    let ttft_slo = s.ttft_slo_s;
    let tpot_slo = s.tpot_slo_s;

    // Record a finished request.
    let finish =
        |arrival: u64, first: u64, done: u64, output: u32, ttft: &mut Hist, tpot: &mut Hist, e2e: &mut Hist| {
            let a = (first - arrival + rtt_ns) as f64 * 1e-9;
            let e = (done - arrival + rtt_ns) as f64 * 1e-9;
            let p = if output > 1 {
                (done - first) as f64 * 1e-9 / (output - 1) as f64
            } else {
                0.0
            };
            ttft.add(a);
            e2e.add(e);
            if output > 1 {
                tpot.add(p);
            }
            (a <= ttft_slo && p <= tpot_slo) as u64
        };

    loop {
        events += 1;
        if events.is_multiple_of(4096) {
            if progress.is_cancelled() {
                return Err(SimError::Cancelled);
            }
            progress.set_fraction(t_last as f64 / end_ns as f64);
        }
        let next_ev = heap.peek().map(|Reverse((t, _, _))| *t);
        // With every replica busy, arrivals only join the queue: take all of
        // them up to the next replica event in one tight loop.
        if n_idle == 0 && !(autoscale && up_count + starting == 0) {
            let limit = next_ev.unwrap_or(end_ns).min(end_ns);
            while let Some(r) = arrivals.next {
                if r.arrival_ns > limit {
                    break;
                }
                // The queue integral runs to each arrival (exact, whatever
                // the events in between).
                if r.arrival_ns > t_last {
                    if !queue.is_empty() {
                        let (a, b) = (t_last as f64 * 1e-9, r.arrival_ns as f64 * 1e-9);
                        Series::integrate(&mut series.queue, series.width, a, b, queue.len() as f64);
                    }
                    t_last = r.arrival_ns;
                }
                arrived += 1;
                if queue.len() >= MAX_QUEUE {
                    rejected += 1;
                } else {
                    queue.push_back(r);
                }
                arrivals.advance();
            }
        }
        let next_arr = arrivals.next.map(|r| r.arrival_ns);
        let take_arrival = match (next_arr, next_ev) {
            (Some(a), Some(e)) => a <= e,
            (Some(_), None) => true,
            (None, _) => false,
        };
        let now = if take_arrival {
            next_arr.unwrap_or(end_ns)
        } else {
            match next_ev {
                Some(t) => t,
                None => break,
            }
        };
        if now > end_ns {
            break;
        }
        // Time series integration over [t_last, now).
        if now > t_last {
            let (a, b) = (t_last as f64 * 1e-9, now as f64 * 1e-9);
            if !queue.is_empty() {
                Series::integrate(&mut series.queue, series.width, a, b, queue.len() as f64);
            }
            t_last = now;
        }

        let mut wake: Option<u32> = None;
        let mut top_is_step = false;
        if take_arrival {
            if let Some(r) = arrivals.next {
                arrived += 1;
                if queue.len() >= MAX_QUEUE {
                    rejected += 1;
                } else {
                    queue.push_back(r);
                }
            }
            arrivals.advance();
            // Serverless activator: a request with nothing up starts a replica.
            if autoscale
                && up_count + starting == 0
                && limit_up > 0
                && let Some(i) = reps.iter().position(|r| r.state == State::Off)
            {
                reps[i].state = State::Starting;
                starting += 1;
                heap.push(Reverse((now + cold_ns, EV_READY, i as u32)));
            }
            while let Some(i) = idle.pop() {
                if reps[i as usize].state == State::Idle {
                    n_idle -= 1;
                    wake = Some(i);
                    break;
                }
            }
        } else if let Some(&Reverse((_, kind, id))) = heap.peek() {
            // A step end keeps its heap slot: the replica's next step (if
            // any) replaces it in place, one sift instead of pop + push.
            if kind == EV_STEP {
                top_is_step = true;
            } else {
                heap.pop();
            }
            match kind {
                EV_TICK => {
                    let up = up_count + starting;
                    let want = ((queue.len() as f64 / target_q).ceil() as u32).min(limit_up);
                    if want > up {
                        let mut need = want - up;
                        for (i, r) in reps.iter_mut().enumerate() {
                            if need == 0 {
                                break;
                            }
                            if r.state == State::Off {
                                r.state = State::Starting;
                                starting += 1;
                                need -= 1;
                                heap.push(Reverse((now + cold_ns, EV_READY, i as u32)));
                            }
                        }
                    }
                    // Scale in replicas idle for long enough, down to the minimum.
                    let idle_ns = (SCALE_IN_IDLE_S * 1e9) as u64;
                    for r in reps.iter_mut() {
                        if up_count <= min_up {
                            break;
                        }
                        if r.state == State::Idle && now.saturating_sub(r.idle_since) >= idle_ns && queue.is_empty() {
                            r.state = State::Off;
                            n_idle -= 1;
                            r.up_ns += now - r.up_since;
                            series.count_up(&mut t_up, now, up_count);
                            up_count -= 1;
                        }
                    }
                    if now + tick_ns <= end_ns {
                        heap.push(Reverse((now + tick_ns, EV_TICK, 0)));
                    }
                }
                EV_READY => {
                    let r = &mut reps[id as usize];
                    r.state = State::Idle;
                    r.idle_since = now;
                    r.up_since = now;
                    starting -= 1;
                    series.count_up(&mut t_up, now, up_count);
                    up_count += 1;
                    peak_up = peak_up.max(up_count);
                    wake = Some(id);
                }
                _ => {
                    // A step ended.
                    let r = &mut reps[id as usize];
                    tokens += r.step_tokens;
                    series.add_tokens(r.first_end_ns, r.first_tokens);
                    r.step_tokens = 0;
                    match &pools[r.pool].cost {
                        StepCost::Llm(_) => {
                            // Steps this event stood for (> 1 after a
                            // multi-step advance; nobody finished before the last).
                            let advanced = std::mem::replace(&mut r.pending_steps, 1);
                            if r.b > 0 {
                                r.k += advanced;
                            }
                            while let Some(&Reverse(packed)) = r.decoding.peek() {
                                let (finish_k, slot) = (packed >> 32, packed as u32);
                                if finish_k > r.k {
                                    break;
                                }
                                r.decoding.pop();
                                r.free.push(slot);
                                let d = r.slots[slot as usize];
                                r.s -= (d.prompt as i64 + 1) - d.k_enter as i64;
                                r.b -= 1;
                                r.kv_reserved -= (d.prompt + d.output) as u64;
                                completed += 1;
                                slo_ok +=
                                    finish(d.arrival_ns, d.first_ns, now, d.output, &mut ttft, &mut tpot, &mut e2e);
                            }
                            for _ in 0..r.completing {
                                let Some(p) = r.prefilling.pop_front() else { break };
                                if p.output <= 1 {
                                    r.kv_reserved -= (p.prompt + p.output) as u64;
                                    completed += 1;
                                    slo_ok += finish(p.arrival_ns, now, now, p.output, &mut ttft, &mut tpot, &mut e2e);
                                } else {
                                    let d = Dec {
                                        arrival_ns: p.arrival_ns,
                                        first_ns: now,
                                        prompt: p.prompt,
                                        output: p.output,
                                        k_enter: r.k,
                                    };
                                    let slot = match r.free.pop() {
                                        Some(i) => {
                                            r.slots[i as usize] = d;
                                            i
                                        }
                                        None => {
                                            r.slots.push(d);
                                            (r.slots.len() - 1) as u32
                                        }
                                    };
                                    r.decoding
                                        .push(Reverse(((r.k + p.output as u64 - 1) << 32) | slot as u64));
                                    r.s += (p.prompt as i64 + 1) - r.k as i64;
                                    r.b += 1;
                                }
                            }
                            r.completing = 0;
                        }
                        StepCost::PerSample(_) => {
                            for &a in &r.batch {
                                completed += 1;
                                slo_ok += finish(a, now, now, 1, &mut ttft, &mut tpot, &mut e2e);
                            }
                            r.batch.clear();
                        }
                    }
                    r.state = State::Idle;
                    r.idle_since = now;
                    wake = Some(id);
                }
            }
        }

        // Start a step on the woken replica (and, after a ready/step event,
        // on idle replicas while work is queued).
        if let Some(id) = wake {
            let r = &mut reps[id as usize];
            let started = match &pools[r.pool].cost {
                StepCost::Llm(c) => start_llm_step(r, c, &mut queue, &mut rejected),
                StepCost::PerSample(c) => start_sample_step(r, c, &mut queue),
            };
            match started {
                Some((dt, compute_bound)) => {
                    let mut dt_ns = ((dt * 1e9).ceil() as u64).max(1);
                    r.first_end_ns = now + dt_ns;
                    r.first_tokens = r.step_tokens;
                    r.state = State::Busy;
                    r.busy_ns += dt_ns;
                    let a = now as f64 * 1e-9;
                    Series::integrate(&mut series.busy, series.width, a, a + dt, 1.0);
                    steps += 1;
                    compute_steps += compute_bound as u64;
                    // Decode-only steps that nothing can change: advance
                    // them in this event (see `run_serve_stage`).
                    if multi_step
                        && r.prefilling.is_empty()
                        && queue.is_empty()
                        && r.b > 0
                        && let StepCost::Llm(c) = &pools[r.pool].cost
                    {
                        let next_arrival = arrivals.next.map(|q| q.arrival_ns).unwrap_or(u64::MAX);
                        let mut step_end = now + dt_ns;
                        let mut k = r.k + 1;
                        loop {
                            // The step ending at `k` completes someone, or
                            // an arrival could be queued by then: stop.
                            let completes = r.decoding.peek().is_some_and(|&Reverse(f)| f >> 32 <= k);
                            if completes || step_end >= next_arrival {
                                break;
                            }
                            let ctx = (r.s + r.b as i64 * k as i64).max(0) as f64;
                            let st = c.step(r.b, ctx, 0, 0.0);
                            let d_ns = ((st.seconds * 1e9).ceil() as u64).max(1);
                            if step_end + d_ns > end_ns {
                                break;
                            }
                            let a = step_end as f64 * 1e-9;
                            Series::integrate(&mut series.busy, series.width, a, a + st.seconds, 1.0);
                            r.busy_ns += d_ns;
                            steps += 1;
                            compute_steps += (st.compute_s >= st.memory_s) as u64;
                            r.step_tokens += r.b as u64;
                            r.pending_steps += 1;
                            step_end += d_ns;
                            series.add_tokens(step_end, r.b as u64);
                            dt_ns += d_ns;
                            k += 1;
                        }
                    }
                    let ev = Reverse((now + dt_ns, EV_STEP, id));
                    if top_is_step {
                        if let Some(mut top) = heap.peek_mut() {
                            *top = ev;
                        }
                    } else {
                        heap.push(ev);
                    }
                    top_is_step = false;
                }
                None => {
                    r.state = State::Idle;
                    n_idle += 1;
                    idle.push(id);
                }
            }
        }
        if top_is_step {
            heap.pop();
        }
        if events > 2_000_000_000 {
            return Err(SimError::EventLimit {
                events,
                limit: 2_000_000_000,
            });
        }
    }
    // Close the books at the end of the period.
    if end_ns > t_last {
        let (a, b) = (t_last as f64 * 1e-9, s.duration_s);
        Series::integrate(&mut series.queue, series.width, a, b, queue.len() as f64);
    }
    // Replicas up: integrated only where their number changes.
    Series::integrate(
        &mut series.up,
        series.width,
        t_up as f64 * 1e-9,
        s.duration_s,
        up_count as f64,
    );
    let mut unfinished = queue.len() as u64;
    for r in reps.iter_mut() {
        if matches!(r.state, State::Idle | State::Busy) {
            r.up_ns += end_ns.saturating_sub(r.up_since);
        }
        unfinished += r.b as u64 + r.prefilling.len() as u64 + r.batch.len() as u64;
    }
    // Generated tokens of steps still running at the end are not counted.

    let dur = s.duration_s;
    let mut res = ServingResult {
        stage: stage.id.to_string(),
        duration_s: dur,
        requests_arrived: arrived,
        requests_completed: completed,
        requests_unfinished: unfinished,
        requests_rejected: rejected,
        tokens_per_second: tokens as f64 / dur,
        requests_per_second: completed as f64 / dur,
        ttft_s: ttft.percentiles(),
        tpot_s: tpot.percentiles(),
        e2e_s: e2e.percentiles(),
        slo_attainment: if completed > 0 {
            slo_ok as f64 / completed as f64
        } else {
            0.0
        },
        max_replicas_up: peak_up,
        network_rtt_s: rtt,
        compute_bound_fraction: if steps > 0 {
            compute_steps as f64 / steps as f64
        } else {
            0.0
        },
        ttft_cdf: ttft.cdf(50),
        events,
        ..Default::default()
    };
    res.ttft_p50_s = res.ttft_s.p50;
    res.ttft_p99_s = res.ttft_s.p99;
    res.tpot_p50_s = res.tpot_s.p50;
    res.tpot_p99_s = res.tpot_s.p99;
    let w = series.width;
    for i in 0..nb {
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
    for (pi, p) in pools.iter().enumerate() {
        let (busy, up): (u64, u64) = reps
            .iter()
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
        let h = cost::hourly_cost_usd(plan, catalog, &p.node.id, util)?;
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
    if tokens > 0 {
        res.cost_per_million_tokens_usd = res.cost_usd / (tokens as f64 / 1e6);
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
        let mut put = |k: &str, v: f64| {
            m.insert(k.to_owned(), v);
        };
        put("tokens_per_second", self.tokens_per_second);
        put("requests_per_second", self.requests_per_second);
        put("ttft_p50_s", self.ttft_s.p50);
        put("ttft_p90_s", self.ttft_s.p90);
        put("ttft_p99_s", self.ttft_s.p99);
        put("tpot_p50_s", self.tpot_s.p50);
        put("tpot_p90_s", self.tpot_s.p90);
        put("tpot_p99_s", self.tpot_s.p99);
        put("e2e_p50_s", self.e2e_s.p50);
        put("e2e_p90_s", self.e2e_s.p90);
        put("e2e_p99_s", self.e2e_s.p99);
        put("slo_attainment", self.slo_attainment);
        put("cost_usd", self.cost_usd);
        put("cost_per_million_tokens_usd", self.cost_per_million_tokens_usd);
        put("cost_per_million_requests_usd", self.cost_per_million_requests_usd);
        put("energy_kwh", self.energy_kwh);
        put("utilization", self.utilization);
        put("max_replicas_up", self.max_replicas_up as f64);
        put("requests_completed", self.requests_completed as f64);
        put("requests_unfinished", self.requests_unfinished as f64);
        put("requests_rejected", self.requests_rejected as f64);
        put("model_bytes", self.model_bytes);
        put("duration_s", self.duration_s);
        let mut series = BTreeMap::new();
        series.insert("queue_length".to_owned(), self.queue_len.clone());
        series.insert("utilization".to_owned(), self.utilization_series.clone());
        series.insert("replicas_up".to_owned(), self.replicas_series.clone());
        series.insert("tokens_per_second".to_owned(), self.tokens_series.clone());
        series.insert("ttft_cdf".to_owned(), self.ttft_cdf.clone());
        let utilization = self.pools.iter().map(|p| (p.node.clone(), p.utilization)).collect();
        let mut notes = vec![
            "continuous batching with chunked prefill; one queue in front of all replicas".to_owned(),
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
            utilization,
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

/// Start an LLM step: admit, plan decode + chunked prefill, return its time.
fn start_llm_step(
    r: &mut Replica,
    c: &LlmCost,
    queue: &mut VecDeque<Request>,
    rejected: &mut u64,
) -> Option<(f64, bool)> {
    let cap = c.kv_capacity_tokens as u64;
    while let Some(q) = queue.front().copied() {
        let need = (q.prompt + q.output) as u64;
        if need > cap {
            queue.pop_front();
            *rejected += 1;
            continue;
        }
        if r.b as usize + r.prefilling.len() >= c.max_seqs as usize || r.kv_reserved + need > cap {
            break;
        }
        queue.pop_front();
        r.kv_reserved += need;
        r.prefilling.push_back(Pre {
            arrival_ns: q.arrival_ns,
            prompt: q.prompt,
            output: q.output,
            done: 0,
        });
    }
    let mut budget = c.max_tokens_per_step.saturating_sub(r.b).max(1);
    let (mut pf, mut ctx_sum) = (0u64, 0.0);
    r.completing = 0;
    let mut prefix = true;
    for p in r.prefilling.iter_mut() {
        if budget == 0 {
            break;
        }
        let take = (p.prompt - p.done).min(budget);
        ctx_sum += take as f64 * (p.done as f64 + take as f64 / 2.0);
        p.done += take;
        pf += take as u64;
        budget -= take;
        if p.done == p.prompt && prefix {
            r.completing += 1;
        } else {
            prefix = false;
        }
    }
    if r.b == 0 && pf == 0 {
        return None;
    }
    let decode_ctx = (r.s + r.b as i64 * r.k as i64).max(0) as f64;
    let avg_ctx = if pf > 0 { ctx_sum / pf as f64 } else { 0.0 };
    let st = c.step(r.b, decode_ctx, pf as u32, avg_ctx);
    r.step_tokens = r.b as u64 + r.completing as u64;
    Some((st.seconds, st.compute_s >= st.memory_s))
}

fn start_sample_step(r: &mut Replica, c: &SampleCost, queue: &mut VecDeque<Request>) -> Option<(f64, bool)> {
    while r.batch.len() < c.max_batch as usize {
        let Some(q) = queue.pop_front() else { break };
        r.batch.push(q.arrival_ns);
    }
    if r.batch.is_empty() {
        return None;
    }
    let dt = c.batch_time(r.batch.len() as u32);
    Some((dt, true))
}

/// The highest request rate whose run keeps TTFT p99 and TPOT p99 within the
/// stage's targets (MLPerf "server" scenario), by bisection on the rate.
/// Returns the rate and the run at that rate.
pub fn max_rate_within_slo(
    plan: &Plan,
    stage: &Stage,
    s: &ServeStage,
    catalog: &Catalog,
    seed: u64,
    progress: &Progress,
) -> Result<(f64, ServingResult), SimError> {
    let ok = |r: &ServingResult| {
        r.ttft_s.p99 <= s.ttft_slo_s
            && r.tpot_s.p99 <= s.tpot_slo_s
            && (r.requests_unfinished as f64) < 0.02 * r.requests_arrived.max(1) as f64
            && r.requests_rejected == 0
    };
    let run = |rate: f64| {
        let mut st = s.clone();
        st.rate_rps = rate;
        simulate_serve_stage(plan, stage, &st, catalog, seed, progress)
    };
    let mut lo = 0.0;
    let mut best: Option<ServingResult> = None;
    let mut hi = s.rate_rps.max(1e-3);
    // Grow until the targets fail.
    for _ in 0..30 {
        let r = run(hi)?;
        if ok(&r) {
            lo = hi;
            best = Some(r);
            hi *= 2.0;
        } else {
            break;
        }
    }
    for _ in 0..12 {
        let mid = 0.5 * (lo + hi);
        let r = run(mid)?;
        if ok(&r) {
            lo = mid;
            best = Some(r);
        } else {
            hi = mid;
        }
    }
    match best {
        Some(b) => Ok((lo, b)),
        None => Err(SimError::Invalid(format!(
            "no rate down to {:.3} req/s meets TTFT p99 ≤ {} s and TPOT p99 ≤ {} s",
            hi, s.ttft_slo_s, s.tpot_slo_s
        ))),
    }
}

#[cfg(test)]
mod tests;
