//! A suggestion's evidence, in words and as a picture. The words come from
//! the stored finding; the picture from the events habitd recorded in the
//! analysis window, read for this one suggestion: every day's times for a
//! routine, and the delays between trigger and action for a sequence.

use jiff::{Timestamp, civil::Date};
use maud::{Markup, html};

use super::App;
use super::charts::{self, Day};
use crate::analysis::Finding;
use crate::analysis::routines::DayClass;
use crate::db;

/// What a suggestion's picture is drawn from.
pub enum Picture {
    Routine {
        days: Vec<Day>,
        center: f64,
        spread: f64,
    },
    Sequence {
        delays: Vec<f64>,
        hours: [u32; 24],
        held: Option<(u32, u32)>,
    },
    /// Nothing in time to draw (synergies, unused features).
    Nothing,
}

/// Reads what the picture of `finding` needs from the database.
pub async fn picture(app: &App, finding: &Finding) -> anyhow::Result<Picture> {
    let now = Timestamp::now();
    let since = now - jiff::SignedDuration::try_from(app.window)?;
    let tz = app.tz.clone();
    match finding {
        Finding::Routine(r) => {
            let (entity, state) = (r.entity_id.clone(), r.state.clone());
            let times = app
                .db
                .run(move |conn| db::recorded::times(conn, &entity, &state, since))
                .await?;
            let first = tz.to_datetime(since).date();
            let last = tz.to_datetime(now).date();
            let mut days: Vec<Day> = dates(first, last)
                .map(|date| Day {
                    date,
                    minutes: Vec::new(),
                })
                .collect();
            for t in times {
                let local = tz.to_datetime(t);
                let offset = days_between(first, local.date());
                if let Some(day) = usize::try_from(offset).ok().and_then(|i| days.get_mut(i)) {
                    day.minutes.push(
                        f64::from(local.hour()) * 60.0
                            + f64::from(local.minute())
                            + f64::from(local.second()) / 60.0,
                    );
                }
            }
            Ok(Picture::Routine {
                days,
                center: r.center_minutes,
                spread: r.spread_minutes,
            })
        }
        Finding::Sequence(s) => {
            let (t_entity, t_state) = (s.trigger_entity.clone(), s.trigger_state.clone());
            let (a_entity, a_state) = (s.action_entity.clone(), s.action_state.clone());
            let (triggers, actions) = app
                .db
                .run(move |conn| {
                    Ok((
                        db::recorded::times(conn, &t_entity, &t_state, since)?,
                        db::recorded::times(conn, &a_entity, &a_state, since)?,
                    ))
                })
                .await?;
            let pairs = charts::pair_delays(&triggers, &actions, app.max_delay_ms);
            let mut hours = [0u32; 24];
            for (t, _) in &pairs {
                hours[usize::from(tz.to_datetime(*t).hour().unsigned_abs()).min(23)] += 1;
            }
            let held = s
                .time_window
                .as_ref()
                .and_then(|(from, to)| Some((hour_of(from)?, hour_of(to)?)));
            Ok(Picture::Sequence {
                delays: pairs.iter().map(|(_, d)| *d).collect(),
                hours,
                held,
            })
        }
        Finding::Synergy(_) | Finding::UnusedFeature(_) => Ok(Picture::Nothing),
    }
}

fn dates(first: Date, last: Date) -> impl Iterator<Item = Date> {
    first
        .series(jiff::Span::new().days(1))
        .take_while(move |d| *d <= last)
}

fn days_between(first: Date, date: Date) -> i64 {
    first
        .until(date)
        .map_or(-1, |span| i64::from(span.get_days()))
}

/// The hour of an `hh:mm` text.
fn hour_of(text: &str) -> Option<u32> {
    text.split(':').next()?.parse().ok().filter(|h| *h <= 24)
}

pub fn render(picture: &Picture) -> Markup {
    match picture {
        Picture::Routine {
            days,
            center,
            spread,
        } => html! {
            h2 { "Every day of the window" }
            div.legend {
                span { i.weekday {} "weekday" }
                span { i.weekend {} "weekend day" }
                span { i.target {} "suggested time, " (charts::clock(*center)) " (shaded: ± " (format!("{spread:.0}")) " min)" }
            }
            (charts::routine(days, *center, *spread))
        },
        Picture::Sequence {
            delays,
            hours,
            held,
        } => html! {
            h2 { "How long after the trigger" }
            @if delays.is_empty() {
                p.muted { "The events behind this pattern are no longer in the database." }
            } @else {
                (charts::delays(delays))
                h2 { "When in the day" }
                @if let Some((from, to)) = held { p.muted { "It holds from " (format!("{from:02}:00")) " to " (format!("{to:02}:00")) " (in colour)." } }
                (charts::hours(hours, *held))
            }
        },
        Picture::Nothing => html! {},
    }
}

/// The evidence of a finding as facts beside its description.
pub fn facts(finding: &Finding) -> Vec<(&'static str, String)> {
    match finding {
        Finding::Routine(r) => {
            let class = match r.days {
                DayClass::All => "days",
                DayClass::Weekdays => "weekdays",
                DayClass::Weekends => "weekend days",
            };
            vec![
                ("Device", format!("{} → {}", r.entity_id, r.state)),
                (
                    "Seen",
                    format!("on {} of {} {class}", r.days_observed, r.days_in_class),
                ),
                (
                    "Usual time",
                    format!("{} ± {:.0} min", r.time, r.spread_minutes),
                ),
                (
                    "Against chance",
                    format!("{:.1} standard deviations above it", r.z),
                ),
            ]
        }
        Finding::Sequence(s) => vec![
            (
                "When",
                format!("{} → {}", s.trigger_entity, s.trigger_state),
            ),
            ("Then", format!("{} → {}", s.action_entity, s.action_state)),
            (
                "Seen",
                format!(
                    "{} times, after {:.0} % of the triggers",
                    s.occurrences,
                    s.follows * 100.0
                ),
            ),
            (
                "Delay",
                format!(
                    "{} usually, most between {} and {}",
                    charts::seconds(s.delay_median_s),
                    charts::seconds(s.delay_p10_s),
                    charts::seconds(s.delay_p90_s)
                ),
            ),
            (
                "By chance",
                format!("about {:.1} times would be expected", s.expected_by_chance),
            ),
            (
                "Hours",
                s.time_window
                    .as_ref()
                    .map_or("all day".to_owned(), |(from, to)| format!("{from} to {to}")),
            ),
        ],
        Finding::Synergy(y) => vec![
            ("Sensor", y.trigger_entity.clone()),
            ("Could control", y.action_entity.clone()),
            ("Area", y.area.clone()),
            (
                "Used by hand",
                format!("{} times in the window", y.action_usage),
            ),
        ],
        Finding::UnusedFeature(f) => vec![
            ("Device", f.device.clone()),
            ("Feature", format!("{} ({})", f.name, f.property)),
            (
                "Seen in use",
                if f.write_only {
                    "cannot tell: Zigbee2MQTT never reports it".to_owned()
                } else {
                    "never in the window".to_owned()
                },
            ),
        ],
    }
}
