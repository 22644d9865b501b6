//! `clusterforge report PLAN -o report.png`: render the PNG report of a plan
//! (simulating it first when the plan is valid), with the plan's RON embedded so the PNG reopens as the plan.

use super::{EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, load_or_report};
use crate::format;
use crate::model::{Catalog, Plan, Severity};
use crate::report::{self, Figures, ReportInput};
use crate::sim;
use std::path::Path;
use std::time::Instant;

/// Run the command; returns the exit code.
pub fn run(plan_path: &Path, output: &Path, date: Option<&str>, uncertainty: Option<u32>, catalog: &Catalog) -> u8 {
    let plan = match load_or_report(plan_path) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let problems = plan.validate(catalog);
    let errors = problems.iter().filter(|p| p.severity == Severity::Error).count();
    for p in &problems {
        eprintln!("{}: {p}", plan_path.display());
    }
    let mut failed = errors > 0;
    let run = if errors == 0 {
        match simulate(&plan, catalog) {
            Ok(r) => Some(r),
            Err(e) => {
                eprintln!("{}: cannot simulate: {e}", plan_path.display());
                failed = true;
                None
            }
        }
    } else {
        None
    };
    // The bands need a run to sit around: none for a plan that did not simulate.
    let bands = match (uncertainty, &run) {
        (Some(n), Some((_, results))) => {
            eprintln!("sampling {n} runs over the catalog's ranges…");
            let seed = plan.settings.seed;
            match super::progress::with_progress(|progress| {
                sim::uncertainty::run(&plan, catalog, n, seed, Some(results), progress)
            }) {
                Ok(u) => Some(u),
                Err(e) => {
                    eprintln!("{}: uncertainty: {e}", plan_path.display());
                    failed = true;
                    None
                }
            }
        }
        _ => None,
    };
    let results = run.map(|(figures, _)| figures);
    let generated = match date {
        Some(d) => d.to_owned(),
        None => crate::report::clock::now_utc(),
    };
    let input = ReportInput {
        plan: &plan,
        catalog,
        results: results.as_ref(),
        uncertainty: bands.as_ref(),
        generated: &generated,
    };
    let bytes = match report::render_png(&input) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_PROBLEMS;
        }
    };
    if let Err(e) = report::write_atomic(output, &bytes) {
        eprintln!("error: {e}");
        return EXIT_USAGE;
    }
    eprintln!(
        "wrote {} ({} KB){}",
        output.display(),
        bytes.len().div_ceil(1024),
        if results.is_some() { "" } else { " — not simulated" }
    );
    if failed && errors == 0 {
        eprintln!("the report shows the plan without results");
        return EXIT_PROBLEMS;
    }
    if errors > 0 {
        eprintln!(
            "{}: {}: the report shows the plan and its problems, without results",
            plan_path.display(),
            format::plural(errors, "validation error", "validation errors")
        );
        return EXIT_PROBLEMS;
    }
    EXIT_OK
}

/// Simulate a valid plan for the report, with progress on stderr. A plan the
/// simulator refuses (e.g. a model that does not fit in memory) is reported
/// and drawn without results.
fn simulate(plan: &Plan, catalog: &Catalog) -> Result<(Figures, sim::Results), String> {
    let seed = plan.settings.seed;
    eprintln!("simulating '{}' (seed {seed})…", plan.name);
    let started = Instant::now();
    let result = super::progress::with_progress(|progress| sim::simulate(plan, catalog, seed, progress));
    match result {
        Ok(r) => {
            eprintln!(
                "simulated {} in {:.1} s",
                format::plural(r.workloads.len(), "stage", "stages"),
                started.elapsed().as_secs_f64()
            );
            Ok((Figures::from_sim(plan, &r), r))
        }
        Err(e) => Err(e.to_string()),
    }
}
