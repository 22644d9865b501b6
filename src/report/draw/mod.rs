//! A small headless drawing surface for the PNG report: an RGB8 pixel buffer
//! that plotters draws shapes on (lines, polygons, circles, dashed paths) and
//! that text is rasterized onto with `ab_glyph` from fonts embedded in the
//! binary (no system fonts, no fontconfig).

pub mod charts;
pub mod graph;
pub mod table;

use ab_glyph::{Font, FontRef, PxScale, ScaleFont, point};
use plotters::prelude::*;

/// Why drawing failed (a plotters backend error, as text).
#[derive(Debug, thiserror::Error)]
#[error("drawing the report failed: {0}")]
pub struct DrawError(pub String);

/// An RGB colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    pub const fn hex(v: u32) -> Rgb {
        Rgb((v >> 16) as u8, (v >> 8) as u8, v as u8)
    }
    fn plotters(self) -> RGBColor {
        RGBColor(self.0, self.1, self.2)
    }
    /// Mix with white: `t` = 0 keeps the colour, 1 gives white.
    pub fn tint(self, t: f32) -> Rgb {
        let m = |c: u8| (c as f32 + (255.0 - c as f32) * t).round().clamp(0.0, 255.0) as u8;
        Rgb(m(self.0), m(self.1), m(self.2))
    }
    /// Mix with black: `t` = 0 keeps the colour, 1 gives black.
    pub fn shade(self, t: f32) -> Rgb {
        let m = |c: u8| (c as f32 * (1.0 - t)).round().clamp(0.0, 255.0) as u8;
        Rgb(m(self.0), m(self.1), m(self.2))
    }
}

/// The report's colours.
pub mod palette {
    use super::Rgb;
    use crate::sim::metrics::Cause;

    /// Colour of a breakdown cause in every view (PNG and GUI): useful work
    /// blue, communication purple, losses warm.
    pub const fn cause(c: Cause) -> Rgb {
        Rgb::hex(match c {
            Cause::Compute => 0x2f6fd0,
            Cause::Optimizer => 0x7fa7e0,
            Cause::TpComm => 0x7b3fa0,
            Cause::PpComm => 0xb07cc6,
            Cause::DpComm => 0x4a1f66,
            Cause::MoeComm => 0xd35490,
            Cause::FsdpComm => 0x9c2a6b,
            Cause::CpComm => 0x5d6fd6,
            Cause::Bubble => 0x9aa3b2,
            Cause::DataStall => 0xe07b24,
            Cause::DataRead => 0xf0a050,
            Cause::Write => 0x6c7a89,
            Cause::Checkpoint => 0x16a2b8,
            Cause::Failures => 0xc0392b,
            Cause::QueueWait => 0xb8860b,
            Cause::QpuExecution => 0x138d75,
            Cause::NetworkRoundTrip => 0x8e44ad,
        })
    }

    pub const INK: Rgb = Rgb::hex(0x1f2533);
    pub const MUTED: Rgb = Rgb::hex(0x5b6475);
    pub const FAINT: Rgb = Rgb::hex(0x9aa3b2);
    pub const RULE: Rgb = Rgb::hex(0xd9dee7);
    pub const PANEL: Rgb = Rgb::hex(0xf4f6fa);
    pub const WHITE: Rgb = Rgb::hex(0xffffff);
    pub const NAVY: Rgb = Rgb::hex(0x172338);
    pub const ACCENT: Rgb = Rgb::hex(0x0e7c86);
    pub const ERROR: Rgb = Rgb::hex(0xc0392b);
    pub const WARNING: Rgb = Rgb::hex(0xc77c02);
    pub const OK: Rgb = Rgb::hex(0x2e8b57);
    pub const ONPREM: Rgb = Rgb::hex(0x2f6fd0);
    pub const CLOUD: Rgb = Rgb::hex(0xe07b24);
    pub const EDGE: Rgb = Rgb::hex(0x2e9d5b);
    /// Series colours for categories without a fixed colour.
    pub const SERIES: [Rgb; 10] = [
        Rgb::hex(0x2f6fd0),
        Rgb::hex(0xe07b24),
        Rgb::hex(0x2e9d5b),
        Rgb::hex(0x8e44ad),
        Rgb::hex(0xc0392b),
        Rgb::hex(0x16a2b8),
        Rgb::hex(0xb8860b),
        Rgb::hex(0x6c7a89),
        Rgb::hex(0xd35490),
        Rgb::hex(0x3d5a80),
    ];
}

