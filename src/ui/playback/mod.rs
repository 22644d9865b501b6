//! The Playback tab of the bottom dock: steps through the last run on the
//! lifecycle clock. A toolbar (start, previous event, play/pause, next
//! event, end, speed, time), the scrubber (Gantt rows of the stages, event
//! ticks, a cursor to click or drag) and a filterable event list. While the
//! tab is open the canvas shows the run at the cursor ([`overlay_at`]).
//!
//! It reads only [`Results::timeline`], [`Results::events`] and each
//! workload's `node_use`, `link_use` and `series`; it never simulates.
//! [`PlaybackState`] is the state; [`playback_ui`] draws it.

pub mod clock;
mod events;
mod timeline;

pub use clock::{EventFilter, Speed, TimeWindow, format_clock, format_duration, overlay_at, overlay_marking};

use crate::model::{Plan, Subject};
use crate::sim::Results;
use crate::ui::canvas::overlay::Overlay;
use crate::ui::theme::Palette;
use clock::{current_event, next_event, prev_event, run_end_s, subject_in, visible_events};

/// Which run the state was built for: a new run keeps the cursor time but
/// drops the selection (event indices refer to the old log).
#[derive(Clone, Copy, Debug, PartialEq)]
struct RunKey {
    addr: usize,
    events: usize,
    spans: usize,
    end_bits: u64,
}

impl RunKey {
    fn of(results: &Results) -> Self {
        Self {
            addr: std::ptr::from_ref(results) as usize,
            events: results.events.len(),
            spans: results.timeline.len(),
            end_bits: run_end_s(results).to_bits(),
        }
    }
}

/// The playback cursor, speed, filter and selection. Kept by the app while
/// it runs; not saved.
#[derive(Debug, Default)]
pub struct PlaybackState {
    /// Cursor on the lifecycle clock, seconds from the start of the run.
    pub t_s: f64,
    pub playing: bool,
    pub speed: Speed,
    pub filter: EventFilter,
    /// Index into `Results::events` of the event chosen in the list or by stepping.
    pub selected: Option<usize>,
    /// The stretch of the run the scrubber shows; `None` before a run.
    pub window: Option<TimeWindow>,
    end_s: f64,
    run: Option<RunKey>,
    /// Events the filter shows, for `visible_for`.
    visible: Vec<usize>,
    visible_for: Option<(RunKey, EventFilter)>,
    /// Events the canvas ring can mark, in event order.
    subject_events: Vec<usize>,
    overlay: Option<Overlay>,
    overlay_for: Option<(RunKey, u64, Option<usize>)>,
    /// The current event the list last scrolled to.
    followed: Option<usize>,
    /// Scroll the list to the current event on the next frame.
    follow_next: bool,
}

impl PlaybackState {
    /// What the canvas shows while the Playback tab is open.
    pub fn overlay(&self) -> Option<&Overlay> {
        self.overlay.as_ref()
    }

    /// When the run ends on the lifecycle clock (0 before a run).
    pub fn end_s(&self) -> f64 {
        self.end_s
    }

    /// Play, or pause; playing from the end starts over.
    pub fn toggle_play(&mut self) {
        if self.playing {
            self.playing = false;
        } else {
            if self.t_s >= self.end_s {
                self.t_s = 0.0;
                self.selected = None;
            }
            self.playing = self.end_s > 0.0;
        }
    }

    /// Move the cursor to `t_s` (clamped to the run).
    pub fn seek(&mut self, t_s: f64) {
        self.t_s = if t_s.is_finite() {
            t_s.clamp(0.0, self.end_s)
        } else {
            0.0
        };
        self.selected = None;
        self.follow_next = true;
        self.keep_in_view();
    }

    /// Page the scrubber so the cursor is in view.
    fn keep_in_view(&mut self) {
        if let Some(w) = &mut self.window {
            w.follow(self.t_s, self.end_s);
        }
    }

