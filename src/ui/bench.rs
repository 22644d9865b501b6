//! Headless frame timing: the CPU time of one UI frame (layout, painting
//! and tessellation) with a large plan on screen.

use crate::model::*;
use crate::ui::app::{App, AppConfig};
use std::time::Instant;

/// A plan of `nodes` node groups in a grid and `links` links between
/// neighbours, spread over three sites.
pub fn synthetic_plan(nodes: usize, links: usize) -> Plan {
    let mut plan = Plan {
        name: format!("Synthetic {nodes} nodes"),
        ..Plan::default()
    };
    for (i, t) in crate::ui::commands::SiteTemplate::ALL.iter().enumerate() {
        let mut s = t.new_site(&plan);
        s.id = SiteId(format!("site-{i}"));
        plan.sites.push(s);
    }
    let cols = (nodes as f64).sqrt().ceil().max(1.0) as usize;
    let kinds = [
        NodeKind::GpuServer,
        NodeKind::Switch,
        NodeKind::ObjectStore,
        NodeKind::CpuServer,
    ];
    let catalog = Catalog::builtin();
    let models: Vec<String> = kinds
        .iter()
        .map(|k| crate::ui::palette::first_model(&catalog, *k).unwrap_or_default())
        .collect();
    for i in 0..nodes {
        let (r, c) = (i / cols, i % cols);
        plan.nodes.push(Node {
            id: NodeId(format!("n{i}")),
            name: format!("Node {i}"),
            kind: kinds[i % kinds.len()],
            model: models[i % kinds.len()].clone(),
            count: 1 + (i as u32 % 64),
            site: SiteId(format!("site-{}", (r * 3) / cols.max(1))),
            pos: (c as f32 * 280.0, r as f32 * 140.0),
            capacity_tb: None,
            cache_hit_ratio: None,
        });
    }
    let mut k = 0usize;
    'outer: for step in [1usize, cols, cols + 1, 2] {
        for i in 0..nodes {
            if k >= links {
                break 'outer;
            }
            let j = i + step;
            if j >= nodes {
                continue;
            }
            plan.links.push(Link {
                id: LinkId(format!("l{k}")),
                from: NodeId(format!("n{i}")),
                to: NodeId(format!("n{j}")),
                medium: Medium::InfinibandNdr,
                pattern: WiringPattern::Spread,
                lanes: 1,
                lane_gbps: 400.0,
                latency_us: 2.0,
            });
            k += 1;
        }
    }
    plan
}

fn input(t: f64) -> egui::RawInput {
    egui::RawInput {
        screen_rect: Some(egui::Rect::from_min_size(egui::Pos2::ZERO, egui::vec2(1600.0, 1000.0))),
        time: Some(t),
        ..Default::default()
    }
}

/// Median CPU time in milliseconds of one frame (`Context::run_ui` plus
/// tessellation) with `nodes` nodes and `links` links fitted on screen.
pub fn bench_frame_ms(nodes: usize, links: usize) -> f64 {
    bench_frame_ms_at(nodes, links, None)
}

/// Like [`bench_frame_ms`], at a fixed zoom (e.g. 1.0 = full detail, fewer nodes on screen).
pub fn bench_frame_ms_at(nodes: usize, links: usize, zoom: Option<f32>) -> f64 {
    let plan = synthetic_plan(nodes, links);
    let mut app = App::new(AppConfig::headless(plan, Catalog::builtin()));
    let ctx = egui::Context::default();
    // Warm-up: fonts, fit-to-view, galley caches.
    for f in 0..3 {
        let mut out = ctx.run_ui(input(f as f64 * 0.016), |ui| app.frame_ui(ui));
        out.textures_delta.clear();
        let _ = ctx.tessellate(out.shapes, out.pixels_per_point);
        if f == 0
            && let Some(z) = zoom
        {
            app.state.camera.zoom = z;
        }
    }
    let mut times = Vec::new();
    for f in 0..15 {
        let start = Instant::now();
        let mut out = ctx.run_ui(input(1.0 + f as f64 * 0.016), |ui| app.frame_ui(ui));
        out.textures_delta.clear();
        let prims = ctx.tessellate(out.shapes, out.pixels_per_point);
        std::hint::black_box(prims);
        times.push(start.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn synthetic_plan_has_the_requested_size() {
        let p = synthetic_plan(200, 400);
        assert_eq!(p.nodes.len(), 200);
        assert_eq!(p.links.len(), 400);
    }

    #[test]
    fn a_frame_can_be_timed() {
        let ms = bench_frame_ms(50, 80);
        assert!(ms > 0.0 && ms.is_finite());
    }
}
