//! The figures every view shows, computed once from the simulator's
//! [`Results`] and the plan: plan totals, cost by site and stage, each
//! stage's metrics, its breakdown by cause (labelled, in one order) and the
//! utilization of every resource it keeps busy, the lifecycle timeline, and
//! the per-node/per-link use the canvas paints. The canvas overlay, the
//! Results tab, Compare, the PNG report and `clusterforge simulate` read
//! these; none computes its own.
//!
//! Utilization has one definition (see `WorkloadResult::utilization`): the
//! mean busy fraction of a resource's capacity over the stage's run. For a
//! compute group that is the share of its devices the stage holds times the
//! share of time they compute, so a fleet held all day but busy 1 % of it
//! reads 1 % on the canvas, in the tables, in the PNG and in the CLI.

use crate::model::{LinkId, NodeId, Plan, StageId, Subject};
use crate::sim::Results;
use crate::sim::metrics::{Cause, MetricKey, Resource, SeriesKey};
use crate::sim::results::WorkloadResult;
use std::collections::BTreeMap;

/// A report's (and the Results tab's) view of one run.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Figures {
    /// Seed and detailed iterations the run used.
    pub seed: u64,
    pub detailed_iterations: u32,
    /// Whole-lifecycle figures: [`MetricKey::PlanCost`], `PlanEnergy`,
    /// `PlanCarbon`, `GpuHours`, `Makespan` (from `Results::cost`, summed
    /// once by the simulator).
    pub summary: BTreeMap<MetricKey, f64>,
    /// One entry per simulated stage, in plan order.
    pub workloads: Vec<StageFigures>,
    /// Mean (and peak) busy fraction of every resource of every stage.
    pub utilization: Vec<UseFigure>,
    /// Cost lines by site and stage, USD.
    pub cost: Vec<CostLine>,
    /// When each stage ran, seconds from the start of the lifecycle.
    pub timeline: Vec<TimelineSpan>,
    /// Assumptions the simulator made, one sentence each.
    pub assumptions: Vec<String>,
    /// Owning vs renting the plan's compute over the plan's cost horizon.
    pub tco: Option<crate::sim::cost::DeploymentComparison>,
}

/// Figures of one stage.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StageFigures {
    pub stage: StageId,
    /// `StageKind::key()`: "train", "serve", "ingest", …
    pub kind: String,
    pub metrics: BTreeMap<MetricKey, f64>,
    /// Seconds per iteration (training) or of the run (other stages) by
    /// cause, in [`Cause`] order, causes under 0.1 % of the total left out.
    pub breakdown: Vec<CauseFigure>,
    /// The bottleneck, in one sentence.
    pub diagnosis: String,
}

/// One cause of a breakdown.
#[derive(Clone, Debug, PartialEq)]
pub struct CauseFigure {
    pub cause: Cause,
    pub seconds: f64,
    /// Of the breakdown's total, 0..1.
    pub share: f64,
}

impl CauseFigure {
    pub fn label(&self) -> &'static str {
        self.cause.label()
    }
}

/// Utilization of one resource by one stage.
#[derive(Clone, Debug, PartialEq)]
pub struct UseFigure {
    /// Stage id the figure belongs to.
    pub stage: String,
    pub resource: Resource,
    /// The plan node or link a click selects.
    pub subject: Subject,
    /// "DGX H100 pod", "link a--b", "DGX H100 pod scale-up (NVLink)".
    pub label: String,
    /// Mean busy fraction over the run, 0..1.
    pub mean: f64,
    /// Highest bucket of the resource's busy series, when it has one.
    pub peak: Option<f64>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct CostLine {
    /// Site name.
    pub site: String,
    /// What the line is for (the stage's name).
    pub component: String,
    pub usd: f64,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct TimelineSpan {
    pub stage: StageId,
    pub start_s: f64,
    pub end_s: f64,
}

/// A stage's breakdown in [`Cause`] order, without causes under 0.1 % of
/// its total (they would be invisible slivers) or non-finite ones.
pub fn breakdown(w: &WorkloadResult) -> Vec<CauseFigure> {
    let total: f64 = w.breakdown.values().filter(|v| v.is_finite() && **v > 0.0).sum();
    if total <= 0.0 {
        return Vec::new();
    }
    w.breakdown
        .iter()
        .filter(|(_, v)| v.is_finite() && **v > total * 1e-3)
        .map(|(c, v)| CauseFigure {
            cause: *c,
            seconds: *v,
            share: v / total,
        })
        .collect()
}

/// Every resource a stage keeps busy, in resource order (plan nodes, links,
/// scale-up fabrics, NICs), with the peak of its busy series if any.
pub fn utilization(plan: &Plan, w: &WorkloadResult) -> Vec<UseFigure> {
    w.utilization
        .iter()
        .filter(|(_, v)| v.is_finite())
        .map(|(r, mean)| UseFigure {
            stage: w.id.clone(),
            resource: r.clone(),
            subject: r.plan_subject(),
            label: r.label(plan),
            mean: mean.clamp(0.0, 1.0),
            peak: w
                .series
                .get(&SeriesKey::Busy(r.clone()))
                .and_then(|s| s.iter().map(|p| p.1).filter(|v| v.is_finite()).reduce(f64::max)),
        })
        .collect()
}

/// Per plan node and link, the busiest use by any stage: what the canvas
/// paints after a run.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PlanUse {
    pub nodes: BTreeMap<NodeId, f64>,
    pub links: BTreeMap<LinkId, f64>,
}

pub fn plan_use(results: &Results) -> PlanUse {
    let mut u = PlanUse::default();
    for w in &results.workloads {
        for (r, v) in &w.utilization {
            let v = if v.is_finite() { v.clamp(0.0, 1.0) } else { continue };
            let slot = match r {
                Resource::Node(id) => u.nodes.entry(id.clone()).or_insert(0.0),
                Resource::Link(id) => u.links.entry(id.clone()).or_insert(0.0),
                _ => continue,
            };
            *slot = slot.max(v);
        }
    }
    u
}

/// The bottleneck the canvas rings: that of the first stage that names a
/// node or link of `plan`, training first (it is usually what the cluster
/// is for), as the plan subject, with its stage.
pub fn bottleneck<'a>(plan: &Plan, results: &'a Results) -> Option<(Subject, &'a WorkloadResult)> {
    let mut ranked: Vec<&WorkloadResult> = results.workloads.iter().collect();
    ranked.sort_by_key(|w| w.kind != "train");
    ranked.into_iter().find_map(|w| {
        let s = w.bottleneck.as_ref()?.plan_subject();
        let known = match &s {
            Subject::Node(n) => plan.node(n).is_some(),
            Subject::Link(l) => plan.link(l).is_some(),
            _ => false,
        };
        known.then_some((s, w))
    })
}

