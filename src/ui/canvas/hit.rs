//! Geometry and hit-testing of the canvas, in canvas units. One pass over
//! plain rectangles: no widget per node.

use crate::model::{Plan, SiteId};
use crate::ui::state::{NODE_SIZE, node_rect};
use egui::{Pos2, Rect, Vec2};
use std::collections::HashMap;

/// Padding of a site container around its nodes, and its header height.
pub const SITE_PAD: f32 = 24.0;
pub const SITE_HEADER: f32 = 30.0;
/// Size of the box drawn for a site without nodes.
pub const EMPTY_SITE: Vec2 = Vec2::new(240.0, 110.0);

/// Geometry of one frame: node rectangles (drag offsets applied) and site boxes.
pub struct Layout {
    pub nodes: Vec<Rect>,
    /// Site rectangles in plan order; `None` for sites that are not drawn.
    pub sites: Vec<Rect>,
    pub node_index: HashMap<crate::model::NodeId, usize>,
    pub bounds: Rect,
}

impl Layout {
    pub fn new(plan: &Plan, moved: &[bool], delta: Vec2) -> Layout {
        let mut nodes = Vec::with_capacity(plan.nodes.len());
        let mut node_index = HashMap::with_capacity(plan.nodes.len());
        let site_index: HashMap<&SiteId, usize> = plan.sites.iter().enumerate().map(|(i, s)| (&s.id, i)).collect();
        let mut sites = vec![Rect::NOTHING; plan.sites.len()];
        let mut bounds = Rect::NOTHING;
        for (i, n) in plan.nodes.iter().enumerate() {
            let mut r = node_rect(n.pos);
            if moved.get(i).copied().unwrap_or(false) {
                r = r.translate(delta);
            }
            bounds = bounds.union(r);
            if let Some(&s) = site_index.get(&n.site) {
                sites[s] = sites[s].union(r);
            }
            nodes.push(r);
            node_index.insert(n.id.clone(), i);
        }
        let base = if bounds.is_positive() {
            bounds
        } else {
            Rect::from_min_size(Pos2::ZERO, NODE_SIZE)
        };
        let mut empty_i = 0.0;
        for s in sites.iter_mut() {
            if s.is_positive() {
                *s = Rect::from_min_max(
                    s.min - Vec2::new(SITE_PAD, SITE_PAD + SITE_HEADER),
                    s.max + Vec2::splat(SITE_PAD),
                );
            } else {
                let min = Pos2::new(
                    base.min.x + empty_i * (EMPTY_SITE.x + 40.0),
                    base.max.y + SITE_PAD + SITE_HEADER + 60.0,
                );
                *s = Rect::from_min_size(min, EMPTY_SITE);
                empty_i += 1.0;
            }
            bounds = bounds.union(*s);
        }
        Layout {
            nodes,
            sites,
            node_index,
            bounds,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    Left,
    Right,
}

/// What is under a canvas point.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hit {
    Port(usize, Side),
    Node(usize),
    Link(usize),
    SiteHeader(usize),
    Empty,
}

pub fn port_pos(r: Rect, side: Side) -> Pos2 {
    match side {
        Side::Left => r.left_center(),
        Side::Right => r.right_center(),
    }
}

/// End points and bezier control points of a link between two cards.
pub fn link_curve(a: Rect, b: Rect) -> [Pos2; 4] {
    let (pa, pb) = if b.center().x >= a.center().x {
        (port_pos(a, Side::Right), port_pos(b, Side::Left))
    } else {
        (port_pos(a, Side::Left), port_pos(b, Side::Right))
    };
    let dx = ((pb.x - pa.x).abs() * 0.5).max(40.0);
    let sx = if pb.x >= pa.x { 1.0 } else { -1.0 };
    [pa, pa + Vec2::new(dx * sx, 0.0), pb - Vec2::new(dx * sx, 0.0), pb]
}

fn bezier_at(p: &[Pos2; 4], t: f32) -> Pos2 {
    let u = 1.0 - t;
    let v = p[0].to_vec2() * (u * u * u)
        + p[1].to_vec2() * (3.0 * u * u * t)
        + p[2].to_vec2() * (3.0 * u * t * t)
        + p[3].to_vec2() * (t * t * t);
    v.to_pos2()
}

fn dist_to_segment(p: Pos2, a: Pos2, b: Pos2) -> f32 {
    let ab = b - a;
    let len2 = ab.length_sq();
    if len2 <= f32::EPSILON {
        return p.distance(a);
    }
    let t = ((p - a).dot(ab) / len2).clamp(0.0, 1.0);
    p.distance(a + ab * t)
}

/// Distance from `p` to the drawn link (curve sampled in 12 segments).
pub fn dist_to_link(p: Pos2, curve: &[Pos2; 4]) -> f32 {
    let mut prev = curve[0];
    let mut best = f32::INFINITY;
    for i in 1..=12 {
        let q = bezier_at(curve, i as f32 / 12.0);
        best = best.min(dist_to_segment(p, prev, q));
        prev = q;
    }
    best
}

/// Points along the curve, for drawing as a polyline.
pub fn curve_points(curve: &[Pos2; 4], segments: usize) -> Vec<Pos2> {
    (0..=segments)
        .map(|i| bezier_at(curve, i as f32 / segments as f32))
        .collect()
}

/// Hit-test a canvas point. `tolerance` is in canvas units (a few screen points).
pub fn hit_test(plan: &Plan, layout: &Layout, p: Pos2, tolerance: f32, ports: bool) -> Hit {
    if ports {
        for (i, r) in layout.nodes.iter().enumerate().rev() {
            if !r.expand(tolerance * 2.0).contains(p) {
                continue;
            }
            for side in [Side::Left, Side::Right] {
                if port_pos(*r, side).distance(p) <= tolerance * 1.6 {
                    return Hit::Port(i, side);
                }
            }
        }
    }
    for (i, r) in layout.nodes.iter().enumerate().rev() {
        if r.contains(p) {
            return Hit::Node(i);
        }
    }
    let mut best: Option<(usize, f32)> = None;
    for (i, l) in plan.links.iter().enumerate() {
        let (Some(&a), Some(&b)) = (layout.node_index.get(&l.from), layout.node_index.get(&l.to)) else {
            continue;
        };
        let (ra, rb) = (layout.nodes[a], layout.nodes[b]);
        if !ra.union(rb).expand(tolerance + 60.0).contains(p) {
            continue;
        }
        let d = dist_to_link(p, &link_curve(ra, rb));
        if d <= tolerance && best.is_none_or(|(_, bd)| d < bd) {
            best = Some((i, d));
        }
    }
    if let Some((i, _)) = best {
        return Hit::Link(i);
    }
    for (i, r) in layout.sites.iter().enumerate().rev() {
        let header = Rect::from_min_size(r.min, Vec2::new(r.width(), SITE_HEADER));
        if header.contains(p) {
            return Hit::SiteHeader(i);
        }
    }
    Hit::Empty
}

/// The site whose box contains `p` (innermost = smallest).
pub fn site_at(layout: &Layout, p: Pos2) -> Option<usize> {
    layout
        .sites
        .iter()
        .enumerate()
        .filter(|(_, r)| r.contains(p))
        .min_by(|a, b| a.1.area().total_cmp(&b.1.area()))
        .map(|(i, _)| i)
}
