//! Zigbee2MQTT: its device list and its device state messages.

pub mod devices;
pub mod state;
