//! Trigger → action sequences: "when binary_sensor.hallway_motion turns on,
//! light.hallway turns on within seconds".
//!
//! One sweep over the window's events in time order keeps the trigger events
//! of the last `sequence_max_delay` in a queue. Each action event (a person's
//! or a device's change of an actionable entity) pairs with the distinct
//! trigger types in the queue. Cost: O(n · q) for n events and q triggers in
//! one delay window — no scan of all events per event.
//!
//! The statistic: if trigger A happens at random with its observed rate λ,
//! an action event has at least one A in the `d` before it with probability
//! p = 1 − e^(−λd). Over B's n events, chance gives n·p preceded events with
//! variance n·p·(1−p); a pair is a pattern only if the observed count is at
//! least `sequence_min_z` standard deviations above that (busy, independent
//! entities co-occur all day and stay near z = 0). It must also recur
//! (`sequence_min_occurrences`) and B must follow A reliably
//! (`sequence_min_confidence`) — within the hours where it holds: a
//! motion-triggered light that only follows in the evening gets that time
//! window, found from the per-hour share of A followed by B.

use std::collections::VecDeque;

use rustc_hash::FxHashMap as HashMap;

use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};

use super::stats;
use super::{Thresholds, Window, is_action_domain, is_measurement, is_trigger_entity};
use crate::model::{Origin, is_blip};

/// A sequence and its evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sequence {
    pub id: String,
    pub trigger_entity: String,
    pub trigger_state: String,
    pub action_entity: String,
    pub action_state: String,
    /// Trigger occurrences followed by the action within the delay.
    pub occurrences: u32,
    /// The trigger's occurrences in the window's hours (all day when none).
    pub trigger_count: u32,
    pub action_count: u32,
    /// Share of the trigger's occurrences (within `time_window`) followed by
    /// the action, and share of the action's occurrences preceded by the
    /// trigger.
    pub follows: f64,
    pub precedes: f64,
    /// Preceded action events expected by chance, and how far above it.
    pub expected_by_chance: f64,
    pub z: f64,
    pub delay_median_s: f64,
    pub delay_p10_s: f64,
    pub delay_p90_s: f64,
    /// Local `hh:mm` start and end where it holds, when not all day.
    pub time_window: Option<(String, String)>,
    pub confidence: f64,
}

#[derive(Default)]
struct Pair {
    followed: u32,
    preceded: u32,
    last_trigger: Option<usize>,
    /// Delays in tenths of a second (a delay is at most an hour).
    delays: Vec<u16>,
    hits_by_hour: [u32; 24],
}

/// Delays kept per pair for the distribution: plenty for a median and a
/// 10–90 % range, and small, since every candidate pair keeps its own until
/// the end of the sweep (tens of thousands of pairs in a busy home).
const MAX_DELAYS: usize = 256;

/// What one time-ordered sweep over the events counts.
#[derive(Default)]
struct Counts {
    /// Per trigger (entity, state): occurrences, and by local hour.
    triggers: HashMap<u64, (u32, [u32; 24])>,
    /// Per action (entity, state): occurrences.
    actions: HashMap<u64, u32>,
    pairs: HashMap<(u64, u64), Pair>,
}

/// An (entity, state) as one number.
fn key(entity: u32, state: u32) -> u64 {
    (u64::from(entity) << 32) | u64::from(state)
}

pub fn detect(window: &Window, tz: &TimeZone, th: &Thresholds) -> Vec<Sequence> {
    if window.events.is_empty() {
        return Vec::new();
    }
    judge(window, sweep(window, tz, th), th)
}

