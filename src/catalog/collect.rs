//! Top-k collection with the hard filters checked while collecting.
//!
//! A hard filter written as a scored `MUST` range clause turns every search into an
//! intersection, which tantivy scores document by document: on a million products a frequent
//! word meant scoring tens of thousands of them per ranking. Here the query is searched alone
//! and each document it offers is checked against the filters (fast-field ranges, excluded
//! phrases) before it may enter the top `k`. The query keeps its own shape, so tantivy's pruning
//! still applies: once `k` documents are held, whole blocks of postings that cannot beat the
//! weakest of them are skipped unscored. On words thousands of products share, where tantivy
//! could skip little, a query of single words is walked by this crate instead, with the same
//! pruning: a union by [`super::union`], a window of documents at a time; an intersection by
//! [`super::intersect`], the rarest word's blocks looked up in the others', or, when every word
//! is held as bits, by ANDing them with the budget's price cut (see [`super::dense`]).
//!
//! When the filters let only a few products through (an age few products suit, a budget a few
//! pence wide), the best `k` fill slowly and the walk over the postings prunes little: then
//! each product within the narrowest filter is checked instead, and the query is scored only
//! on those that pass, by seeking it to them (see `CatalogIndex::few_admitted`).
//!
//! The scores are the query's own BM25 (held to a precision at which the order terms are
//! summed in rarely matters: see [`coarse`]); a filter adds nothing to them. Ties go to the earlier
//! product: within a segment that is the lower document (the index keeps every segment in
//! catalog order), across segments the lower catalog position.

use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::ops::Bound;
use std::sync::Arc;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::fastfield::AliveBitSet;
use tantivy::query::{EnableScoring, Query as TantivyQuery, Weight};
use tantivy::schema::Field;
use tantivy::{BitSet, DocAddress, DocId, DocSet, Score, Searcher, SegmentOrdinal, SegmentReader, TERMINATED};

use super::columns::{Columns, SegmentColumns};
use super::filtered::RangeClause;
use super::index::RANGE_COLUMNS;
use super::union::Word;

/// The hard filters in the form the collector checks them: value ranges over fast fields
/// and phrases whose documents are left out.
pub(crate) struct Admission<'a> {
    /// Inclusive value ranges by column (its place in [`RANGE_COLUMNS`]); `None` when some
    /// range admits nothing at all.
    ranges: Option<Vec<(usize, u64, u64)>>,
    excluded: Vec<Box<dyn Weight>>,
    columns: &'a Columns,
}

/// One segment's view of an [`Admission`]: the ranges to check and the excluded documents.
pub(crate) struct SegmentAdmission {
    columns: Arc<SegmentColumns>,
    ranges: Vec<(usize, u64, u64)>,
    /// The price cut holding every document within the budget, when one does.
    cut: Option<usize>,
    excluded: Option<BitSet>,
    alive: Option<AliveBitSet>,
    none: bool,
}

