//! The real `habitd` binary against a real Mosquitto and a real SQLite file:
//! availability, commands, job status, reconnects, shutdown and bad input.

mod common;

use common::{Broker, Watcher, base_env, habitd, start_daemon, start_daemon_in};
use habitd::config::DatabaseConfig;
use habitd::db::{self, Db};
use habitd::model::{JobState, Phase, Trigger};

const AVAILABILITY: &str = "habitd/availability";

fn job_from_db(path: &std::path::Path, id: i64) -> habitd::model::JobStatus {
    let db = Db::open(&DatabaseConfig::at(path.to_path_buf())).unwrap();
    let conn = db.get().unwrap();
    db::jobs::get(&conn, id)
        .unwrap()
        .expect("job row must exist")
}

/// Checks that a job's status messages came in order and ended well.
fn assert_orderly(statuses: &[serde_json::Value]) -> i64 {
    let id = statuses[0]["job_id"].as_i64().unwrap();
    let mut last_progress = 0;
    for s in statuses {
        assert_eq!(s["job_id"].as_i64(), Some(id), "{statuses:#?}");
        let progress = s["progress"].as_u64().unwrap();
        assert!(
            progress >= last_progress,
            "progress went back: {statuses:#?}"
        );
        last_progress = progress;
    }
    let last = statuses.last().unwrap();
    assert_eq!(last["state"], "succeeded", "{last:#}");
    assert_eq!(last["progress"], 100);
    assert_eq!(last["trigger"], "command");
    assert_eq!(
        last["phase_durations_ms"].as_object().unwrap().len(),
        Phase::of(Trigger::Command).len()
    );
    id
}

#[tokio::test]
async fn online_then_a_command_runs_a_job_that_is_published_and_stored() {
    let broker = Broker::start();
    let mut watch = Watcher::connect(broker.port, "habitd/#").await;
    let daemon = start_daemon(broker.port);

    watch.wait_for_text(AVAILABILITY, "online").await;
    watch.publish("habitd/command/analyze", "", false).await;
    let statuses = watch.job_statuses_until_final().await;
    let id = assert_orderly(&statuses);

    let stored = job_from_db(&daemon.database(), id);
    assert_eq!(stored.state, JobState::Succeeded);
    assert_eq!(stored.trigger, Trigger::Command);
    assert_eq!(
        serde_json::to_value(&stored).unwrap(),
        *statuses.last().unwrap()
    );
}

#[tokio::test]
async fn the_job_status_is_retained_for_late_subscribers() {
    let broker = Broker::start();
    let mut watch = Watcher::connect(broker.port, "habitd/#").await;
    let _daemon = start_daemon(broker.port);
    watch.wait_for_text(AVAILABILITY, "online").await;
    watch
        .publish("habitd/command/analyze", "PRESS", false)
        .await;
    let statuses = watch.job_statuses_until_final().await;

    let mut late = Watcher::connect(broker.port, "habitd/job/status").await;
    let retained = late.wait_for("habitd/job/status", |m| m.retain).await;
    assert_eq!(retained.json(), *statuses.last().unwrap());
}

#[tokio::test]
async fn after_a_broker_restart_it_reconnects_resubscribes_and_obeys() {
    let mut broker = Broker::start();
    let mut watch = Watcher::connect(broker.port, "habitd/#").await;
    let daemon = start_daemon(broker.port);
    watch.wait_for_text(AVAILABILITY, "online").await;

    broker.restart();
    // The new broker has no retained messages: "online" can only come from
    // habitd reconnecting and announcing itself again.
    let mut watch = Watcher::connect(broker.port, "habitd/#").await;
    watch.wait_for_text(AVAILABILITY, "online").await;
    watch.publish("habitd/command/analyze", "", false).await;
    let statuses = watch.job_statuses_until_final().await;
    let id = assert_orderly(&statuses);
    assert_eq!(
        job_from_db(&daemon.database(), id).state,
        JobState::Succeeded
    );
}

