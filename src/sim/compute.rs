//! Compute cost of one operation: a roofline (the slower of math and memory
//! traffic) with achievable-efficiency factors, because no kernel runs at
//! datasheet peak and small kernels run further below it.

use super::error::SimError;
use crate::model::{Catalog, Device, Precision};
use crate::units::{Bytes, Flops, Seconds};

/// Fraction of dense tensor peak that large GEMMs reach. Sources: NVIDIA
/// "Matrix Multiplication Background User's Guide" (large FP16/BF16 GEMMs at
/// 70–80 % of peak on A100), H100 BF16 cuBLAS GEMMs ~700–800 of 989 TFLOP/s
/// in NVIDIA Transformer Engine benchmarks; Megatron-LM (Narayanan et al.,
/// SC'21) reaches 52 % of peak end to end including non-GEMM work.
pub const GEMM_MAX_EFFICIENCY: f64 = 0.78;
/// Ideal (peak-rate) duration at which a kernel reaches half of
/// `GEMM_MAX_EFFICIENCY`: launch overhead and tail effects of a few µs
/// (CUDA kernel launch ≈ 2–5 µs; wave quantization on small grids, same
/// NVIDIA guide). A 4096³ GEMM on H100 (139 µs ideal) gets ~0.76, a 1024³
/// (2.2 µs ideal) ~0.33, matching the guide's efficiency-vs-size curves.
pub const EFFICIENCY_HALF_TIME_S: f64 = 3e-6;
/// Fraction of peak memory bandwidth that streaming kernels reach. Source:
/// BabelStream / STREAM on HBM2e/HBM3 GPUs report 85–92 % of datasheet
/// bandwidth (e.g. ~1.8 of 2.0 TB/s on A100-80GB).
pub const MEMORY_EFFICIENCY: f64 = 0.85;

/// Efficiency factors; [`Efficiency::from_catalog`] lets a catalog's
/// `calibration` entries override the defaults above.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Efficiency {
    pub compute_max: f64,
    pub half_time_s: f64,
    pub memory: f64,
}

impl Default for Efficiency {
    fn default() -> Self {
        Self {
            compute_max: GEMM_MAX_EFFICIENCY,
            half_time_s: EFFICIENCY_HALF_TIME_S,
            memory: MEMORY_EFFICIENCY,
        }
    }
}

impl Efficiency {
    /// Keys: `gemm_max_efficiency`, `efficiency_half_time_s`, `memory_efficiency`.
    pub fn from_catalog(c: &Catalog) -> Self {
        let d = Self::default();
        Self {
            compute_max: c.calibration("gemm_max_efficiency", d.compute_max),
            half_time_s: c.calibration("efficiency_half_time_s", d.half_time_s),
            memory: c.calibration("memory_efficiency", d.memory),
        }
    }
}

/// The cost of one operation and what bounds it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct OpCost {
    pub time: Seconds,
    /// Math time (at achieved efficiency) ≥ memory time.
    pub compute_bound: bool,
    /// Precision actually used (a device without FP8 runs FP8 work as BF16).
    pub precision: Precision,
    /// Achieved fraction of the precision's dense peak.
    pub efficiency: f64,
}

/// Time of an operation of `flops` FLOPs moving `bytes` bytes of memory on
/// `device` at `precision`, with the default efficiency factors.
pub fn op_time(device: &Device, precision: Precision, flops: Flops, bytes: Bytes) -> Result<Seconds, SimError> {
    op_cost(device, precision, flops, bytes, &Efficiency::default()).map(|c| c.time)
}

