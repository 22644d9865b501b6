#!/usr/bin/env python3
"""Writes tests/validation/<id>.ron for published runs of the H100/FP8/MoE
era (rows of ../shared/validation/training2.csv, copied here with their
sources) and appends them to cases.csv after the rows generate.py writes.
Run from the repository root after generate.py:
    python3 tests/validation/generate2.py
Only what each source states is set; anything else is named in `derived`."""
import math, os

HERE = os.path.dirname(os.path.abspath(__file__))
MCORE = "Megatron-LM README 'Performance Benchmarking' table (Megatron-Core r0.8.0, images/model_table.png; github:NVIDIA/Megatron-LM @ d98e8a64, 2024-07-15), training2.csv"
BRIDGE = "Megatron-Bridge docs/performance-summary-archive.md, section '25.11 NeMo Container' (github:NVIDIA-NeMo/Megatron-Bridge @ 067f987d), training2.csv"
NEMO = "NeMo 24.07 performance summary (docs.nvidia.com/nemo-framework, 'Performance' table), training2.csv"
QWEN = "Megatron-Core MoE Qwen3-235B-A22B H100 benchmark, training2.csv"

ROWS = []
def row(id_, *, model, servers, system, tp, pp, dp, mb, gbs, precision, metric, value, unit, source, derived,
        cp=1, ep=1, zero=1, recompute="Selective", schedule="OneFOneB", stage_layers=None, csv_id=None,
        fabric="ndr", tokens=None):
    ROWS.append(dict(id=id_, model=model, servers=servers, system=system, tp=tp, pp=pp, dp=dp, cp=cp, ep=ep,
        mb=mb, gbs=gbs, precision=precision, metric=metric, value=value, unit=unit, source=source,
        derived=derived, zero=zero, recompute=recompute, schedule=schedule, stage_layers=stage_layers,
        csv_id=csv_id, fabric=fabric, tokens=tokens))

def gpt(name, layers, hidden, heads, seq, vocab, kv=None, ffn=None, gated=False, moe=None, head_dim=None):
    s = f'name: "{name}", layers: {layers}, hidden: {hidden}, heads: {heads}, '
    if kv: s += f"kv_heads: Some({kv}), "
    if ffn: s += f"ffn_hidden: Some({ffn}), "
    if head_dim: s += f"head_dim: Some({head_dim}), "
    if gated: s += "gated_ffn: true, "
    s += f"seq_len: {seq}, vocab: {vocab}"
    if moe: s += f", moe: Some(({moe}))"
    return dict(text=f"Transformer(({s}))", seq=seq, layers=layers)

MCORE_NOTE = ("BF16 assumed (the README states no precision; 47 % MFU is a BF16 figure on H100); micro-batch 1, "
              "distributed optimizer (ZeRO-1), sequence parallelism with TP, selective recompute, 1F1B, as the "
              "Megatron-LM GPT pretraining examples of r0.8.0; DGX H100 with 8x 400 Gb/s NDR rails")
for id_, l, h, a, n, tp, pp, gbs, v in [("mcore24-gpt-7b", 30, 4096, 32, 96, 2, 1, 192, 465.9),
                                     ("mcore24-gpt-16b", 32, 6144, 48, 192, 4, 1, 192, 489.1),
                                     ("mcore24-gpt-70b", 84, 8192, 64, 768, 8, 2, 384, 419.7),
                                     ("mcore24-gpt-462b", 112, 18432, 144, 6144, 8, 16, 3072, 459.9)]:
    dp = n // (tp * pp)
    row(id_, model=gpt(id_, l, h, a, 4096, 131072), servers=n // 8, system="dgx-h100", tp=tp, pp=pp, dp=dp, mb=1,
        gbs=gbs, precision="Bf16", metric="model_tflops_per_gpu", value=v, unit="TFLOP/s",
        source=MCORE + ": per-GPU model TFLOP/s (Megatron's formula, full s x s attention count, as ClusterForge's model FLOPs)",
        derived=MCORE_NOTE)

LLAMA3_8B = lambda seq: gpt("llama3-8b", 32, 4096, 32, seq, 128256, kv=8, ffn=14336, gated=True)
LLAMA3_405B = lambda seq: gpt("llama3.1-405b", 126, 16384, 128, seq, 128256, kv=8, ffn=53248, gated=True)
LLAMA2_70B = gpt("llama2-70b", 80, 8192, 64, 4096, 32000, kv=8, ffn=28672, gated=True)
BR_NOTE = "no activation recompute (Megatron-Bridge performance recipes), distributed optimizer; DGX nodes with 8x 400 Gb/s NDR rails"
row("bridge25-llama3-8b-h100", model=LLAMA3_8B(8192), servers=1, system="dgx-h100", tp=1, pp=1, dp=8, mb=1, gbs=128,
    precision="Fp8", zero=3, recompute="None", metric="tokens_per_second_per_gpu", value=14451, unit="tokens/s",
    source=BRIDGE + " (TR2-011: FP8 current scaling, FSDP 8, GA 16)", derived=BR_NOTE)
