//! What the miners need from a window's events, in a form that adds up day
//! by day.
//!
//! A [`Digest`] holds, for the changes a person or a device made (not an
//! automation, not `unavailable`/`unknown`), each (entity, state)'s times —
//! for the entities a miner looks at: triggers, and what a person switches —
//! and the delay counts of every (trigger, action) pair within the sequence
//! horizon of each other; for every change, how often each entity changed.
//! Nothing else of the raw events is needed: the routine miner's slots and
//! real times and the sequence miner's exact measurement come from the times,
//! its screen from the delay counts.
//!
//! A day's digest depends only on that day's events and on those within the
//! horizon (at least [`RETURN_MS`]) before its first one, so the digests of days that are over do not
//! change: the daily job stores each once (`db::digests`) and adds them up
//! ([`Digest::add`]) with the digest of the days it reads raw, and their
//! pairs in a window's [`Totals`]. Adding is exact: the times of later days
//! follow those of earlier ones, and the delay counts, which a sweep
//! saturates at `u16::MAX`, are added unsaturated and read saturated (a sum
//! of per-day counts saturates exactly when the count over all days does).
//!
//! The delay counts come from one sweep in time order that keeps, for
//! triggers and actions apart, the distinct (entity, state) types seen within
//! the horizon, most recent first (a linked list with move-to-front): each
//! event visits only the types of the other side that are still within
//! reach, once each.

use std::collections::hash_map::Entry;
use std::ops::Range;

use jiff::tz::TimeZone;
use rustc_hash::FxHashMap as HashMap;

use super::stats::LocalClock;
use super::{EntityMeta, Events, is_action_domain, is_measurement, is_trigger_entity};
use crate::model::{Origin, is_blip};

/// A change back from `unavailable` or `unknown` within this long is the
/// device (or Home Assistant) coming back, not anyone's action: Home
/// Assistant marks its MQTT entities unavailable for a few milliseconds
/// whenever it starts, and a light that was on is "on" again after it.
/// (A bulb behind a wall switch is unavailable for as long as the switch
/// is off: switching it on again is an action.)
pub const RETURN_MS: i64 = 60_000;

/// An (entity, state), by the window's dense indexes.
pub type Key = (u32, u32);

/// Upper edges of the delay bins, in seconds; the horizon closes the last.
const EDGES_S: [i64; 16] = [
    1, 2, 3, 5, 8, 12, 20, 30, 45, 60, 90, 120, 180, 300, 420, 600,
];
/// Delay bins of a pair, at most.
pub const MAX_BINS: usize = EDGES_S.len() + 1;

/// The bin edges in milliseconds up to `horizon_ms`.
pub fn edges(horizon_ms: i64) -> Vec<i64> {
    let mut out: Vec<i64> = EDGES_S
        .iter()
        .map(|s| s * 1000)
        .filter(|e| *e < horizon_ms)
        .collect();
    out.push(horizon_ms);
    out
}

fn bin(edges: &[i64], delay_ms: i64) -> usize {
    edges.partition_point(|e| *e < delay_ms)
}

/// What the miners look for in an entity's changes: whether its changes
/// can start something (a trigger of a sequence), whether a person sets it
/// (an action of a sequence), whether it can have a time-of-day routine.
/// Stored with each day's digest, so one made when an entity was something
/// else is not used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Role(u8);

impl Role {
    const TRIGGER: u8 = 1;
    const ACTION: u8 = 2;
    const ROUTINE: u8 = 4;

    pub fn of(meta: &EntityMeta) -> Role {
        let measurement = is_measurement(meta);
        let mut bits = 0;
        if is_trigger_entity(meta) && !measurement {
            bits |= Self::TRIGGER;
        }
        if is_action_domain(&meta.entity_id) {
            bits |= Self::ROUTINE;
            if !measurement {
                bits |= Self::ACTION;
            }
        }
        Role(bits)
    }

    pub fn trigger(self) -> bool {
        self.0 & Self::TRIGGER != 0
    }
    pub fn action(self) -> bool {
        self.0 & Self::ACTION != 0
    }
    /// Whether the digest keeps the entity's times.
    pub fn keeps_times(self) -> bool {
        self.0 != 0
    }
    pub fn bits(self) -> u8 {
        self.0
    }
    pub fn from_bits(bits: u8) -> Role {
        Role(bits)
    }
}

