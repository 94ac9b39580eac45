//! `mqtt_eventstream`: every Home Assistant event as JSON on one topic.
//!
//! Only `state_changed` matters, and only when the state itself changed
//! (Home Assistant also sends it for attribute updates). Other event types
//! are recognised from `event_type` alone: their data is never parsed.
//!
//! One pass over the payload into data borrowed from it ([`read`]): Home
//! Assistant writes `event_type` before `event_data`, so the data is parsed
//! as a state change or skipped as it is met (in the other order it is kept
//! raw and parsed once it is known to matter). Live ingest and
//! `habitd import` share it; an import reads a million lines without
//! allocating per line. A payload this cannot read is read again the
//! owned, slower way, which says where it is wrong.

use std::borrow::Cow;
use std::fmt;

use jiff::Timestamp;
use serde::Deserialize;
use serde::de::{self, IgnoredAny, MapAccess, Visitor};
use serde_json::value::RawValue;

use super::WireState;
use crate::db::events::NewEvent;
use crate::model::{EntityInfo, Origin, StateChange};

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

/// A state change read from an eventstream payload, borrowing from it.
#[derive(Debug, Clone, PartialEq)]
pub struct Event<'a> {
    pub entity_id: Cow<'a, str>,
    pub at: Timestamp,
    pub state: Cow<'a, str>,
    pub old_state: Option<Cow<'a, str>>,
    pub origin: Origin,
    pub friendly_name: Option<Cow<'a, str>>,
    pub device_class: Option<Cow<'a, str>>,
    pub unit: Option<Cow<'a, str>>,
}

impl<'a> From<&'a Event<'_>> for NewEvent<'a> {
    fn from(event: &'a Event<'_>) -> Self {
        NewEvent {
            entity_id: &event.entity_id,
            at: event.at,
            state: &event.state,
            old_state: event.old_state.as_deref(),
            origin: event.origin,
        }
    }
}

impl Event<'_> {
    pub fn change(&self) -> StateChange {
        StateChange {
            entity_id: self.entity_id.clone().into_owned(),
            at: self.at,
            state: self.state.clone().into_owned(),
            old_state: self.old_state.clone().map(Cow::into_owned),
            origin: self.origin,
        }
    }

    pub fn info(&self) -> EntityInfo {
        EntityInfo {
            entity_id: self.entity_id.clone().into_owned(),
            friendly_name: self.friendly_name.clone().map(Cow::into_owned),
            device_class: self.device_class.clone().map(Cow::into_owned),
            unit: self.unit.clone().map(Cow::into_owned),
        }
    }
}

/// Decodes one eventstream payload. `Ok(None)`: a valid event that is not a
/// state change (another event type, an attribute update, a removal).
pub fn decode(payload: &[u8]) -> Result<Option<(StateChange, EntityInfo)>, String> {
    match read(payload, false) {
        Ok(found) => Ok(found.map(|event| (event.change(), event.info()))),
        Err(_) => decode_owned(payload),
    }
}

/// One line of an eventstream file: a payload as [`decode`] reads it, or
/// a capture record wrapping one (`{"topic": …, "payload": {…}}`; a record
/// of another topic or without an object payload is `Ok(None)`).
pub fn decode_line(line: &[u8]) -> Result<Option<Event<'_>>, String> {
    read(line, true).map_err(|e| e.to_string())
}

/// [`decode_line`] of a line already known to be UTF-8 (an import checks a
/// whole chunk of lines at once): the same answer, without checking every
/// string of it again.
pub fn decode_line_str(line: &str) -> Result<Option<Event<'_>>, String> {
    read_from(serde_json::Deserializer::from_str(line), true).map_err(|e| e.to_string())
}

/// The one-pass read; `wrapped`: a capture record may wrap the payload.
fn read(payload: &[u8], wrapped: bool) -> Result<Option<Event<'_>>, serde_json::Error> {
    read_from(serde_json::Deserializer::from_slice(payload), wrapped)
}

