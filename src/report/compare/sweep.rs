//! Scaling curve of a training stage: the stage simulated alone on its
//! placement scaled by 1/4, 1/2, 1, 2 and 4.
//!
//! What is scaled: the counts of the stage's placement node groups and the
//! data-parallel degree, by the same factor (TP and PP stay). The global
//! batch and the tokens to train stay constant (strong scaling: the same
//! job on more or fewer GPUs); the micro-batch is lowered only when it no
//! longer divides the global batch over the new DP degree. Groups wired
//! one-to-one to the placement (local NVMe caches) scale with it. Switches,
//! storage and links are not resized, so a point can fail validation (for
//! example a leaf switch runs out of ports, or the model no longer fits in
//! memory on fewer GPUs): such points are skipped with the reason.

use crate::model::{Catalog, NodeId, Plan, Severity, StageId, StageKind, WiringPattern};
use crate::sim::metrics::MetricKey;
use crate::sim::{Progress, SimError, simulate};
use serde::Serialize;

/// The factors the GUI and `clusterforge compare --sweep` use.
pub const FACTORS: [f64; 5] = [0.25, 0.5, 1.0, 2.0, 4.0];

/// Figures of one simulated point.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SweepFigures {
    pub tokens_per_second: f64,
    pub time_to_train_s: f64,
    pub mfu: f64,
    /// The stage's cost: its share of what it holds, for as long as it
    /// runs (the figure Results shows for the stage).
    pub cost_usd: f64,
    /// What the sites the stage runs in cost per year at this size: owned
    /// hardware, power, operations and facility for the whole year whether
    /// busy or not, the stage's rented nodes only while it runs (other rented
    /// nodes are billed by the stages that use them). More owned hardware can
    /// lower the stage's cost (it finishes sooner) but never this.
    pub site_usd_per_year: f64,
    pub dp: u32,
    pub micro_batch: u32,
}

/// One point of the sweep: simulated, or skipped with the reason.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SweepPoint {
    pub factor: f64,
    /// Servers (members of the placement groups) at this point.
    pub servers: u64,
    /// Accelerators the stage uses (TP × PP × DP).
    pub gpus: u64,
    pub outcome: Result<SweepFigures, String>,
}

/// A whole sweep with derived speed-up and efficiency.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Sweep {
    pub stage: String,
    pub points: Vec<SweepPoint>,
}

impl Sweep {
    /// The simulated point with the fewest GPUs: speed-up and efficiency
    /// are relative to it.
    pub fn base(&self) -> Option<(u64, &SweepFigures)> {
        self.points
            .iter()
            .filter_map(|p| p.outcome.as_ref().ok().map(|f| (p.gpus, f)))
            .filter(|(g, _)| *g > 0)
            .min_by_key(|(g, _)| *g)
    }

    /// Throughput relative to the base point.
    pub fn speedup(&self, p: &SweepPoint) -> Option<f64> {
        let (_, base) = self.base()?;
        let f = p.outcome.as_ref().ok()?;
        (base.tokens_per_second > 0.0).then(|| f.tokens_per_second / base.tokens_per_second)
    }

    /// Speed-up divided by the growth in GPUs (1.0 = linear scaling).
    pub fn efficiency(&self, p: &SweepPoint) -> Option<f64> {
        let (base_gpus, _) = self.base()?;
        let s = self.speedup(p)?;
        (p.gpus > 0).then(|| s / (p.gpus as f64 / base_gpus as f64))
    }

    /// Tokens/s with perfectly linear scaling from the base point.
    pub fn ideal_tokens_per_second(&self, gpus: u64) -> Option<f64> {
        let (base_gpus, base) = self.base()?;
        Some(base.tokens_per_second * gpus as f64 / base_gpus as f64)
    }

    /// Time to train with perfectly linear scaling from the base point.
    pub fn ideal_time_to_train_s(&self, gpus: u64) -> Option<f64> {
        let (base_gpus, base) = self.base()?;
        (gpus > 0).then(|| base.time_to_train_s * base_gpus as f64 / gpus as f64)
    }
}

