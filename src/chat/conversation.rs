//! One shopper's conversation: the session plus what it reads from and writes to the profile.
//!
//! The exchange ([`super::exchange`]) drives every conversation through this type, whichever
//! driver (socket or replay) calls it. Every method is blocking (sled) and cheap; a write's
//! [`Durable`] ticket is handed back so the caller can wait for it *before* sending the reply
//! that acknowledges the answer (DESIGN.md property 3).

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

use crate::catalog::IndexError;
use crate::chat::assistant::{Assistant, Surroundings};
use crate::chat::query::{PageContext, Recent};
use crate::chat::reply::{Fact, Reply};
use crate::dialogue::{Forget, Session};
use crate::money::Currency;
use crate::profile::{CustomerId, Durable, Limits, Profile, ShopperId, Source, Store, StoreError};
use crate::slots::{SlotName, Slots};
use crate::understand::Understanding;

#[derive(Debug, thiserror::Error)]
pub enum ConversationError {
    /// The conversation's shopper is no longer stored (erased, here or elsewhere): the
    /// conversation ends, and nothing is written back.
    #[error("shopper {0} was erased")]
    Gone(ShopperId),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Index(#[from] IndexError),
}

/// What the conversation needs from the server: the store and the profile rules.
#[derive(Clone)]
pub struct Profiles {
    pub store: Arc<dyn Store>,
    /// Behaviour older than this is neither used nor shown.
    pub window: Duration,
    pub limits: Limits,
}

/// A live conversation. Serialisable, so a resumed connection continues exactly.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Conversation {
    pub shopper: ShopperId,
    /// The verified customer the visit was opened with: a resumed visit must name the same.
    #[serde(default)]
    pub customer: Option<CustomerId>,
    pub session: Session,
    pub context: PageContext,
    /// The session began with facts from earlier visits (which a language model may be kept
    /// from seeing).
    #[serde(default)]
    pub remembered: bool,
    /// The last few messages each way, kept only when a language model phrases replies.
    #[serde(default)]
    pub history: Vec<Said>,
}

/// One message of the conversation's recent history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Said {
    /// `true` for the shopper, `false` for the assistant.
    pub shopper: bool,
    pub text: String,
}

/// Messages kept in [`Conversation::history`], and the characters kept of each.
const HISTORY: usize = 8;
const HISTORY_CHARS: usize = 500;

/// What a message (or a greeting) is answered with: the reply, and the write it depends on.
pub struct Answer {
    pub reply: Reply,
    /// Wait for this before sending the reply: the answer it acknowledges is then durable.
    pub durable: Option<Durable>,
    /// Set when the shopper's data was erased: the old token is dead, this is the new shopper.
    pub new_shopper: Option<ShopperId>,
    /// A shopper erased by this turn ("forget everything", or the anonymous profile a login
    /// merged): the driver ends that shopper's other conversations.
    pub erased: Option<ShopperId>,
    /// The shopper asked for a person.
    pub handover: bool,
}

/// The start of a visit: the conversation, whether the shopper was known, and the greeting.
pub struct Opened {
    pub conversation: Conversation,
    pub returning: bool,
    pub answer: Answer,
}

impl Conversation {
    /// Starts a visit (a `hello`). `shopper`: from a verified token, `None` for a new shopper;
    /// `customer`: a verified customer id. Whose profile the visit continues follows the one
    /// identity rule (see `identity`): a customer's profile only with that customer, an
    /// anonymous one merged into the customer's at login (and then erased), a token whose
    /// profile is gone continuing nothing. A customer id erased (tombstoned) is not linked: the
    /// visit goes on as an anonymous one.
    pub fn start(
        assistant: &Assistant,
        profiles: &Profiles,
        shopper: Option<ShopperId>,
        customer: Option<CustomerId>,
        context: PageContext,
        now: OffsetDateTime,
    ) -> Result<Opened, ConversationError> {
        match Conversation::open(assistant, profiles, shopper, customer.clone(), context.clone(), now) {
            Err(ConversationError::Store(StoreError::CustomerErased { .. })) => {
                Conversation::open(assistant, profiles, shopper, None, context, now)
            }
            // Erased between the look-up and the write: a new shopper, never the old one.
            Err(ConversationError::Store(StoreError::ShopperErased { .. })) => {
                Conversation::open(assistant, profiles, None, customer, context, now)
            }
            other => other,
        }
    }

