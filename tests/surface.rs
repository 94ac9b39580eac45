//! What Home Assistant sees of habitd, end to end on a real Mosquitto:
//! discovery in the shape each Home Assistant release reads, job status and
//! the last finished job, the suggestion topics, decisions over MQTT and from
//! the CLI, the select keeping (or dropping) its selection, errors on the
//! problem sensor, re-announcing on Home Assistant's birth message.

mod common;

use common::{Broker, Daemon, Watcher, base_env, habitd, kitchen_history, run_ok};
use rusqlite::Connection;

const ON: &str = "habitd_routine_light_kitchen_on_weekdays";
/// The other suggestion of the kitchen history: a radio switched on at 07:1x.
const OFF: &str = "habitd_routine_switch_kitchen_radio_on_weekdays";
const NONE_OPTION: &str = "(none selected)";

/// habitd's entities, in the order they are announced.
const ENTITIES: [(&str, &str); 13] = [
    ("sensor", "analysis_state"),
    ("sensor", "analysis_progress"),
    ("sensor", "last_run"),
    ("sensor", "last_run_duration"),
    ("binary_sensor", "running"),
    ("sensor", "pending_suggestions"),
    ("button", "analyze"),
    ("select", "suggestion"),
    ("sensor", "selected_suggestion"),
    ("button", "approve"),
    ("button", "reject"),
    ("button", "deploy"),
    ("binary_sensor", "problem"),
];

fn status_in_db(db: &std::path::Path, id: &str) -> String {
    Connection::open(db)
        .unwrap()
        .query_row("SELECT status FROM suggestions WHERE id = ?1", [id], |r| {
            r.get(0)
        })
        .unwrap()
}

/// The retained message on `topic`, or the next one, that `accept`s: what
/// Home Assistant would see, whatever order things were published in.
async fn see(port: u16, topic: &str, accept: impl Fn(&common::Message) -> bool) -> common::Message {
    Watcher::connect(port, topic)
        .await
        .wait_for(topic, accept)
        .await
}

/// `habitd run` with the test's environment plus `extra`.
fn start(dir: tempfile::TempDir, env: Vec<(String, String)>) -> Daemon {
    let log = std::fs::File::create(dir.path().join("habitd.log")).unwrap();
    let mut command = habitd(&env);
    command
        .arg("run")
        .stdout(std::process::Stdio::null())
        .stderr(log);
    let child = tokio::process::Command::from(command)
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    Daemon { child, dir }
}

fn with(mut env: Vec<(String, String)>, extra: &[(&str, &str)]) -> Vec<(String, String)> {
    env.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    env
}

/// A directory with a month of kitchen history imported.
fn home_with_history(port: u16) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let file = kitchen_history(dir.path());
    run_ok(
        &base_env(port, dir.path()),
        &["import", file.to_str().unwrap()],
    );
    dir
}

