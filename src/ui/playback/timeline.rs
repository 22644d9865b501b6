//! The scrubber: an axis in human time, a track of event ticks coloured by
//! kind, one Gantt row per stage, and the cursor. Click or drag to move it.

use super::clock::{format_duration, kind_label};
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

/// Draw the scrubber over the space left in `ui`. Returns the time the user
/// clicked or dragged to.
pub fn timeline_ui(
    ui: &mut egui::Ui,
    results: &Results,
    visible: &[usize],
    t_s: f64,
    end_s: f64,
    current: Option<usize>,
    pal: &Palette,
) -> Option<f64> {
    let rows = results.timeline.len().max(1);
    let row_h = ((ui.available_height() - AXIS_H - TICKS_H - 6.0) / rows as f32).clamp(12.0, 24.0);
    let height = AXIS_H + TICKS_H + 6.0 + row_h * rows as f32;
    let size = Vec2::new(ui.available_width().max(LABEL_W + 80.0), height);
    let (rect, response) = ui.allocate_exact_size(size, Sense::click_and_drag());
    response.widget_info(|| egui::WidgetInfo::slider(true, t_s, "Timeline: click or drag to move the cursor"));
    let painter = ui.painter_at(rect);
    let bars = Rect::from_min_max(
        Pos2::new(rect.min.x + LABEL_W, rect.min.y),
        rect.max - Vec2::new(8.0, 0.0),
    );
    let end = end_s.max(1e-9);
    let x_of = |t: f64| bars.min.x + (t / end).clamp(0.0, 1.0) as f32 * bars.width();
    let t_of = |x: f32| ((x - bars.min.x) / bars.width()).clamp(0.0, 1.0) as f64 * end;

    // Axis.
    // At most a few hundred grid lines, whatever the run's length.
    let step = tick_step_s(end, (bars.width() / 90.0).max(2.0) as f64).max(end / 200.0);
    let font = FontId::proportional(11.0);
    let mut tick = 0.0;
    while tick <= end + 1e-9 {
        let x = x_of(tick);
        painter.line_segment(
            [Pos2::new(x, rect.min.y + AXIS_H - 4.0), Pos2::new(x, rect.max.y)],
            Stroke::new(1.0, pal.grid_major),
        );
        let align = if tick == 0.0 {
            Align2::LEFT_TOP
        } else {
            Align2::CENTER_TOP
        };
        if x + 30.0 < bars.max.x || tick == 0.0 {
            painter.text(
                Pos2::new(x, rect.min.y + 1.0),
                align,
                format_duration(tick),
                font.clone(),
                pal.text_weak,
            );
        }
        tick += step;
    }
    painter.text(
        Pos2::new(rect.min.x + 4.0, rect.min.y + 1.0),
        Align2::LEFT_TOP,
        "Lifecycle",
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
    for &i in visible {
        let Some(e) = results.events.get(i) else { continue };
        let x = x_of(e.t_s);
        let strong = Some(i) == current;
        let w = if strong { 3.0 } else { 1.5 };
        painter.line_segment(
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
        painter.rect_filled(bar, 3, if running { fill } else { fill.gamma_multiply(0.45) });
        if span.slowdown > 1.005 {
            painter.rect_stroke(bar, 3, Stroke::new(1.0, pal.warning), egui::StrokeKind::Inside);
        }
        if let Some(p) = hover
            && row.contains(p)
            && hovered_event.is_none()
        {
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
    let x = x_of(t_s);
    painter.line_segment(
        [Pos2::new(x, rect.min.y + AXIS_H - 2.0), Pos2::new(x, rect.max.y)],
        Stroke::new(2.0, pal.accent),
    );
    let handle = [
        Pos2::new(x - 5.0, rect.min.y + AXIS_H - 7.0),
        Pos2::new(x + 5.0, rect.min.y + AXIS_H - 7.0),
        Pos2::new(x, rect.min.y + AXIS_H - 1.0),
    ];
    painter.add(egui::Shape::convex_polygon(handle.to_vec(), pal.accent, Stroke::NONE));

    let pointer = response.interact_pointer_pos();
    let moved = (response.clicked() || response.dragged())
        .then_some(pointer)
        .flatten()
        .map(|p| t_of(p.x));
    if response.hovered() {
        ui.set_cursor_icon(egui::CursorIcon::ResizeHorizontal);
    }
    moved
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
