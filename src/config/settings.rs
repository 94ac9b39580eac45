//! The typed configuration and its validation.
//!
//! [`Raw`] mirrors `config/default.toml` one to one, with plain strings and
//! numbers and no defaults of its own (every key is present because the
//! embedded defaults always are). [`Config::try_from`] checks each value and
//! converts it into the type the rest of habitd uses; each error names the key.

use std::path::{Path, PathBuf};
use std::time::Duration;

use jiff::civil::Time;
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};

use super::web::{RawWeb, WebConfig, web};
use super::{ConfigError, Secret};

mod print;
pub use print::Printed;

#[derive(Debug, Deserialize, Serialize)]
pub(super) struct Raw {
    mqtt: RawMqtt,
    sources: RawSources,
    homeassistant: RawHomeAssistant,
    areas: std::collections::BTreeMap<String, Vec<String>>,
    suggestions: RawSuggestions,
    safety: RawSafety,
    llm: RawLlm,
    ingest: RawIngest,
    limits: RawLimits,
    database: RawDatabase,
    analysis: RawAnalysis,
    log: RawLog,
    web: RawWeb,
}

#[derive(Debug, Deserialize, Serialize)]
struct RawMqtt {
    host: String,
    port: u16,
    client_id: String,
    username: String,
    password: String,
    password_file: String,
    keep_alive: String,
    reconnect_max_delay: String,
    base_topic: String,
    discovery_prefix: String,
    homeassistant_status_topic: String,
    decisions: String,
    tls: RawTls,
}

#[derive(Debug, Deserialize, Serialize)]
struct RawTls {
    enabled: bool,
    ca_file: String,
    client_cert_file: String,
    client_key_file: String,
}

#[derive(Debug, Deserialize, Serialize)]
struct RawSources {
    eventstream_topic: String,
    statestream_base: String,
    zigbee2mqtt_base: String,
}

#[derive(Debug, Deserialize, Serialize)]
struct RawHomeAssistant {
    url: String,
    token: String,
    token_file: String,
    timeout: String,
    deploy_disabled: bool,
    discovery: String,
    notify: bool,
    backfill_days: u32,
    max_answer_bytes: usize,
}

#[derive(Debug, Deserialize, Serialize)]
struct RawSuggestions {
    expire_after: String,
    automation_syntax: String,
    max_per_run: usize,
}

#[derive(Debug, Deserialize, Serialize)]
struct RawLimits {
    eventstream_bytes: usize,
    statestream_bytes: usize,
    zigbee2mqtt_state_bytes: usize,
    zigbee2mqtt_devices_bytes: usize,
    discovery_bytes: usize,
    command_bytes: usize,
    state_chars: usize,
    clock_tolerance: String,
}

#[derive(Debug, Deserialize, Serialize)]
struct RawSafety {
    heat_words: Vec<String>,
    appliance_words: Vec<String>,
    never_entities: Vec<String>,
}

#[derive(Debug, Deserialize, Serialize)]
struct RawLlm {
    base_url: String,
    api_key: String,
    api_key_file: String,
    model: String,
    concurrency: usize,
    timeout: String,
    max_tokens: u32,
    max_retries: u32,
    phase_timeout: String,
    max_answer_bytes: usize,
}

#[derive(Debug, Deserialize, Serialize)]
struct RawIngest {
    batch_size: usize,
    flush_interval: String,
    queue_size: usize,
    unwritten_limit: usize,
    retention: String,
    include_domains: Vec<String>,
    exclude_domains: Vec<String>,
    include_entities: Vec<String>,
    exclude_entities: Vec<String>,
}

#[derive(Debug, Deserialize, Serialize)]
struct RawDatabase {
    path: String,
    pool_size: u32,
    busy_timeout: String,
    cache_size_kib: u32,
}

#[derive(Debug, Deserialize, Serialize)]
struct RawAnalysis {
    timezone: String,
    schedule: String,
    window: String,
    routine_min_days: u32,
    routine_min_share: f64,
    routine_window: String,
    routine_max_spread: String,
    sequence_max_delay: String,
    sequence_min_occurrences: u32,
    sequence_min_days: u32,
    sequence_min_confidence: f64,
    sequence_min_z: f64,
}

#[derive(Debug, Deserialize, Serialize)]
struct RawLog {
    level: String,
}

