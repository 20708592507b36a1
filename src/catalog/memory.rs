//! A small catalog's postings held in plain memory, so a ranking scores without tantivy's
//! per-query machinery.
//!
//! A tantivy search costs far more to set up (weights, scorers, a 4,096-slot union buffer)
//! than to run on a few hundred products, and on words thousands of products share its
//! block-max WAND skips little. For a catalog that fits in one segment of at most
//! [`MAX_DOCS`] documents, the product text's postings are read once when the index is
//! opened, each with its BM25 computed by tantivy's own formula and constants, so a word's
//! score is the very same `f32`. Sums of several words' scores are added in clause order;
//! tantivy's block-max WAND adds them in the order its cursors happen to stand, so a sum of
//! three or more may differ by a rounding step. Larger catalogs keep the tantivy searches.
//!
//! Nothing here outlives the index it was read from: a new catalog builds a new index and a
//! new `Memory`.

use std::collections::HashMap;

use tantivy::fieldnorm::FieldNormReader;
use tantivy::postings::Postings as _;
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocSet, Searcher, TERMINATED};

use super::index::{IndexError, RANGE_COLUMNS};
use super::lookup::Totals;

/// The largest catalog scored from memory. Measured on generated catalogs (BENCHMARKS.md),
/// scoring from memory costs 20-25 % fewer instructions per opening request than tantivy's
/// searches at 10,000 to 50,000 products and still 9 % fewer at 100,000, where the postings
/// held here grow to tens of megabytes; past this size the searches, which grow more slowly,
/// take over.
pub(crate) const MAX_DOCS: u32 = 65_536;

/// BM25 constants, as tantivy has them.
pub(crate) const K1: f32 = 1.2;
const B: f32 = 0.75;

/// One document's mention of a stem, with the BM25 tantivy's term query for the stem gives
/// that document: computed once when the postings are read, as the index never changes.
#[derive(Clone, Copy)]
struct Hit {
    doc: u32,
    score: f32,
}

/// A stem's postings, ascending by document.
struct List {
    hits: Vec<Hit>,
}

/// Documents a scorer matches, ascending, with their scores and the cost tantivy would give
/// that scorer (which decides the order an intersection adds its parts in).
pub(crate) struct Matches {
    pub hits: Vec<(u32, f32)>,
    pub cost: u64,
}

/// The postings of every stem of the product text, and the stemmed title words per document.
pub(crate) struct Memory {
    stems: HashMap<String, usize>,
    lists: Vec<List>,
    /// Stem ids of each document's title, by document id.
    titles: Vec<Vec<u32>>,
    /// The fast fields the hard filters range over.
    columns: Vec<Column>,
    docs: u32,
}

/// One fast field's values by document id, with the bounds tantivy's range query checks.
pub(crate) struct Column {
    pub name: &'static str,
    pub values: Vec<u64>,
    pub min: u64,
    pub max: u64,
}

impl Memory {
    /// Reads the postings of `text` (and which stems each document's `title` has) when the
    /// index is one segment of at most [`MAX_DOCS`] documents without deletions; `None`
    /// otherwise.
    pub(crate) fn read(
        searcher: &Searcher,
        text: Field,
        title: Field,
        totals: &Totals,
    ) -> Result<Option<Memory>, IndexError> {
        let [segment] = searcher.segment_readers() else { return Ok(None) };
        if segment.max_doc() > MAX_DOCS || segment.num_deleted_docs() > 0 {
            return Ok(None);
        }
        let docs = segment.max_doc();
        let tokens = totals.tokens.iter().find(|(f, _)| *f == text).map_or(0, |(_, t)| *t);
        let average = tokens as f32 / totals.docs as f32;
        // `k1 · (1 − b + b · fieldnorm / average)` for each field norm id.
        let mut norms = [0.0_f32; 256];
        for (id, slot) in norms.iter_mut().enumerate() {
            *slot = K1 * (1.0 - B + B * FieldNormReader::id_to_fieldnorm(id as u8) as f32 / average);
        }
        let mut memory = Memory {
            stems: HashMap::new(),
            lists: Vec::new(),
            titles: vec![Vec::new(); docs as usize],
            columns: Vec::new(),
            docs,
        };
        for name in RANGE_COLUMNS {
            let column = segment.fast_fields().u64(name)?;
            let values = (0..docs).map(|d| column.first(d).unwrap_or(0)).collect();
            memory.columns.push(Column { name, values, min: column.min_value(), max: column.max_value() });
        }
        let inverted = segment.inverted_index(text)?;
        let fieldnorms = segment.get_fieldnorms_reader(text)?;
        let mut stream = inverted.terms().stream().map_err(tantivy::TantivyError::from)?;
        let mut found = Vec::new();
        while stream.advance() {
            let Ok(stem) = std::str::from_utf8(stream.key()) else { continue };
            let mut postings = inverted
                .read_postings_from_terminfo(stream.value(), IndexRecordOption::WithFreqs)
                .map_err(tantivy::TantivyError::from)?;
            found.clear();
            while postings.doc() != TERMINATED {
                let doc = postings.doc();
                found.push((doc, postings.term_freq(), fieldnorms.fieldnorm_id(doc)));
                postings.advance();
            }
            // tantivy's BM25, operation for operation, so each score is the very same `f32`.
            let weight = idf(found.len() as u64, totals.docs) * (1.0 + K1);
            let score = |tf: u32, norm: u8| {
                let tf = tf as f32;
                weight * (tf / (tf + norms[norm as usize]))
            };
            let hits = found.iter().map(|&(doc, tf, norm)| Hit { doc, score: score(tf, norm) }).collect();
            memory.stems.insert(stem.to_string(), memory.lists.len());
            memory.lists.push(List { hits });
        }
        // Every word of a title is in the text too, so each has a stem id already.
        let inverted = segment.inverted_index(title)?;
        let mut stream = inverted.terms().stream().map_err(tantivy::TantivyError::from)?;
        while stream.advance() {
            let Some(&id) = std::str::from_utf8(stream.key()).ok().and_then(|s| memory.stems.get(s)) else { continue };
            let mut postings = inverted
                .read_postings_from_terminfo(stream.value(), IndexRecordOption::Basic)
                .map_err(tantivy::TantivyError::from)?;
            while postings.doc() != TERMINATED {
                memory.titles[postings.doc() as usize].push(id as u32);
                postings.advance();
            }
        }
        Ok(Some(memory))
    }

