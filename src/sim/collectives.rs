//! Collective communication: all-reduce, all-gather, reduce-scatter,
//! all-to-all, broadcast and point-to-point with ring, tree, hierarchical
//! and NVLS algorithms, in two forms:
//!
//! * [`collective_time`]: an α–β formula on a [`GroupSpec`], pure arithmetic,
//!   for callers that evaluate millions of collectives (training schedules).
//! * [`CollectivePlan`]: the same algorithm as phases of real flows on a
//!   [`Topology`](super::topology::Topology), run by [`NetSim`] (or the
//!   caller's own [`FlowNet`]) so contention with other traffic shows.
//!
//! Both use the same latency terms, taken from NCCL's tuning model
//! (src/graph/tuning.cc: `baseLat` and `hwLat` tables, NCCL 2.18–2.21), and
//! pick the algorithm and protocol with the lowest predicted time, as NCCL's
//! tuner does. Sizes follow nccl-tests conventions: all-reduce and broadcast
//! take the buffer size, all-gather the output size, reduce-scatter the input
//! size, all-to-all the bytes each rank sends in total.

use super::engine::{Limits, Model, Scheduler, SimTime, Simulation};
use super::error::SimError;
use super::flows::{Completion, FlowNet, FlowSpec, NetStats};
use super::progress::Progress;
use super::records::Records;
use super::topology::{
    Endpoint, NVLINK_EFFICIENCY, PCIE_EFFICIENCY, PCIE4_X16_GBS, PCIE5_X16_GBS, Part, Router, Topology,
    medium_efficiency,
};
use crate::model::{Medium, System};
use crate::units::{Bytes, BytesPerSec, Seconds};
use std::sync::Arc;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CollectiveKind {
    AllReduce,
    AllGather,
    ReduceScatter,
    AllToAll,
    Broadcast,
    /// One rank sends `bytes` to another (pipeline activations).
    PointToPoint,
}

impl CollectiveKind {
    /// nccl-tests bus-bandwidth factor: busbw = algbw × factor(n).
    pub fn bus_factor(self, n: u32) -> f64 {
        let n = n.max(1) as f64;
        match self {
            CollectiveKind::AllReduce => 2.0 * (n - 1.0) / n,
            CollectiveKind::AllGather | CollectiveKind::ReduceScatter | CollectiveKind::AllToAll => (n - 1.0) / n,
            CollectiveKind::Broadcast | CollectiveKind::PointToPoint => 1.0,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Algorithm {
    /// The fastest supported algorithm for the size and group (NCCL-style).
    Auto,
    /// Ring over all ranks (NCCL ring, one channel per GPU across servers).
    Ring,
    /// Double binary tree across servers, chain inside (NCCL tree).
    Tree,
    /// Reduce-scatter over NVLink, all-reduce across servers per rail,
    /// all-gather over NVLink.
    Hierarchical,
    /// NVLink SHARP: reduction inside the NVSwitch (H100-class, one server).
    Nvls,
}

/// NCCL's wire protocols: LL (8-byte flag per 8 bytes: half bandwidth,
/// lowest latency), LL128 (120 of 128 bytes payload), Simple (full bandwidth,
/// highest latency).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Protocol {
    Ll,
    Ll128,
    Simple,
}

impl Protocol {
    pub const ALL: [Protocol; 3] = [Protocol::Ll, Protocol::Ll128, Protocol::Simple];
    /// Payload fraction of the wire bandwidth (NCCL protocol formats).
    pub fn efficiency(self) -> f64 {
        match self {
            Protocol::Ll => 0.5,
            Protocol::Ll128 => 120.0 / 128.0,
            Protocol::Simple => 1.0,
        }
    }
    fn idx(self) -> usize {
        self as usize
    }
}

/// NCCL tuning.cc `baseLat` (µs) per algorithm family [LL, LL128, Simple].
const BASE_LAT_RING_US: [f64; 3] = [6.6, 14.0, 8.4];
const BASE_LAT_TREE_US: [f64; 3] = [6.8, 14.0, 0.0];
/// NCCL tuning.cc `hwLat` (µs per step) over NVLink and over the network.
const HW_LAT_NVLINK_RING_US: [f64; 3] = [0.6, 1.9, 3.4];
const HW_LAT_NVLINK_TREE_US: [f64; 3] = [0.6, 1.25, 4.0];
const HW_LAT_NET_RING_US: [f64; 3] = [2.7, 4.0, 14.0];
const HW_LAT_NET_TREE_US: [f64; 3] = [5.0, 8.5, 14.0];
/// NCCL tuning.cc caps tree bus bandwidth at 0.92 of the links' rate.
pub const TREE_BW_FACTOR: f64 = 0.92;
/// Path latency NCCL's NET `hwLat` figures already include: a two-tier
/// fat-tree path with the plan's default hop latencies (PCIe 2 × 0.4 µs, four
/// InfiniBand hops × 1 µs, three switches × 0.13 µs ≈ 5.2 µs). Longer paths
/// (more tiers, WAN) add their excess to every network step.
const NET_BASELINE_PATH_S: f64 = 6e-6;
/// NVLS all-reduce bus bandwidth relative to NVLink line rate per GPU per
/// direction: ~480 GB/s on 8×H100 with 450 GB/s links (hardware.csv,
/// "NCCL 8xH100 NVLink ~480 (NVLS)"). The in-switch reduction, not the
/// links, sets this rate.
pub const NVLS_BUSBW_PER_LINE: f64 = 480.0 / 450.0;
/// NVLS needs third-generation NVSwitch (HGX H100/H200, B200): NVLink4 at
/// 450 GB/s per GPU per direction or faster.
pub const NVLS_MIN_SCALE_UP_GBS: f64 = 450.0;

/// What the analytical model needs to know about a communicator.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GroupSpec {
    /// Ranks (GPUs) in the communicator.
    pub ranks: u32,
    /// Ranks per server (NVLink domain); `ranks / ranks_per_server` servers.
    pub ranks_per_server: u32,
    /// Achievable bandwidth per rank per direction inside a server.
    pub intra_bw: BytesPerSec,
    /// Achievable scale-out bandwidth per rank per direction (NIC share).
    pub inter_bw: BytesPerSec,
    /// One-way wire latency between servers (adds to NCCL's step latency
    /// beyond a typical IB path).
    pub inter_latency: Seconds,
    /// Line rate of the scale-up link per GPU per direction (for NVLS).
    pub scale_up_line: BytesPerSec,
    /// NVLink SHARP available.
    pub nvls: bool,
}

impl GroupSpec {
    pub fn servers(&self) -> u32 {
        self.ranks.div_ceil(self.ranks_per_server.max(1)).max(1)
    }

