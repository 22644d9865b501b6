//! What the editor starts new elements from: the kinds of site the palette
//! offers, and new nodes, links and stages with sensible defaults (fresh ids,
//! snapped positions, media that can join the two ends). Pure plan logic:
//! the GUI and the CLI use the same templates, and tests need no `gui`.

use super::arrange::snap;
use super::edit::{fresh_link_id, fresh_node_id, fresh_site_id, fresh_stage_id};
use super::validate::medium_can_join;
use super::*;

/// Kinds of site the palette offers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SiteTemplate {
    OnPrem,
    Cloud,
    Edge,
}

impl SiteTemplate {
    pub const ALL: [SiteTemplate; 3] = [SiteTemplate::OnPrem, SiteTemplate::Cloud, SiteTemplate::Edge];
    pub fn label(self) -> &'static str {
        match self {
            SiteTemplate::OnPrem => "On-prem data centre",
            SiteTemplate::Cloud => "Cloud region",
            SiteTemplate::Edge => "Edge locations",
        }
    }
    pub fn kind(self) -> SiteKind {
        match self {
            // Typical values: US industrial power 0.08 USD/kWh (EIA 2023),
            // PUE 1.4 (Uptime Institute 2023 survey average ~1.58, modern ~1.3).
            SiteTemplate::OnPrem => SiteKind::OnPrem(OnPremSite {
                amortization_years: 4.0,
                power_usd_per_kwh: 0.08,
                pue: 1.4,
                operations_usd_per_year: 0.0,
                facility_capex_usd: 0.0,
            }),
            // AWS internet egress, first 10 TB/month: 0.09 USD/GB (AWS pricing page).
            SiteTemplate::Cloud => SiteKind::Cloud(CloudSite {
                provider: CloudProvider::Aws,
                region: "us-east-1".into(),
                pricing: PricingModel::OnDemand,
                egress_usd_per_gb: 0.09,
                reserved_discount: 0.4,
                spot_discount: 0.65,
                spot_preemptions_per_hour: 0.0,
                colocation: None,
            }),
            SiteTemplate::Edge => SiteKind::Edge(EdgeSite {
                locations: 10,
                power_usd_per_kwh: 0.15,
                amortization_years: 4.0,
            }),
        }
    }
    pub fn new_site(self, plan: &Plan) -> Site {
        let base = match self {
            SiteTemplate::OnPrem => "dc",
            SiteTemplate::Cloud => "cloud",
            SiteTemplate::Edge => "edge",
        };
        let id = fresh_site_id(plan, base);
        Site {
            name: format!("{} {}", self.label(), plan.sites.len() + 1),
            id,
            kind: self.kind(),
            carbon_kg_per_kwh: 0.37,
        }
    }
}

/// A new node of `kind` with catalog model `model` at `pos` (top-left, canvas units).
pub fn new_node(plan: &Plan, catalog: &Catalog, kind: NodeKind, model: &str, pos: (f32, f32), site: SiteId) -> Node {
    let name = catalog_name(catalog, model).unwrap_or_else(|| kind.label().to_owned());
    let id = fresh_node_id(plan, if model.is_empty() { kind.label() } else { model });
    Node {
        id,
        name,
        kind,
        model: model.to_owned(),
        count: 1,
        site,
        pos: (snap(pos.0), snap(pos.1)),
        capacity_tb: None,
        cache_hit_ratio: None,
    }
}

pub fn catalog_name(catalog: &Catalog, model: &str) -> Option<String> {
    use crate::model::catalog::Entry;
    match catalog.entry(model)? {
        Entry::System(s) => Some(s.name.clone()),
        Entry::Storage(s) => Some(s.name.clone()),
        Entry::Switch(s) => Some(s.name.clone()),
        Entry::Device(d) => Some(d.name.clone()),
    }
}

