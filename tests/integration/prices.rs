//! Dated prices from the command line: `--prices FILE` replaces catalog
//! prices in every command, bad price files are refused with line:column,
//! `catalog --kind prices` lists every price with its date, and a plan's
//! negotiated discounts reach the cost figures.

use clusterforge::model::Catalog;
use clusterforge::report::presets;
use clusterforge::sim::{Progress, simulate};
use std::process::Command;

const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/prices-example.ron");

fn preset_path(id: &str) -> String {
    format!("{}/presets/{id}.ron", env!("CARGO_MANIFEST_DIR"))
}

fn cli(args: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_clusterforge"))
        .args(args)
        .output()
        .expect("runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn plan_cost(json: &str) -> f64 {
    let v: serde_json::Value = serde_json::from_str(json).expect("JSON");
    v["cost"]["total_usd"].as_f64().expect("total_usd")
}

#[test]
fn a_price_file_changes_the_figures_and_is_named_in_the_output() {
    let plan = preset_path("cloud-startup");
    let (code, list, _) = cli(&["simulate", &plan, "--json", "-"]);
    assert_eq!(code, Some(0));
    let (code, quoted, err) = cli(&["--prices", EXAMPLE, "simulate", &plan, "--json", "-"]);
    assert_eq!(code, Some(0), "{err}");
    let v: serde_json::Value = serde_json::from_str(&quoted).unwrap();
    let prices = v["prices"].as_str().unwrap_or_default();
    assert!(prices.contains("Example negotiated quotes as of 2026-03"), "{prices}");
    // The example's p5 rate is at or below the catalog's: never dearer.
    assert!(
        plan_cost(&quoted) <= plan_cost(&list) + 1e-6,
        "{} vs {}",
        plan_cost(&quoted),
        plan_cost(&list)
    );
    let (_, text, _) = cli(&["--prices", EXAMPLE, "simulate", &plan]);
    assert!(text.contains("Prices: Example negotiated quotes"), "{text}");
}

#[test]
fn a_bad_price_file_is_refused_with_where_and_what_to_fix() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.ron");
    std::fs::write(&bad, "PriceBook(\n  as_of: \"2026-01\",\n  source: \"x\",\n  prices: [(id: \"dgx-h100\", price_usd: Some(-5.0))],\n)\n").unwrap();
    let (code, _, err) = cli(&[
        "--prices",
        bad.to_str().unwrap(),
        "check",
        &preset_path("onprem-finance"),
    ]);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("entry 1 ('dgx-h100')") && err.contains("finite number"),
        "{err}"
    );
    std::fs::write(&bad, "PriceBook(\n  as_of: \"2026-01\",\n  sauce: \"x\",\n)\n").unwrap();
    let (code, _, err) = cli(&[
        "--prices",
        bad.to_str().unwrap(),
        "check",
        &preset_path("onprem-finance"),
    ]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("bad.ron:3:"), "line and column: {err}");
}

