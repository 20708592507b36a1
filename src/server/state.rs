//! The server's shared state: one cloneable handle around `Arc<Shared>`.
//!
//! The agent (catalog + prompts) sits behind a lock held only to clone an `Arc`, so a catalog
//! swap or prompt reload is one pointer store: a turn uses the agent it started with, the next
//! turn the new one. Closed conversations wait in `sessions` for a reconnect within the resume
//! window.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use tokio::sync::{Semaphore, watch};

use super::limits::PerClient;
use super::metrics::Metrics;
use super::tokens::Tokens;
use crate::agent::Agent;
use crate::config::Config;
use crate::conversation::{Conversation, Profiles};
use crate::reply::Reply;

/// A conversation parked after its connection closed, resumable with its session id.
pub(crate) struct Parked {
    pub conversation: Conversation,
    pub last_reply: Option<Reply>,
    pub since: Instant,
}

pub struct Shared {
    agent: RwLock<Arc<Agent>>,
    pub profiles: Profiles,
    pub tokens: Tokens,
    pub config: Config,
    pub metrics: Metrics,
    /// The language model, when one is configured.
    pub llm: Option<Arc<crate::llm::Llm>>,
    pub(crate) sessions: Mutex<ParkedSessions>,
    pub connections: Arc<Semaphore>,
    pub rest_limits: PerClient,
    /// New chat connections per client address.
    pub chat_limits: PerClient,
    /// Flips to `true` when the server shuts down; sockets say goodbye.
    pub shutdown: watch::Receiver<bool>,
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
        agent: Agent,
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
            agent: RwLock::new(Arc::new(agent)),
            profiles,
            tokens,
            metrics,
            llm: llm.map(Arc::new),
            sessions: Mutex::default(),
            connections,
            rest_limits,
            chat_limits,
            shutdown,
            config,
        }))
    }

    /// The agent as of now (catalog and prompts); cheap.
    pub fn agent(&self) -> Arc<Agent> {
        Arc::clone(&self.agent.read().unwrap_or_else(|e| e.into_inner()))
    }

    /// Replaces the agent: new turns use the new catalog or prompts.
    pub fn swap_agent(&self, agent: Agent) {
        *self.agent.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(agent);
    }

    /// Parks a conversation for resumption, dropping any older than the resume window.
    pub(crate) fn park(&self, session: String, parked: Parked) {
        let window = Duration::from_secs(self.config.limits.session_resume_secs);
        let mut sessions = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        sessions.expire(window, Instant::now());
        sessions.park(session, parked);
    }

    pub(crate) fn unpark(&self, session: &str) -> Option<Parked> {
        let window = Duration::from_secs(self.config.limits.session_resume_secs);
        let mut sessions = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        sessions.parked.remove(session).filter(|p| p.since.elapsed() < window)
    }
}

/// Closed conversations awaiting a reconnect, with their parking order so expiry looks only at
/// the oldest (parking used to scan them all, which made each disconnect cost O(parked)).
#[derive(Default)]
pub(crate) struct ParkedSessions {
    parked: HashMap<String, Parked>,
    /// Session ids in parking order (a resumed or re-parked id may appear again later).
    order: VecDeque<(Instant, String)>,
}

impl ParkedSessions {
    fn park(&mut self, session: String, parked: Parked) {
        self.order.push_back((parked.since, session.clone()));
        self.parked.insert(session, parked);
    }

    /// Drops the sessions parked longer than `window` ago: amortised O(1) per park.
    fn expire(&mut self, window: Duration, now: Instant) {
        while let Some((since, _)) = self.order.front()
            && now.duration_since(*since) >= window
        {
            let Some((since, id)) = self.order.pop_front() else { break };
            // Only if this entry is the session's latest parking, not an earlier one.
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

#[cfg(test)]
mod tests {
    use super::*;

    fn parked(since: Instant) -> Parked {
        let conversation = Conversation {
            shopper: crate::profile::ShopperId::random(),
            session: Default::default(),
            context: Default::default(),
            remembered: false,
            history: Vec::new(),
        };
        Parked { conversation, last_reply: None, since }
    }

    #[test]
    fn parked_sessions_expire_oldest_first_and_a_reparked_one_keeps_its_new_time() {
        let (start, window) = (Instant::now(), Duration::from_secs(60));
        let mut sessions = ParkedSessions::default();
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
}
