use super::*;
use crate::analysis::routines::{DayClass, detect};
use jiff::tz::TimeZone;

#[test]
fn a_regular_time_near_midnight_is_one_routine() {
    // 23:50 to 00:10, alternating sides of midnight, every day for 4 weeks.
    let events: Vec<_> = (0..28)
        .map(|d| {
            (
                "light.porch",
                "off",
                at(d, 1430.0 + 20.0 * jitter(d as u64)),
                Origin::User,
            )
        })
        .collect();
    let found = detect(&window(&events, 28), &TimeZone::UTC, &thresholds());
    assert_eq!(found.len(), 1, "{found:#?}");
    let r = &found[0];
    assert_eq!(r.days, DayClass::All);
    assert!(
        stats::circular_diff(r.center_minutes, 1430.0).abs() < 8.0,
        "{r:#?}"
    );
    assert!(r.spread_minutes < 15.0, "{r:#?}");
}

#[test]
fn a_weekday_only_routine_is_split_from_the_weekend() {
    // 2026-01-01 is a Thursday: days 2, 3 (Sat, Sun), 9, 10 … are weekends.
    let events: Vec<_> = (0..28)
        .filter(|d| !matches!(d % 7, 2 | 3))
        .map(|d| {
            (
                "light.kitchen",
                "on",
                at(d, 405.0 + 6.0 * jitter(d as u64)),
                Origin::User,
            )
        })
        .collect();
    let found = detect(&window(&events, 28), &TimeZone::UTC, &thresholds());
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].days, DayClass::Weekdays);
    // Stored in 5-minute slots: the centre is right to within a few minutes.
    assert!((found[0].center_minutes - 405.0).abs() <= 3.0, "{found:#?}");
    assert_eq!((found[0].days_observed, found[0].days_in_class), (20, 20));
}

#[test]
fn random_use_during_the_day_is_not_a_routine() {
    let events: Vec<_> = (0..28 * 5)
        .map(|i| {
            let minutes = 480.0 + 420.0 * (jitter(i) + 1.0);
            (
                "light.living_room",
                "on",
                at((i / 5) as i32, minutes),
                Origin::User,
            )
        })
        .collect();
    assert!(detect(&window(&events, 28), &TimeZone::UTC, &thresholds()).is_empty());
}

#[test]
fn automations_and_measurements_are_not_routines() {
    let mut events: Vec<_> = (0..28)
        .map(|d| ("light.garden", "on", at(d, 1200.0), Origin::Automation))
        .collect();
    events.extend((0..28).map(|d| ("sensor.temperature", "21.5", at(d, 420.0), Origin::Device)));
    assert!(detect(&window(&events, 28), &TimeZone::UTC, &thresholds()).is_empty());
}

#[test]
fn weekdays_and_weekends_are_split_only_when_their_times_differ() {
    // 2026-01-01 is a Thursday: days 2, 3 (Sat, Sun), 9, 10 … are weekends.
    let weekend = |d: i32| matches!(d % 7, 2 | 3);
    let at_times = |weekday_time: f64, weekend_time: f64| -> Vec<_> {
        (0..28)
            .map(|d| {
                let base = if weekend(d) {
                    weekend_time
                } else {
                    weekday_time
                };
                (
                    "light.kitchen",
                    "on",
                    at(d, base + 3.0 * jitter(d as u64)),
                    Origin::User,
                )
            })
            .collect()
    };
    // Twenty-five minutes apart: two routines.
    let found = detect(
        &window(&at_times(405.0, 430.0), 28),
        &TimeZone::UTC,
        &thresholds(),
    );
    let classes: Vec<DayClass> = found.iter().map(|r| r.days).collect();
    assert_eq!(
        classes,
        [DayClass::Weekdays, DayClass::Weekends],
        "{found:#?}"
    );
    // Three minutes apart: one every-day routine.
    let found = detect(
        &window(&at_times(405.0, 408.0), 28),
        &TimeZone::UTC,
        &thresholds(),
    );
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].days, DayClass::All);
}

#[test]
fn home_assistant_restarting_at_night_is_not_a_routine() {
    // The porch light is switched on around 20:00 and off around 23:00;
    // the hall light stays on all night. Home Assistant restarts (an update)
    // around 04:00 every night: its MQTT entities are `unavailable` for a
    // few milliseconds and then back as they were. The porch light is also
    // behind a wall switch some mornings: off at the wall (unavailable for
    // hours), on again at 07:00 by hand — that is an action.
    let mut events = Vec::new();
    for d in 0..28 {
        let j = |k: u64| jitter(d as u64 * 7 + k);
        let restart = at(d, 240.0 + 4.0 * j(1));
        events.push((
            "light.hall",
            "on",
            at(d, 1260.0 + 30.0 * j(2)),
            Origin::User,
        ));
        events.push(("light.hall", "unavailable", restart, Origin::Device));
        events.push(("light.hall", "on", restart + 6, Origin::Device));
        events.push((
            "light.hall",
            "off",
            at(d, 450.0 + 60.0 * j(3)),
            Origin::User,
        ));
        events.push(("light.porch", "unavailable", at(d, 60.0), Origin::Device));
        events.push(("light.porch", "on", at(d, 420.0 + 3.0 * j(4)), Origin::User));
    }
    let found = detect(&window(&events, 28), &TimeZone::UTC, &thresholds());
    let at_four = found
        .iter()
        .find(|r| r.entity_id == "light.hall" && r.state == "on");
    assert!(at_four.is_none(), "{at_four:#?}");
    let porch = found
        .iter()
        .find(|r| r.entity_id == "light.porch" && r.state == "on");
    assert!(
        porch.is_some_and(|r| (r.center_minutes - 420.0).abs() < 5.0),
        "{found:#?}"
    );
}
