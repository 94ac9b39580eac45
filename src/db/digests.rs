//! The analysis's per-day digests ([`crate::analysis::digest`]), stored
//! once a day is over.
//!
//! A digest is stored as a compact blob: its own table of the entity and
//! state names it mentions (the window's dense indexes change from run to
//! run), each entity's [`Role`] when it was made, and the times as
//! differences in LEB128 varints — about two bytes a change, written once.
//! A digest is used only when every entity it mentions still exists with
//! the same role, and its fingerprint (time zone, sequence horizon, format)
//! is the current one; otherwise the day is read raw again, so the result is
//! always what reading every event would give.
//!
//! Storing events deletes the digests of the days they fall in
//! ([`invalidate`], called by every write of events), and a digest is only
//! stored when the events it was made from are still all there is in its
//! range (checked in the transaction that stores it), so a history imported
//! into past days while a job runs cannot leave a stale one.

use anyhow::Context;
use jiff::tz::TimeZone;
use rusqlite::{Connection, params};
use rustc_hash::FxHashMap as HashMap;

use crate::analysis::digest::{Delays, Digest, Key, MAX_BINS, Role};
use crate::analysis::{EntityMeta, Interner};

/// The blob's format; part of the fingerprint.
const FORMAT: u8 = 1;

/// What a digest depends on besides the events.
pub fn fingerprint(tz: &TimeZone, horizon_ms: i64) -> String {
    let zone = tz
        .iana_name()
        .map_or_else(|| format!("{tz:?}"), str::to_owned);
    format!("format={FORMAT} tz={zone} horizon_ms={horizon_ms}")
}

/// A stored digest's row, before its blob is read.
pub struct Row {
    pub day: i32,
    pub from_ms: i64,
    pub until_ms: i64,
    pub fingerprint: String,
    pub blob: Vec<u8>,
}

