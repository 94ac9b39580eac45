//! Ingest: from what the sources say to what the database stores.
//!
//! The MQTT task decodes messages into [`Observation`]s. [`Ingest`] is the
//! stateful, IO-free step between them and storage: it applies the entity
//! filter, turns Zigbee2MQTT's full device states into changes, names them
//! with the Home Assistant entity ids that Zigbee2MQTT's discovery declared,
//! and emits [`Record`]s for the [`writer`], which batches them into SQLite.
//! [`import`] feeds history files through the same records.
//!
//! The same change arrives up to three times: from Home Assistant's
//! eventstream (with who caused it), its statestream and Zigbee2MQTT, in any
//! order (Home Assistant 2025.4 publishes the statestream copy first). The
//! eventstream covers every entity Home Assistant has, so once it is heard
//! the other copies of Home Assistant entities are dropped. Until then (the
//! first moments after a start) a statestream or Zigbee2MQTT copy is held
//! back for [`HOLD`]: dropped when the eventstream's copy turns up, stored
//! when it does not (and if the eventstream has not spoken at all, it is
//! taken to be off, and copies are stored at once until it speaks). Nothing is stored twice, whatever the order,
//! and the origin is the eventstream's whenever it has one.
//!
//! Not actions, never stored: Home Assistant's start-up states (an
//! eventstream change with no old state, the first statestream state of an
//! entity), and habitd's own entities (`*.habitd_*`: its sensors, buttons
//! and select, whose changes are habitd's doing).

pub mod backfill;
pub mod filter;
pub mod import;
pub mod writer;

use std::collections::{HashMap, HashSet};

use jiff::{SignedDuration, Timestamp};
use serde_json::{Map, Value};

use crate::ha::discovery::Discovered;
use crate::model::{Device, Record, value_text};
use crate::model::{EntityInfo, Origin, StateChange};
use crate::z2m::state::Tracker;

pub use filter::Filter;
use filter::is_own;

/// What a source reported, decoded but not yet judged.
#[derive(Debug, Clone, PartialEq)]
pub enum Observation {
    /// Home Assistant's eventstream: a state change with its context.
    StateChanged(StateChange, EntityInfo),
    /// Home Assistant's statestream: an entity's state, live or (`snapshot`)
    /// replayed by the broker on subscribe.
    StateStream { change: StateChange, snapshot: bool },
    /// Zigbee2MQTT's device list; `problems` are devices it could not read.
    Devices {
        devices: Vec<Device>,
        problems: Vec<String>,
    },
    /// A Zigbee2MQTT device's full state.
    DeviceState {
        device: String,
        state: Map<String, Value>,
        at: Timestamp,
    },
    /// The entities of a Home Assistant discovery config (Zigbee2MQTT's or
    /// another integration's).
    Discovered(Vec<Discovered>),
}

/// How one Zigbee2MQTT property shows up in Home Assistant.
#[derive(Debug, Clone)]
struct Mapped {
    entity_id: String,
    /// Zigbee2MQTT value → HA state, from the discovery config
    /// (`payload_on: true` → `on`); values not listed are lower-cased.
    states: HashMap<String, String>,
}

/// How long a statestream or Zigbee2MQTT copy waits for the eventstream's
/// copy of the same change while the eventstream has not been heard.
pub const HOLD: SignedDuration = SignedDuration::from_secs(3);

/// At most this many copies are held back.
const HELD_MAX: usize = 1000;

/// Counters for logs and job status.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct IngestStats {
    pub events: u64,
    pub filtered: u64,
    pub duplicates_of_eventstream: u64,
    /// Start-up states and habitd's own entities.
    pub not_actions: u64,
}

/// What habitd knows of Home Assistant's eventstream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Eventstream {
    /// Not heard yet: other copies wait [`HOLD`] for it.
    Awaited,
    /// Heard: it has every change of every Home Assistant entity.
    Live,
    /// A held copy waited in vain: store other copies at once.
    Silent,
}

/// The ingest state machine.
#[derive(Debug)]
pub struct Ingest {
    filter: Filter,
    tracker: Tracker,
    /// Entity metadata already handed to the writer.
    known: HashMap<String, EntityInfo>,
    /// (device friendly name, property) → HA entity.
    mapped: HashMap<(String, String), Mapped>,
    /// Properties that are diagnostics per the device's definition.
    diagnostic: HashSet<(String, String)>,
    eventstream: Eventstream,
    /// Copies waiting for the eventstream, oldest first.
    held: Vec<StateChange>,
    /// The latest receive time of a statestream or Zigbee2MQTT message: the
    /// clock held copies are released by (ingest reads no clock of its own).
    clock: Timestamp,
    /// The last statestream state of each entity: statestream repeats the
    /// state on attribute updates and has no old state of its own.
    statestream_last: HashMap<String, String>,
    pub stats: IngestStats,
}

