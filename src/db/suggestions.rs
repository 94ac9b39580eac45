//! The `suggestions` table and its lifecycle.
//!
//! `new` → `approved` → `deployed`, or `rejected` (never offered again) /
//! `dismissed` (not now). A suggestion whose finding has not been seen for
//! `suggestions.expire_after` becomes `expired`; if its pattern comes back it
//! is `new` again. Finding a suggestion again never changes what the user
//! decided about it.

use anyhow::{Context, bail};
use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::Serialize;
use serde_json::Value;

use crate::analysis::Findings;

/// A suggestion as this run produced it: the draft, its automation rendered
/// for the Home Assistant in use, and who worded it.
#[derive(Debug, Clone, PartialEq)]
pub struct Fresh {
    pub draft: crate::suggest::Draft,
    pub automation: Option<Value>,
    pub automation_yaml: Option<String>,
    pub worded_by: String,
}

/// A stored suggestion, as the CLI and MQTT show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Suggestion {
    pub id: String,
    pub status: String,
    pub kind: String,
    pub title: String,
    pub description: String,
    pub confidence: f64,
    pub evidence: Value,
    /// The Home Assistant automation, as a JSON object (`null` for advice).
    pub automation: Value,
    pub automation_yaml: Option<String>,
    pub worded_by: String,
    pub finding_id: String,
    pub first_seen_at: String,
    pub last_seen_at: String,
    pub deployed_at: Option<String>,
    pub error: Option<String>,
}

/// What a run's storage did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Stored {
    pub findings: usize,
    pub suggestions: usize,
    pub expired: usize,
}

/// Writes a run's findings and suggestions and expires stale ones, in one
/// transaction with prepared statements: a failure leaves the previous
/// results intact.
pub fn store_run(
    conn: &mut Connection,
    job_id: i64,
    findings: &Findings,
    fresh: &[Fresh],
    expire_before: Timestamp,
) -> anyhow::Result<Stored> {
    let now = Timestamp::now().as_millisecond();
    let tx = conn.transaction()?;
    let findings = super::findings::replace_in(&tx, job_id, findings)?;
    {
        let mut upsert = tx.prepare_cached(
            "INSERT INTO suggestions (id, finding_id, kind, title, description, confidence, evidence, automation, \
                                      automation_yaml, worded_by, first_seen_at, last_seen_at, updated_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11, ?11) \
             ON CONFLICT (id) DO UPDATE SET \
                title = excluded.title, description = excluded.description, confidence = excluded.confidence, \
                evidence = excluded.evidence, automation = excluded.automation, \
                automation_yaml = excluded.automation_yaml, worded_by = excluded.worded_by, \
                last_seen_at = excluded.last_seen_at, updated_at = excluded.updated_at, \
                status = CASE status WHEN 'expired' THEN 'new' ELSE status END",
        )?;
        for s in fresh {
            let d = &s.draft;
            upsert.execute(params![
                d.id,
                d.finding_id,
                d.kind,
                d.title,
                d.description,
                d.confidence,
                serde_json::to_string(&d.evidence)?,
                s.automation
                    .as_ref()
                    .map(serde_json::to_string)
                    .transpose()?,
                s.automation_yaml,
                s.worded_by,
                now
            ])?;
        }
    }
    let expired = tx.execute(
        "UPDATE suggestions SET status = 'expired', updated_at = ?2 \
         WHERE status IN ('new', 'approved', 'dismissed') AND last_seen_at < ?1",
        params![expire_before.as_millisecond(), now],
    )?;
    tx.commit().context("while storing suggestions")?;
    Ok(Stored {
        findings,
        suggestions: fresh.len(),
        expired,
    })
}

const SELECT: &str = "SELECT id, status, kind, title, description, confidence, evidence, automation, automation_yaml, \
                      worded_by, finding_id, first_seen_at, last_seen_at, deployed_at, error FROM suggestions";

fn time(ms: i64) -> String {
    Timestamp::from_millisecond(ms)
        .map(|t| t.to_string())
        .unwrap_or_default()
}

