//! Editor state, kept apart from drawing: the plan, the selection, the
//! camera and the undo history. Everything the UI changes in the plan goes
//! through [`EditorState::apply`] with an [`Edit`](crate::model::edit::Edit).

use crate::model::edit::Edit;
use crate::model::{Catalog, NodeId, Plan, Problem, Severity, Subject};
use egui::{Pos2, Rect, Vec2};
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

/// Size of a node card in canvas units.
pub const NODE_SIZE: Vec2 = Vec2::new(crate::model::arrange::NODE_W, crate::model::arrange::NODE_H);
pub use crate::model::arrange::{GRID, snap};
/// Undo history depth.
const UNDO_DEPTH: usize = 200;
/// Consecutive edits with the same merge key within this window are one undo step.
const MERGE_WINDOW: Duration = Duration::from_millis(1500);

/// One selectable element of the plan; defined with the edits, which name
/// and return elements (re-exported so `ui::state::Sel` keeps working).
pub use crate::model::edit::Sel;

/// The view onto the canvas: canvas point `offset` sits at the canvas
/// widget's top-left corner; `zoom` screen points per canvas unit.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Camera {
    pub offset: Vec2,
    pub zoom: f32,
}

impl Default for Camera {
    fn default() -> Self {
        Self {
            offset: Vec2::new(-40.0, -40.0),
            zoom: 1.0,
        }
    }
}

pub const ZOOM_MIN: f32 = 0.02;
pub const ZOOM_MAX: f32 = 4.0;

impl Camera {
    pub fn to_screen(&self, origin: Pos2, p: Pos2) -> Pos2 {
        origin + (p.to_vec2() - self.offset) * self.zoom
    }
    pub fn to_canvas(&self, origin: Pos2, p: Pos2) -> Pos2 {
        ((p - origin) / self.zoom + self.offset).to_pos2()
    }
    pub fn rect_to_screen(&self, origin: Pos2, r: Rect) -> Rect {
        Rect::from_min_max(self.to_screen(origin, r.min), self.to_screen(origin, r.max))
    }
    /// Zoom by `factor`, keeping the canvas point under `anchor` (screen) fixed.
    pub fn zoom_at(&mut self, origin: Pos2, anchor: Pos2, factor: f32) {
        let before = self.to_canvas(origin, anchor);
        self.zoom = (self.zoom * factor).clamp(ZOOM_MIN, ZOOM_MAX);
        self.offset = before.to_vec2() - (anchor - origin) / self.zoom;
    }
    /// Show `content` (canvas units) inside a viewport of `size` (screen points).
    pub fn fit(&mut self, content: Rect, size: Vec2) {
        self.fit_in(content, Rect::from_min_size(Pos2::ZERO, size));
    }
    /// Show `content` inside `viewport`, given relative to the canvas
    /// widget's top-left corner (the part not under the legend or minimap).
    pub fn fit_in(&mut self, content: Rect, viewport: Rect) {
        let Some(zoom) = Self::fit_zoom(content, viewport.size()) else {
            *self = Camera::default();
            return;
        };
        self.zoom = zoom;
        self.offset = content.center().to_vec2() - viewport.center().to_vec2() / zoom;
    }
    /// The zoom at which `content` (with a 40-unit margin) fills `size`;
    /// `None` for empty content or an empty viewport.
    pub fn fit_zoom(content: Rect, size: Vec2) -> Option<f32> {
        if !content.is_finite() || content.width() <= 0.0 || size.x <= 0.0 || size.y <= 0.0 {
            return None;
        }
        let content = content.expand(40.0);
        Some(
            (size.x / content.width())
                .min(size.y / content.height())
                .clamp(ZOOM_MIN, 1.25),
        )
    }
}

struct UndoEntry {
    label: String,
    plan: Plan,
    /// The generation `plan` had: undoing back to the saved plan makes the
    /// document clean again.
    generation: u64,
    merge_key: Option<String>,
    at: Instant,
}

/// Everything the editor knows besides the widgets' own state.
pub struct EditorState {
    pub plan: Plan,
    pub catalog: Catalog,
    pub selection: BTreeSet<Sel>,
    pub camera: Camera,
    /// Screen rectangle of the canvas in the last frame.
    pub canvas_rect: Rect,
    /// Bumped on every change of `plan`; caches key on it.
    pub generation: u64,
    /// Generation of the plan as last saved or opened.
    pub saved_generation: u64,
    /// Generations handed out so far (each plan state gets its own).
    generations_issued: u64,
    /// Validation problems of the current plan.
    pub problems: Vec<Problem>,
    /// Index of problems by subject, for marking the canvas.
    pub problem_index: BTreeMap<Subject, Severity>,
    undo: Vec<UndoEntry>,
    redo: Vec<UndoEntry>,
    /// Set when the camera should fit the plan on the next frame.
    pub fit_pending: bool,
    pub snap_to_grid: bool,
    /// Screen size of the corner boxes over the canvas, margins included
    /// (last frame): the results legend from the top-left corner and the
    /// minimap from the bottom-right. Fit keeps the plan clear of both.
    pub corner_boxes: (Vec2, Vec2),
    /// The user zoomed or panned since the last fit: a resize keeps their
    /// view instead of refitting.
    pub camera_touched: bool,
}

