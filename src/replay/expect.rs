//! The assertions of a turn's `expect:` block, parsed with the line of each key.
//!
//! Each rule remembers the line of the key it came from, so a failure points at the exact
//! assertion that broke (`gift.yaml:14: ... products.price_max: 25 — ...`). Evaluation lives
//! in [`super::check`]; this file only reads and validates what the script asks for.

use regex::Regex;
use rust_decimal::Decimal;

use super::yaml::{self, Located, Node};

/// Every key an `expect:` block may hold.
pub(crate) const EXPECT_KEYS: &[&str] = &[
    "asking",
    "slots",
    "text_matches",
    "text_not_matches",
    "products",
    "why_matches",
    "why_not_matches",
    "handover",
    "offers",
];

/// Every key an `offers:` block may hold.
pub(crate) const OFFER_KEYS: &[&str] = &["includes", "excludes", "rule_matches"];

/// Every key a `products:` block may hold.
pub(crate) const PRODUCT_KEYS: &[&str] = &[
    "count",
    "count_min",
    "count_max",
    "price_min",
    "price_max",
    "any_title_matches",
    "none_title_matches",
    "includes",
    "excludes",
    "category",
    "any_signal",
    "none_shown_before",
    "cheaper_than_before",
];

/// The slot names a `slots:` block (and a shopper's `declared:` fixture) may name.
pub(crate) const SLOT_KEYS: &[&str] =
    &["purpose", "recipient", "recipient_word", "age", "occasion", "budget", "interests", "exclude"];

/// The keys of a budget object.
pub(crate) const BUDGET_KEYS: &[&str] = &["min", "max", "currency"];

/// What one turn expects of the reply it gets.
#[derive(Debug, Clone)]
pub struct Expect {
    pub rules: Vec<Rule>,
}

/// One assertion, with the line of its key in the script.
#[derive(Debug, Clone)]
pub struct Rule {
    pub line: usize,
    pub kind: RuleKind,
}

#[derive(Debug, Clone)]
pub enum RuleKind {
    /// The slot the reply asks about; `None`: it asks nothing.
    Asking(Option<String>),
    /// One slot, subset-matched against the reply's slots (see [`super::check::subset`]).
    Slot {
        name: String,
        expected: serde_json::Value,
    },
    TextMatches(Regex),
    TextNotMatches(Regex),
    /// Every product has at least one why line matching.
    WhyMatches(Regex),
    /// No why line of any product matches.
    WhyNotMatches(Regex),
    /// Whether the turn brought a `handover` frame.
    Handover(bool),
    Products(ProductRule),
    /// Offers (by id) the reply must carry.
    OffersInclude(Vec<String>),
    /// Offers (by id) the reply must not carry.
    OffersExclude(Vec<String>),
    /// Every offer's rule matches.
    OfferRulesMatch(Regex),
}

#[derive(Debug, Clone)]
pub enum ProductRule {
    Count(usize),
    CountMin(usize),
    CountMax(usize),
    PriceMin(Decimal),
    PriceMax(Decimal),
    AnyTitleMatches(Regex),
    NoneTitleMatches(Regex),
    Includes(Vec<String>),
    Excludes(Vec<String>),
    /// Every product's category path contains this (case-insensitively).
    Category(String),
    /// At least one product carries a signal of this kind (`viewed`, `interest`, ...).
    AnySignal(String),
    /// No product was shown earlier in this visit.
    NoneShownBefore,
    /// Every product costs less than the cheapest one of the previous recommendation.
    CheaperThanBefore,
}

impl RuleKind {
    /// The rule's name as a script writes it: `asking`, `slots.budget`, `products.price_max`.
    pub fn name(&self) -> String {
        match self {
            RuleKind::Asking(_) => "asking".into(),
            RuleKind::Slot { name, .. } => format!("slots.{name}"),
            RuleKind::TextMatches(_) => "text_matches".into(),
            RuleKind::TextNotMatches(_) => "text_not_matches".into(),
            RuleKind::WhyMatches(_) => "why_matches".into(),
            RuleKind::WhyNotMatches(_) => "why_not_matches".into(),
            RuleKind::Handover(_) => "handover".into(),
            RuleKind::Products(rule) => format!("products.{}", rule.key()),
            RuleKind::OffersInclude(_) => "offers.includes".into(),
            RuleKind::OffersExclude(_) => "offers.excludes".into(),
            RuleKind::OfferRulesMatch(_) => "offers.rule_matches".into(),
        }
    }
}

impl ProductRule {
    fn key(&self) -> &'static str {
        match self {
            ProductRule::Count(_) => "count",
            ProductRule::CountMin(_) => "count_min",
            ProductRule::CountMax(_) => "count_max",
            ProductRule::PriceMin(_) => "price_min",
            ProductRule::PriceMax(_) => "price_max",
            ProductRule::AnyTitleMatches(_) => "any_title_matches",
            ProductRule::NoneTitleMatches(_) => "none_title_matches",
            ProductRule::Includes(_) => "includes",
            ProductRule::Excludes(_) => "excludes",
            ProductRule::Category(_) => "category",
            ProductRule::AnySignal(_) => "any_signal",
            ProductRule::NoneShownBefore => "none_shown_before",
            ProductRule::CheaperThanBefore => "cheaper_than_before",
        }
    }
}

