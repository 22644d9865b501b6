//! The short tour: four callouts over the real window, each next to the
//! panel it describes (rects from the frame), with Back / Next / Done.
//! Esc ends it; Help › Tour reopens it. Right arrow or Enter is Next,
//! left arrow is Back.

use egui::{Align2, Pos2, Rect, Vec2};

/// Where the panels were drawn this frame (the tour anchors to them).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PanelRects {
    pub palette: Rect,
    pub canvas: Rect,
    pub inspector: Rect,
    pub dock: Rect,
}

impl Default for PanelRects {
    fn default() -> Self {
        Self {
            palette: Rect::NOTHING,
            canvas: Rect::NOTHING,
            inspector: Rect::NOTHING,
            dock: Rect::NOTHING,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    Palette,
    Canvas,
    Inspector,
    Dock,
}

pub struct TourStep {
    pub target: Target,
    pub title: &'static str,
    pub text: &'static str,
}

pub const STEPS: &[TourStep] = &[
    TourStep {
        target: Target::Palette,
        title: "Drag hardware onto the canvas",
        text: "The palette holds GPU, TPU and CPU servers, switches, storage, request sources and sites. \
               Drag an item onto the canvas, or click it and then click the canvas. \
               Search narrows the list",
    },
    TourStep {
        target: Target::Canvas,
        title: "Connect and arrange",
        text: "Drag from a port (the dots on a card's sides) to another card to link them; \
               ClusterForge offers the media that fit. Drag empty space to pan, turn the wheel to zoom, \
               Shift+drag to select several nodes, right-click for more",
    },
    TourStep {
        target: Target::Inspector,
        title: "Edit what you select",
        text: "The inspector shows every field of the selected node, link, site or stage; with nothing \
               selected, the plan and its simulation settings. Each change is one undo step (Ctrl+Z)",
    },
    TourStep {
        target: Target::Dock,
        title: "Run, read the results, export a report",
        text: "In the Results tab, ▶ Run simulates the plan: time, throughput, latency, utilization and \
               cost appear here, and re-run after each edit. Export report… writes a PNG report next to \
               the plan. The Problems tab lists what must be fixed first",
    },
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TourAction {
    Back,
    Next,
    Done,
}

const CALLOUT_WIDTH: f32 = 340.0;
const GAP: f32 = 16.0;

/// Draws step `step` of the tour anchored to `rects`. Returns what the user pressed.
pub fn tour_ui(ctx: &egui::Context, step: usize, rects: &PanelRects) -> Option<TourAction> {
    let s = STEPS.get(step)?;
    let target = match s.target {
        Target::Palette => rects.palette,
        Target::Canvas => rects.canvas,
        Target::Inspector => rects.inspector,
        Target::Dock => rects.dock,
    };
    let (anchor, pivot, arrow) = placement(s.target, target, rects.canvas.left());
    let accent = ctx.global_style().visuals.selection.stroke.color;

    // Outline the panel the callout talks about, on top of everything.
    let painter = ctx.layer_painter(egui::LayerId::new(
        egui::Order::Foreground,
        egui::Id::unique("tour_outline"),
    ));
    painter.rect_stroke(
        target.shrink(2.0),
        6.0,
        egui::Stroke::new(3.0, accent),
        egui::StrokeKind::Inside,
    );

    let mut action = if ctx.text_edit_focused() {
        None
    } else {
        ctx.input(|i| {
            if i.key_pressed(egui::Key::ArrowLeft) {
                Some(TourAction::Back)
            } else if i.key_pressed(egui::Key::ArrowRight) || i.key_pressed(egui::Key::Enter) {
                Some(if step + 1 == STEPS.len() {
                    TourAction::Done
                } else {
                    TourAction::Next
                })
            } else {
                None
            }
        })
    };
    let area = egui::Area::new(egui::Id::unique("tour_callout"))
        .order(egui::Order::Foreground)
        .pivot(pivot)
        .fixed_pos(anchor)
        .interactable(true)
        .show(ctx, |ui| {
            egui::Frame::popup(ui.style())
                .stroke(egui::Stroke::new(2.0, accent))
                .inner_margin(12.0)
                .show(ui, |ui| {
                    ui.set_width(CALLOUT_WIDTH);
                    ui.horizontal(|ui| {
                        ui.weak(format!("Tour {} of {}", step + 1, STEPS.len()))
                            .on_hover_text("Right arrow or Enter: next · Left arrow: back · Esc: end");
                    });
                    ui.heading(s.title);
                    ui.add(egui::Label::new(s.text).wrap());
                    ui.add_space(8.0);
                    ui.horizontal(|ui| {
                        let last = step + 1 == STEPS.len();
                        if ui
                            .add_enabled(step > 0, egui::Button::new("Back"))
                            .on_hover_text("The previous callout")
                            .clicked()
                        {
                            action = Some(TourAction::Back);
                        }
                        if last {
                            if ui.button("Done").on_hover_text("End the tour").clicked() {
                                action = Some(TourAction::Done);
                            }
                        } else {
                            if ui.button("Next").on_hover_text("The next callout").clicked() {
                                action = Some(TourAction::Next);
                            }
                            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                                if ui
                                    .button("End tour")
                                    .on_hover_text("Close the tour (Esc); Help › Tour reopens it")
                                    .clicked()
                                {
                                    action = Some(TourAction::Done);
                                }
                            });
                        }
                    });
                });
        });
    // A small arrow from the callout to the panel.
    if let Some((tip, dir)) = arrow {
        let r = area.response.rect;
        let base = match dir {
            Dir::Left => Pos2::new(r.left(), tip.y),
            Dir::Right => Pos2::new(r.right(), tip.y),
            Dir::Down => Pos2::new(tip.x, r.bottom()),
        };
        let side = match dir {
            Dir::Left | Dir::Right => Vec2::new(0.0, 9.0),
            Dir::Down => Vec2::new(9.0, 0.0),
        };
        painter.add(egui::Shape::convex_polygon(
            vec![base - side, tip, base + side],
            accent,
            egui::Stroke::NONE,
        ));
    }
    action
}

#[derive(Clone, Copy)]
enum Dir {
    Left,
    Right,
    Down,
}

/// Where the callout goes for a target `r`: anchor point, pivot, arrow tip.
/// `canvas_left` keeps the dock callout off the palette.
fn placement(target: Target, r: Rect, canvas_left: f32) -> (Pos2, Align2, Option<(Pos2, Dir)>) {
    match target {
        Target::Palette => {
            let y = r.top() + 90.0;
            (
                Pos2::new(r.right() + GAP, y - 30.0),
                Align2::LEFT_TOP,
                Some((Pos2::new(r.right() + 2.0, y), Dir::Left)),
            )
        }
        Target::Inspector => {
            let y = r.top() + 90.0;
            (
                Pos2::new(r.left() - GAP, y - 30.0),
                Align2::RIGHT_TOP,
                Some((Pos2::new(r.left() - 2.0, y), Dir::Right)),
            )
        }
        // Bottom left: plans open centred and the minimap sits bottom right.
        Target::Canvas => (Pos2::new(r.left() + 24.0, r.bottom() - 24.0), Align2::LEFT_BOTTOM, None),
        Target::Dock => {
            let left = canvas_left.max(r.left()) + 24.0;
            (
                Pos2::new(left, r.top() - GAP),
                Align2::LEFT_BOTTOM,
                Some((Pos2::new(left + 60.0, r.top() + 2.0), Dir::Down)),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn callouts_sit_beside_their_panels() {
        let palette = Rect::from_min_max(Pos2::new(0.0, 30.0), Pos2::new(240.0, 800.0));
        let (anchor, pivot, arrow) = placement(Target::Palette, palette, 240.0);
        assert_eq!(pivot, Align2::LEFT_TOP);
        assert!(anchor.x > palette.right(), "right of the palette");
        assert!(arrow.is_some_and(|(tip, _)| (tip.x - palette.right()).abs() < 5.0));
        let inspector = Rect::from_min_max(Pos2::new(1300.0, 30.0), Pos2::new(1600.0, 800.0));
        let (anchor, ..) = placement(Target::Inspector, inspector, 240.0);
        assert!(anchor.x < inspector.left(), "left of the inspector");
        let dock = Rect::from_min_max(Pos2::new(0.0, 800.0), Pos2::new(1600.0, 970.0));
        let (anchor, pivot, _) = placement(Target::Dock, dock, 240.0);
        assert_eq!(pivot, Align2::LEFT_BOTTOM);
        assert!(anchor.y < dock.top(), "above the dock");
        assert!(anchor.x > 240.0, "not over the palette");
    }
}
