//! Data pipeline stages (ingest, preprocess/ETL): formats, codecs,
//! partitioning, object-store request limits, cache hits; time, bytes and
//! cost of each stage, and whether its output rate can feed training.
//!
//! Model: a stage reads `stored_in` bytes from its source, parses and
//! transforms them on the CPUs of its placement, compresses and writes
//! `stored_out` bytes to its destination. Its throughput is the slowest of
//! (source read, destination write, network of the workers, CPU decode +
//! encode, object-store request rate across the partitions' prefixes,
//! per-connection streaming), plus a per-file overhead (the small-files
//! penalty). Every constant names its source.

use crate::model::{Catalog, Codec, DataFormat, DataStage, NodeKind, NodeRole, Plan, Stage};
use crate::sim::SimError;
use crate::sim::cost;
use crate::sim::metrics::MetricKey;
use serde::{Deserialize, Serialize};

/// Stored size of a format relative to raw CSV, before the codec.
/// - CSV 1.0 by definition; JSON ~1.5 (repeated keys and quotes; estimate).
/// - Parquet: columnar encoding (dictionary/RLE/bit-packing) alone ≈ 0.272:
///   derived from Parquet+snappy = 130 GB vs CSV 1 TB (data.csv D01, the
///   Athena dataset) divided by snappy's ratio 2.09 (D11) applied on top.
/// - ORC: a few % smaller than Parquet (D31, unverified): 0.95 × Parquet.
/// - Binary token shards: 2-byte token ids for ~4 characters of text ≈ 0.5.
pub fn format_ratio(f: DataFormat) -> f64 {
    match f {
        DataFormat::Csv => 1.0,
        DataFormat::Json => 1.5,
        DataFormat::Parquet => 0.13 * 2.09,
        DataFormat::Orc => 0.95 * 0.13 * 2.09,
        DataFormat::Binary => 0.5,
    }
}

/// Compression ratio, compress and decompress speed per core (MB/s of
/// uncompressed data). lzbench on an EPYC 9554 core, Silesia corpus
/// (data.csv D09 zstd -1, D10 zlib -6 = gzip default, D11 snappy).
pub fn codec_facts(c: Codec) -> (f64, f64, f64) {
    match c {
        Codec::None => (1.0, f64::INFINITY, f64::INFINITY),
        Codec::Snappy => (2.09, 401.0, 1077.0),
        Codec::Zstd => (2.89, 422.0, 1347.0),
        Codec::Gzip => (3.11, 25.3, 344.0),
    }
}

/// Parse (decode) cost per core, MB/s of raw-equivalent data: text CSV ~150,
/// JSON ~60 (simdjson-class parsers are faster, typical engines are not),
/// columnar Parquet/ORC decode ~600, binary ~2,000 (memcpy-class). Estimates
/// consistent with Arrow/DuckDB reader benchmarks; no primary figure found.
pub fn parse_mbs_per_core(f: DataFormat) -> f64 {
    match f {
        DataFormat::Csv => 150.0,
        DataFormat::Json => 60.0,
        DataFormat::Parquet | DataFormat::Orc => 600.0,
        DataFormat::Binary => 2000.0,
    }
}

/// Encode cost per core when writing, MB/s of raw-equivalent data (estimate:
/// writing text is cheap, columnar encoding about the speed of decoding).
pub fn encode_mbs_per_core(f: DataFormat) -> f64 {
    match f {
        DataFormat::Csv | DataFormat::Json => 400.0,
        DataFormat::Parquet | DataFormat::Orc => 300.0,
        DataFormat::Binary => 2000.0,
    }
}

/// Stored bytes of `raw` bytes of CSV-equivalent data in a format and codec.
pub fn stored_bytes(raw: f64, f: DataFormat, c: Codec) -> f64 {
    raw * format_ratio(f) / codec_facts(c).0
}

/// Default key prefixes of a layout: AWS's own example of spreading reads
/// over 10 prefixes (S3 User Guide, "Optimizing Amazon S3 performance"),
/// never more than there are files.
pub const DEFAULT_PREFIXES: u32 = 10;

