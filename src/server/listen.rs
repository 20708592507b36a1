//! The accept loop: hyper's HTTP/1 server with the limits `axum::serve` does not offer, so no
//! stranger can hold the server's file descriptors.
//!
//! - **Per-client connections**: at most `limits.connections_per_client` open connections per
//!   peer address (a trusted proxy is exempt: it carries many clients); one more is closed at
//!   once. At most `limits.max_tcp_connections` in all.
//! - **Header timeout**: a connection must deliver each request's headers within
//!   `limits.header_timeout_secs` of starting to wait for them, which also closes idle
//!   keep-alive connections and ones that never send anything.
//! - **Body timeout** (in `app`): a body must arrive within `limits.body_timeout_secs`.
//!
//! Upgraded connections (the chat) are the socket's own business from then on: it has its own
//! hello and idle timeouts, and its permit.

use std::collections::HashMap;
use std::future::Future;
use std::net::IpAddr;
#[cfg(test)]
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpListener;
use tower::ServiceExt;

use super::state::AppState;

/// Counts open connections per peer address.
#[derive(Debug, Default)]
pub(crate) struct OpenConnections {
    per_client: Mutex<HashMap<IpAddr, usize>>,
}

/// One counted connection; uncounted when dropped.
pub(crate) struct Counted {
    open: Arc<OpenConnections>,
    client: IpAddr,
}

impl OpenConnections {
    /// Counts a connection from `client`, unless it already has `max` open.
    pub(crate) fn admit(self: &Arc<Self>, client: IpAddr, max: usize) -> Option<Counted> {
        let mut open = self.per_client.lock().unwrap_or_else(|e| e.into_inner());
        let count = open.entry(client).or_insert(0);
        if *count >= max {
            return None;
        }
        *count += 1;
        Some(Counted { open: Arc::clone(self), client })
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        let mut open = self.open.per_client.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(count) = open.get_mut(&self.client) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.client);
            }
        }
    }
}

/// What the accept loop enforces (from `limits` and `trusted_proxies`).
#[derive(Debug, Clone)]
pub(crate) struct Accept {
    pub per_client: usize,
    pub total: usize,
    pub header_timeout: Duration,
    pub trusted_proxies: Vec<IpAddr>,
}

/// Serves `router` on `listener` until `shutdown` resolves; then stops accepting, lets each
/// connection finish its request in flight (graceful shutdown) and returns when all are done.
pub(crate) async fn serve(
    listener: TcpListener,
    router: Router,
    accept: Accept,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    let open = Arc::new(OpenConnections::default());
    let total = Arc::new(tokio::sync::Semaphore::new(accept.total));
    // `stop` tells connections to finish; each holds a `done` receiver until it has.
    let (stop, stopping) = tokio::sync::watch::channel(());
    let (done, open_connections) = tokio::sync::watch::channel(());
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of descriptors and the like: wait a moment rather than spin.
                    tracing::debug!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let client = peer.ip();
        let counted = if accept.trusted_proxies.contains(&client) {
            None
        } else {
            match open.admit(client, accept.per_client) {
                Some(counted) => Some(counted),
                None => {
                    state.metrics.refused("connections_per_client");
                    continue;
                }
            }
        };
        let Ok(permit) = Arc::clone(&total).try_acquire_owned() else {
            state.metrics.refused("tcp_connections");
            continue;
        };
        // Replies are small frames written as soon as they are ready: without TCP_NODELAY,
        // Nagle's algorithm holds a frame's last segment until the peer's delayed ACK (~40 ms).
        if let Err(error) = stream.set_nodelay(true) {
            tracing::debug!(%error, "cannot set TCP_NODELAY");
        }
        // The counts travel with the socket, so an upgraded chat connection stays counted.
        let stream = Held { io: stream, _held: (counted, permit) };
        let router = router.clone();
        let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            router.clone().oneshot(request.map(Body::new))
        });
        let mut http = hyper::server::conn::http1::Builder::new();
        http.timer(TokioTimer::new()).header_read_timeout(accept.header_timeout);
        let connection = http.serve_connection(TokioIo::new(stream), service).with_upgrades();
        let (mut stopping, open_connection) = (stopping.clone(), open_connections.clone());
        tokio::spawn(async move {
            let mut connection = std::pin::pin!(connection);
            loop {
                tokio::select! {
                    result = connection.as_mut() => {
                        if let Err(error) = result {
                            tracing::trace!(%error, "connection ended with an error");
                        }
                        break;
                    }
                    Ok(()) = stopping.changed() => connection.as_mut().graceful_shutdown(),
                }
            }
            drop(open_connection);
        });
    }
    drop(listener);
    let _ = stop.send(());
    drop(open_connections);
    done.closed().await;
}

/// A socket with what it holds (its place in the counts), released when the socket closes.
struct Held<T> {
    io: T,
    _held: (Option<Counted>, tokio::sync::OwnedSemaphorePermit),
}

impl<T: AsyncRead + Unpin> AsyncRead for Held<T> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Held<T> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.io).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }
}

/// The peer's own address; for tests of the counting.
#[cfg(test)]
fn loopback() -> IpAddr {
    SocketAddr::from(([127, 0, 0, 1], 0)).ip()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_gets_its_share_of_connections_and_a_closed_one_frees_its_place() {
        let open = Arc::new(OpenConnections::default());
        let first = open.admit(loopback(), 2).unwrap();
        let _second = open.admit(loopback(), 2).unwrap();
        assert!(open.admit(loopback(), 2).is_none());
        assert!(open.admit("10.0.0.9".parse().unwrap(), 2).is_some(), "another client is counted apart");
        drop(first);
        assert!(open.admit(loopback(), 2).is_some());
    }
}