#[test]
fn the_catalog_lists_every_price_with_its_date() {
    let (code, out, err) = cli(&["catalog", "--kind", "prices"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("as of") && out.contains("aws-p5-48xlarge"), "{out}");
    assert!(!out.contains("  undated  "), "every price is dated:\n{out}");
    let (_, out, _) = cli(&["--prices", EXAMPLE, "catalog", "--kind", "prices"]);
    let p5 = out
        .lines()
        .find(|l| l.starts_with("aws-p5-48xlarge"))
        .unwrap_or_default();
    assert!(p5.contains("2026-03") || p5.contains("2025-06"), "{p5}");
    assert!(p5.contains("52"), "{p5}");
}

#[test]
fn negotiated_discounts_reach_capex_and_rent() {
    let catalog = Catalog::builtin();
    let mut plan = presets::preset("onprem-finance").unwrap().plan().unwrap();
    let seed = plan.settings.seed;
    let list = simulate(&plan, &catalog, seed, &Progress::new()).unwrap();
    plan.settings.discounts.purchase = 0.2;
    plan.settings.discounts.cloud = 0.25;
    let deal = simulate(&plan, &catalog, seed, &Progress::new()).unwrap();
    let (a, b) = (list.tco.as_ref().unwrap(), deal.tco.as_ref().unwrap());
    // The site's own facility build-out is the user's figure, not a list price.
    let facility: f64 = plan
        .sites
        .iter()
        .filter_map(|s| match &s.kind {
            clusterforge::model::SiteKind::OnPrem(o) => Some(o.facility_capex_usd),
            _ => None,
        })
        .sum();
    let bought = |c: f64| c - facility;
    assert!(
        (bought(b.on_prem.capex_usd) - 0.8 * bought(a.on_prem.capex_usd)).abs() < 1e-6 * a.on_prem.capex_usd,
        "{} vs {}",
        b.on_prem.capex_usd,
        a.on_prem.capex_usd
    );
    assert!((b.cloud.monthly_usd - 0.75 * a.cloud.monthly_usd).abs() < 1e-6 * a.cloud.monthly_usd);
    assert!(deal.cost.total_usd < list.cost.total_usd);
    assert!(deal.prices.contains("20 % off purchase prices"), "{}", deal.prices);
}

/// A data stage of the data-lake preset made to read from the warehouse.
fn warehouse_reader(columns: f64) -> (clusterforge::model::Plan, clusterforge::model::StageId) {
    use clusterforge::model::StageKind;
    let mut plan = presets::preset("data-lake-pipeline").unwrap().plan().unwrap();
    let stage = plan
        .stages
        .iter_mut()
        .find(|s| s.id.as_str() == "load-warehouse")
        .unwrap();
    if let StageKind::Ingest(d) | StageKind::Preprocess(d) = &mut stage.kind {
        std::mem::swap(&mut d.source, &mut d.destination);
        d.columns_read = columns;
    }
    let id = stage.id.clone();
    // A BigQuery warehouse: billed per TB scanned (Redshift bills its cluster).
    for n in &mut plan.nodes {
        if n.id.as_str() == "warehouse" {
            n.model = "bigquery".into();
        }
    }
    // Nothing writes the warehouse's Parquet in this variant: drop the stages after it.
    plan.stages.retain(|s| s.id == id || s.id.as_str() == "etl");
    for s in &mut plan.stages {
        s.after.retain(|a| a.as_str() == "etl");
    }
    (plan, id)
}

#[test]
fn reading_a_warehouse_pays_its_per_tb_scan_price_after_column_pruning() {
    use clusterforge::sim::metrics::MetricKey;
    let catalog = Catalog::builtin();
    let cost = |columns: f64, catalog: &Catalog| {
        let (plan, id) = warehouse_reader(columns);
        let r = simulate(&plan, catalog, 1, &Progress::new()).unwrap();
        r.workloads
            .iter()
            .find(|w| w.id == id.as_str())
            .and_then(|w| w.metric(MetricKey::Cost))
            .unwrap()
    };
    let mut free = catalog.clone();
    free.storage.iter_mut().for_each(|s| s.usd_per_tb_scanned = 0.0);
    let scan = |c: f64| cost(c, &catalog) - cost(c, &free);
    let (plan, _) = warehouse_reader(1.0);
    let d = plan
        .stages
        .iter()
        .find_map(|s| match &s.kind {
            clusterforge::model::StageKind::Ingest(d) | clusterforge::model::StageKind::Preprocess(d)
                if s.id.as_str() == "load-warehouse" =>
            {
                Some(d.clone())
            }
            _ => None,
        })
        .unwrap();
    // BigQuery bills logical bytes: the raw size at 6.25 USD/TiB.
    let want = d.dataset_tb * 5.684;
    assert!((scan(1.0) / want - 1.0).abs() < 1e-6, "{} vs {want}", scan(1.0));
    // A projection of 10 % of the columns is billed 10 %.
    assert!(
        (scan(0.1) / scan(1.0) - 0.1).abs() < 1e-6,
        "{} vs {}",
        scan(0.1),
        scan(1.0)
    );
}

#[test]
fn a_stage_reading_another_format_than_was_written_is_warned() {
    use clusterforge::model::{DataFormat, Severity, StageKind};
    let catalog = Catalog::builtin();
    let mut plan = presets::preset("data-lake-pipeline").unwrap().plan().unwrap();
    let mismatch = |plan: &clusterforge::model::Plan| {
        plan.validate(&catalog)
            .into_iter()
            .filter(|p| p.severity == Severity::Warning && p.message.contains("no stage writes that there"))
            .count()
    };
    assert_eq!(mismatch(&plan), 0, "the preset's chain is consistent");
    for s in &mut plan.stages {
        if s.id.as_str() == "load-warehouse"
            && let StageKind::Ingest(d) | StageKind::Preprocess(d) = &mut s.kind
        {
            d.input_format = DataFormat::Csv;
        }
    }
    assert_eq!(mismatch(&plan), 1);
}
