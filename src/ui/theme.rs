//! Colours and icons. Light and dark variants of every colour the canvas uses.

use crate::model::{Medium, NodeKind, SiteKind};
use egui::Color32;

#[derive(Clone, Copy, Debug)]
pub struct Palette {
    pub dark: bool,
    pub canvas_bg: Color32,
    pub grid: Color32,
    pub grid_major: Color32,
    pub card: Color32,
    pub card_stroke: Color32,
    pub text: Color32,
    pub text_weak: Color32,
    pub accent: Color32,
    pub error: Color32,
    pub warning: Color32,
    pub ok: Color32,
}

impl Palette {
    pub fn new(dark: bool) -> Self {
        if dark {
            Self {
                dark,
                canvas_bg: Color32::from_rgb(24, 26, 31),
                grid: Color32::from_rgb(34, 37, 44),
                grid_major: Color32::from_rgb(44, 48, 57),
                card: Color32::from_rgb(40, 44, 52),
                card_stroke: Color32::from_rgb(70, 76, 88),
                text: Color32::from_rgb(226, 230, 236),
                text_weak: Color32::from_rgb(150, 158, 170),
                accent: Color32::from_rgb(90, 170, 255),
                error: Color32::from_rgb(240, 90, 90),
                warning: Color32::from_rgb(235, 180, 60),
                ok: Color32::from_rgb(90, 200, 120),
            }
        } else {
            Self {
                dark,
                canvas_bg: Color32::from_rgb(246, 247, 249),
                grid: Color32::from_rgb(232, 234, 238),
                grid_major: Color32::from_rgb(218, 221, 227),
                card: Color32::WHITE,
                card_stroke: Color32::from_rgb(196, 201, 210),
                text: Color32::from_rgb(30, 34, 40),
                text_weak: Color32::from_rgb(100, 108, 120),
                accent: Color32::from_rgb(20, 110, 230),
                error: Color32::from_rgb(210, 40, 40),
                warning: Color32::from_rgb(200, 130, 0),
                ok: Color32::from_rgb(30, 150, 70),
            }
        }
    }

    /// Colour of a site kind: on-prem blue, cloud violet, edge green.
    pub fn site(&self, kind: Option<&SiteKind>) -> Color32 {
        match kind {
            Some(SiteKind::OnPrem(_)) => Color32::from_rgb(60, 130, 230),
            Some(SiteKind::Cloud(_)) => Color32::from_rgb(160, 100, 230),
            Some(SiteKind::Edge(_)) => Color32::from_rgb(40, 170, 110),
            None => Color32::from_rgb(140, 140, 140),
        }
    }

    pub fn medium(&self, m: Medium) -> Color32 {
        let (d, l) = match m {
            Medium::NvLink => ((120, 200, 80), (60, 150, 30)),
            Medium::Pcie4 | Medium::Pcie5 => ((160, 160, 170), (110, 110, 120)),
            Medium::InfinibandHdr | Medium::InfinibandNdr | Medium::InfinibandXdr => ((190, 120, 250), (130, 60, 200)),
            Medium::Wan => ((240, 150, 60), (210, 110, 20)),
            _ => ((90, 170, 240), (30, 110, 200)),
        };
        let (r, g, b) = if self.dark { d } else { l };
        Color32::from_rgb(r, g, b)
    }
}

pub fn node_icon(kind: NodeKind) -> &'static str {
    match kind {
        NodeKind::GpuServer => "🖥",
        NodeKind::TpuSlice => "🔲",
        NodeKind::CpuServer => "💻",
        NodeKind::EdgeDevice => "📟",
        NodeKind::ServerlessEndpoint => "⚡",
        NodeKind::ObjectStore => "🗄",
        NodeKind::ParallelFs => "📂",
        NodeKind::NvmeCache => "💾",
        NodeKind::DataLake => "🌊",
        NodeKind::Warehouse => "📊",
        NodeKind::Switch => "🔀",
        NodeKind::Gateway => "🌐",
        NodeKind::RequestSource => "👥",
        NodeKind::Neuromorphic => "🔬",
        NodeKind::QuantumService => "⚛",
    }
}

pub fn site_icon(kind: &SiteKind) -> &'static str {
    match kind {
        SiteKind::OnPrem(_) => "🏢",
        SiteKind::Cloud(_) => "☁",
        SiteKind::Edge(_) => "📡",
    }
}

pub fn apply(ctx: &egui::Context, dark: bool) {
    ctx.set_theme(if dark { egui::Theme::Dark } else { egui::Theme::Light });
    // Panel edges (dock, palette, inspector) are easier to grab: 8 points
    // each side of the edge instead of egui's 3.
    ctx.all_styles_mut(|style| style.interaction.resize_grab_radius_side = RESIZE_GRAB);
}

/// Half-width of the grab zone of resizable panel edges, points.
pub const RESIZE_GRAB: f32 = 8.0;

#[cfg(test)]
mod tests {
    #[test]
    fn panel_edges_have_a_wide_grab_zone() {
        let ctx = egui::Context::default();
        super::apply(&ctx, true);
        for theme in [egui::Theme::Dark, egui::Theme::Light] {
            assert_eq!(
                ctx.style_of(theme).interaction.resize_grab_radius_side,
                super::RESIZE_GRAB
            );
        }
    }

    /// Every non-ASCII character the UI sources use must exist in the bundled
    /// fonts (a missing glyph panics in debug builds and shows as tofu otherwise).
    #[test]
    fn every_icon_has_a_glyph() {
        let sources = [
            include_str!("app.rs"),
            include_str!("app/dispatch.rs"),
            include_str!("app/document.rs"),
            include_str!("canvas/draw.rs"),
            include_str!("canvas/interact.rs"),
            include_str!("canvas/mod.rs"),
            include_str!("inspector/mod.rs"),
            include_str!("inspector/fields.rs"),
            include_str!("inspector/link.rs"),
            include_str!("inspector/node.rs"),
            include_str!("inspector/plan.rs"),
            include_str!("inspector/site.rs"),
            include_str!("inspector/stage.rs"),
            include_str!("palette.rs"),
            include_str!("problems.rs"),
            include_str!("theme.rs"),
            include_str!("workloads.rs"),
            include_str!("commands.rs"),
            include_str!("../model/edit.rs"),
            include_str!("help.rs"),
            include_str!("tour.rs"),
            include_str!("welcome.rs"),
        ];
        let mut chars: Vec<char> = sources
            .iter()
            .flat_map(|s| s.chars())
            .filter(|c| !c.is_ascii())
            .collect();
        chars.sort_unstable();
        chars.dedup();
        let ctx = egui::Context::default();
        ctx.run_ui(egui::RawInput::default(), |_| {})
            .drop_without_applying_deltas();
        let missing: Vec<char> = ctx.fonts_mut(|f| {
            chars
                .iter()
                .copied()
                .filter(|c| !f.has_glyph(&egui::FontId::proportional(14.0), *c))
                .collect()
        });
        assert!(missing.is_empty(), "no glyph for {missing:?}");
    }
}
