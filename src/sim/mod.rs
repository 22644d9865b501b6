//! The simulator: pure, deterministic, no GUI and no file I/O.

pub mod results;
pub mod run;
pub mod training;

pub use results::{Results, WorkloadResult};
pub use run::simulate;
pub use training::progress::{Progress, SimError};
