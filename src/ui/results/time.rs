//! Over time sub-tab: per stage, utilization over time of each device group
//! and link as lines (legend, hover with value and unit; clicking a line of
//! a plan node selects it on the canvas), the same series as a heat strip
//! (rows = series, columns = time buckets, the canvas overlay's colour
//! scale), and the serving series (queue, replicas, TTFT distribution).

use super::RunView;
use super::cards::{one_line, series_color};
use super::subjects::is_selected;
use crate::model::{Plan, Subject};
use crate::sim::WorkloadResult;
use crate::sim::metrics::SeriesKey;
use crate::ui::canvas::overlay::{heat_color, percent};
use egui_plot::{HoverPosition, ItemId, Legend, Line, Plot, PlotPoints};

/// Columns of the heat strip.
pub const HEAT_BUCKETS: usize = 60;

/// The unit a time axis reads in, chosen from its span.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TimeUnit {
    /// Seconds per unit.
    pub seconds: f64,
    pub symbol: &'static str,
}

impl TimeUnit {
    pub fn for_span(span_s: f64) -> TimeUnit {
        let (seconds, symbol) = if !span_s.is_finite() || span_s < 2.0 {
            (1e-3, "ms")
        } else if span_s < 300.0 {
            (1.0, "s")
        } else if span_s < 3.0 * 3600.0 {
            (60.0, "min")
        } else if span_s < 3.0 * 86400.0 {
            (3600.0, "h")
        } else {
            (86400.0, "days")
        };
        TimeUnit { seconds, symbol }
    }

    pub fn of(self, s: f64) -> f64 {
        s / self.seconds
    }
}

/// What a series of the simulator measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SeriesKind {
    /// Busy fraction 0..1 of a device group or link.
    Utilization,
    /// TTFT distribution: (seconds, cumulative fraction).
    TtftCdf,
    /// Anything else over time (queue length, replicas, throughput).
    Other,
}

pub fn series_kind(key: &SeriesKey) -> SeriesKind {
    match key {
        SeriesKey::TtftCdf => SeriesKind::TtftCdf,
        k if k.is_fraction() => SeriesKind::Utilization,
        _ => SeriesKind::Other,
    }
}

fn clean(points: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let mut p: Vec<(f64, f64)> = points
        .iter()
        .copied()
        .filter(|(t, v)| t.is_finite() && v.is_finite())
        .collect();
    p.sort_by(|a, b| a.0.total_cmp(&b.0));
    p
}

/// Where a step series ends: its last point plus the spacing before it.
pub fn series_end(points: &[(f64, f64)]) -> Option<f64> {
    let p = clean(points);
    let last = p.last()?.0;
    let step = match p.len() {
        0 | 1 => 0.0,
        n => last - p[n - 2].0,
    };
    Some(last + step.max(0.0))
}

/// The series as a step function (each point `(t, v)` holds `v` from `t`
/// until the next point; the last for the spacing before it), averaged
/// over `n` equal buckets of `[t0, t1)`, weighted by time. Buckets the
/// series does not cover are `None`.
pub fn heat_buckets(points: &[(f64, f64)], t0: f64, t1: f64, n: usize) -> Vec<Option<f64>> {
    let p = clean(points);
    if n == 0 || p.is_empty() || t1.partial_cmp(&t0) != Some(std::cmp::Ordering::Greater) {
        return vec![None; n];
    }
    let end = series_end(&p).unwrap_or(t1);
    let width = (t1 - t0) / n as f64;
    let mut sums = vec![(0.0f64, 0.0f64); n];
    for (i, (t, v)) in p.iter().enumerate() {
        let next = p.get(i + 1).map(|q| q.0).unwrap_or(end);
        let (a, b) = (t.max(t0), next.min(t1));
        if b <= a {
            continue;
        }
        let first = (((a - t0) / width).floor() as usize).min(n - 1);
        let last = (((b - t0) / width).ceil() as usize).clamp(first + 1, n);
        for (k, s) in sums.iter_mut().enumerate().take(last).skip(first) {
            let (lo, hi) = (t0 + k as f64 * width, t0 + (k + 1) as f64 * width);
            let overlap = hi.min(b) - lo.max(a);
            if overlap > 0.0 {
                s.0 += v * overlap;
                s.1 += overlap;
            }
        }
    }
    sums.into_iter()
        .map(|(sum, covered)| (covered > width * 1e-9).then(|| sum / covered))
        .collect()
}

