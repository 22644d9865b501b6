//! The hardware a training stage runs on, resolved from the plan and the
//! catalog: device, server, scale-up and scale-out bandwidth, storage path,
//! site. Bandwidths are in bytes per second per direction.

use crate::model::{
    Catalog, Device, Link, Node, NodeId, NodeKind, NodeRole, Plan, Stage, StorageModel, System, WiringPattern,
};
use crate::sim::collectives::{CollectiveKind, GroupSpec, collective_time};
use crate::sim::topology::{Fold, Topology};
use crate::units::{Bytes, BytesPerSec, Seconds};

/// Achieved NCCL bus bandwidth over NVLink as a fraction of the per-GPU
/// NVLink bandwidth per direction: ~230 GB/s measured on 8×A100 (300 GB/s
/// per direction) and ~370 GB/s ring on 8×H100 (450 GB/s) — nccl-tests
/// figures in ../shared/validation/hardware.csv. 230/300 = 0.77, 370/450 =
/// 0.82; the lower figure is used for both.
pub const NVLINK_BUS_EFFICIENCY: f64 = 0.77;
/// Achieved per-NIC bandwidth across servers as a fraction of line rate:
/// InfiniBand NDR 400 Gb/s (50 GB/s) achieves 46–48 GB/s in nccl-tests
/// (hardware.csv) → 0.94.
pub const NIC_EFFICIENCY: f64 = 0.94;

/// Where the stage runs and what connects it.
#[derive(Clone, Debug)]
pub struct Cluster {
    pub node_id: NodeId,
    pub node_name: String,
    pub device: Device,
    pub system: System,
    pub servers: u64,
    pub devices_per_server: u32,
    /// NVLink (or PCIe) bandwidth per device per direction, achieved.
    pub scale_up_bw: f64,
    /// Scale-out bandwidth of one server per direction, achieved.
    pub server_scale_out_bw: f64,
    /// One-way latency of an inter-server hop, seconds.
    pub scale_out_latency: f64,
    /// Name of the scale-out link (for diagnoses).
    pub scale_out_link: String,
    pub scale_out_medium: String,
    /// Leaf-to-spine oversubscription (≥ 1) for traffic that leaves a leaf.
    pub oversubscription: f64,
    /// Servers under one leaf switch.
    pub servers_per_leaf: u64,
    /// Where the collective bandwidths come from: the simulation core's
    /// topology (routes through the drawn fabric) or, if the plan cannot be
    /// built into one, the plan's links directly.
    pub net_source: &'static str,
    /// Inside a server, per device per direction (achievable).
    pub intra_bw: f64,
    /// Across servers, per device per direction (its NIC share, achievable).
    pub inter_bw: f64,
    pub inter_latency: f64,
    pub scale_up_line: f64,
    pub nvls: bool,
    /// Flow-level time of a cross-server all-reduce on the fabric over the
    /// analytical time on an idle network (≥ 1 when links are shared):
    /// applied to every cross-server collective. 1 when not measured.
    pub fabric_factor: f64,
    /// Fraction of dense peak a large matmul sustains (catalog calibration
    /// `large_gemm_efficiency`, default [`super::layer::LARGE_GEMM_EFFICIENCY`]).
    pub gemm_efficiency: f64,
    /// Unexpected job interruptions per GPU-hour (catalog calibration
    /// `interruptions_per_gpu_hour`, default
    /// [`super::lifecycle::INTERRUPTIONS_PER_GPU_HOUR`]).
    pub interruptions_per_gpu_hour: f64,
}

impl Cluster {
    /// A communicator of `ranks` devices, `per_server` of them per server,
    /// for the simulation core's collective model. Traffic that leaves a
    /// leaf switch shares its uplinks (oversubscription).
    pub fn group(&self, ranks: u32, per_server: u32) -> GroupSpec {
        let per_server = per_server.clamp(1, ranks.max(1));
        let servers = ranks.max(1).div_ceil(per_server) as u64;
        let mut inter = self.inter_bw;
        if servers > self.servers_per_leaf {
            inter /= self.oversubscription;
        }
        if servers > 1 {
            inter /= self.fabric_factor.max(1.0);
        }
        GroupSpec {
            ranks: ranks.max(1),
            ranks_per_server: per_server,
            intra_bw: BytesPerSec(self.intra_bw),
            inter_bw: BytesPerSec(inter),
            inter_latency: Seconds(self.inter_latency),
            scale_up_line: BytesPerSec(self.scale_up_line),
            nvls: self.nvls && per_server > 1,
        }
    }
    /// Time of a collective of `bytes` (nccl-tests size conventions) on a
    /// communicator, NCCL-style algorithm choice (simulation core).
    pub fn collective(&self, kind: CollectiveKind, bytes: f64, ranks: u32, per_server: u32) -> f64 {
        if ranks <= 1 || bytes <= 0.0 {
            return 0.0;
        }
        let g = self.group(ranks, per_server);
        collective_time(kind, crate::sim::collectives::Algorithm::Auto, Bytes(bytes), &g).0
    }

