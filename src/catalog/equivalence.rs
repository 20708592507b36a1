//! Proof that ranking from the in-memory postings gives what tantivy's searches give: for
//! thousands of generated queries on the demo store and on the whole Amazon UK toys file, the
//! same candidates with the same BM25 scores (bit-identical, but for a sum of three or more
//! words, which tantivy's block-max WAND adds in the order its cursors stand, and may round
//! differently), and the same ranked products and reasons. And proof that a large catalog's
//! shortcuts (the searches skipped, the few products the filters pass scored one by one)
//! keep what the exact searches keep.

use std::path::Path;
use std::sync::Arc;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tantivy::query::{BooleanQuery, Occur};

use super::filtered::FEW_ADMITTED;
use super::import::{Format, ImportOptions, import, parse_map};
use super::lookup::Lookup;
use super::rank::{SKIPPED_ANY_WORD, Scored};
use super::{Catalog, CatalogIndex, Hint, Name, Query, Signal};
use crate::money::Amount;

const DEMO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/catalog/demo.jsonl");
const TOYS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data/amazon-uk-toys.csv");

/// Queries generated per catalog.
const QUERIES: usize = 2500;

fn toys(limit: usize) -> Option<Catalog> {
    // `CONCIERGE_TOYS` points at the file when this checkout is not next to `shared/`.
    let path = std::env::var("CONCIERGE_TOYS").unwrap_or_else(|_| TOYS.to_string());
    if !Path::new(&path).exists() {
        eprintln!("skipping: {path} not found");
        return None;
    }
    let map = "id=uniq_id,title=product_name,category=amazon_category_and_sub_category,brand=manufacturer,price=price,stock=number_available_in_stock,review_count=number_of_reviews,rating=average_rating";
    let options = ImportOptions {
        format: Format::Csv,
        map: parse_map(map).unwrap(),
        delimiter: Some(b';'),
        currency: "GBP".parse().ok(),
    };
    let imported = import(Path::new(&path), &options).unwrap();
    let text: String = imported.products.iter().take(limit).map(|p| serde_json::to_string(p).unwrap() + "\n").collect();
    Some(Catalog::parse_jsonl(&text, "toys").unwrap().0)
}

fn words_of(catalog: &Catalog) -> Vec<String> {
    let mut words: Vec<String> = catalog
        .products()
        .iter()
        .flat_map(|p| p.title.split_whitespace().chain(p.tags.iter().map(Name::as_str)).map(str::to_lowercase))
        .filter(|w| w.chars().any(char::is_alphabetic))
        .collect();
    words.sort();
    words.dedup();
    words
}

/// The most frequent title words, so that many queries find more than the candidate limit
/// (and ties at its edge).
fn frequent(catalog: &Catalog) -> Vec<String> {
    let mut counts: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for p in catalog.products() {
        for w in p.title.split_whitespace().filter(|w| w.chars().all(char::is_alphabetic)) {
            *counts.entry(w.to_lowercase()).or_default() += 1;
        }
    }
    let mut counts: Vec<(String, usize)> = counts.into_iter().collect();
    counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    counts.into_iter().take(40).map(|(w, _)| w).collect()
}

fn phrase(rng: &mut StdRng, words: &[String], most: usize) -> String {
    let n = rng.random_range(1..=most);
    (0..n).map(|_| words[rng.random_range(0..words.len())].clone()).collect::<Vec<_>>().join(" ")
}

