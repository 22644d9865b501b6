//! Cloud quantum computers (experimental): what a QPU is (its qubits,
//! fidelities and timing, on the [`crate::model::Device`]) and how its
//! provider sells it (pricing model and queue, on the
//! [`crate::model::System`] that offers it). Figures from vendor
//! publications; `assets/catalog.ron` names the source of each and marks
//! what is estimated. The pricing formulas are the providers' own, so a
//! bill can be checked by hand (docs/experimental.md has a worked example).

use serde::{Deserialize, Serialize};

/// The physical platform of a QPU, which decides how its gates overlap.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum QubitTech {
    Superconducting,
    TrappedIon,
    NeutralAtom,
}

impl QubitTech {
    pub fn label(self) -> &'static str {
        match self {
            QubitTech::Superconducting => "superconducting",
            QubitTech::TrappedIon => "trapped-ion",
            QubitTech::NeutralAtom => "neutral-atom",
        }
    }
}

/// Figures of one QPU. Experimental: from vendor publications.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuantumSpec {
    pub tech: QubitTech,
    pub qubits: u32,
    /// Mean one- and two-qubit gate fidelity (0..1), where published.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fidelity_1q: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fidelity_2q: Option<f64>,
    /// Duration of one one-qubit and one two-qubit gate, seconds.
    pub gate_1q_s: f64,
    pub gate_2q_s: f64,
    /// Whether gates on disjoint qubits run at once (superconducting chips
    /// run a circuit layer in one gate time; a trapped-ion chain with one
    /// set of beams runs its gates one after another).
    pub parallel_gates: bool,
    /// Per shot on top of the gates: reset or cooling, state preparation,
    /// readout (and the repetition delay on superconducting QPUs), seconds.
    pub shot_overhead_s: f64,
    /// Per task (job, program) on the QPU: loading, compilation on the
    /// control system, calibration checks, seconds.
    pub task_overhead_s: f64,
}

/// One circuit as the QPU runs it: what a shot costs in time and money.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CircuitShape {
    pub gates_1q: f64,
    pub gates_2q: f64,
    /// Two-qubit-gate layers (the circuit depth that sets its duration on
    /// QPUs that run gates in parallel).
    pub depth: f64,
    /// State preparation and measurement operations (SPAM), per shot.
    pub measurements: f64,
}

impl QuantumSpec {
    /// Seconds one shot of `c` takes: the gates (in layers, or one after
    /// another) plus the per-shot overhead.
    pub fn shot_s(&self, c: &CircuitShape) -> f64 {
        let gates = if self.parallel_gates {
            // A layer holds a two-qubit gate and the one-qubit gates around
            // it; on superconducting chips a layer takes about one
            // two-qubit gate time plus one one-qubit gate time.
            c.depth * (self.gate_2q_s + self.gate_1q_s)
        } else {
            c.gates_1q * self.gate_1q_s + c.gates_2q * self.gate_2q_s
        };
        gates + self.shot_overhead_s
    }

    /// Seconds the QPU is busy with one task of `shots` shots of `c`.
    pub fn task_s(&self, c: &CircuitShape, shots: f64) -> f64 {
        self.task_overhead_s + shots * self.shot_s(c)
    }
}

/// How a provider bills QPU use, as each publishes it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum QuantumPricing {
    /// Amazon Braket: a fee per task plus a fee per shot, whatever the gates.
    PerTaskAndShot { task_usd: f64, shot_usd: f64 },
    /// Azure Quantum IonQ: gate-shots (gates × shots) at a price per one-
    /// and two-qubit gate-shot, with a minimum per program execution.
    GateShots {
        usd_per_1q_gate_shot: f64,
        usd_per_2q_gate_shot: f64,
        min_usd_per_program: f64,
    },
    /// Azure Quantum Quantinuum: H-System Quantum Credits per job,
    /// HQC = 5 + C·(N1q + 10·N2q + 5·Nm)/5000, at a price per HQC.
    Hqc { usd_per_hqc: f64 },
    /// Billed on QPU time in increments (IBM Quantum per second, PASQAL per
    /// hour, Rigetti per 10 ms). In a session IBM bills the session's
    /// elapsed time, classical steps included.
    QpuTime { usd_per_increment: f64, increment_s: f64 },
}