    /// Describe `servers` × `gpus_per_server` GPUs of catalog system `sys`
    /// whose NICs join a non-blocking `fabric` (no topology needed): the
    /// fast path for callers that size many configurations.
    pub fn from_system(sys: &System, servers: u32, gpus_per_server: u32, fabric: Medium) -> GroupSpec {
        let per = gpus_per_server.clamp(1, sys.devices.max(1));
        let intra = if sys.scale_up_gbs > 0.0 {
            sys.scale_up_gbs * 1e9 * NVLINK_EFFICIENCY
        } else {
            // Devices talk through the host's PCIe root: two hops, one link each way.
            let gbs = if sys.nic_gbps >= 400.0 {
                PCIE5_X16_GBS
            } else {
                PCIE4_X16_GBS
            };
            gbs * 1e9 * PCIE_EFFICIENCY
        };
        let line = sys.nic_gbps.min(fabric.default_lane_gbps());
        let inter = sys.nics as f64 * line * 1e9 / 8.0 * medium_efficiency(fabric) / sys.devices.max(1) as f64;
        GroupSpec {
            ranks: servers.max(1) * per,
            ranks_per_server: per,
            intra_bw: BytesPerSec(intra),
            inter_bw: BytesPerSec(if inter > 0.0 { inter } else { f64::INFINITY }),
            // GPU → NIC → leaf → spine → leaf → NIC → GPU on a two-tier fabric.
            inter_latency: Seconds(4.0 * fabric.default_latency_us() * 1e-6 + 0.8e-6),
            scale_up_line: BytesPerSec(sys.scale_up_gbs * 1e9),
            nvls: sys.scale_up_gbs >= NVLS_MIN_SCALE_UP_GBS && per > 1,
        }
    }

