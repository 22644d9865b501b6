//! One model replica: its own arrivals and waiting queue, continuous batching
//! with chunked prefill (LLMs) or batches of samples (classic models).
//!
//! A replica's events are its arrivals, the ends of its steps and, after a
//! cold start, the moment it is ready. Nothing else touches it between two
//! autoscaler ticks, so [`Replica::run_until`] advances it alone: no shared
//! event queue, and replicas run on different threads.

use super::arrivals::{ArrivalGen, Request};
use super::perf::{LlmCost, SampleCost, StepCost};
use super::tally::{Tally, Targets, Which};
use crate::sim::{Progress, SimError};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};

/// Events a serving stage may take before the run is stopped as runaway
/// (all replicas together): ~2e9 events are a few minutes of wall time on
/// one core; `--event-limit` raises it (`sim::Budget::max_events`).
pub const EVENT_LIMIT: u64 = 2_000_000_000;

/// Events between two looks at the shared event counter and progress.
const EVENTS_PER_CHECK: u64 = 4096;

/// What every replica of a run shares (read-only).
pub(super) struct Cx<'a> {
    /// Step model of each pool.
    pub costs: &'a [StepCost],
    pub targets: Targets,
    pub end_ns: u64,
    /// Requests a replica keeps waiting before it refuses new ones.
    pub max_queue: usize,
    /// Advance several decode-only steps in one event when nothing can
    /// change the batch in between (results are identical either way).
    pub multi_step: bool,
    pub progress: &'a Progress,
    /// Replica-ns simulated so far by all threads, for the progress bar.
    pub advanced_ns: &'a AtomicU64,
    /// Replica-ns the whole run simulates.
    pub total_ns: f64,
    /// Events the stage may take, all replicas together.
    pub event_limit: u64,
    /// Events taken so far by all threads (counted every
    /// `EVENTS_PER_CHECK` events).
    pub events: &'a AtomicU64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum State {
    Off,
    Starting,
    Idle,
    Busy,
}

/// A decoding sequence.
#[derive(Clone, Copy, Debug)]
struct Dec {
    arrival_ns: u64,
    first_ns: u64,
    prompt: u32,
    output: u32,
    k_enter: u64,
}

/// A sequence in (chunked) prefill.
#[derive(Clone, Copy, Debug)]
struct Pre {
    arrival_ns: u64,
    prompt: u32,
    output: u32,
    done: u32,
}

pub(super) struct Replica {
    pub pool: usize,
    pub state: State,
    /// When a starting replica is ready (cold start over).
    pub ready_ns: u64,
    /// When the step in flight ends (busy replicas).
    step_end_ns: u64,
    /// This replica's share of the traffic.
    pub arrivals: ArrivalGen,
    /// Requests routed here and not yet admitted to the batch.
    pub queue: VecDeque<Request>,
    /// Time up to which the queue length has been integrated.
    t_queue: u64,
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
    pub idle_since: u64,
    up_since: u64,
    pub up_ns: u64,
    pub busy_ns: u64,
    /// The busy stretch not yet in the series: back-to-back steps extend it
    /// (one series update per stretch, not per step).
    busy_from: u64,
    busy_to: u64,
    /// Simulated time already counted in `Cx::advanced_ns`.
    reported_ns: u64,
}

impl Replica {
    pub fn new(pool: usize, arrivals: ArrivalGen) -> Replica {
        Replica {
            pool,
            state: State::Off,
            ready_ns: 0,
            step_end_ns: 0,
            arrivals,
            queue: VecDeque::new(),
            t_queue: 0,
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
            busy_from: 0,
            busy_to: 0,
            reported_ns: 0,
        }
    }

    pub fn is_up(&self) -> bool {
        matches!(self.state, State::Idle | State::Busy)
    }

    /// Requests routed here that have not finished.
    pub fn unfinished(&self) -> u64 {
        (self.queue.len() + self.b as usize + self.prefilling.len() + self.batch.len()) as u64
    }

