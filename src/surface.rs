//! What Home Assistant shows of habitd, over MQTT alone.
//!
//! One task owns it. It announces habitd's entities through MQTT discovery
//! in the shape the Home Assistant in use reads ([`discovery`]), and keeps
//! their topics current: the suggestion summary and each suggestion
//! (retained; an expired one's topic is cleared), the select of pending
//! suggestions and the selected one, and the problem sensor that shows why
//! the last command failed. It carries out decisions that arrive over MQTT,
//! so the daemon's loop never waits on the database or Home Assistant.
//!
//! Only what changed is published: the task remembers the payload it last
//! retained on each topic and sends a topic again only when its payload
//! differs, or when Home Assistant or the broker may have forgotten it (an
//! announce). It refreshes after every finished job, after every decision,
//! and when another process (the CLI) changed a suggestion: every
//! [`POLL`] it reads the suggestions table's fingerprint (row count and
//! latest `updated_at`, one scan of a few hundred rows) and refreshes when
//! it moved. When Home Assistant says `online` it re-announces after a short
//! random delay (so a house of MQTT devices does not answer at once).

mod discovery;
mod notify;

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use serde_json::json;
use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;

use crate::config::{Config, HomeAssistantConfig};
use crate::db::facts::{self, Fact};
use crate::db::suggestions::{self as stored, Suggestion};
use crate::db::{self, Db};
use crate::model::safety::Policy;
use crate::model::{
    Decision, DiscoveryMode, DiscoveryShape, HaVersion, JobStatus, SuggestionStatus, truncate,
};
use crate::mqtt::Publisher;

pub use discovery::NONE_OPTION;

/// What the surface task reacts to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// Connected, or Home Assistant (re)started: discovery, then states.
    Announce {
        delay: bool,
    },
    Decide {
        id: Option<String>,
        action: Decision,
    },
    Select(String),
    /// Something else changed the suggestions (the review page decided):
    /// publish them again.
    Refresh,
}

/// What the surface needs from the configuration.
#[derive(Debug, Clone)]
pub struct Settings {
    pub ha: Option<HomeAssistantConfig>,
    /// What is never deployed; `None` where nothing is (the demo).
    pub policy: Option<Policy>,
    pub discovery: DiscoveryMode,
}

impl Settings {
    pub fn new(config: &Config) -> Settings {
        Settings {
            ha: config.homeassistant.clone(),
            policy: Some(config.safety.clone()),
            discovery: config.discovery,
        }
    }
}

/// How often the task looks for changes made by another process.
pub const POLL: Duration = Duration::from_secs(2);
/// At most this many suggestions are listed on the summary topic, and this
/// many titles in the pending sensor's attributes (HA drops attributes over
/// 16 KiB).
const SUMMARY_LIMIT: usize = 50;
const TOP_TITLES: usize = 10;
/// At most this many pending suggestions are offered in the select.
const SELECT_LIMIT: usize = 50;
/// At most this many suggestions get a retained topic of their own.
const PUBLISH_LIMIT: usize = 200;

/// The last command that could not be carried out.
#[derive(Debug, Clone)]
struct Problem {
    error: String,
    suggestion: Option<String>,
    at: String,
}

struct Surface {
    publisher: Publisher,
    db: Db,
    settings: Settings,
    version: Option<HaVersion>,
    /// `None` until the first announce: nothing is published before it.
    shape: Option<DiscoveryShape>,
    /// Select option text → suggestion id.
    options: Vec<(String, String)>,
    selected: Option<String>,
    /// Topic → a hash of the payload last retained on it (a hash, not the
    /// payload: a few hundred suggestions would otherwise be kept twice).
    published: HashMap<String, u64>,
    /// Whether the topics of suggestions that expired before this process
    /// started have been cleared (once).
    swept: bool,
    fingerprint: Option<(i64, i64)>,
    /// New suggestions already offered (for the notification).
    offered: Option<HashSet<String>>,
    problem: Option<Problem>,
    /// Log lines about refused commands, a few a minute (anyone on the
    /// broker can send them).
    warnings: crate::mqtt::Throttle,
}

pub async fn run(
    publisher: Publisher,
    db: Db,
    settings: Settings,
    mut events: mpsc::Receiver<Event>,
    mut status: watch::Receiver<Option<JobStatus>>,
    cancel: CancellationToken,
) {
    let mut surface = Surface::new(publisher, db, settings).await;
    let mut poll = tokio::time::interval(POLL);
    poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        let result = tokio::select! {
            biased;
            () = cancel.cancelled() => return,
            event = events.recv() => match event {
                None => return,
                Some(Event::Announce { delay }) => surface.announce(delay).await,
                Some(Event::Decide { id, action }) => surface.decide(id, action).await,
                Some(Event::Select(option)) => surface.select(&option).await,
                Some(Event::Refresh) => surface.refresh(false).await,
            },
            changed = status.changed() => {
                if changed.is_err() {
                    return;
                }
                let finished = status.borrow_and_update().as_ref().is_some_and(|s| s.state.is_final());
                if finished { surface.refresh(true).await } else { Ok(()) }
            }
            _ = poll.tick() => surface.poll().await,
        };
        if let Err(e) = result {
            tracing::warn!(error = format!("{e:#}"), "could not update Home Assistant");
        }
    }
}

