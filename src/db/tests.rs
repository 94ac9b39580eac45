//! Opening, pragmas and migrations on real files.

use std::time::Duration;

use super::*;

fn config(dir: &tempfile::TempDir, pool_size: u32) -> DatabaseConfig {
    DatabaseConfig {
        path: dir.path().join("habitd.db"),
        pool_size,
        busy_timeout: Duration::from_millis(4321),
        cache_size_kib: 2048,
    }
}

fn pragma<T: rusqlite::types::FromSql>(conn: &Connection, name: &str) -> T {
    conn.pragma_query_value(None, name, |row| row.get(0))
        .unwrap()
}

#[test]
fn every_pooled_connection_gets_the_pragmas() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(&config(&dir, 4)).unwrap();
    // Hold all four at once so the pool must create each of them.
    let conns: Vec<_> = (0..4).map(|_| db.get().unwrap()).collect();
    for conn in &conns {
        assert_eq!(pragma::<String>(conn, "journal_mode"), "wal");
        assert_eq!(pragma::<i64>(conn, "synchronous"), 1, "NORMAL");
        assert_eq!(pragma::<i64>(conn, "busy_timeout"), 4321);
        assert_eq!(pragma::<i64>(conn, "foreign_keys"), 1);
        assert_eq!(pragma::<i64>(conn, "temp_store"), 2, "MEMORY");
        assert_eq!(pragma::<i64>(conn, "cache_size"), -2048);
    }
}

#[test]
fn migrations_run_once_and_reopen_is_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(&config(&dir, 1)).unwrap();
    let version: i64 = pragma(&db.get().unwrap(), "user_version");
    assert_eq!(version, SCHEMA_VERSION as i64);
    drop(db);
    let db = Db::open(&config(&dir, 1)).unwrap();
    let tables: i64 = db
        .get()
        .unwrap()
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE name = 'jobs'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(tables, 1);
}

#[test]
fn a_database_from_a_newer_habitd_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(&dir, 1);
    drop(Db::open(&cfg).unwrap());
    let conn = Connection::open(&cfg.path).unwrap();
    conn.pragma_update(None, "user_version", SCHEMA_VERSION as i64 + 5)
        .unwrap();
    drop(conn);

    let err = Db::open(&cfg).unwrap_err();
    assert!(matches!(err, OpenError::TooNew { found, .. } if found == SCHEMA_VERSION + 5));
    assert!(err.to_string().contains("newer habitd"), "{err}");
}

#[test]
fn a_file_that_is_not_a_database_is_an_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(&dir, 1);
    std::fs::write(
        &cfg.path,
        b"this is not sqlite, just some text long enough to look like a header",
    )
    .unwrap();
    let err = Db::open(&cfg).unwrap_err();
    assert!(err.to_string().contains("habitd.db"), "{err}");
    assert!(matches!(err, OpenError::NotADatabase { .. }), "{err:?}");
}

#[test]
fn open_failures_name_their_cause() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(&dir, 1);
    cfg.path = dir.path().join("missing").join("habitd.db");
    let err = Db::open(&cfg).unwrap_err();
    assert!(matches!(err, OpenError::NoDirectory { .. }), "{err:?}");
    assert!(err.to_string().contains("does not exist"), "{err}");
}

#[test]
fn the_database_is_private_to_its_owner() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(&dir, 1);
    let db = Db::open(&cfg).unwrap();
    db.get()
        .unwrap()
        .execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);")
        .unwrap();
    for file in ["habitd.db", "habitd.db-wal"] {
        let mode = std::fs::metadata(dir.path().join(file))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{file}: {mode:o}");
    }
}

#[test]
fn processes_opening_a_new_database_at_once_all_succeed() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(&dir, 1);
    let opened: Vec<_> = (0..4)
        .map(|_| {
            let cfg = cfg.clone();
            std::thread::spawn(move || Db::open(&cfg).map(drop))
        })
        .collect();
    for handle in opened {
        handle.join().unwrap().unwrap();
    }
}

#[tokio::test]
async fn run_propagates_results_and_panics() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(&config(&dir, 2)).unwrap();
    let n: i64 = db
        .run(|conn| Ok(conn.query_row("SELECT 41 + 1", [], |r| r.get(0))?))
        .await
        .unwrap();
    assert_eq!(n, 42);

    let db2 = db.clone();
    let panicked =
        tokio::spawn(async move { db2.run(|_| -> anyhow::Result<()> { panic!("boom") }).await })
            .await
            .unwrap_err();
    assert!(panicked.is_panic());
}