impl Figures {
    /// The figures of `results` for `plan`.
    pub fn from_sim(plan: &Plan, results: &Results) -> Figures {
        let mut out = Figures {
            seed: results.seed,
            detailed_iterations: plan.settings.detailed_iterations,
            tco: results.tco.clone(),
            ..Figures::default()
        };
        if !results.prices.is_empty() {
            out.assumptions.push(results.prices.clone());
        }
        let c = &results.cost;
        out.summary.insert(MetricKey::PlanCost, c.total_usd);
        out.summary.insert(MetricKey::PlanEnergy, c.energy_kwh);
        out.summary.insert(MetricKey::PlanCarbon, c.carbon_kg);
        if c.gpu_hours > 0.0 {
            out.summary.insert(MetricKey::GpuHours, c.gpu_hours);
        }
        for w in &results.workloads {
            let stage = StageId::new(w.id.clone());
            out.workloads.push(StageFigures {
                stage: stage.clone(),
                kind: w.kind.clone(),
                metrics: w.metrics.clone(),
                breakdown: breakdown(w),
                diagnosis: w.diagnosis.clone(),
            });
            out.utilization.extend(utilization(plan, w));
            if let Some(usd) = c.per_stage_usd.get(&w.id) {
                for part in crate::sim::results::stage_cost_by_site(plan, w, *usd) {
                    let site = plan
                        .site(&crate::model::SiteId::new(part.site.clone()))
                        .map(|s| s.name.clone())
                        .unwrap_or(part.site);
                    out.cost.push(CostLine {
                        site,
                        component: match part.part {
                            Some(p) => format!("{} · {p}", w.name),
                            None => w.name.clone(),
                        },
                        usd: part.usd,
                    });
                }
            }
            for note in &w.notes {
                let line = format!("{}: {note}", w.name);
                if !out.assumptions.contains(&line) {
                    out.assumptions.push(line);
                }
            }
        }
        out.timeline = results
            .timeline
            .iter()
            .map(|s| TimelineSpan {
                stage: StageId::new(s.stage.clone()),
                start_s: s.start_s,
                end_s: s.end_s,
            })
            .collect();
        if let Some(m) = results.makespan_s() {
            out.summary.insert(MetricKey::Makespan, m);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn breakdown_keeps_cause_order_and_drops_slivers() {
        let mut w = WorkloadResult::default();
        w.breakdown.insert(Cause::Failures, 1.0);
        w.breakdown.insert(Cause::Compute, 8.0);
        w.breakdown.insert(Cause::DpComm, 1.0);
        w.breakdown.insert(Cause::Bubble, 1e-6);
        let b = breakdown(&w);
        let causes: Vec<Cause> = b.iter().map(|c| c.cause).collect();
        assert_eq!(causes, vec![Cause::Compute, Cause::DpComm, Cause::Failures]);
        assert!((b[0].share - 0.8).abs() < 1e-6);
    }

    #[test]
    fn plan_use_takes_the_busiest_stage() {
        let mut a = WorkloadResult::default();
        a.utilization.insert(Resource::Node("gpu".into()), 0.2);
        a.utilization.insert(Resource::ScaleUp("gpu".into()), 0.9);
        let mut b = WorkloadResult::default();
        b.utilization.insert(Resource::Node("gpu".into()), 0.7);
        b.utilization.insert(Resource::Link("l".into()), f64::NAN);
        let r = Results {
            workloads: vec![a, b],
            ..Default::default()
        };
        let u = plan_use(&r);
        assert_eq!(u.nodes.get(&NodeId::from("gpu")), Some(&0.7));
        assert!(u.links.is_empty());
    }
}
