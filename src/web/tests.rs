//! The pictures and the input checks, without a server.

use jiff::Timestamp;
use jiff::civil::date;

use super::charts::{self, Day};
use super::suggestion::valid_id;
use super::suggestions::detail_href;

fn ts(seconds: i64) -> Timestamp {
    Timestamp::from_second(seconds).unwrap()
}

#[test]
fn times_are_placed_around_the_suggested_time_across_midnight() {
    assert_eq!(charts::around(5.0, 1435.0), 10.0);
    assert_eq!(charts::around(1430.0, 5.0), -15.0);
    assert_eq!(charts::around(420.0, 405.0), 15.0);
    assert_eq!(charts::clock(1439.6), "00:00");
    assert_eq!(charts::clock(405.0), "06:45");
}

#[test]
fn the_routine_chart_has_a_row_per_day_and_a_dot_per_nearby_time() {
    let days = vec![
        // A Friday and a Saturday.
        Day {
            date: date(2026, 11, 27),
            minutes: vec![400.0, 1000.0],
        },
        Day {
            date: date(2026, 11, 28),
            minutes: vec![410.0],
        },
        Day {
            date: date(2026, 11, 29),
            minutes: vec![],
        },
    ];
    let svg = charts::routine(&days, 405.0, 5.0).into_string();
    assert_eq!(
        svg.matches("<circle").count(),
        2,
        "16:40 is far from 06:45: {svg}"
    );
    assert_eq!(svg.matches("class=\"weekday\"").count(), 1);
    assert_eq!(svg.matches("class=\"weekend\"").count(), 1);
    assert!(svg.contains("class=\"target\""));
    assert!(svg.contains(">06:00<") && svg.contains(">08:00<"), "{svg}");
}

#[test]
fn each_trigger_is_paired_with_the_first_action_before_the_next_trigger() {
    let triggers = [ts(0), ts(100), ts(200), ts(300)];
    // 2 s after the first; none after the second before the third; 90 s
    // after the third is beyond a 60 s maximum; 5 s after the fourth.
    let actions = [ts(2), ts(290), ts(305)];
    let pairs = charts::pair_delays(&triggers, &actions, 60_000);
    assert_eq!(pairs, vec![(ts(0), 2.0), (ts(300), 5.0)]);
}

#[test]
fn the_delay_histogram_counts_every_delay_once() {
    let svg = charts::delays(&[1.0, 1.2, 2.0, 8.0, 9.5]).into_string();
    let counts: u32 = svg
        .split("<title>")
        .skip(1)
        .map(|s| s.split('<').next().unwrap().parse::<u32>().unwrap())
        .sum();
    assert_eq!(counts, 5);
    assert!(svg.contains("median 2.0 s"), "{svg}");
}

#[test]
fn hours_outside_the_window_are_grey() {
    let mut counts = [0u32; 24];
    counts[19] = 4;
    let svg = charts::hours(&counts, Some((18, 23))).into_string();
    assert_eq!(svg.matches("class=\"bar off\"").count(), 19);
    let wrapped = charts::hours(&counts, Some((22, 2))).into_string();
    assert_eq!(wrapped.matches("class=\"bar off\"").count(), 20);
}

#[test]
fn request_ids_are_bounded_and_plain() {
    assert!(valid_id("habitd_routine_light_kitchen_on_weekdays").is_ok());
    for bad in ["", "../etc", "habitd_x'", "HABITD", &"a".repeat(201)] {
        assert!(valid_id(bad).is_err(), "{bad}");
    }
    assert_eq!(detail_href("habitd_a"), "suggestion?id=habitd_a");
    assert_eq!(detail_href("a&b"), "suggestion?id=a%26b");
}