    /// Bring a replica up at `now` (warm at the start of the run).
    pub fn warm(&mut self, now: u64) {
        self.state = State::Idle;
        self.idle_since = now;
        self.up_since = now;
    }

    /// Begin a cold start at `now`; the replica is ready `cold_ns` later.
    pub fn start(&mut self, now: u64, cold_ns: u64) {
        self.state = State::Starting;
        self.ready_ns = now + cold_ns;
    }

    /// Scale an idle replica in at `now`.
    pub fn stop(&mut self, now: u64, t: &mut Tally) {
        self.count_up(now, t);
        self.state = State::Off;
    }

    /// Route a request here at its arrival time (the serverless activator
    /// hands over the request that woke the replica).
    pub fn accept(&mut self, r: Request, cx: &Cx, t: &mut Tally) {
        t.arrived += 1;
        self.integrate_queue(r.arrival_ns, t);
        if self.queue.len() >= cx.max_queue {
            t.rejected += 1;
        } else {
            self.queue.push_back(r);
        }
    }

    /// Close the books at the end of the period.
    pub fn close(&mut self, end_ns: u64, t: &mut Tally) {
        self.integrate_queue(end_ns, t);
        t.series.integrate(Which::Busy, self.busy_from, self.busy_to, 1.0);
        self.busy_from = self.busy_to;
        if self.is_up() {
            self.count_up(end_ns, t);
        }
    }

    fn count_up(&mut self, now: u64, t: &mut Tally) {
        t.series.integrate(Which::Up, self.up_since, now, 1.0);
        self.up_ns += now.saturating_sub(self.up_since);
        self.up_since = now;
    }

    /// Integrate the queue length over [`t_queue`, `now`).
    fn integrate_queue(&mut self, now: u64, t: &mut Tally) {
        if now > self.t_queue {
            if !self.queue.is_empty() {
                t.series
                    .integrate(Which::Queue, self.t_queue, now, self.queue.len() as f64);
            }
            self.t_queue = now;
        }
    }

    /// Process this replica's events up to and including `until` (ns).
    pub fn run_until(&mut self, until: u64, cx: &Cx, t: &mut Tally) -> Result<(), SimError> {
        let mut events = 0u64;
        loop {
            let next_arr = self.arrivals.next.map_or(u64::MAX, |r| r.arrival_ns);
            let next_ev = match self.state {
                State::Busy => self.step_end_ns,
                State::Starting => self.ready_ns,
                State::Idle | State::Off => u64::MAX,
            };
            let now = next_arr.min(next_ev);
            if now > until {
                break;
            }
            events += 1;
            if events.is_multiple_of(EVENTS_PER_CHECK) {
                self.report(now, cx)?;
                let total = cx.events.fetch_add(EVENTS_PER_CHECK, Ordering::Relaxed) + EVENTS_PER_CHECK;
                if total > cx.event_limit {
                    return Err(SimError::EventLimit {
                        events: total,
                        limit: cx.event_limit,
                    });
                }
            }
            if next_arr <= next_ev {
                if let Some(r) = self.arrivals.next {
                    self.arrivals.advance();
                    self.accept(r, cx, t);
                }
                if self.state == State::Idle {
                    self.start_step(now, until, cx, t);
                }
            } else if self.state == State::Starting {
                self.warm(now);
                self.start_step(now, until, cx, t);
            } else {
                self.end_step(now, cx, t);
                self.start_step(now, until, cx, t);
            }
        }
        t.events += events;
        self.report(until.min(cx.end_ns), cx)
    }

    /// Add the time simulated since the last report to the progress bar and
    /// check for cancel.
    fn report(&mut self, now: u64, cx: &Cx) -> Result<(), SimError> {
        if cx.progress.is_cancelled() {
            return Err(SimError::Cancelled);
        }
        let d = now.saturating_sub(self.reported_ns);
        self.reported_ns = self.reported_ns.max(now);
        let done = cx.advanced_ns.fetch_add(d, Ordering::Relaxed) + d;
        cx.progress.set_fraction(done as f64 / cx.total_ns);
        Ok(())
    }

