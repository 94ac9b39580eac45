//! `habitd import FILE…`: history files into the database, idempotently.
//!
//! Two formats, told apart by their first character: Home Assistant's history
//! answer (`[[…]]`, full or `minimal_response`, as saved from
//! `GET /api/history/period`) and eventstream JSON lines (one
//! `{"event_type": …}` per line, as `mosquitto_sub -t ha_events` prints them,
//! or a capture wrapping each in `{"payload": …}`). Both stream: memory does
//! not grow with the file.
//!
//! Changes must reach the time-keyed events table in time order (see
//! `db::staging` for why). As long as eventstream lines come in time order
//! (they do), each change is stored as it is read, in transactions of
//! `batch` changes, with nothing held or sorted. From the first change that
//! goes back in time, and for every history answer (it lists one entity
//! after another), the rest is collected in a staging file and stored in
//! time order at the end ([`Importer::finish`]). (Leaving out what is
//! stored while reading such input was tried: a point lookup per change,
//! all over the events table, made re-importing a 1M history 2.7× slower
//! than staging it and storing it in order.) Either way each line is
//! parsed once into data borrowed from it (an eventstream file is read a
//! chunk at a time, its lines decoded where they were read, on a thread of
//! their own that hands the importer each event's few strings while it
//! stores the ones before), and an event already stored is never written
//! again, so importing a file twice, or one that overlaps
//! live data, adds nothing twice. The database ends up the same as if every
//! change had been staged ([`Importer::stage_everything`], which the tests
//! compare against).

use std::borrow::Cow;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::mpsc::SyncSender;

use anyhow::Context;
use jiff::Timestamp;
use rusqlite::Connection;
use rustc_hash::FxHashMap;

use super::{Filter, Record};
use crate::db::events::{Appender, EntityIds, NewEvent, write_batch_shared};
use crate::db::staging::Staging;
use crate::ha::{eventstream, history};
use crate::model::{EntityInfo, Origin, StateChange};

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
    /// Of those read, how many went through the staging file (input out of
    /// time order).
    pub staged: u64,
}

/// What an import knows of an entity it has read.
#[derive(Debug, Clone, Copy)]
struct Known {
    accepted: bool,
    seen: bool,
}

/// Imports into `conn`, calling `progress` with the running report now and
/// then. Input in time order is stored as it is read; the rest is stored by
/// [`Importer::finish`].
pub struct Importer<'a> {
    conn: &'a Connection,
    filter: &'a Filter,
    batch_size: usize,
    database: PathBuf,
    /// Stores changes as they are read while they come in time order.
    appender: Appender<'a>,
    /// Whether everything so far came in time order (and fast paths are on).
    in_order: bool,
    /// The time of the last change stored as it was read.
    last: Option<Timestamp>,
    /// Per entity read: the filter's answer, and whether its name and
    /// attributes were taken (once, the first time it is read). One map,
    /// looked up twice per change: it was three before.
    known: FxHashMap<String, Known>,
    /// Entity names and areas read once staging began, stored before the
    /// staged changes.
    entities: Vec<Record>,
    /// Changes read and not yet staged.
    pending: Vec<StateChange>,
    /// Created when the first change has to be staged.
    staging: Option<Staging>,
    report: ImportReport,
    /// Who caused the changes, when a logbook said (backfill).
    origins: crate::ha::logbook::Origins,
}

/// The batch size of an import or backfill: `ingest.batch_size`, at least
/// 5,000 (a history is stored in far fewer, larger transactions than live
/// events).
pub fn batch_size(ingest: &crate::config::IngestConfig) -> usize {
    ingest.batch_size.max(5000)
}

impl<'a> Importer<'a> {
    pub fn new(
        conn: &'a mut Connection,
        filter: &'a Filter,
        batch_size: usize,
    ) -> anyhow::Result<Self> {
        let database = conn
            .path()
            .filter(|p| !p.is_empty())
            .map(PathBuf::from)
            .context("import needs a database file")?;
        // A staging file a crash left behind.
        Staging::remove_leftover(&database)?;
        let conn: &'a Connection = conn;
        Ok(Importer {
            conn,
            filter,
            batch_size,
            database,
            appender: Appender::new(conn, EntityIds::new(), batch_size)?,
            in_order: true,
            last: None,
            known: FxHashMap::default(),
            entities: Vec::new(),
            pending: Vec::with_capacity(batch_size),
            staging: None,
            report: ImportReport::default(),
            origins: Default::default(),
        })
    }

