//! The frame every page shares: head, navigation, the embedded stylesheet
//! and script, and small pieces several pages show (a status badge, a time).

use axum::http::header;
use axum::response::IntoResponse;
use jiff::Timestamp;
use jiff::tz::TimeZone;
use maud::{DOCTYPE, Markup, html};

use crate::model::SuggestionStatus;

const STYLE: &str = include_str!("style.css");
const SCRIPT: &str = include_str!("copy.js");

/// Which navigation entry is the current page.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Nav {
    Suggestions,
    Jobs,
    Recorded,
    None,
}

pub fn page(title: &str, current: Nav, body: Markup) -> Markup {
    page_refreshing(title, current, None, body)
}

/// A page that reloads itself every `seconds` (while a job runs): a meta
/// refresh, so it needs no script.
pub fn page_refreshing(title: &str, current: Nav, seconds: Option<u32>, body: Markup) -> Markup {
    let entry = |nav: Nav, href: &str, text: &str| {
        html! { a href=(href) aria-current=[(nav == current).then_some("page")] { (text) } }
    };
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                @if let Some(seconds) = seconds { meta http-equiv="refresh" content=(seconds); }
                title { (title) " · habitd" }
                link rel="stylesheet" href="style.css";
                // No favicon request: it would go to the site root, outside an ingress prefix.
                link rel="icon" href="data:,";
                script src="copy.js" defer {}
            }
            body {
                header {
                    nav {
                        span.brand { "habitd" }
                        (entry(Nav::Suggestions, "./", "Suggestions"))
                        (entry(Nav::Jobs, "jobs", "Jobs"))
                        (entry(Nav::Recorded, "recorded", "Recorded"))
                    }
                }
                main { (body) }
            }
        }
    }
}

pub async fn stylesheet() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=3600"),
        ],
        STYLE,
    )
}

pub async fn script() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=3600"),
        ],
        SCRIPT,
    )
}

pub fn status_badge(status: SuggestionStatus) -> Markup {
    html! { span class={"badge " (status.as_str())} { (status.as_str()) } }
}

/// A stored RFC 3339 time as the home's local date and minute.
pub fn local_time(text: &str, tz: &TimeZone) -> String {
    text.parse::<Timestamp>()
        .map(|t| when(t, tz))
        .unwrap_or_else(|_| text.to_owned())
}

pub fn when(t: Timestamp, tz: &TimeZone) -> String {
    tz.to_datetime(t).strftime("%Y-%m-%d %H:%M").to_string()
}

/// A duration in milliseconds as people read it.
pub fn duration_ms(ms: i64) -> String {
    if ms < 1000 {
        format!("{ms} ms")
    } else {
        format!("{:.1} s", ms as f64 / 1000.0)
    }
}

/// A share as a whole percentage.
pub fn percent(share: f64) -> String {
    format!("{:.0} %", (share * 100.0).clamp(0.0, 100.0))
}
