//! The real times of a routine's days, from the window's times.
//!
//! The routine miner finds a candidate time on 5-minute slots of the
//! window's events; what it reports comes from here: each day's occurrence
//! nearest that time, to the second, so "06:34" is the residents' time and
//! not a slot's centre. Two things only the exact times show: a schedule
//! (the same second every day is a machine, not a person, even in a
//! history that does not say who caused it), and how an entity's "on" and
//! "off" routines belong together — one habit, one automation, ending at a
//! steady time or after a steady while, whichever the data says is steadier.

use rustc_hash::FxHashMap as HashMap;

use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};

use super::Window;
use super::routines::Routine;
use super::stats::{self, LocalClock, MINUTES_PER_DAY};

/// An (entity, state)'s occurrences: local day and milliseconds since local
/// midnight, in time order.
pub type ByDay = Vec<(i32, i64)>;

/// The local times of the wanted (entity, state) pairs.
pub fn collect(
    window: &Window,
    tz: &TimeZone,
    wanted: impl Iterator<Item = (u32, u32)>,
) -> HashMap<(u32, u32), ByDay> {
    let mut clock = LocalClock::new(tz);
    wanted
        .filter_map(|key| {
            let times = window.digest.times.get(&key)?;
            Some((key, times.iter().map(|t| clock.local(*t)).collect()))
        })
        .collect()
}

/// A day's occurrence nearest a routine's time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Near {
    /// The day whose routine it is (00:10 belongs to the evening before a
    /// 23:55 routine).
    pub day: i32,
    pub minutes: f64,
    pub ms_of_day: i64,
}

/// For each day `include` accepts, its occurrence nearest `center`, if one
/// lies within `reach` minutes.
pub fn nearest(days: &ByDay, center: f64, reach: f64, include: impl Fn(i32) -> bool) -> Vec<Near> {
    let mut best: HashMap<i32, Near> = HashMap::default();
    for &(day, ms) in days {
        let minutes = ms as f64 / 60_000.0;
        let circ = stats::circular_diff(center, minutes);
        if circ.abs() > reach {
            continue;
        }
        let shift = ((minutes - center - circ) / MINUTES_PER_DAY).round() as i32;
        let day = day + shift;
        if !include(day) {
            continue;
        }
        let near = Near {
            day,
            minutes,
            ms_of_day: ms,
        };
        best.entry(day)
            .and_modify(|n| {
                if circ.abs() < stats::circular_diff(center, n.minutes).abs() {
                    *n = near;
                }
            })
            .or_insert(near);
    }
    let mut out: Vec<Near> = best.into_values().collect();
    out.sort_by_key(|n| n.day);
    out
}

/// A person never repeats the same second of the day: when most days'
/// occurrences within `reach` of `center` share one second, a schedule or
/// an automation did it.
pub fn machine_exact(days: &[Near], center: f64, reach: f64) -> bool {
    let mut seconds: HashMap<i64, u32> = HashMap::default();
    let mut n = 0u32;
    for d in days {
        if stats::circular_diff(center, d.minutes).abs() <= reach {
            n += 1;
            *seconds.entry(d.ms_of_day / 1000).or_default() += 1;
        }
    }
    let most = seconds.values().copied().max().unwrap_or(0);
    n >= 5 && f64::from(most) >= MACHINE_SHARE * f64::from(n)
}

/// The share of days on the same second that marks a machine.
const MACHINE_SHARE: f64 = 0.8;

/// How a routine ends: the other state, at its own time or a while after
/// the start.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct End {
    pub state: String,
    /// Local `hh:mm` it usually happens at, and the spread of that time.
    pub time: String,
    pub spread_minutes: f64,
    pub days_observed: u32,
    /// Set when the time since the start is steadier than the time of day:
    /// "off 55 minutes after on". Its spread beside it.
    pub after_minutes: Option<f64>,
    pub after_spread_minutes: Option<f64>,
}

/// The state that undoes each starting state.
pub fn undoes(start: &str) -> Option<&'static str> {
    match start {
        "on" => Some("off"),
        "open" => Some("closed"),
        "playing" => Some("paused"),
        _ => None,
    }
}

/// Merges each entity's start and end routines of the same days into one
/// routine with an [`End`] (an every-day end stays its own: it is a habit
/// of every day, not of the start's days); everything else passes as it is.
pub fn pair_on_off(found: Vec<(Routine, Vec<Near>)>) -> Vec<Routine> {
    let mut used = vec![false; found.len()];
    let mut out = Vec::new();
    for (i, (start, start_days)) in found.iter().enumerate() {
        let Some(end_state) = undoes(&start.state) else {
            continue;
        };
        let end = found.iter().enumerate().find(|(j, (r, _))| {
            !used[*j]
                && r.entity_id == start.entity_id
                && r.state == end_state
                && r.days == start.days
        });
        if let Some((j, (end, end_days))) = end {
            used[i] = true;
            used[j] = true;
            let mut merged = start.clone();
            merged.end = Some(ending(end, start_days, end_days));
            out.push(merged);
        }
    }
    out.extend(
        found
            .into_iter()
            .zip(used)
            .filter(|(_, used)| !used)
            .map(|((r, _), _)| r),
    );
    out.sort_by(|x, y| x.id.cmp(&y.id));
    out
}

/// The end of a routine, with "a while after the start" when the durations
/// of the days with both are steadier than the end's time of day.
fn ending(end: &Routine, start_days: &[Near], end_days: &[Near]) -> End {
    let starts: HashMap<i32, f64> = start_days.iter().map(|n| (n.day, n.minutes)).collect();
    let durations: Vec<f64> = end_days
        .iter()
        .filter_map(|n| {
            let start = starts.get(&n.day)?;
            Some((n.minutes - start).rem_euclid(MINUTES_PER_DAY))
        })
        .collect();
    let steadier = stats::robust_times(0.0, &durations, 5.0)
        .filter(|d| d.inliers >= 5 && d.spread < end.spread_minutes);
    End {
        state: end.state.clone(),
        time: end.time.clone(),
        spread_minutes: end.spread_minutes,
        days_observed: end.days_observed,
        after_minutes: steadier.map(|d| d.center.round()),
        after_spread_minutes: steadier.map(|d| d.spread),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn near(day: i32, minutes: f64) -> Near {
        Near {
            day,
            minutes,
            ms_of_day: (minutes * 60_000.0) as i64,
        }
    }

    #[test]
    fn the_same_second_every_day_is_a_machine() {
        let exact: Vec<Near> = (0..10).map(|d| near(d, 1080.0)).collect();
        assert!(machine_exact(&exact, 1080.0, 30.0));
        let human: Vec<Near> = (0..10)
            .map(|d| near(d, 1080.0 + f64::from(d) * 0.37))
            .collect();
        assert!(!machine_exact(&human, 1080.0, 30.0));
    }

    #[test]
    fn an_occurrence_after_midnight_belongs_to_the_evening_before() {
        let days: ByDay = vec![(10, 23 * 3_600_000 + 50 * 60_000), (12, 5 * 60_000)];
        let found = nearest(&days, 1435.0, 30.0, |_| true);
        assert_eq!(found.iter().map(|n| n.day).collect::<Vec<_>>(), [10, 11]);
    }
}
