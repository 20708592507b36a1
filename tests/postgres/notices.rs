//! The notices outbox behind the store seam, on sled and PostgreSQL alike: positions in order,
//! a notice at most once by its id, acknowledgement, and erasure taking a shopper's notices.

use concierge::notices::{Notice, NoticeKind};
use concierge::profile::Store;

use crate::contract::{T0, aged, postgres, sled};

fn notice(id: &str) -> Notice {
    Notice {
        id: id.into(),
        kind: NoticeKind::ShippingDelay,
        text: format!("notice {id}"),
        order_id: Some("o-1".into()),
        product: None,
        customer_id: Some("c-1".into()),
        at: T0,
    }
}

fn the_outbox_keeps_notices_in_order_once_each_until_acknowledged_or_erased(store: &dyn Store) {
    let outbox = store.notices().expect("the store keeps an outbox");
    let (first, second) = (aged(3), aged(4));
    store.save(&first).unwrap();
    store.save(&second).unwrap();
    let a = outbox.push(first.id(), &notice("a")).unwrap();
    let b = outbox.push(second.id(), &notice("b")).unwrap();
    let c = outbox.push(first.id(), &notice("c")).unwrap();
    assert!(a < b && b < c, "positions only grow: {a} {b} {c}");
    assert_eq!(outbox.push(first.id(), &notice("a")).unwrap(), a, "the same notice is kept once");
    let page = outbox.after(0, 10).unwrap();
    let ids: Vec<&str> = page.iter().map(|(_, n)| n.id.as_str()).collect();
    assert_eq!(ids, ["a", "b", "c"]);
    assert_eq!(page[0].1, notice("a"), "kept whole");
    assert_eq!(outbox.after(a, 1).unwrap()[0].1.id, "b", "after a cursor, up to a limit");

    assert_eq!(outbox.ack(a).unwrap(), 1);
    store.erase(first.id()).unwrap().wait().unwrap();
    let left: Vec<String> = outbox.after(0, 10).unwrap().into_iter().map(|(_, n)| n.id).collect();
    assert_eq!(left, ["b"], "acknowledged and erased notices are gone");
}

#[test]
fn sled_outbox_keeps_notices_in_order_once_each_until_acknowledged_or_erased() {
    let (store, _dir) = sled();
    the_outbox_keeps_notices_in_order_once_each_until_acknowledged_or_erased(store.as_ref());
}

#[test]
fn postgres_outbox_keeps_notices_in_order_once_each_until_acknowledged_or_erased() {
    if let Some(store) = postgres() {
        the_outbox_keeps_notices_in_order_once_each_until_acknowledged_or_erased(store.as_ref());
    }
}

fn a_withdrawn_notice_leaves_the_outbox_alone(store: &dyn Store) {
    let outbox = store.notices().expect("the store keeps an outbox");
    let shopper = aged(5);
    store.save(&shopper).unwrap();
    let a = outbox.push(shopper.id(), &notice("a")).unwrap();
    let b = outbox.push(shopper.id(), &notice("b")).unwrap();
    assert!(outbox.withdraw(a).unwrap(), "there was one to withdraw");
    assert!(!outbox.withdraw(a).unwrap(), "withdrawn once");
    let left: Vec<u64> = outbox.after(0, 10).unwrap().into_iter().map(|(p, _)| p).collect();
    assert_eq!(left, [b], "only that notice left");
    assert_ne!(outbox.push(shopper.id(), &notice("a")).unwrap(), a, "a withdrawn id may be noticed anew");
}

#[test]
fn sled_outbox_withdraws_one_notice() {
    let (store, _dir) = sled();
    a_withdrawn_notice_leaves_the_outbox_alone(store.as_ref());
}

#[test]
fn postgres_outbox_withdraws_one_notice() {
    if let Some(store) = postgres() {
        a_withdrawn_notice_leaves_the_outbox_alone(store.as_ref());
    }
}

/// A profile that wishlisted `product` (with its consent to personalization, the default).
fn wishing(product: &str) -> concierge::profile::Profile {
    let mut profile = aged(6);
    let input = concierge::profile::EventInput {
        kind: "wishlist_add".into(),
        product_id: Some(product.into()),
        at: Some("2025-03-01T10:00:00Z".into()),
        ..Default::default()
    };
    let event = concierge::profile::Event::parse(input, T0).unwrap();
    profile.record(event, &concierge::profile::Limits::default());
    profile
}

