//! The any-word search over words thousands of products share, scored a window of documents
//! at a time.
//!
//! Tantivy's block-max WAND moves one cursor per word document by document, re-sorting them
//! at each step. On a catalog whose request words each appear in 5-25 % of a million products
//! with nearly equal scores, or under filters few of them pass (so the best `k` fill slowly),
//! it can skip almost nothing and that bookkeeping is most of a ranking. Here each word's
//! postings are read a block at a time into a window of [`WINDOW`] scores, and the window's
//! documents are then checked against the filters and offered to the top `k` in document
//! order.
//!
//! Pruning is MaxScore's: the words whose best possible scores add up to no more than the
//! weakest held are "non-essential". A document having only those cannot enter, so only the
//! other words' postings are walked; the non-essential words are then looked up for just the
//! documents found (skipping whole blocks through the skip list), and only as long as they
//! could still lift a document past the weakest held. A block of a word's postings whose best
//! document could not pass even with every other word's best is passed over unscored.
//!
//! Each word is scored by tantivy's own BM25 weight for its term query, so a document scores
//! what tantivy's search of the union of those term queries gives it, up to the order the words
//! are added in (tantivy's block-max WAND adds them in whatever order its cursors stand): at
//! most a step of the collector's precision (see [`super::collect::coarse`]).

use std::sync::Arc;

use tantivy::fieldnorm::FieldNormReader;
use tantivy::postings::BlockSegmentPostings;
use tantivy::query::Bm25Weight;
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocId, Score, SegmentReader, TERMINATED, Term};

use super::collect::SegmentTop;
use super::dense::DenseWord;

/// Documents scored together: 16 KB of scores, which stay in the core's cache.
const WINDOW: u32 = 4096;

/// How much a sum of bounds is widened before it may rule a document out: floating-point sums
/// of the same scores in another order can differ in their last bits.
pub(super) const MARGIN: Score = 1.0 + 1e-5;

/// One word of a walk and how it scores: tantivy's BM25 weight for its term, multiplied by
/// how many times the union names it (a word named twice counts twice, as in the query); and
/// its documents as bits when the index holds them so (see [`super::dense`]).
#[derive(Clone)]
pub(crate) struct Word {
    pub term: Term,
    pub weight: Bm25Weight,
    pub dense: Option<Arc<DenseWord>>,
}

/// A word's postings in one segment, read forward a block at a time.
pub(super) struct Cursor {
    pub postings: BlockSegmentPostings,
    /// Where the next unread document is within the loaded block.
    pub at: usize,
    pub weight: Bm25Weight,
    /// The most this word can add to any document.
    pub best: Score,
}

impl Cursor {
    /// `word`'s postings in `reader`'s `field`; `None` when no document of the segment has it.
    pub(super) fn open(reader: &SegmentReader, field: Field, word: &Word) -> tantivy::Result<Option<Cursor>> {
        let postings = reader.inverted_index(field)?.read_block_postings(&word.term, IndexRecordOption::WithFreqs)?;
        Ok(postings.map(|postings| Cursor {
            postings,
            at: 0,
            best: word.weight.max_score(),
            weight: word.weight.clone(),
        }))
    }

    /// The next unread document, [`TERMINATED`] when none is left.
    fn doc(&mut self) -> DocId {
        loop {
            let docs = self.postings.docs();
            if docs.is_empty() {
                return TERMINATED;
            }
            if let Some(&doc) = docs.get(self.at) {
                return doc;
            }
            self.postings.advance();
            self.at = 0;
        }
    }

    /// Adds this word's score to every document before `end` (from `base`, where every unread
    /// document is) and marks them found, but for the blocks of postings whose documents cannot
    /// pass `bar` even if the other words added `others`: those are passed over unscored.
    fn add_until(&mut self, window: &mut Window<'_>, others: Score, bar: Score) {
        let (base, end) = (window.base, window.end);
        while self.doc() < end {
            let docs = self.postings.docs();
            let upto = self.at + docs[self.at..].partition_point(|&d| d < end);
            if (self.postings.block_max_score(window.norms, &self.weight) + others) * MARGIN <= bar {
                self.at = upto;
                continue;
            }
            let (docs, freqs) = (self.postings.docs(), self.postings.freqs());
            let (scores, found, norms) = (&mut *window.scores, &mut *window.found, window.norms);
            for (&doc, &freq) in docs[self.at..upto].iter().zip(&freqs[self.at..upto]) {
                let i = (doc - base) as usize;
                scores[i] += self.weight.score(norms.fieldnorm_id(doc), freq);
                found[i / 64] |= 1 << (i % 64);
            }
            self.at = upto;
        }
    }

