//! The plan document: sites, node groups, links and lifecycle stages.
//!
//! A plan is what a user designs on the canvas and saves as RON. It holds no
//! derived data: everything the simulator needs beyond it comes from the
//! [`Catalog`](super::Catalog). Optional fields have defaults so hand-written
//! plans stay short; unknown fields are rejected so a misspelt field is an
//! error, not a silently ignored setting.

use super::ids::{LinkId, NodeId, SiteId, StageId};
use super::workload::Stage;
use serde::{Deserialize, Serialize};

/// The plan file format this build writes. Files with a larger number were
/// written by a newer ClusterForge and are refused with a clear message.
pub const FORMAT_VERSION: u32 = 1;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    pub format_version: u32,
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub sites: Vec<Site>,
    #[serde(default)]
    pub nodes: Vec<Node>,
    #[serde(default)]
    pub links: Vec<Link>,
    #[serde(default)]
    pub stages: Vec<Stage>,
    #[serde(default)]
    pub settings: SimSettings,
}

impl Default for Plan {
    fn default() -> Self {
        Self {
            format_version: FORMAT_VERSION,
            name: "Untitled plan".into(),
            description: String::new(),
            sites: Vec::new(),
            nodes: Vec::new(),
            links: Vec::new(),
            stages: Vec::new(),
            settings: SimSettings::default(),
        }
    }
}

impl Plan {
    /// The part of the plan made of the nodes `keep` names: those nodes (in
    /// plan order), the links between two of them and the sites they live
    /// in. Copy-paste and the report's drawing of a large plan both cut
    /// plans this way.
    pub fn induced(&self, keep: &std::collections::HashSet<&NodeId>) -> (Vec<Site>, Vec<Node>, Vec<Link>) {
        let nodes: Vec<Node> = self.nodes.iter().filter(|n| keep.contains(&n.id)).cloned().collect();
        let links = self
            .links
            .iter()
            .filter(|l| keep.contains(&l.from) && keep.contains(&l.to))
            .cloned()
            .collect();
        let used: std::collections::HashSet<&SiteId> = nodes.iter().map(|n| &n.site).collect();
        let sites = self.sites.iter().filter(|s| used.contains(&s.id)).cloned().collect();
        (sites, nodes, links)
    }

    pub fn site(&self, id: &SiteId) -> Option<&Site> {
        self.sites.iter().find(|s| &s.id == id)
    }
    pub fn node(&self, id: &NodeId) -> Option<&Node> {
        self.nodes.iter().find(|n| &n.id == id)
    }
    pub fn node_mut(&mut self, id: &NodeId) -> Option<&mut Node> {
        self.nodes.iter_mut().find(|n| &n.id == id)
    }
    pub fn link(&self, id: &LinkId) -> Option<&Link> {
        self.links.iter().find(|l| &l.id == id)
    }
    pub fn stage(&self, id: &StageId) -> Option<&Stage> {
        self.stages.iter().find(|s| &s.id == id)
    }
    /// Links that touch a node, in plan order.
    pub fn links_of<'a>(&'a self, id: &'a NodeId) -> impl Iterator<Item = &'a Link> + 'a {
        self.links.iter().filter(move |l| &l.from == id || &l.to == id)
    }
}

/// Knobs of the simulation that are part of the plan (so a saved plan
/// reproduces its results exactly).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SimSettings {
    /// Seed of the random number generator (arrivals, failures).
    pub seed: u64,
    /// Training iterations simulated in full detail before extrapolating.
    pub detailed_iterations: u32,
    /// Horizon for cost comparisons (on-prem vs cloud), in years.
    pub tco_horizon_years: f64,
    /// Fraction of the horizon's hours the compute is needed, 0..=1: rented
    /// capacity is paid for those hours only, owned capacity all the time.
    pub tco_utilization: f64,
    /// Negotiated discounts off the catalog's list prices.
    #[serde(skip_serializing_if = "crate::model::pricing::Discounts::is_none")]
    pub discounts: crate::model::pricing::Discounts,
}

