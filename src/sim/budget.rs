//! The resource budget of a run, decided before it starts, and every check
//! `simulate` makes before its first event, in one place
//! ([`preflight`]), so `clusterforge check` accepts exactly the plans
//! `simulate` runs (only the event limit can still stop a run half-way).
//!
//! A node group's `count` scales the simulator's memory: the training
//! model's network (`Topology::build`) expands every member and every
//! physical connection before folding, and serving keeps a state per
//! replica. [`estimate`] counts those entities from the plan alone, with
//! saturating integer arithmetic (a count of 2³¹ must not overflow the
//! estimate that is meant to refuse it).

use super::serving;
use super::training::shape::Shape;
use crate::model::validate::has_errors;
use crate::model::{
    Catalog, Link, Medium, Node, NodeRole, PipelineSchedule, Plan, PlanIndex, Problem, Severity, StageId, StageKind,
    Subject, WiringPattern,
};

/// Entities one run may expand to unless `--max-entities` says otherwise.
/// Measured (debug build, peak RSS): the SuperPOD preset with 60,000 DGX
/// servers (7.6·10⁶ entities estimated) peaks at 705 MB in 49 s; a request
/// source of 10⁶ members (7.0·10⁶) at 750 MB. 8·10⁶ entities therefore stay
/// under 1 GB, well inside a 4 GB address-space limit, and under a minute;
/// the largest benchmark (16,384 GPUs, 2,048 servers) needs ~0.2·10⁶.
pub const DEFAULT_MAX_ENTITIES: u64 = 8_000_000;

/// How large a run may grow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Budget {
    /// Network vertices, directed links, physical connections and serving
    /// replicas the run may hold at once.
    pub max_entities: u64,
    /// Events one serving stage may process (all replicas together).
    pub max_events: u64,
}

impl Default for Budget {
    fn default() -> Self {
        Self {
            max_entities: DEFAULT_MAX_ENTITIES,
            max_events: serving::EVENT_LIMIT,
        }
    }
}

/// What one plan element expands to.
#[derive(Clone, Debug, PartialEq)]
pub struct Share {
    pub subject: Subject,
    /// Simulator entities (saturating).
    pub entities: u64,
    /// How they arise, for the message ("10000000 members × 3 entities").
    pub why: String,
}

/// The entities a plan expands to, by element, largest first.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Estimate {
    pub shares: Vec<Share>,
    pub total: u64,
}

/// Entities of one member of a group in the expanded network: its parts
/// (devices, NICs, hub, host, NVMe as `Topology::build` lays out a server)
/// and its internal directed links; 1 for members without inside.
fn entities_per_member(node: &Node, catalog: &Catalog) -> u64 {
    if node.kind.role() != NodeRole::Compute {
        return 1;
    }
    let Some(sys) = catalog.system(&node.model) else {
        return 1;
    };
    // The same clamps as `topology::server_layout`.
    let devices = sys.devices.clamp(1, u16::MAX as u32) as u64;
    let nics = sys.nics.min(u16::MAX as u32) as u64;
    let parts = devices + nics + 3;
    // Each internal edge is two directed resources: device-hub, NIC-device,
    // NIC-host, device-host, host-NVMe.
    let edges = 2 * (2 * devices + 2 * nics + 1);
    parts + edges
}

/// Where one connection attaches on a member: how many parts share it.
fn attach_count(node: &Node, catalog: &Catalog, medium: Medium, lanes: u32) -> u64 {
    let nics = match node.kind.role() {
        NodeRole::Compute => catalog.system(&node.model).map_or(0, |s| s.nics),
        _ => 0,
    };
    match medium {
        Medium::NvLink | Medium::Pcie4 | Medium::Pcie5 => 1,
        _ if nics == 0 => 1,
        _ => nics.min(lanes).max(1) as u64,
    }
}

