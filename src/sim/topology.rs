//! The physical network built from a plan: every server's inside (GPUs on an
//! NVLink/NVSwitch domain, NICs, host PCIe root, local NVMe), switches,
//! storage and gateways, joined as the plan's links and wiring patterns say.
//!
//! Capacities are *achievable* payload rates per direction (line rate ×
//! medium efficiency, see the constants below); links are full duplex, so
//! every physical connection becomes two directed [`Resource`]s.
//!
//! # Symmetry (folding)
//! A plan with 2,048 identical servers behaves, for symmetric traffic, like
//! 2,048 copies of one "pod". The builder looks for the largest `f` such that
//! shifting every *sharded* group by `count / f` members (member `m` →
//! `m + count/f mod count`) maps the wiring onto itself; groups that cannot
//! shift (e.g. one switch per rail) stay *global* (each member fixed). It then
//! materializes only the representative members `0 .. count/f` of sharded
//! endpoint groups (servers, storage) while keeping every switch, and gives
//! each *orbit* of physical connections one resource whose `orbit` says how
//! many physical links it stands for. A flow between representatives stands
//! for its `f` images (its multiplicity); see `flows.rs` for how loads are
//! weighted. With `f = 1` this is the plain per-member expansion.

use super::error::SimError;
use crate::model::{Catalog, Medium, NodeId, NodeKind, Plan, System, WiringPattern};
use petgraph::graph::{DiGraph, NodeIndex};
use std::collections::{HashMap, HashSet};

/// Achievable fraction of NVLink line rate for bulk collective traffic.
/// Source: NCCL all-reduce ring bus bandwidth ≈ 370 GB/s of 450 GB/s per
/// direction on HGX H100 (0.82) and ≈ 230 of 300 GB/s on HGX A100 (0.77)
/// (../shared/validation/hardware.csv); 0.80 keeps both within 5 %.
pub const NVLINK_EFFICIENCY: f64 = 0.80;
/// Achievable fraction of InfiniBand line rate. Source: nccl-tests across
/// nodes reach 46–48 GB/s per 400 Gb/s NDR ConnectX-7 NIC (hardware.csv).
pub const INFINIBAND_EFFICIENCY: f64 = 0.94;
/// Achievable fraction of Ethernet (RoCEv2) line rate. Estimate: RoCEv2
/// headers cost ~2–3 % at 4 KiB MTU, congestion control a few % more;
/// published nccl-tests on 400 GbE report ~43–46 GB/s (0.86–0.92).
pub const ETHERNET_EFFICIENCY: f64 = 0.90;
/// Achievable fraction of PCIe x16 rate. Source: CUDA bandwidthTest reaches
/// ~26 GB/s host↔device on Gen4 x16 (32 GB/s raw): TLP/DLLP overhead.
pub const PCIE_EFFICIENCY: f64 = 0.80;
/// WAN links: protocol overhead of TCP/IP over long-haul circuits (estimate).
pub const WAN_EFFICIENCY: f64 = 0.90;
/// PCIe x16 per direction, GB/s (PCI-SIG: Gen4 ~32, Gen5 ~64). GPU↔NIC and
/// GPU↔host paths in a server; Gen5 is assumed where NICs run ≥ 400 Gb/s
/// (ConnectX-7 NDR needs Gen5 x16 for line rate).
pub const PCIE4_X16_GBS: f64 = 32.0;
pub const PCIE5_X16_GBS: f64 = 64.0;
/// One-way latency of one hop inside a server: GPU↔NVSwitch (half of the
/// ~0.5 µs NVLink GPU-to-GPU hop in `Medium::default_latency_us`) and a
/// PCIe switch hop (~0.4 µs, half of the PCIe medium default).
pub const NVLINK_HOP_LATENCY_S: f64 = 0.25e-6;
pub const PCIE_HOP_LATENCY_S: f64 = 0.4e-6;

/// Achievable payload fraction of a medium's line rate.
pub fn medium_efficiency(m: Medium) -> f64 {
    match m {
        Medium::NvLink => NVLINK_EFFICIENCY,
        Medium::Pcie4 | Medium::Pcie5 => PCIE_EFFICIENCY,
        Medium::Wan => WAN_EFFICIENCY,
        m if m.is_infiniband() => INFINIBAND_EFFICIENCY,
        _ => ETHERNET_EFFICIENCY,
    }
}

/// A component inside one member of a group.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Part {
    /// Accelerator (or CPU socket of a CPU server) number i.
    Device(u16),
    Nic(u16),
    /// The NVSwitch / scale-up hub every device connects to.
    ScaleUp,
    /// Host CPU / PCIe root complex.
    Host,
    /// Local NVMe of a server.
    Nvme,
    /// A member without inside structure (switch, storage member, source).
    Whole,
}

/// One component of one member: what flows start and end at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Endpoint {
    /// Index of the node group (same order as `plan.nodes`).
    pub group: u32,
    /// Member index in the real (unfolded) group, `0 .. count`.
    pub member: u32,
    pub part: Part,
}

/// What a resource is, for records and diagnosis.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResourceKind {
    /// A direction of a link of the plan (index into `plan.links`).
    Link {
        plan_link: u32,
        medium: Medium,
    },
    /// A direction of a link inside a server of group `group`.
    Internal {
        group: u32,
        medium: Medium,
    },
    StorageRead {
        group: u32,
    },
    StorageWrite {
        group: u32,
    },
    /// Request-rate limit: capacity in requests/s, flows weigh 1/request size.
    StorageReadRequests {
        group: u32,
    },
    StorageWriteRequests {
        group: u32,
    },
}

/// A shared capacity flows compete for.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Resource {
    /// Capacity of *one* physical instance (bytes/s, or requests/s).
    pub capacity: f64,
    /// How many physical instances this resource stands for (orbit size).
    pub orbit: u32,
    pub kind: ResourceKind,
}

/// A connection from a member's part to a neighbour outside the member.
#[derive(Clone, Copy, Debug)]
struct Port {
    part: u16,
    peer: Endpoint,
    out_res: u32,
    in_res: u32,
    latency_s: f64,
    cap: f64,
}

/// Inside of one member, shared by all members of a group.
#[derive(Clone, Debug, Default)]
struct Layout {
    parts: Vec<Part>,
    /// Directed internal edges: (from, to, capacity bytes/s, latency s, medium).
    edges: Vec<(u16, u16, f64, f64, Medium)>,
    /// routes[a][b]: internal edge indices from part a to part b.
    routes: Vec<Vec<Option<Vec<u16>>>>,
}

