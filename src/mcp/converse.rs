//! The `converse` tool: one turn of the real dialogue, as a shopper's widget would have it, so
//! an agent can answer the assistant's questions and get its products.
//!
//! The shopper is the one the `Authorization` token names; without one (or with a token whose
//! shopper is gone) a new shopper starts and the result carries their token, as the widget
//! gets one in `welcome`. A conversation continues across calls with the returned `session`,
//! parked between them like a socket's conversation between reconnects, and resumed only for
//! the shopper it belongs to.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::bounded;
use super::error::ToolError;
use super::ucp::UcpProduct;
use crate::conversation::{Conversation, Turn};
use crate::profile::ShopperId;
use crate::recommend::PageContext;
use crate::server::AppState;
use crate::server::state::Parked;
use crate::slots::Slots;

/// The longest message, in characters (the socket's soft frame limit is 4 KiB).
const MAX_MESSAGE: usize = 2_000;

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ConverseArgs {
    /// What the shopper says ("I need a present for my nephew", or a quick reply's text);
    /// empty to only open the conversation and read the greeting.
    #[schemars(length(max = 2000))]
    pub message: String,
    /// The `session` of an earlier `converse` result, to continue that conversation.
    #[schemars(length(max = 64))]
    pub session: Option<String>,
    /// Where the shopper is, when the conversation starts (as the widget's `hello` context).
    pub context: Option<ConverseContext>,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ConverseContext {
    /// `home`, `product`, `cart`, ...
    #[schemars(length(max = 40))]
    pub page: Option<String>,
    #[schemars(length(max = 256))]
    pub product_id: Option<String>,
    #[schemars(length(max = 500))]
    pub referrer: Option<String>,
    #[schemars(length(max = 35))]
    pub locale: Option<String>,
    #[schemars(length(max = 2))]
    pub country: Option<String>,
}

#[derive(Debug, Serialize)]
pub(crate) struct Conversed {
    /// The shopper's token: send it as `Authorization: Bearer <token>` from now on (a new one
    /// when this call started a new shopper, or the shopper's data was erased).
    pub shopper: String,
    /// Pass it back as `session` to continue this conversation.
    pub session: String,
    /// The shopper was known from an earlier visit (only when this call started the session).
    pub returning: bool,
    /// The assistant's greeting, when this call started the conversation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub greeting: Option<String>,
    /// The assistant's answer to `message`.
    pub reply: String,
    /// What the reply asks about (`purpose`, `recipient`, `budget`, ..., `currency`,
    /// `confirm`), or null; answer it with the next `message`.
    pub asking: Option<String>,
    /// Suggested answers; send one as the next `message`.
    pub quick_replies: Vec<String>,
    /// What the conversation knows so far.
    pub slots: Slots,
    pub products: Vec<UcpProduct>,
    /// The shopper asked for a person: the shop's staff should take over.
    pub handover: bool,
}

/// One turn: resumes or starts the conversation, says `message` in it, and parks it again.
pub(crate) async fn converse(
    state: &AppState,
    shopper: Option<ShopperId>,
    args: ConverseArgs,
) -> Result<Conversed, ToolError> {
    let message = bounded("message", &args.message, MAX_MESSAGE)?.to_string();
    let session_id = args.session.as_deref().map(|s| bounded("session", s, 64)).transpose()?.map(str::to_string);
    let resumed = session_id.as_deref().and_then(|id| resume(state, id, shopper));
    let (agent, profiles) = (state.agent(), state.profiles.clone());
    let (conversation, greeting, returning, session_id, last) = match resumed {
        Some(parked) => (parked.conversation, None, false, session_id.unwrap_or_default(), parked.last_reply),
        None => {
            let context = page_context(args.context)?;
            let (agent, profiles) = (agent.clone(), profiles.clone());
            let opened = tokio::task::spawn_blocking(move || {
                Conversation::start(&agent, &profiles, shopper, None, context, OffsetDateTime::now_utc())
            })
            .await?
            .map_err(|e| ToolError::internal(&e))?;
            let greeting = opened.turn.reply.clone();
            let id = hex::encode(rand::random::<[u8; 16]>());
            (opened.conversation, Some(greeting), opened.returning, id, None)
        }
    };
    let (mut conversation, turn) = if message.trim().is_empty() {
        // Nothing said: the greeting, or what the resumed conversation last answered.
        let reply = greeting.clone().or(last).unwrap_or_else(|| empty_reply(&conversation));
        (conversation, Turn { reply, durable: None, new_shopper: None, handover: false })
    } else {
        let mut conversation = conversation;
        tokio::task::spawn_blocking(move || {
            let turn = conversation.say(&agent, &profiles, &message, OffsetDateTime::now_utc());
            (conversation, turn)
        })
        .await
        .map(|(c, turn)| turn.map(|t| (c, t)))?
        .map_err(|e| ToolError::internal(&e))?
    };
    // The answer is durable before the result acknowledges it, as on the socket.
    let mut turn = turn;
    if let Some(durable) = turn.durable.take() {
        durable.await?;
    }
    let catalog = state.agent().index().catalog().clone();
    let reply = turn.reply;
    let products = reply.products.iter().filter_map(|card| UcpProduct::ranked(catalog.get(&card.id)?, card)).collect();
    let result = Conversed {
        shopper: state.tokens.sign(conversation.shopper),
        session: session_id.clone(),
        returning,
        greeting: greeting.filter(|_| !args.message.trim().is_empty()).map(|g| g.text),
        reply: reply.text.clone(),
        asking: reply.asking.clone(),
        quick_replies: reply.quick_replies.clone(),
        slots: reply.slots.clone(),
        products,
        handover: turn.handover,
    };
    conversation.history.clear();
    state.park(session_id, Parked { conversation, last_reply: Some(reply), since: std::time::Instant::now() });
    Ok(result)
}

/// The parked conversation `id`, if it belongs to `shopper`; another shopper's stays parked.
fn resume(state: &AppState, id: &str, shopper: Option<ShopperId>) -> Option<Parked> {
    let parked = state.unpark(id)?;
    if Some(parked.conversation.shopper) == shopper {
        return Some(parked);
    }
    state.park(id.to_string(), parked);
    None
}

fn page_context(context: Option<ConverseContext>) -> Result<PageContext, ToolError> {
    let Some(c) = context else { return Ok(PageContext::default()) };
    for (name, value, max) in [
        ("context.page", &c.page, 40),
        ("context.product_id", &c.product_id, 256),
        ("context.referrer", &c.referrer, 500),
        ("context.locale", &c.locale, 35),
        ("context.country", &c.country, 2),
    ] {
        if let Some(value) = value {
            bounded(name, value, max)?;
        }
    }
    Ok(PageContext {
        page: c.page,
        product_id: c.product_id,
        referrer: c.referrer,
        device: Some("agent".into()),
        locale: c.locale,
        country: c.country,
    })
}

/// A reply that says nothing new (a resumed conversation with an empty message).
fn empty_reply(conversation: &Conversation) -> crate::reply::Reply {
    crate::reply::Reply {
        text: String::new(),
        asking: conversation.session.asking.map(|a| a.name().to_string()),
        quick_replies: Vec::new(),
        slots: conversation.session.slots.clone(),
        products: Vec::new(),
    }
}