/// How many times a storage model's per-unit request limit the stage's
/// layout gets: S3 (`PerPrefix`) scales per partitioned key prefix, so the
/// stage's prefixes (default [`DEFAULT_PREFIXES`], at most one per file)
/// count; services with a per-bucket or per-account target scale with the
/// members drawn, not with the files in them.
pub fn request_ceiling(m: &crate::model::StorageModel, members: u32, d: &DataStage) -> f64 {
    let members = members.max(1) as f64;
    match m.request_scope {
        crate::model::RequestScope::PerMember => members,
        crate::model::RequestScope::PerPrefix => {
            let files = d.partitions.max(1);
            let prefixes = d.prefixes.unwrap_or(DEFAULT_PREFIXES).clamp(1, files);
            members * prefixes as f64
        }
    }
}

/// Formats that store each column apart, so a reader can skip columns.
pub fn is_columnar(f: DataFormat) -> bool {
    matches!(f, DataFormat::Parquet | DataFormat::Orc)
}

/// Bytes a reader scans: columnar formats read only the columns needed.
pub fn scanned_bytes(raw: f64, f: DataFormat, c: Codec, columns_read: f64) -> f64 {
    let frac = if is_columnar(f) {
        columns_read.clamp(1e-6, 1.0)
    } else {
        1.0
    };
    stored_bytes(raw, f, c) * frac
}

/// Range-GET size for object stores (AWS: 8-16 MB byte-range fetches, D18).
pub const OBJECT_GET_BYTES: f64 = 16e6;
/// Cores of a CPU device: the catalog names carry them ("Intel Xeon Platinum
/// 8480+ (56 cores, …)", from Intel ARK / AMD product pages); otherwise
/// estimated from the FP32 peak at 64 FLOP per cycle (2 × 512-bit FMA) and
/// 2 GHz.
fn cores_of(dev: &crate::model::Device) -> f64 {
    let named = dev.name.split('(').nth(1).and_then(|rest| {
        let mut words = rest.split_whitespace();
        let n = words.next()?.parse::<f64>().ok()?;
        words.next().filter(|w| w.starts_with("core")).map(|_| n)
    });
    named.unwrap_or_else(|| {
        let fp32 = dev.peak_tflops.fp32.unwrap_or(1.0);
        (fp32 * 1e12 / (64.0 * 2.0e9)).round().max(1.0)
    })
}

