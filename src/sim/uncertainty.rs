//! How sure each figure is: a seeded Monte-Carlo run over the catalog's
//! ranges (prices "25–30k", calibrations such as large-GEMM efficiency and
//! the interruption rate per GPU-hour), reporting P10/P50/P90 of time, cost
//! and the own-vs-rent break-even.
//!
//! Each sample draws every uncertain input from a triangular distribution
//! (low, catalog value, high) — the catalog value stays the most likely one,
//! and a range stated as "from … to …" bounds it — then simulates the whole
//! plan with its own seed, so the sim's own randomness (failure arrival
//! times, request arrivals) is sampled too. Samples are independent and run
//! in parallel (rayon); results are collected in sample order, so the same
//! seed always gives the same bands.

use super::metrics::MetricKey;
use super::{Progress, Results, SimError, simulate};
use crate::model::{Catalog, Plan, StageId};
use rand::SeedableRng;
use rand_distr::{Distribution, Triangular};
use rayon::prelude::*;
use serde::Serialize;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Most samples one run takes: 10,000 × a preset's run is minutes, more
/// adds nothing to a P10/P90.
pub const MAX_SAMPLES: u32 = 10_000;

/// One input drawn per sample.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct UncertainInput {
    /// Catalog id (prices) or calibration key.
    pub what: String,
    /// "price" or "calibration".
    pub kind: &'static str,
    pub low: f64,
    pub nominal: f64,
    pub high: f64,
    /// Unit of the three figures ("USD", "USD/h", "" for a factor).
    pub unit: &'static str,
}

/// What a band is of.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct BandKey {
    /// `None` for a plan-level figure.
    pub stage: Option<StageId>,
    pub metric: MetricKey,
}

/// P10/P50/P90 of one figure over the samples that have it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Band {
    pub key: BandKey,
    pub p10: f64,
    pub p50: f64,
    pub p90: f64,
    /// The figure of the deterministic run (catalog values, plan seed).
    pub nominal: Option<f64>,
    /// Samples that had the figure (e.g. a break-even within reach).
    pub samples: usize,
}

/// The result of an uncertainty run.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Uncertainty {
    pub samples: u32,
    pub seed: u64,
    /// The inputs that were varied (those the plan uses, and every
    /// calibration with a range).
    pub inputs: Vec<UncertainInput>,
    pub bands: Vec<Band>,
    /// Samples that failed to simulate (none for a plan that simulates).
    pub failed: usize,
}

impl Band {
    /// "Total cost" or "Pretrain: Time to train" (the stage's name).
    pub fn label(&self, plan: &Plan) -> String {
        match &self.key.stage {
            None => self.key.metric.label().to_owned(),
            Some(id) => {
                let name = plan.stage(id).map(|s| s.name.as_str()).unwrap_or(id.as_str());
                format!("{name}: {}", self.key.metric.label())
            }
        }
    }
}

impl Uncertainty {
    pub fn band(&self, stage: Option<&StageId>, metric: MetricKey) -> Option<&Band> {
        self.bands
            .iter()
            .find(|b| b.key.metric == metric && b.key.stage.as_ref() == stage)
    }
    /// "200 samples over 7 uncertain inputs (seed 42)".
    pub fn summary(&self) -> String {
        format!(
            "{} over {} (seed {})",
            crate::format::plural(self.samples as usize, "sample", "samples"),
            crate::format::plural(self.inputs.len(), "uncertain input", "uncertain inputs"),
            self.seed
        )
    }
}

/// The catalog inputs with a range that a run of `plan` depends on.
pub fn uncertain_inputs(plan: &Plan, catalog: &Catalog) -> Vec<UncertainInput> {
    let used: std::collections::BTreeSet<&str> = plan.nodes.iter().map(|n| n.model.as_str()).collect();
    let mut out: Vec<UncertainInput> = catalog
        .priced_entries()
        .into_iter()
        .filter(|e| used.contains(e.id))
        .filter_map(|e| {
            let (low, high) = e.price_ref?.range?;
            Some(UncertainInput {
                what: e.id.to_owned(),
                kind: "price",
                low,
                nominal: e.price.usd(),
                high,
                unit: e.price.unit(),
            })
        })
        .collect();
    out.extend(catalog.calibration.iter().filter_map(|c| {
        let (low, high) = c.range?;
        Some(UncertainInput {
            what: c.key.clone(),
            kind: "calibration",
            low,
            nominal: c.value,
            high,
            unit: "",
        })
    }));
    // A range that does not hold its value cannot be sampled around it.
    out.retain(|i| {
        i.low.is_finite() && i.high.is_finite() && i.low <= i.nominal && i.nominal <= i.high && i.low < i.high
    });
    out
}

/// The catalog of one sample: every input drawn from Triangular(low,
/// nominal, high); prices scale all of their entry's price fields together.
fn sample_catalog(catalog: &Catalog, inputs: &[UncertainInput], rng: &mut rand_chacha::ChaCha8Rng) -> Catalog {
    let mut c = catalog.clone();
    for i in inputs {
        let v = match Triangular::new(i.low, i.high, i.nominal) {
            Ok(t) => t.sample(rng),
            Err(_) => i.nominal,
        };
        match i.kind {
            "price" if i.nominal > 0.0 => c.scale_price(&i.what, v / i.nominal),
            _ => {
                if let Some(k) = c.calibration.iter_mut().find(|k| k.key == i.what) {
                    k.value = v;
                }
            }
        }
    }
    c
}

