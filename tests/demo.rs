//! `habitd demo`, the README's first command: with nothing but the binary,
//! and with a broker whose Home Assistant would show the result.

mod common;

use common::{Broker, Watcher, base_env, habitd};

#[test]
fn the_demo_runs_without_a_broker_and_shows_its_suggestions() {
    let dir = tempfile::tempdir().unwrap();
    let stdout = common::run_ok(&base_env(1, dir.path()), &["demo"]);
    for expected in [
        "### Turn on the kitchen ceiling light at 06:4",
        "### Open the bedroom blind at 09:3",
        "### Turn off the porch light at 23:5",
        "### When the hallway motion sensor detects motion in the evening, turn on the hallway light, and off again",
        "### When the bathroom humidity sensor turns on, turn on the bathroom fan",
        "### Turn on the coffee machine at 06:3",
        "### Turn off the bedroom light at 23:0",
        "action: light.turn_on",
        "Nothing was published",
    ] {
        assert!(
            stdout.contains(expected),
            "{expected:?} missing from:\n{stdout}"
        );
    }
    // What must not be offered: the lock, the microwave, the driveway light
    // an automation switches at 18:00:00, the burst's entities.
    let titles: Vec<&str> = stdout.lines().filter(|l| l.starts_with("### ")).collect();
    for never in ["front door", "microwave", "driveway", "lamp q", "p1"] {
        assert!(
            !titles.iter().any(|t| t.contains(never)),
            "{never}: {titles:#?}"
        );
    }
    assert!(
        !dir.path().join("habitd.db").exists(),
        "the demo must not touch the configured database"
    );
}

#[tokio::test]
async fn without_publish_the_demo_sends_nothing_and_leaves_nothing() {
    let broker = Broker::start();
    let dir = tempfile::tempdir().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let mut env = base_env(broker.port, dir.path());
    env.push(("TMPDIR".into(), tmp.path().display().to_string()));
    let stdout = common::run_ok(&env, &["demo"]);
    assert!(stdout.contains("Nothing was published"), "{stdout}");
    // Nothing retained anywhere on the broker.
    let mut watch = Watcher::connect(broker.port, "#").await;
    watch.publish("test/marker", "end", false).await;
    let first = watch.next_message().await;
    assert_eq!(first.topic, "test/marker", "the demo left {first:?}");
    let left: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().collect();
    assert!(left.is_empty(), "the demo left {left:?} behind");
}

#[tokio::test]
async fn with_a_broker_the_demo_appears_in_home_assistant() {
    let broker = Broker::start();
    let dir = tempfile::tempdir().unwrap();
    let out = tokio::process::Command::from(habitd(&base_env(broker.port, dir.path())))
        .args(["demo", "--publish"])
        .output()
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("habitd_demo/"));
    // Retained, so a Home Assistant connecting later still sees it: with its
    // version unknown, one config per entity, which every release reads.
    let topic = "homeassistant/button/habitd_demo/analyze/config";
    let discovery = Watcher::connect(broker.port, topic)
        .await
        .wait_for(topic, |m| m.retain)
        .await
        .json();
    assert_eq!(discovery["avty_t"], "habitd_demo/availability");
    assert_eq!(discovery["dev"]["name"], "habitd demo");
    // What is published last is there too: flushed before disconnecting.
    for (topic, expected) in [
        ("habitd_demo/availability", "online"),
        ("habitd_demo/select/state", "(none selected)"),
    ] {
        let seen = Watcher::connect(broker.port, topic)
            .await
            .wait_for(topic, |m| m.retain)
            .await;
        assert_eq!(seen.text(), expected, "{topic}");
    }
    let topic = "habitd_demo/selected";
    Watcher::connect(broker.port, topic)
        .await
        .wait_for(topic, |m| m.retain)
        .await;
    let topic = "habitd_demo/suggestions";
    let summary = Watcher::connect(broker.port, topic)
        .await
        .wait_for(topic, |m| m.retain)
        .await
        .json();
    assert!(summary["pending"].as_u64() >= Some(5), "{summary:#}");
}