/// A series of a stage and the plan subject it is about.
struct Named<'a> {
    /// Display name ("DGX H100 pod stage 0 busy").
    key: String,
    /// Stable id for plot items ("busy:pipeline_stage:gpu:0").
    id: String,
    series: SeriesKey,
    points: &'a [(f64, f64)],
    subject: Option<Subject>,
}

/// The plan node or link a series is about: a resource's own, or a serving
/// stage's first placement node for its stage-wide curves.
fn subject_for(plan: &Plan, w: &WorkloadResult, key: &SeriesKey) -> Option<Subject> {
    match key {
        SeriesKey::Busy(r) => Some(r.plan_subject()),
        _ => plan
            .stages
            .iter()
            .find(|s| s.id.as_str() == w.id)
            .and_then(|s| s.placement.first())
            .map(|n| Subject::Node(n.clone())),
    }
}

pub fn over_time_ui(ui: &mut egui::Ui, run: &RunView<'_>, focus: &mut Option<Subject>) {
    let mut any = false;
    for w in &run.results.workloads {
        if w.series.is_empty() {
            continue;
        }
        any = true;
        ui.heading(format!("{} ({})", w.name, w.kind));
        stage_series_ui(ui, run, w, focus);
        ui.add_space(8.0);
    }
    if !any {
        ui.weak("This run recorded no series over time (data stages report totals only)");
    }
}

fn stage_series_ui(ui: &mut egui::Ui, run: &RunView<'_>, w: &WorkloadResult, focus: &mut Option<Subject>) {
    let mut util = Vec::new();
    let mut other = Vec::new();
    let mut cdf = None;
    for (key, points) in &w.series {
        let named = Named {
            key: key.label(run.plan),
            id: key.to_string(),
            series: key.clone(),
            points,
            subject: subject_for(run.plan, w, key),
        };
        match series_kind(key) {
            SeriesKind::Utilization => util.push(named),
            SeriesKind::TtftCdf => cdf = Some(named),
            SeriesKind::Other => other.push(named),
        }
    }
    let span = util
        .iter()
        .chain(other.iter())
        .filter_map(|s| series_end(s.points))
        .fold(0.0, f64::max);
    let unit = TimeUnit::for_span(span);
    let x_label = if w.kind == "train" {
        format!("time within one iteration ({})", unit.symbol)
    } else {
        format!("time since the stage started ({})", unit.symbol)
    };
    if !util.is_empty() {
        ui.label("Utilization over time")
            .on_hover_text("Busy fraction of each device group and link per time bucket; click a line of a plan node to select it on the canvas");
        utilization_plot_ui(ui, run, w, &util, unit, &x_label, focus);
        ui.label("Heat strip")
            .on_hover_text("Rows are the series above, columns are time buckets; colour is the busy fraction (same scale as the canvas)");
        heat_strip_ui(ui, run, w, &util, span, unit, focus);
    }
    // Queue, replicas and the TTFT distribution side by side, so they
    // show with the utilization without scrolling far.
    let small = other.len() + usize::from(cdf.is_some());
    if small > 0 {
        ui.columns(small.min(3), |cols| {
            for (i, s) in other.iter().enumerate() {
                value_plot_ui(&mut cols[i % cols.len()], w, s, unit, &x_label);
            }
            if let Some(c) = &cdf {
                let last = cols.len() - 1;
                ttft_cdf_ui(&mut cols[last], w, c);
            }
        });
    }
}

fn utilization_plot_ui(
    ui: &mut egui::Ui,
    run: &RunView<'_>,
    w: &WorkloadResult,
    series: &[Named<'_>],
    unit: TimeUnit,
    x_label: &str,
    focus: &mut Option<Subject>,
) {
    let sym = unit.symbol;
    let ids: Vec<ItemId> = series.iter().map(|s| ItemId::new(line_id(w, &s.id))).collect();
    let response = Plot::new(("util_time", w.id.as_str()))
        .height(160.0)
        .legend(Legend::default())
        .include_y(0.0)
        .include_y(105.0)
        .x_axis_label(x_label.to_owned())
        .y_axis_label("busy (%)")
        .allow_scroll(false)
        .label_formatter(move |pos: &HoverPosition<'_>| match pos {
            HoverPosition::NearDataPoint {
                plot_name, position, ..
            } => Some(format!(
                "{plot_name}\n{} {sym}: {:.1} % busy",
                fmt_tick(position.x),
                position.y
            )),
            HoverPosition::Elsewhere { position } => Some(format!("{} {sym}", fmt_tick(position.x))),
        })
        .show(ui, |plot_ui| {
            for (i, s) in series.iter().enumerate() {
                let selected = s.subject.as_ref().is_some_and(|t| is_selected(run.selection, t));
                let pts: PlotPoints<'_> = step_points(s.points, unit, 100.0).into();
                plot_ui.line(
                    Line::new(s.key.clone(), pts)
                        // Band aggregation fills the area under steep
                        // steps: draw the real line.
                        .allow_band(false)
                        // Hashed again by `id`: the same source as `ids`.
                        .id(line_id(w, &s.id))
                        .color(series_color(i))
                        .width(if selected { 3.0 } else { 1.5 })
                        .highlight(selected),
                );
            }
        });
    if response.response.clicked()
        && let Some(hit) = response.hovered_plot_item
        && let Some(s) = ids.iter().position(|id| *id == hit).and_then(|i| series.get(i))
        && let Some(subject) = &s.subject
    {
        *focus = Some(subject.clone());
    }
}

