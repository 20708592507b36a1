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
            category: p.category.iter().map(|c| c.to_string()).collect(),
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
    /// The closest products just outside what was asked (over or under the budget, or of a
    /// nearby type), apart from `products`; each card's first why line says how it differs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alternatives: Vec<ProductCard>,
    /// The merchant's offers whose rules hold for this shopper, each with its rule in plain
    /// words; never a change to a price.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub offers: Vec<crate::offers::Offer>,
}

impl Reply {
    /// A reply of words only: no question, quick replies, products or offers; `slots` are what
    /// the conversation knows, said back unchanged.
    pub fn text_only(text: String, slots: crate::slots::Slots) -> Reply {
        Reply {
            text,
            asking: None,
            quick_replies: Vec::new(),
            slots,
            products: Vec::new(),
            alternatives: Vec::new(),
            offers: Vec::new(),
        }
    }
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
    /// The closest products just outside what was asked, shown apart from the products.
    pub alternatives: Vec<ProductCard>,
    /// What the shopper told us, for "what do you know about me?".
    pub facts: Vec<Fact>,
    /// The title of the product "more like" refers to.
    pub like_title: Option<String>,
    /// Products the shopper is due to buy again, offered first after a greeting (each with
    /// its `reorder` reason).
    pub due: Vec<ProductCard>,
}

