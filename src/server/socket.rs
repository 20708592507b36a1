//! `GET /v1/chat`: the socket pump, one WebSocket conversation per connection.
//!
//! Each connection is two tasks: this one reads frames and hands each to the chat
//! ([`Chat::handle`], which decides everything about the turn), and a writer task drains a
//! small queue to the socket, so a peer that stops reading stalls only itself (its queue
//! fills, and it is disconnected). This module owns only the transport: frame size and rate
//! limits, the hello and idle timeouts, parking a closed visit for a reconnect (and saving each
//! turn's visit in a shared store, see `resume`), ending an erased shopper's visit, and metrics.

use std::time::{Duration, Instant};

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket};
use futures_util::{SinkExt, StreamExt};
use time::OffsetDateTime;
use tokio::sync::mpsc;

use super::auth::customer_signature_valid;
use super::limits::TokenBucket;
use super::metrics::Metrics;
use super::quiet::{Quiet, warn_quietly};
use super::state::{AppState, Parked, Verdict};
use crate::chat::exchange::error;
use crate::chat::protocol::{ClientFrame, Customer, FrameError, ServerFrame};
use crate::chat::{Chat, Identity, Peer, Run, Services, Visit};
use crate::experiments::funnel::Replied;
use crate::profile::{CustomerId, ShopperId, Stored};

/// Frames waiting for a slow reader before it is disconnected.
const OUTBOX: usize = 16;

/// The longest one frame may take to go out before the peer is given up on. Long against any
/// reading peer (a frame is a few KiB): the reader gives up on a full queue after 5 s anyway;
/// this bounds how long a writer stuck on a peer that never reads holds the connection's
/// permit.
const WRITE_DEADLINE: Duration = Duration::from_secs(30);

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
    // A peer that stops reading blocks the writer's send: each send (and the goodbye) has a
    // deadline, so the writer ends, and with it the connection and its permit.
    let writer = tokio::spawn(async move {
        while let Some(message) = outbox.recv().await {
            let closing = matches!(message, Message::Close(_));
            let sent = tokio::time::timeout(WRITE_DEADLINE, sink.send(message)).await;
            if !matches!(sent, Ok(Ok(()))) || closing {
                break;
            }
        }
        let _ = tokio::time::timeout(WRITE_DEADLINE, sink.close()).await;
    });
    let run = Run::for_store(state.profiles.store.as_ref(), state.config.profile.durability);
    let mut erasures = state.erasures.subscribe();
    let erasures_seen = *erasures.borrow_and_update();
    let mut connection = Connection {
        state: state.clone(),
        out,
        chat: Chat::default(),
        run,
        turns: 0,
        erasures_seen,
        said: false,
        joined: None,
    };
    let limits = state.config.limits.clone();
    let mut bucket = TokenBucket::new(limits.messages_per_minute, limits.burst, Instant::now());
    let mut shutdown = state.shutdown.clone();
    let started = Instant::now();
    // Why the connection ended, for its log line.
    let mut ended = "peer";
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
                ended = "shutdown";
                break;
            }
            Ok(()) = erasures.changed() => {
                let latest = *erasures.borrow_and_update();
                if connection.was_erased(latest).await && !connection.end_erased().await {
                    break;
                }
                continue;
            }
        };
        let message = match next {
            Err(_) => {
                let (code, why) = if !connection.chat.is_open() { (4008, "hello_timeout") } else { (1000, "idle") };
                state.metrics.refused(why);
                connection.send_raw(close(code, why)).await;
                ended = why;
                break;
            }
            Ok(None) => break,
            Ok(Some(Err(error))) => {
                // Say why with RFC 6455's code: 1009 over the hard limit, 1007 for text that is
                // not UTF-8, 1002 for a protocol error; a broken connection gets nothing.
                if let Some((code, why)) = close_code(&error) {
                    state.metrics.refused(why);
                    connection.send_raw(close(code, why)).await;
                    ended = why;
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
    let turns = connection.turns;
    connection.park();
    drop(connection);
    // The writer ends once its queue is drained or a send misses its deadline; a writer still
    // stuck after that is stopped, so the permit is always given back.
    let mut writer = writer;
    if tokio::time::timeout(WRITE_DEADLINE * 2, &mut writer).await.is_err() {
        writer.abort();
    }
    state.metrics.connections.dec();
    super::logs::connection_closed(&state, started.elapsed(), turns, ended);
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
    /// Turns answered on this connection, for its log line.
    turns: u64,
    /// The number of the latest erasure this connection has looked at.
    erasures_seen: u64,
    /// The shopper said something in this visit (for the funnel).
    said: bool,
    /// The shopper this socket receives notices for, and its key in the hub.
    joined: Option<(ShopperId, u64)>,
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.join(None);
    }
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
            experiments: Some(&state.config.experiments),
        };
        let started = Instant::now();
        // A hello ends this connection's visit; one carrying a parked visit's resume id (and
        // its shopper's token) continues that visit instead of starting one.
        let mut resumed = None;
        if let ClientFrame::Hello { shopper, session, customer, .. } = &frame {
            self.park();
            let shopper = shopper.as_deref().and_then(|t| state.tokens.verify(t));
            let customer = customer.clone().and_then(|c| state.customer(c));
            if let (Some(resume_id), Some(shopper)) = (session.clone(), shopper) {
                resumed = self.resume(resume_id, shopper, customer).await;
            }
        }
        let said = self.tally(&frame);
        let mut wire = Wire { out: &self.out, state: &state, started, answered: 0, said };
        let alive = match resumed {
            Some(visit) => self.chat.resume(visit, &services, &mut wire).await,
            None => self.chat.handle(frame, &services, &mut wire).await,
        };
        self.turns += wire.answered;
        self.join(self.chat.shopper());
        alive
    }

    /// Tallies a client frame in the assistant's funnel; `true` for a message the chat answers.
    fn tally(&mut self, frame: &ClientFrame) -> bool {
        let funnel = &self.state.funnel;
        match frame {
            ClientFrame::Hello { .. } => {
                self.said = false;
                false
            }
            _ if self.chat.arms().held_out() || !self.chat.is_open() => false,
            ClientFrame::Say { .. } => {
                funnel.message(!self.said, self.chat.asking());
                self.said = true;
                true
            }
            ClientFrame::Event { event } => {
                if event.get("kind").and_then(|k| k.as_str()) == Some("product_clicked") {
                    funnel.clicked();
                }
                false
            }
        }
    }

    /// Receives notices for `shopper` (none: for no one) from now on.
    fn join(&mut self, shopper: Option<ShopperId>) {
        if self.joined.map(|(s, _)| s) == shopper {
            return;
        }
        if let Some((old, key)) = self.joined.take() {
            self.state.notices.leave(old, key);
        }
        self.joined = shopper.map(|s| (s, self.state.notices.join(s, self.out.clone())));
    }

    async fn error(&mut self, refused: FrameError) -> bool {
        error(
            &mut Wire { out: &self.out, state: &self.state, started: Instant::now(), answered: 0, said: false },
            &refused,
        )
        .await
    }

    /// The visit a hello with a resume id continues, parked here or saved by any server
    /// (see `resume`), looked up where the store may block.
    async fn resume(&self, resume_id: String, shopper: ShopperId, customer: Option<CustomerId>) -> Option<Visit> {
        let (state, now) = (self.state.clone(), OffsetDateTime::now_utc());
        let find = move || state.resume(&resume_id, shopper, customer.as_ref(), now);
        match self.run {
            Run::Blocking => tokio::task::spawn_blocking(find).await.ok().flatten(),
            Run::Inline => find(),
        }
    }

    /// Whether this connection's shopper is gone, asked when erasures up to number `latest`
    /// were announced: the erasure log names the shopper, or, when erasures may have been
    /// missed, the store answers (from its index; where it may block).
    async fn was_erased(&mut self, latest: u64) -> bool {
        let Some(mine) = self.chat.shopper() else {
            self.erasures_seen = latest;
            return false;
        };
        let (verdict, seen) = self.state.erased_since(self.erasures_seen, mine);
        self.erasures_seen = seen;
        match verdict {
            Verdict::Kept => false,
            Verdict::Erased => true,
            Verdict::Ask => {
                let state = self.state.clone();
                let absent = move || matches!(state.profiles.store.whose(mine), Ok(Stored::Absent));
                match self.run {
                    Run::Blocking => tokio::task::spawn_blocking(absent).await.unwrap_or(false),
                    Run::Inline => absent(),
                }
            }
        }
    }

    /// Ends this connection's visit, whose shopper was erased; `false`: the peer is gone.
    async fn end_erased(&mut self) -> bool {
        let mut wire = Wire { out: &self.out, state: &self.state, started: Instant::now(), answered: 0, said: false };
        self.chat.end_erased(&mut wire).await
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
    state: &'a AppState,
    /// When the client frame being handled arrived.
    started: Instant,
    /// Turns answered for this frame.
    answered: u64,
    /// The frame is a shopper's message (its reply tells the funnel whether it was served).
    said: bool,
}

