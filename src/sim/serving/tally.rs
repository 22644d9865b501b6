//! What a group of replicas counts during a serving run: latency histograms,
//! request and token counters, time series. Groups run on different threads;
//! their tallies are merged in group order, so a result does not depend on
//! how many threads ran it.

use super::hist::Hist;

/// Time series over the period, `width` seconds per bucket. Values are
/// integrals over each bucket (divided by the width when reported).
/// Intervals come in integer ns; bucket indices use a precomputed inverse
/// width (a multiply, not a divide: this runs once per batch step).
#[derive(Clone, Debug, Default)]
pub(super) struct Series {
    pub width: f64,
    /// Buckets per ns.
    per_ns: f64,
    pub queue: Vec<f64>,
    pub busy: Vec<f64>,
    pub up: Vec<f64>,
    /// Output tokens (LLM) or samples (classic models) finished per bucket.
    pub tokens: Vec<f64>,
}

/// Which series an interval goes into.
#[derive(Clone, Copy, Debug)]
pub(super) enum Which {
    Queue,
    Busy,
    Up,
}

impl Series {
    pub fn new(duration_s: f64, buckets: usize) -> Series {
        let width = duration_s / buckets as f64;
        Series {
            width,
            per_ns: if width > 0.0 && width.is_finite() {
                1e-9 / width
            } else {
                0.0
            },
            queue: vec![0.0; buckets],
            busy: vec![0.0; buckets],
            up: vec![0.0; buckets],
            tokens: vec![0.0; buckets],
        }
    }

    fn bucket(&self, t_ns: u64) -> usize {
        ((ns_f64(t_ns) * self.per_ns) as usize).min(self.tokens.len().saturating_sub(1))
    }

    /// Count `tokens` finished at `t_ns` in its bucket.
    pub fn add_tokens(&mut self, t_ns: u64, tokens: u64) {
        if tokens == 0 || self.tokens.is_empty() {
            return;
        }
        let i = self.bucket(t_ns);
        self.tokens[i] += tokens as f64;
    }

    /// Add `value × (b − a)` (seconds) over [a, b) ns into `which`.
    pub fn integrate(&mut self, which: Which, a: u64, b: u64, value: f64) {
        if value == 0.0 || b <= a || self.tokens.is_empty() {
            return;
        }
        let (i0, i1) = (self.bucket(a), self.bucket(b));
        let width_ns = self.width * 1e9;
        let last = self.tokens.len() - 1;
        let v = match which {
            Which::Queue => &mut self.queue,
            Which::Busy => &mut self.busy,
            Which::Up => &mut self.up,
        };
        if i0 == i1 {
            v[i0] += value * (b - a) as f64 * 1e-9;
            return;
        }
        let (a, b) = (a as f64, b as f64);
        for (i, slot) in v.iter_mut().enumerate().take(i1 + 1).skip(i0) {
            let lo = a.max(i as f64 * width_ns);
            let hi = if i == last { b } else { b.min((i + 1) as f64 * width_ns) };
            if hi > lo {
                *slot += value * (hi - lo) * 1e-9;
            }
        }
    }

    fn merge(&mut self, o: &Series) {
        for (a, b) in [
            (&mut self.queue, &o.queue),
            (&mut self.busy, &o.busy),
            (&mut self.up, &o.up),
            (&mut self.tokens, &o.tokens),
        ] {
            for (x, y) in a.iter_mut().zip(b) {
                *x += y;
            }
        }
    }
}

/// ns as f64 through i64: one instruction on x86-64 (u64 to f64 takes
/// several); simulated times stay far below 2^63 ns.
#[inline]
pub(super) fn ns_f64(t_ns: u64) -> f64 {
    t_ns as i64 as f64
}

/// Latency targets and the network round trip every request pays.
#[derive(Clone, Copy, Debug)]
pub(super) struct Targets {
    pub rtt_ns: u64,
    pub ttft_slo_s: f64,
    pub tpot_slo_s: f64,
}

#[derive(Clone, Debug, Default)]
pub(super) struct Tally {
    pub ttft: Hist,
    pub tpot: Hist,
    pub e2e: Hist,
    pub arrived: u64,
    pub completed: u64,
    pub rejected: u64,
    pub slo_ok: u64,
    /// Output tokens generated (LLMs).
    pub tokens: u64,
    pub steps: u64,
    pub compute_steps: u64,
    pub events: u64,
    pub series: Series,
}

impl Tally {
    pub fn new(duration_s: f64, buckets: usize) -> Tally {
        Tally {
            series: Series::new(duration_s, buckets),
            ..Tally::default()
        }
    }

    /// Record a request that arrived at `arrival`, got its first token at
    /// `first` and its last at `done` (ns), `output` tokens long.
    pub fn finish(&mut self, t: &Targets, arrival: u64, first: u64, done: u64, output: u32) {
        let a = ns_f64(first - arrival + t.rtt_ns) * 1e-9;
        let e = ns_f64(done - arrival + t.rtt_ns) * 1e-9;
        let p = if output > 1 {
            ns_f64(done - first) * 1e-9 / (output - 1) as f64
        } else {
            0.0
        };
        self.ttft.add(a);
        self.e2e.add(e);
        if output > 1 {
            self.tpot.add(p);
        }
        self.completed += 1;
        self.slo_ok += (a <= t.ttft_slo_s && p <= t.tpot_slo_s) as u64;
    }

    pub fn merge(&mut self, o: &Tally) {
        self.ttft.merge(&o.ttft);
        self.tpot.merge(&o.tpot);
        self.e2e.merge(&o.e2e);
        self.arrived += o.arrived;
        self.completed += o.completed;
        self.rejected += o.rejected;
        self.slo_ok += o.slo_ok;
        self.tokens += o.tokens;
        self.steps += o.steps;
        self.compute_steps += o.compute_steps;
        self.events += o.events;
        self.series.merge(&o.series);
    }
}
