//! The `jobs` table: one row per analysis run.

use std::collections::BTreeMap;

use anyhow::Context;
use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::model::{JobState, JobStatus, Trigger};

/// Records a new job in state `queued` and returns its status.
pub fn insert_queued(
    conn: &Connection,
    trigger: Trigger,
    queued_at: Timestamp,
) -> anyhow::Result<JobStatus> {
    conn.execute(
        "INSERT INTO jobs (trigger, state, queued_at) VALUES (?1, ?2, ?3)",
        params![
            trigger.as_str(),
            JobState::Queued.as_str(),
            queued_at.as_millisecond()
        ],
    )
    .context("while recording a new job")?;
    Ok(JobStatus::queued(
        conn.last_insert_rowid(),
        trigger,
        queued_at,
    ))
}

/// Writes a job's whole status over its row.
pub fn update(conn: &Connection, status: &JobStatus) -> anyhow::Result<()> {
    let changed = conn
        .prepare_cached(
            "UPDATE jobs SET state = ?2, phase = ?3, progress = ?4, started_at = ?5,
                             finished_at = ?6, phase_durations = ?7, counts = ?8, error = ?9
             WHERE id = ?1",
        )?
        .execute(params![
            status.job_id,
            status.state.as_str(),
            status.phase.map(|p| p.as_str()),
            status.progress,
            status.started_at.map(Timestamp::as_millisecond),
            status.finished_at.map(Timestamp::as_millisecond),
            serde_json::to_string(&status.phase_durations_ms)?,
            serde_json::to_string(&status.counts)?,
            status.error,
        ])
        .with_context(|| format!("while updating job {}", status.job_id))?;
    anyhow::ensure!(changed == 1, "job {} is not in the database", status.job_id);
    Ok(())
}

/// Marks every unfinished job except `except` as failed with `reason`, and
/// returns how many there were. Used when no job can be running (at start,
/// or while holding the job lock), so an unfinished row is a crash's leftover.
pub fn fail_unfinished(
    conn: &Connection,
    reason: &str,
    now: Timestamp,
    except: Option<i64>,
) -> anyhow::Result<usize> {
    conn.execute(
        "UPDATE jobs SET state = ?4, error = ?1, finished_at = ?2
         WHERE state IN (?5, ?6) AND id IS NOT ?3",
        params![
            reason,
            now.as_millisecond(),
            except,
            JobState::Failed.as_str(),
            JobState::Queued.as_str(),
            JobState::Running.as_str()
        ],
    )
    .context("while marking interrupted jobs as failed")
}

/// The newest job, if any.
pub fn latest(conn: &Connection) -> anyhow::Result<Option<JobStatus>> {
    conn.query_row(&format!("{SELECT} ORDER BY id DESC LIMIT 1"), [], from_row)
        .optional()?
        .transpose()
}

/// The newest `limit` jobs, newest first.
pub fn recent(conn: &Connection, limit: u32) -> anyhow::Result<Vec<JobStatus>> {
    let mut stmt = conn.prepare(&format!("{SELECT} ORDER BY id DESC LIMIT ?1"))?;
    let rows = stmt.query_map([limit], from_row)?;
    rows.map(|row| row?).collect()
}

/// One job by id.
pub fn get(conn: &Connection, id: i64) -> anyhow::Result<Option<JobStatus>> {
    conn.query_row(&format!("{SELECT} WHERE id = ?1"), [id], from_row)
        .optional()?
        .transpose()
}

const SELECT: &str = "SELECT id, trigger, state, phase, progress, queued_at, started_at, \
                      finished_at, phase_durations, counts, error FROM jobs";

/// Reads a row; the outer `Result` is SQLite's, the inner one is about what
/// the row says (a damaged or newer database), with the job's id in context.
fn from_row(row: &Row<'_>) -> rusqlite::Result<anyhow::Result<JobStatus>> {
    let id: i64 = row.get(0)?;
    let trigger: String = row.get(1)?;
    let state: String = row.get(2)?;
    let phase: Option<String> = row.get(3)?;
    let progress: u8 = row.get(4)?;
    let queued_at: i64 = row.get(5)?;
    let started_at: Option<i64> = row.get(6)?;
    let finished_at: Option<i64> = row.get(7)?;
    let durations: String = row.get(8)?;
    let counts: String = row.get(9)?;
    let error: Option<String> = row.get(10)?;
    let parse = || -> anyhow::Result<JobStatus> {
        Ok(JobStatus {
            job_id: id,
            trigger: trigger.parse()?,
            state: state.parse()?,
            phase: phase.as_deref().map(str::parse).transpose()?,
            progress,
            queued_at: Timestamp::from_millisecond(queued_at)?,
            started_at: started_at.map(Timestamp::from_millisecond).transpose()?,
            finished_at: finished_at.map(Timestamp::from_millisecond).transpose()?,
            phase_durations_ms: serde_json::from_str(&durations)?,
            counts: serde_json::from_str::<BTreeMap<String, u64>>(&counts)?,
            error,
        })
    };
    Ok(parse().with_context(|| format!("job {id} in the database is unreadable")))
}
