//! The pure side of playback: the lifecycle clock of a finished run, which
//! events are shown, stepping between them, human time, and the canvas
//! [`Overlay`] of one moment. No egui widgets here; everything is testable.

use crate::model::{Plan, Subject};
use crate::sim::metrics::{Resource, SeriesKey};
use crate::sim::{EventKind, Results, SimEvent, StageSpan};
use crate::ui::canvas::overlay::{Bottleneck, BottleneckAt, Overlay};
use std::collections::BTreeSet;

/// Every event kind, in the order the filter lists them.
pub const KINDS: [EventKind; 12] = [
    EventKind::StageStart,
    EventKind::StageEnd,
    EventKind::Transfer,
    EventKind::Checkpoint,
    EventKind::Failure,
    EventKind::Restart,
    EventKind::Preemption,
    EventKind::ScaleUp,
    EventKind::ScaleDown,
    EventKind::ColdStart,
    EventKind::Starved,
    EventKind::SloMiss,
];

/// How an event kind reads in the list, the filter and on the canvas.
pub fn kind_label(kind: EventKind) -> &'static str {
    match kind {
        EventKind::StageStart => "Stage start",
        EventKind::StageEnd => "Stage end",
        EventKind::Transfer => "Transfer",
        EventKind::Checkpoint => "Checkpoint",
        EventKind::Failure => "Failure",
        EventKind::Restart => "Restart",
        EventKind::Preemption => "Preemption",
        EventKind::ScaleUp => "Scale up",
        EventKind::ScaleDown => "Scale down",
        EventKind::ColdStart => "Cold start",
        EventKind::Starved => "Starved",
        EventKind::SloMiss => "SLO miss",
    }
}

/// A duration in the largest fitting units, at most two of them:
/// "0.25 s", "42 s", "3 min 20 s", "2 h 13 min", "4 d 6 h".
pub fn format_duration(s: f64) -> String {
    if !s.is_finite() {
        return "–".to_owned();
    }
    let sign = if s < 0.0 { "-" } else { "" };
    let s = s.abs();
    if s < 10.0 {
        let text = format!("{s:.2}");
        let text = text.trim_end_matches('0').trim_end_matches('.');
        return format!("{sign}{text} s");
    }
    if s < 60.0 {
        return format!("{sign}{:.0} s", s.floor());
    }
    // Whole seconds from here on; truncation keeps "59 min 59 s" below 1 h.
    let whole = s.floor() as u64;
    let (d, h, m, sec) = (whole / 86_400, whole / 3600 % 24, whole / 60 % 60, whole % 60);
    let text = if d > 0 {
        if h > 0 {
            format!("{d} d {h} h")
        } else {
            format!("{d} d")
        }
    } else if h > 0 {
        if m > 0 {
            format!("{h} h {m} min")
        } else {
            format!("{h} h")
        }
    } else if sec > 0 {
        format!("{m} min {sec} s")
    } else {
        format!("{m} min")
    };
    format!("{sign}{text}")
}

/// A moment on the lifecycle clock for the readout and the event list: like
/// [`format_duration`] but to the minute over a day and to the second below
/// ("2 d 4 h 22 min", "8 h 56 min 12 s"), so events minutes apart differ.
pub fn format_clock(s: f64) -> String {
    if !s.is_finite() || s.abs() < 3600.0 {
        return format_duration(s);
    }
    let sign = if s < 0.0 { "-" } else { "" };
    let whole = s.abs().floor() as u64;
    let (d, h, m, sec) = (whole / 86_400, whole / 3600 % 24, whole / 60 % 60, whole % 60);
    let mut parts = Vec::new();
    if d > 0 {
        parts.push(format!("{d} d"));
    }
    if h > 0 || (d > 0 && m > 0) {
        parts.push(format!("{h} h"));
    }
    if m > 0 {
        parts.push(format!("{m} min"));
    }
    if d == 0 && sec > 0 {
        parts.push(format!("{sec} s"));
    }
    format!("{sign}{}", parts.join(" "))
}

/// How fast the cursor moves while playing.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Speed {
    /// Simulated seconds per wall-clock second.
    Rate(f64),
    /// Play the whole run in this many wall-clock seconds.
    WholeRunIn(f64),
}

impl Speed {
    /// The choices of the speed menu, slowest first.
    pub const CHOICES: [Speed; 10] = [
        Speed::Rate(1.0),
        Speed::Rate(60.0),
        Speed::Rate(600.0),
        Speed::Rate(3600.0),
        Speed::Rate(6.0 * 3600.0),
        Speed::Rate(86_400.0),
        Speed::Rate(7.0 * 86_400.0),
        Speed::WholeRunIn(10.0),
        Speed::WholeRunIn(30.0),
        Speed::WholeRunIn(60.0),
    ];

