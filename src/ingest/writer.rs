//! The one task that writes observations to SQLite, in batches.
//!
//! Records arrive over a bounded channel: when the database falls behind, the
//! channel fills and the sender waits, which in turn pauses reading from MQTT
//! (backpressure) instead of growing memory. A batch is written when
//! `batch_size` records wait or the oldest has waited `flush_interval`. When
//! every sender is gone (shutdown), what is left is written before the task
//! ends, so a clean stop loses nothing.
//!
//! When the database cannot be written (a full disk, a lock held too long),
//! nothing is given up: the records stay in memory and are written, in
//! order, as soon as a retry succeeds, with a delay that doubles up to a
//! minute. Only beyond `ingest.unwritten_limit` records are new ones dropped,
//! and counted, so a disk that stays full cannot exhaust memory either.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::Instant;

use super::Record;
use crate::db::events::{BatchOutcome, EntityIds};
use crate::db::{self, Db};

/// The sending side; cheap to clone.
pub type Sender = mpsc::Sender<Record>;

/// Totals over the writer's life.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct WriterStats {
    pub batches: u64,
    pub stored: u64,
    pub duplicates: u64,
    /// Writes that failed (and were retried).
    pub failed_writes: u64,
    /// Records dropped because too many were waiting for a failing database,
    /// or left unwritten at shutdown.
    pub dropped: u64,
}

/// What the writer tells the rest of habitd while it runs: whether the
/// database fails, and how many events wait or were dropped. The job status
/// shows it, so a full disk is seen in Home Assistant.
#[derive(Debug, Default)]
pub struct Health {
    failing: AtomicBool,
    waiting: AtomicU64,
    dropped: AtomicU64,
}

impl Health {
    /// `Some((waiting, dropped))` while writes fail.
    pub fn failing(&self) -> Option<(u64, u64)> {
        self.failing.load(Ordering::Relaxed).then(|| {
            (
                self.waiting.load(Ordering::Relaxed),
                self.dropped.load(Ordering::Relaxed),
            )
        })
    }
}

pub struct Writer {
    health: Arc<Health>,
    db: Db,
    batch_size: usize,
    flush_interval: Duration,
    unwritten_limit: usize,
}

/// The first delay after a failed write; it doubles up to [`MAX_RETRY`].
const FIRST_RETRY: Duration = Duration::from_secs(1);
const MAX_RETRY: Duration = Duration::from_secs(60);
/// Attempts at shutdown, when there is no later.
const FINAL_ATTEMPTS: u32 = 3;

impl Writer {
    pub fn new(
        db: Db,
        batch_size: usize,
        flush_interval: Duration,
        unwritten_limit: usize,
    ) -> Self {
        Writer {
            health: Arc::default(),
            db,
            batch_size,
            flush_interval,
            unwritten_limit: unwritten_limit.max(batch_size),
        }
    }

    /// Shared with whoever reports on the writer.
    pub fn health(&self) -> Arc<Health> {
        self.health.clone()
    }

    /// A channel for this writer, holding at most `capacity` records.
    pub fn channel(capacity: usize) -> (Sender, mpsc::Receiver<Record>) {
        mpsc::channel(capacity)
    }

    /// Writes batches until every sender is dropped, then flushes and returns.
    pub async fn run(self, mut records: mpsc::Receiver<Record>) -> WriterStats {
        let mut state = State::default();
        loop {
            // Wait for the first record of a batch without a deadline, then
            // collect more until the batch is full or its time is up; while
            // the database fails, collect until the next retry.
            let deadline = match state.retry_at {
                Some(at) => at,
                None => {
                    let Some(first) = records.recv().await else {
                        break;
                    };
                    state.pending.push(first);
                    Instant::now() + self.flush_interval
                }
            };
            let mut open = true;
            while state.retry_at.is_some() || state.pending.len() < self.batch_size {
                match tokio::time::timeout_at(deadline, records.recv()).await {
                    Ok(Some(record)) => self.keep(&mut state, record),
                    Ok(None) => {
                        open = false;
                        break;
                    }
                    Err(_) => break,
                }
            }
            self.write_pending(&mut state).await;
            if !open {
                break;
            }
        }
        for _ in 0..FINAL_ATTEMPTS {
            if state.pending.is_empty() {
                break;
            }
            state.retry_at = None;
            self.write_pending(&mut state).await;
            if !state.pending.is_empty() {
                tokio::time::sleep(FIRST_RETRY).await;
            }
        }
        if !state.pending.is_empty() {
            state.stats.dropped += state.pending.len() as u64;
            tracing::error!(
                lost = state.pending.len(),
                "the database could not be written before stopping; these events are lost"
            );
        }
        let stats = state.stats;
        tracing::info!(
            stored = stats.stored,
            duplicates = stats.duplicates,
            batches = stats.batches,
            dropped = stats.dropped,
            "event writer stopped"
        );
        stats
    }

    /// Keeps a record for the next write, unless too many already wait for
    /// a failing database.
    fn keep(&self, state: &mut State, record: Record) {
        if state.pending.len() < self.unwritten_limit {
            state.pending.push(record);
            return;
        }
        if state.stats.dropped == 0 {
            tracing::error!(
                waiting = state.pending.len(),
                "the database still cannot be written and ingest.unwritten_limit events are waiting; new events are dropped (and counted) until it can"
            );
        }
        state.stats.dropped += 1;
    }

