//! `GET /v1/chat`: the socket pump, one WebSocket conversation per connection.
//!
//! Each connection is two tasks: this one reads frames and hands each to the chat
//! ([`Chat::handle`], which decides everything about the turn), and a writer task drains a
//! small queue to the socket, so a peer that stops reading stalls only itself (its queue
//! fills, and it is disconnected). This module owns only the transport: frame size and rate
//! limits, the hello and idle timeouts, parking a closed visit for a reconnect, and metrics.

use std::time::{Duration, Instant};

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket};
use futures_util::{SinkExt, StreamExt};
use time::OffsetDateTime;
use tokio::sync::mpsc;

use super::auth::customer_signature_valid;
use super::limits::TokenBucket;
use super::metrics::Metrics;
use super::quiet::{Quiet, warn_quietly};
use super::state::{AppState, Parked};
use crate::chat::exchange::error;
use crate::chat::protocol::{ClientFrame, Customer, FrameError, ServerFrame};
use crate::chat::{Chat, Identity, Peer, Run, Services};
use crate::profile::{CustomerId, ShopperId};

/// Frames waiting for a slow reader before it is disconnected.
const OUTBOX: usize = 16;

/// Serves one upgraded socket until it closes, the shopper goes idle, or the server stops.
pub async fn serve(state: AppState, socket: WebSocket) {
    let Ok(_permit) = state.connections.clone().try_acquire_owned() else {
        state.metrics.refused("connections");
        let mut socket = socket;
        let _ = socket.send(close(1013, "too many connections")).await;
        return;
    };
    state.metrics.connections.inc();
    let (mut sink, mut stream) = socket.split();
    let (out, mut outbox) = mpsc::channel::<Message>(OUTBOX);
    let writer = tokio::spawn(async move {
        while let Some(message) = outbox.recv().await {
            let closing = matches!(message, Message::Close(_));
            if sink.send(message).await.is_err() || closing {
                break;
            }
        }
        let _ = sink.close().await;
    });
    let run = Run::for_durability(state.config.profile.durability);
    let mut connection = Connection { state: state.clone(), out, chat: Chat::default(), run };
    let limits = state.config.limits.clone();
    let mut bucket = TokenBucket::new(limits.messages_per_minute, limits.burst, Instant::now());
    let mut shutdown = state.shutdown.clone();
    let started = Instant::now();
    loop {
        let deadline = if !connection.chat.is_open() {
            limits.hello_timeout().saturating_sub(started.elapsed())
        } else {
            limits.idle_timeout()
        };
        let next = tokio::select! {
            next = tokio::time::timeout(deadline, stream.next()) => next,
            _ = shutdown.changed() => {
                connection.send_raw(close(1001, "the server is restarting")).await;
                break;
            }
        };
        let message = match next {
            Err(_) => {
                let (code, why) = if !connection.chat.is_open() { (4008, "hello_timeout") } else { (1000, "idle") };
                state.metrics.refused(why);
                connection.send_raw(close(code, why)).await;
                break;
            }
            Ok(None) => break,
            Ok(Some(Err(error))) => {
                // tungstenite refuses a frame over the hard limit: say so with 1009 and stop.
                if is_too_long(&error) {
                    state.metrics.refused("hard_frame_size");
                    connection.send_raw(close(1009, "message too big")).await;
                }
                break;
            }
            Ok(Some(Ok(message))) => message,
        };
        match message {
            Message::Text(text) => {
                if text.len() > limits.soft_frame_bytes {
                    state.metrics.refused("soft_frame_size");
                    let limit = limits.soft_frame_bytes;
                    connection
                        .error(FrameError::new("too_large", format!("messages are limited to {limit} bytes")))
                        .await;
                } else if !bucket.try_take(Instant::now()) {
                    state.metrics.refused("messages_per_minute");
                    connection.error(FrameError::new("rate_limited", "too many messages; wait a moment")).await;
                } else if !connection.handle(text.as_str()).await {
                    break;
                }
            }
            Message::Binary(_) => {
                connection.error(FrameError::new("bad_message", "frames must be JSON text, not binary")).await;
            }
            Message::Close(_) => break,
            Message::Ping(_) | Message::Pong(_) => {}
        }
    }
    connection.park();
    drop(connection);
    let _ = writer.await;
    state.metrics.connections.dec();
}

fn close(code: u16, reason: &'static str) -> Message {
    Message::Close(Some(CloseFrame { code, reason: Utf8Bytes::from_static(reason) }))
}

/// The socket's connection state.
struct Connection {
    state: AppState,
    out: mpsc::Sender<Message>,
    chat: Chat,
    run: Run,
}

