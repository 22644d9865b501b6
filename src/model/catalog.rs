//! The hardware and price catalog: devices, systems (servers, instances,
//! slices, endpoints), storage, switches. Every entry names its `source`.
//!
//! The default catalog is `assets/catalog.ron`, embedded in the binary; a user
//! file can replace it (`--catalog FILE`).

use super::plan::NodeKind;
use super::pricing::{PriceBookInfo, PriceRef};
use super::workload::Precision;
use serde::{Deserialize, Serialize};

/// The catalog shipped with this build.
pub const BUILTIN_CATALOG_RON: &str = include_str!("../../assets/catalog.ron");

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Catalog {
    pub devices: Vec<Device>,
    pub systems: Vec<System>,
    pub storage: Vec<StorageModel>,
    pub switches: Vec<SwitchModel>,
    /// Calibration factors used by the simulator, each with a source.
    #[serde(default)]
    pub calibration: Vec<Calibration>,
    /// The user price file applied over the catalog's prices, if any
    /// (set by [`Catalog::with_prices`], never read from a catalog file).
    #[serde(skip)]
    pub price_book: Option<PriceBookInfo>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum DeviceKind {
    Gpu,
    Tpu,
    Cpu,
    Edge,
    /// Experimental: a neuromorphic chip (Loihi 2, NorthPole, SpiNNaker 2);
    /// its figures are in [`Device::neuromorphic`].
    Neuromorphic,
    /// Experimental: a quantum processor offered as a cloud service; its
    /// figures are in [`Device::quantum`], its provider's in [`System::quantum`].
    Quantum,
}

/// How a neuromorphic chip computes, which decides what an inference costs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum NeuroStyle {
    /// Event-driven spiking cores (Loihi 2, SpiNNaker 2): work is the
    /// synaptic events, synapses × activity × timesteps.
    Spiking,
    /// Dense low-precision inference with memory on chip (NorthPole): work
    /// is the conventional network's operations.
    Dense,
}

impl NeuroStyle {
    pub fn label(self) -> &'static str {
        match self {
            NeuroStyle::Spiking => "spiking (event-driven)",
            NeuroStyle::Dense => "dense (on-chip memory)",
        }
    }
}

/// Figures of one neuromorphic chip, per chip. Experimental: from vendor
/// publications (see the entry's `source`); `None` where nothing is published.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NeuromorphicSpec {
    pub style: NeuroStyle,
    pub cores: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub neurons: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub synapses: Option<f64>,
    /// Synaptic operations per second at full load (spiking chips).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub synaptic_ops_per_s: Option<f64>,
    /// Dense operations per second (8- or 4-bit, as the source says).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dense_ops_per_s: Option<f64>,
    /// Dynamic energy of one synaptic op (spiking) or dense op (dense), pJ.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub energy_per_op_pj: Option<f64>,
    /// Power drawn whatever the activity, W.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub static_w: Option<f64>,
    /// Off-chip (inter-chip / host) I/O bandwidth, Gbit/s.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub io_gbps: Option<f64>,
}

impl NeuromorphicSpec {
    /// Operations per second of the chip's style.
    pub fn ops_per_s(&self) -> Option<f64> {
        match self.style {
            NeuroStyle::Spiking => self.synaptic_ops_per_s,
            NeuroStyle::Dense => self.dense_ops_per_s,
        }
    }
}

/// Dense peak compute per precision, TFLOP/s (TOPS for integer). `None` means
/// the device has no fast path for that precision: the simulator falls back
/// to the next wider precision it supports.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct PeakTable {
    pub fp32: Option<f64>,
    pub tf32: Option<f64>,
    pub fp16: Option<f64>,
    pub bf16: Option<f64>,
    pub fp8: Option<f64>,
    pub int8: Option<f64>,
    pub int4: Option<f64>,
}

impl PeakTable {
    pub fn get(&self, p: Precision) -> Option<f64> {
        match p {
            Precision::Fp32 => self.fp32,
            Precision::Tf32 => self.tf32,
            Precision::Fp16 => self.fp16,
            Precision::Bf16 => self.bf16,
            Precision::Fp8 => self.fp8,
            Precision::Int8 => self.int8,
            Precision::Int4 => self.int4,
        }
    }

