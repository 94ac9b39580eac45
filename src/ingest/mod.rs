//! Ingest: from what the sources say to what the database stores.
//!
//! The MQTT task decodes messages into [`Observation`]s. [`Ingest`] is the
//! stateful, IO-free step between them and storage: it applies the entity
//! filter, turns Zigbee2MQTT's full device states into changes, names them
//! with the Home Assistant entity ids that Zigbee2MQTT's discovery declared,
//! and emits [`Record`]s for the [`writer`], which batches them into SQLite.
//! [`import`] feeds history files through the same records.
//!
//! When Home Assistant's eventstream reports an entity, the same change also
//! arrives from Zigbee2MQTT; the eventstream's copy wins (it says who caused
//! it), and Zigbee2MQTT's is dropped so the analysis never counts it twice.

pub mod filter;
pub mod import;
pub mod writer;

use std::collections::{HashMap, HashSet};

use jiff::Timestamp;
use serde_json::{Map, Value};

use crate::ha::discovery::Discovered;
use crate::model::{Device, Record, value_text};
use crate::model::{EntityInfo, Origin, StateChange};
use crate::z2m::state::Tracker;

pub use filter::Filter;

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

/// Counters for logs and job status.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct IngestStats {
    pub events: u64,
    pub filtered: u64,
    pub duplicates_of_eventstream: u64,
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
    /// Entities Home Assistant's eventstream reports.
    from_eventstream: HashSet<String>,
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
            from_eventstream: HashSet::new(),
            statestream_last: HashMap::new(),
            stats: IngestStats::default(),
        }
    }

    /// Judges one observation; returns what to store.
    pub fn observe(&mut self, observation: Observation) -> Vec<Record> {
        let mut out = Vec::new();
        match observation {
            Observation::StateChanged(change, info) => {
                self.from_eventstream.insert(change.entity_id.clone());
                self.event(change, Some(info), &mut out);
            }
            Observation::StateStream {
                mut change,
                snapshot,
            } => {
                if self.from_eventstream.contains(&change.entity_id) {
                    self.stats.duplicates_of_eventstream += 1;
                    return out;
                }
                let previous = self
                    .statestream_last
                    .insert(change.entity_id.clone(), change.state.clone());
                if snapshot || previous.as_deref() == Some(change.state.as_str()) {
                    return out;
                }
                change.old_state = previous;
                self.event(change, None, &mut out);
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
                for change in self.tracker.changes(&device, state) {
                    let key = (device.clone(), change.property.clone());
                    if self.diagnostic.contains(&key) {
                        continue;
                    }
                    let (entity_id, value, old) = match self.mapped.get(&key) {
                        Some(m) => (
                            m.entity_id.clone(),
                            m.state_of(&change.value),
                            change.old_value.as_ref().map(|v| m.state_of(v)),
                        ),
                        // Not (yet) known to Home Assistant: keep it under
                        // Zigbee2MQTT's own name, which no HA entity can have.
                        None => (
                            format!("zigbee2mqtt.{}", unmapped_id(&device, &change.property)),
                            value_text(&change.value),
                            change.old_value.as_ref().map(value_text),
                        ),
                    };
                    if self.from_eventstream.contains(&entity_id) {
                        self.stats.duplicates_of_eventstream += 1;
                        continue;
                    }
                    let change = StateChange {
                        entity_id,
                        at,
                        state: value,
                        old_state: old,
                        origin: Origin::Device,
                    };
                    self.event(change, None, &mut out);
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

    fn discovered(&mut self, found: Discovered, out: &mut Vec<Record>) {
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