    /// Put the cursor on event `i` and select it.
    pub fn select_event(&mut self, results: &Results, i: usize) {
        if let Some(e) = results.events.get(i) {
            self.t_s = if e.t_s.is_finite() {
                e.t_s.clamp(0.0, self.end_s)
            } else {
                0.0
            };
            self.selected = Some(i);
            self.follow_next = true;
            self.keep_in_view();
        }
    }

    /// The events the filter shows, in time order.
    pub fn visible(&self) -> &[usize] {
        &self.visible
    }

    /// Take in a (possibly new) run; recompute what depends on it.
    fn sync(&mut self, sim_plan: &Plan, results: &Results) -> RunKey {
        let key = RunKey::of(results);
        if self.run != Some(key) {
            if self.run.is_none() {
                self.t_s = 0.0;
            }
            self.run = Some(key);
            self.end_s = run_end_s(results);
            self.t_s = self.t_s.clamp(0.0, self.end_s);
            self.window = Some(TimeWindow::whole(self.end_s));
            self.subject_events = clock::subject_events(sim_plan, results);
            self.selected = None;
            self.followed = None;
        }
        if self.visible_for.as_ref() != Some(&(key, self.filter.clone())) {
            self.visible = visible_events(results, &self.filter);
            self.visible_for = Some((key, self.filter.clone()));
            self.follow_next = true;
        }
        key
    }

    /// Advance the cursor by `dt_s` of wall-clock time while playing; stops at the end.
    pub fn advance(&mut self, dt_s: f64) {
        if !self.playing {
            return;
        }
        self.t_s += dt_s.max(0.0) * self.speed.rate(self.end_s);
        if !self.t_s.is_finite() || self.t_s >= self.end_s {
            self.t_s = self.end_s;
            self.playing = false;
        }
    }

    fn clear_run(&mut self) {
        *self = Self {
            speed: self.speed,
            filter: std::mem::take(&mut self.filter),
            ..Self::default()
        };
    }
}

/// What the toolbar asked for.
enum Step {
    Start,
    Prev,
    Next,
    End,
}

