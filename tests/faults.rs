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
use concierge::server::tokens::Tokens;
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
    let config = data_dir.with_extension("toml");
    // The load generator connects many shoppers from one address: it sets its own limits.
    let toml = "[limits]\nmessages_per_minute = 100000\nburst = 10000\nchat_per_minute = 100000\n\
                [profile]\ndurability = \"group\"\n";
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
    assert!(slowest < Duration::from_secs(2), "a normal shopper waited {slowest:?} beside clients that never read");
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
