//! habitd attacked through the broker, as any client on it could: a retained
//! message far over the limits, and back-dated events meant to make a habit
//! of unlocking the front door at night, followed by a deploy command. The
//! daemon, the broker and the database are real.

mod common;

use common::{Broker, Watcher};
use rusqlite::Connection;

const AVAILABILITY: &str = "habitd/availability";

/// An eventstream `state_changed` for `entity_id` becoming `state` at `at`,
/// caused by a person (a user id, no parent).
fn event(entity_id: &str, old: &str, state: &str, at: &str) -> String {
    format!(
        r#"{{"event_type":"state_changed","event_data":{{"entity_id":"{entity_id}",
        "old_state":{{"entity_id":"{entity_id}","state":"{old}","last_changed":"{at}"}},
        "new_state":{{"entity_id":"{entity_id}","state":"{state}","last_changed":"{at}",
        "attributes":{{"friendly_name":"Front door"}},
        "context":{{"id":"c","parent_id":null,"user_id":"u"}}}}}}}}"#
    )
}

async fn analysis(watch: &mut Watcher) {
    watch.publish("habitd/command/analyze", "", false).await;
    watch.job_statuses_until_final().await;
}

/// One retained message far over every limit must not cost a single good
/// event: with MQTT 5's Maximum Packet Size the broker never sends it (and
/// were it sent, rumqttc would fail the connection on every reconnect).
#[tokio::test]
async fn an_oversized_retained_message_costs_no_good_event() {
    let broker = Broker::start();
    let mut watch = Watcher::connect(broker.port, "habitd/#").await;
    watch
        .publish("zigbee2mqtt/giant", vec![b'{'; 4 * 1024 * 1024], true)
        .await;
    let limits = [
        ("HABITD__LIMITS__ZIGBEE2MQTT_DEVICES_BYTES", "65536"),
        ("HABITD__LIMITS__ZIGBEE2MQTT_STATE_BYTES", "65536"),
    ];
    let mut daemon = common::start_daemon_with(broker.port, tempfile::tempdir().unwrap(), &limits);
    watch.wait_for_text(AVAILABILITY, "online").await;
    let start = jiff::Timestamp::now();
    for i in 0..60 {
        let at = start
            .checked_add(jiff::SignedDuration::from_millis(i))
            .unwrap()
            .to_string();
        let (old, new) = if i % 2 == 0 {
            ("off", "on")
        } else {
            ("on", "off")
        };
        watch
            .publish("ha_events", event("light.hall", old, new, &at), false)
            .await;
    }
    analysis(&mut watch).await;
    daemon.terminate();
    assert_eq!(daemon.exit_code().await, Some(0), "{}", daemon.log());

    let db = Connection::open(daemon.database()).unwrap();
    let stored: i64 = db
        .query_row("SELECT count(*) FROM events", [], |r| r.get(0))
        .unwrap();
    assert_eq!(stored, 60);
    let log = daemon.log();
    assert!(!log.contains("MQTT connection failed"), "{log}");
}

/// The attack of the security review: 42 back-dated unlocks of the front
/// door around 03:03 on 21 days, an analysis, then "deploy" on the
/// suggestion that would have been. Nothing unsafe is suggested or
/// deployed, and the events are stored at the time they arrived.
#[tokio::test]
async fn back_dated_unlocks_make_no_habit_and_nothing_is_deployed() {
    let broker = Broker::start();
    let mut watch = Watcher::connect(broker.port, "habitd/#").await;
    let mut daemon = common::start_daemon(broker.port);
    watch.wait_for_text(AVAILABILITY, "online").await;
    let before = jiff::Timestamp::now();
    let today = before.to_zoned_datetime(jiff::tz::TimeZone::UTC).date();
    for back in 1..=21i64 {
        let day = today.checked_sub(jiff::Span::new().days(back)).unwrap();
        for (minute, old, new) in [(2, "locked", "unlocked"), (4, "unlocked", "locked")] {
            let at = day
                .at(3, minute, 0, 0)
                .to_zoned_datetime(jiff::tz::TimeZone::UTC)
                .unwrap()
                .timestamp()
                .to_string();
            watch
                .publish("ha_events", event("lock.front_door", old, new, &at), false)
                .await;
        }
    }
    analysis(&mut watch).await;
    watch
        .publish(
            "habitd/suggestions/habitd_routine_lock_front_door_unlocked_all/set",
            "deploy",
            false,
        )
        .await;
    let refused = watch.wait_for("habitd/status", |_| true).await;
    assert!(refused.text().contains("error"), "{}", refused.text());
    daemon.terminate();
    assert_eq!(daemon.exit_code().await, Some(0), "{}", daemon.log());

    let db = Connection::open(daemon.database()).unwrap();
    let oldest: i64 = db
        .query_row("SELECT min(ts) FROM events", [], |r| r.get(0))
        .unwrap();
    assert!(
        oldest >= before.as_millisecond() - 1000,
        "a back-dated event kept its claimed time"
    );
    let unsafe_offers: i64 = db
        .query_row(
            "SELECT count(*) FROM suggestions WHERE automation LIKE '%lock.unlock%'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(unsafe_offers, 0);
    let deployed: i64 = db
        .query_row(
            "SELECT count(*) FROM suggestions WHERE status = 'deployed'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(deployed, 0);
}

/// A database that cannot be opened stays so until someone acts: habitd
/// exits 78 (the unit does not restart it in a loop) and says why.
#[test]
fn a_database_that_cannot_be_opened_exits_78_naming_the_cause() {
    let dir = tempfile::tempdir().unwrap();
    let garbage = dir.path().join("garbage.db");
    std::fs::write(&garbage, vec![b'x'; 4096]).unwrap();
    let missing = dir.path().join("no").join("such").join("habitd.db");
    for (path, cause) in [
        (missing, "does not exist"),
        (garbage, "not a SQLite database"),
    ] {
        let mut env = common::base_env(1, dir.path());
        env.push(("HABITD__DATABASE__PATH".into(), path.display().to_string()));
        let out = common::habitd(&env)
            .args(["suggestions", "list"])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(78), "{stderr}");
        assert!(stderr.contains(cause), "{stderr}");
    }
}
