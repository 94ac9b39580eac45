//! The ingest state machine, and what its records become in SQLite.

use jiff::Timestamp;
use serde_json::json;

use super::*;
use crate::config::DatabaseConfig;
use crate::db::{self, Db};
use crate::ha::discovery::ZigbeeSource;

fn ingest() -> Ingest {
    let config =
        crate::config::load_from(None, [("HABITD__ANALYSIS__TIMEZONE".into(), "UTC".into())])
            .unwrap()
            .config;
    Ingest::new(Filter::new(&config.ingest))
}

/// Ingest for a habitd without an eventstream: copies are stored at once.
fn ingest_alone() -> Ingest {
    ingest().without_eventstream()
}

fn at(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn device_state(device: &str, state: serde_json::Value, when: &str) -> Observation {
    Observation::DeviceState {
        device: device.into(),
        state: state.as_object().cloned().unwrap(),
        at: at(when),
    }
}

fn events(records: &[Record]) -> Vec<&StateChange> {
    records
        .iter()
        .filter_map(|r| match r {
            Record::Event(e) => Some(e),
            _ => None,
        })
        .collect()
}

fn contact_sensor() -> Observation {
    Observation::Discovered(vec![Discovered {
        entity_id: "binary_sensor.front_door_contact_contact".into(),
        name: Some("Contact".into()),
        device_class: Some("door".into()),
        unit: None,
        zigbee2mqtt_source: Some(ZigbeeSource {
            device: "front_door/contact".into(),
            property: "contact".into(),
        }),
        states: [("true".into(), "off".into()), ("false".into(), "on".into())].into(),
    }])
}

#[test]
fn zigbee_changes_get_home_assistant_names_and_states() {
    let mut i = ingest_alone();
    i.observe(contact_sensor());
    assert!(
        i.observe(device_state(
            "front_door/contact",
            json!({"contact": true, "battery": 90}),
            "2026-01-01T07:00:00Z"
        ))
        .is_empty()
    );
    let records = i.observe(device_state(
        "front_door/contact",
        json!({"contact": false, "battery": 89}),
        "2026-01-01T07:01:00Z",
    ));
    let e = events(&records);
    assert_eq!(e.len(), 1, "{records:?}");
    assert_eq!(e[0].entity_id, "binary_sensor.front_door_contact_contact");
    assert_eq!(
        (e[0].old_state.as_deref(), e[0].state.as_str()),
        (Some("off"), "on")
    );
    assert_eq!(e[0].at, at("2026-01-01T07:01:00Z"));
}

#[test]
fn unmapped_zigbee_properties_keep_a_zigbee2mqtt_name() {
    let mut i = ingest();
    i.observe(device_state(
        "hall/remote",
        json!({"battery": 1}),
        "2026-01-01T07:00:00Z",
    ));
    let records = i.observe(device_state(
        "hall/remote",
        json!({"battery": 1, "action": "on"}),
        "2026-01-01T07:00:01Z",
    ));
    let e = events(&records);
    assert_eq!(e[0].entity_id, "zigbee2mqtt.hall_remote_action");
    assert_eq!(
        (e[0].old_state.as_deref(), e[0].state.as_str()),
        (None, "on")
    );
}

#[test]
fn the_eventstream_copy_of_a_change_wins() {
    let mut i = ingest();
    i.observe(contact_sensor());
    let change = StateChange {
        entity_id: "binary_sensor.front_door_contact_contact".into(),
        at: at("2026-01-01T07:00:00Z"),
        state: "on".into(),
        old_state: Some("off".into()),
        origin: Origin::Device,
    };
    let info = EntityInfo {
        entity_id: change.entity_id.clone(),
        ..Default::default()
    };
    assert_eq!(
        events(&i.observe(Observation::StateChanged(change.clone(), info))).len(),
        1
    );
    i.observe(device_state(
        "front_door/contact",
        json!({"contact": true}),
        "2026-01-01T07:00:00Z",
    ));
    let dup = i.observe(device_state(
        "front_door/contact",
        json!({"contact": false}),
        "2026-01-01T07:00:00.2Z",
    ));
    assert!(events(&dup).is_empty());
    let streamed = Observation::StateStream {
        change,
        snapshot: false,
    };
    assert!(events(&i.observe(streamed)).is_empty());
    assert_eq!(i.stats.duplicates_of_eventstream, 2);
}

#[test]
fn statestream_snapshots_and_repeats_are_not_changes() {
    let mut i = ingest_alone();
    let state = |s: &str, snapshot| Observation::StateStream {
        change: StateChange {
            entity_id: "switch.kettle".into(),
            at: at("2026-01-01T07:00:00Z"),
            state: s.into(),
            old_state: None,
            origin: Origin::Device,
        },
        snapshot,
    };
    assert!(events(&i.observe(state("off", true))).is_empty());
    assert!(events(&i.observe(state("off", false))).is_empty());
    let on = i.observe(state("on", false));
    assert_eq!(events(&on)[0].old_state.as_deref(), Some("off"));
}

#[test]
fn filtered_entities_are_counted_not_stored() {
    let mut i = ingest();
    let sun = StateChange {
        entity_id: "sun.sun".into(),
        at: at("2026-01-01T07:00:00Z"),
        state: "above_horizon".into(),
        old_state: Some("below_horizon".into()),
        origin: Origin::Device,
    };
    assert!(i.observe(from_eventstream(sun)).is_empty());
    assert_eq!(i.stats.filtered, 1);
}

#[tokio::test]
async fn records_are_stored_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(&DatabaseConfig {
        pool_size: 2,
        ..DatabaseConfig::at(dir.path().join("habitd.db"))
    })
    .unwrap();
    let change = |state: &str, when: &str, origin| {
        Record::Event(StateChange {
            entity_id: "light.kitchen".into(),
            at: at(when),
            state: state.into(),
            old_state: None,
            origin,
        })
    };
    let batch = vec![
        Record::Entity(EntityInfo {
            entity_id: "light.kitchen".into(),
            friendly_name: Some("Kitchen".into()),
            ..Default::default()
        }),
        // 06:45 in Berlin in winter (UTC+1) and in summer (UTC+2).
        change("on", "2026-01-05T05:45:00Z", Origin::User),
        change("on", "2026-07-06T04:45:00Z", Origin::Device),
        change("off", "2026-07-06T05:00:00Z", Origin::Automation),
        change("unavailable", "2026-07-06T06:00:00Z", Origin::Device),
    ];
    let mut ids = db::events::EntityIds::new();
    let mut conn = db.get().unwrap();
    let first = db::events::write_batch(&mut conn, &mut ids, &batch).unwrap();
    assert_eq!((first.stored, first.duplicates), (4, 0));
    // A re-delivery, with a fresh id cache as after a restart.
    let again =
        db::events::write_batch(&mut conn, &mut db::events::EntityIds::new(), &batch).unwrap();
    assert_eq!((again.stored, again.duplicates), (0, 4));

    let name: String = conn
        .query_row(
            "SELECT friendly_name FROM entities WHERE entity_id = 'light.kitchen'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(name, "Kitchen");

    // Retention: everything before July goes.
    let pruned = db::events::prune(&conn, at("2026-07-01T00:00:00Z")).unwrap();
    assert_eq!(pruned, 1);
    assert_eq!(db::events::count(&conn).unwrap(), 3);
}

#[test]
fn areas_fall_back_to_the_mapping_then_zigbee_names() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(&DatabaseConfig::at(dir.path().join("habitd.db"))).unwrap();
    let mut conn = db.get().unwrap();
    let entity = |id: &str| {
        Record::Entity(EntityInfo {
            entity_id: id.into(),
            ..Default::default()
        })
    };
    let devices = crate::z2m::devices::parse(
        br#"[{"ieee_address": "0x1", "friendly_name": "hall/motion",
        "definition": {"exposes": [{"type": "binary", "property": "occupancy", "access": 1}]}}]"#,
    )
    .unwrap()
    .0;
    let batch = vec![
        entity("light.kitchen_ceiling"),
        entity("binary_sensor.hall_motion_occupancy"),
        entity("switch.kettle"),
        Record::Devices(devices),
        Record::Mapping {
            device: "hall/motion".into(),
            property: "occupancy".into(),
            entity_id: "binary_sensor.hall_motion_occupancy".into(),
        },
    ];
    db::events::write_batch(&mut conn, &mut db::events::EntityIds::new(), &batch).unwrap();
    conn.execute(
        "UPDATE entities SET area = 'Kitchen' WHERE entity_id = 'light.kitchen_ceiling'",
        [],
    )
    .unwrap();
    let mapping = vec![(
        "Utility".to_owned(),
        vec!["switch.kett*".to_owned(), "light.*".to_owned()],
    )];
    assert_eq!(db::events::fill_areas(&mut conn, &mapping).unwrap(), 2);
    let area = |id: &str| -> Option<String> {
        conn.query_row(
            "SELECT area FROM entities WHERE entity_id = ?1",
            [id],
            |r| r.get(0),
        )
        .unwrap()
    };
    assert_eq!(
        area("light.kitchen_ceiling").as_deref(),
        Some("Kitchen"),
        "Home Assistant's area stays"
    );
    assert_eq!(area("switch.kettle").as_deref(), Some("Utility"));
    assert_eq!(
        area("binary_sensor.hall_motion_occupancy").as_deref(),
        Some("hall")
    );
}

