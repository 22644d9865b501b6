//! `Plan::validate`: every problem of a plan, each pointing at the element it
//! concerns and saying how to fix it. Validation never stops at the first
//! problem, so the canvas can mark all of them at once.

use super::catalog::{Catalog, Entry};
use super::ids::{LinkId, NodeId, SiteId, StageId};
use super::index::PlanIndex;
use super::plan::{CatalogCategory, Link, Medium, Node, NodeKind, NodeRole, Plan, SiteKind, WiringPattern};
use super::workload::{ModelSpec, StageKind};
use petgraph::unionfind::UnionFind;
use serde::Serialize;
use std::collections::{BTreeSet, HashMap};
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum Severity {
    Warning,
    Error,
}

/// The plan element a problem is about.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum Subject {
    Plan,
    Site(SiteId),
    Node(NodeId),
    Link(LinkId),
    Stage(StageId),
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Subject::Plan => write!(f, "plan"),
            Subject::Site(id) => write!(f, "site '{id}'"),
            Subject::Node(id) => write!(f, "node '{id}'"),
            Subject::Link(id) => write!(f, "link '{id}'"),
            Subject::Stage(id) => write!(f, "stage '{id}'"),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Problem {
    pub severity: Severity,
    pub subject: Subject,
    pub message: String,
    /// How to fix it, in the user's terms.
    pub hint: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{sev}: {}: {}", self.subject, self.message)?;
        if !self.hint.is_empty() {
            write!(f, " (hint: {})", self.hint)?;
        }
        Ok(())
    }
}

/// Collects problems while the checks run.
struct Report {
    problems: Vec<Problem>,
}

impl Report {
    fn push(&mut self, severity: Severity, subject: Subject, message: String, hint: &str) {
        self.problems.push(Problem {
            severity,
            subject,
            message,
            hint: hint.to_owned(),
        });
    }
    fn error(&mut self, subject: Subject, message: String, hint: &str) {
        self.push(Severity::Error, subject, message, hint);
    }
    fn warn(&mut self, subject: Subject, message: String, hint: &str) {
        self.push(Severity::Warning, subject, message, hint);
    }
}

impl Plan {
    /// Every problem of the plan against `catalog`: errors first, then
    /// warnings, each group in plan order.
    pub fn validate(&self, catalog: &Catalog) -> Vec<Problem> {
        let mut r = Report { problems: Vec::new() };
        // Built once: every check below looks nodes up by id.
        let index = PlanIndex::new(self);
        check_duplicates(self, &mut r);
        check_sites(self, &mut r);
        for node in &self.nodes {
            check_node(&index, catalog, node, &mut r);
        }
        for link in &self.links {
            check_link(&index, catalog, link, &mut r);
        }
        check_switch_ports(self, &index, catalog, &mut r);
        check_stages(self, &index, catalog, &mut r);
        check_stage_cycles(self, &mut r);
        check_data_formats(self, &mut r);
        check_reachability(self, &index, &mut r);
        check_settings(self, &mut r);
        r.problems.sort_by_key(|p| std::cmp::Reverse(p.severity));
        r.problems
    }

    /// Number of accelerators (GPUs, TPU chips, edge SoCs) in a node group.
    pub fn devices_in(&self, catalog: &Catalog, id: &NodeId) -> u64 {
        self.node(id).map_or(0, |n| n.devices(catalog))
    }
}

impl Node {
    /// Number of accelerators in the group (0 when its model is no system).
    pub fn devices(&self, catalog: &Catalog) -> u64 {
        catalog
            .system(&self.model)
            .map_or(0, |sys| self.count as u64 * sys.devices as u64)
    }
}

/// Finite and above zero (NaN is not positive).
fn positive(x: f64) -> bool {
    x > 0.0 && x.is_finite()
}

/// Finite and zero or more.
fn non_negative(x: f64) -> bool {
    x >= 0.0 && x.is_finite()
}

/// Finite and within `lo..=hi` (NaN is in no range).
fn within(x: f64, lo: f64, hi: f64) -> bool {
    x.is_finite() && x >= lo && x <= hi
}

/// Plausible ranges of the numbers that reach money, energy, time and
/// memory. Each bound lies far beyond any real plan, so it catches typos and
/// hostile files (`1e308`, `NaN`) before they turn into `inf` costs or
/// runaway allocations, never a design someone could build.
pub mod bounds {
    /// Neurons or synapses of a spiking network: Hala Point, the largest
    /// neuromorphic system, holds 1.15e9 neurons and 1.28e11 synapses
    /// (emerging.csv EM2-001); 1e13 leaves two orders of margin.
    pub const SNN_SIZE: f64 = 1e13;
    /// Iterations of a hybrid quantum loop: VQE/QAOA optimisers converge in
    /// tens to thousands of iterations; 1e6 is far past any cloud budget.
    pub const QUANTUM_ITERATIONS: f64 = 1e6;
    /// Circuits per iteration: a parameter-shift gradient of 1,000
    /// parameters needs 2,000; 1e5 leaves margin.
    pub const QUANTUM_CIRCUITS: f64 = 1e5;
    /// Shots per circuit: providers cap a task at 1e4-1e5 shots (IonQ
    /// 10,000 per task on Braket; IBM 1e5 per PUB); 1e7 leaves margin.
    pub const QUANTUM_SHOTS: f64 = 1e7;
    /// Gates per circuit: 1e7 is past any circuit today's QPUs run coherently.
    pub const QUANTUM_GATES: f64 = 1e7;
    /// GFLOP of one classical optimiser step: 1e6 (a second of a large
    /// cluster) covers classical shadows and tensor-network post-processing.
    pub const QUANTUM_CLASSICAL_GFLOP: f64 = 1e6;
    /// Payload per iteration, kB: 1e7 kB = 10 GB.
    pub const QUANTUM_PAYLOAD_KB: f64 = 1e7;
    /// Timesteps per inference: SNN benchmarks run tens to thousands of
    /// timesteps (1 ms steps over ~1 s of audio for keyword spotting);
    /// 1e6 leaves wide margin.
    pub const SNN_TIMESTEPS: f64 = 1e6;
    /// GFLOP per inference of the conventional equivalent: a 70B-parameter
    /// transformer's forward pass over 4k tokens is ~6e5 GFLOP; 1e7 covers it.
    pub const SNN_GFLOP: f64 = 1e7;
    /// Inferences per second: 1e9 is a million sensors at 1 kHz each.
    pub const SNN_RATE: f64 = 1e9;
    /// Input bytes per inference: 1 GB (a large image batch) is ample.
    pub const SNN_INPUT_BYTES: f64 = 1e9;
    /// Facility power over IT power: 1.0 is the ideal; surveyed data centres
    /// run 1.1-2.5 (Uptime Institute 2023), so 3 covers any real site.
    pub const PUE: (f64, f64) = (1.0, 3.0);
    /// kg CO2e per kWh: lignite plants emit ~1.1-1.2 (IPCC AR5 WG3 Annex III);
    /// 2 leaves margin above the dirtiest grid.
    pub const CARBON_KG_PER_KWH: (f64, f64) = (0.0, 2.0);
    /// USD per kWh: retail peaks near 1 (Europe 2022); 10 is no real tariff.
    pub const POWER_USD_PER_KWH: f64 = 10.0;
    /// USD per year or one-off: 1e13 is a tenth of world GDP, past any
    /// operating budget or build-out.
    pub const USD: f64 = 1e13;
    /// Years of amortization: hardware is written off over 3-6 years,
    /// buildings over ~40.
    pub const YEARS: f64 = 50.0;
    /// USD per GB of egress: list prices are 0.05-0.2.
    pub const EGRESS_USD_PER_GB: f64 = 10.0;
    /// Spot preemptions per instance-hour: more than one a minute leaves no
    /// useful work.
    pub const PREEMPTIONS_PER_HOUR: f64 = 60.0;
    /// Tokens (or samples) of a training or evaluation run: Llama 3 trained
    /// on 1.5e13; 1e16 is hundreds of times any published run.
    pub const TOKENS: f64 = 1e16;
    /// Canvas units from the origin: cards are ~200 units wide; a card past
    /// 1e7 cannot be reached by panning, and `f32` loses whole units there.
    pub const CANVAS: f32 = 1e7;
    /// Lane rate, Gbit/s: NVLink's default is 3600 per bundle lane; 1e5
    /// (100 Tbit/s) is beyond any medium.
    pub const LANE_GBPS: f64 = 1e5;
    /// Lanes in one connection: cables per connection of a bundle; 65536
    /// ports are more than any switch group has.
    pub const LANES: u32 = 65_536;
    /// One-way hop latency, microseconds: geostationary links are ~0.3 s;
    /// 1e7 is 10 s.
    pub const LATENCY_US: f64 = 1e7;
    /// Storage capacity or dataset size, TB: 1e7 TB is 10 EB, more than any
    /// single store.
    pub const TB: f64 = 1e7;
    /// An artefact written in one checkpoint, GB: 1e8 GB is 100 PB.
    pub const CHECKPOINT_GB: f64 = 1e8;
    /// Seconds for periods, intervals, SLOs and cold starts: ten years, the
    /// simulator's time limit (`sim::Limits::max_time`).
    pub const SECONDS: f64 = 10.0 * 365.0 * 86_400.0;
    /// Parameters, billions: 1e6 is a quadrillion, ~500 times the largest
    /// model trained.
    pub const PARAMS_B: f64 = 1e6;
    /// Tokens of one prompt or answer: 1e7 is ten times the longest context
    /// windows offered (1-2 M tokens).
    pub const TOKENS_PER_REQUEST: f64 = 1e7;
    /// Per-sample GFLOPs of a CNN or millions of its parameters: 1e7 is a
    /// million times ResNet-50.
    pub const CNN: f64 = 1e7;
    /// Coefficient of variation of a length, burst factor, peak-to-trough
    /// ratio, queue target: dimensionless; 1e4 is no real distribution.
    pub const RATIO: f64 = 1e4;
}

