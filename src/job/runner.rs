//! Runs analysis jobs one at a time and reports their status.
//!
//! Triggers (the schedule, an MQTT command, the CLI) go through [`Triggers`],
//! a channel with room for exactly one waiting request: a trigger that arrives
//! while a job runs becomes the one follow-up run, and any further ones are
//! coalesced into it, because a second identical analysis right after the
//! first would find nothing new.
//!
//! Every status change is written to the `jobs` table and then sent on a
//! `watch` channel, which the MQTT publisher forwards to `habitd/job/status`.
//! A watch keeps only the newest value, so a slow or disconnected broker can
//! never hold up a job; the retained topic always ends on the latest state.

use std::collections::BTreeMap;
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::time::Instant;

use futures_util::FutureExt;
use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;

use super::lock::{self, JobLock};
use crate::db::{self, Db};
use crate::model::{JobState, JobStatus, Phase, Trigger, job};
use crate::pipeline::{Pipeline, Settings};

/// The sending side of the job queue. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Triggers {
    tx: mpsc::Sender<Trigger>,
}

impl Triggers {
    /// A queue with room for one waiting request.
    pub fn channel() -> (Triggers, mpsc::Receiver<Trigger>) {
        let (tx, rx) = mpsc::channel(1);
        (Triggers { tx }, rx)
    }

    /// Asks for a job; returns whether a new run was queued (`false` when it
    /// was coalesced into one already waiting, or habitd is stopping).
    pub fn request(&self, trigger: Trigger) -> bool {
        match self.tx.try_send(trigger) {
            Ok(()) => {
                tracing::info!(%trigger, "analysis requested");
                true
            }
            Err(mpsc::error::TrySendError::Full(_)) => {
                tracing::info!(%trigger, "analysis requested while one is waiting: coalesced");
                false
            }
            Err(mpsc::error::TrySendError::Closed(_)) => {
                tracing::debug!(%trigger, "analysis requested during shutdown: ignored");
                false
            }
        }
    }
}

/// Runs jobs against one database.
#[derive(Debug)]
pub struct Runner {
    db: Db,
    lock_path: PathBuf,
    status: watch::Sender<Option<JobStatus>>,
    settings: Settings,
}

impl Runner {
    pub fn new(db: Db, status: watch::Sender<Option<JobStatus>>, settings: Settings) -> Self {
        let lock_path = lock::path_for(db.path());
        Runner {
            db,
            lock_path,
            status,
            settings,
        }
    }

    /// Runs a job for every request until `cancel` fires or the queue closes.
    pub async fn serve(self, mut requests: mpsc::Receiver<Trigger>, cancel: CancellationToken) {
        loop {
            let trigger = tokio::select! {
                biased;
                () = cancel.cancelled() => break,
                request = requests.recv() => match request {
                    Some(trigger) => trigger,
                    None => break,
                },
            };
            if let Err(e) = self.run(trigger, &cancel).await {
                tracing::error!(
                    error = format!("{e:#}"),
                    "analysis job could not be recorded"
                );
                // Still tell Home Assistant (a full disk shows here): a
                // status with no row behind it, job id 0.
                let mut status = JobStatus::queued(0, trigger, job::now());
                status.state = JobState::Failed;
                status.finished_at = Some(job::now());
                status.error = Some(format!("the analysis could not start: {e:#}"));
                self.status.send_replace(Some(status));
            }
        }
    }

