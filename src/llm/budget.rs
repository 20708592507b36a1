//! Token budgeting with tiktoken: count a prompt's tokens and fit it to the model's context.
//!
//! The encoding matches the model when tiktoken knows it (the GPT family). Other models
//! (Llama, Qwen, Mistral, SmolLM on Ollama, vLLM or llama.cpp) have their own tokenizers,
//! which tiktoken cannot load; for them the default is `o200k_base` with a safety margin of a
//! quarter more tokens, since smaller vocabularies split text into more pieces. The encoding
//! can also be named in configuration (`llm.encoding`).

use tiktoken_rs::CoreBPE;
use tiktoken_rs::tokenizer::{Tokenizer, get_tokenizer};

use super::{LlmError, Message};

/// What every chat message costs besides its text (role and separators), per OpenAI's
/// counting guide.
const PER_MESSAGE: usize = 4;

/// Counts tokens for one model.
pub struct TokenCounter {
    bpe: &'static CoreBPE,
    /// Multiplies counts for models whose tokenizer is not the one counted with.
    margin: f64,
    encoding: &'static str,
}

impl TokenCounter {
    /// The counter for `model`; `encoding` (`o200k_base`, `cl100k_base`, ...) overrides the
    /// choice and is then taken as exact. An unknown encoding name is an error.
    pub fn for_model(model: &str, encoding: Option<&str>) -> Result<TokenCounter, String> {
        let (tokenizer, margin) = match encoding {
            Some(name) => (named(name).ok_or_else(|| format!("unknown token encoding `{name}`"))?, 1.0),
            None => match get_tokenizer(model) {
                Some(tokenizer) => (tokenizer, 1.0),
                None => (Tokenizer::O200kBase, 1.25),
            },
        };
        let bpe = tiktoken_rs::bpe_for_tokenizer(tokenizer).map_err(|e| e.to_string())?;
        Ok(TokenCounter { bpe, margin, encoding: name_of(tokenizer) })
    }

    /// The encoding used, for logs.
    pub fn encoding(&self) -> &'static str {
        self.encoding
    }

    /// The tokens `messages` take in a prompt, margin included.
    pub fn count(&self, messages: &[Message]) -> usize {
        let raw: usize = messages.iter().map(|m| self.bpe.count_ordinary(&m.content) + PER_MESSAGE).sum();
        (raw as f64 * self.margin).ceil() as usize
    }

    /// `fixed`, then as much of `history` (oldest first) as fits, then `last`, within `budget`
    /// tokens: the oldest history goes first. An error when even no history is too much.
    pub fn fit(
        &self,
        fixed: Vec<Message>,
        history: &[Message],
        last: Message,
        budget: usize,
    ) -> Result<(Vec<Message>, usize), LlmError> {
        let mut prompt = fixed;
        prompt.push(last);
        let base = self.count(&prompt);
        if base > budget {
            return Err(LlmError::OverBudget);
        }
        // Keep the newest history that fits; counting each message once keeps this linear.
        let mut used = base;
        let mut keep = history.len();
        for message in history.iter().rev() {
            let cost = self.count(std::slice::from_ref(message));
            if used + cost > budget {
                break;
            }
            used += cost;
            keep -= 1;
        }
        let last = prompt.pop();
        prompt.extend(history[keep..].iter().cloned());
        prompt.extend(last);
        Ok((prompt, used))
    }
}

fn named(name: &str) -> Option<Tokenizer> {
    Some(match name {
        "o200k_base" => Tokenizer::O200kBase,
        "o200k_harmony" => Tokenizer::O200kHarmony,
        "cl100k_base" => Tokenizer::Cl100kBase,
        "p50k_base" => Tokenizer::P50kBase,
        "p50k_edit" => Tokenizer::P50kEdit,
        "r50k_base" => Tokenizer::R50kBase,
        _ => return None,
    })
}

fn name_of(tokenizer: Tokenizer) -> &'static str {
    match tokenizer {
        Tokenizer::O200kHarmony => "o200k_harmony",
        Tokenizer::O200kBase => "o200k_base",
        Tokenizer::Cl100kBase => "cl100k_base",
        Tokenizer::P50kBase => "p50k_base",
        Tokenizer::P50kEdit => "p50k_edit",
        Tokenizer::R50kBase | Tokenizer::Gpt2 => "r50k_base",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::llm::Role;

    fn said(i: usize) -> Message {
        Message::new(Role::User, format!("message number {i} about wooden trains and dinosaurs"))
    }

    #[test]
    fn a_known_model_is_counted_exactly_and_an_unknown_one_with_a_margin() {
        let gpt = TokenCounter::for_model("gpt-4o", None).unwrap();
        let local = TokenCounter::for_model("smollm2-135m", None).unwrap();
        let text = [Message::new(Role::User, "a present for my nephew who loves trains")];
        assert_eq!(gpt.encoding(), "o200k_base");
        assert!(local.count(&text) > gpt.count(&text), "the unknown tokenizer gets a safety margin");
    }

    #[test]
    fn an_unknown_encoding_name_is_refused() {
        assert!(TokenCounter::for_model("local", Some("o300k")).is_err());
        assert_eq!(TokenCounter::for_model("local", Some("cl100k_base")).unwrap().encoding(), "cl100k_base");
    }

    #[test]
    fn the_oldest_history_is_dropped_first() {
        let counter = TokenCounter::for_model("gpt-4o", None).unwrap();
        let system = vec![Message::new(Role::System, "You help shoppers.")];
        let history: Vec<Message> = (0..10).map(said).collect();
        let last = Message::new(Role::User, "and now?");
        let all = counter.fit(system.clone(), &history, last.clone(), 10_000).unwrap().0;
        assert_eq!(all.len(), 12);
        let budget = counter.count(&all) - counter.count(&history[..3]);
        let (fitted, used) = counter.fit(system, &history, last.clone(), budget).unwrap();
        assert!(used <= budget);
        assert_eq!(fitted.len(), 9, "three oldest dropped");
        assert_eq!(fitted[1], history[3]);
        assert_eq!(fitted.last(), Some(&last));
    }

    #[test]
    fn a_prompt_too_big_without_history_is_over_budget() {
        let counter = TokenCounter::for_model("gpt-4o", None).unwrap();
        let fixed = vec![Message::new(Role::System, "word ".repeat(500))];
        let result = counter.fit(fixed, &[], Message::new(Role::User, "hi"), 100);
        assert_eq!(result.unwrap_err(), LlmError::OverBudget);
    }
}
