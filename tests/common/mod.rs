//! Real parts for integration tests: a Mosquitto broker of the test's own on
//! a free port, the habitd binary as a child process, and an MQTT client that
//! records what habitd publishes.
//!
//! Nothing here sleeps to synchronise: every wait is for an event (a log
//! line, a message, a process exit) and has a generous upper bound so a
//! broken build fails instead of hanging.

#![allow(dead_code)] // each test file uses its own subset

pub mod http;
pub mod openai;

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use rumqttc::{AsyncClient, Event, MqttOptions, Packet, QoS};
use tokio::sync::mpsc;

/// Upper bound for any single wait in a test.
pub const PATIENCE: Duration = Duration::from_secs(30);

/// A Mosquitto process listening on 127.0.0.1 on a port of its own.
pub struct Broker {
    pub port: u16,
    dir: tempfile::TempDir,
    child: Child,
}

impl Broker {
    pub fn start() -> Broker {
        Broker::start_with("")
    }

    /// A broker with `conf` added to its configuration (`{dir}` in it is
    /// replaced by the broker's own folder, for password and ACL files).
    pub fn start_with(conf: &str) -> Broker {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let conf = conf.replace("{dir}", &dir.path().display().to_string());
        std::fs::write(dir.path().join("extra.conf"), conf).unwrap();
        let child = spawn_mosquitto(dir.path(), port);
        Broker { port, dir, child }
    }

    /// Kills the broker (as a crash would) and starts a new one on the same
    /// port. It keeps no state: retained messages and sessions are gone.
    pub fn restart(&mut self) {
        self.stop();
        self.child = spawn_mosquitto(self.dir.path(), self.port);
    }

    pub fn stop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        self.stop();
    }
}

fn free_port() -> u16 {
    // Bind port 0, read the port the kernel chose, release it for mosquitto.
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn spawn_mosquitto(dir: &Path, port: u16) -> Child {
    let conf = dir.join("mosquitto.conf");
    std::fs::write(
        &conf,
        format!(
            "listener {port} 127.0.0.1\npersistence false\n\
             log_dest stderr\nlog_type error\nlog_type warning\nlog_type notice\nlog_type information\n\
             {}",
            std::fs::read_to_string(dir.join("extra.conf"))
                .ok()
                .filter(|extra| !extra.is_empty())
                .unwrap_or_else(|| "allow_anonymous true\n".into())
        ),
    )
    .unwrap();
    let mut child = Command::new(mosquitto_binary())
        .arg("-c")
        .arg(&conf)
        .stdout(Stdio::null())
        // stderr is unbuffered, so the "running" line arrives at once.
        .stderr(Stdio::piped())
        .spawn()
        .expect("mosquitto must be installed (apt-get install mosquitto)");
    // Wait for "mosquitto version X running", then keep draining its log
    // so the broker never blocks on a full pipe.
    if !says(child.stderr.take().unwrap(), " running") {
        child.kill().ok();
        child.wait().ok();
        panic!("mosquitto did not start on port {port}");
    }
    child
}

fn mosquitto_binary() -> PathBuf {
    for candidate in ["/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto"] {
        if Path::new(candidate).exists() {
            return candidate.into();
        }
    }
    "mosquitto".into()
}

/// One message as a client saw it.
#[derive(Debug, Clone)]
pub struct Message {
    pub topic: String,
    pub payload: Vec<u8>,
    pub retain: bool,
}

impl Message {
    pub fn text(&self) -> &str {
        std::str::from_utf8(&self.payload).unwrap_or("<binary>")
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.payload)
            .unwrap_or_else(|e| panic!("{} is not JSON ({e}): {}", self.topic, self.text()))
    }
}

/// A plain MQTT client subscribed to a filter, recording every message.
pub struct Watcher {
    pub client: AsyncClient,
    messages: mpsc::UnboundedReceiver<Message>,
}

impl Watcher {
    /// Connects, subscribes to `filter`, and returns once the broker has
    /// acknowledged the subscription.
    pub async fn connect(port: u16, filter: &str) -> Watcher {
        Watcher::connect_as(port, filter, None).await
    }

