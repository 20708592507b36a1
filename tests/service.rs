//! Service that knows the order, proactive notices and transparent offers, on the real server:
//! real sockets, a real sled store in the test's own data directory, and a real HTTP server
//! standing in for the shop's webhook receiver.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::{HeaderMap, StatusCode};
use serde_json::{Value, json};

mod common;
#[path = "service/honesty.rs"]
mod honesty;

use common::{Server, Socket, connect, http, next_within, send, start};

const IDENTITY: &str = "identity-secret-for-tests";
const BACKEND: &str = "backend-key";
const ADMIN: &str = "admin-key";

async fn shop(configure: impl FnOnce(&mut concierge::config::Config)) -> Server {
    start(|c| {
        c.identity_secret = Some(IDENTITY.into());
        c.backend_key = Some(BACKEND.into());
        c.admin_key = Some(ADMIN.into());
        configure(c);
    })
    .await
}

/// Greets as the shop's customer `id` (or anonymously); returns the shopper's token.
async fn hello_as(socket: &mut Socket, customer: Option<&str>, context: Value) -> (String, Value) {
    let customer =
        customer.map(|id| json!({"id": id, "signature": concierge::server::auth::sign_customer(IDENTITY, id)}));
    send(socket, json!({"type": "hello", "customer": customer, "context": context})).await;
    let welcome = next_within(socket, Duration::from_secs(10)).await;
    assert_eq!(welcome["type"], "welcome", "{welcome}");
    let (_, reply) = common::reply_within(socket, Duration::from_secs(10)).await;
    (welcome["shopper"].as_str().unwrap().to_string(), reply)
}

async fn consent_to_notices(server: &Server, token: &str) {
    let (status, view) =
        http(server, "PATCH", "/v1/profile", Some(token), Some(json!({"consent": {"notices": true}}))).await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["consent"]["notices"], true, "{view}");
}

async fn backend_events(server: &Server, events: Value) -> Value {
    let (status, results) = http(server, "POST", "/v1/events", Some(BACKEND), Some(json!({"events": events}))).await;
    assert_eq!(status, 200, "{results}");
    results
}

fn purchase(customer: &str, order: &str, product: &str) -> Value {
    json!({"id": format!("buy-{order}"), "kind": "purchase", "customer_id": customer, "product_id": product,
           "order": {"id": order}, "at": "2026-11-14T10:00:00Z"})
}

fn shipping(id: &str, customer: &str, order: &str, status: &str, estimate: &str) -> Value {
    json!({"id": id, "kind": "shipping_update", "customer_id": customer, "status": status,
           "order": {"id": order, "estimated_delivery": estimate}})
}

/// The next frame of `kind` within `wait`, or `None`: frames of other kinds are skipped.
async fn frame_of(socket: &mut Socket, kind: &str, wait: Duration) -> Option<Value> {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        let message = tokio::time::timeout(left, futures_util::StreamExt::next(socket)).await.ok()??.ok()?;
        if let tokio_tungstenite::tungstenite::Message::Text(text) = message {
            let frame: Value = serde_json::from_str(&text).unwrap();
            if frame["type"] == kind {
                return Some(frame);
            }
        }
    }
}

