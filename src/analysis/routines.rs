//! Time-of-day routines: "light.kitchen turns on around 06:45 on weekdays".
//!
//! Candidates come from an aggregate of the window's times (occupied
//! 5-minute slots per local day), built in one pass, so the search costs
//! days × entities, not raw events; what a routine reports comes from the
//! real times of its candidates ([`times`]).
//!
//! For each (entity, state) and day class (weekdays, weekends), every slot of
//! the clock is a candidate centre; a day "hits" a centre when the state was
//! reached within ± `routine_window_minutes` of it. The best centre must hit
//! on enough days, on a large enough share of the class's days, and far more
//! often than chance: a day with `n` occurrences at random times hits a
//! window of width `w` with probability `1 − (1 − w)^n`, and the z-score of
//! the observed hits against the sum of those probabilities must be large
//! (busy entities hit every window by chance; they fail here). "Chance" is
//! local: under the null an entity's uses spread evenly over ± 4 windows
//! around the centre, as often as it is used there, so an entity used only in
//! the evening gets no credit for "some use near 21:12". The use must be
//! concentrated at the centre: most of the occurrences within three windows
//! of it fall within one (a hallway light switched on six times every
//! evening is near 19:00 every day, but not concentrated there).
//!
//! Then the real times: each day's occurrence nearest the centre (within
//! three windows, across midnight), their median as the time, and the spread
//! of the days within `max(3 × 1.4826 × MAD, half a window)` of it — a few
//! late nights are exceptions, not a wider spread — which must stay within
//! `routine_max_spread_minutes` on enough days; the same second on most days
//! is a schedule, not a person. An entity's "on" and "off" routines of the
//! same days become one ([`times::pair_on_off`]). Every (entity, state) and
//! day class looked at gets a [`Verdict`] with the figure that decided.

use rustc_hash::FxHashMap as HashMap;

use serde::{Deserialize, Serialize};

use jiff::tz::TimeZone;

use super::stats;
use super::times;
use super::{Thresholds, Window, is_action_domain};

const SLOTS: usize = 288;
const SLOT_MINUTES: f64 = 5.0;
/// Chance must be exceeded by this many standard deviations: the best of 288
/// candidate centres is picked, so a plain 2 would be found in noise.
const MIN_Z: f64 = 4.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
    /// Every day counted lies within this many minutes of `time`.
    pub within_minutes: f64,
    /// Days on which it happened near `time`, and days of the class.
    pub days_observed: u32,
    pub days_in_class: u32,
    /// Days it happened, but far from `time` (a late night): exceptions, not
    /// part of the spread.
    pub exceptions: u32,
    pub share: f64,
    /// Standard deviations above chance.
    pub z: f64,
    pub confidence: f64,
    /// The other half of the habit, when the same entity goes back at its
    /// own steady time or after a steady while ("off at 07:40", "off 55
    /// minutes later"): one suggestion, one automation.
    pub end: Option<times::End>,
}

/// One (entity, state)'s occupied slots, per day.
type Days = HashMap<i32, [u64; 5]>;

/// A routine is a concentration of use at one time of day: of the
/// occurrences within three windows of the centre, at least this share must
/// fall within one window of it. A light used all evening has something near
/// any evening time on every day, but is not concentrated at one.
const MIN_CONCENTRATION: f64 = 0.6;

pub fn detect(window: &Window, tz: &TimeZone, th: &Thresholds) -> Vec<Routine> {
    explain(window, tz, th).0
}

/// Why an (entity, state) is or is not a routine on some days: the figure
/// and the threshold that decided (what `habitd explain` shows).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    pub entity_id: String,
    pub state: String,
    pub days: DayClass,
    /// `None` when kept; else why not.
    pub rejected: Option<String>,
}

