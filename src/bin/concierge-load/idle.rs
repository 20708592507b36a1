//! Idle mode: open and greet N connections, hold them, and report the server's resident memory
//! per connection (from `/proc/<pid>/status`, before the first and after the last).

use std::time::{Duration, Instant};

use futures_util::SinkExt;
use tokio_tungstenite::tungstenite::Message;

use crate::Args;
use crate::shopper::next_frame;

/// The resident set size of a process in KiB (`VmRSS`), on Linux.
fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

pub async fn run(args: &Args) -> anyhow::Result<()> {
    let before = args.server_pid.and_then(rss_kib);
    let started = Instant::now();
    let ramp = Duration::from_micros(1_000_000 / args.ramp.max(1));
    let mut tasks = Vec::with_capacity(args.shoppers);
    for _ in 0..args.shoppers {
        let url = args.url.clone();
        tasks.push(tokio::spawn(async move {
            let (mut socket, _) = tokio_tungstenite::connect_async_with_config(url.as_str(), None, true)
                .await
                .map_err(|e| format!("connect: {e}"))?;
            let hello = r#"{"type":"hello","shopper":null,"session":null,"context":{"page":"home"}}"#;
            socket.send(Message::Text(hello.into())).await.map_err(|_| "send".to_string())?;
            let first = next_frame(&mut socket).await?;
            if first.get("type").and_then(|t| t.as_str()) == Some("welcome") {
                next_frame(&mut socket).await?;
            }
            Ok::<_, String>(socket)
        }));
        tokio::time::sleep(ramp).await;
    }
    let mut sockets = Vec::with_capacity(args.shoppers);
    let mut errors = std::collections::BTreeMap::<String, usize>::new();
    for task in tasks {
        match task.await {
            Ok(Ok(socket)) => sockets.push(socket),
            Ok(Err(kind)) => *errors.entry(kind.split(':').next().unwrap_or("?").to_string()).or_default() += 1,
            Err(_) => *errors.entry("task".into()).or_default() += 1,
        }
    }
    println!(
        "idle connections open: {} of {} in {:.1} s",
        sockets.len(),
        args.shoppers,
        started.elapsed().as_secs_f64()
    );
    tokio::time::sleep(Duration::from_secs(args.seconds)).await;
    let after = args.server_pid.and_then(rss_kib);
    if let (Some(before), Some(after)) = (before, after) {
        let per = (after.saturating_sub(before)) as f64 / sockets.len().max(1) as f64;
        println!("server RSS: {before} KiB before, {after} KiB holding them: {per:.1} KiB per connection");
        if args.json {
            println!(
                "{}",
                serde_json::json!({"open": sockets.len(), "rss_before_kib": before, "rss_after_kib": after, "kib_per_connection": per, "errors": errors})
            );
        }
    }
    println!("errors: {} {errors:?}", errors.values().sum::<usize>());
    for mut socket in sockets {
        let _ = socket.close(None).await;
    }
    Ok(())
}
