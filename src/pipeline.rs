//! The analysis pipeline: what each phase of a job does.
//!
//! A job runs the phases of [`Phase::ALL`] in order through
//! [`Pipeline::run_phase`]; each returns what it counted and whether it had to
//! degrade. The pipeline carries data from one phase to the next (the window
//! of events read by `events` is what `patterns` mines), so a job owns one
//! `Pipeline` for its whole run.
//!
//! `history` (a first start's job only) fetches Home Assistant's history
//! into the database, as `habitd backfill` does, reporting the days fetched
//! as the phase's progress; an unreachable Home Assistant degrades the job
//! and the fetch is tried again at the next start.
//! `capabilities` reads entities, areas and existing automations from Home
//! Assistant when it is configured, and the stored Zigbee2MQTT capabilities;
//! `events` applies the retention (the daily job is what prunes) and reads the
//! window and the stored Zigbee2MQTT capabilities; `patterns`, `synergies`
//! and `features` run the pure miners of
//! [`crate::analysis`] on the blocking pool; `suggestions` turns findings
//! into automations (reworded by the LLM when one is configured; its failure
//! degrades the job, never fails it); `store` replaces the stored findings
//! and writes the suggestions in one transaction.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use jiff::Timestamp;
use jiff::tz::TimeZone;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::analysis::features::CapabilityInfo;
use crate::analysis::{self, Findings, Thresholds, Window};
use crate::config::{Config, HomeAssistantConfig, IngestConfig, LlmConfig, SuggestionsConfig};
use crate::db::facts::Fact;
use crate::db::suggestions::Fresh;
use crate::db::window::KeptTotals;
use crate::db::{self, Db};
use crate::ha::{self, rest};
use crate::ingest::Filter;
use crate::ingest::backfill::Backfill;
use crate::ingest::import::Importer;
use crate::ingest::writer::Health;
use crate::llm::{self, Llm, Prompt};
use crate::model::Phase;
use crate::model::Record;
use crate::model::safety::Policy;
use crate::model::{HaVersion, Syntax};
use crate::suggest::automation;
use crate::suggest::{self, Context};

/// What a phase reports back to the runner.
#[derive(Debug, Default)]
pub struct PhaseOutcome {
    /// Named counts for the job status (`events`, `patterns`, ...).
    pub counts: Vec<(&'static str, u64)>,
    /// Set when the phase finished without an optional part (the LLM), so
    /// the job ends `degraded` with this reason.
    pub degraded: Option<String>,
}

/// What the phases need from the configuration, and what the daemon hands
/// from one job to the next (its writer's health, the pairs' totals).
#[derive(Debug, Clone)]
pub struct Settings {
    pub timezone: TimeZone,
    /// Raw events older than this are deleted.
    pub retention: Duration,
    /// Where to read entities, areas and automations, when configured.
    pub homeassistant: Option<HomeAssistantConfig>,
    /// How far back the analysis looks.
    pub window: Duration,
    pub thresholds: Thresholds,
    pub suggestions: SuggestionsConfig,
    pub llm: Option<LlmConfig>,
    /// Fallback areas: area → entity id patterns.
    pub areas: Vec<(String, Vec<String>)>,
    /// What is never suggested.
    pub safety: Policy,
    /// The daemon's event writer, whose trouble the job reports.
    pub writer: Option<Arc<Health>>,
    /// Which entities a backfill fetches, and its batch size.
    pub ingest: IngestConfig,
    /// The pairs' totals one job's window read leaves for the next.
    pub totals: Arc<Mutex<Option<KeptTotals>>>,
}

impl Settings {
    pub fn new(config: &Config) -> Settings {
        Settings {
            timezone: config.analysis.timezone.clone(),
            retention: config.ingest.retention,
            homeassistant: config.homeassistant.clone(),
            window: config.analysis.window,
            thresholds: config.analysis.thresholds.clone(),
            suggestions: config.suggestions.clone(),
            llm: config.llm.clone(),
            areas: config.areas.clone(),
            safety: config.safety.clone(),
            writer: None,
            ingest: config.ingest.clone(),
            totals: Arc::default(),
        }
    }
}

/// How long the first start's history fetch waits, try after try, for a
/// Home Assistant that is still starting (the add-on and Home Assistant boot
/// together): about six minutes in all.
const HA_STARTING: &[Duration] = &[
    Duration::from_secs(5),
    Duration::from_secs(15),
    Duration::from_secs(40),
    Duration::from_secs(100),
    Duration::from_secs(200),
];

/// One job's pass through the phases.
#[derive(Debug)]
pub struct Pipeline {
    db: Db,
    settings: Settings,
    job_id: i64,
    window: Arc<Window>,
    capabilities: Arc<Vec<CapabilityInfo>>,
    findings: Findings,
    /// Home Assistant's version: read now, or the one remembered.
    ha_version: Option<HaVersion>,
    fresh: Vec<Fresh>,
    /// Stops a long phase (the history fetch) between requests.
    cancel: CancellationToken,
    /// Hears how much of the running phase is done (0.0–1.0).
    progress: Option<mpsc::UnboundedSender<f64>>,
}

impl Pipeline {
    pub fn new(db: Db, settings: Settings, job_id: i64) -> Self {
        Pipeline {
            db,
            settings,
            job_id,
            window: Arc::default(),
            capabilities: Arc::default(),
            findings: Findings::default(),
            ha_version: None,
            fresh: Vec::new(),
            cancel: CancellationToken::new(),
            progress: None,
        }
    }

