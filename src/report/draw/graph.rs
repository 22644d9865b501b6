//! The plan's graph: sites as containers, node groups as cards coloured by
//! the kind of site they live in, links as lines labelled with their medium.
//! Positions come from the plan's canvas, scaled to fit; a plan whose cards
//! all sit on top of each other (hand-written, no positions) is laid out in
//! columns by site instead.

use super::{Align, Canvas, Rect, Rgb, TextStyle, palette};
use crate::model::{Catalog, Medium, Node, NodeRole, Plan, SiteKind};
use std::collections::BTreeMap;

const SITE_PAD: i32 = 22;
const SITE_LABEL_H: i32 = 38;
/// Room kept free at the bottom for the legend.
const LEGEND_H: i32 = 50;

/// Colour of a site kind (on-prem blue, cloud orange, edge green).
pub fn site_color(kind: &SiteKind) -> Rgb {
    match kind {
        SiteKind::OnPrem(_) => palette::ONPREM,
        SiteKind::Cloud(_) => palette::CLOUD,
        SiteKind::Edge(_) => palette::EDGE,
    }
}

/// Colour of a link medium: a hue per family, darker for faster variants.
pub fn medium_color(m: Medium) -> Rgb {
    match m {
        Medium::NvLink => Rgb::hex(0x4c9a2a),
        Medium::Pcie4 => Rgb::hex(0x8a96a6),
        Medium::Pcie5 => Rgb::hex(0x5d6a7a),
        Medium::InfinibandHdr => Rgb::hex(0xb07cc6),
        Medium::InfinibandNdr => Rgb::hex(0x7b3fa0),
        Medium::InfinibandXdr => Rgb::hex(0x4a1f66),
        Medium::Ethernet100 => Rgb::hex(0x35b3c6),
        Medium::Ethernet200 => Rgb::hex(0x138a9e),
        Medium::Ethernet400 => Rgb::hex(0x0b6475),
        Medium::Ethernet800 => Rgb::hex(0x06404b),
        Medium::Wan => Rgb::hex(0x8d6e63),
    }
}

/// Short label of a medium for the small link tags.
fn medium_short(m: Medium) -> &'static str {
    match m {
        Medium::NvLink => "NVLink",
        Medium::Pcie4 => "PCIe 4",
        Medium::Pcie5 => "PCIe 5",
        Medium::InfinibandHdr => "IB HDR",
        Medium::InfinibandNdr => "IB NDR",
        Medium::InfinibandXdr => "IB XDR",
        Medium::Ethernet100 => "100 GbE",
        Medium::Ethernet200 => "200 GbE",
        Medium::Ethernet400 => "400 GbE",
        Medium::Ethernet800 => "800 GbE",
        Medium::Wan => "WAN",
    }
}

/// Size of a node card on the editor's canvas, in canvas units (the GUI's
/// `NODE_SIZE`); positions are the cards' top-left corners.
const CANVAS_CARD: (f32, f32) = (200.0, 68.0);
/// Pixel height of a card: name, kind and model lines.
pub const CARD_H: i32 = 122;
const MIN_CARD_W: i32 = 170;
const MAX_CARD_W: i32 = 270;
/// Free space between neighbouring cards, pixels.
const MIN_GAP_X: i32 = 26;
const MIN_GAP_Y: i32 = 64;

/// Where the cards go and how tall the drawing is.
#[derive(Clone, Debug, PartialEq)]
pub struct GraphLayout {
    /// Pixel rectangle of every node card, by node index.
    pub cards: Vec<Rect>,
    /// Height of the whole drawing (region) in pixels.
    pub height: i32,
}

