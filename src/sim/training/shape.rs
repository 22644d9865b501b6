//! Model math: parameters and FLOPs of a decoder-only transformer derived
//! from its shape (attention, grouped-query attention, gated FFN, mixture of
//! experts), and the split into model FLOPs and hardware FLOPs.
//!
//! FLOP counts follow Narayanan et al. 2021 ("Efficient Large-Scale Language
//! Model Training on GPU Clusters Using Megatron-LM", appendix): a matrix
//! multiply of (m×k)·(k×n) costs 2mkn; attention scores and the attention
//! over values cost 2·s·h each per token (full, non-causal count, as Megatron
//! and Korthikanti et al. 2022 count them); backward costs twice the forward.

use crate::model::{ModelSpec, Recompute, TransformerShape};

/// A transformer shape with every default resolved.
#[derive(Clone, Debug, PartialEq)]
pub struct Shape {
    pub layers: u32,
    pub hidden: u32,
    pub heads: u32,
    pub kv_heads: u32,
    pub ffn: u32,
    pub gated: bool,
    pub seq: u32,
    pub vocab: u32,
    /// Experts per layer and experts active per token (1, 1 for dense).
    pub experts: u32,
    pub top_k: u32,
    /// Whether the output projection shares the embedding matrix (GPT-style)
    /// or is a separate matrix (Llama-style).
    pub tied_embeddings: bool,
    /// Size of one attention head.
    pub head_dim: u32,
    /// FFN inner size of one routed expert (= `ffn` for dense models).
    pub expert_ffn: u32,
    /// Shared experts every token passes through (DeepSeekMoE).
    pub shared_experts: u32,
    /// Busiest expert rank's tokens over the mean (≥ 1).
    pub load_imbalance: f64,
    /// Whether dropout masks are stored.
    pub dropout: bool,
}

/// Vocabulary assumed for a model given only by its size (Llama 1/2: 32,000).
const DEFAULT_VOCAB: u32 = 32_000;
/// Head dimension assumed for a model given only by its size (GPT-3, Llama: 128).
const DEFAULT_HEAD_DIM: u32 = 128;

impl Shape {
    pub fn from_transformer(t: &TransformerShape) -> Shape {
        let experts = t.moe.map(|m| m.experts.max(1)).unwrap_or(1);
        let top_k = t.moe.map(|m| m.top_k.max(1)).unwrap_or(1);
        let ffn = t.ffn_hidden.unwrap_or(4 * t.hidden);
        Shape {
            head_dim: t.head_dim.unwrap_or(t.hidden / t.heads.max(1)).max(1),
            expert_ffn: t.moe.and_then(|m| m.expert_ffn).unwrap_or(ffn),
            shared_experts: t.moe.map(|m| m.shared_experts).unwrap_or(0),
            load_imbalance: t
                .moe
                .map(|m| m.load_imbalance)
                .filter(|v| v.is_finite())
                .unwrap_or(1.0)
                .max(1.0),
            dropout: t.dropout.unwrap_or(!t.gated_ffn),
            layers: t.layers,
            hidden: t.hidden,
            heads: t.heads,
            kv_heads: t.kv_heads.unwrap_or(t.heads).max(1),
            ffn,
            gated: t.gated_ffn,
            seq: t.seq_len,
            vocab: t.vocab,
            experts,
            top_k,
            // Llama-family models (gated FFN) keep a separate output matrix;
            // GPT-2/3 and Megatron GPT tie it to the embedding.
            tied_embeddings: !t.gated_ffn,
        }
    }

    /// Derive a shape from a parameter count with the aspect ratio of GPT-3
    /// and Llama (hidden ≈ 128 × layers, head dimension 128, FFN 4 × hidden):
    /// 12·l·h² = P gives l = (P / 12 / 128²)^(1/3), rounded to a multiple of 4
    /// so it splits over common pipeline degrees.
    pub fn from_params(params_b: f64, seq_len: u32) -> Shape {
        let p = (params_b * 1e9).max(1e6);
        let raw_layers = (p / (12.0 * 128.0 * 128.0)).cbrt();
        let layers = ((raw_layers / 4.0).round() * 4.0).max(4.0) as u32;
        // Solve 12·l·h² + 2·V·h = P for h, then round to the head dimension.
        let v = DEFAULT_VOCAB as f64;
        let l = layers as f64;
        let h = (-2.0 * v + (4.0 * v * v + 48.0 * l * p).sqrt()) / (24.0 * l);
        let hidden = ((h / DEFAULT_HEAD_DIM as f64).round().max(1.0) as u32) * DEFAULT_HEAD_DIM;
        Shape {
            layers,
            hidden,
            heads: hidden / DEFAULT_HEAD_DIM,
            kv_heads: hidden / DEFAULT_HEAD_DIM,
            ffn: 4 * hidden,
            gated: false,
            seq: seq_len,
            vocab: DEFAULT_VOCAB,
            experts: 1,
            top_k: 1,
            tied_embeddings: false,
            head_dim: DEFAULT_HEAD_DIM,
            expert_ffn: 4 * hidden,
            shared_experts: 0,
            load_imbalance: 1.0,
            dropout: true,
        }
    }

