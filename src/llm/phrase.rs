//! Phrasing with a model: the template reply reworded in the shop's voice, and the checks that
//! keep the model from saying anything the ranker did not return.
//!
//! The model is given the template reply (the draft) and the facts behind it (the products,
//! their prices and reasons) and asked to reword the draft. What it writes is split into
//! sentences as it streams ([`Sentences`]); each sentence must pass [`Checker::check`] before
//! it is shown: every number in it must be one of the facts' numbers (so no invented price,
//! discount or age), every capitalised word must appear in the facts (so no invented product,
//! brand or person), none of the merchant's claim words ("discount", "free delivery") unless
//! the facts use them, no links or addresses. One failing sentence stops the stream, and the
//! template reply is sent instead.

use std::collections::HashSet;

use super::{Message, Role};

/// The longest sentence and reply the model may write; longer means it is rambling.
const MAX_SENTENCE: usize = 400;
pub const MAX_REPLY: usize = 1200;

/// What a reply says, for the model: the draft and its facts.
#[derive(Debug, Clone)]
pub struct Brief {
    pub draft: String,
    pub products: Vec<BriefProduct>,
    pub quick_replies: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct BriefProduct {
    pub title: String,
    pub price: String,
    pub why: Vec<String>,
}

impl Brief {
    /// The user message of a phrasing call.
    pub fn prompt(&self) -> Message {
        let mut text = String::from("FACTS (the only products, prices and reasons you may mention):\n");
        if self.products.is_empty() {
            text.push_str("- no products in this reply\n");
        }
        for p in &self.products {
            text.push_str(&format!("- {} — {}", p.title, p.price));
            if !p.why.is_empty() {
                text.push_str(&format!(" ({})", p.why.join("; ")));
            }
            text.push('\n');
        }
        if !self.quick_replies.is_empty() {
            text.push_str(&format!("The shopper will see buttons: {}\n", self.quick_replies.join(" | ")));
        }
        text.push_str(&format!("DRAFT REPLY:\n{}\n\nRewrite the draft reply. Output only the reply.", self.draft));
        Message::new(Role::User, text)
    }

    /// Everything a reply may draw on, for the checker.
    fn allowed_text(&self, shopper_said: &str) -> String {
        let mut all = vec![self.draft.clone(), shopper_said.to_string()];
        for p in &self.products {
            all.push(p.title.clone());
            all.push(p.price.clone());
            all.extend(p.why.iter().cloned());
        }
        all.extend(self.quick_replies.iter().cloned());
        all.join("\n")
    }
}

/// Checks sentences a model wrote against a brief.
pub struct Checker {
    numbers: HashSet<String>,
    words: HashSet<String>,
    allowed_lower: String,
    claims: Vec<String>,
}

impl Checker {
    /// `claims`: the merchant's claim phrases (lowercase) a reply may use only when the facts do.
    pub fn new(brief: &Brief, shopper_said: &str, claims: &[String]) -> Checker {
        let allowed = brief.allowed_text(shopper_said);
        Checker {
            numbers: numbers(&allowed).collect(),
            words: words(&allowed).map(|(w, _)| w.to_lowercase()).collect(),
            allowed_lower: allowed.to_lowercase(),
            claims: claims.iter().map(|c| c.to_lowercase()).collect(),
        }
    }

    /// `Err` names the first thing in `sentence` the facts do not back.
    pub fn check(&self, sentence: &str) -> Result<(), String> {
        if sentence.len() > MAX_SENTENCE {
            return Err("a sentence too long".into());
        }
        let lower = sentence.to_lowercase();
        if ["http", "www.", "@", ".com", "<", "{"].iter().any(|m| lower.contains(m)) {
            return Err("a link, address or markup".into());
        }
        if let Some(n) = numbers(sentence).find(|n| !self.numbers.contains(n)) {
            return Err(format!("the number {n}, which no fact has"));
        }
        if let Some(claim) =
            self.claims.iter().find(|c| lower.contains(c.as_str()) && !self.allowed_lower.contains(c.as_str()))
        {
            return Err(format!("the claim `{claim}`"));
        }
        // Capitalised words past a sentence's first are names: of products, brands, people.
        let mut first = true;
        for (word, ends) in words(sentence) {
            let named = !first && word != "I" && word.chars().next().is_some_and(char::is_uppercase);
            first = ends;
            if named && !self.words.contains(&word.to_lowercase()) {
                return Err(format!("the name `{word}`, which no fact has"));
            }
        }
        Ok(())
    }
}

/// The numbers written in `text`, without thousands separators ("1,299.00" → "1299").
fn numbers(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !(c.is_ascii_digit() || c == '.' || c == ','))
        .map(|n| n.trim_matches(|c| c == '.' || c == ',').replace(',', ""))
        .filter(|n| n.chars().next().is_some_and(|c| c.is_ascii_digit()))
        .map(|n| if n.contains('.') { n.trim_end_matches('0').trim_end_matches('.').to_string() } else { n })
}

/// Each word of `text` as (the word without punctuation or a possessive 's, whether it ends
/// a sentence).
fn words(text: &str) -> impl Iterator<Item = (String, bool)> + '_ {
    text.split_whitespace().filter_map(|raw| {
        let ends = raw.trim_end_matches(['"', '\'', ')']).ends_with(['.', '!', '?', ':']);
        let bare = raw.trim_matches(|c: char| !c.is_alphanumeric());
        let bare = bare.strip_suffix("'s").or_else(|| bare.strip_suffix("’s")).unwrap_or(bare);
        bare.chars().any(char::is_alphabetic).then(|| (bare.to_string(), ends))
    })
}

/// Splits streamed text into sentences as it arrives.
#[derive(Debug, Default)]
pub struct Sentences {
    pending: String,
}

impl Sentences {
    /// Adds streamed text; returns the sentences it completed (each with its trailing space).
    pub fn push(&mut self, text: &str) -> Vec<String> {
        self.pending.push_str(text);
        let mut out = Vec::new();
        loop {
            let bytes = self.pending.as_bytes();
            let end = (1..bytes.len()).find(|&i| {
                (matches!(bytes[i - 1], b'.' | b'!' | b'?') && bytes[i].is_ascii_whitespace()) || bytes[i - 1] == b'\n'
            });
            let Some(end) = end else { break };
            let rest = self.pending.split_off(end);
            let sentence = std::mem::replace(&mut self.pending, rest);
            if !sentence.trim().is_empty() {
                out.push(sentence.trim().to_string() + " ");
            }
        }
        out
    }

    /// What is left at the end of the stream.
    pub fn finish(&mut self) -> Option<String> {
        let rest = std::mem::take(&mut self.pending);
        (!rest.trim().is_empty()).then(|| rest.trim().to_string())
    }
}

#[cfg(test)]
mod tests;