    /// Peak for `p`, or for the closest wider precision the device supports,
    /// together with the precision actually used.
    pub fn effective(&self, p: Precision) -> Option<(Precision, f64)> {
        let chain: &[Precision] = match p {
            Precision::Int4 => &[
                Precision::Int4,
                Precision::Int8,
                Precision::Fp16,
                Precision::Bf16,
                Precision::Fp32,
            ],
            Precision::Int8 => &[Precision::Int8, Precision::Fp16, Precision::Bf16, Precision::Fp32],
            Precision::Fp8 => &[Precision::Fp8, Precision::Bf16, Precision::Fp16, Precision::Fp32],
            Precision::Bf16 => &[Precision::Bf16, Precision::Fp16, Precision::Fp32],
            Precision::Fp16 => &[Precision::Fp16, Precision::Bf16, Precision::Fp32],
            Precision::Tf32 => &[Precision::Tf32, Precision::Fp32],
            Precision::Fp32 => &[Precision::Fp32],
        };
        chain
            .iter()
            .find_map(|&q| self.get(q).filter(|v| *v > 0.0).map(|v| (q, v)))
    }
}

/// One chip: GPU, TPU, CPU socket or edge SoC.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Device {
    pub id: String,
    pub name: String,
    pub kind: DeviceKind,
    pub peak_tflops: PeakTable,
    pub memory_gb: f64,
    pub memory_bw_gbs: f64,
    pub tdp_w: f64,
    /// Purchase price of one device, USD (0 when not sold alone).
    #[serde(default)]
    pub price_usd: f64,
    /// Whether 2:4 structured sparsity doubles the tensor rate.
    #[serde(default)]
    pub sparse_2of4: bool,
    /// Date and source of the price, its range and earlier prices.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_ref: Option<PriceRef>,
    /// Neuromorphic figures (devices of kind `Neuromorphic` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub neuromorphic: Option<NeuromorphicSpec>,
    /// QPU figures (devices of kind `Quantum` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantum: Option<crate::model::quantum::QuantumSpec>,
    pub source: String,
}

/// Hourly cloud prices of a rented system.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CloudPrice {
    pub on_demand_usd_per_hour: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reserved_usd_per_hour: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spot_usd_per_hour: Option<f64>,
    /// Serverless endpoints: price per million requests (on top of time).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usd_per_million_requests: Option<f64>,
}

/// A server, cloud instance, TPU slice, edge box or serverless endpoint:
/// `devices` × a [`Device`], plus NICs, an intra-node fabric and a price.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct System {
    pub id: String,
    pub name: String,
    /// The node kinds this system can be used as.
    pub kind: NodeKind,
    pub device: String,
    pub devices: u32,
    /// Per-device bandwidth of the scale-up fabric (NVLink, ICI), GB/s per
    /// direction. 0 = devices talk over PCIe only.
    #[serde(default)]
    pub scale_up_gbs: f64,
    /// Scale-out NICs per system and their line rate in Gbit/s.
    #[serde(default)]
    pub nics: u32,
    #[serde(default)]
    pub nic_gbps: f64,
    /// Host CPU device id (for data loading and CPU work), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_cpu: Option<String>,
    #[serde(default)]
    pub host_cpus: u32,
    /// Local NVMe, TB, and its read throughput, GB/s.
    #[serde(default)]
    pub local_nvme_tb: f64,
    #[serde(default)]
    pub local_nvme_read_gbs: f64,
    /// Whole-system power at full load, W.
    pub power_w: f64,
    /// Purchase price, USD (on-prem). 0 for rent-only offerings.
    #[serde(default)]
    pub price_usd: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloud: Option<CloudPrice>,
    /// Date and source of the price, its range and earlier prices.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_ref: Option<PriceRef>,
    /// The provider's pricing and queue (quantum services only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantum: Option<crate::model::quantum::QuantumOffer>,
    pub source: String,
}

/// What a storage model's request-rate limit is counted over.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum RequestScope {
    /// One member: an appliance, a bucket or an account (GCS buckets and
    /// Azure accounts publish per-bucket/per-account targets).
    #[default]
    PerMember,
    /// One key prefix: S3 scales each partitioned prefix separately, so a
    /// layout's number of prefixes sets the request ceiling.
    PerPrefix,
}