/// habitd's validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub mqtt: MqttConfig,
    pub sources: SourcesConfig,
    /// `None` when no Home Assistant URL is configured.
    pub homeassistant: Option<HomeAssistantConfig>,
    /// How habitd's entities are announced (`homeassistant.discovery`).
    pub discovery: crate::model::DiscoveryMode,
    /// Area name → entity id patterns, for entities without an HA area.
    pub areas: Vec<(String, Vec<String>)>,
    pub suggestions: SuggestionsConfig,
    /// What is never suggested from a habit nor deployed.
    pub safety: crate::model::safety::Policy,
    /// `None` when no LLM base URL is configured.
    pub llm: Option<LlmConfig>,
    pub ingest: IngestConfig,
    /// What habitd accepts from the broker.
    pub limits: LimitsConfig,
    pub database: DatabaseConfig,
    pub analysis: AnalysisConfig,
    pub log: LogConfig,
    /// `None` when the review page is turned off.
    pub web: Option<WebConfig>,
}

#[derive(Debug, Clone)]
pub struct MqttConfig {
    pub host: String,
    pub port: u16,
    pub client_id: String,
    pub credentials: Option<MqttCredentials>,
    pub keep_alive: Duration,
    pub reconnect_max_delay: Duration,
    pub base_topic: String,
    pub discovery_prefix: String,
    pub homeassistant_status_topic: String,
    /// Which decisions are taken over MQTT.
    pub decisions: MqttDecisions,
    pub tls: Option<TlsConfig>,
}

/// Which decisions on suggestions habitd takes over MQTT.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MqttDecisions {
    All,
    NoDeploy,
    None,
}

impl MqttDecisions {
    pub fn allows(self, decision: crate::model::Decision) -> bool {
        match self {
            MqttDecisions::All => true,
            MqttDecisions::NoDeploy => decision != crate::model::Decision::Deploy,
            MqttDecisions::None => false,
        }
    }
}

#[derive(Debug, Clone)]
pub struct MqttCredentials {
    pub username: String,
    pub password: Secret,
}

#[derive(Debug, Clone)]
pub struct TlsConfig {
    /// The CA (PEM) that signed the broker's certificate.
    pub ca_file: PathBuf,
    /// Client certificate and key, for brokers that require them.
    pub client_auth: Option<(PathBuf, PathBuf)>,
}

/// Where events come from; `None` turns a source off.
#[derive(Debug, Clone)]
pub struct SourcesConfig {
    pub eventstream_topic: Option<String>,
    pub statestream_base: Option<String>,
    pub zigbee2mqtt_base: Option<String>,
}

#[derive(Debug, Clone)]
pub struct HomeAssistantConfig {
    /// Without a trailing slash.
    pub url: String,
    pub token: Secret,
    pub timeout: Duration,
    /// Deploy automations with `initial_state: false`.
    pub deploy_disabled: bool,
    /// A persistent notification in Home Assistant when new suggestions appear.
    pub notify: bool,
    /// Days of history the daemon fetches on its first start, when the
    /// database holds no events yet (0: never).
    pub backfill_days: u32,
    /// A history or logbook answer longer than this is refused.
    pub max_answer_bytes: usize,
}

#[derive(Debug, Clone)]
pub struct SuggestionsConfig {
    pub expire_after: Duration,
    /// `None`: decide from Home Assistant's version.
    pub automation_syntax: Option<crate::model::Syntax>,
    /// The most confident this many suggestions of a run are kept.
    pub max_per_run: usize,
}

#[derive(Debug, Clone)]
pub struct LlmConfig {
    /// Without a trailing slash; `/chat/completions` is appended.
    pub base_url: String,
    pub api_key: Option<Secret>,
    pub model: String,
    pub concurrency: usize,
    pub timeout: Duration,
    pub max_tokens: u32,
    pub max_retries: u32,
    /// The deadline of the whole wording phase.
    pub phase_timeout: Duration,
    pub max_answer_bytes: usize,
}

#[derive(Debug, Clone)]
pub struct IngestConfig {
    pub batch_size: usize,
    pub flush_interval: Duration,
    pub queue_size: usize,
    /// Events kept in memory while the database cannot be written.
    pub unwritten_limit: usize,
    pub retention: Duration,
    pub include_domains: Vec<String>,
    pub exclude_domains: Vec<String>,
    pub include_entities: Vec<String>,
    pub exclude_entities: Vec<String>,
}

