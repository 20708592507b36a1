//! The adapter the chat calls: a model behind a breaker, a timeout and a token budget, whose
//! every answer is checked and whose every failure falls back to the rules or the template.
//!
//! Nothing here returns an error to the caller: a failed understanding is the rules' reading,
//! a failed phrasing is `None` (send the template reply). Each outcome is counted.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::StreamExt;

use super::budget::TokenCounter;
use super::phrase::{Brief, Checker, MAX_REPLY, Sentences};
use super::understand::{self, Vocabulary};
use super::{Chunk, LanguageModel, LlmError, LlmMetrics, Message, Request, Role};
use crate::config::LlmConfig;
use crate::prompts::ModelPrompts;
use crate::slots::SlotName;
use crate::understand::Understanding;

/// How the adapter uses the model (from `[llm]` in the configuration).
#[derive(Debug, Clone)]
pub struct LlmSettings {
    /// The model's name, as the endpoint knows it (and as the privacy text names it).
    pub model: String,
    pub understand: bool,
    pub phrase: bool,
    pub understand_timeout: Duration,
    pub phrase_timeout: Duration,
    /// The model's context window, in tokens.
    pub context_tokens: usize,
    /// The most tokens an answer may take (kept free in the context).
    pub max_reply_tokens: u32,
    /// Whether what shoppers told us on earlier visits may be sent to the model.
    pub share_profile: bool,
    pub breaker_failures: u32,
    pub breaker_cooldown: Duration,
    /// A tiktoken encoding name, when the model's own is known to be one.
    pub encoding: Option<String>,
}

impl LlmSettings {
    /// The settings for a configured model; `None` when no model is configured.
    pub fn from_config(config: &LlmConfig) -> Option<LlmSettings> {
        let model = config.model.clone().filter(|m| !m.is_empty())?;
        config.base_url.as_ref().filter(|u| !u.is_empty())?;
        Some(LlmSettings {
            model,
            understand: config.understand,
            phrase: config.phrase,
            understand_timeout: Duration::from_millis(config.understand_timeout_ms),
            phrase_timeout: Duration::from_millis(config.phrase_timeout_ms),
            context_tokens: config.context_tokens,
            max_reply_tokens: config.max_reply_tokens,
            share_profile: config.share_profile,
            breaker_failures: config.breaker_failures,
            breaker_cooldown: Duration::from_secs(config.breaker_cooldown_secs),
            encoding: config.encoding.clone(),
        })
    }
}

/// A configured model, shared by every conversation.
pub struct Llm {
    model: Arc<dyn LanguageModel>,
    settings: LlmSettings,
    breaker: super::breaker::Breaker,
    counter: TokenCounter,
    /// The understanding schema, generated once rather than on every call.
    schema: serde_json::Value,
    metrics: LlmMetrics,
}

/// Where a phrased reply's sentences go as they pass their checks (`false`: the peer is gone).
pub trait Emit {
    fn emit(&mut self, sentence: String) -> impl Future<Output = bool> + Send;
}

impl Llm {
    /// The adapter around `model`; an error when the token encoding named in the settings is
    /// unknown.
    pub fn new(model: Arc<dyn LanguageModel>, settings: LlmSettings, metrics: LlmMetrics) -> Result<Llm, String> {
        let counter = TokenCounter::for_model(&settings.model, settings.encoding.as_deref())?;
        let breaker = super::breaker::Breaker::new(settings.breaker_failures, settings.breaker_cooldown);
        Ok(Llm { model, settings, breaker, counter, schema: understand::schema(), metrics })
    }

    pub fn settings(&self) -> &LlmSettings {
        &self.settings
    }

