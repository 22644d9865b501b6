//! ClusterForge: design AI infrastructure and simulate it before buying it.
//!
//! See ARCHITECTURE.md for the module map and data flow.

pub mod cli;
pub mod exit;
pub mod format;
pub mod model;
pub mod report;
pub mod sim;
#[cfg(feature = "gui")]
pub mod ui;
pub mod units;
