//! `concierge store copy`: a shop moved from sled to PostgreSQL and back keeps every shopper
//! whole, and copying again changes nothing.

use std::process::Command;

use concierge::profile::{
    Event, EventInput, Exposure, Limits, PostgresOptions, PostgresStore, Purchase, SledStore, Store, StoreOptions,
    Unit, copy_store,
};

use crate::cluster;
use crate::contract::{T0, aged, customer, viewed};

fn concierge(args: &[&str]) -> (bool, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_concierge")).args(args).output().unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    (output.status.success(), text)
}

fn purchase(order: &str) -> Event {
    let input: EventInput = serde_json::from_value(serde_json::json!({
        "kind": "purchase", "at": "2025-03-01T10:00:00Z",
        "order": {"id": order, "items": [{"product_id": "sku-1", "quantity": 1, "price": "12.50"}], "currency": "GBP"}
    }))
    .unwrap();
    Event::parse(input, T0).unwrap()
}

#[test]
fn a_shop_moved_to_postgres_and_back_keeps_every_shopper_and_copying_again_changes_nothing() {
    let Some(url) = cluster::fresh_database() else { return };
    let (source, back) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mut shoppers = Vec::new();
    {
        let sled = SledStore::open(source.path(), StoreOptions::default()).unwrap();
        for n in 0..30 {
            let mut p = aged(n % 10);
            p.record(viewed(&format!("sku-{n}"), Some(&format!("evt-{n}"))), &Limits::default());
            if n % 5 == 0 {
                p.record(purchase(&format!("order-{n}")), &Limits::default());
            }
            if n % 3 == 0 {
                p.link_customer(&customer(&format!("cust-{n}")), T0);
                // Withdrawn consent travels too (and drops the behaviour it covered).
                p.set_personalization(false, T0);
            }
            sled.save(&p).unwrap();
            shoppers.push(p);
        }
        // The shop's order log and an experiment's exposure and purchase travel too.
        let lines: Vec<concierge::orders::OrderLine> = (0..1_200)
            .map(|n| {
                serde_json::from_value(serde_json::json!({
                    "order_id": format!("inv-{}", n / 3), "customer": format!("cust-{}", n % 40),
                    "product_id": format!("sku-{}", n % 7), "quantity": 1, "at": 1_700_000_000 + n
                }))
                .unwrap()
            })
            .collect();
        sled.orders().unwrap().append(&lines).unwrap();
        let exposures = sled.experiments().unwrap();
        let unit = Unit::from_stored("s:visitor".into());
        let exposure =
            Exposure { experiment: "holdout".into(), unit: unit.clone(), arm: "holdout".into(), at: T0, of: None };
        exposures.expose(&exposure).unwrap();
        exposures.add_purchase(&Purchase { unit, key: "order-9".into(), revenue: 20.0, at: T0 }).unwrap();
    }
    let from = source.path().to_str().unwrap();
    let (ok, out) = concierge(&["store", "copy", "--from", from, "--to", &url]);
    assert!(ok, "{out}");
    assert!(out.contains("shoppers: 30 copied, 0 unchanged, 0 skipped"), "{out}");
    assert!(out.contains("with 20 events, 6 orders, 10 customer links"), "{out}");
    assert!(out.contains("order log: 1200 lines; experiments: 1 exposures, 1 purchases"), "{out}");
    let (ok, again) = concierge(&["store", "copy", "--from", from, "--to", &url]);
    assert!(ok && again.contains("shoppers: 0 copied, 30 unchanged, 0 skipped"), "{again}");
    let (ok, out) = concierge(&["store", "copy", "--from", &url, "--to", back.path().to_str().unwrap()]);
    assert!(ok && out.contains("shoppers: 30 copied"), "{out}");
    let postgres = PostgresStore::open(&url, PostgresOptions::default()).unwrap();
    let returned = SledStore::open(back.path(), StoreOptions::default()).unwrap();
    for p in &shoppers {
        assert_eq!(postgres.load(p.id()).unwrap().as_ref(), Some(p), "in PostgreSQL");
        assert_eq!(returned.load(p.id()).unwrap().as_ref(), Some(p), "back on sled");
    }
    assert_eq!(postgres.find_customer(&customer("cust-3")).unwrap(), Some(shoppers[3].id()));
    for store in [&postgres as &dyn Store, &returned] {
        let mut lines = 0;
        store.orders().unwrap().scan(&mut |_| lines += 1).unwrap();
        assert_eq!(lines, 1_200, "every order line, in PostgreSQL and back");
        let exposures = store.experiments().unwrap();
        assert_eq!(exposures.exposures("holdout").unwrap().len(), 1);
        assert_eq!(exposures.purchases(&Unit::from_stored("s:visitor".into())).unwrap().len(), 1);
    }
}

#[test]
fn a_shopper_whose_customer_belongs_to_another_in_the_destination_is_skipped_and_named() {
    let Some(url) = cluster::fresh_database() else { return };
    let dir = tempfile::tempdir().unwrap();
    let sled = SledStore::open(dir.path(), StoreOptions::default()).unwrap();
    let postgres = PostgresStore::open(&url, PostgresOptions::default()).unwrap();
    let (mut here, mut there) = (aged(4), aged(5));
    here.link_customer(&customer("shared-customer"), T0);
    there.link_customer(&customer("shared-customer"), T0);
    sled.save(&here).unwrap();
    sled.save(&aged(6)).unwrap();
    postgres.save(&there).unwrap();
    let report = copy_store(&sled, &postgres).unwrap();
    assert_eq!((report.copied, report.skipped.len()), (1, 1), "{report:?}");
    assert!(report.skipped[0].contains(&here.id().to_string()), "{report:?}");
    assert!(postgres.load(here.id()).unwrap().is_none());
}

#[test]
fn copying_from_a_directory_with_no_store_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, out) = concierge(&["store", "copy", "--from", dir.path().to_str().unwrap(), "--to", "elsewhere"]);
    assert!(!ok && out.contains("no profile store here"), "{out}");
}

/// Regression: a server started on the empty destination marks its watcher index built, so a
/// copy made after it must note the copied shoppers' watches, or their stock notices are lost.
#[test]
fn regression_a_copy_into_a_store_whose_watcher_index_is_built_notes_the_copied_watchers() {
    let Some(url) = cluster::fresh_database() else { return };
    let dir = tempfile::tempdir().unwrap();
    let sled = SledStore::open(dir.path(), StoreOptions::default()).unwrap();
    let postgres = PostgresStore::open(&url, PostgresOptions::default()).unwrap();
    let mut wishing = aged(6);
    let input = EventInput {
        kind: "wishlist_add".into(),
        product_id: Some("lantern".into()),
        at: Some("2025-03-01T10:00:00Z".into()),
        ..Default::default()
    };
    wishing.record(Event::parse(input, T0).unwrap(), &Limits::default());
    sled.save(&wishing).unwrap();
    let index = postgres.watchers().expect("PostgreSQL keeps a watcher index");
    concierge::notices::watchers::index_every_profile(&postgres).unwrap();
    assert!(index.built().unwrap(), "as a server started on the empty database leaves it");
    copy_store(&sled, &postgres).unwrap();
    assert_eq!(index.of_product("lantern").unwrap(), [wishing.id()]);
}
