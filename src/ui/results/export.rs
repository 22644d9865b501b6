//! Files the Results tab writes: the PNG report, the results as JSON (the
//! same text `clusterforge simulate --json` writes), the metrics and the
//! utilization as CSV (RFC 4180 quoting). Every file is written atomically.

use crate::model::{Catalog, Plan};
use crate::report::png_report::{ReportInput, ReportResults, render_png};
use crate::sim::Results;
use std::path::Path;

/// One CSV field: quoted when it holds a comma, quote, line break or
/// leading/trailing space; quotes doubled (RFC 4180).
pub fn csv_field(s: &str) -> String {
    let needs = s.contains([',', '"', '\n', '\r']) || s.starts_with(' ') || s.ends_with(' ');
    if needs {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

/// A number as CSV writes it: shortest text that reads back to the same
/// value; empty for NaN and infinities.
pub fn csv_number(v: f64) -> String {
    if v.is_finite() { format!("{v}") } else { String::new() }
}

/// A CSV document: header, then rows, each line ended by CRLF.
pub fn to_csv(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut out = String::new();
    let line = |out: &mut String, fields: &mut dyn Iterator<Item = String>| {
        let joined: Vec<String> = fields.collect();
        out.push_str(&joined.join(","));
        out.push_str("\r\n");
    };
    line(&mut out, &mut header.iter().map(|h| csv_field(h)));
    for r in rows {
        line(&mut out, &mut r.iter().map(|f| csv_field(f)));
    }
    out
}

/// The SI unit of a metric key's raw value ("s", "USD", "B/s", …).
pub fn unit_of(key: &str) -> &'static str {
    const FRACTION: [&str; 6] = ["mfu", "hfu", "goodput", "slo_attainment", "utilization", "hit_ratio"];
    if key.ends_with("_bytes_per_s") || key.ends_with("_bytes_per_second") {
        "B/s"
    } else if key.ends_with("_bytes") || key.starts_with("bytes_") {
        "B"
    } else if key.contains("tflops") {
        "TFLOP/s"
    } else if key.starts_with("tokens_per_s") {
        "tokens/s"
    } else if key.starts_with("requests_per_s") {
        "requests/s"
    } else if key.ends_with("_per_s") || key.contains("_per_second") {
        "1/s"
    } else if key.ends_with("_hours") {
        "h"
    } else if key.ends_with("_s") || key.starts_with("seconds") || key.ends_with("_seconds") {
        "s"
    } else if key.ends_with("_usd") {
        "USD"
    } else if key.ends_with("_kwh") {
        "kWh"
    } else if key.ends_with("_kg") {
        "kg"
    } else if FRACTION.iter().any(|p| key == *p || key.ends_with(&format!("_{p}"))) || key.ends_with("_fraction") {
        "fraction"
    } else {
        ""
    }
}

pub const METRICS_HEADER: [&str; 6] = ["stage", "stage_name", "kind", "metric", "value", "unit"];

/// One row per (stage, metric), raw SI values; then the plan totals
/// (stage "plan").
pub fn metrics_rows(results: &Results) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    for w in &results.workloads {
        for (key, v) in &w.metrics {
            rows.push(vec![
                w.id.clone(),
                w.name.clone(),
                w.kind.clone(),
                key.clone(),
                csv_number(*v),
                unit_of(key).to_owned(),
            ]);
        }
    }
    let c = &results.cost;
    if !results.workloads.is_empty() {
        for (key, v) in [("cost_usd", c.total_usd), ("energy_kwh", c.energy_kwh)] {
            rows.push(vec![
                "plan".into(),
                results.plan.clone(),
                "plan".into(),
                key.into(),
                csv_number(v),
                unit_of(key).to_owned(),
            ]);
        }
    }
    rows
}

pub fn metrics_csv(results: &Results) -> String {
    to_csv(&METRICS_HEADER, &metrics_rows(results))
}

pub const UTILIZATION_HEADER: [&str; 6] = ["stage", "subject", "plan_id", "mean_busy", "peak_busy", "unit"];

