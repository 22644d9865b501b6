//! The inspector: typed fields with units for the selected node, link, site
//! or stage (or the plan when nothing is selected). Each change becomes an
//! [`Edit`]; typing into one element merges into one undo step.

use crate::model::edit::Edit;
use crate::model::*;
use crate::ui::palette::models;
use crate::ui::state::{EditorState, Sel};
use crate::ui::theme;
use egui::{DragValue, Ui, emath::Numeric};

/// An edit with its merge key (same key within a moment = one undo step).
pub type KeyedEdit = (Edit, Option<String>);

pub fn inspector_ui(ui: &mut Ui, state: &EditorState, out: &mut Vec<KeyedEdit>) {
    egui::ScrollArea::vertical().auto_shrink([false, false]).show(ui, |ui| {
        let sel: Vec<&Sel> = state.selection.iter().collect();
        let nodes: Vec<&Node> = sel
            .iter()
            .filter_map(|s| match s {
                Sel::Node(id) => state.plan.node(id),
                _ => None,
            })
            .collect();
        let links: Vec<&Link> = sel
            .iter()
            .filter_map(|s| match s {
                Sel::Link(id) => state.plan.link(id),
                _ => None,
            })
            .collect();
        match sel.as_slice() {
            [] => plan_ui(ui, state, out),
            [Sel::Node(_)] if nodes.len() == 1 => node_ui(ui, state, nodes[0], out),
            [Sel::Link(_)] if links.len() == 1 => link_ui(ui, state, links[0], out),
            [Sel::Site(id)] => {
                if let Some(site) = state.plan.site(id) {
                    site_ui(ui, state, site, out);
                }
            }
            [Sel::Stage(id)] => {
                if let Some(stage) = state.plan.stage(id) {
                    stage_ui(ui, state, stage, out);
                }
            }
            _ if !nodes.is_empty() && nodes.len() == sel.len() => nodes_ui(ui, state, &nodes, out),
            _ if !links.is_empty() && links.len() == sel.len() => links_ui(ui, &links, out),
            _ => {
                ui.heading(format!("{} elements", sel.len()));
                ui.label(format!("{} nodes, {} links", nodes.len(), links.len()));
                ui.label("Select only nodes or only links to edit shared fields");
            }
        }
        problems_of_selection_ui(ui, state);
    });
}

fn grid(ui: &mut Ui, id: &str, add: impl FnOnce(&mut Ui)) {
    egui::Grid::new(id)
        .num_columns(2)
        .spacing([10.0, 6.0])
        .striped(false)
        .show(ui, add);
}

/// A labelled number with a unit.
fn num<T: Numeric>(ui: &mut Ui, label: &str, value: &mut T, unit: &str, range: std::ops::RangeInclusive<T>, tip: &str) {
    let l = ui.label(label);
    let speed = {
        let v = value.to_f64().abs();
        (v * 0.01).max(if T::INTEGRAL { 0.1 } else { 0.001 })
    };
    let mut dv = DragValue::new(value).range(range).speed(speed);
    if !unit.is_empty() {
        dv = dv.suffix(format!(" {unit}"));
    }
    ui.add(dv).labelled_by(l.id).on_hover_text(tip);
    ui.end_row();
}

fn text(ui: &mut Ui, label: &str, value: &mut String, tip: &str) {
    let l = ui.label(label);
    ui.add(egui::TextEdit::singleline(value).desired_width(180.0))
        .labelled_by(l.id)
        .on_hover_text(tip);
    ui.end_row();
}

fn combo<T: PartialEq + Clone>(ui: &mut Ui, label: &str, value: &mut T, options: &[(T, String)], tip: &str) {
    let l = ui.label(label);
    let current = options
        .iter()
        .find(|(v, _)| v == value)
        .map(|(_, s)| s.split(" — ").next().unwrap_or(s).to_owned())
        .unwrap_or_else(|| "—".into());
    let r = egui::ComboBox::from_id_salt(label)
        .selected_text(egui::RichText::new(current))
        .width(180.0)
        .truncate()
        .show_ui(ui, |ui| {
            for (v, s) in options {
                ui.selectable_value(value, v.clone(), s);
            }
        });
    r.response.labelled_by(l.id).on_hover_text(tip);
    ui.end_row();
}

