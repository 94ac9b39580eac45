//! Storing what ingest observed: events, entities, devices.
//!
//! [`write_batch`] writes a whole batch in one transaction with cached
//! prepared statements: the difference between one transaction per batch and
//! one per row is ~40× on SQLite, and far more in SD-card wear.

use std::collections::HashMap;

use anyhow::Context;
use jiff::Timestamp;
use rusqlite::{Connection, Statement, Transaction, params};

use crate::model::Device;
use crate::model::Record;
use crate::model::{EntityInfo, Origin, StateChange, domain};

/// What a batch did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct BatchOutcome {
    /// Events that were new.
    pub stored: u64,
    /// Events already stored (a re-delivery or a re-import).
    pub duplicates: u64,
}

/// Entity ids already interned, by name. The writer keeps one across
/// batches, so a busy entity costs one lookup per process, not per event.
pub type EntityIds = HashMap<String, i64>;

/// One event to store, borrowed from wherever it was read (a
/// [`StateChange`], or a line an import is reading).
#[derive(Debug, Clone, Copy)]
pub struct NewEvent<'a> {
    pub entity_id: &'a str,
    pub at: Timestamp,
    pub state: &'a str,
    pub old_state: Option<&'a str>,
    pub origin: Origin,
}

impl<'a> From<&'a StateChange> for NewEvent<'a> {
    fn from(change: &'a StateChange) -> Self {
        NewEvent {
            entity_id: &change.entity_id,
            at: change.at,
            state: &change.state,
            old_state: change.old_state.as_deref(),
            origin: change.origin,
        }
    }
}

impl NewEvent<'_> {
    /// The same change, owned.
    pub fn to_change(&self) -> StateChange {
        StateChange {
            entity_id: self.entity_id.to_owned(),
            at: self.at,
            state: self.state.to_owned(),
            old_state: self.old_state.map(str::to_owned),
            origin: self.origin,
        }
    }
}

/// Events and entities stored one at a time as an import reads them, in
/// transactions of `per_commit` events: input that comes in time order
/// needs no staging, and nothing is held per event. The insert is prepared
/// once and held: looking it up in the connection's statement cache per
/// event (hashing its SQL) cost about a tenth of an import.
#[derive(Debug)]
pub struct Appender<'c> {
    conn: &'c Connection,
    insert: Statement<'c>,
    ids: EntityIds,
    /// Entities interned in the open transaction (void if it rolls back).
    interned: Vec<String>,
    /// Events in the open transaction.
    events: usize,
    per_commit: usize,
    now: i64,
    /// When the open transaction began; `None` while none is open.
    began: Option<std::time::Instant>,
    /// The earliest event in the open transaction: the stored digests of
    /// the days from its on are made again.
    earliest: i64,
}

/// How long an import holds the database's write lock at most.
const HOLD_AT_MOST: std::time::Duration = std::time::Duration::from_millis(250);

/// The clock is read every this many events, not after each: at a million
/// events a second this is well under a millisecond past [`HOLD_AT_MOST`].
const CLOCK_EVERY: usize = 64;

const INSERT_EVENT: &str = "INSERT OR IGNORE INTO events (ts, entity, state, old_state, origin) \
                            VALUES (?1, ?2, ?3, ?4, ?5)";

impl<'c> Appender<'c> {
    pub fn new(conn: &'c Connection, ids: EntityIds, per_commit: usize) -> anyhow::Result<Self> {
        Ok(Appender {
            conn,
            insert: conn.prepare(INSERT_EVENT)?,
            ids,
            interned: Vec::new(),
            events: 0,
            per_commit: per_commit.max(1),
            now: 0,
            began: None,
            earliest: i64::MAX,
        })
    }

    /// The entity ids interned so far.
    pub fn ids(&mut self) -> &mut EntityIds {
        &mut self.ids
    }

    fn begin(&mut self) -> anyhow::Result<()> {
        if self.began.is_none() {
            self.conn.execute_batch("BEGIN IMMEDIATE")?;
            self.began = Some(std::time::Instant::now());
            self.now = Timestamp::now().as_millisecond();
        }
        Ok(())
    }

    pub fn entity(&mut self, info: &EntityInfo) -> anyhow::Result<()> {
        self.begin()?;
        upsert_entity(self.conn, &mut self.ids, &mut self.interned, info, self.now)
    }

