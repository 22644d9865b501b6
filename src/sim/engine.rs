//! The discrete-event engine: integer simulated time, a binary-heap event
//! queue with a sequence number so events at equal times run in the order
//! they were scheduled (determinism does not depend on heap internals), a
//! seeded RNG, limits and cooperative cancellation.
//!
//! Use: build a [`Simulation`] around a [`Model`], schedule the first events
//! through [`Simulation::scheduler`], then [`Simulation::step`],
//! [`Simulation::step_until`] or [`Simulation::run`].

use super::error::SimError;
use super::progress::Progress;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// Simulated time in integer nanoseconds. Integer time makes equal times
/// exactly equal (no float drift reordering events) and `u64` ns spans 584
/// years, far beyond any training run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimTime(pub u64);

impl SimTime {
    pub const ZERO: SimTime = SimTime(0);
    pub const MAX: SimTime = SimTime(u64::MAX);

    /// From seconds, rounded up to the next nanosecond so that an event
    /// derived from a duration never fires before the work it ends is done.
    /// Negative or NaN durations become 0; huge ones saturate.
    pub fn from_secs(s: f64) -> SimTime {
        if s.is_nan() || s <= 0.0 {
            return SimTime::ZERO;
        }
        let ns = s * 1e9;
        if ns >= u64::MAX as f64 {
            return SimTime::MAX;
        }
        // Round up without a libm call (this is on the hot path).
        let whole = ns as u64;
        SimTime(if (whole as f64) < ns { whole + 1 } else { whole })
    }
    pub fn as_secs(self) -> f64 {
        self.0 as f64 * 1e-9
    }
    pub fn saturating_add(self, d: SimTime) -> SimTime {
        SimTime(self.0.saturating_add(d.0))
    }
    pub fn saturating_sub(self, d: SimTime) -> SimTime {
        SimTime(self.0.saturating_sub(d.0))
    }
}

struct Entry<E> {
    time: SimTime,
    seq: u64,
    event: E,
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, o: &Self) -> bool {
        self.time == o.time && self.seq == o.seq
    }
}
impl<E> Eq for Entry<E> {}
impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl<E> Ord for Entry<E> {
    // BinaryHeap is a max-heap: reverse so the earliest (time, seq) pops first.
    fn cmp(&self, o: &Self) -> Ordering {
        (o.time.0, o.seq).cmp(&(self.time.0, self.seq))
    }
}

/// Pending events, earliest first; equal times in scheduling order.
pub struct EventQueue<E> {
    heap: BinaryHeap<Entry<E>>,
    seq: u64,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        Self {
            heap: BinaryHeap::new(),
            seq: 0,
        }
    }
}

impl<E> EventQueue<E> {
    pub fn push(&mut self, time: SimTime, event: E) {
        let seq = self.seq;
        self.seq += 1;
        self.heap.push(Entry { time, seq, event });
    }
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        self.heap.pop().map(|e| (e.time, e.event))
    }
    pub fn peek_time(&self) -> Option<SimTime> {
        self.heap.peek().map(|e| e.time)
    }
    pub fn len(&self) -> usize {
        self.heap.len()
    }
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }
}

/// What a model sees while handling an event: the clock, the queue and the RNG.
pub struct Scheduler<E> {
    now: SimTime,
    queue: EventQueue<E>,
    rng: ChaCha8Rng,
}

impl<E> Scheduler<E> {
    pub fn now(&self) -> SimTime {
        self.now
    }
    /// Schedule at an absolute time. A time in the past is clamped to now so
    /// time never runs backwards.
    pub fn at(&mut self, time: SimTime, event: E) {
        self.queue.push(time.max(self.now), event);
    }
    /// Schedule `delay` after now.
    pub fn after(&mut self, delay: SimTime, event: E) {
        self.queue.push(self.now.saturating_add(delay), event);
    }
    /// The run's random number generator (seeded; same seed, same stream).
    pub fn rng(&mut self) -> &mut ChaCha8Rng {
        &mut self.rng
    }
    pub fn pending(&self) -> usize {
        self.queue.len()
    }
}