impl<'a> Admission<'a> {
    /// The filters `ranges` (as [`super::CatalogIndex::range_clauses`] gives them) and the
    /// excluded phrases' queries, prepared against `searcher`, whose filter values are `columns`.
    pub(crate) fn new(
        searcher: &Searcher,
        columns: &'a Columns,
        ranges: &[RangeClause],
        excluded: &[Box<dyn TantivyQuery>],
    ) -> tantivy::Result<Admission<'a>> {
        // A small column's values are held up to 255, so its bounds are held there too: a
        // value past 255 (an age of 300) then still passes, and the exact check after decides,
        // as it does for every filter.
        let small = |v: u64| v.min(u64::from(u8::MAX));
        let ranges = ranges
            .iter()
            .map(|clause| {
                inclusive(clause).map(|(at, lo, hi)| if at == 0 { (at, lo, hi) } else { (at, small(lo), small(hi)) })
            })
            .collect::<Option<Vec<_>>>();
        let scoring = EnableScoring::disabled_from_searcher(searcher);
        let excluded = excluded.iter().map(|q| q.weight(scoring)).collect::<tantivy::Result<_>>()?;
        Ok(Admission { ranges, excluded, columns })
    }

    /// Whether some range admits no value, so that nothing passes.
    pub(crate) fn admits_nothing(&self) -> bool {
        self.ranges.is_none()
    }

    /// The inclusive value ranges that pass, by column, as [`Columns::value`] holds values.
    pub(crate) fn ranges(&self) -> &[(usize, u64, u64)] {
        self.ranges.as_deref().unwrap_or_default()
    }

    /// What this admission lets through in one segment.
    pub(crate) fn for_segment(
        &self,
        segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<SegmentAdmission> {
        let alive = reader.alive_bitset().cloned();
        let columns = Arc::clone(self.columns.segment(segment));
        let Some(ranges) = &self.ranges else {
            return Ok(SegmentAdmission { columns, ranges: Vec::new(), cut: None, excluded: None, alive, none: true });
        };
        // A range missing every value of the column admits nothing here.
        if ranges.iter().any(|&(at, start, end)| start > columns.bounds(at).1 || end < columns.bounds(at).0) {
            return Ok(SegmentAdmission { columns, ranges: Vec::new(), cut: None, excluded: None, alive, none: true });
        }
        // A range covering every value of the column decides nothing here.
        let ranges: Vec<(usize, u64, u64)> = ranges
            .iter()
            .copied()
            .filter(|&(at, start, end)| start > columns.bounds(at).0 || end < columns.bounds(at).1)
            .collect();
        let cut = ranges.iter().find(|(at, ..)| *at == 0).and_then(|&(_, _, end)| columns.cuts().at_most(end));
        let mut excluded = None;
        for weight in &self.excluded {
            let set = excluded.get_or_insert_with(|| BitSet::with_max_value(reader.max_doc()));
            weight.for_each_no_score(reader, &mut |docs| {
                for &doc in docs {
                    set.insert(doc);
                }
            })?;
        }
        Ok(SegmentAdmission { columns, ranges, cut, excluded, alive, none: false })
    }
}

impl SegmentAdmission {
    /// Of documents `64 * word` to `64 * word + 63`, as bits, those that may pass: none when
    /// nothing does, else those the price cut at or above the budget holds (see
    /// [`super::price_cuts`]). Each must still be checked ([`SegmentAdmission::admits`]).
    pub(crate) fn may_admit(&self, word: usize) -> u64 {
        match (self.none, self.cut) {
            (true, _) => 0,
            (false, Some(cut)) => self.columns.cuts().holds(cut, word),
            (false, None) => u64::MAX,
        }
    }

    /// Whether `doc` passes every filter.
    pub(crate) fn admits(&self, doc: DocId) -> bool {
        !self.none
            && self.alive.as_ref().is_none_or(|a| a.is_alive(doc))
            && self.excluded.as_ref().is_none_or(|e| !e.contains(doc))
            && self.ranges.iter().all(|&(at, start, end)| (start..=end).contains(&self.columns.value(at, doc)))
    }
}

/// A score with its last 10 bits of precision dropped (a relative step of about 1e-4),
/// which is what the collector keeps and compares.
///
/// A sum of three or more words' scores depends on the order they are added in, and
/// tantivy's block-max WAND adds them in the order its cursors happen to stand, so two
/// products with the very same text could score a rounding step apart and a tie at the
/// candidate limit go either way, differently in each search. Dropped to this precision,
/// equal texts almost always score equal (and ties go to the earlier product), while
/// relevance keeps far more precision than the ranker's tiers use.
pub(crate) fn coarse(score: Score) -> Score {
    Score::from_bits(score.to_bits() & !0x3FF)
}

/// The highest score whose [`coarse`] score is `held` (a score `coarse` returned): the same
/// bits with every dropped one set. BM25 scores are never negative, where this would not hold.
fn below_next_step(held: Score) -> Score {
    Score::from_bits(held.to_bits() | 0x3FF)
}

/// A range as inclusive ends; `None` when it admits no value.
fn inclusive(clause: &RangeClause) -> Option<(usize, u64, u64)> {
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
    let at = RANGE_COLUMNS.iter().position(|c| *c == clause.column)?;
    (start <= end).then_some((at, start, end))
}

/// The best `limit` admitted documents by score, ties to the earlier product (in no
/// particular order).
pub(crate) struct TopAdmitted<'a> {
    pub admission: &'a Admission<'a>,
    pub limit: usize,
    /// Per segment, document -> catalog position.
    pub positions: &'a [Vec<u32>],
    /// When the filters leave only a few documents, a list holding every one of them (and
    /// maybe more), by segment and document: each is checked and the query scored on it
    /// alone, instead of driving the query over all of its postings.
    pub few: Option<&'a [DocAddress]>,
    /// When the query is a union or an intersection of single words, its words: the walk is
    /// then ours rather than the query's own search.
    pub words: Option<Words<'a>>,
}

