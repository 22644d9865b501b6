//! Capacity search: the highest request rate a serving stage sustains within
//! its latency targets (the MLPerf "server" scenario's question, and what
//! Vidur's capacity search answers), and the constraint that binds just above.
//!
//! Method: the stage is simulated alone at trial rates — with the seed and
//! the discounted catalog the full run gives it, so the run at the rate found
//! is exactly what `simulate` reports when the stage is set to that rate. A
//! bracket is found first (the stage's own rate, then up by the replicas'
//! idle share or by doubling, or down by halving), then bisected on the log
//! of the rate until the passing and failing rates are within the tolerance.
//! A rate passes when every [`Check`] does.

use super::{ServingResult, simulate_serve_stage_limited};
use crate::model::{Catalog, Plan, ServeStage, StageId, StageKind};
use crate::sim::budget::Budget;
use crate::sim::metrics::MetricKey;
use crate::sim::run::{checked_catalog, stage_seed};
use crate::sim::{Progress, SimError};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Share of the arrived requests that may still be waiting or running at the
/// end of a passing run: the MLPerf server scenario requires the system to
/// keep up with the arrival rate, and a run that ends with 2 % of its
/// requests queued does not (the queue grows without bound).
pub const MAX_BACKLOG_SHARE: f64 = 0.02;
/// Share of the arrived requests that may be refused (longer than a
/// replica's KV cache, or a full queue) in a passing run: 0.1 %, the
/// complement of the 99.9th percentile MLPerf's strictest latency bounds use.
pub const MAX_REFUSED_SHARE: f64 = 0.001;
/// Default relative width of the final bracket: 0.5 %.
pub const DEFAULT_TOLERANCE: f64 = 0.005;
/// Trial runs before the search gives up finding a bracket.
const MAX_BRACKET_RUNS: u32 = 40;

/// What a serving run must meet at a sustainable rate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Constraint {
    /// Time to first token, 99th percentile, within the stage's target.
    TtftP99,
    /// Time per output token, 99th percentile, within the stage's target.
    TpotP99,
    /// The replicas keep up: at most [`MAX_BACKLOG_SHARE`] of the requests
    /// left waiting at the end.
    Backlog,
    /// At most [`MAX_REFUSED_SHARE`] of the requests refused.
    Refused,
}

impl Constraint {
    pub const ALL: [Constraint; 4] = [
        Constraint::TtftP99,
        Constraint::TpotP99,
        Constraint::Backlog,
        Constraint::Refused,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Constraint::TtftP99 => "TTFT p99",
            Constraint::TpotP99 => "TPOT p99",
            Constraint::Backlog => "requests left waiting",
            Constraint::Refused => "requests refused",
        }
    }

    /// What would raise the rate when this constraint binds.
    pub fn advice(self) -> &'static str {
        match self {
            Constraint::TtftP99 => {
                "queueing before the first token sets the limit: more replicas, chunked prefill or a faster \
                 prefill (compute) raise it"
            }
            Constraint::TpotP99 => {
                "decode steps slow down as the batch grows: fewer bytes per step (quantization), faster memory \
                 or more replicas raise it"
            }
            Constraint::Backlog => "the replicas cannot keep up with the arrivals: add replicas or faster devices",
            Constraint::Refused => {
                "requests are refused (longer than the KV cache, or the queue is full): more memory per replica \
                 (TP, quantization) or more replicas"
            }
        }
    }
}

/// One constraint measured on a run: `value` against `limit` (seconds for
/// the latencies, shares of the arrived requests for backlog and refusals).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Check {
    pub constraint: Constraint,
    pub value: f64,
    pub limit: f64,
}

impl Check {
    pub fn passes(&self) -> bool {
        self.value <= self.limit
    }

    /// How far past its limit the value is (> 1 fails), to rank failures.
    pub fn ratio(&self) -> f64 {
        if self.limit > 0.0 {
            self.value / self.limit
        } else if self.value > 0.0 {
            f64::INFINITY
        } else {
            0.0
        }
    }