/// Lay the plan's cards out in a region `width` wide at (`x`, `y`), at most
/// `max_height` tall. The editor's arrangement is kept: one scale for both
/// axes, except that rows (and columns) too close for a readable card are
/// spread apart.
pub fn layout(plan: &Plan, x: i32, y: i32, width: i32, max_height: i32) -> GraphLayout {
    let pad_x = SITE_PAD + 16;
    let top = SITE_PAD + SITE_LABEL_H + 16;
    let bottom = SITE_PAD + 16 + LEGEND_H;
    let inner_w = (width - 2 * pad_x).max(MIN_CARD_W);
    let positions: Vec<(f32, f32)> = if positions_usable(plan) {
        plan.nodes.iter().map(|n| n.pos).collect()
    } else {
        auto_positions(plan)
    };
    if positions.is_empty() {
        return GraphLayout {
            cards: Vec::new(),
            height: 300,
        };
    }
    let (mut x0, mut y0, mut x1, mut y1) = (f32::MAX, f32::MAX, f32::MIN, f32::MIN);
    for &(px, py) in &positions {
        x0 = x0.min(px);
        y0 = y0.min(py);
        x1 = x1.max(px);
        y1 = y1.max(py);
    }
    let (dx, dy) = (x1 - x0, y1 - y0);
    // Scale that fits the canvas width (cards included), capped so a small
    // plan is not blown up.
    let s0 = (inner_w as f32 / (dx + CANVAS_CARD.0)).min(1.25);
    let mut card_w = ((CANVAS_CARD.0 * s0) as i32).clamp(MIN_CARD_W, MAX_CARD_W);
    let sx = if dx > 0.5 {
        ((inner_w - card_w) as f32 / dx).min(1.25)
    } else {
        1.0
    };
    // Cards in neighbouring columns must not touch: narrow them if needed.
    if let Some(step) = min_step(positions.iter().map(|p| p.0)) {
        card_w = card_w.min((step * sx) as i32 - MIN_GAP_X).max(MIN_CARD_W);
    }
    // Rows: same scale as columns, spread apart when too close.
    let mut sy = sx;
    if let Some(step) = min_step(positions.iter().map(|p| p.1)) {
        sy = sy.max((CARD_H + MIN_GAP_Y) as f32 / step);
    }
    let avail_h = (max_height - top - bottom - CARD_H).max(0) as f32;
    if dy > 0.5 && dy * sy > avail_h {
        sy = avail_h / dy;
    }
    let used_w = if dx > 0.5 { dx * sx } else { 0.0 } + card_w as f32;
    let off_x = x as f32 + pad_x as f32 + ((inner_w as f32 - used_w) / 2.0).max(0.0);
    let off_y = (y + top) as f32;
    let cards = positions
        .iter()
        .map(|&(px, py)| {
            Rect::new(
                (off_x + (px - x0) * sx).round() as i32,
                (off_y + (py - y0) * sy).round() as i32,
                card_w,
                CARD_H,
            )
        })
        .collect();
    GraphLayout {
        cards,
        height: top + (dy * sy).round() as i32 + CARD_H + bottom,
    }
}

/// Smallest distance between distinct values (a row or column pitch).
fn min_step(values: impl Iterator<Item = f32>) -> Option<f32> {
    let mut v: Vec<f32> = values.collect();
    v.sort_by(f32::total_cmp);
    v.windows(2).map(|w| w[1] - w[0]).filter(|d| *d > 1.0).reduce(f32::min)
}

/// Canvas positions are usable when no two cards share a position.
fn positions_usable(plan: &Plan) -> bool {
    let mut seen: Vec<(f32, f32)> = Vec::new();
    for n in &plan.nodes {
        if seen
            .iter()
            .any(|p| (p.0 - n.pos.0).abs() < 1.0 && (p.1 - n.pos.1).abs() < 1.0)
        {
            return false;
        }
        seen.push(n.pos);
    }
    true
}