    /// Takes no fast path: every change is staged and stored in time order
    /// by [`Importer::finish`], duplicates included, as habitd did before
    /// the fast paths. The database ends up the same; tests and benchmarks
    /// compare the two. Call it before reading anything.
    pub fn stage_everything(&mut self) {
        self.in_order = false;
    }

    /// Stores everything read, oldest first, and returns the report.
    pub fn finish(
        mut self,
        progress: &mut dyn FnMut(&ImportReport),
    ) -> anyhow::Result<ImportReport> {
        self.appender.commit()?;
        self.stage(progress)?;
        let entities = std::mem::take(&mut self.entities);
        if !entities.is_empty() {
            write_batch_shared(self.conn, self.appender.ids(), &entities)?;
        }
        let Some(staging) = self.staging.take() else {
            progress(&self.report);
            return Ok(self.report);
        };
        let mut batch = Vec::with_capacity(self.batch_size);
        let (conn, ids, report, batch_size) = (
            self.conn,
            self.appender.ids(),
            &mut self.report,
            self.batch_size,
        );
        let mut store = |batch: &mut Vec<Record>| -> anyhow::Result<()> {
            let outcome = write_batch_shared(conn, ids, batch)?;
            batch.clear();
            report.stored += outcome.stored;
            report.duplicates += outcome.duplicates;
            progress(report);
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
        Ok(self.report)
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
                // Lines are decoded on a thread of their own while this one
                // stores what they hold: the two take about as long.
                std::thread::scope(|scope| -> anyhow::Result<()> {
                    let (tx, rx) = std::sync::mpsc::sync_channel(DECODED_AHEAD);
                    std::thread::Builder::new()
                        .name("import-decode".into())
                        .spawn_scoped(scope, move || decode_lines(reader, path, &tx))
                        .context("cannot start the import's decoding thread")?;
                    for decoded in rx {
                        let decoded = decoded?;
                        self.report.malformed += decoded.malformed;
                        for i in 0..decoded.events.len() {
                            let event = decoded.event(i).context("a decoded line was lost")?;
                            self.eventstream(&event, progress)?;
                        }
                    }
                    Ok(())
                })?;
                // The database's write lock is not held past a file (a
                // daemon may be writing too).
                self.appender.commit()?;
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
        // A history answer lists one entity after another, so it is out of
        // time order unless it holds one entity; storing its first entity as
        // read would only scatter keys that the staged rest then has to be
        // inserted between (1M changes took 20-30 % longer that way).
        if self.in_order {
            self.appender.commit()?;
            self.in_order = false;
        }
        let mut failure = None;
        let stats = history::read(reader, |item| {
            if failure.is_some() {
                return;
            }
            let result = match item {
                history::HistoryItem::Entity(info) => self.entity(info),
                history::HistoryItem::Change(change) => {
                    self.change(NewEvent::from(&change), progress)
                }
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

    /// Who caused the changes about to be read (Home Assistant's logbook
    /// for the same period): a history without context then still tells an
    /// automation's work from a person's.
    pub fn attribute(&mut self, origins: crate::ha::logbook::Origins) {
        self.origins = origins;
    }

    /// The filter's answer for `entity_id`, asked once per entity.
    fn accepts(&mut self, entity_id: &str) -> bool {
        if let Some(known) = self.known.get(entity_id) {
            return known.accepted;
        }
        let accepted = self.filter.accepts(entity_id);
        self.known.insert(
            entity_id.to_owned(),
            Known {
                accepted,
                seen: false,
            },
        );
        accepted
    }

    fn eventstream(
        &mut self,
        event: &eventstream::Event<'_>,
        progress: &mut dyn FnMut(&ImportReport),
    ) -> anyhow::Result<()> {
        if self
            .known
            .get(&*event.entity_id)
            .is_none_or(|known| known.accepted && !known.seen)
        {
            self.entity(event.info())?;
        }
        self.change(event.into(), progress)
    }

    fn entity(&mut self, info: EntityInfo) -> anyhow::Result<()> {
        if !self.accepts(&info.entity_id) {
            return Ok(());
        }
        match self.known.get_mut(&info.entity_id) {
            Some(known) if !known.seen => known.seen = true,
            _ => return Ok(()),
        }
        if self.in_order {
            self.appender.entity(&info)?;
        } else {
            self.entities.push(Record::Entity(info));
        }
        Ok(())
    }

    fn change(
        &mut self,
        mut event: NewEvent<'_>,
        progress: &mut dyn FnMut(&ImportReport),
    ) -> anyhow::Result<()> {
        self.report.read += 1;
        if !self.origins.is_empty()
            && let Some(origin) = self.origins.get(event.entity_id, event.state, event.at)
        {
            event.origin = origin;
        }
        if !self.accepts(event.entity_id) {
            self.report.filtered += 1;
            return Ok(());
        }
        if self.in_order {
            if self.last.is_none_or(|last| last <= event.at) {
                self.last = Some(event.at);
                if self.appender.event(&event)? {
                    self.report.stored += 1;
                } else {
                    self.report.duplicates += 1;
                }
                if self.appender.is_full() {
                    self.appender.commit()?;
                    progress(&self.report);
                }
                return Ok(());
            }
            // Back in time: what was stored so far stays, the rest is
            // staged.
            self.appender.commit()?;
            self.in_order = false;
        }
        self.report.staged += 1;
        self.pending.push(event.to_change());
        if self.pending.len() >= self.batch_size {
            self.stage(progress)?;
        }
        Ok(())
    }

    /// Moves the changes read so far to the staging file and reports.
    fn stage(&mut self, progress: &mut dyn FnMut(&ImportReport)) -> anyhow::Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        if self.staging.is_none() {
            self.staging = Some(Staging::create(&self.database)?);
        }
        if let Some(staging) = &mut self.staging {
            staging.add(&self.pending)?;
        }
        self.pending.clear();
        progress(&self.report);
        Ok(())
    }
}

impl Drop for Importer<'_> {
    /// An import that failed leaves no transaction open on the connection
    /// (it goes back to a pool).
    fn drop(&mut self) {
        self.appender.rollback();
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

/// One line of an eventstream file, without its line break and the
/// whitespace around it: text, or bytes when it is not UTF-8 (decoded from
/// the bytes; counted malformed when that fails too).
enum Line<'a> {
    Text(&'a str),
    Bytes(&'a [u8]),
}

/// How much of a file is read at once: large enough that a read and a line
/// copy per line are gone, small enough to stay in a core's cache while
/// its lines are checked, split and parsed.
const CHUNK: usize = 256 * 1024;

/// Calls `each` with every non-blank line of `reader` (the file at `path`). Lines are parsed
/// where they were read, a chunk at a time: a chunk's whole lines are
/// checked as UTF-8 at once and split there (copying each line out of a
/// `BufReader` first was a tenth of an import), and only the unfinished
/// line at a chunk's end is moved.
fn lines(
    mut reader: impl Read,
    path: &Path,
    mut each: impl FnMut(Line<'_>) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let mut buf = vec![0; CHUNK];
    // buf[..filled] has been read; buf[..whole] of it are whole lines.
    let mut filled = 0;
    loop {
        let mut end_of_file = false;
        while filled < buf.len() {
            match reader.read(&mut buf[filled..]) {
                Ok(0) => {
                    end_of_file = true;
                    break;
                }
                Ok(n) => filled += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => {
                    return Err(e).with_context(|| format!("cannot read {}", path.display()));
                }
            }
        }
        let whole = if end_of_file {
            filled
        } else {
            match buf[..filled].iter().rposition(|&b| b == b'\n') {
                Some(i) => i + 1,
                None => {
                    // A line longer than the buffer: read on until it ends.
                    buf.resize(buf.len() * 2, 0);
                    continue;
                }
            }
        };
        match std::str::from_utf8(&buf[..whole]) {
            Ok(text) => {
                for line in text.split('\n') {
                    let line = line.trim_ascii();
                    if !line.is_empty() {
                        each(Line::Text(line))?;
                    }
                }
            }
            Err(_) => {
                for line in buf[..whole].split(|&b| b == b'\n') {
                    let line = line.trim_ascii();
                    if !line.is_empty() {
                        each(match std::str::from_utf8(line) {
                            Ok(text) => Line::Text(text),
                            Err(_) => Line::Bytes(line),
                        })?;
                    }
                }
            }
        }
        if end_of_file {
            return Ok(());
        }
        buf.copy_within(whole..filled, 0);
        filled -= whole;
    }
}

/// Events a batch of decoded lines holds.
const DECODED_BATCH: usize = 1024;

/// Batches decoded ahead of the one being stored, at most.
const DECODED_AHEAD: usize = 4;

/// Lines decoded by [`decode_lines`], sent to the thread that stores them:
/// the strings of their events (copied out of the lines, a few dozen bytes
/// an event) and where each is.
struct Decoded {
    text: String,
    events: Vec<DecodedEvent>,
    /// Lines that could not be read.
    malformed: u64,
}

struct DecodedEvent {
    at: Timestamp,
    origin: Origin,
    entity_id: Range<usize>,
    state: Range<usize>,
    old_state: Option<Range<usize>>,
    friendly_name: Option<Range<usize>>,
    device_class: Option<Range<usize>>,
    unit: Option<Range<usize>>,
}

impl Decoded {
    fn new() -> Decoded {
        Decoded {
            text: String::with_capacity(DECODED_BATCH * 32),
            events: Vec::with_capacity(DECODED_BATCH),
            malformed: 0,
        }
    }

    fn add(&mut self, event: &eventstream::Event<'_>) {
        let mut put = |s: &str| {
            let start = self.text.len();
            self.text.push_str(s);
            start..self.text.len()
        };
        let decoded = DecodedEvent {
            at: event.at,
            origin: event.origin,
            entity_id: put(&event.entity_id),
            state: put(&event.state),
            old_state: event.old_state.as_deref().map(&mut put),
            friendly_name: event.friendly_name.as_deref().map(&mut put),
            device_class: event.device_class.as_deref().map(&mut put),
            unit: event.unit.as_deref().map(&mut put),
        };
        self.events.push(decoded);
    }

    /// The `i`th event, borrowing from the batch.
    fn event(&self, i: usize) -> Option<eventstream::Event<'_>> {
        let text = |range: &Range<usize>| self.text.get(range.clone()).map(Cow::Borrowed);
        let optional = |range: &Option<Range<usize>>| match range {
            Some(range) => text(range).map(Some),
            None => Some(None),
        };
        let e = self.events.get(i)?;
        Some(eventstream::Event {
            entity_id: text(&e.entity_id)?,
            at: e.at,
            state: text(&e.state)?,
            old_state: optional(&e.old_state)?,
            origin: e.origin,
            friendly_name: optional(&e.friendly_name)?,
            device_class: optional(&e.device_class)?,
            unit: optional(&e.unit)?,
        })
    }
}

/// Decodes the eventstream lines of `reader` (the file at `path`) and
/// sends them on in batches, then the last batch or why reading failed.
/// Stops when nobody receives any more (the import failed).
fn decode_lines(reader: impl Read, path: &Path, tx: &SyncSender<anyhow::Result<Decoded>>) {
    let mut decoded = Decoded::new();
    let read = lines(reader, path, |line| {
        let event = match line {
            Line::Text(text) => eventstream::decode_line_str(text),
            Line::Bytes(bytes) => eventstream::decode_line(bytes),
        };
        match event {
            Ok(Some(event)) => decoded.add(&event),
            Ok(None) => {}
            Err(_) => decoded.malformed += 1,
        }
        if decoded.events.len() >= DECODED_BATCH {
            let full = std::mem::replace(&mut decoded, Decoded::new());
            tx.send(Ok(full))
                .map_err(|_| anyhow::anyhow!("the import stopped"))?;
        }
        Ok(())
    });
    // Nobody to tell if the import stopped.
    let _ = tx.send(read.map(|()| decoded));
}