fn plan_ui(ui: &mut Ui, state: &EditorState, out: &mut Vec<KeyedEdit>) {
    ui.heading("Plan");
    let mut name = state.plan.name.clone();
    let mut description = state.plan.description.clone();
    let mut settings = state.plan.settings.clone();
    grid(ui, "plan_grid", |ui| {
        text(ui, "Name", &mut name, "Name of the plan (shown in reports)");
        let l = ui.label("Description");
        egui::ScrollArea::vertical()
            .max_height(90.0)
            .id_salt("description_scroll")
            .show(ui, |ui| {
                ui.add(
                    egui::TextEdit::multiline(&mut description)
                        .desired_rows(3)
                        .desired_width(180.0),
                )
                .labelled_by(l.id)
                .on_hover_text("What this plan is for");
            });
        ui.end_row();
        num(
            ui,
            "Seed",
            &mut settings.seed,
            "",
            0..=u64::MAX,
            "Random seed: the same seed gives the same results",
        );
        num(
            ui,
            "Detailed iterations",
            &mut settings.detailed_iterations,
            "",
            1..=1000,
            "Training iterations simulated in full before extrapolating",
        );
        num(
            ui,
            "Cost horizon",
            &mut settings.tco_horizon_years,
            "years",
            0.1..=20.0,
            "Period over which on-prem and cloud costs are compared",
        );
        // Stored as a fraction, edited as a percentage; only a changed
        // percentage is written back (x * 100 / 100 need not round-trip).
        let percent = settings.tco_utilization * 100.0;
        let mut edited = percent;
        num(
            ui,
            "Cost utilization",
            &mut edited,
            "%",
            0.0..=100.0,
            "Share of the hours the compute is needed, for the own-vs-rent comparison: \
             rented capacity is paid only for the hours needed, owned capacity all the time",
        );
        if edited != percent {
            settings.tco_utilization = (edited / 100.0).clamp(0.0, 1.0);
        }
    });
    if name != state.plan.name || description != state.plan.description || settings != state.plan.settings {
        out.push((
            Edit::SetPlanInfo {
                name,
                description,
                settings,
            },
            Some("plan".into()),
        ));
    }
    ui.separator();
    let p = &state.plan;
    ui.label(format!(
        "{} sites · {} node groups · {} links · {} stages",
        p.sites.len(),
        p.nodes.len(),
        p.links.len(),
        p.stages.len()
    ));
    let devices: u64 = p
        .nodes
        .iter()
        .map(|n| {
            state
                .catalog
                .system(&n.model)
                .map_or(0, |s| n.count as u64 * s.devices as u64)
        })
        .sum();
    let servers: u64 = p.nodes.iter().map(|n| n.count as u64).sum();
    ui.label(format!("{servers} members in total, {devices} accelerators"));
    ui.weak("Select a node, link or site on the canvas to edit it");
}

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

