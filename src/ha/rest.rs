//! Home Assistant's REST API: entities, areas, automations and history.
//!
//! One `reqwest` client per [`Client`], reused for every request, with the
//! long-lived token as a bearer header and a per-request timeout. Errors name
//! the request and Home Assistant's answer; the token never appears in them.

use std::collections::HashMap;

use anyhow::{Context, bail};
use jiff::Timestamp;
use serde::Deserialize;

use crate::config::{HomeAssistantConfig, Secret};
use crate::http::{self, Capped};
use crate::model::EntityInfo;

/// An entity as `/api/states` lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct Entity {
    pub info: EntityInfo,
    /// For `automation.*` entities: the automation's config id.
    pub automation_id: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    base: String,
    token: Secret,
    /// History and logbook answers longer than this are refused.
    max_answer_bytes: usize,
}

#[derive(Deserialize)]
struct WireState {
    entity_id: String,
    #[serde(default)]
    attributes: WireAttributes,
}

#[derive(Default, Deserialize)]
struct WireAttributes {
    friendly_name: Option<String>,
    device_class: Option<String>,
    unit_of_measurement: Option<String>,
    id: Option<serde_json::Value>,
}

/// Home Assistant (aiohttp) refuses request lines over 8 KiB; stay well
/// below with the entity list of a history request.
const MAX_FILTER_LEN: usize = 4000;

impl Client {
    pub fn new(config: &HomeAssistantConfig) -> anyhow::Result<Client> {
        crate::config::install_tls_provider();
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .user_agent(concat!("habitd/", env!("CARGO_PKG_VERSION")))
            .build()
            .context("while creating the HTTP client")?;
        Ok(Client {
            http,
            base: config.url.clone(),
            token: config.token.clone(),
            max_answer_bytes: config.max_answer_bytes,
        })
    }

    async fn send(
        &self,
        request: reqwest::RequestBuilder,
        what: &str,
    ) -> anyhow::Result<reqwest::Response> {
        let response = request
            .bearer_auth(self.token.expose())
            .send()
            .await
            .with_context(|| format!("Home Assistant did not answer {what}"))?;
        let status = response.status();
        if !status.is_success() {
            let body = response.text().await.unwrap_or_default();
            let hint = if status == reqwest::StatusCode::UNAUTHORIZED {
                " (check homeassistant.token)"
            } else {
                ""
            };
            bail!(
                "Home Assistant answered {what} with {status}{hint}: {}",
                body.chars().take(300).collect::<String>()
            );
        }
        Ok(response)
    }

    /// Every entity with its name, class and unit.
    pub async fn states(&self) -> anyhow::Result<Vec<Entity>> {
        let url = format!("{}/api/states", self.base);
        let body = self
            .send(self.http.get(url), "GET /api/states")
            .await?
            .bytes()
            .await?;
        let states: Vec<WireState> =
            serde_path_to_error::deserialize(&mut serde_json::Deserializer::from_slice(&body))
                .map_err(|e| {
                    anyhow::anyhow!(
                        "GET /api/states: unexpected answer at {}: {}",
                        e.path(),
                        e.inner()
                    )
                })?;
        Ok(states
            .into_iter()
            .filter(|s| super::is_entity_id(&s.entity_id))
            .map(|s| Entity {
                automation_id: s
                    .entity_id
                    .starts_with("automation.")
                    .then(|| s.attributes.id.as_ref().map(crate::model::value_text))
                    .flatten(),
                info: EntityInfo {
                    entity_id: s.entity_id,
                    friendly_name: s.attributes.friendly_name,
                    device_class: s.attributes.device_class,
                    unit: s.attributes.unit_of_measurement,
                },
            })
            .collect())
    }

    /// Shows (or replaces, by `id`) a persistent notification in Home
    /// Assistant's sidebar.
    pub async fn notify(&self, id: &str, title: &str, message: &str) -> anyhow::Result<()> {
        let url = format!("{}/api/services/persistent_notification/create", self.base);
        let body = serde_json::json!({ "notification_id": id, "title": title, "message": message });
        self.send(
            self.http.post(url).json(&body),
            "POST /api/services/persistent_notification/create",
        )
        .await?;
        Ok(())
    }

