//! `concierge-load`: the load generator. Opens N WebSocket shoppers against a running server
//! (concierge, or `concierge-echo` for the bare socket's cost) and measures every turn from
//! the client's side; with `--metrics` it also reads the server's own turn-latency histogram
//! before and after, so a run states both views.
//!
//! Modes:
//! - `chat` (default): each shopper holds one connection and plays scripted conversations
//!   (new and returning shoppers, gifts and self, refinements) with a think time between turns;
//!   `--think-ms 0` is the saturation run (no pause: the maximum turns per second).
//! - `idle`: opens and greets N connections, then holds them; with `--server-pid` it reports
//!   the server's resident memory per connection from `/proc/<pid>/status`.
//!
//! `--acks FILE` writes one JSON line per acknowledged reply that carries a budget, so a
//! checker can prove after a crash that every acknowledged declaration was kept.
//!
//! ```sh
//! concierge-load --url ws://127.0.0.1:8080/v1/chat --shoppers 2000 --seconds 60 --think-ms 1000-3000
//! concierge-load --url ws://127.0.0.1:8080/v1/chat --shoppers 50 --seconds 20 --think-ms 0
//! concierge-load --mode idle --shoppers 10000 --server-pid 1234 --seconds 10
//! ```

mod cpu;
mod idle;
mod metrics;
mod script;
mod shopper;
mod tally;

use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::{Parser, ValueEnum};

use crate::shopper::Plan;
use crate::tally::{Acks, Tally};

#[derive(Parser, Debug)]
#[command(about = "Open N chatting shoppers against a concierge (or echo) server and measure turn latency")]
pub struct Args {
    #[arg(long, default_value = "ws://127.0.0.1:8080/v1/chat")]
    url: String,
    #[arg(long, value_enum, default_value_t = Mode::Chat)]
    mode: Mode,
    /// Concurrent connections (shoppers).
    #[arg(long, default_value_t = 100)]
    shoppers: usize,
    /// How long to chat (or hold idle connections) once every shopper is connected.
    #[arg(long, default_value_t = 30)]
    seconds: u64,
    /// Think time between a shopper's turns in milliseconds, `MIN-MAX` or one number; `0` saturates.
    #[arg(long, default_value = "1000-3000")]
    think_ms: String,
    /// New connections per second while ramping up.
    #[arg(long, default_value_t = 500)]
    ramp: u64,
    /// Which conversations shoppers play: the realistic `mix`, or `budgets` (each turn states
    /// a larger budget than the last; for durability checks).
    #[arg(long, value_enum, default_value_t = script::Kind::Mix)]
    script: script::Kind,
    /// Share of conversations started by a returning shopper (reusing an earlier token).
    #[arg(long, default_value_t = 0.3)]
    returning: f64,
    /// Record acknowledged budgets here, one JSON line each: `{"shopper","max","turn"}`.
    #[arg(long)]
    acks: Option<std::path::PathBuf>,
    /// The server's Prometheus endpoint; default: derived from `--url` (`http://HOST:PORT/metrics`).
    /// `none` skips the server-side figures (e.g. against the echo server).
    #[arg(long)]
    metrics: Option<String>,
    /// The server's process id: its resident memory in idle mode (`/proc/<pid>/status`), its
    /// CPU time per turn in chat mode (`/proc/<pid>/stat`).
    #[arg(long)]
    server_pid: Option<u32>,
    /// Seed for the shoppers' choices, so two runs offer the same load.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Print the result as one JSON line as well (for scripts).
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Mode {
    Chat,
    Idle,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let think = parse_think(&args.think_ms)?;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    match args.mode {
        Mode::Chat => runtime.block_on(chat(args, think)),
        Mode::Idle => runtime.block_on(idle::run(&args)),
    }
}

/// `MIN-MAX` or `N` milliseconds.
fn parse_think(text: &str) -> anyhow::Result<(u64, u64)> {
    let (lo, hi) = text.split_once('-').unwrap_or((text, text));
    let (lo, hi): (u64, u64) = (lo.trim().parse()?, hi.trim().parse()?);
    anyhow::ensure!(lo <= hi, "--think-ms: MIN must not exceed MAX");
    Ok((lo, hi))
}

/// The metrics endpoint named by `--metrics`, or derived from the chat URL.
fn metrics_url(args: &Args) -> Option<String> {
    match args.metrics.as_deref() {
        Some("none") => None,
        Some(url) => Some(url.to_string()),
        None => {
            let rest = args.url.strip_prefix("ws://")?;
            let host = rest.split('/').next()?;
            Some(format!("http://{host}/metrics"))
        }
    }
}

async fn chat(args: Args, think: (u64, u64)) -> anyhow::Result<()> {
    let metrics_url = metrics_url(&args);
    let before = match &metrics_url {
        Some(url) => metrics::scrape(url).await.ok(),
        None => None,
    };
    let acks = match &args.acks {
        Some(path) => Some(Acks::create(path)?),
        None => None,
    };
    let tally = Arc::new(Tally::new(acks));
    let ramp = Duration::from_micros(1_000_000 / args.ramp.max(1));
    let ramp_total = ramp * u32::try_from(args.shoppers).unwrap_or(u32::MAX);
    let started = Instant::now();
    let plan = Arc::new(Plan {
        url: args.url.clone(),
        think,
        script: args.script,
        returning: args.returning,
        measure_from: started + ramp_total,
        deadline: started + ramp_total + Duration::from_secs(args.seconds),
        seed: args.seed,
    });
    // CPU time over exactly the measured window, sampled beside the shoppers.
    let (from, until, pid) = (plan.measure_from, plan.deadline, args.server_pid);
    let cpu = tokio::spawn(async move {
        tokio::time::sleep_until(from.into()).await;
        let first = cpu::Sample::now(pid);
        tokio::time::sleep_until(until.into()).await;
        first.cores_until(&cpu::Sample::now(pid))
    });
    let mut tasks = Vec::with_capacity(args.shoppers);
    for i in 0..args.shoppers {
        let (plan, tally) = (Arc::clone(&plan), Arc::clone(&tally));
        tasks.push(tokio::spawn(async move { shopper::run(&plan, i, &tally).await }));
        tokio::time::sleep(ramp).await;
    }
    for task in tasks {
        let _ = task.await;
    }
    let measured = plan.deadline.saturating_duration_since(plan.measure_from);
    let server = match (&metrics_url, before) {
        (Some(url), Some(before)) => metrics::scrape(url).await.ok().map(|after| after.since(&before)),
        _ => None,
    };
    let cores = cpu.await.unwrap_or((None, None));
    let report = tally.report(&args, think, measured, server, cores);
    print!("{}", report.text());
    if args.json {
        println!("{}", report.json());
    }
    Ok(())
}