/// A number as a message shows it: `1e308`, not 309 digits; `0.5`, `NaN`.
fn num(x: f64) -> String {
    if x.is_finite() && x != 0.0 && !(1e-4..1e7).contains(&x.abs()) {
        format!("{x:e}")
    } else {
        format!("{x}")
    }
}

/// A number outside its range, pointing at `subject`: "PUE 1e308 is outside
/// 1-3".
fn range_error(r: &mut Report, subject: &Subject, what: &str, value: f64, lo: f64, hi: f64, hint: &str) {
    if !within(value, lo, hi) {
        r.error(
            subject.clone(),
            format!("{what} {} is outside {}-{}", num(value), num(lo), num(hi)),
            hint,
        );
    }
}

/// A data stage that reads what another data stage writes must read it in
/// the format and codec it is written in: an ETL that writes CSV cannot feed
/// a stage declared as reading Parquet (its parse cost and bytes would be
/// those of the wrong format). Linear: one map from node to writers.
fn check_data_formats(plan: &Plan, r: &mut Report) {
    use crate::model::{DataStage, Stage};
    fn data(s: &Stage) -> Option<&DataStage> {
        match &s.kind {
            StageKind::Ingest(d) | StageKind::Preprocess(d) => Some(d),
            _ => None,
        }
    }
    let mut writers: std::collections::HashMap<&NodeId, Vec<(&Stage, &DataStage)>> = Default::default();
    for s in &plan.stages {
        if let Some(d) = data(s) {
            writers.entry(&d.destination).or_default().push((s, d));
        }
    }
    for s in &plan.stages {
        let Some(d) = data(s) else { continue };
        let others: Vec<&(&Stage, &DataStage)> = writers
            .get(&d.source)
            .map(|w| w.iter().filter(|(w, _)| w.id != s.id).collect())
            .unwrap_or_default();
        // One store can hold several datasets (raw Parquet and token shards
        // in one bucket): only a read no writer matches is a mismatch.
        let matches =
            |(_, w): &&(&Stage, &DataStage)| w.output_format == d.input_format && w.output_codec == d.input_codec;
        if others.is_empty() || others.iter().any(matches) {
            continue;
        }
        let written: Vec<String> = others
            .iter()
            .map(|(w, wd)| format!("'{}' writes {:?}/{:?}", w.name, wd.output_format, wd.output_codec))
            .collect();
        r.warn(
            Subject::Stage(s.id.clone()),
            format!(
                "reads '{}' as {:?}/{:?}, but no stage writes that there ({})",
                d.source,
                d.input_format,
                d.input_codec,
                written.join("; ")
            ),
            "set this stage's input format and codec to what the stage before writes (or change that stage's output)",
        );
    }
}

/// The cost comparison's horizon and utilization.
fn check_settings(plan: &Plan, r: &mut Report) {
    let s = &plan.settings;
    if !(positive(s.tco_horizon_years) && s.tco_horizon_years <= 50.0) {
        r.error(
            Subject::Plan,
            format!("cost horizon {} years is not between 0 and 50", s.tco_horizon_years),
            "set the cost horizon in the plan settings, e.g. 3 years",
        );
    }
    if !(non_negative(s.tco_utilization) && s.tco_utilization <= 1.0) {
        r.error(
            Subject::Plan,
            format!("cost utilization {} is not between 0 and 1", s.tco_utilization),
            "set the share of hours the compute is needed, e.g. 0.7",
        );
    }
    for (what, v) in [
        ("purchase discount", s.discounts.purchase),
        ("cloud discount", s.discounts.cloud),
    ] {
        if !(non_negative(v) && v <= MAX_DISCOUNT) {
            r.error(
                Subject::Plan,
                format!("{what} {} is not between 0 and {MAX_DISCOUNT}", num(v)),
                "give the negotiated discount as a fraction of the list price, e.g. 0.15 for 15 % off",
            );
        }
    }
}

/// Negotiated discounts above 90 % are a typo for a price, not a deal.
pub const MAX_DISCOUNT: f64 = 0.9;

pub fn has_errors(problems: &[Problem]) -> bool {
    problems.iter().any(|p| p.severity == Severity::Error)
}

fn check_duplicates(plan: &Plan, r: &mut Report) {
    fn dups<'a>(ids: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
        let mut seen = BTreeSet::new();
        let mut out = BTreeSet::new();
        for id in ids {
            if !seen.insert(id) {
                out.insert(id);
            }
        }
        out.into_iter().collect()
    }
    const HINT: &str = "give every element a unique id";
    for id in dups(plan.sites.iter().map(|s| s.id.as_str())) {
        r.error(Subject::Site(id.into()), format!("duplicate site id '{id}'"), HINT);
    }
    for id in dups(plan.nodes.iter().map(|s| s.id.as_str())) {
        r.error(Subject::Node(id.into()), format!("duplicate node id '{id}'"), HINT);
    }
    for id in dups(plan.links.iter().map(|s| s.id.as_str())) {
        r.error(Subject::Link(id.into()), format!("duplicate link id '{id}'"), HINT);
    }
    for id in dups(plan.stages.iter().map(|s| s.id.as_str())) {
        r.error(Subject::Stage(id.into()), format!("duplicate stage id '{id}'"), HINT);
    }
}

/// Prices, power, PUE and carbon of every site.
fn check_sites(plan: &Plan, r: &mut Report) {
    for site in &plan.sites {
        let subject = Subject::Site(site.id.clone());
        let (lo, hi) = bounds::CARBON_KG_PER_KWH;
        range_error(
            r,
            &subject,
            "carbon intensity (kg CO2e/kWh)",
            site.carbon_kg_per_kwh,
            lo,
            hi,
            "grid intensity is 0.02 (hydro, nuclear) to 1.0 (coal) kg CO2e per kWh",
        );
        match &site.kind {
            SiteKind::OnPrem(s) => {
                let (lo, hi) = bounds::PUE;
                if !within(s.pue, lo, hi) {
                    r.error(
                        subject.clone(),
                        format!("PUE {} is outside {lo}-{hi}", num(s.pue)),
                        "PUE is facility power over IT power: 1.1 (hyperscale) to 1.6 (industry average)",
                    );
                }
                if !(positive(s.amortization_years) && s.amortization_years <= bounds::YEARS) {
                    r.error(
                        subject.clone(),
                        format!(
                            "amortization period {} years is not between 0 and {}",
                            num(s.amortization_years),
                            bounds::YEARS
                        ),
                        "hardware is usually written off over 3 to 5 years",
                    );
                }
                range_error(
                    r,
                    &subject,
                    "power price (USD/kWh)",
                    s.power_usd_per_kwh,
                    0.0,
                    bounds::POWER_USD_PER_KWH,
                    "US industrial power costs about 0.06-0.09 USD/kWh",
                );
                range_error(
                    r,
                    &subject,
                    "operating cost (USD/year)",
                    s.operations_usd_per_year,
                    0.0,
                    bounds::USD,
                    "staff, support and colocation per year, 0 or more",
                );
                range_error(
                    r,
                    &subject,
                    "facility capex (USD)",
                    s.facility_capex_usd,
                    0.0,
                    bounds::USD,
                    "the one-off build-out cost, 0 or more",
                );
            }
            SiteKind::Cloud(c) => {
                range_error(
                    r,
                    &subject,
                    "egress price (USD/GB)",
                    c.egress_usd_per_gb,
                    0.0,
                    bounds::EGRESS_USD_PER_GB,
                    "AWS internet egress is 0.09 USD/GB",
                );
                range_error(
                    r,
                    &subject,
                    "spot preemptions per hour",
                    c.spot_preemptions_per_hour,
                    0.0,
                    bounds::PREEMPTIONS_PER_HOUR,
                    "expected preemptions per instance-hour, e.g. 0.05",
                );
                if let Some(colo) = &c.colocation {
                    for (what, v, max, hint) in [
                        (
                            "colocation price (USD per kW-month)",
                            colo.usd_per_kw_month,
                            10_000.0,
                            "CBRE 2024: ~184 USD per kW-month",
                        ),
                        (
                            "colocation power price (USD/kWh)",
                            colo.power_usd_per_kwh,
                            bounds::POWER_USD_PER_KWH,
                            "US commercial ~0.12 USD/kWh",
                        ),
                        (
                            "support per year (fraction of price)",
                            colo.support_per_year,
                            1.0,
                            "about 0.1 of the list price per year",
                        ),
                    ] {
                        range_error(r, &subject, what, v, 0.0, max, hint);
                    }
                    range_error(
                        r,
                        &subject,
                        "colocation PUE",
                        colo.pue,
                        bounds::PUE.0,
                        bounds::PUE.1,
                        "colocation PUE is about 1.5",
                    );
                    range_error(
                        r,
                        &subject,
                        "amortization (years)",
                        colo.amortization_years,
                        0.1,
                        bounds::YEARS,
                        "3-5 years is typical",
                    );
                }
                for (name, v) in [("reserved", c.reserved_discount), ("spot", c.spot_discount)] {
                    if !(0.0..1.0).contains(&v) {
                        r.error(
                            subject.clone(),
                            format!("{name} discount {v} is outside 0..1"),
                            "a discount is a fraction: 0.4 means 40 % off on-demand",
                        );
                    }
                }
            }
            SiteKind::Edge(e) => {
                if e.locations == 0 {
                    r.error(
                        subject.clone(),
                        "an edge site needs at least one location".into(),
                        "set locations to the number of places devices are deployed",
                    );
                }
                range_error(
                    r,
                    &subject,
                    "power price (USD/kWh)",
                    e.power_usd_per_kwh,
                    0.0,
                    bounds::POWER_USD_PER_KWH,
                    "retail power costs about 0.1-0.3 USD/kWh",
                );
                if !(positive(e.amortization_years) && e.amortization_years <= bounds::YEARS) {
                    r.error(
                        subject.clone(),
                        format!(
                            "amortization period {} years is not between 0 and {}",
                            num(e.amortization_years),
                            bounds::YEARS
                        ),
                        "edge devices are usually written off over 3 to 5 years",
                    );
                }
            }
        }
    }
}

