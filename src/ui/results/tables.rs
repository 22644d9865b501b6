//! Tables sub-tab: every metric of every stage (stage, metric, value, unit)
//! and the utilization of device groups and links, both sortable by any
//! column, with "Copy as CSV" and "Export CSV…". Clicking a utilization row
//! of a plan node or link selects it on the canvas; rows of the canvas
//! selection are highlighted.

use super::RunView;
use super::export::{self, UtilRow};
use super::subjects::is_selected;
use crate::sim::metrics::MetricKey;
use crate::ui::app::ResultsCx;
use crate::ui::files::ExportKind;
use std::cmp::Ordering;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MetricCol {
    Stage,
    Metric,
    Value,
    Unit,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UtilCol {
    Stage,
    Subject,
    Mean,
    Peak,
}

/// Sort order of the tables and the last copy message.
#[derive(Clone, Debug)]
pub struct TableState {
    pub metrics_sort: (MetricCol, bool),
    pub util_sort: (UtilCol, bool),
    pub status: Option<String>,
    /// Only metrics whose stage, name or key contain this (any case).
    pub filter: String,
}

impl Default for TableState {
    fn default() -> Self {
        Self {
            metrics_sort: (MetricCol::Stage, true),
            util_sort: (UtilCol::Mean, false),
            status: None,
            filter: String::new(),
        }
    }
}

/// A metrics table row: (stage id, stage name, key, value).
pub type MetricRow<'a> = (&'a str, &'a str, MetricKey, f64);

pub fn metric_rows<'a>(run: &RunView<'a>, sort: (MetricCol, bool)) -> Vec<MetricRow<'a>> {
    let mut rows: Vec<MetricRow<'a>> = Vec::new();
    for w in &run.results.workloads {
        for (k, v) in &w.metrics {
            rows.push((w.id.as_str(), w.name.as_str(), *k, *v));
        }
    }
    // Stable sort: plan order of stages and key order within a stage stay as ties.
    rows.sort_by(|a, b| {
        let o = match sort.0 {
            MetricCol::Stage => Ordering::Equal,
            MetricCol::Metric => a.2.label().cmp(b.2.label()),
            MetricCol::Value => a.3.total_cmp(&b.3),
            MetricCol::Unit => a.2.kind().unit().cmp(b.2.kind().unit()),
        };
        if sort.1 { o } else { o.reverse() }
    });
    if sort.0 == MetricCol::Stage && !sort.1 {
        rows.reverse();
    }
    rows
}

pub fn util_rows(run: &RunView<'_>, sort: (UtilCol, bool)) -> Vec<UtilRow> {
    let mut rows = export::utilization_rows(run.results, run.plan);
    rows.sort_by(|a, b| {
        let o = match sort.0 {
            UtilCol::Stage => a.stage.cmp(&b.stage),
            UtilCol::Subject => a.label.cmp(&b.label),
            UtilCol::Mean => a.mean.total_cmp(&b.mean),
            UtilCol::Peak => a.peak.unwrap_or(-1.0).total_cmp(&b.peak.unwrap_or(-1.0)),
        }
        .then_with(|| a.label.cmp(&b.label));
        if sort.1 { o } else { o.reverse() }
    });
    rows
}

/// A header button that sorts by `col` (again: reverses).
fn header_ui<C: Copy + PartialEq>(ui: &mut egui::Ui, title: &str, col: C, sort: &mut (C, bool), numeric: bool) {
    let arrow = match (sort.0 == col, sort.1) {
        (true, true) => " ⏶",
        (true, false) => " ⏷",
        _ => "",
    };
    if ui
        .button(egui::RichText::new(format!("{title}{arrow}")).strong())
        .on_hover_text(format!("Sort by {}", title.to_lowercase()))
        .clicked()
    {
        if sort.0 == col {
            sort.1 = !sort.1;
        } else {
            // Numbers start with the largest, text with A.
            *sort = (col, !numeric);
        }
    }
}

/// "Copy as CSV" and "Export CSV…" for one table.
fn csv_buttons_ui(
    ui: &mut egui::Ui,
    what: &str,
    csv: impl FnOnce() -> (String, usize),
    kind: ExportKind,
    state: &mut TableState,
    cx: &mut ResultsCx<'_>,
) {
    if ui
        .button("Copy as CSV")
        .on_hover_text(format!("Put the {what} table on the clipboard as CSV"))
        .clicked()
    {
        let (text, n) = csv();
        ui.ctx().copy_text(text);
        state.status = Some(format!("Copied {n} {what} rows as CSV"));
    }
    if ui
        .button("Export CSV…")
        .on_hover_text(format!("Write the {what} table to a CSV file"))
        .clicked()
    {
        cx.export = Some(kind);
    }
}

pub fn tables_ui(ui: &mut egui::Ui, run: &RunView<'_>, state: &mut TableState, cx: &mut ResultsCx<'_>) {
    if let Some(s) = &state.status {
        ui.weak(s);
    }
    utilization_table_ui(ui, run, state, cx);
    ui.add_space(10.0);
    metrics_table_ui(ui, run, state, cx);
}

