//! Plain-text tables of the catalog for `clusterforge catalog`.

use super::CatalogKind;
use crate::model::{Catalog, NodeKind};
use std::fmt::Write;

/// Left-aligned columns sized to their widest cell.
fn table(header: &[&str], rows: Vec<Vec<String>>) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let line = |out: &mut String, cells: &[String]| {
        let mut s = String::new();
        for (i, (cell, w)) in cells.iter().zip(&widths).enumerate() {
            if i > 0 {
                s.push_str("  ");
            }
            let _ = write!(s, "{cell:<w$}");
        }
        out.push_str(s.trim_end());
        out.push('\n');
    };
    line(&mut out, &header.iter().map(|h| h.to_string()).collect::<Vec<_>>());
    line(&mut out, &widths.iter().map(|w| "-".repeat(*w)).collect::<Vec<_>>());
    for row in &rows {
        line(&mut out, row);
    }
    out
}

fn num(v: f64) -> String {
    if v == 0.0 {
        "-".into()
    } else if v >= 100.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.3}").trim_end_matches('0').trim_end_matches('.').to_owned()
    }
}

fn opt(v: Option<f64>) -> String {
    v.map(num).unwrap_or_else(|| "-".into())
}

pub fn render(catalog: &Catalog, kind: Option<CatalogKind>) -> String {
    let mut out = String::new();
    let show = |k: CatalogKind| kind.is_none() || kind == Some(k);
    if show(CatalogKind::Devices) {
        out.push_str("Devices (dense peak TFLOP/s; memory GB and GB/s)\n");
        let rows = catalog
            .devices
            .iter()
            .map(|d| {
                vec![
                    d.id.clone(),
                    d.name.clone(),
                    format!("{:?}", d.kind),
                    opt(d.peak_tflops.fp32),
                    opt(d.peak_tflops.bf16.or(d.peak_tflops.fp16)),
                    opt(d.peak_tflops.fp8),
                    opt(d.peak_tflops.int8),
                    num(d.memory_gb),
                    num(d.memory_bw_gbs),
                    num(d.tdp_w),
                    num(d.price_usd),
                    d.source.clone(),
                ]
            })
            .collect();
        out.push_str(&table(
            &[
                "id",
                "name",
                "kind",
                "fp32",
                "bf16",
                "fp8",
                "int8",
                "mem GB",
                "mem GB/s",
                "TDP W",
                "price USD",
                "source",
            ],
            rows,
        ));
        out.push('\n');
    }
    let system_kinds = [
        (CatalogKind::GpuServer, NodeKind::GpuServer),
        (CatalogKind::TpuSlice, NodeKind::TpuSlice),
        (CatalogKind::CpuServer, NodeKind::CpuServer),
        (CatalogKind::EdgeDevice, NodeKind::EdgeDevice),
        (CatalogKind::Serverless, NodeKind::ServerlessEndpoint),
    ];
    for (ck, nk) in system_kinds {
        if !show(ck) {
            continue;
        }
        let rows: Vec<Vec<String>> = catalog
            .systems_of(nk)
            .map(|s| {
                vec![
                    s.id.clone(),
                    s.name.clone(),
                    format!("{} × {}", s.devices, s.device),
                    num(s.scale_up_gbs),
                    if s.nics > 0 {
                        format!("{} × {} Gb/s", s.nics, s.nic_gbps)
                    } else {
                        "-".into()
                    },
                    num(s.power_w),
                    num(s.price_usd),
                    opt(s.cloud.as_ref().map(|c| c.on_demand_usd_per_hour)),
                    s.source.clone(),
                ]
            })
            .collect();
        if rows.is_empty() {
            continue;
        }
        let _ = writeln!(out, "{} systems", nk.label());
        out.push_str(&table(
            &[
                "id",
                "name",
                "devices",
                "scale-up GB/s",
                "NICs",
                "power W",
                "price USD",
                "USD/h",
                "source",
            ],
            rows,
        ));
        out.push('\n');
    }
    if show(CatalogKind::Storage) {
        out.push_str("Storage (per member)\n");
        let rows = catalog
            .storage
            .iter()
            .map(|s| {
                vec![
                    s.id.clone(),
                    s.name.clone(),
                    s.kind.label().to_owned(),
                    num(s.read_gbs),
                    num(s.write_gbs),
                    num(s.read_requests_per_s),
                    num(s.latency_ms),
                    num(s.capacity_tb),
                    num(s.usd_per_gb_month),
                    num(s.price_usd),
                    s.source.clone(),
                ]
            })
            .collect();
        out.push_str(&table(
            &[
                "id",
                "name",
                "kind",
                "read GB/s",
                "write GB/s",
                "read req/s",
                "latency ms",
                "TB",
                "USD/GB-mo",
                "price USD",
                "source",
            ],
            rows,
        ));
        out.push('\n');
    }
    if show(CatalogKind::Switches) {
        out.push_str("Switches\n");
        let rows = catalog
            .switches
            .iter()
            .map(|s| {
                vec![
                    s.id.clone(),
                    s.name.clone(),
                    s.fabric().label().to_owned(),
                    format!("{} × {} Gb/s", s.ports, s.port_gbps),
                    num(s.latency_ns),
                    num(s.power_w),
                    num(s.price_usd),
                    s.source.clone(),
                ]
            })
            .collect();
        out.push_str(&table(
            &[
                "id",
                "name",
                "fabric",
                "ports",
                "latency ns",
                "power W",
                "price USD",
                "source",
            ],
            rows,
        ));
        out.push('\n');
    }
    if show(CatalogKind::Calibration) && !catalog.calibration.is_empty() {
        out.push_str("Calibration constants\n");
        let rows = catalog
            .calibration
            .iter()
            .map(|c| vec![c.key.clone(), num(c.value), c.source.clone()])
            .collect();
        out.push_str(&table(&["key", "value", "source"], rows));
        out.push('\n');
    }
    if show(CatalogKind::Prices) {
        out.push_str(&format!("Prices ({})\n", catalog.prices_label()));
        let rows = catalog
            .priced_entries()
            .into_iter()
            .map(|e| {
                let r = e.price_ref;
                let range = r
                    .and_then(|r| r.range)
                    .map(|(lo, hi)| format!("{}–{}", num(lo), num(hi)))
                    .unwrap_or_else(|| "-".into());
                let history = r
                    .map(|r| {
                        r.history
                            .iter()
                            .map(|h| format!("{} ({})", num(h.usd), h.as_of))
                            .collect::<Vec<_>>()
                            .join(", ")
                    })
                    .filter(|h| !h.is_empty())
                    .unwrap_or_else(|| "-".into());
                vec![
                    e.id.to_owned(),
                    num(e.price.usd()),
                    e.price.unit().to_owned(),
                    r.map(|r| r.as_of.clone()).unwrap_or_else(|| "undated".into()),
                    range,
                    history,
                    r.map(|r| r.source.clone()).unwrap_or_default(),
                ]
            })
            .collect();
        out.push_str(&table(
            &["id", "price", "unit", "as of", "range", "earlier", "source"],
            rows,
        ));
    }
    out
}
