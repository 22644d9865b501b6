//! The report's charts, drawn directly (no chart framework): panels, stacked
//! horizontal bars with a legend, utilization bars and a Gantt timeline.

use super::{Align, Canvas, Rect, Rgb, TextStyle, palette};

/// One bar of a stacked bar chart: a label and its segments (category, value).
#[derive(Clone, Debug)]
pub struct StackedBar {
    pub label: String,
    pub segments: Vec<(String, f64)>,
}

/// One bar of a utilization chart: label, mean (0..1), peak (0..1).
#[derive(Clone, Debug)]
pub struct UtilBar {
    pub label: String,
    pub mean: f64,
    pub peak: Option<f64>,
}

/// One row of a Gantt chart.
#[derive(Clone, Debug)]
pub struct GanttSpan {
    pub label: String,
    pub start: f64,
    pub end: f64,
    pub color: Rgb,
    /// `false` for a stage without simulated times: drawn as a labelled row
    /// saying so.
    pub simulated: bool,
}

const LABEL_STYLE: TextStyle = TextStyle::new(17.0, palette::INK);
const TICK_STYLE: TextStyle = TextStyle::new(16.0, palette::MUTED);

/// Draw a titled panel; returns the content rectangle inside it.
pub fn panel(canvas: &mut Canvas, r: Rect, title: &str, subtitle: &str) -> Rect {
    canvas.round_rect(r, 10.0, palette::WHITE, Some((palette::RULE, 1.5)));
    let title_style = TextStyle::new(23.0, palette::INK).bold();
    canvas.text(r.x + 22, r.y + 16, title, &title_style, Align::Left);
    let mut top = r.y + 16 + canvas.line_height(&title_style) as i32;
    if !subtitle.is_empty() {
        let sub = TextStyle::new(16.0, palette::MUTED);
        let line = canvas.ellipsize(subtitle, &sub, (r.w - 44) as f32);
        canvas.text(r.x + 22, top, &line, &sub, Align::Left);
        top += canvas.line_height(&sub) as i32;
    }
    Rect::new(r.x + 22, top + 12, r.w - 44, r.bottom() - top - 12 - 18)
}

/// The content of a panel that has nothing to plot.
pub fn empty(canvas: &mut Canvas, area: Rect, message: &str) {
    canvas.round_rect(area, 8.0, palette::PANEL, None);
    let style = TextStyle::new(19.0, palette::MUTED);
    let lines = canvas.wrap(message, &style, (area.w - 60) as f32);
    let lh = canvas.line_height(&style) as i32;
    let y0 = area.y + (area.h - lh * lines.len() as i32) / 2;
    for (i, l) in lines.iter().enumerate() {
        canvas.text(area.x + area.w / 2, y0 + i as i32 * lh, l, &style, Align::Center);
    }
}

/// A "nice" step (1, 2 or 5 × 10^k) for about `target` ticks over `0..max`.
pub fn nice_step(max: f64, target: f64) -> f64 {
    if !(max > 0.0 && max.is_finite()) {
        return 1.0;
    }
    let raw = max / target.max(1.0);
    let mag = 10f64.powf(raw.log10().floor());
    let f = raw / mag;
    let nice = if f <= 1.0 {
        1.0
    } else if f <= 2.0 {
        2.0
    } else if f <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * mag
}

/// A tick step for a time axis in seconds that is round in the unit a
/// reader sees (seconds, minutes, hours or days).
pub fn time_step(max_s: f64, target: f64) -> f64 {
    const MIN: f64 = 60.0;
    const H: f64 = 3600.0;
    const D: f64 = 86400.0;
    let candidates = [
        MIN,
        2.0 * MIN,
        5.0 * MIN,
        10.0 * MIN,
        15.0 * MIN,
        30.0 * MIN,
        H,
        2.0 * H,
        3.0 * H,
        6.0 * H,
        12.0 * H,
        D,
        2.0 * D,
        5.0 * D,
        7.0 * D,
        14.0 * D,
        30.0 * D,
        60.0 * D,
        90.0 * D,
        180.0 * D,
        365.0 * D,
    ];
    let raw = max_s / target.max(1.0);
    if raw < MIN {
        return nice_step(max_s, target);
    }
    candidates
        .iter()
        .copied()
        .find(|c| *c >= raw)
        .unwrap_or_else(|| nice_step(max_s / (365.0 * D), target) * 365.0 * D)
}

