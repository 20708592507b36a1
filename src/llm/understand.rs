//! Understanding with a model: the slots as structured output, validated, then merged with the
//! rules' reading.
//!
//! The merge policy (what a shopper can rely on):
//!
//! - **Acts, money, ages and exclusions come from the rules.** The rules read numbers exactly
//!   and never take a size, a year or an age for a budget. When the model sees a budget (or an
//!   age) the rules did not, the rules read the message again as an answer to that question
//!   ("30 I guess" is then a budget), and their reading is used, or nothing: a model's number
//!   is never used as such. Exclusions are hard filters, so a model's misreading would hide
//!   good products: only the rules set them.
//! - **Recipients, occasions and interests come from the model when the rules found none**,
//!   and only words the shopper wrote (compared stemmed), normalised by the merchant's lexicon
//!   ("sis" → sibling); a recipient or occasion the lexicon does not know is dropped, and so
//!   is an interest the catalog never mentions, since it could not change a recommendation.
//! - **Purpose** from the model only when it agrees with the rest: a gift needs a recipient
//!   or an occasion, "self" needs no recipient.
//! - Keywords are the rules', minus the words the model's slots now use.
//!
//! Anything else in the answer (a field the schema does not have, a wrong type) makes the
//! whole answer invalid, and the rules' reading stands alone.

use schemars::JsonSchema;
use serde::Deserialize;

use crate::slots::{Purpose, SlotName};
use crate::understand::{Understander, Understanding};

/// The slots a model is asked for: the model's view of [`Understanding`]'s slots, with the same
/// keys. Its JSON schema (from schemars) is the `response_format` of every understanding call.
#[derive(Debug, Default, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ModelSlots {
    /// "gift" when buying for someone else, "self" when for the shopper, null when not said.
    pub purpose: Option<ModelPurpose>,
    /// Who the gift is for, in the shopper's words ("sister-in-law", "nephew"), or null.
    #[schemars(length(max = 40))]
    pub recipient: Option<String>,
    /// The recipient's age in years, when the message states it.
    #[schemars(range(max = 120))]
    pub age: Option<u32>,
    /// The occasion ("birthday", "christmas"), or null.
    #[schemars(length(max = 40))]
    pub occasion: Option<String>,
    /// The spending limits the message states, in the shop's currency.
    pub budget: Option<ModelBudget>,
    /// Hobbies, themes or things the recipient likes ("pottery", "trains").
    #[serde(default)]
    #[schemars(length(max = 5))]
    pub interests: Vec<String>,
    /// Things the shopper does not want.
    #[serde(default)]
    #[schemars(length(max = 5))]
    pub exclude: Vec<String>,
}

#[derive(Debug, Clone, Copy, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ModelPurpose {
    Gift,
    #[serde(rename = "self")]
    Myself,
}

#[derive(Debug, Default, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ModelBudget {
    pub min: Option<f64>,
    pub max: Option<f64>,
}

/// The JSON schema of [`ModelSlots`], in the shape strict structured output wants: every
/// property required (nullable ones say so in their type), no other properties, nothing
/// referenced from elsewhere.
pub fn schema() -> serde_json::Value {
    let generator = schemars::generate::SchemaSettings::draft07().with(|s| s.inline_subschemas = true).into_generator();
    let mut schema = generator.into_root_schema_for::<ModelSlots>().to_value();
    require_everything(&mut schema);
    if let Some(map) = schema.as_object_mut() {
        map.remove("$schema");
        map.remove("title");
    }
    schema
}

fn require_everything(schema: &mut serde_json::Value) {
    let Some(map) = schema.as_object_mut() else { return };
    if let Some(props) = map.get("properties").and_then(|p| p.as_object()) {
        let keys: Vec<serde_json::Value> = props.keys().map(|k| serde_json::Value::String(k.clone())).collect();
        map.insert("required".into(), keys.into());
        map.insert("additionalProperties".into(), false.into());
    }
    for value in map.values_mut() {
        match value {
            serde_json::Value::Object(_) => require_everything(value),
            serde_json::Value::Array(items) => items.iter_mut().for_each(require_everything),
            _ => {}
        }
    }
}

