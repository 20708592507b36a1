//! Faults, automated: a SIGKILL under load loses no acknowledged answer; a flooding client and
//! clients that never read do not hurt the others; a full disk gives clear errors and no
//! corruption. Each test starts its own server (a child process or in-process, on port 0)
//! with its own temporary data directory and takes a few seconds.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use concierge::config::Config;
use concierge::profile::{SledStore, StoreOptions};
use concierge::server::Application;
use concierge::server::auth::Tokens;
use concierge::slots::SlotName;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

const SECRET: &str = "fault-test-secret-0123456789abcdef";
const DEMO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/catalog/demo.jsonl");
const PROMPTS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/prompts");

/// A `concierge serve` child process; killed (SIGKILL) when dropped.
struct ServeProcess {
    child: std::process::Child,
    addr: String,
}

impl Drop for ServeProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `concierge serve` on port 0 over `data_dir` with high message limits and
/// acknowledgement after commit (group durability), and waits for its address.
fn serve_process(data_dir: &Path) -> ServeProcess {
    // The load generator connects many shoppers from one address: it sets its own limits.
    let toml = "[limits]\nmessages_per_minute = 100000\nburst = 10000\nchat_per_minute = 100000\n\
                [profile]\ndurability = \"group\"\n";
    serve_process_with(data_dir, toml)
}

/// Starts `concierge serve` on port 0 over `data_dir` with the configuration `toml`.
fn serve_process_with(data_dir: &Path, toml: &str) -> ServeProcess {
    let config = data_dir.with_extension("toml");
    std::fs::write(&config, toml).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_concierge"))
        .args(["serve", "--addr", "127.0.0.1:0", "--catalog", DEMO, "--prompts", PROMPTS])
        .arg("--config")
        .arg(&config)
        .arg("--data-dir")
        .arg(data_dir)
        .env("CONCIERGE_SECRET", SECRET)
        .env("NO_COLOR", "1")
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (found, addr) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(at) = line.find("listening on http://") {
                let rest = &line[at + "listening on http://".len()..];
                let _ =
                    found.send(rest.split(|c: char| c.is_whitespace() || c == '\u{1b}').next().unwrap().to_string());
            }
        }
    });
    let addr = addr.recv_timeout(Duration::from_secs(60)).expect("the server logs its address");
    ServeProcess { child, addr }
}

/// Every line of an acks file: the shopper's token and the budget maximum acknowledged.
fn read_acks(path: &Path) -> Vec<(String, f64)> {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines()
        .map(|line| {
            let v: Value = serde_json::from_str(line).unwrap();
            (v["shopper"].as_str().unwrap().to_string(), v["max"].as_f64().unwrap())
        })
        .collect()
}

/// Proves that each shopper's stored budget is at least the last one acknowledged (the
/// budgets script only raises it, so a larger one was stated after, unacknowledged).
fn check_acks_in_store(data_dir: &Path, acks: &[(String, f64)]) -> usize {
    let tokens = Tokens::new(SECRET.as_bytes(), &[]);
    let store = SledStore::open(data_dir, StoreOptions::default()).unwrap();
    let mut last = std::collections::HashMap::new();
    for (token, max) in acks {
        let entry = last.entry(token.clone()).or_insert(*max);
        *entry = entry.max(*max);
    }
    for (token, acked) in &last {
        let id = tokens.verify(token).expect("a token this server signed");
        let profile = concierge::profile::Store::load(&store, id).unwrap().expect("an acknowledged shopper is stored");
        let budget = profile.declared().get(&SlotName::Budget).expect("an acknowledged budget is stored");
        let stored = budget.value["max"].as_f64().unwrap();
        assert!(stored >= *acked, "shopper's stored budget {stored} is older than the acknowledged {acked}");
    }
    last.len()
}

