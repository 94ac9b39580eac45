//! Wiring: the daemon ([`run`]) and a one-off analysis ([`analyze`]).
//!
//! Both take every external resource through the [`Config`] and a shutdown
//! future, so integration tests call exactly what `main` calls.
//!
//! The daemon's tasks: the MQTT connection (polls, decodes, forwards), the
//! status publisher, the job runner and the schedule. This function's own
//! loop routes deliveries from MQTT to the job queue, and watches the tasks:
//! one that ends on its own (a bug) stops the daemon in an orderly way and
//! with an error, so that systemd or the Supervisor restarts it, rather than
//! leaving it running without, say, its schedule. Shutdown goes in three
//! steps: tell every task (one [`CancellationToken`]), wait for them (a
//! [`JoinSet`]; the runner records an interrupted job as failed), then
//! publish the final status and `offline`, disconnect, and close the pool.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use jiff::Timestamp;
use tokio::sync::{Notify, mpsc, watch};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::config::Config;
use crate::db::{self, Db};
use crate::ingest::import::{ImportReport, Importer};
use crate::ingest::writer::Writer;
use crate::ingest::{Filter, Ingest};
use crate::job::lock::{self, JobLock};
use crate::job::runner::{Runner, Triggers};
use crate::job::{JobStatus, Trigger, schedule};
use crate::mqtt::{self, Command, Delivery, HomeAssistantStatus, Inbound, Publisher, Role, Topics};

/// How long shutdown waits for the broker to take the last messages.
const MQTT_GRACE: Duration = Duration::from_secs(3);

