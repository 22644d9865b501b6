//! The module layering of ARCHITECTURE.md, enforced: `model` and `sim` are
//! pure and know nothing of files or screens, `report` knows nothing of the
//! GUI, the GUI does not reach into the CLI. And metric keys are spelled in
//! one place only, the registry in `src/sim/metrics.rs`.
//!
//! Test code (`#[cfg(test)] mod …` at the end of a file, or a file declared
//! that way) may use anything: a `sim` test may load a preset.

use clusterforge::sim::metrics::{Cause, MetricKey};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The top-level modules each module may use (besides itself and std).
fn allowed(module: &str) -> &'static [&'static str] {
    match module {
        "units" | "exit" => &[],
        "format" => &["units"],
        "model" => &["units"],
        "sim" => &["model", "units", "format"],
        "report" => &["model", "sim", "units", "format"],
        "ui" => &["model", "sim", "report", "units", "format", "exit"],
        // The top: parses arguments, runs every command, opens the GUI.
        "cli" => &["model", "sim", "report", "ui", "units", "format", "exit"],
        _ => &[],
    }
}

fn src() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// Files that are test modules: declared `#[cfg(test)] mod name;`.
fn test_only_files(files: &[PathBuf]) -> BTreeSet<PathBuf> {
    let mut out = BTreeSet::new();
    for f in files {
        let text = std::fs::read_to_string(f).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        for w in lines.windows(2) {
            let decl = w[1].trim();
            if w[0].trim() == "#[cfg(test)]"
                && let Some(name) = decl.strip_prefix("mod ").and_then(|d| d.strip_suffix(';'))
            {
                let dir = if f
                    .file_name()
                    .is_some_and(|n| n == "mod.rs" || n == "lib.rs" || n == "main.rs")
                {
                    f.parent().map(Path::to_path_buf)
                } else {
                    f.parent().map(|p| p.join(f.file_stem().unwrap_or_default()))
                };
                if let Some(dir) = dir {
                    out.insert(dir.join(format!("{name}.rs")));
                    out.insert(dir.join(name).join("mod.rs"));
                }
            }
        }
    }
    out
}

/// The non-test part of a file: up to its `#[cfg(test)] mod … {`.
fn production_part(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let mut end = lines.len();
    for (i, w) in lines.windows(2).enumerate() {
        if w[0].trim() == "#[cfg(test)]" && w[1].trim_start().starts_with("mod ") && w[1].trim_end().ends_with('{') {
            end = i;
            break;
        }
    }
    lines[..end].join("\n")
}

/// The top-level modules a source text names through `crate::`.
fn crate_modules(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for line in text.lines() {
        let code = line.split("//").next().unwrap_or_default();
        let mut rest = code;
        while let Some(i) = rest.find("crate::") {
            rest = &rest[i + "crate::".len()..];
            if let Some(group) = rest.strip_prefix('{') {
                let inner = group.split('}').next().unwrap_or_default();
                for part in inner.split(',') {
                    let name: String = part
                        .trim()
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect();
                    if !name.is_empty() {
                        out.insert(name);
                    }
                }
            } else {
                let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                if !name.is_empty() {
                    out.insert(name);
                }
            }
        }
    }
    out
}

/// The forbidden uses in one module's source text.
fn violations(module: &str, text: &str) -> Vec<String> {
    let ok = allowed(module);
    crate_modules(&production_part(text))
        .into_iter()
        .filter(|m| m != module && !ok.contains(&m.as_str()) && allowed_exists(m))
        .collect()
}

/// Only the crate's own top-level modules count (not `crate::Foo` items).
fn allowed_exists(m: &str) -> bool {
    ["units", "exit", "format", "model", "sim", "report", "ui", "cli"].contains(&m)
}

fn module_of(path: &Path) -> Option<String> {
    let rel = path.strip_prefix(src()).ok()?;
    let first = rel.components().next()?.as_os_str().to_string_lossy().into_owned();
    Some(first.trim_end_matches(".rs").to_owned())
}

fn production_sources() -> Vec<(PathBuf, String)> {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let tests = test_only_files(&files);
    files.sort();
    files
        .into_iter()
        .filter(|f| !tests.contains(f))
        .filter_map(|f| {
            let text = std::fs::read_to_string(&f).ok()?;
            Some((f, production_part(&text)))
        })
        .collect()
}

#[test]
fn no_module_imports_against_the_layering() {
    let mut bad = Vec::new();
    for (file, text) in production_sources() {
        let Some(module) = module_of(&file) else { continue };
        if ["lib", "main"].contains(&module.as_str()) {
            continue;
        }
        for m in violations(&module, &text) {
            bad.push(format!("{}: `{module}` uses `crate::{m}`", file.display()));
        }
    }
    assert!(
        bad.is_empty(),
        "forbidden imports (see ARCHITECTURE.md):\n{}",
        bad.join("\n")
    );
}

#[test]
fn the_layering_check_catches_a_forbidden_import() {
    assert_eq!(
        violations("sim", "use crate::ui::App;\nuse crate::model::Plan;"),
        ["ui"]
    );
    assert_eq!(violations("model", "use crate::{sim::Results, units::Bytes};"), ["sim"]);
    assert_eq!(violations("ui", "let x = crate::cli::EXIT_OK;"), ["cli"]);
    assert!(violations("report", "// crate::ui is mentioned in a comment").is_empty());
    assert!(
        violations(
            "sim",
            "fn f() {}\n#[cfg(test)]\nmod tests {\n    use crate::report::presets;\n}"
        )
        .is_empty(),
        "tests may use anything"
    );
}

/// Metric, cause and series keys that could only be a key (they have an
/// underscore); single words like "gpus" or "compute" also name other
/// things and are left out.
fn registry_keys() -> BTreeSet<&'static str> {
    MetricKey::ALL
        .iter()
        .map(|k| k.key())
        .chain(Cause::ALL.iter().map(|c| c.key()))
        .chain(["queue_length", "replicas_up", "ttft_cdf", "pipeline_stage", "scale_up"])
        .filter(|k| k.contains('_'))
        .collect()
}

fn key_literals(text: &str, keys: &BTreeSet<&str>) -> Vec<String> {
    let mut found = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let code = line.split("//").next().unwrap_or_default();
        for (j, part) in code.split('"').enumerate() {
            if j % 2 == 1 && keys.contains(part) {
                found.push(format!("line {}: \"{part}\"", i + 1));
            }
        }
    }
    found
}

#[test]
fn metric_keys_are_spelled_only_in_the_registry() {
    let keys = registry_keys();
    assert!(keys.contains("time_to_train_s") && keys.contains("tp_comm"));
    let mut bad = Vec::new();
    for (file, text) in production_sources() {
        if file.ends_with("sim/metrics.rs") {
            continue;
        }
        for hit in key_literals(&text, &keys) {
            bad.push(format!("{}: {hit}", file.display()));
        }
    }
    assert!(
        bad.is_empty(),
        "use MetricKey/Cause/SeriesKey, not their JSON keys:\n{}",
        bad.join("\n")
    );
    assert_eq!(
        key_literals("let k = \"tokens_per_second\";", &keys).len(),
        1,
        "the scan finds a literal"
    );
}