    /// The step in flight ended at `now`: finish sequences, move completed
    /// prefills to decode.
    fn end_step(&mut self, now: u64, cx: &Cx, t: &mut Tally) {
        t.tokens += self.step_tokens;
        t.series.add_tokens(self.first_end_ns, self.first_tokens);
        self.step_tokens = 0;
        match &cx.costs[self.pool] {
            StepCost::Llm(_) => {
                // Steps this event stood for (> 1 after a multi-step
                // advance; nobody finished before the last).
                let advanced = std::mem::replace(&mut self.pending_steps, 1);
                if self.b > 0 {
                    self.k += advanced;
                }
                while let Some(&Reverse(packed)) = self.decoding.peek() {
                    let (finish_k, slot) = (packed >> 32, packed as u32);
                    if finish_k > self.k {
                        break;
                    }
                    self.decoding.pop();
                    self.free.push(slot);
                    let d = self.slots[slot as usize];
                    self.s -= (d.prompt as i64 + 1) - d.k_enter as i64;
                    self.b -= 1;
                    self.kv_reserved -= (d.prompt + d.output) as u64;
                    t.finish(&cx.targets, d.arrival_ns, d.first_ns, now, d.output);
                }
                for _ in 0..self.completing {
                    let Some(p) = self.prefilling.pop_front() else { break };
                    if p.output <= 1 {
                        self.kv_reserved -= (p.prompt + p.output) as u64;
                        t.finish(&cx.targets, p.arrival_ns, now, now, p.output);
                        continue;
                    }
                    let d = Dec {
                        arrival_ns: p.arrival_ns,
                        first_ns: now,
                        prompt: p.prompt,
                        output: p.output,
                        k_enter: self.k,
                    };
                    let slot = match self.free.pop() {
                        Some(i) => {
                            self.slots[i as usize] = d;
                            i
                        }
                        None => {
                            self.slots.push(d);
                            (self.slots.len() - 1) as u32
                        }
                    };
                    self.decoding
                        .push(Reverse(((self.k + p.output as u64 - 1) << 32) | slot as u64));
                    self.s += (p.prompt as i64 + 1) - self.k as i64;
                    self.b += 1;
                }
                self.completing = 0;
            }
            StepCost::PerSample(_) => {
                for &a in &self.batch {
                    t.finish(&cx.targets, a, now, now, 1);
                }
                self.batch.clear();
            }
        }
        self.state = State::Idle;
        self.idle_since = now;
    }

    /// Start the next step at `now` if there is work; else stay idle.
    /// Decode-only steps are merged up to `horizon` (the next moment the
    /// replica's traffic may change).
    fn start_step(&mut self, now: u64, horizon: u64, cx: &Cx, t: &mut Tally) {
        self.integrate_queue(now, t);
        let started = match &cx.costs[self.pool] {
            StepCost::Llm(c) => self.start_llm_step(c, &mut t.rejected),
            StepCost::PerSample(c) => self.start_sample_step(c),
        };
        let Some((dt, compute_bound)) = started else {
            self.state = State::Idle;
            return;
        };
        let mut dt_ns = ceil_ns(dt);
        self.first_end_ns = now + dt_ns;
        self.first_tokens = self.step_tokens;
        self.state = State::Busy;
        t.steps += 1;
        t.compute_steps += compute_bound as u64;
        if cx.multi_step
            && self.prefilling.is_empty()
            && self.queue.is_empty()
            && self.b > 0
            && let StepCost::Llm(c) = &cx.costs[self.pool]
        {
            let next_arrival = self.arrivals.next.map_or(u64::MAX, |q| q.arrival_ns);
            let limit = horizon.min(cx.end_ns);
            let mut step_end = now + dt_ns;
            let mut k = self.k + 1;
            loop {
                // The step ending at `k` completes someone, or an arrival
                // could be queued by then: stop.
                let completes = self.decoding.peek().is_some_and(|&Reverse(f)| f >> 32 <= k);
                if completes || step_end >= next_arrival || step_end >= limit {
                    break;
                }
                let ctx = (self.s + self.b as i64 * k as i64).max(0) as f64;
                let st = c.step(self.b, ctx, 0, 0.0);
                let d_ns = ceil_ns(st.seconds);
                if step_end + d_ns > cx.end_ns {
                    break;
                }
                t.steps += 1;
                t.compute_steps += (st.compute_s >= st.memory_s) as u64;
                self.step_tokens += self.b as u64;
                self.pending_steps += 1;
                step_end += d_ns;
                t.series.add_tokens(step_end, self.b as u64);
                dt_ns += d_ns;
                k += 1;
            }
        }
        self.step_end_ns = now + dt_ns;
        // Busy time counts up to the end of the period (a step still
        // running then is cut there, as the replica's up time is).
        let busy_end = self.step_end_ns.min(cx.end_ns);
        self.busy_ns += busy_end.saturating_sub(now);
        if now != self.busy_to {
            t.series.integrate(Which::Busy, self.busy_from, self.busy_to, 1.0);
            self.busy_from = now;
        }
        self.busy_to = busy_end.max(now);
    }