impl QuantumPricing {
    pub fn label(&self) -> String {
        match self {
            QuantumPricing::PerTaskAndShot { task_usd, shot_usd } => {
                format!("{task_usd} USD per task + {shot_usd} USD per shot")
            }
            QuantumPricing::GateShots {
                usd_per_1q_gate_shot,
                usd_per_2q_gate_shot,
                min_usd_per_program,
            } => format!(
                "{usd_per_1q_gate_shot} USD per 1-qubit gate-shot + {usd_per_2q_gate_shot} USD per 2-qubit gate-shot, at least {min_usd_per_program} USD per program"
            ),
            QuantumPricing::Hqc { usd_per_hqc } => {
                format!("{usd_per_hqc} USD per HQC, HQC = 5 + shots × (N1q + 10 N2q + 5 Nm) / 5000 per job")
            }
            QuantumPricing::QpuTime {
                usd_per_increment,
                increment_s,
            } => format!(
                "{usd_per_increment} USD per {} of QPU time",
                increment_label(*increment_s)
            ),
        }
    }

    /// Quantinuum's H-System Quantum Credits of one job (Azure Quantum
    /// pricing page): 5 + C·(N1q + 10·N2q + 5·Nm)/5000.
    pub fn hqc(c: &CircuitShape, shots: f64) -> f64 {
        5.0 + shots * (c.gates_1q + 10.0 * c.gates_2q + 5.0 * c.measurements) / 5000.0
    }

    /// Price of one task of `shots` shots of `c` that keeps the QPU busy
    /// `qpu_s` seconds. For time pricing the increments are rounded up per
    /// task, as Rigetti's "per 10-millisecond increment" reads.
    pub fn task_usd(&self, c: &CircuitShape, shots: f64, qpu_s: f64) -> f64 {
        match *self {
            QuantumPricing::PerTaskAndShot { task_usd, shot_usd } => task_usd + shots * shot_usd,
            QuantumPricing::GateShots {
                usd_per_1q_gate_shot,
                usd_per_2q_gate_shot,
                min_usd_per_program,
            } => {
                let gate_shots = shots * (c.gates_1q * usd_per_1q_gate_shot + c.gates_2q * usd_per_2q_gate_shot);
                gate_shots.max(min_usd_per_program)
            }
            QuantumPricing::Hqc { usd_per_hqc } => Self::hqc(c, shots) * usd_per_hqc,
            QuantumPricing::QpuTime { .. } => self.time_usd(qpu_s),
        }
    }

    /// Price of `seconds` of QPU time, rounded up to whole increments (0
    /// for the other models).
    pub fn time_usd(&self, seconds: f64) -> f64 {
        match *self {
            QuantumPricing::QpuTime {
                usd_per_increment,
                increment_s,
            } if increment_s > 0.0 => {
                // Rounding error must not add an increment to an exact bill.
                let n = (seconds / increment_s - 1e-9).ceil().max(0.0);
                n * usd_per_increment
            }
            _ => 0.0,
        }
    }

    pub fn is_time_based(&self) -> bool {
        matches!(self, QuantumPricing::QpuTime { .. })
    }
}

/// "10 ms", "1 s", "1 h" (model code formats its own few figures).
fn increment_label(s: f64) -> String {
    if s >= 3600.0 {
        format!("{} h", s / 3600.0)
    } else if s >= 1.0 {
        format!("{s} s")
    } else {
        format!("{} ms", s * 1e3)
    }
}

/// Time a job waits in the provider's queue before it runs: log-normal with
/// this median and 90th percentile (queues have long tails).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueueWait {
    pub median_s: f64,
    pub p90_s: f64,
}

