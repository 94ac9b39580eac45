//! Decoding incoming MQTT messages into [`Inbound`], a closed set.
//!
//! `decode` is pure: `(topic, bytes)` in, a message or a [`DecodeError`] out.
//! A bad message is the sender's problem, never habitd's: the caller counts
//! it, logs it and carries on. Anyone on the broker can publish anything, so
//! everything is bounded here, before it goes further: a message larger than
//! its source's limit is refused unread, state texts are cut to
//! `limits.state_chars`, and error texts (which may quote the payload) are
//! cut too. [`retime`] stops a message from claiming another time than the
//! one it arrived at.

use jiff::Timestamp;

use super::Topics;
use super::topics::Route;
use crate::config::LimitsConfig;
use crate::ingest::Observation;
use crate::model::{Decision, EntityInfo, StateChange};
use crate::{ha, z2m};

/// Everything habitd acts on that arrives over MQTT.
#[derive(Debug, Clone, PartialEq)]
pub enum Inbound {
    Command(Command),
    /// Home Assistant's birth (`online`) or will (`offline`) message.
    HomeAssistant(HomeAssistantStatus),
    /// Something that happened in the home, or what a device can do.
    Observed(Observation),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Run an analysis now.
    Analyze,
    /// A decision on a suggestion; `None`: the one selected in Home Assistant.
    Decide {
        id: Option<String>,
        action: Decision,
    },
    /// Home Assistant's select picked a suggestion (by its option text).
    Select(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HomeAssistantStatus {
    Online,
    Offline,
}

/// Why a message was not understood.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DecodeError {
    #[error("no handler for topic {0:?}")]
    UnknownTopic(String),
    #[error("unknown command {0:?}")]
    UnknownCommand(String),
    #[error(
        "retained command on {0:?} ignored: commands must not be retained, or they rerun on every connect"
    )]
    RetainedCommand(String),
    #[error("bad payload on {topic:?}: {reason}")]
    Payload { topic: String, reason: String },
    #[error("{size} bytes on {topic:?} is more than the {limit} allowed; dropped unread")]
    TooLarge {
        topic: String,
        size: usize,
        limit: usize,
    },
}

/// Topics and reasons in errors are cut to this many bytes: a reason
/// may quote the payload, and a log line must stay a line.
const MAX_ERROR_TEXT: usize = 300;

/// Zigbee2MQTT's friendly names are short; a topic tail longer than this
/// is not a device (and would cost memory for every one invented).
const MAX_DEVICE_NAME: usize = 255;

/// Suggestion ids are at most this long (`suggest::suggestion_id`).
const MAX_ID: usize = 200;

/// A Zigbee2MQTT property whose value (an object or a list) takes more than
/// this as JSON is not a state anyone switches; it is dropped.
const MAX_COMPOSITE_JSON: usize = 1024;

/// Decodes one message. `retain` is the flag as delivered: a broker sets it
/// only on a stored message replayed on subscribe.
/// `now` stands in for the event time of sources that carry none.
/// `Ok(None)`: understood, and nothing to act on (another event type, an
/// attribute topic, a replayed snapshot, a Zigbee2MQTT `/set`).
pub fn decode(
    topics: &Topics,
    limits: &LimitsConfig,
    topic: &str,
    payload: &[u8],
    retain: bool,
    now: Timestamp,
) -> Result<Option<Inbound>, DecodeError> {
    let route = topics.route(topic);
    let limit = limit_for(&route, limits);
    if payload.len() > limit {
        return Err(DecodeError::TooLarge {
            topic: cut(topic),
            size: payload.len(),
            limit,
        });
    }
    let mut decoded = route_message(topics, route, topic, payload, retain, now)?;
    if let Some(Inbound::Observed(observation)) = &mut decoded {
        bound_texts(observation, limits.state_chars, payload.len());
    }
    Ok(decoded)
}

/// The size limit of the source a route belongs to.
fn limit_for(route: &Route<'_>, limits: &LimitsConfig) -> usize {
    match route {
        Route::HomeAssistantStatus
        | Route::Command(_)
        | Route::SuggestionSet(_)
        | Route::SelectedSet
        | Route::SelectSet => limits.command_bytes,
        Route::Eventstream => limits.eventstream_bytes,
        Route::Statestream(_) => limits.statestream_bytes,
        Route::Zigbee2Mqtt("bridge/devices") => limits.zigbee2mqtt_devices_bytes,
        Route::Zigbee2Mqtt(_) => limits.zigbee2mqtt_state_bytes,
        Route::Discovery(_) => limits.discovery_bytes,
        // Decoded as an error without reading the payload.
        Route::Unknown => usize::MAX,
    }
}

