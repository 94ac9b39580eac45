//! `habitd suggestions …`: list and show suggestions, decide on them, and
//! deploy or undeploy their automations, directly on the database (and Home
//! Assistant's REST API for deploying).

use super::out;
use crate::cli::SuggestionsCommand;
use crate::config::Config;
use crate::db::Db;
use crate::db::suggestions;
use crate::model::Decision;

pub(super) async fn command(config: &Config, command: SuggestionsCommand) -> anyhow::Result<()> {
    use SuggestionsCommand as C;
    let db = Db::open_async(&config.database).await?;
    match command {
        C::List { status, json } => {
            let list = db.run(move |conn| suggestions::list(conn, status)).await?;
            if json {
                out!("{}", serde_json::to_string_pretty(&list)?);
                return Ok(());
            }
            if list.is_empty() {
                out!(
                    "no suggestions{}",
                    status
                        .map(|s| format!(" with status {s}"))
                        .unwrap_or_default()
                );
            }
            for s in &list {
                out!(
                    "{:<9} {:>4.0} %  {}  {}",
                    s.status.as_str(),
                    s.confidence * 100.0,
                    s.id,
                    s.title
                );
            }
        }
        C::Show { id, json } => {
            let key = id.clone();
            let Some(s) = db.run(move |conn| suggestions::get(conn, &key)).await? else {
                anyhow::bail!("no suggestion {id:?} (habitd suggestions list shows them)");
            };
            if json {
                out!("{}", serde_json::to_string_pretty(&s)?);
                return Ok(());
            }
            out!(
                "{}\n{}\n\nstatus: {}   confidence: {:.0} %   kind: {}   worded by: {}",
                s.title,
                s.description,
                s.status,
                s.confidence * 100.0,
                s.kind,
                s.worded_by
            );
            if let Some(error) = &s.error {
                out!("last deploy error: {error}");
            }
            match &s.automation_yaml {
                Some(yaml) => out!("\nautomation:\n{yaml}"),
                None => out!("\n(advice: no automation)"),
            }
            out!("evidence: {}", serde_json::to_string(&s.evidence)?);
        }
        C::Deploy { id } => {
            let s = crate::deploy::deploy(&db, config.homeassistant.as_ref(), &config.safety, &id)
                .await?;
            out!("{} is deployed to Home Assistant", s.id);
        }
        C::Undeploy { id } => {
            crate::deploy::undeploy(&db, config.homeassistant.as_ref(), &id).await?;
            out!("{id} was removed from Home Assistant");
        }
        C::Approve { id } => decide(&db, id, Decision::Approve).await?,
        C::Reject { id } => decide(&db, id, Decision::Reject).await?,
        C::Dismiss { id } => decide(&db, id, Decision::Dismiss).await?,
        C::Restore { id } => decide(&db, id, Decision::Restore).await?,
    }
    Ok(())
}

async fn decide(db: &Db, id: String, decision: Decision) -> anyhow::Result<()> {
    let s = db
        .run(move |conn| suggestions::decide(conn, &id, decision))
        .await?;
    out!("{} is now {}", s.id, s.status);
    Ok(())
}