pub fn new_link(plan: &Plan, from: &NodeId, to: &NodeId, medium: Medium) -> Link {
    Link {
        id: fresh_link_id(plan, from, to),
        from: from.clone(),
        to: to.clone(),
        medium,
        pattern: WiringPattern::Spread,
        lanes: 1,
        lane_gbps: medium.default_lane_gbps(),
        latency_us: medium.default_latency_us(),
    }
}

/// The media that can join `a` and `b`, best first, or why none can.
/// The verdict comes from the validator (`medium_can_join` and the link
/// checks of `Plan::validate`) run on a plan of just the two ends.
pub fn candidate_media(plan: &Plan, catalog: &Catalog, a: &Node, b: &Node) -> Result<Vec<Medium>, String> {
    if a.id == b.id {
        return Err("a link needs two different nodes".into());
    }
    if plan
        .links
        .iter()
        .any(|l| (l.from == a.id && l.to == b.id) || (l.from == b.id && l.to == a.id))
    {
        return Err(format!("'{}' and '{}' are already linked", a.name, b.name));
    }
    let mut mini = Plan {
        sites: plan
            .sites
            .iter()
            .filter(|s| s.id == a.site || s.id == b.site)
            .cloned()
            .collect(),
        nodes: vec![a.clone(), b.clone()],
        ..Plan::default()
    };
    let mut ok = Vec::new();
    let mut first_reason: Option<String> = None;
    for medium in Medium::ALL {
        if let Err(why) = medium_can_join(medium, a.kind, b.kind) {
            first_reason.get_or_insert(why);
            continue;
        }
        let link = new_link(&mini, &a.id, &b.id, medium);
        let id = link.id.clone();
        mini.links = vec![link];
        let problems = mini.validate(catalog);
        let err = problems
            .iter()
            .find(|p| p.severity == Severity::Error && p.subject == Subject::Link(id.clone()));
        match err {
            Some(p) => {
                first_reason.get_or_insert(p.message.clone());
            }
            None => ok.push(medium),
        }
    }
    if ok.is_empty() {
        Err(first_reason.unwrap_or_else(|| "no medium can join these nodes".into()))
    } else {
        // The fastest medium first, WAN last.
        ok.sort_by(|x, y| {
            (*x == Medium::Wan)
                .cmp(&(*y == Medium::Wan))
                .then(y.default_lane_gbps().total_cmp(&x.default_lane_gbps()))
        });
        Ok(ok)
    }
}

/// Defaults for a new lifecycle stage, placed on `placement`.
/// Accelerators of the compute groups in `placement` (members × devices
/// per system in the catalog).
fn placement_devices(plan: &Plan, catalog: &Catalog, placement: &[NodeId]) -> u64 {
    placement
        .iter()
        .filter_map(|id| plan.node(id))
        .filter(|n| n.kind.role() == NodeRole::Compute)
        .filter_map(|n| catalog.system(&n.model).map(|s| n.count as u64 * s.devices as u64))
        .sum()
}

