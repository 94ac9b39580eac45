//! habitd under systemd's `Type=notify` with a watchdog, with a datagram
//! socket standing in for systemd's: READY once it is on the broker,
//! watchdog pings while it runs, STOPPING on SIGTERM.

mod common;

use std::os::unix::net::UnixDatagram;
use std::time::{Duration, Instant};

use common::{Broker, Watcher};

/// The next notification, within the tests' patience.
fn next(socket: &UnixDatagram) -> String {
    let mut buffer = [0u8; 256];
    let n = socket
        .recv(&mut buffer)
        .expect("a notification from habitd");
    String::from_utf8_lossy(&buffer[..n]).trim().to_owned()
}

#[tokio::test]
async fn ready_then_watchdog_pings_then_stopping() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notify.sock");
    let socket = UnixDatagram::bind(&path).unwrap();
    socket.set_read_timeout(Some(common::PATIENCE)).unwrap();
    let broker = Broker::start();
    let mut watch = Watcher::connect(broker.port, "habitd/availability").await;
    let socket_path = path.display().to_string();
    let mut daemon = common::start_daemon_with(
        broker.port,
        tempfile::tempdir().unwrap(),
        &[("NOTIFY_SOCKET", &socket_path), ("WATCHDOG_USEC", "200000")],
    );
    let socket = tokio::task::spawn_blocking(move || {
        let mut seen = Vec::new();
        let started = Instant::now();
        while seen.iter().filter(|m: &&String| *m == "WATCHDOG=1").count() < 3 {
            seen.push(next(&socket));
        }
        (socket, seen, started.elapsed())
    });
    let (socket, seen, took) = socket.await.unwrap();
    assert!(seen.contains(&"READY=1".to_owned()), "{seen:?}");
    // Pings every 100 ms (half the watchdog's 200 ms).
    assert!(took < Duration::from_secs(20), "{seen:?} in {took:?}");
    watch.wait_for_text("habitd/availability", "online").await;
    daemon.terminate();
    let stopping =
        tokio::task::spawn_blocking(move || (0..50).any(|_| next(&socket) == "STOPPING=1"));
    assert!(stopping.await.unwrap(), "no STOPPING=1");
    assert_eq!(daemon.exit_code().await, Some(0), "{}", daemon.log());
}
