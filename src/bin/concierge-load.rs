//! `concierge-load`: a quick load generator. Opens N WebSocket shoppers against a running
//! server; each says hello, then chats at a human pace (a think time between turns), and the
//! client-side latency of every turn (say -> reply) is recorded.
//!
//! ```sh
//! concierge-load --url ws://127.0.0.1:8080/v1/chat --shoppers 1000 --seconds 60 --think-ms 1000-3000
//! ```
//!
//! Prints turns per second, latency p50/p95/p99/max, and errors by kind. The server's own
//! turn latency is in its `/metrics` (`concierge_turn_seconds`).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clap::Parser;
use futures_util::{SinkExt, StreamExt};
use rand::Rng;
use tokio_tungstenite::tungstenite::Message;

#[derive(Parser, Debug)]
#[command(about = "Open N chatting shoppers against a concierge server and measure turn latency")]
struct Args {
    #[arg(long, default_value = "ws://127.0.0.1:8080/v1/chat")]
    url: String,
    #[arg(long, default_value_t = 100)]
    shoppers: usize,
    /// How long to chat once every shopper is connected.
    #[arg(long, default_value_t = 30)]
    seconds: u64,
    /// Think time between a shopper's turns, in milliseconds: `MIN-MAX`.
    #[arg(long, default_value = "1000-3000")]
    think_ms: String,
    /// New connections per second while ramping up.
    #[arg(long, default_value_t = 500)]
    ramp: u64,
}

/// What shoppers say, in turn: new requests, answers and refinements.
const SCRIPT: &[&str] = &[
    "I need a present for my nephew",
    "under £25, he loves trains",
    "cheaper",
    "something else",
    "why the second one?",
    "start over",
    "a gift for my mum who likes gardening, around 30 quid",
    "it's for me after all",
    "running shoes under 100",
];

#[derive(Default)]
struct Tally {
    latencies: Vec<Duration>,
    errors: BTreeMap<String, usize>,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let (lo, hi) = args.think_ms.split_once('-').unwrap_or((&args.think_ms, &args.think_ms));
    let think = (lo.trim().parse::<u64>()?, hi.trim().parse::<u64>()?);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(run(args, think))
}

async fn run(args: Args, think: (u64, u64)) -> anyhow::Result<()> {
    let tally = Arc::new(Mutex::new(Tally::default()));
    let deadline = Instant::now()
        + Duration::from_millis(args.shoppers as u64 * 1000 / args.ramp.max(1))
        + Duration::from_secs(args.seconds);
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(args.shoppers);
    for i in 0..args.shoppers {
        let (url, tally) = (args.url.clone(), Arc::clone(&tally));
        tasks.push(tokio::spawn(async move {
            if let Err(kind) = shopper(&url, i, think, deadline, &tally).await {
                *tally.lock().unwrap_or_else(|e| e.into_inner()).errors.entry(kind).or_default() += 1;
            }
        }));
        tokio::time::sleep(Duration::from_micros(1_000_000 / args.ramp.max(1))).await;
    }
    for task in tasks {
        let _ = task.await;
    }
    let elapsed = started.elapsed();
    let mut tally = std::mem::take(&mut *tally.lock().unwrap_or_else(|e| e.into_inner()));
    tally.latencies.sort();
    let n = tally.latencies.len();
    let at = |q: f64| tally.latencies.get(((n.max(1) - 1) as f64 * q) as usize).copied().unwrap_or_default();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!("shoppers: {}, think time {}-{} ms, {:.0} s", args.shoppers, think.0, think.1, elapsed.as_secs_f64());
    println!("turns: {n} ({:.0} per second)", n as f64 / elapsed.as_secs_f64());
    println!(
        "latency: p50 {:.2} ms, p95 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        ms(at(0.5)),
        ms(at(0.95)),
        ms(at(0.99)),
        ms(at(1.0))
    );
    let errors: usize = tally.errors.values().sum();
    println!("errors: {errors} {:?}", tally.errors);
    Ok(())
}

/// One shopper: hello, then a turn every think time until the deadline. `Err` names what
/// went wrong.
async fn shopper(
    url: &str,
    i: usize,
    think: (u64, u64),
    deadline: Instant,
    tally: &Mutex<Tally>,
) -> Result<(), String> {
    let (mut socket, _) = tokio_tungstenite::connect_async(url).await.map_err(|e| format!("connect: {e}"))?;
    let hello = r#"{"type":"hello","shopper":null,"session":null,"context":{"page":"home"}}"#;
    socket.send(Message::Text(hello.into())).await.map_err(|_| "send".to_string())?;
    for _ in 0..2 {
        next_frame(&mut socket).await?;
    }
    let mut turn = i;
    while Instant::now() < deadline {
        let pause = rand::rng().random_range(think.0..=think.1.max(think.0));
        tokio::time::sleep(Duration::from_millis(pause)).await;
        let text = SCRIPT[turn % SCRIPT.len()];
        turn += 1;
        let frame = serde_json::json!({"type": "say", "text": text}).to_string();
        let sent = Instant::now();
        socket.send(Message::Text(frame.into())).await.map_err(|_| "send".to_string())?;
        let reply = next_frame(&mut socket).await?;
        let latency = sent.elapsed();
        let kind = reply.get("type").and_then(|t| t.as_str()).unwrap_or("").to_string();
        let mut tally = tally.lock().unwrap_or_else(|e| e.into_inner());
        if kind == "error" {
            let code = reply.get("code").and_then(|c| c.as_str()).unwrap_or("?");
            *tally.errors.entry(code.to_string()).or_default() += 1;
        } else {
            tally.latencies.push(latency);
        }
    }
    let _ = socket.close(None).await;
    Ok(())
}

async fn next_frame(
    socket: &mut tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
) -> Result<serde_json::Value, String> {
    loop {
        let message = tokio::time::timeout(Duration::from_secs(30), socket.next())
            .await
            .map_err(|_| "timeout".to_string())?
            .ok_or("closed")?
            .map_err(|e| format!("read: {e}"))?;
        if let Message::Text(text) = message {
            return serde_json::from_str(&text).map_err(|_| "unreadable".to_string());
        }
    }
}
