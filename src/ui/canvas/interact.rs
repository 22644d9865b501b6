//! Canvas input: selection, moves, wiring, panning, zooming, drops from the
//! palette, context menus and the canvas popups. Produces [`Edit`]s; the
//! plan changes only when a gesture ends.

use super::hit::{self, Hit, Layout, site_at};
use super::{Canvas, Drag, MediumChoice, QuickAdd, draw};
use crate::model::edit::Edit;
use crate::model::{Medium, Node, NodeKind, SiteId};
use crate::ui::commands::{self, SiteTemplate, UiCommand, candidate_media, new_link, new_node, new_stage};
use crate::ui::palette::PaletteItem;
use crate::ui::state::{EditorState, NODE_SIZE, Sel, snap};
use crate::ui::theme::{self, Palette};
use egui::{Key, PointerButton, Pos2, Rect, Vec2};

/// What the painter needs to know about the gesture in progress.
#[derive(Default)]
pub struct FrameInfo {
    pub drop_site: Option<usize>,
    pub insert_target: Option<usize>,
    pub wire_target: Option<usize>,
}

pub fn handle(
    ui: &egui::Ui,
    response: &egui::Response,
    state: &mut EditorState,
    canvas: &mut Canvas,
    layout: &Layout,
    edits: &mut Vec<Edit>,
    over_minimap: bool,
) -> FrameInfo {
    let mut info = FrameInfo::default();
    let origin = state.canvas_rect.min;
    let zoom = state.camera.zoom;
    let tolerance = 6.0 / zoom;
    let ports = zoom >= draw::DETAIL_ZOOM;
    let pointer = ui.input(|i| i.pointer.hover_pos().or(i.pointer.latest_pos()));
    let shift = ui.input(|i| i.modifiers.shift || i.modifiers.command);
    let pointer_canvas = pointer.map(|p| state.camera.to_canvas(origin, p));

    canvas.hovered = match pointer_canvas {
        Some(p) if response.contains_pointer() && !over_minimap => {
            hit::hit_test(&state.plan, layout, p, tolerance, ports)
        }
        _ => Hit::Empty,
    };
    if matches!(canvas.hovered, Hit::Port(..)) {
        ui.ctx().set_cursor_icon(egui::CursorIcon::Crosshair);
    }

    if ui.input(|i| i.key_pressed(Key::Escape)) {
        canvas.drag = None;
        canvas.armed = None;
        canvas.medium_choice = None;
        canvas.quick_add = None;
    }

    // Zoom at the cursor (wheel or pinch), horizontal scroll pans.
    if response.contains_pointer()
        && !over_minimap
        && let Some(p) = pointer
    {
        let (scroll, zoom_delta) = ui.input(|i| (i.smooth_scroll_delta, i.zoom_delta()));
        let factor = zoom_delta * (scroll.y / 300.0).exp();
        if (factor - 1.0).abs() > 1e-4 {
            state.camera.zoom_at(origin, p, factor);
        }
        if scroll.x != 0.0 {
            state.camera.offset.x -= scroll.x / state.camera.zoom;
        }
    }

    // Palette items dropped on the canvas.
    if let Some(p) = pointer_canvas {
        if response.dnd_hover_payload::<PaletteItem>().is_some() {
            let static_layout = Layout::new(&state.plan, &[], Vec2::ZERO);
            info.drop_site = site_at(&static_layout, p);
        }
        if let Some(item) = response.dnd_release_payload::<PaletteItem>() {
            let hit = hit::hit_test(&state.plan, layout, p, tolerance, false);
            if let Some(edit) = place_item(state, &item, p, hit) {
                edits.push(edit);
            }
        }
    }

    // Drag start.
    if response.drag_started() && !over_minimap {
        canvas.medium_choice = None;
        canvas.quick_add = None;
        let press = ui.input(|i| i.pointer.press_origin()).or(pointer);
        let middle = response.dragged_by(PointerButton::Middle);
        if let Some(press) = press {
            let p = state.camera.to_canvas(origin, press);
            canvas.drag = if middle {
                Some(Drag::Pan)
            } else {
                start_drag(
                    state,
                    layout,
                    hit::hit_test(&state.plan, layout, p, tolerance, ports),
                    p,
                    shift,
                )
            };
        }
    }

    // Drag update.
    if response.dragged() {
        let d = response.drag_delta() / state.camera.zoom;
        match &mut canvas.drag {
            Some(Drag::Nodes { delta, .. }) => *delta += d,
            Some(Drag::Pan) => state.camera.offset -= d,
            Some(Drag::Band { end, .. }) => {
                if let Some(p) = pointer_canvas {
                    *end = p;
                }
            }
            Some(Drag::Wire { to, .. }) => {
                if let Some(p) = pointer_canvas {
                    *to = p;
                }
            }
            None => {}
        }
    }

    // Feedback while dragging.
    match &canvas.drag {
        Some(Drag::Wire { from, .. }) => {
            let from = *from;
            let target = pointer_canvas.and_then(|p| match hit::hit_test(&state.plan, layout, p, tolerance, ports) {
                Hit::Node(j) | Hit::Port(j, _) if j != from => Some(j),
                _ => None,
            });
            info.wire_target = target;
            match target {
                Some(j) => {
                    if canvas.wire_verdict.as_ref().map(|v| v.0) != Some(j) {
                        let verdict = candidate_media(
                            &state.plan,
                            &state.catalog,
                            &state.plan.nodes[from],
                            &state.plan.nodes[j],
                        );
                        canvas.wire_verdict = Some((j, verdict));
                    }
                }
                None => canvas.wire_verdict = None,
            }
        }
        Some(Drag::Nodes { ids, grab, .. }) => {
            if let Some(p) = pointer_canvas {
                let static_layout = Layout::new(&state.plan, &[], Vec2::ZERO);
                let grab_site = state.plan.node(grab).map(|n| n.site.clone());
                info.drop_site =
                    site_at(&static_layout, p).filter(|&s| Some(&state.plan.sites[s].id) != grab_site.as_ref());
                if ids.len() == 1 {
                    info.insert_target = insert_target(state, layout, p, tolerance, &ids[0]);
                }
            }
        }
        _ => {}
    }

    // Drag end.
    if response.drag_stopped() {
        if let Some(drag) = canvas.drag.take() {
            finish_drag(
                ui,
                state,
                canvas,
                layout,
                drag,
                pointer,
                pointer_canvas,
                tolerance,
                shift,
                edits,
            );
        }
        canvas.wire_verdict = None;
    }

    // Clicks.
    if response.clicked_by(PointerButton::Primary) && !over_minimap {
        canvas.medium_choice = None;
        canvas.quick_add = None;
        if let Some(p) = pointer_canvas {
            if let Some(item) = canvas.armed.clone() {
                let hit = hit::hit_test(&state.plan, layout, p, tolerance, false);
                if let Some(edit) = place_item(state, &item, p, hit) {
                    edits.push(edit);
                }
                if !shift {
                    canvas.armed = None;
                }
            } else {
                let hit = hit::hit_test(&state.plan, layout, p, tolerance, ports);
                match sel_of(state, hit) {
                    Some(sel) if shift => state.toggle(sel),
                    Some(sel) => state.select_only(sel),
                    None if !shift => state.selection.clear(),
                    None => {}
                }
            }
        }
    }
    if response.secondary_clicked()
        && let Some(p) = pointer_canvas
    {
        canvas.context_pos = p;
        canvas.context_hit = hit::hit_test(&state.plan, layout, p, tolerance, false);
        if let Some(sel) = sel_of(state, canvas.context_hit)
            && !state.selection.contains(&sel)
        {
            state.select_only(sel);
        }
    }
    info
}

