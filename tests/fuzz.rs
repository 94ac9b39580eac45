//! Every decoder of what arrives from outside, fed what nobody would send:
//! random bytes, random JSON, and real captures mutated byte by byte. None
//! may panic, and what the MQTT decoder lets through stays within
//! `[limits]`. Seeded, so a failure reproduces.

use std::io::BufRead;

use habitd::config::Config;
use habitd::ingest::Observation;
use habitd::mqtt::{Inbound, Topics, inbound};

/// xorshift64*: enough randomness for inputs, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn bytes(&mut self, max: usize) -> Vec<u8> {
        let len = self.below(max);
        (0..len).map(|_| self.next() as u8).collect()
    }
    fn text(&mut self) -> String {
        const PIECES: &[&str] = &[
            "on",
            "off",
            "null",
            "\"",
            "\\",
            "{",
            "}",
            "[",
            "]",
            ":",
            ",",
            "é",
            "😀",
            "\u{0}",
            "state",
            "entity_id",
            "light.x",
            "new_state",
            "old_state",
            "context",
            "~",
            "/",
            "last_changed",
            "2026-03-01T00:00:00Z",
            "9999999999999999999999",
            "-1",
            "1e400",
        ];
        (0..self.below(6))
            .map(|_| PIECES[self.below(PIECES.len())])
            .collect()
    }
    fn json(&mut self, depth: u32) -> serde_json::Value {
        use serde_json::Value;
        let leaf = depth == 0 || self.below(3) == 0;
        match (leaf, self.below(6)) {
            (true, 0) => Value::Null,
            (true, 1) => Value::Bool(self.below(2) == 0),
            (true, 2) => Value::from(self.next() as i64),
            (true, 3) => serde_json::Number::from_f64((self.next() as f64) / 7.0)
                .map_or(Value::Null, Value::Number),
            (true, _) => Value::String(self.text()),
            (false, n) if n % 2 == 0 => {
                Value::Array((0..self.below(5)).map(|_| self.json(depth - 1)).collect())
            }
            (false, _) => Value::Object(
                (0..self.below(6))
                    .map(|_| (self.text(), self.json(depth - 1)))
                    .collect(),
            ),
        }
    }
    /// A real payload with a few bytes changed, cut, or repeated.
    fn mutate(&mut self, real: &[u8]) -> Vec<u8> {
        let mut out = real.to_vec();
        for _ in 0..1 + self.below(4) {
            if out.is_empty() {
                break;
            }
            let at = self.below(out.len());
            match self.below(4) {
                0 => out[at] = self.next() as u8,
                1 => out.truncate(at),
                2 => {
                    let piece = out[at..].to_vec();
                    out.extend_from_slice(&piece);
                }
                _ => {
                    let text = self.text();
                    out.splice(at..at, text.bytes());
                }
            }
        }
        out
    }
}

fn config() -> Config {
    habitd::config::load_from(None, [("HABITD__ANALYSIS__TIMEZONE".into(), "UTC".into())])
        .unwrap()
        .config
}

fn data(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

/// `(topic, payload)` of the real captures: eventstream, statestream,
/// Zigbee2MQTT and discovery messages of two Home Assistant versions.
fn captures() -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for file in ["mqtt_capture_ha2024.3.jsonl", "mqtt_capture_ha2025.4.jsonl"] {
        let reader = std::io::BufReader::new(std::fs::File::open(data(file)).unwrap());
        for line in reader.lines() {
            let m: serde_json::Value = serde_json::from_str(&line.unwrap()).unwrap();
            let payload = match &m["raw"] {
                serde_json::Value::String(raw) => raw.clone().into_bytes(),
                _ => serde_json::to_vec(&m["payload"]).unwrap(),
            };
            out.push((m["topic"].as_str().unwrap().to_owned(), payload));
        }
    }
    out.push((
        "zigbee2mqtt/bridge/devices".into(),
        std::fs::read(data("bridge_devices.json")).unwrap(),
    ));
    out
}

