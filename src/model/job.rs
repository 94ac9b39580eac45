//! Analysis jobs as the rest of habitd speaks of them: what started one,
//! where it is, the pipeline's phases, and the status that is stored in the
//! `jobs` table and published on `habitd/job/status`.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// What started a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Trigger {
    /// The daily schedule.
    Schedule,
    /// An MQTT command (`habitd/command/analyze` or Home Assistant's button).
    Command,
    /// `habitd analyze` on the command line.
    Cli,
    /// The daemon's first start on an empty database: the job fetches
    /// Home Assistant's history first (`homeassistant.backfill_days`).
    FirstStart,
}

/// Where a job is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    /// Accepted, waiting for another job (possibly another process's) to end.
    Queued,
    Running,
    Succeeded,
    /// Finished with every result, but some optional part (the LLM) failed.
    Degraded,
    /// Stopped by an error, a shutdown or a crash; `error` says which.
    Failed,
}

impl JobState {
    pub fn is_final(self) -> bool {
        matches!(self, Self::Succeeded | Self::Degraded | Self::Failed)
    }
}

/// The pipeline's phases, in the order a job runs them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Home Assistant's history fetched into the database: only the first
    /// start's job runs it ([`Phase::of`]).
    History,
    Capabilities,
    Events,
    Patterns,
    Synergies,
    Features,
    Suggestions,
    Store,
}

impl Phase {
    /// The phases a job started by `trigger` runs, in order.
    pub fn of(trigger: Trigger) -> &'static [Phase] {
        match trigger {
            Trigger::FirstStart => Phase::ALL,
            Trigger::Schedule | Trigger::Command | Trigger::Cli => &Phase::ALL[1..],
        }
    }

    /// Progress (0–100) of a job running `phases` when it has done
    /// `done` (0.0–1.0) of this one.
    pub fn progress(self, phases: &[Phase], done: f64) -> u8 {
        let index = phases.iter().position(|p| *p == self).unwrap_or(0);
        let done = if done.is_finite() {
            done.clamp(0.0, 1.0)
        } else {
            0.0
        };
        // Below 100 until the job has finished, so the cast cannot truncate.
        ((index as f64 + done) * 100.0 / phases.len() as f64).min(99.0) as u8
    }
}

text_enum!(Trigger {
    Schedule => "schedule", Command => "command", Cli => "cli", FirstStart => "first_start",
});
text_enum!(JobState {
    Queued => "queued", Running => "running", Succeeded => "succeeded",
    Degraded => "degraded", Failed => "failed",
});
text_enum!(Phase {
    History => "history", Capabilities => "capabilities", Events => "events", Patterns => "patterns",
    Synergies => "synergies", Features => "features", Suggestions => "suggestions",
    Store => "store",
});

/// A job's status, as stored in `jobs` and published on `habitd/job/status`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobStatus {
    pub job_id: i64,
    pub trigger: Trigger,
    pub state: JobState,
    /// The phase running now, or the last one run.
    pub phase: Option<Phase>,
    /// 0–100.
    pub progress: u8,
    pub queued_at: Timestamp,
    pub started_at: Option<Timestamp>,
    pub finished_at: Option<Timestamp>,
    /// Wall time of each finished phase, in milliseconds.
    pub phase_durations_ms: BTreeMap<Phase, u64>,
    /// What the phases counted (events read, patterns found, ...).
    pub counts: BTreeMap<String, u64>,
    pub error: Option<String>,
}

/// The time now, to the millisecond: job times are stored so, and a status
/// read back must equal the one published.
pub fn now() -> Timestamp {
    let now = Timestamp::now();
    Timestamp::from_millisecond(now.as_millisecond()).unwrap_or(now)
}

impl JobStatus {
    pub fn queued(job_id: i64, trigger: Trigger, queued_at: Timestamp) -> Self {
        JobStatus {
            job_id,
            trigger,
            state: JobState::Queued,
            phase: None,
            progress: 0,
            queued_at,
            started_at: None,
            finished_at: None,
            phase_durations_ms: BTreeMap::new(),
            counts: BTreeMap::new(),
            error: None,
        }
    }

    /// Total wall time from start to finish, once finished.
    pub fn duration(&self) -> Option<jiff::SignedDuration> {
        Some(self.finished_at?.duration_since(self.started_at?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_match_serde() {
        for &phase in Phase::ALL {
            assert_eq!(phase.as_str().parse::<Phase>().unwrap(), phase);
            assert_eq!(
                serde_json::to_value(phase).unwrap(),
                serde_json::Value::String(phase.as_str().into())
            );
        }
        for state in [JobState::Queued, JobState::Running, JobState::Failed] {
            assert_eq!(state.as_str().parse::<JobState>().unwrap(), state);
        }
        assert!("exploded".parse::<JobState>().is_err());
    }

    #[test]
    fn progress_grows_with_the_phases() {
        for trigger in [Trigger::Schedule, Trigger::FirstStart] {
            let phases = Phase::of(trigger);
            let mut progress: Vec<u8> = Vec::new();
            for p in phases {
                progress.push(p.progress(phases, 0.0));
                progress.push(p.progress(phases, 0.5));
            }
            assert_eq!(progress.first(), Some(&0));
            assert!(progress.windows(2).all(|w| w[0] < w[1]), "{progress:?}");
            assert!(progress.iter().all(|p| *p < 100));
        }
        assert_eq!(Phase::History.progress(Phase::ALL, f64::NAN), 0);
        assert_eq!(Phase::Store.progress(Phase::ALL, 2.0), 99);
    }

    #[test]
    fn only_a_first_start_fetches_history() {
        assert_eq!(Phase::of(Trigger::FirstStart)[0], Phase::History);
        for trigger in [Trigger::Schedule, Trigger::Command, Trigger::Cli] {
            assert!(!Phase::of(trigger).contains(&Phase::History));
            assert_eq!(Phase::of(trigger)[0], Phase::Capabilities);
        }
    }
}
