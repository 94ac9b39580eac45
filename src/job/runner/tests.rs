//! The runner against a real SQLite file in a temporary directory.

use std::time::Duration;

use super::*;
use crate::config::DatabaseConfig;

fn open_db(dir: &tempfile::TempDir) -> Db {
    Db::open(&DatabaseConfig {
        path: dir.path().join("habitd.db"),
        pool_size: 2,
        busy_timeout: Duration::from_secs(1),
        cache_size_kib: 1024,
    })
    .unwrap()
}

fn runner(db: &Db) -> (Runner, watch::Receiver<Option<JobStatus>>) {
    let (tx, rx) = watch::channel(None);
    let config =
        crate::config::load_from(None, [("HABITD__ANALYSIS__TIMEZONE".into(), "UTC".into())])
            .unwrap()
            .config;
    let settings = crate::pipeline::Settings {
        timezone: jiff::tz::TimeZone::UTC,
        retention: Duration::from_secs(60 * 86_400),
        homeassistant: None,
        window: config.analysis.window,
        thresholds: config.analysis.thresholds,
        suggestions: config.suggestions,
        llm: None,
        areas: Vec::new(),
        safety: config.safety,
        writer: None,
        ingest: config.ingest,
        totals: Default::default(),
    };
    (Runner::new(db.clone(), tx, settings), rx)
}

#[tokio::test]
async fn a_job_runs_every_phase_and_is_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let db = open_db(&dir);
    let (runner, status) = runner(&db);
    let done = runner
        .run(Trigger::Cli, &CancellationToken::new())
        .await
        .unwrap();

    assert_eq!(done.state, JobState::Succeeded);
    assert_eq!(done.progress, 100);
    assert_eq!(done.phase, Some(Phase::Store));
    assert_eq!(
        done.phase_durations_ms.keys().copied().collect::<Vec<_>>(),
        Phase::of(Trigger::Cli).to_vec()
    );
    assert!(done.started_at.is_some() && done.finished_at >= done.started_at);
    let stored = db
        .get()
        .map(|c| db::jobs::get(&c, done.job_id))
        .unwrap()
        .unwrap();
    assert_eq!(stored, Some(done.clone()));
    assert_eq!(status.borrow().as_ref(), Some(&done));
}

#[tokio::test]
async fn triggers_coalesce_into_one_follow_up() {
    let (triggers, mut rx) = Triggers::channel();
    assert!(triggers.request(Trigger::Command));
    assert!(!triggers.request(Trigger::Command));
    assert!(!triggers.request(Trigger::Schedule));
    assert_eq!(rx.recv().await, Some(Trigger::Command));
    assert!(rx.try_recv().is_err());
}

#[tokio::test]
async fn a_job_waits_for_another_process_and_shutdown_records_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = open_db(&dir);
    let (runner, mut status) = runner(&db);
    // Another process (here: this test) holds the job lock.
    let held = JobLock::try_acquire(&lock::path_for(db.path()))
        .unwrap()
        .unwrap();

    let cancel = CancellationToken::new();
    let job = tokio::spawn({
        let cancel = cancel.clone();
        async move { runner.run(Trigger::Command, &cancel).await }
    });
    status
        .wait_for(|s| s.as_ref().is_some_and(|s| s.state == JobState::Queued))
        .await
        .unwrap();
    cancel.cancel();
    let done = job.await.unwrap().unwrap();
    drop(held);

    assert_eq!(done.state, JobState::Failed);
    assert!(
        done.error.as_deref().unwrap().contains("interrupted"),
        "{done:?}"
    );
    let stored = db
        .get()
        .map(|c| db::jobs::get(&c, done.job_id))
        .unwrap()
        .unwrap();
    assert_eq!(stored.map(|s| s.state), Some(JobState::Failed));
}

#[tokio::test]
async fn a_crashed_job_is_marked_failed_by_the_next_one() {
    let dir = tempfile::tempdir().unwrap();
    let db = open_db(&dir);
    let crashed = {
        let conn = db.get().unwrap();
        let mut s =
            db::jobs::insert_queued(&conn, Trigger::Schedule, jiff::Timestamp::now()).unwrap();
        s.state = JobState::Running;
        s.phase = Some(Phase::Patterns);
        db::jobs::update(&conn, &s).unwrap();
        s.job_id
    };
    let (runner, _status) = runner(&db);
    let done = runner
        .run(Trigger::Cli, &CancellationToken::new())
        .await
        .unwrap();
    assert_eq!(done.state, JobState::Succeeded);

    let old = db
        .get()
        .map(|c| db::jobs::get(&c, crashed))
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(old.state, JobState::Failed);
    assert_eq!(
        old.error.as_deref(),
        Some("habitd stopped while this job ran")
    );
}

#[tokio::test]
async fn serve_runs_queued_requests_until_cancelled() {
    let dir = tempfile::tempdir().unwrap();
    let db = open_db(&dir);
    let (runner, mut status) = runner(&db);
    let (triggers, rx) = Triggers::channel();
    let cancel = CancellationToken::new();
    let serving = tokio::spawn(runner.serve(rx, cancel.clone()));

    triggers.request(Trigger::Command);
    status
        .wait_for(|s| s.as_ref().is_some_and(|s| s.state.is_final()))
        .await
        .unwrap();
    cancel.cancel();
    serving.await.unwrap();
    let latest = db
        .get()
        .map(|c| db::jobs::latest(&c))
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(
        (latest.trigger, latest.state),
        (Trigger::Command, JobState::Succeeded)
    );
}

#[tokio::test]
async fn a_panicking_phase_fails_the_job_not_the_runner() {
    let direct: anyhow::Result<()> = guarded(async { panic!("index 7 out of range") }).await;
    let error = format!("{:#}", direct.unwrap_err());
    assert!(
        error.contains("a bug in habitd") && error.contains("index 7 out of range"),
        "{error}"
    );

    // Phases do their work on blocking threads, and `Db::run` resumes a
    // panic from there in the calling task; that must be caught too.
    let blocking = guarded(async {
        match tokio::task::spawn_blocking(|| -> anyhow::Result<u32> { panic!("{} rows", 3) }).await
        {
            Ok(result) => result,
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(e) => Err(e.into()),
        }
    })
    .await;
    assert!(format!("{:#}", blocking.unwrap_err()).contains("3 rows"));

    assert_eq!(guarded(async { Ok(5) }).await.unwrap(), 5);
}
