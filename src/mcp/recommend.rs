//! The `recommend` tool: an intent in, explained recommendations out, ranked exactly as the
//! chat ranks them. The intent's `request` is read as a shopper's first message (the path
//! `concierge recommend` takes), its structured fields are read as the chat reads answers to
//! its questions, and the ranking is [`Agent::recommend`], the chat's own.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::error::ToolError;
use super::ucp::UcpProduct;
use super::{bounded, understood_as};
use crate::chat::assistant::{Assistant, Surroundings};
use crate::chat::query::{PageContext, Recent};
use crate::dialogue::{RecommendKind, Session};
use crate::money::Amount;
use crate::slots::{Budget, Purpose, SlotName, Slots};

const DEFAULT_LIMIT: usize = 5;

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RecommendArgs {
    /// The shopper's request in their words ("a birthday present for my nephew, he loves
    /// dinosaurs, under £20"), read as their first message to the chat.
    #[schemars(length(max = 1000))]
    pub request: Option<String>,
    /// `gift` or `self`.
    #[schemars(regex(pattern = "^(gift|self)$"))]
    pub purpose: Option<String>,
    /// Who it is for ("nephew", "mum", "colleague").
    #[schemars(length(max = 100))]
    pub recipient: Option<String>,
    /// The recipient's age in years.
    #[schemars(range(max = 120))]
    pub age: Option<u32>,
    /// The occasion ("birthday", "christmas", "anniversary").
    #[schemars(length(max = 100))]
    pub occasion: Option<String>,
    /// The price range of one item, in major units as the chat's slots hold it.
    pub budget: Option<BudgetArg>,
    /// What the recipient likes ("trains", "harry potter").
    #[serde(default)]
    #[schemars(length(max = 20))]
    pub interests: Vec<String>,
    /// What to avoid ("lego", "batteries").
    #[serde(default)]
    #[schemars(length(max = 20))]
    pub exclude: Vec<String>,
    /// Where the products will be shown: `home` (default), `product`, `cart`, `post_purchase`.
    #[schemars(regex(pattern = "^(home|product|cart|post_purchase)$"))]
    pub placement: Option<String>,
    /// The product on the page (placement `product`): related products, not this one.
    #[schemars(length(max = 256))]
    pub product_id: Option<String>,
    /// How many products, 1 to 50 (default 5).
    pub limit: Option<usize>,
}

/// `{"min": 10, "max": 25, "currency": "GBP"}`; either end may be left out.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct BudgetArg {
    pub min: Option<f64>,
    pub max: Option<f64>,
    /// ISO 4217; the catalog's currency when left out.
    #[schemars(length(max = 3))]
    pub currency: Option<String>,
}

#[derive(Debug, Serialize)]
pub(crate) struct Recommendations {
    /// What the intent was understood as, in the chat's slot shape.
    pub slots: Slots,
    pub products: Vec<UcpProduct>,
}

/// What a shopper's stored profile contributes, when they gave a token and consented.
#[derive(Default)]
pub(crate) struct Known {
    pub slots: Slots,
    pub recent: Recent,
    pub returning: bool,
}

/// `recommend`: the top products for the intent, with the why lines the chat would show.
pub(crate) fn recommend(
    assistant: &Assistant,
    args: RecommendArgs,
    known: Known,
) -> Result<Recommendations, ToolError> {
    let limit = args.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=super::catalog::MAX_LIMIT).contains(&limit) {
        return Err(ToolError::invalid("limit is 1 to 50"));
    }
    let placement = args.placement.as_deref().unwrap_or("home");
    if !matches!(placement, "home" | "product" | "cart" | "post_purchase") {
        return Err(ToolError::invalid("placement is one of home, product, cart, post_purchase"));
    }
    let mut session = match args.request.as_deref() {
        Some(text) => assistant.opening_request(bounded("request", text, 1000)?),
        None => Session::default(),
    };
    // What the shopper told us before fills only what this intent leaves open.
    let stated = std::mem::take(&mut session.slots);
    session.slots = merge(known.slots, stated);
    session.returning = known.returning;
    apply(assistant, &mut session.slots, &args)?;
    let context = PageContext {
        page: Some(placement.to_string()),
        product_id: args
            .product_id
            .as_deref()
            .map(|id| bounded("product_id", id, 256))
            .transpose()?
            .map(str::to_string),
        ..PageContext::default()
    };
    let kind = if context.product_id.is_some() { RecommendKind::Context } else { RecommendKind::Fresh };
    let around = Surroundings { context: Some(&context), recent: known.recent, ..Surroundings::default() };
    let cards = assistant.recommend(&session, kind, &around, limit).map_err(|e| ToolError::internal(&e))?;
    let catalog = assistant.index().catalog();
    let products = cards.iter().filter_map(|card| UcpProduct::ranked(catalog.get(&card.id)?, card)).collect();
    Ok(Recommendations { slots: session.slots, products })
}

