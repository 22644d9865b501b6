//! The plan-level entry point: simulate every stage the simulator models.

use super::budget::Budget;
use super::lifecycle::schedule::{LocalEvent, StageOutcome};
use super::lifecycle::{self, stages, usage};
use super::results::EventKind;
use super::results::Results;
use super::{Progress, SimError};
use super::{data, serving, training};
use crate::model::{Catalog, Plan, StageKind, validate::has_errors};
use crate::sim::metrics::{MetricKey, Resource};

/// The catalog a run of `plan` prices with (its negotiated discounts taken
/// off), once the plan passed the checks made before a run
/// ([`super::budget::preflight`]); their errors otherwise.
pub fn checked_catalog<'a>(
    plan: &Plan,
    catalog: &'a Catalog,
    budget: &Budget,
) -> Result<std::borrow::Cow<'a, Catalog>, SimError> {
    let catalog = catalog.discounted(&plan.settings.discounts);
    let problems = super::budget::preflight(plan, &catalog, budget);
    if has_errors(&problems) {
        let msg: Vec<String> = problems
            .iter()
            .filter(|p| p.severity == crate::model::Severity::Error)
            .map(|p| p.to_string())
            .collect();
        return Err(SimError::Invalid(msg.join("; ")));
    }
    Ok(catalog)
}

/// The seed of the `index`-th stage of a run seeded with `seed`: stages draw
/// independent streams, and a search that re-runs one stage alone (capacity)
/// draws the same stream as the full run.
pub fn stage_seed(seed: u64, index: usize) -> u64 {
    seed.wrapping_add(index as u64)
}

/// Simulate a validated plan within the default [`Budget`]. Problems found
/// before the run (validation, memory, stage set-up, budget: see
/// [`super::budget::preflight`]) are returned as [`SimError::Invalid`].
pub fn simulate(plan: &Plan, catalog: &Catalog, seed: u64, progress: &Progress) -> Result<Results, SimError> {
    simulate_with(plan, catalog, seed, progress, &Budget::default())
}

