//! Decoding incoming MQTT messages into [`Inbound`], a closed set.
//!
//! `decode` is pure: `(topic, bytes)` in, a message or a [`DecodeError`] out.
//! A bad message is the sender's problem, never habitd's: the caller counts
//! it, logs it and carries on.

use jiff::Timestamp;

use super::Topics;
use super::topics::Route;
use crate::ingest::Observation;
use crate::model::Decision;
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
}

/// Commands carry no arguments yet; anything longer than this is not one.
const MAX_COMMAND_PAYLOAD: usize = 256;

/// Decodes one message. `retain` is the flag as delivered: a broker sets it
/// only on a stored message replayed on subscribe.
/// `now` stands in for the event time of sources that carry none.
/// `Ok(None)`: understood, and nothing to act on (another event type, an
/// attribute topic, a replayed snapshot, a Zigbee2MQTT `/set`).
pub fn decode(
    topics: &Topics,
    topic: &str,
    payload: &[u8],
    retain: bool,
    now: Timestamp,
) -> Result<Option<Inbound>, DecodeError> {
    let observed = |o: Observation| Some(Inbound::Observed(o));
    match topics.route(topic) {
        Route::HomeAssistantStatus => match payload {
            b"online" => Ok(Some(Inbound::HomeAssistant(HomeAssistantStatus::Online))),
            b"offline" => Ok(Some(Inbound::HomeAssistant(HomeAssistantStatus::Offline))),
            _ => Err(bad_payload(topic, "expected \"online\" or \"offline\"")),
        },
        Route::Command(_) if retain => Err(DecodeError::RetainedCommand(topic.to_owned())),
        Route::Command("analyze") => {
            check_trigger_payload(topic, payload)?;
            Ok(Some(Inbound::Command(Command::Analyze)))
        }
        Route::Command(other) => Err(DecodeError::UnknownCommand(other.to_owned())),
        Route::SuggestionSet(_) | Route::SelectedSet | Route::SelectSet if retain => {
            Err(DecodeError::RetainedCommand(topic.to_owned()))
        }
        Route::SuggestionSet(id) => {
            if id.is_empty() || id.contains(['+', '#']) {
                return Err(bad_payload(topic, "no suggestion id"));
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
        Route::Unknown => Err(DecodeError::UnknownTopic(topic.to_owned())),
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
        let problems = problems.iter().map(ToString::to_string).collect();
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
    if payload.len() > MAX_COMMAND_PAYLOAD {
        return Err(bad_payload(
            topic,
            format!("{} bytes is too long for a command", payload.len()),
        ));
    }
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
        topic: topic.to_owned(),
        reason: reason.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn topics() -> Topics {
        let config =
            crate::config::load_from(None, [("HABITD__ANALYSIS__TIMEZONE".into(), "UTC".into())])
                .unwrap()
                .config;
        Topics::new(&config.mqtt, &config.sources)
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
        check("habitd/command/analyze", &[b'x'; 10_000], Err("too long"));
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
}
