//! Plain words for suggestions: what kind of device an entity is, what it
//! does, and the evidence as a person would say it.
//!
//! A title must say what happens, with the kind of device, so a resident can
//! judge it at a glance: "Turn on the kitchen ceiling light at 06:45 on
//! weekdays", "When the hallway motion sensor detects motion in the evening,
//! turn on the hallway light". The kind comes from the domain and the device
//! class, and is added to the friendly name only when the name does not
//! already say it ("Living Room" the light is "the living room light";
//! "Kitchen ceiling light" stays as it is). Numbers are written for people:
//! no z-scores, no "-0", no "about 0 times".

use super::Context;
use crate::model::domain;

/// "the kitchen ceiling light", "the hallway motion sensor", "the coffee
/// machine".
pub fn thing(entity_id: &str, context: &Context) -> String {
    let name = match context.names.get(entity_id) {
        Some(name) if !name.trim().is_empty() => name.trim().to_owned(),
        _ => entity_id
            .split_once('.')
            .map_or(entity_id, |(_, object)| object)
            .replace('_', " "),
    };
    let name = lower(&name);
    let class = context.device_classes.get(entity_id).map(String::as_str);
    let Some((noun, synonyms)) = kind(domain(entity_id), class) else {
        return format!("the {name}");
    };
    let said = |w: &str| synonyms.contains(&w) || w == noun || noun.ends_with(&format!(" {w}"));
    // "Hallway motion" is a motion sensor that needs only "sensor".
    if let Some((first, rest)) = noun.split_once(' ')
        && name.split_whitespace().last() == Some(first)
    {
        return format!("the {name} {rest}");
    }
    if name.split_whitespace().any(said) {
        format!("the {name}")
    } else {
        format!("the {name} {noun}")
    }
}

