//! Ingest benchmarks: `cargo bench --bench ingest` (results in BENCHMARKS.md).
//!
//! 1. Import: a generated Home Assistant history answer with 1,000,000 state
//!    changes of 300 entities over 30 days, through `habitd import`'s code.
//! 2. Eventstream import: 1,000,000 eventstream lines (the shape of
//!    `benches/month_events.py`: 60 entities toggled at random times over 29
//!    days), imported and re-imported, against a bare `executemany`-style
//!    insert of the same events into the same schema in the same run, with
//!    the CPU time of each (the import decodes on a second thread).
//! 3. Bytes written per live event through the live writer
//!    (`ingest::writer`), in bulk and at a home's rate, against the floors:
//!    a bare insert of the same events in 1,000-event transactions, and one
//!    page per commit.
//! 4. MQTT: eventstream messages published to a real Mosquitto, read by the
//!    daemon (the same `daemon::run` as `habitd run`), until all are in SQLite.
//!
//! Sizes can be changed: `HABITD_BENCH_IMPORT=100000 HABITD_BENCH_EVENTSTREAM=100000
//! HABITD_BENCH_MQTT=20000`; parts chosen with
//! `HABITD_BENCH_PARTS=history,eventstream,bytes,mqtt` (default: all).

use std::io::{BufWriter, Write};
use std::path::Path;
use std::time::{Duration, Instant};

mod common;

use common::{peak_rss_mib, start_mosquitto, written_bytes};
use habitd::commands::import;
use habitd::{config, daemon, db};
use rumqttc::{AsyncClient, MqttOptions, QoS};

