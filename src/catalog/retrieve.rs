//! The ranker's retrieval step on a small catalog, from the in-memory postings: the same
//! candidates with the same BM25 scores as the tantivy searches of `rank`, without their
//! per-query set-up.
//!
//! It mirrors those searches: the hard filters admit or refuse a document and add nothing to
//! its score (an empty range admits nothing, excluded phrases remove documents), and the best
//! `CANDIDATES` are kept by score, ties going to the lower document id.

use std::ops::Bound;

use tantivy::DocAddress;

use super::collect::coarse;
use super::filtered::{Filters, RangeClause};
use super::index::{CatalogIndex, IndexError};
use super::lookup::Lookup;
use super::memory::{Matches, Memory, intersection, union};
use super::rank::{CANDIDATES, Scored};

/// What the hard filters leave.
struct Admitted<'m> {
    /// The ranges that leave some document out: a column's values and the inclusive range
    /// that passes.
    ranges: Vec<(&'m [u64], u64, u64)>,
    /// The documents an excluded phrase removes, ascending.
    excluded: Vec<u32>,
}

impl Admitted<'_> {
    fn admits(&self, doc: u32) -> bool {
        self.ranges.iter().all(|&(values, start, end)| (start..=end).contains(&values[doc as usize]))
            && self.excluded.binary_search(&doc).is_err()
    }
}

impl CatalogIndex {
    /// The candidates of a ranking with their BM25 (0.0 for those found by quality alone):
    /// `all` are every concept's stems, `searchable` those of the concepts asked for; each
    /// search keeps its best `CANDIDATES`, and the best by quality make up at least `k`.
    pub(crate) fn retrieve_in_memory(
        &self,
        lookup: &Lookup<'_>,
        memory: &Memory,
        all: &[&[String]],
        searchable: &[&[String]],
        filters: &Filters,
        k: usize,
    ) -> Result<Scored, IndexError> {
        let limit = CANDIDATES;
        // Sized for every candidate up front: growing it rehashes each entry again.
        let mut scored = Scored::with_capacity_and_hasher(limit.max(k).min(memory.docs() as usize), Default::default());
        let Some(admitted) = self.admitted(memory, filters) else { return Ok(scored) };
        let concept = |stems: &[String]| match stems {
            [one] => memory.word(one),
            _ => intersection(stems.iter().map(|s| memory.word(s)).collect()),
        };
        if !all.is_empty() {
            let any = union(all.iter().map(|s| concept(s)).collect(), memory.docs());
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
            // The cold-start order, from the lists held in quality order (as the searches do).
            for address in self.top_quality(lookup, filters, limit.max(k))? {
                scored.entry(address).or_insert(0.0);
            }
        }
        Ok(scored)
    }

    /// What the filter clauses let through, or `None` when a range is empty (tantivy then
    /// matches nothing at all). Checked per hit rather than laid out per document: a ranking
    /// looks at a few thousand hits, not the whole catalog.
    fn admitted<'m>(&self, memory: &'m Memory, filters: &Filters) -> Option<Admitted<'m>> {
        let mut ranges = Vec::new();
        for clause in self.range_clauses(filters) {
            let column = memory.column(clause.column)?;
            let (start, end) = value_range(&clause, column.min, column.max)?;
            if start > end {
                return None;
            }
            if column.min < start || column.max > end {
                ranges.push((column.values.as_slice(), start, end));
            }
        }
        let mut excluded: Vec<u32> = Vec::new();
        for stems in filters.exclude_terms.iter().filter(|s| !s.is_empty()) {
            if let Some(matches) = intersection(stems.iter().map(|s| memory.word(s)).collect()) {
                excluded.extend(matches.hits.iter().map(|&(doc, _)| doc));
            }
        }
        excluded.sort_unstable();
        excluded.dedup();
        Some(Admitted { ranges, excluded })
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
    // BM25 is never negative, so a score's bits order as the score does: one integer per
    // hit, larger for the better one, ties to the lower document.
    let key = |(doc, score): (u32, f32)| (u64::from(coarse(score).to_bits()) << 32) | u64::from(u32::MAX - doc);
    let mut keys: Vec<u64> = query.hits.into_iter().filter(|&(doc, _)| admitted.admits(doc)).map(key).collect();
    if keys.len() > limit {
        // Only which are kept matters, not their order (the caller collects them into a map).
        keys.select_nth_unstable_by(limit - 1, |a, b| b.cmp(a));
        keys.truncate(limit);
    }
    keys.into_iter().map(|k| (u32::MAX - k as u32, f32::from_bits((k >> 32) as u32))).collect()
}