    fn open(
        assistant: &Assistant,
        profiles: &Profiles,
        shopper: Option<ShopperId>,
        customer: Option<CustomerId>,
        context: PageContext,
        now: OffsetDateTime,
    ) -> Result<Opened, ConversationError> {
        let store = &profiles.store;
        let greeting = super::identity::greet(store.as_ref(), shopper, customer.as_ref())?;
        let absorbed = match greeting.absorbs {
            Some(anonymous) => store.load(anonymous)?,
            None => None,
        };
        let id = greeting.continues.unwrap_or_else(ShopperId::random);
        let limits = profiles.limits;
        // The opening decision is made inside the visit's one write, so the question it asks is
        // noted in that same write (what was asked is bookkeeping: nobody waits for its flush).
        // Looked up before the write: the closure runs holding the shopper's lock.
        let has_context = assistant.has_context(&context);
        let on_cart_page = context.page.as_deref() == Some("cart");
        let open = |p: &Profile| {
            let returning = p.visits().number > 1;
            let known = usable_slots(p);
            let mut session = Session::new(&known, returning);
            // On the cart page, what is in the cart says what they may want.
            let has_context = has_context || (on_cart_page && !Recent::of(p, now, profiles.window).carted.is_empty());
            let decision = assistant.open(&mut session, has_context);
            (returning, known != Slots::default(), session, decision)
        };
        let mut opening = None;
        let (profile, _) = store.update(id, now, &mut |p: &mut Profile| {
            // A profile made by this very update is at visit 1 (also when the one loaded above
            // was erased in between); an older one starts another visit.
            if p.created_at() < now {
                p.start_visit(now);
            }
            if let Some(customer) = &customer {
                p.link_customer(customer, now);
            }
            // Answers given before logging in are kept, with their provenance.
            if let Some(before) = &absorbed {
                p.absorb(before, &limits);
            }
            let opened = open(p);
            if let Some(slot) = opened.2.asking.and_then(|a| a.slot()) {
                p.note_asked(slot, now);
            }
            opening = Some(opened);
        })?;
        let (returning, remembered, session, decision) = opening.unwrap_or_else(|| open(&profile));
        let erased = match &absorbed {
            Some(before) => {
                // The merged copy is gone; its flush can wait (the greeting acknowledges nothing).
                drop(store.erase(before.id())?);
                Some(before.id())
            }
            None => None,
        };
        let mut conversation =
            Conversation { shopper: id, customer, remembered, session, context, history: Vec::new() };
        let mut around = surroundings(assistant, &conversation.context, &profile, profiles, &decision, now);
        if returning {
            around.due = due(assistant, store.as_ref(), &profile, now)?;
        }
        let mut reply = assistant.respond(&mut conversation.session, &decision, around)?;
        reply.offers = offers(assistant, &reply, Some(&profile), now);
        // On the page of a product the shopper bought: is this about that order?
        if let Some((text, quick_replies)) =
            crate::service::orders::greeting(&profile, assistant, &conversation.context)
        {
            (reply.text, reply.quick_replies, reply.asking, reply.products) = (text, quick_replies, None, Vec::new());
            conversation.session.asking = None;
        }
        // Nothing the shopper said is acknowledged by a greeting: no need to wait for a flush.
        Ok(Opened {
            conversation,
            returning,
            answer: Answer { reply, durable: None, new_shopper: None, erased, handover: false },
        })
    }

    /// Keeps a message in the recent history (bounded in count and length).
    pub fn remember(&mut self, shopper: bool, text: &str) {
        if self.history.len() == HISTORY {
            self.history.remove(0);
        }
        self.history.push(Said { shopper, text: text.chars().take(HISTORY_CHARS).collect() });
    }

