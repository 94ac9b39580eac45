//! The analysis pipeline: what each phase of a job does.
//!
//! A job runs the phases of [`Phase::ALL`] in order through
//! [`Pipeline::run_phase`]; each returns what it counted and whether it had to
//! degrade. The pipeline carries data from one phase to the next (the window
//! of events read by `events` is what `patterns` mines), so a job owns one
//! `Pipeline` for its whole run.
//!
//! Done so far: `events` applies the retention (the daily job is what prunes)
//! and counts what the window holds. Pattern mining, synergies, features and
//! suggestions are the analysis and suggestion work still to land; until then
//! those phases complete at once and count nothing.

use std::time::Duration;

use jiff::Timestamp;
use jiff::tz::TimeZone;

use crate::db::{self, Db};
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
            Phase::Capabilities
            | Phase::Patterns
            | Phase::Synergies
            | Phase::Features
            | Phase::Suggestions
            | Phase::Store => Ok(PhaseOutcome::default()),
        }
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
