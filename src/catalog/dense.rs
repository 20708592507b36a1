//! The words a large share of a large catalog's products have, held as one bit per document,
//! so that the all-words search over them is a bitwise AND rather than a walk of postings.
//!
//! On words each in 5-25 % of a million products, whose documents score nearly alike, the
//! best few hundred of an intersection are spread over all of it: block-max pruning skips
//! almost nothing, and decoding every block of both words and looking each document of the
//! rarer one up in the other was most of a ranking (see [`super::intersect`]). Held here, the
//! documents having every word are found 64 at a time by ANDing the words' bits, and only those
//! are scored: a word's term frequency for a document is read from an array in postings order,
//! at the document's rank (the documents before it, from a running count per 64 documents).
//!
//! A word is held when at least one product in [`SHARE`] has it and at most half do (a word in
//! most products says little, and no search needs it): the most frequent first, at most
//! [`MOST`] words and [`MOST_BYTES`] in all. At a million products a word costs ~190 KB plus a
//! byte per product having it. Scores are tantivy's BM25 for the word's term query, added in
//! the order its intersection adds them, so a document scores exactly what tantivy's search of
//! the intersection gives it.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use tantivy::fieldnorm::FieldNormReader;
use tantivy::query::Bm25Weight;
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocId, Score, Searcher, Term};

use super::collect::SegmentTop;
use super::index::IndexError;
use super::union::MARGIN;

/// A word is held when at least one product in this many has it.
pub(crate) const SHARE: u64 = 32;

/// At most this many words are held, the most frequent first.
pub(crate) const MOST: usize = 256;

/// At most this many bytes are held in all (64 MiB), the most frequent words first.
pub(crate) const MOST_BYTES: u64 = 64 << 20;

/// The held words of one index, by term.
#[derive(Default)]
pub(crate) struct DenseWords {
    words: HashMap<Term, Arc<DenseWord>>,
}

/// One held word: its documents in each segment, by segment ordinal.
pub(crate) struct DenseWord {
    segments: Vec<DenseList>,
}

/// One word's documents in one segment.
pub(crate) struct DenseList {
    /// Bit `d % 64` of `bits[d / 64]` is set when document `d` has the word.
    bits: Vec<u64>,
    /// How many documents before `64 * i` have the word: the rank of the first of `bits[i]`.
    before: Vec<u32>,
    /// The word's frequency in each document having it, in document order.
    freqs: Vec<u8>,
}

impl DenseWords {
    /// Reads the held words of `field` from `searcher`'s segments (see the module doc).
    pub(crate) fn read(searcher: &Searcher, field: Field) -> Result<DenseWords, IndexError> {
        let total: u64 = searcher.segment_readers().iter().map(|s| u64::from(s.max_doc())).sum();
        // A word in one product in `SHARE` overall is in at least that share of some segment,
        // so the words worth counting across segments are found one segment at a time.
        let mut candidates: HashSet<String> = HashSet::new();
        for segment in searcher.segment_readers() {
            let inverted = segment.inverted_index(field)?;
            let mut stream = inverted.terms().stream().map_err(tantivy::TantivyError::from)?;
            while stream.advance() {
                if u64::from(stream.value().doc_freq) * SHARE >= u64::from(segment.max_doc())
                    && let Ok(word) = std::str::from_utf8(stream.key())
                {
                    candidates.insert(word.to_string());
                }
            }
        }
        let mut chosen: Vec<(u64, Term)> = Vec::new();
        for word in candidates {
            let term = Term::from_field_text(field, &word);
            let freq = searcher.doc_freq(&term)?;
            if freq * SHARE >= total && freq * 2 <= total {
                chosen.push((freq, term));
            }
        }
        chosen
            .sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.serialized_value_bytes().cmp(b.1.serialized_value_bytes())));
        chosen.truncate(MOST);
        // Bits and a running count per 64 documents, and a byte per document having the word.
        let (mut bytes, fixed) = (0, total.div_ceil(64) * 12);
        chosen.retain(|&(freq, _)| {
            bytes += fixed + freq;
            bytes <= MOST_BYTES
        });
        let mut words = HashMap::with_capacity(chosen.len());
        'words: for (_, term) in chosen {
            let mut segments = Vec::with_capacity(searcher.segment_readers().len());
            for segment in searcher.segment_readers() {
                let postings = segment
                    .inverted_index(field)?
                    .read_block_postings(&term, IndexRecordOption::WithFreqs)
                    .map_err(tantivy::TantivyError::from)?;
                match DenseList::read(postings, segment.max_doc()) {
                    Some(list) => segments.push(list),
                    // A frequency past a byte: not held (the walks of postings serve it).
                    None => continue 'words,
                }
            }
            words.insert(term, Arc::new(DenseWord { segments }));
        }
        Ok(DenseWords { words })
    }

    /// The held word of `term`, if it is held.
    pub(crate) fn get(&self, term: &Term) -> Option<Arc<DenseWord>> {
        self.words.get(term).cloned()
    }

    /// How many words are held.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.words.len()
    }
}

