//! The analysis pipeline: what each phase of a job does.
//!
//! A job runs the phases of [`Phase::ALL`] in order through
//! [`Pipeline::run_phase`]; each returns what it counted and whether it had to
//! degrade. The pipeline carries data from one phase to the next (the window
//! of events read by `events` is what `patterns` mines), so a job owns one
//! `Pipeline` for its whole run.
//!
//! Done so far: `capabilities` reads entities, areas and existing automations
//! from Home Assistant when it is configured; `events` applies the retention
//! (the daily job is what prunes) and counts what the window holds. Pattern mining, synergies, features and
//! suggestions are the analysis and suggestion work still to land; until then
//! those phases complete at once and count nothing.

use std::time::Duration;

use jiff::Timestamp;
use jiff::tz::TimeZone;

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
}

/// One job's pass through the phases.
#[derive(Debug)]
pub struct Pipeline {
    db: Db,
    settings: Settings,
}

impl Pipeline {
    pub fn new(db: Db, settings: Settings) -> Self {
        Pipeline { db, settings }
    }

    /// Runs one phase. Blocking work happens on the database's blocking pool.
    pub async fn run_phase(&mut self, phase: Phase) -> anyhow::Result<PhaseOutcome> {
        match phase {
            Phase::Events => self.events().await,
            Phase::Capabilities => self.capabilities().await,
            Phase::Patterns
            | Phase::Synergies
            | Phase::Features
            | Phase::Suggestions
            | Phase::Store => Ok(PhaseOutcome::default()),
        }
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
        let tz = self.settings.timezone.clone();
        let (pruned, stored) = self
            .db
            .run(move |conn| {
                let pruned = db::events::prune(conn, cutoff, &tz)?;
                Ok((pruned, db::events::count(conn)?))
            })
            .await?;
        if pruned > 0 {
            tracing::info!(pruned, "deleted events older than the retention");
        }
        Ok(PhaseOutcome {
            counts: vec![("events", stored), ("events_pruned", pruned)],
            degraded: None,
        })
    }
}