#[test]
fn a_search_within_the_few_products_the_filters_pass_keeps_what_walking_the_postings_keeps() {
    // An age few toys suit or a budget a few pence wide: the pruned lookup scores only the
    // products within the narrowest filter (see `few_admitted`), the exact one walks the
    // postings; both must keep the same products, and the rankings must not differ.
    let Some(toys) = toys(usize::MAX) else { return };
    // As a catalog too large for memory, it holds the words many products share as bits.
    let index = CatalogIndex::build(Arc::new(toys)).unwrap().holding_dense(true);
    let (pruned, exact) = (index.pruned_lookup(), index.tantivy_lookup());
    let common = frequent(index.catalog());
    let mut rng = StdRng::seed_from_u64(41);
    let before = FEW_ADMITTED.with(|n| n.get());
    let mut kept = 0;
    for n in 0..300 {
        let mut q = Query { k: rng.random_range(1..=12), ..Query::default() };
        q.keywords = (0..rng.random_range(1..=4)).map(|_| common[rng.random_range(0..common.len())].clone()).collect();
        if rng.random_bool(0.6) {
            let pence = rng.random_range(100..8000);
            let (lo, hi) = (pence, pence + rng.random_range(0..150));
            q.min_price = Some(format!("{}.{:02}", lo / 100, lo % 100).parse().unwrap());
            q.max_price = Some(format!("{}.{:02}", hi / 100, hi % 100).parse().unwrap());
        }
        if rng.random_bool(0.6) {
            q.age = Some(rng.random_range(12..=120));
        }
        let stems: Vec<Vec<String>> = q.keywords.iter().map(|w| index.analyze(w)).filter(|s| !s.is_empty()).collect();
        let any = BooleanQuery::new(stems.iter().map(|s| (Occur::Should, index.concept_query(s))).collect());
        let sorted = |mut hits: Vec<(tantivy::DocAddress, f32)>| {
            hits.sort_unstable_by_key(|(a, _)| (a.segment_ord, a.doc_id));
            hits.into_iter().map(|(a, s)| (a, super::collect::coarse(s))).collect::<Vec<_>>()
        };
        let filters = index.filters(&q);
        let few = sorted(index.top_scored(&pruned, &any, &filters, 300).unwrap());
        let walked = sorted(index.top_scored(&exact, &any, &filters, 300).unwrap());
        assert_eq!(few, walked, "query {n}: {q:?}");
        kept += few.len();
        assert_eq!(shown(&index, &pruned, &q), shown(&index, &exact, &q), "query {n}: ranking differs for {q:?}");
    }
    let used = FEW_ADMITTED.with(|n| n.get()) - before;
    assert!(used >= 100 && kept > 1000, "the few products' path ran {used} times, keeping {kept}");
}

fn price(rng: &mut StdRng) -> Amount {
    format!("{}.{:02}", rng.random_range(0..80), rng.random_range(0..100)).parse().unwrap()
}

fn query(rng: &mut StdRng, words: &[String], common: &[String], catalog: &Catalog) -> Query {
    let pick = |rng: &mut StdRng, most: usize| rng.random_range(0..=most);
    let mut q = Query { k: rng.random_range(1..=12), ..Query::default() };
    let pool = if rng.random_bool(0.3) { common } else { words };
    q.keywords = (0..pick(rng, 4)).map(|_| phrase(rng, pool, 1)).collect();
    q.interests = (0..pick(rng, 2)).map(|_| phrase(rng, words, 2)).collect();
    q.hints = (0..pick(rng, 2))
        .map(|_| {
            let words = phrase(rng, words, 2);
            Hint { signal: Signal::Context { source: "page".into(), term: words.clone() }, words }
        })
        .collect();
    if rng.random_bool(0.3) {
        q.exclude_words = (0..pick(rng, 2)).map(|_| phrase(rng, words, 2)).collect();
    }
    if rng.random_bool(0.2) {
        let products = catalog.products();
        q.exclude_ids = (0..pick(rng, 5)).map(|_| products[rng.random_range(0..products.len())].id.clone()).collect();
    }
    if rng.random_bool(0.5) {
        q.max_price = Some(price(rng));
    }
    if rng.random_bool(0.3) {
        q.min_price = Some(price(rng));
    }
    if rng.random_bool(0.1) {
        q.below = Some(price(rng));
    }
    if rng.random_bool(0.1) {
        q.above = Some(price(rng));
    }
    if rng.random_bool(0.3) {
        q.age = Some(rng.random_range(0..18));
    }
    q.include_unavailable = rng.random_bool(0.2);
    q
}

