//! Trigger → action sequences: "when the hallway motion sensor detects
//! motion, the hallway light turns on seconds later".
//!
//! There is no hard cut on the delay: each pair's delays are counted up to a
//! wide horizon (`sequence_max_delay`, ten minutes by default) in bins that
//! widen with the delay, so a fan that follows "humidity high" two minutes
//! later is found like a light that follows motion in two seconds.
//!
//! Chance is judged from the same data, around each event, not from rates
//! averaged over the window: for the action events preceded by the trigger
//! within `d` ("forward"), the mirror count is the action events *followed*
//! by the trigger within `d` ("backward"). Two independent entities produce
//! both equally often, however busy or bursty they are together — a party,
//! a cleaning day, a burst of random switching make both counts large, and
//! the pair stays near zero. A cause makes the forward count large and
//! leaves the backward one at chance. The expected count is the larger of
//! the backward count and what the window's average rates give, and the
//! pair's z-score over the `d` that fits best must reach `sequence_min_z`.
//!
//! The delay counts are the window's pairs ([`Window::pairs`], the days'
//! digests added up); the candidate pairs that pass are then measured exactly (who
//! followed whom, on which days, at which hours, with what delays) from
//! their own times alone.
//!
//! What a pair must also show to be a habit: enough occurrences, the action
//! after a large enough share of the trigger's occurrences (within the hours
//! where it holds), on several different days (not one burst), and a delay
//! that is not the same to the millisecond each time (that is a machine: an
//! automation or a device's own link). Of all pairs between the same two
//! entities, one is kept: the strongest; a same-direction pair with the
//! other states ("motion stops → light off") becomes its release.

use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};

use super::digest::{self, Counts, Key, Totals};
use super::stats::{self, LocalClock};
use super::{Thresholds, Window};

/// A sequence and its evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sequence {
    pub id: String,
    pub trigger_entity: String,
    pub trigger_state: String,
    pub action_entity: String,
    pub action_state: String,
    /// Trigger occurrences (within `time_window`) followed by the action
    /// within `horizon_s`.
    pub occurrences: u32,
    /// The trigger's occurrences in the window's hours (all day when none).
    pub trigger_count: u32,
    pub action_count: u32,
    /// Local days on which it happened.
    pub days: u32,
    /// Share of the trigger's occurrences (within `time_window`) followed by
    /// the action, and share of the action's occurrences preceded by the
    /// trigger.
    pub follows: f64,
    pub precedes: f64,
    /// How many of the action events chance would put within the delay
    /// after the trigger (from the local, mirrored count), and how far the
    /// observed count is above it.
    pub expected_by_chance: f64,
    pub z: f64,
    /// The delay within which the action counts as following.
    pub horizon_s: f64,
    pub delay_median_s: f64,
    pub delay_p10_s: f64,
    pub delay_p90_s: f64,
    /// Local `hh:mm` start and end where it holds, when not all day.
    pub time_window: Option<(String, String)>,
    pub confidence: f64,
    /// What undoes the action after the trigger goes back ("motion stops →
    /// light off about 2 minutes later"), when the data shows it.
    pub release: Option<Release>,
}

/// The second half of a sequence: the trigger's other state, and the
/// action's other state this long after it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Release {
    pub trigger_state: String,
    pub action_state: String,
    pub occurrences: u32,
    pub delay_median_s: f64,
}

/// Why a candidate pair was or was not kept: the figure and the threshold.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    pub trigger_entity: String,
    pub trigger_state: String,
    pub action_entity: String,
    pub action_state: String,
    /// `None` when kept; else which test failed, with figure and threshold.
    pub rejected: Option<String>,
    pub z: f64,
    pub occurrences: u32,
}

/// A machine repeats a delay to the millisecond; a person never does. This
/// share of the delays within 2 ms of the median marks one.
const MACHINE_SHARE: f64 = 0.8;
const MACHINE_MS: i64 = 2;

pub fn detect(window: &Window, tz: &TimeZone, th: &Thresholds) -> Vec<Sequence> {
    explain(window, tz, th).0
}

