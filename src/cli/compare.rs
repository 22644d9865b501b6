//! `clusterforge compare BASELINE CURRENT [--json | --csv]`: simulate two plans and
//! print the comparison table (or JSON); `clusterforge compare --sweep PLAN`
//! prints the scaling curve of a training stage. The logic lives in
//! [`crate::report::compare`]; this is only argument handling and output.

use super::{EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, load_or_report};
use crate::model::{Catalog, Plan};
use crate::report::compare::{self, sweep};
use crate::sim::{Progress, Results, simulate};
use std::path::Path;

fn simulated(path: &Path, plan: &Plan, catalog: &Catalog) -> Result<Results, u8> {
    simulate(plan, catalog, plan.settings.seed, &Progress::new()).map_err(|e| {
        eprintln!("{}: cannot simulate: {e}", path.display());
        EXIT_PROBLEMS
    })
}

/// How to print.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Output {
    Table,
    Json,
    Csv,
}

pub fn run(baseline: &Path, current: &Path, out: Output, catalog: &Catalog) -> u8 {
    let (bp, cp) = match (load_or_report(baseline), load_or_report(current)) {
        (Ok(b), Ok(c)) => (b, c),
        (Err(code), _) | (_, Err(code)) => return code,
    };
    // Both plans at once, one thread each.
    let (br, cr) = std::thread::scope(|s| {
        let b = s.spawn(|| simulated(baseline, &bp, catalog));
        let c = simulated(current, &cp, catalog);
        (b.join().unwrap_or(Err(EXIT_PROBLEMS)), c)
    });
    let (br, cr) = match (br, cr) {
        (Ok(b), Ok(c)) => (b, c),
        (Err(code), _) | (_, Err(code)) => return code,
    };
    let c = compare::compare((&bp, &br), (&cp, &cr));
    match out {
        Output::Json => match serde_json::to_string_pretty(&c) {
            Ok(s) => println!("{s}"),
            Err(e) => {
                eprintln!("error: {e}");
                return EXIT_USAGE;
            }
        },
        Output::Csv => print!("{}", compare::to_csv(&c)),
        Output::Table => print!("{}", compare::to_text(&c)),
    }
    EXIT_OK
}

pub fn run_sweep(path: &Path, stage: Option<&str>, out: Output, catalog: &Catalog) -> u8 {
    let plan = match load_or_report(path) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let stages = sweep::training_stages(&plan);
    let id = match stage {
        Some(s) => s.into(),
        None => match stages.first() {
            Some((id, _)) => id.clone(),
            None => {
                eprintln!("{}: the plan has no training stage to sweep", path.display());
                return EXIT_PROBLEMS;
            }
        },
    };
    let result = sweep::run_sweep(&plan, catalog, &id, &sweep::FACTORS, &Progress::new(), |p| {
        if out == Output::Table {
            eprintln!("  {}x done", p.factor);
        }
    });
    let s = match result {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{}: {e}", path.display());
            return EXIT_PROBLEMS;
        }
    };
    if s.points.iter().all(|p| p.outcome.is_err()) {
        eprint!("{}", sweep::to_text(&s));
        return EXIT_PROBLEMS;
    }
    match out {
        Output::Json => match serde_json::to_string_pretty(&s) {
            Ok(t) => println!("{t}"),
            Err(e) => {
                eprintln!("error: {e}");
                return EXIT_USAGE;
            }
        },
        Output::Csv => print!("{}", sweep::to_csv(&s)),
        Output::Table => print!("{}", sweep::to_text(&s)),
    }
    EXIT_OK
}