/// The routines, and a verdict for every (entity, state) and day class
/// looked at.
pub fn explain(window: &Window, tz: &TimeZone, th: &Thresholds) -> (Vec<Routine>, Vec<Verdict>) {
    let automated = window.time_automated();
    let mut verdicts = Vec::new();
    let mut verdict = |key: (u32, u32), days: DayClass, rejected: Option<String>| {
        verdicts.push(Verdict {
            entity_id: window.entity_id(key.0).to_owned(),
            state: window.state(key.1).to_owned(),
            days,
            rejected,
        });
    };
    let mut pending = Vec::new();
    let (groups, counts) = activity(window, tz);
    let mut keys: Vec<_> = groups.keys().copied().collect();
    keys.sort_unstable_by_key(|k| (window.entity_id(k.0), window.state(k.1)));
    for key in keys {
        let entity_id = window.entity_id(key.0);
        if !is_action_domain(entity_id) {
            verdict(
                key,
                DayClass::All,
                Some("not something a person switches".into()),
            );
            continue;
        }
        if automated.contains(entity_id) {
            verdict(
                key,
                DayClass::All,
                Some("an automation already acts on it at a time of day".into()),
            );
            continue;
        }
        let days = &groups[&key];
        let [weekday_counts, weekend_counts] = counts.get(&key).copied().unwrap_or([[0; SLOTS]; 2]);
        let mut all_counts = weekday_counts;
        all_counts
            .iter_mut()
            .zip(weekend_counts)
            .for_each(|(a, b)| *a += b);
        let concentrated = |c: Candidate| {
            let share = match c.class {
                DayClass::Weekdays => concentration(&weekday_counts, c.center, th),
                DayClass::Weekends => concentration(&weekend_counts, c.center, th),
                DayClass::All => concentration(&all_counts, c.center, th),
            };
            if share >= MIN_CONCENTRATION {
                Ok(c)
            } else {
                Err(format!(
                    "used all around {}: only {:.0} % of the uses nearby are within {} min of it, less than {:.0} %",
                    stats::clock(c.center),
                    100.0 * share,
                    th.routine_window_minutes,
                    100.0 * MIN_CONCENTRATION
                ))
            }
        };
        let near = near_days(days, window, th);
        let weekdays = best(days, &near, &weekday_counts, window, DayClass::Weekdays, th)
            .and_then(concentrated);
        let weekends = best(days, &near, &weekend_counts, window, DayClass::Weekends, th)
            .and_then(concentrated);
        // Every day when the all-days candidate holds on weekdays and on
        // weekends alike (each class may be too small to pass alone: four
        // weeks have eight weekend days); otherwise each class by itself.
        let merged = best(days, &near, &all_counts, window, DayClass::All, th)
            .and_then(concentrated)
            .and_then(|all| {
                for class in [DayClass::Weekdays, DayClass::Weekends] {
                    let share = share_at(&near, window, class, all.center);
                    if share < th.routine_min_share {
                        return Err(format!(
                            "near {} on only {:.0} % of the {}",
                            stats::clock(all.center),
                            100.0 * share,
                            class.as_str()
                        ));
                    }
                }
                Ok(all)
            });
        pending.push((key, merged, [weekdays, weekends]));
    }
    let wanted = pending
        .iter()
        .filter(|(_, m, [a, b])| m.is_ok() || a.is_ok() || b.is_ok())
        .map(|p| p.0);
    let times = times::collect(window, tz, wanted);
    let mut found = Vec::new();
    let empty = times::ByDay::new();
    for (key, merged, split) in pending {
        let entity_id = window.entity_id(key.0);
        let state = window.state(key.1);
        let days = times.get(&key).unwrap_or(&empty);
        let refine = |c: Result<Candidate, String>| {
            c.and_then(|c| refine(&c, days, window, th, entity_id, state))
        };
        // Every day when the all-days candidate holds with the real times;
        // otherwise each class by itself.
        match refine(merged).and_then(|r| one_time_for_all(r, window, th)) {
            Ok(routine) => {
                verdict(key, DayClass::All, None);
                found.push(routine);
            }
            Err(why) => {
                verdict(key, DayClass::All, Some(why));
                for (class, c) in [DayClass::Weekdays, DayClass::Weekends]
                    .into_iter()
                    .zip(split)
                {
                    match refine(c) {
                        Ok(routine) => {
                            verdict(key, class, None);
                            found.push(routine);
                        }
                        Err(why) => verdict(key, class, Some(why)),
                    }
                }
            }
        }
    }
    (times::pair_on_off(found), verdicts)
}