impl Layout {
    fn part_index(&self, p: Part) -> Option<u16> {
        self.parts.iter().position(|&q| q == p).map(|i| i as u16)
    }
    fn compute_routes(&mut self) {
        let n = self.parts.len();
        self.routes = vec![vec![None; n]; n];
        for s in 0..n {
            // BFS: parent edge of each part.
            let mut parent: Vec<Option<u16>> = vec![None; n];
            let mut seen = vec![false; n];
            seen[s] = true;
            let mut queue = std::collections::VecDeque::from([s]);
            while let Some(u) = queue.pop_front() {
                for (ei, e) in self.edges.iter().enumerate() {
                    let v = e.1 as usize;
                    if e.0 as usize == u && !seen[v] {
                        seen[v] = true;
                        parent[v] = Some(ei as u16);
                        queue.push_back(v);
                    }
                }
            }
            for (t, &reached) in seen.iter().enumerate() {
                if !reached {
                    continue;
                }
                let mut path = Vec::new();
                let mut cur = t;
                while cur != s {
                    let Some(ei) = parent[cur] else { break };
                    path.push(ei);
                    cur = self.edges[ei as usize].0 as usize;
                }
                path.reverse();
                self.routes[s][t] = Some(path);
            }
        }
    }
}

#[derive(Clone, Debug)]
struct Member {
    /// First resource id of this member's internal edges.
    res_base: u32,
    /// First petgraph vertex of this member's parts.
    vbase: u32,
    ports: Vec<Port>,
    /// Transit id for switch and gateway members.
    transit: Option<u32>,
    /// Storage resources: read, write, read requests, write requests.
    storage: Option<[u32; 4]>,
}

/// A node group of the plan as the simulator sees it.
#[derive(Clone, Debug)]
pub struct Group {
    pub node: NodeId,
    pub name: String,
    pub kind: NodeKind,
    pub count: u32,
    /// Whether members shift under the fold (only representatives exist).
    pub sharded: bool,
    /// Devices per member (GPUs of a server), 0 for non-compute groups.
    pub devices: u32,
    pub nics: u32,
    /// Catalog device id of the members' accelerators.
    pub device_model: Option<String>,
    /// Per-device scale-up bandwidth, GB/s per direction (0 = none).
    pub scale_up_gbs: f64,
    /// NIC line rate, Gb/s (0 = unknown).
    pub nic_gbps: f64,
    /// Storage members: read and write bytes/s, read and write requests/s.
    pub storage_spec: (f64, f64, f64, f64),
    /// Storage members: time to first byte, seconds.
    pub storage_latency_s: f64,
    layout: Layout,
    members: Vec<Member>,
    transit: bool,
    switch_latency_s: f64,
}

/// Information on a materialized vertex of the petgraph graph.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VertexInfo {
    pub group: u32,
    pub member: u32,
    pub part: Part,
}

/// Whether the builder may fold symmetric groups.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Fold {
    /// Fold as far as the wiring allows.
    #[default]
    Auto,
    /// Expand every member (needed when traffic is not symmetric).
    None,
}

pub struct Topology {
    fold: u32,
    groups: Vec<Group>,
    resources: Vec<Resource>,
    graph: DiGraph<VertexInfo, u32>,
    /// Transit adjacency (switch graph): (neighbour transit id, resource, latency).
    adj: Vec<Vec<(u32, u32, f64)>>,
    /// (group, member) of each transit id.
    transit_of: Vec<(u32, u32)>,
}

/// A physical connection before folding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct Conn {
    a: Endpoint,
    b: Endpoint,
    link: u32,
}

#[derive(Clone, Copy, Debug)]
struct ConnAttrs {
    cap: f64,
    latency_s: f64,
    medium: Medium,
}

impl Topology {
    /// Build the network of `plan` with hardware from `catalog`.
    pub fn build(plan: &Plan, catalog: &Catalog, fold: Fold) -> Result<Topology, SimError> {
        let mut groups = Vec::with_capacity(plan.nodes.len());
        for node in &plan.nodes {
            groups.push(make_group(node, catalog)?);
        }
        let index: HashMap<&NodeId, u32> = plan.nodes.iter().enumerate().map(|(i, n)| (&n.id, i as u32)).collect();
        let mut conns: Vec<(Conn, ConnAttrs)> = Vec::new();
        for (li, link) in plan.links.iter().enumerate() {
            let (Some(&a), Some(&b)) = (index.get(&link.from), index.get(&link.to)) else {
                return Err(SimError::Topology(format!(
                    "link '{}' joins a node that does not exist",
                    link.id
                )));
            };
            if a == b {
                return Err(SimError::Topology(format!("link '{}' joins a node to itself", link.id)));
            }
            if link.lanes == 0 || !(link.lane_gbps > 0.0 && link.lane_gbps.is_finite()) {
                return Err(SimError::Topology(format!("link '{}' has no capacity", link.id)));
            }
            expand_link(&groups, a, b, li as u32, link, &mut conns)?;
        }
        let f = choose_fold(&mut groups, &conns, fold);
        Ok(assemble(groups, conns, f))
    }

    /// The fold factor: each representative stands for this many members.
    pub fn fold(&self) -> u32 {
        self.fold
    }
    pub fn groups(&self) -> &[Group] {
        &self.groups
    }
    pub fn group_index(&self, id: &NodeId) -> Option<u32> {
        self.groups.iter().position(|g| &g.node == id).map(|i| i as u32)
    }
    pub fn group(&self, g: u32) -> Option<&Group> {
        self.groups.get(g as usize)
    }
    pub fn resources(&self) -> &[Resource] {
        &self.resources
    }
    /// The materialized vertices and directed links (edge weight = resource id).
    pub fn graph(&self) -> &DiGraph<VertexInfo, u32> {
        &self.graph
    }
    /// Number of members materialized for group `g` (representatives).
    pub fn rep_count(&self, g: u32) -> u32 {
        self.groups.get(g as usize).map_or(0, |gr| gr.members.len() as u32)
    }
    /// Members per pod of a group: `count / fold` when sharded, else `count`.
    fn pod(&self, g: &Group) -> u32 {
        if g.sharded { g.count / self.fold } else { g.count }
    }

    /// (representative member, shift k) of a real member.
    fn resolve(&self, g: &Group, member: u32) -> (u32, u32) {
        if g.sharded {
            let pod = self.pod(g);
            (member % pod, member / pod)
        } else {
            (member, 0)
        }
    }
    /// Apply the shift σ^k to a member of group `g` (k may be negative mod fold).
    fn shift(&self, g: &Group, member: u32, k: i64) -> u32 {
        if !g.sharded || self.fold == 1 {
            return member;
        }
        let pod = self.pod(g) as i64;
        let count = g.count as i64;
        (((member as i64 + k * pod) % count + count) % count) as u32
    }
    fn shift_ep(&self, e: Endpoint, k: i64) -> Endpoint {
        let g = &self.groups[e.group as usize];
        Endpoint {
            member: self.shift(g, e.member, k),
            ..e
        }
    }