/// Parses a model's answer against the schema: its types (serde) and its limits (lengths,
/// counts, ranges), which not every server enforces. `Err` says why it is unusable.
pub fn parse(text: &str) -> Result<ModelSlots, String> {
    let trimmed = text.trim().trim_start_matches("```json").trim_start_matches("```").trim_end_matches("```");
    let slots: ModelSlots =
        serde_json::from_str(trimmed).map_err(|e| format!("does not match the slot schema: {e}"))?;
    let words = [&slots.recipient, &slots.occasion].into_iter().flatten().chain(&slots.interests).chain(&slots.exclude);
    if let Some(long) = words.into_iter().find(|w| w.chars().count() > 40) {
        return Err(format!("a value longer than the schema allows: {long:?}"));
    }
    if slots.interests.len() > 5 || slots.exclude.len() > 5 {
        return Err("more list items than the schema allows".into());
    }
    if slots.age.is_some_and(|a| a > 120) {
        return Err("an age over 120".into());
    }
    let limits = slots.budget.iter().flat_map(|b| [b.min, b.max]).flatten();
    if limits.into_iter().any(|v| !v.is_finite() || v < 0.0) {
        return Err("a budget that is not a positive amount".into());
    }
    Ok(slots)
}

/// The words a catalog knows, as the merge checks a model's words against them. The chat
/// passes its catalog index; the adapter knows nothing else of the catalog.
pub trait CatalogWords: Sync {
    /// The stems of `text`, as the catalog's analyser makes them.
    fn analyze(&self, text: &str) -> Vec<String>;
    /// Whether some product mentions `word` (all of its stems).
    fn mentions(&self, word: &str) -> bool;
}

/// What the merge needs to check a model's words: the lexicon and the catalog's words.
pub struct Vocabulary<'a> {
    pub understander: &'a Understander,
    pub words: &'a dyn CatalogWords,
}

/// The rules' reading of `text` improved by the model's, by the policy in the module doc.
pub fn merge(text: &str, rules: Understanding, model: ModelSlots, vocab: &Vocabulary<'_>) -> Understanding {
    let mut merged = rules;
    let stems = vocab.words.analyze(text);
    let grounded = |words: &str| {
        let own = vocab.words.analyze(words);
        !own.is_empty() && own.iter().all(|s| stems.contains(s))
    };
    let slots = &mut merged.slots;
    if slots.recipient.is_none()
        && let Some(word) = model.recipient.as_deref().filter(|w| grounded(w))
    {
        let read = vocab.understander.understand_with(word, Some(SlotName::Recipient)).slots;
        (slots.recipient, slots.recipient_word) = (read.recipient, read.recipient_word);
    }
    if slots.occasion.is_none()
        && let Some(word) = model.occasion.as_deref().filter(|w| grounded(w))
    {
        slots.occasion = vocab.understander.understand(word).slots.occasion;
    }
    if slots.interests.is_empty() {
        for interest in model.interests.iter().filter(|w| grounded(w)) {
            let read = vocab.understander.understand_with(interest, Some(SlotName::Interests)).slots.interests;
            for word in read.into_iter().filter(|w| vocab.words.mentions(w) || is_phrase_known(vocab, w)) {
                if !slots.interests.contains(&word) {
                    slots.interests.push(word);
                }
            }
        }
    }
    // The model only says *that* there is an age or a budget; the rules say what it is.
    if slots.age.is_none() && model.age.is_some() {
        slots.age = vocab.understander.understand_with(text, Some(SlotName::Age)).slots.age;
    }
    if slots.budget.is_none() && model.budget.as_ref().is_some_and(|b| b.min.is_some() || b.max.is_some()) {
        slots.budget = vocab.understander.understand_with(text, Some(SlotName::Budget)).slots.budget;
    }
    if slots.purpose.is_none() {
        slots.purpose = match model.purpose {
            Some(ModelPurpose::Gift) if slots.recipient.is_some() || slots.occasion.is_some() => Some(Purpose::Gift),
            Some(ModelPurpose::Myself) if slots.recipient.is_none() => Some(Purpose::Myself),
            _ => None,
        };
    }
    let used: Vec<String> =
        slots.interests.iter().chain(slots.recipient_word.iter()).flat_map(|w| vocab.words.analyze(w)).collect();
    merged.keywords.retain(|k| !vocab.words.analyze(k).iter().all(|s| used.contains(s)));
    merged
}

/// Multi-word interests ("harry potter") the catalog mentions as a phrase.
fn is_phrase_known(vocab: &Vocabulary<'_>, words: &str) -> bool {
    let stems = vocab.words.analyze(words);
    stems.len() > 1 && stems.iter().all(|s| vocab.words.mentions(s))
}

#[cfg(test)]
mod tests;
