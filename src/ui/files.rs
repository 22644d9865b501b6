//! Files: native dialogs behind a trait (never called in tests), the in-app
//! path prompt used when no dialog service exists, recent files and the
//! crash-recovery file.

use crate::model::Plan;
use crate::report;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, TryRecvError};
use std::time::{Duration, Instant};

/// A dialog that answers "nothing" faster than this was not shown: there is
/// no dialog service, so the in-app path prompt opens instead.
pub const NO_DIALOG_SERVICE: Duration = Duration::from_millis(400);
/// Autosave period of the recovery file.
pub const AUTOSAVE_EVERY: Duration = Duration::from_secs(30);
pub const MAX_RECENT: usize = 10;

/// File dialogs. Implementations may block: the app calls them on a worker thread.
pub trait FileDialogs: Send + Sync {
    fn pick_open(&self) -> Option<PathBuf>;
    fn pick_save(&self, suggested_name: &str) -> Option<PathBuf>;
    /// A save dialog for an export (report, results): its own title and
    /// file type. Defaults to [`FileDialogs::pick_save`].
    fn pick_export(&self, kind: ExportKind, suggested_name: &str) -> Option<PathBuf> {
        let _ = kind;
        self.pick_save(suggested_name)
    }
    /// An open dialog for a price file. Defaults to [`FileDialogs::pick_open`].
    fn pick_prices(&self) -> Option<PathBuf> {
        self.pick_open()
    }
}

/// What File > Export (and the results tables) write.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ExportKind {
    /// The PNG report (plan drawing, figures, charts; the plan in a text chunk).
    ReportPng,
    /// A copy of the plan as RON (the file stays the same).
    PlanRon,
    /// The last run's results, as `clusterforge simulate --json` writes them.
    ResultsJson,
    /// The last run's metrics, one row per (stage, metric).
    ResultsCsv,
    /// The utilization table of the Results tab.
    UtilizationCsv,
}

impl ExportKind {
    /// File extension without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            ExportKind::ReportPng => "png",
            ExportKind::PlanRon => "ron",
            ExportKind::ResultsJson => "json",
            ExportKind::ResultsCsv | ExportKind::UtilizationCsv => "csv",
        }
    }

    /// What the dialog and messages call the file.
    pub fn title(self) -> &'static str {
        match self {
            ExportKind::ReportPng => "Export report (PNG)",
            ExportKind::PlanRon => "Export plan (RON)",
            ExportKind::ResultsJson => "Export results (JSON)",
            ExportKind::ResultsCsv => "Export results (CSV)",
            ExportKind::UtilizationCsv => "Export utilization (CSV)",
        }
    }

    /// `<plan-slug>-report.png`, `<plan-slug>.ron`, …
    pub fn suggested_file_name(self, plan: &Plan) -> String {
        let s = crate::model::edit::slug(&plan.name);
        let stem = if s.is_empty() { "plan".to_owned() } else { s };
        match self {
            ExportKind::ReportPng => format!("{stem}-report.png"),
            ExportKind::PlanRon => format!("{stem}.ron"),
            ExportKind::ResultsJson => format!("{stem}-results.json"),
            ExportKind::ResultsCsv => format!("{stem}-results.csv"),
            ExportKind::UtilizationCsv => format!("{stem}-utilization.csv"),
        }
    }

    /// `path` with this kind's extension when it has none.
    pub fn with_extension(self, path: PathBuf) -> PathBuf {
        if path.extension().is_some() {
            path
        } else {
            path.with_extension(self.extension())
        }
    }
}

/// Native dialogs via rfd (xdg portal / zenity on Linux).
pub struct RfdDialogs;

impl FileDialogs for RfdDialogs {
    fn pick_open(&self) -> Option<PathBuf> {
        rfd::FileDialog::new()
            .set_title("Open plan")
            .add_filter("ClusterForge plan", &["ron", "png"])
            .add_filter("All files", &["*"])
            .pick_file()
    }
    fn pick_prices(&self) -> Option<PathBuf> {
        rfd::FileDialog::new()
            .set_title("Load price file")
            .add_filter("ClusterForge price file", &["ron"])
            .add_filter("All files", &["*"])
            .pick_file()
    }
    fn pick_save(&self, suggested_name: &str) -> Option<PathBuf> {
        rfd::FileDialog::new()
            .set_title("Save plan")
            .add_filter("ClusterForge plan", &["ron"])
            .set_file_name(suggested_name)
            .save_file()
    }
    fn pick_export(&self, kind: ExportKind, suggested_name: &str) -> Option<PathBuf> {
        let (name, ext) = match kind {
            ExportKind::ReportPng => ("PNG image", "png"),
            ExportKind::PlanRon => ("ClusterForge plan", "ron"),
            ExportKind::ResultsJson => ("JSON", "json"),
            ExportKind::ResultsCsv | ExportKind::UtilizationCsv => ("CSV", "csv"),
        };
        rfd::FileDialog::new()
            .set_title(kind.title())
            .add_filter(name, &[ext])
            .set_file_name(suggested_name)
            .save_file()
    }
}

