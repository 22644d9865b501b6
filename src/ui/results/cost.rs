//! Cost sub-tab: total, energy, emissions and cost per million tokens as
//! cards; horizontal bars of cost by site (segments per stage, from the
//! report's cost lines) and by stage, with values and shares.

use super::RunView;
use super::cards::{card_ui, one_line, series_color};
use crate::model::{Plan, SiteId, StageId};
use crate::report::png_report::{fmt_metric, fmt_usd, metric};

/// One bar: a label, segments (name, USD), and the hover text.
#[derive(Clone, Debug, PartialEq)]
pub struct BarRow {
    pub label: String,
    pub segments: Vec<(String, f64)>,
}

impl BarRow {
    pub fn total(&self) -> f64 {
        self.segments.iter().map(|s| s.1).filter(|v| v.is_finite()).sum()
    }
}

fn site_name(plan: &Plan, id: &str) -> String {
    plan.site(&SiteId::from(id))
        .map(|s| s.name.clone())
        .unwrap_or_else(|| id.to_owned())
}

fn stage_name(plan: &Plan, id: &str) -> String {
    plan.stage(&StageId::from(id))
        .map(|s| s.name.clone())
        .unwrap_or_else(|| id.to_owned())
}

/// Cost by site: the report's (site, stage) lines stacked per site, or the
/// plan totals per site when there is no report.
pub fn site_rows(run: &RunView<'_>) -> Vec<BarRow> {
    let mut rows: Vec<BarRow> = Vec::new();
    match run.report.filter(|r| !r.cost.is_empty()) {
        Some(report) => {
            for line in &report.cost {
                match rows.iter_mut().find(|r| r.label == line.site) {
                    Some(r) => r.segments.push((line.component.clone(), line.usd)),
                    None => rows.push(BarRow {
                        label: line.site.clone(),
                        segments: vec![(line.component.clone(), line.usd)],
                    }),
                }
            }
        }
        None => {
            for (site, usd) in &run.results.cost.per_site_usd {
                rows.push(BarRow {
                    label: site_name(run.plan, site),
                    segments: vec![("cost".into(), *usd)],
                });
            }
        }
    }
    rows.sort_by(|a, b| b.total().total_cmp(&a.total()).then_with(|| a.label.cmp(&b.label)));
    rows
}

pub fn stage_rows(run: &RunView<'_>) -> Vec<BarRow> {
    let mut rows: Vec<BarRow> = run
        .results
        .cost
        .per_stage_usd
        .iter()
        .map(|(id, usd)| {
            let kind = run.results.workload(id).map(|w| w.kind.clone()).unwrap_or_default();
            BarRow {
                label: stage_name(run.plan, id),
                segments: vec![(kind, *usd)],
            }
        })
        .collect();
    rows.sort_by(|a, b| b.total().total_cmp(&a.total()).then_with(|| a.label.cmp(&b.label)));
    rows
}

pub fn cost_ui(ui: &mut egui::Ui, run: &RunView<'_>) {
    let c = &run.results.cost;
    ui.horizontal_wrapped(|ui| {
        card_ui(
            ui,
            "Total cost",
            &fmt_usd(c.total_usd),
            &format!("{} USD over every simulated stage", c.total_usd),
        );
        card_ui(
            ui,
            "Energy",
            &fmt_metric("energy_kwh", c.energy_kwh),
            &format!("{} kWh facility energy incl. PUE", c.energy_kwh),
        );
        if let Some(co2) = run.report.and_then(|r| r.summary.get(metric::CO2_KG)) {
            card_ui(
                ui,
                "Emissions (CO2e)",
                &fmt_metric("carbon_kg", *co2),
                &format!("{co2} kg"),
            );
        }
        for w in &run.results.workloads {
            if let Some(v) = w.metric("cost_per_million_tokens_usd") {
                card_ui(
                    ui,
                    &format!("{}: per M tokens", w.name),
                    &fmt_usd(v),
                    &format!("{v} USD per million output tokens"),
                );
            }
        }
    });
    ui.add_space(6.0);
    let sites = site_rows(run);
    let stages = stage_rows(run);
    if sites.is_empty() && stages.is_empty() {
        ui.weak("No stage reported a cost");
        return;
    }
    ui.label("Cost by site")
        .on_hover_text("Where the money goes: each stage is charged to the site of its first placement node");
    bars_ui(ui, "cost by site", &sites, c.total_usd);
    ui.add_space(6.0);
    ui.label("Cost by stage");
    bars_ui(ui, "cost by stage", &stages, c.total_usd);
}

