//! Node group pages: one node (name, kind, catalog model, count, site, and
//! the catalog's specs of the model) or several nodes at once (only the
//! fields they share).

use super::KeyedEdit;
use super::fields::{combo, grid, num, optional, text};
use crate::model::edit::Edit;
use crate::model::*;
use crate::ui::palette::models;
use crate::ui::state::EditorState;
use crate::ui::theme;
use egui::Ui;

fn site_options(state: &EditorState) -> Vec<(SiteId, String)> {
    state
        .plan
        .sites
        .iter()
        .map(|s| (s.id.clone(), format!("{} {}", theme::site_icon(&s.kind), s.name)))
        .collect()
}

fn model_options(state: &EditorState, kind: NodeKind) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = models(&state.catalog, kind)
        .into_iter()
        .map(|(id, name, spec)| (id, format!("{name} — {spec}")))
        .collect();
    if v.is_empty() {
        v.push((String::new(), "(none)".into()));
    }
    v
}

pub(super) fn node_ui(ui: &mut Ui, state: &EditorState, node: &Node, out: &mut Vec<KeyedEdit>) {
    ui.heading(format!("{}  {}", theme::node_icon(node.kind), node.name));
    ui.weak(format!("{} · id {}", node.kind.label(), node.id));
    let mut n = node.clone();
    grid(ui, "node_grid", |ui| {
        text(ui, "Name", &mut n.name, "Display name of the node group");
        if node.kind.catalog_category() != CatalogCategory::None {
            combo(
                ui,
                "Model",
                &mut n.model,
                &model_options(state, node.kind),
                "Catalog entry: sets devices, speeds, power and prices",
            );
        }
        num(
            ui,
            "Count",
            &mut n.count,
            "×",
            0..=1_000_000,
            "Identical members in this group (servers, switches, appliances)",
        );
        combo(
            ui,
            "Site",
            &mut n.site,
            &site_options(state),
            "Where the members live; decides how they are paid for",
        );
        if node.kind.role() == NodeRole::Storage {
            optional(
                ui,
                "Capacity",
                &mut n.capacity_tb,
                100.0,
                "TB",
                "Usable capacity; unset uses the catalog's",
            );
            if node.kind == NodeKind::NvmeCache {
                optional(
                    ui,
                    "Cache hit ratio",
                    &mut n.cache_hit_ratio,
                    0.9,
                    "",
                    "Fraction of reads served from the cache (0-1)",
                );
            }
        }
    });
    specs_ui(ui, state, &n);
    if &n != node {
        out.push((Edit::SetNodes(vec![n]), Some(format!("node:{}", node.id))));
    }
}

fn specs_ui(ui: &mut Ui, state: &EditorState, n: &Node) {
    use crate::model::catalog::Entry;
    let Some(entry) = state.catalog.entry(&n.model) else {
        return;
    };
    ui.separator();
    ui.strong("Key specs");
    let c = n.count as f64;
    match entry {
        Entry::System(s) => {
            let dev = state.catalog.device(&s.device);
            ui.label(format!(
                "{} × {} per member, {} in the group",
                s.devices,
                dev.map(|d| d.name.as_str()).unwrap_or(&s.device),
                s.devices as f64 * c
            ));
            if let Some(spec) = dev.and_then(|d| d.neuromorphic.as_ref()) {
                neuromorphic_specs_ui(ui, spec, s.devices as f64 * c);
            }
            if let (Some(spec), Some(offer)) = (dev.and_then(|d| d.quantum.as_ref()), s.quantum.as_ref()) {
                quantum_specs_ui(ui, spec, offer);
            }
            if let Some(d) = dev
                && let Some(bf16) = d.peak_tflops.bf16
            {
                ui.label(format!(
                    "{bf16:.0} TFLOP/s BF16 per device, {:.0} GB at {:.0} GB/s",
                    d.memory_gb, d.memory_bw_gbs
                ));
            }
            if s.nics > 0 {
                ui.label(format!(
                    "{} × {:.0} Gb/s NICs, scale-up {:.0} GB/s",
                    s.nics, s.nic_gbps, s.scale_up_gbs
                ));
            }
            // A cloud QPU's power is in its provider's price.
            if s.quantum.is_none() {
                ui.label(format!(
                    "{:.1} kW per member, {:.0} kW in the group",
                    s.power_w / 1000.0,
                    s.power_w * c / 1000.0
                ));
            }
            if s.price_usd > 0.0 {
                ui.label(format!(
                    "${:.0} per member, ${:.2} M in the group",
                    s.price_usd,
                    s.price_usd * c / 1e6
                ));
            }
            if let Some(cl) = &s.cloud {
                ui.label(format!(
                    "${:.2}/h on demand per member, ${:.0}/h in the group",
                    cl.on_demand_usd_per_hour,
                    cl.on_demand_usd_per_hour * c
                ));
            }
        }
        Entry::Storage(s) => {
            ui.label(format!(
                "{:.0} GB/s read, {:.0} GB/s write per member",
                s.read_gbs, s.write_gbs
            ));
            ui.label(format!("{:.1} ms to first byte", s.latency_ms));
            if s.usd_per_gb_month > 0.0 {
                ui.label(format!("${:.3} per GB-month", s.usd_per_gb_month));
            }
        }
        Entry::Switch(s) => {
            ui.label(format!(
                "{} ports × {:.0} Gb/s, {:.0} ns",
                s.ports, s.port_gbps, s.latency_ns
            ));
            ui.label(format!("${:.0} and {:.0} W per switch", s.price_usd, s.power_w));
        }
        Entry::Device(_) => {}
    }
    price_date_ui(ui, state, &n.model);
}