/// Training stages of a plan, (id, name), in plan order.
pub fn training_stages(plan: &Plan) -> Vec<(StageId, String)> {
    plan.stages
        .iter()
        .filter(|s| matches!(s.kind, StageKind::Train(_)))
        .map(|s| (s.id.clone(), s.name.clone()))
        .collect()
}

fn scale_count(n: u64, factor: f64) -> Option<u64> {
    let x = n as f64 * factor;
    (x >= 1.0 && (x - x.round()).abs() < 1e-9).then(|| x.round() as u64)
}

fn share(factor: f64) -> String {
    if factor == 0.25 {
        "a quarter".into()
    } else if factor == 0.5 {
        "half".into()
    } else {
        format!("{factor}x")
    }
}

/// The plan with only `stage` (no dependencies) on its placement scaled by
/// `factor`, and the GPUs it uses; `Err` says why the point cannot be run.
pub fn scaled_plan(plan: &Plan, catalog: &Catalog, stage: &StageId, factor: f64) -> Result<(Plan, u64), String> {
    if !(factor.is_finite() && factor > 0.0) {
        return Err(format!("scale factor {factor} is not positive"));
    }
    let Some(original) = plan.stage(stage) else {
        return Err(format!("the plan has no stage '{stage}'"));
    };
    let StageKind::Train(train) = &original.kind else {
        return Err(format!("stage '{stage}' is not a training stage"));
    };
    let mut out = plan.clone();
    // Per-server companions (local NVMe caches wired one-to-one) scale with
    // their servers.
    let mut scaled: Vec<NodeId> = original.placement.clone();
    for l in &plan.links {
        if l.pattern != WiringPattern::OneToOne {
            continue;
        }
        for (a, b) in [(&l.from, &l.to), (&l.to, &l.from)] {
            if original.placement.contains(a) && !scaled.contains(b) {
                scaled.push(b.clone());
            }
        }
    }
    for id in &scaled {
        let Some(node) = out.node_mut(id) else {
            return Err(format!("placement node '{id}' does not exist"));
        };
        let Some(count) = scale_count(node.count as u64, factor) else {
            return Err(format!(
                "'{}' has {} servers: {} is not a whole number",
                id,
                node.count,
                share(factor)
            ));
        };
        node.count = u32::try_from(count).map_err(|_| format!("'{id}' would have too many servers"))?;
    }
    let mut t = train.clone();
    let p = &mut t.parallelism;
    let Some(dp) = scale_count(p.dp as u64, factor).and_then(|d| u32::try_from(d).ok()) else {
        return Err(format!(
            "data-parallel degree {}: {} is not a whole number",
            p.dp,
            share(factor)
        ));
    };
    p.dp = dp;
    let fits = |mb: u32| mb > 0 && (t.global_batch as u64).is_multiple_of(mb as u64 * dp as u64);
    if !fits(t.micro_batch) {
        match (1..t.micro_batch).rev().find(|&mb| fits(mb)) {
            Some(mb) => t.micro_batch = mb,
            None => {
                return Err(format!(
                    "global batch {} cannot be split over DP {dp} (kept constant: strong scaling)",
                    t.global_batch
                ));
            }
        }
    }
    let gpus = t.parallelism.gpus();
    let mut s = original.clone();
    s.after.clear();
    s.kind = StageKind::Train(t);
    out.stages = vec![s];
    // What `simulate` would refuse the variant for.
    let problems = crate::sim::budget::preflight(&out, catalog, &crate::sim::Budget::default());
    if let Some(e) = problems.iter().find(|p| p.severity == Severity::Error) {
        return Err(e.message.clone());
    }
    Ok((out, gpus))
}

fn servers(plan: &Plan, stage: &StageId) -> u64 {
    plan.stage(stage)
        .map(|s| {
            s.placement
                .iter()
                .filter_map(|n| plan.node(n))
                .map(|n| n.count as u64)
                .sum()
        })
        .unwrap_or(0)
}