fn metrics_table_ui(ui: &mut egui::Ui, run: &RunView<'_>, state: &mut TableState, cx: &mut ResultsCx<'_>) {
    let needle = state.filter.trim().to_lowercase();
    let mut rows = metric_rows(run, state.metrics_sort);
    if !needle.is_empty() {
        rows.retain(|(_, name, key, _)| {
            name.to_lowercase().contains(&needle)
                || key.key().contains(&needle)
                || key.label().to_lowercase().contains(&needle)
        });
    }
    ui.horizontal(|ui| {
        ui.heading(format!("Metrics ({} rows)", rows.len()));
        ui.add(
            egui::TextEdit::singleline(&mut state.filter)
                .desired_width(160.0)
                .hint_text("filter, e.g. cost"),
        )
        .labelled_by(ui.label("Filter").id)
        .on_hover_text("Show only metrics whose stage or name contains this text");
        csv_buttons_ui(
            ui,
            "metrics",
            || {
                let rows = export::metrics_rows(run.results);
                let n = rows.len();
                (export::to_csv(&export::METRICS_HEADER, &rows), n)
            },
            ExportKind::ResultsCsv,
            state,
            cx,
        );
    });
    let mut sort = state.metrics_sort;
    egui::Grid::new("metrics_table")
        .striped(true)
        .num_columns(4)
        .min_col_width(80.0)
        .show(ui, |ui| {
            header_ui(ui, "Stage", MetricCol::Stage, &mut sort, false);
            header_ui(ui, "Metric", MetricCol::Metric, &mut sort, false);
            header_ui(ui, "Value", MetricCol::Value, &mut sort, true);
            header_ui(ui, "Raw unit", MetricCol::Unit, &mut sort, false);
            ui.end_row();
            for (id, name, key, v) in &rows {
                ui.label(*name).on_hover_text(format!("Stage id: {id}"));
                ui.label(key.label()).on_hover_text(key.key());
                ui.label(key.format(*v))
                    .on_hover_text(format!("{v} {}", key.kind().unit()));
                ui.label(key.kind().unit());
                ui.end_row();
            }
        });
    state.metrics_sort = sort;
}

fn utilization_table_ui(ui: &mut egui::Ui, run: &RunView<'_>, state: &mut TableState, cx: &mut ResultsCx<'_>) {
    let rows = util_rows(run, state.util_sort);
    ui.horizontal(|ui| {
        ui.heading(format!("Utilization ({} rows)", rows.len()));
        csv_buttons_ui(
            ui,
            "utilization",
            || (export::utilization_csv(run.results, run.plan), rows.len()),
            ExportKind::UtilizationCsv,
            state,
            cx,
        );
    });
    if rows.is_empty() {
        ui.weak("No stage reported utilization");
        return;
    }
    ui.weak("Click a device group or link to select it on the canvas");
    let mut sort = state.util_sort;
    let mut focus = None;
    egui::Grid::new("util_table")
        .striped(true)
        .num_columns(4)
        .min_col_width(80.0)
        .show(ui, |ui| {
            header_ui(ui, "Stage", UtilCol::Stage, &mut sort, false);
            header_ui(ui, "Subject", UtilCol::Subject, &mut sort, false);
            header_ui(ui, "Mean busy %", UtilCol::Mean, &mut sort, true);
            header_ui(ui, "Peak busy %", UtilCol::Peak, &mut sort, true);
            ui.end_row();
            for r in &rows {
                ui.label(&r.stage);
                let t = &r.subject;
                let selected = is_selected(cx.selection, t);
                if ui
                    .selectable_label(selected, &r.label)
                    .on_hover_text(format!("Select {t} on the canvas"))
                    .clicked()
                {
                    focus = Some(t.clone());
                }
                ui.label(crate::format::percent(r.mean));
                ui.label(r.peak.map(crate::format::percent).unwrap_or_else(|| "—".into()));
                ui.end_row();
            }
        });
    state.util_sort = sort;
    if focus.is_some() {
        cx.focus = focus;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Plan;
    use crate::sim::{Results, WorkloadResult};

    #[test]
    fn metrics_sort_by_value_both_ways() {
        let mut w = WorkloadResult {
            id: "s".into(),
            name: "S".into(),
            ..Default::default()
        };
        for (k, v) in [
            (MetricKey::TimeToTrain, 3.0),
            (MetricKey::SecondsPerIteration, 1.0),
            (MetricKey::Duration, 2.0),
        ] {
            w.metrics.insert(k, v);
        }
        let results = Results {
            workloads: vec![w],
            ..Default::default()
        };
        let plan = Plan::default();
        let selection = Default::default();
        let run = RunView {
            bands: None,
            results: &results,
            plan: &plan,
            report: None,
            selection: &selection,
        };
        let values = |sort| metric_rows(&run, sort).iter().map(|r| r.3).collect::<Vec<_>>();
        assert_eq!(values((MetricCol::Value, true)), vec![1.0, 2.0, 3.0]);
        assert_eq!(values((MetricCol::Value, false)), vec![3.0, 2.0, 1.0]);
        assert_eq!(values((MetricCol::Stage, true)), vec![3.0, 1.0, 2.0], "key order");
    }
}
