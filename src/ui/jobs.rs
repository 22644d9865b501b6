//! Work off the UI thread: the one way the editor runs a simulation, a
//! baseline, a sweep or a file dialog without blocking a frame.
//!
//! A [`Job`] owns the receiving end of a channel and the [`Progress`] handle
//! the worker reports to; the view polls it once per frame. Dropping or
//! cancelling a job never waits for the thread: the worker sees the cancel
//! flag, stops, and its message goes nowhere.

use crate::format;
use crate::model::{Catalog, Plan, Severity};
use crate::sim::budget::{Budget, preflight};
use crate::sim::{Progress, Results, SimError};
use std::sync::mpsc::{self, Receiver, Sender, TryRecvError};

/// Run `work` on a named thread; `ctx` (when given) is asked to repaint
/// when the work ends, so the frame that collects it comes at once.
pub fn spawn_worker<T: Send + 'static>(
    name: &str,
    ctx: Option<&egui::Context>,
    work: impl FnOnce(Sender<T>) + Send + 'static,
) -> Result<Receiver<T>, String> {
    let (tx, rx) = mpsc::channel();
    let ctx = ctx.cloned();
    std::thread::Builder::new()
        .name(format!("clusterforge-{name}"))
        .spawn(move || {
            work(tx);
            if let Some(ctx) = ctx {
                ctx.request_repaint();
            }
        })
        .map(|_| rx)
        .map_err(|e| format!("cannot start a worker thread: {e}"))
}

/// What polling a job found this frame.
#[derive(Debug, PartialEq)]
pub enum Poll<T> {
    /// Nothing new; the worker is still going.
    Waiting,
    /// A message from the worker (a job may send several: a sweep sends
    /// each point, then its end).
    Got(T),
    /// The worker ended without a further message (it panicked, or sent
    /// everything it had).
    Ended,
}

/// A run of `plan` on a worker thread.
pub struct Job<T> {
    /// What it is, for the status line: "current plan", "sweep of train".
    pub label: String,
    /// The plan the worker runs (a copy: the editor goes on editing).
    pub plan: Plan,
    pub progress: Progress,
    rx: Receiver<T>,
}

impl<T: Send + 'static> Job<T> {
    /// Start `work` on `plan`; it reports progress to, and stops on the
    /// cancel flag of, the handle it is given.
    pub fn start(
        label: String,
        plan: &Plan,
        ctx: Option<&egui::Context>,
        work: impl FnOnce(Plan, Progress, Sender<T>) + Send + 'static,
    ) -> Result<Job<T>, String> {
        let progress = Progress::new();
        let worker_progress = progress.clone();
        let worker_plan = plan.clone();
        let rx = spawn_worker("job", ctx, move |tx| work(worker_plan, worker_progress, tx))?;
        Ok(Job {
            label,
            plan: plan.clone(),
            progress,
            rx,
        })
    }

    /// Simulate `plan` in full (the Results tab, the Compare tab's current
    /// plan and its baseline all run this).
    pub fn simulate(
        label: String,
        plan: &Plan,
        catalog: &Catalog,
        ctx: Option<&egui::Context>,
    ) -> Result<Job<T>, String>
    where
        T: From<Result<Results, String>>,
    {
        let catalog = catalog.clone();
        Job::start(label, plan, ctx, move |plan, progress, tx| {
            let _ = tx.send(T::from(simulate_plan(&plan, &catalog, &progress)));
        })
    }

    pub fn poll(&self) -> Poll<T> {
        match self.rx.try_recv() {
            Ok(message) => Poll::Got(message),
            Err(TryRecvError::Empty) => Poll::Waiting,
            Err(TryRecvError::Disconnected) => Poll::Ended,
        }
    }

    /// Ask the worker to stop (it ends soon after; what it sends is dropped
    /// with the job).
    pub fn cancel(&self) {
        self.progress.cancel();
    }
}

/// Simulate `plan`, refusing a plan with errors in the words of the Problems
/// panel (the same preflight, the first error named) rather than the simulator's.
pub fn simulate_plan(plan: &Plan, catalog: &Catalog, progress: &Progress) -> Result<Results, String> {
    let problems = preflight(plan, catalog, &Budget::default());
    let mut errors = problems.iter().filter(|p| p.severity == Severity::Error);
    if let Some(first) = errors.next() {
        let count = 1 + errors.count();
        return Err(format!(
            "the plan has {}; fix them first (see Problems). First: {first}",
            format::plural(count, "error", "errors")
        ));
    }
    crate::sim::simulate(plan, catalog, plan.settings.seed, progress).map_err(|e| match e {
        SimError::Cancelled => SimError::Cancelled.to_string(),
        e => e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    fn wait<T: Send + 'static>(job: &Job<T>) -> Poll<T> {
        let start = Instant::now();
        loop {
            match job.poll() {
                Poll::Waiting if start.elapsed() < Duration::from_secs(60) => {
                    std::thread::sleep(Duration::from_millis(5))
                }
                other => return other,
            }
        }
    }

    #[test]
    fn a_job_delivers_each_message_then_ends() {
        let plan = Plan::default();
        let job = Job::start("test".into(), &plan, None, |_, _, tx| {
            tx.send(1).unwrap();
            tx.send(2).unwrap();
        })
        .unwrap();
        assert_eq!(wait(&job), Poll::Got(1));
        assert_eq!(wait(&job), Poll::Got(2));
        assert_eq!(wait(&job), Poll::Ended);
    }

    #[test]
    fn a_panicking_worker_reads_as_ended_not_waiting() {
        let plan = Plan::default();
        let job: Job<u32> = Job::start("test".into(), &plan, None, |_, _, _| panic!("worker failed")).unwrap();
        assert_eq!(wait(&job), Poll::Ended);
    }

    #[test]
    fn cancel_reaches_the_worker() {
        let plan = Plan::default();
        let job = Job::start("test".into(), &plan, None, |_, progress, tx| {
            while !progress.is_cancelled() {
                std::thread::sleep(Duration::from_millis(1));
            }
            tx.send("stopped").unwrap();
        })
        .unwrap();
        job.cancel();
        assert_eq!(wait(&job), Poll::Got("stopped"));
    }

    #[test]
    fn a_plan_with_errors_is_refused_with_its_first_error_named() {
        let catalog = Catalog::builtin();
        let mut plan = crate::report::presets::preset("onprem-finance")
            .unwrap()
            .plan()
            .unwrap();
        plan.links.clear();
        let err = simulate_plan(&plan, &catalog, &Progress::new()).unwrap_err();
        assert!(err.starts_with("the plan has "), "{err}");
        assert!(err.contains("First: "), "{err}");
    }
}
