//! A sample home for `habitd demo` and for the analysis tests.
//!
//! A seeded, deterministic household in Berlin: four weeks of a family's
//! habits among what makes real data hard. The habits (each should become
//! exactly one suggestion): a weekday morning kitchen light switched off
//! again before eight; a coffee machine switched on on weekday mornings and
//! off a steady 22 minutes later; weekend blinds; a porch light that goes
//! off around midnight; a bedroom light switched off around 23:05 with a few
//! late nights; a motion-switched hallway light in the evenings that goes
//! off minutes after the motion stops; a bathroom fan that follows "humidity
//! high" 40–150 s later. The traps (none may become a suggestion): busy
//! unrelated sensors and plugs, random use of a living-room light, an
//! automation's work with its context and a driveway light switched at
//! exactly 18:00:00 without it, a temperature sensor, a pair an automation
//! already links, unavailable blips, a fridge door and a microwave used
//! together, a front door unlocked every weekday morning, and — in one test
//! home in six ([`simulate`]) — a burst of random switching (60 entities,
//! 200 events/s for ten minutes on the last evening).

use jiff::civil::{Date, date};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};

use crate::model::Record;
use crate::model::{EntityInfo, Origin, StateChange};

/// SplitMix64: deterministic, seeded, no dependency.
pub struct Rng(u64);

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

/// The generated history.
pub struct Home {
    pub tz: TimeZone,
    pub records: Vec<Record>,
}

