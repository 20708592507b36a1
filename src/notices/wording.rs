//! The merchant's words for notices (`prompts/notices.toml`): one line per kind with
//! `{placeholder}`s filled from recorded facts. An unknown placeholder is a `file:line`
//! problem when the file is loaded, so a typo never reaches a shopper.

use serde::Deserialize;

use super::{Cause, NoticeKind};
use crate::problem::Problem;

/// The built-in wording (the repository's `prompts/notices.toml`).
pub const BUILTIN: &str = include_str!("../../prompts/notices.toml");

const PLACEHOLDERS: [&str; 6] = ["title", "order_id", "estimate", "status", "stock", "last_bought"];

/// One template per notice kind.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Wording {
    shipping_delay: String,
    shipping_delay_no_estimate: String,
    back_in_stock: String,
    low_stock: String,
    reorder: String,
}

impl Default for Wording {
    fn default() -> Wording {
        Wording::parse("<built-in>/notices.toml", BUILTIN).unwrap_or_else(|p| panic!("built-in notices.toml: {p:?}"))
    }
}

impl Wording {
    /// Reads the file; every syntax error, unknown key or unknown placeholder is a problem at
    /// its line.
    pub fn parse(file: &str, text: &str) -> Result<Wording, Vec<Problem>> {
        let wording: Wording = crate::prompts::parse_toml(file, text).map_err(|p| vec![p])?;
        let problems = unknown_placeholders(file, text, &PLACEHOLDERS);
        if problems.is_empty() { Ok(wording) } else { Err(problems) }
    }

    /// The text of a notice for `cause`, `title` being the product's catalog title. `None`
    /// when the template needs a fact the cause does not have (nothing is made up).
    pub fn render(&self, cause: &Cause, title: Option<&str>) -> Option<String> {
        let template = match cause.kind {
            NoticeKind::ShippingDelay if cause.estimate.is_some() => &self.shipping_delay,
            NoticeKind::ShippingDelay => &self.shipping_delay_no_estimate,
            NoticeKind::BackInStock => &self.back_in_stock,
            NoticeKind::LowStock => &self.low_stock,
            NoticeKind::Reorder => &self.reorder,
        };
        let value = |name: &str| -> Option<String> {
            match name {
                "title" => title.map(str::to_string),
                "order_id" => cause.order_id.clone(),
                "estimate" => cause.estimate.map(day),
                "status" => cause.status.as_ref().map(|s| s.replace('_', " ")),
                "stock" => cause.stock.map(|s| s.to_string()),
                "last_bought" => cause.last_bought.map(|t| day(t.date())),
                _ => None,
            }
        };
        fill(template, value)
    }
}

/// Every `{placeholder}` of a prompt file not in `known`, as a problem at its line.
pub(crate) fn unknown_placeholders(file: &str, text: &str, known: &[&str]) -> Vec<Problem> {
    let mut problems = Vec::new();
    for (number, line) in text.lines().enumerate() {
        if line.trim_start().starts_with('#') {
            continue;
        }
        for name in placeholders(line) {
            if !known.contains(&name) {
                problems.push(Problem {
                    file: file.to_string(),
                    line: number + 1,
                    message: format!("unknown placeholder `{{{name}}}`; known: {}", known.join(", ")),
                });
            }
        }
    }
    problems
}

/// `template` with each `{name}` replaced by `value(name)`; `None` when a value is missing.
pub(crate) fn fill(template: &str, value: impl Fn(&str) -> Option<String>) -> Option<String> {
    let mut text = template.to_string();
    for name in placeholders(template) {
        text = text.replace(&format!("{{{name}}}"), &value(name)?);
    }
    Some(text)
}

/// A date as a shopper reads it: "14 November".
pub fn day(date: time::Date) -> String {
    format!("{} {}", date.day(), date.month())
}

/// The `{name}`s in a line.
fn placeholders(line: &str) -> Vec<&str> {
    let mut found = Vec::new();
    let mut rest = line;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else { break };
        found.push(&after[..close]);
        rest = &after[close + 1..];
    }
    found
}