impl DenseWord {
    /// This word's documents in segment `segment`.
    pub(crate) fn segment(&self, segment: u32) -> &DenseList {
        &self.segments[segment as usize]
    }
}

impl DenseList {
    /// The documents of `postings` (`None`: no document of the segment has the word) in a
    /// segment of `docs` documents; `None` when some frequency does not fit in a byte.
    fn read(postings: Option<tantivy::postings::BlockSegmentPostings>, docs: DocId) -> Option<DenseList> {
        let words = (docs as usize).div_ceil(64);
        let mut list = DenseList { bits: vec![0; words], before: vec![0; words], freqs: Vec::new() };
        if let Some(mut postings) = postings {
            list.freqs.reserve(postings.doc_freq() as usize);
            while !postings.docs().is_empty() {
                for (&doc, &freq) in postings.docs().iter().zip(postings.freqs()) {
                    list.bits[doc as usize / 64] |= 1 << (doc % 64);
                    list.freqs.push(u8::try_from(freq).ok()?);
                }
                postings.advance();
            }
        }
        let mut count = 0;
        for (before, bits) in list.before.iter_mut().zip(&list.bits) {
            *before = count;
            count += bits.count_ones();
        }
        Some(list)
    }

    /// How many documents of the segment have the word.
    fn doc_freq(&self) -> usize {
        self.freqs.len()
    }

    /// The word's frequency in document `64 * word + bit`, which must have it.
    fn freq(&self, word: usize, bit: u32) -> u32 {
        let below = self.bits[word] & ((1_u64 << bit) - 1);
        u32::from(self.freqs[self.before[word] as usize + below.count_ones() as usize])
    }
}

/// Offers `top` every document of the segment having all of `words` (each held, with its
/// BM25 weight; a word given twice counts twice) that could enter it, with the sum of its
/// words' scores added in tantivy's order: the rarest word first, then by how many documents
/// have each, ties in the order given.
pub(crate) fn collect_all(norms: &FieldNormReader, words: &mut [(&DenseList, &Bm25Weight)], top: &mut SegmentTop) {
    words.sort_by_key(|(list, _)| list.doc_freq());
    let Some(((first, _), _)) = words.split_first() else { return };
    let best: Score = words.iter().map(|(_, weight)| weight.max_score()).sum();
    for at in 0..first.bits.len() {
        // Those a budget refuses are left out unread, 64 at a time.
        let mut both = words.iter().fold(top.may_admit(at), |bits, (list, _)| bits & list.bits[at]);
        if both == 0 {
            continue;
        }
        if best * MARGIN <= top.threshold() {
            return;
        }
        while both != 0 {
            let bit = both.trailing_zeros();
            both &= both - 1;
            let doc = (at * 64) as DocId + bit;
            let norm = norms.fieldnorm_id(doc);
            let score: Score = words.iter().map(|(list, weight)| weight.score(norm, list.freq(at, bit))).sum();
            if score > top.threshold() && top.admits(doc) {
                top.hold(doc, score);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use crate::catalog::{Catalog, CatalogIndex};

    #[test]
    fn words_in_a_share_of_the_products_are_held_and_rare_ones_universal_ones_and_loud_ones_are_not() {
        // 320 products: "kite" in a quarter, "robot" in 9 (under one in 32), "toy" in all,
        // "drum" in a quarter but said 300 times by one (a frequency past a byte).
        let lines: Vec<String> = (0..320)
            .map(|i| {
                let mut title = String::from("toy");
                if i % 4 == 0 {
                    title.push_str(" kite");
                }
                if i < 9 {
                    title.push_str(" robot");
                }
                if i % 4 == 1 {
                    title.push_str(&" drum".repeat(if i == 1 { 300 } else { 1 }));
                }
                format!(r#"{{"id":"p{i}","title":"{title}","price":5,"currency":"GBP"}}"#)
            })
            .collect();
        let catalog = Catalog::parse_jsonl(&lines.join("\n"), "dense.jsonl").unwrap().0;
        let index = CatalogIndex::build(Arc::new(catalog)).unwrap();
        assert_eq!(index.dense_words(), 0, "a catalog scored from memory holds none");
        let index = index.holding_dense(true);
        let held = |word: &str| index.dense_word(&index.term(word)).is_some();
        assert!(held("kite"));
        assert!(!held("robot"), "in fewer than one product in 32");
        assert!(!held("toy"), "in more than half of the products");
        assert!(!held("drum"), "a frequency past a byte");
        assert_eq!(index.dense_words(), 1);
    }
}
