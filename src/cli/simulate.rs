//! `clusterforge simulate PLAN [--seed N] [--json [FILE|-]]`: run the simulator
//! headless, print a summary table (with a progress bar on a terminal) and
//! optionally write the results as JSON (to stdout with `--json` or `--json -`;
//! the summary then goes to stderr).

use super::{EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, load_or_report};
use crate::format as fmt;
use crate::model::{Catalog, Plan};
use crate::report;
use crate::sim::{Budget, Results, SimError, simulate_with};
use std::fmt::Write as _;
use std::path::Path;

pub fn run(
    path: &Path,
    seed: Option<u64>,
    json: Option<&Path>,
    uncertainty: Option<u32>,
    catalog: &Catalog,
    budget: &Budget,
) -> u8 {
    let plan = match load_or_report(path) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let seed = seed.unwrap_or(plan.settings.seed);
    let result = super::progress::with_progress(|progress| simulate_with(&plan, catalog, seed, progress, budget));
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
    let bands = match uncertainty {
        Some(n) => {
            let run = super::progress::with_progress(|progress| {
                crate::sim::uncertainty::run(&plan, catalog, n, seed, Some(&results), progress)
            });
            match run {
                Ok(u) => Some(u),
                Err(e) => {
                    eprintln!("{}: uncertainty: {e}", path.display());
                    return EXIT_PROBLEMS;
                }
            }
        }
        None => None,
    };
    let mut text = summary(&plan, &results);
    if let Some(u) = &bands {
        text.push_str(&uncertainty_table(&plan, u));
    }
    let json_text = || match &bands {
        Some(u) => to_json_with_uncertainty(&results, u),
        None => to_json(&results),
    };
    match json {
        // JSON on stdout: the human summary moves to stderr.
        Some(out) if out.as_os_str() == "-" => {
            eprint!("{text}");
            println!("{}", json_text());
        }
        Some(out) => {
            print!("{text}");
            let text = json_text();
            if let Err(e) = report::write_atomic(out, text.as_bytes()) {
                eprintln!("error: {e}");
                return EXIT_USAGE;
            }
        }
        None => print!("{text}"),
    }
    EXIT_OK
}

/// An input figure: SI for prices, scientific notation for tiny rates.
fn input_value(v: f64) -> String {
    if v != 0.0 && v.abs() < 0.01 {
        format!("{v:.3e}")
    } else {
        fmt::si(v)
    }
}

/// The results JSON with an `uncertainty` object (inputs, bands).
pub fn to_json_with_uncertainty(results: &Results, u: &crate::sim::uncertainty::Uncertainty) -> String {
    let doc = serde_json::to_value(results).and_then(|mut v| {
        if let Some(map) = v.as_object_mut() {
            map.insert("uncertainty".into(), serde_json::to_value(u)?);
        }
        Ok(v)
    });
    match doc {
        Ok(v) => serde_json::to_string_pretty(&v).unwrap_or_default(),
        Err(e) => format!("{{\"error\": \"{e}\"}}"),
    }
}

