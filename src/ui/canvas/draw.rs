//! Painting the canvas: one painter, culled to the visible rectangle,
//! simplified when zoomed out. Text is laid out at screen size.

use super::hit::{Layout, SITE_HEADER, Side, curve_points, link_curve, port_pos};
use super::overlay::{self, Overlay};
use crate::model::{Plan, Severity, SiteKind, Subject};
use crate::ui::state::{Camera, EditorState, GRID, Sel};
use crate::ui::theme::{self, Palette};
use egui::{Align2, Color32, CornerRadius, FontId, Painter, Pos2, Rect, Shape, Stroke, StrokeKind, Vec2};
use std::collections::HashMap;

/// Below this zoom, cards are drawn as plain blocks without text.
pub const DETAIL_ZOOM: f32 = 0.4;

pub struct View<'a> {
    pub painter: &'a Painter,
    pub origin: Pos2,
    pub camera: Camera,
    pub visible: Rect,
    pub pal: Palette,
    /// Results painted over the plan (utilization colours, bottleneck).
    pub overlay: Option<&'a Overlay>,
}

impl View<'_> {
    fn s(&self, p: Pos2) -> Pos2 {
        self.camera.to_screen(self.origin, p)
    }
    fn r(&self, r: Rect) -> Rect {
        self.camera.rect_to_screen(self.origin, r)
    }
}

pub fn grid(v: &View<'_>) {
    let clip = v.painter.clip_rect();
    v.painter.rect_filled(clip, 0.0, v.pal.canvas_bg);
    let mut step = GRID;
    while step * v.camera.zoom < 14.0 {
        step *= 5.0;
    }
    let major = step * 5.0;
    let start_x = (v.visible.min.x / step).floor() * step;
    let start_y = (v.visible.min.y / step).floor() * step;
    let mut shapes = Vec::new();
    let mut x = start_x;
    while x <= v.visible.max.x {
        let c = if (x / major).round() * major == x {
            v.pal.grid_major
        } else {
            v.pal.grid
        };
        let sx = v.s(Pos2::new(x, 0.0)).x;
        shapes.push(Shape::line_segment(
            [Pos2::new(sx, clip.min.y), Pos2::new(sx, clip.max.y)],
            Stroke::new(1.0, c),
        ));
        x += step;
    }
    let mut y = start_y;
    while y <= v.visible.max.y {
        let c = if (y / major).round() * major == y {
            v.pal.grid_major
        } else {
            v.pal.grid
        };
        let sy = v.s(Pos2::new(0.0, y)).y;
        shapes.push(Shape::line_segment(
            [Pos2::new(clip.min.x, sy), Pos2::new(clip.max.x, sy)],
            Stroke::new(1.0, c),
        ));
        y += step;
    }
    v.painter.extend(shapes);
}

fn problem_color(pal: &Palette, sev: Option<&Severity>) -> Option<Color32> {
    match sev {
        Some(Severity::Error) => Some(pal.error),
        Some(Severity::Warning) => Some(pal.warning),
        None => None,
    }
}

