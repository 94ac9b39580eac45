//! Configuration: where it comes from and how it becomes a validated [`Config`].
//!
//! Loading has two stages. First the `config` crate layers three sources into
//! one tree of strings and numbers: the commented `config/default.toml` that is
//! compiled into the binary (the only place a default lives), an optional file
//! named with `--config`, and environment variables `HABITD__SECTION__KEY`.
//! Then [`settings`] turns that tree into typed values (durations, time zones,
//! paths, secrets read from `*_file` keys), and every rejection names the key
//! and the reason, so a bad value stops the start with a message a user can act
//! on instead of a panic somewhere later.

mod secret;
mod settings;
mod web;

use std::path::Path;

use config::{Environment, File, FileFormat};

pub use secret::Secret;
pub use settings::{
    AnalysisConfig, Config, DatabaseConfig, HomeAssistantConfig, IngestConfig, LimitsConfig,
    LlmConfig, LogConfig, MqttConfig, MqttCredentials, MqttDecisions, Printed, SourcesConfig,
    SuggestionsConfig, TlsConfig,
};
pub use web::WebConfig;

/// The commented defaults, embedded so the binary needs no file to start.
pub const DEFAULT_TOML: &str = include_str!("../../config/default.toml");

/// Prefix of environment overrides: `HABITD__MQTT__HOST` sets `mqtt.host`.
pub const ENV_PREFIX: &str = "HABITD";

/// Makes ring the process's TLS crypto provider, for HTTPS (reqwest) and
/// the broker (rumqttc) alike; call it before building either's client.
/// habitd compiles in ring only (Cargo.toml); when a provider is installed
/// already, that one stays.
pub fn install_tls_provider() {
    // An error means one is installed already: nothing to do.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// Why a configuration was refused. Every variant names what to fix.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The layered sources could not be read or merged (unreadable file,
    /// TOML syntax error, a value of the wrong type).
    #[error("{0}")]
    Source(#[from] config::ConfigError),
    /// A value was read but is not acceptable.
    #[error("config key `{key}`: {reason}")]
    Invalid { key: String, reason: String },
    /// Several values are not acceptable: one line each.
    #[error("{} config keys to fix:\n{}", .0.len(), .0.iter().map(|e| format!("  {e}")).collect::<Vec<_>>().join("\n"))]
    Several(Vec<ConfigError>),
}

impl ConfigError {
    /// One error as itself, several as [`ConfigError::Several`].
    pub(crate) fn all(mut errors: Vec<ConfigError>) -> Self {
        if errors.len() == 1 {
            errors.remove(0)
        } else {
            ConfigError::Several(errors)
        }
    }

    pub(crate) fn invalid(key: &str, reason: impl Into<String>) -> Self {
        ConfigError::Invalid {
            key: key.to_owned(),
            reason: reason.into(),
        }
    }
}

/// A validated configuration together with the keys that were not recognised.
///
/// Unknown keys are not an error (a newer config file should still start an
/// older habitd), but they are usually typos, so the caller warns about them
/// once logging is set up.
#[derive(Debug)]
pub struct Loaded {
    pub config: Config,
    pub unknown_keys: Vec<String>,
}

/// Loads the configuration from the embedded defaults, the optional `file`, and
/// the process environment.
pub fn load(file: Option<&Path>) -> Result<Loaded, ConfigError> {
    load_from(file, std::env::vars())
}

/// Like [`load`], with the environment given explicitly (tests use this rather
/// than changing the process environment, which other threads share).
pub fn load_from(
    file: Option<&Path>,
    env: impl IntoIterator<Item = (String, String)>,
) -> Result<Loaded, ConfigError> {
    let env: config::Map<String, String> = env
        .into_iter()
        .filter(|(key, _)| key.starts_with(ENV_PREFIX))
        .collect();

    let mut builder =
        config::Config::builder().add_source(File::from_str(DEFAULT_TOML, FileFormat::Toml));
    if let Some(path) = file {
        // `required(true)`: a named file that is missing is an error, not a
        // silent fall back to defaults.
        builder = builder.add_source(File::from(path).format(FileFormat::Toml).required(true));
    }
    let layered = builder
        .add_source(
            Environment::with_prefix(ENV_PREFIX)
                .prefix_separator("__")
                .separator("__")
                .try_parsing(true)
                .list_separator(",")
                .with_list_parse_key("ingest.include_domains")
                .with_list_parse_key("ingest.exclude_domains")
                .with_list_parse_key("ingest.include_entities")
                .with_list_parse_key("ingest.exclude_entities")
                .source(Some(env)),
        )
        .build()?;

    let mut unknown_keys = Vec::new();
    let raw: settings::Raw = serde_ignored::deserialize(layered, |path| {
        unknown_keys.push(path.to_string());
    })?;
    let config = Config::try_from(raw)?;
    Ok(Loaded {
        config,
        unknown_keys,
    })
}

#[cfg(test)]
mod tests;