    /// A pipeline whose long phases stop when `cancel` fires and tell
    /// `progress` how far they are.
    pub fn watched(
        mut self,
        cancel: CancellationToken,
        progress: mpsc::UnboundedSender<f64>,
    ) -> Self {
        self.cancel = cancel;
        self.progress = Some(progress);
        self
    }

    /// Runs one phase. Blocking work happens on the database's blocking pool.
    pub async fn run_phase(&mut self, phase: Phase) -> anyhow::Result<PhaseOutcome> {
        match phase {
            Phase::History => self.history().await,
            Phase::Events => self.events().await,
            Phase::Capabilities => self.capabilities().await,
            Phase::Patterns => self.patterns().await,
            Phase::Synergies => {
                let sequences = self.findings.sequences.clone();
                let window = self.window.clone();
                let found = cpu(move || analysis::synergies::detect(&window, &sequences)).await?;
                let counts = vec![("synergies", found.len() as u64)];
                self.findings.synergies = found;
                Ok(PhaseOutcome {
                    counts,
                    degraded: None,
                })
            }
            Phase::Features => {
                let (window, capabilities) = (self.window.clone(), self.capabilities.clone());
                let found = cpu(move || analysis::features::detect(&window, &capabilities)).await?;
                let counts = vec![("unused_features", found.len() as u64)];
                self.findings.unused_features = found;
                Ok(PhaseOutcome {
                    counts,
                    degraded: None,
                })
            }
            Phase::Suggestions => self.suggestions().await,
            Phase::Store => {
                let (job_id, findings, fresh) = (
                    self.job_id,
                    std::mem::take(&mut self.findings),
                    std::mem::take(&mut self.fresh),
                );
                let expire_before = Timestamp::now().checked_sub(
                    jiff::SignedDuration::try_from(self.settings.suggestions.expire_after)?,
                )?;
                let stored = self
                    .db
                    .run(move |conn| {
                        db::suggestions::store_run(conn, job_id, &findings, &fresh, expire_before)
                    })
                    .await?;
                Ok(PhaseOutcome {
                    counts: vec![
                        ("findings_stored", stored.findings as u64),
                        ("suggestions_stored", stored.suggestions as u64),
                        ("suggestions_expired", stored.expired as u64),
                    ],
                    degraded: None,
                })
            }
        }
    }

