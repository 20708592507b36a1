//! Conversations that outlive one server: on a store several servers share
//! (`Store::conversations`), each answered turn saves its visit before the reply goes out, a
//! `hello` with a resume id continues it on whichever server it reaches, and erasures made by
//! any server end this server's conversations of that shopper.
//!
//! The saved state is the visit (the conversation, its last reply and the ids of its latest
//! `say` frames) as JSON, resumable until the idle timeout plus the resume window after its
//! last turn: a connection that dropped on one server can be resumed on another before the
//! first has noticed. The identity rule is the parked visits' own: only the same shopper with
//! the same customer, still stored as the visit knew it, resumes it.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use tokio::sync::broadcast::error::RecvError;
use tokio::task::JoinHandle;

use super::state::{AppState, owned_by, still_stored};
use crate::chat::Visit;
use crate::chat::conversation::Conversation;
use crate::chat::reply::Reply;
use crate::profile::{CustomerId, Erasure, ShopperId};

/// The longest resume id looked up in the store (ours are 32 hex digits).
const MAX_RESUME_ID: usize = 64;

#[derive(Serialize)]
struct SavedRef<'a> {
    conversation: &'a Conversation,
    last_reply: Option<&'a Reply>,
    said: &'a [String],
}

#[derive(Deserialize)]
struct Saved {
    conversation: Conversation,
    last_reply: Option<Reply>,
    #[serde(default)]
    said: Vec<String>,
}

/// The bytes a visit is saved as.
fn encode(visit: &Visit) -> Result<Vec<u8>, serde_json::Error> {
    serde_json::to_vec(&SavedRef {
        conversation: &visit.conversation,
        last_reply: visit.last_reply.as_ref(),
        said: &visit.said,
    })
}

fn decode(resume_id: &str, bytes: &[u8]) -> Result<Visit, serde_json::Error> {
    let saved: Saved = serde_json::from_slice(bytes)?;
    Ok(Visit {
        resume_id: resume_id.to_string(),
        conversation: saved.conversation,
        last_reply: saved.last_reply,
        said: saved.said,
    })
}

impl AppState {
    /// The visit `resume_id` names, for a hello with this token's shopper and verified
    /// customer: saved in the shared store by any server (the newest copy: every answered turn
    /// saves it), else parked on this server. `None` when there is none, it expired, or it is
    /// not theirs to resume. Blocks on a networked store: call it on the blocking pool then
    /// (`Store::blocks`).
    pub(crate) fn resume(
        &self,
        resume_id: &str,
        shopper: ShopperId,
        customer: Option<&CustomerId>,
        now: OffsetDateTime,
    ) -> Option<Visit> {
        let Some(visit) = self.saved(resume_id, shopper, now) else {
            return self.unpark_for(resume_id, shopper, customer).map(|parked| parked.visit);
        };
        // A copy parked here may be older (the shopper may have gone on on another server).
        let owned = owned_by(&visit.conversation, shopper, customer);
        if owned {
            drop(self.unpark_if(resume_id, |parked| owned_by(&parked.visit.conversation, shopper, customer)));
        }
        (owned && still_stored(self, shopper, customer)).then_some(visit)
    }

    /// The visit saved in the shared store under `resume_id` for `shopper`, if any.
    fn saved(&self, resume_id: &str, shopper: ShopperId, now: OffsetDateTime) -> Option<Visit> {
        let shared = self.profiles.store.conversations()?;
        if resume_id.len() > MAX_RESUME_ID {
            return None;
        }
        let bytes = match shared.load_conversation(resume_id, shopper, now) {
            Ok(bytes) => bytes?,
            Err(error) => {
                tracing::warn!(%error, "cannot read a saved conversation");
                return None;
            }
        };
        decode(resume_id, &bytes).map_err(|error| tracing::warn!(%error, "a saved conversation is unreadable")).ok()
    }

    /// Saves `visit` in the shared store, when there is one, before its reply is sent. A
    /// failure is logged, not fatal: the answer itself is already durable, and only resuming
    /// this turn's conversation on another server is lost.
    pub(crate) fn keep(&self, visit: &Visit) -> impl Future<Output = ()> + Send + 'static {
        let saving = match self.profiles.store.conversations().map(|_| encode(visit)) {
            None => None,
            Some(Ok(bytes)) => Some((visit.resume_id.clone(), visit.conversation.shopper, bytes)),
            Some(Err(error)) => {
                tracing::warn!(%error, "cannot encode a conversation to save it");
                None
            }
        };
        let limits = &self.config.limits;
        let lasts = limits.idle_timeout() + std::time::Duration::from_secs(limits.session_resume_secs);
        let state = self.clone();
        async move {
            let Some((session, shopper, bytes)) = saving else { return };
            let expires = OffsetDateTime::now_utc() + lasts;
            let saved = tokio::task::spawn_blocking(move || {
                let shared = state.profiles.store.conversations()?;
                Some(shared.save_conversation(&session, shopper, &bytes, expires))
            })
            .await;
            match saved {
                Ok(Some(Ok(_)) | None) => {}
                Ok(Some(Err(error))) => tracing::warn!(%error, "cannot save a conversation for resuming elsewhere"),
                Err(error) => tracing::warn!(%error, "saving a conversation failed"),
            }
        }
    }
}

/// Ends, on this server, the conversations of every shopper erased through any server sharing
/// the store (nothing to do, `None`, on a store of one server's own).
pub fn spawn_erasure_listener(state: &AppState) -> Option<JoinHandle<()>> {
    let mut heard = state.profiles.store.conversations()?.erasures();
    let state = state.clone();
    Some(tokio::spawn(async move {
        loop {
            match heard.recv().await {
                Ok(Erasure::Shopper(shopper)) => state.end_conversations(shopper),
                Ok(Erasure::Missed) | Err(RecvError::Lagged(_)) => state.erasures_missed(),
                Err(RecvError::Closed) => break,
            }
        }
    }))
}
