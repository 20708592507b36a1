//! Transparent offers (`prompts/offers.toml`): a merchant's rules, each a condition on facts
//! the shopper can see in their own profile (first order, returning customer, number of
//! orders, spend in the last 365 days, a declared occasion) and a benefit (free shipping, a
//! welcome code, a loyalty percentage, gift wrapping).
//!
//! What an offer never does is change a price: a card's price is the catalog's whoever asks,
//! and the offer is stated beside it with its rule in plain words, written from the condition
//! itself ("because this is your first order"), so the reason shown is always the reason.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

use crate::money::Currency;
use crate::problem::Problem;
use crate::profile::{OrderSource, Profile};
use crate::slots::Slots;

/// The built-in set: none (a shop without `offers.toml` offers nothing).
pub const BUILTIN: &str = "";

/// An offer as the shopper sees it: `{"id","text","rule","code"?}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Offer {
    pub id: String,
    pub text: String,
    /// Why it applies, in plain words.
    pub rule: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

/// The conditions of one rule; every one given must hold.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct When {
    #[serde(default)]
    pub first_order: Option<bool>,
    #[serde(default)]
    pub min_orders: Option<u32>,
    #[serde(default)]
    pub min_spend_365: Option<Decimal>,
    #[serde(default)]
    pub occasion: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BenefitKind {
    FreeShipping,
    WelcomeCode,
    Loyalty,
    GiftWrapping,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Benefit {
    pub kind: BenefitKind,
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub percent: Option<Decimal>,
}

/// One merchant rule.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub id: String,
    pub when: When,
    pub benefit: Benefit,
    pub text: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    offer: Vec<Rule>,
}

/// The facts a rule may look at: all of them visible to the shopper in their profile. Orders
/// are those the shop recorded (its backend key, an import): a purchase a shopper posts with
/// their own token is kept and shown, but it would let anyone grant themselves a loyalty
/// benefit or lose a first-order one at will, so no rule counts it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Facts {
    /// Orders the shop recorded.
    pub orders: usize,
    /// Totals of the orders the shop recorded, in the shop's currency, over the last 365 days.
    pub spend_365: Decimal,
    pub occasion: Option<String>,
}

impl Facts {
    /// The facts of `profile` at `now` (the orders the shop recorded, whatever the consent:
    /// they are the shop's records, shown to the shopper), with the occasion the conversation
    /// knows.
    pub fn of(profile: Option<&Profile>, slots: &Slots, currency: Currency, now: OffsetDateTime) -> Facts {
        let all = profile.map_or(&[][..], |p| p.orders());
        let orders: Vec<&crate::profile::Order> = all.iter().filter(|o| o.source == OrderSource::Shop).collect();
        let since = now - Duration::days(365);
        let spend_365 = orders
            .iter()
            .filter(|o| o.at > since && o.currency.is_none_or(|c| c == currency))
            .filter_map(|o| o.total)
            .map(|t| t.decimal())
            .fold(Decimal::ZERO, |sum, t| sum.checked_add(t).unwrap_or(sum));
        Facts { orders: orders.len(), spend_365, occasion: slots.occasion.clone() }
    }
}

/// The merchant's offers.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Offers {
    rules: Vec<Rule>,
}

impl Offers {
    /// Reads `offers.toml`: a syntax error, an unknown key, a rule with no condition, a welcome
    /// code without its `code`, a loyalty benefit without a `percent` between 0 and 100, or a
    /// repeated id is a problem at its line.
    pub fn parse(file: &str, text: &str) -> Result<Offers, Vec<Problem>> {
        let parsed: File = crate::prompts::parse_toml(file, text).map_err(|p| vec![p])?;
        let mut problems = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for rule in &parsed.offer {
            let mut problem = |message: String| {
                problems.push(Problem { file: file.to_string(), line: line_of_id(text, &rule.id), message })
            };
            if rule.id.trim().is_empty() || !seen.insert(rule.id.clone()) {
                problem(format!("offer id `{}` is empty or used twice", rule.id));
            }
            if rule.when == When::default() {
                problem(format!("offer `{}` has no condition (`when`): it would apply to everyone", rule.id));
            }
            if rule.text.trim().is_empty() {
                problem(format!("offer `{}` has no text", rule.id));
            }
            let b = &rule.benefit;
            match b.kind {
                BenefitKind::WelcomeCode if b.code.as_deref().is_none_or(|c| c.trim().is_empty()) => {
                    problem(format!("offer `{}`: a welcome_code needs its `code`", rule.id))
                }
                BenefitKind::Loyalty if b.percent.is_none_or(|p| p <= Decimal::ZERO || p > Decimal::ONE_HUNDRED) => {
                    problem(format!("offer `{}`: a loyalty benefit needs a `percent` above 0 and at most 100", rule.id))
                }
                _ => {}
            }
            if rule.when.min_spend_365.is_some_and(|s| s < Decimal::ZERO) {
                problem(format!("offer `{}`: min_spend_365 cannot be negative", rule.id));
            }
        }
        if problems.is_empty() { Ok(Offers { rules: parsed.offer }) } else { Err(problems) }
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// The offers whose rules hold for `facts`, in the file's order, each with its rule in
    /// plain words.
    pub fn applicable(&self, facts: &Facts, currency: Currency) -> Vec<Offer> {
        self.rules
            .iter()
            .filter(|r| holds(&r.when, facts))
            .map(|r| Offer {
                id: r.id.clone(),
                text: r.text.clone(),
                rule: because(&r.when, currency),
                code: r.benefit.code.clone(),
            })
            .collect()
    }
}

/// Whether every condition given holds for `facts`.
pub fn holds(when: &When, facts: &Facts) -> bool {
    when.first_order.is_none_or(|first| first == (facts.orders == 0))
        && when.min_orders.is_none_or(|n| facts.orders >= n as usize)
        && when.min_spend_365.is_none_or(|s| facts.spend_365 >= s)
        && (when.occasion.is_empty()
            || facts.occasion.as_ref().is_some_and(|o| when.occasion.iter().any(|w| w.eq_ignore_ascii_case(o))))
}

/// The rule in plain words: "because this is your first order and ...".
fn because(when: &When, currency: Currency) -> String {
    let mut parts = Vec::new();
    match when.first_order {
        Some(true) => parts.push("this is your first order".to_string()),
        Some(false) => parts.push("you have ordered from us before".to_string()),
        None => {}
    }
    if let Some(n) = when.min_orders {
        parts.push(if n == 1 {
            "you have ordered from us before".into()
        } else {
            format!("you have placed {n} or more orders")
        });
    }
    if let Some(spend) = when.min_spend_365.and_then(crate::money::Amount::new) {
        parts.push(format!("you have spent {} or more with us in the last 365 days", currency.format(spend)));
    }
    if !when.occasion.is_empty() {
        let names: Vec<String> = when.occasion.iter().map(|o| o.replace('_', " ")).collect();
        parts.push(format!("you told us it is for {}", names.join(" or ")));
    }
    parts.dedup();
    format!("because {}", parts.join(" and "))
}

/// The line of the rule whose `id` is `id` (0 when it cannot be found).
fn line_of_id(text: &str, id: &str) -> usize {
    text.lines()
        .position(|l| {
            let l = l.trim();
            l.starts_with("id") && l.contains(&format!("\"{id}\""))
        })
        .map_or(0, |n| n + 1)
}

#[cfg(test)]
mod tests;
