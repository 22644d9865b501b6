//! The lifecycle on one cluster: stages placed on a shared clock after their
//! dependencies, contention between stages that overlap in time on the same
//! plan nodes, links or storage, and the event log.
//!
//! - [`usage`]: which plan nodes and links each stage keeps busy, and how busy.
//! - [`stages`]: Validate (evaluation) and Checkpoint (export) stages.
//! - [`schedule`]: the lifecycle clock and the contention fixed point.
//!
//! Contention model: a stage's `node_use` / `link_use` is its demand on each
//! resource when it runs alone. While stages overlap, the summed demand on a
//! shared resource above 1 stretches each of them by that sum (processor
//! sharing: everyone gets a proportional share). A stage's slowdown is the
//! largest such sum over the resources it shares, weighted by the fraction
//! of its span that overlaps; spans are recomputed until they stop changing.

pub mod schedule;
pub mod stages;
pub mod usage;

pub use schedule::{MAX_EVENTS, MAX_EVENTS_PER_KIND, schedule};