/// Keeps a source's own event time only when it is within `tolerance` of
/// `now`, the time the message arrived; otherwise the change is stamped
/// `now`. Returns whether it was. Only Home Assistant's eventstream carries
/// its own time; the other sources are stamped on arrival already.
pub fn retime(inbound: &mut Inbound, now: Timestamp, tolerance: std::time::Duration) -> bool {
    let Inbound::Observed(Observation::StateChanged(change, _)) = inbound else {
        return false;
    };
    let off = change.at.duration_since(now).unsigned_abs();
    if off <= tolerance {
        return false;
    }
    change.at = now;
    true
}

/// Cuts every text an observation carries to `max` characters, and drops
/// Zigbee2MQTT properties whose values are large structures.
fn bound_texts(observation: &mut Observation, max: usize, payload_len: usize) {
    let change = |c: &mut StateChange| {
        truncate(&mut c.state, max);
        truncate(&mut c.entity_id, max);
        if let Some(old) = &mut c.old_state {
            truncate(old, max);
        }
    };
    let info = |i: &mut EntityInfo| {
        for text in [&mut i.friendly_name, &mut i.device_class, &mut i.unit]
            .into_iter()
            .flatten()
        {
            truncate(text, max);
        }
    };
    match observation {
        Observation::StateChanged(c, i) => {
            change(c);
            info(i);
        }
        Observation::StateStream { change: c, .. } => change(c),
        Observation::DeviceState { state, .. } => {
            // No value of a message this small can be too large: the
            // common case is spared serialising every composite again.
            let composites_fit = payload_len <= MAX_COMPOSITE_JSON;
            state.retain(|key, value| {
                key.chars().count() <= max
                    && (composites_fit
                        || match value {
                            serde_json::Value::Array(_) | serde_json::Value::Object(_) => {
                                value.to_string().len() <= MAX_COMPOSITE_JSON
                            }
                            _ => true,
                        })
            });
            for value in state.values_mut() {
                if let serde_json::Value::String(text) = value {
                    truncate(text, max);
                }
            }
        }
        Observation::Devices { .. } | Observation::Discovered(_) => {}
    }
}

/// Cuts `text` to at most `max` characters, on a character boundary.
fn truncate(text: &mut String, max: usize) {
    if let Some((at, _)) = text.char_indices().nth(max) {
        text.truncate(at);
    }
}

/// A topic or reason, cut for an error message.
fn cut(text: &str) -> String {
    crate::model::truncate(text, MAX_ERROR_TEXT).to_owned()
}

fn route_message(
    topics: &Topics,
    route: Route<'_>,
    topic: &str,
    payload: &[u8],
    retain: bool,
    now: Timestamp,
) -> Result<Option<Inbound>, DecodeError> {
    let observed = |o: Observation| Some(Inbound::Observed(o));
    match route {
        Route::HomeAssistantStatus => match payload {
            b"online" => Ok(Some(Inbound::HomeAssistant(HomeAssistantStatus::Online))),
            b"offline" => Ok(Some(Inbound::HomeAssistant(HomeAssistantStatus::Offline))),
            _ => Err(bad_payload(topic, "expected \"online\" or \"offline\"")),
        },
        Route::Command(_) if retain => Err(DecodeError::RetainedCommand(cut(topic))),
        Route::Command("analyze") => {
            check_trigger_payload(topic, payload)?;
            Ok(Some(Inbound::Command(Command::Analyze)))
        }
        Route::Command(other) => Err(DecodeError::UnknownCommand(cut(other))),
        Route::SuggestionSet(_) | Route::SelectedSet | Route::SelectSet if retain => {
            Err(DecodeError::RetainedCommand(cut(topic)))
        }
        Route::SuggestionSet(id) => {
            // Suggestion ids are habitd's own: `habitd_` and a slug.
            let valid = !id.is_empty()
                && id.len() <= MAX_ID
                && id
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
            if !valid {
                return Err(bad_payload(topic, "not a suggestion id"));
            }
            Ok(Some(Inbound::Command(Command::Decide {
                id: Some(id.to_owned()),
                action: decision(topic, payload)?,
            })))
        }
        Route::SelectedSet => Ok(Some(Inbound::Command(Command::Decide {
            id: None,
            action: decision(topic, payload)?,
        }))),
        Route::SelectSet => {
            let text = std::str::from_utf8(payload).map_err(|_| bad_payload(topic, "not UTF-8"))?;
            Ok(Some(Inbound::Command(Command::Select(
                text.trim().to_owned(),
            ))))
        }
        Route::Eventstream => ha::eventstream::decode(payload)
            .map(|found| {
                found.and_then(|(change, info)| observed(Observation::StateChanged(change, info)))
            })
            .map_err(|reason| bad_payload(topic, reason)),
        Route::Statestream(rest) => ha::statestream::decode(rest, payload, now)
            .map(|found| {
                found.and_then(|change| {
                    observed(Observation::StateStream {
                        change,
                        snapshot: retain,
                    })
                })
            })
            .map_err(|reason| bad_payload(topic, reason)),
        Route::Zigbee2Mqtt(rest) => zigbee2mqtt(topic, rest, payload, now),
        Route::Discovery(rest) => {
            // habitd's own discovery config announces habitd's entities, not
            // the home's: nothing to learn from.
            if rest.split('/').nth(1).is_some_and(|node| node == "habitd") {
                return Ok(None);
            }
            ha::discovery::decode(rest, payload, topics.zigbee2mqtt_base())
                .map(|found| match found.len() {
                    0 => None,
                    _ => Some(Inbound::Observed(Observation::Discovered(found))),
                })
                .map_err(|reason| bad_payload(topic, reason))
        }
        Route::Unknown => Err(DecodeError::UnknownTopic(cut(topic))),
    }
}

