//! Reading the analysis window into the analysis's in-memory structures.
//!
//! Events come out of the time-keyed table in order, straight into columns,
//! from the local midnight that starts the first day without a stored
//! digest (less the sequence horizon, as context); entity ids map to dense
//! indexes through a `Vec`, and state names are interned from the borrowed
//! row text (no allocation per row). The days read that are over each
//! become a [`Digest`] of their own, stored, so the next run reads those
//! instead of their events; the rest (today, or the whole window when
//! nothing is kept) is one digest. The existing automations are read as the
//! configs Home Assistant gave ([`automation_configs`]); `ha::automation`
//! reads what they do.

use anyhow::Context;

use jiff::Timestamp;
use jiff::tz::TimeZone;
use rusqlite::Connection;

use crate::analysis::digest::{self, Counts, Digest, Totals};
use crate::analysis::features::CapabilityInfo;
use crate::analysis::stats::LocalClock;
use crate::analysis::{EntityMeta, Events, Interner, Window};
use crate::db::digests;
use crate::model::Origin;

/// Entity ids below this map through a `Vec`; SQLite hands them out densely
/// from 1, so anything above is a database edited by hand (kept, through a
/// map).
const DENSE_IDS: i64 = 1 << 20;

/// Database entity id → the window's dense index.
#[derive(Default)]
struct Dense {
    below: Vec<u32>,
    above: rustc_hash::FxHashMap<i64, u32>,
}

impl Dense {
    const NONE: u32 = u32::MAX;

    fn insert(&mut self, id: i64, index: u32) {
        match usize::try_from(id) {
            Ok(i) if id < DENSE_IDS => {
                if self.below.len() <= i {
                    self.below.resize(i + 1, Self::NONE);
                }
                self.below[i] = index;
            }
            _ => {
                self.above.insert(id, index);
            }
        }
    }

    fn get(&self, id: i64) -> Option<u32> {
        match usize::try_from(id) {
            Ok(i) if id < DENSE_IDS => self.below.get(i).copied().filter(|&e| e != Self::NONE),
            _ => self.above.get(&id).copied(),
        }
    }
}

/// Whether a read uses and stores the per-day digests.
#[derive(Debug)]
pub enum Digests<'a> {
    /// Reads every event of the window and stores nothing (`habitd explain`,
    /// and what the stored digests are checked against).
    Recompute,
    /// Uses the stored digests of the days that are over and stores the
    /// missing ones; `cutoff` is the retention's: a day that depends on
    /// events older than it is read raw (they are being deleted). `totals`
    /// are the pairs' totals the run before left (none after a start): used
    /// when they still match the stored days, and replaced by this run's.
    Keep {
        cutoff: Timestamp,
        totals: &'a mut Option<KeptTotals>,
    },
}

/// The pairs' delay counts added up over the stored days, as one daily run
/// leaves them for the next: kept in memory, encoded (a few hundred KB to
/// a few MB in the busiest home), never written to the database. They
/// change every day, so storing them would rewrite them every day; after a
/// start the first run adds the stored days up once instead.
#[derive(Clone)]
pub struct KeptTotals {
    first_day: i32,
    /// Each day's number of events when it was read, from `first_day` on.
    days: Vec<u64>,
    fingerprint: String,
    /// [`digests::encode_pairs`] of the totals.
    pairs: Vec<u8>,
}

impl std::fmt::Debug for KeptTotals {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeptTotals")
            .field("first_day", &self.first_day)
            .field("last_day", &self.last_day())
            .field("bytes", &self.pairs.len())
            .finish()
    }
}

impl KeptTotals {
    /// Their size, encoded.
    pub fn bytes(&self) -> usize {
        self.pairs.len()
    }

    fn last_day(&self) -> i32 {
        self.first_day + self.days.len() as i32 - 1
    }
}

/// Half the hour by which [`LocalClock`] can place an event on another day
/// than the time zone's own midnight (a zone that changes its offset at a
/// half hour): the ranges a digest depends on are widened by it.
const MARGIN_MS: i64 = 3_600_000;

