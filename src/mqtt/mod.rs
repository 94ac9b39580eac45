//! The MQTT connection: one task owns rumqttc's event loop.
//!
//! [`Connection::spawn`] starts a task that only polls the event loop, decodes
//! incoming messages into [`Inbound`] and forwards them, with `Connected` on
//! every ConnAck, over a bounded channel. It never touches the database or
//! HTTP itself. When the channel is full (the event writer far behind) it
//! waits, and so do the keep-alives: that is the backpressure, and with
//! `ingest.queue_size` events of room it only happens when the database
//! stalls for long. Sending goes through the [`Publisher`], which only
//! queues requests for this task.
//!
//! rumqttc reconnects by itself when polled after an error, but immediately
//! and forever (rumqtt #703, #918), so the task sleeps between attempts with a
//! doubling, jittered delay (backon's) below `mqtt.reconnect_max_delay`. With a clean start
//! the broker forgets subscriptions on disconnect (rumqtt #250): whoever
//! receives `Connected` must subscribe again.
//!
//! habitd speaks MQTT 5 so that it can announce a Maximum Packet Size: the
//! broker then drops, for habitd alone, any message larger than habitd's
//! largest limit (`[limits]`). Under MQTT 3.1.1 one oversized retained
//! message on a subscribed topic made rumqttc fail the connection on every
//! reconnect, for good. Warnings about bad messages are rate-limited, so a
//! flood of them cannot fill the disk with logs.

pub mod inbound;
mod publisher;
mod topics;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use anyhow::Context;
use rumqttc::v5::mqttbytes::QoS;
use rumqttc::v5::mqttbytes::v5::{LastWill, Packet};
use rumqttc::v5::{AsyncClient, Event, EventLoop, MqttOptions};
use rumqttc::{NetworkOptions, Outgoing, TlsConfiguration, Transport};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::config::{LimitsConfig, MqttConfig};

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

/// The first delay before reconnecting (up to twice this, at random); it
/// doubles after each failure.
const FIRST_RETRY: Duration = Duration::from_millis(500);

/// A connection that lasted this long resets the reconnect delay.
const STABLE_AFTER: Duration = Duration::from_secs(30);

/// Room for the topic and MQTT's own header on top of the largest payload.
const PACKET_OVERHEAD: usize = 64 * 1024;

/// A command-line connection only publishes; it takes nothing bigger.
const CLI_MAX_PACKET: u32 = 1024 * 1024;

/// At most this many warnings about bad messages a minute; the rest are
/// counted and summed up once the minute is over.
const WARNINGS_PER_MINUTE: u32 = 10;

/// A running connection.
#[derive(Debug)]
pub struct Connection {
    client: AsyncClient,
    task: JoinHandle<()>,
    stop: CancellationToken,
    malformed: Arc<AtomicU64>,
}

