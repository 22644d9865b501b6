//! The scrubber: an axis in human time, a track of event ticks coloured by
//! kind, one Gantt row per stage, and the cursor. Click or drag to move it.

use super::clock::{TimeWindow, format_duration, kind_label};
use crate::sim::{EventKind, Results};
use crate::ui::theme::Palette;
use egui::{Align2, Color32, FontId, Pos2, Rect, Sense, Stroke, Vec2};

/// Width of the stage-name column left of the bars.
const LABEL_W: f32 = 130.0;
const AXIS_H: f32 = 18.0;
const TICKS_H: f32 = 16.0;

/// Colour of an event kind: starts and ends quiet, trouble red and amber,
/// elasticity teal, data movement blue.
pub fn kind_color(kind: EventKind, pal: &Palette) -> Color32 {
    let (r, g, b) = match kind {
        EventKind::StageStart => (80, 185, 110),
        EventKind::StageEnd => (130, 140, 155),
        EventKind::Transfer => (80, 150, 235),
        EventKind::Checkpoint => (160, 110, 230),
        EventKind::Failure => (225, 60, 60),
        EventKind::Restart => (240, 145, 50),
        EventKind::Preemption => (215, 90, 160),
        EventKind::ScaleUp => (40, 180, 175),
        EventKind::ScaleDown => (95, 160, 200),
        EventKind::ColdStart => (120, 200, 235),
        EventKind::Starved => (220, 180, 40),
        EventKind::SloMiss => (240, 95, 120),
    };
    let c = Color32::from_rgb(r, g, b);
    if pal.dark { c } else { c.gamma_multiply(0.9) }
}

/// Colour of a stage kind's bars.
fn stage_color(kind: &str) -> Color32 {
    match kind {
        "train" => Color32::from_rgb(90, 140, 230),
        "serve" => Color32::from_rgb(70, 175, 130),
        "ingest" | "preprocess" => Color32::from_rgb(210, 150, 60),
        _ => Color32::from_rgb(150, 130, 200),
    }
}

/// A tick spacing that gives about `target` ticks over `end_s`, in units a
/// person counts in.
pub fn tick_step_s(end_s: f64, target: f64) -> f64 {
    const STEPS: [f64; 24] = [
        1.0,
        2.0,
        5.0,
        10.0,
        15.0,
        30.0,
        60.0,
        120.0,
        300.0,
        600.0,
        900.0,
        1800.0,
        3600.0,
        7200.0,
        10_800.0,
        21_600.0,
        43_200.0,
        86_400.0,
        172_800.0,
        604_800.0,
        1_209_600.0,
        2_592_000.0,
        7_776_000.0,
        31_536_000.0,
    ];
    let want = end_s / target.max(1.0);
    STEPS
        .iter()
        .copied()
        .find(|s| *s >= want)
        .unwrap_or(STEPS[STEPS.len() - 1])
}

/// What the user did on the scrubber.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum TimelineAction {
    /// Clicked or dragged the cursor to this time.
    Seek(f64),
}

