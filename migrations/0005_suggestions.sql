-- Suggestions offered to the user. The id is stable (derived from the
-- finding), so a routine found again updates its row: evidence and wording
-- change, the status the user gave it does not.
CREATE TABLE suggestions (
    id              TEXT    PRIMARY KEY,     -- habitd_…, also the automation's id in HA
    finding_id      TEXT    NOT NULL,
    kind            TEXT    NOT NULL,        -- routine | sequence | synergy | unused_feature
    status          TEXT    NOT NULL DEFAULT 'new'
                    CHECK (status IN ('new', 'approved', 'deployed', 'rejected', 'dismissed', 'expired')),
    title           TEXT    NOT NULL,
    description     TEXT    NOT NULL,
    confidence      REAL    NOT NULL,
    evidence        TEXT    NOT NULL,        -- JSON
    automation      TEXT,                    -- JSON config; NULL for advice
    automation_yaml TEXT,
    worded_by       TEXT    NOT NULL,        -- habitd, or the LLM model that phrased it
    first_seen_at   INTEGER NOT NULL,        -- unix milliseconds
    last_seen_at    INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    deployed_at     INTEGER,
    error           TEXT                     -- the last deploy error, shown to the user
) STRICT;

CREATE INDEX suggestions_by_status ON suggestions (status);
