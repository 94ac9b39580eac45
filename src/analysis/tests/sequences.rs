use jiff::tz::TimeZone;

use super::*;
use crate::analysis::sequences::detect;

#[test]
fn a_sequence_that_holds_only_in_the_evening_gets_its_hours() {
    let mut events = Vec::new();
    for d in 0..21 {
        for k in 0..20u64 {
            // Motion every ~50 minutes from 07:00; the light follows 3–6 s
            // later, but only from 18:00 to 22:00.
            let minutes = 420.0 + k as f64 * 50.0 + 10.0 * jitter(k + 100 * d as u64);
            let t = at(d, minutes);
            events.push(("binary_sensor.hall_motion", "on", t, Origin::Device));
            if (1080.0..1320.0).contains(&minutes) {
                events.push((
                    "light.hall",
                    "on",
                    t + 3000 + (k as i64 % 4) * 1000,
                    Origin::Device,
                ));
            }
        }
    }
    let found = detect(&window(&events, 21), &TimeZone::UTC, &thresholds());
    assert_eq!(found.len(), 1, "{found:#?}");
    let s = &found[0];
    assert_eq!(
        (s.trigger_entity.as_str(), s.action_entity.as_str()),
        ("binary_sensor.hall_motion", "light.hall")
    );
    assert_eq!(s.time_window, Some(("18:00".into(), "22:00".into())));
    assert!(s.follows > 0.9 && s.precedes > 0.99, "{s:#?}");
    assert!(s.delay_median_s >= 3.0 && s.delay_median_s <= 6.0, "{s:#?}");
}

#[test]
fn two_busy_independent_entities_are_not_a_sequence() {
    // A presence sensor every ~3 minutes and a plug every ~4 minutes, each on
    // its own clock: they fall within a minute of each other all day long.
    let mut events = Vec::new();
    for i in 0..10_000u64 {
        let t = at(0, 0.0) + (i as i64) * 180_000 + (jitter(i) * 60_000.0) as i64;
        events.push((
            "binary_sensor.office_presence",
            if i % 2 == 0 { "on" } else { "off" },
            t,
            Origin::Device,
        ));
        let u = at(0, 0.0) + (i as i64) * 240_000 + (jitter(i + 77) * 100_000.0) as i64;
        events.push((
            "switch.plug",
            if i % 2 == 0 { "on" } else { "off" },
            u,
            Origin::Device,
        ));
    }
    let found = detect(&window(&events, 28), &TimeZone::UTC, &thresholds());
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn a_delay_fixed_to_the_millisecond_is_a_machine_not_a_habit() {
    let mut events = Vec::new();
    for k in 0..60 {
        let t = at(k / 3, 600.0 + (k % 3) as f64 * 120.0);
        events.push(("binary_sensor.stairs_motion", "on", t, Origin::Device));
        events.push(("light.stairs", "on", t + 500, Origin::Device));
    }
    let (found, verdicts) =
        crate::analysis::sequences::explain(&window(&events, 20), &TimeZone::UTC, &thresholds());
    assert!(found.is_empty(), "{found:#?}");
    assert!(
        verdicts.iter().any(|v| v
            .rejected
            .as_deref()
            .is_some_and(|r| r.contains("millisecond"))),
        "{verdicts:#?}"
    );
}

#[test]
fn a_slow_follower_is_found_and_a_burst_is_not() {
    let mut events = Vec::new();
    // A fan two minutes (40–150 s) after "humidity high", twice a day.
    for k in 0..40u64 {
        let t = at(
            (k / 2) as i32,
            420.0 + (k % 2) as f64 * 700.0 + 30.0 * jitter(k),
        );
        events.push(("binary_sensor.bath_humidity", "on", t, Origin::Device));
        let delay = 40_000 + ((jitter(k + 9) + 1.0) * 55_000.0) as i64;
        events.push(("fan.bath", "on", t + delay, Origin::User));
    }
    // A burst: 6 sensors and 6 lights toggled at random, 200 a second for
    // ten minutes, on one day.
    let start = at(21, 1200.0);
    for k in 0..120_000u64 {
        let i = (jitter(k * 7 + 3).abs() * 12.0) as usize % 12;
        let (entity, state) = match i {
            0..6 => (
                [
                    "binary_sensor.a_motion",
                    "binary_sensor.b_motion",
                    "binary_sensor.c_motion",
                    "binary_sensor.d_motion",
                    "binary_sensor.e_motion",
                    "binary_sensor.f_motion",
                ][i],
                if k % 2 == 0 { "on" } else { "off" },
            ),
            _ => (
                [
                    "light.a", "light.b", "light.c", "light.d", "light.e", "light.f",
                ][i - 6],
                if k % 3 == 0 { "on" } else { "off" },
            ),
        };
        events.push((entity, state, start + k as i64 * 5, Origin::Device));
    }
    let found = detect(&window(&events, 22), &TimeZone::UTC, &thresholds());
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].action_entity, "fan.bath");
    assert!(
        found[0].delay_median_s > 40.0 && found[0].delay_median_s < 150.0,
        "{:#?}",
        found[0]
    );
}

#[test]
fn permutations_of_one_pair_are_one_sequence_with_its_release() {
    let mut events = Vec::new();
    for k in 0..60u64 {
        let t = at(
            (k / 3) as i32,
            1100.0 + (k % 3) as f64 * 50.0 + 10.0 * jitter(k),
        );
        let on = t + 2_000 + (k as i64 % 5) * 700;
        let gone = t + 90_000;
        let off = gone + 120_000 + (k as i64 % 7) * 9_000;
        events.push(("binary_sensor.hall_motion", "on", t, Origin::Device));
        events.push(("light.hall", "on", on, Origin::User));
        events.push(("binary_sensor.hall_motion", "off", gone, Origin::Device));
        events.push(("light.hall", "off", off, Origin::User));
    }
    let found = detect(&window(&events, 20), &TimeZone::UTC, &thresholds());
    assert_eq!(found.len(), 1, "{found:#?}");
    let s = &found[0];
    assert_eq!(
        (s.trigger_state.as_str(), s.action_state.as_str()),
        ("on", "on")
    );
    let release = s.release.as_ref().expect("a release");
    assert_eq!(
        (
            release.trigger_state.as_str(),
            release.action_state.as_str()
        ),
        ("off", "off")
    );
    assert!(
        release.delay_median_s > 110.0 && release.delay_median_s < 190.0,
        "{release:#?}"
    );
}

#[test]
fn what_an_automation_already_links_is_not_a_sequence() {
    let mut events = Vec::new();
    for k in 0..60 {
        let t = at(k / 3, 600.0 + (k % 3) as f64 * 120.0);
        events.push(("binary_sensor.stairs_motion", "on", t, Origin::Device));
        events.push((
            "light.stairs",
            "on",
            t + 500 + (k as i64 * 37) % 400,
            Origin::Device,
        ));
    }
    let mut w = window(&events, 20);
    assert_eq!(detect(&w, &TimeZone::UTC, &thresholds()).len(), 1);
    w.automations.push(Automation {
        entity_id: "automation.stairs".into(),
        trigger_entities: ["binary_sensor.stairs_motion".to_owned()].into(),
        action_entities: ["light.stairs".to_owned()].into(),
        has_time_trigger: false,
    });
    assert!(detect(&w, &TimeZone::UTC, &thresholds()).is_empty());
}