/// The sequences, and a verdict for every candidate pair that reached the
/// exact measurement (what `habitd explain` shows).
pub fn explain(window: &Window, tz: &TimeZone, th: &Thresholds) -> (Vec<Sequence>, Vec<Verdict>) {
    let d = &window.digest;
    if d.span.is_none() {
        return (Vec::new(), Vec::new());
    }
    let candidates = screen(window, th);
    let mut verdicts = Vec::new();
    let measured = measure(window, tz, &candidates, th, &mut verdicts);
    (collapse(measured), verdicts)
}

/// A pair worth measuring exactly, with the delay that fits it best.
struct Candidate {
    trigger: Key,
    action: Key,
    horizon_ms: i64,
    expected: f64,
    z: f64,
}

/// The pairs whose forward count beats chance at some delay, in the order
/// of their names.
fn screen(window: &Window, th: &Thresholds) -> Vec<Candidate> {
    let d = &window.digest;
    let Some((first, last)) = d.span else {
        return Vec::new();
    };
    let span_ms = (last - first).max(1) as f64;
    let edges = digest::edges(d.horizon_ms);
    let count = |key: &Key| d.times.get(key).map_or(0, |t| t.len() as u32);
    let automated = window.automated_pairs();
    let mut out = Vec::new();
    for (&(a, b), counts) in window.pairs.iter() {
        // Most pairs of a busy home are out at the first look.
        if !worth_judging(counts, edges.len(), th)
            || automated.contains(&(window.entity_id(a.0), window.entity_id(b.0)))
        {
            continue;
        }
        out.extend(best_delay(
            a,
            b,
            counts,
            &edges,
            count(&a),
            count(&b),
            span_ms,
            th,
        ));
    }
    let name = |k: Key| (window.entity_id(k.0), window.state(k.1));
    out.sort_by(|x, y| (name(x.trigger), name(x.action)).cmp(&(name(y.trigger), name(y.action))));
    out
}

/// Whether some delay has enough forward counts, and more of them than
/// the mirrored count: where there are none, [`best_delay`] finds nothing
/// (a z of at most 0 never passes).
fn worth_judging(counts: &Counts, bins: usize, th: &Thresholds) -> bool {
    let (mut forward, mut backward) = (0u32, 0u32);
    (0..bins).any(|k| {
        let (ahead, behind) = Totals::bins(counts, k);
        forward += ahead;
        backward += behind;
        !skipped(forward, backward, th)
    })
}

/// Too few, or no more than the mirror count (a z of at most 0): decided
/// without the chance model.
fn skipped(forward: u32, backward: u32, th: &Thresholds) -> bool {
    forward < th.sequence_min_occurrences || (forward <= backward && th.sequence_min_z > 0.0)
}

/// The delay at which a pair's forward count beats chance most, when one
/// does.
#[allow(clippy::too_many_arguments)]
fn best_delay(
    a: Key,
    b: Key,
    counts: &Counts,
    edges: &[i64],
    n_a: u32,
    n_b: u32,
    span_ms: f64,
    th: &Thresholds,
) -> Option<Candidate> {
    let rate = f64::from(n_a) / span_ms;
    let n_b = f64::from(n_b);
    let (mut forward, mut backward) = (0u32, 0u32);
    let mut best: Option<Candidate> = None;
    for (k, &edge) in edges.iter().enumerate() {
        let (ahead, behind) = Totals::bins(counts, k);
        forward += ahead;
        backward += behind;
        if skipped(forward, backward, th) {
            continue;
        }
        let global = n_b * (1.0 - (-rate * edge as f64).exp());
        let (z, expected) = chance_z(forward, backward, global);
        if z >= th.sequence_min_z && best.as_ref().is_none_or(|c| z > c.z) {
            best = Some(Candidate {
                trigger: a,
                action: b,
                horizon_ms: edge,
                expected,
                z,
            });
        }
    }
    best
}

/// The z-score of `forward` against chance: the larger of the mirrored
/// count and the window's average rates give (never below half an event,
/// so three in a row against nothing is not a certainty). The mirrored
/// count is itself an estimate, so its own variance counts too.
fn chance_z(forward: u32, backward: u32, global: f64) -> (f64, f64) {
    let expected = f64::from(backward).max(global).max(0.5);
    let variance = expected + f64::from(backward);
    (
        stats::z_score(f64::from(forward), expected, variance),
        expected,
    )
}

