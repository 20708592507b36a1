//! The server's shared state: one cloneable handle around `Arc<Shared>`.
//!
//! The agent (catalog + prompts) sits behind a lock held only to clone an `Arc`, so a catalog
//! swap or prompt reload is one pointer store: a turn uses the agent it started with, the next
//! turn the new one. Closed conversations wait in `sessions` for a reconnect within the resume
//! window.

use std::collections::HashMap;
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
    pub(crate) sessions: Mutex<HashMap<String, Parked>>,
    pub connections: Arc<Semaphore>,
    pub rest_limits: PerClient,
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
        AppState(Arc::new(Shared {
            agent: RwLock::new(Arc::new(agent)),
            profiles,
            tokens,
            metrics,
            llm: llm.map(Arc::new),
            sessions: Mutex::new(HashMap::new()),
            connections,
            rest_limits,
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
        sessions.retain(|_, p| p.since.elapsed() < window);
        sessions.insert(session, parked);
    }

    /// Takes a parked conversation back, if it is recent enough.
    pub(crate) fn unpark(&self, session: &str) -> Option<Parked> {
        let window = Duration::from_secs(self.config.limits.session_resume_secs);
        let mut sessions = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        sessions.remove(session).filter(|p| p.since.elapsed() < window)
    }
}