    /// Drafts from findings, reworded by the LLM when one is configured,
    /// rendered in the syntax the Home Assistant in use accepts.
    async fn suggestions(&mut self) -> anyhow::Result<PhaseOutcome> {
        let context = Context::from_window(&self.window, self.settings.safety.clone());
        let mut drafts = suggest::drafts(&self.findings, &context);
        let refused = suggest::refuse_unsafe(&mut drafts, &context);
        let beyond = keep_most_confident(&mut drafts, self.settings.suggestions.max_per_run);
        if self.ha_version.is_none() {
            // Home Assistant is down or not configured: the version it
            // reported last still says which syntax it accepts.
            self.ha_version = ha::version::remembered(&self.db).await;
        }
        let syntax = match (self.settings.suggestions.automation_syntax, self.ha_version) {
            (Some(syntax), _) => syntax,
            (None, Some(version)) => version.syntax(),
            (None, None) => Syntax::Current,
        };
        let mut outcome = PhaseOutcome::default();
        outcome.counts.extend([
            ("suggestions_refused_unsafe", refused as u64),
            ("suggestions_beyond_limit", beyond as u64),
        ]);
        let worded_by = match &self.settings.llm {
            Some(config) if !drafts.is_empty() => {
                word(config, &mut drafts, &context, &mut outcome).await?
            }
            _ => vec!["habitd".to_owned(); drafts.len()],
        };
        self.fresh = drafts
            .into_iter()
            .zip(worded_by)
            .map(|(d, worded_by)| {
                let config = d
                    .plan
                    .as_ref()
                    .map(|p| automation::render(&d.id, &d.title, &d.description, p, syntax));
                Fresh {
                    automation_yaml: config.as_ref().map(automation::yaml),
                    automation: config,
                    id: d.id,
                    title: d.title,
                    description: d.description,
                    confidence: d.confidence,
                    finding: d.finding,
                    worded_by,
                }
            })
            .collect();
        outcome
            .counts
            .push(("suggestions", self.fresh.len() as u64));
        Ok(outcome)
    }

    async fn patterns(&mut self) -> anyhow::Result<PhaseOutcome> {
        let window = self.window.clone();
        let (tz, thresholds) = (
            self.settings.timezone.clone(),
            self.settings.thresholds.clone(),
        );
        let (routines, sequences) = cpu(move || {
            (
                analysis::routines::detect(&window, &tz, &thresholds),
                analysis::sequences::detect(&window, &tz, &thresholds),
            )
        })
        .await?;
        let counts = vec![
            ("routines", routines.len() as u64),
            ("sequences", sequences.len() as u64),
        ];
        self.findings.routines = routines;
        self.findings.sequences = sequences;
        Ok(PhaseOutcome {
            counts,
            degraded: None,
        })
    }

    /// Fetches `homeassistant.backfill_days` of Home Assistant's history,
    /// with the logbook, then remembers that the first start's fetch is done.
    /// Waits a little for a Home Assistant that is still starting; one that
    /// stays unreachable degrades the job, and the next start tries again.
    async fn history(&mut self) -> anyhow::Result<PhaseOutcome> {
        let Some(config) = self.settings.homeassistant.clone() else {
            return Ok(PhaseOutcome::default());
        };
        match self.fetch_history(&config).await {
            Ok(counts) => {
                self.db
                    .run(|conn| {
                        db::facts::set(
                            conn,
                            Fact::FirstStartHistory,
                            Some(db::facts::first_start::DONE),
                        )
                    })
                    .await?;
                Ok(PhaseOutcome {
                    counts,
                    degraded: None,
                })
            }
            Err(e) if self.cancel.is_cancelled() => Err(e),
            Err(e) => {
                tracing::warn!(
                    error = format!("{e:#}"),
                    "Home Assistant's history could not be fetched"
                );
                Ok(PhaseOutcome {
                    counts: Vec::new(),
                    degraded: Some(format!(
                        "Home Assistant's history could not be fetched (tried again at the next start): {e:#}"
                    )),
                })
            }
        }
    }