impl EditorState {
    pub fn new(plan: Plan, catalog: Catalog) -> Self {
        let mut s = Self {
            plan,
            catalog,
            selection: BTreeSet::new(),
            camera: Camera::default(),
            canvas_rect: Rect::from_min_size(Pos2::ZERO, Vec2::new(800.0, 600.0)),
            generation: 1,
            saved_generation: 1,
            generations_issued: 1,
            problems: Vec::new(),
            problem_index: BTreeMap::new(),
            undo: Vec::new(),
            redo: Vec::new(),
            fit_pending: true,
            snap_to_grid: true,
            corner_boxes: (Vec2::ZERO, Vec2::ZERO),
            camera_touched: false,
        };
        s.revalidate();
        s
    }

    /// Replace the whole document (New, Open, preset): clears history.
    pub fn replace_plan(&mut self, plan: Plan) {
        self.plan = plan;
        self.selection.clear();
        self.undo.clear();
        self.redo.clear();
        self.generation = self.fresh_generation();
        self.saved_generation = self.generation;
        self.fit_pending = true;
        self.revalidate();
    }

    pub fn is_dirty(&self) -> bool {
        self.generation != self.saved_generation
    }
    pub fn mark_saved(&mut self) {
        self.saved_generation = self.generation;
    }
    /// Mark the document modified without an undo step (recovered plans).
    pub fn mark_modified(&mut self) {
        self.saved_generation = 0;
    }

    /// The Problems panel lists what `clusterforge check` lists: the
    /// validator plus the simulator's preflight (training memory, schedule,
    /// serving set-up, size budget), so nothing shown as fine is refused by Run.
    pub fn revalidate(&mut self) {
        self.problems =
            crate::sim::budget::preflight(&self.plan, &self.catalog, &crate::sim::budget::Budget::default());
        self.problem_index.clear();
        for p in &self.problems {
            let e = self.problem_index.entry(p.subject.clone()).or_insert(p.severity);
            if p.severity > *e {
                *e = p.severity;
            }
        }
    }

    pub fn error_count(&self) -> usize {
        self.problems.iter().filter(|p| p.severity == Severity::Error).count()
    }
    pub fn warning_count(&self) -> usize {
        self.problems.len() - self.error_count()
    }

    /// Apply an edit as one undo step. Edits sharing `merge_key` within a
    /// short window (typing into a field, dragging a value) merge into one step.
    pub fn apply(&mut self, edit: Edit) -> Result<(), String> {
        self.apply_merged(edit, None)
    }

    pub fn apply_merged(&mut self, edit: Edit, merge_key: Option<String>) -> Result<(), String> {
        let label = edit.label();
        let before = self.plan.clone();
        let mut plan = self.plan.clone();
        let new_selection = edit.apply_to(&mut plan, &self.catalog)?;
        if plan == before {
            return Ok(());
        }
        let now = Instant::now();
        let merge = match (&merge_key, self.undo.last()) {
            (Some(k), Some(last)) => {
                last.merge_key.as_deref() == Some(k.as_str())
                    && now.duration_since(last.at) < MERGE_WINDOW
                    && self.redo.is_empty()
            }
            _ => false,
        };
        if merge {
            if let Some(last) = self.undo.last_mut() {
                last.at = now;
            }
        } else {
            self.undo.push(UndoEntry {
                label,
                plan: before,
                generation: self.generation,
                merge_key,
                at: now,
            });
            if self.undo.len() > UNDO_DEPTH {
                self.undo.remove(0);
            }
        }
        self.redo.clear();
        self.plan = plan;
        if let Some(sel) = new_selection {
            self.selection = sel;
        }
        self.prune_selection();
        self.generation = self.fresh_generation();
        self.revalidate();
        Ok(())
    }

    pub fn undo_label(&self) -> Option<&str> {
        self.undo.last().map(|e| e.label.as_str())
    }
    pub fn redo_label(&self) -> Option<&str> {
        self.redo.last().map(|e| e.label.as_str())
    }

    pub fn undo(&mut self) -> bool {
        self.history_step(true)
    }

    pub fn redo(&mut self) -> bool {
        self.history_step(false)
    }

    /// Undo (`backward`) or redo: swap the plan with the top of one stack and
    /// push the current plan onto the other, under the same label.
    fn history_step(&mut self, backward: bool) -> bool {
        let (from, to) = if backward {
            (&mut self.undo, &mut self.redo)
        } else {
            (&mut self.redo, &mut self.undo)
        };
        let Some(entry) = from.pop() else { return false };
        let current = std::mem::replace(&mut self.plan, entry.plan);
        to.push(UndoEntry {
            label: entry.label,
            plan: current,
            generation: self.generation,
            merge_key: None,
            at: Instant::now(),
        });
        self.generation = entry.generation;
        self.after_history_step();
        true
    }

