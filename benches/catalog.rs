//! Catalog and turn benchmarks with percentiles: index build time, ranking latency and index
//! size at 10,000 products (the Amazon UK toys) and, with `CONCIERGE_BENCH_1M=1`, at 1,000,000
//! (synthesised by varying the real rows); and a whole turn (understand, step, rank, render)
//! on the demo store and on the toys.
//!
//! Run: `cargo bench --bench catalog` (add `CONCIERGE_BENCH_1M=1` for the million).
//! `CONCIERGE_BENCH_GENERATED=DIR` also ranks every `*.jsonl` catalog in DIR (made by
//! `scripts/gen-catalog.sh N`, smallest first), each opened as the server opens it: its
//! prebuilt index (and stored products) when `concierge index` built one, else read and indexed
//! in memory; the time to open is printed beside the ranking's percentiles, with the resident
//! memory (with the products read, after opening, after ranking). Nothing else runs
//! then. `CONCIERGE_BENCH_PREBUILD=1` first builds each one's prebuilt index (timed).
//! `CONCIERGE_BENCH_DEMO_ONLY=1` runs only the demo store's turns and `CONCIERGE_BENCH_ROUNDS=n`
//! sets how many times the conversation is played (200 by default): with two round counts
//! under `valgrind --tool=callgrind`, the difference gives the instructions of one turn.
//! The two-word rankings are also reported by kind (within a budget, words alone, no words);
//! `CONCIERGE_BENCH_ONLY=budget|words|cold` ranks only one kind and
//! `CONCIERGE_BENCH_RANK_ROUNDS=n` ranks them n times, long enough for a profiler.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use concierge::catalog::{Catalog, CatalogIndex, ContentHash, Format, ImportOptions, Product, Query, import};
use concierge::chat::assistant::{Assistant, Surroundings};
use concierge::dialogue::Session;
use concierge::money::{Amount, ExchangeRates};
use concierge::prompts::Prompts;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const TOYS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data/amazon-uk-toys.csv");
const DEMO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/catalog/demo.jsonl");

fn main() {
    if let Ok(dir) = std::env::var("CONCIERGE_BENCH_GENERATED") {
        generated(Path::new(&dir));
        return;
    }
    let demo = Catalog::load(Path::new(DEMO)).expect("demo catalog").0;
    turns("demo store (220 products)", demo);
    if std::env::var("CONCIERGE_BENCH_DEMO_ONLY").is_ok() {
        return;
    }
    let Some(toys) = load_toys() else {
        println!("skipping the 10,000-product benchmarks: {TOYS} not found");
        return;
    };
    rank("Amazon UK toys", toys.clone());
    turns("Amazon UK toys", toys.clone());
    if std::env::var("CONCIERGE_BENCH_1M").is_ok() {
        rank("1,000,000 synthesised products", synthesise(&toys, 1_000_000));
    } else {
        println!("(set CONCIERGE_BENCH_1M=1 to also measure 1,000,000 products)");
    }
}

fn load_toys() -> Option<Catalog> {
    // `CONCIERGE_TOYS` points at the file when this checkout is not next to `shared/`.
    let path = std::env::var("CONCIERGE_TOYS").unwrap_or_else(|_| TOYS.to_string());
    if !Path::new(&path).exists() {
        return None;
    }
    let map = "id=uniq_id,title=product_name,category=amazon_category_and_sub_category,brand=manufacturer,price=price,stock=number_available_in_stock,review_count=number_of_reviews,rating=average_rating";
    let options = ImportOptions {
        format: Format::Csv,
        map: concierge::catalog::import::parse_map(map).ok()?,
        delimiter: Some(b';'),
        currency: "GBP".parse().ok(),
    };
    let imported = import(Path::new(&path), &options).ok()?;
    let text: String = imported.products.iter().map(|p| serde_json::to_string(p).unwrap_or_default() + "\n").collect();
    Catalog::parse_jsonl(&text, "toys").ok().map(|(c, _)| c)
}

/// Copies of the real rows with varied titles, ids and prices, to `n` products.
fn synthesise(base: &Catalog, n: usize) -> Catalog {
    let mut rng = StdRng::seed_from_u64(7);
    let words: Vec<&str> = base.products().iter().flat_map(|p| p.title.split_whitespace()).take(50_000).collect();
    let mut text = String::with_capacity(n * 300);
    for i in 0..n {
        let mut p: Product = base.products()[i % base.len()].clone();
        p.id = format!("syn-{i}");
        p.title = format!("{} {}", p.title, words[rng.random_range(0..words.len())]);
        p.price = Amount::from_f64((p.price.to_f64() * rng.random_range(0.7..1.3) * 100.0).round() / 100.0 + 0.01)
            .unwrap_or(p.price);
        text.push_str(&serde_json::to_string(&p).unwrap_or_default());
        text.push('\n');
    }
    Catalog::parse_jsonl(&text, "synthetic").expect("synthetic catalog").0
}