fn check_node(index: &PlanIndex, catalog: &Catalog, node: &Node, r: &mut Report) {
    let subject = Subject::Node(node.id.clone());
    if node.count == 0 {
        r.error(
            subject.clone(),
            format!("'{}' has a count of 0", node.name),
            "set count to 1 or more, or delete the node",
        );
    }
    let site = index.site(&node.site);
    if site.is_none() {
        r.error(
            subject.clone(),
            format!("'{}' is in site '{}', which does not exist", node.name, node.site),
            "move the node into an existing site",
        );
    }
    if let Some(c) = node.capacity_tb
        && !(positive(c) && c <= bounds::TB)
    {
        r.error(
            subject.clone(),
            format!("capacity {} TB is not between 0 and {} TB", num(c), num(bounds::TB)),
            "set a positive capacity or remove it to use the catalog's",
        );
    }
    let (x, y) = node.pos;
    if !(x.is_finite() && y.is_finite() && x.abs() <= bounds::CANVAS && y.abs() <= bounds::CANVAS) {
        r.error(
            subject.clone(),
            format!("canvas position ({x}, {y}) is not within ±{} units", bounds::CANVAS),
            "set the position to finite numbers near the other cards, e.g. (0.0, 0.0)",
        );
    }
    if let Some(h) = node.cache_hit_ratio
        && !(0.0..=1.0).contains(&h)
    {
        r.error(
            subject.clone(),
            format!("cache hit ratio {h} is outside 0..1"),
            "a hit ratio is a fraction, e.g. 0.9",
        );
    }
    match node.kind.catalog_category() {
        CatalogCategory::None => {}
        category => match catalog.entry(&node.model) {
            None => r.error(
                subject.clone(),
                format!("catalog model '{}' is unknown", node.model),
                "pick a model from the catalog (clusterforge catalog lists them)",
            ),
            Some(entry) => {
                let fits = match (category, entry) {
                    (CatalogCategory::System, Entry::System(s)) => s.kind == node.kind,
                    (CatalogCategory::Storage, Entry::Storage(s)) => s.kind == node.kind,
                    (CatalogCategory::Switch, Entry::Switch(_)) => true,
                    _ => false,
                };
                if !fits {
                    r.error(
                        subject.clone(),
                        format!(
                            "catalog model '{}' cannot be used as a {}",
                            node.model,
                            node.kind.label()
                        ),
                        "pick a catalog model of the same kind as the node",
                    );
                }
                if let (Entry::System(sys), Some(site)) = (entry, site) {
                    match &site.kind {
                        // An error: owned servers in a cloud site cost power,
                        // space and support that only colocation figures
                        // can price (a finance lead would get $0 otherwise).
                        SiteKind::Cloud(c) if sys.cloud.is_none() && sys.quantum.is_none() && c.colocation.is_none() => r.error(
                            subject,
                            format!(
                                "'{}' is owned hardware ('{}' is not rented by the hour) in cloud site '{}', which has no colocation figures to price its power, space and support",
                                node.name, sys.name, site.name
                            ),
                            "give the site colocation figures (e.g. 184 USD per kW-month, 0.12 USD/kWh at PUE 1.5, support 10 % a year, CBRE 2024), pick a cloud instance type, or move the node to an on-prem site",
                        ),
                        // Experimental research systems are not sold: the
                        // spiking stage's notes say their cost is energy only.
                        SiteKind::OnPrem(_) | SiteKind::Edge(_)
                            if sys.price_usd <= 0.0 && !node.kind.is_experimental() =>
                        {
                            r.warn(
                            subject,
                            format!("'{}' is owned but '{}' has no purchase price", node.name, sys.name),
                            "pick a system that can be bought, or move the node to a cloud site",
                        )
                        }
                        _ => {}
                    }
                }
            }
        },
    }
}

/// Which media can join two node kinds. One place decides this so the
/// canvas and the validator agree.
pub fn medium_can_join(medium: Medium, a: NodeKind, b: NodeKind) -> Result<(), String> {
    use NodeKind as K;
    let either = |k: NodeKind| a == k || b == k;
    let both = |f: fn(NodeKind) -> bool| f(a) && f(b);
    if either(K::RequestSource) && !(medium == Medium::Wan || medium.is_ethernet()) {
        return Err("request sources reach the cluster over WAN or Ethernet".into());
    }
    if either(K::QuantumService) && medium != Medium::Wan {
        return Err("a cloud quantum computer is reached over a WAN link (from a gateway or a classical node)".into());
    }
    match medium {
        Medium::NvLink => {
            if both(|k| matches!(k, K::GpuServer | K::TpuSlice | K::Switch)) {
                Ok(())
            } else {
                Err("NVLink joins GPU servers (or TPU slices) and NVLink switches only".into())
            }
        }
        Medium::Pcie4 | Medium::Pcie5 => {
            if either(K::Switch) || either(K::Gateway) || either(K::RequestSource) {
                Err("PCIe attaches devices inside a server: join a server and an NVMe cache".into())
            } else {
                Ok(())
            }
        }
        Medium::Wan => Ok(()),
        _ if medium.is_infiniband() => {
            if either(K::Gateway) || either(K::ServerlessEndpoint) {
                Err("InfiniBand does not reach WAN gateways or serverless endpoints; use Ethernet or WAN".into())
            } else {
                Ok(())
            }
        }
        _ => Ok(()),
    }
}

fn check_link(index: &PlanIndex, catalog: &Catalog, link: &Link, r: &mut Report) {
    let subject = Subject::Link(link.id.clone());
    let from = index.node(&link.from);
    let to = index.node(&link.to);
    for (end, node) in [(&link.from, from), (&link.to, to)] {
        if node.is_none() {
            r.error(
                subject.clone(),
                format!("end '{end}' is not a node of the plan"),
                "reconnect the link to an existing node or delete it",
            );
        }
    }
    if link.from == link.to {
        r.error(
            subject.clone(),
            "link connects a node to itself".into(),
            "connect two different nodes",
        );
    }
    if link.lanes == 0 {
        r.error(
            subject.clone(),
            "link has 0 lanes".into(),
            "a connection needs at least one lane (cable/port)",
        );
    } else if link.lanes > bounds::LANES {
        r.error(
            subject.clone(),
            format!("link has {} lanes, more than {}", link.lanes, bounds::LANES),
            "lanes are cables per connection; scale with the node counts instead",
        );
    }
    if !(positive(link.lane_gbps) && link.lane_gbps <= bounds::LANE_GBPS) {
        r.error(
            subject.clone(),
            format!(
                "lane bandwidth {} Gb/s is not between 0 and {} Gb/s",
                num(link.lane_gbps),
                num(bounds::LANE_GBPS)
            ),
            &format!(
                "{} runs at {} Gb/s per lane",
                link.medium.label(),
                link.medium.default_lane_gbps()
            ),
        );
    }
    if !within(link.latency_us, 0.0, bounds::LATENCY_US) {
        r.error(
            subject.clone(),
            format!(
                "latency {} us is outside 0-{} us",
                num(link.latency_us),
                num(bounds::LATENCY_US)
            ),
            "latency is a one-way delay in microseconds, 0 or more",
        );
    }
    let (Some(a), Some(b)) = (from, to) else { return };
    if let Err(why) = medium_can_join(link.medium, a.kind, b.kind) {
        r.error(
            subject.clone(),
            format!(
                "{} cannot join {} and {}: {why}",
                link.medium.label(),
                a.kind.label(),
                b.kind.label()
            ),
            "pick another medium for this link",
        );
    }
    for n in [a, b] {
        if let Some(sw) = catalog.switch(&n.model)
            && n.kind == NodeKind::Switch
            && !sw.fabric().accepts(link.medium)
        {
            r.error(
                subject.clone(),
                format!(
                    "{} link ends at switch '{}', which is {}",
                    link.medium.label(),
                    n.name,
                    sw.fabric().label()
                ),
                "use the switch's medium, or pick a switch model of the link's medium",
            );
        }
    }
    if a.site != b.site && link.medium != Medium::Wan {
        r.error(
            subject.clone(),
            format!(
                "'{}' and '{}' are in different sites; only a WAN link can join sites",
                a.name, b.name
            ),
            "set the medium to WAN, or move both nodes into one site",
        );
    }
    match link.pattern {
        WiringPattern::OneToOne if a.count != b.count => r.error(
            subject,
            format!("one-to-one wiring needs equal counts ({} vs {})", a.count, b.count),
            "use the spread pattern, or make the counts equal",
        ),
        WiringPattern::Rail => {
            let (server, switch) = if a.kind == NodeKind::Switch { (b, a) } else { (a, b) };
            if switch.kind != NodeKind::Switch {
                r.error(
                    subject,
                    "rail wiring joins a server group to a group of switches".into(),
                    "make one end a switch group, or use the spread pattern",
                );
            } else if let Some(sys) = catalog.system(&server.model)
                && sys.nics > 0
                && switch.count % sys.nics != 0
                && sys.nics % switch.count != 0
            {
                r.warn(
                    subject,
                    format!(
                        "rail wiring: {} switches do not divide evenly among {} NICs per server",
                        switch.count, sys.nics
                    ),
                    "use one switch (or a multiple) per NIC rail",
                );
            }
        }
        _ => {}
    }
}

