//! The `--url` driver against a fake chat server on 127.0.0.1:0: the hello dance that puts a
//! shopper fixture in place over HTTP before the first reply, says, handovers, events and a
//! second visit of the same shopper.

use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{any, patch, post};
use axum::{Json, Router};
use serde_json::{Value, json};

type Log = Arc<Mutex<Vec<String>>>;

/// What the fake server knows: a log of everything it was sent.
#[derive(Clone, Default)]
struct Fake {
    log: Log,
}

fn app(fake: Fake) -> Router {
    Router::new()
        .route("/v1/chat", any(chat))
        .route("/v1/profile", patch(profile))
        .route("/v1/events", post(events))
        .with_state(fake)
}

async fn chat(ws: WebSocketUpgrade, State(fake): State<Fake>) -> axum::response::Response {
    ws.on_upgrade(move |socket| talk(socket, fake))
}

fn reply(text: &str, asking: Option<&str>) -> Message {
    let slots =
        json!({"purpose":null,"recipient":null,"age":null,"occasion":null,"budget":null,"interests":[],"exclude":[]});
    let frame = json!({"type":"reply","text":text,"asking":asking,"quick_replies":[],"slots":slots,"products":[]});
    Message::text(frame.to_string())
}

/// A chat that greets, answers "a person" with a handover, ignores events and echoes the rest.
async fn talk(mut socket: WebSocket, fake: Fake) {
    while let Some(Ok(Message::Text(text))) = socket.recv().await {
        let frame: Value = serde_json::from_str(text.as_str()).unwrap();
        fake.log.lock().unwrap().push(format!("ws {frame}"));
        let out = match frame["type"].as_str() {
            Some("hello") => {
                let returning = frame["shopper"].is_string();
                let welcome = json!({"type":"welcome","shopper":"tok-1","session":"s","returning":returning});
                let greeting = if returning { "Welcome back!" } else { "Hi! Gift or for you?" };
                vec![Message::text(welcome.to_string()), reply(greeting, (!returning).then_some("purpose"))]
            }
            Some("say") if frame["text"] == "a person please" => {
                let handover = json!({"type":"handover","reason":"asked for a person","message":"Someone is coming."});
                vec![Message::text(handover.to_string())]
            }
            Some("say") => vec![reply(&format!("You said {}", frame["text"]), None)],
            _ => vec![],
        };
        for message in out {
            socket.send(message).await.unwrap();
        }
    }
}

async fn profile(State(fake): State<Fake>, headers: HeaderMap, Json(body): Json<Value>) -> StatusCode {
    let auth = headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or("");
    fake.log.lock().unwrap().push(format!("PATCH {auth} {body}"));
    StatusCode::NO_CONTENT
}

async fn events(State(fake): State<Fake>, headers: HeaderMap, Json(body): Json<Value>) -> StatusCode {
    let auth = headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or("");
    fake.log.lock().unwrap().push(format!("POST {auth} {body}"));
    StatusCode::ACCEPTED
}

const SCRIPT: &str = r#"name: over the socket
shopper:
  declared: {purpose: gift}
  orders: [{product_id: sku-9}]
  events: [{kind: product_viewed, product_id: sku-3}]
turns:
  - expect: {text_matches: "Welcome back"}
  - say: "trains please"
    expect: {text_matches: "trains please", asking: null, handover: false}
  - say: "a person please"
    expect: {handover: true, text_matches: "Someone"}
  - event: {kind: product_viewed, product_id: sku-4}
  - visit: {context: {page: product, product_id: sku-4}}
    expect: {text_matches: "Welcome back"}
"#;