    /// "TTFT p99 1.04 s (target ≤ 1.00 s)".
    pub fn describe(&self) -> String {
        let f = |v: f64| match self.constraint {
            Constraint::TtftP99 | Constraint::TpotP99 => crate::format::duration(v),
            Constraint::Backlog | Constraint::Refused => crate::format::percent(v),
        };
        format!(
            "{} {} (limit {})",
            self.constraint.label(),
            f(self.value),
            f(self.limit)
        )
    }
}

/// A request rate as every view shows it ("12.3 req/s").
fn rate(v: f64) -> String {
    crate::sim::metrics::MetricKey::MaxRateWithinSlo.format(v)
}

/// The constraints of stage `s` measured on run `r`.
pub fn checks(r: &ServingResult, s: &ServeStage) -> [Check; 4] {
    let arrived = r.requests_arrived.max(1) as f64;
    [
        Check {
            constraint: Constraint::TtftP99,
            value: r.ttft_s.p99,
            limit: s.ttft_slo_s,
        },
        Check {
            constraint: Constraint::TpotP99,
            value: r.tpot_s.p99,
            limit: s.tpot_slo_s,
        },
        Check {
            constraint: Constraint::Backlog,
            value: r.requests_unfinished as f64 / arrived,
            limit: MAX_BACKLOG_SHARE,
        },
        Check {
            constraint: Constraint::Refused,
            value: r.requests_rejected as f64 / arrived,
            limit: MAX_REFUSED_SHARE,
        },
    ]
}

/// True when run `r` meets every constraint of stage `s`.
pub fn meets_targets(r: &ServingResult, s: &ServeStage) -> bool {
    all_pass(&checks(r, s))
}

fn all_pass(checks: &[Check]) -> bool {
    checks.iter().all(Check::passes)
}

/// The failing check furthest past its limit.
fn worst(checks: &[Check]) -> Option<Check> {
    checks
        .iter()
        .filter(|c| !c.passes())
        .copied()
        .max_by(|a, b| a.ratio().total_cmp(&b.ratio()))
}

/// How the search runs.
#[derive(Clone, Copy, Debug)]
pub struct CapacityOptions {
    /// Relative width of the final bracket (0.005 = the rate is known to
    /// ±0.5 %).
    pub tolerance: f64,
    pub budget: Budget,
}

impl Default for CapacityOptions {
    fn default() -> Self {
        Self {
            tolerance: DEFAULT_TOLERANCE,
            budget: Budget::default(),
        }
    }
}

/// The answer: the highest passing rate, the lowest failing one, what binds.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Capacity {
    pub stage: String,
    pub stage_name: String,
    /// The stage's own rate, requests per second.
    pub stage_rate_rps: f64,
    /// The highest rate found within the targets, requests per second.
    pub max_rate_rps: f64,
    /// The lowest rate found outside them (`max_rate_rps` × (1 + tolerance)
    /// at most).
    pub failing_rate_rps: f64,
    /// The constraint that fails first above capacity.
    pub binding: Constraint,
    /// The constraints at capacity and just above.
    pub at_capacity: Vec<Check>,
    pub above_capacity: Vec<Check>,
    /// The run at capacity.
    pub run: ServingResult,
    /// The run at capacity as the stage's results show it (the same keys,
    /// labels and units as `simulate`).
    pub metrics: BTreeMap<MetricKey, f64>,
    /// Simulation runs the search made.
    pub runs: u32,
    pub tolerance: f64,
    pub seed: u64,
}

impl Capacity {
    /// Headroom of the stage's own rate: capacity / stage rate − 1.
    pub fn headroom(&self) -> f64 {
        if self.stage_rate_rps > 0.0 {
            self.max_rate_rps / self.stage_rate_rps - 1.0
        } else {
            0.0
        }
    }

    /// The figures shown beside the rate at capacity (CLI, JSON, Results
    /// tab), in this order; per-token figures only for language models.
    pub fn figures(&self) -> Vec<(MetricKey, f64)> {
        let llm = self.run.tokens_per_second > 0.0;
        let keys: &[MetricKey] = if llm {
            &[
                MetricKey::TtftP99,
                MetricKey::TpotP99,
                MetricKey::TokensPerSecond,
                MetricKey::ReplicaUtilization,
                MetricKey::MaxReplicasUp,
                MetricKey::CostPerMillionTokens,
            ]
        } else {
            &[
                MetricKey::TtftP99,
                MetricKey::ReplicaUtilization,
                MetricKey::MaxReplicasUp,
                MetricKey::CostPerMillionRequests,
            ]
        };
        keys.iter()
            .filter_map(|k| self.metrics.get(k).map(|v| (*k, *v)))
            .collect()
    }

