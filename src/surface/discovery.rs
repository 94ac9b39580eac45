//! habitd's entities in Home Assistant's MQTT discovery, in the shape the
//! Home Assistant in use reads.
//!
//! [`entities`] lists them once; [`messages`] turns them into either one
//! device-based config (`<prefix>/device/<node>/config`, Home Assistant
//! 2024.11 and later) or one config per entity
//! (`<prefix>/<component>/<node>/<key>/config`, every release). Every entity
//! gets the same entity id on every release: `object_id` fixes it before
//! 2025.10 (later releases ignore it, 2026.4 dropped it), `default_entity_id`
//! from 2025.10 on (earlier releases ignore it); with the version unknown
//! both are sent, which every tested release reads without a warning.
//!
//! The "Last analysis" sensors read `<base>/job/last`, which holds only
//! finished jobs, so they keep their value while a job runs.

use serde_json::{Map, Value, json};

use crate::model::{DiscoveryShape, HaVersion};
use crate::mqtt::Topics;

/// One of habitd's entities.
#[derive(Debug, Clone, PartialEq)]
pub struct Entity {
    pub component: &'static str,
    pub key: &'static str,
    pub config: Value,
}

/// The select's option when nothing is selected; always the first option,
/// so the select never has to show a suggestion nobody picked.
pub const NONE_OPTION: &str = "(none selected)";

/// habitd's entities; `options` are the select's suggestion titles.
pub fn entities(t: &Topics, options: &[String]) -> Vec<Entity> {
    let status = t.job_status();
    let last = t.job_last();
    let entity = |component, key, name: &str, mut config: Value| {
        config["name"] = json!(name);
        Entity {
            component,
            key,
            config,
        }
    };
    let mut select_options = vec![NONE_OPTION.to_owned()];
    select_options.extend(options.iter().cloned());
    vec![
        entity(
            "sensor",
            "analysis_state",
            "Analysis state",
            json!({
            "state_topic": status, "value_template": "{{ value_json.state }}", "icon": "mdi:home-analytics" }),
        ),
        entity(
            "sensor",
            "analysis_progress",
            "Analysis progress",
            json!({
            "state_topic": status, "value_template": "{{ value_json.progress }}", "unit_of_measurement": "%" }),
        ),
        entity(
            "sensor",
            "last_run",
            "Last analysis",
            json!({
            "state_topic": last, "device_class": "timestamp",
            "value_template": "{{ value_json.finished_at }}",
            "json_attributes_topic": last }),
        ),
        entity(
            "sensor",
            "last_run_duration",
            "Last analysis duration",
            json!({
            "state_topic": last, "device_class": "duration", "unit_of_measurement": "s",
            "entity_category": "diagnostic",
            "value_template": "{{ value_json.duration_s if value_json.duration_s is not none else 0 }}" }),
        ),
        entity(
            "binary_sensor",
            "running",
            "Analysis running",
            json!({
            "state_topic": status, "device_class": "running",
            "value_template": "{{ 'ON' if value_json.state in ['queued', 'running'] else 'OFF' }}" }),
        ),
        entity(
            "sensor",
            "pending_suggestions",
            "Pending suggestions",
            json!({
            "state_topic": t.suggestions(), "value_template": "{{ value_json.pending }}", "state_class": "measurement",
            "json_attributes_topic": t.suggestions(), "json_attributes_template": "{{ {'top': value_json.top} | tojson }}",
            "icon": "mdi:lightbulb-auto" }),
        ),
        entity(
            "button",
            "analyze",
            "Analyze now",
            json!({
            "command_topic": t.command("analyze"), "payload_press": "PRESS" }),
        ),
        entity(
            "select",
            "suggestion",
            "Suggestion",
            json!({
            "command_topic": t.select_set(), "state_topic": t.select_state(), "options": select_options }),
        ),
        entity(
            "sensor",
            "selected_suggestion",
            "Selected suggestion",
            json!({
            "state_topic": t.selected(), "value_template": "{{ value_json.title[:250] }}",
            "json_attributes_topic": t.selected() }),
        ),
        entity(
            "button",
            "approve",
            "Approve suggestion",
            json!({
            "command_topic": t.selected_set(), "payload_press": "approve" }),
        ),
        entity(
            "button",
            "reject",
            "Reject suggestion",
            json!({
            "command_topic": t.selected_set(), "payload_press": "reject" }),
        ),
        entity(
            "button",
            "deploy",
            "Deploy suggestion",
            json!({
            "command_topic": t.selected_set(), "payload_press": "deploy" }),
        ),
        entity(
            "binary_sensor",
            "problem",
            "Problem",
            json!({
            "state_topic": t.status(), "device_class": "problem", "entity_category": "diagnostic",
            "value_template": "{{ 'ON' if value_json.error else 'OFF' }}",
            "json_attributes_topic": t.status() }),
        ),
    ]
}

