//! The daemon: `habitd run`.
//!
//! [`run`] takes every external resource through the [`Config`] and a
//! shutdown future, so integration tests and benchmarks call exactly what
//! `habitd run` calls.
//!
//! The daemon's tasks: the MQTT connection (polls, decodes, forwards), the
//! event writer, the status publisher, the surface, the job runner, the
//! schedule and the review page. Its own loop hands each delivery from MQTT
//! to where it belongs ([`Router`]), and watches the tasks: one that ends on
//! its own (a bug) stops the daemon in an orderly way and with an error, so
//! that systemd or the Supervisor restarts it, rather than leaving it running
//! without, say, its schedule. Shutdown goes in three steps: tell every task (one
//! [`CancellationToken`]), wait for them (a [`JoinSet`]; the runner records
//! an interrupted job as failed), then publish the final status and
//! `offline`, disconnect, and close the pool.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use tokio::sync::{Notify, mpsc, watch};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::config::{Config, MqttDecisions};
use crate::db::{self, Db};
use crate::ingest::writer::Writer;
use crate::ingest::{Filter, Ingest};
use crate::job::lock::{self, JobLock};
use crate::job::runner::{Runner, Triggers};
use crate::job::schedule;
use crate::model::{Record, Trigger};
use crate::mqtt::{
    self, Command, Delivery, HomeAssistantStatus, Inbound, Publisher, Role, Throttle, Topics,
};
use crate::pipeline::Settings;
use crate::surface;

/// How long shutdown waits for the broker to take the last messages.
pub const MQTT_GRACE: Duration = Duration::from_secs(3);

