//! Analysis benchmark: `cargo bench --bench analysis` (results in BENCHMARKS.md).
//!
//! For 10,000, 100,000 and 1,000,000 events of 300 entities over 30 days
//! (stored through the real write path first, not timed), it times each
//! phase the daily job runs on them: reading the window from SQLite, routines,
//! sequences and synergies, and reports peak memory.

use std::time::{Duration, Instant};

use habitd::analysis::{routines, sequences, synergies};
use habitd::config::{self, DatabaseConfig};
use habitd::db::{self, Db};
use habitd::model::Record;
use habitd::model::{EntityInfo, Origin, StateChange};
use jiff::Timestamp;
use jiff::tz::TimeZone;

fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

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
    let end = Timestamp::now();
    let span_ms: i64 = 30 * 86_400_000;
    let start = end.as_millisecond() - span_ms;
    println!(
        "{:>9} | {:>8} | {:>8} | {:>9} | {:>9} | {:>8} | {:>8}",
        "events", "fetch", "routines", "sequences", "synergies", "total", "peak RSS"
    );
    for n in [10_000u64, 100_000, 1_000_000] {
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
        let mut records: Vec<Record> = (0..300)
            .map(|i| {
                let (id, class, unit) = entity(i);
                Record::Entity(EntityInfo {
                    entity_id: id,
                    friendly_name: None,
                    device_class: class.map(Into::into),
                    unit: unit.map(Into::into),
                })
            })
            .collect();
        let mut state = [false; 300];
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        for k in 0..n {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let e = (x % 300) as usize;
            state[e] = !state[e];
            let ts = start + (k as i64 * span_ms) / n as i64;
            let value = if e % 6 == 5 {
                format!("{}", 20 + x % 5)
            } else {
                (if state[e] { "on" } else { "off" }).to_string()
            };
            records.push(Record::Event(StateChange {
                entity_id: entity(e).0,
                at: Timestamp::from_millisecond(ts).expect("ts"),
                state: value,
                old_state: None,
                origin: if x.is_multiple_of(10) {
                    Origin::User
                } else {
                    Origin::Device
                },
            }));
            if records.len() == 10_000 {
                db::events::write_batch(&mut conn, &mut ids, &records, &tz).expect("write");
                records.clear();
            }
        }
        db::events::write_batch(&mut conn, &mut ids, &records, &tz).expect("write");
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
        let window = habitd::pipeline::read_window(&conn, since, end, &tz).expect("read");
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
            window.events.len(),
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
    }
}