/// Switch ports one member of `switch` uses for `link`, whose other end is
/// `other`. Lanes are ports per physical connection.
pub fn ports_per_switch_member(link: &Link, switch: &Node, other: &Node, catalog: &Catalog) -> f64 {
    let (w, o) = (switch.count.max(1) as f64, other.count as f64);
    let connections = match link.pattern {
        WiringPattern::OneToOne => 1.0,
        WiringPattern::Spread => (o / w).ceil().max(1.0),
        WiringPattern::AllToAll => o,
        WiringPattern::Rail => {
            let rails = catalog.system(&other.model).map(|s| s.nics.max(1)).unwrap_or(1) as f64;
            (o * rails / w).ceil()
        }
    };
    connections * link.lanes as f64
}

/// A switch cannot have more cables plugged in than it has ports.
fn check_switch_ports(plan: &Plan, index: &PlanIndex, catalog: &Catalog, r: &mut Report) {
    for sw in plan.nodes.iter().filter(|n| n.kind == NodeKind::Switch) {
        let Some(model) = catalog.switch(&sw.model) else {
            continue;
        };
        let used: f64 = plan
            .links_of(&sw.id)
            .filter_map(|l| {
                let other = if l.from == sw.id { &l.to } else { &l.from };
                index.node(other).map(|o| ports_per_switch_member(l, sw, o, catalog))
            })
            .sum();
        if used > model.ports as f64 {
            r.warn(
                Subject::Node(sw.id.clone()),
                format!(
                    "each '{}' switch needs {used:.0} ports but a {} has {}",
                    sw.name, model.name, model.ports
                ),
                "add switches to the group, use fewer lanes, or pick a switch with more ports",
            );
        }
    }
}

fn check_stages(plan: &Plan, index: &PlanIndex, catalog: &Catalog, r: &mut Report) {
    let stage_ids: BTreeSet<&StageId> = plan.stages.iter().map(|s| &s.id).collect();
    for stage in &plan.stages {
        let subject = Subject::Stage(stage.id.clone());
        for dep in &stage.after {
            if !stage_ids.contains(dep) {
                r.error(
                    subject.clone(),
                    format!("depends on stage '{dep}', which does not exist"),
                    "remove the dependency or add that stage",
                );
            }
        }
        if stage.placement.is_empty() {
            r.error(
                subject.clone(),
                format!("'{}' is placed on no node", stage.name),
                "select the nodes the stage runs on and place it there",
            );
        }
        let mut placed: Vec<&Node> = Vec::new();
        for id in &stage.placement {
            match index.node(id) {
                None => r.error(
                    subject.clone(),
                    format!("placed on node '{id}', which does not exist"),
                    "place the stage on existing nodes",
                ),
                Some(n) => placed.push(n),
            }
        }
        let needs_role = |r: &mut Report, ok: fn(NodeKind) -> bool, what: &str| {
            for n in &placed {
                if !ok(n.kind) {
                    r.error(
                        subject.clone(),
                        format!("'{}' is a {}, which cannot run {}", n.name, n.kind.label(), what),
                        "place the stage on compute nodes",
                    );
                }
            }
        };
        let storage_ref = |r: &mut Report, id: &NodeId, what: &str| match index.node(id) {
            None => r.error(
                subject.clone(),
                format!("{what} '{id}' does not exist"),
                "pick a storage node of the plan",
            ),
            Some(n) if n.kind.role() != NodeRole::Storage => r.error(
                subject.clone(),
                format!("{what} '{}' is a {}, not storage", n.name, n.kind.label()),
                "pick an object store, file system, cache, lake or warehouse",
            ),
            Some(_) => {}
        };
        match &stage.kind {
            StageKind::Train(t) => {
                needs_role(r, |k| k.is_accelerated() || k == NodeKind::CpuServer, "training");
                if let Some(src) = &t.data_source {
                    storage_ref(r, src, "data source");
                }
                if let Some(ck) = &t.checkpoint {
                    storage_ref(r, &ck.target, "checkpoint target");
                    if !(positive(ck.interval_s) && ck.interval_s <= bounds::SECONDS) {
                        r.error(
                            subject.clone(),
                            format!(
                                "checkpoint interval {} s is not between 0 and {} s",
                                num(ck.interval_s),
                                num(bounds::SECONDS)
                            ),
                            "a typical interval is 30-60 minutes (1800-3600 s)",
                        );
                    }
                }
                let p = &t.parallelism;
                if p.tp == 0 || p.pp == 0 || p.dp == 0 || p.ep == 0 || p.cp == 0 {
                    r.error(
                        subject.clone(),
                        "parallel degrees must be at least 1".into(),
                        "set TP, CP, PP, DP (and EP) to 1 or more",
                    );
                    continue;
                }
                if p.zero_stage > 3 {
                    r.error(
                        subject.clone(),
                        format!("ZeRO stage {} does not exist", p.zero_stage),
                        "use ZeRO stage 0, 1, 2 or 3",
                    );
                }
                let available: u64 = stage
                    .placement
                    .iter()
                    .filter_map(|id| index.node(id))
                    .map(|n| n.devices(catalog))
                    .sum();
                let needed = p.gpus();
                if available > 0 && needed > available {
                    r.error(
                        subject.clone(),
                        format!(
                            "{} = {needed} devices, but the placement has {available}",
                            p.layout_label()
                        ),
                        "lower a parallel degree or add servers to the placement",
                    );
                } else if available > 0 && needed < available {
                    r.warn(
                        subject.clone(),
                        format!("uses {needed} of the {available} devices it is placed on"),
                        "raise the data-parallel degree to use every device",
                    );
                }
                if t.micro_batch == 0 || t.global_batch == 0 {
                    r.error(
                        subject.clone(),
                        "batch sizes must be at least 1".into(),
                        "set global and micro batch in sequences",
                    );
                } else if !(t.global_batch as u64).is_multiple_of(t.micro_batch as u64 * p.dp as u64) {
                    r.error(
                        subject.clone(),
                        format!(
                            "global batch {} is not a multiple of micro-batch {} × DP {}",
                            t.global_batch, t.micro_batch, p.dp
                        ),
                        "make the global batch a multiple of micro-batch × data-parallel degree",
                    );
                }
                if !(positive(t.tokens) && t.tokens <= bounds::TOKENS) {
                    r.error(
                        subject.clone(),
                        format!(
                            "tokens to train {} is not between 0 and {}",
                            num(t.tokens),
                            num(bounds::TOKENS)
                        ),
                        "e.g. 2e12 for 2 trillion tokens",
                    );
                }
                check_model_shape(&t.model, p.tp, p.pp, &subject, r);
            }
            StageKind::Validate(v) => {
                needs_role(r, |k| k.role() == NodeRole::Compute, "evaluation");
                if let Some(src) = &v.data_source {
                    storage_ref(r, src, "data source");
                }
                if let Some(of) = &v.of_stage
                    && !stage_ids.contains(of)
                {
                    r.error(
                        subject.clone(),
                        format!("evaluates stage '{of}', which does not exist"),
                        "pick the training stage it evaluates",
                    );
                }
                if !(positive(v.tokens) && v.tokens <= bounds::TOKENS) {
                    r.error(
                        subject.clone(),
                        format!(
                            "evaluation tokens {} is not between 0 and {}",
                            num(v.tokens),
                            num(bounds::TOKENS)
                        ),
                        "e.g. 1e9 tokens of held-out data",
                    );
                }
                check_model_shape(&v.model, 1, 1, &subject, r);
            }
            StageKind::Serve(s) => {
                needs_role(
                    r,
                    |k| k.role() == NodeRole::Compute && k != NodeKind::Neuromorphic,
                    "serving (neuromorphic systems run spiking inference stages)",
                );
                match index.node(&s.source) {
                    None => r.error(
                        subject.clone(),
                        format!("request source '{}' does not exist", s.source),
                        "add a request source node and pick it",
                    ),
                    Some(n) if n.kind != NodeKind::RequestSource => r.error(
                        subject.clone(),
                        format!("'{}' is a {}, not a request source", n.name, n.kind.label()),
                        "pick a request source node",
                    ),
                    Some(_) => {}
                }
                if !(s.rate_rps > 0.0 && s.rate_rps.is_finite()) {
                    r.error(
                        subject.clone(),
                        "request rate must be positive".into(),
                        "set the mean requests per second",
                    );
                }
                if !(positive(s.duration_s) && s.duration_s <= bounds::SECONDS) {
                    r.error(
                        subject.clone(),
                        format!(
                            "serving period {} s is not between 0 and {} s",
                            num(s.duration_s),
                            num(bounds::SECONDS)
                        ),
                        "e.g. 3600 s for one hour",
                    );
                }
                check_serve_numbers(s, &subject, r);
                if s.tp == 0 {
                    r.error(
                        subject.clone(),
                        "tensor-parallel degree must be at least 1".into(),
                        "use 1 for a model that fits one device",
                    );
                }
                if let Some(a) = &s.autoscaling
                    && (a.min_replicas > a.max_replicas || a.max_replicas == 0)
                {
                    r.error(
                        subject.clone(),
                        "autoscaling needs min ≤ max and max ≥ 1".into(),
                        "e.g. min 0 (scale to zero) and max 8",
                    );
                }
                check_model_shape(&s.model, s.tp.max(1), 1, &subject, r);
            }
            StageKind::Ingest(d) | StageKind::Preprocess(d) => {
                needs_role(r, |k| k.role() == NodeRole::Compute, "data processing");
                storage_ref(r, &d.source, "source");
                storage_ref(r, &d.destination, "destination");
                if !(positive(d.dataset_tb) && d.dataset_tb <= bounds::TB) {
                    r.error(
                        subject.clone(),
                        format!(
                            "dataset size {} TB is not between 0 and {} TB",
                            num(d.dataset_tb),
                            num(bounds::TB)
                        ),
                        "set the raw size in TB",
                    );
                }
                if d.partitions == 0 {
                    r.error(
                        subject.clone(),
                        "a dataset needs at least one partition".into(),
                        "set the number of files/partitions",
                    );
                }
                if !(d.columns_read > 0.0 && d.columns_read <= 1.0) {
                    r.error(
                        subject.clone(),
                        format!("columns read {} is outside (0, 1]", d.columns_read),
                        "the fraction of columns a reader needs, 1.0 = all",
                    );
                }
                if d.prefixes == Some(0) {
                    r.error(
                        subject.clone(),
                        "the files are spread over 0 key prefixes".into(),
                        "set at least 1 prefix, or leave it unset for the default",
                    );
                }
            }
            StageKind::Spiking(sp) => {
                needs_role(r, |k| k.role() == NodeRole::Compute, "spiking inference");
                check_spiking(sp, &placed, catalog, &subject, r);
            }
            StageKind::Quantum(q) => {
                needs_role(
                    r,
                    |k| k.role() == NodeRole::Compute && k != NodeKind::Neuromorphic,
                    "the classical side of a hybrid quantum loop (place it on CPU servers; the QPU is picked in the stage)",
                );
                check_quantum(q, &placed, plan, index, catalog, &subject, r);
            }
            StageKind::Checkpoint(c) => {
                needs_role(r, |k| k.role() == NodeRole::Compute, "a checkpoint export");
                storage_ref(r, &c.target, "target");
                if !(positive(c.size_gb) && c.size_gb <= bounds::CHECKPOINT_GB) {
                    r.error(
                        subject.clone(),
                        format!(
                            "checkpoint size {} GB is not between 0 and {} GB",
                            num(c.size_gb),
                            num(bounds::CHECKPOINT_GB)
                        ),
                        "weights + optimizer state, in GB",
                    );
                }
            }
        }
    }
}