    /// Stores `event`; whether it was new.
    pub fn event(&mut self, event: &NewEvent<'_>) -> anyhow::Result<bool> {
        self.begin()?;
        let entity = entity_key(
            self.conn,
            &mut self.ids,
            &mut self.interned,
            event.entity_id,
            self.now,
        )?;
        let inserted = self.insert.execute(params![
            event.at.as_millisecond(),
            entity,
            event.state,
            event.old_state,
            event.origin.code()
        ])?;
        self.events += 1;
        self.earliest = self.earliest.min(event.at.as_millisecond());
        Ok(inserted > 0)
    }

    /// Whether the open transaction holds `per_commit` events, or has been
    /// open for [`HOLD_AT_MOST`]: a daemon writing the same database waits
    /// for it, for at most its busy timeout.
    pub fn is_full(&self) -> bool {
        self.events >= self.per_commit
            || (self.events.is_multiple_of(CLOCK_EVERY)
                && self
                    .began
                    .is_some_and(|began| began.elapsed() >= HOLD_AT_MOST))
    }

    pub fn commit(&mut self) -> anyhow::Result<()> {
        if self.began.is_some() {
            if self.earliest != i64::MAX {
                super::digests::invalidate(self.conn, self.earliest)?;
            }
            self.conn
                .execute_batch("COMMIT")
                .context("while committing a batch")?;
            self.interned.clear();
            self.end();
        }
        Ok(())
    }

    /// Undoes the open transaction, if any (after an error).
    pub fn rollback(&mut self) {
        if self.began.is_some() {
            if let Err(e) = self.conn.execute_batch("ROLLBACK") {
                tracing::warn!(error = %e, "could not roll back an import's batch");
            }
            for name in self.interned.drain(..) {
                self.ids.remove(&name);
            }
            self.end();
        }
    }

    fn end(&mut self) {
        self.began = None;
        self.events = 0;
        self.earliest = i64::MAX;
    }
}

/// Writes `records` in one transaction. Each event is written once, to
/// `events` only: the analysis derives what it needs from the window it
/// reads.
pub fn write_batch(
    conn: &mut Connection,
    ids: &mut EntityIds,
    records: &[Record],
) -> anyhow::Result<BatchOutcome> {
    write_in(conn.transaction()?, ids, records)
}

/// [`write_batch`] on a connection an [`Appender`] also holds (an import):
/// the caller makes sure that no transaction is open on it.
pub fn write_batch_shared(
    conn: &Connection,
    ids: &mut EntityIds,
    records: &[Record],
) -> anyhow::Result<BatchOutcome> {
    write_in(conn.unchecked_transaction()?, ids, records)
}

fn write_in(
    tx: Transaction<'_>,
    ids: &mut EntityIds,
    records: &[Record],
) -> anyhow::Result<BatchOutcome> {
    let now = Timestamp::now().as_millisecond();
    let mut outcome = BatchOutcome::default();
    let mut interned = Vec::new();
    let result = (|| -> anyhow::Result<()> {
        for record in records {
            match record {
                Record::Event(change) => {
                    if insert_event(&tx, ids, &mut interned, &change.into(), now)? {
                        outcome.stored += 1;
                    } else {
                        outcome.duplicates += 1;
                    }
                }
                Record::Entity(info) => {
                    upsert_entity(&tx, ids, &mut interned, info, now)?;
                }
                Record::Devices(devices) => replace_devices(&tx, devices, now)?,
                Record::Mapping {
                    device,
                    property,
                    entity_id,
                } => {
                    tx.prepare_cached(
                        "UPDATE capabilities SET entity_id = ?3 \
                         WHERE device = (SELECT ieee_address FROM devices WHERE friendly_name = ?1) \
                           AND property = ?2",
                    )?
                    .execute(params![device, property, entity_id])?;
                }
            }
        }
        // The stored digests of the days these events fall in are made
        // again (a live batch of today's events matches none).
        let earliest = records.iter().filter_map(|r| match r {
            Record::Event(change) => Some(change.at.as_millisecond()),
            _ => None,
        });
        if let Some(earliest) = earliest.min() {
            super::digests::invalidate(&tx, earliest)?;
        }
        Ok(())
    })();
    match result.and_then(|()| tx.commit().context("while committing a batch")) {
        Ok(()) => Ok(outcome),
        Err(e) => {
            // Ids handed out inside the rolled-back transaction are void.
            for name in interned {
                ids.remove(&name);
            }
            Err(e)
        }
    }
}