/// Measures each candidate from its own events: which trigger occurrences
/// the action followed within the candidate's delay, on which days and
/// hours, and how late; keeps those that hold.
fn measure(
    window: &Window,
    tz: &TimeZone,
    candidates: &[Candidate],
    th: &Thresholds,
    verdicts: &mut Vec<Verdict>,
) -> Vec<Sequence> {
    let times = |key: &Key| window.digest.times.get(key).map_or(&[][..], Vec::as_slice);
    let mut clock = LocalClock::new(tz);
    let mut found = Vec::new();
    for c in candidates {
        let ((ea, sa), (eb, sb)) = (c.trigger, c.action);
        let (a_times, b_times) = (times(&c.trigger), times(&c.action));
        let m = follow(a_times, b_times, c.horizon_ms, &mut clock);
        let mut verdict = Verdict {
            trigger_entity: window.entity_id(ea).to_owned(),
            trigger_state: window.state(sa).to_owned(),
            action_entity: window.entity_id(eb).to_owned(),
            action_state: window.state(sb).to_owned(),
            rejected: None,
            z: c.z,
            occurrences: 0,
        };
        match judge(c, &m, b_times.len() as u32, th) {
            Err(why) => verdict.rejected = Some(why),
            Ok(held) => {
                verdict.occurrences = held.followed;
                found.push(sequence(&verdict, c, &m, held, b_times.len() as u32));
            }
        }
        verdicts.push(verdict);
    }
    found
}

/// What following looks like for one pair.
struct Followed {
    hits_by_hour: [u32; 24],
    triggers_by_hour: [u32; 24],
    /// Local days with an occurrence followed.
    days: Vec<i32>,
    delays_ms: Vec<i64>,
    preceded: u32,
}

/// Two pointers over the trigger's and the action's times.
fn follow(a: &[i64], b: &[i64], horizon: i64, clock: &mut LocalClock) -> Followed {
    let mut m = Followed {
        hits_by_hour: [0; 24],
        triggers_by_hour: [0; 24],
        days: Vec::new(),
        delays_ms: Vec::new(),
        preceded: 0,
    };
    let mut j = 0;
    for &t in a {
        while j < b.len() && b[j] <= t {
            j += 1;
        }
        let (day, ms) = clock.local(t);
        let hour = (ms / 3_600_000) as usize;
        m.triggers_by_hour[hour] += 1;
        if let Some(&next) = b.get(j)
            && next - t <= horizon
        {
            m.hits_by_hour[hour] += 1;
            m.delays_ms.push(next - t);
            if m.days.last() != Some(&day) {
                m.days.push(day);
            }
        }
    }
    let mut i = 0;
    for &t in b {
        while i < a.len() && a[i] < t {
            i += 1;
        }
        if i > 0 && t - a[i - 1] <= horizon {
            m.preceded += 1;
        }
    }
    m.days.dedup();
    m
}

/// The tests a measured pair must pass; the error says which failed, with
/// the figure and the threshold.
fn judge(c: &Candidate, m: &Followed, n_b: u32, th: &Thresholds) -> Result<Held, String> {
    let Some(held) = time_window(
        &m.hits_by_hour,
        &m.triggers_by_hour,
        th.sequence_min_confidence,
    ) else {
        return Err(format!(
            "the action followed in no hour on at least {:.0} % of the trigger's occurrences",
            80.0 * th.sequence_min_confidence
        ));
    };
    let follows = f64::from(held.followed) / f64::from(held.triggered.max(1));
    if held.followed < th.sequence_min_occurrences {
        return Err(format!(
            "followed {} times, fewer than {} (sequence_min_occurrences)",
            held.followed, th.sequence_min_occurrences
        ));
    }
    if follows < th.sequence_min_confidence {
        return Err(format!(
            "followed {:.0} % of the trigger's occurrences, less than {:.0} % (sequence_min_confidence)",
            100.0 * follows,
            100.0 * th.sequence_min_confidence
        ));
    }
    if (m.days.len() as u32) < th.sequence_min_days {
        return Err(format!(
            "seen on {} days, fewer than {} (sequence_min_days): one burst is not a habit",
            m.days.len(),
            th.sequence_min_days
        ));
    }
    if machine_exact(&m.delays_ms) {
        return Err("the delay is the same to the millisecond every time: an automation or a device does this".into());
    }
    if n_b == 0 || c.z < th.sequence_min_z {
        return Err(format!(
            "z = {:.1}, below {} (sequence_min_z)",
            c.z, th.sequence_min_z
        ));
    }
    Ok(held)
}

