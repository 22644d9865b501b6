//! What a simulation returns: one entry per workload (training today;
//! serving and data stages add their own kinds), each with named metrics in
//! SI units, a breakdown by cause, utilization and a one-sentence diagnosis.

use crate::sim::metrics::{Cause, MetricKey, Resource, SeriesKey};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Results {
    pub plan: String,
    pub seed: u64,
    pub workloads: Vec<WorkloadResult>,
    /// Plan-level totals over every simulated stage.
    pub cost: CostTotals,
    /// When each stage runs on the lifecycle clock (seconds from the start
    /// of the first stage), after dependencies and contention.
    pub timeline: Vec<StageSpan>,
    /// What happened, in time order on the lifecycle clock: stage starts and
    /// ends, checkpoints, failures and restarts, preemptions, autoscaling,
    /// cold starts, starvation. Playback steps through these.
    pub events: Vec<SimEvent>,
    /// Owning vs renting the plan's compute over the plan's cost horizon at
    /// its utilization, with the break-even (None when the plan has no
    /// compute the catalog can price both ways).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tco: Option<crate::sim::cost::DeploymentComparison>,
    /// Which prices the run used: their date and book, and the plan's
    /// discounts ([`crate::model::Catalog::prices_label`]).
    pub prices: String,
}

/// One stage on the lifecycle clock.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct StageSpan {
    /// Stage id of the plan.
    pub stage: String,
    /// Stage kind key (`"train"`, `"serve"`, …).
    pub kind: String,
    pub start_s: f64,
    pub end_s: f64,
    /// How much longer the stage ran than it would alone (1.0 = no
    /// contention) because it shared nodes, links or storage with stages
    /// running at the same time.
    pub slowdown: f64,
    /// Ids of the stages it overlapped with on shared resources.
    pub shared_with: Vec<String>,
}

/// What kind of thing a [`SimEvent`] records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    StageStart,
    StageEnd,
    /// A bulk transfer (dataset read, checkpoint write, ingest batch).
    Transfer,
    Checkpoint,
    Failure,
    Restart,
    Preemption,
    ScaleUp,
    ScaleDown,
    ColdStart,
    /// A consumer waited for its input (training starved by storage, …).
    Starved,
    /// An SLO or target was missed.
    SloMiss,
}

/// One event of a simulated lifecycle.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SimEvent {
    /// Seconds from the start of the lifecycle.
    pub t_s: f64,
    /// Stage id ("" for plan-level events).
    pub stage: String,
    pub kind: EventKind,
    /// The plan node or link the event is about, if any.
    pub subject: Option<Resource>,
    /// One sentence for the event list.
    pub text: String,
}

/// Cost, energy and emissions of the simulated lifecycle, in total, per site
/// (the site of a stage's first placement node) and per stage.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct CostTotals {
    pub total_usd: f64,
    pub energy_kwh: f64,
    /// kg CO2e: each stage's energy at its site's grid intensity.
    pub carbon_kg: f64,
    /// Accelerator-hours of every stage that reports them.
    pub gpu_hours: f64,
    pub per_site_usd: BTreeMap<String, f64>,
    pub per_stage_usd: BTreeMap<String, f64>,
    pub per_site_energy_kwh: BTreeMap<String, f64>,
    pub per_site_carbon_kg: BTreeMap<String, f64>,
    /// Figures that came out infinite or NaN ("stage 'train': cost is
    /// inf"); empty for any plan that passes validation.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub not_finite: Vec<String>,
}

/// The site of a stage's first placement node ("unplaced" without one).
pub fn stage_site(plan: &crate::model::Plan, stage_id: &str) -> String {
    plan.stages
        .iter()
        .find(|s| s.id.as_str() == stage_id)
        .and_then(|s| s.placement.first())
        .and_then(|n| plan.node(n))
        .map(|n| n.site.to_string())
        .unwrap_or_else(|| "unplaced".to_owned())
}

/// One stage's cost paid at one site.
#[derive(Clone, Debug, PartialEq)]
pub struct SiteCost {
    /// Site id.
    pub site: String,
    pub usd: f64,
    /// What the part pays for, when a stage's cost is split ("QPU bill").
    pub part: Option<&'static str>,
}