fn entity_key(
    tx: &Connection,
    ids: &mut EntityIds,
    interned: &mut Vec<String>,
    entity_id: &str,
    now: i64,
) -> anyhow::Result<i64> {
    if let Some(id) = ids.get(entity_id) {
        return Ok(*id);
    }
    tx.prepare_cached(
        "INSERT INTO entities (entity_id, domain, updated_at) VALUES (?1, ?2, ?3) \
         ON CONFLICT (entity_id) DO NOTHING",
    )?
    .execute(params![entity_id, domain(entity_id), now])?;
    let id: i64 = tx
        .prepare_cached("SELECT id FROM entities WHERE entity_id = ?1")?
        .query_row([entity_id], |row| row.get(0))?;
    ids.insert(entity_id.to_owned(), id);
    interned.push(entity_id.to_owned());
    Ok(id)
}

fn upsert_entity(
    tx: &Connection,
    ids: &mut EntityIds,
    interned: &mut Vec<String>,
    info: &EntityInfo,
    now: i64,
) -> anyhow::Result<()> {
    let id = entity_key(tx, ids, interned, &info.entity_id, now)?;
    // Keep what is known when a source does not say (statestream carries no
    // attributes).
    tx.prepare_cached(
        "UPDATE entities SET friendly_name = coalesce(?2, friendly_name), \
            device_class = coalesce(?3, device_class), unit = coalesce(?4, unit), updated_at = ?5 \
         WHERE id = ?1",
    )?
    .execute(params![
        id,
        info.friendly_name,
        info.device_class,
        info.unit,
        now
    ])?;
    Ok(())
}

/// Returns whether the event was new.
fn insert_event(
    tx: &Connection,
    ids: &mut EntityIds,
    interned: &mut Vec<String>,
    change: &NewEvent<'_>,
    now: i64,
) -> anyhow::Result<bool> {
    let entity = entity_key(tx, ids, interned, change.entity_id, now)?;
    let ts = change.at.as_millisecond();
    let inserted = tx.prepare_cached(INSERT_EVENT)?.execute(params![
        ts,
        entity,
        change.state,
        change.old_state,
        change.origin.code()
    ])?;
    Ok(inserted > 0)
}

/// Replaces the Zigbee2MQTT device list: devices that left are removed with
/// their capabilities; the HA entity mapping of remaining ones is kept.
fn replace_devices(tx: &Transaction<'_>, devices: &[Device], now: i64) -> anyhow::Result<()> {
    let mut mappings: HashMap<(String, String), String> = HashMap::new();
    {
        let mut stmt = tx.prepare_cached(
            "SELECT device, property, entity_id FROM capabilities WHERE entity_id IS NOT NULL",
        )?;
        let rows = stmt.query_map([], |r| Ok(((r.get(0)?, r.get(1)?), r.get(2)?)))?;
        for row in rows {
            let (key, entity) = row?;
            mappings.insert(key, entity);
        }
    }
    tx.execute("DELETE FROM devices", [])?;
    let mut device_stmt = tx.prepare_cached(
        "INSERT OR REPLACE INTO devices (ieee_address, friendly_name, kind, model, vendor, description, \
                              power_source, disabled, updated_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?;
    let mut cap_stmt = tx.prepare_cached(
        "INSERT OR REPLACE INTO capabilities (device, property, name, kind, feature_of, access, \
            category, endpoint, unit, value_min, value_max, value_list, entity_id) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    )?;
    for d in devices {
        device_stmt.execute(params![
            d.ieee_address,
            d.friendly_name,
            d.kind,
            d.model,
            d.vendor,
            d.description,
            d.power_source,
            d.disabled,
            now
        ])?;
        for c in &d.capabilities {
            let entity = mappings.get(&(d.ieee_address.clone(), c.property.clone()));
            cap_stmt.execute(params![
                d.ieee_address,
                c.property,
                c.name,
                c.kind,
                c.feature_of,
                c.access.0,
                c.category,
                c.endpoint,
                c.unit,
                c.value_min,
                c.value_max,
                serde_json::to_string(&c.values)?,
                entity
            ])?;
        }
    }
    Ok(())
}

/// Deletes events older than `before`, in chunks so that the write lock is
/// never held for long. Returns the number of events deleted.
pub fn prune(conn: &Connection, before: Timestamp) -> anyhow::Result<u64> {
    let cutoff = before.as_millisecond();
    let mut deleted = 0u64;
    loop {
        // `events` has no rowid: delete a chunk by its key.
        let n = conn
            .prepare_cached(
                "DELETE FROM events WHERE (ts, entity, state) IN \
                 (SELECT ts, entity, state FROM events WHERE ts < ?1 LIMIT 10000)",
            )?
            .execute([cutoff])?;
        deleted += n as u64;
        if n < 10000 {
            break;
        }
    }
    Ok(deleted)
}

/// How many events are stored (for status counts and tests).
pub fn count(conn: &Connection) -> anyhow::Result<u64> {
    Ok(conn.query_row("SELECT count(*) FROM events", [], |r| r.get::<_, i64>(0))? as u64)
}

/// Records the areas Home Assistant assigns (entity id → area name).
/// What Home Assistant says of each entity: `entity id → (device class,
/// friendly name)`.
pub type Labels = HashMap<String, (Option<String>, Option<String>)>;

/// Every entity's [`Labels`].
pub fn labels(conn: &Connection) -> anyhow::Result<Labels> {
    let mut stmt =
        conn.prepare_cached("SELECT entity_id, device_class, friendly_name FROM entities")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?))))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn set_areas(
    conn: &mut Connection,
    areas: &std::collections::HashMap<String, String>,
) -> anyhow::Result<usize> {
    let tx = conn.transaction()?;
    let mut changed = 0;
    {
        let mut stmt = tx.prepare_cached("UPDATE entities SET area = ?2 WHERE entity_id = ?1")?;
        for (entity, area) in areas {
            changed += stmt.execute(params![entity, area])?;
        }
    }
    tx.commit()?;
    Ok(changed)
}

