//! The analysis pipeline: what each phase of a job does.
//!
//! A job runs the phases of [`Phase::ALL`] in order through
//! [`Pipeline::run_phase`]; each returns what it counted and whether it had to
//! degrade. The pipeline carries data from one phase to the next (the window
//! of events read by `events` is what `patterns` mines), so a job owns one
//! `Pipeline` for its whole run.
//!
//! `capabilities` reads entities, areas and existing automations from Home
//! Assistant when it is configured, and the stored Zigbee2MQTT capabilities;
//! `events` applies the retention (the daily job is what prunes) and reads the
//! window; `patterns`, `synergies` and `features` run the pure miners of
//! [`crate::analysis`] on the blocking pool; `store` replaces the stored
//! findings in one transaction. `suggestions` is the suggestion work still to
//! land.

use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use jiff::tz::TimeZone;

use crate::analysis::features::CapabilityInfo;
use crate::analysis::{self, Findings, Thresholds, Window};
use crate::config::HomeAssistantConfig;
use crate::db::{self, Db};
use crate::ha::rest;
use crate::ingest::Record;
use crate::job::Phase;

/// What a phase reports back to the runner.
#[derive(Debug, Default)]
pub struct PhaseOutcome {
    /// Named counts for the job status (`events`, `patterns`, ...).
    pub counts: Vec<(&'static str, u64)>,
    /// Set when the phase finished without an optional part (the LLM), so
    /// the job ends `degraded` with this reason.
    pub degraded: Option<String>,
}

/// What the phases need from the configuration.
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
}

/// One job's pass through the phases.
#[derive(Debug)]
pub struct Pipeline {
    db: Db,
    settings: Settings,
    job_id: i64,
    window: Arc<Window>,
    capabilities: Arc<Vec<CapabilityInfo>>,
    findings: Findings,
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
        }
    }

    /// Runs one phase. Blocking work happens on the database's blocking pool.
    pub async fn run_phase(&mut self, phase: Phase) -> anyhow::Result<PhaseOutcome> {
        match phase {
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
            // Suggestions are built from the findings by the suggestion work
            // still to land.
            Phase::Suggestions => Ok(PhaseOutcome::default()),
            Phase::Store => {
                let (job_id, findings) = (self.job_id, std::mem::take(&mut self.findings));
                let written = self
                    .db
                    .run(move |conn| db::findings::replace(conn, job_id, &findings))
                    .await?;
                Ok(PhaseOutcome {
                    counts: vec![("findings_stored", written as u64)],
                    degraded: None,
                })
            }
        }
    }

    async fn patterns(&mut self) -> anyhow::Result<PhaseOutcome> {
        let window = self.window.clone();
        let (tz, thresholds) = (
            self.settings.timezone.clone(),
            self.settings.thresholds.clone(),
        );
        let (routines, sequences) = cpu(move || {
            (
                analysis::routines::detect(&window, &thresholds),
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
        let tz = self.settings.timezone.clone();
        self.db
            .run(move |conn| {
                db::events::write_batch(conn, &mut db::events::EntityIds::new(), &records, &tz)?;
                db::events::set_areas(conn, &areas)?;
                db::events::replace_automations(conn, &automations)
            })
            .await?;
        Ok(counts)
    }

    async fn events(&mut self) -> anyhow::Result<PhaseOutcome> {
        let cutoff = Timestamp::now()
            .checked_sub(jiff::SignedDuration::try_from(self.settings.retention)?)?;
        let since =
            Timestamp::now().checked_sub(jiff::SignedDuration::try_from(self.settings.window)?)?;
        let tz = self.settings.timezone.clone();
        let (pruned, window) = self
            .db
            .run(move |conn| {
                let pruned = db::events::prune(conn, cutoff, &tz)?;
                Ok((pruned, db::window::read(conn, since, &tz)?))
            })
            .await?;
        if pruned > 0 {
            tracing::info!(pruned, "deleted events older than the retention");
        }
        let counts = vec![
            ("events", window.events.len() as u64),
            ("entities_seen", window.entities.len() as u64),
            ("events_pruned", pruned),
        ];
        self.window = Arc::new(window);
        Ok(PhaseOutcome {
            counts,
            degraded: None,
        })
    }
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
