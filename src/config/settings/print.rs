//! [`Config`] back into the file it could have come from.
//!
//! `habitd check-config` prints the effective configuration as a file in
//! the loader's own shape: the [`Raw`] structs that `config/default.toml`
//! is read into, so every key printed is a config key, durations are
//! written as the loader reads them (`"14d"`, `"1h 30m"`), areas are the
//! `[areas]` table, and the thresholds are the `[analysis]` keys they were
//! read from. Loading the printed text gives the same [`Config`] (tested in
//! `config/tests.rs`). Parts the typed config drops because they are off (a
//! section without its URL, TLS that is disabled) print the defaults.
//!
//! Secrets read from a file print as their `*_file` key; secrets given
//! inline are left out unless asked for, and named in
//! [`Printed::elided`].

use std::path::Path;
use std::time::Duration;

use super::super::web::RawWeb;
use super::MqttDecisions;
use super::{
    Config, Raw, RawAnalysis, RawDatabase, RawHomeAssistant, RawIngest, RawLimits, RawLlm, RawLog,
    RawMqtt, RawSafety, RawSources, RawSuggestions, RawTls,
};
use crate::config::{DEFAULT_TOML, Secret};
use crate::model::Syntax;

/// A configuration as TOML text.
#[derive(Debug, Clone)]
pub struct Printed {
    /// The file, without comments.
    pub text: String,
    /// Keys of inline secrets that were left out (empty with
    /// `show_secrets`): the text reproduces the configuration only with
    /// them added back.
    pub elided: Vec<String>,
}

impl Config {
    /// The configuration as a file that loads back into the same values;
    /// inline secrets only with `show_secrets`.
    pub fn to_toml(&self, show_secrets: bool) -> anyhow::Result<Printed> {
        let mut secrets = Secrets {
            show: show_secrets,
            elided: Vec::new(),
        };
        let default: Raw = toml::from_str(DEFAULT_TOML)?;
        let raw = raw(self, default, &mut secrets);
        Ok(Printed {
            text: toml::to_string_pretty(&raw)?,
            elided: secrets.elided,
        })
    }
}

struct Secrets {
    show: bool,
    elided: Vec<String>,
}

impl Secrets {
    /// `(inline, file)` for the secret of `key`.
    fn print(&mut self, key: &str, secret: Option<&Secret>) -> (String, String) {
        match secret {
            None => (String::new(), String::new()),
            Some(secret) => match secret.file() {
                Some(file) => (String::new(), path(file)),
                None if self.show || secret.expose().is_empty() => {
                    (secret.expose().to_owned(), String::new())
                }
                None => {
                    self.elided.push(key.to_owned());
                    (String::new(), String::new())
                }
            },
        }
    }
}

