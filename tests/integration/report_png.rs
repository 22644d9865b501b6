//! PNG reports: every preset (and a fixture plan, with and without results)
//! renders to a page at least 1600 px wide whose title band, plan graph and
//! chart panels carry ink, and whose embedded plan reopens as the same plan.

use clusterforge::model::{Catalog, Plan, StageId};
use clusterforge::report::figures::{CauseFigure, CostLine, Figures, StageFigures, TimelineSpan, UseFigure};
use clusterforge::report::png_report::{self, PAGE_WIDTH, RenderedReport, ReportInput};
use clusterforge::report::{self, draw::Rect, presets};
use clusterforge::sim::metrics::{Cause, MetricKey as K, Resource};
use clusterforge::sim::{Progress, simulate};
use std::collections::BTreeMap;
use std::path::PathBuf;

const FIXTURE: &str = include_str!("../fixtures/report-demo.ron");
const DATE: &str = "2026-11-25 14:30 UTC";

fn fixture() -> Plan {
    match report::parse_plan(FIXTURE, "report-demo.ron") {
        Ok(p) => p,
        Err(e) => panic!("{e}"),
    }
}

/// Results shaped like the simulator's, for the fixture plan (the numbers
/// are test input for the renderer, not predictions).
fn fixture_results() -> Figures {
    let m = |pairs: &[(K, f64)]| pairs.iter().copied().collect::<BTreeMap<_, _>>();
    let causes = |pairs: &[(Cause, f64)]| {
        let total: f64 = pairs.iter().map(|p| p.1).sum();
        pairs
            .iter()
            .map(|&(cause, seconds)| CauseFigure {
                cause,
                seconds,
                share: seconds / total,
            })
            .collect::<Vec<_>>()
    };
    let util = |id: &str, link: bool, label: &str, mean: f64, peak: f64| {
        let resource = if link {
            Resource::Link(id.into())
        } else {
            Resource::Node(id.into())
        };
        UseFigure {
            stage: "train".into(),
            subject: resource.plan_subject(),
            resource,
            label: label.into(),
            mean,
            peak: Some(peak),
        }
    };
    Figures {
        seed: 7,
        detailed_iterations: 3,
        summary: m(&[
            (K::PlanCost, 1_912_000.0),
            (K::PlanEnergy, 512_000.0),
            (K::PlanCarbon, 189_000.0),
        ]),
        workloads: vec![
            StageFigures {
                stage: StageId::new("train"),
                kind: "train".into(),
                metrics: m(&[
                    (K::TimeToTrain, 9.1 * 86400.0),
                    (K::TokensPerSecond, 1.27e6),
                    (K::Mfu, 0.43),
                    (K::GpuHours, 55_900.0),
                    (K::SecondsPerIteration, 1.65),
                ]),
                breakdown: causes(&[
                    (Cause::Compute, 1.21),
                    (Cause::DpComm, 0.22),
                    (Cause::DataStall, 0.05),
                    (Cause::Checkpoint, 0.09),
                    (Cause::Failures, 0.08),
                ]),
                diagnosis: "Exposed data-parallel communication over InfiniBand NDR costs 13 % of each iteration; the rail-optimized leaf layer runs at 78 % mean utilization.".into(),
            },
            StageFigures {
                stage: StageId::new("export"),
                kind: "checkpoint".into(),
                metrics: m(&[(K::Duration, 1900.0)]),
                breakdown: Vec::new(),
                diagnosis: String::new(),
            },
            StageFigures {
                stage: StageId::new("serve"),
                kind: "serve".into(),
                metrics: m(&[
                    (K::TokensPerSecond, 10_050.0),
                    (K::RequestsPerSecond, 39.8),
                    (K::TtftP99, 0.41),
                    (K::TpotP99, 0.038),
                    (K::SloAttainment, 0.987),
                ]),
                breakdown: Vec::new(),
                diagnosis: "Decode is memory-bandwidth bound; TTFT p99 stays within its 500 ms target.".into(),
            },
        ],
        utilization: vec![
            util("train", false, "Training pod", 0.86, 0.97),
            util("leaf", false, "IB leaf", 0.78, 0.99),
            util("lustre", false, "Lustre", 0.22, 0.71),
            util("l3", true, "link l3", 0.04, 0.5),
            util("inf", false, "Inference fleet", 0.61, 0.93),
        ],
        cost: vec![
            CostLine { site: "Frankfurt DC".into(), component: "compute".into(), usd: 1_100_000.0 },
            CostLine { site: "Frankfurt DC".into(), component: "power".into(), usd: 92_000.0 },
            CostLine { site: "Frankfurt DC".into(), component: "operations".into(), usd: 33_000.0 },
            CostLine { site: "Frankfurt DC".into(), component: "network".into(), usd: 41_000.0 },
            CostLine { site: "AWS eu-central-1".into(), component: "compute".into(), usd: 600_000.0 },
            CostLine { site: "AWS eu-central-1".into(), component: "storage".into(), usd: 26_000.0 },
            CostLine { site: "AWS eu-central-1".into(), component: "egress".into(), usd: 20_000.0 },
        ],
        timeline: vec![
            TimelineSpan { stage: StageId::new("train"), start_s: 0.0, end_s: 9.1 * 86400.0 },
            TimelineSpan { stage: StageId::new("export"), start_s: 9.1 * 86400.0, end_s: 9.1 * 86400.0 + 1900.0 },
            TimelineSpan { stage: StageId::new("serve"), start_s: 9.1 * 86400.0 + 1900.0, end_s: 12.0 * 86400.0 },
        ],
        assumptions: vec!["Failures follow an exponential distribution with the per-GPU MTBF from the catalog.".into()],
        tco: None,
    }
}

