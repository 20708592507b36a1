//! From what a conversation knows to a catalog query: the one place that turns slots,
//! behaviour and page context into filters and hints, so the chat, `concierge recommend`,
//! replay and the HTTP recommendations all rank the same way.

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

use crate::catalog::{CatalogIndex, Hint, Query, Signal};
use crate::dialogue::{RecommendKind, Session};
use crate::money::ExchangeRates;
use crate::profile::Profile;
use crate::prompts::Hints;

/// Where the shopper is, from `hello` (INTERFACE.md): used for cold start.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PageContext {
    pub page: Option<String>,
    pub product_id: Option<String>,
    pub referrer: Option<String>,
    pub device: Option<String>,
    pub locale: Option<String>,
    pub country: Option<String>,
}

/// Recent behaviour within the trust window (the profile decides what is recent and whether
/// consent allows using it at all): products viewed, newest first, products in the cart, and
/// products bought.
#[derive(Debug, Clone, Default)]
pub struct Recent {
    pub viewed: Vec<String>,
    /// Products added to the cart and not bought since, newest first.
    pub carted: Vec<String>,
    /// Bought products; excluded from recommendations unless the catalog marks them
    /// replenishable.
    pub bought: Vec<String>,
}

impl Recent {
    /// What `profile` says the shopper viewed and bought within `window` of `now` (the one
    /// builder of recent behaviour: the chat and the HTTP recommendations both use it).
    pub fn of(profile: &Profile, now: OffsetDateTime, window: Duration) -> Recent {
        let behaviour = profile.behaviour(now, window);
        let carted = behaviour
            .carted
            .iter()
            .filter(|t| !behaviour.purchased.iter().any(|p| p.product_id == t.product_id && p.at >= t.at))
            .map(|t| t.product_id.clone())
            .collect();
        let viewed = behaviour.viewed.iter().map(|t| t.product_id.clone()).collect();
        Recent { viewed, carted, bought: behaviour.owned }
    }
}

/// Everything a query is built from.
pub struct Request<'a> {
    pub session: &'a Session,
    pub kind: RecommendKind,
    pub context: &'a PageContext,
    pub recent: &'a Recent,
    pub hints: &'a Hints,
    pub rates: &'a ExchangeRates,
    pub k: usize,
}

/// Builds the catalog query for a recommendation. See the module doc.
pub fn query(index: &CatalogIndex, request: &Request<'_>) -> Query {
    let session = request.session;
    let slots = &session.slots;
    let catalog = index.catalog();
    let mut query = Query {
        keywords: session.keywords.clone(),
        interests: slots.interests.clone(),
        exclude_words: request.hints.expand(&slots.exclude),
        age: slots.age,
        below: session.refinement.below,
        above: session.refinement.above,
        k: request.k,
        ..Query::default()
    };
    if let Some(budget) = slots.budget {
        query.budget_stated = budget.stated.map(|s| s.as_str().to_string());
        let store = catalog.currency();
        let from = budget.currency.unwrap_or(store);
        let convert = |a| request.rates.convert(a, from, store);
        if request.rates.can_convert(from, store) {
            query.min_price = budget.min.and_then(convert);
            query.max_price = budget.max.and_then(convert);
        } else {
            query.min_price = budget.min;
            query.max_price = budget.max;
            query.budget_currency_assumed = Some(from);
            // A bare "€30" is said back in the shopper's currency, not as the "£30" it is read as.
            if query.budget_stated.is_none() {
                query.budget_stated = match (budget.min, budget.max) {
                    (Some(min), Some(max)) => Some(format!("{}–{}", from.format(min), from.format(max))),
                    (None, Some(max)) => Some(from.format(max)),
                    (Some(min), None) => Some(format!("{}+", from.format(min))),
                    (None, None) => None,
                };
            }
        }
    }
    if let Some(id) = &session.like
        && let Some(product) = catalog.get(id)
    {
        query.keywords = like_words(product);
        query.exclude_ids.push(id.clone());
    }
    if request.kind == RecommendKind::Other {
        query.exclude_ids.extend(session.seen.iter().cloned());
    }
    if let Some(id) = &request.context.product_id {
        query.exclude_ids.push(id.clone());
    }
    for id in &request.recent.bought {
        if catalog.get(id).is_none_or(|p| !p.replenishable) {
            query.exclude_ids.push(id.clone());
        }
    }
    query.hints = hints(index, request);
    query.synonyms = request.hints.synonyms_of(&query.keywords);
    query.audience = Some(crate::catalog::Audience::of_recipient(
        slots.recipient.as_deref(),
        slots.recipient_word.as_deref(),
        slots.age,
    ))
    .filter(|a| a.is_known());
    query
}

