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
use crate::sim::metrics::MetricKey;
use crate::sim::{Results, WorkloadResult};
use serde::Serialize;
use std::fmt::Write as _;

pub use diff::{Change, DiffLine, plan_diff};

/// Changes smaller than this (in percent of the baseline) count as "same".
pub const SAME_WITHIN_PCT: f64 = 0.5;

pub use crate::sim::metrics::Direction;

/// The key metrics compared for a stage kind, in display order.
pub fn key_metrics(kind: &str) -> &'static [MetricKey] {
    use MetricKey::*;
    match kind {
        "train" => &[
            TimeToTrain,
            TokensPerSecond,
            Mfu,
            SecondsPerIteration,
            Gpus,
            GpuHours,
            Goodput,
            MemoryPerGpu,
            Cost,
            Energy,
            Carbon,
        ],
        "serve" => &[
            TokensPerSecond,
            RequestsPerSecond,
            TtftP50,
            TtftP99,
            TpotP50,
            TpotP99,
            E2eP99,
            SloAttainment,
            RequestsRejected,
            CostPerMillionTokens,
            Cost,
            Energy,
        ],
        "quantum" => &[
            Duration,
            QueueWait,
            QpuTime,
            QpuCost,
            ClassicalCost,
            CostPerIteration,
            Cost,
        ],
        "spiking" => &[
            InferencesPerSecond,
            InferenceLatency,
            EnergyPerInference,
            DynamicEnergyPerInference,
            CostPerMillionInferences,
            Cost,
            Energy,
        ],
        _ => &[Duration, ThroughputRaw, OutputStored, Cost, Energy],
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
    pub key: MetricKey,
    pub label: &'static str,
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
    pub fn new(key: MetricKey, baseline: Option<f64>, current: Option<f64>) -> Self {
        let baseline = baseline.filter(|v| v.is_finite());
        let current = current.filter(|v| v.is_finite());
        let direction = key.direction();
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
            key,
            label: key.label(),
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
        self.baseline.map_or_else(|| "—".into(), |v| self.key.format(v))
    }
    pub fn current_text(&self) -> String {
        self.current.map_or_else(|| "—".into(), |v| self.key.format(v))
    }
    /// The signed delta with its unit: "+2.5 h", "-$1.2k", "+3.1 pp".
    pub fn delta_text(&self) -> String {
        match self.delta {
            None => "—".into(),
            Some(d) => self.key.kind().format_delta(d),
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
    pub fn metric(&self, key: MetricKey) -> Option<&MetricDelta> {
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
    pub fn total(&self, key: MetricKey) -> Option<&MetricDelta> {
        self.totals.iter().find(|m| m.key == key)
    }
    /// The first stage of a kind present on both sides.
    pub fn paired_stage(&self, kind: &str) -> Option<&StageDelta> {
        self.stages
            .iter()
            .find(|s| s.kind == kind && matches!(s.matched, Matched::ById | Matched::ByKind))
    }
}

fn stage_rows(kind: &str, b: Option<&WorkloadResult>, c: Option<&WorkloadResult>) -> Vec<MetricDelta> {
    key_metrics(kind)
        .iter()
        .map(|&k| MetricDelta::new(k, b.and_then(|w| w.metric(k)), c.and_then(|w| w.metric(k))))
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
        MetricDelta::new(MetricKey::PlanCost, Some(br.cost.total_usd), Some(cr.cost.total_usd)),
        MetricDelta::new(
            MetricKey::PlanEnergy,
            Some(br.cost.energy_kwh),
            Some(cr.cost.energy_kwh),
        ),
        MetricDelta::new(MetricKey::PlanCarbon, Some(br.cost.carbon_kg), Some(cr.cost.carbon_kg)),
        MetricDelta::new(MetricKey::Makespan, br.makespan_s(), cr.makespan_s()),
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
    consider(c.total(MetricKey::PlanCost), "cheaper", "more expensive", "cost");
    let train = c.paired_stage("train");
    consider(
        train.and_then(|s| s.metric(MetricKey::TimeToTrain)),
        "faster to train",
        "slower to train",
        "time to train",
    );
    let serve = c.paired_stage("serve");
    consider(
        serve.and_then(|s| s.metric(MetricKey::TtftP99)),
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
            data.and_then(|s| s.metric(MetricKey::Duration)),
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

/// The comparison as CSV, one row per metric (SI units, as simulated):
/// `section,metric,label,baseline,current,delta,delta_pct,verdict`.
pub fn to_csv(c: &Comparison) -> String {
    use crate::report::table_csv::{document, opt_number};
    let mut out = Vec::new();
    let mut rows = |section: &str, metrics: &[MetricDelta]| {
        for m in metrics {
            let verdict = serde_json::to_value(m.verdict)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            out.push(vec![
                section.to_owned(),
                m.key.key().to_owned(),
                m.label.to_owned(),
                opt_number(m.baseline),
                opt_number(m.current),
                opt_number(m.delta),
                opt_number(m.delta_pct),
                verdict,
            ]);
        }
    };
    rows("plan", &c.totals);
    for st in &c.stages {
        let id = st.current_id.as_deref().or(st.baseline_id.as_deref()).unwrap_or("");
        rows(id, &st.metrics);
    }
    document(
        &[
            "section",
            "metric",
            "label",
            "baseline",
            "current",
            "delta",
            "delta_pct",
            "verdict",
        ],
        out,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::results::CostTotals;

    fn workload(id: &str, kind: &str, metrics: &[(MetricKey, f64)]) -> WorkloadResult {
        WorkloadResult {
            id: id.into(),
            name: format!("Stage {id}"),
            kind: kind.into(),
            metrics: metrics.iter().copied().collect(),
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
            (MetricKey::TimeToTrain, LowerIsBetter),
            (MetricKey::TtftP99, LowerIsBetter),
            (MetricKey::Cost, LowerIsBetter),
            (MetricKey::CostPerMillionTokens, LowerIsBetter),
            (MetricKey::Energy, LowerIsBetter),
            (MetricKey::Carbon, LowerIsBetter),
            (MetricKey::SecondsPerIteration, LowerIsBetter),
            (MetricKey::TokensPerSecond, HigherIsBetter),
            (MetricKey::TokensPerSecondPerGpu, HigherIsBetter),
            (MetricKey::OutputReadRate, HigherIsBetter),
            (MetricKey::Mfu, HigherIsBetter),
            (MetricKey::SloAttainment, HigherIsBetter),
            (MetricKey::Gpus, Neutral),
            (MetricKey::Parameters, Neutral),
        ] {
            assert_eq!(key.direction(), want, "{key}");
        }
    }

    #[test]
    fn deltas_and_verdicts() {
        let m = MetricDelta::new(MetricKey::TimeToTrain, Some(100.0), Some(108.0));
        assert_eq!(m.delta, Some(8.0));
        assert!((m.delta_pct.unwrap_or(0.0) - 8.0).abs() < 1e-9);
        assert_eq!(m.verdict, Verdict::Worse);
        assert_eq!(m.delta_pct_text(), "+8.0 %");
        assert_eq!(m.delta_text(), "+8.0 s");
        let m = MetricDelta::new(MetricKey::TokensPerSecond, Some(100.0), Some(108.0));
        assert_eq!(m.verdict, Verdict::Better);
        let m = MetricDelta::new(MetricKey::Cost, Some(1000.0), Some(1003.0));
        assert_eq!(m.verdict, Verdict::Same, "0.3 % is within the noise band");
        let m = MetricDelta::new(MetricKey::Gpus, Some(8.0), Some(16.0));
        assert_eq!(m.verdict, Verdict::Changed);
        let m = MetricDelta::new(MetricKey::Cost, Some(0.0), Some(5.0));
        assert_eq!((m.delta_pct, m.verdict), (None, Verdict::Worse));
        let m = MetricDelta::new(MetricKey::Cost, None, Some(5.0));
        assert_eq!((m.delta, m.verdict), (None, Verdict::Missing));
        assert_eq!(m.baseline_text(), "—");
        let m = MetricDelta::new(MetricKey::Mfu, Some(0.40), Some(0.35));
        assert_eq!((m.verdict, m.delta_text()), (Verdict::Worse, "-5.0 pp".to_owned()));
        let m = MetricDelta::new(MetricKey::Energy, Some(1.4), Some(0.7));
        assert_eq!(
            (m.baseline_text(), m.delta_text()),
            ("1.4 kWh".to_owned(), "-0.7 kWh".to_owned())
        );
        let m = MetricDelta::new(MetricKey::Cost, Some(f64::NAN), Some(5.0));
        assert_eq!(m.verdict, Verdict::Missing, "non-finite values are not compared");
    }

    #[test]
    fn stages_pair_by_id_then_kind() {
        let base = results(
            100.0,
            vec![
                workload("etl", "preprocess", &[(MetricKey::Duration, 10.0)]),
                workload("pretrain", "train", &[(MetricKey::TimeToTrain, 100.0)]),
                workload("old-serve", "serve", &[(MetricKey::TtftP99, 1.0)]),
            ],
        );
        let cur = results(
            77.0,
            vec![
                workload("etl", "preprocess", &[(MetricKey::Duration, 10.0)]),
                workload("train", "train", &[(MetricKey::TimeToTrain, 108.0)]),
                workload("extra", "ingest", &[(MetricKey::Duration, 3.0)]),
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
        let r = results(50.0, vec![workload("t", "train", &[(MetricKey::TimeToTrain, 10.0)])]);
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
        let b = results(10.0, vec![workload("s", "serve", &[(MetricKey::TtftP99, 2.0)])]);
        let c = results(10.0, vec![workload("s", "serve", &[(MetricKey::TtftP99, 1.0)])]);
        let cmp = compare((&plan, &b), (&plan, &c));
        assert_eq!(
            cmp.headline,
            "Current is 50 % quicker to first token (p99) than baseline; cost unchanged"
        );
    }
}
