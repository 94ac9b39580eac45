-- What the analysis needs from each local day's events, stored once the day
-- is over (`analysis::digest`): the daily job reads the days it has no row
-- for and adds these up, instead of reading the whole window again. A row
-- depends on the events from `from_ms` to `until_ms` (its day, the sequence
-- horizon before it, and a margin): storing events in that range deletes
-- it, and the next job makes it again. One of another time zone, horizon
-- or format (`fingerprint`) is never used.
CREATE TABLE day_digests (
    day         INTEGER PRIMARY KEY,        -- local date, days since 1970-01-01
    from_ms     INTEGER NOT NULL,           -- unix milliseconds
    until_ms    INTEGER NOT NULL,
    fingerprint TEXT    NOT NULL,
    events      INTEGER NOT NULL,           -- events in [from_ms, until_ms) it was made from
    digest      BLOB    NOT NULL,           -- times, use, span
    pairs       BLOB    NOT NULL            -- the day's pair delay counts
) STRICT;

CREATE INDEX day_digests_until ON day_digests (until_ms);

-- The pairs' delay counts added up over the stored days `first_day` to
-- `last_day`: the next run takes the days that left the window away and
-- adds the new ones, instead of adding up every day's again. `days` lists
-- each day's `events`, so totals of rows made again since are not used.
CREATE TABLE digest_totals (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    first_day   INTEGER NOT NULL,
    last_day    INTEGER NOT NULL,
    until_ms    INTEGER NOT NULL,
    fingerprint TEXT    NOT NULL,
    days        TEXT    NOT NULL,
    pairs       BLOB    NOT NULL
) STRICT;
