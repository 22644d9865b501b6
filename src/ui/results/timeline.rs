//! Timeline sub-tab: the lifecycle as a Gantt chart, one row per stage,
//! bars from start to end on the lifecycle clock; hover shows start, end,
//! duration, slowdown by contention and the stages it shared resources with.

use super::RunView;
use super::cards::{one_line, series_color};
use super::time::TimeUnit;
use crate::format::duration as fmt_duration;
use crate::model::{Plan, StageId};
use crate::sim::StageSpan;

/// The spans to draw: the simulator's lifecycle timeline when it has one,
/// else the report's derived timeline (dependencies, no contention).
pub fn spans(run: &RunView<'_>) -> (Vec<StageSpan>, bool) {
    if !run.results.timeline.is_empty() {
        return (run.results.timeline.clone(), true);
    }
    let derived = run
        .report
        .map(|r| {
            r.timeline
                .iter()
                .map(|s| StageSpan {
                    stage: s.stage.to_string(),
                    kind: run
                        .results
                        .workload(s.stage.as_str())
                        .map(|w| w.kind.clone())
                        .unwrap_or_default(),
                    start_s: s.start_s,
                    end_s: s.end_s,
                    slowdown: 1.0,
                    shared_with: Vec::new(),
                })
                .collect()
        })
        .unwrap_or_default();
    (derived, false)
}

fn stage_name(plan: &Plan, id: &str) -> String {
    plan.stage(&StageId::from(id))
        .map(|s| s.name.clone())
        .unwrap_or_else(|| id.to_owned())
}

fn kind_color(kind: &str) -> egui::Color32 {
    let i = match kind {
        "train" => 0,
        "serve" => 2,
        "ingest" => 4,
        "preprocess" | "etl" => 5,
        _ => 6,
    };
    series_color(i)
}

pub fn timeline_ui(ui: &mut egui::Ui, run: &RunView<'_>) {
    let (spans, simulated) = spans(run);
    if spans.is_empty() {
        ui.weak("No stage has a simulated duration to place on the timeline");
        return;
    }
    let makespan = spans
        .iter()
        .map(|s| s.end_s)
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max);
    ui.horizontal(|ui| {
        ui.label(format!("Lifecycle makespan: {}", fmt_duration(makespan)));
        if !simulated {
            ui.weak("(stages placed after their dependencies; contention between stages not simulated)");
        }
    });
    gantt_ui(ui, run, &spans, makespan);
}

fn gantt_ui(ui: &mut egui::Ui, run: &RunView<'_>, spans: &[StageSpan], makespan: f64) {
    let unit = TimeUnit::for_span(makespan);
    let label_w = 260.0f32;
    let row_h = 26.0f32;
    let axis_h = 20.0f32;
    let width = ui.available_width().max(label_w + 200.0);
    let (rect, response) = ui.allocate_exact_size(
        egui::vec2(width, row_h * spans.len() as f32 + axis_h),
        egui::Sense::hover(),
    );
    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Figure, true, "Lifecycle timeline (Gantt)"));
    let painter = ui.painter_at(rect);
    let visuals = ui.visuals();
    let x0 = rect.min.x + label_w;
    let plot_w = rect.max.x - x0 - 8.0;
    let x_of = |t: f64| {
        x0 + if makespan > 0.0 {
            (t / makespan) as f32 * plot_w
        } else {
            0.0
        }
    };
    // Grid and ticks.
    let ticks = 5;
    let axis_y = rect.max.y - axis_h;
    for k in 0..=ticks {
        let t = makespan * k as f64 / ticks as f64;
        let x = x_of(t);
        painter.vline(
            x,
            rect.min.y..=axis_y,
            egui::Stroke::new(1.0, visuals.widgets.noninteractive.bg_stroke.color),
        );
        let align = match k {
            0 => egui::Align2::LEFT_TOP,
            k if k == ticks => egui::Align2::RIGHT_TOP,
            _ => egui::Align2::CENTER_TOP,
        };
        painter.text(
            egui::pos2(x, axis_y + 3.0),
            align,
            format!("{:.1} {}", unit.of(t), unit.symbol),
            egui::FontId::proportional(11.0),
            visuals.weak_text_color(),
        );
    }
    let hover = response.hover_pos();
    let mut tip = None;
    for (i, s) in spans.iter().enumerate() {
        let y = rect.min.y + i as f32 * row_h;
        let name = stage_name(run.plan, &s.stage);
        let g = one_line(&painter, &name, 13.0, visuals.text_color(), label_w - 10.0);
        painter.galley(
            egui::pos2(rect.min.x, y + (row_h - g.size().y.min(row_h)) / 2.0),
            g,
            visuals.text_color(),
        );
        let (a, b) = (x_of(s.start_s.max(0.0)), x_of(s.end_s.max(s.start_s)));
        let bar = egui::Rect::from_min_max(egui::pos2(a, y + 4.0), egui::pos2(b.max(a + 3.0), y + row_h - 4.0));
        painter.rect_filled(bar, 3, kind_color(&s.kind));
        if s.slowdown > 1.005 {
            // The share of the bar lost to contention, hatched darker at its end.
            let alone = (s.end_s - s.start_s) / s.slowdown;
            let lost = egui::Rect::from_min_max(egui::pos2(x_of(s.start_s + alone).min(bar.max.x), bar.min.y), bar.max);
            painter.rect_filled(lost, 3, egui::Color32::from_black_alpha(90));
        }
        let row = egui::Rect::from_min_max(egui::pos2(rect.min.x, y), egui::pos2(rect.max.x, y + row_h));
        if hover.is_some_and(|p| row.contains(p)) {
            let dur = s.end_s - s.start_s;
            let mut t = format!(
                "{name} ({})\nstart {}\nend {}\nduration {}",
                s.kind,
                fmt_duration(s.start_s),
                fmt_duration(s.end_s),
                fmt_duration(dur)
            );
            if s.slowdown.is_finite() && s.slowdown > 1.0 {
                t.push_str(&format!("\nslowdown ×{:.2} by contention", s.slowdown));
            } else {
                t.push_str("\nno slowdown by contention");
            }
            if !s.shared_with.is_empty() {
                let names: Vec<String> = s.shared_with.iter().map(|id| stage_name(run.plan, id)).collect();
                t.push_str(&format!("\nshared resources with {}", names.join(", ")));
            }
            tip = Some(t);
        }
    }
    if let Some(t) = tip {
        response.on_hover_text_at_pointer(t);
    }
}
