//! One exchange with a shopper: a client frame in, the server frames it causes out.
//!
//! This is the single entry point every driver calls: the WebSocket (`server::socket`),
//! in-process replay, and through the socket, replay over the wire. A driver parses or builds
//! a [`ClientFrame`], hands it to [`Chat::handle`] with the [`Services`] of the moment, and
//! passes on whatever reaches its [`Peer`]. The driver decides nothing about the turn: which
//! thread runs the store work is a parameter ([`Run`]), and so are the optional language model,
//! the clock and the tokens ([`Identity`]).
//!
//! A reply is sent only once the answer it acknowledges is durable (DESIGN.md property 3).

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use time::OffsetDateTime;

use super::assistant::Assistant;
use super::conversation::{Answer, Conversation, ConversationError, Profiles};
use super::events::EventError;
use super::language;
use super::protocol::{ClientFrame, Customer, FrameError, ServerFrame};
use super::query::PageContext;
use super::reply::Reply;
use crate::experiments::{Arms, ExperimentsConfig};
use crate::llm::Llm;
use crate::profile::{CustomerId, Durability, Durable, ShopperId, Store, StoreError};

/// Where a turn's store work runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Run {
    /// On the calling task: the store never waits for the disk (group commit or no flushing:
    /// sled writes to memory and the reply awaits the flusher's ticket), and handing ~100 µs
    /// of work to another thread and back costs more than the work.
    Inline,
    /// On the blocking pool: every write waits for its own flush.
    Blocking,
}

impl Run {
    /// Inline unless each write flushes (`durability = "each"`).
    pub fn for_durability(durability: Durability) -> Run {
        match durability {
            Durability::Each => Run::Blocking,
            Durability::Group | Durability::None => Run::Inline,
        }
    }

    /// Where a turn on `store` runs: on the blocking pool when the store waits on a network
    /// ([`Store::blocks`]) or each write flushes by itself, inline otherwise.
    pub fn for_store(store: &dyn Store, durability: Durability) -> Run {
        if store.blocks() { Run::Blocking } else { Run::for_durability(durability) }
    }

    async fn call<T: Send + 'static>(
        self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, tokio::task::JoinError> {
        match self {
            Run::Blocking => tokio::task::spawn_blocking(work).await,
            Run::Inline => Ok(work()),
        }
    }
}

/// The other end of the chat, as the driver sees it.
pub trait Peer: Send {
    /// Sends one frame; `false` when the peer is gone (the exchange then stops).
    fn send(&mut self, frame: ServerFrame) -> impl Future<Output = bool> + Send;

    /// A turn waited `waited` for its write to become durable.
    fn waited_for_disk(&mut self, _waited: Duration) {}

    /// A turn was answered (its reply or handover is about to be sent).
    fn answered(&mut self) {}

    /// A turn erased `shopper` ("forget everything", or the anonymous profile a login merged):
    /// the driver ends that shopper's other conversations.
    fn erased(&mut self, _shopper: ShopperId) {}

    /// The visit as an answered turn leaves it, just before its reply is sent: a driver whose
    /// conversations outlive one server (a shared store) saves it here, so it resumes anywhere.
    fn keep(&mut self, _visit: &Visit) -> impl Future<Output = ()> + Send {
        async {}
    }
}

/// Collects the frames: for drivers that hand them on after the turn (in-process replay).
impl Peer for Vec<ServerFrame> {
    async fn send(&mut self, frame: ServerFrame) -> bool {
        self.push(frame);
        true
    }
}

/// The driver's tokens: how a shopper is named on the wire.
pub trait Identity: Send + Sync {
    /// The shopper a token names, when it is genuine.
    fn verify(&self, token: &str) -> Option<ShopperId>;
    /// The token that names `shopper` in a `welcome`.
    fn sign(&self, shopper: ShopperId) -> String;
    /// The customer a `hello` names, when its signature checks out.
    fn customer(&self, customer: Customer) -> Option<CustomerId>;
    /// A new resume id (the welcome's `session`) for a visit.
    fn resume_id(&self) -> String;
}

/// What one exchange runs with; the driver builds it for each frame.
pub struct Services<'a> {
    /// The assistant as of now (a catalog swap or reload applies from the next frame).
    pub assistant: Arc<Assistant>,
    pub profiles: &'a Profiles,
    /// The optional language model: reads messages the rules only partly understand, and
    /// rewords replies (streamed as `reply_delta` frames before the `reply`).
    pub llm: Option<&'a Llm>,
    pub identity: &'a dyn Identity,
    pub run: Run,
    pub now: OffsetDateTime,
    /// Log shoppers' messages (a debugging operator's choice, never production).
    pub log_text: bool,
    /// The running experiments: a `hello` learns the shopper's arms (and records the exposure);
    /// `None` for drivers outside any experiment (replay, the agent API).
    pub experiments: Option<&'a ExperimentsConfig>,
}