fn env_size(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn config_for(dir: &Path, port: u16) -> config::Config {
    let env = [
        ("HABITD__MQTT__PORT", port.to_string()),
        ("HABITD__MQTT__CLIENT_ID", "habitd-bench".to_string()),
        (
            "HABITD__DATABASE__PATH",
            dir.join("habitd.db").display().to_string(),
        ),
        ("HABITD__ANALYSIS__TIMEZONE", "Europe/Berlin".to_string()),
        ("HABITD__ANALYSIS__SCHEDULE", "off".to_string()),
        // The last batch is partial (entity records share the queue), and
        // with the default one-minute interval its wait would dominate the time
        // until everything is stored, hiding the throughput.
        ("HABITD__INGEST__FLUSH_INTERVAL", "1s".to_string()),
        // The events are dated in May 2026, far from now: believe their
        // times, as the bench did before habitd re-timed such messages.
        ("HABITD__LIMITS__CLOCK_TOLERANCE", "36500d".to_string()),
    ];
    config::load_from(None, env.map(|(k, v)| (k.to_string(), v)))
        .expect("bench config")
        .config
}

/// Writes a minimal-response history answer: per entity, a first item with
/// its id, then alternating states every `total / entities` steps.
fn generate_history(path: &Path, changes: u64, entities: u64) -> std::io::Result<()> {
    let mut out = BufWriter::new(std::fs::File::create(path)?);
    let start: i64 = 1_780_000_000_000; // 2026-05-28
    let span_ms: i64 = 30 * 86_400_000;
    let per_entity = changes / entities;
    out.write_all(b"[")?;
    for e in 0..entities {
        if e > 0 {
            out.write_all(b",")?;
        }
        let domain =
            ["light", "switch", "binary_sensor", "media_player", "cover"][(e % 5) as usize];
        write!(
            out,
            r#"[{{"entity_id":"{domain}.bench_{e}","state":"off","attributes":{{"friendly_name":"Bench {e}"}},"last_changed":"{}"}}"#,
            jiff::Timestamp::from_millisecond(start).unwrap_or_default()
        )?;
        for i in 0..per_entity {
            // Spread over the month, a little jitter so entities interleave.
            let t =
                start + 1 + (i as i64 * span_ms) / per_entity as i64 + (e as i64 * 7919) % 60_000;
            let state = if i % 2 == 0 { "on" } else { "off" };
            write!(
                out,
                r#",{{"state":"{state}","last_changed":"{}"}}"#,
                jiff::Timestamp::from_millisecond(t).unwrap_or_default()
            )?;
        }
        out.write_all(b"]")?;
    }
    out.write_all(b"]")?;
    out.flush()
}

fn bench_import(dir: &Path) {
    let changes = env_size("HABITD_BENCH_IMPORT", 1_000_000);
    let file = dir.join("history.json");
    generate_history(&file, changes, 300).expect("generate history");
    let size_mib = std::fs::metadata(&file).map_or(0.0, |m| m.len() as f64 / 1_048_576.0);
    let config = config_for(dir, 1);
    let rss_before = peak_rss_mib();
    let written_before = written_bytes();
    let started = Instant::now();
    let report = import::import(&config, &[file], &mut |_| {}).expect("import");
    let seconds = started.elapsed().as_secs_f64();
    let db_mib =
        std::fs::metadata(dir.join("habitd.db")).map_or(0.0, |m| m.len() as f64 / 1_048_576.0);
    println!(
        "import: {} changes ({size_mib:.0} MiB JSON) in {seconds:.2} s = {:.0} events/s; \
         {} stored; peak RSS {:.1} MiB (before: {rss_before:.1}); database {db_mib:.0} MiB; \
         {:.0} MiB written",
        report.read,
        report.read as f64 / seconds,
        report.stored,
        peak_rss_mib(),
        (written_bytes() - written_before) as f64 / 1_048_576.0,
    );
    let again = Instant::now();
    let report =
        import::import(&config, &[dir.join("history.json")], &mut |_| {}).expect("re-import");
    println!(
        "re-import of the same file: {} new, {} already stored, {:.2} s",
        report.stored,
        report.duplicates,
        again.elapsed().as_secs_f64()
    );
}

async fn bench_mqtt(dir: &Path) {
    let messages = env_size("HABITD_BENCH_MQTT", 200_000);
    let (mut broker, port) = start_mosquitto(dir);
    let config = config_for(dir, port);
    let database = config.database.path.clone();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let daemon = tokio::spawn(daemon::run(config, async {
        stop_rx.await.ok();
    }));

    let mut options = MqttOptions::new("bench-publisher", "127.0.0.1", port);
    options.set_max_packet_size(1 << 20, 1 << 20);
    let (client, mut eventloop) = AsyncClient::new(options, 1000);
    tokio::spawn(async move { while eventloop.poll().await.is_ok() {} });
    // Let the daemon subscribe: its availability is the signal, but a plain
    // wait keeps this bench free of a second client; subscriptions take ms.
    tokio::time::sleep(Duration::from_secs(1)).await;

    let written_before = written_bytes();
    let started = Instant::now();
    let base: i64 = 1_780_000_000_000;
    for i in 0..messages {
        let entity = i % 300;
        let ts = jiff::Timestamp::from_millisecond(base + i as i64 * 1000).unwrap_or_default();
        let (old, new) = if i % 2 == 0 {
            ("off", "on")
        } else {
            ("on", "off")
        };
        let payload = format!(
            r#"{{"event_type":"state_changed","event_data":{{"entity_id":"light.bench_{entity}","old_state":{{"entity_id":"light.bench_{entity}","state":"{old}","attributes":{{}},"last_changed":"{ts}","last_updated":"{ts}","context":{{"id":"x","parent_id":null,"user_id":null}}}},"new_state":{{"entity_id":"light.bench_{entity}","state":"{new}","attributes":{{"friendly_name":"Bench {entity}","brightness":200}},"last_changed":"{ts}","last_updated":"{ts}","context":{{"id":"y","parent_id":null,"user_id":"u"}}}}}}}}"#
        );
        client
            .publish("ha_events", QoS::AtLeastOnce, false, payload)
            .await
            .expect("publish");
    }
    let published = started.elapsed().as_secs_f64();
    let conn = rusqlite::Connection::open(&database).expect("open database");
    let mut stored = 0u64;
    while started.elapsed() < Duration::from_secs(300) {
        stored = conn
            .query_row("SELECT count(*) FROM events", [], |r| r.get::<_, i64>(0))
            .unwrap_or(0) as u64;
        if stored >= messages {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let seconds = started.elapsed().as_secs_f64();
    let written = (written_bytes() - written_before) as f64;
    println!(
        "mqtt: {messages} eventstream messages (QoS 1) published in {published:.2} s; \
         all {stored} in SQLite after {seconds:.2} s = {:.0} messages/s end to end; \
         {:.0} bytes written per event; batch size 1000 so about {:.0} commits/s",
        stored as f64 / seconds,
        written / stored.max(1) as f64,
        stored as f64 / seconds / 1000.0
    );
    stop_tx.send(()).ok();
    daemon.await.ok();
    broker.kill().ok();
    broker.wait().ok();
}

/// xorshift64*: a fixed sequence, so every run writes the same file.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n
    }
}

/// One event of the eventstream file, as the bare insert stores it.
struct BareEvent {
    ts: i64,
    entity: usize,
    state: &'static str,
    old_state: &'static str,
}

const EVENTSTREAM_ENTITIES: usize = 60;

fn eventstream_entity(i: usize) -> String {
    match i / 20 {
        0 => format!("light.l{}", i % 20),
        1 => format!("binary_sensor.m{}", i % 20),
        _ => format!("switch.s{}", i % 20),
    }
}

/// Writes `n` eventstream lines as `benches/month_events.py` does (60
/// entities toggled at random microseconds over 29 days, in time order, a
/// person's context) and returns the events they hold.
fn generate_eventstream(path: &Path, n: u64) -> std::io::Result<Vec<BareEvent>> {
    let mut rng = Rng(7);
    let start_us: i64 = 1_777_593_600_000_000; // 2026-05-01
    let span_us = 29 * 86_400_000_000u64;
    let mut times: Vec<i64> = (0..n)
        .map(|_| start_us + rng.below(span_us) as i64)
        .collect();
    times.sort_unstable();
    let names: Vec<String> = (0..EVENTSTREAM_ENTITIES).map(eventstream_entity).collect();
    let mut on = [false; EVENTSTREAM_ENTITIES];
    let mut out = BufWriter::new(std::fs::File::create(path)?);
    let mut events = Vec::with_capacity(n as usize);
    for t in times {
        let entity = rng.below(EVENTSTREAM_ENTITIES as u64) as usize;
        let (old, new) = if on[entity] {
            ("on", "off")
        } else {
            ("off", "on")
        };
        on[entity] = !on[entity];
        let at = jiff::Timestamp::from_microsecond(t).unwrap_or_default();
        let ts = format!("{:.6}+00:00", jiff::tz::TimeZone::UTC.to_datetime(at));
        writeln!(
            out,
            r#"{{"event_type":"state_changed","event_data":{{"entity_id":"{}","old_state":{{"state":"{old}","last_changed":"{ts}"}},"new_state":{{"state":"{new}","attributes":{{}},"last_changed":"{ts}","last_updated":"{ts}","context":{{"id":"x","parent_id":null,"user_id":"u1"}}}}}}}}"#,
            names[entity]
        )?;
        events.push(BareEvent {
            ts: at.as_millisecond(),
            entity,
            state: new,
            old_state: old,
        });
    }
    out.flush()?;
    Ok(events)
}

/// The floor: the same events into the same `events` schema with one
/// prepared statement in transactions of `per_commit` (what Python's
/// `executemany` does), with nothing else. Returns the seconds and bytes
/// written, closing the database (its last checkpoint) included.
fn bare_insert(
    database: &config::DatabaseConfig,
    events: &[BareEvent],
    per_commit: usize,
    sync_each_commit: bool,
) -> (f64, u64) {
    let db = db::Db::open(database).expect("open bare database");
    let mut conn = db.get().expect("connection");
    let mut ids = Vec::new();
    for i in 0..EVENTSTREAM_ENTITIES {
        let name = eventstream_entity(i);
        let domain = name.split('.').next().unwrap_or_default().to_owned();
        conn.execute(
            "INSERT INTO entities (entity_id, domain, updated_at) VALUES (?1, ?2, 0)",
            rusqlite::params![name, domain],
        )
        .expect("entity");
        ids.push(conn.last_insert_rowid());
    }
    let written_before = written_bytes();
    let started = Instant::now();
    for chunk in events.chunks(per_commit) {
        let tx = conn.transaction().expect("begin");
        {
            let mut insert = tx
                .prepare_cached(
                    "INSERT INTO events (ts, entity, state, old_state, origin) \
                     VALUES (?1, ?2, ?3, ?4, 1)",
                )
                .expect("prepare");
            for e in chunk {
                insert
                    .execute(rusqlite::params![
                        e.ts,
                        ids[e.entity % ids.len()],
                        e.state,
                        e.old_state
                    ])
                    .expect("insert");
            }
        }
        tx.commit().expect("commit");
        if sync_each_commit {
            sync_database(&database.path);
        }
    }
    drop(conn);
    drop(db);
    (
        started.elapsed().as_secs_f64(),
        written_bytes() - written_before,
    )
}

/// Has the kernel write the database and its WAL out now. A home's commits
/// are a minute apart and the kernel writes dirty pages back within ~30 s, so
/// each commit's pages reach the card; in a bench that runs a day in
/// seconds they would still be dirty in the page cache when the next commit
/// touches them again, and `write_bytes` (counted when a clean page is
/// dirtied) would miss every rewrite.
fn sync_database(path: &Path) {
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    for file in [path.to_path_buf(), std::path::PathBuf::from(wal)] {
        if let Ok(f) = std::fs::File::open(&file) {
            f.sync_data().ok();
        }
    }
}

/// CPU time this process has used so far (user and system, all threads),
/// in seconds (Linux, 100 ticks a second).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // The fields after the command name (which may hold spaces), from the 3rd.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or("", |(_, rest)| rest)
        .split_whitespace()
        .collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok());
    match (ticks(11), ticks(12)) {
        (Some(user), Some(system)) => (user + system) / 100.0,
        _ => f64::NAN,
    }
}