    /// Describe `servers` members × `gpus_per_server` GPUs of group `group`
    /// of a topology, reading bandwidths and latency from its routes.
    pub fn from_topology(topo: &Topology, group: u32, servers: u32, gpus_per_server: u32) -> Result<Self, SimError> {
        let g = topo
            .group(group)
            .ok_or_else(|| SimError::Invalid(format!("group {group} does not exist")))?;
        if gpus_per_server == 0 || gpus_per_server > g.devices || servers == 0 || servers > g.count {
            return Err(SimError::Invalid(format!(
                "'{}' has {} members of {} devices; cannot use {servers} × {gpus_per_server}",
                g.name, g.count, g.devices
            )));
        }
        let mut router = Router::new();
        let dev = |m: u32, i: u32| Endpoint {
            group,
            member: m,
            part: Part::Device(i as u16),
        };
        let intra = if gpus_per_server > 1 {
            router.route(topo, dev(0, 0), dev(0, 1), 0)?.cap
        } else {
            f64::INFINITY
        };
        let (inter, lat) = if servers > 1 {
            let r = router.route(topo, dev(0, 0), dev(servers - 1, 0), 0)?;
            let share = topo.member_scale_out(group) / g.devices.max(1) as f64;
            (share.min(r.cap), r.latency_s)
        } else {
            (f64::INFINITY, 0.0)
        };
        Ok(GroupSpec {
            ranks: servers * gpus_per_server,
            ranks_per_server: gpus_per_server,
            intra_bw: BytesPerSec(intra),
            inter_bw: BytesPerSec(inter),
            inter_latency: Seconds(lat),
            scale_up_line: BytesPerSec(g.scale_up_gbs * 1e9),
            nvls: g.scale_up_gbs >= NVLS_MIN_SCALE_UP_GBS && gpus_per_server > 1,
        })
    }
}

/// Cost of one phase: a fixed latency and a bandwidth-bound transfer.
#[derive(Clone, Copy, Debug, PartialEq)]
struct PhaseCost {
    latency: f64,
    bw_time: f64,
}

/// Which transfers a phase runs (for the flow-level form).
#[derive(Clone, Copy, Debug, PartialEq)]
enum PhaseShape {
    /// Ring over all ranks; `channels` rings each carrying `bytes_per_edge`.
    FlatRing { bytes_per_edge: f64, channels: u32 },
    /// Ring inside each server over its GPUs.
    IntraRing { bytes_per_edge: f64 },
    /// Ring across servers among GPUs of the same local index (per rail).
    RailRing { bytes_per_edge: f64 },
    /// Every GPU sends `up` bytes to the NVSwitch and receives `down`.
    Nvls { up: f64, down: f64 },
    /// All-to-all: each rank sends `bytes_per_peer` to every other rank.
    AllToAll { bytes_per_peer: f64 },
    /// Double binary tree across servers (GPU c of each server drives
    /// channel c) plus chains inside servers, reduce (`up`) or broadcast.
    Tree { bytes: f64, up: bool },
    /// Rank 0 → rank 1 (first GPU of the first and last server).
    P2p { bytes: f64 },
}

fn us(x: f64) -> f64 {
    x * 1e-6
}

/// Up to three phases, without a heap allocation: the analytical model is
/// called millions of times.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Phases {
    items: [(PhaseCost, PhaseShape); 3],
    len: usize,
}

impl Default for Phases {
    fn default() -> Self {
        let blank = (
            PhaseCost {
                latency: 0.0,
                bw_time: 0.0,
            },
            PhaseShape::P2p { bytes: 0.0 },
        );
        Self {
            items: [blank; 3],
            len: 0,
        }
    }
}

impl Phases {
    fn one(p: (PhaseCost, PhaseShape)) -> Self {
        let mut v = Self::default();
        v.push(p);
        v
    }
    fn push(&mut self, p: (PhaseCost, PhaseShape)) {
        if self.len < self.items.len() {
            self.items[self.len] = p;
            self.len += 1;
        }
    }
    fn extend(&mut self, o: Phases) {
        for p in o.iter() {
            self.push(*p);
        }
    }
    fn iter(&self) -> std::slice::Iter<'_, (PhaseCost, PhaseShape)> {
        self.items[..self.len].iter()
    }
}

impl FromIterator<(PhaseCost, PhaseShape)> for Phases {
    fn from_iter<I: IntoIterator<Item = (PhaseCost, PhaseShape)>>(it: I) -> Self {
        let mut v = Self::default();
        for p in it {
            v.push(p);
        }
        v
    }
}