    /// Handles one message from the shopper, already understood (by the rules, or by the
    /// rules and a language model). `choice`: the quick reply clicked, if the message is one;
    /// it is recorded in the profile's behaviour with the turn's own write.
    pub fn say(
        &mut self,
        assistant: &Assistant,
        profiles: &Profiles,
        said: &Understanding,
        choice: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<Answer, ConversationError> {
        let decision = assistant.decide(&mut self.session, said);
        let mut new_shopper = None;
        let mut erased = None;
        let (profile, durable) = if decision.forget == Some(Forget::Everything) {
            let erasing = profiles.store.erase(self.shopper)?;
            erased = Some(self.shopper);
            // The new shopper is anonymous: the customer link went with the erased profile.
            (self.shopper, self.customer) = (ShopperId::random(), None);
            new_shopper = Some(self.shopper);
            // The new shopper is stored at once, as a greeting stores one: a conversation is
            // only ever about a stored shopper. (It holds nothing said: its flush is not awaited.)
            let (fresh, _) = profiles.store.update(self.shopper, now, &mut |_| ())?;
            (fresh, Some(erasing))
        } else {
            let asked = decision.ask.and_then(|a| a.slot());
            // Most refinements ("cheaper", "why that one?") change nothing stored: read, don't
            // write, so they cost no flush.
            let clicked = choice.and_then(|c| quick_reply_event(c, now));
            let writes =
                !decision.declared.is_empty() || decision.forget.is_some() || asked.is_some() || clicked.is_some();
            if !writes {
                let profile = profiles.store.load(self.shopper)?.ok_or(ConversationError::Gone(self.shopper))?;
                return self.reply(assistant, profiles, &decision, &profile, now, None, None);
            }
            let slots = self.session.slots.clone();
            let limits = profiles.limits;
            // Only a stored shopper is changed: an erased one's conversation writes nothing back.
            let changed = profiles.store.change(self.shopper, &mut |p: &mut Profile| {
                p.touch(now);
                if let Some(event) = &clicked {
                    p.record(event.clone(), &limits);
                }
                if p.consent().personalization {
                    for slot in &decision.declared {
                        p.declare(*slot, &slots, Source::Chat, now);
                    }
                }
                if let Some(Forget::Slot(slot)) = decision.forget {
                    p.forget(slot);
                }
                if let Some(slot) = asked {
                    p.note_asked(slot, now);
                }
            })?;
            let (profile, durable) = changed.ok_or(ConversationError::Gone(self.shopper))?;
            // Only answers need to be durable before the reply acknowledges them; "asked about
            // the budget" is bookkeeping a crash may lose (the worst is asking once more), so
            // it does not make the shopper wait for a flush.
            let acknowledges = !decision.declared.is_empty() || decision.forget.is_some();
            (profile, acknowledges.then_some(durable))
        };
        let mut answer = self.reply(assistant, profiles, &decision, &profile, now, durable, new_shopper)?;
        answer.erased = erased;
        Ok(answer)
    }

    /// Ranks and renders the reply to a decision, given the profile as it now stands.
    #[allow(clippy::too_many_arguments)]
    fn reply(
        &mut self,
        assistant: &Assistant,
        profiles: &Profiles,
        decision: &crate::dialogue::Decision,
        profile: &Profile,
        now: OffsetDateTime,
        durable: Option<Durable>,
        new_shopper: Option<ShopperId>,
    ) -> Result<Answer, ConversationError> {
        let handover = matches!(decision.action, crate::dialogue::Action::Handover);
        let mut reply = assistant.respond(
            &mut self.session,
            decision,
            surroundings(assistant, &self.context, profile, profiles, decision, now),
        )?;
        reply.offers = offers(assistant, &reply, Some(profile), now);
        Ok(Answer { reply, durable, new_shopper, erased: None, handover })
    }
}

/// The behaviour event for a clicked quick reply; `None` for a label the event rules refuse
/// (too long, say), which then goes unrecorded rather than failing the turn.
fn quick_reply_event(choice: &str, now: OffsetDateTime) -> Option<crate::profile::Event> {
    use crate::profile::EventInput;
    let input = EventInput { kind: "quick_reply".into(), choice: Some(choice.to_string()), ..EventInput::default() };
    crate::profile::Event::parse(input, now).ok()
}

/// What a reply to `decision` is built from besides the session: the page, recent behaviour,
/// and the stored facts when the reply shows them.
fn surroundings<'a>(
    assistant: &Assistant,
    context: &'a PageContext,
    profile: &Profile,
    profiles: &Profiles,
    decision: &crate::dialogue::Decision,
    now: OffsetDateTime,
) -> Surroundings<'a> {
    let recent = Recent::of(profile, now, profiles.window);
    let currency = assistant.index().catalog().currency();
    // Only "what do you know about me?" shows them; described on every turn they cost more
    // than the rest of the surroundings.
    let facts = match decision.action {
        crate::dialogue::Action::ShowProfile => facts(assistant, profile, currency),
        _ => Vec::new(),
    };
    Surroundings { context: Some(context), recent, facts, due: Vec::new() }
}

