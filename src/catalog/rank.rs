//! The ranker: an ordered list of rules, each only breaking the ties of the one before, and
//! the signals that placed each product, which become its `why` lines.
//!
//! Hard filters come first and are never relaxed: price range (exact decimals), availability,
//! the recipient's age against the product's stated age range, excluded words and ids.
//! Then, in order:
//!
//! 1. **Interests matched**: how many of the shopper's interests the product mentions.
//! 2. **Words matched**: the share of the request's words the product mentions, each word
//!    weighted by how rare it is in the catalog (so "dinosaur" counts more than "set"),
//!    in quarters (0, ¼, ½, ¾, all).
//! 3. **Personal hints matched**: context and behaviour hints (the referring page's topic, the
//!    category of a product viewed recently, the occasion) the product mentions.
//! 4. **Relevance tier**: BM25 (title weighted above tags, brand, category, description),
//!    relative to the best candidate, in three tiers.
//! 5. **Quality**: a Bayesian average of rating and review count.
//! 6. Catalog order, so equal products always come out the same way.
//!
//! Then **diversity**: the top `k` are picked in that order, except that a product is passed
//! over (for one of the same rules-1-to-3 bucket) when its brand already fills a third of the
//! list or it is a near-copy (same brand, most title words shared) of one already picked.
//! With nothing to search for (cold start), rules 1, 2 and 4 are empty and quality decides
//! among the products matching the hints.

use std::cmp::Ordering;
use std::collections::HashMap;

use tantivy::DocAddress;
use tantivy::query::{BooleanQuery, Occur, Query as TantivyQuery};

use super::index::{CatalogIndex, Filters, IndexError};
use super::lookup::Lookup;
use super::{Product, Signal};
use crate::money::Amount;

/// How many candidates each retrieval step considers before the rules order them.
const CANDIDATES: usize = 300;

/// What to look for. Words are given as the shopper wrote them; the ranker stems them.
#[derive(Debug, Clone, Default)]
pub struct Query {
    /// Words of the request ("wooden", "train", "set").
    pub keywords: Vec<String>,
    /// Things the recipient likes, each possibly several words ("harry potter").
    pub interests: Vec<String>,
    /// Soft hints from context and behaviour; each carries the signal it earns when matched.
    pub hints: Vec<Hint>,
    /// Words and phrases to avoid ("lego", "remote control").
    pub exclude_words: Vec<String>,
    /// Products never to show (already bought, already shown).
    pub exclude_ids: Vec<String>,
    /// Inclusive price range, in the catalog's currency.
    pub min_price: Option<Amount>,
    pub max_price: Option<Amount>,
    /// Exclusive price bounds ("cheaper than these"), in the catalog's currency.
    pub below: Option<Amount>,
    pub above: Option<Amount>,
    /// The currency the shopper's budget was stated in, when it was taken as the catalog's
    /// for want of an exchange rate (the budget reason says so).
    pub budget_currency_assumed: Option<crate::money::Currency>,
    pub age: Option<u32>,
    pub include_unavailable: bool,
    /// How many products to return.
    pub k: usize,
}

/// A soft preference: products mentioning `words` (all of them) rank higher and carry `signal`.
#[derive(Debug, Clone)]
pub struct Hint {
    pub words: String,
    pub signal: Signal,
}

/// A product in the ranking, with the signals that placed it (most important first).
#[derive(Debug, Clone)]
pub struct Ranked<'a> {
    pub product: &'a Product,
    pub signals: Vec<Signal>,
}

/// One thing to look for, with what it is and how much it weighs.
struct Concept {
    stems: Vec<String>,
    kind: ConceptKind,
    weight: f32,
}

#[derive(Clone, Copy, PartialEq)]
enum ConceptKind {
    Keyword(usize),
    Interest(usize),
    Hint(usize),
}

struct Candidate {
    position: usize,
    address: DocAddress,
    bm25: f32,
    matched: Vec<bool>,
    key: RankKey,
}

