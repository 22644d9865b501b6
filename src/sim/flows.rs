//! Flow-level network: transfers share link bandwidth max-min fairly
//! (progressive filling), re-shared only when a flow starts or ends, with a
//! per-path latency added at the end (the SimGrid/ASTRA-sim analytical method).
//!
//! Each flow crosses a list of [`Resource`](super::topology::Resource)s with
//! a weight: `w = multiplicity / orbit` for each crossing, so on a folded
//! topology one representative flow loads one orbit resource exactly as its
//! images load their physical links (see `topology.rs`). A flow's rate is
//! also capped by its slowest physical connection and by an optional
//! caller cap. Storage endpoints add their read/write throughput and
//! request-rate resources.
//!
//! The net is engine-agnostic: the owner calls [`FlowNet::advance`] at the
//! time [`FlowNet::next_event`] returns (or earlier) and reacts to the
//! completions. [`NetSim`](super::collectives::NetSim) is a ready driver.

use super::engine::SimTime;
use super::error::SimError;
use super::records::{RecordKey, Records};
use super::topology::{Endpoint, ResourceKind, Router, Topology};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};
use std::sync::Arc;

/// A transfer to start.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FlowSpec {
    pub src: Endpoint,
    pub dst: Endpoint,
    /// Bytes carried by this flow (each image, on a folded topology).
    pub bytes: f64,
    /// Size of one storage request (object/read size); bounds the rate by
    /// the storage node's request-rate limit. `None` = no request limit.
    pub request_bytes: Option<f64>,
    /// Upper bound on this flow's rate, bytes/s (e.g. a sender that cannot
    /// produce faster). `None` = network-limited.
    pub rate_cap: Option<f64>,
    /// Caller's label, returned on completion.
    pub tag: u64,
}

impl FlowSpec {
    pub fn new(src: Endpoint, dst: Endpoint, bytes: f64, tag: u64) -> Self {
        Self {
            src,
            dst,
            bytes,
            request_bytes: None,
            rate_cap: None,
            tag,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FlowId(pub u64);

/// A finished transfer.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Completion {
    pub id: FlowId,
    pub tag: u64,
    pub started: SimTime,
    /// When the last byte arrived (bandwidth phase + path latency).
    pub finished: SimTime,
    pub bytes: f64,
    /// Real flows this one stands for.
    pub multiplicity: u32,
}

#[derive(Clone, Debug)]
struct Flow {
    id: FlowId,
    tag: u64,
    bytes: f64,
    remaining: f64,
    transferred: f64,
    rate: f64,
    cap: f64,
    mult: u32,
    latency: SimTime,
    started: SimTime,
    hops: Vec<(u32, f64)>,
}

/// Totals for conservation checks.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct NetStats {
    pub flows_started: u64,
    pub flows_done: u64,
    /// Σ multiplicity × bytes of started flows.
    pub bytes_started: f64,
    /// Σ multiplicity × bytes of delivered flows.
    pub bytes_delivered: f64,
    /// Σ multiplicity × ∫ rate dt: bytes the links actually moved.
    pub bytes_moved: f64,
    pub reshares: u64,
    /// Highest load / capacity ratio any resource reached (≤ 1 + rounding).
    pub peak_utilization: f64,
}

pub struct FlowNet {
    topo: Arc<Topology>,
    router: Router,
    now: SimTime,
    next_id: u64,
    flows: Vec<Flow>,
    /// Flows whose bytes are through, waiting out the path latency.
    landing: Vec<(SimTime, Flow)>,
    /// Current load per resource (Σ w × rate), for checks and records.
    load: Vec<f64>,
    /// Physical bytes/s per record key, at the current rates.
    key_rate: BTreeMap<RecordKey, f64>,
    records: Records,
    stats: NetStats,
    next_done: Option<SimTime>,
    // Scratch reused across reshares.
    scratch: Scratch,
}

#[derive(Default)]
struct Scratch {
    frozen: Vec<f64>,
    wsum: Vec<f64>,
    unfrozen: Vec<u32>,
    used: Vec<u32>,
    start: Vec<u32>,
    members: Vec<u32>,
    level: Vec<f64>,
    prev_used: Vec<u32>,
}

fn record_key(kind: ResourceKind) -> Option<RecordKey> {
    match kind {
        ResourceKind::Link { plan_link, .. } => Some(RecordKey::Link(plan_link)),
        ResourceKind::Internal { group, .. } => Some(RecordKey::Internal(group)),
        ResourceKind::StorageRead { group } => Some(RecordKey::StorageRead(group)),
        ResourceKind::StorageWrite { group } => Some(RecordKey::StorageWrite(group)),
        _ => None,
    }
}

impl FlowNet {
    pub fn new(topo: Arc<Topology>) -> Self {
        let n = topo.resources().len();
        let mut records = Records::default();
        let mut caps: BTreeMap<RecordKey, f64> = BTreeMap::new();
        for r in topo.resources() {
            if let Some(k) = record_key(r.kind)
                && r.capacity.is_finite()
            {
                *caps.entry(k).or_default() += r.capacity * r.orbit as f64;
            }
        }
        for (k, c) in caps {
            records.set_capacity(k, c);
        }
        Self {
            topo,
            router: Router::new(),
            now: SimTime::ZERO,
            next_id: 0,
            flows: Vec::new(),
            landing: Vec::new(),
            load: vec![0.0; n],
            key_rate: BTreeMap::new(),
            records,
            stats: NetStats::default(),
            next_done: None,
            scratch: Scratch::default(),
        }
    }

