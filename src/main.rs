//! The `habitd` binary: parse the command line, set up logging, load the
//! configuration, hand over to the library, and turn the outcome into an exit
//! code. Everything else lives in the library so tests can call it.

#![forbid(unsafe_code)]

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;
use habitd::cli::{Cli, Command};
use habitd::{app, config, shutdown};
use tracing_subscriber::EnvFilter;

/// `println!` for the commands' output, except that a reader who stops
/// reading (`habitd suggestions list | head`) ends habitd quietly, as it
/// would any Unix tool, instead of a panic about a broken pipe.
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        if let Err(e) = writeln!(std::io::stdout(), $($arg)*) {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                std::process::exit(0);
            }
            eprintln!("habitd: cannot write the output: {e}");
            std::process::exit(1);
        }
    }};
}

/// sysexits' EX_CONFIG: the packaged systemd unit does not restart on it,
/// because a bad configuration stays bad until someone edits it.
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
    let config = loaded.config;

    if let Command::CheckConfig = cli.command {
        return match toml::to_string_pretty(&config) {
            Ok(text) => {
                out!("# habitd: configuration is valid; effective values:\n{text}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("habitd: cannot print the configuration: {e}");
                ExitCode::FAILURE
            }
        };
    }

    match &cli.command {
        Command::Suggestions(command) => return suggestions(&config, command),
        Command::Import { files } => return import(|p| app::import(&config, files, p)),
        Command::Backfill { days } => return import(|p| app::backfill(&config, *days, p)),
        _ => {}
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
    let outcome = runtime.block_on(async {
        match cli.command {
            Command::Run => app::run(config, shutdown::signal()).await,
            Command::Analyze { json } => {
                let report = app::analyze(config, shutdown::signal()).await?;
                print_analysis(&report, json)?;
                anyhow::ensure!(
                    report.status.state != habitd::job::JobState::Failed,
                    "the analysis failed: {}",
                    report
                        .status
                        .error
                        .as_deref()
                        .unwrap_or("no reason recorded")
                );
                Ok(())
            }
            Command::Demo { seed } => {
                let report = app::demo(config, seed, shutdown::signal()).await?;
                print_demo(&report)
            }
            Command::CheckConfig
            | Command::Import { .. }
            | Command::Backfill { .. }
            | Command::Suggestions(_) => Ok(()),
        }
    });
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e:#}");
            eprintln!("habitd: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// `habitd suggestions …`: reads and decisions on the database directly.
fn suggestions(
    config: &habitd::config::Config,
    command: &habitd::cli::SuggestionsCommand,
) -> ExitCode {
    use habitd::cli::SuggestionsCommand as C;
    use habitd::db::suggestions::{self, Decision};
    let run = || -> anyhow::Result<()> {
        let db = habitd::db::Db::open(&config.database)?;
        let conn = db.get()?;
        match command {
            C::List { status, json } => {
                let list = suggestions::list(&conn, status.as_deref())?;
                if *json {
                    out!("{}", serde_json::to_string_pretty(&list)?);
                } else if list.is_empty() {
                    out!(
                        "no suggestions{}",
                        status
                            .as_ref()
                            .map(|s| format!(" with status {s}"))
                            .unwrap_or_default()
                    );
                }
                if !*json {
                    for s in &list {
                        out!(
                            "{:<9} {:>4.0} %  {}  {}",
                            s.status,
                            s.confidence * 100.0,
                            s.id,
                            s.title
                        );
                    }
                }
            }
            C::Show { id, json } => {
                let Some(s) = suggestions::get(&conn, id)? else {
                    anyhow::bail!("no suggestion {id:?} (habitd suggestions list shows them)");
                };
                if *json {
                    out!("{}", serde_json::to_string_pretty(&s)?);
                } else {
                    out!(
                        "{}\n{}\n\nstatus: {}   confidence: {:.0} %   kind: {}   worded by: {}",
                        s.title,
                        s.description,
                        s.status,
                        s.confidence * 100.0,
                        s.kind,
                        s.worded_by
                    );
                    if let Some(error) = &s.error {
                        out!("last deploy error: {error}");
                    }
                    match &s.automation_yaml {
                        Some(yaml) => out!("\nautomation:\n{yaml}"),
                        None => out!("\n(advice: no automation)"),
                    }
                    out!("evidence: {}", serde_json::to_string(&s.evidence)?);
                }
            }
            C::Deploy { id } | C::Undeploy { id } => {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()?;
                let ha = config.homeassistant.as_ref();
                if let C::Deploy { .. } = command {
                    let s = runtime.block_on(habitd::deploy::deploy(&db, ha, id))?;
                    out!("{} is deployed to Home Assistant", s.id);
                } else {
                    runtime.block_on(habitd::deploy::undeploy(&db, ha, id))?;
                    out!("{id} was removed from Home Assistant");
                }
            }
            C::Approve { id } | C::Reject { id } | C::Dismiss { id } => {
                let decision = match command {
                    C::Approve { .. } => Decision::Approve,
                    C::Reject { .. } => Decision::Reject,
                    _ => Decision::Dismiss,
                };
                let s = suggestions::decide(&conn, id, decision)?;
                out!("{} is now {}", s.id, s.status);
            }
        }
        Ok(())
    };
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("habitd: {e:#}");
            ExitCode::FAILURE
        }
    }
}

type Progress<'a> = &'a mut dyn FnMut(&habitd::ingest::import::ImportReport);

/// Runs an import or a backfill with progress on a terminal and a summary.
fn import(
    run: impl FnOnce(Progress<'_>) -> anyhow::Result<habitd::ingest::import::ImportReport>,
) -> ExitCode {
    let started = std::time::Instant::now();
    let terminal = std::io::stderr().is_terminal();
    let mut last_shown = started;
    let mut progress = |report: &habitd::ingest::import::ImportReport| {
        if terminal && last_shown.elapsed().as_millis() >= 250 {
            last_shown = std::time::Instant::now();
            // Everything is read first, then stored in time order.
            let stored = report.stored + report.duplicates;
            if stored == 0 {
                let rate = report.read as f64 / started.elapsed().as_secs_f64().max(1e-3);
                eprint!("\rreading: {} changes ({rate:.0}/s)   ", report.read);
            } else {
                eprint!(
                    "\rstoring in time order: {stored} of {} ({} new)   ",
                    report.read - report.filtered,
                    report.stored
                );
            }
        }
    };
    let outcome = run(&mut progress);
    if terminal {
        eprintln!();
    }
    match outcome {
        Ok(r) => {
            let seconds = started.elapsed().as_secs_f64();
            out!(
                "imported in {seconds:.1} s: {} state changes read, {} new, {} already stored, \
                 {} filtered out, {} unreadable",
                r.read,
                r.stored,
                r.duplicates,
                r.filtered,
                r.malformed
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("habitd: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn print_demo(report: &app::DemoReport) -> anyhow::Result<()> {
    out!("habitd demo: a sample home in Berlin, four weeks of history, analysed.\n");
    print_analysis(&report.analysis, false)?;
    out!("\n{} suggestions:", report.suggestions.len());
    for s in &report.suggestions {
        out!(
            "\n### {}  ({:.0} % confident, {})\n{}",
            s.title,
            s.confidence * 100.0,
            s.id,
            s.description
        );
        if let Some(yaml) = &s.automation_yaml {
            out!("\n{yaml}");
        }
    }
    out!("\nThe demo's database: {}", report.database.display());
    match &report.published_under {
        Some(base) => out!(
            "Published to your MQTT broker under {base}/: Home Assistant shows a \"habitd\" device with these suggestions."
        ),
        None => out!(
            "No MQTT broker answered, so nothing was published; set HABITD__MQTT__HOST to see them in Home Assistant."
        ),
    }
    out!("Next: point habitd at your own home (README: Configure) and run `habitd run`.");
    Ok(())
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

fn print_analysis(report: &app::AnalyzeReport, json: bool) -> anyhow::Result<()> {
    let status = &report.status;
    if json {
        let mut value = serde_json::to_value(status)?;
        let findings: Vec<serde_json::Value> = report
            .findings
            .iter()
            .map(|(kind, evidence)| serde_json::json!({ "kind": kind, "evidence": evidence }))
            .collect();
        value["findings"] = serde_json::Value::Array(findings);
        out!("{}", serde_json::to_string_pretty(&value)?);
        return Ok(());
    }
    out!("job {}: {}", status.job_id, status.state);
    if let Some(duration) = status.duration() {
        out!("  took {} ms", duration.as_millis());
    }
    for (phase, ms) in &status.phase_durations_ms {
        out!("  {phase:<12} {ms} ms");
    }
    for (what, n) in &status.counts {
        out!("  {what}: {n}");
    }
    if let Some(error) = &status.error {
        out!("  error: {error}");
    }
    if !report.published {
        out!("  (no MQTT broker reachable: status not published)");
    }
    if !report.findings.is_empty() {
        out!("\nfound:");
    }
    for (kind, e) in &report.findings {
        out!("  {}", describe(kind, e));
    }
    Ok(())
}

/// One line a person can read for a stored finding.
fn describe(kind: &str, e: &serde_json::Value) -> String {
    let s = |key: &str| e[key].as_str().unwrap_or("?").to_owned();
    let f = |key: &str| e[key].as_f64().unwrap_or(f64::NAN);
    match kind {
        "routine" => format!(
            "routine   {} → {} at {} ± {:.0} min on {} ({} of {} days)",
            s("entity_id"),
            s("state"),
            s("time"),
            f("spread_minutes"),
            s("days"),
            e["days_observed"],
            e["days_in_class"]
        ),
        "sequence" => {
            let window = match e["time_window"].as_array() {
                Some(w) => format!(
                    ", {}–{}",
                    w[0].as_str().unwrap_or("?"),
                    w[1].as_str().unwrap_or("?")
                ),
                None => String::new(),
            };
            format!(
                "sequence  {} → {} then {} → {} after {:.0} s (median), {} times, {:.0} % of the time{window}, z = {:.1}",
                s("trigger_entity"),
                s("trigger_state"),
                s("action_entity"),
                s("action_state"),
                f("delay_median_s"),
                e["occurrences"],
                f("follows") * 100.0,
                f("z")
            )
        }
        "synergy" => format!(
            "synergy   {} could drive {} ({}, {})",
            s("trigger_entity"),
            s("action_entity"),
            s("kind"),
            s("area")
        ),
        _ => format!(
            "unused    {} of {} ({})",
            s("property"),
            s("device"),
            s("name")
        ),
    }
}
