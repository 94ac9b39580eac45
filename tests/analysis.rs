//! The analysis on a simulated home: four weeks of a household in Berlin
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
use habitd::event::{EntityInfo, Origin, StateChange};
use habitd::ingest::Record;
use jiff::civil::{Date, date};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};

/// SplitMix64: deterministic, seeded, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }
    /// Roughly normal (sum of uniforms), mean 0, standard deviation `sd`.
    fn normal(&mut self, sd: f64) -> f64 {
        (0..12)
            .map(|_| self.unit())
            .sum::<f64>()
            .mul_add(sd, -6.0 * sd)
    }
    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
}

struct Home {
    tz: TimeZone,
    records: Vec<Record>,
}

impl Home {
    /// The instant the wall clock shows `minutes` after midnight of `day`
    /// (past 24 h: on the following day). Built from the local time, not by
    /// adding seconds to midnight, which would shift every time after the
    /// spring gap by an hour.
    fn at(&self, day: Date, minutes: f64) -> Timestamp {
        let seconds = (minutes * 60.0).round() as i64;
        let day = day.checked_add(seconds.div_euclid(86_400).days()).unwrap();
        let s = seconds.rem_euclid(86_400);
        let time = jiff::civil::Time::new((s / 3600) as i8, (s / 60 % 60) as i8, (s % 60) as i8, 0)
            .unwrap();
        day.to_datetime(time)
            .to_zoned_datetime(self.tz.clone())
            .unwrap()
            .timestamp()
    }

    fn change(&mut self, entity: &str, at: Timestamp, state: &str, origin: Origin) {
        self.records.push(Record::Event(StateChange {
            entity_id: entity.into(),
            at,
            state: state.into(),
            old_state: None,
            origin,
        }));
    }

    fn entity(&mut self, entity: &str, device_class: Option<&str>, unit: Option<&str>) {
        self.records.push(Record::Entity(EntityInfo {
            entity_id: entity.into(),
            friendly_name: None,
            device_class: device_class.map(Into::into),
            unit: unit.map(Into::into),
        }));
    }
}

fn weekend(day: Date) -> bool {
    matches!(
        day.weekday(),
        jiff::civil::Weekday::Saturday | jiff::civil::Weekday::Sunday
    )
}

