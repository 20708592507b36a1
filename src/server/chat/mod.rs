//! `GET /v1/chat`: one WebSocket conversation per connection.
//!
//! Each connection is two tasks: this one reads frames and computes replies (in place, or on
//! the blocking pool when every write waits for the disk: see `Connection::blocking`), and a
//! writer task drains a small queue to the socket, so
//! a peer that stops reading stalls only itself (its queue fills, and it is disconnected).
//! A reply is sent only once the answer it acknowledges is durable.
//!
//! With a language model configured ([`model`]), a message the rules only partly understand is
//! also read by the model, and each reply is reworded by it, streamed as `reply_delta` frames
//! before the authoritative `reply`.

mod model;

use std::time::{Duration, Instant};

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket};
use futures_util::{SinkExt, StreamExt};
use time::OffsetDateTime;
use tokio::sync::mpsc;

use super::frames::{ClientFrame, Customer, FrameError, ServerFrame};
use super::limits::TokenBucket;
use super::quiet::{Quiet, warn_quietly};
use super::state::{AppState, Parked};
use super::tokens::customer_signature_valid;
use crate::conversation::{Conversation, ConversationError, Turn};
use crate::profile::{CustomerId, Durable};
use crate::recommend::PageContext;
use crate::reply::Reply;

/// Frames waiting for a slow reader before it is disconnected.
const OUTBOX: usize = 16;