/// A new stage of `kind` on `placement`. A training stage uses every
/// accelerator placed (data parallel, TP 1, 7B model) with a global batch
/// of at least 512 sequences that the data-parallel degree divides.
pub fn new_stage(plan: &Plan, catalog: &Catalog, kind: StageTemplate, placement: Vec<NodeId>) -> Stage {
    let devices = placement_devices(plan, catalog, &placement).clamp(1, u32::MAX as u64 / 1024) as u32;
    let dp = if devices > 1 { devices } else { 8 };
    let global_batch = 512u32.div_ceil(dp) * dp;
    let storage = plan
        .nodes
        .iter()
        .find(|n| n.kind.role() == NodeRole::Storage)
        .map(|n| n.id.clone())
        .unwrap_or_default();
    let source = plan
        .nodes
        .iter()
        .find(|n| n.kind == NodeKind::RequestSource)
        .map(|n| n.id.clone())
        .unwrap_or_default();
    // Llama-2-7B-like shape (Touvron et al. 2023): 32 layers, 4096 hidden, 32 heads.
    let llama7b = ModelSpec::Transformer(TransformerShape {
        dropout: None,
        head_dim: None,
        name: "7B transformer".into(),
        layers: 32,
        hidden: 4096,
        heads: 32,
        kv_heads: None,
        ffn_hidden: Some(11008),
        gated_ffn: true,
        seq_len: 4096,
        vocab: 32000,
        moe: None,
    });
    let data = DataStage {
        dataset_tb: 10.0,
        input_format: DataFormat::Json,
        input_codec: Codec::Gzip,
        output_format: DataFormat::Parquet,
        output_codec: Codec::Zstd,
        partitions: 1000,
        columns_read: 1.0,
        prefixes: None,
        source: storage.clone(),
        destination: storage.clone(),
    };
    let stage_kind = match kind {
        StageTemplate::Ingest => StageKind::Ingest(data),
        StageTemplate::Preprocess => StageKind::Preprocess(data),
        StageTemplate::Train => StageKind::Train(TrainStage {
            attention: crate::model::AttentionKernel::Fused,
            model: llama7b,
            tokens: 1e11,
            global_batch,
            micro_batch: 1,
            precision: Precision::Bf16,
            parallelism: Parallelism {
                cp: 1,
                stage_layers: Vec::new(),
                tp: 1,
                pp: 1,
                dp,
                sequence_parallel: false,
                zero_stage: 1,
                ep: 1,
                schedule: PipelineSchedule::OneFOneB,
            },
            recompute: Recompute::Selective,
            data_source: (!storage.0.is_empty()).then(|| storage.clone()),
            checkpoint: None,
            overlap_grad_reduce: true,
        }),
        StageTemplate::Validate => StageKind::Validate(ValidateStage {
            of_stage: None,
            model: llama7b,
            tokens: 1e8,
            precision: Precision::Bf16,
            data_source: None,
        }),
        StageTemplate::Checkpoint => StageKind::Checkpoint(CheckpointStage {
            size_gb: 100.0,
            target: storage,
        }),
        StageTemplate::Serve => StageKind::Serve(ServeStage {
            model: llama7b,
            source,
            rate_rps: 10.0,
            arrival: Arrival::Poisson,
            prompt_tokens: LengthDist { mean: 512.0, cv: 0.5 },
            output_tokens: LengthDist { mean: 256.0, cv: 0.5 },
            ttft_slo_s: 0.5,
            tpot_slo_s: 0.05,
            quantization: Precision::Fp16,
            pruning: Pruning::None,
            optimized_kernels: false,
            tp: 1,
            replicas: None,
            autoscaling: None,
            duration_s: 3600.0,
        }),
        StageTemplate::Spiking => StageKind::Spiking(keyword_spotting_snn()),
        StageTemplate::Quantum => {
            let qpu = plan
                .nodes
                .iter()
                .find(|n| n.kind == NodeKind::QuantumService)
                .map(|n| n.id.clone())
                .unwrap_or_default();
            StageKind::Quantum(qaoa_maxcut(qpu))
        }
    };
    let id = fresh_stage_id(plan, kind.label());
    let after = plan.stages.last().map(|s| vec![s.id.clone()]).unwrap_or_default();
    Stage {
        id,
        name: kind.label().to_owned(),
        after,
        placement,
        kind: stage_kind,
    }
}