/// One pair's delay counts: forward (the action after the trigger) and
/// backward (the trigger after the action), per bin. `u16`, saturating: a
/// busy home's table stays in cache, and a pair that saturates both ways is
/// as busy as chance and judged so; no habit happens 65,535 times a month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Delays {
    pub forward: [u16; MAX_BINS],
    pub backward: [u16; MAX_BINS],
}

/// What the miners need from a window's events (see the module's text).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Digest {
    /// The sequence horizon the delay counts were taken with.
    pub horizon_ms: i64,
    /// Every counted (entity, state); its times (UTC ms, ascending) when its
    /// entity [keeps them](Role::keeps_times), else none.
    pub times: HashMap<Key, Vec<i64>>,
    /// Changes per entity, every origin, by dense index (shorter when the
    /// last entities did not change).
    pub usage: Vec<u32>,
    /// The first and the last change, every origin.
    pub span: Option<(i64, i64)>,
    /// The first and the last local day with a counted change.
    pub counted_days: Option<(i32, i32)>,
    /// Every (trigger, action) pair seen within the horizon of each other,
    /// each once, in the order the sweep met them. Not added up by
    /// [`Digest::add`]: days' pairs are added up in [`Totals`].
    pub pairs: Vec<((Key, Key), Delays)>,
}

impl Digest {
    /// The digest of `events[counted]`, with the events before it in `events`
    /// as context (those within the horizon, and [`RETURN_MS`], before the
    /// first counted one must be there; the caller reads them).
    pub fn of(
        entities: &[EntityMeta],
        states: &[String],
        events: &Events,
        counted: Range<usize>,
        horizon_ms: i64,
        tz: &TimeZone,
    ) -> Digest {
        let mut d = Digest {
            horizon_ms,
            ..Digest::default()
        };
        let ev = events;
        let Some(&first) = ev.ts.get(counted.start) else {
            return d;
        };
        if counted.is_empty() {
            return d;
        }
        let reach = horizon_ms.max(RETURN_MS);
        let context = ev.ts[..counted.start].partition_point(|t| *t < first - reach);
        let run = context..counted.end;
        let roles: Vec<Role> = entities.iter().map(Role::of).collect();
        let blip: Vec<bool> = states.iter().map(|s| is_blip(s)).collect();
        let mut types = Types {
            trigger_of: vec![NONE; run.len()],
            action_of: vec![NONE; run.len()],
            triggers: Vec::new(),
            actions: Vec::new(),
        };
        let (mut ti, mut ai) = (HashMap::default(), HashMap::default());
        let mut clock = LocalClock::new(tz);
        // When each entity went unavailable or unknown, while it still is.
        let mut gone = vec![i64::MIN; entities.len()];
        for (k, i) in run.clone().enumerate() {
            let (e, s, t) = (ev.entity[i], ev.state[i], ev.ts[i]);
            let counts = i >= counted.start;
            if counts {
                let e = e as usize;
                if d.usage.len() <= e {
                    d.usage.resize(e + 1, 0);
                }
                d.usage[e] += 1;
                d.span = Some(d.span.map_or((t, t), |(a, _)| (a, t)));
            }
            let is_blip = blip.get(s as usize).copied().unwrap_or(true);
            let went = gone.get(e as usize).copied().unwrap_or(i64::MIN);
            if let Some(g) = gone.get_mut(e as usize) {
                *g = if is_blip { t } else { i64::MIN };
            }
            // What an automation did is no person's habit (and its trigger
            // would look like a perfect cause); nor is a device coming back.
            if is_blip || ev.origin[i] == Origin::Automation || t.saturating_sub(went) < RETURN_MS {
                continue;
            }
            let role = roles.get(e as usize).copied().unwrap_or_default();
            if counts {
                let day = clock.local(t).0;
                d.counted_days = Some(d.counted_days.map_or((day, day), |(a, _)| (a, day)));
                let times = d.times.entry((e, s)).or_default();
                if role.keeps_times() {
                    times.push(t);
                }
            }
            if role.trigger() {
                types.trigger_of[k] = dense(&mut ti, &mut types.triggers, (e, s));
            }
            if role.action() {
                types.action_of[k] = dense(&mut ai, &mut types.actions, (e, s));
            }
        }
        let table = sweep(
            &ev.ts[run.clone()],
            &ev.entity[run],
            &types,
            counted.start - context,
            horizon_ms,
        );
        d.pairs = table
            .pairs
            .iter()
            .zip(&table.cells)
            .filter(|(_, (delays, _))| *delays != Delays::default())
            .map(|(&(a, b), (delays, _))| {
                (
                    (types.triggers[a as usize], types.actions[b as usize]),
                    *delays,
                )
            })
            .collect();
        d
    }