    /// Admit from the queue, plan decode + chunked prefill, return the
    /// step's time and whether compute bound it.
    fn start_llm_step(&mut self, c: &LlmCost, rejected: &mut u64) -> Option<(f64, bool)> {
        let cap = c.kv_capacity_tokens as u64;
        while let Some(q) = self.queue.front().copied() {
            let need = (q.prompt + q.output) as u64;
            if need > cap {
                self.queue.pop_front();
                *rejected += 1;
                continue;
            }
            if self.b as usize + self.prefilling.len() >= c.max_seqs as usize || self.kv_reserved + need > cap {
                break;
            }
            self.queue.pop_front();
            self.kv_reserved += need;
            self.prefilling.push_back(Pre {
                arrival_ns: q.arrival_ns,
                prompt: q.prompt,
                output: q.output,
                done: 0,
            });
        }
        let mut budget = c.max_tokens_per_step.saturating_sub(self.b).max(1);
        let (mut pf, mut ctx_sum) = (0u64, 0.0);
        self.completing = 0;
        let mut prefix = true;
        for p in self.prefilling.iter_mut() {
            if budget == 0 {
                break;
            }
            let take = (p.prompt - p.done).min(budget);
            ctx_sum += take as f64 * (p.done as f64 + take as f64 / 2.0);
            p.done += take;
            pf += take as u64;
            budget -= take;
            if p.done == p.prompt && prefix {
                self.completing += 1;
            } else {
                prefix = false;
            }
        }
        if self.b == 0 && pf == 0 {
            return None;
        }
        let decode_ctx = (self.s + self.b as i64 * self.k as i64).max(0) as f64;
        let avg_ctx = if pf > 0 { ctx_sum / pf as f64 } else { 0.0 };
        let st = c.step(self.b, decode_ctx, pf as u32, avg_ctx);
        self.step_tokens = self.b as u64 + self.completing as u64;
        Some((st.seconds, st.compute_s >= st.memory_s))
    }

    fn start_sample_step(&mut self, c: &SampleCost) -> Option<(f64, bool)> {
        while self.batch.len() < c.max_batch as usize {
            let Some(q) = self.queue.pop_front() else { break };
            self.batch.push(q.arrival_ns);
        }
        if self.batch.is_empty() {
            return None;
        }
        Some((c.batch_time(self.batch.len() as u32), true))
    }
}

/// A step time in whole ns, rounded up, at least 1 (`f64::ceil` is a libm
/// call on baseline x86-64; this runs once per step).
fn ceil_ns(seconds: f64) -> u64 {
    // Through i64 (one instruction each way); negative or NaN times give 1.
    let x = seconds * 1e9;
    let i = x as i64;
    (if (i as f64) < x { i + 1 } else { i }).max(1) as u64
}
