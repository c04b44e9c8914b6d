//! Accepting connections with bounds: at most [`MAX_CONNECTIONS`] at once, headers within
//! [`HEADER_READ_TIMEOUT`] (idle keep-alive connections included), backoff when accepting
//! fails (out of file descriptors), and a graceful stop.

use super::join_until;
use super::routes::App;
use crate::signals::{Shutdown, Signal};
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio::time::Instant;

/// Connections served at once; further ones wait in the listen backlog.
const MAX_CONNECTIONS: usize = 256;
/// How long a client may take to send a request's headers, or to start the next request on a
/// kept-alive connection.
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// First pause after accepting a connection failed; doubled up to [`MAX_ACCEPT_BACKOFF`].
const FIRST_ACCEPT_BACKOFF: Duration = Duration::from_millis(10);
const MAX_ACCEPT_BACKOFF: Duration = Duration::from_secs(1);

/// Accepts connections until SIGINT or SIGTERM, then stops accepting, closes idle
/// connections and lets the calls in progress finish within `drain`; returns the signal and
/// when it arrived.
pub async fn serve(
    listener: TcpListener,
    app: Arc<App>,
    shutdown: &Shutdown,
    drain: Duration,
) -> (Signal, Instant) {
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    let mut connections = JoinSet::new();
    let mut failures = 0u64;
    let mut backoff = FIRST_ACCEPT_BACKOFF;
    let signal = loop {
        while connections.try_join_next().is_some() {}
        let slot = tokio::select! {
            signal = shutdown.requested() => break signal,
            slot = Arc::clone(&slots).acquire_owned() => slot,
        };
        let Ok(slot) = slot else {
            // The semaphore is never closed.
            continue;
        };
        let accepted = tokio::select! {
            signal = shutdown.requested() => break signal,
            accepted = listener.accept() => accepted,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(error) => {
                // Out of file descriptors, typically: wait instead of spinning, and say it
                // once per burst.
                if failures == 0 {
                    tracing::warn!(%error, "accepting connections failed; backing off");
                }
                failures += 1;
                tokio::select! {
                    signal = shutdown.requested() => break signal,
                    () = tokio::time::sleep(backoff) => {}
                }
                backoff = (backoff * 2).min(MAX_ACCEPT_BACKOFF);
                continue;
            }
        };
        if failures > 0 {
            tracing::warn!("accepting connections again after {failures} failures");
            failures = 0;
            backoff = FIRST_ACCEPT_BACKOFF;
        }
        let app = Arc::clone(&app);
        let shutdown = shutdown.clone();
        connections.spawn(async move {
            let _slot = slot;
            let service = service_fn(move |request| {
                let app = Arc::clone(&app);
                async move { Ok::<_, std::convert::Infallible>(app.respond(request).await) }
            });
            let connection = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(HEADER_READ_TIMEOUT)
                .serve_connection(TokioIo::new(stream), service);
            tokio::pin!(connection);
            let result = tokio::select! {
                result = connection.as_mut() => result,
                _ = shutdown.requested() => {
                    // Close now when idle; else finish the call in progress, then close.
                    connection.as_mut().graceful_shutdown();
                    connection.await
                }
            };
            if let Err(error) = result {
                tracing::debug!(%error, "connection ended with an error");
            }
        });
    };
    let stopped = Instant::now();
    drop(listener);
    eprintln!("{}: finishing the calls in progress", signal.name());
    if !join_until(&mut connections, stopped + drain).await {
        tracing::warn!(
            "{} connections still open after {}s were closed",
            connections.len(),
            drain.as_secs()
        );
        connections.shutdown().await;
    }
    (signal, stopped)
}
