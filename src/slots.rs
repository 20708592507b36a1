//! The slots: the typed things the assistant wants to know about a shopper's request.
//!
//! Their JSON shape is the contract in INTERFACE.md (`concierge understand --json`, the `slots`
//! of every chat reply, replay assertions), so serde attributes here are part of the interface.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::money::{Amount, Currency};

/// Buying for someone else, or for themselves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    Gift,
    #[serde(rename = "self")]
    Myself,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Gift => "gift",
            Purpose::Myself => "self",
        }
    }
}

/// A price range for one item, inclusive at both ends. `currency: None` means the store's.
/// `stated` keeps the shopper's own words ("around $40") to say back, when they said more
/// than a bare amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Budget {
    pub min: Option<Amount>,
    pub max: Option<Amount>,
    pub currency: Option<Currency>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stated: Option<Stated>,
}

/// A budget in the shopper's words, at most [`Stated::CAPACITY`] bytes of text without
/// control characters, single-spaced. Kept inline so a [`Budget`] stays `Copy`: turns copy
/// budgets freely, and this costs no allocation.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Stated {
    len: u8,
    bytes: [u8; Stated::CAPACITY],
}

impl Stated {
    pub const CAPACITY: usize = 40;

    /// The words, trimmed and single-spaced; `None` when empty, longer than
    /// [`Stated::CAPACITY`] bytes or holding a control character.
    pub fn new(text: &str) -> Option<Stated> {
        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        if text.is_empty() || text.len() > Stated::CAPACITY || text.chars().any(char::is_control) {
            return None;
        }
        let mut bytes = [0; Stated::CAPACITY];
        bytes[..text.len()].copy_from_slice(text.as_bytes());
        Some(Stated { len: text.len() as u8, bytes })
    }

    pub fn as_str(&self) -> &str {
        // Built from a `&str` cut at its own end, so always valid UTF-8.
        std::str::from_utf8(&self.bytes[..usize::from(self.len)]).unwrap_or_default()
    }
}

impl fmt::Debug for Stated {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Stated {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Stated {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Stated {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Stated, D::Error> {
        let text = String::deserialize(deserializer)?;
        Stated::new(&text).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "a stated budget is 1 to {} bytes of text without control characters",
                Stated::CAPACITY
            ))
        })
    }
}

impl Budget {
    /// Whether `price` (already in the budget's currency) lies within the range, ends included.
    pub fn admits(&self, price: Amount) -> bool {
        self.min.is_none_or(|min| price >= min) && self.max.is_none_or(|max| price <= max)
    }

    /// A budget with neither end says nothing.
    pub fn is_open(&self) -> bool {
        self.min.is_none() && self.max.is_none()
    }
}

/// One of the slot names, as used in `asking`, in the question order and in profile edits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SlotName {
    Purpose,
    Recipient,
    Age,
    Occasion,
    Budget,
    Interests,
    Exclude,
}

impl SlotName {
    pub const ALL: [SlotName; 7] = [
        SlotName::Purpose,
        SlotName::Recipient,
        SlotName::Age,
        SlotName::Occasion,
        SlotName::Budget,
        SlotName::Interests,
        SlotName::Exclude,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SlotName::Purpose => "purpose",
            SlotName::Recipient => "recipient",
            SlotName::Age => "age",
            SlotName::Occasion => "occasion",
            SlotName::Budget => "budget",
            SlotName::Interests => "interests",
            SlotName::Exclude => "exclude",
        }
    }

    pub fn parse(name: &str) -> Option<SlotName> {
        SlotName::ALL.into_iter().find(|s| s.as_str() == name)
    }
}

impl fmt::Display for SlotName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What is known about a request: every slot, each possibly unknown.
///
/// Serialises exactly as INTERFACE.md's `understand --json` shape: every key present, unknown
/// values as `null`, lists as (possibly empty) arrays. `recipient_word` keeps the shopper's own
/// word ("nephew") beside the normalised recipient ("child") and is omitted when absent.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Slots {
    pub purpose: Option<Purpose>,
    pub recipient: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recipient_word: Option<String>,
    pub age: Option<u32>,
    pub occasion: Option<String>,
    pub budget: Option<Budget>,
    pub interests: Vec<String>,
    pub exclude: Vec<String>,
}

