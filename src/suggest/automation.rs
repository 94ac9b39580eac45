//! Home Assistant automation configs, built from a [`Plan`].
//!
//! A plan says what to do in habitd's terms; [`render`] writes it in the
//! syntax of the Home Assistant it is for: the current keys (`triggers`,
//! `trigger: time`, `action: light.turn_on`, 2024.10 and later) or the older
//! ones (`trigger`, `platform: time`, `service: light.turn_on`), which
//! 2024.3 still requires. The result is JSON for the REST API and YAML for
//! people.

use serde_json::{Value, json};

use crate::model::{Syntax, domain};

#[derive(Debug, Clone, PartialEq)]
pub enum Trigger {
    /// At a local time of day, `hh:mm`.
    Time(String),
    /// An entity changes to a state (optionally and stays so for a while).
    State {
        entity_id: String,
        to: String,
        for_seconds: Option<u32>,
    },
    /// A numeric sensor goes above or below a value.
    Above {
        entity_id: String,
        value: f64,
    },
    Below {
        entity_id: String,
        value: f64,
    },
    Sunset,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    Weekdays(Vec<&'static str>),
    /// Between local `after` and `before` (`hh:mm`, may wrap midnight).
    Between {
        after: String,
        before: String,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Action {
    /// `light.turn_on` …
    pub service: String,
    pub entity_id: String,
    pub data: Option<Value>,
}

/// What an automation does, before it is written in a syntax.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub triggers: Vec<Trigger>,
    pub conditions: Vec<Condition>,
    pub actions: Vec<Action>,
    /// `single` or `restart` (a motion light restarts its timer).
    pub mode: &'static str,
    /// Triggers that each do their own thing (a light's "on" and its "off"
    /// in one automation): rendered as triggers with ids and one `choose`
    /// on `trigger.id`.
    pub branches: Vec<Branch>,
}

/// One trigger of a plan with what it alone does.
#[derive(Debug, Clone, PartialEq)]
pub struct Branch {
    /// The trigger id, unique in the plan (`on`, `off`).
    pub id: &'static str,
    pub trigger: Trigger,
    /// Checked only for this trigger, after the plan's own conditions.
    pub conditions: Vec<Condition>,
    pub actions: Vec<Action>,
}

impl Plan {
    /// One trigger, one or more actions, no branches.
    pub fn simple(
        triggers: Vec<Trigger>,
        conditions: Vec<Condition>,
        actions: Vec<Action>,
        mode: &'static str,
    ) -> Plan {
        Plan {
            triggers,
            conditions,
            actions,
            mode,
            branches: Vec::new(),
        }
    }

    /// Every trigger with the actions it leads to (for the safety check).
    pub fn steps(&self) -> Vec<(Vec<&Trigger>, &Action)> {
        let plain = self
            .actions
            .iter()
            .map(|a| (self.triggers.iter().collect::<Vec<_>>(), a));
        let branches = self
            .branches
            .iter()
            .flat_map(|b| b.actions.iter().map(move |a| (vec![&b.trigger], a)));
        plain.chain(branches).collect()
    }
}

impl Plan {
    /// Every entity the automation names.
    pub fn entities(&self) -> Vec<&str> {
        let triggers = self
            .triggers
            .iter()
            .chain(self.branches.iter().map(|b| &b.trigger));
        let from_triggers = triggers.filter_map(|t| match t {
            Trigger::State { entity_id, .. }
            | Trigger::Above { entity_id, .. }
            | Trigger::Below { entity_id, .. } => Some(entity_id.as_str()),
            Trigger::Time(_) | Trigger::Sunset => None,
        });
        let actions = self
            .actions
            .iter()
            .chain(self.branches.iter().flat_map(|b| &b.actions));
        from_triggers
            .chain(actions.map(|a| a.entity_id.as_str()))
            .collect()
    }
}

/// The service that puts `entity_id` into `state`, if there is one.
pub fn action_for(entity_id: &str, state: &str) -> Option<Action> {
    let d = domain(entity_id);
    let (service, data) = match (d, state) {
        ("light" | "switch" | "fan" | "input_boolean" | "media_player" | "humidifier", "on") => {
            (format!("{d}.turn_on"), None)
        }
        ("light" | "switch" | "fan" | "input_boolean" | "media_player" | "humidifier", "off") => {
            (format!("{d}.turn_off"), None)
        }
        ("media_player", "playing") => ("media_player.media_play".into(), None),
        ("media_player", "paused") => ("media_player.media_pause".into(), None),
        ("cover", "open") => ("cover.open_cover".into(), None),
        ("cover", "closed") => ("cover.close_cover".into(), None),
        ("lock", "locked") => ("lock.lock".into(), None),
        ("lock", "unlocked") => ("lock.unlock".into(), None),
        (
            "climate",
            mode @ ("off" | "heat" | "cool" | "auto" | "heat_cool" | "dry" | "fan_only"),
        ) => (
            "climate.set_hvac_mode".into(),
            Some(json!({ "hvac_mode": mode })),
        ),
        ("vacuum", "cleaning") => ("vacuum.start".into(), None),
        ("vacuum", "docked") => ("vacuum.return_to_base".into(), None),
        ("valve", "open") => ("valve.open_valve".into(), None),
        ("valve", "closed") => ("valve.close_valve".into(), None),
        ("scene", _) => ("scene.turn_on".into(), None),
        ("script", _) => ("script.turn_on".into(), None),
        _ => return None,
    };
    Some(Action {
        service,
        entity_id: entity_id.to_owned(),
        data,
    })
}

/// The automation config, as Home Assistant's REST API takes it.
pub fn render(id: &str, alias: &str, description: &str, plan: &Plan, syntax: Syntax) -> Value {
    let current = syntax == Syntax::Current;
    let kind_key = if current { "trigger" } else { "platform" };
    let service_key = if current { "action" } else { "service" };
    let mut triggers: Vec<Value> = plan.triggers.iter().map(|t| trigger(t, kind_key)).collect();
    let conditions: Vec<Value> = plan.conditions.iter().map(condition).collect();
    let mut actions: Vec<Value> = plan
        .actions
        .iter()
        .map(|a| action(a, service_key))
        .collect();
    if !plan.branches.is_empty() {
        let mut options = Vec::new();
        for b in &plan.branches {
            let mut t = trigger(&b.trigger, kind_key);
            t["id"] = json!(b.id);
            triggers.push(t);
            let mut conditions = vec![json!({ "condition": "trigger", "id": b.id })];
            conditions.extend(b.conditions.iter().map(condition));
            let sequence: Vec<Value> = b.actions.iter().map(|a| action(a, service_key)).collect();
            options.push(json!({ "conditions": conditions, "sequence": sequence }));
        }
        actions.push(json!({ "choose": options }));
    }
    let (t, c, a) = if current {
        ("triggers", "conditions", "actions")
    } else {
        ("trigger", "condition", "action")
    };
    json!({
        "id": id,
        "alias": alias,
        "description": description,
        "mode": plan.mode,
        t: triggers,
        c: conditions,
        a: actions,
    })
}

fn trigger(t: &Trigger, kind_key: &str) -> Value {
    match t {
        Trigger::Time(at) => json!({ kind_key: "time", "at": format!("{at}:00") }),
        Trigger::State {
            entity_id,
            to,
            for_seconds,
        } => {
            let mut v = json!({ kind_key: "state", "entity_id": entity_id, "to": to });
            if let Some(s) = for_seconds {
                v["for"] = json!({ "seconds": s });
            }
            v
        }
        Trigger::Above { entity_id, value } => {
            json!({ kind_key: "numeric_state", "entity_id": entity_id, "above": value })
        }
        Trigger::Below { entity_id, value } => {
            json!({ kind_key: "numeric_state", "entity_id": entity_id, "below": value })
        }
        Trigger::Sunset => json!({ kind_key: "sun", "event": "sunset" }),
    }
}

fn condition(c: &Condition) -> Value {
    match c {
        Condition::Weekdays(days) => json!({ "condition": "time", "weekday": days }),
        Condition::Between { after, before } => {
            json!({ "condition": "time", "after": format!("{after}:00"), "before": format!("{before}:00") })
        }
    }
}

fn action(a: &Action, service_key: &str) -> Value {
    let mut v = json!({ service_key: a.service, "target": { "entity_id": a.entity_id } });
    if let Some(data) = &a.data {
        v["data"] = data.clone();
    }
    v
}

/// The same config as YAML, for `automations.yaml` or the UI's YAML editor.
pub fn yaml(config: &Value) -> String {
    serde_saphyr::to_string(config).unwrap_or_else(|e| format!("# cannot render YAML: {e}\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn morning() -> Plan {
        Plan::simple(
            vec![Trigger::Time("06:45".into())],
            vec![Condition::Weekdays(vec!["mon", "tue", "wed", "thu", "fri"])],
            vec![action_for("light.kitchen", "on").unwrap()],
            "single",
        )
    }

    #[test]
    fn branches_become_trigger_ids_and_one_choose() {
        let plan = Plan {
            branches: vec![
                Branch {
                    id: "on",
                    trigger: Trigger::Time("06:45".into()),
                    conditions: vec![],
                    actions: vec![action_for("light.kitchen", "on").unwrap()],
                },
                Branch {
                    id: "off",
                    trigger: Trigger::Time("07:40".into()),
                    conditions: vec![],
                    actions: vec![action_for("light.kitchen", "off").unwrap()],
                },
            ],
            ..Plan::simple(vec![], vec![], vec![], "single")
        };
        let v = render("habitd_x", "a", "d", &plan, Syntax::Current);
        assert_eq!(
            v["triggers"][1],
            json!({"trigger": "time", "at": "07:40:00", "id": "off"})
        );
        let option = &v["actions"][0]["choose"][1];
        assert_eq!(
            option["conditions"][0],
            json!({"condition": "trigger", "id": "off"})
        );
        assert_eq!(option["sequence"][0]["action"], "light.turn_off");
        let legacy = render("habitd_x", "a", "d", &plan, Syntax::Legacy);
        assert_eq!(
            legacy["action"][0]["choose"][0]["sequence"][0]["service"],
            "light.turn_on"
        );
        assert_eq!(plan.entities(), ["light.kitchen", "light.kitchen"]);
    }

    #[test]
    fn current_syntax_matches_home_assistants_example() {
        let v = render(
            "habitd_x",
            "Kitchen light",
            "Seen on 18 of 20 weekdays",
            &morning(),
            Syntax::Current,
        );
        assert_eq!(
            v["triggers"][0],
            json!({"trigger": "time", "at": "06:45:00"})
        );
        assert_eq!(
            v["conditions"][0]["weekday"],
            json!(["mon", "tue", "wed", "thu", "fri"])
        );
        assert_eq!(
            v["actions"][0],
            json!({"action": "light.turn_on", "target": {"entity_id": "light.kitchen"}})
        );
        let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            [
                "id",
                "alias",
                "description",
                "mode",
                "triggers",
                "conditions",
                "actions"
            ]
        );
    }

    #[test]
    fn legacy_syntax_for_older_home_assistant() {
        let v = render("habitd_x", "a", "d", &morning(), Syntax::Legacy);
        assert_eq!(v["trigger"][0]["platform"], "time");
        assert_eq!(v["action"][0]["service"], "light.turn_on");
        assert!(v.get("triggers").is_none() && v.get("actions").is_none());
        assert_eq!(Syntax::for_version("2024.3.3"), Syntax::Legacy);
        assert_eq!(Syntax::for_version("2024.10.0"), Syntax::Current);
        assert_eq!(Syntax::for_version("2025.4.4"), Syntax::Current);
    }

    #[test]
    fn yaml_reads_like_automations_yaml() {
        let text = yaml(&render(
            "habitd_x",
            "Kitchen",
            "Seen",
            &morning(),
            Syntax::Current,
        ));
        assert!(text.starts_with("id: habitd_x\n"), "{text}");
        assert!(text.contains("- trigger: time"), "{text}");
        assert!(text.contains("action: light.turn_on"), "{text}");
    }

    #[test]
    fn the_right_service_for_each_state() {
        let service = |e: &str, s: &str| action_for(e, s).map(|a| a.service);
        assert_eq!(
            service("cover.blind", "open").as_deref(),
            Some("cover.open_cover")
        );
        assert_eq!(service("lock.door", "locked").as_deref(), Some("lock.lock"));
        assert_eq!(
            action_for("climate.living", "heat").unwrap().data,
            Some(json!({"hvac_mode": "heat"}))
        );
        assert_eq!(service("sensor.temp", "21"), None);
        assert_eq!(service("light.x", "unavailable"), None);
    }
}