/// A keyword-spotting spiking network on the Spiking Heidelberg Digits
/// shape (Cramer et al., IEEE TNNLS 2020: 700 input channels, 20 classes)
/// with one recurrent hidden layer of 256 neurons, as the delay-SNN Loihi 2
/// pipeline deploys (emerging.csv EM2-004): synapses 700×256 + 256×256 +
/// 256×20 = 249,856; neurons 256 + 20. Timesteps (100) and activity (5 % of
/// synapses per timestep) are estimates for sparse audio spikes. The
/// conventional equivalent is the same network run densely: 2 FLOP per
/// synapse per timestep = 0.05 GFLOP. Input: 700 channels × 100 timesteps,
/// one byte each.
pub fn keyword_spotting_snn() -> SpikingStage {
    let synapses = 700.0 * 256.0 + 256.0 * 256.0 + 256.0 * 20.0;
    let timesteps = 100;
    SpikingStage {
        neurons: 276.0,
        synapses,
        activity: 0.05,
        timesteps,
        rate_per_s: 10.0,
        conventional_gflop: 2.0 * synapses * timesteps as f64 / 1e9,
        precision: Precision::Int8,
        input_bytes: 700.0 * timesteps as f64,
        duration_s: 3600.0,
    }
}

/// QAOA for MaxCut on a 20-vertex 3-regular graph (30 edges) at depth
/// p = 2 (Farhi, Goldstone, Gutmann 2014): per layer each edge is a ZZ
/// rotation (2 CNOTs + 1 RZ) and each vertex an RX mixer, after one
/// Hadamard layer: 2q gates 2 × 2 × 30 = 120; 1q gates 20 + 2 × (30 + 20)
/// = 120; a 3-regular graph's edges take 4 colours, 2 CNOT layers each, so
/// 16 two-qubit layers on all-to-all hardware (more after routing on a
/// sparse lattice). SPAM: 20 preparations + 20 measurements. SPSA needs 2
/// circuits per iteration; 100 iterations of 1,000 shots. The classical
/// side scores 1,000 bitstrings over 30 edges and steps 4 parameters,
/// about 1 MFLOP.
pub fn qaoa_maxcut(qpu: NodeId) -> QuantumStage {
    QuantumStage {
        qpu,
        iterations: 100,
        circuits_per_iteration: 2,
        shots: 1000,
        qubits: 20,
        gates_1q: 120,
        gates_2q: 120,
        depth: 16,
        measurements: 40,
        classical_gflop: 0.001,
        mode: QuantumMode::Jobs,
        payload_kb: 64.0,
        queue: None,
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StageTemplate {
    Ingest,
    Preprocess,
    Train,
    Validate,
    Checkpoint,
    Serve,
    Spiking,
    Quantum,
}

impl StageTemplate {
    pub const ALL: [StageTemplate; 8] = [
        StageTemplate::Ingest,
        StageTemplate::Preprocess,
        StageTemplate::Train,
        StageTemplate::Validate,
        StageTemplate::Checkpoint,
        StageTemplate::Serve,
        StageTemplate::Spiking,
        StageTemplate::Quantum,
    ];
    pub fn label(self) -> &'static str {
        match self {
            StageTemplate::Ingest => "Ingest",
            StageTemplate::Preprocess => "Preprocess",
            StageTemplate::Train => "Train",
            StageTemplate::Validate => "Validate",
            StageTemplate::Checkpoint => "Checkpoint",
            StageTemplate::Serve => "Serve",
            StageTemplate::Spiking => "Spiking inference",
            StageTemplate::Quantum => "Hybrid quantum",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan_with(models: &[(NodeKind, &str)]) -> (Plan, Catalog) {
        let catalog = Catalog::builtin();
        let mut plan = Plan::default();
        let site = SiteTemplate::OnPrem.new_site(&plan);
        plan.sites.push(site.clone());
        for (i, (kind, model)) in models.iter().enumerate() {
            let node = new_node(
                &plan,
                &catalog,
                *kind,
                model,
                (i as f32 * 300.0 + 7.0, 3.0),
                site.id.clone(),
            );
            plan.nodes.push(node);
        }
        (plan, catalog)
    }

    #[test]
    fn new_nodes_get_fresh_ids_catalog_names_and_snapped_positions() {
        let (plan, _) = plan_with(&[(NodeKind::GpuServer, "dgx-h100"), (NodeKind::GpuServer, "dgx-h100")]);
        assert_ne!(plan.nodes[0].id, plan.nodes[1].id);
        assert!(plan.nodes[0].name.contains("H100"), "{}", plan.nodes[0].name);
        assert_eq!(plan.nodes[0].pos, (0.0, 0.0));
    }

    #[test]
    fn candidate_media_refuses_a_self_link_and_never_offers_nvlink_to_storage() {
        let (plan, catalog) = plan_with(&[(NodeKind::GpuServer, "dgx-h100"), (NodeKind::ObjectStore, "")]);
        let (a, b) = (&plan.nodes[0], &plan.nodes[1]);
        assert!(candidate_media(&plan, &catalog, a, a).is_err());
        match candidate_media(&plan, &catalog, a, b) {
            Ok(media) => assert!(!media.contains(&Medium::NvLink), "{media:?}"),
            Err(why) => assert!(!why.is_empty()),
        }
    }

    #[test]
    fn a_cloud_qpu_is_offered_the_wan_only() {
        let (plan, catalog) = plan_with(&[(NodeKind::Gateway, ""), (NodeKind::QuantumService, "ibm-heron-payg")]);
        let media = candidate_media(&plan, &catalog, &plan.nodes[0], &plan.nodes[1]).expect("WAN joins them");
        assert_eq!(media, vec![Medium::Wan]);
    }

    #[test]
    fn nvlink_is_never_offered_to_an_infiniband_switch_and_only_nvlink_to_an_nvlink_switch() {
        let (plan, catalog) = plan_with(&[
            (NodeKind::GpuServer, "dgx-h100"),
            (NodeKind::Switch, "ib-ndr-qm9700"),
            (NodeKind::Switch, "nvlink-switch"),
        ]);
        let (dgx, ib, nvl) = (&plan.nodes[0], &plan.nodes[1], &plan.nodes[2]);
        let to_ib = candidate_media(&plan, &catalog, dgx, ib).expect("IB joins a DGX and an IB switch");
        assert!(!to_ib.contains(&Medium::NvLink), "{to_ib:?}");
        assert!(to_ib.iter().all(|m| m.is_infiniband()), "{to_ib:?}");
        let to_nvl = candidate_media(&plan, &catalog, dgx, nvl).expect("NVLink joins a DGX and an NVLink switch");
        assert_eq!(to_nvl, vec![Medium::NvLink]);
    }

    #[test]
    fn switch_fabrics_are_labelled_as_what_they_switch() {
        let catalog = Catalog::builtin();
        let label = |id: &str| catalog.switch(id).map(|s| s.fabric().label());
        assert_eq!(label("nvlink-switch"), Some("NVLink"));
        assert_eq!(label("google-ici-ocs"), Some("TPU ICI (optical)"));
        assert_eq!(label("ib-ndr-qm9700"), Some("InfiniBand"));
    }

    #[test]
    fn a_new_training_stage_uses_every_placed_gpu() {
        let (mut plan, catalog) = plan_with(&[(NodeKind::GpuServer, "dgx-h100")]);
        plan.nodes[0].count = 16;
        let stage = new_stage(&plan, &catalog, StageTemplate::Train, vec![plan.nodes[0].id.clone()]);
        let StageKind::Train(t) = stage.kind else {
            panic!("a training stage")
        };
        assert_eq!(t.parallelism.gpus(), 128, "TP × PP × DP covers the 128 GPUs");
        assert_eq!(t.global_batch % t.parallelism.dp, 0);
        assert!(t.global_batch >= 512);
    }

    #[test]
    fn a_new_link_takes_the_medium_defaults() {
        let (plan, _) = plan_with(&[(NodeKind::GpuServer, "dgx-h100"), (NodeKind::Switch, "")]);
        let link = new_link(&plan, &plan.nodes[0].id, &plan.nodes[1].id, Medium::InfinibandNdr);
        assert_eq!(link.lane_gbps, Medium::InfinibandNdr.default_lane_gbps());
        assert_eq!(link.lanes, 1);
    }
}
