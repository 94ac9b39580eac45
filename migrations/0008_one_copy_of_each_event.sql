-- Each event is stored once. The per-day activity aggregate was upserted for
-- every stored event but hardly aggregated (about one row per event), so it
-- nearly doubled what every live event wrote to the SD card; the routine
-- miner now builds its candidates from the window's events in memory. The
-- freed pages stay in the file's free list and are reused by new events.
DROP TABLE activity;
DELETE FROM meta WHERE key = 'activity_time_zone';
