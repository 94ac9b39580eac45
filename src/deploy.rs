//! Deploying an approved suggestion to Home Assistant, and taking it back.
//!
//! Shared by the CLI (`habitd suggestions deploy ID`) and the MQTT commands
//! (the Deploy button), so both record the same outcome: `deployed` with the
//! time, or the error Home Assistant gave, shown on the suggestion.

use anyhow::{Context, bail};

use crate::config::HomeAssistantConfig;
use crate::db::{self, Db};
use crate::ha::rest::{Client, DeployError};
use crate::model::Decision;

/// Deploys suggestion `id`; returns its new state.
pub async fn deploy(
    db: &Db,
    ha: Option<&HomeAssistantConfig>,
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
