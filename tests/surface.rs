//! What Home Assistant sees of habitd, end to end on a real Mosquitto:
//! discovery, job status, the suggestion topics, decisions over MQTT,
//! re-announcing on Home Assistant's birth message, errors on the status topic.

mod common;

use common::{Broker, Watcher, base_env, habitd, kitchen_history, start_daemon_in};
use rusqlite::Connection;

const ON: &str = "habitd_routine_light_kitchen_on_weekdays";
const RADIO: &str = "habitd_routine_switch_kitchen_radio_on_weekdays";

fn status_in_db(db: &std::path::Path, id: &str) -> String {
    Connection::open(db)
        .unwrap()
        .query_row("SELECT status FROM suggestions WHERE id = ?1", [id], |r| {
            r.get(0)
        })
        .unwrap()
}

#[tokio::test]
async fn suggestions_are_shown_and_decided_from_home_assistant() {
    let broker = Broker::start();
    let dir = tempfile::tempdir().unwrap();
    // A month of history, imported before the daemon starts.
    let file = kitchen_history(dir.path());
    let out = habitd(&base_env(broker.port, dir.path()))
        .arg("import")
        .arg(&file)
        .output()
        .unwrap();
    assert!(out.status.success());

    let mut watch = Watcher::connect(broker.port, "#").await;
    let daemon = start_daemon_in(broker.port, dir);
    let discovery = watch
        .wait_for("homeassistant/device/habitd/config", |_| true)
        .await
        .json();
    assert_eq!(
        discovery["avty_t"], "habitd/availability",
        "the Last Will makes every entity unavailable"
    );
    assert_eq!(discovery["dev"]["ids"][0], "habitd");
    assert_eq!(discovery["o"]["name"], "habitd");
    let cmps = discovery["cmps"].as_object().unwrap();
    for key in [
        "analysis_state",
        "analysis_progress",
        "last_run",
        "last_run_duration",
        "pending_suggestions",
        "running",
        "analyze",
        "suggestion",
        "selected_suggestion",
        "approve",
        "reject",
        "deploy",
    ] {
        assert!(cmps.contains_key(key), "missing {key}: {discovery:#}");
        assert!(
            cmps[key]["default_entity_id"]
                .as_str()
                .unwrap()
                .contains("habitd_"),
            "{key}"
        );
        assert!(
            cmps[key].get("object_id").is_none(),
            "object_id is deprecated"
        );
    }
    assert_eq!(cmps["analyze"]["command_topic"], "habitd/command/analyze");

    // The "Analyze now" button's command.
    watch
        .publish("habitd/command/analyze", "PRESS", false)
        .await;
    let statuses = watch.job_statuses_until_final().await;
    assert_eq!(statuses.last().unwrap()["state"], "succeeded");
    // Published in this order: discovery (its select lists the pending
    // suggestions by title), the summary, then each suggestion.
    let discovery = watch
        .wait_for("homeassistant/device/habitd/config", |m| {
            m.json()["cmps"]["suggestion"]["options"]
                .as_array()
                .is_some_and(|o| o.len() >= 2)
        })
        .await
        .json();
    let options = discovery["cmps"]["suggestion"]["options"]
        .as_array()
        .unwrap()
        .clone();
    let summary = watch
        .wait_for("habitd/suggestions", |m| {
            m.json()["pending"].as_u64() >= Some(2)
        })
        .await
        .json();
    assert!(summary["top"].as_array().unwrap().len() >= 2, "{summary:#}");
    let one = watch
        .wait_for(&format!("habitd/suggestions/{ON}"), |_| true)
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

    // Approve by id.
    watch
        .publish(&format!("habitd/suggestions/{ON}/set"), "approve", false)
        .await;
    watch
        .wait_for(&format!("habitd/suggestions/{ON}"), |m| {
            m.json()["status"] == "approved"
        })
        .await;
    assert_eq!(status_in_db(&daemon.database(), ON), "approved");

    // Select the other one in HA's select, then press Reject.
    let radio_title = options
        .iter()
        .map(|o| o.as_str().unwrap())
        .find(|o| o.contains(" radio "))
        .unwrap()
        .to_owned();
    watch
        .publish("habitd/select/set", radio_title.clone(), false)
        .await;
    watch
        .wait_for("habitd/selected", |m| m.json()["id"] == RADIO)
        .await;
    watch.publish("habitd/selected/set", "reject", false).await;
    watch
        .wait_for(&format!("habitd/suggestions/{RADIO}"), |m| {
            m.json()["status"] == "rejected"
        })
        .await;
    assert_eq!(status_in_db(&daemon.database(), RADIO), "rejected");

    // Deploy without Home Assistant configured, and an unknown id: errors on
    // the status topic, and habitd carries on.
    watch
        .publish(&format!("habitd/suggestions/{ON}/set"), "deploy", false)
        .await;
    let error = watch
        .wait_for("habitd/status", |m| m.text().contains("homeassistant.url"))
        .await;
    assert!(error.json()["error"].as_str().unwrap().contains(ON));
    watch
        .publish("habitd/suggestions/habitd_nothing/set", "approve", false)
        .await;
    watch
        .wait_for("habitd/status", |m| m.text().contains("no suggestion"))
        .await;

    // Home Assistant restarts: habitd announces itself again.
    watch.publish("homeassistant/status", "online", false).await;
    let again = watch
        .wait_for("homeassistant/device/habitd/config", |m| !m.retain)
        .await;
    assert_eq!(again.json()["cmps"].as_object().unwrap().len(), 12);
    watch
        .wait_for(&format!("habitd/suggestions/{ON}"), |m| {
            m.json()["status"] == "approved"
        })
        .await;
}