/// Reads the analysis window whose days run from `since`'s local day to
/// `until`'s (the daily job passes now; a test of a simulated month passes
/// that month's end, so its result does not depend on the day it runs):
/// whole days, so every day the miners count is all there, with the
/// sequence horizon before the first as context. With [`Digests::Keep`],
/// the days with a stored digest are not read: their digests are added up
/// with those of the days read, and the days read that are over get theirs
/// stored. Either way the window is the same.
pub fn read(
    conn: &Connection,
    since: Timestamp,
    until: Timestamp,
    tz: &TimeZone,
    horizon_ms: i64,
    digests: Digests,
) -> anyhow::Result<Window> {
    let mut window = Window::default();
    let dense;
    (window.entities, dense) = entities(conn)?;
    let mut clock = LocalClock::new(tz);
    let first_day = clock.local(since.as_millisecond()).0;
    let until_ms = until.as_millisecond();
    let fingerprint = digests::fingerprint(tz, horizon_ms);
    let mut states = Interner::default();
    let mut digest = Digest {
        horizon_ms,
        ..Digest::default()
    };
    // The days over that are stored, one after the other from the first,
    // and their pairs added up.
    let mut stored = Stored::default();
    let mut digested = 0;
    let (cutoff, mut kept) = match digests {
        Digests::Recompute => (None, None),
        Digests::Keep { cutoff, totals } => (Some(cutoff.as_millisecond()), Some(totals)),
    };
    if let (Some(cutoff), Some(kept)) = (cutoff, kept.as_deref_mut()) {
        digests::prune(conn, cutoff, &fingerprint)?;
        let names = digests::Names::new(&window.entities);
        let span = Span {
            first_day,
            until_ms,
            cutoff,
            fingerprint: &fingerprint,
        };
        stored = load(conn, &span, kept.take(), &names, &mut states)?;
        digested = stored.days.len() as i32;
        for day in stored.days.drain(..) {
            digest.add(day);
        }
    }
    // The pairs of a day read that could not be stored: the window's, but
    // not part of the stored totals.
    let mut unstored = Vec::new();
    let open_from = first_day + digested;
    let from = day_start(tz, open_from)? - horizon_ms - MARGIN_MS;
    let events = scan(conn, from, &dense, &mut states)?;
    window.states = states.values;
    // The days from the first not stored that are over get a digest each,
    // stored (those without events too: theirs is empty); the rest (today)
    // is one digest, as is the whole window when nothing is kept.
    let last_day = clock.local(until_ms).0;
    let ranges = digest::days(&events, open_from, tz);
    let mut ranges = ranges.iter().peekable();
    let mut day = open_from;
    if let Some(cutoff) = cutoff {
        loop {
            let from_ms = day_start(tz, day)? - horizon_ms - MARGIN_MS;
            let day_until = day_start(tz, day + 1)? + MARGIN_MS;
            if day_until > until_ms || from_ms < cutoff {
                break;
            }
            let range = match ranges.next_if(|(d, _)| *d <= day) {
                Some((_, range)) => range.clone(),
                None => 0..0,
            };
            let mut of_day = Digest::of(
                &window.entities,
                &window.states,
                &events,
                range,
                horizon_ms,
                tz,
            );
            let row = digests::Row {
                day,
                from_ms,
                until_ms: day_until,
                fingerprint: fingerprint.clone(),
                events: (events.ts.partition_point(|t| *t < day_until)
                    - events.ts.partition_point(|t| *t < from_ms)) as u64,
                digest: digests::encode(&of_day, &window.entities, &window.states),
            };
            let blob = digests::encode_pairs(
                of_day.pairs.iter().map(|(pair, delays)| (pair, delays)),
                horizon_ms,
                &window.entities,
                &window.states,
            );
            let kept = digests::store(conn, &row, &blob)?;
            let pairs = std::mem::take(&mut of_day.pairs);
            if kept {
                stored.pairs.add_day(&pairs);
                stored.events.push(row.events);
            } else {
                unstored = pairs;
            }
            digest.add(of_day);
            day += 1;
            if !kept {
                tracing::debug!(
                    day,
                    "events were written into the day meanwhile; it is made again next time"
                );
                break;
            }
        }
    }
    // The rest in one sweep.
    let rest = match ranges.next() {
        Some((_, r)) => r.start..events.len(),
        None => 0..0,
    };
    let mut rest = Digest::of(
        &window.entities,
        &window.states,
        &events,
        rest,
        horizon_ms,
        tz,
    );
    drop(events);
    let rest_pairs = std::mem::take(&mut rest.pairs);
    digest.add(rest);
    if let Some(kept) = kept
        && !stored.events.is_empty()
        && digests::keep_totals(conn, first_day, &stored.events)?
    {
        *kept = Some(KeptTotals {
            first_day,
            days: stored.events,
            fingerprint: fingerprint.clone(),
            pairs: digests::encode_pairs(
                stored.pairs.iter(),
                horizon_ms,
                &window.entities,
                &window.states,
            ),
        });
    }
    // The window's pairs: the stored days', then the rest's.
    let mut pairs = stored.pairs;
    pairs.add_day(&unstored);
    pairs.add_day(&rest_pairs);
    window.pairs = pairs;
    window.digest = digest;
    window.digested_days = digested as u32;
    window.summed_pairs = stored.summed;
    window.first_day = first_day;
    window.last_day = last_day;
    // The days counted run from the first to the last day with a change
    // made by a person or a device (a history import may end before now).
    if let Some((first, last)) = window.digest.counted_days {
        window.first_day = window.first_day.max(first);
        window.last_day = window.last_day.min(last.max(window.first_day));
    }
    Ok(window)
}

