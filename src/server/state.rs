//! The server's shared state: one cloneable handle around `Arc<Shared>`.
//!
//! The assistant (catalog + prompts) sits behind a lock held only to clone an `Arc`, so a
//! catalog swap or prompt reload is one pointer store: a turn uses the assistant it started
//! with, the next turn the new one. Closed visits wait in `parked`, under their resume id, for
//! a reconnect within the resume window (and, on a store several servers share, in the store:
//! see `resume`). Erasures are logged in `erased` and announced by a counter each socket
//! watches.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use tokio::sync::{Semaphore, watch};

use super::auth::Tokens;
use super::limits::PerClient;
use super::metrics::Metrics;
use crate::chat::Visit;
use crate::chat::assistant::Assistant;
use crate::chat::conversation::{Conversation, Profiles};
use crate::config::Config;
use crate::profile::{CustomerId, ShopperId, Stored};

/// A visit parked after its connection closed, resumable with its resume id.
pub(crate) struct Parked {
    pub visit: Visit,
    pub since: Instant,
}

pub struct Shared {
    assistant: RwLock<Arc<Assistant>>,
    pub profiles: Profiles,
    pub tokens: Tokens,
    pub config: Config,
    pub metrics: Metrics,
    /// The language model, when one is configured.
    pub llm: Option<Arc<crate::llm::Llm>>,
    pub(crate) parked: Mutex<ParkedVisits>,
    pub connections: Arc<Semaphore>,
    pub rest_limits: PerClient,
    /// New chat connections per client address.
    pub chat_limits: PerClient,
    /// Counts erasures: every socket watches it and, when it moves, reads `erased` for what
    /// changed and ends its conversation if its shopper is gone.
    pub(crate) erasures: watch::Sender<u64>,
    pub(crate) erased: Mutex<ErasureLog>,
    /// Flips to `true` when the server shuts down; sockets say goodbye.
    pub shutdown: watch::Receiver<bool>,
    /// The assistant's funnel and unserved demand since the server started (the dashboard).
    pub funnel: crate::experiments::Funnel,
    /// Connected shoppers' sockets for notices, and the webhook's wake-up call.
    pub(crate) notices: super::notices::Hub,
    /// What orders teach (bought together, buy it again, trending), for placements and the
    /// chat (every assistant this server swaps in shares it).
    pub orders: Arc<RwLock<crate::orders::Insights>>,
}

