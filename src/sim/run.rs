//! The plan-level entry point: simulate every stage the simulator models.

use super::results::Results;
use super::training;
use super::{Progress, SimError};
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
    };
    let total = plan.stages.len().max(1) as f64;
    for (i, stage) in plan.stages.iter().enumerate() {
        if progress.is_cancelled() {
            return Err(SimError::Cancelled);
        }
        if let StageKind::Train(_) = stage.kind {
            let w = training::simulate_stage(plan, catalog, stage, seed.wrapping_add(i as u64))
                .map_err(|message| SimError::Invalid(format!("stage '{}': {message}", stage.id)))?;
            results.workloads.push(w);
        }
        progress.set_fraction((i + 1) as f64 / total);
    }
    progress.set_fraction(1.0);
    Ok(results)
}