/// No dialog service (tests, headless): always the in-app path prompt.
pub struct NoDialogs;

impl FileDialogs for NoDialogs {
    fn pick_open(&self) -> Option<PathBuf> {
        None
    }
    fn pick_save(&self, _suggested_name: &str) -> Option<PathBuf> {
        None
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DialogPurpose {
    Open,
    SaveAs,
    Export(ExportKind),
    /// A price file (RON `PriceBook`) to apply over the catalog.
    LoadPrices,
}

/// A dialog running on a worker thread.
pub struct DialogJob {
    pub purpose: DialogPurpose,
    started: Instant,
    rx: Receiver<Option<PathBuf>>,
}

pub enum DialogOutcome {
    Pending,
    Picked(PathBuf),
    Cancelled,
    /// Answered "nothing" at once: no dialog service; ask in the app.
    NoService,
}

impl DialogJob {
    pub fn spawn(
        dialogs: std::sync::Arc<dyn FileDialogs>,
        purpose: DialogPurpose,
        suggested: String,
        ctx: egui::Context,
    ) -> DialogJob {
        let worker = move |tx: std::sync::mpsc::Sender<Option<PathBuf>>| {
            let answer = match purpose {
                DialogPurpose::Open => dialogs.pick_open(),
                DialogPurpose::SaveAs => dialogs.pick_save(&suggested),
                DialogPurpose::Export(kind) => dialogs.pick_export(kind, &suggested),
                DialogPurpose::LoadPrices => dialogs.pick_prices(),
            };
            let _ = tx.send(answer);
        };
        // A dialog that cannot start reads as "no dialog service": the
        // in-app path prompt takes over.
        let rx = crate::ui::jobs::spawn_worker("dialog", Some(&ctx), worker).unwrap_or_else(|_| {
            let (_, rx) = std::sync::mpsc::channel();
            rx
        });
        DialogJob {
            purpose,
            started: Instant::now(),
            rx,
        }
    }

    pub fn poll(&self) -> DialogOutcome {
        match self.rx.try_recv() {
            Ok(Some(p)) => DialogOutcome::Picked(p),
            Ok(None) if self.started.elapsed() < NO_DIALOG_SERVICE => DialogOutcome::NoService,
            Ok(None) => DialogOutcome::Cancelled,
            Err(TryRecvError::Empty) => DialogOutcome::Pending,
            Err(TryRecvError::Disconnected) => DialogOutcome::NoService,
        }
    }
}

/// What persists between runs (eframe storage).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Persisted {
    pub dark: bool,
    pub recent: Vec<PathBuf>,
    pub show_minimap: bool,
    pub snap_to_grid: bool,
    /// Open the welcome screen at start while there are no recent files.
    pub welcome_at_start: bool,
    /// Started without a plan: reopen the most recent file instead of the
    /// default preset (File › Open recent › Reopen the last file at start).
    pub reopen_last: bool,
}

impl Default for Persisted {
    fn default() -> Self {
        Self {
            dark: true,
            recent: Vec::new(),
            show_minimap: true,
            snap_to_grid: true,
            welcome_at_start: true,
            reopen_last: false,
        }
    }
}

impl Persisted {
    /// The file to open at start when none was named: the most recent one
    /// that still exists, if the setting asks for it.
    pub fn startup_file(&self) -> Option<&Path> {
        if !self.reopen_last {
            return None;
        }
        self.recent.iter().map(PathBuf::as_path).find(|p| p.is_file())
    }
}

pub const PERSIST_KEY: &str = "clusterforge-ui";

pub fn push_recent(recent: &mut Vec<PathBuf>, path: &Path) {
    recent.retain(|p| p != path);
    recent.insert(0, path.to_path_buf());
    recent.truncate(MAX_RECENT);
}

/// The recovery file: the plan autosaved every 30 s while there are unsaved
/// changes, removed on a clean exit. Found on the next start = a crash.
pub struct Recovery {
    pub dir: PathBuf,
}

#[derive(Serialize, Deserialize)]
struct RecoveryMeta {
    file: Option<PathBuf>,
    saved_unix_s: u64,
}

pub struct Recovered {
    pub plan: Plan,
    pub file: Option<PathBuf>,
    pub age_s: u64,
}

impl Recovery {
    /// `$XDG_DATA_HOME/clusterforge` (eframe's storage dir) or None.
    pub fn default_dir() -> Option<PathBuf> {
        eframe::storage_dir("ClusterForge")
    }
    fn plan_path(&self) -> PathBuf {
        self.dir.join("recovery.ron")
    }
    fn meta_path(&self) -> PathBuf {
        self.dir.join("recovery-meta.json")
    }