/// A simulated system: reacts to its events by changing state and scheduling more.
pub trait Model {
    type Event;
    fn handle(&mut self, sched: &mut Scheduler<Self::Event>, event: Self::Event) -> Result<(), SimError>;
    /// Fraction of the work done, for the progress bar; `None` lets the
    /// engine estimate it from simulated time against the time limit.
    fn progress(&self, _now: SimTime) -> Option<f64> {
        None
    }
}

/// Bounds that end a run with an error instead of letting it run forever.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Limits {
    pub max_events: u64,
    pub max_time: SimTime,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            // 500 M events is minutes of wall time: beyond that a plan is
            // almost certainly modelled at the wrong granularity.
            max_events: 500_000_000,
            // Ten simulated years: longer than any training or serving horizon.
            max_time: SimTime::from_secs(10.0 * 365.0 * 86_400.0),
        }
    }
}

/// How often (in events) the engine publishes progress (the cancel flag is
/// read on every event).
const CHECK_EVERY: u64 = 1024;

pub struct Simulation<M: Model> {
    model: M,
    sched: Scheduler<M::Event>,
    limits: Limits,
    progress: Progress,
    events: u64,
}

impl<M: Model> Simulation<M> {
    pub fn new(model: M, seed: u64, limits: Limits, progress: Progress) -> Self {
        Self {
            model,
            sched: Scheduler {
                now: SimTime::ZERO,
                queue: EventQueue::default(),
                rng: ChaCha8Rng::seed_from_u64(seed),
            },
            limits,
            progress,
            events: 0,
        }
    }
    /// The scheduler, to seed initial events before stepping.
    pub fn scheduler(&mut self) -> &mut Scheduler<M::Event> {
        &mut self.sched
    }
    pub fn model(&self) -> &M {
        &self.model
    }
    pub fn into_model(self) -> M {
        self.model
    }
    pub fn now(&self) -> SimTime {
        self.sched.now
    }
    pub fn events(&self) -> u64 {
        self.events
    }
    pub fn progress(&self) -> &Progress {
        &self.progress
    }

    /// Run the next event. `Ok(false)` when no event is left.
    pub fn step(&mut self) -> Result<bool, SimError> {
        let Some(t) = self.sched.queue.peek_time() else {
            return Ok(false);
        };
        self.process_next(t)?;
        Ok(true)
    }

    fn process_next(&mut self, t: SimTime) -> Result<(), SimError> {
        if t > self.limits.max_time {
            return Err(SimError::TimeLimit {
                at_s: t.as_secs(),
                limit_s: self.limits.max_time.as_secs(),
            });
        }
        if self.events >= self.limits.max_events {
            return Err(SimError::EventLimit {
                events: self.events,
                limit: self.limits.max_events,
            });
        }
        // One relaxed load per event: a single slow event (a re-share of
        // many flows) must not delay a cancel by a whole batch.
        if self.progress.is_cancelled() {
            return Err(SimError::Cancelled);
        }
        if self.events.is_multiple_of(CHECK_EVERY) {
            self.publish()?;
        }
        let Some((time, ev)) = self.sched.queue.pop() else {
            return Ok(());
        };
        debug_assert!(time >= self.sched.now, "time went backwards");
        self.sched.now = time;
        self.events += 1;
        self.model.handle(&mut self.sched, ev)
    }

    fn publish(&mut self) -> Result<(), SimError> {
        if self.progress.is_cancelled() {
            return Err(SimError::Cancelled);
        }
        let f = self
            .model
            .progress(self.sched.now)
            .unwrap_or_else(|| self.sched.now.as_secs() / self.limits.max_time.as_secs().max(1e-12));
        self.progress.set_fraction(f);
        self.progress.set_events(self.events);
        Ok(())
    }

