//! Simulation core: calibration against published figures, agreement of the
//! analytical and flow-level collectives, folding, and property invariants.

use clusterforge::model::{Medium, NodeKind, Plan, WiringPattern};
use clusterforge::sim::collectives::{
    Algorithm, Collective, CollectiveKind, CollectivePlan, GroupSpec, NetSim, Participants, bus_bandwidth,
    collective_time, run_collective,
};
use clusterforge::sim::fixtures::{add_node, fat_tree, link, rail_fabric, reference_catalog};
use clusterforge::sim::{
    Endpoint, FlowNet, FlowSpec, Fold, Limits, Model, Part, Progress, RecordKey, Scheduler, SimError, SimTime,
    Simulation, Topology,
};
use clusterforge::units::{Bytes, Seconds};
use proptest::prelude::*;
use std::sync::Arc;
use std::time::{Duration, Instant};

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

fn gpu(m: u32, d: u16) -> Endpoint {
    Endpoint {
        group: 0,
        member: m,
        part: Part::Device(d),
    }
}

#[test]
fn folding_gives_the_same_answer_as_full_expansion() {
    for (name, plan) in [
        ("fat-tree", fat_tree("dgx-h100", 32, 4, 8)),
        ("rail", rail_fabric("dgx-h100", 32, 8, 8)),
    ] {
        let full = topo(&plan, Fold::None);
        let folded = topo(&plan, Fold::Auto);
        assert_eq!(full.fold(), 1);
        assert!(folded.fold() > 1, "{name}: no symmetry found");
        assert!(folded.graph().node_count() < full.graph().node_count() / 2);
        for algo in [Algorithm::Ring, Algorithm::Hierarchical] {
            for kind in [
                CollectiveKind::AllReduce,
                CollectiveKind::AllGather,
                CollectiveKind::AllToAll,
            ] {
                let c = Collective {
                    kind,
                    algorithm: algo,
                    bytes: Bytes::from_gib(0.5),
                    participants: Participants {
                        group: 0,
                        servers: 32,
                        gpus_per_server: 8,
                    },
                };
                let a = run_collective(full.clone(), &c).unwrap().0;
                let b = run_collective(folded.clone(), &c).unwrap().0;
                println!(
                    "{name} fold {} {kind:?} {algo:?}: full {a:.6} folded {b:.6}",
                    folded.fold()
                );
                assert!(within(b, a, 1e-6), "{name} {kind:?} {algo:?}: {a} vs {b}");
            }
        }
    }
}

#[test]
fn rail_fabric_keeps_rings_on_their_rail() {
    // Rail switches (one per NIC) cannot shift, so they stay global while
    // servers fold; the per-rail ring crosses no spine.
    let plan = rail_fabric("dgx-h100", 16, 16, 0);
    let t = topo(&plan, Fold::Auto);
    assert_eq!(t.fold(), 16);
    let c = allreduce(16, 8, Algorithm::Hierarchical, Bytes::from_gib(1.0));
    let f = run_collective(t.clone(), &c).unwrap().0;
    let spec = GroupSpec::from_topology(&t, 0, 16, 8).unwrap();
    let a = collective_time(c.kind, c.algorithm, c.bytes, &spec).0;
    assert!(within(f, a, 0.02), "{f} vs {a}");
}

#[test]
fn partial_groups_need_an_unfolded_topology() {
    let t = topo(&fat_tree("dgx-h100", 8, 4, 2), Fold::Auto);
    let c = allreduce(4, 8, Algorithm::Ring, Bytes::from_gib(1.0));
    assert!(matches!(CollectivePlan::build(&t, &c), Err(SimError::Invalid(_))));
    let t = topo(&fat_tree("dgx-h100", 8, 4, 2), Fold::None);
    assert!(run_collective(t, &c).is_ok());
    // Flows from outside pod 0 are refused on a folded topology.
    let t = topo(&fat_tree("dgx-h100", 8, 4, 2), Fold::Auto);
    let mut net = FlowNet::new(t);
    assert!(
        net.start(SimTime::ZERO, FlowSpec::new(gpu(7, 0), gpu(0, 0), 1e6, 0))
            .is_err()
    );
}

