//! The daily run: at a local time of day, in the home's time zone.
//!
//! [`next_run`] is a pure function of the clock, so daylight-saving behaviour
//! is tested without waiting a year. Its policy follows jiff's "compatible"
//! disambiguation, the one most calendars use: a time that does not exist on
//! the day clocks spring forward (02:30 in Europe/Berlin) runs at the same
//! offset after the gap (03:30), and a time that happens twice when clocks
//! fall back runs once, at its first occurrence.

use std::time::Duration;

use jiff::civil::Time;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp, ToSpan};
use tokio_util::sync::CancellationToken;

use super::runner::Triggers;
use crate::model::Trigger;

/// The first instant strictly after `now` at which the wall clock in `tz`
/// shows `at`.
pub fn next_run(now: Timestamp, at: Time, tz: &TimeZone) -> Result<Timestamp, jiff::Error> {
    let today = now.to_zoned_datetime(tz.clone()).date();
    let mut day = today;
    // Two days always suffice; the third guards against a zone whose whole
    // day is skipped (it has happened: Samoa, 2011-12-30).
    for _ in 0..3 {
        let candidate = day
            .to_datetime(at)
            .to_zoned_datetime(tz.clone())?
            .timestamp();
        if candidate > now {
            return Ok(candidate);
        }
        day = day.checked_add(1.day())?;
    }
    Err(jiff::Error::from_args(format_args!(
        "no {at} after {now} in {}",
        tz.iana_name().unwrap_or("the configured time zone")
    )))
}

/// How long the schedule sleeps at most before it looks at the clock again.
///
/// A Raspberry Pi has no real-time clock: it may boot with a stale time that
/// NTP corrects minutes later. One long monotonic sleep would then fire at
/// the wrong wall-clock time, so the loop wakes now and then to re-check.
const RECHECK: Duration = Duration::from_secs(300);

/// A run that is this late was missed (the machine slept, or the clock
/// jumped forward): skip it rather than run at an unexpected hour.
const MISSED_AFTER: SignedDuration = SignedDuration::from_mins(30);

/// Requests a job every day at `at` (local time in `tz`) until `cancel` fires.
pub async fn run(at: Time, tz: TimeZone, triggers: Triggers, cancel: CancellationToken) {
    loop {
        let next = match next_run(Timestamp::now(), at, &tz) {
            Ok(next) => next,
            Err(e) => {
                tracing::error!(error = %e, "cannot compute the next scheduled run; the schedule stops");
                return;
            }
        };
        tracing::info!(next = %next.to_zoned_datetime(tz.clone()), "next scheduled analysis");
        loop {
            let late = Timestamp::now().duration_since(next);
            if late >= SignedDuration::ZERO {
                if late < MISSED_AFTER {
                    triggers.request(Trigger::Schedule);
                } else {
                    tracing::warn!(%next, "skipped a scheduled analysis: the clock jumped past it");
                }
                break;
            }
            let wait = Duration::try_from(-late).unwrap_or(RECHECK).min(RECHECK);
            tokio::select! {
                () = cancel.cancelled() => return,
                () = tokio::time::sleep(wait) => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(now: &str, at: &str, tz: &str, expected: &str) {
        let tz = TimeZone::get(tz).unwrap();
        let now: Timestamp = now.parse().unwrap();
        let at: Time = at.parse().unwrap();
        let next = next_run(now, at, &tz).unwrap();
        assert_eq!(next.to_string(), expected, "next {at} after {now}");
    }

    #[test]
    fn later_today_or_tomorrow() {
        check(
            "2026-06-01T00:30:00Z",
            "03:00",
            "UTC",
            "2026-06-01T03:00:00Z",
        );
        check(
            "2026-06-01T03:00:00Z",
            "03:00",
            "UTC",
            "2026-06-02T03:00:00Z",
        );
        check(
            "2026-06-01T12:00:00Z",
            "03:00",
            "Europe/Berlin",
            "2026-06-02T01:00:00Z",
        );
    }

    #[test]
    fn same_local_time_on_both_sides_of_spring_forward() {
        // Europe/Berlin moves from +01:00 to +02:00 at 02:00 on 2026-03-29.
        check(
            "2026-03-28T12:00:00Z",
            "03:00",
            "Europe/Berlin",
            "2026-03-29T01:00:00Z",
        );
        check(
            "2026-03-29T01:00:00Z",
            "03:00",
            "Europe/Berlin",
            "2026-03-30T01:00:00Z",
        );
        check(
            "2026-03-27T12:00:00Z",
            "03:00",
            "Europe/Berlin",
            "2026-03-28T02:00:00Z",
        );
    }

    #[test]
    fn a_time_in_the_spring_gap_runs_after_it() {
        // 02:30 does not exist in Berlin on 2026-03-29: it runs at 03:30 CEST.
        check(
            "2026-03-28T12:00:00Z",
            "02:30",
            "Europe/Berlin",
            "2026-03-29T01:30:00Z",
        );
    }

    #[test]
    fn a_time_that_repeats_in_autumn_runs_once() {
        // Berlin falls back from 03:00 CEST to 02:00 CET on 2026-10-25, so
        // 02:30 happens at 00:30Z and again at 01:30Z.
        check(
            "2026-10-24T12:00:00Z",
            "02:30",
            "Europe/Berlin",
            "2026-10-25T00:30:00Z",
        );
        check(
            "2026-10-25T00:30:00Z",
            "02:30",
            "Europe/Berlin",
            "2026-10-26T01:30:00Z",
        );
        // 03:00 is unambiguous that day and is one hour later in UTC terms.
        check(
            "2026-10-24T12:00:00Z",
            "03:00",
            "Europe/Berlin",
            "2026-10-25T02:00:00Z",
        );
    }

    #[test]
    fn southern_hemisphere_and_american_rules() {
        // New York springs forward on 2026-03-08 at 02:00.
        check(
            "2026-03-07T12:00:00Z",
            "03:00",
            "America/New_York",
            "2026-03-08T07:00:00Z",
        );
        check(
            "2026-03-06T12:00:00Z",
            "03:00",
            "America/New_York",
            "2026-03-07T08:00:00Z",
        );
        // Sydney falls back on 2026-04-05 at 03:00 (+11:00 to +10:00).
        check(
            "2026-04-04T00:00:00Z",
            "04:00",
            "Australia/Sydney",
            "2026-04-04T18:00:00Z",
        );
    }

    #[tokio::test(start_paused = true)]
    async fn cancelling_stops_a_sleeping_schedule() {
        let (triggers, mut rx) = Triggers::channel();
        let cancel = CancellationToken::new();
        // An hour from now: the loop is asleep when it is cancelled.
        let at = Timestamp::now()
            .checked_add(SignedDuration::from_hours(1))
            .unwrap()
            .to_zoned_datetime(TimeZone::UTC)
            .time();
        let task = tokio::spawn(run(at, TimeZone::UTC, triggers, cancel.clone()));
        tokio::task::yield_now().await;
        cancel.cancel();
        // Paused time advances by itself while everything waits, so a loop
        // that ignored the cancellation would run into this (virtual) day.
        tokio::time::timeout(Duration::from_secs(86_400), task)
            .await
            .expect("the schedule must stop when cancelled")
            .unwrap();
        assert!(rx.try_recv().is_err(), "no job may be requested");
    }
}