    pub fn topology(&self) -> &Arc<Topology> {
        &self.topo
    }
    pub fn now(&self) -> SimTime {
        self.now
    }
    pub fn records(&self) -> &Records {
        &self.records
    }
    pub fn records_mut(&mut self) -> &mut Records {
        &mut self.records
    }
    pub fn stats(&self) -> NetStats {
        self.stats
    }
    /// Flows still moving bytes or landing.
    pub fn active(&self) -> usize {
        self.flows.len() + self.landing.len()
    }
    /// Current load of each resource (Σ weight × rate), per physical instance.
    pub fn loads(&self) -> &[f64] {
        &self.load
    }
    /// Current rate of a flow, bytes/s (None when finished or unknown).
    pub fn rate(&self, id: FlowId) -> Option<f64> {
        self.flows.iter().find(|f| f.id == id).map(|f| f.rate)
    }
    /// Time of the next completion, if any flow is active.
    pub fn next_event(&self) -> Option<SimTime> {
        self.next_done
    }

    /// Start one flow now (after moving time to `now`).
    pub fn start(&mut self, now: SimTime, spec: FlowSpec) -> Result<FlowId, SimError> {
        let ids = self.start_many(now, std::slice::from_ref(&spec))?;
        Ok(ids[0])
    }

    /// Start several flows at once with a single re-share (a collective
    /// phase starts all its flows together). Completions that fall due at
    /// `now` are kept and returned by the next `advance`.
    pub fn start_many(&mut self, now: SimTime, specs: &[FlowSpec]) -> Result<Vec<FlowId>, SimError> {
        self.integrate_to(now);
        let mut ids = Vec::with_capacity(specs.len());
        let mut new_flows = Vec::with_capacity(specs.len());
        for spec in specs {
            if !(spec.bytes >= 0.0 && spec.bytes.is_finite()) {
                return Err(SimError::Invalid(format!("flow of {} bytes", spec.bytes)));
            }
            if !self.topo.is_canonical(spec.src, spec.dst) {
                return Err(SimError::Invalid(format!(
                    "flow {:?} → {:?} is not a representative on a topology folded by {}; start flows from pod 0",
                    spec.src,
                    spec.dst,
                    self.topo.fold()
                )));
            }
            let id = FlowId(self.next_id);
            self.next_id += 1;
            let route = self.router.route(&self.topo, spec.src, spec.dst, id.0)?;
            let mult = self.topo.multiplicity(spec.src, spec.dst);
            let res = self.topo.resources();
            let mut hops: Vec<(u32, f64)> = route
                .resources
                .iter()
                .map(|&r| (r, mult as f64 / res[r as usize].orbit.max(1) as f64))
                .collect();
            if let Some(st) = self.topo.storage_resources(spec.src) {
                hops.push((st[0], mult as f64 / res[st[0] as usize].orbit.max(1) as f64));
                if let Some(rb) = spec.request_bytes.filter(|b| *b > 0.0) {
                    hops.push((st[2], mult as f64 / res[st[2] as usize].orbit.max(1) as f64 / rb));
                }
            }
            if let Some(st) = self.topo.storage_resources(spec.dst) {
                hops.push((st[1], mult as f64 / res[st[1] as usize].orbit.max(1) as f64));
                if let Some(rb) = spec.request_bytes.filter(|b| *b > 0.0) {
                    hops.push((st[3], mult as f64 / res[st[3] as usize].orbit.max(1) as f64 / rb));
                }
            }
            let cap = route.cap.min(spec.rate_cap.unwrap_or(f64::INFINITY));
            if !(cap > 0.0) {
                return Err(SimError::Invalid(format!("flow {:?} has no capacity", spec.src)));
            }
            self.stats.flows_started += 1;
            self.stats.bytes_started += spec.bytes * mult as f64;
            new_flows.push(Flow {
                id,
                tag: spec.tag,
                bytes: spec.bytes,
                remaining: spec.bytes,
                transferred: 0.0,
                rate: 0.0,
                cap,
                mult,
                latency: SimTime::from_secs(route.latency_s),
                started: now.max(self.now),
                hops,
            });
            ids.push(id);
        }
        for f in new_flows {
            if f.remaining <= 0.0 {
                self.landing.push((self.now.saturating_add(f.latency), f));
            } else {
                self.flows.push(f);
            }
        }
        self.reshare();
        Ok(ids)
    }

