//! The analysis core: pure functions from in-memory data to findings.
//!
//! Nothing here does IO or awaits: the pipeline's fetch phase reads the window
//! from SQLite into the compact structures below, and each miner is a function
//! of them and of [`Thresholds`], tested with data made in the test.
//!
//! - [`digest`]: what the miners need from the events, added up day by day;
//! - [`routines`]: time-of-day routines, candidates from the changes'
//!   5-minute slots per local day, measured on their real times ([`times`]);
//! - [`sequences`]: trigger → action pairs from the delay counts, judged
//!   against chance from the same two entities around each event;
//! - [`synergies`]: devices that could be linked but are not;
//! - [`features`]: settable capabilities that are never used.

pub mod digest;
pub mod features;
pub mod routines;
pub mod sequences;
pub mod stats;
pub mod synergies;
pub mod times;

use std::collections::HashSet;

use serde::Serialize;

use crate::model::{FindingKind, Origin, domain};

/// Thresholds of the miners; the defaults live in `config/default.toml`.
#[derive(Debug, Clone, Serialize)]
pub struct Thresholds {
    /// A routine needs at least this many days with an occurrence.
    pub routine_min_days: u32,
    /// … on at least this share of the days of its day class.
    pub routine_min_share: f64,
    /// … within this many minutes either side of its centre.
    pub routine_window_minutes: u32,
    /// … and a circular spread (standard deviation) of at most this.
    pub routine_max_spread_minutes: f64,
    /// How far after a trigger an action may still follow it: the horizon
    /// of the delay distribution (each pair's own delay is learnt within it).
    pub sequence_max_delay_ms: i64,
    /// A sequence must hold on at least this many different days.
    pub sequence_min_days: u32,
    /// A sequence needs at least this many occurrences …
    pub sequence_min_occurrences: u32,
    /// … B must follow at least this share of A's occurrences …
    pub sequence_min_confidence: f64,
    /// … and the co-occurrence must exceed chance by this many standard
    /// deviations (chance: the larger of the mirrored count — the action
    /// before the trigger — and the window's average rates).
    pub sequence_min_z: f64,
}

/// An entity of the window, by its dense index.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EntityMeta {
    pub entity_id: String,
    pub device_class: Option<String>,
    pub unit: Option<String>,
    pub area: Option<String>,
    pub friendly_name: Option<String>,
}

/// Raw events as columns, sorted by time: 17 bytes an event, no per-event
/// heap objects. What a [`Digest`](digest::Digest) is made of.
#[derive(Debug, Default, Clone)]
pub struct Events {
    /// Unix milliseconds, ascending.
    pub ts: Vec<i64>,
    /// Index into [`Window::entities`].
    pub entity: Vec<u32>,
    /// Index into [`Window::states`].
    pub state: Vec<u32>,
    pub origin: Vec<Origin>,
}

impl Events {
    pub fn len(&self) -> usize {
        self.ts.len()
    }
    pub fn is_empty(&self) -> bool {
        self.ts.is_empty()
    }
}

/// An existing automation: what it is triggered by and what it acts on.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Automation {
    pub entity_id: String,
    pub trigger_entities: HashSet<String>,
    pub action_entities: HashSet<String>,
    pub has_time_trigger: bool,
}

/// Everything the miners look at.
#[derive(Debug, Default, Clone)]
pub struct Window {
    pub entities: Vec<EntityMeta>,
    pub states: Vec<String>,
    /// What the miners need from the window's events, but the pairs.
    pub digest: digest::Digest,
    /// The window's (trigger, action) pairs with their delay counts.
    pub pairs: digest::Totals,
    /// Days whose stored digest was read instead of their events.
    pub digested_days: u32,
    /// Whether their pairs came from the totals the run before stored
    /// (else from each day's).
    pub summed_pairs: bool,
    /// First and last local day of the window (inclusive): whole local
    /// days, from the first to the last with a change made by a person or
    /// a device.
    pub first_day: i32,
    pub last_day: i32,
    pub automations: Vec<Automation>,
}

impl Window {
    pub fn entity_id(&self, entity: u32) -> &str {
        self.entities
            .get(entity as usize)
            .map_or("", |e| e.entity_id.as_str())
    }
    pub fn state(&self, state: u32) -> &str {
        self.states.get(state as usize).map_or("", String::as_str)
    }

    /// Pairs (trigger entity, action entity) an existing automation covers.
    pub fn automated_pairs(&self) -> HashSet<(&str, &str)> {
        let mut pairs = HashSet::new();
        for a in &self.automations {
            for t in &a.trigger_entities {
                for b in &a.action_entities {
                    pairs.insert((t.as_str(), b.as_str()));
                }
            }
        }
        pairs
    }

