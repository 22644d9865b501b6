//! In-process mutation fuzzing (issue 15 part 6) of the three doors hostile
//! bytes come through: the plan loader (`parse_plan`), the PNG report reader
//! (`plan_text_from_png`) and `simulate` (after `preflight`, as the CLI runs
//! it). Deterministic: input `i` of a run is a function of the seed and `i`
//! alone, so a finding is reproduced by its index.
//!
//! cargo-fuzz needs a nightly toolchain, which CI does not install; this
//! harness runs on stable inside `cargo test`. The smoke run (20 000 inputs)
//! is part of every test run; the long run is
//! `CLUSTERFORGE_FUZZ_INPUTS=1000000 cargo test --release --test integration fuzz_long -- --ignored --nocapture`
//! (figures in docs/fuzzing.md).
//!
//! A finding is a panic, or an input that takes longer than
//! [`SLOW_INPUT`]; both fail the run and print the input's index.

use clusterforge::model::{Catalog, Severity};
use clusterforge::report::png::{encode_rgb_with_plan, plan_text_from_png};
use clusterforge::report::{parse_plan, presets::PRESETS};
use clusterforge::sim::{Budget, Progress, simulate_with};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{Duration, Instant};

/// Tokens a mutation splices in: the numbers and shapes that broke parsers
/// and models before (huge, negative, non-finite, empty, deep).
const DICTIONARY: &[&str] = &[
    "1e308",
    "-1e308",
    "NaN",
    "inf",
    "-inf",
    "-1",
    "0",
    "0.0",
    "4294967295",
    "4294967296",
    "2147483647",
    "18446744073709551615",
    "-0",
    "1e-320",
    "\"\"",
    "\"x\"",
    "None",
    "Some(",
    ")",
    "(",
    "[",
    "]",
    ",",
    ":",
    "count: 1000000000",
    "count: 0",
    "tp: 0",
    "pp: 4294967295",
    "dp: 0",
    "lanes: 0",
    "lane_gbps: 0.0",
    "pue: 1e308",
    "tokens: 1e30",
    "rate_rps: 1e12",
    "duration_s: 1e15",
    "format_version: 99",
    "format_version: 0",
    "Interleaved(4294967295)",
    "((((((((((((((((",
    "]]]]]]]]",
    "\u{0}",
    "\u{feff}",
    "é",
    "//",
    "/*",
    "*/",
    "r#\"",
    "#",
];

/// An input slower than this is a finding (debug build, one core).
const SLOW_INPUT: Duration = Duration::from_secs(20);

/// Simulate one clean input in this many (simulation dominates the cost).
const SIMULATE_EVERY: u64 = 97;

#[derive(Default, Debug)]
struct Tally {
    inputs: u64,
    parsed: u64,
    clean: u64,
    simulated: u64,
    simulate_refused: u64,
    png_inputs: u64,
    png_plans: u64,
    findings: Vec<String>,
}

