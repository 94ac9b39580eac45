//! Every MQTT topic habitd uses, built once from the configuration.
//!
//! Only the `mqtt` module knows topic strings; everything else asks
//! [`Topics`] for one by name.

use crate::config::{MqttConfig, SourcesConfig};

#[derive(Debug, Clone)]
pub struct Topics {
    base: String,
    availability: String,
    job_status: String,
    command_prefix: String,
    homeassistant_status: String,
    discovery_prefix: String,
    eventstream: Option<String>,
    statestream_base: Option<String>,
    zigbee2mqtt_base: Option<String>,
}

/// Which source a topic belongs to, with the part after its base.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route<'t> {
    Command(&'t str),
    /// `habitd/suggestions/<id>/set`
    SuggestionSet(&'t str),
    /// `habitd/selected/set`: the buttons, acting on the selected suggestion.
    SelectedSet,
    /// `habitd/select/set`: Home Assistant's select of pending suggestions.
    SelectSet,
    HomeAssistantStatus,
    Eventstream,
    Statestream(&'t str),
    Zigbee2Mqtt(&'t str),
    Discovery(&'t str),
    Unknown,
}

impl Topics {
    pub fn new(config: &MqttConfig, sources: &SourcesConfig) -> Self {
        let base = &config.base_topic;
        Topics {
            base: base.clone(),
            availability: format!("{base}/availability"),
            job_status: format!("{base}/job/status"),
            command_prefix: format!("{base}/command/"),
            homeassistant_status: config.homeassistant_status_topic.clone(),
            discovery_prefix: config.discovery_prefix.clone(),
            eventstream: sources.eventstream_topic.clone(),
            statestream_base: sources.statestream_base.clone(),
            zigbee2mqtt_base: sources.zigbee2mqtt_base.clone(),
        }
    }

    /// Sorts an incoming topic to its source.
    pub fn route<'t>(&self, topic: &'t str) -> Route<'t> {
        let under = |base: &Option<String>| {
            base.as_deref()
                .and_then(|b| topic.strip_prefix(b))
                .and_then(|rest| rest.strip_prefix('/'))
        };
        let own = topic
            .strip_prefix(&self.base)
            .and_then(|r| r.strip_prefix('/'));
        if topic == self.homeassistant_status {
            Route::HomeAssistantStatus
        } else if let Some(id) = own
            .and_then(|r| r.strip_prefix("suggestions/"))
            .and_then(|r| r.strip_suffix("/set"))
        {
            Route::SuggestionSet(id)
        } else if own == Some("selected/set") {
            Route::SelectedSet
        } else if own == Some("select/set") {
            Route::SelectSet
        } else if let Some(name) = topic.strip_prefix(&self.command_prefix) {
            Route::Command(name)
        } else if self.eventstream.as_deref() == Some(topic) {
            Route::Eventstream
        } else if let Some(rest) = under(&self.statestream_base) {
            Route::Statestream(rest)
        } else if let Some(rest) = under(&self.zigbee2mqtt_base) {
            Route::Zigbee2Mqtt(rest)
        } else if let Some(rest) = topic
            .strip_prefix(&self.discovery_prefix)
            .and_then(|r| r.strip_prefix('/'))
        {
            Route::Discovery(rest)
        } else {
            Route::Unknown
        }
    }

    pub fn zigbee2mqtt_base(&self) -> Option<&str> {
        self.zigbee2mqtt_base.as_deref()
    }

    /// `online` / `offline`, retained; the Last Will publishes `offline`.
    pub fn availability(&self) -> &str {
        &self.availability
    }

    /// The current job's [`JobStatus`](crate::model::JobStatus) as JSON, retained.
    pub fn job_status(&self) -> &str {
        &self.job_status
    }

    /// The last finished job (its end, duration, outcome), retained: what the
    /// "Last analysis" sensors read, so they keep their value while a job
    /// runs.
    pub fn job_last(&self) -> String {
        format!("{}/job/last", self.base)
    }

    /// Retained summary of all suggestions.
    pub fn suggestions(&self) -> String {
        format!("{}/suggestions", self.base)
    }

    /// Retained JSON of one suggestion.
    pub fn suggestion(&self, id: &str) -> String {
        format!("{}/suggestions/{id}", self.base)
    }

    pub fn selected(&self) -> String {
        format!("{}/selected", self.base)
    }

    pub fn selected_set(&self) -> String {
        format!("{}/selected/set", self.base)
    }

    pub fn select_state(&self) -> String {
        format!("{}/select/state", self.base)
    }

    pub fn select_set(&self) -> String {
        format!("{}/select/set", self.base)
    }

    pub fn command(&self, name: &str) -> String {
        format!("{}{name}", self.command_prefix)
    }

    /// Errors of commands that could not be carried out.
    pub fn status(&self) -> String {
        format!("{}/status", self.base)
    }

    /// habitd's device-based discovery config.
    pub fn discovery(&self) -> String {
        format!("{}/device/{}/config", self.discovery_prefix, self.node())
    }

    /// One entity's discovery config, for Home Assistant before 2024.11:
    /// `<prefix>/<component>/<node>/<key>/config`.
    pub fn entity_discovery(&self, component: &str, key: &str) -> String {
        format!(
            "{}/{component}/{}/{key}/config",
            self.discovery_prefix,
            self.node()
        )
    }

    /// The base topic as a discovery node id and entity id prefix
    /// (`habitd`, `habitd_demo`): `[a-zA-Z0-9_-]` only.
    pub fn node(&self) -> String {
        self.base.replace('/', "_")
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    /// Home Assistant's birth and will messages.
    pub fn homeassistant_status(&self) -> &str {
        &self.homeassistant_status
    }

    /// What the daemon subscribes to, after every connect.
    pub fn subscriptions(&self) -> Vec<String> {
        let mut topics = vec![
            format!("{}+", self.command_prefix),
            format!("{}/suggestions/+/set", self.base),
            self.selected_set(),
            self.select_set(),
            self.homeassistant_status.clone(),
            // Other integrations' entity configs (habitd's own are skipped).
            format!("{}/+/+/config", self.discovery_prefix),
            format!("{}/+/+/+/config", self.discovery_prefix),
        ];
        topics.extend(self.eventstream.clone());
        topics.extend(
            self.statestream_base
                .as_ref()
                .map(|b| format!("{b}/+/+/state")),
        );
        topics.extend(self.zigbee2mqtt_base.as_ref().map(|b| format!("{b}/#")));
        topics
    }
}
