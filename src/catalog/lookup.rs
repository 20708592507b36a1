//! One ranking's view of the index: a searcher with the BM25 statistics it needs, looked up
//! once, and concept matching read straight from the postings.
//!
//! A turn asks the same questions of the index many times: every concept's words are looked
//! up for their rarity, then again by each retrieval query's BM25 weights. The index never
//! changes once built, so the corpus totals are computed at build time and each word's
//! document frequency is read once per ranking; the scores are exactly those the searcher
//! itself would give, only computed with fewer term-dictionary lookups.

use std::cell::RefCell;
use std::collections::HashMap;

use tantivy::collector::Collector;
use tantivy::query::{Bm25StatisticsProvider, Query as TantivyQuery};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocAddress, DocId, DocSet, Searcher, TERMINATED, Term};

use super::index::IndexError;
use super::memory::Memory;

/// The corpus totals BM25 needs, per scored field, fixed when the index is built.
#[derive(Debug, Clone)]
pub(crate) struct Totals {
    pub docs: u64,
    pub tokens: Vec<(Field, u64)>,
}

impl Totals {
    pub(crate) fn read(searcher: &Searcher, fields: &[Field]) -> Result<Totals, IndexError> {
        let docs = searcher.segment_readers().iter().map(|s| u64::from(s.max_doc())).sum();
        let mut tokens = Vec::with_capacity(fields.len());
        for &field in fields {
            let mut total = 0;
            for segment in searcher.segment_readers() {
                total += segment.inverted_index(field)?.total_num_tokens();
            }
            tokens.push((field, total));
        }
        Ok(Totals { docs, tokens })
    }
}

/// A searcher for one ranking, remembering each term's document frequency.
pub(crate) struct Lookup<'a> {
    searcher: Searcher,
    totals: &'a Totals,
    doc_freqs: RefCell<HashMap<Term, u64>>,
    memory: Option<&'a Memory>,
    pruned: bool,
}

impl Bm25StatisticsProvider for Lookup<'_> {
    fn total_num_tokens(&self, field: Field) -> tantivy::Result<u64> {
        match self.totals.tokens.iter().find(|(f, _)| *f == field) {
            Some((_, total)) => Ok(*total),
            None => self.searcher.total_num_tokens(field),
        }
    }

    fn total_num_docs(&self) -> tantivy::Result<u64> {
        Ok(self.totals.docs)
    }

    fn doc_freq(&self, term: &Term) -> tantivy::Result<u64> {
        if let Some(&freq) = self.doc_freqs.borrow().get(term) {
            return Ok(freq);
        }
        let freq = self.searcher.doc_freq(term)?;
        self.doc_freqs.borrow_mut().insert(term.clone(), freq);
        Ok(freq)
    }
}

impl<'a> Lookup<'a> {
    pub(crate) fn new(searcher: Searcher, totals: &'a Totals, memory: Option<&'a Memory>, pruned: bool) -> Lookup<'a> {
        Lookup { searcher, totals, doc_freqs: RefCell::new(HashMap::new()), memory, pruned }
    }

    /// Whether retrieval may take a large catalog's shortcuts: skip the all-words search when
    /// the any-word search already holds every product it would add (see `holds_every_match`
    /// in the ranker), and score only the few products narrow filters pass (see
    /// `few_admitted`); `false` runs every search in full, for checking them.
    pub(crate) fn pruned(&self) -> bool {
        self.pruned
    }

    pub(crate) fn searcher(&self) -> &Searcher {
        &self.searcher
    }

    /// The in-memory postings, when this ranking scores from them instead of tantivy's search.
    pub(crate) fn memory(&self) -> Option<&'a Memory> {
        self.memory
    }

    /// Runs `query` with BM25 statistics from this lookup (the same numbers the searcher gives).
    pub(crate) fn search<C: Collector>(&self, query: &dyn TantivyQuery, collector: &C) -> tantivy::Result<C::Fruit> {
        self.searcher.search_with_statistics_provider(query, collector, self)
    }

    /// For each candidate, whether it has `stem` in `field`: one pass over the field's
    /// postings per segment, seeking to the candidates in document order.
    pub(crate) fn has_stem(
        &self,
        field: Field,
        stem: &str,
        candidates: &[DocAddress],
    ) -> Result<Vec<bool>, IndexError> {
        let mut order: Vec<usize> = (0..candidates.len()).collect();
        order.sort_by_key(|&i| (candidates[i].segment_ord, candidates[i].doc_id));
        let mut out = vec![false; candidates.len()];
        let term = Term::from_field_text(field, stem);
        let mut current: Option<(u32, Option<tantivy::postings::SegmentPostings>)> = None;
        for &i in &order {
            let DocAddress { segment_ord, doc_id } = candidates[i];
            if current.as_ref().is_none_or(|(seg, _)| *seg != segment_ord) {
                let inverted = self.searcher.segment_reader(segment_ord).inverted_index(field)?;
                let postings =
                    inverted.read_postings(&term, IndexRecordOption::Basic).map_err(tantivy::TantivyError::from)?;
                current = Some((segment_ord, postings));
            }
            if let Some((_, Some(postings))) = current.as_mut() {
                let at: DocId = if postings.doc() < doc_id { postings.seek(doc_id) } else { postings.doc() };
                out[i] = at == doc_id && at != TERMINATED;
            }
        }
        Ok(out)
    }
}
