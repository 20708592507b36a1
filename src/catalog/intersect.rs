//! The all-words search over words thousands of products share, walked a block of the rarest
//! word's postings at a time, its documents looked up in the other words' blocks.
//!
//! Tantivy's block-max intersection seeks each other word's postings to every document of the
//! rarest word that could still enter, through its general `seek`. On words each in 5-25 % of
//! a million products, whose documents score nearly alike so that few blocks can be skipped,
//! that intersection was nine tenths of a two-word ranking, most of it in those seeks. Here
//! the documents of the rarest word's block that could enter are looked up in the other words'
//! blocks, already decoded, by a binary search each that does not wait for the one before
//! (see [`Running::look_up`]); the filters are checked on the few found in every word.
//!
//! Pruning is tantivy's: the documents are taken a window at a time, where each word's current
//! block holds (the rarest word's block up to where another word's block ends), and a window
//! whose best documents could not enter even at every word's block best is passed over; in a
//! window, a document of the rarest word that could not enter with the other words' block
//! bests added is dropped before it is looked up, and one that could no longer enter with
//! what the words not yet looked up could add is dropped at once.
//!
//! Each word is scored by tantivy's BM25 weight for its term query and the scores are added in
//! tantivy's order (the rarest word first, then by how many documents have each, ties in the
//! order asked), so a document scores exactly what tantivy's search of the intersection of
//! those term queries gives it.

use tantivy::fieldnorm::FieldNormReader;
use tantivy::schema::Field;
use tantivy::{DocId, Score, SegmentReader};

use super::collect::SegmentTop;
use super::union::{Cursor, MARGIN, Word};

/// How many documents a block of postings holds (tantivy's compression block).
const COMPRESSION_BLOCK_SIZE: usize = 128;

/// The documents of a window still in the running, with their scores so far.
struct Running {
    docs: [DocId; COMPRESSION_BLOCK_SIZE],
    scores: [Score; COMPRESSION_BLOCK_SIZE],
    len: usize,
}

/// Offers `top` every document of `reader` having all of `words` (in `field`; a word given
/// twice counts twice) that could enter it, with the sum of its words' scores.
pub(crate) fn collect(
    reader: &SegmentReader,
    field: Field,
    words: &[Word],
    top: &mut SegmentTop,
) -> tantivy::Result<()> {
    let norms = reader.get_fieldnorms_reader(field)?;
    // Every word held as bits: their documents are ANDed instead (see `dense`).
    let held: Option<Vec<_>> =
        words.iter().map(|w| w.dense.as_deref().map(|d| (d.segment(top.segment()), &w.weight))).collect();
    if let Some(mut held) = held {
        super::dense::collect_all(&norms, &mut held, top);
        return Ok(());
    }
    let mut cursors = Vec::with_capacity(words.len());
    for word in words {
        match Cursor::open(reader, field, word)? {
            Some(cursor) => cursors.push(cursor),
            // A word no document of this segment has: none has them all.
            None => return Ok(()),
        }
    }
    // Stable, as tantivy orders them: the same scores, added in the same order.
    cursors.sort_by_key(|c| c.postings.doc_freq());
    let Some((leader, others)) = cursors.split_first_mut() else { return Ok(()) };
    let best: Score = leader.best + others.iter().map(|c| c.best).sum::<Score>();
    // What each other word's current block can add, and what those after it can add together.
    let mut block_best = vec![0.0; others.len()];
    let mut after = vec![0.0; others.len()];
    let mut running = Running { docs: [0; COMPRESSION_BLOCK_SIZE], scores: [0.0; COMPRESSION_BLOCK_SIZE], len: 0 };
    while !leader.postings.docs().is_empty() {
        let leader_block_best = leader.postings.block_max_score(&norms, &leader.weight);
        let mut from = 0;
        while let Some(&first) = leader.postings.docs().get(from) {
            if best * MARGIN <= top.threshold() {
                return Ok(());
            }
            // The window: from `first` to where the first of the other words' blocks ends.
            let mut last = *leader.postings.docs().last().unwrap_or(&first);
            for (o, other) in others.iter_mut().enumerate() {
                let Some(other_last) = other.reach(first) else {
                    // Some word has no document from here on.
                    return Ok(());
                };
                last = last.min(other_last);
                block_best[o] = other.postings.block_max_score(&norms, &other.weight);
            }
            let mut sum = 0.0;
            for o in (0..others.len()).rev() {
                after[o] = sum;
                sum += block_best[o];
            }
            let docs = leader.postings.docs();
            let to = from + docs[from..].partition_point(|&d| d <= last);
            let bar = top.threshold();
            if (leader_block_best + sum) * MARGIN > bar {
                running.start(leader, &norms, from..to, sum, bar);
                for (o, other) in others.iter_mut().enumerate() {
                    running.look_up(other, &norms, after[o], bar);
                }
                // Last: most documents of one word lack another, and a lookup costs less than
                // checking the filters.
                running.retain_admitted(top);
                for i in 0..running.len {
                    if running.scores[i] > top.threshold() {
                        top.hold(running.docs[i], running.scores[i]);
                    }
                }
            }
            from = to;
        }
        leader.postings.advance();
        leader.at = 0;
    }
    Ok(())
}