fn bench_eventstream(dir: &Path) {
    let n = env_size("HABITD_BENCH_EVENTSTREAM", 1_000_000);
    let file = dir.join("events.jsonl");
    let events = generate_eventstream(&file, n).expect("generate eventstream");
    let size_mib = std::fs::metadata(&file).map_or(0.0, |m| m.len() as f64 / 1_048_576.0);
    let bare_dir = dir.join("bare");
    std::fs::create_dir_all(&bare_dir).expect("dir");
    let cpu = cpu_seconds();
    let (bare_seconds, _) = bare_insert(&config_for(&bare_dir, 1).database, &events, 1000, false);
    let bare_cpu = cpu_seconds() - cpu;
    let config = config_for(dir, 1);
    let written_before = written_bytes();
    let cpu = cpu_seconds();
    let started = Instant::now();
    let report = import::import(&config, std::slice::from_ref(&file), &mut |_| {}).expect("import");
    let seconds = started.elapsed().as_secs_f64();
    let import_cpu = cpu_seconds() - cpu;
    let written = written_bytes() - written_before;
    let cpu = cpu_seconds();
    let again = Instant::now();
    let second =
        import::import(&config, std::slice::from_ref(&file), &mut |_| {}).expect("re-import");
    let again = again.elapsed().as_secs_f64();
    let again_cpu = cpu_seconds() - cpu;
    let rate = |s: f64| n as f64 / s;
    // The import decodes on a second thread: its CPU time can exceed its
    // wall time, and is shown beside it.
    println!(
        "eventstream import: {} lines ({size_mib:.0} MiB) in {seconds:.2} s = {:.0} events/s \
         (CPU {import_cpu:.2} s), {} stored, {:.0} MiB written; bare insert of the same events \
         (1,000 per transaction): {bare_seconds:.2} s = {:.0} events/s (CPU {bare_cpu:.2} s); \
         import / bare = {:.2}× the time",
        report.read,
        rate(seconds),
        report.stored,
        written as f64 / 1_048_576.0,
        rate(bare_seconds),
        seconds / bare_seconds,
    );
    println!(
        "eventstream re-import: {} new, {} already stored in {again:.2} s = {:.0} events/s \
         (CPU {again_cpu:.2} s); re-import / first import = {:.2}",
        second.stored,
        second.duplicates,
        rate(again),
        again / seconds
    );
}

