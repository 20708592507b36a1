//! The ranker: an ordered list of rules, each only breaking the ties of the one before, and
//! the signals that placed each product, which become its `why` lines.
//!
//! Hard filters come first and are never relaxed: price range (exact decimals), availability,
//! the recipient's age against the product's stated age range, excluded words and ids. When
//! the request names a product type the catalog knows ("a ladies *watch*", see
//! [`super::kind`]), only products of that type (or its synonyms) are candidates; otherwise,
//! when some candidate matches a word or interest of the request, those matching nothing are
//! left out, so unrelated products never fill the list.
//!
//! Then, in order:
//!
//! 1. **Audience**: products written for someone other than the recipient ("Women's" for a
//!    dad, "Kids'" for a grandmother) come after those that fit.
//! 2. **Interests matched**: how many of the shopper's interests the product has as whole
//!    words (or plurals) in what says what it is (title, brand, category, tags), outside the
//!    catalog's multi-word names ("science" is not in "Science Fiction", see `compound`).
//! 3. **Words matched**: the share of the request's words the product has the same way, each
//!    word weighted by how rare it is in the catalog (so "dinosaur" counts more than "set"),
//!    in quarters (0, ¼, ½, ¾, all).
//! 4. **Words in the title**: the same share counted in the title alone, so a product that
//!    says what was asked in its name beats one that only files it under a category
//!    ("Die-Cast Cars" before a helmet filed under "Die-Cast & Toy Vehicles > Cars"). A
//!    hyphenated word matches its parts written apart ("die-cast", "Die Cast").
//! 5. **Weak evidence**: interests and words found only by their stem or only in the
//!    description ("training" for "trains"); these order but never explain.
//! 6. **Personal hints matched**: who it is for, the occasion, context and behaviour hints
//!    (the referring page's topic, the category of a product viewed recently).
//! 7. **Relevance tier**: BM25F (title weighted above tags, brand, category, description),
//!    relative to the best candidate, in three tiers.
//! 8. **Quality**: a Bayesian average of rating and review count.
//! 9. Catalog order, so equal products always come out the same way.
//!
//! The type asked for is a filter, not a rule, so recipient, age and occasion hints can never
//! outrank it. Interest and keyword reasons are given only for whole-word matches.
//!
//! Then **diversity**: the top `k` are picked in that order, except that a product is passed
//! over (for one of the same rules-1-to-6 bucket) when its brand already fills a third of the
//! list or it is a near-copy (same brand, most title words shared) of one already picked.
//! With nothing to search for (cold start), rules 2 to 5 are empty and quality decides
//! among the products matching the hints.

use tantivy::DocAddress;

use super::audience::Audience;
use super::filtered::Filters;
use super::index::{CatalogIndex, IndexError};
use super::lookup::Lookup;
use super::memory::mentioned;
use super::{Product, Signal};
use crate::money::Amount;

mod candidates;
mod pick;

use pick::RankOrder;

#[cfg(test)]
pub(crate) use candidates::SKIPPED_ANY_WORD;

/// Candidates by document, with their BM25 (0.0 for those found by quality alone).
pub(crate) type Scored = rustc_hash::FxHashMap<DocAddress, f32>;

/// How many candidates each retrieval step considers before the rules order them.
pub(crate) const CANDIDATES: usize = 300;

/// From how many products with its rarest word the all-words search of a pruned ranking is
/// first checked for being needed (see `holds_every_match`) rather than run.
const CHECK_FROM: usize = 8 * CANDIDATES;

/// What to look for. Words are given as the shopper wrote them; the ranker stems them.
#[derive(Debug, Clone, Default)]
pub struct Query {
    /// Words of the request ("wooden", "train", "set").
    pub keywords: Vec<String>,
    /// Things the recipient likes, each possibly several words ("harry potter").
    pub interests: Vec<String>,
    /// Soft hints from context and behaviour; each carries the signal it earns when matched.
    pub hints: Vec<Hint>,
    /// Words and phrases to avoid ("lego", "remote control").
    pub exclude_words: Vec<String>,
    /// Products never to show (already bought, already shown).
    pub exclude_ids: Vec<String>,
    /// Inclusive price range, in the catalog's currency.
    pub min_price: Option<Amount>,
    pub max_price: Option<Amount>,
    /// Exclusive price bounds ("cheaper than these"), in the catalog's currency.
    pub below: Option<Amount>,
    pub above: Option<Amount>,
    /// The currency the shopper's budget was stated in, when it was taken as the catalog's
    /// for want of an exchange rate (the budget reason says so).
    pub budget_currency_assumed: Option<crate::money::Currency>,
    /// The budget in the shopper's own words ("around $40"), for its reason.
    pub budget_stated: Option<String>,
    pub age: Option<u32>,
    pub include_unavailable: bool,
    /// Other names of the product types among the keywords ("saree" -> "sari"), from the
    /// merchant's lexicon.
    pub synonyms: Vec<(String, Vec<String>)>,
    /// Who the recipient is, when known: products written for someone else rank lower.
    pub audience: Option<Audience>,
    /// How many products to return.
    pub k: usize,
}

