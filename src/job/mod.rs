//! Running analysis jobs: [`runner`] runs one job at a time and coalesces
//! triggers; [`schedule`] computes the daily run in the home's time zone;
//! [`lock`] keeps other processes from running a job at the same time.
//!
//! A job goes through the [`Phase`](crate::model::Phase)s of the pipeline in
//! order. Its [`JobStatus`](crate::model::JobStatus) is persisted in the
//! `jobs` table and published on MQTT at every change, so Home Assistant and
//! `sqlite3` both show what habitd is doing and why a run failed.

pub mod lock;
pub mod runner;
pub mod schedule;
