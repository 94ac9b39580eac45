//! The analysis pipeline: what each phase of a job does.
//!
//! A job runs the phases of [`Phase::ALL`] in order through
//! [`Pipeline::run_phase`]; each returns what it counted and whether it had to
//! degrade. The pipeline carries data from one phase to the next (the window
//! of events read by `events` is what `patterns` mines), so a job owns one
//! `Pipeline` for its whole run.
//!
//! The phases' analysis lands with the ingest, analysis and suggestion work;
//! until a phase has work, it completes at once and counts nothing, so the
//! runner, its status reporting and its persistence are exercised for real.

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

/// One job's pass through the phases.
#[derive(Debug, Default)]
pub struct Pipeline {}

impl Pipeline {
    pub fn new() -> Self {
        Pipeline::default()
    }

    /// Runs one phase. Blocking work happens on the database's blocking pool.
    pub async fn run_phase(&mut self, phase: Phase) -> anyhow::Result<PhaseOutcome> {
        match phase {
            Phase::Capabilities
            | Phase::Events
            | Phase::Patterns
            | Phase::Synergies
            | Phase::Features
            | Phase::Suggestions
            | Phase::Store => Ok(PhaseOutcome::default()),
        }
    }
}