/// How long `habitd analyze` waits to find out whether a broker is there.
const CLI_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Runs the daemon until `shutdown` completes.
pub async fn run(config: Config, shutdown: impl Future<Output = ()>) -> anyhow::Result<()> {
    let db = open_db(&config).await?;
    recover_interrupted_jobs(&db).await?;
    let latest = db.run(|conn| db::jobs::latest(conn)).await?;
    align_activity_time_zone(&db, &config).await?;

    let (records, writer_rx) = Writer::channel(config.ingest.queue_size);
    let writer = tokio::spawn(
        Writer::new(
            db.clone(),
            config.analysis.timezone.clone(),
            config.ingest.batch_size,
            config.ingest.flush_interval,
        )
        .run(writer_rx),
    );
    let mut ingest = Ingest::new(Filter::new(&config.ingest));

    let topics = Arc::new(Topics::new(&config.mqtt, &config.sources));
    let (deliveries_tx, mut deliveries) = mpsc::channel(256);
    let connection =
        mqtt::Connection::spawn(&config.mqtt, topics.clone(), Role::Daemon, deliveries_tx)?;
    let publisher = Publisher::new(connection.client().clone(), topics);

    let cancel = CancellationToken::new();
    let mut tasks = JoinSet::new();
    let (status_tx, status_rx) = watch::channel(latest);
    let (triggers, requests) = Triggers::channel();
    let connected = Arc::new(Notify::new());
    let (surface, surface_events) = mpsc::channel(64);
    supervise(
        &mut tasks,
        "the Home Assistant surface",
        crate::surface::run(
            publisher.clone(),
            db.clone(),
            config.homeassistant.clone(),
            surface_events,
            status_rx.clone(),
            cancel.clone(),
        ),
    );
    let tell_surface = |event: crate::surface::Event| {
        if surface.try_send(event).is_err() {
            tracing::warn!("Home Assistant updates are behind; a command was dropped");
        }
    };

    supervise(
        &mut tasks,
        "the job runner",
        Runner::new(db.clone(), status_tx, settings(&config)).serve(requests, cancel.clone()),
    );
    supervise(
        &mut tasks,
        "the status publisher",
        mqtt::forward_status(
            publisher.clone(),
            Role::Daemon,
            status_rx.clone(),
            connected.clone(),
            cancel.clone(),
        ),
    );
    if let Some(at) = config.analysis.schedule {
        supervise(
            &mut tasks,
            "the schedule",
            schedule::run(
                at,
                config.analysis.timezone.clone(),
                triggers.clone(),
                cancel.clone(),
            ),
        );
    }
    tracing::info!(database = %db.path().display(), "habitd is running");

    tokio::pin!(shutdown);
    let mut failure = None;
    'serve: loop {
        let delivery = tokio::select! {
            () = &mut shutdown => break,
            Some(ended) = tasks.join_next() => {
                let what = match ended {
                    Ok(name) => format!("{name} ended unexpectedly"),
                    Err(e) => format!("a task failed: {e}"),
                };
                tracing::error!("{what}; stopping");
                failure = Some(what);
                break;
            }
            delivery = deliveries.recv() => delivery,
        };
        match delivery {
            Some(Delivery::Connected) => {
                connected.notify_one();
                tell_surface(crate::surface::Event::Announce { delay: false });
            }
            Some(Delivery::Message(Inbound::Command(Command::Analyze))) => {
                triggers.request(Trigger::Command);
            }
            Some(Delivery::Message(Inbound::HomeAssistant(HomeAssistantStatus::Online))) => {
                tracing::info!("Home Assistant is online: announcing habitd again");
                tell_surface(crate::surface::Event::Announce { delay: true });
            }
            Some(Delivery::Message(Inbound::Command(Command::Decide { id, action }))) => {
                tell_surface(crate::surface::Event::Decide { id, action });
            }
            Some(Delivery::Message(Inbound::Command(Command::Select(option)))) => {
                tell_surface(crate::surface::Event::Select(option));
            }
            Some(Delivery::Message(Inbound::HomeAssistant(HomeAssistantStatus::Offline))) => {
                tracing::info!("Home Assistant went offline");
            }
            Some(Delivery::Message(Inbound::Observed(observation))) => {
                for record in ingest.observe(observation) {
                    // Waiting here when the writer is behind is the
                    // backpressure: MQTT reading pauses until it catches up.
                    if records.send(record).await.is_err() {
                        let what = "the event writer stopped";
                        tracing::error!("{what}; stopping");
                        failure = Some(what.to_owned());
                        break 'serve;
                    }
                }
            }
            None => {
                let what = "the MQTT connection task ended unexpectedly";
                tracing::error!("{what}; stopping");
                failure = Some(what.to_owned());
                break;
            }
        }
    }

    tracing::info!("shutting down");
    cancel.cancel();
    while let Some(ended) = tasks.join_next().await {
        if let Err(e) = ended {
            tracing::error!(error = %e, "a task failed while stopping");
        }
    }
    // Nothing reads deliveries from here on; dropping the receiver lets the
    // connection task drop them instead of waiting for room.
    drop(deliveries);
    // Closing the writer's channel makes it write what it holds, then end.
    drop(records);
    match writer.await {
        Ok(stats) => tracing::info!(
            stored = stats.stored,
            events = ingest.stats.events,
            "events flushed"
        ),
        Err(e) => tracing::error!(error = %e, "the event writer failed"),
    }
    let last = status_rx.borrow().clone();
    let farewell = async {
        if let Some(last) = &last {
            publisher.job_status(last).await?;
        }
        publisher.offline().await
    };
    if let Err(e) = farewell.await {
        tracing::warn!(error = %e, "could not queue the last MQTT messages");
    }
    connection.close(MQTT_GRACE).await;
    drop(db);
    tracing::info!("habitd stopped");
    match failure {
        Some(what) => Err(anyhow::anyhow!("{what}")),
        None => Ok(()),
    }
}

/// Spawns one of the daemon's long-lived tasks into `tasks`, where it ends
/// with its name, so the main loop can say which one ended.
fn supervise(
    tasks: &mut JoinSet<&'static str>,
    name: &'static str,
    task: impl Future<Output = ()> + Send + 'static,
) {
    tasks.spawn(async move {
        task.await;
        name
    });
}

/// What `habitd analyze` reports.
#[derive(Debug)]
pub struct AnalyzeReport {
    pub status: JobStatus,
    /// Whether the job's status went out over MQTT.
    pub published: bool,
    /// What the analysis found, as stored: `(kind, evidence)`.
    pub findings: Vec<(String, serde_json::Value)>,
}

