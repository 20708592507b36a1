//! The merchant's words for order service (`prompts/service.toml`), with placeholders filled
//! from recorded facts; an unknown placeholder is a `file:line` problem when loaded.

use serde::Deserialize;

use crate::problem::Problem;

/// The built-in wording (the repository's `prompts/service.toml`).
pub const BUILTIN: &str = include_str!("../../prompts/service.toml");

const PLACEHOLDERS: [&str; 6] = ["order_id", "items", "ordered", "status", "updated", "estimate"];

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Wording {
    pub(crate) status: String,
    pub(crate) estimate: String,
    pub(crate) no_update: String,
    pub(crate) unknown: String,
    pub(crate) handover: String,
    pub(crate) bought_here: String,
    pub(crate) about_order: String,
    pub(crate) something_else: String,
    pub(crate) talk_to_person: String,
    pub(crate) notices_on: String,
    pub(crate) notices_off: String,
}

impl Default for Wording {
    fn default() -> Wording {
        Wording::parse("<built-in>/service.toml", BUILTIN).unwrap_or_else(|p| panic!("built-in service.toml: {p:?}"))
    }
}

impl Wording {
    /// Reads the file; a syntax error, an unknown or missing key, or an unknown placeholder is
    /// a problem at its line.
    pub fn parse(file: &str, text: &str) -> Result<Wording, Vec<Problem>> {
        let wording: Wording = crate::prompts::parse_toml(file, text).map_err(|p| vec![p])?;
        let problems = crate::notices::wording::unknown_placeholders(file, text, &PLACEHOLDERS);
        if problems.is_empty() { Ok(wording) } else { Err(problems) }
    }
}