fn change(entity: &str, old: Option<&str>, state: &str, when: &str, origin: Origin) -> StateChange {
    StateChange {
        entity_id: entity.into(),
        at: at(when),
        state: state.into(),
        old_state: old.map(Into::into),
        origin,
    }
}

fn from_eventstream(c: StateChange) -> Observation {
    let info = EntityInfo {
        entity_id: c.entity_id.clone(),
        ..Default::default()
    };
    Observation::StateChanged(c, info)
}

fn from_statestream(entity: &str, state: &str, when: &str) -> Observation {
    Observation::StateStream {
        change: change(entity, None, state, when, Origin::Device),
        snapshot: false,
    }
}

#[test]
fn statestream_first_then_eventstream_is_stored_once_with_its_origin() {
    let mut i = ingest();
    // The statestream's baseline, then its copy of an automation's change
    // 40 ms before the eventstream's (as Home Assistant 2025.4 sends them).
    assert!(
        events(&i.observe(from_statestream(
            "light.garden",
            "off",
            "2026-01-01T18:00:00Z"
        )))
        .is_empty()
    );
    let early = i.observe(from_statestream(
        "light.garden",
        "on",
        "2026-01-01T19:00:00Z",
    ));
    assert!(events(&early).is_empty(), "held back for the eventstream");
    let e = change(
        "light.garden",
        Some("off"),
        "on",
        "2026-01-01T19:00:00.04Z",
        Origin::Automation,
    );
    let stored = i.observe(from_eventstream(e));
    assert_eq!(events(&stored).len(), 1);
    assert_eq!(events(&stored)[0].origin, Origin::Automation);
    // Later copies are dropped at once.
    let late = i.observe(from_statestream(
        "light.garden",
        "off",
        "2026-01-01T20:00:00Z",
    ));
    let e = change(
        "light.garden",
        Some("on"),
        "off",
        "2026-01-01T20:00:00Z",
        Origin::User,
    );
    let stored = i.observe(from_eventstream(e));
    assert!(events(&late).is_empty());
    assert_eq!(events(&stored)[0].origin, Origin::User);
    assert_eq!(i.stats.duplicates_of_eventstream, 2);
}

