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
fn what_an_automation_already_links_is_not_a_sequence() {
    let mut events = Vec::new();
    for k in 0..60 {
        let t = at(k / 3, 600.0 + (k % 3) as f64 * 120.0);
        events.push(("binary_sensor.stairs_motion", "on", t, Origin::Device));
        events.push(("light.stairs", "on", t + 500, Origin::Device));
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
