//! Home Assistant MQTT discovery configs published by other integrations.
//!
//! They tell which Home Assistant entity an MQTT state topic feeds. For
//! Zigbee2MQTT that is the missing link between a device property
//! (`kitchen/motion` → `occupancy`) and the entity a user sees
//! (`binary_sensor.kitchen_motion_occupancy`), so findings can name real
//! entities. Configs may use abbreviated keys (`stat_t`, `val_tpl` …, table
//! from Home Assistant's own `abbreviations.py`) and a `~` topic base; both
//! forms, and device-based discovery (`<prefix>/device/<id>/config` with
//! `cmps`), are expanded here.

use std::collections::HashMap;
use std::sync::LazyLock;

use serde_json::{Map, Value};

use crate::model::{slugify, value_text};

/// An entity that a discovery config declares.
#[derive(Debug, Clone, PartialEq)]
pub struct Discovered {
    pub entity_id: String,
    pub name: Option<String>,
    pub device_class: Option<String>,
    pub unit: Option<String>,
    /// Set when a Zigbee2MQTT device state topic feeds it.
    pub zigbee2mqtt_source: Option<ZigbeeSource>,
    /// Payload value → Home Assistant state (`"ON"` → `"on"`).
    pub states: HashMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZigbeeSource {
    pub device: String,
    pub property: String,
}

struct Abbreviations {
    config: HashMap<String, String>,
    device: HashMap<String, String>,
}

static ABBREVIATIONS: LazyLock<Abbreviations> = LazyLock::new(|| {
    #[derive(serde::Deserialize)]
    struct Table {
        #[serde(rename = "ABBREVIATIONS")]
        config: HashMap<String, String>,
        #[serde(rename = "DEVICE_ABBREVIATIONS")]
        device: HashMap<String, String>,
    }
    // Embedded and checked by a test: a parse failure is a build defect.
    let table: Table = serde_json::from_str(include_str!("mqtt_abbreviations.json"))
        .unwrap_or_else(|e| panic!("embedded abbreviation table is invalid: {e}"));
    Abbreviations {
        config: table.config,
        device: table.device,
    }
});

/// Decodes a config published on `<prefix>/<rest>`. An empty payload removes
/// an entity and yields nothing.
pub fn decode(
    rest: &str,
    payload: &[u8],
    zigbee2mqtt_base: Option<&str>,
) -> Result<Vec<Discovered>, String> {
    let parts: Vec<&str> = rest.split('/').collect();
    let (component, object_id) = match parts.as_slice() {
        [component, object, "config"] | [component, _, object, "config"] => (*component, *object),
        _ => {
            return Err(format!(
                "{rest:?} is not <component>/[<node_id>/]<object_id>/config"
            ));
        }
    };
    if payload.is_empty() {
        return Ok(Vec::new());
    }
    let config: Map<String, Value> =
        serde_json::from_slice(payload).map_err(|e| format!("not a JSON object: {e}"))?;
    let config = expand(config);
    if component == "device" {
        let mut shared = config;
        let Some(Value::Object(components)) = shared.remove("components") else {
            return Err("device discovery without components".into());
        };
        let mut found = Vec::new();
        for (id, component_config) in components {
            let Value::Object(own) = component_config else {
                continue;
            };
            let mut merged = shared.clone();
            merged.extend(expand(own));
            let Some(platform) = merged
                .get("platform")
                .and_then(Value::as_str)
                .map(str::to_owned)
            else {
                continue;
            };
            // A component sent as `{"p": "sensor"}` alone is being removed.
            if merged.len() <= shared.len() + 1 {
                continue;
            }
            let merged = expand_tilde(merged);
            if let Some(d) = entity(&platform, &id, &merged, zigbee2mqtt_base) {
                found.push(d);
            }
        }
        return Ok(found);
    }
    let config = expand_tilde(config);
    Ok(entity(component, object_id, &config, zigbee2mqtt_base)
        .into_iter()
        .collect())
}

fn expand(config: Map<String, Value>) -> Map<String, Value> {
    let table = &*ABBREVIATIONS;
    config
        .into_iter()
        .map(|(key, value)| {
            let key = table.config.get(&key).cloned().unwrap_or(key);
            let value = match (key.as_str(), value) {
                ("device", Value::Object(device)) => Value::Object(
                    device
                        .into_iter()
                        .map(|(k, v)| (table.device.get(&k).cloned().unwrap_or(k), v))
                        .collect(),
                ),
                (_, value) => value,
            };
            (key, value)
        })
        .collect()
}

/// `~` at the start or end of a `*_topic` value stands for the `~` key.
fn expand_tilde(mut config: Map<String, Value>) -> Map<String, Value> {
    let Some(Value::String(base)) = config.get("~").cloned() else {
        return config;
    };
    for (key, value) in config.iter_mut() {
        if !key.ends_with("_topic") && key != "topic" {
            continue;
        }
        if let Value::String(topic) = value {
            if let Some(rest) = topic.strip_prefix('~') {
                *topic = format!("{base}{rest}");
            } else if let Some(rest) = topic.strip_suffix('~') {
                *topic = format!("{rest}{base}");
            }
        }
    }
    config
}

fn text(config: &Map<String, Value>, key: &str) -> Option<String> {
    config.get(key).and_then(Value::as_str).map(str::to_owned)
}

fn entity(
    component: &str,
    object_id: &str,
    config: &Map<String, Value>,
    zigbee2mqtt_base: Option<&str>,
) -> Option<Discovered> {
    let entity_id = if let Some(default) = text(config, "default_entity_id") {
        let (domain, object) = default.split_once('.').unwrap_or((component, &default));
        format!("{domain}.{}", slugify(object))
    } else {
        let object = text(config, "object_id").unwrap_or_else(|| object_id.to_owned());
        format!("{component}.{}", slugify(&object))
    };
    if !super::is_entity_id(&entity_id) {
        return None;
    }
    let mut states = HashMap::new();
    for (key, state) in [
        ("payload_on", "on"),
        ("payload_off", "off"),
        ("state_on", "on"),
        ("state_off", "off"),
        ("state_locked", "locked"),
        ("state_unlocked", "unlocked"),
        ("state_open", "open"),
        ("state_closed", "closed"),
        ("state_opening", "opening"),
        ("state_closing", "closing"),
    ] {
        if let Some(value) = config.get(key) {
            states.insert(value_text(value), state.to_owned());
        }
    }
    Some(Discovered {
        zigbee2mqtt_source: zigbee2mqtt_base
            .and_then(|base| zigbee_source(component, config, base)),
        entity_id,
        name: text(config, "name"),
        device_class: text(config, "device_class"),
        unit: text(config, "unit_of_measurement"),
        states,
    })
}

/// The Zigbee2MQTT device and property behind an entity, from its state
/// topic and the property its template reads.
fn zigbee_source(component: &str, config: &Map<String, Value>, base: &str) -> Option<ZigbeeSource> {
    let (topic_key, template_key) = match component {
        "climate" => ("mode_state_topic", "mode_state_template"),
        "fan" => ("state_topic", "state_value_template"),
        _ => ("state_topic", "value_template"),
    };
    let topic = text(config, topic_key)?;
    let device = topic.strip_prefix(base)?.strip_prefix('/')?;
    if device.starts_with("bridge/") || device == "bridge" {
        return None;
    }
    let property = match text(config, template_key) {
        Some(template) => template_property(&template)?,
        // A JSON-schema light reads `state` from the whole message.
        None if component == "light" => "state".to_owned(),
        None => return None,
    };
    Some(ZigbeeSource {
        device: device.to_owned(),
        property,
    })
}

/// The property a simple template reads: `{{ value_json.occupancy }}`,
/// `{{ value_json["state"] }}`, `{{ value_json['x'] | lower }}`.
fn template_property(template: &str) -> Option<String> {
    let rest = &template[template.find("value_json")? + "value_json".len()..];
    let name: String = if let Some(dotted) = rest.strip_prefix('.') {
        dotted
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    } else {
        let quoted = rest.strip_prefix('[')?;
        let quote = quoted.chars().next().filter(|q| *q == '"' || *q == '\'')?;
        quoted[1..].split(quote).next()?.to_owned()
    };
    (!name.is_empty()).then_some(name)
}

#[cfg(test)]
mod tests;
