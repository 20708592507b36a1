//! The ranker's candidates: from the in-memory postings on a small catalog, else from
//! the index's searches (the any-word search, walked by windows when it is a union of single
//! words; the all-words search when it can add something, walked by blocks when it is of
//! single words; and the best by quality when
//! nothing is searched or too little is found). On a large catalog the all-words search may go
//! first and make the any-word search needless.

use tantivy::DocAddress;
use tantivy::query::{BooleanQuery, Occur, Query as TantivyQuery};

use super::{CANDIDATES, CHECK_FROM, Concept, ConceptKind, Scored};
use crate::catalog::filtered::Filters;
use crate::catalog::index::{CatalogIndex, IndexError};
use crate::catalog::lookup::Lookup;
use crate::catalog::memory::{K1, idf};

#[cfg(test)]
thread_local! {
    /// How many rankings of this thread skipped the any-word search (for tests of the skip).
    pub(crate) static SKIPPED_ANY_WORD: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

impl CatalogIndex {
    /// The candidates with their BM25, from tantivy's searches (see the module doc).
    fn retrieve(
        &self,
        lookup: &Lookup<'_>,
        concepts: &[Concept],
        filters: &Filters,
        k: usize,
    ) -> Result<Scored, IndexError> {
        let queries: Vec<Box<dyn TantivyQuery>> = concepts.iter().map(|c| self.concept_query(&c.stems)).collect();
        let searchable: Vec<&dyn TantivyQuery> = concepts
            .iter()
            .zip(&queries)
            .filter(|(c, _)| !matches!(c.kind, ConceptKind::Hint(_)))
            .map(|(_, q)| q.as_ref())
            .collect();
        // Sized for both searches' candidates up front: growing a map rehashes every entry.
        let mut scored = Scored::with_capacity_and_hasher(2 * CANDIDATES, Default::default());
        let flat = lookup.pruned() && concepts.iter().all(|c| c.stems.len() == 1);
        // The all-words search: our walk (see `intersect`) when every word asked for is held as
        // bits (their documents are ANDed, see `dense`), or when two words are asked for on a
        // pruned catalog and a price or an age narrows them, else tantivy's search of the
        // conjunction. Under such a filter the weakest kept rises slowly, so tantivy's pruning
        // skips little and its seeks are most of the search. Otherwise, or with more words
        // (most documents of the rarest then lack the next one), tantivy's search, which
        // decodes another word's block only when a document needs it, took less time on a
        // million products whose postings were not in the processor's caches.
        let narrowed = filters.min_price.is_some()
            || filters.max_price.is_some()
            || filters.below.is_some()
            || filters.above.is_some()
            || filters.age.is_some();
        let asked: Vec<&str> = concepts
            .iter()
            .filter(|c| !matches!(c.kind, ConceptKind::Hint(_)))
            .filter_map(|c| c.stems.first().map(String::as_str))
            .collect();
        let all = || -> Result<Vec<(DocAddress, f32)>, IndexError> {
            let dense = || asked.iter().all(|s| self.dense_word(&self.term(s)).is_some());
            if flat && (narrowed && asked.len() == 2 || dense()) {
                return self.top_all_words(lookup, &asked, filters, CANDIDATES);
            }
            let all = BooleanQuery::new(searchable.iter().map(|q| (Occur::Must, q.box_clone())).collect());
            self.top_scored(lookup, &all, filters, CANDIDATES)
        };
        // On a pruned catalog, with every concept one word asked for, the all-words search goes
        // first: a block-max intersection is cheap, where the any-word search over
        // words thousands of products share scores nearly every one of them. When it keeps
        // `CANDIDATES` products that outscore any product missing a word, those are exactly the
        // best of the any-word search too, which is then not run.
        let mut every = None;
        if flat && searchable.len() > 1 && searchable.len() == concepts.len() && self.fills_all_words(lookup, concepts)
        {
            let hits = all()?;
            let weakest = hits.iter().map(|(_, s)| *s).fold(f32::MAX, f32::min);
            // (Asked for more than the candidates, the quality order may have to add some.)
            if hits.len() >= CANDIDATES.max(k) && weakest > self.best_missing_a_word(lookup, concepts) {
                #[cfg(test)]
                SKIPPED_ANY_WORD.with(|n| n.set(n.get() + 1));
                scored.extend(hits);
                return Ok(scored);
            }
            every = Some(hits);
        }
        let mut offered = 0;
        if !concepts.is_empty() {
            let hits = match self.single_words(lookup, concepts) {
                // A union of words, walked a window of documents at a time.
                Some(stems) => self.top_any_word(lookup, &stems, filters, CANDIDATES)?,
                None => {
                    let any = BooleanQuery::new(queries.iter().map(|q| (Occur::Should, q.box_clone())).collect());
                    self.top_scored(lookup, &any, filters, CANDIDATES)?
                }
            };
            offered = hits.len();
            scored.extend(hits);
        }
        if let Some(hits) = every {
            scored.extend(hits);
        } else if searchable.len() > 1 && !(flat && self.holds_every_match(lookup, concepts, &scored, offered)?) {
            // Products matching everything asked for must not be crowded out of the candidates
            // by products scoring high on one frequent word.
            scored.extend(all()?);
        }
        if searchable.is_empty() || scored.len() < k {
            for addr in self.top_quality(lookup, filters, CANDIDATES.max(k))? {
                scored.entry(addr).or_insert(0.0);
            }
        }
        Ok(scored)
    }

    /// The any-word search's words, when it is a union of single words: each concept is one
    /// word, or several of which some word is in no product (it matches nothing, so it adds
    /// nothing). `None` when some concept is several words products have.
    fn single_words<'c>(&self, lookup: &Lookup<'_>, concepts: &'c [Concept]) -> Option<Vec<&'c str>> {
        let mut stems = Vec::with_capacity(concepts.len());
        for concept in concepts {
            match concept.stems.as_slice() {
                [] => {}
                [one] => stems.push(one.as_str()),
                many if many.iter().all(|s| self.doc_freq(lookup, s) > 0) => return None,
                _ => {}
            }
        }
        Some(stems)
    }

    /// Whether the all-words search for `concepts` (each one word) is expected to fill the
    /// candidates several times over, were the words spread independently: only then is it
    /// worth running first, for a chance to skip the any-word search.
    fn fills_all_words(&self, lookup: &Lookup<'_>, concepts: &[Concept]) -> bool {
        let docs = self.len() as f64;
        let share: f64 = concepts.iter().map(|c| self.doc_freq(lookup, &c.stems[0]) as f64 / docs).product();
        share * docs >= (4 * CANDIDATES) as f64
    }

    /// More than any product missing one of `concepts` (each one word) can score in the
    /// any-word search: the most the other words can add, a word's BM25 being below
    /// `idf × (1 + k1)` whatever its frequency and the product's length (with a margin for
    /// the order the terms are summed in).
    fn best_missing_a_word(&self, lookup: &Lookup<'_>, concepts: &[Concept]) -> f32 {
        let ceiling = |c: &Concept| idf(self.doc_freq(lookup, &c.stems[0]), self.len() as u64) * (1.0 + K1);
        let ceilings: Vec<f32> = concepts.iter().map(ceiling).collect();
        let total: f32 = ceilings.iter().sum();
        let least = ceilings.iter().copied().fold(f32::MAX, f32::min);
        (total - least) * (1.0 + 1e-4)
    }

    /// Whether the all-words search would find nothing that the flat any-word search, which
    /// found `scored` (`offered` products, all of them so far), does not already hold: when
    /// some word asked for is in no product (it finds nothing), or when every concept was
    /// asked for (no hint adds its terms to the score) and either that search was not full
    /// (it then holds every product matching a word) or each product it kept mentions every
    /// concept (a product matching all words scores the same in both, so none left out can
    /// beat the weakest kept). `false` also when checking would cost more than the search.
    fn holds_every_match(
        &self,
        lookup: &Lookup<'_>,
        concepts: &[Concept],
        scored: &Scored,
        offered: usize,
    ) -> Result<bool, IndexError> {
        let asked = || concepts.iter().filter(|c| !matches!(c.kind, ConceptKind::Hint(_)));
        if asked().any(|c| !c.known) {
            // Some word asked for is in no product: nothing matches them all.
            return Ok(true);
        }
        if asked().count() < concepts.len() {
            return Ok(false);
        }
        if offered < CANDIDATES {
            return Ok(true);
        }
        // Checking costs a seek per kept product, word and field; the all-words search costs
        // about the rarest word's products, so on rarer words it is cheaper just to run it.
        let rarest = concepts.iter().map(|c| self.doc_freq(lookup, &c.stems[0])).min().unwrap_or(0);
        if rarest < (CHECK_FROM as u64) {
            return Ok(false);
        }
        let mut addresses: Vec<DocAddress> = scored.keys().copied().collect();
        addresses.sort_unstable_by_key(|a| (a.segment_ord, a.doc_id));
        for concept in concepts {
            if self.mention_all(lookup, &concept.stems, &addresses)?.contains(&false) {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// The retrieval step alone, through `lookup`: the candidates and their BM25.
    #[cfg(test)]
    pub(crate) fn retrieved(&self, lookup: &Lookup<'_>, query: &super::Query) -> Result<Scored, IndexError> {
        let concepts = self.concepts(query, lookup);
        self.candidates(lookup, &concepts, &self.filters(query), query.k)
    }

    /// The candidates with their BM25: from the in-memory postings when `lookup` has them,
    /// else with tantivy's searches.
    pub(super) fn candidates(
        &self,
        lookup: &Lookup<'_>,
        concepts: &[Concept],
        filters: &Filters,
        k: usize,
    ) -> Result<Scored, IndexError> {
        let Some(memory) = lookup.memory() else { return self.retrieve(lookup, concepts, filters, k) };
        let all: Vec<&[String]> = concepts.iter().map(|c| c.stems.as_slice()).collect();
        let searchable: Vec<&[String]> =
            concepts.iter().filter(|c| !matches!(c.kind, ConceptKind::Hint(_))).map(|c| c.stems.as_slice()).collect();
        self.retrieve_in_memory(lookup, memory, &all, &searchable, filters, k)
    }
}