/// Which stored days a window may use.
struct Span<'a> {
    first_day: i32,
    until_ms: i64,
    cutoff: i64,
    fingerprint: &'a str,
}

/// The stored days a window uses.
#[derive(Default)]
struct Stored {
    /// The digests of the days from the window's first, one after the
    /// other, without the pairs.
    days: Vec<Digest>,
    /// Their pairs added up, the days stored by this read too.
    pairs: Totals,
    /// Each day's number of events, the days stored by this read too.
    events: Vec<u64>,
    /// Whether the pairs came from the totals of the run before.
    summed: bool,
}

/// The stored days from `span.first_day` on, one after the other, with
/// their pairs: from the totals the run before left, less the days that
/// left the window, plus those stored since; or, when those cannot be used,
/// from each day's.
fn load(
    conn: &Connection,
    span: &Span<'_>,
    kept: Option<KeptTotals>,
    names: &digests::Names<'_>,
    states: &mut Interner,
) -> anyhow::Result<Stored> {
    let totals = kept.filter(|t| {
        t.fingerprint == span.fingerprint
            && t.first_day <= span.first_day
            && t.last_day() >= span.first_day - 1
    });
    let rows = digests::rows_from(
        conn,
        totals.as_ref().map_or(span.first_day, |t| t.first_day),
    )?;
    let mut out = Stored::default();
    // The days before the window: only for the totals to take away.
    let mut before = Vec::new();
    for row in rows {
        if row.day < span.first_day {
            before.push(row.events);
            continue;
        }
        if row.day != span.first_day + out.days.len() as i32
            || row.fingerprint != span.fingerprint
            || row.until_ms > span.until_ms
            || row.from_ms < span.cutoff
        {
            break;
        }
        match digests::decode(&row.digest, names, states) {
            Ok(Some(day)) => out.days.push(day),
            Ok(None) => break,
            Err(e) => {
                tracing::warn!(
                    day = row.day,
                    "a stored digest is unreadable, the day is read again: {e:#}"
                );
                break;
            }
        }
        out.events.push(row.events);
    }
    if out.days.is_empty() {
        return Ok(Stored::default());
    }
    let last = span.first_day + out.days.len() as i32 - 1;
    let pairs = |day: i32, states: &mut Interner| -> anyhow::Result<Option<Totals>> {
        let Some(blob) = digests::pairs_of(conn, day)? else {
            return Ok(None);
        };
        Ok(
            digests::decode_pairs(&blob, names, states).unwrap_or_else(|e| {
                tracing::warn!(
                    day,
                    "stored pairs are unreadable, the day is read again: {e:#}"
                );
                None
            }),
        )
    };
    // The quick way: the totals of the days the run before left, if they
    // are still those days.
    if let Some(t) = totals.filter(|t| t.last_day() <= last) {
        let days: Vec<u64> = before.iter().chain(&out.events).copied().collect();
        if days.get(..t.days.len()) == Some(&t.days[..])
            && let Ok(Some(mut sum)) = digests::decode_pairs(&t.pairs, names, states)
        {
            // Each day's pairs taken away or added as they are read.
            let mut apply = |day: i32, add: bool, states: &mut Interner| -> anyhow::Result<bool> {
                let Some(blob) = digests::pairs_of(conn, day)? else {
                    return Ok(false);
                };
                let each = |_, pair, counts: Counts| {
                    if add {
                        sum.add_one(pair, &counts);
                        true
                    } else {
                        sum.subtract_one(pair, &counts)
                    }
                };
                Ok(digests::read_pairs(&blob, names, states, each).unwrap_or(false))
            };
            let mut ok = true;
            for day in t.first_day..span.first_day {
                ok = ok && apply(day, false, states)?;
            }
            for day in t.last_day() + 1..=last {
                ok = ok && apply(day, true, states)?;
            }
            if ok {
                out.pairs = sum;
                out.summed = true;
                return Ok(out);
            }
        }
    }
    // Otherwise every day's, as far as they can be read.
    for day in span.first_day..=last {
        match pairs(day, states)? {
            Some(p) => out.pairs.add(&p),
            None => {
                let kept = (day - span.first_day) as usize;
                out.days.truncate(kept);
                out.events.truncate(kept);
                break;
            }
        }
    }
    Ok(out)
}

