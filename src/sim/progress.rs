//! A progress and cancel handle shared between a running simulation and
//! whoever watches it (GUI thread, CLI progress bar). Plain atomics: no lock,
//! so the simulation thread never waits on the UI.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

#[derive(Debug, Default)]
struct Inner {
    /// Fraction done in [0, 1], stored as f64 bits.
    fraction_bits: AtomicU64,
    cancel: AtomicBool,
    events: AtomicU64,
}

/// Cheap to clone; all clones see the same state.
#[derive(Clone, Debug, Default)]
pub struct Progress {
    inner: Arc<Inner>,
}

impl Progress {
    pub fn new() -> Self {
        Self::default()
    }
    /// Fraction of the run done, 0..=1.
    pub fn fraction(&self) -> f64 {
        f64::from_bits(self.inner.fraction_bits.load(Ordering::Relaxed))
    }
    pub fn set_fraction(&self, f: f64) {
        let f = if f.is_finite() { f.clamp(0.0, 1.0) } else { 0.0 };
        self.inner.fraction_bits.store(f.to_bits(), Ordering::Relaxed);
    }
    /// Events processed so far (updated in batches).
    pub fn events(&self) -> u64 {
        self.inner.events.load(Ordering::Relaxed)
    }
    pub(crate) fn set_events(&self, n: u64) {
        self.inner.events.store(n, Ordering::Relaxed);
    }
    /// Ask the run to stop; it returns `SimError::Cancelled` soon after.
    pub fn cancel(&self) {
        self.inner.cancel.store(true, Ordering::Relaxed);
    }
    pub fn is_cancelled(&self) -> bool {
        self.inner.cancel.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clones_share_state() {
        let p = Progress::new();
        let q = p.clone();
        q.set_fraction(0.25);
        assert_eq!(p.fraction(), 0.25);
        q.set_fraction(f64::NAN);
        assert_eq!(p.fraction(), 0.0);
        assert!(!p.is_cancelled());
        q.cancel();
        assert!(p.is_cancelled());
    }
}