/// A storage service or appliance.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StorageModel {
    pub id: String,
    pub name: String,
    pub kind: NodeKind,
    /// Aggregate throughput of one member, GB/s.
    pub read_gbs: f64,
    pub write_gbs: f64,
    /// Request-rate limit of one member, or of one key prefix when
    /// `request_scope` is `PerPrefix`.
    pub read_requests_per_s: f64,
    pub write_requests_per_s: f64,
    /// What the request-rate limit applies to (how the service scales).
    #[serde(default)]
    pub request_scope: RequestScope,
    /// Time to first byte, milliseconds.
    pub latency_ms: f64,
    /// Capacity of one member, TB (0 = unbounded service).
    #[serde(default)]
    pub capacity_tb: f64,
    /// Service price, USD per GB-month (cloud); 0 for owned appliances.
    #[serde(default)]
    pub usd_per_gb_month: f64,
    /// Request prices, USD per 1,000 GETs / PUTs (cloud object stores).
    #[serde(default)]
    pub usd_per_1k_reads: f64,
    #[serde(default)]
    pub usd_per_1k_writes: f64,
    /// On-demand query price, USD per TB scanned, for stores queried by a
    /// scan engine that bills per byte (BigQuery on-demand). 0: not billed.
    #[serde(default)]
    pub usd_per_tb_scanned: f64,
    /// Scans are billed on logical (uncompressed) bytes, as BigQuery bills
    /// them, rather than on the stored, compressed bytes (Athena).
    #[serde(default)]
    pub scan_bills_logical_bytes: bool,
    /// Purchase price of one member, USD (owned appliances).
    #[serde(default)]
    pub price_usd: f64,
    #[serde(default)]
    pub power_w: f64,
    /// Date and source of the price, its range and earlier prices.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_ref: Option<PriceRef>,
    pub source: String,
}

/// A network switch.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SwitchModel {
    pub id: String,
    pub name: String,
    pub ports: u32,
    pub port_gbps: f64,
    /// `true` for InfiniBand, `false` for Ethernet (older catalogs; `fabric`
    /// says it for every kind of switch).
    #[serde(default)]
    pub infiniband: bool,
    /// The fabric the switch belongs to; absent: from `infiniband`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fabric: Option<SwitchFabric>,
    pub latency_ns: f64,
    pub price_usd: f64,
    pub power_w: f64,
    /// Date and source of the price, its range and earlier prices.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_ref: Option<PriceRef>,
    pub source: String,
}

/// What kind of fabric a switch switches: the media that may end at it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SwitchFabric {
    Ethernet,
    InfiniBand,
    /// NVLink switches (NVSwitch trays, NVL72 spines): NVLink links only.
    NvLink,
    /// Optical circuit switches of TPU ICI: joined with ICI (NvLink-medium) links.
    OpticalIci,
}

impl SwitchFabric {
    pub fn label(self) -> &'static str {
        match self {
            SwitchFabric::Ethernet => "Ethernet",
            SwitchFabric::InfiniBand => "InfiniBand",
            SwitchFabric::NvLink => "NVLink",
            SwitchFabric::OpticalIci => "TPU ICI (optical)",
        }
    }
    /// Whether a link of `medium` may end at a switch of this fabric.
    pub fn accepts(self, medium: crate::model::Medium) -> bool {
        use crate::model::Medium;
        match self {
            SwitchFabric::Ethernet => medium.is_ethernet() || medium == Medium::Wan,
            SwitchFabric::InfiniBand => medium.is_infiniband(),
            SwitchFabric::NvLink | SwitchFabric::OpticalIci => medium == Medium::NvLink,
        }
    }
}

impl SwitchModel {
    pub fn fabric(&self) -> SwitchFabric {
        self.fabric.unwrap_or(if self.infiniband {
            SwitchFabric::InfiniBand
        } else {
            SwitchFabric::Ethernet
        })
    }
}

/// A named calibration constant the simulator reads, with its source.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Calibration {
    pub key: String,
    pub value: f64,
    pub source: String,
    /// Plausible low and high of `value`, for uncertainty runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub range: Option<(f64, f64)>,
}