#[test]
fn every_acknowledged_budget_survives_a_sigkill_under_load_and_the_server_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let acks = dir.path().join("acks.jsonl");
    let mut server = serve_process(&data);
    let generator = Command::new(env!("CARGO_BIN_EXE_concierge-load"))
        .args(["--url", &format!("ws://{}/v1/chat", server.addr), "--script", "budgets", "--returning", "0"])
        .args(["--shoppers", "16", "--seconds", "4", "--think-ms", "0-5", "--ramp", "200", "--metrics", "none"])
        .arg("--acks")
        .arg(&acks)
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    server.child.kill().unwrap(); // SIGKILL: no shutdown, no final flush.
    server.child.wait().unwrap();
    let mut generator = generator;
    generator.wait().unwrap();
    let acks = read_acks(&acks);
    assert!(acks.len() > 20, "the generator saw only {} acknowledgements before the kill", acks.len());
    let shoppers = check_acks_in_store(&data, &acks);
    eprintln!("{} acknowledged budgets of {shoppers} shoppers all in the store after SIGKILL", acks.len());

    let restarted = serve_process(&data);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let mut socket = connect(&format!("ws://{}/v1/chat", restarted.addr)).await;
        send(&mut socket, json!({"type":"hello","shopper":acks[0].0,"session":null})).await;
        let welcome = next(&mut socket).await;
        assert_eq!(welcome["returning"], true, "{welcome}");
        assert!(next(&mut socket).await["slots"]["budget"]["max"].as_f64().is_some());
    });
}

/// Held by the tests that flood a server or time a normal shopper beside a flood, so that on
/// a small machine one test's flood does not slow another's normal shopper.
static ALONE: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

async fn in_process(data_dir: PathBuf, configure: impl FnOnce(&mut Config)) -> SocketAddr {
    let mut config = Config {
        addr: "127.0.0.1:0".parse().unwrap(),
        data_dir,
        catalog: DEMO.into(),
        prompts: Some(PROMPTS.into()),
        secret: Some(SECRET.into()),
        ..Config::default()
    };
    configure(&mut config);
    let app = Application::build(config).await.unwrap();
    let addr = app.addr();
    tokio::spawn(app.run_until_stopped(std::future::pending()));
    addr
}

async fn connect(url: &str) -> Socket {
    tokio_tungstenite::connect_async(url).await.unwrap().0
}

async fn send(socket: &mut Socket, frame: Value) {
    socket.send(Message::Text(frame.to_string().into())).await.unwrap();
}

async fn next(socket: &mut Socket) -> Value {
    loop {
        let message = tokio::time::timeout(Duration::from_secs(10), socket.next()).await.expect("a frame in time");
        if let Message::Text(text) = message.expect("open").expect("readable") {
            return serde_json::from_str(&text).unwrap();
        }
    }
}

/// A greeted shopper; returns the socket and its token.
async fn greeted(addr: SocketAddr) -> (Socket, String) {
    let mut socket = connect(&format!("ws://{addr}/v1/chat")).await;
    send(&mut socket, json!({"type":"hello","shopper":null,"session":null})).await;
    let welcome = next(&mut socket).await;
    next(&mut socket).await;
    (socket, welcome["shopper"].as_str().unwrap().to_string())
}

