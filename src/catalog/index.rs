//! The full-text index over a catalog, on tantivy: built in memory, or opened memory-mapped
//! from the prebuilt index `concierge index` wrote beside the catalog (see [`super::prebuilt`]).
//!
//! A product's text (title, brand, tags, category path, description) is one field, `text`,
//! tokenised with tantivy's English stemmer, so "trains" finds "Train Set". Each part is
//! written into it as many times as it weighs (see [`PARTS`]): a word's frequency there is the
//! weighted sum of its frequencies in the parts, which is BM25F with whole weights. One
//! term per word, rather than one per word and part, is what lets tantivy prune a search with
//! block-max WAND (a union of words) or a block-max intersection (every word). The title is
//! also indexed alone, unscored, for the near-copy check of small catalogs. Price (in minor
//! units), availability and the age range are fast fields the hard filters check while
//! collecting (see [`super::collect`]). Each document stores its position in the [`Catalog`], so a hit maps
//! straight back to the exact `Product` and its exact decimal price.

use std::sync::Arc;

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use tantivy::collector::TopDocs;
use tantivy::query::{Bm25StatisticsProvider, BooleanQuery, Occur, Query as TantivyQuery, TermQuery};
use tantivy::schema::{FAST, Field, INDEXED, IndexRecordOption, Schema, TextFieldIndexing, TextOptions};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{
    DocAddress, Index, IndexReader, IndexSettings, IndexSortByField, IndexWriter, Order, ReloadPolicy, Searcher,
    TantivyDocument, Term,
};

use super::columns::Columns;
use super::dense::DenseWords;
use super::kind::Kinds;
use super::lookup::{Lookup, Totals};
use super::memory::Memory;
use super::quality::Quality;
use super::{Catalog, Product};
use crate::money::Amount;

/// Why building or querying the index failed; only ever an internal fault, never bad input.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error("search index: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
    /// The prebuilt index could not be written or read.
    #[error("prebuilt index {path}: {source}")]
    Io { path: String, source: std::io::Error },
    /// The prebuilt index's files do not describe this catalog (written by another version,
    /// truncated): it is not used, and `concierge index` rebuilds it.
    #[error("prebuilt index {path}: {message}")]
    Corrupt { path: String, message: String },
}

/// The parts of a product's text, with how many times each is written into the `text` field:
/// its weight in relevance scoring (a word of the title counts three times one of the
/// description).
const PARTS: [(Part, usize); 5] =
    [(Part::Title, 3), (Part::Brand, 2), (Part::Tags, 2), (Part::Category, 2), (Part::Description, 1)];

#[derive(Clone, Copy)]
enum Part {
    Title,
    Brand,
    Tags,
    Category,
    Description,
}

/// The fast fields the hard filters range over: the price first, held at full width by the
/// collector's filter values; the others are held in a byte (see `columns::Columns`).
pub(crate) const RANGE_COLUMNS: [&str; 4] = ["price_minor", "available", "age_min", "age_max"];

/// Ages are stored in whole years; an open end is stored as these bounds.
pub(crate) const AGE_OPEN_MAX: u64 = 200;

#[derive(Clone, Copy)]
pub(crate) struct Fields {
    text: Field,
    title: Field,
    position: Field,
    price_minor: Field,
    available: Field,
    age_min: Field,
    age_max: Field,
}

/// A catalog with its index. Immutable once built; share it behind an `Arc`.
pub struct CatalogIndex {
    catalog: Arc<Catalog>,
    index: Index,
    reader: IndexReader,
    fields: Fields,
    analyzer: TextAnalyzer,
    /// Per segment (by ordinal), document id -> position in the catalog.
    pub(super) positions: Vec<Vec<u32>>,
    /// The values the hard filters range over, per segment and document.
    pub(super) columns: Columns,
    /// Position in the catalog -> document.
    pub(super) addresses: Vec<DocAddress>,
    /// Each product's quality and the cold-start order (see [`Quality`]).
    pub(super) quality: Quality,
    /// Review count from which a product counts as one of the catalog's most reviewed.
    popular_reviews: u64,
    /// The corpus totals of BM25, fixed since the index never changes once built.
    totals: Totals,
    /// A small catalog's postings, scored without tantivy's query machinery.
    memory: Option<Memory>,
    /// What each product is, in whole words (see [`super::kind`]).
    kinds: Kinds,
    /// The words many products share, as bits, for a large catalog's all-words search.
    dense: DenseWords,
}

