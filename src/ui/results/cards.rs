//! Overview sub-tab: a plan total card row, summary cards per stage (with
//! units), the diagnosis and notes, and the training iteration-time
//! breakdown as a stacked bar.

use super::RunView;
use crate::report::figures;
use crate::sim::WorkloadResult;
use crate::sim::metrics::MetricKey;
use egui_plot::{Bar, BarChart, Legend, Plot};

/// Summary keys shown per workload kind, in display order.
pub fn card_keys(kind: &str) -> &'static [MetricKey] {
    use MetricKey::*;
    match kind {
        "train" => &[TimeToTrain, TokensPerSecond, Mfu, GpuHours, Energy, Cost],
        "serve" => &[
            TokensPerSecond,
            RequestsPerSecond,
            TtftP50,
            TtftP99,
            TpotP50,
            TpotP99,
            SloAttainment,
            CostPerMillionTokens,
        ],
        "spiking" => &[
            InferencesPerSecond,
            InferenceLatency,
            EnergyPerInference,
            DynamicEnergyPerInference,
            CostPerMillionInferences,
            Cost,
        ],
        "quantum" => &[Duration, QueueWait, QpuTime, QpuCost, ClassicalCost, Cost],
        _ => &[Duration, BytesRead, BytesWritten, Cost],
    }
}

/// A card of a metric: the registry's label, value and unit.
fn metric_card(key: MetricKey, v: f64) -> (String, String, String) {
    let (label, value) = (key.label().to_owned(), key.format(v));
    let hover = format!("{label}: {value} ({} = {v})", key.key());
    (label, value, hover)
}

/// One card: a weak label over a strong value, fixed width so rows align.
pub fn card_ui(ui: &mut egui::Ui, label: &str, value: &str, hover: &str) {
    egui::Frame::group(ui.style())
        .inner_margin(egui::Margin::symmetric(10, 6))
        .show(ui, |ui| {
            ui.set_min_width(118.0);
            ui.vertical(|ui| {
                ui.weak(label);
                ui.label(egui::RichText::new(value).strong().size(16.0))
                    .on_hover_text(hover);
            });
        });
}

/// Training and serving first (what the cluster is for, and where the
/// charts are), then data stages, each in plan order.
pub fn overview_order(workloads: &[WorkloadResult]) -> Vec<&WorkloadResult> {
    let rank = |k: &str| match k {
        "train" => 0,
        "serve" => 1,
        _ => 2,
    };
    let mut v: Vec<&WorkloadResult> = workloads.iter().collect();
    v.sort_by_key(|w| rank(&w.kind));
    v
}

pub fn overview_ui(ui: &mut egui::Ui, run: &RunView<'_>) {
    plan_total_ui(ui, run);
    for w in overview_order(&run.results.workloads) {
        ui.add_space(6.0);
        workload_ui(ui, w);
    }
}

/// The lifecycle in one row: total cost, energy, makespan, emissions.
fn plan_total_ui(ui: &mut egui::Ui, run: &RunView<'_>) {
    if run.results.workloads.is_empty() {
        return;
    }
    ui.heading("Plan total");
    let Some(summary) = run.report.map(|r| &r.summary) else {
        return;
    };
    let cards: Vec<(String, String, String)> = [
        MetricKey::PlanCost,
        MetricKey::PlanEnergy,
        MetricKey::Makespan,
        MetricKey::PlanCarbon,
        MetricKey::GpuHours,
    ]
    .into_iter()
    .filter_map(|k| summary.get(&k).map(|v| metric_card(k, *v)))
    .collect();
    ui.horizontal_wrapped(|ui| {
        for (label, value, hover) in &cards {
            card_ui(ui, label, value, hover);
        }
    });
}

fn workload_ui(ui: &mut egui::Ui, w: &WorkloadResult) {
    ui.heading(format!("{} ({})", w.name, w.kind));
    ui.horizontal_wrapped(|ui| {
        for &key in card_keys(&w.kind) {
            let Some(v) = w.metric(key) else { continue };
            let (label, value, hover) = metric_card(key, v);
            card_ui(ui, &label, &value, &hover);
        }
    });
    if !w.diagnosis.is_empty() {
        ui.label(egui::RichText::new(&w.diagnosis).italics())
            .on_hover_text("Diagnosis: the bottleneck and what would help");
    }
    for note in &w.notes {
        ui.weak(format!("Note: {note}"));
    }
    // Training iterations and hybrid quantum iterations have a breakdown.
    if matches!(w.kind.as_str(), "train" | "quantum") && !w.breakdown.is_empty() {
        breakdown_ui(ui, w);
    }
}

