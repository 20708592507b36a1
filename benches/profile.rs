//! Profile store benchmarks: load latency (criterion, plus p50/p99 over many random shoppers),
//! durable-write throughput and p99 with 1, 100 and 1,000 concurrent writers per durability
//! mode, and disk bytes per shopper. Run: `cargo bench --bench profile`.
//! `PROFILE_BENCH_SECS` (default 3) sets how long each write scenario runs, 0 skipping them;
//! `PROFILE_BENCH_MODES` (default `group,each,none`) which durability modes to measure.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration as StdDuration, Instant};

use concierge::profile::{
    Durability, Event, EventInput, Limits, Profile, ShopperId, SledStore, Source, Store, StoreOptions,
};
use concierge::slots::{Budget, Purpose, SlotName, Slots};
use criterion::{BatchSize, Criterion, black_box};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

const NOW: OffsetDateTime = datetime!(2025-03-01 10:00 UTC);

fn id(n: u64) -> ShopperId {
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&n.wrapping_mul(0x9E37_79B9_7F4A_7C15).to_be_bytes());
    bytes[8..].copy_from_slice(&n.to_be_bytes());
    ShopperId::from_bytes(bytes)
}

fn event(kind: &str, product: &str, n: u64) -> Event {
    let at = NOW - Duration::minutes(n as i64 * 37);
    let input = EventInput {
        id: Some(format!("evt-{n}-{product}")),
        kind: kind.into(),
        product_id: (kind != "search" && kind != "quick_reply").then(|| product.into()),
        query: (kind == "search").then(|| format!("wooden toys {n}")),
        choice: (kind == "quick_reply").then(|| "Under £20".into()),
        at: Some(at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()),
        ..EventInput::default()
    };
    Event::parse(input, NOW).unwrap()
}

/// A shopper with the core slots answered, `events` events, and one order per 10 events.
fn profile(n: u64, events: u64) -> Profile {
    let mut p = Profile::new(id(n), NOW - Duration::days(20));
    let said = Slots {
        purpose: Some(Purpose::Gift),
        recipient: Some("child".into()),
        recipient_word: Some("nephew".into()),
        age: Some(6),
        occasion: Some("birthday".into()),
        budget: Some(Budget { max: Some("25".parse().unwrap()), ..Budget::default() }),
        interests: vec!["trains".into(), "dinosaurs".into()],
        exclude: vec!["lego".into()],
    };
    for slot in SlotName::ALL {
        p.declare(slot, &said, Source::Chat, NOW - Duration::days(20));
        p.note_asked(slot, NOW - Duration::days(20));
    }
    let limits = Limits::default();
    for e in 0..events {
        let kind = ["product_viewed", "product_viewed", "search", "add_to_cart", "quick_reply"][e as usize % 5];
        let kind = if e % 10 == 9 { "purchase" } else { kind };
        p.record(event(kind, &format!("sku-{}", e % 40), e), &limits);
    }
    p.start_visit(NOW);
    p
}

fn open(dir: &Path, durability: Durability) -> SledStore {
    SledStore::open(dir, StoreOptions { durability, ..StoreOptions::default() }).unwrap()
}

fn fill(store: &SledStore, shoppers: u64, events: u64) {
    for n in 0..shoppers {
        store.write(&profile(n, events)).unwrap().wait().unwrap();
    }
    store.flush().unwrap();
}

fn codec_benches(c: &mut Criterion) {
    let typical = profile(1, 30);
    let bytes = serde_json::to_vec(&typical).unwrap();
    c.bench_function("encode typical profile", |b| b.iter(|| black_box(serde_json::to_vec(&typical).unwrap())));
    c.bench_function("decode typical profile", |b| {
        b.iter(|| black_box(serde_json::from_slice::<Profile>(&bytes).unwrap()))
    });
}

fn load_benches(c: &mut Criterion, shoppers: u64) {
    for (name, events) in [("typical (30 events)", 30), ("full (500 events)", 500)] {
        let dir = tempfile::tempdir().unwrap();
        let store = open(dir.path(), Durability::None);
        fill(&store, shoppers, events);
        let mut n = 0u64;
        c.bench_function(&format!("load {name}"), |b| {
            b.iter_batched(
                || {
                    n = (n + 7919) % shoppers;
                    id(n)
                },
                |shopper| black_box(store.load(shopper).unwrap()),
                BatchSize::SmallInput,
            )
        });
        let size = concierge_value_size(&store, id(1));
        println!("load {name}: stored value {size} bytes; {}", percentiles(load_times(&store, shoppers)));
    }
}

fn concierge_value_size(store: &SledStore, shopper: ShopperId) -> usize {
    store.load(shopper).unwrap().map(|p| serde_json::to_vec(&p).unwrap().len() + 1).unwrap_or(0)
}