#[test]
fn without_an_eventstream_a_held_copy_is_stored_after_the_hold() {
    let mut i = ingest();
    i.observe(from_statestream(
        "switch.kettle",
        "off",
        "2026-01-01T07:00:00Z",
    ));
    assert!(
        events(&i.observe(from_statestream(
            "switch.kettle",
            "on",
            "2026-01-01T07:01:00Z"
        )))
        .is_empty()
    );
    // Anything later than the hold releases it, with its own time.
    let released = i.observe(from_statestream("light.a", "on", "2026-01-01T07:01:05Z"));
    let e = events(&released);
    assert_eq!(e.len(), 1);
    assert_eq!(
        (e[0].entity_id.as_str(), e[0].at),
        ("switch.kettle", at("2026-01-01T07:01:00Z"))
    );
    // From then on copies are stored at once.
    let now = i.observe(from_statestream(
        "switch.kettle",
        "off",
        "2026-01-01T07:02:00Z",
    ));
    assert_eq!(events(&now).len(), 1);
}

#[test]
fn start_up_states_and_habitds_own_entities_are_not_actions() {
    let mut i = ingest();
    let start = change(
        "light.porch",
        None,
        "off",
        "2026-01-01T07:00:00Z",
        Origin::Device,
    );
    let records = i.observe(from_eventstream(start));
    assert!(
        events(&records).is_empty(),
        "old_state null: Home Assistant starting"
    );
    assert!(
        records
            .iter()
            .any(|r| matches!(r, Record::Entity(e) if e.entity_id == "light.porch"))
    );
    for own in [
        "button.habitd_analyze",
        "sensor.habitd_last_run",
        "button.habitd_analyze_now",
    ] {
        let press = change(
            own,
            Some("unknown"),
            "2026-01-01T07:00:01+00:00",
            "2026-01-01T07:00:01Z",
            Origin::User,
        );
        assert!(i.observe(from_eventstream(press)).is_empty(), "{own}");
    }
    assert_eq!(i.stats.not_actions, 4);
}

