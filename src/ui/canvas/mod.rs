//! The canvas: sites, node cards and links drawn with one painter, with our
//! own hit-testing. `canvas_ui` allocates the area, handles input
//! (interact.rs), paints (draw.rs) and shows the canvas popups.

pub mod draw;
pub mod hit;
pub mod interact;
pub mod overlay;

use crate::model::edit::Edit;
use crate::model::{Medium, NodeId, NodeKind};
use crate::ui::commands::UiCommand;
use crate::ui::palette::PaletteItem;
use crate::ui::state::EditorState;
use crate::ui::theme::Palette;
use egui::{Pos2, Rect, Vec2};
use hit::Side;

/// A drag in progress. Nothing reaches the plan until it ends: a whole
/// drag is one edit.
#[derive(Clone, Debug, PartialEq)]
pub enum Drag {
    Nodes {
        ids: Vec<NodeId>,
        moved: Vec<bool>,
        grab: NodeId,
        delta: Vec2,
    },
    Wire {
        from: usize,
        side: Side,
        to: Pos2,
    },
    Pan,
    Band {
        start: Pos2,
        end: Pos2,
    },
}

/// Several media fit a new link: the user picks one.
#[derive(Clone, Debug, PartialEq)]
pub struct MediumChoice {
    pub from: NodeId,
    pub to: NodeId,
    pub media: Vec<Medium>,
    pub screen_pos: Pos2,
}

/// A wire dropped on empty canvas: offer the nodes that can connect there.
#[derive(Clone, Debug, PartialEq)]
pub struct QuickAdd {
    pub from: NodeId,
    pub canvas_pos: Pos2,
    pub screen_pos: Pos2,
    pub kinds: Vec<(NodeKind, String, Medium)>,
}

/// View state of the canvas (not saved in the plan).
pub struct Canvas {
    pub drag: Option<Drag>,
    pub medium_choice: Option<MediumChoice>,
    pub quick_add: Option<QuickAdd>,
    /// A message shown at the bottom of the canvas (refused link, paste error).
    pub toast: Option<(String, f64)>,
    /// Palette item waiting for a click on the canvas (click-to-place).
    pub armed: Option<PaletteItem>,
    pub show_minimap: bool,
    /// Paint results (utilization, bottleneck) over the plan when there are any.
    pub show_overlay: bool,
    pub hovered: hit::Hit,
    /// Last verdict for the wire target under the pointer (target, media or reason).
    wire_verdict: Option<(usize, Result<Vec<Medium>, String>)>,
    context_hit: hit::Hit,
    context_pos: Pos2,
}

impl Default for Canvas {
    fn default() -> Self {
        Self {
            drag: None,
            medium_choice: None,
            quick_add: None,
            toast: None,
            armed: None,
            show_minimap: true,
            show_overlay: true,
            hovered: hit::Hit::Empty,
            wire_verdict: None,
            context_hit: hit::Hit::Empty,
            context_pos: Pos2::ZERO,
        }
    }
}

impl Canvas {
    pub fn say(&mut self, ctx: &egui::Context, message: impl Into<String>) {
        let now = ctx.input(|i| i.time);
        self.toast = Some((message.into(), now + 4.0));
        ctx.request_repaint_after(std::time::Duration::from_secs(4));
    }
}