    /// The shape of a model spec, if it is a transformer.
    pub fn of(spec: &ModelSpec) -> Option<Shape> {
        match spec {
            ModelSpec::Transformer(t) => Some(Shape::from_transformer(t)),
            ModelSpec::Params { params_b, seq_len } => Some(Shape::from_params(*params_b, *seq_len)),
            ModelSpec::Cnn { .. } | ModelSpec::Trees { .. } => None,
        }
    }

    pub fn is_moe(&self) -> bool {
        self.experts > 1
    }

    fn h(&self) -> f64 {
        self.hidden as f64
    }
    /// Fraction of key/value heads (1 without grouped-query attention).
    pub fn kv_fraction(&self) -> f64 {
        self.kv_heads as f64 / self.heads.max(1) as f64
    }
    /// Matrices in one expert's FFN (3 when gated).
    fn ffn_mats(&self) -> f64 {
        if self.gated { 3.0 } else { 2.0 }
    }

    /// Width of the queries (heads × head size; = hidden unless the head
    /// size is set apart).
    pub fn q_dim(&self) -> f64 {
        self.heads as f64 * self.head_dim as f64
    }
    /// Width of the keys (and of the values).
    pub fn kv_dim(&self) -> f64 {
        self.kv_heads as f64 * self.head_dim as f64
    }
    /// Attention weights of one layer: Q and output h×q, K and V h×kv.
    pub fn attention_params(&self) -> f64 {
        self.h() * (2.0 * self.q_dim() + 2.0 * self.kv_dim())
    }
    /// FFN weights of one expert (of the FFN for a dense model).
    pub fn expert_params(&self) -> f64 {
        self.ffn_mats() * self.h() * self.expert_ffn as f64
    }
    /// Experts every token runs through: top-k routed plus the shared ones.
    pub fn experts_per_token(&self) -> f64 {
        (self.top_k + self.shared_experts) as f64
    }
    /// FFN weights of one layer (all experts, plus the router for MoE).
    pub fn ffn_params(&self) -> f64 {
        let router = if self.is_moe() {
            self.h() * self.experts as f64
        } else {
            0.0
        };
        self.expert_params() * (self.experts + self.shared_experts) as f64 + router
    }
    /// Weights of one layer including its two norms.
    pub fn layer_params(&self) -> f64 {
        self.attention_params() + self.ffn_params() + 4.0 * self.h()
    }
    /// Embedding (and untied output) weights.
    pub fn embedding_params(&self) -> f64 {
        let e = self.vocab as f64 * self.h();
        if self.tied_embeddings { e } else { 2.0 * e }
    }
    /// Total parameters.
    pub fn params(&self) -> f64 {
        self.layers as f64 * self.layer_params() + self.embedding_params() + 2.0 * self.h()
    }
    /// Parameters touched per token (MoE: only top-k experts).
    pub fn active_params(&self) -> f64 {
        let dense_layer = self.attention_params() + self.expert_params() * self.experts_per_token() + 4.0 * self.h();
        self.layers as f64 * dense_layer + self.embedding_params() + 2.0 * self.h()
    }

    /// Forward matmul FLOPs per token of one layer's weight multiplies
    /// (attention projections plus the active experts' FFN).
    pub fn layer_weight_flops_per_token(&self) -> f64 {
        2.0 * (self.attention_params() + self.expert_params() * self.experts_per_token())
            + if self.is_moe() {
                2.0 * self.h() * self.experts as f64
            } else {
                0.0
            }
    }
    /// Forward FLOPs per token of one layer's attention core (scores +
    /// values), counted over the full s×s matrix as Megatron-LM and
    /// PaLM's MFU do (a causal kernel executes about half of them).
    pub fn layer_attention_flops_per_token(&self) -> f64 {
        4.0 * self.seq as f64 * self.q_dim()
    }
    /// Forward FLOPs per token of the output (logit) layer.
    pub fn logit_flops_per_token(&self) -> f64 {
        2.0 * self.h() * self.vocab as f64
    }
    /// Forward FLOPs per token of the whole model.
    pub fn forward_flops_per_token(&self) -> f64 {
        self.layers as f64 * (self.layer_weight_flops_per_token() + self.layer_attention_flops_per_token())
            + self.logit_flops_per_token()
    }
    /// Model FLOPs per trained token (forward + backward = 3 × forward), the
    /// numerator of MFU (Chowdhery et al. 2022, PaLM, appendix B).
    pub fn model_flops_per_token(&self) -> f64 {
        3.0 * self.forward_flops_per_token()
    }
    /// Hardware FLOPs per trained token: model FLOPs plus what activation
    /// recomputation executes again (full: the forward of every layer;
    /// selective: the attention core, Korthikanti et al. 2022 §5).
    pub fn hardware_flops_per_token(&self, recompute: Recompute) -> f64 {
        let l = self.layers as f64;
        let extra = match recompute {
            Recompute::None => 0.0,
            Recompute::Selective => l * self.layer_attention_flops_per_token(),
            Recompute::Full => l * (self.layer_weight_flops_per_token() + self.layer_attention_flops_per_token()),
        };
        self.model_flops_per_token() + extra
    }
}