impl Default for SimSettings {
    fn default() -> Self {
        Self {
            seed: 42,
            detailed_iterations: 3,
            tco_horizon_years: 3.0,
            tco_utilization: 0.7,
            discounts: Default::default(),
        }
    }
}

/// A place where nodes live. Its kind decides how the nodes in it are paid for.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Site {
    pub id: SiteId,
    pub name: String,
    pub kind: SiteKind,
    /// Grid intensity of the electricity used, kg CO2e per kWh.
    #[serde(default = "default_carbon")]
    pub carbon_kg_per_kwh: f64,
}

fn default_carbon() -> f64 {
    // US grid average 2023, EIA: ~0.37 kg CO2/kWh.
    0.37
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum SiteKind {
    OnPrem(OnPremSite),
    Cloud(CloudSite),
    Edge(EdgeSite),
}

impl SiteKind {
    pub fn label(&self) -> &'static str {
        match self {
            SiteKind::OnPrem(_) => "On-prem",
            SiteKind::Cloud(_) => "Cloud",
            SiteKind::Edge(_) => "Edge",
        }
    }
}

/// An owned data centre: hardware is bought, amortized and powered.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OnPremSite {
    /// Years over which hardware purchases are written off.
    pub amortization_years: f64,
    /// Electricity price, USD per kWh.
    pub power_usd_per_kwh: f64,
    /// Power usage effectiveness (facility power / IT power).
    pub pue: f64,
    /// Staff, support contracts, colocation: USD per year.
    #[serde(default)]
    pub operations_usd_per_year: f64,
    /// One-off facility capex (build-out, cooling), USD.
    #[serde(default)]
    pub facility_capex_usd: f64,
}

/// A cloud region: instances are rented by the hour.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CloudSite {
    pub provider: CloudProvider,
    pub region: String,
    pub pricing: PricingModel,
    /// Internet egress price, USD per GB.
    pub egress_usd_per_gb: f64,
    /// Discount on on-demand prices for instance types the catalog has no
    /// reserved price for (fraction, 0.4 = 40 % off).
    #[serde(default = "default_reserved_discount")]
    pub reserved_discount: f64,
    /// Discount for spot capacity where the catalog has no spot price.
    #[serde(default = "default_spot_discount")]
    pub spot_discount: f64,
    /// Expected spot preemptions per instance-hour (spot pricing only).
    #[serde(default)]
    pub spot_preemptions_per_hour: f64,
    /// What owned hardware placed here pays (a colocation cage in or next
    /// to the region). `None`: the site hosts rented instances only, and
    /// owned hardware in it is an error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub colocation: Option<Colocation>,
}

/// Running costs of owned hardware in a colocation or cloud site.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Colocation {
    /// Space, cooling and power delivery, USD per kW of the hardware's
    /// rated power per month.
    pub usd_per_kw_month: f64,
    /// Metered energy, USD per kWh (at the facility's PUE).
    pub power_usd_per_kwh: f64,
    pub pue: f64,
    /// Support contract per year as a fraction of the purchase price.
    pub support_per_year: f64,
    /// Years over which the hardware is amortized.
    pub amortization_years: f64,
}

impl Default for Colocation {
    /// CBRE "North America Data Center Trends H2 2024": average asking rate
    /// ~184 USD per kW-month (250-500 kW requirements); US commercial power
    /// ~0.12 USD/kWh (EIA 2024 average); colocation PUE ~1.5 (Uptime
    /// Institute 2023 survey average 1.58); support ~10 % of list per year
    /// (vendor enterprise support, typical; estimate); 4-year amortization
    /// (tco.csv T07: typical TCO models use 3-5 years).
    fn default() -> Self {
        Colocation {
            usd_per_kw_month: 184.0,
            power_usd_per_kwh: 0.12,
            pue: 1.5,
            support_per_year: 0.10,
            amortization_years: 4.0,
        }
    }
}