/// The numbers of a hybrid quantum stage, whether its QPU exists and holds
/// its circuits, and whether each classical node reaches the QPU over the
/// network through a WAN link (a cloud QPU service is never on the LAN).
fn check_quantum(
    q: &crate::model::workload::QuantumStage,
    placed: &[&Node],
    plan: &Plan,
    index: &PlanIndex,
    catalog: &Catalog,
    subject: &Subject,
    r: &mut Report,
) {
    let count = |r: &mut Report, what: &str, v: u32, hi: f64, hint: &str| {
        range_error(r, subject, what, v as f64, 1.0, hi, hint);
    };
    count(
        r,
        "iterations",
        q.iterations,
        bounds::QUANTUM_ITERATIONS,
        "optimiser iterations, e.g. 100",
    );
    count(
        r,
        "circuits per iteration",
        q.circuits_per_iteration,
        bounds::QUANTUM_CIRCUITS,
        "e.g. 2 for SPSA, 2 × parameters for a parameter-shift gradient",
    );
    count(r, "shots per circuit", q.shots, bounds::QUANTUM_SHOTS, "e.g. 1000");
    count(
        r,
        "qubits",
        q.qubits,
        bounds::QUANTUM_GATES,
        "qubits the circuit uses, e.g. 20",
    );
    for (what, v) in [
        ("one-qubit gates", q.gates_1q),
        ("two-qubit gates", q.gates_2q),
        ("depth", q.depth),
    ] {
        range_error(
            r,
            subject,
            what,
            v as f64,
            0.0,
            bounds::QUANTUM_GATES,
            "gates per circuit, e.g. 120",
        );
    }
    range_error(
        r,
        subject,
        "measurements",
        q.measurements as f64,
        0.0,
        bounds::QUANTUM_GATES,
        "SPAM operations per circuit, e.g. 2 × qubits",
    );
    range_error(
        r,
        subject,
        "classical GFLOP per iteration",
        q.classical_gflop,
        0.0,
        bounds::QUANTUM_CLASSICAL_GFLOP,
        "the optimiser step, e.g. 0.001",
    );
    range_error(
        r,
        subject,
        "payload (kB)",
        q.payload_kb,
        0.0,
        bounds::QUANTUM_PAYLOAD_KB,
        "circuits and results per iteration, e.g. 64",
    );
    if let Some(w) = &q.queue
        && !(within(w.median_s, 0.0, bounds::SECONDS) && within(w.p90_s, w.median_s, bounds::SECONDS))
    {
        r.error(
            subject.clone(),
            format!(
                "queue median {} s and 90th percentile {} s are not 0 ≤ median ≤ p90",
                num(w.median_s),
                num(w.p90_s)
            ),
            "e.g. median 60 s, p90 900 s; or remove the stage's queue to use the catalog's",
        );
    }
    let Some(qpu) = index.node(&q.qpu) else {
        r.error(
            subject.clone(),
            format!("QPU '{}' does not exist", q.qpu),
            "add a quantum computer (Experimental in the palette) and pick it",
        );
        return;
    };
    if qpu.kind != NodeKind::QuantumService {
        r.error(
            subject.clone(),
            format!("'{}' is a {}, not a quantum computer", qpu.name, qpu.kind.label()),
            "pick a quantum computer node as the stage's QPU",
        );
        return;
    }
    let qpu_subject = Subject::Node(qpu.id.clone());
    let spec = catalog
        .system_and_device(&qpu.model)
        .ok()
        .and_then(|(_, d)| d.quantum.as_ref());
    if let Some(spec) = spec
        && q.qubits > spec.qubits
    {
        r.error(
            subject.clone(),
            format!(
                "the circuits need {} qubits but '{}' has {}",
                q.qubits, qpu.name, spec.qubits
            ),
            "pick a larger QPU or a smaller problem",
        );
    }
    for n in placed.iter().filter(|n| n.kind.role() == NodeRole::Compute) {
        let links = index.path(&n.id, &qpu.id);
        if links.is_empty() {
            r.error(
                qpu_subject.clone(),
                format!("the QPU '{}' is not reachable from '{}'", qpu.name, n.name),
                "link the classical node to a WAN gateway and the gateway to the QPU with a WAN link",
            );
        } else if !links
            .iter()
            .any(|l| plan.link(l).is_some_and(|l| l.medium == Medium::Wan))
        {
            r.error(
                qpu_subject.clone(),
                format!("'{}' reaches the cloud QPU '{}' without a WAN link", n.name, qpu.name),
                "a QPU service is reached over the WAN: make the link to it a WAN link (through a gateway)",
            );
        }
    }
}

/// The numbers of a spiking-inference stage, and whether each neuromorphic
/// node it is placed on has the figures the stage needs and holds the network.
fn check_spiking(
    sp: &crate::model::workload::SpikingStage,
    placed: &[&Node],
    catalog: &Catalog,
    subject: &Subject,
    r: &mut Report,
) {
    use crate::model::catalog::NeuroStyle;
    range_error(
        r,
        subject,
        "neurons",
        sp.neurons,
        1.0,
        bounds::SNN_SIZE,
        "neurons of the spiking network, e.g. 276",
    );
    range_error(
        r,
        subject,
        "synapses",
        sp.synapses,
        1.0,
        bounds::SNN_SIZE,
        "synapses of the spiking network, e.g. 250000",
    );
    range_error(
        r,
        subject,
        "activity",
        sp.activity,
        0.0,
        1.0,
        "fraction of synapses active per timestep, e.g. 0.05",
    );
    range_error(
        r,
        subject,
        "timesteps per inference",
        sp.timesteps as f64,
        1.0,
        bounds::SNN_TIMESTEPS,
        "e.g. 100 timesteps",
    );
    range_error(
        r,
        subject,
        "input rate (inferences/s)",
        sp.rate_per_s,
        1e-6,
        bounds::SNN_RATE,
        "inferences arriving per second",
    );
    range_error(
        r,
        subject,
        "conventional equivalent (GFLOP per inference)",
        sp.conventional_gflop,
        1e-9,
        bounds::SNN_GFLOP,
        "FLOPs of the conventional network for the same task, e.g. 0.05",
    );
    range_error(
        r,
        subject,
        "input bytes per inference",
        sp.input_bytes,
        0.0,
        bounds::SNN_INPUT_BYTES,
        "bytes per inference, e.g. 8750",
    );
    range_error(
        r,
        subject,
        "duration (s)",
        sp.duration_s,
        1e-3,
        bounds::SECONDS,
        "simulated period, e.g. 3600 s",
    );
    for n in placed.iter().filter(|n| n.kind == NodeKind::Neuromorphic) {
        let Some(sys) = catalog.system(&n.model) else { continue };
        let Some(spec) = catalog.device(&sys.device).and_then(|d| d.neuromorphic.as_ref()) else {
            r.error(
                subject.clone(),
                format!("'{}' ({}) has no neuromorphic figures in the catalog", n.name, n.model),
                "pick a neuromorphic system from the Experimental palette group",
            );
            continue;
        };
        let mut missing = Vec::new();
        if spec.ops_per_s().is_none() {
            missing.push(match spec.style {
                NeuroStyle::Spiking => "synaptic ops per second",
                NeuroStyle::Dense => "dense ops per second",
            });
        }
        if spec.energy_per_op_pj.is_none() {
            missing.push("energy per op");
        }
        if spec.static_w.is_none() {
            missing.push("static power");
        }
        if !missing.is_empty() {
            r.error(
                subject.clone(),
                format!(
                    "the vendor publications behind '{}' ({}) give no {}: it cannot be simulated",
                    n.name,
                    sys.name,
                    missing.join(", ")
                ),
                "pick a neuromorphic system with published rate and energy figures (Loihi 2, NorthPole)",
            );
        }
        let chips = sys.devices.max(1) as f64;
        if spec.style == NeuroStyle::Spiking {
            for (what, need, have) in [
                ("neurons", sp.neurons, spec.neurons),
                ("synapses", sp.synapses, spec.synapses),
            ] {
                if let Some(per_chip) = have
                    && need > per_chip * chips
                {
                    r.error(
                        subject.clone(),
                        format!(
                            "the network's {} {what} do not fit one '{}' ({} {what})",
                            num(need),
                            n.name,
                            num(per_chip * chips)
                        ),
                        "pick a larger system or a smaller network",
                    );
                }
            }
        }
    }
}

