//! Analysis benchmark: `cargo bench --bench analysis` (results in BENCHMARKS.md).
//!
//! For 10,000, 100,000 and 1,000,000 events of 300 entities over 30 days
//! (stored through the real write path first, not timed), it times each
//! phase the daily job runs on them: reading the window from SQLite, routines,
//! sequences and synergies, and reports peak memory. Then, in the same
//! process: the window read against a plain `SELECT` of the same columns and
//! rows (median of five alternating runs each, as a ratio); a daily run
//! that reads the stored day digests and one new day against a full run of
//! the same window, in a home that switches everything and in one of mostly
//! sensors; and the bytes each stored event causes to be written
//! (`/proc/self/io`), in bulk and at a busy home's live rate. Parts chosen
//! with `HABITD_BENCH_PARTS=phases,daily,bytes` (all by default).

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use habitd::analysis::{routines, sequences, synergies};
use habitd::config::{self, DatabaseConfig};
use habitd::db::window::Digests::{self, Recompute};
use habitd::db::{self, Db};
use habitd::model::Record;
use habitd::model::{EntityInfo, Origin, StateChange};
use jiff::Timestamp;
use jiff::tz::TimeZone;

mod common;
use common::{peak_rss_mib, written_bytes};

fn entity(i: usize) -> (String, Option<&'static str>, Option<&'static str>) {
    match i % 6 {
        0 | 1 => (format!("light.room{}_lamp{i}", i % 12), None, None),
        2 => (format!("switch.room{}_plug{i}", i % 12), None, None),
        3 | 4 => (
            format!("binary_sensor.room{}_motion{i}", i % 12),
            Some("motion"),
            None,
        ),
        _ => (
            format!("sensor.room{}_temperature{i}", i % 12),
            Some("temperature"),
            Some("°C"),
        ),
    }
}

