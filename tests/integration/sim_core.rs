//! Simulation core: calibration against published figures, agreement of the
//! analytical and flow-level collectives, folding, and property invariants.

use clusterforge::model::{Medium, NodeKind, WiringPattern};
use clusterforge::sim::collectives::{
    Algorithm, Collective, CollectiveKind, CollectivePlan, GroupSpec, NetSim, Participants, bus_bandwidth,
    collective_time, run_collective,
};
use clusterforge::sim::fixtures::{add_node, empty_plan, fat_tree, link, rail_fabric, reference_catalog};
use clusterforge::sim::{
    Endpoint, FlowNet, FlowSpec, Fold, Limits, Part, Progress, SimError, SimTime, Topology,
};
use clusterforge::units::{Bytes, Seconds};
use std::sync::Arc;

fn topo(plan: &clusterforge::model::Plan, fold: Fold) -> Arc<Topology> {
    Arc::new(Topology::build(plan, &reference_catalog(), fold).expect("topology builds"))
}

fn allreduce(servers: u32, gpus: u32, algo: Algorithm, bytes: Bytes) -> Collective {
    Collective {
        kind: CollectiveKind::AllReduce,
        algorithm: algo,
        bytes,
        participants: Participants {
            group: 0,
            servers,
            gpus_per_server: gpus,
        },
    }
}

fn busbw_gbs(c: &Collective, t: Seconds) -> f64 {
    let n = c.participants.servers * c.participants.gpus_per_server;
    bus_bandwidth(c.kind, c.bytes, n, t).0 / 1e9
}

fn within(x: f64, want: f64, tol: f64) -> bool {
    (x - want).abs() <= tol * want
}

#[test]
fn h100_nvlink_allreduce_matches_nccl() {
    let t = topo(&fat_tree("dgx-h100", 1, 1, 0), Fold::Auto);
    let spec = GroupSpec::from_topology(&t, 0, 1, 8).unwrap();
    let bytes = Bytes::from_gib(8.0);
    for (algo, want) in [(Algorithm::Ring, 370.0), (Algorithm::Nvls, 480.0)] {
        let c = allreduce(1, 8, algo, bytes);
        let analytic = busbw_gbs(&c, collective_time(c.kind, algo, bytes, &spec));
        let flows = busbw_gbs(&c, run_collective(t.clone(), &c).unwrap());
        println!("8xH100 {algo:?}: analytic {analytic:.1} GB/s, flows {flows:.1} GB/s, published ~{want}");
        assert!(within(analytic, want, 0.10), "{algo:?} analytic {analytic}");
        assert!(within(flows, want, 0.10), "{algo:?} flows {flows}");
    }
    // NCCL picks NVLS for large messages on H100.
    let auto = collective_time(CollectiveKind::AllReduce, Algorithm::Auto, bytes, &spec);
    let c = allreduce(1, 8, Algorithm::Auto, bytes);
    assert!(within(busbw_gbs(&c, auto), 480.0, 0.10));
}

#[test]
fn a100_nvlink_allreduce_matches_nccl() {
    let t = topo(&fat_tree("dgx-a100-80gb", 1, 1, 0), Fold::Auto);
    let spec = GroupSpec::from_topology(&t, 0, 1, 8).unwrap();
    assert!(!spec.nvls);
    let c = allreduce(1, 8, Algorithm::Auto, Bytes::from_gib(8.0));
    let analytic = busbw_gbs(&c, collective_time(c.kind, c.algorithm, c.bytes, &spec));
    let flows = busbw_gbs(&c, run_collective(t, &c).unwrap());
    println!("8xA100: analytic {analytic:.1} GB/s, flows {flows:.1} GB/s, published ~230");
    assert!(within(analytic, 230.0, 0.10));
    assert!(within(flows, 230.0, 0.10));
}