/// [`simulate`] within `budget` (entities and serving events).
pub fn simulate_with(
    plan: &Plan,
    catalog: &Catalog,
    seed: u64,
    progress: &Progress,
    budget: &Budget,
) -> Result<Results, SimError> {
    // Negotiated discounts are taken off every catalog price once, here, so
    // every figure of the run (stages, TCO, own vs rent) sees the same prices.
    let prices = match plan.settings.discounts.label() {
        d if d.is_empty() => catalog.prices_label(),
        d => format!("{}; negotiated discounts: {d}", catalog.prices_label()),
    };
    let catalog = &*checked_catalog(plan, catalog, budget)?;
    let mut results = Results {
        plan: plan.name.clone(),
        seed,
        workloads: Vec::new(),
        cost: Default::default(),
        timeline: Vec::new(),
        events: Vec::new(),
        tco: None,
        prices,
    };
    let total = plan.stages.len().max(1) as f64;
    let mut outcomes: Vec<StageOutcome> = Vec::new();
    // Data stages' results, to tell whether they can feed a training stage.
    let mut data_results: Vec<(&crate::model::DataStage, data::DataResult)> = Vec::new();
    for (i, stage) in plan.stages.iter().enumerate() {
        if progress.is_cancelled() {
            return Err(SimError::Cancelled);
        }
        let stage_seed = stage_seed(seed, i);
        let in_stage = |e: SimError| match e {
            SimError::Invalid(message) => SimError::Invalid(format!("stage '{}': {message}", stage.id)),
            other => other,
        };
        let outcome = match &stage.kind {
            StageKind::Train(t) => {
                let (w, run, history) = training::simulate_stage_history(plan, catalog, stage, stage_seed)
                    .map_err(|message| SimError::Invalid(format!("stage '{}': {message}", stage.id)))?;
                let mut events = stages::training_events(t, &run, &history, &w);
                // A data stage writing the training data: can it keep up?
                let demand = w.metric(MetricKey::DataDemand).unwrap_or(0.0);
                for (d, r) in &data_results {
                    if t.data_source.as_ref() == Some(&d.destination) {
                        let ratio = data::feed_ratio(r, r.output_stored_bytes, demand);
                        if ratio < 1.0 {
                            events.push(LocalEvent::new(
                                0.0,
                                EventKind::Starved,
                                Some(Resource::Node(d.destination.clone())),
                                format!(
                                    "'{}' can be read back at {:.0} % of the rate training consumes",
                                    d.destination,
                                    ratio * 100.0
                                ),
                            ));
                        }
                    }
                }
                StageOutcome {
                    workload: w,
                    events,
                    fixed_span: false,
                }
            }
            StageKind::Serve(s) => {
                let r = serving::simulate_serve_stage_limited(
                    plan,
                    stage,
                    s,
                    catalog,
                    stage_seed,
                    progress,
                    budget.max_events,
                )
                .map_err(in_stage)?;
                let mut w = r.to_workload(stage);
                usage::serving(plan, catalog, s, &r, &mut w);
                StageOutcome {
                    workload: w,
                    events: stages::serving_events(plan, stage, s, &r, stage_seed),
                    fixed_span: true,
                }
            }
            StageKind::Ingest(d) | StageKind::Preprocess(d) => {
                let r = data::simulate_data_stage(plan, stage, d, catalog).map_err(in_stage)?;
                let mut w = r.to_workload(stage);
                usage::data(plan, catalog, stage, d, &r, &mut w);
                let events = stages::data_events(d, &r);
                data_results.push((d, r));
                StageOutcome {
                    workload: w,
                    events,
                    fixed_span: false,
                }
            }
            StageKind::Validate(v) => StageOutcome {
                workload: stages::simulate_validate(plan, catalog, stage, v)?,
                events: Vec::new(),
                fixed_span: false,
            },
            StageKind::Quantum(q) => StageOutcome {
                workload: super::quantum::simulate_quantum(plan, catalog, stage, q, stage_seed)?,
                events: Vec::new(),
                fixed_span: true,
            },
            StageKind::Spiking(sp) => StageOutcome {
                workload: super::spiking::simulate_spiking(plan, catalog, stage, sp)?,
                events: Vec::new(),
                fixed_span: true,
            },
            StageKind::Checkpoint(c) => {
                let w = stages::simulate_checkpoint(plan, catalog, stage, c)?;
                let events = vec![LocalEvent::new(
                    0.0,
                    EventKind::Transfer,
                    Some(Resource::Node(c.target.clone())),
                    format!(
                        "writing {:.1} GB to '{}'",
                        w.metric(MetricKey::BytesWritten).unwrap_or(0.0) / 1e9,
                        c.target
                    ),
                )];
                StageOutcome {
                    workload: w,
                    events,
                    fixed_span: false,
                }
            }
        };
        outcomes.push(outcome);
        progress.set_fraction((i + 1) as f64 / total);
    }
    let (timeline, events) = lifecycle::schedule(plan, &mut outcomes);
    results.workloads = outcomes.into_iter().map(|o| o.workload).collect();
    for w in &mut results.workloads {
        add_carbon(plan, w);
    }
    results.timeline = timeline;
    results.events = events;
    results.cost = super::results::CostTotals::from_workloads(plan, &results.workloads);
    if !results.cost.not_finite.is_empty() {
        // Validation bounds every input, so this is a model gap; a total of
        // "inf USD" (or a 0 that hides it) must not reach the user as a result.
        return Err(SimError::Invalid(format!(
            "the totals are not finite: {}; check the plan's prices, PUE and sizes",
            results.cost.not_finite.join("; ")
        )));
    }
    results.tco = tco(plan, catalog)?;
    progress.set_fraction(1.0);
    Ok(results)
}

/// On-prem vs cloud vs as drawn over the plan's horizon and utilization;
/// None when no compute group can be priced both ways.
fn tco(plan: &Plan, catalog: &Catalog) -> Result<Option<super::cost::DeploymentComparison>, SimError> {
    let s = &plan.settings;
    let months = (s.tco_horizon_years * 12.0).round().clamp(1.0, 600.0) as u32;
    let c = super::cost::compare_deployments(plan, catalog, s.tco_utilization, months)?;
    let priced = plan
        .nodes
        .iter()
        .filter(|n| n.kind.role() == crate::model::NodeRole::Compute)
        .any(|n| !c.unmatched.contains(&n.id.to_string()));
    Ok(priced.then_some(c))
}

/// Emissions of a stage that reports energy but not carbon: its energy at
/// the grid intensity of its site (`Site::carbon_kg_per_kwh`).
fn add_carbon(plan: &Plan, w: &mut super::results::WorkloadResult) {
    if w.metrics.contains_key(&MetricKey::Carbon) {
        return;
    }
    let Some(kwh) = w.metric(MetricKey::Energy).filter(|v| v.is_finite()) else {
        return;
    };
    let site = super::results::stage_site(plan, &w.id);
    let intensity = plan
        .sites
        .iter()
        .find(|s| s.id.as_str() == site)
        .map(|s| s.carbon_kg_per_kwh)
        .filter(|v| v.is_finite() && *v >= 0.0)
        .unwrap_or(0.0);
    w.metrics.insert(MetricKey::Carbon, kwh * intensity);
}
