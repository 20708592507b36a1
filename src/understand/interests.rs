//! Interests and exclusions: "loves trains and dinosaurs", "into baking", "a keen runner"
//! (running), "a big Harry Potter fan", "dinosaur-mad"; "no lego", "nothing with batteries",
//! "he already has a scooter", "hates spiders" (exclude), "not into sports" (a negated interest
//! is an exclusion).
//!
//! After a trigger, the items run to the end of the phrase and split on "and", "or", "&" and
//! commas, trimmed of filler ("loves playing football too" is football); a phrase ends at
//! punctuation, a stopword that starts a new clause, or anything another rule already read, so
//! "loves trains, budget 20" gives only trains. Known compounds ("arts and crafts") never split.

use super::Draft;
use super::lexicon::Lexicon;
use super::phrases::PhraseSet;
use super::tokens::{Kind, Scan};
use crate::slots::SlotName;

/// Words that join items of one list.
const SEPARATORS: [&str; 6] = ["and", "or", "nor", "plus", "&", "/"];

/// Stopwords that may sit inside an item before more of it ("lord of the rings").
const INSIDE: [&str; 6] = ["of", "the", "de", "du", "la", "n"];

/// The most words in one item, and the most items in one list.
const MAX_WORDS: usize = 5;
const MAX_ITEMS: usize = 8;
const MAX_LISTED: usize = 20;

/// Reads exclusions ("no lego"), consuming them. With `asking` = exclude, a message that is
/// only a list ("lego and barbie") is the list.
pub(crate) fn exclusions(scan: &mut Scan, lex: &Lexicon, asking: Option<SlotName>, draft: &mut Draft) {
    for i in 0..scan.len() {
        let Some((start, _)) = lex.interests.dislikes.longest_at(scan, i) else { continue };
        let (items, end) = items_at(scan, lex, start);
        if !items.is_empty() {
            scan.consume(i, end);
            push_all(&mut draft.slots.exclude, items);
        }
    }
    if asking == Some(SlotName::Exclude) && draft.slots.exclude.is_empty() {
        let items = answer(scan, lex);
        push_all(&mut draft.slots.exclude, items);
    }
}

/// Reads interests, consuming them. With `asking` = interests, a message that is only a list
/// ("horses and books") is the list.
pub(crate) fn interests(scan: &mut Scan, lex: &Lexicon, asking: Option<SlotName>, draft: &mut Draft) {
    let words = &lex.interests;
    let mut found = Vec::new();
    for i in 0..scan.len() {
        // "Love baking", "..., into gaming", and after a person another rule read: "my boys love".
        let at_start = i == 0 || {
            let before = &scan.tokens[i - 1];
            before.is_punct() || before.is_dash() || (scan.used[i - 1] && before.is_word())
        };
        let trigger = words.likes.longest_at(scan, i);
        let trigger = trigger.or_else(|| if at_start { words.likes_at_start.longest_at(scan, i) } else { None });
        let Some((start, _)) = trigger else { continue };
        if words.not_after.ending_at(scan, i, 3).is_some() {
            continue; // "I'd love a ...": a wish, not an interest
        }
        let (items, end) = items_at(scan, lex, start);
        if !items.is_empty() {
            scan.consume(i, end);
            push_all(&mut found, items);
        }
    }
    found.extend(agents(scan, lex));
    found.extend(fans(scan, lex));
    found.extend(crazy(scan, lex));
    if asking == Some(SlotName::Interests) && found.is_empty() {
        found = answer(scan, lex);
    }
    push_all(&mut draft.slots.interests, found);
}

/// Adds new items, at most [`MAX_LISTED`] in all: more is not a shopper describing someone.
fn push_all(into: &mut Vec<String>, items: Vec<String>) {
    for item in items {
        if into.len() < MAX_LISTED && !into.contains(&item) {
            into.push(item);
        }
    }
}

/// The items from `start`: their normalised texts and where the last one ends.
fn items_at(scan: &Scan, lex: &Lexicon, start: usize) -> (Vec<String>, usize) {
    let mut items = Vec::new();
    let (mut i, mut end) = (start, start);
    while items.len() < MAX_ITEMS {
        let (item_start, item_end) = item_span(scan, lex, i);
        let mut any = false;
        for (s, e) in activities(scan, item_start, item_end) {
            if let Some(text) = item_text(scan, lex, s, e) {
                items.push(text);
                any = true;
            }
        }
        if !any {
            break;
        }
        end = item_end;
        let Some(separator) = scan.free(item_end) else { break };
        if separator.text != "," && !SEPARATORS.contains(&separator.text.as_str()) {
            break;
        }
        i = item_end + 1;
        if separator.text == "," && matches!(scan.word(i), Some("and" | "or")) {
            i += 1;
        }
    }
    (items, end)
}

/// Splits a run of activities written without commas ("running cycling swimming"): each word
/// ending in "-ing" after another starts a new item. Other items stay whole.
fn activities(scan: &Scan, start: usize, end: usize) -> Vec<(usize, usize)> {
    if start >= end {
        return Vec::new();
    }
    let gerund =
        |k: usize| scan.tokens[k].is_word() && scan.tokens[k].text.len() > 5 && scan.tokens[k].text.ends_with("ing");
    let mut pieces = Vec::new();
    let mut piece_start = start;
    for k in start + 1..end {
        if gerund(k) && gerund(k - 1) && !scan.tokens[k].glued {
            pieces.push((piece_start, k));
            piece_start = k;
        }
    }
    pieces.push((piece_start, end));
    pieces
}