impl Home {
    /// The instant the wall clock shows `minutes` after midnight of `day`
    /// (past 24 h: on the following day). Built from the local time, not by
    /// adding seconds to midnight, which would shift every time after the
    /// spring gap by an hour.
    pub fn at(&self, day: Date, minutes: f64) -> Timestamp {
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

    /// `entity` on at `on` and off at `off` minutes into `day`.
    fn on_off(&mut self, entity: &str, day: Date, on: f64, off: f64, origin: Origin) {
        self.change(entity, self.at(day, on), "on", origin);
        self.change(entity, self.at(day, off), "off", origin);
    }

    fn entity(&mut self, entity: &str, device_class: Option<&str>, unit: Option<&str>) {
        let object = entity.split_once('.').map_or(entity, |(_, o)| o);
        let mut name = object.replace('_', " ");
        if let Some(first) = name.get_mut(0..1) {
            first.make_ascii_uppercase();
        }
        self.records.push(Record::Entity(EntityInfo {
            entity_id: entity.into(),
            friendly_name: Some(name),
            device_class: device_class.map(Into::into),
            unit: unit.map(Into::into),
        }));
    }
}

pub fn weekend(day: Date) -> bool {
    matches!(
        day.weekday(),
        jiff::civil::Weekday::Saturday | jiff::civil::Weekday::Sunday
    )
}

/// Four weeks from `start` (a Monday is best); the defaults of the tests
/// start on Monday 2026-03-16, across the spring daylight-saving change.
pub fn household(seed: u64, start: Date) -> Home {
    let mut rng = Rng(seed);
    let mut home = Home {
        tz: TimeZone::get("Europe/Berlin").unwrap(),
        records: Vec::new(),
    };
    for (entity, name) in [
        ("light.kitchen_ceiling", "Kitchen ceiling light"),
        ("cover.bedroom_blind", "Bedroom blind"),
        ("light.porch", "Porch light"),
        ("light.hallway", "Hallway light"),
        ("light.stairs", "Stairs light"),
        ("switch.random_plug", "Workshop plug"),
        ("light.living_room", "Living room light"),
        ("light.garden", "Garden light"),
        ("light.office_desk", "Office desk lamp"),
        ("light.bedroom", "Bedroom light"),
        ("switch.coffee_machine", "Coffee machine"),
        ("fan.bathroom", "Bathroom fan"),
        ("light.driveway", "Driveway light"),
        ("switch.microwave", "Microwave"),
        ("lock.front_door", "Front door"),
        (
            "binary_sensor.bathroom_humidity",
            "Bathroom humidity sensor",
        ),
    ] {
        home.records.push(Record::Entity(EntityInfo {
            entity_id: entity.into(),
            friendly_name: Some(name.into()),
            device_class: None,
            unit: None,
        }));
    }
    home.entity("binary_sensor.hallway_motion", Some("motion"), None);
    home.entity("binary_sensor.office_presence", Some("occupancy"), None);
    home.entity("binary_sensor.stairs_motion", Some("motion"), None);
    home.entity("binary_sensor.fridge_door", Some("door"), None);
    home.entity(
        "sensor.living_room_temperature",
        Some("temperature"),
        Some("°C"),
    );
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
        let off = m(&mut rng, 23.0 * 60.0 + 55.0, 7.0);
        home.on_off("light.porch", day, on, off, Origin::Device);

        // Planted: hallway motion switches the hallway light on within
        // seconds, in the evening only (18:00–23:00), and it goes off a few
        // minutes after the motion stops.
        for _ in 0..24 {
            let t = rng.uniform(7.0 * 60.0, 23.9 * 60.0);
            home.on_off(
                "binary_sensor.hallway_motion",
                day,
                t,
                t + 1.5,
                Origin::Device,
            );
            if (18.0 * 60.0..23.0 * 60.0).contains(&t) && rng.chance(0.9) {
                // On seconds after the motion; off a few minutes after it
                // stops, as someone walking past switches it.
                let delay = rng.uniform(2.0, 8.0) / 60.0;
                let off = t + 1.5 + rng.uniform(2.0, 5.0);
                home.on_off("light.hallway", day, t + delay, off, Origin::Device);
            }
        }
        // Trap: an already automated pair (its automation is stored below).
        for _ in 0..10 {
            let t = rng.uniform(8.0 * 60.0, 22.0 * 60.0);
            home.on_off(
                "binary_sensor.stairs_motion",
                day,
                t,
                t + 1.0,
                Origin::Device,
            );
            home.on_off("light.stairs", day, t + 0.05, t + 2.0, Origin::Device);
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
            let off = t + rng.uniform(5.0, 60.0);
            home.on_off("light.living_room", day, t, off, Origin::User);
        }
        // Trap: an automation's work.
        home.on_off(
            "light.garden",
            day,
            20.0 * 60.0,
            23.0 * 60.0,
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
        plant_more(&mut home, &mut rng, day);
        // An office light that is used but never linked (a synergy).
        for _ in 0..4 {
            let t = rng.uniform(8.0 * 60.0, 18.0 * 60.0);
            home.on_off("light.office_desk", day, t, t + 30.0, Origin::User);
        }
    }
    home
}

/// The habits and traps added for issue 12, one day of them.
fn plant_more(home: &mut Home, rng: &mut Rng, day: Date) {
    let m = |rng: &mut Rng, minutes: f64, sd: f64| minutes + rng.normal(sd);
    // Planted: the coffee machine on at 06:34 on weekdays, off a steady 22
    // minutes later (the duration is steadier than the time of day).
    if !weekend(day) && rng.chance(0.9) {
        let on = m(rng, 6.0 * 60.0 + 34.0, 4.0);
        let off = on + 22.0 + rng.normal(0.5);
        home.on_off("switch.coffee_machine", day, on, off, Origin::User);
    }
    // Planted: the bedroom light off around 23:05; on four nights in
    // twenty-eight much later (23:50–00:50), which must not break it.
    let on = rng.uniform(21.0 * 60.0, 22.5 * 60.0);
    let off = if rng.chance(4.0 / 28.0) {
        rng.uniform(23.0 * 60.0 + 50.0, 24.0 * 60.0 + 50.0)
    } else {
        m(rng, 23.0 * 60.0 + 5.0, 4.0)
    };
    home.on_off("light.bedroom", day, on, off, Origin::User);
    // Planted: a shower or two a day; the fan follows "humidity high" 40–150
    // s later and goes off a few minutes after the humidity is back down.
    for _ in 0..1 + usize::from(rng.chance(0.5)) {
        let t = rng.uniform(6.0 * 60.0, 22.0 * 60.0);
        let dry = t + rng.uniform(10.0, 15.0);
        home.on_off(
            "binary_sensor.bathroom_humidity",
            day,
            t,
            dry,
            Origin::Device,
        );
        if rng.chance(0.9) {
            let fan_on = t + rng.uniform(40.0, 150.0) / 60.0;
            let fan_off = dry + rng.uniform(2.0, 4.0);
            home.on_off("fan.bathroom", day, fan_on, fan_off, Origin::User);
        }
    }
    // Trap: an automation switches the driveway light at exactly 18:00:00,
    // and the history does not say so (no context).
    home.on_off(
        "light.driveway",
        day,
        18.0 * 60.0,
        23.0 * 60.0,
        Origin::Device,
    );
    // Trap: the fridge door opens; often the microwave runs soon after.
    // Co-occurrence of appliances is no habit to automate.
    for _ in 0..8 {
        let t = rng.uniform(7.0 * 60.0, 21.0 * 60.0);
        home.on_off("binary_sensor.fridge_door", day, t, t + 0.4, Origin::Device);
        if rng.chance(0.6) {
            let on = t + rng.uniform(0.5, 1.0);
            home.on_off(
                "switch.microwave",
                day,
                on,
                on + rng.uniform(1.0, 3.0),
                Origin::User,
            );
        }
    }
    // Trap: the front door unlocked every weekday morning at 07:37, locked
    // whenever the last one leaves.
    if !weekend(day) {
        let unlock = m(rng, 7.0 * 60.0 + 37.0, 3.0);
        home.change(
            "lock.front_door",
            home.at(day, unlock),
            "unlocked",
            Origin::User,
        );
        let lock = unlock + rng.uniform(5.0, 90.0);
        home.change(
            "lock.front_door",
            home.at(day, lock),
            "locked",
            Origin::User,
        );
    }
}

/// Trap: 30 motion sensors and 30 lights switched at random, 200 events/s
/// for ten minutes from 20:00 — a party, a cleaning day, devices being
/// paired. Each entity is named on its own, so they share no area.
fn burst(home: &mut Home, rng: &mut Rng, day: Date) {
    for i in 0..30 {
        home.entity(&format!("binary_sensor.p{i}_motion"), Some("motion"), None);
        home.entity(&format!("light.q{i}_lamp"), None, None);
    }
    let start = home.at(day, 20.0 * 60.0).as_millisecond();
    let mut on = [false; 60];
    for k in 0..200 * 600 {
        let i = (rng.next() % 60) as usize;
        on[i] = !on[i];
        let entity = if i < 30 {
            format!("binary_sensor.p{i}_motion")
        } else {
            format!("light.q{}_lamp", i - 30)
        };
        let at = Timestamp::from_millisecond(start + k * 5).unwrap();
        let state = if on[i] { "on" } else { "off" };
        home.change(&entity, at, state, Origin::Device);
    }
}

/// The test household: from Monday 2026-03-16, across Berlin's change to
/// summer time on the 29th; one in six (seeds 1, 7, 13 …) with a burst of
/// random switching on the last evening (not in `habitd demo`, whose
/// 120,000 extra changes would only slow a first look on a Raspberry Pi).
pub fn simulate(seed: u64) -> Home {
    let start = date(2026, 3, 16);
    let mut home = household(seed, start);
    if seed % 6 == 1 {
        let mut rng = Rng(seed ^ 0xB0B5);
        burst(&mut home, &mut rng, start.checked_add(27.days()).unwrap());
    }
    home
}

/// The automation the household already has (stairs motion → stairs light).
pub fn existing_automation() -> serde_json::Value {
    serde_json::json!({
        "triggers": [{"trigger": "state", "entity_id": "binary_sensor.stairs_motion", "to": "on"}],
        "actions": [{"action": "light.turn_on", "target": {"entity_id": "light.stairs"}}]
    })
}