/// A soft preference: products mentioning `words` (all of them) rank higher and carry `signal`.
#[derive(Debug, Clone)]
pub struct Hint {
    pub words: String,
    pub signal: Signal,
}

/// A product in the ranking, with the signals that placed it (most important first).
#[derive(Debug, Clone)]
pub struct Ranked<'a> {
    pub product: &'a Product,
    pub signals: Vec<Signal>,
}

/// One thing to look for, with what it is and how much it weighs.
struct Concept {
    stems: Vec<String>,
    /// The concept's words in the catalog's identity vocabulary (`None`: no product has them).
    phrase: Option<Vec<u32>>,
    kind: ConceptKind,
    weight: f32,
    /// Some product of the catalog mentions it (by its stems, anywhere).
    known: bool,
}

#[derive(Clone, Copy, PartialEq)]
enum ConceptKind {
    Keyword(usize),
    Interest(usize),
    Hint(usize),
}

struct Candidate {
    position: usize,
    address: DocAddress,
    bm25: f32,
    /// This candidate's row in the ranking's [`Marks`].
    row: usize,
    key: RankKey,
}

/// What each candidate matched, per concept: one row of `width` flags per candidate, in three
/// flat tables (one allocation each per ranking rather than three per candidate).
struct Marks {
    width: usize,
    /// Found by its stems anywhere (weak evidence).
    matched: Vec<bool>,
    /// Found as whole words where the product says what it is.
    strong: Vec<bool>,
    /// Found as whole words in the title itself.
    titled: Vec<bool>,
}

impl Marks {
    fn new(rows: usize, width: usize) -> Marks {
        let table = || vec![false; rows * width];
        Marks { width, matched: table(), strong: table(), titled: table() }
    }

    fn at(&self, row: usize, concept: usize) -> usize {
        row * self.width + concept
    }

    fn row(&self, row: usize) -> (&[bool], &[bool], &[bool]) {
        let cells = row * self.width..(row + 1) * self.width;
        (&self.matched[cells.clone()], &self.strong[cells.clone()], &self.titled[cells])
    }
}

/// The sort key of rules 1-7 (rule 8, catalog order, is the position).
#[derive(Clone, Copy, PartialEq)]
struct RankKey {
    fits: u32,
    interests: u32,
    coverage: u32,
    titled: u32,
    weak: u32,
    hints: u32,
    tier: u32,
    quality: f32,
}

impl RankKey {
    const NONE: RankKey =
        RankKey { fits: 0, interests: 0, coverage: 0, titled: 0, weak: 0, hints: 0, tier: 0, quality: 0.0 };

    fn bucket(&self) -> (u32, u32, u32, u32, u32, u32) {
        (self.fits, self.interests, self.coverage, self.titled, self.weak, self.hints)
    }

    /// The key as one number that is larger for the better candidate, ordered as
    /// [`RankKey::cmp_desc`] orders keys (reversed): sorting by it compares one integer
    /// rather than eight fields. Counts are far below their widths (a request has at most a
    /// few dozen concepts; shares are quarters, 0 to 4); a larger one is held at the width's
    /// maximum.
    fn packed(&self) -> u128 {
        // An order-preserving map of f32 onto u32 (as `total_cmp` orders floats).
        let bits = self.quality.to_bits();
        let quality = if bits >> 31 == 1 { !bits } else { bits | 1 << 31 };
        let mut packed = 0_u128;
        for (value, width) in [
            (self.fits, 1),
            (self.interests, 12),
            (self.coverage, 4),
            (self.titled, 4),
            (self.weak, 12),
            (self.hints, 12),
            (self.tier, 2),
        ] {
            packed = (packed << width) | u128::from(value.min((1 << width) - 1));
        }
        // 79 bits in all, so that a position fits below them in a `u128`.
        (packed << 32) | u128::from(quality)
    }

