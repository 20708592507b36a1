//! One rule for identity, over real sockets: a conversation (live, parked or resumed) is valid
//! only while its shopper exists and is the one the token and customer name. Erasure ends
//! every conversation of the shopper; customers on a shared device stay apart; a login keeps
//! what the shopper said before it.

use std::time::Duration;

use serde_json::{Value, json};

mod common;

use common::{Server, Socket, connect, http, next_within, send, start};

const IDENTITY: &str = "identity-secret-for-tests";

async fn next(socket: &mut Socket) -> Value {
    next_within(socket, Duration::from_secs(10)).await
}

/// Sends `hello` and returns (welcome, first reply).
async fn hello(socket: &mut Socket, frame: Value) -> (Value, Value) {
    send(socket, frame).await;
    let welcome = next(socket).await;
    assert_eq!(welcome["type"], "welcome", "{welcome}");
    (welcome, next(socket).await)
}

async fn say(socket: &mut Socket, text: &str) -> Value {
    send(socket, json!({"type":"say","text":text})).await;
    next(socket).await
}

fn token(welcome: &Value) -> String {
    welcome["shopper"].as_str().unwrap().to_string()
}

fn login(id: &str) -> Value {
    json!({"id": id, "signature": concierge::server::auth::sign_customer(IDENTITY, id)})
}

async fn with_customers() -> Server {
    start(|c| {
        c.identity_secret = Some(IDENTITY.into());
        c.backend_key = Some("backend-key".into());
    })
    .await
}

#[tokio::test]
async fn an_erased_shopper_cannot_be_resumed_from_a_parked_session() {
    let server = start(|_| {}).await;
    let mut socket = connect(&server).await;
    let (welcome, _) = hello(&mut socket, json!({"type":"hello"})).await;
    let (old, session) = (token(&welcome), welcome["session"].as_str().unwrap().to_string());
    say(&mut socket, "a present for my nephew who loves dinosaurs").await;
    drop(socket);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(http(&server, "DELETE", "/v1/profile", Some(&old), None).await.0, 204);

    let mut again = connect(&server).await;
    let (welcome, greeting) = hello(&mut again, json!({"type":"hello","shopper":old,"session":session})).await;
    assert_ne!(welcome["session"], session.as_str(), "the erased conversation is not resumed");
    assert_ne!(token(&welcome), old, "a new shopper");
    assert!(greeting["slots"]["interests"].as_array().unwrap().is_empty(), "{greeting}");
    say(&mut again, "under £20").await;
    assert_eq!(http(&server, "GET", "/v1/profile", Some(&old), None).await.0, 404, "nothing written back");
}

#[tokio::test]
async fn an_erasure_ends_the_conversation_on_a_socket_kept_open() {
    let server = start(|_| {}).await;
    let mut socket = connect(&server).await;
    let (welcome, _) = hello(&mut socket, json!({"type":"hello"})).await;
    let old = token(&welcome);
    say(&mut socket, "a present for my nephew who loves dinosaurs").await;
    assert_eq!(http(&server, "DELETE", "/v1/profile", Some(&old), None).await.0, 204);
    let ended = next(&mut socket).await;
    assert_eq!(ended["code"], "erased", "the open socket is told: {ended}");
    send(&mut socket, json!({"type":"say","text":"under £20"})).await;
    assert_eq!(next(&mut socket).await["code"], "hello_required");
    assert_eq!(http(&server, "GET", "/v1/profile", Some(&old), None).await.0, 404, "nothing written back");
}

#[tokio::test]
async fn a_hello_with_another_shoppers_token_leaves_the_parked_session_alone() {
    let server = start(|_| {}).await;
    let mut alice = connect(&server).await;
    let (welcome, _) = hello(&mut alice, json!({"type":"hello"})).await;
    let (alice_token, session) = (token(&welcome), welcome["session"].as_str().unwrap().to_string());
    say(&mut alice, "a present for my nephew who loves dinosaurs").await;
    drop(alice);
    let mut bob = connect(&server).await;
    let (bob_welcome, _) = hello(&mut bob, json!({"type":"hello"})).await;
    let mut thief = connect(&server).await;
    let hijack = json!({"type":"hello","shopper":token(&bob_welcome),"session":session});
    let (welcome, _) = hello(&mut thief, hijack).await;
    assert_ne!(welcome["session"], session.as_str(), "not resumed with another shopper's token");
    let mut back = connect(&server).await;
    let (welcome, reply) = hello(&mut back, json!({"type":"hello","shopper":alice_token,"session":session})).await;
    assert_eq!(welcome["session"], session.as_str(), "the owner still resumes it");
    assert!(reply["slots"]["interests"].to_string().contains("dinosaur"), "{reply}");
}