/// An every-day routine holds only when weekdays and weekends keep one
/// time: "06:45 on weekdays, 07:20 at weekends" are two habits, not one
/// spread around 07:00. Each class must have at least half the share of
/// days a routine needs at the time (a few late weekend nights are
/// exceptions, not a different habit), and their medians must not be
/// further apart than twice the larger of their spreads (and 10 minutes).
fn one_time_for_all(
    (routine, days): (Routine, Vec<times::Near>),
    window: &Window,
    th: &Thresholds,
) -> Result<(Routine, Vec<times::Near>), String> {
    for class in [DayClass::Weekdays, DayClass::Weekends] {
        let hit = days.iter().filter(|n| class.includes(n.day)).count() as f64;
        let share = hit / f64::from(class_days(window, class).max(1));
        if share < th.routine_min_share / 2.0 {
            return Err(format!(
                "at {} on only {:.0} % of the {}: not every day",
                routine.time,
                100.0 * share,
                class.as_str()
            ));
        }
    }
    let class_times = |class: DayClass| -> Vec<f64> {
        days.iter()
            .filter(|n| class.includes(n.day))
            .map(|n| stats::circular_diff(routine.center_minutes, n.minutes))
            .collect()
    };
    let (mut weekdays, mut weekends) = (
        class_times(DayClass::Weekdays),
        class_times(DayClass::Weekends),
    );
    let spread = |d: &[f64]| stats::circular_mean_std(d).map_or(0.0, |(_, s)| s);
    let widest = spread(&weekdays).max(spread(&weekends));
    if let (Some(a), Some(b)) = (stats::median(&mut weekdays), stats::median(&mut weekends))
        && (a - b).abs() > (2.0 * widest).max(10.0)
    {
        return Err(format!(
            "weekdays near {} and weekends near {} differ: two routines, not one",
            stats::clock(routine.center_minutes + a),
            stats::clock(routine.center_minutes + b)
        ));
    }
    Ok((routine, days))
}

/// A candidate measured on the real times of its days: the robust centre
/// and spread, the exceptions, and no routine when the times are exact to
/// the second (a schedule, not a person).
fn refine(
    c: &Candidate,
    days: &times::ByDay,
    window: &Window,
    th: &Thresholds,
    entity_id: &str,
    state: &str,
) -> Result<(Routine, Vec<times::Near>), String> {
    let reach = 3.0 * f64::from(th.routine_window_minutes);
    let nearest = times::nearest(days, c.center, reach, |d| {
        c.class.includes(d) && (window.first_day..=window.last_day).contains(&d)
    });
    let minutes: Vec<f64> = nearest.iter().map(|n| n.minutes).collect();
    // Days within half a window always count: with eight weekend days the
    // median deviation is too rough to cut closer than that.
    let floor = f64::from(th.routine_window_minutes) / 2.0;
    let robust = stats::robust_times(c.center, &minutes, floor).ok_or("no use")?;
    let observed = robust.inliers as u32;
    let share = f64::from(observed) / f64::from(c.days.max(1));
    let at = stats::clock(robust.center);
    if robust.spread > th.routine_max_spread_minutes {
        return Err(format!(
            "around {at} the times spread ± {:.1} min, more than {:.0} (routine_max_spread)",
            robust.spread, th.routine_max_spread_minutes
        ));
    }
    if observed < th.routine_min_days || share < th.routine_min_share {
        return Err(format!(
            "around {at} on {observed} of {} days ({:.0} %), fewer than {} days or {:.0} % (routine_min_days, routine_min_share)",
            c.days,
            100.0 * share,
            th.routine_min_days,
            100.0 * th.routine_min_share
        ));
    }
    if times::machine_exact(&nearest, robust.center, robust.reach) {
        return Err(format!(
            "at {at} to the same second on most days: a schedule or an automation, not a person"
        ));
    }
    let routine = Routine {
        id: format!("routine:{entity_id}:{state}:{}", c.class.as_str()),
        entity_id: entity_id.to_owned(),
        state: state.to_owned(),
        days: c.class,
        time: stats::clock(robust.center),
        center_minutes: robust.center,
        spread_minutes: robust.spread,
        within_minutes: robust.reach.ceil(),
        days_observed: observed,
        days_in_class: c.days,
        exceptions: robust.outliers as u32,
        share,
        z: c.z,
        confidence: share.min(1.0),
        end: None,
    };
    let inliers = nearest
        .into_iter()
        .filter(|n| stats::circular_diff(robust.center, n.minutes).abs() <= robust.reach)
        .collect();
    Ok((routine, inliers))
}

