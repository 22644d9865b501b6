//! A/B comparison of two simulated plans: a baseline and the current plan.
//!
//! Pure logic shared by the GUI's Compare tab and `clusterforge compare`:
//! stages are matched (by stage id, then by kind), every key metric gets its
//! baseline and current value, the delta and the delta in percent, and a
//! verdict (better, worse, same) from the metric's direction — lower is
//! better for time, latency, cost and energy, higher for throughput, MFU
//! and SLO attainment. A headline sentence and a summary of what changed in
//! the plan ([`diff`]) come with it. [`sweep`] runs the scaling curve.

pub mod diff;
pub mod sweep;

use crate::model::Plan;
use crate::report::png_report::{fmt_metric, metric_label};
use crate::sim::{Results, WorkloadResult};
use serde::Serialize;
use std::fmt::Write as _;

pub use diff::{Change, DiffLine, plan_diff};

/// Changes smaller than this (in percent of the baseline) count as "same".
pub const SAME_WITHIN_PCT: f64 = 0.5;

/// Which way a metric improves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Time, latency, cost, energy, emissions, failures.
    LowerIsBetter,
    /// Throughput, utilization (MFU), goodput, SLO attainment.
    HigherIsBetter,
    /// A size or a count that is neither good nor bad (GPUs, parameters).
    Neutral,
}

/// Directions of the metrics the simulator reports, by key. Keys not listed
/// fall back to [`direction`]'s rules by unit suffix.
pub const DIRECTIONS: &[(&str, Direction)] = &[
    // Training.
    ("time_to_train_s", Direction::LowerIsBetter),
    ("seconds_per_iteration", Direction::LowerIsBetter),
    ("effective_seconds_per_iteration", Direction::LowerIsBetter),
    ("tokens_per_second", Direction::HigherIsBetter),
    ("tokens_per_second_per_gpu", Direction::HigherIsBetter),
    ("mfu", Direction::HigherIsBetter),
    ("hfu", Direction::HigherIsBetter),
    ("achieved_tflops_per_gpu", Direction::HigherIsBetter),
    ("model_tflops_per_gpu", Direction::HigherIsBetter),
    ("goodput", Direction::HigherIsBetter),
    ("expected_goodput", Direction::HigherIsBetter),
    ("gpu_hours", Direction::LowerIsBetter),
    ("failures", Direction::LowerIsBetter),
    ("gpus", Direction::Neutral),
    ("iterations", Direction::Neutral),
    ("parameters", Direction::Neutral),
    ("memory_per_gpu_bytes", Direction::Neutral),
    ("fabric_contention_factor", Direction::LowerIsBetter),
    // Serving.
    ("requests_per_second", Direction::HigherIsBetter),
    ("slo_attainment", Direction::HigherIsBetter),
    ("requests_rejected", Direction::LowerIsBetter),
    ("requests_unfinished", Direction::LowerIsBetter),
    ("requests_completed", Direction::HigherIsBetter),
    ("max_replicas_up", Direction::Neutral),
    // Data stages.
    ("duration_s", Direction::LowerIsBetter),
    ("throughput_raw_bytes_per_s", Direction::HigherIsBetter),
    ("output_stored_bytes", Direction::LowerIsBetter),
    ("cpu_core_seconds", Direction::LowerIsBetter),
    // Cost, energy and plan totals.
    ("cost_usd", Direction::LowerIsBetter),
    ("energy_kwh", Direction::LowerIsBetter),
    ("carbon_kg", Direction::LowerIsBetter),
    ("makespan_s", Direction::LowerIsBetter),
];

/// Which way `key` improves: the [`DIRECTIONS`] table, else by unit —
/// costs (`_usd`, `cost_per_…`), energy (`_kwh`), emissions (`_kg`) and
/// times (`_s`) lower; rates (`_per_s`, `_per_second`) higher; the rest
/// neutral.
pub fn direction(key: &str) -> Direction {
    if let Some((_, d)) = DIRECTIONS.iter().find(|(k, _)| *k == key) {
        return *d;
    }
    if key.starts_with("cost_") || key.ends_with("_usd") || key.ends_with("_kwh") || key.ends_with("_kg") {
        Direction::LowerIsBetter
    } else if key.ends_with("_per_s") || key.ends_with("_per_second") {
        Direction::HigherIsBetter
    } else if key.ends_with("_s") {
        Direction::LowerIsBetter
    } else if key.ends_with("_attainment") || key.ends_with("_hit_ratio") {
        Direction::HigherIsBetter
    } else {
        Direction::Neutral
    }
}

