//! The plan-level entry point: simulate every stage the simulator models.

use super::lifecycle::usage;
use super::results::Results;
use super::{Progress, SimError};
use super::{data, serving, training};
use crate::model::{Catalog, Plan, StageKind, validate::has_errors};

/// Simulate a validated plan. Problems found by validation (or a plan that
/// does not fit in memory) are returned as [`SimError::Invalid`].
pub fn simulate(plan: &Plan, catalog: &Catalog, seed: u64, progress: &Progress) -> Result<Results, SimError> {
    let mut problems = plan.validate(catalog);
    problems.extend(training::memory_problems(plan, catalog));
    if has_errors(&problems) {
        let msg: Vec<String> = problems
            .iter()
            .filter(|p| p.severity == crate::model::Severity::Error)
            .map(|p| p.to_string())
            .collect();
        return Err(SimError::Invalid(msg.join("; ")));
    }
    let mut results = Results {
        plan: plan.name.clone(),
        seed,
        workloads: Vec::new(),
        cost: Default::default(),
        timeline: Vec::new(),
        events: Vec::new(),
    };
    let total = plan.stages.len().max(1) as f64;
    for (i, stage) in plan.stages.iter().enumerate() {
        if progress.is_cancelled() {
            return Err(SimError::Cancelled);
        }
        let stage_seed = seed.wrapping_add(i as u64);
        let in_stage = |e: SimError| match e {
            SimError::Invalid(message) => SimError::Invalid(format!("stage '{}': {message}", stage.id)),
            other => other,
        };
        match &stage.kind {
            StageKind::Train(_) => {
                let w = training::simulate_stage(plan, catalog, stage, stage_seed)
                    .map_err(|message| SimError::Invalid(format!("stage '{}': {message}", stage.id)))?;
                results.workloads.push(w);
            }
            StageKind::Serve(s) => {
                let r =
                    serving::simulate_serve_stage(plan, stage, s, catalog, stage_seed, progress).map_err(in_stage)?;
                let mut w = r.to_workload(stage);
                usage::serving(plan, catalog, s, &r, &mut w);
                results.workloads.push(w);
            }
            StageKind::Ingest(d) | StageKind::Preprocess(d) => {
                let r = data::simulate_data_stage(plan, stage, d, catalog).map_err(in_stage)?;
                let mut w = r.to_workload(stage);
                usage::data(plan, catalog, stage, d, &r, &mut w);
                results.workloads.push(w);
            }
            // Evaluation and checkpoint exports are not simulated yet; the
            // report and the GUI list them as "not simulated".
            StageKind::Validate(_) | StageKind::Checkpoint(_) => {}
        }
        progress.set_fraction((i + 1) as f64 / total);
    }
    results.cost = super::results::CostTotals::from_workloads(plan, &results.workloads);
    progress.set_fraction(1.0);
    Ok(results)
}
