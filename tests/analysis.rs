//! The analysis on a simulated home (`habitd::demo`, also `habitd demo`'s):
//! four weeks of a household in Berlin across the spring daylight-saving
//! change, with planted habits among traps (see `src/demo.rs`). Events go
//! through the real storage path (batched writes, local-time aggregates)
//! into a SQLite file, the window is read back as the daily job reads it,
//! and what is judged is what a resident would see: the suggestions, after
//! the safety policy — each planted habit exactly one suggestion of the
//! right kind (recall), and every habit suggestion a planted habit
//! (precision).

use std::time::Duration;

use habitd::analysis::routines::DayClass;
use habitd::analysis::{self, Finding, Findings};
use habitd::config::DatabaseConfig;
use habitd::db::{self, Db};
use habitd::demo::{Home, simulate};
use habitd::suggest::{self, Context, Draft};
use jiff::Timestamp;

/// The analysis and the suggestions a resident would see.
fn analyse(home: &Home) -> (Findings, Vec<Draft>) {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(&DatabaseConfig {
        path: dir.path().join("habitd.db"),
        pool_size: 1,
        busy_timeout: Duration::from_secs(5),
        cache_size_kib: 4096,
    })
    .unwrap();
    let mut conn = db.get().unwrap();
    let mut ids = db::events::EntityIds::new();
    for batch in home.records.chunks(5000) {
        db::events::write_batch(&mut conn, &mut ids, batch).unwrap();
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
    let config = habitd::config::load_from(
        None,
        [("HABITD__ANALYSIS__TIMEZONE".into(), "Europe/Berlin".into())],
    )
    .unwrap()
    .config;
    let th = config.analysis.thresholds;
    let window = habitd::pipeline::read_window(
        &conn,
        since,
        until,
        &home.tz,
        th.sequence_max_delay_ms,
        db::window::Digests::Recompute,
    )
    .unwrap();
    let routines = analysis::routines::detect(&window, &home.tz, &th);
    let sequences = analysis::sequences::detect(&window, &home.tz, &th);
    let synergies = analysis::synergies::detect(&window, &sequences);
    let findings = Findings {
        routines,
        sequences,
        synergies,
        unused_features: Vec::new(),
    };
    let context = Context::from_window(&window, config.safety);
    let mut drafts = suggest::drafts(&findings, &context);
    suggest::refuse_unsafe(&mut drafts, &context);
    (findings, drafts)
}

fn minutes(hhmm: &str) -> f64 {
    let (h, m) = hhmm.split_once(':').unwrap();
    h.parse::<f64>().unwrap() * 60.0 + m.parse::<f64>().unwrap()
}

/// A habit planted in `habitd::demo::household`.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Planted {
    /// An entity's routine: its days, and its (first) time in minutes.
    Routine(&'static str, DayClass, f64),
    /// Trigger entity → action entity.
    Sequence(&'static str, &'static str),
}

const PLANTED: [Planted; 8] = [
    Planted::Routine("light.kitchen_ceiling", DayClass::Weekdays, 405.0),
    Planted::Routine("switch.coffee_machine", DayClass::Weekdays, 394.0),
    Planted::Routine("cover.bedroom_blind", DayClass::Weekends, 570.0),
    Planted::Routine("light.porch", DayClass::All, 1435.0),
    Planted::Routine("light.bedroom", DayClass::All, 1385.0),
    Planted::Sequence("binary_sensor.hallway_motion", "light.hallway"),
    Planted::Sequence("binary_sensor.bathroom_humidity", "fan.bathroom"),
    // The office presence sensor and the office desk lamp: never linked,
    // a synergy.
    Planted::Sequence("binary_sensor.office_presence", "light.office_desk"),
];

/// Which planted habit a suggestion is, if any: the right entities, and
/// for a routine the right days and a time within ten minutes.
fn planted(draft: &Draft) -> Option<Planted> {
    PLANTED.iter().copied().find(|p| match (p, &draft.finding) {
        (Planted::Routine(entity, days, time), Finding::Routine(r)) => {
            r.entity_id == *entity
                && r.days == *days
                && analysis::stats::circular_diff(minutes(&r.time), *time).abs() <= 10.0
        }
        (Planted::Sequence(trigger, action), Finding::Sequence(s)) => {
            s.trigger_entity == *trigger && s.action_entity == *action
        }
        (Planted::Sequence(trigger, action), Finding::Synergy(y)) => {
            y.trigger_entity == *trigger && y.action_entity == *action
        }
        _ => false,
    })
}

/// How one household came out: planted habits found (as exactly one
/// suggestion each), and suggestions that are no planted habit.
#[derive(Debug, Default)]
struct Score {
    found: usize,
    missed: Vec<Planted>,
    duplicated: Vec<Planted>,
    wrong: Vec<String>,
    suggestions: usize,
}

fn score(drafts: &[Draft]) -> Score {
    let mut s = Score {
        suggestions: drafts.len(),
        ..Default::default()
    };
    for p in PLANTED {
        match drafts.iter().filter(|d| planted(d) == Some(p)).count() {
            0 => s.missed.push(p),
            1 => s.found += 1,
            _ => {
                s.found += 1;
                s.duplicated.push(p);
            }
        }
    }
    s.wrong = drafts
        .iter()
        .filter(|d| planted(d).is_none())
        .map(|d| format!("{} ({})", d.title, d.id))
        .collect();
    s
}

#[test]
fn a_simulated_home_yields_exactly_its_planted_habits() {
    // Seed 1 has the burst of random switching too.
    let home = simulate(1);
    let (found, drafts) = analyse(&home);
    let s = score(&drafts);
    assert!(
        s.missed.is_empty() && s.duplicated.is_empty() && s.wrong.is_empty(),
        "{s:#?}\n{:#?}",
        drafts.iter().map(|d| &d.title).collect::<Vec<_>>()
    );

    // The kitchen light's on and off are one suggestion, one automation,
    // at the same local time on both sides of the daylight-saving change.
    let kitchen = found
        .routines
        .iter()
        .find(|r| r.entity_id == "light.kitchen_ceiling")
        .unwrap();
    assert_eq!(
        (kitchen.state.as_str(), kitchen.days),
        ("on", DayClass::Weekdays)
    );
    let end = kitchen.end.as_ref().expect("its off belongs to it");
    assert_eq!(end.state, "off");
    assert!((minutes(&end.time) - 460.0).abs() <= 6.0, "{kitchen:#?}");
    // The coffee machine goes off a steady 22 minutes after it goes on.
    let coffee = found
        .routines
        .iter()
        .find(|r| r.entity_id == "switch.coffee_machine")
        .unwrap();
    let after = coffee.end.as_ref().and_then(|e| e.after_minutes);
    assert!(
        after.is_some_and(|a| (a - 22.0).abs() <= 1.0),
        "{coffee:#?}"
    );
    // Late nights are exceptions, not a broken routine.
    let bedroom = found
        .routines
        .iter()
        .find(|r| r.entity_id == "light.bedroom")
        .unwrap();
    assert!(bedroom.spread_minutes < 6.0, "{bedroom:#?}");
    // The motion light goes off after the motion stops, in the same
    // automation.
    let hallway = found
        .sequences
        .iter()
        .find(|s| s.action_entity == "light.hallway")
        .unwrap();
    assert!(
        hallway.delay_median_s > 2.0 && hallway.delay_median_s < 8.0,
        "{hallway:#?}"
    );
    let release = hallway.release.as_ref().expect("the light goes off again");
    assert_eq!(
        (
            release.trigger_state.as_str(),
            release.action_state.as_str()
        ),
        ("off", "off")
    );
    // The slow fan: found, with its real delay.
    let fan = found
        .sequences
        .iter()
        .find(|s| s.action_entity == "fan.bathroom")
        .unwrap();
    assert!(
        fan.delay_median_s > 40.0 && fan.delay_median_s < 150.0,
        "{fan:#?}"
    );
    // Plain words.
    let titles: Vec<&str> = drafts.iter().map(|d| d.title.as_str()).collect();
    assert!(
        titles.iter().any(
            |t| t.starts_with("Turn on the kitchen ceiling light at 06:4")
                && t.contains("on weekdays")
        ),
        "{titles:#?}"
    );
    for d in &drafts {
        for bad in ["-0", "about 0 times", "× more", " z "] {
            assert!(!d.description.contains(bad), "{bad}: {}", d.description);
        }
    }
}

/// The same history as a Home Assistant history file gives it: without
/// context, so an automation's changes look like anyone's.
fn without_context(mut home: Home) -> Home {
    for r in &mut home.records {
        if let habitd::model::Record::Event(change) = r
            && change.origin == habitd::model::Origin::Automation
        {
            change.origin = habitd::model::Origin::Device;
        }
    }
    home
}

/// Sixty households drawn the same way (ten with a burst of random
/// switching), every third also as a history without context. Four weeks
/// hold only eight weekend days, so chance sometimes wins; what is asserted
/// is the survey: recall (planted habits found, each as one suggestion) and
/// precision (suggestions that are a planted habit).
#[test]
fn sixty_households_give_their_habits_and_little_else() {
    let (mut planted, mut found, mut suggestions, mut wrong) = (0, 0, 0, 0);
    let mut report = Vec::new();
    let runs = (1..=60u64)
        .map(|seed| (seed, false))
        .chain((3..=60u64).step_by(3).map(|seed| (seed, true)));
    for (seed, bare) in runs {
        let (home, how) = match bare {
            false => (simulate(seed), ""),
            true => (without_context(simulate(seed)), " without context"),
        };
        let (_, drafts) = analyse(&home);
        let s = score(&drafts);
        planted += PLANTED.len();
        found += s.found - s.duplicated.len();
        suggestions += s.suggestions;
        wrong += s.wrong.len();
        if !s.missed.is_empty() || !s.wrong.is_empty() || !s.duplicated.is_empty() {
            report.push(format!("seed {seed}{how}: {s:?}"));
        }
    }
    let recall = found as f64 / planted as f64;
    let precision = (suggestions - wrong) as f64 / suggestions.max(1) as f64;
    eprintln!(
        "recall {found}/{planted} = {recall:.3}, precision {}/{suggestions} = {precision:.3}\n{}",
        suggestions - wrong,
        report.join("\n")
    );
    // Measured: all 640 planted habits found, 640 of 645 suggestions a
    // planted habit (the extras: a light switched on at a random time
    // between 18:00 and 22:30 that fell within minutes on the eight weekend
    // days, and a lock locked at a random time that did so on weekdays).
    assert!(recall >= 0.97, "recall {recall:.3}:\n{}", report.join("\n"));
    assert!(
        precision >= 0.9,
        "precision {precision:.3}:\n{}",
        report.join("\n")
    );
}

/// The findings of a window, in one value to compare.
fn mine(window: &analysis::Window, tz: &jiff::tz::TimeZone, th: &analysis::Thresholds) -> Findings {
    let sequences = analysis::sequences::detect(window, tz, th);
    Findings {
        routines: analysis::routines::detect(window, tz, th),
        synergies: analysis::synergies::detect(window, &sequences),
        sequences,
        unused_features: Vec::new(),
    }
}

/// Day by day, as the daemon lives it: each day's events are written, then
/// the daily run reads the new days and the digests stored by the runs
/// before (a window of ten days, so days with events leave it); its window
/// and findings must be exactly what reading every event gives. Some households get a history imported into past days half-way
/// (which must make those days' digests again), and one run changes the
/// sequence horizon (which must not use the digests made with the old one).
#[test]
fn a_daily_run_from_stored_digests_is_a_full_run() {
    let mut th = habitd::config::load_from(
        None,
        [("HABITD__ANALYSIS__TIMEZONE".into(), "Europe/Berlin".into())],
    )
    .unwrap()
    .config
    .analysis
    .thresholds;
    let day_ms = 86_400_000;
    let mut checked = 0;
    for seed in [1u64, 2, 7, 12, 25] {
        let home = simulate(seed);
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&DatabaseConfig::at(dir.path().join("habitd.db"))).unwrap();
        let mut conn = db.get().unwrap();
        let mut ids = db::events::EntityIds::new();
        let mut events: Vec<&habitd::model::Record> = Vec::new();
        let mut other = Vec::new();
        for r in &home.records {
            match r {
                habitd::model::Record::Event(_) => events.push(r),
                _ => other.push(r.clone()),
            }
        }
        db::events::write_batch(&mut conn, &mut ids, &other).unwrap();
        let at = |r: &habitd::model::Record| match r {
            habitd::model::Record::Event(c) => c.at.as_millisecond(),
            _ => 0,
        };
        events.sort_by_key(|r| at(r));
        let first = at(events[0]);
        let last = at(events[events.len() - 1]);
        // Held back until half-way, then imported into the past.
        let late = |r: &habitd::model::Record| seed % 2 == 1 && at(r) % 17 == 0;
        let mut written = 0;
        let mut run_at = first + 3 * day_ms + 3 * 3_600_000;
        let mut day = 0;
        // The pairs' totals the daemon keeps from one run to the next.
        let mut totals = None;
        while run_at < last + day_ms {
            let batch: Vec<habitd::model::Record> = events[written..]
                .iter()
                .take_while(|r| at(r) < run_at)
                .filter(|r| !late(r))
                .map(|r| (*r).clone())
                .collect();
            written += events[written..]
                .iter()
                .take_while(|r| at(r) < run_at)
                .count();
            db::events::write_batch(&mut conn, &mut ids, &batch).unwrap();
            day += 1;
            if day == 12 {
                let old: Vec<habitd::model::Record> = events[..written]
                    .iter()
                    .filter(|r| late(r))
                    .map(|r| (*r).clone())
                    .collect();
                assert!(seed % 2 == 0 || !old.is_empty());
                db::events::write_batch(&mut conn, &mut ids, &old).unwrap();
            }
            th.sequence_max_delay_ms = if day == 20 { 300_000 } else { 600_000 };
            let until = Timestamp::from_millisecond(run_at).unwrap();
            // A window of ten days, so days with events leave it.
            let since = Timestamp::from_millisecond(run_at - 10 * day_ms).unwrap();
            let cutoff = Timestamp::from_millisecond(run_at - 60 * day_ms).unwrap();
            let read = |digests: db::window::Digests<'_>| {
                habitd::pipeline::read_window(
                    &conn,
                    since,
                    until,
                    &home.tz,
                    th.sequence_max_delay_ms,
                    digests,
                )
                .unwrap()
            };
            if day == 12 {
                // Another process (`habitd analyze` with yesterday's clock)
                // makes the days the import changed again before the
                // daemon's next run: the totals the daemon kept no longer
                // hold, though every day they name is stored.
                let mut its_own = None;
                habitd::pipeline::read_window(
                    &conn,
                    Timestamp::from_millisecond(run_at - 11 * day_ms).unwrap(),
                    Timestamp::from_millisecond(run_at - day_ms).unwrap(),
                    &home.tz,
                    th.sequence_max_delay_ms,
                    db::window::Digests::Keep {
                        cutoff,
                        totals: &mut its_own,
                    },
                )
                .unwrap();
            }
            if day == 15 {
                // The daemon started again: nothing kept.
                totals = None;
            }
            let daily = read(db::window::Digests::Keep {
                cutoff,
                totals: &mut totals,
            });
            let full = read(db::window::Digests::Recompute);
            let (stored, _) = db::digests::size(&conn).unwrap();
            // Entities and states may be numbered in another order: compare
            // by name.
            assert_eq!(by_name(&daily), by_name(&full), "seed {seed}, day {day}");
            assert_eq!(
                (daily.first_day, daily.last_day),
                (full.first_day, full.last_day)
            );
            let (d, f) = (mine(&daily, &home.tz, &th), mine(&full, &home.tz, &th));
            assert_eq!(d.routines, f.routines, "seed {seed}, day {day}");
            assert_eq!(d.sequences, f.sequences, "seed {seed}, day {day}");
            assert_eq!(d.synergies, f.synergies, "seed {seed}, day {day}");
            // Every day over is read from its digest but the last (and
            // all of them again after the horizon changed, and the days from
            // the import's on), their pairs from the totals the run before
            // left (but after a start).
            if day > 1 && day != 20 && day != 21 && day != 12 {
                assert!(
                    daily.digested_days >= 9 && daily.summed_pairs == (day != 15),
                    "seed {seed}, day {day}: {} days, summed: {}",
                    daily.digested_days,
                    daily.summed_pairs
                );
            }
            assert!(stored >= 9, "seed {seed}, day {day}: {stored} digests");
            checked += 1;
            run_at += day_ms;
        }
    }
    assert!(checked > 100, "{checked}");
}

/// A window's digest with names instead of indexes.
#[allow(clippy::type_complexity)]
fn by_name(
    w: &analysis::Window,
) -> (
    Vec<((String, String), Vec<i64>)>,
    Vec<(String, u32)>,
    Vec<(
        ((String, String), (String, String)),
        analysis::digest::Counts,
    )>,
    Option<(i64, i64)>,
    Option<(i32, i32)>,
) {
    let key = |k: &analysis::digest::Key| (w.entity_id(k.0).to_owned(), w.state(k.1).to_owned());
    let mut times: Vec<_> = w
        .digest
        .times
        .iter()
        .map(|(k, t)| (key(k), t.clone()))
        .collect();
    times.sort();
    let mut usage: Vec<_> = w
        .digest
        .usage
        .iter()
        .enumerate()
        .filter(|(_, n)| **n > 0)
        .map(|(e, n)| (w.entity_id(e as u32).to_owned(), *n))
        .collect();
    usage.sort();
    let mut pairs: Vec<_> = w
        .pairs
        .iter()
        .map(|((a, b), d)| ((key(a), key(b)), *d))
        .collect();
    pairs.sort_by(|x, y| x.0.cmp(&y.0));
    (times, usage, pairs, w.digest.span, w.digest.counted_days)
}