#[tokio::test]
async fn suggestions_are_shown_and_decided_from_home_assistant() {
    let broker = Broker::start();
    let dir = home_with_history(broker.port);
    let env = base_env(broker.port, dir.path());
    let port = broker.port;
    let mut watch = Watcher::connect(port, "#").await;
    let daemon = start(dir, env.clone());

    // No Home Assistant address and none remembered: one config per entity,
    // which every release reads, with both id keys.
    for (component, key) in ENTITIES {
        let topic = format!("homeassistant/{component}/habitd/{key}/config");
        let config = watch.wait_for(&topic, |_| true).await.json();
        assert_eq!(config["unique_id"], format!("habitd_{key}"));
        assert_eq!(config["object_id"], format!("habitd_{key}"));
        assert_eq!(
            config["default_entity_id"],
            format!("{component}.habitd_{key}")
        );
        assert_eq!(
            config["avty_t"], "habitd/availability",
            "the Last Will makes every entity unavailable"
        );
        assert_eq!(config["dev"]["ids"][0], "habitd");
        assert_eq!(config["o"]["name"], "habitd");
    }
    let problem = watch.wait_for("habitd/status", |_| true).await.json();
    assert_eq!(problem["error"], serde_json::Value::Null);

    // The "Analyze now" button's command.
    watch
        .publish("habitd/command/analyze", "PRESS", false)
        .await;
    let statuses = watch.job_statuses_until_final().await;
    assert_eq!(statuses.last().unwrap()["state"], "succeeded");
    // The last finished job, which the "Last analysis" sensors read.
    let last = see(port, "habitd/job/last", |_| true).await.json();
    assert!(
        last["finished_at"].as_str().unwrap().ends_with("+00:00"),
        "{last}"
    );
    assert!(last["duration_s"].as_f64().is_some(), "{last}");
    // Only the select's config changes: it lists the pending suggestions.
    let select = see(port, "homeassistant/select/habitd/suggestion/config", |m| {
        m.json()["options"].as_array().is_some_and(|o| o.len() >= 3)
    })
    .await
    .json();
    let options = select["options"].as_array().unwrap().clone();
    assert_eq!(options[0], NONE_OPTION);
    let summary = see(port, "habitd/suggestions", |m| {
        m.json()["pending"].as_u64() >= Some(2)
    })
    .await
    .json();
    assert!(summary["top"].as_array().unwrap().len() >= 2, "{summary:#}");
    let one = see(port, &format!("habitd/suggestions/{ON}"), |_| true)
        .await
        .json();
    assert_eq!(one["status"], "new");
    assert_eq!(one["automation"]["actions"][0]["action"], "light.turn_on");
    assert!(
        one["automation_yaml"]
            .as_str()
            .unwrap()
            .contains("trigger: time")
    );
    // Nothing is selected until someone selects.
    see(port, "habitd/select/state", |m| m.text() == NONE_OPTION).await;

    // Approve by id.
    watch
        .publish(&format!("habitd/suggestions/{ON}/set"), "approve", false)
        .await;
    see(port, &format!("habitd/suggestions/{ON}"), |m| {
        m.json()["status"] == "approved"
    })
    .await;
    assert_eq!(status_in_db(&daemon.database(), ON), "approved");

    // Select the other one in HA's select, then press Reject: it leaves the
    // select, and the selection goes to nothing rather than to another
    // suggestion a second press would act on.
    let off_title = options
        .iter()
        .map(|o| o.as_str().unwrap())
        .find(|o| o.contains(" radio "))
        .unwrap()
        .to_owned();
    watch
        .publish("habitd/select/set", off_title.clone(), false)
        .await;
    see(port, "habitd/selected", |m| m.json()["id"] == OFF).await;
    see(port, "habitd/select/state", |m| m.text() == off_title).await;
    watch.publish("habitd/selected/set", "reject", false).await;
    see(port, &format!("habitd/suggestions/{OFF}"), |m| {
        m.json()["status"] == "rejected"
    })
    .await;
    assert_eq!(status_in_db(&daemon.database(), OFF), "rejected");
    see(port, "habitd/select/state", |m| m.text() == NONE_OPTION).await;
    watch.publish("habitd/selected/set", "reject", false).await;
    let error = see(port, "habitd/status", |m| m.json()["error"].is_string())
        .await
        .json();
    assert!(
        error["error"]
            .as_str()
            .unwrap()
            .contains("no suggestion is selected"),
        "{error}"
    );

    // Deploy without Home Assistant configured: the error on the problem
    // sensor and on the selected suggestion.
    let on_title = options
        .iter()
        .map(|o| o.as_str().unwrap())
        .find(|o| o.contains("kitchen light "))
        .unwrap()
        .to_owned();
    watch.publish("habitd/select/set", on_title, false).await;
    watch.publish("habitd/selected/set", "deploy", false).await;

    let error = see(port, "habitd/status", |m| {
        m.text().contains("homeassistant.url")
    })
    .await
    .json();
    assert_eq!(error["suggestion"], ON);
    see(port, "habitd/selected", |m| {
        m.json()["id"] == ON && m.text().contains("homeassistant.url")
    })
    .await;
    // An unknown id, and a long option text: errors, cut short. (Over
    // limits.command_bytes a message is dropped unread: tests/attack.rs.)
    watch
        .publish("habitd/suggestions/habitd_nothing/set", "approve", false)
        .await;
    see(port, "habitd/status", |m| {
        m.text().contains("habitd_nothing")
    })
    .await;
    watch
        .publish("habitd/select/set", "x".repeat(1000), false)
        .await;
    let long = see(port, "habitd/status", |m| m.text().contains("xxxx")).await;
    assert!(long.payload.len() < 1024, "{} bytes", long.payload.len());

    // A decision from the CLI while the daemon runs reaches Home Assistant
    // without another analysis.
    run_ok(&env, &["suggestions", "dismiss", ON]);
    see(port, &format!("habitd/suggestions/{ON}"), |m| {
        m.json()["status"] == "dismissed"
    })
    .await;
    see(port, "habitd/suggestions", |m| m.json()["pending"] == 0).await;

    // Home Assistant restarts: habitd announces itself again, states too.
    watch.publish("homeassistant/status", "online", false).await;
    let again = watch
        .wait_for("homeassistant/button/habitd/analyze/config", |m| !m.retain)
        .await;
    assert_eq!(again.json()["command_topic"], "habitd/command/analyze");
    watch.wait_for("habitd/suggestions", |_| true).await;
    watch
        .wait_for(&format!("habitd/suggestions/{ON}"), |m| {
            m.json()["status"] == "dismissed"
        })
        .await;
}