pub fn sites(v: &View<'_>, state: &EditorState, layout: &Layout, drop_site: Option<usize>) {
    let z = v.camera.zoom;
    for (i, site) in state.plan.sites.iter().enumerate() {
        let r = layout.sites[i];
        if !r.intersects(v.visible) {
            continue;
        }
        let sr = v.r(r);
        let color = v.pal.site(Some(&site.kind));
        let fill = color.gamma_multiply(if v.pal.dark { 0.10 } else { 0.07 });
        let selected = state.selection.contains(&Sel::Site(site.id.clone()));
        let highlighted = drop_site == Some(i);
        let stroke_w = if selected || highlighted { 2.5 } else { 1.2 };
        let mut stroke_c = color.gamma_multiply(if selected || highlighted { 1.0 } else { 0.7 });
        if let Some(c) = problem_color(&v.pal, state.problem_index.get(&Subject::Site(site.id.clone()))) {
            stroke_c = c;
        }
        let radius = CornerRadius::same((10.0 * z).clamp(0.0, 12.0) as u8);
        v.painter
            .rect(sr, radius, fill, Stroke::new(stroke_w, stroke_c), StrokeKind::Inside);
        let header = Rect::from_min_size(sr.min, Vec2::new(sr.width(), SITE_HEADER * z));
        v.painter.rect_filled(
            header,
            CornerRadius {
                nw: radius.nw,
                ne: radius.ne,
                sw: 0,
                se: 0,
            },
            color.gamma_multiply(if v.pal.dark { 0.28 } else { 0.18 }),
        );
        let font = (13.0 * z).max(10.5);
        if z >= DETAIL_ZOOM * 0.6 {
            let text = format!(
                "{}  {}  ·  {}",
                theme::site_icon(&site.kind),
                site.name,
                site_detail(&site.kind)
            );
            v.painter.with_clip_rect(header.intersect(v.painter.clip_rect())).text(
                header.left_center() + Vec2::new(10.0 * z, 0.0),
                Align2::LEFT_CENTER,
                text,
                FontId::proportional(font),
                v.pal.text,
            );
        }
        if layout.nodes.is_empty() || !state.plan.nodes.iter().any(|n| n.site == site.id) {
            let f = 12.0 * z;
            if f >= 6.0 {
                v.painter.text(
                    sr.center() + Vec2::new(0.0, SITE_HEADER * z * 0.5),
                    Align2::CENTER_CENTER,
                    "Drop nodes here",
                    FontId::proportional(f),
                    v.pal.text_weak,
                );
            }
        }
    }
}

fn site_detail(kind: &SiteKind) -> String {
    match kind {
        SiteKind::OnPrem(s) => format!("On-prem · PUE {:.2}", s.pue),
        SiteKind::Cloud(c) => format!("Cloud · {:?} {} · {:?}", c.provider, c.region, c.pricing),
        SiteKind::Edge(e) => format!("Edge · {} locations", e.locations),
    }
}

pub struct LinkStyle {
    pub hovered: Option<usize>,
    pub insert_target: Option<usize>,
}

