//! The adapter's metrics: calls by outcome, latency, tokens and fallbacks, per purpose
//! (`understand` or `phrase`). Registered into the server's registry by the server.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct CallLabel {
    pub purpose: &'static str,
    pub outcome: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct PurposeLabel {
    pub purpose: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct TokenLabel {
    pub purpose: &'static str,
    /// `prompt` or `completion`.
    pub kind: &'static str,
}

/// Cheap to update from any task (atomics); clones share the same series.
#[derive(Clone)]
pub struct LlmMetrics {
    /// Calls by purpose and outcome (`ok`, or why the rules' or template's answer was used).
    pub calls: Family<CallLabel, Counter>,
    pub seconds: Family<PurposeLabel, Histogram>,
    pub tokens: Family<TokenLabel, Counter>,
    pub breaker_open: Gauge,
}

impl LlmMetrics {
    pub fn new() -> LlmMetrics {
        LlmMetrics {
            calls: Family::default(),
            seconds: Family::new_with_constructor(|| Histogram::new(exponential_buckets(0.005, 2.0, 14))),
            tokens: Family::default(),
            breaker_open: Gauge::default(),
        }
    }

    /// Adds the series to `registry` (prefixed by it) as `llm_*`.
    pub fn register(&self, registry: &mut Registry) {
        let llm = registry.sub_registry_with_prefix("llm");
        llm.register("calls", "Language-model calls by purpose and outcome", self.calls.clone());
        llm.register("call_seconds", "Language-model call latency by purpose", self.seconds.clone());
        llm.register("tokens", "Tokens used by purpose and kind", self.tokens.clone());
        llm.register("breaker_open", "1 while the circuit breaker refuses calls", self.breaker_open.clone());
    }

    pub(crate) fn outcome(&self, purpose: &'static str, outcome: &'static str) {
        self.calls.get_or_create(&CallLabel { purpose, outcome }).inc();
    }

    /// Counts (and logs) the tokens one call used, as the server reported them.
    pub(crate) fn usage(&self, purpose: &'static str, usage: super::Usage) {
        tracing::info!(
            purpose,
            prompt_tokens = usage.prompt,
            completion_tokens = usage.completion,
            "model tokens used"
        );
        self.tokens.get_or_create(&TokenLabel { purpose, kind: "prompt" }).inc_by(usage.prompt);
        self.tokens.get_or_create(&TokenLabel { purpose, kind: "completion" }).inc_by(usage.completion);
    }
}

impl Default for LlmMetrics {
    fn default() -> LlmMetrics {
        LlmMetrics::new()
    }
}