/// The key metrics compared for a stage kind, in display order.
pub fn key_metrics(kind: &str) -> &'static [&'static str] {
    match kind {
        "train" => &[
            "time_to_train_s",
            "tokens_per_second",
            "mfu",
            "seconds_per_iteration",
            "gpus",
            "gpu_hours",
            "goodput",
            "memory_per_gpu_bytes",
            "cost_usd",
            "energy_kwh",
            "carbon_kg",
        ],
        "serve" => &[
            "tokens_per_second",
            "requests_per_second",
            "ttft_p50_s",
            "ttft_p99_s",
            "tpot_p50_s",
            "tpot_p99_s",
            "e2e_p99_s",
            "slo_attainment",
            "requests_rejected",
            "cost_per_million_tokens_usd",
            "cost_usd",
            "energy_kwh",
        ],
        _ => &[
            "duration_s",
            "throughput_raw_bytes_per_s",
            "output_stored_bytes",
            "cost_usd",
            "energy_kwh",
        ],
    }
}

/// How a change reads for a metric.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Better,
    Worse,
    /// Within [`SAME_WITHIN_PCT`] of the baseline.
    Same,
    /// Changed, but the metric has no better direction.
    Changed,
    /// Only one side has the metric (or it is not finite).
    Missing,
}

/// One metric of one stage (or of the plan) on both sides.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MetricDelta {
    pub key: String,
    pub label: String,
    pub baseline: Option<f64>,
    pub current: Option<f64>,
    /// current − baseline.
    pub delta: Option<f64>,
    /// (current − baseline) / |baseline| × 100; `None` when the baseline is 0.
    pub delta_pct: Option<f64>,
    pub direction: Direction,
    pub verdict: Verdict,
}

impl MetricDelta {
    pub fn new(key: &str, baseline: Option<f64>, current: Option<f64>) -> Self {
        let baseline = baseline.filter(|v| v.is_finite());
        let current = current.filter(|v| v.is_finite());
        let direction = direction(key);
        let (delta, delta_pct, verdict) = match (baseline, current) {
            (Some(b), Some(c)) => {
                let d = c - b;
                let pct = (b != 0.0).then(|| d / b.abs() * 100.0);
                let same = match pct {
                    Some(p) => p.abs() < SAME_WITHIN_PCT,
                    None => d == 0.0,
                };
                let verdict = if same {
                    Verdict::Same
                } else {
                    match direction {
                        Direction::LowerIsBetter if d < 0.0 => Verdict::Better,
                        Direction::LowerIsBetter => Verdict::Worse,
                        Direction::HigherIsBetter if d > 0.0 => Verdict::Better,
                        Direction::HigherIsBetter => Verdict::Worse,
                        Direction::Neutral => Verdict::Changed,
                    }
                };
                (Some(d), pct, verdict)
            }
            _ => (None, None, Verdict::Missing),
        };
        Self {
            key: key.to_owned(),
            label: label_of(key),
            baseline,
            current,
            delta,
            delta_pct,
            direction,
            verdict,
        }
    }

    /// The baseline value with its unit ("—" when absent).
    pub fn baseline_text(&self) -> String {
        self.baseline.map_or_else(|| "—".into(), |v| fmt_value(&self.key, v))
    }
    pub fn current_text(&self) -> String {
        self.current.map_or_else(|| "—".into(), |v| fmt_value(&self.key, v))
    }
    /// The signed delta with its unit: "+2.5 h", "-$1.2k", "+3.1 pp".
    pub fn delta_text(&self) -> String {
        match self.delta {
            None => "—".into(),
            Some(d) => fmt_delta(&self.key, d),
        }
    }
    /// The signed delta in percent: "+8.0 %"; "—" when not defined.
    pub fn delta_pct_text(&self) -> String {
        match self.delta_pct {
            None => "—".into(),
            Some(p) => format!("{p:+.1} %"),
        }
    }
}