fn sel_of(state: &EditorState, hit: Hit) -> Option<Sel> {
    match hit {
        Hit::Node(i) | Hit::Port(i, _) => Some(Sel::Node(state.plan.nodes[i].id.clone())),
        Hit::Link(i) => Some(Sel::Link(state.plan.links[i].id.clone())),
        Hit::SiteHeader(i) => Some(Sel::Site(state.plan.sites[i].id.clone())),
        Hit::Empty => None,
    }
}

fn start_drag(state: &mut EditorState, _layout: &Layout, hit: Hit, p: Pos2, shift: bool) -> Option<Drag> {
    let moving = |state: &EditorState, grab: crate::model::NodeId| {
        let ids = state.selected_nodes();
        let moved = state.plan.nodes.iter().map(|n| ids.contains(&n.id)).collect();
        Drag::Nodes {
            ids,
            moved,
            grab,
            delta: Vec2::ZERO,
        }
    };
    match hit {
        Hit::Port(i, side) => Some(Drag::Wire { from: i, side, to: p }),
        Hit::Node(i) => {
            let id = state.plan.nodes[i].id.clone();
            let sel = Sel::Node(id.clone());
            if !state.selection.contains(&sel) {
                if shift {
                    state.selection.insert(sel);
                } else {
                    state.select_only(sel);
                }
            }
            Some(moving(state, id))
        }
        Hit::SiteHeader(s) => {
            let site = state.plan.sites[s].id.clone();
            state.selection = state
                .plan
                .nodes
                .iter()
                .filter(|n| n.site == site)
                .map(|n| Sel::Node(n.id.clone()))
                .collect();
            let grab = state.plan.nodes.iter().find(|n| n.site == site)?.id.clone();
            let d = moving(state, grab);
            state.selection.insert(Sel::Site(site));
            Some(d)
        }
        Hit::Link(_) | Hit::Empty => Some(if shift {
            Drag::Band { start: p, end: p }
        } else {
            Drag::Pan
        }),
    }
}

