//! The security review's attacks, replayed against the real binary on a real
//! Mosquitto: `cargo bench --bench attack` (results in BENCHMARKS.md).
//!
//! Between 1,000 good events it publishes: 500 bad payloads on many topics,
//! 20 Zigbee2MQTT states and 20 statestream states of 5 MB, a 4 MB
//! `bridge/devices` of zeros, 10 MB on `habitd/select/set`, a 40 MB retained
//! message, back-dated unlocks of the front door with a deploy command, and
//! a burst of 60 entities switched at random at 200 events/s. It prints the
//! daemon's peak memory, the size of its log, how many good events were
//! stored, how many suggestions are pending and how many were deployed.
//!
//! Sizes can be changed: `HABITD_BENCH_BURST_SECONDS=600` (default 60).

mod common;

use std::process::{Command, Stdio};
use std::time::Duration;

use common::start_mosquitto;

use rumqttc::{AsyncClient, Event, MqttOptions, Packet, QoS};

fn status_kib(pid: u32, key: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn event(entity_id: &str, old: &str, new: &str, at: jiff::Timestamp) -> String {
    format!(
        r#"{{"event_type":"state_changed","event_data":{{"entity_id":"{entity_id}","old_state":{{"entity_id":"{entity_id}","state":"{old}","last_changed":"{at}"}},"new_state":{{"entity_id":"{entity_id}","state":"{new}","last_changed":"{at}","attributes":{{"friendly_name":"{entity_id}"}},"context":{{"id":"c","parent_id":null,"user_id":"u"}}}}}}}}"#
    )
}

struct Publisher {
    client: AsyncClient,
}

impl Publisher {
    async fn send(&self, topic: &str, payload: impl Into<Vec<u8>>, retain: bool) {
        self.client
            .publish(topic, QoS::AtLeastOnce, retain, payload)
            .await
            .expect("publish");
    }
}

#[tokio::main]
async fn main() {
    let burst_seconds: u64 = std::env::var("HABITD_BENCH_BURST_SECONDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(60);
    let dir = tempfile::tempdir().expect("temp dir");
    let (mut broker, port) = start_mosquitto(dir.path());

    let mut options = MqttOptions::new("attacker", "127.0.0.1", port);
    options.set_max_packet_size(64 << 20, 64 << 20);
    let (client, mut eventloop) = AsyncClient::new(options, 1000);
    client
        .subscribe("habitd/availability", QoS::AtLeastOnce)
        .await
        .expect("subscribe");
    let (online_tx, online_rx) = tokio::sync::oneshot::channel();
    tokio::spawn(async move {
        let mut online = Some(online_tx);
        while let Ok(event) = eventloop.poll().await {
            if let Event::Incoming(Packet::Publish(p)) = event
                && &p.payload[..] == b"online"
                && let Some(tx) = online.take()
            {
                tx.send(()).ok();
            }
        }
    });
    let attacker = Publisher { client };
    // One retained message far over every limit, there before habitd is.
    attacker
        .send("zigbee2mqtt/giant", vec![b'{'; 40 << 20], true)
        .await;

    let log_path = dir.path().join("habitd.log");
    let log = std::fs::File::create(&log_path).expect("log");
    let mut daemon = Command::new(env!("CARGO_BIN_EXE_habitd"))
        .arg("run")
        .env("HABITD__MQTT__PORT", port.to_string())
        .env("HABITD__DATABASE__PATH", dir.path().join("habitd.db"))
        .env("HABITD__ANALYSIS__TIMEZONE", "Europe/Berlin")
        .env("HABITD__ANALYSIS__SCHEDULE", "off")
        .env("HABITD__INGEST__FLUSH_INTERVAL", "1s")
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("habitd");
    tokio::time::timeout(Duration::from_secs(30), online_rx)
        .await
        .expect("habitd came online")
        .ok();
    let pid = daemon.id();
    let idle_rss = status_kib(pid, "VmRSS:");

    let mut good = 0u64;
    let good_event = |i: u64| {
        let at = jiff::Timestamp::now();
        let (old, new) = if i.is_multiple_of(2) {
            ("off", "on")
        } else {
            ("on", "off")
        };
        // One entity each: two changes of one entity to one state in the
        // same millisecond are one event (the events' key).
        event(&format!("light.good_{i}"), old, new, at)
    };
    for round in 0..500u64 {
        let bad: Vec<u8> = match round % 5 {
            0 => vec![0xff, 0xfe, 0x00],
            1 => b"{\"event_type\":\"state_changed\",\"event_data\":7}".to_vec(),
            2 => b"[1,2,3".to_vec(),
            3 => format!("{{\"state\":\"{}\"}}", "x".repeat(50_000)).into_bytes(),
            _ => b"null".to_vec(),
        };
        let topic = match round % 4 {
            0 => "ha_events".to_owned(),
            1 => format!("zigbee2mqtt/device_{round}"),
            2 => format!("ha_stream/light/x{round}/state"),
            _ => "habitd/command/analyze".to_owned(),
        };
        attacker.send(&topic, bad, false).await;
        attacker.send("ha_events", good_event(good), false).await;
        good += 1;
    }
    let five_mb = format!("{{\"state\":\"{}\"}}", "x".repeat(5 << 20));
    for i in 0..20 {
        attacker
            .send(&format!("zigbee2mqtt/big_{i}"), five_mb.clone(), false)
            .await;
        attacker
            .send(
                &format!("ha_stream/sensor/big_{i}/state"),
                "x".repeat(5 << 20),
                false,
            )
            .await;
        attacker.send("ha_events", good_event(good), false).await;
        good += 1;
    }
    let zeros = format!("[{}0]", "0,".repeat(2 << 20));
    attacker
        .send("zigbee2mqtt/bridge/devices", zeros, false)
        .await;
    attacker
        .send("habitd/select/set", "x".repeat(10 << 20), false)
        .await;
    // Back-dated unlocks, then a deploy of the routine they would make.
    let now = jiff::Timestamp::now();
    for day in 1..=21i64 {
        let at = now
            .checked_sub(jiff::SignedDuration::from_hours(24 * day))
            .expect("time");
        attacker
            .send(
                "ha_events",
                event("lock.front_door", "locked", "unlocked", at),
                false,
            )
            .await;
        attacker
            .send(
                "ha_events",
                event("lock.front_door", "unlocked", "locked", at),
                false,
            )
            .await;
    }
    // A burst: 60 entities switched at random, 200 events a second.
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    for tick in 0..burst_seconds * 20 {
        for _ in 0..10 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let entity = seed % 60;
            let (domain, old, new) = match (entity % 2, seed >> 32 & 1) {
                (0, 0) => ("light", "off", "on"),
                (0, _) => ("light", "on", "off"),
                (_, 0) => ("binary_sensor", "off", "on"),
                _ => ("binary_sensor", "on", "off"),
            };
            attacker
                .send(
                    "ha_events",
                    event(
                        &format!("{domain}.soak_{entity}"),
                        old,
                        new,
                        jiff::Timestamp::now(),
                    ),
                    false,
                )
                .await;
        }
        if tick.is_multiple_of(600) {
            attacker.send("habitd/command/analyze", "", false).await;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    for _ in 0..480 {
        attacker.send("ha_events", good_event(good), false).await;
        good += 1;
    }
    attacker.send("habitd/command/analyze", "", false).await;
    attacker
        .send(
            "habitd/suggestions/habitd_routine_lock_front_door_unlocked_all/set",
            "deploy",
            false,
        )
        .await;
    // Let the last analysis and the writer finish.
    tokio::time::sleep(Duration::from_secs(20)).await;
    let peak_rss = status_kib(pid, "VmHWM:");
    let rss = status_kib(pid, "VmRSS:");
    Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .ok();
    let exit = daemon.wait().expect("habitd exited");

    let db = rusqlite::Connection::open(dir.path().join("habitd.db")).expect("database");
    let count = |sql: &str| -> i64 { db.query_row(sql, [], |r| r.get(0)).unwrap_or(-1) };
    let stored_good = count(
        "SELECT count(*) FROM events JOIN entities e ON e.id = entity \
         WHERE e.entity_id LIKE 'light.good_%'",
    );
    let log_bytes = std::fs::metadata(&log_path).map(|m| m.len()).unwrap_or(0);
    println!(
        "attack: habitd exit {:?}; memory idle {:.1} MiB, after the attacks {:.1} MiB, peak {:.1} MiB; \
         log {:.1} KiB; good events {stored_good} of {good} stored; pending suggestions {}; \
         suggestions that unlock {}; deployed {}; burst {burst_seconds} s",
        exit.code(),
        idle_rss as f64 / 1024.0,
        rss as f64 / 1024.0,
        peak_rss as f64 / 1024.0,
        log_bytes as f64 / 1024.0,
        count("SELECT count(*) FROM suggestions WHERE status IN ('new', 'approved')"),
        count("SELECT count(*) FROM suggestions WHERE automation LIKE '%unlock%'"),
        count("SELECT count(*) FROM suggestions WHERE status = 'deployed'"),
    );
    broker.kill().ok();
    broker.wait().ok();
}