/// Where stage `w`'s cost `usd` is paid: at the site of its first placement
/// node, except a hybrid quantum stage's QPU bill, which is paid to the
/// QPU's site (the provider). Every view splits cost by site through this.
pub fn stage_cost_by_site(plan: &crate::model::Plan, w: &WorkloadResult, usd: f64) -> Vec<SiteCost> {
    let site = stage_site(plan, &w.id);
    let qpu_usd = w.metric(MetricKey::QpuCost).unwrap_or(0.0);
    match qpu_site(plan, &w.id) {
        Some(qpu) if qpu_usd.is_finite() && qpu_usd > 0.0 => vec![
            SiteCost {
                site,
                usd: usd - qpu_usd,
                part: Some("classical side"),
            },
            SiteCost {
                site: qpu,
                usd: qpu_usd,
                part: Some("QPU bill"),
            },
        ],
        _ => vec![SiteCost { site, usd, part: None }],
    }
}

/// The site of a hybrid quantum stage's QPU node.
fn qpu_site(plan: &crate::model::Plan, stage_id: &str) -> Option<String> {
    let stage = plan.stages.iter().find(|s| s.id.as_str() == stage_id)?;
    let crate::model::StageKind::Quantum(q) = &stage.kind else {
        return None;
    };
    plan.node(&q.qpu).map(|n| n.site.to_string())
}

impl CostTotals {
    /// Add up `cost_usd`, `energy_kwh` and `carbon_kg` of every workload.
    /// A non-finite figure is summed as it is, so the total is `inf` or
    /// `NaN` (shown as "—"), never a silent 0, and named in `not_finite`.
    pub fn from_workloads(plan: &crate::model::Plan, workloads: &[WorkloadResult]) -> CostTotals {
        let mut t = CostTotals::default();
        for w in workloads {
            let mut figure = |k: MetricKey| {
                let v = w.metric(k).unwrap_or(0.0);
                if !v.is_finite() {
                    t.not_finite
                        .push(format!("stage '{}': {} is {v}", w.id, k.label().to_lowercase()));
                }
                v
            };
            let (usd, kwh, co2, gpu_h) = (
                figure(MetricKey::Cost),
                figure(MetricKey::Energy),
                figure(MetricKey::Carbon),
                figure(MetricKey::GpuHours),
            );
            t.total_usd += usd;
            t.energy_kwh += kwh;
            t.carbon_kg += co2;
            t.gpu_hours += gpu_h;
            *t.per_stage_usd.entry(w.id.clone()).or_insert(0.0) += usd;
            let site = stage_site(plan, &w.id);
            for part in stage_cost_by_site(plan, w, usd) {
                *t.per_site_usd.entry(part.site).or_insert(0.0) += part.usd;
            }
            *t.per_site_energy_kwh.entry(site.clone()).or_insert(0.0) += kwh;
            *t.per_site_carbon_kg.entry(site).or_insert(0.0) += co2;
        }
        t
    }
}

