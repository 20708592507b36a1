//! `model.toml`: the texts the optional language model is given (its system prompts and the
//! shop's voice), the privacy disclosure shown when one is configured, and the claim phrases
//! its replies may not make. Optional in a merchant's folder: the built-in copy is used when
//! the file is absent.

use minijinja::Environment;
use serde::Deserialize;

use super::templates::{Source, add_checked, environment, render};
use super::toml_file::parse;
use crate::problem::Problem;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    voice: String,
    understand: String,
    phrase: String,
    disclosure: toml::Spanned<String>,
    #[serde(default)]
    claims: Vec<String>,
}

/// The model's texts, validated.
#[derive(Debug)]
pub struct ModelPrompts {
    pub voice: String,
    pub understand: String,
    pub phrase: String,
    /// Lowercase.
    pub claims: Vec<String>,
    env: Environment<'static>,
}

impl ModelPrompts {
    pub(crate) fn parse(file: &str, text: &str) -> Result<ModelPrompts, Vec<Problem>> {
        let parsed: File = parse(file, text).map_err(|p| vec![p])?;
        let mut env = environment();
        let mut problems = Vec::new();
        let source = Source { file, text, name: "disclosure".into(), template: &parsed.disclosure };
        let sample = minijinja::context! { model => "local" };
        add_checked(&mut env, source, &[sample], &mut problems);
        for (key, value) in [("understand", &parsed.understand), ("phrase", &parsed.phrase)] {
            if value.trim().is_empty() {
                problems.push(Problem { file: file.into(), line: 0, message: format!("`{key}` must not be empty") });
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(ModelPrompts {
            voice: parsed.voice.trim().to_string(),
            understand: parsed.understand.trim().to_string(),
            phrase: parsed.phrase.trim().to_string(),
            claims: parsed.claims.iter().map(|c| c.trim().to_lowercase()).filter(|c| !c.is_empty()).collect(),
            env,
        })
    }

    /// What the privacy reply adds when `model` processes shoppers' messages.
    pub fn disclosure(&self, model: &str) -> String {
        render(&self.env, "disclosure", &minijinja::context! { model => model })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHIPPED: &str = include_str!("../../prompts/model.toml");

    #[test]
    fn the_shipped_file_names_the_model_in_its_disclosure() {
        let prompts = ModelPrompts::parse("model.toml", SHIPPED).unwrap();
        assert!(prompts.disclosure("llama-3-8b").contains("llama-3-8b"));
        assert!(prompts.claims.iter().any(|c| c == "discount"));
    }

    #[test]
    fn an_unknown_variable_in_the_disclosure_is_reported_at_its_line() {
        let text = SHIPPED.replace("({{ model }})", "({{ modle }})");
        let problems = ModelPrompts::parse("model.toml", &text).unwrap_err();
        let line = SHIPPED.lines().position(|l| l.starts_with("disclosure")).unwrap() + 1;
        assert_eq!(problems[0].line, line, "{problems:?}");
        assert!(problems[0].to_string().starts_with(&format!("model.toml:{line}:")));
    }

    #[test]
    fn an_unknown_key_is_refused() {
        let problems = ModelPrompts::parse("model.toml", &format!("{SHIPPED}\ntemperature = 2\n")).unwrap_err();
        assert!(problems[0].message.contains("temperature"), "{problems:?}");
    }
}