fn default_reserved_discount() -> f64 {
    // AWS/GCP 1-year commitments: ~30-45 % off on-demand (provider pricing pages).
    0.4
}
fn default_spot_discount() -> f64 {
    // Spot/preemptible GPU capacity: typically 60-70 % off (provider pricing pages).
    0.65
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CloudProvider {
    Aws,
    Gcp,
    Azure,
    Oci,
    Other,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PricingModel {
    OnDemand,
    Reserved,
    Spot,
}

/// Devices in the field: bought, low power, reached over a WAN.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EdgeSite {
    pub locations: u32,
    #[serde(default = "default_edge_power")]
    pub power_usd_per_kwh: f64,
    #[serde(default = "default_amortization")]
    pub amortization_years: f64,
}

fn default_edge_power() -> f64 {
    0.15
}
fn default_amortization() -> f64 {
    4.0
}

/// What a node group is. The catalog entry named by [`Node::model`] must be
/// of a matching category (see [`NodeKind::catalog_category`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum NodeKind {
    GpuServer,
    TpuSlice,
    CpuServer,
    EdgeDevice,
    ServerlessEndpoint,
    ObjectStore,
    ParallelFs,
    NvmeCache,
    DataLake,
    Warehouse,
    Switch,
    Gateway,
    RequestSource,
    /// Experimental: a neuromorphic system (Loihi 2, NorthPole, SpiNNaker 2).
    Neuromorphic,
    /// Experimental: a cloud quantum computer (IBM Quantum, Amazon Braket,
    /// Azure Quantum), reached over a WAN link from a classical node.
    QuantumService,
}

/// Which list of the catalog a node's model comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CatalogCategory {
    System,
    Storage,
    Switch,
    /// Needs no catalog entry (request sources, WAN gateways).
    None,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeRole {
    Compute,
    Storage,
    Network,
    Source,
    /// A cloud QPU: runs only hybrid quantum stages, billed per use.
    Quantum,
}

impl NodeKind {
    pub const ALL: [NodeKind; 15] = [
        NodeKind::GpuServer,
        NodeKind::TpuSlice,
        NodeKind::CpuServer,
        NodeKind::EdgeDevice,
        NodeKind::ServerlessEndpoint,
        NodeKind::ObjectStore,
        NodeKind::ParallelFs,
        NodeKind::NvmeCache,
        NodeKind::DataLake,
        NodeKind::Warehouse,
        NodeKind::Switch,
        NodeKind::Gateway,
        NodeKind::RequestSource,
        NodeKind::Neuromorphic,
        NodeKind::QuantumService,
    ];

    pub fn label(self) -> &'static str {
        match self {
            NodeKind::GpuServer => "GPU server",
            NodeKind::TpuSlice => "TPU slice",
            NodeKind::CpuServer => "CPU server",
            NodeKind::EdgeDevice => "Edge device",
            NodeKind::ServerlessEndpoint => "Serverless endpoint",
            NodeKind::ObjectStore => "Object store",
            NodeKind::ParallelFs => "Parallel file system",
            NodeKind::NvmeCache => "NVMe cache",
            NodeKind::DataLake => "Data lake",
            NodeKind::Warehouse => "Data warehouse",
            NodeKind::Switch => "Switch",
            NodeKind::Gateway => "WAN gateway",
            NodeKind::RequestSource => "Request source",
            NodeKind::Neuromorphic => "Neuromorphic system",
            NodeKind::QuantumService => "Quantum computer (cloud)",
        }
    }

    pub fn role(self) -> NodeRole {
        match self {
            NodeKind::GpuServer
            | NodeKind::TpuSlice
            | NodeKind::CpuServer
            | NodeKind::EdgeDevice
            | NodeKind::ServerlessEndpoint
            | NodeKind::Neuromorphic => NodeRole::Compute,
            NodeKind::ObjectStore
            | NodeKind::ParallelFs
            | NodeKind::NvmeCache
            | NodeKind::DataLake
            | NodeKind::Warehouse => NodeRole::Storage,
            NodeKind::Switch | NodeKind::Gateway => NodeRole::Network,
            NodeKind::RequestSource => NodeRole::Source,
            NodeKind::QuantumService => NodeRole::Quantum,
        }
    }

    pub fn catalog_category(self) -> CatalogCategory {
        match self.role() {
            NodeRole::Compute | NodeRole::Quantum => CatalogCategory::System,
            NodeRole::Storage => CatalogCategory::Storage,
            NodeRole::Network if self == NodeKind::Switch => CatalogCategory::Switch,
            _ => CatalogCategory::None,
        }
    }

    /// Whether this kind is experimental: its figures come from vendor
    /// publications, not from measured deployments.
    pub fn is_experimental(self) -> bool {
        matches!(self, NodeKind::Neuromorphic | NodeKind::QuantumService)
    }

    /// Whether this kind carries accelerators that run training or serving.
    pub fn is_accelerated(self) -> bool {
        matches!(
            self,
            NodeKind::GpuServer | NodeKind::TpuSlice | NodeKind::EdgeDevice | NodeKind::ServerlessEndpoint
        )
    }
}