/// Whether most delays are the same to the millisecond.
fn machine_exact(delays_ms: &[i64]) -> bool {
    let mut sorted = delays_ms.to_vec();
    sorted.sort_unstable();
    let Some(&median) = sorted.get(sorted.len() / 2) else {
        return false;
    };
    let same = sorted
        .iter()
        .filter(|d| (**d - median).abs() <= MACHINE_MS)
        .count();
    sorted.len() >= 5 && same as f64 >= MACHINE_SHARE * sorted.len() as f64
}

fn sequence(v: &Verdict, c: &Candidate, m: &Followed, held: Held, n_b: u32) -> Sequence {
    let mut delays: Vec<f64> = m.delays_ms.iter().map(|d| *d as f64 / 1000.0).collect();
    let (median, p10, p90) = stats::quantiles(&mut delays).unwrap_or_default();
    let follows = f64::from(held.followed) / f64::from(held.triggered.max(1));
    let precedes = f64::from(m.preceded) / f64::from(n_b.max(1));
    Sequence {
        id: format!(
            "sequence:{}:{}:{}:{}",
            v.trigger_entity, v.trigger_state, v.action_entity, v.action_state
        ),
        trigger_entity: v.trigger_entity.clone(),
        trigger_state: v.trigger_state.clone(),
        action_entity: v.action_entity.clone(),
        action_state: v.action_state.clone(),
        occurrences: held.followed,
        trigger_count: held.triggered,
        action_count: n_b,
        days: m.days.len() as u32,
        follows,
        precedes,
        // Chance in the same units as `occurrences`, scaled to the hours
        // where it holds.
        expected_by_chance: c.expected * f64::from(held.followed) / f64::from(m.preceded.max(1)),
        z: c.z,
        horizon_s: c.horizon_ms as f64 / 1000.0,
        delay_median_s: median,
        delay_p10_s: p10,
        delay_p90_s: p90,
        time_window: held
            .hours
            .map(|(start, end)| (format!("{start:02}:00"), format!("{end:02}:00"))),
        confidence: follows.min(1.0) * precedes.sqrt().min(1.0),
        release: None,
    }
}

/// One sequence per pair of entities: the strongest (trigger state →
/// action state, either direction); a same-direction pair with both states
/// different becomes its release.
fn collapse(mut found: Vec<Sequence>) -> Vec<Sequence> {
    found.sort_by(|x, y| {
        strength(y)
            .total_cmp(&strength(x))
            .then_with(|| x.id.cmp(&y.id))
    });
    let mut kept: Vec<Sequence> = Vec::new();
    for s in found {
        let same_pair = kept.iter_mut().find(|k| {
            let (a, b) = (k.trigger_entity.as_str(), k.action_entity.as_str());
            (a, b) == (&s.trigger_entity, &s.action_entity)
                || (b, a) == (&s.trigger_entity, &s.action_entity)
        });
        match same_pair {
            None => kept.push(s),
            Some(k) => {
                let is_release = k.trigger_entity == s.trigger_entity
                    && k.trigger_state != s.trigger_state
                    && k.action_state != s.action_state;
                if is_release && k.release.is_none() {
                    k.release = Some(Release {
                        trigger_state: s.trigger_state,
                        action_state: s.action_state,
                        occurrences: s.occurrences,
                        delay_median_s: s.delay_median_s,
                    });
                }
            }
        }
    }
    kept
}

