//! Zigbee2MQTT device state messages: from full states to changes.
//!
//! `zigbee2mqtt/<friendly_name>` always carries the device's whole state, and
//! the same payload can repeat (a periodic report, a retained replay). The
//! [`Tracker`] remembers the last state of each device and reports only the
//! properties whose value changed. The first message seen for a device is a
//! baseline, not a change: there is nothing to compare it with.

use std::collections::HashMap;

use serde_json::{Map, Value};

/// Properties that describe the radio link or the device's health, never
/// something a person did. Capability categories (`diagnostic`) catch most;
/// this list covers devices whose definitions do not mark them.
pub const DIAGNOSTIC_PROPERTIES: &[&str] = &[
    "linkquality",
    "battery",
    "battery_low",
    "battery_state",
    "voltage",
    "last_seen",
    "update",
    "update_available",
    "device_temperature",
    "power_outage_count",
    "elapsed",
];

/// One property that changed.
#[derive(Debug, Clone, PartialEq)]
pub struct PropertyChange {
    pub property: String,
    pub value: Value,
    /// `None` when the property was not known (or `null`) before.
    pub old_value: Option<Value>,
}

/// Devices followed at most, and properties of one device: more than any
/// Zigbee network has, so that names invented on the broker cannot grow
/// memory without end.
const MAX_DEVICES: usize = 5_000;
const MAX_PROPERTIES: usize = 256;

#[derive(Debug, Default)]
pub struct Tracker {
    last: HashMap<String, Map<String, Value>>,
    /// States of devices beyond [`MAX_DEVICES`], not followed.
    pub refused: u64,
}

impl Tracker {
    /// Compares `state` with the device's previous state and remembers it.
    pub fn changes(&mut self, device: &str, state: Map<String, Value>) -> Vec<PropertyChange> {
        let Some(previous) = self.last.get_mut(device) else {
            if self.last.len() >= MAX_DEVICES {
                self.refused += 1;
                return Vec::new();
            }
            let state: Map<String, Value> = state.into_iter().take(MAX_PROPERTIES).collect();
            self.last.insert(device.to_owned(), state);
            return Vec::new();
        };
        let mut changes = Vec::new();
        for (property, value) in &state {
            if DIAGNOSTIC_PROPERTIES.contains(&property.as_str()) {
                continue;
            }
            match previous.get(property) {
                Some(old) if old == value => {}
                old => changes.push(PropertyChange {
                    property: property.clone(),
                    value: value.clone(),
                    old_value: old.filter(|v| !v.is_null()).cloned(),
                }),
            }
        }
        // Zigbee2MQTT may leave out a property in one message (an `action`
        // is only present when pressed): keep the last known value.
        for (property, value) in state {
            if previous.len() < MAX_PROPERTIES || previous.contains_key(&property) {
                previous.insert(property, value);
            }
        }
        changes
    }

    /// Forgets a device (renamed or removed).
    pub fn forget(&mut self, device: &str) {
        self.last.remove(device);
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn state(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap()
    }

    #[test]
    fn first_message_is_a_baseline_then_only_changes_count() {
        let mut t = Tracker::default();
        assert!(
            t.changes(
                "kitchen/light",
                state(json!({"state": "OFF", "brightness": 10}))
            )
            .is_empty()
        );
        assert!(
            t.changes(
                "kitchen/light",
                state(json!({"state": "OFF", "brightness": 10}))
            )
            .is_empty()
        );
        let c = t.changes(
            "kitchen/light",
            state(json!({"state": "ON", "brightness": 10, "linkquality": 90})),
        );
        assert_eq!(
            c,
            vec![PropertyChange {
                property: "state".into(),
                value: json!("ON"),
                old_value: Some(json!("OFF")),
            }]
        );
    }

    #[test]
    fn diagnostics_and_repeats_are_not_changes() {
        let mut t = Tracker::default();
        t.changes(
            "m",
            state(json!({"occupancy": false, "battery": 90, "linkquality": 40})),
        );
        let c = t.changes(
            "m",
            state(json!({"occupancy": false, "battery": 89, "linkquality": 12})),
        );
        assert!(c.is_empty(), "{c:?}");
    }

    #[test]
    fn a_property_seen_for_the_first_time_is_a_change() {
        let mut t = Tracker::default();
        t.changes("remote", state(json!({"battery": 90})));
        let c = t.changes("remote", state(json!({"battery": 90, "action": "on"})));
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].old_value, None);
    }

    #[test]
    fn invented_devices_and_properties_are_bounded() {
        let mut tracker = Tracker::default();
        let state = |n: usize| -> Map<String, Value> {
            (0..n).map(|i| (format!("p{i}"), json!(i))).collect()
        };
        for d in 0..MAX_DEVICES + 10 {
            tracker.changes(&format!("dev{d}"), state(1));
        }
        assert_eq!(tracker.last.len(), MAX_DEVICES);
        assert_eq!(tracker.refused, 10);
        tracker.changes("dev0", state(1000));
        assert_eq!(tracker.last["dev0"].len(), MAX_PROPERTIES);
    }
}
