//! The security probe's findings, each as a regression test on the real server over real
//! sockets: the edges (admin uploads, connections, origins, refusals, edits, identities) and
//! erasure that stays erased. Flood tests that watch the server's memory are in `faults.rs`.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

mod common;

use common::{Server, connect, http, next_within, send, start};

const ADMIN: &str = "admin-key-for-tests";
const IDENTITY: &str = "identity-secret-for-tests";

/// Writes `request` on a fresh connection and reads until the server answers or closes
/// (within `wait`); returns what came back.
async fn raw(server: &Server, request: &[u8], wait: Duration) -> String {
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    stream.write_all(request).await.unwrap();
    let mut answer = vec![0u8; 4096];
    let read = tokio::time::timeout(wait, stream.read(&mut answer)).await.expect("an answer in time").unwrap_or(0);
    String::from_utf8_lossy(&answer[..read]).to_string()
}

async fn greeted(server: &Server, hello: Value) -> (common::Socket, Value) {
    let mut socket = connect(server).await;
    send(&mut socket, hello).await;
    let welcome = next_within(&mut socket, Duration::from_secs(10)).await;
    assert_eq!(welcome["type"], "welcome", "{welcome}");
    next_within(&mut socket, Duration::from_secs(10)).await;
    (socket, welcome)
}

async fn say(socket: &mut common::Socket, text: &str) -> Value {
    send(socket, json!({"type":"say","text":text})).await;
    next_within(socket, Duration::from_secs(10)).await
}

#[tokio::test]
async fn a_wrong_admin_key_is_refused_before_the_body_is_read() {
    let server = start(|c| c.admin_key = Some(ADMIN.into())).await;
    // Headers announcing 500 MB, and not a byte of the body: the answer comes anyway.
    let request = "PUT /v1/admin/catalog HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer wrong\r\n\
                   Content-Length: 500000000\r\n\r\n";
    let answer = raw(&server, request.as_bytes(), Duration::from_secs(5)).await;
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
    assert!(answer.contains("\"unauthorized\""), "{answer}");
    let off = start(|_| {}).await;
    let answer = raw(&off, request.as_bytes(), Duration::from_secs(5)).await;
    assert!(answer.starts_with("HTTP/1.1 404"), "admin routes off: {answer}");
}

#[tokio::test]
async fn a_catalog_over_its_own_limit_is_refused_with_413() {
    let server = start(|c| {
        c.admin_key = Some(ADMIN.into());
        c.limits.catalog_body_bytes = 1000;
    })
    .await;
    let row = "{\"id\":\"a\",\"title\":\"Teapot\",\"price\":12,\"currency\":\"GBP\"}\n";
    let response = reqwest::Client::new()
        .put(format!("http://{}/v1/admin/catalog", server.addr))
        .bearer_auth(ADMIN)
        .body(row.repeat(50))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 413);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "too_large", "{body}");
}

#[tokio::test]
async fn an_uploaded_catalog_is_kept_privately_in_the_data_directory() {
    let server = start(|c| c.admin_key = Some(ADMIN.into())).await;
    let body = "{\"id\":\"kept\",\"title\":\"Kept Teapot\",\"price\":12,\"currency\":\"GBP\"}\n";
    let response = reqwest::Client::new()
        .put(format!("http://{}/v1/admin/catalog", server.addr))
        .bearer_auth(ADMIN)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let kept = concierge::server::uploaded_catalog(server.data_dir());
    assert_eq!(std::fs::read_to_string(&kept).unwrap(), body);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&kept).unwrap().permissions().mode() & 0o777, 0o600);
        let dir = std::fs::metadata(server.data_dir()).unwrap().permissions().mode() & 0o777;
        assert_eq!(dir, 0o700, "the data directory is private");
    }
}