fn read_from<'a, R: serde_json::de::Read<'a>>(
    mut de: serde_json::Deserializer<R>,
    wrapped: bool,
) -> Result<Option<Event<'a>>, serde_json::Error> {
    let line = Line::deserialize(&mut de)?;
    de.end()?;
    if wrapped && line.topic.is_some() {
        return match line.payload {
            Some(inner) if inner.get().starts_with('{') => {
                read_from(serde_json::Deserializer::from_str(inner.get()), false)
            }
            _ => Ok(None),
        };
    }
    fn invalid(why: impl fmt::Display) -> serde_json::Error {
        de::Error::custom(why)
    }
    let event_type = line
        .event_type
        .ok_or_else(|| invalid("missing field `event_type`"))?;
    if event_type.0 != "state_changed" {
        return Ok(None);
    }
    let data = match line.data {
        Data::Parsed(data) => data,
        Data::Raw(raw) => serde_json::from_str::<Option<BorrowedData<'_>>>(raw.get())?,
        Data::Absent => None,
    };
    let data = data.ok_or_else(|| invalid("state_changed without event_data"))?;
    data.event().map_err(invalid)
}

/// The slow, owned read of [`decode`], kept for its error messages (the
/// path of what is wrong) and as the reference the fast one must equal.
fn decode_owned(payload: &[u8]) -> Result<Option<(StateChange, EntityInfo)>, String> {
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

/// A JSON string, borrowed unless it holds escapes.
#[derive(Debug)]
struct Text<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TextVisitor;
        impl<'de> Visitor<'de> for TextVisitor {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Text(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Text(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(Text(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(TextVisitor)
    }
}

/// `event_data`, as far as it was read in the one pass. One per payload,
/// on the stack: boxing the large variant would cost an allocation per line.
#[allow(clippy::large_enum_variant)]
enum Data<'a> {
    Absent,
    /// Met after `event_type` said `state_changed`.
    Parsed(Option<BorrowedData<'a>>),
    /// Met before `event_type`: kept to be parsed once it is known to matter.
    Raw(&'a RawValue),
}

/// The top level of a payload or a capture record.
struct Line<'a> {
    event_type: Option<Text<'a>>,
    data: Data<'a>,
    topic: Option<Checked>,
    payload: Option<&'a RawValue>,
}

impl<'de: 'a, 'a> Deserialize<'de> for Line<'a> {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct LineVisitor;
        impl<'de> Visitor<'de> for LineVisitor {
            type Value = Line<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an eventstream event")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut line = Line {
                    event_type: None,
                    data: Data::Absent,
                    topic: None,
                    payload: None,
                };
                while let Some(key) = map.next_key::<Text<'de>>()? {
                    match &*key.0 {
                        "event_type" => {
                            if line.event_type.is_some() {
                                return Err(de::Error::duplicate_field("event_type"));
                            }
                            line.event_type = Some(map.next_value()?);
                        }
                        "event_data" => {
                            if !matches!(line.data, Data::Absent) {
                                return Err(de::Error::duplicate_field("event_data"));
                            }
                            line.data = match &line.event_type {
                                Some(t) if t.0 == "state_changed" => {
                                    Data::Parsed(map.next_value()?)
                                }
                                Some(_) => {
                                    map.next_value::<IgnoredAny>()?;
                                    Data::Parsed(None)
                                }
                                None => Data::Raw(map.next_value()?),
                            };
                        }
                        "topic" => line.topic = Some(map.next_value()?),
                        "payload" => line.payload = Some(map.next_value()?),
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                Ok(line)
            }
        }
        deserializer.deserialize_map(LineVisitor)
    }
}

/// `event_data` of a `state_changed`, borrowed; the fields of
/// [`WireStateChanged`] and [`WireState`], read the same way. What is not
/// used is checked as the owned read checks it but not kept ([`Checked`]):
/// these are returned by value through every level of a parse, and at
/// twice their size moving them was a tenth of an import.
#[derive(Deserialize)]
struct BorrowedData<'a> {
    #[serde(borrow)]
    entity_id: Text<'a>,
    #[serde(borrow)]
    old_state: Option<OldState<'a>>,
    #[serde(borrow)]
    new_state: Option<BorrowedState<'a>>,
}