/// Yearly cost of the sites `stage` runs in (see
/// [`SweepFigures::site_usd_per_year`]): the stage's nodes at full load,
/// the rest idle; rented nodes billed for the stage's `busy_s` only (the
/// stage's own) or not at all (the others').
fn site_cost_per_year(plan: &Plan, catalog: &Catalog, stage: &StageId, busy_s: f64) -> Result<f64, String> {
    use crate::sim::cost::plan_tco;
    use std::collections::BTreeMap;
    let year_s = 365.0 * 86_400.0;
    let placement: Vec<NodeId> = plan.stage(stage).map(|s| s.placement.clone()).unwrap_or_default();
    let sites: Vec<String> = placement
        .iter()
        .filter_map(|n| plan.node(n))
        .map(|n| n.site.to_string())
        .collect();
    // Rented nodes outside the stage are billed by the stages that use
    // them, not by this one: 0 hours here.
    let busy: BTreeMap<NodeId, f64> = plan
        .nodes
        .iter()
        .map(|n| {
            (
                n.id.clone(),
                if placement.contains(&n.id) {
                    busy_s / 3600.0
                } else {
                    0.0
                },
            )
        })
        .collect();
    let load: BTreeMap<NodeId, f64> = placement.iter().map(|n| (n.clone(), 1.0)).collect();
    let tco = plan_tco(plan, catalog, year_s, &load, 0.0, &busy).map_err(|e| e.to_string())?;
    Ok(tco
        .per_site
        .iter()
        .filter(|(site, _)| sites.contains(site))
        .map(|(_, c)| c.total_usd)
        .sum())
}

/// Simulate one point.
pub fn run_point(plan: &Plan, catalog: &Catalog, stage: &StageId, factor: f64, progress: &Progress) -> SweepPoint {
    let (scaled, gpus) = match scaled_plan(plan, catalog, stage, factor) {
        Ok(x) => x,
        Err(reason) => {
            let servers = plan
                .stage(stage)
                .map(|s| {
                    s.placement
                        .iter()
                        .filter_map(|n| plan.node(n))
                        .map(|n| (n.count as f64 * factor).floor() as u64)
                        .sum()
                })
                .unwrap_or(0);
            return SweepPoint {
                factor,
                servers,
                gpus: 0,
                outcome: Err(reason),
            };
        }
    };
    let outcome = simulate(&scaled, catalog, scaled.settings.seed, progress)
        .map_err(|e| e.to_string())
        .and_then(|r| {
            let w = r
                .workload(stage.as_str())
                .ok_or_else(|| "the stage produced no results".to_owned())?;
            let m = |k: MetricKey| w.metric(k).filter(|v| v.is_finite());
            let (Some(tps), Some(ttt)) = (m(MetricKey::TokensPerSecond), m(MetricKey::TimeToTrain)) else {
                return Err("the stage reported no throughput".to_owned());
            };
            let Some(StageKind::Train(t)) = scaled.stage(stage).map(|s| &s.kind) else {
                return Err("the stage is gone".to_owned());
            };
            Ok(SweepFigures {
                tokens_per_second: tps,
                time_to_train_s: ttt,
                mfu: m(MetricKey::Mfu).unwrap_or(0.0),
                cost_usd: m(MetricKey::Cost).unwrap_or(0.0),
                site_usd_per_year: site_cost_per_year(&scaled, catalog, stage, ttt)?,
                dp: t.parallelism.dp,
                micro_batch: t.micro_batch,
            })
        });
    SweepPoint {
        factor,
        servers: servers(&scaled, stage),
        gpus,
        outcome,
    }
}

/// Run every factor in order, calling `on_point` after each; stops with
/// [`SimError::Cancelled`] when `progress` is cancelled.
pub fn run_sweep(
    plan: &Plan,
    catalog: &Catalog,
    stage: &StageId,
    factors: &[f64],
    progress: &Progress,
    mut on_point: impl FnMut(&SweepPoint),
) -> Result<Sweep, SimError> {
    let mut sweep = Sweep {
        stage: stage.to_string(),
        points: Vec::new(),
    };
    for (i, f) in factors.iter().enumerate() {
        if progress.is_cancelled() {
            return Err(SimError::Cancelled);
        }
        // Each point reports into a private handle; the sweep's own handle
        // counts points.
        let point_progress = Progress::new();
        let p = run_point(plan, catalog, stage, *f, &point_progress);
        if progress.is_cancelled() {
            return Err(SimError::Cancelled);
        }
        on_point(&p);
        sweep.points.push(p);
        progress.set_fraction((i + 1) as f64 / factors.len().max(1) as f64);
    }
    Ok(sweep)
}