fn is_fraction(key: &str) -> bool {
    ["mfu", "hfu", "goodput", "expected_goodput", "slo_attainment"].contains(&key) || key.ends_with("_hit_ratio")
}

/// A value with its unit (as on the Results tab).
pub fn fmt_value(key: &str, v: f64) -> String {
    match key {
        "gpus" | "iterations" | "requests_rejected" | "requests_unfinished" | "requests_completed" => {
            format!("{v:.0}")
        }
        "gpu_hours" => format!("{} h", fmt_metric(key, v)),
        "cost_per_million_tokens_usd" => format!("{} / M tokens", fmt_metric(key, v)),
        "fabric_contention_factor" => format!("{v:.2}x"),
        // Small stages use little energy: keep a decimal below 10 kWh.
        k if k.ends_with("_kwh") && v.abs() < 10.0 => format!("{v:.1} kWh"),
        _ => fmt_metric(key, v),
    }
}

/// A signed difference with its unit; fractions in percentage points.
pub fn fmt_delta(key: &str, d: f64) -> String {
    if !d.is_finite() {
        return "—".into();
    }
    if d == 0.0 {
        return "0".into();
    }
    if is_fraction(key) {
        return format!("{:+.1} pp", d * 100.0);
    }
    let sign = if d < 0.0 { "-" } else { "+" };
    format!("{sign}{}", fmt_value(key, d.abs()))
}

/// A readable label for a metric key.
pub fn label_of(key: &str) -> String {
    match key {
        "ttft_p50_s" => "TTFT p50".into(),
        "tpot_p50_s" => "TPOT p50".into(),
        "e2e_p99_s" => "End-to-end p99".into(),
        "cost_per_million_tokens_usd" => "Cost per M tokens".into(),
        "duration_s" => "Duration".into(),
        "throughput_raw_bytes_per_s" => "Throughput (raw data)".into(),
        "output_stored_bytes" => "Output stored".into(),
        "memory_per_gpu_bytes" => "Memory per GPU".into(),
        "plan_cost_usd" => "Total cost".into(),
        "plan_energy_kwh" => "Total energy".into(),
        "requests_rejected" => "Requests rejected".into(),
        k => metric_label(k),
    }
}

/// How a baseline stage was paired with a current one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Matched {
    /// Same stage id in both plans.
    ById,
    /// Different ids, same kind (the first unpaired stage of that kind).
    ByKind,
    OnlyBaseline,
    OnlyCurrent,
}

/// One stage on both sides.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StageDelta {
    pub baseline_id: Option<String>,
    pub current_id: Option<String>,
    /// The current stage's name (the baseline's when only it has the stage).
    pub name: String,
    pub kind: String,
    pub matched: Matched,
    pub metrics: Vec<MetricDelta>,
}

impl StageDelta {
    pub fn metric(&self, key: &str) -> Option<&MetricDelta> {
        self.metrics.iter().find(|m| m.key == key)
    }
    /// "Name (id)", with how it was paired when not by id.
    pub fn title(&self) -> String {
        let id = self.current_id.as_deref().or(self.baseline_id.as_deref()).unwrap_or("");
        match self.matched {
            Matched::ById => format!("{} ({id})", self.name),
            Matched::ByKind => format!(
                "{} ({id}; paired by kind with baseline '{}')",
                self.name,
                self.baseline_id.as_deref().unwrap_or("")
            ),
            Matched::OnlyBaseline => format!("{} ({id}; only in baseline)", self.name),
            Matched::OnlyCurrent => format!("{} ({id}; only in current)", self.name),
        }
    }
}

/// The whole comparison, baseline against current.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Comparison {
    pub baseline_plan: String,
    pub current_plan: String,
    pub headline: String,
    /// Plan totals: cost, energy, emissions, lifecycle makespan.
    pub totals: Vec<MetricDelta>,
    pub stages: Vec<StageDelta>,
    /// What changed in the plan, one line per change.
    pub plan_changes: Vec<DiffLine>,
}