/// One row of the utilization table.
#[derive(Clone, Debug, PartialEq)]
pub struct UtilRow {
    pub stage: String,
    /// Display name from the simulator.
    pub subject: String,
    /// The plan node or link it maps to.
    pub target: Option<crate::model::Subject>,
    pub mean: f64,
    /// Highest bucket of its series over time, when there is one.
    pub peak: Option<f64>,
}

/// The utilization of every stage: the named entries, and the plan nodes
/// and links of `node_use`/`link_use` not already named.
pub fn utilization_rows(results: &Results, plan: &Plan) -> Vec<UtilRow> {
    use super::subjects::{subject_of, subject_of_id};
    let mut rows = Vec::new();
    for w in &results.workloads {
        let mut covered = Vec::new();
        for (name, mean) in &w.utilization {
            // A serving stage names its replicas by role ("endpoints"):
            // they run on the stage's placement.
            let target = subject_of(plan, name).or_else(|| {
                (w.kind == "serve")
                    .then(|| super::subjects::stage_node(plan, &w.id))
                    .flatten()
            });
            let peak = w
                .series
                .iter()
                .filter(|(k, _)| {
                    *k == name
                        || target.is_some() && subject_of(plan, k) == target && last_word(k) == last_word(name)
                        // A serving stage's one utilization entry is its "utilization" series.
                        || w.kind == "serve" && w.utilization.len() == 1 && k.as_str() == "utilization"
                })
                .flat_map(|(_, pts)| pts.iter().map(|p| p.1))
                .filter(|v| v.is_finite())
                .reduce(f64::max);
            if let Some(t) = &target {
                covered.push(t.clone());
            }
            rows.push(UtilRow {
                stage: w.name.clone(),
                subject: name.clone(),
                target,
                mean: *mean,
                peak,
            });
        }
        let ids = w.node_use.iter().map(|(id, u)| (id, u, false));
        let ids = ids.chain(w.link_use.iter().map(|(id, u)| (id, u, true)));
        for (id, u, is_link) in ids {
            let target = subject_of_id(plan, id, is_link);
            if target.as_ref().is_some_and(|t| covered.contains(t)) {
                continue;
            }
            let subject = match &target {
                Some(t) => super::subjects::subject_name(plan, t),
                None => id.clone(),
            };
            rows.push(UtilRow {
                stage: w.name.clone(),
                subject,
                target,
                mean: *u,
                peak: None,
            });
        }
    }
    rows
}

fn last_word(s: &str) -> &str {
    s.rsplit(' ').next().unwrap_or(s)
}

pub fn utilization_csv(results: &Results, plan: &Plan) -> String {
    let rows: Vec<Vec<String>> = utilization_rows(results, plan)
        .into_iter()
        .map(|r| {
            let id = match &r.target {
                Some(crate::model::Subject::Node(id)) => id.to_string(),
                Some(crate::model::Subject::Link(id)) => id.to_string(),
                _ => String::new(),
            };
            vec![
                r.stage,
                r.subject,
                id,
                csv_number(r.mean),
                r.peak.map(csv_number).unwrap_or_default(),
                "fraction".into(),
            ]
        })
        .collect();
    to_csv(&UTILIZATION_HEADER, &rows)
}

/// Write `text` atomically; the message names the file.
pub fn write_text(path: &Path, text: &str) -> Result<String, String> {
    crate::report::write_atomic(path, text.as_bytes())
        .map(|()| format!("wrote {}", path.display()))
        .map_err(|e| e.to_string())
}

/// The results as `clusterforge simulate --json` writes them.
pub fn write_results_json(path: &Path, results: &Results) -> Result<String, String> {
    let text = serde_json::to_string_pretty(results).map_err(|e| e.to_string())?;
    write_text(path, &text)
}