fn insert_target(
    state: &EditorState,
    layout: &Layout,
    p: Pos2,
    tolerance: f32,
    node: &crate::model::NodeId,
) -> Option<usize> {
    if state.plan.links_of(node).next().is_some() {
        return None;
    }
    let mut best = None;
    let mut best_d = tolerance * 2.0;
    for (i, l) in state.plan.links.iter().enumerate() {
        if &l.from == node || &l.to == node {
            continue;
        }
        let (Some(&a), Some(&b)) = (layout.node_index.get(&l.from), layout.node_index.get(&l.to)) else {
            continue;
        };
        let d = hit::dist_to_link(p, &hit::link_curve(layout.nodes[a], layout.nodes[b]));
        if d < best_d {
            best_d = d;
            best = Some(i);
        }
    }
    best
}

#[allow(clippy::too_many_arguments)]
fn finish_drag(
    ui: &egui::Ui,
    state: &mut EditorState,
    canvas: &mut Canvas,
    layout: &Layout,
    drag: Drag,
    pointer: Option<Pos2>,
    pointer_canvas: Option<Pos2>,
    tolerance: f32,
    shift: bool,
    edits: &mut Vec<Edit>,
) {
    let ports = state.camera.zoom >= draw::DETAIL_ZOOM;
    match drag {
        Drag::Nodes { ids, grab, delta, .. } => {
            let Some(g) = state.plan.node(&grab) else { return };
            let (gx, gy) = g.pos;
            let (mut tx, mut ty) = (gx + delta.x, gy + delta.y);
            if state.snap_to_grid {
                tx = snap(tx);
                ty = snap(ty);
            }
            let d = (tx - gx, ty - gy);
            let static_layout = Layout::new(&state.plan, &[], Vec2::ZERO);
            let to_site: Option<SiteId> = pointer_canvas
                .and_then(|p| site_at(&static_layout, p))
                .map(|s| state.plan.sites[s].id.clone())
                .filter(|s| s != &g.site);
            let mut batch = Vec::new();
            if d != (0.0, 0.0) || to_site.is_some() {
                batch.push(Edit::Move {
                    ids: ids.clone(),
                    delta: d,
                    to_site: to_site.clone(),
                });
            }
            if ids.len() == 1
                && let Some(p) = pointer_canvas
                && let Some(li) = insert_target(state, layout, p, tolerance, &ids[0])
            {
                match insert_on_link(state, li, &ids[0], to_site) {
                    Ok(edit) => batch.push(edit),
                    Err(why) => canvas.say(ui.ctx(), format!("Cannot insert into the link: {why}")),
                }
            }
            match batch.len() {
                0 => {}
                1 => edits.extend(batch),
                _ => edits.push(Edit::Batch(batch)),
            }
        }
        Drag::Wire { from, .. } => {
            let Some(p) = pointer_canvas else { return };
            let target = match hit::hit_test(&state.plan, layout, p, tolerance, ports) {
                Hit::Node(j) | Hit::Port(j, _) => Some(j),
                _ => None,
            };
            let a = state.plan.nodes[from].clone();
            match target {
                Some(j) if j == from => {}
                Some(j) => {
                    let b = state.plan.nodes[j].clone();
                    match candidate_media(&state.plan, &state.catalog, &a, &b) {
                        Err(why) => canvas.say(ui.ctx(), format!("Cannot connect {} to {}: {why}", a.name, b.name)),
                        Ok(media) if media.len() == 1 => {
                            edits.push(Edit::AddLink(new_link(&state.plan, &a.id, &b.id, media[0])));
                        }
                        Ok(media) => {
                            canvas.medium_choice = Some(MediumChoice {
                                from: a.id,
                                to: b.id,
                                media,
                                screen_pos: pointer.unwrap_or_default(),
                            });
                        }
                    }
                }
                None => {
                    let kinds = quick_add_kinds(state, &a);
                    if kinds.is_empty() {
                        canvas.say(ui.ctx(), format!("Nothing can connect to {}", a.name));
                    } else {
                        canvas.quick_add = Some(QuickAdd {
                            from: a.id,
                            canvas_pos: p,
                            screen_pos: pointer.unwrap_or_default(),
                            kinds,
                        });
                    }
                }
            }
        }
        Drag::Band { start, end } => {
            let band = Rect::from_two_pos(start, end);
            if !shift {
                state.selection.clear();
            }
            for (i, r) in layout.nodes.iter().enumerate() {
                if band.intersects(*r) {
                    state.selection.insert(Sel::Node(state.plan.nodes[i].id.clone()));
                }
            }
        }
        Drag::Pan => {}
    }
}