impl CatalogIndex {
    /// Indexes every product of the catalog in memory. Costs about 50 ms per 10,000 products.
    pub fn build(catalog: Arc<Catalog>) -> Result<CatalogIndex, IndexError> {
        let index = Index::builder().schema(schema()).settings(settings()).create_in_ram()?;
        let threads = if catalog.len() > 50_000 { 2 } else { 1 };
        let mut writer = index.writer_with_num_threads::<TantivyDocument>(threads, 120_000_000)?;
        write_documents(&mut writer, &Fields::of(&index.schema())?, catalog.products())?;
        writer.commit()?;
        writer.wait_merging_threads()?;
        let kinds = Kinds::build(catalog.products());
        CatalogIndex::assemble(catalog, index, kinds)
    }

    /// [`CatalogIndex::build`], but one segment per run of `sizes` products (the rest in a last
    /// one), never merged: what a build on several threads can give, for tests of the searches
    /// across segments.
    #[cfg(test)]
    pub(crate) fn build_in_segments(catalog: Arc<Catalog>, sizes: &[usize]) -> Result<CatalogIndex, IndexError> {
        let index = Index::builder().schema(schema()).settings(settings()).create_in_ram()?;
        let mut writer = index.writer_with_num_threads::<TantivyDocument>(1, 50_000_000)?;
        writer.set_merge_policy(Box::new(tantivy::indexer::NoMergePolicy));
        let fields = Fields::of(&index.schema())?;
        let products = catalog.products();
        let mut first = 0;
        for size in sizes.iter().copied().chain([products.len()]) {
            let last = (first + size).min(products.len());
            if last > first {
                write_documents_from(&mut writer, &fields, &products[first..last], first)?;
                writer.commit()?;
            }
            first = last;
        }
        writer.wait_merging_threads()?;
        let kinds = Kinds::build(catalog.products());
        CatalogIndex::assemble(catalog, index, kinds)
    }

    /// The index over `catalog` from a tantivy index holding its documents (built now, or
    /// opened from disk) and the products' kinds.
    pub(crate) fn assemble(catalog: Arc<Catalog>, index: Index, kinds: Kinds) -> Result<CatalogIndex, IndexError> {
        let fields = Fields::of(&index.schema())?;
        let analyzer = index.tokenizer_for_field(fields.text)?;
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        let searcher = reader.searcher();
        let positions = read_positions(&searcher, catalog.len())?;
        let columns = Columns::open(&searcher)?;
        let mut addresses = vec![DocAddress::new(0, 0); catalog.len()];
        for (segment, docs) in positions.iter().enumerate() {
            for (doc, &pos) in docs.iter().enumerate() {
                addresses[pos as usize] = DocAddress::new(segment as u32, doc as u32);
            }
        }
        let totals = Totals::read(&searcher, &[fields.text])?;
        let memory = Memory::read(&searcher, fields.text, fields.title, &totals)?;
        // Only the searches of a catalog not scored from memory use them.
        let dense = if memory.is_none() { DenseWords::read(&searcher, fields.text)? } else { DenseWords::default() };
        let quality =
            Quality::of(catalog.products(), RANGE_COLUMNS.len(), |column, pos| columns.value(column, addresses[pos]));
        let popular_reviews = popularity_threshold(catalog.products());
        Ok(CatalogIndex {
            catalog,
            index,
            reader,
            fields,
            analyzer,
            positions,
            columns,
            addresses,
            quality,
            popular_reviews,
            totals,
            memory,
            kinds,
            dense,
        })
    }

    pub fn catalog(&self) -> &Arc<Catalog> {
        &self.catalog
    }

    pub(crate) fn kinds(&self) -> &Kinds {
        &self.kinds
    }

    /// The filter values held per document (see [`Columns`]).
    pub(crate) fn columns(&self) -> &Columns {
        &self.columns
    }

    /// The quality of a product from its rating and review count: a Bayesian average that
    /// pulls ratings with few reviews towards the catalog's mean, so one 5-star review does
    /// not beat four hundred 4.7-star ones. Unrated products get the mean.
    pub fn quality(&self, position: usize) -> f32 {
        self.quality.of_position(position)
    }