/// Request lengths, SLOs, arrival shape and autoscaling of a serving stage.
fn check_serve_numbers(s: &crate::model::workload::ServeStage, subject: &Subject, r: &mut Report) {
    use crate::model::workload::{Arrival, Pruning};
    for (what, len) in [("prompt", s.prompt_tokens), ("output", s.output_tokens)] {
        range_error(
            r,
            subject,
            &format!("mean {what} length (tokens)"),
            len.mean,
            1.0,
            bounds::TOKENS_PER_REQUEST,
            "mean tokens per request, e.g. 512",
        );
        range_error(
            r,
            subject,
            &format!("{what} length variation (CV)"),
            len.cv,
            0.0,
            bounds::RATIO,
            "0 = fixed length, 1 = as wide as the mean",
        );
    }
    for (what, slo) in [("TTFT target (s)", s.ttft_slo_s), ("TPOT target (s)", s.tpot_slo_s)] {
        if !(positive(slo) && slo <= bounds::SECONDS) {
            r.error(
                subject.clone(),
                format!("{what} {} is not between 0 and {}", num(slo), num(bounds::SECONDS)),
                "a p99 latency target in seconds, e.g. 0.5",
            );
        }
    }
    match s.arrival {
        Arrival::Poisson => {}
        Arrival::Bursty { factor, on_fraction } => {
            range_error(
                r,
                subject,
                "burst factor",
                factor,
                1.0,
                bounds::RATIO,
                "e.g. 4 × the mean rate",
            );
            range_error(
                r,
                subject,
                "burst on-fraction",
                on_fraction,
                0.0,
                1.0,
                "the share of time in a burst, e.g. 0.2",
            );
        }
        Arrival::Diurnal { peak_to_trough } => range_error(
            r,
            subject,
            "peak-to-trough ratio",
            peak_to_trough,
            1.0,
            bounds::RATIO,
            "daily peak over nightly trough, e.g. 4",
        ),
    }
    if let Pruning::Unstructured(pct) = s.pruning
        && pct > 100
    {
        r.error(
            subject.clone(),
            format!("unstructured sparsity {pct} % is more than 100 %"),
            "the share of weights pruned, e.g. 50",
        );
    }
    if let Some(a) = &s.autoscaling {
        if !(positive(a.target_queue_per_replica) && a.target_queue_per_replica <= bounds::RATIO) {
            r.error(
                subject.clone(),
                format!(
                    "autoscaling queue target {} is not between 0 and {}",
                    num(a.target_queue_per_replica),
                    num(bounds::RATIO)
                ),
                "queued requests per replica that trigger a scale-out, e.g. 4",
            );
        }
        range_error(
            r,
            subject,
            "cold start (s)",
            a.cold_start_s,
            0.0,
            bounds::SECONDS,
            "seconds to bring up a replica, e.g. 30",
        );
    }
}

fn check_model_shape(model: &ModelSpec, tp: u32, pp: u32, subject: &Subject, r: &mut Report) {
    match model {
        ModelSpec::Transformer(t) => {
            if t.layers == 0 || t.hidden == 0 || t.heads == 0 || t.seq_len == 0 || t.vocab == 0 {
                r.error(
                    subject.clone(),
                    "model shape has a zero dimension".into(),
                    "layers, hidden, heads, sequence length and vocabulary must be positive",
                );
                return;
            }
            if t.hidden % t.heads != 0 {
                r.error(
                    subject.clone(),
                    format!("hidden size {} is not divisible by {} heads", t.hidden, t.heads),
                    "hidden size must be a multiple of the head count",
                );
            }
            if t.heads % tp != 0 {
                r.error(
                    subject.clone(),
                    format!("{} heads do not split over TP {tp}", t.heads),
                    "make the head count a multiple of the tensor-parallel degree",
                );
            }
            if let Some(kv) = t.kv_heads
                && (kv == 0 || t.heads % kv != 0)
            {
                r.error(
                    subject.clone(),
                    format!("{} heads are not a multiple of {kv} KV heads", t.heads),
                    "grouped-query attention needs heads divisible by KV heads",
                );
            }
            if t.layers % pp != 0 {
                r.warn(
                    subject.clone(),
                    format!("{} layers do not split evenly over PP {pp}", t.layers),
                    "uneven stages leave some devices idle: make layers a multiple of PP",
                );
            }
            if let Some(m) = t.moe
                && (m.experts == 0 || m.top_k == 0 || m.top_k > m.experts)
            {
                r.error(
                    subject.clone(),
                    "mixture of experts needs 1 ≤ top-k ≤ experts".into(),
                    "e.g. 8 experts, top-2",
                );
            }
        }
        ModelSpec::Params { params_b, seq_len } => {
            if !(positive(*params_b) && *params_b <= bounds::PARAMS_B) || *seq_len == 0 {
                r.error(
                    subject.clone(),
                    format!(
                        "parameter count {} B and sequence length {seq_len} must be positive (at most {} B parameters)",
                        num(*params_b),
                        num(bounds::PARAMS_B)
                    ),
                    "e.g. 7 (billion) and 4096",
                );
            }
        }
        ModelSpec::Cnn {
            gflops_per_sample,
            params_m,
            ..
        } => {
            if !(within(*gflops_per_sample, f64::MIN_POSITIVE, bounds::CNN)
                && within(*params_m, f64::MIN_POSITIVE, bounds::CNN))
            {
                r.error(
                    subject.clone(),
                    format!("CNN cost and size must be positive and at most {}", num(bounds::CNN)),
                    "ResNet-50: 4.1 GFLOPs per image, 25.6 M parameters",
                );
            }
        }
        ModelSpec::Trees { trees, depth, features } => {
            if *trees == 0 || *depth == 0 || *features == 0 {
                r.error(
                    subject.clone(),
                    "a tree ensemble needs trees, depth and features".into(),
                    "e.g. 500 trees of depth 8 over 100 features",
                );
            }
        }
    }
}

fn check_stage_cycles(plan: &Plan, r: &mut Report) {
    use petgraph::graph::DiGraph;
    let mut g = DiGraph::<&StageId, ()>::new();
    let idx: HashMap<&StageId, _> = plan.stages.iter().map(|s| (&s.id, g.add_node(&s.id))).collect();
    for s in &plan.stages {
        for dep in &s.after {
            if let (Some(&a), Some(&b)) = (idx.get(dep), idx.get(&s.id)) {
                g.add_edge(a, b, ());
            }
        }
    }
    for scc in petgraph::algo::tarjan_scc(&g) {
        let cyclic = scc.len() > 1 || scc.iter().any(|&n| g.contains_edge(n, n));
        if cyclic {
            let mut names: Vec<&str> = scc.iter().map(|&n| g[n].as_str()).collect();
            names.sort_unstable();
            r.error(
                Subject::Stage(g[scc[0]].clone()),
                format!("stages depend on each other in a cycle: {}", names.join(", ")),
                "remove one of the dependencies so the stages can run in order",
            );
        }
    }
}