/// Publishes discovery, the suggestions and the availability once (for
/// `habitd demo --publish`, which has no daemon loop). The caller closes the
/// connection, which sends everything queued before it disconnects.
pub async fn publish_once(publisher: Publisher, db: Db, settings: Settings) -> anyhow::Result<()> {
    let mut surface = Surface::new(publisher, db, settings).await;
    surface.announce(false).await?;
    surface.publisher.online().await?;
    Ok(())
}

impl Surface {
    async fn new(publisher: Publisher, db: Db, settings: Settings) -> Surface {
        let selected = db
            .run(|conn| facts::get(conn, Fact::Selected))
            .await
            .unwrap_or_default();
        Surface {
            publisher,
            db,
            settings,
            version: None,
            shape: None,
            options: Vec::new(),
            selected,
            published: HashMap::new(),
            swept: false,
            fingerprint: None,
            offered: None,
            problem: None,
            warnings: crate::mqtt::Throttle::new(10),
        }
    }

    /// Announces habitd in the shape this Home Assistant reads, then every
    /// state again (Home Assistant, or a restarted broker, may have lost them).
    async fn announce(&mut self, delay: bool) -> anyhow::Result<()> {
        if delay {
            tokio::time::sleep(random_delay()).await;
        }
        self.version = crate::ha::version::learn(&self.db, self.settings.ha.as_ref()).await;
        let shape = self.settings.discovery.shape(self.version);
        tracing::info!(
            version = self.version.map(|v| v.to_string()),
            discovery = %shape,
            "announcing habitd to Home Assistant"
        );
        self.switch_shape(shape).await?;
        self.published.clear();
        self.refresh(false).await
    }

    /// Removes the configs of the shape published before, if it differs:
    /// the same unique ids under two shapes would clash.
    async fn switch_shape(&mut self, shape: DiscoveryShape) -> anyhow::Result<()> {
        let before = self
            .db
            .run(|conn| facts::get(conn, Fact::DiscoveryShape))
            .await?
            .and_then(|text| text.parse::<DiscoveryShape>().ok());
        if let Some(before) = before.filter(|b| *b != shape) {
            tracing::info!(%before, now = %shape, "discovery shape changed: removing the old configs");
            for topic in discovery::topics_of(self.publisher.topics(), before) {
                self.publisher.clear(&topic).await?;
            }
        }
        if before != Some(shape) {
            self.db
                .run(move |conn| facts::set(conn, Fact::DiscoveryShape, Some(shape.as_str())))
                .await?;
        }
        self.shape = Some(shape);
        Ok(())
    }

    /// Refreshes when another process changed a suggestion.
    async fn poll(&mut self) -> anyhow::Result<()> {
        if self.shape.is_none() {
            return Ok(());
        }
        let now = self.db.run(|conn| stored::fingerprint(conn)).await?;
        if Some(now) == self.fingerprint {
            return Ok(());
        }
        tracing::debug!("suggestions changed elsewhere: updating Home Assistant");
        self.refresh(false).await
    }

    /// Publishes what changed: discovery (its select lists the pending
    /// suggestions), the summary, each suggestion, the selection and the
    /// problem sensor. `job_finished`: also notify of new suggestions.
    async fn refresh(&mut self, job_finished: bool) -> anyhow::Result<()> {
        let Some(shape) = self.shape else {
            return Ok(()); // the announce publishes everything
        };
        let (all, fingerprint) = self
            .db
            .run(|conn| Ok((stored::list(conn, None)?, stored::fingerprint(conn)?)))
            .await?;
        self.fingerprint = Some(fingerprint);
        let pending: Vec<&Suggestion> = all
            .iter()
            .filter(|s| s.status.is_pending())
            .take(SELECT_LIMIT)
            .collect();
        self.options = options(&pending);
        if let Some(id) = &self.selected
            && !self.options.iter().any(|(_, o)| o == id)
        {
            // Decided (deployed, rejected) or gone: nothing is selected, so
            // a second press of a button does nothing to another suggestion.
            self.remember_selection(None).await?;
        }
        let topics = self.publisher.topics().clone();
        let texts: Vec<String> = self.options.iter().map(|(text, _)| text.clone()).collect();
        let entities = discovery::entities(&topics, &texts);
        // The config that carries the select's options, in either shape.
        let select_config = match shape {
            DiscoveryShape::Device => topics.discovery(),
            DiscoveryShape::Entity => topics.entity_discovery("select", "suggestion"),
        };
        let mut select_changed = false;
        for (topic, payload) in discovery::messages(&topics, &entities, shape, self.version) {
            let changed = self.retain_changed(&topic, payload).await?;
            select_changed |= changed && topic == select_config;
        }
        if select_changed {
            // Home Assistant re-subscribes an updated entity; give it its
            // selection again at once.
            self.published.remove(&topics.select_state());
        }
        self.retain_changed(&topics.suggestions(), summary(&all, &pending))
            .await?;
        self.publish_suggestions(&all).await?;
        self.publish_selected(&all).await?;
        self.publish_problem().await?;
        self.notify_new(&pending, job_finished).await;
        Ok(())
    }