/// Bounds on what arrives over MQTT.
#[derive(Debug, Clone, PartialEq)]
pub struct LimitsConfig {
    pub eventstream_bytes: usize,
    pub statestream_bytes: usize,
    pub zigbee2mqtt_state_bytes: usize,
    pub zigbee2mqtt_devices_bytes: usize,
    pub discovery_bytes: usize,
    pub command_bytes: usize,
    pub state_chars: usize,
    pub clock_tolerance: Duration,
}

impl LimitsConfig {
    /// The largest message any source may send.
    pub fn largest_message(&self) -> usize {
        [
            self.eventstream_bytes,
            self.statestream_bytes,
            self.zigbee2mqtt_state_bytes,
            self.zigbee2mqtt_devices_bytes,
            self.discovery_bytes,
            self.command_bytes,
        ]
        .into_iter()
        .max()
        .unwrap_or(self.command_bytes)
    }
}

#[derive(Debug, Clone)]
pub struct DatabaseConfig {
    pub path: PathBuf,
    pub pool_size: u32,
    pub busy_timeout: Duration,
    pub cache_size_kib: u32,
}

impl DatabaseConfig {
    /// A database at `path` with small settings (one connection, 5 s busy
    /// timeout, 1 MiB page cache): what tests, benchmarks and one-off tools
    /// open.
    pub fn at(path: impl Into<PathBuf>) -> DatabaseConfig {
        DatabaseConfig {
            path: path.into(),
            pool_size: 1,
            busy_timeout: Duration::from_secs(5),
            cache_size_kib: 1024,
        }
    }
}

#[derive(Debug, Clone)]
pub struct AnalysisConfig {
    pub timezone: TimeZone,
    /// Local time of the daily run; `None` when the schedule is `off`.
    pub schedule: Option<Time>,
    pub window: Duration,
    pub thresholds: crate::analysis::Thresholds,
}

#[derive(Debug, Clone)]
pub struct LogConfig {
    pub level: String,
}

impl TryFrom<Raw> for Config {
    type Error = ConfigError;

    /// Every section is checked, so that one start reports every key to
    /// fix (at most one per section), not only the first.
    fn try_from(raw: Raw) -> Result<Self, ConfigError> {
        let mut errors = Vec::new();
        let discovery = keep(&mut errors, discovery(&raw.homeassistant.discovery));
        let mqtt = keep(&mut errors, mqtt(raw.mqtt));
        let sources = keep(&mut errors, sources(raw.sources));
        let homeassistant = keep(&mut errors, homeassistant(raw.homeassistant));
        let areas = keep(&mut errors, areas(raw.areas));
        let suggestions = keep(&mut errors, suggestions(raw.suggestions));
        let safety = keep(&mut errors, safety(raw.safety));
        let llm = keep(&mut errors, llm(raw.llm));
        let ingest = keep(&mut errors, ingest(raw.ingest));
        let limits = keep(&mut errors, limits(raw.limits));
        let database = keep(&mut errors, database(raw.database));
        let analysis = keep(&mut errors, analysis(raw.analysis));
        let log = keep(&mut errors, log(raw.log));
        let web = keep(&mut errors, web(raw.web));
        // Every value is there exactly when no section failed.
        let config = (|| {
            Some(Config {
                discovery: discovery?,
                mqtt: mqtt?,
                sources: sources?,
                homeassistant: homeassistant?,
                areas: areas?,
                suggestions: suggestions?,
                safety: safety?,
                llm: llm?,
                ingest: ingest?,
                limits: limits?,
                database: database?,
                analysis: analysis?,
                log: log?,
                web: web?,
            })
        })();
        match config {
            Some(config) if errors.is_empty() => Ok(config),
            _ => Err(ConfigError::all(errors)),
        }
    }
}

/// The value, or `None` with its error kept for the report.
fn keep<T>(errors: &mut Vec<ConfigError>, result: Result<T, ConfigError>) -> Option<T> {
    result.map_err(|e| errors.push(e)).ok()
}

