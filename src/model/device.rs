//! What a Zigbee device can do, as Zigbee2MQTT describes it: the device
//! and a flat list of its [`Capability`]s with their access bits.
//! `z2m::devices` reads them from `bridge/devices`; the database stores them;
//! the feature analysis looks for settable ones that are never used.

/// A Zigbee device as Zigbee2MQTT describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct Device {
    pub ieee_address: String,
    pub friendly_name: String,
    /// `Coordinator`, `Router` or `EndDevice`.
    pub kind: Option<String>,
    pub model: Option<String>,
    pub vendor: Option<String>,
    pub description: Option<String>,
    pub power_source: Option<String>,
    pub disabled: bool,
    pub capabilities: Vec<Capability>,
}

/// One property of a device.
#[derive(Debug, Clone, PartialEq)]
pub struct Capability {
    /// The key in the device's state message and in `/set` (`state_l1`).
    pub property: String,
    pub name: String,
    /// The expose type: `binary`, `numeric`, `enum`, `text`, `composite`,
    /// `list`, or whatever a newer Zigbee2MQTT calls it.
    pub kind: String,
    /// The specific expose this is a feature of (`light`, `switch` …).
    pub feature_of: Option<String>,
    pub access: Access,
    /// `config` or `diagnostic`; `None` for the device's main functions.
    pub category: Option<String>,
    pub endpoint: Option<String>,
    pub unit: Option<String>,
    pub value_min: Option<f64>,
    pub value_max: Option<f64>,
    /// An enum's values, or a binary's on/off/toggle values, as text.
    pub values: Vec<String>,
    pub description: Option<String>,
}

/// Zigbee2MQTT's access bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Access(pub u8);

impl Access {
    /// Reported in the device's state message.
    pub fn published(self) -> bool {
        self.0 & 1 != 0
    }
    /// Can be changed with `<device>/set`.
    pub fn settable(self) -> bool {
        self.0 & 2 != 0
    }
    /// Can be read with `<device>/get`.
    pub fn gettable(self) -> bool {
        self.0 & 4 != 0
    }
}
