//! `habitd import FILE…`: history files into the database, idempotently.
//!
//! Two formats, told apart by their first character: Home Assistant's history
//! answer (`[[…]]`, full or `minimal_response`, as saved from
//! `GET /api/history/period`) and eventstream JSON lines (one
//! `{"event_type": …}` per line, as `mosquitto_sub -t ha_events` prints them,
//! or a capture wrapping each in `{"payload": …}`). Both stream: memory does
//! not grow with the file. Changes are collected in a staging file and stored
//! in time order at the end ([`Importer::finish`]; see `db::staging` for
//! why). Events already stored are skipped, so importing a file twice, or one
//! that overlaps live data, adds nothing twice.

use std::collections::HashSet;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

use anyhow::Context;
use jiff::tz::TimeZone;
use rusqlite::Connection;

use super::{Filter, Record};
use crate::db::events::{EntityIds, write_batch};
use crate::db::staging::Staging;
use crate::ha::{eventstream, history};
use crate::model::{EntityInfo, StateChange};

/// What an import did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ImportReport {
    pub files: u64,
    /// State changes read from the files.
    pub read: u64,
    /// Of those, new in the database.
    pub stored: u64,
    /// Of those, already there.
    pub duplicates: u64,
    /// Left out by the `ingest` filters.
    pub filtered: u64,
    /// Lines or items that could not be read.
    pub malformed: u64,
}

/// Imports into `conn`, calling `progress` with the running report now and
/// then. Nothing is stored until [`Importer::finish`].
pub struct Importer<'a> {
    conn: &'a mut Connection,
    filter: &'a Filter,
    tz: &'a TimeZone,
    batch_size: usize,
    ids: EntityIds,
    seen_entities: HashSet<String>,
    /// Entity names and areas, stored with the first staged batch.
    entities: Vec<Record>,
    /// Changes read and not yet staged.
    pending: Vec<StateChange>,
    staging: Staging,
    report: ImportReport,
    /// Who caused the changes, when a logbook said (backfill).
    origins: crate::ha::logbook::Origins,
}

impl<'a> Importer<'a> {
    pub fn new(
        conn: &'a mut Connection,
        filter: &'a Filter,
        tz: &'a TimeZone,
        batch_size: usize,
    ) -> anyhow::Result<Self> {
        let database = conn
            .path()
            .filter(|p| !p.is_empty())
            .map(std::path::PathBuf::from)
            .context("import needs a database file")?;
        Ok(Importer {
            conn,
            filter,
            tz,
            batch_size,
            ids: EntityIds::new(),
            seen_entities: HashSet::new(),
            entities: Vec::new(),
            pending: Vec::with_capacity(batch_size),
            staging: Staging::create(&database)?,
            report: ImportReport::default(),
            origins: Default::default(),
        })
    }

    /// Stores everything read, oldest first, and returns the report.
    pub fn finish(
        mut self,
        progress: &mut dyn FnMut(&ImportReport),
    ) -> anyhow::Result<ImportReport> {
        self.stage(progress)?;
        let Importer {
            conn,
            tz,
            batch_size,
            mut ids,
            entities,
            staging,
            mut report,
            ..
        } = self;
        if !entities.is_empty() {
            write_batch(conn, &mut ids, &entities, tz)?;
        }
        let mut batch = Vec::with_capacity(batch_size);
        let mut store = |batch: &mut Vec<Record>| -> anyhow::Result<()> {
            let outcome = write_batch(conn, &mut ids, batch, tz)?;
            batch.clear();
            report.stored += outcome.stored;
            report.duplicates += outcome.duplicates;
            progress(&report);
            Ok(())
        };
        staging.in_time_order(|change| {
            batch.push(Record::Event(change));
            if batch.len() >= batch_size {
                store(&mut batch)?;
            }
            Ok(())
        })?;
        if !batch.is_empty() {
            store(&mut batch)?;
        }
        Ok(report)
    }