    /// Whether a flow from `src` to `dst` is the representative of its
    /// orbit: its first sharded endpoint lies in pod 0. Only such flows may be
    /// started on a folded topology (each stands for `multiplicity` flows).
    pub fn is_canonical(&self, src: Endpoint, dst: Endpoint) -> bool {
        for e in [src, dst] {
            let Some(g) = self.groups.get(e.group as usize) else {
                return false;
            };
            if g.sharded && self.fold > 1 {
                return e.member < self.pod(g);
            }
        }
        true
    }
    /// How many real flows a flow between these endpoints stands for.
    pub fn multiplicity(&self, src: Endpoint, dst: Endpoint) -> u32 {
        let sharded = |e: Endpoint| self.groups.get(e.group as usize).is_some_and(|g| g.sharded);
        if self.fold > 1 && (sharded(src) || sharded(dst)) {
            self.fold
        } else {
            1
        }
    }

    fn check_endpoint(&self, e: Endpoint) -> Result<(&Group, u16), SimError> {
        let g = self
            .groups
            .get(e.group as usize)
            .ok_or_else(|| SimError::Invalid(format!("group {} does not exist", e.group)))?;
        if e.member >= g.count {
            return Err(SimError::Invalid(format!(
                "'{}' has {} members, not {}",
                g.name,
                g.count,
                e.member + 1
            )));
        }
        let p = g
            .layout
            .part_index(e.part)
            .ok_or_else(|| SimError::Invalid(format!("'{}' has no part {:?}", g.name, e.part)))?;
        Ok((g, p))
    }

    /// Ports of a member, with peers in the member's own frame.
    fn ports_of(&self, g: &Group, member: u32) -> Vec<Port> {
        let (rep, k) = self.resolve(g, member);
        let Some(m) = g.members.get(rep as usize) else {
            return Vec::new();
        };
        if k == 0 {
            return m.ports.clone();
        }
        m.ports
            .iter()
            .map(|p| Port {
                peer: self.shift_ep(p.peer, k as i64),
                ..*p
            })
            .collect()
    }

    fn transit_id(&self, e: Endpoint) -> Option<u32> {
        let g = self.groups.get(e.group as usize)?;
        if !g.transit {
            return None;
        }
        g.members.get(e.member as usize)?.transit
    }

    fn internal_path(&self, g: &Group, rep: u32, a: u16, b: u16, w: f64, out: &mut PathAcc) -> bool {
        let Some(Some(path)) = g.layout.routes.get(a as usize).and_then(|r| r.get(b as usize)) else {
            return false;
        };
        let Some(m) = g.members.get(rep as usize) else {
            return false;
        };
        for &ei in path {
            let e = g.layout.edges[ei as usize];
            out.hop(m.res_base + ei as u32, w, e.3);
        }
        true
    }

    fn internal_hops(g: &Group, a: u16, b: u16) -> Option<usize> {
        g.layout
            .routes
            .get(a as usize)?
            .get(b as usize)?
            .as_ref()
            .map(|p| p.len())
    }

    /// Storage resources touched by reading from / writing to an endpoint.
    /// Time to first byte of a storage endpoint (0 for other endpoints).
    pub fn storage_latency(&self, e: Endpoint) -> f64 {
        self.groups.get(e.group as usize).map_or(0.0, |g| g.storage_latency_s)
    }

    pub(crate) fn storage_resources(&self, e: Endpoint) -> Option<[u32; 4]> {
        let g = self.groups.get(e.group as usize)?;
        let (rep, _) = self.resolve(g, e.member);
        g.members.get(rep as usize)?.storage
    }

    /// Aggregate scale-out bandwidth of one member (achievable, bytes/s per
    /// direction): the sum of its ports' capacities.
    pub fn member_scale_out(&self, group: u32) -> f64 {
        self.groups
            .get(group as usize)
            .and_then(|g| g.members.first())
            .map_or(0.0, |m| m.ports.iter().map(|p| p.cap).sum())
    }
}

/// The paths a flow takes: the resources it crosses, each with the
/// fraction of the flow's rate that crosses it (1 on a single path; less
/// where the flow is split over equal-cost paths).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Route {
    /// (resource, fraction), sorted by resource, each resource once.
    pub hops: Vec<(u32, f64)>,
    /// Mean latency over the paths (hops and switches), seconds.
    pub latency_s: f64,
    /// The rate this flow reaches alone: min over hops of capacity / fraction.
    pub cap: f64,
}

/// How a flow uses equal-cost paths.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Ecmp {
    /// Spread each flow evenly over all shortest paths (fluid model of
    /// InfiniBand adaptive routing and of NCCL's several QPs per connection).
    /// Exact under folding: images of a flow load an orbit evenly.
    #[default]
    Split,
    /// Hash each flow onto one shortest path (classic per-flow ECMP, with
    /// its collisions). Folded results then assume collision-free balance.
    Hash,
}

/// Shortest-path routing with ECMP, with a cache of BFS distances per
/// destination switch. Owned by whoever routes (a `FlowNet`), so the
/// topology itself stays immutable and shareable.
pub struct Router {
    dist: HashMap<u32, Vec<u32>>,
    mode: Ecmp,
}

/// Bound on cached distance vectors (each is `4 × switches` bytes).
const ROUTER_CACHE_MAX: usize = 4096;

impl Default for Router {
    fn default() -> Self {
        Self::new()
    }
}

