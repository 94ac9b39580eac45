//! What habitd sends: availability, subscriptions, job status.
//!
//! [`Publisher`] queues requests for the connection task; awaiting one waits
//! only for room in rumqttc's request queue, never for the broker. The
//! [`forward_status`] task is the one place that turns job status changes and
//! reconnects into messages, so nothing else ever awaits the broker.

use std::sync::Arc;

use rumqttc::v5::mqttbytes::QoS;
use rumqttc::v5::{AsyncClient, ClientError};
use tokio::sync::{Notify, watch};
use tokio_util::sync::CancellationToken;

use super::{Role, Topics};
use crate::model::JobStatus;

#[derive(Debug, Clone)]
pub struct Publisher {
    client: AsyncClient,
    topics: Arc<Topics>,
}

impl Publisher {
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
        match serde_json::to_vec(status) {
            Ok(json) => self.retain(self.topics.job_status(), json).await,
            Err(e) => {
                tracing::error!(error = %e, "cannot encode job status");
                Ok(())
            }
        }
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
    loop {
        let result = tokio::select! {
            biased;
            () = cancel.cancelled() => return,
            () = connected.notified() => announce(&publisher, role, &status).await,
            changed = status.changed() => {
                if changed.is_err() {
                    return;
                }
                let latest = status.borrow_and_update().clone();
                match latest {
                    Some(latest) => publisher.job_status(&latest).await,
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
) -> Result<(), ClientError> {
    if role == Role::Daemon {
        publisher.subscribe_all().await?;
        publisher.online().await?;
    }
    let latest = status.borrow().clone();
    if let Some(latest) = latest {
        publisher.job_status(&latest).await?;
    }
    Ok(())
}
