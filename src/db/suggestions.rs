//! The `suggestions` table: one row per suggestion, with its lifecycle
//! ([`SuggestionStatus`], whose rules live in the model) and the user's
//! decisions. Finding a suggestion again never changes what the user decided
//! about it.

use anyhow::{Context, bail};
use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::Serialize;
use serde_json::Value;

use crate::analysis::{Finding, Findings};
use crate::model::{Decision, FindingKind, SuggestionStatus};

/// A suggestion as this run produced it, its automation rendered for the
/// Home Assistant in use.
#[derive(Debug, Clone, PartialEq)]
pub struct Fresh {
    /// `habitd_…`, stable across runs.
    pub id: String,
    pub title: String,
    pub description: String,
    pub confidence: f64,
    /// The finding it comes from, with its evidence.
    pub finding: Finding,
    pub automation: Option<Value>,
    pub automation_yaml: Option<String>,
    /// `habitd`, or the LLM model that worded title and description.
    pub worded_by: String,
}

/// A stored suggestion, as the CLI and MQTT show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Suggestion {
    pub id: String,
    pub status: SuggestionStatus,
    pub kind: FindingKind,
    pub title: String,
    pub description: String,
    pub confidence: f64,
    pub evidence: Finding,
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

/// Writes a run's findings and suggestions, retires the new ones this run
/// did not find and expires stale ones (`model::SuggestionStatus` says
/// which), in one transaction with prepared statements: a failure leaves the previous
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
        // An approved or deployed suggestion keeps the automation a person
        // approved (and its words); only its evidence is refreshed.
        let kept: Vec<String> = SuggestionStatus::ALL
            .iter()
            .filter(|s| s.keeps_its_automation())
            .map(|s| format!("'{s}'"))
            .collect();
        let keep = |column: &str| {
            format!(
                "{column} = CASE WHEN status IN ({}) THEN {column} ELSE excluded.{column} END",
                kept.join(", ")
            )
        };
        let mut upsert = tx.prepare_cached(&format!(
            "INSERT INTO suggestions (id, finding_id, kind, title, description, confidence, evidence, automation, \
                                      automation_yaml, worded_by, first_seen_at, last_seen_at, updated_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11, ?11) \
             ON CONFLICT (id) DO UPDATE SET \
                {}, {}, confidence = excluded.confidence, evidence = excluded.evidence, {}, {}, {}, \
                last_seen_at = excluded.last_seen_at, updated_at = excluded.updated_at, \
                status = CASE status WHEN ?12 THEN ?13 ELSE status END",
            keep("title"),
            keep("description"),
            keep("automation"),
            keep("automation_yaml"),
            keep("worded_by"),
        ))?;
        for s in fresh {
            let evidence = serde_json::to_string(&s.finding)
                .with_context(|| format!("while storing suggestion {}", s.id))?;
            upsert.execute(params![
                s.id,
                s.finding.id(),
                s.finding.kind().as_str(),
                s.title,
                s.description,
                s.confidence,
                evidence,
                s.automation
                    .as_ref()
                    .map(serde_json::to_string)
                    .transpose()?,
                s.automation_yaml,
                s.worded_by,
                now,
                SuggestionStatus::Expired.as_str(),
                SuggestionStatus::Expired.when_found_again().as_str(),
            ])?;
        }
    }
    let names = |keep: fn(SuggestionStatus) -> bool| -> String {
        let names: Vec<String> = SuggestionStatus::ALL
            .iter()
            .filter(|s| keep(**s))
            .map(|s| format!("'{s}'"))
            .collect();
        names.join(", ")
    };
    // What this run did not find: every row it found has last_seen_at = now.
    let retired = tx.execute(
        &format!(
            "UPDATE suggestions SET status = ?2, updated_at = ?1 \
             WHERE status IN ({}) AND last_seen_at < ?1",
            names(SuggestionStatus::retires_when_not_found)
        ),
        params![now, SuggestionStatus::Expired.as_str()],
    )?;
    let expiring = names(SuggestionStatus::expires);
    let expired = retired
        + tx.execute(
            &format!(
                "UPDATE suggestions SET status = ?3, updated_at = ?2 \
             WHERE status IN ({expiring}) AND last_seen_at < ?1"
            ),
            params![
                expire_before.as_millisecond(),
                now,
                SuggestionStatus::Expired.as_str()
            ],
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

/// Reads a row; the outer `Result` is SQLite's, the inner one is about what
/// the row says (a damaged or newer database), with the suggestion's id.
fn from_row(row: &Row<'_>) -> rusqlite::Result<anyhow::Result<Suggestion>> {
    let id: String = row.get(0)?;
    let status: String = row.get(1)?;
    let kind: String = row.get(2)?;
    let evidence: String = row.get(6)?;
    let automation: Option<String> = row.get(7)?;
    let (title, description, confidence) = (row.get(3)?, row.get(4)?, row.get(5)?);
    let (automation_yaml, worded_by, finding_id) = (row.get(8)?, row.get(9)?, row.get(10)?);
    let (first_seen_at, last_seen_at) = (time(row.get(11)?), time(row.get(12)?));
    let (deployed_at, error) = (row.get::<_, Option<i64>>(13)?.map(time), row.get(14)?);
    let parse = || -> anyhow::Result<Suggestion> {
        let kind: FindingKind = kind.parse()?;
        Ok(Suggestion {
            status: status.parse()?,
            kind,
            title,
            description,
            confidence,
            evidence: Finding::from_json(kind, &evidence).context("its evidence")?,
            automation: match automation {
                Some(text) => serde_json::from_str(&text).context("its automation")?,
                None => Value::Null,
            },
            automation_yaml,
            worded_by,
            finding_id,
            first_seen_at,
            last_seen_at,
            deployed_at,
            error,
            id: id.clone(),
        })
    };
    Ok(parse().with_context(|| format!("suggestion {id} in the database is unreadable")))
}

/// Suggestions, most confident first; `status` filters.
pub fn list(
    conn: &Connection,
    status: Option<SuggestionStatus>,
) -> anyhow::Result<Vec<Suggestion>> {
    let mut stmt = conn.prepare(&format!(
        "{SELECT} WHERE ?1 IS NULL OR status = ?1 ORDER BY confidence DESC, id"
    ))?;
    let rows = stmt.query_map([status.map(SuggestionStatus::as_str)], from_row)?;
    rows.map(|row| row?).collect()
}

pub fn get(conn: &Connection, id: &str) -> anyhow::Result<Option<Suggestion>> {
    conn.query_row(&format!("{SELECT} WHERE id = ?1"), [id], from_row)
        .optional()?
        .transpose()
}

/// Changes whenever any suggestion changes, whoever changed it (this
/// process or the CLI): their number and the latest `updated_at`. One scan
/// of a table of at most a few hundred rows, cheap enough to poll.
pub fn fingerprint(conn: &Connection) -> anyhow::Result<(i64, i64)> {
    Ok(conn.query_row(
        "SELECT count(*), coalesce(max(updated_at), 0) FROM suggestions",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?)
}

/// Applies a user's decision; errors name the suggestion and why not.
pub fn decide(conn: &Connection, id: &str, decision: Decision) -> anyhow::Result<Suggestion> {
    if decision == Decision::Deploy {
        bail!("deploying {id} goes through Home Assistant, not only the database");
    }
    let Some(current) = get(conn, id)? else {
        bail!("no suggestion {id:?}");
    };
    let next = current
        .status
        .after(decision)
        .with_context(|| format!("suggestion {id}"))?;
    conn.execute(
        "UPDATE suggestions SET status = ?2, updated_at = ?3 WHERE id = ?1",
        params![id, next.as_str(), Timestamp::now().as_millisecond()],
    )?;
    get(conn, id)?.context("suggestion vanished")
}

/// Records a deployment (or its failure) on a suggestion.
pub fn record_deploy(conn: &Connection, id: &str, result: Result<(), &str>) -> anyhow::Result<()> {
    let now = Timestamp::now().as_millisecond();
    match result {
        Ok(()) => conn.execute(
            "UPDATE suggestions SET status = ?3, deployed_at = ?2, error = NULL, updated_at = ?2 WHERE id = ?1",
            params![id, now, SuggestionStatus::Deployed.as_str()],
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
        "UPDATE suggestions SET status = ?3, deployed_at = NULL, updated_at = ?2 WHERE id = ?1",
        params![
            id,
            Timestamp::now().as_millisecond(),
            SuggestionStatus::Approved.as_str()
        ],
    )?;
    if changed == 0 {
        bail!("no suggestion {id:?}");
    }
    Ok(())
}
