//! Which plan nodes and links a stage keeps busy, and how busy: the
//! `node_use` / `link_use` maps of a [`WorkloadResult`] keyed by the plan's
//! node and link ids, and the plan id its bottleneck is on.
//!
//! Conventions (the contention model of the lifecycle clock relies on them):
//! - compute nodes: the share of the group's devices the stage holds (a
//!   device runs one stage at a time, so two stages holding all devices of a
//!   group sum to 2 and stretch each other);
//! - storage nodes: bytes/s the stage moves over the storage's aggregate
//!   read (or write) throughput;
//! - links: bytes/s over the link's aggregate capacity per direction, every
//!   link on the fewest-hop path between the two ends (busier direction).
//!
//! Values are capped at 1 per stage: a stage alone cannot use more than a
//! resource has (its own model already slowed it down to fit).

use crate::model::{Catalog, Link, LinkId, NodeId, NodeKind, NodeRole, Plan, WiringPattern};
use crate::sim::metrics::{Cause, MetricKey, Resource};
use crate::sim::results::WorkloadResult;
use crate::sim::training::largest_loss;
use std::collections::BTreeMap;

/// Achieved fraction of a link's line rate for bulk transfers (same value
/// as the training model's NIC efficiency: 0.94, see training/hw.rs).
pub const LINK_EFFICIENCY: f64 = crate::sim::training::hw::NIC_EFFICIENCY;

/// Aggregate capacity of a plan link, bytes/s per direction: connections of
/// its wiring pattern × lanes × lane rate.
pub fn link_capacity(plan: &Plan, catalog: &Catalog, link: &Link) -> f64 {
    let (Some(a), Some(b)) = (plan.node(&link.from), plan.node(&link.to)) else {
        return link.connection_gbps() * 1e9 / 8.0;
    };
    let (ca, cb) = (a.count.max(1) as f64, b.count.max(1) as f64);
    let nics = |n: &crate::model::Node| catalog.system(&n.model).map(|s| s.nics.max(1)).unwrap_or(1) as f64;
    let connections = match link.pattern {
        WiringPattern::OneToOne => ca.min(cb),
        WiringPattern::Spread => ca.max(cb),
        WiringPattern::AllToAll => ca * cb,
        WiringPattern::Rail => match (a.kind == NodeKind::Switch, b.kind == NodeKind::Switch) {
            (true, false) => cb * nics(b),
            (false, true) => ca * nics(a),
            _ => ca.max(cb),
        },
    };
    connections * link.connection_gbps() * 1e9 / 8.0 * LINK_EFFICIENCY
}

/// Plan links on a fewest-hop path from `from` to `to`
/// ([`crate::model::PlanIndex::path`]).
pub fn path(plan: &Plan, from: &NodeId, to: &NodeId) -> Vec<LinkId> {
    crate::model::PlanIndex::new(plan).path(from, to)
}

/// What a stage claims of plan nodes and links (`demand`, for contention)
/// and how busy it keeps them (`busy`, what every view shows), accumulated
/// per stage. The two differ only for compute groups: a stage that holds
/// all devices but computes 1 % of the time demands 1 and is 1 % busy.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Usage {
    pub demand: BTreeMap<Resource, f64>,
    pub busy: BTreeMap<Resource, f64>,
}

impl Usage {
    /// A storage node, CPU workers or a link busy for `busy` of its capacity.
    pub fn node(&mut self, id: &NodeId, busy: f64) {
        self.held(id, busy, 1.0);
    }
    /// A compute group: `held` of its devices, each busy `busy` of the time.
    pub fn held(&mut self, id: &NodeId, held: f64, busy: f64) {
        if held.is_finite() && held > 0.0 {
            let r = Resource::Node(id.clone());
            *self.demand.entry(r.clone()).or_insert(0.0) += held;
            *self.busy.entry(r).or_insert(0.0) += held * busy.clamp(0.0, 1.0);
        }
    }
    pub fn link(&mut self, id: &LinkId, busy: f64) {
        if busy.is_finite() && busy > 0.0 {
            let r = Resource::Link(id.clone());
            *self.demand.entry(r.clone()).or_insert(0.0) += busy;
            *self.busy.entry(r).or_insert(0.0) += busy;
        }
    }
    /// `bytes_per_s` flowing between two plan nodes: every link on the path
    /// gets its share of capacity.
    pub fn flow(&mut self, plan: &Plan, catalog: &Catalog, from: &NodeId, to: &NodeId, bytes_per_s: f64) {
        if !(bytes_per_s.is_finite() && bytes_per_s > 0.0) {
            return;
        }
        for lid in path(plan, from, to) {
            if let Some(l) = plan.link(&lid) {
                let cap = link_capacity(plan, catalog, l);
                if cap > 0.0 {
                    self.link(&lid, bytes_per_s / cap);
                }
            }
        }
    }
    /// A storage node read (or written) at `bytes_per_s`.
    pub fn storage(&mut self, plan: &Plan, catalog: &Catalog, id: &NodeId, bytes_per_s: f64, write: bool) {
        if let Some(cap) = storage_capacity(plan, catalog, id, write)
            && cap > 0.0
        {
            self.node(id, bytes_per_s / cap);
        }
    }
    /// Write the capped maps into a workload result; the plan's nodes and
    /// links join the resources the workload model named itself.
    pub fn apply(self, w: &mut WorkloadResult) {
        w.demand = self.demand.into_iter().map(|(k, v)| (k, v.clamp(0.0, 1.0))).collect();
        for (k, v) in self.busy {
            w.utilization.insert(k, v.clamp(0.0, 1.0));
        }
    }
}