/// The PNG report of `plan` with `results` (plan only when `None`).
pub fn write_report(
    path: &Path,
    plan: &Plan,
    catalog: &Catalog,
    results: Option<&ReportResults>,
) -> Result<String, String> {
    let generated = crate::cli::report_cmd::now_utc();
    let input = ReportInput {
        plan,
        catalog,
        results,
        generated: &generated,
    };
    let bytes = render_png(&input).map_err(|e| e.to_string())?;
    crate::report::write_atomic(path, &bytes).map_err(|e| e.to_string())?;
    let what = if results.is_some() {
        "with results"
    } else {
        "plan only (no current results)"
    };
    Ok(format!("wrote {} ({what})", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_what_needs_quoting() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("two\nlines"), "\"two\nlines\"");
        assert_eq!(csv_field(" padded"), "\" padded\"");
        assert_eq!(csv_field(""), "");
        let doc = to_csv(&["a", "b"], &[vec!["1".into(), "x,y".into()]]);
        assert_eq!(doc, "a,b\r\n1,\"x,y\"\r\n");
    }

    #[test]
    fn csv_numbers_round_trip_and_skip_non_finite() {
        for v in [0.0, 1.5, 1e-12, 123456789.125, -3.0] {
            assert_eq!(csv_number(v).parse::<f64>().ok(), Some(v));
        }
        assert_eq!(csv_number(f64::NAN), "");
        assert_eq!(csv_number(f64::INFINITY), "");
    }

    #[test]
    fn units_follow_the_key() {
        assert_eq!(unit_of("time_to_train_s"), "s");
        assert_eq!(unit_of("tokens_per_second"), "tokens/s");
        assert_eq!(unit_of("cost_per_million_tokens_usd"), "USD");
        assert_eq!(unit_of("bytes_read"), "B");
        assert_eq!(unit_of("output_read_bytes_per_s"), "B/s");
        assert_eq!(unit_of("mfu"), "fraction");
        assert_eq!(unit_of("gpu_hours"), "h");
        assert_eq!(unit_of("achieved_tflops_per_gpu"), "TFLOP/s");
        assert_eq!(unit_of("energy_kwh"), "kWh");
    }

    #[test]
    fn serving_replicas_map_to_the_stage_placement_with_their_peak() {
        let plan = crate::report::presets::preset("serverless-inference")
            .and_then(|p| p.plan().ok())
            .expect("preset parses");
        let stage = &plan.stages[0];
        let mut w = crate::sim::WorkloadResult {
            id: stage.id.to_string(),
            name: "Chat".into(),
            kind: "serve".into(),
            ..Default::default()
        };
        w.utilization.insert("endpoints".into(), 0.9);
        w.series.insert("utilization".into(), vec![(0.0, 0.5), (1.0, 0.95)]);
        w.series.insert("queue_length".into(), vec![(0.0, 7.0)]);
        let r = Results {
            workloads: vec![w],
            ..Default::default()
        };
        let rows = utilization_rows(&r, &plan);
        assert_eq!(rows.len(), 1);
        assert_eq!(
            rows[0].target,
            stage.placement.first().map(|n| crate::model::Subject::Node(n.clone()))
        );
        assert_eq!(rows[0].peak, Some(0.95), "the queue length is not a busy fraction");
    }

    #[test]
    fn metrics_csv_has_one_row_per_stage_and_metric() {
        let mut w = crate::sim::WorkloadResult {
            id: "train".into(),
            name: "Pretrain, 7B".into(),
            kind: "train".into(),
            ..Default::default()
        };
        w.metrics.insert("mfu".into(), 0.5);
        w.metrics.insert("cost_usd".into(), 1200.0);
        let r = Results {
            plan: "P".into(),
            workloads: vec![w],
            ..Default::default()
        };
        let csv = metrics_csv(&r);
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines[0], "stage,stage_name,kind,metric,value,unit");
        assert_eq!(lines[1], "train,\"Pretrain, 7B\",train,cost_usd,1200,USD");
        assert_eq!(lines[2], "train,\"Pretrain, 7B\",train,mfu,0.5,fraction");
        assert_eq!(lines.len(), 5, "two metrics and two plan totals");
    }
}