impl Results {
    pub fn workload(&self, id: &str) -> Option<&WorkloadResult> {
        self.workloads.iter().find(|w| w.id == id)
    }
    /// From the first stage's start to the last stage's end, seconds.
    pub fn makespan_s(&self) -> Option<f64> {
        let start = self.timeline.iter().map(|s| s.start_s).fold(f64::INFINITY, f64::min);
        let end = self.timeline.iter().map(|s| s.end_s).fold(f64::NEG_INFINITY, f64::max);
        (start.is_finite() && end.is_finite() && end >= start).then_some(end - start)
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct WorkloadResult {
    /// Stage id of the plan.
    pub id: String,
    pub name: String,
    /// Stage kind key (`"train"`, `"serve"`, …).
    pub kind: String,
    /// Figures in SI units; labels, units and directions in
    /// [`crate::sim::metrics`].
    pub metrics: BTreeMap<MetricKey, f64>,
    /// Where the time goes, seconds per iteration by cause; sums to the
    /// effective iteration time (steady state plus amortized checkpoint and
    /// failure losses).
    pub breakdown: BTreeMap<Cause, f64>,
    /// Mean busy fraction (0..1) of each resource over the stage's run — the
    /// one utilization every view shows (canvas, tables, PNG, CLI, JSON):
    /// compute node groups: share of the group's devices held × the share of
    /// time they compute; storage: bytes/s over aggregate throughput; links:
    /// bytes/s over capacity, busier direction; scale-up fabric and NICs:
    /// share of time busy.
    pub utilization: BTreeMap<Resource, f64>,
    /// Over time, (seconds from the start of an iteration or of the stage,
    /// value of the bucket).
    pub series: BTreeMap<SeriesKey, Vec<(f64, f64)>>,
    /// Per-device memory, bytes, of the most loaded device.
    pub memory: BTreeMap<MemoryPart, f64>,
    /// What the stage claims of each plan node and link for the contention
    /// model of the lifecycle clock (compute: share of devices held, since a
    /// device runs one stage at a time; storage and links: busy fraction).
    /// Not a utilization: views show [`WorkloadResult::utilization`].
    pub demand: BTreeMap<Resource, f64>,
    /// Data stages: each limit on the stage's pace as raw-equivalent
    /// bytes/s; the slowest sets the pace.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub limits: Vec<RateLimit>,
    /// The plan node or link the diagnosis points at, if any.
    pub bottleneck: Option<Resource>,
    /// The bottleneck, the node or link it is on, and what would help.
    pub diagnosis: String,
    /// Assumptions and warnings a user should read.
    pub notes: Vec<String>,
}

impl WorkloadResult {
    pub fn metric(&self, key: MetricKey) -> Option<f64> {
        self.metrics.get(&key).copied()
    }
}

/// One limit on a data stage's pace.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RateLimit {
    /// What limits ("read from Lustre", "worker network").
    pub what: String,
    /// Raw-equivalent bytes per second.
    pub bytes_per_s: f64,
}

/// A part of the per-device memory of a training stage.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MemoryPart {
    Weights,
    Gradients,
    Optimizer,
    Activations,
    Buffers,
    /// The device's memory (not a part: the limit the parts must fit in).
    Capacity,
}

impl MemoryPart {
    pub const PARTS: [MemoryPart; 5] = [
        MemoryPart::Weights,
        MemoryPart::Gradients,
        MemoryPart::Optimizer,
        MemoryPart::Activations,
        MemoryPart::Buffers,
    ];
    pub fn key(self) -> &'static str {
        match self {
            MemoryPart::Weights => "weights",
            MemoryPart::Gradients => "gradients",
            MemoryPart::Optimizer => "optimizer",
            MemoryPart::Activations => "activations",
            MemoryPart::Buffers => "buffers",
            MemoryPart::Capacity => "capacity",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            MemoryPart::Weights => "Weights",
            MemoryPart::Gradients => "Gradients",
            MemoryPart::Optimizer => "Optimizer state",
            MemoryPart::Activations => "Activations",
            MemoryPart::Buffers => "Buffers",
            MemoryPart::Capacity => "Capacity",
        }
    }
}

impl Serialize for MemoryPart {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.key())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stage(id: &str, usd: f64) -> WorkloadResult {
        let mut w = WorkloadResult {
            id: id.into(),
            ..Default::default()
        };
        w.metrics.insert(MetricKey::Cost, usd);
        w.metrics.insert(MetricKey::Energy, 10.0);
        w
    }

    #[test]
    fn an_infinite_stage_cost_is_never_summed_as_zero() {
        let plan = crate::model::Plan::default();
        let t = CostTotals::from_workloads(&plan, &[stage("a", 100.0), stage("b", f64::INFINITY)]);
        assert_eq!(t.total_usd, f64::INFINITY);
        assert_eq!(t.energy_kwh, 20.0);
        assert_eq!(t.not_finite, vec!["stage 'b': cost is inf".to_owned()]);
        let t = CostTotals::from_workloads(&plan, &[stage("a", 100.0), stage("b", f64::NAN)]);
        assert!(t.total_usd.is_nan());
        assert_eq!(t.not_finite.len(), 1);
        let t = CostTotals::from_workloads(&plan, &[stage("a", 100.0), stage("b", 5.0)]);
        assert_eq!((t.total_usd, t.not_finite.len()), (105.0, 0));
    }
}