/// The plot item id source of a utilization line (clicks are matched on it).
fn line_id<'a>(w: &'a WorkloadResult, key: &'a str) -> (&'static str, &'a str, &'a str) {
    ("util", w.id.as_str(), key)
}

/// Above this many points a series is drawn through bucket midpoints: steps
/// a few pixels wide read as noise.
const STEP_MAX_POINTS: usize = 80;

/// A number for an axis tick or hover: precision by magnitude.
pub fn fmt_tick(v: f64) -> String {
    let a = v.abs();
    if a == 0.0 {
        "0".into()
    } else if a >= 100.0 {
        format!("{v:.0}")
    } else if a >= 10.0 {
        format!("{v:.1}")
    } else if a >= 0.1 {
        format!("{v:.2}")
    } else {
        format!("{v:.3}")
    }
}

/// A series as line vertices: each value held until the next point (a
/// step), or through bucket midpoints when the series is dense.
fn step_points(points: &[(f64, f64)], unit: TimeUnit, scale: f64) -> Vec<[f64; 2]> {
    let p = clean(points);
    if p.len() > STEP_MAX_POINTS {
        let end = series_end(&p).unwrap_or(0.0);
        return p
            .iter()
            .enumerate()
            .map(|(i, (t, v))| {
                let next = p.get(i + 1).map(|q| q.0).unwrap_or(end);
                [unit.of((t + next) / 2.0), v * scale]
            })
            .collect();
    }
    let end = series_end(&p).unwrap_or(0.0);
    // Only corners: repeated or collinear vertices make the stroke's miter
    // joints blow up into wide ribbons.
    let mut out: Vec<[f64; 2]> = Vec::with_capacity(p.len() * 2);
    for (i, (t, v)) in p.iter().enumerate() {
        let y = v * scale;
        let next = p.get(i + 1).map(|q| q.0).unwrap_or(end);
        match out.last_mut() {
            Some(last) if last[1] == y => last[0] = unit.of(next),
            _ => {
                out.push([unit.of(*t), y]);
                out.push([unit.of(next), y]);
            }
        }
    }
    out.dedup();
    out
}

