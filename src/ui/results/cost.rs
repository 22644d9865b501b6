//! Cost sub-tab: total, energy, emissions and cost per million tokens as
//! cards; horizontal bars of cost by site (segments per stage, from the
//! report's cost lines) and by stage, with values and shares; own vs rent
//! over the plan's cost horizon (cumulative cost of buying, renting and the
//! plan as drawn, the break-even month, the verdict and a small table).

use super::RunView;
use super::cards::{card_ui, one_line, series_color};
use crate::format::usd as fmt_usd;
use crate::model::{NodeId, Plan, SiteId, StageId};
use crate::report::tco;
use crate::sim::cost::DeploymentComparison;
use crate::sim::metrics::MetricKey;
use egui_plot::{Corner, HoverPosition, Legend, Line, LineStyle, Plot, PlotPoint, PlotPoints, Text, VLine};

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
            MetricKey::PlanCost.label(),
            &MetricKey::PlanCost.format(c.total_usd),
            &format!("{} USD over every simulated stage", c.total_usd),
        );
        card_ui(
            ui,
            MetricKey::PlanEnergy.label(),
            &MetricKey::PlanEnergy.format(c.energy_kwh),
            &format!("{} kWh facility energy incl. PUE", c.energy_kwh),
        );
        if let Some(co2) = run.report.and_then(|r| r.summary.get(&MetricKey::PlanCarbon)) {
            card_ui(
                ui,
                MetricKey::PlanCarbon.label(),
                &MetricKey::PlanCarbon.format(*co2),
                &format!("{co2} kg"),
            );
        }
        // The own-vs-rent answer up here too: its chart is below the bars,
        // out of sight in a short dock.
        if let Some(t) = &run.results.tco {
            card_ui(ui, "Own vs rent: break-even", &break_even_text(t), &tco::verdict(t));
        }
        for w in &run.results.workloads {
            if let Some(v) = w.metric(MetricKey::CostPerMillionTokens) {
                card_ui(
                    ui,
                    &format!("{}: per M tokens", w.name),
                    &fmt_usd(v),
                    &format!("{v} USD per million output tokens"),
                );
            }
        }
    });
    if !run.results.prices.is_empty() {
        ui.weak(&run.results.prices);
    }
    bands_ui(ui, run);
    ui.add_space(6.0);
    cost_bars_ui(ui, run);
    ui.add_space(10.0);
    own_vs_rent_ui(ui, run);
}

/// P10/P50/P90 of the sampled figures (Uncertainty toggle), as the CLI's
/// `--uncertainty` table and the report's "How sure" section show them.
fn bands_ui(ui: &mut egui::Ui, run: &RunView<'_>) {
    match run.bands {
        None => {}
        Some(Err(e)) => {
            ui.colored_label(ui.visuals().error_fg_color, format!("Uncertainty run failed: {e}"));
        }
        Some(Ok(u)) => {
            ui.add_space(6.0);
            ui.strong("How sure").on_hover_text(format!(
                "{}; varied: {}",
                u.summary(),
                u.inputs.iter().map(|i| i.what.as_str()).collect::<Vec<_>>().join(", ")
            ));
            egui::Grid::new("bands_grid").striped(true).show(ui, |ui| {
                for h in ["Figure", "P10", "P50", "P90", "This run"] {
                    ui.strong(h);
                }
                ui.end_row();
                for b in &u.bands {
                    let f = |v: f64| b.key.metric.format(v);
                    ui.label(b.label(run.plan));
                    ui.label(f(b.p10));
                    ui.label(f(b.p50));
                    ui.label(f(b.p90));
                    ui.label(b.nominal.map(f).unwrap_or_else(|| "—".into()));
                    ui.end_row();
                }
            });
        }
    }
}

fn cost_bars_ui(ui: &mut egui::Ui, run: &RunView<'_>) {
    let sites = site_rows(run);
    let stages = stage_rows(run);
    if sites.is_empty() && stages.is_empty() {
        ui.weak("No stage reported a cost");
        return;
    }
    let total = run.results.cost.total_usd;
    ui.label("Cost by site")
        .on_hover_text("Where the money goes: each stage is charged to the site of its first placement node");
    bars_ui(ui, "cost by site", &sites, total);
    ui.add_space(6.0);
    ui.label("Cost by stage");
    bars_ui(ui, "cost by stage", &stages, total);
}

/// Shown instead of the own-vs-rent section when the run has no comparison.
pub const NO_TCO_NOTE: &str =
    "Own vs rent: the plan has no compute that can be both bought and rented, so there is nothing to compare";