#[test]
fn staging_gives_changes_back_in_time_order_and_cleans_up() {
    use crate::model::{Origin, StateChange};
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("habitd.db");
    // Left behind by crashes (an older release's name, a process that is
    // gone), and another process's import at work (pid 1 is alive).
    let old = dir.path().join("habitd.db.import");
    let crashed = dir.path().join(format!("habitd.db.import.{}", u32::MAX));
    let running = dir.path().join("habitd.db.import.1");
    for file in [&old, &crashed, &running] {
        std::fs::write(file, "staged").unwrap();
    }
    staging::Staging::remove_leftover(&database).unwrap();
    assert!(!old.exists() && !crashed.exists());
    assert!(
        running.exists(),
        "another process's staging file is its own"
    );
    let leftover = dir
        .path()
        .join(format!("habitd.db.import.{}", std::process::id()));

    let change = |entity: &str, ms: i64, state: &str| StateChange {
        entity_id: entity.into(),
        at: jiff::Timestamp::from_millisecond(ms).unwrap(),
        state: state.into(),
        old_state: None,
        origin: Origin::User,
    };
    let mut staging = staging::Staging::create(&database).unwrap();
    // As a history answer lists them: one entity's period, then the next's.
    staging
        .add(&[
            change("light.a", 3_000, "on"),
            change("light.a", 9_000, "off"),
        ])
        .unwrap();
    staging
        .add(&[
            change("light.b", 1_000, "on"),
            change("light.b", 3_000, "off"),
        ])
        .unwrap();
    let mut order = Vec::new();
    staging
        .in_time_order(|c| {
            order.push((c.at.as_millisecond(), c.entity_id, c.state));
            Ok(())
        })
        .unwrap();
    let expected = [
        (1_000, "light.b", "on"),
        (3_000, "light.a", "on"), // same millisecond: the order added
        (3_000, "light.b", "off"),
        (9_000, "light.a", "off"),
    ];
    let order: Vec<_> = order
        .iter()
        .map(|(t, e, s)| (*t, e.as_str(), s.as_str()))
        .collect();
    assert_eq!(order, expected);

    assert!(leftover.exists(), "the staging file is beside the database");
    drop(staging);
    assert!(
        !leftover.exists(),
        "the staging file goes when the import ends"
    );
}

/// What a person approved is what deploy sends: a later run refreshes the
/// evidence of an approved suggestion, not its automation or its words.
#[test]
fn an_approved_suggestion_keeps_its_automation_through_later_runs() {
    use crate::analysis::features::UnusedFeature;
    use crate::analysis::{Finding, Findings};
    use crate::model::Decision;
    use suggestions::Fresh;

    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(&config(&dir, 1)).unwrap();
    let mut conn = db.get().unwrap();
    let fresh = |id: &str, title: &str, at: &str, confidence: f64| Fresh {
        id: id.into(),
        title: title.into(),
        description: String::new(),
        confidence,
        finding: Finding::UnusedFeature(UnusedFeature::example(id)),
        automation: Some(serde_json::json!({ "at": at })),
        automation_yaml: None,
        worded_by: "habitd".into(),
    };
    let long_ago = jiff::Timestamp::UNIX_EPOCH;
    let first = [
        fresh("habitd_a", "At 06:45", "06:45", 0.5),
        fresh("habitd_b", "At 07:00", "07:00", 0.5),
    ];
    suggestions::store_run(&mut conn, 1, &Findings::default(), &first, long_ago).unwrap();
    suggestions::decide(&conn, "habitd_a", Decision::Approve).unwrap();
    let later = [
        fresh("habitd_a", "At 06:50", "06:50", 0.9),
        fresh("habitd_b", "At 07:05", "07:05", 0.9),
    ];
    suggestions::store_run(&mut conn, 2, &Findings::default(), &later, long_ago).unwrap();
    let a = suggestions::get(&conn, "habitd_a").unwrap().unwrap();
    assert_eq!(
        (a.title.as_str(), &a.automation["at"]),
        ("At 06:45", &serde_json::json!("06:45"))
    );
    assert_eq!(a.confidence, 0.9, "the evidence is refreshed");
    let b = suggestions::get(&conn, "habitd_b").unwrap().unwrap();
    assert_eq!(
        (b.title.as_str(), &b.automation["at"]),
        ("At 07:05", &serde_json::json!("07:05"))
    );
}
