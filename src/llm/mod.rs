//! The optional language-model adapter: better understanding and phrasing, never required.
//!
//! With no model configured nothing here runs and the assistant works from rules and templates.
//! With one, the adapter can only do two things, and both are checked:
//!
//! - [`understand`]: ask for the message's slots as structured output (a JSON schema generated
//!   from [`understand::ModelSlots`]), validate the answer against the schema, the shopper's
//!   own words and the lexicon, and merge it with the rules' reading by a fixed policy;
//! - [`phrase`]: reword the template reply in the shop's voice, streamed a sentence at a time;
//!   a sentence that names a product, price, number or claim the ranker did not return stops
//!   the stream, and the template reply is sent instead.
//!
//! Everything else is resilience: a per-call timeout ([`adapter`]), a circuit breaker
//! ([`breaker`]) that stops calling a failing endpoint for a while, a token budget
//! ([`tokens`]) that fits prompts to the model's context by dropping the oldest history first,
//! and metrics ([`metrics`]). The model itself is behind the [`LanguageModel`] trait: the real
//! OpenAI-compatible client ([`openai`]) in production, a scripted one in unit tests.

pub mod adapter;
pub(crate) mod breaker;
pub(crate) mod budget;
pub(crate) mod metrics;
pub mod openai;
pub mod phrase;
pub mod understand;

use futures_util::future::BoxFuture;
use futures_util::stream::BoxStream;

pub use adapter::{Llm, LlmSettings};
pub use metrics::LlmMetrics;

/// Who said a message in a prompt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    System,
    User,
    Assistant,
}

/// One message of a prompt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub role: Role,
    pub content: String,
}

impl Message {
    pub fn new(role: Role, content: impl Into<String>) -> Message {
        Message { role, content: content.into() }
    }
}

/// One call to the model.
#[derive(Debug, Clone)]
pub struct Request {
    pub messages: Vec<Message>,
    /// Structured output: the schema's name and the JSON schema the answer must follow.
    pub schema: Option<(String, serde_json::Value)>,
    pub max_tokens: u32,
}

/// Tokens a call used, as the server reported them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    pub prompt: u64,
    pub completion: u64,
}

/// A whole answer.
#[derive(Debug, Clone, Default)]
pub struct Completion {
    pub text: String,
    pub usage: Option<Usage>,
}

/// A piece of a streamed answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Chunk {
    Text(String),
    /// Sent once, at the end, by servers that report usage for streams.
    Usage(Usage),
}

#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum LlmError {
    #[error("the model endpoint failed: {0}")]
    Endpoint(String),
    #[error("the model did not answer within {0} ms")]
    Timeout(u64),
    #[error("the model's answer was not usable: {0}")]
    Invalid(String),
    #[error("the model is not called for a while after repeated failures")]
    BreakerOpen,
    #[error("the prompt does not fit the model's context budget")]
    OverBudget,
}

impl LlmError {
    /// A short stable label for metrics.
    pub fn label(&self) -> &'static str {
        match self {
            LlmError::Endpoint(_) => "endpoint",
            LlmError::Timeout(_) => "timeout",
            LlmError::Invalid(_) => "invalid",
            LlmError::BreakerOpen => "breaker_open",
            LlmError::OverBudget => "over_budget",
        }
    }
}

/// The seam to a language model: the real OpenAI-compatible client, or a scripted one in
/// tests. Implementations do not time out or retry on their own; the adapter does both.
pub trait LanguageModel: Send + Sync {
    /// The model's whole answer to `request`.
    fn complete(&self, request: Request) -> BoxFuture<'_, Result<Completion, LlmError>>;

    /// The model's answer to `request`, as it is generated.
    fn stream(&self, request: Request) -> BoxFuture<'_, Result<BoxStream<'static, Result<Chunk, LlmError>>, LlmError>>;
}
