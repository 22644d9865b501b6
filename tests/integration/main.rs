//! One integration-test binary (keeps link time down); each module is an area.

mod plan_files;
mod scaling_training;
mod sim_core;
#[cfg(feature = "gui")]
mod ui;
mod validation_training;
