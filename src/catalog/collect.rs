//! Top-k collection with the hard filters checked while collecting.
//!
//! A hard filter written as a scored `MUST` range clause turns every search into an
//! intersection, which tantivy scores document by document: on a million products a frequent
//! word meant scoring tens of thousands of them per ranking. Here the query is searched alone
//! and each document it offers is checked against the filters (fast-field ranges, excluded
//! phrases) before it may enter the top `k`. The query keeps its own shape, so a disjunction of
//! term queries is driven by tantivy's block-max WAND: once `k` documents are held, whole
//! blocks of postings that cannot beat the weakest of them are skipped unscored.
//!
//! The scores are the query's own BM25; a filter adds nothing to them. Ties go to the earlier
//! product: within a segment that is the lower document (the index keeps every segment in
//! catalog order), across segments the lower catalog position.

use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::ops::Bound;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::Column;
use tantivy::fastfield::AliveBitSet;
use tantivy::query::{EnableScoring, Query as TantivyQuery, Weight};
use tantivy::{BitSet, DocAddress, DocId, Score, Searcher, SegmentOrdinal, SegmentReader};

use super::index::RangeClause;

/// The hard filters in the form the collector checks them: value ranges over fast fields
/// and phrases whose documents are left out.
pub(crate) struct Admission {
    /// Inclusive value ranges; `None` when some range admits nothing at all.
    ranges: Option<Vec<(&'static str, u64, u64)>>,
    excluded: Vec<Box<dyn Weight>>,
}

/// One segment's view of an [`Admission`]: the columns to read and the excluded documents.
pub(crate) struct SegmentAdmission {
    columns: Vec<(Column<u64>, u64, u64)>,
    excluded: Option<BitSet>,
    alive: Option<AliveBitSet>,
    none: bool,
}

impl Admission {
    /// The filters `ranges` (as [`super::CatalogIndex::range_clauses`] gives them) and the
    /// excluded phrases' queries, prepared against `searcher`.
    pub(crate) fn new(
        searcher: &Searcher,
        ranges: &[RangeClause],
        excluded: &[Box<dyn TantivyQuery>],
    ) -> tantivy::Result<Admission> {
        let ranges = ranges.iter().map(inclusive).collect::<Option<Vec<_>>>();
        let scoring = EnableScoring::disabled_from_searcher(searcher);
        let excluded = excluded.iter().map(|q| q.weight(scoring)).collect::<tantivy::Result<_>>()?;
        Ok(Admission { ranges, excluded })
    }

    /// What this admission lets through in one segment.
    pub(crate) fn for_segment(&self, reader: &SegmentReader) -> tantivy::Result<SegmentAdmission> {
        let alive = reader.alive_bitset().cloned();
        let Some(ranges) = &self.ranges else {
            return Ok(SegmentAdmission { columns: Vec::new(), excluded: None, alive, none: true });
        };
        let mut columns = Vec::with_capacity(ranges.len());
        for &(name, start, end) in ranges {
            let column = reader.fast_fields().u64(name)?;
            // A range covering every value of the column decides nothing here.
            if start > column.min_value() || end < column.max_value() {
                columns.push((column, start, end));
            }
        }
        let mut excluded = None;
        for weight in &self.excluded {
            let set = excluded.get_or_insert_with(|| BitSet::with_max_value(reader.max_doc()));
            weight.for_each_no_score(reader, &mut |docs| {
                for &doc in docs {
                    set.insert(doc);
                }
            })?;
        }
        Ok(SegmentAdmission { columns, excluded, alive, none: false })
    }
}

impl SegmentAdmission {
    /// Whether `doc` passes every filter.
    pub(crate) fn admits(&self, doc: DocId) -> bool {
        !self.none
            && self.alive.as_ref().is_none_or(|a| a.is_alive(doc))
            && self.excluded.as_ref().is_none_or(|e| !e.contains(doc))
            && self
                .columns
                .iter()
                .all(|(column, start, end)| column.first(doc).is_some_and(|v| *start <= v && v <= *end))
    }
}

/// A range as inclusive ends; `None` when it admits no value.
fn inclusive(clause: &RangeClause) -> Option<(&'static str, u64, u64)> {
    let start = match clause.lo {
        Bound::Included(v) => v,
        Bound::Excluded(v) => v.checked_add(1)?,
        Bound::Unbounded => 0,
    };
    let end = match clause.hi {
        Bound::Included(v) => v,
        Bound::Excluded(v) => v.checked_sub(1)?,
        Bound::Unbounded => u64::MAX,
    };
    (start <= end).then_some((clause.column, start, end))
}

/// The best `limit` admitted documents by score, ties to the earlier product.
pub(crate) struct TopAdmitted<'a> {
    pub admission: &'a Admission,
    pub limit: usize,
    /// Per segment, document -> catalog position.
    pub positions: &'a [Vec<u32>],
}

