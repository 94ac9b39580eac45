//! Unused device features: what a device can do that nobody uses.
//!
//! A Zigbee2MQTT capability that can be set (access bit 2), is not a
//! diagnostic, and was never seen changing in the window — colour
//! temperature on a light always left at one white, a power-on behaviour
//! never configured — is worth a hint. Ranked by how useful such a feature
//! usually is and by how much the device is used at all; only devices used
//! in the window, settings (`config`) only for the power-on behaviour, and
//! at most two hints a device.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::Window;
use crate::model::slugify;

/// A capability as the analysis needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct CapabilityInfo {
    pub device: String,
    pub device_ieee: String,
    pub property: String,
    pub name: String,
    pub kind: String,
    pub access: u8,
    pub category: Option<String>,
    /// The Home Assistant entity this property feeds, when known.
    pub entity_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnusedFeature {
    pub id: String,
    pub device: String,
    pub property: String,
    pub name: String,
    /// The entity the feature is used through (the device's main entity when
    /// the property has none of its own), for an example automation.
    pub entity_id: Option<String>,
    /// Zigbee2MQTT does not report this property, so "unused" means "never
    /// reported", not "never set".
    pub write_only: bool,
    /// State changes of the device's entities in the window.
    pub device_usage: u32,
    pub score: f64,
}

/// How useful a feature usually is once discovered (0–10).
fn usefulness(property: &str) -> f64 {
    match property.split('_').next().unwrap_or(property) {
        _ if property.starts_with("color_temp") => 10.0,
        "color" => 9.0,
        "brightness" => 8.0,
        _ if property.starts_with("power_on_behavior") => 7.0,
        "effect" => 6.0,
        "motion" | "occupancy" => 5.0,
        "child" | "window" => 5.0,
        _ => 3.0,
    }
}

pub fn detect(window: &Window, capabilities: &[CapabilityInfo]) -> Vec<UnusedFeature> {
    let mut usage: HashMap<&str, u32> = HashMap::new();
    for (e, n) in window
        .digest
        .usage
        .iter()
        .enumerate()
        .filter(|(_, n)| **n > 0)
    {
        *usage.entry(window.entity_id(e as u32)).or_default() += n;
    }
    // The entity through which each device is used (its `state` property's),
    // and its total use.
    let mut device_entity: HashMap<&str, &str> = HashMap::new();
    let mut device_usage: HashMap<&str, u32> = HashMap::new();
    for c in capabilities {
        let names = names_of(c);
        let used: u32 = names
            .iter()
            .map(|n| usage.get(n.as_str()).copied().unwrap_or(0))
            .sum();
        *device_usage.entry(c.device.as_str()).or_default() += used;
        if let Some(entity) = &c.entity_id
            && (c.property == "state" || !device_entity.contains_key(c.device.as_str()))
        {
            device_entity.insert(c.device.as_str(), entity.as_str());
        }
    }
    let mut found = Vec::new();
    for c in capabilities {
        let settable = c.access & 2 != 0;
        // Settings (`config`) are not features a person uses, except what
        // a light does after a power cut.
        let setting = (c.category.as_deref() == Some("config") || c.property.ends_with("_startup"))
            && !c.property.starts_with("power_on_behavior");
        if !settable
            || setting
            || c.category.as_deref() == Some("diagnostic")
            || c.property == "state"
        {
            continue;
        }
        let seen = names_of(c).iter().any(|n| usage.contains_key(n.as_str()));
        if seen {
            continue;
        }
        let used = device_usage.get(c.device.as_str()).copied().unwrap_or(0);
        // A device not used at all in the window: nothing to improve on.
        if used == 0 {
            continue;
        }
        found.push(UnusedFeature {
            id: format!("feature:{}:{}", c.device_ieee, c.property),
            device: c.device.clone(),
            property: c.property.clone(),
            name: c.name.clone(),
            entity_id: c.entity_id.clone().or_else(|| {
                device_entity
                    .get(c.device.as_str())
                    .map(|e| (*e).to_owned())
            }),
            write_only: c.access & 1 == 0,
            device_usage: used,
            score: usefulness(&c.property)
                * (1.0 + f64::from(used).ln_1p())
                * if c.access & 1 == 0 { 0.5 } else { 1.0 },
        });
    }
    found.sort_by(|x, y| y.score.total_cmp(&x.score).then_with(|| x.id.cmp(&y.id)));
    // A few hints per device, the most useful: a list of every setting of
    // every bulb is not advice.
    let mut per_device: HashMap<String, usize> = HashMap::new();
    found.retain(|f| {
        let n = per_device.entry(f.device.clone()).or_default();
        *n += 1;
        *n <= PER_DEVICE
    });
    found
}

/// Hints per device at most.
const PER_DEVICE: usize = 2;

/// The entity ids a capability's changes are stored under.
fn names_of(c: &CapabilityInfo) -> Vec<String> {
    let own = format!(
        "zigbee2mqtt.{}",
        slugify(&format!("{}_{}", c.device, c.property))
    );
    match &c.entity_id {
        Some(entity) => vec![entity.clone(), own],
        None => vec![own],
    }
}

#[cfg(test)]
impl UnusedFeature {
    /// A finding for tests that need one of any kind.
    pub(crate) fn example(id: &str) -> UnusedFeature {
        UnusedFeature {
            id: id.into(),
            device: "d".into(),
            property: "p".into(),
            name: "n".into(),
            entity_id: None,
            write_only: false,
            device_usage: 0,
            score: 0.0,
        }
    }
}