/// A query of single words in one field, walked by this crate rather than by tantivy.
#[derive(Clone, Copy)]
pub(crate) enum Words<'a> {
    /// Any of the words: [`super::union::collect`].
    Any(Field, &'a [Word]),
    /// Every one of the words: [`super::intersect::collect`].
    All(Field, &'a [Word]),
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
    /// The segment this top is collected from.
    pub(crate) fn segment(&self) -> SegmentOrdinal {
        self.segment
    }

    /// The score a document must beat to enter once `limit` are held: the highest whose
    /// [`coarse`] score is still the weakest held's (a later document must be held higher to
    /// enter), so that the search prunes as if it kept every bit.
    pub(crate) fn threshold(&self) -> Score {
        match self.held.peek() {
            Some(weakest) if self.held.len() >= self.limit => below_next_step(weakest.score),
            _ => Score::MIN,
        }
    }

    /// Whether `doc` passes every filter.
    pub(crate) fn admits(&self, doc: DocId) -> bool {
        self.admission.admits(doc)
    }

    /// Of documents `64 * word` to `64 * word + 63`, as bits, those that may pass every
    /// filter (see [`SegmentAdmission::may_admit`]).
    pub(crate) fn may_admit(&self, word: usize) -> u64 {
        self.admission.may_admit(word)
    }

    /// Keeps an admitted document if it is among the best `limit` so far.
    pub(crate) fn hold(&mut self, doc: DocId, score: Score) {
        if self.limit == 0 {
            return;
        }
        let hit = Held { score: coarse(score), doc };
        if self.held.len() < self.limit {
            self.held.push(hit);
        } else if let Some(mut weakest) = self.held.peek_mut()
            && hit < *weakest
        {
            *weakest = hit;
        }
    }
}

impl SegmentCollector for SegmentTop {
    type Fruit = Vec<(Score, DocAddress)>;

    fn collect(&mut self, doc: DocId, score: Score) {
        if self.admission.admits(doc) {
            self.hold(doc, score);
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
        let admission = self.admission.for_segment(segment, reader)?;
        Ok(SegmentTop { admission, held: BinaryHeap::with_capacity(self.limit + 1), limit: self.limit, segment })
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    fn merge_fruits(&self, fruits: Vec<Vec<(Score, DocAddress)>>) -> tantivy::Result<Self::Fruit> {
        let mut all: Vec<(Score, DocAddress)> = fruits.into_iter().flatten().collect();
        if all.len() > self.limit {
            let position = |a: &DocAddress| self.positions[a.segment_ord as usize][a.doc_id as usize];
            // Positions are unique, so the order is total and the best `limit` are one set.
            all.select_nth_unstable_by(self.limit, |a, b| {
                b.0.total_cmp(&a.0).then(position(&a.1).cmp(&position(&b.1)))
            });
            all.truncate(self.limit);
        }
        Ok(all)
    }

    /// Drives the query with pruning: each document offered is checked, and the weakest held
    /// score is handed back as the bar the next must clear. Given the few documents that may
    /// pass, checks each instead and scores the query only on those that do (by seeking it).
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
        let Some(few) = self.few else {
            match self.words {
                Some(Words::Any(field, words)) => super::union::collect(reader, field, words, &mut top)?,
                Some(Words::All(field, words)) => super::intersect::collect(reader, field, words, &mut top)?,
                None => weight.for_each_pruning(Score::MIN, reader, &mut |doc, score| {
                    top.collect(doc, score);
                    top.threshold()
                })?,
            }
            return Ok(top.harvest());
        };
        let from = few.partition_point(|a| a.segment_ord < segment);
        let to = few.partition_point(|a| a.segment_ord <= segment);
        let mut scorer = weight.scorer(reader, 1.0)?;
        for doc in few[from..to].iter().map(|a| a.doc_id) {
            if !top.admission.admits(doc) {
                continue;
            }
            let at = if scorer.doc() < doc { scorer.seek(doc) } else { scorer.doc() };
            if at == TERMINATED {
                break;
            }
            if at == doc {
                top.hold(doc, scorer.score());
            }
        }
        Ok(top.harvest())
    }
}
