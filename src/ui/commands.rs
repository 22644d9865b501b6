//! User commands and what the editor starts new elements from.
//! [`UiCommand`] is every user command with its label and shortcut, from
//! which the menus are built; [`Arrange`] lines nodes up on the canvas grid;
//! the templates give new sites, nodes, links and stages their defaults.
//! The edits themselves are plain data in [`crate::model::edit`] (re-exported
//! here, so `ui::commands::Edit` keeps working).

use super::state::{GRID, NODE_SIZE, snap};
use crate::model::validate::medium_can_join;
use crate::model::*;
use crate::ui::files::ExportKind;
use egui::{Key, KeyboardShortcut, Modifiers};

pub use crate::model::edit::{Clip, Edit, fresh_id, fresh_link_id, fresh_node_id, fresh_site_id, fresh_stage_id, slug};

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
pub fn new_stage(plan: &Plan, kind: StageTemplate, placement: Vec<NodeId>) -> Stage {
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
        source: storage.clone(),
        destination: storage.clone(),
    };
    let stage_kind = match kind {
        StageTemplate::Ingest => StageKind::Ingest(data),
        StageTemplate::Preprocess => StageKind::Preprocess(data),
        StageTemplate::Train => StageKind::Train(TrainStage {
            model: llama7b,
            tokens: 1e11,
            global_batch: 512,
            micro_batch: 1,
            precision: Precision::Bf16,
            parallelism: Parallelism {
                tp: 1,
                pp: 1,
                dp: 8,
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

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StageTemplate {
    Ingest,
    Preprocess,
    Train,
    Validate,
    Checkpoint,
    Serve,
}

impl StageTemplate {
    pub const ALL: [StageTemplate; 6] = [
        StageTemplate::Ingest,
        StageTemplate::Preprocess,
        StageTemplate::Train,
        StageTemplate::Validate,
        StageTemplate::Checkpoint,
        StageTemplate::Serve,
    ];
    pub fn label(self) -> &'static str {
        match self {
            StageTemplate::Ingest => "Ingest",
            StageTemplate::Preprocess => "Preprocess",
            StageTemplate::Train => "Train",
            StageTemplate::Validate => "Validate",
            StageTemplate::Checkpoint => "Checkpoint",
            StageTemplate::Serve => "Serve",
        }
    }
}

/// Alignment and distribution of the selected nodes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arrange {
    AlignLeft,
    AlignRight,
    AlignTop,
    AlignBottom,
    AlignCenterH,
    AlignCenterV,
    DistributeH,
    DistributeV,
}

pub fn arrange(plan: &Plan, ids: &[NodeId], how: Arrange) -> Option<Edit> {
    let mut nodes: Vec<&Node> = plan.nodes.iter().filter(|n| ids.contains(&n.id)).collect();
    if nodes.len() < 2 {
        return None;
    }
    let (w, h) = (NODE_SIZE.x, NODE_SIZE.y);
    let min_x = nodes.iter().map(|n| n.pos.0).fold(f32::INFINITY, f32::min);
    let max_x = nodes.iter().map(|n| n.pos.0).fold(f32::NEG_INFINITY, f32::max);
    let min_y = nodes.iter().map(|n| n.pos.1).fold(f32::INFINITY, f32::min);
    let max_y = nodes.iter().map(|n| n.pos.1).fold(f32::NEG_INFINITY, f32::max);
    let mid_x = (min_x + max_x) / 2.0;
    let mid_y = (min_y + max_y) / 2.0;
    let mut out = Vec::new();
    match how {
        Arrange::AlignLeft => nodes.iter().for_each(|n| out.push((n.id.clone(), (min_x, n.pos.1)))),
        Arrange::AlignRight => nodes.iter().for_each(|n| out.push((n.id.clone(), (max_x, n.pos.1)))),
        Arrange::AlignTop => nodes.iter().for_each(|n| out.push((n.id.clone(), (n.pos.0, min_y)))),
        Arrange::AlignBottom => nodes.iter().for_each(|n| out.push((n.id.clone(), (n.pos.0, max_y)))),
        Arrange::AlignCenterH => nodes
            .iter()
            .for_each(|n| out.push((n.id.clone(), (n.pos.0, snap(mid_y))))),
        Arrange::AlignCenterV => nodes
            .iter()
            .for_each(|n| out.push((n.id.clone(), (snap(mid_x), n.pos.1)))),
        Arrange::DistributeH => {
            nodes.sort_by(|a, b| a.pos.0.total_cmp(&b.pos.0));
            let span = (max_x - min_x).max((nodes.len() - 1) as f32 * (w + GRID));
            let step = span / (nodes.len() - 1) as f32;
            for (i, n) in nodes.iter().enumerate() {
                out.push((n.id.clone(), (snap(min_x + step * i as f32), n.pos.1)));
            }
        }
        Arrange::DistributeV => {
            nodes.sort_by(|a, b| a.pos.1.total_cmp(&b.pos.1));
            let span = (max_y - min_y).max((nodes.len() - 1) as f32 * (h + GRID));
            let step = span / (nodes.len() - 1) as f32;
            for (i, n) in nodes.iter().enumerate() {
                out.push((n.id.clone(), (n.pos.0, snap(min_y + step * i as f32))));
            }
        }
    }
    Some(Edit::SetPositions(out))
}

/// Every user command: menus, shortcuts and context menus are built from this list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UiCommand {
    New,
    Open,
    Save,
    SaveAs,
    Presets,
    /// File > Export: a file dialog, then the report, plan copy or results.
    Export(ExportKind),
    Quit,
    Undo,
    Redo,
    Copy,
    Paste,
    Duplicate,
    Delete,
    SelectAll,
    FitView,
    ZoomIn,
    ZoomOut,
    ToggleGrid,
    ToggleMinimap,
    ToggleOverlay,
    ToggleTheme,
    Arrange(Arrange),
    Welcome,
    Tour,
    KeyboardShortcuts,
}

impl UiCommand {
    pub const FILE: &[UiCommand] = &[
        UiCommand::New,
        UiCommand::Open,
        UiCommand::Presets,
        UiCommand::Save,
        UiCommand::SaveAs,
        UiCommand::Export(ExportKind::ReportPng),
        UiCommand::Export(ExportKind::PlanRon),
        UiCommand::Export(ExportKind::ResultsJson),
        UiCommand::Export(ExportKind::ResultsCsv),
    ];
    pub const EDIT: &[UiCommand] = &[
        UiCommand::Undo,
        UiCommand::Redo,
        UiCommand::Copy,
        UiCommand::Paste,
        UiCommand::Duplicate,
        UiCommand::Delete,
        UiCommand::SelectAll,
    ];
    pub const VIEW: &[UiCommand] = &[
        UiCommand::FitView,
        UiCommand::ZoomIn,
        UiCommand::ZoomOut,
        UiCommand::ToggleGrid,
        UiCommand::ToggleMinimap,
        UiCommand::ToggleOverlay,
        UiCommand::ToggleTheme,
    ];
    pub const ARRANGE: &[UiCommand] = &[
        UiCommand::Arrange(Arrange::AlignLeft),
        UiCommand::Arrange(Arrange::AlignRight),
        UiCommand::Arrange(Arrange::AlignTop),
        UiCommand::Arrange(Arrange::AlignBottom),
        UiCommand::Arrange(Arrange::AlignCenterV),
        UiCommand::Arrange(Arrange::AlignCenterH),
        UiCommand::Arrange(Arrange::DistributeH),
        UiCommand::Arrange(Arrange::DistributeV),
    ];
    pub const HELP: &[UiCommand] = &[UiCommand::Welcome, UiCommand::Tour, UiCommand::KeyboardShortcuts];
    /// Every menu with its commands, in menu-bar order (Help › Keyboard
    /// shortcuts lists them from here).
    pub const MENUS: &[(&str, &[UiCommand])] = &[
        ("File", UiCommand::FILE),
        ("Edit", UiCommand::EDIT),
        ("View", UiCommand::VIEW),
        ("Arrange", UiCommand::ARRANGE),
        ("Help", UiCommand::HELP),
    ];
    /// Commands with shortcuts, most modifiers first so Ctrl+Shift+Z is
    /// not taken for Ctrl+Z.
    pub const SHORTCUT_ORDER: &[UiCommand] = &[
        UiCommand::SaveAs,
        UiCommand::Redo,
        UiCommand::Undo,
        UiCommand::New,
        UiCommand::Open,
        UiCommand::Save,
        UiCommand::Copy,
        UiCommand::Paste,
        UiCommand::Duplicate,
        UiCommand::SelectAll,
        UiCommand::Delete,
        UiCommand::FitView,
        UiCommand::ZoomIn,
        UiCommand::ZoomOut,
        UiCommand::KeyboardShortcuts,
    ];

    pub fn label(self) -> &'static str {
        match self {
            UiCommand::New => "New",
            UiCommand::Open => "Open…",
            UiCommand::Save => "Save",
            UiCommand::SaveAs => "Save as…",
            UiCommand::Presets => "Presets…",
            UiCommand::Export(kind) => match kind {
                ExportKind::ReportPng => "Export report (PNG)…",
                ExportKind::PlanRon => "Export plan (RON)…",
                ExportKind::ResultsJson => "Export results (JSON)…",
                ExportKind::ResultsCsv => "Export results (CSV)…",
                ExportKind::UtilizationCsv => "Export utilization (CSV)…",
            },
            UiCommand::Quit => "Quit",
            UiCommand::Undo => "Undo",
            UiCommand::Redo => "Redo",
            UiCommand::Copy => "Copy",
            UiCommand::Paste => "Paste",
            UiCommand::Duplicate => "Duplicate",
            UiCommand::Delete => "Delete",
            UiCommand::SelectAll => "Select all",
            UiCommand::FitView => "Fit to view",
            UiCommand::ZoomIn => "Zoom in",
            UiCommand::ZoomOut => "Zoom out",
            UiCommand::ToggleGrid => "Snap to grid",
            UiCommand::ToggleMinimap => "Minimap",
            UiCommand::ToggleOverlay => "Results on canvas",
            UiCommand::ToggleTheme => "Dark theme",
            UiCommand::Arrange(a) => match a {
                Arrange::AlignLeft => "Align left edges",
                Arrange::AlignRight => "Align right edges",
                Arrange::AlignTop => "Align top edges",
                Arrange::AlignBottom => "Align bottom edges",
                Arrange::AlignCenterV => "Align vertical centres",
                Arrange::AlignCenterH => "Align horizontal centres",
                Arrange::DistributeH => "Distribute horizontally",
                Arrange::DistributeV => "Distribute vertically",
            },
            UiCommand::Welcome => "Welcome",
            UiCommand::Tour => "Tour",
            UiCommand::KeyboardShortcuts => "Keyboard shortcuts",
        }
    }

    pub fn tooltip(self) -> &'static str {
        match self {
            UiCommand::New => "Start an empty plan",
            UiCommand::Open => "Open a plan file (.ron) or a report PNG",
            UiCommand::Save => "Save the plan to its file",
            UiCommand::SaveAs => "Save the plan to a new file",
            UiCommand::Presets => "Start from one of the shipped example plans",
            UiCommand::Export(kind) => match kind {
                ExportKind::ReportPng => {
                    "Write a PNG report of the plan and its current results (the plan is embedded)"
                }
                ExportKind::PlanRon => "Write a copy of the plan as a RON file (the open file stays the same)",
                ExportKind::ResultsJson => {
                    "Write the last run's results as JSON (as clusterforge simulate --json does)"
                }
                ExportKind::ResultsCsv => "Write the last run's metrics as CSV, one row per stage and metric",
                ExportKind::UtilizationCsv => "Write the utilization table of the last run as CSV",
            },
            UiCommand::Quit => "Close ClusterForge",
            UiCommand::Undo => "Undo the last edit",
            UiCommand::Redo => "Redo the last undone edit",
            UiCommand::Copy => "Copy the selected nodes as text",
            UiCommand::Paste => "Paste copied nodes into this plan",
            UiCommand::Duplicate => "Copy and paste the selected nodes",
            UiCommand::Delete => "Delete the selected elements",
            UiCommand::SelectAll => "Select every node and link",
            UiCommand::FitView => "Zoom to show the whole plan",
            UiCommand::ZoomIn => "Zoom in around the centre",
            UiCommand::ZoomOut => "Zoom out around the centre",
            UiCommand::ToggleGrid => "Snap moved nodes to the grid",
            UiCommand::ToggleMinimap => "Show the overview in the canvas corner",
            UiCommand::ToggleOverlay => "Colour nodes and links by utilization of the last run and ring the bottleneck",
            UiCommand::ToggleTheme => "Switch between dark and light colours",
            UiCommand::Arrange(_) => "Line up the selected nodes",
            UiCommand::Welcome => "Presets, recent files and a short tour",
            UiCommand::Tour => "Four callouts that show where things are",
            UiCommand::KeyboardShortcuts => "Every shortcut and canvas mouse gesture",
        }
    }

    pub fn shortcut(self) -> Option<KeyboardShortcut> {
        let cmd = Modifiers::COMMAND;
        let cmd_shift = Modifiers::COMMAND | Modifiers::SHIFT;
        let k = |m, key| Some(KeyboardShortcut::new(m, key));
        match self {
            UiCommand::New => k(cmd, Key::N),
            UiCommand::Open => k(cmd, Key::O),
            UiCommand::Save => k(cmd, Key::S),
            UiCommand::SaveAs => k(cmd_shift, Key::S),
            UiCommand::Undo => k(cmd, Key::Z),
            UiCommand::Redo => k(cmd_shift, Key::Z),
            UiCommand::Copy => k(cmd, Key::C),
            UiCommand::Paste => k(cmd, Key::V),
            UiCommand::Duplicate => k(cmd, Key::D),
            UiCommand::Delete => k(Modifiers::NONE, Key::Delete),
            UiCommand::SelectAll => k(cmd, Key::A),
            UiCommand::FitView => k(Modifiers::NONE, Key::F),
            UiCommand::ZoomIn => k(cmd, Key::Plus),
            UiCommand::ZoomOut => k(cmd, Key::Minus),
            UiCommand::KeyboardShortcuts => k(Modifiers::NONE, Key::F1),
            _ => None,
        }
    }

    /// Extra shortcuts that do the same (Ctrl+Y redo, Backspace delete).
    pub fn alternate_shortcut(self) -> Option<KeyboardShortcut> {
        match self {
            UiCommand::Redo => Some(KeyboardShortcut::new(Modifiers::COMMAND, Key::Y)),
            UiCommand::Delete => Some(KeyboardShortcut::new(Modifiers::NONE, Key::Backspace)),
            UiCommand::ZoomIn => Some(KeyboardShortcut::new(Modifiers::COMMAND, Key::Equals)),
            _ => None,
        }
    }
}

