//! The palette: hardware from the catalog, sites and lifecycle stages, by
//! category, with a search box. Items are dragged onto the canvas, or
//! clicked and then placed with a click on the canvas.

use crate::model::{Catalog, CatalogCategory, NodeKind};
use crate::ui::commands::{SiteTemplate, StageTemplate};
use crate::ui::theme;

/// What a palette item creates.
#[derive(Clone, Debug, PartialEq)]
pub enum PaletteItem {
    Node { kind: NodeKind, model: String },
    Site(SiteTemplate),
    Stage(StageTemplate),
}

impl PaletteItem {
    pub fn label(&self) -> String {
        match self {
            PaletteItem::Node { kind, model } if model.is_empty() => kind.label().to_owned(),
            PaletteItem::Node { model, .. } => model.clone(),
            PaletteItem::Site(t) => t.label().to_owned(),
            PaletteItem::Stage(t) => format!("{} stage", t.label()),
        }
    }
}

/// First catalog model usable as `kind` (empty for kinds without a catalog entry).
pub fn first_model(catalog: &Catalog, kind: NodeKind) -> Option<String> {
    models(catalog, kind).into_iter().next().map(|(id, _, _)| id)
}

/// Catalog models for a node kind: (id, name, key specs).
pub fn models(catalog: &Catalog, kind: NodeKind) -> Vec<(String, String, String)> {
    match kind.catalog_category() {
        CatalogCategory::System => catalog
            .systems_of(kind)
            .map(|s| {
                let dev = catalog.device(&s.device).map(|d| d.name.as_str()).unwrap_or(&s.device);
                let mut spec = format!("{} × {dev}", s.devices);
                if s.nics > 0 {
                    spec.push_str(&format!(", {} × {:.0} Gb/s NIC", s.nics, s.nic_gbps));
                }
                if s.price_usd > 0.0 {
                    spec.push_str(&format!(", ${:.0}k", s.price_usd / 1000.0));
                }
                if kind.is_experimental() {
                    spec.push_str(&format!(", {}", crate::sim::spiking::EXPERIMENTAL_LABEL));
                }
                if let Some(c) = &s.cloud {
                    spec.push_str(&format!(", ${:.2}/h", c.on_demand_usd_per_hour));
                }
                if let Some(q) = &s.quantum {
                    spec = format!("{}, {}", q.provider, crate::sim::quantum::EXPERIMENTAL_LABEL);
                    if let Some(d) = catalog.device(&s.device).and_then(|d| d.quantum.as_ref()) {
                        spec = format!("{} qubits {}, {spec}", d.qubits, d.tech.label());
                    }
                }
                (s.id.clone(), s.name.clone(), spec)
            })
            .collect(),
        CatalogCategory::Storage => catalog
            .storage_of(kind)
            .map(|s| {
                let spec = format!("{:.0} GB/s read, {:.0} GB/s write", s.read_gbs, s.write_gbs);
                (s.id.clone(), s.name.clone(), spec)
            })
            .collect(),
        CatalogCategory::Switch => catalog
            .switches
            .iter()
            .map(|s| {
                let medium = s.fabric().label();
                let spec = format!("{} × {:.0} Gb/s {medium}", s.ports, s.port_gbps);
                (s.id.clone(), s.name.clone(), spec)
            })
            .collect(),
        CatalogCategory::None => Vec::new(),
    }
}

#[derive(Default)]
pub struct PaletteState {
    pub search: String,
}

const CATEGORIES: &[(&str, &str, &[NodeKind])] = &[
    (
        "🖥",
        "Compute",
        &[
            NodeKind::GpuServer,
            NodeKind::TpuSlice,
            NodeKind::CpuServer,
            NodeKind::EdgeDevice,
            NodeKind::ServerlessEndpoint,
        ],
    ),
    (
        "🗄",
        "Storage",
        &[
            NodeKind::ObjectStore,
            NodeKind::ParallelFs,
            NodeKind::NvmeCache,
            NodeKind::DataLake,
            NodeKind::Warehouse,
        ],
    ),
    (
        "🔀",
        "Network",
        &[NodeKind::Switch, NodeKind::Gateway, NodeKind::RequestSource],
    ),
    // Experimental: figures from vendor publications (docs/experimental.md).
    (
        "🔬",
        "Experimental",
        &[NodeKind::Neuromorphic, NodeKind::QuantumService],
    ),
];

