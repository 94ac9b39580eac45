//! Reading the analysis window into the analysis's in-memory structures.
//!
//! Events come out of the time-keyed table in order, straight into columns;
//! entity and state names are interned to small integers on the way. The
//! activity aggregates, existing automations and Zigbee2MQTT capabilities
//! come along, so the miners need nothing else.

use std::collections::{HashMap, HashSet};

use jiff::Timestamp;
use jiff::tz::TimeZone;
use rusqlite::Connection;

use super::events::local_day_and_slot;
use crate::analysis::features::CapabilityInfo;
use crate::analysis::{Activity, Automation, EntityMeta, Interner, Window};
use crate::event::Origin;

/// Reads everything from `since` on, for a window whose days run from
/// `since`'s local day to `until`'s (the daily job passes now; a test of a
/// simulated month passes that month's end, so its result does not depend on
/// the day it runs).
pub fn read(
    conn: &Connection,
    since: Timestamp,
    until: Timestamp,
    tz: &TimeZone,
) -> anyhow::Result<Window> {
    let mut window = Window::default();
    let mut dense: HashMap<i64, u32> = HashMap::new();
    {
        let mut stmt =
            conn.prepare("SELECT id, entity_id, device_class, unit, area, friendly_name FROM entities ORDER BY id")?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            dense.insert(row.get(0)?, window.entities.len() as u32);
            window.entities.push(EntityMeta {
                entity_id: row.get(1)?,
                device_class: row.get(2)?,
                unit: row.get(3)?,
                area: row.get(4)?,
                friendly_name: row.get(5)?,
            });
        }
    }
    let mut states = Interner::default();
    {
        let mut stmt = conn.prepare_cached(
            "SELECT ts, entity, state, origin FROM events WHERE ts >= ?1 ORDER BY ts",
        )?;
        let mut rows = stmt.query([since.as_millisecond()])?;
        let ev = &mut window.events;
        while let Some(row) = rows.next()? {
            let entity: i64 = row.get(1)?;
            let Some(&e) = dense.get(&entity) else {
                continue;
            };
            let state: String = row.get(2)?;
            ev.ts.push(row.get(0)?);
            ev.entity.push(e);
            ev.state.push(states.get(&state));
            ev.origin
                .push(Origin::from_code(row.get(3)?).unwrap_or(Origin::Device));
        }
    }
    let (first_day, _) = local_day_and_slot(since, tz);
    let (last_day, _) = local_day_and_slot(until, tz);
    window.first_day = first_day;
    window.last_day = last_day;
    {
        let mut stmt = conn.prepare_cached(
            "SELECT day, entity, state, slot, count FROM activity WHERE day >= ?1",
        )?;
        let mut rows = stmt.query([first_day])?;
        while let Some(row) = rows.next()? {
            let entity: i64 = row.get(1)?;
            let Some(&e) = dense.get(&entity) else {
                continue;
            };
            let state: String = row.get(2)?;
            window.activity.push(Activity {
                day: row.get(0)?,
                entity: e,
                state: states.get(&state),
                slot: row.get(3)?,
                count: row.get(4)?,
            });
        }
    }
    // Activity may start before the first stored event of the window (a
    // history import): the class-day counts start at the first data day.
    if let Some(first) = window.activity.iter().map(|a| a.day).min() {
        window.first_day = window.first_day.max(first);
    }
    if let Some(last) = window.activity.iter().map(|a| a.day).max() {
        window.last_day = window.last_day.min(last.max(window.first_day));
    }
    window.states = states.values;
    {
        let mut stmt = conn.prepare_cached("SELECT entity_id, config FROM automations")?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let entity_id: String = row.get(0)?;
            let config: Option<String> = row.get(1)?;
            let config = config
                .and_then(|c| serde_json::from_str(&c).ok())
                .unwrap_or_default();
            window.automations.push(automation(entity_id, &config));
        }
    }
    Ok(window)
}

/// What an automation config triggers on and acts on, in either syntax.
pub fn automation(entity_id: String, config: &serde_json::Value) -> Automation {
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

/// Zigbee2MQTT capabilities with their device names.
pub fn capabilities(conn: &Connection) -> anyhow::Result<Vec<CapabilityInfo>> {
    let mut stmt = conn.prepare_cached(
        "SELECT d.friendly_name, d.ieee_address, c.property, c.name, c.kind, c.access, c.category, c.entity_id \
         FROM capabilities c JOIN devices d ON d.ieee_address = c.device WHERE d.disabled = 0",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(CapabilityInfo {
            device: r.get(0)?,
            device_ieee: r.get(1)?,
            property: r.get(2)?,
            name: r.get(3)?,
            kind: r.get(4)?,
            access: r.get(5)?,
            category: r.get(6)?,
            entity_id: r.get(7)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn automations_in_both_syntaxes() {
        let new = super::automation(
            "automation.a".into(),
            &json!({"triggers": [{"trigger": "state", "entity_id": ["binary_sensor.m"]}],
                    "actions": [{"action": "light.turn_on", "target": {"entity_id": "light.l"}}]}),
        );
        assert!(new.trigger_entities.contains("binary_sensor.m"));
        assert!(new.action_entities.contains("light.l"));
        assert!(!new.has_time_trigger);
        let old = super::automation(
            "automation.b".into(),
            &json!({"trigger": {"platform": "time", "at": "07:00"},
                    "action": [{"choose": [{"sequence": [{"service": "light.turn_on", "entity_id": "light.k"}]}]}]}),
        );
        assert!(old.has_time_trigger);
        assert!(old.action_entities.contains("light.k"));
    }
}
