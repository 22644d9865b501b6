//! The one progress loop of the CLI: run a job on a worker thread and, on a
//! terminal, draw a bar on stderr until it ends. Piped output gets no bar
//! (scripts read clean text).

use crate::sim::{Progress, SimError};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::time::Duration;

/// Run `job` with a fresh [`Progress`] and show its fraction while it runs
/// (indicatif draws nothing when stderr is not a terminal).
/// A panic in the job becomes an error instead of taking the CLI down.
pub fn with_progress<T: Send>(job: impl FnOnce(&Progress) -> Result<T, SimError> + Send) -> Result<T, SimError> {
    let progress = Progress::new();
    let bar = ProgressBar::with_draw_target(Some(STEPS), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("[{bar:40}] {percent:>3} % {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("## "),
    );
    std::thread::scope(|scope| {
        let worker = {
            let progress = progress.clone();
            scope.spawn(move || job(&progress))
        };
        while !worker.is_finished() {
            bar.set_position(steps(progress.fraction()));
            std::thread::sleep(Duration::from_millis(100));
        }
        bar.finish_and_clear();
        worker
            .join()
            .unwrap_or_else(|_| Err(SimError::Invalid("the simulation panicked".into())))
    })
}

/// Run `job` (one that cannot report a fraction: loading and checking a
/// plan) and, if it takes longer than a moment, show a spinner with `message`
/// and the time elapsed, so a long `check` of a huge plan is visibly alive.
pub fn with_spinner<T: Send>(message: String, job: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|scope| {
        let worker = scope.spawn(job);
        let started = std::time::Instant::now();
        let mut spinner: Option<ProgressBar> = None;
        while !worker.is_finished() {
            if spinner.is_none() && started.elapsed() >= SPINNER_AFTER {
                let s = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
                s.set_style(
                    ProgressStyle::with_template("{spinner} {msg} {elapsed}")
                        .unwrap_or_else(|_| ProgressStyle::default_spinner()),
                );
                s.set_message(message.clone());
                spinner = Some(s);
            }
            if let Some(s) = &spinner {
                s.tick();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        if let Some(s) = spinner {
            s.finish_and_clear();
        }
        match worker.join() {
            Ok(v) => v,
            Err(panic) => std::panic::resume_unwind(panic),
        }
    })
}

/// A job quicker than this shows no spinner (most plans check in ms).
const SPINNER_AFTER: Duration = Duration::from_millis(400);

/// Resolution of the bar: per mille.
const STEPS: u64 = 1000;

fn steps(fraction: f64) -> u64 {
    (fraction.clamp(0.0, 1.0) * STEPS as f64).round() as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_job_result_and_a_panic_come_back() {
        assert_eq!(with_progress(|p| Ok(p.fraction())).ok(), Some(0.0));
        let r: Result<(), SimError> = with_progress(|_| panic!("boom"));
        assert!(matches!(r, Err(SimError::Invalid(m)) if m.contains("panicked")));
    }

    #[test]
    fn the_spinner_returns_the_job_result() {
        assert_eq!(with_spinner("checking".into(), || 41 + 1), 42);
    }

    #[test]
    fn the_bar_position_is_clamped() {
        assert_eq!(steps(-1.0), 0);
        assert_eq!(steps(0.5), STEPS / 2);
        assert_eq!(steps(f64::NAN.max(2.0)), STEPS);
    }
}
