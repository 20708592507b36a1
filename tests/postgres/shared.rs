//! Several servers' stores on one database: what one writes, the other reads; concurrent
//! writes to one shopper from both lose nothing; an event id is recorded once whichever store
//! sees it; migrations run once when both start together.

use std::sync::Barrier;
use std::time::{Duration, Instant};

use concierge::profile::{
    Limits, PostgresOptions, PostgresStore, Recorded, ShopperId, Store, StoreError, update_customer,
};

use crate::cluster;
use crate::contract::{T0, aged, customer, viewed};

fn two_servers() -> Option<(PostgresStore, PostgresStore)> {
    let url = cluster::fresh_database()?;
    let open = || PostgresStore::open(&url, PostgresOptions::default()).unwrap();
    Some((open(), open()))
}

#[test]
fn what_one_server_writes_the_other_reads_at_once() {
    let Some((a, b)) = two_servers() else { return };
    let p = aged(6);
    a.save(&p).unwrap();
    assert_eq!(b.load(p.id()).unwrap().unwrap(), p);
    b.erase(p.id()).unwrap().wait().unwrap();
    assert!(a.load(p.id()).unwrap().is_none());
}

#[test]
fn fifty_events_through_each_of_two_servers_for_one_shopper_are_exactly_a_hundred() {
    let Some((a, b)) = two_servers() else { return };
    let id = ShopperId::random();
    let start = Barrier::new(100);
    std::thread::scope(|scope| {
        for (name, store) in [("a", &a), ("b", &b)] {
            for n in 0..50 {
                let start = &start;
                scope.spawn(move || {
                    start.wait();
                    let event = viewed(&format!("sku-{name}-{n}"), Some(&format!("{name}-{n}")));
                    let (_, durable) = store
                        .update(id, T0, &mut |p| {
                            p.record(event.clone(), &Limits::default());
                        })
                        .unwrap();
                    durable.wait().unwrap();
                });
            }
        }
    });
    assert_eq!(a.load(id).unwrap().unwrap().events().len(), 100);
}

