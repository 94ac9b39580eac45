//! Command-line interface: what `habitd --help` shows.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::model::SuggestionStatus;

#[derive(Debug, Parser)]
#[command(name = "habitd", version, about, propagate_version = true)]
pub struct Cli {
    /// Configuration file (TOML), layered over the built-in defaults;
    /// HABITD__SECTION__KEY environment variables override both.
    #[arg(long, short, global = true, value_name = "FILE", env = "HABITD_CONFIG")]
    pub config: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the daemon: listen on MQTT, analyse daily and on request.
    Run,
    /// Run one analysis now against the database and print a summary.
    ///
    /// Publishes the job status when the MQTT broker answers; without one it
    /// runs all the same and says what it skipped.
    Analyze {
        /// Print the job status as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Try habitd on a sample home: a month of realistic history, the whole
    /// analysis, and the suggestions it makes, with their automations.
    ///
    /// Uses a database of its own, removed at the end. With --publish, the
    /// suggestions also appear in Home Assistant (through the configured MQTT
    /// broker) as a "habitd demo" device under the topic habitd_demo/;
    /// without it nothing is sent anywhere.
    Demo {
        /// Another sample household.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Publish the demo's suggestions to the configured MQTT broker.
        #[arg(long)]
        publish: bool,
        /// Keep the demo's database as this new file (to open the review
        /// page on it: HABITD__DATABASE__PATH=FILE habitd run).
        #[arg(long, value_name = "FILE")]
        keep: Option<PathBuf>,
    },
    /// Why a habit was or was not offered: every candidate pattern of an
    /// entity with the figure and the threshold that kept or rejected it.
    Explain {
        /// The entity, e.g. light.kitchen.
        entity: String,
    },
    /// Validate the configuration and print it as a file that loads back
    /// into the same values.
    ///
    /// Secrets read from a file print as their `*_file` key; secrets given
    /// inline are left out and named, unless --show-secrets.
    CheckConfig {
        /// Print inline passwords, tokens and API keys too.
        #[arg(long)]
        show_secrets: bool,
    },
    /// Import history into the database: Home Assistant history answers
    /// (`GET /api/history/period`, full or minimal) or eventstream JSON lines.
    ///
    /// Importing the same file twice adds nothing the second time.
    Import {
        /// Files to import.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
    },
    /// List, show, approve, reject, dismiss or restore suggestions.
    #[command(subcommand)]
    Suggestions(SuggestionsCommand),
    /// Fetch the last days of history from Home Assistant (needs
    /// homeassistant.url and a token), a day at a time, idempotently.
    Backfill {
        /// How many days back.
        #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..=365))]
        days: u32,
    },
}

#[derive(Debug, Subcommand)]
pub enum SuggestionsCommand {
    /// Suggestions, most confident first.
    List {
        /// Only the suggestions with this status.
        #[arg(long, value_parser = status_parser())]
        status: Option<SuggestionStatus>,
        /// Print them as JSON, with evidence and automation.
        #[arg(long)]
        json: bool,
    },
    /// One suggestion with its evidence and automation.
    Show {
        /// The suggestion's id (`habitd suggestions list` shows them).
        id: String,
        /// Print it as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Mark a suggestion approved (ready to deploy).
    Approve {
        /// The suggestion's id.
        id: String,
    },
    /// Never offer this suggestion again.
    Reject {
        /// The suggestion's id.
        id: String,
    },
    /// Hide a suggestion for now.
    Dismiss {
        /// The suggestion's id.
        id: String,
    },
    /// Undo a rejection or dismissal: offer the suggestion again.
    Restore {
        /// The suggestion's id.
        id: String,
    },
    /// Write an approved suggestion's automation to Home Assistant (needs
    /// homeassistant.url and an administrator's token).
    Deploy {
        /// The suggestion's id.
        id: String,
    },
    /// Remove the automation from Home Assistant again.
    Undeploy {
        /// The suggestion's id.
        id: String,
    },
}

/// `--status`: one of the statuses of the model, by name; anything else is
/// refused by clap with the list of possible values.
fn status_parser() -> impl clap::builder::TypedValueParser<Value = SuggestionStatus> {
    use clap::builder::{PossibleValuesParser, TypedValueParser};
    let names = SuggestionStatus::ALL.iter().map(|s| s.as_str());
    PossibleValuesParser::new(names).try_map(|name| name.parse::<SuggestionStatus>())
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::Cli;

    /// Every command and every argument of every command says what it is.
    #[test]
    fn every_command_and_argument_has_help_text() {
        fn check(command: &clap::Command, path: &str, missing: &mut Vec<String>) {
            let path = format!("{path} {}", command.get_name()).trim().to_owned();
            if command.get_about().is_none() && path != "habitd" {
                missing.push(path.clone());
            }
            for arg in command.get_arguments() {
                if arg.get_help().is_none() {
                    missing.push(format!("{path} {}", arg.get_id()));
                }
            }
            for sub in command.get_subcommands() {
                check(sub, &path, missing);
            }
        }
        let mut command = Cli::command();
        command.build();
        let mut missing = Vec::new();
        check(&command, "", &mut missing);
        assert!(missing.is_empty(), "no help text: {missing:?}");
        command.debug_assert();
    }
}