    async fn fetch_history(
        &mut self,
        config: &HomeAssistantConfig,
    ) -> anyhow::Result<Vec<(&'static str, u64)>> {
        let client = rest::Client::new(config)?;
        let filter = Filter::new(&self.settings.ingest);
        let mut tries = HA_STARTING.iter();
        let ready = async || {
            anyhow::ensure!(
                client.is_running().await?,
                "Home Assistant is still starting"
            );
            Backfill::entities(&client, &filter).await
        };
        let entities = loop {
            match ready().await {
                Ok(entities) => break entities,
                Err(e) => {
                    let Some(&wait) = tries.next() else {
                        return Err(e);
                    };
                    tracing::info!(
                        error = format!("{e:#}"),
                        ?wait,
                        "Home Assistant is not answering yet; its history is fetched when it does"
                    );
                    tokio::select! {
                        () = self.cancel.cancelled() => return Err(e),
                        () = tokio::time::sleep(wait) => {}
                    }
                }
            }
        };
        let days = config.backfill_days;
        tracing::info!(
            days,
            entities = entities.len(),
            "fetching Home Assistant's history"
        );
        let backfill = Backfill {
            client,
            entities,
            days,
            end: Timestamp::now(),
        };
        let batch = crate::ingest::import::batch_size(&self.settings.ingest);
        let (cancel, progress) = (self.cancel.clone(), self.progress.clone());
        let runtime = tokio::runtime::Handle::current();
        let report = self
            .db
            .run(move |conn| {
                let mut importer = Importer::new(conn, &filter, batch)?;
                backfill.run(&mut importer, &runtime, &cancel, &mut |_| {}, &mut |done| {
                    if let Some(progress) = &progress {
                        // The runner may be gone (shutdown): nothing to tell.
                        let _ = progress.send(f64::from(done) / f64::from(days.max(1)));
                    }
                })?;
                importer.finish(&mut |_| {})
            })
            .await?;
        tracing::info!(
            read = report.read,
            stored = report.stored,
            "Home Assistant's history fetched"
        );
        Ok(vec![
            ("history_read", report.read),
            ("history_stored", report.stored),
        ])
    }

    /// Refreshes what Home Assistant knows: entity names, areas and the
    /// automations that exist. Zigbee2MQTT's capabilities arrive over MQTT and
    /// are already stored. Without Home Assistant the analysis still runs on
    /// what MQTT said, so an unreachable Home Assistant degrades the job.
    async fn capabilities(&mut self) -> anyhow::Result<PhaseOutcome> {
        let Some(config) = self.settings.homeassistant.clone() else {
            return Ok(PhaseOutcome::default());
        };
        match self.fetch_home_assistant(&config).await {
            Ok(counts) => Ok(PhaseOutcome {
                counts,
                degraded: None,
            }),
            Err(e) => {
                tracing::warn!(error = format!("{e:#}"), "Home Assistant could not be read");
                Ok(PhaseOutcome {
                    counts: Vec::new(),
                    degraded: Some(format!("Home Assistant could not be read: {e:#}")),
                })
            }
        }
    }

    async fn fetch_home_assistant(
        &mut self,
        config: &HomeAssistantConfig,
    ) -> anyhow::Result<Vec<(&'static str, u64)>> {
        let client = rest::Client::new(config)?;
        self.ha_version = ha::version::learn(&self.db, Some(config)).await;
        let entities = client.states().await?;
        let ids: Vec<String> = entities.iter().map(|e| e.info.entity_id.clone()).collect();
        let areas = client.areas(&ids).await?;
        let mut automations = Vec::new();
        for entity in &entities {
            if let Some(id) = &entity.automation_id {
                let config = client.automation_config(id).await?;
                automations.push((
                    id.clone(),
                    entity.info.entity_id.clone(),
                    entity.info.friendly_name.clone(),
                    config,
                ));
            }
        }
        let counts = vec![
            ("entities", entities.len() as u64),
            ("areas", areas.len() as u64),
            ("automations", automations.len() as u64),
        ];
        let records: Vec<Record> = entities
            .into_iter()
            .map(|e| Record::Entity(e.info))
            .collect();
        self.db
            .run(move |conn| {
                db::events::write_batch(conn, &mut db::events::EntityIds::new(), &records)?;
                db::events::set_areas(conn, &areas)?;
                db::events::replace_automations(conn, &automations)
            })
            .await?;
        Ok(counts)
    }