/// Six turns of a normal shopper (inside the default burst); returns the slowest, and panics
/// on any error frame.
async fn normal_shopper(addr: SocketAddr) -> Duration {
    let (mut socket, _) = greeted(addr).await;
    let mut slowest = Duration::ZERO;
    for text in ["a present for my nephew", "under £25", "cheaper", "something else", "why the second one?"]
        .iter()
        .cycle()
        .take(6)
    {
        let sent = Instant::now();
        send(&mut socket, json!({"type":"say","text":text})).await;
        let reply = next(&mut socket).await;
        assert_eq!(reply["type"], "reply", "{reply}");
        slowest = slowest.max(sent.elapsed());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    slowest
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_flooding_one_connection_leaves_the_others_their_replies() {
    let _alone = ALONE.lock().await;
    let dir = tempfile::tempdir().unwrap();
    let addr = in_process(dir.path().to_path_buf(), |_| {}).await;
    let (mut flooder, _) = greeted(addr).await;
    let flood = tokio::spawn(async move {
        let frame = json!({"type":"say","text":"cheaper"}).to_string();
        for _ in 0..5000 {
            if flooder.send(Message::Text(frame.clone().into())).await.is_err() {
                break;
            }
        }
        flooder
    });
    let others: Vec<_> = (0..4).map(|_| tokio::spawn(normal_shopper(addr))).collect();
    for other in others {
        let slowest = other.await.unwrap();
        assert!(slowest < Duration::from_secs(2), "a normal shopper waited {slowest:?} for a reply");
    }
    let mut flooder = flood.await.unwrap();
    // The flooder was told it is rate limited, and its connection still works.
    let mut codes = Vec::new();
    while let Ok(Some(Ok(Message::Text(text)))) = tokio::time::timeout(Duration::from_millis(500), flooder.next()).await
    {
        let frame: Value = serde_json::from_str(&text).unwrap();
        codes.push(frame["code"].as_str().unwrap_or("").to_string());
    }
    assert!(codes.iter().any(|c| c == "rate_limited"), "the flooder was never rate limited");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_that_never_read_are_cut_off_while_the_others_chat_on() {
    let _alone = ALONE.lock().await;
    let dir = tempfile::tempdir().unwrap();
    let addr = in_process(dir.path().to_path_buf(), |c| {
        c.limits.messages_per_minute = 1_000_000;
        c.limits.burst = 100_000;
    })
    .await;
    let mut slow = Vec::new();
    for _ in 0..2 {
        // A tiny receive window: the server's replies back up quickly.
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.set_recv_buffer_size(2048).unwrap();
        let stream = socket.connect(addr).await.unwrap();
        let (mut ws, _) = tokio_tungstenite::client_async(format!("ws://{addr}/v1/chat"), stream).await.unwrap();
        let hello = json!({"type":"hello","shopper":null,"session":null}).to_string();
        ws.send(Message::Text(hello.into())).await.unwrap();
        slow.push(tokio::spawn(async move {
            // Sends turns and never reads, until the server gives up on this peer.
            let started = Instant::now();
            let frame = json!({"type":"say","text":"something else"}).to_string();
            while started.elapsed() < Duration::from_secs(40) {
                let sent = tokio::time::timeout(Duration::from_secs(1), ws.send(Message::Text(frame.clone().into())));
                if matches!(sent.await, Ok(Err(_))) {
                    return true;
                }
            }
            false
        }));
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let slowest = normal_shopper(addr).await;
    // Blocked behind a slow reader, a shopper would wait out the server's 5 s write timeout;
    // 4 s tells that apart from a loaded machine (2 s flaked at load 12 on 2 cores).
    assert!(slowest < Duration::from_secs(4), "a normal shopper waited {slowest:?} beside clients that never read");
    let metrics = reqwest::get(format!("http://{addr}/metrics")).await.unwrap().text().await.unwrap();
    // The server's socket buffer (about a megabyte on loopback) fills first, then its queue
    // of 16 frames, then it waits 5 s before giving up on the peer.
    let deadline = Instant::now() + Duration::from_secs(40);
    let mut cut = metrics.contains("limit=\"slow_reader\"");
    while !cut && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(250)).await;
        let metrics = reqwest::get(format!("http://{addr}/metrics")).await.unwrap().text().await.unwrap();
        cut = metrics.contains("limit=\"slow_reader\"");
    }
    assert!(cut, "no client that never reads was disconnected");
    for task in slow {
        task.abort();
    }
}

/// Unmounts the test's tmpfs when dropped.
struct Mounted(PathBuf);

impl Drop for Mounted {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

/// Writes into `path` until the disk refuses.
fn fill(path: &Path) {
    use std::io::Write;
    let mut file = std::fs::File::create(path).unwrap();
    let chunk = vec![0u8; 16 * 1024];
    while file.write_all(&chunk).and_then(|()| file.sync_all()).is_ok() {}
}

#[test]
fn a_full_disk_gives_clear_errors_and_corrupts_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let disk = dir.path().join("disk");
    std::fs::create_dir_all(&disk).unwrap();
    let mounted = Command::new("mount").args(["-t", "tmpfs", "-o", "size=4m", "tmpfs"]).arg(&disk).status();
    if !matches!(mounted, Ok(status) if status.success()) {
        eprintln!("skipping: cannot mount a small tmpfs here (needs root)");
        return;
    }
    let _mounted = Mounted(disk.clone());
    let data = disk.join("data");
    std::fs::create_dir_all(&data).unwrap();
    let mut server = serve_process(&data);
    let url = format!("ws://{}/v1/chat", server.addr);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (acked, errors) = runtime.block_on(async {
        let mut socket = connect(&url).await;
        send(&mut socket, json!({"type":"hello","shopper":null,"session":null})).await;
        let token = next(&mut socket).await["shopper"].as_str().unwrap().to_string();
        next(&mut socket).await;
        let mut acked = Vec::new();
        let mut errors = Vec::new();
        for max in 40..90 {
            if max == 45 {
                fill(&disk.join("balloon"));
            }
            send(&mut socket, json!({"type":"say","text":format!("under £{max}")})).await;
            let frame = next(&mut socket).await;
            match frame["type"].as_str() {
                Some("reply") if frame["slots"]["budget"]["max"].as_f64() == Some(f64::from(max)) => {
                    acked.push((token.clone(), f64::from(max)));
                }
                Some("error") => errors.push(frame["code"].as_str().unwrap().to_string()),
                _ => panic!("neither an acknowledgement nor a clear error: {frame}"),
            }
        }
        (acked, errors)
    });
    assert!(!acked.is_empty(), "nothing was acknowledged before the disk filled");
    assert!(!errors.is_empty(), "a full disk went unnoticed: every write was acknowledged");
    assert!(errors.iter().all(|code| code == "internal"), "{errors:?}");
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    std::fs::remove_file(disk.join("balloon")).unwrap();
    // The store opens again and holds every acknowledged answer.
    check_acks_in_store(&data, &acked);
}

/// The resident memory of a process, in bytes (Linux), or `None` where it cannot be read.
fn rss(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse::<u64>().ok().map(|kb| kb * 1024)
}

/// Bytes of every file under `dir`.
fn size_of(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .map_while(Result::ok)
                .map(|e| if e.path().is_dir() { size_of(&e.path()) } else { e.metadata().map_or(0, |m| m.len()) })
                .sum()
        })
        .unwrap_or(0)
}

