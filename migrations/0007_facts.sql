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

-- A database that has seen a job was most likely used by an older habitd
-- daemon, which always published device-based discovery: remember that, so
-- a Home Assistant now announced entity by entity gets the old config
-- removed (the same unique ids under both shapes would clash). A fresh
-- database remembers nothing, and nothing is removed (removing a config
-- Home Assistant never had makes it log a warning).
INSERT INTO facts (key, value, updated_at)
SELECT 'discovery_shape', 'device', CAST(strftime('%s', 'now') AS INTEGER) * 1000
WHERE EXISTS (SELECT 1 FROM jobs);
