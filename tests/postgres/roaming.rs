//! A shopper roaming between two `concierge serve` processes on one database, directly and
//! through HAProxy round-robin: a conversation parked on one server resumes on the other (and
//! "the second one" still means the same product), only for its own shopper; a resent `say`
//! is applied once; an erasure through one server ends the shopper's socket on the other at
//! once and leaves nothing to resume anywhere; tombstones name nobody.

use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::cluster;
use crate::serve::{Serve, Socket, connect, hello, next, say, send};

fn two_servers() -> Option<(Serve, Serve, String)> {
    let url = cluster::fresh_database()?;
    Some((Serve::start(&url), Serve::start(&url), url))
}

/// Hello (resuming `session` for `token` when given) and one message; returns the welcome and
/// the reply.
async fn turn(addr: SocketAddr, token: Option<&str>, session: Option<&str>, text: &str) -> (Value, Value) {
    let mut socket = connect(addr).await;
    let (welcome, _) = hello(&mut socket, token, session).await;
    let reply = say(&mut socket, text).await.expect("a reply");
    assert_eq!(reply["type"], "reply", "{reply}");
    (welcome, reply)
}

fn titles(reply: &Value) -> Vec<String> {
    reply["products"].as_array().unwrap().iter().map(|p| p["title"].as_str().unwrap().to_string()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_conversation_parked_on_one_server_resumes_on_the_other_and_the_second_one_is_the_same_product() {
    let Some((a, b, _)) = two_servers() else { return };
    let (welcome, shown) = turn(a.addr, None, None, "my niece loves arts and crafts, up to £25").await;
    let (token, session) = (welcome["shopper"].as_str().unwrap(), welcome["session"].as_str().unwrap());
    let shown = titles(&shown);
    assert!(shown.len() >= 2, "two products to choose from: {shown:?}");
    let mut socket = b.connect().await;
    let (resumed, again) = hello(&mut socket, Some(token), Some(session)).await;
    assert_eq!(resumed["session"].as_str(), Some(session), "the same conversation: {resumed}");
    assert_eq!(titles(&again), shown, "its last reply again");
    let why = say(&mut socket, "why the second one?").await.unwrap();
    assert!(why["text"].as_str().unwrap().contains(shown[1].as_str()), "{why}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_shoppers_token_never_resumes_a_conversation_on_either_server() {
    let Some((a, b, _)) = two_servers() else { return };
    let (mine, _) = turn(a.addr, None, None, "a gift for my dad under £40").await;
    let (theirs, _) = turn(b.addr, None, None, "hello").await;
    let session = mine["session"].as_str().unwrap();
    for server in [&a, &b] {
        let mut socket = server.connect().await;
        let (welcome, greeting) = hello(&mut socket, theirs["shopper"].as_str(), Some(session)).await;
        assert_ne!(welcome["session"].as_str(), Some(session), "{welcome}");
        assert!(!greeting.to_string().contains("dad"), "nothing of the other conversation: {greeting}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_say_resent_after_a_reconnect_to_the_other_server_is_applied_once() {
    let Some((a, b, _)) = two_servers() else { return };
    let mut socket = a.connect().await;
    let (welcome, _) = hello(&mut socket, None, None).await;
    let (token, session) = (welcome["shopper"].as_str().unwrap(), welcome["session"].as_str().unwrap());
    let message = json!({"type":"say","id":"m-1","text":"a gift for my nephew under £25"});
    send(&mut socket, message.clone()).await;
    let first = next(&mut socket).await.unwrap();
    drop(socket);
    let budget_at = |view: Value| view["declared"]["budget"]["at"].clone();
    let before = budget_at(b.http("GET", "/v1/profile", Some(token), None).await.1);
    assert!(before.is_string(), "the budget was recorded once");
    // Past the second, so a second application would record a later time.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let mut socket = b.connect().await;
    hello(&mut socket, Some(token), Some(session)).await;
    send(&mut socket, message).await;
    let again = next(&mut socket).await.unwrap();
    assert_eq!((again["text"].clone(), titles(&again)), (first["text"].clone(), titles(&first)), "answered again");
    assert_eq!(budget_at(a.http("GET", "/v1/profile", Some(token), None).await.1), before, "not applied again");
    send(&mut socket, json!({"type":"say","id":"m-2","text":"a gift for my nephew under £25"})).await;
    next(&mut socket).await.unwrap();
    assert_ne!(budget_at(a.http("GET", "/v1/profile", Some(token), None).await.1), before, "a new id is applied");
}

/// Waits for the socket's `erased` error frame; returns how long it took.
pub async fn erased(socket: &mut Socket, within: Duration) -> Duration {
    let started = Instant::now();
    loop {
        let frame = tokio::time::timeout(within.saturating_sub(started.elapsed()), next(socket))
            .await
            .expect("the erased shopper's socket was told in time")
            .expect("a frame, not a closed socket");
        if frame["type"] == "error" && frame["code"] == "erased" {
            return started.elapsed();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn erasing_through_one_server_ends_the_shoppers_socket_on_the_other_and_nothing_resumes_anywhere() {
    let Some((a, b, _)) = two_servers() else { return };
    let mut live = a.connect().await;
    let (welcome, _) = hello(&mut live, None, None).await;
    let (token, session) = (welcome["shopper"].as_str().unwrap(), welcome["session"].as_str().unwrap());
    say(&mut live, "a gift for my mum, she loves gardening").await.unwrap();
    let (status, _) = b.http("DELETE", "/v1/profile", Some(token), None).await;
    assert_eq!(status, 204);
    let took = erased(&mut live, Duration::from_secs(5)).await;
    assert!(took < Duration::from_secs(1), "within a second: {took:?}");
    for server in [&a, &b] {
        let mut socket = server.connect().await;
        let (welcome, greeting) = hello(&mut socket, Some(token), Some(session)).await;
        assert_ne!(welcome["shopper"].as_str(), Some(token), "a new shopper: {welcome}");
        assert_ne!(welcome["session"].as_str(), Some(session));
        assert!(!greeting.to_string().contains("garden"), "{greeting}");
    }
}

#[test]
fn tombstones_on_postgres_name_nobody() {
    use concierge::profile::{CustomerId, PostgresOptions, PostgresStore, Store, update_customer};
    let Some(url) = cluster::fresh_database() else { return };
    let store = PostgresStore::open(&url, PostgresOptions::default()).unwrap();
    let customer = CustomerId::parse("jane@example.com").unwrap();
    let (profile, _) = update_customer(&store, &customer, crate::contract::T0, &mut |_| ()).unwrap();
    store.erase(profile.id()).unwrap().wait().unwrap();
    let database = url.rsplit('/').next().unwrap();
    let rows = cluster::shared().unwrap().psql(database, "SELECT key || ' ' || expires FROM concierge_tombstones");
    assert_eq!(rows.lines().count(), 2, "the shopper's and the customer's: {rows}");
    assert!(!rows.contains(&profile.id().to_string()) && !rows.contains("jane"), "{rows}");
}

/// HAProxy on a free port, round-robin over `servers` (scripts/haproxy.cfg.in); killed when
/// dropped. `None` (with a note) when HAProxy is not installed, unless `CONCIERGE_PG=required`.
struct Haproxy {
    child: Child,
    addr: SocketAddr,
    _dir: tempfile::TempDir,
}

impl Haproxy {
    fn start(a: SocketAddr, b: SocketAddr) -> Option<Haproxy> {
        if Command::new("haproxy").arg("-v").output().is_err() {
            assert!(std::env::var("CONCIERGE_PG").as_deref() != Ok("required"), "CONCIERGE_PG=required: no haproxy");
            eprintln!("note: skipping the HAProxy test: no haproxy (install Debian's haproxy package)");
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let template = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/haproxy.cfg.in")).unwrap();
        let config = template
            .replace("@LISTEN@", &format!("127.0.0.1:{port}"))
            .replace("@SERVER_A@", &a.to_string())
            .replace("@SERVER_B@", &b.to_string());
        let path = dir.path().join("haproxy.cfg");
        std::fs::write(&path, config).unwrap();
        // `-db`: in the foreground, so dropping the child stops it.
        let child = Command::new("haproxy")
            .args(["-db", "-q", "-f"])
            .arg(&path)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let started = Instant::now();
        while std::net::TcpStream::connect(addr).is_err() {
            assert!(started.elapsed() < Duration::from_secs(10), "haproxy listens");
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(Haproxy { child, addr, _dir: dir })
    }
}

impl Drop for Haproxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Turns a server answered so far, from its `/metrics`.
async fn turns(server: &Serve) -> u64 {
    let (_, text) = server.http("GET", "/metrics", None, None).await;
    let text = text.as_str().unwrap_or_default().to_string();
    text.lines()
        .find_map(|line| line.split_once(' ').filter(|(name, _)| name.ends_with("turns_total")))
        .and_then(|(_, value)| value.trim().parse::<f64>().ok())
        .map_or(0, |value| value as u64)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shopper_whose_turns_alternate_between_servers_behind_haproxy_keeps_one_conversation_and_profile() {
    let Some((a, b, _)) = two_servers() else { return };
    let Some(proxy) = Haproxy::start(a.addr, b.addr) else { return };
    let (welcome, _) = turn(proxy.addr, None, None, "a present for my nephew").await;
    let (token, session) = (welcome["shopper"].as_str().unwrap(), welcome["session"].as_str().unwrap());
    let mut shown = Vec::new();
    // A new connection per turn: round-robin sends each to the next server.
    for text in ["he is 8", "he loves trains", "under £30"] {
        let (again, reply) = turn(proxy.addr, Some(token), Some(session), text).await;
        assert_eq!((again["shopper"].as_str(), again["session"].as_str()), (Some(token), Some(session)));
        shown = titles(&reply);
    }
    assert!(shown.len() >= 2, "products for the whole request: {shown:?}");
    let (_, why) = turn(proxy.addr, Some(token), Some(session), "why the second one?").await;
    assert!(why["text"].as_str().unwrap().contains(shown[1].as_str()), "{why}");
    let (status, view) = http_via(proxy.addr, token).await;
    assert_eq!(status, 200);
    for slot in ["recipient", "age", "interests", "budget"] {
        assert_eq!(view["declared"][slot]["source"], "chat", "{slot} in the one profile: {view}");
    }
    let (on_a, on_b) = (turns(&a).await, turns(&b).await);
    assert!(on_a >= 2 && on_b >= 2, "both servers answered turns: {on_a} and {on_b}");
}

async fn http_via(addr: SocketAddr, token: &str) -> (u16, Value) {
    crate::serve::http(addr, "GET", "/v1/profile", Some(token), None).await
}
