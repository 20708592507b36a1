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
    /// `types` with each name compared as [`Hints::synonyms_of`] compares them (lowercase,
    /// singular), worked out once at load rather than for every keyword of every turn.
    #[serde(skip)]
    compared: Vec<(String, Vec<String>)>,
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
        // Hints made in code rather than parsed have no compared forms: worked out here then.
        let compared: std::borrow::Cow<'_, [(String, Vec<String>)]> = if self.compared.len() == self.types.len() {
            (&self.compared[..]).into()
        } else {
            compare(&self.types).into()
        };
        for keyword in keywords {
            let keyword_form = comparable(keyword);
            let mut names: Vec<String> = Vec::new();
            for ((key, list), (key_form, list_forms)) in self.types.iter().zip(compared.iter()) {
                if *key_form == keyword_form || list_forms.contains(&keyword_form) {
                    let group = std::iter::once((key, key_form)).chain(list.iter().zip(list_forms));
                    names.extend(group.filter(|(_, form)| **form != keyword_form).map(|(n, _)| n.clone()));
                }
            }
            if !names.is_empty() {
                out.push((keyword.clone(), names));
            }
        }
        out
    }
}

/// A name as type names are compared: lowercase, singular ("Saris" is "sari").
fn comparable(name: &str) -> String {
    singular(&name.to_lowercase())
}

/// Each type group's key and names in their compared forms, in the groups' order.
fn compare(types: &BTreeMap<String, Vec<String>>) -> Vec<(String, Vec<String>)> {
    types.iter().map(|(key, list)| (comparable(key), list.iter().map(|n| comparable(n)).collect())).collect()
}

impl Hints {
    /// Parses `hints.toml`.
    pub(crate) fn parse(file: &str, text: &str) -> Result<Hints, Problem> {
        let mut hints: Hints = parse(file, text)?;
        hints.compared = compare(&hints.types);
        Ok(hints)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TYPES: &str = "[types]\nsaree = [\"sari\"]\nhandbag = [\"Bag\", \"purses\", \"tote\"]\n";

    fn names(hints: &Hints, words: &[&str]) -> Vec<(String, Vec<String>)> {
        hints.synonyms_of(&words.iter().map(|w| w.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn a_type_name_finds_its_group_either_way_in_any_case_and_number() {
        let hints = Hints::parse("hints.toml", TYPES).unwrap();
        let strings = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(names(&hints, &["Sarees"]), vec![("Sarees".to_string(), strings(&["sari"]))]);
        assert_eq!(names(&hints, &["purse"]), vec![("purse".to_string(), strings(&["handbag", "Bag", "tote"]))]);
        assert_eq!(names(&hints, &["kite"]), Vec::new());
    }

    #[test]
    fn types_set_after_loading_are_compared_as_loaded_ones() {
        let loaded = Hints::parse("hints.toml", TYPES).unwrap();
        let built = Hints { types: loaded.types.clone(), ..Hints::default() };
        for word in ["sari", "SAREES", "bags", "tote", "kite"] {
            assert_eq!(names(&built, &[word]), names(&loaded, &[word]), "{word}");
        }
    }
}
