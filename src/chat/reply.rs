//! What a shopper is shown: product cards with their reasons, in the shape INTERFACE.md gives
//! for chat replies, `concierge search --json`, `recommend --json` and the HTTP API.

use serde::{Deserialize, Serialize};

use std::collections::BTreeMap;

use minijinja::Value;

use crate::catalog::{Ranked, Signal};
use crate::money::{Amount, Currency};
use crate::prompts::Prompts;

/// One recommended product: catalog facts, never altered, plus one `why` line per signal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProductCard {
    pub id: String,
    pub title: String,
    pub price: Amount,
    pub currency: Currency,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compare_at_price: Option<Amount>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub category: Vec<String>,
    pub why: Vec<String>,
    pub signals: Vec<Signal>,
}

impl ProductCard {
    /// The card for a ranked product; its why lines are rendered from the merchant's templates,
    /// one per signal and in the same order, so `why[i]` explains `signals[i]`.
    pub fn new(ranked: &Ranked<'_>, prompts: &Prompts, currency: Currency) -> ProductCard {
        let p = ranked.product;
        ProductCard {
            id: p.id.clone(),
            title: p.title.clone(),
            price: p.price,
            currency: p.currency,
            compare_at_price: p.compare_at_price,
            url: p.url.clone(),
            image: p.image.clone(),
            category: p.category.clone(),
            why: ranked.signals.iter().map(|s| prompts.why().render(s, p, currency)).collect(),
            signals: ranked.signals.clone(),
        }
    }
}

/// One reply to the shopper, in the shape of INTERFACE.md's `reply` frame (without `type`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reply {
    pub text: String,
    /// The slot (or `currency`) the reply asks about; `None` when it asks nothing.
    pub asking: Option<String>,
    pub quick_replies: Vec<String>,
    /// What the conversation knows so far.
    pub slots: crate::slots::Slots,
    pub products: Vec<ProductCard>,
    /// The merchant's offers whose rules hold for this shopper, each with its rule in plain
    /// words; never a change to a price.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub offers: Vec<crate::offers::Offer>,
}

/// A fact the shopper told us, as "what do you know about me?" lists it.
#[derive(Debug, Clone, Serialize)]
pub struct Fact {
    pub label: String,
    pub value: String,
    pub source: String,
}

/// Everything rendering a reply needs besides the decision.
pub struct Render<'a> {
    pub prompts: &'a Prompts,
    pub currency: Currency,
    pub session: &'a crate::dialogue::Session,
    pub products: Vec<ProductCard>,
    /// The closest product outside the budget, offered when nothing matched.
    pub alternative: Option<ProductCard>,
    /// What the shopper told us, for "what do you know about me?".
    pub facts: Vec<Fact>,
    /// The title of the product "more like" refers to.
    pub like_title: Option<String>,
}