/// Runs `QUERIES` generated queries through both paths; returns how many had candidates and
/// how many reached the candidate limit.
fn assert_paths_agree(index: &CatalogIndex, words: &[String], seed: u64) -> (usize, usize) {
    assert!(index.lookup().memory().is_some(), "the catalog should be scored from memory");
    let mut rng = StdRng::seed_from_u64(seed);
    let common = frequent(index.catalog());
    let (mut with_candidates, mut at_limit, mut scores, mut identical) = (0, 0, 0, 0);
    for n in 0..QUERIES {
        let q = query(&mut rng, words, &common, index.catalog());
        let (memory, tantivy) = (index.lookup(), index.tantivy_lookup());
        let fast = index.retrieved(&memory, &q).unwrap();
        let slow = index.retrieved(&tantivy, &q).unwrap();
        assert_eq!(fast.len(), slow.len(), "query {n}: candidate count differs for {q:?}");
        for (addr, score) in &slow {
            let mine = fast.get(addr).unwrap_or_else(|| panic!("query {n}: {addr:?} missing for {q:?}"));
            // Held to the collector's precision, a rounding step apart may become one step of it.
            assert!((mine - score).abs() <= score.abs() * 3e-4, "query {n}: {addr:?} scored {mine} not {score}");
            scores += 1;
            identical += usize::from(mine.to_bits() == score.to_bits());
        }
        with_candidates += usize::from(!slow.is_empty());
        at_limit += usize::from(slow.len() >= 300);
        assert_eq!(shown(index, &memory, &q), shown(index, &tantivy, &q), "query {n}: ranking differs for {q:?}");
    }
    // The same formula gives the same `f32`: only sums of three or more words may round apart.
    assert!(identical * 20 >= scores * 19, "only {identical} of {scores} scores bit-identical");
    (with_candidates, at_limit)
}

/// The products `lookup` ranks for `q`, each with its signals.
fn shown(index: &CatalogIndex, lookup: &Lookup<'_>, q: &Query) -> Vec<String> {
    let ranked = index.rank_with(lookup, q).unwrap();
    ranked.iter().map(|r| format!("{} {:?}", r.product.id, r.signals)).collect()
}

/// Asserts that `candidates` (query `n`'s, for `q`) hold every product the exact search for
/// `q`'s words (all of them, `Occur::Must`, or any, `Occur::Should`) keeps clearly above its
/// weakest kept; returns how many that search kept (300 when full).
fn assert_candidates_hold_the_best(
    index: &CatalogIndex,
    exact: &Lookup<'_>,
    occur: Occur,
    q: &Query,
    candidates: &Scored,
    n: usize,
) -> usize {
    // Each word once, as the ranker takes them ("robot robot" asks for one concept).
    let mut stems: Vec<Vec<String>> = Vec::new();
    for s in q.keywords.iter().map(|w| index.analyze(w)).filter(|s| !s.is_empty()) {
        if !stems.contains(&s) {
            stems.push(s);
        }
    }
    let words = stems.iter().map(|s| (occur, index.concept_query(s))).collect();
    let best = index.top_scored(exact, &BooleanQuery::new(words), &index.filters(q), 300).unwrap();
    let weakest = best.iter().map(|(_, s)| *s).fold(f32::MAX, f32::min);
    for (addr, score) in &best {
        let clear = best.len() < 300 || *score > weakest * (1.0 + 1e-5);
        assert!(!clear || candidates.contains_key(addr), "query {n}: {addr:?} ({score}) left out for {q:?}");
    }
    best.len()
}

#[test]
fn memory_scoring_matches_tantivy_on_the_demo_store() {
    let demo = Catalog::load(Path::new(DEMO)).unwrap().0;
    let mut words = words_of(&demo);
    if let Some(toys) = toys(usize::MAX) {
        words.extend(words_of(&toys).into_iter().step_by(7));
    }
    let index = CatalogIndex::build(Arc::new(demo)).unwrap();
    let (found, _) = assert_paths_agree(&index, &words, 11);
    assert!(found > QUERIES / 2, "too few queries found anything ({found})");
}

#[test]
fn memory_scoring_matches_tantivy_on_the_whole_toys_file() {
    let Some(toys) = toys(usize::MAX) else { return };
    let words = words_of(&toys);
    let index = CatalogIndex::build(Arc::new(toys)).unwrap();
    let (found, at_limit) = assert_paths_agree(&index, &words, 12);
    assert!(found > QUERIES / 2, "too few queries found anything ({found})");
    assert!(at_limit > QUERIES / 20, "too few queries reached the candidate limit ({at_limit})");
}

