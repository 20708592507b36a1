//! A conversation's state: what it knows, what it asked, what it showed.
//!
//! A `Session` is plain data (serialisable, so a reconnect within the idle timeout resumes it
//! exactly). The dialogue ([`super::open`], [`super::step`]) changes what it knows and asks;
//! the assistant (`chat::assistant`) records in it what a reply showed (`shown`, `seen`).

use serde::{Deserialize, Serialize};

use crate::catalog::Signal;
use crate::money::Amount;
use crate::slots::{Budget, SlotName, Slots};

/// What the last reply asked the shopper, so a bare answer ("30", "yes") can be read in its light.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "slot")]
pub enum Asking {
    Slot(SlotName),
    /// "Did you mean £30?" after a budget in another currency.
    Currency,
    /// "Shall I erase everything?" before forgetting all the shopper told us.
    Confirm,
}

impl Asking {
    /// The slot asked about, when the question is about a slot.
    pub fn slot(self) -> Option<SlotName> {
        match self {
            Asking::Slot(slot) => Some(slot),
            Asking::Currency | Asking::Confirm => None,
        }
    }

    /// The name INTERFACE.md gives it in a reply's `asking`.
    pub fn name(self) -> &'static str {
        match self {
            Asking::Slot(slot) => slot.as_str(),
            Asking::Currency => "currency",
            Asking::Confirm => "confirm",
        }
    }
}

/// A product shown in the last recommendation, with the reasons it was shown for, so "why the
/// second one?" explains exactly what was said and "more like it" knows what "it" was.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Shown {
    pub id: String,
    pub title: String,
    pub price: Amount,
    pub signals: Vec<Signal>,
    /// The why lines shown with it, one per signal.
    pub why: Vec<String>,
}

/// How the next recommendation narrows prices beyond the stated budget ("cheaper",
/// "something nicer"); cleared by any new budget.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct PriceRefinement {
    /// Exclusive upper bound in the catalog's currency.
    pub below: Option<Amount>,
    /// Exclusive lower bound in the catalog's currency.
    pub above: Option<Amount>,
}

/// One conversation. See the module doc.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Session {
    /// What the conversation knows: the stored profile's declared slots, overlaid with what
    /// was said in this conversation.
    pub slots: Slots,
    /// Words of the current product request ("wooden", "train").
    pub keywords: Vec<String>,
    pub asking: Option<Asking>,
    /// Slots asked in this conversation: never asked twice.
    pub asked: Vec<SlotName>,
    /// Slots the shopper chose not to answer ("skip", "don't know").
    pub skipped: Vec<SlotName>,
    /// The last products shown, in order.
    pub shown: Vec<Shown>,
    /// Every product shown in this conversation ("something else" excludes them).
    pub seen: Vec<String>,
    pub refinement: PriceRefinement,
    /// The product "more like" was asked about, until a new request replaces it.
    pub like: Option<String>,
    /// The shown product "what goes with the second one?" pointed at, for that reply.
    #[serde(default)]
    pub goes_with: Option<String>,
    /// A budget in a foreign currency waiting for the shopper to confirm the shop's.
    pub pending_budget: Option<Budget>,
    /// A shopper seen in an earlier visit: progressive profiling limits questions.
    pub returning: bool,
    /// After "start over", stored facts are not brought back into this conversation.
    pub ignore_profile: bool,
    /// Messages handled so far.
    pub turns: u32,
}

impl Session {
    /// A new conversation for a shopper whose stored profile declares `known`.
    pub fn new(known: &Slots, returning: bool) -> Session {
        Session { slots: known.clone(), returning, ..Session::default() }
    }

    /// Whether the conversation has something to search for: product words or interests.
    pub fn has_request(&self) -> bool {
        !self.keywords.is_empty() || !self.slots.interests.is_empty() || self.like.is_some()
    }

    /// Whether `kind` asks for products cheaper than ones this conversation showed (an empty
    /// result then means those were already the least expensive).
    pub fn cheaper_than_shown(&self, kind: super::RecommendKind) -> bool {
        kind == super::RecommendKind::Cheaper && !self.shown.is_empty()
    }

    /// The 1-based `n`th product of the last recommendation; `usize::MAX` means the last one.
    pub fn shown_at(&self, n: usize) -> Option<&Shown> {
        if n == usize::MAX { self.shown.last() } else { n.checked_sub(1).and_then(|i| self.shown.get(i)) }
    }

    /// Forgets the conversation's request, keeping nothing but whether the shopper returns.
    pub fn reset(&mut self) {
        *self = Session { returning: self.returning, ignore_profile: true, turns: self.turns, ..Session::default() };
    }
}
