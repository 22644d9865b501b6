//! The simulation core: a discrete-event engine, the network built from a
//! plan, flow-level bandwidth sharing, collective communication, compute
//! roofline and utilization records — and the workload models on top of it
//! (training, serving, data pipelines, cost/TCO). Pure Rust, deterministic for a seed; no GUI, no file I/O.
//! See docs/sim-core.md for the method.

pub mod bench;
pub mod budget;
pub mod collectives;
pub mod compute;
pub mod cost;
pub mod data;
pub mod engine;
pub mod error;
pub mod fixtures;
pub mod flows;
pub mod lifecycle;
pub mod metrics;
pub mod progress;
pub mod quantum;
pub mod records;
pub mod results;
pub mod run;
pub mod serving;
pub mod spiking;
pub mod topology;
pub mod training;
pub mod uncertainty;

pub use budget::Budget;
pub use collectives::{
    Algorithm, Collective, CollectiveKind, CollectivePlan, GroupSpec, NetSim, Participants, Phase, collective_time,
};
pub use compute::{OpCost, op_time};
pub use engine::{EventQueue, Limits, Model, Scheduler, SimTime, Simulation};
pub use error::SimError;
pub use flows::{Completion, FlowId, FlowNet, FlowSpec, NetStats};
pub use progress::Progress;
pub use records::{RecordKey, Records, Series};
pub use results::{EventKind, Results, SimEvent, StageSpan, WorkloadResult};
pub use run::{simulate, simulate_with};
pub use topology::{Ecmp, Endpoint, Fold, Part, Resource, ResourceKind, Route, Router, Topology};
