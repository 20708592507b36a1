//! The profile store against real sled directories: restarts, kill -9 of a writer process,
//! erasure that leaves nothing behind, retention, corrupt and old values, and event rules.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use concierge::profile::{
    CustomerId, Event, EventInput, InputError, Limits, Profile, Recorded, ShopperId, SledStore, Source, Store,
    StoreError, StoreOptions,
};
use concierge::slots::{SlotName, Slots};
use rand::{Rng, SeedableRng};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

const T0: OffsetDateTime = datetime!(2025-03-01 10:00 UTC);
const WRITER_DIR: &str = "CONCIERGE_TEST_WRITER_DIR";
const WRITER_START: &str = "CONCIERGE_TEST_WRITER_START";
const WRITER_SHOPPERS: u64 = 50;

/// The raw sled database, waiting (as `SledStore::open` does) for the dropped store's
/// background threads to release the directory lock.
fn raw_open(path: &Path) -> sled::Db {
    let started = std::time::Instant::now();
    loop {
        match sled::open(path) {
            Err(sled::Error::Io(e))
                if (e.kind() == std::io::ErrorKind::WouldBlock || e.to_string().contains("could not acquire lock"))
                    && started.elapsed() < std::time::Duration::from_secs(5) =>
            {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            other => return other.unwrap(),
        }
    }
}

fn open(dir: &Path) -> SledStore {
    SledStore::open(dir, StoreOptions::default()).unwrap()
}

fn shopper(n: u64) -> ShopperId {
    let mut bytes = [0u8; 16];
    bytes[8..].copy_from_slice(&n.to_be_bytes());
    ShopperId::from_bytes(bytes)
}

fn interest(profile: &Profile, word: &str) -> bool {
    profile.slots().interests.iter().any(|i| i == word)
}

fn event(json: serde_json::Value) -> Result<Event, InputError> {
    Event::parse(serde_json::from_value::<EventInput>(json).unwrap(), T0)
}

#[test]
fn a_profile_survives_close_and_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let mut profile = Profile::new(ShopperId::random(), T0);
    profile.declare(SlotName::Age, &Slots { age: Some(6), ..Slots::default() }, Source::Chat, T0);
    profile.record(event(serde_json::json!({"kind":"purchase","product_id":"sku-9"})).unwrap(), &Limits::default());
    {
        let store = open(dir.path());
        store.save(&profile).unwrap();
    }
    let store = open(dir.path());
    assert_eq!(store.load(profile.id()).unwrap().unwrap(), profile);
}

/// The child half of the kill -9 test: a no-op unless the parent set `WRITER_DIR`. Four threads
/// record answers ("answer-<n>" as an interest of shopper n mod 50) and print `ack <n>` only
/// after each write is durable.
#[test]
fn kill_9_writer_child() {
    let Ok(dir) = std::env::var(WRITER_DIR) else { return };
    let start: u64 = std::env::var(WRITER_START).ok().and_then(|s| s.parse().ok()).unwrap_or(0);
    let store = Arc::new(open(Path::new(&dir)));
    let next = Arc::new(AtomicU64::new(start));
    let began = Instant::now();
    let writers: Vec<_> = (0..4)
        .map(|_| {
            let (store, next) = (Arc::clone(&store), Arc::clone(&next));
            std::thread::spawn(move || {
                // Bounded so an orphaned child ends by itself.
                while began.elapsed().as_secs() < 60 {
                    let n = next.fetch_add(1, Ordering::SeqCst);
                    let said = Slots { interests: vec![format!("answer-{n}")], ..Slots::default() };
                    let (_, durable) = store
                        .update(shopper(n % WRITER_SHOPPERS), T0, &mut |p| {
                            p.declare(SlotName::Interests, &said, Source::Chat, T0);
                        })
                        .unwrap();
                    durable.wait().unwrap();
                    let mut out = std::io::stdout().lock();
                    writeln!(out, "ack {n}").unwrap();
                    out.flush().unwrap();
                }
            })
        })
        .collect();
    writers.into_iter().for_each(|w| w.join().unwrap());
}

#[test]
fn every_acknowledged_answer_survives_kill_9_of_the_writer() {
    let dir = tempfile::tempdir().unwrap();
    let seed: u64 = rand::random();
    eprintln!("kill -9 test seed {seed}");
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut acked = Vec::new();
    for round in 0..5u64 {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "kill_9_writer_child", "--nocapture", "--test-threads=1"])
            .env(WRITER_DIR, dir.path())
            .env(WRITER_START, (round * 1_000_000).to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let wanted = rng.random_range(1..150);
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut this_round = 0;
        while this_round < wanted {
            let line = lines.next().expect("the writer ended before it was killed").unwrap();
            if let Some(n) = line.strip_prefix("ack ") {
                acked.push(n.parse::<u64>().unwrap());
                this_round += 1;
            }
        }
        child.kill().unwrap(); // SIGKILL on unix
        child.wait().unwrap();
        let store = open(dir.path());
        for &n in &acked {
            let profile = store.load(shopper(n % WRITER_SHOPPERS)).unwrap().expect("an acknowledged shopper exists");
            assert!(interest(&profile, &format!("answer-{n}")), "answer {n} lost after kill -9 (seed {seed})");
        }
    }
    assert!(acked.len() >= 5);
}

