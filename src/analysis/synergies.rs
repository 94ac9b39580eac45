//! Synergies: devices that could work together but do not yet.
//!
//! A motion sensor and a light in the same room, a door contact and a lock,
//! a humidity sensor and a fan … Each rule pairs a kind of sensor with a kind
//! of actor; a pair qualifies when both are in the same area (Home
//! Assistant's, or failing that the same first word of their names, as
//! Zigbee2MQTT's `kitchen/motion` becomes `…kitchen_motion…`), when no
//! existing automation links them and when the analysis did not already find
//! them as a sequence (that becomes its own suggestion). Pairs are ranked by
//! how much the actor is used: linking a light nobody touches helps nobody.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use super::sequences::Sequence;
use super::{EntityMeta, Window};
use crate::model::SynergyKind;
use crate::model::domain;
use crate::model::synergy::Sensor;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Synergy {
    pub id: String,
    pub kind: SynergyKind,
    pub trigger_entity: String,
    pub action_entity: String,
    pub area: String,
    /// State changes of the actor in the window.
    pub action_usage: u32,
    pub confidence: f64,
}

/// Whether `meta` can be the sensor of `kind` (the table is
/// [`SynergyKind::sensor`]).
fn is_sensor(kind: SynergyKind, meta: &EntityMeta) -> bool {
    match kind.sensor() {
        Sensor::Class { domain: d, classes } => {
            domain(&meta.entity_id) == d
                && meta
                    .device_class
                    .as_deref()
                    .is_some_and(|c| classes.contains(&c))
        }
        Sensor::RemoteAction => {
            meta.entity_id.ends_with("_action")
                && matches!(domain(&meta.entity_id), "sensor" | "event" | "zigbee2mqtt")
        }
    }
}

/// How many actors one sensor is offered with, at most.
const PER_TRIGGER: usize = 3;

pub fn detect(window: &Window, sequences: &[Sequence]) -> Vec<Synergy> {
    let usage = |e: usize| window.digest.usage(e as u32);
    let automated = window.automated_pairs();
    let found_as_sequence: HashSet<(&str, &str)> = sequences
        .iter()
        .map(|s| (s.trigger_entity.as_str(), s.action_entity.as_str()))
        .collect();
    let mut found = Vec::new();
    for &kind in SynergyKind::ALL {
        let actor_domains = kind.actor_domains();
        for (t, sensor) in window
            .entities
            .iter()
            .enumerate()
            .filter(|(_, m)| is_sensor(kind, m))
        {
            let Some(area) = area_of(sensor) else {
                continue;
            };
            let mut candidates: Vec<(usize, &EntityMeta)> = window
                .entities
                .iter()
                .enumerate()
                .filter(|(a, m)| {
                    *a != t
                        && actor_domains.contains(&domain(&m.entity_id))
                        && area_of(m).as_deref() == Some(area.as_str())
                        && !automated.contains(&(sensor.entity_id.as_str(), m.entity_id.as_str()))
                        && !found_as_sequence
                            .contains(&(sensor.entity_id.as_str(), m.entity_id.as_str()))
                })
                .collect();
            candidates.sort_by_key(|(a, m)| (std::cmp::Reverse(usage(*a)), m.entity_id.clone()));
            for (a, actor) in candidates.into_iter().take(PER_TRIGGER) {
                // More use of the actor, and a sensor that reports, make a
                // link more worth having; never certain without a pattern.
                let used = f64::from(usage(a).min(100)) / 100.0;
                let reports = if usage(t) > 0 { 1.0 } else { 0.5 };
                found.push(Synergy {
                    id: format!("synergy:{kind}:{}:{}", sensor.entity_id, actor.entity_id),
                    kind,
                    trigger_entity: sensor.entity_id.clone(),
                    action_entity: actor.entity_id.clone(),
                    area: area.clone(),
                    action_usage: usage(a),
                    confidence: (0.2 + 0.5 * used) * reports,
                });
            }
        }
    }
    found.sort_by(|x, y| {
        y.action_usage
            .cmp(&x.action_usage)
            .then_with(|| x.id.cmp(&y.id))
    });
    found
}

/// Home Assistant's area, or the first word of the object id.
fn area_of(meta: &EntityMeta) -> Option<String> {
    if let Some(area) = &meta.area {
        return Some(area.to_lowercase());
    }
    let object = meta.entity_id.split_once('.')?.1;
    let first = object.split('_').next()?;
    (first.len() >= 3).then(|| first.to_owned())
}
