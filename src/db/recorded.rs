//! Read-only views of what habitd has recorded, for the review page: events
//! per day, the entities seen and how busy each is, who caused the changes,
//! and the times one entity reached one state (the evidence a suggestion's
//! picture is drawn from).
//!
//! Every query reads a time range of the `events` table, whose key starts
//! with the time, so it costs the window, not the whole history.

use jiff::tz::TimeZone;
use jiff::{Timestamp, civil::Date};
use rusqlite::{Connection, params};

use crate::model::Origin;

/// One entity as the page lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct SeenEntity {
    pub entity_id: String,
    pub friendly_name: Option<String>,
    pub area: Option<String>,
    /// State changes since the asked time.
    pub events: u64,
    pub last_seen: Option<Timestamp>,
}

/// Events per local day since `since`, oldest first; days without events
/// are left out. Counted per UTC hour in SQL (a few hundred rows for a
/// month), then put on local days here, so a day is the home's day.
pub fn events_per_day(
    conn: &Connection,
    since: Timestamp,
    tz: &TimeZone,
) -> anyhow::Result<Vec<(Date, u64)>> {
    let mut stmt = conn.prepare(
        "SELECT ts / 3600000 AS hour, count(*) FROM events WHERE ts >= ?1 GROUP BY hour ORDER BY hour",
    )?;
    let hours = stmt.query_map([since.as_millisecond()], |row| {
        Ok((row.get::<_, i64>(0)?, row.get::<_, i64>(1)?))
    })?;
    let mut days: Vec<(Date, u64)> = Vec::new();
    for hour in hours {
        let (hour, count) = hour?;
        let day = tz.to_datetime(Timestamp::from_second(hour * 3600)?).date();
        let count = u64::try_from(count).unwrap_or(0);
        match days.last_mut() {
            Some((last, n)) if *last == day => *n += count,
            _ => days.push((day, count)),
        }
    }
    Ok(days)
}

/// Entities with their number of changes since `since`, busiest first;
/// entities known but silent since then come last.
pub fn entities(conn: &Connection, since: Timestamp) -> anyhow::Result<Vec<SeenEntity>> {
    let mut stmt = conn.prepare(
        "SELECT e.entity_id, e.friendly_name, e.area, coalesce(c.n, 0), c.last \
         FROM entities e LEFT JOIN \
              (SELECT entity, count(*) AS n, max(ts) AS last FROM events WHERE ts >= ?1 GROUP BY entity) c \
              ON c.entity = e.id \
         ORDER BY coalesce(c.n, 0) DESC, e.entity_id",
    )?;
    let rows = stmt.query_map([since.as_millisecond()], |row| {
        let last: Option<i64> = row.get(4)?;
        Ok(SeenEntity {
            entity_id: row.get(0)?,
            friendly_name: row.get(1)?,
            area: row.get(2)?,
            events: u64::try_from(row.get::<_, i64>(3)?).unwrap_or(0),
            last_seen: last.and_then(|ms| Timestamp::from_millisecond(ms).ok()),
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Changes since `since` by who caused them.
pub fn by_origin(conn: &Connection, since: Timestamp) -> anyhow::Result<Vec<(Origin, u64)>> {
    let mut stmt = conn.prepare(
        "SELECT origin, count(*) FROM events WHERE ts >= ?1 GROUP BY origin ORDER BY origin",
    )?;
    let rows = stmt.query_map([since.as_millisecond()], |row| {
        Ok((row.get::<_, i64>(0)?, row.get::<_, i64>(1)?))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (code, n) = row?;
        if let Some(origin) = Origin::from_code(code) {
            out.push((origin, u64::try_from(n).unwrap_or(0)));
        }
    }
    Ok(out)
}

/// How many Zigbee2MQTT devices habitd knows.
pub fn device_count(conn: &Connection) -> anyhow::Result<u64> {
    let n: i64 = conn.query_row("SELECT count(*) FROM devices", [], |row| row.get(0))?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// When `entity_id` reached `state` since `since`, oldest first, leaving
/// out what automations did: the same changes the miners look at.
pub fn times(
    conn: &Connection,
    entity_id: &str,
    state: &str,
    since: Timestamp,
) -> anyhow::Result<Vec<Timestamp>> {
    let mut stmt = conn.prepare_cached(
        "SELECT ts FROM events \
         WHERE ts >= ?1 AND state = ?3 AND origin != ?4 \
           AND entity = (SELECT id FROM entities WHERE entity_id = ?2) \
         ORDER BY ts",
    )?;
    let rows = stmt.query_map(
        params![
            since.as_millisecond(),
            entity_id,
            state,
            Origin::Automation.code()
        ],
        |row| row.get::<_, i64>(0),
    )?;
    let mut out = Vec::new();
    for ms in rows {
        out.push(Timestamp::from_millisecond(ms?)?);
    }
    Ok(out)
}