/// A group of `count` identical members (servers, switches, storage
/// appliances) drawn as one box. Scale comes from counts, not from boxes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Node {
    pub id: NodeId,
    pub name: String,
    pub kind: NodeKind,
    /// Catalog entry id (empty for kinds that need none).
    #[serde(default)]
    pub model: String,
    pub count: u32,
    pub site: SiteId,
    /// Canvas position of the card's top-left corner, in canvas units.
    #[serde(default)]
    pub pos: (f32, f32),
    /// Usable capacity for storage nodes, in TB (overrides the catalog).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity_tb: Option<f64>,
    /// Fraction of reads served from this node when it is a cache (0..1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_hit_ratio: Option<f64>,
}

impl Node {
    /// A group named after its id at the canvas origin, without storage
    /// overrides (fixtures and generated plans set the rest as needed).
    pub fn new(id: &str, kind: NodeKind, model: &str, count: u32, site: &str) -> Node {
        Node {
            id: id.into(),
            name: id.into(),
            kind,
            model: model.into(),
            count,
            site: site.into(),
            pos: (0.0, 0.0),
            capacity_tb: None,
            cache_hit_ratio: None,
        }
    }
}

/// Physical medium of a link. Decides default lane speed and latency and which
/// endpoints it can join.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Medium {
    NvLink,
    Pcie4,
    Pcie5,
    InfinibandHdr,
    InfinibandNdr,
    InfinibandXdr,
    Ethernet100,
    Ethernet200,
    Ethernet400,
    Ethernet800,
    Wan,
}

