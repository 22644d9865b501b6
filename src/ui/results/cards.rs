//! Overview sub-tab: a plan total card row, summary cards per stage (with
//! units), the diagnosis and notes, and the training iteration-time
//! breakdown as a stacked bar.

use super::RunView;
use crate::report::png_report::{fmt_metric, metric};
use crate::sim::WorkloadResult;
use egui_plot::{Bar, BarChart, Legend, Plot};

/// Summary keys shown per workload kind, in display order.
pub fn card_keys(kind: &str) -> &'static [&'static str] {
    match kind {
        "train" => &[
            "time_to_train_s",
            "tokens_per_second",
            "mfu",
            "gpu_hours",
            "energy_kwh",
            "cost_usd",
        ],
        "serve" => &[
            "tokens_per_second",
            "requests_per_second",
            "ttft_p50_s",
            "ttft_p99_s",
            "tpot_p50_s",
            "tpot_p99_s",
            "slo_attainment",
            "cost_per_million_tokens_usd",
        ],
        _ => &["duration_s", "bytes_read", "bytes_written", "cost_usd"],
    }
}

/// A value with its unit: byte counts without the `_bytes` suffix get one too.
pub fn fmt_value(key: &str, v: f64) -> String {
    if key.starts_with("bytes_") {
        fmt_metric(&format!("{key}_bytes"), v)
    } else if key.ends_with("_hours") {
        format!("{} h", fmt_metric(key, v))
    } else if key == "cost_per_million_tokens_usd" {
        format!("{} / M tokens", fmt_metric(key, v))
    } else {
        fmt_metric(key, v)
    }
}

/// A metric's label: the comparison's labels (one list for the app), with
/// the shorter byte-count names a card has room for.
pub fn label_of(key: &str) -> String {
    match key {
        "bytes_read" => "Read".into(),
        "bytes_written" => "Written".into(),
        k => crate::report::compare::label_of(k),
    }
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
    let c = &run.results.cost;
    let summary = run.report.map(|r| &r.summary);
    let mut cards: Vec<(String, String, String)> = vec![
        (
            "Total cost".into(),
            fmt_metric("cost_usd", c.total_usd),
            format!("Every simulated stage: {} USD", c.total_usd),
        ),
        (
            "Energy".into(),
            fmt_metric("energy_kwh", c.energy_kwh),
            format!("Facility energy incl. PUE: {} kWh", c.energy_kwh),
        ),
    ];
    for key in [metric::MAKESPAN_S, metric::CO2_KG, metric::GPU_HOURS] {
        if let Some(v) = summary.and_then(|s| s.get(key)).copied() {
            cards.push((label_of(key), fmt_value(key, v), format!("{key} = {v}")));
        }
    }
    ui.horizontal_wrapped(|ui| {
        for (label, value, hover) in &cards {
            card_ui(ui, label, value, hover);
        }
    });
}

fn workload_ui(ui: &mut egui::Ui, w: &WorkloadResult) {
    ui.heading(format!("{} ({})", w.name, w.kind));
    ui.horizontal_wrapped(|ui| {
        for key in card_keys(&w.kind) {
            let Some(v) = w.metric(key) else { continue };
            let label = label_of(key);
            let value = fmt_value(key, v);
            card_ui(ui, &label, &value, &format!("{label}: {value} ({key} = {v})"));
        }
    });
    if !w.diagnosis.is_empty() {
        ui.label(egui::RichText::new(&w.diagnosis).italics())
            .on_hover_text("Diagnosis: the bottleneck and what would help");
    }
    for note in &w.notes {
        ui.weak(format!("Note: {note}"));
    }
    if w.kind == "train" && !w.breakdown.is_empty() {
        breakdown_ui(ui, w);
    }
}

/// The iteration time by cause, one horizontal stacked bar.
fn breakdown_ui(ui: &mut egui::Ui, w: &WorkloadResult) {
    ui.label("Iteration time by cause")
        .on_hover_text("Seconds per iteration spent on each cause; hover a segment for its value");
    let total: f64 = w.breakdown.values().sum();
    let mut charts: Vec<BarChart> = Vec::new();
    // Causes that take no time would only crowd the legend.
    let causes = w.breakdown.iter().filter(|(_, s)| s.is_finite() && **s > 0.0);
    for (i, (cause, secs)) in causes.enumerate() {
        let fill = series_color(i);
        let share = if total > 0.0 { secs / total * 100.0 } else { 0.0 };
        let bar = Bar::new(0.0, *secs)
            .name(format!("{cause}: {} ({share:.1} %)", fmt_metric("x_s", *secs)))
            .fill(fill)
            .width(0.6);
        let chart = BarChart::new(cause.clone(), vec![bar])
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
        .legend(Legend::default())
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
    ui.weak(format!("Total: {} per iteration", fmt_metric("x_s", total)));
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
        assert_eq!(fmt_value("bytes_read", 2.5e12), "2.50 TB");
        assert_eq!(fmt_value("gpu_hours", 1500.0), "1.50k h");
        assert_eq!(fmt_value("cost_per_million_tokens_usd", 0.5), "$0.50 / M tokens");
        assert_eq!(fmt_value("ttft_p99_s", 0.25), "250 ms");
        assert_eq!(fmt_value("slo_attainment", 0.991), "99.1 %");
        assert_eq!(label_of("ttft_p50_s"), "TTFT p50");
    }
}
