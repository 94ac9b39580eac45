//! Home Assistant's logbook: who or what caused each change.
//!
//! A history answer in `minimal_response` form (what `habitd backfill`
//! asks for, to keep a month of history small) says what changed, never
//! why. The logbook of the same period (`GET /api/logbook/<start>`) does:
//! an entry caused by an automation or a script names it
//! (`context_event_type: automation_triggered`, `context_domain`), one a
//! person caused carries their `context_user_id`. [`Origins`] keys those by
//! entity and second, so a backfilled change can carry its cause, and an
//! automation's work is not mistaken for a habit.

use std::collections::HashMap;

use anyhow::Context as _;
use jiff::Timestamp;
use serde::Deserialize;

use crate::model::Origin;

/// One logbook entry, as Home Assistant sends it; everything optional,
/// since entries of other kinds (a person arriving, HA starting) lack most.
#[derive(Debug, Deserialize)]
struct WireEntry {
    when: Option<serde_json::Value>,
    entity_id: Option<String>,
    state: Option<String>,
    context_user_id: Option<String>,
    context_event_type: Option<String>,
    context_domain: Option<String>,
    context_entity_id: Option<String>,
}

/// Who caused the changes of a period: (entity, state, unix second) →
/// origin. The state too: an entity may change twice within a second.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Origins(HashMap<(String, String, i64), Origin>);

impl Origins {
    /// Reads a logbook answer; entries without an entity or a time are
    /// skipped (they are not state changes).
    pub fn parse(bytes: &[u8]) -> anyhow::Result<Origins> {
        let entries: Vec<WireEntry> =
            serde_path_to_error::deserialize(&mut serde_json::Deserializer::from_slice(bytes))
                .context("while reading Home Assistant's logbook")?;
        let mut out = HashMap::new();
        for e in entries {
            let (Some(entity), Some(state), Some(when)) = (
                e.entity_id.clone(),
                e.state.clone(),
                e.when.as_ref().and_then(second),
            ) else {
                continue;
            };
            out.insert((entity, state, when), origin(&e));
        }
        Ok(Origins(out))
    }

    /// Who caused `entity_id`'s change to `state` at `at`, if the logbook
    /// says.
    pub fn get(&self, entity_id: &str, state: &str, at: Timestamp) -> Option<Origin> {
        self.0
            .get(&(entity_id.to_owned(), state.to_owned(), at.as_second()))
            .copied()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// An automation or a script, a person, or else the device itself.
fn origin(e: &WireEntry) -> Origin {
    let by_automation = e.context_event_type.as_deref() == Some("automation_triggered")
        || matches!(e.context_domain.as_deref(), Some("automation" | "script"))
        || e.context_entity_id
            .as_deref()
            .is_some_and(|id| id.starts_with("automation.") || id.starts_with("script."));
    if by_automation {
        Origin::Automation
    } else if e.context_user_id.is_some() {
        Origin::User
    } else {
        Origin::Device
    }
}

/// The unix second of `when`: an ISO time, or seconds as a number (newer
/// Home Assistant's websocket form).
fn second(when: &serde_json::Value) -> Option<i64> {
    match when {
        serde_json::Value::String(text) => text.parse::<Timestamp>().ok().map(|t| t.as_second()),
        serde_json::Value::Number(n) => n.as_f64().map(|s| s.floor() as i64),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_say_who_caused_each_change() {
        let answer = br#"[
            {"when": "2026-11-28T06:45:00.123456+00:00", "name": "Kitchen", "state": "on",
             "entity_id": "light.kitchen", "context_user_id": "8f2c"},
            {"when": "2026-11-28T18:00:00.004+00:00", "name": "Garden", "state": "on",
             "entity_id": "light.garden", "context_event_type": "automation_triggered",
             "context_domain": "automation", "context_entity_id": "automation.garden",
             "context_name": "Garden at six"},
            {"when": 1764356400.5, "state": "on", "entity_id": "binary_sensor.hall_motion"},
            {"when": "2026-11-28T07:00:00+00:00", "name": "Home Assistant", "message": "started"}
        ]"#;
        let origins = Origins::parse(answer).unwrap();
        assert_eq!(origins.len(), 3);
        let at = |s: &str| s.parse::<Timestamp>().unwrap();
        assert_eq!(
            origins.get("light.kitchen", "on", at("2026-11-28T06:45:00.123Z")),
            Some(Origin::User)
        );
        assert_eq!(
            origins.get("light.garden", "on", at("2026-11-28T18:00:00Z")),
            Some(Origin::Automation)
        );
        assert_eq!(
            origins.get(
                "binary_sensor.hall_motion",
                "on",
                Timestamp::from_second(1_764_356_400).unwrap()
            ),
            Some(Origin::Device)
        );
        assert_eq!(
            origins.get("light.kitchen", "on", at("2026-11-28T06:46:00Z")),
            None
        );
        assert_eq!(
            origins.get("light.kitchen", "off", at("2026-11-28T06:45:00Z")),
            None
        );
        assert!(Origins::parse(b"{\"message\": \"not a list\"}").is_err());
    }
}