/// Ranks each generated catalog in `dir`, opened through its prebuilt index when it has one.
fn generated(dir: &Path) {
    let mut files: Vec<(u64, std::path::PathBuf)> = std::fs::read_dir(dir)
        .expect("generated catalogs")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .map(|p| (std::fs::metadata(&p).map(|m| m.len()).unwrap_or(0), p))
        .collect();
    files.sort();
    for (_, file) in files {
        if std::env::var("CONCIERGE_BENCH_PREBUILD").is_ok() {
            // As `concierge index` does on a catalog it has not indexed before (reading the JSON
            // Lines, which is timed too); timed apart from the start-up it saves.
            let started = Instant::now();
            let text = std::fs::read_to_string(&file).expect("catalog");
            let hash = ContentHash::of(text.as_bytes());
            let (catalog, report) = Catalog::parse_jsonl(&text, &file.display().to_string()).expect("catalog");
            let parsed = started.elapsed();
            drop(text);
            CatalogIndex::build_prebuilt(&catalog, &report, &file, &hash).expect("prebuilt index");
            println!(
                "\n{}: prebuilt index built in {:.1} s (of which reading the JSON Lines {:.2} s)",
                file.display(),
                started.elapsed().as_secs_f64(),
                parsed.as_secs_f64()
            );
        }
        let started = Instant::now();
        let (catalog, _, hash) = Catalog::load_hashed(&file).expect("catalog");
        let loaded = started.elapsed();
        let products_resident = resident();
        let index = CatalogIndex::open_or_build(Arc::new(catalog), &file, &hash).expect("index");
        let ready = started.elapsed();
        let how = if concierge::catalog::prebuilt_dir(&file, &hash).exists() { "prebuilt" } else { "in memory" };
        println!(
            "\n== {}: ready in {:.2} s ({:.2} s reading the catalog, index {how})",
            file.display(),
            ready.as_secs_f64(),
            loaded.as_secs_f64()
        );
        println!("resident with the products read: {products_resident}; after opening: {}", resident());
        rank_index(&file.display().to_string(), &index);
        println!("resident after ranking: {}", resident());
    }
}

/// This process's resident memory and its peak, from `/proc/self/status` (Linux).
fn resident() -> String {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status.lines().find(|l| l.starts_with(name)).map(|l| l[name.len()..].trim().to_string()).unwrap_or_default()
    };
    format!("{} (peak {})", field("VmRSS:"), field("VmHWM:"))
}

fn rank(name: &str, catalog: Catalog) {
    let n = catalog.len();
    let started = Instant::now();
    let index = CatalogIndex::build(Arc::new(catalog)).expect("index");
    let built = started.elapsed();
    let bytes = index
        .tantivy()
        .reader()
        .map(|r| r.searcher().space_usage().map(|u| u.total().get_bytes()).unwrap_or(0))
        .unwrap_or(0);
    println!("\n== ranking: {name}");
    println!(
        "index build: {:.0} ms for {n} products; index size {:.1} MiB",
        built.as_secs_f64() * 1e3,
        bytes as f64 / 1048576.0
    );
    rank_index(name, &index);
}