/// The phases of `kind` with `algo` and `proto`, or `None` if the algorithm
/// does not apply (e.g. NVLS across servers, tree all-gather).
fn phases(kind: CollectiveKind, algo: Algorithm, proto: Protocol, bytes: f64, g: &GroupSpec) -> Option<Phases> {
    let n = g.ranks.max(1);
    let per = g.ranks_per_server.clamp(1, n);
    let servers = g.servers();
    let (nf, pf, sf) = (n as f64, per as f64, servers as f64);
    let pe = proto.efficiency();
    let p = proto.idx();
    let intra_bw = g.intra_bw.0 * pe;
    let inter_bw = g.inter_bw.0 * pe;
    let extra_net = (g.inter_latency.0 - NET_BASELINE_PATH_S).max(0.0);
    let net_ring = us(HW_LAT_NET_RING_US[p]) + extra_net;
    let net_tree = us(HW_LAT_NET_TREE_US[p]) + extra_net;
    let nv_ring = us(HW_LAT_NVLINK_RING_US[p]);
    let nv_tree = us(HW_LAT_NVLINK_TREE_US[p]);
    // Per-rank throughput of a flat ring: NVLink inside, the server's NICs
    // shared by its ranks across (one channel per GPU/NIC).
    // Across servers each channel enters and leaves a server once, so a
    // GPU carries (per-1)/per of the ring's edges over NVLink.
    let ring_bw = {
        let mut b = f64::INFINITY;
        if per > 1 {
            b = b.min(if servers > 1 {
                intra_bw * pf / (pf - 1.0)
            } else {
                intra_bw
            });
        }
        if servers > 1 {
            b = b.min(inter_bw * pf);
        }
        b
    };
    if n == 1 && kind != CollectiveKind::PointToPoint {
        return Some(Phases::default());
    }
    let ring_lat = |steps: f64, inter_steps: f64| {
        us(BASE_LAT_RING_US[p]) + (steps - inter_steps).max(0.0) * nv_ring + inter_steps * net_ring
    };
    let channels = if servers > 1 { per } else { 1 };
    use CollectiveKind as K;
    let out = match (kind, algo) {
        (_, Algorithm::Auto) => return None,
        (K::PointToPoint, _) => {
            let (bw, lat) = if servers > 1 {
                (inter_bw, net_ring)
            } else {
                (intra_bw, nv_ring)
            };
            let bw = if bw.is_finite() { bw } else { intra_bw.min(inter_bw) };
            Phases::one((
                PhaseCost {
                    latency: us(BASE_LAT_RING_US[p]) + lat,
                    bw_time: bytes / bw,
                },
                PhaseShape::P2p { bytes: bytes / pe },
            ))
        }
        (K::AllReduce, Algorithm::Ring) => {
            let e = 2.0 * (nf - 1.0) / nf * bytes;
            Phases::one((
                PhaseCost {
                    latency: ring_lat(2.0 * (nf - 1.0), 2.0 * (sf - 1.0)),
                    bw_time: e / ring_bw,
                },
                PhaseShape::FlatRing {
                    bytes_per_edge: e / channels as f64 / pe,
                    channels,
                },
            ))
        }
        (K::AllGather | K::ReduceScatter, Algorithm::Ring) => {
            let e = (nf - 1.0) / nf * bytes;
            Phases::one((
                PhaseCost {
                    latency: ring_lat(nf - 1.0, sf - 1.0),
                    bw_time: e / ring_bw,
                },
                PhaseShape::FlatRing {
                    bytes_per_edge: e / channels as f64 / pe,
                    channels,
                },
            ))
        }
        (K::Broadcast, Algorithm::Ring) => Phases::one((
            PhaseCost {
                latency: ring_lat(nf - 1.0, sf - 1.0),
                bw_time: bytes / ring_bw,
            },
            PhaseShape::FlatRing {
                bytes_per_edge: bytes / channels as f64 / pe,
                channels,
            },
        )),
        (K::AllReduce, Algorithm::Tree) => {
            let depth = (sf.log2().ceil()).max(0.0);
            let b = if servers > 1 {
                intra_bw.min(inter_bw * pf)
            } else {
                intra_bw
            } * TREE_BW_FACTOR;
            let latency = us(BASE_LAT_TREE_US[p]) + 2.0 * ((pf - 1.0) * nv_tree + depth * net_tree);
            // NCCL's model: tree algbw = busbw / 2, i.e. every rank moves the
            // buffer twice (reduce up, broadcast down). As flows: two phases.
            [true, false]
                .into_iter()
                .map(|up| {
                    (
                        PhaseCost {
                            latency: latency / 2.0,
                            bw_time: bytes / b,
                        },
                        PhaseShape::Tree {
                            bytes: bytes / pe / TREE_BW_FACTOR,
                            up,
                        },
                    )
                })
                .collect()
        }
        (K::AllReduce, Algorithm::Hierarchical) => {
            // Reduce-scatter inside the server, all-reduce of the shards
            // across servers on each rail, all-gather inside the server.
            let mut v = Phases::default();
            let intra = (pf - 1.0) / pf * bytes;
            let shard = bytes / pf;
            let intra_phase = (
                PhaseCost {
                    latency: ring_lat(pf - 1.0, 0.0),
                    bw_time: intra / intra_bw,
                },
                PhaseShape::IntraRing {
                    bytes_per_edge: intra / pe,
                },
            );
            if per > 1 {
                v.push(intra_phase);
            }
            if servers > 1 {
                let e = 2.0 * (sf - 1.0) / sf * shard;
                v.push((
                    PhaseCost {
                        latency: ring_lat(2.0 * (sf - 1.0), 2.0 * (sf - 1.0)),
                        bw_time: e / inter_bw,
                    },
                    PhaseShape::RailRing { bytes_per_edge: e / pe },
                ));
            }
            if per > 1 {
                v.push(intra_phase);
            }
            v
        }
        (K::AllGather | K::ReduceScatter | K::Broadcast, Algorithm::Hierarchical) => {
            let intra = (pf - 1.0) / pf * bytes;
            let e = if kind == K::Broadcast {
                bytes / pf
            } else {
                (sf - 1.0) / sf * bytes / pf
            };
            let mut inter_phase = Phases::default();
            if servers > 1 {
                inter_phase.push((
                    PhaseCost {
                        latency: ring_lat(sf - 1.0, sf - 1.0),
                        bw_time: e / inter_bw,
                    },
                    PhaseShape::RailRing { bytes_per_edge: e / pe },
                ));
            }
            let mut intra_phase = Phases::default();
            if per > 1 {
                intra_phase.push((
                    PhaseCost {
                        latency: ring_lat(pf - 1.0, 0.0),
                        bw_time: intra / intra_bw,
                    },
                    PhaseShape::IntraRing {
                        bytes_per_edge: intra / pe,
                    },
                ));
            }
            // Reduce-scatter reduces inside first; gather and broadcast cross first.
            if kind == K::ReduceScatter {
                intra_phase.extend(inter_phase);
                intra_phase
            } else {
                inter_phase.extend(intra_phase);
                inter_phase
            }
        }
        (K::AllReduce, Algorithm::Nvls) => {
            if !g.nvls || servers > 1 || per < 2 || proto != Protocol::Simple {
                return None;
            }
            let algbw = NVLS_BUSBW_PER_LINE * g.scale_up_line.0 * pf / (2.0 * (pf - 1.0));
            // The flows run over links of `intra_bw`; inflate their bytes so
            // they take the calibrated NVLS time.
            let wire = bytes * g.intra_bw.0 / algbw;
            Phases::one((
                PhaseCost {
                    latency: us(BASE_LAT_RING_US[p]) + 2.0 * nv_ring,
                    bw_time: bytes / algbw,
                },
                PhaseShape::Nvls { up: wire, down: wire },
            ))
        }
        (K::AllToAll, Algorithm::Ring | Algorithm::Hierarchical) => {
            let per_peer = bytes / nf;
            let t_intra = if per > 1 { (pf - 1.0) * per_peer / intra_bw } else { 0.0 };
            let t_inter = if servers > 1 {
                (nf - pf) * per_peer / inter_bw
            } else {
                0.0
            };
            let lat = us(BASE_LAT_RING_US[p]) + if servers > 1 { net_ring } else { nv_ring };
            Phases::one((
                PhaseCost {
                    latency: lat,
                    bw_time: t_intra.max(t_inter),
                },
                PhaseShape::AllToAll {
                    bytes_per_peer: per_peer / pe,
                },
            ))
        }
        _ => return None,
    };
    Some(out)
}