    /// Rules 1-7 in order, the better key first: the order [`RankKey::packed`] must keep.
    #[cfg(test)]
    fn cmp_desc(&self, other: &RankKey) -> std::cmp::Ordering {
        other
            .fits
            .cmp(&self.fits)
            .then(other.interests.cmp(&self.interests))
            .then(other.coverage.cmp(&self.coverage))
            .then(other.titled.cmp(&self.titled))
            .then(other.weak.cmp(&self.weak))
            .then(other.hints.cmp(&self.hints))
            .then(other.tier.cmp(&self.tier))
            .then(other.quality.total_cmp(&self.quality))
    }
}

impl CatalogIndex {
    /// Ranks the catalog for `query`: at most `query.k` products, all within the hard filters,
    /// each with the signals that placed it. Deterministic for the same catalog and query.
    pub fn rank(&self, query: &Query) -> Result<Vec<Ranked<'_>>, IndexError> {
        self.rank_with(&self.lookup(), query)
    }

    /// [`CatalogIndex::rank`] through `lookup`: from the in-memory postings when it has them,
    /// else with tantivy's searches.
    pub(crate) fn rank_with(&self, lookup: &Lookup<'_>, query: &Query) -> Result<Vec<Ranked<'_>>, IndexError> {
        let filters = self.filters(query);
        let concepts = self.concepts(query, lookup);
        let synonyms = |word: &str| {
            query.synonyms.iter().filter(|(w, _)| w.eq_ignore_ascii_case(word)).flat_map(|(_, s)| s.clone()).collect()
        };
        let asked = self.kinds().requested_type(&query.keywords, &synonyms);
        let mut scored = self.candidates(lookup, &concepts, &filters, query.k)?;
        if let Some((_, names)) = &asked {
            // Products of the type asked for must not be crowded out by products scoring high
            // on the request's other words ("warm white" bulbs for "a warm blanket").
            for name in names {
                for (address, bm25) in self.type_candidates(lookup, name, &filters)? {
                    scored.entry(address).or_insert(bm25);
                }
            }
        }

        // Excluded ids are looked up once, then compared as positions rather than strings.
        let excluded: Vec<usize> = filters.exclude_ids.iter().filter_map(|id| self.catalog().position(id)).collect();
        let products = self.catalog().products();
        let mut candidates: Vec<Candidate> = scored
            .into_iter()
            .map(|(address, bm25)| Candidate {
                position: self.position_of(address),
                address,
                bm25,
                row: 0,
                key: RankKey::NONE,
            })
            .filter(|c| {
                let product = &products[c.position];
                let suits_age =
                    |age| self.columns().suits_age(c.address, age).unwrap_or_else(|| product.suits_age(age));
                !excluded.contains(&c.position) && filters.admit_values(product, suits_age)
            })
            .collect();
        let marks = self.mark_matches(lookup, &concepts, &mut candidates)?;
        self.keep_relevant(&mut candidates, &marks, &concepts, asked.as_ref().map(|(ids, _)| ids.as_slice()));
        let best_bm25 = candidates.iter().map(|c| c.bm25).fold(0.0_f32, f32::max);
        for c in &mut candidates {
            c.key = self.rank_key(c, &marks, &concepts, best_bm25, query.audience.as_ref());
        }
        // Rules 1-8 as one number per candidate, then the earlier product: positions are
        // unique, so the order is total.
        let keys = candidates
            .iter()
            .enumerate()
            .map(|(i, c)| ((c.key.packed() << 32) | u128::from(u32::MAX - c.position as u32), i))
            .collect();
        let picked = self.diversify(lookup, &candidates, RankOrder::new(keys), query.k);
        Ok(picked.into_iter().map(|i| self.explain(&candidates[i], &marks, &concepts, query)).collect())
    }

    /// The hard filters of `query` (budget, age, stock, exclusions), as ranking applies them.
    pub(crate) fn filters(&self, query: &Query) -> Filters {
        Filters {
            min_price: query.min_price,
            max_price: query.max_price,
            below: query.below,
            above: query.above,
            age: query.age,
            include_unavailable: query.include_unavailable,
            exclude_terms: query.exclude_words.iter().map(|w| self.analyze(w)).collect(),
            exclude_ids: query.exclude_ids.clone(),
        }
    }

    /// The best products of one type word within the filters, by BM25.
    fn type_candidates(&self, lookup: &Lookup<'_>, name: &str, filters: &Filters) -> Result<Scored, IndexError> {
        let stems = self.analyze(name);
        if stems.is_empty() {
            return Ok(Scored::default());
        }
        if let Some(memory) = lookup.memory() {
            return self.retrieve_in_memory(lookup, memory, &[&stems], &[&stems], filters, 0);
        }
        Ok(self.top_scored(lookup, self.concept_query(&stems).as_ref(), filters, CANDIDATES)?.into_iter().collect())
    }

    /// Leaves out what is not what was asked for: with a type asked, products of another type;
    /// otherwise, when the request has words or interests the catalog knows, products matching
    /// none of them, even when that leaves nothing (then the reply says so, with the closest
    /// alternatives apart, rather than presenting unrelated products as picks). Words no product
    /// has say nothing about the catalog and are passed over.
    fn keep_relevant(
        &self,
        candidates: &mut Vec<Candidate>,
        marks: &Marks,
        concepts: &[Concept],
        types: Option<&[u32]>,
    ) {
        if let Some(types) = types {
            candidates.retain(|c| self.kinds().is_type(c.position, types));
            return;
        }
        let searched: Vec<usize> = (0..concepts.len())
            .filter(|&i| matches!(concepts[i].kind, ConceptKind::Keyword(_) | ConceptKind::Interest(_)))
            .filter(|&i| concepts[i].known)
            .collect();
        if !searched.is_empty() {
            candidates.retain(|c| {
                let (matched, strong, _) = marks.row(c.row);
                searched.iter().any(|&i| matched[i] || strong[i])
            });
        }
    }

    fn concepts(&self, query: &Query, lookup: &Lookup<'_>) -> Vec<Concept> {
        let total = self.len().max(1) as f32;
        let freq = |s: &String| lookup.memory().map_or_else(|| self.doc_freq(lookup, s), |m| m.doc_freq(s));
        let idf =
            |stems: &[String]| stems.iter().map(|s| (1.0 + total / (1 + freq(s)) as f32).ln()).fold(0.0_f32, f32::max);
        let known = |stems: &[String]| stems.iter().all(|s| freq(s) > 0);
        let mut out = Vec::new();
        for (i, word) in query.keywords.iter().enumerate() {
            let stems = self.analyze(word);
            if !stems.is_empty() && !out.iter().any(|c: &Concept| c.stems == stems) {
                let weight = idf(&stems);
                let phrase = self.kinds().words_of(word);
                let known = known(&stems);
                out.push(Concept { stems, phrase, kind: ConceptKind::Keyword(i), weight, known });
            }
        }
        for (i, interest) in query.interests.iter().enumerate() {
            let stems = self.analyze(interest);
            if !stems.is_empty() {
                let phrase = self.kinds().words_of(interest);
                let known = known(&stems);
                out.push(Concept { stems, phrase, kind: ConceptKind::Interest(i), weight: 1.0, known });
            }
        }
        for (i, hint) in query.hints.iter().enumerate() {
            let stems = self.analyze(&hint.words);
            if !stems.is_empty() {
                let phrase = self.kinds().words_of(&hint.words);
                out.push(Concept { stems, phrase, kind: ConceptKind::Hint(i), weight: 1.0, known: true });
            }
        }
        out
    }

    /// What each candidate matches of each concept (see [`Marks`]); numbers the candidates'
    /// rows.
    fn mark_matches(
        &self,
        lookup: &Lookup<'_>,
        concepts: &[Concept],
        candidates: &mut [Candidate],
    ) -> Result<Marks, IndexError> {
        let mut marks = Marks::new(candidates.len(), concepts.len());
        let kinds = self.kinds();
        for (row, c) in candidates.iter_mut().enumerate() {
            c.row = row;
            for (ci, concept) in concepts.iter().enumerate() {
                if let Some(phrase) = &concept.phrase {
                    let at = marks.at(row, ci);
                    // An interest is what the product means, not a word of one of its names
                    // ("science" in "Science Fiction"): see `compound`.
                    marks.strong[at] = match concept.kind {
                        ConceptKind::Interest(_) => kinds.claims(c.position, phrase),
                        _ => kinds.has(c.position, phrase),
                    };
                    marks.titled[at] = kinds.in_title(c.position, phrase);
                }
            }
        }
        if let Some(memory) = lookup.memory() {
            for (ci, concept) in concepts.iter().enumerate() {
                // Each concept's documents are laid out once per ranking, not looked up per
                // candidate.
                let Some(ids) = memory.stem_ids(&concept.stems) else { continue };
                let mentioning = memory.mentioning_all(&ids);
                for c in candidates.iter() {
                    let at = marks.at(c.row, ci);
                    marks.matched[at] = mentioned(&mentioning, c.address.doc_id);
                }
            }
            return Ok(marks);
        }
        // The postings are walked in document order: sorted once here rather than per concept.
        let mut order: Vec<usize> = (0..candidates.len()).collect();
        order.sort_unstable_by_key(|&i| (candidates[i].address.segment_ord, candidates[i].address.doc_id));
        let addresses: Vec<DocAddress> = order.iter().map(|&i| candidates[i].address).collect();
        for (ci, concept) in concepts.iter().enumerate() {
            for (&i, hit) in order.iter().zip(self.mention_all(lookup, &concept.stems, &addresses)?) {
                let at = marks.at(candidates[i].row, ci);
                marks.matched[at] = hit;
            }
        }
        Ok(marks)
    }

    fn rank_key(
        &self,
        c: &Candidate,
        marks: &Marks,
        concepts: &[Concept],
        best_bm25: f32,
        audience: Option<&Audience>,
    ) -> RankKey {
        let (mut interests, mut weak, mut hints, mut have, mut want) = (0, 0, 0, 0.0_f32, 0.0_f32);
        let mut in_title = 0.0_f32;
        let (matched, strong, titled) = marks.row(c.row);
        for (((concept, &hit), &strong), &titled) in concepts.iter().zip(matched).zip(strong).zip(titled) {
            let weak_only = u32::from(hit && !strong);
            match concept.kind {
                ConceptKind::Interest(_) => {
                    interests += u32::from(strong);
                    weak += weak_only;
                }
                ConceptKind::Hint(_) => hints += u32::from(hit || strong),
                ConceptKind::Keyword(_) => {
                    want += concept.weight;
                    weak += weak_only;
                    if strong {
                        have += concept.weight;
                    }
                    if titled {
                        in_title += concept.weight;
                    }
                }
            }
        }
        let fits = audience.is_none_or(|a| !self.kinds().audience(c.position).conflicts_with(a));
        let quarters = |share: f32| if want > 0.0 { ((share / want) * 4.0 + 1e-4).floor() as u32 } else { 0 };
        let (coverage, titled) = (quarters(have), quarters(in_title));
        let relative = if best_bm25 > 0.0 { c.bm25 / best_bm25 } else { 0.0 };
        let tier = if relative >= 0.7 {
            2
        } else if relative >= 0.4 {
            1
        } else {
            0
        };
        let quality = self.quality(c.position);
        RankKey { fits: u32::from(fits), interests, coverage, titled, weak, hints, tier, quality }
    }
}

#[cfg(test)]
mod tests {
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    use super::RankKey;

    #[test]
    fn packed_keys_sort_as_the_rules_compare_them() {
        let mut rng = StdRng::seed_from_u64(5);
        let small = |rng: &mut StdRng| rng.random_range(0..4_u32);
        let keys: Vec<RankKey> = (0..400)
            .map(|_| RankKey {
                fits: rng.random_range(0..2),
                interests: small(&mut rng),
                coverage: rng.random_range(0..5),
                titled: rng.random_range(0..5),
                weak: small(&mut rng),
                hints: small(&mut rng),
                tier: rng.random_range(0..3),
                // Few distinct qualities, so ties reach every rule.
                quality: [0.0, 3.5, 3.5, 4.25, 4.9][rng.random_range(0..5)],
            })
            .collect();
        for a in &keys {
            // The ranker shifts a position in below the key: it must not push bits out.
            assert_eq!(a.packed() >> 96, 0, "{:?} leaves no room for a position", a.bucket());
            for b in &keys {
                assert_eq!(b.packed().cmp(&a.packed()), a.cmp_desc(b), "{:?} / {:?}", a.bucket(), b.bucket());
            }
        }
    }
}
