//! The commands of the `habitd` binary, one file each; [`run`] dispatches.
//!
//! Every command is an async function on the one runtime `main` builds;
//! blocking work (imports, SQLite) goes to the blocking pool. Commands print
//! with [`out!`], which turns a reader that went away (`habitd … | head`)
//! into [`OutputClosed`], so `main` can end quietly as any Unix tool would.

pub mod analyze;
pub mod check_config;
pub mod demo;
pub mod explain;
pub mod import;
pub mod suggestions;

use std::fmt;
use std::time::Duration;

use crate::cli::Command;
use crate::config::Config;
use crate::shutdown;

/// How long `habitd analyze` and `habitd demo` wait to find out whether a
/// broker is there.
const CLI_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The reader of habitd's output went away: not an error worth a message.
#[derive(Debug, thiserror::Error)]
#[error("the output was closed")]
pub struct OutputClosed;

/// `println!` that returns an error instead of panicking when stdout is
/// closed; use it in functions returning `anyhow::Result`.
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::commands::write_line(format_args!($($arg)*))?
    };
}
pub(crate) use out;

pub(crate) fn write_line(line: fmt::Arguments<'_>) -> anyhow::Result<()> {
    use std::io::Write as _;
    match writeln!(std::io::stdout().lock(), "{line}") {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Err(OutputClosed.into()),
        Err(e) => Err(anyhow::Error::new(e).context("cannot write the output")),
    }
}

/// Runs `command` until it is done. The commands that run for a while stop
/// cleanly on SIGTERM or SIGINT; their handlers are installed first thing,
/// so a signal during start-up is a clean stop too. The others keep the
/// default: Ctrl-C ends them.
pub async fn run(command: Command, config: Config) -> anyhow::Result<()> {
    match command {
        Command::Run => crate::daemon::run(config, shutdown::signal()).await,
        Command::Analyze { json } => analyze::command(config, json, shutdown::signal()).await,
        Command::Demo {
            seed,
            publish,
            keep,
        } => demo::command(config, seed, publish, keep, shutdown::signal()).await,
        Command::CheckConfig { show_secrets } => check_config::command(&config, show_secrets),
        Command::Explain { entity } => explain::command(config, entity).await,
        Command::Import { files } => import::import_command(config, files).await,
        Command::Backfill { days } => import::backfill_command(config, days).await,
        Command::Suggestions(command) => suggestions::command(&config, command).await,
    }
}
