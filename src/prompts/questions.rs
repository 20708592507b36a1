//! `questions.toml`: what the assistant asks for each slot, with quick-reply buttons.

use std::collections::BTreeMap;

use minijinja::{Environment, Value};
use serde::Deserialize;

use super::samples;
use super::templates::{Source, add_checked, environment, render};
use super::toml_file::parse;
use crate::problem::Problem;
use crate::slots::SlotName;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawQuestion {
    text: toml::Spanned<String>,
    #[serde(default)]
    quick_replies: Vec<toml::Spanned<String>>,
}

/// The compiled questions: a text and quick replies per slot.
#[derive(Debug)]
pub struct Questions {
    env: Environment<'static>,
    replies: BTreeMap<SlotName, usize>,
}

/// A question as the shopper sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Question {
    pub text: String,
    pub quick_replies: Vec<String>,
}

impl Questions {
    pub(crate) fn parse(file: &str, text: &str) -> Result<Questions, Vec<Problem>> {
        let raw: BTreeMap<SlotName, RawQuestion> = parse(file, text).map_err(|p| vec![p])?;
        let mut env = environment();
        let mut problems = Vec::new();
        let mut replies = BTreeMap::new();
        let samples = samples::common();
        for (slot, question) in &raw {
            let name = |part: &str| format!("{slot}.{part}");
            add_checked(
                &mut env,
                Source { file, text, name: name("text"), template: &question.text },
                &samples,
                &mut problems,
            );
            for (i, reply) in question.quick_replies.iter().enumerate() {
                let source = Source { file, text, name: name(&format!("reply{i}")), template: reply };
                add_checked(&mut env, source, &samples, &mut problems);
            }
            replies.insert(*slot, question.quick_replies.len());
        }
        if problems.is_empty() { Ok(Questions { env, replies }) } else { Err(problems) }
    }

    /// Whether there is a question for `slot`.
    pub fn has(&self, slot: SlotName) -> bool {
        self.replies.contains_key(&slot)
    }

    /// The question for `slot`, rendered with `context` (`slots`, `currency`); `None` when the
    /// file has no question for it.
    pub fn render(&self, slot: SlotName, context: &Value) -> Option<Question> {
        let count = *self.replies.get(&slot)?;
        Some(Question {
            text: render(&self.env, &format!("{slot}.text"), context),
            quick_replies: (0..count)
                .map(|i| render(&self.env, &format!("{slot}.reply{i}"), context))
                .filter(|r| !r.is_empty())
                .collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn questions_render_with_what_is_known_and_the_shop_currency() {
        let q = Questions::parse("questions.toml", include_str!("../../prompts/questions.toml")).unwrap();
        let budget = q.render(SlotName::Budget, &samples::common()[1]).unwrap();
        assert!(budget.text.contains("nephew"), "{}", budget.text);
        assert_eq!(budget.quick_replies[0], "Under £20");
        let empty = q.render(SlotName::Budget, &samples::common()[0]).unwrap();
        assert_eq!(empty.text, "What budget do you have in mind?");
    }

    #[test]
    fn a_question_for_an_unknown_slot_is_reported() {
        let problems = Questions::parse("questions.toml", "[shoe_size]\ntext = \"Size?\"\n").unwrap_err();
        assert!(problems[0].message.contains("shoe_size"), "{:?}", problems);
    }

    #[test]
    fn a_template_error_in_a_quick_reply_is_placed_at_its_line() {
        let text = "[budget]\ntext = \"How much?\"\nquick_replies = [\n  \"Under {{ 20 | monee }}\",\n]\n";
        let problems = Questions::parse("questions.toml", text).unwrap_err();
        assert_eq!(problems[0].line, 4, "{:?}", problems);
    }
}