/// Live events as the daemon's ingest hands them to the writer: `n`
/// toggles of 300 lights, one a second.
fn live_events(n: u64) -> (Vec<habitd::model::StateChange>, Vec<BareEvent>) {
    let base: i64 = 1_780_000_000_000;
    let mut changes = Vec::with_capacity(n as usize);
    let mut bare = Vec::with_capacity(n as usize);
    for i in 0..n {
        let entity = (i % 300) as usize;
        let (old, new) = if (i / 300) % 2 == 0 {
            ("off", "on")
        } else {
            ("on", "off")
        };
        let at = jiff::Timestamp::from_millisecond(base + i as i64 * 1000).unwrap_or_default();
        changes.push(habitd::model::StateChange {
            entity_id: format!("light.bench_{entity}"),
            at,
            state: new.to_owned(),
            old_state: Some(old.to_owned()),
            origin: habitd::model::Origin::User,
        });
        bare.push(BareEvent {
            ts: at.as_millisecond(),
            entity,
            state: new,
            old_state: old,
        });
    }
    (changes, bare)
}

/// Runs the live writer over `changes`, one every `every` on a paused
/// clock (or all at once), with the config's batch size and flush
/// interval. Returns the bytes written, closing the database included.
fn writer_bytes(
    config: &config::Config,
    changes: Vec<habitd::model::StateChange>,
    every: Option<Duration>,
) -> u64 {
    use habitd::ingest::writer::Writer;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(every.is_some())
        .build()
        .expect("runtime");
    let db = db::Db::open(&config.database).expect("open database");
    let path = config.database.path.clone();
    let written_before = written_bytes();
    runtime.block_on(async {
        let writer = Writer::new(
            db.clone(),
            config.ingest.batch_size,
            config.ingest.flush_interval,
            config.ingest.unwritten_limit,
        );
        let (tx, rx) = Writer::channel(config.ingest.queue_size);
        let task = tokio::spawn(writer.run(rx));
        let started = tokio::time::Instant::now();
        let mut next_sync = started + config.ingest.flush_interval / 2;
        for (i, change) in changes.into_iter().enumerate() {
            if let Some(every) = every {
                tokio::time::sleep_until(started + every * (i as u32 + 1)).await;
                // Half-way between flushes, the kernel has written the last
                // one out (see `sync_database`).
                if tokio::time::Instant::now() >= next_sync {
                    sync_database(&path);
                    next_sync += config.ingest.flush_interval;
                }
            }
            tx.send(habitd::model::Record::Event(change))
                .await
                .expect("writer");
        }
        drop(tx);
        task.await.expect("writer task");
    });
    drop(db);
    written_bytes() - written_before
}