#[tokio::test]
async fn a_connection_that_sends_nothing_is_closed_after_the_header_timeout() {
    let server = start(|c| c.limits.header_timeout_secs = 1).await;
    let started = Instant::now();
    let answer = raw(&server, b"", Duration::from_secs(5)).await;
    assert!(answer.is_empty() || answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(started.elapsed() < Duration::from_secs(4), "closed after {:?}", started.elapsed());
    // Half-sent headers likewise.
    let answer = raw(&server, b"GET /healthz HTTP/1.1\r\nHost: x\r\n", Duration::from_secs(5)).await;
    assert!(!answer.contains("200 OK"), "{answer}");
}

#[tokio::test]
async fn one_client_cannot_hold_more_than_its_share_of_connections() {
    let server = start(|c| c.limits.connections_per_client = 4).await;
    let mut held = Vec::new();
    for _ in 0..4 {
        held.push(TcpStream::connect(server.addr).await.unwrap());
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    let answer = raw(&server, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", Duration::from_secs(5)).await;
    assert!(answer.is_empty(), "a fifth connection is closed at once: {answer}");
    drop(held);
    tokio::time::sleep(Duration::from_millis(100)).await;
    let answer = raw(&server, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", Duration::from_secs(5)).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "places are given back: {answer}");
}

#[tokio::test]
async fn new_chat_connections_are_limited_per_client_address() {
    let server = start(|c| c.limits.chat_per_minute = 6).await;
    let url = format!("ws://{}/v1/chat", server.addr);
    let mut refused = 0;
    for _ in 0..15 {
        match tokio_tungstenite::connect_async(&url).await {
            Ok(_) => {}
            Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
                assert_eq!(response.status().as_u16(), 429);
                refused += 1;
            }
            Err(other) => panic!("{other}"),
        }
    }
    assert_eq!(refused, 5, "a burst of ten, then refused");
}

#[tokio::test]
async fn origins_are_checked_strictly_on_every_header() {
    let server = start(|c| c.allowed_origins = vec!["https://shop.example".into()]).await;
    let request = |origins: &[&[u8]]| {
        let mut bytes = b"GET /healthz HTTP/1.1\r\nHost: x\r\n".to_vec();
        for origin in origins {
            bytes.extend_from_slice(b"Origin: ");
            bytes.extend_from_slice(origin);
            bytes.extend_from_slice(b"\r\n");
        }
        bytes.extend_from_slice(b"Connection: close\r\n\r\n");
        bytes
    };
    let status = |answer: String| answer.get(9..12).unwrap_or_default().to_string();
    let wait = Duration::from_secs(5);
    assert_eq!(status(raw(&server, &request(&[b"https://shop.example"]), wait).await), "200");
    assert_eq!(status(raw(&server, &request(&[b"http://shop.example"]), wait).await), "403", "scheme counts");
    let two: &[&[u8]] = &[b"https://shop.example", b"https://evil.example"];
    assert_eq!(status(raw(&server, &request(two), wait).await), "403", "every Origin header counts");
    assert_eq!(status(raw(&server, &request(&[b"https://shop.example\xff"]), wait).await), "403", "not UTF-8");

    let own = start(|_| {}).await;
    let host = format!("127.0.0.1:{}", own.addr.port());
    let same = |origin: String| {
        format!("GET /healthz HTTP/1.1\r\nHost: {host}\r\nOrigin: {origin}\r\nConnection: close\r\n\r\n").into_bytes()
    };
    assert_eq!(status(raw(&own, &same(format!("http://{host}")), wait).await), "200");
    assert_eq!(status(raw(&own, &same(format!("ftp://{host}")), wait).await), "403");
    assert_eq!(status(raw(&own, &same(format!("https://{host}")), wait).await), "403", "this server speaks http");
}

#[tokio::test]
async fn an_allowed_origin_gets_cors_headers_and_its_preflight_answered() {
    let server = start(|c| c.allowed_origins = vec!["https://shop.example".into()]).await;
    let client = reqwest::Client::new();
    let preflight = client
        .request(reqwest::Method::OPTIONS, format!("http://{}/v1/profile", server.addr))
        .header("Origin", "https://shop.example")
        .header("Access-Control-Request-Method", "PATCH")
        .header("Access-Control-Request-Headers", "authorization, content-type")
        .send()
        .await
        .unwrap();
    assert_eq!(preflight.status().as_u16(), 204);
    let headers = preflight.headers();
    assert_eq!(headers["access-control-allow-origin"], "https://shop.example");
    assert!(headers["access-control-allow-methods"].to_str().unwrap().contains("PATCH"));
    assert!(headers["access-control-allow-headers"].to_str().unwrap().contains("authorization"));
    let get = client
        .get(format!("http://{}/healthz", server.addr))
        .header("Origin", "https://shop.example")
        .send()
        .await
        .unwrap();
    assert_eq!(get.headers()["access-control-allow-origin"], "https://shop.example");
    let foreign = client
        .request(reqwest::Method::OPTIONS, format!("http://{}/v1/profile", server.addr))
        .header("Origin", "https://evil.example")
        .header("Access-Control-Request-Method", "DELETE")
        .send()
        .await
        .unwrap();
    assert_eq!(foreign.status().as_u16(), 403);
    assert!(foreign.headers().get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn the_frameworks_own_refusals_come_in_the_json_error_shape() {
    let server = start(|c| c.limits.rest_body_bytes = 1024).await;
    let client = reqwest::Client::new();
    let base = format!("http://{}", server.addr);
    let cases = [
        (client.post(format!("{base}/v1/events")).header("content-type", "application/json").body("{not json"), 400),
        (client.post(format!("{base}/v1/events")).header("content-type", "text/plain").body("{}"), 415),
        (
            client.post(format!("{base}/v1/events")).header("content-type", "application/json").body("x".repeat(5000)),
            413,
        ),
        (client.get(format!("{base}/v1/recommendations?k=many")), 400),
        (client.get(format!("{base}/no/such/route")), 404),
        (client.delete(format!("{base}/healthz")), 405),
    ];
    for (request, expected) in cases {
        let response = request.send().await.unwrap();
        assert_eq!(response.status().as_u16(), expected);
        let body: Value = response.json().await.expect("a JSON body");
        assert!(body["error"]["code"].is_string() && body["error"]["message"].is_string(), "{body}");
    }
}

#[tokio::test]
async fn a_profile_edit_is_held_to_what_the_chat_would_accept() {
    let server = start(|_| {}).await;
    let (mut socket, welcome) = greeted(&server, json!({"type":"hello"})).await;
    let token = welcome["shopper"].as_str().unwrap().to_string();
    say(&mut socket, "a gift for my mum").await;
    let bad = [
        json!({"declared":{"age":4294967295u64}}),
        json!({"declared":{"budget":{"min":50,"max":10}}}),
        json!({"declared":{"recipient":"mo\u{0}ther"}}),
        json!({"declared":{"interests":(0..500).map(|n| format!("thing {n}")).collect::<Vec<_>>()}}),
    ];
    for patch in bad {
        let (status, body) = http(&server, "PATCH", "/v1/profile", Some(&token), Some(patch.clone())).await;
        assert_eq!(status, 400, "{patch}: {body}");
    }
    let (_, view) = http(&server, "GET", "/v1/profile", Some(&token), None).await;
    assert_eq!(view["declared"]["recipient"]["value"], "mother", "nothing was changed: {view}");
    assert!(view["declared"].get("age").is_none());
}

#[tokio::test]
async fn a_customer_id_is_linked_exactly_as_signed() {
    let server = start(|c| {
        c.identity_secret = Some(IDENTITY.into());
        c.backend_key = Some("backend-key".into());
    })
    .await;
    // The victim's profile, linked by the backend.
    let order = json!({"events":[{"kind":"purchase","customer_id":"c-victim","order":{"id":"o-1","items":[{"product_id":"spt-001"}]}}]});
    let (status, _) = http(&server, "POST", "/v1/events", Some("backend-key"), Some(order)).await;
    assert_eq!(status, 200);
    // A valid signature over the padded id is not a login as the victim.
    let padded = " c-victim ";
    let signature = concierge::server::auth::sign_customer(IDENTITY, padded);
    let hello = json!({"type":"hello","customer":{"id":padded,"signature":signature}});
    let (_, welcome) = greeted(&server, hello).await;
    let token = welcome["shopper"].as_str().unwrap();
    let (_, export) = http(&server, "GET", "/v1/profile/export", Some(token), None).await;
    assert!(export.get("customer").is_none(), "{export}");
    assert!(export["orders"].as_array().is_none_or(Vec::is_empty), "{export}");
    // The backend's ids are taken exactly too.
    let padded = json!({"events":[{"kind":"purchase","customer_id":" c-victim","product_id":"spt-002"}]});
    let (_, results) = http(&server, "POST", "/v1/events", Some("backend-key"), Some(padded)).await;
    assert_eq!(results["results"][0]["status"], "rejected", "{results}");
}

#[tokio::test]
async fn a_late_backend_event_does_not_recreate_an_erased_customer() {
    let server = start(|c| {
        c.identity_secret = Some(IDENTITY.into());
        c.backend_key = Some("backend-key".into());
    })
    .await;
    let signature = concierge::server::auth::sign_customer(IDENTITY, "c-gone");
    let (_, welcome) = greeted(&server, json!({"type":"hello","customer":{"id":"c-gone","signature":signature}})).await;
    let token = welcome["shopper"].as_str().unwrap().to_string();
    assert_eq!(http(&server, "DELETE", "/v1/profile", Some(&token), None).await.0, 204);
    let late = json!({"events":[{"kind":"purchase","customer_id":"c-gone","product_id":"spt-001"}]});
    let (status, results) = http(&server, "POST", "/v1/events", Some("backend-key"), Some(late)).await;
    assert_eq!(status, 200);
    assert_eq!(results["results"][0]["status"], "rejected", "{results}");
    assert!(results["results"][0]["error"].as_str().unwrap().contains("erased"), "{results}");
    assert_eq!(http(&server, "GET", "/v1/profile", Some(&token), None).await.0, 404);
}

#[tokio::test]
async fn empty_secrets_in_the_configuration_are_refused_at_start() {
    for configure in [
        (|c: &mut concierge::config::Config| c.identity_secret = Some(String::new())) as fn(&mut _),
        |c| c.secret = Some("  ".into()),
        |c| c.admin_key = Some(String::new()),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let mut config = concierge::config::Config {
            addr: "127.0.0.1:0".parse().unwrap(),
            data_dir: dir.path().to_path_buf(),
            catalog: concat!(env!("CARGO_MANIFEST_DIR"), "/catalog/demo.jsonl").into(),
            ..concierge::config::Config::default()
        };
        configure(&mut config);
        let error = concierge::server::Application::build(config).await.err().expect("refused");
        assert!(format!("{error:#}").contains("is empty"), "{error:#}");
    }
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_forwarded_client_has_its_own_chat_limit() {
    let server = start(|c| {
        c.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
        c.limits.chat_per_minute = 6;
    })
    .await;
    let upgrade = |client: &str| {
        use tokio_tungstenite::tungstenite::client::IntoClientRequest;
        let mut request = format!("ws://{}/v1/chat", server.addr).into_client_request().unwrap();
        request.headers_mut().insert("x-forwarded-for", format!("{client}, 127.0.0.1").parse().unwrap());
        tokio_tungstenite::connect_async(request)
    };
    let mut refused = 0;
    for _ in 0..15 {
        if upgrade("203.0.113.7").await.is_err() {
            refused += 1;
        }
    }
    assert_eq!(refused, 5, "one forwarded client: a burst of ten, then refused");
    assert!(upgrade("198.51.100.9").await.is_ok(), "another client behind the same proxy is not");
}

#[test]
fn a_catalog_uploaded_earlier_is_loaded_at_the_next_start_unless_another_is_named() {
    use std::io::{BufRead, BufReader};
    let dir = tempfile::tempdir().unwrap();
    let kept = concierge::server::uploaded_catalog(dir.path());
    std::fs::write(&kept, "{\"id\":\"kept\",\"title\":\"Kept Teapot\",\"price\":12,\"currency\":\"GBP\"}\n").unwrap();
    let serve = |extra: &[&str]| {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_concierge"))
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args(["serve", "--addr", "127.0.0.1:0", "--data-dir"])
            .arg(dir.path())
            .args(extra)
            .env("NO_COLOR", "1")
            .env("RUST_LOG", "info")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let line = BufReader::new(stdout).lines().map_while(Result::ok).find(|l| l.contains("listening on")).unwrap();
        let _ = child.kill();
        let _ = child.wait();
        line
    };
    let line = serve(&[]);
    assert!(line.contains(&kept.display().to_string()), "{line}");
    let demo = concat!(env!("CARGO_MANIFEST_DIR"), "/catalog/demo.jsonl");
    let line = serve(&["--catalog", demo]);
    assert!(line.contains("demo.jsonl") && !line.contains(&kept.display().to_string()), "{line}");
}
