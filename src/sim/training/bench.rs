//! Training benchmarks (figures, not timed tests) and the plan builder
//! they share with the scaling tests: a training stage on one of the
//! simulation core's reference fabrics.

use crate::model::{
    ModelSpec, Parallelism, PipelineSchedule, Plan, Precision, Recompute, Stage, StageKind, TrainStage,
    TransformerShape,
};
use crate::sim::SimError;
use crate::sim::fixtures::{fat_tree, reference_catalog};
use crate::sim::metrics::MetricKey;
use std::time::Instant;

/// A GPT-style shape (FFN 4 × hidden, tied embeddings).
pub fn gpt(name: &str, layers: u32, hidden: u32, heads: u32, seq: u32, vocab: u32) -> ModelSpec {
    ModelSpec::Transformer(TransformerShape {
        dropout: None,
        head_dim: None,
        name: name.into(),
        layers,
        hidden,
        heads,
        kv_heads: None,
        ffn_hidden: None,
        gated_ffn: false,
        seq_len: seq,
        vocab,
        moe: None,
    })
}

/// A Llama-style shape: grouped-query attention and a gated (SwiGLU) FFN.
pub fn llama(name: &str, dims: (u32, u32, u32, u32), ffn: u32, seq: u32, vocab: u32) -> ModelSpec {
    let (layers, hidden, heads, kv_heads) = dims;
    ModelSpec::Transformer(TransformerShape {
        dropout: None,
        head_dim: None,
        name: name.into(),
        layers,
        hidden,
        heads,
        kv_heads: Some(kv_heads),
        ffn_hidden: Some(ffn),
        gated_ffn: true,
        seq_len: seq,
        vocab,
        moe: None,
    })
}

/// A training stage placed on node `gpu` of a plan.
pub fn train_stage(model: ModelSpec, global_batch: u32, micro_batch: u32, par: Parallelism, rc: Recompute) -> Stage {
    Stage {
        id: "train".into(),
        name: "Train".into(),
        after: vec![],
        placement: vec!["gpu".into()],
        kind: StageKind::Train(TrainStage {
            // The fixture of docs/benchmarks.md and the scaling tests, as it was
            // measured before kernels were modelled.
            attention: crate::model::AttentionKernel::Unfused,
            model,
            tokens: 1e12,
            global_batch,
            micro_batch,
            precision: Precision::Bf16,
            parallelism: par,
            recompute: rc,
            data_source: None,
            checkpoint: None,
            overlap_grad_reduce: true,
        }),
    }
}

pub fn par(tp: u32, pp: u32, dp: u32, schedule: PipelineSchedule) -> Parallelism {
    Parallelism {
        cp: 1,
        stage_layers: Vec::new(),
        tp,
        pp,
        dp,
        sequence_parallel: tp > 1,
        zero_stage: 1,
        ep: 1,
        schedule,
    }
}

/// Wall time to simulate one training iteration of `stage` on `plan`.
fn iteration_wall(plan: &Plan) -> Result<f64, SimError> {
    let catalog = reference_catalog();
    let t = Instant::now();
    let stage = plan
        .stages
        .first()
        .ok_or_else(|| SimError::Invalid("bench plan has no stage".into()))?;
    let w = super::simulate_stage(plan, &catalog, stage, 1).map_err(SimError::Invalid)?;
    let wall = t.elapsed().as_secs_f64();
    if w.metric(MetricKey::SecondsPerIteration).is_none_or(|s| s <= 0.0) {
        return Err(SimError::Invalid("the iteration did not run".into()));
    }
    Ok(wall)
}

/// GPT-3 175B (Brown et al. 2020 shape), TP 8 × PP 8 × DP 16 on 128 DGX
/// A100 servers, interleaved 1F1B, global batch 1,536.
pub fn train_iteration_1024_gpus() -> Result<f64, SimError> {
    let mut plan = fat_tree("dgx-a100-80gb", 128, 16, 8);
    plan.stages.push(train_stage(
        gpt("gpt3-175b", 96, 12288, 96, 2048, 51200),
        1536,
        1,
        par(8, 8, 16, PipelineSchedule::Interleaved(3)),
        Recompute::Selective,
    ));
    iteration_wall(&plan)
}

/// Llama 3 405B (126 layers, hidden 16,384, 128 heads, 8 KV heads, FFN
/// 53,248, vocabulary 128,256, sequence 8,192), TP 8 × PP 16 × DP 128 on
/// 2,048 DGX H100, global batch 2,048 sequences (16 M tokens).
pub fn train_iteration_16384_gpus() -> Result<f64, SimError> {
    let mut plan = fat_tree("dgx-h100", 2048, 32, 64);
    plan.stages.push(train_stage(
        llama("llama3-405b", (126, 16384, 128, 8), 53248, 8192, 128_256),
        2048,
        1,
        par(8, 16, 128, PipelineSchedule::OneFOneB),
        Recompute::Selective,
    ));
    iteration_wall(&plan)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bench_plans_simulate() {
        assert!(train_iteration_1024_gpus().is_ok());
        assert!(train_iteration_16384_gpus().is_ok());
    }
}
