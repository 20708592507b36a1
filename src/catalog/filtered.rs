//! The hard filters and the searches within them: the filters as value ranges over the
//! index's fast fields (plus the phrases they leave out), the best products by BM25 within
//! them (walking the query's postings, or, when the filters pass few products, scoring just
//! those), and the best by quality alone within them (the cold-start order).

use std::ops::Bound;

use tantivy::query::{Bm25StatisticsProvider, Bm25Weight, BooleanQuery, Occur, Query as TantivyQuery};
use tantivy::{DocAddress, Searcher};

use super::Product;
use super::collect::{Admission, TopAdmitted, Words};
use super::index::{CatalogIndex, IndexError, minor_units_ceil, minor_units_floor};
use super::lookup::Lookup;
use super::union::Word;
use crate::money::Amount;

#[cfg(test)]
thread_local! {
    /// How many searches of this thread scored only the few products the filters let through.
    pub(crate) static FEW_ADMITTED: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// One hard filter's range over a fast field (`price_minor`, `available`, `age_min`, `age_max`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct RangeClause {
    pub column: &'static str,
    pub lo: Bound<u64>,
    pub hi: Bound<u64>,
}

/// Filters that are never relaxed: a product outside them is not shown, whatever its score.
#[derive(Debug, Clone, Default)]
pub struct Filters {
    pub min_price: Option<Amount>,
    pub max_price: Option<Amount>,
    /// Exclusive bounds ("cheaper than these"), on top of the inclusive ones.
    pub below: Option<Amount>,
    pub above: Option<Amount>,
    pub age: Option<u32>,
    pub include_unavailable: bool,
    /// Phrases as stems (`[["remote", "control"]]`); a product mentioning every stem of any
    /// phrase, anywhere in its text, is left out.
    pub exclude_terms: Vec<Vec<String>>,
    /// Product ids left out (things already bought, products already shown, ...).
    pub exclude_ids: Vec<String>,
}

impl Filters {
    /// Whether the product passes every filter, checked on the exact product (the index's
    /// minor-unit price filter only narrows the search; this check decides).
    pub fn admit(&self, product: &Product) -> bool {
        self.admit_values(product, |age| product.suits_age(age)) && !self.exclude_ids.contains(&product.id)
    }

    /// [`Filters::admit`] but for the excluded ids, which a ranking checks by position, with
    /// `suits_age` answering as [`Product::suits_age`] does (a ranking reads the age bounds
    /// the index holds rather than parse the product's attributes again).
    pub(crate) fn admit_values(&self, product: &Product, suits_age: impl FnOnce(u32) -> bool) -> bool {
        self.min_price.is_none_or(|min| product.price >= min)
            && self.max_price.is_none_or(|max| product.price <= max)
            && self.below.is_none_or(|below| product.price < below)
            && self.above.is_none_or(|above| product.price > above)
            && (self.include_unavailable || product.available())
            && self.age.is_none_or(suits_age)
    }
}

impl CatalogIndex {
    /// The best `limit` products within `filters` by quality alone: the cold-start order (see
    /// [`Quality::best`]), in no particular order.
    pub(crate) fn top_quality(
        &self,
        lookup: &Lookup<'_>,
        filters: &Filters,
        limit: usize,
    ) -> Result<Vec<DocAddress>, IndexError> {
        let searcher = lookup.searcher();
        let admission = self.admission(searcher, filters)?;
        if admission.admits_nothing() {
            return Ok(Vec::new());
        }
        let segments = searcher
            .segment_readers()
            .iter()
            .enumerate()
            .map(|(segment, reader)| admission.for_segment(segment as u32, reader))
            .collect::<tantivy::Result<Vec<_>>>()?;
        let address = |pos: u32| self.addresses[pos as usize];
        let best = self.quality.best(
            limit,
            admission.ranges(),
            |column, pos| self.columns.value(column, address(pos)),
            |pos| segments[address(pos).segment_ord as usize].admits(address(pos).doc_id),
        );
        Ok(best.into_iter().map(address).collect())
    }

    /// The hard filters' ranges over fast fields, in the order they are added as clauses.
    /// These narrow the search; [`Filters::admit`] still checks each exact product after.
    pub(crate) fn range_clauses(&self, filters: &Filters) -> Vec<RangeClause> {
        let mut clauses = Vec::new();
        // Exclusive bounds are widened to inclusive ones here; `admit` applies them exactly.
        let min = filters.min_price.max(filters.above);
        let max = match (filters.max_price, filters.below) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        if min.is_some() || max.is_some() {
            let lo = min.map_or(Bound::Unbounded, |a| Bound::Included(minor_units_floor(a)));
            let hi = max.map_or(Bound::Unbounded, |a| Bound::Included(minor_units_ceil(a)));
            clauses.push(RangeClause { column: "price_minor", lo, hi });
        }
        if !filters.include_unavailable {
            clauses.push(RangeClause { column: "available", lo: Bound::Included(1), hi: Bound::Included(1) });
        }
        if let Some(age) = filters.age {
            let age = u64::from(age);
            clauses.push(RangeClause { column: "age_min", lo: Bound::Unbounded, hi: Bound::Included(age) });
            clauses.push(RangeClause { column: "age_max", lo: Bound::Included(age), hi: Bound::Unbounded });
        }
        clauses
    }