    /// Simulated seconds per wall-clock second for a run of `end_s`.
    pub fn rate(self, end_s: f64) -> f64 {
        match self {
            Speed::Rate(r) => r,
            Speed::WholeRunIn(wall_s) if wall_s > 0.0 => end_s / wall_s,
            Speed::WholeRunIn(_) => end_s,
        }
    }

    pub fn label(self) -> String {
        match self {
            Speed::Rate(r) if (r - 1.0).abs() < 1e-9 => "Real time".to_owned(),
            Speed::Rate(r) => format!("{} per second", format_duration(r)),
            Speed::WholeRunIn(wall_s) => format!("Whole run in {wall_s:.0} s"),
        }
    }
}

impl Default for Speed {
    fn default() -> Self {
        Speed::WholeRunIn(30.0)
    }
}

/// The stretch of the lifecycle clock the scrubber shows.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TimeWindow {
    pub start_s: f64,
    pub end_s: f64,
}

impl TimeWindow {
    /// The shortest window, seconds: zooming stops there.
    pub const MIN_S: f64 = 1.0;

    pub fn whole(run_end_s: f64) -> Self {
        Self {
            start_s: 0.0,
            end_s: run_end_s.max(0.0),
        }
    }

    pub fn len_s(&self) -> f64 {
        self.end_s - self.start_s
    }

    /// Shows the whole run of `run_end_s`.
    pub fn is_whole(&self, run_end_s: f64) -> bool {
        self.start_s <= 0.0 && self.end_s >= run_end_s
    }

    /// Zoom by `factor` (< 1 zooms in) keeping `at_s` where it is on screen;
    /// never wider than the run nor narrower than [`Self::MIN_S`].
    pub fn zoom_at(&mut self, at_s: f64, factor: f64, run_end_s: f64) {
        if !(factor.is_finite() && factor > 0.0 && at_s.is_finite()) {
            return;
        }
        let len = self.len_s().max(1e-9);
        let new_len = (len * factor).clamp(Self::MIN_S.min(run_end_s), run_end_s.max(Self::MIN_S));
        let frac = ((at_s - self.start_s) / len).clamp(0.0, 1.0);
        self.start_s = at_s - frac * new_len;
        self.end_s = self.start_s + new_len;
        self.keep_inside(run_end_s);
    }

    /// Move by `dt_s` (positive: later), staying inside the run.
    pub fn pan(&mut self, dt_s: f64, run_end_s: f64) {
        if dt_s.is_finite() {
            self.start_s += dt_s;
            self.end_s += dt_s;
            self.keep_inside(run_end_s);
        }
    }

    /// Show `[start_s, end_s]` with a margin of 5 % on each side.
    pub fn frame(&mut self, start_s: f64, end_s: f64, run_end_s: f64) {
        let len = (end_s - start_s).max(Self::MIN_S);
        self.start_s = start_s - 0.05 * len;
        self.end_s = start_s + 1.05 * len;
        self.keep_inside(run_end_s);
    }

    /// Page so `t_s` is in view (the cursor leaving it while playing).
    pub fn follow(&mut self, t_s: f64, run_end_s: f64) {
        let len = self.len_s();
        if t_s > self.end_s || t_s < self.start_s {
            self.start_s = t_s - 0.1 * len;
            self.end_s = self.start_s + len;
            self.keep_inside(run_end_s);
        }
    }

    fn keep_inside(&mut self, run_end_s: f64) {
        let len = self.len_s().min(run_end_s.max(0.0));
        if self.start_s < 0.0 {
            self.start_s = 0.0;
        }
        if self.start_s + len > run_end_s {
            self.start_s = (run_end_s - len).max(0.0);
        }
        self.end_s = self.start_s + len;
    }
}

/// When the run ends on the lifecycle clock: the last stage end or event,
/// whichever is later (0 for an empty run).
pub fn run_end_s(results: &Results) -> f64 {
    let spans = results.timeline.iter().map(|s| s.end_s);
    let events = results.events.iter().map(|e| e.t_s);
    spans.chain(events).filter(|t| t.is_finite()).fold(0.0, f64::max)
}

