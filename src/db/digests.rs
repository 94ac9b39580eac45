//! The analysis's per-day digests ([`crate::analysis::digest`]), stored
//! once a day is over, and the blobs of pair delay counts: a day's, and the
//! [`Totals`] over the stored days that the daily job keeps in memory
//! (`db::window::KeptTotals`, checked with [`keep_totals`]).
//!
//! A day's row holds two blobs: what the miners need of the day besides the
//! pairs (each trigger's and action's times as differences in LEB128
//! varints — about two bytes a change — each entity's use, the span), and
//! the day's pair counts. The daily run reads every day's first blob, but of
//! the pairs only the totals the run before left in memory, the day that
//! left the window (taken away) and the days added since: the pairs are
//! most of a busy home's digest. Each blob has its own table of the entity and state
//! names it mentions (the window's dense indexes change from run to run)
//! with each entity's [`Role`] when it was made. A blob is used only when
//! every entity it mentions still exists with the same role, and its
//! fingerprint (time zone, sequence horizon, format) is the current one;
//! otherwise the day is read raw again, so the result is always what
//! reading every event would give.
//!
//! Storing events deletes the rows of the days they fall in ([`invalidate`],
//! called by every write of events). A row is stored only
//! when the events it was made from are still all there is in its range
//! (checked in the transaction that stores it); since events are only ever
//! added to a range (the retention deletes whole old days, whose rows are
//! not used), a row's number of events says which events made it, and the
//! totals list the rows they were added up from, by that number.

use anyhow::Context;
use jiff::tz::TimeZone;
use rusqlite::{Connection, OptionalExtension, params};
use rustc_hash::FxHashMap as HashMap;

use crate::analysis::digest::{Counts, Delays, Digest, Key, MAX_BINS, Role, Totals};
use crate::analysis::{EntityMeta, Interner};

/// The blobs' format; part of the fingerprint.
const FORMAT: u8 = 3;

/// What a digest depends on besides the events.
pub fn fingerprint(tz: &TimeZone, horizon_ms: i64) -> String {
    let zone = tz
        .iana_name()
        .map_or_else(|| format!("{tz:?}"), str::to_owned);
    format!("format={FORMAT} tz={zone} horizon_ms={horizon_ms}")
}

/// A stored day, before its blobs are read.
pub struct Row {
    pub day: i32,
    pub from_ms: i64,
    pub until_ms: i64,
    pub fingerprint: String,
    /// The events in `[from_ms, until_ms)` it was made from.
    pub events: u64,
    /// Everything but the pairs ([`encode`]).
    pub digest: Vec<u8>,
}

