//! Progress and cancellation for a run, and the error type. Local to the
//! training model until the simulation core's handle is merged; the API
//! (fraction done, cancel flag) is the one the GUI needs.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// Shared between the simulation and whoever shows progress.
#[derive(Debug, Default)]
pub struct Progress {
    done_ppm: AtomicU64,
    cancelled: AtomicBool,
}

impl Progress {
    pub fn new() -> Progress {
        Progress::default()
    }
    /// Fraction done, 0..1.
    pub fn fraction(&self) -> f64 {
        self.done_ppm.load(Ordering::Relaxed) as f64 / 1e6
    }
    pub fn set(&self, fraction: f64) {
        self.done_ppm
            .store((fraction.clamp(0.0, 1.0) * 1e6) as u64, Ordering::Relaxed);
    }
    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::Relaxed);
    }
    pub fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::Relaxed)
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SimError {
    #[error("the plan has errors: {0}")]
    InvalidPlan(String),
    #[error("stage '{stage}': {message}")]
    Stage { stage: String, message: String },
    #[error("cancelled")]
    Cancelled,
}
