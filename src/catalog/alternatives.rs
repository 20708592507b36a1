//! The closest products just outside what was asked, for a separate, labelled list beside the
//! products (never among them: the budget and the type asked for stay hard filters there).
//!
//! Two ways a product can be just outside: its price is over the budget's top or under its
//! floor (within half the end it misses, in rank order; farther ones after, nearest first), or it is not of the type asked for
//! but matches the rest of the request within the budget (a nearby type). Each carries a signal
//! saying how it differs, so its why line is true: "Just over your budget: Art Case, £17.99".

use super::index::{CatalogIndex, IndexError};
use super::rank::{Query, Ranked};
use super::{Product, Signal};
use crate::money::Amount;

/// How many of the best relaxed candidates are looked at to find the closest few.
const LOOK_AT: usize = 20;

/// How far outside the budget (relative to the end it misses) a product is still "just" outside.
const JUST_OUTSIDE: f64 = 0.5;

impl CatalogIndex {
    /// Up to `n` products just outside `query` (see the module doc), none of `shown`, budget
    /// misses first. Each has the signals that placed it, the first saying how it differs
    /// ([`Signal::Outside`] or [`Signal::OtherType`]). Deterministic for the same inputs.
    pub fn alternatives(&self, query: &Query, shown: &[String], n: usize) -> Result<Vec<Ranked<'_>>, IndexError> {
        let mut out: Vec<Ranked<'_>> = Vec::new();
        if n == 0 {
            return Ok(out);
        }
        let (min, max) = (query.min_price, query.max_price);
        if min.is_some() || max.is_some() {
            // The price refinements ("cheaper than these") go with the budget they narrow.
            let relaxed =
                Query { min_price: None, max_price: None, below: None, above: None, k: LOOK_AT, ..query.clone() };
            let mut outside: Vec<(f64, Ranked<'_>)> = self
                .rank(&relaxed)?
                .into_iter()
                .filter(|r| !shown.contains(&r.product.id))
                .filter_map(|r| miss(r.product, min, max).map(|(distance, signal)| (distance, with_first(r, signal))))
                .collect();
            // Just outside (within half the end they miss) in rank order, then the farther ones
            // nearest first: a dinosaur book at £6.99 before a hedgehog book at £5.99 for "a
            // dinosaur book under £5", a £200 one after both.
            outside.sort_by(|a, b| {
                let far = |d: f64| d > JUST_OUTSIDE;
                far(a.0).cmp(&far(b.0)).then(if far(a.0) { a.0.total_cmp(&b.0) } else { std::cmp::Ordering::Equal })
            });
            out.extend(outside.into_iter().map(|(_, r)| r).take(n));
        }
        if out.len() < n {
            let synonyms = |word: &str| {
                query
                    .synonyms
                    .iter()
                    .filter(|(w, _)| w.eq_ignore_ascii_case(word))
                    .flat_map(|(_, s)| s.clone())
                    .collect()
            };
            if let Some((types, names)) = self.kinds().requested_type(&query.keywords, &synonyms) {
                let asked = names.first().cloned().unwrap_or_default();
                // The rest of the request, without the type's words: "a dinosaur book" looks for
                // dinosaur things that are not books.
                let is_name = |k: &String| {
                    names.iter().chain(&query.keywords).any(|n| same(n, k) && names.iter().any(|m| same(m, k)))
                };
                // Generic words ("set", "gift") say nothing the nearby type should share.
                let keywords: Vec<String> =
                    query.keywords.iter().filter(|k| !is_name(k) && !super::kind::is_generic(k)).cloned().collect();
                if keywords.is_empty() && query.interests.is_empty() {
                    return Ok(out);
                }
                let relaxed = Query { keywords, k: LOOK_AT, ..query.clone() };
                let nearby: Vec<Ranked<'_>> = self
                    .rank(&relaxed)?
                    .into_iter()
                    .filter(|r| !shown.contains(&r.product.id) && !out.iter().any(|o| o.product.id == r.product.id))
                    .filter(|r| !self.is_of_type(&r.product.id, &types))
                    .take(n - out.len())
                    .map(|r| with_first(r, Signal::OtherType { asked: asked.clone() }))
                    .collect();
                out.extend(nearby);
            }
        }
        Ok(out)
    }

    fn is_of_type(&self, id: &str, types: &[u32]) -> bool {
        self.catalog().position(id).is_some_and(|position| self.kinds().is_type(position, types))
    }
}

/// The same word, ignoring case and plural ("Books", "book").
fn same(a: &str, b: &str) -> bool {
    super::singular(&a.to_lowercase()) == super::singular(&b.to_lowercase())
}

/// How far `product`'s price is outside `min..=max`, relative to the end it misses, and the
/// signal saying so; `None` when it is inside.
fn miss(product: &Product, min: Option<Amount>, max: Option<Amount>) -> Option<(f64, Signal)> {
    let price = product.price;
    let relative = |end: Amount| {
        let end = end.to_f64();
        if end > 0.0 { (price.to_f64() - end).abs() / end } else { f64::MAX }
    };
    if let Some(max) = max.filter(|&m| price > m) {
        return Some((relative(max), Signal::Outside { over: Some(max), under: None }));
    }
    if let Some(min) = min.filter(|&m| price < m) {
        return Some((relative(min), Signal::Outside { over: None, under: Some(min) }));
    }
    None
}

/// The ranked product with `signal` first and no budget reason (it is not within the budget).
fn with_first(mut ranked: Ranked<'_>, signal: Signal) -> Ranked<'_> {
    let outside = matches!(signal, Signal::Outside { .. });
    ranked.signals.retain(|s| !(outside && matches!(s, Signal::Budget { .. })));
    ranked.signals.insert(0, signal);
    ranked
}
