//! Small statistics the miners share: circular time of day, binomial z,
//! robust spread, and the local clock of raw event times.

use std::f64::consts::TAU;

use jiff::Timestamp;
use jiff::tz::TimeZone;

pub const MINUTES_PER_DAY: f64 = 1440.0;

/// Circular mean and standard deviation of times of day, in minutes. The
/// mean of 23:50 and 00:10 is 00:00, not 12:00.
pub fn circular_mean_std(minutes: &[f64]) -> Option<(f64, f64)> {
    if minutes.is_empty() {
        return None;
    }
    let (mut s, mut c) = (0.0, 0.0);
    for m in minutes {
        let angle = m / MINUTES_PER_DAY * TAU;
        s += angle.sin();
        c += angle.cos();
    }
    let n = minutes.len() as f64;
    let (s, c) = (s / n, c / n);
    let mean = (s.atan2(c) / TAU * MINUTES_PER_DAY).rem_euclid(MINUTES_PER_DAY);
    let r = (s * s + c * c).sqrt().clamp(1e-12, 1.0);
    let std = (-2.0 * r.ln()).sqrt() / TAU * MINUTES_PER_DAY;
    Some((mean, std))
}

/// The signed distance from `a` to `b` on the clock, in (-720, 720].
pub fn circular_diff(a: f64, b: f64) -> f64 {
    let d = (b - a).rem_euclid(MINUTES_PER_DAY);
    if d > MINUTES_PER_DAY / 2.0 {
        d - MINUTES_PER_DAY
    } else {
        d
    }
}

/// One-sided z-score of `observed` successes against independent trials with
/// success probabilities summing to `expected` and variance `variance`.
pub fn z_score(observed: f64, expected: f64, variance: f64) -> f64 {
    if variance <= 0.0 {
        return if observed > expected {
            f64::INFINITY
        } else {
            0.0
        };
    }
    (observed - expected) / variance.sqrt()
}

/// Median and the 10th–90th percentile range of `values` (sorted in place).
pub fn quantiles(values: &mut [f64]) -> Option<(f64, f64, f64)> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let at = |q: f64| values[((values.len() - 1) as f64 * q).round() as usize];
    Some((at(0.5), at(0.1), at(0.9)))
}

/// `hh:mm` of a minute of the day.
pub fn clock(minutes: f64) -> String {
    let m = minutes.round().rem_euclid(MINUTES_PER_DAY) as u32;
    format!("{:02}:{:02}", m / 60, m % 60)
}

/// Slots of [`LocalClock`]'s offset cache.
const OFFSET_SLOTS: usize = 2048;

/// Local day and time of day of UTC milliseconds, with the zone's offset
/// looked up once per UTC hour (offsets change on hour boundaries), so a
/// million events cost a million additions, not a million zone lookups.
pub struct LocalClock<'a> {
    tz: &'a TimeZone,
    /// (UTC hour, its offset), each hour in the slot of its number modulo
    /// the length: three months of hours without a collision (and a
    /// collision only costs a lookup).
    offsets: Vec<(i64, i64)>,
    /// The last hour asked and its offset: events come in time order, so
    /// most calls need no lookup at all.
    last: (i64, i64),
}

impl<'a> LocalClock<'a> {
    pub fn new(tz: &'a TimeZone) -> Self {
        LocalClock {
            tz,
            offsets: vec![(i64::MIN, 0); OFFSET_SLOTS],
            last: (i64::MIN, 0),
        }
    }

    /// Local day (days since 1970-01-01) and milliseconds since local midnight.
    pub fn local(&mut self, ts: i64) -> (i32, i64) {
        let utc_hour = ts.div_euclid(3_600_000);
        let offset = if self.last.0 == utc_hour {
            self.last.1
        } else {
            let slot = utc_hour.rem_euclid(OFFSET_SLOTS as i64) as usize;
            let offset = match self.offsets[slot] {
                (hour, offset) if hour == utc_hour => offset,
                _ => {
                    let offset = Timestamp::from_millisecond(utc_hour * 3_600_000)
                        .map(|t| i64::from(self.tz.to_offset(t).seconds()) * 1000)
                        .unwrap_or(0);
                    self.offsets[slot] = (utc_hour, offset);
                    offset
                }
            };
            self.last = (utc_hour, offset);
            offset
        };
        let local = ts + offset;
        (
            local.div_euclid(86_400_000) as i32,
            local.rem_euclid(86_400_000),
        )
    }

    /// Local hour of day.
    pub fn hour(&mut self, ts: i64) -> usize {
        (self.local(ts).1 / 3_600_000) as usize
    }
}