    /// Scale-out bandwidth available to one device when all devices of the
    /// server send at once.
    pub fn per_device_scale_out_bw(&self) -> f64 {
        self.server_scale_out_bw / self.devices_per_server.max(1) as f64
    }
}

/// A storage node a stage reads from or writes to, and its path.
#[derive(Clone, Debug)]
pub struct StoragePath {
    pub node_id: NodeId,
    pub node_name: String,
    pub model: StorageModel,
    /// Aggregate read and write throughput over the path, bytes/s.
    pub read_bw: f64,
    pub write_bw: f64,
    pub kind: NodeKind,
    pub members: f64,
    /// A cache's hit ratio and the read rate of the storage behind it
    /// (the first other storage node linked to it).
    pub hit_ratio: Option<f64>,
    pub backing_read_bw: Option<f64>,
}

/// Connections one member of `this` has over `link` (see DESIGN.md wiring).
fn connections_per_member(link: &Link, this: &Node, other: &Node, nics: u32) -> f64 {
    match link.pattern {
        WiringPattern::OneToOne => 1.0,
        WiringPattern::AllToAll => other.count as f64,
        WiringPattern::Rail => {
            if this.kind == NodeKind::Switch {
                // A rail switch sees one NIC of every server.
                (other.count as f64 / this.count.max(1) as f64).max(1.0)
            } else {
                nics.max(1) as f64
            }
        }
        WiringPattern::Spread => (other.count as f64 / this.count.max(1) as f64).max(1.0),
    }
}

fn link_gbps(link: &Link) -> f64 {
    link.connection_gbps() * 1e9 / 8.0
}

fn latency_s(link: &Link) -> f64 {
    let us = if link.latency_us > 0.0 {
        link.latency_us
    } else {
        link.medium.default_latency_us()
    };
    us * 1e-6
}

