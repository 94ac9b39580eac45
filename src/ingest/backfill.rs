//! Backfill: history fetched from Home Assistant's REST API into the
//! database, a day at a time, with the logbook of the same day so each change
//! carries who caused it.
//!
//! One code path for `habitd backfill` and the daemon's first start (the
//! `history` phase of its first job): [`Backfill::entities`] asks Home
//! Assistant which entities it has (async), then [`Backfill::run`] fetches and
//! imports on a blocking thread, through the same [`Importer`] as
//! `habitd import`, so the result is stored in time order and nothing is
//! stored twice (a change heard live and fetched again has the same key).

use anyhow::Context;
use jiff::{SignedDuration, Timestamp};
use tokio::runtime::Handle;
use tokio_util::sync::CancellationToken;

use super::Filter;
use super::import::{ImportReport, Importer};
use crate::ha::logbook::Origins;
use crate::ha::rest::Client;

/// What to fetch: `days` days of history up to `end`.
#[derive(Debug)]
pub struct Backfill {
    pub client: Client,
    /// The entities to fetch, those the `ingest` filters accept.
    pub entities: Vec<String>,
    pub days: u32,
    pub end: Timestamp,
}

impl Backfill {
    /// Which of Home Assistant's entities the `ingest` filters accept.
    pub async fn entities(client: &Client, filter: &Filter) -> anyhow::Result<Vec<String>> {
        Ok(client
            .states()
            .await
            .context("while asking Home Assistant which entities it has")?
            .into_iter()
            .map(|e| e.info.entity_id)
            .filter(|id| filter.accepts(id))
            .collect())
    }

    /// Fetches the days oldest first into `importer` (the caller stores
    /// them with [`Importer::finish`]). Blocking: call it on the blocking
    /// pool; `runtime` runs the HTTP requests. `day_done` hears how many
    /// days are fetched; `cancel` stops it between and during requests.
    pub fn run(
        &self,
        importer: &mut Importer<'_>,
        runtime: &Handle,
        cancel: &CancellationToken,
        progress: &mut dyn FnMut(&ImportReport),
        day_done: &mut dyn FnMut(u32),
    ) -> anyhow::Result<()> {
        for (done, day) in (0..self.days).rev().enumerate() {
            let end = self
                .end
                .checked_sub(SignedDuration::from_hours(24 * i64::from(day)))?;
            let start = end.checked_sub(SignedDuration::from_hours(24))?;
            let logbook = block_on(runtime, cancel, async {
                Ok(self.client.logbook(start, end).await)
            })?;
            importer.attribute(origins(logbook, start));
            // One answer at a time, each imported before the next is asked.
            for filter in Client::history_filters(&self.entities) {
                let answer = block_on(runtime, cancel, self.client.history(start, end, &filter))?;
                importer
                    .history(&answer[..], progress)
                    .with_context(|| format!("while importing the history from {start}"))?;
            }
            day_done(u32::try_from(done + 1).unwrap_or(u32::MAX));
        }
        Ok(())
    }
}

/// Waits for `what` on `runtime` unless `cancel` fires first.
fn block_on<T>(
    runtime: &Handle,
    cancel: &CancellationToken,
    what: impl Future<Output = anyhow::Result<T>>,
) -> anyhow::Result<T> {
    runtime.block_on(async {
        tokio::select! {
            biased;
            () = cancel.cancelled() => Err(anyhow::anyhow!("backfill interrupted by shutdown")),
            result = what => result,
        }
    })
}

/// Who caused the day's changes, from Home Assistant's logbook. Without it
/// (an older or a restricted Home Assistant) the history is imported as it
/// is, and machine-exact schedules are still recognised by the analysis.
fn origins(answer: anyhow::Result<Vec<u8>>, start: Timestamp) -> Origins {
    match answer.and_then(|answer| Origins::parse(&answer)) {
        Ok(origins) => {
            tracing::debug!(entries = origins.len(), %start, "logbook read");
            origins
        }
        Err(e) => {
            tracing::warn!(
                error = format!("{e:#}"),
                %start,
                "no logbook: this day's history is imported without who caused each change"
            );
            Origins::default()
        }
    }
}