row("bridge25-llama3-8b-b200", model=LLAMA3_8B(8192), servers=1, system="dgx-b200", tp=1, pp=1, dp=8, mb=2, gbs=128,
    precision="Fp8", zero=1, recompute="None", metric="tokens_per_second_per_gpu", value=30624, unit="tokens/s",
    source=BRIDGE + " (TR2-012: FP8 current scaling, DDP, GA 8)", derived=BR_NOTE, fabric="ndr")
row("bridge25-llama31-405b-h100", model=LLAMA3_405B(8192), servers=128, system="dgx-h100", tp=8, pp=8, dp=8, cp=2, mb=1,
    gbs=512, precision="Fp8", recompute="None", schedule="Interleaved(8)", metric="tokens_per_second_per_gpu", value=292,
    unit="tokens/s", source=BRIDGE + " (TR2-013: FP8-CS, TP8 PP8 CP2 VP8, GA 64)", derived=BR_NOTE)
row("bridge25-llama31-405b-b200", model=LLAMA3_405B(8192), servers=16, system="dgx-b200", tp=4, pp=8, dp=2, cp=2, mb=1,
    gbs=64, precision="Fp8", recompute="None", schedule="Interleaved(8)", metric="tokens_per_second_per_gpu", value=661,
    unit="tokens/s", source=BRIDGE + " (TR2-014: FP8-CS, TP4 PP8 CP2 VP8, GA 32)", derived=BR_NOTE)
QWEN3 = gpt("qwen3-235b-a22b", 94, 4096, 64, 4096, 151936, kv=4, head_dim=128, gated=True, ffn=12288,
            moe="experts: 128, top_k: 8, expert_ffn: Some(1536)")
row("bridge25-qwen3-235b-h100", model=QWEN3, servers=32, system="dgx-h100", tp=2, pp=8, dp=16, ep=32, mb=1, gbs=2048,
    precision="Fp8", recompute="Selective", schedule="Interleaved(4)", metric="tokens_per_second_per_gpu", value=1575,
    unit="tokens/s", source=BRIDGE + " (TR2-017: FP8-CS, TP2 PP8 VP4 EP32, GA 128, force-balanced dropless routing)",
    derived=BR_NOTE.replace("no activation recompute", "selective recompute"))
NEMO_NOTE = "no activation recompute, distributed optimizer, sequence parallelism with TP (NeMo 24.07 recipes); DGX H100, 8x 400 Gb/s NDR"
row("nemo24-gpt3-175b-h100", model=gpt("gpt3-175b", 96, 12288, 96, 2048, 51200), servers=64, system="dgx-h100", tp=4,
    pp=8, dp=16, mb=2, gbs=2048, precision="Fp8", recompute="None", schedule="Interleaved(6)",
    metric="tokens_per_second_per_gpu", value=825, unit="tokens/s", source=NEMO + " (TR2-019: TP4 PP8 VP6)", derived=NEMO_NOTE)
row("nemo24-llama2-70b-h100", model=LLAMA2_70B, servers=8, system="dgx-h100", tp=4, pp=4, dp=4, mb=1, gbs=128,
    precision="Fp8", recompute="None", schedule="Interleaved(20)", metric="tokens_per_second_per_gpu", value=1728,
    unit="tokens/s", source=NEMO + " (TR2-020: TP4 PP4 VP20)", derived=NEMO_NOTE)
# TR2-021 (Nemotron-4 340B, TP8 PP8 DP2 on 128 H100) is left out: with
# DP 2 its optimizer state alone takes 32 GB per GPU, so it cannot fit
# without recompute or settings the source does not give.
for id_, tp, pp, v, ep, dp, gbs_note, value, what, split in [
        ("mcore-qwen3-235b-bf16-ep32", 2, 8, 4, 32, 16, "TP2 PP8 VPP4 EP32 DP16, DeepEP", 19.7, "TR2-024, the run without 1F1B all-to-all overlap (19.7 s; 17.6 s with it)", None),
        # 94 layers over 32 x 3 = 96 virtual stages: Megatron counts the
        # embedding and the loss as one layer slot each (first chunk of the
        # first device and last chunk of the last device hold no layer).
        ("mcore-qwen3-235b-bf16-ep8", 2, 32, 3, 8, 4, "TP2 PP32 VPP3 EP8 DP4, all-to-all", 24.2, "TR2-025", [2] + [3] * 30 + [2])]:
    row(id_, stage_layers=split, model=QWEN3, servers=32, system="dgx-h100", tp=tp, pp=pp, dp=dp, ep=ep, mb=1, gbs=2048, precision="Bf16",
        recompute="Selective", schedule=f"Interleaved({v})", metric="seconds_per_iteration", value=value, unit="s",
        source=QWEN + f" ({what}: {gbs_note}, MBS1 GBS2048, recompute norm+activation)",
        derived="selective recompute stands for the norm+activation recompute; force-balanced routing; DGX H100 with 8x 400 Gb/s")

