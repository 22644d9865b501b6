//! The lifecycle stage page: name, order, placement and the parameters of
//! its kind (ingest/preprocess data, training shape and parallelism,
//! validation, checkpoint, serving load and SLOs).

use super::KeyedEdit;
use super::fields::{combo, grid, num, text};
use crate::model::edit::Edit;
use crate::model::*;
use crate::ui::state::EditorState;
use crate::ui::theme;
use egui::Ui;

fn node_options(state: &EditorState, filter: impl Fn(&Node) -> bool) -> Vec<(NodeId, String)> {
    let mut v: Vec<(NodeId, String)> = state
        .plan
        .nodes
        .iter()
        .filter(|n| filter(n))
        .map(|n| (n.id.clone(), format!("{} {}", theme::node_icon(n.kind), n.name)))
        .collect();
    v.insert(0, (NodeId::default(), "(none)".into()));
    v
}

fn precision_options() -> Vec<(Precision, String)> {
    Precision::ALL.iter().map(|p| (*p, p.label().to_owned())).collect()
}

pub fn stage_ui(ui: &mut Ui, state: &EditorState, stage: &Stage, out: &mut Vec<KeyedEdit>) {
    ui.heading(format!("▶  {}", stage.name));
    ui.weak(format!("{} stage · id {}", stage.kind.label(), stage.id));
    let mut s = stage.clone();
    let storage = node_options(state, |n| n.kind.role() == NodeRole::Storage);
    grid(ui, "stage_grid", |ui| {
        text(ui, "Name", &mut s.name, "Display name of the stage");
        model_fields(ui, &mut s.kind);
        match &mut s.kind {
            StageKind::Train(t) => {
                num(
                    ui,
                    "Tokens",
                    &mut t.tokens,
                    "tokens",
                    0.0..=1e16,
                    "Tokens (or samples) to train on",
                );
                num(
                    ui,
                    "Global batch",
                    &mut t.global_batch,
                    "seq",
                    1..=1_000_000,
                    "Global batch in sequences",
                );
                num(
                    ui,
                    "Micro-batch",
                    &mut t.micro_batch,
                    "seq",
                    1..=65_536,
                    "Micro-batch in sequences",
                );
                combo(
                    ui,
                    "Precision",
                    &mut t.precision,
                    &precision_options(),
                    "Numeric precision of compute",
                );
                num(ui, "TP", &mut t.parallelism.tp, "", 1..=1024, "Tensor-parallel degree");
                num(
                    ui,
                    "CP",
                    &mut t.parallelism.cp,
                    "",
                    1..=1024,
                    "Context-parallel degree: each sequence is split over this many devices (ring attention)",
                );
                num(
                    ui,
                    "PP",
                    &mut t.parallelism.pp,
                    "",
                    1..=1024,
                    "Pipeline-parallel degree",
                );
                num(
                    ui,
                    "DP",
                    &mut t.parallelism.dp,
                    "",
                    1..=1_000_000,
                    "Data-parallel degree",
                );
                num(
                    ui,
                    "ZeRO stage",
                    &mut t.parallelism.zero_stage,
                    "",
                    0..=3,
                    "0 = plain DP, 3 = fully sharded",
                );
                combo(
                    ui,
                    "Attention",
                    &mut t.attention,
                    &crate::model::AttentionKernel::ALL
                        .iter()
                        .map(|a| (*a, a.label().to_owned()))
                        .collect::<Vec<_>>(),
                    "Attention kernel: fused kernels keep no s×s scores and skip the masked half",
                );
                let mut src = t.data_source.clone().unwrap_or_default();
                combo(
                    ui,
                    "Data source",
                    &mut src,
                    &storage,
                    "Storage the training data is read from",
                );
                t.data_source = (!src.0.is_empty()).then_some(src);
                let l = ui.label("Overlap gradients");
                ui.checkbox(&mut t.overlap_grad_reduce, "")
                    .labelled_by(l.id)
                    .on_hover_text("Overlap the data-parallel reduction with backward compute");
                ui.end_row();
            }
            StageKind::Validate(v) => {
                num(
                    ui,
                    "Tokens",
                    &mut v.tokens,
                    "tokens",
                    0.0..=1e15,
                    "Evaluation tokens (forward passes only)",
                );
                combo(
                    ui,
                    "Precision",
                    &mut v.precision,
                    &precision_options(),
                    "Numeric precision of compute",
                );
            }
            StageKind::Serve(sv) => {
                let sources = node_options(state, |n| n.kind == NodeKind::RequestSource);
                combo(
                    ui,
                    "Request source",
                    &mut sv.source,
                    &sources,
                    "Where requests come from",
                );
                num(
                    ui,
                    "Request rate",
                    &mut sv.rate_rps,
                    "req/s",
                    0.0..=1e7,
                    "Mean requests per second",
                );
                num(
                    ui,
                    "Prompt length",
                    &mut sv.prompt_tokens.mean,
                    "tokens",
                    1.0..=1e6,
                    "Mean prompt tokens",
                );
                num(
                    ui,
                    "Output length",
                    &mut sv.output_tokens.mean,
                    "tokens",
                    1.0..=1e6,
                    "Mean generated tokens",
                );
                num(
                    ui,
                    "TTFT target",
                    &mut sv.ttft_slo_s,
                    "s",
                    0.0..=600.0,
                    "p99 time to first token",
                );
                num(
                    ui,
                    "TPOT target",
                    &mut sv.tpot_slo_s,
                    "s",
                    0.0..=60.0,
                    "p99 time per output token",
                );
                combo(
                    ui,
                    "Quantization",
                    &mut sv.quantization,
                    &precision_options(),
                    "Precision of served weights",
                );
                num(ui, "TP per replica", &mut sv.tp, "", 1..=64, "Devices per replica");
                num(
                    ui,
                    "Duration",
                    &mut sv.duration_s,
                    "s",
                    1.0..=1e8,
                    "Simulated serving period",
                );
                let l = ui.label("Optimized kernels");
                ui.checkbox(&mut sv.optimized_kernels, "")
                    .labelled_by(l.id)
                    .on_hover_text("TensorRT-LLM class inference engine");
                ui.end_row();
            }
            StageKind::Ingest(d) | StageKind::Preprocess(d) => {
                num(
                    ui,
                    "Dataset",
                    &mut d.dataset_tb,
                    "TB",
                    0.0..=1e6,
                    "Raw (uncompressed) size",
                );
                num(
                    ui,
                    "Partitions",
                    &mut d.partitions,
                    "files",
                    1..=100_000_000,
                    "Number of files / partitions",
                );
                num(
                    ui,
                    "Columns read",
                    &mut d.columns_read,
                    "",
                    0.0..=1.0,
                    "Fraction of columns used downstream: a columnar input is read only for these",
                );
                let mut custom = d.prefixes.is_some();
                let mut prefixes = d.prefixes.unwrap_or(10);
                ui.horizontal(|ui| {
                    ui.checkbox(&mut custom, "Key prefixes")
                        .on_hover_text("Object stores that limit requests per prefix (S3): how many prefixes the files are spread over; unticked: the smaller of the file count and 10");
                    if custom {
                        ui.add(egui::DragValue::new(&mut prefixes).range(1..=1_000_000));
                    }
                });
                d.prefixes = custom.then_some(prefixes);
                let formats = [
                    DataFormat::Csv,
                    DataFormat::Json,
                    DataFormat::Parquet,
                    DataFormat::Orc,
                    DataFormat::Binary,
                ]
                .iter()
                .map(|f| (*f, format!("{f:?}")))
                .collect::<Vec<_>>();
                combo(ui, "Input format", &mut d.input_format, &formats, "File format read");
                combo(
                    ui,
                    "Output format",
                    &mut d.output_format,
                    &formats,
                    "File format written",
                );
                combo(ui, "Source", &mut d.source, &storage, "Storage read from");
                combo(ui, "Destination", &mut d.destination, &storage, "Storage written to");
            }
            StageKind::Spiking(sp) => {
                ui.weak("Experimental");
                ui.weak(crate::sim::spiking::EXPERIMENTAL_LABEL);
                ui.end_row();
                num(
                    ui,
                    "Neurons",
                    &mut sp.neurons,
                    "neurons",
                    1.0..=1e13,
                    "Neurons of the spiking network; must fit the chip",
                );
                num(
                    ui,
                    "Synapses",
                    &mut sp.synapses,
                    "synapses",
                    1.0..=1e13,
                    "Synapses of the spiking network; must fit the chip",
                );
                num(
                    ui,
                    "Activity",
                    &mut sp.activity,
                    "fraction",
                    0.0..=1.0,
                    "Fraction of synapses carrying a spike per timestep; dynamic energy scales with it",
                );
                num(
                    ui,
                    "Timesteps",
                    &mut sp.timesteps,
                    "steps",
                    1..=1_000_000,
                    "Timesteps the network runs per inference",
                );
                num(
                    ui,
                    "Input rate",
                    &mut sp.rate_per_s,
                    "inferences/s",
                    0.0..=1e9,
                    "Inferences arriving per second",
                );
                num(
                    ui,
                    "Conventional equivalent",
                    &mut sp.conventional_gflop,
                    "GFLOP",
                    0.0..=1e7,
                    "FLOPs per inference of the conventional network for the same task, run on GPUs, CPUs, edge devices and dense chips",
                );
                combo(
                    ui,
                    "Precision",
                    &mut sp.precision,
                    &precision_options(),
                    "Precision of the conventional equivalent",
                );
                num(
                    ui,
                    "Input",
                    &mut sp.input_bytes,
                    "B",
                    0.0..=1e9,
                    "Input bytes per inference over the chip's I/O",
                );
                num(ui, "Duration", &mut sp.duration_s, "s", 0.0..=1e9, "Simulated period");
            }
            StageKind::Quantum(q) => {
                let qpus = node_options(state, |n| n.kind == crate::model::NodeKind::QuantumService);
                quantum_fields(ui, q, &qpus);
            }
            StageKind::Checkpoint(c) => {
                num(
                    ui,
                    "Size",
                    &mut c.size_gb,
                    "GB",
                    0.0..=1e7,
                    "Bytes written: weights and optimizer state",
                );
                combo(ui, "Target", &mut c.target, &storage, "Storage written to");
            }
        }
    });
    ui.separator();
    ui.strong("Runs after");
    for other in &state.plan.stages {
        if other.id == stage.id {
            continue;
        }
        let mut on = s.after.contains(&other.id);
        if ui
            .checkbox(&mut on, &other.name)
            .on_hover_text(format!("Start only after '{}' finishes", other.name))
            .changed()
        {
            if on {
                s.after.push(other.id.clone());
            } else {
                s.after.retain(|d| d != &other.id);
            }
        }
    }
    ui.separator();
    ui.strong("Placement");
    let mut remove = None;
    for id in &s.placement {
        ui.horizontal(|ui| {
            let name = state
                .plan
                .node(id)
                .map(|n| n.name.clone())
                .unwrap_or_else(|| format!("{id} (missing)"));
            ui.label(name);
            if ui
                .small_button("✖")
                .on_hover_text("Remove from the placement")
                .clicked()
            {
                remove = Some(id.clone());
            }
        });
    }
    if let Some(r) = remove {
        s.placement.retain(|p| p != &r);
    }
    let selected = state.selected_nodes();
    if ui
        .add_enabled(!selected.is_empty(), egui::Button::new("Place on selected nodes"))
        .on_hover_text("Select nodes on the canvas (shift-click for several), then place the stage on them")
        .on_disabled_hover_text("Select nodes on the canvas first")
        .clicked()
    {
        s.placement = selected;
    }
    if &s != stage {
        out.push((Edit::SetStage(s), Some(format!("stage:{}", stage.id))));
    }
}