pub fn links(v: &View<'_>, state: &EditorState, layout: &Layout, style: &LinkStyle) {
    let z = v.camera.zoom;
    let plan = &state.plan;
    // Count visible links first: many visible links means straight lines.
    let mut visible: Vec<(usize, Rect, Rect)> = Vec::with_capacity(plan.links.len());
    for (i, l) in plan.links.iter().enumerate() {
        let (Some(&a), Some(&b)) = (layout.node_index.get(&l.from), layout.node_index.get(&l.to)) else {
            continue;
        };
        let (ra, rb) = (layout.nodes[a], layout.nodes[b]);
        if !ra.union(rb).intersects(v.visible) {
            continue;
        }
        visible.push((i, ra, rb));
    }
    let curved = z >= DETAIL_ZOOM && visible.len() < 1500;
    if z < DETAIL_ZOOM {
        // Zoomed out: every link as a thin quad in one mesh (no per-line tessellation).
        let mut mesh = egui::epaint::Mesh::default();
        for (i, ra, rb) in visible {
            let l = &plan.links[i];
            let selected = state.selection.contains(&Sel::Link(l.id.clone()));
            let color = if selected {
                v.pal.accent
            } else {
                problem_color(&v.pal, state.problem_index.get(&Subject::Link(l.id.clone())))
                    .unwrap_or_else(|| link_color(v, l))
            };
            let c = link_curve(ra, rb);
            add_segment(&mut mesh, v.s(c[0]), v.s(c[3]), if selected { 2.0 } else { 1.0 }, color);
        }
        v.painter.add(Shape::mesh(mesh));
        return;
    }
    let mut shapes = Vec::with_capacity(visible.len() * 2);
    for (i, ra, rb) in visible {
        let l = &plan.links[i];
        let selected = state.selection.contains(&Sel::Link(l.id.clone()));
        let problem = problem_color(&v.pal, state.problem_index.get(&Subject::Link(l.id.clone())));
        let mut color = problem.unwrap_or_else(|| link_color(v, l));
        let mut width =
            (1.0 + ((l.connection_gbps().max(1.0).log10() - 1.0).max(0.0) * 0.6) as f32) * z.clamp(0.5, 1.5);
        if !curved {
            width = width.min(1.5);
        }
        if let Some(u) = v.overlay.and_then(|o| o.link(&l.id)) {
            width += (u as f32) * 3.0 * z.clamp(0.5, 1.5);
        }
        if v.overlay.is_some_and(|o| o.is_bottleneck_link(&l.id)) {
            shapes.push(link_shape(
                v,
                ra,
                rb,
                curved,
                Stroke::new(width + 8.0, overlay::heat_color(1.0).gamma_multiply(0.45)),
            ));
        }
        if style.hovered == Some(i) || style.insert_target == Some(i) {
            width += 1.5;
        }
        if selected {
            shapes.push(link_shape(
                v,
                ra,
                rb,
                curved,
                Stroke::new(width + 4.0, v.pal.accent.gamma_multiply(0.5)),
            ));
            color = if problem.is_some() { color } else { v.pal.accent };
        }
        shapes.push(link_shape(v, ra, rb, curved, Stroke::new(width, color)));
        if curved && z >= 0.7 {
            let c = link_curve(ra, rb);
            let mid = v.s(curve_points(&c, 2)[1]);
            let mut text = format!("{} · {}", l.medium.label(), gbps_label(l.connection_gbps()));
            if let Some(u) = v.overlay.and_then(|o| o.link(&l.id)) {
                text.push_str(&format!(" · {} busy", overlay::percent(u)));
            }
            let font = FontId::proportional(10.5 * z.min(1.3));
            let galley = v.painter.layout_no_wrap(text, font, v.pal.text_weak);
            if v.s(c[0]).distance(v.s(c[3])) < galley.size().x + 40.0 {
                continue;
            }
            let rect = Align2::CENTER_CENTER.anchor_size(mid, galley.size()).expand(3.0);
            shapes.push(Shape::rect_filled(rect, 4, v.pal.canvas_bg.gamma_multiply(0.9)));
            shapes.push(Shape::galley(rect.min + Vec2::splat(3.0), galley, v.pal.text_weak));
        }
    }
    v.painter.extend(shapes);
}

/// A link's colour: its medium, or how busy it was when results are shown
/// (unused links fade).
fn link_color(v: &View<'_>, l: &crate::model::Link) -> Color32 {
    match v.overlay {
        None => v.pal.medium(l.medium),
        Some(o) => match o.link(&l.id) {
            Some(u) => overlay::heat_color(u),
            None => v.pal.medium(l.medium).gamma_multiply(0.3),
        },
    }
}

fn add_segment(mesh: &mut egui::epaint::Mesh, a: Pos2, b: Pos2, width: f32, color: Color32) {
    let d = b - a;
    let len = d.length();
    if len < 0.5 {
        return;
    }
    let n = Vec2::new(-d.y, d.x) / len * (width / 2.0);
    let base = mesh.vertices.len() as u32;
    for p in [a + n, a - n, b - n, b + n] {
        mesh.colored_vertex(p, color);
    }
    mesh.add_triangle(base, base + 1, base + 2);
    mesh.add_triangle(base, base + 2, base + 3);
}

pub fn gbps_label(gbps: f64) -> String {
    if gbps >= 1000.0 {
        format!("{:.1} Tb/s", gbps / 1000.0)
    } else {
        format!("{gbps:.0} Gb/s")
    }
}

