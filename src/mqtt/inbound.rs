//! Decoding incoming MQTT messages into [`Inbound`], a closed set.
//!
//! `decode` is pure: `(topic, bytes)` in, a message or a [`DecodeError`] out.
//! A bad message is the sender's problem, never habitd's: the caller counts
//! it, logs it and carries on.

use super::Topics;

/// Everything habitd acts on that arrives over MQTT.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inbound {
    Command(Command),
    /// Home Assistant's birth (`online`) or will (`offline`) message.
    HomeAssistant(HomeAssistantStatus),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    /// Run an analysis now.
    Analyze,
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
pub fn decode(
    topics: &Topics,
    topic: &str,
    payload: &[u8],
    retain: bool,
) -> Result<Inbound, DecodeError> {
    if topic == topics.homeassistant_status() {
        return match payload {
            b"online" => Ok(Inbound::HomeAssistant(HomeAssistantStatus::Online)),
            b"offline" => Ok(Inbound::HomeAssistant(HomeAssistantStatus::Offline)),
            _ => Err(bad_payload(topic, "expected \"online\" or \"offline\"")),
        };
    }
    if let Some(name) = topics.command_name(topic) {
        if retain {
            return Err(DecodeError::RetainedCommand(topic.to_owned()));
        }
        return match name {
            "analyze" => {
                check_trigger_payload(topic, payload)?;
                Ok(Inbound::Command(Command::Analyze))
            }
            other => Err(DecodeError::UnknownCommand(other.to_owned())),
        };
    }
    Err(DecodeError::UnknownTopic(topic.to_owned()))
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
        Topics::new(&config.mqtt)
    }

    fn check(topic: &str, payload: &[u8], expected: Result<Inbound, &str>) {
        let got = decode(&topics(), topic, payload, false);
        match (&got, expected) {
            (Ok(got), Ok(want)) => assert_eq!(*got, want),
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
        check("habitd/other", b"", Err("no handler"));
    }

    #[test]
    fn a_retained_command_is_stale_and_ignored() {
        let got = decode(&topics(), "habitd/command/analyze", b"", true);
        assert!(
            matches!(got, Err(DecodeError::RetainedCommand(_))),
            "{got:?}"
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
