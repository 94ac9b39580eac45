//! Home Assistant automation configs, as its config API and `automations.yaml`
//! hold them, in either syntax: what each one is triggered by and acts on
//! ([`summarize`]), so the analysis never suggests what an automation
//! already does, and which services it calls on what ([`calls`]), so
//! `deploy` can refuse what the safety policy forbids.

use std::collections::HashSet;

use crate::analysis::Automation;

/// What an automation config triggers on and acts on, in either syntax.
pub fn summarize(entity_id: String, config: &serde_json::Value) -> Automation {
    let part = |new: &str, old: &str| {
        config
            .get(new)
            .or_else(|| config.get(old))
            .cloned()
            .unwrap_or_default()
    };
    let triggers = part("triggers", "trigger");
    let actions = part("actions", "action");
    let mut trigger_entities = HashSet::new();
    collect_entities(&triggers, &mut trigger_entities);
    let mut action_entities = HashSet::new();
    collect_entities(&actions, &mut action_entities);
    let has_time_trigger = as_list(&triggers).iter().any(is_clock);
    Automation {
        entity_id,
        trigger_entities,
        action_entities,
        has_time_trigger,
    }
}

/// One service call in an automation's actions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    /// `lock.unlock`, `light.turn_on` …
    pub service: String,
    /// The entities it names anywhere in the call (target, data, legacy
    /// `entity_id`); empty when it names none.
    pub entity_ids: Vec<String>,
    /// `climate.set_hvac_mode`'s mode.
    pub hvac_mode: Option<String>,
}

/// Every service call in the actions, at any depth (`choose`, `if`,
/// `sequence`, `repeat` …), in either syntax.
pub fn calls(config: &serde_json::Value) -> Vec<Call> {
    let actions = config
        .get("actions")
        .or_else(|| config.get("action"))
        .cloned()
        .unwrap_or_default();
    let mut out = Vec::new();
    collect_calls(&actions, &mut out);
    out
}

fn collect_calls(value: &serde_json::Value, out: &mut Vec<Call>) {
    match value {
        serde_json::Value::Object(map) => {
            let service = ["action", "service"]
                .iter()
                .find_map(|key| map.get(*key).and_then(|v| v.as_str()))
                .filter(|s| s.contains('.'));
            if let Some(service) = service {
                let mut entity_ids = HashSet::new();
                collect_entities(value, &mut entity_ids);
                let mut entity_ids: Vec<String> = entity_ids.into_iter().collect();
                entity_ids.sort();
                let hvac_mode = map
                    .get("data")
                    .and_then(|d| d.get("hvac_mode"))
                    .or_else(|| map.get("hvac_mode"))
                    .and_then(|m| m.as_str())
                    .map(str::to_owned);
                out.push(Call {
                    service: service.to_owned(),
                    entity_ids,
                    hvac_mode,
                });
            }
            for v in map.values() {
                collect_calls(v, out);
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| collect_calls(v, out)),
        _ => {}
    }
}

/// Whether only the clock, or `entity`'s own earlier change ("off 22
/// minutes after on"), starts it: every trigger is a time, time pattern or
/// sun trigger, or names `entity` and nothing else (and there is at least
/// one trigger).
pub fn started_only_by_clock_or(config: &serde_json::Value, entity: &str) -> bool {
    let triggers = config
        .get("triggers")
        .or_else(|| config.get("trigger"))
        .map(as_list)
        .unwrap_or_default();
    !triggers.is_empty()
        && triggers.iter().all(|t| {
            let mut named = HashSet::new();
            collect_entities(t, &mut named);
            is_clock(t) || (!named.is_empty() && named.iter().all(|e| e == entity))
        })
}

/// A time, time pattern or sun trigger, in either syntax.
fn is_clock(trigger: &serde_json::Value) -> bool {
    let kind = trigger
        .get("trigger")
        .or_else(|| trigger.get("platform"))
        .and_then(|k| k.as_str());
    matches!(kind, Some("time" | "time_pattern" | "sun"))
}

fn as_list(value: &serde_json::Value) -> Vec<serde_json::Value> {
    match value {
        serde_json::Value::Array(items) => items.clone(),
        serde_json::Value::Null => Vec::new(),
        other => vec![other.clone()],
    }
}

/// Every string under an `entity_id` key, at any depth (targets, data,
/// `choose` branches …).
fn collect_entities(value: &serde_json::Value, out: &mut HashSet<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, v) in map {
                if key == "entity_id" {
                    for id in as_list(v) {
                        if let Some(id) = id.as_str() {
                            out.insert(id.to_owned());
                        }
                    }
                } else {
                    collect_entities(v, out);
                }
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| collect_entities(v, out)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn calls_at_any_depth_in_both_syntaxes() {
        let config = json!({
            "triggers": [{"trigger": "time", "at": "03:03:00"}],
            "actions": [
                {"action": "lock.unlock", "target": {"entity_id": "lock.front_door"}},
                {"choose": [{"sequence": [{"service": "climate.set_hvac_mode",
                    "entity_id": "climate.living", "data": {"hvac_mode": "heat"}}]}]}
            ]
        });
        let calls = super::calls(&config);
        assert_eq!(calls.len(), 2);
        assert_eq!(calls[0].service, "lock.unlock");
        assert_eq!(calls[0].entity_ids, ["lock.front_door"]);
        assert_eq!(calls[1].hvac_mode.as_deref(), Some("heat"));
        assert!(super::started_only_by_clock_or(&config, "lock.front_door"));
        let legacy = json!({"trigger": [{"platform": "state", "entity_id": "binary_sensor.m"}],
                            "action": [{"service": "switch.turn_on", "entity_id": ["switch.a"]}]});
        assert!(!super::started_only_by_clock_or(&legacy, "switch.a"));
        let own =
            json!({"trigger": [{"platform": "state", "entity_id": "switch.a", "for": "00:22:00"}]});
        assert!(super::started_only_by_clock_or(&own, "switch.a"));
        assert!(!super::started_only_by_clock_or(&own, "switch.b"));
        assert_eq!(super::calls(&legacy)[0].entity_ids, ["switch.a"]);
    }

    #[test]
    fn automations_in_both_syntaxes() {
        let new = super::summarize(
            "automation.a".into(),
            &json!({"triggers": [{"trigger": "state", "entity_id": ["binary_sensor.m"]}],
                    "actions": [{"action": "light.turn_on", "target": {"entity_id": "light.l"}}]}),
        );
        assert!(new.trigger_entities.contains("binary_sensor.m"));
        assert!(new.action_entities.contains("light.l"));
        assert!(!new.has_time_trigger);
        let old = super::summarize(
            "automation.b".into(),
            &json!({"trigger": {"platform": "time", "at": "07:00"},
                    "action": [{"choose": [{"sequence": [{"service": "light.turn_on", "entity_id": "light.k"}]}]}]}),
        );
        assert!(old.has_time_trigger);
        assert!(old.action_entities.contains("light.k"));
    }
}