/// A rectangle in pixels.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Rect {
    pub x: i32,
    pub y: i32,
    pub w: i32,
    pub h: i32,
}

impl Rect {
    pub const fn new(x: i32, y: i32, w: i32, h: i32) -> Rect {
        Rect { x, y, w, h }
    }
    pub fn right(&self) -> i32 {
        self.x + self.w
    }
    pub fn bottom(&self) -> i32 {
        self.y + self.h
    }
    pub fn inset(&self, d: i32) -> Rect {
        Rect::new(self.x + d, self.y + d, (self.w - 2 * d).max(0), (self.h - 2 * d).max(0))
    }
    pub fn center(&self) -> (i32, i32) {
        (self.x + self.w / 2, self.y + self.h / 2)
    }
}

/// Typeface of a text run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Face {
    Sans,
    SansBold,
    Mono,
}

/// Horizontal alignment of a text run relative to its x.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Align {
    Left,
    Center,
    Right,
}

/// How a text run looks.
#[derive(Clone, Copy, Debug)]
pub struct TextStyle {
    pub size: f32,
    pub color: Rgb,
    pub face: Face,
}

impl TextStyle {
    pub const fn new(size: f32, color: Rgb) -> TextStyle {
        TextStyle {
            size,
            color,
            face: Face::Sans,
        }
    }
    pub const fn bold(mut self) -> TextStyle {
        self.face = Face::SansBold;
        self
    }
    pub const fn mono(mut self) -> TextStyle {
        self.face = Face::Mono;
        self
    }
    pub const fn color(mut self, color: Rgb) -> TextStyle {
        self.color = color;
        self
    }
}

/// The RGB8 page the report is drawn on.
pub struct Canvas {
    pub width: u32,
    pub height: u32,
    pub pixels: Vec<u8>,
    sans: FontRef<'static>,
    mono: FontRef<'static>,
}

