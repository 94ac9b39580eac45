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

pub mod digests;
pub mod events;
pub mod facts;
pub mod findings;
pub mod jobs;
mod migrations;
pub mod recorded;
pub mod staging;
pub mod suggestions;
pub mod window;

use std::path::{Path, PathBuf};
use std::time::Duration;

use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::{Connection, OpenFlags};

use crate::config::DatabaseConfig;

pub use migrations::SCHEMA_VERSION;

type Pool = r2d2::Pool<SqliteConnectionManager>;

/// Why the database could not be opened. All of these stay until someone
/// changes the file or the configuration, so `main` exits with EX_CONFIG
/// (78) on them and systemd does not restart habitd in a loop.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error(
        "cannot open {path}: the directory {} does not exist; create it or set database.path",
        .path.parent().map(|p| p.display().to_string()).unwrap_or_default()
    )]
    NoDirectory { path: PathBuf },
    #[error(
        "cannot open {path}: it is not a SQLite database (or it is damaged); move it away or set database.path"
    )]
    NotADatabase { path: PathBuf },
    #[error(
        "cannot write {path}: {why}; habitd needs to write its database and the files beside it"
    )]
    ReadOnly { path: PathBuf, why: String },
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

        let file = create_private(&path)?;
        // Two processes starting on a new database would both migrate it
        // (one failing with "table jobs already exists"): the first to hold
        // this lock migrates, the other then finds nothing to do. It is a
        // flock(2), independent of SQLite's own fcntl locks.
        file.lock().map_err(|e| OpenError::ReadOnly {
            path: path.clone(),
            why: format!("cannot lock it: {e}"),
        })?;
        let sqlite = |source| classify(&path, source);
        let mut conn = Connection::open(&path).map_err(sqlite)?;
        init_connection(&mut conn, pragmas).map_err(sqlite)?;
        migrations::apply(&mut conn, &path)?;
        drop(conn);
        drop(file);

        // The pool's connections never create the file: only the lines
        // above do, private to its owner. The pool opens connections in the
        // background as well; one that came after the file was removed (the
        // demo removes its database at the end) would otherwise make a new,
        // empty one.
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_URI
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let manager = SqliteConnectionManager::file(&path)
            .with_flags(flags)
            .with_init(move |c| init_connection(c, pragmas));
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

/// Opens the database file, creating it readable by its owner only (it holds
/// the home's history); SQLite gives its WAL the same mode.
fn create_private(path: &Path) -> Result<std::fs::File, OpenError> {
    use std::os::unix::fs::OpenOptionsExt;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
        && !dir.is_dir()
    {
        return Err(OpenError::NoDirectory {
            path: path.to_path_buf(),
        });
    }
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(path)
        .map_err(|e| OpenError::ReadOnly {
            path: path.to_path_buf(),
            why: match e.raw_os_error() {
                Some(30) => "the file system is read-only".to_owned(),
                Some(13) => "permission denied".to_owned(),
                _ => e.to_string(),
            },
        })
}

/// Names the cause of a failed open where SQLite's code says it.
fn classify(path: &Path, source: rusqlite::Error) -> OpenError {
    use rusqlite::ErrorCode;
    let path = path.to_path_buf();
    match source.sqlite_error_code() {
        Some(ErrorCode::NotADatabase) => OpenError::NotADatabase { path },
        Some(ErrorCode::ReadOnly) => OpenError::ReadOnly {
            path,
            why: "SQLite can only read it".to_owned(),
        },
        Some(ErrorCode::CannotOpen) => OpenError::ReadOnly {
            path,
            why: "SQLite cannot open it or create its WAL beside it".to_owned(),
        },
        _ => OpenError::Sqlite { path, source },
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
