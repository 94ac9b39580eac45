//! Home Assistant automation configs, as its config API and `automations.yaml`
//! hold them, in either syntax: what each one is triggered by and acts on,
//! so the analysis never suggests what an automation already does.

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
    let has_time_trigger = as_list(&triggers).iter().any(|t| {
        let kind = t
            .get("trigger")
            .or_else(|| t.get("platform"))
            .and_then(|k| k.as_str());
        matches!(kind, Some("time" | "time_pattern" | "sun"))
    });
    Automation {
        entity_id,
        trigger_entities,
        action_entities,
        has_time_trigger,
    }
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
