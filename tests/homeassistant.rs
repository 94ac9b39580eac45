//! habitd against a local HTTP server that answers like Home Assistant's REST
//! API: entities, areas and automations in the analysis, and `habitd backfill`.

mod common;

use std::sync::{Arc, Mutex};

use common::{base_env, habitd};
use rusqlite::Connection;

const TOKEN: &str = "test-token";

/// Home Assistant's endpoints on a local server. It refuses any request
/// without the bearer token, and keeps automations written through the
/// config API, by id.
struct FakeHomeAssistant {
    server: common::http::Server,
    url: String,
    automations: Arc<Stored>,
}

fn history_fixture() -> Vec<u8> {
    std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/history_period.json"),
    )
    .unwrap()
}

impl FakeHomeAssistant {
    fn start() -> FakeHomeAssistant {
        FakeHomeAssistant::reporting("2024.3.3")
    }

    /// One whose `/api/config` reports `version`.
    fn reporting(version: &'static str) -> FakeHomeAssistant {
        let automations: Arc<Stored> = Arc::default();
        let stored = automations.clone();
        let server = common::http::Server::start(move |request| {
            if request.bearer.as_deref() != Some(TOKEN) {
                return ("401 Unauthorized", b"401: Unauthorized".to_vec());
            }
            if request.path() == "/api/config" {
                let body = format!(r#"{{"version": "{version}", "location_name": "Home"}}"#);
                return ("200 OK", body.into_bytes());
            }
            answer(&request.line, &request.body, &stored)
        });
        let url = server.url.clone();
        FakeHomeAssistant {
            server,
            url,
            automations,
        }
    }

    fn requests(&self) -> Vec<String> {
        self.server.requests()
    }
}

type Stored = Mutex<std::collections::HashMap<String, serde_json::Value>>;

fn answer(request_line: &str, body: &[u8], automations: &Stored) -> (&'static str, Vec<u8>) {
    let method = request_line.split(' ').next().unwrap_or("");
    let path = request_line.split(' ').nth(1).unwrap_or("");
    if path == "/api/config" {
        // A Home Assistant that accepts only the older automation keys.
        return (
            "200 OK",
            br#"{"version": "2024.3.3", "location_name": "Home"}"#.to_vec(),
        );
    }
    if let Some(id) = path
        .strip_prefix("/api/config/automation/config/")
        .filter(|id| id.starts_with("habitd_"))
    {
        return match method {
            "POST" => {
                let config: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
                // As Home Assistant 2024.3 answers (tests/data/automation_config_api_responses.json).
                if config.get("triggers").is_some() {
                    return ("400 Bad Request", br#"{"message": "Message malformed: extra keys not allowed @ data['triggers']"}"#.to_vec());
                }
                assert_eq!(config["id"], id, "the body's id must match the path");
                assert!(
                    config["trigger"].is_array() && config["action"].is_array(),
                    "{config:#}"
                );
                automations.lock().unwrap().insert(id.to_owned(), config);
                ("200 OK", br#"{"result": "ok"}"#.to_vec())
            }
            "GET" => match automations.lock().unwrap().get(id) {
                Some(config) => ("200 OK", serde_json::to_vec(config).unwrap()),
                None => (
                    "404 Not Found",
                    br#"{"message": "Resource not found"}"#.to_vec(),
                ),
            },
            "DELETE" => match automations.lock().unwrap().remove(id) {
                Some(_) => ("200 OK", br#"{"result": "ok"}"#.to_vec()),
                None => (
                    "404 Not Found",
                    br#"{"message": "Resource not found"}"#.to_vec(),
                ),
            },
            _ => ("405 Method Not Allowed", Vec::new()),
        };
    }
    if path == "/api/states" {
        let states = serde_json::json!([
            {"entity_id": "light.kitchen", "state": "on", "attributes": {"friendly_name": "Kitchen light"}},
            {"entity_id": "binary_sensor.hallway_motion", "state": "off",
             "attributes": {"friendly_name": "Hallway motion", "device_class": "motion"}},
            {"entity_id": "automation.morning", "state": "on",
             "attributes": {"friendly_name": "Morning", "id": "1700000000001"}},
            {"entity_id": "sensor.test_daemon_job_status", "state": "idle", "attributes": {}}
        ]);
        return ("200 OK", serde_json::to_vec(&states).unwrap());
    }
    if path == "/api/template" {
        let request: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
        assert!(
            request["template"]
                .as_str()
                .unwrap_or("")
                .contains("area_name")
        );
        return (
            "200 OK",
            br#"{"light.kitchen": "Kitchen", "binary_sensor.hallway_motion": "Hallway"}"#.to_vec(),
        );
    }
    if path == "/api/config/automation/config/1700000000001" {
        let config = serde_json::json!({"id": "1700000000001", "alias": "Morning",
            "triggers": [{"trigger": "time", "at": "07:00:00"}],
            "actions": [{"action": "light.turn_on", "target": {"entity_id": "light.hallway"}}]});
        return ("200 OK", serde_json::to_vec(&config).unwrap());
    }
    if path.starts_with("/api/history/period/") {
        return ("200 OK", history_fixture());
    }
    if path.starts_with("/api/logbook/") {
        // Who caused two of the history's changes, as Home Assistant's
        // logbook says it.
        let entries = serde_json::json!([
            {"when": "2026-11-28T22:46:50.715835+00:00", "name": "Job running", "state": "on",
             "entity_id": "input_boolean.job_running", "context_event_type": "automation_triggered",
             "context_domain": "automation", "context_entity_id": "automation.start_job",
             "context_name": "Start job"},
            {"when": "2026-11-28T22:46:51.592965+00:00", "name": "Job running", "state": "off",
             "entity_id": "input_boolean.job_running", "context_user_id": "0c5a1e"}
        ]);
        return ("200 OK", serde_json::to_vec(&entries).unwrap());
    }
    ("404 Not Found", b"{\"message\": \"not found\"}".to_vec())
}

fn env_for(ha: &FakeHomeAssistant, dir: &std::path::Path, token: &str) -> Vec<(String, String)> {
    let mut env = base_env(1, dir);
    env.push(("HABITD__HOMEASSISTANT__URL".into(), format!("{}/", ha.url)));
    env.push(("HABITD__HOMEASSISTANT__TOKEN".into(), token.into()));
    env
}

#[test]
fn backfill_fetches_history_a_day_at_a_time_and_imports_it_once() {
    let ha = FakeHomeAssistant::start();
    let dir = tempfile::tempdir().unwrap();
    let stdout = common::run_ok(
        &env_for(&ha, dir.path(), TOKEN),
        &["backfill", "--days", "2"],
    );
    // The same answer for both days: stored once, then recognised.
    assert!(
        stdout.contains("20 state changes read, 10 new, 10 already stored"),
        "{stdout}"
    );

    let history: Vec<String> = ha
        .requests()
        .into_iter()
        .filter(|r| r.contains("/api/history/period/"))
        .collect();
    assert_eq!(history.len(), 2, "{history:?}");
    for request in &history {
        assert!(
            request.contains("filter_entity_id=light.kitchen%2Cbinary_sensor.hallway_motion"),
            "{request}"
        );
        assert!(request.contains("significant_changes_only=0"), "{request}");
        assert!(request.contains("minimal_response"), "{request}");
        assert!(request.contains("end_time="), "{request}");
    }
    let db = Connection::open(dir.path().join("habitd.db")).unwrap();
    let n: i64 = db
        .query_row("SELECT count(*) FROM events", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 10);
    // The logbook of the same days says who caused what: the history
    // (minimal, without context) could not.
    let logbook = ha
        .requests()
        .into_iter()
        .filter(|r| r.contains("/api/logbook/") && r.contains("end_time="))
        .count();
    assert_eq!(logbook, 2);
    let origins: Vec<(String, i64)> = db
        .prepare(
            "SELECT v.state, v.origin FROM events v JOIN entities e ON e.id = v.entity \
             WHERE e.entity_id = 'input_boolean.job_running' ORDER BY v.ts",
        )
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    // Device 0, user 1, automation 2 (`model::Origin::code`); the
    // history's first entry is the state at the start, not a change.
    let codes: Vec<i64> = origins.iter().map(|o| o.1).collect();
    assert_eq!(codes, [2, 1, 0], "{origins:?}");
}

#[test]
fn the_analysis_reads_entities_areas_and_existing_automations() {
    let ha = FakeHomeAssistant::start();
    let dir = tempfile::tempdir().unwrap();
    let out = habitd(&env_for(&ha, dir.path(), TOKEN))
        .args(["analyze", "--json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let status: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(status["state"], "succeeded", "{status:#}");
    assert_eq!(status["counts"]["entities"], 4);
    assert_eq!(status["counts"]["areas"], 2);
    assert_eq!(status["counts"]["automations"], 1);

    let db = Connection::open(dir.path().join("habitd.db")).unwrap();
    let (name, area): (String, String) = db
        .query_row(
            "SELECT friendly_name, area FROM entities WHERE entity_id = 'light.kitchen'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((name.as_str(), area.as_str()), ("Kitchen light", "Kitchen"));
    let config: String = db
        .query_row(
            "SELECT config FROM automations WHERE entity_id = 'automation.morning'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(config.contains("light.turn_on"), "{config}");
}

#[test]
fn a_refused_token_degrades_the_analysis_and_says_why() {
    let ha = FakeHomeAssistant::start();
    let dir = tempfile::tempdir().unwrap();
    let out = habitd(&env_for(&ha, dir.path(), "wrong"))
        .args(["analyze", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "a degraded job is not a failure");
    let status: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(status["state"], "degraded", "{status:#}");
    let error = status["error"].as_str().unwrap();
    assert!(
        error.contains("401") && error.contains("homeassistant.token"),
        "{error}"
    );
    assert!(
        !error.contains("wrong"),
        "the token must not be shown: {error}"
    );
}

/// Success and everything habitd printed, for messages on either stream.
fn habitd_out(env: &[(String, String)], args: &[&str]) -> (bool, String) {
    let (ok, stdout, stderr) = common::run(env, args);
    (ok, stdout + &stderr)
}

const ON: &str = "habitd_routine_light_kitchen_on_weekdays";

fn show(env: &[(String, String)], id: &str) -> serde_json::Value {
    serde_json::from_str(&common::run_ok(env, &["suggestions", "show", id, "--json"])).unwrap()
}

#[test]
fn deploy_writes_the_automation_in_the_syntax_home_assistant_accepts() {
    let ha = FakeHomeAssistant::start();
    let dir = tempfile::tempdir().unwrap();
    let mut env = env_for(&ha, dir.path(), TOKEN);
    env.push((
        "HABITD__HOMEASSISTANT__DEPLOY_DISABLED".into(),
        "true".into(),
    ));
    let file = common::kitchen_history(dir.path());
    assert!(habitd_out(&env, &["import", file.to_str().unwrap()]).0);
    let (ok, out) = habitd_out(&env, &["analyze"]);
    assert!(ok, "{out}");

    // Only what a person approved is deployed.
    let (ok, out) = habitd_out(&env, &["suggestions", "deploy", ON]);
    assert!(!ok && out.contains("approve it first"), "{out}");
    assert!(ha.automations.lock().unwrap().is_empty());
    common::run_ok(&env, &["suggestions", "approve", ON]);
    let (ok, out) = habitd_out(&env, &["suggestions", "deploy", ON]);
    assert!(ok, "{out}");
    // Home Assistant 2024.3: the older keys, read from its version.
    let stored = ha
        .automations
        .lock()
        .unwrap()
        .get(ON)
        .cloned()
        .expect("POSTed");
    assert_eq!(stored["trigger"][0]["platform"], "time");
    assert_eq!(stored["action"][0]["service"], "light.turn_on");
    assert_eq!(stored["initial_state"], false, "deploy_disabled");
    let requests = ha.requests();
    assert!(
        requests.contains(&format!("POST /api/config/automation/config/{ON} HTTP/1.1")),
        "{requests:?}"
    );
    assert!(
        requests.contains(&format!("GET /api/config/automation/config/{ON} HTTP/1.1")),
        "read back: {requests:?}"
    );

    let s = show(&env, ON);
    assert_eq!(s["status"], "deployed");
    assert!(s["deployed_at"].is_string());

    let (ok, out) = habitd_out(&env, &["suggestions", "undeploy", ON]);
    assert!(ok, "{out}");
    assert!(ha.automations.lock().unwrap().get(ON).is_none());
    assert_eq!(show(&env, ON)["status"], "approved");
}

#[test]
fn a_refused_automation_is_recorded_and_not_retried() {
    // A Home Assistant whose version habitd cannot read: the automation goes
    // as it was rendered.
    let ha = FakeHomeAssistant::reporting("dev");
    let dir = tempfile::tempdir().unwrap();
    let mut env = env_for(&ha, dir.path(), TOKEN);
    // The current syntax, which this (2024.3-like) Home Assistant refuses.
    env.push((
        "HABITD__SUGGESTIONS__AUTOMATION_SYNTAX".into(),
        "current".into(),
    ));
    let file = common::kitchen_history(dir.path());
    assert!(habitd_out(&env, &["import", file.to_str().unwrap()]).0);
    assert!(habitd_out(&env, &["analyze"]).0);
    common::run_ok(&env, &["suggestions", "approve", ON]);

    let (ok, out) = habitd_out(&env, &["suggestions", "deploy", ON]);
    assert!(!ok && out.contains("extra keys not allowed"), "{out}");
    let posts = ha
        .requests()
        .iter()
        .filter(|r| r.starts_with("POST /api/config/automation"))
        .count();
    assert_eq!(posts, 1, "a malformed automation is not retried");
    let s = show(&env, ON);
    assert_eq!(s["status"], "approved");
    assert!(
        s["error"].as_str().unwrap().contains("Message malformed"),
        "{s:#}"
    );
}

#[test]
fn deploying_with_a_refused_token_says_what_to_fix() {
    let ha = FakeHomeAssistant::start();
    let dir = tempfile::tempdir().unwrap();
    let good = env_for(&ha, dir.path(), TOKEN);
    let file = common::kitchen_history(dir.path());
    assert!(habitd_out(&good, &["import", file.to_str().unwrap()]).0);
    assert!(habitd_out(&good, &["analyze"]).0);
    common::run_ok(&good, &["suggestions", "approve", ON]);
    let (ok, out) = habitd_out(
        &env_for(&ha, dir.path(), "wrong"),
        &["suggestions", "deploy", ON],
    );
    assert!(
        !ok && out.contains("401") && out.contains("administrator"),
        "{out}"
    );
}

/// A suggestion that would unlock a door — planted straight into the
/// database, as an older habitd or a tampered file might hold it — is never
/// sent to Home Assistant, approved or not.
#[test]
fn an_unsafe_automation_is_never_deployed() {
    let ha = FakeHomeAssistant::start();
    let dir = tempfile::tempdir().unwrap();
    let env = env_for(&ha, dir.path(), TOKEN);
    let file = common::kitchen_history(dir.path());
    assert!(habitd_out(&env, &["import", file.to_str().unwrap()]).0);
    assert!(habitd_out(&env, &["analyze"]).0);
    let conn = rusqlite::Connection::open(dir.path().join("habitd.db")).unwrap();
    let unlock = serde_json::json!({
        "id": "habitd_unlock", "alias": "A tidy routine",
        "triggers": [{"trigger": "time", "at": "03:03:00"}],
        "actions": [{"action": "lock.unlock", "target": {"entity_id": "lock.front_door"}}],
    });
    conn.execute(
        "UPDATE suggestions SET automation = ?2, status = 'approved' WHERE id = ?1",
        rusqlite::params![ON, unlock.to_string()],
    )
    .unwrap();
    let (ok, out) = habitd_out(&env, &["suggestions", "deploy", ON]);
    assert!(!ok && out.contains("unlock a lock"), "{out}");
    assert!(
        !ha.requests()
            .iter()
            .any(|r| r.starts_with("POST /api/config/automation")),
        "nothing was sent to Home Assistant"
    );
}

#[test]
fn deploying_uses_the_syntax_of_the_home_assistant_deployed_to() {
    // Rendered in the current syntax (as while a 2024.3 was unreachable, or
    // before an upgrade), deployed to a 2024.3, which refuses it: habitd
    // writes it in the older keys that 2024.3 reads.
    let ha = FakeHomeAssistant::start();
    let dir = tempfile::tempdir().unwrap();
    let mut env = env_for(&ha, dir.path(), TOKEN);
    env.push((
        "HABITD__SUGGESTIONS__AUTOMATION_SYNTAX".into(),
        "current".into(),
    ));
    let file = common::kitchen_history(dir.path());
    assert!(habitd_out(&env, &["import", file.to_str().unwrap()]).0);
    assert!(habitd_out(&env, &["analyze"]).0);
    assert!(show(&env, ON)["automation"]["triggers"].is_array());
    common::run_ok(&env, &["suggestions", "approve", ON]);
    let (ok, out) = habitd_out(&env, &["suggestions", "deploy", ON]);
    assert!(ok, "{out}");
    let stored = ha.automations.lock().unwrap()[ON].clone();
    assert_eq!(stored["trigger"][0]["platform"], "time", "{stored:#}");
    assert_eq!(
        stored["action"][0]["service"], "light.turn_on",
        "{stored:#}"
    );
    assert_eq!(show(&env, ON)["status"], "deployed");
}

/// The daemon's first start on an empty database: its first job fetches the
/// history (`homeassistant.backfill_days`) with the logbook before the
/// analysis, with progress on the job status; a second start does not.
#[tokio::test]
async fn a_first_start_fetches_the_history_then_analyses_it() {
    let broker = common::Broker::start();
    let ha = FakeHomeAssistant::start();
    let mut watch = common::Watcher::connect(broker.port, "habitd/job/status").await;
    let dir = tempfile::tempdir().unwrap();
    let extra = [
        ("HABITD__HOMEASSISTANT__URL", ha.url.as_str()),
        ("HABITD__HOMEASSISTANT__TOKEN", TOKEN),
        ("HABITD__HOMEASSISTANT__BACKFILL_DAYS", "3"),
    ];
    let mut daemon = common::start_daemon_with(broker.port, dir, &extra);

    let statuses = watch.job_statuses_until_final().await;
    let last = statuses.last().unwrap();
    assert_eq!(last["trigger"], "first_start", "{last:#}");
    assert_eq!(last["state"], "succeeded", "{last:#}\n{}", daemon.log());
    // The same answer for each of the three days: stored once.
    assert_eq!(last["counts"]["history_read"], 30, "{last:#}");
    assert_eq!(last["counts"]["history_stored"], 10, "{last:#}");
    // The analysis ran on what was fetched.
    assert!(last["counts"]["events"].as_u64().unwrap() >= 10, "{last:#}");
    // Progress within the history phase: a day at a time, never back.
    let during: Vec<u64> = statuses
        .iter()
        .filter(|s| s["phase"] == "history")
        .map(|s| s["progress"].as_u64().unwrap())
        .collect();
    assert!(during.len() >= 2, "{statuses:#?}");
    let all: Vec<u64> = statuses
        .iter()
        .filter_map(|s| s["progress"].as_u64())
        .collect();
    assert!(all.windows(2).all(|w| w[0] <= w[1]), "{all:?}");
    let fetched = |ha: &FakeHomeAssistant, what: &str| {
        ha.requests()
            .iter()
            .filter(|r| r.contains(what) && r.contains("end_time="))
            .count()
    };
    assert_eq!(fetched(&ha, "/api/history/period/"), 3);
    assert_eq!(fetched(&ha, "/api/logbook/"), 3);

    // Started again: the history is there, nothing is fetched twice.
    daemon.terminate();
    assert_eq!(daemon.exit_code().await, Some(0));
    let dir = daemon.dir;
    let _daemon = common::start_daemon_with(broker.port, dir, &extra);
    let mut online = common::Watcher::connect(broker.port, "habitd/availability").await;
    online.wait_for_text("habitd/availability", "online").await;
    watch.publish("habitd/command/analyze", "", false).await;
    // The first job's final status is retained and comes again first.
    let first = last["job_id"].clone();
    let statuses = loop {
        let statuses = watch.job_statuses_until_final().await;
        if statuses.last().unwrap()["job_id"] != first {
            break statuses;
        }
    };
    assert!(
        statuses
            .iter()
            .filter(|s| s["job_id"] != first)
            .all(|s| s["trigger"] == "command" && s["phase"] != "history"),
        "{statuses:#?}"
    );
    assert_eq!(fetched(&ha, "/api/history/period/"), 3);
}

/// A first start while Home Assistant is still starting (its API answers
/// before every integration has set up its entities): the history is
/// fetched once it says it is running, not from the entities it has so far.
#[tokio::test]
async fn a_first_start_waits_for_home_assistant_to_finish_starting() {
    use std::sync::atomic::{AtomicBool, Ordering};
    let broker = common::Broker::start();
    let running = Arc::new(AtomicBool::new(false));
    let started = running.clone();
    let (told, not_running) = std::sync::mpsc::channel();
    let stored: Arc<Stored> = Arc::default();
    let server = common::http::Server::start(move |request| {
        if request.bearer.as_deref() != Some(TOKEN) {
            return ("401 Unauthorized", b"401: Unauthorized".to_vec());
        }
        if request.path() == "/api/config" {
            let state = if started.load(Ordering::SeqCst) {
                "RUNNING"
            } else {
                told.send(()).ok();
                "NOT_RUNNING"
            };
            let body = format!(r#"{{"version": "2026.11.0", "state": "{state}"}}"#);
            return ("200 OK", body.into_bytes());
        }
        answer(&request.line, &request.body, &stored)
    });
    let mut watch = common::Watcher::connect(broker.port, "habitd/job/status").await;
    let extra = [
        ("HABITD__HOMEASSISTANT__URL", server.url.as_str()),
        ("HABITD__HOMEASSISTANT__TOKEN", TOKEN),
        ("HABITD__HOMEASSISTANT__BACKFILL_DAYS", "1"),
    ];
    let daemon = common::start_daemon_with(broker.port, tempfile::tempdir().unwrap(), &extra);

    // The history phase has begun and asks whether Home Assistant is
    // running (what it asked before the phase is drained: the discovery's
    // version check); told no, it asks nothing else and waits.
    watch
        .wait_for("habitd/job/status", |m| m.json()["phase"] == "history")
        .await;
    while not_running.try_recv().is_ok() {}
    tokio::task::spawn_blocking(move || not_running.recv_timeout(common::PATIENCE))
        .await
        .unwrap()
        .expect("the history phase never asked whether Home Assistant runs");
    let asked = server.requests();
    assert!(
        !asked.iter().any(|r| r.contains("/api/states")),
        "{asked:#?}"
    );
    running.store(true, Ordering::SeqCst);

    let statuses = watch.job_statuses_until_final().await;
    let last = statuses.last().unwrap();
    assert_eq!(last["trigger"], "first_start", "{last:#}");
    assert_eq!(last["state"], "succeeded", "{last:#}\n{}", daemon.log());
    assert_eq!(last["counts"]["history_stored"], 10, "{last:#}");
}

/// A history answer longer than `homeassistant.max_answer_bytes` is
/// refused unread: the first start's job says why and ends degraded, and
/// the fetch stays due for the next start.
#[tokio::test]
async fn an_oversized_history_answer_is_refused() {
    let broker = common::Broker::start();
    let ha = FakeHomeAssistant::start();
    let mut watch = common::Watcher::connect(broker.port, "habitd/job/status").await;
    let extra = [
        ("HABITD__HOMEASSISTANT__URL", ha.url.as_str()),
        ("HABITD__HOMEASSISTANT__TOKEN", TOKEN),
        ("HABITD__HOMEASSISTANT__BACKFILL_DAYS", "1"),
        ("HABITD__HOMEASSISTANT__MAX_ANSWER_BYTES", "200"),
    ];
    let daemon = common::start_daemon_with(broker.port, tempfile::tempdir().unwrap(), &extra);
    let statuses = watch.job_statuses_until_final().await;
    let last = statuses.last().unwrap();
    assert_eq!(last["trigger"], "first_start", "{last:#}");
    assert_eq!(last["state"], "degraded", "{last:#}\n{}", daemon.log());
    let error = last["error"].as_str().unwrap();
    assert!(
        error.contains("longer than 200 bytes") && error.contains("next start"),
        "{error}"
    );
    assert!(last["counts"].get("history_stored").is_none(), "{last:#}");
    let db = Connection::open(daemon.database()).unwrap();
    let due: String = db
        .query_row(
            "SELECT value FROM facts WHERE key = 'first_start_history'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(due, "pending");
}