/// The algorithm, protocol and time NCCL-style tuning would pick.
pub fn best(kind: CollectiveKind, bytes: Bytes, g: &GroupSpec) -> (Algorithm, Protocol, Seconds) {
    let mut best = (Algorithm::Ring, Protocol::Simple, Seconds(f64::INFINITY));
    for algo in [
        Algorithm::Ring,
        Algorithm::Tree,
        Algorithm::Hierarchical,
        Algorithm::Nvls,
    ] {
        for proto in Protocol::ALL {
            if let Some(t) = algorithm_time(kind, algo, proto, bytes, g)
                && t.0 < best.2.0
            {
                best = (algo, proto, t);
            }
        }
    }
    best
}

/// Time of one algorithm with one protocol, `None` if it does not apply.
pub fn algorithm_time(
    kind: CollectiveKind,
    algo: Algorithm,
    proto: Protocol,
    bytes: Bytes,
    g: &GroupSpec,
) -> Option<Seconds> {
    let ph = phases(kind, algo, proto, bytes.0.max(0.0), g)?;
    let t: f64 = ph.iter().map(|(c, _)| c.latency + c.bw_time).sum();
    t.is_finite().then_some(Seconds(t))
}

/// Time of a collective of `bytes` on a communicator. `Auto` (or an
/// algorithm that does not apply to this kind/group) picks the fastest, as
/// NCCL does; the best protocol is always chosen.
pub fn collective_time(kind: CollectiveKind, algo: Algorithm, bytes: Bytes, g: &GroupSpec) -> Seconds {
    if algo != Algorithm::Auto {
        let t = Protocol::ALL
            .iter()
            .filter_map(|&p| algorithm_time(kind, algo, p, bytes, g))
            .fold(f64::INFINITY, |a, t| a.min(t.0));
        if t.is_finite() {
            return Seconds(t);
        }
    }
    let t = best(kind, bytes, g).2;
    if t.0.is_finite() { t } else { Seconds(0.0) }
}

/// nccl-tests bus bandwidth of a collective that took `time`.
pub fn bus_bandwidth(kind: CollectiveKind, bytes: Bytes, ranks: u32, time: Seconds) -> BytesPerSec {
    if time.0 > 0.0 {
        BytesPerSec(bytes.0 / time.0 * kind.bus_factor(ranks))
    } else {
        BytesPerSec(0.0)
    }
}

/// The GPUs taking part: the first `servers` members of a GPU-server group,
/// GPUs `0 .. gpus_per_server` of each. Rank = server × gpus_per_server + gpu.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Participants {
    pub group: u32,
    pub servers: u32,
    pub gpus_per_server: u32,
}

/// A collective to run as flows.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Collective {
    pub kind: CollectiveKind,
    pub algorithm: Algorithm,
    pub bytes: Bytes,
    pub participants: Participants,
}

/// One step of a collective: wait `latency`, then run `flows` to completion.
#[derive(Clone, Debug, PartialEq)]
pub struct Phase {
    pub latency: Seconds,
    pub flows: Vec<FlowSpec>,
}

/// A collective lowered to flows on a topology.
#[derive(Clone, Debug, PartialEq)]
pub struct CollectivePlan {
    pub algorithm: Algorithm,
    pub protocol: Protocol,
    /// The analytical prediction on an idle network, for comparison.
    pub predicted: Seconds,
    pub phases: Vec<Phase>,
}