    pub fn write(&self, plan: &Plan, file: Option<&Path>) -> Result<(), String> {
        std::fs::create_dir_all(&self.dir).map_err(|e| format!("{}: {e}", self.dir.display()))?;
        report::save_plan(&self.plan_path(), plan).map_err(|e| e.to_string())?;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let meta = RecoveryMeta {
            file: file.map(Path::to_path_buf),
            saved_unix_s: now,
        };
        let json = serde_json::to_string(&meta).map_err(|e| e.to_string())?;
        report::write_atomic(&self.meta_path(), json.as_bytes()).map_err(|e| e.to_string())
    }

    pub fn read(&self) -> Option<Recovered> {
        // The note is one short JSON object (a path and a time); anything
        // past 1 MiB is not ours.
        const MAX_RECOVERY_META_BYTES: u64 = 1024 * 1024;
        let plan = report::load_plan(&self.plan_path()).ok()?;
        let meta: Option<RecoveryMeta> = report::read::read_text_capped(&self.meta_path(), MAX_RECOVERY_META_BYTES)
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok());
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        Some(Recovered {
            plan,
            file: meta.as_ref().and_then(|m| m.file.clone()),
            age_s: meta.map(|m| now.saturating_sub(m.saved_unix_s)).unwrap_or(0),
        })
    }

    pub fn clear(&self) {
        let _ = std::fs::remove_file(self.plan_path());
        let _ = std::fs::remove_file(self.meta_path());
    }
}

/// `plan.ron` → the file name for Save as, from the plan's name.
pub fn suggested_file_name(plan: &Plan) -> String {
    let s = crate::model::edit::slug(&plan.name);
    format!("{}.ron", if s.is_empty() { "plan" } else { &s })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_existing_file_reopens_only_when_asked() {
        let dir = tempfile::tempdir().expect("temp dir");
        let kept = dir.path().join("kept.ron");
        std::fs::write(&kept, "x").expect("write");
        let gone = dir.path().join("gone.ron");
        let mut p = Persisted {
            recent: vec![gone.clone(), kept.clone()],
            ..Persisted::default()
        };
        assert_eq!(p.startup_file(), None, "off by default: the default preset opens");
        p.reopen_last = true;
        assert_eq!(
            p.startup_file(),
            Some(kept.as_path()),
            "the newest file that still exists"
        );
        p.recent = vec![gone];
        assert_eq!(p.startup_file(), None);
    }

    #[test]
    fn recent_files_are_unique_and_bounded() {
        let mut r = Vec::new();
        for i in 0..15 {
            push_recent(&mut r, Path::new(&format!("/tmp/{i}.ron")));
        }
        push_recent(&mut r, Path::new("/tmp/14.ron"));
        assert_eq!(r.len(), MAX_RECENT);
        assert_eq!(r[0], PathBuf::from("/tmp/14.ron"));
        assert_eq!(r.iter().filter(|p| p.ends_with("14.ron")).count(), 1);
    }

    #[test]
    fn recovery_round_trips_and_clears() {
        let dir = tempfile::tempdir().expect("temp dir");
        let rec = Recovery {
            dir: dir.path().join("data"),
        };
        assert!(rec.read().is_none());
        let plan = Plan {
            name: "Crashed".into(),
            ..Plan::default()
        };
        rec.write(&plan, Some(Path::new("/x/y.ron"))).expect("write");
        let back = rec.read().expect("recovered");
        assert_eq!(back.plan, plan);
        assert_eq!(back.file, Some(PathBuf::from("/x/y.ron")));
        rec.clear();
        assert!(rec.read().is_none());
    }
}