/// Waits until the server counts no open chat connection (a closed socket has left).
async fn no_connections(server: &Server) {
    for _ in 0..100 {
        let metrics = common::get(server, "/metrics").await;
        if metrics.lines().any(|l| l.starts_with("concierge_connections ") && l.ends_with(" 0")) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the closed socket is still counted");
}

#[tokio::test]
async fn a_connected_customer_with_a_delayed_order_gets_exactly_one_shipping_delay_notice() {
    let server = shop(|_| {}).await;
    let mut socket = connect(&server).await;
    let (token, _) = hello_as(&mut socket, Some("c-1"), json!({"page": "home"})).await;
    consent_to_notices(&server, &token).await;
    backend_events(
        &server,
        json!([purchase("c-1", "o-1", "toy-001"), shipping("s-1", "c-1", "o-1", "in_transit", "2026-11-20")]),
    )
    .await;
    backend_events(&server, json!([shipping("s-2", "c-1", "o-1", "delayed", "2026-11-27")])).await;
    let notice = frame_of(&mut socket, "notice", Duration::from_secs(5)).await.expect("a notice");
    assert_eq!(notice["kind"], "shipping_delay", "{notice}");
    assert_eq!(notice["order_id"], "o-1");
    assert!(notice["text"].as_str().unwrap().contains("27 November"), "the new estimate: {notice}");
    assert_eq!(notice["product"]["id"], "toy-001");
    assert_eq!(notice["product"]["price"], 24.99, "the catalog's price");
    // The same delay again (another update saying so) is the same cause: no second notice.
    backend_events(&server, json!([shipping("s-3", "c-1", "o-1", "delayed", "2026-11-27")])).await;
    assert!(frame_of(&mut socket, "notice", Duration::from_millis(600)).await.is_none(), "noticed once");
}

#[tokio::test]
async fn a_delay_without_consent_is_not_noticed() {
    let server = shop(|_| {}).await;
    let mut socket = connect(&server).await;
    hello_as(&mut socket, Some("c-2"), json!({"page": "home"})).await;
    backend_events(
        &server,
        json!([purchase("c-2", "o-2", "toy-001"), shipping("s-1", "c-2", "o-2", "delayed", "2026-11-27")]),
    )
    .await;
    assert!(frame_of(&mut socket, "notice", Duration::from_millis(600)).await.is_none());
}

/// What the test's webhook receiver saw: each request's headers and body, and whether it was
/// answered 500 (the first one is).
#[derive(Default)]
struct Received {
    requests: Vec<(HeaderMap, Vec<u8>, u16)>,
}

async fn receiver() -> (String, Arc<Mutex<Received>>) {
    let seen = Arc::new(Mutex::new(Received::default()));
    let state = Arc::clone(&seen);
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap, body: axum::body::Bytes| {
            let state = Arc::clone(&state);
            async move {
                let mut seen = state.lock().unwrap();
                let status = if seen.requests.is_empty() { 500 } else { 200 };
                seen.requests.push((headers, body.to_vec(), status));
                StatusCode::from_u16(status).unwrap()
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, seen)
}

#[tokio::test]
async fn a_customer_not_connected_is_noticed_through_the_signed_webhook_retried_after_a_500_and_received_once() {
    let (url, seen) = receiver().await;
    let server = shop(|c| {
        c.notices.webhook_url = Some(url);
        c.notices.webhook_secret = Some("hook-secret".into());
    })
    .await;
    let mut socket = connect(&server).await;
    let (token, _) = hello_as(&mut socket, Some("c-3"), json!({"page": "home"})).await;
    consent_to_notices(&server, &token).await;
    drop(socket);
    no_connections(&server).await;
    backend_events(
        &server,
        json!([purchase("c-3", "o-3", "toy-001"), shipping("s-1", "c-3", "o-3", "delayed", "2026-11-27")]),
    )
    .await;

    let mut accepted = Vec::new();
    for _ in 0..100 {
        accepted = seen.lock().unwrap().requests.iter().filter(|r| r.2 == 200).cloned().collect::<Vec<_>>();
        if !accepted.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(accepted.len(), 1, "received once");
    let all = seen.lock().unwrap().requests.len();
    assert_eq!(all, 2, "one refused with a 500, then the retry");
    let (headers, body, _) = &accepted[0];
    let timestamp: i64 = headers["x-concierge-timestamp"].to_str().unwrap().parse().unwrap();
    let signature = headers["x-concierge-signature"].to_str().unwrap();
    assert_eq!(signature, concierge::notices::webhook::signature("hook-secret", timestamp, body), "signed");
    let notice: Value = serde_json::from_slice(body).unwrap();
    assert_eq!(notice["kind"], "shipping_delay");
    assert_eq!(notice["customer_id"], "c-3");
    assert_eq!(
        headers["x-concierge-notice-id"].to_str().unwrap(),
        notice["id"].as_str().unwrap(),
        "a stable dedupe key"
    );
    let first: Value = serde_json::from_slice(&seen.lock().unwrap().requests[0].1).unwrap();
    assert_eq!(first["id"], notice["id"], "the retry is the same notice");

    // Delivered: nothing waits in the outbox any more.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (_, waiting) = http(&server, "GET", "/v1/notices", Some(BACKEND), None).await;
    assert_eq!(waiting["notices"], json!([]), "{waiting}");
}

#[tokio::test]
async fn without_a_webhook_the_backend_polls_the_outbox_and_acknowledges() {
    let server = shop(|_| {}).await;
    let (status, _) = http(&server, "GET", "/v1/notices", Some("wrong"), None).await;
    assert_eq!(status, 401, "the backend key is required");
    let mut socket = connect(&server).await;
    let (token, _) = hello_as(&mut socket, Some("c-4"), json!({"page": "home"})).await;
    consent_to_notices(&server, &token).await;
    drop(socket);
    no_connections(&server).await;
    backend_events(
        &server,
        json!([purchase("c-4", "o-4", "toy-001"), shipping("s-1", "c-4", "o-4", "delayed", "2026-11-27")]),
    )
    .await;
    let (status, page) = http(&server, "GET", "/v1/notices", Some(BACKEND), None).await;
    assert_eq!(status, 200, "{page}");
    let notices = page["notices"].as_array().unwrap();
    assert_eq!(notices.len(), 1, "{page}");
    assert_eq!(notices[0]["customer_id"], "c-4");
    let cursor = page["cursor"].as_u64().unwrap();
    let (_, after) = http(&server, "GET", &format!("/v1/notices?after={cursor}"), Some(BACKEND), None).await;
    assert_eq!(after["notices"], json!([]), "nothing after the cursor");
    let (status, acked) = http(&server, "POST", "/v1/notices/ack", Some(BACKEND), Some(json!({"up_to": cursor}))).await;
    assert_eq!((status, acked["removed"].as_u64()), (200, Some(1)), "{acked}");
    let (_, again) = http(&server, "GET", "/v1/notices", Some(BACKEND), None).await;
    assert_eq!(again["notices"], json!([]));
}

async fn stock(server: &Server, changes: Value) {
    let (status, answer) = http(server, "POST", "/v1/admin/stock", Some(ADMIN), Some(changes)).await;
    assert_eq!(status, 200, "{answer}");
}

#[tokio::test]
async fn a_wishlisted_product_back_in_stock_is_noticed_to_a_consenting_shopper_only() {
    let server = shop(|_| {}).await;
    stock(&server, json!([{"id": "toy-002", "stock": 0}])).await;
    let mut keen = connect(&server).await;
    let (token, _) = hello_as(&mut keen, None, json!({"page": "home"})).await;
    consent_to_notices(&server, &token).await;
    let mut shy = connect(&server).await;
    hello_as(&mut shy, None, json!({"page": "home"})).await;
    let mut bought = connect(&server).await;
    let (bought_token, _) = hello_as(&mut bought, None, json!({"page": "home"})).await;
    consent_to_notices(&server, &bought_token).await;
    for socket in [&mut keen, &mut shy, &mut bought] {
        send(socket, json!({"type": "event", "event": {"kind": "wishlist_add", "product_id": "toy-002"}})).await;
    }
    send(&mut bought, json!({"type": "event", "event": {"kind": "purchase", "product_id": "toy-002"}})).await;
    // Events answer nothing: a round trip through the chat makes sure they were handled.
    for socket in [&mut keen, &mut shy, &mut bought] {
        send(socket, json!({"type": "say", "text": "thanks"})).await;
        common::reply_within(socket, Duration::from_secs(10)).await;
    }

    stock(&server, json!([{"id": "toy-002", "stock": 7}])).await;
    let notice = frame_of(&mut keen, "notice", Duration::from_secs(5)).await.expect("back in stock");
    assert_eq!(notice["kind"], "back_in_stock", "{notice}");
    assert_eq!(notice["product"]["id"], "toy-002");
    assert!(frame_of(&mut shy, "notice", Duration::from_millis(500)).await.is_none(), "no consent, no notice");
    assert!(frame_of(&mut bought, "notice", Duration::from_millis(300)).await.is_none(), "bought since");

    // Falling to the low-stock threshold is another cause; the same restock again is not.
    stock(&server, json!([{"id": "toy-002", "stock": 2}])).await;
    let low = frame_of(&mut keen, "notice", Duration::from_secs(5)).await.expect("low stock");
    assert_eq!(low["kind"], "low_stock", "{low}");
    assert!(low["text"].as_str().unwrap().contains('2'), "{low}");
}

#[tokio::test]
async fn a_stock_update_is_refused_without_the_admin_key_and_names_unknown_products() {
    let server = shop(|_| {}).await;
    let (status, _) =
        http(&server, "POST", "/v1/admin/stock", Some(BACKEND), Some(json!([{"id": "toy-001", "stock": 1}]))).await;
    assert_eq!(status, 401);
    let (status, answer) =
        http(&server, "POST", "/v1/admin/stock", Some(ADMIN), Some(json!([{"id": "nope", "stock": 1}]))).await;
    assert_eq!(status, 200);
    assert_eq!(answer["unknown"], json!(["nope"]));
    let (status, _) = http(&server, "POST", "/v1/admin/stock", Some(ADMIN), Some(json!([{"id": "toy-001"}]))).await;
    assert!((400..500).contains(&status), "a change without its stock is refused");
}

async fn say(socket: &mut Socket, text: &str) -> Value {
    send(socket, json!({"type": "say", "text": text})).await;
    common::reply_within(socket, Duration::from_secs(10)).await.1
}

#[tokio::test]
async fn an_order_question_is_answered_from_the_customers_own_recorded_facts_only() {
    let server = shop(|_| {}).await;
    backend_events(
        &server,
        json!([purchase("c-5", "o-5", "toy-001"), shipping("s-1", "c-5", "o-5", "out_for_delivery", "2026-11-18")]),
    )
    .await;
    let mut owner = connect(&server).await;
    hello_as(&mut owner, Some("c-5"), json!({"page": "home"})).await;
    let reply = say(&mut owner, "where's my parcel?").await;
    let text = reply["text"].as_str().unwrap();
    for fact in ["o-5", "Wooden Train Set", "14 November", "out for delivery", "18 November"] {
        assert!(text.contains(fact), "{fact} in {text}");
    }
    assert_eq!(reply["products"], json!([]));

    // Another customer naming that order, or asking with nothing recorded, is told nothing.
    let mut other = connect(&server).await;
    hello_as(&mut other, Some("c-6"), json!({"page": "home"})).await;
    for question in ["where is order o-5?", "my order hasn't come"] {
        let reply = say(&mut other, question).await;
        let text = reply["text"].as_str().unwrap();
        assert!(text.contains("can't see that order"), "{text}");
        assert!(!text.contains("o-5") && !text.contains("Train"), "nothing of another's order: {text}");
        assert_eq!(reply["quick_replies"], json!(["Talk to a person"]));
    }
}

#[tokio::test]
async fn a_product_page_greeting_asks_a_buyer_whether_it_is_about_their_order() {
    let server = shop(|_| {}).await;
    backend_events(&server, json!([purchase("c-7", "o-7", "toy-001")])).await;
    let mut socket = connect(&server).await;
    let (_, greeting) = hello_as(&mut socket, Some("c-7"), json!({"page": "product", "product_id": "toy-001"})).await;
    let text = greeting["text"].as_str().unwrap();
    assert!(text.contains("ordered Wooden Train Set") && text.contains("14 November"), "{text}");
    assert_eq!(greeting["quick_replies"][0], "Yes, it's about my order");
    let mut stranger = connect(&server).await;
    let (_, greeting) = hello_as(&mut stranger, Some("c-8"), json!({"page": "product", "product_id": "toy-001"})).await;
    assert!(!greeting["text"].as_str().unwrap().contains("ordered"), "{greeting}");
}

/// A backend purchase of `product` by `customer`, `days_ago` days before now.
fn purchase_days_ago(customer: &str, order: &str, product: &str, days_ago: i64) -> Value {
    let at = time::OffsetDateTime::now_utc() - time::Duration::days(days_ago);
    let at = at.format(&time::format_description::well_known::Rfc3339).unwrap();
    json!({"id": format!("buy-{order}"), "kind": "purchase", "customer_id": customer, "product_id": product,
           "order": {"id": order, "items": [{"product_id": product, "quantity": 1}]}, "at": at})
}

#[tokio::test]
async fn a_consenting_customer_due_to_buy_again_is_reminded_once_and_one_without_consent_is_not() {
    let server = shop(|c| c.notices.reorder_every_secs = 1).await;
    // Four customers rebuy toy-001 every 30 days: a replenishable product.
    let mut history = Vec::new();
    for n in 1..=4 {
        history.push(purchase_days_ago(&format!("r-{n}"), &format!("r{n}-a"), "toy-001", 100));
        history.push(purchase_days_ago(&format!("r-{n}"), &format!("r{n}-b"), "toy-001", 70));
    }
    // Two shoppers whose last one was 40 days ago: due. Only the first agreed to notices.
    for (customer, consents) in [("due-1", true), ("due-2", false)] {
        let mut socket = connect(&server).await;
        let (token, _) = hello_as(&mut socket, Some(customer), json!({"page": "home"})).await;
        if consents {
            consent_to_notices(&server, &token).await;
        }
        history.push(purchase_days_ago(customer, &format!("{customer}-a"), "toy-001", 70));
        history.push(purchase_days_ago(customer, &format!("{customer}-b"), "toy-001", 40));
    }
    no_connections(&server).await;
    backend_events(&server, Value::Array(history)).await;
    let (mut reminded, mut page) = (Vec::new(), Value::Null);
    for _ in 0..100 {
        page = http(&server, "GET", "/v1/notices", Some(BACKEND), None).await.1;
        reminded = page["notices"].as_array().unwrap().iter().filter(|n| n["kind"] == "reorder").cloned().collect();
        if !reminded.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(reminded.len(), 1, "{page}");
    assert_eq!(reminded[0]["customer_id"], "due-1");
    assert_eq!(reminded[0]["product"]["id"], "toy-001", "{}", reminded[0]);
    // Later sweeps find the same purchase due and say nothing new.
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    let (_, page) = http(&server, "GET", "/v1/notices", Some(BACKEND), None).await;
    let reorders = page["notices"].as_array().unwrap().iter().filter(|n| n["kind"] == "reorder").count();
    assert_eq!(reorders, 1, "{page}");
}