    /// The review count from which a product is among the catalog's most reviewed (the top
    /// 5%, and at least 50 reviews).
    pub fn popular_reviews(&self) -> u64 {
        self.popular_reviews
    }

    /// Splits and stems text the way the index does: "Wooden Trains!" -> ["wooden", "train"].
    ///
    /// A turn analyzes the same few words (its keywords, type names, exclusions) that other
    /// turns did, and stemming costs far more than a lookup, so short texts are remembered.
    /// Every index of this crate analyzes with tantivy's `en_stem` (see `schema`), so the
    /// stems of a text are the same whichever index is asked, and one cache serves them all.
    pub fn analyze(&self, text: &str) -> Vec<String> {
        /// Texts remembered; the cache is emptied when full (bounded, no bookkeeping).
        const TEXTS: usize = 8192;
        /// Longer texts (descriptions, whole messages) are rarely repeated: not remembered.
        const LONGEST: usize = 64;
        static STEMS: std::sync::LazyLock<std::sync::Mutex<std::collections::HashMap<String, Vec<String>>>> =
            std::sync::LazyLock::new(Default::default);
        let remembered = text.len() <= LONGEST;
        if remembered && let Some(stems) = STEMS.lock().unwrap_or_else(|e| e.into_inner()).get(text) {
            return stems.clone();
        }
        let mut analyzer = self.analyzer.clone();
        let mut stream = analyzer.token_stream(text);
        let mut out = Vec::new();
        while stream.advance() {
            let token = &stream.token().text;
            if !out.contains(token) {
                out.push(token.clone());
            }
        }
        if remembered {
            let mut stems = STEMS.lock().unwrap_or_else(|e| e.into_inner());
            if stems.len() >= TEXTS {
                stems.clear();
            }
            stems.insert(text.to_string(), out.clone());
        }
        out
    }

    /// Whether any product mentions `word` (stemmed) in its text, but not so many that it
    /// says nothing (more than half the catalog).
    pub fn mentions(&self, word: &str) -> bool {
        let searcher = self.searcher();
        let stems = self.analyze(word);
        let half = (self.len() as u64 / 2).max(1);
        stems.len() == 1 && (1..=half).contains(&self.doc_freq(&searcher, &stems[0]))
    }

    pub(crate) fn searcher(&self) -> Searcher {
        self.reader.searcher()
    }

