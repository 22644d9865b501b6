//! `clusterforge capacity PLAN [--stage ID] [--json [FILE|-]]`: the highest
//! request rate each serving stage sustains within its TTFT/TPOT p99 targets,
//! the constraint that binds just above it, and the stage's figures there.

use super::{EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, load_or_report};
use crate::format as fmt;
use crate::model::{Catalog, Plan, StageId, StageKind};
use crate::report;
use crate::sim::metrics::MetricKey;
use crate::sim::serving::capacity::{self, Capacity, CapacityOptions, Check};
use crate::sim::{Budget, SimError};
use std::fmt::Write as _;
use std::path::Path;

/// What `capacity` was asked.
pub struct Args<'a> {
    pub stage: Option<&'a str>,
    pub seed: Option<u64>,
    pub json: Option<&'a Path>,
    /// Relative width of the final bracket.
    pub tolerance: f64,
    pub budget: Budget,
}

pub fn run(path: &Path, args: &Args<'_>, catalog: &Catalog) -> u8 {
    let plan = match load_or_report(path) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let stages: Vec<StageId> = match args.stage {
        Some(id) => vec![StageId::from(id)],
        None => plan
            .stages
            .iter()
            .filter(|s| matches!(s.kind, StageKind::Serve(_)))
            .map(|s| s.id.clone())
            .collect(),
    };
    if stages.is_empty() {
        eprintln!(
            "{}: the plan has no serving stage; capacity is searched for serve stages",
            path.display()
        );
        return EXIT_USAGE;
    }
    let seed = args.seed.unwrap_or(plan.settings.seed);
    let options = CapacityOptions {
        tolerance: args.tolerance,
        budget: args.budget,
    };
    let mut found = Vec::new();
    for id in &stages {
        let result =
            super::progress::with_progress(|progress| capacity::capacity(&plan, id, catalog, seed, &options, progress));
        match result {
            Ok(c) => found.push(c),
            Err(SimError::Invalid(msg)) => {
                eprintln!("{}: capacity of '{id}': {msg}", path.display());
                return EXIT_PROBLEMS;
            }
            Err(e) => {
                eprintln!("{}: capacity of '{id}': {e}", path.display());
                return EXIT_PROBLEMS;
            }
        }
    }
    let text = summary(&plan, &found);
    match args.json {
        Some(out) if out.as_os_str() == "-" => {
            eprint!("{text}");
            println!("{}", to_json(&plan, seed, &found));
        }
        Some(out) => {
            print!("{text}");
            if let Err(e) = report::write_atomic(out, to_json(&plan, seed, &found).as_bytes()) {
                eprintln!("error: {e}");
                return EXIT_USAGE;
            }
        }
        None => print!("{text}"),
    }
    EXIT_OK
}

/// The table a person reads.
pub fn summary(plan: &Plan, found: &[Capacity]) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "plan: {}", plan.name);
    for c in found {
        let target = |k: capacity::Constraint| {
            c.at_capacity
                .iter()
                .find(|x| x.constraint == k)
                .map(|x| fmt::duration(x.limit))
                .unwrap_or_default()
        };
        let _ = writeln!(
            s,
            "\n== serve '{}' ({}): TTFT p99 ≤ {}, TPOT p99 ≤ {} ==",
            c.stage_name,
            c.stage,
            target(capacity::Constraint::TtftP99),
            target(capacity::Constraint::TpotP99)
        );
        let rate = MetricKey::MaxRateWithinSlo;
        let _ = writeln!(s, "  {:<28} {}", rate.label(), rate.format(c.max_rate_rps));
        let _ = writeln!(
            s,
            "  {:<28} {} ({} headroom)",
            "stage's own rate",
            rate.format(c.stage_rate_rps),
            signed_percent(c.headroom())
        );
        let binding = c.binding_check().map(Check::describe).unwrap_or_default();
        let _ = writeln!(
            s,
            "  {:<28} {} at {}",
            "binding constraint",
            binding,
            rate.format(c.failing_rate_rps)
        );
        let _ = writeln!(s, "  {:<28} {}", "", c.binding.advice());
        let _ = writeln!(s, "  at capacity:");
        for (k, v) in c.figures() {
            let _ = writeln!(s, "    {:<26} {}", k.label(), k.format(v));
        }
        let _ = writeln!(
            s,
            "  searched: {} runs, bracket ±{}, seed {}",
            c.runs,
            fmt::percent(c.tolerance),
            c.seed
        );
    }
    s
}

fn signed_percent(v: f64) -> String {
    if v >= 0.0 {
        format!("+{}", fmt::percent(v))
    } else {
        fmt::percent(v)
    }
}

/// The same figures for scripts: SI units, the metric keys of `simulate --json`.
pub fn to_json(plan: &Plan, seed: u64, found: &[Capacity]) -> String {
    let check = |c: &Check| {
        serde_json::json!({
            "constraint": c.constraint,
            "label": c.constraint.label(),
            "value": c.value,
            "limit": c.limit,
            "passes": c.passes(),
        })
    };
    let stages: Vec<serde_json::Value> = found
        .iter()
        .map(|c| {
            let metrics: serde_json::Map<String, serde_json::Value> = c
                .metrics
                .iter()
                .map(|(k, v)| (k.key().to_owned(), serde_json::json!(v)))
                .collect();
            serde_json::json!({
                "stage": c.stage,
                "name": c.stage_name,
                MetricKey::MaxRateWithinSlo.key(): c.max_rate_rps,
                "stage_rate_rps": c.stage_rate_rps,
                "failing_rate_rps": c.failing_rate_rps,
                "binding": c.binding,
                "binding_label": c.binding.label(),
                "explanation": c.explanation(),
                "at_capacity": c.at_capacity.iter().map(check).collect::<Vec<_>>(),
                "above_capacity": c.above_capacity.iter().map(check).collect::<Vec<_>>(),
                "metrics_at_capacity": metrics,
                "runs": c.runs,
                "tolerance": c.tolerance,
                "stage_seed": c.seed,
            })
        })
        .collect();
    let doc = serde_json::json!({
        "plan": plan.name,
        "seed": seed,
        "capacity": stages,
    });
    serde_json::to_string_pretty(&doc).unwrap_or_default()
}