impl Slots {
    /// Whether the slot holds a value (a non-empty list for `interests` and `exclude`).
    pub fn has(&self, slot: SlotName) -> bool {
        match slot {
            SlotName::Purpose => self.purpose.is_some(),
            SlotName::Recipient => self.recipient.is_some(),
            SlotName::Age => self.age.is_some(),
            SlotName::Occasion => self.occasion.is_some(),
            SlotName::Budget => self.budget.is_some(),
            SlotName::Interests => !self.interests.is_empty(),
            SlotName::Exclude => !self.exclude.is_empty(),
        }
    }

    /// Overlays `newer` on `self`: scalar slots `newer` knows replace ours; list items are
    /// added without duplicates (case-insensitively), so what was said earlier is kept.
    pub fn merge(&mut self, newer: &Slots) {
        if newer.purpose.is_some() {
            self.purpose = newer.purpose;
        }
        if newer.recipient.is_some() {
            self.recipient.clone_from(&newer.recipient);
            self.recipient_word.clone_from(&newer.recipient_word);
        }
        if newer.age.is_some() {
            self.age = newer.age;
        }
        if newer.occasion.is_some() {
            self.occasion.clone_from(&newer.occasion);
        }
        if newer.budget.is_some() {
            self.budget = newer.budget;
        }
        push_unique(&mut self.interests, &newer.interests);
        push_unique(&mut self.exclude, &newer.exclude);
    }
}

/// Most items a list slot (`interests`, `exclude`) keeps; the oldest go first beyond it. Each
/// item costs the ranker a filter or a boost per product, so the list is bounded: a shopper
/// listing thousands of exclusions would otherwise make every turn slow for everyone.
pub const MAX_LIST_ITEMS: usize = 20;

/// Longest list item kept, in bytes; a longer one is not a thing a shopper likes or avoids.
pub const MAX_ITEM_BYTES: usize = 80;

/// The oldest age a slot holds, as the chat understands ages.
pub const MAX_AGE: u32 = 120;

/// Longest free-text scalar (recipient, occasion), in bytes.
const MAX_WORD_BYTES: usize = 80;

fn push_unique(into: &mut Vec<String>, items: &[String]) {
    for item in items {
        if item.len() > MAX_ITEM_BYTES || item.trim().is_empty() || item.chars().any(char::is_control) {
            continue;
        }
        if !into.iter().any(|have| have.eq_ignore_ascii_case(item)) {
            into.push(item.clone());
        }
    }
    if into.len() > MAX_LIST_ITEMS {
        let excess = into.len() - MAX_LIST_ITEMS;
        into.drain(..excess);
    }
}

impl Slots {
    /// Whether every value is one the chat itself could have understood: an age up to
    /// [`MAX_AGE`], a budget whose `min` is not above its `max` (an amount is never
    /// negative), short texts without control characters, and lists within [`MAX_LIST_ITEMS`] items
    /// of at most [`MAX_ITEM_BYTES`] bytes. `Err` says what is wrong, for whoever sent it.
    pub fn check(&self) -> Result<(), String> {
        if let Some(age) = self.age
            && age > MAX_AGE
        {
            return Err(format!("an age is at most {MAX_AGE}"));
        }
        if let Some(Budget { min: Some(min), max: Some(max), .. }) = self.budget
            && min > max
        {
            return Err("a budget's min cannot be above its max".into());
        }
        for (what, text) in
            [("recipient", &self.recipient), ("recipient_word", &self.recipient_word), ("occasion", &self.occasion)]
        {
            if let Some(text) = text {
                check_text(what, text, MAX_WORD_BYTES)?;
            }
        }
        for (what, list) in [("interests", &self.interests), ("exclude", &self.exclude)] {
            if list.len() > MAX_LIST_ITEMS {
                return Err(format!("`{what}` holds at most {MAX_LIST_ITEMS} items"));
            }
            for item in list {
                check_text(what, item, MAX_ITEM_BYTES)?;
            }
        }
        Ok(())
    }
}

