//! `replies.toml`: every reply text the assistant says, as templates, plus slot labels.

use std::collections::BTreeMap;

use minijinja::{Environment, Value};
use serde::Deserialize;
use serde_json::json;

use super::samples;
use super::templates::{Source, add_checked, environment, render};
use super::toml_file::parse;
use crate::problem::Problem;
use crate::slots::SlotName;

/// The reply templates and the variables each may use besides the common ones (`slots`,
/// `summary`, `currency`), given as sample values covering their shapes.
fn catalogue() -> Vec<(&'static str, Vec<serde_json::Value>)> {
    let none = || vec![json!({})];
    vec![
        ("summary", none()),
        ("greeting_new", none()),
        ("greeting_returning", none()),
        ("acknowledge", vec![json!({"changed": ["budget"]})]),
        (
            "recommend_intro",
            ["fresh", "cheaper", "pricier", "other", "like", "welcome", "context"]
                .iter()
                .flat_map(|kind| {
                    [1, 3].map(|count| json!({"kind": kind, "count": count, "like_title": "Wooden Train Set"}))
                })
                .collect(),
        ),
        (
            "no_results",
            vec![
                json!({"kind": "cheaper", "alternative": null, "raise_to": null}),
                json!({"kind": "fresh", "alternative": null, "raise_to": null}),
                json!({"kind": "fresh", "alternative": {"title": "Train Set", "price": 32.5}, "raise_to": 35}),
                json!({"kind": "fresh", "alternative": {"title": "Art Case", "price": 17.99}, "raise_to": null}),
                json!({"kind": "other", "alternative": null, "raise_to": null}),
                json!({"kind": "other", "alternative": {"title": "Train Set", "price": 32.5}, "raise_to": 35}),
            ],
        ),
        ("alternatives", vec![json!({"count": 1, "products": 2}), json!({"count": 3, "products": 0})]),
        (
            "alternative_replies",
            vec![
                json!({"raise_to": 35, "lower_to": null, "top": null}),
                json!({"raise_to": null, "lower_to": 15, "top": 50}),
                json!({"raise_to": null, "lower_to": 15, "top": null}),
                json!({"raise_to": null, "lower_to": null, "top": null}),
            ],
        ),
        ("explain", vec![json!({"title": "Wooden Train Set", "why": ["For someone who loves trains"]})]),
        (
            "explain_nothing",
            vec![
                json!({"count": 0, "titles": []}),
                json!({"count": 1, "titles": ["Art Case"]}),
                json!({"count": 3, "titles": ["Art Case", "Kite", "Ball"]}),
            ],
        ),
        (
            "profile",
            vec![
                json!({"facts": []}),
                json!({"facts": [{"label": "your budget", "value": "under £25", "source": "chat"}]}),
            ],
        ),
        ("forgot", vec![json!({"label": "your budget"})]),
        ("forgot_all", none()),
        ("confirm_erase", none()),
        ("kept_everything", none()),
        ("start_over", none()),
        ("handover", none()),
        ("privacy", none()),
        ("not_understood", none()),
        ("thanks", none()),
        ("confirm_currency", vec![json!({"stated": "$30", "assumed": "£30"})]),
    ]
}

/// The two keys of `replies.toml` that are not templates.
#[derive(Deserialize)]
struct Settings {
    #[serde(default)]
    labels: BTreeMap<SlotName, String>,
    #[serde(default)]
    confirm_currency_replies: Vec<String>,
}

/// The compiled reply templates.
#[derive(Debug)]
pub struct Replies {
    env: Environment<'static>,
    labels: BTreeMap<SlotName, String>,
    confirm_currency_replies: Vec<String>,
}

impl Replies {
    /// Makes `shop` the value templates read as `{{ shop.name }}` and the like.
    pub(crate) fn set_shop(&mut self, shop: &Value) {
        self.env.add_global("shop", shop.clone());
    }

    pub(crate) fn parse(file: &str, text: &str) -> Result<Replies, Vec<Problem>> {
        // Read in two passes: serde cannot keep spans (lines) through a flattened map.
        let mut templates: BTreeMap<String, toml::Spanned<toml::Value>> = parse(file, text).map_err(|p| vec![p])?;
        templates.retain(|name, _| name != "labels" && name != "confirm_currency_replies");
        let settings: Settings = parse(file, text).map_err(|p| vec![p])?;
        let catalogue = catalogue();
        let mut env = environment();
        let mut problems = Vec::new();
        let problem = |line, message: String| Problem { file: file.into(), line, message };
        for (name, value) in &templates {
            let line = super::toml_file::line_of(text, value.span().start);
            let Some(source_text) = value.get_ref().as_str() else {
                problems.push(problem(line, format!("`{name}` must be a string")));
                continue;
            };
            let template = toml::Spanned::new(value.span(), source_text.to_string());
            let template = &template;
            let Some((_, extras)) = catalogue.iter().find(|(n, _)| n == name) else {
                let known: Vec<&str> = catalogue.iter().map(|(n, _)| *n).collect();
                problems.push(problem(line, format!("unknown reply `{name}`; known: {}", known.join(", "))));
                continue;
            };
            let source = Source { file, text, name: name.clone(), template };
            add_checked(&mut env, source, &samples::with(extras), &mut problems);
        }
        for (name, _) in &catalogue {
            if !templates.contains_key(*name) {
                problems.push(problem(0, format!("missing the reply `{name}`")));
            }
        }
        for slot in SlotName::ALL {
            if !settings.labels.contains_key(&slot) {
                problems.push(problem(0, format!("missing `labels.{slot}`")));
            }
        }
        if problems.is_empty() {
            Ok(Replies { env, labels: settings.labels, confirm_currency_replies: settings.confirm_currency_replies })
        } else {
            Err(problems)
        }
    }

    /// Renders reply `name` (one of the catalogue) with `context`.
    pub fn render(&self, name: &str, context: &Value) -> String {
        render(&self.env, name, context)
    }

    /// How a slot is named to the shopper ("your budget").
    pub fn label(&self, slot: SlotName) -> &str {
        self.labels.get(&slot).map_or(slot.as_str(), String::as_str)
    }

    pub fn confirm_currency_replies(&self) -> &[String] {
        &self.confirm_currency_replies
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shipped() -> &'static str {
        include_str!("../../prompts/replies.toml")
    }

    #[test]
    fn the_summary_describes_a_request_in_plain_words() {
        let replies = Replies::parse("replies.toml", shipped()).unwrap();
        let contexts = samples::common();
        assert_eq!(replies.render("summary", &contexts[0]), "");
        assert_eq!(
            replies.render("summary", &contexts[1]),
            "a birthday gift for your 6-year-old nephew who loves trains, £10 to £25"
        );
        assert_eq!(replies.render("summary", &contexts[2]), "something for you, around 35", "the shopper's words");
    }

    #[test]
    fn an_unknown_variable_in_a_reply_is_reported_at_its_line() {
        let text = shipped().replace("Done, I've forgotten {{ label }}.", "Done, I've forgotten {{ lable }}.");
        let line = text.lines().position(|l| l.contains("lable")).unwrap() + 1;
        let problems = Replies::parse("replies.toml", &text).unwrap_err();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].line, line);
    }

    #[test]
    fn missing_and_unknown_replies_are_reported() {
        let text = shipped().replace("thanks = ", "thankyou = ");
        let problems = Replies::parse("replies.toml", &text).unwrap_err();
        let all: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert!(all.iter().any(|p| p.contains("unknown reply `thankyou`")), "{all:?}");
        assert!(all.iter().any(|p| p.contains("missing the reply `thanks`")), "{all:?}");
    }
}