impl Canvas {
    /// A white page. Fonts come from `epaint_default_fonts` (Ubuntu Light,
    /// Hack), embedded in the binary.
    pub fn new(width: u32, height: u32) -> Result<Canvas, DrawError> {
        let font = |bytes: &'static [u8], name: &str| {
            FontRef::try_from_slice(bytes).map_err(|e| DrawError(format!("embedded font {name}: {e}")))
        };
        Ok(Canvas {
            width,
            height,
            pixels: vec![255; width as usize * height as usize * 3],
            sans: font(epaint_default_fonts::UBUNTU_LIGHT, "Ubuntu Light")?,
            mono: font(epaint_default_fonts::HACK_REGULAR, "Hack")?,
        })
    }

    /// Keep the top `height` rows only.
    pub fn crop_height(&mut self, height: u32) {
        let height = height.min(self.height);
        self.pixels.truncate(self.width as usize * height as usize * 3);
        self.height = height;
    }

    /// Run plotters drawing code on the page.
    fn plot(
        &mut self,
        f: impl FnOnce(&DrawingArea<BitMapBackend<'_>, plotters::coord::Shift>) -> Result<(), String>,
    ) -> Result<(), DrawError> {
        let backend: BitMapBackend<'_> =
            BitMapBackend::with_buffer_and_format(&mut self.pixels, (self.width, self.height))
                .map_err(|e| DrawError(e.to_string()))?;
        let area = backend.into_drawing_area();
        f(&area).map_err(DrawError)?;
        area.present().map_err(|e| DrawError(e.to_string()))
    }

    pub fn fill_rect(&mut self, r: Rect, c: Rgb) {
        let (x0, y0) = (r.x.max(0) as usize, r.y.max(0) as usize);
        let x1 = (r.right().max(0) as usize).min(self.width as usize);
        let y1 = (r.bottom().max(0) as usize).min(self.height as usize);
        for y in y0..y1 {
            let row = y * self.width as usize * 3;
            for x in x0..x1 {
                let i = row + x * 3;
                self.pixels[i] = c.0;
                self.pixels[i + 1] = c.1;
                self.pixels[i + 2] = c.2;
            }
        }
    }

    /// Blend one pixel with coverage `a` (0..1).
    fn blend(&mut self, x: i32, y: i32, c: Rgb, a: f32) {
        if x < 0 || y < 0 || x >= self.width as i32 || y >= self.height as i32 || a <= 0.0 {
            return;
        }
        let a = a.min(1.0);
        let i = (y as usize * self.width as usize + x as usize) * 3;
        let mix = |dst: u8, src: u8| (dst as f32 * (1.0 - a) + src as f32 * a).round() as u8;
        self.pixels[i] = mix(self.pixels[i], c.0);
        self.pixels[i + 1] = mix(self.pixels[i + 1], c.1);
        self.pixels[i + 2] = mix(self.pixels[i + 2], c.2);
    }

    /// A filled rectangle with anti-aliased rounded corners and an optional border.
    pub fn round_rect(&mut self, r: Rect, radius: f32, fill: Rgb, border: Option<(Rgb, f32)>) {
        if r.w <= 0 || r.h <= 0 {
            return;
        }
        let radius = radius.min(r.w as f32 / 2.0).min(r.h as f32 / 2.0).max(0.0);
        let (bw, bc) = match border {
            Some((c, w)) => (w, c),
            None => (0.0, fill),
        };
        // The interior away from corners and border is a plain fill; only
        // the band along the outline needs per-pixel coverage.
        let band = radius.max(bw).ceil() as i32 + 1;
        self.fill_rect(Rect::new(r.x + band, r.y + band, r.w - 2 * band, r.h - 2 * band), fill);
        let (left, top, right, bottom) = (r.x as f32, r.y as f32, r.right() as f32, r.bottom() as f32);
        for y in r.y..r.bottom() {
            let inner_row = y >= r.y + band && y < r.bottom() - band;
            let mut x = r.x;
            while x < r.right() {
                if inner_row && x == r.x + band && r.right() - band > x {
                    x = r.right() - band;
                    continue;
                }
                // Distance from the pixel centre to the rounded outline (negative inside).
                let px = x as f32 + 0.5;
                let py = y as f32 + 0.5;
                let cx = px.clamp(left + radius, right - radius);
                let cy = py.clamp(top + radius, bottom - radius);
                let d = if px != cx && py != cy {
                    ((px - cx).powi(2) + (py - cy).powi(2)).sqrt() - radius
                } else {
                    -(px - left).min(right - px).min(py - top).min(bottom - py)
                };
                let coverage = (0.5 - d).clamp(0.0, 1.0);
                if coverage > 0.0 {
                    let color = if bw > 0.0 && d > -bw { bc } else { fill };
                    self.blend(x, y, color, coverage);
                }
                x += 1;
            }
        }
    }

    /// A straight line of `width` pixels.
    pub fn line(&mut self, a: (i32, i32), b: (i32, i32), c: Rgb, width: u32) {
        let style = ShapeStyle::from(c.plotters()).stroke_width(width);
        // Drawing into our own in-memory buffer only fails for a wrong buffer
        // size, which `Canvas::new` rules out.
        let _ = self.plot(|area| {
            area.draw(&PathElement::new(vec![a, b], style))
                .map_err(|e| e.to_string())
        });
    }

    /// A dashed straight line.
    pub fn dashed_line(&mut self, a: (i32, i32), b: (i32, i32), c: Rgb, width: u32, dash: i32) {
        let style = ShapeStyle::from(c.plotters()).stroke_width(width);
        let _ = self.plot(|area| {
            area.draw(&plotters::element::DashedPathElement::new(
                vec![a, b],
                dash,
                dash * 2 / 3,
                style,
            ))
            .map_err(|e| e.to_string())
        });
    }

    /// A filled polygon.
    pub fn polygon(&mut self, points: Vec<(i32, i32)>, c: Rgb) {
        let style = ShapeStyle::from(c.plotters()).filled();
        let _ = self.plot(|area| area.draw(&Polygon::new(points, style)).map_err(|e| e.to_string()));
    }

    /// A filled circle.
    pub fn circle(&mut self, center: (i32, i32), radius: i32, c: Rgb) {
        let style = ShapeStyle::from(c.plotters()).filled();
        let _ = self.plot(|area| {
            area.draw(&Circle::new(center, radius, style))
                .map_err(|e| e.to_string())
        });
    }

    fn font(&self, face: Face) -> &FontRef<'static> {
        match face {
            Face::Mono => &self.mono,
            Face::Sans | Face::SansBold => &self.sans,
        }
    }

    /// Width of a text run in pixels.
    pub fn text_width(&self, text: &str, style: &TextStyle) -> f32 {
        let font = self.font(style.face).as_scaled(PxScale::from(style.size));
        let mut w = 0.0;
        let mut prev = None;
        for ch in text.chars() {
            let id = font.glyph_id(ch);
            if let Some(p) = prev {
                w += font.kern(p, id);
            }
            w += font.h_advance(id);
            prev = Some(id);
        }
        if style.face == Face::SansBold {
            w += bold_offset(style.size);
        }
        w
    }

    /// Height of one line of text (ascent + descent + gap).
    pub fn line_height(&self, style: &TextStyle) -> f32 {
        let font = self.font(style.face).as_scaled(PxScale::from(style.size));
        (font.ascent() - font.descent() + font.line_gap()).ceil()
    }

    /// Draw a text run whose top is at `y`; returns its width.
    pub fn text(&mut self, x: i32, y: i32, text: &str, style: &TextStyle, align: Align) -> i32 {
        let width = self.text_width(text, style);
        let x0 = match align {
            Align::Left => x as f32,
            Align::Center => x as f32 - width / 2.0,
            Align::Right => x as f32 - width,
        };
        let font = self.font(style.face).clone();
        let scaled = font.as_scaled(PxScale::from(style.size));
        let baseline = y as f32 + scaled.ascent();
        let passes: &[f32] = if style.face == Face::SansBold {
            &[0.0, bold_offset(style.size)]
        } else {
            &[0.0]
        };
        // The light face is drawn with a little extra coverage so body text
        // stays crisp at 16-20 px.
        let boost = if style.face == Face::Mono { 1.0 } else { 1.35 };
        for &dx in passes {
            let mut caret = x0 + dx;
            let mut prev = None;
            for ch in text.chars() {
                let id = scaled.glyph_id(ch);
                if let Some(p) = prev {
                    caret += scaled.kern(p, id);
                }
                prev = Some(id);
                let glyph = id.with_scale_and_position(PxScale::from(style.size), point(caret, baseline));
                caret += scaled.h_advance(id);
                if let Some(outline) = font.outline_glyph(glyph) {
                    let b = outline.px_bounds();
                    let (bx, by) = (b.min.x as i32, b.min.y as i32);
                    let mut cov = Vec::new();
                    outline.draw(|gx, gy, c| cov.push((gx as i32, gy as i32, c)));
                    for (gx, gy, c) in cov {
                        self.blend(bx + gx, by + gy, style.color, c * boost);
                    }
                }
            }
        }
        width.ceil() as i32
    }

    /// The longest prefix of `text` that fits `max_w`, with an ellipsis when cut.
    pub fn ellipsize(&self, text: &str, style: &TextStyle, max_w: f32) -> String {
        if self.text_width(text, style) <= max_w {
            return text.to_owned();
        }
        let chars: Vec<char> = text.chars().collect();
        let mut n = chars.len();
        while n > 0 {
            let s: String = chars[..n].iter().collect::<String>().trim_end().to_owned() + "…";
            if self.text_width(&s, style) <= max_w {
                return s;
            }
            n -= 1;
        }
        String::new()
    }

    /// Break `text` into lines no wider than `max_w` (at spaces; words longer
    /// than a line are cut with an ellipsis).
    pub fn wrap(&self, text: &str, style: &TextStyle, max_w: f32) -> Vec<String> {
        let mut lines = Vec::new();
        for para in text.split('\n') {
            let mut line = String::new();
            for word in para.split_whitespace() {
                let candidate = if line.is_empty() {
                    word.to_owned()
                } else {
                    format!("{line} {word}")
                };
                if self.text_width(&candidate, style) <= max_w || line.is_empty() {
                    line = candidate;
                } else {
                    lines.push(std::mem::take(&mut line));
                    line = word.to_owned();
                }
                if self.text_width(&line, style) > max_w {
                    line = self.ellipsize(&line, style, max_w);
                }
            }
            lines.push(line);
        }
        lines
    }

    /// Draw wrapped text from `y` down; returns the height used.
    pub fn paragraph(&mut self, x: i32, y: i32, text: &str, style: &TextStyle, max_w: f32) -> i32 {
        let lh = self.line_height(style) as i32;
        let lines = self.wrap(text, style, max_w);
        for (i, line) in lines.iter().enumerate() {
            self.text(x, y + i as i32 * lh, line, style, Align::Left);
        }
        lines.len() as i32 * lh
    }
}