/// The palette panel. Returns an item the user clicked (to arm click-to-place).
pub fn palette_ui(ui: &mut egui::Ui, palette: &mut PaletteState, catalog: &Catalog) -> Option<PaletteItem> {
    let mut armed = None;
    let search = ui
        .add(
            egui::TextEdit::singleline(&mut palette.search)
                .hint_text("🔍 Search hardware…")
                .desired_width(f32::INFINITY),
        )
        .on_hover_text("Filter the palette by name, model or kind");
    ui.ctx()
        .accesskit_node_builder(search.id, |b| b.set_label("Search hardware"));
    let needle = palette.search.to_lowercase();
    let matches = |s: &str| needle.is_empty() || s.to_lowercase().contains(&needle);
    egui::ScrollArea::vertical().auto_shrink([false, false]).show(ui, |ui| {
        for (icon, category, kinds) in CATEGORIES {
            let mut items: Vec<(PaletteItem, String, String)> = Vec::new();
            for &kind in *kinds {
                let list = models(catalog, kind);
                if list.is_empty() {
                    let label = format!("{}  {}", theme::node_icon(kind), kind.label());
                    let detail = match kind.catalog_category() {
                        CatalogCategory::None => kind.label().to_owned(),
                        _ => "no catalog model yet".to_owned(),
                    };
                    if matches(&label) || matches(&detail) {
                        items.push((
                            PaletteItem::Node {
                                kind,
                                model: String::new(),
                            },
                            label,
                            detail,
                        ));
                    }
                }
                for (id, name, spec) in list {
                    let label = format!("{}  {name}", theme::node_icon(kind));
                    let detail = format!("{} · {spec}", kind.label());
                    if matches(&label) || matches(&id) || matches(&detail) {
                        items.push((PaletteItem::Node { kind, model: id }, label, detail));
                    }
                }
            }
            section_ui(ui, icon, category, items, &mut armed);
        }
        let sites = SiteTemplate::ALL
            .iter()
            .map(|t| {
                let icon = theme::site_icon(&t.kind());
                (
                    PaletteItem::Site(*t),
                    format!("{icon}  {}", t.label()),
                    "A container for nodes".to_owned(),
                )
            })
            .filter(|(_, l, _)| matches(l))
            .collect();
        section_ui(ui, "🏢", "Sites", sites, &mut armed);
        let stages = StageTemplate::ALL
            .iter()
            .map(|t| {
                (
                    PaletteItem::Stage(*t),
                    format!("▶  {}", t.label()),
                    "Drop on a node to run this stage there".to_owned(),
                )
            })
            .filter(|(_, l, _)| matches(l))
            .collect();
        section_ui(ui, "▶", "Workloads", stages, &mut armed);
    });
    armed
}

fn section_ui(
    ui: &mut egui::Ui,
    icon: &str,
    category: &str,
    items: Vec<(PaletteItem, String, String)>,
    armed: &mut Option<PaletteItem>,
) {
    if items.is_empty() {
        return;
    }
    egui::CollapsingHeader::new(format!("{icon}  {category}"))
        .default_open(true)
        .show(ui, |ui| {
            for (item, label, detail) in items {
                let response = ui
                    .add(
                        egui::Button::new(&label)
                            .sense(egui::Sense::click_and_drag())
                            .min_size(egui::vec2(ui.available_width(), 0.0)),
                    )
                    .on_hover_text(format!(
                        "{detail}\nDrag onto the canvas, or click and then click the canvas"
                    ));
                if response.drag_started() {
                    egui::DragAndDrop::set_payload(ui.ctx(), item.clone());
                }
                if response.dragged() {
                    ui.ctx().set_cursor_icon(egui::CursorIcon::Grabbing);
                    if let Some(p) = ui.ctx().pointer_interact_pos() {
                        let layer = egui::LayerId::new(egui::Order::Tooltip, egui::Id::unique("palette_drag"));
                        let painter = ui.ctx().layer_painter(layer);
                        let g = painter.layout_no_wrap(
                            label.clone(),
                            egui::FontId::proportional(14.0),
                            ui.visuals().text_color(),
                        );
                        let r = egui::Rect::from_min_size(p + egui::vec2(12.0, 12.0), g.size()).expand(6.0);
                        painter.rect(
                            r,
                            6,
                            ui.visuals().window_fill,
                            ui.visuals().window_stroke,
                            egui::StrokeKind::Inside,
                        );
                        painter.galley(p + egui::vec2(12.0, 12.0), g, ui.visuals().text_color());
                    }
                }
                if response.clicked() {
                    *armed = Some(item);
                }
            }
        });
}
