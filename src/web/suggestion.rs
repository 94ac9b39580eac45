//! One suggestion's page: its description, the evidence as facts and as a
//! picture, the automation as YAML, and buttons for the decisions its status
//! allows, carried out by the same code as MQTT and the CLI
//! (`db::suggestions::decide`, `deploy`), whose rules are the model's.

use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use serde::Deserialize;

use super::evidence::{self, Picture};
use super::layout::{self, Nav, local_time, percent, status_badge};
use super::suggestions::{detail_href, kind_name, truncate};
use super::{App, Failure, html, see_other};
use crate::db::suggestions::{self as stored, Suggestion};
use crate::model::{Decision, SuggestionStatus};

/// Longest suggestion id accepted from a request; real ones are far shorter.
const MAX_ID: usize = 200;

#[derive(Debug, Deserialize)]
pub struct ShowQuery {
    id: Option<String>,
}

pub async fn show(
    State(app): State<App>,
    Query(query): Query<ShowQuery>,
) -> Result<Response, Failure> {
    let id = valid_id(query.id.as_deref().unwrap_or(""))?;
    render_detail(&app, &id, None).await.map(html)
}

/// A suggestion id from a request: bounded, and only the characters ids
/// are made of, so nothing else reaches the database or a log line.
pub fn valid_id(text: &str) -> Result<String, Failure> {
    let ok = !text.is_empty()
        && text.len() <= MAX_ID
        && text
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if ok {
        Ok(text.to_owned())
    } else {
        Err(Failure::BadRequest(format!(
            "{:?} is not a suggestion id.",
            truncate(text)
        )))
    }
}

/// What a button on the page does: a decision of the model, or taking a
/// deployed automation back out of Home Assistant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    Decide(Decision),
    Undeploy,
}

impl Action {
    fn parse(text: &str) -> Option<Action> {
        match text {
            "undeploy" => Some(Action::Undeploy),
            other => other.parse().ok().map(Action::Decide),
        }
    }

    fn value(self) -> &'static str {
        match self {
            Action::Decide(d) => d.as_str(),
            Action::Undeploy => "undeploy",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Action::Decide(Decision::Approve) => "Approve",
            Action::Decide(Decision::Deploy) => "Deploy to Home Assistant",
            Action::Decide(Decision::Reject) => "Reject: never offer again",
            Action::Decide(Decision::Dismiss) => "Dismiss for now",
            Action::Decide(Decision::Restore) => "Undo: offer it again",
            Action::Undeploy => "Remove from Home Assistant",
        }
    }
}

/// The buttons a suggestion offers: what its status allows and changes.
fn actions(s: &Suggestion) -> Vec<Action> {
    let mut out: Vec<Action> = [
        Decision::Approve,
        Decision::Deploy,
        Decision::Restore,
        Decision::Dismiss,
        Decision::Reject,
    ]
    .into_iter()
    .filter(|d| s.status.after(*d).is_ok_and(|next| next != s.status))
    .filter(|d| *d != Decision::Deploy || !s.automation.is_null())
    .map(Action::Decide)
    .collect();
    if s.status == SuggestionStatus::Deployed {
        out.push(Action::Undeploy);
    }
    out
}

async fn render_detail(app: &App, id: &str, failed: Option<String>) -> Result<Markup, Failure> {
    let key = id.to_owned();
    let Some(s) = app.db.run(move |conn| stored::get(conn, &key)).await? else {
        return Err(Failure::NotFound(format!("There is no suggestion {id}.")));
    };
    let picture = evidence::picture(app, &s.evidence).await?;
    Ok(detail(app, &s, &picture, failed))
}

fn detail(app: &App, s: &Suggestion, picture: &Picture, failed: Option<String>) -> Markup {
    let body = html! {
        p { a href="./" { "← All suggestions" } }
        h1 { (s.title) }
        p { (status_badge(s.status)) " " span.muted { (kind_name(s.kind)) " · " (percent(s.confidence)) " confident" } }
        @if let Some(message) = &failed { p.alert role="alert" { (message) } }
        @if let Some(error) = &s.error { p.alert { strong { "Last error: " } (error) } }
        section.card {
            p { (s.description) }
            dl.facts {
                @for (what, value) in evidence::facts(&s.evidence) { dt { (what) } dd { (value) } }
            }
            (evidence::render(picture))
        }
        div.actions {
            @for action in actions(s) {
                form method="post" action="decide" {
                    input type="hidden" name="id" value=(s.id);
                    input type="hidden" name="decision" value=(action.value());
                    input type="hidden" name="csrf" value=(app.guard.csrf());
                    button type="submit"
                        class=(match action { Action::Decide(Decision::Approve | Decision::Deploy | Decision::Restore) => "primary", Action::Decide(Decision::Reject) => "danger", _ => "" }) {
                        (action.label())
                    }
                }
            }
        }
        @if let Some(yaml) = &s.automation_yaml {
            section.card {
                h2 { "The automation" }
                pre id="automation-yaml" { (yaml) }
                button type="button" data-copy="automation-yaml" { "Copy YAML" }
            }
        }
        section.card {
            dl.facts {
                dt { "First seen" } dd { (local_time(&s.first_seen_at, &app.tz)) }
                dt { "Last seen" } dd { (local_time(&s.last_seen_at, &app.tz)) }
                @if let Some(at) = &s.deployed_at { dt { "Deployed" } dd { (local_time(at, &app.tz)) } }
                dt { "Worded by" } dd { (s.worded_by) }
                dt { "Id" } dd { code { (s.id) } }
            }
        }
    };
    layout::page(&s.title, Nav::Suggestions, body)
}

#[derive(Debug, Deserialize)]
pub struct DecideForm {
    id: String,
    decision: String,
    csrf: String,
}

/// Carries out a button's decision, tells Home Assistant, and shows the
/// suggestion again: by redirect when it worked, with the reason when not.
pub async fn decide(
    State(app): State<App>,
    Form(form): Form<DecideForm>,
) -> Result<Response, Failure> {
    if !app.guard.form_is_ours(&form.csrf) {
        return Err(Failure::BadRequest(
            "This form is out of date (habitd restarted). Reload the page and try again.".into(),
        ));
    }
    let id = valid_id(&form.id)?;
    let Some(action) = Action::parse(&form.decision) else {
        return Err(Failure::BadRequest(format!(
            "{:?} is not a decision.",
            truncate(&form.decision)
        )));
    };
    let outcome = carry_out(&app, &id, action).await;
    app.refresh_home_assistant();
    match outcome {
        Ok(()) => {
            tracing::info!(suggestion = %id, action = action.value(), "decided on the review page");
            Ok(see_other(detail_href(&id)))
        }
        Err(e) => {
            let message = format!("{} did not work: {e:#}", action.label());
            let page = render_detail(&app, &id, Some(message)).await?;
            Ok((StatusCode::CONFLICT, html(page)).into_response())
        }
    }
}

async fn carry_out(app: &App, id: &str, action: Action) -> anyhow::Result<()> {
    match action {
        Action::Decide(Decision::Deploy) => {
            crate::deploy::deploy(&app.db, app.ha.as_ref(), &app.policy, id)
                .await
                .map(drop)
        }
        Action::Undeploy => crate::deploy::undeploy(&app.db, app.ha.as_ref(), id).await,
        Action::Decide(decision) => {
            let key = id.to_owned();
            app.db
                .run(move |conn| stored::decide(conn, &key, decision))
                .await
                .map(drop)
        }
    }
}
