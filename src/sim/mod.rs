//! The simulator: pure and deterministic, no egui, no file I/O.
//!
//! This branch (`serve`) adds serving, data pipelines and cost; the engine,
//! topology and flows come from the `sim` branch.

pub mod cost;
pub mod data;
pub mod error;
pub mod progress;
pub mod serving;

pub use error::SimError;
pub use progress::Progress;
