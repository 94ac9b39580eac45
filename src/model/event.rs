//! What habitd learns from the home: state changes, who caused them, and
//! the records ingest hands to storage.

use jiff::Timestamp;

use super::Device;

/// Who or what caused a state change, from Home Assistant's context.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Origin {
    /// A physical device or an integration (no user, no parent context), or
    /// a source that carries no context (statestream, Zigbee2MQTT).
    Device,
    /// A person, through the UI, the API or voice (`user_id`, no parent).
    User,
    /// An automation or script (`parent_id` set): already automated, never a
    /// finding.
    Automation,
}

impl Origin {
    /// The number stored in the `events.origin` column.
    pub fn code(self) -> i64 {
        match self {
            Origin::Device => 0,
            Origin::User => 1,
            Origin::Automation => 2,
        }
    }

    pub fn from_code(code: i64) -> Option<Origin> {
        match code {
            0 => Some(Origin::Device),
            1 => Some(Origin::User),
            2 => Some(Origin::Automation),
            _ => None,
        }
    }
}

/// One entity changing state.
#[derive(Debug, Clone, PartialEq)]
pub struct StateChange {
    pub entity_id: String,
    /// When it happened: the source's own time where it has one.
    pub at: Timestamp,
    pub state: String,
    pub old_state: Option<String>,
    pub origin: Origin,
}

/// `unavailable` and `unknown` are stored, but they are connectivity, not
/// anyone's action.
pub fn is_blip(state: &str) -> bool {
    matches!(state, "unavailable" | "unknown")
}

/// What an event tells about its entity besides the state.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EntityInfo {
    pub entity_id: String,
    pub friendly_name: Option<String>,
    pub device_class: Option<String>,
    pub unit: Option<String>,
}

/// What ingest hands the writer to store.
#[derive(Debug, Clone, PartialEq)]
pub enum Record {
    Event(StateChange),
    Entity(EntityInfo),
    Devices(Vec<Device>),
    /// A Zigbee2MQTT device property feeds this HA entity.
    Mapping {
        device: String,
        property: String,
        entity_id: String,
    },
}