/// A visit in progress: what a driver parks to resume after a reconnect.
pub struct Visit {
    /// The welcome's `session`: the id a reconnecting widget resumes with.
    pub resume_id: String,
    pub conversation: Conversation,
    pub last_reply: Option<Reply>,
    /// The ids of the latest `say` frames applied, newest last (at most [`SAID_IDS`]): one
    /// resent is answered with the last reply, not applied again.
    pub said: Vec<String>,
}

/// How many `say` ids a visit remembers.
pub const SAID_IDS: usize = 32;

/// One connection's chat: nothing until a `hello`, then a [`Visit`].
#[derive(Default)]
pub struct Chat {
    visit: Option<Visit>,
    /// The shopper's arms, learnt at `hello`: a held-out shopper's messages are refused.
    arms: Arms,
}

impl Chat {
    /// Whether a `hello` opened a visit.
    pub fn is_open(&self) -> bool {
        self.visit.is_some()
    }

    /// Ends the visit on this connection, handing it back to be parked for a reconnect.
    pub fn close(&mut self) -> Option<Visit> {
        self.visit.take()
    }

    /// The shopper's arms in the running experiments (as of the last `hello`).
    pub fn arms(&self) -> &Arms {
        &self.arms
    }

    /// Whether the last reply asked the shopper something.
    pub fn asking(&self) -> bool {
        self.visit.as_ref().and_then(|v| v.last_reply.as_ref()).is_some_and(|r| r.asking.is_some())
    }

    /// The shopper of the visit in progress, if any.
    pub fn shopper(&self) -> Option<ShopperId> {
        self.visit.as_ref().map(|v| v.conversation.shopper)
    }

    /// Ends the visit because its shopper was erased: nothing of it is kept or parked, and the
    /// peer is told; a new `hello` starts afresh. `false`: the peer is gone.
    pub async fn end_erased(&mut self, peer: &mut impl Peer) -> bool {
        self.visit = None;
        let message = "this conversation's data was erased; send hello to start again";
        error(peer, &FrameError::new("erased", message)).await
    }

    /// Handles one client frame: sends what it causes to `peer`. `false`: the peer is gone.
    pub async fn handle(&mut self, frame: ClientFrame, with: &Services<'_>, peer: &mut impl Peer) -> bool {
        match (frame, self.visit.is_some()) {
            (ClientFrame::Hello { shopper, customer, context, .. }, _) => {
                self.hello(shopper.as_deref(), customer, context, with, peer).await
            }
            (ClientFrame::Say { .. } | ClientFrame::Event { .. }, _) if self.arms.held_out() => {
                let message = "this shopper is in the holdout: the assistant is off for them";
                error(peer, &FrameError::new("held_out", message)).await
            }
            (_, false) => error(peer, &FrameError::new("hello_required", "send hello first")).await,
            (ClientFrame::Say { id: Some(id), .. }, true) if self.applied(&id) => self.answer_again(peer).await,
            (ClientFrame::Say { text, choice, id }, true) => self.say(text, choice.is_some(), id, with, peer).await,
            (ClientFrame::Event { event }, true) => self.event(event, with, peer).await,
        }
    }

    /// Whether a `say` with this id was applied in this visit.
    fn applied(&self, id: &str) -> bool {
        self.visit.as_ref().is_some_and(|v| v.said.iter().any(|said| said == id))
    }

    /// A resent `say`: the conversation's latest reply again, nothing applied.
    async fn answer_again(&mut self, peer: &mut impl Peer) -> bool {
        let Some(visit) = &self.visit else { return true };
        let reply = visit.last_reply.clone().unwrap_or_else(|| empty_reply(&visit.conversation));
        peer.send(ServerFrame::Reply(Box::new(reply))).await
    }

    /// Continues a parked visit (a `hello` carrying its resume id): a welcome, then the last
    /// reply again (or an empty one).
    pub async fn resume(&mut self, visit: Visit, with: &Services<'_>, peer: &mut impl Peer) -> bool {
        let reply = visit.last_reply.clone().unwrap_or_else(|| empty_reply(&visit.conversation));
        if let Some(config) = with.experiments {
            let units = [arms::unit_of(&visit.conversation)];
            let exposures = with.profiles.store.experiments();
            // The exposure was recorded at its hello: this only looks it up again.
            self.arms = crate::experiments::arms(config, exposures, &units, with.now).unwrap_or_default();
        }
        self.visit = Some(visit);
        self.welcome(false, with, peer).await && peer.send(ServerFrame::Reply(Box::new(reply))).await
    }