/// The Playback tab. `run` is the last successful run and the plan it
/// simulated; `plan` the plan on the canvas (event subjects are looked up
/// there). `keys`: Space may toggle play (no prompt is open). Returns a node
/// or link to focus on the canvas.
pub fn playback_ui(
    ui: &mut egui::Ui,
    state: &mut PlaybackState,
    run: Option<(&Plan, &Results)>,
    plan: &Plan,
    keys: bool,
    pal: &Palette,
) -> Option<Subject> {
    let Some((sim_plan, results)) = run else {
        state.clear_run();
        ui.weak(
            "Run a simulation (Results tab, ▶ Run) to play it back here: stages, events and the cluster at each moment",
        );
        return None;
    };
    let key = state.sync(sim_plan, results);
    if state.end_s <= 0.0 {
        state.overlay = None;
        state.playing = false;
        ui.weak("This run has no lifecycle timeline: nothing to play back");
        return None;
    }

    let space = keys
        && !ui.ctx().text_edit_focused()
        && ui.ctx().memory(|m| m.focused().is_none())
        && ui.input_mut(|i| i.consume_key(egui::Modifiers::NONE, egui::Key::Space));
    if space {
        state.toggle_play();
    }
    if state.playing {
        // Slow frames (software GL) still play at the chosen speed; a stall does not jump.
        let dt = ui.input(|i| i.stable_dt).clamp(0.0, 0.25) as f64;
        state.advance(dt);
        ui.ctx().request_repaint();
    }

    let mut focus = None;
    let mut step = None;
    ui.set_min_height(240.0);
    toolbar_ui(ui, state, results, &mut step);
    ui.add_space(2.0);

    let current = current_event(results, &state.visible, state.t_s, state.selected);
    let scroll_to = if (state.playing || state.follow_next) && current != state.followed {
        state.followed = current;
        current
    } else {
        None
    };
    state.follow_next = false;

    let mut clicked = None;
    let mut seek = None;
    egui::Panel::right("playback_events")
        .resizable(true)
        .default_size(560.0)
        .size_range(300.0..=900.0)
        .show(ui, |ui| {
            events::filter_ui(ui, &mut state.filter, &events::stage_ids(results), pal);
            ui.add_space(2.0);
            clicked = events::event_list_ui(ui, results, &state.visible, current, scroll_to, pal);
        });
    egui::CentralPanel::default().show(ui, |ui| {
        let mut window = state.window.unwrap_or(TimeWindow::whole(state.end_s));
        if state.playing {
            window.follow(state.t_s, state.end_s);
        }
        let action = timeline::timeline_ui(
            ui,
            results,
            &state.visible,
            state.t_s,
            state.end_s,
            &mut window,
            current,
            pal,
        );
        state.window = Some(window);
        seek = action.map(|timeline::TimelineAction::Seek(t)| t);
    });

    // Apply what was asked, after drawing.
    if let Some(t) = seek {
        state.seek(t);
    }
    let subject_of = |i: usize| {
        let s = results.events.get(i)?.subject.as_ref()?;
        subject_in(plan, s)
    };
    if let Some(i) = clicked {
        state.select_event(results, i);
        focus = subject_of(i);
    }
    if let Some(step) = step {
        state.playing = false;
        let target = match step {
            Step::Start => {
                state.seek(0.0);
                None
            }
            Step::End => {
                state.seek(state.end_s);
                None
            }
            Step::Prev => prev_event(results, &state.visible, state.t_s, state.selected),
            Step::Next => next_event(results, &state.visible, state.t_s, state.selected),
        };
        match (target, step) {
            (Some(i), _) => {
                state.select_event(results, i);
                focus = subject_of(i);
            }
            // Before the first shown event: back to the start.
            (None, Step::Prev) => state.seek(0.0),
            _ => {}
        }
    }

    // The canvas at the cursor: recomputed only when the moment changes.
    let t_s = state.t_s;
    let marked = state
        .selected
        .filter(|&i| {
            results
                .events
                .get(i)
                .is_some_and(|e| e.t_s == t_s && e.subject.as_ref().is_some_and(|s| subject_in(sim_plan, s).is_some()))
        })
        .or_else(|| clock::latest_in(results, &state.subject_events, t_s));
    let want = (key, state.t_s.to_bits(), marked);
    if state.overlay_for != Some(want) {
        state.overlay = Some(overlay_marking(sim_plan, results, state.t_s, marked));
        state.overlay_for = Some(want);
    }
    focus
}