/// Resolve the compute a training stage is placed on. Several placement
/// groups of the same system add up; the first group names the cluster.
pub fn cluster_of(plan: &Plan, catalog: &Catalog, stage: &Stage) -> Result<Cluster, String> {
    let mut first: Option<(&Node, &System)> = None;
    let mut servers = 0u64;
    for id in &stage.placement {
        let node = plan
            .node(id)
            .ok_or_else(|| format!("placement node '{id}' does not exist"))?;
        let sys = catalog
            .system(&node.model)
            .ok_or_else(|| format!("'{}' uses unknown system '{}'", node.name, node.model))?;
        match first {
            None => first = Some((node, sys)),
            Some((_, s0)) if s0.id != sys.id => {
                return Err(format!(
                    "training across different systems ('{}' and '{}') is not modelled; place the stage on one kind of server",
                    s0.id, sys.id
                ));
            }
            _ => {}
        }
        servers += node.count as u64;
    }
    let (node, sys) = first.ok_or_else(|| "the stage is placed on no node".to_string())?;
    let device = catalog
        .device(&sys.device)
        .ok_or_else(|| format!("system '{}' names unknown device '{}'", sys.id, sys.device))?
        .clone();
    // Scale-up: NVLink per GPU, or PCIe Gen4 x16 (~32 GB/s, PCI-SIG) when
    // the system has none.
    let scale_up_raw = if sys.scale_up_gbs > 0.0 {
        sys.scale_up_gbs * 1e9
    } else {
        32e9
    };
    let scale_up_bw = scale_up_raw * NVLINK_BUS_EFFICIENCY;
    // Scale-out: links from the server group to switches or other servers.
    let mut out_bw = 0.0;
    let mut latency: f64 = 0.0;
    let mut link_name = String::new();
    let mut medium = String::new();
    let mut leaves: Vec<&Node> = Vec::new();
    for l in plan.links_of(&node.id) {
        let other_id = if l.from == node.id { &l.to } else { &l.from };
        let Some(other) = plan.node(other_id) else { continue };
        if other.kind.role() == NodeRole::Storage || l.medium == crate::model::Medium::NvLink {
            continue;
        }
        if matches!(l.medium, crate::model::Medium::Pcie4 | crate::model::Medium::Pcie5) {
            continue;
        }
        out_bw += connections_per_member(l, node, other, sys.nics) * link_gbps(l);
        latency = latency.max(latency_s(l));
        if link_name.is_empty() {
            link_name = l.id.to_string();
            medium = l.medium.label().to_string();
        }
        if other.kind == NodeKind::Switch {
            leaves.push(other);
        }
    }
    let nic_cap = sys.nics as f64 * sys.nic_gbps * 1e9 / 8.0;
    if out_bw <= 0.0 {
        out_bw = nic_cap;
        medium = "NIC".into();
    } else if nic_cap > 0.0 {
        out_bw = out_bw.min(nic_cap);
    }
    // Oversubscription at the leaves: servers' downlinks vs the leaves'
    // uplinks to other switches.
    let mut oversubscription: f64 = 1.0;
    let mut servers_per_leaf = servers.max(1);
    if let Some(leaf) = leaves.first() {
        let down_total = out_bw * servers as f64;
        let mut up_total = 0.0;
        for l in plan.links_of(&leaf.id) {
            let other_id = if l.from == leaf.id { &l.to } else { &l.from };
            let Some(other) = plan.node(other_id) else { continue };
            if other.kind == NodeKind::Switch && other.id != leaf.id {
                up_total += connections_per_member(l, leaf, other, 0) * link_gbps(l) * leaf.count as f64;
            }
        }
        let rail = plan
            .links_of(&node.id)
            .any(|l| l.pattern == WiringPattern::Rail && (l.to == leaf.id || l.from == leaf.id));
        if leaf.count > 1 && !rail {
            servers_per_leaf = (servers as f64 / leaf.count as f64).ceil().max(1.0) as u64;
            if up_total > 0.0 {
                oversubscription = (down_total / up_total).max(1.0);
            }
        }
    }
    // Bandwidths as the simulation core's topology sees them (routes
    // through the drawn fabric); the plan's links when it cannot be built.
    let mut net_source = "plan links";
    let mut intra_bw = scale_up_bw;
    let mut inter_bw = out_bw * NIC_EFFICIENCY / sys.devices.max(1) as f64;
    let mut inter_latency = if latency > 0.0 { latency } else { 2e-6 };
    let mut nvls = false;
    let mut fabric_factor = 1.0;
    if let Ok(topo) = Topology::build(plan, catalog, Fold::Auto)
        && let Some(gi) = topo.groups().iter().position(|g| g.node == node.id)
        && let Ok(spec) = GroupSpec::from_topology(&topo, gi as u32, node.count.clamp(1, 2), sys.devices.max(1))
    {
        net_source = "fabric";
        if spec.intra_bw.0.is_finite() {
            intra_bw = spec.intra_bw.0;
        }
        if spec.inter_bw.0.is_finite() && spec.inter_bw.0 > 0.0 {
            inter_bw = spec.inter_bw.0;
            inter_latency = spec.inter_latency.0;
        }
        nvls = spec.nvls;
        if servers > 1
            && let Some(f) = fabric_contention(topo, gi as u32)
        {
            fabric_factor = f;
        }
    }
    Ok(Cluster {
        net_source,
        intra_bw,
        inter_bw,
        inter_latency,
        scale_up_line: scale_up_raw,
        nvls,
        fabric_factor,
        node_id: node.id.clone(),
        node_name: node.name.clone(),
        devices_per_server: sys.devices.max(1),
        device,
        system: sys.clone(),
        servers,
        scale_up_bw,
        server_scale_out_bw: out_bw * NIC_EFFICIENCY,
        scale_out_latency: if latency > 0.0 { latency } else { 2e-6 },
        scale_out_link: link_name,
        scale_out_medium: medium,
        oversubscription,
        servers_per_leaf,
        gemm_efficiency: catalog.calibration("large_gemm_efficiency", super::layer::LARGE_GEMM_EFFICIENCY),
        interruptions_per_gpu_hour: catalog.calibration(
            "interruptions_per_gpu_hour",
            super::lifecycle::INTERRUPTIONS_PER_GPU_HOUR,
        ),
    })
}