/// A TCP connection from another loopback address (127.0.0.2), so an attacker's per-client
/// limits are not the test's own.
async fn from_elsewhere(addr: SocketAddr) -> std::io::Result<tokio::net::TcpStream> {
    let socket = tokio::net::TcpSocket::new_v4()?;
    socket.bind("127.0.0.2:0".parse().unwrap())?;
    socket.connect(addr).await
}

/// A flood-test server with the default limits (and an admin key); `None` off Linux.
fn flood_target(dir: &Path) -> Option<(ServeProcess, SocketAddr, u64)> {
    let data = dir.join("data");
    std::fs::create_dir_all(&data).unwrap();
    let server = serve_process_with(&data, "admin_key = \"the-real-admin-key\"\n");
    let addr: SocketAddr = server.addr.parse().unwrap();
    let before = rss(server.child.id())?;
    Some((server, addr, before))
}

/// A normal shopper from 127.0.0.1 still gets a greeting and a reply.
async fn still_serves(addr: SocketAddr) {
    let health = reqwest::get(format!("http://{addr}/healthz")).await.expect("healthz answers");
    assert_eq!(health.status().as_u16(), 200);
    let slowest = normal_shopper(addr).await;
    assert!(slowest < Duration::from_secs(2), "a normal shopper waited {slowest:?}");
}