    /// A searcher for one ranking, with BM25 statistics looked up once (see [`Lookup`]), and
    /// the in-memory postings when the catalog is small enough to have them.
    /// Without them (a large catalog) its retrieval is pruned (see [`Lookup::pruned`]).
    pub(crate) fn lookup(&self) -> Lookup<'_> {
        Lookup::new(self.reader.searcher(), &self.totals, self.memory.as_ref(), self.memory.is_none())
    }

    /// A lookup that always runs tantivy's searches, for checking the in-memory path.
    #[cfg(test)]
    pub(crate) fn tantivy_lookup(&self) -> Lookup<'_> {
        Lookup::new(self.reader.searcher(), &self.totals, None, false)
    }

    /// A lookup that runs tantivy's searches with their pruning, as on a catalog too large to
    /// be scored from memory, for checking that pruning.
    #[cfg(test)]
    pub(crate) fn pruned_lookup(&self) -> Lookup<'_> {
        Lookup::new(self.reader.searcher(), &self.totals, None, true)
    }

    /// How many products mention the stemmed word anywhere in their text (for weighting words).
    pub(crate) fn doc_freq(&self, stats: &dyn Bm25StatisticsProvider, stem: &str) -> u64 {
        stats.doc_freq(&self.term(stem)).unwrap_or(0)
    }

    /// The field every word of a product is searched in.
    pub(super) fn text_field(&self) -> Field {
        self.fields.text
    }

    pub(super) fn term(&self, stem: &str) -> Term {
        Term::from_field_text(self.fields.text, stem)
    }

    /// `term`'s documents as bits, when the index holds them so (see [`super::dense`]).
    pub(super) fn dense_word(&self, term: &Term) -> Option<Arc<super::dense::DenseWord>> {
        self.dense.get(term)
    }

    /// This index holding the words many products share as bits (`true`, as a catalog not
    /// scored from memory does) or none (`false`), for tests of the searches both ways.
    #[cfg(test)]
    pub(crate) fn holding_dense(mut self, hold: bool) -> CatalogIndex {
        self.dense =
            if hold { DenseWords::read(&self.searcher(), self.fields.text).unwrap() } else { DenseWords::default() };
        self
    }

    /// How many words this index holds as bits.
    #[cfg(test)]
    pub(crate) fn dense_words(&self) -> usize {
        self.dense.len()
    }

    /// For each candidate (in document order: by segment, then document), whether its text
    /// mentions every stem of `stems`: what [`CatalogIndex::concept_query`] matches, read
    /// from the postings without scoring.
    pub(crate) fn mention_all(
        &self,
        lookup: &Lookup<'_>,
        stems: &[String],
        candidates: &[DocAddress],
    ) -> Result<Vec<bool>, IndexError> {
        if let Some(memory) = lookup.memory() {
            return Ok(candidates.iter().map(|a| stems.iter().all(|s| memory.mentions(s, a.doc_id))).collect());
        }
        let mut out = vec![true; candidates.len()];
        for stem in stems {
            let has = lookup.has_stem(self.fields.text, stem, candidates)?;
            for (all, one) in out.iter_mut().zip(has) {
                *all &= one;
            }
        }
        Ok(out)
    }

    /// A query matching products whose text mentions every stem of `stems`, scored by BM25:
    /// a term query for one stem, else an intersection of term queries, which tantivy prunes
    /// with block-max scores.
    pub(crate) fn concept_query(&self, stems: &[String]) -> Box<dyn TantivyQuery> {
        match stems {
            [one] => self.word_query(one),
            _ => Box::new(BooleanQuery::new(stems.iter().map(|stem| (Occur::Must, self.word_query(stem))).collect())),
        }
    }

    fn word_query(&self, stem: &str) -> Box<dyn TantivyQuery> {
        Box::new(TermQuery::new(self.term(stem), IndexRecordOption::WithFreqs))
    }

    /// Plain BM25 over the product text for the words of `text`, with no filter and no rule:
    /// the baseline the evaluation compares the ranker with. Catalog positions, best first.
    pub(crate) fn plain_bm25(&self, text: &str, k: usize) -> Result<Vec<usize>, IndexError> {
        let stems = self.analyze(text);
        if stems.is_empty() {
            return Ok(Vec::new());
        }
        let any = stems.iter().map(|s| (Occur::Should, self.word_query(s))).collect();
        let searcher = self.searcher();
        let hits = searcher.search(&BooleanQuery::new(any), &TopDocs::with_limit(k).order_by_score())?;
        Ok(hits.into_iter().map(|(_, addr): (f32, DocAddress)| self.position_of(addr)).collect())
    }

    pub(crate) fn position_of(&self, addr: DocAddress) -> usize {
        self.positions[addr.segment_ord as usize][addr.doc_id as usize] as usize
    }

    /// Number of products in the index.
    pub fn len(&self) -> usize {
        self.catalog.len()
    }

    pub fn is_empty(&self) -> bool {
        self.catalog.is_empty()
    }

    /// The underlying tantivy index, for benchmarks measuring its memory.
    pub fn tantivy(&self) -> &Index {
        &self.index
    }
}

fn read_positions(searcher: &Searcher, products: usize) -> Result<Vec<Vec<u32>>, IndexError> {
    let mut out = Vec::with_capacity(searcher.segment_readers().len());
    for segment in searcher.segment_readers() {
        let column = segment.fast_fields().u64("position")?;
        let docs: Vec<u32> = (0..segment.max_doc()).map(|doc| column.first(doc).unwrap_or(0) as u32).collect();
        if docs.iter().any(|&p| p as usize >= products) {
            let message = format!("a document names position past the catalog's {products} products");
            return Err(IndexError::Corrupt { path: "(opened index)".into(), message });
        }
        out.push(docs);
    }
    let indexed: usize = out.iter().map(Vec::len).sum();
    if indexed != products {
        let message = format!("{indexed} documents for a catalog of {products} products");
        return Err(IndexError::Corrupt { path: "(opened index)".into(), message });
    }
    Ok(out)
}