/// Replaces the list of existing automations: `(config id, entity id,
/// alias, config JSON)`.
pub fn replace_automations(
    conn: &mut Connection,
    automations: &[(String, String, Option<String>, Option<serde_json::Value>)],
) -> anyhow::Result<()> {
    let now = Timestamp::now().as_millisecond();
    let tx = conn.transaction()?;
    tx.execute("DELETE FROM automations", [])?;
    {
        let mut stmt = tx.prepare_cached(
            "INSERT OR REPLACE INTO automations (id, entity_id, alias, config, updated_at) \
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        for (id, entity, alias, config) in automations {
            let config = config.as_ref().map(serde_json::to_string).transpose()?;
            stmt.execute(params![id, entity, alias, config, now])?;
        }
    }
    tx.commit()?;
    Ok(())
}

/// Gives entities that have no area one from the fallbacks, in order: the
/// configured mapping (area → entity id patterns), then the prefix of the
/// Zigbee2MQTT device they belong to (`kitchen/motion` → `kitchen`). Home
/// Assistant's own areas, set before, are never overwritten.
pub fn fill_areas(
    conn: &mut Connection,
    mapping: &[(String, Vec<String>)],
) -> anyhow::Result<usize> {
    let tx = conn.transaction()?;
    let mut filled = 0;
    {
        let unassigned: Vec<String> = tx
            .prepare("SELECT entity_id FROM entities WHERE area IS NULL")?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        let mut set = tx.prepare_cached(
            "UPDATE entities SET area = ?2 WHERE entity_id = ?1 AND area IS NULL",
        )?;
        let mapping: Vec<(&String, Vec<wildmatch::WildMatch>)> = mapping
            .iter()
            .map(|(area, patterns)| {
                (
                    area,
                    patterns
                        .iter()
                        .map(|p| wildmatch::WildMatch::new(p))
                        .collect(),
                )
            })
            .collect();
        for entity in &unassigned {
            // The first area whose patterns match wins.
            if let Some((area, _)) = mapping
                .iter()
                .find(|(_, patterns)| patterns.iter().any(|p| p.matches(entity)))
            {
                filled += set.execute(params![entity, area])?;
            }
        }
        filled += tx.execute(
            "UPDATE entities SET area = (
                 SELECT substr(d.friendly_name, 1, instr(d.friendly_name, '/') - 1)
                 FROM capabilities c JOIN devices d ON d.ieee_address = c.device
                 WHERE c.entity_id = entities.entity_id AND instr(d.friendly_name, '/') > 1 LIMIT 1)
             WHERE area IS NULL AND EXISTS (
                 SELECT 1 FROM capabilities c JOIN devices d ON d.ieee_address = c.device
                 WHERE c.entity_id = entities.entity_id AND instr(d.friendly_name, '/') > 1)",
            [],
        )?;
    }
    tx.commit()?;
    Ok(filled)
}

/// Whether any state change is stored.
pub fn any(conn: &Connection) -> anyhow::Result<bool> {
    Ok(conn.query_row("SELECT EXISTS (SELECT 1 FROM events)", [], |r| r.get(0))?)
}