impl Comparison {
    pub fn total(&self, key: &str) -> Option<&MetricDelta> {
        self.totals.iter().find(|m| m.key == key)
    }
    /// The first stage of a kind present on both sides.
    pub fn paired_stage(&self, kind: &str) -> Option<&StageDelta> {
        self.stages
            .iter()
            .find(|s| s.kind == kind && matches!(s.matched, Matched::ById | Matched::ByKind))
    }
}

fn metric_sum(results: &Results, key: &str) -> Option<f64> {
    let mut any = false;
    let mut sum = 0.0;
    for w in &results.workloads {
        if let Some(v) = w.metric(key).filter(|v| v.is_finite()) {
            any = true;
            sum += v;
        }
    }
    any.then_some(sum)
}

fn makespan(results: &Results) -> Option<f64> {
    let start = results.timeline.iter().map(|s| s.start_s).fold(f64::INFINITY, f64::min);
    let end = results
        .timeline
        .iter()
        .map(|s| s.end_s)
        .fold(f64::NEG_INFINITY, f64::max);
    (start.is_finite() && end.is_finite() && end >= start).then_some(end - start)
}

fn stage_rows(kind: &str, b: Option<&WorkloadResult>, c: Option<&WorkloadResult>) -> Vec<MetricDelta> {
    key_metrics(kind)
        .iter()
        .map(|k| MetricDelta::new(k, b.and_then(|w| w.metric(k)), c.and_then(|w| w.metric(k))))
        .filter(|m| m.baseline.is_some() || m.current.is_some())
        .collect()
}

/// Pair the stages of two runs: same id first, then the remaining ones by
/// kind in plan order; the rest appear on one side only.
fn pair_stages(baseline: &Results, current: &Results) -> Vec<StageDelta> {
    let mut used_b = vec![false; baseline.workloads.len()];
    let mut pairs: Vec<(Option<usize>, Option<usize>, Matched)> = Vec::new();
    let mut unpaired_c = Vec::new();
    for (ci, c) in current.workloads.iter().enumerate() {
        match baseline.workloads.iter().position(|b| b.id == c.id) {
            Some(bi) if !used_b[bi] => {
                used_b[bi] = true;
                pairs.push((Some(bi), Some(ci), Matched::ById));
            }
            _ => {
                pairs.push((None, Some(ci), Matched::OnlyCurrent));
                unpaired_c.push(pairs.len() - 1);
            }
        }
    }
    for slot in unpaired_c {
        let Some(ci) = pairs[slot].1 else { continue };
        let kind = &current.workloads[ci].kind;
        if let Some(bi) = (0..baseline.workloads.len()).find(|&bi| !used_b[bi] && &baseline.workloads[bi].kind == kind)
        {
            used_b[bi] = true;
            pairs[slot] = (Some(bi), Some(ci), Matched::ByKind);
        }
    }
    for (bi, used) in used_b.iter().enumerate() {
        if !used {
            pairs.push((Some(bi), None, Matched::OnlyBaseline));
        }
    }
    pairs
        .into_iter()
        .map(|(bi, ci, matched)| {
            let b = bi.map(|i| &baseline.workloads[i]);
            let c = ci.map(|i| &current.workloads[i]);
            let (name, kind) = match (c, b) {
                (Some(w), _) | (None, Some(w)) => (w.name.clone(), w.kind.clone()),
                (None, None) => (String::new(), String::new()),
            };
            StageDelta {
                baseline_id: b.map(|w| w.id.clone()),
                current_id: c.map(|w| w.id.clone()),
                metrics: stage_rows(&kind, b, c),
                name,
                kind,
                matched,
            }
        })
        .collect()
}