/// The intent's structured fields over what its words said: each field, when given, wins.
fn apply(assistant: &Assistant, slots: &mut Slots, args: &RecommendArgs) -> Result<(), ToolError> {
    if let Some(purpose) = args.purpose.as_deref() {
        slots.purpose = Some(match purpose {
            "gift" => Purpose::Gift,
            "self" => Purpose::Myself,
            _ => return Err(ToolError::invalid("purpose is `gift` or `self`")),
        });
    }
    if let Some(recipient) = args.recipient.as_deref() {
        let said = understood_as(assistant, SlotName::Recipient, bounded("recipient", recipient, 100)?);
        slots.recipient = said.slots.recipient.or_else(|| Some(recipient.trim().to_lowercase()));
        slots.recipient_word = said.slots.recipient_word;
        slots.purpose = slots.purpose.or(Some(Purpose::Gift));
    }
    if let Some(age) = args.age {
        slots.age = Some(age.min(120));
    }
    if let Some(occasion) = args.occasion.as_deref() {
        let said = understood_as(assistant, SlotName::Occasion, bounded("occasion", occasion, 100)?);
        slots.occasion = said.slots.occasion.or_else(|| Some(occasion.trim().to_lowercase()));
    }
    if let Some(budget) = &args.budget {
        slots.budget = Some(budget_of(budget)?);
    }
    for (name, list, into) in
        [("interests", &args.interests, &mut slots.interests), ("exclude", &args.exclude, &mut slots.exclude)]
    {
        if list.len() > 20 {
            return Err(ToolError::invalid(format!("at most 20 {name}")));
        }
        for item in list {
            let item = bounded(name, item, 100)?.trim().to_lowercase();
            if !item.is_empty() && !into.contains(&item) {
                into.push(item);
            }
        }
    }
    Ok(())
}

fn budget_of(arg: &BudgetArg) -> Result<Budget, ToolError> {
    let amount = |value: Option<f64>, end: &str| -> Result<Option<Amount>, ToolError> {
        value
            .map(|v| {
                Amount::from_f64(v)
                    .filter(|_| (0.0..1e12).contains(&v))
                    .ok_or_else(|| ToolError::invalid(format!("budget.{end} is not an amount")))
            })
            .transpose()
    };
    let (min, max) = (amount(arg.min, "min")?, amount(arg.max, "max")?);
    if let (Some(min), Some(max)) = (min, max)
        && min > max
    {
        return Err(ToolError::invalid("budget.min is above budget.max"));
    }
    let currency = arg
        .currency
        .as_deref()
        .map(|c| {
            c.trim().to_uppercase().parse().map_err(|e: String| ToolError::invalid(format!("budget.currency: {e}")))
        })
        .transpose()?;
    Ok(Budget { min, max, currency, stated: None })
}

/// `stated` over `known`, slot by slot: a slot the intent states replaces the remembered one.
fn merge(known: Slots, stated: Slots) -> Slots {
    Slots {
        purpose: stated.purpose.or(known.purpose),
        recipient_word: if stated.recipient.is_some() { stated.recipient_word } else { known.recipient_word },
        recipient: stated.recipient.or(known.recipient),
        age: stated.age.or(known.age),
        occasion: stated.occasion.or(known.occasion),
        budget: stated.budget.or(known.budget),
        interests: if stated.interests.is_empty() { known.interests } else { stated.interests },
        exclude: if stated.exclude.is_empty() { known.exclude } else { stated.exclude },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_budget_in_major_units_becomes_the_slot_and_a_reversed_one_is_refused() {
        let budget = budget_of(&BudgetArg { min: None, max: Some(25.0), currency: Some("gbp".into()) }).unwrap();
        assert_eq!(budget.max.unwrap().to_string(), "25");
        assert_eq!(budget.currency.unwrap().code(), "GBP");
        assert!(budget_of(&BudgetArg { min: Some(30.0), max: Some(20.0), currency: None }).is_err());
        assert!(budget_of(&BudgetArg { min: None, max: Some(f64::NAN), currency: None }).is_err());
        assert!(budget_of(&BudgetArg { min: None, max: Some(5.0), currency: Some("XXQ".into()) }).is_err());
    }

    #[test]
    fn what_the_intent_states_wins_over_what_was_remembered() {
        let known = Slots { recipient: Some("father".into()), age: Some(60), ..Slots::default() };
        let stated = Slots { recipient: Some("child".into()), ..Slots::default() };
        let merged = merge(known, stated);
        assert_eq!(merged.recipient.as_deref(), Some("child"));
        assert_eq!(merged.age, Some(60));
    }
}