/// One line of the own-vs-rent chart: legend name and (month, cumulative USD)
/// points from month 0 (the up-front purchase) to the horizon.
#[derive(Clone, Debug, PartialEq)]
pub struct TcoLine {
    pub name: String,
    pub points: Vec<[f64; 2]>,
}

/// The three deployments as lines, in the order of [`tco::deployments`].
pub fn tco_lines(c: &DeploymentComparison) -> Vec<TcoLine> {
    tco::deployments(c)
        .into_iter()
        .map(|d| TcoLine {
            name: tco::short_label(d).to_owned(),
            points: tco::curve(d)
                .into_iter()
                .filter(|p| p.1.is_finite())
                .map(|(month, usd)| [month, usd])
                .collect(),
        })
        .collect()
}

/// The break-even month when it falls inside the horizon (drawn as a line).
pub fn break_even_in_horizon(c: &DeploymentComparison) -> Option<f64> {
    c.break_even_months
        .filter(|m| m.is_finite() && *m >= 0.0 && *m <= c.horizon_months as f64)
}

/// The hover text at month `x` (rounded to a whole month inside the
/// horizon): every line's cumulative cost then.
pub fn month_summary(lines: &[TcoLine], x: f64) -> String {
    let last = lines
        .iter()
        .map(|l| l.points.len())
        .max()
        .unwrap_or(1)
        .saturating_sub(1);
    let month = if x.is_finite() {
        x.round().clamp(0.0, last as f64)
    } else {
        0.0
    };
    let mut s = format!("month {month:.0}");
    for l in lines {
        if let Some(p) = l.points.iter().find(|p| p[0] == month) {
            s.push_str(&format!("\n{}: {}", l.name, fmt_usd(p[1])));
        }
    }
    s
}

/// Grid steps of the month axis (fine, medium, coarse): months, half
/// years and years, coarser for long horizons so labels stay apart.
pub fn month_grid_steps(horizon_months: u32) -> [f64; 3] {
    match horizon_months {
        0..=60 => [1.0, 6.0, 12.0],
        61..=240 => [6.0, 12.0, 60.0],
        _ => [12.0, 60.0, 120.0],
    }
}

/// The break-even month for a card: "9.4 months", "after 120 months"
/// (beyond the horizon) or "never".
pub fn break_even_text(c: &DeploymentComparison) -> String {
    match c.break_even_months.filter(|m| m.is_finite()) {
        Some(m) if m <= c.horizon_months as f64 => MetricKey::BreakEvenMonths.format(m),
        Some(m) => format!("after {m:.0} months"),
        None => "never".into(),
    }
}

/// Grid steps of the dollar axis for a visible span: about six labelled
/// steps of 1, 2 or 5 × 10^k (the default powers of ten leave one or two
/// labels on a short chart), a finer grid and a coarser one.
pub fn usd_grid_steps(span: f64) -> [f64; 3] {
    let step = crate::report::draw::charts::nice_step(span, 6.0);
    [step / 5.0, step, step * 5.0]
}

/// A compact dollar amount for an axis tick: "$0", "$250k", "$1.5M".
pub fn usd_tick(v: f64) -> String {
    let a = v.abs();
    let sign = if v < 0.0 { "-" } else { "" };
    let (scaled, suffix) = if a >= 1e9 {
        (a / 1e9, "B")
    } else if a >= 1e6 {
        (a / 1e6, "M")
    } else if a >= 1e3 {
        (a / 1e3, "k")
    } else {
        (a, "")
    };
    let digits = format!("{scaled:.2}");
    let digits = digits.trim_end_matches('0').trim_end_matches('.');
    if digits == "0" {
        "$0".into()
    } else {
        format!("{sign}${digits}{suffix}")
    }
}

/// Node ids of the comparison as the names the plan shows.
fn node_names(plan: &Plan, ids: &[String]) -> Vec<String> {
    ids.iter()
        .map(|id| {
            plan.node(&NodeId::from(id.as_str()))
                .map(|n| n.name.clone())
                .unwrap_or_else(|| id.clone())
        })
        .collect()
}

