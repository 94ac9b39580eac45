//! Home Assistant's wire formats: what its MQTT integrations publish and
//! what its history API answers, decoded into [`StateChange`]s.
//!
//! The serde structs here mirror Home Assistant's JSON and stay private; the
//! rest of habitd sees only domain types.
//!
//! [`StateChange`]: crate::model::StateChange

pub mod automation;
pub mod discovery;
pub mod eventstream;
pub mod history;
pub mod logbook;
pub mod rest;
pub mod statestream;
pub mod version;

use serde::Deserialize;

use crate::model::{EntityInfo, Origin};

/// A state object (`new_state`, a history item).
#[derive(Debug, Deserialize)]
struct WireState {
    entity_id: Option<String>,
    state: String,
    #[serde(default)]
    attributes: Option<WireAttributes>,
    last_changed: Option<String>,
    last_updated: Option<String>,
    #[serde(default)]
    context: Option<WireContext>,
}

#[derive(Debug, Default, Deserialize)]
struct WireAttributes {
    friendly_name: Option<String>,
    device_class: Option<String>,
    unit_of_measurement: Option<String>,
    /// Set on the `unavailable` placeholder Home Assistant writes at start
    /// for an entity whose integration has not added it yet.
    restored: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
struct WireContext {
    parent_id: Option<String>,
    user_id: Option<String>,
}

impl WireContext {
    /// Home Assistant's attribution rules: a parent context means an
    /// automation or script did it; a user without a parent is a person.
    fn origin(&self) -> Origin {
        match (&self.parent_id, &self.user_id) {
            (Some(_), _) => Origin::Automation,
            (None, Some(_)) => Origin::User,
            (None, None) => Origin::Device,
        }
    }
}

impl WireState {
    fn origin(&self) -> Origin {
        self.context
            .as_ref()
            .map_or(Origin::Device, WireContext::origin)
    }

    fn info(&self, entity_id: &str) -> EntityInfo {
        let attributes = self.attributes.as_ref();
        EntityInfo {
            entity_id: entity_id.to_owned(),
            friendly_name: attributes.and_then(|a| a.friendly_name.clone()),
            device_class: attributes.and_then(|a| a.device_class.clone()),
            unit: attributes.and_then(|a| a.unit_of_measurement.clone()),
        }
    }

    /// Home Assistant's start-up placeholder (`unavailable`, `restored:
    /// true`), not a state the entity was in.
    fn is_placeholder(&self) -> bool {
        self.attributes
            .as_ref()
            .and_then(|a| a.restored)
            .unwrap_or(false)
    }

    /// When the state itself changed (attribute-only updates move only
    /// `last_updated`).
    fn changed_at(&self) -> Result<jiff::Timestamp, String> {
        let text = self
            .last_changed
            .as_deref()
            .or(self.last_updated.as_deref())
            .ok_or("no last_changed or last_updated")?;
        text.parse().map_err(|e| format!("bad time {text:?}: {e}"))
    }
}

/// An entity id as Home Assistant accepts it: `domain.object_id`.
pub fn is_entity_id(text: &str) -> bool {
    let Some((domain, object)) = text.split_once('.') else {
        return false;
    };
    let valid = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    };
    valid(domain) && valid(object)
}
