//! The server's shared state: one cloneable handle around `Arc<Shared>`.
//!
//! The assistant (catalog + prompts) sits behind a lock held only to clone an `Arc`, so a
//! catalog swap or prompt reload is one pointer store: a turn uses the assistant it started
//! with, the next turn the new one. Closed visits wait in `parked`, under their resume id, for
//! a reconnect within the resume window.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use tokio::sync::{Semaphore, watch};

use super::auth::Tokens;
use super::limits::PerClient;
use super::metrics::Metrics;
use crate::chat::Visit;
use crate::chat::assistant::Assistant;
use crate::chat::conversation::Profiles;
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
    /// Counts erasures: every socket watches it and, when it moves, ends its conversation if
    /// its shopper is gone.
    pub(crate) erasures: watch::Sender<u64>,
    /// Flips to `true` when the server shuts down; sockets say goodbye.
    pub shutdown: watch::Receiver<bool>,
    /// What orders teach (bought together, buy it again, trending), for placements.
    pub orders: RwLock<crate::orders::Insights>,
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
            shutdown,
            config,
            orders: RwLock::default(),
        }))
    }

    /// The assistant as of now (catalog and prompts); cheap.
    pub fn assistant(&self) -> Arc<Assistant> {
        Arc::clone(&self.assistant.read().unwrap_or_else(|e| e.into_inner()))
    }

    /// Replaces the assistant: new turns use the new catalog or prompts.
    pub fn swap_assistant(&self, assistant: Assistant) {
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

    /// The visit parked under `resume_id`, when it is still within the resume window and
    /// `belongs` says it may be resumed; one that may not stays parked for its owner.
    /// The visit parked under `resume_id` when it may be resumed by this shopper and customer
    /// (see `resumable`); another's stays parked for its owner.
    pub(crate) fn unpark_for(
        &self,
        resume_id: &str,
        shopper: ShopperId,
        customer: Option<&CustomerId>,
    ) -> Option<Parked> {
        self.unpark_if(resume_id, |parked| resumable(self, parked, shopper, customer))
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
        self.erasures.send_modify(|count| *count += 1);
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

/// Whether a parked visit may be resumed by a hello with this token's shopper and verified
/// customer: the same shopper, the same customer (or none on both sides), and a profile still
/// stored and still linked as it was. Anything else starts a new visit and leaves the parked
/// one to its owner.
fn resumable(state: &AppState, parked: &Parked, shopper: ShopperId, customer: Option<&CustomerId>) -> bool {
    let conversation = &parked.visit.conversation;
    if conversation.shopper != shopper || conversation.customer.as_ref() != customer {
        return false;
    }
    let expected = customer.map_or(Stored::Anonymous, |c| Stored::Customer(c.clone()));
    matches!(state.profiles.store.whose(shopper), Ok(stored) if stored == expected)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chat::conversation::Conversation;

    fn parked(since: Instant) -> Parked {
        let conversation = Conversation {
            shopper: crate::profile::ShopperId::random(),
            customer: None,
            session: Default::default(),
            context: Default::default(),
            remembered: false,
            history: Vec::new(),
        };
        let visit = Visit { resume_id: String::new(), conversation, last_reply: None };
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
}