/// The sweep as a plain-text table (the CLI prints this).
pub fn to_text(sweep: &Sweep) -> String {
    use crate::format::{duration as fmt_duration, si as fmt_si, usd as fmt_usd};
    use std::fmt::Write as _;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "scaling of stage '{}' (global batch and tokens constant; placement and DP scaled)",
        sweep.stage
    );
    let _ = writeln!(
        s,
        "  {:>6} {:>8} {:>6} {:>12} {:>12} {:>9} {:>11} {:>10} {:>12}",
        "factor", "servers", "GPUs", "tokens/s", "time", "speed-up", "efficiency", "stage cost", "site cost/yr"
    );
    for p in &sweep.points {
        match &p.outcome {
            Ok(f) => {
                let _ = writeln!(
                    s,
                    "  {:>6} {:>8} {:>6} {:>12} {:>12} {:>9} {:>11} {:>10} {:>12}",
                    format!("{}x", p.factor),
                    p.servers,
                    p.gpus,
                    fmt_si(f.tokens_per_second),
                    fmt_duration(f.time_to_train_s),
                    sweep.speedup(p).map_or("—".into(), |x| format!("{x:.2}x")),
                    sweep
                        .efficiency(p)
                        .map_or("—".into(), |x| format!("{:.1} %", x * 100.0)),
                    fmt_usd(f.cost_usd),
                    fmt_usd(f.site_usd_per_year),
                );
            }
            Err(reason) => {
                let _ = writeln!(s, "  {:>6} skipped: {reason}", format!("{}x", p.factor));
            }
        }
    }
    s
}

/// The sweep as CSV (SI units): one row per point, skipped points with
/// their reason.
pub fn to_csv(sweep: &Sweep) -> String {
    use crate::report::table_csv::{document, number, opt_number};
    let header = [
        "factor",
        "servers",
        "gpus",
        "dp",
        "micro_batch",
        MetricKey::TokensPerSecond.key(),
        MetricKey::TimeToTrain.key(),
        "speedup",
        "efficiency",
        MetricKey::Cost.key(),
        "site_usd_per_year",
        "skipped",
    ];
    let rows = sweep.points.iter().map(|p| match &p.outcome {
        Ok(f) => vec![
            number(p.factor),
            p.servers.to_string(),
            p.gpus.to_string(),
            f.dp.to_string(),
            f.micro_batch.to_string(),
            number(f.tokens_per_second),
            number(f.time_to_train_s),
            opt_number(sweep.speedup(p)),
            opt_number(sweep.efficiency(p)),
            number(f.cost_usd),
            number(f.site_usd_per_year),
            String::new(),
        ],
        Err(reason) => {
            let mut row = vec![number(p.factor), p.servers.to_string()];
            row.extend(std::iter::repeat_n(String::new(), 9));
            row.push(reason.clone());
            row
        }
    });
    document(&header, rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::presets;

    #[test]
    fn scaling_keeps_the_batch_and_scales_dp_with_the_servers() {
        let plan = presets::preset("cloud-startup")
            .and_then(|p| p.plan().ok())
            .expect("preset parses");
        let catalog = Catalog::builtin();
        let stage = StageId::new("train");
        let (half, gpus) = scaled_plan(&plan, &catalog, &stage, 0.5).expect("half the p5 nodes is valid");
        assert_eq!(half.node(&"p5".into()).map(|n| n.count), Some(2));
        assert_eq!(gpus, 16);
        assert_eq!(half.stages.len(), 1, "only the swept stage is simulated");
        let Some(StageKind::Train(t)) = half.stage(&stage).map(|s| &s.kind) else {
            panic!("train stage kept");
        };
        assert_eq!((t.global_batch, t.parallelism.dp), (256, 16));
        let err = scaled_plan(&plan, &catalog, &stage, 0.125).expect_err("half a server");
        assert!(err.contains("not a whole number"), "{err}");
        let err = scaled_plan(&plan, &catalog, &"serve".into(), 1.0).expect_err("not training");
        assert!(err.contains("not a training stage"), "{err}");
    }
}