#[tokio::test]
async fn sigterm_publishes_offline_and_exits_cleanly() {
    let broker = Broker::start();
    let mut watch = Watcher::connect(broker.port, AVAILABILITY).await;
    let mut daemon = start_daemon(broker.port);
    watch.wait_for_text(AVAILABILITY, "online").await;

    daemon.terminate();
    watch.wait_for_text(AVAILABILITY, "offline").await;
    assert_eq!(daemon.exit_code().await, Some(0), "{}", daemon.log());
    let log = daemon.log();
    assert!(
        log.contains("received SIGTERM") && log.contains("habitd stopped"),
        "{log}"
    );
    // A clean disconnect: the broker must not have had to send the will.
    let mut late = Watcher::connect(broker.port, AVAILABILITY).await;
    let retained = late.wait_for(AVAILABILITY, |m| m.retain).await;
    assert_eq!(retained.text(), "offline");
}

#[tokio::test]
async fn a_killed_daemon_is_marked_offline_by_its_last_will() {
    let broker = Broker::start();
    let mut watch = Watcher::connect(broker.port, AVAILABILITY).await;
    let mut daemon = start_daemon(broker.port);
    watch.wait_for_text(AVAILABILITY, "online").await;

    daemon.child.kill().await.unwrap(); // SIGKILL: no handler runs
    watch.wait_for_text(AVAILABILITY, "offline").await;
    assert!(!daemon.log().contains("habitd stopped"));
}

#[tokio::test]
async fn garbage_on_command_topics_is_logged_and_survived() {
    let broker = Broker::start();
    let mut watch = Watcher::connect(broker.port, "habitd/#").await;
    let mut daemon = start_daemon(broker.port);
    watch.wait_for_text(AVAILABILITY, "online").await;

    watch
        .publish("habitd/command/analyze", vec![0xff, 0xfe, 0, 1], false)
        .await;
    watch
        .publish("habitd/command/analyze", vec![b'x'; 300_000], false)
        .await;
    watch
        .publish("habitd/command/analyze", "{\"unterminated", false)
        .await;
    watch
        .publish("habitd/command/analyze", "please", false)
        .await;
    watch
        .publish("habitd/command/self-destruct", "", false)
        .await;
    watch.publish("homeassistant/status", "sleepy", false).await;
    // Then a real command: it must still be obeyed.
    watch.publish("habitd/command/analyze", "", false).await;
    let statuses = watch.job_statuses_until_final().await;
    assert_orderly(&statuses);
    assert_eq!(statuses[0]["job_id"], 1);

    // Every piece of garbage was rejected where it was decoded, so none of
    // them can have reached the job queue.
    let log = daemon.log();
    assert_eq!(log.matches("ignored an MQTT message").count(), 6, "{log}");
    assert!(log.contains("malformed_total=6"), "{log}");
    assert!(
        daemon.child.try_wait().unwrap().is_none(),
        "habitd must still run"
    );
}

#[tokio::test]
async fn a_retained_command_does_not_rerun_on_every_connect() {
    let broker = Broker::start();
    let mut watch = Watcher::connect(broker.port, "habitd/#").await;
    // Left retained by some misconfigured tool before habitd starts. Seeing
    // it come back proves the broker has stored it.
    // (An empty retained payload would delete, not store, a message.)
    watch.publish("habitd/command/analyze", "PRESS", true).await;
    watch.wait_for("habitd/command/analyze", |_| true).await;
    let daemon = start_daemon(broker.port);
    watch.wait_for_text(AVAILABILITY, "online").await;
    // The daemon subscribes before it says "online", so the retained command
    // has been delivered to it by now; a job started by it would come first.
    watch.publish("habitd/command/analyze", "", false).await;
    let statuses = watch.job_statuses_until_final().await;
    assert_eq!(
        statuses[0]["job_id"], 1,
        "the retained command must not start a job"
    );
    assert!(
        daemon.log().contains("retained command"),
        "{}",
        daemon.log()
    );
}