/// Horizontal bars: label column, bar with segments, value and share.
pub fn bars_ui(ui: &mut egui::Ui, id: &str, rows: &[BarRow], total: f64) {
    let label_w = 260.0f32;
    let value_w = 130.0f32;
    let row_h = 22.0f32;
    // Long bars are hard to compare with the value text far away: cap the width.
    let width = ui.available_width().clamp(label_w + value_w + 100.0, 1100.0);
    let (rect, response) = ui.allocate_exact_size(egui::vec2(width, row_h * rows.len() as f32), egui::Sense::hover());
    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Figure, true, format!("Bar chart: {id}")));
    let painter = ui.painter_at(rect);
    let visuals = ui.visuals();
    let max = rows.iter().map(BarRow::total).fold(0.0, f64::max);
    let bar_w = rect.width() - label_w - value_w;
    let hover = response.hover_pos();
    let mut tip = None;
    // Segment colours by name, stable across rows.
    let mut names: Vec<&str> = rows
        .iter()
        .flat_map(|r| r.segments.iter().map(|s| s.0.as_str()))
        .collect();
    names.sort_unstable();
    names.dedup();
    for (i, row) in rows.iter().enumerate() {
        let y = rect.min.y + i as f32 * row_h;
        let label = one_line(&painter, &row.label, 13.0, visuals.text_color(), label_w - 10.0);
        painter.galley(
            egui::pos2(rect.min.x, y + (row_h - label.size().y.min(row_h)) / 2.0),
            label,
            visuals.text_color(),
        );
        let mut x = rect.min.x + label_w;
        for (name, usd) in &row.segments {
            let w = if max > 0.0 {
                (usd.max(0.0) / max) as f32 * bar_w
            } else {
                0.0
            };
            let seg = egui::Rect::from_min_size(egui::pos2(x, y + 3.0), egui::vec2(w.max(1.0), row_h - 6.0));
            let k = names.iter().position(|n| n == name).unwrap_or(0);
            painter.rect_filled(seg, 2, series_color(k));
            if hover.is_some_and(|p| seg.contains(p)) {
                tip = Some(format!("{}, {name}: {}", row.label, fmt_usd(*usd)));
            }
            x += w;
        }
        let share = if total > 0.0 { row.total() / total * 100.0 } else { 0.0 };
        painter.text(
            egui::pos2(x + 6.0, y + row_h / 2.0),
            egui::Align2::LEFT_CENTER,
            format!("{} ({share:.1} %)", fmt_usd(row.total())),
            egui::FontId::proportional(13.0),
            visuals.strong_text_color(),
        );
        if tip.is_none() && hover.is_some_and(|p| p.y >= y && p.y < y + row_h) {
            let parts: Vec<String> = row
                .segments
                .iter()
                .map(|(n, v)| format!("{n}: {}", fmt_usd(*v)))
                .collect();
            tip = Some(format!(
                "{}: {} ({share:.1} % of the total)\n{}",
                row.label,
                fmt_usd(row.total()),
                parts.join("\n")
            ));
        }
    }
    if let Some(t) = tip {
        response.on_hover_text_at_pointer(t);
    }
    if names.len() > 1 {
        ui.horizontal_wrapped(|ui| {
            for (k, name) in names.iter().enumerate() {
                let (r, _) = ui.allocate_exact_size(egui::vec2(12.0, 12.0), egui::Sense::hover());
                ui.painter().rect_filled(r, 2, series_color(k));
                ui.weak(*name);
                ui.add_space(8.0);
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::png_report::{CostLine, ReportResults};

    #[test]
    fn site_bars_stack_the_report_lines_and_sort_by_cost() {
        let plan = Plan::default();
        let results = crate::sim::Results::default();
        let report = ReportResults {
            cost: vec![
                CostLine {
                    site: "Cloud".into(),
                    component: "Serve".into(),
                    usd: 40.0,
                },
                CostLine {
                    site: "DC".into(),
                    component: "Train".into(),
                    usd: 1000.0,
                },
                CostLine {
                    site: "DC".into(),
                    component: "Ingest".into(),
                    usd: 1.0,
                },
            ],
            ..Default::default()
        };
        let selection = Default::default();
        let run = RunView {
            results: &results,
            plan: &plan,
            report: Some(&report),
            selection: &selection,
        };
        let rows = site_rows(&run);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].label, "DC");
        assert_eq!(rows[0].total(), 1001.0);
        assert_eq!(rows[1].segments, vec![("Serve".to_owned(), 40.0)]);
    }
}
