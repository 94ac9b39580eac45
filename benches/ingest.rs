//! Ingest benchmarks: `cargo bench --bench ingest` (results in BENCHMARKS.md).
//!
//! 1. Import: a generated Home Assistant history answer with 1,000,000 state
//!    changes of 300 entities over 30 days, through `habitd import`'s code.
//! 2. MQTT: eventstream messages published to a real Mosquitto, read by the
//!    daemon (the same `daemon::run` as `habitd run`), until all are in SQLite.
//!
//! Sizes can be changed: `HABITD_BENCH_IMPORT=100000 HABITD_BENCH_MQTT=20000`.

use std::io::{BufWriter, Write};
use std::path::Path;
use std::time::{Duration, Instant};

mod common;

use common::start_mosquitto;
use habitd::commands::import;
use habitd::{config, daemon};
use rumqttc::{AsyncClient, MqttOptions, QoS};

fn env_size(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Peak resident memory of this process so far, in MiB (Linux).
fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// Bytes this process has caused to be written to storage (Linux).
fn written_bytes() -> u64 {
    let io = std::fs::read_to_string("/proc/self/io").unwrap_or_default();
    io.lines()
        .find_map(|l| l.strip_prefix("write_bytes:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0)
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
        // with the default 15 s interval its wait would dominate the time
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

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let import_dir = dir.path().join("import");
    let mqtt_dir = dir.path().join("mqtt");
    std::fs::create_dir_all(&import_dir).expect("dir");
    std::fs::create_dir_all(&mqtt_dir).expect("dir");
    bench_import(&import_dir);
    bench_mqtt(&mqtt_dir).await;
}
