//! The `findings` table: what the last analysis found.

use jiff::Timestamp;
use rusqlite::{Connection, params};

use crate::analysis::Findings;

/// Replaces all findings, inside a transaction the caller commits (with
/// the suggestions, so a failure leaves the previous run's results intact).
pub fn replace_in(
    tx: &rusqlite::Transaction<'_>,
    job_id: i64,
    findings: &Findings,
) -> anyhow::Result<usize> {
    let now = Timestamp::now().as_millisecond();
    tx.execute("DELETE FROM findings", [])?;
    let mut written = 0;
    {
        let mut stmt = tx.prepare_cached(
            "INSERT OR REPLACE INTO findings (id, kind, job_id, evidence, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        let mut put = |id: &str, kind: &str, evidence: String| -> anyhow::Result<()> {
            stmt.execute(params![id, kind, job_id, evidence, now])?;
            written += 1;
            Ok(())
        };
        for r in &findings.routines {
            put(&r.id, "routine", serde_json::to_string(r)?)?;
        }
        for s in &findings.sequences {
            put(&s.id, "sequence", serde_json::to_string(s)?)?;
        }
        for s in &findings.synergies {
            put(&s.id, "synergy", serde_json::to_string(s)?)?;
        }
        for f in &findings.unused_features {
            put(&f.id, "unused_feature", serde_json::to_string(f)?)?;
        }
    }
    Ok(written)
}

/// All stored findings as `(kind, evidence JSON)`, routines first.
pub fn list(conn: &Connection) -> anyhow::Result<Vec<(String, serde_json::Value)>> {
    let mut stmt = conn.prepare(
        "SELECT kind, evidence FROM findings ORDER BY \
         CASE kind WHEN 'routine' THEN 0 WHEN 'sequence' THEN 1 WHEN 'synergy' THEN 2 ELSE 3 END, id",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
    let mut out = Vec::new();
    for row in rows {
        let (kind, evidence) = row?;
        out.push((kind, serde_json::from_str(&evidence)?));
    }
    Ok(out)
}
