-- Job times as integer Unix milliseconds, like every other table's times
-- (they were RFC 3339 text). Columns are added, filled, and swapped in, so
-- the findings that reference jobs keep their rows.
ALTER TABLE jobs ADD COLUMN queued_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN started_ms INTEGER;
ALTER TABLE jobs ADD COLUMN finished_ms INTEGER;
UPDATE jobs SET
    queued_ms   = COALESCE(CAST(round((julianday(queued_at) - 2440587.5) * 86400000.0) AS INTEGER), 0),
    started_ms  = CAST(round((julianday(started_at) - 2440587.5) * 86400000.0) AS INTEGER),
    finished_ms = CAST(round((julianday(finished_at) - 2440587.5) * 86400000.0) AS INTEGER);
ALTER TABLE jobs DROP COLUMN queued_at;
ALTER TABLE jobs DROP COLUMN started_at;
ALTER TABLE jobs DROP COLUMN finished_at;
ALTER TABLE jobs RENAME COLUMN queued_ms TO queued_at;
ALTER TABLE jobs RENAME COLUMN started_ms TO started_at;
ALTER TABLE jobs RENAME COLUMN finished_ms TO finished_at;
