use std::sync::Arc;

use time::Duration;

use super::{T0, viewed};
use crate::profile::{
    CustomerId, Durability, Limits, Profile, ShopperId, SledStore, Source, Store, StoreError, StoreOptions,
};
use crate::slots::{SlotName, Slots};

fn open(dir: &tempfile::TempDir, durability: Durability) -> SledStore {
    SledStore::open(dir.path(), StoreOptions { durability, ..StoreOptions::default() }).unwrap()
}

fn aged(age: u32, id: ShopperId) -> Profile {
    let mut p = Profile::new(id, T0);
    p.declare(SlotName::Age, &Slots { age: Some(age), ..Slots::default() }, Source::Chat, T0);
    p
}

/// Every key and value in every tree, for proving what is (not) stored.
fn everything(store: &SledStore) -> Vec<(Vec<u8>, Vec<u8>)> {
    let db = store.db();
    db.tree_names()
        .into_iter()
        .flat_map(|name| db.open_tree(name).unwrap().iter().map(|kv| kv.unwrap()).collect::<Vec<_>>())
        .map(|(k, v)| (k.to_vec(), v.to_vec()))
        .collect()
}

fn mentions(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[test]
fn every_durability_mode_stores_what_it_is_given() {
    for durability in [Durability::Group, Durability::Each, Durability::None] {
        let dir = tempfile::tempdir().unwrap();
        let store = open(&dir, durability);
        let p = aged(6, ShopperId::random());
        store.save(&p).unwrap();
        assert_eq!(store.load(p.id()).unwrap().unwrap(), p, "{durability:?}");
    }
}

#[test]
fn an_unknown_shopper_loads_as_none() {
    let dir = tempfile::tempdir().unwrap();
    assert!(open(&dir, Durability::Group).load(ShopperId::random()).unwrap().is_none());
}

#[test]
fn update_creates_a_missing_profile_and_changes_an_existing_one() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir, Durability::Group);
    let id = ShopperId::random();
    let (created, durable) = store
        .update(id, T0, &mut |p| {
            p.record(viewed("a", T0), &Limits::default());
        })
        .unwrap();
    durable.wait().unwrap();
    assert_eq!(created.events().len(), 1);
    let (changed, durable) = store.update(id, T0, &mut |p| p.start_visit(T0)).unwrap();
    durable.wait().unwrap();
    assert_eq!((changed.events().len(), changed.visits().number), (1, 2));
}

#[test]
fn concurrent_updates_of_one_shopper_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(open(&dir, Durability::Group));
    let id = ShopperId::random();
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let store = Arc::clone(&store);
            std::thread::spawn(move || {
                for n in 0..20 {
                    let event = viewed(&format!("sku-{t}-{n}"), T0);
                    let (_, durable) = store
                        .update(id, T0, &mut |p| {
                            p.record(event.clone(), &Limits::default());
                        })
                        .unwrap();
                    durable.wait().unwrap();
                }
            })
        })
        .collect();
    threads.into_iter().for_each(|t| t.join().unwrap());
    assert_eq!(store.load(id).unwrap().unwrap().events().len(), 160);
    let (flushes, queued) = store.group_stats();
    assert!(queued <= 160 && flushes <= queued, "{flushes} flushes for {queued} queued tickets");
}

#[test]
fn a_write_nobody_waits_for_asks_for_no_flush() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir, Durability::Group);
    for age in 0..20 {
        drop(store.write(&aged(age, ShopperId::random())).unwrap());
    }
    assert_eq!(store.group_stats(), (0, 0), "bookkeeping writes leave the disk to sled's own flush");
    let last = aged(30, ShopperId::random());
    store.save(&last).unwrap();
    assert_eq!(store.group_stats(), (1, 1), "one flush covers the waited write and everything before it");
}

#[test]
fn flushes_start_at_least_a_window_apart_however_many_wait() {
    let dir = tempfile::tempdir().unwrap();
    let window = std::time::Duration::from_millis(20);
    let options = StoreOptions { durability: Durability::Group, group_window: window, ..StoreOptions::default() };
    let store = Arc::new(SledStore::open(dir.path(), options).unwrap());
    let started = std::time::Instant::now();
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let store = Arc::clone(&store);
            std::thread::spawn(move || {
                for age in 0..10 {
                    store.save(&aged(age, ShopperId::random())).unwrap();
                }
            })
        })
        .collect();
    threads.into_iter().for_each(|t| t.join().unwrap());
    let (flushes, _) = store.group_stats();
    let windows = started.elapsed().as_secs_f64() / window.as_secs_f64();
    assert!((flushes as f64) <= windows.floor() + 1.0, "{flushes} flushes in {windows:.1} windows");
    assert!(flushes < 40, "waiting answers shared flushes");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tickets_awaited_one_after_another_share_one_flush() {
    // What a batch of events does: write them all, then await each ticket in turn.
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir, Durability::Group);
    let tickets: Vec<_> = (0..50).map(|age| store.write(&aged(age, ShopperId::random())).unwrap()).collect();
    for ticket in tickets {
        ticket.await.unwrap();
    }
    assert_eq!(store.group_stats(), (1, 1), "the first flush covers every write made before it");
    store.write(&aged(60, ShopperId::random())).unwrap().await.unwrap();
    assert_eq!(store.group_stats().0, 2, "a write after that flush needs one of its own");
}