    /// Adds the digest of the days that follow this one's, but its pairs
    /// (those go into a [`Totals`]).
    pub fn add(&mut self, later: Digest) {
        // Moved, not copied, where this one has nothing yet: a full read
        // adds one digest of the whole window to an empty one.
        for (key, times) in later.times {
            match self.times.entry(key) {
                Entry::Occupied(mut e) => e.get_mut().extend(times),
                Entry::Vacant(e) => {
                    e.insert(times);
                }
            }
        }
        if self.usage.len() < later.usage.len() {
            self.usage.resize(later.usage.len(), 0);
        }
        for (a, b) in self.usage.iter_mut().zip(later.usage) {
            *a += b;
        }
        self.span = match (self.span, later.span) {
            (Some((a, _)), Some((_, b))) => Some((a, b)),
            (a, b) => a.or(b),
        };
        self.counted_days = match (self.counted_days, later.counted_days) {
            (Some((a, _)), Some((_, b))) => Some((a, b)),
            (a, b) => a.or(b),
        };
    }

    /// How often `entity` changed.
    pub fn usage(&self, entity: u32) -> u32 {
        self.usage.get(entity as usize).copied().unwrap_or(0)
    }

    /// Changes in all.
    pub fn changes(&self) -> u64 {
        self.usage.iter().map(|u| u64::from(*u)).sum()
    }
}

/// One pair's delay counts over many days, forward bins then backward,
/// unsaturated, so that a day's can be taken away again.
pub type Counts = [u32; 2 * MAX_BINS];

/// The pairs' delay counts added up over days: a window's, which the
/// sequence screen reads ([`Totals::bins`]), and what the daily run keeps
/// from one run to the next, taking the day that left the window away and
/// adding the new ones. The counts lie in one `Vec` in the order the pairs
/// came, found through a map of small entries: a busy home's 60,000 pairs
/// are added, taken away and read one after the other, not scattered
/// through a map of 150-byte entries.
#[derive(Debug, Clone, Default)]
pub struct Totals {
    /// Each pair's place in `pairs` and `counts`.
    index: HashMap<(Key, Key), u32>,
    pairs: Vec<(Key, Key)>,
    counts: Vec<Counts>,
}

/// The same pairs with the same counts, in any order.
impl PartialEq for Totals {
    fn eq(&self, other: &Totals) -> bool {
        self.len() == other.len() && self.iter().all(|(pair, c)| other.get(pair) == Some(c))
    }
}

impl Totals {
    pub fn len(&self) -> usize {
        self.pairs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// Each pair with its counts, in the order they came.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&(Key, Key), &Counts)> {
        self.pairs.iter().zip(&self.counts)
    }

    pub fn get(&self, pair: &(Key, Key)) -> Option<&Counts> {
        self.index
            .get(pair)
            .and_then(|&i| self.counts.get(i as usize))
    }

    /// Room for `more` pairs.
    pub fn reserve(&mut self, more: usize) {
        self.index.reserve(more);
        self.pairs.reserve(more);
        self.counts.reserve(more);
    }

    /// The pair's counts, zero when it is new.
    fn slot(&mut self, pair: (Key, Key)) -> &mut Counts {
        let next = self.pairs.len() as u32;
        let i = *self.index.entry(pair).or_insert(next);
        if i == next {
            self.pairs.push(pair);
            self.counts.push([0; 2 * MAX_BINS]);
        }
        &mut self.counts[i as usize]
    }

    /// Sets a pair's counts.
    pub fn insert(&mut self, pair: (Key, Key), counts: Counts) {
        *self.slot(pair) = counts;
    }

