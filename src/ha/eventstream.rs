//! `mqtt_eventstream`: every Home Assistant event as JSON on one topic.
//!
//! Only `state_changed` matters, and only when the state itself changed
//! (Home Assistant also sends it for attribute updates). Other event types
//! are recognised from `event_type` alone: their data is never parsed.

use serde::Deserialize;
use serde_json::value::RawValue;

use super::WireState;
use crate::model::{EntityInfo, StateChange};

#[derive(Deserialize)]
struct WireEvent<'a> {
    event_type: &'a str,
    #[serde(borrow)]
    event_data: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct WireStateChanged {
    entity_id: String,
    old_state: Option<WireState>,
    new_state: Option<WireState>,
}

/// Decodes one eventstream payload. `Ok(None)`: a valid event that is not a
/// state change (another event type, an attribute update, a removal).
pub fn decode(payload: &[u8]) -> Result<Option<(StateChange, EntityInfo)>, String> {
    let event: WireEvent<'_> = serde_json::from_slice(payload).map_err(|e| e.to_string())?;
    if event.event_type != "state_changed" {
        return Ok(None);
    }
    let data = event.event_data.ok_or("state_changed without event_data")?;
    let data: WireStateChanged =
        serde_path_to_error::deserialize(&mut serde_json::Deserializer::from_str(data.get()))
            .map_err(|e| format!("event_data.{}: {}", e.path(), e.inner()))?;
    let Some(new) = data.new_state else {
        return Ok(None); // the entity was removed
    };
    // Leaving Home Assistant's start-up placeholder is the entity being
    // added, as with no old state at all: a start-up state, not a change.
    let old_state = data
        .old_state
        .filter(|s| !s.is_placeholder())
        .map(|s| s.state);
    if old_state.as_deref() == Some(new.state.as_str()) {
        return Ok(None); // only attributes changed
    }
    if !super::is_entity_id(&data.entity_id) {
        return Err(format!("{:?} is not an entity id", data.entity_id));
    }
    let change = StateChange {
        at: new.changed_at()?,
        origin: new.origin(),
        old_state,
        state: new.state.clone(),
        entity_id: data.entity_id.clone(),
    };
    Ok(Some((change, new.info(&data.entity_id))))
}

#[cfg(test)]
mod tests {
    use std::io::BufRead;

    use super::*;
    use crate::model::Origin;

    /// The eventstream messages of a real Home Assistant capture.
    fn captured(file: &str) -> Vec<String> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data")
            .join(file);
        let reader = std::io::BufReader::new(std::fs::File::open(path).unwrap());
        reader
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(&l.unwrap()).unwrap())
            .filter(|m| m["topic"] == "ha_events")
            .map(|m| m["raw"].as_str().unwrap().to_owned())
            .collect()
    }

    #[test]
    fn real_captures_decode_with_their_origins() {
        for (file, changes) in [
            ("mqtt_capture_ha2024.3.jsonl", 35),
            ("mqtt_capture_ha2025.4.jsonl", 38),
        ] {
            let mut decoded = Vec::new();
            for raw in captured(file) {
                if let Some((change, _)) = decode(raw.as_bytes()).unwrap() {
                    decoded.push(change);
                }
            }
            // Every state_changed of the capture is a real change or an
            // attribute update: none is an error, and most are changes.
            assert!(
                decoded.len() > changes / 2 && decoded.len() <= changes,
                "{file}: {}",
                decoded.len()
            );
            let origins = |o| decoded.iter().filter(|c| c.origin == o).count();
            assert!(origins(Origin::User) > 0, "{file}");
            assert!(origins(Origin::Automation) > 0, "{file}");
            assert!(origins(Origin::Device) > 0, "{file}");
            assert!(
                decoded
                    .iter()
                    .all(|c| c.old_state.as_deref() != Some(c.state.as_str()))
            );
        }
    }

    #[test]
    fn time_and_origin_come_from_the_new_state() {
        let raw = br#"{"event_type":"state_changed","event_data":{"entity_id":"light.kitchen",
            "old_state":{"entity_id":"light.kitchen","state":"off","last_changed":"2026-01-01T06:00:00+00:00"},
            "new_state":{"entity_id":"light.kitchen","state":"on","attributes":{"friendly_name":"Kitchen"},
              "last_changed":"2026-03-02T06:45:10.5+01:00","last_updated":"2026-03-02T06:45:10.5+01:00",
              "context":{"id":"x","parent_id":null,"user_id":"u1"}}}}"#;
        let (change, info) = decode(raw).unwrap().unwrap();
        assert_eq!(change.entity_id, "light.kitchen");
        assert_eq!(change.state, "on");
        assert_eq!(change.old_state.as_deref(), Some("off"));
        assert_eq!(change.at.to_string(), "2026-03-02T05:45:10.5Z");
        assert_eq!(change.origin, Origin::User);
        assert_eq!(info.friendly_name.as_deref(), Some("Kitchen"));
    }

    #[test]
    fn leaving_the_start_up_placeholder_has_no_old_state() {
        let raw = br#"{"event_type":"state_changed","event_data":{"entity_id":"light.office",
            "old_state":{"state":"unavailable","attributes":{"restored":true,"supported_features":0},
              "last_changed":"2026-01-01T06:00:00+00:00"},
            "new_state":{"state":"on","last_changed":"2026-01-01T06:00:01+00:00"}}}"#;
        let (change, _) = decode(raw).unwrap().unwrap();
        assert_eq!(change.old_state, None);
    }

    #[test]
    fn not_changes_and_not_events() {
        assert_eq!(
            decode(br#"{"event_type":"call_service","event_data":{"x":1}}"#),
            Ok(None)
        );
        let attribute_only = br#"{"event_type":"state_changed","event_data":{"entity_id":"light.a",
            "old_state":{"state":"on","last_changed":"2026-01-01T00:00:00Z"},
            "new_state":{"state":"on","last_changed":"2026-01-01T00:00:00Z"}}}"#;
        assert_eq!(decode(attribute_only), Ok(None));
        let removed = br#"{"event_type":"state_changed","event_data":{"entity_id":"light.a",
            "old_state":{"state":"on","last_changed":"2026-01-01T00:00:00Z"},"new_state":null}}"#;
        assert_eq!(decode(removed), Ok(None));
    }

    #[test]
    fn malformed_payloads_are_errors() {
        assert!(decode(b"not json").is_err());
        assert!(decode(br#"{"event_type":"state_changed"}"#).is_err());
        let bad_time = br#"{"event_type":"state_changed","event_data":{"entity_id":"light.a",
            "old_state":null,"new_state":{"state":"on","last_changed":"yesterday"}}}"#;
        assert!(decode(bad_time).unwrap_err().contains("yesterday"));
        let bad_entity = br#"{"event_type":"state_changed","event_data":{"entity_id":"Not An Id",
            "old_state":null,"new_state":{"state":"on","last_changed":"2026-01-01T00:00:00Z"}}}"#;
        assert!(decode(bad_entity).is_err());
    }
}
