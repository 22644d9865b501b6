//! Plan files: versioned RON, read with line:column and field-path errors,
//! written atomically (temporary file + rename).

use super::read::{ReadError, size_words};
use crate::model::{FORMAT_VERSION, Plan};
use serde::Deserialize;
use std::fmt;
use std::path::Path;

/// Files larger than this are refused before parsing: no real plan comes
/// close, and a multi-gigabyte file picked by mistake must not hang the app.
pub const MAX_PLAN_BYTES: u64 = 64 * 1024 * 1024;

/// Why a plan could not be read. Its `Display` is the one-line message the
/// user sees (CLI and GUI alike).
#[derive(Debug, thiserror::Error)]
pub enum PlanFileError {
    #[error("{origin}: cannot read: {source}")]
    Io {
        origin: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{origin}: the file is empty; a plan starts with `(format_version: {FORMAT_VERSION}, name: \"…\", …)`")]
    Empty { origin: String },
    #[error("{origin}: this is a {kind}, not a regular file; give the path of a plan file")]
    NotAFile { origin: String, kind: &'static str },
    /// `size` is the reported length when known, `None` when reading ran
    /// past the limit (special or growing files).
    #[error("{origin}: the file is {}, more than the {max} bytes a plan may have; is it really a plan?", size_words(*.size))]
    TooLarge {
        origin: String,
        size: Option<u64>,
        max: u64,
    },
    /// A PNG whose embedded plan is damaged or would inflate past the limit.
    #[error("{origin}: {reason}")]
    BadReport {
        origin: String,
        reason: super::png::PlanTextError,
    },
    #[error("{origin}: the file is not UTF-8 text (byte {offset}); is it really a plan?")]
    NotText { origin: String, offset: usize },
    #[error(
        "{origin}: written by a newer ClusterForge (format version {found}; this build reads up to {FORMAT_VERSION}); update ClusterForge to open it"
    )]
    FutureVersion { origin: String, found: u32 },
    #[error("{origin}:{line}:{column}: {message}{}", path_suffix(.path))]
    Syntax {
        origin: String,
        line: usize,
        column: usize,
        /// Field path such as `nodes[3].count`, when known.
        path: String,
        message: String,
    },
    #[error("{origin}: cannot save: {source}")]
    Save {
        origin: String,
        #[source]
        source: std::io::Error,
    },
}

fn path_suffix(path: &str) -> String {
    if path.is_empty() || path == "." {
        String::new()
    } else {
        format!(" (at `{path}`)")
    }
}

impl PlanFileError {
    /// Line and column of the error in the file, if it has one.
    pub fn position(&self) -> Option<(usize, usize)> {
        match self {
            PlanFileError::Syntax { line, column, .. } => Some((*line, *column)),
            _ => None,
        }
    }
}

#[derive(Deserialize)]
struct VersionProbe {
    format_version: u32,
}

/// Parse plan text. `origin` names the file (or "preset X") in messages.
pub fn parse_plan(text: &str, origin: &str) -> Result<Plan, PlanFileError> {
    let origin = origin.to_owned();
    if text.trim().is_empty() {
        return Err(PlanFileError::Empty { origin });
    }
    // A newer file may have fields this build does not know: look at the
    // version alone first so the user hears "update", not "unknown field".
    if let Ok(probe) = ron::from_str::<VersionProbe>(text)
        && probe.format_version > FORMAT_VERSION
    {
        return Err(PlanFileError::FutureVersion {
            origin,
            found: probe.format_version,
        });
    }
    let mut de = ron::Deserializer::from_str(text).map_err(|e| syntax(&origin, text, e, String::new()))?;
    let mut track = serde_path_to_error::Track::new();
    let parsed = Plan::deserialize(serde_path_to_error::Deserializer::new(&mut de, &mut track));
    let plan = match parsed {
        Ok(plan) => plan,
        Err(e) => {
            let spanned = de.span_error(e);
            return Err(syntax(&origin, text, spanned, track.path().to_string()));
        }
    };
    if let Err(e) = de.end() {
        return Err(syntax(&origin, text, de.span_error(e), String::new()));
    }
    if plan.format_version == 0 {
        return Err(PlanFileError::Syntax {
            origin,
            line: 1,
            column: 1,
            path: "format_version".into(),
            message: format!("format_version 0 does not exist; this build writes {FORMAT_VERSION}"),
        });
    }
    Ok(plan)
}

