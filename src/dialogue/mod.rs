//! The dialogue: a pure state machine deciding, for each shopper message, what to do next.
//!
//! [`step`] reads the session, what the message was understood to say and the merchant's
//! policy, updates the session and returns a [`Decision`]: ask one thing, recommend, explain a
//! product, show or forget what we know, start over, or hand over to a person. It does no I/O
//! and reads no clock, so the same inputs always give the same decision (DESIGN.md property 1);
//! the caller stores what the decision declares, ranks, and renders the reply.
//!
//! The question policy: one question at a time, in the merchant's order (`policy.toml`),
//! skipping what is known (from this chat or the stored profile), what the shopper skipped,
//! what does not apply, and anything already asked in this conversation. It recommends as soon
//! as there is a product request and a budget, or nothing is left to ask, or the question
//! limit is reached. A returning shopper whose basics are known is asked at most
//! `max_questions_returning` new questions a visit (progressive profiling).

mod questions;
mod session;
mod turn;

#[cfg(test)]
mod tests;

pub use session::{Asking, PriceRefinement, Session, Shown};
pub use turn::step;

use serde::Serialize;

use crate::money::{Currency, ExchangeRates};
use crate::prompts::Policy;
use crate::slots::{Budget, SlotName};

/// What to do in reply to one message.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Decision {
    /// Short texts said before the main action, in order.
    pub preface: Vec<Preface>,
    pub action: Action,
    /// The question the reply ends with, if any.
    pub ask: Option<Asking>,
    /// Slots this message declared, to be stored in the profile with their provenance before
    /// the reply is sent.
    pub declared: Vec<SlotName>,
    /// Stored facts to remove before replying.
    pub forget: Option<Forget>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Preface {
    Greeting {
        returning: bool,
    },
    /// The message told us these slots (the reply says back what it understood).
    Acknowledge {
        changed: Vec<SlotName>,
    },
    StartedOver,
    Forgot {
        slot: SlotName,
    },
    ForgotAll,
    /// The shopper did not confirm erasing everything: nothing was erased.
    KeptEverything,
    Thanks,
    NotUnderstood,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Action {
    /// Nothing beyond the preface and the question.
    #[default]
    Nothing,
    Recommend {
        why: RecommendKind,
    },
    /// Explain a product shown earlier (`None`: nothing was shown yet).
    Explain {
        product: Option<Shown>,
    },
    ShowProfile,
    Handover,
    Privacy,
}

/// Why products are being recommended, which decides how the reply introduces them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RecommendKind {
    Fresh,
    Cheaper,
    Pricier,
    Other,
    Like,
    /// A returning shopper, from what they told us before.
    Welcome,
    /// A new shopper, from the page they came from or are on.
    Context,
    /// What goes with the product in view ("what goes with this?"): complements.
    GoesWith,
}

impl RecommendKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RecommendKind::Fresh => "fresh",
            RecommendKind::Cheaper => "cheaper",
            RecommendKind::Pricier => "pricier",
            RecommendKind::Other => "other",
            RecommendKind::Like => "like",
            RecommendKind::Welcome => "welcome",
            RecommendKind::Context => "context",
            RecommendKind::GoesWith => "goes_with",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "slot")]
pub enum Forget {
    Slot(SlotName),
    Everything,
}

/// What the dialogue needs to know about the shop.
#[derive(Debug, Clone, Copy)]
pub struct Shop<'a> {
    pub policy: &'a Policy,
    pub currency: Currency,
    /// Exchange rates into the shop's currency (a budget in a currency without one needs the
    /// shopper to confirm the shop's).
    pub rates: &'a ExchangeRates,
}

/// The opening of a conversation, right after `hello`.
///
/// A returning shopper whose request we remember is welcomed back with recommendations from
/// it; a new shopper is greeted and, when the page they came from or are on gives a topic
/// (`has_context`), shown things about it; then the first question.
pub fn open(session: &mut Session, shop: &Shop<'_>, has_context: bool) -> Decision {
    let remembers = session.has_request() || session.slots.recipient.is_some() || session.slots.budget.is_some();
    let mut decision =
        Decision { preface: vec![Preface::Greeting { returning: session.returning }], ..Decision::default() };
    if session.returning && remembers {
        decision.action = Action::Recommend { why: RecommendKind::Welcome };
        return decision;
    }
    if has_context {
        decision.action = Action::Recommend { why: RecommendKind::Context };
    }
    decision.ask = questions::next(session, shop.policy).map(|slot| {
        session.asked.push(slot);
        Asking::Slot(slot)
    });
    session.asking = decision.ask;
    decision
}

/// Whether a budget needs the shopper to confirm the shop's currency before it can be used.
pub(crate) fn needs_currency_confirmation(budget: &Budget, shop: &Shop<'_>) -> bool {
    budget.currency.is_some_and(|c| !shop.rates.can_convert(c, shop.currency))
}
