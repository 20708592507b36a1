//! Prometheus metrics: connections, turns, turn latency, errors by code, refusals by limit,
//! store flush latency, and the language model's calls, latency and tokens (`llm_*`). Served
//! as text at `GET /metrics`.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
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
    pub turn_seconds: Histogram,
    pub errors: Family<CodeLabel, Counter>,
    pub refusals: Family<LimitLabel, Counter>,
    pub flush_seconds: Histogram,
    pub llm: crate::llm::LlmMetrics,
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("concierge");
        let connections = Gauge::default();
        let turns = Counter::default();
        let turn_seconds = Histogram::new(exponential_buckets(0.000_1, 1.25, 40));
        let errors = Family::<CodeLabel, Counter>::default();
        let refusals = Family::<LimitLabel, Counter>::default();
        let flush_seconds = Histogram::new(exponential_buckets(0.000_05, 2.0, 16));
        registry.register("connections", "Open chat connections", connections.clone());
        registry.register("turns", "Shopper messages answered", turns.clone());
        registry.register("turn_seconds", "Server time to answer one message", turn_seconds.clone());
        registry.register("errors", "Error frames and responses sent, by code", errors.clone());
        registry.register("refusals", "Requests refused by a limit, by limit", refusals.clone());
        registry.register("store_flush_seconds", "Time for an answer to become durable", flush_seconds.clone());
        let llm = crate::llm::LlmMetrics::new();
        llm.register(&mut registry);
        Metrics { registry, connections, turns, turn_seconds, errors, refusals, flush_seconds, llm }
    }

    pub fn error(&self, code: &str) {
        self.errors.get_or_create(&CodeLabel { code: code.to_string() }).inc();
    }

    pub fn refused(&self, limit: &str) {
        self.refusals.get_or_create(&LimitLabel { limit: limit.to_string() }).inc();
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