    /// Adds a day's pairs (or those of a run of days).
    pub fn add_day(&mut self, pairs: &[((Key, Key), Delays)]) {
        self.reserve(pairs.len().saturating_sub(self.len()));
        for (pair, delays) in pairs {
            let (forward, backward) = self.slot(*pair).split_at_mut(MAX_BINS);
            for (c, d) in forward.iter_mut().zip(&delays.forward) {
                *c = c.saturating_add(u32::from(*d));
            }
            for (c, d) in backward.iter_mut().zip(&delays.backward) {
                *c = c.saturating_add(u32::from(*d));
            }
        }
    }

    pub fn add(&mut self, other: &Totals) {
        for (pair, more) in other.iter() {
            self.add_one(*pair, more);
        }
    }

    pub fn add_one(&mut self, pair: (Key, Key), more: &Counts) {
        let counts = self.slot(pair);
        for (c, m) in counts.iter_mut().zip(more) {
            *c = c.saturating_add(*m);
        }
    }

    /// Takes one pair's counts away; `false` (and `self` unusable) when
    /// they are not part of these (a count saturated, or another day's).
    pub fn subtract_one(&mut self, pair: (Key, Key), less: &Counts) -> bool {
        let Some(&i) = self.index.get(&pair) else {
            return false;
        };
        let Some(counts) = self.counts.get_mut(i as usize) else {
            return false;
        };
        for (c, l) in counts.iter_mut().zip(less) {
            match c.checked_sub(*l) {
                Some(v) if *c != u32::MAX => *c = v,
                _ => return false,
            }
        }
        if counts.iter().all(|c| *c == 0) {
            // The last pair takes its place.
            self.index.remove(&pair);
            self.pairs.swap_remove(i as usize);
            self.counts.swap_remove(i as usize);
            if let Some(moved) = self.pairs.get(i as usize) {
                self.index.insert(*moved, i);
            }
        }
        true
    }

    /// A pair's forward and backward count in bin `k`, saturated at
    /// `u16::MAX` as one sweep over all the days would have them (a sum
    /// of saturating per-day counts saturates exactly when the count over
    /// all days does).
    pub fn bins(counts: &Counts, k: usize) -> (u32, u32) {
        let cap = |c: u32| c.min(u32::from(u16::MAX));
        (cap(counts[k]), cap(counts[MAX_BINS + k]))
    }
}

const NONE: u32 = u32::MAX;

/// The distinct types seen recently, most recent first: a doubly linked
/// list over dense type numbers with move-to-front.
struct Recent {
    head: u32,
    prev: Vec<u32>,
    next: Vec<u32>,
    last_ts: Vec<i64>,
    /// Occurrences so far, to tell one event of a type from the next.
    seq: Vec<u32>,
}

impl Recent {
    fn new(n: usize) -> Recent {
        Recent {
            head: NONE,
            prev: vec![NONE; n],
            next: vec![NONE; n],
            last_ts: vec![i64::MIN; n],
            seq: vec![0; n],
        }
    }

    fn touch(&mut self, x: u32, ts: i64) {
        let i = x as usize;
        if self.last_ts[i] != i64::MIN {
            let (p, n) = (self.prev[i], self.next[i]);
            if p != NONE {
                self.next[p as usize] = n;
            } else {
                self.head = n;
            }
            if n != NONE {
                self.prev[n as usize] = p;
            }
        }
        self.prev[i] = NONE;
        self.next[i] = self.head;
        if self.head != NONE {
            self.prev[self.head as usize] = x;
        }
        self.head = x;
        self.last_ts[i] = ts;
        self.seq[i] += 1;
    }

    /// The types seen in `[now - horizon, now)`, most recent first.
    fn within(&self, now: i64, horizon: i64) -> impl Iterator<Item = u32> + '_ {
        let mut cur = self.head;
        std::iter::from_fn(move || {
            while cur != NONE {
                let x = cur;
                cur = self.next[x as usize];
                let ts = self.last_ts[x as usize];
                if now - ts > horizon {
                    cur = NONE;
                    return None;
                }
                if ts < now {
                    return Some(x);
                }
            }
            None
        })
    }
}

/// Dense numbers for the trigger and action types of a run of events, and
/// each event's (`NONE` when it is not one).
struct Types {
    trigger_of: Vec<u32>,
    action_of: Vec<u32>,
    triggers: Vec<Key>,
    actions: Vec<Key>,
}