    /// The tiktoken encoding prompts are counted with.
    pub fn encoding(&self) -> &'static str {
        self.counter.encoding()
    }

    /// Whether a message is worth the model's time: typed (not a quick reply), and the rules
    /// left words they could not place, or understood nothing at all.
    pub fn wants_to_understand(&self, rules: &Understanding, quick_reply: bool) -> bool {
        let understood_nothing = rules.slots == Default::default() && rules.acts.is_empty();
        self.settings.understand && !quick_reply && (!rules.keywords.is_empty() || understood_nothing)
    }

    /// The rules' reading of `text` improved by the model's (see [`understand::merge`]); the
    /// rules' reading alone when the model fails, is late, or answers nonsense.
    pub async fn understand(
        &self,
        prompts: &ModelPrompts,
        vocab: &Vocabulary<'_>,
        text: &str,
        asking: Option<SlotName>,
        rules: Understanding,
    ) -> Understanding {
        let mut system = prompts.understand.clone();
        if let Some(slot) = asking {
            system.push_str(&format!("\nThe assistant has just asked about: {slot}."));
        }
        // The shopper's words go in as a quoted string: data to read, not instructions.
        let said = Message::new(Role::User, format!("Shopper's message: {}", serde_json::json!(text)));
        let budget = self.budget();
        let Ok((messages, tokens)) = self.counter.fit(vec![Message::new(Role::System, system)], &[], said, budget)
        else {
            self.metrics.outcome("understand", "over_budget");
            return rules;
        };
        tracing::debug!(purpose = "understand", estimated_prompt_tokens = tokens, "calling the model");
        let request = Request {
            messages,
            schema: Some(("shopper_message_slots".into(), self.schema.clone())),
            max_tokens: self.settings.max_reply_tokens,
        };
        let answer = self.call("understand", self.settings.understand_timeout, || self.model.complete(request)).await;
        let parsed = answer.and_then(|c| {
            if let Some(usage) = c.usage {
                self.metrics.usage("understand", usage);
            }
            understand::parse(&c.text).map_err(LlmError::Invalid)
        });
        match parsed {
            Ok(slots) => {
                self.metrics.outcome("understand", "ok");
                understand::merge(text, rules, slots, vocab)
            }
            Err(error) => {
                self.fallback("understand", &error);
                rules
            }
        }
    }

    /// The brief's draft reworded by the model, each sentence passed to `emit` once it passes
    /// its checks. `None` means: send the template reply (the model failed, was late, or wrote
    /// something the facts do not back); sentences already emitted were only a draft.
    pub async fn phrase(
        &self,
        prompts: &ModelPrompts,
        brief: &Brief,
        history: &[Message],
        shopper_said: &str,
        emit: &mut impl Emit,
    ) -> Option<String> {
        if !self.settings.phrase || brief.draft.trim().is_empty() {
            return None;
        }
        let system = Message::new(Role::System, format!("{}\n\nVoice: {}", prompts.phrase, prompts.voice));
        let Ok((messages, tokens)) = self.counter.fit(vec![system], history, brief.prompt(), self.budget()) else {
            self.metrics.outcome("phrase", "over_budget");
            return None;
        };
        tracing::debug!(
            purpose = "phrase",
            estimated_prompt_tokens = tokens,
            history = messages.len() - 2,
            "calling the model"
        );
        let request = Request { messages, schema: None, max_tokens: self.settings.max_reply_tokens };
        let checker = Checker::new(brief, shopper_said, &prompts.claims);
        let started = Instant::now();
        let streamed = tokio::time::timeout(self.settings.phrase_timeout, async {
            if !self.breaker.allow(Instant::now()) {
                return Err(LlmError::BreakerOpen);
            }
            let mut stream = self.model.stream(request).await?;
            let (mut sentences, mut text) = (Sentences::default(), String::new());
            loop {
                let next = stream.next().await;
                let done = next.is_none();
                let pieces = match next {
                    Some(Ok(Chunk::Text(piece))) => sentences.push(&piece),
                    Some(Ok(Chunk::Usage(usage))) => {
                        self.metrics.usage("phrase", usage);
                        continue;
                    }
                    Some(Err(error)) => return Err(error),
                    None => sentences.finish().into_iter().collect(),
                };
                for sentence in pieces {
                    checker.check(&sentence).map_err(unbacked)?;
                    text.push_str(&sentence);
                    if text.len() > MAX_REPLY {
                        return Err(unbacked("a reply too long".into()));
                    }
                    if !emit.emit(sentence).await {
                        return Err(LlmError::Invalid("the shopper left".into()));
                    }
                }
                if done {
                    return Ok(text.trim().to_string());
                }
            }
        })
        .await
        .unwrap_or(Err(LlmError::Timeout(self.settings.phrase_timeout.as_millis() as u64)));
        self.observe("phrase", started);
        match streamed {
            Ok(text) if !text.is_empty() => {
                self.breaker.success();
                self.metrics.outcome("phrase", "ok");
                Some(text)
            }
            Ok(_) => {
                self.breaker.success();
                self.fallback("phrase", &LlmError::Invalid("an empty reply".into()));
                None
            }
            Err(error) => {
                // A sentence the facts do not back is the model's content, not the endpoint's
                // health: it does not count toward opening the breaker.
                match &error {
                    LlmError::Invalid(_) => self.breaker.success(),
                    LlmError::BreakerOpen => {}
                    _ => self.breaker.failure(Instant::now()),
                }
                self.fallback("phrase", &error);
                None
            }
        }
    }

    /// Runs one non-streamed call under the breaker and the deadline.
    async fn call<T, F: Future<Output = Result<T, LlmError>>>(
        &self,
        purpose: &'static str,
        deadline: Duration,
        call: impl FnOnce() -> F,
    ) -> Result<T, LlmError> {
        if !self.breaker.allow(Instant::now()) {
            self.metrics.breaker_open.set(1);
            return Err(LlmError::BreakerOpen);
        }
        let started = Instant::now();
        let result =
            tokio::time::timeout(deadline, call()).await.unwrap_or(Err(LlmError::Timeout(deadline.as_millis() as u64)));
        self.observe(purpose, started);
        match &result {
            // A nonsense answer still came from a working endpoint.
            Ok(_) | Err(LlmError::Invalid(_)) => self.breaker.success(),
            Err(_) => self.breaker.failure(Instant::now()),
        }
        result
    }

    fn observe(&self, purpose: &'static str, started: Instant) {
        let label = super::metrics::PurposeLabel { purpose };
        self.metrics.seconds.get_or_create(&label).observe(started.elapsed().as_secs_f64());
        self.metrics.breaker_open.set(i64::from(self.breaker.is_open()));
    }

    fn fallback(&self, purpose: &'static str, error: &LlmError) {
        self.metrics.outcome(purpose, error.label());
        tracing::info!(purpose, %error, "language model not used for this turn");
    }

    /// Prompt tokens available: the context less the answer's room.
    fn budget(&self) -> usize {
        self.settings.context_tokens.saturating_sub(self.settings.max_reply_tokens as usize)
    }
}

/// A phrased reply abandoned because it said something the facts do not back.
fn unbacked(why: String) -> LlmError {
    LlmError::Invalid(format!("the reply said {why}"))
}

#[cfg(test)]
mod tests;
