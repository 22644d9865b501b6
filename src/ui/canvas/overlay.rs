//! Simulation results painted over the canvas: node cards and links coloured
//! by how busy they were, a legend, and the bottleneck ringed with its
//! diagnosis. The results view (last run) and playback (one moment of the
//! run) build an [`Overlay`]; the canvas only draws it.

use crate::model::{LinkId, NodeId};
use crate::ui::theme::Palette;
use egui::{Color32, FontId, Painter, Pos2, Rect, Stroke, StrokeKind, Vec2};
use std::collections::BTreeMap;

/// What to paint over the plan.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Overlay {
    /// Shown above the legend, e.g. "Utilization, last run" or "t = 1 h 20 min".
    pub title: String,
    /// Busy fraction 0..1 of plan nodes. Nodes not listed were not used.
    pub nodes: BTreeMap<NodeId, f64>,
    /// Busy fraction 0..1 of plan links (busier direction).
    pub links: BTreeMap<LinkId, f64>,
    pub bottleneck: Option<Bottleneck>,
    /// What the ring marks, e.g. "Failure" for a playback event; `None`
    /// reads "Bottleneck". Tags the ring and starts the legend's sentence.
    pub mark_label: Option<String>,
}

/// The node or link that limits the run, and why.
#[derive(Clone, Debug, PartialEq)]
pub struct Bottleneck {
    pub subject: BottleneckAt,
    /// The diagnosis sentence.
    pub text: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BottleneckAt {
    Node(NodeId),
    Link(LinkId),
}

impl Overlay {
    pub fn node(&self, id: &NodeId) -> Option<f64> {
        self.nodes.get(id).copied().map(clamp01)
    }

    pub fn link(&self, id: &LinkId) -> Option<f64> {
        self.links.get(id).copied().map(clamp01)
    }

    pub fn is_bottleneck_node(&self, id: &NodeId) -> bool {
        matches!(&self.bottleneck, Some(Bottleneck { subject: BottleneckAt::Node(n), .. }) if n == id)
    }

    pub fn is_bottleneck_link(&self, id: &LinkId) -> bool {
        matches!(&self.bottleneck, Some(Bottleneck { subject: BottleneckAt::Link(l), .. }) if l == id)
    }

