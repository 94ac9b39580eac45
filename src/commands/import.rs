//! `habitd import` and `habitd backfill`: history into the database, with
//! progress on a terminal and a summary at the end.
//!
//! Both read through one [`Importer`], which stores input that comes in
//! time order as it reads it and collects the rest in a staging file beside
//! the database, stored in time order at the end, so a long import appends
//! to the events table as live ingest does.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use jiff::Timestamp;

use super::out;
use crate::config::Config;
use crate::db::Db;
use crate::ingest::Filter;
use crate::ingest::backfill::Backfill;
use crate::ingest::import::{ImportReport, Importer};

pub(super) async fn import_command(config: Config, files: Vec<PathBuf>) -> anyhow::Result<()> {
    with_progress(true, move |progress| import(&config, &files, progress)).await
}

pub(super) async fn backfill_command(config: Config, days: u32) -> anyhow::Result<()> {
    let Some(ha) = &config.homeassistant else {
        anyhow::bail!("backfill needs homeassistant.url and homeassistant.token");
    };
    let client = crate::ha::rest::Client::new(ha)?;
    let filter = Filter::new(&config.ingest);
    let backfill = Backfill {
        entities: Backfill::entities(&client, &filter).await?,
        client,
        days,
        end: Timestamp::now(),
    };
    let runtime = tokio::runtime::Handle::current();
    // Ctrl-C or SIGTERM stops between or during requests and stores
    // nothing.
    let cancel = tokio_util::sync::CancellationToken::new();
    let stop = cancel.clone();
    let signal = crate::shutdown::signal();
    tokio::spawn(async move {
        signal.await;
        stop.cancel();
    });
    with_progress(false, move |progress| {
        importing(&config, &filter, progress, |importer, progress| {
            backfill.run(importer, &runtime, &cancel, progress, &mut |_| {})
        })
    })
    .await
}

/// `habitd import`: blocking, on the calling thread, with `progress` called
/// after every batch.
pub fn import(
    config: &Config,
    files: &[std::path::PathBuf],
    progress: &mut dyn FnMut(&ImportReport),
) -> anyhow::Result<ImportReport> {
    let filter = Filter::new(&config.ingest);
    importing(config, &filter, progress, |importer, progress| {
        for file in files {
            importer.file(file, progress)?;
        }
        Ok(())
    })
}

/// Opens the database for an import, lets `read` feed the importer, then
/// stores what it read.
fn importing(
    config: &Config,
    filter: &Filter,
    progress: &mut dyn FnMut(&ImportReport),
    read: impl FnOnce(&mut Importer<'_>, &mut dyn FnMut(&ImportReport)) -> anyhow::Result<()>,
) -> anyhow::Result<ImportReport> {
    let db = Db::open(&config.database).context("while opening the database")?;
    let mut conn = db.get().context("while opening the database")?;
    let mut importer = Importer::new(
        &mut conn,
        filter,
        crate::ingest::import::batch_size(&config.ingest),
    )?;
    read(&mut importer, progress)?;
    importer.finish(progress)
}

/// Runs an import or a backfill on the blocking pool, with progress on a
/// terminal and a summary.
async fn with_progress(
    nothing_read_is_an_error: bool,
    run: impl FnOnce(&mut dyn FnMut(&ImportReport)) -> anyhow::Result<ImportReport> + Send + 'static,
) -> anyhow::Result<()> {
    use std::io::IsTerminal;
    let started = Instant::now();
    let terminal = std::io::stderr().is_terminal();
    let outcome = tokio::task::spawn_blocking(move || {
        let mut last_shown = started;
        // On a terminal a line that updates itself four times a second;
        // otherwise (journald, a log file, CI) a log line every 10 s, so a
        // long import or backfill is never silent.
        let every = if terminal { 250 } else { 10_000 };
        let mut progress = |report: &ImportReport| {
            if last_shown.elapsed().as_millis() < every {
                return;
            }
            last_shown = Instant::now();
            // Input in time order is stored as it is read; what came out of
            // order is stored at the end (`stored` then grows, `read` not).
            let rate = report.read as f64 / started.elapsed().as_secs_f64().max(1e-3);
            let line = format!(
                "{} changes read ({rate:.0}/s), {} new, {} already stored",
                report.read, report.stored, report.duplicates
            );
            if terminal {
                eprint!("\r{line}   ");
            } else {
                tracing::info!("import {line}");
            }
        };
        run(&mut progress)
    })
    .await
    .context("the import stopped")?;
    if terminal {
        eprintln!();
    }
    let r = outcome?;
    let seconds = started.elapsed().as_secs_f64();
    out!(
        "imported in {seconds:.1} s: {} state changes read, {} new, {} already stored, \
         {} filtered out, {} unreadable",
        r.read,
        r.stored,
        r.duplicates,
        r.filtered,
        r.malformed
    );
    // A file that held nothing habitd could read is the wrong file, not an
    // empty history: say so with the exit code too.
    anyhow::ensure!(
        r.read > 0 || !nothing_read_is_an_error,
        "nothing in it could be read as Home Assistant history or eventstream lines{}",
        if r.malformed > 0 {
            format!(" ({} unreadable entries)", r.malformed)
        } else {
            String::new()
        }
    );
    Ok(())
}