/// Own vs rent over the plan's horizon: chart, verdict, table, notes.
pub fn own_vs_rent_ui(ui: &mut egui::Ui, run: &RunView<'_>) {
    let Some(c) = &run.results.tco else {
        ui.weak(NO_TCO_NOTE);
        return;
    };
    ui.heading(format!("Own vs rent over {} months", c.horizon_months))
        .on_hover_text(
            "On-prem buys every compute group up front and pays power and operations every month; \
         cloud rents the same compute on demand for the used hours only; as drawn prices the plan as placed. \
         Set the horizon and utilization under Plan in the inspector",
        );
    ui.label(tco::verdict(c));
    ui.add_space(4.0);
    // Side by side when there is room: the dock is often short.
    let table_w = 360.0f32;
    if ui.available_width() >= 900.0 {
        ui.horizontal_top(|ui| {
            let chart_w = (ui.available_width() - table_w - 16.0).min(1000.0);
            tco_chart_ui(ui, c, chart_w);
            ui.add_space(8.0);
            ui.vertical(|ui| tco_table_ui(ui, run.plan, c));
        });
    } else {
        tco_chart_ui(ui, c, ui.available_width());
        ui.add_space(4.0);
        tco_table_ui(ui, run.plan, c);
    }
}

fn tco_chart_ui(ui: &mut egui::Ui, c: &DeploymentComparison, width: f32) {
    let lines = tco_lines(c);
    let top = lines
        .iter()
        .flat_map(|l| l.points.iter().map(|p| p[1]))
        .fold(0.0, f64::max);
    let months = c.horizon_months.max(1) as f64;
    let marker = ui.visuals().text_color();
    let steps = month_grid_steps(c.horizon_months);
    let hover_lines = lines.clone();
    Plot::new("own_vs_rent")
        .width(width.max(240.0))
        .height(220.0)
        // Top left stays clear: every line ends at least as high as it starts.
        .legend(Legend::default().follow_insertion_order(true).position(Corner::LeftTop))
        .include_x(0.0)
        .include_x(months)
        .include_y(0.0)
        .include_y(top * 1.12)
        .x_axis_label("months from purchase")
        .y_axis_label("cumulative cost (USD)")
        .x_grid_spacer(egui_plot::uniform_grid_spacer(move |_| steps))
        .y_grid_spacer(egui_plot::uniform_grid_spacer(|input| {
            usd_grid_steps(input.bounds.1 - input.bounds.0)
        }))
        .y_axis_formatter(|mark, _| usd_tick(mark.value))
        .y_axis_min_width(44.0)
        .allow_scroll(false)
        .label_formatter(move |pos: &HoverPosition<'_>| {
            let (HoverPosition::NearDataPoint { position, .. } | HoverPosition::Elsewhere { position }) = pos;
            Some(month_summary(&hover_lines, position.x))
        })
        .show(ui, |plot_ui| {
            for (i, l) in lines.iter().enumerate() {
                let pts: PlotPoints<'_> = l.points.clone().into();
                plot_ui.line(
                    Line::new(l.name.clone(), pts)
                        .allow_band(false)
                        .color(series_color(i))
                        .width(2.0),
                );
            }
            if let Some(m) = break_even_in_horizon(c) {
                plot_ui.vline(
                    VLine::new("", m)
                        .id("break_even")
                        .color(marker)
                        .width(1.5)
                        .style(LineStyle::dashed_dense())
                        .allow_hover(false),
                );
                // At the foot of the line: the lines there are the cloud's
                // (already above, it crossed here) and the owned ones (above
                // their purchase price).
                plot_ui.text(
                    Text::new(
                        "",
                        PlotPoint::new(m, 0.0),
                        egui::RichText::new(format!(" break-even: month {m:.1}")).size(13.0),
                    )
                    .id("break_even_label")
                    .color(marker)
                    .anchor(egui::Align2::LEFT_BOTTOM),
                );
            }
        });
}

