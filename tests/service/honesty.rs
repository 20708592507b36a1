//! Offers that cannot be gamed and notices that are withdrawn when they stop holding, on the
//! real server: a shopper's own purchase posts earn no offer, and a waiting notice whose
//! product went back out of stock, or came off the wishlist, is not handed to the backend.

use std::time::Duration;

use serde_json::{Value, json};

use super::common::{self, Server, connect, http, send};
use super::{BACKEND, frame_of, hello_as, no_connections, say, shop, stock};

/// The offer ids of the reply to a gift request that finds products.
async fn offers_shown(socket: &mut common::Socket) -> Vec<String> {
    let reply = say(socket, "a gift for my nephew who loves trains, under £30").await;
    assert!(!reply["products"].as_array().unwrap().is_empty(), "{reply}");
    let offers = reply["offers"].as_array().cloned().unwrap_or_default();
    offers.iter().map(|o| o["id"].as_str().unwrap().to_string()).collect()
}

fn order(n: u32, by_backend_for: Option<&str>) -> Value {
    let mut event = json!({"id": format!("order-{n}-{}", by_backend_for.is_some()), "kind": "purchase",
        "order": {"id": format!("ord-{n}"), "items": [{"product_id": "toy-003", "price": 90}]}});
    if let Some(customer) = by_backend_for {
        event["customer_id"] = json!(customer);
    }
    event
}

/// Regression: purchases a shopper posted with their own token (socket `event` frames or
/// `POST /v1/events` with the token) counted towards `min_orders`, `min_spend_365` and
/// `first_order`, so anyone could grant themselves the loyalty offer.
#[tokio::test]
async fn purchases_a_shopper_posts_with_their_own_token_earn_no_offer_and_the_shops_own_records_do() {
    let server = shop(|_| {}).await;
    let mut socket = connect(&server).await;
    let (token, _) = hello_as(&mut socket, Some("c-gamer"), json!({"page": "home"})).await;
    send(&mut socket, json!({"type": "event", "event": order(1, None)})).await;
    let (status, posted) =
        http(&server, "POST", "/v1/events", Some(&token), Some(json!({"events": [order(2, None), order(3, None)]})))
            .await;
    assert_eq!(status, 200, "{posted}");
    let shown = offers_shown(&mut socket).await;
    let (_, profile) = http(&server, "GET", "/v1/profile", Some(&token), None).await;
    assert_eq!(profile["orders"].as_array().map(Vec::len), Some(3), "the posts are kept: {profile}");
    assert!(shown.contains(&"welcome".to_string()), "still a first order in the shop's records: {shown:?}");
    assert!(!shown.iter().any(|id| id == "loyal" || id == "free-shipping"), "{shown:?}");

    // The shop's backend records the same three orders: now they count, once each.
    let events: Vec<Value> = (1..=3).map(|n| order(n, Some("c-gamer"))).collect();
    super::backend_events(&server, Value::Array(events)).await;
    let shown = offers_shown(&mut socket).await;
    assert!(shown.contains(&"loyal".to_string()) && shown.contains(&"free-shipping".to_string()), "{shown:?}");
    assert!(!shown.contains(&"welcome".to_string()), "{shown:?}");
    let (_, profile) = http(&server, "GET", "/v1/profile", Some(&token), None).await;
    let sources: Vec<&str> =
        profile["orders"].as_array().unwrap().iter().map(|o| o["source"].as_str().unwrap()).collect();
    assert_eq!(sources, ["shop", "shop", "shop"], "the shop's records replaced the shopper's posts: {profile}");
}

/// A customer who consented, wishlisted `product` and is no longer connected; returns the
/// token. The product is out of stock first, so its return is a cause.
async fn absent_watcher(server: &Server, customer: &str, product: &str) -> String {
    stock(server, json!([{"id": product, "stock": 0}])).await;
    let mut socket = connect(server).await;
    let (token, _) = hello_as(&mut socket, Some(customer), json!({"page": "home"})).await;
    super::consent_to_notices(server, &token).await;
    let wish = json!({"events": [{"kind": "wishlist_add", "product_id": product}]});
    let (status, answer) = http(server, "POST", "/v1/events", Some(&token), Some(wish)).await;
    assert_eq!(status, 200, "{answer}");
    drop(socket);
    no_connections(server).await;
    token
}

async fn waiting(server: &Server) -> Vec<Value> {
    let (status, page) = http(server, "GET", "/v1/notices", Some(BACKEND), None).await;
    assert_eq!(status, 200, "{page}");
    page["notices"].as_array().unwrap().clone()
}

#[tokio::test]
async fn a_waiting_back_in_stock_notice_is_withdrawn_when_the_product_goes_back_out_of_stock() {
    let server = shop(|_| {}).await;
    absent_watcher(&server, "c-w1", "toy-002").await;
    stock(&server, json!([{"id": "toy-002", "stock": 5}])).await;
    let before = waiting(&server).await;
    assert_eq!(before.len(), 1, "{before:?}");
    assert_eq!(before[0]["kind"], "back_in_stock");
    stock(&server, json!([{"id": "toy-002", "stock": 0}])).await;
    assert_eq!(waiting(&server).await, Vec::<Value>::new(), "no longer in stock: withdrawn");
    // Withdrawn, not hidden: it is gone from the outbox, and back in stock again is no new cause.
    stock(&server, json!([{"id": "toy-002", "stock": 5}])).await;
    assert_eq!(waiting(&server).await, Vec::<Value>::new(), "the same watch was noticed once");
}