fn link_shape(v: &View<'_>, ra: Rect, rb: Rect, curved: bool, stroke: Stroke) -> Shape {
    let c = link_curve(ra, rb);
    if curved {
        let pts: Vec<Pos2> = curve_points(&c, 16).into_iter().map(|p| v.s(p)).collect();
        Shape::line(pts, stroke)
    } else {
        Shape::line_segment([v.s(c[0]), v.s(c[3])], stroke)
    }
}

/// Draw the wire being dragged from a port.
pub fn wire(v: &View<'_>, from: Rect, side: Side, to: Pos2, color: Color32) {
    let a = port_pos(from, side);
    let dx = ((to.x - a.x).abs() * 0.5).max(40.0);
    let sx = if side == Side::Right { 1.0 } else { -1.0 };
    let curve = [a, a + Vec2::new(dx * sx, 0.0), to - Vec2::new(dx * sx, 0.0), to];
    let pts: Vec<Pos2> = curve_points(&curve, 20).into_iter().map(|p| v.s(p)).collect();
    v.painter
        .add(Shape::dashed_line(&pts, Stroke::new(2.0, color), 8.0, 5.0));
    v.painter.circle_filled(v.s(to), 4.0, color);
}

pub fn nodes(v: &View<'_>, state: &EditorState, layout: &Layout, hovered: Option<usize>) {
    let z = v.camera.zoom;
    let plan = &state.plan;
    let site_kinds: HashMap<&crate::model::SiteId, &SiteKind> = plan.sites.iter().map(|s| (&s.id, &s.kind)).collect();
    let detailed = z >= DETAIL_ZOOM;
    let mut shapes = Vec::new();
    let mut mesh = egui::epaint::Mesh::default();
    for (i, n) in plan.nodes.iter().enumerate() {
        let r = layout.nodes[i];
        if !r.intersects(v.visible) {
            continue;
        }
        let sr = v.r(r);
        let site_color = v.pal.site(site_kinds.get(&n.site).copied());
        let selected = state.selection.contains(&Sel::Node(n.id.clone()));
        let problem = state.problem_index.get(&Subject::Node(n.id.clone()));
        let outline = if selected {
            Stroke::new(2.5, v.pal.accent)
        } else if let Some(c) = problem_color(&v.pal, problem) {
            Stroke::new(1.8, c)
        } else if hovered == Some(i) {
            Stroke::new(1.5, site_color)
        } else {
            Stroke::new(1.0, v.pal.card_stroke)
        };
        if !detailed {
            // Zoomed out: plain blocks in one mesh; a problem shows as a border.
            let fill = match v.overlay {
                _ if selected => v.pal.accent,
                Some(o) => o.node(&n.id).map(overlay::heat_color).unwrap_or(v.pal.card_stroke),
                None => site_color,
            };
            match problem_color(&v.pal, problem).filter(|_| !selected) {
                Some(c) => {
                    mesh.add_colored_rect(sr.expand(1.5), c);
                    mesh.add_colored_rect(sr.shrink(0.5), fill);
                }
                None => mesh.add_colored_rect(sr, fill),
            }
            continue;
        }
        draw_card(v, &mut shapes, state, i, sr, site_color, outline, problem);
    }
    if !mesh.is_empty() {
        v.painter.add(Shape::mesh(mesh));
    }
    v.painter.extend(shapes);
}

