-- Automations that already exist in Home Assistant, as its config API
-- returns them: what they trigger on and act on must never be suggested again.
CREATE TABLE automations (
    id         TEXT    PRIMARY KEY,         -- the automation's config id
    entity_id  TEXT    NOT NULL,            -- automation.…
    alias      TEXT,
    config     TEXT,                        -- JSON; NULL when HA would not return it (YAML-only)
    updated_at INTEGER NOT NULL             -- unix milliseconds
) STRICT;