/// The figures a band is made of, from one run.
fn figures_of(results: &Results) -> Vec<(BandKey, f64)> {
    let mut out = vec![(
        BandKey {
            stage: None,
            metric: MetricKey::PlanCost,
        },
        results.cost.total_usd,
    )];
    if let Some(m) = results.makespan_s() {
        out.push((
            BandKey {
                stage: None,
                metric: MetricKey::Makespan,
            },
            m,
        ));
    }
    if let Some(be) = results.tco.as_ref().and_then(|t| t.break_even_months) {
        out.push((
            BandKey {
                stage: None,
                metric: MetricKey::BreakEvenMonths,
            },
            be,
        ));
    }
    for w in &results.workloads {
        let stage = Some(StageId::new(w.id.clone()));
        for m in [
            MetricKey::TimeToTrain,
            MetricKey::Duration,
            MetricKey::Cost,
            MetricKey::CostPerMillionTokens,
        ] {
            if let Some(v) = w.metric(m).filter(|v| v.is_finite()) {
                out.push((
                    BandKey {
                        stage: stage.clone(),
                        metric: m,
                    },
                    v,
                ));
            }
        }
    }
    out
}

/// Linear interpolation between order statistics (Hyndman & Fan type 7,
/// numpy's default) of sorted `v` at `q` in 0..=1.
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let h = (sorted.len() - 1) as f64 * q.clamp(0.0, 1.0);
    let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// Run `samples` seeded samples of `plan`. `nominal` is the plan's ordinary
/// run (for the "nominal" column), if the caller has it. Progress is the
/// share of samples done; cancelling stops before the next sample.
pub fn run(
    plan: &Plan,
    catalog: &Catalog,
    samples: u32,
    seed: u64,
    nominal: Option<&Results>,
    progress: &Progress,
) -> Result<Uncertainty, SimError> {
    if samples == 0 || samples > MAX_SAMPLES {
        return Err(SimError::Invalid(format!(
            "uncertainty needs 1 to {MAX_SAMPLES} samples, not {samples}"
        )));
    }
    let inputs = uncertain_inputs(plan, catalog);
    let done = AtomicUsize::new(0);
    // Each sample keeps only its figures: N full results (series, events)
    // would hold gigabytes at the larger sample counts.
    let runs: Vec<Result<Vec<(BandKey, f64)>, SimError>> = (0..samples)
        .into_par_iter()
        .map(|i| {
            if progress.is_cancelled() {
                return Err(SimError::Cancelled);
            }
            // One stream per sample, from the seed and the sample's index:
            // the same sample draws the same inputs whatever the thread.
            let sample_seed = seed ^ (u64::from(i) + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(sample_seed);
            let c = sample_catalog(catalog, &inputs, &mut rng);
            let r = simulate(plan, &c, sample_seed, &Progress::new()).map(|r| figures_of(&r));
            let n = done.fetch_add(1, Ordering::Relaxed) + 1;
            progress.set_fraction(n as f64 / f64::from(samples));
            r
        })
        .collect();
    if progress.is_cancelled() {
        return Err(SimError::Cancelled);
    }
    let failed = runs.iter().filter(|r| r.is_err()).count();
    if failed == runs.len() {
        // Every sample failed: the plan itself does not simulate.
        if let Some(Err(e)) = runs.into_iter().next() {
            return Err(e);
        }
        return Err(SimError::Invalid("no sample simulated".into()));
    }
    // Bands in the order a run lists its figures: plan totals first, then
    // the stages in plan order.
    let mut values: Vec<(BandKey, Vec<f64>)> = Vec::new();
    for (k, v) in runs.into_iter().flatten().flatten() {
        if !v.is_finite() {
            continue;
        }
        match values.iter_mut().find(|(key, _)| *key == k) {
            Some((_, vs)) => vs.push(v),
            None => values.push((k, vec![v])),
        }
    }
    let nominal_figures = nominal.map(figures_of).unwrap_or_default();
    let bands = values
        .into_iter()
        .map(|(key, mut v)| {
            v.sort_by(f64::total_cmp);
            let nominal = nominal_figures.iter().find(|(k, _)| *k == key).map(|(_, v)| *v);
            Band {
                p10: quantile(&v, 0.1),
                p50: quantile(&v, 0.5),
                p90: quantile(&v, 0.9),
                samples: v.len(),
                nominal,
                key,
            }
        })
        .collect();
    Ok(Uncertainty {
        samples,
        seed,
        inputs,
        bands,
        failed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_interpolate_like_numpy() {
        let v = [1.0, 2.0, 3.0, 4.0, 5.0];
        assert_eq!(quantile(&v, 0.5), 3.0);
        assert!((quantile(&v, 0.1) - 1.4).abs() < 1e-12);
        assert!((quantile(&v, 0.9) - 4.6).abs() < 1e-12);
        assert_eq!(quantile(&[7.0], 0.9), 7.0);
        assert!(quantile(&[], 0.5).is_nan());
    }

    #[test]
    fn sampled_prices_stay_in_their_range_and_centre_on_the_catalog_value() {
        let c = Catalog::builtin();
        let input = UncertainInput {
            what: "dgx-h100".into(),
            kind: "price",
            low: 270_000.0,
            nominal: c.system("dgx-h100").unwrap().price_usd,
            high: 450_000.0,
            unit: "USD",
        };
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        let draws: Vec<f64> = (0..2000)
            .map(|_| {
                sample_catalog(&c, std::slice::from_ref(&input), &mut rng)
                    .system("dgx-h100")
                    .unwrap()
                    .price_usd
            })
            .collect();
        assert!(draws.iter().all(|p| (input.low..=input.high).contains(p)));
        // Triangular mean = (low + mode + high) / 3.
        let mean = draws.iter().sum::<f64>() / draws.len() as f64;
        let want = (input.low + input.nominal + input.high) / 3.0;
        assert!((mean / want - 1.0).abs() < 0.02, "{mean} vs {want}");
    }
}