/// Sites side by side; inside a site, one column per role (sources, compute,
/// network, storage).
fn auto_positions(plan: &Plan) -> Vec<(f32, f32)> {
    let role_col = |n: &Node| match n.kind.role() {
        NodeRole::Source => 0,
        NodeRole::Compute | NodeRole::Quantum => 1,
        NodeRole::Network => 2,
        NodeRole::Storage => 3,
    };
    let mut site_order: Vec<&str> = plan.sites.iter().map(|s| s.id.as_str()).collect();
    for n in &plan.nodes {
        if !site_order.contains(&n.site.as_str()) {
            site_order.push(n.site.as_str());
        }
    }
    // Columns used per site, to place sites next to each other.
    let mut cols_of: BTreeMap<&str, Vec<i32>> = BTreeMap::new();
    for n in &plan.nodes {
        let cols = cols_of.entry(n.site.as_str()).or_default();
        if !cols.contains(&role_col(n)) {
            cols.push(role_col(n));
        }
    }
    let mut site_x: BTreeMap<&str, f32> = BTreeMap::new();
    let mut x = 0.0;
    for s in &site_order {
        site_x.insert(s, x);
        let n_cols = cols_of.get(s).map(|c| c.len()).unwrap_or(0) as f32;
        x += n_cols * 320.0 + 120.0;
    }
    let mut rows: BTreeMap<(&str, i32), f32> = BTreeMap::new();
    plan.nodes
        .iter()
        .map(|n| {
            let mut cols = cols_of.get(n.site.as_str()).cloned().unwrap_or_default();
            cols.sort_unstable();
            let col = cols.iter().position(|c| *c == role_col(n)).unwrap_or(0) as f32;
            let row = rows.entry((n.site.as_str(), role_col(n))).or_insert(0.0);
            let pos = (
                site_x.get(n.site.as_str()).copied().unwrap_or(0.0) + col * 320.0,
                *row * 150.0,
            );
            *row += 1.0;
            pos
        })
        .collect()
}