fn model_fields(ui: &mut Ui, kind: &mut StageKind) {
    let model = match kind {
        StageKind::Train(t) => &mut t.model,
        StageKind::Validate(v) => &mut v.model,
        StageKind::Serve(s) => &mut s.model,
        _ => return,
    };
    match model {
        ModelSpec::Transformer(t) => {
            num(ui, "Layers", &mut t.layers, "", 1..=1000, "Transformer layers");
            num(ui, "Hidden", &mut t.hidden, "", 1..=1_000_000, "Hidden size");
            num(ui, "Heads", &mut t.heads, "", 1..=1024, "Attention heads");
            num(
                ui,
                "Sequence",
                &mut t.seq_len,
                "tokens",
                1..=10_000_000,
                "Sequence length",
            );
        }
        ModelSpec::Params { params_b, seq_len } => {
            num(
                ui,
                "Parameters",
                params_b,
                "B",
                0.0..=100_000.0,
                "Parameter count in billions",
            );
            num(ui, "Sequence", seq_len, "tokens", 1..=10_000_000, "Sequence length");
        }
        ModelSpec::Cnn {
            gflops_per_sample,
            params_m,
            ..
        } => {
            num(
                ui,
                "Cost",
                gflops_per_sample,
                "GFLOP/sample",
                0.0..=1e6,
                "Forward cost of one sample",
            );
            num(
                ui,
                "Parameters",
                params_m,
                "M",
                0.0..=1e6,
                "Parameter count in millions",
            );
        }
        ModelSpec::Trees { trees, depth, features } => {
            num(ui, "Trees", trees, "", 1..=100_000, "Trees in the ensemble");
            num(ui, "Depth", depth, "", 1..=64, "Depth of each tree");
            num(ui, "Features", features, "", 1..=1_000_000, "Input features");
        }
    }
}