    /// Imports one file; `progress` is called after every batch.
    pub fn file(
        &mut self,
        path: &Path,
        progress: &mut dyn FnMut(&ImportReport),
    ) -> anyhow::Result<()> {
        let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
        let mut reader = BufReader::with_capacity(1 << 16, file);
        let first =
            first_byte(&mut reader).with_context(|| format!("cannot read {}", path.display()))?;
        match first {
            Some(b'[') => self.history(reader, progress).with_context(|| {
                format!("{} is not a Home Assistant history answer", path.display())
            })?,
            Some(_) => {
                for line in reader.lines() {
                    let line = line.with_context(|| format!("cannot read {}", path.display()))?;
                    if line.trim().is_empty() {
                        continue;
                    }
                    match eventstream_line(&line) {
                        Ok(Some((change, info))) => {
                            self.entity(info);
                            self.change(change, progress)?;
                        }
                        Ok(None) => {}
                        Err(_) => self.report.malformed += 1,
                    }
                }
                self.stage(progress)?;
            }
            None => {}
        }
        self.report.files += 1;
        Ok(())
    }

    /// Imports one history answer (from a file or from Home Assistant).
    pub fn history(
        &mut self,
        reader: impl std::io::Read,
        progress: &mut dyn FnMut(&ImportReport),
    ) -> anyhow::Result<()> {
        let mut failure = None;
        let stats = history::read(reader, |item| {
            if failure.is_some() {
                return;
            }
            let result = match item {
                history::HistoryItem::Entity(info) => {
                    self.entity(info);
                    Ok(())
                }
                history::HistoryItem::Change(change) => self.change(change, progress),
            };
            if let Err(e) = result {
                failure = Some(e);
            }
        })?;
        self.report.malformed += stats.skipped;
        if let Some(e) = failure {
            return Err(e);
        }
        self.stage(progress)?;
        Ok(())
    }

    fn entity(&mut self, info: EntityInfo) {
        if self.filter.accepts(&info.entity_id) && self.seen_entities.insert(info.entity_id.clone())
        {
            self.entities.push(Record::Entity(info));
        }
    }

    /// Who caused the changes about to be read (Home Assistant's logbook
    /// for the same period): a history without context then still tells an
    /// automation's work from a person's.
    pub fn attribute(&mut self, origins: crate::ha::logbook::Origins) {
        self.origins = origins;
    }

    fn change(
        &mut self,
        mut change: StateChange,
        progress: &mut dyn FnMut(&ImportReport),
    ) -> anyhow::Result<()> {
        self.report.read += 1;
        if let Some(origin) = self
            .origins
            .get(&change.entity_id, &change.state, change.at)
        {
            change.origin = origin;
        }
        if !self.filter.accepts(&change.entity_id) {
            self.report.filtered += 1;
            return Ok(());
        }
        self.pending.push(change);
        if self.pending.len() >= self.batch_size {
            self.stage(progress)?;
        }
        Ok(())
    }

    /// Moves the changes read so far to the staging file and reports.
    fn stage(&mut self, progress: &mut dyn FnMut(&ImportReport)) -> anyhow::Result<()> {
        if !self.pending.is_empty() {
            self.staging.add(&self.pending)?;
            self.pending.clear();
            progress(&self.report);
        }
        Ok(())
    }
}

fn first_byte(reader: &mut BufReader<File>) -> std::io::Result<Option<u8>> {
    loop {
        let buf = reader.fill_buf()?;
        if buf.is_empty() {
            return Ok(None);
        }
        match buf.iter().position(|b| !b.is_ascii_whitespace()) {
            Some(i) => {
                let b = buf[i];
                reader.consume(i);
                return Ok(Some(b));
            }
            None => {
                let n = buf.len();
                reader.consume(n);
            }
        }
    }
}

/// One eventstream line, bare or wrapped in a capture record.
fn eventstream_line(line: &str) -> Result<Option<(StateChange, EntityInfo)>, String> {
    #[derive(serde::Deserialize)]
    struct Wrapped<'a> {
        #[serde(borrow)]
        payload: Option<&'a serde_json::value::RawValue>,
        topic: Option<&'a str>,
    }
    let wrapped: Wrapped<'_> = serde_json::from_str(line).map_err(|e| e.to_string())?;
    match (wrapped.topic, wrapped.payload) {
        (Some(_), Some(payload)) if payload.get().starts_with('{') => {
            eventstream::decode(payload.get().as_bytes())
        }
        // A capture line of another topic (statestream …): not an event.
        (Some(_), _) => Ok(None),
        (None, _) => eventstream::decode(line.as_bytes()),
    }
}