#[test]
fn ndr_per_nic_bandwidth_across_servers() {
    // One GPU per server, so every byte crosses a NIC: bus bandwidth is the
    // achieved per-NIC figure, 46-48 GB/s on NDR (nccl-tests).
    let plan = fat_tree("dgx-h100", 8, 4, 2);
    let t = topo(&plan, Fold::None);
    let spec = GroupSpec::from_topology(&t, 0, 8, 1).unwrap();
    let c = allreduce(8, 1, Algorithm::Ring, Bytes::from_gib(4.0));
    let analytic = busbw_gbs(&c, collective_time(c.kind, c.algorithm, c.bytes, &spec));
    let flows = busbw_gbs(&c, run_collective(t.clone(), &c).unwrap());
    println!("8 servers x 1 GPU NDR ring: analytic {analytic:.1}, flows {flows:.1} GB/s, published 46-48");
    assert!(within(analytic, 47.0, 0.10));
    assert!(within(flows, 47.0, 0.10));
    // Eight GPUs per server, 8 NICs: per-NIC share of the bus bandwidth.
    let c = allreduce(8, 8, Algorithm::Ring, Bytes::from_gib(4.0));
    let flows = busbw_gbs(&c, run_collective(t, &c).unwrap()) / 8.0;
    println!("8 servers x 8 GPU NDR ring: flows per NIC {flows:.1} GB/s");
    assert!(within(flows, 47.0, 0.10));
}

#[test]
fn small_messages_are_latency_bound() {
    let t = topo(&fat_tree("dgx-h100", 16, 4, 4), Fold::Auto);
    for (servers, gpus) in [(1, 8), (16, 8)] {
        let spec = GroupSpec::from_topology(&t, 0, servers, gpus).unwrap();
        let t8 = collective_time(CollectiveKind::AllReduce, Algorithm::Auto, Bytes(8.0), &spec);
        let t4k = collective_time(CollectiveKind::AllReduce, Algorithm::Auto, Bytes(4096.0), &spec);
        let big = Bytes::from_gib(1.0);
        let tbig = collective_time(CollectiveKind::AllReduce, Algorithm::Auto, big, &spec);
        let n = servers * gpus;
        let bw_small = bus_bandwidth(CollectiveKind::AllReduce, Bytes(4096.0), n, t4k).0;
        let bw_big = bus_bandwidth(CollectiveKind::AllReduce, big, n, tbig).0;
        println!("{n} GPUs: 8 B {:.1} us, 4 KiB {:.1} us", t8.0 * 1e6, t4k.0 * 1e6);
        // 4 KiB takes about as long as 8 B, at a tiny fraction of the bandwidth.
        assert!(t4k.0 < 1.5 * t8.0, "{} vs {}", t4k.0, t8.0);
        assert!(t8.0 > 5e-6 && t8.0 < 200e-6);
        assert!(bw_small < 0.02 * bw_big);
    }
}

#[test]
fn flow_and_analytic_collectives_agree_on_idle_fabric() {
    let t = topo(&fat_tree("dgx-h100", 16, 4, 4), Fold::Auto);
    let spec = GroupSpec::from_topology(&t, 0, 16, 8).unwrap();
    let bytes = Bytes::from_gib(1.0);
    for kind in [
        CollectiveKind::AllReduce,
        CollectiveKind::AllGather,
        CollectiveKind::ReduceScatter,
        CollectiveKind::Broadcast,
        CollectiveKind::AllToAll,
    ] {
        for algo in [Algorithm::Ring, Algorithm::Hierarchical] {
            let c = Collective {
                kind,
                algorithm: algo,
                bytes,
                participants: Participants {
                    group: 0,
                    servers: 16,
                    gpus_per_server: 8,
                },
            };
            let a = collective_time(kind, algo, bytes, &spec).0;
            let f = run_collective(t.clone(), &c).unwrap().0;
            println!("{kind:?} {algo:?}: analytic {:.3} ms flows {:.3} ms", a * 1e3, f * 1e3);
            assert!(within(f, a, 0.10), "{kind:?} {algo:?}: flows {f} analytic {a}");
        }
    }
}

#[test]
fn tree_flows_match_analytic_unfolded() {
    let t = topo(&fat_tree("dgx-h100", 8, 4, 2), Fold::None);
    let spec = GroupSpec::from_topology(&t, 0, 8, 8).unwrap();
    let c = allreduce(8, 8, Algorithm::Tree, Bytes::from_gib(1.0));
    let a = collective_time(c.kind, c.algorithm, c.bytes, &spec).0;
    let f = run_collective(t, &c).unwrap().0;
    println!("tree: analytic {:.3} ms flows {:.3} ms", a * 1e3, f * 1e3);
    assert!(within(f, a, 0.15), "flows {f} analytic {a}");
    // Folded topologies refuse the asymmetric tree instead of guessing.
    let folded = topo(&fat_tree("dgx-h100", 8, 4, 2), Fold::Auto);
    assert!(folded.fold() > 1);
    assert!(matches!(run_collective(folded, &c), Err(SimError::Invalid(_))));
}
