//! Deploying an approved suggestion to Home Assistant, and taking it back.
//!
//! Shared by the CLI (`habitd suggestions deploy ID`) and the MQTT commands
//! (the Deploy button), so both record the same outcome: `deployed` with the
//! time, or the error Home Assistant gave, shown on the suggestion.
//!
//! Only an approved suggestion is deployed, and never one whose automation
//! would do what the safety policy forbids (`model::safety`): that is
//! checked on the automation itself, as it would be sent, whatever the
//! suggestion's history.

use anyhow::{Context, bail};
use serde_json::Value;

use crate::config::HomeAssistantConfig;
use crate::db::events::Labels;
use crate::db::{self, Db};
use crate::ha::automation;
use crate::ha::rest::{Client, DeployError};
use crate::model::safety::{self, Cause, Hazard, Policy, Target};
use crate::model::{Decision, domain};

/// Deploys suggestion `id`; returns its new state.
pub async fn deploy(
    db: &Db,
    ha: Option<&HomeAssistantConfig>,
    policy: &Policy,
    id: &str,
) -> anyhow::Result<db::suggestions::Suggestion> {
    let Some(ha) = ha else {
        bail!("deploying needs homeassistant.url and a token");
    };
    let key = id.to_owned();
    let suggestion = db
        .run(move |conn| db::suggestions::get(conn, &key))
        .await?
        .with_context(|| format!("no suggestion {id:?}"))?;
    if let Err(refused) = suggestion.status.after(Decision::Deploy) {
        bail!("suggestion {id}: {refused}; approve it first");
    }
    let mut config = suggestion.automation.clone();
    if config.is_null() {
        bail!("suggestion {id} is advice without an automation");
    }
    let labels = db.run(|conn| db::events::labels(conn)).await?;
    if let Some((entity, hazard)) = hazard(&config, policy, &labels) {
        tracing::warn!(
            suggestion = id,
            entity,
            "refused to deploy: it would {}",
            hazard.describe()
        );
        bail!(
            "suggestion {id} is not deployed: it would {} ({entity}), which habitd never does",
            hazard.describe()
        );
    }
    if ha.deploy_disabled {
        config["initial_state"] = serde_json::Value::Bool(false);
    }
    let outcome = Client::new(ha)?.deploy(id, &config).await;
    let key = id.to_owned();
    let recorded = match &outcome {
        Ok(()) => Ok(()),
        Err(e) => Err(e.to_string()),
    };
    db.run(move |conn| {
        db::suggestions::record_deploy(
            conn,
            &key,
            recorded.as_ref().map(|_| ()).map_err(String::as_str),
        )
    })
    .await?;
    match outcome {
        Ok(()) => {
            tracing::info!(suggestion = id, "deployed to Home Assistant");
            let key = id.to_owned();
            db.run(move |conn| db::suggestions::get(conn, &key))
                .await?
                .context("suggestion vanished")
        }
        Err(DeployError::Refused(message)) => bail!("Home Assistant refused {id}: {message}"),
        Err(DeployError::Other(e)) => Err(e.context(format!("while deploying {id}"))),
    }
}

/// The first hazard of an automation config's service calls, with the
/// entity it concerns.
fn hazard(config: &Value, policy: &Policy, labels: &Labels) -> Option<(String, Hazard)> {
    let cause = if automation::clock_only(config) {
        Cause::TimeOfDay
    } else {
        Cause::OtherDevice
    };
    for call in automation::calls(config) {
        let Some(to) = safety::state_after(&call.service, call.hvac_mode.as_deref()) else {
            continue;
        };
        // A call that names no entity acts on whatever the service reaches.
        let unnamed = [format!("{}.all", domain(&call.service))];
        let entities = if call.entity_ids.is_empty() {
            &unnamed[..]
        } else {
            &call.entity_ids[..]
        };
        for entity in entities {
            let (class, name) = labels.get(entity).cloned().unwrap_or_default();
            let target = Target {
                entity_id: entity,
                device_class: class.as_deref(),
                friendly_name: name.as_deref(),
            };
            if let Some(hazard) = policy.hazard(target, &to, cause) {
                return Some((entity.clone(), hazard));
            }
        }
    }
    None
}

/// Removes a deployed suggestion's automation; it becomes `approved` again.
pub async fn undeploy(db: &Db, ha: Option<&HomeAssistantConfig>, id: &str) -> anyhow::Result<()> {
    let Some(ha) = ha else {
        bail!("undeploying needs homeassistant.url and a token");
    };
    Client::new(ha)?.undeploy(id).await?;
    let key = id.to_owned();
    db.run(move |conn| db::suggestions::record_undeploy(conn, &key))
        .await
}
