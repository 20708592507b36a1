//! Phrase sets: the lexicon's words and phrases, matched against tokens leftmost-longest.
//!
//! Merchants write phrases as plain text with a tiny pattern syntax so one line covers the
//! variants shoppers type: `(a|b)` is one of the alternatives, `[a|b]` an optional one. So
//! `(talk|speak) to [a|an] (human|person)` is eight phrases. A phrase is tokenised like the
//! shopper's text, and dashes are ignored between its words, so `sister-in-law` also matches
//! "sister in law". The last word of a phrase also matches its possessive (`dad` matches
//! "dad's"), so "mum's birthday" still names a mum.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

use super::tokens::{Scan, Token, UNKNOWN, tokenize};

/// The most variants one pattern may expand to; more is surely a typo in the file.
const MAX_VARIANTS: usize = 4096;

/// FNV-1a: a fast hash for the short words of the vocabulary. The tables hashed with it are
/// built from the merchant's files only; shoppers' words are looked up, never inserted.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut hash = if self.0 == 0 { 0xcbf2_9ce4_8422_2325 } else { self.0 };
        for byte in bytes {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = hash;
    }
}

pub(crate) type FnvBuild = BuildHasherDefault<Fnv>;

/// A set of words, hashed with [`Fnv`].
pub(crate) type WordSet = HashSet<String, FnvBuild>;

/// Every word any phrase of the lexicon uses, numbered, so a message's tokens are looked up
/// once and phrase matching compares numbers.
#[derive(Debug, Clone, Default)]
pub(crate) struct Vocab {
    ids: HashMap<String, u32, FnvBuild>,
}

impl Vocab {
    /// The id of `word`, adding it when new.
    pub(crate) fn intern(&mut self, word: &str) -> u32 {
        if let Some(&id) = self.ids.get(word) {
            return id;
        }
        let id = u32::try_from(self.ids.len()).unwrap_or(UNKNOWN - 1);
        self.ids.insert(word.to_string(), id);
        id
    }

    /// The id of `word`, or [`UNKNOWN`].
    pub(crate) fn get(&self, word: &str) -> u32 {
        self.ids.get(word).copied().unwrap_or(UNKNOWN)
    }
}

/// A set of phrases, each with a value, stored as a trie of word ids so finding the longest
/// phrase at a position costs one comparison search per word, however many phrases there are.
#[derive(Debug, Clone)]
pub(crate) struct PhraseSet<V> {
    /// The first word's node by word id (0: none), so most positions are rejected at once.
    root: Vec<u32>,
    nodes: Vec<Node<V>>,
}

#[derive(Debug, Clone)]
struct Node<V> {
    /// (word id, child node), sorted by word id.
    next: Vec<(u32, u32)>,
    value: Option<V>,
}

impl<V> Node<V> {
    fn child(&self, id: u32) -> Option<usize> {
        if id == UNKNOWN {
            return None;
        }
        self.next.binary_search_by_key(&id, |(w, _)| *w).ok().map(|k| self.next[k].1 as usize)
    }
}

impl<V> Default for PhraseSet<V> {
    fn default() -> Self {
        PhraseSet { root: Vec::new(), nodes: vec![Node { next: Vec::new(), value: None }] }
    }
}

impl<V: Clone> PhraseSet<V> {
    /// Adds every variant of `pattern` with `value`, its words numbered in `vocab`; `Err`
    /// explains a malformed pattern. A later duplicate replaces the earlier one's value.
    pub(crate) fn insert(&mut self, vocab: &mut Vocab, pattern: &str, value: V) -> Result<(), String> {
        for variant in expand(pattern)? {
            let words: Vec<u32> =
                tokenize(&variant).into_iter().filter(|t| !t.is_dash()).map(|t| vocab.intern(&t.text)).collect();
            if words.is_empty() {
                return Err(format!("`{pattern}` has no words"));
            }
            let mut node = self.first(words[0]);
            for &word in &words[1..] {
                node = match self.nodes[node].next.binary_search_by_key(&word, |(w, _)| *w) {
                    Ok(k) => self.nodes[node].next[k].1 as usize,
                    Err(k) => {
                        self.nodes.push(Node { next: Vec::new(), value: None });
                        let child = self.nodes.len() - 1;
                        self.nodes[node].next.insert(k, (word, child as u32));
                        child
                    }
                };
            }
            self.nodes[node].value = Some(value.clone());
        }
        Ok(())
    }

    /// The node of a phrase's first word, created when new.
    fn first(&mut self, word: u32) -> usize {
        let slot = word as usize;
        if self.root.len() <= slot {
            self.root.resize(slot + 1, 0);
        }
        if self.root[slot] == 0 {
            self.nodes.push(Node { next: Vec::new(), value: None });
            self.root[slot] = (self.nodes.len() - 1) as u32;
        }
        self.root[slot] as usize
    }
}

