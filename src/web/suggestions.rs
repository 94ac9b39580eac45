//! The suggestions page: every suggestion, those waiting for a decision
//! first, filtered by status and kind, with its confidence and when it was
//! first and last seen. One suggestion's page is `suggestion.rs`.

use axum::extract::{Query, State};
use axum::response::Response;
use jiff::tz::TimeZone;
use maud::{Markup, html};
use serde::Deserialize;

use super::layout::{self, Nav, local_time, percent, status_badge};
use super::{App, Failure, html};
use crate::db::suggestions::{self as stored, Suggestion};
use crate::model::{FindingKind, SuggestionStatus};

/// The list's filters, as the query string gives them (empty: all).
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    status: Option<String>,
    kind: Option<String>,
}

/// The filters, validated.
#[derive(Debug, Default, Clone, Copy)]
pub struct Filter {
    pub status: Option<SuggestionStatus>,
    pub kind: Option<FindingKind>,
}

impl Filter {
    fn parse(query: &ListQuery) -> Result<Filter, Failure> {
        fn one<T: std::str::FromStr>(text: Option<&str>, what: &str) -> Result<Option<T>, Failure> {
            match text.map(str::trim).filter(|t| !t.is_empty()) {
                None => Ok(None),
                Some(t) => t.parse().map(Some).map_err(|_| {
                    Failure::BadRequest(format!("There is no {what} called {:?}.", truncate(t)))
                }),
            }
        }
        Ok(Filter {
            status: one(query.status.as_deref(), "status")?,
            kind: one(query.kind.as_deref(), "kind")?,
        })
    }

    fn admits(&self, s: &Suggestion) -> bool {
        self.status.is_none_or(|st| s.status == st) && self.kind.is_none_or(|k| s.kind == k)
    }
}

pub async fn list(
    State(app): State<App>,
    Query(query): Query<ListQuery>,
) -> Result<Response, Failure> {
    let filter = Filter::parse(&query)?;
    let all = app.db.run(|conn| stored::list(conn, None)).await?;
    Ok(html(render_list(&all, filter, &app.tz)))
}

/// Where a status sorts in the list: what waits for the user first.
fn rank(status: SuggestionStatus) -> u8 {
    use SuggestionStatus as S;
    match status {
        S::New => 0,
        S::Approved => 1,
        S::Deployed => 2,
        S::Dismissed => 3,
        S::Rejected => 4,
        S::Expired => 5,
    }
}

/// The suggestions page for `all` suggestions (most confident first, as
/// stored), pending first; public for the rendering benchmark.
pub fn render_list(all: &[Suggestion], filter: Filter, tz: &TimeZone) -> Markup {
    let mut shown: Vec<&Suggestion> = all.iter().filter(|s| filter.admits(s)).collect();
    shown.sort_by_key(|s| rank(s.status));
    let pending = all.iter().filter(|s| s.status.is_pending()).count();
    let body = html! {
        h1 { "Suggestions" }
        p.muted { (pending) " waiting for a decision, " (all.len()) " in all." }
        form.filters method="get" action="./" {
            label { "Status"
                select name="status" {
                    option value="" { "all" }
                    @for st in SuggestionStatus::ALL {
                        option value=(st.as_str()) selected[filter.status == Some(*st)] {
                            (st.as_str()) " (" (all.iter().filter(|s| s.status == *st).count()) ")"
                        }
                    }
                }
            }
            label { "Kind"
                select name="kind" {
                    option value="" { "all" }
                    @for k in FindingKind::ALL {
                        option value=(k.as_str()) selected[filter.kind == Some(*k)] { (kind_name(*k)) }
                    }
                }
            }
            button type="submit" { "Show" }
        }
        section.card {
            @if shown.is_empty() {
                p.muted { "No suggestions here yet. habitd suggests what it has seen repeated; after its first analysis they appear here." }
            }
            ul.list {
                @for s in &shown {
                    li {
                        a.title href=(detail_href(&s.id)) { (s.title) }
                        span { (status_badge(s.status)) }
                        span.meta.muted {
                            (kind_name(s.kind)) " · "
                            (meter(s.confidence))
                            " " (percent(s.confidence)) " confident · first seen " (local_time(&s.first_seen_at, tz))
                            " · last seen " (local_time(&s.last_seen_at, tz))
                        }
                    }
                }
            }
        }
    };
    layout::page("Suggestions", Nav::Suggestions, body)
}

/// A share as a small bar. SVG attributes, not an inline style, which the
/// page's content security policy does not allow.
fn meter(share: f64) -> Markup {
    let width = (share * 100.0).clamp(0.0, 100.0);
    html! {
        svg.meter viewBox="0 0 100 6" preserveAspectRatio="none" aria-hidden="true" {
            rect.track width="100" height="6" rx="3" {}
            rect.fill width=(format!("{width:.0}")) height="6" rx="3" {}
        }
    }
}

pub fn kind_name(kind: FindingKind) -> &'static str {
    match kind {
        FindingKind::Routine => "time of day",
        FindingKind::Sequence => "one thing after another",
        FindingKind::Synergy => "devices that could work together",
        FindingKind::UnusedFeature => "unused feature",
    }
}

/// The relative link to one suggestion's page.
pub fn detail_href(id: &str) -> String {
    let mut href = String::from("suggestion?id=");
    for b in id.bytes() {
        if b.is_ascii_alphanumeric() || b == b'_' || b == b'-' {
            href.push(char::from(b));
        } else {
            href.push_str(&format!("%{b:02X}"));
        }
    }
    href
}

/// At most 60 characters of something a request sent, to quote it back.
pub(super) fn truncate(text: &str) -> String {
    text.chars().take(60).collect()
}
