//! The database killed under load (SIGKILL to the postmaster's process group) and restarted:
//! every acknowledged write is there afterwards, the failed ones were not acknowledged, and the
//! same store (no reopening, as a running server) is healthy again by itself.

use std::collections::BTreeSet;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use concierge::profile::{Limits, PostgresOptions, PostgresStore, ShopperId, Store};

use crate::cluster::Cluster;
use crate::contract::{T0, viewed};

const WRITERS: usize = 4;

#[test]
fn every_acknowledged_write_survives_the_database_being_killed_and_the_store_recovers_by_itself() {
    let Some(cluster) = Cluster::private() else { return };
    cluster.psql("postgres", "CREATE DATABASE shop");
    let options = PostgresOptions { timeout: Duration::from_secs(2), ..PostgresOptions::default() };
    let store = PostgresStore::open(&cluster.url("shop"), options).unwrap();
    let acknowledged = Mutex::new(BTreeSet::new());
    let (failed, stop) = (AtomicUsize::new(0), AtomicBool::new(false));
    let recovered = AtomicUsize::new(0);
    let restarted = AtomicBool::new(false);
    std::thread::scope(|scope| {
        for t in 0..WRITERS {
            let (store, acknowledged, failed, stop) = (&store, &acknowledged, &failed, &stop);
            let (recovered, restarted) = (&recovered, &restarted);
            scope.spawn(move || {
                let mut counted = false;
                for n in 0.. {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    // A new shopper per write: the set of acknowledged ones is what must be stored.
                    let key = ShopperId::random();
                    let event = viewed(&format!("sku-{t}-{n}"), None);
                    let written = store
                        .update(key, T0, &mut |p| {
                            p.record(event.clone(), &Limits::default());
                        })
                        .and_then(|(_, durable)| durable.wait());
                    match written {
                        Ok(()) => {
                            acknowledged.lock().unwrap().insert(key);
                            if restarted.load(Ordering::SeqCst) && !counted {
                                counted = true;
                                recovered.fetch_add(1, Ordering::SeqCst);
                            }
                        }
                        Err(_) => {
                            failed.fetch_add(1, Ordering::SeqCst);
                            std::thread::sleep(Duration::from_millis(20));
                        }
                    }
                }
            });
        }
        std::thread::sleep(Duration::from_millis(700));
        cluster.kill();
        let down = Instant::now();
        while failed.load(Ordering::SeqCst) == 0 && down.elapsed() < Duration::from_secs(10) {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(store.check().is_err(), "the health check fails while the database is down");
        cluster.start();
        restarted.store(true, Ordering::SeqCst);
        let up = Instant::now();
        while recovered.load(Ordering::SeqCst) < WRITERS && up.elapsed() < Duration::from_secs(30) {
            std::thread::sleep(Duration::from_millis(50));
        }
        stop.store(true, Ordering::SeqCst);
    });
    assert!(failed.load(Ordering::SeqCst) > 0, "writes failed while the database was down");
    assert_eq!(recovered.load(Ordering::SeqCst), WRITERS, "every writer succeeded again without a reopen");
    store.check().unwrap();
    let acknowledged = acknowledged.into_inner().unwrap();
    let stored: BTreeSet<ShopperId> = acknowledged.iter().copied().filter(|id| store.contains(*id).unwrap()).collect();
    let lost: Vec<_> = acknowledged.difference(&stored).collect();
    assert!(lost.is_empty(), "{} acknowledged writes lost, e.g. {:?}", lost.len(), lost.first());
    assert!(acknowledged.len() > 10, "the test wrote under load ({} acknowledged)", acknowledged.len());
}
