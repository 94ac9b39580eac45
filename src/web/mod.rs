//! The review page: a small web interface served by the daemon itself, where
//! a Home Assistant user sees each suggestion's evidence drawn, decides on it
//! in one click, follows the analysis jobs, and sees what habitd records.
//!
//! Server-rendered HTML (maud templates compiled into the binary) with the
//! pictures as inline SVG, one embedded stylesheet and a few lines of
//! script for the copy button: no front-end build, no framework. Every URL
//! is relative and every page sits at the top level (`suggestion?id=…`, not
//! `suggestion/…`), so the same HTML works at `/` and behind Home Assistant's
//! ingress proxy, which serves it under `/api/hassio_ingress/<token>/`: the
//! browser resolves every link against that prefix, so the page never needs
//! to read the proxy's `X-Ingress-Path` header.
//!
//! Decisions go through the same code as MQTT and the CLI
//! (`db::suggestions::decide`, `deploy::deploy`), whose rules are
//! `SuggestionStatus::after`; after each one the surface task is told to
//! republish, so Home Assistant's entities agree at once. Who may connect
//! and the forms' CSRF token are [`guard`]'s.

mod charts;
pub mod evidence;
mod guard;
mod layout;
mod pages;
mod suggestion;
mod suggestions;

pub use suggestions::{Filter, render_list};

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use jiff::tz::TimeZone;
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::config::{Config, HomeAssistantConfig, WebConfig};
use crate::db::Db;
use crate::job::runner::Triggers;
use crate::surface;

/// Forms carry an id, a decision and a token: a few hundred bytes.
const MAX_BODY: usize = 4096;

/// What every handler can reach. Cheap to clone.
#[derive(Clone)]
pub struct App {
    db: Db,
    ha: Option<HomeAssistantConfig>,
    /// What is never deployed.
    policy: crate::model::safety::Policy,
    tz: TimeZone,
    window: Duration,
    max_delay_ms: i64,
    /// The MQTT sources turned on: (what, topic).
    sources: Vec<(&'static str, String)>,
    surface: mpsc::Sender<surface::Event>,
    triggers: Triggers,
    guard: Arc<guard::Guard>,
}

impl App {
    pub fn new(
        config: &Config,
        web: &WebConfig,
        db: Db,
        surface: mpsc::Sender<surface::Event>,
        triggers: Triggers,
    ) -> anyhow::Result<App> {
        Ok(App {
            db,
            ha: config.homeassistant.clone(),
            policy: config.safety.clone(),
            tz: config.analysis.timezone.clone(),
            window: config.analysis.window,
            max_delay_ms: config.analysis.thresholds.sequence_max_delay_ms,
            sources: sources(config),
            surface,
            triggers,
            guard: Arc::new(guard::Guard::new(web)?),
        })
    }

    /// Tells the surface task to republish, so Home Assistant shows what the
    /// page just decided. A full queue means a republish is already coming.
    fn refresh_home_assistant(&self) {
        if self.surface.try_send(surface::Event::Refresh).is_err() {
            tracing::debug!("a Home Assistant update is already queued");
        }
    }
}

fn sources(config: &Config) -> Vec<(&'static str, String)> {
    let s = &config.sources;
    [
        ("Home Assistant eventstream", &s.eventstream_topic),
        ("Home Assistant statestream", &s.statestream_base),
        ("Zigbee2MQTT", &s.zigbee2mqtt_base),
    ]
    .into_iter()
    .filter_map(|(what, topic)| Some((what, topic.clone()?)))
    .collect()
}

/// Binds `web.listen` before the daemon says it is running, so a port in use
/// is an error at start that names the key.
pub async fn bind(web: &WebConfig) -> anyhow::Result<TcpListener> {
    let listener = TcpListener::bind(web.listen).await.with_context(|| {
        format!(
            "cannot listen on {} (config key web.listen; web.enabled = false turns the page off)",
            web.listen
        )
    })?;
    let at = listener.local_addr()?;
    tracing::info!("review page at http://{at}/");
    Ok(listener)
}

/// Serves the page on `listener` until `cancel`.
pub async fn serve(listener: TcpListener, app: App, cancel: CancellationToken) {
    let service = router(app).into_make_service_with_connect_info::<SocketAddr>();
    let served = axum::serve(listener, service)
        .with_graceful_shutdown(cancel.clone().cancelled_owned())
        .await;
    // axum keeps serving through failed connections; an error here means
    // the listener itself is gone, and ending tells the daemon so.
    if let Err(e) = served {
        tracing::error!(error = %e, "the review page stopped");
    }
}

fn router(app: App) -> Router {
    Router::new()
        .route("/", get(suggestions::list))
        .route("/suggestion", get(suggestion::show))
        .route("/decide", post(suggestion::decide))
        .route("/jobs", get(pages::jobs))
        .route("/analyze", post(pages::analyze))
        .route("/recorded", get(pages::recorded))
        .route("/style.css", get(layout::stylesheet))
        .route("/copy.js", get(layout::script))
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            guard::check,
        ))
        .with_state(app)
}

async fn not_found() -> Failure {
    Failure::NotFound("There is no such page here.".into())
}

/// Why a request could not be answered, shown to the user as a page.
#[derive(Debug)]
pub enum Failure {
    BadRequest(String),
    NotFound(String),
    Internal(anyhow::Error),
}

impl From<anyhow::Error> for Failure {
    fn from(e: anyhow::Error) -> Failure {
        Failure::Internal(e)
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let (status, message) = match self {
            Failure::BadRequest(m) => (StatusCode::BAD_REQUEST, m),
            Failure::NotFound(m) => (StatusCode::NOT_FOUND, m),
            Failure::Internal(e) => {
                tracing::warn!(error = format!("{e:#}"), "the review page failed");
                (StatusCode::INTERNAL_SERVER_ERROR, format!("{e:#}"))
            }
        };
        let body = layout::page(
            "Not possible",
            layout::Nav::None,
            maud::html! { p.alert { (message) } p { a href="./" { "Back to the suggestions" } } },
        );
        (status, html(body)).into_response()
    }
}

/// A rendered page as an HTML response.
fn html(markup: maud::Markup) -> Response {
    (
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        markup.into_string(),
    )
        .into_response()
}

/// A redirect after a POST to a relative URL, which the browser resolves
/// against the form's URL, so it stays under an ingress prefix.
fn see_other(location: String) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response()
}

#[cfg(test)]
mod tests;
