//! The JSON `clusterforge simulate --json` writes (and File › Export results
//! (JSON)) is an interface scripts read: its keys are pinned per preset, so
//! a renamed or dropped key fails here instead of breaking someone's
//! pipeline silently. docs/results-json.md documents every key.
//!
//! After an intended change, regenerate the pins with
//! `CLUSTERFORGE_BLESS_SCHEMA=1 cargo test --test integration json_schema`
//! and say in the commit which keys changed.

use clusterforge::cli::simulate::to_json;
use clusterforge::model::Catalog;
use clusterforge::report::presets::PRESETS;
use clusterforge::sim::metrics::{Cause, MetricKey};
use clusterforge::sim::{Progress, simulate};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::PathBuf;

/// Every leaf path with its JSON type; array elements merged under `[]`.
fn schema(v: &Value, path: &str, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(m) if m.is_empty() => {
            out.insert(format!("{path}: {{}}"));
        }
        Value::Object(m) => {
            for (k, x) in m {
                schema(x, &format!("{path}.{k}"), out);
            }
        }
        Value::Array(a) if a.is_empty() => {
            out.insert(format!("{path}: []"));
        }
        Value::Array(a) => {
            for x in a {
                schema(x, &format!("{path}[]"), out);
            }
        }
        Value::Null => {
            out.insert(format!("{path}: null"));
        }
        Value::Bool(_) => {
            out.insert(format!("{path}: bool"));
        }
        Value::Number(_) => {
            out.insert(format!("{path}: number"));
        }
        Value::String(_) => {
            out.insert(format!("{path}: string"));
        }
    }
}

fn pin_path(id: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("tests/integration/json_schema/{id}.txt"))
}

#[test]
fn the_json_keys_of_every_preset_are_pinned() {
    let bless = std::env::var_os("CLUSTERFORGE_BLESS_SCHEMA").is_some();
    let mut changed = Vec::new();
    for preset in PRESETS {
        let plan = preset.plan().expect("preset parses");
        let results = simulate(&plan, &Catalog::builtin(), plan.settings.seed, &Progress::new()).expect("simulates");
        let json: Value = serde_json::from_str(&to_json(&results)).expect("JSON parses");
        let mut lines = BTreeSet::new();
        schema(&json, "", &mut lines);
        let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
        let path = pin_path(preset.id);
        if bless {
            std::fs::write(&path, &text).expect("write pin");
            continue;
        }
        let pinned = std::fs::read_to_string(&path).unwrap_or_default();
        if pinned != text {
            let old: BTreeSet<&str> = pinned.lines().collect();
            let new: BTreeSet<&str> = text.lines().collect();
            let gone: Vec<_> = old.difference(&new).collect();
            let added: Vec<_> = new.difference(&old).collect();
            changed.push(format!("{}: removed {gone:?}, added {added:?}", preset.id));
        }
    }
    assert!(
        changed.is_empty(),
        "the JSON schema changed (scripts read these keys; update docs/results-json.md and \
         re-pin with CLUSTERFORGE_BLESS_SCHEMA=1):\n{}",
        changed.join("\n")
    );
}

#[test]
fn every_metric_and_cause_key_is_documented() {
    let doc = std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/results-json.md"))
        .expect("docs/results-json.md");
    let missing: Vec<&str> = MetricKey::ALL
        .iter()
        .map(|k| k.key())
        .chain(Cause::ALL.iter().map(|c| c.key()))
        .filter(|k| !doc.contains(&format!("`{k}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "keys missing from docs/results-json.md: {missing:?}"
    );
}