/// The iteration time by cause, one horizontal stacked bar.
fn breakdown_ui(ui: &mut egui::Ui, w: &WorkloadResult) {
    ui.label("Iteration time by cause")
        .on_hover_text("Seconds per iteration spent on each cause; hover a segment for its value");
    // The same causes, labels, order and colours as the PNG report.
    let causes = figures::breakdown(w);
    let total: f64 = causes.iter().map(|c| c.seconds).sum();
    let mut charts: Vec<BarChart> = Vec::new();
    for c in &causes {
        let rgb = crate::report::draw::palette::cause(c.cause);
        let fill = egui::Color32::from_rgb(rgb.0, rgb.1, rgb.2);
        let bar = Bar::new(0.0, c.seconds)
            .name(format!(
                "{}: {} ({})",
                c.label(),
                crate::format::duration(c.seconds),
                crate::format::percent(c.share)
            ))
            .fill(fill)
            .width(0.6);
        let chart = BarChart::new(c.label(), vec![bar])
            .horizontal()
            .color(fill)
            .element_formatter(Box::new(|b: &Bar, _| b.name.clone()));
        let refs: Vec<&BarChart> = charts.iter().collect();
        let chart = chart.stack_on(&refs);
        charts.push(chart);
    }
    // Room on the right for the legend, so it does not cover the bar.
    let x_max = if total > 0.0 { total * 1.3 } else { 1.0 };
    Plot::new(("breakdown", w.id.as_str()))
        .height(170.0)
        // Cause order, as the bar and the PNG report list them.
        .legend(Legend::default().follow_insertion_order(true))
        .allow_zoom(false)
        .allow_drag(false)
        .allow_scroll(false)
        .allow_double_click_reset(false)
        .default_x_bounds(0.0, x_max)
        .default_y_bounds(-0.6, 0.6)
        .show_axes([true, false])
        .show_grid([true, false])
        .show_y(false)
        .x_axis_label("seconds per iteration")
        .show(ui, |plot_ui| {
            for c in charts {
                plot_ui.bar_chart(c);
            }
        });
    ui.weak(format!("Total: {} per iteration", crate::format::duration(total)));
}

/// `text` laid out on one line, cut with "…" to fit `max_width`.
pub fn one_line(
    painter: &egui::Painter,
    text: &str,
    size: f32,
    color: egui::Color32,
    max_width: f32,
) -> std::sync::Arc<egui::Galley> {
    let mut job = egui::text::LayoutJob::simple_singleline(text.to_owned(), egui::FontId::proportional(size), color);
    job.wrap = egui::text::TextWrapping {
        max_width,
        max_rows: 1,
        break_anywhere: true,
        overflow_character: Some('…'),
    };
    painter.layout_job(job)
}

/// A distinct colour per series index (Tableau 10, cycled): readable on
/// dark and light panels, neighbours never alike.
pub fn series_color(i: usize) -> egui::Color32 {
    const PALETTE: [[u8; 3]; 10] = [
        [78, 121, 167],
        [242, 142, 43],
        [89, 161, 79],
        [225, 87, 89],
        [118, 183, 178],
        [237, 201, 72],
        [176, 122, 161],
        [255, 157, 167],
        [156, 117, 95],
        [186, 176, 172],
    ];
    let [r, g, b] = PALETTE[i % PALETTE.len()];
    egui::Color32::from_rgb(r, g, b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn training_and_serving_come_first() {
        let w = |id: &str, kind: &str| WorkloadResult {
            id: id.into(),
            kind: kind.into(),
            ..Default::default()
        };
        let all = [w("a", "ingest"), w("b", "serve"), w("c", "train"), w("d", "preprocess")];
        let ids: Vec<&str> = overview_order(&all).iter().map(|w| w.id.as_str()).collect();
        assert_eq!(ids, ["c", "b", "a", "d"]);
    }

    #[test]
    fn every_card_value_carries_a_unit() {
        use MetricKey as K;
        assert_eq!(metric_card(K::BytesRead, 2.5e12).1, "2.50 TB");
        assert_eq!(metric_card(K::GpuHours, 1500.0).1, "1.50k h");
        assert_eq!(metric_card(K::CostPerMillionTokens, 0.5).1, "$0.50 / M tokens");
        assert_eq!(metric_card(K::TtftP99, 0.25).1, "250 ms");
        assert_eq!(metric_card(K::SloAttainment, 0.991).1, "99.1 %");
        assert_eq!(metric_card(K::TtftP50, 0.1).0, "TTFT p50");
    }
}