/// CPU cores of a worker group: CPU servers' own sockets, or the host CPUs
/// of accelerated servers (0 when the catalog does not know them).
pub fn cores_of_node(plan: &Plan, catalog: &Catalog, id: &crate::model::NodeId) -> f64 {
    let Some(n) = plan.node(id) else { return 0.0 };
    let Some(sys) = catalog.system(&n.model) else {
        return 0.0;
    };
    let (dev_id, per) = if sys.kind == NodeKind::CpuServer {
        (Some(sys.device.as_str()), sys.devices)
    } else {
        (sys.host_cpu.as_deref(), sys.host_cpus)
    };
    dev_id
        .and_then(|i| catalog.device(i))
        .map(|dev| cores_of(dev) * per as f64 * n.count as f64)
        .unwrap_or(0.0)
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DataResult {
    pub stage: String,
    pub duration_s: f64,
    pub bytes_read: f64,
    pub bytes_written: f64,
    pub cost_usd: f64,
    /// Facility energy of the workers for the duration, kWh.
    #[serde(default)]
    pub energy_kwh: f64,
    /// Stored size of the input and output datasets, bytes.
    pub input_stored_bytes: f64,
    pub output_stored_bytes: f64,
    /// Bytes a downstream reader scans of the output (column pruning).
    pub output_scanned_bytes: f64,
    /// Raw-equivalent bytes per second the stage processes.
    pub throughput_raw_bytes_per_s: f64,
    /// Rate at which the output can be read back by training, B/s (stored).
    pub output_read_bytes_per_s: f64,
    pub cpu_core_seconds: f64,
    /// What limits the stage.
    pub bottleneck: String,
    /// (limit name, bytes/s of raw data) for each candidate limit.
    pub limits: Vec<(String, f64)>,
}

pub fn simulate_data_stage(
    plan: &Plan,
    stage: &Stage,
    d: &DataStage,
    catalog: &Catalog,
) -> Result<DataResult, SimError> {
    // Column pruning: a stage reading a columnar input fetches, decodes and
    // writes only the columns it needs (Parquet/ORC store each column chunk
    // apart, so a projection reads only those chunks: Apache Parquet format
    // docs, "column chunks"). Its output then holds just those columns. A
    // row-oriented input must be read whole; then `columns_read` is what
    // readers of a columnar output scan (`output_scanned_bytes`).
    let columns = d.columns_read.clamp(1e-6, 1.0);
    let pruned_at_read = is_columnar(d.input_format);
    let raw = d.dataset_tb.max(0.0) * 1e12 * if pruned_at_read { columns } else { 1.0 };
    let src = plan
        .node(&d.source)
        .ok_or_else(|| SimError::Invalid(format!("source '{}' does not exist", d.source)))?;
    let dst = plan
        .node(&d.destination)
        .ok_or_else(|| SimError::Invalid(format!("destination '{}' does not exist", d.destination)))?;
    let src_m = catalog
        .storage(&src.model)
        .ok_or_else(|| SimError::Invalid(format!("unknown storage '{}'", src.model)))?;
    let dst_m = catalog
        .storage(&dst.model)
        .ok_or_else(|| SimError::Invalid(format!("unknown storage '{}'", dst.model)))?;
    let input = stored_bytes(raw, d.input_format, d.input_codec);
    let output = stored_bytes(raw, d.output_format, d.output_codec);
    let in_ratio = input / raw;
    let out_ratio = output / raw;

    // Workers: CPU cores and NIC bandwidth of the placement.
    let (mut cores, mut nic_bps) = (0.0, 0.0);
    for id in &stage.placement {
        let Some(n) = plan.node(id) else { continue };
        if n.kind.role() != NodeRole::Compute {
            continue;
        }
        let Some(sys) = catalog.system(&n.model) else { continue };
        let (dev_id, per) = if sys.kind == NodeKind::CpuServer {
            (Some(sys.device.as_str()), sys.devices)
        } else {
            (sys.host_cpu.as_deref(), sys.host_cpus)
        };
        if let Some(dev) = dev_id.and_then(|i| catalog.device(i)) {
            cores += cores_of(dev) * per as f64 * n.count as f64;
        }
        nic_bps += sys.nics as f64 * sys.nic_gbps * 1e9 / 8.0 * n.count as f64;
    }
    if cores <= 0.0 {
        return Err(SimError::Invalid(format!(
            "data stage '{}' has no CPU cores in its placement",
            stage.id
        )));
    }

    // Limits, each as raw-equivalent bytes per second.
    let mut limits: Vec<(String, f64)> = Vec::new();
    let cache_hit = src.cache_hit_ratio.unwrap_or(0.0).clamp(0.0, 0.99);
    let src_bw = src_m.read_gbs * 1e9 * src.count.max(1) as f64 / (1.0 - cache_hit);
    limits.push((format!("read from {}", src.name), src_bw / in_ratio));
    limits.push((
        format!("write to {}", dst.name),
        dst_m.write_gbs * 1e9 * dst.count.max(1) as f64 / out_ratio,
    ));
    if nic_bps > 0.0 {
        limits.push(("worker network".into(), nic_bps / (in_ratio + out_ratio)));
    }
    let (_, _, decomp) = codec_facts(d.input_codec);
    let (_, comp, _) = codec_facts(d.output_codec);
    // Per-core seconds per raw byte: decompress + parse + encode + compress.
    let per_byte = 1.0 / (decomp * 1e6) * in_ratio * codec_facts(d.input_codec).0
        + 1.0 / (parse_mbs_per_core(d.input_format) * 1e6)
        + 1.0 / (encode_mbs_per_core(d.output_format) * 1e6)
        + 1.0 / (comp * 1e6) * out_ratio * codec_facts(d.output_codec).0;
    limits.push(("CPU (parse + encode + compress)".into(), cores / per_byte));
    // Object stores: the request-rate ceiling of the layout (per prefix on
    // S3, per bucket or account elsewhere; see `request_ceiling`).
    let parts = d.partitions.max(1) as f64;
    let object = |k: NodeKind| matches!(k, NodeKind::ObjectStore | NodeKind::DataLake);
    if object(src.kind) {
        let file = input / parts;
        let gets_per_file = (file / OBJECT_GET_BYTES).ceil().max(1.0);
        let req_limit = src_m.read_requests_per_s * request_ceiling(src_m, src.count, d);
        limits.push((
            "object-store GET rate".into(),
            req_limit * (file / gets_per_file) / in_ratio,
        ));
        // Streams: one per core at most, one per partition at most; each at
        // ~87.5 MB/s per connection (D18).
        let per_conn = catalog.calibration("s3_get_per_connection_mbs", 87.5) * 1e6;
        let streams = cores.min(parts * gets_per_file);
        limits.push(("object-store connections".into(), streams * per_conn / in_ratio));
    }
    if object(dst.kind) {
        let req_limit = dst_m.write_requests_per_s * request_ceiling(dst_m, dst.count, d);
        let file = output / parts;
        let puts_per_file = (file / OBJECT_GET_BYTES).ceil().max(1.0);
        limits.push((
            "object-store PUT rate".into(),
            req_limit * (file / puts_per_file) / out_ratio,
        ));
    }
    let (bottleneck, rate) = limits
        .iter()
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(n, r)| (n.clone(), *r))
        .unwrap_or(("none".into(), f64::INFINITY));
    // Small-files penalty: each file costs a first-byte latency on both
    // sides, spread over the parallel streams (D16: Athena 100 rows/file is
    // ~90× slower than 1M rows/file).
    let streams = cores.min(parts).max(1.0);
    let per_file_s = (src_m.latency_ms + dst_m.latency_ms) * 1e-3;
    let overhead = parts * per_file_s / streams;
    let duration = raw / rate.max(1.0) + overhead;
    let cpu_core_seconds = raw * per_byte;

    // Cost: the workers for the duration, request fees, egress between sites.
    let (mut cost_usd, mut energy_kwh) = (0.0, 0.0);
    let ledger = cost::Ledger::new(plan, catalog);
    for id in &stage.placement {
        if let Some(n) = ledger.index().node(id)
            && n.kind.role() == NodeRole::Compute
        {
            let util = (cpu_core_seconds / (cores * duration)).min(1.0);
            let h = ledger.hourly(id, util)?;
            cost_usd += h.total_usd() * duration / 3600.0;
            energy_kwh += h.energy_kwh * duration / 3600.0;
        }
    }
    let gets = (input / OBJECT_GET_BYTES).ceil().max(parts);
    let puts = (output / OBJECT_GET_BYTES).ceil().max(parts);
    cost_usd += ledger.storage(&d.source, 0.0, 0.0, gets, 0.0)?;
    // A warehouse queried per scan (BigQuery on-demand) bills the bytes the
    // query reads: after column pruning, logical or stored as it bills.
    let scan_usd = ledger.scan(&d.source, input, raw);
    cost_usd += scan_usd;
    cost_usd += ledger.storage(&d.destination, 0.0, 0.0, 0.0, puts)?;
    if let Some(w) = stage.placement.first() {
        cost_usd += ledger.egress(&d.source, w, input / 1e9);
        cost_usd += ledger.egress(w, &d.destination, output / 1e9);
    }
    // Read-back rate of the output for training (stored bytes/s).
    let dst_hit = dst.cache_hit_ratio.unwrap_or(0.0).clamp(0.0, 0.99);
    let out_read = dst_m.read_gbs * 1e9 * dst.count.max(1) as f64 / (1.0 - dst_hit);
    Ok(DataResult {
        stage: stage.id.to_string(),
        duration_s: duration,
        bytes_read: input,
        bytes_written: output,
        cost_usd,
        energy_kwh,
        input_stored_bytes: input,
        output_stored_bytes: output,
        output_scanned_bytes: scanned_bytes(
            raw,
            d.output_format,
            d.output_codec,
            if pruned_at_read { 1.0 } else { columns },
        ),
        throughput_raw_bytes_per_s: raw / duration.max(1e-9),
        output_read_bytes_per_s: out_read,
        cpu_core_seconds,
        bottleneck,
        limits,
    })
}