fn the_watcher_index_names_each_products_watchers_until_unwatched_or_erased(store: &dyn Store) {
    use concierge::notices::watchers::index_every_profile;
    let index = store.watchers().expect("the store keeps a watcher index");
    // Profiles stored before the index: one walk notes them, once.
    let (early, other) = (wishing("p-1"), wishing("p-2"));
    store.save(&early).unwrap();
    store.save(&other).unwrap();
    assert!(!index.built().unwrap());
    assert_eq!(index_every_profile(store).unwrap(), 2);
    assert!(index.built().unwrap());
    assert_eq!(index_every_profile(store).unwrap(), 0, "built once");
    assert_eq!(index.of_product("p-1").unwrap(), [early.id()]);

    let late = aged(7);
    store.save(&late).unwrap();
    index.watch("p-1", late.id()).unwrap();
    index.watch("p-1", late.id()).unwrap();
    let mut expected = vec![early.id(), late.id()];
    expected.sort();
    assert_eq!(index.of_product("p-1").unwrap(), expected, "each watcher once, in id order");
    assert_eq!(index.of_product("p-1 ").unwrap(), [], "a product is its exact id");
    index.unwatch("p-1", late.id()).unwrap();
    assert_eq!(index.of_product("p-1").unwrap(), [early.id()]);
    store.erase(early.id()).unwrap().wait().unwrap();
    assert_eq!(index.of_product("p-1").unwrap(), [], "erasure takes the shopper's entries");
    assert_eq!(index.of_product("p-2").unwrap(), [other.id()], "others stay");
}

#[test]
fn sled_watcher_index_names_each_products_watchers_until_unwatched_or_erased() {
    let (store, _dir) = sled();
    the_watcher_index_names_each_products_watchers_until_unwatched_or_erased(store.as_ref());
}

#[test]
fn postgres_watcher_index_names_each_products_watchers_until_unwatched_or_erased() {
    if let Some(store) = postgres() {
        the_watcher_index_names_each_products_watchers_until_unwatched_or_erased(store.as_ref());
    }
}

/// The real server on PostgreSQL: a waiting back-in-stock notice is withdrawn when the product
/// goes back out of stock, and another when the shopper takes the product off their wishlist,
/// before the backend polls.
#[tokio::test(flavor = "multi_thread")]
async fn on_postgres_a_waiting_notice_that_stops_holding_is_withdrawn_before_the_backend_takes_it() {
    use crate::serve::{ADMIN_KEY, BACKEND_KEY, IDENTITY_SECRET, Serve, next, send};
    use serde_json::{Value, json};
    let Some(url) = crate::cluster::fresh_database() else { return };
    let server = tokio::task::spawn_blocking(move || Serve::start(&url)).await.unwrap();
    let stock = |level: u64| {
        let server = &server;
        async move {
            let body = json!([{"id": "toy-002", "stock": level}]);
            let (status, answer) = server.http("POST", "/v1/admin/stock", Some(ADMIN_KEY), Some(body)).await;
            assert_eq!(status, 200, "{answer}");
        }
    };
    stock(0).await;
    let mut tokens = Vec::new();
    for customer in ["pg-w1", "pg-w2"] {
        let mut socket = server.connect().await;
        let signature = concierge::server::auth::sign_customer(IDENTITY_SECRET, customer);
        let hello = json!({"type": "hello", "customer": {"id": customer, "signature": signature}, "context": {}});
        send(&mut socket, hello).await;
        let token = next(&mut socket).await.unwrap()["shopper"].as_str().unwrap().to_string();
        next(&mut socket).await.expect("a greeting");
        let consent = json!({"consent": {"notices": true}});
        assert_eq!(server.http("PATCH", "/v1/profile", Some(&token), Some(consent)).await.0, 200);
        let wish = json!({"events": [{"kind": "wishlist_add", "product_id": "toy-002"}]});
        assert_eq!(server.http("POST", "/v1/events", Some(&token), Some(wish)).await.0, 200);
        tokens.push(token);
    }
    // Not connected any more (the server counts no open chat): a notice waits in the outbox.
    for _ in 0..100 {
        let (_, metrics) = server.http("GET", "/metrics", None, None).await;
        let text = metrics.as_str().unwrap_or_default().to_string();
        if text.lines().any(|l| l.starts_with("concierge_connections ") && l.ends_with(" 0")) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let waiting = || async {
        let (status, page) = server.http("GET", "/v1/notices", Some(BACKEND_KEY), None).await;
        assert_eq!(status, 200, "{page}");
        page["notices"].as_array().unwrap().iter().map(|n| n["customer_id"].clone()).collect::<Vec<Value>>()
    };
    stock(5).await;
    assert_eq!(waiting().await.len(), 2);
    let remove = json!({"events": [{"kind": "wishlist_remove", "product_id": "toy-002"}]});
    assert_eq!(server.http("POST", "/v1/events", Some(&tokens[0]), Some(remove)).await.0, 200);
    assert_eq!(waiting().await, [json!("pg-w2")], "off the wishlist: withdrawn");
    stock(0).await;
    assert_eq!(waiting().await, Vec::<Value>::new(), "back out of stock: withdrawn");
}
