//! Reference clusters built in code, for benchmarks and tests: they must not
//! depend on the user-editable catalog file, so their figures stay
//! comparable across catalog edits. Hardware values are datasheet figures.

use crate::model::catalog::PeakTable;
use crate::model::{
    Catalog, Device, DeviceKind, Link, LinkId, Medium, Node, NodeId, NodeKind, OnPremSite, Plan, SiteId, SiteKind,
    StorageModel, SwitchModel, System, WiringPattern,
};

/// H100 SXM, A100 SXM 80GB; DGX H100 / DGX A100; Quantum-2 QM9700 NDR switch;
/// a DDN AI400X2-class parallel file system and an S3-class object store.
pub fn reference_catalog() -> Catalog {
    let dev = |id: &str, bf16: f64, fp8: Option<f64>, tf32: f64, fp32: f64, bw: f64, tdp: f64, src: &str| Device {
        price_ref: None,
        neuromorphic: None,
        quantum: None,
        id: id.into(),
        name: id.to_uppercase(),
        kind: DeviceKind::Gpu,
        peak_tflops: PeakTable {
            fp32: Some(fp32),
            tf32: Some(tf32),
            fp16: Some(bf16),
            bf16: Some(bf16),
            fp8,
            int8: Some(fp8.unwrap_or(bf16 * 2.0)),
            int4: None,
        },
        memory_gb: 80.0,
        memory_bw_gbs: bw,
        tdp_w: tdp,
        price_usd: 0.0,
        sparse_2of4: true,
        source: src.into(),
    };
    let sys = |id: &str, device: &str, nvlink: f64, nic_gbps: f64, power: f64, src: &str| System {
        quantum: None,
        price_ref: None,
        id: id.into(),
        name: id.to_uppercase(),
        kind: NodeKind::GpuServer,
        device: device.into(),
        devices: 8,
        scale_up_gbs: nvlink,
        nics: 8,
        nic_gbps,
        host_cpu: None,
        host_cpus: 2,
        local_nvme_tb: 30.0,
        local_nvme_read_gbs: 25.0,
        power_w: power,
        price_usd: 0.0,
        cloud: None,
        source: src.into(),
    };
    Catalog {
        price_book: None,
        devices: vec![
            dev(
                "h100-sxm",
                989.0,
                Some(1979.0),
                494.0,
                67.0,
                3350.0,
                700.0,
                "NVIDIA H100 datasheet",
            ),
            dev(
                "a100-80gb-sxm",
                312.0,
                None,
                156.0,
                19.5,
                2039.0,
                400.0,
                "NVIDIA A100 datasheet",
            ),
        ],
        systems: vec![
            sys(
                "dgx-h100",
                "h100-sxm",
                450.0,
                400.0,
                10_200.0,
                "NVIDIA DGX H100 datasheet: 8x H100, NVLink4 900 GB/s bidirectional, 8x ConnectX-7 400G",
            ),
            sys(
                "dgx-a100-80gb",
                "a100-80gb-sxm",
                300.0,
                200.0,
                6_500.0,
                "NVIDIA DGX A100 datasheet: 8x A100 80GB, NVLink3 600 GB/s bidirectional, 8x ConnectX-6 200G",
            ),
        ],
        storage: vec![
            StorageModel {
                price_ref: None,
                id: "pfs-ai400x2".into(),
                name: "Parallel FS appliance".into(),
                kind: NodeKind::ParallelFs,
                read_gbs: 90.0,
                write_gbs: 65.0,
                read_requests_per_s: 3_000_000.0,
                write_requests_per_s: 1_500_000.0,
                request_scope: crate::model::RequestScope::PerMember,
                latency_ms: 0.5,
                capacity_tb: 500.0,
                usd_per_gb_month: 0.0,
                usd_per_1k_reads: 0.0,
                usd_per_1k_writes: 0.0,
                usd_per_tb_scanned: 0.0,
                scan_bills_logical_bytes: false,
                price_usd: 0.0,
                power_w: 2_400.0,
                source: "DDN AI400X2 datasheet (~90/65 GB/s read/write)".into(),
            },
            StorageModel {
                price_ref: None,
                id: "s3-prefix".into(),
                name: "Object store (one prefix)".into(),
                kind: NodeKind::ObjectStore,
                read_gbs: 100.0,
                write_gbs: 100.0,
                read_requests_per_s: 5_500.0,
                write_requests_per_s: 3_500.0,
                request_scope: crate::model::RequestScope::PerPrefix,
                latency_ms: 20.0,
                capacity_tb: 0.0,
                usd_per_gb_month: 0.023,
                usd_per_1k_reads: 0.0004,
                usd_per_1k_writes: 0.005,
                usd_per_tb_scanned: 0.0,
                scan_bills_logical_bytes: false,
                price_usd: 0.0,
                power_w: 0.0,
                source: "AWS S3 performance guidelines: 5,500 GET / 3,500 PUT per s per prefix".into(),
            },
        ],
        switches: vec![SwitchModel {
            price_ref: None,
            id: "ib-ndr-qm9700".into(),
            name: "Quantum-2 QM9700".into(),
            ports: 64,
            port_gbps: 400.0,
            infiniband: true,
            fabric: None,
            latency_ns: 130.0,
            price_usd: 0.0,
            power_w: 1_700.0,
            source: "NVIDIA Quantum-2 QM9700 datasheet: 64x NDR 400G, sub-130 ns port-to-port".into(),
        }],
        calibration: Vec::new(),
    }
}

