//! Training predictions against published runs (tests/validation/*.ron,
//! one plan per row of the project's copy of the published measurements,
//! each citing its source). Prints a table and fails when the median
//! absolute error exceeds 10 % or any case exceeds 25 %.

use clusterforge::model::Catalog;
use clusterforge::report::load_plan;
use clusterforge::sim::{Progress, simulate};
use std::path::{Path, PathBuf};

fn validation_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/validation")
}

/// The built-in catalog (assets/catalog.ron): the validation runs use the
/// same datasheet figures as every user plan.
pub fn catalog() -> Catalog {
    Catalog::builtin()
}

struct Case {
    id: String,
    metric: String,
    published: f64,
    unit: String,
    definition: String,
}

fn cases() -> Vec<Case> {
    let text = std::fs::read_to_string(validation_dir().join("cases.csv")).expect("cases.csv");
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            Case {
                id: f[0].to_string(),
                metric: f[1].to_string(),
                published: f[2].parse().expect("number"),
                unit: f[3].to_string(),
                definition: f.get(4).unwrap_or(&"").to_string(),
            }
        })
        .collect()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

#[test]
fn training_matches_published_runs() {
    let cat = catalog();
    let mut errors = Vec::new();
    let mut table = String::new();
    table.push_str(&format!(
        "{:<26} {:<26} {:>12} {:>12} {:>8}  {:<8} {}\n",
        "case", "metric", "published", "predicted", "error %", "unit", "definition"
    ));
    let all = cases();
    assert!(all.len() >= 22, "every row of training.csv has a case");
    for case in &all {
        let plan = load_plan(&validation_dir().join(format!("{}.ron", case.id))).expect("plan loads");
        let res = simulate(&plan, &cat, 1, &Progress::new()).unwrap_or_else(|e| panic!("{}: {e}", case.id));
        let w = &res.workloads[0];
        assert!(
            w.memory["weights"]
                + w.memory["gradients"]
                + w.memory["optimizer"]
                + w.memory["activations"]
                + w.memory["buffers"]
                <= w.memory["capacity"],
            "{}: the published configuration must fit in memory",
            case.id
        );
        let predicted = match case.metric.as_str() {
            "days_to_train" => w.metric("time_to_train_s").expect("time") / 86_400.0,
            m => w.metric(m).unwrap_or_else(|| panic!("{}: no metric {m}", case.id)),
        };
        let err = (predicted / case.published - 1.0) * 100.0;
        errors.push(err.abs());
        table.push_str(&format!(
            "{:<26} {:<26} {:>12.2} {:>12.2} {:>+8.1}  {:<8} {}\n",
            case.id, case.metric, case.published, predicted, err, case.unit, case.definition
        ));
    }
    let med = median(errors.clone());
    let max = errors.iter().cloned().fold(0.0, f64::max);
    table.push_str(&format!("median |error| {med:.1} %, max |error| {max:.1} %\n"));
    println!("{table}");
    assert!(med <= 10.0, "median error {med:.1} % > 10 %\n{table}");
    assert!(max <= 25.0, "a case is off by {max:.1} % > 25 %\n{table}");
}