/// Storage a stage reads or writes must be reachable over links from the
/// compute the stage runs on.
fn check_reachability(plan: &Plan, index: &PlanIndex, r: &mut Report) {
    let position: HashMap<&NodeId, usize> = plan.nodes.iter().enumerate().map(|(i, n)| (&n.id, i)).collect();
    let mut uf = UnionFind::<usize>::new(plan.nodes.len());
    for l in &plan.links {
        if let (Some(&a), Some(&b)) = (position.get(&l.from), position.get(&l.to)) {
            uf.union(a, b);
        }
    }
    let connected = |a: &NodeId, b: &NodeId| match (position.get(a), position.get(b)) {
        (Some(&a), Some(&b)) => uf.equiv(a, b),
        _ => true, // missing nodes are reported elsewhere
    };
    for stage in &plan.stages {
        let mut ends: Vec<(&NodeId, &str)> = Vec::new();
        match &stage.kind {
            StageKind::Train(t) => {
                ends.extend(t.data_source.iter().map(|n| (n, "data source")));
                ends.extend(t.checkpoint.iter().map(|c| (&c.target, "checkpoint target")));
            }
            StageKind::Validate(v) => ends.extend(v.data_source.iter().map(|n| (n, "data source"))),
            StageKind::Serve(s) => ends.push((&s.source, "request source")),
            StageKind::Ingest(d) | StageKind::Preprocess(d) => {
                ends.push((&d.source, "source"));
                ends.push((&d.destination, "destination"));
            }
            StageKind::Checkpoint(c) => ends.push((&c.target, "target")),
            StageKind::Spiking(_) => {}
            // Checked with the route in `check_quantum` (it must cross a WAN link).
            StageKind::Quantum(_) => {}
        }
        for (end, what) in ends {
            for placed in &stage.placement {
                if !connected(end, placed) {
                    r.error(
                        Subject::Node(end.clone()),
                        format!("{what} '{end}' of stage '{}' is not connected to '{placed}'", stage.id),
                        "draw a link (through a switch or gateway) between them",
                    );
                }
            }
        }
    }
    // Isolated compute or storage is almost always a drawing mistake.
    for n in &plan.nodes {
        let linked = index.links_of(&n.id).next().is_some();
        if !linked && plan.nodes.len() > 1 && n.kind.role() != NodeRole::Compute {
            r.warn(
                Subject::Node(n.id.clone()),
                format!("'{}' is not connected to anything", n.name),
                "draw a link from one of its ports",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::catalog::{Device, DeviceKind, PeakTable, StorageModel, SwitchModel, System};
    use crate::model::plan::*;
    use crate::model::workload::*;

    fn catalog() -> Catalog {
        Catalog {
            price_book: None,
            devices: vec![Device {
                quantum: None,
                price_ref: None,
                neuromorphic: None,
                id: "gpu".into(),
                name: "GPU".into(),
                kind: DeviceKind::Gpu,
                peak_tflops: PeakTable {
                    bf16: Some(989.0),
                    ..Default::default()
                },
                memory_gb: 80.0,
                memory_bw_gbs: 3350.0,
                tdp_w: 700.0,
                price_usd: 25_000.0,
                sparse_2of4: true,
                source: "test".into(),
            }],
            systems: vec![System {
                quantum: None,
                price_ref: None,
                id: "srv".into(),
                name: "Server".into(),
                kind: NodeKind::GpuServer,
                device: "gpu".into(),
                devices: 8,
                scale_up_gbs: 450.0,
                nics: 8,
                nic_gbps: 400.0,
                host_cpu: None,
                host_cpus: 0,
                local_nvme_tb: 30.0,
                local_nvme_read_gbs: 50.0,
                power_w: 10_200.0,
                price_usd: 300_000.0,
                cloud: None,
                source: "test".into(),
            }],
            storage: vec![StorageModel {
                price_ref: None,
                id: "fs".into(),
                name: "FS".into(),
                kind: NodeKind::ParallelFs,
                read_gbs: 90.0,
                write_gbs: 65.0,
                read_requests_per_s: 1e6,
                write_requests_per_s: 1e6,
                request_scope: crate::model::RequestScope::PerMember,
                latency_ms: 0.5,
                capacity_tb: 1000.0,
                usd_per_gb_month: 0.0,
                usd_per_1k_reads: 0.0,
                usd_per_1k_writes: 0.0,
                usd_per_tb_scanned: 0.0,
                scan_bills_logical_bytes: false,
                price_usd: 1e6,
                power_w: 3000.0,
                source: "test".into(),
            }],
            switches: vec![SwitchModel {
                price_ref: None,
                id: "ib".into(),
                name: "IB".into(),
                ports: 64,
                port_gbps: 400.0,
                infiniband: true,
                fabric: None,
                latency_ns: 130.0,
                price_usd: 30_000.0,
                power_w: 1700.0,
                source: "test".into(),
            }],
            calibration: vec![],
        }
    }

    fn node(id: &str, kind: NodeKind, model: &str, count: u32) -> Node {
        Node {
            id: id.into(),
            name: id.into(),
            kind,
            model: model.into(),
            count,
            site: "dc".into(),
            pos: (0.0, 0.0),
            capacity_tb: None,
            cache_hit_ratio: None,
        }
    }

    fn link(id: &str, from: &str, to: &str, medium: Medium) -> Link {
        Link {
            id: id.into(),
            from: from.into(),
            to: to.into(),
            medium,
            pattern: WiringPattern::Spread,
            lanes: 1,
            lane_gbps: medium.default_lane_gbps(),
            latency_us: 1.0,
        }
    }

    fn train(placement: &[&str]) -> Stage {
        Stage {
            id: "train".into(),
            name: "Train".into(),
            after: vec![],
            placement: placement.iter().map(|&p| p.into()).collect(),
            kind: StageKind::Train(TrainStage {
                attention: crate::model::AttentionKernel::Fused,
                model: ModelSpec::Params {
                    params_b: 7.0,
                    seq_len: 4096,
                },
                tokens: 1e12,
                global_batch: 512,
                micro_batch: 1,
                precision: Precision::Bf16,
                parallelism: Parallelism {
                    cp: 1,
                    stage_layers: Vec::new(),
                    tp: 8,
                    pp: 1,
                    dp: 4,
                    sequence_parallel: true,
                    zero_stage: 1,
                    ep: 1,
                    schedule: PipelineSchedule::OneFOneB,
                },
                recompute: Recompute::Selective,
                data_source: Some("fs".into()),
                checkpoint: None,
                overlap_grad_reduce: true,
            }),
        }
    }

    /// A small valid plan: 4 servers and a file system on one IB switch.
    fn good() -> Plan {
        Plan {
            sites: vec![Site {
                id: "dc".into(),
                name: "DC".into(),
                kind: SiteKind::OnPrem(OnPremSite {
                    amortization_years: 4.0,
                    power_usd_per_kwh: 0.08,
                    pue: 1.3,
                    operations_usd_per_year: 0.0,
                    facility_capex_usd: 0.0,
                }),
                carbon_kg_per_kwh: 0.4,
            }],
            nodes: vec![
                node("gpus", NodeKind::GpuServer, "srv", 4),
                node("leaf", NodeKind::Switch, "ib", 1),
                node("fs", NodeKind::ParallelFs, "fs", 1),
            ],
            links: vec![
                link("l1", "gpus", "leaf", Medium::InfinibandNdr),
                link("l2", "fs", "leaf", Medium::InfinibandNdr),
            ],
            stages: vec![train(&["gpus"])],
            ..Plan::default()
        }
    }

    fn messages(plan: &Plan) -> Vec<String> {
        plan.validate(&catalog()).iter().map(|p| p.to_string()).collect()
    }

    fn has(plan: &Plan, severity: Severity, subject: Subject, needle: &str) -> bool {
        plan.validate(&catalog())
            .iter()
            .any(|p| p.severity == severity && p.subject == subject && p.message.contains(needle))
    }

    #[test]
    fn a_good_plan_has_no_problems() {
        assert!(messages(&good()).is_empty(), "{:?}", messages(&good()));
    }

    #[test]
    fn dangling_link_points_at_the_link() {
        let mut p = good();
        p.links.push(link("l3", "gpus", "ghost", Medium::InfinibandNdr));
        assert!(has(
            &p,
            Severity::Error,
            Subject::Link("l3".into()),
            "'ghost' is not a node"
        ));
    }

    #[test]
    fn unknown_and_mismatched_catalog_models() {
        let mut p = good();
        p.nodes[0].model = "nope".into();
        assert!(has(&p, Severity::Error, Subject::Node("gpus".into()), "unknown"));
        p.nodes[0].model = "fs".into();
        assert!(has(
            &p,
            Severity::Error,
            Subject::Node("gpus".into()),
            "cannot be used as a GPU server"
        ));
    }

    #[test]
    fn cost_horizon_and_utilization_must_be_in_range() {
        let mut p = good();
        p.settings.tco_horizon_years = 0.0;
        p.settings.tco_utilization = 1.5;
        assert!(has(&p, Severity::Error, Subject::Plan, "cost horizon"));
        assert!(has(&p, Severity::Error, Subject::Plan, "cost utilization"));
        p.settings.tco_horizon_years = f64::NAN;
        p.settings.tco_utilization = 0.0;
        assert!(has(&p, Severity::Error, Subject::Plan, "cost horizon"));
        assert!(!has(&p, Severity::Error, Subject::Plan, "cost utilization"));
    }

    #[test]
    fn discounts_must_be_fractions_of_the_list_price() {
        let mut p = good();
        p.settings.discounts.purchase = 0.15;
        p.settings.discounts.cloud = 0.3;
        assert!(!has(&p, Severity::Error, Subject::Plan, "discount"));
        for bad in [-0.1, 0.95, 15.0, f64::NAN, f64::INFINITY] {
            p.settings.discounts.cloud = bad;
            assert!(has(&p, Severity::Error, Subject::Plan, "cloud discount"), "{bad}");
        }
    }

    #[test]
    fn duplicate_ids() {
        let mut p = good();
        p.nodes.push(node("fs", NodeKind::ParallelFs, "fs", 1));
        assert!(has(&p, Severity::Error, Subject::Node("fs".into()), "duplicate"));
    }

    #[test]
    fn non_positive_count_and_bandwidth() {
        let mut p = good();
        p.nodes[0].count = 0;
        p.links[0].lane_gbps = 0.0;
        p.links[1].lanes = 0;
        assert!(has(&p, Severity::Error, Subject::Node("gpus".into()), "count of 0"));
        assert!(has(
            &p,
            Severity::Error,
            Subject::Link("l1".into()),
            "lane bandwidth 0 Gb/s"
        ));
        assert!(has(&p, Severity::Error, Subject::Link("l2".into()), "0 lanes"));
        p.links[0].lane_gbps = f64::NAN;
        assert!(has(
            &p,
            Severity::Error,
            Subject::Link("l1".into()),
            "lane bandwidth NaN"
        ));
    }

    #[test]
    fn media_that_cannot_join_their_endpoints() {
        let mut p = good();
        p.links[1].medium = Medium::NvLink;
        assert!(has(&p, Severity::Error, Subject::Link("l2".into()), "NVLink"));
        // An Ethernet link into an InfiniBand switch.
        p.links[1].medium = Medium::Ethernet400;
        assert!(has(&p, Severity::Error, Subject::Link("l2".into()), "InfiniBand"));
    }

    #[test]
    fn workloads_on_nothing_or_on_the_wrong_kind() {
        let mut p = good();
        p.stages[0].placement.clear();
        assert!(has(
            &p,
            Severity::Error,
            Subject::Stage("train".into()),
            "placed on no node"
        ));
        p.stages[0] = train(&["fs"]);
        assert!(has(
            &p,
            Severity::Error,
            Subject::Stage("train".into()),
            "cannot run training"
        ));
    }

    #[test]
    fn parallelism_must_fit_the_placement() {
        let mut p = good();
        if let StageKind::Train(t) = &mut p.stages[0].kind {
            t.parallelism.dp = 8; // 64 GPUs on 32
        }
        assert!(has(
            &p,
            Severity::Error,
            Subject::Stage("train".into()),
            "but the placement has 32"
        ));
    }

    #[test]
    fn unreachable_storage_points_at_the_storage() {
        let mut p = good();
        p.links.retain(|l| l.id.as_str() != "l2");
        assert!(has(&p, Severity::Error, Subject::Node("fs".into()), "not connected"));
    }

    #[test]
    fn links_across_sites_must_be_wan() {
        let mut p = good();
        let mut cloud = p.sites[0].clone();
        cloud.id = "cloud".into();
        p.sites.push(cloud);
        p.nodes[2].site = "cloud".into();
        assert!(has(&p, Severity::Error, Subject::Link("l2".into()), "only a WAN link"));
    }

    #[test]
    fn cycles_in_stage_dependencies() {
        let mut p = good();
        let mut second = train(&["gpus"]);
        second.id = "again".into();
        second.after = vec!["train".into()];
        p.stages[0].after = vec!["again".into()];
        p.stages.push(second);
        let problems = p.validate(&catalog());
        assert!(problems.iter().any(|q| q.message.contains("cycle")), "{problems:?}");
    }

    #[test]
    fn one_to_one_needs_equal_counts() {
        let mut p = good();
        p.links[0].pattern = WiringPattern::OneToOne;
        assert!(has(&p, Severity::Error, Subject::Link("l1".into()), "equal counts"));
    }

    #[test]
    fn switch_port_budget() {
        let mut p = good();
        // 4 servers × 8 rails on 1 switch with 64 ports: 32 ports, fine.
        p.links[0].pattern = WiringPattern::Rail;
        assert!(messages(&p).is_empty(), "{:?}", messages(&p));
        // 3 lanes per NIC: 96 ports on a 64-port switch.
        p.links[0].lanes = 3;
        assert!(has(
            &p,
            Severity::Warning,
            Subject::Node("leaf".into()),
            "needs 97 ports"
        ));
    }

    #[test]
    fn errors_come_before_warnings() {
        let mut p = good();
        p.nodes.push(node("lonely", NodeKind::ObjectStore, "fs", 1));
        p.nodes[0].count = 0;
        let problems = p.validate(&catalog());
        let first_warning = problems.iter().position(|q| q.severity == Severity::Warning);
        let last_error = problems.iter().rposition(|q| q.severity == Severity::Error);
        assert!(first_warning.is_some() && last_error.is_some());
        assert!(last_error < first_warning);
    }

    fn on_prem(p: &mut Plan) -> &mut OnPremSite {
        match &mut p.sites[0].kind {
            SiteKind::OnPrem(s) => s,
            _ => unreachable!("good() has an on-prem site"),
        }
    }

    #[test]
    fn absurd_pue_and_negative_money_point_at_the_site() {
        let site = || Subject::Site("dc".into());
        let mut p = good();
        on_prem(&mut p).pue = 1e308;
        assert!(has(&p, Severity::Error, site(), "PUE 1e308 is outside 1-3"));
        on_prem(&mut p).pue = 0.9;
        assert!(has(&p, Severity::Error, site(), "PUE 0.9 is outside 1-3"));
        let mut p = good();
        on_prem(&mut p).operations_usd_per_year = -1e6;
        assert!(has(
            &p,
            Severity::Error,
            site(),
            "operating cost (USD/year) -1000000 is outside 0-1e13"
        ));
        on_prem(&mut p).facility_capex_usd = f64::INFINITY;
        assert!(has(&p, Severity::Error, site(), "facility capex (USD) inf"));
        on_prem(&mut p).power_usd_per_kwh = f64::NAN;
        assert!(has(&p, Severity::Error, site(), "power price (USD/kWh) NaN"));
        on_prem(&mut p).amortization_years = 1e9;
        assert!(has(&p, Severity::Error, site(), "amortization period"));
        p.sites[0].carbon_kg_per_kwh = 5.0;
        assert!(has(&p, Severity::Error, site(), "carbon intensity (kg CO2e/kWh) 5"));
        p.sites[0].carbon_kg_per_kwh = -0.1;
        assert!(has(&p, Severity::Error, site(), "carbon intensity"));
        // The limits themselves are allowed.
        let mut p = good();
        on_prem(&mut p).pue = 3.0;
        p.sites[0].carbon_kg_per_kwh = 2.0;
        assert!(messages(&p).is_empty(), "{:?}", messages(&p));
    }

    #[test]
    fn cloud_and_edge_prices_are_checked() {
        let mut p = good();
        p.sites.push(Site {
            id: "cloud".into(),
            name: "Cloud".into(),
            kind: SiteKind::Cloud(CloudSite {
                provider: CloudProvider::Aws,
                region: "us-east-1".into(),
                pricing: PricingModel::Spot,
                egress_usd_per_gb: -0.09,
                reserved_discount: 0.4,
                spot_discount: 0.65,
                spot_preemptions_per_hour: f64::NAN,
                colocation: None,
            }),
            carbon_kg_per_kwh: 0.4,
        });
        p.sites.push(Site {
            id: "edge".into(),
            name: "Edge".into(),
            kind: SiteKind::Edge(EdgeSite {
                locations: 3,
                power_usd_per_kwh: 1e300,
                amortization_years: -4.0,
            }),
            carbon_kg_per_kwh: 0.4,
        });
        assert!(has(&p, Severity::Error, Subject::Site("cloud".into()), "egress price"));
        assert!(has(
            &p,
            Severity::Error,
            Subject::Site("cloud".into()),
            "spot preemptions"
        ));
        assert!(has(&p, Severity::Error, Subject::Site("edge".into()), "power price"));
        assert!(has(&p, Severity::Error, Subject::Site("edge".into()), "amortization"));
    }

    #[test]
    fn nan_canvas_position_points_at_the_node() {
        let mut p = good();
        p.nodes[1].pos = (f32::NAN, 10.0);
        assert!(has(
            &p,
            Severity::Error,
            Subject::Node("leaf".into()),
            "canvas position (NaN, 10)"
        ));
        p.nodes[1].pos = (0.0, f32::INFINITY);
        assert!(has(
            &p,
            Severity::Error,
            Subject::Node("leaf".into()),
            "canvas position"
        ));
        p.nodes[1].pos = (-2e7, 0.0);
        assert!(has(
            &p,
            Severity::Error,
            Subject::Node("leaf".into()),
            "canvas position"
        ));
    }

    #[test]
    fn tokens_past_1e16_point_at_the_stage() {
        let mut p = good();
        if let StageKind::Train(t) = &mut p.stages[0].kind {
            t.tokens = 1e30;
        }
        assert!(has(
            &p,
            Severity::Error,
            Subject::Stage("train".into()),
            "tokens to train 1e30 is not between 0 and 1e16"
        ));
        if let StageKind::Train(t) = &mut p.stages[0].kind {
            t.tokens = 1e16;
        }
        assert!(!has(&p, Severity::Error, Subject::Stage("train".into()), "tokens"));
    }

    #[test]
    fn links_and_storage_numbers_have_plausible_ranges() {
        let mut p = good();
        p.links[0].latency_us = f64::NAN;
        p.links[1].lanes = u32::MAX;
        p.nodes[2].capacity_tb = Some(1e300);
        assert!(has(&p, Severity::Error, Subject::Link("l1".into()), "latency NaN"));
        assert!(has(&p, Severity::Error, Subject::Link("l2".into()), "lanes, more than"));
        assert!(has(&p, Severity::Error, Subject::Node("fs".into()), "capacity"));
    }

    #[test]
    fn serving_numbers_are_finite_and_in_range() {
        let mut p = good();
        p.nodes.push(node("users", NodeKind::RequestSource, "", 1));
        p.links.push(link("l3", "users", "leaf", Medium::Ethernet400));
        p.nodes[1].model = String::new(); // any switch medium
        let mut serve = ServeStage {
            model: ModelSpec::Params {
                params_b: 7.0,
                seq_len: 4096,
            },
            source: "users".into(),
            rate_rps: 10.0,
            arrival: Arrival::Bursty {
                factor: f64::NAN,
                on_fraction: 2.0,
            },
            prompt_tokens: LengthDist { mean: 1e30, cv: 0.5 },
            output_tokens: LengthDist {
                mean: 128.0,
                cv: f64::INFINITY,
            },
            ttft_slo_s: -1.0,
            tpot_slo_s: 0.1,
            quantization: Precision::Bf16,
            pruning: Pruning::Unstructured(200),
            optimized_kernels: true,
            tp: 8,
            replicas: None,
            autoscaling: Some(Autoscaling {
                min_replicas: 0,
                max_replicas: 4,
                target_queue_per_replica: f64::NAN,
                cold_start_s: -5.0,
            }),
            duration_s: 1e300,
        };
        serve.tp = 8;
        p.stages = vec![Stage {
            id: "serve".into(),
            name: "Serve".into(),
            after: vec![],
            placement: vec!["gpus".into()],
            kind: StageKind::Serve(serve),
        }];
        let subject = || Subject::Stage("serve".into());
        for needle in [
            "burst factor NaN",
            "burst on-fraction 2",
            "mean prompt length (tokens) 1e30",
            "output length variation (CV) inf",
            "TTFT target (s) -1",
            "unstructured sparsity 200 %",
            "autoscaling queue target NaN",
            "cold start (s) -5",
            "serving period",
        ] {
            assert!(
                has(&p, Severity::Error, subject(), needle),
                "{needle}: {:?}",
                messages(&p)
            );
        }
    }
}