#[tokio::test]
async fn a_job_left_running_by_a_crash_is_failed_at_start() {
    let broker = Broker::start();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("habitd.db");
    {
        let db = Db::open(&DatabaseConfig::at(path.clone())).unwrap();
        let conn = db.get().unwrap();
        let mut job =
            db::jobs::insert_queued(&conn, Trigger::Schedule, jiff::Timestamp::now()).unwrap();
        job.state = JobState::Running;
        job.phase = Some(Phase::Patterns);
        db::jobs::update(&conn, &job).unwrap();
    }
    let mut watch = Watcher::connect(broker.port, AVAILABILITY).await;
    let _daemon = start_daemon_in(broker.port, dir);
    watch.wait_for_text(AVAILABILITY, "online").await;

    let job = job_from_db(&path, 1);
    assert_eq!(job.state, JobState::Failed);
    assert_eq!(
        job.error.as_deref(),
        Some("habitd stopped while this job ran")
    );
}

#[test]
fn a_bad_config_value_stops_the_start_and_names_the_key() {
    let dir = tempfile::tempdir().unwrap();
    for (key, value, named) in [
        ("HABITD__MQTT__PORT", "eighteen-eighty-three", "mqtt.port"),
        (
            "HABITD__ANALYSIS__TIMEZONE",
            "Europe/Atlantis",
            "analysis.timezone",
        ),
        (
            "HABITD__ANALYSIS__SCHEDULE",
            "3 o'clock",
            "analysis.schedule",
        ),
    ] {
        let mut env = base_env(1, dir.path());
        env.push((key.into(), value.into()));
        let out = habitd(&env).arg("run").output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(78), "{key}: {stderr}");
        assert!(stderr.contains(named), "{key}: {stderr}");
    }
    assert!(!dir.path().join("habitd.db").exists(), "nothing may start");
}

#[test]
fn output_into_a_closed_pipe_ends_quietly() {
    // `habitd check-config | head -1`: the reader is gone before habitd
    // writes. A pipe whose reading end is already closed makes that certain.
    let dir = tempfile::tempdir().unwrap();
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = habitd(&base_env(1, dir.path()))
        .arg("check-config")
        .stdout(writer)
        .stderr(std::process::Stdio::piped())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), Some(0), "{stderr}");
}

#[test]
fn analyze_runs_without_a_broker_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    // Port 1 on loopback: nothing listens there.
    let out = habitd(&base_env(1, dir.path()))
        .args(["analyze", "--json"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("not be published"), "{stderr}");
    let status: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(status["state"], "succeeded");
    assert_eq!(status["trigger"], "cli");
    let id = status["job_id"].as_i64().unwrap();
    assert_eq!(
        job_from_db(&dir.path().join("habitd.db"), id).state,
        JobState::Succeeded
    );
}

#[tokio::test]
async fn analyze_publishes_its_status_when_a_broker_is_there_without_touching_availability() {
    let broker = Broker::start();
    let mut watch = Watcher::connect(broker.port, "habitd/#").await;
    let dir = tempfile::tempdir().unwrap();
    let out = tokio::process::Command::from(habitd(&base_env(broker.port, dir.path())))
        .args(["analyze", "--json"])
        .output()
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    println!("habitd analyze said:\n{stderr}");

    let statuses = watch.job_statuses_until_final().await;
    assert_eq!(statuses.last().unwrap()["trigger"], "cli");
    assert_eq!(statuses.last().unwrap()["state"], "succeeded");
    // The CLI must neither announce itself nor leave a will behind. A broker
    // sends retained messages right after the subscription is acknowledged,
    // so if the probe published after subscribing arrives first, there is no
    // retained availability.
    let mut late = Watcher::connect(broker.port, "habitd/availability/#").await;
    late.publish("habitd/availability/probe", "x", false).await;
    let first = late.next_message().await;
    assert_eq!(
        first.topic, "habitd/availability/probe",
        "no availability may be retained"
    );
}
