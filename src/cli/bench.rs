//! `clusterforge bench`: run the benchmark list and print each figure, or
//! one JSON object with `--json`. Modules add figures by extending
//! [`all_benches`].

use super::{EXIT_OK, EXIT_PROBLEMS};
use crate::sim::bench::{self, Bench};

/// Every benchmark, in output order. Later modules append theirs here.
pub fn all_benches() -> Vec<Bench> {
    let mut all = bench::benches();
    all.push(Bench::new(
        "lifecycle_largest_preset_s",
        "whole lifecycle of the largest built-in preset (most accelerators), every stage: wall s",
        "< 2 s",
        lifecycle_largest_preset_s,
    ));
    #[cfg(feature = "gui")]
    all.push(Bench::new(
        "ui_frame_ms_2000_nodes",
        "one headless UI frame (layout + tessellation) with 2,000 nodes and 4,000 links on screen: CPU ms",
        "< 8 ms",
        || Ok(crate::ui::bench_frame_ms(2000, 4000)),
    ));
    all
}

/// Simulate the preset with the most accelerators, end to end.
fn lifecycle_largest_preset_s() -> Result<f64, crate::sim::SimError> {
    use crate::model::Catalog;
    use crate::report::presets::PRESETS;
    use crate::sim::SimError;
    let catalog = Catalog::builtin();
    let plans: Vec<_> = PRESETS.iter().filter_map(|p| p.plan().ok()).collect();
    let devices =
        |plan: &crate::model::Plan| -> u64 { plan.nodes.iter().map(|n| plan.devices_in(&catalog, &n.id)).sum() };
    let Some(plan) = plans.iter().max_by_key(|p| devices(p)) else {
        return Err(SimError::Invalid("no preset".into()));
    };
    let start = std::time::Instant::now();
    crate::sim::simulate(plan, &catalog, plan.settings.seed, &crate::sim::Progress::new())?;
    Ok(start.elapsed().as_secs_f64())
}

pub fn run(json: bool, only: Option<&str>) -> u8 {
    if cfg!(debug_assertions) {
        eprintln!("warning: this is a debug build; figures are only meaningful with --release");
    }
    let mut figures = serde_json::Map::new();
    let mut failed = false;
    for b in all_benches() {
        if only.is_some_and(|o| !b.key.contains(o)) {
            continue;
        }
        if !json {
            eprintln!("running {} …", b.key);
        }
        match (b.run)() {
            Ok(v) => {
                if !json {
                    let target = if b.target.is_empty() {
                        String::new()
                    } else {
                        format!("  (target {})", b.target)
                    };
                    println!("{:<34} {:>16}{target}\n    {}", b.key, fmt(v), b.what);
                }
                figures.insert(b.key.to_owned(), serde_json::json!(v));
            }
            Err(e) => {
                eprintln!("error: {}: {e}", b.key);
                figures.insert(b.key.to_owned(), serde_json::Value::Null);
                failed = true;
            }
        }
    }
    if json {
        println!("{}", serde_json::Value::Object(figures));
    }
    if failed { EXIT_PROBLEMS } else { EXIT_OK }
}

fn fmt(v: f64) -> String {
    if v >= 1e4 { format!("{v:.0}") } else { format!("{v:.6}") }
}
