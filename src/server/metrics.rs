//! Prometheus metrics: connections, turns, turn latency, errors by code, refusals by limit,
//! store flush latency, and the language model's calls, latency and tokens (`llm_*`). Served
//! as text at `GET /metrics`.
//!
//! Turn latency is exported twice: `concierge_turn_seconds` with a short, readable set of
//! buckets (0.25 ms to 1 s) for dashboards, and `concierge_turn_seconds_fine` with buckets
//! 1.25x apart, which the load generator reads for server-side quantiles within ±12 %.

use std::collections::BTreeMap;
use std::sync::Mutex;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};

use super::logs::LineBudget;

/// The readable turn-latency buckets, in seconds.
pub const TURN_BUCKETS: [f64; 11] = [0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0];
use prometheus_client::registry::Registry;

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct CodeLabel {
    pub code: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct LimitLabel {
    pub limit: String,
}

/// Every metric the server exports. Cheap to update from any task (atomics).
pub struct Metrics {
    registry: Registry,
    pub connections: Gauge,
    pub turns: Counter,
    pub turn_seconds: TurnLatency,
    pub errors: Family<CodeLabel, Counter>,
    pub refusals: Family<LimitLabel, Counter>,
    pub flush_seconds: Histogram,
    pub llm: crate::llm::LlmMetrics,
    /// HTTP requests answered (every route but the chat socket's frames).
    pub requests: Counter,
    /// Totals for the log's summary line: errors, and refusals by limit.
    tally: Mutex<Tally>,
    /// The budget of request and connection log lines.
    pub(crate) lines: LineBudget,
}

/// What the summary line reports beyond the registry's own counters.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Tally {
    pub errors: u64,
    pub refusals: BTreeMap<String, u64>,
}

/// Turn latency in both histograms (see the module's note).
#[derive(Debug, Clone)]
pub struct TurnLatency {
    short: Histogram,
    fine: Histogram,
}

impl TurnLatency {
    pub fn observe(&self, seconds: f64) {
        self.short.observe(seconds);
        self.fine.observe(seconds);
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("concierge");
        let connections = Gauge::default();
        let turns = Counter::default();
        let turn_seconds = TurnLatency {
            short: Histogram::new(TURN_BUCKETS),
            fine: Histogram::new(exponential_buckets(0.000_1, 1.25, 40)),
        };
        let requests = Counter::default();
        let errors = Family::<CodeLabel, Counter>::default();
        let refusals = Family::<LimitLabel, Counter>::default();
        let flush_seconds = Histogram::new(exponential_buckets(0.000_05, 2.0, 16));
        registry.register("connections", "Open chat connections", connections.clone());
        registry.register("turns", "Shopper messages answered", turns.clone());
        registry.register("turn_seconds", "Server time to answer one message", turn_seconds.short.clone());
        registry.register(
            "turn_seconds_fine",
            "Server time to answer one message, in buckets 1.25x apart (for load tests)",
            turn_seconds.fine.clone(),
        );
        registry.register("http_requests", "HTTP requests answered", requests.clone());
        registry.register("errors", "Error frames and responses sent, by code", errors.clone());
        registry.register("refusals", "Requests refused by a limit, by limit", refusals.clone());
        registry.register("store_flush_seconds", "Time for an answer to become durable", flush_seconds.clone());
        let llm = crate::llm::LlmMetrics::new();
        llm.register(&mut registry);
        Metrics {
            registry,
            connections,
            turns,
            turn_seconds,
            errors,
            refusals,
            flush_seconds,
            llm,
            requests,
            tally: Mutex::new(Tally::default()),
            lines: LineBudget::new(20),
        }
    }

    /// Sets how many request and connection lines may be logged per second.
    pub(crate) fn with_line_budget(mut self, per_second: u32) -> Metrics {
        self.lines = LineBudget::new(per_second);
        self
    }

    pub fn error(&self, code: &str) {
        self.errors.get_or_create(&CodeLabel { code: code.to_string() }).inc();
        if let Ok(mut tally) = self.tally.lock() {
            tally.errors += 1;
        }
    }

    pub fn refused(&self, limit: &str) {
        self.refusals.get_or_create(&LimitLabel { limit: limit.to_string() }).inc();
        if let Ok(mut tally) = self.tally.lock() {
            *tally.refusals.entry(limit.to_string()).or_insert(0) += 1;
        }
    }

    /// Errors and refusals so far, for the summary line.
    pub(crate) fn tally(&self) -> Tally {
        self.tally.lock().map(|t| t.clone()).unwrap_or_default()
    }

    /// The metrics in Prometheus text format.
    pub fn render(&self) -> String {
        let mut out = String::new();
        if prometheus_client::encoding::text::encode(&mut out, &self.registry).is_err() {
            out.clear();
        }
        out
    }
}

impl Default for Metrics {
    fn default() -> Metrics {
        Metrics::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn turn_latency_has_a_short_readable_histogram_and_a_fine_one_for_load_tests() {
        let metrics = Metrics::new();
        metrics.turn_seconds.observe(0.0007);
        let text = metrics.render();
        let short: Vec<&str> = text.lines().filter(|l| l.starts_with("concierge_turn_seconds_bucket{")).collect();
        let bounds: Vec<&str> = short.iter().filter_map(|l| l.split('"').nth(1)).collect();
        assert_eq!(
            bounds,
            ["0.00025", "0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "1.0", "+Inf"]
        );
        assert!(short[2].ends_with(" 1") && short[1].ends_with(" 0"), "{short:?}");
        let fine = text.lines().filter(|l| l.starts_with("concierge_turn_seconds_fine_bucket{")).count();
        assert_eq!(fine, 41, "40 bounds 1.25x apart, and +Inf");
    }
}