impl Connection {
    /// Starts the event loop task. Messages go to `deliveries`, decoded
    /// within `limits`; without limits (a command-line run, which reads
    /// nothing) they are dropped.
    pub fn spawn(
        config: &MqttConfig,
        limits: Option<&LimitsConfig>,
        topics: Arc<Topics>,
        role: Role,
        deliveries: mpsc::Sender<Delivery>,
    ) -> anyhow::Result<Connection> {
        let max_packet = match limits {
            Some(limits) => u32::try_from(limits.largest_message() + PACKET_OVERHEAD)
                .context("limits: the largest message is too large for MQTT")?,
            None => CLI_MAX_PACKET,
        };
        let mut options = options(config, &topics, role)?;
        options.set_max_packet_size(Some(max_packet));
        let mut network = NetworkOptions::new();
        // rumqttc leaves Nagle's algorithm on: each QoS 1 round trip would
        // then wait ~40 ms for a delayed ACK.
        network.set_tcp_nodelay(true);
        network.set_connection_timeout(5);
        options.set_network_options(network);
        let (client, eventloop) = AsyncClient::new(options, 64);

        let stop = CancellationToken::new();
        let malformed = Arc::new(AtomicU64::new(0));
        let task = tokio::spawn(drive(
            eventloop,
            Reader {
                topics,
                limits: limits.cloned(),
                deliveries,
                malformed: malformed.clone(),
                warnings: Throttle::new(WARNINGS_PER_MINUTE),
            },
            stop.clone(),
            config.reconnect_max_delay,
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
    let connection = Connection::spawn(config, None, topics, Role::Cli, tx)?;
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
    options.set_clean_start(true);
    // rumqttc's v5 client sizes its table of unacknowledged publishes by
    // this, u16::MAX by default: 15 MB allocated at start for nothing. 100
    // is what its 3.1.1 client used.
    options.set_outgoing_inflight_upper_limit(100);
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
            None,
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
        crate::config::install_tls_provider();
        options.set_transport(Transport::tls_with_config(TlsConfiguration::Simple {
            ca,
            alpn: None,
            client_auth,
        }));
    }
    Ok(options)
}

/// What the event loop task needs to hand messages on.
struct Reader {
    topics: Arc<Topics>,
    /// `None`: nothing is read (a command-line run).
    limits: Option<LimitsConfig>,
    deliveries: mpsc::Sender<Delivery>,
    malformed: Arc<AtomicU64>,
    warnings: Throttle,
}

impl Reader {
    /// Decodes one message and hands it on; a bad one is counted and, within
    /// the warning budget, logged — by topic and size, never its content.
    async fn read(&mut self, topic: &[u8], payload: &[u8], retain: bool) {
        let Some(limits) = &self.limits else {
            return;
        };
        let now = jiff::Timestamp::now();
        let topic = String::from_utf8_lossy(topic);
        match inbound::decode(&self.topics, limits, &topic, payload, retain, now) {
            Ok(Some(mut message)) => {
                if inbound::retime(&mut message, now, limits.clock_tolerance)
                    && self.warnings.allow()
                {
                    tracing::warn!(
                        topic = %topic,
                        "a state change claimed a time far from now; stored at the time it arrived"
                    );
                }
                forward(&self.deliveries, Delivery::Message(message)).await;
            }
            Ok(None) => {}
            Err(e) => {
                let total = self.malformed.fetch_add(1, Ordering::Relaxed) + 1;
                if self.warnings.allow() {
                    tracing::warn!(error = %e, malformed_total = total, "ignored an MQTT message");
                }
            }
        }
        if let Some(suppressed) = self.warnings.take_suppressed() {
            tracing::warn!(
                suppressed,
                malformed_total = self.malformed.load(Ordering::Relaxed),
                "more MQTT messages were ignored or re-timed in the last minute than are logged"
            );
        }
    }
}

/// A budget of log lines per minute.
#[derive(Debug)]
pub struct Throttle {
    per_minute: u32,
    window_start: tokio::time::Instant,
    used: u32,
    suppressed: u64,
    reported_at: tokio::time::Instant,
}

impl Throttle {
    pub fn new(per_minute: u32) -> Throttle {
        Throttle {
            per_minute,
            window_start: tokio::time::Instant::now(),
            used: 0,
            suppressed: 0,
            reported_at: tokio::time::Instant::now(),
        }
    }

    /// Whether one more line may be logged now.
    pub fn allow(&mut self) -> bool {
        self.roll();
        if self.used < self.per_minute {
            self.used += 1;
            true
        } else {
            self.suppressed += 1;
            false
        }
    }

    /// At most once a minute, with lines held back: how many.
    fn take_suppressed(&mut self) -> Option<u64> {
        if self.suppressed == 0 || self.reported_at.elapsed() < Duration::from_secs(60) {
            return None;
        }
        self.reported_at = tokio::time::Instant::now();
        Some(std::mem::take(&mut self.suppressed))
    }

    /// A new minute: a new budget. What was held back stays counted until
    /// `take_suppressed` reports it.
    fn roll(&mut self) {
        if self.window_start.elapsed() >= Duration::from_secs(60) {
            self.window_start = tokio::time::Instant::now();
            self.used = 0;
        }
    }
}

/// The event loop task.
async fn drive(
    mut eventloop: EventLoop,
    mut reader: Reader,
    stop: CancellationToken,
    max_retry: Duration,
) {
    let broker = {
        let (host, port) = eventloop.options.broker_address();
        format!("{host}:{port}")
    };
    let mut retries = reconnect_delays(max_retry);
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
                forward(&reader.deliveries, Delivery::Connected).await;
            }
            Ok(Event::Incoming(Packet::Publish(publish))) => {
                reader
                    .read(&publish.topic, &publish.payload, publish.retain)
                    .await;
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
                    Some(since) if since.elapsed() >= STABLE_AFTER => {
                        retries = reconnect_delays(max_retry);
                    }
                    Some(_) => tracing::warn!(
                        %broker,
                        "the broker dropped the connection right after accepting it; is another client using this mqtt.client_id?"
                    ),
                    None => {}
                }
                let retry = retries.next().unwrap_or(max_retry);
                tracing::warn!(%broker, error = %e, retry_in = ?retry, "MQTT connection failed");
                tokio::select! {
                    () = stop.cancelled() => return,
                    () = tokio::time::sleep(retry) => {}
                }
            }
        }
    }
}

