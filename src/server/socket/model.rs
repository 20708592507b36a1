//! The chat's use of the optional language model: reading a message with it, and streaming a
//! reworded reply as `reply_delta` frames. Without a model both are no-ops.

use crate::chat::assistant::Assistant;
use crate::chat::conversation::Conversation;
use crate::chat::protocol::ServerFrame;
use crate::chat::reply::Reply;
use crate::dialogue::Asking;
use crate::llm::adapter::Emit;
use crate::llm::phrase::Brief;
use crate::llm::understand::Vocabulary;
use crate::llm::{Message, Role};
use crate::server::state::AppState;
use crate::understand::Understanding;

use super::Connection;

/// What the shopper's message says: the rules' reading, improved by the model when one is
/// configured and the rules left something unread.
pub(super) async fn read(
    state: &AppState,
    agent: &Assistant,
    conversation: &Conversation,
    text: &str,
    quick_reply: bool,
) -> Understanding {
    let rules = agent.understand(&conversation.session, text);
    let Some(llm) = state.llm.as_ref().filter(|llm| llm.wants_to_understand(&rules, quick_reply)) else {
        return rules;
    };
    let asking = match conversation.session.asking {
        Some(Asking::Slot(slot)) => Some(slot),
        _ => None,
    };
    let vocab = Vocabulary { understander: agent.understander(), index: agent.index() };
    llm.understand(agent.prompts().model(), &vocab, text, asking, rules).await
}

/// Sends each checked sentence as a `reply_delta` frame.
struct Deltas<'a>(&'a mut Connection);

impl Emit for Deltas<'_> {
    async fn emit(&mut self, sentence: String) -> bool {
        self.0.send(ServerFrame::ReplyDelta { text: sentence }).await
    }
}

impl Connection {
    /// The reply reworded by the model, its sentences already streamed; `None` to send the
    /// template text (no model, a failure, or a fact the ranker did not return). The greeting
    /// (`said` empty) keeps its template: a fixed text is not worth a shopper's wait.
    pub(super) async fn phrase(&mut self, reply: &Reply, said: &str) -> Option<String> {
        if said.is_empty() {
            return None;
        }
        let llm = self.state.llm.clone()?;
        let conversation = self.conversation.as_ref()?;
        // Kept from the model: a conversation built on remembered facts, when the shop says so
        // (its replies and why lines carry those facts).
        if !llm.settings().share_profile && conversation.remembered {
            return None;
        }
        let brief = Brief::of(reply);
        // The history's last message is the one being answered, which the brief's checks use.
        let all = conversation.history.len();
        let earlier = if said.is_empty() { all } else { all.saturating_sub(1) };
        let history: Vec<Message> = conversation.history[..earlier]
            .iter()
            .map(|m| match m.shopper {
                // Quoted: the shopper's words are data, never instructions.
                true => Message::new(Role::User, format!("Shopper said: {}", serde_json::json!(m.text))),
                false => Message::new(Role::Assistant, m.text.clone()),
            })
            .collect();
        let prompts = self.state.assistant().prompts().clone();
        llm.phrase(prompts.model(), &brief, &history, said, &mut Deltas(self)).await
    }
}
