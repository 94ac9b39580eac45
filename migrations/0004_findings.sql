-- What the last analysis found, one row per finding with its evidence. The
-- id is stable (the same routine found tomorrow has the same id), so a run
-- replaces the previous run's rows in one transaction.
CREATE TABLE findings (
    id         TEXT    PRIMARY KEY,
    kind       TEXT    NOT NULL CHECK (kind IN ('routine', 'sequence', 'synergy', 'unused_feature')),
    job_id     INTEGER NOT NULL REFERENCES jobs (id),
    evidence   TEXT    NOT NULL,             -- JSON
    updated_at INTEGER NOT NULL              -- unix milliseconds
) STRICT;