    /// Each shown suggestion on its topic; the topics of suggestions no longer
    /// shown (expired, beyond the cap) are cleared once.
    async fn publish_suggestions(&mut self, all: &[Suggestion]) -> anyhow::Result<()> {
        let topics = self.publisher.topics().clone();
        let shown: Vec<&Suggestion> = all
            .iter()
            .filter(|s| s.status != SuggestionStatus::Expired)
            .take(PUBLISH_LIMIT)
            .collect();
        let shown_ids: HashSet<&str> = shown.iter().map(|s| s.id.as_str()).collect();
        for s in &shown {
            self.retain_changed(&topics.suggestion(&s.id), serde_json::to_string(s)?)
                .await?;
        }
        for s in all.iter().filter(|s| !shown_ids.contains(s.id.as_str())) {
            let topic = topics.suggestion(&s.id);
            // After a start, what an earlier run left retained is unknown:
            // clear every hidden one once, then only those this process
            // published.
            if self.published.remove(&topic).is_some() || !self.swept {
                self.publisher.clear(&topic).await?;
            }
        }
        self.swept = true;
        Ok(())
    }

    async fn publish_selected(&mut self, all: &[Suggestion]) -> anyhow::Result<()> {
        let topics = self.publisher.topics().clone();
        let selected = self
            .selected
            .as_ref()
            .and_then(|id| all.iter().find(|s| &s.id == id));
        let option = self
            .selected
            .as_ref()
            .and_then(|id| self.options.iter().find(|(_, o)| o == id))
            .map_or(NONE_OPTION.to_owned(), |(text, _)| text.clone());
        self.retain_changed(&topics.select_state(), option).await?;
        let state = match selected {
            Some(s) => {
                // The last command's error when it was about this one, else
                // the error Home Assistant gave its last deployment.
                let error = self
                    .problem
                    .as_ref()
                    .filter(|p| p.suggestion.as_deref() == Some(s.id.as_str()))
                    .map(|p| p.error.clone())
                    .or_else(|| {
                        s.error
                            .as_deref()
                            .map(|e| truncate(e, Publisher::MAX_ERROR).to_owned())
                    });
                json!({
                    "id": s.id, "title": s.title, "description": s.description, "status": s.status,
                    "confidence": s.confidence, "automation_yaml": s.automation_yaml, "error": error,
                })
            }
            None => json!({ "id": null, "title": NONE_OPTION, "error": null }),
        };
        self.retain_changed(&topics.selected(), state.to_string())
            .await?;
        Ok(())
    }

    /// `<base>/status`: the last command that failed, or none.
    async fn publish_problem(&mut self) -> anyhow::Result<()> {
        let body = match &self.problem {
            Some(p) => json!({ "error": p.error, "suggestion": p.suggestion, "at": p.at }),
            None => json!({ "error": null }),
        };
        let topic = self.publisher.topics().status();
        self.retain_changed(&topic, body.to_string()).await?;
        Ok(())
    }

    async fn select(&mut self, option: &str) -> anyhow::Result<()> {
        let chosen = if option == NONE_OPTION {
            None
        } else {
            match self.options.iter().find(|(text, _)| text == option) {
                Some((_, id)) => Some(id.clone()),
                None => {
                    let shown = truncate(option, 100);
                    return self
                        .report(format!("no pending suggestion {shown:?}"), None)
                        .await;
                }
            }
        };
        self.remember_selection(chosen).await?;
        let all = self.db.run(|conn| stored::list(conn, None)).await?;
        self.publish_selected(&all).await
    }

    /// Keeps the selection across restarts of habitd.
    async fn remember_selection(&mut self, id: Option<String>) -> anyhow::Result<()> {
        if self.selected == id {
            return Ok(());
        }
        self.selected = id.clone();
        self.db
            .run(move |conn| facts::set(conn, Fact::Selected, id.as_deref()))
            .await
    }

