//! The ranker's last steps: picking the top `k` in rank order with diversity (no brand
//! flood, no near-copies within a relevance bucket) and explaining each pick by the signals
//! that placed it.

use std::collections::{BinaryHeap, HashMap};

use super::{Candidate, Concept, ConceptKind, Marks, Query};
use crate::catalog::index::CatalogIndex;
use crate::catalog::lookup::Lookup;
use crate::catalog::{Product, Ranked, Signal};

/// Candidates in rank order, put in order only as far as they are looked at: picking a few
/// products from hundreds of candidates then costs a heap's building and a few pops rather than
/// a sort of them all.
pub(super) struct RankOrder {
    /// The first candidates in rank order, as far as asked for (less those removed).
    sorted: Vec<usize>,
    /// The others, the next in rank order on top.
    rest: BinaryHeap<(u128, usize)>,
}

impl RankOrder {
    /// The order of candidates given as `(key, index)`, the greatest key first; keys must be
    /// unique.
    pub(super) fn new(keys: Vec<(u128, usize)>) -> RankOrder {
        RankOrder { sorted: Vec::new(), rest: BinaryHeap::from(keys) }
    }

    /// The `i`th remaining candidate in rank order, if there are that many.
    fn get(&mut self, i: usize) -> Option<usize> {
        while self.sorted.len() <= i {
            let (_, next) = self.rest.pop()?;
            self.sorted.push(next);
        }
        Some(self.sorted[i])
    }

    /// Takes out the `i`th remaining candidate, one [`RankOrder::get`] has returned.
    fn remove(&mut self, i: usize) -> usize {
        self.sorted.remove(i)
    }
}

impl CatalogIndex {
    /// Picks `k` candidates (as indices into `candidates`) from `order`, their rank order,
    /// passing over brand floods and near-copies within a relevance bucket (see the module doc).
    pub(super) fn diversify(
        &self,
        lookup: &Lookup<'_>,
        candidates: &[Candidate],
        mut order: RankOrder,
        k: usize,
    ) -> Vec<usize> {
        let products = self.catalog().products();
        let brand_cap = k.div_ceil(3).max(2);
        let mut picked: Vec<usize> = Vec::with_capacity(k);
        // The picked products' brands, beside `picked`, so each is lowercased once.
        let mut brands: Vec<Option<String>> = Vec::with_capacity(k);
        let mut titles: HashMap<usize, Vec<String>> = HashMap::new();
        while picked.len() < k {
            let Some(first) = order.get(0) else { break };
            let bucket = candidates[first].key.bucket();
            let fits = |b: &Candidate, titles: &mut HashMap<usize, Vec<String>>| {
                let brand = brand_key(&products[b.position]);
                let same_brand = |other: &Option<String>| brand.is_some() && *other == brand;
                let brand_full = brands.iter().filter(|&other| same_brand(other)).count() >= brand_cap;
                !brand_full
                    && !picked.iter().zip(&brands).any(|(&a, other)| {
                        let a = &candidates[a];
                        let threshold = if same_brand(other) { 0.5 } else { 0.8 };
                        let similarity = match lookup.memory() {
                            Some(memory) => overlap(memory.title(a.address.doc_id), memory.title(b.address.doc_id)),
                            None => self.title_similarity(titles, a.position, b.position),
                        };
                        similarity >= threshold
                    })
            };
            // The first of the bucket that fits, else the bucket's first.
            let mut choice = 0;
            let mut i = 0;
            while let Some(c) = order.get(i) {
                if candidates[c].key.bucket() != bucket {
                    break;
                }
                if fits(&candidates[c], &mut titles) {
                    choice = i;
                    break;
                }
                i += 1;
            }
            let chosen = order.remove(choice);
            brands.push(brand_key(&products[candidates[chosen].position]));
            picked.push(chosen);
        }
        picked
    }

    fn title_similarity(&self, cache: &mut HashMap<usize, Vec<String>>, a: usize, b: usize) -> f32 {
        let products = self.catalog().products();
        for pos in [a, b] {
            cache.entry(pos).or_insert_with(|| self.analyze(&products[pos].title));
        }
        overlap(&cache[&a], &cache[&b])
    }

    pub(super) fn explain(&self, c: &Candidate, marks: &Marks, concepts: &[Concept], query: &Query) -> Ranked<'_> {
        let product = &self.catalog().products()[c.position];
        let conflicts = query.audience.is_some_and(|a| self.kinds().audience(c.position).conflicts_with(&a));
        let mut signals = Vec::new();
        let mut terms = Vec::new();
        let (matched, strong, _) = marks.row(c.row);
        for ((concept, &hit), &strong) in concepts.iter().zip(matched).zip(strong) {
            // A reason names a word only when the product has it as a word; a hint's reason
            // (who it is for, the occasion, context) is the shopper's own, and said once.
            let signal = match concept.kind {
                ConceptKind::Keyword(i) if strong => {
                    terms.push(query.keywords[i].to_lowercase());
                    continue;
                }
                ConceptKind::Interest(i) if strong => Signal::Interest { term: query.interests[i].clone() },
                // "Picked for your boy" is not said of a girls' costume.
                ConceptKind::Hint(i) if (hit || strong) && !(conflicts && is_recipient(&query.hints[i].signal)) => {
                    query.hints[i].signal.clone()
                }
                _ => continue,
            };
            if !signals.contains(&signal) {
                signals.push(signal);
            }
        }
        if !terms.is_empty() {
            signals.push(Signal::Text { terms });
        }
        if let Some(age) = query.age
            && product.age_range().is_some()
        {
            signals.push(Signal::Age { age });
        }
        if query.min_price.is_some() || query.max_price.is_some() {
            let assumed = query.budget_currency_assumed;
            let (min, max, stated) = (query.min_price, query.max_price, query.budget_stated.clone());
            signals.push(Signal::Budget { min, max, currency_assumed: assumed, stated });
        }
        if let (Some(rating), Some(reviews)) = (product.rating, product.review_count)
            && rating >= 4.0
            && reviews >= 5
        {
            // Through its shortest text, so 4.6 stays 4.6 rather than 4.599999904632568.
            let rating = rating.to_string().parse().unwrap_or(f64::from(rating));
            signals.push(Signal::Rating { rating, reviews });
        }
        if let Some(reviews) = product.review_count
            && reviews >= self.popular_reviews()
        {
            signals.push(Signal::Popularity { reviews });
        }
        signals.sort_by_key(|s| Signal::KINDS.iter().position(|k| *k == s.kind()));
        Ranked { product, signals }
    }
}

fn is_recipient(signal: &Signal) -> bool {
    matches!(signal, Signal::Recipient { .. })
}

/// The share of distinct words two titles have in common (Jaccard), 1.0 for two empty titles.
fn overlap<T: PartialEq>(a: &[T], b: &[T]) -> f32 {
    let shared = a.iter().filter(|t| b.contains(t)).count() as f32;
    let union = (a.len() + b.len()) as f32 - shared;
    if union == 0.0 { 1.0 } else { shared / union }
}

fn brand_key(product: &Product) -> Option<String> {
    product.brand.as_ref().map(|b| b.trim().to_lowercase()).filter(|b| !b.is_empty())
}
