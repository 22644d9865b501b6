//! Tables: a header band, zebra rows, per-column alignment, cells cut with an
//! ellipsis rather than overflowing into the next column.

use super::{Align, Canvas, Rect, TextStyle, palette};

/// One column: header, share of the table width, alignment.
#[derive(Clone, Debug)]
pub struct Column {
    pub header: String,
    pub weight: f32,
    pub align: Align,
}

impl Column {
    pub fn left(header: &str, weight: f32) -> Column {
        Column {
            header: header.to_owned(),
            weight,
            align: Align::Left,
        }
    }
    pub fn right(header: &str, weight: f32) -> Column {
        Column {
            header: header.to_owned(),
            weight,
            align: Align::Right,
        }
    }
}

/// A row; `strong` rows (totals) are drawn bold on a darker band.
#[derive(Clone, Debug, Default)]
pub struct Row {
    pub cells: Vec<String>,
    pub strong: bool,
}

impl Row {
    pub fn new(cells: Vec<String>) -> Row {
        Row { cells, strong: false }
    }
    pub fn total(cells: Vec<String>) -> Row {
        Row { cells, strong: true }
    }
}

pub const ROW_H: i32 = 34;
const PAD: i32 = 12;

/// Height a table of `rows` rows takes.
pub fn height(rows: usize) -> i32 {
    ROW_H * (rows as i32 + 1)
}

/// Draw a table at the top of `area`; returns the height used.
pub fn draw(canvas: &mut Canvas, area: Rect, columns: &[Column], rows: &[Row]) -> i32 {
    let total: f32 = columns.iter().map(|c| c.weight).sum::<f32>().max(f32::EPSILON);
    let mut xs = Vec::with_capacity(columns.len() + 1);
    let mut acc = 0.0;
    xs.push(area.x);
    for c in columns {
        acc += c.weight;
        xs.push(area.x + (area.w as f32 * acc / total).round() as i32);
    }
    let head = TextStyle::new(17.0, palette::WHITE).bold();
    let body = TextStyle::new(17.0, palette::INK);
    let text_dy = |canvas: &Canvas, style: &TextStyle| (ROW_H - canvas.line_height(style) as i32) / 2 + 1;

    canvas.fill_rect(Rect::new(area.x, area.y, area.w, ROW_H), palette::NAVY);
    let dy = text_dy(canvas, &head);
    for (i, c) in columns.iter().enumerate() {
        let cell_w = (xs[i + 1] - xs[i] - 2 * PAD) as f32;
        let label = canvas.ellipsize(&c.header, &head, cell_w);
        cell_text(canvas, xs[i], xs[i + 1], area.y + dy, &label, &head, c.align);
    }
    for (r, row) in rows.iter().enumerate() {
        let y = area.y + ROW_H * (r as i32 + 1);
        let band = if row.strong {
            palette::RULE
        } else if r % 2 == 1 {
            palette::PANEL
        } else {
            palette::WHITE
        };
        canvas.fill_rect(Rect::new(area.x, y, area.w, ROW_H), band);
        let style = if row.strong { body.bold() } else { body };
        let dy = text_dy(canvas, &style);
        for (i, c) in columns.iter().enumerate() {
            let Some(cell) = row.cells.get(i) else { continue };
            let cell_w = (xs[i + 1] - xs[i] - 2 * PAD) as f32;
            let label = canvas.ellipsize(cell, &style, cell_w);
            cell_text(canvas, xs[i], xs[i + 1], y + dy, &label, &style, c.align);
        }
    }
    let h = height(rows.len());
    canvas.line(
        (area.x, area.y + h - 1),
        (area.right() - 1, area.y + h - 1),
        palette::RULE,
        1,
    );
    h
}

fn cell_text(canvas: &mut Canvas, x0: i32, x1: i32, y: i32, text: &str, style: &TextStyle, align: Align) {
    match align {
        Align::Left => canvas.text(x0 + PAD, y, text, style, Align::Left),
        Align::Center => canvas.text((x0 + x1) / 2, y, text, style, Align::Center),
        Align::Right => canvas.text(x1 - PAD, y, text, style, Align::Right),
    };
}
