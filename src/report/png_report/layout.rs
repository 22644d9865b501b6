//! Page geometry shared by every section: the page width and margins, the
//! two-column split, and the two building blocks all sections start from (a
//! section title with its rule, a row of figure cards). Kept in one place so
//! the sections line up without each one recomputing the grid.

use crate::report::draw::{Align, Canvas, Rect, Rgb, TextStyle, palette};

/// Width of the page in pixels.
pub const PAGE_WIDTH: u32 = 2000;
/// The page never grows beyond this (long lists are cut with "… N more").
pub(super) const MAX_HEIGHT: u32 = 12_000;
pub(super) const MARGIN: i32 = 70;
pub(super) const GAP: i32 = 28;
/// The plan drawing is at most this tall.
pub(super) const MAX_GRAPH_H: i32 = 1500;

/// Width between the margins: full-width sections span it.
pub(super) const CONTENT_W: i32 = PAGE_WIDTH as i32 - 2 * MARGIN;
/// Two-column sections (cost table beside the bill of materials, assumptions
/// beside the fidelity settings, …) split the content width into these.
pub(super) const COLUMN_W: i32 = (CONTENT_W - GAP) / 2;
/// Left edge of the right column.
pub(super) const RIGHT_X: i32 = MARGIN + COLUMN_W + GAP;

/// A section title with its note and rule; returns where the section's body starts.
pub(super) fn section_title(c: &mut Canvas, y: i32, title: &str, note: &str) -> i32 {
    let style = TextStyle::new(30.0, palette::INK).bold();
    let w = c.text(MARGIN, y, title, &style, Align::Left);
    let lh = c.line_height(&style) as i32;
    if !note.is_empty() {
        let ns = TextStyle::new(18.0, palette::MUTED);
        let nh = c.line_height(&ns) as i32;
        c.text(MARGIN + w + 18, y + lh - nh - 4, note, &ns, Align::Left);
    }
    c.line(
        (MARGIN, y + lh + 6),
        (PAGE_WIDTH as i32 - MARGIN, y + lh + 6),
        palette::RULE,
        2,
    );
    y + lh + 20
}

/// A row of figure cards; `figures` are (label, value, note).
pub(super) fn cards(c: &mut Canvas, y: i32, figures: &[(String, String, String)], accent: Rgb) -> i32 {
    let n = figures.len().max(1) as i32;
    let w = CONTENT_W;
    let gap = 20;
    let cw = (w - gap * (n - 1)) / n;
    let h = 140;
    let label_s = TextStyle::new(18.0, palette::MUTED);
    let value_s = TextStyle::new(38.0, palette::INK).bold();
    let note_s = TextStyle::new(16.0, palette::MUTED);
    for (i, (label, value, note)) in figures.iter().enumerate() {
        let r = Rect::new(MARGIN + i as i32 * (cw + gap), y, cw, h);
        c.round_rect(r, 10.0, palette::WHITE, Some((palette::RULE, 1.5)));
        c.fill_rect(Rect::new(r.x + 1, r.y + 14, 5, h - 28), accent);
        let l = c.ellipsize(label, &label_s, (cw - 40) as f32);
        c.text(r.x + 22, r.y + 16, &l, &label_s, Align::Left);
        let v = c.ellipsize(value, &value_s, (cw - 40) as f32);
        let vs = if value == "—" {
            value_s.color(palette::FAINT)
        } else {
            value_s
        };
        c.text(r.x + 22, r.y + 46, &v, &vs, Align::Left);
        let nt = c.ellipsize(note, &note_s, (cw - 40) as f32);
        c.text(r.x + 22, r.y + 104, &nt, &note_s, Align::Left);
    }
    y + h
}