fn mqtt(raw: RawMqtt) -> Result<MqttConfig, ConfigError> {
    if raw.host.trim().is_empty() {
        return Err(ConfigError::invalid("mqtt.host", "must not be empty"));
    }
    if raw.port == 0 {
        return Err(ConfigError::invalid(
            "mqtt.port",
            "must be between 1 and 65535",
        ));
    }
    if raw.client_id.is_empty() || raw.client_id.len() > 256 {
        return Err(ConfigError::invalid(
            "mqtt.client_id",
            "must be 1 to 256 characters",
        ));
    }
    let password = secret("mqtt.password", raw.password, raw.password_file)?;
    let credentials = match (raw.username.is_empty(), password) {
        (true, None) => None,
        (false, password) => Some(MqttCredentials {
            username: raw.username,
            password: password.unwrap_or_else(|| Secret::new("")),
        }),
        (true, Some(_)) => {
            return Err(ConfigError::invalid(
                "mqtt.username",
                "a password is set, so a username is needed too",
            ));
        }
    };
    let keep_alive = duration("mqtt.keep_alive", &raw.keep_alive)?;
    if keep_alive < Duration::from_secs(5) || keep_alive.subsec_nanos() != 0 {
        return Err(ConfigError::invalid(
            "mqtt.keep_alive",
            "must be whole seconds, at least 5s",
        ));
    }
    let reconnect_max_delay = duration("mqtt.reconnect_max_delay", &raw.reconnect_max_delay)?;
    if reconnect_max_delay < Duration::from_secs(1) {
        return Err(ConfigError::invalid(
            "mqtt.reconnect_max_delay",
            "must be at least 1s",
        ));
    }
    Ok(MqttConfig {
        host: raw.host,
        port: raw.port,
        client_id: raw.client_id,
        credentials,
        keep_alive,
        reconnect_max_delay,
        base_topic: topic_segment("mqtt.base_topic", raw.base_topic)?,
        discovery_prefix: topic_segment("mqtt.discovery_prefix", raw.discovery_prefix)?,
        homeassistant_status_topic: topic_segment(
            "mqtt.homeassistant_status_topic",
            raw.homeassistant_status_topic,
        )?,
        decisions: match raw.decisions.trim() {
            "all" => MqttDecisions::All,
            "no_deploy" => MqttDecisions::NoDeploy,
            "none" => MqttDecisions::None,
            other => {
                return Err(ConfigError::invalid(
                    "mqtt.decisions",
                    format!("{other:?} is not all, no_deploy or none"),
                ));
            }
        },
        tls: tls(raw.tls)?,
    })
}

fn tls(raw: RawTls) -> Result<Option<TlsConfig>, ConfigError> {
    if !raw.enabled {
        return Ok(None);
    }
    let Some(ca_file) = optional_file("mqtt.tls.ca_file", &raw.ca_file)? else {
        return Err(ConfigError::invalid(
            "mqtt.tls.ca_file",
            "is required when mqtt.tls.enabled is true: the CA (PEM) that signed the broker's certificate",
        ));
    };
    let cert = optional_file("mqtt.tls.client_cert_file", &raw.client_cert_file)?;
    let key = optional_file("mqtt.tls.client_key_file", &raw.client_key_file)?;
    let client_auth = match (cert, key) {
        (Some(cert), Some(key)) => Some((cert, key)),
        (None, None) => None,
        (Some(_), None) => {
            return Err(ConfigError::invalid(
                "mqtt.tls.client_key_file",
                "client_cert_file is set, so the key is needed too",
            ));
        }
        (None, Some(_)) => {
            return Err(ConfigError::invalid(
                "mqtt.tls.client_cert_file",
                "client_key_file is set, so the certificate is needed too",
            ));
        }
    };
    Ok(Some(TlsConfig {
        ca_file,
        client_auth,
    }))
}

fn sources(raw: RawSources) -> Result<SourcesConfig, ConfigError> {
    let optional = |key: &str, text: String| -> Result<Option<String>, ConfigError> {
        if text.trim().is_empty() {
            Ok(None)
        } else {
            topic_segment(key, text).map(Some)
        }
    };
    Ok(SourcesConfig {
        eventstream_topic: optional("sources.eventstream_topic", raw.eventstream_topic)?,
        statestream_base: optional("sources.statestream_base", raw.statestream_base)?,
        zigbee2mqtt_base: optional("sources.zigbee2mqtt_base", raw.zigbee2mqtt_base)?,
    })
}