fn storage_plan(model: &str, kind: NodeKind) -> Plan {
    let mut p = fat_tree("dgx-h100", 8, 8, 0);
    add_node(&mut p, "store", kind, model, 1);
    p.links.push(link(
        "store-leaf",
        "store",
        "leaf",
        Medium::InfinibandNdr,
        WiringPattern::Spread,
        8,
    ));
    p
}

#[test]
fn storage_throughput_and_request_rate_bound_reads() {
    // Eight servers read from one parallel FS appliance: 90 GB/s in total,
    // though the network could carry 8 × 47.
    let t = topo(&storage_plan("pfs-ai400x2", NodeKind::ParallelFs), Fold::None);
    let store = Endpoint {
        group: t.group_index(&"store".into()).unwrap(),
        member: 0,
        part: Part::Whole,
    };
    let mut sim = NetSim::new(t.clone());
    for m in 0..8 {
        sim.add_flow(SimTime::ZERO, FlowSpec::new(store, gpu(m, 0), 9e9, m as u64));
    }
    let r = sim.run(1, Limits::default(), Progress::new()).unwrap();
    // Time to first byte of the appliance (0.5 ms) comes on top of the transfer.
    let secs = r.end.as_secs() - 0.5e-3;
    let rate = 72e9 / secs;
    println!("pfs read: {:.1} GB/s aggregate", rate / 1e9);
    assert!(within(rate, 90e9, 0.02), "{rate}");
    let read = r.records.get(RecordKey::StorageRead(store.group)).unwrap();
    assert!(within(read.total(), 72e9, 1e-6));

    // An object-store prefix at 5,500 GET/s with 1 MB objects: 5.5 GB/s.
    let t = topo(&storage_plan("s3-prefix", NodeKind::ObjectStore), Fold::None);
    let mut sim = NetSim::new(t);
    for m in 0..4 {
        let mut f = FlowSpec::new(store, gpu(m, 0), 1e9, m as u64);
        f.request_bytes = Some(1e6);
        sim.add_flow(SimTime::ZERO, f);
    }
    let r = sim.run(1, Limits::default(), Progress::new()).unwrap();
    let rate = 4e9 / (r.end.as_secs() - 20e-3);
    println!("object store read: {:.2} GB/s", rate / 1e9);
    assert!(within(rate, 5.5e9, 0.02), "{rate}");
}

#[test]
fn checkpoint_traffic_slows_a_collective_sharing_its_links() {
    // Servers write checkpoints through the same leaf uplinks the ring uses.
    let plan = storage_plan("pfs-ai400x2", NodeKind::ParallelFs);
    let t = topo(&plan, Fold::None);
    let c = allreduce(8, 8, Algorithm::Ring, Bytes::from_gib(2.0));
    let alone = run_collective(t.clone(), &c).unwrap();
    let store = Endpoint {
        group: t.group_index(&"store".into()).unwrap(),
        member: 0,
        part: Part::Whole,
    };
    let mut sim = NetSim::new(t.clone());
    sim.add_job(SimTime::ZERO, CollectivePlan::build(&t, &c).unwrap().phases);
    for m in 0..8 {
        for d in 0..8 {
            sim.add_flow(SimTime::ZERO, FlowSpec::new(gpu(m, d), store, 4e9, 0));
        }
    }
    let r = sim.run(1, Limits::default(), Progress::new()).unwrap();
    let shared = r.job_finish[0].as_secs();
    println!(
        "ring alone {:.3} ms, with checkpoint writes {:.3} ms",
        alone.0 * 1e3,
        shared * 1e3
    );
    assert!(shared > alone.0 * 1.02);
    assert!(r.peak_utilization <= 1.0 + 1e-9);
}

struct Forever;
impl Model for Forever {
    type Event = u8;
    fn handle(&mut self, s: &mut Scheduler<u8>, _: u8) -> Result<(), SimError> {
        s.after(SimTime(1), 0);
        Ok(())
    }
}

