//! Phrase sets: the lexicon's words and phrases, matched against tokens leftmost-longest.
//!
//! Merchants write phrases as plain text with a tiny pattern syntax so one line covers the
//! variants shoppers type: `(a|b)` is one of the alternatives, `[a|b]` an optional one. So
//! `(talk|speak) to [a|an] (human|person)` is eight phrases. A phrase is tokenised like the
//! shopper's text, and dashes are ignored between its words, so `sister-in-law` also matches
//! "sister in law". The last word of a phrase also matches its possessive (`dad` matches
//! "dad's"), so "mum's birthday" still names a mum.

use std::collections::HashMap;

use super::tokens::{Scan, Token, tokenize};

/// The most variants one pattern may expand to; more is surely a typo in the file.
const MAX_VARIANTS: usize = 4096;

/// A set of phrases, each with a value, found in a [`Scan`] by their first word.
#[derive(Debug, Clone)]
pub(crate) struct PhraseSet<V> {
    by_first: HashMap<String, Vec<Entry<V>>>,
}

#[derive(Debug, Clone)]
struct Entry<V> {
    words: Vec<String>,
    value: V,
}

impl<V> Default for PhraseSet<V> {
    fn default() -> Self {
        PhraseSet { by_first: HashMap::new() }
    }
}

impl<V: Clone> PhraseSet<V> {
    /// Adds every variant of `pattern` with `value`; `Err` explains a malformed pattern.
    /// A later duplicate replaces the earlier one's value.
    pub(crate) fn insert(&mut self, pattern: &str, value: V) -> Result<(), String> {
        for variant in expand(pattern)? {
            let words: Vec<String> = tokenize(&variant).into_iter().filter(|t| !t.is_dash()).map(|t| t.text).collect();
            let Some(first) = words.first().cloned() else {
                return Err(format!("`{pattern}` has no words"));
            };
            let entries = self.by_first.entry(first).or_default();
            match entries.iter_mut().find(|e| e.words == words) {
                Some(entry) => entry.value = value.clone(),
                None => entries.push(Entry { words, value: value.clone() }),
            }
            // Longest first, so the first match found at a position is the longest.
            entries.sort_by(|a, b| b.words.len().cmp(&a.words.len()));
        }
        Ok(())
    }
}

impl<V> PhraseSet<V> {
    /// The longest phrase starting at token `i` made of unused tokens: its end (exclusive)
    /// and its value.
    pub(crate) fn longest_at(&self, scan: &Scan, i: usize) -> Option<(usize, &V)> {
        let first = scan.free(i)?;
        let found = |key: &str| {
            let entries = self.by_first.get(key)?;
            entries.iter().find_map(|e| matches(&e.words, scan, i).map(|end| (end, &e.value)))
        };
        // A possessive is also found under its base word: "dad's" under "dad".
        found(&first.text).or_else(|| if first.possessive { found(first.base()) } else { None })
    }

    /// Whether a phrase starts at `i`.
    pub(crate) fn starts_at(&self, scan: &Scan, i: usize) -> bool {
        self.longest_at(scan, i).is_some()
    }

    /// The longest phrase ending exactly at `end` (exclusive): its start and value.
    pub(crate) fn ending_at(&self, scan: &Scan, end: usize, max_words: usize) -> Option<(usize, &V)> {
        let earliest = end.saturating_sub(max_words * 2);
        (earliest..end).find_map(|start| {
            let first = scan.free(start)?;
            let entries = self.by_first.get(first.text.as_str())?;
            entries.iter().find_map(|e| (matches(&e.words, scan, start) == Some(end)).then_some((start, &e.value)))
        })
    }

    /// Every phrase in order, leftmost-longest and not overlapping: `(start, end, value)`.
    pub(crate) fn find_all(&self, scan: &Scan) -> Vec<(usize, usize, &V)> {
        let mut found = Vec::new();
        let mut i = 0;
        while i < scan.len() {
            match self.longest_at(scan, i) {
                Some((end, value)) => {
                    found.push((i, end, value));
                    i = end;
                }
                None => i += 1,
            }
        }
        found
    }

    /// Whether `word` on its own is one of the phrases.
    pub(crate) fn has_word(&self, word: &str) -> bool {
        self.by_first.get(word).is_some_and(|entries| entries.iter().any(|e| e.words.len() == 1))
    }
}