fn mix(mut x: u64) -> u64 {
    // splitmix64 finalizer: a cheap, well-spread hash for ECMP choices.
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

impl Router {
    pub fn new() -> Self {
        Self::with_mode(Ecmp::Split)
    }
    pub fn with_mode(mode: Ecmp) -> Self {
        Self {
            dist: HashMap::new(),
            mode,
        }
    }

    fn dist_to<'a>(&'a mut self, topo: &Topology, t: u32) -> &'a [u32] {
        if self.dist.len() >= ROUTER_CACHE_MAX && !self.dist.contains_key(&t) {
            self.dist.clear();
        }
        self.dist.entry(t).or_insert_with(|| {
            let n = topo.adj.len();
            let mut d = vec![u32::MAX; n];
            let mut q = std::collections::VecDeque::new();
            if (t as usize) < n {
                d[t as usize] = 0;
                q.push_back(t);
            }
            while let Some(u) = q.pop_front() {
                let du = d[u as usize];
                for &(v, _, _) in &topo.adj[u as usize] {
                    if d[v as usize] == u32::MAX {
                        d[v as usize] = du + 1;
                        q.push_back(v);
                    }
                }
            }
            d
        })
    }

    /// Route from `src` to `dst`. With [`Ecmp::Hash`], `key` picks among
    /// equal-cost paths (the same key always takes the same path).
    pub fn route(&mut self, topo: &Topology, src: Endpoint, dst: Endpoint, key: u64) -> Result<Route, SimError> {
        let (gs, _) = topo.check_endpoint(src)?;
        topo.check_endpoint(dst)?;
        // Work in the frame where the source is a representative.
        let (_, ks) = topo.resolve(gs, src.member);
        let src = topo.shift_ep(src, -(ks as i64));
        let dst = topo.shift_ep(dst, -(ks as i64));
        let gs = &topo.groups[src.group as usize];
        let gd = &topo.groups[dst.group as usize];
        let sp = gs.layout.part_index(src.part).unwrap_or(0);
        let dp = gd.layout.part_index(dst.part).unwrap_or(0);
        let (srep, _) = topo.resolve(gs, src.member);
        let (drep, _) = topo.resolve(gd, dst.member);
        let mut acc = PathAcc::default();
        let no_route = || SimError::NoRoute {
            from: format!("{}[{}] {:?}", gs.name, src.member, src.part),
            to: format!("{}[{}] {:?}", gd.name, dst.member, dst.part),
        };
        if src.group == dst.group && src.member == dst.member {
            return if topo.internal_path(gs, srep, sp, dp, 1.0, &mut acc) {
                Ok(acc.finish(topo))
            } else {
                Err(no_route())
            };
        }
        let sports = topo.ports_of(gs, src.member);
        let dports = topo.ports_of(gd, dst.member);
        // Fewest hops first; among equal hops the fastest edge ports (so a
        // GPU prefers an NVLink fabric to an equally short InfiniBand one,
        // as NCCL does), and only then equal-cost splitting.
        let mut best_cost = (usize::MAX, 0.0f64);
        let mut best: Vec<(usize, Option<usize>)> = Vec::new();
        let mut consider = |cost: usize, cap: f64, c: (usize, Option<usize>), best: &mut Vec<_>| {
            let better = cost < best_cost.0 || (cost == best_cost.0 && cap > best_cost.1 * (1.0 + 1e-9));
            if better {
                best_cost = (cost, cap);
                best.clear();
            }
            if cost == best_cost.0 && cap >= best_cost.1 * (1.0 - 1e-9) {
                best.push(c);
            }
        };
        for (i, ps) in sports.iter().enumerate() {
            let Some(c1) = Topology::internal_hops(gs, sp, ps.part) else {
                continue;
            };
            if ps.peer.group == dst.group && ps.peer.member == dst.member {
                let Some(pp) = gd.layout.part_index(ps.peer.part) else {
                    continue;
                };
                if let Some(c2) = Topology::internal_hops(gd, pp, dp) {
                    consider(c1 + 1 + c2, ps.cap, (i, None), &mut best);
                }
                continue;
            }
            let Some(ts) = topo.transit_id(ps.peer) else { continue };
            for (j, pd) in dports.iter().enumerate() {
                let Some(td) = topo.transit_id(pd.peer) else { continue };
                let Some(c2) = Topology::internal_hops(gd, pd.part, dp) else {
                    continue;
                };
                let d = self.dist_to(topo, td)[ts as usize];
                if d == u32::MAX {
                    continue;
                }
                consider(
                    c1 + 1 + d as usize + 1 + c2,
                    ps.cap.min(pd.cap),
                    (i, Some(j)),
                    &mut best,
                );
            }
        }
        if best.is_empty() {
            return Err(no_route());
        }
        let chosen: Vec<(usize, Option<usize>)> = match self.mode {
            Ecmp::Split => best,
            Ecmp::Hash => vec![best[(mix(key) % best.len() as u64) as usize]],
        };
        let w = 1.0 / chosen.len() as f64;
        for (i, j) in chosen {
            let ps = sports[i];
            topo.internal_path(gs, srep, sp, ps.part, w, &mut acc);
            acc.hop(ps.out_res, w, ps.latency_s);
            match j {
                None => {
                    let pp = gd.layout.part_index(ps.peer.part).unwrap_or(0);
                    topo.internal_path(gd, drep, pp, dp, w, &mut acc);
                }
                Some(j) => {
                    let pd = dports[j];
                    let (Some(ts), Some(td)) = (topo.transit_id(ps.peer), topo.transit_id(pd.peer)) else {
                        return Err(no_route());
                    };
                    self.switch_paths(topo, ts, td, w, key, &mut acc)?;
                    acc.hop(pd.in_res, w, pd.latency_s);
                    topo.internal_path(gd, drep, pd.part, dp, w, &mut acc);
                }
            }
        }
        Ok(acc.finish(topo))
    }

    /// Walk the equal-cost DAG from switch `ts` to switch `td`, splitting
    /// weight `w` evenly at each branch (or following one hashed branch).
    fn switch_paths(
        &mut self,
        topo: &Topology,
        ts: u32,
        td: u32,
        w: f64,
        key: u64,
        acc: &mut PathAcc,
    ) -> Result<(), SimError> {
        let mode = self.mode;
        let dist = self.dist_to(topo, td);
        let mut frontier: Vec<(u32, f64)> = vec![(ts, w)];
        let mut hop = 0u64;
        loop {
            let mut next: Vec<(u32, f64)> = Vec::new();
            for &(u, fu) in &frontier {
                let (g, _) = topo.transit_of[u as usize];
                acc.latency += fu * topo.groups[g as usize].switch_latency_s;
                if u == td {
                    continue;
                }
                let want = dist[u as usize].saturating_sub(1);
                let nbrs = topo.adj[u as usize]
                    .iter()
                    .filter(|(v, _, _)| dist[*v as usize] == want);
                let k = nbrs.clone().count();
                if k == 0 {
                    return Err(SimError::NoRoute {
                        from: format!("switch {u}"),
                        to: format!("switch {td}"),
                    });
                }
                match mode {
                    Ecmp::Split => {
                        let f = fu / k as f64;
                        for &(v, res, lat) in nbrs {
                            acc.hop(res, f, lat);
                            next.push((v, f));
                        }
                    }
                    Ecmp::Hash => {
                        let pick = (mix(key ^ mix(hop + 1)) % k as u64) as usize;
                        if let Some(&(v, res, lat)) = nbrs.clone().nth(pick) {
                            acc.hop(res, fu, lat);
                            next.push((v, fu));
                        }
                    }
                }
            }
            if next.is_empty() {
                return Ok(());
            }
            next.sort_unstable_by_key(|x| x.0);
            next.dedup_by(|b, a| {
                if a.0 == b.0 {
                    a.1 += b.1;
                    true
                } else {
                    false
                }
            });
            frontier = next;
            hop += 1;
        }
    }
}