    /// `hello`: starts a visit of the token's shopper (a new one without a valid token).
    async fn hello(
        &mut self,
        token: Option<&str>,
        customer: Option<Customer>,
        context: PageContext,
        with: &Services<'_>,
        peer: &mut impl Peer,
    ) -> bool {
        self.visit = None;
        self.arms = Arms::default();
        let shopper = token.and_then(|t| with.identity.verify(t));
        let customer = customer.and_then(|c| with.identity.customer(c));
        let (assistant, profiles, now) = (Arc::clone(&with.assistant), with.profiles.clone(), with.now);
        let experiments = with.experiments.cloned();
        let opened = with
            .run
            .call(move || arms::open(&assistant, profiles, experiments.as_ref(), shopper, customer, context, now));
        let (opened, arms) = match opened.await {
            Ok(Ok(arms::Opening::Open(opened, arms))) => (*opened, arms),
            Ok(Ok(arms::Opening::HeldOut(arms, named))) => return self.held_out(named, arms, with, peer).await,
            Ok(Err(error)) => return internal(peer, &error).await,
            Err(error) => return internal(peer, &error).await,
        };
        self.arms = arms;
        let resume_id = with.identity.resume_id();
        self.visit = Some(Visit { resume_id, conversation: opened.conversation, last_reply: None, said: Vec::new() });
        self.finish(opened.answer, Some(opened.returning), "", None, with, peer).await
    }

    /// `say`: one message. `quick_reply`: the text is a quick-reply button's (no need for a
    /// model to read it); `id`: the frame's, remembered once the answer is durable.
    async fn say(
        &mut self,
        text: String,
        quick_reply: bool,
        id: Option<String>,
        with: &Services<'_>,
        peer: &mut impl Peer,
    ) -> bool {
        let Some(mut visit) = self.visit.take() else { return true };
        if with.log_text {
            tracing::debug!(shopper = %visit.conversation.shopper, %text, "say");
        }
        let said = language::read(with.llm, &with.assistant, &visit.conversation, &text, quick_reply).await;
        if with.llm.is_some() {
            visit.conversation.remember(true, &text);
        }
        let (assistant, mut profiles, now) = (Arc::clone(&with.assistant), with.profiles.clone(), with.now);
        if self.arms.popular {
            // Ranking by popularity: no behaviour (viewed, bought) reaches the ranker.
            profiles.window = time::Duration::ZERO;
        }
        let mut conversation = visit.conversation;
        let choice = quick_reply.then(|| text.clone());
        let message = text.clone();
        let done = with
            .run
            .call(move || {
                // A question about the shopper's orders is answered from the recorded facts.
                let answer = match crate::service::orders::answer(&conversation, &assistant, &profiles, &message, now) {
                    Ok(Some(answer)) => Ok(answer),
                    Ok(None) => conversation.say(&assistant, &profiles, &said, choice.as_deref(), now),
                    Err(error) => Err(error),
                };
                (conversation, answer)
            })
            .await;
        match done {
            Ok((conversation, answer)) => {
                visit.conversation = conversation;
                self.visit = Some(visit);
                match answer {
                    Ok(answer) => self.finish(answer, None, &text, id, with, peer).await,
                    Err(ConversationError::Gone(_)) => self.end_erased(peer).await,
                    Err(ConversationError::Store(too_large @ StoreError::TooLarge { .. })) => {
                        error(peer, &FrameError::new("too_large", too_large.to_string())).await
                    }
                    Err(error) => internal(peer, &error).await,
                }
            }
            Err(error) => internal(peer, &error).await,
        }
    }

    /// `event`: records a behavioural event; no reply of its own, an error frame if refused. A
    /// purchase also reaches the order log and the insights, as through `POST /v1/events`.
    async fn event(&mut self, event: serde_json::Value, with: &Services<'_>, peer: &mut impl Peer) -> bool {
        let Some(visit) = self.visit.as_ref() else { return true };
        let (shopper, profiles, now) = (visit.conversation.shopper, with.profiles.clone(), with.now);
        let orders = Arc::clone(with.assistant.orders());
        let done = with
            .run
            .call(move || {
                let raw = event.clone();
                let (recorded, durable, noticed) =
                    super::events::record_event_noticing(&profiles, Some(shopper), event, now, None)?;
                if recorded == crate::profile::Recorded::Stored {
                    let customer = noticed.customer.as_ref();
                    // The event is stored; a log failure only delays what it teaches.
                    if let Err(error) =
                        crate::orders::live::learn(profiles.store.as_ref(), &orders, &raw, customer, now)
                    {
                        tracing::warn!(%error, "a stored event could not reach the order log");
                    }
                }
                Ok::<_, EventError>((recorded, durable))
            })
            .await;
        match done {
            Ok(Ok((_, durable))) => durable_or_error(durable, peer).await.err().unwrap_or(true),
            Ok(Err(EventError::Gone)) => self.end_erased(peer).await,
            Ok(Err(EventError::Store(e @ StoreError::TooLarge { .. }))) => {
                error(peer, &FrameError::new("too_large", e.to_string())).await
            }
            Ok(Err(EventError::Store(e))) => internal(peer, &e).await,
            Ok(Err(refused)) => error(peer, &FrameError::new("bad_message", refused.to_string())).await,
            Err(error) => internal(peer, &error).await,
        }
    }