/// The entities, in the order of their ids, and the map from ids to their
/// dense indexes.
fn entities(conn: &Connection) -> anyhow::Result<(Vec<EntityMeta>, Dense)> {
    let mut out = Vec::new();
    let mut dense = Dense::default();
    let mut stmt = conn.prepare(
        "SELECT id, entity_id, device_class, unit, area, friendly_name FROM entities ORDER BY id",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        dense.insert(row.get(0)?, out.len() as u32);
        out.push(EntityMeta {
            entity_id: row.get(1)?,
            device_class: row.get(2)?,
            unit: row.get(3)?,
            area: row.get(4)?,
            friendly_name: row.get(5)?,
        });
    }
    Ok((out, dense))
}

/// The events from `from_ms` on, as columns.
fn scan(
    conn: &Connection,
    from_ms: i64,
    dense: &Dense,
    states: &mut Interner,
) -> anyhow::Result<Events> {
    let mut stmt = conn.prepare_cached(
        "SELECT ts, entity, state, origin FROM events WHERE ts >= ?1 ORDER BY ts",
    )?;
    let mut rows = stmt.query([from_ms])?;
    let mut ev = Events::default();
    // Borrowed columns: the state is interned from SQLite's own text, never
    // copied into a `String` per row.
    while let Some(row) = rows.next()? {
        let Some(e) = dense.get(row.get(1)?) else {
            continue;
        };
        ev.ts.push(row.get(0)?);
        ev.entity.push(e);
        ev.state.push(states.get(row.get_ref(2)?.as_str()?));
        ev.origin
            .push(Origin::from_code(row.get(3)?).unwrap_or(Origin::Device));
    }
    Ok(ev)
}

/// The raw events from `from_ms` on with the entities and states they
/// refer to: what a window is made of, read as [`read`] reads it (the
/// benchmark compares it with a plain `SELECT`).
pub fn events_from(
    conn: &Connection,
    from_ms: i64,
) -> anyhow::Result<(Vec<EntityMeta>, Vec<String>, Events)> {
    let (entities, dense) = entities(conn)?;
    let mut states = Interner::default();
    let events = scan(conn, from_ms, &dense, &mut states)?;
    Ok((entities, states.values, events))
}

/// Unix milliseconds of the local midnight that starts `day` (days since
/// 1970-01-01).
fn day_start(tz: &TimeZone, day: i32) -> anyhow::Result<i64> {
    let date = jiff::civil::date(1970, 1, 1).checked_add(jiff::Span::new().days(day))?;
    let midnight = jiff::civil::DateTime::from(date).to_zoned_datetime(tz.clone())?;
    Ok(midnight.start_of_day()?.timestamp().as_millisecond())
}

/// The existing automations' configs, as Home Assistant gave them: `(entity
/// id, config)`, `null` where Home Assistant would not show one.
pub fn automation_configs(conn: &Connection) -> anyhow::Result<Vec<(String, serde_json::Value)>> {
    let mut stmt = conn.prepare_cached("SELECT entity_id, config FROM automations")?;
    let mut rows = stmt.query([])?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        let entity_id: String = row.get(0)?;
        let config: Option<String> = row.get(1)?;
        let config = match config {
            Some(text) => serde_json::from_str(&text)
                .with_context(|| format!("the stored config of {entity_id} is unreadable"))?,
            None => serde_json::Value::Null,
        };
        out.push((entity_id, config));
    }
    Ok(out)
}