/// Accumulates weighted hops while a route is built.
#[derive(Default)]
struct PathAcc {
    hops: Vec<(u32, f64)>,
    latency: f64,
}

impl PathAcc {
    fn hop(&mut self, res: u32, w: f64, latency_s: f64) {
        self.hops.push((res, w));
        self.latency += w * latency_s;
    }
    fn finish(mut self, topo: &Topology) -> Route {
        self.hops.sort_unstable_by_key(|h| h.0);
        self.hops.dedup_by(|b, a| {
            if a.0 == b.0 {
                a.1 += b.1;
                true
            } else {
                false
            }
        });
        let cap = self
            .hops
            .iter()
            .map(|&(r, f)| topo.resources[r as usize].capacity / f)
            .fold(f64::INFINITY, f64::min);
        Route {
            hops: self.hops,
            latency_s: self.latency,
            cap,
        }
    }
}

fn make_group(node: &crate::model::Node, catalog: &Catalog) -> Result<Group, SimError> {
    let mut g = Group {
        node: node.id.clone(),
        name: node.name.clone(),
        kind: node.kind,
        count: node.count,
        sharded: false,
        devices: 0,
        nics: 0,
        device_model: None,
        scale_up_gbs: 0.0,
        nic_gbps: 0.0,
        storage_spec: (0.0, 0.0, 0.0, 0.0),
        storage_latency_s: 0.0,
        layout: Layout::default(),
        members: Vec::new(),
        transit: matches!(node.kind, NodeKind::Switch | NodeKind::Gateway),
        switch_latency_s: 0.0,
    };
    if node.count == 0 {
        return Err(SimError::Topology(format!("'{}' has 0 members", node.name)));
    }
    let need_system = node.kind.role() == crate::model::NodeRole::Compute;
    if need_system {
        let sys = catalog.system(&node.model).ok_or_else(|| {
            SimError::Topology(format!(
                "'{}' uses system '{}', which is not in the catalog",
                node.name, node.model
            ))
        })?;
        server_layout(&mut g, sys);
    } else {
        g.layout.parts = vec![Part::Whole];
        if node.kind.role() == crate::model::NodeRole::Storage {
            let st = catalog.storage(&node.model).ok_or_else(|| {
                SimError::Topology(format!(
                    "'{}' uses storage model '{}', which is not in the catalog",
                    node.name, node.model
                ))
            })?;
            g.storage_latency_s = st.latency_ms.max(0.0) * 1e-3;
            g.storage_spec = (
                st.read_gbs * 1e9,
                st.write_gbs * 1e9,
                st.read_requests_per_s,
                st.write_requests_per_s,
            );
        }
        if node.kind == NodeKind::Switch {
            // A missing switch model is not fatal: 0 latency, capacity from links.
            if let Some(sw) = catalog.switch(&node.model) {
                g.switch_latency_s = sw.latency_ns.max(0.0) * 1e-9;
            }
        }
    }
    g.layout.compute_routes();
    Ok(g)
}

/// Inside of a server: devices, optional NVSwitch hub, NICs, host, NVMe.
fn server_layout(g: &mut Group, sys: &System) {
    let nd = sys.devices.clamp(1, u16::MAX as u32) as u16;
    let nn = sys.nics.min(u16::MAX as u32) as u16;
    g.devices = nd as u32;
    g.nics = nn as u32;
    g.device_model = Some(sys.device.clone());
    g.scale_up_gbs = sys.scale_up_gbs.max(0.0);
    g.nic_gbps = sys.nic_gbps.max(0.0);
    let l = &mut g.layout;
    for i in 0..nd {
        l.parts.push(Part::Device(i));
    }
    for j in 0..nn {
        l.parts.push(Part::Nic(j));
    }
    let hub = (sys.scale_up_gbs > 0.0).then(|| {
        l.parts.push(Part::ScaleUp);
        (l.parts.len() - 1) as u16
    });
    l.parts.push(Part::Host);
    let host = (l.parts.len() - 1) as u16;
    let nvme = (sys.local_nvme_tb > 0.0 && sys.local_nvme_read_gbs > 0.0).then(|| {
        l.parts.push(Part::Nvme);
        (l.parts.len() - 1) as u16
    });
    let (pcie_gbs, pcie_medium) = if sys.nic_gbps >= 400.0 {
        (PCIE5_X16_GBS, Medium::Pcie5)
    } else {
        (PCIE4_X16_GBS, Medium::Pcie4)
    };
    let pcie = pcie_gbs * 1e9 * PCIE_EFFICIENCY;
    let mut both = |a: u16, b: u16, cap: f64, lat: f64, m: Medium| {
        l.edges.push((a, b, cap, lat, m));
        l.edges.push((b, a, cap, lat, m));
    };
    if let Some(h) = hub {
        let cap = sys.scale_up_gbs * 1e9 * NVLINK_EFFICIENCY;
        for i in 0..nd {
            both(i, h, cap, NVLINK_HOP_LATENCY_S, Medium::NvLink);
        }
    }
    for j in 0..nn {
        let nic = nd + j;
        // GPUDirect RDMA: each NIC hangs off the PCIe switch of its GPU(s).
        if nn >= nd {
            let dev = (j as u32 * nd as u32 / nn as u32) as u16;
            both(dev, nic, pcie, PCIE_HOP_LATENCY_S, pcie_medium);
        }
        both(nic, host, pcie, PCIE_HOP_LATENCY_S, pcie_medium);
    }
    if nn > 0 && nn < nd {
        for i in 0..nd {
            let nic = nd + (i as u32 * nn as u32 / nd as u32) as u16;
            both(i, nic, pcie, PCIE_HOP_LATENCY_S, pcie_medium);
        }
    }
    for i in 0..nd {
        both(i, host, pcie, PCIE_HOP_LATENCY_S, pcie_medium);
    }
    if let Some(n) = nvme {
        let cap = sys.local_nvme_read_gbs * 1e9;
        both(host, n, cap, PCIE_HOP_LATENCY_S, pcie_medium);
    }
}

/// Where a link attaches on a member of `g`: (part, share of the lanes).
/// `offset` rotates the first NIC, so a server's cables to several peers
/// (all-to-all) continue round-robin where the previous peer's stopped.
fn attach_parts(g: &Group, medium: Medium, lanes: u32, offset: u32) -> Vec<(Part, u32)> {
    if g.layout.parts == [Part::Whole] {
        return vec![(Part::Whole, lanes)];
    }
    match medium {
        Medium::NvLink if g.layout.part_index(Part::ScaleUp).is_some() => vec![(Part::ScaleUp, lanes)],
        Medium::NvLink | Medium::Pcie4 | Medium::Pcie5 => vec![(Part::Host, lanes)],
        _ if g.nics == 0 => vec![(Part::Host, lanes)],
        _ => {
            // Cables go round-robin over the NICs.
            let n = g.nics;
            (0..n.min(lanes))
                .map(|j| {
                    (
                        Part::Nic(((j + offset) % n) as u16),
                        lanes / n + u32::from(j < lanes % n),
                    )
                })
                .collect()
        }
    }
}