#[derive(Deserialize)]
struct BorrowedState<'a> {
    #[allow(dead_code)] // read so that what the owned read refuses is refused
    entity_id: Option<Checked>,
    #[serde(borrow)]
    state: Text<'a>,
    #[serde(borrow, default)]
    attributes: Option<BorrowedAttributes<'a>>,
    #[serde(borrow)]
    last_changed: Option<Text<'a>>,
    #[serde(borrow)]
    last_updated: Option<Text<'a>>,
    #[serde(default)]
    context: Option<BorrowedContext>,
}

/// `old_state`: only its state, and whether it is Home Assistant's
/// start-up placeholder, are used.
#[derive(Deserialize)]
#[allow(dead_code)] // read so that what the owned read refuses is refused
struct OldState<'a> {
    entity_id: Option<Checked>,
    #[serde(borrow)]
    state: Text<'a>,
    #[serde(default)]
    attributes: Option<OldAttributes>,
    last_changed: Option<Checked>,
    last_updated: Option<Checked>,
    #[serde(default)]
    context: Option<BorrowedContext>,
}

#[derive(Deserialize)]
struct BorrowedAttributes<'a> {
    #[serde(borrow)]
    friendly_name: Option<Text<'a>>,
    #[serde(borrow)]
    device_class: Option<Text<'a>>,
    #[serde(borrow)]
    unit_of_measurement: Option<Text<'a>>,
    #[allow(dead_code)] // read so that what the owned read refuses is refused
    restored: Option<bool>,
}

#[derive(Deserialize)]
#[allow(dead_code)] // read so that what the owned read refuses is refused
struct OldAttributes {
    friendly_name: Option<Checked>,
    device_class: Option<Checked>,
    unit_of_measurement: Option<Checked>,
    restored: Option<bool>,
}

/// Only whether each is there matters.
#[derive(Deserialize)]
struct BorrowedContext {
    parent_id: Option<Checked>,
    user_id: Option<Checked>,
}

/// A JSON string that is checked, as the owned read reads it into a
/// `String`, and not kept.
struct Checked;

impl<'de> Deserialize<'de> for Checked {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct CheckedVisitor;
        impl Visitor<'_> for CheckedVisitor {
            type Value = Checked;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
                Ok(Checked)
            }
        }
        deserializer.deserialize_str(CheckedVisitor)
    }
}

