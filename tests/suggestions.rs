//! Suggestions end to end through the binary: history in, analysis, the
//! stored suggestion with its automation, and the user's decisions surviving
//! the next run.

mod common;

use common::{base_env, kitchen_history as history, run};

#[test]
fn a_routine_becomes_a_suggestion_whose_status_survives_the_next_run() {
    let dir = tempfile::tempdir().unwrap();
    let env = base_env(1, dir.path());
    let file = history(dir.path());
    let (ok, _, err) = run(&env, &["import", file.to_str().unwrap()]);
    assert!(ok, "{err}");

    let (ok, out, err) = run(&env, &["analyze", "--json"]);
    assert!(ok, "{err}");
    let status: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(status["state"], "succeeded", "{status:#}");
    assert!(
        status["counts"]["suggestions_stored"].as_u64() >= Some(2),
        "{status:#}"
    );

    let (ok, out, err) = run(&env, &["suggestions", "list", "--json"]);
    assert!(ok, "{err}");
    let list: Vec<serde_json::Value> = serde_json::from_str(&out).unwrap();
    let on = list
        .iter()
        .find(|s| s["id"] == "habitd_routine_light_kitchen_on_weekdays")
        .unwrap_or_else(|| panic!("{list:#?}"));
    for key in [
        "id",
        "status",
        "title",
        "description",
        "confidence",
        "evidence",
        "automation",
    ] {
        assert!(!on[key].is_null(), "{key} missing: {on:#}");
    }
    assert_eq!(on["status"], "new");
    // The residents' real times, 06:43–06:47: their median.
    let title = on["title"].as_str().unwrap();
    assert!(
        title.starts_with("Turn on the kitchen light at 06:4") && title.ends_with(" on weekdays"),
        "{title}"
    );
    let automation = &on["automation"];
    assert_eq!(automation["id"], on["id"]);
    assert_eq!(automation["triggers"][0]["trigger"], "time");
    assert_eq!(
        automation["conditions"][0]["weekday"],
        serde_json::json!(["mon", "tue", "wed", "thu", "fri"])
    );
    assert_eq!(automation["actions"][0]["action"], "light.turn_on");
    assert_eq!(
        automation["actions"][0]["target"]["entity_id"],
        "light.kitchen"
    );
    assert!(
        on["automation_yaml"]
            .as_str()
            .unwrap()
            .contains("action: light.turn_on")
    );

    let (ok, out, _) = run(
        &env,
        &[
            "suggestions",
            "approve",
            "habitd_routine_light_kitchen_on_weekdays",
        ],
    );
    assert!(ok && out.contains("is now approved"), "{out}");
    let (ok, _, _) = run(
        &env,
        &[
            "suggestions",
            "reject",
            "habitd_routine_switch_kitchen_radio_on_weekdays",
        ],
    );
    assert!(ok);
    let (ok, _, err) = run(&env, &["suggestions", "dismiss", "habitd_no_such_thing"]);
    assert!(!ok && err.contains("no suggestion"), "{err}");
    let (ok, _, err) = run(
        &env,
        &[
            "suggestions",
            "dismiss",
            "habitd_routine_switch_kitchen_radio_on_weekdays",
        ],
    );
    assert!(!ok && err.contains("rejected"), "{err}");

    // The same routine found again: same ids, statuses kept.
    let (ok, _, err) = run(&env, &["analyze"]);
    assert!(ok, "{err}");
    let (_, out, _) = run(&env, &["suggestions", "list", "--json"]);
    let list: Vec<serde_json::Value> = serde_json::from_str(&out).unwrap();
    let status_of = |id: &str| {
        list.iter()
            .find(|s| s["id"] == id)
            .map(|s| s["status"].clone())
    };
    assert_eq!(
        status_of("habitd_routine_light_kitchen_on_weekdays"),
        Some("approved".into())
    );
    assert_eq!(
        status_of("habitd_routine_switch_kitchen_radio_on_weekdays"),
        Some("rejected".into())
    );
    let (_, out, _) = run(&env, &["suggestions", "list", "--status", "new"]);
    assert!(
        !out.contains("kitchen_radio"),
        "a rejected suggestion is not offered again: {out}"
    );

    // Undoing the rejection offers it again; undoing twice is refused.
    let off = "habitd_routine_switch_kitchen_radio_on_weekdays";
    let (ok, out, err) = run(&env, &["suggestions", "restore", off]);
    assert!(ok && out.contains("is now new"), "{out}{err}");
    let (ok, _, err) = run(&env, &["suggestions", "restore", off]);
    assert!(!ok && err.contains("cannot be restored"), "{err}");
}

#[test]
fn legacy_syntax_on_request() {
    let dir = tempfile::tempdir().unwrap();
    let mut env = base_env(1, dir.path());
    env.push((
        "HABITD__SUGGESTIONS__AUTOMATION_SYNTAX".into(),
        "legacy".into(),
    ));
    let file = history(dir.path());
    assert!(run(&env, &["import", file.to_str().unwrap()]).0);
    assert!(run(&env, &["analyze"]).0);
    let (_, out, _) = run(
        &env,
        &[
            "suggestions",
            "show",
            "habitd_routine_light_kitchen_on_weekdays",
            "--json",
        ],
    );
    let s: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(s["automation"]["trigger"][0]["platform"], "time", "{s:#}");
    assert_eq!(
        s["automation"]["action"][0]["service"], "light.turn_on",
        "{s:#}"
    );
}

#[test]
fn explain_says_why_a_habit_was_or_was_not_offered() {
    let dir = tempfile::tempdir().unwrap();
    let env = base_env(1, dir.path());
    let file = history(dir.path());
    assert!(run(&env, &["import", file.to_str().unwrap()]).0);
    let (ok, out, err) = run(&env, &["explain", "light.kitchen"]);
    assert!(ok, "{err}");
    // The morning "on" is kept, with its time; the "off", switched at no
    // particular time, is rejected with the figure and the threshold.
    assert!(
        out.lines()
            .any(|l| l.contains("kept") && l.contains("→ on (weekdays)") && l.contains("at 06:4")),
        "{out}"
    );
    assert!(
        out.lines()
            .any(|l| l.contains("rejected") && l.contains("→ off") && l.contains("(routine_")),
        "{out}"
    );
    let (ok, out, _) = run(&env, &["explain", "light.nowhere"]);
    assert!(ok && out.contains("no events"), "{out}");
}

/// The command line says what it means: an unknown status is refused with
/// the possible ones, a file with nothing readable is an error, and an
/// analysis of an empty database says how to get history.
#[test]
fn the_command_line_refuses_what_it_cannot_use_and_says_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let env = base_env(1, dir.path());
    let out = common::habitd(&env)
        .args(["suggestions", "list", "--status", "bogus"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("approved, deployed"), "{stderr}");

    for (name, content) in [
        ("empty.json", ""),
        ("object.json", "{}"),
        ("prose.txt", "hello\n"),
    ] {
        let file = dir.path().join(name);
        std::fs::write(&file, content).unwrap();
        let (ok, _, err) = run(&env, &["import", file.to_str().unwrap()]);
        assert!(
            !ok && err.contains("nothing in it could be read"),
            "{name}: {err}"
        );
    }

    let (ok, out, err) = run(&env, &["analyze"]);
    assert!(ok, "{err}");
    assert!(out.contains("habitd backfill --days 30"), "{out}");
}