fn main() {
    let tz = TimeZone::get("Europe/Berlin").expect("tz");
    let th = config::load_from(
        None,
        [(
            "HABITD__ANALYSIS__TIMEZONE".to_string(),
            "Europe/Berlin".to_string(),
        )],
    )
    .expect("config")
    .config
    .analysis
    .thresholds;
    let horizon = th.sequence_max_delay_ms;
    let end = Timestamp::now();
    let span_ms: i64 = 30 * 86_400_000;
    let start = end.as_millisecond() - span_ms;
    println!(
        "{:>9} | {:>8} | {:>8} | {:>9} | {:>9} | {:>8} | {:>8}",
        "events", "fetch", "routines", "sequences", "synergies", "total", "peak RSS"
    );
    let mut fetch_lines = Vec::new();
    let sizes: &[u64] = if part("phases") {
        &[10_000, 100_000, 1_000_000]
    } else {
        &[]
    };
    for &n in sizes {
        let dir = tempfile::tempdir().expect("dir");
        let open = || {
            Db::open(&DatabaseConfig {
                path: dir.path().join("habitd.db"),
                pool_size: 1,
                busy_timeout: Duration::from_secs(5),
                cache_size_kib: 8192,
            })
            .expect("db")
        };
        let db = open();
        let mut conn = db.get().expect("conn");
        let mut ids = db::events::EntityIds::new();
        let mut records = entity_records();
        for change in Changes::new(n, start, span_ms) {
            records.push(change);
            if records.len() == 10_000 {
                db::events::write_batch(&mut conn, &mut ids, &records).expect("write");
                records.clear();
            }
        }
        db::events::write_batch(&mut conn, &mut ids, &records).expect("write");
        drop(records);

        drop(conn);
        drop(db);
        // Reset the peak-RSS counter (Linux): the number below is the
        // analysis's own, not the data generation's.
        std::fs::write("/proc/self/clear_refs", "5").ok();
        let db = open();
        let conn = db.get().expect("conn");
        let since = Timestamp::from_millisecond(start - 1).expect("since");
        let t0 = Instant::now();
        let window = habitd::pipeline::read_window(&conn, since, end, &tz, horizon, Recompute)
            .expect("read");
        let fetch = t0.elapsed();
        let t1 = Instant::now();
        let r = routines::detect(&window, &tz, &th);
        let routines_t = t1.elapsed();
        let t2 = Instant::now();
        let s = sequences::detect(&window, &tz, &th);
        let sequences_t = t2.elapsed();
        let t3 = Instant::now();
        let y = synergies::detect(&window, &s);
        let synergies_t = t3.elapsed();
        let ms = |d: Duration| format!("{:.0} ms", d.as_secs_f64() * 1000.0);
        println!(
            "{:>9} | {:>8} | {:>8} | {:>9} | {:>9} | {:>8} | {:>6.1} MiB   ({} routines, {} sequences, {} synergies)",
            window.digest.changes(),
            ms(fetch),
            ms(routines_t),
            ms(sequences_t),
            ms(synergies_t),
            ms(fetch + routines_t + sequences_t + synergies_t),
            peak_rss_mib(),
            r.len(),
            s.len(),
            y.len()
        );
        let midnight = since
            .to_zoned_datetime(tz.clone())
            .start_of_day()
            .expect("midnight")
            .timestamp()
            .as_millisecond();
        let (mut read_t, mut select_t) = (Vec::new(), Vec::new());
        for _ in 0..5 {
            let t = Instant::now();
            black_box(db::window::events_from(&conn, midnight).expect("read"));
            read_t.push(t.elapsed());
            let t = Instant::now();
            black_box(plain_select(&conn, midnight));
            select_t.push(t.elapsed());
        }
        let (read_m, select_m) = (median(&mut read_t), median(&mut select_t));
        fetch_lines.push(format!(
            "{:>9} | {:>8} | {:>8} | {:>5.2}",
            window.digest.changes(),
            format!("{:.1} ms", read_m.as_secs_f64() * 1000.0),
            format!("{:.1} ms", select_m.as_secs_f64() * 1000.0),
            read_m.as_secs_f64() / select_m.as_secs_f64()
        ));
    }
    println!();
    println!(
        "{:>9} | {:>8} | {:>8} | {:>5}",
        "events", "read", "SELECT", "ratio"
    );
    for line in fetch_lines {
        println!("{line}");
    }
    println!();
    if part("daily") {
        daily(&tz, &th, Home::Switching);
        daily(&tz, &th, Home::Sensors);
        println!();
    }
    if part("bytes") {
        write_cost();
    }
}

fn part(name: &str) -> bool {
    std::env::var("HABITD_BENCH_PARTS").map_or(true, |parts| parts.split(',').any(|p| p == name))
}