    /// The values of the fast field `name`, if it is one the filters range over.
    pub(crate) fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// Number of documents.
    pub(crate) fn docs(&self) -> u32 {
        self.docs
    }

    /// How many documents mention `stem`.
    pub(crate) fn doc_freq(&self, stem: &str) -> u64 {
        self.stems.get(stem).map_or(0, |&id| self.lists[id].hits.len() as u64)
    }

    /// Whether `doc` mentions `stem`.
    pub(crate) fn mentions(&self, stem: &str, doc: u32) -> bool {
        self.stems.get(stem).is_some_and(|&id| self.has(id, doc))
    }

    fn has(&self, id: usize, doc: u32) -> bool {
        self.lists[id].hits.binary_search_by_key(&doc, |h| h.doc).is_ok()
    }

    /// The ids of `stems` in these postings, for [`Memory::mentions_all`]; `None` when some
    /// stem is in no document (then no document mentions them all).
    pub(crate) fn stem_ids(&self, stems: &[String]) -> Option<Vec<usize>> {
        stems.iter().map(|s| self.stems.get(s).copied()).collect()
    }

    /// The documents mentioning every stem of `ids` (from [`Memory::stem_ids`]), one bit per
    /// document (see [`mentioned`]): what [`Memory::mentions`] answers for each stem, laid out
    /// once for the hundreds of candidates a ranking checks against a concept.
    pub(crate) fn mentioning_all(&self, ids: &[usize]) -> Vec<u64> {
        let words = (self.docs as usize).div_ceil(64);
        let mut all = vec![u64::MAX; words];
        let mut bits = vec![0_u64; words];
        for &id in ids {
            bits.fill(0);
            self.lists[id].hits.iter().for_each(|hit| mark(&mut bits, hit.doc));
            all.iter_mut().zip(&bits).for_each(|(a, b)| *a &= b);
        }
        all
    }

    /// The stem ids of a document's title (each once).
    pub(crate) fn title(&self, doc: u32) -> &[u32] {
        &self.titles[doc as usize]
    }

    /// What tantivy's term query for `stem` scores: its BM25 in each document that mentions
    /// it. `None` when no document does (tantivy's empty scorer, which unions drop).
    pub(crate) fn word(&self, stem: &str) -> Option<Matches> {
        let list = &self.lists[*self.stems.get(stem)?];
        let hits = list.hits.iter().map(|hit| (hit.doc, hit.score)).collect();
        Some(Matches { hits, cost: list.hits.len() as u64 })
    }
}

/// Whether `doc` is among `bits` (one bit per document, as [`Memory::mentioning_all`] gives).
pub(crate) fn mentioned(bits: &[u64], doc: u32) -> bool {
    bits[doc as usize / 64] >> (doc % 64) & 1 == 1
}

/// Puts `doc` among `bits` (one bit per document).
fn mark(bits: &mut [u64], doc: u32) {
    bits[doc as usize / 64] |= 1 << (doc % 64);
}

/// tantivy's BM25 idf: `ln(1 + (N − n + 0.5) / (n + 0.5))`.
pub(crate) fn idf(doc_freq: u64, docs: u64) -> f32 {
    let x = (docs.saturating_sub(doc_freq) as f32 + 0.5) / (doc_freq as f32 + 0.5);
    (1.0 + x).ln()
}

