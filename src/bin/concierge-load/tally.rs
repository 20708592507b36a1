//! What a run measured: turn latencies, errors by kind, tokens of shoppers who may return,
//! acknowledged budgets; and the report printed at the end.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{LineWriter, Write};
use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

use rand::Rng;
use rand::rngs::StdRng;
use serde_json::json;

use crate::Args;
use crate::metrics::ServerTurns;

/// Tokens kept for returning shoppers; older ones are overwritten.
const TOKENS: usize = 10_000;

/// Acknowledged budgets, one JSON line each, written as they happen (a crash of the server
/// under test loses none of them).
pub struct Acks(Mutex<LineWriter<File>>);

impl Acks {
    pub fn create(path: &Path) -> std::io::Result<Acks> {
        Ok(Acks(Mutex::new(LineWriter::new(File::create(path)?))))
    }
}

pub struct Tally {
    micros: Mutex<Vec<u32>>,
    errors: Mutex<BTreeMap<String, u64>>,
    tokens: Mutex<(Vec<String>, usize)>,
    acks: Option<Acks>,
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

impl Tally {
    pub fn new(acks: Option<Acks>) -> Tally {
        Tally {
            micros: Mutex::new(Vec::new()),
            errors: Mutex::new(BTreeMap::new()),
            tokens: Mutex::new((Vec::new(), 0)),
            acks,
        }
    }

    pub fn latency(&self, took: Duration) {
        lock(&self.micros).push(u32::try_from(took.as_micros()).unwrap_or(u32::MAX));
    }

    pub fn error(&self, kind: &str) {
        *lock(&self.errors).entry(kind.to_string()).or_default() += 1;
    }

    pub fn remember_token(&self, token: &str) {
        let mut tokens = lock(&self.tokens);
        let (list, next) = &mut *tokens;
        if list.len() < TOKENS {
            list.push(token.to_string());
        } else {
            list[*next % TOKENS] = token.to_string();
            *next += 1;
        }
    }

    /// A token from an earlier `welcome`, if any shopper has been greeted yet.
    pub fn returning_token(&self, rng: &mut StdRng) -> Option<String> {
        let tokens = lock(&self.tokens);
        if tokens.0.is_empty() {
            return None;
        }
        tokens.0.get(rng.random_range(0..tokens.0.len())).cloned()
    }

    pub fn ack(&self, shopper: &str, max: u32, turn: usize) {
        if let Some(Acks(file)) = &self.acks {
            let line = json!({"shopper": shopper, "max": max, "turn": turn});
            if writeln!(lock(file), "{line}").is_err() {
                self.error("acks file write failed");
            }
        }
    }

    pub fn report(
        &self,
        args: &Args,
        think: (u64, u64),
        measured: Duration,
        server: Option<ServerTurns>,
        cores: (Option<f64>, Option<f64>),
    ) -> Report {
        let mut micros = std::mem::take(&mut *lock(&self.micros));
        micros.sort_unstable();
        let at = |q: f64| {
            let i = ((micros.len().max(1) - 1) as f64 * q).round() as usize;
            f64::from(micros.get(i).copied().unwrap_or(0)) / 1e3
        };
        Report {
            shoppers: args.shoppers,
            think,
            seconds: measured.as_secs_f64(),
            turns: micros.len(),
            per_second: micros.len() as f64 / measured.as_secs_f64().max(0.001),
            p50: at(0.5),
            p95: at(0.95),
            p99: at(0.99),
            max: at(1.0),
            errors: std::mem::take(&mut *lock(&self.errors)),
            server,
            cores,
        }
    }
}

/// A run's figures; latencies in milliseconds.
pub struct Report {
    shoppers: usize,
    think: (u64, u64),
    seconds: f64,
    turns: usize,
    per_second: f64,
    p50: f64,
    p95: f64,
    p99: f64,
    max: f64,
    errors: BTreeMap<String, u64>,
    server: Option<ServerTurns>,
    /// Cores busy over the window: the server's (with `--server-pid`) and the generator's.
    cores: (Option<f64>, Option<f64>),
}

impl Report {
    pub fn text(&self) -> String {
        let errors: u64 = self.errors.values().sum();
        let mut out = format!(
            "shoppers: {}, think time {}-{} ms, measured {:.0} s\nturns: {} ({:.0} per second)\n\
             client latency: p50 {:.2} ms, p95 {:.2} ms, p99 {:.2} ms, max {:.2} ms\nerrors: {errors} {:?}\n",
            self.shoppers,
            self.think.0,
            self.think.1,
            self.seconds,
            self.turns,
            self.per_second,
            self.p50,
            self.p95,
            self.p99,
            self.max,
            self.errors
        );
        let per_turn = |cores: f64| cores * 1e6 / self.per_second.max(0.001);
        let shares: Vec<String> = [("server", self.cores.0), ("generator", self.cores.1)]
            .into_iter()
            .filter_map(|(who, cores)| Some(format!("{who} {:.2} cores ({:.0} µs per turn)", cores?, per_turn(cores?))))
            .collect();
        if !shares.is_empty() {
            out += &format!("cpu: {}\n", shares.join(", "));
        }
        if let Some(s) = &self.server {
            out += &format!(
                "server turn latency ({} turns): p50 {:.2} ms, p95 {:.2} ms, p99 {:.2} ms (histogram buckets, ±12%)\n",
                s.turns, s.p50, s.p95, s.p99
            );
        }
        out
    }

    pub fn json(&self) -> String {
        let server = self.server.as_ref().map(|s| json!({"turns": s.turns, "p50": s.p50, "p95": s.p95, "p99": s.p99}));
        json!({
            "shoppers": self.shoppers, "think_ms": [self.think.0, self.think.1], "seconds": self.seconds,
            "turns": self.turns, "turns_per_second": self.per_second,
            "p50_ms": self.p50, "p95_ms": self.p95, "p99_ms": self.p99, "max_ms": self.max,
            "errors": self.errors, "server": server,
            "server_cores": self.cores.0, "generator_cores": self.cores.1,
        })
        .to_string()
    }
}