fn homeassistant(raw: RawHomeAssistant) -> Result<Option<HomeAssistantConfig>, ConfigError> {
    let url = raw.url.trim().trim_end_matches('/').to_owned();
    let token = secret("homeassistant.token", raw.token, raw.token_file)?;
    if url.is_empty() {
        return Ok(None);
    }
    if !(url.starts_with("http://") || url.starts_with("https://")) || url.len() < 10 {
        return Err(ConfigError::invalid(
            "homeassistant.url",
            format!("{url:?} is not an http:// or https:// address"),
        ));
    }
    let Some(token) = token.filter(|t| !t.expose().is_empty()) else {
        return Err(ConfigError::invalid(
            "homeassistant.token",
            "is required when homeassistant.url is set (a long-lived access token)",
        ));
    };
    Ok(Some(HomeAssistantConfig {
        url,
        token,
        timeout: duration("homeassistant.timeout", &raw.timeout)?,
        deploy_disabled: raw.deploy_disabled,
        notify: raw.notify,
        backfill_days: backfill_days(raw.backfill_days)?,
        max_answer_bytes: positive("homeassistant.max_answer_bytes", raw.max_answer_bytes)?,
    }))
}

fn positive(key: &str, n: usize) -> Result<usize, ConfigError> {
    if n == 0 {
        return Err(ConfigError::invalid(key, "must be more than 0"));
    }
    Ok(n)
}

fn backfill_days(days: u32) -> Result<u32, ConfigError> {
    if days > 365 {
        return Err(ConfigError::invalid(
            "homeassistant.backfill_days",
            format!("{days} is more than 365 days"),
        ));
    }
    Ok(days)
}

fn discovery(raw: &str) -> Result<crate::model::DiscoveryMode, ConfigError> {
    raw.trim().parse().map_err(|_| {
        ConfigError::invalid(
            "homeassistant.discovery",
            format!("{raw:?} is not auto, device or entity"),
        )
    })
}

fn areas(
    raw: std::collections::BTreeMap<String, Vec<String>>,
) -> Result<Vec<(String, Vec<String>)>, ConfigError> {
    raw.into_iter()
        .map(|(area, patterns)| {
            if let Some(bad) = patterns.iter().find(|p| !p.contains('.')) {
                return Err(ConfigError::invalid(
                    &format!("areas.{area}"),
                    format!("{bad:?} is not an entity id pattern like \"light.kitchen_*\""),
                ));
            }
            Ok((area, patterns))
        })
        .collect()
}

fn suggestions(raw: RawSuggestions) -> Result<SuggestionsConfig, ConfigError> {
    use crate::model::Syntax;
    let automation_syntax = match raw.automation_syntax.trim() {
        "auto" => None,
        "current" => Some(Syntax::Current),
        "legacy" => Some(Syntax::Legacy),
        other => {
            return Err(ConfigError::invalid(
                "suggestions.automation_syntax",
                format!("{other:?} is not auto, current or legacy"),
            ));
        }
    };
    if !(1..=10_000).contains(&raw.max_per_run) {
        return Err(ConfigError::invalid(
            "suggestions.max_per_run",
            "must be between 1 and 10000",
        ));
    }
    Ok(SuggestionsConfig {
        expire_after: duration("suggestions.expire_after", &raw.expire_after)?,
        automation_syntax,
        max_per_run: raw.max_per_run,
    })
}

fn safety(raw: RawSafety) -> Result<crate::model::safety::Policy, ConfigError> {
    let list = |key: &str, items: Vec<String>| -> Result<Vec<String>, ConfigError> {
        items
            .into_iter()
            .map(|item| {
                let item = item.trim().to_lowercase();
                if item.is_empty() {
                    Err(ConfigError::invalid(key, "an entry is empty"))
                } else {
                    Ok(item)
                }
            })
            .collect()
    };
    Ok(crate::model::safety::Policy {
        heat_words: list("safety.heat_words", raw.heat_words)?,
        appliance_words: list("safety.appliance_words", raw.appliance_words)?,
        never_entities: list("safety.never_entities", raw.never_entities)?,
    })
}