#[test]
fn cancel_stops_a_run_within_100_ms() {
    let progress = Progress::new();
    let limits = Limits {
        max_events: u64::MAX,
        max_time: SimTime::MAX,
    };
    let mut sim = Simulation::new(Forever, 1, limits, progress.clone());
    sim.scheduler().at(SimTime::ZERO, 0);
    let handle = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(50));
        let t = Instant::now();
        progress.cancel();
        t
    });
    let r = sim.run();
    let stopped = Instant::now();
    let cancelled_at = handle.join().unwrap();
    assert_eq!(r, Err(SimError::Cancelled));
    let lag = stopped.duration_since(cancelled_at);
    assert!(lag < Duration::from_millis(100), "{lag:?}");
}

#[test]
fn cancel_stops_a_network_run() {
    let t = topo(&fat_tree("dgx-h100", 16, 4, 4), Fold::None);
    let c = allreduce(16, 8, Algorithm::Ring, Bytes::from_gib(1.0));
    let progress = Progress::new();
    progress.cancel();
    let mut sim = NetSim::new(t.clone());
    sim.add_job(SimTime::ZERO, CollectivePlan::build(&t, &c).unwrap().phases);
    assert!(matches!(
        sim.run(1, Limits::default(), progress),
        Err(SimError::Cancelled)
    ));
}

/// A random cluster: servers on leaves (spread or rail), optional spines,
/// a storage node; everything expanded (random traffic is not symmetric).
fn random_plan(servers: u32, per_leaf: u32, spines: u32, rail: bool, a100: bool) -> Plan {
    let system = if a100 { "dgx-a100-80gb" } else { "dgx-h100" };
    let spines = spines.max(1);
    let mut p = if rail {
        rail_fabric(system, servers, per_leaf, spines)
    } else {
        fat_tree(system, servers, per_leaf, spines)
    };
    if servers > 1 {
        add_node(&mut p, "store", NodeKind::ParallelFs, "pfs-ai400x2", 1);
        let to = if rail { "rail" } else { "leaf" };
        p.links.push(link(
            "store-sw",
            "store",
            to,
            Medium::InfinibandNdr,
            WiringPattern::Spread,
            2,
        ));
    }
    p
}

#[derive(Debug, Clone)]
struct RandFlow {
    src: (u32, u16),
    dst: (u32, u16),
    to_storage: bool,
    bytes: f64,
    start_us: u64,
}

fn run_random(plan: &Plan, flows: &[RandFlow], seed: u64) -> clusterforge::sim::collectives::NetReport {
    let t = topo(plan, Fold::None);
    let servers = t.groups()[0].count;
    let store = t.group_index(&"store".into());
    let mut sim = NetSim::new(t.clone());
    for (i, f) in flows.iter().enumerate() {
        let src = gpu(f.src.0 % servers, f.src.1 % 8);
        let dst = match (f.to_storage, store) {
            (true, Some(g)) => Endpoint {
                group: g,
                member: 0,
                part: Part::Whole,
            },
            _ => gpu(f.dst.0 % servers, f.dst.1 % 8),
        };
        sim.add_flow(SimTime(f.start_us * 1000), FlowSpec::new(src, dst, f.bytes, i as u64));
    }
    let c = allreduce(servers, 8, Algorithm::Ring, Bytes(64e6));
    sim.add_job(SimTime::ZERO, CollectivePlan::build(&t, &c).unwrap().phases);
    sim.run(seed, Limits::default(), Progress::new()).unwrap()
}