/// Categories in order of first appearance, each with its colour.
fn categories(bars: &[StackedBar], color: &dyn Fn(&str, usize) -> Rgb) -> Vec<(String, Rgb)> {
    let mut out: Vec<(String, Rgb)> = Vec::new();
    for bar in bars {
        for (cat, _) in &bar.segments {
            if !out.iter().any(|(c, _)| c == cat) {
                let c = color(cat, out.len());
                out.push((cat.clone(), c));
            }
        }
    }
    out
}

const LEGEND_STYLE: TextStyle = TextStyle::new(16.0, palette::INK);

/// Width of one legend chip (swatch, label, spacing).
fn chip_w(canvas: &Canvas, label: &str) -> i32 {
    22 + canvas.text_width(label, &LEGEND_STYLE).ceil() as i32 + 24
}

/// Where legend chips go within `max_w`: (x, y) offsets per item and the
/// overall size.
fn legend_flow(canvas: &Canvas, items: &[(String, Rgb)], max_w: i32) -> (Vec<(i32, i32)>, i32, i32) {
    let lh = canvas.line_height(&LEGEND_STYLE) as i32;
    let (mut x, mut y, mut w) = (0, 0, 0);
    let mut at = Vec::with_capacity(items.len());
    for (label, _) in items {
        let cw = chip_w(canvas, label);
        if x > 0 && x + cw - 24 > max_w {
            x = 0;
            y += lh + 8;
        }
        at.push((x, y));
        w = w.max(x + cw - 24);
        x += cw;
    }
    (at, w, y + lh)
}

/// Size (width, height) the legend of `items` takes within `max_w`.
pub fn legend_size(canvas: &Canvas, items: &[(String, Rgb)], max_w: i32) -> (i32, i32) {
    let (_, w, h) = legend_flow(canvas, items, max_w);
    (w, h)
}

/// A row of legend chips, wrapping onto more rows; returns the height used.
pub fn legend(canvas: &mut Canvas, area: Rect, items: &[(String, Rgb)]) -> i32 {
    let lh = canvas.line_height(&LEGEND_STYLE) as i32;
    let (at, _, h) = legend_flow(canvas, items, area.w);
    for ((label, color), (dx, dy)) in items.iter().zip(at) {
        let (x, y) = (area.x + dx, area.y + dy);
        canvas.round_rect(Rect::new(x, y + (lh - 14) / 2, 14, 14), 3.0, *color, None);
        canvas.text(x + 22, y, label, &LEGEND_STYLE, Align::Left);
    }
    h
}

/// Horizontal axis with ticks and grid lines over `plot`; `fmt` labels ticks.
fn x_axis(canvas: &mut Canvas, plot: Rect, max: f64, step: f64, fmt: &dyn Fn(f64) -> String) {
    let mut v = 0.0;
    let mut last_right = i32::MIN;
    while v <= max * 1.0001 {
        let x = plot.x + ((v / max) * plot.w as f64).round() as i32;
        canvas.line((x, plot.y), (x, plot.bottom()), palette::RULE, 1);
        let label = if v == 0.0 { "0".to_owned() } else { fmt(v) };
        let w = canvas.text_width(&label, &TICK_STYLE) as i32;
        // Skip a label that would run into the previous one or off the plot.
        if x - w / 2 > last_right + 8 && x + w / 2 <= plot.right() + 30 {
            canvas.text(x, plot.bottom() + 6, &label, &TICK_STYLE, Align::Center);
            last_right = x + w / 2;
        }
        v += step;
    }
    canvas.line((plot.x, plot.y), (plot.x, plot.bottom()), palette::MUTED, 1);
}

/// Width of the widest of `texts` in `style`, whole pixels.
fn widest(canvas: &Canvas, texts: impl Iterator<Item = String>, style: &TextStyle) -> i32 {
    texts
        .map(|t| canvas.text_width(&t, style))
        .fold(0.0f32, f32::max)
        .ceil() as i32
}

/// Width of the label column for `labels`, capped at a third of `area`.
fn label_column(canvas: &Canvas, area: Rect, labels: impl Iterator<Item = String>) -> i32 {
    (widest(canvas, labels, &LABEL_STYLE) + 16).clamp(90, area.w / 3)
}

