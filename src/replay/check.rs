//! Evaluating a turn's assertions against the reply it got.
//!
//! Every failure says which rule broke and, for products, which product broke it and how
//! (`products.price_max: 25 — "Deluxe Train Set" (sku-7) costs 29.99`), so the person reading
//! the report knows what to change without rerunning anything.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde_json::Value;

use super::expect::{Expect, ProductRule, RuleKind};
use super::script::quote_short;
use crate::chat::reply::{ProductCard, Reply};

/// One broken assertion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The line of the assertion's key in the script.
    pub line: usize,
    /// `asking`, `slots.budget`, `products.price_max`, ...
    pub rule: String,
    /// What the script asked for, as it wrote it.
    pub expected: String,
    /// What came back instead.
    pub broke: String,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} — {}", self.rule, self.expected, self.broke)
    }
}

/// What the turn got back, as the assertions see it.
pub(crate) struct Seen<'a> {
    /// The reply under test; `None` when the turn got none.
    pub reply: Option<&'a Reply>,
    /// Whether a `handover` frame came.
    pub handover: bool,
    /// What came instead of a reply, for messages (`an error frame too_large: ...`).
    pub instead: String,
    /// Product ids shown earlier in this visit.
    pub shown_before: &'a [String],
    /// The products of the previous recommendation in this visit.
    pub previous: &'a [ProductCard],
}

/// Every assertion of `expect` that `seen` breaks, in script order.
pub(crate) fn check(expect: &Expect, seen: &Seen<'_>) -> Vec<Failure> {
    let mut failures = Vec::new();
    for rule in &expect.rules {
        let fail =
            |expected: String, broke: String| Failure { line: rule.line, rule: rule.kind.name(), expected, broke };
        if let RuleKind::Handover(want) = rule.kind {
            if want != seen.handover {
                let broke = if seen.handover { "a handover came" } else { "no handover came" };
                failures.push(fail(want.to_string(), broke.into()));
            }
            continue;
        }
        let Some(reply) = seen.reply else {
            failures.push(fail(expected_text(&rule.kind), format!("no reply came ({})", seen.instead)));
            continue;
        };
        if let Some(broke) = broken(&rule.kind, reply, seen) {
            failures.push(fail(expected_text(&rule.kind), broke));
        }
    }
    failures
}

/// The rule's expectation as the script wrote it.
fn expected_text(kind: &RuleKind) -> String {
    match kind {
        RuleKind::Asking(None) => "null (asks nothing)".into(),
        RuleKind::Asking(Some(slot)) => slot.clone(),
        RuleKind::Slot { expected, .. } => expected.to_string(),
        RuleKind::TextMatches(re)
        | RuleKind::TextNotMatches(re)
        | RuleKind::WhyMatches(re)
        | RuleKind::WhyNotMatches(re) => re.to_string(),
        RuleKind::Handover(want) => want.to_string(),
        RuleKind::OffersInclude(ids) | RuleKind::OffersExclude(ids) => format!("[{}]", ids.join(", ")),
        RuleKind::OfferRulesMatch(re) => re.to_string(),
        RuleKind::Products(rule) => match rule {
            ProductRule::Count(n) | ProductRule::CountMin(n) | ProductRule::CountMax(n) => n.to_string(),
            ProductRule::PriceMin(p) | ProductRule::PriceMax(p) => p.normalize().to_string(),
            ProductRule::AnyTitleMatches(re) | ProductRule::NoneTitleMatches(re) => re.to_string(),
            ProductRule::Includes(ids) | ProductRule::Excludes(ids) => format!("[{}]", ids.join(", ")),
            ProductRule::Category(c) | ProductRule::AnySignal(c) => c.clone(),
            ProductRule::NoneShownBefore | ProductRule::CheaperThanBefore => "true".into(),
        },
    }
}