/// A real Home Assistant's messages, in the order it sent them, through the
/// decoders and ingest: every change stored once, with the eventstream's
/// origin.
fn replay(file: &str) -> (Vec<StateChange>, usize) {
    use std::io::BufRead;
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(file);
    let reader = std::io::BufReader::new(std::fs::File::open(path).unwrap());
    let mut i = ingest();
    let mut stored = Vec::new();
    let mut eventstream_changes = 0;
    for line in reader.lines() {
        let m: serde_json::Value = serde_json::from_str(&line.unwrap()).unwrap();
        let (topic, raw) = (m["topic"].as_str().unwrap(), m["raw"].as_str().unwrap());
        let received: Timestamp = m["ts"].as_str().unwrap().parse().unwrap();
        let observation = if topic == "ha_events" {
            match crate::ha::eventstream::decode(raw.as_bytes()).unwrap() {
                Some((c, info)) => {
                    eventstream_changes += usize::from(c.old_state.is_some());
                    Observation::StateChanged(c, info)
                }
                None => continue,
            }
        } else if let Some(rest) = topic.strip_prefix("ha_stream/") {
            match crate::ha::statestream::decode(rest, raw.as_bytes(), received).unwrap() {
                Some(change) => Observation::StateStream {
                    change,
                    snapshot: m["retain"] == true,
                },
                None => continue,
            }
        } else {
            continue;
        };
        stored.extend(events(&i.observe(observation)).into_iter().cloned());
    }
    stored.extend(events(&i.drain()).into_iter().cloned());
    (stored, eventstream_changes)
}

#[test]
fn real_captures_store_each_change_once_whatever_the_order() {
    // 2024.3 sends the eventstream copy first, 2025.4 the statestream copy.
    for file in ["mqtt_capture_ha2024.3.jsonl", "mqtt_capture_ha2025.4.jsonl"] {
        let (stored, eventstream_changes) = replay(file);
        assert_eq!(stored.len(), eventstream_changes, "{file}: {stored:#?}");
        // The automation's change, once, as the automation's.
        let automated: Vec<_> = stored
            .iter()
            .filter(|c| c.entity_id == "input_text.last_suggestion" && c.state == "job 43 failed")
            .collect();
        assert_eq!(automated.len(), 1, "{file}");
        assert_eq!(automated[0].origin, Origin::Automation, "{file}");
        assert!(
            stored.iter().all(|c| c.old_state.is_some()),
            "{file}: no start-up states"
        );
    }
}

#[test]
fn while_home_assistant_is_offline_zigbee_changes_are_kept() {
    let mut i = ingest();
    i.observe(contact_sensor());
    let e = change(
        "light.a",
        Some("off"),
        "on",
        "2026-01-01T07:00:00Z",
        Origin::User,
    );
    i.observe(from_eventstream(e));
    i.observe(device_state(
        "front_door/contact",
        json!({"contact": true}),
        "2026-01-01T07:00:01Z",
    ));
    let while_live = i.observe(device_state(
        "front_door/contact",
        json!({"contact": false}),
        "2026-01-01T07:00:02Z",
    ));
    assert!(events(&while_live).is_empty(), "the eventstream has it");
    i.home_assistant_offline();
    i.observe(device_state(
        "front_door/contact",
        json!({"contact": true}),
        "2026-01-01T07:01:00Z",
    ));
    let later = i.observe(device_state(
        "front_door/contact",
        json!({"contact": false}),
        "2026-01-01T07:01:05Z",
    ));
    // The first waited for the eventstream in vain, so it is stored, and
    // from then on copies are stored at once.
    let e = events(&later);
    assert_eq!(e.len(), 2, "{later:?}");
    assert_eq!((e[0].state.as_str(), e[1].state.as_str()), ("off", "on"));
    assert!(i.drain().is_empty());
}

