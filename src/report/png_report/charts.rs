//! "Where the time and money go": the two-by-two grid of charts (iteration
//! time by cause, utilization, cost by site and component, lifecycle
//! timeline). One function per chart; the grid only places them, so a chart
//! can change without touching the others.

use super::ReportInput;
use super::labels::{component_label, stage_name};
use super::layout::{COLUMN_W, GAP, MARGIN};
use crate::format as fmt;
use crate::model::StageKind;
use crate::report::draw::charts::{self, GanttSpan, StackedBar, UtilBar};
use crate::report::draw::{Canvas, Rect, Rgb, palette};
use crate::sim::metrics::Cause;

/// What an empty chart says when there are no results at all.
const NOT_SIMULATED: &str = "Not simulated";

pub(super) fn chart_grid(c: &mut Canvas, input: &ReportInput<'_>, y: i32) -> (Vec<Rect>, i32) {
    let cw = COLUMN_W;
    let ch = 520;
    let rects = [
        Rect::new(MARGIN, y, cw, ch),
        Rect::new(MARGIN + cw + GAP, y, cw, ch),
        Rect::new(MARGIN, y + ch + GAP, cw, ch),
        Rect::new(MARGIN + cw + GAP, y + ch + GAP, cw, ch),
    ];
    breakdown_chart(c, input, rects[0]);
    utilization_chart(c, input, rects[1]);
    cost_chart(c, input, rects[2]);
    timeline_chart(c, input, rects[3]);
    (rects.to_vec(), y + 2 * ch + GAP)
}

/// Seconds per training iteration, one stacked bar per training stage.
fn breakdown_chart(c: &mut Canvas, input: &ReportInput<'_>, rect: Rect) {
    let r = input.results;
    let inner = charts::panel(
        c,
        rect,
        "Iteration time by cause",
        "Seconds per training iteration, stacked by cause",
    );
    let bars: Vec<StackedBar> = r
        .map(|r| {
            r.workloads
                .iter()
                // Per-iteration causes exist for training; other stages'
                // causes cover their whole run and would not compare.
                .filter(|w| w.kind == "train" && !w.breakdown.is_empty())
                .map(|w| StackedBar {
                    label: stage_name(input.plan, &w.stage),
                    segments: w.breakdown.iter().map(|c| (c.label().to_owned(), c.seconds)).collect(),
                })
                .collect()
        })
        .unwrap_or_default();
    let bars = with_values_in_legend(bars, &fmt::duration);
    if bars.is_empty() {
        charts::empty(
            c,
            inner,
            if r.is_some() {
                "No training stage was simulated"
            } else {
                NOT_SIMULATED
            },
        );
    } else {
        charts::stacked_bars(c, inner, &bars, &cause_color, &fmt::duration);
    }
}

/// The ten busiest devices, links and storage by mean busy fraction.
fn utilization_chart(c: &mut Canvas, input: &ReportInput<'_>, rect: Rect) {
    let r = input.results;
    let has_peaks = r.is_some_and(|r| r.utilization.iter().any(|u| u.peak.is_some()));
    let subtitle = if has_peaks {
        "Mean busy fraction per device, link and storage; black tick: peak; orange ≥ 70 %, red ≥ 90 %"
    } else {
        "Mean busy fraction per device, link and storage; orange ≥ 70 %, red ≥ 90 %"
    };
    let inner = charts::panel(c, rect, "Utilization", subtitle);
    let mut util: Vec<UtilBar> = r
        .map(|r| {
            r.utilization
                .iter()
                .map(|u| UtilBar {
                    label: u.label.clone(),
                    mean: u.mean,
                    peak: u.peak,
                })
                .collect()
        })
        .unwrap_or_default();
    util.sort_by(|a, b| b.mean.total_cmp(&a.mean).then_with(|| a.label.cmp(&b.label)));
    util.truncate(10);
    if util.is_empty() {
        charts::empty(
            c,
            inner,
            if r.is_some() {
                "No utilization recorded"
            } else {
                NOT_SIMULATED
            },
        );
    } else {
        charts::utilization(c, inner, &util);
    }
}

