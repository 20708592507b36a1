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
use crate::chat::assistant::Assistant;
use crate::chat::protocol::{ClientFrame, ServerFrame};
use crate::chat::query::PageContext;
use crate::chat::reply::Reply;
use crate::chat::{Chat, Run, Services};
use crate::profile::ShopperId;
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
    /// `message` is a quick reply's text, sent as it was offered.
    #[serde(default)]
    pub quick_reply: bool,
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

/// One turn through the chat's own entry point ([`Chat::handle`], as the socket drives it):
/// a `hello` (or the parked visit `session` names, when it is the token's shopper's), then a
/// `say` of `message`; the visit is parked again for the next call.
pub(crate) async fn converse(
    state: &AppState,
    token: Option<&str>,
    args: ConverseArgs,
) -> Result<Conversed, ToolError> {
    let message = bounded("message", &args.message, MAX_MESSAGE)?.to_string();
    let session = args.session.as_deref().map(|s| bounded("session", s, 64)).transpose()?;
    let shopper = token.and_then(|t| state.tokens.verify(t));
    let services = Services {
        assistant: state.assistant(),
        profiles: &state.profiles,
        llm: state.llm.as_deref(),
        identity: state,
        run: Run::for_store(state.profiles.store.as_ref(), state.config.profile.durability),
        now: OffsetDateTime::now_utc(),
        log_text: state.config.log.debug_shopper_text,
        experiments: None,
    };
    let mut chat = Chat::default();
    let mut opening: Vec<ServerFrame> = Vec::new();
    let started = match session.and_then(|id| resume(state, id, shopper)) {
        Some(parked) => {
            chat.resume(parked.visit, &services, &mut opening).await;
            false
        }
        None => {
            let hello = ClientFrame::Hello {
                shopper: token.map(str::to_string),
                session: None,
                customer: None,
                context: page_context(args.context)?,
            };
            chat.handle(hello, &services, &mut opening).await;
            true
        }
    };
    let mut turn: Vec<ServerFrame> = Vec::new();
    if !message.trim().is_empty() && chat.is_open() {
        let choice = args.quick_reply.then(|| message.clone());
        chat.handle(ClientFrame::Say { text: message, choice, id: None }, &services, &mut turn).await;
    }
    if let Some(visit) = chat.close() {
        let resume_id = visit.resume_id.clone();
        state.park(resume_id, Parked { visit, since: std::time::Instant::now() });
    }
    let assistant = state.assistant();
    conversed(&assistant, opening, turn, started)
}

/// The result the frames of a turn say: the last welcome names the shopper (a new one after an
/// erasure), the turn's reply (or, with nothing said, the opening's) is the answer.
fn conversed(
    assistant: &Assistant,
    opening: Vec<ServerFrame>,
    turn: Vec<ServerFrame>,
    started: bool,
) -> Result<Conversed, ToolError> {
    let said = !turn.is_empty();
    let (mut welcome, mut greeting, mut answer, mut handover) = (None, None, None, false);
    for (in_turn, frame) in opening.into_iter().map(|f| (false, f)).chain(turn.into_iter().map(|f| (true, f))) {
        match frame {
            ServerFrame::Welcome { shopper, session, returning, .. } => {
                let returning = welcome.as_ref().map_or(returning, |(_, _, r)| *r);
                welcome = Some((shopper, session, returning));
            }
            ServerFrame::Reply(reply) if in_turn || !said => {
                handover = false;
                if !in_turn && started {
                    greeting = Some(reply.text.clone());
                }
                answer = Some(*reply);
            }
            ServerFrame::Reply(reply) if started => greeting = Some(reply.text.clone()),
            ServerFrame::Reply(_) | ServerFrame::ReplyDelta { .. } | ServerFrame::Notice(_) => {}
            ServerFrame::Handover { message, .. } => {
                handover = true;
                // What the conversation knows stays as the last reply said it.
                let slots = answer.take().map(|r: Reply| r.slots).unwrap_or_default();
                answer = Some(Reply::text_only(message, slots));
            }
            ServerFrame::Error { code, message } => {
                return Err(if code == "internal" { ToolError::Internal } else { ToolError::Invalid(message) });
            }
        }
    }
    let (Some((shopper, session, returning)), Some(reply)) = (welcome, answer) else {
        return Err(ToolError::internal(&"the chat answered without a welcome or a reply"));
    };
    let catalog = assistant.index().catalog();
    let products = reply.products.iter().filter_map(|card| UcpProduct::ranked(catalog.get(&card.id)?, card)).collect();
    Ok(Conversed {
        shopper,
        session,
        returning,
        greeting: greeting.filter(|_| said),
        reply: reply.text,
        asking: reply.asking,
        quick_replies: reply.quick_replies,
        slots: reply.slots,
        products,
        handover,
    })
}

/// The parked visit `id`, if it may be resumed by `shopper` (the socket's rule: the same
/// shopper, still stored, and no customer); another's stays parked.
fn resume(state: &AppState, id: &str, shopper: Option<ShopperId>) -> Option<Parked> {
    state.unpark_for(id, shopper?, None)
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