fn syntax(origin: &str, text: &str, e: ron::error::SpannedError, path: String) -> PlanFileError {
    let mut message = e.code.to_string();
    if at_end_of(text, e.span.start.line, e.span.start.col) {
        message.push_str("; the file ends here: is it truncated?");
    }
    PlanFileError::Syntax {
        origin: origin.to_owned(),
        line: e.span.start.line,
        column: e.span.start.col,
        path,
        message,
    }
}

/// Whether a 1-based line:column points at (or past) the last non-blank text.
fn at_end_of(text: &str, line: usize, column: usize) -> bool {
    let trimmed = text.trim_end();
    let last_line = trimmed.lines().count().max(1);
    let last_len = trimmed.lines().last().map(|l| l.chars().count()).unwrap_or(0);
    line > last_line || (line == last_line && column >= last_len)
}

impl PlanFileError {
    /// Exit code for the CLI: 2 when the file could not be read at all,
    /// 1 when it was read and is not a valid plan.
    pub fn exit_code(&self) -> u8 {
        match self {
            PlanFileError::Io { .. } | PlanFileError::NotAFile { .. } | PlanFileError::Save { .. } => 2,
            _ => 1,
        }
    }
}

/// Read and parse a plan file. A PNG report carries its plan in a text chunk
/// and opens like the plan itself.
pub fn load_plan(path: &Path) -> Result<Plan, PlanFileError> {
    load_document(path).map(|l| l.plan)
}

/// A plan read from a file, and whether the file was a PNG report (whose
/// plan must not be saved back over the image).
#[derive(Debug)]
pub struct Loaded {
    pub plan: Plan,
    pub plan_in_report: bool,
}

/// [`load_plan`], saying whether the plan came out of a PNG report.
pub fn load_document(path: &Path) -> Result<Loaded, PlanFileError> {
    let origin = path.display().to_string();
    let io = |source| PlanFileError::Io {
        origin: origin.clone(),
        source,
    };
    let bytes = super::read::read_capped(path, MAX_PLAN_BYTES).map_err(|e| match e {
        ReadError::Io(source) => io(source),
        ReadError::NotAFile { kind } => PlanFileError::NotAFile {
            origin: origin.clone(),
            kind,
        },
        ReadError::TooLarge { size, max } => PlanFileError::TooLarge {
            origin: origin.clone(),
            size,
            max,
        },
    })?;
    if bytes.starts_with(super::png::PNG_SIGNATURE) {
        // The embedded plan may not inflate past the limit a plan file has.
        let text =
            super::png::plan_text_from_png(&bytes, MAX_PLAN_BYTES).map_err(|reason| PlanFileError::BadReport {
                origin: origin.clone(),
                reason,
            })?;
        return parse_plan(&text, &origin).map(|plan| Loaded {
            plan,
            plan_in_report: true,
        });
    }
    let text = String::from_utf8(bytes).map_err(|e| PlanFileError::NotText {
        origin: origin.clone(),
        offset: e.utf8_error().valid_up_to(),
    })?;
    parse_plan(&text, &origin).map(|plan| Loaded {
        plan,
        plan_in_report: false,
    })
}

/// The canonical RON text of a plan (what Save writes).
pub fn plan_to_ron(plan: &Plan) -> String {
    let config = ron::ser::PrettyConfig::new()
        .struct_names(false)
        .indentor("    ")
        .separate_tuple_members(false);
    // Serializing our own plain-data types cannot fail (no maps with
    // non-string keys, no non-finite floats rejected by RON).
    ron::ser::to_string_pretty(plan, config).unwrap_or_else(|e| format!("// could not serialize plan: {e}\n"))
}

/// The plan as JSON, for scripts.
pub fn plan_to_json(plan: &Plan) -> String {
    serde_json::to_string_pretty(plan).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

/// Save a plan atomically ([`write_atomic`]): a crash leaves either the old
/// file or the new one, never half of one.
pub fn save_plan(path: &Path, plan: &Plan) -> Result<(), PlanFileError> {
    write_atomic(path, plan_to_ron(plan).as_bytes())
}

/// Write bytes atomically (used for plans, reports and exports); see
/// [`super::write`] for what makes it safe in a shared directory.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), PlanFileError> {
    super::write::write_atomic(path, bytes).map_err(|source| PlanFileError::Save {
        origin: path.display().to_string(),
        source,
    })
}

impl fmt::Display for crate::model::NodeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}
