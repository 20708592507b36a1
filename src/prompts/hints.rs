//! `hints.toml`: the words that tie a recipient or an occasion to products.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::toml_file::parse;
use crate::problem::Problem;

/// Product words per normalised recipient and per occasion.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hints {
    #[serde(default)]
    pub recipients: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    pub occasions: BTreeMap<String, Vec<String>>,
}

impl Hints {
    pub(crate) fn parse(file: &str, text: &str) -> Result<Hints, Problem> {
        parse(file, text)
    }
}
