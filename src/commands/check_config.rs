//! `habitd check-config`: validate the configuration and print it.

use crate::commands::out;
use crate::config::Config;

/// Prints the effective configuration, secrets redacted.
pub fn command(config: &Config) -> anyhow::Result<()> {
    let text = toml::to_string_pretty(config)
        .map_err(|e| anyhow::anyhow!("cannot print the configuration: {e}"))?;
    out!("# habitd: configuration is valid; effective values:\n{text}");
    Ok(())
}