/// Horizontal stacked bars with a legend on top, a value axis below and the
/// total at the end of each bar.
pub fn stacked_bars(
    canvas: &mut Canvas,
    area: Rect,
    bars: &[StackedBar],
    color: &dyn Fn(&str, usize) -> Rgb,
    fmt: &dyn Fn(f64) -> String,
) {
    let cats = categories(bars, color);
    let legend_h = legend(canvas, area, &cats);
    let max = bars
        .iter()
        .map(|b| b.segments.iter().map(|(_, v)| v.max(0.0)).sum::<f64>())
        .fold(0.0, f64::max);
    if max <= 0.0 {
        empty(
            canvas,
            Rect::new(area.x, area.y + legend_h + 10, area.w, area.h - legend_h - 10),
            "All values are zero",
        );
        return;
    }
    let label_w = label_column(canvas, area, bars.iter().map(|b| b.label.clone()));
    let totals = bars
        .iter()
        .map(|b| fmt(b.segments.iter().map(|(_, v)| v.max(0.0)).sum()));
    let total_w = widest(canvas, totals, &LABEL_STYLE) + 16;
    let tick_h = canvas.line_height(&TICK_STYLE) as i32 + 10;
    let plot = Rect::new(
        area.x + label_w,
        area.y + legend_h + 16,
        area.w - label_w - total_w,
        area.h - legend_h - 16 - tick_h,
    );
    x_axis(canvas, plot, max, nice_step(max, 5.0), fmt);
    let slot = plot.h as f64 / bars.len().max(1) as f64;
    let bar_h = (slot * 0.5).clamp(10.0, 84.0) as i32;
    let lh = canvas.line_height(&LABEL_STYLE) as i32;
    for (i, bar) in bars.iter().enumerate() {
        let cy = plot.y + (slot * (i as f64 + 0.5)) as i32;
        let label = canvas.ellipsize(&bar.label, &LABEL_STYLE, (label_w - 14) as f32);
        canvas.text(plot.x - 10, cy - lh / 2, &label, &LABEL_STYLE, Align::Right);
        let mut acc = 0.0;
        for (cat, v) in &bar.segments {
            let v = v.max(0.0);
            let x0 = plot.x + (acc / max * plot.w as f64).round() as i32;
            acc += v;
            let x1 = plot.x + (acc / max * plot.w as f64).round() as i32;
            let c = cats
                .iter()
                .find(|(c, _)| c == cat)
                .map(|(_, c)| *c)
                .unwrap_or(palette::FAINT);
            canvas.fill_rect(Rect::new(x0, cy - bar_h / 2, (x1 - x0).max(0), bar_h), c);
        }
        let end = plot.x + (acc / max * plot.w as f64).round() as i32;
        canvas.text(end + 8, cy - lh / 2, &fmt(acc), &LABEL_STYLE.bold(), Align::Left);
    }
}

/// Utilization bars (0-100 %), mean as a bar and peak as a tick mark.
pub fn utilization(canvas: &mut Canvas, area: Rect, bars: &[UtilBar]) {
    let label_w = label_column(canvas, area, bars.iter().map(|b| b.label.clone()));
    let tick_h = canvas.line_height(&TICK_STYLE) as i32 + 10;
    let plot = Rect::new(area.x + label_w, area.y + 6, area.w - label_w - 84, area.h - 6 - tick_h);
    x_axis(canvas, plot, 1.0, 0.2, &|v| format!("{:.0} %", v * 100.0));
    let slot = plot.h as f64 / bars.len().max(1) as f64;
    let bar_h = (slot * 0.6).clamp(8.0, 40.0) as i32;
    let lh = canvas.line_height(&LABEL_STYLE) as i32;
    for (i, bar) in bars.iter().enumerate() {
        let cy = plot.y + (slot * (i as f64 + 0.5)) as i32;
        let label = canvas.ellipsize(&bar.label, &LABEL_STYLE, (label_w - 14) as f32);
        canvas.text(plot.x - 10, cy - lh / 2, &label, &LABEL_STYLE, Align::Right);
        let mean = bar.mean.clamp(0.0, 1.0);
        let color = util_color(mean);
        let w = (mean * plot.w as f64).round() as i32;
        canvas.fill_rect(Rect::new(plot.x, cy - bar_h / 2, w, bar_h), color);
        if let Some(peak) = bar.peak {
            let px = plot.x + (peak.clamp(0.0, 1.0) * plot.w as f64).round() as i32;
            canvas.fill_rect(Rect::new(px - 2, cy - bar_h / 2 - 4, 4, bar_h + 8), palette::INK);
        }
        canvas.text(
            plot.right() + 10,
            cy - lh / 2,
            &crate::format::percent(mean),
            &LABEL_STYLE.bold(),
            Align::Left,
        );
    }
}

