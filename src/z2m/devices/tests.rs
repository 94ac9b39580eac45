//! The parser against every known device definition and a real home.

use std::io::BufRead;

use super::*;

fn data(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

#[test]
fn every_known_definition_parses() {
    let file = std::fs::File::open(data("all_exposes.jsonl.gz")).unwrap();
    let lines = std::io::BufReader::new(flate2::read::GzDecoder::new(file)).lines();
    #[derive(Deserialize)]
    struct Definition {
        #[serde(default)]
        exposes: Vec<WireExpose>,
    }
    let (mut definitions, mut with_settable) = (0, 0);
    for (n, line) in lines.enumerate() {
        let line = line.unwrap();
        let definition: Definition =
            serde_path_to_error::deserialize(&mut serde_json::Deserializer::from_str(&line))
                .unwrap_or_else(|e| {
                    panic!(
                        "definition on line {}: {} at {}",
                        n + 1,
                        e.inner(),
                        e.path()
                    )
                });
        let caps = capabilities(&definition.exposes);
        assert!(
            caps.iter()
                .all(|c| !c.property.is_empty() && !c.kind.is_empty())
        );
        definitions += 1;
        with_settable += usize::from(caps.iter().any(|c| c.access.settable()));
    }
    assert_eq!(definitions, 4516);
    // Most devices can be controlled somehow; a parser that lost features
    // would find far fewer.
    assert!(with_settable > 3000, "{with_settable}");
}

#[test]
fn a_real_home_parses_completely() {
    let payload = std::fs::read(data("bridge_devices.json")).unwrap();
    let (devices, errors) = parse(&payload).unwrap();
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(devices.len(), 65);

    let coordinator = &devices[0];
    assert_eq!(coordinator.kind.as_deref(), Some("Coordinator"));
    assert!(coordinator.capabilities.is_empty());

    let light = devices
        .iter()
        .find(|d| d.friendly_name == "living_room/ceiling_light")
        .unwrap();
    let state = light
        .capabilities
        .iter()
        .find(|c| c.property == "state")
        .unwrap();
    assert_eq!(state.feature_of.as_deref(), Some("light"));
    assert!(state.access.published() && state.access.settable());
    assert_eq!(state.values, ["ON", "OFF", "TOGGLE"]);
    let color_temp = light
        .capabilities
        .iter()
        .find(|c| c.property == "color_temp")
        .unwrap();
    assert!(color_temp.access.settable());
    assert_eq!(color_temp.unit.as_deref(), Some("mired"));
    let color = light
        .capabilities
        .iter()
        .find(|c| c.property == "color")
        .unwrap();
    assert_eq!(color.kind, "composite");
    let lqi = light
        .capabilities
        .iter()
        .find(|c| c.property == "linkquality")
        .unwrap();
    assert_eq!(lqi.category.as_deref(), Some("diagnostic"));
    assert!(!lqi.access.settable());
}

#[test]
fn odd_devices_are_tolerated_or_reported_alone() {
    let payload = br#"[
        {"ieee_address": "0x1", "friendly_name": "no_definition", "definition": null},
        {"ieee_address": "0x2", "friendly_name": "absent_definition"},
        {"ieee_address": "0x3", "friendly_name": "future",
         "definition": {"exposes": [
            {"type": "hologram", "property": "beam", "access": 7},
            {"type": "numeric"},
            {"type": "binary", "property": "on", "value_on": true, "value_off": false}
         ]}},
        {"friendly_name": "missing ieee"},
        {"ieee_address": "0x5", "friendly_name": 5}
    ]"#;
    let (devices, errors) = parse(payload).unwrap();
    let names: Vec<_> = devices.iter().map(|d| d.friendly_name.as_str()).collect();
    assert_eq!(names, ["no_definition", "absent_definition", "future"]);
    let future = &devices[2].capabilities;
    assert_eq!(future.len(), 2, "{future:?}");
    assert_eq!(future[0].kind, "hologram");
    assert_eq!(future[1].values, ["true", "false"]);
    assert_eq!(errors.len(), 2);
    assert!(errors[0].to_string().contains("#3"), "{}", errors[0]);
    assert!(
        errors[1].to_string().contains("friendly_name"),
        "{}",
        errors[1]
    );

    assert!(parse(b"{\"not\": \"an array\"}").is_err());
}

/// A device list naming one address twice (anyone on the broker can send
/// one) keeps one device, the later entry.
#[test]
fn a_repeated_address_is_one_device() {
    let payload = br#"[
        {"ieee_address": "0x1", "friendly_name": "first", "type": "EndDevice"},
        {"ieee_address": "0x2", "friendly_name": "other", "type": "EndDevice"},
        {"ieee_address": "0x1", "friendly_name": "again", "type": "EndDevice"}
    ]"#;
    let (devices, problems) = parse(payload).unwrap();
    assert!(problems.is_empty());
    let names: Vec<&str> = devices.iter().map(|d| d.friendly_name.as_str()).collect();
    assert_eq!(names, ["again", "other"]);
}