/// A GPT-style shape (sequence 2048, vocabulary 51200) for tests.
#[cfg(test)]
pub(crate) fn gpt(layers: u32, hidden: u32, heads: u32) -> Shape {
    Shape::from_transformer(&TransformerShape {
        dropout: None,
        head_dim: None,
        name: String::new(),
        layers,
        hidden,
        heads,
        kv_heads: None,
        ffn_hidden: None,
        gated_ffn: false,
        seq_len: 2048,
        vocab: 51200,
        moe: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::MoeSpec;

    #[test]
    fn gpt3_175b_parameter_count() {
        // 96 layers, hidden 12288: 174.6 B weights (Brown et al. 2020: 175.0 B).
        let p = gpt(96, 12288, 96).params();
        assert!((p / 1e9 - 174.6).abs() < 1.0, "{p}");
    }

    #[test]
    fn megatron_flops_formula() {
        // Narayanan et al. 2021 eq. (3): 96·B·s·l·h²·(1 + s/6h + V/16lh) per
        // iteration with full recompute; per token it is that over B·s.
        let s = gpt(128, 25600, 160);
        let (l, h, seq, v) = (128.0, 25600.0, 2048.0, 51200.0);
        let paper = 96.0 * l * h * h * (1.0 + seq / (6.0 * h) + v / (16.0 * l * h));
        let ours = s.hardware_flops_per_token(Recompute::Full);
        assert!((ours / paper - 1.0).abs() < 0.001, "{ours} vs {paper}");
        // Model FLOPs: 72·l·h²·(1 + s/6h + V/12lh) (Korthikanti et al. 2022).
        let paper = 72.0 * l * h * h * (1.0 + seq / (6.0 * h) + v / (12.0 * l * h));
        assert!((s.model_flops_per_token() / paper - 1.0).abs() < 0.001);
    }

    #[test]
    fn llama2_70b_with_gqa_and_swiglu() {
        let s = Shape::from_transformer(&TransformerShape {
            dropout: None,
            head_dim: None,
            name: "llama2-70b".into(),
            layers: 80,
            hidden: 8192,
            heads: 64,
            kv_heads: Some(8),
            ffn_hidden: Some(28672),
            gated_ffn: true,
            seq_len: 4096,
            vocab: 32000,
            moe: None,
        });
        // Touvron et al. 2023: 68.98 B parameters (reported as 70 B).
        assert!((s.params() / 1e9 - 69.0).abs() < 0.3, "{}", s.params());
    }

    #[test]
    fn moe_counts_all_experts_but_computes_top_k() {
        let dense = gpt(32, 4096, 32);
        let mut moe = dense.clone();
        moe.experts = 8;
        moe.top_k = 2;
        assert!(moe.params() > 5.0 * dense.params());
        let ratio = moe.forward_flops_per_token() / dense.forward_flops_per_token();
        assert!(ratio > 1.5 && ratio < 2.0, "{ratio}");
        let _ = MoeSpec {
            expert_ffn: None,
            load_imbalance: 1.0,
            shared_experts: 0,
            experts: 8,
            top_k: 2,
        };
    }

    #[test]
    fn shape_from_params_is_close() {
        for b in [1.0, 7.0, 70.0, 175.0] {
            let s = Shape::from_params(b, 2048);
            let rel = s.params() / (b * 1e9);
            assert!((0.85..1.15).contains(&rel), "{b}: {rel}");
            assert_eq!(s.hidden % s.heads, 0);
        }
    }

    #[test]
    fn recompute_adds_flops() {
        let s = gpt(24, 2304, 24);
        let m = s.model_flops_per_token();
        assert!(s.hardware_flops_per_token(Recompute::None) == m);
        assert!(s.hardware_flops_per_token(Recompute::Selective) > m);
        assert!(s.hardware_flops_per_token(Recompute::Full) > 1.25 * m);
    }
}
