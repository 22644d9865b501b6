//! One integration-test binary (keeps link time down); each module is an area.
#![allow(clippy::unwrap_used)] // test helpers may unwrap

mod capacity;
mod compare;
mod experimental;
mod fuzz;
mod hostile;
mod json_schema;
mod layering;
mod lifecycle;
#[cfg(feature = "gui")]
mod one_truth;
mod plan_files;
#[cfg(feature = "gui")]
mod playback_ui;
mod prices;
mod report_png;
mod scaling_training;
mod sim_core;
mod training_modern;
#[cfg(feature = "gui")]
mod ui;
#[cfg(feature = "gui")]
mod ui_compare;
#[cfg(feature = "gui")]
mod ui_results;
#[cfg(feature = "gui")]
mod ui_support;
#[cfg(feature = "gui")]
mod ui_welcome;
mod uncertainty;
mod validation_inference;
mod validation_training;