#[test]
fn a_ticket_kept_past_the_store_neither_hangs_the_close_nor_claims_durability() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir, Durability::Group);
    let ticket = store.write(&aged(6, ShopperId::random())).unwrap();
    drop(store);
    assert!(matches!(ticket.wait(), Err(StoreError::Flush(_))));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_async_writer_awaits_durability_without_blocking() {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> = Arc::new(open(&dir, Durability::Group));
    let tasks: Vec<_> = (0..50)
        .map(|age| {
            let store = Arc::clone(&store);
            tokio::spawn(async move {
                let p = aged(age, ShopperId::random());
                store.write(&p).unwrap().await.unwrap();
                p.id()
            })
        })
        .collect();
    for task in tasks {
        let id = task.await.unwrap();
        assert!(store.load(id).unwrap().is_some());
    }
}

#[test]
fn a_customer_id_finds_its_shopper_and_cannot_be_taken_by_another() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir, Durability::Group);
    let mut first = aged(6, ShopperId::random());
    first.link_customer(&CustomerId::parse("c-42").unwrap(), T0);
    store.save(&first).unwrap();
    assert_eq!(store.find_customer(&CustomerId::parse("c-42").unwrap()).unwrap(), Some(first.id()));
    let mut second = aged(7, ShopperId::random());
    second.link_customer(&CustomerId::parse("c-42").unwrap(), T0);
    let error = store.save(&second).unwrap_err();
    assert!(matches!(error, StoreError::CustomerTaken { shopper, .. } if shopper == first.id()));
    assert!(store.load(second.id()).unwrap().is_none(), "a refused write changes nothing");
}

#[test]
fn relinking_moves_the_customer_index() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir, Durability::Group);
    let mut p = aged(6, ShopperId::random());
    p.link_customer(&CustomerId::parse("c-1").unwrap(), T0);
    store.save(&p).unwrap();
    p.link_customer(&CustomerId::parse("c-2").unwrap(), T0);
    store.save(&p).unwrap();
    assert_eq!(store.find_customer(&CustomerId::parse("c-1").unwrap()).unwrap(), None);
    assert_eq!(store.find_customer(&CustomerId::parse("c-2").unwrap()).unwrap(), Some(p.id()));
}

#[test]
fn erase_leaves_no_key_or_value_that_mentions_the_shopper() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir, Durability::Group);
    let keep = aged(5, ShopperId::random());
    store.save(&keep).unwrap();
    let mut gone = aged(6, ShopperId::random());
    gone.link_customer(&CustomerId::parse("customer-gone").unwrap(), T0);
    gone.record(viewed("sku-1", T0), &Limits::default());
    store.save(&gone).unwrap();
    store.erase(gone.id()).unwrap().wait().unwrap();
    let hex = gone.id().to_string();
    for (k, v) in everything(&store) {
        for needle in [hex.as_str(), "customer-gone"] {
            assert!(!mentions(&k, needle) && !mentions(&v, needle), "{:?}", String::from_utf8_lossy(&k));
        }
    }
    assert!(store.load(gone.id()).unwrap().is_none());
    assert!(store.find_customer(&CustomerId::parse("customer-gone").unwrap()).unwrap().is_none());
    assert!(store.load(keep.id()).unwrap().is_some());
}

#[test]
fn the_sweep_removes_only_idle_anonymous_shoppers() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir, Durability::Group);
    let idle = aged(1, ShopperId::random());
    let mut linked = aged(2, ShopperId::random());
    linked.link_customer(&CustomerId::parse("c-7").unwrap(), T0);
    let mut active = aged(3, ShopperId::random());
    active.touch(T0 + Duration::days(100));
    for p in [&idle, &linked, &active] {
        store.save(p).unwrap();
    }
    let now = T0 + Duration::days(181);
    assert_eq!(store.sweep(now, Duration::days(180)).unwrap(), 1);
    assert!(store.load(idle.id()).unwrap().is_none());
    assert!(store.load(linked.id()).unwrap().is_some());
    assert!(store.load(active.id()).unwrap().is_some());
    assert!(everything(&store).iter().all(|(k, _)| !mentions(k, &idle.id().to_string())));
}

/// The `a/` retention hint of a shopper, in Unix seconds.
fn hint(store: &SledStore, id: ShopperId) -> Option<i64> {
    let value = store.db().get(format!("a/{id}").as_bytes()).unwrap()?;
    Some(i64::from_be_bytes(value.as_ref().try_into().unwrap()))
}