fn dense(index: &mut HashMap<Key, u32>, list: &mut Vec<Key>, key: Key) -> u32 {
    *index.entry(key).or_insert_with(|| {
        list.push(key);
        (list.len() - 1) as u32
    })
}

/// Every touched pair's counts, found through a dense (trigger × action)
/// table.
struct Table {
    actions: usize,
    slot: Vec<u32>,
    cells: Vec<(Delays, u32)>,
    pairs: Vec<(u32, u32)>,
}

impl Table {
    /// The pair's counts, and the action occurrence it last counted
    /// backward (each once).
    fn get(&mut self, trigger: u32, action: u32) -> &mut (Delays, u32) {
        let cell = trigger as usize * self.actions + action as usize;
        if self.slot[cell] == NONE {
            self.slot[cell] = self.cells.len() as u32;
            self.pairs.push((trigger, action));
            self.cells.push((Delays::default(), 0));
        }
        &mut self.cells[self.slot[cell] as usize]
    }
}

/// The one sweep over `ts` (with each event's types): forward and backward
/// delay counts of every pair of a trigger type and an action type within
/// the horizon of each other, counted for the events from `counted` on (the
/// ones before only set what those see).
fn sweep(ts: &[i64], entity: &[u32], types: &Types, counted: usize, horizon: i64) -> Table {
    let edges = edges(horizon);
    let mut table = Table {
        actions: types.actions.len(),
        slot: vec![NONE; types.triggers.len() * types.actions.len()],
        cells: Vec::new(),
        pairs: Vec::new(),
    };
    let mut triggers = Recent::new(types.triggers.len());
    let mut actions = Recent::new(types.actions.len());
    let mut nearby: Vec<u32> = Vec::new();
    for i in 0..ts.len() {
        let (t, e, counts) = (ts[i], entity[i], i >= counted);
        let b = types.action_of[i];
        if b != NONE {
            nearby.clear();
            nearby.extend(triggers.within(t, horizon));
            for &a in &nearby {
                if types.triggers[a as usize].0 == e {
                    continue;
                }
                let delay = t - triggers.last_ts[a as usize];
                let (delays, _) = table.get(a, b);
                if counts {
                    let count = &mut delays.forward[bin(&edges, delay)];
                    *count = count.saturating_add(1);
                }
            }
            actions.touch(b, t);
        }
        let a = types.trigger_of[i];
        if a != NONE {
            nearby.clear();
            nearby.extend(actions.within(t, horizon));
            for &b in &nearby {
                if types.actions[b as usize].0 == e {
                    continue;
                }
                let (last_ts, seq) = (actions.last_ts[b as usize], actions.seq[b as usize]);
                let (delays, last_seq) = table.get(a, b);
                // Only the first trigger after an action event counts, as
                // only the last trigger before one counts forward.
                if *last_seq != seq {
                    *last_seq = seq;
                    if counts {
                        let count = &mut delays.backward[bin(&edges, t - last_ts)];
                        *count = count.saturating_add(1);
                    }
                }
            }
            triggers.touch(a, t);
        }
    }
    table
}