/// The stored days from `first_day` on, by day, without their pairs.
pub fn rows_from(conn: &Connection, first_day: i32) -> anyhow::Result<Vec<Row>> {
    let mut stmt = conn.prepare_cached(
        "SELECT day, from_ms, until_ms, fingerprint, events, digest FROM day_digests \
         WHERE day >= ?1 ORDER BY day",
    )?;
    let rows = stmt.query_map([first_day], |r| {
        Ok(Row {
            day: r.get(0)?,
            from_ms: r.get(1)?,
            until_ms: r.get(2)?,
            fingerprint: r.get(3)?,
            events: r.get::<_, i64>(4)?.unsigned_abs(),
            digest: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// A stored day's pairs ([`encode_pairs`]).
pub fn pairs_of(conn: &Connection, day: i32) -> anyhow::Result<Option<Vec<u8>>> {
    Ok(conn
        .prepare_cached("SELECT pairs FROM day_digests WHERE day = ?1")?
        .query_row([day], |r| r.get(0))
        .optional()?)
}

/// Stores a day, unless its range holds another number of events by now
/// than it was made from (an import wrote into the day meanwhile: the next
/// job makes it again). Whether it was stored.
pub fn store(conn: &Connection, row: &Row, pairs: &[u8]) -> anyhow::Result<bool> {
    transaction(conn, || {
        let now: i64 = conn
            .prepare_cached("SELECT count(*) FROM events WHERE ts >= ?1 AND ts < ?2")?
            .query_row([row.from_ms, row.until_ms], |r| r.get(0))?;
        if now.unsigned_abs() != row.events {
            return Ok(false);
        }
        conn.prepare_cached(
            "INSERT OR REPLACE INTO day_digests \
             (day, from_ms, until_ms, fingerprint, events, digest, pairs) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?
        .execute(params![
            row.day,
            row.from_ms,
            row.until_ms,
            row.fingerprint,
            i64::try_from(row.events)?,
            row.digest,
            pairs
        ])?;
        Ok(true)
    })
}

/// Whether pairs added up from the days from `first_day` on, which had
/// `days` events each when read, can be kept: every one of those days is
/// still stored as it was read (not made again after an import meanwhile).
/// If so, deletes the days before them, which no run needs any more.
pub fn keep_totals(conn: &Connection, first_day: i32, days: &[u64]) -> anyhow::Result<bool> {
    let last_day = first_day + days.len() as i32 - 1;
    transaction(conn, || {
        let stored: Vec<u64> = {
            let mut stmt = conn.prepare_cached(
                "SELECT events FROM day_digests WHERE day BETWEEN ?1 AND ?2 ORDER BY day",
            )?;
            let rows = stmt.query_map([first_day, last_day], |r| r.get::<_, i64>(0))?;
            rows.map(|r| r.map(i64::unsigned_abs))
                .collect::<Result<_, _>>()?
        };
        if stored != days {
            return Ok(false);
        }
        conn.prepare_cached("DELETE FROM day_digests WHERE day < ?1")?
            .execute([first_day])?;
        Ok(true)
    })
}

fn transaction(
    conn: &Connection,
    work: impl FnOnce() -> anyhow::Result<bool>,
) -> anyhow::Result<bool> {
    conn.execute_batch("BEGIN IMMEDIATE")?;
    match work() {
        Ok(done) => {
            conn.execute_batch("COMMIT")?;
            Ok(done)
        }
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK");
            Err(e)
        }
    }
}

/// Deletes the days that depend on an event at `ts_ms` or later: called
/// with the earliest event of every write, in its transaction. A live write
/// of today's events matches nothing and writes nothing. (Totals that
/// counted a deleted day are not used: its number of events is gone.)
pub fn invalidate(conn: &Connection, ts_ms: i64) -> rusqlite::Result<()> {
    conn.prepare_cached("DELETE FROM day_digests WHERE until_ms > ?1")?
        .execute([ts_ms])?;
    Ok(())
}

/// Deletes what depends on events older than `cutoff_ms` (the retention
/// deletes those events) or was made another way.
pub fn prune(conn: &Connection, cutoff_ms: i64, fingerprint: &str) -> anyhow::Result<()> {
    conn.prepare_cached("DELETE FROM day_digests WHERE from_ms < ?1 OR fingerprint != ?2")?
        .execute(params![cutoff_ms, fingerprint])?;
    Ok(())
}

/// How many days are stored, and their blobs' bytes.
pub fn size(conn: &Connection) -> anyhow::Result<(u64, u64)> {
    let (n, bytes): (i64, i64) = conn.query_row(
        "SELECT count(*), coalesce(sum(length(digest) + length(pairs)), 0) FROM day_digests",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    Ok((n.unsigned_abs(), bytes.unsigned_abs()))
}

/// Numbers the entities and states a blob mentions in the order met, and
/// writes the blob: its header (format, horizon, the names with each
/// entity's role and use) and then the body.
struct Writer<'a> {
    entities: &'a [EntityMeta],
    states: &'a [String],
    /// Window index → the blob's (`NONE` when not met yet).
    local_e: Vec<u32>,
    local_s: Vec<u32>,
    order_e: Vec<u32>,
    order_s: Vec<u32>,
    body: Out,
}

const NONE: u32 = u32::MAX;

/// The blob's number for window index `i`, given on first meeting.
fn local(map: &mut Vec<u32>, order: &mut Vec<u32>, i: u32) -> u32 {
    let at = i as usize;
    if map.len() <= at {
        map.resize(at + 1, NONE);
    }
    if map[at] == NONE {
        map[at] = order.len() as u32;
        order.push(i);
    }
    map[at]
}

impl<'a> Writer<'a> {
    fn new(entities: &'a [EntityMeta], states: &'a [String]) -> Writer<'a> {
        Writer {
            entities,
            states,
            local_e: vec![NONE; entities.len()],
            local_s: vec![NONE; states.len()],
            order_e: Vec::new(),
            order_s: Vec::new(),
            body: Out::default(),
        }
    }

    fn entity(&mut self, e: u32) -> u32 {
        local(&mut self.local_e, &mut self.order_e, e)
    }

    fn key(&mut self, (e, s): Key) {
        let e = self.entity(e);
        let s = local(&mut self.local_s, &mut self.order_s, s);
        self.body.uint(u64::from(e));
        self.body.uint(u64::from(s));
    }

    fn finish(self, horizon_ms: i64, usage: impl Fn(u32) -> u32, extra: &Out) -> Vec<u8> {
        let mut out = Out::default();
        out.bytes.push(FORMAT);
        out.int(horizon_ms);
        out.uint(self.order_e.len() as u64);
        for &e in &self.order_e {
            let meta = self.entities.get(e as usize);
            out.text(meta.map_or("", |m| m.entity_id.as_str()));
            out.bytes
                .push(meta.map(Role::of).unwrap_or_default().bits());
            out.uint(u64::from(usage(e)));
        }
        out.uint(self.order_s.len() as u64);
        for &s in &self.order_s {
            out.text(self.states.get(s as usize).map_or("", String::as_str));
        }
        out.bytes.extend_from_slice(&extra.bytes);
        out.bytes.extend_from_slice(&self.body.bytes);
        out.bytes
    }
}

/// A day's digest but its pairs, as a blob.
pub fn encode(d: &Digest, entities: &[EntityMeta], states: &[String]) -> Vec<u8> {
    let mut w = Writer::new(entities, states);
    let mut keys: Vec<(&Key, &Vec<i64>)> = d.times.iter().collect();
    keys.sort_unstable_by_key(|(k, _)| **k);
    w.body.uint(keys.len() as u64);
    for (&key, times) in keys {
        w.key(key);
        w.body.uint(times.len() as u64);
        if let Some(&first) = times.first() {
            w.body.int(first);
            let mut last = first;
            for &t in &times[1..] {
                w.body.uint((t - last) as u64);
                last = t;
            }
        }
    }
    for (e, n) in d.usage.iter().enumerate() {
        if *n > 0 {
            w.entity(e as u32);
        }
    }
    let mut extra = Out::default();
    for range in [d.span, d.counted_days.map(|(a, b)| (a.into(), b.into()))] {
        match range {
            None => extra.bytes.push(0),
            Some((a, b)) => {
                extra.bytes.push(1);
                extra.int(a);
                extra.uint((b - a) as u64);
            }
        }
    }
    w.finish(d.horizon_ms, |e| d.usage(e), &extra)
}

/// Pair counts as a blob: a window's totals, or a day's delays, in the
/// order given (they are read back into a map; taking them in the order
/// they lie in memory is what keeps a busy home's 60,000 pairs quick).
pub fn encode_pairs<'p, C: AsCounts + 'p>(
    pairs: impl ExactSizeIterator<Item = (&'p (Key, Key), &'p C)>,
    horizon_ms: i64,
    entities: &[EntityMeta],
    states: &[String],
) -> Vec<u8> {
    let mut w = Writer::new(entities, states);
    // About 25 bytes a pair in a busy home.
    w.body.bytes.reserve(pairs.len() * 25);
    w.body.uint(pairs.len() as u64);
    for (&(a, b), counts) in pairs {
        w.key(a);
        w.key(b);
        let counts = counts.counts();
        let mask = counts
            .iter()
            .enumerate()
            .fold(0u64, |m, (i, n)| m | u64::from(*n > 0) << i);
        w.body.uint(mask);
        for n in counts.iter().filter(|n| **n > 0) {
            w.body.uint(u64::from(*n));
        }
    }
    w.finish(horizon_ms, |_| 0, &Out::default())
}

/// What [`encode_pairs`] writes of a pair: its forward bins, then its
/// backward bins.
pub trait AsCounts {
    fn counts(&self) -> Counts;
}

impl AsCounts for Counts {
    fn counts(&self) -> Counts {
        *self
    }
}

impl AsCounts for Delays {
    fn counts(&self) -> Counts {
        let mut out = [0; 2 * MAX_BINS];
        let (forward, backward) = out.split_at_mut(MAX_BINS);
        for (o, d) in forward.iter_mut().zip(&self.forward) {
            *o = u32::from(*d);
        }
        for (o, d) in backward.iter_mut().zip(&self.backward) {
            *o = u32::from(*d);
        }
        out
    }
}

/// The window's entities by name, with their current roles: what a stored
/// blob is read into.
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

/// A blob's header read: its names in the window's indexes, and each
/// entity's use.
struct Header<'a> {
    input: In<'a>,
    horizon_ms: i64,
    entity: Vec<u32>,
    usage: Vec<(u32, u32)>,
    state: Vec<u32>,
}

impl<'a> Header<'a> {
    /// `None` when the blob mentions an entity that is gone or is
    /// something else now.
    fn read(
        blob: &'a [u8],
        names: &Names<'_>,
        states: &mut Interner,
    ) -> anyhow::Result<Option<Header<'a>>> {
        let mut r = In { bytes: blob, at: 0 };
        let format = r.byte()?;
        anyhow::ensure!(format == FORMAT, "format {format}, expected {FORMAT}");
        let horizon_ms = r.int()?;
        let n = r.len()?;
        let mut entity = Vec::with_capacity(n);
        let mut usage = Vec::new();
        for _ in 0..n {
            let name = r.text()?;
            let role = Role::from_bits(r.byte()?);
            let used = u32::try_from(r.uint()?)?;
            let Some(&e) = names.index.get(name) else {
                return Ok(None);
            };
            if names.roles.get(e as usize) != Some(&role) {
                return Ok(None);
            }
            if used > 0 {
                usage.push((e, used));
            }
            entity.push(e);
        }
        let n = r.len()?;
        let mut state = Vec::with_capacity(n);
        for _ in 0..n {
            state.push(states.get(r.text()?));
        }
        Ok(Some(Header {
            input: r,
            horizon_ms,
            entity,
            usage,
            state,
        }))
    }

    fn key(&mut self) -> anyhow::Result<Key> {
        let e = *self
            .entity
            .get(self.input.len()?)
            .context("entity out of range")?;
        let s = *self
            .state
            .get(self.input.len()?)
            .context("state out of range")?;
        Ok((e, s))
    }
}

/// A stored day's blob as a digest (without its pairs) in the window's
/// indexes; `None` when it mentions an entity that is gone or is something
/// else now.
pub fn decode(
    blob: &[u8],
    names: &Names<'_>,
    states: &mut Interner,
) -> anyhow::Result<Option<Digest>> {
    let Some(mut h) = Header::read(blob, names, states)? else {
        return Ok(None);
    };
    let mut d = Digest {
        horizon_ms: h.horizon_ms,
        ..Digest::default()
    };
    for &(e, used) in &h.usage {
        if d.usage.len() <= e as usize {
            d.usage.resize(e as usize + 1, 0);
        }
        d.usage[e as usize] = used;
    }
    let r = &mut h.input;
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
    d.span = range(r)?;
    d.counted_days = range(r)?
        .map(|(a, b)| Ok::<_, anyhow::Error>((i32::try_from(a)?, i32::try_from(b)?)))
        .transpose()?;
    for _ in 0..h.input.len()? {
        let k = h.key()?;
        let r = &mut h.input;
        let n = r.len()?;
        let mut times = Vec::with_capacity(n);
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
    h.input.end()?;
    Ok(Some(d))
}

/// Stored pair counts in the window's indexes; `None` as for [`decode`].
pub fn decode_pairs(
    blob: &[u8],
    names: &Names<'_>,
    states: &mut Interner,
) -> anyhow::Result<Option<Totals>> {
    let mut t = Totals::default();
    let read = read_pairs(blob, names, states, |all, pair, counts| {
        if t.is_empty() {
            // A pair takes at least five bytes: a damaged count cannot ask
            // for more room than the blob could fill.
            t.reserve(all.min(blob.len() / 5));
        }
        t.insert(pair, counts);
        true
    })?;
    Ok(read.then_some(t))
}

/// Hands each stored pair to `each` as it is read (with how many the blob
/// holds), without collecting them; `false` when the blob mentions an entity
/// that is gone or is something else now, or `each` said `false`.
pub fn read_pairs(
    blob: &[u8],
    names: &Names<'_>,
    states: &mut Interner,
    mut each: impl FnMut(usize, (Key, Key), Counts) -> bool,
) -> anyhow::Result<bool> {
    let Some(mut h) = Header::read(blob, names, states)? else {
        return Ok(false);
    };
    let all = h.input.len()?;
    for _ in 0..all {
        let pair = (h.key()?, h.key()?);
        let r = &mut h.input;
        let mut counts = [0u32; 2 * MAX_BINS];
        let mut mask = r.uint()?;
        anyhow::ensure!(mask >> (2 * MAX_BINS) == 0, "delay bins out of range");
        // The bins that are not zero, one bit each.
        while mask != 0 {
            counts[mask.trailing_zeros() as usize] = u32::try_from(r.uint()?)?;
            mask &= mask - 1;
        }
        if !each(all, pair, counts) {
            return Ok(false);
        }
    }
    h.input.end()?;
    Ok(true)
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
        // Most numbers (counts, differences, indexes) fit in one byte.
        if let Some(&b) = self.bytes.get(self.at)
            && b & 0x80 == 0
        {
            self.at += 1;
            return Ok(u64::from(b));
        }
        let rest = self.bytes.get(self.at..).unwrap_or_default();
        let mut v = 0u64;
        for (i, &b) in rest.iter().take(10).enumerate() {
            v |= u64::from(b & 0x7f) << (7 * i);
            if b & 0x80 == 0 {
                self.at += i + 1;
                return Ok(v);
            }
        }
        anyhow::bail!("the digest ends early or holds a number longer than 64 bits")
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
    fn end(&self) -> anyhow::Result<()> {
        anyhow::ensure!(
            self.at == self.bytes.len(),
            "{} bytes left over",
            self.bytes.len() - self.at
        );
        Ok(())
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
        let mut pairs = Totals::default();
        pairs.add_day(&d.pairs);
        let blob_pairs = encode_pairs(pairs.iter(), 600_000, &entities, &states);
        let back_pairs = decode_pairs(&blob_pairs, &names, &mut interner)
            .unwrap()
            .unwrap();
        // A day's delays read back as the same counts.
        let day_blob = encode_pairs(
            d.pairs.iter().map(|(pair, delays)| (pair, delays)),
            600_000,
            &entities,
            &states,
        );
        assert_eq!(
            decode_pairs(&day_blob, &names, &mut interner)
                .unwrap()
                .unwrap(),
            back_pairs
        );
        let named = |t: &Totals, ents: &[EntityMeta], sts: &[String]| {
            let mut v: Vec<_> = t
                .iter()
                .map(|((a, b), c)| ((name(a, ents, sts), name(b, ents, sts)), *c))
                .collect();
            v.sort();
            v
        };
        assert_eq!(
            named(&back_pairs, &other, &interner.values),
            named(&pairs, &entities, &states)
        );
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
        for cut in 0..blob_pairs.len() {
            assert!(decode_pairs(&blob_pairs[..cut], &names, &mut Interner::default()).is_err());
            let mut bent = blob_pairs.clone();
            bent[cut] ^= 0x5a;
            let _ = decode_pairs(&bent, &names, &mut Interner::default());
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

    /// Every write of events deletes the stored days it falls in (and
    /// those after): live batches, imports and backfills.
    #[test]
    fn writing_into_a_stored_day_deletes_it() {
        use crate::config::DatabaseConfig;
        use crate::db::Db;
        use crate::db::events::{Appender, EntityIds, NewEvent, write_batch};
        use crate::model::{Record, StateChange};
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&DatabaseConfig::at(dir.path().join("habitd.db"))).unwrap();
        let mut conn = db.get().unwrap();
        let day_ms = 86_400_000;
        let fill = |conn: &Connection| {
            conn.execute_batch("DELETE FROM day_digests;").unwrap();
            for day in 0..10i64 {
                conn.execute(
                    "INSERT INTO day_digests (day, from_ms, until_ms, fingerprint, events, digest, pairs) \
                     VALUES (?1, ?2, ?3, 'f', 0, x'', x'')",
                    params![day, day * day_ms - 1, (day + 1) * day_ms + 1],
                )
                .unwrap();
            }
        };
        let left = |conn: &Connection| -> i64 {
            conn.query_row("SELECT count(*) FROM day_digests", [], |r| r.get(0))
                .unwrap()
        };
        let at = |ms: i64| jiff::Timestamp::from_millisecond(ms).unwrap();
        // A live batch of events after the stored days: nothing goes.
        fill(&conn);
        let change = |ms: i64| StateChange {
            entity_id: "light.hall".into(),
            at: at(ms),
            state: "on".into(),
            old_state: None,
            origin: crate::model::Origin::User,
        };
        let mut ids = EntityIds::new();
        write_batch(&mut conn, &mut ids, &[Record::Event(change(11 * day_ms))]).unwrap();
        assert_eq!(left(&conn), 10);
        // A batch into day 6: days 6 to 9 go.
        write_batch(
            &mut conn,
            &mut ids,
            &[Record::Event(change(6 * day_ms + 5))],
        )
        .unwrap();
        assert_eq!(left(&conn), 6);
        // An import into day 3.
        fill(&conn);
        let mut appender = Appender::new(&conn, EntityIds::new(), 100).unwrap();
        appender
            .event(&NewEvent {
                entity_id: "light.hall",
                at: at(3 * day_ms + 7),
                state: "off",
                old_state: None,
                origin: crate::model::Origin::User,
            })
            .unwrap();
        appender.commit().unwrap();
        assert_eq!(left(&conn), 3);
    }
}