    /// Writes what is pending, in batches; what cannot be written stays
    /// pending for a retry after a growing delay.
    async fn write_pending(&self, state: &mut State) {
        if state.pending.is_empty() {
            state.retry_at = None;
            return;
        }
        let shared = Arc::new(std::mem::take(&mut state.pending));
        let (records, mut ids, batch_size) = (
            shared.clone(),
            std::mem::take(&mut state.ids),
            self.batch_size,
        );
        let result = self
            .db
            .run(move |conn| {
                let mut outcome = BatchOutcome::default();
                let (mut written, mut batches) = (0, 0);
                for chunk in records.chunks(batch_size) {
                    match db::events::write_batch(conn, &mut ids, chunk) {
                        Ok(done) => {
                            outcome.stored += done.stored;
                            outcome.duplicates += done.duplicates;
                            written += chunk.len();
                            batches += 1;
                        }
                        Err(e) => return Ok((outcome, written, batches, ids, Some(e))),
                    }
                }
                Ok((outcome, written, batches, ids, None))
            })
            .await;
        let mut pending = Arc::try_unwrap(shared).unwrap_or_else(|shared| (*shared).clone());
        let error = match result {
            Ok((outcome, written, batches, back, error)) => {
                state.ids = back;
                state.stats.batches += batches;
                state.stats.stored += outcome.stored;
                state.stats.duplicates += outcome.duplicates;
                pending.drain(..written);
                error
            }
            // No connection could be had: nothing was written.
            Err(e) => Some(e),
        };
        state.pending = pending;
        let error = match error {
            Some(e) if !passing(&e) => {
                self.isolate(state, e).await;
                None
            }
            other => other,
        };
        self.health
            .failing
            .store(error.is_some(), Ordering::Relaxed);
        self.health
            .waiting
            .store(state.pending.len() as u64, Ordering::Relaxed);
        self.health
            .dropped
            .store(state.stats.dropped, Ordering::Relaxed);
        match error {
            None => {
                if state.retry_at.take().is_some() {
                    tracing::info!("the database can be written again; waiting events written");
                }
                state.retry = FIRST_RETRY;
            }
            Some(e) => {
                state.stats.failed_writes += 1;
                tracing::error!(
                    error = format!("{e:#}"),
                    waiting = state.pending.len(),
                    retry_in = ?state.retry,
                    "could not write events (is the disk full?); they are kept and retried"
                );
                state.retry_at = Some(Instant::now() + state.retry);
                state.retry = (state.retry * 2).min(MAX_RETRY);
            }
        }
    }
}

impl Writer {
    /// After an error that retrying cannot cure (a record the database
    /// refuses), writes what is pending one record at a time and drops, and
    /// counts, the ones refused, so one bad record cannot stop recording.
    async fn isolate(&self, state: &mut State, error: anyhow::Error) {
        let records = std::mem::take(&mut state.pending);
        let mut ids = std::mem::take(&mut state.ids);
        let result = self
            .db
            .run(move |conn| {
                let mut refused = 0u64;
                let mut outcome = BatchOutcome::default();
                for record in &records {
                    match db::events::write_batch(conn, &mut ids, std::slice::from_ref(record)) {
                        Ok(done) => {
                            outcome.stored += done.stored;
                            outcome.duplicates += done.duplicates;
                        }
                        Err(_) => refused += 1,
                    }
                }
                Ok((outcome, refused, ids))
            })
            .await;
        match result {
            Ok((outcome, refused, ids)) => {
                state.ids = ids;
                state.stats.stored += outcome.stored;
                state.stats.duplicates += outcome.duplicates;
                state.stats.dropped += refused;
                tracing::error!(
                    error = format!("{error:#}"),
                    refused,
                    "the database refused some records; they are dropped, the rest written"
                );
            }
            Err(e) => tracing::error!(error = format!("{e:#}"), "could not write events"),
        }
    }
}

/// Whether a failed write may succeed later (a full disk, a lock, an I/O
/// error) rather than being refused for what it holds.
fn passing(error: &anyhow::Error) -> bool {
    use rusqlite::ErrorCode;
    let code = error
        .chain()
        .find_map(|cause| cause.downcast_ref::<rusqlite::Error>())
        .and_then(rusqlite::Error::sqlite_error_code);
    match code {
        None => true,
        Some(code) => matches!(
            code,
            ErrorCode::DiskFull
                | ErrorCode::DatabaseBusy
                | ErrorCode::DatabaseLocked
                | ErrorCode::SystemIoFailure
                | ErrorCode::ReadOnly
                | ErrorCode::CannotOpen
                | ErrorCode::OutOfMemory
        ),
    }
}

/// The writer's state between writes.
struct State {
    stats: WriterStats,
    ids: EntityIds,
    /// Records not yet written, oldest first.
    pending: Vec<Record>,
    /// Set while the database fails: when to try again.
    retry_at: Option<Instant>,
    retry: Duration,
}

impl Default for State {
    fn default() -> Self {
        State {
            stats: WriterStats::default(),
            ids: EntityIds::new(),
            pending: Vec::new(),
            retry_at: None,
            retry: FIRST_RETRY,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sqlite(code: std::ffi::c_int) -> anyhow::Error {
        anyhow::Error::new(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(code),
            None,
        ))
        .context("while writing a batch")
    }

    #[test]
    fn only_what_can_pass_is_retried() {
        assert!(passing(&sqlite(rusqlite::ffi::SQLITE_FULL)));
        assert!(passing(&sqlite(rusqlite::ffi::SQLITE_BUSY)));
        assert!(passing(&anyhow::anyhow!("no connection from the pool")));
        assert!(!passing(&sqlite(rusqlite::ffi::SQLITE_CONSTRAINT)));
    }
}
