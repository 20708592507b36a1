//! The chat's use of the optional language model: reading a message with it, and streaming a
//! reworded reply as `reply_delta` frames. Without a model both are no-ops. The model adapter
//! (`llm`) is given values (slots, the catalog's words, a brief of the reply), never the
//! catalog or the reply types themselves.

use super::assistant::Assistant;
use super::conversation::Conversation;
use super::exchange::Peer;
use super::protocol::ServerFrame;
use super::reply::Reply;
use crate::catalog::CatalogIndex;
use crate::dialogue::Asking;
use crate::llm::adapter::Emit;
use crate::llm::phrase::{Brief, BriefProduct};
use crate::llm::understand::{CatalogWords, Vocabulary};
use crate::llm::{Llm, Message, Role};
use crate::understand::Understanding;

impl CatalogWords for CatalogIndex {
    fn analyze(&self, text: &str) -> Vec<String> {
        CatalogIndex::analyze(self, text)
    }

    fn mentions(&self, word: &str) -> bool {
        CatalogIndex::mentions(self, word)
    }
}

/// What the shopper's message says: the rules' reading, improved by the model when one is
/// configured and the rules left something unread.
pub(crate) async fn read(
    llm: Option<&Llm>,
    assistant: &Assistant,
    conversation: &Conversation,
    text: &str,
    quick_reply: bool,
) -> Understanding {
    let rules = assistant.understand(&conversation.session, text);
    let Some(llm) = llm.filter(|llm| llm.wants_to_understand(&rules, quick_reply)) else {
        return rules;
    };
    let asking = conversation.session.asking.and_then(Asking::slot);
    let vocab = Vocabulary { understander: assistant.understander(), words: assistant.index().as_ref() };
    llm.understand(assistant.prompts().model(), &vocab, text, asking, rules).await
}

/// Sends each checked sentence as a `reply_delta` frame.
struct Deltas<'a, P>(&'a mut P);

impl<P: Peer> Emit for Deltas<'_, P> {
    async fn emit(&mut self, sentence: String) -> bool {
        self.0.send(ServerFrame::ReplyDelta { text: sentence }).await
    }
}

/// The reply reworded by the model, its sentences already streamed to `peer`; `None` to send
/// the template text (no model, a failure, or a fact the ranker did not return). The greeting
/// (`said` empty) keeps its template: a fixed text is not worth a shopper's wait.
pub(crate) async fn phrase(
    llm: Option<&Llm>,
    assistant: &Assistant,
    conversation: &Conversation,
    reply: &Reply,
    said: &str,
    peer: &mut impl Peer,
) -> Option<String> {
    if said.is_empty() {
        return None;
    }
    let llm = llm?;
    // Kept from the model: a conversation built on remembered facts, when the shop says so
    // (its replies and why lines carry those facts).
    if !llm.settings().share_profile && conversation.remembered {
        return None;
    }
    let brief = brief(reply);
    // The history's last message is the one being answered, which the brief's checks use.
    let earlier = conversation.history.len().saturating_sub(1);
    let history: Vec<Message> = conversation.history[..earlier]
        .iter()
        .map(|m| match m.shopper {
            // Quoted: the shopper's words are data, never instructions.
            true => Message::new(Role::User, format!("Shopper said: {}", serde_json::json!(m.text))),
            false => Message::new(Role::Assistant, m.text.clone()),
        })
        .collect();
    llm.phrase(assistant.prompts().model(), &brief, &history, said, &mut Deltas(peer)).await
}

/// The facts of a rendered reply, for the model: its text, its products with their prices and
/// why lines, its quick replies.
fn brief(reply: &Reply) -> Brief {
    Brief {
        draft: reply.text.clone(),
        products: reply
            .products
            .iter()
            .map(|p| BriefProduct { title: p.title.clone(), price: p.currency.format(p.price), why: p.why.clone() })
            .collect(),
        quick_replies: reply.quick_replies.clone(),
    }
}