/// Four weeks from Monday 2026-03-16; Berlin moves to summer time on the 29th.
fn simulate(seed: u64) -> Home {
    let mut rng = Rng(seed);
    let mut home = Home {
        tz: TimeZone::get("Europe/Berlin").unwrap(),
        records: Vec::new(),
    };
    home.entity("binary_sensor.hallway_motion", Some("motion"), None);
    home.entity("binary_sensor.office_presence", Some("occupancy"), None);
    home.entity("binary_sensor.stairs_motion", Some("motion"), None);
    home.entity(
        "sensor.living_room_temperature",
        Some("temperature"),
        Some("°C"),
    );
    let start = date(2026, 3, 16);
    for d in 0..28 {
        let day = start.checked_add(d.days()).unwrap();
        let m = |rng: &mut Rng, minutes: f64, sd: f64| minutes + rng.normal(sd);

        // Planted: the kitchen light on weekday mornings, 06:45 ± 5 min, on
        // 90 % of weekdays; off around 07:40.
        if !weekend(day) && rng.chance(0.9) {
            let on = m(&mut rng, 6.0 * 60.0 + 45.0, 5.0);
            home.change(
                "light.kitchen_ceiling",
                home.at(day, on),
                "on",
                Origin::User,
            );
            let off = m(&mut rng, 7.0 * 60.0 + 40.0, 6.0);
            home.change(
                "light.kitchen_ceiling",
                home.at(day, off),
                "off",
                Origin::User,
            );
        }
        // Trap: an unavailable blip now and then.
        if d % 6 == 0 {
            home.change(
                "light.kitchen_ceiling",
                home.at(day, 3.0 * 60.0),
                "unavailable",
                Origin::Device,
            );
        }
        // Planted: the bedroom blind opens on weekend mornings at 09:30.
        if weekend(day) && rng.chance(0.95) {
            let open = m(&mut rng, 9.0 * 60.0 + 30.0, 6.0);
            home.change(
                "cover.bedroom_blind",
                home.at(day, open),
                "open",
                Origin::User,
            );
        }
        let close = rng.uniform(20.0 * 60.0, 23.9 * 60.0);
        home.change(
            "cover.bedroom_blind",
            home.at(day, close),
            "closed",
            Origin::User,
        );
        // Planted: the porch light goes off at 23:55 ± 7 min, across midnight.
        let on = rng.uniform(18.0 * 60.0, 20.0 * 60.0);
        home.change("light.porch", home.at(day, on), "on", Origin::Device);
        let off = m(&mut rng, 23.0 * 60.0 + 55.0, 7.0);
        home.change("light.porch", home.at(day, off), "off", Origin::Device);

        // Planted: hallway motion switches the hallway light on within
        // seconds, in the evening only (18:00–23:00).
        for _ in 0..24 {
            let t = rng.uniform(7.0 * 60.0, 23.9 * 60.0);
            home.change(
                "binary_sensor.hallway_motion",
                home.at(day, t),
                "on",
                Origin::Device,
            );
            home.change(
                "binary_sensor.hallway_motion",
                home.at(day, t + 1.5),
                "off",
                Origin::Device,
            );
            if (18.0 * 60.0..23.0 * 60.0).contains(&t) && rng.chance(0.9) {
                let delay = rng.uniform(2.0, 8.0) / 60.0;
                home.change(
                    "light.hallway",
                    home.at(day, t + delay),
                    "on",
                    Origin::Device,
                );
                home.change(
                    "light.hallway",
                    home.at(day, t + 5.0),
                    "off",
                    Origin::Device,
                );
            }
        }
        // Trap: an already automated pair (its automation is stored below).
        for _ in 0..10 {
            let t = rng.uniform(8.0 * 60.0, 22.0 * 60.0);
            home.change(
                "binary_sensor.stairs_motion",
                home.at(day, t),
                "on",
                Origin::Device,
            );
            home.change("light.stairs", home.at(day, t + 0.05), "on", Origin::Device);
            home.change(
                "binary_sensor.stairs_motion",
                home.at(day, t + 1.0),
                "off",
                Origin::Device,
            );
            home.change("light.stairs", home.at(day, t + 2.0), "off", Origin::Device);
        }
        // Traps: busy, independent entities.
        let mut t = 0.0;
        let mut present = false;
        while t < 1440.0 {
            t += rng.uniform(1.0, 9.0);
            present = !present;
            let state = if present { "on" } else { "off" };
            home.change(
                "binary_sensor.office_presence",
                home.at(day, t),
                state,
                Origin::Device,
            );
        }
        let mut plug_on = false;
        for _ in 0..30 {
            plug_on = !plug_on;
            let t = rng.uniform(0.0, 1440.0);
            home.change(
                "switch.random_plug",
                home.at(day, t),
                if plug_on { "on" } else { "off" },
                Origin::Device,
            );
        }
        // Trap: random daytime use of a light.
        for _ in 0..5 {
            let t = rng.uniform(8.0 * 60.0, 23.0 * 60.0);
            home.change("light.living_room", home.at(day, t), "on", Origin::User);
            home.change(
                "light.living_room",
                home.at(day, t + rng.uniform(5.0, 60.0)),
                "off",
                Origin::User,
            );
        }
        // Trap: an automation's work.
        home.change(
            "light.garden",
            home.at(day, 20.0 * 60.0),
            "on",
            Origin::Automation,
        );
        home.change(
            "light.garden",
            home.at(day, 23.0 * 60.0),
            "off",
            Origin::Automation,
        );
        // Trap: a measurement every 10 minutes.
        for i in 0..144 {
            let value = format!("{:.1}", 20.0 + rng.normal(1.0));
            home.change(
                "sensor.living_room_temperature",
                home.at(day, i as f64 * 10.0),
                &value,
                Origin::Device,
            );
        }
        // An office light that is used but never linked (a synergy).
        for _ in 0..4 {
            let t = rng.uniform(8.0 * 60.0, 18.0 * 60.0);
            home.change("light.office_desk", home.at(day, t), "on", Origin::User);
            home.change(
                "light.office_desk",
                home.at(day, t + 30.0),
                "off",
                Origin::User,
            );
        }
    }
    home
}

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
    let automation = serde_json::json!({
        "triggers": [{"trigger": "state", "entity_id": "binary_sensor.stairs_motion", "to": "on"}],
        "actions": [{"action": "light.turn_on", "target": {"entity_id": "light.stairs"}}]
    });
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
    let window = db::window::read(&conn, since, &home.tz).unwrap();
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
/// weekend routine can be missed. Measured: 54 of 60 exactly right, and none
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