/// Lifecycle cost, one stacked bar per site with a segment per component.
fn cost_chart(c: &mut Canvas, input: &ReportInput<'_>, rect: Rect) {
    let r = input.results;
    let inner = charts::panel(
        c,
        rect,
        "Cost by site and component",
        "USD over the simulated lifecycle",
    );
    let mut by_site: Vec<StackedBar> = Vec::new();
    if let Some(r) = r {
        for line in &r.cost {
            let label = component_label(&line.component);
            match by_site.iter_mut().find(|b| b.label == line.site) {
                Some(bar) => match bar.segments.iter_mut().find(|(k, _)| *k == label) {
                    Some(seg) => seg.1 += line.usd,
                    None => bar.segments.push((label, line.usd)),
                },
                None => by_site.push(StackedBar {
                    label: line.site.clone(),
                    segments: vec![(label, line.usd)],
                }),
            }
        }
    }
    let by_site = with_values_in_legend(by_site, &fmt::usd);
    if by_site.is_empty() {
        charts::empty(
            c,
            inner,
            if r.is_some() {
                "No costs recorded"
            } else {
                NOT_SIMULATED
            },
        );
    } else {
        charts::stacked_bars(
            c,
            inner,
            &by_site,
            &|_, i| palette::SERIES[i % palette::SERIES.len()],
            &fmt::usd,
        );
    }
}

/// A Gantt row per plan stage, in plan order.
fn timeline_chart(c: &mut Canvas, input: &ReportInput<'_>, rect: Rect) {
    let r = input.results;
    let inner = charts::panel(c, rect, "Lifecycle timeline", "When each stage runs");
    // Every stage of the plan in plan order; stages the simulator does not
    // model yet are listed as such rather than left out.
    let spans: Vec<GanttSpan> = r
        .map(|r| {
            input
                .plan
                .stages
                .iter()
                .map(|st| {
                    let span = r.timeline.iter().find(|s| s.stage == st.id);
                    GanttSpan {
                        label: st.name.clone(),
                        start: span.map(|s| s.start_s).unwrap_or(0.0),
                        end: span.map(|s| s.end_s).unwrap_or(0.0),
                        color: stage_color(&st.kind),
                        simulated: span.is_some(),
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    if spans.is_empty() {
        charts::empty(c, inner, if r.is_some() { "No stages ran" } else { NOT_SIMULATED });
    } else {
        charts::gantt(c, inner, &spans, &fmt::duration);
    }
}

/// Separates a legend label from the value appended to it.
const VALUE_SEP: &str = " · ";

/// With a single bar, the legend carries each segment's value and share.
fn with_values_in_legend(mut bars: Vec<StackedBar>, fmt: &dyn Fn(f64) -> String) -> Vec<StackedBar> {
    if let [bar] = bars.as_mut_slice() {
        let total: f64 = bar.segments.iter().map(|(_, v)| v.max(0.0)).sum();
        for (label, v) in &mut bar.segments {
            let share = if total > 0.0 { *v / total * 100.0 } else { 0.0 };
            *label = format!("{label}{VALUE_SEP}{} ({share:.0} %)", fmt(*v));
        }
    }
    bars
}

fn cause_color(label: &str, i: usize) -> Rgb {
    let label = label.split(VALUE_SEP).next().unwrap_or(label);
    Cause::ALL
        .iter()
        .find(|c| c.label() == label)
        .map(|c| palette::cause(*c))
        .unwrap_or(palette::SERIES[i % palette::SERIES.len()])
}

fn stage_color(kind: &StageKind) -> Rgb {
    match kind {
        StageKind::Ingest(_) => Rgb::hex(0x6c7a89),
        StageKind::Preprocess(_) => Rgb::hex(0xb8860b),
        StageKind::Train(_) => Rgb::hex(0x2f6fd0),
        StageKind::Validate(_) => Rgb::hex(0x16a2b8),
        StageKind::Checkpoint(_) => Rgb::hex(0x8e44ad),
        StageKind::Serve(_) => Rgb::hex(0x2e9d5b),
        StageKind::Spiking(_) => Rgb::hex(0xd35400),
        StageKind::Quantum(_) => Rgb::hex(0x138d75),
    }
}