fn bold_offset(size: f32) -> f32 {
    (size / 22.0).clamp(0.8, 2.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_draws_ink_and_measures_consistently() {
        let mut c = Canvas::new(400, 60).unwrap();
        let style = TextStyle::new(20.0, palette::INK);
        let w = c.text(10, 10, "Time to train", &style, Align::Left);
        assert!(w > 80 && w < 200, "width {w}");
        let dark = c.pixels.chunks(3).filter(|p| p[0] < 128).count();
        assert!(dark > 100, "only {dark} dark pixels");
        assert!(c.text_width("Time to train", &style.bold()) > c.text_width("Time to train", &style));
    }

    #[test]
    fn wrap_keeps_lines_within_width() {
        let c = Canvas::new(10, 10).unwrap();
        let style = TextStyle::new(18.0, palette::INK);
        let text = "NVIDIA H100 Tensor Core GPU datasheet (SXM5: dense BF16 989, FP8 1,979 TFLOP/s; HBM3 3.35 TB/s)";
        let lines = c.wrap(text, &style, 300.0);
        assert!(lines.len() >= 3);
        for l in &lines {
            assert!(c.text_width(l, &style) <= 300.0, "'{l}' too wide");
        }
        assert_eq!(lines.join(" "), text);
    }

    #[test]
    fn round_rect_fills_inside_and_leaves_corners() {
        let mut c = Canvas::new(100, 100).unwrap();
        c.round_rect(Rect::new(10, 10, 80, 80), 20.0, Rgb(0, 0, 0), None);
        let px = |x: usize, y: usize| c.pixels[(y * 100 + x) * 3];
        assert_eq!(px(50, 50), 0);
        assert_eq!(px(11, 11), 255, "corner stays white");
        assert_eq!(px(5, 50), 255);
        // Rectangles narrower than their rounding band still end.
        c.round_rect(Rect::new(10, 10, 4, 30), 5.0, Rgb(0, 0, 0), Some((Rgb(9, 9, 9), 1.0)));
        c.round_rect(Rect::new(10, 10, 1, 1), 5.0, Rgb(0, 0, 0), None);
    }
}