/// Which of several pairs of the same two entities is the habit: one that
/// starts something (on, open, playing: its undoing becomes the release),
/// then the one that follows most reliably, most often.
fn strength(s: &Sequence) -> f64 {
    let starts = if super::times::undoes(&s.action_state).is_some() {
        1.0
    } else {
        0.0
    };
    starts * 1e6 + s.follows * s.precedes.sqrt() * f64::from(s.occurrences).sqrt()
}

/// Where a pair holds: local hours `[start, end)`, `None` for all day, and
/// the followed and trigger counts within them.
#[derive(Debug, PartialEq)]
struct Held {
    hours: Option<(usize, usize)>,
    followed: u32,
    triggered: u32,
}

/// The hours where B reliably follows A: the longest circular run of hours
/// whose share is at least 80 % of the threshold (hours without any A do not
/// break a run). `None` when no hour qualifies.
fn time_window(hits: &[u32; 24], triggers: &[u32; 24], min_confidence: f64) -> Option<Held> {
    let good: Vec<bool> = (0..24)
        .map(|h| {
            triggers[h] == 0 || f64::from(hits[h]) / f64::from(triggers[h]) >= 0.8 * min_confidence
        })
        .collect();
    if good.iter().all(|g| *g) {
        return Some(Held {
            hours: None,
            followed: hits.iter().sum(),
            triggered: triggers.iter().sum(),
        });
    }
    // Longest circular run of good hours, by followed count.
    let mut best: Option<(usize, usize, u32)> = None;
    for start in (0..24).filter(|&h| good[h] && !good[(h + 23) % 24]) {
        let mut len = 0;
        let mut followed = 0;
        while len < 24 && good[(start + len) % 24] {
            followed += hits[(start + len) % 24];
            len += 1;
        }
        if best.is_none_or(|(_, _, f)| followed > f) {
            best = Some((start, len, followed));
        }
    }
    let (start, len, followed) = best?;
    let triggered = (start..start + len).map(|h| triggers[h % 24]).sum();
    // Trim hours with no trigger at the edges: the window is where it held.
    let mut first = start;
    let mut last = start + len - 1;
    while first < last && triggers[first % 24] == 0 {
        first += 1;
    }
    while last > first && triggers[last % 24] == 0 {
        last -= 1;
    }
    Some(Held {
        hours: Some((first % 24, (last + 1) % 24)),
        followed,
        triggered,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_evening_only_pattern_gets_its_hours() {
        let mut hits = [0; 24];
        let mut triggers = [2; 24];
        for h in 18..23 {
            hits[h] = 9;
            triggers[h] = 10;
        }
        let held = time_window(&hits, &triggers, 0.5).unwrap();
        assert_eq!(
            held,
            Held {
                hours: Some((18, 23)),
                followed: 45,
                triggered: 50
            }
        );
    }

    #[test]
    fn an_all_day_pattern_has_no_window() {
        assert_eq!(time_window(&[8; 24], &[10; 24], 0.5).unwrap().hours, None);
    }

    #[test]
    fn a_window_can_wrap_midnight() {
        let mut hits = [0; 24];
        let triggers = [10; 24];
        for h in [22, 23, 0, 1] {
            hits[h] = 9;
        }
        assert_eq!(
            time_window(&hits, &triggers, 0.5).unwrap().hours,
            Some((22, 2))
        );
    }

    #[test]
    fn chance_is_the_mirrored_count_when_that_is_larger() {
        // Busy together: as many before as after: nothing.
        assert!(chance_z(400, 390, 5.0).0 < 1.0);
        // Rare and one-sided: far above chance.
        assert!(chance_z(25, 0, 0.1).0 > 5.0);
        // Three against nothing is not enough.
        assert!(chance_z(3, 0, 0.0).0 < 5.0);
    }

    #[test]
    fn a_fixed_delay_to_the_millisecond_is_a_machine() {
        assert!(machine_exact(&[120, 121, 120, 120, 119, 120]));
        assert!(!machine_exact(&[1200, 3400, 2100, 5000, 2500, 4100]));
        assert!(!machine_exact(&[120, 120]));
    }
}