/// Reads an `expect:` block; every problem found (unknown keys, bad regexes, wrong types) is
/// added to `problems`, and the rules that could be read are returned.
pub(crate) fn parse(node: &Node<'_>, problems: &mut Vec<Located>) -> Expect {
    let mut rules = Vec::new();
    for field in yaml::fields(node, "expect", EXPECT_KEYS, problems).unwrap_or_default() {
        let line = field.line;
        let value = field.value;
        let kind = match field.key.as_str() {
            "asking" => asking(value),
            "text_matches" => regex(value, "text_matches").map(RuleKind::TextMatches),
            "text_not_matches" => regex(value, "text_not_matches").map(RuleKind::TextNotMatches),
            "why_matches" => regex(value, "why_matches").map(RuleKind::WhyMatches),
            "why_not_matches" => regex(value, "why_not_matches").map(RuleKind::WhyNotMatches),
            "handover" => yaml::boolean(value, "handover").map(RuleKind::Handover),
            "slots" => {
                rules.extend(slots(value, problems));
                continue;
            }
            "products" => {
                rules.extend(products(value, problems));
                continue;
            }
            "offers" => {
                rules.extend(offers(value, problems));
                continue;
            }
            other => Err(Located::new(line, format!("unhandled key `{other}`"))),
        };
        match kind {
            Ok(kind) => rules.push(Rule { line, kind }),
            Err(problem) => problems.push(problem),
        }
    }
    Expect { rules }
}

fn offers(node: &Node<'_>, problems: &mut Vec<Located>) -> Vec<Rule> {
    let mut rules = Vec::new();
    for field in yaml::fields(node, "offers", OFFER_KEYS, problems).unwrap_or_default() {
        let what = format!("offers.{}", field.key);
        let kind = match field.key.as_str() {
            "includes" => ids(field.value, &what).map(RuleKind::OffersInclude),
            "excludes" => ids(field.value, &what).map(RuleKind::OffersExclude),
            _ => regex(field.value, &what).map(RuleKind::OfferRulesMatch),
        };
        match kind {
            Ok(kind) => rules.push(Rule { line: field.line, kind }),
            Err(problem) => problems.push(problem),
        }
    }
    rules
}

fn asking(node: &Node<'_>) -> Result<RuleKind, Located> {
    if yaml::is_null(node) {
        return Ok(RuleKind::Asking(None));
    }
    let slot = yaml::text(node, "asking")?;
    Ok(RuleKind::Asking(if slot.eq_ignore_ascii_case("none") { None } else { Some(slot) }))
}

/// A Rust `regex`, reported at its line when it does not compile.
pub(crate) fn regex(node: &Node<'_>, what: &str) -> Result<Regex, Located> {
    let pattern = yaml::text(node, what)?;
    Regex::new(&pattern).map_err(|e| {
        let detail = e.to_string().lines().last().unwrap_or_default().trim().to_string();
        Located::new(yaml::line(node), format!("{what}: bad regex `{pattern}`: {detail}"))
    })
}

fn slots(node: &Node<'_>, problems: &mut Vec<Located>) -> Vec<Rule> {
    let mut rules = Vec::new();
    for field in yaml::fields(node, "slots", SLOT_KEYS, problems).unwrap_or_default() {
        if field.key == "budget" && !yaml::is_null(field.value) {
            // Check the budget's own keys so `{mx: 25}` is a typo, not a vacuous match.
            let _ = yaml::fields(field.value, "slots.budget", BUDGET_KEYS, problems);
        }
        match yaml::to_json(field.value) {
            Ok(expected) => rules.push(Rule { line: field.line, kind: RuleKind::Slot { name: field.key, expected } }),
            Err(problem) => problems.push(problem),
        }
    }
    rules
}

fn products(node: &Node<'_>, problems: &mut Vec<Located>) -> Vec<Rule> {
    let mut rules = Vec::new();
    for field in yaml::fields(node, "products", PRODUCT_KEYS, problems).unwrap_or_default() {
        let v = field.value;
        let what = format!("products.{}", field.key);
        let rule = match field.key.as_str() {
            "count" => yaml::count(v, &what).map(ProductRule::Count).map(Some),
            "count_min" => yaml::count(v, &what).map(ProductRule::CountMin).map(Some),
            "count_max" => yaml::count(v, &what).map(ProductRule::CountMax).map(Some),
            "price_min" => yaml::decimal(v, &what).map(ProductRule::PriceMin).map(Some),
            "price_max" => yaml::decimal(v, &what).map(ProductRule::PriceMax).map(Some),
            "any_title_matches" => regex(v, &what).map(ProductRule::AnyTitleMatches).map(Some),
            "none_title_matches" => regex(v, &what).map(ProductRule::NoneTitleMatches).map(Some),
            "includes" => ids(v, &what).map(ProductRule::Includes).map(Some),
            "excludes" => ids(v, &what).map(ProductRule::Excludes).map(Some),
            "category" => yaml::text(v, &what).map(ProductRule::Category).map(Some),
            "any_signal" => yaml::text(v, &what).map(ProductRule::AnySignal).map(Some),
            "none_shown_before" => flag(v, &what, ProductRule::NoneShownBefore),
            "cheaper_than_before" => flag(v, &what, ProductRule::CheaperThanBefore),
            other => Err(Located::new(field.line, format!("unhandled key `{other}`"))),
        };
        match rule {
            Ok(Some(rule)) => rules.push(Rule { line: field.line, kind: RuleKind::Products(rule) }),
            Ok(None) => {}
            Err(problem) => problems.push(problem),
        }
    }
    rules
}

/// A rule that is on with `true` and absent with `false`.
fn flag(node: &Node<'_>, what: &str, rule: ProductRule) -> Result<Option<ProductRule>, Located> {
    Ok(yaml::boolean(node, what)?.then_some(rule))
}

/// Product ids: a list, or one id alone.
fn ids(node: &Node<'_>, what: &str) -> Result<Vec<String>, Located> {
    yaml::items(node).into_iter().map(|item| yaml::text(item, what)).collect()
}