/// The fields of a hybrid quantum loop (inside the stage grid).
fn quantum_fields(ui: &mut Ui, q: &mut crate::model::QuantumStage, qpus: &[(NodeId, String)]) {
    ui.weak("Experimental");
    ui.weak(crate::sim::quantum::EXPERIMENTAL_LABEL);
    ui.end_row();
    combo(
        ui,
        "QPU",
        &mut q.qpu,
        qpus,
        "The quantum computer node the circuits run on",
    );
    let modes: Vec<_> = crate::model::QuantumMode::ALL
        .iter()
        .map(|m| (*m, m.label().to_owned()))
        .collect();
    combo(
        ui,
        "Mode",
        &mut q.mode,
        &modes,
        "Jobs queue every iteration; a session queues once and holds the QPU (time-priced QPUs then bill the whole session)",
    );
    num(
        ui,
        "Iterations",
        &mut q.iterations,
        "",
        1..=1_000_000,
        "Optimiser iterations",
    );
    num(
        ui,
        "Circuits / iteration",
        &mut q.circuits_per_iteration,
        "",
        1..=100_000,
        "Circuits per iteration, each one provider task (2 for SPSA, 2 × parameters for parameter-shift gradients)",
    );
    num(ui, "Shots", &mut q.shots, "shots", 1..=10_000_000, "Shots per circuit");
    num(
        ui,
        "Qubits",
        &mut q.qubits,
        "qubits",
        1..=100_000,
        "Qubits a circuit uses; must fit the QPU",
    );
    num(
        ui,
        "1-qubit gates",
        &mut q.gates_1q,
        "gates",
        0..=10_000_000,
        "One-qubit gates per circuit",
    );
    num(
        ui,
        "2-qubit gates",
        &mut q.gates_2q,
        "gates",
        0..=10_000_000,
        "Two-qubit gates per circuit",
    );
    num(
        ui,
        "Depth",
        &mut q.depth,
        "layers",
        0..=10_000_000,
        "Two-qubit-gate layers per circuit (sets the duration on QPUs that run gates in parallel)",
    );
    num(
        ui,
        "Measurements",
        &mut q.measurements,
        "ops",
        0..=10_000_000,
        "State preparation and measurement operations per circuit (Quantinuum bills them)",
    );
    num(
        ui,
        "Classical step",
        &mut q.classical_gflop,
        "GFLOP",
        0.0..=1e6,
        "The optimiser step per iteration on the classical node",
    );
    num(
        ui,
        "Payload",
        &mut q.payload_kb,
        "kB",
        0.0..=1e7,
        "Circuits sent and results fetched per iteration",
    );
}