impl Running {
    /// The documents of the leader's block in `range` that could pass `bar` were the other words
    /// to add `others` (checked without branching: most are kept or most are not), scored.
    fn start(
        &mut self,
        leader: &Cursor,
        norms: &FieldNormReader,
        range: std::ops::Range<usize>,
        others: Score,
        bar: Score,
    ) {
        let (docs, freqs) = (&leader.postings.docs()[range.clone()], &leader.postings.freqs()[range]);
        let mut len = 0;
        for (&doc, &freq) in docs.iter().zip(freqs) {
            let score = leader.weight.score(norms.fieldnorm_id(doc), freq);
            self.docs[len] = doc;
            self.scores[len] = score;
            len += usize::from((score + others) * MARGIN > bar);
        }
        self.len = len;
    }

    /// Drops the documents the filters refuse.
    fn retain_admitted(&mut self, top: &SegmentTop) {
        let mut kept = 0;
        for i in 0..self.len {
            if top.admits(self.docs[i]) {
                self.docs[kept] = self.docs[i];
                self.scores[kept] = self.scores[i];
                kept += 1;
            }
        }
        self.len = kept;
    }

    /// Adds `other`'s score to each document it has and drops the rest, and those that could no
    /// longer pass `bar` with `after` added; `other`'s loaded block must reach the last one.
    ///
    /// Each document is looked up by a binary search of `other`'s block, which the compiler
    /// makes branchless, and no search waits for the one before: the processor overlaps them.
    /// (Walking along the block instead mispredicts about once a document, as whether the next
    /// document of one word is another's is a coin toss; a search from where the last one
    /// stopped waits for it. On the million generated products both took longer, though they
    /// run fewer instructions; so did marking `other`'s documents in a table.)
    fn look_up(&mut self, other: &mut Cursor, norms: &FieldNormReader, after: Score, bar: Score) {
        let (docs, freqs) = (&other.postings.docs()[other.at..], &other.postings.freqs()[other.at..]);
        let mut kept = 0;
        for i in 0..self.len {
            let doc = self.docs[i];
            // The block reaches the last document: some document from `at` on is `doc` or after.
            let at = docs.partition_point(|&d| d < doc);
            let found = docs[at] == doc;
            let score = self.scores[i] + other.weight.score(norms.fieldnorm_id(doc), freqs[at]);
            self.docs[kept] = doc;
            self.scores[kept] = score;
            kept += usize::from(found & ((score + after) * MARGIN > bar));
        }
        self.len = kept;
    }
}