/// Physical connections of a link as `Topology::build` expands them.
fn link_connections(link: &Link, a: &Node, b: &Node, catalog: &Catalog) -> u64 {
    let (ca, cb) = (a.count as u64, b.count as u64);
    let per_pair =
        attach_count(a, catalog, link.medium, link.lanes).max(attach_count(b, catalog, link.medium, link.lanes));
    let pairs = match link.pattern {
        WiringPattern::OneToOne => ca.min(cb),
        WiringPattern::Spread => ca.max(cb),
        WiringPattern::AllToAll => ca.saturating_mul(cb),
        WiringPattern::Rail => {
            let server = if a.kind == crate::model::NodeKind::Switch { b } else { a };
            let nics = catalog.system(&server.model).map_or(1, |s| s.nics.max(1)) as u64;
            return (server.count as u64).saturating_mul(nics);
        }
    };
    pairs.saturating_mul(per_pair)
}

/// The entities `plan` expands to. Network entities count only when a
/// training stage runs (the only model that builds the expanded network);
/// serving replicas count for every serving stage.
pub fn estimate(plan: &Plan, catalog: &Catalog) -> Estimate {
    let mut shares = Vec::new();
    let trains = plan.stages.iter().any(|s| matches!(s.kind, StageKind::Train(_)));
    if trains {
        let index = PlanIndex::new(plan);
        for n in &plan.nodes {
            let per = entities_per_member(n, catalog);
            shares.push(Share {
                subject: Subject::Node(n.id.clone()),
                entities: (n.count as u64).saturating_mul(per),
                why: format!("{} members × {per} each", n.count),
            });
        }
        for l in &plan.links {
            let (Some(a), Some(b)) = (index.node(&l.from), index.node(&l.to)) else {
                continue;
            };
            let conns = link_connections(l, a, b, catalog);
            // A connection is held once and as two directed resources.
            shares.push(Share {
                subject: Subject::Link(l.id.clone()),
                entities: conns.saturating_mul(3),
                why: format!("{conns} physical connections × 3 each"),
            });
        }
    }
    for stage in &plan.stages {
        let StageKind::Serve(s) = &stage.kind else { continue };
        // A stage that cannot run is reported by `preflight`; here it holds nothing.
        let Ok(replicas) = serving::replica_count(plan, stage, s, catalog) else {
            continue;
        };
        shares.push(Share {
            subject: Subject::Stage(stage.id.clone()),
            entities: replicas,
            why: format!("{replicas} serving replicas"),
        });
    }
    shares.sort_by_key(|s| std::cmp::Reverse(s.entities));
    let total = shares.iter().fold(0u64, |acc, s| acc.saturating_add(s.entities));
    Estimate { shares, total }
}

const ENTITIES_HINT: &str =
    "lower the count (a node group is scaled by its count), or raise the budget with --max-entities";

/// Located errors for a plan that would exceed `budget`.
pub fn budget_problems(plan: &Plan, catalog: &Catalog, budget: &Budget) -> Vec<Problem> {
    let mut out = Vec::new();
    let est = estimate(plan, catalog);
    let max = budget.max_entities;
    let hint = |need: u64| format!("{ENTITIES_HINT} {need} (clusterforge check/simulate)");
    for share in est.shares.iter().filter(|s| s.entities > max) {
        out.push(Problem {
            severity: Severity::Error,
            subject: share.subject.clone(),
            message: format!(
                "expands to {} simulator entities ({}), over the budget of {max}",
                share.entities, share.why
            ),
            hint: hint(est.total),
        });
    }
    if out.is_empty() && est.total > max {
        let top: Vec<String> = est
            .shares
            .iter()
            .take(3)
            .map(|s| format!("{} {}", s.subject, s.entities))
            .collect();
        out.push(Problem {
            severity: Severity::Error,
            subject: Subject::Plan,
            message: format!(
                "expands to {} simulator entities, over the budget of {max} (largest: {})",
                est.total,
                top.join(", ")
            ),
            hint: hint(est.total),
        });
    }
    for stage in &plan.stages {
        let StageKind::Serve(s) = &stage.kind else { continue };
        // Every request is at least one event (its arrival).
        let requests = s.rate_rps * s.duration_s;
        if requests > budget.max_events as f64 {
            out.push(Problem {
                severity: Severity::Error,
                subject: Subject::Stage(stage.id.clone()),
                message: format!(
                    "{} req/s for {} s is {requests:.3e} requests, more than the event limit of {}",
                    s.rate_rps, s.duration_s, budget.max_events
                ),
                hint: format!(
                    "lower the rate or the period, or raise the limit with --event-limit {:.0} (clusterforge check/simulate)",
                    requests.ceil()
                ),
            });
        }
    }
    out
}