/// Draw the graph inside `area` with the cards where `layout` put them.
pub fn draw(canvas: &mut Canvas, plan: &Plan, catalog: &Catalog, area: Rect, layout: &GraphLayout) {
    canvas.round_rect(area, 10.0, palette::PANEL, Some((palette::RULE, 1.5)));
    if plan.nodes.is_empty() || layout.cards.len() != plan.nodes.len() {
        super::charts::empty(canvas, area.inset(30), "The plan has no nodes yet");
        return;
    }
    let cards = &layout.cards;

    // Site containers first, so cards and links sit on top.
    let site_label = TextStyle::new(19.0, palette::INK).bold();
    let site_sub = TextStyle::new(16.0, palette::MUTED);
    for site in &plan.sites {
        let members: Vec<Rect> = plan
            .nodes
            .iter()
            .zip(cards)
            .filter(|(n, _)| n.site == site.id)
            .map(|(_, r)| *r)
            .collect();
        if members.is_empty() {
            continue;
        }
        let x0 = members.iter().map(|r| r.x).min().unwrap_or(0) - SITE_PAD;
        let y0 = members.iter().map(|r| r.y).min().unwrap_or(0) - SITE_PAD - SITE_LABEL_H;
        let x1 = members.iter().map(|r| r.right()).max().unwrap_or(0) + SITE_PAD;
        let y1 = members.iter().map(|r| r.bottom()).max().unwrap_or(0) + SITE_PAD;
        let color = site_color(&site.kind);
        let r = Rect::new(x0, y0, x1 - x0, y1 - y0);
        canvas.round_rect(r, 14.0, color.tint(0.93), Some((color.tint(0.35), 2.0)));
        let w = canvas.text(r.x + 16, r.y + 9, &site.name, &site_label, Align::Left);
        let detail = site_detail(&site.kind);
        let room = (r.w - w - 44) as f32;
        if room > 60.0 {
            let detail = canvas.ellipsize(&detail, &site_sub, room);
            canvas.text(r.x + 16 + w + 12, r.y + 11, &detail, &site_sub, Align::Left);
        }
    }

    // Links: centre to centre (the cards cover the ends), labels later.
    let index: BTreeMap<&str, usize> = plan.nodes.iter().enumerate().map(|(i, n)| (n.id.as_str(), i)).collect();
    let mut labels = Vec::new();
    for link in &plan.links {
        let (Some(&a), Some(&b)) = (index.get(link.from.as_str()), index.get(link.to.as_str())) else {
            continue;
        };
        let (pa, pb) = (cards[a].center(), cards[b].center());
        let color = medium_color(link.medium);
        if link.medium == Medium::Wan {
            canvas.dashed_line(pa, pb, color, 3, 14);
        } else {
            canvas.line(pa, pb, color, 3);
        }
        let text = format!("{} · {}×{:.0}G", medium_short(link.medium), link.lanes, link.lane_gbps);
        labels.push((pa, pb, a, b, text, color));
    }

    for (i, node) in plan.nodes.iter().enumerate() {
        let color = plan
            .site(&node.site)
            .map(|s| site_color(&s.kind))
            .unwrap_or(palette::FAINT);
        card(canvas, node, catalog, cards[i], color);
    }

    let tag = TextStyle::new(16.0, palette::INK);
    let mut placed: Vec<Rect> = Vec::new();
    for (pa, pb, a, b, text, color) in labels {
        let w = canvas.text_width(&text, &tag).ceil() as i32 + 18;
        let h = canvas.line_height(&tag) as i32 + 8;
        let (ea, eb) = visible_segment(pa, pb, &cards[a], &cards[b]);
        let at = |t: f32| {
            let x = (ea.0 + (eb.0 - ea.0) * t).round() as i32;
            let y = (ea.1 + (eb.1 - ea.1) * t).round() as i32;
            Rect::new(x - w / 2, y - h / 2, w, h)
        };
        // The middle of the visible part of the link, or the nearest spot
        // along it that covers no card and no other label.
        let free = |r: &Rect| !cards.iter().chain(placed.iter()).any(|c| overlaps(r, c, 4));
        const SPOTS: [f32; 9] = [0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8, 0.12, 0.88];
        let Some(r) = SPOTS.iter().map(|&t| at(t)).find(free) else {
            // No free spot: the line's colour and the legend name the medium.
            continue;
        };
        placed.push(r);
        canvas.round_rect(r, 6.0, palette::WHITE, Some((color, 1.5)));
        canvas.text(r.x + r.w / 2, r.y + 4, &text, &tag, Align::Center);
    }

    legend(canvas, plan, area);
}

fn overlaps(a: &Rect, b: &Rect, margin: i32) -> bool {
    a.x < b.right() + margin && b.x < a.right() + margin && a.y < b.bottom() + margin && b.y < a.bottom() + margin
}

/// The visible part of a link: from the border of one card to the other's.
fn visible_segment(a: (i32, i32), b: (i32, i32), ra: &Rect, rb: &Rect) -> ((f32, f32), (f32, f32)) {
    let exit = |from: (i32, i32), to: (i32, i32), r: &Rect| -> (f32, f32) {
        let (dx, dy) = ((to.0 - from.0) as f32, (to.1 - from.1) as f32);
        let tx = if dx.abs() > 0.0 {
            (r.w as f32 / 2.0) / dx.abs()
        } else {
            f32::MAX
        };
        let ty = if dy.abs() > 0.0 {
            (r.h as f32 / 2.0) / dy.abs()
        } else {
            f32::MAX
        };
        let t = tx.min(ty).min(1.0);
        (from.0 as f32 + dx * t, from.1 as f32 + dy * t)
    };
    (exit(a, b, ra), exit(b, a, rb))
}

fn site_detail(kind: &SiteKind) -> String {
    match kind {
        SiteKind::OnPrem(s) => format!("On-prem · PUE {:.2} · ${:.2}/kWh", s.pue, s.power_usd_per_kwh),
        SiteKind::Cloud(c) => format!(
            "Cloud · {} {} · {}",
            crate::report::png_report::provider_label(c.provider),
            c.region,
            crate::report::png_report::pricing_label(c.pricing)
        ),
        SiteKind::Edge(e) => format!("Edge · {} locations", e.locations),
    }
}