/// A daily run against the full one, in a `home` of 1,000,000 events over
/// 30 days and one more day of 34,000, the digests of the first 30 stored
/// by a run the day before; then the run of the 31st day (reads that day and the stored
/// digests, stores its digest) against a run that reads every event of the
/// same window, median of five alternating runs each. The stored digests are
/// put back as they were after each daily run, so each does the same work.
fn daily(tz: &TimeZone, th: &habitd::analysis::Thresholds, home: Home) {
    let dir = tempfile::tempdir().expect("dir");
    let db = Db::open(&DatabaseConfig {
        cache_size_kib: 8192,
        ..DatabaseConfig::at(dir.path().join("habitd.db"))
    })
    .expect("db");
    let mut conn = db.get().expect("conn");
    let day_ms = 86_400_000;
    let first = Timestamp::now()
        .to_zoned_datetime(tz.clone())
        .start_of_day()
        .expect("midnight")
        .timestamp()
        .as_millisecond()
        - 31 * day_ms;
    let mut ids = db::events::EntityIds::new();
    let mut records = entity_records();
    let month = Changes::new(1_000_000, first, 30 * day_ms).of(home);
    let last_day = Changes::new(1_000_000 / 30, first + 30 * day_ms, day_ms).of(home);
    for change in month.chain(last_day) {
        records.push(change);
        if records.len() == 10_000 {
            db::events::write_batch(&mut conn, &mut ids, &records).expect("write");
            records.clear();
        }
    }
    db::events::write_batch(&mut conn, &mut ids, &records).expect("write");
    let horizon = th.sequence_max_delay_ms;
    let at = |ms: i64| Timestamp::from_millisecond(ms).expect("time");
    let cutoff = at(first - 30 * day_ms);
    let run = |until: i64, digests: Digests<'_>| {
        let since = at(until - 30 * day_ms + 1);
        let window = habitd::pipeline::read_window(&conn, since, at(until), tz, horizon, digests)
            .expect("read");
        let s = sequences::detect(&window, tz, th);
        let r = routines::detect(&window, tz, th);
        let y = synergies::detect(&window, &s);
        (window.digest.changes(), r, s, y, window.summed_pairs)
    };
    // The day before: stores the digests of the 30 days and leaves their
    // pairs' totals, as the daemon keeps them.
    let mut kept = None;
    let t = Instant::now();
    run(
        first + 30 * day_ms + 3_600_000,
        Digests::Keep {
            cutoff,
            totals: &mut kept,
        },
    );
    let first_run = t.elapsed();
    let (stored, bytes) = db::digests::size(&conn).expect("size");
    let kept_bytes = kept.as_ref().map_or(0, |k| k.bytes());
    conn.execute_batch("CREATE TEMP TABLE saved_days AS SELECT * FROM day_digests;")
        .expect("save");
    let today = first + 31 * day_ms + 3_600_000;
    // The daily run of the 31st day, given what the daemon kept.
    let daily_run = |mut totals| {
        run(
            today,
            Digests::Keep {
                cutoff,
                totals: &mut totals,
            },
        )
    };
    // The stored days as the day before left them: the same work each time.
    let restore = || {
        conn.execute_batch(
            "DELETE FROM day_digests; INSERT INTO day_digests SELECT * FROM saved_days;",
        )
        .expect("restore")
    };
    let (mut daily_t, mut full_t) = (Vec::new(), Vec::new());
    let mut same = true;
    for _ in 0..5 {
        let t = Instant::now();
        let d = black_box(daily_run(kept.clone()));
        daily_t.push(t.elapsed());
        assert!(d.4, "the daily run added up the kept totals");
        restore();
        let t = Instant::now();
        let f = black_box(run(today, Recompute));
        full_t.push(t.elapsed());
        same &= d.1 == f.1 && d.2 == f.2 && d.3 == f.3;
    }
    // What one more daily run writes, its WAL checkpointed before and after
    // (the timed runs leave checkpoints to SQLite).
    let checkpoint = || {
        conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
            .expect("checkpoint")
    };
    checkpoint();
    let before = written_bytes();
    black_box(daily_run(kept.clone()));
    checkpoint();
    let written = written_bytes() - before;
    // The first daily run after the daemon started: nothing kept, the
    // stored days' pairs added up.
    restore();
    let t = Instant::now();
    let started = black_box(daily_run(None));
    let after_start = t.elapsed();
    assert!(!started.4, "nothing was kept to add up");
    let (d, f) = (median(&mut daily_t), median(&mut full_t));
    println!("{home:?}:");
    println!(
        "daily run after one new day: {:.1} ms, full run: {:.1} ms, ratio {:.3} ({} digests stored by the first run in {:.0} ms; same findings: {same})",
        d.as_secs_f64() * 1000.0,
        f.as_secs_f64() * 1000.0,
        d.as_secs_f64() / f.as_secs_f64(),
        stored,
        first_run.as_secs_f64() * 1000.0,
    );
    println!(
        "stored digests: {bytes} bytes for {stored} days ({:.1} bytes per event of the 30 days); their pairs' totals kept in memory: {kept_bytes} bytes",
        bytes as f64 / 1_000_000.0
    );
    println!(
        "the first daily run after a start (nothing kept): {:.1} ms",
        after_start.as_secs_f64() * 1000.0
    );
    println!(
        "a daily run writes {written} bytes, WAL and checkpoint included ({:.0} bytes per event of the new day)",
        written as f64 / (1_000_000 / 30) as f64
    );
}

