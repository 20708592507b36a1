//! `hints.toml`: the words that tie a recipient or an occasion to products.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::toml_file::parse;
use crate::catalog::singular;
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
    /// Other names for a product type ("saree" = "sari"): a request naming one finds
    /// products whose type is any of them. Read both ways.
    #[serde(default)]
    pub types: BTreeMap<String, Vec<String>>,
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
    /// For each of `keywords` that names a type with other names, those names: the key's
    /// list for a key, and the key and its other names for a name in a list.
    pub fn synonyms_of(&self, keywords: &[String]) -> Vec<(String, Vec<String>)> {
        let mut out = Vec::new();
        let same = |a: &str, b: &str| singular(&a.to_lowercase()) == singular(&b.to_lowercase());
        for keyword in keywords {
            let mut names: Vec<String> = Vec::new();
            for (key, list) in &self.types {
                let group = std::iter::once(key).chain(list);
                if same(key, keyword) || list.iter().any(|n| same(n, keyword)) {
                    names.extend(group.filter(|n| !same(n, keyword)).cloned());
                }
            }
            if !names.is_empty() {
                out.push((keyword.clone(), names));
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