fn expand_link(
    groups: &[Group],
    a: u32,
    b: u32,
    li: u32,
    link: &crate::model::Link,
    out: &mut Vec<(Conn, ConnAttrs)>,
) -> Result<(), SimError> {
    let (ga, gb) = (&groups[a as usize], &groups[b as usize]);
    let eff = medium_efficiency(link.medium);
    let latency_s = if link.latency_us > 0.0 {
        link.latency_us * 1e-6
    } else {
        link.medium.default_latency_us() * 1e-6
    };
    let nic_cap = |g: &Group, part: Part, gbps: f64| -> f64 {
        // A NIC cannot run faster than its own rate.
        match part {
            Part::Nic(_) if g.nics > 0 => gbps.min(nic_gbps_of(g, gbps)),
            _ => gbps,
        }
    };
    let mut push = |ea: Endpoint, eb: Endpoint, lanes: u32| {
        let mut gbps = lanes as f64 * link.lane_gbps;
        gbps = nic_cap(ga, ea.part, gbps).min(nic_cap(gb, eb.part, gbps));
        out.push((
            Conn { a: ea, b: eb, link: li },
            ConnAttrs {
                cap: gbps * 1e9 / 8.0 * eff,
                latency_s,
                medium: link.medium,
            },
        ));
    };
    let pairs: Vec<(u32, u32)> = match link.pattern {
        WiringPattern::OneToOne => (0..ga.count.min(gb.count)).map(|i| (i, i)).collect(),
        WiringPattern::Spread => {
            if ga.count >= gb.count {
                (0..ga.count)
                    .map(|i| (i, (i as u64 * gb.count as u64 / ga.count as u64) as u32))
                    .collect()
            } else {
                (0..gb.count)
                    .map(|j| ((j as u64 * ga.count as u64 / gb.count as u64) as u32, j))
                    .collect()
            }
        }
        WiringPattern::AllToAll => {
            let total = ga.count as u64 * gb.count as u64;
            if total > 50_000_000 {
                return Err(SimError::Topology(format!(
                    "link '{}' expands to {total} connections; use spread wiring",
                    link.id
                )));
            }
            (0..ga.count).flat_map(|i| (0..gb.count).map(move |j| (i, j))).collect()
        }
        WiringPattern::Rail => {
            // NIC j of server s goes to switch j (rail j). With k × NICs
            // switches, switches form k rail groups of `nics` consecutive
            // switches; servers are spread over the rail groups in blocks.
            let (server, switch, flipped) = if ga.transit { (gb, ga, true) } else { (ga, gb, false) };
            let n = server.nics.max(1);
            let r = switch.count;
            let k = (r / n).max(1);
            for s in 0..server.count {
                for j in 0..n {
                    let w = if r >= n {
                        ((s as u64 * k as u64 / server.count as u64) as u32 * n + j) % r
                    } else {
                        j % r
                    };
                    let part = if server.nics > 0 {
                        Part::Nic(j as u16)
                    } else {
                        attach_parts(server, link.medium, 1, 0)[0].0
                    };
                    let es = Endpoint {
                        group: if flipped { b } else { a },
                        member: s,
                        part,
                    };
                    let ew = Endpoint {
                        group: if flipped { a } else { b },
                        member: w,
                        part: Part::Whole,
                    };
                    if flipped {
                        push(ew, es, link.lanes);
                    } else {
                        push(es, ew, link.lanes);
                    }
                }
            }
            return Ok(());
        }
    };
    // Cables of a member are dealt round-robin over its NICs; with several
    // peers (all-to-all), peer p's cables continue where p-1's stopped.
    let all = link.pattern == WiringPattern::AllToAll;
    for (i, j) in pairs {
        let pa = attach_parts(ga, link.medium, link.lanes, if all { j * link.lanes } else { 0 });
        let pb = attach_parts(gb, link.medium, link.lanes, if all { i * link.lanes } else { 0 });
        let n = pa.len().max(pb.len());
        for c in 0..n {
            let (part_a, lanes_a) = pa[c % pa.len()];
            let (part_b, lanes_b) = pb[c % pb.len()];
            let lanes = if pa.len() >= pb.len() { lanes_a } else { lanes_b };
            let lanes = if pa.len() == pb.len() {
                lanes_a.min(lanes_b)
            } else {
                lanes
            };
            if lanes == 0 {
                continue;
            }
            push(
                Endpoint {
                    group: a,
                    member: i,
                    part: part_a,
                },
                Endpoint {
                    group: b,
                    member: j,
                    part: part_b,
                },
                lanes,
            );
        }
    }
    Ok(())
}

/// NIC line rate of a server group's members, Gb/s (0 → unlimited).
fn nic_gbps_of(g: &Group, default: f64) -> f64 {
    if g.nic_gbps > 0.0 { g.nic_gbps } else { default }
}

fn gcd(a: u32, b: u32) -> u32 {
    if b == 0 { a } else { gcd(b, a % b) }
}

/// Pick the fold factor and mark sharded groups; verify that shifting maps
/// every connection onto a connection.
fn choose_fold(groups: &mut [Group], conns: &[(Conn, ConnAttrs)], fold: Fold) -> u32 {
    for g in groups.iter_mut() {
        g.sharded = false;
    }
    if fold == Fold::None {
        return 1;
    }
    // Compute groups set the candidates; other groups shard when they can.
    let g0 = groups
        .iter()
        .filter(|g| g.kind.role() == crate::model::NodeRole::Compute && g.count > 1)
        .fold(0, |acc, g| gcd(acc, g.count));
    if g0 <= 1 {
        return 1;
    }
    let set: HashSet<Conn> = conns.iter().map(|c| c.0).collect();
    let mut divisors: Vec<u32> = (2..=g0).filter(|d| g0 % d == 0).collect();
    divisors.sort_unstable_by(|a, b| b.cmp(a));
    for f in divisors {
        for g in groups.iter_mut() {
            g.sharded = g.count > 1 && g.count % f == 0;
        }
        loop {
            match first_violation(groups, &set, conns, f) {
                None => return f,
                Some(c) => {
                    // Un-shard a non-compute group involved, if any; else give up on f.
                    let cand = [c.a.group, c.b.group].into_iter().find(|&gi| {
                        let g = &groups[gi as usize];
                        g.sharded && g.kind.role() != crate::model::NodeRole::Compute
                    });
                    match cand {
                        Some(gi) => groups[gi as usize].sharded = false,
                        None => break,
                    }
                }
            }
        }
    }
    for g in groups.iter_mut() {
        g.sharded = false;
    }
    1
}