/// Aggregate read or write throughput of a storage node, bytes/s.
pub fn storage_capacity(plan: &Plan, catalog: &Catalog, id: &NodeId, write: bool) -> Option<f64> {
    let n = plan.node(id)?;
    let m = catalog.storage(&n.model)?;
    let per = if write { m.write_gbs } else { m.read_gbs };
    Some(per * 1e9 * n.count.max(1) as f64)
}

/// Devices of a compute node group (members × devices per member).
pub fn devices_of(plan: &Plan, catalog: &Catalog, id: &NodeId) -> Option<f64> {
    let n = plan.node(id)?;
    let s = catalog.system(&n.model)?;
    Some(n.count as f64 * s.devices.max(1) as f64)
}

/// Training: the devices it holds, the scale-out links of its servers, the
/// data it reads and the checkpoints it writes.
pub fn training(
    plan: &Plan,
    catalog: &Catalog,
    stage: &crate::model::Stage,
    t: &crate::model::TrainStage,
    run: &crate::sim::training::TrainingRun,
    w: &mut WorkloadResult,
) {
    let mut u = Usage::default();
    let c = &run.cluster;
    let step = w
        .metric(MetricKey::EffectiveSecondsPerIteration)
        .unwrap_or(run.iteration.seconds)
        .max(1e-12);
    // Devices held, filling the placement groups in order; each computes
    // for the compute share of the effective step.
    let computing = w.breakdown.get(&Cause::Compute).copied().unwrap_or(0.0) / step;
    let mut left = run.gpus as f64;
    for id in &stage.placement {
        if let Some(d) = devices_of(plan, catalog, id)
            && d > 0.0
        {
            let take = left.min(d);
            u.held(id, take / d, computing);
            left -= take;
        }
    }
    // Scale-out traffic: bytes per device per iteration over the step, all
    // devices; spread over the server group's links to the fabric.
    let rate = run.iteration.scale_out_bytes_per_device * run.gpus as f64 / step;
    if rate > 0.0 {
        for l in plan.links_of(&c.node_id) {
            let other_id = if l.from == c.node_id { &l.to } else { &l.from };
            let Some(other) = plan.node(other_id) else { continue };
            if other.kind.role() != NodeRole::Network
                || matches!(
                    l.medium,
                    crate::model::Medium::NvLink | crate::model::Medium::Pcie4 | crate::model::Medium::Pcie5
                )
            {
                continue;
            }
            let cap = link_capacity(plan, catalog, l);
            if cap > 0.0 {
                u.link(&l.id, rate / cap);
            }
            // Traffic between leaves crosses the links above them: the share
            // of peers under another leaf, 1 − 1/leaves.
            if other.kind == NodeKind::Switch && other.count > 1 {
                let crossing = 1.0 - 1.0 / other.count as f64;
                for up in plan.links_of(other_id) {
                    let far = if &up.from == other_id { &up.to } else { &up.from };
                    if far == &c.node_id || plan.node(far).is_none_or(|n| n.kind != NodeKind::Switch) {
                        continue;
                    }
                    let cap = link_capacity(plan, catalog, up);
                    if cap > 0.0 {
                        u.link(&up.id, rate * crossing / cap);
                    }
                }
            }
        }
    }
    // Training data read.
    if let Some(src) = &t.data_source {
        let demand = run.data.demand_bytes_per_s.min(run.data.supply_bytes_per_s);
        u.storage(plan, catalog, src, demand, false);
        u.flow(plan, catalog, src, &c.node_id, demand);
    }
    // Periodic checkpoints: average write rate over the run.
    let wall = w.metric(MetricKey::TimeToTrain).unwrap_or(0.0);
    let n = w.metric(MetricKey::Checkpoints).unwrap_or(0.0);
    if let Some(ck) = &t.checkpoint
        && wall > 0.0
        && n > 0.0
    {
        let rate = run.resilience.checkpoint_bytes * n / wall;
        u.storage(plan, catalog, &ck.target, rate, true);
        u.flow(plan, catalog, &c.node_id, &ck.target, rate);
    }
    // The bottleneck subject: where the largest loss of the diagnosis is.
    let (cause, secs) = largest_loss(&w.breakdown);
    let share = secs / step;
    let node = Resource::Node(c.node_id.clone());
    w.bottleneck = Some(match cause {
        Cause::DataStall if share >= 0.05 => t.data_source.clone().map(Resource::Node).unwrap_or(node),
        Cause::Checkpoint if share >= 0.05 => t
            .checkpoint
            .as_ref()
            .map(|ck| Resource::Node(ck.target.clone()))
            .unwrap_or(node),
        Cause::DpComm | Cause::PpComm | Cause::MoeComm if share >= 0.05 && !c.scale_out_link.is_empty() => {
            Resource::Link(c.scale_out_link.as_str().into())
        }
        _ => node,
    });
    u.apply(w);
}