/// Runs one job now against the configured database, publishing its status
/// when a broker answers and skipping that (and saying so) when none does.
pub async fn analyze(
    config: Config,
    shutdown: impl Future<Output = ()>,
) -> anyhow::Result<AnalyzeReport> {
    let db = open_db(&config).await?;
    let topics = Arc::new(Topics::new(&config.mqtt, &config.sources));
    let connection = mqtt::connect_cli(&config.mqtt, topics.clone(), CLI_CONNECT_TIMEOUT).await?;
    let reachable = connection.is_some();
    if !reachable {
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

    let runner = Runner::new(db.clone(), status_tx, settings(&config));
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

/// `habitd import`: blocking, on the calling thread, with `progress` called
/// after every batch.
pub fn import(
    config: &Config,
    files: &[std::path::PathBuf],
    progress: &mut dyn FnMut(&ImportReport),
) -> anyhow::Result<ImportReport> {
    let filter = Filter::new(&config.ingest);
    importing(config, &filter, progress, |importer, progress| {
        for file in files {
            importer.file(file, progress)?;
        }
        Ok(())
    })
}

/// Opens the database for an import, lets `read` feed the importer, then
/// stores what it read.
fn importing(
    config: &Config,
    filter: &Filter,
    progress: &mut dyn FnMut(&ImportReport),
    read: impl FnOnce(&mut Importer<'_>, &mut dyn FnMut(&ImportReport)) -> anyhow::Result<()>,
) -> anyhow::Result<ImportReport> {
    let db = Db::open(&config.database).context("while opening the database")?;
    let mut conn = db.get().context("while opening the database")?;
    db::events::ensure_activity_time_zone(&mut conn, &config.analysis.timezone)?;
    let mut importer = Importer::new(
        &mut conn,
        filter,
        &config.analysis.timezone,
        config.ingest.batch_size.max(5000),
    )?;
    read(&mut importer, progress)?;
    importer.finish(progress)
}

/// `habitd backfill --days N`: Home Assistant's history of every recorded
/// entity, a day at a time, through the same path as `habitd import`.
pub fn backfill(
    config: &Config,
    days: u32,
    progress: &mut dyn FnMut(&ImportReport),
) -> anyhow::Result<ImportReport> {
    let Some(ha) = &config.homeassistant else {
        anyhow::bail!("backfill needs homeassistant.url and homeassistant.token");
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let client = crate::ha::rest::Client::new(ha)?;
    let filter = Filter::new(&config.ingest);
    let entities: Vec<String> = runtime
        .block_on(client.states())?
        .into_iter()
        .map(|e| e.info.entity_id)
        .filter(|id| filter.accepts(id))
        .collect();
    let now = Timestamp::now();
    importing(config, &filter, progress, |importer, progress| {
        for day in (0..days).rev() {
            let end = now.checked_sub(jiff::SignedDuration::from_hours(24 * i64::from(day)))?;
            let start = end.checked_sub(jiff::SignedDuration::from_hours(24))?;
            for answer in runtime.block_on(client.history(start, end, &entities))? {
                importer
                    .history(&answer[..], progress)
                    .with_context(|| format!("while importing the history from {start}"))?;
            }
        }
        Ok(())
    })
}

fn settings(config: &Config) -> crate::pipeline::Settings {
    crate::pipeline::Settings {
        timezone: config.analysis.timezone.clone(),
        retention: config.ingest.retention,
        homeassistant: config.homeassistant.clone(),
        window: config.analysis.window,
        thresholds: config.analysis.thresholds.clone(),
        suggestions: config.suggestions.clone(),
        llm: config.llm.clone(),
        areas: config.areas.clone(),
    }
}

/// Rebuilds the activity aggregates if the configured time zone changed
/// since they were computed.
async fn align_activity_time_zone(db: &Db, config: &Config) -> anyhow::Result<()> {
    let tz = config.analysis.timezone.clone();
    let rebuilt = db
        .run(move |conn| db::events::ensure_activity_time_zone(conn, &tz))
        .await?;
    if rebuilt {
        tracing::warn!("analysis.timezone changed: activity aggregates rebuilt in the new zone");
    }
    Ok(())
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
        let db = open_db(&config).await?;
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
    let db = open_db(&config).await?;
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

async fn open_db(config: &Config) -> anyhow::Result<Db> {
    let database = config.database.clone();
    tokio::task::spawn_blocking(move || Db::open(&database))
        .await
        .context("while opening the database")?
        .context("while opening the database")
}

/// Marks jobs that a crash left `running` as failed. Only when no other
/// process holds the job lock: a `habitd analyze` running beside a starting
/// daemon is not a crash.
async fn recover_interrupted_jobs(db: &Db) -> anyhow::Result<()> {
    let lock_path = lock::path_for(db.path());
    let recovered = db
        .run(move |conn| {
            let Some(_lock) = JobLock::try_acquire(&lock_path)? else {
                return Ok(0);
            };
            db::jobs::fail_unfinished(
                conn,
                "habitd stopped while this job ran",
                Timestamp::now(),
                None,
            )
        })
        .await?;
    if recovered > 0 {
        tracing::warn!(
            recovered,
            "marked jobs left unfinished by a crash as failed"
        );
    }
    Ok(())
}
