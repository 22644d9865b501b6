//! One integration-test binary (keeps link time down); each module is an area.

mod plan_files;
#[cfg(feature = "gui")]
mod ui;