fn raw(c: &Config, default: Raw, secrets: &mut Secrets) -> Raw {
    let (password, password_file) = secrets.print(
        "mqtt.password",
        c.mqtt.credentials.as_ref().map(|c| &c.password),
    );
    let ha = c.homeassistant.as_ref();
    let (token, token_file) = secrets.print("homeassistant.token", ha.map(|h| &h.token));
    let (api_key, api_key_file) = secrets.print(
        "llm.api_key",
        c.llm.as_ref().and_then(|l| l.api_key.as_ref()),
    );
    let web_token = secrets.print("web.token", c.web.as_ref().and_then(|w| w.token.as_ref()));
    let d = default;
    let th = &c.analysis.thresholds;
    Raw {
        mqtt: RawMqtt {
            host: c.mqtt.host.clone(),
            port: c.mqtt.port,
            client_id: c.mqtt.client_id.clone(),
            username: c
                .mqtt
                .credentials
                .as_ref()
                .map(|c| c.username.clone())
                .unwrap_or_default(),
            password,
            password_file,
            keep_alive: duration(c.mqtt.keep_alive),
            reconnect_max_delay: duration(c.mqtt.reconnect_max_delay),
            base_topic: c.mqtt.base_topic.clone(),
            discovery_prefix: c.mqtt.discovery_prefix.clone(),
            homeassistant_status_topic: c.mqtt.homeassistant_status_topic.clone(),
            decisions: match c.mqtt.decisions {
                MqttDecisions::All => "all",
                MqttDecisions::NoDeploy => "no_deploy",
                MqttDecisions::None => "none",
            }
            .to_owned(),
            tls: match &c.mqtt.tls {
                None => RawTls {
                    enabled: false,
                    ..d.mqtt.tls
                },
                Some(tls) => RawTls {
                    enabled: true,
                    ca_file: path(&tls.ca_file),
                    client_cert_file: tls
                        .client_auth
                        .as_ref()
                        .map(|(cert, _)| path(cert))
                        .unwrap_or_default(),
                    client_key_file: tls
                        .client_auth
                        .as_ref()
                        .map(|(_, key)| path(key))
                        .unwrap_or_default(),
                },
            },
        },
        sources: RawSources {
            eventstream_topic: c.sources.eventstream_topic.clone().unwrap_or_default(),
            statestream_base: c.sources.statestream_base.clone().unwrap_or_default(),
            zigbee2mqtt_base: c.sources.zigbee2mqtt_base.clone().unwrap_or_default(),
        },
        homeassistant: match ha {
            None => RawHomeAssistant {
                url: String::new(),
                token,
                token_file,
                discovery: c.discovery.as_str().to_owned(),
                ..d.homeassistant
            },
            Some(ha) => RawHomeAssistant {
                url: ha.url.clone(),
                token,
                token_file,
                timeout: duration(ha.timeout),
                deploy_disabled: ha.deploy_disabled,
                discovery: c.discovery.as_str().to_owned(),
                notify: ha.notify,
                backfill_days: ha.backfill_days,
                max_answer_bytes: ha.max_answer_bytes,
            },
        },
        areas: c.areas.iter().cloned().collect(),
        suggestions: RawSuggestions {
            expire_after: duration(c.suggestions.expire_after),
            automation_syntax: match c.suggestions.automation_syntax {
                None => "auto",
                Some(Syntax::Current) => "current",
                Some(Syntax::Legacy) => "legacy",
            }
            .to_owned(),
            max_per_run: c.suggestions.max_per_run,
        },
        safety: RawSafety {
            heat_words: c.safety.heat_words.clone(),
            appliance_words: c.safety.appliance_words.clone(),
            never_entities: c.safety.never_entities.clone(),
        },
        llm: match &c.llm {
            None => RawLlm {
                base_url: String::new(),
                api_key,
                api_key_file,
                ..d.llm
            },
            Some(llm) => RawLlm {
                base_url: llm.base_url.clone(),
                api_key,
                api_key_file,
                model: llm.model.clone(),
                concurrency: llm.concurrency,
                timeout: duration(llm.timeout),
                max_tokens: llm.max_tokens,
                max_retries: llm.max_retries,
                phase_timeout: duration(llm.phase_timeout),
                max_answer_bytes: llm.max_answer_bytes,
            },
        },
        ingest: RawIngest {
            batch_size: c.ingest.batch_size,
            flush_interval: duration(c.ingest.flush_interval),
            queue_size: c.ingest.queue_size,
            unwritten_limit: c.ingest.unwritten_limit,
            retention: duration(c.ingest.retention),
            include_domains: c.ingest.include_domains.clone(),
            exclude_domains: c.ingest.exclude_domains.clone(),
            include_entities: c.ingest.include_entities.clone(),
            exclude_entities: c.ingest.exclude_entities.clone(),
        },
        limits: RawLimits {
            eventstream_bytes: c.limits.eventstream_bytes,
            statestream_bytes: c.limits.statestream_bytes,
            zigbee2mqtt_state_bytes: c.limits.zigbee2mqtt_state_bytes,
            zigbee2mqtt_devices_bytes: c.limits.zigbee2mqtt_devices_bytes,
            discovery_bytes: c.limits.discovery_bytes,
            command_bytes: c.limits.command_bytes,
            state_chars: c.limits.state_chars,
            clock_tolerance: duration(c.limits.clock_tolerance),
        },
        database: RawDatabase {
            path: path(&c.database.path),
            pool_size: c.database.pool_size,
            busy_timeout: duration(c.database.busy_timeout),
            cache_size_kib: c.database.cache_size_kib,
        },
        analysis: RawAnalysis {
            // An unnamed system zone prints as "": the system's zone again.
            timezone: c
                .analysis
                .timezone
                .iana_name()
                .unwrap_or_default()
                .to_owned(),
            schedule: match c.analysis.schedule {
                None => "off".to_owned(),
                Some(t) if t.second() == 0 => format!("{:02}:{:02}", t.hour(), t.minute()),
                Some(t) => format!("{:02}:{:02}:{:02}", t.hour(), t.minute(), t.second()),
            },
            window: duration(c.analysis.window),
            routine_min_days: th.routine_min_days,
            routine_min_share: th.routine_min_share,
            routine_window: duration(Duration::from_secs(
                u64::from(th.routine_window_minutes) * 60,
            )),
            routine_max_spread: minutes(th.routine_max_spread_minutes),
            sequence_max_delay: duration(Duration::from_millis(
                u64::try_from(th.sequence_max_delay_ms).unwrap_or(0),
            )),
            sequence_min_occurrences: th.sequence_min_occurrences,
            sequence_min_days: th.sequence_min_days,
            sequence_min_confidence: th.sequence_min_confidence,
            sequence_min_z: th.sequence_min_z,
        },
        log: RawLog {
            level: c.log.level.clone(),
        },
        web: RawWeb::printed(c.web.as_ref(), d.web, web_token),
    }
}

fn path(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

/// A duration as the loader reads it: the largest units first, down to
/// nanoseconds, e.g. `"14d"`, `"1h 30m"`, `"2s 500ms"`; `"0s"` for none.
pub(crate) fn duration(d: Duration) -> String {
    const UNITS: [(&str, u128); 7] = [
        ("d", 86_400_000_000_000),
        ("h", 3_600_000_000_000),
        ("m", 60_000_000_000),
        ("s", 1_000_000_000),
        ("ms", 1_000_000),
        ("us", 1_000),
        ("ns", 1),
    ];
    let mut rest = d.as_nanos();
    let mut parts = Vec::new();
    for (unit, nanos) in UNITS {
        let count = rest / nanos;
        if count > 0 {
            parts.push(format!("{count}{unit}"));
            rest %= nanos;
        }
    }
    if parts.is_empty() {
        "0s".to_owned()
    } else {
        parts.join(" ")
    }
}

/// Minutes (as the thresholds hold them) as a duration, to the millisecond.
fn minutes(minutes: f64) -> String {
    let millis = (minutes * 60_000.0).round();
    duration(Duration::from_millis(if millis > 0.0 {
        millis as u64
    } else {
        0
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_print_as_the_loader_reads_them() {
        for (d, text) in [
            (Duration::ZERO, "0s"),
            (Duration::from_secs(30), "30s"),
            (Duration::from_secs(90 * 60), "1h 30m"),
            (Duration::from_secs(14 * 86_400), "14d"),
            (Duration::from_millis(2_500), "2s 500ms"),
            (Duration::from_nanos(86_400_000_001_001), "1d 1us 1ns"),
        ] {
            assert_eq!(duration(d), text);
            assert_eq!(super::super::duration("k", text).ok(), Some(d), "{text}");
        }
        assert_eq!(minutes(15.5), "15m 30s");
    }
}