/// `<base>/bridge/devices`, or a device's state on `<base>/<friendly_name>`
/// (names may contain `/`). Commands to devices and other bridge topics are
/// not state.
fn zigbee2mqtt(
    topic: &str,
    rest: &str,
    payload: &[u8],
    now: Timestamp,
) -> Result<Option<Inbound>, DecodeError> {
    if rest == "bridge/devices" {
        let (devices, problems) =
            z2m::devices::parse(payload).map_err(|e| bad_payload(topic, e.to_string()))?;
        let problems = problems.iter().map(|p| cut(&p.to_string())).collect();
        return Ok(Some(Inbound::Observed(Observation::Devices {
            devices,
            problems,
        })));
    }
    let command = rest
        .split('/')
        .any(|segment| matches!(segment, "set" | "get"));
    if rest.starts_with("bridge/") || rest.ends_with("/availability") || command {
        return Ok(None);
    }
    let state = match serde_json::from_slice::<serde_json::Value>(payload) {
        Ok(serde_json::Value::Object(state)) => state,
        Ok(_) => return Err(bad_payload(topic, "a device state must be a JSON object")),
        Err(e) => return Err(bad_payload(topic, format!("invalid JSON: {e}"))),
    };
    if rest.chars().count() > MAX_DEVICE_NAME {
        return Err(bad_payload(
            topic,
            "a device name longer than any Zigbee2MQTT gives",
        ));
    }
    Ok(Some(Inbound::Observed(Observation::DeviceState {
        device: rest.to_owned(),
        state,
        at: now,
    })))
}

/// A trigger command accepts an empty payload, Home Assistant's button press
/// (`PRESS`), or a JSON object (reserved for options); nothing else, so that
/// a misrouted message does not start an analysis.
fn check_trigger_payload(topic: &str, payload: &[u8]) -> Result<(), DecodeError> {
    let text = std::str::from_utf8(payload).map_err(|_| bad_payload(topic, "not UTF-8"))?;
    match text.trim() {
        "" | "PRESS" | "analyze" => Ok(()),
        json if json.starts_with('{') => serde_json::from_str::<serde_json::Map<_, _>>(json)
            .map(drop)
            .map_err(|e| bad_payload(topic, format!("invalid JSON object: {e}"))),
        other => Err(bad_payload(
            topic,
            format!("{other:?} is not empty, PRESS or a JSON object"),
        )),
    }
}

fn decision(topic: &str, payload: &[u8]) -> Result<Decision, DecodeError> {
    match std::str::from_utf8(payload)
        .map(|p| p.trim().to_ascii_lowercase())
        .as_deref()
    {
        Ok("approve") => Ok(Decision::Approve),
        Ok("reject") => Ok(Decision::Reject),
        Ok("dismiss") => Ok(Decision::Dismiss),
        Ok("deploy") => Ok(Decision::Deploy),
        _ => Err(bad_payload(
            topic,
            "expected approve, reject, dismiss or deploy",
        )),
    }
}