    /// Run every event up to and including `t`, then set the clock to `t`.
    pub fn step_until(&mut self, t: SimTime) -> Result<(), SimError> {
        while let Some(next) = self.sched.queue.peek_time() {
            if next > t {
                break;
            }
            self.process_next(next)?;
        }
        if t > self.sched.now {
            self.sched.now = t.min(self.limits.max_time);
        }
        Ok(())
    }

    /// Run until no event is left; returns the final time.
    pub fn run(&mut self) -> Result<SimTime, SimError> {
        while let Some(next) = self.sched.queue.peek_time() {
            self.process_next(next)?;
        }
        self.publish()?;
        self.progress.set_fraction(1.0);
        Ok(self.sched.now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    struct Recorder {
        seen: Vec<(SimTime, u32)>,
    }
    impl Model for Recorder {
        type Event = u32;
        fn handle(&mut self, s: &mut Scheduler<u32>, ev: u32) -> Result<(), SimError> {
            self.seen.push((s.now(), ev));
            Ok(())
        }
    }

    #[test]
    fn equal_times_run_in_scheduling_order() {
        let mut sim = Simulation::new(Recorder { seen: vec![] }, 1, Limits::default(), Progress::new());
        for i in 0..100 {
            sim.scheduler().at(SimTime(10 - (i % 3) as u64), i);
        }
        sim.run().unwrap();
        let seen = &sim.model().seen;
        for w in seen.windows(2) {
            assert!(w[0].0 < w[1].0 || (w[0].0 == w[1].0 && w[0].1 < w[1].1), "{w:?}");
        }
    }

    #[test]
    fn past_events_are_clamped_to_now() {
        let mut sim = Simulation::new(Recorder { seen: vec![] }, 1, Limits::default(), Progress::new());
        sim.scheduler().at(SimTime(50), 1);
        sim.step().unwrap();
        sim.scheduler().at(SimTime(10), 2);
        sim.run().unwrap();
        assert_eq!(sim.model().seen, vec![(SimTime(50), 1), (SimTime(50), 2)]);
    }

    struct Forever;
    impl Model for Forever {
        type Event = ();
        fn handle(&mut self, s: &mut Scheduler<()>, _: ()) -> Result<(), SimError> {
            let d = s.rng().random_range(1..1000);
            s.after(SimTime(d), ());
            Ok(())
        }
    }

    #[test]
    fn limits_end_runaway_runs() {
        let limits = Limits {
            max_events: 10_000,
            max_time: SimTime::MAX,
        };
        let mut sim = Simulation::new(Forever, 3, limits, Progress::new());
        sim.scheduler().at(SimTime::ZERO, ());
        assert!(matches!(sim.run(), Err(SimError::EventLimit { events: 10_000, .. })));

        let limits = Limits {
            max_events: u64::MAX,
            max_time: SimTime::from_secs(1e-3),
        };
        let mut sim = Simulation::new(Forever, 3, limits, Progress::new());
        sim.scheduler().at(SimTime::ZERO, ());
        assert!(matches!(sim.run(), Err(SimError::TimeLimit { .. })));
    }

    #[test]
    fn step_until_advances_clock() {
        let mut sim = Simulation::new(Recorder { seen: vec![] }, 1, Limits::default(), Progress::new());
        sim.scheduler().at(SimTime(5), 1);
        sim.scheduler().at(SimTime(15), 2);
        sim.step_until(SimTime(10)).unwrap();
        assert_eq!(sim.now(), SimTime(10));
        assert_eq!(sim.model().seen.len(), 1);
        assert!(sim.step().unwrap());
        assert!(!sim.step().unwrap());
    }

    #[test]
    fn from_secs_rounds_up_and_saturates() {
        assert_eq!(SimTime::from_secs(1.5e-9), SimTime(2));
        assert_eq!(SimTime::from_secs(-1.0), SimTime::ZERO);
        assert_eq!(SimTime::from_secs(f64::NAN), SimTime::ZERO);
        assert_eq!(SimTime::from_secs(1e30), SimTime::MAX);
    }
}