    /// The word on the ring and before the legend's sentence.
    pub fn mark_label(&self) -> &str {
        self.mark_label.as_deref().unwrap_or("Bottleneck")
    }
}

fn clamp01(u: f64) -> f64 {
    if u.is_finite() { u.clamp(0.0, 1.0) } else { 0.0 }
}

/// Colour of a busy fraction: blue (idle) through green and amber to red
/// (saturated). Stops chosen so 50 % and 90 % read differently at a glance.
pub fn heat_color(u: f64) -> Color32 {
    const STOPS: [(f64, [u8; 3]); 5] = [
        (0.0, [70, 110, 170]),
        (0.3, [60, 170, 120]),
        (0.6, [225, 190, 60]),
        (0.85, [235, 120, 45]),
        (1.0, [215, 50, 50]),
    ];
    let u = clamp01(u);
    for w in STOPS.windows(2) {
        let ((a, ca), (b, cb)) = (w[0], w[1]);
        if u <= b {
            let t = ((u - a) / (b - a)) as f32;
            let mix = |i: usize| (ca[i] as f32 + (cb[i] as f32 - ca[i] as f32) * t).round() as u8;
            return Color32::from_rgb(mix(0), mix(1), mix(2));
        }
    }
    let c = STOPS[STOPS.len() - 1].1;
    Color32::from_rgb(c[0], c[1], c[2])
}

/// A busy fraction as the legend and cards show it: the same text as the
/// Results tables, the PNG report and the CLI (`crate::format::percent`).
pub fn percent(u: f64) -> String {
    crate::format::percent(clamp01(u))
}

/// The legend in the canvas's top-left corner: title, colour scale, the
/// bottleneck sentence. Returns the rect it used.
pub fn legend(painter: &Painter, canvas: Rect, overlay: &Overlay, pal: &Palette) -> Rect {
    let pad = 8.0;
    let width = 260.0;
    let origin = canvas.min + Vec2::new(12.0, 12.0);
    let title = painter.layout_no_wrap(overlay.title.clone(), FontId::proportional(13.0), pal.text);
    let note = overlay.bottleneck.as_ref().map(|b| {
        painter.layout(
            format!("{}: {}", overlay.mark_label(), b.text),
            FontId::proportional(12.0),
            pal.text,
            width - 2.0 * pad,
        )
    });
    let bar_h = 10.0;
    let ticks_h = 14.0;
    let mut h = pad + title.size().y + 6.0 + bar_h + ticks_h + pad;
    if let Some(n) = &note {
        h += n.size().y + 6.0;
    }
    let rect = Rect::from_min_size(origin, Vec2::new(width.max(title.size().x + 2.0 * pad), h));
    painter.rect(
        rect,
        6,
        pal.card.gamma_multiply(0.96),
        Stroke::new(1.0, pal.card_stroke),
        StrokeKind::Inside,
    );
    let mut y = rect.min.y + pad;
    painter.galley(Pos2::new(rect.min.x + pad, y), title.clone(), pal.text);
    y += title.size().y + 6.0;
    let bar = Rect::from_min_size(
        Pos2::new(rect.min.x + pad, y),
        Vec2::new(rect.width() - 2.0 * pad, bar_h),
    );
    let steps = 48;
    for i in 0..steps {
        let t0 = i as f32 / steps as f32;
        let t1 = (i + 1) as f32 / steps as f32;
        let r = Rect::from_min_max(
            Pos2::new(bar.min.x + bar.width() * t0, bar.min.y),
            Pos2::new(bar.min.x + bar.width() * t1 + 0.5, bar.max.y),
        );
        painter.rect_filled(r, 0, heat_color(((t0 + t1) / 2.0) as f64));
    }
    for (t, label) in [(0.0, "idle"), (0.5, "50 %"), (1.0, "100 %")] {
        let g = painter.layout_no_wrap(label.to_owned(), FontId::proportional(11.0), pal.text_weak);
        let x = (bar.min.x + bar.width() * t - g.size().x * t).clamp(bar.min.x, bar.max.x - g.size().x);
        painter.galley(Pos2::new(x, bar.max.y + 2.0), g, pal.text_weak);
    }
    y = bar.max.y + ticks_h;
    if let Some(n) = note {
        y += 6.0;
        painter.galley(Pos2::new(rect.min.x + pad, y), n, pal.text);
    }
    rect
}

/// The strip at the bottom of a node card: how busy, in colour and percent.
pub fn node_bar(painter_shapes: &mut Vec<egui::Shape>, painter: &Painter, card: Rect, zoom: f32, u: Option<f64>) {
    let h = (5.0 * zoom).max(2.0);
    let inset = 8.0 * zoom;
    let track = Rect::from_min_max(
        Pos2::new(card.min.x + inset, card.max.y - h - 4.0 * zoom),
        Pos2::new(card.max.x - inset, card.max.y - 4.0 * zoom),
    );
    painter_shapes.push(egui::Shape::rect_filled(
        track,
        2,
        Color32::from_gray(128).gamma_multiply(0.25),
    ));
    if let Some(u) = u {
        let filled = Rect::from_min_max(
            track.min,
            Pos2::new(track.min.x + track.width() * clamp01(u) as f32, track.max.y),
        );
        painter_shapes.push(egui::Shape::rect_filled(filled, 2, heat_color(u)));
        if zoom >= 0.7 {
            let g = painter.layout_no_wrap(percent(u), FontId::proportional(10.0 * zoom.min(1.3)), heat_color(u));
            painter_shapes.push(egui::Shape::galley(
                Pos2::new(track.max.x - g.size().x, track.min.y - g.size().y - 1.0),
                g,
                heat_color(u),
            ));
        }
    }
}

/// A red ring around the bottleneck with a short tag (`label`, e.g.
/// "Bottleneck" or "Failure") above it.
pub fn bottleneck_ring(shapes: &mut Vec<egui::Shape>, painter: &Painter, card: Rect, zoom: f32, label: &str) {
    let red = heat_color(1.0);
    shapes.push(egui::Shape::Rect(egui::epaint::RectShape::new(
        card.expand(5.0 * zoom.max(0.5)),
        (10.0 * zoom).clamp(2.0, 12.0) as u8,
        Color32::TRANSPARENT,
        Stroke::new(3.0, red),
        StrokeKind::Outside,
    )));
    let g = painter.layout_no_wrap(label.to_owned(), FontId::proportional(11.0), Color32::WHITE);
    let r = Rect::from_min_size(
        Pos2::new(card.min.x, card.min.y - g.size().y - 12.0 * zoom.max(0.5)),
        g.size() + Vec2::new(10.0, 4.0),
    );
    shapes.push(egui::Shape::rect_filled(r, 4, red));
    shapes.push(egui::Shape::galley(r.min + Vec2::new(5.0, 2.0), g, Color32::WHITE));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heat_runs_from_blue_to_red() {
        let idle = heat_color(0.0);
        let full = heat_color(1.0);
        assert!(idle.b() > idle.r());
        assert!(full.r() > full.b() && full.r() > full.g());
        // Out-of-range and NaN inputs are clamped, never panic.
        assert_eq!(heat_color(2.0), full);
        assert_eq!(heat_color(f64::NAN), idle);
    }

    #[test]
    fn percent_shows_small_use() {
        assert_eq!(percent(0.004), "0.4 %");
        assert_eq!(percent(0.0), "0.0 %");
        assert_eq!(percent(0.876), "87.6 %");
        assert_eq!(percent(0.876), crate::format::percent(0.876), "one text in every view");
    }

    #[test]
    fn bottleneck_lookup() {
        let o = Overlay {
            bottleneck: Some(Bottleneck {
                subject: BottleneckAt::Link("l1".into()),
                text: "x".into(),
            }),
            ..Default::default()
        };
        assert!(o.is_bottleneck_link(&"l1".into()));
        assert!(!o.is_bottleneck_node(&"l1".into()));
    }
}
