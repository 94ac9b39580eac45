//! Reading the analysis window into the analysis's in-memory structures.
//!
//! Events come out of the time-keyed table in order, straight into columns,
//! from the local midnight that starts the window's first day; entity ids
//! map to dense indexes through a `Vec`, and state names are interned from
//! the borrowed row text (no allocation per row). The existing automations are read as the
//! configs Home Assistant gave ([`automation_configs`]); `ha::automation`
//! reads what they do.

use anyhow::Context;

use jiff::Timestamp;
use jiff::tz::TimeZone;
use rusqlite::Connection;

use crate::analysis::features::CapabilityInfo;
use crate::analysis::stats::LocalClock;
use crate::analysis::{EntityMeta, Interner, Window};
use crate::model::{Origin, is_blip};

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

/// Reads everything from the local midnight of `since`'s day on, for a
/// window whose days run from `since`'s local day to `until`'s (the daily
/// job passes now; a test of a simulated month passes that month's end, so
/// its result does not depend on the day it runs): whole days, so every day
/// the miners count is all there.
pub fn read(
    conn: &Connection,
    since: Timestamp,
    until: Timestamp,
    tz: &TimeZone,
) -> anyhow::Result<Window> {
    let mut window = Window::default();
    let mut dense = Dense::default();
    {
        let mut stmt =
            conn.prepare("SELECT id, entity_id, device_class, unit, area, friendly_name FROM entities ORDER BY id")?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            dense.insert(row.get(0)?, window.entities.len() as u32);
            window.entities.push(EntityMeta {
                entity_id: row.get(1)?,
                device_class: row.get(2)?,
                unit: row.get(3)?,
                area: row.get(4)?,
                friendly_name: row.get(5)?,
            });
        }
    }
    let mut states = Interner::default();
    {
        let mut stmt = conn.prepare_cached(
            "SELECT ts, entity, state, origin FROM events WHERE ts >= ?1 ORDER BY ts",
        )?;
        let midnight = since
            .to_zoned_datetime(tz.clone())
            .start_of_day()?
            .timestamp();
        let mut rows = stmt.query([midnight.as_millisecond()])?;
        let ev = &mut window.events;
        // Borrowed columns: the state is interned from SQLite's own text,
        // never copied into a `String` per row.
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
    }
    let mut clock = LocalClock::new(tz);
    window.first_day = clock.local(since.as_millisecond()).0;
    window.last_day = clock.local(until.as_millisecond()).0;
    window.states = states.values;
    // The days counted run from the first to the last day with a change
    // made by a person or a device (a history import may end before now).
    let ev = &window.events;
    let counted = |i: &usize| {
        ev.origin[*i] != Origin::Automation
            && !is_blip(
                window
                    .states
                    .get(ev.state[*i] as usize)
                    .map_or("", String::as_str),
            )
    };
    if let Some(first) = (0..ev.len()).find(counted) {
        window.first_day = window.first_day.max(clock.local(ev.ts[first]).0);
    }
    if let Some(last) = (0..ev.len()).rev().find(counted) {
        window.last_day = window
            .last_day
            .min(clock.local(ev.ts[last]).0.max(window.first_day));
    }
    Ok(window)
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
            // The day before the window's first (Berlin) day: not read.
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
        let w = read(&conn, since, until, &tz).unwrap();
        let got: Vec<(i64, &str, &str)> = (0..w.events.len())
            .map(|i| {
                (
                    w.events.ts[i],
                    w.entity_id(w.events.entity[i]),
                    w.state(w.events.state[i]),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (ms("2026-03-09T23:30:00Z"), "light.hall", "off"),
                (ms("2026-03-10T07:00:00Z"), "light.porch", "on"),
                (ms("2026-03-10T07:01:00Z"), "switch.kettle", "on"),
                (ms("2026-03-11T18:00:00Z"), "light.hall", "on"),
                (ms("2026-03-12T18:00:00Z"), "light.hall", "off"),
                (ms("2026-03-13T18:00:00Z"), "switch.kettle", "unavailable"),
            ]
        );
        // Each state once.
        assert_eq!(w.states.len(), 3, "{:?}", w.states);
        // 2026-03-10 is day 20522; the last counted change is on the 11th
        // (the automation's and the blip's days do not count).
        assert_eq!((w.first_day, w.last_day), (20_522, 20_523));
    }
}
