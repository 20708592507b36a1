//! The seam between a script and the chat it talks to: a [`Driver`] is the chat as a shopper
//! sees it, frame by frame. The socket driver ([`super::socket`]) talks to a live server; the
//! in-process driver ([`super::in_process`]) runs the same pipeline inside this process.
//!
//! The trait uses Rust 2024's return-position `impl Future` in traits (no `async_trait`
//! macro). Its methods promise `Send` futures so the runner can spawn each script on the
//! tokio runtime and use both cores; implementations simply write `async fn`. There is no
//! `dyn Driver`: the runner is generic over the driver type, which a factory names.

use std::future::Future;

use super::script::{Fixture, Script};
use crate::chat::protocol::ServerFrame;

/// Why a driver could not talk to the chat. A driver error fails the script with this
/// message; it never stops the other scripts.
#[derive(Debug, thiserror::Error)]
pub enum DriverError {
    #[error("cannot connect to {url}: {reason}")]
    Connect { url: String, reason: String },
    #[error("the server closed the connection{0}")]
    Closed(String),
    #[error("no answer from the server within {seconds} s while waiting for {waiting_for}")]
    Timeout { seconds: u64, waiting_for: String },
    #[error("the server sent something unreadable: {0}")]
    Protocol(String),
    #[error("{method} {url} failed: {detail}")]
    Http { method: &'static str, url: String, detail: String },
    #[error("{0}")]
    Unavailable(String),
}

/// What a replay talks to: the chat as a shopper sees it, frame by frame.
pub trait Driver: Send {
    /// Puts the script's shopper fixture in place before the first visit, so the first reply
    /// already knows it. Called at most once, before [`Driver::open`].
    fn apply_fixture(&mut self, fixture: &Fixture) -> impl Future<Output = Result<(), DriverError>> + Send;

    /// Puts the script's shop orders (`purchase` events naming their `customer_id`, as the
    /// shop's backend posts them) in the shop's order history before the first visit. A driver
    /// that cannot says so.
    fn apply_orders(&mut self, orders: &[serde_json::Value]) -> impl Future<Output = Result<(), DriverError>> + Send {
        let result = match orders.is_empty() {
            true => Ok(()),
            false => Err(DriverError::Unavailable("this driver cannot put the shop's orders in place".into())),
        };
        async move { result }
    }

    /// Starts the first visit: sends hello (with the script's context) and returns the frames
    /// received until and including the first `reply` (welcome, reply).
    fn open(
        &mut self,
        context: &serde_json::Value,
    ) -> impl Future<Output = Result<Vec<ServerFrame>, DriverError>> + Send;

    /// Sends `say` and returns frames until and including the next `reply`, `handover` or
    /// `error`.
    fn say(&mut self, text: &str) -> impl Future<Output = Result<Vec<ServerFrame>, DriverError>> + Send;

    /// Sends an `event` frame; returns any frames that arrive within a short grace period
    /// (usually none).
    fn event(
        &mut self,
        event: &serde_json::Value,
    ) -> impl Future<Output = Result<Vec<ServerFrame>, DriverError>> + Send;

    /// Ends the session and starts a new visit of the SAME shopper (hello with the stored
    /// shopper token, no session id) with the given context; returns frames until the first
    /// reply.
    fn visit(
        &mut self,
        context: &serde_json::Value,
    ) -> impl Future<Output = Result<Vec<ServerFrame>, DriverError>> + Send;
}

/// Makes one fresh driver per script (so each script gets its own shopper, and in-process,
/// its own temporary store).
///
/// Any `Fn(&Script) -> impl Future<Output = Result<Box<D>, DriverError>>` closure is a
/// factory; the future may not borrow the script, so clone what it needs.
pub trait DriverFactory: Send + Sync + 'static {
    type Driver: Driver + 'static;

    fn make(&self, script: &Script) -> impl Future<Output = Result<Box<Self::Driver>, DriverError>> + Send;
}

impl<F, Fut, D> DriverFactory for F
where
    F: Fn(&Script) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Box<D>, DriverError>> + Send,
    D: Driver + 'static,
{
    type Driver = D;

    fn make(&self, script: &Script) -> impl Future<Output = Result<Box<D>, DriverError>> + Send {
        self(script)
    }
}

/// Whether a frame ends a `say`: the chat answered (or refused).
pub(crate) fn ends_turn(frame: &ServerFrame) -> bool {
    matches!(frame, ServerFrame::Reply(_) | ServerFrame::Handover { .. } | ServerFrame::Error { .. })
}
