//! The process-level shutdown signal.

use std::future::Future;

use tokio::signal::unix::{Signal, SignalKind, signal as listen};

/// Completes on SIGTERM (systemd, `docker stop`, the Supervisor) or SIGINT
/// (Ctrl-C).
///
/// The handlers are installed when this is called, not when the future is
/// first polled: a SIGTERM that arrives while habitd is still starting (the
/// database, the broker) must stop it in order, not kill it with the
/// default action. Call it first thing inside the runtime.
///
/// If a handler cannot be installed (it does not happen on Linux), that
/// signal is simply not awaited: the other one, and SIGKILL, still work.
pub fn signal() -> impl Future<Output = ()> + Send + 'static {
    let install = |kind: SignalKind, name: &'static str| match listen(kind) {
        Ok(stream) => Some(stream),
        Err(e) => {
            tracing::error!(error = %e, "cannot listen for {name}");
            None
        }
    };
    let terminate = install(SignalKind::terminate(), "SIGTERM");
    let interrupt = install(SignalKind::interrupt(), "SIGINT");
    async move {
        tokio::select! {
            () = received(terminate) => tracing::info!("received SIGTERM"),
            () = received(interrupt) => tracing::info!("received SIGINT"),
        }
    }
}

async fn received(stream: Option<Signal>) {
    match stream {
        Some(mut stream) => {
            stream.recv().await;
        }
        None => std::future::pending::<()>().await,
    }
}