fn bad_payload(topic: &str, reason: impl Into<String>) -> DecodeError {
    DecodeError::Payload {
        topic: cut(topic),
        reason: cut(&reason.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> crate::config::Config {
        crate::config::load_from(None, [("HABITD__ANALYSIS__TIMEZONE".into(), "UTC".into())])
            .unwrap()
            .config
    }

    fn topics() -> Topics {
        let config = config();
        Topics::new(&config.mqtt, &config.sources)
    }

    /// `decode` with the default limits.
    fn decode(
        topics: &Topics,
        topic: &str,
        payload: &[u8],
        retain: bool,
        now: Timestamp,
    ) -> Result<Option<Inbound>, DecodeError> {
        super::decode(topics, &config().limits, topic, payload, retain, now)
    }

    fn check(topic: &str, payload: &[u8], expected: Result<Inbound, &str>) {
        let got = decode(&topics(), topic, payload, false, Timestamp::UNIX_EPOCH);
        match (&got, expected) {
            (Ok(Some(got)), Ok(want)) => assert_eq!(*got, want),
            (Err(e), Err(fragment)) => assert!(e.to_string().contains(fragment), "{e}"),
            _ => panic!("{topic} {payload:?}: got {got:?}"),
        }
    }

    #[test]
    fn analyze_accepts_the_documented_payloads() {
        let analyze = Ok(Inbound::Command(Command::Analyze));
        check("habitd/command/analyze", b"", analyze.clone());
        check("habitd/command/analyze", b"PRESS", analyze.clone());
        check("habitd/command/analyze", b" analyze\n", analyze.clone());
        check("habitd/command/analyze", br#"{"reason":"test"}"#, analyze);
    }

    #[test]
    fn garbage_is_an_error_not_a_command() {
        check(
            "habitd/command/analyze",
            &[0xff, 0xfe, 0x00],
            Err("not UTF-8"),
        );
        check("habitd/command/analyze", b"{not json", Err("invalid JSON"));
        check("habitd/command/analyze", b"rm -rf /", Err("is not empty"));
        check(
            "habitd/command/analyze",
            &[b'x'; 10_000],
            Err("10000 bytes on \"habitd/command/analyze\" is more than the 1024 allowed"),
        );
        check("habitd/command/explode", b"", Err("unknown command"));
        check("elsewhere/other", b"", Err("no handler"));
    }

    #[test]
    fn a_retained_command_is_stale_and_ignored() {
        let got = decode(
            &topics(),
            "habitd/command/analyze",
            b"",
            true,
            Timestamp::UNIX_EPOCH,
        );
        assert!(
            matches!(got, Err(DecodeError::RetainedCommand(_))),
            "{got:?}"
        );
    }

    fn observe(topic: &str, payload: &[u8], retain: bool) -> Option<Observation> {
        match decode(&topics(), topic, payload, retain, Timestamp::UNIX_EPOCH) {
            Ok(Some(Inbound::Observed(o))) => Some(o),
            Ok(None) => None,
            other => panic!("{topic}: {other:?}"),
        }
    }

    #[test]
    fn zigbee2mqtt_topics_are_sorted_into_state_and_not_state() {
        let Some(Observation::DeviceState { device, state, .. }) = observe(
            "zigbee2mqtt/kitchen/motion",
            br#"{"occupancy":true}"#,
            false,
        ) else {
            panic!()
        };
        assert_eq!(device, "kitchen/motion");
        assert_eq!(state["occupancy"], true);
        for not_state in [
            "zigbee2mqtt/kitchen/motion/set",
            "zigbee2mqtt/kitchen/motion/set/brightness",
            "zigbee2mqtt/kitchen/motion/get",
            "zigbee2mqtt/kitchen/motion/availability",
            "zigbee2mqtt/bridge/state",
            "zigbee2mqtt/bridge/logging",
        ] {
            assert_eq!(
                observe(not_state, br#"{"state":"online"}"#, false),
                None,
                "{not_state}"
            );
        }
        check("zigbee2mqtt/kitchen/motion", b"ON", Err("invalid JSON"));
        check("zigbee2mqtt/kitchen/motion", b"42", Err("JSON object"));
        let devices = std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/bridge_devices.json"),
        )
        .unwrap();
        let Some(Observation::Devices { devices, problems }) =
            observe("zigbee2mqtt/bridge/devices", &devices, true)
        else {
            panic!()
        };
        assert_eq!((devices.len(), problems.len()), (65, 0));
    }

    #[test]
    fn suggestion_commands() {
        check(
            "habitd/suggestions/habitd_routine_x/set",
            b"approve",
            Ok(Inbound::Command(Command::Decide {
                id: Some("habitd_routine_x".into()),
                action: Decision::Approve,
            })),
        );
        check(
            "habitd/selected/set",
            b"DEPLOY",
            Ok(Inbound::Command(Command::Decide {
                id: None,
                action: Decision::Deploy,
            })),
        );
        check(
            "habitd/select/set",
            b"Kitchen light",
            Ok(Inbound::Command(Command::Select("Kitchen light".into()))),
        );
        check(
            "habitd/suggestions/habitd_routine_x/set",
            b"explode",
            Err("expected approve"),
        );
    }

    #[test]
    fn statestream_replays_are_snapshots() {
        assert!(matches!(
            observe("ha_stream/light/kitchen/state", b"on", false),
            Some(Observation::StateStream {
                snapshot: false,
                ..
            })
        ));
        assert!(matches!(
            observe("ha_stream/light/kitchen/state", b"on", true),
            Some(Observation::StateStream { snapshot: true, .. })
        ));
    }

    #[test]
    fn habitds_own_discovery_is_not_an_observation() {
        assert_eq!(
            observe(
                "homeassistant/sensor/habitd/state/config",
                br#"{"name":"x"}"#,
                true
            ),
            None
        );
    }

    #[test]
    fn home_assistant_birth_and_will() {
        check(
            "homeassistant/status",
            b"online",
            Ok(Inbound::HomeAssistant(HomeAssistantStatus::Online)),
        );
        check(
            "homeassistant/status",
            b"offline",
            Ok(Inbound::HomeAssistant(HomeAssistantStatus::Offline)),
        );
        check("homeassistant/status", b"maybe", Err("expected"));
    }

    #[test]
    fn every_source_has_a_size_limit_and_errors_never_quote_a_payload() {
        let big = vec![b'a'; 70_000];
        for topic in [
            "ha_events",
            "zigbee2mqtt/kitchen/motion",
            "homeassistant/sensor/x/config",
            "habitd/select/set",
            "habitd/suggestions/x/set",
        ] {
            let got = decode(&topics(), topic, &big, false, Timestamp::UNIX_EPOCH);
            assert!(
                matches!(got, Err(DecodeError::TooLarge { size: 70_000, .. })),
                "{topic}: {got:?}"
            );
        }
        // A wrong type whose value is a long string: serde quotes it.
        let long = "x".repeat(100_000);
        let payload = format!(
            r#"{{"event_type":"state_changed","event_data":{{"entity_id":5,"new_state":"{long}"}}}}"#
        );
        let mut limits = config().limits;
        limits.eventstream_bytes = 1 << 20;
        let got = super::decode(
            &topics(),
            &limits,
            "ha_events",
            payload.as_bytes(),
            false,
            Timestamp::UNIX_EPOCH,
        );
        let error = got.unwrap_err().to_string();
        assert!(error.len() < 1000, "{} bytes", error.len());
    }

    #[test]
    fn long_states_are_cut_and_large_structures_dropped() {
        let state = format!(
            r#"{{"state":"{}","color":{{"list":[{}]}},"brightness":3}}"#,
            "é".repeat(1000),
            vec!["1"; 2000].join(",")
        );
        let Some(Observation::DeviceState { state, .. }) =
            observe("zigbee2mqtt/lamp", state.as_bytes(), false)
        else {
            panic!()
        };
        assert_eq!(state["state"].as_str().unwrap().chars().count(), 255);
        assert!(state.get("color").is_none());
        assert_eq!(state["brightness"], 3);
    }

    #[test]
    fn a_message_from_another_time_is_stamped_when_it_arrived() {
        let now: Timestamp = "2026-03-20T03:03:00Z".parse().unwrap();
        let message = |at: &str| {
            format!(
                r#"{{"event_type":"state_changed","event_data":{{"entity_id":"lock.front_door",
                "old_state":{{"entity_id":"lock.front_door","state":"locked","last_changed":"{at}"}},
                "new_state":{{"entity_id":"lock.front_door","state":"unlocked","last_changed":"{at}",
                "context":{{"id":"c","parent_id":null,"user_id":null}}}}}}}}"#
            )
        };
        let tolerance = config().limits.clock_tolerance;
        for (at, believed) in [
            ("2026-03-20T03:02:58Z", true),
            ("2026-03-01T03:03:00Z", false),
            ("2026-04-20T03:03:00Z", false),
        ] {
            let mut got = decode(&topics(), "ha_events", message(at).as_bytes(), false, now)
                .unwrap()
                .unwrap();
            assert_eq!(retime(&mut got, now, tolerance), !believed, "{at}");
            let Inbound::Observed(Observation::StateChanged(change, _)) = got else {
                panic!()
            };
            let expected: Timestamp = if believed { at.parse().unwrap() } else { now };
            assert_eq!(change.at, expected, "{at}");
        }
    }
}