    /// Home Assistant's version (`/api/config`), e.g. `2025.4.4`.
    pub async fn version(&self) -> anyhow::Result<String> {
        self.config()
            .await?
            .get("version")
            .and_then(serde_json::Value::as_str)
            .map(str::to_owned)
            .context("GET /api/config: no version in the answer")
    }

    /// Whether Home Assistant has finished starting: `/api/config` says
    /// `RUNNING` once every integration is set up (its API answers earlier,
    /// with only some entities). An answer without the field counts as
    /// running.
    pub async fn is_running(&self) -> anyhow::Result<bool> {
        Ok(self
            .config()
            .await?
            .get("state")
            .and_then(serde_json::Value::as_str)
            .is_none_or(|state| state == "RUNNING"))
    }

    async fn config(&self) -> anyhow::Result<serde_json::Value> {
        let url = format!("{}/api/config", self.base);
        Ok(self
            .send(self.http.get(url), "GET /api/config")
            .await?
            .json()
            .await?)
    }

    /// The area of each entity that has one, in one template request (the
    /// area registry is otherwise only on the WebSocket API).
    pub async fn areas(&self, entity_ids: &[String]) -> anyhow::Result<HashMap<String, String>> {
        if entity_ids.is_empty() {
            return Ok(HashMap::new());
        }
        let list = serde_json::to_string(entity_ids)?;
        let template = format!(
            "{{%- set ns = namespace(out={{}}) -%}}{{%- for e in {list} -%}}\
             {{%- set a = area_name(e) -%}}{{%- if a -%}}{{%- set ns.out = dict(ns.out, **{{e: a}}) -%}}\
             {{%- endif -%}}{{%- endfor -%}}{{{{ ns.out | tojson }}}}"
        );
        let url = format!("{}/api/template", self.base);
        let request = self
            .http
            .post(url)
            .json(&serde_json::json!({ "template": template }));
        let text = self
            .send(request, "POST /api/template")
            .await?
            .text()
            .await?;
        serde_json::from_str(&text)
            .with_context(|| format!("POST /api/template: not a JSON map: {text:.200}"))
    }

    /// An automation's config, or `None` if Home Assistant has none to show
    /// (automations written in YAML packages answer 404).
    pub async fn automation_config(&self, id: &str) -> anyhow::Result<Option<serde_json::Value>> {
        let url = format!("{}/api/config/automation/config/{id}", self.base);
        let response = self
            .http
            .get(url)
            .bearer_auth(self.token.expose())
            .send()
            .await
            .context("Home Assistant did not answer GET /api/config/automation/config")?;
        match response.status() {
            reqwest::StatusCode::NOT_FOUND => Ok(None),
            s if s.is_success() => Ok(Some(response.json().await?)),
            s => bail!("Home Assistant answered GET /api/config/automation/config/{id} with {s}"),
        }
    }

    /// The `filter_entity_id` values that together ask for `entity_ids`:
    /// one request each, so a long list stays within URL limits.
    pub fn history_filters(entity_ids: &[String]) -> Vec<String> {
        chunks(entity_ids, MAX_FILTER_LEN)
    }

    /// The history answer for `[start, end)` of the entities in `filter`
    /// (one of [`Client::history_filters`]), as raw JSON for
    /// [`super::history::read`].
    pub async fn history(
        &self,
        start: Timestamp,
        end: Timestamp,
        filter: &str,
    ) -> anyhow::Result<Vec<u8>> {
        let url = format!("{}/api/history/period/{start}", self.base);
        let request = self.http.get(url).query(&[
            ("end_time", end.to_string().as_str()),
            ("filter_entity_id", filter),
            ("significant_changes_only", "0"),
            ("minimal_response", ""),
            ("no_attributes", ""),
        ]);
        let what = "GET /api/history/period";
        self.body(self.send(request, what).await?, what).await
    }