impl Ingest {
    pub fn new(filter: Filter) -> Self {
        Ingest {
            filter,
            tracker: Tracker::default(),
            known: HashMap::new(),
            mapped: HashMap::new(),
            diagnostic: HashSet::new(),
            eventstream: Eventstream::Awaited,
            held: Vec::new(),
            clock: Timestamp::UNIX_EPOCH,
            statestream_last: HashMap::new(),
            stats: IngestStats::default(),
        }
    }

    /// For a habitd that listens to no eventstream: other copies are stored
    /// at once, never held back.
    pub fn without_eventstream(mut self) -> Self {
        self.eventstream = Eventstream::Silent;
        self
    }

    /// Home Assistant went offline (its will message): its eventstream is
    /// silent until it is back, so Zigbee2MQTT's copies are no longer
    /// duplicates. They wait for the eventstream again, as after a start.
    pub fn home_assistant_offline(&mut self) {
        if self.eventstream == Eventstream::Live {
            self.eventstream = Eventstream::Awaited;
        }
    }

    /// Judges one observation; returns what to store.
    pub fn observe(&mut self, observation: Observation) -> Vec<Record> {
        let mut out = Vec::new();
        match observation {
            Observation::StateChanged(change, info) => {
                // No tick: the eventstream's times are Home Assistant's
                // clock, which may run ahead of this machine's.
                self.eventstream_heard(&change);
                if is_own(&change.entity_id) {
                    self.stats.not_actions += 1;
                } else if change.old_state.is_none() {
                    // Added, or Home Assistant starting: a state, not a change.
                    self.stats.not_actions += 1;
                    if self.filter.accepts(&info.entity_id) {
                        self.remember(info, &mut out);
                    }
                } else {
                    self.event(change, Some(info), &mut out);
                }
            }
            Observation::StateStream {
                mut change,
                snapshot,
            } => {
                self.tick(change.at, &mut out);
                let previous = self
                    .statestream_last
                    .insert(change.entity_id.clone(), change.state.clone());
                if snapshot || previous.as_deref() == Some(change.state.as_str()) {
                    return out;
                }
                if self.eventstream == Eventstream::Live {
                    self.stats.duplicates_of_eventstream += 1;
                    return out;
                }
                let Some(previous) = previous else {
                    // The first state habitd hears of it: a baseline.
                    return out;
                };
                change.old_state = Some(previous);
                self.copy(change, &mut out);
            }
            Observation::Devices { devices, problems } => {
                for problem in problems {
                    tracing::warn!(%problem, "skipped a Zigbee2MQTT device");
                }
                self.diagnostic = devices
                    .iter()
                    .flat_map(|d| {
                        d.capabilities
                            .iter()
                            .filter(|c| c.category.as_deref() == Some("diagnostic"))
                            .map(|c| (d.friendly_name.clone(), c.property.clone()))
                    })
                    .collect();
                tracing::info!(devices = devices.len(), "Zigbee2MQTT device list received");
                out.push(Record::Devices(devices));
                // Discovery configs may have come first (the broker replays
                // retained topics in any order): link them to the new rows.
                for ((device, property), m) in &self.mapped {
                    out.push(Record::Mapping {
                        device: device.clone(),
                        property: property.clone(),
                        entity_id: m.entity_id.clone(),
                    });
                }
            }
            Observation::DeviceState { device, state, at } => {
                self.tick(at, &mut out);
                for change in self.tracker.changes(&device, state) {
                    let key = (device.clone(), change.property.clone());
                    if self.diagnostic.contains(&key) {
                        continue;
                    }
                    let change = match self.mapped.get(&key) {
                        Some(m) => StateChange {
                            entity_id: m.entity_id.clone(),
                            at,
                            state: m.state_of(&change.value),
                            old_state: change.old_value.as_ref().map(|v| m.state_of(v)),
                            origin: Origin::Device,
                        },
                        // Not (yet) known to Home Assistant: keep it under
                        // Zigbee2MQTT's own name, which no HA entity can have
                        // and no other source reports.
                        None => {
                            let change = StateChange {
                                entity_id: format!(
                                    "zigbee2mqtt.{}",
                                    unmapped_id(&device, &change.property)
                                ),
                                at,
                                state: value_text(&change.value),
                                old_state: change.old_value.as_ref().map(value_text),
                                origin: Origin::Device,
                            };
                            self.event(change, None, &mut out);
                            continue;
                        }
                    };
                    self.copy(change, &mut out);
                }
            }
            Observation::Discovered(entities) => {
                for found in entities {
                    self.discovered(found, &mut out);
                }
            }
        }
        out
    }

