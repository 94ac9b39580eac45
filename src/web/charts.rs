//! The pictures: small SVG charts rendered on the server, styled by the
//! stylesheet (so they follow dark mode), with a fixed view box that scales
//! to the width of a phone. Pure functions of the numbers they draw.

use jiff::Timestamp;
use jiff::civil::{Date, Weekday};
use maud::{Markup, html};

/// Width of every chart's view box; the page scales it to the screen.
const W: f64 = 360.0;

/// One day of a routine's window: when the state was reached that day.
#[derive(Debug, Clone, PartialEq)]
pub struct Day {
    pub date: Date,
    /// Minutes after local midnight.
    pub minutes: Vec<f64>,
}

pub fn is_weekend(date: Date) -> bool {
    matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday)
}

/// How far either side of the suggested time the routine chart shows.
const ROUTINE_SPAN: f64 = 120.0;

/// Every day of the window as a row, each occurrence near the suggested
/// time as a dot (filled on weekdays, hollow on weekends), the suggested
/// time as a dashed line and its usual spread as a band.
pub fn routine(days: &[Day], center: f64, spread: f64) -> Markup {
    let (left, top, row, bottom) = (44.0, 6.0, 11.0, 24.0);
    let plot = W - left - 8.0;
    let height = top + row * days.len().max(1) as f64 + bottom;
    let x = |delta: f64| left + (delta + ROUTINE_SPAN) / (2.0 * ROUTINE_SPAN) * plot;
    let axis_y = top + row * days.len() as f64;
    let band = spread.clamp(0.0, ROUTINE_SPAN);
    html! {
        svg.chart viewBox=(format!("0 0 {W} {height:.0}")) role="img"
            aria-label=(format!("{} days, each occurrence at its time of day", days.len())) {
            rect.band x=(f(x(-band))) y=(f(top)) width=(f(x(band) - x(-band))) height=(f(axis_y - top)) {}
            @for (i, day) in days.iter().enumerate() {
                @let y = top + row * (i as f64 + 0.5);
                @if is_weekend(day.date) {
                    rect.weekend-row x=(f(left)) y=(f(y - row / 2.0)) width=(f(plot)) height=(f(row)) {}
                }
                // Mondays are labelled: the weeks are the rhythm to see.
                @if day.date.weekday() == Weekday::Monday {
                    text x=(f(left - 6.0)) y=(f(y + 4.0)) text-anchor="end" { (day.date.strftime("%d %b")) }
                }
                line.axis x1=(f(left)) x2=(f(left + plot)) y1=(f(y)) y2=(f(y)) stroke-opacity="0.35" {}
                @for m in &day.minutes {
                    @let delta = around(*m, center);
                    @if delta.abs() <= ROUTINE_SPAN {
                        circle class=(if is_weekend(day.date) { "weekend" } else { "weekday" })
                            cx=(f(x(delta))) cy=(f(y)) r="3.6" {}
                    }
                }
            }
            line.target x1=(f(x(0.0))) x2=(f(x(0.0))) y1=(f(top - 2.0)) y2=(f(axis_y)) {}
            line.axis x1=(f(left)) x2=(f(left + plot)) y1=(f(axis_y)) y2=(f(axis_y)) {}
            @for tick in hour_ticks(center) {
                @let tx = x(around(tick, center));
                line.axis x1=(f(tx)) x2=(f(tx)) y1=(f(axis_y)) y2=(f(axis_y + 4.0)) {}
                text x=(f(tx)) y=(f(axis_y + 16.0)) text-anchor="middle" { (clock(tick)) }
            }
        }
    }
}

/// `minutes` relative to `center` on the clock, in −720..720, so a routine
/// at 23:55 sees 00:05 ten minutes after it rather than a day before.
pub fn around(minutes: f64, center: f64) -> f64 {
    (minutes - center + 720.0).rem_euclid(1440.0) - 720.0
}

/// Whole hours within the routine chart's span.
fn hour_ticks(center: f64) -> Vec<f64> {
    let first = ((center - ROUTINE_SPAN) / 60.0).ceil() as i64;
    let last = ((center + ROUTINE_SPAN) / 60.0).floor() as i64;
    (first..=last)
        .map(|h| (h * 60).rem_euclid(1440) as f64)
        .collect()
}

pub fn clock(minutes: f64) -> String {
    let m = (minutes.round() as i64).rem_euclid(1440);
    format!("{:02}:{:02}", m / 60, m % 60)
}

/// The delays between a trigger and the action that followed it: for each
/// trigger, the first action at or after it, within `max_ms` and before the
/// next trigger. Returns each pair's trigger time and delay in seconds.
pub fn pair_delays(
    triggers: &[Timestamp],
    actions: &[Timestamp],
    max_ms: i64,
) -> Vec<(Timestamp, f64)> {
    let mut pairs = Vec::new();
    let mut a = 0;
    for (i, t) in triggers.iter().enumerate() {
        let t_ms = t.as_millisecond();
        while a < actions.len() && actions[a].as_millisecond() < t_ms {
            a += 1;
        }
        let Some(action) = actions.get(a) else { break };
        let delay = action.as_millisecond() - t_ms;
        let before_next = triggers.get(i + 1).is_none_or(|n| action < n);
        if delay <= max_ms && before_next {
            pairs.push((*t, delay as f64 / 1000.0));
        }
    }
    pairs
}