/// Green (idle headroom) to red (saturated).
pub fn util_color(u: f64) -> Rgb {
    if u >= 0.9 {
        Rgb::hex(0xc0392b)
    } else if u >= 0.7 {
        Rgb::hex(0xe07b24)
    } else if u >= 0.4 {
        Rgb::hex(0x2f6fd0)
    } else {
        Rgb::hex(0x7fa7e0)
    }
}

/// A Gantt chart: one row per span, time axis below.
pub fn gantt(canvas: &mut Canvas, area: Rect, spans: &[GanttSpan], fmt: &dyn Fn(f64) -> String) {
    let max = spans.iter().filter(|s| s.simulated).map(|s| s.end).fold(0.0, f64::max);
    if max <= 0.0 {
        empty(canvas, area, "The stages take no time");
        return;
    }
    let label_w = label_column(canvas, area, spans.iter().map(|s| s.label.clone()));
    let tick_h = canvas.line_height(&TICK_STYLE) as i32 + 10;
    let plot = Rect::new(area.x + label_w, area.y + 6, area.w - label_w - 20, area.h - 6 - tick_h);
    x_axis(canvas, plot, max, time_step(max, 5.0), fmt);
    let slot = plot.h as f64 / spans.len().max(1) as f64;
    let bar_h = (slot * 0.62).clamp(10.0, 48.0) as i32;
    let lh = canvas.line_height(&LABEL_STYLE) as i32;
    let inside = TextStyle::new(16.0, palette::WHITE).bold();
    for (i, s) in spans.iter().enumerate() {
        let cy = plot.y + (slot * (i as f64 + 0.5)) as i32;
        let label = canvas.ellipsize(&s.label, &LABEL_STYLE, (label_w - 14) as f32);
        canvas.text(plot.x - 10, cy - lh / 2, &label, &LABEL_STYLE, Align::Right);
        if !s.simulated {
            let faint = TextStyle::new(16.0, palette::FAINT);
            canvas.text(plot.x + 10, cy - lh / 2, "not simulated yet", &faint, Align::Left);
            continue;
        }
        let x0 = plot.x + (s.start.max(0.0) / max * plot.w as f64).round() as i32;
        let x1 = plot.x + (s.end.max(s.start) / max * plot.w as f64).round() as i32;
        let w = (x1 - x0).max(4);
        canvas.round_rect(Rect::new(x0, cy - bar_h / 2, w, bar_h), 5.0, s.color, None);
        let dur = fmt(s.end - s.start);
        let dw = canvas.text_width(&dur, &inside) as i32;
        let ih = canvas.line_height(&inside) as i32;
        if dw + 16 < w {
            canvas.text(x0 + w / 2, cy - ih / 2, &dur, &inside, Align::Center);
        } else if x0 + w + 8 + dw < plot.right() {
            canvas.text(x0 + w + 8, cy - lh / 2, &dur, &LABEL_STYLE, Align::Left);
        } else {
            canvas.text(x0 - 8, cy - lh / 2, &dur, &LABEL_STYLE, Align::Right);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_steps() {
        assert_eq!(nice_step(10.0, 5.0), 2.0);
        assert_eq!(nice_step(1.0, 5.0), 0.2);
        assert_eq!(nice_step(730.0, 5.0), 200.0);
        assert_eq!(nice_step(0.0, 5.0), 1.0);
        assert_eq!(nice_step(f64::NAN, 5.0), 1.0);
        assert_eq!(time_step(12.0 * 86400.0, 5.0), 5.0 * 86400.0);
        assert_eq!(time_step(3.0 * 3600.0, 5.0), 3600.0);
        assert_eq!(time_step(10.0, 5.0), 2.0);
    }
}

/// One line of a line chart.
#[derive(Clone, Debug)]
pub struct LineSeries {
    pub label: String,
    pub color: Rgb,
    pub points: Vec<(f64, f64)>,
}

/// Lines over `0..max x` and `0..max y` with a legend on top, value grid
/// lines and labels on the left, x ticks below, and an optional labelled
/// dashed vertical marker (e.g. a break-even point).
pub fn lines(
    canvas: &mut Canvas,
    area: Rect,
    series: &[LineSeries],
    marker: Option<(f64, &str)>,
    fmt_x: &dyn Fn(f64) -> String,
    fmt_y: &dyn Fn(f64) -> String,
) {
    let items: Vec<(String, Rgb)> = series.iter().map(|s| (s.label.clone(), s.color)).collect();
    let legend_h = legend(canvas, area, &items);
    let finite = |v: f64| if v.is_finite() { v } else { 0.0 };
    let pts = || series.iter().flat_map(|s| s.points.iter());
    let max_x = pts().map(|p| finite(p.0)).fold(0.0, f64::max);
    let max_y = pts().map(|p| finite(p.1)).fold(0.0, f64::max);
    if max_x <= 0.0 || max_y <= 0.0 {
        empty(
            canvas,
            Rect::new(area.x, area.y + legend_h + 10, area.w, area.h - legend_h - 10),
            "All values are zero",
        );
        return;
    }
    let step_y = nice_step(max_y, 5.0);
    let top_y = (max_y / step_y).ceil() * step_y;
    let ticks = (0..=((top_y / step_y).round() as i32)).map(|i| fmt_y(i as f64 * step_y));
    let label_w = widest(canvas, ticks, &TICK_STYLE) + 14;
    let tick_h = canvas.line_height(&TICK_STYLE) as i32 + 10;
    let plot = Rect::new(
        area.x + label_w,
        area.y + legend_h + 20,
        area.w - label_w - 10,
        area.h - legend_h - 20 - tick_h,
    );
    let sx = |x: f64| plot.x + (finite(x) / max_x * plot.w as f64).round() as i32;
    let sy = |y: f64| plot.bottom() - (finite(y) / top_y * plot.h as f64).round() as i32;
    let lh = canvas.line_height(&TICK_STYLE) as i32;
    let mut v = 0.0;
    while v <= top_y * 1.0001 {
        let y = sy(v);
        canvas.line((plot.x, y), (plot.right(), y), palette::RULE, 1);
        let label = if v == 0.0 { "0".to_owned() } else { fmt_y(v) };
        canvas.text(plot.x - 8, y - lh / 2, &label, &TICK_STYLE, Align::Right);
        v += step_y;
    }
    let step_x = nice_step(max_x, 6.0);
    let mut x = 0.0;
    while x <= max_x * 1.0001 {
        let px = sx(x);
        canvas.line((px, plot.bottom()), (px, plot.bottom() + 5), palette::MUTED, 1);
        canvas.text(px, plot.bottom() + 6, &fmt_x(x), &TICK_STYLE, Align::Center);
        x += step_x;
    }
    canvas.line(
        (plot.x, plot.bottom()),
        (plot.right(), plot.bottom()),
        palette::MUTED,
        1,
    );
    canvas.line((plot.x, plot.y), (plot.x, plot.bottom()), palette::MUTED, 1);
    if let Some((mx, label)) = marker.filter(|(mx, _)| mx.is_finite() && *mx >= 0.0 && *mx <= max_x) {
        let px = sx(mx);
        canvas.dashed_line((px, plot.y), (px, plot.bottom()), palette::INK, 2, 8);
        let w = canvas.text_width(label, &LABEL_STYLE) as i32;
        let (tx, align) = if px + 8 + w <= plot.right() {
            (px + 8, Align::Left)
        } else {
            (px - 8, Align::Right)
        };
        canvas.text(tx, plot.y + 4, label, &LABEL_STYLE.bold(), align);
    }
    for s in series {
        for w in s.points.windows(2) {
            canvas.line((sx(w[0].0), sy(w[0].1)), (sx(w[1].0), sy(w[1].1)), s.color, 3);
        }
    }
}