    /// Connects with a user name and password.
    pub async fn connect_as(port: u16, filter: &str, login: Option<(&str, &str)>) -> Watcher {
        let id = format!("test-watcher-{}", rand_suffix());
        let mut options = MqttOptions::new(id, "127.0.0.1", port);
        if let Some((user, password)) = login {
            options.set_credentials(user, password);
        }
        options.set_keep_alive(Duration::from_secs(30));
        options.set_max_packet_size(32 * 1024 * 1024, 32 * 1024 * 1024);
        let (client, mut eventloop) = AsyncClient::new(options, 64);
        client.subscribe(filter, QoS::AtLeastOnce).await.unwrap();
        let (tx, messages) = mpsc::unbounded_channel();
        let (subscribed_tx, subscribed_rx) = tokio::sync::oneshot::channel();
        tokio::spawn(async move {
            let mut subscribed = Some(subscribed_tx);
            while let Ok(event) = eventloop.poll().await {
                match event {
                    Event::Incoming(Packet::SubAck(_)) => {
                        if let Some(s) = subscribed.take() {
                            s.send(()).ok();
                        }
                    }
                    Event::Incoming(Packet::Publish(p)) => {
                        let message = Message {
                            topic: p.topic.clone(),
                            payload: p.payload.to_vec(),
                            retain: p.retain,
                        };
                        if tx.send(message).is_err() {
                            return;
                        }
                    }
                    _ => {}
                }
            }
        });
        tokio::time::timeout(PATIENCE, subscribed_rx)
            .await
            .expect("test client could not subscribe")
            .unwrap();
        Watcher { client, messages }
    }

    /// The next message on `topic` that satisfies `accept`.
    pub async fn wait_for(&mut self, topic: &str, accept: impl Fn(&Message) -> bool) -> Message {
        let found = tokio::time::timeout(PATIENCE, async {
            while let Some(m) = self.messages.recv().await {
                if m.topic == topic && accept(&m) {
                    return Some(m);
                }
            }
            None
        })
        .await;
        match found {
            Ok(Some(m)) => m,
            Ok(None) => panic!("test client disconnected while waiting on {topic}"),
            Err(_) => panic!("nothing acceptable on {topic} within {PATIENCE:?}"),
        }
    }

    /// The next message on any topic.
    pub async fn next_message(&mut self) -> Message {
        match tokio::time::timeout(PATIENCE, self.messages.recv()).await {
            Ok(Some(m)) => m,
            Ok(None) => panic!("test client disconnected"),
            Err(_) => panic!("no message within {PATIENCE:?}"),
        }
    }

    /// Waits for `payload` on `topic`.
    pub async fn wait_for_text(&mut self, topic: &str, payload: &str) -> Message {
        self.wait_for(topic, |m| m.payload == payload.as_bytes())
            .await
    }

    /// Collects job status messages until one is in a final state.
    pub async fn job_statuses_until_final(&mut self) -> Vec<serde_json::Value> {
        let mut seen = Vec::new();
        loop {
            let m = self.wait_for("habitd/job/status", |_| true).await;
            let status = m.json();
            let done = matches!(
                status["state"].as_str(),
                Some("succeeded" | "degraded" | "failed")
            );
            seen.push(status);
            if done {
                return seen;
            }
        }
    }

    pub async fn publish(&self, topic: &str, payload: impl Into<Vec<u8>>, retain: bool) {
        self.client
            .publish(topic, QoS::AtLeastOnce, retain, payload)
            .await
            .unwrap();
    }
}

fn rand_suffix() -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    format!(
        "{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// The habitd binary under test, with its own database and log file.
pub struct Daemon {
    pub child: tokio::process::Child,
    pub dir: tempfile::TempDir,
}

impl Daemon {
    pub fn database(&self) -> PathBuf {
        self.dir.path().join("habitd.db")
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("habitd.log")).unwrap_or_default()
    }

    /// Sends SIGTERM, as systemd does.
    pub fn terminate(&self) {
        sigterm(self.child.id().expect("habitd has already exited"));
    }

    /// Waits for the process to exit and returns its exit code.
    pub async fn exit_code(&mut self) -> Option<i32> {
        match tokio::time::timeout(PATIENCE, self.child.wait()).await {
            Ok(status) => status.unwrap().code(),
            Err(_) => panic!("habitd did not exit:\n{}", self.log()),
        }
    }
}

/// Whether a child process's `pipe` says `needle` on a line within
/// [`PATIENCE`]; the pipe is drained to its end either way, so the child
/// never blocks on a full one.
pub fn says(pipe: impl std::io::Read + Send + 'static, needle: &'static str) -> bool {
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut ready = Some(ready_tx);
        for line in BufReader::new(pipe).lines().map_while(Result::ok) {
            if line.contains(needle)
                && let Some(tx) = ready.take()
            {
                tx.send(()).ok();
            }
        }
    });
    ready_rx.recv_timeout(PATIENCE).is_ok()
}

/// Sends SIGTERM to `pid`, as systemd or the Supervisor does.
pub fn sigterm(pid: u32) {
    let status = Command::new("kill")
        .arg("-TERM")
        .arg(pid.to_string())
        .status()
        .unwrap();
    assert!(status.success());
}

