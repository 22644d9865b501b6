//! One training iteration's pipeline schedule, simulated operation by
//! operation: 1F1B (PipeDream-Flush, Narayanan et al. 2021 §2.2.1) and
//! interleaved 1F1B with `v` model chunks per device (§2.2.2), in the
//! order Megatron-LM issues them. Each device runs its operations in order;
//! an operation starts when the device is free and its input (the previous
//! virtual stage's forward, or the next one's backward) has arrived over
//! the point-to-point link. The bubble is what the schedule leaves idle —
//! nothing is assumed about it.

/// Result of simulating one pipeline flush.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PipelineRun {
    /// Time the last operation of the iteration ends.
    pub makespan: f64,
    /// Per device: time its last backward ends.
    pub finish: Vec<f64>,
    /// Per device: time spent computing.
    pub busy: Vec<f64>,
    /// Per device: end time of the last backward of its last micro-batch
    /// minus its start (the window gradient reduction can overlap with).
    pub last_backward: Vec<f64>,
    /// Point-to-point transfers on the critical path (approximate: the
    /// warm-up and cool-down chain).
    pub p2p_on_path: f64,
    /// Per device: (start, end) of every operation it ran, in order.
    pub intervals: Vec<Vec<(f64, f64)>>,
}

impl PipelineRun {
    /// Busy fraction of `device` in `buckets` equal slices of `[0, horizon]`.
    pub fn utilization_series(&self, device: usize, buckets: usize, horizon: f64) -> Vec<(f64, f64)> {
        let Some(ops) = self.intervals.get(device) else {
            return Vec::new();
        };
        let buckets = buckets.max(1);
        let width = horizon.max(1e-12) / buckets as f64;
        let mut busy = vec![0.0; buckets];
        for &(a, b) in ops {
            let first = ((a / width) as usize).min(buckets - 1);
            let last = ((b / width) as usize).min(buckets - 1);
            for (k, slot) in busy.iter_mut().enumerate().take(last + 1).skip(first) {
                let lo = a.max(k as f64 * width);
                let hi = b.min((k + 1) as f64 * width);
                if hi > lo {
                    *slot += hi - lo;
                }
            }
        }
        busy.iter()
            .enumerate()
            .map(|(k, b)| (k as f64 * width, (b / width).min(1.0)))
            .collect()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Dir {
    F,
    B,
}

/// Durations per virtual stage (index = chunk · p + device).
pub struct StageTimes<'a> {
    pub forward: &'a [f64],
    pub backward: &'a [f64],
}

/// Operation order of one device (Megatron-LM `schedules.py`).
/// Maps the k-th forward (or backward) of a device to (chunk, micro-batch).
type OpIndex = Box<dyn Fn(u32) -> (u32, u32)>;

fn device_order(rank: u32, p: u32, v: u32, m: u32) -> Vec<(Dir, u32, u32)> {
    let total = m * v;
    let (warmup, fwd_id, bwd_id): (u32, OpIndex, OpIndex) = if v == 1 {
        ((p - rank - 1).min(m), Box::new(|k| (0, k)), Box::new(|k| (0, k)))
    } else {
        let warm = if m == p {
            total
        } else {
            ((p - rank - 1) * 2 + (v - 1) * p).min(total)
        };
        let group = p * v;
        (
            warm,
            Box::new(move |k| ((k % group) / p, (k / group) * p + k % p)),
            Box::new(move |k| (v - 1 - (k % group) / p, (k / group) * p + k % p)),
        )
    };
    let mut ops = Vec::with_capacity(2 * total as usize);
    for k in 0..warmup {
        let (c, j) = fwd_id(k);
        ops.push((Dir::F, c, j));
    }
    for i in 0..(total - warmup) {
        let (c, j) = fwd_id(warmup + i);
        ops.push((Dir::F, c, j));
        let (c, j) = bwd_id(i);
        ops.push((Dir::B, c, j));
    }
    for k in (total - warmup)..total {
        let (c, j) = bwd_id(k);
        ops.push((Dir::B, c, j));
    }
    ops
}

/// Simulate `m` micro-batches through `p` devices with `v` chunks each.
/// `p2p` is the transfer time between consecutive virtual stages.
pub fn simulate(p: u32, v: u32, m: u32, times: &StageTimes, p2p: f64) -> Result<PipelineRun, String> {
    let p = p.max(1);
    let v = v.max(1);
    let m = m.max(1);
    let stages = (p * v) as usize;
    if times.forward.len() != stages || times.backward.len() != stages {
        return Err(format!("expected {stages} stage durations"));
    }
    if v > 1 && !m.is_multiple_of(p) {
        return Err(format!(
            "the interleaved schedule needs the micro-batch count ({m}) to be a multiple of the pipeline degree ({p})"
        ));
    }
    let orders: Vec<Vec<(Dir, u32, u32)>> = (0..p).map(|r| device_order(r, p, v, m)).collect();
    let idx = |vs: usize, j: u32| vs * m as usize + j as usize;
    let mut f_done = vec![f64::NAN; stages * m as usize];
    let mut b_done = vec![f64::NAN; stages * m as usize];
    let mut pos = vec![0usize; p as usize];
    let mut clock = vec![0.0f64; p as usize];
    let mut busy = vec![0.0f64; p as usize];
    let mut last_b_start = vec![0.0f64; p as usize];
    let mut intervals: Vec<Vec<(f64, f64)>> = (0..p as usize).map(|r| Vec::with_capacity(orders[r].len())).collect();
    let total_ops: usize = orders.iter().map(|o| o.len()).sum();
    let mut done_ops = 0usize;
    while done_ops < total_ops {
        let mut progressed = false;
        for r in 0..p as usize {
            while let Some(&(dir, chunk, j)) = orders[r].get(pos[r]) {
                let vs = chunk as usize * p as usize + r;
                let ready = match dir {
                    Dir::F if vs == 0 => Some(0.0),
                    Dir::F => {
                        let t = f_done[idx(vs - 1, j)];
                        (!t.is_nan()).then_some(t + p2p)
                    }
                    Dir::B if vs == stages - 1 => {
                        let t = f_done[idx(vs, j)];
                        (!t.is_nan()).then_some(t)
                    }
                    Dir::B => {
                        let t = b_done[idx(vs + 1, j)];
                        (!t.is_nan()).then_some(t + p2p)
                    }
                };
                let Some(ready) = ready else { break };
                let start = clock[r].max(ready);
                let dur = match dir {
                    Dir::F => times.forward[vs],
                    Dir::B => times.backward[vs],
                };
                let end = start + dur;
                match dir {
                    Dir::F => f_done[idx(vs, j)] = end,
                    Dir::B => {
                        b_done[idx(vs, j)] = end;
                        last_b_start[r] = start;
                    }
                }
                clock[r] = end;
                busy[r] += dur;
                intervals[r].push((start, end));
                pos[r] += 1;
                done_ops += 1;
                progressed = true;
            }
        }
        if !progressed {
            return Err("pipeline schedule deadlocked (inconsistent stage order)".into());
        }
    }
    let makespan = clock.iter().cloned().fold(0.0, f64::max);
    let last_backward = (0..p as usize).map(|r| clock[r] - last_b_start[r]).collect();
    Ok(PipelineRun {
        makespan,
        finish: clock,
        busy,
        last_backward,
        p2p_on_path: if p > 1 { 2.0 * (p as f64 - 1.0) * p2p } else { 0.0 },
        intervals,
    })
}

/// The same schedule by formula (Narayanan et al. 2021 §2.2): the slowest
/// device runs m·(t_f + t_b) and waits (p − 1)/v of a micro-batch's
/// forward and backward, plus the point-to-point chain.
pub fn analytic(p: u32, v: u32, m: u32, times: &StageTimes, p2p: f64) -> PipelineRun {
    let p = p.max(1) as usize;
    let v = v.max(1) as f64;
    let per_device: Vec<f64> = (0..p)
        .map(|r| {
            times
                .forward
                .iter()
                .zip(times.backward)
                .enumerate()
                .filter(|(i, _)| i % p == r)
                .map(|(_, (f, b))| f + b)
                .sum::<f64>()
        })
        .collect();
    let slowest = per_device.iter().cloned().fold(0.0, f64::max);
    let chain = if p > 1 { 2.0 * (p as f64 - 1.0) * p2p } else { 0.0 };
    let makespan = m as f64 * slowest + (p as f64 - 1.0) / v * slowest + chain;
    let last_backward = (0..p)
        .map(|r| {
            times
                .backward
                .iter()
                .enumerate()
                .filter(|(i, _)| i % p == r)
                .map(|(_, b)| *b)
                .fold(0.0, f64::max)
        })
        .collect();
    PipelineRun {
        makespan,
        finish: vec![makespan; p],
        busy: per_device.iter().map(|d| d * m as f64).collect(),
        last_backward,
        p2p_on_path: chain,
        intervals: vec![Vec::new(); p],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uniform(p: u32, v: u32, f: f64, b: f64) -> (Vec<f64>, Vec<f64>) {
        let n = (p * v) as usize;
        (vec![f / v as f64; n], vec![b / v as f64; n])
    }

    #[test]
    fn one_f_one_b_bubble_matches_the_formula() {
        // Narayanan et al. 2021: bubble = (p − 1)(t_f + t_b).
        let (p, m) = (8, 32);
        let (f, b) = uniform(p, 1, 1.0, 2.0);
        let run = simulate(
            p,
            1,
            m,
            &StageTimes {
                forward: &f,
                backward: &b,
            },
            0.0,
        )
        .unwrap();
        let ideal = m as f64 * 3.0;
        assert!((run.makespan - (ideal + 7.0 * 3.0)).abs() < 1e-9, "{}", run.makespan);
        // The last stage idles at the start (warm-up), the first at the end.
        let last = run.utilization_series(7, 10, run.makespan);
        assert!(last[0].1 < 0.5 && last[5].1 > 0.99, "{last:?}");
        let total: f64 = run.utilization_series(0, 10, run.makespan).iter().map(|x| x.1).sum();
        assert!((total / 10.0 - run.busy[0] / run.makespan).abs() < 1e-9);
    }

    #[test]
    fn interleaving_shrinks_the_bubble_by_v() {
        let (p, m, v) = (4, 16, 2);
        let (f, b) = uniform(p, v, 1.0, 2.0);
        let run = simulate(
            p,
            v,
            m,
            &StageTimes {
                forward: &f,
                backward: &b,
            },
            0.0,
        )
        .unwrap();
        let bubble = run.makespan - m as f64 * 3.0;
        let expected = (p as f64 - 1.0) * 3.0 / v as f64;
        assert!((bubble - expected).abs() < 1e-6, "{bubble} vs {expected}");
    }

    #[test]
    fn formula_agrees_with_the_simulated_schedule() {
        let (p, m) = (8, 32);
        let (f, b) = uniform(p, 1, 1.0, 2.0);
        let times = StageTimes {
            forward: &f,
            backward: &b,
        };
        let sim = simulate(p, 1, m, &times, 0.0).unwrap();
        let formula = analytic(p, 1, m, &times, 0.0);
        assert!((sim.makespan - formula.makespan).abs() < 1e-9);
    }

    #[test]
    fn single_stage_has_no_bubble() {
        let run = simulate(
            1,
            1,
            4,
            &StageTimes {
                forward: &[1.0],
                backward: &[2.0],
            },
            0.5,
        )
        .unwrap();
        assert_eq!(run.makespan, 12.0);
    }

    #[test]
    fn interleaving_needs_divisible_micro_batches() {
        let (f, b) = uniform(4, 2, 1.0, 2.0);
        assert!(
            simulate(
                4,
                2,
                6,
                &StageTimes {
                    forward: &f,
                    backward: &b
                },
                0.0
            )
            .is_err()
        );
    }
}
