//! habitd against a real Home Assistant, run by hand (not in CI): the
//! acceptance test of README's "Home Assistant versions".
//!
//! It needs an instance of the ha-harness running (`ha start VERSION`) and
//! `HABITD_REAL_HA=VERSION`; it is `#[ignore]`d, so `cargo test` lists it as
//! ignored rather than passed, and `-- --ignored` runs it. It reads
//! the instance's env block (`$HA_HARNESS_HOME/VERSION/env`, by default
//! `~/.cache/habitd-ha-harness/VERSION/env`, or `HABITD_REAL_HA_ENV=FILE`).
//! With `HABITD_REAL_HA_HARNESS=path/to/ha` it also restarts Home Assistant
//! in the middle. It checks, as a new user would see them: habitd's 13
//! entities present and available with the same ids on every release, no
//! warning about habitd in Home Assistant's log, "Analyze now", select →
//! Approve → Deploy accepted (the automation's config readable through the
//! config API and its entity `on`), a decision made with the CLI shown at
//! once, a person's and an automation's change each recorded once with its
//! origin, a Home Assistant restart, and SIGTERM
//! (entities unavailable, clean exit).
//!
//! ```sh
//! HABITD_REAL_HA=2025.4.4 HABITD_REAL_HA_HARNESS=../shared/tools/ha-harness/ha \
//!     cargo test --test real_ha -- --ignored --nocapture
//! ```

mod common;

use std::collections::HashMap;
use std::time::Duration;

use serde_json::{Value, json};

/// habitd's entities, by the ids every release gives them.
const ENTITIES: [&str; 13] = [
    "sensor.habitd_analysis_state",
    "sensor.habitd_analysis_progress",
    "sensor.habitd_last_run",
    "sensor.habitd_last_run_duration",
    "binary_sensor.habitd_running",
    "sensor.habitd_pending_suggestions",
    "button.habitd_analyze",
    "select.habitd_suggestion",
    "sensor.habitd_selected_suggestion",
    "button.habitd_approve",
    "button.habitd_reject",
    "button.habitd_deploy",
    "binary_sensor.habitd_problem",
];

const SUGGESTION: &str = "habitd_routine_light_kitchen_ceiling_on_weekdays";

/// The harness instance's env block, or why the test is skipped.
fn instance() -> Option<(String, HashMap<String, String>)> {
    let Ok(version) = std::env::var("HABITD_REAL_HA") else {
        eprintln!("real_ha: HABITD_REAL_HA=<version> is not set (README: Home Assistant versions)");
        return None;
    };
    let file = std::env::var("HABITD_REAL_HA_ENV").unwrap_or_else(|_| {
        let home = std::env::var("HA_HARNESS_HOME").unwrap_or_else(|_| {
            format!(
                "{}/.cache/habitd-ha-harness",
                std::env::var("HOME").unwrap_or_default()
            )
        });
        format!("{home}/{version}/env")
    });
    let text = std::fs::read_to_string(&file)
        .unwrap_or_else(|e| panic!("HABITD_REAL_HA={version}: cannot read {file}: {e}"));
    let env = text
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    Some((version, env))
}

/// Home Assistant's REST API as the test uses it.
struct Rest {
    http: reqwest::Client,
    url: String,
    token: String,
}

impl Rest {
    async fn get(&self, path: &str) -> (u16, Value) {
        match self
            .http
            .get(format!("{}{path}", self.url))
            .bearer_auth(&self.token)
            .send()
            .await
        {
            Ok(r) => {
                let status = r.status().as_u16();
                (status, r.json().await.unwrap_or(Value::Null))
            }
            Err(_) => (0, Value::Null),
        }
    }

    async fn call(&self, domain: &str, service: &str, data: Value) {
        let response = self
            .http
            .post(format!("{}/api/services/{domain}/{service}", self.url))
            .bearer_auth(&self.token)
            .json(&data)
            .send()
            .await
            .unwrap();
        assert!(
            response.status().is_success(),
            "{domain}.{service}: {}",
            response.status()
        );
    }