/// Compare a baseline run with the current run.
pub fn compare(baseline: (&Plan, &Results), current: (&Plan, &Results)) -> Comparison {
    let (bp, br) = baseline;
    let (cp, cr) = current;
    let mut totals = vec![
        MetricDelta::new("plan_cost_usd", Some(br.cost.total_usd), Some(cr.cost.total_usd)),
        MetricDelta::new("plan_energy_kwh", Some(br.cost.energy_kwh), Some(cr.cost.energy_kwh)),
        MetricDelta::new("carbon_kg", metric_sum(br, "carbon_kg"), metric_sum(cr, "carbon_kg")),
        MetricDelta::new("makespan_s", makespan(br), makespan(cr)),
    ];
    totals.retain(|m| m.baseline.is_some() || m.current.is_some());
    let stages = pair_stages(br, cr);
    let mut c = Comparison {
        baseline_plan: bp.name.clone(),
        current_plan: cp.name.clone(),
        headline: String::new(),
        totals,
        stages,
        plan_changes: plan_diff(bp, cp),
    };
    c.headline = headline(&c);
    c
}

/// A percentage for a sentence: "8 %", "0.7 %".
fn pct_words(p: f64) -> String {
    let a = p.abs();
    if a >= 10.0 {
        format!("{a:.0} %")
    } else {
        format!("{a:.1} %")
    }
}

/// One clause per headline figure, "23 % cheaper", "8 % slower to train".
fn clause(m: &MetricDelta, better: &str, worse: &str) -> Option<String> {
    let p = m.delta_pct?;
    match m.verdict {
        Verdict::Better => Some(format!("{} {better}", pct_words(p))),
        Verdict::Worse => Some(format!("{} {worse}", pct_words(p))),
        _ => None,
    }
}

/// "Current is 23 % cheaper and 8 % slower to train than baseline".
pub fn headline(c: &Comparison) -> String {
    let mut clauses = Vec::new();
    let mut same = Vec::new();
    let mut consider = |m: Option<&MetricDelta>, better: &str, worse: &str, what: &str| {
        let Some(m) = m else { return };
        match clause(m, better, worse) {
            Some(s) => clauses.push(s),
            None if m.verdict == Verdict::Same => same.push(what.to_owned()),
            None => {}
        }
    };
    consider(c.total("plan_cost_usd"), "cheaper", "more expensive", "cost");
    let train = c.paired_stage("train");
    consider(
        train.and_then(|s| s.metric("time_to_train_s")),
        "faster to train",
        "slower to train",
        "time to train",
    );
    let serve = c.paired_stage("serve");
    consider(
        serve.and_then(|s| s.metric("ttft_p99_s")),
        "quicker to first token (p99)",
        "slower to first token (p99)",
        "p99 TTFT",
    );
    if train.is_none() && serve.is_none() {
        let data = c
            .stages
            .iter()
            .find(|s| matches!(s.matched, Matched::ById | Matched::ByKind));
        consider(
            data.and_then(|s| s.metric("duration_s")),
            "faster through the data pipeline",
            "slower through the data pipeline",
            "pipeline time",
        );
    }
    let mut s = match clauses.len() {
        0 if same.is_empty() => return "Baseline and current have no figures in common to compare".into(),
        0 => {
            return format!(
                "Current matches baseline on {} (within {SAME_WITHIN_PCT} %)",
                join(&same)
            );
        }
        _ => format!("Current is {} than baseline", join(&clauses)),
    };
    if !same.is_empty() {
        let _ = write!(s, "; {} unchanged", join(&same));
    }
    s
}