/// Cap on flows in one plan: all-to-all grows as ranks², and a plan beyond
/// this should use the analytical form.
const MAX_PLAN_FLOWS: usize = 4_000_000;

impl CollectivePlan {
    /// Lower `c` onto `topo`. On a folded topology the participants must be
    /// the whole group (so traffic is as symmetric as the fold assumes) and
    /// only representative flows are emitted.
    pub fn build(topo: &Topology, c: &Collective) -> Result<CollectivePlan, SimError> {
        let p = c.participants;
        let g = topo
            .group(p.group)
            .ok_or_else(|| SimError::Invalid(format!("group {} does not exist", p.group)))?;
        if topo.fold() > 1 && g.sharded && p.servers != g.count {
            return Err(SimError::Invalid(format!(
                "a collective over {} of {} members of '{}' is not symmetric; build the topology with Fold::None",
                p.servers, g.count, g.name
            )));
        }
        let spec = GroupSpec::from_topology(topo, p.group, p.servers, p.gpus_per_server)?;
        let (algo, proto, predicted) = if c.algorithm == Algorithm::Auto {
            best(c.kind, c.bytes, &spec)
        } else {
            let mut b = (c.algorithm, Protocol::Simple, Seconds(f64::INFINITY));
            for pr in Protocol::ALL {
                if let Some(t) = algorithm_time(c.kind, c.algorithm, pr, c.bytes, &spec)
                    && t.0 < b.2.0
                {
                    b = (c.algorithm, pr, t);
                }
            }
            if !b.2.0.is_finite() {
                return Err(SimError::Invalid(format!(
                    "{:?} does not apply to {:?} on this group",
                    c.algorithm, c.kind
                )));
            }
            b
        };
        let ph = phases(c.kind, algo, proto, c.bytes.0.max(0.0), &spec).unwrap_or_default();
        let mut out = Vec::with_capacity(ph.len);
        let mut tag = 0u64;
        for &(cost, shape) in ph.iter() {
            let flows = lower(topo, p, shape, &mut tag)?;
            out.push(Phase {
                latency: Seconds(cost.latency),
                flows,
            });
        }
        Ok(CollectivePlan {
            algorithm: algo,
            protocol: proto,
            predicted,
            phases: out,
        })
    }
}

fn lower(topo: &Topology, p: Participants, shape: PhaseShape, tag: &mut u64) -> Result<Vec<FlowSpec>, SimError> {
    let (ns, ng) = (p.servers, p.gpus_per_server);
    let dev = |s: u32, i: u32| Endpoint {
        group: p.group,
        member: s,
        part: Part::Device(i as u16),
    };
    let mut flows = Vec::new();
    let mut push = |src: Endpoint, dst: Endpoint, bytes: f64, flows: &mut Vec<FlowSpec>| -> Result<(), SimError> {
        if src == dst || bytes <= 0.0 || !topo.is_canonical(src, dst) {
            return Ok(());
        }
        if flows.len() >= MAX_PLAN_FLOWS {
            return Err(SimError::Invalid(format!(
                "collective needs more than {MAX_PLAN_FLOWS} flows; use the analytical model"
            )));
        }
        flows.push(FlowSpec::new(src, dst, bytes, *tag));
        *tag += 1;
        Ok(())
    };
    // Only servers of pod 0 emit flows on a folded topology.
    let reps = ns.min(topo.rep_count(p.group)).max(1);
    match shape {
        PhaseShape::FlatRing {
            bytes_per_edge,
            channels,
        } => {
            for c in 0..channels.max(1) {
                for s in 0..reps {
                    // Channel c enters server s at GPU c and leaves from GPU c-1.
                    for t in 0..ng.saturating_sub(1) {
                        let a = (c + t) % ng;
                        let b = (c + t + 1) % ng;
                        push(dev(s, a), dev(s, b), bytes_per_edge, &mut flows)?;
                    }
                    if ns > 1 {
                        let last = (c + ng - 1) % ng;
                        push(dev(s, last), dev((s + 1) % ns, c % ng), bytes_per_edge, &mut flows)?;
                    } else if ng > 1 {
                        let last = (c + ng - 1) % ng;
                        push(dev(s, last), dev(s, c % ng), bytes_per_edge, &mut flows)?;
                    }
                }
            }
        }
        PhaseShape::IntraRing { bytes_per_edge } => {
            for s in 0..reps {
                for i in 0..ng {
                    push(dev(s, i), dev(s, (i + 1) % ng), bytes_per_edge, &mut flows)?;
                }
            }
        }
        PhaseShape::RailRing { bytes_per_edge } => {
            for s in 0..reps {
                for i in 0..ng {
                    push(dev(s, i), dev((s + 1) % ns, i), bytes_per_edge, &mut flows)?;
                }
            }
        }
        PhaseShape::Nvls { up, down } => {
            for s in 0..reps {
                let hub = Endpoint {
                    group: p.group,
                    member: s,
                    part: Part::ScaleUp,
                };
                for i in 0..ng {
                    push(dev(s, i), hub, up, &mut flows)?;
                    push(hub, dev(s, i), down, &mut flows)?;
                }
            }
        }
        PhaseShape::AllToAll { bytes_per_peer } => {
            for s in 0..reps {
                for i in 0..ng {
                    for t in 0..ns {
                        if t == s {
                            for j in 0..ng {
                                push(dev(s, i), dev(t, j), bytes_per_peer, &mut flows)?;
                            }
                        } else {
                            // PXN-style: GPU i carries all of server s's data for
                            // rank-column i of server t over its own rail.
                            push(dev(s, i), dev(t, i), bytes_per_peer * ng as f64, &mut flows)?;
                        }
                    }
                }
            }
        }
        PhaseShape::Tree { bytes, up } => {
            if topo.fold() > 1 && ns > 1 {
                return Err(SimError::Invalid(
                    "tree collectives are not symmetric under folding; build the topology with Fold::None".into(),
                ));
            }
            let dir = |a: Endpoint, b: Endpoint| if up { (a, b) } else { (b, a) };
            // Chain inside each server towards GPU 0: every NVLink hop carries the buffer.
            for s in 0..reps {
                for i in 0..ng.saturating_sub(1) {
                    let (a, b) = dir(dev(s, i + 1), dev(s, i));
                    push(a, b, bytes, &mut flows)?;
                }
            }
            // Two binary trees over servers (the second mirrored), each with
            // half the data, spread over the GPUs/NICs as channels.
            if ns > 1 {
                for tree in 0..2u32 {
                    for k in 1..ns {
                        let parent = (k - 1) / 2;
                        let map = |x: u32| if tree == 0 { x } else { ns - 1 - x };
                        for c in 0..ng {
                            let (a, b) = dir(dev(map(k), c), dev(map(parent), c));
                            push(a, b, bytes / 2.0 / ng as f64, &mut flows)?;
                        }
                    }
                }
            }
        }
        PhaseShape::P2p { bytes } => {
            let (a, b) = if ns > 1 {
                (dev(0, 0), dev(ns - 1, 0))
            } else {
                (dev(0, 0), dev(0, 1 % ng))
            };
            push(a, b, bytes, &mut flows)?;
        }
    }
    Ok(flows)
}

