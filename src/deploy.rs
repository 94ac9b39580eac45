//! Deploying an approved suggestion to Home Assistant, and taking it back.
//!
//! Shared by the CLI (`habitd suggestions deploy ID`) and the MQTT commands
//! (the Deploy button), so both record the same outcome: `deployed` with the
//! time, or the error Home Assistant gave, shown on the suggestion.
//!
//! Only an approved suggestion is deployed, and never one whose automation
//! would do what the safety policy forbids (`model::safety`): that is
//! checked on the automation itself, as it would be sent, whatever the
//! suggestion's history.
//!
//! The automation is stored in the syntax of the Home Assistant that the
//! analysis saw. Home Assistant may have been down then, or upgraded since,
//! so the syntax is chosen again here from the version Home Assistant
//! reports now (or reported last): 2024.3 refuses `triggers:`, and a
//! suggestion rendered while it was unreachable must still deploy.

use anyhow::{Context, bail};
use serde_json::Value;

use crate::config::HomeAssistantConfig;
use crate::db::events::Labels;
use crate::db::{self, Db};
use crate::ha::automation;
use crate::ha::rest::{Client, DeployError};
use crate::model::safety::{self, Cause, Hazard, Policy, Target};
use crate::model::{Decision, Syntax, domain};

/// Deploys suggestion `id`; returns its new state.
pub async fn deploy(
    db: &Db,
    ha: Option<&HomeAssistantConfig>,
    policy: &Policy,
    id: &str,
) -> anyhow::Result<db::suggestions::Suggestion> {
    let Some(ha) = ha else {
        bail!("deploying needs homeassistant.url and a token");
    };
    let key = id.to_owned();
    let suggestion = db
        .run(move |conn| db::suggestions::get(conn, &key))
        .await?
        .with_context(|| format!("no suggestion {id:?}"))?;
    if let Err(refused) = suggestion.status.after(Decision::Deploy) {
        bail!("suggestion {id}: {refused}; approve it first");
    }
    let mut config = suggestion.automation.clone();
    if config.is_null() {
        bail!("suggestion {id} is advice without an automation");
    }
    let labels = db.run(|conn| db::events::labels(conn)).await?;
    if let Some((entity, hazard)) = hazard(&config, policy, &labels) {
        tracing::warn!(
            suggestion = id,
            entity,
            "refused to deploy: it would {}",
            hazard.describe()
        );
        bail!(
            "suggestion {id} is not deployed: it would {} ({entity}), which habitd never does",
            hazard.describe()
        );
    }
    if let Some(version) = crate::ha::version::learn(db, Some(ha)).await {
        config = in_syntax(config, version.syntax());
    }
    if ha.deploy_disabled {
        config["initial_state"] = serde_json::Value::Bool(false);
    }
    let outcome = Client::new(ha)?.deploy(id, &config).await;
    let key = id.to_owned();
    let recorded = match &outcome {
        Ok(()) => Ok(()),
        Err(e) => Err(e.to_string()),
    };
    db.run(move |conn| {
        db::suggestions::record_deploy(
            conn,
            &key,
            recorded.as_ref().map(|_| ()).map_err(String::as_str),
        )
    })
    .await?;
    match outcome {
        Ok(()) => {
            tracing::info!(suggestion = id, "deployed to Home Assistant");
            let key = id.to_owned();
            db.run(move |conn| db::suggestions::get(conn, &key))
                .await?
                .context("suggestion vanished")
        }
        Err(DeployError::Refused(message)) => bail!("Home Assistant refused {id}: {message}"),
        Err(DeployError::Other(e)) => Err(e.context(format!("while deploying {id}"))),
    }
}

/// The first hazard of an automation config's service calls, with the
/// entity it concerns.
fn hazard(config: &Value, policy: &Policy, labels: &Labels) -> Option<(String, Hazard)> {
    for call in automation::calls(config) {
        let Some(to) = safety::state_after(&call.service, call.hvac_mode.as_deref()) else {
            continue;
        };
        // A call that names no entity acts on whatever the service reaches.
        let unnamed = [format!("{}.all", domain(&call.service))];
        let entities = if call.entity_ids.is_empty() {
            &unnamed[..]
        } else {
            &call.entity_ids[..]
        };
        for entity in entities {
            let (class, name) = labels.get(entity).cloned().unwrap_or_default();
            let target = Target {
                entity_id: entity,
                device_class: class.as_deref(),
                friendly_name: name.as_deref(),
            };
            // As the suggestions judge it: only the clock, or the entity's
            // own earlier change, starting it is a time of day.
            let cause = if automation::started_only_by_clock_or(config, entity) {
                Cause::TimeOfDay
            } else {
                Cause::OtherDevice
            };
            if let Some(hazard) = policy.hazard(target, &to, cause) {
                return Some((entity.clone(), hazard));
            }
        }
    }
    None
}