#[test]
fn the_retention_hint_moves_only_when_it_lags_by_more_than_the_slack() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir, Durability::Group);
    let mut p = aged(6, ShopperId::random());
    store.save(&p).unwrap();
    assert_eq!(hint(&store, p.id()), Some(T0.unix_timestamp()), "a new shopper gets a hint at once");
    p.touch(T0 + Duration::minutes(30));
    store.save(&p).unwrap();
    assert_eq!(hint(&store, p.id()), Some(T0.unix_timestamp()), "within the slack only the profile is written");
    p.touch(T0 + Duration::days(2));
    store.save(&p).unwrap();
    assert_eq!(hint(&store, p.id()), Some((T0 + Duration::days(2)).unix_timestamp()));
}

#[test]
fn a_lagging_hint_never_erases_a_shopper_the_profile_shows_active() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir, Durability::Group);
    let mut active = aged(6, ShopperId::random());
    active.touch(T0 + Duration::days(100));
    store.save(&active).unwrap();
    // As if the hint had not caught up (a crash, or a write within the slack).
    store.db().insert(format!("a/{}", active.id()).as_bytes(), &T0.unix_timestamp().to_be_bytes()[..]).unwrap();
    let now = T0 + Duration::days(181);
    assert_eq!(store.sweep(now, Duration::days(180)).unwrap(), 0);
    assert!(store.load(active.id()).unwrap().is_some());
    assert_eq!(hint(&store, active.id()), Some((T0 + Duration::days(100)).unix_timestamp()), "the sweep repairs it");
    assert_eq!(store.sweep(T0 + Duration::days(281), Duration::days(180)).unwrap(), 1, "and erases on time later");
}

#[test]
fn a_hint_left_without_its_profile_is_dropped_by_the_sweep() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir, Durability::Group);
    let stray = ShopperId::random();
    // A crash between writing a new shopper's hint and its profile leaves this.
    store.db().insert(format!("a/{stray}").as_bytes(), &T0.unix_timestamp().to_be_bytes()[..]).unwrap();
    assert_eq!(store.sweep(T0 + Duration::days(181), Duration::days(180)).unwrap(), 0);
    assert!(hint(&store, stray).is_none());
}

#[test]
fn a_corrupt_value_is_reported_and_the_shopper_can_start_fresh() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir, Durability::Group);
    let p = aged(6, ShopperId::random());
    store.save(&p).unwrap();
    let key = format!("p/{}", p.id());
    store.db().insert(key.as_bytes(), &b"\x01{\"id\": tru"[..]).unwrap();
    let error = store.load(p.id()).unwrap_err();
    assert!(matches!(&error, StoreError::Corrupt { shopper, .. } if *shopper == p.id().to_string()), "{error}");
    assert!(store.update(p.id(), T0, &mut |_| ()).is_err(), "update never overwrites what it cannot read");
    store.erase(p.id()).unwrap().wait().unwrap();
    let refused = store.update(p.id(), T0, &mut |_| ());
    assert!(matches!(refused, Err(StoreError::ShopperErased { .. })), "an erased id is never reused");
    let (fresh, durable) = store.update(ShopperId::random(), T0, &mut |_| ()).unwrap();
    durable.wait().unwrap();
    assert!(fresh.declared().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_background_sweeper_erases_a_long_idle_anonymous_shopper_and_old_anonymous_exposures() {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> = Arc::new(open(&dir, Durability::Group));
    // Last seen on 2025-03-01: idle for far longer than a day by the real clock the sweeper reads.
    let idle = aged(6, ShopperId::random());
    store.save(&idle).unwrap();
    // A page load of a stranger long ago: their exposure expires with the same limit.
    let exposures = store.experiments().expect("sled keeps exposures");
    let unit = crate::profile::Unit::shopper(ShopperId::random());
    let exposure = crate::profile::Exposure {
        experiment: "holdout".into(),
        unit: unit.clone(),
        arm: "assistant".into(),
        at: T0,
        of: None,
    };
    exposures.expose(&exposure).unwrap();
    let sweeper =
        crate::profile::spawn_sweeper(Arc::clone(&store), std::time::Duration::from_secs(3600), Duration::days(1));
    let mut gone = false;
    for _ in 0..100 {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        if store.load(idle.id()).unwrap().is_none() && !exposures.is_exposed(&unit).unwrap() {
            gone = true;
            break;
        }
    }
    sweeper.abort();
    assert!(gone, "the first sweep runs at once, over shoppers and exposures");
}

#[test]
fn contains_says_whether_a_profile_is_stored_without_reading_it() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir, Durability::Group);
    let p = aged(6, ShopperId::random());
    assert!(!store.contains(p.id()).unwrap());
    store.save(&p).unwrap();
    store.db().insert(format!("p/{}", p.id()).as_bytes(), &b"\x01{broken"[..]).unwrap();
    assert!(store.contains(p.id()).unwrap(), "stored, even when unreadable");
    store.erase(p.id()).unwrap().wait().unwrap();
    assert!(!store.contains(p.id()).unwrap());
}