fn toolbar_ui(ui: &mut egui::Ui, state: &mut PlaybackState, results: &Results, step: &mut Option<Step>) {
    ui.horizontal(|ui| {
        let (t, sel) = (state.t_s, state.selected);
        let has_next = next_event(results, &state.visible, t, sel).is_some();
        if ui
            .add_enabled(t > 0.0, egui::Button::new("⏮ Start"))
            .on_hover_text("Jump to the start of the run")
            .clicked()
        {
            *step = Some(Step::Start);
        }
        if ui
            .add_enabled(t > 0.0, egui::Button::new("⏪ Previous"))
            .on_hover_text("Step to the previous event in the list")
            .clicked()
        {
            *step = Some(Step::Prev);
        }
        let play = if state.playing { "⏸ Pause" } else { "▶ Play" };
        if ui
            .add(egui::Button::new(play).min_size(egui::vec2(74.0, 0.0)))
            .on_hover_text("Play or pause the run (Space)")
            .clicked()
        {
            state.toggle_play();
        }
        if ui
            .add_enabled(has_next, egui::Button::new("Next ⏩"))
            .on_hover_text("Step to the next event in the list")
            .clicked()
        {
            *step = Some(Step::Next);
        }
        if ui
            .add_enabled(t < state.end_s, egui::Button::new("End ⏭"))
            .on_hover_text("Jump to the end of the run")
            .clicked()
        {
            *step = Some(Step::End);
        }
        let zoomed = state.window.is_some_and(|w| !w.is_whole(state.end_s));
        if ui
            .add_enabled(zoomed, egui::Button::new("Whole run"))
            .on_hover_text("Show the whole run on the timeline (the wheel zooms it)")
            .clicked()
        {
            state.window = Some(TimeWindow::whole(state.end_s));
        }
        ui.separator();
        egui::ComboBox::from_id_salt("playback_speed")
            .selected_text(state.speed.label())
            .width(170.0)
            .show_ui(ui, |ui| {
                for s in Speed::CHOICES {
                    ui.selectable_value(&mut state.speed, s, s.label());
                }
            })
            .response
            .on_hover_text("How fast the cursor moves while playing");
        ui.separator();
        // A fixed width, so the row does not shift while the time ticks.
        let readout = egui::vec2(190.0, ui.spacing().interact_size.y);
        ui.allocate_ui_with_layout(readout, egui::Layout::left_to_right(egui::Align::Center), |ui| {
            ui.set_min_width(readout.x);
            ui.label(
                egui::RichText::new(format!("t = {}", clock::format_clock(state.t_s)))
                    .strong()
                    .monospace(),
            )
            .on_hover_text(format!("{:.1} s from the start of the run", state.t_s));
            ui.weak(format!("of {}", format_duration(state.end_s)));
        });
        let running = clock::active_stages(results, state.t_s);
        if !running.is_empty() {
            ui.separator();
            let names: Vec<&str> = running.iter().map(|s| s.stage.as_str()).collect();
            ui.label(format!("Running: {}", names.join(", ")));
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::{EventKind, SimEvent, StageSpan};

    fn results() -> Results {
        let ev = |t_s: f64, kind: EventKind| SimEvent {
            t_s,
            stage: "a".into(),
            kind,
            subject: None,
            text: String::new(),
        };
        Results {
            timeline: vec![StageSpan {
                stage: "a".into(),
                kind: "train".into(),
                start_s: 0.0,
                end_s: 100.0,
                slowdown: 1.0,
                shared_with: vec![],
            }],
            events: vec![ev(0.0, EventKind::StageStart), ev(100.0, EventKind::StageEnd)],
            ..Default::default()
        }
    }

    #[test]
    fn playing_advances_at_the_chosen_speed_and_stops_at_the_end() {
        let r = results();
        let mut s = PlaybackState::default();
        s.sync(&Plan::default(), &r);
        assert_eq!(s.end_s(), 100.0);
        s.speed = Speed::Rate(10.0);
        s.toggle_play();
        assert!(s.playing);
        s.advance(2.0);
        assert_eq!(s.t_s, 20.0);
        s.speed = Speed::WholeRunIn(10.0);
        s.advance(1.0);
        assert_eq!(s.t_s, 30.0);
        s.advance(100.0);
        assert_eq!(s.t_s, 100.0, "clamped at the end");
        assert!(!s.playing, "stops at the end");
        s.toggle_play();
        assert!(s.playing && s.t_s == 0.0, "play from the end starts over");
    }

    #[test]
    fn seeking_clamps_and_a_new_run_keeps_the_time() {
        let r = results();
        let mut s = PlaybackState::default();
        s.sync(&Plan::default(), &r);
        s.seek(-5.0);
        assert_eq!(s.t_s, 0.0);
        s.seek(1e9);
        assert_eq!(s.t_s, 100.0);
        s.seek(f64::NAN);
        assert_eq!(s.t_s, 0.0);
        s.select_event(&r, 1);
        assert_eq!((s.t_s, s.selected), (100.0, Some(1)));
        s.select_event(&r, 99);
        assert_eq!(s.selected, Some(1), "an index out of range is ignored");

        // A shorter new run: time clamped, selection dropped.
        let mut r2 = results();
        r2.timeline[0].end_s = 50.0;
        r2.events[1].t_s = 50.0;
        s.sync(&Plan::default(), &r2);
        assert_eq!((s.t_s, s.selected), (50.0, None));
    }

    #[test]
    fn the_visible_list_follows_the_filter() {
        let r = results();
        let mut s = PlaybackState::default();
        s.sync(&Plan::default(), &r);
        assert_eq!(s.visible(), &[0, 1]);
        s.filter.kinds = [EventKind::StageEnd].into();
        s.sync(&Plan::default(), &r);
        assert_eq!(s.visible(), &[1]);
    }
}
