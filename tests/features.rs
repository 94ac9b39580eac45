//! Unused device features and synergies, on the real 64-device Zigbee2MQTT
//! `bridge/devices` (`tests/data/bridge_devices.json`): the capabilities go
//! through the real decoder and the database, as the daemon stores them.

use habitd::analysis::digest::Digest;
use habitd::analysis::{EntityMeta, Events, Window, features, synergies};
use habitd::config::DatabaseConfig;
use habitd::db::{self, Db};
use habitd::model::{Origin, Record, slugify};
use jiff::tz::TimeZone;

fn capabilities() -> Vec<features::CapabilityInfo> {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(&DatabaseConfig::at(dir.path().join("habitd.db"))).unwrap();
    let mut conn = db.get().unwrap();
    let payload = std::fs::read("tests/data/bridge_devices.json").unwrap();
    let (devices, errors) = habitd::z2m::devices::parse(&payload).unwrap();
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(devices.len(), 65, "64 devices and the coordinator");
    db::events::write_batch(
        &mut conn,
        &mut db::events::EntityIds::new(),
        &[Record::Devices(devices)],
    )
    .unwrap();
    db::window::capabilities(&conn).unwrap()
}

/// What the miners see of `events` in `w`.
fn digest(w: &Window, events: &Events) -> Digest {
    let all = 0..events.len();
    Digest::of(&w.entities, &w.states, events, all, 600_000, &TimeZone::UTC)
}

/// A window where the given Zigbee2MQTT properties changed a few times.
fn used(properties: &[(&str, &str)]) -> Window {
    let mut w = Window::default();
    let mut events = Events::default();
    for (i, (device, property)) in properties.iter().enumerate() {
        w.entities.push(EntityMeta {
            entity_id: format!("zigbee2mqtt.{}", slugify(&format!("{device}_{property}"))),
            ..Default::default()
        });
        for k in 0..5 {
            events.ts.push(1_000 * i as i64 + k);
            events.entity.push(i as u32);
            events.state.push(0);
            events.origin.push(Origin::User);
        }
    }
    w.states = vec!["x".into()];
    w.digest = digest(&w, &events);
    w
}

#[test]
fn unused_settable_features_are_found_on_real_devices() {
    let caps = capabilities();
    let window = used(&[
        ("living_room/ceiling_light", "state"),
        ("living_room/ceiling_light", "brightness"),
        ("kitchen/ceiling_light", "state"),
    ]);
    let found = features::detect(&window, &caps);
    let of = |device: &str, property: &str| {
        found
            .iter()
            .find(|f| f.device == device && f.property == property)
    };
    // A light used every day whose colour temperature never changed: the
    // top hint.
    let hint =
        of("living_room/ceiling_light", "color_temp").unwrap_or_else(|| panic!("{found:#?}"));
    assert!(hint.device_usage > 0);
    assert_eq!(found[0].device, "living_room/ceiling_light", "{found:#?}");
    // Advice, not a catalogue: only the used devices, two hints each at most,
    // no settings but the power-on behaviour.
    assert!(
        found.iter().all(|f| f.device.ends_with("ceiling_light")),
        "{found:#?}"
    );
    assert_eq!(found.len(), 4, "{found:#?}");
    assert!(of("living_room/ceiling_light", "color_temp_startup").is_none());
    // What was used, and what cannot be set, is never a hint.
    assert!(of("living_room/ceiling_light", "brightness").is_none());
    assert!(of("living_room/tv_plug", "power").is_none(), "read-only");
    assert!(
        of("living_room/climate", "temperature").is_none(),
        "a measurement"
    );
    assert!(
        found
            .iter()
            .all(|f| f.property != "linkquality" && f.property != "battery")
    );
    let settable: std::collections::HashSet<(&str, &str)> = caps
        .iter()
        .filter(|c| c.access & 2 != 0 && c.category.as_deref() != Some("diagnostic"))
        .map(|c| (c.device.as_str(), c.property.as_str()))
        .collect();
    assert!(
        found
            .iter()
            .all(|f| settable.contains(&(f.device.as_str(), f.property.as_str())))
    );
}

#[test]
fn synergies_pair_sensors_and_actors_of_one_room_that_nothing_links() {
    let mut w = Window::default();
    let entity = |id: &str, class: Option<&str>, area: Option<&str>| EntityMeta {
        entity_id: id.into(),
        device_class: class.map(Into::into),
        area: area.map(Into::into),
        ..Default::default()
    };
    w.entities = vec![
        entity("binary_sensor.office_presence", Some("occupancy"), None),
        entity("light.office_desk", None, None),
        entity("binary_sensor.hall_motion", Some("motion"), Some("Hall")),
        entity("light.ceiling_2", None, Some("Hall")),
        entity("light.bedroom", None, None),
        entity("binary_sensor.stairs_motion", Some("motion"), None),
        entity("light.stairs", None, None),
    ];
    w.states = vec!["on".into()];
    let mut events = Events::default();
    for (k, e) in [0u32, 1, 1, 2, 3, 3, 3, 4, 5, 6].into_iter().enumerate() {
        events.ts.push(k as i64 * 1000);
        events.entity.push(e);
        events.state.push(0);
        events.origin.push(Origin::User);
    }
    w.digest = digest(&w, &events);
    w.automations.push(habitd::analysis::Automation {
        entity_id: "automation.stairs".into(),
        trigger_entities: ["binary_sensor.stairs_motion".to_owned()].into(),
        action_entities: ["light.stairs".to_owned()].into(),
        has_time_trigger: false,
    });
    let found = synergies::detect(&w, &[]);
    let pairs: Vec<(&str, &str)> = found
        .iter()
        .map(|y| (y.trigger_entity.as_str(), y.action_entity.as_str()))
        .collect();
    // By the first word of the ids, and by Home Assistant's area.
    assert!(
        pairs.contains(&("binary_sensor.office_presence", "light.office_desk")),
        "{pairs:?}"
    );
    assert!(
        pairs.contains(&("binary_sensor.hall_motion", "light.ceiling_2")),
        "{pairs:?}"
    );
    // Not across rooms, and not what an automation already links.
    assert!(!pairs.iter().any(|p| p.1 == "light.bedroom"), "{pairs:?}");
    assert!(
        !pairs.contains(&("binary_sensor.stairs_motion", "light.stairs")),
        "{pairs:?}"
    );
    // The more used actor first.
    assert_eq!(pairs[0], ("binary_sensor.hall_motion", "light.ceiling_2"));
}