/// The waits between reconnects, without end: from [`FIRST_RETRY`],
/// doubling, each lengthened by up to itself at random (so that the clients
/// of a restarted broker do not all come back at once), never above `max`.
fn reconnect_delays(max: Duration) -> backon::ExponentialBackoff {
    use backon::BackoffBuilder as _;
    backon::ExponentialBuilder::default()
        .with_min_delay(FIRST_RETRY)
        .with_max_delay((max / 2).max(FIRST_RETRY))
        .with_jitter()
        .without_max_times()
        .build()
}

/// Hands a delivery on. When the receiver is gone (habitd is shutting down,
/// or a CLI run reads nothing) the loop must keep polling to send what is
/// queued, so the delivery is dropped rather than treated as an error.
async fn forward(deliveries: &mpsc::Sender<Delivery>, delivery: Delivery) {
    if deliveries.send(delivery).await.is_err() {
        tracing::debug!("MQTT delivery dropped: nobody reads them");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_throttle_allows_a_budget_a_minute_and_reports_the_rest() {
        let mut throttle = Throttle::new(10);
        assert_eq!((0..12).filter(|_| throttle.allow()).count(), 10);
        assert_eq!(throttle.take_suppressed(), None, "not within the minute");
        tokio::time::advance(Duration::from_secs(61)).await;
        assert!(throttle.allow(), "a new minute, a new budget");
        assert_eq!(throttle.take_suppressed(), Some(2));
        assert_eq!(throttle.take_suppressed(), None);
    }

    #[test]
    fn reconnect_delays_double_with_jitter_and_stay_below_the_maximum() {
        let max = Duration::from_secs(30);
        let firsts: Vec<Duration> = (0..50)
            .filter_map(|_| reconnect_delays(max).next())
            .collect();
        assert!(
            firsts
                .iter()
                .all(|d| (FIRST_RETRY..=FIRST_RETRY * 2).contains(d)),
            "{firsts:?}"
        );
        assert!(firsts.iter().any(|d| *d != firsts[0]), "{firsts:?}");
        let delays: Vec<Duration> = reconnect_delays(max).take(100).collect();
        assert_eq!(delays.len(), 100, "reconnecting never gives up");
        assert!(delays.iter().all(|d| *d <= max), "{delays:?}");
        assert!(delays[99] >= max / 2, "{delays:?}");
        // The smallest allowed maximum still holds.
        let one = Duration::from_secs(1);
        assert!(reconnect_delays(one).take(20).all(|d| d <= one));
    }
}