/// The same automation in `syntax`'s keys: top-level `triggers` /
/// `conditions` / `actions` or `trigger` / `condition` / `action`, each
/// trigger's `trigger:` or `platform:`, each step's `action:` or `service:`
/// (also inside `choose`, `if`, `sequence` and `parallel`).
pub fn in_syntax(mut config: Value, syntax: Syntax) -> Value {
    let current = syntax == Syntax::Current;
    let Some(top) = config.as_object_mut() else {
        return config;
    };
    for (new, old) in [
        ("triggers", "trigger"),
        ("conditions", "condition"),
        ("actions", "action"),
    ] {
        let (from, to) = if current { (old, new) } else { (new, old) };
        if let Some(value) = top.remove(from) {
            top.insert(to.to_owned(), value);
        }
    }
    let (triggers, actions) = if current {
        ("triggers", "actions")
    } else {
        ("trigger", "action")
    };
    let trigger_keys = if current {
        ("platform", "trigger")
    } else {
        ("trigger", "platform")
    };
    if let Some(list) = top.get_mut(triggers) {
        for item in list_items(list) {
            rename(item, trigger_keys);
        }
    }
    if let Some(list) = top.get_mut(actions) {
        steps_in_syntax(list, current);
    }
    config
}

/// Renames the service key of every step in `steps`, recursively.
fn steps_in_syntax(steps: &mut Value, current: bool) {
    let keys = if current {
        ("service", "action")
    } else {
        ("action", "service")
    };
    for step in list_items(steps) {
        // A step's `action` is a service name only when it is a string with
        // a dot; `service` always is.
        let is_call = step
            .get(keys.0)
            .and_then(Value::as_str)
            .is_some_and(|s| s.contains('.'));
        if is_call {
            rename(step, keys);
        }
        for nested in ["sequence", "then", "else", "default", "parallel"] {
            if let Some(inner) = step.get_mut(nested) {
                steps_in_syntax(inner, current);
            }
        }
        if let Some(choices) = step.get_mut("choose") {
            for choice in list_items(choices) {
                if let Some(inner) = choice.get_mut("sequence") {
                    steps_in_syntax(inner, current);
                }
            }
        }
    }
}

/// A list's items, or a lone item written without a list.
fn list_items(value: &mut Value) -> Vec<&mut Value> {
    match value {
        Value::Array(items) => items.iter_mut().collect(),
        Value::Object(_) => vec![value],
        _ => Vec::new(),
    }
}

fn rename(item: &mut Value, (from, to): (&str, &str)) {
    if let Some(object) = item.as_object_mut()
        && let Some(value) = object.remove(from)
    {
        object.insert(to.to_owned(), value);
    }
}

/// Removes a deployed suggestion's automation; it becomes `approved` again.
pub async fn undeploy(db: &Db, ha: Option<&HomeAssistantConfig>, id: &str) -> anyhow::Result<()> {
    let Some(ha) = ha else {
        bail!("undeploying needs homeassistant.url and a token");
    };
    Client::new(ha)?.undeploy(id).await?;
    let key = id.to_owned();
    db.run(move |conn| db::suggestions::record_undeploy(conn, &key))
        .await
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn current() -> Value {
        json!({
            "id": "habitd_x", "alias": "a", "mode": "single",
            "triggers": [{"trigger": "state", "entity_id": "binary_sensor.m", "to": "on"}],
            "conditions": [{"condition": "time", "after": "18:00:00"}],
            "actions": [
                {"action": "light.turn_on", "target": {"entity_id": "light.h"}},
                {"choose": [{"conditions": [], "sequence": [{"action": "light.turn_off"}]}]}
            ]
        })
    }

    #[test]
    fn an_automation_moves_between_syntaxes_and_back() {
        let legacy = in_syntax(current(), Syntax::Legacy);
        assert_eq!(legacy["trigger"][0]["platform"], "state");
        assert_eq!(legacy["condition"][0]["condition"], "time");
        assert_eq!(legacy["action"][0]["service"], "light.turn_on");
        assert_eq!(
            legacy["action"][1]["choose"][0]["sequence"][0]["service"],
            "light.turn_off"
        );
        assert!(legacy.get("triggers").is_none() && legacy.get("actions").is_none());
        assert_eq!(in_syntax(legacy, Syntax::Current), current());
        assert_eq!(in_syntax(current(), Syntax::Current), current());
    }
    fn policy() -> Policy {
        crate::config::load_from(None, []).unwrap().config.safety
    }

    /// The demo's coffee machine: on at a time, off again after a while on
    /// its own state. A time of day for both calls, so it deploys; the
    /// same appliance switched by the fridge does not.
    #[test]
    fn a_call_is_judged_by_the_triggers_that_start_it() {
        let coffee = json!({
            "triggers": [
                {"trigger": "time", "at": "06:33:00", "id": "on"},
                {"trigger": "state", "entity_id": "switch.coffee_machine", "to": "on",
                 "for": {"minutes": 22}, "id": "off"}
            ],
            "actions": [{"choose": [
                {"conditions": [{"condition": "trigger", "id": "on"}],
                 "sequence": [{"action": "switch.turn_on", "target": {"entity_id": "switch.coffee_machine"}}]},
                {"conditions": [{"condition": "trigger", "id": "off"}],
                 "sequence": [{"action": "switch.turn_off", "target": {"entity_id": "switch.coffee_machine"}}]}
            ]}]
        });
        assert_eq!(hazard(&coffee, &policy(), &Labels::new()), None);
        let microwave = json!({
            "triggers": [{"trigger": "state", "entity_id": "binary_sensor.fridge_door", "to": "on"}],
            "actions": [{"action": "switch.turn_on", "target": {"entity_id": "switch.microwave"}}]
        });
        assert_eq!(
            hazard(&microwave, &policy(), &Labels::new()),
            Some(("switch.microwave".to_owned(), Hazard::ApplianceOnCue))
        );
    }
}