fn llm(raw: RawLlm) -> Result<Option<LlmConfig>, ConfigError> {
    let api_key = secret("llm.api_key", raw.api_key, raw.api_key_file)?;
    let base_url = raw.base_url.trim().trim_end_matches('/').to_owned();
    if base_url.is_empty() {
        return Ok(None);
    }
    if !(base_url.starts_with("http://") || base_url.starts_with("https://")) {
        return Err(ConfigError::invalid(
            "llm.base_url",
            format!("{base_url:?} is not an http:// or https:// address"),
        ));
    }
    if raw.model.trim().is_empty() {
        return Err(ConfigError::invalid(
            "llm.model",
            "is required when llm.base_url is set",
        ));
    }
    if !(1..=64).contains(&raw.concurrency) {
        return Err(ConfigError::invalid(
            "llm.concurrency",
            "must be between 1 and 64",
        ));
    }
    if !(16..=8192).contains(&raw.max_tokens) {
        return Err(ConfigError::invalid(
            "llm.max_tokens",
            "must be between 16 and 8192",
        ));
    }
    Ok(Some(LlmConfig {
        base_url,
        api_key,
        model: raw.model.trim().to_owned(),
        concurrency: raw.concurrency,
        timeout: duration("llm.timeout", &raw.timeout)?,
        max_tokens: raw.max_tokens,
        max_retries: raw.max_retries.min(10),
        phase_timeout: duration("llm.phase_timeout", &raw.phase_timeout)?,
        max_answer_bytes: match raw.max_answer_bytes {
            bytes @ 1024..=16_777_216 => bytes,
            _ => {
                return Err(ConfigError::invalid(
                    "llm.max_answer_bytes",
                    "must be between 1024 and 16777216",
                ));
            }
        },
    }))
}

fn limits(raw: RawLimits) -> Result<LimitsConfig, ConfigError> {
    // Below these, ordinary messages would be refused; above 256 MiB, MQTT's
    // own packet limit.
    let bytes = |key: &str, value: usize, least: usize| {
        if (least..=256 * 1024 * 1024).contains(&value) {
            Ok(value)
        } else {
            Err(ConfigError::invalid(
                key,
                format!("must be between {least} and 268435456 bytes"),
            ))
        }
    };
    let clock_tolerance = duration("limits.clock_tolerance", &raw.clock_tolerance)?;
    if clock_tolerance < Duration::from_secs(1) {
        return Err(ConfigError::invalid(
            "limits.clock_tolerance",
            "must be at least 1s",
        ));
    }
    if !(16..=65_536).contains(&raw.state_chars) {
        return Err(ConfigError::invalid(
            "limits.state_chars",
            "must be between 16 and 65536",
        ));
    }
    Ok(LimitsConfig {
        eventstream_bytes: bytes("limits.eventstream_bytes", raw.eventstream_bytes, 1024)?,
        statestream_bytes: bytes("limits.statestream_bytes", raw.statestream_bytes, 256)?,
        zigbee2mqtt_state_bytes: bytes(
            "limits.zigbee2mqtt_state_bytes",
            raw.zigbee2mqtt_state_bytes,
            1024,
        )?,
        zigbee2mqtt_devices_bytes: bytes(
            "limits.zigbee2mqtt_devices_bytes",
            raw.zigbee2mqtt_devices_bytes,
            1024,
        )?,
        discovery_bytes: bytes("limits.discovery_bytes", raw.discovery_bytes, 1024)?,
        command_bytes: bytes("limits.command_bytes", raw.command_bytes, 64)?,
        state_chars: raw.state_chars,
        clock_tolerance,
    })
}