    /// The binding constraint as measured at the lowest failing rate.
    pub fn binding_check(&self) -> Option<&Check> {
        self.above_capacity.iter().find(|c| c.constraint == self.binding)
    }

    /// One sentence: what binds above capacity and what would help.
    pub fn explanation(&self) -> String {
        let above = self.binding_check().map(Check::describe).unwrap_or_default();
        format!("above {} {above}; {}", rate(self.max_rate_rps), self.binding.advice())
    }
}

/// The highest request rate at which serving stage `stage_id` of `plan`
/// meets its targets ([`checks`]), seeded as stage `stage_id` is in a full
/// run seeded with `seed`.
pub fn capacity(
    plan: &Plan,
    stage_id: &StageId,
    catalog: &Catalog,
    seed: u64,
    options: &CapacityOptions,
    progress: &Progress,
) -> Result<Capacity, SimError> {
    let (index, stage) = plan
        .stages
        .iter()
        .enumerate()
        .find(|(_, st)| &st.id == stage_id)
        .ok_or_else(|| SimError::Invalid(format!("stage '{stage_id}' does not exist")))?;
    let StageKind::Serve(s) = &stage.kind else {
        return Err(SimError::Invalid(format!(
            "stage '{stage_id}' is not a serving stage (capacity is searched for serve stages)"
        )));
    };
    let tolerance = if options.tolerance.is_finite() {
        options.tolerance.clamp(1e-4, 0.5)
    } else {
        DEFAULT_TOLERANCE
    };
    let catalog = checked_catalog(plan, catalog, &options.budget)?;
    let seed = stage_seed(seed, index);
    let runs = std::cell::Cell::new(0u32);
    // Finding the bracket is shown as the first 30 % of the bar.
    let run = |rate: f64, part: Progress| -> Result<(ServingResult, [Check; 4]), SimError> {
        runs.set(runs.get() + 1);
        let mut st = s.clone();
        st.rate_rps = rate;
        let r = simulate_serve_stage_limited(plan, stage, &st, &catalog, seed, &part, options.budget.max_events)
            .map_err(|e| match e {
                SimError::Invalid(m) => SimError::Invalid(format!("at {}: {m}", self::rate(rate))),
                e => e,
            })?;
        let c = checks(&r, s);
        Ok((r, c))
    };
    let start = if s.rate_rps.is_finite() && s.rate_rps > 0.0 {
        s.rate_rps
    } else {
        1.0
    };
    // A rate too low to bring a request within the period proves nothing.
    let floor = 1.0 / s.duration_s.max(1e-9);
    let bracket_part = |i: u32| progress.span(0.3 * i as f64 / 8.0, 0.3 * (i + 1) as f64 / 8.0);
    let (mut lo, mut hi) = {
        let first = run(start, bracket_part(0))?;
        if all_pass(&first.1) {
            // Up: the idle share of the replicas says roughly how much more
            // they take; then double.
            let mut lo = (start, first);
            let mut next = (start / lo.1.0.utilization.max(0.05)).clamp(1.25 * start, 64.0 * start);
            loop {
                if runs.get() > MAX_BRACKET_RUNS {
                    return Err(SimError::Invalid(format!(
                        "stage '{stage_id}' meets its targets up to {} and the search found no limit",
                        rate(lo.0)
                    )));
                }
                let r = run(next, bracket_part(runs.get().min(7)))?;
                if all_pass(&r.1) {
                    lo = (next, r);
                    next *= 2.0;
                } else {
                    break (lo, (next, r));
                }
            }
        } else {
            let mut hi = (start, first);
            let mut next = start / 2.0;
            loop {
                if next < floor || runs.get() > MAX_BRACKET_RUNS {
                    let worst = worst(&hi.1.1);
                    return Err(SimError::Invalid(format!(
                        "stage '{stage_id}' misses its targets at every rate down to {}: {}; {}",
                        rate(hi.0),
                        worst.map(|c| c.describe()).unwrap_or_default(),
                        worst.map(|c| c.constraint.advice()).unwrap_or("")
                    )));
                }
                let r = run(next, bracket_part(runs.get().min(7)))?;
                if all_pass(&r.1) {
                    break ((next, r), hi);
                }
                hi = (next, r);
                next /= 2.0;
            }
        }
    };
    // Bisection on log(rate): each step halves the bracket's log width.
    let steps = ((hi.0 / lo.0).ln() / (1.0 + tolerance).ln()).log2().ceil().max(0.0) as u32;
    let mut step = 0u32;
    while hi.0 > lo.0 * (1.0 + tolerance) {
        let n = steps.max(step + 1) as f64;
        let part = progress.span(0.3 + 0.7 * step as f64 / n, 0.3 + 0.7 * (step + 1) as f64 / n);
        let mid = (lo.0 * hi.0).sqrt();
        let r = run(mid, part)?;
        if all_pass(&r.1) {
            lo = (mid, r);
        } else {
            hi = (mid, r);
        }
        step += 1;
    }
    progress.set_fraction(1.0);
    let binding = worst(&hi.1.1).map(|c| c.constraint).unwrap_or(Constraint::TtftP99);
    Ok(Capacity {
        stage: stage.id.to_string(),
        stage_name: stage.name.clone(),
        stage_rate_rps: s.rate_rps,
        max_rate_rps: lo.0,
        failing_rate_rps: hi.0,
        binding,
        at_capacity: lo.1.1.to_vec(),
        above_capacity: hi.1.1.to_vec(),
        metrics: lo.1.0.to_workload(stage).metrics,
        run: lo.1.0,
        runs: runs.get(),
        tolerance,
        seed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::serving::hist::Percentiles;

    fn stage() -> ServeStage {
        let plan = crate::report::presets::preset("cloud-startup").unwrap().plan().unwrap();
        plan.stages
            .iter()
            .find_map(|s| match &s.kind {
                StageKind::Serve(s) => Some(s.clone()),
                _ => None,
            })
            .unwrap()
    }

    #[test]
    fn every_constraint_fails_on_its_own_figure() {
        let s = stage();
        let ok = ServingResult {
            requests_arrived: 10_000,
            ttft_s: Percentiles {
                p99: s.ttft_slo_s * 0.9,
                ..Default::default()
            },
            tpot_s: Percentiles {
                p99: s.tpot_slo_s * 0.9,
                ..Default::default()
            },
            ..Default::default()
        };
        assert!(meets_targets(&ok, &s));
        let mut slow_ttft = ok.clone();
        slow_ttft.ttft_s.p99 = s.ttft_slo_s * 1.01;
        let mut slow_tpot = ok.clone();
        slow_tpot.tpot_s.p99 = s.tpot_slo_s * 1.5;
        let mut backlog = ok.clone();
        backlog.requests_unfinished = 201;
        let mut refused = ok.clone();
        refused.requests_rejected = 11;
        for (r, c) in [
            (slow_ttft, Constraint::TtftP99),
            (slow_tpot, Constraint::TpotP99),
            (backlog, Constraint::Backlog),
            (refused, Constraint::Refused),
        ] {
            assert!(!meets_targets(&r, &s), "{c:?}");
            assert_eq!(worst(&checks(&r, &s)).map(|c| c.constraint), Some(c));
        }
        // Ten refusals in 10,000 is within the 0.1 % allowance.
        let mut few = ok.clone();
        few.requests_rejected = 10;
        assert!(meets_targets(&few, &s));
    }

    #[test]
    fn a_missing_or_non_serving_stage_is_an_error() {
        let plan = crate::report::presets::preset("cloud-startup").unwrap().plan().unwrap();
        let catalog = Catalog::builtin();
        let o = CapacityOptions::default();
        let p = Progress::new();
        let missing = capacity(&plan, &StageId::from("nope"), &catalog, 1, &o, &p).unwrap_err();
        assert!(missing.to_string().contains("does not exist"), "{missing}");
        let train = plan
            .stages
            .iter()
            .find(|s| !matches!(s.kind, StageKind::Serve(_)))
            .unwrap();
        let e = capacity(&plan, &train.id, &catalog, 1, &o, &p).unwrap_err();
        assert!(e.to_string().contains("not a serving stage"), "{e}");
    }
}
