//! `clusterforge bench`: run the benchmark list and print each figure, or
//! one JSON object with `--json`. Modules add figures by extending
//! [`all_benches`].

use super::{EXIT_OK, EXIT_PROBLEMS};
use crate::sim::bench::{self, Bench};

/// Every benchmark, in output order. Later modules append theirs here.
pub fn all_benches() -> Vec<Bench> {
    bench::benches()
}

pub fn run(json: bool, only: Option<&str>) -> u8 {
    if cfg!(debug_assertions) {
        eprintln!("warning: this is a debug build; figures are only meaningful with --release");
    }
    let mut figures = serde_json::Map::new();
    let mut failed = false;
    for b in all_benches() {
        if only.is_some_and(|o| !b.key.contains(o)) {
            continue;
        }
        if !json {
            eprintln!("running {} …", b.key);
        }
        match (b.run)() {
            Ok(v) => {
                if !json {
                    let target = if b.target.is_empty() {
                        String::new()
                    } else {
                        format!("  (target {})", b.target)
                    };
                    println!("{:<34} {:>16}{target}\n    {}", b.key, fmt(v), b.what);
                }
                figures.insert(b.key.to_owned(), serde_json::json!(v));
            }
            Err(e) => {
                eprintln!("error: {}: {e}", b.key);
                figures.insert(b.key.to_owned(), serde_json::Value::Null);
                failed = true;
            }
        }
    }
    if json {
        println!("{}", serde_json::Value::Object(figures));
    }
    if failed { EXIT_PROBLEMS } else { EXIT_OK }
}

fn fmt(v: f64) -> String {
    if v >= 1e4 { format!("{v:.0}") } else { format!("{v:.6}") }
}
