//! One number, one truth: for every preset, each device group's and link's
//! utilization is the same number (and the same text) on the canvas
//! overlay, in Results › Tables and its CSV, in the PNG report's figures,
//! in `clusterforge simulate`'s summary and in its JSON; the iteration-time
//! breakdown lists the same causes, in the same order, with the same labels
//! in the GUI and the PNG report.

use clusterforge::cli::simulate::{summary, to_json};
use clusterforge::model::{Catalog, Plan};
use clusterforge::report::figures::{self, Figures};
use clusterforge::report::presets::PRESETS;
use clusterforge::sim::metrics::Resource;
use clusterforge::sim::{Progress, Results, simulate};
use clusterforge::ui::canvas::overlay;
use clusterforge::ui::results::{export, overlay_of};

fn run(id: &str) -> (Plan, Results) {
    let preset = PRESETS.iter().find(|p| p.id == id).expect("preset");
    let plan = preset.plan().expect("preset parses");
    let results = simulate(&plan, &Catalog::builtin(), plan.settings.seed, &Progress::new())
        .unwrap_or_else(|e| panic!("{id} simulates: {e}"));
    (plan, results)
}

#[test]
fn every_view_shows_the_same_utilization_for_every_preset() {
    for preset in PRESETS {
        let (plan, results) = run(preset.id);
        let id = preset.id;
        let json: serde_json::Value = serde_json::from_str(&to_json(&results)).expect("JSON parses");
        let report = Figures::from_sim(&plan, &results);
        let table = export::utilization_rows(&results, &plan);
        let csv = export::utilization_csv(&results, &plan);
        let cli = summary(&plan, &results);
        let canvas = overlay_of(&results, &plan);
        let mut rows = 0;
        for (wi, w) in results.workloads.iter().enumerate() {
            let png = &report.workloads[wi];
            assert_eq!(png.stage.to_string(), w.id, "{id}: the report keeps the stage order");
            let stage_rows: Vec<_> = table.iter().filter(|r| r.stage == w.id).collect();
            assert_eq!(
                stage_rows.len(),
                w.utilization.values().filter(|v| v.is_finite()).count(),
                "{id}/{}: one table row per resource",
                w.id
            );
            for row in stage_rows {
                rows += 1;
                let what = format!("{id}/{} {}", w.id, row.resource);
                // The PNG report's figures.
                let in_png = report
                    .utilization
                    .iter()
                    .find(|u| u.stage == w.id && u.resource == row.resource)
                    .unwrap_or_else(|| panic!("{what}: in the PNG figures"));
                assert_eq!(in_png.mean, row.mean, "{what}: PNG == table");
                assert_eq!(in_png.label, row.label, "{what}: same label");
                // `simulate --json`: the same value under the resource's key.
                let key = row.resource.to_string();
                let in_json = json["workloads"][wi]["utilization"][&key]
                    .as_f64()
                    .unwrap_or_else(|| panic!("{what}: in the JSON under {key}"));
                assert_eq!(in_json.clamp(0.0, 1.0), row.mean, "{what}: JSON == table");
                // The CSV the Tables tab copies and exports.
                let csv_row = format!("{},", w.id);
                assert!(
                    csv.lines().any(|l| l.starts_with(&csv_row)
                        && l.contains(&format!(
                            ",{key},{},",
                            clusterforge::report::table_csv::number(row.mean)
                        ))),
                    "{what}: in the CSV\n{csv}"
                );
                // The CLI summary: label and the same percent text.
                let text = clusterforge::format::percent(row.mean);
                assert!(
                    cli.lines()
                        .any(|l| l.contains(&row.label) && l.trim_end().ends_with(&text)),
                    "{what}: '{}' {text} in the CLI summary\n{cli}",
                    row.label
                );
            }
        }
        // The canvas paints, per plan node and link, the busiest stage's row
        // of the table, as the same text.
        let canvas = canvas.unwrap_or_else(|| panic!("{id}: a run paints the canvas"));
        for n in &plan.nodes {
            let busiest = table
                .iter()
                .filter(|r| r.resource == Resource::Node(n.id.clone()))
                .map(|r| r.mean)
                .reduce(f64::max);
            assert_eq!(canvas.node(&n.id), busiest, "{id}: node {} canvas == table", n.id);
            if let Some(b) = busiest {
                assert_eq!(overlay::percent(b), clusterforge::format::percent(b));
            }
        }
        for l in &plan.links {
            let busiest = table
                .iter()
                .filter(|r| r.resource == Resource::Link(l.id.clone()))
                .map(|r| r.mean)
                .reduce(f64::max);
            assert_eq!(canvas.link(&l.id), busiest, "{id}: link {} canvas == table", l.id);
        }
        assert!(rows > 0, "{id}: some utilization is shown");
    }
}

#[test]
fn the_breakdown_lists_the_same_causes_in_the_gui_and_the_png_for_every_preset() {
    for preset in PRESETS {
        let (plan, results) = run(preset.id);
        let report = Figures::from_sim(&plan, &results);
        for (w, png) in results.workloads.iter().zip(&report.workloads) {
            // What the Results tab's breakdown chart draws.
            let gui = figures::breakdown(w);
            assert!(
                gui.windows(2).all(|p| p[0].cause < p[1].cause),
                "{}/{}: in cause order",
                preset.id,
                w.id
            );
            let gui: Vec<_> = gui.iter().map(|c| (c.label(), c.seconds)).collect();
            let png: Vec<_> = png.breakdown.iter().map(|c| (c.label(), c.seconds)).collect();
            assert_eq!(gui, png, "{}/{}: same causes, order, labels", preset.id, w.id);
            // Labelled, not raw keys.
            assert!(gui.iter().all(|(l, _)| !l.contains('_')), "labels, not keys: {gui:?}");
        }
    }
}
