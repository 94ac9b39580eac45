//! Time-of-day routines: "light.kitchen turns on around 06:45 on weekdays".
//!
//! Input is the activity aggregate (per local day and 5-minute slot), so the
//! cost depends on days × entities, not on the number of raw events, and
//! local time (with its daylight-saving changes) was settled when the events
//! were stored.
//!
//! For each (entity, state) and day class (weekdays, weekends), every slot of
//! the clock is a candidate centre; a day "hits" a centre when the state was
//! reached within ± `routine_window_minutes` of it. The best centre must hit
//! on enough days, on a large enough share of the class's days, and far more
//! often than chance: a day with `n` occurrences at random times hits a
//! window of width `w` with probability `1 − (1 − w)^n`, and the z-score of
//! the observed hits against the sum of those probabilities must be large
//! (busy entities hit every window by chance; they fail here). The spread is
//! the circular standard deviation of each hit day's occurrence nearest the
//! centre, so 23:55 ± 10 min across midnight is one tight routine.

use std::collections::HashMap;

use serde::Serialize;

use super::stats::{self, MINUTES_PER_DAY};
use super::{Thresholds, Window, is_action_domain};

const SLOTS: usize = 288;
const SLOT_MINUTES: f64 = 5.0;
/// Chance must be exceeded by this many standard deviations: the best of 288
/// candidate centres is picked, so a plain 2 would be found in noise.
const MIN_Z: f64 = 4.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DayClass {
    All,
    Weekdays,
    Weekends,
}

impl DayClass {
    fn includes(self, day: i32) -> bool {
        // 1970-01-01 was a Thursday: Monday = 0.
        let weekday = (day + 3).rem_euclid(7);
        match self {
            DayClass::All => true,
            DayClass::Weekdays => weekday < 5,
            DayClass::Weekends => weekday >= 5,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            DayClass::All => "all",
            DayClass::Weekdays => "weekdays",
            DayClass::Weekends => "weekends",
        }
    }
}

/// A routine and its evidence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Routine {
    /// Stable across runs: the same routine tomorrow has the same id.
    pub id: String,
    pub entity_id: String,
    pub state: String,
    pub days: DayClass,
    /// Local time of day, `hh:mm`.
    pub time: String,
    pub center_minutes: f64,
    pub spread_minutes: f64,
    /// Days on which it happened near `time`, and days of the class.
    pub days_observed: u32,
    pub days_in_class: u32,
    pub share: f64,
    /// Standard deviations above chance.
    pub z: f64,
    pub confidence: f64,
}

/// One (entity, state)'s occupied slots, per day.
type Days = HashMap<i32, [u64; 5]>;

pub fn detect(window: &Window, th: &Thresholds) -> Vec<Routine> {
    let automated = window.time_automated();
    let mut groups: HashMap<(u32, u32), Days> = HashMap::new();
    for a in &window.activity {
        let slot = usize::from(a.slot).min(SLOTS - 1);
        let bits = groups
            .entry((a.entity, a.state))
            .or_default()
            .entry(a.day)
            .or_default();
        bits[slot / 64] |= 1 << (slot % 64);
    }
    let mut found = Vec::new();
    let mut keys: Vec<_> = groups.keys().copied().collect();
    keys.sort_unstable();
    for key in keys {
        let entity_id = window.entity_id(key.0);
        if !is_action_domain(entity_id) || automated.contains(entity_id) {
            continue;
        }
        let days = &groups[&key];
        let weekdays = best(days, window, DayClass::Weekdays, th);
        let weekends = best(days, window, DayClass::Weekends, th);
        let merged = match (&weekdays, &weekends) {
            (Some(a), Some(b))
                if stats::circular_diff(a.center, b.center).abs()
                    <= th.routine_window_minutes as f64 =>
            {
                best(days, window, DayClass::All, th)
            }
            _ => None,
        };
        let candidates = match merged {
            Some(all) => vec![all],
            None => [weekdays, weekends].into_iter().flatten().collect(),
        };
        for c in candidates {
            let state = window.state(key.1).to_owned();
            found.push(Routine {
                id: format!("routine:{entity_id}:{state}:{}", c.class.as_str()),
                entity_id: entity_id.to_owned(),
                state,
                days: c.class,
                time: stats::clock(c.center),
                center_minutes: c.center,
                spread_minutes: c.spread,
                days_observed: c.hits,
                days_in_class: c.days,
                share: c.share,
                z: c.z,
                confidence: c.share.min(1.0),
            });
        }
    }
    found
}

struct Candidate {
    class: DayClass,
    center: f64,
    spread: f64,
    hits: u32,
    days: u32,
    share: f64,
    z: f64,
}

fn best(days: &Days, window: &Window, class: DayClass, th: &Thresholds) -> Option<Candidate> {
    let class_days = (window.first_day..=window.last_day)
        .filter(|d| class.includes(*d))
        .count() as u32;
    if class_days == 0 {
        return None;
    }
    let k = (th.routine_window_minutes as f64 / SLOT_MINUTES).round() as usize;
    let width = (2 * k + 1) as f64 / SLOTS as f64;
    let mut hits = [0u32; SLOTS];
    let (mut expected, mut variance) = (0.0, 0.0);
    for (_, bits) in days.iter().filter(|(d, _)| class.includes(**d)) {
        let occupied: Vec<usize> = (0..SLOTS)
            .filter(|s| bits[s / 64] & (1 << (s % 64)) != 0)
            .collect();
        let p = 1.0 - (1.0 - width).powi(occupied.len() as i32);
        expected += p;
        variance += p * (1.0 - p);
        let mut near = [false; SLOTS];
        for s in &occupied {
            for offset in 0..=2 * k {
                near[(s + SLOTS + offset - k) % SLOTS] = true;
            }
        }
        for (h, n) in hits.iter_mut().zip(near) {
            *h += u32::from(n);
        }
    }
    let (center_slot, &count) = hits
        .iter()
        .enumerate()
        .max_by_key(|(s, h)| (**h, std::cmp::Reverse(*s)))?;
    let share = f64::from(count) / f64::from(class_days);
    let z = stats::z_score(f64::from(count), expected, variance);
    if count < th.routine_min_days || share < th.routine_min_share || z < MIN_Z {
        return None;
    }
    // The occurrence nearest the centre on each hit day.
    let center_guess = center_slot as f64 * SLOT_MINUTES + SLOT_MINUTES / 2.0;
    let mut times = Vec::new();
    for (_, bits) in days.iter().filter(|(d, _)| class.includes(**d)) {
        let nearest = (0..SLOTS)
            .filter(|s| bits[s / 64] & (1 << (s % 64)) != 0)
            .map(|s| s as f64 * SLOT_MINUTES + SLOT_MINUTES / 2.0)
            .min_by(|a, b| {
                stats::circular_diff(center_guess, *a)
                    .abs()
                    .total_cmp(&stats::circular_diff(center_guess, *b).abs())
            });
        if let Some(t) = nearest
            && stats::circular_diff(center_guess, t).abs()
                <= th.routine_window_minutes as f64 + SLOT_MINUTES
        {
            times.push(t);
        }
    }
    let (center, spread) = stats::circular_mean_std(&times)?;
    if spread > th.routine_max_spread_minutes {
        return None;
    }
    Some(Candidate {
        class,
        center: center.rem_euclid(MINUTES_PER_DAY),
        spread,
        hits: count,
        days: class_days,
        share,
        z,
    })
}
