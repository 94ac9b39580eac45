//! `habitd check-config`: validate the configuration and print it.

use crate::commands::out;
use crate::config::Config;

/// Prints the effective configuration as a file that loads back into the
/// same values. Secrets given inline are left out (and named) unless
/// `show_secrets`; those read from a file print as their `*_file` key.
pub fn command(config: &Config, show_secrets: bool) -> anyhow::Result<()> {
    let printed = config
        .to_toml(show_secrets)
        .map_err(|e| anyhow::anyhow!("cannot print the configuration: {e}"))?;
    out!(
        "# habitd: the configuration is valid. Its effective values, as a file\n\
         # habitd reads back (habitd --config FILE):"
    );
    if !printed.elided.is_empty() {
        out!(
            "# Left out, secret: {} (habitd check-config --show-secrets prints them).",
            printed.elided.join(", ")
        );
    }
    out!("\n{}", printed.text.trim_end());
    Ok(())
}
