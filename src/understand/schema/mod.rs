//! The lexicon files' TOML shapes and their compilation into phrase sets: one submodule per
//! group of files, sharing [`Source`] (a file being compiled and its problems).
//!
//! Every struct denies unknown keys, so a misspelt key is a `file:line` problem instead of a
//! silently ignored list. Phrases keep their spans, so a bad pattern or an unknown currency code
//! is reported at its own line.

mod money;
mod people;
mod talk;

use std::collections::BTreeMap;
use std::ops::Range;

use serde::de::DeserializeOwned;
use toml::Spanned;

use super::phrases::{PhraseSet, Vocab};
use super::tokens::tokenize;
use crate::money::Currency;
use crate::problem::Problem;

pub(crate) use money::{currencies, money};
pub(crate) use people::{ages, occasions, purpose, recipients, stopwords};
pub(crate) use talk::{acts, interests};

type List = Vec<Spanned<String>>;
type Table = BTreeMap<Spanned<String>, Spanned<String>>;

/// One file being compiled: its shown name, its text, and where its problems go.
pub(crate) struct Source<'a> {
    file: &'a str,
    text: &'a str,
    problems: &'a mut Vec<Problem>,
    vocab: &'a mut Vocab,
}

impl<'a> Source<'a> {
    pub(crate) fn new(
        file: &'a str,
        text: &'a str,
        problems: &'a mut Vec<Problem>,
        vocab: &'a mut Vocab,
    ) -> Source<'a> {
        Source { file, text, problems, vocab }
    }

    pub(super) fn problem(&mut self, span: Range<usize>, message: String) {
        let end = span.start.min(self.text.len());
        let line = self.text.as_bytes()[..end].iter().filter(|&&b| b == b'\n').count() + 1;
        self.problems.push(Problem { file: self.file.to_string(), line, message });
    }

    /// Parses the file; a syntax or shape error becomes a problem and the default (empty) shape.
    pub(super) fn parse<T: DeserializeOwned + Default>(&mut self) -> T {
        match toml::from_str::<T>(self.text) {
            Ok(value) => value,
            Err(e) => {
                let message = e.message().trim().replace('\n', " ");
                let span = e.span().unwrap_or(0..0);
                self.problem(span, message);
                T::default()
            }
        }
    }

    /// Adds every phrase of `list` to `set` with `value`.
    pub(super) fn add<V: Clone>(&mut self, set: &mut PhraseSet<V>, list: &[Spanned<String>], value: V) {
        for phrase in list {
            if let Err(message) = set.insert(self.vocab, phrase.get_ref(), value.clone()) {
                self.problem(phrase.span(), message);
            }
        }
    }

    pub(super) fn set(&mut self, list: &List) -> PhraseSet<()> {
        let mut set = PhraseSet::default();
        self.add(&mut set, list, ());
        set
    }

    pub(super) fn currency(&mut self, code: &Spanned<String>) -> Option<Currency> {
        match code.get_ref().parse::<Currency>() {
            Ok(currency) => Some(currency),
            Err(message) => {
                self.problem(code.span(), message);
                None
            }
        }
    }
}

/// The normalised text of a phrase as the rules compare it: tokens joined by single spaces,
/// except where they were glued (`d&d`).
pub(crate) fn normal(text: &str) -> String {
    let mut out = String::new();
    for token in tokenize(text) {
        if !out.is_empty() && !token.glued {
            out.push(' ');
        }
        out.push_str(&token.text);
    }
    out
}
