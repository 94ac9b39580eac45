//! What Home Assistant shows of habitd, over MQTT alone.
//!
//! One task owns it: it publishes the suggestion summary and each
//! suggestion (retained; an expired one's topic is cleared), the selected
//! suggestion, and habitd's device-based discovery config, whose entities read
//! those topics and the job status: analysis state, progress, last run and its
//! duration, pending suggestions, a running sensor, an "Analyze now" button, a
//! select of pending suggestions with Approve / Reject / Deploy buttons for the
//! selected one. It also carries out decisions that arrive over MQTT, so the
//! daemon's loop never waits on the database or Home Assistant's REST API.
//! When Home Assistant says `online` it re-announces, after a short random
//! delay (so a house of MQTT devices does not answer at once), then states.

use std::collections::HashMap;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;

use crate::config::HomeAssistantConfig;
use crate::db::suggestions::{self as stored, Suggestion};
use crate::db::{self, Db};
use crate::model::JobStatus;
use crate::model::safety::Policy;
use crate::model::{Decision, SuggestionStatus};
use crate::mqtt::Publisher;

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

/// At most this many suggestions are listed on the summary topic, and this
/// many titles in the pending sensor's attributes (HA drops attributes over
/// 16 KiB).
const SUMMARY_LIMIT: usize = 50;
const TOP_TITLES: usize = 10;
const NONE_OPTION: &str = "(no pending suggestions)";

struct Surface {
    publisher: Publisher,
    db: Db,
    ha: Option<HomeAssistantConfig>,
    /// What is never deployed; `None` where nothing is (the demo).
    policy: Option<Policy>,
    /// Select option text → suggestion id.
    options: Vec<(String, String)>,
    selected: Option<String>,
}

pub async fn run(
    publisher: Publisher,
    db: Db,
    (ha, policy): (Option<HomeAssistantConfig>, Policy),
    mut events: mpsc::Receiver<Event>,
    mut status: watch::Receiver<Option<JobStatus>>,
    cancel: CancellationToken,
) {
    let mut surface = Surface {
        publisher,
        db,
        ha,
        policy: Some(policy),
        options: Vec::new(),
        selected: None,
    };
    loop {
        let result = tokio::select! {
            biased;
            () = cancel.cancelled() => return,
            event = events.recv() => match event {
                None => return,
                Some(Event::Announce { delay }) => {
                    if delay {
                        tokio::time::sleep(random_delay()).await;
                    }
                    surface.publish(true).await
                }
                Some(Event::Decide { id, action }) => surface.decide(id, action).await,
                Some(Event::Select(option)) => surface.select(&option).await,
                Some(Event::Refresh) => surface.publish(true).await,
            },
            changed = status.changed() => {
                if changed.is_err() {
                    return;
                }
                let finished = status.borrow_and_update().as_ref().is_some_and(|s| s.state.is_final());
                if finished { surface.publish(true).await } else { Ok(()) }
            }
        };
        if let Err(e) = result {
            tracing::warn!(error = format!("{e:#}"), "could not update Home Assistant");
        }
    }
}

/// Publishes discovery, the suggestions and the availability once (for
/// `habitd demo`, which has no daemon loop).
pub async fn publish_once(publisher: Publisher, db: Db) -> anyhow::Result<()> {
    let mut surface = Surface {
        publisher,
        db,
        ha: None,
        policy: None,
        options: Vec::new(),
        selected: None,
    };
    surface.publish(true).await?;
    surface.publisher.online().await?;
    Ok(())
}

impl Surface {
    /// Publishes the suggestions (and discovery, whose select lists them).
    async fn publish(&mut self, discovery: bool) -> anyhow::Result<()> {
        let all = self.db.run(|conn| stored::list(conn, None)).await?;
        let pending: Vec<&Suggestion> = all.iter().filter(|s| s.status.is_pending()).collect();
        self.options = options(&pending);
        if self
            .selected
            .as_ref()
            .is_none_or(|id| !self.options.iter().any(|(_, o)| o == id))
        {
            self.selected = self.options.first().map(|(_, id)| id.clone());
        }
        let topics = self.publisher.topics().clone();
        if discovery {
            let option_texts: Vec<String> =
                self.options.iter().map(|(text, _)| text.clone()).collect();
            let config = discovery_config(&self.publisher, &option_texts);
            self.publisher
                .retain(&topics.discovery(), config.to_string())
                .await?;
        }
        let summary = json!({
            "pending": pending.len(),
            "total": all.len(),
            "top": pending.iter().take(TOP_TITLES).map(|s| s.title.clone()).collect::<Vec<_>>(),
            "suggestions": all.iter().filter(|s| s.status != SuggestionStatus::Expired).take(SUMMARY_LIMIT)
                .map(|s| json!({ "id": s.id, "title": s.title, "status": s.status, "confidence": s.confidence }))
                .collect::<Vec<_>>(),
        });
        self.publisher
            .retain(&topics.suggestions(), summary.to_string())
            .await?;
        for s in &all {
            let topic = topics.suggestion(&s.id);
            if s.status == SuggestionStatus::Expired {
                self.publisher.clear(&topic).await?;
            } else {
                self.publisher
                    .retain(&topic, serde_json::to_vec(s)?)
                    .await?;
            }
        }
        self.publish_selected(&all).await
    }

    async fn publish_selected(&self, all: &[Suggestion]) -> anyhow::Result<()> {
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
        self.publisher
            .retain(&topics.select_state(), option)
            .await?;
        let state = match selected {
            Some(s) => json!({
                "id": s.id, "title": s.title, "description": s.description, "status": s.status,
                "confidence": s.confidence, "automation_yaml": s.automation_yaml, "error": s.error,
            }),
            None => json!({ "id": null, "title": NONE_OPTION }),
        };
        self.publisher
            .retain(&topics.selected(), state.to_string())
            .await?;
        Ok(())
    }