/// Events of [`NetSim`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NetEvent {
    /// Start phase `phase` of job `job` (its latency has passed).
    Phase { job: u32, phase: u32 },
    /// Start background flow `i`.
    Flow(u32),
    /// The flow net may have completions due (stale when `version` is old).
    Tick { version: u64 },
}

struct Job {
    phases: Vec<Phase>,
    current: u32,
    outstanding: usize,
    finished: Option<SimTime>,
}

/// Runs collectives (as phase sequences) and background flows together on
/// one [`FlowNet`], so they contend for the same links.
pub struct NetSim {
    net: FlowNet,
    jobs: Vec<Job>,
    job_starts: Vec<SimTime>,
    background: Vec<(SimTime, FlowSpec)>,
    background_done: Vec<Completion>,
    version: u64,
    /// Flow tags are rewritten to route completions: job index in the high bits.
    owner: std::collections::HashMap<u64, u32>,
}

/// The outcome of a [`NetSim`] run.
#[derive(Clone, Debug)]
pub struct NetReport {
    /// Finish time of each job, in the order added.
    pub job_finish: Vec<SimTime>,
    pub background: Vec<Completion>,
    pub stats: NetStats,
    pub records: Records,
    pub end: SimTime,
    /// Highest load/capacity ratio seen on any resource (≤ 1 when sharing is right).
    pub peak_utilization: f64,
    pub events: u64,
}

const BACKGROUND: u32 = u32::MAX;

impl NetSim {
    pub fn new(topo: Arc<Topology>) -> Self {
        Self {
            net: FlowNet::new(topo),
            jobs: Vec::new(),
            job_starts: Vec::new(),
            background: Vec::new(),
            background_done: Vec::new(),
            version: 0,
            owner: std::collections::HashMap::new(),
        }
    }
    /// Add a job (e.g. a collective plan's phases) starting at `at`.
    pub fn add_job(&mut self, at: SimTime, phases: Vec<Phase>) -> u32 {
        self.jobs.push(Job {
            phases,
            current: 0,
            outstanding: 0,
            finished: None,
        });
        self.job_starts.push(at);
        (self.jobs.len() - 1) as u32
    }
    /// Add a background transfer starting at `at`.
    pub fn add_flow(&mut self, at: SimTime, spec: FlowSpec) {
        self.background.push((at, spec));
    }