/// Which events the list shows.
#[derive(Clone, Debug, PartialEq)]
pub struct EventFilter {
    pub kinds: BTreeSet<EventKind>,
    /// Only events of this stage id; `None` shows every stage.
    pub stage: Option<String>,
    /// Case-insensitive words that must all appear in the event's text,
    /// stage or subject.
    pub text: String,
}

impl Default for EventFilter {
    fn default() -> Self {
        Self {
            kinds: KINDS.into_iter().collect(),
            stage: None,
            text: String::new(),
        }
    }
}

impl EventFilter {
    pub fn shows(&self, e: &SimEvent) -> bool {
        if !self.kinds.contains(&e.kind) {
            return false;
        }
        if self.stage.as_ref().is_some_and(|s| s != &e.stage) {
            return false;
        }
        let words: Vec<String> = self.text.split_whitespace().map(str::to_lowercase).collect();
        if words.is_empty() {
            return true;
        }
        let hay = format!(
            "{} {} {} {}",
            e.text,
            e.stage,
            e.subject
                .as_ref()
                .map(|r| r.plan_subject().to_string())
                .unwrap_or_default(),
            kind_label(e.kind)
        )
        .to_lowercase();
        words.iter().all(|w| hay.contains(w.as_str()))
    }

    /// Every kind shown, no stage or text restriction.
    pub fn is_everything(&self) -> bool {
        *self == Self::default()
    }
}

/// Indices into `results.events` of the events `filter` shows, in event
/// order (time, then position in the log).
pub fn visible_events(results: &Results, filter: &EventFilter) -> Vec<usize> {
    let mut v: Vec<usize> = (0..results.events.len())
        .filter(|&i| filter.shows(&results.events[i]) && results.events[i].t_s.is_finite())
        .collect();
    v.sort_by(|&a, &b| results.events[a].t_s.total_cmp(&results.events[b].t_s).then(a.cmp(&b)));
    v
}

/// Time of event `i` (events are ordered by time, then position in the log).
fn time_of(results: &Results, i: usize) -> f64 {
    results.events.get(i).map_or(f64::INFINITY, |e| e.t_s)
}

/// Where the cursor stands in `visible` (sorted in event order): the
/// position of the selected event if the cursor is at its time, else of the
/// last event at or before `t_s`. Binary searches: lists of any length.
fn current_pos(results: &Results, visible: &[usize], t_s: f64, selected: Option<usize>) -> Option<usize> {
    if let Some(i) = selected
        && time_of(results, i) == t_s
        && let Ok(p) =
            visible.binary_search_by(|&j| time_of(results, j).total_cmp(&time_of(results, i)).then(j.cmp(&i)))
    {
        return Some(p);
    }
    visible.partition_point(|&i| time_of(results, i) <= t_s).checked_sub(1)
}

/// The event the cursor stands on: the selected one if the cursor is at its
/// time, else the last visible event at or before `t_s`.
pub fn current_event(results: &Results, visible: &[usize], t_s: f64, selected: Option<usize>) -> Option<usize> {
    current_pos(results, visible, t_s, selected).map(|p| visible[p])
}

/// The next visible event after the cursor; `None` at the end.
pub fn next_event(results: &Results, visible: &[usize], t_s: f64, selected: Option<usize>) -> Option<usize> {
    let p = match current_pos(results, visible, t_s, selected) {
        Some(p) => p + 1,
        // Every shown event is later than the cursor.
        None => 0,
    };
    visible.get(p).copied()
}

/// The previous visible event: the current one when the cursor has moved
/// past it, else the one before it; `None` at the start.
pub fn prev_event(results: &Results, visible: &[usize], t_s: f64, selected: Option<usize>) -> Option<usize> {
    let p = current_pos(results, visible, t_s, selected)?;
    if time_of(results, visible[p]) < t_s {
        return Some(visible[p]);
    }
    p.checked_sub(1).map(|k| visible[k])
}

/// Stages running at `t_s` (start inclusive, end exclusive).
pub fn active_stages(results: &Results, t_s: f64) -> Vec<&StageSpan> {
    results
        .timeline
        .iter()
        .filter(|s| s.start_s <= t_s && t_s < s.end_s)
        .collect()
}

/// The value of a bucketed series at `x`: the bucket that starts at or
/// before `x` (the first bucket before the series starts).
pub fn series_at(series: &[(f64, f64)], x: f64) -> Option<f64> {
    let mut value = series.first()?.1;
    for &(at, v) in series {
        if at <= x {
            value = v;
        } else {
            break;
        }
    }
    value.is_finite().then_some(value)
}