#[test]
fn erase_leaves_no_key_or_value_mentioning_the_shopper_in_any_tree() {
    let dir = tempfile::tempdir().unwrap();
    let gone = ShopperId::random();
    let keep = ShopperId::random();
    {
        let store = open(dir.path());
        for id in [gone, keep] {
            let (_, durable) = store
                .update(id, T0, &mut |p| {
                    p.link_customer(&CustomerId::parse(&format!("customer-{id}")).unwrap(), T0);
                    p.record(
                        event(serde_json::json!({"id":"e-1","kind":"product_viewed","product_id":"a"})).unwrap(),
                        &Limits::default(),
                    );
                    p.record(
                        event(serde_json::json!({"kind":"purchase","product_id":"b"})).unwrap(),
                        &Limits::default(),
                    );
                })
                .unwrap();
            durable.wait().unwrap();
        }
        store.erase(gone).unwrap().wait().unwrap();
    }
    let db = raw_open(&dir.path().join("profiles"));
    let needle = gone.to_string();
    let mut entries = 0;
    for name in db.tree_names() {
        for entry in db.open_tree(&name).unwrap().iter() {
            let (k, v) = entry.unwrap();
            entries += 1;
            for bytes in [&k, &v] {
                assert!(!bytes.windows(needle.len()).any(|w| w == needle.as_bytes()), "found {needle} in {k:?}");
            }
        }
    }
    assert!(entries > 0, "the other shopper is still there");
    drop(db);
    let store = open(dir.path());
    assert!(store.load(gone).unwrap().is_none());
    assert!(store.load(keep).unwrap().is_some());
}

/// Whether any file under `dir` holds `needle`, byte for byte.
fn on_disk(dir: &Path, needle: &[u8]) -> bool {
    std::fs::read_dir(dir).unwrap().map_while(Result::ok).any(|entry| {
        let path = entry.path();
        if path.is_dir() {
            on_disk(&path, needle)
        } else {
            std::fs::read(&path).is_ok_and(|bytes| bytes.windows(needle.len()).any(|w| w == needle))
        }
    })
}

#[test]
fn erased_text_leaves_the_disk_when_the_store_next_opens() {
    let dir = tempfile::tempdir().unwrap();
    let (gone, keep) = (ShopperId::random(), ShopperId::random());
    let secret_word = "zebracornsecretword";
    {
        let store = open(dir.path());
        for (id, word) in [(gone, secret_word), (keep, "trains")] {
            let said = Slots { interests: vec![word.into()], ..Slots::default() };
            let (_, durable) =
                store.update(id, T0, &mut |p| _ = p.declare(SlotName::Interests, &said, Source::Chat, T0)).unwrap();
            durable.wait().unwrap();
        }
        store.flush().unwrap();
        store.erase(gone).unwrap().wait().unwrap();
    }
    // sled's remove is logical: the erased bytes are still in its files here...
    assert!(on_disk(dir.path(), secret_word.as_bytes()), "the premise: sled keeps removed values");
    // ...and the next open rewrites the store without them.
    let store = open(dir.path());
    assert!(!on_disk(dir.path(), secret_word.as_bytes()), "an erased answer is still on disk");
    assert!(on_disk(dir.path(), b"trains"), "the other shopper's answer is kept");
    assert!(interest(&store.load(keep).unwrap().unwrap(), "trains"));
    assert!(store.load(gone).unwrap().is_none());
    assert!(
        matches!(store.update(gone, T0, &mut |_| ()), Err(StoreError::ShopperErased { .. })),
        "tombstones are kept"
    );
    drop(store);
    let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(leftovers, ["profiles"], "no copy is left beside the store");
}

#[test]
fn a_value_written_by_the_first_format_with_fewer_fields_still_reads() {
    let dir = tempfile::tempdir().unwrap();
    let id = ShopperId::random();
    let body = serde_json::json!({
        "id": id.to_string(),
        "created_at": "2024-01-01T09:00:00Z",
        "last_seen": "2024-02-01T09:00:00Z",
        "visits": {"number": 3, "started_at": "2024-02-01T09:00:00Z"},
        "declared": {"age": {"value": 6, "source": "quiz", "at": "2024-01-01T09:00:00Z"}}
    });
    {
        let db = raw_open(&dir.path().join("profiles"));
        let mut value = vec![1u8];
        value.extend(serde_json::to_vec(&body).unwrap());
        db.insert(format!("p/{id}"), value).unwrap();
        db.flush().unwrap();
    }
    let store = open(dir.path());
    let profile = store.load(id).unwrap().unwrap();
    assert_eq!(profile.slots().age, Some(6));
    assert_eq!(profile.visits().number, 3);
    assert!(profile.consent().personalization);
    assert!(profile.events().is_empty() && profile.orders().is_empty());
    // Its next change stores it in the current format (2, binary since issue 22), intact.
    let (changed, durable) = store.update(id, T0, &mut |p| p.start_visit(T0)).unwrap();
    durable.wait().unwrap();
    drop(store);
    let stored = raw_open(&dir.path().join("profiles")).get(format!("p/{id}")).unwrap().unwrap();
    assert_eq!(stored[0], 2);
    assert_eq!(open(dir.path()).load(id).unwrap().unwrap(), changed);
    assert_eq!((changed.slots().age, changed.visits().number), (Some(6), 4));
}