/// Each (entity, state)'s occupied 5-minute slots per local day, and its
/// occurrences per slot on weekdays and on weekend days: the candidates'
/// aggregate, built from the window's times in one pass (changes made by
/// people or devices only: not automations, not unavailable/unknown).
#[allow(clippy::type_complexity)]
fn activity(
    window: &Window,
    tz: &TimeZone,
) -> (
    HashMap<(u32, u32), Days>,
    HashMap<(u32, u32), [[u32; SLOTS]; 2]>,
) {
    let mut groups: HashMap<(u32, u32), Days> = HashMap::default();
    let mut counts: HashMap<(u32, u32), [[u32; SLOTS]; 2]> = HashMap::default();
    let mut clock = stats::LocalClock::new(tz);
    for (&key, times) in &window.digest.times {
        let days = groups.entry(key).or_default();
        // Only an action's slots are looked at; other entities just get
        // their verdict.
        if !is_action_domain(window.entity_id(key.0)) {
            continue;
        }
        let counts = counts.entry(key).or_insert([[0; SLOTS]; 2]);
        for &t in times {
            let (day, ms) = clock.local(t);
            let slot = ((ms / 300_000) as usize).min(SLOTS - 1);
            let bits = days.entry(day).or_default();
            bits[slot / 64] |= 1 << (slot % 64);
            let weekend = usize::from(!DayClass::Weekdays.includes(day));
            counts[weekend][slot] += 1;
        }
    }
    (groups, counts)
}

/// For each day, the candidate centres it has an occurrence within `k`
/// slots of. A window that wraps midnight belongs to the day whose evening
/// it starts in: a light switched off at 00:03 hits 23:55 of the day before.
///
/// Each day's slots are widened as bits, in a strip of three days (the day
/// in the middle), so that what spills over midnight lands on the day before
/// or after (`k` is at most 72: the window is at most 6 hours).
fn near_days(days: &Days, window: &Window, th: &Thresholds) -> Near {
    let k = half_width(th);
    let mut bits: HashMap<i32, [u64; 5]> = HashMap::default();
    for (&day, slots) in days {
        let mut strip: Strip = [0; STRIP_WORDS];
        put(&mut strip, SLOTS, slots);
        for _ in 0..k {
            let (left, right) = (shifted_up(&strip), shifted_down(&strip));
            for ((s, l), r) in strip.iter_mut().zip(left).zip(right) {
                *s |= l | r;
            }
        }
        for (i, d) in [day - 1, day, day + 1].into_iter().enumerate() {
            let part = take(&strip, i * SLOTS);
            if part != [0; 5] {
                for (a, b) in bits.entry(d).or_default().iter_mut().zip(part) {
                    *a |= b;
                }
            }
        }
    }
    bits.into_iter()
        .filter(|(day, _)| (window.first_day..=window.last_day).contains(day))
        .map(|(day, b)| {
            let mut near = [false; SLOTS];
            for (s, n) in near.iter_mut().enumerate() {
                *n = b[s / 64] & (1 << (s % 64)) != 0;
            }
            (day, near)
        })
        .collect()
}

/// Three days of slots, one after the other, as bits.
const STRIP_WORDS: usize = (3 * SLOTS).div_ceil(64);
type Strip = [u64; STRIP_WORDS];

/// ORs a day's slot bits into the strip from bit `at` on.
fn put(strip: &mut Strip, at: usize, slots: &[u64; 5]) {
    for (i, &word) in slots.iter().enumerate() {
        let (w, b) = ((at + 64 * i) / 64, (at + 64 * i) % 64);
        if let Some(s) = strip.get_mut(w) {
            *s |= word << b;
        }
        if b != 0
            && let Some(s) = strip.get_mut(w + 1)
        {
            *s |= word >> (64 - b);
        }
    }
}