/// Standard deviation of luminance inside `r`: near 0 for a blank region.
fn spread(img: &RenderedReport, r: Rect) -> f64 {
    let (mut n, mut sum, mut sq) = (0.0, 0.0, 0.0);
    for y in r.y.max(0)..r.bottom().min(img.height as i32) {
        for x in r.x.max(0)..r.right().min(img.width as i32) {
            let i = (y as usize * img.width as usize + x as usize) * 3;
            let l = 0.299 * img.rgb[i] as f64 + 0.587 * img.rgb[i + 1] as f64 + 0.114 * img.rgb[i + 2] as f64;
            n += 1.0;
            sum += l;
            sq += l * l;
        }
    }
    if n == 0.0 {
        return 0.0;
    }
    let mean = sum / n;
    (sq / n - mean * mean).max(0.0).sqrt()
}

/// Fraction of pixels in `r` that differ from the region's most common
/// colour (every other pixel in each direction is enough).
fn ink(img: &RenderedReport, r: Rect) -> f64 {
    let mut counts: std::collections::HashMap<u32, usize> = std::collections::HashMap::new();
    let mut n = 0usize;
    for y in (r.y.max(0)..r.bottom().min(img.height as i32)).step_by(2) {
        let row = y as usize * img.width as usize;
        for x in (r.x.max(0)..r.right().min(img.width as i32)).step_by(2) {
            let i = (row + x as usize) * 3;
            let key = u32::from_le_bytes([img.rgb[i], img.rgb[i + 1], img.rgb[i + 2], 0]);
            *counts.entry(key).or_default() += 1;
            n += 1;
        }
    }
    let top = counts.values().copied().max().unwrap_or(0);
    if n == 0 { 0.0 } else { 1.0 - top as f64 / n as f64 }
}

/// Fraction of strongly coloured pixels in `r` (chart bars, not grey text).
fn colourful(img: &RenderedReport, r: Rect) -> f64 {
    let (mut n, mut hits) = (0usize, 0usize);
    for y in r.y.max(0)..r.bottom().min(img.height as i32) {
        for x in r.x.max(0)..r.right().min(img.width as i32) {
            let i = (y as usize * img.width as usize + x as usize) * 3;
            let px = &img.rgb[i..i + 3];
            let (hi, lo) = (
                px.iter().max().copied().unwrap_or(0),
                px.iter().min().copied().unwrap_or(0),
            );
            n += 1;
            if hi - lo > 60 {
                hits += 1;
            }
        }
    }
    if n == 0 { 0.0 } else { hits as f64 / n as f64 }
}

/// Optional directory to keep the rendered PNGs in, for looking at them.
fn keep_dir() -> Option<PathBuf> {
    std::env::var_os("CLUSTERFORGE_REPORT_DIR").map(PathBuf::from)
}