#[tokio::test]
async fn a_second_customer_on_a_shared_device_never_sees_the_first() {
    let server = with_customers().await;
    let mut first = connect(&server).await;
    let (welcome, _) = hello(&mut first, json!({"type":"hello","customer":login("c-first")})).await;
    let device_token = token(&welcome);
    say(&mut first, "a present for my mum who loves gardening").await;
    let order = json!({"events":[{"kind":"purchase","customer_id":"c-first","order":{"id":"o-1","items":[{"product_id":"spt-001"}]}}]});
    assert_eq!(http(&server, "POST", "/v1/events", Some("backend-key"), Some(order)).await.0, 200);
    drop(first);

    // The same browser, the leftover token, another customer's valid login.
    let mut second = connect(&server).await;
    let (welcome, greeting) =
        hello(&mut second, json!({"type":"hello","shopper":device_token,"customer":login("c-second")})).await;
    let second_token = token(&welcome);
    assert_ne!(second_token, device_token);
    assert_eq!(welcome["returning"], false);
    assert_eq!(greeting["slots"]["recipient"], Value::Null, "{greeting}");
    let (_, export) = http(&server, "GET", "/v1/profile/export", Some(&second_token), None).await;
    assert_eq!(export["customer"]["id"], "c-second", "{export}");
    assert!(export["orders"].as_array().unwrap().is_empty(), "{export}");
    assert!(!export.to_string().contains("gardening"), "{export}");

    // The first customer, back on their own device, continues their own profile.
    let mut again = connect(&server).await;
    let (welcome, greeting) = hello(&mut again, json!({"type":"hello","customer":login("c-first")})).await;
    assert_eq!(token(&welcome), device_token, "the first customer keeps their shopper");
    assert_eq!(greeting["slots"]["recipient"], "mother", "{greeting}");
}

#[tokio::test]
async fn a_visitor_after_a_logout_on_a_shared_device_starts_afresh() {
    let server = with_customers().await;
    let mut customer = connect(&server).await;
    let (welcome, _) = hello(&mut customer, json!({"type":"hello","customer":login("c-1")})).await;
    let device_token = token(&welcome);
    say(&mut customer, "a present for my mum who loves gardening").await;
    drop(customer);
    // The shop's page no longer sends the customer (logged out) but the widget kept the token.
    let mut visitor = connect(&server).await;
    let (welcome, greeting) = hello(&mut visitor, json!({"type":"hello","shopper":device_token})).await;
    assert_ne!(token(&welcome), device_token, "a customer's profile needs the customer's signature");
    assert_eq!(greeting["slots"]["recipient"], Value::Null, "{greeting}");
}

#[tokio::test]
async fn answers_given_before_logging_in_are_kept_with_their_provenance() {
    let server = with_customers().await;
    // The customer's profile exists already (an order from the shop's backend).
    let order = json!({"events":[{"kind":"purchase","customer_id":"c-known","product_id":"spt-001"}]});
    assert_eq!(http(&server, "POST", "/v1/events", Some("backend-key"), Some(order)).await.0, 200);
    let mut socket = connect(&server).await;
    let (welcome, _) = hello(&mut socket, json!({"type":"hello"})).await;
    let anonymous = token(&welcome);
    say(&mut socket, "a present for my nephew who loves dinosaurs").await;
    let (welcome, greeting) =
        hello(&mut socket, json!({"type":"hello","shopper":anonymous,"customer":login("c-known")})).await;
    let customer = token(&welcome);
    assert_ne!(customer, anonymous, "the customer's own profile");
    assert!(greeting["slots"]["interests"].to_string().contains("dinosaur"), "{greeting}");
    let (_, export) = http(&server, "GET", "/v1/profile/export", Some(&customer), None).await;
    assert_eq!(export["declared"]["interests"]["source"], "chat", "{export}");
    assert_eq!(export["orders"].as_array().unwrap().len(), 1, "{export}");
    assert_eq!(http(&server, "GET", "/v1/profile", Some(&anonymous), None).await.0, 404, "merged, then erased");
}
