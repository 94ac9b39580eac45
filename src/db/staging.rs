//! A throwaway SQLite file where `habitd import` and `habitd backfill`
//! collect state changes before storing them in time order.
//!
//! A history answer lists each entity's whole period in turn. Inserted as
//! read, every batch lands all over the time-keyed events table and rewrites
//! most of its pages: a million changes wrote 4.1 GB, which an SD card
//! feels. Appended here first (journal off: the file is disposable) and read
//! back sorted, they reach the events table the way live events do, in time
//! order. Input that is already in time order (an eventstream file) does
//! not come here: the importer stores it as it reads it, unless a line goes
//! back in time or the same import read a history answer first. The file
//! sits beside the database (`<database>.import.<pid>`) and is deleted when
//! the import ends, or at the start of a later one if a crash left it behind.

use std::path::{Path, PathBuf};

use anyhow::Context;
use jiff::Timestamp;
use rusqlite::{Connection, params};

use crate::model::{Origin, StateChange};

pub struct Staging {
    conn: Connection,
    path: PathBuf,
}

impl Staging {
    /// Creates the staging file for the database at `database`.
    pub fn create(database: &Path) -> anyhow::Result<Staging> {
        let path = path_for(database);
        remove(&path)?;
        let conn =
            Connection::open(&path).with_context(|| format!("cannot create {}", path.display()))?;
        conn.execute_batch(
            "PRAGMA journal_mode = OFF;
             PRAGMA synchronous = OFF;
             CREATE TABLE staged (
                 ts        INTEGER NOT NULL,
                 entity_id TEXT    NOT NULL,
                 state     TEXT    NOT NULL,
                 old_state TEXT,
                 origin    INTEGER NOT NULL
             ) STRICT;",
        )
        .with_context(|| format!("cannot set up {}", path.display()))?;
        Ok(Staging { conn, path })
    }

    /// Deletes the staging files of the database at `database` that
    /// crashed imports left behind: those whose process is gone. Another
    /// process's import (the daemon's first start, `habitd import` by hand)
    /// keeps its own.
    pub fn remove_leftover(database: &Path) -> anyhow::Result<()> {
        let (Some(dir), Some(name)) = (
            database.parent(),
            database.file_name().and_then(|n| n.to_str()),
        ) else {
            return Ok(());
        };
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        let prefix = format!("{name}.import");
        let Ok(entries) = std::fs::read_dir(dir) else {
            return Ok(());
        };
        for entry in entries.flatten() {
            let file = entry.file_name();
            let Some(rest) = file.to_str().and_then(|f| f.strip_prefix(&prefix)) else {
                continue;
            };
            // `<database>.import` is an older release's name.
            let gone = rest.is_empty()
                || rest
                    .strip_prefix('.')
                    .and_then(|pid| pid.parse::<u32>().ok())
                    .is_some_and(|pid| !Path::new(&format!("/proc/{pid}")).exists());
            if gone {
                remove(&entry.path())?;
            }
        }
        Ok(())
    }

    /// Appends `changes`.
    pub fn add(&mut self, changes: &[StateChange]) -> anyhow::Result<()> {
        let tx = self.conn.transaction()?;
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO staged (ts, entity_id, state, old_state, origin) \
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            for change in changes {
                insert.execute(params![
                    change.at.as_millisecond(),
                    change.entity_id,
                    change.state,
                    change.old_state,
                    change.origin.code()
                ])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Calls `each` with every change, oldest first; changes at the same
    /// millisecond keep the order they were added in.
    pub fn in_time_order(
        &self,
        mut each: impl FnMut(StateChange) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        let mut select = self.conn.prepare(
            "SELECT ts, entity_id, state, old_state, origin FROM staged ORDER BY ts, rowid",
        )?;
        let mut rows = select.query([])?;
        while let Some(row) = rows.next()? {
            let ts: i64 = row.get(0)?;
            let origin: i64 = row.get(4)?;
            each(StateChange {
                at: Timestamp::from_millisecond(ts)?,
                entity_id: row.get(1)?,
                state: row.get(2)?,
                old_state: row.get(3)?,
                origin: Origin::from_code(origin)
                    .with_context(|| format!("staged origin {origin} is not one habitd writes"))?,
            })?;
        }
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        // Unlinking an open file is fine on Unix: it goes when closed.
        if let Err(e) = remove(&self.path) {
            tracing::warn!(error = %e, "could not delete the import's staging file");
        }
    }
}

/// `<database>.import.<pid>`: one per process, so the daemon's first-start
/// backfill and an import by hand never share one.
pub(crate) fn path_for(database: &Path) -> PathBuf {
    let mut name = database.as_os_str().to_owned();
    name.push(format!(".import.{}", std::process::id()));
    PathBuf::from(name)
}

fn remove(path: &Path) -> anyhow::Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(e).with_context(|| format!("cannot delete {}", path.display()))
        }
        _ => Ok(()),
    }
}