/// Run a 1 GiB hierarchical all-reduce across every server of group `gi`
/// as flows on the fabric (max-min sharing on every link of the drawn
/// topology, simulation core) and compare it with the analytical time of
/// the same collective on an idle network. Oversubscribed uplinks, shared
/// rails or ECMP collisions make the ratio exceed 1.
fn fabric_contention(topo: Topology, gi: u32) -> Option<f64> {
    use crate::sim::collectives::{Algorithm, Collective, CollectivePlan, NetSim, Participants};
    use crate::sim::engine::{Limits, SimTime};
    let g = topo.group(gi)?;
    let (servers, devices) = (g.count, g.devices.max(1));
    if servers < 2 {
        return None;
    }
    let c = Collective {
        kind: CollectiveKind::AllReduce,
        algorithm: Algorithm::Hierarchical,
        bytes: Bytes::from_gib(1.0),
        participants: Participants {
            group: gi,
            servers,
            gpus_per_server: devices,
        },
    };
    let topo = std::sync::Arc::new(topo);
    let plan = CollectivePlan::build(&topo, &c).ok()?;
    let predicted = plan.predicted.0;
    let mut sim = NetSim::new(topo);
    sim.add_job(SimTime::ZERO, plan.phases);
    let report = sim.run(0, Limits::default(), crate::sim::Progress::new()).ok()?;
    let flow = report.job_finish.first()?.as_secs();
    (predicted > 0.0 && flow > 0.0).then(|| (flow / predicted).max(1.0))
}

/// Largest server count for which storage transfers are run as flows on
/// the unfolded fabric; larger clusters use the path bandwidth formula.
const MAX_FLOW_SERVERS: u32 = 512;

/// Time to move `total_bytes` between `servers` members of the compute
/// group and a storage node, every server sending (or receiving) its share
/// as a flow on the fabric: link sharing, the storage's throughput and
/// request-rate limits (8 MB requests) all apply (simulation core flows).
/// `None` when the plan cannot be built into a topology or is too large.
pub fn fabric_storage_time(
    plan: &Plan,
    catalog: &Catalog,
    compute: &NodeId,
    servers: u32,
    storage: &NodeId,
    total_bytes: f64,
    write: bool,
) -> Option<f64> {
    use crate::sim::collectives::NetSim;
    use crate::sim::engine::{Limits, SimTime};
    use crate::sim::flows::FlowSpec;
    use crate::sim::topology::{Endpoint, Part};
    if servers == 0 || servers > MAX_FLOW_SERVERS || total_bytes <= 0.0 {
        return None;
    }
    let gi = plan.nodes.iter().position(|n| &n.id == compute)? as u32;
    let si = plan.nodes.iter().position(|n| &n.id == storage)? as u32;
    let members = plan.nodes.get(si as usize)?.count.max(1);
    let topo = Topology::build(plan, catalog, Fold::None).ok()?;
    let mut sim = NetSim::new(std::sync::Arc::new(topo));
    for m in 0..servers {
        let server = Endpoint {
            group: gi,
            member: m,
            part: Part::Host,
        };
        let store = Endpoint {
            group: si,
            member: m % members,
            part: Part::Whole,
        };
        let (src, dst) = if write { (server, store) } else { (store, server) };
        let mut f = FlowSpec::new(src, dst, total_bytes / servers as f64, m as u64);
        f.request_bytes = Some(8e6);
        sim.add_flow(SimTime::ZERO, f);
    }
    let report = sim.run(0, Limits::default(), crate::sim::Progress::new()).ok()?;
    let end = report
        .background
        .iter()
        .map(|c| c.finished.as_secs())
        .fold(0.0, f64::max);
    (report.background.len() == servers as usize && end > 0.0).then_some(end)
}

