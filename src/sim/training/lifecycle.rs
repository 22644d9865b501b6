//! The run around the iterations: data loading from storage, checkpoint
//! writes, failures and restarts.

use super::hw::{Cluster, StoragePath};
use super::shape::Shape;
use crate::model::{CheckpointPolicy, Precision};

/// Unexpected interruptions per GPU-hour at scale, all root causes:
/// 419 in 54 days on 16,384 H100 = one per ~50,700 GPU-hours (Llama 3,
/// validation/reliability.csv R01–R03; MLCommons uses 50,000 h, R23).
pub const INTERRUPTIONS_PER_GPU_HOUR: f64 = 1.0 / 50_700.0;
/// Shares of root causes (R04, R05): GPU-related 58.7 %, network (switch,
/// cable 8.4 %, NIC 1.7 %) 10.1 %, host and software the rest (31.2 %).
pub const GPU_SHARE: f64 = 0.587;
pub const NETWORK_SHARE: f64 = 0.101;
pub const HOST_SHARE: f64 = 1.0 - GPU_SHARE - NETWORK_SHARE;
/// Reference server of those figures: 8 GPUs and 8 NICs (Grand Teton).
const REF_GPUS_PER_SERVER: f64 = 8.0;
/// Time to detect a failure, reschedule and re-initialize the job before
/// reading the checkpoint: 10 minutes, the restart time of Daly's worked
/// examples (R25). Doubtful: large jobs report anything from minutes
/// (MegaScale, R20) to hours with manual intervention.
pub const RESTART_S: f64 = 600.0;
/// Device-to-host copy for asynchronous checkpoints: PCIe Gen4 x16,
/// ~25 GB/s achieved of 32 (PCI-SIG line rate, hardware.csv).
const HOST_COPY_BW: f64 = 25e9;
/// Size of one ranged read from object storage: AWS S3 performance
/// guidelines recommend byte-range GETs of 8–16 MB.
const OBJECT_READ_BYTES: f64 = 8e6;
/// Bytes per token of pre-tokenized data: uint16 ids up to 65,536 entries
/// (Megatron `.bin` indexed datasets), uint32 above.
fn bytes_per_token(vocab: u32) -> f64 {
    if vocab <= 65_536 { 2.0 } else { 4.0 }
}

/// Data loading: demand vs what the storage path delivers.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DataLoad {
    pub demand_bytes_per_s: f64,
    pub supply_bytes_per_s: f64,
    /// Seconds per iteration the GPUs wait for data (prefetch hides
    /// reading while supply keeps up).
    pub stall_per_iteration: f64,
}

pub fn data_load(s: &Shape, tokens_per_iter: f64, iter_s: f64, source: Option<&StoragePath>) -> DataLoad {
    let bytes = tokens_per_iter * bytes_per_token(s.vocab);
    let demand = bytes / iter_s.max(1e-9);
    match source {
        None => DataLoad {
            demand_bytes_per_s: demand,
            supply_bytes_per_s: f64::INFINITY,
            stall_per_iteration: 0.0,
        },
        Some(p) => {
            // Storage also limits requests: one ranged read per
            // OBJECT_READ_BYTES at the per-member request limit (S3: 5,500
            // GET/s per prefix, hardware.csv).
            let mut supply = p.read_bw;
            if p.model.read_requests_per_s > 0.0 {
                supply = supply.min(p.model.read_requests_per_s * p.members * OBJECT_READ_BYTES);
            }
            // A cache serves its hit ratio; misses come from the storage
            // behind it at that storage's rate.
            if let (Some(h), Some(backing)) = (p.hit_ratio, p.backing_read_bw) {
                let h = h.clamp(0.0, 1.0);
                supply = 1.0 / (h / supply.max(1.0) + (1.0 - h) / backing.max(1.0));
            }
            let read_s = bytes / supply.max(1.0);
            DataLoad {
                demand_bytes_per_s: demand,
                supply_bytes_per_s: supply,
                stall_per_iteration: (read_s - iter_s).max(0.0),
            }
        }
    }
}