/// The plain scan `db::window::read` is measured against: the same columns
/// of the same rows, each read once, nothing kept.
fn plain_select(conn: &rusqlite::Connection, since_ms: i64) -> i64 {
    let mut stmt = conn
        .prepare_cached("SELECT ts, entity, state, origin FROM events WHERE ts >= ?1")
        .expect("prepare");
    let mut rows = stmt.query([since_ms]).expect("query");
    let mut acc = 0i64;
    while let Some(row) = rows.next().expect("row") {
        let ts: i64 = row.get(0).expect("ts");
        let entity: i64 = row.get(1).expect("entity");
        let state = row.get_ref(2).expect("state").as_str().expect("text");
        let origin: i64 = row.get(3).expect("origin");
        acc = acc.wrapping_add(ts ^ entity ^ state.len() as i64 ^ origin);
    }
    acc
}

fn median(times: &mut [Duration]) -> Duration {
    times.sort();
    times[times.len() / 2]
}

/// What storing one event writes, WAL and checkpoints included: 100,000
/// events in 1,000-event transactions (bulk), then 20,000 more at a busy
/// home's 2 events/s, in the transactions of a 15 s, 30 s and 60 s flush
/// (30, 60 and 120 events); through `db::events::write_batch`, and as a bare
/// `INSERT` of the same rows into the same schema (the floor), each in its
/// own database.
fn write_cost() {
    let bulk = 100_000u64;
    let live = 20_000u64;
    let start = Timestamp::now().as_millisecond() - 30 * 86_400_000;
    let live_start = start + 30 * 86_400_000;
    let flushes = [(15, 30usize), (30, 60), (60, 120)];
    print!("{:>12} | {:>12}", "written", "bulk B/event");
    for (seconds, _) in flushes {
        print!(" | {:>14}", format!("{seconds} s flush B/ev"));
    }
    println!();
    let mut rows: Vec<Vec<f64>> = Vec::new();
    for bare in [false, true] {
        let mut row = Vec::new();
        let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("dir");
        // Bulk: a month; live: the hours after it, at 2 events/s.
        let bulk_b = store(
            dir.path(),
            Changes::new(bulk, start, 30 * 86_400_000),
            1000,
            bare,
        );
        row.push(bulk_b as f64 / bulk as f64);
        for (i, (_, batch)) in flushes.iter().enumerate() {
            let from = live_start + i as i64 * live as i64 * 500;
            let live_b = store(
                dir.path(),
                Changes::new(live, from, live as i64 * 500),
                *batch,
                bare,
            );
            row.push(live_b as f64 / live as f64);
        }
        print!("{:>12}", if bare { "bare INSERT" } else { "habitd" });
        for (i, v) in row.iter().enumerate() {
            print!(" | {:>w$.0}", v, w = if i == 0 { 12 } else { 14 });
        }
        println!();
        rows.push(row);
    }
    print!("{:>12}", "ratio");
    for (i, (habitd, bare)) in rows[0].iter().zip(&rows[1]).enumerate() {
        print!(
            " | {:>w$.2}",
            habitd / bare,
            w = if i == 0 { 12 } else { 14 }
        );
    }
    println!();
}

