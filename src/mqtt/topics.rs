//! Every MQTT topic habitd uses, built once from the configuration.
//!
//! Only the `mqtt` module knows topic strings; everything else asks
//! [`Topics`] for one by name.

use crate::config::MqttConfig;

#[derive(Debug, Clone)]
pub struct Topics {
    availability: String,
    job_status: String,
    command_prefix: String,
    homeassistant_status: String,
}

impl Topics {
    pub fn new(config: &MqttConfig) -> Self {
        let base = &config.base_topic;
        Topics {
            availability: format!("{base}/availability"),
            job_status: format!("{base}/job/status"),
            command_prefix: format!("{base}/command/"),
            homeassistant_status: config.homeassistant_status_topic.clone(),
        }
    }

    /// `online` / `offline`, retained; the Last Will publishes `offline`.
    pub fn availability(&self) -> &str {
        &self.availability
    }

    /// The current job's [`JobStatus`](crate::job::JobStatus) as JSON, retained.
    pub fn job_status(&self) -> &str {
        &self.job_status
    }

    /// Home Assistant's birth and will messages.
    pub fn homeassistant_status(&self) -> &str {
        &self.homeassistant_status
    }

    /// The command name if `topic` is one of habitd's command topics
    /// (`habitd/command/<name>`).
    pub fn command_name<'t>(&self, topic: &'t str) -> Option<&'t str> {
        topic.strip_prefix(&self.command_prefix)
    }

    /// What the daemon subscribes to, after every connect.
    pub fn subscriptions(&self) -> Vec<String> {
        vec![
            format!("{}+", self.command_prefix),
            self.homeassistant_status.clone(),
        ]
    }
}