#[allow(clippy::too_many_arguments)]
fn draw_card(
    v: &View<'_>,
    shapes: &mut Vec<Shape>,
    state: &EditorState,
    i: usize,
    sr: Rect,
    site_color: Color32,
    outline: Stroke,
    problem: Option<&Severity>,
) {
    let z = v.camera.zoom;
    let n = &state.plan.nodes[i];
    let radius = CornerRadius::same((8.0 * z).clamp(1.0, 10.0) as u8);
    // Shadow, card, colour strip.
    shapes.push(Shape::rect_filled(
        sr.translate(Vec2::new(0.0, 2.0 * z)),
        radius,
        Color32::from_black_alpha(if v.pal.dark { 60 } else { 22 }),
    ));
    shapes.push(Shape::Rect(egui::epaint::RectShape::new(
        sr,
        radius,
        v.pal.card,
        outline,
        StrokeKind::Inside,
    )));
    let strip = Rect::from_min_size(sr.min, Vec2::new(6.0 * z, sr.height()));
    shapes.push(Shape::rect_filled(
        strip,
        CornerRadius {
            nw: radius.nw,
            sw: radius.sw,
            ne: 0,
            se: 0,
        },
        site_color,
    ));
    let pad = 12.0 * z;
    // Icon.
    let icon_c = sr.left_center() + Vec2::new(pad + 14.0 * z, 0.0);
    shapes.push(Shape::circle_filled(icon_c, 16.0 * z, site_color.gamma_multiply(0.18)));
    let g = v.painter.layout_no_wrap(
        theme::node_icon(n.kind).into(),
        FontId::proportional(17.0 * z),
        site_color,
    );
    shapes.push(Shape::galley(icon_c - g.size() / 2.0, g, site_color));
    // Texts.
    let text_x = sr.min.x + pad + 36.0 * z;
    let avail = sr.max.x - text_x - 8.0 * z;
    let name_font = FontId::proportional((14.0 * z).max(10.5));
    // Count badge first: the name gets exactly the room beside it.
    let badge = v.painter.layout_no_wrap(
        format!("×{}", n.count),
        FontId::monospace((11.0 * z).max(8.5)),
        if v.pal.dark { Color32::BLACK } else { Color32::WHITE },
    );
    let br = Rect::from_min_size(
        Pos2::new(sr.max.x - badge.size().x - 16.0 * z, sr.min.y + 8.0 * z),
        badge.size() + Vec2::new(8.0 * z, 4.0 * z),
    );
    // The name wraps onto a second line before it is cut with "…".
    let g = text_lines(
        v.painter,
        &n.name,
        name_font,
        v.pal.text,
        br.min.x - 6.0 * z - text_x,
        2,
    );
    let name_h = g.size().y;
    let name_y = if z >= 0.55 {
        sr.min.y + if name_h > 24.0 * z { 6.0 } else { 12.0 } * z
    } else {
        sr.center().y - name_h / 2.0
    };
    shapes.push(Shape::galley(Pos2::new(text_x, name_y), g, v.pal.text));
    let model = if n.model.is_empty() {
        n.kind.label().to_owned()
    } else {
        n.model.clone()
    };
    if z >= 0.55 {
        let font = FontId::proportional((11.5 * z).max(9.0));
        let g = one_line(v.painter, &model, font, v.pal.text_weak, avail);
        let y = (name_y + name_h + 2.0 * z).max(sr.min.y + 34.0 * z);
        if y + g.size().y <= sr.max.y - 4.0 * z {
            shapes.push(Shape::galley(Pos2::new(text_x, y), g, v.pal.text_weak));
        }
    }
    shapes.push(Shape::rect_filled(br, CornerRadius::same((8.0 * z) as u8), site_color));
    shapes.push(Shape::galley(
        br.min + Vec2::new(4.0 * z, 2.0 * z),
        badge,
        Color32::WHITE,
    ));
    // Utilization strip and bottleneck ring when results are shown.
    if let Some(o) = v.overlay {
        overlay::node_bar(shapes, v.painter, sr, z, o.node(&n.id));
        if o.is_bottleneck_node(&n.id) {
            overlay::bottleneck_ring(shapes, v.painter, sr, z, o.mark_label());
        }
    }
    // Problem marker.
    if let Some(sev) = problem {
        let (c, s) = match sev {
            Severity::Error => (v.pal.error, "⛔"),
            Severity::Warning => (v.pal.warning, "⚠"),
        };
        let g = v.painter.layout_no_wrap(s.into(), FontId::proportional(13.0 * z), c);
        shapes.push(Shape::galley(
            Pos2::new(sr.max.x - g.size().x - 8.0 * z, sr.max.y - g.size().y - 5.0 * z),
            g,
            c,
        ));
    }
    // Ports, coloured by role.
    let port_color = match n.kind.role() {
        crate::model::NodeRole::Compute | crate::model::NodeRole::Quantum => v.pal.accent,
        crate::model::NodeRole::Storage => v.pal.ok,
        crate::model::NodeRole::Network => v.pal.medium(crate::model::Medium::InfinibandNdr),
        crate::model::NodeRole::Source => v.pal.warning,
    };
    for p in [sr.left_center(), sr.right_center()] {
        shapes.push(Shape::Circle(egui::epaint::CircleShape {
            center: p,
            radius: 5.0 * z.min(1.4),
            fill: v.pal.card,
            stroke: Stroke::new(2.0, port_color),
        }));
    }
}

