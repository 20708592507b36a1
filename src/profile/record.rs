//! The profile itself: one shopper's declared slots (with provenance), consent, customer link,
//! events, orders and visit bookkeeping, with the methods that keep its invariants.
//!
//! Time is always a parameter (`now`, `at`): the model never reads the clock, so the dialogue
//! that uses it stays deterministic.

use std::collections::{BTreeMap, VecDeque};

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::error::InputError;
use super::event::{Event, Order};
use super::id::{CustomerId, ShopperId};
use crate::slots::{SlotName, Slots};

/// Where a declared value came from, as INTERFACE.md spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    Chat,
    Quiz,
    Settings,
    Api,
    /// The shopper's own AI agent, through the MCP tools (`update_shopper_profile`).
    Agent,
}

/// The purpose a value was given for; today there is one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    #[default]
    Personalization,
}

/// One declared slot with its provenance: `{value, source, at, consent}` (INTERFACE.md).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Declared {
    /// The slot's value in its INTERFACE JSON shape (`"gift"`, `6`, `{"max":25,..}`, `["trains"]`).
    pub value: serde_json::Value,
    /// The shopper's own word beside a normalised recipient ("nephew" for "child").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub word: Option<String>,
    pub source: Source,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    #[serde(default)]
    pub consent: Purpose,
}

/// Consent per purpose. Personalization is on unless the shopper turned it off; notices
/// (shipping delays, back in stock, low stock, reorder reminders) are off until given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Consent {
    pub personalization: bool,
    #[serde(default)]
    pub notices: bool,
    /// When the shopper last set it; `None` while it is the default.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub at: Option<OffsetDateTime>,
}

impl Default for Consent {
    fn default() -> Consent {
        Consent { personalization: true, notices: false, at: None }
    }
}

/// The verified link to the shop's own customer id (identity verification or the backend).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerLink {
    pub id: CustomerId,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// When a slot was last asked about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Asked {
    pub visit: u32,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// Progressive-profiling bookkeeping: the current visit and what was asked when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Visits {
    /// 1 for the first visit.
    pub number: u32,
    #[serde(with = "time::serde::rfc3339")]
    pub started_at: OffsetDateTime,
    /// The last time each slot was asked (one entry per slot, so it stays small).
    #[serde(default)]
    pub asked: BTreeMap<SlotName, Asked>,
}

/// How much history one profile keeps; the oldest goes first when a bound is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Events kept (newest by time). Default 500.
    pub max_events: usize,
    /// Orders kept (newest by time). Default 500.
    pub max_orders: usize,
    /// Idempotency ids remembered (most recently recorded). Default 1,000: an event repeated
    /// after 1,000 newer ids for the same shopper is no longer recognised as a repeat.
    pub max_seen_ids: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits { max_events: 500, max_orders: 500, max_seen_ids: 1000 }
    }
}

/// One shopper's profile: what they told us, did and bought, and their consent.
///
/// Serialises (with `serde_json`) to the full export of `GET /v1/profile/export`; the same
/// shape, inside a versioned envelope, is what the store keeps. Fields added in later releases
/// must carry `#[serde(default)]` so values written earlier still read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    pub(crate) id: ShopperId,
    #[serde(with = "time::serde::rfc3339")]
    pub(crate) created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub(crate) last_seen: OffsetDateTime,
    #[serde(default)]
    pub(crate) consent: Consent,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) customer: Option<CustomerLink>,
    #[serde(default)]
    pub(crate) declared: BTreeMap<SlotName, Declared>,
    /// Non-purchase events, oldest first.
    #[serde(default)]
    pub(crate) events: Vec<Event>,
    /// Orders, oldest first.
    #[serde(default)]
    pub(crate) orders: Vec<Order>,
    pub(crate) visits: Visits,
    /// Idempotency ids already recorded, oldest first.
    #[serde(default)]
    pub(crate) seen_event_ids: VecDeque<String>,
    /// Notices sent (each cause's key and when), oldest first: a cause is noticed once, and
    /// the per-shopper frequency cap counts from here.
    #[serde(default, skip_serializing_if = "VecDeque::is_empty")]
    pub(crate) notices_sent: VecDeque<SentNotice>,
}

/// One notice sent: its cause's dedupe key and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SentNotice {
    pub key: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// Sent notices remembered per shopper (the oldest go first).
const MAX_SENT_NOTICES: usize = 200;

