//! The hardware and price catalog: devices, systems (servers, instances,
//! slices, endpoints), storage, switches. Every entry names its `source`.
//!
//! The default catalog is `assets/catalog.ron`, embedded in the binary; a user
//! file can replace it (`--catalog FILE`).

use super::plan::NodeKind;
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
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum DeviceKind {
    Gpu,
    Tpu,
    Cpu,
    Edge,
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
            Precision::Int4 => &[Precision::Int4, Precision::Int8, Precision::Fp16, Precision::Fp32],
            Precision::Int8 => &[Precision::Int8, Precision::Fp16, Precision::Fp32],
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
    pub source: String,
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
    /// Request-rate limit of one member (or per prefix for object stores).
    pub read_requests_per_s: f64,
    pub write_requests_per_s: f64,
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
    /// Purchase price of one member, USD (owned appliances).
    #[serde(default)]
    pub price_usd: f64,
    #[serde(default)]
    pub power_w: f64,
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
    /// `true` for InfiniBand, `false` for Ethernet.
    pub infiniband: bool,
    pub latency_ns: f64,
    pub price_usd: f64,
    pub power_w: f64,
    pub source: String,
}

/// A named calibration constant the simulator reads, with its source.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Calibration {
    pub key: String,
    pub value: f64,
    pub source: String,
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