/// A held hit, ordered so that the heap's top is the weakest: lowest score, then highest doc.
#[derive(Clone, Copy)]
struct Held {
    score: Score,
    doc: DocId,
}

impl PartialEq for Held {
    fn eq(&self, other: &Held) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Held {}

impl PartialOrd for Held {
    fn partial_cmp(&self, other: &Held) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Held {
    fn cmp(&self, other: &Held) -> Ordering {
        other.score.total_cmp(&self.score).then(self.doc.cmp(&other.doc))
    }
}

/// One segment's top `limit`.
pub(crate) struct SegmentTop {
    admission: SegmentAdmission,
    held: BinaryHeap<Held>,
    limit: usize,
    segment: SegmentOrdinal,
}

impl SegmentTop {
    /// The score a document must beat to enter: the weakest held once `limit` are held.
    fn threshold(&self) -> Score {
        match self.held.peek() {
            Some(weakest) if self.held.len() >= self.limit => weakest.score,
            _ => Score::MIN,
        }
    }
}

impl SegmentCollector for SegmentTop {
    type Fruit = Vec<(Score, DocAddress)>;

    fn collect(&mut self, doc: DocId, score: Score) {
        if self.limit == 0 || !self.admission.admits(doc) {
            return;
        }
        let hit = Held { score, doc };
        if self.held.len() < self.limit {
            self.held.push(hit);
        } else if let Some(mut weakest) = self.held.peek_mut()
            && hit < *weakest
        {
            *weakest = hit;
        }
    }

    fn harvest(self) -> Self::Fruit {
        let segment = self.segment;
        self.held.into_iter().map(|h| (h.score, DocAddress::new(segment, h.doc))).collect()
    }
}

impl Collector for TopAdmitted<'_> {
    type Fruit = Vec<(Score, DocAddress)>;
    type Child = SegmentTop;

    fn for_segment(&self, segment: SegmentOrdinal, reader: &SegmentReader) -> tantivy::Result<SegmentTop> {
        let admission = self.admission.for_segment(reader)?;
        Ok(SegmentTop { admission, held: BinaryHeap::with_capacity(self.limit + 1), limit: self.limit, segment })
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    fn merge_fruits(&self, fruits: Vec<Vec<(Score, DocAddress)>>) -> tantivy::Result<Self::Fruit> {
        let mut all: Vec<(Score, DocAddress)> = fruits.into_iter().flatten().collect();
        let position = |a: &DocAddress| self.positions[a.segment_ord as usize][a.doc_id as usize];
        all.sort_by(|a, b| b.0.total_cmp(&a.0).then(position(&a.1).cmp(&position(&b.1))));
        all.truncate(self.limit);
        Ok(all)
    }

    /// Drives the query with pruning: each document offered is checked, and the weakest held
    /// score is handed back as the bar the next must clear.
    fn collect_segment(
        &self,
        weight: &dyn Weight,
        segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<Vec<(Score, DocAddress)>> {
        let mut top = self.for_segment(segment, reader)?;
        if top.admission.none || self.limit == 0 {
            return Ok(Vec::new());
        }
        weight.for_each_pruning(Score::MIN, reader, &mut |doc, score| {
            top.collect(doc, score);
            top.threshold()
        })?;
        Ok(top.harvest())
    }
}