impl Profile {
    /// A new, empty profile at its first visit.
    pub fn new(id: ShopperId, now: OffsetDateTime) -> Profile {
        Profile {
            id,
            created_at: now,
            last_seen: now,
            consent: Consent::default(),
            customer: None,
            declared: BTreeMap::new(),
            events: Vec::new(),
            orders: Vec::new(),
            visits: Visits { number: 1, started_at: now, asked: BTreeMap::new() },
            seen_event_ids: VecDeque::new(),
            notices_sent: VecDeque::new(),
        }
    }

    pub fn id(&self) -> ShopperId {
        self.id
    }

    pub fn created_at(&self) -> OffsetDateTime {
        self.created_at
    }

    pub fn last_seen(&self) -> OffsetDateTime {
        self.last_seen
    }

    pub fn consent(&self) -> Consent {
        self.consent
    }

    pub fn customer(&self) -> Option<&CustomerLink> {
        self.customer.as_ref()
    }

    /// Declared slots with provenance, whatever the consent (for showing and exporting).
    pub fn declared(&self) -> &BTreeMap<SlotName, Declared> {
        &self.declared
    }

    /// Stored non-purchase events, oldest first, whatever their age and the consent.
    pub fn events(&self) -> &[Event] {
        &self.events
    }

    /// Stored orders, oldest first.
    pub fn orders(&self) -> &[Order] {
        &self.orders
    }

    pub fn visits(&self) -> &Visits {
        &self.visits
    }

    /// Marks the shopper active at `now` (retention counts idleness from here).
    pub fn touch(&mut self, now: OffsetDateTime) {
        self.last_seen = self.last_seen.max(now);
    }

    /// The declared values as slots for the dialogue; empty when personalization is off.
    ///
    /// A stored value that no longer fits its slot's shape is skipped with a warning rather
    /// than failing the whole profile.
    pub fn slots(&self) -> Slots {
        let mut slots = Slots::default();
        if !self.consent.personalization {
            return slots;
        }
        for (slot, declared) in &self.declared {
            match one_slot(*slot, declared) {
                Ok(value) => slots.merge(&value),
                Err(reason) => tracing::warn!(shopper = %self.id, %slot, %reason, "skipping a stored slot"),
            }
        }
        slots
    }

    /// Records what `from` says about `slot`, with provenance. Scalars replace what was known;
    /// list items (`interests`, `exclude`) are added to the stored list without duplicates, so
    /// an earlier answer is never lost. Returns false (and changes nothing) when `from` holds
    /// no value for the slot. Declared values are kept whatever the consent (the shopper can
    /// see and erase them), but they are not used while personalization is off.
    pub fn declare(&mut self, slot: SlotName, from: &Slots, source: Source, at: OffsetDateTime) -> bool {
        if !from.has(slot) {
            return false;
        }
        let mut merged = match self.declared.get(&slot).map(|d| one_slot(slot, d)) {
            Some(Ok(known)) => known,
            _ => Slots::default(),
        };
        merged.merge(from);
        self.put(slot, &merged, source, at);
        true
    }

    /// Replaces a slot's value with `value` in its INTERFACE JSON shape, as `PATCH /v1/profile`
    /// does; `null` (or an empty list) forgets the slot. Returns whether the slot now holds a
    /// value. A value of the wrong shape, or one the chat could not have understood (see
    /// [`Slots::check`]), is refused with the reason.
    pub fn edit(
        &mut self,
        slot: SlotName,
        value: &serde_json::Value,
        source: Source,
        at: OffsetDateTime,
    ) -> Result<bool, InputError> {
        let mut object = serde_json::Map::new();
        object.insert(slot.as_str().to_string(), value.clone());
        let parsed: Slots = serde_json::from_value(serde_json::Value::Object(object))
            .map_err(|e| InputError::SlotValue { slot, reason: e.to_string() })?;
        // Held to what the chat itself would accept, so an edit cannot store what no answer could.
        parsed.check().map_err(|reason| InputError::SlotValue { slot, reason })?;
        if !parsed.has(slot) {
            self.forget(slot);
            return Ok(false);
        }
        self.put(slot, &parsed, source, at);
        Ok(true)
    }

    /// Removes a declared slot; returns whether it was there.
    pub fn forget(&mut self, slot: SlotName) -> bool {
        self.declared.remove(&slot).is_some()
    }

