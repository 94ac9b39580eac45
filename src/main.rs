//! The `habitd` binary: parse the command line, load the configuration, set
//! up logging, run the command on one async runtime, and turn the outcome
//! into an exit code. Everything else lives in the library so tests can call
//! it.

#![forbid(unsafe_code)]

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;
use habitd::cli::Cli;
use habitd::commands::{self, OutputClosed};
use habitd::config;
use tracing_subscriber::EnvFilter;

/// sysexits' EX_CONFIG: the packaged systemd unit does not restart on it,
/// because a bad configuration (or a database path that cannot be opened)
/// stays bad until someone acts.
const EXIT_CONFIG: u8 = 78;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let loaded = match config::load(cli.config.as_deref()) {
        Ok(loaded) => loaded,
        Err(e) => {
            eprintln!("habitd: invalid configuration: {e}");
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    init_logging(&loaded.config.log.level);
    for key in &loaded.unknown_keys {
        tracing::warn!(key, "unknown configuration key ignored (a typo?)");
    }

    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("habitd: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let outcome = runtime.block_on(commands::run(cli.command, loaded.config));
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        // A reader that stops reading (`habitd suggestions list | head`)
        // ends habitd quietly, as it would any Unix tool.
        Err(e) if e.is::<OutputClosed>() => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e:#}");
            eprintln!("habitd: {e:#}");
            // A database that cannot be opened stays so until someone acts.
            if e.chain().any(|cause| cause.is::<habitd::db::OpenError>()) {
                ExitCode::from(EXIT_CONFIG)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}

fn init_logging(level: &str) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(level));
    // Colours only on a terminal: journald and log files get plain text.
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
}