#[tokio::test]
async fn a_waiting_notice_is_withdrawn_once_the_product_is_off_the_wishlist_or_bought() {
    let server = shop(|_| {}).await;
    let removes = absent_watcher(&server, "c-w2", "toy-002").await;
    let buys = absent_watcher(&server, "c-w3", "toy-002").await;
    stock(&server, json!([{"id": "toy-002", "stock": 5}])).await;
    assert_eq!(waiting(&server).await.len(), 2);
    let remove = json!({"events": [{"kind": "wishlist_remove", "product_id": "toy-002"}]});
    assert_eq!(http(&server, "POST", "/v1/events", Some(&removes), Some(remove)).await.0, 200);
    let bought = json!({"events": [{"kind": "purchase", "product_id": "toy-002"}]});
    assert_eq!(http(&server, "POST", "/v1/events", Some(&buys), Some(bought)).await.0, 200);
    assert_eq!(waiting(&server).await, Vec::<Value>::new(), "neither holds any more");
}

#[tokio::test]
async fn a_stock_change_finds_its_watchers_through_the_index_including_those_stored_before_it() {
    use concierge::profile::{Event, EventInput, Limits, Profile, ShopperId, SledStore, Store, StoreOptions};
    // A store from before the index: a consenting customer's profile that wishlisted toy-002,
    // written directly (no event path noted it), and no index built.
    let dir = tempfile::tempdir().unwrap();
    let old = ShopperId::random();
    {
        let store = SledStore::open(dir.path(), StoreOptions::default()).unwrap();
        let now = time::OffsetDateTime::now_utc();
        let mut profile = Profile::new(old, now);
        profile.link_customer(&concierge::profile::CustomerId::parse("c-old").unwrap(), now);
        profile.set_notices(true, now);
        let input =
            EventInput { kind: "wishlist_add".into(), product_id: Some("toy-002".into()), ..EventInput::default() };
        profile.record(Event::parse(input, now).unwrap(), &Limits::default());
        store.save(&profile).unwrap();
        assert!(!store.watchers().unwrap().built().unwrap());
    }
    let data = dir.path().to_path_buf();
    let server = shop(move |c| c.data_dir = data).await;
    stock(&server, json!([{"id": "toy-002", "stock": 0}])).await;
    let mut socket = connect(&server).await;
    let (token, _) = hello_as(&mut socket, None, json!({"page": "home"})).await;
    super::consent_to_notices(&server, &token).await;
    send(&mut socket, json!({"type": "event", "event": {"kind": "wishlist_add", "product_id": "toy-002"}})).await;
    say(&mut socket, "thanks").await;
    stock(&server, json!([{"id": "toy-002", "stock": 4}])).await;
    let notice = frame_of(&mut socket, "notice", Duration::from_secs(5)).await.expect("the new watcher");
    assert_eq!(notice["kind"], "back_in_stock");
    let waiting = waiting(&server).await;
    assert_eq!(waiting.len(), 1, "{waiting:?}");
    assert_eq!(waiting[0]["customer_id"], "c-old", "the watcher stored before the index was found");
}

/// A webhook receiver that refuses (500) until `accept` is set; the statuses it answered.
async fn refusing_receiver()
-> (String, std::sync::Arc<std::sync::atomic::AtomicBool>, std::sync::Arc<std::sync::Mutex<Vec<u16>>>) {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Arc, Mutex};
    let (accept, seen) = (Arc::new(AtomicBool::new(false)), Arc::new(Mutex::new(Vec::new())));
    let (accepting, answered) = (Arc::clone(&accept), Arc::clone(&seen));
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move || {
            let status = if accepting.load(Ordering::SeqCst) { 200 } else { 500 };
            answered.lock().unwrap().push(status);
            async move { axum::http::StatusCode::from_u16(status).unwrap() }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, accept, seen)
}

#[tokio::test]
async fn a_notice_the_webhook_keeps_refusing_is_withdrawn_when_it_stops_holding_and_never_sent() {
    let (url, accept, seen) = refusing_receiver().await;
    let server = shop(|c| {
        c.notices.webhook_url = Some(url);
        c.notices.webhook_secret = Some("hook-secret".into());
    })
    .await;
    absent_watcher(&server, "c-h1", "toy-002").await;
    stock(&server, json!([{"id": "toy-002", "stock": 5}])).await;
    for _ in 0..100 {
        if !seen.lock().unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(seen.lock().unwrap().first(), Some(&500), "the first try was refused");
    stock(&server, json!([{"id": "toy-002", "stock": 0}])).await;
    accept.store(true, std::sync::atomic::Ordering::SeqCst);
    // Longer than the first retries' backoff (0.5 s, then 1 s).
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    let answered = seen.lock().unwrap().clone();
    assert!(!answered.contains(&200), "a notice that no longer holds is not sent: {answered:?}");
    assert_eq!(waiting(&server).await, Vec::<Value>::new(), "and it left the outbox");
}
