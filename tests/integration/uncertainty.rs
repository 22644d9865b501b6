//! How sure each figure is: `simulate --uncertainty N` on every preset, the
//! same bands for the same seed, bands that follow the catalog's ranges, and
//! the report's "How sure" section.

use clusterforge::model::Catalog;
use clusterforge::report::{Figures, ReportInput, presets, render};
use clusterforge::sim::metrics::MetricKey;
use clusterforge::sim::uncertainty::{self, Uncertainty};
use clusterforge::sim::{Progress, simulate};
use std::process::Command;

fn bands(plan: &clusterforge::model::Plan, catalog: &Catalog, n: u32, seed: u64) -> Uncertainty {
    let nominal = simulate(plan, catalog, plan.settings.seed, &Progress::new()).unwrap();
    uncertainty::run(plan, catalog, n, seed, Some(&nominal), &Progress::new()).unwrap()
}

#[test]
fn every_preset_prints_p10_p50_p90_and_repeats_for_a_seed() {
    for p in presets::PRESETS {
        let path = format!("{}/presets/{}.ron", env!("CARGO_MANIFEST_DIR"), p.id);
        let run = || {
            let out = Command::new(env!("CARGO_BIN_EXE_clusterforge"))
                .args(["simulate", &path, "--uncertainty", "6", "--json", "-"])
                .output()
                .expect("runs");
            assert_eq!(
                out.status.code(),
                Some(0),
                "{}: {}",
                p.id,
                String::from_utf8_lossy(&out.stderr)
            );
            (
                String::from_utf8_lossy(&out.stdout).into_owned(),
                String::from_utf8_lossy(&out.stderr).into_owned(),
            )
        };
        let (json, text) = run();
        assert!(text.contains("uncertainty: 6 samples"), "{}: {text}", p.id);
        for col in ["P10", "P50", "P90", "nominal", "Total cost"] {
            assert!(text.contains(col), "{}: no {col} in\n{text}", p.id);
        }
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        let bands = v["uncertainty"]["bands"].as_array().expect("bands in JSON");
        assert!(!bands.is_empty(), "{}", p.id);
        for b in bands {
            let (p10, p50, p90) = (b["p10"].as_f64(), b["p50"].as_f64(), b["p90"].as_f64());
            assert!(p10 <= p50 && p50 <= p90, "{}: {b}", p.id);
        }
        assert_eq!(run().0, json, "{}: the same seed gives the same bands", p.id);
    }
}

#[test]
fn two_hundred_samples_band_the_cloud_preset_around_its_run() {
    let plan = presets::preset("tpu-v5p-pod").unwrap().plan().unwrap();
    let catalog = Catalog::builtin();
    let u = bands(&plan, &catalog, 200, 7);
    assert_eq!((u.samples, u.failed), (200, 0));
    assert!(
        !u.inputs.is_empty(),
        "the interruption rate and GEMM efficiency have ranges"
    );
    let cost = u.band(None, MetricKey::PlanCost).unwrap();
    assert_eq!(cost.samples, 200);
    assert!(cost.p10 < cost.p90, "{cost:?}");
    let nominal = cost.nominal.unwrap();
    assert!(cost.p10 * 0.8 <= nominal && nominal <= cost.p90 * 1.2, "{cost:?}");
    assert_eq!(bands(&plan, &catalog, 200, 7), u, "deterministic for a seed");
}

#[test]
fn a_wider_price_range_gives_a_wider_cost_band() {
    let plan = presets::preset("cloud-startup").unwrap().plan().unwrap();
    let id = "aws-p5-48xlarge";
    let mut catalog = Catalog::builtin();
    catalog.calibration.iter_mut().for_each(|c| c.range = None);
    let od = catalog
        .system(id)
        .unwrap()
        .cloud
        .as_ref()
        .unwrap()
        .on_demand_usd_per_hour;
    let with_range = |lo: f64, hi: f64| {
        let mut c = catalog.clone();
        let s = c.systems.iter_mut().find(|s| s.id == id).unwrap();
        s.price_ref.as_mut().expect("dated").range = Some((od * lo, od * hi));
        let u = bands(&plan, &c, 40, 3);
        let b = u.band(None, MetricKey::PlanCost).unwrap().clone();
        b.p90 - b.p10
    };
    let narrow = with_range(0.95, 1.05);
    let wide = with_range(0.6, 1.4);
    assert!(narrow > 0.0 && wide > 3.0 * narrow, "narrow {narrow}, wide {wide}");
}

#[test]
fn the_report_draws_the_bands() {
    let plan = presets::preset("onprem-finance").unwrap().plan().unwrap();
    let catalog = Catalog::builtin();
    let r = simulate(&plan, &catalog, plan.settings.seed, &Progress::new()).unwrap();
    let figures = Figures::from_sim(&plan, &r);
    let u = uncertainty::run(&plan, &catalog, 8, 1, Some(&r), &Progress::new()).unwrap();
    let input = ReportInput {
        plan: &plan,
        catalog: &catalog,
        results: Some(&figures),
        uncertainty: None,
        generated: "2026-12-03 00:00 UTC",
    };
    let without = render(&input).unwrap().height;
    let with = render(&ReportInput {
        uncertainty: Some(&u),
        ..input
    })
    .unwrap()
    .height;
    assert!(
        with > without + 100,
        "the How sure section adds rows: {without} → {with}"
    );
}