    /// A whole answer, refused beyond `homeassistant.max_answer_bytes`.
    async fn body(&self, response: reqwest::Response, what: &str) -> anyhow::Result<Vec<u8>> {
        let limit = self.max_answer_bytes;
        http::read_capped(response, limit)
            .await
            .map_err(|e| match e {
                Capped::TooLong => anyhow::anyhow!(
                    "Home Assistant's answer to {what} is longer than {limit} bytes \
                     (homeassistant.max_answer_bytes)"
                ),
                Capped::Transport(e) => {
                    anyhow::Error::new(e).context(format!("while reading the answer to {what}"))
                }
            })
    }
}

impl Client {
    /// The logbook answer for `[start, end)`, as raw JSON for
    /// [`super::logbook::Origins::parse`]: who caused each change.
    pub async fn logbook(&self, start: Timestamp, end: Timestamp) -> anyhow::Result<Vec<u8>> {
        let url = format!("{}/api/logbook/{start}", self.base);
        let request = self
            .http
            .get(url)
            .query(&[("end_time", end.to_string().as_str())]);
        let what = "GET /api/logbook";
        self.body(self.send(request, what).await?, what).await
    }
}

/// Why a deployment did not happen.
#[derive(Debug, thiserror::Error)]
pub enum DeployError {
    /// Home Assistant's validation refused the config (400 "Message
    /// malformed: …"): shown to the user, never retried.
    #[error("Home Assistant refused the automation: {0}")]
    Refused(String),
    #[error("{0:#}")]
    Other(anyhow::Error),
}

impl Client {
    /// Writes an automation with `POST /api/config/automation/config/<id>`
    /// and reads it back to be sure it is there.
    pub async fn deploy(&self, id: &str, config: &serde_json::Value) -> Result<(), DeployError> {
        let url = format!("{}/api/config/automation/config/{id}", self.base);
        let response = self
            .http
            .post(&url)
            .bearer_auth(self.token.expose())
            .json(config)
            .send()
            .await
            .map_err(|e| {
                DeployError::Other(anyhow::anyhow!(
                    "Home Assistant did not answer the deployment: {e}"
                ))
            })?;
        let status = response.status();
        if status == reqwest::StatusCode::BAD_REQUEST {
            let body: serde_json::Value = response.json().await.unwrap_or_default();
            let message = body["message"]
                .as_str()
                .unwrap_or("no reason given")
                .to_owned();
            return Err(DeployError::Refused(message));
        }
        if !status.is_success() {
            let hint = if status == reqwest::StatusCode::UNAUTHORIZED {
                " (check homeassistant.token; creating automations needs an administrator's token)"
            } else {
                ""
            };
            return Err(DeployError::Other(anyhow::anyhow!(
                "Home Assistant answered the deployment with {status}{hint}"
            )));
        }
        match self.automation_config(id).await {
            Ok(Some(stored)) if stored.get("id").and_then(|v| v.as_str()) == Some(id) => Ok(()),
            Ok(_) => Err(DeployError::Other(anyhow::anyhow!(
                "Home Assistant accepted the automation but does not show it"
            ))),
            Err(e) => Err(DeployError::Other(e)),
        }
    }

    /// Removes an automation (`DELETE`); a missing one is not an error.
    pub async fn undeploy(&self, id: &str) -> anyhow::Result<()> {
        let url = format!("{}/api/config/automation/config/{id}", self.base);
        let response = self
            .http
            .delete(url)
            .bearer_auth(self.token.expose())
            .send()
            .await?;
        if response.status().is_success() || response.status() == reqwest::StatusCode::NOT_FOUND {
            return Ok(());
        }
        bail!(
            "Home Assistant answered the removal with {}",
            response.status()
        )
    }
}

/// Comma-joined groups of entity ids, each at most `limit` characters.
fn chunks(entity_ids: &[String], limit: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for id in entity_ids {
        match out.last_mut() {
            Some(last) if last.len() + 1 + id.len() <= limit => {
                last.push(',');
                last.push_str(id);
            }
            _ => out.push(id.clone()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn long_entity_lists_are_split_under_the_limit() {
        let ids: Vec<String> = (0..500).map(|i| format!("light.lamp_{i}")).collect();
        let chunks = super::chunks(&ids, 4000);
        assert!(chunks.len() > 1);
        assert!(chunks.iter().all(|c| c.len() <= 4000));
        assert_eq!(chunks.join(",").split(',').count(), 500);
    }
}