/// The stored digests from `first_day` on, by day.
pub fn rows_from(conn: &Connection, first_day: i32) -> anyhow::Result<Vec<Row>> {
    let mut stmt = conn.prepare_cached(
        "SELECT day, from_ms, until_ms, fingerprint, digest FROM day_digests \
         WHERE day >= ?1 ORDER BY day",
    )?;
    let rows = stmt.query_map([first_day], |r| {
        Ok(Row {
            day: r.get(0)?,
            from_ms: r.get(1)?,
            until_ms: r.get(2)?,
            fingerprint: r.get(3)?,
            blob: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Stores a day's digest made from `events` events in `[from_ms, until_ms)`,
/// unless the database holds another number of them by now (an import wrote
/// into the day meanwhile: the next job makes it again). Whether it was
/// stored.
pub fn store(conn: &Connection, row: &Row, events: u64) -> anyhow::Result<bool> {
    conn.execute_batch("BEGIN IMMEDIATE")?;
    let result = (|| {
        let now: i64 = conn
            .prepare_cached("SELECT count(*) FROM events WHERE ts >= ?1 AND ts < ?2")?
            .query_row([row.from_ms, row.until_ms], |r| r.get(0))?;
        if u64::try_from(now).ok() != Some(events) {
            return Ok(false);
        }
        conn.prepare_cached(
            "INSERT OR REPLACE INTO day_digests (day, from_ms, until_ms, fingerprint, events, digest) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?
        .execute(params![
            row.day,
            row.from_ms,
            row.until_ms,
            row.fingerprint,
            i64::try_from(events)?,
            row.blob
        ])?;
        Ok(true)
    })();
    match result {
        Ok(stored) => {
            conn.execute_batch("COMMIT")?;
            Ok(stored)
        }
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK");
            Err(e)
        }
    }
}

/// Deletes the digests that depend on an event at `ts_ms` or later: called
/// with the earliest event of every write, in its transaction. A live write
/// of today's events matches none and writes nothing.
pub fn invalidate(conn: &Connection, ts_ms: i64) -> rusqlite::Result<usize> {
    conn.prepare_cached("DELETE FROM day_digests WHERE until_ms > ?1")?
        .execute([ts_ms])
}

/// Deletes the digests that depend on events older than `cutoff_ms` (the
/// retention deletes those events) or were made another way.
pub fn prune(conn: &Connection, cutoff_ms: i64, fingerprint: &str) -> anyhow::Result<usize> {
    Ok(conn
        .prepare_cached("DELETE FROM day_digests WHERE from_ms < ?1 OR fingerprint != ?2")?
        .execute(params![cutoff_ms, fingerprint])?)
}

/// How many digests are stored (for tests and `habitd stats`).
pub fn count(conn: &Connection) -> anyhow::Result<u64> {
    let n: i64 = conn.query_row("SELECT count(*) FROM day_digests", [], |r| r.get(0))?;
    Ok(n.unsigned_abs())
}

/// A digest as a blob, with the names of what it mentions.
pub fn encode(d: &Digest, entities: &[EntityMeta], states: &[String]) -> Vec<u8> {
    // The entities and states it mentions, numbered in the order met.
    let mut local_e: HashMap<u32, u32> = HashMap::default();
    let mut local_s: HashMap<u32, u32> = HashMap::default();
    let mut order_e: Vec<u32> = Vec::new();
    let mut order_s: Vec<u32> = Vec::new();
    let mut entity = |e: u32| {
        *local_e.entry(e).or_insert_with(|| {
            order_e.push(e);
            (order_e.len() - 1) as u32
        })
    };
    let mut state = |s: u32| {
        *local_s.entry(s).or_insert_with(|| {
            order_s.push(s);
            (order_s.len() - 1) as u32
        })
    };
    let mut keys: Vec<(&Key, &Vec<i64>)> = d.times.iter().collect();
    keys.sort_unstable_by_key(|(k, _)| **k);
    let mut pairs: Vec<(&(Key, Key), &Delays)> = d.pairs.iter().collect();
    pairs.sort_unstable_by_key(|(k, _)| **k);
    let mut body = Out::default();
    body.uint(keys.len() as u64);
    for (&(e, s), times) in keys {
        body.uint(u64::from(entity(e)));
        body.uint(u64::from(state(s)));
        body.uint(times.len() as u64);
        if let Some(&first) = times.first() {
            body.int(first);
            let mut last = first;
            for &t in &times[1..] {
                body.uint((t - last) as u64);
                last = t;
            }
        }
    }
    body.uint(pairs.len() as u64);
    for (&((ea, sa), (eb, sb)), delays) in pairs {
        for (e, s) in [(ea, sa), (eb, sb)] {
            body.uint(u64::from(entity(e)));
            body.uint(u64::from(state(s)));
        }
        for bins in [&delays.forward, &delays.backward] {
            let mask = bins
                .iter()
                .enumerate()
                .filter(|(_, n)| **n > 0)
                .fold(0u64, |m, (i, _)| m | 1 << i);
            body.uint(mask);
            for n in bins.iter().filter(|n| **n > 0) {
                body.uint(u64::from(*n));
            }
        }
    }
    for (e, n) in d.usage.iter().enumerate() {
        if *n > 0 {
            entity(e as u32);
        }
    }
    let mut out = Out::default();
    out.bytes.push(FORMAT);
    out.int(d.horizon_ms);
    out.uint(order_e.len() as u64);
    for &e in &order_e {
        let meta = entities.get(e as usize);
        out.text(meta.map_or("", |m| m.entity_id.as_str()));
        out.bytes
            .push(meta.map(Role::of).unwrap_or_default().bits());
        out.uint(u64::from(d.usage(e)));
    }
    out.uint(order_s.len() as u64);
    for &s in &order_s {
        out.text(states.get(s as usize).map_or("", String::as_str));
    }
    for range in [d.span, d.counted_days.map(|(a, b)| (a.into(), b.into()))] {
        match range {
            None => out.bytes.push(0),
            Some((a, b)) => {
                out.bytes.push(1);
                out.int(a);
                out.uint((b - a) as u64);
            }
        }
    }
    out.bytes.extend_from_slice(&body.bytes);
    out.bytes
}

/// The window's entities by name, with their current roles: what a stored
/// digest is read into.
pub struct Names<'a> {
    pub index: HashMap<&'a str, u32>,
    pub roles: Vec<Role>,
}

impl<'a> Names<'a> {
    pub fn new(entities: &'a [EntityMeta]) -> Names<'a> {
        Names {
            index: entities
                .iter()
                .enumerate()
                .map(|(i, m)| (m.entity_id.as_str(), i as u32))
                .collect(),
            roles: entities.iter().map(Role::of).collect(),
        }
    }
}

/// A stored blob as a digest in the window's indexes; `None` when it
/// mentions an entity that is gone or is something else now.
pub fn decode(
    blob: &[u8],
    names: &Names<'_>,
    states: &mut Interner,
) -> anyhow::Result<Option<Digest>> {
    let mut r = In { bytes: blob, at: 0 };
    let format = r.byte()?;
    anyhow::ensure!(format == FORMAT, "format {format}, expected {FORMAT}");
    let mut d = Digest {
        horizon_ms: r.int()?,
        ..Digest::default()
    };
    let n = r.len()?;
    let mut entity = Vec::with_capacity(n);
    for _ in 0..n {
        let name = r.text()?;
        let role = Role::from_bits(r.byte()?);
        let usage = u32::try_from(r.uint()?)?;
        let Some(&e) = names.index.get(name) else {
            return Ok(None);
        };
        if names.roles.get(e as usize) != Some(&role) {
            return Ok(None);
        }
        if usage > 0 {
            if d.usage.len() <= e as usize {
                d.usage.resize(e as usize + 1, 0);
            }
            d.usage[e as usize] = usage;
        }
        entity.push(e);
    }
    let n = r.len()?;
    let mut state = Vec::with_capacity(n);
    for _ in 0..n {
        state.push(states.get(r.text()?));
    }
    let range = |r: &mut In<'_>| -> anyhow::Result<Option<(i64, i64)>> {
        Ok(match r.byte()? {
            0 => None,
            _ => {
                let a = r.int()?;
                let b = a.checked_add(i64::try_from(r.uint()?)?).context("range")?;
                Some((a, b))
            }
        })
    };
    d.span = range(&mut r)?;
    d.counted_days = range(&mut r)?
        .map(|(a, b)| Ok::<_, anyhow::Error>((i32::try_from(a)?, i32::try_from(b)?)))
        .transpose()?;
    let key = |r: &mut In<'_>| -> anyhow::Result<Key> {
        let e = *entity.get(r.len()?).context("entity out of range")?;
        let s = *state.get(r.len()?).context("state out of range")?;
        Ok((e, s))
    };
    for _ in 0..r.len()? {
        let k = key(&mut r)?;
        let n = r.len()?;
        let mut times = Vec::with_capacity(n.min(blob.len()));
        if n > 0 {
            let mut t = r.int()?;
            times.push(t);
            for _ in 1..n {
                t = t
                    .checked_add(i64::try_from(r.uint()?)?)
                    .context("time out of range")?;
                times.push(t);
            }
        }
        d.times.insert(k, times);
    }
    for _ in 0..r.len()? {
        let pair = (key(&mut r)?, key(&mut r)?);
        let mut delays = Delays::default();
        for bins in [&mut delays.forward, &mut delays.backward] {
            let mask = r.uint()?;
            anyhow::ensure!(mask >> MAX_BINS == 0, "delay bins out of range");
            for (i, bin) in bins.iter_mut().enumerate() {
                if mask & (1 << i) != 0 {
                    *bin = u16::try_from(r.uint()?)?;
                }
            }
        }
        d.pairs.insert(pair, delays);
    }
    anyhow::ensure!(r.at == blob.len(), "{} bytes left over", blob.len() - r.at);
    Ok(Some(d))
}

#[derive(Default)]
struct Out {
    bytes: Vec<u8>,
}

impl Out {
    fn uint(&mut self, mut v: u64) {
        loop {
            let low = (v & 0x7f) as u8;
            v >>= 7;
            if v == 0 {
                self.bytes.push(low);
                return;
            }
            self.bytes.push(low | 0x80);
        }
    }
    fn int(&mut self, v: i64) {
        self.uint(((v << 1) ^ (v >> 63)) as u64);
    }
    fn text(&mut self, s: &str) {
        self.uint(s.len() as u64);
        self.bytes.extend_from_slice(s.as_bytes());
    }
}

struct In<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> In<'a> {
    fn byte(&mut self) -> anyhow::Result<u8> {
        let b = *self.bytes.get(self.at).context("the digest ends early")?;
        self.at += 1;
        Ok(b)
    }
    fn uint(&mut self) -> anyhow::Result<u64> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        anyhow::bail!("a number longer than 64 bits")
    }
    fn int(&mut self) -> anyhow::Result<i64> {
        let v = self.uint()?;
        Ok((v >> 1) as i64 ^ -((v & 1) as i64))
    }
    /// A count or an index: never more than there are bytes.
    fn len(&mut self) -> anyhow::Result<usize> {
        let v = usize::try_from(self.uint()?)?;
        anyhow::ensure!(v <= self.bytes.len(), "a count beyond the digest's size");
        Ok(v)
    }
    fn text(&mut self) -> anyhow::Result<&'a str> {
        let n = self.len()?;
        let end = self.at.checked_add(n).context("text out of range")?;
        let bytes = self
            .bytes
            .get(self.at..end)
            .context("the digest ends early")?;
        self.at = end;
        Ok(std::str::from_utf8(bytes)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::Events;
    use crate::model::Origin;

    fn meta(id: &str) -> EntityMeta {
        EntityMeta {
            entity_id: id.into(),
            device_class: id.contains("motion").then(|| "motion".into()),
            ..EntityMeta::default()
        }
    }

    #[test]
    fn a_digest_reads_back_and_a_damaged_or_stale_one_does_not() {
        let entities = vec![
            meta("binary_sensor.motion"),
            meta("light.hall"),
            meta("sensor.x"),
        ];
        let states: Vec<String> = vec!["on".into(), "off".into()];
        let mut ev = Events::default();
        for (k, (e, s)) in [(0, 0), (1, 0), (2, 1), (0, 1), (1, 1), (0, 0), (1, 0)]
            .into_iter()
            .enumerate()
        {
            ev.ts.push(1_700_000_000_000 + k as i64 * 2_500);
            ev.entity.push(e);
            ev.state.push(s);
            ev.origin.push(Origin::User);
        }
        let tz = TimeZone::UTC;
        let d = Digest::of(&entities, &states, &ev, 0..ev.len(), 600_000, &tz);
        assert!(!d.pairs.is_empty());
        let blob = encode(&d, &entities, &states);
        // Read into a window that numbers things otherwise.
        let mut other = entities.clone();
        other.rotate_left(1);
        let names = Names::new(&other);
        let mut interner = Interner::default();
        interner.get("off");
        let back = decode(&blob, &names, &mut interner).unwrap().unwrap();
        let name = |k: &Key, ents: &[EntityMeta], sts: &[String]| {
            (
                ents[k.0 as usize].entity_id.clone(),
                sts[k.1 as usize].clone(),
            )
        };
        let mut want: Vec<_> = d
            .times
            .iter()
            .map(|(k, t)| (name(k, &entities, &states), t.clone()))
            .collect();
        let mut got: Vec<_> = back
            .times
            .iter()
            .map(|(k, t)| (name(k, &other, &interner.values), t.clone()))
            .collect();
        want.sort();
        got.sort();
        assert_eq!(got, want);
        assert_eq!(back.pairs.len(), d.pairs.len());
        assert_eq!(
            (back.span, back.counted_days, back.changes()),
            (d.span, d.counted_days, d.changes())
        );
        // Cut anywhere, or with a byte changed, it is an error or another
        // digest, never a panic.
        for cut in 0..blob.len() {
            assert!(decode(&blob[..cut], &names, &mut Interner::default()).is_err());
            let mut bent = blob.clone();
            bent[cut] ^= 0x5a;
            let _ = decode(&bent, &names, &mut Interner::default());
        }
        // An entity that is something else now: not used.
        let mut changed = entities.clone();
        changed[0].device_class = Some("battery".into());
        assert!(
            decode(&blob, &Names::new(&changed), &mut Interner::default())
                .unwrap()
                .is_none()
        );
    }
}