/// Stores `changes` in transactions of `batch` events, closes the database
/// (its last checkpoint counts too) and returns the bytes written. `bare`:
/// a plain `INSERT` per event instead of habitd's write path.
fn store(dir: &Path, changes: Changes, batch: usize, bare: bool) -> u64 {
    let before = written_bytes();
    let db = Db::open(&DatabaseConfig {
        path: dir.join("habitd.db"),
        pool_size: 1,
        busy_timeout: Duration::from_secs(5),
        cache_size_kib: 8192,
    })
    .expect("db");
    let mut conn = db.get().expect("conn");
    let mut ids = db::events::EntityIds::new();
    db::events::write_batch(&mut conn, &mut ids, &entity_records()).expect("write");
    let changes: Vec<Record> = changes.collect();
    for chunk in changes.chunks(batch) {
        if !bare {
            db::events::write_batch(&mut conn, &mut ids, chunk).expect("write");
            continue;
        }
        let tx = conn.transaction().expect("tx");
        {
            let mut insert = tx
                .prepare_cached(
                    "INSERT OR IGNORE INTO events (ts, entity, state, old_state, origin) \
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                )
                .expect("prepare");
            for record in chunk {
                if let Record::Event(c) = record {
                    insert
                        .execute(rusqlite::params![
                            c.at.as_millisecond(),
                            ids[&c.entity_id],
                            c.state,
                            c.old_state,
                            c.origin.code()
                        ])
                        .expect("insert");
                }
            }
        }
        tx.commit().expect("commit");
    }
    drop(conn);
    drop(db);
    written_bytes() - before
}

fn entity_records() -> Vec<Record> {
    (0..300)
        .map(|i| {
            let (id, class, unit) = entity(i);
            Record::Entity(EntityInfo {
                entity_id: id,
                friendly_name: None,
                device_class: class.map(Into::into),
                unit: unit.map(Into::into),
            })
        })
        .collect()
}

/// Which of the 300 entities change.
#[derive(Debug, Clone, Copy)]
enum Home {
    /// Any of them, equally often: the worst case for the sequence miner,
    /// as every trigger meets every action within minutes every day.
    Switching,
    /// Mostly the 50 temperature sensors (nine changes in ten), the way a
    /// busy home's measurements outnumber what its people switch.
    Sensors,
}

/// `n` changes of the 300 entities spread evenly over `span_ms` from
/// `start` (xorshift: the same every run).
struct Changes {
    n: u64,
    k: u64,
    start: i64,
    span_ms: i64,
    state: [bool; 300],
    x: u64,
    home: Home,
}

impl Changes {
    fn new(n: u64, start: i64, span_ms: i64) -> Self {
        Changes {
            n,
            k: 0,
            start,
            span_ms,
            state: [false; 300],
            x: 0x2545_F491_4F6C_DD1D,
            home: Home::Switching,
        }
    }

    fn of(self, home: Home) -> Self {
        Changes { home, ..self }
    }
}

impl Iterator for Changes {
    type Item = Record;

    fn next(&mut self) -> Option<Record> {
        if self.k == self.n {
            return None;
        }
        let x = &mut self.x;
        *x ^= *x << 13;
        *x ^= *x >> 7;
        *x ^= *x << 17;
        let e = match self.home {
            Home::Switching => (*x % 300) as usize,
            // A sensor (every sixth entity from the sixth) or, one time in
            // ten, anything.
            Home::Sensors if (*x >> 40).is_multiple_of(10) => (*x % 300) as usize,
            Home::Sensors => (*x % 50) as usize * 6 + 5,
        };
        self.state[e] = !self.state[e];
        let ts = self.start + (self.k as i64 * self.span_ms) / self.n as i64;
        self.k += 1;
        let value = if e % 6 == 5 {
            format!("{}", 20 + *x % 5)
        } else {
            (if self.state[e] { "on" } else { "off" }).to_string()
        };
        Some(Record::Event(StateChange {
            entity_id: entity(e).0,
            at: Timestamp::from_millisecond(ts).expect("ts"),
            state: value,
            old_state: None,
            origin: if x.is_multiple_of(10) {
                Origin::User
            } else {
                Origin::Device
            },
        }))
    }
}