/// Every segment keeps its documents in catalog order (and merges keep it), so the lower
/// document of a tie is the earlier product, however the index was built or merged.
pub(crate) fn settings() -> IndexSettings {
    let sort = IndexSortByField { field: "position".into(), order: Order::Asc };
    IndexSettings { sort_by_field: Some(sort), ..IndexSettings::default() }
}

/// The index's schema: the weighted product text, the title alone (unscored), the document's
/// catalog position, and the fast fields the hard filters check.
pub(crate) fn schema() -> Schema {
    let mut builder = Schema::builder();
    let text_options = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default().set_tokenizer("en_stem").set_index_option(IndexRecordOption::WithFreqs),
    );
    builder.add_text_field("text", text_options);
    let title_options = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default().set_tokenizer("en_stem").set_index_option(IndexRecordOption::Basic),
    );
    builder.add_text_field("title", title_options);
    builder.add_u64_field("position", FAST);
    for name in RANGE_COLUMNS {
        builder.add_u64_field(name, INDEXED | FAST);
    }
    builder.build()
}

impl Fields {
    /// The fields of [`schema`] in `schema`; an error for an index of another layout.
    pub(crate) fn of(schema: &Schema) -> Result<Fields, IndexError> {
        let field = |name: &str| schema.get_field(name).map_err(IndexError::from);
        Ok(Fields {
            text: field("text")?,
            title: field("title")?,
            position: field("position")?,
            price_minor: field("price_minor")?,
            available: field("available")?,
            age_min: field("age_min")?,
            age_max: field("age_max")?,
        })
    }
}

/// Adds one document per product, in catalog order, each knowing its position.
pub(crate) fn write_documents(
    writer: &mut IndexWriter,
    fields: &Fields,
    products: &[Product],
) -> Result<(), IndexError> {
    write_documents_from(writer, fields, products, 0)
}

/// [`write_documents`] for the products from catalog position `first` on.
fn write_documents_from(
    writer: &mut IndexWriter,
    fields: &Fields,
    products: &[Product],
    first: usize,
) -> Result<(), IndexError> {
    for (pos, product) in (first..).zip(products) {
        let mut doc = TantivyDocument::default();
        for (part, repeats) in PARTS {
            for _ in 0..repeats {
                match part {
                    Part::Title => doc.add_text(fields.text, &product.title),
                    Part::Brand => product.brand.iter().for_each(|b| doc.add_text(fields.text, b)),
                    Part::Tags => product.tags.iter().for_each(|t| doc.add_text(fields.text, t)),
                    Part::Category => product.category.iter().for_each(|c| doc.add_text(fields.text, c)),
                    Part::Description => product.description.iter().for_each(|d| doc.add_text(fields.text, d)),
                }
            }
        }
        doc.add_text(fields.title, &product.title);
        doc.add_u64(fields.position, pos as u64);
        doc.add_u64(fields.price_minor, minor_units_floor(product.price));
        doc.add_u64(fields.available, u64::from(product.available()));
        let (lo, hi) = product.age_range().unwrap_or((None, None));
        doc.add_u64(fields.age_min, lo.map_or(0, u64::from));
        doc.add_u64(fields.age_max, hi.map_or(AGE_OPEN_MAX, u64::from));
        writer.add_document(doc)?;
    }
    Ok(())
}

/// An amount in minor units (pence); an amount past `u64` (or past a decimal, times 100) is
/// `u64::MAX`, which no price reaches.
pub(super) fn minor_units_floor(amount: Amount) -> u64 {
    amount.decimal().checked_mul(Decimal::ONE_HUNDRED).and_then(|v| v.floor().to_u64()).unwrap_or(u64::MAX)
}

pub(super) fn minor_units_ceil(amount: Amount) -> u64 {
    amount.decimal().checked_mul(Decimal::ONE_HUNDRED).and_then(|v| v.ceil().to_u64()).unwrap_or(u64::MAX)
}

fn popularity_threshold(products: &[Product]) -> u64 {
    let mut counts: Vec<u64> = products.iter().filter_map(|p| p.review_count).collect();
    counts.sort_unstable();
    let p95 = counts.get(counts.len() * 95 / 100).copied().unwrap_or(u64::MAX);
    p95.max(50)
}
