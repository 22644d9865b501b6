//! The one progress loop of the CLI: run a job on a worker thread and, on a
//! terminal, draw a bar on stderr until it ends. Piped output gets no bar
//! (scripts read clean text).

use crate::sim::{Progress, SimError};
use std::io::{IsTerminal, Write};
use std::time::Duration;

/// Run `job` with a fresh [`Progress`] and show its fraction while it runs.
/// A panic in the job becomes an error instead of taking the CLI down.
pub fn with_progress<T: Send>(job: impl FnOnce(&Progress) -> Result<T, SimError> + Send) -> Result<T, SimError> {
    let progress = Progress::new();
    let tty = std::io::stderr().is_terminal();
    std::thread::scope(|scope| {
        let worker = {
            let progress = progress.clone();
            scope.spawn(move || job(&progress))
        };
        if tty {
            let mut shown = -1i64;
            while !worker.is_finished() {
                shown = draw_bar(progress.fraction(), shown);
                std::thread::sleep(Duration::from_millis(100));
            }
            draw_bar(1.0, shown);
            eprintln!();
        }
        worker
            .join()
            .unwrap_or_else(|_| Err(SimError::Invalid("the simulation panicked".into())))
    })
}

/// Redraw the bar when the whole percent changed; returns what is shown.
fn draw_bar(fraction: f64, shown: i64) -> i64 {
    let pct = (fraction.clamp(0.0, 1.0) * 100.0).round() as i64;
    if pct == shown {
        return shown;
    }
    let width = 40;
    let filled = (fraction.clamp(0.0, 1.0) * width as f64).round() as usize;
    let mut err = std::io::stderr();
    let _ = write!(
        err,
        "\r[{}{}] {pct:>3} %",
        "#".repeat(filled),
        " ".repeat(width - filled)
    );
    let _ = err.flush();
    pct
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
}