fn join(parts: &[String]) -> String {
    match parts {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// The comparison as a plain-text table (the CLI prints this).
pub fn to_text(c: &Comparison) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "baseline: {}", c.baseline_plan);
    let _ = writeln!(s, "current:  {}", c.current_plan);
    let _ = writeln!(s, "\n{}\n", c.headline);
    let table = |s: &mut String, rows: &[MetricDelta]| {
        let _ = writeln!(
            s,
            "  {:<28} {:>14} {:>14} {:>14} {:>9}  verdict",
            "metric", "baseline", "current", "delta", "delta %"
        );
        for m in rows {
            let verdict = match m.verdict {
                Verdict::Better => "better",
                Verdict::Worse => "worse",
                Verdict::Same => "same",
                Verdict::Changed => "changed",
                Verdict::Missing => "",
            };
            let _ = writeln!(
                s,
                "  {:<28} {:>14} {:>14} {:>14} {:>9}  {verdict}",
                m.label,
                m.baseline_text(),
                m.current_text(),
                m.delta_text(),
                m.delta_pct_text()
            );
        }
    };
    let _ = writeln!(s, "== plan totals ==");
    table(&mut s, &c.totals);
    for st in &c.stages {
        let _ = writeln!(s, "\n== {} ==", st.title());
        table(&mut s, &st.metrics);
    }
    let _ = writeln!(s, "\n== plan changes ==");
    if c.plan_changes.is_empty() {
        let _ = writeln!(s, "  (none)");
    }
    for d in &c.plan_changes {
        let _ = writeln!(s, "  {d}");
    }
    s
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

fn csv_number(v: Option<f64>) -> String {
    v.map(|x| format!("{x}")).unwrap_or_default()
}

/// The comparison as CSV, one row per metric (SI units, as simulated):
/// `section,metric,label,baseline,current,delta,delta_pct,verdict`.
pub fn to_csv(c: &Comparison) -> String {
    let mut s = String::from("section,metric,label,baseline,current,delta,delta_pct,verdict\n");
    let mut rows = |section: &str, metrics: &[MetricDelta]| {
        for m in metrics {
            let verdict = serde_json::to_value(m.verdict)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            let _ = writeln!(
                s,
                "{},{},{},{},{},{},{},{verdict}",
                csv_field(section),
                csv_field(&m.key),
                csv_field(&m.label),
                csv_number(m.baseline),
                csv_number(m.current),
                csv_number(m.delta),
                csv_number(m.delta_pct),
            );
        }
    };
    rows("plan", &c.totals);
    for st in &c.stages {
        let id = st.current_id.as_deref().or(st.baseline_id.as_deref()).unwrap_or("");
        rows(id, &st.metrics);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::results::CostTotals;

    fn workload(id: &str, kind: &str, metrics: &[(&str, f64)]) -> WorkloadResult {
        WorkloadResult {
            id: id.into(),
            name: format!("Stage {id}"),
            kind: kind.into(),
            metrics: metrics.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect(),
            ..Default::default()
        }
    }

    fn results(cost: f64, workloads: Vec<WorkloadResult>) -> Results {
        Results {
            plan: "p".into(),
            workloads,
            cost: CostTotals {
                total_usd: cost,
                ..Default::default()
            },
            ..Default::default()
        }
    }

    #[test]
    fn directions_follow_the_metric() {
        use Direction::*;
        for (key, want) in [
            ("time_to_train_s", LowerIsBetter),
            ("ttft_p99_s", LowerIsBetter),
            ("cost_usd", LowerIsBetter),
            ("cost_per_million_tokens_usd", LowerIsBetter),
            ("energy_kwh", LowerIsBetter),
            ("carbon_kg", LowerIsBetter),
            ("seconds_per_iteration", LowerIsBetter),
            ("tokens_per_second", HigherIsBetter),
            ("tokens_per_second_per_gpu", HigherIsBetter),
            ("output_read_bytes_per_s", HigherIsBetter),
            ("mfu", HigherIsBetter),
            ("slo_attainment", HigherIsBetter),
            ("gpus", Neutral),
            ("parameters", Neutral),
        ] {
            assert_eq!(direction(key), want, "{key}");
        }
    }

    #[test]
    fn deltas_and_verdicts() {
        let m = MetricDelta::new("time_to_train_s", Some(100.0), Some(108.0));
        assert_eq!(m.delta, Some(8.0));
        assert!((m.delta_pct.unwrap_or(0.0) - 8.0).abs() < 1e-9);
        assert_eq!(m.verdict, Verdict::Worse);
        assert_eq!(m.delta_pct_text(), "+8.0 %");
        assert_eq!(m.delta_text(), "+8.0 s");
        let m = MetricDelta::new("tokens_per_second", Some(100.0), Some(108.0));
        assert_eq!(m.verdict, Verdict::Better);
        let m = MetricDelta::new("cost_usd", Some(1000.0), Some(1003.0));
        assert_eq!(m.verdict, Verdict::Same, "0.3 % is within the noise band");
        let m = MetricDelta::new("gpus", Some(8.0), Some(16.0));
        assert_eq!(m.verdict, Verdict::Changed);
        let m = MetricDelta::new("cost_usd", Some(0.0), Some(5.0));
        assert_eq!((m.delta_pct, m.verdict), (None, Verdict::Worse));
        let m = MetricDelta::new("cost_usd", None, Some(5.0));
        assert_eq!((m.delta, m.verdict), (None, Verdict::Missing));
        assert_eq!(m.baseline_text(), "—");
        let m = MetricDelta::new("mfu", Some(0.40), Some(0.35));
        assert_eq!((m.verdict, m.delta_text()), (Verdict::Worse, "-5.0 pp".to_owned()));
        let m = MetricDelta::new("energy_kwh", Some(1.4), Some(0.7));
        assert_eq!(
            (m.baseline_text(), m.delta_text()),
            ("1.4 kWh".to_owned(), "-0.7 kWh".to_owned())
        );
        let m = MetricDelta::new("cost_usd", Some(f64::NAN), Some(5.0));
        assert_eq!(m.verdict, Verdict::Missing, "non-finite values are not compared");
    }

    #[test]
    fn stages_pair_by_id_then_kind() {
        let base = results(
            100.0,
            vec![
                workload("etl", "preprocess", &[("duration_s", 10.0)]),
                workload("pretrain", "train", &[("time_to_train_s", 100.0)]),
                workload("old-serve", "serve", &[("ttft_p99_s", 1.0)]),
            ],
        );
        let cur = results(
            77.0,
            vec![
                workload("etl", "preprocess", &[("duration_s", 10.0)]),
                workload("train", "train", &[("time_to_train_s", 108.0)]),
                workload("extra", "ingest", &[("duration_s", 3.0)]),
            ],
        );
        let plan = Plan::default();
        let c = compare((&plan, &base), (&plan, &cur));
        let kinds: Vec<(Option<&str>, Option<&str>, Matched)> = c
            .stages
            .iter()
            .map(|s| (s.baseline_id.as_deref(), s.current_id.as_deref(), s.matched))
            .collect();
        assert_eq!(
            kinds,
            vec![
                (Some("etl"), Some("etl"), Matched::ById),
                (Some("pretrain"), Some("train"), Matched::ByKind),
                (None, Some("extra"), Matched::OnlyCurrent),
                (Some("old-serve"), None, Matched::OnlyBaseline),
            ]
        );
        assert_eq!(
            c.headline,
            "Current is 23 % cheaper and 8.0 % slower to train than baseline"
        );
        let text = to_text(&c);
        assert!(text.contains("Total cost"), "{text}");
        let csv = to_csv(&c);
        assert!(
            csv.lines()
                .any(|l| l == "train,time_to_train_s,Time to train,100,108,8,8,worse"),
            "{csv}"
        );
        assert!(csv.lines().all(|l| l.split(',').count() == 8), "{csv}");
        assert!(text.contains("only in baseline"), "{text}");
    }

    #[test]
    fn headline_when_nothing_changed_or_nothing_in_common() {
        let plan = Plan::default();
        let r = results(50.0, vec![workload("t", "train", &[("time_to_train_s", 10.0)])]);
        let c = compare((&plan, &r), (&plan, &r));
        assert_eq!(
            c.headline,
            "Current matches baseline on cost and time to train (within 0.5 %)"
        );
        assert!(c.plan_changes.is_empty());
        let empty = Results::default();
        let mut c = compare((&plan, &empty), (&plan, &empty));
        c.totals.clear();
        assert_eq!(
            headline(&c),
            "Baseline and current have no figures in common to compare"
        );
    }

    #[test]
    fn serving_headline_mentions_first_token_latency() {
        let plan = Plan::default();
        let b = results(10.0, vec![workload("s", "serve", &[("ttft_p99_s", 2.0)])]);
        let c = results(10.0, vec![workload("s", "serve", &[("ttft_p99_s", 1.0)])]);
        let cmp = compare((&plan, &b), (&plan, &c));
        assert_eq!(
            cmp.headline,
            "Current is 50 % quicker to first token (p99) than baseline; cost unchanged"
        );
    }
}
