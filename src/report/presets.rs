//! Presets shipped with the application, embedded so an installed binary
//! finds them without a presets directory.

use super::plan_file::{PlanFileError, parse_plan};
use crate::model::Plan;

pub struct Preset {
    /// File stem, used on the command line (`--preset onprem-finance`).
    pub id: &'static str,
    pub title: &'static str,
    pub summary: &'static str,
    pub ron: &'static str,
}

pub const PRESETS: &[Preset] = &[];

/// The preset opened on first start.
pub const DEFAULT_PRESET: &str = "onprem-finance";

pub fn preset(id: &str) -> Option<&'static Preset> {
    PRESETS.iter().find(|p| p.id == id)
}

impl Preset {
    pub fn plan(&self) -> Result<Plan, PlanFileError> {
        parse_plan(self.ron, &format!("preset {}", self.id))
    }
}