impl DataResult {
    /// The run as a plan-level workload entry (`kind` "ingest"/"preprocess").
    pub fn to_workload(&self, stage: &Stage) -> crate::sim::results::WorkloadResult {
        let mut m = std::collections::BTreeMap::new();
        for (k, v) in [
            (MetricKey::Duration, self.duration_s),
            (MetricKey::BytesRead, self.bytes_read),
            (MetricKey::BytesWritten, self.bytes_written),
            (MetricKey::Cost, self.cost_usd),
            (MetricKey::Energy, self.energy_kwh),
            (MetricKey::InputStored, self.input_stored_bytes),
            (MetricKey::OutputStored, self.output_stored_bytes),
            (MetricKey::OutputScanned, self.output_scanned_bytes),
            (MetricKey::ThroughputRaw, self.throughput_raw_bytes_per_s),
            (MetricKey::OutputReadRate, self.output_read_bytes_per_s),
            (MetricKey::CpuCoreSeconds, self.cpu_core_seconds),
        ] {
            m.insert(k, v);
        }
        // Each limit is a rate (raw-equivalent bytes/s), not a share of the
        // stage's time: the slowest sets the pace.
        let limits = self
            .limits
            .iter()
            .map(|(what, v)| crate::sim::results::RateLimit {
                what: what.clone(),
                bytes_per_s: *v,
            })
            .collect();
        crate::sim::results::WorkloadResult {
            id: stage.id.to_string(),
            name: stage.name.clone(),
            kind: stage.kind.key().to_owned(),
            metrics: m,
            limits,
            diagnosis: format!("limited by {}", self.bottleneck),
            ..Default::default()
        }
    }
}