/// What an event's subject is in `plan`: a node, a link, or nothing.
pub fn subject_in(plan: &Plan, subject: &Resource) -> Option<Subject> {
    let s = subject.plan_subject();
    let exists = match &s {
        Subject::Node(n) => plan.node(n).is_some(),
        Subject::Link(l) => plan.link(l).is_some(),
        _ => false,
    };
    exists.then_some(s)
}

/// The last event at or before `t_s` whose subject is a node or link of `plan`.
pub fn latest_subject_event(plan: &Plan, results: &Results, t_s: f64) -> Option<usize> {
    latest_in(results, &subject_events(plan, results), t_s)
}

/// Events whose subject is a node or link of `plan`, in event order: what
/// the ring can mark. Build once per run and search it with [`latest_in`].
pub fn subject_events(plan: &Plan, results: &Results) -> Vec<usize> {
    let mut v: Vec<usize> = (0..results.events.len())
        .filter(|&i| {
            let e = &results.events[i];
            e.t_s.is_finite() && e.subject.as_ref().is_some_and(|s| subject_in(plan, s).is_some())
        })
        .collect();
    v.sort_by(|&a, &b| results.events[a].t_s.total_cmp(&results.events[b].t_s).then(a.cmp(&b)));
    v
}

/// The last of `ordered` (event indices in event order) at or before `t_s`.
pub fn latest_in(results: &Results, ordered: &[usize], t_s: f64) -> Option<usize> {
    let n = ordered.partition_point(|&i| results.events.get(i).is_some_and(|e| e.t_s <= t_s));
    n.checked_sub(1).map(|k| ordered[k])
}

/// The canvas at `t_s` of the run: nodes and links used by the stages
/// running then, coloured by their use, and the subject of the latest event
/// at or before `t_s` ringed with the event's text.
pub fn overlay_at(plan: &Plan, results: &Results, t_s: f64) -> Overlay {
    overlay_marking(plan, results, t_s, latest_subject_event(plan, results, t_s))
}

/// [`overlay_at`] with the event to ring chosen by the caller (the event
/// selected in the list, when several happen at once).
///
/// Use of a node or link is the stage's utilization of it (the figure every
/// view shows). A stage whose `series` runs over its whole span (every kind
/// but training, whose series cover one iteration) scales it by the replica
/// utilization series at `t_s` relative to that series' mean, so load peaks
/// show; a busy series of the node or link itself is used as is.
/// A series is laid over the stage's span end to end (a stage slowed by
/// contention stretches it). Where stages share a node or link, the busiest
/// use is shown.
pub fn overlay_marking(plan: &Plan, results: &Results, t_s: f64, marked: Option<usize>) -> Overlay {
    let active = active_stages(results, t_s);
    let running = match active.len() {
        0 => "no stage running".to_owned(),
        1 => "1 stage running".to_owned(),
        n => format!("{n} stages running"),
    };
    let mut o = Overlay {
        title: format!("t = {} · {running}", format_duration(t_s)),
        ..Default::default()
    };
    for span in active {
        let Some(w) = results.workload(&span.stage) else {
            continue;
        };
        let over_run = w.kind != "train";
        let (local_t, span_s) = (t_s - span.start_s, span.end_s - span.start_s);
        let own = |r: &Resource| {
            over_run
                .then(|| w.series.get(&SeriesKey::Busy(r.clone())))
                .flatten()
                .and_then(|s| series_at(s, on_series(s, local_t, span_s)))
        };
        let scale = if over_run {
            w.series
                .get(&SeriesKey::ReplicaUtilization)
                .and_then(|s| load_factor(s, on_series(s, local_t, span_s)))
        } else {
            None
        }
        .unwrap_or(1.0);
        for (r, u) in &w.utilization {
            let v = unit(own(r).unwrap_or(u * scale));
            let slot = match r {
                Resource::Node(id) => o.nodes.entry(id.clone()).or_insert(0.0),
                Resource::Link(id) => o.links.entry(id.clone()).or_insert(0.0),
                _ => continue,
            };
            *slot = slot.max(v);
        }
    }
    o.bottleneck = marked.and_then(|i| {
        let e = results.events.get(i)?;
        let subject = match subject_in(plan, e.subject.as_ref()?)? {
            Subject::Node(n) => BottleneckAt::Node(n),
            Subject::Link(l) => BottleneckAt::Link(l),
            _ => return None,
        };
        o.mark_label = Some(kind_label(e.kind).to_owned());
        Some(Bottleneck {
            subject,
            text: format!("{} (at {})", e.text, format_duration(e.t_s)),
        })
    });
    o
}