/// The socket's connection state.
struct Connection {
    state: AppState,
    out: mpsc::Sender<Message>,
    session_id: Option<String>,
    conversation: Option<Conversation>,
    last_reply: Option<Reply>,
}

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
    let mut connection =
        Connection { state: state.clone(), out, session_id: None, conversation: None, last_reply: None };
    let limits = state.config.limits.clone();
    let mut bucket = TokenBucket::new(limits.messages_per_minute, limits.burst, Instant::now());
    let mut shutdown = state.shutdown.clone();
    let started = Instant::now();
    loop {
        let deadline = if connection.conversation.is_none() {
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
                let (code, why) =
                    if connection.conversation.is_none() { (4008, "hello_timeout") } else { (1000, "idle") };
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
                        .error(&FrameError::new("too_large", format!("messages are limited to {limit} bytes")))
                        .await;
                } else if !bucket.try_take(Instant::now()) {
                    state.metrics.refused("messages_per_minute");
                    connection.error(&FrameError::new("rate_limited", "too many messages; wait a moment")).await;
                } else if !connection.handle(text.as_str()).await {
                    break;
                }
            }
            Message::Binary(_) => {
                connection.error(&FrameError::new("bad_message", "frames must be JSON text, not binary")).await;
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

impl Connection {
    /// Handles one text frame; `false` ends the connection (its peer is gone).
    async fn handle(&mut self, text: &str) -> bool {
        let frame = match ClientFrame::parse(text) {
            Ok(frame) => frame,
            Err(error) => return self.error(&error).await,
        };
        match (frame, self.conversation.is_some()) {
            (ClientFrame::Hello { shopper, session, customer, context }, _) => {
                self.hello(shopper, session, customer, context).await
            }
            (_, false) => self.error(&FrameError::new("hello_required", "send hello first")).await,
            (ClientFrame::Say { text, choice }, true) => self.say(text, choice.is_some()).await,
            (ClientFrame::Event { event }, true) => self.event(event).await,
        }
    }

    async fn hello(
        &mut self,
        token: Option<String>,
        session: Option<String>,
        customer: Option<Customer>,
        context: PageContext,
    ) -> bool {
        self.park();
        let state = self.state.clone();
        let shopper = token.as_deref().and_then(|t| state.tokens.verify(t));
        if let Some(parked) = session.as_deref().and_then(|s| state.unpark(s))
            && Some(parked.conversation.shopper) == shopper
        {
            self.session_id = session;
            self.conversation = Some(parked.conversation);
            self.last_reply = parked.last_reply.clone();
            let reply = parked.last_reply.unwrap_or_else(|| empty_reply(self.conversation.as_ref()));
            return self.welcome(false).await && self.send(ServerFrame::Reply(Box::new(reply))).await;
        }
        let customer = customer.and_then(|c| verified_customer(&state, c));
        let agent = state.agent();
        let profiles = state.profiles.clone();
        let started = Instant::now();
        let opened = self
            .blocking(move || {
                Conversation::start(&agent, &profiles, shopper, customer, context, OffsetDateTime::now_utc())
            })
            .await;
        let opened = match opened {
            Ok(Ok(opened)) => opened,
            Ok(Err(error)) => return self.internal(&error).await,
            Err(error) => return self.internal(&error).await,
        };
        self.session_id = Some(hex::encode(rand::random::<[u8; 16]>()));
        self.conversation = Some(opened.conversation);
        let returning = opened.returning;
        self.finish_turn(opened.turn, started, Some(returning), "").await
    }

    /// `quick_reply`: the text is a quick-reply button's (no need for a model to read it).
    async fn say(&mut self, text: String, quick_reply: bool) -> bool {
        let Some(mut conversation) = self.conversation.take() else { return true };
        // Shoppers' words stay out of the logs unless a debugging operator asks for them.
        if self.state.config.log.debug_shopper_text {
            tracing::debug!(shopper = %conversation.shopper, %text, "say");
        }
        let (agent, profiles) = (self.state.agent(), self.state.profiles.clone());
        let started = Instant::now();
        let said = model::read(&self.state, &agent, &conversation, &text, quick_reply).await;
        if self.state.llm.is_some() {
            conversation.remember(true, &text);
        }
        let done = self
            .blocking(move || {
                let turn = conversation.say_understood(&agent, &profiles, &said, OffsetDateTime::now_utc());
                (conversation, turn)
            })
            .await;
        match done {
            Ok((conversation, turn)) => {
                self.conversation = Some(conversation);
                match turn {
                    Ok(turn) => self.finish_turn(turn, started, None, &text).await,
                    Err(error) => self.internal(&error).await,
                }
            }
            Err(error) => self.internal(&error).await,
        }
    }

    async fn event(&mut self, event: serde_json::Value) -> bool {
        let Some(mut conversation) = self.conversation.take() else { return true };
        let profiles = self.state.profiles.clone();
        let done = self
            .blocking(move || {
                let recorded = conversation.event(&profiles, event, OffsetDateTime::now_utc());
                (conversation, recorded)
            })
            .await;
        match done {
            Ok((conversation, recorded)) => {
                self.conversation = Some(conversation);
                match recorded {
                    Ok(durable) => self.durable(durable).await.err().unwrap_or(true),
                    Err(ConversationError::Input(e)) => {
                        self.error(&FrameError::new("bad_message", e.to_string())).await
                    }
                    Err(error) => self.internal(&error).await,
                }
            }
            Err(error) => self.internal(&error).await,
        }
    }

    /// Runs a turn's store work. With group commit or no flushing, a store call never waits for
    /// the disk (sled writes to memory; the flusher thread syncs and the reply awaits its
    /// ticket), so the turn runs right here: handing ~100 µs of work to the blocking pool and
    /// back cost more than the work (a third of the server's CPU at saturation went to those
    /// thread hand-offs). With a flush per write (`durability = "each"`) the call does wait for
    /// the disk, so it goes to the blocking pool.
    async fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, tokio::task::JoinError> {
        if self.state.config.profile.durability == "each" {
            tokio::task::spawn_blocking(work).await
        } else {
            Ok(work())
        }
    }

    /// Waits for the turn's write, then sends what it says: a new welcome when the shopper
    /// was replaced (`returning` for a hello), and the reply or handover, reworded by the
    /// language model when one is configured. `said`: the shopper's message ("" for a hello).
    async fn finish_turn(&mut self, mut turn: Turn, started: Instant, returning: Option<bool>, said: &str) -> bool {
        // A write that did not become durable must not be acknowledged: the shopper gets the
        // error frame instead of the reply.
        if let Some(durable) = turn.durable.take()
            && let Err(alive) = self.durable(durable).await
        {
            return alive;
        }
        if (returning.is_some() || turn.new_shopper.is_some()) && !self.welcome(returning.unwrap_or(false)).await {
            return false;
        }
        if !turn.handover
            && let Some(text) = self.phrase(&turn.reply, said).await
        {
            turn.reply.text = text;
        }
        if self.state.llm.is_some()
            && let Some(conversation) = self.conversation.as_mut()
        {
            conversation.remember(false, &turn.reply.text);
        }
        let metrics = &self.state.metrics;
        metrics.turns.inc();
        metrics.turn_seconds.observe(started.elapsed().as_secs_f64());
        self.last_reply = Some(turn.reply.clone());
        let frames = ServerFrame::for_turn(turn);
        for frame in frames {
            if !self.send(frame).await {
                return false;
            }
        }
        true
    }

    /// Waits until a write is durable. When it cannot be, sends an `internal` error frame and
    /// returns `Err(alive)`, `alive` saying whether the peer is still there.
    async fn durable(&mut self, durable: Durable) -> Result<(), bool> {
        let started = Instant::now();
        let result = durable.await;
        self.state.metrics.flush_seconds.observe(started.elapsed().as_secs_f64());
        match result {
            Ok(()) => Ok(()),
            Err(error) => Err(self.internal(&error).await),
        }
    }

    async fn welcome(&mut self, returning: bool) -> bool {
        let (Some(conversation), Some(session)) = (&self.conversation, &self.session_id) else { return true };
        let shopper = self.state.tokens.sign(conversation.shopper);
        self.send(ServerFrame::Welcome { shopper, session: session.clone(), returning }).await
    }

    async fn error(&mut self, error: &FrameError) -> bool {
        self.state.metrics.error(error.code);
        self.send(ServerFrame::error(error)).await
    }

    async fn internal(&mut self, error: &(dyn std::fmt::Display + Sync)) -> bool {
        tracing::error!(%error, "chat turn failed");
        self.error(&FrameError::new("internal", "something went wrong on our side; please try again")).await
    }

    async fn send(&mut self, frame: ServerFrame) -> bool {
        self.send_raw(Message::Text(frame.to_text().into())).await
    }

    /// Queues a message for the writer; a peer whose queue stays full is disconnected.
    async fn send_raw(&mut self, message: Message) -> bool {
        match tokio::time::timeout(Duration::from_secs(5), self.out.send(message)).await {
            Ok(Ok(())) => true,
            _ => {
                self.state.metrics.refused("slow_reader");
                false
            }
        }
    }

    /// Keeps the conversation for a reconnect within the resume window.
    fn park(&mut self) {
        if let (Some(conversation), Some(session)) = (self.conversation.take(), self.session_id.take()) {
            let parked = Parked { conversation, last_reply: self.last_reply.take(), since: Instant::now() };
            self.state.park(session, parked);
        }
    }
}

/// The customer id of a `customer` whose signature checks out under the identity secret.
fn verified_customer(state: &AppState, customer: Customer) -> Option<CustomerId> {
    let secret = state.config.identity_secret.as_deref()?;
    if !customer_signature_valid(secret, &customer.id, &customer.signature) {
        // Anyone can send bad signatures as fast as they like: one line a minute says so.
        static BAD_SIGNATURES: Quiet = Quiet::new(Duration::from_secs(60));
        warn_quietly!(BAD_SIGNATURES, "hellos carried a customer id with a bad signature; ignored");
        return None;
    }
    CustomerId::parse(&customer.id).ok()
}

fn empty_reply(conversation: Option<&Conversation>) -> Reply {
    Reply {
        text: String::new(),
        asking: None,
        quick_replies: Vec::new(),
        slots: conversation.map(|c| c.session.slots.clone()).unwrap_or_default(),
        products: Vec::new(),
    }
}

/// Whether a read failed because the frame was over the hard size limit.
fn is_too_long(error: &axum::Error) -> bool {
    let text = error.to_string().to_lowercase();
    text.contains("too long") || text.contains("space limit") || text.contains("too big")
}