/// Stage problems `simulate` would hit before its first event: an
/// interleaved schedule with more virtual stages than layers, a serving
/// model that leaves no room for its KV cache, a serving placement without
/// replicas.
fn stage_problems(plan: &Plan, catalog: &Catalog) -> Vec<Problem> {
    let mut out = Vec::new();
    let error = |id: &StageId, message: String, hint: &str| Problem {
        severity: Severity::Error,
        subject: Subject::Stage(id.clone()),
        message,
        hint: hint.to_owned(),
    };
    for stage in &plan.stages {
        match &stage.kind {
            StageKind::Train(t) => {
                let p = &t.parallelism;
                let Some(shape) = Shape::of(&t.model) else { continue };
                if !p.stage_layers.is_empty() {
                    let sum: u64 = p.stage_layers.iter().map(|&l| l as u64).sum();
                    if p.stage_layers.len() != p.pp as usize || sum != shape.layers as u64 {
                        out.push(error(
                            &stage.id,
                            format!(
                                "the pipeline split gives {} stages of {sum} layers in all, but PP is {} and the model has {} layers",
                                p.stage_layers.len(),
                                p.pp,
                                shape.layers
                            ),
                            "give one layer count per pipeline stage, summing to the model's layers (0 for an embedding-only or loss-only stage), or clear the split to spread layers evenly",
                        ));
                    }
                    // An explicit split may leave chunks empty (embedding- or
                    // loss-only virtual stages).
                    continue;
                }
                let PipelineSchedule::Interleaved(v) = p.schedule else {
                    continue;
                };
                let virtual_stages = p.pp as u64 * v.max(1) as u64;
                if p.pp > 1 && (shape.layers as u64) < virtual_stages {
                    out.push(error(
                        &stage.id,
                        format!(
                            "{} layers cannot fill {} pipeline stages × {v} chunks of the interleaved schedule",
                            shape.layers, p.pp
                        ),
                        "use fewer chunks per device (layers ≥ PP × chunks), or the plain 1F1B schedule",
                    ));
                }
            }
            StageKind::Serve(s) => match serving::replica_count(plan, stage, s, catalog) {
                Err(e) => out.push(error(
                    &stage.id,
                    e.to_string(),
                    "change the model, quantization, TP or placement",
                )),
                Ok(0) => out.push(error(
                    &stage.id,
                    "has no replica to serve on".into(),
                    "place it on compute nodes with enough devices for its TP",
                )),
                Ok(_) => {}
            },
            _ => {}
        }
    }
    out
}