/// One line of text cut with "…" to fit `width` points.
fn one_line(painter: &Painter, text: &str, font: FontId, color: Color32, width: f32) -> std::sync::Arc<egui::Galley> {
    text_lines(painter, text, font, color, width, 1)
}

/// Text wrapped at word boundaries onto at most `rows` lines of `width`
/// points, the last cut with "…" if it still does not fit.
fn text_lines(
    painter: &Painter,
    text: &str,
    font: FontId,
    color: Color32,
    width: f32,
    rows: usize,
) -> std::sync::Arc<egui::Galley> {
    let mut job = egui::text::LayoutJob::simple(text.to_owned(), font, color, width.max(10.0));
    job.wrap = egui::text::TextWrapping {
        max_width: width.max(10.0),
        max_rows: rows,
        break_anywhere: rows == 1,
        overflow_character: Some('…'),
    };
    painter.layout_job(job)
}

pub fn band(v: &View<'_>, a: Pos2, b: Pos2) {
    let r = Rect::from_two_pos(v.s(a), v.s(b));
    v.painter.rect(
        r,
        0,
        v.pal.accent.gamma_multiply(0.12),
        Stroke::new(1.0, v.pal.accent),
        StrokeKind::Inside,
    );
}

/// The overview in the canvas corner: every node as a dot, the view as a frame.
pub fn minimap(
    painter: &Painter,
    rect: Rect,
    plan: &Plan,
    layout: &Layout,
    view: Rect,
    pal: &Palette,
) -> Option<(Rect, f32)> {
    let content = layout.bounds.union(view);
    if !content.is_positive() {
        return None;
    }
    painter.rect(
        rect,
        6,
        pal.card.gamma_multiply(0.92),
        Stroke::new(1.0, pal.card_stroke),
        StrokeKind::Inside,
    );
    let inner = rect.shrink(6.0);
    let scale = (inner.width() / content.width()).min(inner.height() / content.height());
    let off = inner.center() - content.center().to_vec2() * scale;
    let map = |p: Pos2| (p.to_vec2() * scale).to_pos2() + off.to_vec2();
    let site_kinds: HashMap<&crate::model::SiteId, &SiteKind> = plan.sites.iter().map(|s| (&s.id, &s.kind)).collect();
    let mut mesh = egui::epaint::Mesh::default();
    for (i, r) in layout.nodes.iter().enumerate() {
        let c = pal.site(site_kinds.get(&plan.nodes[i].site).copied());
        let mr = Rect::from_min_max(map(r.min), map(r.max));
        mesh.add_colored_rect(mr.expand(0.3), c);
    }
    painter.add(Shape::mesh(mesh));
    let vr = Rect::from_min_max(map(view.min), map(view.max)).intersect(rect);
    painter.rect_stroke(vr, 2, Stroke::new(1.5, pal.accent), StrokeKind::Inside);
    Some((content, scale))
}