#[test]
fn home_assistants_clock_running_ahead_releases_nothing_early() {
    let mut i = ingest();
    i.observe(from_statestream(
        "light.hall",
        "off",
        "2026-01-01T07:00:00Z",
    ));
    i.observe(from_statestream("light.hall", "on", "2026-01-01T07:01:00Z"));
    // Home Assistant's clock is a minute ahead of this machine's.
    let other = change(
        "light.porch",
        Some("off"),
        "on",
        "2026-01-01T07:02:00Z",
        Origin::User,
    );
    assert_eq!(events(&i.observe(from_eventstream(other))).len(), 1);
    let copy = change(
        "light.hall",
        Some("off"),
        "on",
        "2026-01-01T07:02:00.01Z",
        Origin::User,
    );
    let stored = i.observe(from_eventstream(copy));
    assert_eq!(events(&stored).len(), 1);
    assert_eq!(events(&stored)[0].origin, Origin::User);
    assert!(
        i.drain().is_empty(),
        "the held copy was the eventstream's duplicate"
    );
}

/// The import's fast paths (storing input in time order as it is read,
/// leaving out what is stored) against staging everything: the database
/// must end up the same, row for row.
mod import_paths {
    use std::io::Write;
    use std::path::{Path, PathBuf};

    use super::*;
    use crate::ingest::import::{ImportReport, Importer};

    /// An eventstream line.
    fn line(entity: &str, old: &str, new: &str, when: &str, user: bool) -> String {
        let user = if user { "\"u1\"" } else { "null" };
        format!(
            r#"{{"event_type":"state_changed","event_data":{{"entity_id":"{entity}","old_state":{{"state":"{old}","last_changed":"{when}"}},"new_state":{{"state":"{new}","attributes":{{"friendly_name":"N \"{entity}\""}},"last_changed":"{when}","context":{{"id":"x","parent_id":null,"user_id":{user}}}}}}}}}"#
        )
    }

