//! One simulated shopper: one connection, conversation after conversation until the deadline.
//! Each conversation opens with a `hello` (with an earlier shopper's token for a returning
//! shopper), then its messages, each after a think time. A turn is timed from the frame sent to
//! the answering frame (`reply`, `handover` or `error`; the echo server's echo counts too).

use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use crate::script::{self, Kind, Line};
use crate::tally::Tally;

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// What every shopper shares.
pub struct Plan {
    pub url: String,
    pub think: (u64, u64),
    pub script: Kind,
    pub returning: f64,
    /// Turns before this (the ramp-up) are not timed.
    pub measure_from: Instant,
    pub deadline: Instant,
    pub seed: u64,
}

/// Runs shopper `i` until the deadline; a failure is counted by kind and ends the shopper.
pub async fn run(plan: &Plan, i: usize, tally: &Tally) {
    if let Err(kind) = converse(plan, i, tally).await {
        tally.error(&kind);
    }
}

async fn converse(plan: &Plan, i: usize, tally: &Tally) -> Result<(), String> {
    let mut rng = StdRng::seed_from_u64(plan.seed.wrapping_mul(1_000_003).wrapping_add(i as u64));
    let (mut socket, _) = tokio_tungstenite::connect_async_with_config(plan.url.as_str(), None, true)
        .await
        .map_err(|e| format!("connect: {}", first_words(&e.to_string())))?;
    let mut budget_start = 10;
    while Instant::now() < plan.deadline {
        let token =
            if rng.random_bool(plan.returning.clamp(0.0, 1.0)) { tally.returning_token(&mut rng) } else { None };
        let hello = json!({"type":"hello","shopper":token,"session":null,"context":{"page":"home","device":"mobile"}});
        let Some(greeting) = turn(plan, &mut socket, hello, tally).await? else { continue };
        // The echo server sends no welcome: its shoppers have no token.
        let mut shopper = greeting.get("shopper").and_then(Value::as_str).map(str::to_string);
        if let Some(token) = &shopper {
            tally.remember_token(token);
        }
        let lines = match plan.script {
            Kind::Mix => script::conversation(&mut rng),
            Kind::Budgets => {
                budget_start += 10;
                script::budgets(budget_start - 10, 10)
            }
        };
        for (n, Line { text, budget_max }) in lines.into_iter().enumerate() {
            think(plan, &mut rng).await;
            if Instant::now() >= plan.deadline {
                break;
            }
            let Some(reply) = turn(plan, &mut socket, json!({"type":"say","text":text}), tally).await? else {
                continue;
            };
            if let Some(token) = reply.get("shopper").and_then(Value::as_str) {
                shopper = Some(token.to_string());
            }
            if let (Some(token), Some(stated), Some(max)) =
                (&shopper, budget_max, reply.pointer("/slots/budget/max").and_then(Value::as_f64))
                && (max - f64::from(stated)).abs() < 0.001
            {
                tally.ack(token, stated, n);
            }
        }
    }
    let _ = socket.close(None).await;
    Ok(())
}

async fn think(plan: &Plan, rng: &mut StdRng) {
    let (lo, hi) = plan.think;
    if hi > 0 {
        tokio::time::sleep(Duration::from_millis(rng.random_range(lo..=hi))).await;
    }
}

/// Sends one frame and waits for its answer. `Ok(Some(frame))`: the answer, carrying the
/// shopper token as `shopper` when a `welcome` came first; `Ok(None)`: an error frame (counted).
async fn turn(plan: &Plan, socket: &mut Socket, frame: Value, tally: &Tally) -> Result<Option<Value>, String> {
    let sent = Instant::now();
    socket.send(Message::Text(frame.to_string().into())).await.map_err(|_| "send failed".to_string())?;
    let mut shopper = None;
    loop {
        let answer = next_frame(socket).await?;
        match answer.get("type").and_then(Value::as_str).unwrap_or("") {
            "welcome" => shopper = answer.get("shopper").and_then(Value::as_str).map(str::to_string),
            "reply_delta" => {}
            "error" => {
                let code = answer.get("code").and_then(Value::as_str).unwrap_or("?");
                tally.error(&format!("error frame: {code}"));
                return Ok(None);
            }
            _ => {
                if sent >= plan.measure_from {
                    tally.latency(sent.elapsed());
                }
                let mut answer = answer;
                if let (Some(token), Some(object)) = (shopper, answer.as_object_mut()) {
                    object.insert("shopper".into(), Value::String(token));
                }
                return Ok(Some(answer));
            }
        }
    }
}

/// The next text frame as JSON; a frame that is not JSON counts as an echo (`{}`).
pub async fn next_frame(socket: &mut Socket) -> Result<Value, String> {
    loop {
        let message = tokio::time::timeout(Duration::from_secs(30), socket.next())
            .await
            .map_err(|_| "timeout (30 s)".to_string())?
            .ok_or("closed by server")?
            .map_err(|e| format!("read: {}", first_words(&e.to_string())))?;
        match message {
            Message::Text(text) => return Ok(serde_json::from_str(&text).unwrap_or(Value::Null)),
            Message::Close(frame) => {
                return Err(format!("closed by server: {}", frame.map(|f| f.code.to_string()).unwrap_or_default()));
            }
            _ => {}
        }
    }
}

/// An error message's first few words, so errors group by kind rather than by detail.
fn first_words(text: &str) -> String {
    text.split_whitespace().take(4).collect::<Vec<_>>().join(" ")
}
