//! The assistant's own funnel (conversations, questions asked and answered, products shown and
//! clicked, handovers) and the demand it could not serve (requests that found no product,
//! grouped by what was asked for, with their budgets), tallied by the chat transport as frames
//! pass. Kept in memory: it describes this server since it started, which the dashboard says.

use std::collections::BTreeMap;
use std::sync::Mutex;

use serde::Serialize;

use crate::slots::Slots;

/// At most this many groups of unserved demand are kept (the first seen stay).
const MAX_GROUPS: usize = 500;
/// At most this many budgets are kept per group.
const MAX_BUDGETS: usize = 200;

/// The running tally; cheap to update (one short lock).
#[derive(Debug, Default)]
pub struct Funnel {
    tally: Mutex<Tally>,
}

/// The funnel's counts as of now.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Tally {
    /// Visits opened (a `hello` answered).
    pub conversations: u64,
    /// Visits in which the shopper said something.
    pub engaged: u64,
    pub messages: u64,
    pub questions_asked: u64,
    /// Messages that answered the question just asked.
    pub questions_answered: u64,
    /// Replies that showed products, and the products they showed.
    pub recommendations: u64,
    pub products_shown: u64,
    pub products_clicked: u64,
    pub handovers: u64,
    /// Requests that found no product, by what was asked for.
    pub unserved: BTreeMap<String, Demand>,
}

/// One group of requests that found no product.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Demand {
    pub requests: u64,
    /// The budgets' upper ends (in the shop's currency, as stated), when a budget was given.
    pub budgets: Vec<f64>,
}

/// What one reply, after a message, tells the funnel.
pub struct Replied<'a> {
    pub asking: bool,
    pub products: usize,
    pub slots: &'a Slots,
}

impl Funnel {
    fn with(&self, change: impl FnOnce(&mut Tally)) {
        change(&mut self.tally.lock().unwrap_or_else(|e| e.into_inner()));
    }

    pub fn tally(&self) -> Tally {
        self.tally.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub fn conversation(&self) {
        self.with(|t| t.conversations += 1);
    }

    /// A message; `first`: the visit's first; `answers`: it follows a question.
    pub fn message(&self, first: bool, answers: bool) {
        self.with(|t| {
            t.messages += 1;
            t.engaged += u64::from(first);
            t.questions_answered += u64::from(answers);
        });
    }

    /// A reply. `to_message`: it answers a message (not a greeting), so one that shows nothing
    /// and asks nothing, for a request that named what it wanted, is unserved demand.
    pub fn reply(&self, replied: &Replied<'_>, to_message: bool) {
        let unserved = (to_message && replied.products == 0 && !replied.asking).then(|| group(replied.slots)).flatten();
        let budget = replied.slots.budget.and_then(|b| b.max).map(|m| m.to_f64());
        self.with(|t| {
            t.questions_asked += u64::from(replied.asking);
            t.recommendations += u64::from(replied.products > 0);
            t.products_shown += replied.products as u64;
            if let Some(group) = unserved
                && (t.unserved.len() < MAX_GROUPS || t.unserved.contains_key(&group))
            {
                let demand = t.unserved.entry(group).or_default();
                demand.requests += 1;
                if let Some(max) = budget
                    && demand.budgets.len() < MAX_BUDGETS
                {
                    demand.budgets.push(max);
                }
            }
        });
    }

    pub fn clicked(&self) {
        self.with(|t| t.products_clicked += 1);
    }

    pub fn handover(&self) {
        self.with(|t| t.handovers += 1);
    }
}

/// What a request asked for, as the group it counts in: its interests, else its recipient and
/// occasion; `None` when it named nothing to look for.
fn group(slots: &Slots) -> Option<String> {
    if !slots.interests.is_empty() {
        let mut interests: Vec<String> = slots.interests.iter().map(|i| i.to_lowercase()).collect();
        interests.sort();
        return Some(interests.join(", "));
    }
    let parts: Vec<&str> = [slots.recipient.as_deref(), slots.occasion.as_deref()].into_iter().flatten().collect();
    (!parts.is_empty()).then(|| parts.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reply_that_shows_nothing_for_a_named_want_is_unserved_demand() {
        let funnel = Funnel::default();
        let slots = Slots { interests: vec!["Dinosaurs".into(), "lego".into()], ..Slots::default() };
        funnel.reply(&Replied { asking: false, products: 0, slots: &slots }, true);
        funnel.reply(&Replied { asking: false, products: 0, slots: &slots }, false);
        funnel.reply(&Replied { asking: true, products: 0, slots: &slots }, true);
        funnel.reply(&Replied { asking: false, products: 3, slots: &slots }, true);
        let tally = funnel.tally();
        assert_eq!(tally.unserved.get("dinosaurs, lego").map(|d| d.requests), Some(1));
        assert_eq!((tally.questions_asked, tally.recommendations, tally.products_shown), (1, 1, 3));
        let nothing = Slots::default();
        funnel.reply(&Replied { asking: false, products: 0, slots: &nothing }, true);
        assert_eq!(funnel.tally().unserved.len(), 1, "a request naming nothing is not demand");
    }
}
