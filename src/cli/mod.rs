//! The `clusterforge` command line. With no subcommand it opens the GUI;
//! subcommands run headless on the same library.
//!
//! Exit codes: 0 success, 1 problems found (validation errors, failed run),
//! 2 usage or I/O error.

mod bench;
pub mod capacity;
mod catalog_table;
mod compare;
pub mod progress;
pub mod report_cmd;
pub mod simulate;

use crate::format;
use crate::model::{Catalog, Plan, Severity};
use crate::report::{self, presets};
use clap::{Parser, Subcommand, ValueEnum};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub use crate::exit::{EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE};

#[derive(Parser, Debug)]
#[command(
    name = "clusterforge",
    version,
    about = "Design AI infrastructure on a canvas and simulate training, serving, data and cost",
    after_help = "Exit codes: 0 success, 1 problems found, 2 usage or I/O error.\nWith no subcommand the desktop application opens (the default preset, or PLAN)."
)]
pub struct Cli {
    /// Plan file to open in the GUI.
    pub plan: Option<PathBuf>,
    /// Hardware catalog to use instead of the built-in one.
    #[arg(long, global = true, value_name = "FILE")]
    pub catalog: Option<PathBuf>,
    /// Price file (RON `PriceBook`) whose prices replace the catalog's, by id.
    #[arg(long, global = true, value_name = "FILE")]
    pub prices: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Validate plans and print their problems; exits 1 if any has an error.
    Check {
        /// Plan files (.ron, or PNG reports that carry a plan).
        #[arg(required = true)]
        plans: Vec<PathBuf>,
        /// Also fail (exit 1) on warnings.
        #[arg(long)]
        strict: bool,
        #[command(flatten)]
        budget: BudgetArgs,
    },
    /// Print the hardware catalog as a table.
    Catalog {
        /// Only this kind of entry.
        #[arg(long, value_enum)]
        kind: Option<CatalogKind>,
    },
    /// List the built-in presets, or write one to a file.
    Presets {
        /// Write this preset's RON to stdout.
        #[arg(long)]
        show: Option<String>,
    },
    /// Render a PNG report of a plan (simulated first when it is valid); the
    /// PNG carries the plan, so `clusterforge check report.png` reopens it.
    Report {
        /// Plan file (.ron, or a PNG report).
        plan: PathBuf,
        /// Output PNG file.
        #[arg(short, long, default_value = "report.png")]
        output: PathBuf,
        /// Date printed on the report (default: now, UTC).
        #[arg(long)]
        date: Option<String>,
        /// Also run N seeded samples over the catalog's ranges and draw the
        /// P10–P90 bands of time, cost and break-even.
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=10_000))]
        uncertainty: Option<u32>,
    },
    /// Simulate a plan headless and print a summary (progress bar on a terminal).
    Simulate {
        plan: PathBuf,
        /// Seed of the random number generator (default: the plan's).
        #[arg(long)]
        seed: Option<u64>,
        /// Write the results as JSON: to FILE, or to stdout with no value or
        /// `-` (the summary then goes to stderr so stdout stays valid JSON).
        #[arg(long, value_name = "FILE", num_args = 0..=1, default_missing_value = "-")]
        json: Option<PathBuf>,
        /// Also run N seeded samples over the catalog's price and
        /// calibration ranges and print P10/P50/P90 of time, cost and the
        /// break-even.
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=10_000))]
        uncertainty: Option<u32>,
        #[command(flatten)]
        budget: BudgetArgs,
    },
    /// Find the highest request rate a serving stage sustains within its
    /// TTFT/TPOT p99 targets, and the constraint that binds just above it.
    Capacity {
        plan: PathBuf,
        /// Serving stage id (default: every serving stage of the plan).
        #[arg(long)]
        stage: Option<String>,
        /// Seed of the random number generator (default: the plan's).
        #[arg(long)]
        seed: Option<u64>,
        /// Write the answer as JSON: to FILE, or to stdout with no value or
        /// `-` (the summary then goes to stderr).
        #[arg(long, value_name = "FILE", num_args = 0..=1, default_missing_value = "-")]
        json: Option<PathBuf>,
        /// Width of the final bracket, percent of the rate.
        #[arg(long, value_name = "PCT", default_value_t = 0.5, value_parser = parse_tolerance)]
        tolerance: f64,
        #[command(flatten)]
        budget: BudgetArgs,
    },
    /// Simulate two plans and print baseline, current, delta and delta % of
    /// every key metric, a headline and the plan changes; or, with --sweep,
    /// the scaling curve of a training stage.
    Compare {
        /// Baseline plan (.ron or PNG report).
        #[arg(required_unless_present = "sweep")]
        baseline: Option<PathBuf>,
        /// Current plan (.ron or PNG report).
        #[arg(required_unless_present = "sweep")]
        current: Option<PathBuf>,
        /// Print JSON instead of the table.
        #[arg(long)]
        json: bool,
        /// Print CSV (SI units) instead of the table.
        #[arg(long, conflicts_with = "json")]
        csv: bool,
        /// Scaling curve of PLAN instead: placement and DP x1/4 to x4, global batch constant.
        #[arg(long, value_name = "PLAN", conflicts_with_all = ["baseline", "current"])]
        sweep: Option<PathBuf>,
        /// Training stage to sweep (default: the first).
        #[arg(long, requires = "sweep")]
        stage: Option<String>,
    },
    /// Run the simulator benchmarks and print their figures (build with --release).
    Bench {
        /// Print one JSON object, one key per figure.
        #[arg(long)]
        json: bool,
        /// Only benchmarks whose key contains this text.
        #[arg(long)]
        only: Option<String>,
    },
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff) to stdout.
    #[command(hide = true)]
    Manpage,
    /// Convert a plan to JSON (for scripts).
    Export {
        plan: PathBuf,
        /// Output file; stdout when absent.
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
}