/// What kind of catalog entry an id resolved to.
#[derive(Clone, Copy, Debug)]
pub enum Entry<'a> {
    Device(&'a Device),
    System(&'a System),
    Storage(&'a StorageModel),
    Switch(&'a SwitchModel),
}

impl Catalog {
    /// The catalog embedded in the binary.
    pub fn builtin() -> Catalog {
        // The embedded file is checked by a unit test; a broken build-time
        // asset is a programming error, not user input.
        Self::from_ron(BUILTIN_CATALOG_RON).expect("embedded catalog.ron is valid")
    }

    pub fn from_ron(text: &str) -> Result<Catalog, ron::error::SpannedError> {
        ron::from_str(text)
    }

    pub fn device(&self, id: &str) -> Option<&Device> {
        self.devices.iter().find(|d| d.id == id)
    }
    pub fn system(&self, id: &str) -> Option<&System> {
        self.systems.iter().find(|d| d.id == id)
    }
    /// System `model` and the device it is built from, or why not (stage
    /// models that need both say this in their errors).
    pub fn system_and_device(&self, model: &str) -> Result<(&System, &Device), String> {
        let sys = self
            .system(model)
            .ok_or_else(|| format!("'{model}' is not a known system"))?;
        let dev = self
            .device(&sys.device)
            .ok_or_else(|| format!("'{}' uses unknown device '{}'", sys.id, sys.device))?;
        Ok((sys, dev))
    }
    pub fn storage(&self, id: &str) -> Option<&StorageModel> {
        self.storage.iter().find(|d| d.id == id)
    }
    pub fn switch(&self, id: &str) -> Option<&SwitchModel> {
        self.switches.iter().find(|d| d.id == id)
    }
    pub fn entry(&self, id: &str) -> Option<Entry<'_>> {
        self.system(id)
            .map(Entry::System)
            .or_else(|| self.storage(id).map(Entry::Storage))
            .or_else(|| self.switch(id).map(Entry::Switch))
            .or_else(|| self.device(id).map(Entry::Device))
    }

    /// A calibration constant by key. Falls back to `default` so an older
    /// user catalog keeps working; the default's source is in the caller.
    pub fn calibration(&self, key: &str, default: f64) -> f64 {
        self.calibration
            .iter()
            .find(|c| c.key == key)
            .map(|c| c.value)
            .unwrap_or(default)
    }

    /// Systems usable as a node of `kind`, in catalog order.
    pub fn systems_of(&self, kind: NodeKind) -> impl Iterator<Item = &System> {
        self.systems.iter().filter(move |s| s.kind == kind)
    }
    pub fn storage_of(&self, kind: NodeKind) -> impl Iterator<Item = &StorageModel> {
        self.storage.iter().filter(move |s| s.kind == kind)
    }

    /// Ids of all duplicated entries (ids must be unique across lists).
    pub fn duplicate_ids(&self) -> Vec<String> {
        let mut ids: Vec<&str> = self
            .devices
            .iter()
            .map(|d| d.id.as_str())
            .chain(self.systems.iter().map(|d| d.id.as_str()))
            .chain(self.storage.iter().map(|d| d.id.as_str()))
            .chain(self.switches.iter().map(|d| d.id.as_str()))
            .collect();
        ids.sort_unstable();
        let mut dups: Vec<String> = ids
            .windows(2)
            .filter(|w| w[0] == w[1])
            .map(|w| w[0].to_owned())
            .collect();
        dups.dedup();
        dups
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Ids other modules and the presets refer to by name.
    const REQUIRED_DEVICES: &[&str] = &[
        "a100-40gb-sxm",
        "a100-80gb-sxm",
        "h100-sxm",
        "h100-pcie",
        "h200-sxm",
        "b200",
        "mi300x",
        "l4",
        "t4",
        "tpu-v4",
        "tpu-v5e",
        "tpu-v5p",
        "xeon-8480",
        "epyc-9654",
        "jetson-agx-orin",
    ];
    const REQUIRED_SYSTEMS: &[(&str, NodeKind)] = &[
        ("dgx-a100-40gb", NodeKind::GpuServer),
        ("dgx-a100-80gb", NodeKind::GpuServer),
        ("dgx-h100", NodeKind::GpuServer),
        ("hgx-h200", NodeKind::GpuServer),
        ("dgx-b200", NodeKind::GpuServer),
        ("mi300x-server", NodeKind::GpuServer),
        ("h100-pcie-server", NodeKind::GpuServer),
        ("aws-p4d-24xlarge", NodeKind::GpuServer),
        ("aws-p5-48xlarge", NodeKind::GpuServer),
        ("gcp-a3-highgpu-8g", NodeKind::GpuServer),
        ("azure-nd-h100-v5", NodeKind::GpuServer),
        ("gcp-g2-standard-8", NodeKind::GpuServer),
        ("aws-g4dn-xlarge", NodeKind::GpuServer),
        ("tpu-v4-8", NodeKind::TpuSlice),
        ("tpu-v5e-8", NodeKind::TpuSlice),
        ("tpu-v5p-8", NodeKind::TpuSlice),
        ("xeon-8480-2s", NodeKind::CpuServer),
        ("epyc-9654-2s", NodeKind::CpuServer),
        ("aws-c7i-48xlarge", NodeKind::CpuServer),
        ("jetson-agx-orin-64gb", NodeKind::EdgeDevice),
        ("serverless-l4", NodeKind::ServerlessEndpoint),
        ("serverless-a100", NodeKind::ServerlessEndpoint),
    ];
    const REQUIRED_STORAGE: &[(&str, NodeKind)] = &[
        ("nvme-gen4-cache", NodeKind::NvmeCache),
        ("nvme-gen5-cache", NodeKind::NvmeCache),
        ("ddn-ai400x2", NodeKind::ParallelFs),
        ("ibm-ess3500", NodeKind::ParallelFs),
        ("aws-s3", NodeKind::ObjectStore),
        ("gcs", NodeKind::ObjectStore),
        ("azure-blob", NodeKind::ObjectStore),
        ("s3-data-lake", NodeKind::DataLake),
        ("bigquery", NodeKind::Warehouse),
    ];
    const REQUIRED_SWITCHES: &[(&str, bool)] = &[
        ("ib-hdr-qm8700", true),
        ("ib-ndr-qm9700", true),
        ("ib-xdr-q3400", true),
        ("eth-100g-32p", false),
        ("eth-200g-64p", false),
        ("eth-400g-sn4700", false),
        ("eth-800g-sn5600", false),
    ];

    fn builtin() -> Catalog {
        match Catalog::from_ron(BUILTIN_CATALOG_RON) {
            Ok(c) => c,
            Err(e) => panic!("assets/catalog.ron:{}: {}", e.span.start, e.code),
        }
    }

    #[test]
    fn builtin_catalog_parses_and_ids_are_unique() {
        let c = builtin();
        assert!(!c.devices.is_empty() && !c.systems.is_empty());
        assert_eq!(c.duplicate_ids(), Vec::<String>::new());
        let mut keys: Vec<&str> = c.calibration.iter().map(|k| k.key.as_str()).collect();
        keys.sort_unstable();
        let n = keys.len();
        keys.dedup();
        assert_eq!(n, keys.len(), "duplicate calibration key");
    }

    #[test]
    fn every_entry_names_a_source() {
        let c = builtin();
        let sources = c
            .devices
            .iter()
            .map(|d| (&d.id, &d.source))
            .chain(c.systems.iter().map(|d| (&d.id, &d.source)))
            .chain(c.storage.iter().map(|d| (&d.id, &d.source)))
            .chain(c.switches.iter().map(|d| (&d.id, &d.source)))
            .chain(c.calibration.iter().map(|d| (&d.key, &d.source)));
        for (id, source) in sources {
            assert!(!source.trim().is_empty(), "'{id}' has no source");
        }
    }

    #[test]
    fn systems_refer_to_existing_devices_of_a_fitting_kind() {
        let c = builtin();
        for s in &c.systems {
            let Some(d) = c.device(&s.device) else {
                panic!("system '{}' uses unknown device '{}'", s.id, s.device)
            };
            let fits = match s.kind {
                NodeKind::GpuServer | NodeKind::ServerlessEndpoint => d.kind == DeviceKind::Gpu,
                NodeKind::TpuSlice => d.kind == DeviceKind::Tpu,
                NodeKind::CpuServer => d.kind == DeviceKind::Cpu,
                NodeKind::EdgeDevice => d.kind == DeviceKind::Edge,
                NodeKind::Neuromorphic => d.kind == DeviceKind::Neuromorphic && d.neuromorphic.is_some(),
                NodeKind::QuantumService => d.kind == DeviceKind::Quantum && d.quantum.is_some() && s.quantum.is_some(),
                other => panic!("system '{}' has non-compute kind {other:?}", s.id),
            };
            assert!(fits, "system '{}' ({:?}) uses a {:?} device", s.id, s.kind, d.kind);
            if let Some(cpu) = &s.host_cpu {
                assert_eq!(
                    c.device(cpu).map(|d| d.kind),
                    Some(DeviceKind::Cpu),
                    "host CPU of '{}'",
                    s.id
                );
                assert!(s.host_cpus > 0, "'{}' names a host CPU but host_cpus is 0", s.id);
            }
            if s.kind == NodeKind::Neuromorphic {
                // Research systems: not sold, power only where published.
                assert!(s.devices > 0, "'{}' needs devices", s.id);
                continue;
            }
            if s.kind == NodeKind::QuantumService {
                // Pay per use: the offer's pricing is the price.
                let Some(q) = &s.quantum else { continue };
                assert!(
                    q.queue.median_s >= 0.0 && q.queue.p90_s >= q.queue.median_s,
                    "'{}' queue",
                    s.id
                );
                continue;
            }
            assert!(s.devices > 0 && s.power_w > 0.0, "'{}' needs devices and power", s.id);
            assert!(
                s.price_usd > 0.0 || s.cloud.as_ref().is_some_and(|p| p.on_demand_usd_per_hour > 0.0),
                "'{}' can be neither bought nor rented",
                s.id
            );
            if s.nics > 0 {
                assert!(s.nic_gbps > 0.0, "'{}' has NICs without a line rate", s.id);
            }
        }
    }

    #[test]
    fn device_peaks_are_dense_and_ordered() {
        let c = builtin();
        for d in c
            .devices
            .iter()
            .filter(|d| !matches!(d.kind, DeviceKind::Neuromorphic | DeviceKind::Quantum))
        {
            let p = &d.peak_tflops;
            let fp32 = p.fp32.unwrap_or_else(|| panic!("'{}' has no FP32 peak", d.id));
            for (name, v) in [("fp16", p.fp16), ("bf16", p.bf16), ("fp8", p.fp8), ("int8", p.int8)] {
                if let Some(v) = v {
                    assert!(v >= fp32, "'{}': {name} peak {v} below FP32 {fp32}", d.id);
                }
            }
            // Narrower formats never run slower than the wider tensor path.
            if let (Some(fp8), Some(bf16)) = (p.fp8, p.bf16.or(p.fp16)) {
                assert!(fp8 >= bf16, "'{}': FP8 slower than BF16", d.id);
            }
            assert!(
                d.memory_gb > 0.0 && d.memory_bw_gbs > 0.0 && d.tdp_w > 0.0,
                "'{}'",
                d.id
            );
        }
        // Spot checks against the datasheets (dense, not sparse).
        let h100 = c.device("h100-sxm").map(|d| d.peak_tflops.clone()).unwrap_or_default();
        assert_eq!(h100.bf16, Some(989.0));
        assert_eq!(h100.fp8, Some(1979.0));
        assert_eq!(c.device("a100-80gb-sxm").and_then(|d| d.peak_tflops.fp8), None);
        assert_eq!(c.device("t4").and_then(|d| d.peak_tflops.bf16), None);
        // A T4 asked for BF16 falls back to its FP16 path.
        let t4 = c.device("t4").map(|d| d.peak_tflops.clone()).unwrap_or_default();
        assert_eq!(t4.effective(Precision::Bf16), Some((Precision::Fp16, 65.0)));
    }

    #[test]
    fn required_ids_are_present_with_the_right_kind() {
        let c = builtin();
        for id in REQUIRED_DEVICES {
            assert!(c.device(id).is_some(), "device '{id}' missing");
        }
        for (id, kind) in REQUIRED_SYSTEMS {
            assert_eq!(c.system(id).map(|s| s.kind), Some(*kind), "system '{id}'");
        }
        for (id, kind) in REQUIRED_STORAGE {
            assert_eq!(c.storage(id).map(|s| s.kind), Some(*kind), "storage '{id}'");
        }
        for (id, ib) in REQUIRED_SWITCHES {
            assert_eq!(c.switch(id).map(|s| s.infiniband), Some(*ib), "switch '{id}'");
        }
        let s3 = c
            .storage("aws-s3")
            .map(|s| (s.read_requests_per_s, s.write_requests_per_s));
        assert_eq!(s3, Some((5500.0, 3500.0)), "S3 per-prefix request limits");
        // Cloud instances are rented, not bought.
        for s in c.systems.iter().filter(|s| s.cloud.is_some()) {
            assert_eq!(s.price_usd, 0.0, "'{}' has a cloud price and a purchase price", s.id);
        }
    }
}
