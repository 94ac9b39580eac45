//! The schema's history: the numbered SQL files in `migrations/`, embedded.
//!
//! The files are listed here by hand, in order; a test checks the list against
//! the directory so a new file cannot be forgotten. The version is SQLite's
//! `user_version`, which `rusqlite_migration` maintains.

use std::path::Path;

use rusqlite::Connection;
use rusqlite_migration::{M, MigrationDefinitionError, Migrations, SchemaVersion};

use super::OpenError;

const FILES: &[(&str, &str)] = &[
    (
        "0001_jobs.sql",
        include_str!("../../migrations/0001_jobs.sql"),
    ),
    (
        "0002_events.sql",
        include_str!("../../migrations/0002_events.sql"),
    ),
    (
        "0003_automations.sql",
        include_str!("../../migrations/0003_automations.sql"),
    ),
    (
        "0004_findings.sql",
        include_str!("../../migrations/0004_findings.sql"),
    ),
    (
        "0005_suggestions.sql",
        include_str!("../../migrations/0005_suggestions.sql"),
    ),
    (
        "0006_job_times_ms.sql",
        include_str!("../../migrations/0006_job_times_ms.sql"),
    ),
    (
        "0007_facts.sql",
        include_str!("../../migrations/0007_facts.sql"),
    ),
    (
        "0008_one_copy_of_each_event.sql",
        include_str!("../../migrations/0008_one_copy_of_each_event.sql"),
    ),
    (
        "0009_day_digests.sql",
        include_str!("../../migrations/0009_day_digests.sql"),
    ),
    (
        "0010_totals_in_memory.sql",
        include_str!("../../migrations/0010_totals_in_memory.sql"),
    ),
];

fn migrations() -> Migrations<'static> {
    Migrations::new(FILES.iter().map(|(_, sql)| M::up(sql)).collect())
}

/// The schema version this build creates and understands.
pub const SCHEMA_VERSION: usize = FILES.len();

/// Brings the database up to [`SCHEMA_VERSION`], refusing one that is newer.
pub(super) fn apply(conn: &mut Connection, path: &Path) -> Result<(), OpenError> {
    let migration_error = |source| OpenError::Migration {
        path: path.to_path_buf(),
        source,
    };
    let migrations = migrations();
    if let SchemaVersion::Outside(found) =
        migrations.current_version(conn).map_err(migration_error)?
    {
        return Err(OpenError::TooNew {
            path: path.to_path_buf(),
            found: found.get(),
            known: SCHEMA_VERSION,
        });
    }
    match migrations.to_latest(conn) {
        Ok(()) => Ok(()),
        // Checked above; kept in case the crate's notion of "ahead" differs.
        Err(rusqlite_migration::Error::MigrationDefinition(
            MigrationDefinitionError::DatabaseTooFarAhead,
        )) => Err(OpenError::TooNew {
            path: path.to_path_buf(),
            found: usize::MAX,
            known: SCHEMA_VERSION,
        }),
        Err(e) => Err(migration_error(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_in_migrations_is_embedded_in_order() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
        let mut on_disk: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|name| name.ends_with(".sql"))
            .collect();
        on_disk.sort();
        let embedded: Vec<&str> = FILES.iter().map(|(name, _)| *name).collect();
        assert_eq!(on_disk, embedded);
        for (i, name) in embedded.iter().enumerate() {
            assert!(name.starts_with(&format!("{:04}_", i + 1)), "{name}");
        }
    }

    #[test]
    fn job_times_become_milliseconds() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrations().to_version(&mut conn, 5).unwrap();
        conn.execute(
            "INSERT INTO jobs (trigger, state, queued_at, started_at) \
             VALUES ('cli', 'running', '2026-03-29T01:59:59.123456Z', '2026-03-29T02:00:00.5Z')",
            [],
        )
        .unwrap();
        migrations().to_latest(&mut conn).unwrap();
        let (queued, started, finished): (i64, Option<i64>, Option<i64>) = conn
            .query_row(
                "SELECT queued_at, started_at, finished_at FROM jobs",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap();
        let ms = |t: &str| t.parse::<jiff::Timestamp>().unwrap().as_millisecond();
        assert_eq!(queued, ms("2026-03-29T01:59:59.123Z"));
        assert_eq!(started, Some(ms("2026-03-29T02:00:00.5Z")));
        assert_eq!(finished, None);
    }

    #[test]
    fn a_database_an_older_daemon_used_remembers_device_discovery() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrations().to_version(&mut conn, 6).unwrap();
        conn.execute(
            "INSERT INTO jobs (trigger, state, queued_at) VALUES ('schedule', 'succeeded', 0)",
            [],
        )
        .unwrap();
        migrations().to_latest(&mut conn).unwrap();
        let shape: String = conn
            .query_row(
                "SELECT value FROM facts WHERE key = 'discovery_shape'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(shape, "device");
    }

    #[test]
    fn the_activity_aggregate_goes_and_the_events_stay() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrations().to_version(&mut conn, 7).unwrap();
        conn.execute_batch(
            "INSERT INTO entities (id, entity_id, domain, updated_at) VALUES (1, 'light.hall', 'light', 0);
             INSERT INTO events (ts, entity, state, origin) VALUES (1000, 1, 'on', 1);
             INSERT INTO activity (day, entity, state, slot, count) VALUES (0, 1, 'on', 0, 1);
             INSERT INTO meta (key, value) VALUES ('activity_time_zone', 'Europe/Berlin');",
        )
        .unwrap();
        migrations().to_latest(&mut conn).unwrap();
        let tables: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_schema WHERE name = 'activity'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(tables, 0);
        let events: i64 = conn
            .query_row("SELECT count(*) FROM events", [], |r| r.get(0))
            .unwrap();
        assert_eq!(events, 1);
        let meta: i64 = conn
            .query_row("SELECT count(*) FROM meta", [], |r| r.get(0))
            .unwrap();
        assert_eq!(meta, 0);
    }

    #[test]
    fn migrations_are_valid() {
        migrations().validate().unwrap();
    }
}
