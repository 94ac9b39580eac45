//! The `findings` table: what the last analysis found.

use anyhow::Context;
use jiff::Timestamp;
use rusqlite::{Connection, params};

use crate::analysis::{Finding, Findings};
use crate::model::FindingKind;

/// Replaces all findings, inside a transaction the caller commits (with
/// the suggestions, so a failure leaves the previous run's results intact).
pub fn replace_in(
    tx: &rusqlite::Transaction<'_>,
    job_id: i64,
    findings: &Findings,
) -> anyhow::Result<usize> {
    let now = Timestamp::now().as_millisecond();
    tx.execute("DELETE FROM findings", [])?;
    let mut stmt = tx.prepare_cached(
        "INSERT OR REPLACE INTO findings (id, kind, job_id, evidence, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    let mut written = 0;
    for finding in findings.all() {
        let evidence = serde_json::to_string(&finding)
            .with_context(|| format!("while storing finding {}", finding.id()))?;
        stmt.execute(params![
            finding.id(),
            finding.kind().as_str(),
            job_id,
            evidence,
            now
        ])?;
        written += 1;
    }
    Ok(written)
}

/// All stored findings, routines first.
pub fn list(conn: &Connection) -> anyhow::Result<Vec<Finding>> {
    let mut stmt = conn.prepare("SELECT id, kind, evidence FROM findings")?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, kind, evidence) = row?;
        let finding = kind
            .parse::<FindingKind>()
            .map_err(anyhow::Error::from)
            .and_then(|kind| Ok(Finding::from_json(kind, &evidence)?))
            .with_context(|| format!("finding {id} in the database is unreadable"))?;
        out.push(finding);
    }
    out.sort_by(|a, b| (a.kind(), a.id()).cmp(&(b.kind(), b.id())));
    Ok(out)
}