/// Whether the output of a data stage can feed a training stage that
/// consumes `training_raw_bytes_per_s` of raw-equivalent data: returns the
/// ratio supply / demand (< 1 means training starves).
pub fn feed_ratio(r: &DataResult, raw_dataset_bytes: f64, training_raw_bytes_per_s: f64) -> f64 {
    if training_raw_bytes_per_s <= 0.0 || r.output_stored_bytes <= 0.0 {
        return f64::INFINITY;
    }
    let raw_per_stored = raw_dataset_bytes / r.output_stored_bytes;
    r.output_read_bytes_per_s * raw_per_stored / training_raw_bytes_per_s
}

/// A query engine scanning a dataset (the brief's CSV → Parquet example):
/// time = fixed start-up + scanned bytes / scan rate + parse CPU.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScanEstimate {
    pub stored_bytes: f64,
    pub scanned_bytes: f64,
    pub seconds: f64,
    pub cost_usd: f64,
}

/// Athena-class serverless scan: price per TB scanned (Athena 5 USD/TB,
/// data.csv D03), start-up ~2.3 s (D16: a 100M-row Parquet query at 1M rows
/// per file takes 2.35 s, dominated by start-up), `workers` parallel cores.
pub const ATHENA_USD_PER_TB: f64 = 5.0;
pub const ATHENA_STARTUP_S: f64 = 2.3;

pub fn scan_query(raw: f64, f: DataFormat, c: Codec, columns_read: f64, workers: f64) -> ScanEstimate {
    let stored = stored_bytes(raw, f, c);
    let scanned = scanned_bytes(raw, f, c, columns_read);
    let (ratio, _, decomp) = codec_facts(c);
    // CPU: decompress the scanned bytes, parse their raw equivalent.
    let raw_scanned = scanned / stored.max(1.0) * raw;
    let cpu = scanned * ratio / (decomp * 1e6) + raw_scanned / (parse_mbs_per_core(f) * 1e6);
    ScanEstimate {
        stored_bytes: stored,
        scanned_bytes: scanned,
        seconds: ATHENA_STARTUP_S + cpu / workers.max(1.0),
        cost_usd: scanned / 1e12 * ATHENA_USD_PER_TB,
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod cores_tests {
    #[test]
    fn cores_come_from_the_catalog_names() {
        let c = crate::model::Catalog::builtin();
        let cores = |id: &str| c.device(id).map(super::cores_of);
        assert_eq!(cores("xeon-8480"), Some(56.0));
        assert_eq!(cores("epyc-9654"), Some(96.0));
        assert_eq!(cores("epyc-7742"), Some(64.0));
    }
}