#[test]
fn the_same_idempotency_key_through_two_servers_is_recorded_once() {
    let Some((a, b)) = two_servers() else { return };
    let id = ShopperId::random();
    let start = Barrier::new(2);
    let outcomes: Vec<Recorded> = std::thread::scope(|scope| {
        let handles: Vec<_> = [&a, &b]
            .into_iter()
            .map(|store| {
                let start = &start;
                scope.spawn(move || {
                    start.wait();
                    let mut outcome = Recorded::Duplicate;
                    let event = viewed("sku-1", Some("order-page-view-1"));
                    store
                        .update(id, T0, &mut |p| outcome = p.record(event.clone(), &Limits::default()))
                        .unwrap()
                        .1
                        .wait()
                        .unwrap();
                    outcome
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(outcomes.iter().filter(|o| **o == Recorded::Stored).count(), 1, "{outcomes:?}");
    assert_eq!(b.load(id).unwrap().unwrap().events().len(), 1);
}

#[test]
fn a_customer_first_seen_by_two_servers_at_once_is_one_shopper() {
    let Some((a, b)) = two_servers() else { return };
    let name = customer(&format!("c-{}", ShopperId::random()));
    let start = Barrier::new(2);
    let shoppers: Vec<ShopperId> = std::thread::scope(|scope| {
        let handles: Vec<_> = [(&a, "x"), (&b, "y")]
            .into_iter()
            .map(|(store, product)| {
                let (start, name) = (&start, &name);
                scope.spawn(move || {
                    start.wait();
                    let event = viewed(product, None);
                    let (profile, _) = update_customer(store, name, T0, &mut |p| {
                        p.record(event.clone(), &Limits::default());
                    })
                    .unwrap();
                    profile.id()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(shoppers[0], shoppers[1]);
    assert_eq!(a.load(shoppers[0]).unwrap().unwrap().events().len(), 2, "neither event was lost");
}

#[test]
fn two_servers_starting_together_on_an_empty_database_migrate_it_once() {
    let Some(url) = cluster::empty_database() else { return };
    let start = Barrier::new(4);
    std::thread::scope(|scope| {
        for _ in 0..4 {
            let (start, url) = (&start, &url);
            scope.spawn(move || {
                start.wait();
                let store = PostgresStore::open(url, PostgresOptions::default()).unwrap();
                store.save(&aged(3)).unwrap();
            });
        }
    });
    let cluster = cluster::shared().unwrap();
    let database = url.rsplit('/').next().unwrap();
    assert_eq!(
        cluster.psql(database, "SELECT count(*) = count(DISTINCT version) AND count(*) > 0 FROM concierge_migrations"),
        "t",
        "each migration once"
    );
    assert_eq!(cluster.psql(database, "SELECT count(*) FROM concierge_profiles"), "4");
}

#[test]
fn only_one_of_two_servers_sweeping_together_erases_each_shopper() {
    let Some((a, b)) = two_servers() else { return };
    for age in 0..20 {
        a.save(&aged(age)).unwrap();
    }
    let now = T0 + time::Duration::days(181);
    let removed: usize = std::thread::scope(|scope| {
        let handles: Vec<_> = [&a, &b]
            .into_iter()
            .map(|s| scope.spawn(move || s.sweep(now, time::Duration::days(180)).unwrap()))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).sum()
    });
    assert_eq!(removed, 20);
    assert!(a.shoppers_after(None, 100).unwrap().is_empty());
}

#[test]
fn an_unreadable_row_is_reported_and_the_shopper_can_start_fresh() {
    let Some(url) = cluster::fresh_database() else { return };
    let store = PostgresStore::open(&url, PostgresOptions::default()).unwrap();
    let p = aged(6);
    store.save(&p).unwrap();
    let database = url.rsplit('/').next().unwrap();
    cluster::shared().unwrap().psql(database, "UPDATE concierge_profiles SET body = '\\x017b2269'");
    let error = store.load(p.id()).unwrap_err();
    assert!(matches!(&error, StoreError::Corrupt { shopper, .. } if *shopper == p.id().to_string()), "{error}");
    assert!(store.update(p.id(), T0, &mut |_| ()).is_err(), "update never overwrites what it cannot read");
    store.erase(p.id()).unwrap().wait().unwrap();
    assert!(store.update(p.id(), T0, &mut |_| ()).unwrap().0.declared().is_empty());
}

#[test]
fn an_unreachable_database_is_a_clear_error_within_the_timeout() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let options = PostgresOptions { timeout: Duration::from_secs(2), ..PostgresOptions::default() };
    let started = Instant::now();
    let error = PostgresStore::open(&format!("postgres://shop:secret@127.0.0.1:{port}/shop"), options)
        .err()
        .expect("nothing listens there");
    assert!(matches!(error, StoreError::Unavailable(_)), "{error}");
    assert!(!error.to_string().contains("secret"), "the password stays out of messages: {error}");
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[test]
fn a_conversation_saved_by_one_server_resumes_on_the_other_only_for_its_shopper_and_in_time() {
    let Some((a, b)) = two_servers() else { return };
    let p = aged(6);
    a.save(&p).unwrap();
    let (now, until) = (T0, T0 + time::Duration::minutes(30));
    assert!(a.conversations().unwrap().save_conversation("s-1", p.id(), b"state one", until).unwrap());
    let shared = b.conversations().unwrap();
    assert_eq!(shared.load_conversation("s-1", p.id(), now).unwrap().as_deref(), Some(&b"state one"[..]));
    assert!(shared.save_conversation("s-1", p.id(), b"state two", until).unwrap(), "a later turn replaces it");
    assert_eq!(
        a.conversations().unwrap().load_conversation("s-1", p.id(), now).unwrap().as_deref(),
        Some(&b"state two"[..])
    );
    let other = aged(7);
    a.save(&other).unwrap();
    assert_eq!(shared.load_conversation("s-1", other.id(), now).unwrap(), None, "never another shopper's");
    assert!(!shared.save_conversation("s-1", other.id(), b"hijack", until).unwrap());
    assert_eq!(shared.load_conversation("s-1", p.id(), until).unwrap(), None, "expired at its deadline");
}

#[test]
fn erasing_a_shopper_removes_its_conversations_and_a_late_save_cannot_bring_one_back() {
    let Some((a, b)) = two_servers() else { return };
    let p = aged(6);
    a.save(&p).unwrap();
    let until = T0 + time::Duration::minutes(30);
    assert!(a.conversations().unwrap().save_conversation("s-2", p.id(), b"state", until).unwrap());
    b.erase(p.id()).unwrap().wait().unwrap();
    assert_eq!(a.conversations().unwrap().load_conversation("s-2", p.id(), T0).unwrap(), None);
    assert!(!a.conversations().unwrap().save_conversation("s-2", p.id(), b"late", until).unwrap());
    assert_eq!(b.conversations().unwrap().load_conversation("s-2", p.id(), T0).unwrap(), None);
}

#[test]
fn an_erasure_on_one_server_is_announced_to_the_other_within_a_second() {
    let Some((a, b)) = two_servers() else { return };
    let mut heard = a.conversations().unwrap().erasures();
    let p = aged(6);
    b.save(&p).unwrap();
    // The listener connects in the background: erase until it hears (at most a few tries).
    let started = Instant::now();
    let shopper = loop {
        b.erase(p.id()).unwrap().wait().unwrap();
        std::thread::sleep(Duration::from_millis(200));
        match heard.try_recv() {
            Ok(shopper) => break shopper,
            Err(_) => assert!(started.elapsed() < Duration::from_secs(5), "no erasure heard"),
        }
    };
    assert_eq!(shopper, p.id());
    let q = aged(7);
    b.save(&q).unwrap();
    let erased_at = Instant::now();
    b.erase(q.id()).unwrap().wait().unwrap();
    loop {
        match heard.try_recv() {
            Ok(shopper) if shopper == q.id() => break,
            Ok(_) | Err(tokio::sync::broadcast::error::TryRecvError::Empty) => {
                assert!(erased_at.elapsed() < Duration::from_secs(1), "heard within a second");
                std::thread::sleep(Duration::from_millis(10));
            }
            Err(error) => panic!("{error}"),
        }
    }
}
