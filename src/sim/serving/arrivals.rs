//! Request arrivals from the seeded RNG: Poisson, on/off bursts and a 24-hour
//! diurnal sinusoid (non-homogeneous Poisson by thinning), with lognormal
//! prompt and output lengths.

use crate::model::{Arrival, LengthDist};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Exp1, StandardNormal};

/// Period of the on/off burst cycle, seconds. A minute-scale cycle is what
/// autoscalers react to (Knative's stable window is 60 s). Modelling choice.
pub const BURST_PERIOD_S: f64 = 60.0;
pub const DAY_S: f64 = 86_400.0;

/// A lognormal length with the given mean and coefficient of variation.
#[derive(Clone, Copy, Debug)]
pub struct Lengths {
    mu: f64,
    sigma: f64,
    fixed: Option<u32>,
}

impl Lengths {
    pub fn new(d: LengthDist) -> Lengths {
        let mean = if d.mean.is_finite() { d.mean.max(1.0) } else { 1.0 };
        if !(d.cv > 0.0 && d.cv.is_finite()) {
            return Lengths {
                mu: 0.0,
                sigma: 0.0,
                fixed: Some(mean.round().clamp(1.0, 1e7) as u32),
            };
        }
        let s2 = (1.0 + d.cv * d.cv).ln();
        Lengths {
            mu: mean.ln() - s2 / 2.0,
            sigma: s2.sqrt(),
            fixed: None,
        }
    }
    pub fn sample(&self, rng: &mut ChaCha8Rng) -> u32 {
        match self.fixed {
            Some(v) => v,
            None => {
                let z: f64 = StandardNormal.sample(rng);
                // `x + 0.5` truncated is `x.round()` for x ≥ 0 without the
                // libm call (this runs twice per request).
                (((self.mu + self.sigma * z).exp() + 0.5) as u32).clamp(1, 10_000_000)
            }
        }
    }
}

/// Instantaneous rate of an arrival pattern with mean `mean` at time `t`.
pub fn rate_at(pattern: Arrival, mean: f64, t: f64) -> f64 {
    match pattern {
        Arrival::Poisson => mean,
        Arrival::Bursty { factor, on_fraction } => {
            let (f, on) = burst_params(factor, on_fraction);
            let phase = (t / BURST_PERIOD_S).fract();
            if phase < on {
                mean * f
            } else {
                mean * (1.0 - f * on).max(0.0) / (1.0 - on)
            }
        }
        Arrival::Diurnal { peak_to_trough } => {
            let a = diurnal_amplitude(peak_to_trough);
            // Trough at midnight (t = 0), peak at noon.
            mean * (1.0 - a * (2.0 * std::f64::consts::PI * t / DAY_S).cos())
        }
    }
}

fn burst_params(factor: f64, on_fraction: f64) -> (f64, f64) {
    let on = if on_fraction.is_finite() {
        on_fraction.clamp(0.01, 0.99)
    } else {
        0.5
    };
    // The on phase cannot carry more than the whole mean.
    let f = if factor.is_finite() {
        factor.clamp(1.0, 1.0 / on)
    } else {
        1.0
    };
    (f, on)
}

fn diurnal_amplitude(r: f64) -> f64 {
    let r = if r.is_finite() { r.max(1.0) } else { 1.0 };
    (r - 1.0) / (r + 1.0)
}

fn peak_rate(pattern: Arrival, mean: f64) -> f64 {
    match pattern {
        Arrival::Poisson => mean,
        Arrival::Bursty { factor, on_fraction } => {
            let (f, on) = burst_params(factor, on_fraction);
            mean * f.max((1.0 - f * on).max(0.0) / (1.0 - on))
        }
        Arrival::Diurnal { peak_to_trough } => mean * (1.0 + diurnal_amplitude(peak_to_trough)),
    }
}

/// One request.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Request {
    pub arrival_ns: u64,
    pub prompt: u32,
    pub output: u32,
}

/// Generates requests in time order, lazily.
pub struct ArrivalGen {
    rng: ChaCha8Rng,
    pattern: Arrival,
    mean: f64,
    peak: f64,
    t: f64,
    end: f64,
    prompt: Lengths,
    output: Lengths,
    pub next: Option<Request>,
}

impl ArrivalGen {
    pub fn new(seed: u64, pattern: Arrival, mean_rps: f64, prompt: LengthDist, output: LengthDist, end_s: f64) -> Self {
        Self::with_stream(seed, 0, pattern, mean_rps, prompt, output, end_s)
    }