fn node_ui(ui: &mut Ui, state: &EditorState, node: &Node, out: &mut Vec<KeyedEdit>) {
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

fn optional(ui: &mut Ui, label: &str, value: &mut Option<f64>, default: f64, unit: &str, tip: &str) {
    let l = ui.label(label);
    ui.horizontal(|ui| {
        let mut on = value.is_some();
        if ui
            .checkbox(&mut on, "")
            .on_hover_text(format!("Override: {tip}"))
            .changed()
        {
            *value = if on { Some(default) } else { None };
        }
        if let Some(v) = value {
            let speed = (*v * 0.01).max(0.001);
            let mut dv = DragValue::new(v).speed(speed);
            if !unit.is_empty() {
                dv = dv.suffix(format!(" {unit}"));
            }
            ui.add(dv).labelled_by(l.id).on_hover_text(tip);
        } else {
            ui.weak("catalog");
        }
    });
    ui.end_row();
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
            ui.label(format!(
                "{:.1} kW per member, {:.0} kW in the group",
                s.power_w / 1000.0,
                s.power_w * c / 1000.0
            ));
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
}

fn nodes_ui(ui: &mut Ui, state: &EditorState, nodes: &[&Node], out: &mut Vec<KeyedEdit>) {
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

fn medium_options() -> Vec<(Medium, String)> {
    Medium::ALL.iter().map(|m| (*m, m.label().to_owned())).collect()
}

fn link_ui(ui: &mut Ui, state: &EditorState, link: &Link, out: &mut Vec<KeyedEdit>) {
    let name = |id: &NodeId| {
        state
            .plan
            .node(id)
            .map(|n| n.name.clone())
            .unwrap_or_else(|| id.to_string())
    };
    ui.heading("Link");
    ui.weak(format!("{} ↔ {} · id {}", name(&link.from), name(&link.to), link.id));
    let mut l = link.clone();
    grid(ui, "link_grid", |ui| {
        combo(
            ui,
            "Medium",
            &mut l.medium,
            &medium_options(),
            "Physical medium: decides speed, latency and which ends it can join",
        );
        let patterns: Vec<(WiringPattern, String)> =
            WiringPattern::ALL.iter().map(|p| (*p, p.label().to_owned())).collect();
        combo(
            ui,
            "Wiring",
            &mut l.pattern,
            &patterns,
            "How the members of the two groups are cabled",
        );
        num(
            ui,
            "Lanes",
            &mut l.lanes,
            "",
            0..=1024,
            "Cables or ports in each connection",
        );
        num(
            ui,
            "Lane speed",
            &mut l.lane_gbps,
            "Gb/s",
            0.0..=100_000.0,
            "Line rate of one lane per direction",
        );
        num(
            ui,
            "Latency",
            &mut l.latency_us,
            "µs",
            0.0..=1e7,
            "One-way latency of the hop",
        );
    });
    if l.medium != link.medium {
        l.lane_gbps = l.medium.default_lane_gbps();
        l.latency_us = l.medium.default_latency_us();
    }
    ui.label(format!(
        "{} per connection",
        crate::ui::canvas::draw::gbps_label(l.connection_gbps())
    ));
    if let Err(why) = crate::model::validate::medium_can_join(
        l.medium,
        state.plan.node(&l.from).map(|n| n.kind).unwrap_or(NodeKind::GpuServer),
        state.plan.node(&l.to).map(|n| n.kind).unwrap_or(NodeKind::GpuServer),
    ) {
        ui.colored_label(ui.visuals().warn_fg_color, why);
    }
    if &l != link {
        out.push((Edit::SetLinks(vec![l]), Some(format!("link:{}", link.id))));
    }
}

fn links_ui(ui: &mut Ui, links: &[&Link], out: &mut Vec<KeyedEdit>) {
    ui.heading(format!("{} links", links.len()));
    ui.weak("Changes apply to every selected link");
    let first = links[0];
    let mut medium = first.medium;
    let mut lanes = first.lanes;
    let mut gbps = first.lane_gbps;
    grid(ui, "links_grid", |ui| {
        combo(
            ui,
            "Medium",
            &mut medium,
            &medium_options(),
            "Medium of every selected link",
        );
        num(ui, "Lanes", &mut lanes, "", 0..=1024, "Lanes of every selected link");
        num(
            ui,
            "Lane speed",
            &mut gbps,
            "Gb/s",
            0.0..=100_000.0,
            "Lane speed of every selected link",
        );
    });
    let mut changed = Vec::new();
    for l in links {
        let mut m = (*l).clone();
        if medium != first.medium {
            m.medium = medium;
            m.lane_gbps = medium.default_lane_gbps();
            m.latency_us = medium.default_latency_us();
        }
        if lanes != first.lanes {
            m.lanes = lanes;
        }
        if gbps != first.lane_gbps {
            m.lane_gbps = gbps;
        }
        if &m != *l {
            changed.push(m);
        }
    }
    if !changed.is_empty() {
        out.push((Edit::SetLinks(changed), Some("links".into())));
    }
}

fn site_ui(ui: &mut Ui, _state: &EditorState, site: &Site, out: &mut Vec<KeyedEdit>) {
    ui.heading(format!("{}  {}", theme::site_icon(&site.kind), site.name));
    ui.weak(format!("{} site · id {}", site.kind.label(), site.id));
    let mut s = site.clone();
    grid(ui, "site_grid", |ui| {
        text(ui, "Name", &mut s.name, "Display name of the site");
        num(
            ui,
            "Grid carbon",
            &mut s.carbon_kg_per_kwh,
            "kg CO₂e/kWh",
            0.0..=2.0,
            "Carbon intensity of the electricity used",
        );
        match &mut s.kind {
            SiteKind::OnPrem(o) => {
                num(
                    ui,
                    "Amortization",
                    &mut o.amortization_years,
                    "years",
                    0.0..=30.0,
                    "Years over which hardware is written off",
                );
                num(
                    ui,
                    "Power price",
                    &mut o.power_usd_per_kwh,
                    "USD/kWh",
                    0.0..=10.0,
                    "Electricity price",
                );
                num(
                    ui,
                    "PUE",
                    &mut o.pue,
                    "",
                    1.0..=5.0,
                    "Facility power over IT power (1.1 hyperscale to 1.6 average)",
                );
                num(
                    ui,
                    "Operations",
                    &mut o.operations_usd_per_year,
                    "USD/year",
                    0.0..=1e10,
                    "Staff, support, colocation",
                );
                num(
                    ui,
                    "Facility capex",
                    &mut o.facility_capex_usd,
                    "USD",
                    0.0..=1e11,
                    "One-off build-out and cooling",
                );
            }
            SiteKind::Cloud(c) => {
                let providers = [
                    CloudProvider::Aws,
                    CloudProvider::Gcp,
                    CloudProvider::Azure,
                    CloudProvider::Oci,
                    CloudProvider::Other,
                ]
                .iter()
                .map(|p| (*p, format!("{p:?}")))
                .collect::<Vec<_>>();
                combo(ui, "Provider", &mut c.provider, &providers, "Cloud provider");
                text(ui, "Region", &mut c.region, "Cloud region, e.g. us-east-1");
                let pricing = [PricingModel::OnDemand, PricingModel::Reserved, PricingModel::Spot]
                    .iter()
                    .map(|p| (*p, format!("{p:?}")))
                    .collect::<Vec<_>>();
                combo(ui, "Pricing", &mut c.pricing, &pricing, "How instances are paid for");
                num(
                    ui,
                    "Egress",
                    &mut c.egress_usd_per_gb,
                    "USD/GB",
                    0.0..=10.0,
                    "Internet egress price",
                );
                num(
                    ui,
                    "Reserved discount",
                    &mut c.reserved_discount,
                    "",
                    0.0..=0.99,
                    "Fraction off on-demand for commitments",
                );
                num(
                    ui,
                    "Spot discount",
                    &mut c.spot_discount,
                    "",
                    0.0..=0.99,
                    "Fraction off on-demand for spot capacity",
                );
                num(
                    ui,
                    "Spot preemptions",
                    &mut c.spot_preemptions_per_hour,
                    "/h",
                    0.0..=10.0,
                    "Expected preemptions per instance-hour",
                );
            }
            SiteKind::Edge(e) => {
                num(
                    ui,
                    "Locations",
                    &mut e.locations,
                    "",
                    0..=1_000_000,
                    "Places devices are deployed",
                );
                num(
                    ui,
                    "Power price",
                    &mut e.power_usd_per_kwh,
                    "USD/kWh",
                    0.0..=10.0,
                    "Electricity price at the edge",
                );
                num(
                    ui,
                    "Amortization",
                    &mut e.amortization_years,
                    "years",
                    0.0..=30.0,
                    "Years over which devices are written off",
                );
            }
        }
    });
    if &s != site {
        out.push((Edit::SetSite(s), Some(format!("site:{}", site.id))));
    }
}

fn node_options(state: &EditorState, filter: impl Fn(&Node) -> bool) -> Vec<(NodeId, String)> {
    let mut v: Vec<(NodeId, String)> = state
        .plan
        .nodes
        .iter()
        .filter(|n| filter(n))
        .map(|n| (n.id.clone(), format!("{} {}", theme::node_icon(n.kind), n.name)))
        .collect();
    v.insert(0, (NodeId::default(), "(none)".into()));
    v
}

fn precision_options() -> Vec<(Precision, String)> {
    Precision::ALL.iter().map(|p| (*p, p.label().to_owned())).collect()
}

pub fn stage_ui(ui: &mut Ui, state: &EditorState, stage: &Stage, out: &mut Vec<KeyedEdit>) {
    ui.heading(format!("▶  {}", stage.name));
    ui.weak(format!("{} stage · id {}", stage.kind.label(), stage.id));
    let mut s = stage.clone();
    let storage = node_options(state, |n| n.kind.role() == NodeRole::Storage);
    grid(ui, "stage_grid", |ui| {
        text(ui, "Name", &mut s.name, "Display name of the stage");
        model_fields(ui, &mut s.kind);
        match &mut s.kind {
            StageKind::Train(t) => {
                num(
                    ui,
                    "Tokens",
                    &mut t.tokens,
                    "tokens",
                    0.0..=1e16,
                    "Tokens (or samples) to train on",
                );
                num(
                    ui,
                    "Global batch",
                    &mut t.global_batch,
                    "seq",
                    1..=1_000_000,
                    "Global batch in sequences",
                );
                num(
                    ui,
                    "Micro-batch",
                    &mut t.micro_batch,
                    "seq",
                    1..=65_536,
                    "Micro-batch in sequences",
                );
                combo(
                    ui,
                    "Precision",
                    &mut t.precision,
                    &precision_options(),
                    "Numeric precision of compute",
                );
                num(ui, "TP", &mut t.parallelism.tp, "", 1..=1024, "Tensor-parallel degree");
                num(
                    ui,
                    "PP",
                    &mut t.parallelism.pp,
                    "",
                    1..=1024,
                    "Pipeline-parallel degree",
                );
                num(
                    ui,
                    "DP",
                    &mut t.parallelism.dp,
                    "",
                    1..=1_000_000,
                    "Data-parallel degree",
                );
                num(
                    ui,
                    "ZeRO stage",
                    &mut t.parallelism.zero_stage,
                    "",
                    0..=3,
                    "0 = plain DP, 3 = fully sharded",
                );
                let mut src = t.data_source.clone().unwrap_or_default();
                combo(
                    ui,
                    "Data source",
                    &mut src,
                    &storage,
                    "Storage the training data is read from",
                );
                t.data_source = (!src.0.is_empty()).then_some(src);
                let l = ui.label("Overlap gradients");
                ui.checkbox(&mut t.overlap_grad_reduce, "")
                    .labelled_by(l.id)
                    .on_hover_text("Overlap the data-parallel reduction with backward compute");
                ui.end_row();
            }
            StageKind::Validate(v) => {
                num(
                    ui,
                    "Tokens",
                    &mut v.tokens,
                    "tokens",
                    0.0..=1e15,
                    "Evaluation tokens (forward passes only)",
                );
                combo(
                    ui,
                    "Precision",
                    &mut v.precision,
                    &precision_options(),
                    "Numeric precision of compute",
                );
            }
            StageKind::Serve(sv) => {
                let sources = node_options(state, |n| n.kind == NodeKind::RequestSource);
                combo(
                    ui,
                    "Request source",
                    &mut sv.source,
                    &sources,
                    "Where requests come from",
                );
                num(
                    ui,
                    "Request rate",
                    &mut sv.rate_rps,
                    "req/s",
                    0.0..=1e7,
                    "Mean requests per second",
                );
                num(
                    ui,
                    "Prompt length",
                    &mut sv.prompt_tokens.mean,
                    "tokens",
                    1.0..=1e6,
                    "Mean prompt tokens",
                );
                num(
                    ui,
                    "Output length",
                    &mut sv.output_tokens.mean,
                    "tokens",
                    1.0..=1e6,
                    "Mean generated tokens",
                );
                num(
                    ui,
                    "TTFT target",
                    &mut sv.ttft_slo_s,
                    "s",
                    0.0..=600.0,
                    "p99 time to first token",
                );
                num(
                    ui,
                    "TPOT target",
                    &mut sv.tpot_slo_s,
                    "s",
                    0.0..=60.0,
                    "p99 time per output token",
                );
                combo(
                    ui,
                    "Quantization",
                    &mut sv.quantization,
                    &precision_options(),
                    "Precision of served weights",
                );
                num(ui, "TP per replica", &mut sv.tp, "", 1..=64, "Devices per replica");
                num(
                    ui,
                    "Duration",
                    &mut sv.duration_s,
                    "s",
                    1.0..=1e8,
                    "Simulated serving period",
                );
                let l = ui.label("Optimized kernels");
                ui.checkbox(&mut sv.optimized_kernels, "")
                    .labelled_by(l.id)
                    .on_hover_text("TensorRT-LLM class inference engine");
                ui.end_row();
            }
            StageKind::Ingest(d) | StageKind::Preprocess(d) => {
                num(
                    ui,
                    "Dataset",
                    &mut d.dataset_tb,
                    "TB",
                    0.0..=1e6,
                    "Raw (uncompressed) size",
                );
                num(
                    ui,
                    "Partitions",
                    &mut d.partitions,
                    "files",
                    1..=100_000_000,
                    "Number of files / partitions",
                );
                num(
                    ui,
                    "Columns read",
                    &mut d.columns_read,
                    "",
                    0.0..=1.0,
                    "Fraction of columns a reader needs",
                );
                let formats = [
                    DataFormat::Csv,
                    DataFormat::Json,
                    DataFormat::Parquet,
                    DataFormat::Orc,
                    DataFormat::Binary,
                ]
                .iter()
                .map(|f| (*f, format!("{f:?}")))
                .collect::<Vec<_>>();
                combo(ui, "Input format", &mut d.input_format, &formats, "File format read");
                combo(
                    ui,
                    "Output format",
                    &mut d.output_format,
                    &formats,
                    "File format written",
                );
                combo(ui, "Source", &mut d.source, &storage, "Storage read from");
                combo(ui, "Destination", &mut d.destination, &storage, "Storage written to");
            }
            StageKind::Checkpoint(c) => {
                num(
                    ui,
                    "Size",
                    &mut c.size_gb,
                    "GB",
                    0.0..=1e7,
                    "Bytes written: weights and optimizer state",
                );
                combo(ui, "Target", &mut c.target, &storage, "Storage written to");
            }
        }
    });
    ui.separator();
    ui.strong("Runs after");
    for other in &state.plan.stages {
        if other.id == stage.id {
            continue;
        }
        let mut on = s.after.contains(&other.id);
        if ui
            .checkbox(&mut on, &other.name)
            .on_hover_text(format!("Start only after '{}' finishes", other.name))
            .changed()
        {
            if on {
                s.after.push(other.id.clone());
            } else {
                s.after.retain(|d| d != &other.id);
            }
        }
    }
    ui.separator();
    ui.strong("Placement");
    let mut remove = None;
    for id in &s.placement {
        ui.horizontal(|ui| {
            let name = state
                .plan
                .node(id)
                .map(|n| n.name.clone())
                .unwrap_or_else(|| format!("{id} (missing)"));
            ui.label(name);
            if ui
                .small_button("✖")
                .on_hover_text("Remove from the placement")
                .clicked()
            {
                remove = Some(id.clone());
            }
        });
    }
    if let Some(r) = remove {
        s.placement.retain(|p| p != &r);
    }
    let selected = state.selected_nodes();
    if ui
        .add_enabled(!selected.is_empty(), egui::Button::new("Place on selected nodes"))
        .on_hover_text("Select nodes on the canvas (shift-click for several), then place the stage on them")
        .on_disabled_hover_text("Select nodes on the canvas first")
        .clicked()
    {
        s.placement = selected;
    }
    if &s != stage {
        out.push((Edit::SetStage(s), Some(format!("stage:{}", stage.id))));
    }
}

fn model_fields(ui: &mut Ui, kind: &mut StageKind) {
    let model = match kind {
        StageKind::Train(t) => &mut t.model,
        StageKind::Validate(v) => &mut v.model,
        StageKind::Serve(s) => &mut s.model,
        _ => return,
    };
    match model {
        ModelSpec::Transformer(t) => {
            num(ui, "Layers", &mut t.layers, "", 1..=1000, "Transformer layers");
            num(ui, "Hidden", &mut t.hidden, "", 1..=1_000_000, "Hidden size");
            num(ui, "Heads", &mut t.heads, "", 1..=1024, "Attention heads");
            num(
                ui,
                "Sequence",
                &mut t.seq_len,
                "tokens",
                1..=10_000_000,
                "Sequence length",
            );
        }
        ModelSpec::Params { params_b, seq_len } => {
            num(
                ui,
                "Parameters",
                params_b,
                "B",
                0.0..=100_000.0,
                "Parameter count in billions",
            );
            num(ui, "Sequence", seq_len, "tokens", 1..=10_000_000, "Sequence length");
        }
        ModelSpec::Cnn {
            gflops_per_sample,
            params_m,
            ..
        } => {
            num(
                ui,
                "Cost",
                gflops_per_sample,
                "GFLOP/sample",
                0.0..=1e6,
                "Forward cost of one sample",
            );
            num(
                ui,
                "Parameters",
                params_m,
                "M",
                0.0..=1e6,
                "Parameter count in millions",
            );
        }
        ModelSpec::Trees { trees, depth, features } => {
            num(ui, "Trees", trees, "", 1..=100_000, "Trees in the ensemble");
            num(ui, "Depth", depth, "", 1..=64, "Depth of each tree");
            num(ui, "Features", features, "", 1..=1_000_000, "Input features");
        }
    }
}

fn problems_of_selection_ui(ui: &mut Ui, state: &EditorState) {
    let subjects: Vec<Subject> = state
        .selection
        .iter()
        .map(|s| match s {
            Sel::Node(id) => Subject::Node(id.clone()),
            Sel::Link(id) => Subject::Link(id.clone()),
            Sel::Site(id) => Subject::Site(id.clone()),
            Sel::Stage(id) => Subject::Stage(id.clone()),
        })
        .collect();
    let problems: Vec<&Problem> = state
        .problems
        .iter()
        .filter(|p| subjects.contains(&p.subject) || (subjects.is_empty() && p.subject == Subject::Plan))
        .collect();
    if problems.is_empty() {
        return;
    }
    ui.separator();
    ui.strong("Problems");
    for p in problems {
        let (color, icon) = match p.severity {
            Severity::Error => (ui.visuals().error_fg_color, "⛔"),
            Severity::Warning => (ui.visuals().warn_fg_color, "⚠"),
        };
        ui.colored_label(color, format!("{icon} {}", p.message));
        if !p.hint.is_empty() {
            ui.weak(&p.hint);
        }
    }
}