/// The strip's bits from `at` on, as a day's slots.
fn take(strip: &Strip, at: usize) -> [u64; 5] {
    let mut out = [0u64; 5];
    for (i, o) in out.iter_mut().enumerate() {
        let (w, b) = ((at + 64 * i) / 64, (at + 64 * i) % 64);
        *o = strip.get(w).map_or(0, |s| s >> b);
        if b != 0 {
            *o |= strip.get(w + 1).map_or(0, |s| s << (64 - b));
        }
    }
    // Slot 288 on belongs to the next day.
    out[4] &= (1 << (SLOTS - 256)) - 1;
    out
}

/// Every bit one slot later.
fn shifted_up(strip: &Strip) -> Strip {
    let mut out = [0; STRIP_WORDS];
    let mut carry = 0;
    for (o, s) in out.iter_mut().zip(strip) {
        *o = s << 1 | carry;
        carry = s >> 63;
    }
    out
}

/// Every bit one slot earlier.
fn shifted_down(strip: &Strip) -> Strip {
    let mut out = [0; STRIP_WORDS];
    let mut carry = 0;
    for (o, s) in out.iter_mut().zip(strip).rev() {
        *o = s >> 1 | carry;
        carry = s << 63;
    }
    out
}

/// For each day of the window, the candidate centres it hits.
type Near = HashMap<i32, [bool; SLOTS]>;

/// Slots either side of a centre that count as "near" it.
fn half_width(th: &Thresholds) -> usize {
    (f64::from(th.routine_window_minutes) / SLOT_MINUTES).round() as usize
}

/// Days of the window in `class`.
fn class_days(window: &Window, class: DayClass) -> u32 {
    (window.first_day..=window.last_day)
        .filter(|d| class.includes(*d))
        .count() as u32
}

/// Share of a class's days with an occurrence within one window of `center`.
fn share_at(near: &Near, window: &Window, class: DayClass, center: f64) -> f64 {
    let slot = ((center / SLOT_MINUTES) as usize).min(SLOTS - 1);
    let hit = near
        .iter()
        .filter(|(d, near)| class.includes(**d) && near[slot])
        .count();
    match class_days(window, class) {
        0 => 0.0,
        n => hit as f64 / f64::from(n),
    }
}

/// Share of the occurrences within three windows of `center` that fall
/// within one window of it.
fn concentration(slot_counts: &[u32; SLOTS], center: f64, th: &Thresholds) -> f64 {
    let window = f64::from(th.routine_window_minutes);
    let (mut near, mut around) = (0u32, 0u32);
    for (slot, &count) in slot_counts.iter().enumerate() {
        let t = slot as f64 * SLOT_MINUTES + SLOT_MINUTES / 2.0;
        let distance = stats::circular_diff(center, t).abs();
        if distance <= window {
            near += count;
        }
        if distance <= 3.0 * window {
            around += count;
        }
    }
    if around == 0 {
        0.0
    } else {
        f64::from(near) / f64::from(around)
    }
}

struct Candidate {
    class: DayClass,
    center: f64,
    days: u32,
    z: f64,
}

/// How far either side of a centre the null hypothesis spreads an entity's
/// uses, in windows: "it happens in the evening" is no evidence for "at 21:12".
const NULL_SPREAD: usize = 4;

