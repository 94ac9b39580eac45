//! The job lock: one analysis at a time per database, across processes.
//!
//! The daemon and a `habitd analyze` run by hand may share a database. An
//! advisory lock on a file beside it (`<database>.job.lock`) makes the second
//! job wait, in state `queued`, instead of running alongside the first. The
//! operating system drops the lock when its holder dies, so a crash can never
//! leave it held, and whoever holds it knows that any job still marked as
//! running in the database is a crash's leftover.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use tokio_util::sync::CancellationToken;

/// Held while a job runs; dropping it releases the lock.
#[derive(Debug)]
pub struct JobLock {
    _file: File,
}

/// The lock file that belongs to a database file.
pub fn path_for(database: &Path) -> PathBuf {
    let mut name = database.as_os_str().to_owned();
    name.push(".job.lock");
    PathBuf::from(name)
}

impl JobLock {
    /// Takes the lock if it is free.
    pub fn try_acquire(path: &Path) -> anyhow::Result<Option<JobLock>> {
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(path)
            .with_context(|| format!("while opening the job lock {}", path.display()))?;
        match file.try_lock() {
            Ok(()) => Ok(Some(JobLock { _file: file })),
            Err(TryLockError::WouldBlock) => Ok(None),
            Err(TryLockError::Error(e)) => {
                Err(e).with_context(|| format!("while locking {}", path.display()))
            }
        }
    }

    /// Waits for the lock, or returns `None` when `cancel` fires first.
    ///
    /// It retries rather than blocking a thread in `flock`, so that a
    /// shutdown is never stuck behind another process's long job. Contention
    /// is rare (a manual run during the daily one), so the retry costs nothing.
    pub async fn acquire(
        path: &Path,
        cancel: &CancellationToken,
    ) -> anyhow::Result<Option<JobLock>> {
        loop {
            if let Some(lock) = Self::try_acquire(path)? {
                return Ok(Some(lock));
            }
            tokio::select! {
                () = cancel.cancelled() => return Ok(None),
                () = tokio::time::sleep(Duration::from_millis(500)) => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_holder_waits_until_the_first_lets_go() {
        let dir = tempfile::tempdir().unwrap();
        let path = path_for(&dir.path().join("habitd.db"));
        assert!(path.ends_with("habitd.db.job.lock"));
        let first = JobLock::try_acquire(&path).unwrap();
        assert!(first.is_some());
        assert!(JobLock::try_acquire(&path).unwrap().is_none());
        drop(first);
        assert!(JobLock::try_acquire(&path).unwrap().is_some());
    }
}