/// The retained messages that announce `entities` in `shape`.
pub fn messages(
    t: &Topics,
    entities: &[Entity],
    shape: DiscoveryShape,
    version: Option<HaVersion>,
) -> Vec<(String, String)> {
    let node = t.node();
    let named = |e: &Entity| {
        let mut config = e.config.clone();
        config["unique_id"] = json!(format!("{node}_{}", e.key));
        let object_id = format!("{node}_{}", e.key);
        let default_entity_id = format!("{}.{object_id}", e.component);
        match version.map(HaVersion::reads_default_entity_id) {
            Some(true) => config["default_entity_id"] = json!(default_entity_id),
            Some(false) => config["object_id"] = json!(object_id),
            None => {
                config["object_id"] = json!(object_id);
                config["default_entity_id"] = json!(default_entity_id);
            }
        }
        config
    };
    let version_text = env!("CARGO_PKG_VERSION");
    let device = json!({
        "ids": [node], "name": node.replace('_', " "), "mf": "habitd", "mdl": "habit learner",
        "sw": version_text,
    });
    let origin = json!({ "name": "habitd", "sw": version_text });
    match shape {
        DiscoveryShape::Device => {
            let components: Map<String, Value> = entities
                .iter()
                .map(|e| {
                    let mut config = named(e);
                    config["p"] = json!(e.component);
                    (e.key.to_owned(), config)
                })
                .collect();
            let config = json!({
                "dev": device, "o": origin, "avty_t": t.availability(), "qos": 1, "cmps": components,
            });
            vec![(t.discovery(), config.to_string())]
        }
        DiscoveryShape::Entity => entities
            .iter()
            .map(|e| {
                let mut config = named(e);
                config["dev"] = device.clone();
                config["o"] = origin.clone();
                config["avty_t"] = json!(t.availability());
                config["qos"] = json!(1);
                (t.entity_discovery(e.component, e.key), config.to_string())
            })
            .collect(),
    }
}

/// Every topic a shape publishes on (to clear them when the shape changes).
pub fn topics_of(t: &Topics, shape: DiscoveryShape) -> Vec<String> {
    match shape {
        DiscoveryShape::Device => vec![t.discovery()],
        DiscoveryShape::Entity => entities(t, &[])
            .iter()
            .map(|e| t.entity_discovery(e.component, e.key))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn topics() -> Topics {
        let config = crate::config::load_from(None, Vec::<(String, String)>::new())
            .unwrap()
            .config;
        Topics::new(&config.mqtt, &config.sources)
    }

    fn parse(messages: &[(String, String)]) -> Vec<(String, Value)> {
        messages
            .iter()
            .map(|(t, p)| (t.clone(), serde_json::from_str(p).unwrap()))
            .collect()
    }

    #[test]
    fn before_2024_11_each_entity_has_its_own_config() {
        let t = topics();
        let old = HaVersion::parse("2024.3.3");
        let found = parse(&messages(
            &t,
            &entities(&t, &[]),
            DiscoveryShape::Entity,
            old,
        ));
        assert_eq!(found.len(), 13);
        let (topic, analyze) = found
            .iter()
            .find(|(topic, _)| topic.contains("/analyze/"))
            .unwrap();
        assert_eq!(topic, "homeassistant/button/habitd/analyze/config");
        assert_eq!(analyze["object_id"], "habitd_analyze");
        assert!(analyze.get("default_entity_id").is_none());
        assert_eq!(analyze["unique_id"], "habitd_analyze");
        assert_eq!(analyze["avty_t"], "habitd/availability");
        assert_eq!(analyze["dev"]["ids"][0], "habitd");
        assert_eq!(topics_of(&t, DiscoveryShape::Entity).len(), 13);
    }

    #[test]
    fn device_based_with_the_key_each_release_reads() {
        let t = topics();
        for (version, object_id, default_entity_id) in [
            ("2025.4.4", Some("habitd_analyze"), None),
            ("2026.11.0", None, Some("button.habitd_analyze")),
        ] {
            let found = parse(&messages(
                &t,
                &entities(&t, &["Kitchen light on".into()]),
                DiscoveryShape::Device,
                HaVersion::parse(version),
            ));
            assert_eq!(found.len(), 1);
            let (topic, config) = &found[0];
            assert_eq!(topic, "homeassistant/device/habitd/config");
            let analyze = &config["cmps"]["analyze"];
            assert_eq!(analyze["p"], "button");
            assert_eq!(analyze["object_id"].as_str(), object_id, "{version}");
            assert_eq!(
                analyze["default_entity_id"].as_str(),
                default_entity_id,
                "{version}"
            );
            assert_eq!(
                config["cmps"]["suggestion"]["options"],
                json!([NONE_OPTION, "Kitchen light on"])
            );
        }
        // Unknown: both keys, which every release reads.
        let unknown = parse(&messages(
            &t,
            &entities(&t, &[]),
            DiscoveryShape::Entity,
            None,
        ));
        assert!(
            unknown
                .iter()
                .all(|(_, c)| c.get("object_id").is_some() && c.get("default_entity_id").is_some())
        );
    }
}