/// Renders a decision as the reply text, question, quick replies and products.
pub fn render(decision: &crate::dialogue::Decision, r: Render<'_>) -> Reply {
    use crate::dialogue::{Action, Asking, Preface, RecommendKind};
    let replies = r.prompts.replies();
    let mut base = Context::new();
    base.insert("slots".into(), slots_value(&r.session.slots));
    base.insert("currency".into(), Value::from(r.currency.code()));
    base.insert("summary".into(), Value::from(""));
    let summary = replies.render("summary", &Value::from(base.clone()));
    base.insert("summary".into(), Value::from(summary.clone()));
    // Each template sees the common variables plus its own; the map's values are shared, so a
    // copy of the base is a handful of reference counts.
    let with = |extra: serde_json::Value| {
        let mut context = base.clone();
        if let Some(add) = extra.as_object() {
            for (key, value) in add {
                context.insert(key.clone(), Value::from_serialize(value));
            }
        }
        Value::from(context)
    };
    let mut parts: Vec<String> = Vec::new();
    for preface in &decision.preface {
        parts.push(match preface {
            Preface::Greeting { returning: false } => replies.render("greeting_new", &with(serde_json::json!({}))),
            Preface::Greeting { returning: true } => replies.render("greeting_returning", &with(serde_json::json!({}))),
            Preface::Acknowledge { changed } => {
                replies.render("acknowledge", &with(serde_json::json!({"changed": changed})))
            }
            Preface::StartedOver => replies.render("start_over", &with(serde_json::json!({}))),
            Preface::Forgot { slot } => {
                replies.render("forgot", &with(serde_json::json!({"label": replies.label(*slot)})))
            }
            Preface::ForgotAll => replies.render("forgot_all", &with(serde_json::json!({}))),
            Preface::KeptEverything => replies.render("kept_everything", &with(serde_json::json!({}))),
            Preface::Thanks => replies.render("thanks", &with(serde_json::json!({}))),
            Preface::NotUnderstood => replies.render("not_understood", &with(serde_json::json!({}))),
        });
    }
    // "Got it: <summary>." before an intro that says the summary again would say it twice.
    let acknowledged = decision.preface.iter().position(|p| matches!(p, Preface::Acknowledge { .. }));
    let mut products = Vec::new();
    match &decision.action {
        Action::Nothing => {}
        Action::Recommend { why } if !r.products.is_empty() => {
            let like = r.like_title.clone().unwrap_or_default();
            let intro = replies.render(
                "recommend_intro",
                &with(serde_json::json!({"kind": why.as_str(), "count": r.products.len(), "like_title": like})),
            );
            if let Some(i) = acknowledged.filter(|_| !summary.is_empty() && intro.contains(summary.as_str())) {
                parts[i].clear();
            }
            parts.push(intro);
            products = r.products;
        }
        Action::Recommend { why } => {
            let alternative = r.alternative.as_ref().map(|p| serde_json::json!({"title": p.title, "price": p.price}));
            let raise_to = r.alternative.as_ref().map(|p| round_up_budget(p.price));
            // "Cheaper" says "those are the least expensive" only about products it showed.
            let kind = match *why {
                RecommendKind::Cheaper if !r.session.cheaper_than_shown(*why) => RecommendKind::Fresh,
                kind => kind,
            };
            let context = serde_json::json!({"kind": kind.as_str(), "alternative": alternative, "raise_to": raise_to});
            parts.push(replies.render("no_results", &with(context)));
        }
        Action::Explain { product: Some(shown) } => {
            let why: Vec<String> = shown.why.clone();
            parts.push(replies.render("explain", &with(serde_json::json!({"title": shown.title, "why": why}))));
        }
        Action::Explain { product: None } => {
            let titles: Vec<&str> = r.session.shown.iter().map(|s| s.title.as_str()).collect();
            let context = serde_json::json!({"count": titles.len(), "titles": titles});
            parts.push(replies.render("explain_nothing", &with(context)))
        }
        Action::ShowProfile => parts.push(replies.render("profile", &with(serde_json::json!({"facts": r.facts})))),
        Action::Handover => parts.push(replies.render("handover", &with(serde_json::json!({})))),
        Action::Privacy => parts.push(replies.render("privacy", &with(serde_json::json!({})))),
    }
    let mut quick_replies = Vec::new();
    match decision.ask {
        Some(Asking::Slot(slot)) => {
            if let Some(question) = r.prompts.questions().render(slot, &with(serde_json::json!({}))) {
                parts.push(question.text);
                quick_replies = question.quick_replies;
            }
        }
        Some(Asking::Currency) => {
            let pending = r.session.pending_budget.unwrap_or_default();
            let amount = pending.max.or(pending.min).unwrap_or_default();
            let stated = pending.currency.map_or_else(|| r.currency.format(amount), |c| c.format(amount));
            let context = with(serde_json::json!({"stated": stated, "assumed": r.currency.format(amount)}));
            parts.push(replies.render("confirm_currency", &context));
            quick_replies = replies.confirm_currency_replies().to_vec();
        }
        Some(Asking::Confirm) => {
            parts.push(replies.render("confirm_erase", &with(serde_json::json!({}))));
            quick_replies = replies.confirm_currency_replies().to_vec();
        }
        None => {}
    }
    Reply {
        text: without_repeats(parts).join(" "),
        asking: decision.ask.map(|a| a.name().to_string()),
        quick_replies,
        slots: r.session.slots.clone(),
        products,
        offers: Vec::new(),
    }
}

/// The non-empty parts, each said once: a part equal to an earlier one is dropped.
fn without_repeats(parts: Vec<String>) -> Vec<String> {
    let mut said: Vec<String> = Vec::new();
    for part in parts {
        if !part.is_empty() && !said.contains(&part) {
            said.push(part);
        }
    }
    said
}

/// A template context: variable name -> value.
type Context = BTreeMap<String, Value>;

/// What the conversation knows, as templates see it: every slot key present (templates run in
/// strict mode), the optional word as none when unknown.
fn slots_value(slots: &crate::slots::Slots) -> Value {
    let fields = Value::from_serialize(slots);
    let mut map = Context::new();
    map.insert("recipient_word".into(), Value::from(()));
    if let Ok(keys) = fields.try_iter() {
        for key in keys {
            if let (Some(name), Ok(value)) = (key.as_str(), fields.get_item(&key)) {
                map.insert(name.to_string(), value);
            }
        }
    }
    Value::from(map)
}

/// The smallest round budget that includes `price`: whole units under 10, then the next
/// multiple of 5 under 100, of 10 under 500, of 50 above.
fn round_up_budget(price: Amount) -> Amount {
    let value = price.decimal();
    let step = rust_decimal::Decimal::from(match price.to_f64() {
        p if p < 10.0 => 1,
        p if p < 100.0 => 5,
        p if p < 500.0 => 10,
        _ => 50,
    });
    (value / step).ceil().checked_mul(step).and_then(Amount::new).unwrap_or(price)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_suggested_budget_is_round_and_includes_the_price() {
        let round = |p: &str| round_up_budget(p.parse().unwrap()).to_string();
        assert_eq!(round("5.99"), "6");
        assert_eq!(round("32.50"), "35");
        assert_eq!(round("35"), "35");
        assert_eq!(round("129.99"), "130");
        assert_eq!(round("612"), "650");
    }

    #[test]
    fn a_part_said_twice_is_said_once_and_empty_parts_vanish() {
        let parts = ["Got it.", "", "Here is an idea:", "Got it."].map(String::from).to_vec();
        assert_eq!(without_repeats(parts), ["Got it.", "Here is an idea:"]);
    }
}