    /// As [`ArrivalGen::new`] on ChaCha stream `stream` of the seed: each
    /// replica draws its own arrivals, independent of the others.
    pub fn with_stream(
        seed: u64,
        stream: u64,
        pattern: Arrival,
        mean_rps: f64,
        prompt: LengthDist,
        output: LengthDist,
        end_s: f64,
    ) -> Self {
        let mean = if mean_rps.is_finite() { mean_rps.max(0.0) } else { 0.0 };
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(stream);
        let mut g = ArrivalGen {
            rng,
            pattern,
            mean,
            peak: peak_rate(pattern, mean),
            t: 0.0,
            end: end_s,
            prompt: Lengths::new(prompt),
            output: Lengths::new(output),
            next: None,
        };
        g.advance();
        g
    }

    /// From time `t_s` on, draw arrivals at mean rate `mean_rps` (the
    /// pattern's shape is kept). The pending arrival is dropped and drawn
    /// again from `t_s`: arrivals are Poisson (memoryless), so the stream
    /// keeps its distribution.
    pub fn restart(&mut self, t_s: f64, mean_rps: f64) {
        self.mean = if mean_rps.is_finite() { mean_rps.max(0.0) } else { 0.0 };
        self.peak = peak_rate(self.pattern, self.mean);
        self.t = t_s;
        self.advance();
    }

    /// Draw the next request into `self.next` (None after the end).
    pub fn advance(&mut self) {
        self.next = None;
        if self.peak <= 0.0 {
            return;
        }
        loop {
            let e: f64 = Exp1.sample(&mut self.rng);
            self.t += e / self.peak;
            if self.t >= self.end {
                return;
            }
            let accept = match self.pattern {
                Arrival::Poisson => true,
                _ => self.rng.random::<f64>() * self.peak <= rate_at(self.pattern, self.mean, self.t),
            };
            if accept {
                break;
            }
        }
        let prompt = self.prompt.sample(&mut self.rng);
        let output = self.output.sample(&mut self.rng);
        self.next = Some(Request {
            arrival_ns: (self.t * 1e9) as u64,
            prompt,
            output,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(pattern: Arrival, from: f64, to: f64, seed: u64) -> (usize, f64, f64) {
        let d = LengthDist { mean: 500.0, cv: 1.0 };
        let mut g = ArrivalGen::new(seed, pattern, 100.0, d, d, to);
        let (mut n, mut sum, mut sq) = (0usize, 0.0, 0.0);
        while let Some(r) = g.next {
            if r.arrival_ns as f64 / 1e9 >= from {
                n += 1;
                sum += r.prompt as f64;
                sq += (r.prompt as f64).powi(2);
            }
            g.advance();
        }
        (n, sum, sq)
    }

    #[test]
    fn poisson_rate_and_lognormal_moments() {
        let (n, sum, sq) = count(Arrival::Poisson, 0.0, 1000.0, 7);
        let rate = n as f64 / 1000.0;
        assert!((rate - 100.0).abs() < 2.0, "rate {rate}");
        let mean = sum / n as f64;
        let cv = (sq / n as f64 - mean * mean).sqrt() / mean;
        assert!((mean - 500.0).abs() < 15.0, "mean {mean}");
        assert!((cv - 1.0).abs() < 0.1, "cv {cv}");
        // Deterministic for a seed, different across seeds.
        assert_eq!(
            count(Arrival::Poisson, 0.0, 50.0, 7),
            count(Arrival::Poisson, 0.0, 50.0, 7)
        );
        assert_ne!(
            count(Arrival::Poisson, 0.0, 50.0, 7),
            count(Arrival::Poisson, 0.0, 50.0, 8)
        );
    }

    #[test]
    fn bursts_and_diurnal_keep_the_mean_and_shape_the_rate() {
        let b = Arrival::Bursty {
            factor: 4.0,
            on_fraction: 0.2,
        };
        let (n, _, _) = count(b, 0.0, 600.0, 1);
        assert!((n as f64 / 600.0 - 100.0).abs() < 4.0);
        // 12 s on at 400 rps, then 48 s at 25 rps.
        assert!((rate_at(b, 100.0, 5.0) - 400.0).abs() < 1e-9);
        assert!((rate_at(b, 100.0, 30.0) - 25.0).abs() < 1e-9);
        let d = Arrival::Diurnal { peak_to_trough: 3.0 };
        assert!((rate_at(d, 100.0, 0.0) - 50.0).abs() < 1e-9);
        assert!((rate_at(d, 100.0, 43_200.0) - 150.0).abs() < 1e-9);
    }
}
