//! Files the Results tab writes: the PNG report, the results as JSON (the
//! same text `clusterforge simulate --json` writes), the metrics and the
//! utilization as CSV (RFC 4180 quoting). Every file is written atomically.

use crate::model::{Catalog, Plan};
use crate::report::figures::{self, Figures, UseFigure};
use crate::report::png_report::{ReportInput, render_png};
use crate::sim::Results;
use crate::sim::metrics::MetricKey;
use std::path::Path;

use crate::report::table_csv::{self, number as csv_number};

/// A CSV document: header, then rows (see [`table_csv::document`]).
pub fn to_csv(header: &[&str], rows: &[Vec<String>]) -> String {
    table_csv::document(header, rows.iter().cloned())
}

pub const METRICS_HEADER: [&str; 6] = ["stage", "stage_name", "kind", "metric", "value", "unit"];

/// One row per (stage, metric), raw SI values; then the plan totals
/// (stage "plan").
pub fn metrics_rows(results: &Results) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = |id: &str, name: &str, kind: &str, key: MetricKey, v: f64| {
        rows.push(vec![
            id.to_owned(),
            name.to_owned(),
            kind.to_owned(),
            key.key().to_owned(),
            csv_number(v),
            key.kind().unit().to_owned(),
        ]);
    };
    for w in &results.workloads {
        for (key, v) in &w.metrics {
            row(&w.id, &w.name, &w.kind, *key, *v);
        }
    }
    let c = &results.cost;
    if !results.workloads.is_empty() {
        row("plan", &results.plan, "plan", MetricKey::PlanCost, c.total_usd);
        row("plan", &results.plan, "plan", MetricKey::PlanEnergy, c.energy_kwh);
        row("plan", &results.plan, "plan", MetricKey::PlanCarbon, c.carbon_kg);
    }
    rows
}

pub fn metrics_csv(results: &Results) -> String {
    to_csv(&METRICS_HEADER, &metrics_rows(results))
}

pub const UTILIZATION_HEADER: [&str; 6] = ["stage", "subject", "resource", "mean_busy", "peak_busy", "unit"];

/// One row of the utilization table: a figure of `report::figures`.
pub type UtilRow = UseFigure;

/// The utilization of every stage, as every view shows it.
pub fn utilization_rows(results: &Results, plan: &Plan) -> Vec<UseFigure> {
    results
        .workloads
        .iter()
        .flat_map(|w| figures::utilization(plan, w))
        .collect()
}

pub fn utilization_csv(results: &Results, plan: &Plan) -> String {
    let rows: Vec<Vec<String>> = utilization_rows(results, plan)
        .into_iter()
        .map(|r| {
            vec![
                r.stage,
                r.label,
                r.resource.to_string(),
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
    results: Option<&Figures>,
    uncertainty: Option<&crate::sim::uncertainty::Uncertainty>,
) -> Result<String, String> {
    let generated = crate::report::clock::now_utc();
    let input = ReportInput {
        plan,
        catalog,
        results,
        uncertainty,
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
    use crate::sim::metrics::{Resource, SeriesKey};

    #[test]
    fn serving_pools_are_rows_of_their_plan_node() {
        let plan = crate::report::presets::preset("serverless-inference")
            .and_then(|p| p.plan().ok())
            .expect("preset parses");
        let stage = &plan.stages[0];
        let node = stage.placement[0].clone();
        let mut w = crate::sim::WorkloadResult {
            id: stage.id.to_string(),
            name: "Chat".into(),
            kind: "serve".into(),
            ..Default::default()
        };
        w.utilization.insert(Resource::Node(node.clone()), 0.9);
        w.series.insert(SeriesKey::QueueLength, vec![(0.0, 7.0)]);
        let r = Results {
            workloads: vec![w],
            ..Default::default()
        };
        let rows = utilization_rows(&r, &plan);
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].subject, crate::model::Subject::Node(node));
        assert_eq!(rows[0].mean, 0.9);
        assert_eq!(rows[0].peak, None, "the queue length is not a busy fraction");
    }

    #[test]
    fn metrics_csv_has_one_row_per_stage_and_metric() {
        let mut w = crate::sim::WorkloadResult {
            id: "train".into(),
            name: "Pretrain, 7B".into(),
            kind: "train".into(),
            ..Default::default()
        };
        w.metrics.insert(MetricKey::Mfu, 0.5);
        w.metrics.insert(MetricKey::Cost, 1200.0);
        let r = Results {
            plan: "P".into(),
            workloads: vec![w],
            ..Default::default()
        };
        let csv = metrics_csv(&r);
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines[0], "stage,stage_name,kind,metric,value,unit");
        assert_eq!(lines[1], "train,\"Pretrain, 7B\",train,mfu,0.5,fraction");
        assert_eq!(lines[2], "train,\"Pretrain, 7B\",train,cost_usd,1200,USD");
        assert_eq!(lines.len(), 6, "two metrics and three plan totals");
    }
}
