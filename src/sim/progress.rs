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
#[derive(Clone, Debug)]
pub struct Progress {
    inner: Arc<Inner>,
    /// The part of the whole this handle reports: a handle from
    /// [`Progress::span`] maps its 0..1 onto `from..to` of its parent, so a
    /// search that runs the simulator many times shows one steady bar.
    from: f64,
    to: f64,
}

impl Default for Progress {
    fn default() -> Self {
        Self {
            inner: Arc::default(),
            from: 0.0,
            to: 1.0,
        }
    }
}

impl Progress {
    pub fn new() -> Self {
        Self::default()
    }
    /// A handle for one part of the work: its fraction 0..1 is shown as
    /// `from..to` of this handle's; cancel and events are shared.
    pub fn span(&self, from: f64, to: f64) -> Progress {
        let at = |f: f64| self.from + (self.to - self.from) * f.clamp(0.0, 1.0);
        Progress {
            inner: self.inner.clone(),
            from: at(from),
            to: at(to.max(from)),
        }
    }
    /// Fraction of the whole run done, 0..=1.
    pub fn fraction(&self) -> f64 {
        f64::from_bits(self.inner.fraction_bits.load(Ordering::Relaxed))
    }
    pub fn set_fraction(&self, f: f64) {
        let f = if f.is_finite() { f.clamp(0.0, 1.0) } else { 0.0 };
        let f = self.from + (self.to - self.from) * f;
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

    #[test]
    fn a_span_reports_its_share_of_the_parent() {
        let p = Progress::new();
        let half = p.span(0.5, 1.0);
        half.set_fraction(0.5);
        assert_eq!(p.fraction(), 0.75);
        let quarter = half.span(0.0, 0.5);
        quarter.set_fraction(1.0);
        assert_eq!(p.fraction(), 0.75);
        quarter.set_fraction(0.0);
        assert_eq!(p.fraction(), 0.5);
        quarter.cancel();
        assert!(p.is_cancelled());
    }
}
