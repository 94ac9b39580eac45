//! `habitd demo`: a sample home with a month of history in a database of
//! its own, the whole job run on it, and its suggestions printed — and,
//! when the configured broker answers, published under `habitd_demo/…` with
//! a "habitd demo" device in Home Assistant. Nothing of the user's own data
//! is touched.

use std::future::Future;
use std::sync::Arc;

use jiff::Timestamp;

use super::analyze::{AnalyzeReport, analyze};
use super::{CLI_CONNECT_TIMEOUT, out};
use crate::config::Config;
use crate::daemon::MQTT_GRACE;
use crate::db::{self, Db};
use crate::mqtt::{self, Publisher, Topics};

pub(super) async fn command(
    config: Config,
    seed: u64,
    shutdown: impl Future<Output = ()>,
) -> anyhow::Result<()> {
    let report = demo(config, seed, shutdown).await?;
    print(&report)
}

/// What `habitd demo` did.
#[derive(Debug)]
pub struct DemoReport {
    pub analysis: AnalyzeReport,
    pub suggestions: Vec<db::suggestions::Suggestion>,
    pub database: std::path::PathBuf,
    /// The base topic the demo published under, when a broker answered.
    pub published_under: Option<String>,
}

/// `habitd demo`: a sample home with a month of history in a database of its
/// own, the whole job run on it, and — when the configured broker answers —
/// its suggestions published under `habitd_demo/…` with a "habitd demo"
/// device in Home Assistant. Nothing of the user's own data is touched.
pub async fn demo(
    mut config: Config,
    seed: u64,
    shutdown: impl Future<Output = ()>,
) -> anyhow::Result<DemoReport> {
    let today = Timestamp::now()
        .to_zoned_datetime(jiff::tz::TimeZone::get("Europe/Berlin")?)
        .date();
    let start = today.checked_sub(jiff::Span::new().days(28))?;
    let home = crate::demo::household(seed, start);
    let database = std::env::temp_dir().join(format!("habitd-demo-{}.db", std::process::id()));
    std::fs::remove_file(&database).ok();
    config.database.path = database.clone();
    config.analysis.timezone = home.tz.clone();
    config.mqtt.base_topic = "habitd_demo".into();
    config.mqtt.client_id = format!("{}-demo", config.mqtt.client_id);
    config.homeassistant = None;
    config.analysis.schedule = None;
    {
        let db = Db::open_async(&config.database).await?;
        let tz = home.tz.clone();
        db.run(move |conn| {
            db::events::ensure_activity_time_zone(conn, &tz)?;
            let mut ids = db::events::EntityIds::new();
            for batch in home.records.chunks(5000) {
                db::events::write_batch(conn, &mut ids, batch, &tz)?;
            }
            db::events::replace_automations(
                conn,
                &[(
                    "demo_stairs".into(),
                    "automation.stairs".into(),
                    Some("Stairs light".into()),
                    Some(crate::demo::existing_automation()),
                )],
            )
        })
        .await?;
    }
    let analysis = analyze(config.clone(), shutdown).await?;
    let db = Db::open_async(&config.database).await?;
    let suggestions = db.run(|conn| db::suggestions::list(conn, None)).await?;
    let mut published_under = None;
    if analysis.published {
        let topics = Arc::new(Topics::new(&config.mqtt, &config.sources));
        if let Some(connection) =
            mqtt::connect_cli(&config.mqtt, topics.clone(), CLI_CONNECT_TIMEOUT).await?
        {
            let publisher = Publisher::new(connection.client().clone(), topics.clone());
            crate::surface::publish_once(publisher, db.clone()).await?;
            published_under = Some(topics.base().to_owned());
            connection.close(MQTT_GRACE).await;
        }
    }
    Ok(DemoReport {
        analysis,
        suggestions,
        database,
        published_under,
    })
}

fn print(report: &DemoReport) -> anyhow::Result<()> {
    out!("habitd demo: a sample home in Berlin, four weeks of history, analysed.\n");
    super::analyze::print(&report.analysis, false)?;
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