/// Lower case, except words that are abbreviations (TV, CO2).
fn lower(name: &str) -> String {
    name.split_whitespace()
        .map(|w| {
            let lowered = w.to_lowercase();
            match lowered.as_str() {
                "tv" => "TV".to_owned(),
                "ac" => "AC".to_owned(),
                _ if w.len() > 1
                    && w.chars()
                        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()) =>
                {
                    w.to_owned()
                }
                _ => lowered,
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The kind of device, and words in a name that already say it.
fn kind(domain: &str, class: Option<&str>) -> Option<(&'static str, &'static [&'static str])> {
    const SENSOR: &[&str] = &["sensor", "detector", "contact"];
    Some(match (domain, class) {
        ("light", _) => (
            "light",
            &[
                "lights",
                "lamp",
                "bulb",
                "strip",
                "spot",
                "spots",
                "chandelier",
                "led",
            ],
        ),
        ("cover", Some("garage")) => ("garage door", &["garage", "door", "gate"]),
        ("cover", Some("gate")) => ("gate", &["gate"]),
        ("cover", Some("curtain")) => ("curtain", &["curtains"]),
        ("cover", Some("shutter")) => ("shutter", &["shutters", "rollo"]),
        ("cover", _) => (
            "blind",
            &[
                "blinds", "shade", "shades", "curtain", "curtains", "shutter", "shutters", "cover",
                "awning", "window",
            ],
        ),
        ("fan", _) => ("fan", &["ventilation", "extractor"]),
        ("lock", _) => ("lock", &["door", "deadbolt"]),
        ("media_player", Some("tv")) => ("TV", &["television"]),
        ("media_player", _) => (
            "speaker",
            &["TV", "player", "radio", "sonos", "receiver", "television"],
        ),
        ("climate", _) => (
            "thermostat",
            &["heating", "heater", "AC", "climate", "radiator"],
        ),
        ("vacuum", _) => ("vacuum", &["robot", "roomba"]),
        ("binary_sensor", Some("motion")) => ("motion sensor", &["pir", "detector"]),
        ("binary_sensor", Some("occupancy" | "presence")) => {
            ("presence sensor", &["occupancy", "detector"])
        }
        ("binary_sensor", Some("door" | "garage_door")) => ("door", &["door", "gate"]),
        ("binary_sensor", Some("window")) => ("window", &["window"]),
        ("binary_sensor", Some("moisture")) => ("water sensor", &["leak", "water", "moisture"]),
        ("binary_sensor" | "sensor", _) => ("sensor", SENSOR),
        _ => return None,
    })
}

/// What a trigger does, after its subject: "detects motion", "opens".
pub fn happens(entity_id: &str, state: &str, context: &Context) -> String {
    let class = context.device_classes.get(entity_id).map(String::as_str);
    let on = state == "on";
    let phrase = match (domain(entity_id), class, state) {
        ("binary_sensor", Some("motion"), _) => {
            pick(on, "detects motion", "stops detecting motion")
        }
        ("binary_sensor", Some("occupancy" | "presence"), _) => {
            pick(on, "detects someone", "no longer detects anyone")
        }
        ("binary_sensor", Some("door" | "window" | "opening" | "garage_door"), _) => {
            pick(on, "opens", "closes")
        }
        ("binary_sensor", Some("moisture"), _) => pick(on, "detects water", "is dry again"),
        ("binary_sensor" | "input_boolean" | "switch" | "light" | "fan", _, "on" | "off") => {
            pick(on, "turns on", "turns off")
        }
        ("media_player", _, "playing") => "starts playing",
        ("media_player", _, "paused") => "pauses",
        ("media_player", _, "idle") => "stops playing",
        ("media_player", _, "on" | "off") => pick(on, "turns on", "turns off"),
        ("person" | "device_tracker", _, "home") => "comes home",
        ("person" | "device_tracker", _, "not_home") => "leaves home",
        ("cover", _, "open") => "opens",
        ("cover", _, "closed") => "closes",
        _ => return format!("changes to “{state}”"),
    };
    phrase.to_owned()
}

fn pick(on: bool, yes: &'static str, no: &'static str) -> &'static str {
    if on { yes } else { no }
}

/// The imperative for putting `thing` into `state`: "turn on the hallway
/// light", "close the bedroom blind".
pub fn command(entity_id: &str, state: &str, thing: &str) -> String {
    match (domain(entity_id), state) {
        (_, "on") => format!("turn on {thing}"),
        (_, "off") => format!("turn off {thing}"),
        (_, "open") => format!("open {thing}"),
        (_, "closed") => format!("close {thing}"),
        (_, "locked") => format!("lock {thing}"),
        (_, "unlocked") => format!("unlock {thing}"),
        (_, "playing") => format!("start {thing}"),
        (_, "paused") => format!("pause {thing}"),
        ("vacuum", "cleaning") => format!("start {thing}"),
        ("vacuum", "docked") => format!("send {thing} back to its dock"),
        ("scene", _) => format!("activate {thing}"),
        ("script", _) => format!("run {thing}"),
        ("climate", mode) => format!("set {thing} to {}", mode.replace('_', " ")),
        (_, other) => format!("set {thing} to “{other}”"),
    }
}

/// The short word for the end state after a command ("off", "closed").
pub fn back(state: &str) -> &str {
    match state {
        "closed" => "closed",
        "paused" => "paused",
        other => other,
    }
}

/// "in the evening", "in the morning" when the hours fit one part of the
/// day, else "between 18:00 and 23:00".
pub fn hours(after: &str, before: &str) -> String {
    let hour = |t: &str| t.get(..2).and_then(|h| h.parse::<u32>().ok());
    let part = match (hour(after), hour(before)) {
        (Some(a), Some(b)) if (5..=7).contains(&a) && (9..=12).contains(&b) => {
            Some("in the morning")
        }
        (Some(a), Some(b)) if (12..=13).contains(&a) && (16..=18).contains(&b) => {
            Some("in the afternoon")
        }
        (Some(a), Some(b)) if (16..=19).contains(&a) && (b >= 21 || b == 0) => {
            Some("in the evening")
        }
        (Some(a), Some(b)) if (21..=23).contains(&a) && (4..=7).contains(&b) => Some("at night"),
        _ => None,
    };
    part.map_or_else(|| format!("between {after} and {before}"), str::to_owned)
}

/// "about 40 s", "about 2 minutes", "about 1 h 10 min".
pub fn duration(seconds: f64) -> String {
    let s = seconds.max(0.0);
    if s < 1.5 {
        "about a second".into()
    } else if s < 90.0 {
        format!("about {:.0} s", s)
    } else if s < 3600.0 {
        format!("about {:.0} minutes", s / 60.0)
    } else {
        let m = (s / 60.0).round() as u64;
        format!("about {} h {} min", m / 60, m % 60)
    }
}

/// How often chance would do it: "less than once", "about once", "about 3
/// times".
pub fn chance(expected: f64) -> String {
    match expected {
        e if e < 0.5 => "less than once".into(),
        e if e < 1.5 => "about once".into(),
        e if e < 2.5 => "about twice".into(),
        e => format!("about {:.0} times", e),
    }
}

/// "within a minute", "within 3 minutes".
pub fn within(minutes: f64) -> String {
    let m = minutes.ceil().max(1.0);
    if m <= 1.0 {
        "within a minute".into()
    } else {
        format!("within {m:.0} minutes")
    }
}

/// The first letter in upper case.
pub fn sentence(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn context() -> Context {
        Context {
            names: [
                ("light.kitchen_ceiling", "Kitchen ceiling light"),
                ("light.living_room", "Living Room"),
                ("media_player.living_room_tv", "Living Room Tv"),
                ("binary_sensor.hallway_motion", "Hallway"),
                ("switch.coffee", "Coffee machine"),
            ]
            .map(|(a, b)| (a.to_owned(), b.to_owned()))
            .into(),
            device_classes: [
                ("binary_sensor.hallway_motion", "motion"),
                ("binary_sensor.hall_motion", "motion"),
                ("media_player.living_room_tv", "tv"),
            ]
            .map(|(a, b)| (a.to_owned(), b.to_owned()))
            .into(),
            ..Default::default()
        }
    }

    #[test]
    fn things_are_named_with_their_kind() {
        let c = context();
        assert_eq!(
            thing("light.kitchen_ceiling", &c),
            "the kitchen ceiling light"
        );
        assert_eq!(thing("light.living_room", &c), "the living room light");
        assert_eq!(
            thing("media_player.living_room_tv", &c),
            "the living room TV"
        );
        assert_eq!(
            thing("binary_sensor.hallway_motion", &c),
            "the hallway motion sensor"
        );
        assert_eq!(
            thing("binary_sensor.hall_motion", &c),
            "the hall motion sensor"
        );
        assert_eq!(thing("switch.coffee", &c), "the coffee machine");
        assert_eq!(thing("cover.bedroom_blinds", &c), "the bedroom blinds");
    }

    #[test]
    fn what_happens_reads_as_english() {
        let c = context();
        assert_eq!(
            happens("binary_sensor.hallway_motion", "on", &c),
            "detects motion"
        );
        assert_eq!(
            command("cover.blind", "open", "the blind"),
            "open the blind"
        );
        assert_eq!(hours("18:00", "23:00"), "in the evening");
        assert_eq!(hours("10:00", "15:00"), "between 10:00 and 15:00");
    }

    #[test]
    fn numbers_are_written_for_people() {
        assert_eq!(chance(0.2), "less than once");
        assert_eq!(chance(1.2), "about once");
        assert_eq!(chance(7.4), "about 7 times");
        assert_eq!(duration(40.2), "about 40 s");
        assert_eq!(duration(130.0), "about 2 minutes");
        assert_eq!(within(0.3), "within a minute");
        assert_eq!(within(2.2), "within 3 minutes");
    }
}