/// A menu entry for `cmd`: label, shortcut text and tooltip from the command list.
pub fn command_button(ui: &mut egui::Ui, cmd: UiCommand, enabled: bool, out: &mut Vec<UiCommand>) {
    let mut button = egui::Button::new(cmd.label());
    if let Some(sc) = cmd.shortcut() {
        button = button.shortcut_text(ui.ctx().format_shortcut(&sc));
    }
    if ui.add_enabled(enabled, button).on_hover_text(cmd.tooltip()).clicked() {
        out.push(cmd);
        ui.close();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shortcut_is_unique() {
        let mut seen = Vec::new();
        for c in UiCommand::SHORTCUT_ORDER {
            let s = c.shortcut().expect("listed commands have shortcuts");
            assert!(!seen.contains(&s), "{c:?} reuses a shortcut");
            seen.push(s);
        }
        for c in UiCommand::SHORTCUT_ORDER {
            if let Some(s) = c.alternate_shortcut() {
                assert!(!seen.contains(&s), "{c:?} reuses a shortcut as its alternate");
                seen.push(s);
            }
        }
    }

    #[test]
    fn every_command_with_a_shortcut_is_in_a_menu_and_handled() {
        for (menu, list) in UiCommand::MENUS {
            for c in *list {
                assert!(
                    c.shortcut().is_none() || UiCommand::SHORTCUT_ORDER.contains(c),
                    "{c:?} in {menu} has a shortcut the app does not listen for"
                );
            }
        }
        for c in UiCommand::SHORTCUT_ORDER {
            assert!(
                UiCommand::MENUS.iter().any(|(_, list)| list.contains(c)),
                "{c:?} has a shortcut but is in no menu"
            );
        }
    }
}
