-- The pairs' totals over the stored days change every day: the daily job
-- keeps them in memory from one run to the next instead of rewriting them
-- here every day (megabytes a day in a busy home). After a start, the first
-- run adds the stored days up once.
DROP TABLE digest_totals;