#[test]
fn ties_at_the_candidate_limit_go_the_same_way() {
    // 500 products scoring alike for "train" (and alike in quality), so which 300 are kept
    // depends only on how ties are broken.
    let lines: Vec<String> = (0..500)
        .map(|i| {
            let title = if i % 2 == 0 { "Wooden train" } else { "Red train" };
            format!(r#"{{"id":"p{i}","title":"{title}","price":{}.50,"currency":"GBP"}}"#, 5 + i % 7)
        })
        .collect();
    let catalog = Catalog::parse_jsonl(&lines.join("\n"), "ties.jsonl").unwrap().0;
    let index = CatalogIndex::build(Arc::new(catalog)).unwrap();
    for q in [
        Query { keywords: vec!["train".into()], k: 5, ..Query::default() },
        Query { keywords: vec!["train".into(), "wooden".into()], k: 5, ..Query::default() },
        Query { k: 5, ..Query::default() },
        Query { keywords: vec!["train".into()], max_price: Some(Amount::units(9)), k: 5, ..Query::default() },
    ] {
        let fast = index.retrieved(&index.lookup(), &q).unwrap();
        let slow = index.retrieved(&index.tantivy_lookup(), &q).unwrap();
        let mut fast: Vec<_> = fast.into_iter().map(|(a, s)| (a.doc_id, s.to_bits())).collect();
        let mut slow: Vec<_> = slow.into_iter().map(|(a, s)| (a.doc_id, s.to_bits())).collect();
        fast.sort();
        slow.sort();
        assert_eq!(fast, slow, "for {q:?}");
    }
}

#[test]
fn price_bounds_past_any_price_are_answered_alike_on_both_paths() {
    // 7e28 is a valid amount (a budget sent through the profile API); in pence it overflowed.
    let huge: Amount = "70000000000000000000000000000".parse().unwrap();
    let demo = Catalog::load(Path::new(DEMO)).unwrap().0;
    let index = CatalogIndex::build(Arc::new(demo)).unwrap();
    for q in [
        Query { keywords: vec!["train".into()], max_price: Some(huge), k: 5, ..Query::default() },
        Query { keywords: vec!["train".into()], min_price: Some(huge), k: 5, ..Query::default() },
    ] {
        let fast = index.retrieved(&index.lookup(), &q).unwrap();
        let slow = index.retrieved(&index.tantivy_lookup(), &q).unwrap();
        assert_eq!(fast.len(), slow.len(), "for {q:?}");
        assert_eq!(fast.is_empty(), q.min_price.is_some(), "a bound past every price keeps all or none");
    }
}

#[test]
fn pruned_retrieval_on_a_large_catalog_ranks_as_exact_scoring_does() {
    // `pruned_lookup()` prunes with block-max WAND, as on a catalog past the in-memory limit;
    // `tantivy_lookup()` scores every match exactly. Scores may differ by the order
    // terms are summed in, never by more than a rounding step, and what is shown must not.
    let Some(toys) = toys(usize::MAX) else { return };
    let words = words_of(&toys);
    // As a catalog too large for memory, it holds the words many products share as bits.
    let index = CatalogIndex::build(Arc::new(toys)).unwrap().holding_dense(true);
    let (pruned, exact) = (index.pruned_lookup(), index.tantivy_lookup());
    assert!(pruned.memory().is_none() && pruned.pruned(), "the lookup should prune");
    let mut rng = StdRng::seed_from_u64(13);
    let common = frequent(index.catalog());
    let (mut compared, mut same) = (0, 0);
    for n in 0..400 {
        let q = query(&mut rng, &words, &common, index.catalog());
        let fast = index.retrieved(&pruned, &q).unwrap();
        let slow = index.retrieved(&exact, &q).unwrap();
        for (addr, score) in &fast {
            if let Some(exact) = slow.get(addr) {
                assert!((score - exact).abs() <= exact.abs() * 1e-5, "query {n}: {addr:?} scored {score} not {exact}");
            }
        }
        compared += 1;
        same += usize::from(shown(&index, &pruned, &q) == shown(&index, &exact, &q));
    }
    eprintln!("{same} of {compared} rankings identical");
    assert_eq!(same, compared, "pruned rankings differ from exact ones");
}

#[test]
fn products_matching_every_word_stay_candidates_when_the_all_words_search_is_skipped() {
    // On a pruned catalog the all-words search is skipped when the any-word search already
    // holds its best (see `holds_every_match`): every product the exact all-words search
    // ranks above its weakest kept must still be a candidate, and what is shown the same.
    let Some(toys) = toys(usize::MAX) else { return };
    // As a catalog too large for memory, it holds the words many products share as bits.
    let index = CatalogIndex::build(Arc::new(toys)).unwrap().holding_dense(true);
    let (pruned, exact) = (index.pruned_lookup(), index.tantivy_lookup());
    let common = frequent(index.catalog());
    let mut rng = StdRng::seed_from_u64(29);
    let mut full = 0;
    for n in 0..300 {
        let mut q = Query { k: rng.random_range(1..=12), ..Query::default() };
        q.keywords = (0..rng.random_range(2..=3)).map(|_| common[rng.random_range(0..common.len())].clone()).collect();
        if rng.random_bool(0.5) {
            q.max_price = Some(price(&mut rng));
        }
        let candidates = index.retrieved(&pruned, &q).unwrap();
        full += usize::from(assert_candidates_hold_the_best(&index, &exact, Occur::Must, &q, &candidates, n) == 300);
        assert_eq!(shown(&index, &pruned, &q), shown(&index, &exact, &q), "query {n}: ranking differs for {q:?}");
    }
    assert!(full > 0, "some all-words searches should reach the candidate limit");
}

/// A pruned-size catalog of a few words each shared by thousands of products (as
/// `scripts/gen-catalog.sh` makes), a quarter of them saying their kind so often (title, tags,
/// category, description) that it alone outscores a kind and a colour.
fn shared_words(products: usize) -> Catalog {
    let mut rng = StdRng::seed_from_u64(3);
    let (brands, kinds, colours) = (["Oakline", "Sundial"], ["Kite", "Robot", "Puzzle"], ["red", "blue", "green"]);
    let text: String = (0..products)
        .map(|i| {
            let (brand, kind) = (brands[rng.random_range(0..2)], kinds[rng.random_range(0..3)]);
            let colour = colours[rng.random_range(0..3)];
            let loud = rng.random_bool(0.25);
            let title = if loud { format!("{brand} {kind}") } else { format!("{brand} {colour} {kind}") };
            let description = if loud {
                format!("A {kind} {kind} {kind} from {brand}.")
            } else {
                format!("A {colour} {kind} from {brand}.")
            };
            let product = serde_json::json!({
                "id": format!("p{i}"), "title": title, "description": description,
                "tags": if loud { vec![kind] } else { Vec::new() }, "category": [kind],
                "price": format!("{}.{:02}", rng.random_range(1..90), rng.random_range(0..100)),
                "currency": "GBP", "rating": rng.random_range(30..=50) as f64 / 10.0,
                "review_count": rng.random_range(0..500),
            });
            product.to_string() + "\n"
        })
        .collect();
    Catalog::parse_jsonl(&text, "shared").unwrap().0
}

#[test]
fn the_all_words_check_keeps_every_product_matching_all_words_on_words_thousands_share() {
    // Each word is in 3,000 products or more, so the pruned ranking checks whether the
    // all-words search is needed instead of running it (see `holds_every_match`); where a
    // loud kind fills the any-word search, it must still run.
    let index = CatalogIndex::build(Arc::new(shared_words(12_000))).unwrap().holding_dense(true);
    let (pruned, exact) = (index.pruned_lookup(), index.tantivy_lookup());
    assert!(pruned.pruned(), "the catalog should be pruned");
    let words = ["oakline", "sundial", "kite", "robot", "puzzle", "red", "blue", "green"];
    let mut rng = StdRng::seed_from_u64(31);
    for n in 0..200 {
        let mut q = Query { k: 5, ..Query::default() };
        q.keywords =
            (0..rng.random_range(2..=3)).map(|_| words[rng.random_range(0..words.len())].to_string()).collect();
        if rng.random_bool(0.5) {
            q.max_price = Some(price(&mut rng));
        }
        let candidates = index.retrieved(&pruned, &q).unwrap();
        assert_candidates_hold_the_best(&index, &exact, Occur::Must, &q, &candidates, n);
    }
}

#[test]
fn the_any_word_search_is_skipped_only_when_the_all_words_search_holds_its_best() {
    // On words thousands of products share, the pruned ranking searches all words first and
    // skips the any-word search when what it kept outscores any product missing a word (see
    // `retrieve`): every product the exact any-word search ranks above its weakest kept must
    // still be a candidate, and what is shown the same.
    let index = CatalogIndex::build(Arc::new(rare_and_common(12_000))).unwrap().holding_dense(true);
    let (pruned, exact) = (index.pruned_lookup(), index.tantivy_lookup());
    let words = ["robot", "set", "oakline", "sundial", "red", "blue"];
    let mut rng = StdRng::seed_from_u64(37);
    let mut skipped = 0;
    for n in 0..200 {
        let mut q = Query { k: rng.random_range(1..=8), ..Query::default() };
        q.keywords =
            (0..rng.random_range(2..=3)).map(|_| words[rng.random_range(0..words.len())].to_string()).collect();
        if n % 10 == 0 {
            // The rare word with the loud products beside the common one, where skipping the
            // any-word search would lose them.
            q.keywords = vec!["robot".into(), "set".into()];
        }
        if rng.random_bool(0.5) {
            q.max_price = Some(price(&mut rng));
        }
        let before = SKIPPED_ANY_WORD.with(|n| n.get());
        let candidates = index.retrieved(&pruned, &q).unwrap();
        skipped += SKIPPED_ANY_WORD.with(|n| n.get()) - before;
        assert_candidates_hold_the_best(&index, &exact, Occur::Should, &q, &candidates, n);
        assert_eq!(shown(&index, &pruned, &q), shown(&index, &exact, &q), "query {n}: ranking differs for {q:?}");
    }
    assert!(skipped > 20, "the any-word search should often be skipped here ({skipped} of 200)");
}

/// A pruned-size catalog where words of every rarity meet: "set" in nearly every product, a
/// brand in half, a colour in a third, and "robot" in a fifth, a third of those saying only
/// "robot", loudly and briefly (so for "robot set" they outscore the long products with both
/// words, which are still hundreds).
fn rare_and_common(products: usize) -> Catalog {
    let mut rng = StdRng::seed_from_u64(41);
    let text: String = (0..products)
        .map(|i| {
            let brand = ["Oakline", "Sundial"][rng.random_range(0..2)];
            let colour = ["red", "blue", "green"][rng.random_range(0..3)];
            let (title, description) = match (i % 5, rng.random_bool(0.3)) {
                (0, true) => ("Robot".to_string(), "Robot robot robot.".to_string()),
                (0, false) => (
                    format!("{brand} {colour} set with many parts for long afternoons of building"),
                    format!("A {colour} set from {brand} with lots of pieces, a robot among them, and more."),
                ),
                _ => (format!("{brand} {colour} Set"), format!("A {colour} set from {brand}.")),
            };
            let product = serde_json::json!({
                "id": format!("p{i}"), "title": title, "description": description,
                "price": format!("{}.{:02}", rng.random_range(1..90), rng.random_range(0..100)),
                "currency": "GBP", "rating": rng.random_range(30..=50) as f64 / 10.0,
                "review_count": rng.random_range(0..500),
            });
            product.to_string() + "\n"
        })
        .collect();
    Catalog::parse_jsonl(&text, "rare-and-common").unwrap().0
}

/// How [`random_search`] mixes its words: up to `most_words` words, each from the catalog's
/// most frequent with chance `common` (else from any product's), the first repeated with chance
/// `repeated`, a word in no product added with chance `unknown`.
#[derive(Clone, Copy)]
struct Mix {
    most_words: usize,
    common: f64,
    repeated: f64,
    unknown: f64,
}

/// A search as the walks are asked for it: its stems, a query holding its filters (a budget,
/// an age, an excluded word, out-of-stock products or not) and how many to keep; `None` when
/// the words chosen have no stem.
fn random_search(
    index: &CatalogIndex,
    common: &[String],
    words: &[String],
    rng: &mut StdRng,
    mix: Mix,
) -> Option<(Vec<String>, Query, usize)> {
    let mut stems: Vec<String> = Vec::new();
    for _ in 0..rng.random_range(1..=mix.most_words) {
        let pool = if rng.random_bool(mix.common) { common } else { words };
        stems.extend(index.analyze(&pool[rng.random_range(0..pool.len())]));
    }
    if stems.is_empty() {
        return None;
    }
    if rng.random_bool(mix.repeated) {
        stems.push(stems[0].clone());
    }
    if rng.random_bool(mix.unknown) {
        stems.push("qzxv".into());
    }
    let mut q = Query { include_unavailable: rng.random_bool(0.3), ..Query::default() };
    if rng.random_bool(0.5) {
        q.max_price = Some(price(rng));
    }
    if rng.random_bool(0.2) {
        q.age = Some(rng.random_range(1..=14));
    }
    if rng.random_bool(0.1) {
        q.exclude_words = vec![common[rng.random_range(0..common.len())].clone()];
    }
    let limit = [1, 5, 20, 300][rng.random_range(0..4)];
    Some((stems, q, limit))
}

#[test]
fn the_any_word_search_by_windows_keeps_the_best_by_tantivys_scores() {
    // The any-word search walks its words a window of documents at a time and looks up the
    // words that cannot lift a product past the weakest kept only for the products found (see
    // `union`). Whatever the words (common, rare, repeated, in no product), the filters and how
    // many are kept, it must keep exactly the best of what it finds when keeping everything,
    // and that must be what tantivy's search of the same term queries finds, with the same
    // scores (up to the order the words are added in: one step of the collector's precision).
    let generated = Some(rare_and_common(12_000));
    for (name, catalog) in [("toys", toys(usize::MAX)), ("generated", generated)] {
        let Some(catalog) = catalog else { continue };
        let index = CatalogIndex::build(Arc::new(catalog)).unwrap();
        let lookup = index.tantivy_lookup();
        let (common, words) = (frequent(index.catalog()), words_of(index.catalog()));
        let mut rng = StdRng::seed_from_u64(43);
        let (mut kept, mut pruned) = (0, 0);
        for n in 0..400 {
            let mix = Mix { most_words: 7, common: 0.6, repeated: 0.3, unknown: 0.2 };
            let Some((stems, q, limit)) = random_search(&index, &common, &words, &mut rng, mix) else { continue };
            let filters = index.filters(&q);
            let stems: Vec<&str> = stems.iter().map(String::as_str).collect();
            let best_first = |hits: Vec<(tantivy::DocAddress, f32)>| {
                let mut hits: Vec<_> = hits.into_iter().map(|(a, s)| (a, super::collect::coarse(s))).collect();
                hits.sort_by(|a, b| {
                    b.1.total_cmp(&a.1).then((a.0.segment_ord, a.0.doc_id).cmp(&(b.0.segment_ord, b.0.doc_id)))
                });
                hits
            };
            let windows = best_first(index.top_any_word(&lookup, &stems, &filters, limit).unwrap());
            let every = best_first(index.top_any_word(&lookup, &stems, &filters, index.len()).unwrap());
            let best = &every[..limit.min(every.len())];
            assert_eq!(windows, best, "{name} query {n}: {stems:?} within {filters:?}, best {limit}");
            let any = BooleanQuery::new(
                stems.iter().map(|s| (Occur::Should, index.concept_query(&[s.to_string()]))).collect(),
            );
            let theirs: std::collections::HashMap<_, _> =
                index.top_scored(&lookup, &any, &filters, index.len()).unwrap().into_iter().collect();
            assert_eq!(every.len(), theirs.len(), "{name} query {n}: {stems:?} within {filters:?}");
            for (address, score) in &every {
                let their = theirs[address];
                assert!(
                    (score - their).abs() <= their * 3e-4,
                    "{name} query {n}: {address:?} scored {score}, not {their}"
                );
            }
            kept += windows.len();
            pruned += usize::from(every.len() > limit);
        }
        assert!(kept > 10_000 && pruned > 100, "{name}: too little kept ({kept}) or pruned ({pruned}) to compare");
    }
}

#[test]
fn the_all_words_search_by_blocks_keeps_what_tantivys_intersection_keeps() {
    // The all-words search looks each document of the rarest word up in the other words (see
    // `intersect`), adding the words' scores in tantivy's order. Whatever the words (common,
    // rare, repeated, in no product), the filters and how many are kept, it must keep exactly
    // what tantivy's block-max intersection of the same term queries keeps, with the very same
    // scores. A build on several threads gives several segments, each walked on its own:
    // the generated catalog is also searched in five uneven segments, blocks cut short at
    // their ends.
    assert_all_words_searches_agree(false);
}

#[test]
fn the_all_words_search_over_words_held_as_bits_keeps_what_tantivys_intersection_keeps() {
    // The same, with the words many products share held as bits (as a catalog too large to
    // be scored from memory holds them): a search whose words are all held ANDs their bits
    // (see `dense`) and must keep exactly what tantivy's intersection keeps, in one segment or
    // in five (bits cut short at a segment's end).
    assert_all_words_searches_agree(true);
}

/// Runs random all-words searches with and without the words held as bits (`dense`), and
/// checks each against tantivy's intersection of the same term queries.
fn assert_all_words_searches_agree(dense: bool) {
    let (generated, segmented) = (Some(rare_and_common(12_000)), Some(rare_and_common(12_000)));
    let cases = [
        ("toys", toys(usize::MAX), &[][..]),
        ("generated", generated, &[]),
        ("segmented", segmented, &[5_000, 129, 128, 4_000]),
    ];
    for (name, catalog, sizes) in cases {
        let Some(catalog) = catalog else { continue };
        let catalog = Arc::new(catalog);
        let index = if sizes.is_empty() {
            CatalogIndex::build(catalog)
        } else {
            CatalogIndex::build_in_segments(catalog, sizes)
        };
        let index = index.unwrap().holding_dense(dense);
        assert_eq!(index.dense_words() > 0, dense, "{name}");
        let lookup = index.tantivy_lookup();
        assert_eq!(lookup.searcher().segment_readers().len(), sizes.len() + 1, "{name}");
        let (common, words) = (frequent(index.catalog()), words_of(index.catalog()));
        let mut rng = StdRng::seed_from_u64(47);
        let (mut kept, mut pruned, mut held) = (0, 0, 0);
        for n in 0..400 {
            let mix = Mix { most_words: 3, common: 0.8, repeated: 0.2, unknown: 0.05 };
            let Some((stems, q, limit)) = random_search(&index, &common, &words, &mut rng, mix) else { continue };
            let filters = index.filters(&q);
            let stems: Vec<&str> = stems.iter().map(String::as_str).collect();
            let sorted = |mut hits: Vec<(tantivy::DocAddress, f32)>| {
                hits.sort_by_key(|(a, _)| (a.segment_ord, a.doc_id));
                hits
            };
            let all =
                BooleanQuery::new(stems.iter().map(|s| (Occur::Must, index.concept_query(&[s.to_string()]))).collect());
            let mut found = Vec::new();
            for limit in [limit, index.len()] {
                let ours = sorted(index.top_all_words(&lookup, &stems, &filters, limit).unwrap());
                let theirs = sorted(index.top_scored(&lookup, &all, &filters, limit).unwrap());
                assert_eq!(ours, theirs, "{name} query {n}: {stems:?} within {filters:?}, best {limit}");
                found.push(ours.len());
            }
            kept += found[0];
            pruned += usize::from(found[1] > limit);
            held += usize::from(stems.iter().all(|s| index.dense_word(&index.term(s)).is_some()));
        }
        assert!(kept > 3_000 && pruned > 60, "{name}: too little kept ({kept}) or pruned ({pruned}) to compare");
        if dense {
            assert!(held > 100, "{name}: too few searches of words held as bits ({held} of 400)");
        }
    }
}