fn tco_table_ui(ui: &mut egui::Ui, plan: &Plan, c: &DeploymentComparison) {
    egui::Grid::new("own_vs_rent_table")
        .num_columns(4)
        .spacing([14.0, 4.0])
        .striped(true)
        .show(ui, |ui| {
            ui.label("");
            for head in ["up front", "per month", "total"] {
                ui.weak(head);
            }
            ui.end_row();
            for (i, d) in tco::deployments(c).into_iter().enumerate() {
                ui.horizontal(|ui| {
                    let (r, _) = ui.allocate_exact_size(egui::vec2(10.0, 10.0), egui::Sense::hover());
                    ui.painter().rect_filled(r, 2, series_color(i));
                    ui.label(tco::short_label(d)).on_hover_text(&d.label);
                });
                ui.label(fmt_usd(d.capex_usd));
                ui.label(fmt_usd(d.monthly_usd));
                ui.label(egui::RichText::new(fmt_usd(d.total_usd)).strong());
                ui.end_row();
            }
        });
    ui.weak(format!(
        "At {:.0} % utilization; no resale value for owned hardware",
        c.utilization * 100.0
    ));
    if !c.unmatched.is_empty() {
        ui.weak(format!(
            "Not compared (no owned or rented equivalent): {}",
            node_names(plan, &c.unmatched).join(", ")
        ));
    }
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
    use crate::report::figures::{CostLine, Figures};

    #[test]
    fn site_bars_stack_the_report_lines_and_sort_by_cost() {
        let plan = Plan::default();
        let results = crate::sim::Results::default();
        let report = Figures {
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
            bands: None,
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

    fn comparison(break_even: Option<f64>) -> DeploymentComparison {
        let d = |label: &str, capex: f64, monthly: f64| crate::sim::cost::Deployment {
            label: label.into(),
            capex_usd: capex,
            monthly_usd: monthly,
            cumulative_usd: (1..=3).map(|m| capex + monthly * m as f64).collect(),
            total_usd: capex + monthly * 3.0,
        };
        DeploymentComparison {
            horizon_months: 3,
            utilization: 0.5,
            on_prem: d("On-prem (buy everything)", 1000.0, 10.0),
            cloud: d("Cloud (rent on demand, pay for used hours)", 0.0, 400.0),
            as_drawn: d("As drawn (owned nodes bought, rented ones by the hour)", 500.0, 200.0),
            break_even_months: break_even,
            break_even_utilization: None,
            unmatched: vec![],
        }
    }

    #[test]
    fn own_vs_rent_lines_start_with_the_purchase_and_end_at_the_horizon() {
        let c = comparison(Some(2.56));
        let lines = tco_lines(&c);
        let names: Vec<&str> = lines.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(names, ["On-prem", "Cloud", "As drawn"]);
        assert_eq!(
            lines[0].points,
            vec![[0.0, 1000.0], [1.0, 1010.0], [2.0, 1020.0], [3.0, 1030.0]]
        );
        assert_eq!(lines[1].points.first(), Some(&[0.0, 0.0]));
        assert_eq!(lines[2].points.last(), Some(&[3.0, 1100.0]));
        assert_eq!(break_even_in_horizon(&c), Some(2.56));
        assert_eq!(break_even_in_horizon(&comparison(Some(3.5))), None);
        assert_eq!(break_even_in_horizon(&comparison(None)), None);
        assert_eq!(break_even_text(&c), "2.6 months");
        assert_eq!(break_even_text(&comparison(Some(40.2))), "after 40 months");
        assert_eq!(break_even_text(&comparison(None)), "never");
    }

    #[test]
    fn hover_lists_every_line_at_the_nearest_month() {
        let lines = tco_lines(&comparison(None));
        assert_eq!(
            month_summary(&lines, 1.8),
            "month 2\nOn-prem: $1.0k\nCloud: $800\nAs drawn: $900"
        );
        assert!(month_summary(&lines, -4.0).starts_with("month 0\nOn-prem: $1.0k"));
        assert!(month_summary(&lines, 99.0).starts_with("month 3\n"));
        assert!(month_summary(&lines, f64::NAN).starts_with("month 0\n"));
    }

    #[test]
    fn month_grid_gets_coarser_for_long_horizons() {
        assert_eq!(month_grid_steps(36), [1.0, 6.0, 12.0]);
        assert_eq!(month_grid_steps(120), [6.0, 12.0, 60.0]);
        assert_eq!(month_grid_steps(600), [12.0, 60.0, 120.0]);
    }

    #[test]
    fn dollar_grid_steps_are_one_two_or_five() {
        assert_eq!(usd_grid_steps(13.5e6)[1], 5e6);
        assert_eq!(usd_grid_steps(33e6)[1], 1e7);
        assert_eq!(usd_grid_steps(6e5)[1], 1e5);
        assert_eq!(usd_grid_steps(1.1e5)[1], 2e4);
        assert_eq!(usd_grid_steps(0.0)[1], 1.0);
        assert_eq!(usd_grid_steps(f64::NAN)[1], 1.0);
    }

    #[test]
    fn axis_ticks_read_in_thousands_and_millions() {
        assert_eq!(usd_tick(0.0), "$0");
        assert_eq!(usd_tick(250_000.0), "$250k");
        assert_eq!(usd_tick(1_500_000.0), "$1.5M");
        assert_eq!(usd_tick(2_000_000.0), "$2M");
        assert_eq!(usd_tick(1.25e9), "$1.25B");
        assert_eq!(usd_tick(750.0), "$750");
        assert_eq!(usd_tick(-5e5), "-$500k");
    }
}