/// Checkpoint size: weights at training precision plus FP32 master
/// weights, momentum and variance (12 B): 14 B per parameter in mixed
/// precision (BLOOM-176B: 2.3 TB ≈ 13 B/param, R15; R28 quotes 14-16).
pub fn checkpoint_bytes(s: &Shape, precision: Precision) -> f64 {
    let w = match precision {
        Precision::Fp32 | Precision::Tf32 => 4.0,
        _ => 2.0,
    };
    s.params() * (w + 12.0)
}

/// Checkpointing and failures over the run.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Resilience {
    pub checkpoint_bytes: f64,
    /// Time to write one checkpoint to storage.
    pub write_s: f64,
    /// Training time stalled per checkpoint.
    pub stall_s: f64,
    pub interval_s: f64,
    /// Mean time between interruptions of the job: hardware and software
    /// failures and, on spot capacity, preemptions.
    pub mtbf_s: f64,
    /// Mean restart per interruption (detection or re-provisioning, then
    /// reading the checkpoint back).
    pub restart_s: f64,
    /// Interruptions per hour by cause: failures, spot preemptions.
    pub failures_per_h: f64,
    pub preemptions_per_h: f64,
    /// Young/Daly optimal interval for the stall per checkpoint.
    pub optimal_interval_s: f64,
    /// Wall time over useful time for checkpoints and for failures.
    pub checkpoint_factor: f64,
    pub failure_factor: f64,
    pub notes: Vec<String>,
}

/// Daly 2006 eq. (37): optimum interval for checkpoint cost δ and MTBF M.
pub fn daly_interval(delta: f64, mtbf: f64) -> f64 {
    if delta >= 2.0 * mtbf {
        return mtbf;
    }
    let x = delta / (2.0 * mtbf);
    (2.0 * delta * mtbf).sqrt() * (1.0 + x.sqrt() / 3.0 + x / 9.0) - delta
}