#[test]
fn the_socket_driver_applies_the_fixture_before_the_first_reply_and_keeps_the_shopper() {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("socket.yaml");
    std::fs::write(&path, SCRIPT).unwrap();
    let fake = Fake::default();
    let summary = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(axum::serve(listener, app(fake.clone())).into_future());
        let factory = concierge::replay::socket::factory(&format!("ws://{addr}/v1/chat"), None).unwrap();
        concierge::replay::run(&[path], factory, &concierge::replay::Options::default()).await
    });
    assert!(summary.all_passed(), "{}", concierge::replay::report::human(&summary));

    let log = fake.log.lock().unwrap().clone();
    let hellos: Vec<&String> = log.iter().filter(|l| l.contains(r#""type":"hello""#)).collect();
    assert_eq!(hellos.len(), 3, "{log:#?}");
    assert!(hellos[0].contains(r#""shopper":null"#) && hellos[1].contains(r#""shopper":"tok-1""#), "{log:#?}");
    assert!(hellos[2].contains(r#""product_id":"sku-4""#), "{log:#?}");
    let patch = log.iter().position(|l| l.starts_with("PATCH Bearer tok-1 {\"declared\":{\"purpose\":\"gift\"}}"));
    let post =
        log.iter().position(|l| l.starts_with("POST Bearer tok-1") && l.contains("purchase") && l.contains("sku-3"));
    let second_hello = log.iter().position(|l| l.contains(r#""shopper":"tok-1""#));
    assert!(patch.is_some() && post.is_some(), "{log:#?}");
    assert!(patch < second_hello && post < second_hello, "the fixture comes before the first visit: {log:#?}");
    assert!(log.iter().any(|l| l.contains(r#""type":"event""#) && l.contains("sku-4")), "{log:#?}");
}

const SHOP_SCRIPT: &str = r#"name: shop events over the socket
shopper:
  shop_events: [{kind: purchase, order: {id: "o-1", items: [{product_id: sku-9}]}}]
turns:
  - expect: {text_matches: "Welcome back"}
"#;

/// Plays `script` against a fresh fake server with `keys`; the summary and the server's log.
fn play_against_fake(
    script: &str,
    keys: Option<concierge::replay::socket::ShopKeys>,
) -> (concierge::replay::Summary, Vec<String>) {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shop.yaml");
    std::fs::write(&path, script).unwrap();
    let fake = Fake::default();
    let summary = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(axum::serve(listener, app(fake.clone())).into_future());
        let factory = concierge::replay::socket::factory(&format!("ws://{addr}/v1/chat"), keys).unwrap();
        concierge::replay::run(&[path], factory, &concierge::replay::Options::default()).await
    });
    let log = fake.log.lock().unwrap().clone();
    (summary, log)
}

#[test]
fn the_socket_driver_records_shop_events_with_the_backend_key_for_the_shoppers_verified_customer() {
    let keys = concierge::replay::socket::ShopKeys { backend_key: "bk".into(), identity_secret: "idsecret".into() };
    let (summary, log) = play_against_fake(SHOP_SCRIPT, Some(keys));
    assert!(summary.all_passed(), "{}", concierge::replay::report::human(&summary));
    let customer = concierge::replay::Fixture::customer("tok-1");
    let signature = concierge::server::auth::sign_customer("idsecret", &customer);
    let hellos: Vec<&String> = log.iter().filter(|l| l.contains(r#""type":"hello""#)).collect();
    assert!(hellos.len() >= 2, "{log:#?}");
    assert!(hellos[0].contains(r#""customer":null"#), "the first hello only gets a token: {log:#?}");
    for hello in &hellos[1..] {
        assert!(
            hello.contains(&signature) && hello.contains(&customer),
            "every later hello is the customer's: {log:#?}"
        );
    }
    let post = log.iter().find(|l| l.starts_with("POST Bearer bk ")).expect("posted with the backend key");
    assert!(post.contains(&format!(r#""customer_id":"{customer}""#)) && post.contains("o-1"), "{post}");
    assert!(!log.iter().any(|l| l.starts_with("POST Bearer tok-1")), "nothing with the shopper's token: {log:#?}");
}

#[test]
fn shop_events_over_the_socket_without_the_shops_keys_fail_saying_which_are_needed() {
    let (summary, _) = play_against_fake(SHOP_SCRIPT, None);
    assert!(!summary.all_passed());
    let report = concierge::replay::report::human(&summary);
    assert!(report.contains("CONCIERGE_BACKEND_KEY") && report.contains("CONCIERGE_IDENTITY_SECRET"), "{report}");
}
