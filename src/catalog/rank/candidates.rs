//! The ranker's candidates: from the in-memory postings on a small catalog, else from
//! tantivy's searches (the any-word search, the all-words search when it can add something,
//! and the best by quality when nothing is searched or too little is found).

use tantivy::DocAddress;
use tantivy::query::{BooleanQuery, Occur, Query as TantivyQuery};

use super::{CANDIDATES, CHECK_FROM, Concept, ConceptKind, Scored};
use crate::catalog::index::{CatalogIndex, Filters, IndexError};
use crate::catalog::lookup::Lookup;

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
        let mut offered = 0;
        if !concepts.is_empty() {
            // With every concept one word, a union of term queries: tantivy's block-max WAND.
            let any = BooleanQuery::new(queries.iter().map(|q| (Occur::Should, q.box_clone())).collect());
            let hits = self.top_scored(lookup, &any, filters, CANDIDATES)?;
            offered = hits.len();
            scored.extend(hits);
        }
        if searchable.len() > 1 && !(flat && self.holds_every_match(lookup, concepts, &scored, offered)?) {
            // Products matching everything asked for must not be crowded out of the candidates
            // by products scoring high on one frequent word.
            let all = searchable.iter().map(|q| (Occur::Must, q.box_clone())).collect();
            scored.extend(self.top_scored(lookup, &BooleanQuery::new(all), filters, CANDIDATES)?);
        }
        if searchable.is_empty() || scored.len() < k {
            for addr in self.top_quality(lookup, filters, CANDIDATES.max(k))? {
                scored.entry(addr).or_insert(0.0);
            }
        }
        Ok(scored)
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
        let addresses: Vec<DocAddress> = scored.keys().copied().collect();
        for concept in concepts {
            if self.mention_all(lookup, &concept.stems, &addresses)?.contains(&false) {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// The retrieval step alone, through `lookup`: the candidates and their BM25.
    #[cfg(test)]
    pub(crate) fn retrieved(
        &self,
        lookup: &Lookup<'_>,
        query: &super::Query,
    ) -> Result<Scored, IndexError> {
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
        Ok(self.retrieve_in_memory(memory, &all, &searchable, filters, CANDIDATES, k))
    }
}