/// p50/p99 of 500 rankings: two title words of a random product, half with a budget, one in
/// ten with no words at all (the cold-start order); then of 100 "more like that" rankings.
fn rank_index(name: &str, index: &CatalogIndex) {
    println!("ranking: {name}");
    let mut rng = StdRng::seed_from_u64(1);
    // Borrowed, not copied: a copy of a million products would be counted as the server's.
    let products = index.catalog().products();
    let queries: Vec<Query> = (0..500)
        .map(|i| {
            let p = &products[rng.random_range(0..products.len())];
            let words: Vec<String> =
                p.title.split_whitespace().filter(|w| w.len() > 3).take(2).map(str::to_lowercase).collect();
            Query {
                keywords: if i % 10 == 0 { Vec::new() } else { words },
                max_price: (i % 2 == 0).then(|| Amount::units(rng.random_range(10..60))),
                k: 5,
                ..Query::default()
            }
        })
        .collect();
    // One kind of query only, n times over: for a profiler (see the module doc).
    let only = std::env::var("CONCIERGE_BENCH_ONLY").ok();
    let queries: Vec<Query> = queries.into_iter().filter(|q| only.as_deref().is_none_or(|o| o == kind(q))).collect();
    for q in queries.iter().take(50) {
        let _ = index.rank(q);
    }
    let rounds: usize = std::env::var("CONCIERGE_BENCH_RANK_ROUNDS").ok().and_then(|r| r.parse().ok()).unwrap_or(1);
    let mut times = Vec::with_capacity(queries.len() * rounds);
    for q in std::iter::repeat_n(&queries, rounds).flatten() {
        let t = Instant::now();
        let ranked = index.rank(q).expect("rank");
        times.push((kind(q), t.elapsed()));
        std::hint::black_box(ranked);
    }
    report("rank one query (k=5)", &mut times.iter().map(|&(_, t)| t).collect::<Vec<_>>());
    for of in ["budget", "words", "cold"] {
        let mut these: Vec<Duration> = times.iter().filter(|(k, _)| *k == of).map(|&(_, t)| t).collect();
        if !these.is_empty() {
            report(&format!("  of which {of}"), &mut these);
        }
    }
    // "More like that": up to six words of a product's category and title (as the chat asks
    // on a shopper's "more like that"), a budget, and every other one an age of 55 to 74,
    // which few products of a toy-like catalog suit.
    let queries: Vec<Query> = (0..100)
        .map(|i| {
            let p = &products[rng.random_range(0..products.len())];
            let mut words: Vec<String> = p.category.last().map(|c| c.to_lowercase()).into_iter().collect();
            for word in p.title.split(|c: char| !c.is_alphanumeric()).filter(|w| w.len() > 2) {
                let word = word.to_lowercase();
                if !words.contains(&word) {
                    words.push(word);
                }
            }
            words.truncate(6);
            let age = (i % 2 == 0).then(|| rng.random_range(55..75));
            Query {
                keywords: words,
                age,
                max_price: Some(Amount::units(rng.random_range(10..150))),
                k: 5,
                ..Query::default()
            }
        })
        .collect();
    let mut times = Vec::with_capacity(queries.len());
    for q in &queries {
        let t = Instant::now();
        std::hint::black_box(index.rank(q).expect("rank"));
        times.push(t.elapsed());
    }
    report("rank a product's six words, half with an age of 55-74 (k=5)", &mut times);
}

fn turns(name: &str, catalog: Catalog) {
    let index = CatalogIndex::build(Arc::new(catalog)).expect("index");
    let prompts = Prompts::load(Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/prompts"))).expect("prompts");
    let agent = Assistant::new(Arc::new(index), Arc::new(prompts), ExchangeRates::default());
    let messages = [
        "I need a present for my 6 year old nephew, he loves trains, under £25",
        "something for my mum who likes gardening, around 30 quid",
        "wooden puzzle under 15",
        "cheaper",
        "something else",
        "a birthday gift for my husband who is into cooking",
        "it's for me, a board game between 20 and 40",
        "why the second one?",
    ];
    let mut understand = Vec::new();
    let mut whole = Vec::new();
    let rounds: usize = std::env::var("CONCIERGE_BENCH_ROUNDS").ok().and_then(|r| r.parse().ok()).unwrap_or(200);
    for round in 0..rounds {
        let mut session = Session::default();
        for text in messages {
            let t = Instant::now();
            let said = agent.understand(&session, text);
            let u = t.elapsed();
            let decision = agent.decide(&mut session, &said);
            let reply = agent.respond(&mut session, &decision, Surroundings::default()).expect("turn");
            if round > 10 {
                understand.push(u);
                whole.push(t.elapsed());
            }
            std::hint::black_box(reply);
        }
    }
    println!("\n== turns: {name}");
    report("understand one message", &mut understand);
    report("whole turn (understand, step, rank, render)", &mut whole);
}

/// What a ranking query of `rank_index` asks: words within a budget, words alone, or nothing
/// (the cold-start order).
fn kind(q: &Query) -> &'static str {
    match (q.keywords.is_empty(), q.max_price.is_some()) {
        (true, _) => "cold",
        (false, true) => "budget",
        (false, false) => "words",
    }
}

fn report(what: &str, times: &mut [Duration]) {
    times.sort();
    let at = |q: f64| times[((times.len() as f64 - 1.0) * q) as usize];
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    println!(
        "{what}: p50 {:.0} µs, p99 {:.0} µs, max {:.0} µs ({} samples)",
        us(at(0.5)),
        us(at(0.99)),
        us(at(1.0)),
        times.len()
    );
}