/// Zigbee2MQTT capabilities with their device names.
pub fn capabilities(conn: &Connection) -> anyhow::Result<Vec<CapabilityInfo>> {
    let mut stmt = conn.prepare_cached(
        "SELECT d.friendly_name, d.ieee_address, c.property, c.name, c.kind, c.access, c.category, c.entity_id \
         FROM capabilities c JOIN devices d ON d.ieee_address = c.device WHERE d.disabled = 0",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(CapabilityInfo {
            device: r.get(0)?,
            device_ieee: r.get(1)?,
            property: r.get(2)?,
            name: r.get(3)?,
            kind: r.get(4)?,
            access: r.get(5)?,
            category: r.get(6)?,
            entity_id: r.get(7)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

#[cfg(test)]
mod tests {

    use super::*;
    use crate::config::DatabaseConfig;
    use crate::db::Db;

    fn ms(at: &str) -> i64 {
        at.parse::<Timestamp>().unwrap().as_millisecond()
    }

    #[test]
    fn the_window_is_whole_local_days_with_dense_entities_and_interned_states() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&DatabaseConfig::at(dir.path().join("habitd.db"))).unwrap();
        let conn = db.get().unwrap();
        // An id far beyond the dense range (a database edited by hand) is
        // read as well as the ordinary ones.
        conn.execute_batch(
            "INSERT INTO entities (id, entity_id, domain, updated_at) VALUES
                 (1, 'light.hall', 'light', 0),
                 (3, 'switch.kettle', 'switch', 0),
                 (5000000000, 'light.porch', 'light', 0);",
        )
        .unwrap();
        let tz = TimeZone::get("Europe/Berlin").unwrap();
        let events = [
            // The day before the window's first (Berlin) day: only context.
            ("2026-03-09T22:59:00Z", 1i64, "on", 1),
            // 00:30 in Berlin on the first day, before `since`: read.
            ("2026-03-09T23:30:00Z", 1, "off", 2),
            ("2026-03-10T07:00:00Z", 5_000_000_000, "on", 1),
            ("2026-03-10T07:01:00Z", 3, "on", 0),
            ("2026-03-11T18:00:00Z", 1, "on", 1),
            // An automation and a blip on the last days: not counted days.
            ("2026-03-12T18:00:00Z", 1, "off", 2),
            ("2026-03-13T18:00:00Z", 3, "unavailable", 0),
        ];
        for (at, entity, state, origin) in events {
            conn.execute(
                "INSERT INTO events (ts, entity, state, origin) VALUES (?1, ?2, ?3, ?4)",
                rusqlite::params![ms(at), entity, state, origin],
            )
            .unwrap();
        }
        let since: Timestamp = "2026-03-10T06:00:00Z".parse().unwrap();
        let until: Timestamp = "2026-03-14T12:00:00Z".parse().unwrap();
        let w = read(&conn, since, until, &tz, 600_000, Digests::Recompute).unwrap();
        let id = |name: &str| w.entities.iter().position(|e| e.entity_id == name).unwrap() as u32;
        let mut times: Vec<(&str, &str, Vec<i64>)> = w
            .digest
            .times
            .iter()
            .map(|(k, t)| (w.entity_id(k.0), w.state(k.1), t.clone()))
            .collect();
        times.sort();
        // What people and devices did from the first day's midnight on:
        // not the automations' changes, not the blip.
        assert_eq!(
            times,
            [
                ("light.hall", "on", vec![ms("2026-03-11T18:00:00Z")]),
                ("light.porch", "on", vec![ms("2026-03-10T07:00:00Z")]),
                ("switch.kettle", "on", vec![ms("2026-03-10T07:01:00Z")]),
            ]
        );
        // Every change counts as use.
        assert_eq!(
            [id("light.hall"), id("switch.kettle"), id("light.porch")].map(|e| w.digest.usage(e)),
            [3, 2, 1]
        );
        assert_eq!(
            w.digest.span,
            Some((ms("2026-03-09T23:30:00Z"), ms("2026-03-13T18:00:00Z")))
        );
        // Each state once.
        assert_eq!(w.states.len(), 3, "{:?}", w.states);
        assert!(
            w.states.iter().any(|s| s == "unavailable"),
            "{:?}",
            w.states
        );
        // 2026-03-10 is day 20522; the last counted change is on the 11th
        // (the automation's and the blip's days do not count).
        assert_eq!((w.first_day, w.last_day), (20_522, 20_523));
    }
}