/// What a returning shopper is due to buy again (their order history against the shop's
/// buy-it-again statistics, `orders::again::due`), as cards: nothing without personalization
/// consent. May block (it reads the shopper's order history).
fn due(
    assistant: &Assistant,
    store: &dyn Store,
    profile: &Profile,
    now: OffsetDateTime,
) -> Result<Vec<crate::chat::reply::ProductCard>, StoreError> {
    if !profile.consent().personalization {
        return Ok(Vec::new());
    }
    let history = crate::orders::history::of_profile(store, profile)?;
    if history.is_empty() {
        return Ok(Vec::new());
    }
    let due = assistant.orders().read().unwrap_or_else(|e| e.into_inner()).due(&history, now.unix_timestamp());
    Ok(assistant.due_cards(&due, now.unix_timestamp()))
}

/// The merchant's offers whose rules hold for the shopper, shown with a reply that shows
/// products (the offers are about buying them); none otherwise.
pub(crate) fn offers(
    assistant: &Assistant,
    reply: &Reply,
    profile: Option<&Profile>,
    now: OffsetDateTime,
) -> Vec<crate::offers::Offer> {
    if reply.products.is_empty() {
        return Vec::new();
    }
    let currency = assistant.index().catalog().currency();
    let facts = crate::offers::Facts::of(profile, &reply.slots, currency, now);
    assistant.prompts().offers().applicable(&facts, currency)
}

/// The profile's declared slots, when the shopper lets us use them.
fn usable_slots(profile: &Profile) -> Slots {
    if profile.consent().personalization { profile.slots() } else { Slots::default() }
}

/// What the shopper told us, in words, for "what do you know about me?".
fn facts(assistant: &Assistant, profile: &Profile, currency: Currency) -> Vec<Fact> {
    let slots = profile.slots();
    let replies = assistant.prompts().replies();
    profile
        .declared()
        .iter()
        .map(|(slot, declared)| Fact {
            label: replies.label(*slot).to_string(),
            value: describe(*slot, &slots, currency),
            source: format!("{:?}", declared.source).to_lowercase(),
        })
        .collect()
}

