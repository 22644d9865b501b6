//! `clusterforge simulate PLAN [--seed N] [--json [FILE|-]]`: run the simulator
//! headless, print a summary table (with a progress bar on a terminal) and
//! optionally write the results as JSON (to stdout with `--json` or `--json -`;
//! the summary then goes to stderr).

use super::{EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, load_or_report};
use crate::model::Catalog;
use crate::report;
use crate::sim::{Progress, Results, SimError, simulate};
use std::fmt::Write as _;
use std::io::{IsTerminal, Write};
use std::path::Path;
use std::time::Duration;

pub fn run(path: &Path, seed: Option<u64>, json: Option<&Path>, catalog: &Catalog) -> u8 {
    let plan = match load_or_report(path) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let seed = seed.unwrap_or(plan.settings.seed);
    let progress = Progress::new();
    let tty = std::io::stderr().is_terminal();
    let result = std::thread::scope(|scope| {
        let worker = {
            let progress = progress.clone();
            let plan = &plan;
            scope.spawn(move || simulate(plan, catalog, seed, &progress))
        };
        if tty {
            while !worker.is_finished() {
                draw_bar(progress.fraction());
                std::thread::sleep(Duration::from_millis(100));
            }
            draw_bar(1.0);
            eprintln!();
        }
        worker
            .join()
            .unwrap_or_else(|_| Err(SimError::Invalid("the simulation panicked".into())))
    });
    let results = match result {
        Ok(r) => r,
        Err(SimError::Invalid(msg)) => {
            eprintln!("{}: cannot simulate: {msg}", path.display());
            return EXIT_PROBLEMS;
        }
        Err(e) => {
            eprintln!("{}: {e}", path.display());
            return EXIT_PROBLEMS;
        }
    };
    match json {
        // JSON on stdout: the human summary moves to stderr.
        Some(out) if out.as_os_str() == "-" => {
            eprint!("{}", summary(&results));
            println!("{}", to_json(&results));
        }
        Some(out) => {
            print!("{}", summary(&results));
            let text = to_json(&results);
            if let Err(e) = report::write_atomic(out, text.as_bytes()) {
                eprintln!("error: {e}");
                return EXIT_USAGE;
            }
        }
        None => print!("{}", summary(&results)),
    }
    EXIT_OK
}

fn draw_bar(fraction: f64) {
    let width = 40;
    let filled = (fraction.clamp(0.0, 1.0) * width as f64).round() as usize;
    let mut err = std::io::stderr();
    let _ = write!(
        err,
        "\r[{}{}] {:>3.0} %",
        "#".repeat(filled),
        " ".repeat(width - filled),
        fraction * 100.0
    );
    let _ = err.flush();
}

/// The results as pretty JSON (`workloads: [{id, kind, metrics, …}]`).
pub fn to_json(results: &Results) -> String {
    serde_json::to_string_pretty(results).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

fn human(name: &str, v: f64) -> String {
    if name.ends_with("_bytes") || name.starts_with("bytes_") || name.ends_with("bytes_per_s") {
        let (unit, scale) = if v >= 1e12 { ("TB", 1e12) } else { ("GB", 1e9) };
        let rate = if name.ends_with("_per_s") { "/s" } else { "" };
        return format!("{:.2} {unit}{rate}", v / scale);
    }
    if name == "mfu" || name == "hfu" || name == "goodput" {
        return format!("{:.1} %", v * 100.0);
    }
    if name.ends_with("_s") && v > 86_400.0 {
        return format!("{:.2} days ({v:.0} s)", v / 86_400.0);
    }
    if v.abs() >= 1e6 {
        format!("{v:.4e}")
    } else if v.abs() >= 100.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.3}")
    }
}

/// A readable summary: headline metrics, breakdown, utilization, diagnosis.
pub fn summary(results: &Results) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "plan: {}  (seed {})", results.plan, results.seed);
    for w in &results.workloads {
        let _ = writeln!(s, "\n== {} '{}' ({}) ==", w.kind, w.name, w.id);
        for (k, v) in &w.metrics {
            let _ = writeln!(s, "  {k:<34} {}", human(k, *v));
        }
        if !w.breakdown.is_empty() {
            let total: f64 = w.breakdown.values().sum();
            let what = if w.kind == "train" {
                "time per iteration by cause"
            } else {
                "time by cause"
            };
            let _ = writeln!(s, "  {what}:");
            for (k, v) in &w.breakdown {
                let pct = if total > 0.0 { 100.0 * v / total } else { 0.0 };
                let _ = writeln!(s, "    {k:<16} {v:>12.4} s  {pct:>5.1} %");
            }
        }
        if !w.utilization.is_empty() {
            let _ = writeln!(s, "  utilization:");
            for (k, v) in &w.utilization {
                let _ = writeln!(s, "    {k:<30} {:>5.1} %", v * 100.0);
            }
        }
        if !w.memory.is_empty() {
            let _ = writeln!(s, "  memory per device (GB):");
            for (k, v) in &w.memory {
                let _ = writeln!(s, "    {k:<16} {:>8.1}", v / 1.073741824e9);
            }
        }
        for n in &w.notes {
            let _ = writeln!(s, "  note: {n}");
        }
        let _ = writeln!(s, "  diagnosis: {}", w.diagnosis);
    }
    if !results.timeline.is_empty() {
        let _ = writeln!(s, "\nlifecycle timeline (hours from the start):");
        for span in &results.timeline {
            let slow = if span.slowdown > 1.0 + 1e-9 {
                format!(
                    "  ({:.2}x longer: shared with {})",
                    span.slowdown,
                    span.shared_with.join(", ")
                )
            } else {
                String::new()
            };
            let _ = writeln!(
                s,
                "  {:<16} {:>10.3} h to {:>10.3} h{slow}",
                span.stage,
                span.start_s / 3600.0,
                span.end_s / 3600.0
            );
        }
    }
    let c = &results.cost;
    let _ = writeln!(
        s,
        "\nplan total: cost {:.0} USD, energy {:.0} kWh, emissions {:.0} kg CO2e",
        c.total_usd, c.energy_kwh, c.carbon_kg
    );
    for (site, usd) in &c.per_site_usd {
        let kwh = c.per_site_energy_kwh.get(site).copied().unwrap_or(0.0);
        let co2 = c.per_site_carbon_kg.get(site).copied().unwrap_or(0.0);
        let _ = writeln!(
            s,
            "  site {site:<24} {usd:>14.0} USD {kwh:>12.0} kWh {co2:>12.0} kg CO2e"
        );
    }
    if let Some(tco) = &results.tco {
        let _ = write!(s, "\n{}", crate::report::tco::text(tco));
    }
    s
}