/// Full roofline result with explicit efficiency factors.
pub fn op_cost(
    device: &Device,
    precision: Precision,
    flops: Flops,
    bytes: Bytes,
    eff: &Efficiency,
) -> Result<OpCost, SimError> {
    if !(flops.0 >= 0.0 && bytes.0 >= 0.0 && flops.0.is_finite() && bytes.0.is_finite()) {
        return Err(SimError::Invalid(format!(
            "operation of {} FLOPs and {} bytes",
            flops.0, bytes.0
        )));
    }
    let (used, peak_tflops) = device.peak_tflops.effective(precision).ok_or_else(|| {
        SimError::Invalid(format!(
            "device '{}' has no peak rate for {} or a wider precision",
            device.id,
            precision.label()
        ))
    })?;
    let peak = peak_tflops * 1e12;
    let ideal = flops.0 / peak;
    let e = if ideal > 0.0 {
        eff.compute_max * ideal / (ideal + eff.half_time_s.max(0.0))
    } else {
        eff.compute_max
    };
    let t_math = if flops.0 > 0.0 { flops.0 / (peak * e) } else { 0.0 };
    let bw = device.memory_bw_gbs * 1e9 * eff.memory;
    let t_mem = if bytes.0 > 0.0 {
        if bw > 0.0 {
            bytes.0 / bw
        } else {
            return Err(SimError::Invalid(format!(
                "device '{}' has no memory bandwidth",
                device.id
            )));
        }
    } else {
        0.0
    };
    let time = t_math.max(t_mem);
    Ok(OpCost {
        time: Seconds(time),
        compute_bound: t_math >= t_mem,
        precision: used,
        efficiency: if time > 0.0 { flops.0 / peak / time } else { 0.0 },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{DeviceKind, catalog::PeakTable};

    pub(crate) fn h100() -> Device {
        Device {
            quantum: None,
            price_ref: None,
            neuromorphic: None,
            id: "h100-sxm".into(),
            name: "H100 SXM".into(),
            kind: DeviceKind::Gpu,
            peak_tflops: PeakTable {
                fp32: Some(67.0),
                tf32: Some(494.0),
                bf16: Some(989.0),
                fp16: Some(989.0),
                fp8: Some(1979.0),
                int8: Some(1979.0),
                int4: None,
            },
            memory_gb: 80.0,
            memory_bw_gbs: 3350.0,
            tdp_w: 700.0,
            price_usd: 0.0,
            sparse_2of4: true,
            source: "NVIDIA H100 datasheet".into(),
        }
    }

    #[test]
    fn large_gemm_near_max_efficiency_small_ops_lower() {
        let d = h100();
        let big = 2.0 * 8192f64.powi(3);
        let c = op_cost(
            &d,
            Precision::Bf16,
            Flops(big),
            Bytes(3.0 * 2.0 * 8192f64.powi(2)),
            &Efficiency::default(),
        )
        .unwrap();
        assert!(c.compute_bound);
        assert!(c.efficiency > 0.75 && c.efficiency <= 0.78, "{}", c.efficiency);
        let small = 2.0 * 1024f64.powi(3);
        let c = op_cost(&d, Precision::Bf16, Flops(small), Bytes(0.0), &Efficiency::default()).unwrap();
        assert!(c.efficiency < 0.5, "{}", c.efficiency);
    }

    #[test]
    fn memory_bound_ops_follow_bandwidth() {
        let d = h100();
        // Elementwise op: 1 FLOP per 4 bytes.
        let t = op_time(&d, Precision::Bf16, Flops(1e9), Bytes(4e9)).unwrap();
        assert!((t.0 - 4e9 / (3350e9 * MEMORY_EFFICIENCY)).abs() < 1e-12);
    }

    #[test]
    fn missing_precision_falls_back_to_wider() {
        let mut d = h100();
        d.peak_tflops.fp8 = None;
        let c = op_cost(&d, Precision::Fp8, Flops(1e15), Bytes(0.0), &Efficiency::default()).unwrap();
        assert_eq!(c.precision, Precision::Bf16);
        d.peak_tflops = PeakTable::default();
        assert!(op_time(&d, Precision::Fp8, Flops(1.0), Bytes(0.0)).is_err());
        assert!(op_time(&h100(), Precision::Bf16, Flops(f64::NAN), Bytes(0.0)).is_err());
    }
}
