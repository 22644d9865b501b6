//! Everything that leaves or enters the application as a file: plan RON
//! (versioned, atomic), PNG reports, JSON results, and the embedded presets.

pub mod clock;
pub mod compare;
pub mod draw;
pub mod figures;
pub mod plan_file;
pub mod png;
pub mod png_report;
pub mod presets;
pub mod prices;
pub mod read;
pub mod table_csv;
pub mod tco;
pub mod write;

pub use figures::Figures;
pub use plan_file::{
    Loaded, PlanFileError, load_document, load_plan, parse_plan, plan_to_json, plan_to_ron, save_plan, write_atomic,
};
pub use png_report::{ReportError, ReportInput, render, render_png};
