//! `habitd demo`: a sample home with a month of history in a database of
//! its own, the whole job run on it, and its suggestions printed — and,
//! with `--publish`, published through the configured broker under
//! `habitd_demo/…` with a "habitd demo" device in Home Assistant (its
//! availability, select and selected suggestion included: closing the
//! connection sends what is queued before the disconnect). Without
//! `--publish` nothing leaves the machine. Nothing of the user's own data is
//! touched, and the demo's database is removed at the end.

use std::future::Future;
use std::sync::Arc;

use jiff::Timestamp;

use super::analyze::{AnalyzeReport, analyze};
use super::out;
use crate::config::Config;
use crate::daemon::MQTT_GRACE;
use crate::db::{self, Db};
use crate::mqtt::{Publisher, Topics};

pub(super) async fn command(
    config: Config,
    seed: u64,
    publish: bool,
    keep: Option<std::path::PathBuf>,
    shutdown: impl Future<Output = ()>,
) -> anyhow::Result<()> {
    let report = match &keep {
        Some(path) => {
            // A file of the user's is never overwritten.
            anyhow::ensure!(
                !path.exists(),
                "{} exists; --keep takes a new file",
                path.display()
            );
            demo_in(config, path, seed, publish, shutdown).await?
        }
        None => demo(config, seed, publish, shutdown).await?,
    };
    print(&report)?;
    if let Some(path) = keep {
        out!(
            "The demo's database is kept at {0}: HABITD__DATABASE__PATH={0} habitd run shows it on the review page.",
            path.display()
        );
    }
    Ok(())
}

/// What `habitd demo` did.
#[derive(Debug)]
pub struct DemoReport {
    pub analysis: AnalyzeReport,
    pub suggestions: Vec<db::suggestions::Suggestion>,
    /// Whether publishing was asked for.
    pub publish: bool,
    /// The base topic the demo published under, when a broker answered.
    pub published_under: Option<String>,
}

/// `habitd demo`: a sample home with a month of history in a database of its
/// own (removed at the end), the whole job run on it, and — with `publish`,
/// when the configured broker answers — its suggestions published under
/// `habitd_demo/…` with a "habitd demo" device in Home Assistant.
pub async fn demo(
    config: Config,
    seed: u64,
    publish: bool,
    shutdown: impl Future<Output = ()>,
) -> anyhow::Result<DemoReport> {
    let database = std::env::temp_dir().join(format!("habitd-demo-{}.db", std::process::id()));
    let outcome = demo_in(config, &database, seed, publish, shutdown).await;
    remove_database(&database);
    outcome
}

/// Removes the demo's database with its WAL, shared-memory, import and
/// job lock files.
fn remove_database(database: &std::path::Path) {
    for suffix in ["", "-wal", "-shm"] {
        let mut path = database.as_os_str().to_owned();
        path.push(suffix);
        std::fs::remove_file(path).ok();
    }
    std::fs::remove_file(crate::db::staging::path_for(database)).ok();
    std::fs::remove_file(crate::job::lock::path_for(database)).ok();
}

async fn demo_in(
    mut config: Config,
    database: &std::path::Path,
    seed: u64,
    publish: bool,
    shutdown: impl Future<Output = ()>,
) -> anyhow::Result<DemoReport> {
    let today = Timestamp::now()
        .to_zoned_datetime(jiff::tz::TimeZone::get("Europe/Berlin")?)
        .date();
    let start = today.checked_sub(jiff::Span::new().days(28))?;
    let home = crate::demo::household(seed, start);
    remove_database(database);
    config.database.path = database.to_path_buf();
    config.analysis.timezone = home.tz.clone();
    config.mqtt.base_topic = "habitd_demo".into();
    config.mqtt.client_id = format!("{}-demo", config.mqtt.client_id);
    config.homeassistant = None;
    config.analysis.schedule = None;
    {
        let db = Db::open_async(&config.database).await?;
        db.run(move |conn| {
            let mut ids = db::events::EntityIds::new();
            for batch in home.records.chunks(5000) {
                db::events::write_batch(conn, &mut ids, batch)?;
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
    let analysis = analyze(config.clone(), publish, shutdown).await?;
    let db = Db::open_async(&config.database).await?;
    let suggestions = db.run(|conn| db::suggestions::list(conn, None)).await?;
    let mut published_under = None;
    if analysis.published {
        let topics = Arc::new(Topics::new(&config.mqtt, &config.sources));
        if let Some(connection) = super::analyze::connect(&config, topics.clone()).await? {
            let publisher = Publisher::new(connection.client().clone(), topics.clone());
            let settings = crate::surface::Settings {
                ha: None,
                policy: None,
                discovery: config.discovery,
            };
            crate::surface::publish_once(publisher, db.clone(), settings).await?;
            published_under = Some(topics.base().to_owned());
            connection.close(MQTT_GRACE).await;
        }
    }
    Ok(DemoReport {
        analysis,
        suggestions,
        publish,
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
    match (&report.published_under, report.publish) {
        (Some(base), _) => out!(
            "\nPublished to your MQTT broker under {base}/: Home Assistant shows a \"habitd demo\" device with these suggestions."
        ),
        (None, true) => out!(
            "\nNo MQTT broker answered, so nothing was published; set HABITD__MQTT__HOST to see them in Home Assistant."
        ),
        (None, false) => out!(
            "\nNothing was published. `habitd demo --publish` shows these suggestions in Home Assistant through your MQTT broker."
        ),
    }
    out!("Next: point habitd at your own home (README: Configure) and run `habitd run`.");
    Ok(())
}