fn bench_bytes(dir: &Path) {
    let n = env_size("HABITD_BENCH_BYTES", 100_000);
    // In bulk: batches of 1,000 as fast as they come.
    let (changes, bare) = live_events(n);
    let bulk_dir = dir.join("bulk");
    let floor_dir = dir.join("bulk-floor");
    for d in [&bulk_dir, &floor_dir] {
        std::fs::create_dir_all(d).expect("dir");
    }
    let (_, floor) = bare_insert(&config_for(&floor_dir, 1).database, &bare, 1000, false);
    let habitd = writer_bytes(&config_for(&bulk_dir, 1), changes, None);
    println!(
        "bytes written per live event in bulk ({n} events, batches of 1,000): habitd {:.0} B, \
         bare insert {:.0} B; ratio {:.2}",
        habitd as f64 / n as f64,
        floor as f64 / n as f64,
        habitd as f64 / floor as f64
    );
    // At a home's rate: 2 events/s with the default flush interval (a minute),
    // on a paused clock, so a day's commits take seconds.
    let n = env_size("HABITD_BENCH_HOME", 14_400);
    let (changes, bare) = live_events(n);
    let home_dir = dir.join("home");
    let floor_dir = dir.join("home-floor");
    for d in [&home_dir, &floor_dir] {
        std::fs::create_dir_all(d).expect("dir");
    }
    let env = [
        (
            "HABITD__DATABASE__PATH",
            home_dir.join("habitd.db").display().to_string(),
        ),
        ("HABITD__ANALYSIS__TIMEZONE", "Europe/Berlin".to_string()),
    ];
    let home = config::load_from(None, env.map(|(k, v)| (k.to_string(), v)))
        .expect("bench config")
        .config;
    let per_commit = (home.ingest.flush_interval.as_secs_f64() * 2.0).round() as usize;
    let (_, floor) = bare_insert(
        &config_for(&floor_dir, 1).database,
        &bare,
        per_commit.max(1),
        true,
    );
    let habitd = writer_bytes(&home, changes, Some(Duration::from_millis(500)));
    let page = 4096.0;
    println!(
        "bytes written per live event at 2 events/s ({n} events, flush every {:?}, {per_commit} \
         events a commit): habitd {:.0} B, bare insert {:.0} B, one page per commit to the WAL \
         and its checkpoint {:.0} B; habitd / one page per commit = {:.2}",
        home.ingest.flush_interval,
        habitd as f64 / n as f64,
        floor as f64 / n as f64,
        2.0 * page / per_commit as f64,
        habitd as f64 / n as f64 / (2.0 * page / per_commit as f64),
    );
}

fn part(name: &str) -> bool {
    std::env::var("HABITD_BENCH_PARTS").map_or(true, |parts| parts.split(',').any(|p| p == name))
}

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    type Part<'a> = (&'a str, &'a dyn Fn(&Path));
    let parts: [Part<'_>; 3] = [
        ("history", &bench_import),
        ("eventstream", &bench_eventstream),
        ("bytes", &bench_bytes),
    ];
    for (name, run) in parts {
        if part(name) {
            let sub = dir.path().join(name);
            std::fs::create_dir_all(&sub).expect("dir");
            run(&sub);
        }
    }
    if part("mqtt") {
        let mqtt_dir = dir.path().join("mqtt");
        std::fs::create_dir_all(&mqtt_dir).expect("dir");
        tokio::runtime::Runtime::new()
            .expect("runtime")
            .block_on(bench_mqtt(&mqtt_dir));
    }
}
