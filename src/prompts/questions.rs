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
    /// The line of each quick reply in the file, per slot, for problems found later.
    reply_lines: BTreeMap<SlotName, Vec<usize>>,
}

/// A question as the shopper sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Question {
    pub text: String,
    pub quick_replies: Vec<String>,
}

impl Questions {
    /// Makes `shop` the value templates read as `{{ shop.name }}` and the like.
    pub(crate) fn set_shop(&mut self, shop: &Value) {
        self.env.add_global("shop", shop.clone());
    }

    pub(crate) fn parse(file: &str, text: &str) -> Result<Questions, Vec<Problem>> {
        let raw: BTreeMap<SlotName, RawQuestion> = parse(file, text).map_err(|p| vec![p])?;
        let mut env = environment();
        let mut problems = Vec::new();
        let mut replies = BTreeMap::new();
        let mut reply_lines = BTreeMap::new();
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
            let lines =
                question.quick_replies.iter().map(|r| super::toml_file::line_of(text, r.span().start)).collect();
            reply_lines.insert(*slot, lines);
        }
        if problems.is_empty() { Ok(Questions { env, replies, reply_lines }) } else { Err(problems) }
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

impl Questions {
    /// Each non-empty quick reply of `slot`'s question rendered with `context`, with the line
    /// where the file writes it.
    pub(crate) fn replies_with_lines(&self, slot: SlotName, context: &Value) -> Vec<(usize, String)> {
        let lines = self.reply_lines.get(&slot).map(Vec::as_slice).unwrap_or_default();
        lines
            .iter()
            .enumerate()
            .map(|(i, &line)| (line, render(&self.env, &format!("{slot}.reply{i}"), context)))
            .filter(|(_, reply)| !reply.is_empty())
            .collect()
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
    fn an_unknown_variable_is_named_with_the_ones_that_exist() {
        let text = "[budget]\ntext = \"How much, {{ shopname }}?\"\nquick_replies = [\"{{ slots.colour }}\"]\n";
        let problems = Questions::parse("questions.toml", text).unwrap_err();
        assert_eq!((problems[0].line, problems[1].line), (2, 3), "{problems:?}");
        assert!(problems[0].message.contains("uses `shopname` that does not exist"), "{problems:?}");
        assert!(problems[0].message.contains("`slots`"), "{problems:?}");
        assert!(problems[1].message.contains("`slots.colour`"), "{problems:?}");
    }

    #[test]
    fn each_quick_reply_knows_its_line() {
        let text = "[budget]\ntext = \"How much?\"\nquick_replies = [\n  \"Under £20\",\n  \"\",\n  \"Over £50\",\n]\n";
        let q = Questions::parse("questions.toml", text).unwrap();
        let replies = q.replies_with_lines(SlotName::Budget, &samples::common()[0]);
        assert_eq!(replies, vec![(4, "Under £20".to_string()), (6, "Over £50".to_string())]);
    }

    #[test]
    fn a_template_error_in_a_quick_reply_is_placed_at_its_line() {
        let text = "[budget]\ntext = \"How much?\"\nquick_replies = [\n  \"Under {{ 20 | monee }}\",\n]\n";
        let problems = Questions::parse("questions.toml", text).unwrap_err();
        assert_eq!(problems[0].line, 4, "{:?}", problems);
    }
}