fn load_times(store: &SledStore, shoppers: u64) -> Vec<StdDuration> {
    (0..shoppers * 25)
        .map(|i| {
            let shopper = id(i.wrapping_mul(7919) % shoppers);
            let started = Instant::now();
            black_box(store.load(shopper).unwrap());
            started.elapsed()
        })
        .collect()
}

fn percentiles(mut times: Vec<StdDuration>) -> String {
    times.sort_unstable();
    let at = |q: f64| times[((times.len() - 1) as f64 * q) as usize];
    format!("p50 {:?}, p99 {:?}, max {:?} over {} samples", at(0.5), at(0.99), at(1.0), times.len())
}

/// `writers` tokio tasks on a 2-thread runtime, each recording answers for its own shopper
/// and awaiting durability, for `secs` seconds.
fn durable_writes(durability: Durability, writers: u64, secs: u64) {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(open(dir.path(), durability));
    fill(&store, writers, 30);
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let started = Instant::now();
    let deadline = started + StdDuration::from_secs(secs);
    let times: Vec<StdDuration> = runtime.block_on(async {
        let tasks: Vec<_> = (0..writers)
            .map(|w| {
                let store = Arc::clone(&store);
                tokio::spawn(async move {
                    let mut times = Vec::new();
                    let mut age = 0;
                    while Instant::now() < deadline {
                        age = (age + 1) % 18;
                        let said = Slots { age: Some(age), ..Slots::default() };
                        let began = Instant::now();
                        // A server task awaits its socket between answers; yielding here also
                        // keeps a ready ticket (durability each/none) from hogging a worker, and
                        // counts the wait for a worker thread in the latency.
                        tokio::task::yield_now().await;
                        let (_, durable) = store
                            .update(id(w), NOW, &mut |p| {
                                p.declare(SlotName::Age, &said, Source::Chat, NOW);
                            })
                            .unwrap();
                        durable.await.unwrap();
                        times.push(began.elapsed());
                    }
                    times
                })
            })
            .collect();
        let mut all = Vec::new();
        for task in tasks {
            all.extend(task.await.unwrap());
        }
        all
    });
    let elapsed = started.elapsed().as_secs_f64();
    let (flushes, covered) = store.group_stats();
    let grouping =
        if flushes > 0 { format!(", {:.1} writes per flush", covered as f64 / flushes as f64) } else { String::new() };
    println!(
        "durable writes, {durability:?}, {writers:>4} writers: {:>7.0} writes/s, {}{grouping}",
        times.len() as f64 / elapsed,
        percentiles(times)
    );
}

fn disk_bytes_per_shopper() {
    let dir = tempfile::tempdir().unwrap();
    let shoppers = 10_000;
    {
        let store = open(dir.path(), Durability::None);
        fill(&store, shoppers, 30);
        println!("sled size_on_disk: {} bytes", store.size_on_disk().unwrap());
    }
    let bytes = directory_bytes(dir.path());
    println!(
        "disk: {shoppers} typical shoppers take {bytes} bytes on disk, {} bytes per shopper (value {} bytes)",
        bytes / shoppers,
        concierge_value_size(&open(dir.path(), Durability::None), id(1))
    );
}

fn directory_bytes(path: &Path) -> u64 {
    std::fs::read_dir(path)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| match e.metadata() {
                    Ok(m) if m.is_dir() => directory_bytes(&e.path()),
                    Ok(m) => m.len(),
                    Err(_) => 0,
                })
                .sum()
        })
        .unwrap_or(0)
}

fn main() {
    // `cargo test --benches` runs this binary without `--bench`: a quick pass, no write runs.
    let benching = std::env::args().any(|a| a == "--bench");
    let mut criterion = Criterion::default().configure_from_args();
    codec_benches(&mut criterion);
    load_benches(&mut criterion, if benching { 2_000 } else { 20 });
    criterion.final_summary();
    if !benching {
        return;
    }
    let secs = std::env::var("PROFILE_BENCH_SECS").ok().and_then(|s| s.parse().ok()).unwrap_or(3);
    if secs == 0 {
        return;
    }
    disk_bytes_per_shopper();
    // `none` last: under its unthrottled churn of a small database sled 0.34.7 has deadlocked
    // here (see the caveat in `SledStore`'s module doc), so the other figures come out first.
    let modes = std::env::var("PROFILE_BENCH_MODES").unwrap_or_else(|_| "group,each,none".into());
    for durability in modes.split(',').filter_map(|m| m.parse::<Durability>().ok()) {
        for writers in [1, 100, 1000] {
            durable_writes(durability, writers, secs);
        }
    }
}
