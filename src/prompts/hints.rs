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
    /// Words standing for a kind of product: avoiding the key avoids these too.
    #[serde(default)]
    pub related: BTreeMap<String, Vec<String>>,
}

impl Hints {
    /// `words` with the related words of each added (case-insensitively keyed), no repeats.
    pub fn expand(&self, words: &[String]) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for word in words {
            let related = self.related.get(&word.to_lowercase()).into_iter().flatten();
            for w in std::iter::once(word).chain(related) {
                if !out.iter().any(|o| o.eq_ignore_ascii_case(w)) {
                    out.push(w.clone());
                }
            }
        }
        out
    }
}

impl Hints {
    /// Parses `hints.toml`.
    pub(crate) fn parse(file: &str, text: &str) -> Result<Hints, Problem> {
        parse(file, text)
    }
}