/// Where `local_t` seconds into a stage of `span_s` falls on `series`, which
/// covers the stage end to end: the last bucket start plus one bucket width.
fn on_series(series: &[(f64, f64)], local_t: f64, span_s: f64) -> f64 {
    let n = series.len();
    let length = match n {
        0 => 0.0,
        1 => series[0].0,
        _ => 2.0 * series[n - 1].0 - series[n - 2].0,
    };
    if length > 0.0 && span_s > 0.0 && length.is_finite() {
        local_t * length / span_s
    } else {
        local_t
    }
}

/// The series value at `x` over the series' mean: how much busier than
/// average the stage is then. `None` for an empty or all-idle series.
fn load_factor(series: &[(f64, f64)], x: f64) -> Option<f64> {
    let values: Vec<f64> = series.iter().map(|p| p.1).filter(|v| v.is_finite()).collect();
    let mean = values.iter().sum::<f64>() / values.len().max(1) as f64;
    if mean <= 1e-12 {
        return None;
    }
    Some(series_at(series, x)? / mean)
}

fn unit(u: f64) -> f64 {
    if u.is_finite() { u.clamp(0.0, 1.0) } else { 0.0 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Link, Medium, Node, NodeKind, WiringPattern};
    use crate::sim::WorkloadResult;

    fn ev(t_s: f64, stage: &str, kind: EventKind, subject: Option<&str>, text: &str) -> SimEvent {
        // Test subjects name a link when they contain "--".
        let subject = subject.map(|s| {
            if s.contains("--") {
                Resource::Link(s.into())
            } else {
                Resource::Node(s.into())
            }
        });
        SimEvent {
            t_s,
            stage: stage.into(),
            kind,
            subject,
            text: text.into(),
        }
    }

    fn plan() -> Plan {
        let node = |id: &str| Node::new(id, NodeKind::GpuServer, "", 1, "dc");
        Plan {
            nodes: vec![node("gpu"), node("inf"), node("store")],
            links: vec![Link {
                id: "gpu--store".into(),
                from: "gpu".into(),
                to: "store".into(),
                medium: Medium::InfinibandNdr,
                pattern: WiringPattern::Spread,
                lanes: 1,
                lane_gbps: 400.0,
                latency_us: 1.0,
            }],
            ..Plan::default()
        }
    }

    /// Training 0..10 h on gpu (+ link to storage), serving 5 h..20 h on inf
    /// with a utilization series over its run.
    fn results() -> Results {
        let train = WorkloadResult {
            id: "train".into(),
            kind: "train".into(),
            utilization: [
                (Resource::Node("gpu".into()), 0.9),
                (Resource::Node("store".into()), 0.2),
                (Resource::Link("gpu--store".into()), 0.4),
            ]
            .into(),
            // Within one iteration: must not be read on the lifecycle clock.
            series: [(SeriesKey::ReplicaUtilization, vec![(0.0, 0.1), (1.0, 1.0)])].into(),
            ..Default::default()
        };
        let serve = WorkloadResult {
            id: "serve".into(),
            kind: "serve".into(),
            utilization: [(Resource::Node("inf".into()), 0.5)].into(),
            series: [(SeriesKey::ReplicaUtilization, vec![(0.0, 0.25), (3600.0, 0.75)])].into(),
            ..Default::default()
        };
        let span = |stage: &str, kind: &str, start_s: f64, end_s: f64| StageSpan {
            stage: stage.into(),
            kind: kind.into(),
            start_s,
            end_s,
            slowdown: 1.0,
            shared_with: vec![],
        };
        Results {
            workloads: vec![train, serve],
            timeline: vec![
                span("train", "train", 0.0, 36_000.0),
                span("serve", "serve", 18_000.0, 72_000.0),
            ],
            events: vec![
                ev(0.0, "train", EventKind::StageStart, None, "training starts"),
                ev(
                    7200.0,
                    "train",
                    EventKind::Checkpoint,
                    Some("store"),
                    "checkpoint 1 written",
                ),
                ev(
                    10_800.0,
                    "train",
                    EventKind::Failure,
                    Some("gpu"),
                    "GPU node failed, rolling back",
                ),
                ev(
                    10_800.0,
                    "train",
                    EventKind::Restart,
                    Some("gpu"),
                    "restarted from checkpoint 1",
                ),
                ev(18_000.0, "serve", EventKind::StageStart, None, "serving starts"),
                ev(
                    20_000.0,
                    "serve",
                    EventKind::ColdStart,
                    Some("nowhere"),
                    "replica cold start",
                ),
                ev(36_000.0, "train", EventKind::StageEnd, None, "training ends"),
                ev(72_000.0, "serve", EventKind::StageEnd, None, "serving ends"),
            ],
            ..Default::default()
        }
    }

    #[test]
    fn durations_read_in_human_units() {
        assert_eq!(format_duration(0.0), "0 s");
        assert_eq!(format_duration(0.25), "0.25 s");
        assert_eq!(format_duration(42.7), "42 s");
        assert_eq!(format_duration(200.0), "3 min 20 s");
        assert_eq!(format_duration(600.0), "10 min");
        assert_eq!(format_duration(2.0 * 3600.0 + 13.0 * 60.0 + 59.0), "2 h 13 min");
        assert_eq!(format_duration(3600.0), "1 h");
        assert_eq!(format_duration(3599.9), "59 min 59 s");
        assert_eq!(format_duration(4.0 * 86_400.0 + 6.5 * 3600.0), "4 d 6 h");
        assert_eq!(format_duration(86_400.0), "1 d");
        assert_eq!(format_duration(-90.0), "-1 min 30 s");
        assert_eq!(format_duration(f64::NAN), "–");
    }

    #[test]
    fn clock_times_keep_minutes_and_seconds() {
        assert_eq!(format_clock(42.0), "42 s");
        assert_eq!(format_clock(277.2), "4 min 37 s");
        assert_eq!(format_clock(8.0 * 3600.0 + 56.0 * 60.0 + 12.5), "8 h 56 min 12 s");
        assert_eq!(format_clock(3600.0), "1 h");
        assert_eq!(
            format_clock(2.0 * 86_400.0 + 4.0 * 3600.0 + 22.0 * 60.0 + 9.0),
            "2 d 4 h 22 min"
        );
        assert_eq!(format_clock(86_400.0 + 5.0 * 60.0), "1 d 0 h 5 min");
        assert_eq!(format_clock(3.0 * 86_400.0), "3 d");
    }

    #[test]
    fn speeds_scale_with_the_run() {
        assert_eq!(Speed::Rate(60.0).rate(1e6), 60.0);
        assert_eq!(Speed::WholeRunIn(10.0).rate(1000.0), 100.0);
        assert_eq!(Speed::Rate(3600.0).label(), "1 h per second");
        assert_eq!(Speed::Rate(1.0).label(), "Real time");
        assert_eq!(Speed::WholeRunIn(30.0).label(), "Whole run in 30 s");
    }

    #[test]
    fn the_time_window_zooms_pans_and_stays_inside_the_run() {
        let end = 1000.0;
        let mut w = TimeWindow::whole(end);
        assert!(w.is_whole(end));
        w.zoom_at(500.0, 0.5, end);
        assert_eq!(
            (w.start_s, w.end_s),
            (250.0, 750.0),
            "zoom keeps the point under the pointer"
        );
        w.zoom_at(250.0, 0.5, end);
        assert_eq!((w.start_s, w.end_s), (250.0, 500.0));
        w.pan(-400.0, end);
        assert_eq!((w.start_s, w.end_s), (0.0, 250.0), "clamped at the start");
        w.pan(5000.0, end);
        assert_eq!((w.start_s, w.end_s), (750.0, 1000.0), "clamped at the end");
        w.zoom_at(900.0, 100.0, end);
        assert!(w.is_whole(end), "never wider than the run");
        w.zoom_at(10.0, 1e-9, end);
        assert_eq!(w.len_s(), TimeWindow::MIN_S, "never narrower than a second");
        w.zoom_at(10.0, f64::NAN, end);
        assert_eq!(w.len_s(), TimeWindow::MIN_S, "bad input ignored");

        w.frame(100.0, 200.0, end);
        assert_eq!((w.start_s, w.end_s), (95.0, 205.0));
        w.follow(150.0, end);
        assert_eq!(w.start_s, 95.0, "in view: no move");
        w.follow(400.0, end);
        assert!(w.start_s < 400.0 && 400.0 < w.end_s && (w.len_s() - 110.0).abs() < 1e-9);
        w.follow(999.0, end);
        assert_eq!(w.end_s, 1000.0);
    }

    #[test]
    fn run_end_is_the_last_span_or_event() {
        let mut r = results();
        assert_eq!(run_end_s(&r), 72_000.0);
        r.events.push(ev(80_000.0, "", EventKind::Transfer, None, "late"));
        assert_eq!(run_end_s(&r), 80_000.0);
        assert_eq!(run_end_s(&Results::default()), 0.0);
    }

    #[test]
    fn filter_by_kind_stage_and_text() {
        let r = results();
        let all = visible_events(&r, &EventFilter::default());
        assert_eq!(all, (0..8).collect::<Vec<_>>());

        let f = EventFilter {
            kinds: [EventKind::Failure, EventKind::Restart].into(),
            ..Default::default()
        };
        assert_eq!(visible_events(&r, &f), vec![2, 3]);

        let f = EventFilter {
            stage: Some("serve".into()),
            ..Default::default()
        };
        assert_eq!(visible_events(&r, &f), vec![4, 5, 7]);

        // Words must all match, in any case, in text, stage, subject or kind.
        let f = EventFilter {
            text: "CHECKPOINT store".into(),
            ..Default::default()
        };
        assert_eq!(visible_events(&r, &f), vec![1]);
        let f = EventFilter {
            text: "checkpoint".into(),
            ..Default::default()
        };
        // The checkpoint itself and the restart that names it.
        assert_eq!(visible_events(&r, &f), vec![1, 3]);
        let f = EventFilter {
            text: "nothing like this".into(),
            ..Default::default()
        };
        assert!(visible_events(&r, &f).is_empty());
        assert!(EventFilter::default().is_everything());
    }

    #[test]
    fn events_are_ordered_by_time_even_if_logged_out_of_order() {
        let mut r = results();
        r.events.swap(1, 2);
        let v = visible_events(&r, &EventFilter::default());
        let times: Vec<f64> = v.iter().map(|&i| r.events[i].t_s).collect();
        assert!(times.windows(2).all(|w| w[0] <= w[1]));
    }

    #[test]
    fn stepping_visits_every_event_once_and_clamps_at_the_ends() {
        let r = results();
        let v = visible_events(&r, &EventFilter::default());
        // Forward from the start: t = 0 stands on event 0.
        let (mut t, mut sel) = (0.0, None);
        let mut seen = vec![current_event(&r, &v, t, sel).expect("event at 0")];
        while let Some(i) = next_event(&r, &v, t, sel) {
            t = r.events[i].t_s;
            sel = Some(i);
            seen.push(i);
        }
        assert_eq!(seen, (0..8).collect::<Vec<_>>(), "simultaneous events are not skipped");
        assert_eq!(next_event(&r, &v, t, sel), None, "clamped at the end");
        // And back.
        let mut back = vec![sel.expect("at the last")];
        while let Some(i) = prev_event(&r, &v, t, sel) {
            t = r.events[i].t_s;
            sel = Some(i);
            back.push(i);
        }
        assert_eq!(back, (0..8).rev().collect::<Vec<_>>());
        assert_eq!(prev_event(&r, &v, t, sel), None, "clamped at the start");
    }

    #[test]
    fn stepping_from_between_events() {
        let r = results();
        let v = visible_events(&r, &EventFilter::default());
        // Between the checkpoint (2 h) and the failure (3 h).
        assert_eq!(current_event(&r, &v, 9000.0, None), Some(1));
        assert_eq!(next_event(&r, &v, 9000.0, None), Some(2));
        assert_eq!(
            prev_event(&r, &v, 9000.0, None),
            Some(1),
            "back to the event just passed"
        );
        // With a filter, stepping skips hidden events.
        let f = EventFilter {
            kinds: [EventKind::StageEnd].into(),
            ..Default::default()
        };
        let v = visible_events(&r, &f);
        assert_eq!(next_event(&r, &v, 0.0, None), Some(6));
        assert_eq!(prev_event(&r, &v, 0.0, None), None);
        assert_eq!(next_event(&r, &[], 0.0, None), None);
    }

    #[test]
    fn a_series_is_laid_over_the_span() {
        let s = [(0.0, 0.2), (10.0, 0.6)];
        // 20 s of series over a 200 s stage.
        assert_eq!(on_series(&s, 100.0, 200.0), 10.0);
        assert_eq!(on_series(&s, 0.0, 200.0), 0.0);
        // A series that covers the stage is read as is.
        assert_eq!(on_series(&s, 15.0, 20.0), 15.0);
        // Degenerate input: read on the stage clock.
        assert_eq!(on_series(&[], 5.0, 20.0), 5.0);
        assert_eq!(on_series(&s, 5.0, 0.0), 5.0);
    }

    #[test]
    fn series_are_read_as_buckets() {
        let s = [(0.0, 0.2), (10.0, 0.6), (20.0, 0.4)];
        assert_eq!(series_at(&s, -1.0), Some(0.2));
        assert_eq!(series_at(&s, 0.0), Some(0.2));
        assert_eq!(series_at(&s, 15.0), Some(0.6));
        assert_eq!(series_at(&s, 99.0), Some(0.4));
        assert_eq!(series_at(&[], 1.0), None);
    }

    #[test]
    fn overlay_shows_the_stages_running_then() {
        let (p, r) = (plan(), results());
        // 1 h: training only.
        let o = overlay_at(&p, &r, 3600.0);
        assert_eq!(o.title, "t = 1 h · 1 stage running");
        assert_eq!(
            o.node(&"gpu".into()),
            Some(0.9),
            "training's iteration series is not used"
        );
        assert_eq!(o.node(&"store".into()), Some(0.2));
        assert_eq!(o.link(&"gpu--store".into()), Some(0.4));
        assert_eq!(o.node(&"inf".into()), None, "serving has not started");
        assert_eq!(o.bottleneck, None, "no event with a subject yet");

        // 6 h: both. Serving's series (two buckets, 2 h in all) is laid
        // over its 15 h span: the first half at a quarter load, which over
        // the series' mean of 0.5 scales its use of 0.5 to 0.25.
        let o = overlay_at(&p, &r, 21_600.0);
        assert_eq!(o.title, "t = 6 h · 2 stages running");
        assert_eq!(o.node(&"inf".into()), Some(0.25));
        assert_eq!(o.node(&"gpu".into()), Some(0.9));

        // 16 h 15 min: three quarters into serving, the busy bucket.
        let o = overlay_at(&p, &r, 58_500.0);
        assert_eq!(o.node(&"inf".into()), Some(0.75));
        assert_eq!(o.title, "t = 16 h 15 min · 1 stage running");

        // 12 h: training ended, its nodes go dark.
        let o = overlay_at(&p, &r, 43_200.0);
        assert_eq!(o.node(&"gpu".into()), None);
        assert_eq!(o.link(&"gpu--store".into()), None);
        assert!(o.title.ends_with("1 stage running"));

        // After the end: nothing running.
        let o = overlay_at(&p, &r, 72_000.0);
        assert!(o.nodes.is_empty() && o.title.ends_with("no stage running"));
    }

    #[test]
    fn overlay_rings_the_latest_event_subject() {
        let (p, r) = (plan(), results());
        let o = overlay_at(&p, &r, 7200.0);
        assert!(o.is_bottleneck_node(&"store".into()));
        assert_eq!(o.mark_label.as_deref(), Some("Checkpoint"));
        let text = o.bottleneck.as_ref().map(|b| b.text.clone()).unwrap_or_default();
        assert!(text.contains("checkpoint 1 written") && text.contains("2 h"), "{text}");

        // Two events at 3 h: the later in the log wins, unless one is chosen.
        let o = overlay_at(&p, &r, 10_800.0);
        assert_eq!(o.mark_label.as_deref(), Some("Restart"));
        let o = overlay_marking(&p, &r, 10_800.0, Some(2));
        assert_eq!(o.mark_label.as_deref(), Some("Failure"));
        assert!(o.is_bottleneck_node(&"gpu".into()));

        // A subject that is not in the plan is skipped, the earlier one stays.
        let o = overlay_at(&p, &r, 20_000.0);
        assert_eq!(o.mark_label.as_deref(), Some("Restart"));

        // Links are ringed too.
        let mut r2 = r.clone();
        r2.events.push(ev(
            30_000.0,
            "train",
            EventKind::Transfer,
            Some("gpu--store"),
            "dataset shard read",
        ));
        let o = overlay_at(&p, &r2, 30_000.0);
        assert!(o.is_bottleneck_link(&"gpu--store".into()));
    }

    #[test]
    fn overlay_of_a_run_without_a_timeline_is_empty_not_a_panic() {
        let o = overlay_at(&plan(), &Results::default(), 10.0);
        assert!(o.nodes.is_empty() && o.links.is_empty() && o.bottleneck.is_none());
        // Bad numbers are clamped.
        let mut r = results();
        r.workloads[0]
            .utilization
            .insert(Resource::Node("gpu".into()), f64::NAN);
        r.workloads[0].utilization.insert(Resource::Node("store".into()), 7.0);
        let o = overlay_at(&plan(), &r, 1.0);
        assert_eq!(o.node(&"gpu".into()), Some(0.0));
        assert_eq!(o.node(&"store".into()), Some(1.0));
    }
}