/// Counts triggers, actions, and each action following a trigger within the
/// delay, in one pass with a queue of the triggers still within reach.
fn sweep(window: &Window, tz: &TimeZone, th: &Thresholds) -> Counts {
    let ev = &window.events;
    let trigger_ok: Vec<bool> = window
        .entities
        .iter()
        .map(|m| is_trigger_entity(m) && !is_measurement(m))
        .collect();
    let action_ok: Vec<bool> = window
        .entities
        .iter()
        .map(|m| is_action_domain(&m.entity_id) && !is_measurement(m))
        .collect();
    let blip: Vec<bool> = window.states.iter().map(|s| is_blip(s)).collect();

    let mut hours = HourCache::new(tz);
    let mut counts = Counts::default();
    let mut recent: VecDeque<usize> = VecDeque::new();
    let mut seen_types: Vec<u64> = Vec::new();

    for i in 0..ev.len() {
        let (e, s, t) = (ev.entity[i], ev.state[i], ev.ts[i]);
        if blip[s as usize] || ev.origin[i] == Origin::Automation {
            continue;
        }
        while recent
            .front()
            .is_some_and(|&j| ev.ts[j] < t - th.sequence_max_delay_ms)
        {
            recent.pop_front();
        }
        if action_ok[e as usize] {
            let b = key(e, s);
            *counts.actions.entry(b).or_default() += 1;
            // Every trigger event in the window is followed by this action
            // (counted once per trigger event and pair) …
            for &j in &recent {
                if ev.entity[j] == e || ev.ts[j] == t {
                    continue;
                }
                let pair = counts
                    .pairs
                    .entry((key(ev.entity[j], ev.state[j]), b))
                    .or_default();
                if pair.last_trigger.is_none_or(|last| j > last) {
                    pair.last_trigger = Some(j);
                    pair.followed += 1;
                    pair.hits_by_hour[usize::from(hours.hour(ev.ts[j]))] += 1;
                }
            }
            // … and this action is preceded by each trigger type once, with
            // the delay to its nearest occurrence.
            seen_types.clear();
            for &j in recent.iter().rev() {
                if ev.entity[j] == e || ev.ts[j] == t {
                    continue;
                }
                let a = key(ev.entity[j], ev.state[j]);
                if seen_types.contains(&a) {
                    continue;
                }
                seen_types.push(a);
                let pair = counts.pairs.entry((a, b)).or_default();
                pair.preceded += 1;
                if pair.delays.len() < MAX_DELAYS {
                    pair.delays
                        .push(((t - ev.ts[j]) / 100).clamp(0, i64::from(u16::MAX)) as u16);
                }
            }
        }
        if trigger_ok[e as usize] {
            let trigger = counts.triggers.entry(key(e, s)).or_default();
            trigger.0 += 1;
            trigger.1[usize::from(hours.hour(t))] += 1;
            recent.push_back(i);
        }
    }
    counts
}

/// Keeps the pairs that happen far more often than chance, on enough
/// occasions and in enough of the trigger's hours.
fn judge(window: &Window, counts: Counts, th: &Thresholds) -> Vec<Sequence> {
    let ev = &window.events;
    let automated = window.automated_pairs();
    let span_ms = (ev.ts[ev.len() - 1] - ev.ts[0]).max(1) as f64;
    let mut found = Vec::new();
    for ((a, b), pair) in counts.pairs {
        let (a_entity, a_state) = ((a >> 32) as u32, a as u32);
        let (b_entity, b_state) = ((b >> 32) as u32, b as u32);
        let (trigger_entity, action_entity) =
            (window.entity_id(a_entity), window.entity_id(b_entity));
        if pair.followed < th.sequence_min_occurrences
            || automated.contains(&(trigger_entity, action_entity))
        {
            continue;
        }
        let (n_a, a_by_hour) = counts.triggers.get(&a).copied().unwrap_or_default();
        let n_b = counts.actions.get(&b).copied().unwrap_or_default();
        let rate = f64::from(n_a) / span_ms;
        let p = 1.0 - (-rate * th.sequence_max_delay_ms as f64).exp();
        let expected = f64::from(n_b) * p;
        let z = stats::z_score(f64::from(pair.preceded), expected, expected * (1.0 - p));
        if z < th.sequence_min_z {
            continue;
        }
        let Some(Held {
            hours: hours_held,
            followed,
            triggered,
        }) = time_window(&pair.hits_by_hour, &a_by_hour, th.sequence_min_confidence)
        else {
            continue;
        };
        let follows = f64::from(followed) / f64::from(triggered.max(1));
        if followed < th.sequence_min_occurrences || follows < th.sequence_min_confidence {
            continue;
        }
        let mut delays: Vec<f64> = pair.delays.iter().map(|d| f64::from(*d) / 10.0).collect();
        let (median, p10, p90) = stats::quantiles(&mut delays).unwrap_or_default();
        let precedes = f64::from(pair.preceded) / f64::from(n_b.max(1));
        let (trigger_state, action_state) = (window.state(a_state), window.state(b_state));
        found.push(Sequence {
            id: format!("sequence:{trigger_entity}:{trigger_state}:{action_entity}:{action_state}"),
            trigger_entity: trigger_entity.to_owned(),
            trigger_state: trigger_state.to_owned(),
            action_entity: action_entity.to_owned(),
            action_state: action_state.to_owned(),
            occurrences: followed,
            trigger_count: triggered,
            action_count: n_b,
            follows,
            precedes,
            expected_by_chance: expected,
            z,
            delay_median_s: median,
            delay_p10_s: p10,
            delay_p90_s: p90,
            time_window: hours_held
                .map(|(start, end)| (format!("{start:02}:00"), format!("{end:02}:00"))),
            confidence: follows.min(1.0) * precedes.sqrt().min(1.0),
        });
    }
    found.sort_by(|x, y| y.z.total_cmp(&x.z).then_with(|| x.id.cmp(&y.id)));
    found
}

