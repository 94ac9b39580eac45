-- What habitd remembers about its surroundings between runs, one value per
-- key: Home Assistant's last known version (so suggestions and deployments
-- use the right syntax while Home Assistant is down), the discovery shape
-- last published (so a change of shape removes the old configs), the
-- suggestion selected in Home Assistant.
CREATE TABLE facts (
    key        TEXT    PRIMARY KEY,
    value      TEXT    NOT NULL,
    updated_at INTEGER NOT NULL          -- unix milliseconds
) STRICT;
