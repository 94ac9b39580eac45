//! Zigbee2MQTT's `bridge/devices`: what each device can do.
//!
//! The retained message is a JSON array of devices; each supported device has a
//! `definition` whose `exposes` describe its properties. This module turns it
//! into [`Device`]s with a flat list of [`Capability`]s: the features of a
//! specific expose (`light`, `switch`, `cover` …) are listed individually and
//! remember what they belong to; a `composite` (a colour, a schedule) is one
//! capability, since its parts are set together.
//!
//! Zigbee2MQTT drops undefined keys and adds new expose types over time, so
//! every key is optional, an unknown type is kept by name, and one device that
//! cannot be read is reported without losing the others.

use serde::Deserialize;
use serde_json::Value;

use crate::model::{Access, Capability, Device, value_text};

/// Why a `bridge/devices` payload or one of its devices could not be read.
#[derive(Debug, thiserror::Error)]
pub enum DevicesError {
    #[error("bridge/devices is not a JSON array: {0}")]
    NotAnArray(String),
    #[error("device #{index}: {message}")]
    Device { index: usize, message: String },
    #[error("and {0} more devices that could not be read")]
    More(usize),
}

/// At most this many unreadable devices are reported one by one: a payload
/// of a million bad entries must not become a million log lines.
const REPORTED_PROBLEMS: usize = 10;

/// Parses a `bridge/devices` payload. Devices that cannot be read are returned
/// as errors beside the ones that can, so one odd device costs nothing else.
/// The array is read one device at a time (each borrowed from the payload),
/// so memory follows the devices found, not the entries sent: two million
/// zeros cost no more than an empty list.
pub fn parse(payload: &[u8]) -> Result<(Vec<Device>, Vec<DevicesError>), DevicesError> {
    let mut de = serde_json::Deserializer::from_slice(payload);
    let parsed = serde::Deserializer::deserialize_seq(&mut de, DeviceList)
        .and_then(|parsed| de.end().map(|()| parsed))
        .map_err(|e| DevicesError::NotAnArray(e.to_string()))?;
    let (devices, mut errors, unreported) = parsed;
    if unreported > 0 {
        errors.push(DevicesError::More(unreported));
    }
    Ok((devices, errors))
}

/// Visits the array's entries one by one: `(devices, reported problems,
/// problems not reported)`.
struct DeviceList;

impl<'de> serde::de::Visitor<'de> for DeviceList {
    type Value = (Vec<Device>, Vec<DevicesError>, usize);

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON array of devices")
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut devices = Vec::new();
        let mut errors = Vec::new();
        let mut unreported = 0;
        let mut index = 0;
        let mut seen = std::collections::HashMap::new();
        while let Some(item) = seq.next_element::<&'de serde_json::value::RawValue>()? {
            let mut one = serde_json::Deserializer::from_str(item.get());
            match serde_path_to_error::deserialize::<_, WireDevice>(&mut one) {
                // One device per address: a repeat replaces the earlier entry.
                Ok(wire) => match seen.entry(wire.ieee_address.clone()) {
                    std::collections::hash_map::Entry::Occupied(at) => {
                        devices[*at.get()] = wire.into_device();
                    }
                    std::collections::hash_map::Entry::Vacant(slot) => {
                        slot.insert(devices.len());
                        devices.push(wire.into_device());
                    }
                },
                Err(_) if errors.len() >= REPORTED_PROBLEMS => unreported += 1,
                Err(e) => errors.push(DevicesError::Device {
                    index,
                    message: format!("at {}: {}", e.path(), e.inner()),
                }),
            }
            index += 1;
        }
        Ok((devices, errors, unreported))
    }
}

/// Flattens one definition's `exposes` (also used for the test over every
/// known definition).
pub fn capabilities(exposes: &[WireExpose]) -> Vec<Capability> {
    let mut out = Vec::new();
    for expose in exposes {
        flatten(expose, None, &mut out);
    }
    out
}

fn flatten(expose: &WireExpose, feature_of: Option<&str>, out: &mut Vec<Capability>) {
    let kind = expose.kind.as_deref().unwrap_or("unknown");
    match (&expose.features, expose.property.as_deref()) {
        // A specific expose (light, switch, climate …): its features are the
        // capabilities. Nested specifics (a light inside a switch) keep the
        // innermost name.
        (Some(features), None) => {
            for feature in features {
                flatten(feature, Some(kind), out);
            }
        }
        (_, Some(property)) => out.push(Capability {
            property: property.to_owned(),
            name: expose.name.clone().unwrap_or_else(|| property.to_owned()),
            kind: kind.to_owned(),
            feature_of: feature_of.map(str::to_owned),
            access: Access(expose.access.unwrap_or(0)),
            category: expose.category.clone(),
            endpoint: expose.endpoint.clone(),
            unit: expose.unit.clone(),
            value_min: expose.value_min,
            value_max: expose.value_max,
            values: expose.value_texts(),
            description: expose.description.clone(),
        }),
        // No property and no features: nothing a state message could carry.
        (None, None) => {}
    }
}

#[derive(Debug, Deserialize)]
struct WireDevice {
    ieee_address: String,
    friendly_name: String,
    #[serde(rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    disabled: bool,
    power_source: Option<String>,
    definition: Option<WireDefinition>,
}

#[derive(Debug, Deserialize)]
struct WireDefinition {
    model: Option<String>,
    vendor: Option<String>,
    description: Option<String>,
    #[serde(default)]
    exposes: Vec<WireExpose>,
}

/// One entry of `exposes`, generic or specific. Public for the definitions
/// test, which reads exposes without a surrounding device.
#[derive(Debug, Deserialize)]
pub struct WireExpose {
    #[serde(rename = "type")]
    kind: Option<String>,
    name: Option<String>,
    property: Option<String>,
    access: Option<u8>,
    category: Option<String>,
    endpoint: Option<String>,
    unit: Option<String>,
    value_min: Option<f64>,
    value_max: Option<f64>,
    value_on: Option<Value>,
    value_off: Option<Value>,
    value_toggle: Option<Value>,
    values: Option<Vec<Value>>,
    description: Option<String>,
    features: Option<Vec<WireExpose>>,
}

impl WireExpose {
    fn value_texts(&self) -> Vec<String> {
        let listed = self.values.iter().flatten();
        let binary = [&self.value_on, &self.value_off, &self.value_toggle];
        listed
            .chain(binary.into_iter().flatten())
            .map(value_text)
            .collect()
    }
}

impl WireDevice {
    fn into_device(self) -> Device {
        let (model, vendor, description, capabilities) = match self.definition {
            Some(d) => {
                let caps = capabilities(&d.exposes);
                (d.model, d.vendor, d.description, caps)
            }
            None => (None, None, None, Vec::new()),
        };
        Device {
            ieee_address: self.ieee_address,
            friendly_name: self.friendly_name,
            kind: self.kind,
            model,
            vendor,
            description,
            power_source: self.power_source,
            disabled: self.disabled,
            capabilities,
        }
    }
}

#[cfg(test)]
mod tests;
