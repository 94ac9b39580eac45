//! The kinds of synergy habitd looks for: which sensor, which actors, and
//! what the automation linking them does, in one table.
//!
//! `analysis::synergies` finds pairs of devices matching a kind's sensor and
//! actor; `suggest` writes the kind's [`Response`] as an automation. A new
//! kind is one variant here, and the compiler points at every `match` that
//! must learn it.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SynergyKind {
    MotionLight,
    DoorLight,
    DoorLock,
    WindowClimate,
    HumidityFan,
    IlluminanceLight,
    IlluminanceCover,
    RemoteLight,
}

text_enum!(SynergyKind {
    MotionLight => "motion_light", DoorLight => "door_light", DoorLock => "door_lock",
    WindowClimate => "window_climate", HumidityFan => "humidity_fan",
    IlluminanceLight => "illuminance_light", IlluminanceCover => "illuminance_cover",
    RemoteLight => "remote_light",
});

/// Which entities can be a kind's sensor.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Sensor {
    /// An entity of this domain with one of these device classes.
    Class {
        domain: &'static str,
        classes: &'static [&'static str],
    },
    /// A remote's or button's `…_action` entity.
    RemoteAction,
}

/// What the sensor does that starts the automation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Start {
    /// It changes to `to` (and stays so for `for_seconds`).
    Becomes {
        to: &'static str,
        for_seconds: Option<u32>,
    },
    /// Its value rises above this.
    Above(f64),
    /// Its value falls below this.
    Below(f64),
}

/// How a kind's automation responds: when the sensor does `start`, the
/// actor is put in state `result`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Response {
    pub start: Start,
    pub result: &'static str,
}

impl SynergyKind {
    pub fn sensor(self) -> Sensor {
        use SynergyKind as K;
        let class = |domain, classes| Sensor::Class { domain, classes };
        match self {
            K::MotionLight => class("binary_sensor", &["motion", "occupancy", "presence"]),
            K::DoorLight => class("binary_sensor", &["door", "garage_door", "opening"]),
            K::DoorLock => class("binary_sensor", &["door"]),
            K::WindowClimate => class("binary_sensor", &["window"]),
            K::HumidityFan => class("sensor", &["humidity"]),
            K::IlluminanceLight | K::IlluminanceCover => class("sensor", &["illuminance"]),
            K::RemoteLight => Sensor::RemoteAction,
        }
    }

    /// The domains of the entities it can control.
    pub fn actor_domains(self) -> &'static [&'static str] {
        use SynergyKind as K;
        match self {
            K::MotionLight | K::DoorLight | K::IlluminanceLight => &["light"],
            K::DoorLock => &["lock"],
            K::WindowClimate => &["climate"],
            K::HumidityFan => &["fan"],
            K::IlluminanceCover => &["cover"],
            K::RemoteLight => &["light", "scene"],
        }
    }

    pub fn response(self) -> Response {
        use SynergyKind as K;
        let (start, result) = match self {
            // A door closed for five minutes: lock it.
            K::DoorLock => (becomes("off", Some(300)), "locked"),
            // A window open for two minutes: stop heating or cooling.
            K::WindowClimate => (becomes("on", Some(120)), "off"),
            K::HumidityFan => (Start::Above(70.0), "on"),
            K::IlluminanceLight => (Start::Below(20.0), "on"),
            K::IlluminanceCover => (Start::Above(20_000.0), "closed"),
            K::MotionLight | K::DoorLight | K::RemoteLight => (becomes("on", None), "on"),
        };
        Response { start, result }
    }
}

fn becomes(to: &'static str, for_seconds: Option<u32>) -> Start {
    Start::Becomes { to, for_seconds }
}