fn insert_on_link(
    state: &EditorState,
    link_index: usize,
    node: &crate::model::NodeId,
    to_site: Option<SiteId>,
) -> Result<Edit, String> {
    let link = &state.plan.links[link_index];
    let mut n = state.plan.node(node).ok_or("node is gone")?.clone();
    if let Some(s) = to_site {
        n.site = s;
    }
    let a = state.plan.node(&link.from).ok_or("link end is gone")?;
    let b = state.plan.node(&link.to).ok_or("link end is gone")?;
    let pick = |x: &Node, y: &Node| -> Result<Medium, String> {
        let media = candidate_media(&state.plan, &state.catalog, x, y)?;
        Ok(if media.contains(&link.medium) {
            link.medium
        } else {
            media[0]
        })
    };
    let m1 = pick(a, &n)?;
    let m2 = pick(&n, b)?;
    let mut first = new_link(&state.plan, &a.id, &n.id, m1);
    let mut second = new_link(&state.plan, &n.id, &b.id, m2);
    if second.id == first.id {
        second.id.0.push_str("-b");
    }
    for l in [&mut first, &mut second] {
        l.lanes = link.lanes;
        l.pattern = link.pattern;
        if l.medium == link.medium {
            l.lane_gbps = link.lane_gbps;
        }
    }
    Ok(Edit::InsertNodeOnLink {
        link: link.id.clone(),
        first,
        second,
    })
}

/// Node kinds that can connect to `from`, with a catalog model and the medium.
fn quick_add_kinds(state: &EditorState, from: &Node) -> Vec<(NodeKind, String, Medium)> {
    let mut out = Vec::new();
    for kind in NodeKind::ALL {
        let model = crate::ui::palette::first_model(&state.catalog, kind).unwrap_or_default();
        let probe = Node {
            id: "quick-add-probe".into(),
            name: kind.label().into(),
            kind,
            model: model.clone(),
            count: 1,
            site: from.site.clone(),
            pos: (0.0, 0.0),
            capacity_tb: None,
            cache_hit_ratio: None,
        };
        if let Ok(media) = candidate_media(&state.plan, &state.catalog, from, &probe) {
            out.push((kind, model, media[0]));
        }
    }
    out
}