impl QueueWait {
    /// σ of the log-normal: ln(p90 / median) / z₀.₉ (z₀.₉ = 1.2816).
    pub fn sigma(&self) -> f64 {
        if self.median_s > 0.0 && self.p90_s > self.median_s {
            (self.p90_s / self.median_s).ln() / 1.281_551_6
        } else {
            0.0
        }
    }
    /// Mean wait, median · e^(σ²/2).
    pub fn mean_s(&self) -> f64 {
        let s = self.sigma();
        self.median_s.max(0.0) * (s * s / 2.0).exp()
    }
}

/// A provider's offer of a QPU: who sells it, how it is billed, how long
/// jobs queue (attached to the catalog system of a quantum service node).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuantumOffer {
    pub provider: String,
    pub pricing: QuantumPricing,
    pub queue: QueueWait,
    /// Whether the queue figures are estimates (no provider publishes a
    /// queue-time distribution; dashboards show the current queue only).
    #[serde(default)]
    pub queue_estimated: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn circuit() -> CircuitShape {
        CircuitShape {
            gates_1q: 40.0,
            gates_2q: 20.0,
            depth: 10.0,
            measurements: 8.0,
        }
    }

    #[test]
    fn braket_bills_tasks_and_shots() {
        let p = QuantumPricing::PerTaskAndShot {
            task_usd: 0.3,
            shot_usd: 0.08,
        };
        assert!((p.task_usd(&circuit(), 1000.0, 5.0) - 80.3).abs() < 1e-9);
    }

    #[test]
    fn ionq_gate_shots_have_a_minimum_per_program() {
        let p = QuantumPricing::GateShots {
            usd_per_1q_gate_shot: 0.000220,
            usd_per_2q_gate_shot: 0.000975,
            min_usd_per_program: 97.5,
        };
        // 1000 shots × (40 × 0.00022 + 20 × 0.000975) = 28.3 USD < minimum.
        assert_eq!(p.task_usd(&circuit(), 1000.0, 0.0), 97.5);
        // 10,000 shots: 283 USD.
        assert!((p.task_usd(&circuit(), 10_000.0, 0.0) - 283.0).abs() < 1e-9);
    }

    #[test]
    fn quantinuum_hqc_formula() {
        // 5 + 1000 × (40 + 200 + 40) / 5000 = 61 HQC.
        assert!((QuantumPricing::hqc(&circuit(), 1000.0) - 61.0).abs() < 1e-12);
    }

    #[test]
    fn time_pricing_rounds_up_to_increments() {
        let rigetti = QuantumPricing::QpuTime {
            usd_per_increment: 0.013,
            increment_s: 0.01,
        };
        assert!((rigetti.time_usd(0.0101) - 0.026).abs() < 1e-12);
        assert!((rigetti.time_usd(0.02) - 0.026).abs() < 1e-12);
        let ibm = QuantumPricing::QpuTime {
            usd_per_increment: 1.6,
            increment_s: 1.0,
        };
        assert!((ibm.time_usd(4.1) - 8.0).abs() < 1e-12);
    }

    #[test]
    fn queue_mean_exceeds_median_with_a_tail() {
        let q = QueueWait {
            median_s: 60.0,
            p90_s: 600.0,
        };
        assert!(q.mean_s() > 60.0 && q.sigma() > 1.0);
        let flat = QueueWait {
            median_s: 60.0,
            p90_s: 60.0,
        };
        assert_eq!(flat.mean_s(), 60.0);
    }

    #[test]
    fn serial_and_parallel_gates() {
        let mut s = QuantumSpec {
            tech: QubitTech::TrappedIon,
            qubits: 25,
            fidelity_1q: None,
            fidelity_2q: None,
            gate_1q_s: 135e-6,
            gate_2q_s: 600e-6,
            parallel_gates: false,
            shot_overhead_s: 0.01,
            task_overhead_s: 1.0,
        };
        let serial = 40.0 * 135e-6 + 20.0 * 600e-6 + 0.01;
        assert!((s.shot_s(&circuit()) - serial).abs() < 1e-12);
        s.parallel_gates = true;
        assert!((s.shot_s(&circuit()) - (10.0 * 735e-6 + 0.01)).abs() < 1e-12);
        assert!((s.task_s(&circuit(), 100.0) - (1.0 + 100.0 * s.shot_s(&circuit()))).abs() < 1e-12);
    }
}