fn heat_strip_ui(
    ui: &mut egui::Ui,
    run: &RunView<'_>,
    w: &WorkloadResult,
    series: &[Named<'_>],
    span: f64,
    unit: TimeUnit,
    focus: &mut Option<Subject>,
) {
    let label_w = 240.0f32;
    let row_h = 18.0f32;
    let width = ui.available_width().max(label_w + 120.0);
    let (rect, response) = ui.allocate_exact_size(
        egui::vec2(width, row_h * series.len() as f32 + 16.0),
        egui::Sense::click(),
    );
    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Figure, true, format!("Heat strip of {}", w.name)));
    let painter = ui.painter_at(rect);
    let visuals = ui.visuals();
    let cells_x = rect.min.x + label_w;
    let cell_w = (rect.max.x - cells_x) / HEAT_BUCKETS as f32;
    let hover = response.hover_pos();
    let mut tip: Option<String> = None;
    let mut clicked_row = None;
    for (r, s) in series.iter().enumerate() {
        let y = rect.min.y + r as f32 * row_h;
        let row = egui::Rect::from_min_max(egui::pos2(rect.min.x, y), egui::pos2(rect.max.x, y + row_h));
        let selected = s.subject.as_ref().is_some_and(|t| is_selected(run.selection, t));
        if selected {
            painter.rect_filled(row, 2, visuals.selection.bg_fill);
        }
        let color = if selected {
            visuals.selection.stroke.color
        } else {
            visuals.text_color()
        };
        let name = one_line(&painter, &s.key, 12.0, color, label_w - 8.0);
        painter.galley(
            egui::pos2(rect.min.x, y + (row_h - name.size().y.min(row_h)) / 2.0),
            name,
            color,
        );
        let buckets = heat_buckets(s.points, 0.0, span, HEAT_BUCKETS);
        for (k, b) in buckets.iter().enumerate() {
            let cell = egui::Rect::from_min_size(
                egui::pos2(cells_x + k as f32 * cell_w, y + 1.0),
                egui::vec2(cell_w + 0.5, row_h - 2.0),
            );
            let fill = match b {
                Some(u) => heat_color(*u),
                None => visuals.extreme_bg_color,
            };
            painter.rect_filled(cell, 0, fill);
            if hover.is_some_and(|p| cell.contains(p)) {
                let t0 = span * k as f64 / HEAT_BUCKETS as f64;
                let t1 = span * (k + 1) as f64 / HEAT_BUCKETS as f64;
                tip = Some(format!(
                    "{}\n{}–{} {}: {}",
                    s.key,
                    fmt_tick(unit.of(t0)),
                    fmt_tick(unit.of(t1)),
                    unit.symbol,
                    b.map(percent)
                        .map(|p| format!("{p} busy"))
                        .unwrap_or_else(|| "no data".into())
                ));
            }
        }
        if hover.is_some_and(|p| row.contains(p)) && response.clicked() {
            clicked_row = Some(r);
        }
    }
    // Time ticks under the strip.
    let ty = rect.max.y - 14.0;
    for (frac, align) in [
        (0.0, egui::Align2::LEFT_TOP),
        (0.5, egui::Align2::CENTER_TOP),
        (1.0, egui::Align2::RIGHT_TOP),
    ] {
        let x = cells_x + (rect.max.x - cells_x) * frac as f32;
        painter.text(
            egui::pos2(x, ty),
            align,
            format!("{} {}", fmt_tick(unit.of(span * frac)), unit.symbol),
            egui::FontId::proportional(11.0),
            visuals.weak_text_color(),
        );
    }
    if let Some(t) = tip {
        response.clone().on_hover_text_at_pointer(t);
    }
    if let Some(subject) = clicked_row.and_then(|r| series[r].subject.clone()) {
        *focus = Some(subject);
    }
}

fn value_plot_ui(ui: &mut egui::Ui, w: &WorkloadResult, s: &Named<'_>, unit: TimeUnit, x_label: &str) {
    let (title, y_label) = match s.series {
        SeriesKey::QueueLength => ("Queued requests".to_owned(), "requests waiting".to_owned()),
        SeriesKey::ReplicasUp => ("Replicas up".to_owned(), "replicas".to_owned()),
        SeriesKey::TokensPerSecond => ("Throughput".to_owned(), "tokens/s (samples/s)".to_owned()),
        _ => (s.key.clone(), s.key.clone()),
    };
    ui.label(&title);
    let sym = unit.symbol;
    let y_name = y_label.clone();
    Plot::new(("series", w.id.as_str(), s.id.as_str()))
        .height(130.0)
        .include_y(0.0)
        .x_axis_label(x_label.to_owned())
        .y_axis_label(y_label)
        .allow_scroll(false)
        .label_formatter(move |pos: &HoverPosition<'_>| {
            let p = match pos {
                HoverPosition::NearDataPoint { position, .. } | HoverPosition::Elsewhere { position } => position,
            };
            Some(format!("{} {sym}: {} {y_name}", fmt_tick(p.x), fmt_tick(p.y)))
        })
        .show(ui, |plot_ui| {
            let pts: PlotPoints<'_> = step_points(s.points, unit, 1.0).into();
            plot_ui.line(Line::new(title.clone(), pts).allow_band(false).color(series_color(3)));
        });
}