/// Resolve a storage node and the bandwidth of its path to `cluster`:
/// the storage's own throughput (× members), its links, and the servers'
/// scale-out capacity.
pub fn storage_path(plan: &Plan, catalog: &Catalog, id: &NodeId, cluster: &Cluster) -> Option<StoragePath> {
    let node = plan.node(id)?;
    let model = catalog.storage(&node.model)?.clone();
    let members = node.count.max(1) as f64;
    let mut link_bw = 0.0;
    for l in plan.links_of(&node.id) {
        let other_id = if l.from == node.id { &l.to } else { &l.from };
        let Some(other) = plan.node(other_id) else { continue };
        link_bw += connections_per_member(l, node, other, 0) * link_gbps(l) * members;
    }
    let servers_bw = cluster.server_scale_out_bw * cluster.servers as f64;
    let cap = |own: f64| {
        let mut bw = own * 1e9 * members;
        if link_bw > 0.0 {
            bw = bw.min(link_bw * NIC_EFFICIENCY);
        }
        if servers_bw > 0.0 {
            bw = bw.min(servers_bw);
        }
        bw
    };
    let backing_read_bw = if node.kind == NodeKind::NvmeCache {
        plan.links_of(&node.id).find_map(|l| {
            let other = plan.node(if l.from == node.id { &l.to } else { &l.from })?;
            if other.kind.role() != NodeRole::Storage || other.id == node.id {
                return None;
            }
            let m = catalog.storage(&other.model)?;
            let own = m.read_gbs * 1e9 * other.count.max(1) as f64;
            let by_requests = if m.read_requests_per_s > 0.0 {
                m.read_requests_per_s * other.count.max(1) as f64 * 8e6
            } else {
                f64::INFINITY
            };
            Some(
                own.min(by_requests)
                    .min(link_gbps(l) * NIC_EFFICIENCY * connections_per_member(l, node, other, 0) * members),
            )
        })
    } else {
        None
    };
    Some(StoragePath {
        node_id: node.id.clone(),
        node_name: node.name.clone(),
        read_bw: cap(model.read_gbs),
        write_bw: cap(model.write_gbs),
        kind: node.kind,
        members,
        hit_ratio: node.cache_hit_ratio.filter(|_| node.kind == NodeKind::NvmeCache),
        backing_read_bw,
        model,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::fixtures::{fat_tree, reference_catalog};

    fn factor(uplink_lanes: u32) -> Option<f64> {
        let mut plan = fat_tree("dgx-h100", 8, 2, 2);
        for l in &mut plan.links {
            if l.id.as_str() == "leaf-spine" {
                l.lanes = uplink_lanes;
            }
        }
        let topo = Topology::build(&plan, &reference_catalog(), Fold::Auto).ok()?;
        let gi = topo.groups().iter().position(|g| g.node.as_str() == "gpu")? as u32;
        fabric_contention(topo, gi)
    }

    #[test]
    fn oversubscribed_uplinks_show_as_contention() {
        // Non-blocking: as many uplinks as downlinks (16 per leaf over 2 spines).
        let free = factor(8).expect("runs on the fabric");
        assert!(free < 1.1, "{free}");
        // 8:1 oversubscribed leaves.
        let tight = factor(1).expect("runs on the fabric");
        assert!(tight > 2.0, "{tight}");
    }
}

#[cfg(test)]
mod storage_tests {
    use super::*;
    use crate::model::Catalog;

    /// Checkpoint writes of the presets run as flows and never beat the
    /// storage's own write throughput.
    #[test]
    fn preset_checkpoints_run_as_flows() {
        let catalog = Catalog::builtin();
        let mut checked = 0;
        for preset in crate::report::presets::PRESETS {
            let Ok(plan) = preset.plan() else { continue };
            for stage in &plan.stages {
                let crate::model::StageKind::Train(t) = &stage.kind else {
                    continue;
                };
                let Some(ck) = &t.checkpoint else { continue };
                let c = cluster_of(&plan, &catalog, stage).expect("cluster");
                let servers = t.parallelism.gpus().div_ceil(c.devices_per_server as u64) as u32;
                let got = fabric_storage_time(&plan, &catalog, &c.node_id, servers, &ck.target, 1e12, true)
                    .expect("runs as flows");
                let node = plan.node(&ck.target).expect("target");
                let model = catalog.storage(&node.model).expect("storage model");
                let floor = 1e12 / (model.write_gbs * 1e9 * node.count as f64);
                assert!(got >= 0.99 * floor, "{}: {got} s < {floor} s", preset.id);
                checked += 1;
            }
        }
        assert!(checked > 0);
    }
}
