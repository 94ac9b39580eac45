//! The jobs page (each analysis run: state, phases with their durations,
//! counts, errors, and "Analyze now") and what habitd records (events per
//! day, who caused them, the entities and how busy each is).

use axum::Form;
use axum::extract::State;
use axum::response::Response;
use jiff::Timestamp;
use maud::html;
use serde::Deserialize;

use super::layout::{self, Nav, duration_ms, when};
use super::{App, Failure, charts, html, see_other};
use crate::db;
use crate::model::{Origin, Trigger};

/// Jobs listed on the page: two weeks of daily runs and a few by hand.
const JOBS_SHOWN: u32 = 20;
/// Entities listed; a home has a few hundred.
const ENTITIES_SHOWN: usize = 500;

pub async fn jobs(State(app): State<App>) -> Result<Response, Failure> {
    let jobs = app
        .db
        .run(|conn| db::jobs::recent(conn, JOBS_SHOWN))
        .await?;
    let body = html! {
        h1 { "Analysis jobs" }
        form method="post" action="analyze" {
            input type="hidden" name="csrf" value=(app.guard.csrf());
            button.primary type="submit" { "Analyze now" }
        }
        @if jobs.is_empty() { p.muted { "No analysis has run yet." } }
        @for job in &jobs {
            section.card {
                h2 { "Job " (job.job_id) " · " (job.state.as_str())
                    @if !job.state.is_final() {
                        @if let Some(phase) = job.phase { " · " (phase.as_str()) }
                        " · " (job.progress) " %"
                    } }
                p.muted {
                    "Started by " (job.trigger.as_str()) ", queued " (when(job.queued_at, &app.tz))
                    @if let (Some(start), Some(end)) = (job.started_at, job.finished_at) {
                        ", took " (duration_ms(end.as_millisecond() - start.as_millisecond()))
                    }
                }
                @if let Some(error) = &job.error { p.alert { (error) } }
                @if !job.phase_durations_ms.is_empty() {
                    div.scroll { table.narrow {
                        tr { th { "Phase" } th.num { "Duration" } }
                        @for (phase, ms) in &job.phase_durations_ms {
                            tr { td { (phase.as_str()) } td.num { (duration_ms(i64::try_from(*ms).unwrap_or(i64::MAX))) } }
                        }
                    } }
                }
                @if !job.counts.is_empty() {
                    dl.facts { @for (what, n) in &job.counts { dt { (what) } dd { (n) } } }
                }
            }
        }
    };
    // While a job waits or runs, the page follows it.
    let busy = jobs.iter().any(|j| !j.state.is_final());
    Ok(html(layout::page_refreshing(
        "Jobs",
        Nav::Jobs,
        busy.then_some(2),
        body,
    )))
}

#[derive(Debug, Deserialize)]
pub struct AnalyzeForm {
    csrf: String,
}

/// "Analyze now": the same request as the MQTT button's.
pub async fn analyze(
    State(app): State<App>,
    Form(form): Form<AnalyzeForm>,
) -> Result<Response, Failure> {
    if !app.guard.form_is_ours(&form.csrf) {
        return Err(Failure::BadRequest(
            "This form is out of date (habitd restarted). Reload the page and try again.".into(),
        ));
    }
    app.triggers.request(Trigger::Command);
    Ok(see_other("jobs".into()))
}

pub async fn recorded(State(app): State<App>) -> Result<Response, Failure> {
    let now = Timestamp::now();
    let since = now - jiff::SignedDuration::try_from(app.window).map_err(anyhow::Error::from)?;
    let tz = app.tz.clone();
    let (days, origins, entities, devices) = app
        .db
        .run(move |conn| {
            Ok((
                db::recorded::events_per_day(conn, since, &tz)?,
                db::recorded::by_origin(conn, since)?,
                db::recorded::entities(conn, since)?,
                db::recorded::device_count(conn)?,
            ))
        })
        .await?;
    let days = every_day(
        &days,
        app.tz.to_datetime(since).date(),
        app.tz.to_datetime(now).date(),
    );
    let total: u64 = days.iter().map(|(_, n)| n).sum();
    let body = html! {
        h1 { "What habitd records" }
        section.card {
            h2 { "Events per day" }
            p.muted { (total) " state changes in the analysis window, from " (entities.iter().filter(|e| e.events > 0).count()) " entities." }
            (charts::per_day(&days))
        }
        section.card {
            h2 { "Who caused them" }
            dl.facts {
                @for (origin, n) in &origins { dt { (origin_name(*origin)) } dd { (n) } }
                dt { "Zigbee2MQTT devices known" } dd { (devices) }
            }
            h2 { "Sources habitd listens to" }
            dl.facts {
                @for (what, topic) in &app.sources { dt { (what) } dd { code { (topic) } } }
            }
            p.muted { "What automations did is kept but never suggested: it is automated already." }
        }
        section.card {
            h2 { "Entities" }
            div.scroll { table {
                tr { th { "Entity" } th { "Area" } th.num { "Changes" } th { "Last" } }
                @for e in entities.iter().take(ENTITIES_SHOWN) {
                    tr {
                        td { (e.friendly_name.as_deref().unwrap_or(&e.entity_id)) br; span.muted { (e.entity_id) } }
                        td { (e.area.as_deref().unwrap_or("")) }
                        td.num { (e.events) }
                        td.muted { (e.last_seen.map(|t| when(t, &app.tz)).unwrap_or_default()) }
                    }
                }
            } }
        }
    };
    Ok(html(layout::page("Recorded", Nav::Recorded, body)))
}

fn origin_name(origin: Origin) -> &'static str {
    match origin {
        Origin::User => "People (through Home Assistant)",
        Origin::Device => "Devices and people at the device",
        Origin::Automation => "Automations and scripts",
    }
}

/// Every day from `first` to `last`, with the counts of `days` (0 where none).
fn every_day(
    days: &[(jiff::civil::Date, u64)],
    first: jiff::civil::Date,
    last: jiff::civil::Date,
) -> Vec<(jiff::civil::Date, u64)> {
    first
        .series(jiff::Span::new().days(1))
        .take_while(|d| *d <= last)
        .map(|d| {
            (
                d,
                days.iter()
                    .find(|(day, _)| *day == d)
                    .map_or(0, |(_, n)| *n),
            )
        })
        .collect()
}
