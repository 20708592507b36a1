//! Keywords: the content words no rule used, left for text search ("wooden", "train", "set").
//!
//! A keyword is a word, or a run of tokens written together (`ps5`, `t-shirt`, `3-in-1`), that
//! is not a stopword, not filler ("looking for") and not a hedge ("I guess"). A number on its
//! own is only kept right after a kept word, as in a model name ("iPhone 15").

use std::collections::HashSet;

use super::lexicon::Lexicon;
use super::tokens::{Kind, Scan, Token};

/// The keywords in text order, lowercase, without duplicates.
pub(crate) fn keywords(scan: &Scan, lex: &Lexicon) -> Vec<String> {
    let mut skip = scan.used.clone();
    for set in [&lex.stop.filler, &lex.money.hedges] {
        for (start, end, _) in set.find_all(scan) {
            skip[start..end].iter_mut().for_each(|s| *s = true);
        }
    }
    let mut out: Vec<String> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    let mut kept_until = usize::MAX;
    let mut i = 0;
    while i < scan.len() {
        let token = &scan.tokens[i];
        if skip[i] || !(token.is_word() || token.is_num()) {
            i += 1;
            continue;
        }
        let mut j = i + 1;
        while j < scan.len() && !skip[j] && scan.tokens[j].glued && joins(&scan.tokens, j) {
            j += 1;
        }
        let run = &scan.tokens[i..j];
        // "over 60s", "the 2nd": age groups and ordinals are not search words.
        let decade =
            run.len() == 2 && run[0].is_num() && matches!(run[1].text.as_str(), "s" | "st" | "nd" | "rd" | "th");
        let keep = if decade {
            false
        } else if run.len() > 1 {
            run.iter().any(|t| t.is_num() || (t.is_word() && !t.stop))
        } else if token.is_num() {
            kept_until == i
        } else {
            token.text.chars().count() > 1 && !token.stop
        };
        if keep {
            let text = written(run);
            if seen.insert(text.clone()) {
                out.push(text);
            }
            kept_until = j;
        }
        i = j;
    }
    out
}

/// Whether the glued token at `j` continues a run: a word or number, or a joining symbol
/// followed by one (`t-shirt`, `d&d`).
fn joins(tokens: &[Token], j: usize) -> bool {
    let token = &tokens[j];
    match token.kind {
        Kind::Word | Kind::Num => true,
        Kind::Sym => {
            matches!(token.text.as_str(), "-" | "&" | "+")
                && tokens.get(j + 1).is_some_and(|n| n.glued && (n.is_word() || n.is_num()))
        }
        Kind::Punct => false,
    }
}

fn written(run: &[Token]) -> String {
    run.iter().map(|t| if run.len() == 1 { t.base() } else { t.text.as_str() }).collect()
}
