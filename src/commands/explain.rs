//! `habitd explain ENTITY`: why a habit was or was not offered.
//!
//! Runs the routine and sequence miners on the stored window, as the daily
//! job does, and lists every candidate pattern that names the entity with
//! the figure and the threshold that kept or rejected it: "near 06:44 on 3
//! of 20 days, 15 %, less than 60 % (routine_min_share)". Nothing is stored
//! or published.

use jiff::Timestamp;

use std::collections::HashSet;

use super::out;
use crate::analysis::{Findings, Window, routines, sequences};
use crate::config::Config;
use crate::db::Db;
use crate::suggest::{self, Context};

pub(super) async fn command(config: Config, entity: String) -> anyhow::Result<()> {
    let db = Db::open_async(&config.database).await?;
    let tz = config.analysis.timezone.clone();
    let now = Timestamp::now();
    let since = now.checked_sub(jiff::SignedDuration::try_from(config.analysis.window)?)?;
    let horizon_ms = config.analysis.thresholds.sequence_max_delay_ms;
    let recompute = crate::db::window::Digests::Recompute;
    let window = db
        .run(move |conn| crate::pipeline::read_window(conn, since, now, &tz, horizon_ms, recompute))
        .await?;
    let (tz, th) = (&config.analysis.timezone, &config.analysis.thresholds);
    let Some(index) = window.entities.iter().position(|e| e.entity_id == entity) else {
        out!("{entity} has no events in the analysis window; nothing to explain.");
        return Ok(());
    };
    let changes = window.digest.usage(index as u32);
    out!("{entity}: {changes} changes in the window.\n");

    let (found, verdicts) = routines::explain(&window, tz, th);
    let (kept, sequence_verdicts) = sequences::explain(&window, tz, th);
    let offered = offered(&window, &config, &found, &kept);
    let safe = |id: &str| {
        if offered.contains(id) {
            String::new()
        } else {
            " — found, but never suggested: the safety policy forbids it ([safety])".to_owned()
        }
    };
    out!("Time-of-day routines:");
    let mut any = false;
    for v in verdicts.iter().filter(|v| v.entity_id == entity) {
        any = true;
        let what = format!("→ {} ({})", v.state, v.days.as_str());
        match &v.rejected {
            None => {
                let r = found.iter().find(|r| {
                    r.entity_id == entity
                        && (r.state == v.state
                            || r.end.as_ref().is_some_and(|e| e.state == v.state))
                });
                match r {
                    Some(r) => out!(
                        "  kept     {what}: at {} on {} of {} days, spread ± {:.1} min{}",
                        r.time,
                        r.days_observed,
                        r.days_in_class,
                        r.spread_minutes,
                        safe(&r.id)
                    ),
                    None => out!("  kept     {what}"),
                }
            }
            Some(why) => out!("  rejected {what}: {why}"),
        }
    }
    if !any {
        out!("  none looked at (it has no state a person sets, or never changed)");
    }

    let verdicts = sequence_verdicts;
    out!("\nTrigger → action sequences (pairs that beat chance at some delay):");
    let mut any = false;
    for v in verdicts
        .iter()
        .filter(|v| v.trigger_entity == entity || v.action_entity == entity)
    {
        any = true;
        let what = format!(
            "{} → {} then {} → {} (z = {:.1})",
            v.trigger_entity, v.trigger_state, v.action_entity, v.action_state, v.z
        );
        let is_kept = kept.iter().find(|s| {
            s.trigger_entity == v.trigger_entity
                && s.trigger_state == v.trigger_state
                && s.action_entity == v.action_entity
                && s.action_state == v.action_state
        });
        match (&v.rejected, is_kept) {
            (Some(why), _) => out!("  rejected {what}: {why}"),
            (None, Some(s)) => out!("  kept     {what}: {} times{}", v.occurrences, safe(&s.id)),
            (None, None) => {
                out!("  merged   {what}: part of a stronger pattern of the same two entities")
            }
        }
    }
    if !any {
        out!(
            "  none: nothing followed it, or it followed nothing, more often than chance within {} s",
            th.sequence_max_delay_ms / 1000
        );
    }
    Ok(())
}

/// The ids of the findings that survive as suggestions (the safety policy
/// drops some).
fn offered(
    window: &Window,
    config: &Config,
    routines: &[routines::Routine],
    sequences: &[sequences::Sequence],
) -> HashSet<String> {
    let context = Context::from_window(window, config.safety.clone());
    let findings = Findings {
        routines: routines.to_vec(),
        sequences: sequences.to_vec(),
        ..Default::default()
    };
    let mut drafts = suggest::drafts(&findings, &context);
    suggest::refuse_unsafe(&mut drafts, &context);
    drafts.iter().map(|d| d.finding.id().to_owned()).collect()
}
