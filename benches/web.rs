//! Review page benchmark: `cargo bench --bench web` (results in BENCHMARKS.md).
//!
//! 1,000 stored suggestions (time-of-day routines with their automations, as
//! the pipeline stores them), then the suggestions page: reading them all
//! from SQLite and rendering the HTML, each timed on its own, 50 times; the
//! median and the slowest are printed. The target: under 50 ms in all.

use std::time::{Duration, Instant};

use habitd::analysis::routines::{DayClass, Routine};
use habitd::analysis::{Finding, Findings};
use habitd::config::DatabaseConfig;
use habitd::db::{self, Db, suggestions::Fresh};
use habitd::model::Trigger;
use habitd::web::{Filter, render_list};
use jiff::Timestamp;
use jiff::tz::TimeZone;

const N: usize = 1000;
const RUNS: usize = 50;

fn fresh(i: usize) -> Fresh {
    let entity = format!("light.room{}_lamp{i}", i % 12);
    let minutes = (i * 7 % 1440) as f64;
    let time = format!("{:02}:{:02}", i * 7 % 1440 / 60, i * 7 % 60);
    let id = format!("habitd_routine_{}_on_weekdays", entity.replace('.', "_"));
    let yaml = format!(
        "id: {id}\nalias: Room lamp {i} on at {time} on weekdays\nmode: single\ntriggers:\n  - trigger: time\n    at: {time}:00\n\
         conditions:\n  - condition: time\n    weekday: [mon, tue, wed, thu, fri]\nactions:\n  - action: light.turn_on\n    target:\n      entity_id: {entity}\n"
    );
    let routine = Routine {
        id: format!("routine:{entity}:on:weekdays"),
        entity_id: entity.clone(),
        state: "on".into(),
        days: DayClass::Weekdays,
        time: time.clone(),
        center_minutes: minutes,
        spread_minutes: 6.0,
        within_minutes: 9.0,
        days_observed: 17,
        days_in_class: 21,
        exceptions: 0,
        share: 0.81,
        z: 7.5,
        confidence: 0.5 + (i % 50) as f64 / 100.0,
        end: None,
    };
    Fresh {
        id: id.clone(),
        title: format!("Turn on the room lamp {i} at {time} on weekdays"),
        description: format!("On 17 of 21 weekdays, within 9 minutes of {time}."),
        confidence: routine.confidence,
        finding: Finding::Routine(routine),
        automation: Some(
            serde_json::json!({"id": id, "alias": "…", "triggers": [{"trigger": "time", "at": format!("{time}:00")}],
            "actions": [{"action": "light.turn_on", "target": {"entity_id": entity}}]}),
        ),
        automation_yaml: Some(yaml),
        worded_by: "habitd".into(),
    }
}

fn median_and_max(mut times: Vec<Duration>) -> (Duration, Duration) {
    times.sort();
    (times[times.len() / 2], times[times.len() - 1])
}

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = Db::open(&DatabaseConfig {
        path: dir.path().join("habitd.db"),
        pool_size: 1,
        busy_timeout: Duration::from_secs(5),
        cache_size_kib: 8192,
    })
    .expect("db");
    let mut conn = db.get().expect("connection");
    let job = db::jobs::insert_queued(&conn, Trigger::Cli, Timestamp::now()).expect("job");
    let all: Vec<Fresh> = (0..N).map(fresh).collect();
    db::suggestions::store_run(
        &mut conn,
        job.job_id,
        &Findings::default(),
        &all,
        Timestamp::now() - jiff::SignedDuration::from_hours(24),
    )
    .expect("store");

    let tz = TimeZone::get("Europe/Berlin").expect("tz");
    let (mut reads, mut renders, mut total) = (Vec::new(), Vec::new(), Vec::new());
    let mut bytes = 0;
    for _ in 0..RUNS {
        let start = Instant::now();
        let list = db::suggestions::list(&conn, None).expect("list");
        let read = start.elapsed();
        let page = render_list(&list, Filter::default(), &tz).into_string();
        let done = start.elapsed();
        assert_eq!(page.matches("<li>").count(), N);
        bytes = page.len();
        reads.push(read);
        renders.push(done - read);
        total.push(done);
    }
    for (what, times) in [
        ("read 1,000 suggestions", reads),
        ("render the page", renders),
        ("both", total),
    ] {
        let (median, max) = median_and_max(times);
        println!(
            "{what:<24} median {:>6.2} ms   slowest {:>6.2} ms",
            median.as_secs_f64() * 1e3,
            max.as_secs_f64() * 1e3
        );
    }
    println!("page size: {} KiB", bytes / 1024);
}