    async fn decide(&mut self, id: Option<String>, action: Decision) -> anyhow::Result<()> {
        let Some(id) = id.or_else(|| self.selected.clone()) else {
            return self
                .report(format!("{action}: no suggestion is selected"), None)
                .await;
        };
        match self.carry_out(&id, action).await {
            Ok(()) => {
                tracing::info!(suggestion = %id, ?action, "decision carried out");
                self.problem = None;
                self.refresh(false).await
            }
            Err(e) => self.report(format!("{action} {id}: {e:#}"), Some(id)).await,
        }
    }

    async fn carry_out(&self, id: &str, action: Decision) -> anyhow::Result<()> {
        match action {
            Decision::Deploy => match &self.settings.policy {
                Some(policy) => {
                    crate::deploy::deploy(&self.db, self.settings.ha.as_ref(), policy, id)
                        .await
                        .map(drop)
                }
                None => Err(anyhow::anyhow!("this habitd does not deploy")),
            },
            decision => {
                let key = id.to_owned();
                self.db
                    .run(move |conn| db::suggestions::decide(conn, &key, decision))
                    .await
                    .map(drop)
            }
        }
    }

    /// Logs a command that could not be carried out and shows it in Home
    /// Assistant: on the problem sensor, and on the selected suggestion when
    /// it is about that one.
    async fn report(&mut self, error: String, suggestion: Option<String>) -> anyhow::Result<()> {
        if self.warnings.allow() {
            tracing::warn!(
                error = truncate(&error, Publisher::MAX_ERROR),
                "MQTT command not carried out"
            );
        }
        self.problem = Some(Problem {
            error: truncate(&error, Publisher::MAX_ERROR).to_owned(),
            suggestion,
            at: jiff::Timestamp::now().to_string(),
        });
        self.refresh(false).await
    }

    /// Retains `payload` on `topic` unless it is what was retained last;
    /// says whether it published.
    async fn retain_changed(&mut self, topic: &str, payload: String) -> anyhow::Result<bool> {
        let hash = {
            use std::hash::{Hash, Hasher};
            let mut hasher = std::collections::hash_map::DefaultHasher::new();
            payload.hash(&mut hasher);
            hasher.finish()
        };
        if self.published.get(topic) == Some(&hash) {
            return Ok(false);
        }
        self.publisher.retain(topic, payload).await?;
        self.published.insert(topic.to_owned(), hash);
        Ok(true)
    }

    /// A persistent notification in Home Assistant when a job found
    /// suggestions not offered before (`homeassistant.notify`). What is
    /// pending at the first look, or appears otherwise (an analysis by the
    /// CLI), is taken as offered. A failure is logged: the suggestions are in
    /// Home Assistant anyway.
    async fn notify_new(&mut self, pending: &[&Suggestion], job_finished: bool) {
        let now: HashSet<String> = pending
            .iter()
            .filter(|s| s.status == SuggestionStatus::New)
            .map(|s| s.id.clone())
            .collect();
        let before = self.offered.replace(now.clone());
        let Some(before) = before.filter(|_| job_finished) else {
            return;
        };
        let fresh: Vec<&&Suggestion> = pending
            .iter()
            .filter(|s| now.contains(&s.id) && !before.contains(&s.id))
            .collect();
        if let Some(ha) = self.settings.ha.as_ref().filter(|ha| ha.notify) {
            notify::new_suggestions(ha, &fresh).await;
        }
    }
}

fn summary(all: &[Suggestion], pending: &[&Suggestion]) -> String {
    json!({
        "pending": all.iter().filter(|s| s.status.is_pending()).count(),
        "total": all.len(),
        "top": pending.iter().take(TOP_TITLES).map(|s| truncate(&s.title, 200)).collect::<Vec<_>>(),
        "suggestions": all.iter().filter(|s| s.status != SuggestionStatus::Expired).take(SUMMARY_LIMIT)
            .map(|s| json!({ "id": s.id, "title": s.title, "status": s.status, "confidence": s.confidence }))
            .collect::<Vec<_>>(),
    })
    .to_string()
}

/// Unique option texts for the select: titles, numbered when two are alike.
fn options(pending: &[&Suggestion]) -> Vec<(String, String)> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    pending
        .iter()
        .map(|s| {
            let mut text: String = s.title.chars().take(200).collect();
            let n = seen.entry(text.clone()).or_default();
            *n += 1;
            if *n > 1 {
                text = format!("{text} ({n})");
            }
            (text, s.id.clone())
        })
        .collect()
}

/// 0.2 to 1.5 s, at random.
fn random_delay() -> Duration {
    Duration::from_millis(fastrand::u64(200..1500))
}