    /// Loads the block that may hold `doc` unless the loaded one reaches it, and gives that
    /// block's last document; `None` when no document from `doc` on has this word. Documents
    /// must be asked in increasing order (the cursor only moves forward).
    pub(super) fn reach(&mut self, doc: DocId) -> Option<DocId> {
        let last = *self.postings.docs().last()?;
        if last >= doc {
            return Some(last);
        }
        self.at = self.postings.seek(doc);
        self.postings.docs().last().copied().filter(|&last| last >= doc)
    }

    /// This word's score for `doc`, if it has `doc`; documents must be asked in increasing
    /// order (the cursor only moves forward, jumping blocks through the skip list).
    fn score_of(&mut self, doc: DocId, norms: &FieldNormReader) -> Option<Score> {
        let last = *self.postings.docs().last()?;
        if last < doc {
            self.at = self.postings.seek(doc);
        }
        let docs = self.postings.docs();
        self.at += docs.get(self.at..)?.partition_point(|&d| d < doc);
        (docs.get(self.at) == Some(&doc))
            .then(|| self.weight.score(norms.fieldnorm_id(doc), self.postings.freqs()[self.at]))
    }
}

/// The documents scored together, from `base` to before `end`: their scores so far and which
/// were found.
struct Window<'a> {
    base: DocId,
    end: DocId,
    norms: &'a FieldNormReader,
    scores: &'a mut [Score],
    found: &'a mut [u64],
}

/// Offers `top` every document of `reader` having one of `words` (in `field`) that could
/// enter it, with the sum of its words' scores; see the module doc.
pub(crate) fn collect(
    reader: &SegmentReader,
    field: Field,
    words: &[Word],
    top: &mut SegmentTop,
) -> tantivy::Result<()> {
    let norms = reader.get_fieldnorms_reader(field)?;
    let mut cursors = Vec::with_capacity(words.len());
    for word in words {
        cursors.extend(Cursor::open(reader, field, word)?);
    }
    // Least to most a word can add: the non-essential words are always a prefix.
    cursors.sort_by(|a, b| a.best.total_cmp(&b.best));
    // up_to[i]: the most the words before `i` can add together.
    let up_to: Vec<Score> = std::iter::once(0.0)
        .chain(cursors.iter().scan(0.0, |sum, c| {
            *sum += c.best;
            Some(*sum)
        }))
        .collect();
    let mut scores = vec![0.0; WINDOW as usize];
    let mut found = vec![0u64; WINDOW as usize / 64];
    let mut base: DocId = 0;
    loop {
        let bar = top.threshold();
        let essential = up_to.partition_point(|&sum| sum * MARGIN <= bar).saturating_sub(1);
        let Some(next) = cursors[essential..].iter_mut().map(Cursor::doc).min() else { break };
        if next == TERMINATED {
            break;
        }
        base = base.max(next);
        let end = base.saturating_add(WINDOW);
        let mut window = Window { base, end, norms: &norms, scores: &mut scores, found: &mut found };
        for cursor in &mut cursors[essential..] {
            // What every other word could add to a document of this one.
            let others = up_to[up_to.len() - 1] - cursor.best;
            cursor.add_until(&mut window, others, bar);
        }
        for (block, bits) in found.iter_mut().enumerate() {
            while *bits != 0 {
                let i = block * 64 + bits.trailing_zeros() as usize;
                *bits &= *bits - 1;
                let (doc, mut score) = (base + i as DocId, std::mem::take(&mut scores[i]));
                if !top.admits(doc) {
                    continue;
                }
                // The non-essential words, most first, while they could still lift it in.
                let bar = top.threshold();
                for (w, cursor) in cursors[..essential].iter_mut().enumerate().rev() {
                    if (score + up_to[w + 1]) * MARGIN <= bar {
                        break;
                    }
                    score += cursor.score_of(doc, &norms).unwrap_or(0.0);
                }
                if score > bar {
                    top.hold(doc, score);
                }
            }
        }
        base = end;
    }
    Ok(())
}