/// What breaks the rule, or `None` when it holds.
fn broken(kind: &RuleKind, reply: &Reply, seen: &Seen<'_>) -> Option<String> {
    let said = || format!("the reply says {}", quote_short(&reply.text, 160));
    match kind {
        RuleKind::Asking(want) => (reply.asking.as_deref() != want.as_deref()).then(|| match &reply.asking {
            Some(slot) => format!("it asks about {slot}"),
            None => "it asks nothing".into(),
        }),
        RuleKind::Slot { name, expected } => {
            let slots = serde_json::to_value(&reply.slots).unwrap_or(Value::Null);
            let actual = slots.get(name).cloned().unwrap_or(Value::Null);
            (!subset(expected, &actual)).then(|| format!("{name} is {actual}"))
        }
        RuleKind::TextMatches(re) => (!re.is_match(&reply.text)).then(said),
        RuleKind::TextNotMatches(re) => re.find(&reply.text).map(|m| format!("{} (matched {:?})", said(), m.as_str())),
        RuleKind::WhyMatches(re) => {
            let bad = offenders(&reply.products, |p| {
                (!p.why.iter().any(|w| re.is_match(w))).then(|| format!("has why lines {:?}", p.why))
            });
            (!bad.is_empty()).then_some(bad)
        }
        RuleKind::WhyNotMatches(re) => {
            let bad =
                offenders(&reply.products, |p| p.why.iter().find(|w| re.is_match(w)).map(|w| format!("says {w:?}")));
            (!bad.is_empty()).then_some(bad)
        }
        RuleKind::Handover(_) => None,
        RuleKind::OffersInclude(_) | RuleKind::OffersExclude(_) | RuleKind::OfferRulesMatch(_) => {
            let shown: Vec<&str> = reply.offers.iter().map(|o| o.id.as_str()).collect();
            let broke = match kind {
                RuleKind::OffersInclude(ids) => ids.iter().any(|id| !shown.contains(&id.as_str())),
                RuleKind::OffersExclude(ids) => ids.iter().any(|id| shown.contains(&id.as_str())),
                RuleKind::OfferRulesMatch(re) => reply.offers.iter().any(|o| !re.is_match(&o.rule)),
                _ => false,
            };
            broke.then(|| {
                let rules: Vec<String> = reply.offers.iter().map(|o| format!("{} ({})", o.id, o.rule)).collect();
                format!("the offers are [{}]", rules.join(", "))
            })
        }
        RuleKind::Products(rule) => products(rule, &reply.products, seen),
    }
}

fn products(rule: &ProductRule, products: &[ProductCard], seen: &Seen<'_>) -> Option<String> {
    let n = products.len();
    let shown = || format!("{n} product{} shown", if n == 1 { "" } else { "s" });
    let bad = match rule {
        ProductRule::Count(want) => return (n != *want).then(shown),
        ProductRule::CountMin(min) => return (n < *min).then(shown),
        ProductRule::CountMax(max) => return (n > *max).then(shown),
        ProductRule::PriceMin(min) => {
            offenders(products, |p| (p.price.decimal() < *min).then(|| format!("costs {}", p.price)))
        }
        ProductRule::PriceMax(max) => {
            offenders(products, |p| (p.price.decimal() > *max).then(|| format!("costs {}", p.price)))
        }
        ProductRule::AnyTitleMatches(re) => {
            return (!products.iter().any(|p| re.is_match(&p.title))).then(|| titles(products));
        }
        ProductRule::NoneTitleMatches(re) => offenders(products, |p| re.is_match(&p.title).then(|| "matches".into())),
        ProductRule::Includes(ids) => {
            let missing: Vec<&str> =
                ids.iter().filter(|id| !products.iter().any(|p| &p.id == *id)).map(String::as_str).collect();
            return (!missing.is_empty()).then(|| format!("not shown: {}; {}", missing.join(", "), titles(products)));
        }
        ProductRule::Excludes(ids) => offenders(products, |p| ids.contains(&p.id).then(|| "is shown".into())),
        ProductRule::Category(want) => offenders(products, |p| {
            (!p.category.iter().any(|c| c.eq_ignore_ascii_case(want))).then(|| {
                format!("is in {}", if p.category.is_empty() { "no category".into() } else { p.category.join(" > ") })
            })
        }),
        ProductRule::AnySignal(kind) => {
            let has = |p: &ProductCard| p.signals.iter().any(|s| s.kind().eq_ignore_ascii_case(kind));
            return (!products.iter().any(has))
                .then(|| format!("no product has a {kind} signal; {}", titles(products)));
        }
        ProductRule::NoneShownBefore => {
            offenders(products, |p| seen.shown_before.contains(&p.id).then(|| "was shown before".into()))
        }
        ProductRule::CheaperThanBefore => {
            let Some(floor) = seen.previous.iter().map(|p| p.price).min() else {
                return Some("no products were shown before to compare with".into());
            };
            offenders(products, |p| (p.price >= floor).then(|| format!("costs {}, not under {floor}", p.price)))
        }
    };
    (!bad.is_empty()).then_some(bad)
}