/// Runs the daemon until `shutdown` completes.
pub async fn run(config: Config, shutdown: impl Future<Output = ()>) -> anyhow::Result<()> {
    let db = Db::open_async(&config.database).await?;
    recover_interrupted_jobs(&db).await?;
    let latest = db.run(|conn| db::jobs::latest(conn)).await?;
    let first_start = fetches_history(&db, &config).await?;
    // The review page's port first: one in use stops the start, before
    // anything is connected or spawned.
    let page = match &config.web {
        Some(web) => Some(crate::web::bind(web).await?),
        None => None,
    };

    let (records, writer_rx) = Writer::channel(config.ingest.queue_size);
    let writer = Writer::new(
        db.clone(),
        config.ingest.batch_size,
        config.ingest.flush_interval,
        config.ingest.unwritten_limit,
    );
    let mut settings = Settings::new(&config);
    settings.writer = Some(writer.health());
    let writer = tokio::spawn(writer.run(writer_rx));

    let topics = Arc::new(Topics::new(&config.mqtt, &config.sources));
    let (deliveries_tx, mut deliveries) = mpsc::channel(256);
    let connection = mqtt::Connection::spawn(
        &config.mqtt,
        Some(&config.limits),
        topics.clone(),
        Role::Daemon,
        deliveries_tx,
    )?;
    let publisher = Publisher::new(connection.client().clone(), topics);

    let cancel = CancellationToken::new();
    let mut tasks = JoinSet::new();
    let (status_tx, status_rx) = watch::channel(latest);
    let (triggers, requests) = Triggers::channel();
    let connected = Arc::new(Notify::new());
    let (surface_tx, surface_events) = mpsc::channel(64);
    supervise(
        &mut tasks,
        "the Home Assistant surface",
        surface::run(
            publisher.clone(),
            db.clone(),
            surface::Settings::new(&config),
            surface_events,
            status_rx.clone(),
            cancel.clone(),
        ),
    );
    supervise(
        &mut tasks,
        "the job runner",
        Runner::new(db.clone(), status_tx, settings).serve(requests, cancel.clone()),
    );
    if first_start {
        triggers.request(Trigger::FirstStart);
    }
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
    if let (Some(web), Some(listener)) = (&config.web, page) {
        let app = crate::web::App::new(
            &config,
            web,
            db.clone(),
            surface_tx.clone(),
            triggers.clone(),
        )?;
        supervise(
            &mut tasks,
            "the review page",
            crate::web::serve(listener, app, cancel.clone()),
        );
    }
    tracing::info!(database = %db.path().display(), "habitd is running");

    let mut ingest = Ingest::new(Filter::new(&config.ingest));
    if config.sources.eventstream_topic.is_none() {
        ingest = ingest.without_eventstream();
    }
    let mut router = Router {
        ingest,
        records,
        triggers,
        surface: surface_tx,
        connected,
        decisions: config.mqtt.decisions,
        refusals: Throttle::new(10),
    };
    // systemd (Type=notify): pinged from this loop, so a daemon whose loop
    // hangs is restarted; off when the unit sets no WatchdogSec.
    let watchdog = sd_notify::watchdog_enabled();
    let mut ping = tokio::time::interval(watchdog.map_or(Duration::from_secs(3600), |d| d / 2));
    tokio::pin!(shutdown);
    let failure = loop {
        let delivery = tokio::select! {
            () = &mut shutdown => break None,
            _ = ping.tick(), if watchdog.is_some() => {
                notify(sd_notify::NotifyState::Watchdog);
                continue;
            }
            Some(ended) = tasks.join_next() => break Some(match ended {
                Ok(name) => format!("{name} ended unexpectedly"),
                Err(e) => format!("a task failed: {e}"),
            }),
            delivery = deliveries.recv() => delivery,
        };
        let routed = match delivery {
            Some(delivery) => router.route(delivery).await,
            None => Err("the MQTT connection task ended unexpectedly"),
        };
        if let Err(what) = routed {
            break Some(what.to_owned());
        }
    };
    if let Some(what) = &failure {
        tracing::error!("{what}; stopping");
    }

    tracing::info!("shutting down");
    notify(sd_notify::NotifyState::Stopping);
    cancel.cancel();
    while let Some(ended) = tasks.join_next().await {
        if let Err(e) = ended {
            tracing::error!(error = %e, "a task failed while stopping");
        }
    }
    // What the connection already handed over is recorded too (a clean stop
    // loses nothing); then dropping the receiver lets the connection task
    // drop what still comes instead of waiting for room.
    while let Ok(delivery) = deliveries.try_recv() {
        if let Delivery::Message(Inbound::Observed(observation)) = delivery {
            for record in router.ingest.observe(observation) {
                if router.records.send(record).await.is_err() {
                    break;
                }
            }
        }
    }
    drop(deliveries);
    // Closing the writer's channel makes it write what it holds, then end.
    let Router {
        mut ingest,
        records,
        ..
    } = router;
    // Copies still waiting for the eventstream's are stored as they are.
    for record in ingest.drain() {
        if records.send(record).await.is_err() {
            break;
        }
    }
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

/// Where each delivery from MQTT goes: observations through [`Ingest`] to
/// the writer, commands to the job queue or the surface task. It never
/// waits on the database or Home Assistant, only (as backpressure) on the
/// writer's queue.
struct Router {
    ingest: Ingest,
    records: mpsc::Sender<Record>,
    triggers: Triggers,
    surface: mpsc::Sender<surface::Event>,
    connected: Arc<Notify>,
    /// Which decisions arriving over MQTT are carried out.
    decisions: MqttDecisions,
    refusals: Throttle,
}

impl Router {
    /// Routes one delivery; `Err` says which part of the daemon is gone.
    async fn route(&mut self, delivery: Delivery) -> Result<(), &'static str> {
        match delivery {
            Delivery::Connected => {
                // Migrated and on the broker: ready, as systemd counts it
                // (repeated on a reconnect, which systemd ignores).
                notify(sd_notify::NotifyState::Ready);
                self.connected.notify_one();
                self.tell_surface(surface::Event::Announce { delay: false });
            }
            Delivery::Message(Inbound::Command(command)) => match command {
                Command::Analyze => {
                    self.triggers.request(Trigger::Command);
                }
                Command::Decide { id, action } if self.decisions.allows(action) => {
                    self.tell_surface(surface::Event::Decide { id, action });
                }
                Command::Decide { action, .. } => {
                    if self.refusals.allow() {
                        tracing::warn!(
                            %action,
                            "a decision over MQTT was refused: mqtt.decisions does not allow it"
                        );
                    }
                }
                Command::Select(option) => self.tell_surface(surface::Event::Select(option)),
            },
            Delivery::Message(Inbound::HomeAssistant(HomeAssistantStatus::Online)) => {
                tracing::info!("Home Assistant is online: announcing habitd again");
                self.tell_surface(surface::Event::Announce { delay: true });
            }
            Delivery::Message(Inbound::HomeAssistant(HomeAssistantStatus::Offline)) => {
                tracing::info!("Home Assistant went offline");
                self.ingest.home_assistant_offline();
            }
            Delivery::Message(Inbound::Observed(observation)) => {
                for record in self.ingest.observe(observation) {
                    // Waiting here when the writer is behind is the
                    // backpressure: MQTT reading pauses until it catches up.
                    if self.records.send(record).await.is_err() {
                        return Err("the event writer stopped");
                    }
                }
            }
        }
        Ok(())
    }

    fn tell_surface(&mut self, event: surface::Event) {
        if self.surface.try_send(event).is_err() && self.refusals.allow() {
            tracing::warn!("Home Assistant updates are behind; a command was dropped");
        }
    }
}

/// Tells systemd, when it started habitd with a notify socket.
fn notify(state: sd_notify::NotifyState<'_>) {
    if let Err(e) = sd_notify::notify(&[state]) {
        tracing::debug!(error = %e, "could not notify systemd");
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

/// Whether this start's first job fetches Home Assistant's history: the
/// database held no events when habitd first started with Home Assistant's
/// address, and that fetch has not been done yet (one cut short by a stop
/// or an unreachable Home Assistant is tried again at the next start).
async fn fetches_history(db: &Db, config: &Config) -> anyhow::Result<bool> {
    use db::facts::{Fact, first_start};
    if config
        .homeassistant
        .as_ref()
        .is_none_or(|ha| ha.backfill_days == 0)
    {
        return Ok(false);
    }
    db.run(
        |conn| match db::facts::get(conn, Fact::FirstStartHistory)?.as_deref() {
            Some(first_start::PENDING) => Ok(true),
            Some(_) => Ok(false),
            None => {
                let empty = !db::events::any(conn)?;
                let fact = if empty {
                    first_start::PENDING
                } else {
                    first_start::NOT_NEEDED
                };
                db::facts::set(conn, Fact::FirstStartHistory, Some(fact))?;
                Ok(empty)
            }
        },
    )
    .await
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