/// The handle every handler gets.
#[derive(Clone)]
pub struct AppState(pub Arc<Shared>);

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl AppState {
    /// The shared state; `llm` was built with `metrics.llm`, so its calls are exported.
    pub fn new(
        assistant: Assistant,
        profiles: Profiles,
        tokens: Tokens,
        config: Config,
        shutdown: watch::Receiver<bool>,
        (metrics, llm): (Metrics, Option<crate::llm::Llm>),
    ) -> AppState {
        let connections = Arc::new(Semaphore::new(config.limits.max_connections));
        let rest_limits = PerClient::new(config.limits.rest_per_minute);
        let chat_limits = PerClient::new(config.limits.chat_per_minute);
        let orders: Arc<RwLock<crate::orders::Insights>> = Arc::default();
        let assistant = assistant.with_orders(Arc::clone(&orders));
        AppState(Arc::new(Shared {
            assistant: RwLock::new(Arc::new(assistant)),
            profiles,
            tokens,
            metrics,
            llm: llm.map(Arc::new),
            parked: Mutex::default(),
            connections,
            rest_limits,
            chat_limits,
            erasures: watch::channel(0).0,
            erased: Mutex::default(),
            shutdown,
            notices: super::notices::Hub::new(&config.notices),
            config,
            funnel: Default::default(),
            orders,
        }))
    }

    /// The assistant as of now (catalog and prompts); cheap.
    pub fn assistant(&self) -> Arc<Assistant> {
        Arc::clone(&self.assistant.read().unwrap_or_else(|e| e.into_inner()))
    }

    /// Replaces the assistant: new turns use the new catalog or prompts.
    pub fn swap_assistant(&self, assistant: Assistant) {
        let assistant = assistant.with_orders(Arc::clone(&self.orders));
        *self.assistant.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(assistant);
    }

    /// Parks a visit under its resume id, dropping any older than the resume window.
    pub(crate) fn park(&self, resume_id: String, parked: Parked) {
        let window = Duration::from_secs(self.config.limits.session_resume_secs);
        let mut visits = self.parked.lock().unwrap_or_else(|e| e.into_inner());
        visits.expire(window, Instant::now());
        visits.park(resume_id, parked);
        visits.cap(self.config.limits.max_parked_sessions);
    }

    /// The visit parked under `resume_id` when it may be resumed by this shopper and customer
    /// (see `resumable`); another's stays parked for its owner. Asks the store (outside the
    /// lock) whether the shopper is still stored as the visit knew it: call it where the store
    /// may block (`Store::blocks`).
    pub(crate) fn unpark_for(
        &self,
        resume_id: &str,
        shopper: ShopperId,
        customer: Option<&CustomerId>,
    ) -> Option<Parked> {
        let parked = self.unpark_if(resume_id, |parked| owned_by(&parked.visit.conversation, shopper, customer))?;
        // A visit whose shopper was erased or relinked since is dead: it is dropped.
        still_stored(self, shopper, customer).then_some(parked)
    }

    pub(crate) fn unpark_if(&self, resume_id: &str, belongs: impl FnOnce(&Parked) -> bool) -> Option<Parked> {
        let window = Duration::from_secs(self.config.limits.session_resume_secs);
        let mut visits = self.parked.lock().unwrap_or_else(|e| e.into_inner());
        let parked = visits.parked.get(resume_id)?;
        if parked.since.elapsed() >= window {
            visits.parked.remove(resume_id);
            return None;
        }
        if !belongs(parked) {
            return None;
        }
        visits.parked.remove(resume_id)
    }

    /// Ends every conversation of an erased shopper: its parked visits are dropped, and every
    /// socket is told (the one holding that shopper's visit ends it).
    pub(crate) fn end_conversations(&self, shopper: ShopperId) {
        let mut visits = self.parked.lock().unwrap_or_else(|e| e.into_inner());
        visits.parked.retain(|_, parked| parked.visit.conversation.shopper != shopper);
        drop(visits);
        self.announce(Some(shopper));
    }

    /// Erasures may have been missed (the store's announcements were cut off for a while):
    /// every socket asks the store whether its shopper is still there.
    pub(crate) fn erasures_missed(&self) {
        self.announce(None);
    }

    fn announce(&self, erased: Option<ShopperId>) {
        let mut log = self.erased.lock().unwrap_or_else(|e| e.into_inner());
        let number = log.push(erased);
        drop(log);
        self.erasures.send_replace(number);
    }

    /// What the erasures after number `seen` mean for `shopper`'s conversation, and the number
    /// of the latest.
    pub(crate) fn erased_since(&self, seen: u64, shopper: ShopperId) -> (Verdict, u64) {
        self.erased.lock().unwrap_or_else(|e| e.into_inner()).since(seen, shopper)
    }
}

/// What a socket learns from the erasure log about its shopper.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Not erased.
    Kept,
    /// Erased: end the conversation.
    Erased,
    /// Not known (erasures were missed, or the log no longer reaches back): ask the store.
    Ask,
}

/// The latest erasures, numbered from 1; `None` stands for "some may have been missed".
#[derive(Default)]
pub(crate) struct ErasureLog {
    latest: u64,
    recent: VecDeque<(u64, Option<ShopperId>)>,
}

/// Erasures kept in the log: a socket that falls further behind asks the store instead.
const ERASURE_LOG: usize = 256;

impl ErasureLog {
    fn push(&mut self, erased: Option<ShopperId>) -> u64 {
        self.latest += 1;
        if self.recent.len() >= ERASURE_LOG {
            self.recent.pop_front();
        }
        self.recent.push_back((self.latest, erased));
        self.latest
    }

    fn since(&self, seen: u64, shopper: ShopperId) -> (Verdict, u64) {
        let reaches_back = self.recent.front().is_some_and(|(first, _)| *first <= seen + 1);
        let mut verdict = if reaches_back || self.latest == seen { Verdict::Kept } else { Verdict::Ask };
        for (_, erased) in self.recent.iter().filter(|(number, _)| *number > seen) {
            match erased {
                Some(id) if *id == shopper => return (Verdict::Erased, self.latest),
                None => verdict = Verdict::Ask,
                Some(_) => {}
            }
        }
        (verdict, self.latest)
    }
}

/// Closed visits awaiting a reconnect, with their parking order so expiry looks only at
/// the oldest (parking used to scan them all, which made each disconnect cost O(parked)).
#[derive(Default)]
pub(crate) struct ParkedVisits {
    parked: HashMap<String, Parked>,
    /// Resume ids in parking order (a resumed or re-parked id may appear again later).
    order: VecDeque<(Instant, String)>,
}

impl ParkedVisits {
    fn park(&mut self, resume_id: String, parked: Parked) {
        self.order.push_back((parked.since, resume_id.clone()));
        self.parked.insert(resume_id, parked);
    }

