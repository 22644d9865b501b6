//! A log-bucketed latency histogram: bounded memory for millions of requests,
//! percentiles within 0.25 % relative error.

use serde::{Deserialize, Serialize};

const MIN_S: f64 = 1e-6;
const DECADES: usize = 12;
const PER_DECADE: usize = 400;
const BINS: usize = DECADES * PER_DECADE;

#[derive(Clone, Debug)]
pub struct Hist {
    bins: Vec<u64>,
    n: u64,
    sum: f64,
    max: f64,
}

impl Default for Hist {
    fn default() -> Self {
        Hist {
            bins: vec![0; BINS + 2],
            n: 0,
            sum: 0.0,
            max: 0.0,
        }
    }
}

/// p50 / p90 / p99 and the mean of a latency, seconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Percentiles {
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub mean: f64,
    pub max: f64,
}

impl Hist {
    pub fn add(&mut self, v: f64) {
        let v = if v.is_finite() { v.max(0.0) } else { 0.0 };
        let idx = if v < MIN_S {
            0
        } else {
            (((v / MIN_S).log10() * PER_DECADE as f64) as usize + 1).min(BINS + 1)
        };
        self.bins[idx] += 1;
        self.n += 1;
        self.sum += v;
        self.max = self.max.max(v);
    }
    pub fn count(&self) -> u64 {
        self.n
    }
    /// The value below which a fraction `q` of samples lie.
    pub fn quantile(&self, q: f64) -> f64 {
        if self.n == 0 {
            return 0.0;
        }
        let target = (q.clamp(0.0, 1.0) * self.n as f64).ceil().max(1.0) as u64;
        let mut seen = 0;
        for (i, &c) in self.bins.iter().enumerate() {
            seen += c;
            if seen >= target {
                if i == 0 {
                    return 0.0;
                }
                // Geometric middle of the bin.
                let lo = MIN_S * 10f64.powf((i - 1) as f64 / PER_DECADE as f64);
                let hi = MIN_S * 10f64.powf(i as f64 / PER_DECADE as f64);
                return (lo * hi).sqrt().min(self.max);
            }
        }
        self.max
    }
    /// Fraction of samples ≤ `v`.
    pub fn fraction_below(&self, v: f64) -> f64 {
        if self.n == 0 {
            return 0.0;
        }
        let idx = if v < MIN_S {
            0
        } else {
            (((v / MIN_S).log10() * PER_DECADE as f64) as usize + 1).min(BINS + 1)
        };
        self.bins[..=idx].iter().sum::<u64>() as f64 / self.n as f64
    }
    pub fn percentiles(&self) -> Percentiles {
        Percentiles {
            p50: self.quantile(0.5),
            p90: self.quantile(0.9),
            p99: self.quantile(0.99),
            mean: if self.n > 0 { self.sum / self.n as f64 } else { 0.0 },
            max: self.max,
        }
    }
    /// Cumulative distribution as (value, fraction) points for plotting.
    pub fn cdf(&self, points: usize) -> Vec<(f64, f64)> {
        (1..=points.max(1))
            .map(|i| {
                let q = i as f64 / points.max(1) as f64;
                (self.quantile(q), q)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_are_accurate() {
        let mut h = Hist::default();
        for i in 1..=10_000 {
            h.add(i as f64 * 1e-3);
        }
        let p = h.percentiles();
        assert!((p.p50 / 5.0 - 1.0).abs() < 0.005, "{}", p.p50);
        assert!((p.p99 / 9.9 - 1.0).abs() < 0.005, "{}", p.p99);
        assert!((p.mean - 5.0005).abs() < 1e-9);
        assert!((h.fraction_below(2.0) - 0.2).abs() < 0.002);
        assert_eq!(Hist::default().quantile(0.5), 0.0);
    }
}
