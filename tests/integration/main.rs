//! One integration-test binary (keeps link time down); each module is an area.

mod lifecycle;
mod plan_files;
mod report_png;
mod scaling_training;
mod sim_core;
#[cfg(feature = "gui")]
mod ui;
mod validation_inference;
mod validation_training;