fn card(canvas: &mut Canvas, node: &Node, catalog: &Catalog, r: Rect, color: Rgb) {
    canvas.round_rect(
        Rect::new(r.x + 3, r.y + 4, r.w, r.h),
        10.0,
        palette::RULE.shade(0.08),
        None,
    );
    canvas.round_rect(r, 10.0, palette::WHITE, Some((color, 2.0)));
    canvas.fill_rect(Rect::new(r.x + 2, r.y + 12, 7, r.h - 24), color);
    let name = TextStyle::new(18.0, palette::INK).bold();
    let small = TextStyle::new(16.0, palette::MUTED);
    let count = format!("×{}", node.count);
    let count_style = TextStyle::new(18.0, color.shade(0.2)).bold();
    let cw = canvas.text_width(&count, &count_style).ceil() as i32;
    canvas.text(r.right() - 12, r.y + 10, &count, &count_style, Align::Right);
    let mut y = r.y + 10;
    let name_lh = canvas.line_height(&name) as i32 - 2;
    for line in two_lines(canvas, &node.name, &name, (r.w - 36 - cw) as f32) {
        canvas.text(r.x + 18, y, &line, &name, Align::Left);
        y += name_lh;
    }
    y += 4;
    let model = if node.model.is_empty() {
        String::new()
    } else {
        catalog
            .entry(&node.model)
            .map(|e| match e {
                crate::model::catalog::Entry::System(s) => s.name.clone(),
                crate::model::catalog::Entry::Storage(s) => s.name.clone(),
                crate::model::catalog::Entry::Switch(s) => s.name.clone(),
                crate::model::catalog::Entry::Device(d) => d.name.clone(),
            })
            .unwrap_or_else(|| format!("{} (not in catalog)", node.model))
    };
    let lh = canvas.line_height(&small) as i32 - 1;
    let kind = canvas.ellipsize(node.kind.label(), &small, (r.w - 30) as f32);
    canvas.text(r.x + 18, y, &kind, &small, Align::Left);
    y += lh;
    let ink = small.color(palette::INK);
    for line in two_lines(canvas, &model, &ink, (r.w - 30) as f32) {
        if y + lh > r.bottom() - 4 {
            break;
        }
        canvas.text(r.x + 18, y, &line, &ink, Align::Left);
        y += lh;
    }
}

/// `text` wrapped onto at most two lines, the second cut with an ellipsis.
fn two_lines(canvas: &Canvas, text: &str, style: &TextStyle, max_w: f32) -> Vec<String> {
    if text.is_empty() {
        return Vec::new();
    }
    let lines = canvas.wrap(text, style, max_w);
    if lines.len() <= 2 {
        return lines;
    }
    let rest = lines[1..].join(" ");
    vec![lines[0].clone(), canvas.ellipsize(&rest, style, max_w)]
}

/// Site-kind and medium legend in the bottom-right corner.
fn legend(canvas: &mut Canvas, plan: &Plan, area: Rect) {
    let mut items: Vec<(String, Rgb)> = Vec::new();
    for s in &plan.sites {
        let label = s.kind.label().to_owned();
        if !items.iter().any(|(l, _)| *l == label) {
            items.push((label, site_color(&s.kind)));
        }
    }
    let mut media: Vec<Medium> = plan.links.iter().map(|l| l.medium).collect();
    media.sort_unstable();
    media.dedup();
    for m in media {
        items.push((m.label().to_owned(), medium_color(m)));
    }
    let (w, h) = super::charts::legend_size(canvas, &items, area.w - 40);
    let r = Rect::new(area.right() - w - 34, area.bottom() - h - 26, w + 20, h + 12);
    canvas.round_rect(r, 6.0, palette::WHITE, Some((palette::RULE, 1.0)));
    super::charts::legend(canvas, Rect::new(r.x + 10, r.y + 6, w, h), &items);
}