    /// Runs one job to its end and returns its final status.
    ///
    /// The job's own failures (a phase erring, a shutdown) end in a `failed`
    /// status; only failing to record the job at all is an `Err`.
    pub async fn run(
        &self,
        trigger: Trigger,
        cancel: &CancellationToken,
    ) -> anyhow::Result<JobStatus> {
        let mut status = self
            .db
            .run(move |conn| db::jobs::insert_queued(conn, trigger, job::now()))
            .await?;
        self.status.send_replace(Some(status.clone()));
        tracing::info!(job = status.job_id, %trigger, "analysis queued");

        let Some(_lock) = JobLock::acquire(&self.lock_path, cancel).await? else {
            status.error = Some("interrupted by shutdown before it started".into());
            return Ok(self.finish(status, JobState::Failed).await);
        };
        // Holding the lock, no other job can be running: unfinished rows are
        // what a crash or a kill left behind.
        let job_id = status.job_id;
        let stale = self
            .db
            .run(move |conn| {
                db::jobs::fail_unfinished(
                    conn,
                    "habitd stopped while this job ran",
                    job::now(),
                    Some(job_id),
                )
            })
            .await?;
        if stale > 0 {
            tracing::warn!(stale, "marked jobs left unfinished by a crash as failed");
        }

        status.state = JobState::Running;
        status.started_at = Some(job::now());
        let (progress, mut done) = mpsc::unbounded_channel();
        let mut pipeline = Pipeline::new(self.db.clone(), self.settings.clone(), job_id)
            .watched(cancel.clone(), progress);
        let mut degraded = Vec::new();
        let phases = Phase::of(trigger);
        for &phase in phases {
            status.phase = Some(phase);
            status.progress = phase.progress(phases, 0.0);
            self.report(&status).await;
            tracing::debug!(job = job_id, %phase, "phase started");

            let started = Instant::now();
            let mut running = std::pin::pin!(guarded(pipeline.run_phase(phase)));
            let outcome = loop {
                tokio::select! {
                    biased;
                    () = cancel.cancelled() => {
                        status.error = Some(format!("interrupted by shutdown during the {phase} phase"));
                        return Ok(self.finish(status, JobState::Failed).await);
                    }
                    outcome = &mut running => break outcome,
                    Some(part) = done.recv() => {
                        status.progress = phase.progress(phases, part);
                        self.report(&status).await;
                    }
                }
            };
            // What the phase said about itself is stale in the next one.
            while done.try_recv().is_ok() {}
            let elapsed = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
            status.phase_durations_ms.insert(phase, elapsed);
            match outcome {
                Ok(outcome) => {
                    merge_counts(&mut status.counts, outcome.counts);
                    degraded.extend(outcome.degraded);
                }
                Err(e) => {
                    status.error = Some(format!("the {phase} phase failed: {e:#}"));
                    return Ok(self.finish(status, JobState::Failed).await);
                }
            }
        }
        let state = if degraded.is_empty() {
            JobState::Succeeded
        } else {
            status.error = Some(degraded.join("; "));
            JobState::Degraded
        };
        Ok(self.finish(status, state).await)
    }

    async fn finish(&self, mut status: JobStatus, state: JobState) -> JobStatus {
        status.state = state;
        status.finished_at = Some(job::now());
        if state != JobState::Failed {
            status.progress = 100;
        }
        self.report(&status).await;
        match state {
            JobState::Failed => tracing::error!(
                job = status.job_id,
                error = status.error.as_deref().unwrap_or(""),
                "analysis failed"
            ),
            _ => tracing::info!(
                job = status.job_id,
                state = %state,
                duration = ?status.duration(),
                "analysis finished"
            ),
        }
        status
    }

    /// Persists the status, then publishes it. A database error is logged and
    /// does not stop the job: its result still matters more than its record.
    async fn report(&self, status: &JobStatus) {
        let row = status.clone();
        if let Err(e) = self.db.run(move |conn| db::jobs::update(conn, &row)).await {
            tracing::error!(
                job = status.job_id,
                error = format!("{e:#}"),
                "could not record job status"
            );
        }
        self.status.send_replace(Some(status.clone()));
    }
}

/// Runs one phase; a panic in it (a bug, perhaps met only with one home's
/// data) becomes that job's error instead of ending the runner, so the job
/// is reported as failed and the daemon keeps recording and serving. This is
/// why the release profile keeps unwinding rather than `panic = "abort"`.
async fn guarded<T>(phase: impl Future<Output = anyhow::Result<T>>) -> anyhow::Result<T> {
    match AssertUnwindSafe(phase).catch_unwind().await {
        Ok(result) => result,
        Err(panic) => {
            let message = panic
                .downcast_ref::<&str>()
                .copied()
                .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
                .unwrap_or("no message");
            Err(anyhow::anyhow!(
                "internal error, a bug in habitd (please report it): {message}"
            ))
        }
    }
}

fn merge_counts(into: &mut BTreeMap<String, u64>, counts: Vec<(&'static str, u64)>) {
    for (name, n) in counts {
        *into.entry(name.to_owned()).or_default() += n;
    }
}

#[cfg(test)]
mod tests;