fn best(
    days: &Days,
    near: &Near,
    slot_counts: &[u32; SLOTS],
    window: &Window,
    class: DayClass,
    th: &Thresholds,
) -> Result<Candidate, String> {
    let class_days = class_days(window, class);
    if class_days == 0 {
        return Err(format!("the window has no {}", class.as_str()));
    }
    let k = half_width(th);
    let mut hits = [0u32; SLOTS];
    for (_, near) in near.iter().filter(|(d, _)| class.includes(**d)) {
        for (h, n) in hits.iter_mut().zip(near) {
            *h += u32::from(*n);
        }
    }
    let uses_per_day: Vec<i32> = days
        .iter()
        .filter(|(d, _)| class.includes(**d))
        .map(|(_, bits)| bits.iter().map(|b| b.count_ones() as i32).sum())
        .collect();
    let (center_slot, &count) = hits
        .iter()
        .enumerate()
        .max_by_key(|(s, h)| (**h, std::cmp::Reverse(*s)))
        .ok_or("no use")?;
    // The null: each use lands anywhere within NULL_SPREAD windows of the
    // centre with the probability the entity's own use there has, evenly
    // inside that neighbourhood; never less likely than uniform over the day.
    let total: u32 = slot_counts.iter().sum();
    let wide = (NULL_SPREAD * k).min(SLOTS / 2 - 1);
    let around: u32 = (0..=2 * wide)
        .map(|offset| slot_counts[(center_slot + SLOTS + offset - wide) % SLOTS])
        .sum();
    let narrow = (2 * k + 1) as f64;
    let p_use = (f64::from(around) / f64::from(total.max(1)) * narrow / (2 * wide + 1) as f64)
        .max(narrow / SLOTS as f64);
    let (mut expected, mut variance) = (0.0, 0.0);
    for n in uses_per_day {
        let p = 1.0 - (1.0 - p_use).powi(n);
        expected += p;
        variance += p * (1.0 - p);
    }
    let share = f64::from(count) / f64::from(class_days);
    let z = stats::z_score(f64::from(count), expected, variance);
    // The centre of the best slot; `refine` takes the real times.
    let center = center_slot as f64 * SLOT_MINUTES + SLOT_MINUTES / 2.0;
    let near = format!("near {}", stats::clock(center));
    if count < th.routine_min_days {
        return Err(format!(
            "{near} on {count} days, fewer than {} (routine_min_days)",
            th.routine_min_days
        ));
    }
    if share < th.routine_min_share {
        return Err(format!(
            "{near} on {count} of {class_days} days, {:.0} %, less than {:.0} % (routine_min_share)",
            100.0 * share,
            100.0 * th.routine_min_share
        ));
    }
    if z < MIN_Z {
        return Err(format!(
            "{near} on {count} days, but chance would give {expected:.0}: z = {z:.1}, below {MIN_Z}"
        ));
    }
    Ok(Candidate {
        class,
        center,
        days: class_days,
        z,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The candidate centres near each day's uses, one slot at a time: what
    /// [`near_days`] does with bits.
    fn near_days_slowly(days: &Days, window: &Window, k: usize) -> Near {
        let mut out: Near = HashMap::default();
        for (&day, bits) in days {
            for s in (0..SLOTS).filter(|s| bits[s / 64] & (1 << (s % 64)) != 0) {
                for offset in 0..=2 * k {
                    let candidate = s as i64 + offset as i64 - k as i64;
                    let (day, slot) = match candidate {
                        c if c < 0 => (day - 1, (c + SLOTS as i64) as usize),
                        c if c >= SLOTS as i64 => (day + 1, (c - SLOTS as i64) as usize),
                        c => (day, c as usize),
                    };
                    out.entry(day).or_insert([false; SLOTS])[slot] = true;
                }
            }
        }
        out.retain(|day, _| (window.first_day..=window.last_day).contains(day));
        out
    }

    #[test]
    fn the_days_near_each_use_are_found_as_one_slot_at_a_time_finds_them() {
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let window = Window {
            first_day: 100,
            last_day: 120,
            ..Window::default()
        };
        for minutes in [1, 5, 12, 30, 90, 360] {
            let mut th = crate::analysis::tests::thresholds();
            th.routine_window_minutes = minutes;
            let k = half_width(&th);
            let mut days = Days::default();
            // Sparse and dense days, around midnight and at the window's
            // edges (99 and 121 spill into it).
            for day in 99..=121 {
                let bits = days.entry(day).or_default();
                let uses = next() % 40;
                for _ in 0..uses {
                    let s = match next() % 4 {
                        0 => (next() % 8) as usize,
                        1 => SLOTS - 1 - (next() % 8) as usize,
                        _ => (next() % SLOTS as u64) as usize,
                    };
                    bits[s / 64] |= 1 << (s % 64);
                }
            }
            let mut fast: Vec<_> = near_days(&days, &window, &th).into_iter().collect();
            let mut slow: Vec<_> = near_days_slowly(&days, &window, k).into_iter().collect();
            fast.sort_by_key(|(d, _)| *d);
            slow.sort_by_key(|(d, _)| *d);
            assert_eq!(fast, slow, "{minutes} min");
        }
    }
}