impl Medium {
    pub const ALL: [Medium; 11] = [
        Medium::NvLink,
        Medium::Pcie4,
        Medium::Pcie5,
        Medium::InfinibandHdr,
        Medium::InfinibandNdr,
        Medium::InfinibandXdr,
        Medium::Ethernet100,
        Medium::Ethernet200,
        Medium::Ethernet400,
        Medium::Ethernet800,
        Medium::Wan,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Medium::NvLink => "NVLink / NVSwitch",
            Medium::Pcie4 => "PCIe Gen4",
            Medium::Pcie5 => "PCIe Gen5",
            Medium::InfinibandHdr => "InfiniBand HDR",
            Medium::InfinibandNdr => "InfiniBand NDR",
            Medium::InfinibandXdr => "InfiniBand XDR",
            Medium::Ethernet100 => "100 GbE",
            Medium::Ethernet200 => "200 GbE",
            Medium::Ethernet400 => "400 GbE",
            Medium::Ethernet800 => "800 GbE",
            Medium::Wan => "WAN",
        }
    }

    /// Default per-lane line rate in Gbit/s per direction.
    /// Sources: IEEE 802.3 (Ethernet), NVIDIA Quantum/Quantum-2/X800
    /// (InfiniBand HDR 200, NDR 400, XDR 800), PCI-SIG (Gen4 x16 ~32 GB/s,
    /// Gen5 x16 ~64 GB/s per direction), NVIDIA H100 datasheet (NVLink4
    /// 900 GB/s bidirectional per GPU = 450 GB/s per direction).
    pub fn default_lane_gbps(self) -> f64 {
        match self {
            Medium::NvLink => 3600.0,
            Medium::Pcie4 => 256.0,
            Medium::Pcie5 => 512.0,
            Medium::InfinibandHdr => 200.0,
            Medium::InfinibandNdr => 400.0,
            Medium::InfinibandXdr => 800.0,
            Medium::Ethernet100 => 100.0,
            Medium::Ethernet200 => 200.0,
            Medium::Ethernet400 => 400.0,
            Medium::Ethernet800 => 800.0,
            Medium::Wan => 10.0,
        }
    }

    /// Default one-way latency of a hop, microseconds. InfiniBand switch
    /// port-to-port ~0.1-0.2 us plus NIC ~0.6 us (NVIDIA Quantum-2 spec);
    /// Ethernet RoCE ~1-2 us; WAN is set by distance (~10 ms regional).
    pub fn default_latency_us(self) -> f64 {
        match self {
            Medium::NvLink => 0.5,
            Medium::Pcie4 | Medium::Pcie5 => 0.8,
            Medium::InfinibandHdr | Medium::InfinibandNdr | Medium::InfinibandXdr => 1.0,
            Medium::Ethernet100 | Medium::Ethernet200 | Medium::Ethernet400 | Medium::Ethernet800 => 2.0,
            Medium::Wan => 10_000.0,
        }
    }

    pub fn is_infiniband(self) -> bool {
        matches!(
            self,
            Medium::InfinibandHdr | Medium::InfinibandNdr | Medium::InfinibandXdr
        )
    }
    pub fn is_ethernet(self) -> bool {
        matches!(
            self,
            Medium::Ethernet100 | Medium::Ethernet200 | Medium::Ethernet400 | Medium::Ethernet800
        )
    }
}

/// How the members of two groups are wired (see DESIGN.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum WiringPattern {
    /// Member i to member i; the counts must be equal.
    OneToOne,
    /// Each member of the larger group to one member of the smaller, evenly
    /// (servers to leaf switches).
    #[default]
    Spread,
    /// Every member of one group to every member of the other (leaf to spine).
    AllToAll,
    /// NIC i of every server to switch i (rail-optimized fabrics).
    Rail,
}

impl WiringPattern {
    pub const ALL: [WiringPattern; 4] = [
        WiringPattern::OneToOne,
        WiringPattern::Spread,
        WiringPattern::AllToAll,
        WiringPattern::Rail,
    ];
    pub fn label(self) -> &'static str {
        match self {
            WiringPattern::OneToOne => "One-to-one",
            WiringPattern::Spread => "Spread",
            WiringPattern::AllToAll => "All-to-all",
            WiringPattern::Rail => "Rail",
        }
    }
}

/// A bundle of physical connections between two node groups, full duplex.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Link {
    pub id: LinkId,
    pub from: NodeId,
    pub to: NodeId,
    pub medium: Medium,
    #[serde(default)]
    pub pattern: WiringPattern,
    /// Lanes (cables / ports) in each physical connection of the pattern.
    #[serde(default = "one")]
    pub lanes: u32,
    /// Line rate of one lane in Gbit/s per direction.
    pub lane_gbps: f64,
    /// One-way latency of the hop in microseconds.
    #[serde(default)]
    pub latency_us: f64,
}

fn one() -> u32 {
    1
}

impl Link {
    /// Capacity of one physical connection, Gbit/s per direction.
    pub fn connection_gbps(&self) -> f64 {
        self.lanes as f64 * self.lane_gbps
    }
}