/// Draw the scrubber over the space left in `ui`, showing `window` of the
/// run. The wheel zooms around the pointer, Shift+wheel (or a sideways
/// scroll) pans, a double click on a stage frames it.
#[expect(clippy::too_many_arguments)]
pub fn timeline_ui(
    ui: &mut egui::Ui,
    results: &Results,
    visible: &[usize],
    t_s: f64,
    run_end_s: f64,
    window: &mut TimeWindow,
    current: Option<usize>,
    pal: &Palette,
) -> Option<TimelineAction> {
    let rows = results.timeline.len().max(1);
    let row_h = ((ui.available_height() - AXIS_H - TICKS_H - 6.0) / rows as f32).clamp(12.0, 24.0);
    let height = AXIS_H + TICKS_H + 6.0 + row_h * rows as f32;
    let size = Vec2::new(ui.available_width().max(LABEL_W + 80.0), height);
    let (rect, response) = ui.allocate_exact_size(size, Sense::click_and_drag());
    response.widget_info(|| {
        egui::WidgetInfo::slider(true, t_s, "Timeline: click or drag to move the cursor, wheel to zoom")
    });
    let painter = ui.painter_at(rect);
    let bars = Rect::from_min_max(
        Pos2::new(rect.min.x + LABEL_W, rect.min.y),
        rect.max - Vec2::new(8.0, 0.0),
    );
    // Bars, ticks and the cursor stay right of the label column.
    let plot = ui.painter_at(bars.expand2(Vec2::new(6.0, 0.0)));

    // Zoom and pan before drawing, so this frame shows the result.
    if response.hovered() {
        let (scroll, zoom) = ui.input(|i| (i.smooth_scroll_delta, i.zoom_delta()));
        let pointer_t = response
            .hover_pos()
            .map(|p| window.start_s + ((p.x - bars.min.x) / bars.width()).clamp(0.0, 1.0) as f64 * window.len_s());
        if let Some(at) = pointer_t {
            let factor = (-(scroll.y as f64) * 0.003).exp() / zoom as f64;
            if (factor - 1.0).abs() > 1e-6 {
                window.zoom_at(at, factor, run_end_s);
            }
        }
        if scroll.x != 0.0 {
            window.pan(-(scroll.x as f64) / bars.width() as f64 * window.len_s(), run_end_s);
        }
    }
    let (w0, w_len) = (window.start_s, window.len_s().max(1e-9));
    let x_of = |t: f64| bars.min.x + ((t - w0) / w_len) as f32 * bars.width();
    let t_of = |x: f32| w0 + ((x - bars.min.x) / bars.width()).clamp(0.0, 1.0) as f64 * w_len;

    // Axis: round human steps, at most a few hundred lines.
    let step = tick_step_s(w_len, (bars.width() / 90.0).max(2.0) as f64).max(w_len / 200.0);
    let font = FontId::proportional(11.0);
    let mut tick = (w0 / step).ceil() * step;
    while tick <= window.end_s + 1e-9 {
        let x = x_of(tick);
        plot.line_segment(
            [Pos2::new(x, rect.min.y + AXIS_H - 4.0), Pos2::new(x, rect.max.y)],
            Stroke::new(1.0, pal.grid_major),
        );
        let first = x - bars.min.x < 30.0;
        let align = if first { Align2::LEFT_TOP } else { Align2::CENTER_TOP };
        if x + 30.0 < bars.max.x || first {
            plot.text(
                Pos2::new(x, rect.min.y + 1.0),
                align,
                format_duration(tick),
                font.clone(),
                pal.text_weak,
            );
        }
        tick += step;
    }
    let zoomed = !window.is_whole(run_end_s);
    painter.text(
        Pos2::new(rect.min.x + 4.0, rect.min.y + 1.0),
        Align2::LEFT_TOP,
        if zoomed { "Lifecycle (zoomed)" } else { "Lifecycle" },
        font.clone(),
        pal.text_weak,
    );

    // Event ticks.
    let ticks = Rect::from_min_size(
        Pos2::new(bars.min.x, rect.min.y + AXIS_H),
        Vec2::new(bars.width(), TICKS_H),
    );
    painter.text(
        Pos2::new(rect.min.x + 4.0, ticks.center().y),
        Align2::LEFT_CENTER,
        format!("Events ({})", visible.len()),
        font.clone(),
        pal.text_weak,
    );
    let hover = response.hover_pos();
    let mut hovered_event: Option<(f32, usize)> = None;
    let mut last_tick: Option<(i32, EventKind)> = None;
    for &i in visible {
        let Some(e) = results.events.get(i) else { continue };
        if e.t_s < window.start_s || e.t_s > window.end_s {
            continue;
        }
        let x = x_of(e.t_s);
        let strong = Some(i) == current;
        // Thousands of events: one tick per pixel column and kind is enough.
        let column = (x.round() as i32, e.kind);
        if last_tick == Some(column) && !strong {
            continue;
        }
        last_tick = Some(column);
        let w = if strong { 3.0 } else { 1.5 };
        plot.line_segment(
            [Pos2::new(x, ticks.min.y + 2.0), Pos2::new(x, ticks.max.y - 2.0)],
            Stroke::new(w, kind_color(e.kind, pal)),
        );
        if let Some(p) = hover
            && ticks.expand2(Vec2::new(0.0, 2.0)).contains(p)
        {
            let d = (p.x - x).abs();
            if d <= 4.0 && hovered_event.is_none_or(|(best, _)| d < best) {
                hovered_event = Some((d, i));
            }
        }
    }

    // Stage rows.
    let rows_top = ticks.max.y + 6.0;
    for (r, span) in results.timeline.iter().enumerate() {
        let y0 = rows_top + r as f32 * row_h;
        let row = Rect::from_min_size(Pos2::new(rect.min.x, y0), Vec2::new(rect.width(), row_h));
        if r % 2 == 1 {
            painter.rect_filled(row, 0, pal.grid.gamma_multiply(0.6));
        }
        let label = painter.layout(span.stage.clone(), FontId::proportional(12.0), pal.text, LABEL_W - 10.0);
        let clipped = painter.with_clip_rect(Rect::from_min_size(row.min, Vec2::new(LABEL_W - 6.0, row_h)));
        clipped.galley(
            Pos2::new(row.min.x + 4.0, row.center().y - label.size().y.min(row_h) / 2.0),
            label,
            pal.text,
        );
        let (x0, x1) = (x_of(span.start_s), x_of(span.end_s));
        let bar = Rect::from_min_max(
            Pos2::new(x0, y0 + row_h * 0.2),
            Pos2::new(x1.max(x0 + 2.0), y0 + row_h * 0.8),
        );
        let running = span.start_s <= t_s && t_s < span.end_s;
        let fill = stage_color(&span.kind);
        plot.rect_filled(bar, 3, if running { fill } else { fill.gamma_multiply(0.45) });
        if span.slowdown > 1.005 {
            plot.rect_stroke(bar, 3, Stroke::new(1.0, pal.warning), egui::StrokeKind::Inside);
        }
        let on_row = hover.is_some_and(|p| row.contains(p));
        if on_row && response.double_clicked() {
            window.frame(span.start_s, span.end_s, run_end_s);
        }
        if on_row && hovered_event.is_none() {
            let mut tip = format!(
                "{} ({})\n{} to {} ({})",
                span.stage,
                span.kind,
                format_duration(span.start_s),
                format_duration(span.end_s),
                format_duration(span.end_s - span.start_s)
            );
            if span.slowdown > 1.005 {
                tip.push_str(&format!(
                    "\n{:.0} % slower than alone, sharing with {}",
                    (span.slowdown - 1.0) * 100.0,
                    span.shared_with.join(", ")
                ));
            }
            tip.push_str("\nDouble-click to zoom to this stage");
            response.clone().on_hover_text_at_pointer(tip);
        }
    }
    if results.timeline.is_empty() {
        painter.text(
            Pos2::new(bars.min.x + 6.0, rows_top + row_h / 2.0),
            Align2::LEFT_CENTER,
            "No stage spans in this run",
            font,
            pal.text_weak,
        );
    }
    if let Some((_, i)) = hovered_event
        && let Some(e) = results.events.get(i)
    {
        response.clone().on_hover_text_at_pointer(format!(
            "{} · {} · {}\n{}",
            format_duration(e.t_s),
            kind_label(e.kind),
            if e.stage.is_empty() { "plan" } else { &e.stage },
            e.text
        ));
    }

    // Cursor.
    if t_s >= window.start_s && t_s <= window.end_s {
        let x = x_of(t_s);
        plot.line_segment(
            [Pos2::new(x, rect.min.y + AXIS_H - 2.0), Pos2::new(x, rect.max.y)],
            Stroke::new(2.0, pal.accent),
        );
        let handle = [
            Pos2::new(x - 5.0, rect.min.y + AXIS_H - 7.0),
            Pos2::new(x + 5.0, rect.min.y + AXIS_H - 7.0),
            Pos2::new(x, rect.min.y + AXIS_H - 1.0),
        ];
        plot.add(egui::Shape::convex_polygon(handle.to_vec(), pal.accent, Stroke::NONE));
    }

    if response.hovered() {
        ui.set_cursor_icon(egui::CursorIcon::ResizeHorizontal);
    }
    let pointer = response.interact_pointer_pos().filter(|p| p.x >= bars.min.x - 6.0);
    let moved = (response.clicked() || response.dragged()) && !response.double_clicked();
    pointer.filter(|_| moved).map(|p| TimelineAction::Seek(t_of(p.x)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_human_steps() {
        assert_eq!(tick_step_s(60.0, 6.0), 10.0);
        assert_eq!(tick_step_s(3600.0, 6.0), 600.0);
        assert_eq!(tick_step_s(30.0 * 86_400.0, 8.0), 604_800.0);
        assert_eq!(tick_step_s(0.5, 6.0), 1.0);
        assert_eq!(tick_step_s(1e12, 6.0), 31_536_000.0);
    }
}