    /// Entities an existing automation acts on at a time of day.
    pub fn time_automated(&self) -> HashSet<&str> {
        self.automations
            .iter()
            .filter(|a| a.has_time_trigger)
            .flat_map(|a| a.action_entities.iter().map(String::as_str))
            .collect()
    }
}

/// Interns strings to dense indexes while a window is read.
#[derive(Debug, Default)]
pub struct Interner {
    index: rustc_hash::FxHashMap<String, u32>,
    pub values: Vec<String>,
}

impl Interner {
    pub fn get(&mut self, value: &str) -> u32 {
        if let Some(i) = self.index.get(value) {
            return *i;
        }
        let i = self.values.len() as u32;
        self.values.push(value.to_owned());
        self.index.insert(value.to_owned(), i);
        i
    }
}

/// Domains whose state a person sets: the actions of routines and sequences.
pub fn is_action_domain(entity_id: &str) -> bool {
    matches!(
        domain(entity_id),
        "light"
            | "switch"
            | "cover"
            | "lock"
            | "climate"
            | "fan"
            | "media_player"
            | "scene"
            | "script"
            | "input_boolean"
            | "vacuum"
            | "humidifier"
            | "water_heater"
            | "valve"
    )
}

/// Entities whose changes can start something: sensors of presence, motion,
/// doors; remotes and buttons; media players; people.
pub fn is_trigger_entity(meta: &EntityMeta) -> bool {
    let id = meta.entity_id.as_str();
    match domain(id) {
        "binary_sensor" => !matches!(
            meta.device_class.as_deref(),
            Some("battery" | "problem" | "connectivity" | "update" | "tamper" | "safety")
        ),
        "event" | "person" | "device_tracker" | "media_player" | "input_boolean"
        | "input_button" | "button" | "remote" => true,
        // Zigbee2MQTT properties not (yet) known to Home Assistant: remote
        // buttons' `action`, and presence-like booleans.
        "zigbee2mqtt" => [
            "_action",
            "_occupancy",
            "_presence",
            "_contact",
            "_vibration",
        ]
        .iter()
        .any(|suffix| id.ends_with(suffix)),
        _ => false,
    }
}

/// A state that carries a measurement (a number, or a unit), never an action.
pub fn is_measurement(meta: &EntityMeta) -> bool {
    meta.unit.is_some()
        || matches!(
            domain(&meta.entity_id),
            "sensor" | "number" | "input_number"
        )
}

/// Everything the analysis found.
#[derive(Debug, Default, Clone, Serialize)]
pub struct Findings {
    pub routines: Vec<routines::Routine>,
    pub sequences: Vec<sequences::Sequence>,
    pub synergies: Vec<synergies::Synergy>,
    pub unused_features: Vec<features::UnusedFeature>,
}

impl Findings {
    /// Every finding, routines first, as its own typed value.
    pub fn all(&self) -> impl Iterator<Item = Finding> + '_ {
        let routines = self.routines.iter().cloned().map(Finding::Routine);
        let sequences = self.sequences.iter().cloned().map(Finding::Sequence);
        let synergies = self.synergies.iter().cloned().map(Finding::Synergy);
        let features = self.unused_features.iter().cloned();
        routines
            .chain(sequences)
            .chain(synergies)
            .chain(features.map(Finding::UnusedFeature))
    }
}

/// One finding with its evidence: what the CLI, the surface and the
/// suggestions render from. Stored as the inner value's JSON, with its
/// [`FindingKind`] beside it, so it reads back with [`Finding::from_json`].
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Finding {
    Routine(routines::Routine),
    Sequence(sequences::Sequence),
    Synergy(synergies::Synergy),
    UnusedFeature(features::UnusedFeature),
}

impl Finding {
    pub fn kind(&self) -> FindingKind {
        match self {
            Finding::Routine(_) => FindingKind::Routine,
            Finding::Sequence(_) => FindingKind::Sequence,
            Finding::Synergy(_) => FindingKind::Synergy,
            Finding::UnusedFeature(_) => FindingKind::UnusedFeature,
        }
    }

    /// Stable across runs.
    pub fn id(&self) -> &str {
        match self {
            Finding::Routine(r) => &r.id,
            Finding::Sequence(s) => &s.id,
            Finding::Synergy(y) => &y.id,
            Finding::UnusedFeature(f) => &f.id,
        }
    }

    /// Reads a stored finding of `kind` back.
    pub fn from_json(kind: FindingKind, json: &str) -> serde_json::Result<Finding> {
        Ok(match kind {
            FindingKind::Routine => Finding::Routine(serde_json::from_str(json)?),
            FindingKind::Sequence => Finding::Sequence(serde_json::from_str(json)?),
            FindingKind::Synergy => Finding::Synergy(serde_json::from_str(json)?),
            FindingKind::UnusedFeature => Finding::UnusedFeature(serde_json::from_str(json)?),
        })
    }
}

#[cfg(test)]
mod tests;
