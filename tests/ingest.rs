//! Ingest end to end: real Home Assistant and Zigbee2MQTT payloads published
//! to a real Mosquitto end up as the right rows in a real SQLite file.

mod common;

use std::io::BufRead;

use common::{Broker, Watcher, start_daemon};
use rusqlite::Connection;

const AVAILABILITY: &str = "habitd/availability";

fn data(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

/// `(topic, payload)` of every line of a capture file.
fn capture(name: &str) -> Vec<(String, Vec<u8>)> {
    std::io::BufReader::new(std::fs::File::open(data(name)).unwrap())
        .lines()
        .map(|l| {
            let m: serde_json::Value = serde_json::from_str(&l.unwrap()).unwrap();
            let payload = match &m["raw"] {
                serde_json::Value::String(raw) => raw.clone().into_bytes(),
                _ => serde_json::to_vec(&m["payload"]).unwrap(),
            };
            (m["topic"].as_str().unwrap().to_owned(), payload)
        })
        .collect()
}

/// Runs one analysis and waits for its end: every message published before
/// the command has then been through ingest (one loop handles both, in order).
async fn barrier(watch: &mut Watcher) {
    watch.publish("habitd/command/analyze", "", false).await;
    watch.job_statuses_until_final().await;
}

fn rows(db: &Connection, sql: &str) -> Vec<(String, i64, String, Option<String>, i64)> {
    db.prepare(sql)
        .unwrap()
        .query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

const EVENTS: &str = "SELECT e.entity_id, ts, state, old_state, origin FROM events \
                      JOIN entities e ON e.id = entity ORDER BY e.entity_id, ts";

#[tokio::test]
async fn home_assistant_streams_become_events_with_time_and_origin() {
    let broker = Broker::start();
    let mut watch = Watcher::connect(broker.port, "habitd/#").await;
    // A retained statestream state left by Home Assistant before habitd ran.
    watch
        .publish("ha_stream/switch/kettle/state", "off", true)
        .await;
    // The capture is days old: believe its times (habitd stamps a message
    // from further away than limits.clock_tolerance with its arrival).
    let mut daemon = common::start_daemon_with(
        broker.port,
        tempfile::tempdir().unwrap(),
        &[("HABITD__LIMITS__CLOCK_TOLERANCE", "3650d")],
    );
    watch.wait_for_text(AVAILABILITY, "online").await;

    // Live statestream of an entity the eventstream below does not report:
    // a repeat of the replayed state, then a change.
    watch
        .publish("ha_stream/switch/kettle/state", "off", false)
        .await;
    watch
        .publish("ha_stream/switch/kettle/state", "on", false)
        .await;
    for (topic, payload) in capture("mqtt_capture_ha2025.4.jsonl") {
        if topic == "ha_events" {
            watch.publish(&topic, payload, false).await;
        }
    }
    watch
        .publish(
            "ha_events",
            "{\"event_type\": \"state_changed\", \"event_data\": 7}",
            false,
        )
        .await;
    watch.publish("ha_events", vec![0xffu8, 0x00], false).await;
    barrier(&mut watch).await;
    daemon.terminate();
    assert_eq!(daemon.exit_code().await, Some(0), "{}", daemon.log());

    let db = Connection::open(daemon.database()).unwrap();
    let all = rows(&db, EVENTS);
    // From the capture: input_boolean.job_running was turned on by a user
    // (user_id in its context) at the time Home Assistant recorded.
    let by_user: Vec<_> = all
        .iter()
        .filter(|r| r.0 == "input_boolean.job_running" && r.4 == 1)
        .collect();
    assert!(!by_user.is_empty(), "{all:#?}");
    // Changes an automation made carry its origin (2).
    assert!(all.iter().any(|r| r.4 == 2), "{all:#?}");
    // Times are Home Assistant's (late November 2026), not receive times.
    let from_capture = all.iter().filter(|r| r.0 != "switch.kettle");
    for r in from_capture {
        let t = jiff::Timestamp::from_millisecond(r.1).unwrap().to_string();
        assert!(t.starts_with("2026-11-28T22:"), "{r:?} at {t}");
    }
    // The replay was a baseline and the repeat no change: one kettle event.
    let kettle: Vec<_> = all.iter().filter(|r| r.0 == "switch.kettle").collect();
    assert_eq!(kettle.len(), 1, "{kettle:?}");
    assert_eq!(
        (kettle[0].2.as_str(), kettle[0].3.as_deref()),
        ("on", Some("off"))
    );

    let log = daemon.log();
    assert!(log.contains("malformed_total=2"), "{log}");
    assert!(log.contains("events flushed"), "{log}");
}

#[tokio::test]
async fn zigbee2mqtt_devices_discovery_and_states() {
    let broker = Broker::start();
    let mut watch = Watcher::connect(broker.port, "habitd/#").await;
    // What Zigbee2MQTT leaves retained on the broker.
    let devices = std::fs::read(data("bridge_devices.json")).unwrap();
    watch
        .publish("zigbee2mqtt/bridge/devices", devices, true)
        .await;
    for (topic, payload) in capture("ha_discovery_z2m.jsonl") {
        watch.publish(&topic, payload, true).await;
    }
    let mut daemon = start_daemon(broker.port);
    watch.wait_for_text(AVAILABILITY, "online").await;

    let door = "zigbee2mqtt/front_door/contact";
    watch
        .publish(
            door,
            r#"{"contact":true,"battery":97,"linkquality":120}"#,
            false,
        )
        .await;
    watch
        .publish(
            door,
            r#"{"contact":true,"battery":97,"linkquality":87}"#,
            false,
        )
        .await;
    watch
        .publish(
            door,
            r#"{"contact":false,"battery":96,"linkquality":90}"#,
            false,
        )
        .await;
    watch
        .publish(
            "zigbee2mqtt/front_door/contact/set",
            r#"{"contact":true}"#,
            false,
        )
        .await;
    watch
        .publish(
            "zigbee2mqtt/kitchen/ceiling_light",
            r#"{"state":"OFF","brightness":50}"#,
            false,
        )
        .await;
    watch
        .publish(
            "zigbee2mqtt/kitchen/ceiling_light",
            r#"{"state":"ON","brightness":50}"#,
            false,
        )
        .await;
    watch
        .publish("zigbee2mqtt/kitchen/ceiling_light", "not json", false)
        .await;
    barrier(&mut watch).await;
    daemon.terminate();
    assert_eq!(daemon.exit_code().await, Some(0), "{}", daemon.log());

    let db = Connection::open(daemon.database()).unwrap();
    let all = rows(&db, EVENTS);
    let names: Vec<(&str, &str, Option<&str>)> = all
        .iter()
        .map(|r| (r.0.as_str(), r.2.as_str(), r.3.as_deref()))
        .collect();
    // Named as Home Assistant names them, in Home Assistant's states; the
    // baseline, the repeat, the diagnostics and the /set are not changes.
    assert_eq!(
        names,
        [
            // Zigbee2MQTT declares `binary_sensor.front_door/contact_contact`.
            (
                "binary_sensor.front_door_contact_contact",
                "on",
                Some("off")
            ),
            ("light.kitchen_ceiling_light", "on", Some("off")),
        ]
    );
    assert!(all.iter().all(|r| r.4 == 0), "device origin");

    let devices: i64 = db
        .query_row("SELECT count(*) FROM devices", [], |r| r.get(0))
        .unwrap();
    assert_eq!(devices, 65);
    let (settable, entity): (i64, Option<String>) = db
        .query_row(
            "SELECT c.access & 2, c.entity_id FROM capabilities c JOIN devices d ON d.ieee_address = c.device \
             WHERE d.friendly_name = 'living_room/ceiling_light' AND c.property = 'state'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(
        (settable, entity.as_deref()),
        (2, Some("light.living_room_ceiling_light"))
    );
    let log = daemon.log();
    assert!(log.contains("malformed_total=1"), "{log}");
    // habitd never publishes under Zigbee2MQTT's base topic.
    assert!(!log.contains("publish zigbee2mqtt"), "{log}");
}