fn flow_strategy() -> impl Strategy<Value = RandFlow> {
    (
        (0u32..64, 0u16..8),
        (0u32..64, 0u16..8),
        proptest::bool::weighted(0.2),
        1e3f64..2e9,
        0u64..5_000,
    )
        .prop_map(|(src, dst, to_storage, bytes, start_us)| RandFlow {
            src,
            dst,
            to_storage,
            bytes,
            start_us,
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn network_invariants_hold(
        servers in 1u32..24,
        per_leaf in 1u32..6,
        spines in 0u32..4,
        rail in any::<bool>(),
        a100 in any::<bool>(),
        flows in proptest::collection::vec(flow_strategy(), 1..60),
        seed in any::<u64>(),
    ) {
        let plan = random_plan(servers, per_leaf, spines, rail, a100);
        let r = run_random(&plan, &flows, seed);
        // No link above capacity.
        prop_assert!(r.peak_utilization <= 1.0 + 1e-9, "peak {}", r.peak_utilization);
        // Bytes sent = bytes received = bytes the links moved.
        let s = r.stats;
        prop_assert_eq!(s.flows_started, s.flows_done);
        prop_assert!((s.bytes_started - s.bytes_delivered).abs() <= 1e-9 * s.bytes_started);
        prop_assert!((s.bytes_moved - s.bytes_delivered).abs() <= 1e-6 * s.bytes_delivered.max(1.0));
        prop_assert_eq!(r.background.len(), flows.len());
        // Time never goes backwards: completions come in time order, none before its start.
        for w in r.background.windows(2) {
            prop_assert!(w[0].finished <= w[1].finished);
        }
        for c in &r.background {
            prop_assert!(c.finished >= c.started);
            prop_assert!(c.finished <= r.end);
        }
        // Determinism: the same plan and seed give identical results.
        let again = run_random(&plan, &flows, seed);
        prop_assert_eq!(&r.background, &again.background);
        prop_assert_eq!(&r.job_finish, &again.job_finish);
        prop_assert_eq!(r.records, again.records);
    }

    #[test]
    fn folding_is_exact_for_symmetric_traffic(
        pods in 1u32..5,
        per_leaf in 1u32..5,
        spines in 1u32..4,
        rail in any::<bool>(),
        mib in 1f64..512.0,
    ) {
        let servers = pods * per_leaf * 2;
        let plan = if rail {
            rail_fabric("dgx-h100", servers, per_leaf, spines)
        } else {
            fat_tree("dgx-h100", servers, per_leaf, spines)
        };
        let c = allreduce(servers, 8, Algorithm::Hierarchical, Bytes(mib * 1048576.0));
        let a = run_collective(topo(&plan, Fold::None), &c).unwrap().0;
        let b = run_collective(topo(&plan, Fold::Auto), &c).unwrap().0;
        prop_assert!((a - b).abs() <= 1e-6 * a + 2e-9, "{} vs {}", a, b);
    }
}

#[test]
fn builtin_catalog_meets_its_calibration_targets() {
    // The shipped catalog names the published figures; the simulator must
    // reproduce them with the shipped hardware entries.
    use clusterforge::model::Catalog;
    let cat = Catalog::builtin();
    let build = |plan: &Plan| Arc::new(Topology::build(plan, &cat, Fold::Auto).unwrap());
    let cases = [
        ("dgx-h100", Algorithm::Ring, "nccl_allreduce_busbw_8xh100_gbs"),
        ("dgx-h100", Algorithm::Nvls, "nccl_allreduce_busbw_8xh100_nvls_gbs"),
        ("dgx-a100-80gb", Algorithm::Ring, "nccl_allreduce_busbw_8xa100_gbs"),
    ];
    for (system, algo, key) in cases {
        let want = cat.calibration(key, f64::NAN);
        assert!(want.is_finite(), "catalog lacks {key}");
        let t = build(&fat_tree(system, 1, 1, 0));
        let c = allreduce(1, 8, algo, Bytes::from_gib(8.0));
        let got = busbw_gbs(&c, run_collective(t, &c).unwrap());
        println!("{key}: {got:.1} vs {want}");
        assert!(within(got, want, 0.10), "{key}: {got} vs {want}");
    }
    let want = cat.calibration("ib_ndr_achieved_per_nic_gbs", f64::NAN);
    let mut plan = fat_tree("dgx-h100", 4, 4, 0);
    plan.nodes[1].model = "ib-ndr-qm9700".into();
    let t = Arc::new(Topology::build(&plan, &cat, Fold::None).unwrap());
    let c = allreduce(4, 1, Algorithm::Ring, Bytes::from_gib(4.0));
    let got = busbw_gbs(&c, run_collective(t, &c).unwrap());
    assert!(within(got, want, 0.10), "NDR per NIC {got} vs {want}");
}

#[test]
fn group_spec_from_system_matches_the_topology() {
    let cat = reference_catalog();
    let sys = cat.system("dgx-h100").unwrap();
    let t = topo(&fat_tree("dgx-h100", 16, 4, 4), Fold::Auto);
    let a = GroupSpec::from_topology(&t, 0, 16, 8).unwrap();
    let b = GroupSpec::from_system(sys, 16, 8, Medium::InfinibandNdr);
    assert!(within(a.intra_bw.0, b.intra_bw.0, 1e-9));
    assert!(within(a.inter_bw.0, b.inter_bw.0, 1e-9));
    assert_eq!(
        (a.ranks, a.ranks_per_server, a.nvls),
        (b.ranks, b.ranks_per_server, b.nvls)
    );
    for bytes in [Bytes(1e3), Bytes(1e6), Bytes(1e9)] {
        let ta = collective_time(CollectiveKind::AllReduce, Algorithm::Auto, bytes, &a).0;
        let tb = collective_time(CollectiveKind::AllReduce, Algorithm::Auto, bytes, &b).0;
        assert!(within(ta, tb, 0.05), "{bytes:?}: {ta} vs {tb}");
    }
}

#[test]
fn every_preset_builds_a_routable_topology() {
    use clusterforge::model::{Catalog, NodeRole};
    use clusterforge::report::presets::PRESETS;
    let cat = Catalog::builtin();
    assert!(!PRESETS.is_empty());
    for p in PRESETS {
        let plan = p.plan().unwrap();
        for fold in [Fold::None, Fold::Auto] {
            let t = Arc::new(Topology::build(&plan, &cat, fold).unwrap_or_else(|e| panic!("{}: {e}", p.id)));
            println!(
                "{}: fold {} vertices {} resources {}",
                p.id,
                t.fold(),
                t.graph().node_count(),
                t.resources().len()
            );
            // Every accelerated group reaches every storage group it is wired to.
            let mut net = FlowNet::new(t.clone());
            let mut routed = 0;
            for (gi, g) in t.groups().iter().enumerate() {
                if !g.kind.is_accelerated() || g.devices == 0 {
                    continue;
                }
                let src = Endpoint {
                    group: gi as u32,
                    member: 0,
                    part: Part::Device(0),
                };
                for (si, s) in t.groups().iter().enumerate() {
                    if s.kind.role() != NodeRole::Storage {
                        continue;
                    }
                    let dst = Endpoint {
                        group: si as u32,
                        member: 0,
                        part: Part::Whole,
                    };
                    match net.start(SimTime::ZERO, FlowSpec::new(dst, src, 1e9, 0)) {
                        Ok(_) => routed += 1,
                        Err(SimError::NoRoute { .. }) | Err(SimError::Invalid(_)) => {}
                        Err(e) => panic!("{}: {e}", p.id),
                    }
                }
            }
            // A CPU-only plan (cpu-classic-ml) has no accelerated group to
            // route from; a plan without storage (neuromorphic-kws) nothing
            // to route to.
            let accelerated = t.groups().iter().any(|g| g.kind.is_accelerated() && g.devices > 0);
            let storage = t.groups().iter().any(|g| g.kind.role() == NodeRole::Storage);
            assert!(
                routed > 0 || !accelerated || !storage,
                "{}: no compute group reaches storage",
                p.id
            );
            while let Some(next) = net.next_event() {
                net.advance(next);
            }
            assert_eq!(net.stats().flows_done, routed);
            assert!(net.stats().peak_utilization <= 1.0 + 1e-9);
        }
    }
}