/// A bracket width in percent: 0.01 to 50.
fn parse_tolerance(s: &str) -> Result<f64, String> {
    let v: f64 = s.parse().map_err(|_| format!("'{s}' is not a number"))?;
    if (0.01..=50.0).contains(&v) {
        Ok(v)
    } else {
        Err(format!("{v} is outside 0.01..50 (percent of the rate)"))
    }
}

/// How large a run may grow (`sim::Budget`); checked before simulating.
#[derive(clap::Args, Debug, Clone, Copy)]
pub struct BudgetArgs {
    /// Simulator entities (network vertices, links, connections, serving
    /// replicas) a plan may expand to.
    #[arg(long, value_name = "N", default_value_t = crate::sim::budget::DEFAULT_MAX_ENTITIES)]
    pub max_entities: u64,
    /// Events one serving stage may process before the run is stopped.
    #[arg(long, value_name = "N", default_value_t = crate::sim::serving::EVENT_LIMIT)]
    pub event_limit: u64,
}

impl BudgetArgs {
    pub fn budget(self) -> crate::sim::Budget {
        crate::sim::Budget {
            max_entities: self.max_entities,
            max_events: self.event_limit,
        }
    }
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum CatalogKind {
    Devices,
    GpuServer,
    TpuSlice,
    CpuServer,
    EdgeDevice,
    Serverless,
    Storage,
    Switches,
    Calibration,
    /// Every price with its date, source, range and earlier prices.
    Prices,
}

/// Parse arguments and run. `open_gui` is called when no subcommand is given.
pub fn main_with(open_gui: impl FnOnce(Option<PathBuf>, Catalog) -> ExitCode) -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_USAGE } else { EXIT_OK };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let catalog = match load_catalog(cli.catalog.as_deref()).and_then(|c| match &cli.prices {
        Some(p) => report::prices::apply_file(&c, p),
        None => Ok(c),
    }) {
        Ok(c) => c,
        Err(msg) => {
            eprintln!("error: {msg}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    match cli.command {
        None => open_gui(cli.plan, catalog),
        Some(cmd) => ExitCode::from(run_command(cmd, &catalog)),
    }
}

/// A custom catalog larger than this is refused unread: the built-in one is
/// ~40 KB, so 16 MiB leaves room for any real catalog while a wrong path
/// (a disk image, `/dev/zero`) cannot fill memory.
pub const MAX_CATALOG_BYTES: u64 = 16 * 1024 * 1024;

pub fn load_catalog(path: Option<&Path>) -> Result<Catalog, String> {
    let Some(path) = path else {
        return Ok(Catalog::builtin());
    };
    let text = report::read::read_text_capped(path, MAX_CATALOG_BYTES).map_err(|e| format!("catalog {e}"))?;
    Catalog::from_ron(&text).map_err(|e| format!("{}:{}: {}", path.display(), e.span.start, e.code))
}

fn run_command(cmd: Command, catalog: &Catalog) -> u8 {
    match cmd {
        Command::Check { plans, strict, budget } => check(&plans, strict, catalog, &budget.budget()),
        Command::Catalog { kind } => {
            print!("{}", catalog_table::render(catalog, kind));
            EXIT_OK
        }
        Command::Presets { show } => match show {
            None => {
                for p in presets::PRESETS {
                    println!("{:<20} {} — {}", p.id, p.title, p.summary);
                }
                EXIT_OK
            }
            Some(id) => match presets::preset(&id) {
                Some(p) => {
                    print!("{}", p.ron);
                    EXIT_OK
                }
                None => {
                    eprintln!("error: no preset '{id}'; `clusterforge presets` lists them");
                    EXIT_USAGE
                }
            },
        },
        Command::Report {
            plan,
            output,
            date,
            uncertainty,
        } => report_cmd::run(&plan, &output, date.as_deref(), uncertainty, catalog),
        Command::Simulate {
            plan,
            seed,
            json,
            uncertainty,
            budget,
        } => simulate::run(&plan, seed, json.as_deref(), uncertainty, catalog, &budget.budget()),
        Command::Capacity {
            plan,
            stage,
            seed,
            json,
            tolerance,
            budget,
        } => capacity::run(
            &plan,
            &capacity::Args {
                stage: stage.as_deref(),
                seed,
                json: json.as_deref(),
                tolerance: tolerance / 100.0,
                budget: budget.budget(),
            },
            catalog,
        ),
        Command::Compare {
            baseline,
            current,
            json,
            csv,
            sweep,
            stage,
        } => {
            let out = match (json, csv) {
                (true, _) => compare::Output::Json,
                (_, true) => compare::Output::Csv,
                _ => compare::Output::Table,
            };
            match (sweep, baseline, current) {
                (Some(plan), _, _) => compare::run_sweep(&plan, stage.as_deref(), out, catalog),
                (None, Some(b), Some(c)) => compare::run(&b, &c, out, catalog),
                _ => {
                    eprintln!("error: give BASELINE and CURRENT plans, or --sweep PLAN");
                    EXIT_USAGE
                }
            }
        }
        Command::Bench { json, only } => bench::run(json, only.as_deref()),
        Command::Completions { shell } => {
            use clap::CommandFactory;
            clap_complete::generate(shell, &mut Cli::command(), "clusterforge", &mut std::io::stdout());
            EXIT_OK
        }
        Command::Manpage => {
            use clap::CommandFactory;
            let man = clap_mangen::Man::new(Cli::command());
            match man.render(&mut std::io::stdout()) {
                Ok(()) => EXIT_OK,
                Err(e) => {
                    eprintln!("error: cannot write the man page: {e}");
                    EXIT_USAGE
                }
            }
        }
        Command::Export { plan, output } => {
            let plan = match load_or_report(&plan) {
                Ok(p) => p,
                Err(code) => return code,
            };
            let json = report::plan_to_json(&plan);
            match output {
                None => {
                    println!("{json}");
                    EXIT_OK
                }
                Some(path) => match report::write_atomic(&path, json.as_bytes()) {
                    Ok(()) => EXIT_OK,
                    Err(e) => {
                        eprintln!("error: {e}");
                        EXIT_USAGE
                    }
                },
            }
        }
    }
}

/// Load a plan for a headless command, printing the error on failure.
pub fn load_or_report(path: &Path) -> Result<Plan, u8> {
    report::load_plan(path).map_err(|e| {
        eprintln!("error: {e}");
        e.exit_code()
    })
}

fn check(paths: &[PathBuf], strict: bool, catalog: &Catalog, budget: &crate::sim::Budget) -> u8 {
    let mut worst = EXIT_OK;
    for path in paths {
        // The same checks `simulate` refuses on, so what passes here runs.
        let checked = progress::with_spinner(format!("checking {}", path.display()), || {
            report::load_plan(path).map(|plan| crate::sim::budget::preflight(&plan, catalog, budget))
        });
        let problems = match checked {
            Ok(p) => p,
            Err(e) => {
                eprintln!("error: {e}");
                worst = worst.max(e.exit_code());
                continue;
            }
        };
        let errors = problems.iter().filter(|p| p.severity == Severity::Error).count();
        let warnings = problems.len() - errors;
        for p in &problems {
            println!("{}: {p}", path.display());
        }
        println!(
            "{}: {} — {}, {}",
            path.display(),
            if errors == 0 { "ok" } else { "FAILED" },
            format::plural(errors, "error", "errors"),
            format::plural(warnings, "warning", "warnings"),
        );
        if errors > 0 || (strict && warnings > 0) {
            worst = worst.max(EXIT_PROBLEMS);
        }
    }
    worst
}