    /// Waits for the answer's write, then sends what it says: a new welcome when the shopper
    /// was replaced (`returning` for a hello), and the reply or handover, reworded by the
    /// language model when one is configured. `said`: the shopper's message ("" for a hello),
    /// `id`: its frame's id.
    async fn finish(
        &mut self,
        mut answer: Answer,
        returning: Option<bool>,
        said: &str,
        id: Option<String>,
        with: &Services<'_>,
        peer: &mut impl Peer,
    ) -> bool {
        // A write that did not become durable must not be acknowledged: the shopper gets the
        // error frame instead of the reply.
        if let Some(durable) = answer.durable.take()
            && let Err(alive) = durable_or_error(durable, peer).await
        {
            return alive;
        }
        if let Some(erased) = answer.erased.take() {
            peer.erased(erased);
        }
        if (returning.is_some() || answer.new_shopper.is_some())
            && !self.welcome(returning.unwrap_or(false), with, peer).await
        {
            return false;
        }
        let Some(visit) = self.visit.as_mut() else { return true };
        if !answer.handover
            && let Some(text) =
                language::phrase(with.llm, &with.assistant, &visit.conversation, &answer.reply, said, peer).await
        {
            answer.reply.text = text;
        }
        if with.llm.is_some() {
            visit.conversation.remember(false, &answer.reply.text);
        }
        peer.answered();
        visit.last_reply = Some(answer.reply.clone());
        if let Some(id) = id {
            if visit.said.len() >= SAID_IDS {
                visit.said.remove(0);
            }
            visit.said.push(id);
        }
        peer.keep(visit).await;
        for frame in frames(answer) {
            if !peer.send(frame).await {
                return false;
            }
        }
        true
    }

    async fn welcome(&self, returning: bool, with: &Services<'_>, peer: &mut impl Peer) -> bool {
        let Some(visit) = &self.visit else { return true };
        let shopper = with.identity.sign(visit.conversation.shopper);
        let experiments = self.arms.names.clone();
        peer.send(ServerFrame::Welcome { shopper, session: visit.resume_id.clone(), returning, experiments }).await
    }

    /// A held-out shopper's `hello`: a welcome naming their arms (with no visit: nothing is
    /// stored about them) and the `held_out` error; their messages are refused likewise.
    async fn held_out(&mut self, shopper: ShopperId, arms: Arms, with: &Services<'_>, peer: &mut impl Peer) -> bool {
        let token = with.identity.sign(shopper);
        let experiments = arms.names.clone();
        self.arms = arms;
        let welcome = ServerFrame::Welcome { shopper: token, session: String::new(), returning: false, experiments };
        let message = "this shopper is in the holdout: the assistant is off for them";
        peer.send(welcome).await && error(peer, &FrameError::new("held_out", message)).await
    }
}

/// The frames an answer sends: a `handover` alone (its message is the reply's text), or the
/// `reply`.
fn frames(answer: Answer) -> Vec<ServerFrame> {
    if answer.handover {
        vec![ServerFrame::Handover { reason: "asked for a person".into(), message: answer.reply.text }]
    } else {
        vec![ServerFrame::Reply(Box::new(answer.reply))]
    }
}

/// Waits until a write is durable. When it cannot be, sends an `internal` error frame and
/// returns `Err(alive)`, `alive` saying whether the peer is still there.
async fn durable_or_error(durable: Durable, peer: &mut impl Peer) -> Result<(), bool> {
    let started = Instant::now();
    let result = durable.await;
    peer.waited_for_disk(started.elapsed());
    match result {
        Ok(()) => Ok(()),
        Err(e) => Err(internal(peer, &e).await),
    }
}

/// Sends an error frame; `false` when the peer is gone.
pub async fn error(peer: &mut impl Peer, error: &FrameError) -> bool {
    peer.send(ServerFrame::error(error)).await
}

async fn internal(peer: &mut impl Peer, failure: &(dyn std::fmt::Display + Sync)) -> bool {
    tracing::error!(error = %failure, "chat turn failed");
    error(peer, &FrameError::new("internal", "something went wrong on our side; please try again")).await
}

fn empty_reply(conversation: &Conversation) -> Reply {
    Reply::text_only(String::new(), conversation.session.slots.clone())
}

mod arms;

#[cfg(test)]
mod tests;
