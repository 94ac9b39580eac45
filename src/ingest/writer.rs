//! The one task that writes observations to SQLite, in batches.
//!
//! Records arrive over a bounded channel: when the database falls behind, the
//! channel fills and the sender waits, which in turn pauses reading from MQTT
//! (backpressure) instead of growing memory. A batch is written when
//! `batch_size` records wait or the oldest has waited `flush_interval`. When
//! every sender is gone (shutdown), what is left is written before the task
//! ends, so a clean stop loses nothing.

use std::time::Duration;

use jiff::tz::TimeZone;
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
    pub failed_batches: u64,
}

pub struct Writer {
    db: Db,
    tz: TimeZone,
    batch_size: usize,
    flush_interval: Duration,
}

impl Writer {
    pub fn new(db: Db, tz: TimeZone, batch_size: usize, flush_interval: Duration) -> Self {
        Writer {
            db,
            tz,
            batch_size,
            flush_interval,
        }
    }

    /// A channel for this writer, holding at most `capacity` records.
    pub fn channel(capacity: usize) -> (Sender, mpsc::Receiver<Record>) {
        mpsc::channel(capacity)
    }

    /// Writes batches until every sender is dropped, then flushes and returns.
    pub async fn run(self, mut records: mpsc::Receiver<Record>) -> WriterStats {
        let mut stats = WriterStats::default();
        let mut ids = EntityIds::new();
        let mut batch: Vec<Record> = Vec::with_capacity(self.batch_size);
        loop {
            // Wait for the first record of a batch without a deadline, then
            // collect more until the batch is full or its time is up.
            let Some(first) = records.recv().await else {
                break;
            };
            batch.push(first);
            let deadline = Instant::now() + self.flush_interval;
            let mut open = true;
            while batch.len() < self.batch_size {
                match tokio::time::timeout_at(deadline, records.recv()).await {
                    Ok(Some(record)) => batch.push(record),
                    Ok(None) => {
                        open = false;
                        break;
                    }
                    Err(_) => break,
                }
            }
            ids = self.flush(&mut batch, ids, &mut stats).await;
            if !open {
                break;
            }
        }
        tracing::info!(
            stored = stats.stored,
            duplicates = stats.duplicates,
            batches = stats.batches,
            "event writer stopped"
        );
        stats
    }

    /// Writes the batch; on a database error (locked by another process
    /// beyond the busy timeout, disk full) retries a few times before giving
    /// the batch up, so a passing problem loses nothing.
    async fn flush(
        &self,
        batch: &mut Vec<Record>,
        mut ids: EntityIds,
        stats: &mut WriterStats,
    ) -> EntityIds {
        let mut records = std::mem::replace(batch, Vec::with_capacity(self.batch_size));
        for attempt in 1..=WRITE_ATTEMPTS {
            let tz = self.tz.clone();
            let result = self
                .db
                .run(move |conn| {
                    let outcome = db::events::write_batch(conn, &mut ids, &records, &tz);
                    Ok((outcome, ids, records))
                })
                .await;
            let error = match result {
                Ok((Ok(BatchOutcome { stored, duplicates }), back, _)) => {
                    stats.batches += 1;
                    stats.stored += stored;
                    stats.duplicates += duplicates;
                    tracing::debug!(stored, duplicates, "batch written");
                    return back;
                }
                Ok((Err(e), back_ids, back_records)) => {
                    ids = back_ids;
                    records = back_records;
                    e
                }
                // The pool could not hand out a connection: nothing was moved.
                Err(e) => return self.give_up(e, stats, EntityIds::new()),
            };
            if attempt == WRITE_ATTEMPTS {
                return self.give_up(error, stats, ids);
            }
            tracing::warn!(
                attempt,
                error = format!("{error:#}"),
                "batch not written; retrying"
            );
            tokio::time::sleep(Duration::from_secs(attempt as u64)).await;
        }
        ids
    }

    fn give_up(&self, error: anyhow::Error, stats: &mut WriterStats, ids: EntityIds) -> EntityIds {
        stats.failed_batches += 1;
        tracing::error!(
            error = format!("{error:#}"),
            "could not write a batch; its events are lost"
        );
        ids
    }
}

const WRITE_ATTEMPTS: u32 = 3;