    /// Drops the oldest visits beyond `max`: a flood of greetings cannot grow the map.
    fn cap(&mut self, max: usize) {
        while self.parked.len() > max {
            let Some((since, id)) = self.order.pop_front() else { break };
            if self.parked.get(&id).is_some_and(|p| p.since == since) {
                self.parked.remove(&id);
            }
        }
        // Entries of visits resumed or dropped since: keep the queue near the map's size.
        if self.order.len() > 2 * max.max(16) {
            let parked = &self.parked;
            self.order.retain(|(since, id)| parked.get(id).is_some_and(|p| p.since == *since));
        }
    }

    /// Drops the visits parked longer than `window` ago: amortised O(1) per park.
    fn expire(&mut self, window: Duration, now: Instant) {
        while let Some((since, _)) = self.order.front()
            && now.duration_since(*since) >= window
        {
            let Some((since, id)) = self.order.pop_front() else { break };
            // Only if this entry is the visit's latest parking, not an earlier one.
            if self.parked.get(&id).is_some_and(|p| p.since == since) {
                self.parked.remove(&id);
            }
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.parked.len()
    }
}

/// Whether a visit may be resumed by a hello with this token's shopper and verified customer
/// (with [`still_stored`]): the same shopper and the same customer (or none on both sides).
/// Anything else starts a new visit and leaves the parked one to its owner.
pub(crate) fn owned_by(conversation: &Conversation, shopper: ShopperId, customer: Option<&CustomerId>) -> bool {
    conversation.shopper == shopper && conversation.customer.as_ref() == customer
}

/// Whether the shopper's profile is still stored and still linked as the visit knew it.
/// Blocks on a networked store.
pub(crate) fn still_stored(state: &AppState, shopper: ShopperId, customer: Option<&CustomerId>) -> bool {
    let expected = customer.map_or(Stored::Anonymous, |c| Stored::Customer(c.clone()));
    matches!(state.profiles.store.whose(shopper), Ok(stored) if stored == expected)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parked(since: Instant) -> Parked {
        let conversation = Conversation {
            shopper: crate::profile::ShopperId::random(),
            customer: None,
            session: Default::default(),
            context: Default::default(),
            remembered: false,
            history: Vec::new(),
        };
        let visit = Visit { resume_id: String::new(), conversation, last_reply: None, said: Vec::new() };
        Parked { visit, since }
    }

    #[test]
    fn parked_sessions_expire_oldest_first_and_a_reparked_one_keeps_its_new_time() {
        let (start, window) = (Instant::now(), Duration::from_secs(60));
        let mut sessions = ParkedVisits::default();
        sessions.park("a".into(), parked(start));
        sessions.park("b".into(), parked(start + Duration::from_secs(10)));
        sessions.park("a".into(), parked(start + Duration::from_secs(20)));
        sessions.expire(window, start + Duration::from_secs(65));
        assert_eq!(sessions.len(), 2, "a was parked again at 20 s; b is 55 s old");
        sessions.expire(window, start + Duration::from_secs(75));
        assert_eq!(sessions.len(), 1, "b expired");
        assert!(sessions.parked.contains_key("a"));
        sessions.expire(window, start + Duration::from_secs(81));
        assert_eq!(sessions.len(), 0);
        assert!(sessions.order.is_empty());
    }

    #[test]
    fn parked_visits_are_capped_and_the_oldest_go_first() {
        let start = Instant::now();
        let mut visits = ParkedVisits::default();
        for n in 0..100u64 {
            visits.park(format!("v{n}"), parked(start + Duration::from_millis(n)));
            visits.cap(10);
        }
        assert_eq!(visits.len(), 10);
        assert!(visits.parked.contains_key("v99") && visits.parked.contains_key("v90"));
        assert!(!visits.parked.contains_key("v89"));
        assert!(visits.order.len() <= 32, "the order queue stays bounded too");
    }

    #[test]
    fn the_erasure_log_tells_a_socket_whether_its_shopper_went_or_to_ask_the_store() {
        let (mine, other) = (ShopperId::random(), ShopperId::random());
        let mut log = ErasureLog::default();
        let first = log.push(Some(other));
        assert_eq!(log.since(0, mine), (Verdict::Kept, first), "another shopper's erasure");
        let second = log.push(Some(mine));
        assert_eq!(log.since(first, mine), (Verdict::Erased, second));
        assert_eq!(log.since(0, mine).0, Verdict::Erased, "seen however far behind the log reaches");
        let third = log.push(None);
        assert_eq!(log.since(second, mine), (Verdict::Ask, third), "missed erasures: ask the store");
        for _ in 0..=ERASURE_LOG {
            log.push(Some(other));
        }
        assert_eq!(log.since(third, mine).0, Verdict::Ask, "the log no longer reaches back");
        assert_eq!(log.since(log.latest - 1, mine).0, Verdict::Kept);
    }
}