    /// Move time to `to` (≥ now), finish the flows whose last byte is due,
    /// re-share once, and return the completions delivered by `to`.
    pub fn advance(&mut self, to: SimTime) -> Vec<Completion> {
        self.integrate_to(to);
        let now = self.now;
        let mut done_any = false;
        let mut i = 0;
        while i < self.flows.len() {
            let f = &self.flows[i];
            // Done when less than a nanosecond of transfer is left (time is
            // integer ns; rounding must not leave a crumb flow behind).
            if f.remaining <= f.rate * 1e-9 * 1.5 || f.remaining <= f.bytes * 1e-12 {
                let mut f = self.flows.swap_remove(i);
                f.transferred += f.remaining.max(0.0);
                self.stats.bytes_moved += f.remaining.max(0.0) * f.mult as f64;
                f.remaining = 0.0;
                f.rate = 0.0;
                self.landing.push((now.saturating_add(f.latency), f));
                done_any = true;
            } else {
                i += 1;
            }
        }
        if done_any {
            // Restore id order: swap_remove must not leak into later results.
            self.flows.sort_by_key(|f| f.id);
            self.reshare();
        }
        let mut out = Vec::new();
        let mut k = 0;
        while k < self.landing.len() {
            if self.landing[k].0 <= now {
                let (t, f) = self.landing.swap_remove(k);
                self.stats.flows_done += 1;
                self.stats.bytes_delivered += f.bytes * f.mult as f64;
                out.push(Completion {
                    id: f.id,
                    tag: f.tag,
                    started: f.started,
                    finished: t,
                    bytes: f.bytes,
                    multiplicity: f.mult,
                });
            } else {
                k += 1;
            }
        }
        out.sort_by_key(|c| (c.finished, c.id));
        self.update_next();
        out
    }

    fn integrate_to(&mut self, to: SimTime) {
        if to <= self.now {
            return;
        }
        let dt = (to.0 - self.now.0) as f64 * 1e-9;
        for f in &mut self.flows {
            let moved = (f.rate * dt).min(f.remaining);
            f.remaining -= moved;
            f.transferred += moved;
            self.stats.bytes_moved += moved * f.mult as f64;
        }
        let (t0, t1) = (self.now.as_secs(), to.as_secs());
        for (&k, &rate) in &self.key_rate {
            self.records.add(k, t0, t1, rate);
        }
        self.now = to;
    }

    fn update_next(&mut self) {
        let mut next: Option<SimTime> = None;
        let now_s = self.now.as_secs();
        for f in &self.flows {
            if f.rate > 0.0 {
                let t = if f.rate.is_finite() {
                    SimTime::from_secs(now_s + f.remaining / f.rate).max(self.now)
                } else {
                    self.now
                };
                next = Some(next.map_or(t, |n| n.min(t)));
            }
        }
        for (t, _) in &self.landing {
            next = Some(next.map_or(*t, |n| n.min(*t)));
        }
        self.next_done = next;
    }

    /// Re-share bandwidth among the active flows (max-min fair).
    fn reshare(&mut self) {
        self.stats.reshares += 1;
        progressive_fill(self.topo.resources(), &mut self.flows, &mut self.scratch);
        self.after_reshare();
    }