    /// `n` toggles of five entities (one of a filtered domain), in time
    /// order, with a line that is not an event and one that is garbage.
    fn ordered(n: usize) -> Vec<String> {
        let entities = [
            "light.hall",
            "switch.fan",
            "binary_sensor.door",
            "light.desk",
            "sun.sun",
        ];
        let mut lines = Vec::new();
        for i in 0..n {
            let entity = entities[(i * 7 + i / 3) % entities.len()];
            let (old, new) = if i % 2 == 0 {
                ("off", "on")
            } else {
                ("on", "off")
            };
            let when = Timestamp::from_second(1_780_000_000 + (i as i64) * 37)
                .unwrap()
                .to_string();
            lines.push(line(entity, old, new, &when, i % 3 == 0));
            if i == n / 2 {
                lines.push(r#"{"event_type":"call_service","event_data":{"x":1}}"#.into());
                lines.push("not json".into());
            }
        }
        lines
    }

    fn write(dir: &Path, name: &str, lines: &[String]) -> PathBuf {
        let path = dir.join(name);
        let mut file = std::fs::File::create(&path).unwrap();
        for l in lines {
            writeln!(file, "{l}").unwrap();
        }
        path
    }

    fn database(dir: &Path) -> Db {
        Db::open(&DatabaseConfig {
            pool_size: 2,
            ..DatabaseConfig::at(dir.join("habitd.db"))
        })
        .unwrap()
    }

    /// The default import filter.
    fn filter() -> Filter {
        let config = crate::config::load_from(
            None,
            [("HABITD__ANALYSIS__TIMEZONE".into(), "Europe/Berlin".into())],
        )
        .unwrap()
        .config;
        Filter::new(&config.ingest)
    }

    /// Imports `files` in one import, with or without the fast paths; a
    /// small batch so that several transactions and staged batches happen.
    fn import(db: &Db, files: &[PathBuf], fast: bool) -> ImportReport {
        let filter = filter();
        let mut conn = db.get().unwrap();
        let mut importer = Importer::new(&mut conn, &filter, 7).unwrap();
        if !fast {
            importer.stage_everything();
        }
        for file in files {
            importer.file(file, &mut |_| {}).unwrap();
        }
        importer.finish(&mut |_| {}).unwrap()
    }

    /// Every row of every table, but for the time rows were written.
    fn dump(db: &Db) -> Vec<String> {
        let conn = db.get().unwrap();
        let tables: Vec<String> = conn
            .prepare(
                "SELECT name FROM sqlite_master WHERE type = 'table' \
                 AND name NOT LIKE 'sqlite_%' ORDER BY name",
            )
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let mut rows = Vec::new();
        for table in tables {
            let columns: Vec<String> = conn
                .prepare(&format!("SELECT name FROM pragma_table_info('{table}')"))
                .unwrap()
                .query_map([], |r| r.get(0))
                .unwrap()
                .map(Result::unwrap)
                .filter(|c: &String| c != "updated_at")
                .collect();
            let list = columns.join(", ");
            let mut stmt = conn
                .prepare(&format!("SELECT {list} FROM {table} ORDER BY {list}"))
                .unwrap();
            let mut found = stmt.query([]).unwrap();
            while let Some(row) = found.next().unwrap() {
                let values: Vec<rusqlite::types::Value> =
                    (0..columns.len()).map(|i| row.get(i).unwrap()).collect();
                rows.push(format!("{table}: {values:?}"));
            }
        }
        rows
    }

    /// Runs `steps` (files imported one import after another) on two
    /// databases, fast and staged, and compares rows and reports.
    fn same_either_way(steps: &[Vec<PathBuf>]) -> (Vec<ImportReport>, Vec<String>) {
        let (fast_dir, slow_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let (fast_db, slow_db) = (database(fast_dir.path()), database(slow_dir.path()));
        let mut reports = Vec::new();
        for files in steps {
            let fast = import(&fast_db, files, true);
            let slow = import(&slow_db, files, false);
            assert_eq!(
                ImportReport { staged: 0, ..fast },
                ImportReport { staged: 0, ..slow },
                "{files:?}"
            );
            reports.push(fast);
        }
        let rows = dump(&fast_db);
        assert_eq!(rows, dump(&slow_db));
        assert!(rows.iter().any(|r| r.starts_with("events:")), "{rows:?}");
        (reports, rows)
    }

    #[test]
    fn input_in_time_order_is_stored_as_read_and_the_same() {
        let dir = tempfile::tempdir().unwrap();
        let file = write(dir.path(), "ordered.jsonl", &ordered(60));
        let (reports, _) = same_either_way(&[vec![file]]);
        let r = reports[0];
        assert_eq!((r.read, r.malformed, r.staged, r.duplicates), (60, 1, 0, 0));
        assert_eq!(r.filtered, 12, "sun.sun");
        assert_eq!(r.stored, 48);
    }

    #[test]
    fn out_of_order_input_and_duplicates_within_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let mut lines = ordered(80);
        // The same change twice in a row, and the same key again later with
        // another origin and old state: the first read is kept.
        lines.insert(10, lines[10].clone());
        let when = Timestamp::from_second(1_780_000_000 + 20 * 37)
            .unwrap()
            .to_string();
        let twin = line("light.hall", "unknown", "on", &when, false);
        lines.insert(30, twin.clone());
        lines.push(twin);
        // From the middle on, blocks in reverse: back in time, then in order
        // again.
        let tail = lines.split_off(50);
        for block in tail.chunks(9).rev() {
            lines.extend_from_slice(block);
        }
        let file = write(dir.path(), "shuffled.jsonl", &lines);
        let (reports, rows) = same_either_way(&[vec![file]]);
        let r = reports[0];
        assert!(r.staged > 0 && r.staged < r.read, "{r:?}");
        assert!(r.duplicates >= 2, "{r:?}");
        assert_eq!(r.stored + r.duplicates + r.filtered, r.read);
        assert!(
            rows.iter().any(|r| r.contains("N \\\"light.hall\\\"")),
            "{rows:?}"
        );
    }

    #[test]
    fn partially_stored_history_and_a_second_import_of_everything() {
        let dir = tempfile::tempdir().unwrap();
        let all = ordered(90);
        let first = write(dir.path(), "first.jsonl", &all[20..50]);
        let everything = write(dir.path(), "all.jsonl", &all);
        let mut reversed = all.clone();
        reversed.reverse();
        let backwards = write(dir.path(), "backwards.jsonl", &reversed);
        // A history answer (out of order: one entity after another), then
        // an eventstream in order that overlaps what is stored, then all of
        // it again, in order and backwards.
        let history = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/history_period.json");
        let (reports, _) = same_either_way(&[
            vec![first],
            vec![history.clone()],
            vec![everything.clone()],
            vec![everything, backwards, history],
        ]);
        let partial = reports[2];
        assert_eq!(partial.duplicates, reports[0].stored, "{partial:?}");
        assert!(partial.stored > 0, "{partial:?}");
        let again = reports[3];
        assert_eq!(again.stored, 0, "{again:?}");
        assert_eq!(again.duplicates + again.filtered, again.read, "{again:?}");
        // In time order, nothing is staged; from the backwards file on,
        // everything is.
        assert!(again.staged > 0 && again.staged < again.read, "{again:?}");
    }

    /// Lines are read a chunk at a time: lines across chunk ends, a line
    /// longer than a chunk, line ends with `\r`, blank lines, bytes that
    /// are not UTF-8 (inside an event that is not read, and inside one
    /// that is) and a last line without a line end are read as one line at
    /// a time would read them.
    #[test]
    fn lines_are_read_alike_across_chunks() {
        let dir = tempfile::tempdir().unwrap();
        let mut lines: Vec<Vec<u8>> = ordered(4000).into_iter().map(String::into_bytes).collect();
        let huge = Timestamp::from_second(1_780_000_000 + 700 * 37).unwrap();
        let name = "x".repeat(700 * 1024);
        lines.insert(
            700,
            line("light.long", "off", "on", &huge.to_string(), true)
                .replace("N \\\"light.long\\\"", &name)
                .into_bytes(),
        );
        lines.insert(900, b"   ".to_vec());
        lines.insert(901, Vec::new());
        lines.insert(
            1500,
            b"{\"event_type\":\"call_service\",\"event_data\":{\"x\":\"\xff\"}}".to_vec(),
        );
        let mut bad_state = lines[2000].clone();
        let at = bad_state.windows(4).position(|w| w == b"\"on\"").unwrap();
        bad_state[at + 1] = 0xff;
        lines.insert(2000, bad_state);
        for l in lines.iter_mut().skip(2500).step_by(3) {
            l.push(b'\r');
        }
        let mut bytes = lines.join(&b'\n');
        bytes.truncate(bytes.len() - 1);
        if bytes.last() == Some(&b'\r') {
            bytes.pop();
        }
        let file = dir.path().join("odd.jsonl");
        std::fs::write(&file, &bytes).unwrap();

        // What reading a line at a time finds.
        let (mut changes, mut malformed) = (0, 0);
        for line in bytes.split(|&b| b == b'\n') {
            let line = line.trim_ascii();
            if line.is_empty() {
                continue;
            }
            match crate::ha::eventstream::decode_line(line) {
                Ok(Some(_)) => changes += 1,
                Ok(None) => {}
                Err(_) => malformed += 1,
            }
        }
        assert!(bytes.len() > 1024 * 1024, "{}", bytes.len());
        assert_eq!(malformed, 2, "not json, and the state that is not UTF-8");

        let (reports, rows) = same_either_way(&[vec![file]]);
        let r = reports[0];
        assert_eq!((r.read, r.malformed), (changes, malformed), "{r:?}");
        assert_eq!(r.stored + r.filtered, r.read, "{r:?}");
        assert!(rows.iter().any(|row| row.contains(&name)));
    }

    /// When storing fails (here: another connection holds the write lock
    /// past the busy timeout), the import says so and its decoding thread
    /// stops: `file` returns, with nothing half stored.
    #[test]
    fn a_failed_import_stops_its_decoder() {
        let dir = tempfile::tempdir().unwrap();
        let file = write(dir.path(), "many.jsonl", &ordered(20_000));
        let db = Db::open(&DatabaseConfig {
            pool_size: 2,
            busy_timeout: std::time::Duration::from_millis(20),
            ..DatabaseConfig::at(dir.path().join("habitd.db"))
        })
        .unwrap();
        let other = db.get().unwrap();
        let filter = filter();
        let mut conn = db.get().unwrap();
        let mut importer = Importer::new(&mut conn, &filter, 100).unwrap();
        other.execute_batch("BEGIN IMMEDIATE").unwrap();
        let failed = importer.file(&file, &mut |_| {});
        assert!(failed.is_err(), "{failed:?}");
        drop(importer);
        other.execute_batch("ROLLBACK").unwrap();
        assert_eq!(db::events::count(&conn).unwrap(), 0);
    }
}