fn ingest(raw: RawIngest) -> Result<IngestConfig, ConfigError> {
    if !(1..=100_000).contains(&raw.batch_size) {
        return Err(ConfigError::invalid(
            "ingest.batch_size",
            "must be between 1 and 100000",
        ));
    }
    if raw.queue_size < raw.batch_size {
        return Err(ConfigError::invalid(
            "ingest.queue_size",
            "must be at least ingest.batch_size",
        ));
    }
    let flush_interval = duration("ingest.flush_interval", &raw.flush_interval)?;
    if flush_interval.is_zero() {
        return Err(ConfigError::invalid(
            "ingest.flush_interval",
            "must be more than 0s",
        ));
    }
    let retention = duration("ingest.retention", &raw.retention)?;
    if retention < Duration::from_secs(86_400) {
        return Err(ConfigError::invalid(
            "ingest.retention",
            "must be at least 1 day (the analysis needs weeks)",
        ));
    }
    // Blank entries are dropped, so that an empty environment variable
    // (HABITD__INGEST__EXCLUDE_DOMAINS=) means an empty list.
    let trimmed = |list: Vec<String>| -> Vec<String> {
        list.into_iter()
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect()
    };
    let include_entities = trimmed(raw.include_entities);
    let exclude_entities = trimmed(raw.exclude_entities);
    for (key, patterns) in [
        ("ingest.include_entities", &include_entities),
        ("ingest.exclude_entities", &exclude_entities),
    ] {
        if let Some(bad) = patterns.iter().find(|p| !p.contains('.')) {
            return Err(ConfigError::invalid(
                key,
                format!("{bad:?} is not an entity id pattern like \"sensor.*_battery\""),
            ));
        }
    }
    Ok(IngestConfig {
        batch_size: raw.batch_size,
        flush_interval,
        queue_size: raw.queue_size,
        unwritten_limit: if raw.unwritten_limit >= raw.batch_size {
            raw.unwritten_limit
        } else {
            return Err(ConfigError::invalid(
                "ingest.unwritten_limit",
                "must be at least ingest.batch_size",
            ));
        },
        retention,
        include_domains: trimmed(raw.include_domains),
        exclude_domains: trimmed(raw.exclude_domains),
        include_entities,
        exclude_entities,
    })
}

fn database(raw: RawDatabase) -> Result<DatabaseConfig, ConfigError> {
    if raw.path.trim().is_empty() {
        return Err(ConfigError::invalid("database.path", "must not be empty"));
    }
    if !(1..=64).contains(&raw.pool_size) {
        return Err(ConfigError::invalid(
            "database.pool_size",
            "must be between 1 and 64",
        ));
    }
    if !(64..=1_048_576).contains(&raw.cache_size_kib) {
        return Err(ConfigError::invalid(
            "database.cache_size_kib",
            "must be between 64 (KiB) and 1048576 (1 GiB)",
        ));
    }
    Ok(DatabaseConfig {
        path: PathBuf::from(raw.path),
        pool_size: raw.pool_size,
        busy_timeout: duration("database.busy_timeout", &raw.busy_timeout)?,
        cache_size_kib: raw.cache_size_kib,
    })
}

fn analysis(raw: RawAnalysis) -> Result<AnalysisConfig, ConfigError> {
    let timezone = if raw.timezone.trim().is_empty() {
        TimeZone::try_system().map_err(|e| {
            ConfigError::invalid(
                "analysis.timezone",
                format!("is empty and the system's time zone is unknown ({e}); set an IANA name such as \"Europe/Berlin\""),
            )
        })?
    } else {
        TimeZone::get(raw.timezone.trim()).map_err(|e| {
            ConfigError::invalid(
                "analysis.timezone",
                format!("{:?} is not a known IANA time zone ({e})", raw.timezone),
            )
        })?
    };
    let schedule = match raw.schedule.trim() {
        "off" | "" => None,
        text => Some(
            Time::strptime("%H:%M", text)
                .or_else(|_| Time::strptime("%H:%M:%S", text))
                .map_err(|_| {
                    ConfigError::invalid(
                        "analysis.schedule",
                        format!("{text:?} is not a local time like \"03:00\" (or \"off\")"),
                    )
                })?,
        ),
    };
    let window = duration("analysis.window", &raw.window)?;
    if window < Duration::from_secs(7 * 86_400) {
        return Err(ConfigError::invalid(
            "analysis.window",
            "must be at least 7 days",
        ));
    }
    let share = |key: &str, value: f64| {
        if (0.0..=1.0).contains(&value) {
            Ok(value)
        } else {
            Err(ConfigError::invalid(
                key,
                format!("{value} is not a share between 0 and 1"),
            ))
        }
    };
    let minutes = |key: &str, text: &str| -> Result<f64, ConfigError> {
        let d = duration(key, text)?;
        if d < Duration::from_secs(60) || d > Duration::from_secs(6 * 3600) {
            return Err(ConfigError::invalid(key, "must be between 1m and 6h"));
        }
        Ok(d.as_secs_f64() / 60.0)
    };
    let max_delay = duration("analysis.sequence_max_delay", &raw.sequence_max_delay)?;
    if max_delay.is_zero() || max_delay > Duration::from_secs(3600) {
        return Err(ConfigError::invalid(
            "analysis.sequence_max_delay",
            "must be between 1s and 1h",
        ));
    }
    let thresholds = crate::analysis::Thresholds {
        routine_min_days: raw.routine_min_days.max(1),
        routine_min_share: share("analysis.routine_min_share", raw.routine_min_share)?,
        routine_window_minutes: minutes("analysis.routine_window", &raw.routine_window)?.round()
            as u32,
        routine_max_spread_minutes: minutes(
            "analysis.routine_max_spread",
            &raw.routine_max_spread,
        )?,
        sequence_max_delay_ms: max_delay.as_millis() as i64,
        sequence_min_occurrences: raw.sequence_min_occurrences.max(1),
        sequence_min_days: raw.sequence_min_days.max(1),
        sequence_min_confidence: share(
            "analysis.sequence_min_confidence",
            raw.sequence_min_confidence,
        )?,
        sequence_min_z: raw.sequence_min_z,
    };
    Ok(AnalysisConfig {
        timezone,
        schedule,
        window,
        thresholds,
    })
}