impl Peer for Wire<'_> {
    async fn send(&mut self, frame: ServerFrame) -> bool {
        let funnel = &self.state.funnel;
        match &frame {
            ServerFrame::Error { code, .. } => self.state.metrics.error(code),
            ServerFrame::Welcome { session, .. } if !session.is_empty() => funnel.conversation(),
            ServerFrame::Reply(reply) => {
                let replied =
                    Replied { asking: reply.asking.is_some(), products: reply.products.len(), slots: &reply.slots };
                funnel.reply(&replied, self.said);
            }
            ServerFrame::Handover { .. } => funnel.handover(),
            _ => {}
        }
        send_raw(self.out, &self.state.metrics, Message::Text(frame.to_text().into())).await
    }

    fn waited_for_disk(&mut self, waited: Duration) {
        self.state.metrics.flush_seconds.observe(waited.as_secs_f64());
    }

    fn answered(&mut self) {
        self.state.metrics.turns.inc();
        self.answered += 1;
        self.state.metrics.turn_seconds.observe(self.started.elapsed().as_secs_f64());
    }

    fn erased(&mut self, shopper: ShopperId) {
        self.state.end_conversations(shopper);
    }

    fn keep(&mut self, visit: &Visit) -> impl Future<Output = ()> + Send {
        self.state.keep(visit)
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

/// The close code (and the metric's name for it) for a frame the socket could not read:
/// 1009 over the hard size limit, 1007 for text that is not UTF-8, 1002 for any other
/// protocol error; `None` when the connection itself failed (nobody to tell).
fn close_code(error: &axum::Error) -> Option<(u16, &'static str)> {
    let text = error.to_string().to_lowercase();
    if text.contains("too long") || text.contains("space limit") || text.contains("too big") {
        Some((1009, "hard_frame_size"))
    } else if text.contains("utf-8") || text.contains("utf8") {
        Some((1007, "invalid_utf8"))
    } else if text.contains("protocol") {
        Some((1002, "protocol_error"))
    } else {
        None
    }
}