/// Every problem that makes `simulate` refuse a plan, errors first:
/// validation, training memory, stage set-up and the budget. Later checks
/// the stage set-up only on a plan that passed validation (it would repeat
/// validation's messages about missing nodes).
pub fn preflight(plan: &Plan, catalog: &Catalog, budget: &Budget) -> Vec<Problem> {
    let mut problems = plan.validate(catalog);
    let valid = !has_errors(&problems);
    problems.extend(super::training::memory_problems(plan, catalog));
    if valid {
        problems.extend(stage_problems(plan, catalog));
    }
    problems.extend(budget_problems(plan, catalog, budget));
    problems.sort_by_key(|p| std::cmp::Reverse(p.severity));
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::*;
    use crate::sim::fixtures::{fat_tree, reference_catalog};

    /// `fat_tree` plus a training stage on every GPU, so the network counts.
    fn training_fat_tree(servers: u32) -> Plan {
        let mut p = fat_tree("dgx-h100", servers, 4, 4);
        p.stages.push(Stage {
            id: "train".into(),
            name: "Train".into(),
            after: vec![],
            placement: vec!["gpu".into()],
            kind: StageKind::Train(TrainStage {
                attention: crate::model::AttentionKernel::Fused,
                model: ModelSpec::Params {
                    params_b: 7.0,
                    seq_len: 4096,
                },
                tokens: 1e12,
                global_batch: 4096,
                micro_batch: 1,
                precision: Precision::Bf16,
                parallelism: Parallelism {
                    cp: 1,
                    stage_layers: Vec::new(),
                    tp: 8,
                    pp: 1,
                    dp: servers,
                    sequence_parallel: true,
                    zero_stage: 1,
                    ep: 1,
                    schedule: PipelineSchedule::OneFOneB,
                },
                recompute: Recompute::Selective,
                data_source: None,
                checkpoint: None,
                overlap_grad_reduce: true,
            }),
        });
        p
    }

    #[test]
    fn the_largest_benchmark_fits_the_default_budget_easily() {
        let plan = training_fat_tree(2048);
        let est = estimate(&plan, &reference_catalog());
        assert!(est.total > 100_000 && est.total < 500_000, "{}", est.total);
        assert!(budget_problems(&plan, &reference_catalog(), &Budget::default()).is_empty());
    }

    #[test]
    fn a_million_servers_is_a_located_error_naming_the_option() {
        let plan = training_fat_tree(1_000_000);
        let problems = budget_problems(&plan, &reference_catalog(), &Budget::default());
        let p = problems
            .iter()
            .find(|p| p.subject == Subject::Node("gpu".into()))
            .unwrap_or_else(|| panic!("{problems:?}"));
        assert_eq!(p.severity, Severity::Error);
        assert!(p.message.contains("1000000 members"), "{p}");
        assert!(p.hint.contains("--max-entities"), "{p}");
        // The option lifts it: the hint's figure is enough.
        let est = estimate(&plan, &reference_catalog());
        let raised = Budget {
            max_entities: est.total,
            ..Budget::default()
        };
        assert!(budget_problems(&plan, &reference_catalog(), &raised).is_empty());
    }

    #[test]
    fn counts_near_u32_max_saturate_instead_of_overflowing() {
        let mut plan = training_fat_tree(8);
        for n in &mut plan.nodes {
            n.count = u32::MAX;
        }
        let est = estimate(&plan, &reference_catalog());
        assert!(est.total >= u32::MAX as u64 * 85, "{}", est.total);
        assert!(!budget_problems(&plan, &reference_catalog(), &Budget::default()).is_empty());
    }

    #[test]
    fn many_small_groups_over_the_budget_are_a_plan_error() {
        let plan = training_fat_tree(64);
        let est = estimate(&plan, &reference_catalog());
        let tight = Budget {
            max_entities: est.shares[0].entities,
            ..Budget::default()
        };
        let problems = budget_problems(&plan, &reference_catalog(), &tight);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].subject, Subject::Plan);
        assert!(problems[0].message.contains("largest: node 'gpu'"), "{}", problems[0]);
    }

    #[test]
    fn an_interleaved_schedule_at_its_maximum_is_refused_before_simulating() {
        let mut plan = training_fat_tree(8);
        if let StageKind::Train(t) = &mut plan.stages[0].kind {
            t.parallelism.pp = 2;
            t.parallelism.dp = 4;
            t.parallelism.schedule = PipelineSchedule::Interleaved(u32::MAX);
        }
        let problems = preflight(&plan, &reference_catalog(), &Budget::default());
        let p = problems
            .iter()
            .find(|p| p.message.contains("interleaved"))
            .unwrap_or_else(|| panic!("{problems:?}"));
        assert_eq!(
            (p.severity, &p.subject),
            (Severity::Error, &Subject::Stage("train".into()))
        );
    }
}
