//! Which Home Assistant habitd talks to: its version, asked when it can be
//! and remembered in the database when it cannot.
//!
//! Discovery's shape, the entity-id key and the automation syntax all
//! depend on the release ([`HaVersion`]). Home Assistant may be down while
//! habitd announces itself, analyses or deploys; the last version it
//! reported is then the best guess, far better than "unknown" (which would
//! give a 2024.3 a syntax it refuses).

use std::time::Duration;

use crate::config::HomeAssistantConfig;
use crate::db::Db;
use crate::db::facts::{self, Fact};
use crate::model::HaVersion;

/// How long to wait for `/api/config` before using the remembered version:
/// announcing must not wait on a Home Assistant that hangs.
const PATIENCE: Duration = Duration::from_secs(5);

/// Asks Home Assistant for its version (when `ha` is configured) and
/// remembers it; falls back to the version remembered last time.
pub async fn learn(db: &Db, ha: Option<&HomeAssistantConfig>) -> Option<HaVersion> {
    if let Some(ha) = ha {
        match ask(ha).await {
            Ok(version) => {
                remember(db, version).await;
                return Some(version);
            }
            Err(e) => tracing::info!(
                error = format!("{e:#}"),
                "Home Assistant's version could not be read; using the one remembered"
            ),
        }
    }
    remembered(db).await
}

async fn ask(ha: &HomeAssistantConfig) -> anyhow::Result<HaVersion> {
    let mut quick = ha.clone();
    quick.timeout = quick.timeout.min(PATIENCE);
    let text = super::rest::Client::new(&quick)?.version().await?;
    HaVersion::parse(&text)
        .ok_or_else(|| anyhow::anyhow!("{text:?} is not a Home Assistant version"))
}

/// Stores `version` as the last one Home Assistant reported.
pub async fn remember(db: &Db, version: HaVersion) {
    let text = version.to_string();
    let stored = db
        .run(move |conn| facts::set(conn, Fact::HaVersion, Some(&text)))
        .await;
    if let Err(e) = stored {
        tracing::warn!(
            error = format!("{e:#}"),
            "could not remember Home Assistant's version"
        );
    }
}

/// The version Home Assistant reported last, if ever.
pub async fn remembered(db: &Db) -> Option<HaVersion> {
    match db.run(|conn| facts::get(conn, Fact::HaVersion)).await {
        Ok(text) => text.as_deref().and_then(HaVersion::parse),
        Err(e) => {
            tracing::warn!(
                error = format!("{e:#}"),
                "could not read Home Assistant's version"
            );
            None
        }
    }
}