/// Where a pair holds: local hours `[start, end)`, `None` for all day, and
/// the followed and trigger counts within them.
#[derive(Debug, PartialEq)]
struct Held {
    hours: Option<(usize, usize)>,
    followed: u32,
    triggered: u32,
}

/// The hours where B reliably follows A: the longest circular run of hours
/// whose share is at least 80 % of the threshold (hours without any A do not
/// break a run). `None` when no hour qualifies.
fn time_window(hits: &[u32; 24], triggers: &[u32; 24], min_confidence: f64) -> Option<Held> {
    let good: Vec<bool> = (0..24)
        .map(|h| {
            triggers[h] == 0 || f64::from(hits[h]) / f64::from(triggers[h]) >= 0.8 * min_confidence
        })
        .collect();
    if good.iter().all(|g| *g) {
        return Some(Held {
            hours: None,
            followed: hits.iter().sum(),
            triggered: triggers.iter().sum(),
        });
    }
    // Longest circular run of good hours, by followed count.
    let mut best: Option<(usize, usize, u32)> = None;
    for start in (0..24).filter(|&h| good[h] && !good[(h + 23) % 24]) {
        let mut len = 0;
        let mut followed = 0;
        while len < 24 && good[(start + len) % 24] {
            followed += hits[(start + len) % 24];
            len += 1;
        }
        if best.is_none_or(|(_, _, f)| followed > f) {
            best = Some((start, len, followed));
        }
    }
    let (start, len, followed) = best?;
    let triggered = (start..start + len).map(|h| triggers[h % 24]).sum();
    // Trim hours with no trigger at the edges: the window is where it held.
    let mut first = start;
    let mut last = start + len - 1;
    while first < last && triggers[first % 24] == 0 {
        first += 1;
    }
    while last > first && triggers[last % 24] == 0 {
        last -= 1;
    }
    Some(Held {
        hours: Some((first % 24, (last + 1) % 24)),
        followed,
        triggered,
    })
}

/// Local hour of day for a UTC time, computed once per UTC hour.
struct HourCache<'a> {
    tz: &'a TimeZone,
    cache: HashMap<i64, u8>,
}

impl<'a> HourCache<'a> {
    fn new(tz: &'a TimeZone) -> Self {
        HourCache {
            tz,
            cache: HashMap::default(),
        }
    }

    fn hour(&mut self, ts: i64) -> u8 {
        let utc_hour = ts.div_euclid(3_600_000);
        *self.cache.entry(utc_hour).or_insert_with(|| {
            Timestamp::from_millisecond(utc_hour * 3_600_000)
                .map(|t| self.tz.to_datetime(t).hour() as u8)
                .unwrap_or(0)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_evening_only_pattern_gets_its_hours() {
        let mut hits = [0; 24];
        let mut triggers = [2; 24];
        for h in 18..23 {
            hits[h] = 9;
            triggers[h] = 10;
        }
        let held = time_window(&hits, &triggers, 0.5).unwrap();
        assert_eq!(
            held,
            Held {
                hours: Some((18, 23)),
                followed: 45,
                triggered: 50
            }
        );
    }

    #[test]
    fn an_all_day_pattern_has_no_window() {
        assert_eq!(time_window(&[8; 24], &[10; 24], 0.5).unwrap().hours, None);
    }

    #[test]
    fn a_window_can_wrap_midnight() {
        let mut hits = [0; 24];
        let triggers = [10; 24];
        for h in [22, 23, 0, 1] {
            hits[h] = 9;
        }
        assert_eq!(
            time_window(&hits, &triggers, 0.5).unwrap().hours,
            Some((22, 2))
        );
    }
}