impl<'a> BorrowedData<'a> {
    /// The rules of [`decode_owned`].
    fn event(self) -> Result<Option<Event<'a>>, String> {
        let Some(new) = self.new_state else {
            return Ok(None);
        };
        let old_state = self
            .old_state
            .filter(|s| {
                !s.attributes
                    .as_ref()
                    .and_then(|a| a.restored)
                    .unwrap_or(false)
            })
            .map(|s| s.state.0);
        if old_state.as_deref() == Some(&*new.state.0) {
            return Ok(None);
        }
        if !super::is_entity_id(&self.entity_id.0) {
            return Err(format!("{:?} is not an entity id", self.entity_id.0));
        }
        let text = new
            .last_changed
            .as_ref()
            .or(new.last_updated.as_ref())
            .ok_or("no last_changed or last_updated")?;
        let at: Timestamp = text
            .0
            .parse()
            .map_err(|e| format!("bad time {:?}: {e}", text.0))?;
        let origin = match &new.context {
            Some(BorrowedContext {
                parent_id: Some(_), ..
            }) => Origin::Automation,
            Some(BorrowedContext {
                user_id: Some(_), ..
            }) => Origin::User,
            _ => Origin::Device,
        };
        let (friendly_name, device_class, unit) = match new.attributes {
            Some(a) => (
                a.friendly_name.map(|t| t.0),
                a.device_class.map(|t| t.0),
                a.unit_of_measurement.map(|t| t.0),
            ),
            None => (None, None, None),
        };
        Ok(Some(Event {
            entity_id: self.entity_id.0,
            at,
            state: new.state.0,
            old_state,
            origin,
            friendly_name,
            device_class,
            unit,
        }))
    }
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

    /// The one-pass borrowed read and the owned read agree on every
    /// payload: real captures and the odd ones.
    #[test]
    fn the_one_pass_read_equals_the_owned_read() {
        let mut payloads: Vec<Vec<u8>> =
            ["mqtt_capture_ha2024.3.jsonl", "mqtt_capture_ha2025.4.jsonl"]
                .iter()
                .flat_map(|f| captured(f))
                .map(String::into_bytes)
                .collect();
        assert!(payloads.len() > 60);
        for odd in [
            // event_data before event_type
            r#"{"event_data":{"entity_id":"light.a","old_state":null,"new_state":{"state":"on","last_changed":"2026-01-01T00:00:00Z"}},"event_type":"state_changed"}"#,
            r#"{"event_data":{"x":1},"event_type":"call_service"}"#,
            // escapes in names and states
            r#"{"event_type":"state_changed","event_data":{"entity_id":"light.a","old_state":{"state":"o\u0066f","last_changed":"2026-01-01T00:00:00Z"},"new_state":{"state":"on \"x\"","attributes":{"friendly_name":"K\u00fcche \"1\"","unit_of_measurement":"\u00b0C","device_class":"d"},"last_updated":"2026-01-01T00:00:01Z","context":{"parent_id":"p","user_id":"u"}}}}"#,
            r#"{"event_type":"state_changed","event_data":null}"#,
            r#"{"event_type":"state_changed","event_data":{"entity_id":"light.a","old_state":null,"new_state":null}}"#,
            r#"{"event_type":"state_changed","event_data":{"entity_id":"light.a","new_state":{"state":"on"}}}"#,
            r#"{"event_type":"state_changed","event_data":{"entity_id":"light.a","new_state":{"state":"on","last_changed":"2026-01-01T00:00:00Z","context":{"user_id":5}}}}"#,
            r#"{"event_type":"state_changed","event_type":"call_service"}"#,
            r#"{"event_type":"state_changed","event_data":{"entity_id":"light.a","new_state":{"entity_id":7,"state":"on","last_changed":"2026-01-01T00:00:00Z"}}}"#,
            r#"{"event_type":"state_changed","event_data":{"entity_id":"light.a","new_state":{"state":"on","last_changed":"2026-01-01T00:00:00Z"}}} trailing"#,
            r#"[1,2]"#,
            r#"{"topic":"ha_events","payload":{"event_type":"call_service"}}"#,
        ] {
            payloads.push(odd.as_bytes().to_vec());
        }
        let mut changes = 0;
        for payload in &payloads {
            let fast = read(payload, false).map(|f| f.map(|e| (e.change(), e.info())));
            // A line an import has checked as UTF-8 reads the same.
            if let Ok(text) = std::str::from_utf8(payload) {
                let line = decode_line_str(text).map(|f| f.map(|e| (e.change(), e.info())));
                let wrapped = decode_line(payload).map(|f| f.map(|e| (e.change(), e.info())));
                assert_eq!(line, wrapped, "{text}");
            }
            match (decode_owned(payload), fast) {
                (Ok(owned), Ok(fast)) => {
                    changes += usize::from(owned.is_some());
                    assert_eq!(owned, fast, "{}", String::from_utf8_lossy(payload));
                }
                (Err(_), Err(_)) => {}
                (owned, fast) => panic!(
                    "{}: owned {owned:?}, one pass {fast:?}",
                    String::from_utf8_lossy(payload)
                ),
            }
        }
        assert!(changes > 40, "{changes}");
    }

    /// A capture record (as `habitd import` reads one) is its payload.
    #[test]
    fn capture_records_are_read_as_their_payload() {
        for file in ["mqtt_capture_ha2024.3.jsonl", "mqtt_capture_ha2025.4.jsonl"] {
            let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/data")
                .join(file);
            let mut events = 0;
            for line in std::io::BufReader::new(std::fs::File::open(path).unwrap()).lines() {
                let line = line.unwrap();
                let record: serde_json::Value = serde_json::from_str(&line).unwrap();
                let from_line = decode_line(line.as_bytes())
                    .unwrap()
                    .map(|e| (e.change(), e.info()));
                let from_str = decode_line_str(&line)
                    .unwrap()
                    .map(|e| (e.change(), e.info()));
                assert_eq!(from_line, from_str, "{line}");
                let expected = if record["topic"] == "ha_events" {
                    decode(record["raw"].as_str().unwrap().as_bytes()).unwrap()
                } else {
                    None
                };
                events += usize::from(from_line.is_some());
                assert_eq!(from_line, expected, "{line}");
            }
            assert!(events > 15, "{file}: {events}");
        }
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