fn from_row(row: &Row<'_>) -> rusqlite::Result<Suggestion> {
    let json = |i: usize| -> rusqlite::Result<Value> {
        let text: Option<String> = row.get(i)?;
        Ok(text
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or(Value::Null))
    };
    Ok(Suggestion {
        id: row.get(0)?,
        status: row.get(1)?,
        kind: row.get(2)?,
        title: row.get(3)?,
        description: row.get(4)?,
        confidence: row.get(5)?,
        evidence: json(6)?,
        automation: json(7)?,
        automation_yaml: row.get(8)?,
        worded_by: row.get(9)?,
        finding_id: row.get(10)?,
        first_seen_at: time(row.get(11)?),
        last_seen_at: time(row.get(12)?),
        deployed_at: row.get::<_, Option<i64>>(13)?.map(time),
        error: row.get(14)?,
    })
}

/// Suggestions, most confident first; `status` filters.
pub fn list(conn: &Connection, status: Option<&str>) -> anyhow::Result<Vec<Suggestion>> {
    let mut stmt = conn.prepare(&format!(
        "{SELECT} WHERE ?1 IS NULL OR status = ?1 ORDER BY confidence DESC, id"
    ))?;
    let rows = stmt.query_map([status], from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn get(conn: &Connection, id: &str) -> anyhow::Result<Option<Suggestion>> {
    Ok(conn
        .query_row(&format!("{SELECT} WHERE id = ?1"), [id], from_row)
        .optional()?)
}

/// What a user can do to a suggestion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Approve,
    Reject,
    Dismiss,
}

impl Decision {
    fn target(self) -> &'static str {
        match self {
            Decision::Approve => "approved",
            Decision::Reject => "rejected",
            Decision::Dismiss => "dismissed",
        }
    }

    fn allowed_from(self) -> &'static [&'static str] {
        match self {
            Decision::Approve => &["new", "dismissed", "expired", "approved"],
            Decision::Reject => &["new", "approved", "dismissed", "expired", "rejected"],
            Decision::Dismiss => &["new", "approved", "dismissed"],
        }
    }
}

/// Applies a user's decision; errors name the suggestion and why not.
pub fn decide(conn: &Connection, id: &str, decision: Decision) -> anyhow::Result<Suggestion> {
    let Some(current) = get(conn, id)? else {
        bail!("no suggestion {id:?}");
    };
    if !decision.allowed_from().contains(&current.status.as_str()) {
        bail!(
            "suggestion {id} is {}; it cannot become {}",
            current.status,
            decision.target()
        );
    }
    conn.execute(
        "UPDATE suggestions SET status = ?2, updated_at = ?3 WHERE id = ?1",
        params![id, decision.target(), Timestamp::now().as_millisecond()],
    )?;
    get(conn, id)?.context("suggestion vanished")
}

/// Records a deployment (or its failure) on a suggestion.
pub fn record_deploy(conn: &Connection, id: &str, result: Result<(), &str>) -> anyhow::Result<()> {
    let now = Timestamp::now().as_millisecond();
    match result {
        Ok(()) => conn.execute(
            "UPDATE suggestions SET status = 'deployed', deployed_at = ?2, error = NULL, updated_at = ?2 WHERE id = ?1",
            params![id, now],
        )?,
        Err(message) => conn.execute(
            "UPDATE suggestions SET error = ?2, updated_at = ?3 WHERE id = ?1",
            params![id, message, now],
        )?,
    };
    Ok(())
}

/// Records that a suggestion's automation was removed from Home Assistant.
pub fn record_undeploy(conn: &Connection, id: &str) -> anyhow::Result<()> {
    let changed = conn.execute(
        "UPDATE suggestions SET status = 'approved', deployed_at = NULL, updated_at = ?2 WHERE id = ?1",
        params![id, Timestamp::now().as_millisecond()],
    )?;
    if changed == 0 {
        bail!("no suggestion {id:?}");
    }
    Ok(())
}