fn node(id: &str, kind: NodeKind, model: &str, count: u32) -> Node {
    Node {
        id: NodeId::new(id),
        name: id.into(),
        kind,
        model: model.into(),
        count,
        site: SiteId::new("dc"),
        pos: (0.0, 0.0),
        capacity_tb: None,
        cache_hit_ratio: None,
    }
}

pub fn link(id: &str, from: &str, to: &str, medium: Medium, pattern: WiringPattern, lanes: u32) -> Link {
    Link {
        id: LinkId::new(id),
        from: NodeId::new(from),
        to: NodeId::new(to),
        medium,
        pattern,
        lanes,
        lane_gbps: medium.default_lane_gbps(),
        latency_us: 0.0,
    }
}

/// An empty plan with one on-prem site `dc`.
pub fn empty_plan(name: &str) -> Plan {
    Plan {
        name: name.into(),
        sites: vec![crate::model::Site {
            id: SiteId::new("dc"),
            name: "Data centre".into(),
            kind: SiteKind::OnPrem(OnPremSite {
                amortization_years: 4.0,
                power_usd_per_kwh: 0.1,
                pue: 1.3,
                operations_usd_per_year: 0.0,
                facility_capex_usd: 0.0,
            }),
            carbon_kg_per_kwh: 0.37,
        }],
        ..Plan::default()
    }
}

/// Add a node group to a plan.
pub fn add_node(plan: &mut Plan, id: &str, kind: NodeKind, model: &str, count: u32) {
    plan.nodes.push(node(id, kind, model, count));
}

/// A two-tier non-blocking NDR fat-tree: `servers` × `system` (node `gpu`),
/// each server's 8 NICs cabled to one leaf (`leaf`, `servers_per_leaf`
/// servers each), every leaf wired to every spine (`spine`) with enough
/// lanes for as many uplinks as downlinks.
pub fn fat_tree(system: &str, servers: u32, servers_per_leaf: u32, spines: u32) -> Plan {
    let mut p = empty_plan("fat-tree");
    let leaves = servers.div_ceil(servers_per_leaf.max(1)).max(1);
    add_node(&mut p, "gpu", NodeKind::GpuServer, system, servers);
    if servers == 1 {
        return p;
    }
    add_node(&mut p, "leaf", NodeKind::Switch, "ib-ndr-qm9700", leaves);
    p.links.push(link(
        "gpu-leaf",
        "gpu",
        "leaf",
        Medium::InfinibandNdr,
        WiringPattern::Spread,
        8,
    ));
    if leaves > 1 && spines > 0 {
        add_node(&mut p, "spine", NodeKind::Switch, "ib-ndr-qm9700", spines);
        let up = (8 * servers_per_leaf).div_ceil(spines).max(1);
        p.links.push(link(
            "leaf-spine",
            "leaf",
            "spine",
            Medium::InfinibandNdr,
            WiringPattern::AllToAll,
            up,
        ));
    }
    p
}

/// A rail-optimized NDR fabric: NIC i of every server to rail switch i of its
/// rail group (`servers_per_group` servers share 8 rail switches), rail
/// switches to spines all-to-all.
pub fn rail_fabric(system: &str, servers: u32, servers_per_group: u32, spines: u32) -> Plan {
    let mut p = empty_plan("rail");
    let groups = servers.div_ceil(servers_per_group.max(1)).max(1);
    add_node(&mut p, "gpu", NodeKind::GpuServer, system, servers);
    add_node(&mut p, "rail", NodeKind::Switch, "ib-ndr-qm9700", groups * 8);
    p.links.push(link(
        "gpu-rail",
        "gpu",
        "rail",
        Medium::InfinibandNdr,
        WiringPattern::Rail,
        1,
    ));
    if spines > 0 && groups > 1 {
        add_node(&mut p, "spine", NodeKind::Switch, "ib-ndr-qm9700", spines);
        let up = servers_per_group.div_ceil(spines).max(1);
        p.links.push(link(
            "rail-spine",
            "rail",
            "spine",
            Medium::InfinibandNdr,
            WiringPattern::AllToAll,
            up,
        ));
    }
    p
}