/// A robust centre and spread of times of day around a first guess: the
/// median of the signed distances from the guess, and the standard deviation
/// of the inliers, those within `max(3 × 1.4826 × MAD, floor)` of the median.
/// A few late nights do not move the centre or widen the spread; they come
/// back as `outliers`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Robust {
    pub center: f64,
    pub spread: f64,
    pub inliers: usize,
    pub outliers: usize,
    /// The largest distance of an inlier from the centre, in minutes.
    pub reach: f64,
}

pub fn robust_times(guess: f64, minutes: &[f64], floor: f64) -> Option<Robust> {
    let mut d: Vec<f64> = minutes.iter().map(|m| circular_diff(guess, *m)).collect();
    let median = median(&mut d)?;
    let mut dev: Vec<f64> = d.iter().map(|x| (x - median).abs()).collect();
    let mad = median_of(&mut dev)?;
    let limit = (3.0 * 1.4826 * mad).max(floor);
    let inliers: Vec<f64> = d
        .iter()
        .filter(|x| (*x - median).abs() <= limit)
        .copied()
        .collect();
    let n = inliers.len() as f64;
    let mean = inliers.iter().sum::<f64>() / n.max(1.0);
    let var = inliers.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n.max(1.0);
    let reach = inliers
        .iter()
        .map(|x| (x - median).abs())
        .fold(0.0, f64::max);
    Some(Robust {
        center: (guess + median).rem_euclid(MINUTES_PER_DAY),
        spread: var.sqrt(),
        inliers: inliers.len(),
        outliers: d.len() - inliers.len(),
        reach,
    })
}

/// The median (sorts in place).
pub fn median(values: &mut [f64]) -> Option<f64> {
    median_of(values)
}

fn median_of(values: &mut [f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let n = values.len();
    Some(if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mean_of_times_around_midnight_is_midnight() {
        let (mean, std) = circular_mean_std(&[1430.0, 1435.0, 5.0, 10.0]).unwrap();
        assert!(circular_diff(mean, 0.0).abs() < 1.0, "{mean}");
        assert!(std > 5.0 && std < 12.0, "{std}");
    }

    #[test]
    fn spread_matches_a_linear_std_for_tight_times() {
        let (mean, std) = circular_mean_std(&[400.0, 410.0, 420.0]).unwrap();
        assert!((mean - 410.0).abs() < 1e-6);
        assert!((std - 8.165).abs() < 0.1, "{std}");
    }

    #[test]
    fn clock_and_differences() {
        assert_eq!(clock(405.0), "06:45");
        assert_eq!(clock(1439.6), "00:00");
        assert_eq!(circular_diff(1430.0, 10.0), 20.0);
        assert_eq!(circular_diff(10.0, 1430.0), -20.0);
    }

    #[test]
    fn a_few_late_nights_do_not_break_the_spread() {
        // 23:05 ± 3 min on 24 days, and four late nights past midnight.
        let mut times: Vec<f64> = (0..24).map(|i| 1385.0 + f64::from(i % 7) - 3.0).collect();
        times.extend([1430.0, 10.0, 40.0, 50.0]);
        let r = robust_times(1385.0, &times, 5.0).unwrap();
        assert!(circular_diff(r.center, 1385.0).abs() < 1.5, "{r:?}");
        assert!(r.spread < 3.0, "{r:?}");
        assert_eq!((r.inliers, r.outliers), (24, 4));
        let (_, plain) = circular_mean_std(&times).unwrap();
        assert!(plain > 15.0, "the plain spread is what broke: {plain}");
    }

    #[test]
    fn the_local_clock_follows_daylight_saving() {
        let tz = TimeZone::get("Europe/Berlin").unwrap();
        let mut clock = LocalClock::new(&tz);
        // 2026-03-28 06:00 UTC is 07:00 CET; 2026-03-30 05:00 UTC is 07:00 CEST.
        let before: Timestamp = "2026-03-28T06:00:00Z".parse().unwrap();
        let after: Timestamp = "2026-03-30T05:00:00Z".parse().unwrap();
        assert_eq!(clock.local(before.as_millisecond()).1, 7 * 3_600_000);
        assert_eq!(clock.local(after.as_millisecond()).1, 7 * 3_600_000);
        assert_eq!(
            clock.local(after.as_millisecond()).0 - clock.local(before.as_millisecond()).0,
            2
        );
    }

    #[test]
    fn z_of_chance_is_small_and_of_a_pattern_large() {
        assert!(z_score(10.0, 10.0, 9.0).abs() < 1e-9);
        assert!(z_score(40.0, 10.0, 9.0) > 9.0);
    }
}
