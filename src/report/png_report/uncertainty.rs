//! "How sure": one row per banded figure (time, cost, break-even) with the
//! P10–P90 band, the P50 tick and the deterministic run's marker, each row
//! on its own scale, from a seeded uncertainty run
//! ([`crate::sim::uncertainty`]). Absent when the report has no such run.

use super::ReportInput;
use super::layout::{CONTENT_W, MARGIN, section_title};
use crate::report::draw::{Align, Canvas, Rect, TextStyle, palette};
use crate::sim::metrics::MetricKey;

/// Plan totals and these stage figures are drawn; stage costs and
/// durations of short stages are in the CLI/JSON table.
const DRAWN: &[MetricKey] = &[
    MetricKey::PlanCost,
    MetricKey::Makespan,
    MetricKey::BreakEvenMonths,
    MetricKey::TimeToTrain,
    MetricKey::CostPerMillionTokens,
];
const MAX_ROWS: usize = 10;

pub(super) fn uncertainty_section(c: &mut Canvas, input: &ReportInput<'_>, y: i32) -> i32 {
    let Some(u) = input.uncertainty else {
        return y;
    };
    let note = format!(
        "P10 – P90 of {}, relative to this run; tick: P50; dot: the figures above",
        u.summary()
    );
    let mut y = section_title(c, y, "How sure are these figures", &note);
    let label_style = TextStyle::new(19.0, palette::INK);
    let value_style = TextStyle::new(18.0, palette::MUTED);
    let row_h = 44;
    let label_w = 560;
    let values_w = 520;
    let track_x = MARGIN + label_w;
    let track_w = CONTENT_W - label_w - values_w - 20;
    let rows: Vec<_> = u
        .bands
        .iter()
        .filter(|b| DRAWN.contains(&b.key.metric))
        .take(MAX_ROWS)
        .collect();
    if rows.is_empty() {
        c.text(
            MARGIN,
            y,
            "No figure varied across the samples.",
            &value_style,
            Align::Left,
        );
        return y + row_h;
    }
    // One relative scale for every row (deviation from the row's own run),
    // so a wide band looks wide: ± the largest deviation of any row.
    let reference = |b: &&crate::sim::uncertainty::Band| b.nominal.unwrap_or(b.p50);
    let rel = |b: &&crate::sim::uncertainty::Band, v: f64| {
        let r = reference(b);
        if r.abs() > 0.0 { v / r - 1.0 } else { 0.0 }
    };
    let m = rows
        .iter()
        .flat_map(|b| [rel(b, b.p10).abs(), rel(b, b.p90).abs()])
        .filter(|v| v.is_finite())
        .fold(0.01_f64, f64::max)
        * 1.1;
    let axis = TextStyle::new(16.0, palette::FAINT);
    let pct = |v: f64| format!("{:+.0} %", v * 100.0);
    c.text(track_x, y, &pct(-m), &axis, Align::Left);
    c.text(track_x + track_w / 2, y, "this run", &axis, Align::Center);
    c.text(track_x + track_w, y, &pct(m), &axis, Align::Right);
    y += c.line_height(&axis) as i32 + 4;
    let centre = track_x + track_w / 2;
    c.line((centre, y), (centre, y + row_h * rows.len() as i32), palette::RULE, 1);
    for b in rows {
        let f = |v: f64| b.key.metric.format(v);
        let label = c.ellipsize(&b.label(input.plan), &label_style, (label_w - 20) as f32);
        c.text(MARGIN, y + 8, &label, &label_style, Align::Left);
        let x_of = |v: f64| {
            let r = rel(&b, v).clamp(-m, m);
            centre + (r / m * f64::from(track_w / 2)).round() as i32
        };
        let mid = y + row_h / 2;
        c.line((track_x, mid), (track_x + track_w, mid), palette::RULE, 2);
        let (x10, x90) = (x_of(b.p10), x_of(b.p90));
        c.round_rect(
            Rect::new(x10, mid - 9, (x90 - x10).max(4), 18),
            6.0,
            palette::ACCENT.tint(0.55),
            Some((palette::ACCENT, 1.5)),
        );
        let x50 = x_of(b.p50);
        c.line((x50, mid - 14), (x50, mid + 14), palette::NAVY, 3);
        if let Some(n) = b.nominal {
            c.circle((x_of(n), mid), 6, palette::CLOUD);
        }
        let mut values = format!("{} – {} – {}", f(b.p10), f(b.p50), f(b.p90));
        if b.samples < u.samples as usize {
            values.push_str(&format!(" ({} of {})", b.samples, u.samples));
        }
        c.text(
            MARGIN + CONTENT_W,
            y + 10,
            &c.ellipsize(&values, &value_style, values_w as f32),
            &value_style,
            Align::Right,
        );
        y += row_h;
    }
    let varied: Vec<String> = u.inputs.iter().map(|i| i.what.clone()).collect();
    let text = if varied.is_empty() {
        "Varied: nothing the plan uses has a range in the catalog; the bands are the simulator's own randomness."
            .to_owned()
    } else {
        format!(
            "Varied (triangular over the catalog's low, value, high): {}.",
            varied.join(", ")
        )
    };
    y + 8 + c.paragraph(MARGIN, y + 8, &text, &value_style, CONTENT_W as f32)
}