/// Checkpoints and interruptions of a run whose checkpoint is `size` bytes
/// (see [`checkpoint_bytes`]).
pub fn resilience(
    size: f64,
    c: &Cluster,
    gpus: u64,
    policy: Option<&CheckpointPolicy>,
    target: Option<&StoragePath>,
    fabric_write_s: Option<f64>,
    spot_preemptions_per_instance_hour: f64,
) -> Resilience {
    let mut notes = Vec::new();
    let servers = (gpus as f64 / c.devices_per_server as f64).ceil().max(1.0);
    let per_gpu_rate = c.interruptions_per_gpu_hour;
    let nics = c.system.nics.max(1) as f64 * servers;
    let rate_per_h =
        per_gpu_rate * (GPU_SHARE * gpus as f64 + NETWORK_SHARE * nics + HOST_SHARE * servers * REF_GPUS_PER_SERVER);
    // Spot capacity: each server is an instance the provider may reclaim,
    // independently, at the site's rate (Poisson; the rates add).
    let preempt_per_h = spot_preemptions_per_instance_hour.max(0.0) * servers;
    let mtbf = 3600.0 / (rate_per_h + preempt_per_h).max(1e-12);
    let (write_bw, read_bw, async_) = match (policy, target) {
        (Some(p), Some(t)) => (t.write_bw, t.read_bw, p.asynchronous),
        _ => {
            // No policy: assume checkpoints to the servers' local NVMe (write
            // ~half the read rate, NVMe Gen4 ~7 read / 4-5 write GB/s).
            let local = c.system.local_nvme_read_gbs * 0.5e9 * servers;
            let bw = if local > 0.0 { local } else { HOST_COPY_BW * gpus as f64 };
            notes.push("no checkpoint policy: assumed checkpoints to local NVMe at the Young/Daly interval".into());
            (bw, bw * 2.0, false)
        }
    };
    // Flow-level write time on the fabric when it was simulated.
    let write_s = fabric_write_s.unwrap_or(size / write_bw.max(1.0));
    let stall = if async_ {
        size / gpus.max(1) as f64 / HOST_COPY_BW
    } else {
        write_s
    };
    let optimal = daly_interval(stall.max(1e-3), mtbf);
    let interval = policy.map(|p| p.interval_s).unwrap_or(optimal).max(1.0);
    if async_ && write_s > interval {
        notes.push(format!(
            "asynchronous checkpoints take {:.0} s to write but come every {:.0} s: writes queue up",
            write_s, interval
        ));
    }
    // A failure restarts after RESTART_S; a preemption after re-provisioning
    // replacement instances (SPOT_RESTART_S); both then read the checkpoint.
    let share_preempt = preempt_per_h / (rate_per_h + preempt_per_h).max(1e-12);
    let restart =
        RESTART_S * (1.0 - share_preempt) + crate::sim::cost::SPOT_RESTART_S * share_preempt + size / read_bw.max(1.0);
    if preempt_per_h > 0.0 {
        notes.push(format!(
            "spot capacity: {:.2} preemptions per hour across {} instances ({:.3} per instance-hour) next to {:.3} failures per hour; each costs re-provisioning, the checkpoint read and the work since the last checkpoint",
            preempt_per_h, servers, spot_preemptions_per_instance_hour, rate_per_h
        ));
    }
    let checkpoint_factor = 1.0 + stall / interval;
    // Expected loss per failure: restart plus the work since the last
    // completed checkpoint (half an interval, plus the write for async).
    let lost = restart + (interval + stall) / 2.0 + if async_ { write_s } else { 0.0 };
    let useful = 1.0 - lost / mtbf;
    let failure_factor = if useful > 0.05 {
        1.0 / useful
    } else {
        notes.push(format!(
            "failures every {:.1} h undo more work than gets done between them: checkpoint more often",
            mtbf / 3600.0
        ));
        20.0
    };
    Resilience {
        checkpoint_bytes: size,
        write_s,
        stall_s: stall,
        interval_s: interval,
        mtbf_s: mtbf,
        restart_s: restart,
        failures_per_h: rate_per_h,
        preemptions_per_h: preempt_per_h,
        optimal_interval_s: optimal,
        checkpoint_factor,
        failure_factor,
        notes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn daly_matches_worked_examples() {
        // Daly 2006 (reliability.csv R25): δ = 5 min; M = 24 h → 117 min,
        // M = 6 h → 57 min.
        let t = daly_interval(300.0, 24.0 * 3600.0) / 60.0;
        assert!((t - 117.0).abs() < 3.0, "{t}");
        let t = daly_interval(300.0, 6.0 * 3600.0) / 60.0;
        assert!((t - 57.0).abs() < 2.0, "{t}");
    }

    #[test]
    fn llama3_scale_fails_every_three_hours() {
        // 16,384 GPUs in 2,048 8-GPU servers: R02 says ~3.1 h.
        let gpus = 16_384.0;
        let servers = 2048.0;
        let rate = INTERRUPTIONS_PER_GPU_HOUR
            * (GPU_SHARE * gpus + NETWORK_SHARE * servers * 8.0 + HOST_SHARE * servers * 8.0);
        let mtbf_h = 1.0 / rate;
        assert!((mtbf_h - 3.1).abs() < 0.1, "{mtbf_h}");
    }
}

/// One sampled history of the whole run: failures arrive as a Poisson
/// process (exponential gaps with mean `mtbf`, seeded), checkpoints are taken
/// every `interval` seconds of training, a failure costs the restart and the
/// work since the last durable checkpoint.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RunHistory {
    pub wall_s: f64,
    pub checkpoint_s: f64,
    pub failure_s: f64,
    /// Interruptions of every cause (failures and spot preemptions).
    pub failures: u64,
    /// Of those, spot preemptions.
    pub preemptions: u64,
    pub checkpoints: u64,
    /// The history was cut short (failures faster than progress).
    pub truncated: bool,
    /// Wall-clock times (s from the start) of the first checkpoints and
    /// failures, at most [`MAX_RECORDED`] of each (the event log).
    pub checkpoint_at: Vec<f64>,
    pub failure_at: Vec<f64>,
    /// For each time in `failure_at`: whether it was a spot preemption.
    pub preempted: Vec<bool>,
}

/// Event times kept per kind in a [`RunHistory`].
pub const MAX_RECORDED: usize = 200;

/// Upper bound on simulated checkpoint + failure events of one run.
const MAX_RUN_EVENTS: u64 = 5_000_000;

