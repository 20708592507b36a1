//! Logs an operator can use: a line per HTTP request and per closed chat connection, within a
//! budget of lines per second (the rest are counted and the count is written, as
//! `suppressed=N`, with the next line and the summary), and a periodic summary line
//! (connections, turns per second, requests, errors, refusals by limit).
//!
//! No line carries what a shopper wrote or a token: requests are logged by method, path
//! (without its query) and status; connections by duration, turns and why they closed.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;

use super::metrics::Tally;
use super::state::AppState;

/// At most `per_second` lines in any one-second window; the others are counted.
#[derive(Debug)]
pub(crate) struct LineBudget {
    per_second: u32,
    window: Mutex<(Instant, u32)>,
    /// Lines dropped since the last line written.
    pending: AtomicU64,
    /// Lines dropped since the server started.
    total: AtomicU64,
}

impl LineBudget {
    pub(crate) fn new(per_second: u32) -> LineBudget {
        LineBudget {
            per_second,
            window: Mutex::new((Instant::now(), 0)),
            pending: AtomicU64::new(0),
            total: AtomicU64::new(0),
        }
    }

    /// `Some(n)` when a line may be written now, `n` being the lines suppressed since the last
    /// one written (to say so on this line); `None` when this one is suppressed.
    pub(crate) fn admit(&self, now: Instant) -> Option<u64> {
        let Ok(mut window) = self.window.lock() else { return None };
        if now.duration_since(window.0) >= Duration::from_secs(1) {
            *window = (now, 0);
        }
        if window.1 < self.per_second {
            window.1 += 1;
            Some(self.pending.swap(0, Ordering::Relaxed))
        } else {
            self.pending.fetch_add(1, Ordering::Relaxed);
            self.total.fetch_add(1, Ordering::Relaxed);
            None
        }
    }

    /// Lines suppressed since the server started.
    pub(crate) fn suppressed(&self) -> u64 {
        self.total.load(Ordering::Relaxed)
    }
}

/// Middleware: one line per HTTP request (method, path without query, status, milliseconds).
pub(crate) async fn request_line(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    // The path only: a query could carry anything, and the chat's frames are not requests.
    let path: String = request.uri().path().chars().take(200).collect();
    let response = next.run(request).await;
    state.metrics.requests.inc();
    if let Some(suppressed) = state.metrics.lines.admit(Instant::now()) {
        tracing::info!(
            %method,
            path = ?path,
            status = response.status().as_u16(),
            ms = started.elapsed().as_secs_f64() * 1e3,
            suppressed,
            "request"
        );
    }
    response
}

/// One line per closed chat connection: how long it lasted, turns answered (the greeting
/// included), and why it ended (`peer`, `idle`, `hello_timeout`, `too_big`, `shutdown`).
pub(crate) fn connection_closed(state: &AppState, lasted: Duration, turns: u64, reason: &'static str) {
    if let Some(suppressed) = state.metrics.lines.admit(Instant::now()) {
        tracing::info!(seconds = lasted.as_secs_f64(), turns, reason, suppressed, "connection closed");
    }
}

/// What the previous summary saw, to report the change since.
#[derive(Default)]
struct Seen {
    turns: u64,
    requests: u64,
    suppressed: u64,
    tally: Tally,
}

/// Logs a summary line every `every` while anything happens (quiet when idle).
pub(crate) fn spawn_summary(state: AppState, every: Duration) -> Option<tokio::task::JoinHandle<()>> {
    if every.is_zero() {
        return None;
    }
    Some(tokio::spawn(async move {
        let mut ticker = tokio::time::interval(every);
        ticker.tick().await; // the first tick is immediate
        let mut seen = Seen::default();
        loop {
            ticker.tick().await;
            summarise(&state, every, &mut seen);
        }
    }))
}

fn summarise(state: &AppState, every: Duration, seen: &mut Seen) {
    let metrics = &state.metrics;
    let (turns, requests, suppressed, tally) =
        (metrics.turns.get(), metrics.requests.get(), metrics.lines.suppressed(), metrics.tally());
    let connections = metrics.connections.get();
    let refusals: Vec<String> = tally
        .refusals
        .iter()
        .filter_map(|(limit, n)| {
            let new = n - seen.tally.refusals.get(limit).copied().unwrap_or(0);
            (new > 0).then(|| format!("{limit}={new}"))
        })
        .collect();
    let errors = tally.errors - seen.tally.errors;
    let (new_turns, new_requests) = (turns - seen.turns, requests - seen.requests);
    if connections > 0 || new_turns > 0 || new_requests > 0 || errors > 0 || !refusals.is_empty() {
        tracing::info!(
            connections,
            turns = new_turns,
            turns_per_second = format!("{:.2}", new_turns as f64 / every.as_secs_f64()),
            requests = new_requests,
            errors,
            refusals = refusals.join(","),
            suppressed = suppressed - seen.suppressed,
            "summary of the last {} s",
            every.as_secs()
        );
    }
    *seen = Seen { turns, requests, suppressed, tally };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_over_the_budget_are_counted_and_reported_with_the_next_line() {
        let budget = LineBudget::new(2);
        let start = Instant::now();
        assert_eq!(budget.admit(start), Some(0));
        assert_eq!(budget.admit(start), Some(0));
        assert_eq!(budget.admit(start), None);
        assert_eq!(budget.admit(start + Duration::from_millis(900)), None);
        assert_eq!(budget.suppressed(), 2);
        assert_eq!(budget.admit(start + Duration::from_secs(1)), Some(2), "the next window says what was dropped");
        assert_eq!(budget.admit(start + Duration::from_secs(1)), Some(0));
        assert_eq!(budget.suppressed(), 2);
    }
}
