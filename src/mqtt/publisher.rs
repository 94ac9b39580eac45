//! What habitd sends: availability, subscriptions, job status.
//!
//! [`Publisher`] queues requests for the connection task; awaiting one waits
//! only for room in rumqttc's request queue, never for the broker. The
//! [`forward_status`] task is the one place that turns job status changes and
//! reconnects into messages, so nothing else ever awaits the broker.
//!
//! Besides the live status, a finished job goes to `<base>/job/last`, which
//! only ever holds a finished job: the "Last analysis" sensors read it and
//! keep their value while the next job runs, and its time is always a valid
//! timestamp (Home Assistant 2024.3 logs every `None` a timestamp sensor
//! renders). Error texts are cut to [`Publisher::MAX_ERROR`] bytes: they may quote what
//! somebody else sent.

use std::sync::Arc;

use rumqttc::v5::mqttbytes::QoS;
use rumqttc::v5::{AsyncClient, ClientError};
use tokio::sync::{Notify, watch};
use tokio_util::sync::CancellationToken;

use super::{Role, Topics};
use crate::model::{JobStatus, truncate};

#[derive(Debug, Clone)]
pub struct Publisher {
    client: AsyncClient,
    topics: Arc<Topics>,
}

impl Publisher {
    /// Error texts published over MQTT are cut to this many bytes: they may
    /// quote what somebody else sent.
    pub const MAX_ERROR: usize = 512;

    pub fn new(client: AsyncClient, topics: Arc<Topics>) -> Self {
        Publisher { client, topics }
    }

    pub async fn subscribe_all(&self) -> Result<(), ClientError> {
        for topic in self.topics.subscriptions() {
            self.client.subscribe(topic, QoS::AtLeastOnce).await?;
        }
        Ok(())
    }

    pub async fn online(&self) -> Result<(), ClientError> {
        self.retain(self.topics.availability(), "online").await
    }

    pub async fn offline(&self) -> Result<(), ClientError> {
        self.retain(self.topics.availability(), "offline").await
    }

    pub async fn job_status(&self, status: &JobStatus) -> Result<(), ClientError> {
        let mut status = status.clone();
        status.error = status
            .error
            .map(|e| truncate(&e, Publisher::MAX_ERROR).to_owned());
        match serde_json::to_vec(&status) {
            Ok(json) => self.retain(self.topics.job_status(), json).await?,
            Err(e) => {
                tracing::error!(error = %e, "cannot encode job status");
                return Ok(());
            }
        }
        if status.state.is_final() {
            self.job_last(&status).await?;
        }
        Ok(())
    }

    /// The finished job on `<base>/job/last`.
    async fn job_last(&self, status: &JobStatus) -> Result<(), ClientError> {
        let Some(finished) = status.finished_at else {
            return Ok(());
        };
        let duration = status
            .duration()
            .map(|d| (d.as_secs_f64() * 100.0).round() / 100.0);
        let last = serde_json::json!({
            "job_id": status.job_id,
            "state": status.state,
            "finished_at": home_assistant_time(finished),
            "duration_s": duration,
            "error": status.error,
        });
        self.retain(&self.topics.job_last(), last.to_string()).await
    }

    pub fn topics(&self) -> &Topics {
        &self.topics
    }

    /// Clears a retained topic (an empty retained message deletes it).
    pub async fn clear(&self, topic: &str) -> Result<(), ClientError> {
        self.retain(topic, Vec::new()).await
    }

    /// Publishes `payload` retained at QoS 1.
    pub async fn retain(
        &self,
        topic: &str,
        payload: impl Into<Vec<u8>>,
    ) -> Result<(), ClientError> {
        self.client
            .publish(topic, QoS::AtLeastOnce, true, payload.into())
            .await
    }
}

/// A time as Home Assistant's timestamp sensors read it everywhere
/// (`2026-11-30T09:00:00.123+00:00`).
fn home_assistant_time(at: jiff::Timestamp) -> String {
    at.to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .strftime("%Y-%m-%dT%H:%M:%S%.3f+00:00")
        .to_string()
}

/// Publishes the job status whenever it changes, and on every (re)connect
/// subscribes, announces availability (daemon only) and republishes the
/// latest status, until `cancel` fires.
pub async fn forward_status(
    publisher: Publisher,
    role: Role,
    mut status: watch::Receiver<Option<JobStatus>>,
    connected: Arc<Notify>,
    cancel: CancellationToken,
) {
    // The last finished job, for `<base>/job/last` after a reconnect while
    // another job runs (a restarted broker has forgotten it).
    let mut last_final = status.borrow().clone().filter(|s| s.state.is_final());
    loop {
        let result = tokio::select! {
            biased;
            () = cancel.cancelled() => return,
            () = connected.notified() => announce(&publisher, role, &status, last_final.as_ref()).await,
            changed = status.changed() => {
                if changed.is_err() {
                    return;
                }
                let latest = status.borrow_and_update().clone();
                match latest {
                    Some(latest) => {
                        if latest.state.is_final() {
                            last_final = Some(latest.clone());
                        }
                        publisher.job_status(&latest).await
                    }
                    None => Ok(()),
                }
            }
        };
        if let Err(e) = result {
            tracing::warn!(error = %e, "could not queue an MQTT message");
        }
    }
}

async fn announce(
    publisher: &Publisher,
    role: Role,
    status: &watch::Receiver<Option<JobStatus>>,
    last_final: Option<&JobStatus>,
) -> Result<(), ClientError> {
    if role == Role::Daemon {
        publisher.subscribe_all().await?;
        publisher.online().await?;
    }
    let latest = status.borrow().clone();
    if let Some(latest) = &latest {
        publisher.job_status(latest).await?;
    }
    if let Some(last) = last_final
        && latest.as_ref().is_none_or(|l| !l.state.is_final())
    {
        publisher.job_last(last).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_carry_an_offset() {
        let at: jiff::Timestamp = "2026-11-30T09:00:00.5Z".parse().unwrap();
        assert_eq!(home_assistant_time(at), "2026-11-30T09:00:00.500+00:00");
    }
}