/// The span of one item from `i`, leading filler skipped.
fn item_span(scan: &Scan, lex: &Lexicon, i: usize) -> (usize, usize) {
    let words = &lex.interests;
    let mut i = i;
    for _ in 0..MAX_WORDS {
        match words.strip_leading.longest_at(scan, i) {
            Some((end, _)) => i = end,
            None => break,
        }
    }
    let start = i;
    let mut count = 0;
    while count < MAX_WORDS {
        let Some(token) = scan.free(i) else { break };
        if let Some((end, _)) = words.compounds.longest_at(scan, i) {
            i = end;
            count += 1;
            continue;
        }
        let joins_word = token.glued && scan.free(i + 1).is_some_and(|n| n.glued && !n.is_punct());
        let keep = match token.kind {
            Kind::Punct => false,
            Kind::Sym => joins_word && matches!(token.text.as_str(), "-" | "&" | "+"),
            Kind::Num => token.glued || count > 0,
            Kind::Word if SEPARATORS.contains(&token.text.as_str()) => false,
            Kind::Word if token.stop => count > 0 && INSIDE.contains(&token.text.as_str()) && content_at(scan, i + 1),
            Kind::Word => !words.likes.starts_at(scan, i) && !words.dislikes.starts_at(scan, i),
        };
        if !keep {
            break;
        }
        i += 1;
        count += 1;
    }
    (start, i)
}

fn content_at(scan: &Scan, i: usize) -> bool {
    scan.free(i).is_some_and(|t| t.is_word() && !t.stop)
}

/// The item's text, trailing filler trimmed and synonyms applied; `None` when nothing is left.
fn item_text(scan: &Scan, lex: &Lexicon, start: usize, end: usize) -> Option<String> {
    let mut end = end;
    while end > start {
        if scan.tokens[end - 1].is_dash() {
            end -= 1; // "dinosaur-" of "dinosaur-mad"
            continue;
        }
        match lex.interests.strip_trailing.ending_at(scan, end, 4) {
            Some((s, _)) if s >= start && s < end => end = s,
            _ => break,
        }
    }
    let tokens = scan.tokens.get(start..end)?;
    if !tokens.iter().any(|t| t.is_word() && !t.stop) {
        return None;
    }
    let mut text = String::new();
    for (k, token) in tokens.iter().enumerate() {
        if k > 0 && !token.glued {
            text.push(' ');
        }
        text.push_str(&token.text);
    }
    Some(lex.interests.synonyms.get(&text).cloned().unwrap_or(text))
}

/// "a keen runner" → running, "she's a baker" → baking.
fn agents(scan: &mut Scan, lex: &Lexicon) -> Vec<String> {
    let words = &lex.interests;
    let mut found = Vec::new();
    for i in 0..scan.len() {
        let Some((end, interest)) = words.agents.longest_at(scan, i) else { continue };
        let context =
            words.intensifiers.ending_at(scan, i, 3).or_else(|| words.is_a.ending_at(scan, i, 3)).map(|c| c.0);
        let article = i.checked_sub(1).filter(|&p| matches!(scan.word(p), Some("a" | "an")));
        if let Some(start) = context.or(article) {
            found.push(interest.clone());
            scan.consume(start, end);
        }
    }
    found
}

/// "a dog lover", "film buff", "a big football fan": the words before the fan word.
fn fans(scan: &mut Scan, lex: &Lexicon) -> Vec<String> {
    let words = &lex.interests;
    let mut found = Vec::new();
    for i in 0..scan.len() {
        let strong = words.fans.longest_at(scan, i);
        let Some((end, _)) = strong.or_else(|| words.weak_fans.longest_at(scan, i)) else { continue };
        let start = words_before(scan, lex, i);
        let backed = words.intensifiers.ending_at(scan, start, 3).or_else(|| words.is_a.ending_at(scan, start, 3));
        if start == i || (strong.is_none() && backed.is_none()) {
            continue;
        }
        if let Some(text) = item_text(scan, lex, start, i) {
            found.push(text);
            scan.consume(backed.map_or(start, |b| b.0), end);
        }
    }
    found
}

/// "dinosaur-mad", "horse crazy", "lego-loving".
fn crazy(scan: &mut Scan, lex: &Lexicon) -> Vec<String> {
    let mut found = Vec::new();
    for i in 0..scan.len() {
        let Some((end, _)) = lex.interests.crazy.longest_at(scan, i) else { continue };
        let start = words_before(scan, lex, i);
        if start < i
            && let Some(text) = item_text(scan, lex, start, i)
        {
            found.push(text);
            scan.consume(start, end);
        }
    }
    found
}

/// Where the content words right before `i` start (up to three, dashes skipped): `i` if none.
fn words_before(scan: &Scan, lex: &Lexicon, i: usize) -> usize {
    let skip: &PhraseSet<()> = &lex.interests.intensifiers;
    let mut start = i;
    let mut k = i;
    for _ in 0..3 {
        let Some(p) = scan.prev(k) else { break };
        let Some(token) = scan.free(p).filter(|t| t.is_word()) else { break };
        if token.stop || skip.has_word(token) {
            break;
        }
        start = p;
        k = p;
    }
    start
}

/// A reply that is only a list: the items from its first content word.
fn answer(scan: &mut Scan, lex: &Lexicon) -> Vec<String> {
    let Some(first) = (0..scan.len()).find(|&k| content_at(scan, k)) else { return Vec::new() };
    let (items, end) = items_at(scan, lex, first);
    if !items.is_empty() {
        scan.consume(first, end);
    }
    items
}
