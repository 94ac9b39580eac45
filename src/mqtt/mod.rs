//! The MQTT connection: one task owns rumqttc's event loop.
//!
//! [`Connection::spawn`] starts a task that only polls the event loop, decodes
//! incoming messages into [`Inbound`] and forwards them, with `Connected` on
//! every ConnAck, over a bounded channel. It never touches the database or
//! HTTP, so the connection's keep-alives never wait on them. Sending goes
//! through the [`Publisher`], which only queues requests for this task.
//!
//! rumqttc reconnects by itself when polled after an error, but immediately
//! and forever (rumqtt #703, #918), so the task sleeps between attempts with a
//! doubling delay capped by `mqtt.reconnect_max_delay`. With a clean session
//! the broker forgets subscriptions on disconnect (rumqtt #250): whoever
//! receives `Connected` must subscribe again.

pub mod inbound;
mod publisher;
mod topics;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use anyhow::Context;
use rumqttc::{
    AsyncClient, Event, EventLoop, LastWill, MqttOptions, NetworkOptions, Outgoing, Packet, QoS,
    TlsConfiguration, Transport,
};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::config::MqttConfig;

pub use inbound::{Command, HomeAssistantStatus, Inbound};
pub use publisher::{Publisher, forward_status};
pub use topics::Topics;

/// Who is connecting: the daemon owns habitd's availability topic; a CLI
/// command must not touch it (its Last Will would mark the daemon offline).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Daemon,
    Cli,
}

/// What the connection task hands to the rest of habitd.
#[derive(Debug, Clone, PartialEq)]
pub enum Delivery {
    /// A (re)connect: subscribe and announce again.
    Connected,
    Message(Inbound),
}

/// The first delay before reconnecting; it doubles after each failure.
const FIRST_RETRY: Duration = Duration::from_millis(500);

/// A connection that lasted this long resets the reconnect delay.
const STABLE_AFTER: Duration = Duration::from_secs(30);

/// A running connection.
#[derive(Debug)]
pub struct Connection {
    client: AsyncClient,
    task: JoinHandle<()>,
    stop: CancellationToken,
    malformed: Arc<AtomicU64>,
}

impl Connection {
    /// Starts the event loop task. Messages go to `deliveries`.
    pub fn spawn(
        config: &MqttConfig,
        topics: Arc<Topics>,
        role: Role,
        deliveries: mpsc::Sender<Delivery>,
    ) -> anyhow::Result<Connection> {
        let (client, mut eventloop) = AsyncClient::new(options(config, &topics, role)?, 64);
        let mut network = NetworkOptions::new();
        // rumqttc leaves Nagle's algorithm on: each QoS 1 round trip would
        // then wait ~40 ms for a delayed ACK.
        network.set_tcp_nodelay(true);
        network.set_connection_timeout(5);
        eventloop.set_network_options(network);

        let stop = CancellationToken::new();
        let malformed = Arc::new(AtomicU64::new(0));
        let task = tokio::spawn(drive(
            eventloop,
            topics,
            deliveries,
            stop.clone(),
            config.reconnect_max_delay,
            malformed.clone(),
        ));
        Ok(Connection {
            client,
            task,
            stop,
            malformed,
        })
    }

    pub fn client(&self) -> &AsyncClient {
        &self.client
    }

    /// How many messages could not be decoded since start.
    pub fn malformed(&self) -> u64 {
        self.malformed.load(Ordering::Relaxed)
    }

    /// Sends what is queued, then disconnects cleanly; gives up after `grace`
    /// (a broker that is down cannot be told anything).
    pub async fn close(self, grace: Duration) {
        let Connection {
            client,
            mut task,
            stop,
            ..
        } = self;
        let graceful = async {
            client.disconnect().await.ok();
            (&mut task).await.ok();
        };
        if tokio::time::timeout(grace, graceful).await.is_err() {
            tracing::warn!("MQTT broker did not take the disconnect in time; closing anyway");
            stop.cancel();
            task.await.ok();
        }
    }
}

/// A connection for a command-line run (`Role::Cli`: no availability, no
/// Last Will, no subscriptions). Waits up to `patience` for the broker and
/// returns `None`, closed, when it does not answer. Nothing it receives is
/// read: with the receiver gone, the connection task drops deliveries.
pub async fn connect_cli(
    config: &MqttConfig,
    topics: Arc<Topics>,
    patience: Duration,
) -> anyhow::Result<Option<Connection>> {
    let (tx, mut deliveries) = mpsc::channel(1);
    let connection = Connection::spawn(config, topics, Role::Cli, tx)?;
    let reachable = matches!(
        tokio::time::timeout(patience, deliveries.recv()).await,
        Ok(Some(Delivery::Connected))
    );
    drop(deliveries);
    if reachable {
        Ok(Some(connection))
    } else {
        connection.close(Duration::ZERO).await;
        Ok(None)
    }
}

