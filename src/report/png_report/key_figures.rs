//! "Key figures": the simulated headline cards (training first, then one row
//! per serving stage), each labelled and formatted by the metric registry so
//! the page reads like the GUI's cards.

use super::ReportInput;
use super::layout::{CONTENT_W, MARGIN, cards};
use crate::format as fmt;
use crate::model::{Plan, StageId, StageKind};
use crate::report::draw::{Align, Canvas, Rect, TextStyle, palette};
use crate::report::figures::{Figures, StageFigures};
use crate::sim::metrics::MetricKey;

fn first_of<'r>(results: &'r Figures, kind: &str) -> Option<&'r StageFigures> {
    results.workloads.iter().find(|w| w.kind == kind)
}

pub(super) fn key_figures(c: &mut Canvas, input: &ReportInput<'_>, y: i32) -> i32 {
    let Some(results) = input.results else {
        let style = TextStyle::new(20.0, palette::MUTED);
        let w = CONTENT_W;
        let r = Rect::new(MARGIN, y, w, 90);
        c.round_rect(r, 10.0, palette::PANEL, Some((palette::RULE, 1.5)));
        let msg = "Not simulated. Time to train, tokens/s, MFU, GPU-hours, energy and cost appear here once the plan has been simulated (`clusterforge report` simulates before drawing; the GUI runs it with Run).";
        let lines = c.wrap(msg, &style, (w - 60) as f32);
        let lh = c.line_height(&style) as i32;
        for (i, l) in lines.iter().enumerate() {
            c.text(
                MARGIN + 30,
                y + (90 - lh * lines.len() as i32) / 2 + i as i32 * lh,
                l,
                &style,
                Align::Left,
            );
        }
        return y + 90;
    };
    let get = |w: Option<&StageFigures>, key: MetricKey| w.and_then(|w| w.metrics.get(&key).copied());
    let train = first_of(results, "train");
    let summary = |key: MetricKey| results.summary.get(&key).copied();
    let train_name = train
        .and_then(|t| input.plan.stage(&t.stage))
        .map(|s| s.name.clone())
        .unwrap_or_else(|| "no training stage".to_owned());
    // A card: the registry's label over the registry's formatting.
    let card = |key: MetricKey, v: Option<f64>, note: String| {
        (
            key.label().to_owned(),
            v.map(|v| key.format(v)).unwrap_or_else(|| "—".to_owned()),
            note,
        )
    };
    let mut y = y;
    let figs = vec![
        card(
            MetricKey::TimeToTrain,
            get(train, MetricKey::TimeToTrain),
            train_name.clone(),
        ),
        card(
            MetricKey::TokensPerSecond,
            get(train, MetricKey::TokensPerSecond),
            "training throughput".to_owned(),
        ),
        card(
            MetricKey::Mfu,
            get(train, MetricKey::Mfu),
            "model FLOPs utilization".to_owned(),
        ),
        card(
            MetricKey::GpuHours,
            get(train, MetricKey::GpuHours).or(summary(MetricKey::GpuHours)),
            "accelerator-hours".to_owned(),
        ),
        card(
            MetricKey::PlanEnergy,
            summary(MetricKey::PlanEnergy),
            summary(MetricKey::PlanCarbon)
                .map(|kg| MetricKey::PlanCarbon.format(kg))
                .unwrap_or_else(|| "facility meter".to_owned()),
        ),
        card(
            MetricKey::PlanCost,
            summary(MetricKey::PlanCost),
            "whole lifecycle".to_owned(),
        ),
    ];
    y = cards(c, y, &figs, palette::ONPREM);
    for serve in results.workloads.iter().filter(|w| w.kind == "serve") {
        let name = input
            .plan
            .stage(&serve.stage)
            .map(|s| s.name.clone())
            .unwrap_or_else(|| serve.stage.to_string());
        let s = Some(serve);
        let mut figs = vec![card(
            MetricKey::TokensPerSecond,
            get(s, MetricKey::TokensPerSecond),
            "serving throughput".to_owned(),
        )];
        figs[0].0 = format!("{name}: {}", figs[0].0);
        figs.extend([
            card(
                MetricKey::RequestsPerSecond,
                get(s, MetricKey::RequestsPerSecond),
                "completed".to_owned(),
            ),
            card(
                MetricKey::TtftP99,
                get(s, MetricKey::TtftP99),
                slo_note(input.plan, &serve.stage, true),
            ),
            card(
                MetricKey::TpotP99,
                get(s, MetricKey::TpotP99),
                slo_note(input.plan, &serve.stage, false),
            ),
            card(
                MetricKey::SloAttainment,
                get(s, MetricKey::SloAttainment),
                "requests within both SLOs".to_owned(),
            ),
        ]);
        y = cards(c, y + 20, &figs, palette::EDGE);
    }
    y
}

fn slo_note(plan: &Plan, stage: &StageId, ttft: bool) -> String {
    match plan.stage(stage).map(|s| &s.kind) {
        Some(StageKind::Serve(s)) => {
            let v = if ttft { s.ttft_slo_s } else { s.tpot_slo_s };
            format!("target {}", fmt::duration(v))
        }
        _ => String::new(),
    }
}