/// The canvas panel. Edits go to `edits`, commands (context menu) to
/// `commands`; `results` is painted over the plan when the overlay is on.
pub fn canvas_ui(
    ui: &mut egui::Ui,
    state: &mut EditorState,
    canvas: &mut Canvas,
    pal: &Palette,
    results: Option<&overlay::Overlay>,
    edits: &mut Vec<Edit>,
    commands: &mut Vec<UiCommand>,
) {
    let results = results.filter(|_| canvas.show_overlay);
    let rect = ui.available_rect_before_wrap();
    let response = ui.allocate_rect(rect, egui::Sense::click_and_drag());
    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Canvas, true, "Canvas: drag to pan, wheel to zoom"));
    // A resize refits while the user has not moved the view themselves.
    let resized = (state.canvas_rect.size() - rect.size()).length() > 2.0;
    state.canvas_rect = rect;
    if (state.fit_pending || resized && !state.camera_touched) && rect.width() > 10.0 {
        state.fit_view();
        state.fit_pending = false;
    }
    let camera_before = state.camera;
    let painter = ui.painter_at(rect);

    // Input first (so this frame draws the result), then paint.
    let (moved, delta) = match &canvas.drag {
        Some(Drag::Nodes { moved, delta, .. }) => (moved.clone(), *delta),
        _ => (Vec::new(), Vec2::ZERO),
    };
    let layout = hit::Layout::new(&state.plan, &moved, delta);
    // The minimap keeps to about a fifth of a short canvas (a tall results
    // dock) so it does not hide the plan.
    let minimap_scale = (rect.height() / 5.0 / 130.0).clamp(0.5, 1.0);
    let minimap_size = Vec2::new(200.0, 130.0) * minimap_scale;
    let minimap_rect = Rect::from_min_size(rect.max - minimap_size - Vec2::splat(12.0), minimap_size);
    let over_minimap = canvas.show_minimap
        && ui
            .input(|i| i.pointer.hover_pos())
            .is_some_and(|p| minimap_rect.contains(p));
    let info = interact::handle(ui, &response, state, canvas, &layout, edits, over_minimap);

    // Re-layout if the drag changed this frame.
    let (moved, delta) = match &canvas.drag {
        Some(Drag::Nodes { moved, delta, .. }) => (moved.clone(), *delta),
        _ => (Vec::new(), Vec2::ZERO),
    };
    let layout = hit::Layout::new(&state.plan, &moved, delta);
    let origin = rect.min;
    let camera = state.camera;
    let visible = Rect::from_min_max(camera.to_canvas(origin, rect.min), camera.to_canvas(origin, rect.max));
    let view = draw::View {
        painter: &painter,
        origin,
        camera,
        visible,
        pal: *pal,
        overlay: results,
    };
    draw::grid(&view);
    draw::sites(&view, state, &layout, info.drop_site);
    let hovered_link = match canvas.hovered {
        hit::Hit::Link(i) => Some(i),
        _ => None,
    };
    draw::links(
        &view,
        state,
        &layout,
        &draw::LinkStyle {
            hovered: hovered_link,
            insert_target: info.insert_target,
        },
    );
    let hovered_node = match canvas.hovered {
        hit::Hit::Node(i) | hit::Hit::Port(i, _) => Some(i),
        _ => None,
    };
    draw::nodes(&view, state, &layout, hovered_node.or(info.wire_target));
    match &canvas.drag {
        Some(Drag::Wire { from, side, to }) => {
            let color = match &canvas.wire_verdict {
                Some((_, Ok(_))) => pal.ok,
                Some((_, Err(_))) => pal.error,
                None => pal.accent,
            };
            if let Some(r) = layout.nodes.get(*from) {
                draw::wire(&view, *r, *side, *to, color);
            }
            if let Some((_, verdict)) = &canvas.wire_verdict {
                let text = match verdict {
                    Ok(m) if m.len() == 1 => format!("Connect with {}", m[0].label()),
                    Ok(m) => format!("Connect: {} media fit", m.len()),
                    Err(why) => format!("Cannot connect: {why}"),
                };
                let p = camera.to_screen(origin, *to) + Vec2::new(14.0, 14.0);
                let g = painter.layout_no_wrap(text, egui::FontId::proportional(13.0), pal.text);
                let r = Rect::from_min_size(p, g.size()).expand(5.0);
                painter.rect(r, 4, pal.card, egui::Stroke::new(1.0, color), egui::StrokeKind::Inside);
                painter.galley(p, g, pal.text);
            }
        }
        Some(Drag::Band { start, end }) => draw::band(&view, *start, *end),
        _ => {}
    }
    let legend = results.map(|o| overlay::legend(&painter, rect, o, pal).max - rect.min + Vec2::splat(8.0));
    if canvas.show_minimap {
        interact::minimap_ui(ui, &painter, minimap_rect, state, canvas, &layout, visible, pal);
    }
    // Wheel, drag or minimap moved the view this frame: a resize keeps it.
    if state.camera != camera_before {
        state.camera_touched = true;
    }
    let minimap = canvas
        .show_minimap
        .then(|| rect.max - minimap_rect.min + Vec2::splat(8.0));
    let boxes = (legend.unwrap_or(Vec2::ZERO), minimap.unwrap_or(Vec2::ZERO));
    // The legend appeared (results came in) or the minimap was toggled:
    // refit next frame so neither covers the plan, unless the user moved it.
    let (a, b) = state.corner_boxes;
    if ((boxes.0 - a).length() > 2.0 || (boxes.1 - b).length() > 2.0) && !state.camera_touched {
        state.fit_pending = true;
        ui.ctx().request_repaint();
    }
    state.corner_boxes = boxes;
    hint_and_toast_ui(ui, &painter, rect, state, canvas, pal);
    interact::context_menu(&response, state, canvas, edits, commands);
    interact::popups_ui(ui, state, canvas, edits);
}

fn hint_and_toast_ui(
    ui: &egui::Ui,
    painter: &egui::Painter,
    rect: Rect,
    state: &EditorState,
    canvas: &mut Canvas,
    pal: &Palette,
) {
    let now = ui.input(|i| i.time);
    let message = match &canvas.toast {
        Some((text, until)) if *until > now => Some(text.clone()),
        _ => {
            canvas.toast = None;
            None
        }
    };
    let message = message.or_else(|| {
        canvas
            .armed
            .as_ref()
            .map(|a| format!("Click on the canvas to place {} (Esc cancels)", a.label()))
    });
    let message =
        message.or_else(|| {
            state.plan.nodes.is_empty().then(|| {
                "Drag hardware from the palette onto the canvas, or open a preset (File › Presets…)".to_owned()
            })
        });
    if let Some(text) = message {
        let g = painter.layout_no_wrap(text, egui::FontId::proportional(14.0), pal.text);
        let p = Pos2::new(rect.center().x - g.size().x / 2.0, rect.max.y - g.size().y - 24.0);
        let r = Rect::from_min_size(p, g.size()).expand(8.0);
        painter.rect(
            r,
            6,
            pal.card,
            egui::Stroke::new(1.0, pal.card_stroke),
            egui::StrokeKind::Inside,
        );
        painter.galley(p, g, pal.text);
    }
}