/// Soft hints: who it is for, the occasion, recently viewed products, the page context.
fn hints(index: &CatalogIndex, request: &Request<'_>) -> Vec<Hint> {
    let slots = &request.session.slots;
    let mut out = Vec::new();
    if let Some(recipient) = &slots.recipient {
        for word in request.hints.recipients.get(recipient).into_iter().flatten() {
            let signal = Signal::Recipient { recipient: recipient.clone(), word: slots.recipient_word.clone() };
            out.push(Hint { words: word.clone(), signal });
        }
    }
    if let Some(occasion) = &slots.occasion {
        let words = request.hints.occasions.get(occasion).cloned().unwrap_or_else(|| vec![occasion.replace('_', " ")]);
        for word in words {
            out.push(Hint { words: word, signal: Signal::Occasion { occasion: occasion.clone() } });
        }
    }
    let catalog = index.catalog();
    for id in request.recent.viewed.iter().take(3) {
        if let Some(product) = catalog.get(id)
            && let Some(term) = product.category.last()
        {
            let signal =
                Signal::Viewed { product_id: id.clone(), title: product.title.clone(), term: term.to_string() };
            out.push(Hint { words: term.to_string(), signal });
        }
    }
    if let Some(id) = &request.context.product_id
        && let Some(product) = catalog.get(id)
        && let Some(term) = product.category.last()
    {
        // The product on the page is related, not a suggestion: the shopper is looking at it.
        out.push(Hint {
            words: term.to_string(),
            signal: Signal::Context { source: "product".into(), term: term.to_string() },
        });
    }
    if let Some(referrer) = &request.context.referrer {
        for term in referrer_topics(index, referrer) {
            out.push(Hint { words: term.clone(), signal: Signal::Context { source: "referrer".into(), term } });
        }
    }
    out
}

/// Words of a product that say what it is, for "more like this one": its category's last
/// part and its title's words.
fn like_words(product: &crate::catalog::Product) -> Vec<String> {
    let mut words: Vec<String> =
        product.category.last().into_iter().flat_map(|c| c.split_whitespace()).map(str::to_lowercase).collect();
    for word in product.title.split(|c: char| !c.is_alphanumeric()).filter(|w| w.len() > 2) {
        let word = word.to_lowercase();
        if !words.contains(&word) && !word.chars().all(|c| c.is_ascii_digit()) {
            words.push(word);
        }
    }
    words.truncate(6);
    words
}

/// Topics in a referring page's address that the catalog knows about: the host's and path's
/// words, with run-together host names split ("runningblog" -> "running"), kept only when some
/// product mentions them.
pub fn referrer_topics(index: &CatalogIndex, referrer: &str) -> Vec<String> {
    let without_scheme = referrer.split("://").nth(1).unwrap_or(referrer);
    let (host, path) = without_scheme.split_once('/').unwrap_or((without_scheme, ""));
    let path = path.split(['?', '#']).next().unwrap_or("");
    let labels: Vec<&str> = host.split('.').collect();
    let host_words =
        labels[..labels.len().saturating_sub(1)].iter().filter(|l| !matches!(**l, "www" | "m" | "blog" | "co"));
    let mut candidates: Vec<String> = Vec::new();
    for label in host_words.chain(path.split(['/', '-', '_', '.', '+']).collect::<Vec<_>>().iter()) {
        let label = label.to_lowercase();
        if label.len() < 3 || label.chars().all(|c| c.is_ascii_digit()) {
            continue;
        }
        candidates.push(label.clone());
        // A run-together host name: try the longest known word at its start.
        for cut in (4..label.len().saturating_sub(2)).rev() {
            if label.is_char_boundary(cut) && index.mentions(&label[..cut]) {
                candidates.push(label[..cut].to_string());
                break;
            }
        }
    }
    let mut out: Vec<String> = Vec::new();
    for word in candidates {
        if index.mentions(&word) && !out.contains(&word) {
            out.push(word);
        }
    }
    out.truncate(3);
    out
}