def plan(r):
    servers = r["servers"]
    leaves = 8 * max(1, math.ceil(servers / 32))
    spines = max(1, leaves // 2)
    up_lanes = max(1, 32 * leaves // (leaves * spines)) if spines <= 32 else 1
    m = r["model"]
    par = f"tp: {r['tp']}, pp: {r['pp']}, dp: {r['dp']}, sequence_parallel: {'true' if r['tp'] > 1 else 'false'}, zero_stage: {r['zero']}, ep: {r['ep']}, schedule: {r['schedule']}"
    if r["cp"] > 1: par += f", cp: {r['cp']}"
    if r["stage_layers"]: par += f", stage_layers: {r['stage_layers']}"
    tokens = r["tokens"] or float(r["gbs"] * m["seq"] * 100)
    desc = f"Validation case {r['id']}: published {r['metric']} = {r['value']} {r['unit']}. Source: {r['source']}. Configuration: {r['derived']}"
    q = lambda s: '"' + s.replace('\\', '\\\\').replace('"', '\\"') + '"'
    return f"""// Validation case {r['id']} — generated by tests/validation/generate2.py.
// Source: {r['source']}
// {r['derived']}
(
    format_version: 1,
    name: {q(r['id'])},
    description: {q(desc)},
    sites: [(id: "dc", name: "GPU data centre", kind: OnPrem((amortization_years: 4.0, power_usd_per_kwh: 0.0806, pue: 1.2)))],
    nodes: [
        (id: "gpus", name: "GPU servers", kind: GpuServer, model: "{r['system']}", count: {servers}, site: "dc", pos: (0.0, 0.0)),
        (id: "leaf", name: "Rail leaf switches", kind: Switch, model: "ib-ndr-qm9700", count: {leaves}, site: "dc", pos: (300.0, 0.0)),
        (id: "spine", name: "Spine switches", kind: Switch, model: "ib-ndr-qm9700", count: {spines}, site: "dc", pos: (600.0, 0.0)),
        (id: "fs", name: "Parallel file system", kind: ParallelFs, model: "ddn-ai400x2", count: {max(1, servers // 32)}, site: "dc", pos: (600.0, 300.0)),
    ],
    links: [
        (id: "rails", from: "gpus", to: "leaf", medium: InfinibandNdr, pattern: Rail, lanes: 1, lane_gbps: 400.0, latency_us: 1.0),
        (id: "uplinks", from: "leaf", to: "spine", medium: InfinibandNdr, pattern: AllToAll, lanes: {up_lanes}, lane_gbps: 400.0, latency_us: 1.0),
        (id: "storage", from: "fs", to: "spine", medium: InfinibandNdr, pattern: Spread, lanes: 8, lane_gbps: 400.0, latency_us: 1.0),
    ],
    stages: [
        (
            id: "train",
            name: {q(r['id'])},
            placement: ["gpus"],
            kind: Train((
                model: {m['text']},
                tokens: {tokens!r},
                global_batch: {r['gbs']},
                micro_batch: {r['mb']},
                precision: {r['precision']},
                parallelism: ({par}),
                recompute: {r['recompute']},
                data_source: Some("fs"),
                overlap_grad_reduce: true,
                attention: Fused,
            )),
        ),
    ],
)
"""

if __name__ == "__main__":
    lines = open(os.path.join(HERE, "cases.csv")).read().splitlines()
    keep = [l for l in lines if not any(l.startswith(r["id"] + ",") for r in ROWS)]
    with open(os.path.join(HERE, "cases.csv"), "w") as f:
        f.write("\n".join(keep) + "\n")
        for r in ROWS:
            assert r["tp"] * r["pp"] * r["dp"] * r["cp"] == r["servers"] * 8, r["id"]
            with open(os.path.join(HERE, r["id"] + ".ron"), "w") as p:
                p.write(plan(r))
            definition = {"model_tflops_per_gpu": "model FLOPs (full attention count)",
                          "tokens_per_second_per_gpu": "training tokens per second per GPU",
                          "seconds_per_iteration": "iteration time"}[r["metric"]]
            f.write(f"{r['id']},{r['metric']},{r['value']},{r['unit']},{definition},h100-era\n")
    print(len(ROWS), "plans")