/// P10/P50/P90 of every banded figure beside the deterministic run's value,
/// in the figures' own units, and the inputs that were varied.
pub fn uncertainty_table(plan: &Plan, u: &crate::sim::uncertainty::Uncertainty) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "\nuncertainty: {}", u.summary());
    if u.inputs.is_empty() {
        let _ = writeln!(
            s,
            "  no catalog entry this plan uses has a range: the bands show the simulator's own randomness only"
        );
    }
    let rows: Vec<[String; 5]> = u
        .bands
        .iter()
        .map(|b| {
            let f = |v: f64| b.key.metric.format(v);
            let mut label = b.label(plan);
            if b.samples < u.samples as usize {
                label.push_str(&format!(" ({} of {})", b.samples, u.samples));
            }
            [
                label,
                f(b.p10),
                f(b.p50),
                f(b.p90),
                b.nominal.map(f).unwrap_or_else(|| "—".into()),
            ]
        })
        .collect();
    let w = rows.iter().map(|r| r[0].chars().count()).max().unwrap_or(6).max(6);
    let _ = writeln!(
        s,
        "  {:<w$}  {:>14}  {:>14}  {:>14}  {:>14}",
        "figure", "P10", "P50", "P90", "nominal"
    );
    for r in &rows {
        let _ = writeln!(
            s,
            "  {:<w$}  {:>14}  {:>14}  {:>14}  {:>14}",
            r[0], r[1], r[2], r[3], r[4]
        );
    }
    if !u.inputs.is_empty() {
        let _ = writeln!(s, "  varied (triangular: low, catalog value, high):");
        for i in &u.inputs {
            let _ = writeln!(
                s,
                "    {:<28} {} – {} – {} {}",
                i.what,
                input_value(i.low),
                input_value(i.nominal),
                input_value(i.high),
                i.unit
            );
        }
    }
    if u.failed > 0 {
        let _ = writeln!(
            s,
            "  {} did not simulate and are left out",
            fmt::plural(u.failed, "sample", "samples")
        );
    }
    s
}

/// The results as pretty JSON (`workloads: [{id, kind, metrics, …}]`).
pub fn to_json(results: &Results) -> String {
    serde_json::to_string_pretty(results).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

/// A readable summary: headline metrics, breakdown, utilization, diagnosis
/// — the labels, units and figures of `report::figures`, as every view
/// shows them.
pub fn summary(plan: &Plan, results: &Results) -> String {
    use crate::report::figures;
    let mut s = String::new();
    let _ = writeln!(s, "plan: {}  (seed {})", results.plan, results.seed);
    for w in &results.workloads {
        let _ = writeln!(s, "\n== {} '{}' ({}) ==", w.kind, w.name, w.id);
        for (k, v) in &w.metrics {
            let _ = writeln!(s, "  {:<44} {}", k.label(), k.format(*v));
        }
        let causes = figures::breakdown(w);
        if !causes.is_empty() {
            let what = if w.kind == "train" {
                "time per iteration by cause"
            } else {
                "time by cause"
            };
            let _ = writeln!(s, "  {what}:");
            for c in &causes {
                let _ = writeln!(
                    s,
                    "    {:<26} {:>10}  {:>7}",
                    c.label(),
                    fmt::duration(c.seconds),
                    fmt::percent(c.share)
                );
            }
        }
        let uses = figures::utilization(plan, w);
        if !uses.is_empty() {
            let _ = writeln!(s, "  utilization (mean busy fraction):");
            for u in &uses {
                let _ = writeln!(s, "    {:<44} {:>7}", u.label, fmt::percent(u.mean));
            }
        }
        if !w.memory.is_empty() {
            let _ = writeln!(s, "  memory per device:");
            for (k, v) in &w.memory {
                let _ = writeln!(s, "    {:<16} {:>10}", k.label(), fmt::bytes(*v));
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
        "\nplan total: cost {}, energy {}, emissions {}",
        fmt::usd(c.total_usd),
        fmt::energy(c.energy_kwh),
        fmt::mass(c.carbon_kg)
    );
    if !results.prices.is_empty() {
        let _ = writeln!(s, "  {}", results.prices);
    }
    for (site, usd) in &c.per_site_usd {
        let kwh = c.per_site_energy_kwh.get(site).copied().unwrap_or(0.0);
        let co2 = c.per_site_carbon_kg.get(site).copied().unwrap_or(0.0);
        let _ = writeln!(
            s,
            "  site {site:<24} {:>10} {:>12} {:>12}",
            fmt::usd(*usd),
            fmt::energy(kwh),
            fmt::mass(co2)
        );
    }
    if let Some(tco) = &results.tco {
        let _ = write!(s, "\n{}", crate::report::tco::text(tco));
    }
    s
}