    fn put(&mut self, slot: SlotName, from: &Slots, source: Source, at: OffsetDateTime) {
        // The slot's own field, as `Slots` serialises it (its INTERFACE JSON shape).
        let value = match slot {
            SlotName::Purpose => serde_json::to_value(from.purpose),
            SlotName::Recipient => serde_json::to_value(&from.recipient),
            SlotName::Age => serde_json::to_value(from.age),
            SlotName::Occasion => serde_json::to_value(&from.occasion),
            SlotName::Budget => serde_json::to_value(from.budget),
            SlotName::Interests => serde_json::to_value(&from.interests),
            SlotName::Exclude => serde_json::to_value(&from.exclude),
        };
        // Slot values always serialise; nothing sensible to store otherwise.
        let Ok(value) = value else { return };
        let word = if slot == SlotName::Recipient { from.recipient_word.clone() } else { None };
        self.declared.insert(slot, Declared { value, word, source, at, consent: Purpose::Personalization });
    }

    /// Turns personalization on or off. Turning it off also deletes the stored behavioural
    /// events (they were kept under the consent now withdrawn); declared slots and orders stay
    /// (the shopper sees them and can erase them) but are not used while it is off.
    pub fn set_personalization(&mut self, on: bool, now: OffsetDateTime) {
        self.consent = Consent { personalization: on, at: Some(now), ..self.consent };
        if !on {
            self.events.retain(|e| !e.kind.is_behavioural());
        }
    }

    /// Gives or withdraws consent to proactive notices.
    pub fn set_notices(&mut self, on: bool, now: OffsetDateTime) {
        self.consent = Consent { notices: on, at: Some(now), ..self.consent };
    }

    /// Notices sent, oldest first.
    pub fn notices_sent(&self) -> &VecDeque<SentNotice> {
        &self.notices_sent
    }

    /// Notes a notice sent for the cause `key` at `at` (bounded: the oldest go first).
    pub fn note_notice(&mut self, key: &str, at: OffsetDateTime) {
        self.notices_sent.push_back(SentNotice { key: key.to_string(), at });
        while self.notices_sent.len() > MAX_SENT_NOTICES {
            self.notices_sent.pop_front();
        }
    }

    /// Links the shopper to the shop's verified customer id (replacing an earlier link; the
    /// store refuses the write if another shopper holds this customer id).
    pub fn link_customer(&mut self, customer: &CustomerId, now: OffsetDateTime) {
        if self.customer.as_ref().is_none_or(|c| c.id != *customer) {
            self.customer = Some(CustomerLink { id: customer.clone(), at: now });
        }
    }

    /// Starts a new visit (a `hello` with a known token, or a new session after the timeout).
    pub fn start_visit(&mut self, now: OffsetDateTime) {
        self.visits.number = self.visits.number.saturating_add(1);
        self.visits.started_at = now;
        self.touch(now);
    }

    /// Notes that the dialogue asked about `slot` at `now`, in the current visit.
    pub fn note_asked(&mut self, slot: SlotName, now: OffsetDateTime) {
        self.visits.asked.insert(slot, Asked { visit: self.visits.number, at: now });
    }

    /// How many distinct slots were asked about during the current visit.
    pub fn asked_this_visit(&self) -> usize {
        self.visits.asked.values().filter(|a| a.visit == self.visits.number).count()
    }

    /// When `slot` was last asked about, if ever.
    pub fn last_asked(&self, slot: SlotName) -> Option<Asked> {
        self.visits.asked.get(&slot).copied()
    }

    /// Everything stored, as the JSON of `GET /v1/profile/export`.
    pub fn export(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }
}

/// One declared slot as `Slots` (only that slot set), or why its stored value does not fit.
///
/// Reads the value as the slot's own field of `Slots` would (the same types, so the same
/// values fit), without building a JSON object around it: this runs for every declared slot
/// on every turn.
fn one_slot(slot: SlotName, declared: &Declared) -> Result<Slots, String> {
    let value = &declared.value;
    let mut slots = Slots { recipient_word: declared.word.clone(), ..Slots::default() };
    let read = match slot {
        SlotName::Purpose => Deserialize::deserialize(value).map(|v| slots.purpose = v),
        SlotName::Recipient => Deserialize::deserialize(value).map(|v| slots.recipient = v),
        SlotName::Age => Deserialize::deserialize(value).map(|v| slots.age = v),
        SlotName::Occasion => Deserialize::deserialize(value).map(|v| slots.occasion = v),
        SlotName::Budget => Deserialize::deserialize(value).map(|v| slots.budget = v),
        SlotName::Interests => Deserialize::deserialize(value).map(|v| slots.interests = v),
        SlotName::Exclude => Deserialize::deserialize(value).map(|v| slots.exclude = v),
    };
    read.map(|()| slots).map_err(|e| e.to_string())
}
