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

/// `n` good events, a millisecond apart from now: the hall light switched
/// by a person, on and off in turn.
async fn switch_the_hall_light(watch: &Watcher, n: i64) {
    let start = jiff::Timestamp::now();
    for i in 0..n {
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
    switch_the_hall_light(&watch, 60).await;
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
    // Refused (there is no such suggestion to deploy), and said so.
    watch
        .wait_for("habitd/status", |m| {
            m.text()
                .contains("habitd_routine_lock_front_door_unlocked_all")
        })
        .await;
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

/// A small file system of its own, unmounted when dropped.
struct Tmpfs {
    dir: tempfile::TempDir,
}

impl Tmpfs {
    /// `None` where mounting is not allowed (not root, no mount(8)).
    fn mount(size: &str) -> Option<Tmpfs> {
        let dir = tempfile::tempdir().unwrap();
        let mounted = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .status()
            .is_ok_and(|s| s.success());
        mounted.then_some(Tmpfs { dir })
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        std::process::Command::new("umount")
            .arg(self.dir.path())
            .status()
            .ok();
    }
}

/// Waits until the daemon's log contains `text`.
async fn log_shows(daemon: &common::Daemon, text: &str) {
    let waited = tokio::time::timeout(std::time::Duration::from_secs(60), async {
        while !daemon.log().contains(text) {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    })
    .await;
    assert!(waited.is_ok(), "{text:?} never logged:\n{}", daemon.log());
}

/// A full disk loses nothing: events wait in memory while writes fail, and
/// are all written once there is room again.
#[tokio::test]
async fn a_full_disk_loses_no_event() {
    let Some(fs) = Tmpfs::mount("4m") else {
        eprintln!("skipped: mounting a tmpfs needs root");
        return;
    };
    let broker = Broker::start();
    let mut watch = Watcher::connect(broker.port, "habitd/#").await;
    let database = fs.dir.path().join("habitd.db");
    let database = database.display().to_string();
    let env = [
        ("HABITD__DATABASE__PATH", database.as_str()),
        ("HABITD__INGEST__BATCH_SIZE", "50"),
        ("HABITD__INGEST__FLUSH_INTERVAL", "200ms"),
    ];
    let mut daemon = common::start_daemon_with(broker.port, tempfile::tempdir().unwrap(), &env);
    watch.wait_for_text(AVAILABILITY, "online").await;

    // Fill the file system to the last byte.
    let filler = fs.dir.path().join("filler");
    {
        use std::io::Write;
        let mut file = std::fs::File::create(&filler).unwrap();
        while file.write_all(&[0u8; 4096]).is_ok() {}
    }
    switch_the_hall_light(&watch, 300).await;
    log_shows(&daemon, "could not write events").await;
    // The job status (what Home Assistant shows) says what is wrong.
    watch.publish("habitd/command/analyze", "", false).await;
    let statuses = watch.job_statuses_until_final().await;
    let last = statuses.last().unwrap();
    assert!(
        last["error"].as_str().is_some_and(|e| e.contains("full")),
        "{last:#}"
    );
    std::fs::remove_file(&filler).unwrap();
    log_shows(&daemon, "can be written again").await;
    daemon.terminate();
    assert_eq!(daemon.exit_code().await, Some(0), "{}", daemon.log());

    let db = Connection::open(&database).unwrap();
    let stored: i64 = db
        .query_row("SELECT count(*) FROM events", [], |r| r.get(0))
        .unwrap();
    assert_eq!(stored, 300, "{}", daemon.log());
}

/// With `mqtt.decisions = "no_deploy"`, a deploy over MQTT is refused
/// before anything looks at the suggestion, and approvals still work.
#[tokio::test]
async fn decisions_over_mqtt_can_be_limited() {
    let broker = Broker::start();
    let mut watch = Watcher::connect(broker.port, "habitd/#").await;
    let mut daemon = common::start_daemon_with(
        broker.port,
        tempfile::tempdir().unwrap(),
        &[("HABITD__MQTT__DECISIONS", "no_deploy")],
    );
    watch.wait_for_text(AVAILABILITY, "online").await;
    watch
        .publish("habitd/suggestions/habitd_anything/set", "deploy", false)
        .await;
    log_shows(&daemon, "mqtt.decisions does not allow it").await;
    watch
        .publish("habitd/suggestions/habitd_anything/set", "approve", false)
        .await;
    // The approval reaches the surface, which finds no such suggestion.
    watch
        .wait_for("habitd/status", |m| m.text().contains("habitd_anything"))
        .await;
    daemon.terminate();
    assert_eq!(daemon.exit_code().await, Some(0), "{}", daemon.log());
}

/// README's broker ACL, on a real Mosquitto: another client of the broker
/// may read habitd's topics but its commands never reach habitd, while
/// Home Assistant's do.
#[tokio::test]
async fn with_the_documented_acl_only_home_assistant_decides() {
    let auth = tempfile::tempdir().unwrap();
    let passwd = auth.path().join("passwd");
    for (i, (user, password)) in [
        ("habitd", "h-pw"),
        ("homeassistant", "ha-pw"),
        ("intruder", "i-pw"),
    ]
    .iter()
    .enumerate()
    {
        let mut command = std::process::Command::new("mosquitto_passwd");
        if i == 0 {
            command.arg("-c");
        }
        let status = command
            .arg("-b")
            .arg(&passwd)
            .args([user, password])
            .status();
        assert!(
            status.is_ok_and(|s| s.success()),
            "mosquitto_passwd must be installed (it comes with mosquitto)"
        );
    }
    let readme =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
            .unwrap();
    let acl = readme
        .split("# /etc/mosquitto/acl\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("README shows the ACL");
    std::fs::write(auth.path().join("acl"), acl).unwrap();
    let broker = Broker::start_with(&format!(
        "allow_anonymous false\npassword_file {}\nacl_file {}\n",
        passwd.display(),
        auth.path().join("acl").display()
    ));

    let mut home_assistant =
        Watcher::connect_as(broker.port, "habitd/#", Some(("homeassistant", "ha-pw"))).await;
    let mut daemon = common::start_daemon_with(
        broker.port,
        tempfile::tempdir().unwrap(),
        &[
            ("HABITD__MQTT__USERNAME", "habitd"),
            ("HABITD__MQTT__PASSWORD", "h-pw"),
        ],
    );
    home_assistant.wait_for_text(AVAILABILITY, "online").await;
    let intruder = Watcher::connect_as(broker.port, "habitd/#", Some(("intruder", "i-pw"))).await;
    intruder
        .publish(
            "habitd/suggestions/habitd_from_intruder/set",
            "deploy",
            false,
        )
        .await;
    home_assistant
        .publish(
            "habitd/suggestions/habitd_from_home_assistant/set",
            "approve",
            false,
        )
        .await;
    log_shows(&daemon, "habitd_from_home_assistant").await;
    daemon.terminate();
    assert_eq!(daemon.exit_code().await, Some(0), "{}", daemon.log());
    assert!(
        !daemon.log().contains("habitd_from_intruder"),
        "{}",
        daemon.log()
    );
}