/// The edit that places a palette item at canvas point `p`.
pub fn place_item(state: &EditorState, item: &PaletteItem, p: Pos2, hit: Hit) -> Option<Edit> {
    let plan = &state.plan;
    match item {
        PaletteItem::Node { kind, model } => {
            let static_layout = Layout::new(plan, &[], Vec2::ZERO);
            let site = site_at(&static_layout, p)
                .map(|s| plan.sites[s].id.clone())
                .or_else(|| {
                    state
                        .selected_nodes()
                        .first()
                        .and_then(|id| plan.node(id))
                        .map(|n| n.site.clone())
                })
                .or_else(|| plan.sites.first().map(|s| s.id.clone()));
            let (site, new_site) = match site {
                Some(s) => (s, None),
                None => {
                    let s = SiteTemplate::OnPrem.new_site(plan);
                    (s.id.clone(), Some(s))
                }
            };
            let pos = p - NODE_SIZE / 2.0;
            let node = new_node(plan, &state.catalog, *kind, model, (pos.x, pos.y), site);
            Some(Edit::AddNode { node, new_site })
        }
        PaletteItem::Site(t) => Some(Edit::AddSite(t.new_site(plan))),
        PaletteItem::Stage(t) => {
            let placement = match hit {
                Hit::Node(i) | Hit::Port(i, _) => vec![plan.nodes[i].id.clone()],
                _ => state.selected_nodes(),
            };
            Some(Edit::AddStage(new_stage(plan, &state.catalog, *t, placement)))
        }
    }
}

#[allow(clippy::too_many_arguments)]
pub fn minimap_ui(
    ui: &mut egui::Ui,
    painter: &egui::Painter,
    rect: Rect,
    state: &mut EditorState,
    _canvas: &mut Canvas,
    layout: &Layout,
    visible: Rect,
    pal: &Palette,
) {
    let response = ui.interact(rect, ui.scope_id().with("minimap"), egui::Sense::click_and_drag());
    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Group, true, "Minimap"));
    let Some((content, scale)) = draw::minimap(painter, rect, &state.plan, layout, visible, pal) else {
        return;
    };
    if (response.clicked() || response.dragged())
        && let Some(p) = response.interact_pointer_pos()
    {
        let inner = rect.shrink(6.0);
        let target = content.center() + (p - inner.center()) / scale;
        let size = state.canvas_rect.size() / state.camera.zoom;
        state.camera.offset = target.to_vec2() - size / 2.0;
    }
}

/// Context menus of nodes, links, sites and empty canvas.
pub fn context_menu(
    response: &egui::Response,
    state: &mut EditorState,
    canvas: &mut Canvas,
    edits: &mut Vec<Edit>,
    commands: &mut Vec<UiCommand>,
) {
    let hit = canvas.context_hit;
    let pos = canvas.context_pos;
    response.context_menu(|ui| {
        let mut cmd = |ui: &mut egui::Ui, c: UiCommand| commands::command_button(ui, c, true, commands);
        match hit {
            Hit::Node(_) | Hit::Port(..) => {
                cmd(ui, UiCommand::Copy);
                cmd(ui, UiCommand::Duplicate);
                cmd(ui, UiCommand::Delete);
                if state.selected_nodes().len() > 1 {
                    ui.menu_button("Arrange", |ui| {
                        for c in UiCommand::ARRANGE {
                            cmd(ui, *c);
                        }
                    });
                }
            }
            Hit::Link(i) => {
                let link = state.plan.links[i].clone();
                let ends = (state.plan.node(&link.from).cloned(), state.plan.node(&link.to).cloned());
                if let (Some(a), Some(b)) = ends {
                    let mut probe = state.plan.clone();
                    probe.links.retain(|l| l.id != link.id);
                    if let Ok(media) = candidate_media(&probe, &state.catalog, &a, &b) {
                        ui.menu_button("Medium", |ui| {
                            for m in media {
                                if ui.radio(link.medium == m, m.label()).clicked() {
                                    let mut l = link.clone();
                                    l.medium = m;
                                    l.lane_gbps = m.default_lane_gbps();
                                    l.latency_us = m.default_latency_us();
                                    edits.push(Edit::SetLinks(vec![l]));
                                    ui.close();
                                }
                            }
                        });
                    }
                }
                cmd(ui, UiCommand::Delete);
            }
            Hit::SiteHeader(s) => {
                let site = state.plan.sites[s].id.clone();
                if ui.button("Select its nodes").clicked() {
                    state.selection = state
                        .plan
                        .nodes
                        .iter()
                        .filter(|n| n.site == site)
                        .map(|n| Sel::Node(n.id.clone()))
                        .collect();
                    ui.close();
                }
                if ui
                    .button("Delete site and its nodes")
                    .on_hover_text("Removes the site, every node in it and their links")
                    .clicked()
                {
                    edits.push(Edit::Delete(vec![Sel::Site(site)]));
                    ui.close();
                }
            }
            Hit::Empty => {
                cmd(ui, UiCommand::Paste);
                ui.menu_button("Add node here", |ui| {
                    for kind in NodeKind::ALL {
                        let model = crate::ui::palette::first_model(&state.catalog, kind).unwrap_or_default();
                        if ui
                            .button(format!("{}  {}", theme::node_icon(kind), kind.label()))
                            .clicked()
                        {
                            let item = PaletteItem::Node { kind, model };
                            if let Some(e) = place_item(state, &item, pos, Hit::Empty) {
                                edits.push(e);
                            }
                            ui.close();
                        }
                    }
                });
                ui.menu_button("Add site", |ui| {
                    for t in SiteTemplate::ALL {
                        if ui.button(t.label()).clicked() {
                            edits.push(Edit::AddSite(t.new_site(&state.plan)));
                            ui.close();
                        }
                    }
                });
                ui.separator();
                cmd(ui, UiCommand::SelectAll);
                cmd(ui, UiCommand::FitView);
            }
        }
    });
}

