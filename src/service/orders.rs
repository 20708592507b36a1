//! Answers about the shopper's own orders, from what the shop recorded and nothing else: what
//! was ordered and when, the last shipping status and estimate as recorded, and a person when
//! the question needs one. With no recorded order to answer from, it says it cannot see the
//! order and offers a person; it never guesses a status or a date. Only the conversation's own
//! profile is read, so no shopper ever hears about another's order.

use time::OffsetDateTime;

use super::question::{Ask, Question};
use super::wording::Wording;
use crate::chat::assistant::Assistant;
use crate::chat::conversation::{Answer, Conversation, ConversationError, Profiles};
use crate::chat::query::PageContext;
use crate::chat::reply::Reply;
use crate::notices::trigger::status_word;
use crate::notices::wording::{day, fill};
use crate::profile::{Event, EventKind, Order, Profile};

/// The answer to `text` when it is an order question (or consent to notices); `None` leaves the
/// message to the shopping dialogue.
pub(crate) fn answer(
    conversation: &Conversation,
    assistant: &Assistant,
    profiles: &Profiles,
    text: &str,
    now: OffsetDateTime,
) -> Result<Option<Answer>, ConversationError> {
    let Some(question) = super::question::read(text) else { return Ok(None) };
    let wording = assistant.prompts().service();
    let shopper = conversation.shopper;
    if let Ask::Notices(on) = question.ask {
        let changed = profiles.store.change(shopper, &mut |p: &mut Profile| p.set_notices(on, now))?;
        let (_, durable) = changed.ok_or(ConversationError::Gone(shopper))?;
        let text = if on { &wording.notices_on } else { &wording.notices_off };
        let reply = reply(conversation, text.clone(), Vec::new());
        return Ok(Some(Answer { reply, durable: Some(durable), new_shopper: None, erased: None, handover: false }));
    }
    let profile = profiles.store.load(shopper)?.ok_or(ConversationError::Gone(shopper))?;
    let order = which(&profile, assistant, &question, &conversation.context);
    let (text, handover, offer_person) = match order {
        None => (wording.unknown.clone(), false, true),
        Some(order) => {
            let facts = facts(&profile, order, assistant, wording);
            let delivered = facts.1.as_deref() == Some("delivered");
            let needs_person = matches!(question.ask, Ask::Return | Ask::Cancel)
                || (question.ask == Ask::NotArrived && delivered)
                || facts.1.as_deref() == Some("failure");
            if needs_person {
                (format!("{} {}", facts.0, wording.handover), true, false)
            } else {
                (facts.0, false, facts.1.is_none())
            }
        }
    };
    let quick = if offer_person { vec![wording.talk_to_person.clone()] } else { Vec::new() };
    let reply = reply(conversation, text, quick);
    Ok(Some(Answer { reply, durable: None, new_shopper: None, erased: None, handover }))
}

/// The product-page greeting of a shopper who ordered the product on the page ("I see you
/// ordered the Blue Teapot on 14 November: is this about that order?") and its quick replies.
pub(crate) fn greeting(
    profile: &Profile,
    assistant: &Assistant,
    context: &PageContext,
) -> Option<(String, Vec<String>)> {
    let product = context.product_id.as_deref()?;
    let order = profile.orders().iter().rev().find(|o| o.items.iter().any(|i| i.product_id == product))?;
    let wording = assistant.prompts().service();
    let title = title(assistant, product);
    let ordered = day(order.at.date());
    let text = fill(&wording.bought_here, |name| match name {
        "items" => Some(title.clone()),
        "ordered" => Some(ordered.clone()),
        "order_id" => order.id.clone(),
        _ => None,
    })?;
    Some((text, vec![wording.about_order.clone(), wording.something_else.clone()]))
}

fn reply(conversation: &Conversation, text: String, quick_replies: Vec<String>) -> Reply {
    Reply { quick_replies, ..Reply::text_only(text, conversation.session.slots.clone()) }
}

