-- Analysis jobs: one row per run, updated at every phase change, so the
-- history of runs and the reason a run failed survive restarts.
-- Times are RFC 3339 UTC text: few rows, read by people with sqlite3.
CREATE TABLE jobs (
    id              INTEGER PRIMARY KEY,
    trigger         TEXT    NOT NULL,  -- schedule | command | cli
    state           TEXT    NOT NULL
                    CHECK (state IN ('queued', 'running', 'succeeded', 'degraded', 'failed')),
    phase           TEXT,              -- the phase running or last run
    progress        INTEGER NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
    queued_at       TEXT    NOT NULL,
    started_at      TEXT,
    finished_at     TEXT,
    phase_durations TEXT    NOT NULL DEFAULT '{}',  -- JSON: phase -> milliseconds
    counts          TEXT    NOT NULL DEFAULT '{}',  -- JSON: what -> how many
    error           TEXT
) STRICT;

-- Finding unfinished jobs at start (crash recovery) must not scan history.
CREATE INDEX jobs_unfinished ON jobs (state) WHERE state IN ('queued', 'running');