/// The environment every test daemon gets: its own broker port, database
/// and client id, UTC, no daily schedule.
pub fn base_env(port: u16, dir: &Path) -> Vec<(String, String)> {
    [
        ("HABITD__MQTT__HOST", "127.0.0.1".to_string()),
        ("HABITD__MQTT__PORT", port.to_string()),
        (
            "HABITD__MQTT__CLIENT_ID",
            format!("habitd-test-{}", rand_suffix()),
        ),
        ("HABITD__MQTT__RECONNECT_MAX_DELAY", "1s".to_string()),
        (
            "HABITD__DATABASE__PATH",
            dir.join("habitd.db").display().to_string(),
        ),
        ("HABITD__ANALYSIS__TIMEZONE", "UTC".to_string()),
        ("HABITD__ANALYSIS__SCHEDULE", "off".to_string()),
        ("HABITD__LOG__LEVEL", "debug".to_string()),
        // The review page on a free port: daemons of parallel tests must
        // not compete for the default one.
        ("HABITD__WEB__LISTEN", "127.0.0.1:0".to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

/// A `habitd` command with a clean environment (no HABITD__ or RUST_LOG from
/// the developer's shell) plus `env`.
pub fn habitd(env: &[(String, String)]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_habitd"));
    command.env_clear();
    if let Ok(path) = std::env::var("PATH") {
        command.env("PATH", path);
    }
    command.envs(env.iter().map(|(k, v)| (k, v)));
    command
}

/// Runs `habitd ARGS` to its end: whether it succeeded, stdout, stderr.
pub fn run(env: &[(String, String)], args: &[&str]) -> (bool, String, String) {
    let out = habitd(env).args(args).output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Runs `habitd ARGS`, failing the test (with its stderr) unless it
/// succeeds; returns stdout.
pub fn run_ok(env: &[(String, String)], args: &[&str]) -> String {
    let (ok, stdout, stderr) = run(env, args);
    assert!(ok, "habitd {args:?} failed:\n{stderr}");
    stdout
}

/// Starts `habitd run` against `broker`, logging to a file in its directory.
pub fn start_daemon(port: u16) -> Daemon {
    let dir = tempfile::tempdir().unwrap();
    start_daemon_in(port, dir)
}

pub fn start_daemon_in(port: u16, dir: tempfile::TempDir) -> Daemon {
    start_daemon_with(port, dir, &[])
}

/// The daemon with `extra` environment variables over the test defaults.
pub fn start_daemon_with(port: u16, dir: tempfile::TempDir, extra: &[(&str, &str)]) -> Daemon {
    let log = std::fs::File::create(dir.path().join("habitd.log")).unwrap();
    let mut env = base_env(port, dir.path());
    env.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let mut command = habitd(&env);
    command.arg("run").stdout(Stdio::null()).stderr(log);
    let child = tokio::process::Command::from(command)
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    Daemon { child, dir }
}

/// Four weeks of a kitchen light switched on by hand at 06:45 and a kitchen
/// radio at 07:15 on weekdays, each switched off again at no particular
/// time (so each is one routine of its own), ending now, as eventstream
/// lines.
pub fn kitchen_history(dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("events.jsonl");
    use std::io::Write;
    let mut out = std::fs::File::create(&path).unwrap();
    let today = jiff::Timestamp::now()
        .to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .date();
    let at = |day: jiff::civil::Date, minutes: i64| {
        day.at((minutes / 60) as i8, (minutes % 60) as i8, 0, 0)
            .to_zoned_datetime(jiff::tz::TimeZone::UTC)
            .unwrap()
            .timestamp()
    };
    for back in 1..=28i64 {
        let day = today.checked_sub(jiff::Span::new().days(back)).unwrap();
        if matches!(
            day.weekday(),
            jiff::civil::Weekday::Saturday | jiff::civil::Weekday::Sunday
        ) {
            continue;
        }
        let minute = 45 + (back % 5) - 2;
        let entities = [
            ("light.kitchen", "Kitchen light", 6 * 60 + minute),
            (
                "switch.kitchen_radio",
                "Kitchen radio",
                7 * 60 + minute - 30,
            ),
        ];
        for (k, (entity, name, on)) in entities.into_iter().enumerate() {
            // Off anywhere from 08:00 to noon: no routine.
            let off = 8 * 60 + (back * 37 + k as i64 * 101) % 240;
            for (state, old, ts) in [("on", "off", at(day, on)), ("off", "on", at(day, off))] {
                writeln!(
                    out,
                    r#"{{"event_type":"state_changed","event_data":{{"entity_id":"{entity}","old_state":{{"state":"{old}","last_changed":"{ts}"}},"new_state":{{"state":"{state}","attributes":{{"friendly_name":"{name}"}},"last_changed":"{ts}","last_updated":"{ts}","context":{{"id":"x","parent_id":null,"user_id":"u1"}}}}}}}}"#
                )
                .unwrap();
            }
        }
    }
    path
}