/// A stand-in Home Assistant that reports `version` and has no entities.
fn home_assistant(version: &'static str) -> common::http::Server {
    common::http::Server::start(move |request| match request.path() {
        "/api/config" => (
            "200 OK",
            format!(r#"{{"version": "{version}"}}"#).into_bytes(),
        ),
        _ => ("404 Not Found", b"{}".to_vec()),
    })
}

#[tokio::test]
async fn discovery_follows_the_home_assistant_version() {
    let broker = Broker::start();
    let dir = tempfile::tempdir().unwrap();
    let mut watch = Watcher::connect(broker.port, "#").await;

    // 2024.3: one config per entity, its id from object_id alone.
    let old = home_assistant("2024.3.3");
    let env = |ha: &common::http::Server| {
        with(
            base_env(broker.port, dir.path()),
            &[
                ("HABITD__HOMEASSISTANT__URL", &ha.url),
                ("HABITD__HOMEASSISTANT__TOKEN", "t"),
            ],
        )
    };
    let mut daemon = start(tempfile::tempdir().unwrap(), env(&old));
    let analyze = watch
        .wait_for("homeassistant/button/habitd/analyze/config", |_| true)
        .await
        .json();
    assert_eq!(analyze["object_id"], "habitd_analyze");
    assert!(analyze.get("default_entity_id").is_none());
    daemon.terminate();
    assert_eq!(daemon.exit_code().await, Some(0));

    // Upgraded to 2026.11: the per-entity configs are removed, and one
    // device-based config names each entity with default_entity_id.
    let new = home_assistant("2026.11.0");
    let _daemon = start(tempfile::tempdir().unwrap(), env(&new));
    watch
        .wait_for("homeassistant/button/habitd/analyze/config", |m| {
            m.payload.is_empty()
        })
        .await;
    let device = watch
        .wait_for("homeassistant/device/habitd/config", |_| true)
        .await
        .json();
    let cmps = device["cmps"].as_object().unwrap();
    assert_eq!(cmps.len(), ENTITIES.len());
    for (component, key) in ENTITIES {
        assert_eq!(cmps[key]["p"], component);
        assert_eq!(
            cmps[key]["default_entity_id"],
            format!("{component}.habitd_{key}")
        );
        assert!(cmps[key].get("object_id").is_none(), "{key}");
    }

    // Asked for explicitly, device-based discovery needs no version.
    let forced = with(
        base_env(broker.port, tempfile::tempdir().unwrap().path()),
        &[("HABITD__HOMEASSISTANT__DISCOVERY", "device")],
    );
    let (ok, _, stderr) = common::run(&forced, &["check-config"]);
    assert!(ok, "{stderr}");
    let bad = with(forced, &[("HABITD__HOMEASSISTANT__DISCOVERY", "both")]);
    let (ok, _, stderr) = common::run(&bad, &["check-config"]);
    assert!(
        !ok && stderr.contains("homeassistant.discovery"),
        "{stderr}"
    );
}

#[tokio::test]
async fn an_offer_the_latest_analysis_no_longer_finds_is_retired() {
    let broker = Broker::start();
    let port = broker.port;
    let dir = home_with_history(port);
    let env = base_env(port, dir.path());
    run_ok(&env, &["analyze"]);
    run_ok(&env, &["suggestions", "approve", ON]);
    let daemon = start(dir, env.clone());
    see(port, &format!("habitd/suggestions/{OFF}"), |m| {
        m.json()["status"] == "new"
    })
    .await;

    // An analysis (by the CLI, beside the daemon) that finds no routine: the
    // new one is retired at once and its topic cleared; the approved one
    // waits for expire_after.
    let off_topic = format!("habitd/suggestions/{OFF}");
    let mut off = Watcher::connect(port, &off_topic).await;
    let strict = with(env, &[("HABITD__ANALYSIS__ROUTINE_MIN_DAYS", "100")]);
    run_ok(&strict, &["analyze"]);
    assert_eq!(status_in_db(&daemon.database(), OFF), "expired");
    assert_eq!(status_in_db(&daemon.database(), ON), "approved");
    off.wait_for(&off_topic, |m| m.payload.is_empty()).await;
    see(port, "habitd/suggestions", |m| m.json()["pending"] == 1).await;
    see(port, &format!("habitd/suggestions/{ON}"), |m| {
        m.json()["status"] == "approved"
    })
    .await;
}

#[tokio::test]
async fn new_suggestions_leave_a_notification_in_home_assistant() {
    let broker = Broker::start();
    let port = broker.port;
    let (sent, notifications) = std::sync::mpsc::channel::<Vec<u8>>();
    let sent = std::sync::Mutex::new(sent);
    let ha = common::http::Server::start(move |request| match request.path() {
        "/api/config" => ("200 OK", br#"{"version": "2026.11.0"}"#.to_vec()),
        "/api/services/persistent_notification/create" => {
            sent.lock().unwrap().send(request.body.clone()).ok();
            ("200 OK", b"[]".to_vec())
        }
        _ => ("404 Not Found", b"{}".to_vec()),
    });
    let dir = home_with_history(port);
    let env = with(
        base_env(port, dir.path()),
        &[
            ("HABITD__HOMEASSISTANT__URL", &ha.url),
            ("HABITD__HOMEASSISTANT__TOKEN", "t"),
            ("HABITD__HOMEASSISTANT__NOTIFY", "true"),
        ],
    );
    let mut watch = Watcher::connect(port, "habitd/#").await;
    let _daemon = start(dir, env);
    watch.wait_for_text("habitd/availability", "online").await;
    watch
        .publish("habitd/command/analyze", "PRESS", false)
        .await;
    let body =
        tokio::task::spawn_blocking(move || notifications.recv_timeout(common::PATIENCE).unwrap())
            .await
            .unwrap();
    let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(body["notification_id"], "habitd_suggestions");
    assert_eq!(body["title"], "habitd: 2 new suggestions", "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("Turn on the kitchen light at"),
        "{body}"
    );
}
