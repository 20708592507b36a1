//! Two `concierge serve` processes sharing one PostgreSQL database: one shopper's memory,
//! whichever server they reach, and nothing acknowledged lost when a server or the database
//! is killed.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::cluster::{self, Cluster};
use crate::serve::{Serve, hello, say};

fn two_servers() -> Option<(Serve, Serve, String)> {
    let url = cluster::fresh_database()?;
    Some((Serve::start(&url), Serve::start(&url), url))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_given_through_one_server_is_remembered_through_the_other() {
    let Some((a, b, _)) = two_servers() else { return };
    let mut socket = a.connect().await;
    let (welcome, _) = hello(&mut socket, None, None).await;
    let token = welcome["shopper"].as_str().unwrap().to_string();
    say(&mut socket, "a gift for my nephew under £25").await.unwrap();
    let mut again = b.connect().await;
    let (welcome, greeting) = hello(&mut again, Some(&token), None).await;
    assert_eq!((welcome["returning"].as_bool(), welcome["shopper"].as_str()), (Some(true), Some(token.as_str())));
    assert!(greeting["text"].as_str().unwrap().contains("nephew"), "{greeting}");
    let (status, view) = b.http("GET", "/v1/profile", Some(&token), None).await;
    assert_eq!(status, 200);
    assert_eq!(view["declared"]["budget"]["source"], "chat", "{view}");
    assert_eq!(a.http("GET", "/v1/profile", Some(&token), None).await.1, view, "the same view from either server");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_posted_to_one_server_shapes_the_other_servers_next_reply() {
    let Some((a, b, _)) = two_servers() else { return };
    let mut socket = a.connect().await;
    let (welcome, _) = hello(&mut socket, None, None).await;
    let token = welcome["shopper"].as_str().unwrap().to_string();
    let event = json!({"events":[{"id":"v-1","kind":"product_viewed","product_id":"spt-001"}]});
    let (status, results) = b.http("POST", "/v1/events", Some(&token), Some(event)).await;
    assert_eq!((status, results["results"][0]["status"].as_str()), (200, Some("stored")), "{results}");
    let (_, recs) = a.http("GET", "/v1/recommendations?placement=home&k=5", Some(&token), None).await;
    assert!(recs["products"].to_string().contains("\"viewed\""), "A uses what B recorded: {recs}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_events_through_each_server_at_once_are_a_hundred_and_a_repeated_id_counts_once() {
    let Some((a, b, _)) = two_servers() else { return };
    let mut socket = a.connect().await;
    let (welcome, _) = hello(&mut socket, None, None).await;
    let token = welcome["shopper"].as_str().unwrap().to_string();
    let posts = (0..100).map(|n| {
        let (addr, token) = (if n % 2 == 0 { a.addr } else { b.addr }, token.clone());
        tokio::spawn(async move {
            let event =
                json!({"events":[{"id":format!("e-{n}"),"kind":"product_viewed","product_id":format!("sku-{n}")}]});
            crate::serve::http(addr, "POST", "/v1/events", Some(&token), Some(event)).await
        })
    });
    for post in futures_util::future::join_all(posts).await {
        let (status, results) = post.unwrap();
        assert_eq!((status, results["results"][0]["status"].as_str()), (200, Some("stored")), "{results}");
    }
    let repeat = json!({"events":[{"id":"same-key","kind":"product_viewed","product_id":"spt-001"}]});
    let (to_a, to_b) = tokio::join!(
        a.http("POST", "/v1/events", Some(&token), Some(repeat.clone())),
        b.http("POST", "/v1/events", Some(&token), Some(repeat))
    );
    let mut statuses = [to_a.1["results"][0]["status"].clone(), to_b.1["results"][0]["status"].clone()];
    statuses.sort_by_key(|s| s.to_string());
    assert_eq!(statuses, [json!("duplicate"), json!("stored")]);
    let (_, export) = b.http("GET", "/v1/profile/export", Some(&token), None).await;
    assert_eq!(export["events"].as_array().unwrap().len(), 101, "100 events and the repeated one once");
}

/// Chats through `server` as `shoppers` new shoppers, one answer each; returns the tokens
/// and budgets of the answers acknowledged by a reply.
async fn answer_until_killed(server: std::net::SocketAddr, shoppers: usize) -> Vec<(String, u32)> {
    let mut acknowledged = Vec::new();
    for n in 0..shoppers {
        let Ok((mut socket, _)) = tokio_tungstenite::connect_async(format!("ws://{server}/v1/chat")).await else {
            break;
        };
        crate::serve::send(&mut socket, json!({"type":"hello","context":{"page":"home"}})).await;
        // With the database down, a hello gets an `internal` error frame instead.
        let Some(welcome) = crate::serve::next(&mut socket).await.filter(|w| w["type"] == "welcome") else { break };
        let token = welcome["shopper"].as_str().unwrap_or_default().to_string();
        if crate::serve::next(&mut socket).await.is_none() {
            break;
        }
        let budget = 10 + u32::try_from(n % 80).unwrap();
        match say(&mut socket, &format!("a gift for my niece under £{budget}")).await {
            Some(reply) if reply["type"] == "reply" => acknowledged.push((token, budget)),
            _ => break,
        }
    }
    acknowledged
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_answer_acknowledged_by_a_server_killed_under_load_is_readable_through_the_other() {
    let Some((mut a, b, _)) = two_servers() else { return };
    let chats: Vec<_> = (0..4).map(|_| tokio::spawn(answer_until_killed(a.addr, 1000))).collect();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    a.kill();
    let mut acknowledged = Vec::new();
    for chat in chats {
        acknowledged.extend(chat.await.unwrap());
    }
    assert!(acknowledged.len() >= 4, "answers were acknowledged before the kill ({})", acknowledged.len());
    assert_readable(&b, &acknowledged).await;
}

/// Every acknowledged answer (a shopper's token and budget) reads back through `server`.
async fn assert_readable(server: &Serve, acknowledged: &[(String, u32)]) {
    let reads = acknowledged.iter().map(|(token, budget)| async move {
        let (status, view) = server.http("GET", "/v1/profile", Some(token), None).await;
        assert_eq!(status, 200, "an acknowledged answer is stored: {view}");
        assert_eq!(view["declared"]["budget"]["value"]["max"].as_f64(), Some(f64::from(*budget)), "{view}");
    });
    futures_util::future::join_all(reads).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_servers_fail_their_health_check_while_the_database_is_down_and_recover_without_a_restart() {
    let Some(cluster) = Cluster::private() else { return };
    cluster.psql("postgres", "CREATE DATABASE shop");
    let url = cluster.url("shop");
    let (a, b) = (Serve::start(&url), Serve::start(&url));
    let chats: Vec<_> =
        [a.addr, b.addr].into_iter().map(|addr| tokio::spawn(answer_until_killed(addr, 100_000))).collect();
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let killed = tokio::task::spawn_blocking(move || {
        cluster.kill();
        cluster
    });
    let cluster = killed.await.unwrap();
    let mut acknowledged = Vec::new();
    for chat in chats {
        // Each chat ends at its first turn that got no reply (an `internal` error frame).
        acknowledged.extend(chat.await.unwrap());
    }
    for server in [&a, &b] {
        let (status, health) = server.http("GET", "/healthz", None, None).await;
        assert_eq!((status, health["status"].as_str()), (503, Some("unavailable")), "{health}");
    }
    let cluster = tokio::task::spawn_blocking(move || {
        cluster.start();
        cluster
    })
    .await
    .unwrap();
    for server in [&a, &b] {
        let started = Instant::now();
        while server.http("GET", "/healthz", None, None).await.0 != 200 {
            assert!(started.elapsed() < Duration::from_secs(30), "the server recovers by itself");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let mut socket = server.connect().await;
        hello(&mut socket, None, None).await;
        assert_eq!(say(&mut socket, "a gift for my dad").await.unwrap()["type"], "reply");
    }
    assert!(!acknowledged.is_empty());
    assert_readable(&b, &acknowledged).await;
    drop(cluster);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_starting_together_on_an_empty_database_migrate_it_once() {
    let Some(url) = cluster::empty_database() else { return };
    let (first, second) = (url.clone(), url.clone());
    let (a, b) = tokio::join!(
        tokio::task::spawn_blocking(move || Serve::start(&first)),
        tokio::task::spawn_blocking(move || Serve::start(&second))
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    for server in [&a, &b] {
        assert_eq!(server.http("GET", "/healthz", None, None).await.0, 200);
    }
    let database = url.rsplit('/').next().unwrap();
    assert_eq!(
        cluster::shared()
            .unwrap()
            .psql(database, "SELECT count(*) = count(DISTINCT version) AND count(*) > 0 FROM concierge_migrations"),
        "t",
        "each migration once"
    );
}
