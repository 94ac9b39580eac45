-- What habitd knows about the home: entities, Zigbee devices and their
-- capabilities, state changes, and per-day activity aggregates.

-- Entities are interned: events refer to them by a small integer, which
-- keeps the events table and its indexes compact on an SD card.
CREATE TABLE entities (
    id            INTEGER PRIMARY KEY,
    entity_id     TEXT    NOT NULL UNIQUE,
    domain        TEXT    NOT NULL,
    friendly_name TEXT,
    device_class  TEXT,
    unit          TEXT,
    area          TEXT,
    updated_at    INTEGER NOT NULL          -- unix milliseconds
) STRICT;

CREATE TABLE devices (
    ieee_address  TEXT    PRIMARY KEY,
    friendly_name TEXT    NOT NULL,
    kind          TEXT,                     -- Coordinator | Router | EndDevice
    model         TEXT,
    vendor        TEXT,
    description   TEXT,
    power_source  TEXT,
    disabled      INTEGER NOT NULL DEFAULT 0,
    updated_at    INTEGER NOT NULL
) STRICT;

CREATE TABLE capabilities (
    device      TEXT    NOT NULL REFERENCES devices (ieee_address) ON DELETE CASCADE,
    property    TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    kind        TEXT    NOT NULL,           -- binary | numeric | enum | text | composite | list | …
    feature_of  TEXT,                       -- light | switch | cover | … when part of one
    access      INTEGER NOT NULL,           -- 1 published, 2 settable, 4 gettable
    category    TEXT,                       -- config | diagnostic
    endpoint    TEXT,
    unit        TEXT,
    value_min   REAL,
    value_max   REAL,
    value_list  TEXT    NOT NULL DEFAULT '[]',  -- JSON array of texts
    entity_id   TEXT,                       -- the HA entity this property feeds, when known
    PRIMARY KEY (device, property)
) STRICT, WITHOUT ROWID;

-- One row per state change. The key makes re-delivery of the same change
-- (same entity, time and state) a no-op. It starts with the time, so live
-- events are appended at the end of one B-tree (few pages written per batch:
-- the SD card's lifetime) and the analysis window and retention are range
-- scans. There is deliberately no per-entity index: nothing reads one entity
-- over all time, and a second index would double the writes.
CREATE TABLE events (
    ts        INTEGER NOT NULL,             -- unix milliseconds, the source's time
    entity    INTEGER NOT NULL REFERENCES entities (id),
    state     TEXT    NOT NULL,
    old_state TEXT,
    origin    INTEGER NOT NULL,             -- 0 device/other, 1 user, 2 automation
    PRIMARY KEY (ts, entity, state)
) STRICT, WITHOUT ROWID;

-- How often each entity reached each state, per local day and 5-minute slot,
-- counting only changes made by people or devices (not automations, not
-- unavailable/unknown). Maintained as events are stored, so the daily job
-- knows when things usually happen without re-reading a month of events.
-- Keyed by day first: today's counters sit together, so a batch touches few
-- pages, and the daily job reads a day range.
CREATE TABLE activity (
    day    INTEGER NOT NULL,                -- local date, days since 1970-01-01
    entity INTEGER NOT NULL REFERENCES entities (id),
    state  TEXT    NOT NULL,
    slot   INTEGER NOT NULL CHECK (slot BETWEEN 0 AND 287),  -- local time / 5 min
    count  INTEGER NOT NULL,
    PRIMARY KEY (day, entity, state, slot)
) STRICT, WITHOUT ROWID;

-- Settings the stored data depends on (the time zone of `activity`).
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT, WITHOUT ROWID;
