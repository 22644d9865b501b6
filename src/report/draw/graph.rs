//! The plan's graph: sites as containers, node groups as cards coloured by
//! the kind of site they live in, links as lines labelled with their medium.
//! Positions come from the plan's canvas, scaled to fit; a plan whose cards
//! all sit on top of each other (hand-written, no positions) is laid out in
//! columns by site instead.

use super::{Align, Canvas, Rect, Rgb, TextStyle, palette};
use crate::model::{Catalog, Medium, Node, NodeRole, Plan, SiteKind};
use std::collections::BTreeMap;

pub const CARD_W: i32 = 250;
pub const CARD_H: i32 = 92;
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

/// Colour of a link medium family.
pub fn medium_color(m: Medium) -> Rgb {
    if m == Medium::NvLink {
        Rgb::hex(0x4c9a2a)
    } else if m.is_infiniband() {
        Rgb::hex(0x7b3fa0)
    } else if m.is_ethernet() {
        Rgb::hex(0x138a9e)
    } else if m == Medium::Wan {
        Rgb::hex(0x8d6e63)
    } else {
        Rgb::hex(0x6c7a89)
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

/// Pixel rectangle of every node card, by node index.
pub fn layout(plan: &Plan, area: Rect) -> Vec<Rect> {
    let inner = Rect::new(
        area.x + SITE_PAD + 10,
        area.y + SITE_PAD + SITE_LABEL_H,
        area.w - 2 * (SITE_PAD + 10),
        area.h - 2 * SITE_PAD - SITE_LABEL_H - 10 - LEGEND_H,
    );
    let positions: Vec<(f32, f32)> = if positions_usable(plan) {
        plan.nodes.iter().map(|n| n.pos).collect()
    } else {
        auto_positions(plan)
    };
    if positions.is_empty() {
        return Vec::new();
    }
    let (mut x0, mut y0, mut x1, mut y1) = (f32::MAX, f32::MAX, f32::MIN, f32::MIN);
    for &(x, y) in &positions {
        x0 = x0.min(x);
        y0 = y0.min(y);
        x1 = x1.max(x);
        y1 = y1.max(y);
    }
    let span_x = (x1 - x0).max(1.0);
    let span_y = (y1 - y0).max(1.0);
    let avail_w = (inner.w - CARD_W).max(1) as f32;
    let avail_h = (inner.h - CARD_H).max(1) as f32;
    // One scale for both axes keeps the user's arrangement; a plan that is a
    // single row or column uses the free axis' scale alone.
    let sx = avail_w / span_x;
    let sy = avail_h / span_y;
    let scale = match (x1 - x0 > 0.5, y1 - y0 > 0.5) {
        (true, true) => sx.min(sy),
        (true, false) => sx,
        (false, true) => sy,
        (false, false) => 1.0,
    };
    let used_w = (x1 - x0) * scale + CARD_W as f32;
    let used_h = (y1 - y0) * scale + CARD_H as f32;
    let off_x = inner.x as f32 + (inner.w as f32 - used_w) / 2.0;
    let off_y = inner.y as f32 + (inner.h as f32 - used_h) / 2.0;
    positions
        .iter()
        .map(|&(x, y)| {
            Rect::new(
                (off_x + (x - x0) * scale).round() as i32,
                (off_y + (y - y0) * scale).round() as i32,
                CARD_W,
                CARD_H,
            )
        })
        .collect()
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
        NodeRole::Compute => 1,
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

/// Draw the graph inside `area`.
pub fn draw(canvas: &mut Canvas, plan: &Plan, catalog: &Catalog, area: Rect) {
    canvas.round_rect(area, 10.0, palette::PANEL, Some((palette::RULE, 1.5)));
    if plan.nodes.is_empty() {
        super::charts::empty(canvas, area.inset(30), "The plan has no nodes yet");
        return;
    }
    let cards = layout(plan, area);

    // Site containers first, so cards and links sit on top.
    let site_label = TextStyle::new(19.0, palette::INK).bold();
    let site_sub = TextStyle::new(16.0, palette::MUTED);
    for site in &plan.sites {
        let members: Vec<Rect> = plan
            .nodes
            .iter()
            .zip(&cards)
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
        let r = [0.5f32, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8, 0.12, 0.88]
            .iter()
            .map(|&t| at(t))
            .find(free)
            .unwrap_or_else(|| at(0.5));
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
        SiteKind::Cloud(c) => format!("Cloud · {:?} {} · {:?}", c.provider, c.region, c.pricing),
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
    let name = TextStyle::new(19.0, palette::INK).bold();
    let small = TextStyle::new(16.0, palette::MUTED);
    let count = format!("×{}", node.count);
    let count_style = TextStyle::new(19.0, color.shade(0.2)).bold();
    let cw = canvas.text_width(&count, &count_style).ceil() as i32;
    canvas.text(r.right() - 12, r.y + 10, &count, &count_style, Align::Right);
    let title = canvas.ellipsize(&node.name, &name, (r.w - 36 - cw) as f32);
    canvas.text(r.x + 18, r.y + 10, &title, &name, Align::Left);
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
    let lh = canvas.line_height(&small) as i32;
    let kind = canvas.ellipsize(node.kind.label(), &small, (r.w - 30) as f32);
    canvas.text(r.x + 18, r.y + 40, &kind, &small, Align::Left);
    if !model.is_empty() {
        let model = canvas.ellipsize(&model, &small.color(palette::INK), (r.w - 30) as f32);
        canvas.text(r.x + 18, r.y + 40 + lh, &model, &small.color(palette::INK), Align::Left);
    }
}

/// Site-kind and medium legend in the bottom-left corner.
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
    let style = TextStyle::new(16.0, palette::INK);
    let lh = canvas.line_height(&style) as i32;
    let total: i32 = items
        .iter()
        .map(|(l, _)| 22 + canvas.text_width(l, &style).ceil() as i32 + 22)
        .sum();
    let r = Rect::new(area.right() - total - 24, area.bottom() - lh - 22, total + 12, lh + 12);
    canvas.round_rect(r, 6.0, palette::WHITE.tint(0.0), Some((palette::RULE, 1.0)));
    super::charts::legend(canvas, Rect::new(r.x + 10, r.y + 6, total + 10, lh), &items);
}