/// A histogram of delays in seconds, with the median as a dashed line.
pub fn delays(delays_s: &[f64]) -> Markup {
    let longest = delays_s.iter().copied().fold(0.0, f64::max);
    let upper = nice_ceiling(longest.max(1.0));
    let bins = 12usize;
    let mut counts = vec![0u32; bins];
    for d in delays_s {
        let i = ((d / upper) * bins as f64).floor() as usize;
        counts[i.min(bins - 1)] += 1;
    }
    let median = median(delays_s);
    let labels = [0.0, upper / 2.0, upper].map(|s| (s / upper, seconds(s)));
    let marker = median.map(|m| (m / upper, format!("median {}", seconds(m))));
    bars(
        &counts,
        &vec![true; bins],
        &labels,
        marker,
        "delays after the trigger",
    )
}

/// Occurrences per hour of the day; the hours where the pattern holds
/// (`hours`, from–to) drawn in colour, the others grey.
pub fn hours(counts: &[u32; 24], hours: Option<(u32, u32)>) -> Markup {
    let on: Vec<bool> = (0..24u32)
        .map(|h| match hours {
            None => true,
            Some((from, to)) if from <= to => h >= from && h < to,
            Some((from, to)) => h >= from || h < to,
        })
        .collect();
    let labels = [0.0, 6.0, 12.0, 18.0, 24.0].map(|h| (h / 24.0, format!("{h:02}:00")));
    bars(
        counts,
        &on,
        &labels,
        None,
        "occurrences per hour of the day",
    )
}

/// Events per day, one bar each, with every day of the range present.
pub fn per_day(days: &[(Date, u64)]) -> Markup {
    let counts: Vec<u32> = days
        .iter()
        .map(|(_, n)| u32::try_from(*n).unwrap_or(u32::MAX))
        .collect();
    let mut labels = Vec::new();
    if let (Some(first), Some(last)) = (days.first(), days.last()) {
        labels.push((0.0, first.0.strftime("%d %b").to_string()));
        labels.push((1.0, last.0.strftime("%d %b").to_string()));
    }
    bars(
        &counts,
        &vec![true; counts.len()],
        &labels,
        None,
        "events per day",
    )
}

/// Vertical bars with the largest count written at the top left, labels at
/// fractions of the width, and an optional dashed marker line.
fn bars(
    counts: &[u32],
    on: &[bool],
    labels: &[(f64, String)],
    marker: Option<(f64, String)>,
    what: &str,
) -> Markup {
    let (left, top, plot_h, bottom) = (34.0, 14.0, 110.0, 22.0);
    let plot = W - left - 10.0;
    let height = top + plot_h + bottom;
    let most = counts.iter().copied().max().unwrap_or(0).max(1);
    let slot = plot / counts.len().max(1) as f64;
    let axis_y = top + plot_h;
    html! {
        svg.chart viewBox=(format!("0 0 {W} {height:.0}")) role="img" aria-label=(what) {
            text x=(f(left - 4.0)) y=(f(top + 4.0)) text-anchor="end" { (most) }
            text x=(f(left - 4.0)) y=(f(axis_y)) text-anchor="end" { "0" }
            line.axis x1=(f(left)) x2=(f(left + plot)) y1=(f(top)) y2=(f(top)) stroke-opacity="0.35" {}
            @for (i, n) in counts.iter().enumerate() {
                @let h = f64::from(*n) / f64::from(most) * plot_h;
                rect class=(if on.get(i).copied().unwrap_or(true) { "bar" } else { "bar off" })
                    x=(f(left + slot * i as f64 + slot * 0.12)) y=(f(axis_y - h))
                    width=(f(slot * 0.76)) height=(f(h)) {
                    title { (n) }
                }
            }
            line.axis x1=(f(left)) x2=(f(left + plot)) y1=(f(axis_y)) y2=(f(axis_y)) {}
            @for (at, label) in labels {
                @let anchor = if *at <= 0.0 { "start" } else if *at >= 1.0 { "end" } else { "middle" };
                text x=(f(left + plot * at)) y=(f(axis_y + 16.0)) text-anchor=(anchor) { (label) }
            }
            @if let Some((at, label)) = marker {
                line.target x1=(f(left + plot * at)) x2=(f(left + plot * at)) y1=(f(top)) y2=(f(axis_y)) {}
                text x=(f(left + plot * at + 4.0)) y=(f(top + 10.0)) { (label) }
            }
        }
    }
}

fn median(values: &[f64]) -> Option<f64> {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted.get(sorted.len() / 2).copied()
}

/// The smallest of 1, 2, 5, 10, 15, 30, 60, 120, 300 … at least `value`.
fn nice_ceiling(value: f64) -> f64 {
    const STEPS: [f64; 12] = [
        1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0,
    ];
    STEPS
        .into_iter()
        .find(|s| *s >= value)
        .unwrap_or(value.ceil())
}

pub fn seconds(s: f64) -> String {
    if s < 10.0 {
        format!("{s:.1} s")
    } else if s < 120.0 {
        format!("{s:.0} s")
    } else {
        format!("{:.0} min", s / 60.0)
    }
}

/// A coordinate with one decimal: enough for a 420-wide view box.
fn f(v: f64) -> String {
    format!("{v:.1}")
}