impl<V> PhraseSet<V> {
    /// The longest phrase starting at token `i` made of unused tokens: its end (exclusive)
    /// and its value.
    pub(crate) fn longest_at(&self, scan: &Scan, i: usize) -> Option<(usize, &V)> {
        self.walk(scan, i, usize::MAX)
    }

    /// Walks the trie from token `i`; returns the longest match, or with `only_end` set, the
    /// match ending exactly there.
    fn walk(&self, scan: &Scan, i: usize, only_end: usize) -> Option<(usize, &V)> {
        let first = scan.free(i)?;
        if self.start(first.id).is_none() && !(first.possessive && self.start(first.base_id).is_some()) {
            return None; // most tokens start no phrase: one array read
        }
        let mut node = 0;
        let mut t = i;
        let mut best = None;
        loop {
            if t > i {
                while scan.free(t).is_some_and(Token::is_dash) {
                    t += 1; // dashes between words: "sister-in-law"
                }
            }
            let Some(token) = scan.free(t) else { break };
            let here = &self.nodes[node];
            let child_of = |id: u32| if node == 0 { self.start(id) } else { here.child(id) };
            let child = child_of(token.id);
            if let Some(value) = child.and_then(|c| self.nodes[c].value.as_ref())
                && (only_end == usize::MAX || only_end == t + 1)
            {
                best = Some((t + 1, value));
            }
            // A possessive ends a phrase in its base form, and that reading wins over the
            // plain text: "girlfriend's" is a girlfriend, not "girlfriends".
            if token.possessive
                && let Some(value) = child_of(token.base_id).and_then(|c| self.nodes[c].value.as_ref())
                && (only_end == usize::MAX || only_end == t + 1)
            {
                best = Some((t + 1, value));
            }
            let Some(child) = child else { break };
            node = child;
            t += 1;
            if t >= only_end {
                break;
            }
        }
        best
    }

    /// Whether a phrase starts at `i`.
    pub(crate) fn starts_at(&self, scan: &Scan, i: usize) -> bool {
        self.longest_at(scan, i).is_some()
    }

    /// The longest phrase ending exactly at `end` (exclusive): its start and value.
    pub(crate) fn ending_at(&self, scan: &Scan, end: usize, max_words: usize) -> Option<(usize, &V)> {
        let earliest = end.saturating_sub(max_words * 2);
        (earliest..end).find_map(|start| self.walk(scan, start, end).map(|(_, v)| (start, v)))
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

    /// The node of phrases starting with word `id`.
    fn start(&self, id: u32) -> Option<usize> {
        self.root.get(id as usize).filter(|&&n| n != 0).map(|&n| n as usize)
    }

    /// Whether `token` on its own is one of the phrases.
    pub(crate) fn has_word(&self, token: &Token) -> bool {
        self.start(token.id).is_some_and(|c| self.nodes[c].value.is_some())
    }

    /// The value of the one-word phrase that `token` is the plural (or apostrophe-less
    /// possessive) of: "wifes", "nans".
    pub(crate) fn singular_value(&self, token: &Token) -> Option<&V> {
        self.start(token.singular_id).and_then(|c| self.nodes[c].value.as_ref())
    }

    /// Whether `token`'s base word (`dad` for `dad's`) on its own is one of the phrases.
    pub(crate) fn has_base(&self, token: &Token) -> bool {
        self.start(token.base_id).is_some_and(|c| self.nodes[c].value.is_some())
    }
}

/// Expands `(a|b)` and `[a|b]` groups into every variant, whitespace collapsed.
pub(crate) fn expand(pattern: &str) -> Result<Vec<String>, String> {
    if pattern.contains(")?") || pattern.contains("]?") {
        return Err(format!("`{pattern}`: `(...)?` is not pattern syntax; write optional words as `[word]`"));
    }
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

    fn set(patterns: &[&str]) -> (PhraseSet<u32>, Vocab) {
        let mut set = PhraseSet::default();
        let mut vocab = Vocab::default();
        for (i, p) in patterns.iter().enumerate() {
            set.insert(&mut vocab, p, i as u32).unwrap();
        }
        (set, vocab)
    }

    fn scan(text: &str, vocab: &Vocab) -> Scan {
        Scan::read(text, vocab, &WordSet::default())
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
        let (phrases, vocab) = set(&["no", "no more than", "sister in law"]);
        let scan = scan("no more than 20 for my sister-in-law", &vocab);
        let found = phrases.find_all(&scan);
        assert_eq!(found[0], (0, 3, &1));
        assert_eq!(found[1].2, &2);
    }

    #[test]
    fn a_possessive_matches_its_base_word() {
        let (phrases, vocab) = set(&["dad", "mothers day"]);
        let scan = scan("dad's gift, mother's day", &vocab);
        let found = phrases.find_all(&scan);
        assert_eq!(found.len(), 2);
    }

    #[test]
    fn phrases_ending_at_a_position_are_found() {
        let (phrases, vocab) = set(&["less than", "no less than"]);
        let scan = scan("no less than 20", &vocab);
        assert_eq!(phrases.ending_at(&scan, 3, 4), Some((0, &1)));
    }
}