/// A slot's value in plain words: "under £25", "trains, dinosaurs", "6".
pub fn describe(slot: SlotName, slots: &Slots, currency: Currency) -> String {
    match slot {
        SlotName::Purpose => slots
            .purpose
            .map_or(String::new(), |p| if p.as_str() == "gift" { "a gift".into() } else { "for yourself".into() }),
        SlotName::Recipient => slots.recipient_word.clone().or(slots.recipient.clone()).unwrap_or_default(),
        SlotName::Age => slots.age.map_or(String::new(), |a| a.to_string()),
        SlotName::Occasion => slots.occasion.clone().unwrap_or_default().replace('_', " "),
        SlotName::Budget => slots.budget.map_or(String::new(), |b| {
            let c = b.currency.unwrap_or(currency);
            match (b.min, b.max) {
                (Some(min), Some(max)) => format!("{} to {}", c.format(min), c.format(max)),
                (None, Some(max)) => format!("under {}", c.format(max)),
                (Some(min), None) => format!("from {}", c.format(min)),
                (None, None) => String::new(),
            }
        }),
        SlotName::Interests => slots.interests.join(", "),
        SlotName::Exclude => slots.exclude.join(", "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialogue::Asking;
    use crate::profile::{Durability, SledStore, StoreOptions};

    fn demo() -> (Assistant, Profiles, tempfile::TempDir) {
        let catalog = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("catalog/demo.jsonl");
        let assistant =
            crate::chat::load(&catalog, None, crate::money::ExchangeRates::default(), None).unwrap().assistant;
        let dir = tempfile::tempdir().unwrap();
        let options = StoreOptions { durability: Durability::Group, ..StoreOptions::default() };
        let store = Arc::new(SledStore::open(dir.path(), options).unwrap());
        let profiles = Profiles { store, window: crate::profile::DEFAULT_BEHAVIOUR_WINDOW, limits: Limits::default() };
        (assistant, profiles, dir)
    }

    #[test]
    fn the_greetings_question_is_noted_in_the_visits_own_write() {
        let (assistant, profiles, _dir) = demo();
        let now = time::macros::datetime!(2026-11-24 10:00 UTC);
        let opened = Conversation::start(&assistant, &profiles, None, None, PageContext::default(), now).unwrap();
        assert_eq!(opened.conversation.session.asking, Some(Asking::Slot(crate::slots::SlotName::Purpose)));
        let stored = profiles.store.load(opened.conversation.shopper).unwrap().unwrap();
        assert_eq!(stored.asked_this_visit(), 1, "the question asked is remembered for later visits");
        assert_eq!(stored.visits().number, 1, "a first visit counts as one");
        let later = now + time::Duration::days(3);
        let again =
            Conversation::start(&assistant, &profiles, Some(stored.id()), None, PageContext::default(), later).unwrap();
        assert!(again.returning);
        assert_eq!(profiles.store.load(stored.id()).unwrap().unwrap().visits().number, 2);
    }

    #[test]
    fn a_returning_shopper_due_to_buy_again_is_offered_it_after_the_greeting_only_with_consent() {
        use crate::orders::OrderLine;
        use crate::profile::{Event, Order, OrderItem};
        let (assistant, profiles, _dir) = demo();
        let now = time::macros::datetime!(2026-01-05 10:00 UTC);
        let day = 86_400;
        // Three customers buy the candle again after 30 days.
        let mut lines = Vec::new();
        for (n, customer) in ["c-1", "c-2", "c-3"].into_iter().enumerate() {
            for (k, at) in [100, 70].into_iter().enumerate() {
                lines.push(OrderLine {
                    order_id: format!("o-{n}-{k}"),
                    customer: Some(customer.into()),
                    product_id: "home-001".into(),
                    title: None,
                    quantity: 1,
                    price: None,
                    at: now.unix_timestamp() - at * day,
                    source: crate::profile::OrderSource::Shop,
                });
            }
        }
        let insights = crate::orders::Insights::build(lines);
        let assistant = assistant.with_orders(Arc::new(std::sync::RwLock::new(insights)));
        let shopper = ShopperId::random();
        let bought = now - time::Duration::days(40);
        let item = OrderItem { product_id: "home-001".into(), quantity: 1, price: None, currency: None };
        let order = Order {
            id: None,
            items: vec![item],
            total: None,
            currency: None,
            estimated_delivery: None,
            at: bought,
            source: crate::profile::OrderSource::Shop,
        };
        let limits = Limits::default();
        let _ = profiles
            .store
            .update(shopper, bought, &mut |p| {
                let _ = p.record(Event::purchase_of(order.clone()), &limits);
            })
            .unwrap();
        let opened =
            Conversation::start(&assistant, &profiles, Some(shopper), None, PageContext::default(), now).unwrap();
        let reply = opened.answer.reply;
        assert!(reply.text.contains("Running low on Glowmoor Fig"), "{}", reply.text);
        assert_eq!(reply.products.first().map(|p| p.id.as_str()), Some("home-001"));
        let _ = profiles.store.update(shopper, now, &mut |p| p.set_personalization(false, now)).unwrap();
        let later = now + time::Duration::hours(1);
        let opened =
            Conversation::start(&assistant, &profiles, Some(shopper), None, PageContext::default(), later).unwrap();
        assert!(!opened.answer.reply.text.contains("Running low"), "no consent, no reminder");
        assert!(opened.answer.reply.products.iter().all(|p| p.id != "home-001"));
    }
}
