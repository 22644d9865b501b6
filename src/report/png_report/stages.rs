//! "Lifecycle stages": one table row per plan stage (kind, where it runs,
//! what it waits for, its parameters in one line). From the plan alone.

use super::ReportInput;
use super::labels::stage_name;
use super::layout::{CONTENT_W, MARGIN, section_title};
use crate::format as fmt;
use crate::model::{ModelSpec, StageKind};
use crate::report::draw::table::{self, Column, Row};
use crate::report::draw::{Canvas, Rect, charts};

pub(super) fn stages_section(c: &mut Canvas, input: &ReportInput<'_>, y: i32) -> i32 {
    let y = section_title(c, y, "Lifecycle stages", "");
    if input.plan.stages.is_empty() {
        let r = Rect::new(MARGIN, y, CONTENT_W, 90);
        charts::empty(
            c,
            r,
            "The plan has no stages: add ingest, training or serving workloads",
        );
        return y + 90;
    }
    let rows: Vec<Row> = input
        .plan
        .stages
        .iter()
        .map(|s| {
            let placement: Vec<String> = s
                .placement
                .iter()
                .map(|id| {
                    input
                        .plan
                        .node(id)
                        .map(|n| n.name.clone())
                        .unwrap_or_else(|| id.to_string())
                })
                .collect();
            let after: Vec<String> = s.after.iter().map(|id| stage_name(input.plan, id)).collect();
            Row::new(vec![
                s.name.clone(),
                s.kind.label().to_owned(),
                placement.join(", "),
                if after.is_empty() {
                    "start".into()
                } else {
                    after.join(", ")
                },
                stage_details(&s.kind),
            ])
        })
        .collect();
    let cols = [
        Column::left("Stage", 2.2),
        Column::left("Kind", 1.5),
        Column::left("Runs on", 2.2),
        Column::left("After", 1.8),
        Column::left("Details", 6.5),
    ];
    y + table::draw(c, Rect::new(MARGIN, y, CONTENT_W, 0), &cols, &rows)
}

fn model_summary(m: &ModelSpec) -> String {
    match m {
        ModelSpec::Transformer(t) => {
            let name = if t.name.is_empty() {
                "Transformer".to_owned()
            } else {
                t.name.clone()
            };
            format!("{name} {}L×{}", t.layers, t.hidden)
        }
        ModelSpec::Params { params_b, seq_len } => format!("{params_b}B params, seq {seq_len}"),
        ModelSpec::Cnn { name, .. } => name.clone(),
        ModelSpec::Trees { trees, depth, .. } => format!("{trees} trees, depth {depth}"),
    }
}

fn stage_details(kind: &StageKind) -> String {
    match kind {
        StageKind::Ingest(d) | StageKind::Preprocess(d) => format!(
            "{} TB · {:?}/{:?} to {:?}/{:?} · {} partitions",
            d.dataset_tb, d.input_format, d.input_codec, d.output_format, d.output_codec, d.partitions
        ),
        StageKind::Train(t) => {
            let p = &t.parallelism;
            format!(
                "{} · {} tokens · {} · TP{} PP{} DP{} · batch {}",
                model_summary(&t.model),
                fmt::si(t.tokens),
                t.precision.label(),
                p.tp,
                p.pp,
                p.dp,
                t.global_batch
            )
        }
        StageKind::Validate(v) => format!(
            "{} · {} tokens · {}",
            model_summary(&v.model),
            fmt::si(v.tokens),
            v.precision.label()
        ),
        StageKind::Checkpoint(cp) => format!("{} GB to {}", cp.size_gb, cp.target),
        StageKind::Spiking(sp) => format!(
            "{} neurons, {} synapses · {} % activity × {} steps · {} inferences/s · {} GFLOP conventional ({})",
            fmt::si(sp.neurons),
            fmt::si(sp.synapses),
            fmt::si(sp.activity * 100.0),
            sp.timesteps,
            fmt::si(sp.rate_per_s),
            fmt::si(sp.conventional_gflop),
            crate::sim::spiking::EXPERIMENTAL_LABEL
        ),
        StageKind::Quantum(q) => format!(
            "{} iterations × {} circuits × {} shots on '{}' · {} qubits, {} + {} gates · {} ({})",
            q.iterations,
            q.circuits_per_iteration,
            q.shots,
            q.qpu,
            q.qubits,
            q.gates_1q,
            q.gates_2q,
            q.mode.label(),
            crate::sim::quantum::EXPERIMENTAL_LABEL
        ),
        StageKind::Serve(s) => format!(
            "{} · {} req/s · {} · TTFT ≤ {} · TPOT ≤ {}",
            model_summary(&s.model),
            s.rate_rps,
            s.quantization.label(),
            fmt::duration(s.ttft_slo_s),
            fmt::duration(s.tpot_slo_s)
        ),
    }
}