/// The local days of `events` from `first_day` on, each with its range of
/// `events`: what [`Digest::of`] is given a day at a time (the events
/// before a day's range are its context).
pub fn days(events: &Events, first_day: i32, tz: &TimeZone) -> Vec<(i32, Range<usize>)> {
    let mut clock = LocalClock::new(tz);
    let mut out: Vec<(i32, Range<usize>)> = Vec::new();
    for i in 0..events.len() {
        let day = clock.local(events.ts[i]).0;
        match out.last_mut() {
            None if day < first_day => {}
            // A zone that turns its clocks back at midnight repeats an
            // hour of the day before: it stays with the day it follows.
            Some((d, range)) if day <= *d => range.end = i + 1,
            _ => out.push((day, i..i + 1)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Ten busy days across the spring clock change in Berlin, with
    /// automations and blips: the digests of each day, added up, are the
    /// digest of all the days at once (the sweep's context included).
    #[test]
    fn the_days_add_up_to_the_whole() {
        let tz = TimeZone::get("Europe/Berlin").unwrap();
        let entities: Vec<EntityMeta> = [
            ("binary_sensor.hall_motion", Some("motion")),
            ("binary_sensor.door", Some("door")),
            ("light.hall", None),
            ("switch.plug", None),
            ("sensor.temperature", Some("temperature")),
        ]
        .into_iter()
        .map(|(id, class)| EntityMeta {
            entity_id: id.into(),
            device_class: class.map(Into::into),
            ..EntityMeta::default()
        })
        .collect();
        let states: Vec<String> = ["on", "off", "unavailable", "21.5"]
            .into_iter()
            .map(String::from)
            .collect();
        let mut ev = Events::default();
        let mut x = 0x2545_F491_4F6C_DD1Du64;
        let mut t = 1_774_566_000_000i64; // 2026-03-26T23:00Z, a Berlin midnight
        for _ in 0..40_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            // Often a few seconds apart, sometimes minutes: pairs within
            // and beyond the horizon, across midnights.
            t += if x.is_multiple_of(5) {
                (x % 900_000) as i64
            } else {
                (x % 9_000) as i64
            };
            ev.ts.push(t);
            ev.entity.push((x >> 20) as u32 % 5);
            ev.state.push(if (x >> 30).is_multiple_of(23) {
                2
            } else {
                ((x >> 33) % 2) as u32
            });
            ev.origin.push(match (x >> 40) % 9 {
                0 => Origin::Automation,
                1 | 2 => Origin::User,
                _ => Origin::Device,
            });
        }
        let horizon = 600_000;
        let first_day = LocalClock::new(&tz).local(ev.ts[0]).0 + 1;
        let ranges = days(&ev, first_day, &tz);
        assert!(ranges.len() >= 8, "{}", ranges.len());
        let from = ranges[0].1.start;
        let mut whole = Digest::of(&entities, &states, &ev, from..ev.len(), horizon, &tz);
        let mut added = Digest {
            horizon_ms: horizon,
            ..Digest::default()
        };
        let mut added_pairs = Totals::default();
        for (_, range) in ranges {
            let mut day = Digest::of(&entities, &states, &ev, range, horizon, &tz);
            added_pairs.add_day(&std::mem::take(&mut day.pairs));
            added.add(day);
        }
        assert!(whole.pairs.len() > 5 && whole.times.len() > 5);
        let mut whole_pairs = Totals::default();
        whole_pairs.add_day(&std::mem::take(&mut whole.pairs));
        assert_eq!(added_pairs, whole_pairs);
        assert_eq!(added, whole);
    }

    #[test]
    fn totals_take_a_day_away_and_forget_a_pair_that_is_gone() {
        let pair = |n: u32| ((n, 0), (n + 100, 1));
        let counts = |n: u32| {
            let mut c = [0; 2 * MAX_BINS];
            c[n as usize % (2 * MAX_BINS)] = n;
            c
        };
        let mut t = Totals::default();
        for n in 1..=5 {
            t.add_one(pair(n), &counts(n));
        }
        t.add_one(pair(3), &counts(3));
        // Gone: the first, then the last, then one that moved.
        assert!(t.subtract_one(pair(1), &counts(1)));
        assert!(t.subtract_one(pair(5), &counts(5)));
        assert!(t.subtract_one(pair(3), &counts(3)));
        assert!(t.subtract_one(pair(4), &counts(4)));
        let mut left: Vec<_> = t.iter().map(|(p, c)| (*p, *c)).collect();
        left.sort();
        // The third was added twice and taken away once.
        assert_eq!(left, [(pair(2), counts(2)), (pair(3), counts(3))]);
        assert_eq!(t.get(&pair(2)), Some(&counts(2)));
        assert_eq!(t.get(&pair(3)), Some(&counts(3)));
        assert_eq!(t.get(&pair(4)), None);
        // More than there is, or a pair that is not there: refused.
        assert!(!t.subtract_one(pair(2), &counts(3)));
        assert!(!t.subtract_one(pair(9), &counts(1)));
    }

    #[test]
    fn the_recent_list_holds_each_type_once_most_recent_first() {
        let mut r = Recent::new(4);
        r.touch(0, 10);
        r.touch(1, 20);
        r.touch(0, 30);
        r.touch(2, 40);
        let seen: Vec<u32> = r.within(45, 20).collect();
        assert_eq!(seen, [2, 0]);
        let all: Vec<u32> = r.within(45, 100).collect();
        assert_eq!(all, [2, 0, 1]);
    }
}
