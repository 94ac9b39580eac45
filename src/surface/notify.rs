//! A persistent notification in Home Assistant's sidebar when an analysis
//! finds suggestions not offered before (`homeassistant.notify`), through
//! the REST API's `persistent_notification.create`. It replaces the previous
//! one (one notification id), so a week of nightly runs leaves one note, not
//! seven.

use crate::config::HomeAssistantConfig;
use crate::db::suggestions::Suggestion;
use crate::model::truncate;

/// The notification's id in Home Assistant.
const ID: &str = "habitd_suggestions";
/// At most this many titles are listed.
const LISTED: usize = 10;

/// Tells Home Assistant about `fresh` suggestions. A failure is logged, not
/// returned: the suggestions are in Home Assistant anyway.
pub async fn new_suggestions(ha: &HomeAssistantConfig, fresh: &[&&Suggestion]) {
    if fresh.is_empty() {
        return;
    }
    let mut message: String = fresh
        .iter()
        .take(LISTED)
        .map(|s| format!("- {}\n", truncate(&s.title, 200)))
        .collect();
    if fresh.len() > LISTED {
        message.push_str(&format!("- and {} more\n", fresh.len() - LISTED));
    }
    message.push_str(
        "\nChoose one in the habitd device's Suggestion select to approve and deploy it.",
    );
    let title = match fresh.len() {
        1 => "habitd: a new suggestion".to_owned(),
        n => format!("habitd: {n} new suggestions"),
    };
    let sent = match crate::ha::rest::Client::new(ha) {
        Ok(client) => client.notify(ID, &title, &message).await,
        Err(e) => Err(e),
    };
    if let Err(e) = sent {
        tracing::warn!(error = format!("{e:#}"), "could not notify Home Assistant");
    }
}