/// `"Title" (id) <what>` for each product `why` finds fault with, joined with `; `.
fn offenders(products: &[ProductCard], why: impl Fn(&ProductCard) -> Option<String>) -> String {
    products
        .iter()
        .filter_map(|p| why(p).map(|reason| format!("{:?} ({}) {reason}", p.title, p.id)))
        .collect::<Vec<_>>()
        .join("; ")
}

/// The products shown, for messages: `shown: "A" (sku-1), "B" (sku-2)`.
fn titles(products: &[ProductCard]) -> String {
    if products.is_empty() {
        return "no products shown".into();
    }
    let list: Vec<String> = products.iter().map(|p| format!("{:?} ({})", p.title, p.id)).collect();
    format!("shown: {}", list.join(", "))
}

/// Whether `actual` holds what `expected` says (INTERFACE.md's subset match): only the keys
/// given are compared; `null` must be null; numbers compare numerically (25 equals 25.00);
/// text compares case-insensitively; a list matches when it contains every given item in any
/// order, and an empty list means "must be empty".
pub(crate) fn subset(expected: &Value, actual: &Value) -> bool {
    match (expected, actual) {
        (Value::Null, actual) => actual.is_null(),
        (Value::Number(e), Value::Number(a)) => number(e) == number(a),
        (Value::String(e), Value::String(a)) => e.eq_ignore_ascii_case(a),
        (Value::Bool(e), Value::Bool(a)) => e == a,
        (Value::Array(e), Value::Array(a)) if e.is_empty() => a.is_empty(),
        (Value::Array(_), Value::Null) => false,
        (Value::Array(e), Value::Array(a)) => e.iter().all(|item| a.iter().any(|have| subset(item, have))),
        (Value::Object(e), Value::Object(a)) => {
            e.iter().all(|(key, want)| subset(want, a.get(key).unwrap_or(&Value::Null)))
        }
        _ => false,
    }
}

fn number(n: &serde_json::Number) -> Option<Decimal> {
    let text = n.to_string();
    Decimal::from_str(&text).or_else(|_| Decimal::from_scientific(&text)).ok().map(|d| d.normalize())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn slots_match_as_a_subset_with_numbers_compared_numerically() {
        let actual = json!({"budget": {"min": null, "max": 25.0, "currency": "GBP"}, "interests": ["Trains", "lego"]});
        assert!(subset(&json!({"budget": {"max": 25}}), &actual));
        assert!(subset(&json!({"budget": {"currency": "gbp"}}), &actual));
        assert!(!subset(&json!({"budget": {"max": 20}}), &actual));
        assert!(subset(&json!({"interests": ["trains"]}), &actual));
        assert!(!subset(&json!({"interests": ["dinosaurs"]}), &actual));
        assert!(subset(&json!({"age": null}), &actual));
        assert!(!subset(&json!({"budget": null}), &actual));
    }

    #[test]
    fn an_empty_list_means_empty() {
        assert!(subset(&json!([]), &json!([])));
        assert!(!subset(&json!([]), &json!(["lego"])));
    }
}
