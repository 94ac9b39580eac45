//! The `facts` table: small values habitd remembers between runs, each
//! under a [`Fact`] key, so nothing else spells the keys.

use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, params};

/// What can be remembered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fact {
    /// Home Assistant's version as `/api/config` last reported it.
    HaVersion,
    /// The discovery shape last published (`device` or `entity`).
    DiscoveryShape,
    /// The suggestion selected in Home Assistant's select.
    Selected,
    /// The first start's history fetch: `pending` (only that value makes a
    /// start fetch), `done` or `not_needed` (for whoever reads the database).
    FirstStartHistory,
}

impl Fact {
    fn key(self) -> &'static str {
        match self {
            Fact::HaVersion => "ha_version",
            Fact::DiscoveryShape => "discovery_shape",
            Fact::Selected => "selected_suggestion",
            Fact::FirstStartHistory => "first_start_history",
        }
    }
}

/// The values of [`Fact::FirstStartHistory`].
pub mod first_start {
    /// The database was empty at the first start: fetch the history.
    pub const PENDING: &str = "pending";
    pub const DONE: &str = "done";
    /// The database already held events: nothing to fetch.
    pub const NOT_NEEDED: &str = "not_needed";
}

pub fn get(conn: &Connection, fact: Fact) -> anyhow::Result<Option<String>> {
    Ok(conn
        .query_row(
            "SELECT value FROM facts WHERE key = ?1",
            [fact.key()],
            |r| r.get(0),
        )
        .optional()?)
}

/// Stores `value`, or forgets the fact with `None`.
pub fn set(conn: &Connection, fact: Fact, value: Option<&str>) -> anyhow::Result<()> {
    match value {
        Some(value) => conn.execute(
            "INSERT INTO facts (key, value, updated_at) VALUES (?1, ?2, ?3) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
            params![fact.key(), value, Timestamp::now().as_millisecond()],
        )?,
        None => conn.execute("DELETE FROM facts WHERE key = ?1", [fact.key()])?,
    };
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn facts_are_set_replaced_and_forgotten() {
        let dir = tempfile::tempdir().unwrap();
        let db = crate::db::Db::open(&crate::config::DatabaseConfig::at(
            dir.path().join("habitd.db"),
        ))
        .unwrap();
        let conn = db.get().unwrap();
        assert_eq!(get(&conn, Fact::HaVersion).unwrap(), None);
        set(&conn, Fact::HaVersion, Some("2024.3.3")).unwrap();
        set(&conn, Fact::HaVersion, Some("2025.4.4")).unwrap();
        assert_eq!(
            get(&conn, Fact::HaVersion).unwrap().as_deref(),
            Some("2025.4.4")
        );
        set(&conn, Fact::HaVersion, None).unwrap();
        assert_eq!(get(&conn, Fact::HaVersion).unwrap(), None);
        // A fresh database: no discovery published before.
        assert_eq!(get(&conn, Fact::DiscoveryShape).unwrap(), None);
    }
}