    /// Run everything to completion.
    pub fn run(self, seed: u64, limits: Limits, progress: Progress) -> Result<NetReport, SimError> {
        let starts = self.job_starts.clone();
        let bg: Vec<SimTime> = self.background.iter().map(|b| b.0).collect();
        let mut sim = Simulation::new(self, seed, limits, progress);
        for (j, &t) in starts.iter().enumerate() {
            let lat = sim.model().jobs[j].phases.first().map_or(0.0, |p| p.latency.0);
            sim.scheduler().at(
                t.saturating_add(SimTime::from_secs(lat)),
                NetEvent::Phase {
                    job: j as u32,
                    phase: 0,
                },
            );
        }
        for (i, &t) in bg.iter().enumerate() {
            sim.scheduler().at(t, NetEvent::Flow(i as u32));
        }
        let end = sim.run()?;
        let events = sim.events();
        let m = sim.into_model();
        Ok(NetReport {
            job_finish: m.jobs.iter().map(|j| j.finished.unwrap_or(end)).collect(),
            background: m.background_done,
            stats: m.net.stats(),
            records: m.net.records().clone(),
            end,
            peak_utilization: m.net.stats().peak_utilization,
            events,
        })
    }

    fn start_flows(&mut self, now: SimTime, owner: u32, specs: &[FlowSpec]) -> Result<(), SimError> {
        let ids = self.net.start_many(now, specs)?;
        for id in ids {
            self.owner.insert(id.0, owner);
        }
        Ok(())
    }

    fn schedule_tick(&mut self, s: &mut Scheduler<NetEvent>) {
        self.version += 1;
        if let Some(t) = self.net.next_event() {
            s.at(t, NetEvent::Tick { version: self.version });
        }
    }

    fn start_phase(&mut self, s: &mut Scheduler<NetEvent>, job: u32, phase: u32) -> Result<(), SimError> {
        let now = s.now();
        let Some(j) = self.jobs.get_mut(job as usize) else {
            return Ok(());
        };
        j.current = phase;
        let Some(ph) = j.phases.get(phase as usize) else {
            j.finished = Some(now);
            return Ok(());
        };
        let flows = ph.flows.clone();
        j.outstanding = flows.len();
        if flows.is_empty() {
            return self.next_phase(s, job);
        }
        self.start_flows(now, job, &flows)
    }

    fn next_phase(&mut self, s: &mut Scheduler<NetEvent>, job: u32) -> Result<(), SimError> {
        let Some(j) = self.jobs.get_mut(job as usize) else {
            return Ok(());
        };
        let next = j.current + 1;
        match j.phases.get(next as usize) {
            Some(p) => {
                let lat = SimTime::from_secs(p.latency.0);
                s.after(lat, NetEvent::Phase { job, phase: next });
            }
            None => j.finished = Some(s.now()),
        }
        Ok(())
    }
}

impl Model for NetSim {
    type Event = NetEvent;

    /// Share of job phases and background flows finished.
    fn progress(&self, _now: SimTime) -> Option<f64> {
        let total: usize = self.jobs.iter().map(|j| j.phases.len()).sum::<usize>() + self.background.len();
        if total == 0 {
            return Some(1.0);
        }
        let done: usize = self
            .jobs
            .iter()
            .map(|j| {
                if j.finished.is_some() {
                    j.phases.len()
                } else {
                    j.current as usize
                }
            })
            .sum::<usize>()
            + self.background_done.len();
        Some(done as f64 / total as f64)
    }

    fn handle(&mut self, s: &mut Scheduler<NetEvent>, ev: NetEvent) -> Result<(), SimError> {
        match ev {
            NetEvent::Phase { job, phase } => self.start_phase(s, job, phase)?,
            NetEvent::Flow(i) => {
                if let Some(&(_, spec)) = self.background.get(i as usize) {
                    self.start_flows(s.now(), BACKGROUND, &[spec])?;
                }
            }
            NetEvent::Tick { version } => {
                if version != self.version {
                    return Ok(());
                }
                let done = self.net.advance(s.now());
                for c in done {
                    match self.owner.remove(&c.id.0) {
                        Some(BACKGROUND) | None => self.background_done.push(c),
                        Some(job) => {
                            let left = {
                                let j = &mut self.jobs[job as usize];
                                j.outstanding = j.outstanding.saturating_sub(1);
                                j.outstanding
                            };
                            if left == 0 {
                                self.next_phase(s, job)?;
                            }
                        }
                    }
                }
            }
        }
        self.schedule_tick(s);
        Ok(())
    }
}

/// Run one collective alone on an idle network; returns its duration.
pub fn run_collective(topo: Arc<Topology>, c: &Collective) -> Result<Seconds, SimError> {
    let plan = CollectivePlan::build(&topo, c)?;
    let mut sim = NetSim::new(topo);
    sim.add_job(SimTime::ZERO, plan.phases);
    let r = sim.run(0, Limits::default(), Progress::new())?;
    Ok(Seconds(r.job_finish.first().map_or(0.0, |t| t.as_secs())))
}

/// NVLink efficiency is re-exported for callers that build a [`GroupSpec`] by hand.
pub const SCALE_UP_EFFICIENCY: f64 = NVLINK_EFFICIENCY;
