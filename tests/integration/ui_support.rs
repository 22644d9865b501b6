//! Helpers shared by the UI tests: a harness around the real `App`, waiting
//! for worker threads, finding widgets by label, and a small plan.

use clusterforge::model::*;
use clusterforge::ui::app::{App, AppConfig};
use egui::Vec2;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

/// The window size every UI test and snapshot uses.
pub const SIZE: Vec2 = Vec2::new(1600.0, 1000.0);

/// A harness that draws `app` each frame, stepped past the first layout.
pub fn harness_for(app: App) -> Harness<'static, App> {
    let mut h = Harness::builder()
        .with_size(SIZE)
        .build_ui_state(|ui, app: &mut App| app.frame_ui(ui), app);
    h.run_steps(3);
    h
}

/// The app on `plan` with the simulator-backed Results tab installed.
pub fn harness_with_results(plan: Plan) -> Harness<'static, App> {
    let mut app = App::new(AppConfig::headless(plan, Catalog::builtin()));
    app.set_results_view(Box::new(clusterforge::ui::results::SimResultsView::new()));
    harness_for(app)
}

/// Steps the harness (real time passes for workers and debounces) until
/// `done` holds; false after about 120 s.
pub fn wait_until(h: &mut Harness<'_, App>, done: impl Fn(&Harness<'_, App>) -> bool) -> bool {
    for _ in 0..2400 {
        h.run_steps(1);
        if done(h) {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    false
}

/// Some widget's label contains `text`.
pub fn has_label(h: &Harness<'_, App>, text: &str) -> bool {
    h.query_all_by_label_contains(text).next().is_some()
}

/// An on-prem site with typical power and cooling figures.
pub fn site(id: &str) -> Site {
    Site {
        id: id.into(),
        name: format!("Site {id}"),
        kind: SiteKind::OnPrem(OnPremSite {
            amortization_years: 4.0,
            power_usd_per_kwh: 0.08,
            pue: 1.3,
            operations_usd_per_year: 0.0,
            facility_capex_usd: 0.0,
        }),
        carbon_kg_per_kwh: 0.37,
    }
}

/// A group of four in site "dc", named after its id.
pub fn node(id: &str, kind: NodeKind, model: &str, pos: (f32, f32)) -> Node {
    Node {
        name: id.to_uppercase(),
        pos,
        ..Node::new(id, kind, model, 4, "dc")
    }
}

/// The first GPU server and the first switch of the built-in catalog.
pub fn gpu_and_switch_models() -> (String, String) {
    let catalog = Catalog::builtin();
    let gpu = catalog
        .systems_of(NodeKind::GpuServer)
        .next()
        .map(|s| s.id.clone())
        .unwrap_or_default();
    let switch = catalog.switches.first().map(|s| s.id.clone()).unwrap_or_default();
    (gpu, switch)
}

/// A GPU group, a switch and a CPU group in one site; GPU and switch linked
/// (link "gpu--sw").
pub fn small_plan(name: &str) -> Plan {
    let (gpu_model, switch_model) = gpu_and_switch_models();
    Plan {
        name: name.into(),
        sites: vec![site("dc")],
        nodes: vec![
            node("gpu", NodeKind::GpuServer, &gpu_model, (0.0, 0.0)),
            node("sw", NodeKind::Switch, &switch_model, (400.0, 0.0)),
            node("cpu", NodeKind::CpuServer, "", (0.0, 240.0)),
        ],
        links: vec![Link {
            id: "gpu--sw".into(),
            from: "gpu".into(),
            to: "sw".into(),
            medium: Medium::InfinibandNdr,
            pattern: WiringPattern::Spread,
            lanes: 1,
            lane_gbps: 400.0,
            latency_us: 1.0,
        }],
        ..Plan::default()
    }
}

/// The app on `plan` without a Results tab.
pub fn harness_with(plan: Plan) -> Harness<'static, App> {
    harness_for(App::new(AppConfig::headless(plan, Catalog::builtin())))
}