#[test]
fn unreadable_values_are_reported_for_that_shopper_only() {
    let dir = tempfile::tempdir().unwrap();
    let (bad, newer, good) = (ShopperId::random(), ShopperId::random(), ShopperId::random());
    {
        let db = raw_open(&dir.path().join("profiles"));
        db.insert(format!("p/{bad}"), &b"\x01not json"[..]).unwrap();
        db.insert(format!("p/{newer}"), &b"\x07{}"[..]).unwrap();
        db.flush().unwrap();
    }
    let store = open(dir.path());
    store.save(&Profile::new(good, T0)).unwrap();
    assert!(matches!(store.load(bad), Err(StoreError::Corrupt { .. })));
    let error = store.load(newer).unwrap_err().to_string();
    assert!(error.contains("unknown format 7"), "{error}");
    assert!(store.load(good).unwrap().is_some());
}

#[test]
fn repeated_events_from_the_backend_are_recorded_once_across_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let id = ShopperId::random();
    let order = serde_json::json!({"id":"evt-1","kind":"purchase","customer_id":"c-42",
        "order":{"id":"o-1","items":[{"product_id":"sku-1","quantity":2,"price":4.5,"currency":"GBP"}]}});
    let mut outcomes = Vec::new();
    for _ in 0..2 {
        let store = open(dir.path());
        let (_, durable) = store
            .update(id, T0, &mut |p| outcomes.push(p.record(event(order.clone()).unwrap(), &Limits::default())))
            .unwrap();
        durable.wait().unwrap();
    }
    assert_eq!(outcomes, [Recorded::Stored, Recorded::Duplicate]);
    let profile = open(dir.path()).load(id).unwrap().unwrap();
    assert_eq!(profile.orders().len(), 1);
    assert_eq!(profile.orders()[0].total.unwrap().to_string(), "9");
}

#[test]
fn with_consent_off_no_behaviour_is_stored_or_used() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let id = ShopperId::random();
    let (_, durable) = store
        .update(id, T0, &mut |p| {
            p.declare(SlotName::Age, &Slots { age: Some(6), ..Slots::default() }, Source::Chat, T0);
            p.set_personalization(false, T0);
            let viewed = event(serde_json::json!({"kind":"product_viewed","product_id":"sku-1"})).unwrap();
            assert_eq!(p.record(viewed, &Limits::default()), Recorded::NotConsented);
        })
        .unwrap();
    durable.wait().unwrap();
    let profile = store.load(id).unwrap().unwrap();
    assert!(profile.events().is_empty());
    assert_eq!(profile.slots(), Slots::default());
    assert!(profile.behaviour(T0, Duration::days(30)).is_empty());
}

#[test]
fn the_retention_sweep_erases_idle_anonymous_shoppers_and_their_tokens_start_afresh() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let (idle, known) = (Profile::new(ShopperId::random(), T0), Profile::new(ShopperId::random(), T0));
    let mut known = known;
    known.link_customer(&CustomerId::parse("c-1").unwrap(), T0);
    store.save(&idle).unwrap();
    store.save(&known).unwrap();
    assert_eq!(store.sweep(T0 + Duration::days(179), Duration::days(180)).unwrap(), 0);
    assert_eq!(store.sweep(T0 + Duration::days(181), Duration::days(180)).unwrap(), 1);
    drop(store);
    let store = open(dir.path());
    assert!(store.load(idle.id()).unwrap().is_none(), "an expired token finds nothing and starts a new shopper");
    assert_eq!(store.find_customer(&CustomerId::parse("c-1").unwrap()).unwrap(), Some(known.id()));
}

#[test]
fn future_unknown_and_productless_events_are_refused_with_clear_messages() {
    let future = (T0 + Duration::hours(1)).format(&time::format_description::well_known::Rfc3339).unwrap();
    let cases = [
        (serde_json::json!({"kind":"product_viewed","product_id":"a","at":future}), "more than 5 minutes"),
        (serde_json::json!({"kind":"wishlisted","product_id":"a"}), "known kinds: product_viewed, search"),
        (serde_json::json!({"kind":"add_to_cart"}), "add_to_cart events need a product_id"),
    ];
    for (json, expected) in cases {
        let message = event(json).unwrap_err().to_string();
        assert!(message.contains(expected), "{message}");
    }
}
