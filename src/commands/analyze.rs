//! `habitd analyze`: one analysis now, its status published when a broker
//! answers, and a summary of what it found.
//!
//! Whether a broker is there is first asked with a plain TCP connect, so a
//! refused connection (no broker on this machine) is known at once instead of
//! after the MQTT client's retries.

use std::future::Future;
use std::sync::Arc;

use tokio::sync::{Notify, watch};
use tokio_util::sync::CancellationToken;

use super::{CLI_CONNECT_TIMEOUT, out};
use crate::analysis::Finding;
use crate::analysis::routines::DayClass;
use crate::config::Config;
use crate::daemon::MQTT_GRACE;
use crate::db::{self, Db};
use crate::job::runner::Runner;
use crate::model::{JobState, JobStatus, Trigger};
use crate::mqtt::{self, Publisher, Role, Topics};
use crate::pipeline::Settings;

pub(super) async fn command(
    config: Config,
    json: bool,
    shutdown: impl Future<Output = ()>,
) -> anyhow::Result<()> {
    let report = analyze(config, true, shutdown).await?;
    print(&report, json)?;
    anyhow::ensure!(
        report.status.state != JobState::Failed,
        "the analysis failed: {}",
        report
            .status
            .error
            .as_deref()
            .unwrap_or("no reason recorded")
    );
    Ok(())
}

/// What `habitd analyze` reports.
#[derive(Debug)]
pub struct AnalyzeReport {
    pub status: JobStatus,
    /// Whether the job's status went out over MQTT.
    pub published: bool,
    /// What the analysis found, as stored.
    pub findings: Vec<Finding>,
}

/// Runs one job now against the configured database, publishing its status
/// (with `publish`) when a broker answers and skipping that (and saying so)
/// when none does.
pub async fn analyze(
    config: Config,
    publish: bool,
    shutdown: impl Future<Output = ()>,
) -> anyhow::Result<AnalyzeReport> {
    let db = Db::open_async(&config.database).await?;
    let topics = Arc::new(Topics::new(&config.mqtt, &config.sources));
    let connection = if publish {
        connect(&config, topics.clone()).await?
    } else {
        None
    };
    let reachable = connection.is_some();
    if publish && !reachable {
        tracing::warn!(
            broker = format!("{}:{}", config.mqtt.host, config.mqtt.port),
            "MQTT broker not reachable: the job status will not be published"
        );
    }

    let cancel = CancellationToken::new();
    let (status_tx, status_rx) = watch::channel(None);
    let publisher = connection
        .as_ref()
        .map(|c| Publisher::new(c.client().clone(), topics));
    let forwarding = publisher.clone().map(|publisher| {
        tokio::spawn(mqtt::forward_status(
            publisher,
            Role::Cli,
            status_rx.clone(),
            Arc::new(Notify::new()),
            cancel.clone(),
        ))
    });

    let runner = Runner::new(db.clone(), status_tx, Settings::new(&config));
    let job = runner.run(Trigger::Cli, &cancel);
    tokio::pin!(job, shutdown);
    let status = tokio::select! {
        status = &mut job => status?,
        () = &mut shutdown => {
            cancel.cancel();
            job.await?
        }
    };

    cancel.cancel();
    if let Some(task) = forwarding {
        task.await.ok();
    }
    if let Some(publisher) = &publisher
        && let Err(e) = publisher.job_status(&status).await
    {
        tracing::warn!(error = %e, "could not publish the final job status");
    }
    if let Some(connection) = connection {
        connection.close(MQTT_GRACE).await;
    }
    let findings = db.run(|conn| db::findings::list(conn)).await?;
    Ok(AnalyzeReport {
        status,
        published: reachable,
        findings,
    })
}

/// Connects to the configured broker, or gives up: at once when nothing
/// listens there, after [`CLI_CONNECT_TIMEOUT`] when the broker does not
/// answer.
pub(super) async fn connect(
    config: &Config,
    topics: Arc<Topics>,
) -> anyhow::Result<Option<mqtt::Connection>> {
    let address = (config.mqtt.host.as_str(), config.mqtt.port);
    match tokio::time::timeout(CLI_CONNECT_TIMEOUT, tokio::net::TcpStream::connect(address)).await {
        Ok(Ok(_probe)) => {}
        Ok(Err(e)) => {
            tracing::debug!(error = %e, "no MQTT broker listens at the configured address");
            return Ok(None);
        }
        Err(_) => return Ok(None),
    }
    mqtt::connect_cli(&config.mqtt, topics, CLI_CONNECT_TIMEOUT).await
}

/// Prints a report: the job's status and a line per finding, or JSON.
pub(super) fn print(report: &AnalyzeReport, json: bool) -> anyhow::Result<()> {
    let status = &report.status;
    if json {
        let mut value = serde_json::to_value(status)?;
        let findings = report
            .findings
            .iter()
            .map(|f| {
                Ok(serde_json::json!({ "kind": f.kind(), "evidence": serde_json::to_value(f)? }))
            })
            .collect::<serde_json::Result<Vec<_>>>()?;
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
    if status.counts.get("events") == Some(&0) {
        out!(
            "\nThere are no events to analyse yet. `habitd backfill --days 30` fetches Home \
             Assistant's history, `habitd import FILE` reads a saved one, or let `habitd run` \
             record for a week or two."
        );
    }
    if !report.findings.is_empty() {
        out!("\nfound:");
    }
    for finding in &report.findings {
        out!("  {}", describe(finding));
    }
    Ok(())
}

/// One line a person can read for a finding.
fn describe(finding: &Finding) -> String {
    match finding {
        Finding::Routine(r) => {
            let end = match &r.end {
                Some(e) => match e.after_minutes {
                    Some(after) => format!(", → {} {after:.0} min later", e.state),
                    None => format!(", → {} at {}", e.state, e.time),
                },
                None => String::new(),
            };
            format!(
                "routine   {} → {} at {} ± {:.1} min {} ({} of {} days, {} exceptions){end}",
                r.entity_id,
                r.state,
                r.time,
                r.spread_minutes,
                match r.days {
                    DayClass::All => "every day",
                    DayClass::Weekdays => "on weekdays",
                    DayClass::Weekends => "at weekends",
                },
                r.days_observed,
                r.days_in_class,
                r.exceptions
            )
        }
        Finding::Sequence(s) => {
            let window = match &s.time_window {
                Some((after, before)) => format!(", {after}–{before}"),
                None => String::new(),
            };
            let release = match &s.release {
                Some(r) => format!(
                    ", undone by {} → {} after {:.0} s",
                    r.trigger_state, r.action_state, r.delay_median_s
                ),
                None => String::new(),
            };
            format!(
                "sequence  {} → {} then {} → {} after {:.0} s (median), {} times on {} days, {:.0} % of the time{window}, z = {:.1}{release}",
                s.trigger_entity,
                s.trigger_state,
                s.action_entity,
                s.action_state,
                s.delay_median_s,
                s.occurrences,
                s.days,
                s.follows * 100.0,
                s.z
            )
        }
        Finding::Synergy(y) => format!(
            "synergy   {} could drive {} ({}, {})",
            y.trigger_entity, y.action_entity, y.kind, y.area
        ),
        Finding::UnusedFeature(f) => {
            format!("unused    {} of {} ({})", f.property, f.device, f.name)
        }
    }
}