impl Connection {
    /// Handles one text frame; `false` ends the connection (its peer is gone).
    async fn handle(&mut self, text: &str) -> bool {
        let frame = match ClientFrame::parse(text) {
            Ok(frame) => frame,
            Err(refused) => return self.error(refused).await,
        };
        let state = self.state.clone();
        let services = Services {
            assistant: state.assistant(),
            profiles: &state.profiles,
            llm: state.llm.as_deref(),
            identity: &state,
            run: self.run,
            now: OffsetDateTime::now_utc(),
            log_text: state.config.log.debug_shopper_text,
        };
        let started = Instant::now();
        // A hello ends this connection's visit; one carrying a parked visit's resume id (and
        // its shopper's token) continues that visit instead of starting one.
        let mut resumed = None;
        if let ClientFrame::Hello { shopper, session, .. } = &frame {
            self.park();
            let shopper = shopper.as_deref().and_then(|t| state.tokens.verify(t));
            resumed = session
                .as_deref()
                .and_then(|s| state.unpark(s))
                .filter(|parked| Some(parked.visit.conversation.shopper) == shopper);
        }
        let mut wire = Wire { out: &self.out, metrics: &state.metrics, started };
        match resumed {
            Some(parked) => self.chat.resume(parked.visit, &services, &mut wire).await,
            None => self.chat.handle(frame, &services, &mut wire).await,
        }
    }

    async fn error(&mut self, refused: FrameError) -> bool {
        error(&mut Wire { out: &self.out, metrics: &self.state.metrics, started: Instant::now() }, &refused).await
    }

    /// Queues a message for the writer; a peer whose queue stays full is disconnected.
    async fn send_raw(&mut self, message: Message) -> bool {
        send_raw(&self.out, &self.state.metrics, message).await
    }

    /// Keeps the visit for a reconnect within the resume window.
    fn park(&mut self) {
        if let Some(visit) = self.chat.close() {
            let resume_id = visit.resume_id.clone();
            self.state.park(resume_id, Parked { visit, since: Instant::now() });
        }
    }
}

/// The socket as the chat's [`Peer`]: frames go to the writer's queue, and the turn's
/// figures to the metrics.
struct Wire<'a> {
    out: &'a mpsc::Sender<Message>,
    metrics: &'a Metrics,
    /// When the client frame being handled arrived.
    started: Instant,
}

impl Peer for Wire<'_> {
    async fn send(&mut self, frame: ServerFrame) -> bool {
        if let ServerFrame::Error { code, .. } = &frame {
            self.metrics.error(code);
        }
        send_raw(self.out, self.metrics, Message::Text(frame.to_text().into())).await
    }

    fn waited_for_disk(&mut self, waited: Duration) {
        self.metrics.flush_seconds.observe(waited.as_secs_f64());
    }

    fn answered(&mut self) {
        self.metrics.turns.inc();
        self.metrics.turn_seconds.observe(self.started.elapsed().as_secs_f64());
    }
}

/// Queues a message for the writer; a peer whose queue stays full for 5 s is disconnected.
async fn send_raw(out: &mpsc::Sender<Message>, metrics: &Metrics, message: Message) -> bool {
    match tokio::time::timeout(Duration::from_secs(5), out.send(message)).await {
        Ok(Ok(())) => true,
        _ => {
            metrics.refused("slow_reader");
            false
        }
    }
}

/// The server's tokens and resume ids, as the chat names shoppers on the wire.
impl Identity for AppState {
    fn verify(&self, token: &str) -> Option<ShopperId> {
        self.tokens.verify(token)
    }

    fn sign(&self, shopper: ShopperId) -> String {
        self.tokens.sign(shopper)
    }

    /// The customer id of a `customer` whose signature checks out under the identity secret.
    fn customer(&self, customer: Customer) -> Option<CustomerId> {
        let secret = self.config.identity_secret.as_deref()?;
        if !customer_signature_valid(secret, &customer.id, &customer.signature) {
            // Anyone can send bad signatures as fast as they like: one line a minute says so.
            static BAD_SIGNATURES: Quiet = Quiet::new(Duration::from_secs(60));
            warn_quietly!(BAD_SIGNATURES, "hellos carried a customer id with a bad signature; ignored");
            return None;
        }
        CustomerId::parse(&customer.id).ok()
    }

    fn resume_id(&self) -> String {
        hex::encode(rand::random::<[u8; 16]>())
    }
}

/// Whether a read failed because the frame was over the hard size limit.
fn is_too_long(error: &axum::Error) -> bool {
    let text = error.to_string().to_lowercase();
    text.contains("too long") || text.contains("space limit") || text.contains("too big")
}
