//! The lifecycle clock: stages start when everything in their `after` list
//! has ended; stages that overlap in time on shared plan nodes, links or
//! storage stretch each other (see the module docs of `lifecycle`), and the
//! events of every stage are placed on the shared clock.

use crate::model::Plan;
use crate::sim::metrics::{MetricKey, Resource};
use crate::sim::results::{EventKind, SimEvent, StageSpan, WorkloadResult};
use std::collections::BTreeMap;

/// Events kept per kind per stage before the rest are summarized in one
/// event (keeps the JSON and the playback list small).
pub const MAX_EVENTS_PER_KIND: usize = 200;
/// Events kept in total.
pub const MAX_EVENTS: usize = 5_000;
/// Iterations of the contention fixed point.
const MAX_ITERATIONS: usize = 30;

/// An event in a stage's own time (seconds from its start when run alone).
#[derive(Clone, Debug, PartialEq)]
pub struct LocalEvent {
    pub t_s: f64,
    pub kind: EventKind,
    pub subject: Option<Resource>,
    pub text: String,
    /// A summary of events left out by the model itself: never capped.
    pub summary: bool,
}

impl LocalEvent {
    pub fn new(t_s: f64, kind: EventKind, subject: Option<Resource>, text: String) -> LocalEvent {
        LocalEvent {
            t_s,
            kind,
            subject,
            text,
            summary: false,
        }
    }
}

/// A simulated stage: its result and its events in its own time.
#[derive(Clone, Debug)]
pub struct StageOutcome {
    pub workload: WorkloadResult,
    pub events: Vec<LocalEvent>,
    /// Serving runs for its horizon whatever the contention: its span does
    /// not stretch, its share of the resources shrinks.
    pub fixed_span: bool,
}

/// Standalone duration of a stage, seconds.
pub fn duration_of(w: &WorkloadResult) -> f64 {
    [MetricKey::TimeToTrain, MetricKey::Duration]
        .iter()
        .find_map(|k| w.metric(*k))
        .filter(|v| v.is_finite() && *v >= 0.0)
        .unwrap_or(0.0)
}

/// Metrics that grow with a stage's wall time.
const TIME_METRICS: [MetricKey; 7] = [
    MetricKey::TimeToTrain,
    MetricKey::Duration,
    MetricKey::GpuHours,
    MetricKey::Cost,
    MetricKey::Energy,
    MetricKey::Carbon,
    MetricKey::EffectiveSecondsPerIteration,
];
/// Rates that shrink with it.
const RATE_METRICS: [MetricKey; 4] = [
    MetricKey::TokensPerSecond,
    MetricKey::TokensPerSecondPerGpu,
    MetricKey::ThroughputRaw,
    MetricKey::WriteRate,
];

