//! Small statistics the miners share: circular time of day, binomial z.

use std::f64::consts::TAU;

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
    fn z_of_chance_is_small_and_of_a_pattern_large() {
        assert!(z_score(10.0, 10.0, 9.0).abs() < 1e-9);
        assert!(z_score(40.0, 10.0, 9.0) > 9.0);
    }
}