    fn after_reshare(&mut self) {
        let res = self.topo.resources();
        // Only resources used before or now can hold load.
        for &r in &self.scratch.prev_used {
            self.load[r as usize] = 0.0;
        }
        self.scratch.prev_used.clear();
        self.scratch.prev_used.extend_from_slice(&self.scratch.used);
        for f in &self.flows {
            for &(r, w) in &f.hops {
                self.load[r as usize] += w * f.rate;
            }
        }
        for &r in &self.scratch.used {
            let c = res[r as usize].capacity;
            if c.is_finite() && c > 0.0 {
                self.stats.peak_utilization = self.stats.peak_utilization.max(self.load[r as usize] / c);
            }
        }
        self.key_rate.clear();
        for f in &self.flows {
            for &(r, w) in &f.hops {
                let rr = &res[r as usize];
                if let Some(k) = record_key(rr.kind) {
                    *self.key_rate.entry(k).or_default() += w * f.rate * rr.orbit as f64;
                }
            }
        }
        self.update_next();
    }
}

type LevelHeap = BinaryHeap<Reverse<(u64, u32)>>;

/// Max-min fair rates by progressive filling: all unfrozen flows rise
/// together; a resource that fills freezes its flows; a flow that reaches
/// its own cap freezes alone. A heap of saturation levels (lazy deletion)
/// makes the whole fill O(Σ hops · log R) instead of O(rounds · R).
/// Levels are non-negative, so their f64 bit patterns order like the values.
fn progressive_fill(res: &[super::topology::Resource], flows: &mut [Flow], s: &mut Scratch) {
    let nres = res.len();
    s.frozen.clear();
    s.frozen.resize(nres, 0.0);
    s.wsum.clear();
    s.wsum.resize(nres, 0.0);
    s.unfrozen.clear();
    s.unfrozen.resize(nres, 0);
    s.used.clear();
    for f in flows.iter() {
        for &(r, w) in &f.hops {
            if s.unfrozen[r as usize] == 0 {
                s.used.push(r);
            }
            s.unfrozen[r as usize] += 1;
            s.wsum[r as usize] += w;
        }
    }
    // CSR: the flows crossing each resource.
    s.start.clear();
    s.start.resize(nres + 1, 0);
    for &r in &s.used {
        s.start[r as usize + 1] = s.unfrozen[r as usize];
    }
    for i in 0..nres {
        s.start[i + 1] += s.start[i];
    }
    s.members.clear();
    s.members.resize(s.start[nres] as usize, 0);
    let mut fill: Vec<u32> = s.start[..nres].to_vec();
    for (fi, f) in flows.iter().enumerate() {
        for &(r, _) in &f.hops {
            s.members[fill[r as usize] as usize] = fi as u32;
            fill[r as usize] += 1;
        }
    }
    s.level.clear();
    s.level.resize(nres, f64::INFINITY);
    let mut heap: LevelHeap = BinaryHeap::with_capacity(s.used.len());
    for &r in &s.used {
        let c = res[r as usize].capacity;
        if c.is_finite() && s.wsum[r as usize] > 0.0 {
            let lv = c / s.wsum[r as usize];
            s.level[r as usize] = lv;
            heap.push(Reverse((lv.to_bits(), r)));
        }
    }
    let mut by_cap: Vec<u32> = (0..flows.len() as u32).collect();
    by_cap.sort_by(|&a, &b| flows[a as usize].cap.total_cmp(&flows[b as usize].cap).then(a.cmp(&b)));
    let mut frozen = vec![false; flows.len()];
    let mut left = flows.len();
    let mut ci = 0;
    while left > 0 {
        while ci < by_cap.len() && frozen[by_cap[ci] as usize] {
            ci += 1;
        }
        let cap_next = by_cap.get(ci).map_or(f64::INFINITY, |&i| flows[i as usize].cap);
        let top = loop {
            match heap.peek() {
                Some(&Reverse((bits, r))) => {
                    if s.unfrozen[r as usize] == 0 || s.level[r as usize].to_bits() != bits {
                        heap.pop();
                    } else {
                        break Some((f64::from_bits(bits), r));
                    }
                }
                None => break None,
            }
        };
        match top {
            Some((lv, r)) if lv <= cap_next => {
                heap.pop();
                let (a, b) = (s.start[r as usize] as usize, s.start[r as usize + 1] as usize);
                for k in a..b {
                    let fi = s.members[k] as usize;
                    if !frozen[fi] {
                        frozen[fi] = true;
                        left -= 1;
                        freeze(fi, lv, flows, res, s, &mut heap);
                    }
                }
            }
            _ => {
                let Some(&fi) = by_cap.get(ci) else { break };
                let fi = fi as usize;
                frozen[fi] = true;
                left -= 1;
                freeze(fi, cap_next, flows, res, s, &mut heap);
            }
        }
    }
}

fn freeze(
    fi: usize,
    rate: f64,
    flows: &mut [Flow],
    res: &[super::topology::Resource],
    s: &mut Scratch,
    heap: &mut LevelHeap,
) {
    let f = &mut flows[fi];
    f.rate = rate;
    for &(r, w) in &f.hops {
        let ri = r as usize;
        s.frozen[ri] += w * rate;
        s.wsum[ri] -= w;
        s.unfrozen[ri] -= 1;
        let c = res[ri].capacity;
        if s.unfrozen[ri] > 0 && c.is_finite() && rate.is_finite() {
            let lv = ((c - s.frozen[ri]).max(0.0) / s.wsum[ri].max(1e-300)).max(rate);
            s.level[ri] = lv;
            heap.push(Reverse((lv.to_bits(), r)));
        } else {
            s.level[ri] = f64::INFINITY;
        }
    }
}