    async fn select(&mut self, option: &str) -> anyhow::Result<()> {
        match self.options.iter().find(|(text, _)| text == option) {
            Some((_, id)) => {
                self.selected = Some(id.clone());
                let all = self.db.run(|conn| stored::list(conn, None)).await?;
                self.publish_selected(&all).await
            }
            None => {
                self.report(format!("no pending suggestion {option:?}"))
                    .await
            }
        }
    }

    async fn decide(&mut self, id: Option<String>, action: Decision) -> anyhow::Result<()> {
        let Some(id) = id.or_else(|| self.selected.clone()) else {
            return self.report("no suggestion is selected".into()).await;
        };
        let outcome = match action {
            Decision::Deploy => match &self.policy {
                Some(policy) => crate::deploy::deploy(&self.db, self.ha.as_ref(), policy, &id)
                    .await
                    .map(drop),
                None => Err(anyhow::anyhow!("this habitd does not deploy")),
            },
            decision => {
                let key = id.clone();
                self.db
                    .run(move |conn| db::suggestions::decide(conn, &key, decision))
                    .await
                    .map(drop)
            }
        };
        match outcome {
            Ok(()) => tracing::info!(suggestion = %id, ?action, "decision carried out"),
            Err(e) => self.report(format!("{action:?} {id}: {e:#}")).await?,
        }
        self.publish(true).await
    }

    /// Logs a command that could not be carried out and tells Home Assistant.
    async fn report(&self, error: String) -> anyhow::Result<()> {
        tracing::warn!(%error, "MQTT command not carried out");
        let topic = self.publisher.topics().status();
        let body = json!({ "error": error, "at": jiff::Timestamp::now().to_string() });
        self.publisher.retain(&topic, body.to_string()).await?;
        Ok(())
    }
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

fn random_delay() -> Duration {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    Duration::from_millis(200 + u64::from(nanos % 1300))
}

/// habitd's device and its entities, for `<prefix>/device/<base>/config`.
pub fn discovery_config(publisher: &Publisher, options: &[String]) -> Value {
    let t = publisher.topics();
    let base = t.base().replace('/', "_");
    let version = env!("CARGO_PKG_VERSION");
    let status = t.job_status();
    let entity = |platform: &str, key: &str, name: &str, mut extra: Value| {
        extra["p"] = json!(platform);
        extra["name"] = json!(name);
        extra["unique_id"] = json!(format!("{base}_{key}"));
        extra["default_entity_id"] = json!(format!("{platform}.{base}_{key}"));
        (key.to_owned(), extra)
    };
    let options = if options.is_empty() {
        vec![NONE_OPTION.to_owned()]
    } else {
        options.to_vec()
    };
    let components: serde_json::Map<String, Value> = [
        entity("sensor", "analysis_state", "Analysis state", json!({
            "state_topic": status, "value_template": "{{ value_json.state }}", "icon": "mdi:home-analytics" })),
        entity("sensor", "analysis_progress", "Analysis progress", json!({
            "state_topic": status, "value_template": "{{ value_json.progress }}", "unit_of_measurement": "%" })),
        entity("sensor", "last_run", "Last analysis", json!({
            "state_topic": status, "device_class": "timestamp",
            "value_template": "{{ value_json.finished_at if value_json.finished_at else None }}" })),
        entity("sensor", "last_run_duration", "Last analysis duration", json!({
            "state_topic": status, "device_class": "duration", "unit_of_measurement": "s", "entity_category": "diagnostic",
            "value_template": "{{ ((as_timestamp(value_json.finished_at) - as_timestamp(value_json.started_at)) | round(2)) if value_json.finished_at and value_json.started_at else None }}" })),
        entity("binary_sensor", "running", "Analysis running", json!({
            "state_topic": status, "device_class": "running",
            "value_template": "{{ 'ON' if value_json.state in ['queued', 'running'] else 'OFF' }}" })),
        entity("sensor", "pending_suggestions", "Pending suggestions", json!({
            "state_topic": t.suggestions(), "value_template": "{{ value_json.pending }}", "state_class": "measurement",
            "json_attributes_topic": t.suggestions(), "json_attributes_template": "{{ {'top': value_json.top} | tojson }}",
            "icon": "mdi:lightbulb-auto" })),
        entity("button", "analyze", "Analyze now", json!({ "command_topic": t.command("analyze"), "payload_press": "PRESS" })),
        entity("select", "suggestion", "Suggestion", json!({
            "command_topic": t.select_set(), "state_topic": t.select_state(), "options": options })),
        entity("sensor", "selected_suggestion", "Selected suggestion", json!({
            "state_topic": t.selected(), "value_template": "{{ value_json.title[:250] }}",
            "json_attributes_topic": t.selected() })),
        entity("button", "approve", "Approve suggestion", json!({ "command_topic": t.selected_set(), "payload_press": "approve" })),
        entity("button", "reject", "Reject suggestion", json!({ "command_topic": t.selected_set(), "payload_press": "reject" })),
        entity("button", "deploy", "Deploy suggestion", json!({ "command_topic": t.selected_set(), "payload_press": "deploy" })),
    ]
    .into_iter()
    .collect();
    json!({
        "dev": { "ids": [base], "name": "habitd", "mf": "habitd", "mdl": "habit learner", "sw": version },
        "o": { "name": "habitd", "sw": version },
        "avty_t": t.availability(),
        "qos": 1,
        "cmps": components,
    })
}
