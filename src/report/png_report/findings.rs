//! "Findings": each stage's diagnosis, the validation problems (cut after a
//! few, with a pointer to `clusterforge check`), and every metric of every
//! simulated stage. Absent when there is nothing to say.

use super::ReportInput;
use super::labels::stage_name;
use super::layout::{CONTENT_W, GAP, MARGIN, section_title};
use crate::model::Severity;
use crate::report::draw::table::{self, Column, Row};
use crate::report::draw::{Align, Canvas, Rect, TextStyle, palette};

pub(super) fn diagnosis_section(c: &mut Canvas, input: &ReportInput<'_>, y: i32) -> i32 {
    let problems = input.plan.validate(input.catalog);
    let diagnoses: Vec<(String, String)> = input
        .results
        .map(|r| {
            r.workloads
                .iter()
                .filter(|w| !w.diagnosis.is_empty())
                .map(|w| (stage_name(input.plan, &w.stage), w.diagnosis.clone()))
                .collect()
        })
        .unwrap_or_default();
    // Every metric of every simulated stage, grouped by stage.
    let metrics: Vec<(String, Vec<Row>)> = input
        .results
        .map(|r| {
            r.workloads
                .iter()
                .filter(|w| !w.metrics.is_empty())
                .map(|w| {
                    let rows = w
                        .metrics
                        .iter()
                        .map(|(k, v)| Row::new(vec![k.label().to_owned(), k.format(*v)]))
                        .collect();
                    (stage_name(input.plan, &w.stage), rows)
                })
                .collect()
        })
        .unwrap_or_default();
    if problems.is_empty() && diagnoses.is_empty() && metrics.is_empty() {
        return y - GAP;
    }
    let mut y = section_title(
        c,
        y,
        "Findings",
        "Bottlenecks, validation problems and all stage metrics",
    );
    let w = CONTENT_W;
    let body = TextStyle::new(19.0, palette::INK);
    let bold = body.bold();
    let lh = c.line_height(&body) as i32;
    for (stage, text) in &diagnoses {
        let label = format!("{stage}:");
        let lw = c.text(MARGIN + 20, y, &label, &bold, Align::Left);
        let h = c.paragraph(MARGIN + 30 + lw, y, text, &body, (w - lw - 60) as f32);
        c.fill_rect(Rect::new(MARGIN, y + 3, 6, h - 6), palette::ACCENT);
        y += h + 10;
    }
    const MAX_PROBLEMS: usize = 14;
    for p in problems.iter().take(MAX_PROBLEMS) {
        let (tag, color) = match p.severity {
            Severity::Error => ("ERROR", palette::ERROR),
            Severity::Warning => ("WARNING", palette::WARNING),
        };
        let tag_style = TextStyle::new(16.0, palette::WHITE).bold();
        let tw = c.text_width(tag, &tag_style).ceil() as i32 + 20;
        c.round_rect(Rect::new(MARGIN, y + 1, tw, lh - 2), 5.0, color, None);
        c.text(MARGIN + tw / 2, y + 3, tag, &tag_style, Align::Center);
        let mut text = format!("{}: {}", p.subject, p.message);
        if !p.hint.is_empty() {
            text.push_str(&format!(" — {}", p.hint));
        }
        let h = c.paragraph(MARGIN + tw + 14, y, &text, &body, (w - tw - 20) as f32);
        y += h + 8;
    }
    if problems.len() > MAX_PROBLEMS {
        let more = format!(
            "… and {} more; `clusterforge check PLAN` lists them all.",
            problems.len() - MAX_PROBLEMS
        );
        c.text(MARGIN, y, &more, &body.color(palette::MUTED), Align::Left);
        y += lh + 8;
    }
    let sub = TextStyle::new(21.0, palette::INK).bold();
    let sub_h = c.line_height(&sub) as i32 + 8;
    for (stage, rows) in &metrics {
        y += 14;
        c.text(MARGIN, y, &format!("{stage}: all metrics"), &sub, Align::Left);
        y += sub_h;
        // Three side-by-side tables, filled column by column.
        let col_w = (w - 2 * GAP) / 3;
        let per = rows.len().div_ceil(3).max(1);
        let cols = [Column::left("Metric", 2.4), Column::right("Value", 1.2)];
        let mut h = 0;
        for (i, chunk) in rows.chunks(per).enumerate() {
            let x = MARGIN + i as i32 * (col_w + GAP);
            h = h.max(table::draw(c, Rect::new(x, y, col_w, 0), &cols, chunk));
        }
        y += h;
    }
    y
}
