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
    assert!(!out.contains("undated"), "every price is dated:\n{out}");
    let (_, out, _) = cli(&["--prices", EXAMPLE, "catalog", "--kind", "prices"]);
    let p5 = out
        .lines()
        .find(|l| l.starts_with("aws-p5-48xlarge"))
        .unwrap_or_default();
    assert!(p5.contains("2026-03") || p5.contains("2025-06"), "{p5}");
    assert!(p5.contains("55.04"), "{p5}");
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