/// Bytes on the wire per token of a request or response (UTF-8 text, ~4
/// characters per token for English BPE vocabularies; OpenAI tokenizer docs)
/// plus HTTP/JSON framing, rounded to 6 bytes. Estimate.
pub const WIRE_BYTES_PER_TOKEN: f64 = 6.0;

/// Serving: the devices each replica pool holds (for the time it was up) and
/// the request traffic from the source.
pub fn serving(
    plan: &Plan,
    catalog: &Catalog,
    s: &crate::model::ServeStage,
    r: &crate::sim::serving::ServingResult,
    w: &mut WorkloadResult,
) {
    let mut u = Usage::default();
    let dur = r.duration_s.max(1e-12);
    let per_request = (s.prompt_tokens.mean.max(0.0) + s.output_tokens.mean.max(0.0)) * WIRE_BYTES_PER_TOKEN;
    let total_replicas: f64 = r.pools.iter().map(|p| p.replicas as f64).sum();
    let mut busiest: Option<(f64, String)> = None;
    for p in &r.pools {
        let id: NodeId = p.node.as_str().into();
        if let Some(d) = devices_of(plan, catalog, &id)
            && d > 0.0
        {
            let up_fraction = (p.replica_hours * 3600.0 / dur / p.replicas.max(1) as f64).min(1.0);
            let held = p.replicas as f64 * p.devices_per_replica as f64 / d * up_fraction;
            u.held(&id, held, p.utilization);
        }
        let share = if total_replicas > 0.0 {
            p.replicas as f64 / total_replicas
        } else {
            0.0
        };
        u.flow(
            plan,
            catalog,
            &s.source,
            &id,
            r.requests_per_second * per_request * share,
        );
        if busiest.as_ref().is_none_or(|(b, _)| p.utilization > *b) {
            busiest = Some((p.utilization, p.node.clone()));
        }
    }
    w.bottleneck = busiest.map(|(_, n)| Resource::Node(n.as_str().into()));
    u.apply(w);
}

/// Data stages: source read, destination write, the workers' CPUs, and the
/// traffic source → workers → destination.
pub fn data(
    plan: &Plan,
    catalog: &Catalog,
    stage: &crate::model::Stage,
    d: &crate::model::DataStage,
    r: &crate::sim::data::DataResult,
    w: &mut WorkloadResult,
) {
    let mut u = Usage::default();
    let dur = r.duration_s.max(1e-12);
    let (read, write) = (r.bytes_read / dur, r.bytes_written / dur);
    u.storage(plan, catalog, &d.source, read, false);
    u.storage(plan, catalog, &d.destination, write, true);
    // CPU: core-seconds over the cores of each worker group for the duration.
    let workers: Vec<&NodeId> = stage
        .placement
        .iter()
        .filter(|id| plan.node(id).is_some_and(|n| n.kind.role() == NodeRole::Compute))
        .collect();
    let cores: Vec<f64> = workers
        .iter()
        .map(|id| crate::sim::data::cores_of_node(plan, catalog, id))
        .collect();
    let all: f64 = cores.iter().sum();
    for (id, c) in workers.iter().zip(&cores) {
        if all > 0.0 && *c > 0.0 {
            u.node(id, r.cpu_core_seconds / (all * dur));
            let share = c / all;
            u.flow(plan, catalog, &d.source, id, read * share);
            u.flow(plan, catalog, id, &d.destination, write * share);
        }
    }
    let first = workers.first().map(|n| Resource::Node((*n).clone()));
    w.bottleneck = if r.bottleneck.starts_with("read from") || r.bottleneck.contains("GET") {
        Some(Resource::Node(d.source.clone()))
    } else if r.bottleneck.starts_with("write to") || r.bottleneck.contains("PUT") {
        Some(Resource::Node(d.destination.clone()))
    } else if r.bottleneck.contains("connections") {
        Some(Resource::Node(d.source.clone()))
    } else {
        first
    };
    u.apply(w);
}