/// The medium picker and the quick-add menu.
pub fn popups_ui(ui: &mut egui::Ui, state: &EditorState, canvas: &mut Canvas, edits: &mut Vec<Edit>) {
    let ctx = ui.ctx().clone();
    if let Some(choice) = canvas.medium_choice.clone() {
        let mut close = false;
        egui::Area::new(egui::Id::unique("medium_choice"))
            .fixed_pos(choice.screen_pos + Vec2::new(8.0, 8.0))
            .order(egui::Order::Foreground)
            .show(&ctx, |ui| {
                egui::Frame::popup(ui.style()).show(ui, |ui| {
                    ui.strong("Connect with");
                    for m in &choice.media {
                        let text = format!("{}  ·  {}", m.label(), draw::gbps_label(m.default_lane_gbps()));
                        if ui
                            .button(text)
                            .on_hover_text(format!("Create a {} link", m.label()))
                            .clicked()
                        {
                            edits.push(Edit::AddLink(new_link(&state.plan, &choice.from, &choice.to, *m)));
                            close = true;
                        }
                    }
                    ui.separator();
                    if ui.button("Cancel").clicked() {
                        close = true;
                    }
                });
            });
        if close {
            canvas.medium_choice = None;
        }
    }
    if let Some(q) = canvas.quick_add.clone() {
        let mut close = false;
        egui::Area::new(egui::Id::unique("quick_add"))
            .fixed_pos(q.screen_pos + Vec2::new(8.0, 8.0))
            .order(egui::Order::Foreground)
            .show(&ctx, |ui| {
                egui::Frame::popup(ui.style()).show(ui, |ui| {
                    ui.strong("Add and connect");
                    for (kind, model, medium) in &q.kinds {
                        let label = format!("{}  {}", theme::node_icon(*kind), kind.label());
                        if ui
                            .button(label)
                            .on_hover_text(format!("New {} linked over {}", kind.label(), medium.label()))
                            .clicked()
                        {
                            let Some(from) = state.plan.node(&q.from) else {
                                close = true;
                                return;
                            };
                            let pos = q.canvas_pos - Vec2::new(0.0, NODE_SIZE.y / 2.0);
                            let node = new_node(
                                &state.plan,
                                &state.catalog,
                                *kind,
                                model,
                                (pos.x, pos.y),
                                from.site.clone(),
                            );
                            let mut probe = state.plan.clone();
                            probe.nodes.push(node.clone());
                            let link = new_link(&probe, &q.from, &node.id, *medium);
                            edits.push(Edit::AddNodeWithLink { node, link });
                            close = true;
                        }
                    }
                    ui.separator();
                    if ui.button("Cancel").clicked() {
                        close = true;
                    }
                });
            });
        if close {
            canvas.quick_add = None;
        }
    }
}