/// Where `words` match the unused tokens from `start` (dashes between words skipped).
fn matches(words: &[String], scan: &Scan, start: usize) -> Option<usize> {
    let mut t = start;
    for (k, word) in words.iter().enumerate() {
        if k > 0 {
            while scan.free(t).is_some_and(Token::is_dash) {
                t += 1;
            }
        }
        let token = scan.free(t)?;
        let last = k + 1 == words.len();
        if token.text != *word && !(last && token.possessive && token.base() == word) {
            return None;
        }
        t += 1;
    }
    Some(t)
}

/// Expands `(a|b)` and `[a|b]` groups into every variant, whitespace collapsed.
pub(crate) fn expand(pattern: &str) -> Result<Vec<String>, String> {
    let mut variants = vec![String::new()];
    let mut rest = pattern;
    while !rest.is_empty() {
        let Some(open) = rest.find(['(', '[']) else {
            literal(&mut variants, rest, pattern)?;
            break;
        };
        literal(&mut variants, &rest[..open], pattern)?;
        let opener = rest.as_bytes()[open];
        let closer = if opener == b'(' { ')' } else { ']' };
        let body_start = open + 1;
        let Some(close) = rest[body_start..].find(closer).map(|c| c + body_start) else {
            return Err(format!("`{pattern}`: `{}` is never closed", opener as char));
        };
        let body = &rest[body_start..close];
        if body.contains(['(', '[', ')', ']']) {
            return Err(format!("`{pattern}`: groups cannot be nested"));
        }
        let mut choices: Vec<&str> = body.split('|').collect();
        if opener == b'[' {
            choices.push("");
        }
        append(&mut variants, &choices);
        if variants.len() > MAX_VARIANTS {
            return Err(format!("`{pattern}` expands to more than {MAX_VARIANTS} phrases"));
        }
        rest = &rest[close + 1..];
    }
    Ok(variants.into_iter().map(|v| v.split_whitespace().collect::<Vec<_>>().join(" ")).collect())
}

fn literal(variants: &mut Vec<String>, text: &str, pattern: &str) -> Result<(), String> {
    if text.contains([')', ']']) {
        return Err(format!("`{pattern}`: a group is closed but never opened"));
    }
    append(variants, &[text]);
    Ok(())
}

fn append(variants: &mut Vec<String>, choices: &[&str]) {
    let mut next = Vec::with_capacity(variants.len() * choices.len());
    for variant in variants.iter() {
        for choice in choices {
            next.push(format!("{variant}{choice}"));
        }
    }
    *variants = next;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(patterns: &[&str]) -> PhraseSet<u32> {
        let mut set = PhraseSet::default();
        for (i, p) in patterns.iter().enumerate() {
            set.insert(p, i as u32).unwrap();
        }
        set
    }

    #[test]
    fn patterns_expand_alternatives_and_optional_words() {
        let mut got = expand("(talk|speak) to [a|an] human").unwrap();
        got.sort();
        assert_eq!(got.len(), 6);
        assert!(got.contains(&"talk to human".to_string()));
        assert!(got.contains(&"speak to an human".to_string()));
    }

    #[test]
    fn malformed_patterns_are_explained() {
        assert!(expand("(a|b").unwrap_err().contains("never closed"));
        assert!(expand("a)").unwrap_err().contains("never opened"));
        assert!(expand("((a))").unwrap_err().contains("nested"));
    }

    #[test]
    fn the_longest_phrase_wins_and_dashes_are_skipped() {
        let phrases = set(&["no", "no more than", "sister in law"]);
        let scan = Scan::new("no more than 20 for my sister-in-law");
        let found = phrases.find_all(&scan);
        assert_eq!(found[0], (0, 3, &1));
        assert_eq!(found[1].2, &2);
    }

    #[test]
    fn a_possessive_matches_its_base_word() {
        let phrases = set(&["dad", "mothers day"]);
        let scan = Scan::new("dad's gift, mother's day");
        let found = phrases.find_all(&scan);
        assert_eq!(found.len(), 2);
    }

    #[test]
    fn phrases_ending_at_a_position_are_found() {
        let phrases = set(&["less than", "no less than"]);
        let scan = Scan::new("no less than 20");
        assert_eq!(phrases.ending_at(&scan, 3, 4), Some((0, &1)));
    }
}