fn ttft_cdf_ui(ui: &mut egui::Ui, w: &WorkloadResult, s: &Named<'_>) {
    let pts = clean(s.points);
    let max = pts.last().map(|p| p.0).unwrap_or(0.0);
    let (scale, sym) = if max < 2.0 { (1e3, "ms") } else { (1.0, "s") };
    ui.label("Time to first token, distribution")
        .on_hover_text("Share of requests whose first token came within the time on the x axis");
    Plot::new(("ttft distribution", w.id.as_str()))
        .height(130.0)
        .include_y(0.0)
        .include_y(100.0)
        .x_axis_label(format!("time to first token ({sym})"))
        .y_axis_label("requests (%)")
        .allow_scroll(false)
        .label_formatter(move |pos: &HoverPosition<'_>| {
            let p = match pos {
                HoverPosition::NearDataPoint { position, .. } | HoverPosition::Elsewhere { position } => position,
            };
            Some(format!("{:.1} % of requests within {:.1} {sym}", p.y, p.x))
        })
        .show(ui, |plot_ui| {
            let line: PlotPoints<'_> = pts.iter().map(|(t, f)| [t * scale, f * 100.0]).collect();
            plot_ui.line(Line::new("TTFT CDF", line).allow_band(false).color(series_color(5)));
        });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_average_a_step_series_by_time() {
        // Busy 1.0 for [0, 1), 0.0 for [1, 2), 0.5 for [2, 3) (the last
        // point holds for the spacing before it).
        let s = [(0.0, 1.0), (1.0, 0.0), (2.0, 0.5)];
        assert_eq!(series_end(&s), Some(3.0));
        let b = heat_buckets(&s, 0.0, 3.0, 3);
        assert_eq!(b, vec![Some(1.0), Some(0.0), Some(0.5)]);
        // Coarser buckets average: [0, 1.5) = (1.0 * 1 + 0 * 0.5) / 1.5.
        let b = heat_buckets(&s, 0.0, 3.0, 2);
        let first = b[0].expect("covered");
        assert!((first - 1.0 / 1.5).abs() < 1e-12, "{first}");
        let second = b[1].expect("covered");
        // [1.5, 3) = (0.0 * 0.5 + 0.5 * 1) / 1.5.
        assert!((second - 0.5 / 1.5).abs() < 1e-12, "{second}");
        // Finer buckets repeat the value.
        let b = heat_buckets(&s, 0.0, 3.0, 6);
        assert_eq!(b[0], Some(1.0));
        assert_eq!(b[1], Some(1.0));
        assert_eq!(b[5], Some(0.5));
    }

    #[test]
    fn buckets_outside_the_series_are_empty_and_bad_input_is_harmless() {
        let s = [(0.0, 0.4), (1.0, 0.4)];
        let b = heat_buckets(&s, 0.0, 4.0, 4);
        assert_eq!(b, vec![Some(0.4), Some(0.4), None, None]);
        assert_eq!(heat_buckets(&[], 0.0, 1.0, 3), vec![None, None, None]);
        assert_eq!(heat_buckets(&s, 1.0, 1.0, 2), vec![None, None]);
        assert!(heat_buckets(&s, 0.0, 1.0, 0).is_empty());
        // Unsorted and NaN points are cleaned first.
        let messy = [(1.0, 0.2), (f64::NAN, 9.0), (0.0, 0.6)];
        assert_eq!(heat_buckets(&messy, 0.0, 2.0, 2), vec![Some(0.6), Some(0.2)]);
    }

    #[test]
    fn a_clicked_line_is_found_by_its_item_id() {
        let w = WorkloadResult {
            id: "s".into(),
            ..Default::default()
        };
        let line = Line::new("x", PlotPoints::new(vec![[0.0, 0.0]])).id(line_id(&w, "gpu compute"));
        assert_eq!(egui_plot::PlotItem::id(&line), ItemId::new(line_id(&w, "gpu compute")));
    }

    #[test]
    fn step_lines_have_only_corners() {
        let unit = TimeUnit {
            seconds: 1.0,
            symbol: "s",
        };
        let s = [(0.0, 1.0), (1.0, 1.0), (2.0, 0.5)];
        assert_eq!(
            step_points(&s, unit, 100.0),
            vec![[0.0, 100.0], [2.0, 100.0], [2.0, 50.0], [3.0, 50.0]]
        );
    }

    #[test]
    fn series_are_classified_and_time_units_fit_the_span() {
        use crate::sim::metrics::Resource;
        assert_eq!(series_kind(&SeriesKey::QueueLength), SeriesKind::Other);
        assert_eq!(series_kind(&SeriesKey::TtftCdf), SeriesKind::TtftCdf);
        assert_eq!(
            series_kind(&SeriesKey::Busy(Resource::PipelineStage("gpu".into(), 0))),
            SeriesKind::Utilization
        );
        assert_eq!(series_kind(&SeriesKey::ReplicasUp), SeriesKind::Other);
        assert_eq!(TimeUnit::for_span(0.5).symbol, "ms");
        assert_eq!(TimeUnit::for_span(60.0).symbol, "s");
        assert_eq!(TimeUnit::for_span(3600.0).symbol, "min");
        assert_eq!(TimeUnit::for_span(86400.0).symbol, "h");
        assert_eq!(TimeUnit::for_span(30.0 * 86400.0).symbol, "days");
    }
}
