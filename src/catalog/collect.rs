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
//! [`super::intersect`], the rarest word's blocks looked up in the others'.
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
use tantivy::columnar::ColumnIndex;
use tantivy::fastfield::AliveBitSet;
use tantivy::query::{EnableScoring, Query as TantivyQuery, Weight};
use tantivy::schema::Field;
use tantivy::{BitSet, DocAddress, DocId, DocSet, Score, Searcher, SegmentOrdinal, SegmentReader, TERMINATED};

use super::filtered::RangeClause;
use super::index::{AGE_OPEN_MAX, RANGE_COLUMNS};
use super::union::Word;

/// The places of the age bounds in [`RANGE_COLUMNS`].
const AGE_MIN: usize = 2;
const AGE_MAX: usize = 3;

/// The values the hard filters range over ([`RANGE_COLUMNS`]), per segment and document, read
/// from the fast fields once when the index is opened: a filter checks a document with an
/// array read, where a fast field costs a dynamic call and a bit-unpacking per value (~11 bytes
/// per product: ~11 MB at a million).
pub(crate) struct Columns {
    segments: Vec<Arc<SegmentColumns>>,
}

/// One segment's filter values, by document.
pub(crate) struct SegmentColumns {
    /// The price in minor units (`u64::MAX` past any amount).
    price_minor: Vec<u64>,
    /// The small columns (`available`, `age_min`, `age_max`: 0/1 and whole years up to 200),
    /// in [`RANGE_COLUMNS`] order after the price.
    small: [Vec<u8>; 3],
    /// Each column's least and greatest value: a range covering both decides nothing.
    bounds: [(u64, u64); 4],
}

impl Columns {
    pub(crate) fn open(searcher: &Searcher) -> tantivy::Result<Columns> {
        let mut segments = Vec::with_capacity(searcher.segment_readers().len());
        for reader in searcher.segment_readers() {
            let docs = reader.max_doc() as usize;
            let read = |name: &str| -> tantivy::Result<(Vec<u64>, (u64, u64))> {
                let column = reader.fast_fields().u64(name)?;
                let mut values = vec![0; docs];
                match column.index {
                    ColumnIndex::Full => column.values.get_range(0, &mut values),
                    _ => values.iter_mut().enumerate().for_each(|(doc, v)| *v = column.first(doc as u32).unwrap_or(0)),
                }
                Ok((values, (column.min_value(), column.max_value())))
            };
            let (price_minor, price_bounds) = read(RANGE_COLUMNS[0])?;
            let mut small: [Vec<u8>; 3] = Default::default();
            let mut bounds = [price_bounds; 4];
            for (i, name) in RANGE_COLUMNS[1..].iter().enumerate() {
                let (values, column_bounds) = read(name)?;
                // Ages are stored up to 200 years and availability as 0 or 1 (see `index`).
                small[i] = values.into_iter().map(|v| v.min(u64::from(u8::MAX)) as u8).collect();
                bounds[i + 1] = column_bounds;
            }
            segments.push(Arc::new(SegmentColumns { price_minor, small, bounds }));
        }
        Ok(Columns { segments })
    }

    /// The value in filter column `column` (its place in [`RANGE_COLUMNS`]) of the product at
    /// `address`, as the filters compare it.
    pub(crate) fn value(&self, column: usize, address: DocAddress) -> u64 {
        self.segments[address.segment_ord as usize].value(column, address.doc_id)
    }

    /// Whether the product at `address` suits someone `age` years old, as
    /// [`super::Product::suits_age`] answers, from the age bounds held here: `None` past
    /// [`AGE_OPEN_MAX`], where a held bound no longer says (an open end is held as it).
    pub(crate) fn suits_age(&self, address: DocAddress, age: u32) -> Option<bool> {
        // A stated bound past a byte is held at 255, still above every age answered here.
        let age = u64::from(age);
        (age <= AGE_OPEN_MAX).then(|| (self.value(AGE_MIN, address)..=self.value(AGE_MAX, address)).contains(&age))
    }
}

impl SegmentColumns {
    fn value(&self, column: usize, doc: DocId) -> u64 {
        match column {
            0 => self.price_minor[doc as usize],
            _ => u64::from(self.small[column - 1][doc as usize]),
        }
    }
}

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
        let columns = Arc::clone(&self.columns.segments[segment as usize]);
        let Some(ranges) = &self.ranges else {
            return Ok(SegmentAdmission { columns, ranges: Vec::new(), excluded: None, alive, none: true });
        };
        // A range missing every value of the column admits nothing here.
        if ranges.iter().any(|&(at, start, end)| start > columns.bounds[at].1 || end < columns.bounds[at].0) {
            return Ok(SegmentAdmission { columns, ranges: Vec::new(), excluded: None, alive, none: true });
        }
        // A range covering every value of the column decides nothing here.
        let ranges = ranges
            .iter()
            .copied()
            .filter(|&(at, start, end)| start > columns.bounds[at].0 || end < columns.bounds[at].1)
            .collect();
        let mut excluded = None;
        for weight in &self.excluded {
            let set = excluded.get_or_insert_with(|| BitSet::with_max_value(reader.max_doc()));
            weight.for_each_no_score(reader, &mut |docs| {
                for &doc in docs {
                    set.insert(doc);
                }
            })?;
        }
        Ok(SegmentAdmission { columns, ranges, excluded, alive, none: false })
    }
}

impl SegmentAdmission {
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

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use tantivy::DocAddress;

    use crate::catalog::{Catalog, CatalogIndex};

    #[test]
    fn held_age_bounds_answer_as_the_products_attributes_do() {
        // Ages as merchants write them: numbers, decimals, text, one end open, past a byte,
        // negative, reversed, unreadable, none at all.
        let ages = [
            r#"{"age_min":3,"age_max":8}"#,
            r#"{"age_min":"6","age_max":"12.5"}"#,
            r#"{"age_min":14}"#,
            r#"{"age_max":2}"#,
            r#"{"age_min":0,"age_max":300}"#,
            r#"{"age_min":260}"#,
            r#"{"age_min":-4,"age_max":1000000}"#,
            r#"{"age_min":9,"age_max":5}"#,
            r#"{"age_min":"teen","age_max":null}"#,
            r#"{"age_min":199.9,"age_max":200}"#,
            r#"{}"#,
        ];
        let lines: Vec<String> = ages
            .iter()
            .enumerate()
            .map(|(i, a)| format!(r#"{{"id":"p{i}","title":"Toy {i}","price":5,"currency":"GBP","attributes":{a}}}"#))
            .collect();
        let catalog = Catalog::parse_jsonl(&lines.join("\n"), "ages.jsonl").unwrap().0;
        let index = CatalogIndex::build(Arc::new(catalog)).unwrap();
        let lookup = index.lookup();
        let mut checked = 0;
        for (segment, reader) in lookup.searcher().segment_readers().iter().enumerate() {
            for doc in 0..reader.max_doc() {
                let address = DocAddress::new(segment as u32, doc);
                let product = &index.catalog().products()[index.position_of(address)];
                for age in 0..=300 {
                    match index.columns().suits_age(address, age) {
                        Some(held) => assert_eq!(held, product.suits_age(age), "{} at {age}", product.id),
                        None => assert!(age > 200, "{} at {age}: the held bounds must answer", product.id),
                    }
                }
                checked += 1;
            }
        }
        assert_eq!(checked, ages.len());
    }
}