/// The order the question is about: one whose id it names; else one whose products its words
/// name; else (when it names no product the catalog knows) the one of the product on the page,
/// or the latest. `None` when it names an id or a product no recorded order has.
fn which<'a>(
    profile: &'a Profile,
    assistant: &Assistant,
    question: &Question,
    context: &PageContext,
) -> Option<&'a Order> {
    let orders = profile.orders();
    if !question.ids.is_empty() {
        return orders.iter().rev().find(|o| {
            o.id.as_deref().is_some_and(|id| {
                question.ids.iter().any(|named| named.eq_ignore_ascii_case(id.trim_start_matches('#')))
            })
        });
    }
    let product_words: Vec<&String> = question.words.iter().filter(|w| assistant.index().mentions(w)).collect();
    if !product_words.is_empty() {
        return orders.iter().rev().find(|o| {
            o.items.iter().any(|item| {
                let title = title(assistant, &item.product_id).to_lowercase();
                product_words.iter().all(|w| title.split(|c: char| !c.is_alphanumeric()).any(|t| t == w.as_str()))
            })
        });
    }
    let on_page = context.product_id.as_deref();
    orders.iter().rev().find(|o| o.items.iter().any(|i| Some(i.product_id.as_str()) == on_page)).or(orders.last())
}

/// The placeholders' values: recorded facts only.
struct Values {
    order_id: String,
    items: String,
    ordered: String,
    status: Option<String>,
    updated: Option<String>,
    estimate: Option<time::Date>,
}

impl Values {
    fn get(&self, name: &str) -> Option<String> {
        match name {
            "order_id" => Some(self.order_id.clone()),
            "items" => Some(self.items.clone()),
            "ordered" => Some(self.ordered.clone()),
            "status" => self.status.as_deref().map(plain_status),
            "updated" => self.updated.clone(),
            "estimate" => self.estimate.map(day),
            _ => None,
        }
    }
}

/// The answer's facts about `order`, and its last recorded status (normalised).
fn facts(profile: &Profile, order: &Order, assistant: &Assistant, wording: &Wording) -> (String, Option<String>) {
    let updates: Vec<&Event> = profile
        .events()
        .iter()
        .filter(|e| {
            e.kind == EventKind::ShippingUpdate
                && order.id.is_some()
                && e.order.as_ref().and_then(|o| o.id.as_ref()) == order.id.as_ref()
        })
        .collect();
    let last = updates.iter().rev().find(|e| e.status.is_some());
    let mut values = Values {
        order_id: order.id.clone().unwrap_or_default(),
        items: items(order, assistant),
        ordered: day(order.at.date()),
        status: last.and_then(|e| e.status.as_deref()).map(status_word),
        updated: last.map(|e| day(e.at.date())),
        estimate: updates.iter().rev().find_map(|e| e.order.as_ref()?.estimated_delivery).or(order.estimated_delivery),
    };
    if last.is_none() {
        values.estimate = None;
        let text = fill(&wording.no_update, |n| values.get(n)).unwrap_or_else(|| wording.unknown.clone());
        return (text, None);
    }
    let mut text = fill(&wording.status, |n| values.get(n)).unwrap_or_else(|| wording.unknown.clone());
    if values.estimate.is_some()
        && values.status.as_deref() != Some("delivered")
        && let Some(more) = fill(&wording.estimate, |n| values.get(n))
    {
        text = format!("{text} {more}");
    }
    (text, values.status)
}

/// What was ordered, in words: the first item's title, and how many more.
fn items(order: &Order, assistant: &Assistant) -> String {
    let first = order.items.first().map(|i| title(assistant, &i.product_id)).unwrap_or_default();
    match order.items.len() {
        0 | 1 => first,
        n => format!("{first} and {} more", n - 1),
    }
}

/// The product's catalog title, or its id when the catalog no longer has it.
fn title(assistant: &Assistant, product: &str) -> String {
    assistant.index().catalog().get(product).map_or_else(|| product.to_string(), |p| p.title.clone())
}

/// A recorded status in Shopify's fulfillment vocabulary, in plain words; another status as
/// recorded.
fn plain_status(status: &str) -> String {
    match status {
        "confirmed" => "confirmed".into(),
        "label_printed" | "label_purchased" => "labelled and waiting for the carrier".into(),
        "carrier_picked_up" | "picked_up" => "with the carrier".into(),
        "in_transit" => "in transit".into(),
        "out_for_delivery" => "out for delivery".into(),
        "attempted_delivery" => "waiting after a delivery attempt that did not succeed".into(),
        "ready_for_pickup" => "ready for pickup".into(),
        "delayed" => "delayed".into(),
        "delivered" => "delivered".into(),
        "failure" => "undeliverable".into(),
        other => other.replace('_', " "),
    }
}