    async fn state(&self, entity: &str) -> Option<Value> {
        match self.get(&format!("/api/states/{entity}")).await {
            (200, state) => Some(state),
            _ => None,
        }
    }

    /// Polls until `accept` holds for `entity`'s state (at most 90 s).
    async fn wait(&self, entity: &str, what: &str, accept: impl Fn(&Value) -> bool) -> Value {
        for _ in 0..180 {
            if let Some(state) = self.state(entity).await
                && accept(&state)
            {
                return state;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        panic!(
            "{entity}: never {what}; last: {:?}",
            self.state(entity).await
        );
    }

    async fn all_available(&self) {
        for entity in ENTITIES {
            self.wait(entity, "available", |s| s["state"] != "unavailable")
                .await;
        }
    }
}

/// Lines of Home Assistant's log (this run's and, after the restart, the
/// previous one's) at WARNING or ERROR that speak of habitd (by message: the
/// harness's paths contain "habitd" too) or come from MQTT (`Integration
/// device is not supported` names no one).
fn warnings_about_habitd(log: &str) -> Vec<String> {
    [format!("{log}.1"), log.to_owned()]
        .iter()
        .flat_map(|file| {
            std::fs::read_to_string(file)
                .unwrap_or_default()
                .lines()
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .filter(|l| l.contains(" WARNING ") || l.contains(" ERROR "))
        .filter(|l| {
            l.replace("habitd-ha-harness", "").contains("habitd")
                || l.contains("[homeassistant.components.mqtt")
        })
        .collect()
}

/// Four weeks of `light.kitchen_ceiling` switched on by hand at 06:45 on
/// weekdays, as eventstream lines.
fn history(dir: &std::path::Path) -> std::path::PathBuf {
    use std::io::Write;
    let path = dir.join("history.jsonl");
    let mut out = std::fs::File::create(&path).unwrap();
    let today = jiff::Timestamp::now()
        .to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .date();
    for back in 1..=28i64 {
        let day = today.checked_sub(jiff::Span::new().days(back)).unwrap();
        if matches!(
            day.weekday(),
            jiff::civil::Weekday::Saturday | jiff::civil::Weekday::Sunday
        ) {
            continue;
        }
        for (state, old, hour) in [("on", "off", 6), ("off", "on", 8)] {
            let ts = day
                .at(hour, 43 + (back % 5) as i8, 0, 0)
                .to_zoned_datetime(jiff::tz::TimeZone::UTC)
                .unwrap()
                .timestamp();
            writeln!(
                out,
                r#"{{"event_type":"state_changed","event_data":{{"entity_id":"light.kitchen_ceiling","old_state":{{"state":"{old}","last_changed":"{ts}"}},"new_state":{{"state":"{state}","attributes":{{"friendly_name":"Kitchen ceiling"}},"last_changed":"{ts}","last_updated":"{ts}","context":{{"id":"x","parent_id":null,"user_id":"u1"}}}}}}}}"#
            )
            .unwrap();
        }
    }
    path
}

/// The select option of the planted routine ("Turn on the kitchen light at
/// 06:45 on weekdays").
fn kitchen_routine(title: &str) -> bool {
    let title = title.to_lowercase();
    title.contains("kitchen") && title.starts_with("turn on")
}

/// How often `entity` reached `state` in habitd's database, with the origins.
fn recorded(db: &std::path::Path, entity: &str, state: &str) -> Vec<i64> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut stmt = conn
        .prepare(
            "SELECT e.origin FROM events e JOIN entities n ON n.id = e.entity \
             WHERE n.entity_id = ?1 AND e.state = ?2 AND e.ts > ?3",
        )
        .unwrap();
    let since = jiff::Timestamp::now().as_millisecond() - 3_600_000;
    stmt.query_map(rusqlite::params![entity, state, since], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// The first job of the database at `db` once it has finished: its trigger,
/// state and counts (polled, at most 120 s).
async fn first_job(db: &std::path::Path) -> (String, String, String) {
    for _ in 0..240 {
        let row = rusqlite::Connection::open(db).ok().and_then(|conn| {
            conn.query_row(
                "SELECT trigger, state, counts FROM jobs ORDER BY id LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .ok()
        });
        if let Some(row) = row.filter(|r: &(String, String, String)| {
            matches!(r.1.as_str(), "succeeded" | "degraded" | "failed")
        }) {
            return row;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    panic!("the first job in {} never finished", db.display());
}

/// Every stored change of `entity`: time, old state, state, origin.
fn rows_of(db: &std::path::Path, entity: &str) -> Vec<(i64, Option<String>, String, i64)> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut stmt = conn
        .prepare(
            "SELECT e.ts, e.old_state, e.state, e.origin FROM events e \
             JOIN entities n ON n.id = e.entity WHERE n.entity_id = ?1 ORDER BY e.ts",
        )
        .unwrap();
    stmt.query_map([entity], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
    })
    .unwrap()
    .map(Result::unwrap)
    .collect()
}

fn start_habitd(env: &[(String, String)], dir: &std::path::Path) -> tokio::process::Child {
    let log = std::fs::File::create(dir.join("habitd.log")).unwrap();
    let mut command = common::habitd(env);
    command
        .arg("run")
        .stdout(std::process::Stdio::null())
        .stderr(log);
    tokio::process::Command::from(command)
        .kill_on_drop(true)
        .spawn()
        .unwrap()
}

fn harness(action: &str, version: &str) {
    let Ok(ha) = std::env::var("HABITD_REAL_HA_HARNESS") else {
        return;
    };
    let status = std::process::Command::new(ha)
        .args([action, version])
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "ha {action} {version}");
}

/// Ignored in `cargo test` (CI has no Home Assistant), so it is never
/// counted as passing without having run: run it with `-- --ignored`.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs a running ha-harness instance: HABITD_REAL_HA=<version> cargo test --test real_ha -- --ignored"]
async fn habitd_works_with_this_home_assistant() {
    let Some((version, ha)) = instance() else {
        panic!("set HABITD_REAL_HA=<version> with that ha-harness instance running");
    };
    let var = |k: &str| {
        ha.get(k)
            .cloned()
            .unwrap_or_else(|| panic!("{k} missing from the env block"))
    };
    let rest = Rest {
        http: reqwest::Client::new(),
        url: var("HA_URL"),
        token: var("HA_TOKEN"),
    };
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("habitd.db");
    let env: Vec<(String, String)> = [
        ("HABITD__MQTT__HOST", var("MQTT_HOST")),
        ("HABITD__MQTT__PORT", var("MQTT_PORT")),
        (
            "HABITD__MQTT__CLIENT_ID",
            format!("habitd-real-{}", std::process::id()),
        ),
        ("HABITD__HOMEASSISTANT__URL", var("HA_URL")),
        ("HABITD__HOMEASSISTANT__TOKEN", var("HA_TOKEN")),
        ("HABITD__HOMEASSISTANT__NOTIFY", "true".into()),
        ("HABITD__ANALYSIS__TIMEZONE", "UTC".into()),
        ("HABITD__ANALYSIS__SCHEDULE", "off".into()),
        ("HABITD__DATABASE__PATH", db.display().to_string()),
        ("HABITD__LOG__LEVEL", "debug".into()),
        // The review page on a free port: 127.0.0.1:8099, the default, may
        // be taken (a habitd of one's own, another test), and habitd does
        // not start when it cannot listen.
        ("HABITD__WEB__LISTEN", "127.0.0.1:0".into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let file = history(dir.path());
    common::run_ok(&env, &["import", file.to_str().unwrap()]);

    let mut habitd = start_habitd(&env, dir.path());
    rest.all_available().await;
    eprintln!("{version}: habitd's 13 entities are there and available");

    // Analyze now.
    rest.call(
        "button",
        "press",
        json!({"entity_id": "button.habitd_analyze"}),
    )
    .await;
    rest.wait("sensor.habitd_analysis_state", "finished", |s| {
        matches!(s["state"].as_str(), Some("succeeded" | "degraded"))
    })
    .await;
    rest.wait("sensor.habitd_last_run", "a time", |s| {
        s["state"].as_str().is_some_and(|t| t.starts_with("20"))
    })
    .await;

    // Select → Approve → Deploy.
    let select = rest
        .wait(
            "select.habitd_suggestion",
            "offering the kitchen routine",
            |s| {
                s["attributes"]["options"]
                    .as_array()
                    .is_some_and(|o| o.iter().any(|o| o.as_str().is_some_and(kitchen_routine)))
            },
        )
        .await;
    let option = select["attributes"]["options"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .find(|t| kitchen_routine(t))
        .unwrap()
        .to_owned();
    rest.call(
        "select",
        "select_option",
        json!({"entity_id": "select.habitd_suggestion", "option": option}),
    )
    .await;
    rest.wait(
        "sensor.habitd_selected_suggestion",
        "the kitchen routine",
        |s| s["attributes"]["id"] == SUGGESTION,
    )
    .await;
    rest.call(
        "button",
        "press",
        json!({"entity_id": "button.habitd_approve"}),
    )
    .await;
    rest.wait("sensor.habitd_selected_suggestion", "approved", |s| {
        s["attributes"]["status"] == "approved"
    })
    .await;
    rest.call(
        "button",
        "press",
        json!({"entity_id": "button.habitd_deploy"}),
    )
    .await;
    for _ in 0..120 {
        if rest
            .get(&format!("/api/config/automation/config/{SUGGESTION}"))
            .await
            .0
            == 200
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let (status, config) = rest
        .get(&format!("/api/config/automation/config/{SUGGESTION}"))
        .await;
    assert_eq!(status, 200, "the automation was not written: {config}");
    let mut automation_on = false;
    for _ in 0..120 {
        let (_, states) = rest.get("/api/states").await;
        automation_on = states.as_array().is_some_and(|all| {
            all.iter()
                .any(|s| s["attributes"]["id"] == SUGGESTION && s["state"] == "on")
        });
        if automation_on {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert!(automation_on, "the deployed automation's entity is not on");
    // Decided: the selection goes to nothing, and nothing went wrong.
    rest.wait("select.habitd_suggestion", "back to none", |s| {
        s["state"] == "(none selected)"
    })
    .await;
    rest.wait("binary_sensor.habitd_problem", "off", |s| {
        s["state"] == "off"
    })
    .await;
    eprintln!("{version}: {SUGGESTION} approved and deployed, automation on");

    // A decision from the CLI reaches Home Assistant without an analysis.
    let listed = common::run_ok(&env, &["suggestions", "list", "--json"]);
    let listed: Vec<Value> = serde_json::from_str(&listed).unwrap();
    let other = listed.iter().find(|s| s["status"] == "new");
    if let Some(other) = other {
        let pending = |s: &Value| s["state"].as_str().and_then(|n| n.parse::<u64>().ok());
        let before = pending(
            &rest
                .state("sensor.habitd_pending_suggestions")
                .await
                .unwrap(),
        )
        .unwrap();
        common::run_ok(
            &env,
            &["suggestions", "dismiss", other["id"].as_str().unwrap()],
        );
        rest.wait("sensor.habitd_pending_suggestions", "one fewer", |s| {
            pending(s) == Some(before - 1)
        })
        .await;
        eprintln!("{version}: a CLI decision shown in Home Assistant");
    }

    // A person's change and an automation's, each recorded once.
    rest.call("light", "turn_on", json!({"entity_id": "light.office"}))
        .await;
    rest.call(
        "input_boolean",
        "turn_on",
        json!({"entity_id": "input_boolean.evening"}),
    )
    .await;
    rest.wait("light.garden", "on", |s| s["state"] == "on")
        .await;

    // Home Assistant restarts: habitd's entities come back.
    if std::env::var("HABITD_REAL_HA_HARNESS").is_ok() {
        harness("stop", &version);
        harness("start", &version);
        rest.all_available().await;
        eprintln!("{version}: entities available again after Home Assistant restarted");
    } else {
        eprintln!("{version}: HABITD_REAL_HA_HARNESS not set: Home Assistant restart not tested");
    }

    // SIGTERM: a clean exit, and Home Assistant shows habitd unavailable.
    common::sigterm(habitd.id().unwrap());
    let exit = tokio::time::timeout(Duration::from_secs(30), habitd.wait())
        .await
        .expect("habitd did not stop")
        .unwrap();
    assert_eq!(exit.code(), Some(0));
    rest.wait("button.habitd_analyze", "unavailable", |s| {
        s["state"] == "unavailable"
    })
    .await;

    assert_eq!(
        recorded(&db, "light.office", "on"),
        [1],
        "a person's change, once: {:?}",
        rows_of(&db, "light.office")
    );
    assert_eq!(
        recorded(&db, "light.garden", "on"),
        [2],
        "an automation's change, once: {:?}",
        rows_of(&db, "light.garden")
    );
    for own in ENTITIES {
        assert!(
            recorded(&db, own, "on").is_empty() && recorded(&db, own, "unknown").is_empty(),
            "{own} recorded"
        );
    }
    // A first start on an empty database: the history of what happened
    // above is fetched, with who caused each change, and analysed at once.
    let fresh = tempfile::tempdir().unwrap();
    let fresh_db = fresh.path().join("habitd.db");
    let mut first_env: Vec<(String, String)> = env
        .iter()
        .filter(|(k, _)| k != "HABITD__DATABASE__PATH" && k != "HABITD__MQTT__CLIENT_ID")
        .cloned()
        .collect();
    first_env.extend([
        (
            "HABITD__DATABASE__PATH".to_owned(),
            fresh_db.display().to_string(),
        ),
        (
            "HABITD__MQTT__CLIENT_ID".to_owned(),
            format!("habitd-real-first-{}", std::process::id()),
        ),
        (
            "HABITD__HOMEASSISTANT__BACKFILL_DAYS".to_owned(),
            "1".to_owned(),
        ),
    ]);
    let mut first = start_habitd(&first_env, fresh.path());
    let (trigger, state, counts) = first_job(&fresh_db).await;
    assert_eq!(trigger, "first_start");
    assert!(
        matches!(state.as_str(), "succeeded" | "degraded"),
        "{state}: {counts}"
    );
    eprintln!("{version}: a first start fetched the history: {counts}");
    let office = recorded(&fresh_db, "light.office", "on");
    let garden = recorded(&fresh_db, "light.garden", "on");
    assert!(
        !office.is_empty() && !garden.is_empty(),
        "{office:?} {garden:?}"
    );
    // The harness's Home Assistant loads no `logbook` (no default_config):
    // then the history comes without who caused each change.
    let since = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(1);
    if rest.get(&format!("/api/logbook/{since}")).await.0 == 200 {
        assert!(
            office.contains(&1),
            "a person's change, from the logbook: {office:?}"
        );
        assert!(
            garden.contains(&2) && !garden.contains(&1),
            "an automation's: {garden:?}"
        );
    } else {
        eprintln!(
            "{version}: no logbook in this Home Assistant: who caused each change not checked"
        );
    }
    common::sigterm(first.id().unwrap());
    let exit = tokio::time::timeout(Duration::from_secs(30), first.wait())
        .await
        .expect("habitd did not stop")
        .unwrap();
    assert_eq!(exit.code(), Some(0));

    let warnings = warnings_about_habitd(&var("HA_LOG"));
    assert!(
        warnings.is_empty(),
        "Home Assistant warned about habitd:\n{}",
        warnings.join("\n")
    );
    eprintln!("{version}: all checks passed");
}