/// Every text an accepted observation carries is within the limit.
fn check_bounded(message: &Inbound, max_chars: usize) {
    let ok = |text: &str| text.chars().count() <= max_chars;
    if let Inbound::Observed(observation) = message {
        match observation {
            Observation::StateChanged(change, info) => {
                assert!(ok(&change.state) && ok(&change.entity_id));
                assert!(change.old_state.as_deref().is_none_or(ok));
                assert!(info.friendly_name.as_deref().is_none_or(ok));
            }
            Observation::StateStream { change, .. } => assert!(ok(&change.state)),
            Observation::DeviceState { state, .. } => {
                for value in state.values() {
                    assert!(value.as_str().is_none_or(ok), "{value}");
                }
            }
            Observation::Devices { problems, .. } => assert!(problems.len() <= 11),
            Observation::Discovered(_) => {}
        }
    }
}

#[test]
fn the_mqtt_decoder_never_panics_and_bounds_what_it_lets_through() {
    let config = config();
    let topics = Topics::new(&config.mqtt, &config.sources);
    let limits = &config.limits;
    let real = captures();
    let topic_names: Vec<String> = real
        .iter()
        .map(|(t, _)| t.clone())
        .chain(
            [
                "habitd/command/analyze",
                "habitd/select/set",
                "habitd/selected/set",
                "habitd/suggestions/x/set",
                "homeassistant/status",
                "homeassistant/light/x/y/config",
                "ha_stream/light/x/state",
                "zigbee2mqtt/a/b",
            ]
            .map(String::from),
        )
        .collect();
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    let mut accepted = 0;
    for round in 0..30_000 {
        let topic = &topic_names[rng.below(topic_names.len())];
        let payload = match round % 3 {
            0 => rng.bytes(512),
            1 => serde_json::to_vec(&rng.json(4)).unwrap(),
            _ => {
                let (_, real) = &real[rng.below(real.len())];
                rng.mutate(real)
            }
        };
        let retain = rng.below(2) == 0;
        let now = jiff::Timestamp::UNIX_EPOCH;
        if let Ok(Some(mut message)) =
            inbound::decode(&topics, limits, topic, &payload, retain, now)
        {
            accepted += 1;
            inbound::retime(&mut message, now, limits.clock_tolerance);
            check_bounded(&message, limits.state_chars);
        }
    }
    // Mutated captures are often still valid: the bounds were exercised.
    assert!(accepted > 1000, "only {accepted} inputs were accepted");
}

#[test]
fn the_other_decoders_never_panic() {
    let mut rng = Rng(0x5eed_1234_abcd_0002);
    let devices = std::fs::read(data("bridge_devices.json")).unwrap();
    let history = std::fs::read(data("history_period.json")).unwrap();
    for round in 0..5_000 {
        let payload = match round % 3 {
            0 => rng.bytes(256),
            1 => serde_json::to_vec(&rng.json(5)).unwrap(),
            _ => rng.mutate(if round % 2 == 0 { &devices } else { &history }),
        };
        let _ = habitd::z2m::devices::parse(&payload);
        let _ = habitd::ha::history::read_all(&payload);
        let _ = habitd::ha::eventstream::decode(&payload);
        let _ =
            habitd::ha::statestream::decode("light/x/state", &payload, jiff::Timestamp::UNIX_EPOCH);
        let _ = habitd::ha::discovery::decode("light/x/config", &payload, Some("zigbee2mqtt"));
        if let Ok(value) = serde_json::from_slice::<serde_json::Value>(&payload) {
            let _ = habitd::ha::automation::summarize("automation.x".into(), &value);
            let _ = habitd::ha::automation::calls(&value);
        }
    }
}

/// A `bridge/devices` of a million bad entries is a dozen problems, not a
/// million log lines.
#[test]
fn a_devices_list_of_garbage_reports_a_bounded_number_of_problems() {
    let payload = format!("[{}0]", "0,".repeat(1_000_000));
    let (devices, problems) = habitd::z2m::devices::parse(payload.as_bytes()).unwrap();
    assert!(devices.is_empty());
    assert_eq!(problems.len(), 11);
    assert!(
        problems[10].to_string().contains("999991 more"),
        "{}",
        problems[10]
    );
}
