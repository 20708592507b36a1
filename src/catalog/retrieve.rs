//! The ranker's retrieval step on a small catalog, from the in-memory postings: the same
//! candidates with the same BM25 scores as the tantivy searches of `rank`, without their
//! per-query set-up.
//!
//! It mirrors those searches: the hard filters admit or refuse a document and add nothing to
//! its score (an empty range admits nothing, excluded phrases remove documents), and the best
//! `CANDIDATES` are kept by score, ties going to the lower document id.

use std::cmp::Ordering;
use std::ops::Bound;

use tantivy::DocAddress;

use super::collect::coarse;
use super::index::{CatalogIndex, Filters, RangeClause};
use super::memory::{Matches, Memory, intersection, union};
use super::rank::Scored;

/// What the hard filters leave.
struct Admitted {
    docs: Vec<bool>,
    /// How many documents are admitted.
    count: usize,
}

impl CatalogIndex {
    /// The candidates of a ranking with their BM25 (0.0 for those found by quality alone):
    /// `all` are every concept's stems, `searchable` those of the concepts asked for.
    pub(crate) fn retrieve_in_memory(
        &self,
        memory: &Memory,
        all: &[&[String]],
        searchable: &[&[String]],
        filters: &Filters,
        limit: usize,
        k: usize,
    ) -> Scored {
        // Sized for every candidate up front: growing it rehashes each entry again.
        let mut scored = Scored::with_capacity_and_hasher(limit.max(k).min(memory.docs() as usize), Default::default());
        let Some(admitted) = self.admitted(memory, filters) else { return scored };
        let concept = |stems: &[String]| match stems {
            [one] => memory.word(one),
            _ => intersection(stems.iter().map(|s| memory.word(s)).collect()),
        };
        let docs = memory.docs();
        if !all.is_empty() {
            let any = union(all.iter().map(|s| concept(s)).collect());
            for (doc, score) in top_scored(any, &admitted, limit) {
                scored.insert(DocAddress::new(0, doc), score);
            }
        }
        if searchable.len() > 1 {
            let every = intersection(searchable.iter().map(|s| concept(s)).collect());
            for (doc, score) in top_scored(every, &admitted, limit) {
                scored.insert(DocAddress::new(0, doc), score);
            }
        }
        if searchable.is_empty() || scored.len() < k {
            let wanted = limit.max(k);
            let admitted_docs = (0..docs).filter(|&d| admitted.docs[d as usize]);
            if admitted.count <= wanted {
                // All of them are taken: which are best does not matter.
                for doc in admitted_docs {
                    scored.entry(DocAddress::new(0, doc)).or_insert(0.0);
                }
            } else {
                // Each document's quality is read once, not at every comparison of the sort.
                let mut best: Vec<(f32, u32)> = admitted_docs.map(|d| (self.quality_of_doc(d), d)).collect();
                best.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
                for (_, doc) in best.into_iter().take(wanted) {
                    scored.entry(DocAddress::new(0, doc)).or_insert(0.0);
                }
            }
        }
        scored
    }

    fn quality_of_doc(&self, doc: u32) -> f32 {
        self.quality(self.position_of(DocAddress::new(0, doc)))
    }

    /// The documents the filter clauses let through, or `None` when a range is empty (tantivy
    /// then matches nothing at all).
    fn admitted(&self, memory: &Memory, filters: &Filters) -> Option<Admitted> {
        let docs = memory.docs() as usize;
        let mut admitted = Admitted { docs: vec![true; docs], count: docs };
        for clause in self.range_clauses(filters) {
            let column = memory.column(clause.column)?;
            let (start, end) = value_range(&clause, column.min, column.max)?;
            if start > end {
                return None;
            }
            if column.min >= start && column.max <= end {
                continue;
            }
            for (ok, value) in admitted.docs.iter_mut().zip(&column.values) {
                *ok &= (start..=end).contains(value);
            }
        }
        for stems in filters.exclude_terms.iter().filter(|s| !s.is_empty()) {
            for (doc, ok) in admitted.docs.iter_mut().enumerate() {
                if *ok && stems.iter().all(|s| memory.mentions(s, doc as u32)) {
                    *ok = false;
                }
            }
        }
        admitted.count = admitted.docs.iter().filter(|&&ok| ok).count();
        Some(admitted)
    }
}

/// tantivy's value range for a fast-field range query: the lower end raised to the column's
/// minimum, an open end taken from the column. `None` when a bound overflows (no match).
fn value_range(clause: &RangeClause, min: u64, max: u64) -> Option<(u64, u64)> {
    let start = match clause.lo {
        Bound::Included(v) => v,
        Bound::Excluded(v) => v.checked_add(1)?,
        Bound::Unbounded => min,
    }
    .max(min);
    let end = match clause.hi {
        Bound::Included(v) => v,
        Bound::Excluded(v) => v.checked_sub(1)?,
        Bound::Unbounded => max,
    };
    Some((start, end))
}

/// The best `limit` admitted documents of `query` by its score held as the collector holds it
/// (see [`coarse`]), ties to the lower document (in no particular order).
fn top_scored(query: Option<Matches>, admitted: &Admitted, limit: usize) -> Vec<(u32, f32)> {
    let Some(query) = query else { return Vec::new() };
    let mut hits: Vec<(u32, f32)> =
        query.hits.into_iter().filter(|&(d, _)| admitted.docs[d as usize]).map(|(d, s)| (d, coarse(s))).collect();
    // When every hit is kept, their order does not matter (the caller collects them into a map).
    if hits.len() > limit {
        hits.sort_by(|a, b| b.1.partial_cmp(&a.1).unwrap_or(Ordering::Equal).then(a.0.cmp(&b.0)));
        hits.truncate(limit);
    }
    hits
}