fn render_and_check(name: &str, plan: &Plan, results: Option<&Figures>) -> RenderedReport {
    let catalog = Catalog::builtin();
    let input = ReportInput {
        uncertainty: None,
        plan,
        catalog: &catalog,
        results,
        generated: DATE,
    };
    let img = match png_report::render(&input) {
        Ok(i) => i,
        Err(e) => panic!("{name}: {e}"),
    };
    assert!(
        img.width >= 1600 && img.width == PAGE_WIDTH,
        "{name}: width {}",
        img.width
    );
    assert!(img.height >= 2000, "{name}: height {}", img.height);
    assert_eq!(img.rgb.len(), img.width as usize * img.height as usize * 3);
    let regions = &img.regions;
    assert!(spread(&img, regions.title) > 20.0, "{name}: title band is blank");
    assert!(ink(&img, regions.title) > 0.05, "{name}: title band has no text");
    assert!(ink(&img, regions.graph) > 0.05, "{name}: graph is blank");
    assert!(spread(&img, regions.graph) > 10.0, "{name}: graph is blank");
    assert_eq!(regions.charts.len(), 4);
    for (i, r) in regions.charts.iter().enumerate() {
        assert!(r.bottom() <= img.height as i32, "{name}: chart {i} is off the page");
        assert!(spread(&img, *r) > 5.0, "{name}: chart {i} is blank");
    }
    assert!(ink(&img, regions.sources) > 0.02, "{name}: catalog sources are blank");

    // The PNG reopens as the same plan.
    let bytes = match img.to_png(plan) {
        Ok(b) => b,
        Err(e) => panic!("{name}: {e}"),
    };
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().join(format!("{name}.png"));
    std::fs::write(&path, &bytes).unwrap_or_else(|e| panic!("{e}"));
    let back = report::load_plan(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(&back, plan, "{name}: embedded plan differs");
    if let Some(keep) = keep_dir() {
        let _ = std::fs::create_dir_all(&keep);
        let _ = std::fs::write(keep.join(format!("{name}.png")), &bytes);
    }
    img
}

#[test]
fn every_preset_renders_a_report_with_simulated_results() {
    assert!(presets::PRESETS.len() >= 3, "the presets are missing");
    let catalog = Catalog::builtin();
    for p in presets::PRESETS {
        let plan = p.plan().unwrap_or_else(|e| panic!("{e}"));
        let sim =
            simulate(&plan, &catalog, plan.settings.seed, &Progress::new()).unwrap_or_else(|e| panic!("{}: {e}", p.id));
        let results = Figures::from_sim(&plan, &sim);
        assert!(!results.workloads.is_empty(), "{}: nothing simulated", p.id);
        let img = render_and_check(p.id, &plan, Some(&results));
        // Chart 0 is the training iteration breakdown: only plans that
        // train have bars there.
        let trains = sim.workloads.iter().any(|w| w.kind == "train");
        for (i, r) in img.regions.charts.iter().enumerate() {
            if i == 0 && !trains {
                continue;
            }
            // A fleet that is (nearly) idle has nothing to draw as utilization.
            if i == 1 && results.utilization.iter().all(|u| u.mean < 0.005) {
                continue;
            }
            // Utilization bars (chart 1) are as short as the load is low:
            // an edge fleet at 1 % still draws a sliver.
            let min = if i == 1 { 2e-4 } else { 0.01 };
            let c = colourful(&img, *r);
            assert!(c > min, "{}: chart {i} shows no bars ({c:.4})", p.id);
        }
        // The key figures carry numbers, not dashes: compare with the page
        // of the same plan without results.
        let plain = render_and_check(&format!("{}-plain", p.id), &plan, None);
        // Compare inked area, not ratios: with serving stages the section
        // grows a second row of cards.
        let kf = img.regions.key_figures;
        let pkf = plain.regions.key_figures;
        let area = |r: Rect| (r.w.max(0) as f64) * (r.h.max(0) as f64);
        assert!(
            ink(&img, kf) * area(kf) > ink(&plain, pkf) * area(pkf),
            "{}: key figures empty",
            p.id
        );
    }
}

#[test]
fn sim_adapter_sums_lifecycle_figures_and_orders_the_timeline() {
    let catalog = Catalog::builtin();
    let plan = fixture();
    let sim = simulate(&plan, &catalog, 7, &Progress::new()).unwrap_or_else(|e| panic!("{e}"));
    let r = Figures::from_sim(&plan, &sim);
    let train = sim
        .workloads
        .iter()
        .find(|w| w.kind == "train")
        .unwrap_or_else(|| panic!("no train"));
    assert_eq!(r.seed, 7);
    // The summary adds up every simulated stage, and so do the cost lines.
    let total: f64 = sim.workloads.iter().filter_map(|w| w.metrics.get(&K::Cost)).sum();
    assert!(sim.workloads.len() > 1, "serving is simulated too");
    let summary = r.summary.get(&K::PlanCost).copied().unwrap_or(f64::NAN);
    assert!((summary - total).abs() < 1e-6 * total, "{summary} vs {total}");
    let cost: f64 = r.cost.iter().map(|l| l.usd).sum();
    assert!((cost - total).abs() < 1e-6 * total, "{cost} vs {total}");
    assert_eq!(r.cost[0].site, "Frankfurt DC");
    let span = r
        .timeline
        .iter()
        .find(|s| s.stage.as_str() == "train")
        .unwrap_or_else(|| panic!("no span"));
    assert_eq!(span.start_s, 0.0);
    assert_eq!(Some(&span.end_s), train.metrics.get(&K::TimeToTrain));
    assert!(
        r.utilization.iter().any(|u| matches!(u.resource, Resource::Link(_))),
        "no link utilization"
    );
}

#[test]
fn fixture_without_results_renders_and_says_not_simulated() {
    render_and_check("fixture-not-simulated", &fixture(), None);
}

#[test]
fn fixture_with_results_draws_the_charts() {
    let plan = fixture();
    let results = fixture_results();
    let with = render_and_check("fixture-simulated", &plan, Some(&results));
    let without = render_and_check("fixture-plain", &plan, None);
    // Each chart panel shows coloured bars once there is something to plot,
    // and none before.
    for i in 0..4 {
        let a = colourful(&with, with.regions.charts[i]);
        let b = colourful(&without, without.regions.charts[i]);
        assert!(
            a > 0.02 && b < 0.005,
            "chart {i}: {a:.3} with results vs {b:.3} without"
        );
    }
}

#[test]
fn own_vs_rent_section_shows_the_break_even() {
    let plan = fixture();
    let mut results = fixture_results();
    let without = render_and_check("fixture-no-tco", &plan, Some(&results));
    let tco = clusterforge::sim::cost::compare_deployments(&plan, &Catalog::builtin(), 0.7, 36)
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(tco.break_even_months.is_some(), "{tco:?}");
    results.tco = Some(tco);
    let with = render_and_check("fixture-tco", &plan, Some(&results));
    assert!(
        with.height >= without.height + 400,
        "{} vs {}",
        with.height,
        without.height
    );
    assert!(without.regions.own_vs_rent.h == 0);
    let r = with.regions.own_vs_rent;
    assert!(r.h > 300 && colourful(&with, r) > 0.005, "{:.4}", colourful(&with, r));
}

#[test]
fn a_plan_with_errors_still_renders_its_problems() {
    let mut plan = fixture();
    plan.nodes[0].model = "no-such-system".into();
    plan.links[0].to = "nowhere".into();
    let img = render_and_check("fixture-invalid", &plan, None);
    // The status strip under the title turns red.
    let y = img.regions.title.bottom() + 40;
    let i = (y as usize * img.width as usize + 200) * 3;
    let (r, g) = (img.rgb[i], img.rgb[i + 1]);
    assert!(r > g, "status strip is not red: {:?}", &img.rgb[i..i + 3]);
}

#[test]
fn cli_report_writes_a_png_that_check_reopens() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let plan_path = dir.path().join("demo.ron");
    std::fs::write(&plan_path, FIXTURE).unwrap_or_else(|e| panic!("{e}"));
    let out = dir.path().join("demo.png");
    let exe = env!("CARGO_BIN_EXE_clusterforge");
    let status = std::process::Command::new(exe)
        .args(["report", "--date", DATE, "-o"])
        .arg(&out)
        .arg(&plan_path)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(status.status.success(), "{}", String::from_utf8_lossy(&status.stderr));
    let bytes = std::fs::read(&out).unwrap_or_else(|e| panic!("{e}"));
    assert!(bytes.starts_with(report::png::PNG_SIGNATURE));
    let check = std::process::Command::new(exe)
        .arg("check")
        .arg(&out)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stdout));
    assert_eq!(report::load_plan(&out).ok(), Some(fixture()));
}