fn check_text(what: &str, text: &str, max: usize) -> Result<(), String> {
    if text.trim().is_empty() {
        return Err(format!("`{what}` cannot be empty"));
    }
    if text.len() > max {
        return Err(format!("`{what}` is longer than {max} bytes"));
    }
    if text.chars().any(char::is_control) {
        return Err(format!("`{what}` cannot contain control characters"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_slots_print_every_key_as_the_interface_shows() {
        let json = serde_json::to_value(Slots::default()).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"purpose":null,"recipient":null,"age":null,"occasion":null,
                "budget":null,"interests":[],"exclude":[]})
        );
    }

    #[test]
    fn purpose_self_is_spelled_self() {
        assert_eq!(serde_json::to_string(&Purpose::Myself).unwrap(), "\"self\"");
        let p: Purpose = serde_json::from_str("\"gift\"").unwrap();
        assert_eq!(p, Purpose::Gift);
    }

    #[test]
    fn budget_limits_are_inclusive() {
        let b = Budget { min: Some(Amount::units(10)), max: Some(Amount::units(25)), ..Budget::default() };
        assert!(b.admits(Amount::units(25)));
        assert!(b.admits(Amount::units(10)));
        assert!(!b.admits("25.01".parse().unwrap()));
        assert!(!b.admits("9.99".parse().unwrap()));
    }

    #[test]
    fn a_stated_budget_keeps_the_shoppers_words_within_its_bounds() {
        let around = Stated::new("  around   $40 ").unwrap();
        assert_eq!(around.as_str(), "around $40");
        let budget = Budget { max: Some(Amount::units(46)), stated: Some(around), ..Budget::default() };
        let json = serde_json::to_value(budget).unwrap();
        assert_eq!(json, serde_json::json!({"min":null,"max":46,"currency":null,"stated":"around $40"}));
        assert_eq!(serde_json::from_value::<Budget>(json).unwrap(), budget);
        assert!(Stated::new(&"x".repeat(Stated::CAPACITY + 1)).is_none());
        assert!(Stated::new("under\u{0}20").is_none());
        assert!(Stated::new("   ").is_none());
        let unstated = serde_json::to_value(Budget::default()).unwrap();
        assert!(unstated.get("stated").is_none(), "no words, no key: {unstated}");
    }

    #[test]
    fn merging_keeps_earlier_list_items_and_replaces_scalars() {
        let mut known = Slots { age: Some(6), interests: vec!["trains".into()], ..Slots::default() };
        let newer = Slots { age: Some(7), interests: vec!["Trains".into(), "dinosaurs".into()], ..Slots::default() };
        known.merge(&newer);
        assert_eq!(known.age, Some(7));
        assert_eq!(known.interests, vec!["trains", "dinosaurs"]);
    }

    #[test]
    fn a_list_slot_keeps_only_its_newest_items_and_skips_oversized_ones() {
        let mut known = Slots::default();
        let many: Vec<String> = (0..5000).map(|n| format!("thing {n}")).collect();
        known.merge(&Slots { exclude: many, ..Slots::default() });
        assert_eq!(known.exclude.len(), MAX_LIST_ITEMS);
        assert_eq!(known.exclude.last().unwrap(), "thing 4999");
        known.merge(&Slots { interests: vec!["x".repeat(MAX_ITEM_BYTES + 1), "a\u{7}b".into()], ..Slots::default() });
        assert!(known.interests.is_empty());
    }

    #[test]
    fn values_the_chat_could_not_have_understood_are_refused() {
        let ok = Slots { age: Some(7), interests: vec!["trains".into()], ..Slots::default() };
        assert!(ok.check().is_ok());
        assert!(Slots { age: Some(u32::MAX), ..Slots::default() }.check().is_err());
        let inverted = Budget { min: Some(Amount::units(50)), max: Some(Amount::units(10)), ..Budget::default() };
        assert!(Slots { budget: Some(inverted), ..Slots::default() }.check().is_err());
        assert!(Slots { recipient: Some("mo\u{0}ther".into()), ..Slots::default() }.check().is_err());
        let long: Vec<String> = (0..=MAX_LIST_ITEMS).map(|n| n.to_string()).collect();
        assert!(Slots { exclude: long, ..Slots::default() }.check().is_err());
    }
}