fn mutate(rng: &mut ChaCha8Rng, base: &[u8]) -> Vec<u8> {
    let mut bytes = base.to_vec();
    let rounds = rng.random_range(1..=4);
    for _ in 0..rounds {
        if bytes.is_empty() {
            bytes.extend_from_slice(b"(");
        }
        let at = rng.random_range(0..bytes.len());
        match rng.random_range(0..7) {
            0 => bytes[at] = rng.random(),
            1 => bytes[at] ^= 1 << rng.random_range(0..8),
            2 => {
                let end = (at + rng.random_range(1..64)).min(bytes.len());
                bytes.drain(at..end);
            }
            3 => {
                let end = (at + rng.random_range(1..256)).min(bytes.len());
                let copy = bytes[at..end].to_vec();
                let to = rng.random_range(0..bytes.len());
                bytes.splice(to..to, copy);
            }
            4 | 5 => {
                // Replace a number or a word near `at` with a dictionary token.
                let token = DICTIONARY[rng.random_range(0..DICTIONARY.len())].as_bytes();
                let end = bytes[at..]
                    .iter()
                    .position(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_')))
                    .map_or(bytes.len(), |p| at + p.max(1));
                bytes.splice(at..end, token.iter().copied());
            }
            _ => bytes.truncate(at),
        }
    }
    bytes
}

/// One input through the doors it reaches; panics are caught by the caller.
fn run_one(i: u64, seed: u64, bases: &[&[u8]], png_base: &[u8], catalog: &Catalog, tally: &mut Tally) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ i.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    tally.inputs += 1;
    if i.is_multiple_of(16) {
        // A mutated PNG: the text chunk is CRC-checked, so mutate the
        // container's bytes directly (chunk lengths, CRCs, compressed data).
        tally.png_inputs += 1;
        let png = mutate(&mut rng, png_base);
        if plan_text_from_png(&png, 64 << 20).is_ok() {
            tally.png_plans += 1;
        }
        return;
    }
    let base = bases[rng.random_range(0..bases.len())];
    let bytes = mutate(&mut rng, base);
    let text = String::from_utf8_lossy(&bytes);
    let Ok(plan) = parse_plan(&text, "fuzz") else { return };
    tally.parsed += 1;
    // The budget of a fuzz run: small enough for thousands of inputs a minute.
    let budget = Budget {
        max_entities: 200_000,
        max_events: 2_000_000,
    };
    let problems = clusterforge::sim::budget::preflight(&plan, catalog, &budget);
    if problems.iter().any(|p| p.severity == Severity::Error) {
        return;
    }
    tally.clean += 1;
    if !tally.clean.is_multiple_of(SIMULATE_EVERY) {
        return;
    }
    tally.simulated += 1;
    if simulate_with(&plan, catalog, 1, &Progress::new(), &budget).is_err() {
        tally.simulate_refused += 1;
    }
}

fn fuzz(inputs: u64, seed: u64) -> (Tally, Duration) {
    let catalog = Catalog::builtin();
    let bases: Vec<&[u8]> = PRESETS.iter().map(|p| p.ron.as_bytes()).collect();
    let png_base = encode_rgb_with_plan(4, 4, &[200; 48], PRESETS[0].ron).expect("encodes");
    let mut tally = Tally::default();
    let started = Instant::now();
    // The default hook would print every caught panic; findings are listed.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    for i in 0..inputs {
        let t = Instant::now();
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            run_one(i, seed, &bases, &png_base, &catalog, &mut tally)
        }));
        if let Err(payload) = outcome {
            let msg = payload
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            tally.findings.push(format!("input {i} (seed {seed}): panic: {msg}"));
        }
        if t.elapsed() > SLOW_INPUT {
            tally
                .findings
                .push(format!("input {i} (seed {seed}): took {:?}", t.elapsed()));
        }
    }
    std::panic::set_hook(hook);
    (tally, started.elapsed())
}

fn report(tally: &Tally, took: Duration) {
    println!(
        "fuzz: {} inputs in {:.1} s ({:.0} inputs/s): {} parsed, {} clean, {} simulated ({} refused), {} PNG ({} yielded a plan), {} findings",
        tally.inputs,
        took.as_secs_f64(),
        tally.inputs as f64 / took.as_secs_f64().max(1e-9),
        tally.parsed,
        tally.clean,
        tally.simulated,
        tally.simulate_refused,
        tally.png_inputs,
        tally.png_plans,
        tally.findings.len()
    );
    for f in &tally.findings {
        println!("  {f}");
    }
}

#[test]
fn fuzz_smoke_20k_inputs() {
    let (tally, took) = fuzz(20_000, 15);
    report(&tally, took);
    assert!(tally.findings.is_empty(), "{:#?}", tally.findings);
    // The mutator must still reach the deeper doors, or the run proves little.
    assert!(tally.parsed > 1_000, "{tally:?}");
    assert!(tally.simulated > 5, "{tally:?}");
}

#[test]
#[ignore]
fn fuzz_long() {
    let inputs = std::env::var("CLUSTERFORGE_FUZZ_INPUTS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let seed = std::env::var("CLUSTERFORGE_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2026);
    let (tally, took) = fuzz(inputs, seed);
    report(&tally, took);
    assert!(tally.findings.is_empty(), "{:#?}", tally.findings);
}