const MIB: u64 = 1024 * 1024;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hello_flood_from_one_address_grows_neither_memory_nor_the_store_without_bound() {
    let _alone = ALONE.lock().await;
    let dir = tempfile::tempdir().unwrap();
    let Some((server, addr, before)) = flood_target(dir.path()) else {
        eprintln!("skipping: no /proc to read the server's memory from");
        return;
    };
    let started = Instant::now();
    let flooders: Vec<_> = (0..8)
        .map(|_| {
            tokio::spawn(async move {
                let mut hellos = 0u32;
                for _ in 0..200 {
                    if started.elapsed() > Duration::from_secs(6) {
                        break;
                    }
                    let Ok(stream) = from_elsewhere(addr).await else { continue };
                    let Ok((mut ws, _)) = tokio_tungstenite::client_async(format!("ws://{addr}/v1/chat"), stream).await
                    else {
                        continue;
                    };
                    for _ in 0..50 {
                        let hello = json!({"type":"hello"}).to_string();
                        if ws.send(Message::Text(hello.into())).await.is_err() {
                            break;
                        }
                        hellos += 1;
                    }
                    let _ = ws.close(None).await;
                }
                hellos
            })
        })
        .collect();
    let mut sent = 0;
    for flooder in flooders {
        sent += flooder.await.unwrap();
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let grown = rss(server.child.id()).unwrap_or(before).saturating_sub(before);
    let store = size_of(&dir.path().join("data/profiles"));
    eprintln!("{sent} hellos sent; memory grew {} MiB; store {} KiB", grown / MIB, store / 1024);
    assert!(sent > 100, "the flood did not get going ({sent} hellos)");
    assert!(grown < 150 * MIB, "memory grew {} MiB", grown / MIB);
    assert!(store < 64 * MIB, "the store grew to {} MiB", store / MIB);
    still_serves(addr).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thousands_of_idle_connections_from_one_client_leave_the_server_serving() {
    let _alone = ALONE.lock().await;
    let dir = tempfile::tempdir().unwrap();
    let Some((server, addr, before)) = flood_target(dir.path()) else {
        eprintln!("skipping: no /proc to read the server's memory from");
        return;
    };
    let mut held = Vec::new();
    for _ in 0..2000 {
        match from_elsewhere(addr).await {
            Ok(stream) => held.push(stream),
            Err(_) => break,
        }
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let descriptors = std::fs::read_dir(format!("/proc/{}/fd", server.child.id())).map_or(0, |d| d.count());
    let grown = rss(server.child.id()).unwrap_or(before).saturating_sub(before);
    eprintln!("{} idle connections opened; server holds {descriptors} descriptors", held.len());
    assert!(descriptors < 500, "the server holds {descriptors} descriptors");
    assert!(grown < 100 * MIB, "memory grew {} MiB", grown / MIB);
    still_serves(addr).await;
    drop(held);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_uploads_with_a_wrong_key_are_refused_without_reading_them() {
    let _alone = ALONE.lock().await;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let dir = tempfile::tempdir().unwrap();
    let Some((server, addr, before)) = flood_target(dir.path()) else {
        eprintln!("skipping: no /proc to read the server's memory from");
        return;
    };
    let uploads: Vec<_> = (0..4)
        .map(|_| {
            tokio::spawn(async move {
                let mut stream = from_elsewhere(addr).await.unwrap();
                let head = "PUT /v1/admin/catalog HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer wrong\r\n\
                            Content-Length: 530000000\r\n\r\n";
                stream.write_all(head.as_bytes()).await.unwrap();
                let chunk = vec![b'{'; 64 * 1024];
                let started = Instant::now();
                let mut written = 0u64;
                // Push body bytes for up to 3 s, until the server stops taking them.
                while started.elapsed() < Duration::from_secs(3) {
                    match tokio::time::timeout(Duration::from_millis(500), stream.write_all(&chunk)).await {
                        Ok(Ok(())) => written += chunk.len() as u64,
                        _ => break,
                    }
                }
                let mut answer = vec![0u8; 512];
                let read = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut answer)).await;
                let answer =
                    String::from_utf8_lossy(&answer[..read.ok().and_then(Result::ok).unwrap_or(0)]).to_string();
                (written, answer)
            })
        })
        .collect();
    for upload in uploads {
        let (written, answer) = upload.await.unwrap();
        assert!(answer.is_empty() || answer.starts_with("HTTP/1.1 401"), "{answer}");
        assert!(written < 200 * MIB, "the server took {written} bytes of a body it refused");
    }
    let grown = rss(server.child.id()).unwrap_or(before).saturating_sub(before);
    assert!(grown < 100 * MIB, "memory grew {} MiB", grown / MIB);
    still_serves(addr).await;
}