/// tantivy's union of scorers (a `SHOULD` boolean query) over documents below `docs`: empty
/// parts dropped, a single part passed through, otherwise every document of the parts once,
/// ascending, with the sum of its scores in clause order, starting from 0.0: the very
/// additions, in the same order, that tantivy's buffered union makes.
pub(crate) fn union(parts: Vec<Option<Matches>>, docs: u32) -> Option<Matches> {
    let mut parts: Vec<Matches> = parts.into_iter().flatten().filter(|m| !m.hits.is_empty()).collect();
    match parts.len() {
        0 => None,
        1 => parts.pop(),
        _ => {
            // Summed in place, a slot per document, as tantivy's union does: adding part by
            // part keeps each document's additions in clause order.
            let mut sums = vec![0.0_f32; docs as usize];
            let mut seen = vec![0_u64; (docs as usize).div_ceil(64)];
            for part in &parts {
                for &(doc, score) in &part.hits {
                    sums[doc as usize] += score;
                    mark(&mut seen, doc);
                }
            }
            let mut hits = Vec::with_capacity(parts.iter().map(|m| m.hits.len()).max().unwrap_or(0));
            for (word, &bits) in seen.iter().enumerate() {
                let mut bits = bits;
                while bits != 0 {
                    let doc = word as u32 * 64 + bits.trailing_zeros();
                    hits.push((doc, sums[doc as usize]));
                    bits &= bits - 1;
                }
            }
            Some(Matches { hits, cost: 0 })
        }
    }
}

/// tantivy's intersection of scorers (a `MUST` boolean query): empty if any part is, a single
/// part passed through, otherwise the parts ordered by cost (stably) and a document's score
/// `first + second + (sum of the rest)`; its cost is the first part's.
pub(crate) fn intersection(parts: Vec<Option<Matches>>) -> Option<Matches> {
    let mut parts: Vec<Matches> = parts.into_iter().collect::<Option<Vec<_>>>()?;
    if parts.iter().any(|m| m.hits.is_empty()) {
        return None;
    }
    if parts.len() == 1 {
        return parts.pop();
    }
    parts.sort_by_key(|m| m.cost);
    let cost = parts[0].cost;
    let mut cursors = vec![0_usize; parts.len()];
    let mut hits = Vec::new();
    // One buffer for every document's part scores, rather than one allocation per document.
    let mut scores = Vec::with_capacity(parts.len());
    'docs: for &(doc, first) in &parts[0].hits {
        scores.clear();
        scores.push(first);
        for (part, cursor) in parts.iter().zip(cursors.iter_mut()).skip(1) {
            while *cursor < part.hits.len() && part.hits[*cursor].0 < doc {
                *cursor += 1;
            }
            match part.hits.get(*cursor) {
                Some(&(d, s)) if d == doc => scores.push(s),
                _ => continue 'docs,
            }
        }
        let rest: f32 = scores[2..].iter().copied().sum();
        hits.push((doc, scores[0] + scores[1] + rest));
    }
    if hits.is_empty() { None } else { Some(Matches { hits, cost }) }
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::sync::Arc;

    use super::super::{Catalog, CatalogIndex};

    #[test]
    fn stems_looked_up_once_mention_what_each_stem_looked_up_per_document_mentions() {
        let demo = Catalog::load(Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/catalog/demo.jsonl"))).unwrap().0;
        let index = CatalogIndex::build(Arc::new(demo)).unwrap();
        let lookup = index.lookup();
        let memory = lookup.memory().expect("the demo store is scored from memory");
        let phrases = [vec!["train"], vec!["wooden", "train"], vec!["dinosaur", "book"], vec!["train", "zzzunknown"]];
        let mut found = 0;
        for phrase in phrases {
            let stems: Vec<String> = phrase.iter().map(|w| w.to_string()).collect();
            let ids = memory.stem_ids(&stems);
            let mentioning = ids.as_ref().map(|ids| memory.mentioning_all(ids));
            for doc in 0..memory.docs() {
                let each = stems.iter().all(|s| memory.mentions(s, doc));
                let once = mentioning.as_ref().is_some_and(|bits| super::mentioned(bits, doc));
                assert_eq!(once, each, "{phrase:?} in document {doc}");
                // And both as the postings say, read one by one.
                let in_postings = |s: &String| {
                    memory.stems.get(s).is_some_and(|&id| memory.lists[id].hits.iter().any(|h| h.doc == doc))
                };
                assert_eq!(each, stems.iter().all(in_postings), "{phrase:?} in document {doc}");
                found += usize::from(once);
            }
        }
        assert!(found > 0, "some document must mention some phrase, or the test shows nothing");
    }
}