fn options(config: &MqttConfig, topics: &Topics, role: Role) -> anyhow::Result<MqttOptions> {
    let client_id = match role {
        Role::Daemon => config.client_id.clone(),
        Role::Cli => format!("{}-cli-{}", config.client_id, std::process::id()),
    };
    let mut options = MqttOptions::new(client_id, config.host.clone(), config.port);
    options.set_keep_alive(config.keep_alive);
    options.set_clean_session(true);
    // Zigbee2MQTT's retained device list of a large home runs to megabytes.
    options.set_max_packet_size(32 * 1024 * 1024, 1024 * 1024);
    if let Some(credentials) = &config.credentials {
        options.set_credentials(
            credentials.username.clone(),
            credentials.password.expose().to_owned(),
        );
    }
    if role == Role::Daemon {
        options.set_last_will(LastWill::new(
            topics.availability(),
            "offline",
            QoS::AtLeastOnce,
            true,
        ));
    }
    if let Some(tls) = &config.tls {
        let read = |path: &std::path::Path, key: &str| {
            std::fs::read(path).with_context(|| format!("{key}: cannot read {}", path.display()))
        };
        let ca = read(&tls.ca_file, "mqtt.tls.ca_file")?;
        let client_auth = match &tls.client_auth {
            Some((cert, key)) => Some((
                read(cert, "mqtt.tls.client_cert_file")?,
                read(key, "mqtt.tls.client_key_file")?,
            )),
            None => None,
        };
        options.set_transport(Transport::tls_with_config(TlsConfiguration::Simple {
            ca,
            alpn: None,
            client_auth,
        }));
    }
    Ok(options)
}

/// The event loop task.
async fn drive(
    mut eventloop: EventLoop,
    topics: Arc<Topics>,
    deliveries: mpsc::Sender<Delivery>,
    stop: CancellationToken,
    max_retry: Duration,
    malformed: Arc<AtomicU64>,
) {
    let broker = {
        let (host, port) = eventloop.mqtt_options.broker_address();
        format!("{host}:{port}")
    };
    let mut retry = FIRST_RETRY;
    let mut connected_at: Option<tokio::time::Instant> = None;
    let mut closing = false;
    loop {
        let event = tokio::select! {
            biased;
            () = stop.cancelled() => return,
            event = eventloop.poll() => event,
        };
        match event {
            Ok(Event::Incoming(Packet::ConnAck(_))) => {
                tracing::info!(%broker, "connected to the MQTT broker");
                connected_at = Some(tokio::time::Instant::now());
                forward(&deliveries, Delivery::Connected).await;
            }
            Ok(Event::Incoming(Packet::Publish(publish))) => {
                let now = jiff::Timestamp::now();
                match inbound::decode(
                    &topics,
                    &publish.topic,
                    &publish.payload,
                    publish.retain,
                    now,
                ) {
                    Ok(Some(message)) => forward(&deliveries, Delivery::Message(message)).await,
                    Ok(None) => {}
                    Err(e) => {
                        let total = malformed.fetch_add(1, Ordering::Relaxed) + 1;
                        tracing::warn!(error = %e, malformed_total = total, "ignored an MQTT message");
                    }
                }
            }
            // Our own disconnect has been written. Keep reading until the
            // broker closes the connection: closing first, with its PUBACKs
            // unread, would reset the socket, and the broker would drop what
            // it had not read yet (the last retained messages, the
            // DISCONNECT itself).
            Ok(Event::Outgoing(Outgoing::Disconnect)) => closing = true,
            Ok(_) => {}
            Err(_) if closing => return,
            Err(e) => {
                // Only a connection that held for a while resets the delay: a
                // broker that accepts and then drops us at once (another
                // client with our client_id, an ACL refusing our will) must
                // not be hammered every half second.
                match connected_at.take() {
                    Some(since) if since.elapsed() >= STABLE_AFTER => retry = FIRST_RETRY,
                    Some(_) => tracing::warn!(
                        %broker,
                        "the broker dropped the connection right after accepting it; is another client using this mqtt.client_id?"
                    ),
                    None => {}
                }
                tracing::warn!(%broker, error = %e, retry_in = ?retry, "MQTT connection failed");
                tokio::select! {
                    () = stop.cancelled() => return,
                    () = tokio::time::sleep(retry) => {}
                }
                retry = (retry * 2).min(max_retry);
            }
        }
    }
}

/// Hands a delivery on. When the receiver is gone (habitd is shutting down,
/// or a CLI run reads nothing) the loop must keep polling to send what is
/// queued, so the delivery is dropped rather than treated as an error.
async fn forward(deliveries: &mpsc::Sender<Delivery>, delivery: Delivery) {
    if deliveries.send(delivery).await.is_err() {
        tracing::debug!("MQTT delivery dropped: nobody reads them");
    }
}