    /// Copies still held back, to store when ingest ends (shutdown).
    pub fn drain(&mut self) -> Vec<Record> {
        let mut out = Vec::new();
        for change in std::mem::take(&mut self.held) {
            self.event(change, None, &mut out);
        }
        out
    }

    /// A statestream or Zigbee2MQTT copy of a Home Assistant entity's change.
    fn copy(&mut self, change: StateChange, out: &mut Vec<Record>) {
        match self.eventstream {
            Eventstream::Live => self.stats.duplicates_of_eventstream += 1,
            Eventstream::Silent => self.event(change, None, out),
            Eventstream::Awaited => {
                if self.held.len() >= HELD_MAX {
                    let oldest = self.held.remove(0);
                    self.event(oldest, None, out);
                }
                self.held.push(change);
            }
        }
    }

    /// The eventstream spoke: from now on it has every change, and a held
    /// copy of this change is its duplicate.
    fn eventstream_heard(&mut self, change: &StateChange) {
        self.eventstream = Eventstream::Live;
        let before = self.held.len();
        self.held
            .retain(|h| !(h.entity_id == change.entity_id && h.state == change.state));
        self.stats.duplicates_of_eventstream += (before - self.held.len()) as u64;
    }

    /// Advances the clock; stores held copies the eventstream did not
    /// match within [`HOLD`], and from then on stores copies at once.
    fn tick(&mut self, at: Timestamp, out: &mut Vec<Record>) {
        self.clock = self.clock.max(at);
        let due = self
            .held
            .iter()
            .take_while(|c| {
                c.at.checked_add(HOLD)
                    .is_ok_and(|until| until <= self.clock)
            })
            .count();
        if due == 0 {
            return;
        }
        if self.eventstream == Eventstream::Awaited {
            self.eventstream = Eventstream::Silent;
        }
        let released: Vec<StateChange> = self.held.drain(..due).collect();
        for change in released {
            self.event(change, None, out);
        }
    }

    fn discovered(&mut self, found: Discovered, out: &mut Vec<Record>) {
        if is_own(&found.entity_id) {
            return;
        }
        {
            {
                if let Some(source) = found.zigbee2mqtt_source.clone() {
                    out.push(Record::Mapping {
                        device: source.device.clone(),
                        property: source.property.clone(),
                        entity_id: found.entity_id.clone(),
                    });
                    self.mapped.insert(
                        (source.device, source.property),
                        Mapped {
                            entity_id: found.entity_id.clone(),
                            states: found.states.clone(),
                        },
                    );
                }
                let info = EntityInfo {
                    entity_id: found.entity_id,
                    friendly_name: found.name,
                    device_class: found.device_class,
                    unit: found.unit,
                };
                if self.filter.accepts(&info.entity_id) {
                    self.remember(info, out);
                }
            }
        }
    }

    fn event(&mut self, change: StateChange, info: Option<EntityInfo>, out: &mut Vec<Record>) {
        if is_own(&change.entity_id) {
            self.stats.not_actions += 1;
            return;
        }
        if !self.filter.accepts(&change.entity_id) {
            self.stats.filtered += 1;
            return;
        }
        let info = info.unwrap_or_else(|| EntityInfo {
            entity_id: change.entity_id.clone(),
            ..EntityInfo::default()
        });
        self.remember(info, out);
        self.stats.events += 1;
        out.push(Record::Event(change));
    }

    /// Emits entity metadata when it is new or says more than before.
    fn remember(&mut self, info: EntityInfo, out: &mut Vec<Record>) {
        let changed = match self.known.get(&info.entity_id) {
            None => true,
            Some(known) => {
                (info.friendly_name.is_some() && info.friendly_name != known.friendly_name)
                    || (info.device_class.is_some() && info.device_class != known.device_class)
                    || (info.unit.is_some() && info.unit != known.unit)
            }
        };
        if changed {
            self.known.insert(info.entity_id.clone(), info.clone());
            out.push(Record::Entity(info));
        }
    }
}

impl Mapped {
    fn state_of(&self, value: &Value) -> String {
        let text = value_text(value);
        self.states
            .get(&text)
            .cloned()
            .unwrap_or_else(|| text.to_lowercase())
    }
}

/// `kitchen/motion` + `occupancy` → `kitchen_motion_occupancy`.
fn unmapped_id(device: &str, property: &str) -> String {
    crate::model::slugify(&format!("{device}_{property}"))
}

#[cfg(test)]
mod tests;