fn first_violation(groups: &[Group], set: &HashSet<Conn>, conns: &[(Conn, ConnAttrs)], f: u32) -> Option<Conn> {
    let shift = |e: Endpoint| {
        let g = &groups[e.group as usize];
        if g.sharded {
            Endpoint {
                member: (e.member + g.count / f) % g.count,
                ..e
            }
        } else {
            e
        }
    };
    conns.iter().map(|c| c.0).find(|c| {
        let img = Conn {
            a: shift(c.a),
            b: shift(c.b),
            link: c.link,
        };
        !set.contains(&img)
    })
}

fn assemble(mut groups: Vec<Group>, conns: Vec<(Conn, ConnAttrs)>, f: u32) -> Topology {
    let mut resources = Vec::new();
    let mut graph: DiGraph<VertexInfo, u32> = DiGraph::new();
    let mut transit_of = Vec::new();
    // Materialize members: all of global groups and transit groups, pod 0 of sharded ones.
    for (gi, g) in groups.iter_mut().enumerate() {
        // Switches are transit: all of them exist so routes are exact.
        let reps = if g.sharded && !g.transit { g.count / f } else { g.count };
        let orbit = if g.sharded { f } else { 1 };
        g.members.reserve(reps as usize);
        for m in 0..reps {
            let vbase = graph.node_count() as u32;
            for &part in &g.layout.parts {
                graph.add_node(VertexInfo {
                    group: gi as u32,
                    member: m,
                    part,
                });
            }
            let res_base = resources.len() as u32;
            for (ei, e) in g.layout.edges.iter().enumerate() {
                resources.push(Resource {
                    capacity: e.2,
                    orbit,
                    kind: ResourceKind::Internal {
                        group: gi as u32,
                        medium: e.4,
                    },
                });
                graph.add_edge(
                    NodeIndex::new((vbase + e.0 as u32) as usize),
                    NodeIndex::new((vbase + e.1 as u32) as usize),
                    res_base + ei as u32,
                );
            }
            let transit = g.transit.then(|| {
                transit_of.push((gi as u32, m));
                (transit_of.len() - 1) as u32
            });
            g.members.push(Member {
                res_base,
                vbase,
                ports: Vec::new(),
                transit,
                storage: None,
            });
        }
    }
    // Storage service resources (global per member orbit).
    for (gi, g) in groups.iter_mut().enumerate() {
        if g.kind.role() != crate::model::NodeRole::Storage {
            continue;
        }
        let orbit = if g.sharded { f } else { 1 };
        let gi = gi as u32;
        let spec = g.storage_spec;
        for m in g.members.iter_mut() {
            let base = resources.len() as u32;
            let kinds = [
                (spec.0, ResourceKind::StorageRead { group: gi }),
                (spec.1, ResourceKind::StorageWrite { group: gi }),
                (spec.2, ResourceKind::StorageReadRequests { group: gi }),
                (spec.3, ResourceKind::StorageWriteRequests { group: gi }),
            ];
            for (cap, kind) in kinds {
                resources.push(Resource {
                    capacity: if cap > 0.0 { cap } else { f64::INFINITY },
                    orbit,
                    kind,
                });
            }
            m.storage = Some([base, base + 1, base + 2, base + 3]);
        }
    }
    let mut adj: Vec<Vec<(u32, u32, f64)>> = vec![Vec::new(); transit_of.len()];
    // Canonical form of a connection: shift so its first sharded end is in pod 0.
    let canon = |groups: &[Group], c: &Conn| -> (Conn, u32) {
        let pod_shift = |e: Endpoint| {
            let g = &groups[e.group as usize];
            g.sharded.then(|| e.member / (g.count / f))
        };
        let Some(k) = pod_shift(c.a).or_else(|| pod_shift(c.b)) else {
            return (*c, 0);
        };
        let back = |e: Endpoint| {
            let g = &groups[e.group as usize];
            if g.sharded {
                let pod = g.count / f;
                Endpoint {
                    member: (e.member + g.count - (k * pod) % g.count) % g.count,
                    ..e
                }
            } else {
                e
            }
        };
        (
            Conn {
                a: back(c.a),
                b: back(c.b),
                link: c.link,
            },
            k,
        )
    };
    let mut orbit_res: HashMap<Conn, (u32, u32)> = HashMap::new();
    for (c, attrs) in &conns {
        let (cc, _) = canon(&groups, c);
        let (out_res, in_res) = *orbit_res.entry(cc).or_insert_with(|| {
            let base = resources.len() as u32;
            for _ in 0..2 {
                resources.push(Resource {
                    capacity: attrs.cap,
                    orbit: 0,
                    kind: ResourceKind::Link {
                        plan_link: c.link,
                        medium: attrs.medium,
                    },
                });
            }
            (base, base + 1)
        });
        resources[out_res as usize].orbit += 1;
        resources[in_res as usize].orbit += 1;
        // Record ports / adjacency on materialized ends.
        let mat = |groups: &[Group], e: &Endpoint| -> Option<u32> {
            let g = &groups[e.group as usize];
            ((e.member as usize) < g.members.len()).then_some(e.member)
        };
        let ta = groups[c.a.group as usize].transit;
        let tb = groups[c.b.group as usize].transit;
        if ta && tb {
            let (Some(ma), Some(mb)) = (mat(&groups, &c.a), mat(&groups, &c.b)) else {
                continue;
            };
            let (Some(x), Some(y)) = (
                groups[c.a.group as usize].members[ma as usize].transit,
                groups[c.b.group as usize].members[mb as usize].transit,
            ) else {
                continue;
            };
            adj[x as usize].push((y, out_res, attrs.latency_s));
            adj[y as usize].push((x, in_res, attrs.latency_s));
        }
        for (end, peer, out, inn) in [(c.a, c.b, out_res, in_res), (c.b, c.a, in_res, out_res)] {
            let g = &groups[end.group as usize];
            if g.transit {
                continue;
            }
            let Some(m) = mat(&groups, &end) else { continue };
            let Some(part) = g.layout.part_index(end.part) else {
                continue;
            };
            let port = Port {
                part,
                peer,
                out_res: out,
                in_res: inn,
                latency_s: attrs.latency_s,
                cap: attrs.cap,
            };
            groups[end.group as usize].members[m as usize].ports.push(port);
        }
        // petgraph edges between materialized vertices.
        if let (Some(ma), Some(mb)) = (mat(&groups, &c.a), mat(&groups, &c.b)) {
            let va = vertex_of(&groups, c.a.group, ma, c.a.part);
            let vb = vertex_of(&groups, c.b.group, mb, c.b.part);
            if let (Some(va), Some(vb)) = (va, vb) {
                graph.add_edge(NodeIndex::new(va as usize), NodeIndex::new(vb as usize), out_res);
                graph.add_edge(NodeIndex::new(vb as usize), NodeIndex::new(va as usize), in_res);
            }
        }
    }
    // Deterministic ECMP candidate order.
    for a in adj.iter_mut() {
        a.sort_by_key(|x| (x.0, x.1));
    }
    Topology {
        fold: f,
        groups,
        resources,
        graph,
        adj,
        transit_of,
    }
}