/// The sort key of rules 1-5 (rule 6, catalog order, is the position).
#[derive(Clone, Copy, PartialEq)]
struct RankKey {
    interests: u32,
    coverage: u32,
    hints: u32,
    tier: u32,
    quality: f32,
}

impl RankKey {
    fn bucket(&self) -> (u32, u32, u32) {
        (self.interests, self.coverage, self.hints)
    }

    fn cmp_desc(&self, other: &RankKey) -> Ordering {
        other
            .interests
            .cmp(&self.interests)
            .then(other.coverage.cmp(&self.coverage))
            .then(other.hints.cmp(&self.hints))
            .then(other.tier.cmp(&self.tier))
            .then(other.quality.total_cmp(&self.quality))
    }
}

impl CatalogIndex {
    /// Ranks the catalog for `query`: at most `query.k` products, all within the hard filters,
    /// each with the signals that placed it. Deterministic for the same catalog and query.
    pub fn rank(&self, query: &Query) -> Result<Vec<Ranked<'_>>, IndexError> {
        self.rank_with(&self.lookup(), query)
    }

    /// [`CatalogIndex::rank`] through `lookup`: from the in-memory postings when it has them,
    /// else with tantivy's searches.
    pub(crate) fn rank_with(&self, lookup: &Lookup<'_>, query: &Query) -> Result<Vec<Ranked<'_>>, IndexError> {
        let filters = self.filters(query);
        let concepts = self.concepts(query, lookup);
        let scored = self.candidates(lookup, &concepts, &filters, query.k)?;

        let mut candidates: Vec<Candidate> = scored
            .into_iter()
            .map(|(address, bm25)| Candidate {
                position: self.position_of(address),
                address,
                bm25,
                matched: Vec::new(),
                key: RankKey { interests: 0, coverage: 0, hints: 0, tier: 0, quality: 0.0 },
            })
            .filter(|c| filters.admit(&self.catalog().products()[c.position]))
            .collect();
        self.mark_matches(lookup, &concepts, &mut candidates)?;
        let best_bm25 = candidates.iter().map(|c| c.bm25).fold(0.0_f32, f32::max);
        for c in &mut candidates {
            c.key = self.rank_key(c, &concepts, best_bm25);
        }
        candidates.sort_by(|a, b| a.key.cmp_desc(&b.key).then(a.position.cmp(&b.position)));
        let picked = self.diversify(lookup, candidates, query.k);
        Ok(picked.into_iter().map(|c| self.explain(c, &concepts, query)).collect())
    }

    /// The candidates with their BM25, from tantivy's searches (see the module doc).
    fn retrieve(
        &self,
        lookup: &Lookup<'_>,
        concepts: &[Concept],
        filters: &Filters,
        k: usize,
    ) -> Result<HashMap<DocAddress, f32>, IndexError> {
        let queries: Vec<Box<dyn TantivyQuery>> = concepts.iter().map(|c| self.concept_query(&c.stems)).collect();
        let searchable: Vec<&dyn TantivyQuery> = concepts
            .iter()
            .zip(&queries)
            .filter(|(c, _)| !matches!(c.kind, ConceptKind::Hint(_)))
            .map(|(_, q)| q.as_ref())
            .collect();
        let mut scored: HashMap<DocAddress, f32> = HashMap::new();
        if !concepts.is_empty() {
            let any = queries.iter().map(|q| (Occur::Should, q.box_clone())).collect();
            for (addr, score) in self.top_scored(lookup, Box::new(BooleanQuery::new(any)), filters, CANDIDATES)? {
                scored.insert(addr, score);
            }
        }
        if searchable.len() > 1 {
            // Products matching everything asked for must not be crowded out of the candidates
            // by products scoring high on one frequent word.
            let all = searchable.iter().map(|q| (Occur::Must, q.box_clone())).collect();
            for (addr, score) in self.top_scored(lookup, Box::new(BooleanQuery::new(all)), filters, CANDIDATES)? {
                scored.insert(addr, score);
            }
        }
        if searchable.is_empty() || scored.len() < k {
            for addr in self.top_quality(lookup, filters, CANDIDATES.max(k))? {
                scored.entry(addr).or_insert(0.0);
            }
        }
        Ok(scored)
    }

    /// The retrieval step alone, through `lookup`: the candidates and their BM25.
    #[cfg(test)]
    pub(crate) fn retrieved(&self, lookup: &Lookup<'_>, query: &Query) -> Result<HashMap<DocAddress, f32>, IndexError> {
        let concepts = self.concepts(query, lookup);
        self.candidates(lookup, &concepts, &self.filters(query), query.k)
    }

    /// The candidates with their BM25: from the in-memory postings when `lookup` has them,
    /// else with tantivy's searches.
    fn candidates(
        &self,
        lookup: &Lookup<'_>,
        concepts: &[Concept],
        filters: &Filters,
        k: usize,
    ) -> Result<HashMap<DocAddress, f32>, IndexError> {
        let Some(memory) = lookup.memory() else { return self.retrieve(lookup, concepts, filters, k) };
        let all: Vec<&[String]> = concepts.iter().map(|c| c.stems.as_slice()).collect();
        let searchable: Vec<&[String]> =
            concepts.iter().filter(|c| !matches!(c.kind, ConceptKind::Hint(_))).map(|c| c.stems.as_slice()).collect();
        Ok(self.retrieve_in_memory(memory, &all, &searchable, filters, CANDIDATES, k))
    }

    fn filters(&self, query: &Query) -> Filters {
        Filters {
            min_price: query.min_price,
            max_price: query.max_price,
            below: query.below,
            above: query.above,
            age: query.age,
            include_unavailable: query.include_unavailable,
            exclude_terms: query.exclude_words.iter().map(|w| self.analyze(w)).collect(),
            exclude_ids: query.exclude_ids.clone(),
        }
    }

    fn concepts(&self, query: &Query, lookup: &Lookup<'_>) -> Vec<Concept> {
        let total = self.len().max(1) as f32;
        let idf = |stems: &[String]| {
            let freq = |s: &String| lookup.memory().map_or_else(|| self.doc_freq(lookup, s), |m| m.doc_freq(s));
            stems.iter().map(|s| (1.0 + total / (1 + freq(s)) as f32).ln()).fold(0.0_f32, f32::max)
        };
        let mut out = Vec::new();
        for (i, word) in query.keywords.iter().enumerate() {
            let stems = self.analyze(word);
            if !stems.is_empty() && !out.iter().any(|c: &Concept| c.stems == stems) {
                let weight = idf(&stems);
                out.push(Concept { stems, kind: ConceptKind::Keyword(i), weight });
            }
        }
        for (i, interest) in query.interests.iter().enumerate() {
            let stems = self.analyze(interest);
            if !stems.is_empty() {
                out.push(Concept { stems, kind: ConceptKind::Interest(i), weight: 1.0 });
            }
        }
        for (i, hint) in query.hints.iter().enumerate() {
            let stems = self.analyze(&hint.words);
            if !stems.is_empty() {
                out.push(Concept { stems, kind: ConceptKind::Hint(i), weight: 1.0 });
            }
        }
        out
    }

    fn mark_matches(
        &self,
        lookup: &Lookup<'_>,
        concepts: &[Concept],
        candidates: &mut [Candidate],
    ) -> Result<(), IndexError> {
        let addresses: Vec<DocAddress> = candidates.iter().map(|c| c.address).collect();
        for c in candidates.iter_mut() {
            c.matched = vec![false; concepts.len()];
        }
        for (ci, concept) in concepts.iter().enumerate() {
            for (cand, hit) in candidates.iter_mut().zip(self.mention_all(lookup, &concept.stems, &addresses)?) {
                cand.matched[ci] = hit;
            }
        }
        Ok(())
    }

    fn rank_key(&self, c: &Candidate, concepts: &[Concept], best_bm25: f32) -> RankKey {
        let (mut interests, mut hints, mut have, mut want) = (0, 0, 0.0_f32, 0.0_f32);
        for (concept, &hit) in concepts.iter().zip(&c.matched) {
            match concept.kind {
                ConceptKind::Interest(_) => interests += u32::from(hit),
                ConceptKind::Hint(_) => hints += u32::from(hit),
                ConceptKind::Keyword(_) => {
                    want += concept.weight;
                    if hit {
                        have += concept.weight;
                    }
                }
            }
        }
        let coverage = if want > 0.0 { ((have / want) * 4.0 + 1e-4).floor() as u32 } else { 0 };
        let relative = if best_bm25 > 0.0 { c.bm25 / best_bm25 } else { 0.0 };
        let tier = if relative >= 0.7 {
            2
        } else if relative >= 0.4 {
            1
        } else {
            0
        };
        RankKey { interests, coverage, hints, tier, quality: self.quality(c.position) }
    }

    /// Picks `k` candidates in rank order, passing over brand floods and near-copies within
    /// a relevance bucket (see the module doc).
    fn diversify(&self, lookup: &Lookup<'_>, mut remaining: Vec<Candidate>, k: usize) -> Vec<Candidate> {
        let products = self.catalog().products();
        let brand_cap = k.div_ceil(3).max(2);
        let mut picked: Vec<Candidate> = Vec::with_capacity(k);
        let mut titles: HashMap<usize, Vec<String>> = HashMap::new();
        while picked.len() < k && !remaining.is_empty() {
            let bucket = remaining[0].key.bucket();
            let choice = (0..remaining.len())
                .take_while(|&i| remaining[i].key.bucket() == bucket)
                .find(|&i| {
                    let p = &products[remaining[i].position];
                    let same_brand = |q: &Product| brand_key(q).is_some() && brand_key(q) == brand_key(p);
                    let brand_full = picked.iter().filter(|c| same_brand(&products[c.position])).count() >= brand_cap;
                    !brand_full
                        && !picked.iter().any(|c| {
                            let q = &products[c.position];
                            let threshold = if same_brand(q) { 0.5 } else { 0.8 };
                            let (a, b) = (c, &remaining[i]);
                            let similarity = match lookup.memory() {
                                Some(memory) => overlap(memory.title(a.address.doc_id), memory.title(b.address.doc_id)),
                                None => self.title_similarity(&mut titles, a.position, b.position),
                            };
                            similarity >= threshold
                        })
                })
                .unwrap_or(0);
            picked.push(remaining.remove(choice));
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

    fn explain(&self, c: Candidate, concepts: &[Concept], query: &Query) -> Ranked<'_> {
        let product = &self.catalog().products()[c.position];
        let mut signals = Vec::new();
        let mut terms = Vec::new();
        for (concept, &hit) in concepts.iter().zip(&c.matched) {
            if !hit {
                continue;
            }
            match concept.kind {
                ConceptKind::Keyword(i) => terms.push(query.keywords[i].to_lowercase()),
                ConceptKind::Interest(i) => signals.push(Signal::Interest { term: query.interests[i].clone() }),
                ConceptKind::Hint(i) => signals.push(query.hints[i].signal.clone()),
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
            signals.push(Signal::Budget { min: query.min_price, max: query.max_price, currency_assumed: assumed });
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

/// The share of distinct words two titles have in common (Jaccard), 1.0 for two empty titles.
fn overlap<T: PartialEq>(a: &[T], b: &[T]) -> f32 {
    let shared = a.iter().filter(|t| b.contains(t)).count() as f32;
    let union = (a.len() + b.len()) as f32 - shared;
    if union == 0.0 { 1.0 } else { shared / union }
}

fn brand_key(product: &Product) -> Option<String> {
    product.brand.as_ref().map(|b| b.trim().to_lowercase()).filter(|b| !b.is_empty())
}