pub fn sample_run(useful_s: f64, r: &Resilience, asynchronous: bool, seed: u64) -> RunHistory {
    use rand::SeedableRng;
    use rand_distr::{Distribution, Exp};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut h = RunHistory::default();
    let Ok(gap) = Exp::new(1.0 / r.mtbf_s.max(1.0)) else {
        return h;
    };
    let interval = r.interval_s.max(1.0);
    let (mut done, mut durable) = (0.0f64, 0.0f64);
    let mut events = 0u64;
    while done < useful_s {
        events += 1;
        if events > MAX_RUN_EVENTS {
            h.truncated = true;
            // Finish the rest at the expected rate.
            h.wall_s += (useful_s - done) * r.failure_factor * r.checkpoint_factor;
            break;
        }
        let segment = (interval - (done - durable)).min(useful_s - done).max(0.0);
        let final_segment = done + segment >= useful_s;
        let stall = if final_segment { 0.0 } else { r.stall_s };
        let next_failure = gap.sample(&mut rng);
        if next_failure >= segment + stall {
            done += segment;
            h.wall_s += segment + stall;
            h.checkpoint_s += stall;
            if !final_segment {
                durable = done;
                h.checkpoints += 1;
                if h.checkpoint_at.len() < MAX_RECORDED {
                    h.checkpoint_at.push(h.wall_s - stall);
                }
            }
        } else {
            // Work since the last durable checkpoint is lost; an async
            // checkpoint still being written is lost too.
            let progressed = next_failure.min(segment);
            let pending = if asynchronous { r.write_s.min(interval) } else { 0.0 };
            let lost = (done + progressed - durable) + pending.min(durable);
            durable = (durable - pending).max(0.0).min(durable);
            done = durable;
            // Which cause: a preemption with its share of the rate (drawn
            // only on spot capacity, so other runs keep their sequence).
            let preempted = r.preemptions_per_h > 0.0 && {
                use rand::Rng;
                rng.random::<f64>() * (r.failures_per_h + r.preemptions_per_h) < r.preemptions_per_h
            };
            h.preemptions += u64::from(preempted);
            if h.failure_at.len() < MAX_RECORDED {
                h.failure_at.push(h.wall_s + next_failure);
                h.preempted.push(preempted);
            }
            h.wall_s += next_failure + r.restart_s;
            h.failure_s += lost + r.restart_s;
            h.failures += 1;
        }
    }
    h
}

#[cfg(test)]
mod run_tests {
    use super::*;

    fn res(mtbf_h: f64, interval_s: f64, stall_s: f64) -> Resilience {
        Resilience {
            checkpoint_bytes: 1e12,
            write_s: stall_s,
            stall_s,
            interval_s,
            mtbf_s: mtbf_h * 3600.0,
            restart_s: 600.0,
            optimal_interval_s: interval_s,
            checkpoint_factor: 1.0 + stall_s / interval_s,
            failure_factor: 1.0,
            failures_per_h: 1.0 / mtbf_h,
            preemptions_per_h: 0.0,
            notes: vec![],
        }
    }

    #[test]
    fn sampled_runs_are_deterministic_and_match_the_expectation() {
        let r = res(3.1, 1800.0, 60.0);
        let useful = 54.0 * 86400.0;
        let a = sample_run(useful, &r, false, 7);
        let b = sample_run(useful, &r, false, 7);
        assert_eq!(a, b);
        // ~54 days × 24 / 3.1 h ≈ 420 failures (Llama 3, reliability.csv R01).
        assert!((350..500).contains(&a.failures), "{}", a.failures);
        // Expected loss per failure ≈ restart + half an interval (+ stall).
        let expected = a.failures as f64 * (600.0 + 930.0);
        assert!(
            (a.failure_s / expected - 1.0).abs() < 0.15,
            "{} vs {expected}",
            a.failure_s
        );
        assert!((a.wall_s - useful - a.checkpoint_s - a.failure_s).abs() < 1e-3 * useful);
        let c = sample_run(useful, &r, false, 8);
        assert_ne!(a.failures, c.failures);
    }

    #[test]
    fn no_failures_without_exposure() {
        let r = res(1e9, 3600.0, 10.0);
        let h = sample_run(7200.0, &r, false, 1);
        assert_eq!(h.failures, 0);
        assert_eq!(h.checkpoints, 1);
        assert!((h.wall_s - 7210.0).abs() < 1e-9);
    }
}
