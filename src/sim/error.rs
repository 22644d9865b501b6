//! Errors that end a simulation run. A run never panics on user input: a bad
//! plan, a run that would never end or a cancelled run each return one of these.

use thiserror::Error;

#[derive(Debug, Error, Clone, PartialEq)]
pub enum SimError {
    /// The run processed more events than its limit allows (a model that
    /// never settles, or a plan far larger than the limits were set for).
    #[error(
        "simulation stopped after {events} events (limit {limit}); raise it with --event-limit (clusterforge check/simulate) or simplify the plan"
    )]
    EventLimit { events: u64, limit: u64 },
    /// Simulated time passed its limit.
    #[error("simulated time reached {at_s:.3} s, past the limit of {limit_s:.3} s")]
    TimeLimit { at_s: f64, limit_s: f64 },
    /// The user (or the GUI) cancelled the run through its `Progress` handle.
    #[error("simulation cancelled")]
    Cancelled,
    /// The plan cannot be turned into a topology (unknown catalog model, …).
    #[error("topology: {0}")]
    Topology(String),
    /// Two endpoints have no path between them.
    #[error("no route from {from} to {to}")]
    NoRoute { from: String, to: String },
    /// A request the simulator cannot honour (bad argument from a caller).
    #[error("invalid input: {0}")]
    Invalid(String),
}