/// Place every outcome (plan order of its stage) on the lifecycle clock,
/// apply contention to the workloads and return the timeline and the events.
pub fn schedule(plan: &Plan, outcomes: &mut [StageOutcome]) -> (Vec<StageSpan>, Vec<SimEvent>) {
    let n = outcomes.len();
    let index: BTreeMap<&str, usize> = outcomes
        .iter()
        .enumerate()
        .map(|(i, o)| (o.workload.id.as_str(), i))
        .collect();
    let deps: Vec<Vec<usize>> = outcomes
        .iter()
        .map(|o| {
            plan.stages
                .iter()
                .find(|s| s.id.as_str() == o.workload.id)
                .map(|s| s.after.iter().filter_map(|a| index.get(a.as_str()).copied()).collect())
                .unwrap_or_default()
        })
        .collect();
    let base: Vec<f64> = outcomes.iter().map(|o| duration_of(&o.workload)).collect();
    // Demand per plan node and link.
    let demand: Vec<BTreeMap<Resource, f64>> = outcomes
        .iter()
        .map(|o| {
            o.workload
                .demand
                .iter()
                .filter(|(_, v)| **v > 0.0)
                .map(|(k, v)| (k.clone(), *v))
                .collect()
        })
        .collect();

    let mut slow = vec![1.0f64; n];
    let mut spans = vec![(0.0f64, 0.0f64); n];
    let mut shared: Vec<Vec<usize>> = vec![Vec::new(); n];
    for iteration in 0..MAX_ITERATIONS {
        // Starts after dependencies (relaxed: plan order need not be
        // dependency order; validation rules out cycles, the bound guards).
        let mut start = vec![0.0f64; n];
        for _ in 0..n.max(1) {
            let mut changed = false;
            for i in 0..n {
                let s = deps[i]
                    .iter()
                    .map(|&d| start[d] + base[d] * span_factor(&slow, outcomes, d))
                    .fold(0.0, f64::max);
                if s != start[i] {
                    start[i] = s;
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        for i in 0..n {
            spans[i] = (start[i], start[i] + base[i] * span_factor(&slow, outcomes, i));
        }
        // Contention: overlap-weighted summed demand on shared resources.
        let mut next = vec![1.0f64; n];
        for i in 0..n {
            shared[i].clear();
            let len_i = spans[i].1 - spans[i].0;
            if len_i <= 0.0 {
                continue;
            }
            let mut sum: BTreeMap<&Resource, f64> = demand[i].iter().map(|(k, v)| (k, *v)).collect();
            for j in 0..n {
                if i == j {
                    continue;
                }
                let overlap = spans[i].1.min(spans[j].1) - spans[i].0.max(spans[j].0);
                if overlap <= 1e-9 * len_i.max(1.0) {
                    continue;
                }
                let f = (overlap / len_i).min(1.0);
                let mut touches = false;
                for (k, v) in &demand[j] {
                    if let Some(s) = sum.get_mut(k) {
                        *s += v * f;
                        touches = true;
                    }
                }
                if touches {
                    shared[i].push(j);
                }
            }
            next[i] = sum.values().copied().fold(1.0, f64::max);
        }
        // Damped update: the fixed point can oscillate when stretching one
        // stage changes what it overlaps.
        let mut moved = 0.0f64;
        for i in 0..n {
            let v = if iteration == 0 {
                next[i]
            } else {
                0.5 * (slow[i] + next[i])
            };
            moved = moved.max((v - slow[i]).abs());
            slow[i] = v;
        }
        if moved < 1e-6 {
            break;
        }
    }
    // Final spans with the settled slowdowns.
    let mut timeline = Vec::with_capacity(n);
    for i in 0..n {
        let f = span_factor(&slow, outcomes, i);
        let (s, _) = spans[i];
        let end = s + base[i] * f;
        spans[i] = (s, end);
        let names: Vec<String> = shared[i].iter().map(|&j| outcomes[j].workload.id.clone()).collect();
        let w = &mut outcomes[i].workload;
        if slow[i] > 1.0 + 1e-3 {
            apply_slowdown(w, slow[i], f, &names, &shared[i], &demand, i);
        }
        timeline.push(StageSpan {
            stage: w.id.clone(),
            kind: w.kind.clone(),
            start_s: s,
            end_s: end,
            slowdown: slow[i],
            shared_with: names,
        });
    }
    let events = place_events(plan, outcomes, &spans);
    (timeline, events)
}

/// How much a stage's span stretches for its slowdown (serving: not at all).
fn span_factor(slow: &[f64], outcomes: &[StageOutcome], i: usize) -> f64 {
    if outcomes[i].fixed_span { 1.0 } else { slow[i] }
}

fn apply_slowdown(
    w: &mut WorkloadResult,
    slow: f64,
    stretch: f64,
    names: &[String],
    shared: &[usize],
    demand: &[BTreeMap<Resource, f64>],
    i: usize,
) {
    // The resource the slowdown came from: the most demanded shared one.
    let mut worst: Option<(&Resource, f64)> = None;
    for &j in shared {
        for (k, v) in &demand[i] {
            if let Some(o) = demand[j].get(k) {
                let s = v + o;
                if worst.is_none_or(|(_, b)| s > b) {
                    worst = Some((k, s));
                }
            }
        }
    }
    let what = worst
        .map(|(k, _)| match k {
            Resource::Link(id) => format!("link '{id}'"),
            other => format!("node '{}'", other.plan_subject()),
        })
        .unwrap_or_else(|| "resources".to_owned());
    let with = names.iter().map(|s| format!("'{s}'")).collect::<Vec<_>>().join(", ");
    if stretch > 1.0 {
        for k in TIME_METRICS {
            if let Some(v) = w.metrics.get_mut(&k) {
                *v *= stretch;
            }
        }
        for k in RATE_METRICS {
            if let Some(v) = w.metrics.get_mut(&k) {
                *v /= stretch;
            }
        }
        let line = format!("ran {stretch:.2}× longer: shared {what} with {with} running at the same time");
        w.notes.push(line.clone());
        w.diagnosis = format!("{line}. {}", w.diagnosis);
    } else {
        let line = format!(
            "shared {what} with {with}: about 1/{slow:.2} of its capacity while they overlap (the serving horizon is fixed; latency and throughput above assume the cluster alone)"
        );
        w.notes.push(line.clone());
        w.diagnosis = format!("{line}. {}", w.diagnosis);
    }
    w.metrics.insert(MetricKey::ContentionSlowdown, slow);
    if let Some((k, _)) = worst {
        w.bottleneck = Some(k.clone());
    }
}

/// Events of every stage on the lifecycle clock: start/end, the stage's own
/// events stretched by its slowdown; capped per kind per stage and in total.
fn place_events(plan: &Plan, outcomes: &[StageOutcome], spans: &[(f64, f64)]) -> Vec<SimEvent> {
    let mut all: Vec<SimEvent> = Vec::new();
    for (i, o) in outcomes.iter().enumerate() {
        let w = &o.workload;
        let (s, e) = spans[i];
        let base = duration_of(w);
        let f = if base > 0.0 { (e - s) / base } else { 1.0 };
        let subject = plan
            .stages
            .iter()
            .find(|st| st.id.as_str() == w.id)
            .and_then(|st| st.placement.first())
            .map(|n| Resource::Node(n.clone()));
        all.push(SimEvent {
            t_s: s,
            stage: w.id.clone(),
            kind: EventKind::StageStart,
            subject: subject.clone(),
            text: format!("{} '{}' starts", w.kind, w.name),
        });
        let mut per_kind: BTreeMap<EventKind, usize> = BTreeMap::new();
        for ev in &o.events {
            if !ev.summary {
                let c = per_kind.entry(ev.kind).or_insert(0);
                *c += 1;
                if *c > MAX_EVENTS_PER_KIND {
                    continue;
                }
            }
            all.push(SimEvent {
                t_s: s + (ev.t_s * f).clamp(0.0, e - s),
                stage: w.id.clone(),
                kind: ev.kind,
                subject: ev.subject.clone(),
                text: ev.text.clone(),
            });
        }
        for (kind, c) in per_kind {
            if c > MAX_EVENTS_PER_KIND {
                all.push(SimEvent {
                    t_s: e,
                    stage: w.id.clone(),
                    kind,
                    subject: None,
                    text: format!(
                        "{} more {} events of '{}' not listed (first {MAX_EVENTS_PER_KIND} kept)",
                        c - MAX_EVENTS_PER_KIND,
                        kind_name(kind),
                        w.id
                    ),
                });
            }
        }
        all.push(SimEvent {
            t_s: e,
            stage: w.id.clone(),
            kind: EventKind::StageEnd,
            subject,
            text: format!("{} '{}' ends after {}", w.kind, w.name, human_duration(e - s)),
        });
    }
    // Time order; ties keep generation order (stage order, then the stage's own).
    all.sort_by(|a, b| a.t_s.total_cmp(&b.t_s));
    if all.len() > MAX_EVENTS {
        let dropped = all.len() - (MAX_EVENTS - 1);
        all.truncate(MAX_EVENTS - 1);
        let t = all.last().map(|e| e.t_s).unwrap_or(0.0);
        all.push(SimEvent {
            t_s: t,
            stage: String::new(),
            kind: EventKind::StageEnd,
            subject: None,
            text: format!("{dropped} later events not listed (the log keeps {MAX_EVENTS})"),
        });
    }
    all
}

fn kind_name(k: EventKind) -> &'static str {
    match k {
        EventKind::StageStart => "start",
        EventKind::StageEnd => "end",
        EventKind::Transfer => "transfer",
        EventKind::Checkpoint => "checkpoint",
        EventKind::Failure => "failure",
        EventKind::Restart => "restart",
        EventKind::Preemption => "preemption",
        EventKind::ScaleUp => "scale-up",
        EventKind::ScaleDown => "scale-down",
        EventKind::ColdStart => "cold-start",
        EventKind::Starved => "starvation",
        EventKind::SloMiss => "SLO-miss",
    }
}

/// "3.2 h", "12 min", "45 s", "2.1 days".
pub fn human_duration(s: f64) -> String {
    if s >= 2.0 * 86_400.0 {
        format!("{:.1} days", s / 86_400.0)
    } else if s >= 2.0 * 3600.0 {
        format!("{:.1} h", s / 3600.0)
    } else if s >= 120.0 {
        format!("{:.0} min", s / 60.0)
    } else {
        format!("{s:.1} s")
    }
}