    async fn events(&mut self) -> anyhow::Result<PhaseOutcome> {
        let now = Timestamp::now();
        let cutoff = now.checked_sub(jiff::SignedDuration::try_from(self.settings.retention)?)?;
        let since = now.checked_sub(jiff::SignedDuration::try_from(self.settings.window)?)?;
        let tz = self.settings.timezone.clone();
        let horizon_ms = self.settings.thresholds.sequence_max_delay_ms;
        let totals = self.settings.totals.clone();
        // The stored Zigbee2MQTT capabilities come along: the features phase
        // looks for the settable ones nobody uses.
        let (pruned, window, capabilities) = self
            .db
            .run(move |conn| {
                let pruned = db::events::prune(conn, cutoff)?;
                // Totals a panicked job left are checked like any others.
                let mut totals = totals.lock().unwrap_or_else(PoisonError::into_inner);
                let keep = db::window::Digests::Keep {
                    cutoff,
                    totals: &mut totals,
                };
                let window = read_window(conn, since, now, &tz, horizon_ms, keep)?;
                Ok((pruned, window, db::window::capabilities(conn)?))
            })
            .await?;
        if pruned > 0 {
            tracing::info!(pruned, "deleted events older than the retention");
        }
        let mut counts = vec![
            ("events", window.digest.changes()),
            ("days_from_digests", u64::from(window.digested_days)),
            ("entities_seen", window.entities.len() as u64),
            ("events_pruned", pruned),
            ("capabilities", capabilities.len() as u64),
        ];
        self.window = Arc::new(window);
        self.capabilities = Arc::new(capabilities);
        let mut degraded = None;
        if let Some((waiting, dropped)) = self.settings.writer.as_ref().and_then(|w| w.failing()) {
            counts.extend([("events_waiting", waiting), ("events_dropped", dropped)]);
            degraded = Some(format!(
                "new events cannot be written to the database (is the disk full?): \
                 {waiting} are waiting in memory, {dropped} were dropped"
            ));
        }
        Ok(PhaseOutcome { counts, degraded })
    }
}

/// Has the LLM word title and description of every draft, keeping habitd's
/// own words where it fails (which degrades the job); returns who worded
/// each draft and adds the LLM's counts to `outcome`.
async fn word(
    config: &LlmConfig,
    drafts: &mut [suggest::Draft],
    context: &Context,
    outcome: &mut PhaseOutcome,
) -> anyhow::Result<Vec<String>> {
    let mut worded_by = vec!["habitd".to_owned(); drafts.len()];
    let prompts: Vec<Prompt> = drafts
        .iter()
        .map(|d| Prompt {
            kind: d.finding.kind().to_string(),
            title: d.title.clone(),
            description: d.description.clone(),
            entities: d
                .plan
                .iter()
                .flat_map(|p| p.entities())
                .map(|e| {
                    context
                        .names
                        .get(e)
                        .cloned()
                        .unwrap_or_else(|| e.to_owned())
                })
                .collect(),
        })
        .collect();
    let (results, usage) = Llm::new(config)?.word_all(prompts).await;
    let mut first_error = None;
    let mut discarded = 0u64;
    for ((draft, by), result) in drafts.iter_mut().zip(&mut worded_by).zip(results) {
        let wording = match result {
            Ok(wording) => wording,
            Err(e) => {
                first_error.get_or_insert(e.to_string());
                continue;
            }
        };
        // The title (and the automation's alias) keep habitd's words, which
        // say exactly what the automation does; the description is the
        // model's only if it adds no action and no other device.
        let original = format!("{}. {}", draft.title, draft.description);
        match llm::faithful(&original, &wording.description, &others(draft, context)) {
            Ok(()) => {
                draft.description = wording.description;
                *by = config.model.clone();
            }
            Err(why) => {
                tracing::warn!(suggestion = %draft.id, %why, "discarded the LLM's wording");
                discarded += 1;
                first_error.get_or_insert(format!("a wording was discarded: {why}"));
            }
        }
    }
    outcome.counts.extend([
        ("llm_requests", usage.requests),
        ("llm_retries", usage.retries),
        ("llm_prompt_tokens", usage.prompt_tokens),
        ("llm_completion_tokens", usage.completion_tokens),
        ("llm_failed", usage.failed),
        ("llm_discarded", discarded),
    ]);
    if let Some(e) = first_error {
        outcome.degraded = Some(format!(
            "the LLM could not word {} of {} suggestions (habitd's own wording is kept): {e}",
            usage.failed + discarded,
            drafts.len()
        ));
    }
    Ok(worded_by)
}

/// Keeps the `limit` most confident drafts (ties by id, so the choice is
/// stable), in their original order; returns how many were left out.
fn keep_most_confident(drafts: &mut Vec<suggest::Draft>, limit: usize) -> usize {
    if drafts.len() <= limit {
        return 0;
    }
    let mut ranked: Vec<(f64, String)> = drafts
        .iter()
        .map(|d| (d.confidence, d.id.clone()))
        .collect();
    ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    let kept: std::collections::HashSet<String> =
        ranked.into_iter().take(limit).map(|(_, id)| id).collect();
    let before = drafts.len();
    drafts.retain(|d| kept.contains(&d.id));
    tracing::warn!(
        left_out = before - drafts.len(),
        "more suggestions than suggestions.max_per_run; the least confident are left out"
    );
    before - drafts.len()
}

/// The names and ids of every known entity a draft does not name: a
/// rewording that mentions one is about something else.
fn others(draft: &suggest::Draft, context: &Context) -> Vec<String> {
    let own: std::collections::HashSet<&str> =
        draft.plan.iter().flat_map(|p| p.entities()).collect();
    context
        .known
        .iter()
        .filter(|id| !own.contains(id.as_str()))
        .flat_map(|id| {
            let object = id.split_once('.').map_or(id.as_str(), |(_, o)| o);
            [Some(object.to_owned()), context.names.get(id).cloned()]
        })
        .flatten()
        .collect()
}

/// Reads the analysis window from `since` to `until` with what the existing
/// automations do. Blocking.
pub fn read_window(
    conn: &rusqlite::Connection,
    since: Timestamp,
    until: Timestamp,
    tz: &TimeZone,
    horizon_ms: i64,
    digests: db::window::Digests,
) -> anyhow::Result<Window> {
    let mut window = db::window::read(conn, since, until, tz, horizon_ms, digests)?;
    window.automations = db::window::automation_configs(conn)?
        .into_iter()
        .map(|(entity_id, config)| ha::automation::summarize(entity_id, &config))
        .collect();
    Ok(window)
}

/// Runs CPU-bound analysis on the blocking pool, so the async threads (and
/// with them MQTT keep-alives) never wait on it. Panics propagate.
async fn cpu<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> anyhow::Result<T> {
    match tokio::task::spawn_blocking(work).await {
        Ok(value) => Ok(value),
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(e) => Err(anyhow::anyhow!("analysis task was cancelled: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::Finding;
    use crate::analysis::features::UnusedFeature;

    fn draft(id: &str, confidence: f64) -> suggest::Draft {
        suggest::Draft {
            id: id.into(),
            title: id.into(),
            description: String::new(),
            confidence,
            finding: Finding::UnusedFeature(UnusedFeature::example(id)),
            plan: None,
        }
    }

    #[test]
    fn a_run_keeps_its_most_confident_suggestions_in_order() {
        let mut drafts = vec![
            draft("a", 0.2),
            draft("b", 0.9),
            draft("c", 0.5),
            draft("d", 0.9),
        ];
        assert_eq!(keep_most_confident(&mut drafts, 2), 2);
        let ids: Vec<&str> = drafts.iter().map(|d| d.id.as_str()).collect();
        assert_eq!(ids, ["b", "d"]);
        assert_eq!(keep_most_confident(&mut drafts, 5), 0);
    }
}