    /// The hard filters as the collector checks them: ranges over fast fields and the
    /// documents of excluded phrases. These narrow the search; [`Filters::admit`] still checks
    /// each exact product after.
    fn admission(&self, searcher: &Searcher, filters: &Filters) -> Result<Admission<'_>, IndexError> {
        let excluded: Vec<Box<dyn TantivyQuery>> =
            filters.exclude_terms.iter().filter(|s| !s.is_empty()).map(|stems| self.concept_query(stems)).collect();
        Ok(Admission::new(searcher, &self.columns, &self.range_clauses(filters), &excluded)?)
    }

    /// The best `limit` documents for `query` within `filters`, by the query's BM25 (a filter
    /// adds nothing to a score), ties to the earlier product; in no particular order.
    pub(crate) fn top_scored(
        &self,
        lookup: &Lookup<'_>,
        query: &dyn TantivyQuery,
        filters: &Filters,
        limit: usize,
    ) -> Result<Vec<(DocAddress, f32)>, IndexError> {
        self.top_scored_with(lookup, query, None, filters, limit)
    }

    /// [`CatalogIndex::top_scored`] for the union of one term query per stem of `stems` (a stem
    /// named twice counts twice), walked a window of documents at a time (see [`super::union`]):
    /// the same documents with the same scores (up to the order words are added in), for less
    /// work when its words are common.
    pub(crate) fn top_any_word(
        &self,
        lookup: &Lookup<'_>,
        stems: &[&str],
        filters: &Filters,
        limit: usize,
    ) -> Result<Vec<(DocAddress, f32)>, IndexError> {
        let mut words: Vec<Word> = Vec::with_capacity(stems.len());
        for (i, stem) in stems.iter().enumerate() {
            if !stems[..i].contains(stem) {
                let times = stems.iter().filter(|s| *s == stem).count() as f32;
                words.push(self.word(lookup, stem, times)?);
            }
        }
        let query = self.words_query(stems, Occur::Should);
        self.top_scored_with(lookup, &query, Some(Words::Any(self.text_field(), &words)), filters, limit)
    }

    /// [`CatalogIndex::top_scored`] for the intersection of one term query per stem of `stems`
    /// (a stem named twice counts twice), its rarest word's postings looked up in the others'
    /// (see [`super::intersect`]): the same documents with the same scores, for less work when
    /// its words are common.
    pub(crate) fn top_all_words(
        &self,
        lookup: &Lookup<'_>,
        stems: &[&str],
        filters: &Filters,
        limit: usize,
    ) -> Result<Vec<(DocAddress, f32)>, IndexError> {
        let mut words = stems.iter().map(|stem| self.word(lookup, stem, 1.0)).collect::<Result<Vec<_>, _>>()?;
        // Only this walk ANDs words held as bits.
        for word in &mut words {
            word.dense = self.dense_word(&word.term);
        }
        let query = self.words_query(stems, Occur::Must);
        self.top_scored_with(lookup, &query, Some(Words::All(self.text_field(), &words)), filters, limit)
    }

    /// One word as its term query scores it (by this lookup's statistics), `times` over; its bits
    /// are left unread (only the all-words walk uses them).
    fn word(&self, lookup: &Lookup<'_>, stem: &str, times: f32) -> Result<Word, IndexError> {
        let term = self.term(stem);
        let weight = Bm25Weight::for_terms(lookup, std::slice::from_ref(&term))?.boost_by(times);
        Ok(Word { term, weight, dense: None })
    }

    /// The union (`Should`) or intersection (`Must`) of the term queries of `stems`: what a walk
    /// stands for (and what scores the few products narrow filters pass).
    fn words_query(&self, stems: &[&str], occur: Occur) -> BooleanQuery {
        BooleanQuery::new(stems.iter().map(|s| (occur, self.concept_query(&[s.to_string()]))).collect())
    }

    fn top_scored_with(
        &self,
        lookup: &Lookup<'_>,
        query: &dyn TantivyQuery,
        words: Option<Words<'_>>,
        filters: &Filters,
        limit: usize,
    ) -> Result<Vec<(DocAddress, f32)>, IndexError> {
        let admission = self.admission(lookup.searcher(), filters)?;
        let few = if lookup.pruned() { self.few_admitted(lookup, query, &admission) } else { None };
        #[cfg(test)]
        FEW_ADMITTED.with(|n| n.set(n.get() + usize::from(few.is_some())));
        let collector =
            TopAdmitted { admission: &admission, limit, positions: &self.positions, few: few.as_deref(), words };
        let hits = lookup.search(query, &collector)?;
        Ok(hits.into_iter().map(|(score, addr)| (addr, score)).collect())
    }

    /// Every product the filters may let through, by segment and document, when they are few
    /// enough that scoring `query` on each (a seek per word) costs less than walking the
    /// postings of its words: an age few products suit, a narrow budget. A search driven over
    /// the postings prunes badly then, as its best `limit` fill slowly with what passes.
    fn few_admitted(
        &self,
        lookup: &Lookup<'_>,
        query: &dyn TantivyQuery,
        admission: &Admission,
    ) -> Option<Vec<DocAddress>> {
        /// A product checked and the query seeked to it costs about as much as walking this
        /// many postings of each word (measured at a million products, from 1 to 32).
        const POSTINGS_PER_DOCUMENT: u64 = 4;
        let address = |pos: u32| self.addresses[pos as usize];
        let narrowest =
            self.quality.narrowest(admission.ranges(), |column, pos| self.columns.value(column, address(pos)))?;
        let mut postings = 0;
        let mut words = 0;
        query.query_terms(&mut |term, _| {
            postings += lookup.doc_freq(term).unwrap_or(0);
            words += 1;
        });
        if narrowest.len() as u64 * POSTINGS_PER_DOCUMENT * words.max(1) > postings {
            return None;
        }
        let mut few: Vec<DocAddress> = narrowest.iter().map(|&pos| address(pos)).collect();
        few.sort_unstable_by_key(|a| (a.segment_ord, a.doc_id));
        Some(few)
    }
}