/// Renders a decision as the reply text, question, quick replies and products.
pub fn render(decision: &crate::dialogue::Decision, mut r: Render<'_>) -> Reply {
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
    // A returning shopper due to buy something again hears it right after the greeting.
    if let Some(first) = r.due.first() {
        let context = serde_json::json!({"kind": "reorder", "count": r.due.len(), "like_title": first.title});
        parts.push(replies.render("recommend_intro", &with(context)));
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
            if !r.alternatives.is_empty() {
                let context = serde_json::json!({"count": r.alternatives.len(), "products": r.products.len()});
                parts.push(replies.render("alternatives", &with(context)));
            }
            parts.push(intro);
            products = std::mem::take(&mut r.products);
        }
        Action::Recommend { why } => {
            let first = r.alternatives.first();
            let alternative = first.map(|p| serde_json::json!({"title": p.title, "price": p.price}));
            let raise_to = first.and_then(|p| over_by(p).map(|_| round_up_budget(p.price)));
            // "Cheaper" says "those are the least expensive" only about products it showed;
            // "something else" says it has shown everything only when it showed something.
            let kind = match *why {
                RecommendKind::Cheaper if !r.session.cheaper_than_shown(*why) => RecommendKind::Fresh,
                RecommendKind::Other if r.session.seen.is_empty() => RecommendKind::Fresh,
                kind => kind,
            };
            let like = r.like_title.clone().unwrap_or_default();
            let context = serde_json::json!({
                "kind": kind.as_str(), "alternative": alternative, "raise_to": raise_to, "like_title": like,
            });
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
    if decision.ask.is_none() && matches!(decision.action, Action::Recommend { .. }) {
        quick_replies = ways_forward(&r, products.is_empty(), decision, &with);
    }
    if !r.due.is_empty() {
        let mut due = std::mem::take(&mut r.due);
        due.extend(products.into_iter().filter(|p| !due.iter().any(|d| d.id == p.id)).collect::<Vec<_>>());
        products = due;
    }
    Reply {
        text: without_repeats(parts).join(" "),
        asking: decision.ask.map(|a| a.name().to_string()),
        quick_replies,
        slots: r.session.slots.clone(),
        products,
        alternatives: r.alternatives,
        offers: Vec::new(),
    }
}

/// Quick replies after a recommendation that shows alternatives or runs out: a budget that
/// includes the closest alternative, and after "something else" has shown everything, a new
/// start. Each is understood as an answer (a budget, "start over").
fn ways_forward(
    r: &Render<'_>,
    none_shown: bool,
    decision: &crate::dialogue::Decision,
    with: &dyn Fn(serde_json::Value) -> Value,
) -> Vec<String> {
    use crate::dialogue::{Action, RecommendKind};
    let mut out = Vec::new();
    let raise_to = r.alternatives.iter().find_map(|p| over_by(p).map(|_| round_up_budget(p.price)));
    let lower_to = r.alternatives.iter().find_map(|p| under_by(p).map(|_| round_down_budget(p.price)));
    if raise_to.is_some() || lower_to.is_some() {
        // The floor is lowered within the same top ("£15 to £50"), in the shop's currency.
        let budget = r.session.slots.budget.filter(|b| b.currency.is_none_or(|c| c == r.currency));
        let top = budget.and_then(|b| b.max);
        let context = serde_json::json!({"raise_to": raise_to, "lower_to": lower_to, "top": top});
        let reply = r.prompts.replies().render("alternative_replies", &with(context));
        if !reply.trim().is_empty() {
            out.push(reply.trim().to_string());
        }
    }
    let ran_out = matches!(decision.action, Action::Recommend { why: RecommendKind::Other }) && none_shown;
    if ran_out && !r.session.seen.is_empty() {
        out.push("Start over".to_string());
    }
    out
}

/// The budget top an alternative is over, from its first signal.
fn over_by(card: &ProductCard) -> Option<Amount> {
    match card.signals.first() {
        Some(Signal::Outside { over, .. }) => *over,
        _ => None,
    }
}

/// The budget floor an alternative is under, from its first signal.
fn under_by(card: &ProductCard) -> Option<Amount> {
    match card.signals.first() {
        Some(Signal::Outside { under, .. }) => *under,
        _ => None,
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
/// strict mode), unknown values and the optional word as none. Built field by field (the
/// same values `Slots` serialises to), without a detour through its serialisation: this runs
/// on every turn. Every field is named, so a new slot does not compile until it is here.
fn slots_value(slots: &crate::slots::Slots) -> Value {
    let crate::slots::Slots { purpose, recipient, recipient_word, age, occasion, budget, interests, exclude } = slots;
    let text = |t: &Option<String>| t.as_deref().map_or(Value::from(()), Value::from);
    let mut map = Context::new();
    map.insert("purpose".into(), purpose.map_or(Value::from(()), |p| Value::from(p.as_str())));
    map.insert("recipient".into(), text(recipient));
    map.insert("recipient_word".into(), text(recipient_word));
    map.insert("age".into(), age.map_or(Value::from(()), Value::from));
    map.insert("occasion".into(), text(occasion));
    let budget = budget.map_or(Value::from(()), |budget| {
        // `stated` is left out of the JSON when unknown; templates see it as none.
        let mut fields = Context::new();
        fields.insert("min".into(), Value::from_serialize(budget.min));
        fields.insert("max".into(), Value::from_serialize(budget.max));
        fields.insert("currency".into(), Value::from_serialize(budget.currency));
        fields.insert("stated".into(), budget.stated.map_or(Value::from(()), |s| Value::from(s.as_str())));
        Value::from(fields)
    });
    map.insert("budget".into(), budget);
    map.insert("interests".into(), Value::from(interests.clone()));
    map.insert("exclude".into(), Value::from(exclude.clone()));
    Value::from(map)
}

/// The largest round floor that includes `price`: whole units under 10, then the multiple
/// of 5 under 100, of 10 under 500, of 50 above.
fn round_down_budget(price: Amount) -> Amount {
    let step = budget_step(price);
    (price.decimal() / step).floor().checked_mul(step).and_then(Amount::new).unwrap_or(price)
}

/// The smallest round budget that includes `price`: whole units under 10, then the next
/// multiple of 5 under 100, of 10 under 500, of 50 above.
fn round_up_budget(price: Amount) -> Amount {
    let step = budget_step(price);
    (price.decimal() / step).ceil().checked_mul(step).and_then(Amount::new).unwrap_or(price)
}

/// The step a budget near `price` is rounded to (see `round_up_budget`).
fn budget_step(price: Amount) -> rust_decimal::Decimal {
    rust_decimal::Decimal::from(match price.to_f64() {
        p if p < 10.0 => 1,
        p if p < 100.0 => 5,
        p if p < 500.0 => 10,
        _ => 50,
    })
}

#[cfg(test)]
mod tests;