fn log(raw: RawLog) -> Result<LogConfig, ConfigError> {
    let level = raw.level.trim().to_ascii_lowercase();
    match level.as_str() {
        "error" | "warn" | "info" | "debug" | "trace" => Ok(LogConfig { level }),
        _ => Err(ConfigError::invalid(
            "log.level",
            format!(
                "{:?} is not one of error, warn, info, debug, trace",
                raw.level
            ),
        )),
    }
}

/// Parses a friendly (`"30s"`, `"1h 30m"`, `"60d"`) or ISO 8601 (`"PT30S"`)
/// duration; a day is 24 hours here.
fn duration(key: &str, text: &str) -> Result<Duration, ConfigError> {
    let invalid = |e: jiff::Error| {
        ConfigError::invalid(
            key,
            format!("{text:?} is not a duration like \"30s\" ({e})"),
        )
    };
    let span: jiff::Span = text.trim().parse().map_err(invalid)?;
    let signed = span
        .to_duration(jiff::SpanRelativeTo::days_are_24_hours())
        .map_err(invalid)?;
    Duration::try_from(signed)
        .map_err(|_| ConfigError::invalid(key, format!("{text:?} must not be negative")))
}

/// A secret given either inline or as a file to read, never both.
pub(super) fn secret(
    key: &str,
    inline: String,
    file: String,
) -> Result<Option<Secret>, ConfigError> {
    let file_key = format!("{key}_file");
    match (inline.is_empty(), file.trim().is_empty()) {
        (true, true) => Ok(None),
        (false, true) => Ok(Some(Secret::new(inline))),
        (true, false) => {
            let text = std::fs::read_to_string(file.trim()).map_err(|e| {
                ConfigError::invalid(&file_key, format!("cannot read {:?}: {e}", file.trim()))
            })?;
            // Files written by `echo` or an editor end in a newline that is not
            // part of the secret.
            Ok(Some(Secret::from_file(
                text.trim_end_matches(['\r', '\n']),
                file.trim(),
            )))
        }
        (false, false) => Err(ConfigError::invalid(
            &file_key,
            format!("set either {key} or {file_key}, not both"),
        )),
    }
}

fn optional_file(key: &str, text: &str) -> Result<Option<PathBuf>, ConfigError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let path = Path::new(text);
    if !path.is_file() {
        return Err(ConfigError::invalid(
            key,
            format!("{text:?} is not a readable file"),
        ));
    }
    Ok(Some(path.to_path_buf()))
}

/// A topic prefix: no wildcards, no leading or trailing slash, not empty.
fn topic_segment(key: &str, text: String) -> Result<String, ConfigError> {
    if text.is_empty() || text.starts_with('/') || text.ends_with('/') {
        return Err(ConfigError::invalid(
            key,
            format!("{text:?} must be a non-empty topic without a leading or trailing '/'"),
        ));
    }
    if text.contains(['#', '+', '\0']) {
        return Err(ConfigError::invalid(
            key,
            format!("{text:?} must not contain the MQTT wildcards '#' or '+'"),
        ));
    }
    Ok(text)
}