    /// A generation no plan state had before.
    fn fresh_generation(&mut self) -> u64 {
        self.generations_issued += 1;
        self.generations_issued
    }

    fn after_history_step(&mut self) {
        self.prune_selection();
        self.revalidate();
    }

    /// Drop selected elements that no longer exist.
    pub fn prune_selection(&mut self) {
        let plan = &self.plan;
        self.selection.retain(|s| match s {
            Sel::Node(id) => plan.node(id).is_some(),
            Sel::Link(id) => plan.link(id).is_some(),
            Sel::Site(id) => plan.site(id).is_some(),
            Sel::Stage(id) => plan.stage(id).is_some(),
        });
    }

    pub fn selected_nodes(&self) -> Vec<NodeId> {
        self.selection
            .iter()
            .filter_map(|s| match s {
                Sel::Node(id) => Some(id.clone()),
                _ => None,
            })
            .collect()
    }

    pub fn select_only(&mut self, sel: Sel) {
        self.selection.clear();
        self.selection.insert(sel);
    }

    pub fn toggle(&mut self, sel: Sel) {
        if !self.selection.remove(&sel) {
            self.selection.insert(sel);
        }
    }

    pub fn select_all(&mut self) {
        self.selection = self.plan.nodes.iter().map(|n| Sel::Node(n.id.clone())).collect();
        self.selection
            .extend(self.plan.links.iter().map(|l| Sel::Link(l.id.clone())));
    }

    /// Bounding box of the nodes of the plan, in canvas units.
    pub fn content_rect(&self) -> Option<Rect> {
        let mut r = Rect::NOTHING;
        for n in &self.plan.nodes {
            r = r.union(node_rect(n.pos));
        }
        r.is_positive().then_some(r)
    }

    pub fn fit_view(&mut self) {
        self.camera_touched = false;
        match self.content_rect() {
            Some(r) => self.camera.fit_in(r, self.fit_viewport(r)),
            None => self.camera = Camera::default(),
        }
    }

    /// The part of the canvas (relative to its top-left) Fit shows
    /// `content` in: clear of the legend (by keeping below it or right of
    /// it) and of the minimap (above it or left of it), whichever of the
    /// four shows the plan largest.
    pub fn fit_viewport(&self, content: Rect) -> Rect {
        let size = self.canvas_rect.size();
        let (legend, minimap) = self.corner_boxes;
        let mut best = (f32::MIN, Rect::from_min_size(Pos2::ZERO, size));
        for below_legend in [true, false] {
            for above_minimap in [true, false] {
                let min = if below_legend {
                    Pos2::new(0.0, legend.y)
                } else {
                    Pos2::new(legend.x, 0.0)
                };
                let max = if above_minimap {
                    Pos2::new(size.x, size.y - minimap.y)
                } else {
                    Pos2::new(size.x - minimap.x, size.y)
                };
                let r = Rect::from_min_max(min, max);
                if r.width() < 40.0 || r.height() < 40.0 {
                    continue;
                }
                if let Some(zoom) = Camera::fit_zoom(content, r.size())
                    && zoom > best.0
                {
                    best = (zoom, r);
                }
            }
        }
        best.1
    }

    /// Centre the camera on an element (clicking a problem focuses it).
    pub fn focus(&mut self, subject: &Subject) {
        let target = match subject {
            Subject::Node(id) => {
                self.select_only(Sel::Node(id.clone()));
                self.plan.node(id).map(|n| node_rect(n.pos))
            }
            Subject::Link(id) => {
                self.select_only(Sel::Link(id.clone()));
                self.plan.link(id).and_then(|l| {
                    let a = self.plan.node(&l.from)?;
                    let b = self.plan.node(&l.to)?;
                    Some(node_rect(a.pos).union(node_rect(b.pos)))
                })
            }
            Subject::Site(id) => {
                self.select_only(Sel::Site(id.clone()));
                let mut r = Rect::NOTHING;
                for n in self.plan.nodes.iter().filter(|n| &n.site == id) {
                    r = r.union(node_rect(n.pos));
                }
                r.is_positive().then_some(r)
            }
            Subject::Stage(id) => {
                self.select_only(Sel::Stage(id.clone()));
                None
            }
            Subject::Plan => None,
        };
        if let Some(r) = target {
            self.camera_touched = true;
            let size = self.canvas_rect.size();
            let zoom = self.camera.zoom.max(0.6);
            self.camera.zoom = zoom;
            self.camera.offset = r.center().to_vec2() - size / (2.0 * zoom);
        }
    }

    /// Top-left screen position of a node card (tests, tooltips).
    pub fn node_screen_rect(&self, id: &NodeId) -> Option<Rect> {
        let n = self.plan.node(id)?;
        Some(self.camera.rect_to_screen(self.canvas_rect.min, node_rect(n.pos)))
    }
}

pub fn node_rect(pos: (f32, f32)) -> Rect {
    Rect::from_min_size(Pos2::new(pos.0, pos.1), NODE_SIZE)
}
