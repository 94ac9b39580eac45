//! Discovery configs: Zigbee2MQTT's real ones, and the abbreviated forms.

use std::io::BufRead;

use super::*;

fn zigbee_configs() -> Vec<(String, Vec<u8>)> {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/ha_discovery_z2m.jsonl");
    std::io::BufReader::new(std::fs::File::open(path).unwrap())
        .lines()
        .map(|l| {
            let m: Value = serde_json::from_str(&l.unwrap()).unwrap();
            let topic = m["topic"]
                .as_str()
                .unwrap()
                .strip_prefix("homeassistant/")
                .unwrap()
                .to_owned();
            (topic, serde_json::to_vec(&m["payload"]).unwrap())
        })
        .collect()
}

#[test]
fn every_zigbee2mqtt_config_decodes_and_maps_its_device_property() {
    let mut found = Vec::new();
    for (topic, payload) in zigbee_configs() {
        let decoded = decode(&topic, &payload, Some("zigbee2mqtt"))
            .unwrap_or_else(|e| panic!("{topic}: {e}"));
        found.extend(decoded);
    }
    assert_eq!(found.len(), 635);
    let by_id: HashMap<&str, &Discovered> =
        found.iter().map(|d| (d.entity_id.as_str(), d)).collect();

    let light = by_id["light.living_room_ceiling_light"];
    assert_eq!(
        light.zigbee2mqtt_source,
        Some(ZigbeeSource {
            device: "living_room/ceiling_light".into(),
            property: "state".into()
        })
    );
    let lock = by_id["lock.front_door_lock"];
    assert_eq!(lock.zigbee2mqtt_source.as_ref().unwrap().property, "state");
    assert_eq!(lock.states.get("LOCK").map(String::as_str), Some("locked"));
    let climate = by_id["climate.living_room_radiator"];
    assert_eq!(
        climate.zigbee2mqtt_source.as_ref().unwrap().property,
        "system_mode"
    );

    // Contact sensors report `contact: true` when closed: HA's "off".
    let contact = found
        .iter()
        .find(|d| {
            d.zigbee2mqtt_source
                .as_ref()
                .is_some_and(|s| s.device == "front_door/contact" && s.property == "contact")
        })
        .unwrap();
    assert_eq!(contact.states.get("true").map(String::as_str), Some("off"));
    assert_eq!(contact.device_class.as_deref(), Some("door"));

    // The bridge's own entities are not device properties.
    assert!(
        by_id["binary_sensor.zigbee2mqtt_bridge_connection_state"]
            .zigbee2mqtt_source
            .is_none()
    );
    let mapped = found
        .iter()
        .filter(|d| d.zigbee2mqtt_source.is_some())
        .count();
    assert!(mapped > 400, "{mapped}");
}

#[test]
fn abbreviations_and_the_topic_base_are_expanded() {
    let payload = br#"{"~": "zigbee2mqtt/hall/motion", "stat_t": "~", "val_tpl": "{{ value_json.occupancy }}",
        "dev_cla": "motion", "uniq_id": "x1", "obj_id": "hall_motion", "pl_on": true, "pl_off": false,
        "dev": {"ids": ["0x1"], "mf": "IKEA"}}"#;
    let found = decode(
        "binary_sensor/0x1/occupancy/config",
        payload,
        Some("zigbee2mqtt"),
    )
    .unwrap();
    assert_eq!(found.len(), 1);
    let d = &found[0];
    assert_eq!(d.entity_id, "binary_sensor.hall_motion");
    assert_eq!(d.device_class.as_deref(), Some("motion"));
    assert_eq!(
        d.zigbee2mqtt_source,
        Some(ZigbeeSource {
            device: "hall/motion".into(),
            property: "occupancy".into()
        })
    );
    assert_eq!(d.states.get("true").map(String::as_str), Some("on"));
}

#[test]
fn device_based_discovery_lists_its_components() {
    let payload = br#"{"dev": {"ids": ["plug1"], "name": "Plug"}, "o": {"name": "other"},
        "stat_t": "zigbee2mqtt/plug",
        "cmps": {
            "sw": {"p": "switch", "def_ent_id": "switch.coffee_plug", "val_tpl": "{{ value_json.state }}", "uniq_id": "a"},
            "pw": {"p": "sensor", "object_id": "coffee_power", "unit_of_meas": "W", "val_tpl": "{{ value_json['power'] }}", "uniq_id": "b"},
            "gone": {"p": "sensor"}
        }}"#;
    let found = decode("device/plug1/config", payload, Some("zigbee2mqtt")).unwrap();
    let mut ids: Vec<_> = found.iter().map(|d| d.entity_id.as_str()).collect();
    ids.sort();
    assert_eq!(ids, ["sensor.coffee_power", "switch.coffee_plug"]);
    let power = found
        .iter()
        .find(|d| d.entity_id == "sensor.coffee_power")
        .unwrap();
    assert_eq!(power.unit.as_deref(), Some("W"));
    assert_eq!(power.zigbee2mqtt_source.as_ref().unwrap().property, "power");
}

#[test]
fn removals_and_garbage() {
    assert_eq!(decode("sensor/x/config", b"", None), Ok(vec![]));
    assert!(decode("sensor/x/config", b"[1,2]", None).is_err());
    assert!(decode("sensor/config", b"{}", None).is_err());
}