fn vertex_of(groups: &[Group], g: u32, member: u32, part: Part) -> Option<u32> {
    let g = groups.get(g as usize)?;
    let m = g.members.get(member as usize)?;
    Some(m.vbase + g.layout.part_index(part)? as u32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::fixtures::{fat_tree, rail_fabric, reference_catalog};

    fn physical_links(t: &Topology) -> u32 {
        t.resources()
            .iter()
            .filter(|r| matches!(r.kind, ResourceKind::Link { .. }))
            .map(|r| r.orbit)
            .sum()
    }

    #[test]
    fn folding_keeps_every_physical_link_counted() {
        for plan in [fat_tree("dgx-h100", 16, 4, 4), rail_fabric("dgx-h100", 16, 4, 2)] {
            let full = Topology::build(&plan, &reference_catalog(), Fold::None).unwrap();
            let folded = Topology::build(&plan, &reference_catalog(), Fold::Auto).unwrap();
            assert!(folded.fold() > 1);
            assert_eq!(physical_links(&full), physical_links(&folded));
        }
        // 16 servers × 8 NICs to leaves, 4 leaves × 4 spines; two directions each.
        let full = Topology::build(&fat_tree("dgx-h100", 16, 4, 4), &reference_catalog(), Fold::None).unwrap();
        assert_eq!(physical_links(&full), 2 * (16 * 8 + 4 * 4));
    }

    #[test]
    fn fold_factor_follows_the_wiring() {
        let f = |servers| {
            Topology::build(&fat_tree("dgx-h100", servers, 4, 32), &reference_catalog(), Fold::Auto)
                .unwrap()
                .fold()
        };
        // Leaves (count/4) must shift with the servers; spines shift or stay.
        assert_eq!(f(128), 32);
        assert_eq!(f(2048), 512);
        // A storage group with one member stays global and does not stop folding.
        let mut p = fat_tree("dgx-h100", 16, 4, 4);
        p.nodes.push(crate::model::Node {
            id: "st".into(),
            name: "st".into(),
            kind: NodeKind::ParallelFs,
            model: "pfs-ai400x2".into(),
            count: 1,
            site: "dc".into(),
            pos: (0.0, 0.0),
            capacity_tb: None,
            cache_hit_ratio: None,
        });
        p.links.push(crate::sim::fixtures::link(
            "st-spine",
            "st",
            "spine",
            Medium::InfinibandNdr,
            WiringPattern::AllToAll,
            1,
        ));
        assert_eq!(Topology::build(&p, &reference_catalog(), Fold::Auto).unwrap().fold(), 4);
    }

    #[test]
    fn rail_wiring_puts_nic_j_on_rail_j() {
        let plan = rail_fabric("dgx-h100", 8, 4, 0);
        let t = Topology::build(&plan, &reference_catalog(), Fold::None).unwrap();
        let g = &t.groups()[0];
        for s in 0..8u32 {
            let ports = t.ports_of(g, s);
            assert_eq!(ports.len(), 8);
            for p in ports {
                let Part::Nic(j) = g.layout.parts[p.part as usize] else {
                    panic!("rail attaches at NICs")
                };
                assert_eq!(p.peer.member, (s / 4) * 8 + j as u32);
            }
        }
    }

    #[test]
    fn routes_take_the_gpus_own_nic_and_split_over_spines() {
        let t = Topology::build(&fat_tree("dgx-h100", 8, 4, 4), &reference_catalog(), Fold::None).unwrap();
        let mut r = Router::new();
        let gpu = |m, d| Endpoint {
            group: 0,
            member: m,
            part: Part::Device(d),
        };
        // Same leaf: GPU→NIC→leaf→NIC→GPU, no spine.
        let same = r.route(&t, gpu(0, 3), gpu(1, 3), 0).unwrap();
        assert_eq!(same.hops.len(), 4);
        assert!((same.cap - 400e9 / 8.0 * INFINIBAND_EFFICIENCY).abs() < 1.0);
        // Other leaf: through all 4 spines, a quarter each.
        let far = r.route(&t, gpu(0, 3), gpu(7, 3), 0).unwrap();
        assert_eq!(far.hops.len(), 4 + 8);
        assert_eq!(far.hops.iter().filter(|h| (h.1 - 0.25).abs() < 1e-12).count(), 8);
        let mut hash = Router::with_mode(Ecmp::Hash);
        assert_eq!(hash.route(&t, gpu(0, 3), gpu(7, 3), 5).unwrap().hops.len(), 6);
        // Unknown parts and members are errors, not panics.
        assert!(r.route(&t, gpu(0, 9), gpu(1, 0), 0).is_err());
        assert!(r.route(&t, gpu(99, 0), gpu(1, 0), 0).is_err());
    }

    #[test]
    fn gpus_prefer_an_nvlink_fabric_over_equally_short_infiniband() {
        let mut p = fat_tree("dgx-h100", 2, 2, 0);
        crate::sim::fixtures::add_node(&mut p, "nvl", NodeKind::Switch, "", 1);
        p.links.push(crate::sim::fixtures::link(
            "gpu-nvl",
            "gpu",
            "nvl",
            Medium::NvLink,
            WiringPattern::Spread,
            1,
        ));
        let t = Topology::build(&p, &reference_catalog(), Fold::None).unwrap();
        let gpu = |m| Endpoint {
            group: 0,
            member: m,
            part: Part::Device(0),
        };
        let r = Router::new().route(&t, gpu(0), gpu(1), 0).unwrap();
        assert!((r.cap - 450e9 * NVLINK_EFFICIENCY).abs() < 1.0, "{}", r.cap);
    }

    #[test]
    fn missing_catalog_entries_are_reported() {
        let mut plan = fat_tree("no-such-system", 2, 1, 1);
        assert!(matches!(
            Topology::build(&plan, &reference_catalog(), Fold::Auto),
            Err(SimError::Topology(_))
        ));
        plan.nodes[0].model = "dgx-h100".into();
        plan.nodes[0].count = 0;
        assert!(Topology::build(&plan, &reference_catalog(), Fold::Auto).is_err());
    }
}
