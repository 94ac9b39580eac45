//! The analysis on a simulated home (`habitd::demo`, also `habitd demo`'s):
//! four weeks of a household in Berlin
//! across the spring daylight-saving change, with planted routines and a
//! planted sequence among noise, busy unrelated entities, automation-driven
//! changes, measurements, an already automated pair and unavailable blips.
//! Events go through the real storage path (batched writes, local-time
//! aggregates) into a SQLite file, and the window is read back as the daily
//! job reads it.

use std::time::Duration;

use habitd::analysis::routines::DayClass;
use habitd::analysis::{self, Findings};
use habitd::config::DatabaseConfig;
use habitd::db::{self, Db};
use habitd::demo::{Home, simulate};
use jiff::Timestamp;

fn analyse(home: &Home) -> Findings {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(&DatabaseConfig {
        path: dir.path().join("habitd.db"),
        pool_size: 1,
        busy_timeout: Duration::from_secs(5),
        cache_size_kib: 4096,
    })
    .unwrap();
    let mut conn = db.get().unwrap();
    db::events::ensure_activity_time_zone(&mut conn, &home.tz).unwrap();
    let mut ids = db::events::EntityIds::new();
    for batch in home.records.chunks(1000) {
        db::events::write_batch(&mut conn, &mut ids, batch, &home.tz).unwrap();
    }
    let automation = habitd::demo::existing_automation();
    db::events::replace_automations(
        &mut conn,
        &[(
            "1".into(),
            "automation.stairs".into(),
            None,
            Some(automation),
        )],
    )
    .unwrap();
    let since: Timestamp = "2026-03-15T00:00:00Z".parse().unwrap();
    // The simulated month's end, not today: the result must not depend on
    // the day the test runs.
    let until = home
        .records
        .iter()
        .filter_map(|r| match r {
            habitd::model::Record::Event(change) => Some(change.at),
            _ => None,
        })
        .max()
        .unwrap();
    let window = habitd::pipeline::read_window(&conn, since, until, &home.tz).unwrap();
    let config = habitd::config::load_from(
        None,
        [("HABITD__ANALYSIS__TIMEZONE".into(), "Europe/Berlin".into())],
    )
    .unwrap()
    .config;
    let th = config.analysis.thresholds;
    let routines = analysis::routines::detect(&window, &th);
    let sequences = analysis::sequences::detect(&window, &home.tz, &th);
    let synergies = analysis::synergies::detect(&window, &sequences);
    Findings {
        routines,
        sequences,
        synergies,
        unused_features: Vec::new(),
    }
}

fn minutes(hhmm: &str) -> f64 {
    let (h, m) = hhmm.split_once(':').unwrap();
    h.parse::<f64>().unwrap() * 60.0 + m.parse::<f64>().unwrap()
}

fn check_home(seed: u64) {
    let found = analyse(&simulate(seed));
    let routine = |entity: &str, state: &str| {
        found
            .routines
            .iter()
            .find(|r| r.entity_id == entity && r.state == state)
            .unwrap_or_else(|| {
                panic!(
                    "seed {seed}: no routine {entity} → {state}: {:#?}",
                    found.routines
                )
            })
    };

    // The weekday morning light, at the same local time on both sides of the
    // daylight-saving change (a UTC mix-up would split it an hour apart).
    let kitchen = routine("light.kitchen_ceiling", "on");
    assert_eq!(kitchen.days, DayClass::Weekdays, "{kitchen:#?}");
    assert!(
        (minutes(&kitchen.time) - 405.0).abs() <= 6.0,
        "{kitchen:#?}"
    );
    assert!(kitchen.spread_minutes < 10.0, "{kitchen:#?}");
    assert!(kitchen.share >= 0.75, "{kitchen:#?}");
    let off = routine("light.kitchen_ceiling", "off");
    assert!((minutes(&off.time) - 460.0).abs() <= 6.0, "{off:#?}");

    let blind = routine("cover.bedroom_blind", "open");
    assert_eq!(blind.days, DayClass::Weekends, "{blind:#?}");
    assert!((minutes(&blind.time) - 570.0).abs() <= 6.0, "{blind:#?}");

    // Around midnight: one routine, centred near 23:55, not split or at noon.
    let porch = routine("light.porch", "off");
    assert_eq!(porch.days, DayClass::All, "{porch:#?}");
    let to_midnight = analysis::stats::circular_diff(minutes(&porch.time), 1435.0).abs();
    assert!(to_midnight <= 6.0, "{porch:#?}");
    assert!(porch.spread_minutes < 12.0, "{porch:#?}");

    // Nothing else is a routine: random use, busy plugs, automations,
    // measurements, blips.
    let planted = [
        ("light.kitchen_ceiling", "on"),
        ("light.kitchen_ceiling", "off"),
        ("cover.bedroom_blind", "open"),
        ("light.porch", "off"),
    ];
    for r in &found.routines {
        assert!(
            planted.contains(&(r.entity_id.as_str(), r.state.as_str())),
            "seed {seed}: unexpected routine {r:#?}"
        );
    }

    // The one sequence: hallway motion → hallway light, seconds later, in
    // the evening.
    assert_eq!(
        found.sequences.len(),
        1,
        "seed {seed}: {:#?}",
        found.sequences
    );
    let s = &found.sequences[0];
    assert_eq!(
        (
            s.trigger_entity.as_str(),
            s.trigger_state.as_str(),
            s.action_entity.as_str(),
            s.action_state.as_str()
        ),
        ("binary_sensor.hallway_motion", "on", "light.hallway", "on")
    );
    assert!(s.delay_median_s > 2.0 && s.delay_median_s < 8.0, "{s:#?}");
    let (start, end) = s
        .time_window
        .clone()
        .expect("an evening-only sequence has hours");
    assert!((17..=18).contains(&(minutes(&start) as i64 / 60)), "{s:#?}");
    assert!((22..=23).contains(&(minutes(&end) as i64 / 60)), "{s:#?}");
    assert!(s.follows > 0.75 && s.precedes > 0.9, "{s:#?}");
    assert!(s.z > 10.0, "{s:#?}");

    // Synergies: the office presence sensor and the office light; never the
    // pair already found as a sequence, nor the automated one.
    assert!(
        found
            .synergies
            .iter()
            .any(|y| y.trigger_entity == "binary_sensor.office_presence"
                && y.action_entity == "light.office_desk"),
        "{:#?}",
        found.synergies
    );
    assert!(
        found
            .synergies
            .iter()
            .all(|y| y.action_entity != "light.hallway" && y.action_entity != "light.stairs")
    );
}

#[test]
fn a_simulated_home_yields_exactly_its_planted_habits() {
    check_home(1);
}

/// Sixty households drawn the same way. Four weeks hold only eight weekend
/// days, so chance sometimes wins: a light used at random between 18:00 and
/// 20:00 can fall within ± 11 min on all eight (seeds 10, 17), and a planted
/// weekend routine can be missed. Measured: 55 of 60 exactly right (misses:
/// seeds 10, 17, 28, 53, 59), and none
/// of the misses touches the busy entities, the automation or the
/// measurement. This fails if accuracy drops below 90 %. (Seed 4 once showed
/// the porch light "missed" on nights it went off after midnight: fixed.)
#[test]
fn most_households_give_exactly_the_planted_answers() {
    let mut failed = Vec::new();
    for seed in 1..=60 {
        if std::panic::catch_unwind(|| check_home(seed)).is_err() {
            failed.push(seed);
        }
    }
    assert!(
        failed.len() <= 6,
        "households not exactly right: {failed:?}"
    );
}