/// When the entry's price was taken and how sure it is (source on hover).
fn price_date_ui(ui: &mut Ui, state: &EditorState, model: &str) {
    let entries = state.catalog.priced_entries();
    let Some(e) = entries.iter().find(|e| e.id == model) else {
        return;
    };
    let Some(r) = e.price_ref else {
        ui.colored_label(ui.visuals().warn_fg_color, "Price has no date or source");
        return;
    };
    let mut text = format!("Price as of {}", r.as_of);
    if let Some((lo, hi)) = r.range {
        text.push_str(&format!(
            ", range {}–{} {}",
            crate::format::si(lo),
            crate::format::si(hi),
            e.price.unit()
        ));
    }
    if let Some(h) = r.history.first() {
        text.push_str(&format!(
            " (was {} {} in {})",
            crate::format::si(h.usd),
            e.price.unit(),
            h.as_of
        ));
    }
    ui.weak(text).on_hover_text(&r.source);
}

pub(super) fn nodes_ui(ui: &mut Ui, state: &EditorState, nodes: &[&Node], out: &mut Vec<KeyedEdit>) {
    ui.heading(format!("{} nodes", nodes.len()));
    ui.weak("Changes apply to every selected node");
    let first = nodes[0];
    let same_kind = nodes.iter().all(|n| n.kind == first.kind);
    let mut count = first.count;
    let mut site = first.site.clone();
    let mut model = first.model.clone();
    grid(ui, "nodes_grid", |ui| {
        let mixed = |b: bool| if b { "" } else { " (mixed)" };
        num(
            ui,
            &format!("Count{}", mixed(nodes.iter().all(|n| n.count == first.count))),
            &mut count,
            "×",
            0..=1_000_000,
            "Members in each selected group",
        );
        combo(
            ui,
            &format!("Site{}", mixed(nodes.iter().all(|n| n.site == first.site))),
            &mut site,
            &site_options(state),
            "Move every selected node to this site",
        );
        if same_kind && first.kind.catalog_category() != CatalogCategory::None {
            combo(
                ui,
                &format!("Model{}", mixed(nodes.iter().all(|n| n.model == first.model))),
                &mut model,
                &model_options(state, first.kind),
                "Catalog entry for every selected node",
            );
        }
    });
    let mut changed = Vec::new();
    for n in nodes {
        let mut m = (*n).clone();
        if count != first.count {
            m.count = count;
        }
        if site != first.site {
            m.site = site.clone();
        }
        if model != first.model {
            m.model = model.clone();
        }
        if &m != *n {
            changed.push(m);
        }
    }
    if !changed.is_empty() {
        out.push((Edit::SetNodes(changed), Some("nodes".into())));
    }
}

/// The figures of a neuromorphic chip, always with the experimental label.
fn neuromorphic_specs_ui(ui: &mut Ui, spec: &crate::model::catalog::NeuromorphicSpec, chips: f64) {
    use crate::format::si;
    ui.colored_label(
        ui.visuals().warn_fg_color,
        format!("⚠ {}", crate::sim::spiking::EXPERIMENTAL_LABEL),
    );
    ui.label(format!("{}, {} cores per chip", spec.style.label(), spec.cores));
    let per_group = |v: Option<f64>| v.map(|x| si(x * chips)).unwrap_or_else(|| "not published".into());
    ui.label(format!(
        "{} neurons, {} synapses in the group",
        per_group(spec.neurons),
        per_group(spec.synapses)
    ));
    let rate = |v: Option<f64>| v.map(si).unwrap_or_else(|| "not published".into());
    ui.label(format!(
        "Synaptic ops/s per chip: {}; dense ops/s per chip: {}",
        rate(spec.synaptic_ops_per_s),
        rate(spec.dense_ops_per_s)
    ));
    ui.label(match (spec.energy_per_op_pj, spec.static_w) {
        (Some(pj), Some(w)) => format!("{pj:.3} pJ per op, {w:.2} W static per chip"),
        _ => "energy per op and static power: not published (cannot be simulated)".to_owned(),
    });
    if let Some(io) = spec.io_gbps {
        ui.label(format!("{io:.1} Gb/s I/O per chip"));
    }
}

/// The figures of a cloud QPU and its provider's offer, with the
/// experimental label and the estimates called out.
fn quantum_specs_ui(
    ui: &mut Ui,
    spec: &crate::model::quantum::QuantumSpec,
    offer: &crate::model::quantum::QuantumOffer,
) {
    use crate::format::duration;
    ui.colored_label(
        ui.visuals().warn_fg_color,
        format!("⚠ {}", crate::sim::quantum::EXPERIMENTAL_LABEL),
    );
    ui.label(format!("{} qubits, {}", spec.qubits, spec.tech.label()));
    let pct = |f: Option<f64>| {
        f.map(|f| format!("{:.2} %", f * 100.0))
            .unwrap_or_else(|| "not published".into())
    };
    ui.label(format!(
        "Fidelity: 1-qubit {}, 2-qubit {}",
        pct(spec.fidelity_1q),
        pct(spec.fidelity_2q)
    ));
    ui.label(format!(
        "Gates {} / {} ({}), {} per shot, {} per task",
        duration(spec.gate_1q_s),
        duration(spec.gate_2q_s),
        if spec.parallel_gates {
            "in parallel layers"
        } else {
            "one after another"
        },
        duration(spec.shot_overhead_s),
        duration(spec.task_overhead_s)
    ));
    ui.label(format!("{}: {}", offer.provider, offer.pricing.label()));
    ui.label(format!(
        "Queue: median {}, 90th percentile {}{}",
        duration(offer.queue.median_s),
        duration(offer.queue.p90_s),
        if offer.queue_estimated { " (estimate)" } else { "" }
    ));
}
