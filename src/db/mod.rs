//! The SQLite database: opening it, migrating it, and running work on it.
//!
//! Only this module and its children contain SQL. A [`Db`] is a cheap handle
//! to an r2d2 pool whose every connection is set up by [`init_connection`]
//! (WAL, `synchronous=NORMAL`, busy timeout, foreign keys, in-memory temp
//! tables, a sized page cache), because most of those pragmas are per
//! connection and a pool hands out several. The schema is migrated on one
//! connection before the pool exists, so nothing can read a half-migrated
//! database. All work goes through [`Db::run`], which moves it to tokio's
//! blocking pool: SQLite calls block, and the async threads must not.

pub mod events;
pub mod facts;
pub mod findings;
pub mod jobs;
mod migrations;
pub mod staging;
pub mod suggestions;
pub mod window;

use std::path::{Path, PathBuf};
use std::time::Duration;

use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::Connection;

use crate::config::DatabaseConfig;

pub use migrations::SCHEMA_VERSION;

type Pool = r2d2::Pool<SqliteConnectionManager>;

/// Why the database could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error(
        "{path} has schema version {found}, but this habitd knows only up to {known}: \
         it was written by a newer habitd. Upgrade habitd, or point database.path at another file."
    )]
    TooNew {
        path: PathBuf,
        found: usize,
        known: usize,
    },
    #[error("cannot open {path}: {source}")]
    Sqlite {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("cannot migrate {path}: {source}")]
    Migration {
        path: PathBuf,
        source: rusqlite_migration::Error,
    },
    #[error("cannot create the connection pool for {path}: {source}")]
    Pool { path: PathBuf, source: r2d2::Error },
}

/// A handle to habitd's database. Clones share one pool.
#[derive(Clone, Debug)]
pub struct Db {
    pool: Pool,
    path: PathBuf,
}

/// Per-connection settings, applied to every connection the pool creates.
#[derive(Clone, Copy, Debug)]
struct Pragmas {
    busy_timeout: Duration,
    cache_size_kib: u32,
}

impl Db {
    /// [`Db::open`] on the blocking pool, for async callers.
    pub async fn open_async(config: &DatabaseConfig) -> anyhow::Result<Db> {
        use anyhow::Context;
        let config = config.clone();
        tokio::task::spawn_blocking(move || Db::open(&config))
            .await
            .context("while opening the database")?
            .context("while opening the database")
    }

    /// Opens (creating if needed) and migrates the database, then builds the
    /// pool. Blocking: call it before serving, or from [`tokio::task::spawn_blocking`].
    pub fn open(config: &DatabaseConfig) -> Result<Db, OpenError> {
        let path = config.path.clone();
        let pragmas = Pragmas {
            busy_timeout: config.busy_timeout,
            cache_size_kib: config.cache_size_kib,
        };

        let mut conn = Connection::open(&path).map_err(|source| OpenError::Sqlite {
            path: path.clone(),
            source,
        })?;
        init_connection(&mut conn, pragmas).map_err(|source| OpenError::Sqlite {
            path: path.clone(),
            source,
        })?;
        migrations::apply(&mut conn, &path)?;
        drop(conn);

        let manager =
            SqliteConnectionManager::file(&path).with_init(move |c| init_connection(c, pragmas));
        let pool = r2d2::Pool::builder()
            .max_size(config.pool_size)
            // Open connections as they are needed rather than all at start:
            // a small board should not hold idle page caches.
            .min_idle(Some(1))
            .connection_timeout(config.busy_timeout.max(Duration::from_secs(1)))
            .build(manager)
            .map_err(|source| OpenError::Pool {
                path: path.clone(),
                source,
            })?;
        Ok(Db { pool, path })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `work` with a pooled connection on the blocking thread pool.
    ///
    /// A panic inside `work` is resumed in the caller, as if the work had run
    /// inline, rather than turned into an error that hides a bug.
    pub async fn run<T, F>(&self, work: F) -> anyhow::Result<T>
    where
        F: FnOnce(&mut Connection) -> anyhow::Result<T> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        let joined = tokio::task::spawn_blocking(move || {
            let mut conn = pool.get()?;
            work(&mut conn)
        })
        .await;
        match joined {
            Ok(result) => result,
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(e) => Err(anyhow::anyhow!("database task was cancelled: {e}")),
        }
    }

    /// A pooled connection for blocking code that already runs off the async
    /// threads (tests, CLI commands, [`Db::run`] itself).
    pub fn get(&self) -> Result<r2d2::PooledConnection<SqliteConnectionManager>, r2d2::Error> {
        self.pool.get()
    }
}

/// Applies habitd's pragmas to one connection.
fn init_connection(conn: &mut Connection, pragmas: Pragmas) -> rusqlite::Result<()> {
    // journal_mode answers with the mode in force; it is stored in the file,
    // so this is a no-op after the first connection, but it costs nothing.
    let _mode: String =
        conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.busy_timeout(pragmas.busy_timeout)?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    // A negative cache_size is in KiB rather than pages.
    conn.pragma_update(None, "cache_size", -i64::from(pragmas.cache_size_kib))?;
    Ok(())
}

#[cfg(test)]
mod tests;
