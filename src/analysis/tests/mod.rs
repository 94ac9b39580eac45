//! The miners' statistics on small windows built by hand: one behaviour per
//! test, so a failure names what broke.

mod routines;
mod sequences;

use super::*;

/// Builds a window from `(entity, state, unix ms, origin)`.
pub(super) fn window(events: &[(&str, &str, i64, Origin)], days: i32) -> Window {
    let mut w = Window::default();
    let mut ev = Events::default();
    let mut entities = Interner::default();
    let mut states = Interner::default();
    let mut sorted = events.to_vec();
    sorted.sort_by_key(|e| e.2);
    for (entity, state, ts, origin) in sorted {
        let e = entities.get(entity);
        let s = states.get(state);
        ev.ts.push(ts);
        ev.entity.push(e);
        ev.state.push(s);
        ev.origin.push(origin);
    }
    w.entities = entities
        .values
        .iter()
        .map(|id| EntityMeta {
            entity_id: id.clone(),
            device_class: id.contains("motion").then(|| "motion".to_owned()),
            ..Default::default()
        })
        .collect();
    w.states = states.values;
    w.digest = digest::Digest::of(
        &w.entities,
        &w.states,
        &ev,
        0..ev.len(),
        thresholds().sequence_max_delay_ms,
        &jiff::tz::TimeZone::UTC,
    );
    w.pairs.add_day(&std::mem::take(&mut w.digest.pairs));
    w.first_day = 20_454; // 2026-01-01, a Thursday
    w.last_day = w.first_day + days - 1;
    w
}

pub(super) fn thresholds() -> Thresholds {
    crate::config::load_from(None, [("HABITD__ANALYSIS__TIMEZONE".into(), "UTC".into())])
        .unwrap()
        .config
        .analysis
        .thresholds
}

/// Unix ms of `minutes` past midnight UTC on `day` days after 2026-01-01.
pub(super) fn at(day: i32, minutes: f64) -> i64 {
    (i64::from(20_454 + day) * 1440 * 60_000) + (minutes * 60_000.0) as i64
}

/// A deterministic jitter in [-1, 1).
pub(super) fn jitter(i: u64) -> f64 {
    let x = i.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 11;
    (x as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
}
