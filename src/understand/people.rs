//! Recipients and purpose: "for my 6yo nephew" names a `child` (the word "nephew" kept), and a
//! named recipient makes the purpose a gift; "for me", "treat myself" make it "self".
//!
//! A recipient in a possessive chain is not the recipient ("my son's teacher" is for the
//! teacher); a negated one is not either ("not for my mum"); a self-description is the shopper
//! ("I'm a teacher looking for ..."). Ambiguous words ("pop", "mate") only count after "my",
//! "his", "her" ... so "pop music" and "cheers mate" name nobody.

use super::Draft;
use super::lexicon::Lexicon;
use super::tokens::Scan;
use crate::slots::{Purpose, SlotName};

/// Words that, right before a recipient, negate it ("not for my mum").
const NEGATIONS: [&str; 5] = ["not", "isnt", "arent", "wasnt", "never"];

/// Verbs that, right after a person, make them someone who told or did something rather than
/// who the purchase is for ("my friend told me about you", "my sister recommended it").
const REPORTING: [&str; 22] = [
    "told",
    "tells",
    "said",
    "says",
    "say",
    "made",
    "makes",
    "recommended",
    "recommends",
    "suggested",
    "suggests",
    "mentioned",
    "mentions",
    "showed",
    "shows",
    "sent",
    "saw",
    "bought",
    "has",
    "had",
    "uses",
    "used",
];

/// One recipient named in the message.
struct Mention {
    start: usize,
    end: usize,
    canonical: String,
    negated: bool,
}

/// Reads recipients and purpose, consuming them.
pub(crate) fn extract(scan: &mut Scan, lex: &Lexicon, asking: Option<SlotName>, draft: &mut Draft) {
    recipients(scan, lex, draft);
    purpose(scan, lex, asking, draft);
}

fn recipients(scan: &mut Scan, lex: &Lexicon, draft: &mut Draft) {
    let mut mentions: Vec<Mention> = Vec::new();
    let mut i = 0;
    while i < scan.len() {
        if scan.free(i).is_none() {
            i += 1;
            continue;
        }
        if let Some((after, _)) = lex.purpose.self_description.longest_at(scan, i)
            && let Some((end, _)) = recipient_at(scan, lex, after)
        {
            scan.consume(i, end); // "I'm a teacher": the shopper, not the recipient
            i = end;
            continue;
        }
        match recipient_at(scan, lex, i) {
            Some((end, canonical)) => {
                let negated = negated(scan, i) || reporting(scan, end);
                mentions.push(Mention { start: i, end, canonical, negated });
                i = end;
            }
            None => i += 1,
        }
    }
    let chosen = mentions.iter().enumerate().find(|(k, m)| {
        let owner_of_next = scan.tokens[m.end - 1].possessive && mentions.get(k + 1).is_some_and(|n| n.start == m.end);
        !m.negated && !owner_of_next
    });
    if let Some((_, m)) = chosen {
        draft.slots.recipient = Some(m.canonical.clone());
        draft.slots.recipient_word = Some(written(scan, m.start, m.end));
    }
    for m in &mentions {
        scan.consume(m.start, m.end);
    }
}

/// The recipient phrase at `i`: its end and normalised name.
fn recipient_at(scan: &Scan, lex: &Lexicon, i: usize) -> Option<(usize, String)> {
    let words = &lex.recipients;
    if let Some((end, canonical)) = words.words.longest_at(scan, i) {
        return Some((end, canonical.clone()));
    }
    if let Some(canonical) = scan.free(i).and_then(|t| words.words.singular_value(t)) {
        return Some((i + 1, canonical.clone())); // "my wifes birthday", "the bros"
    }
    let owner = i.checked_sub(1).and_then(|p| scan.get(p))?;
    if !words.possessives.has_word(owner) {
        return None;
    }
    words.after_my.longest_at(scan, i).map(|(end, canonical)| (end, canonical.clone()))
}

/// Whether the person ending at `end` is the subject of a reporting verb: "my friend told me",
/// "my sister just recommended".
fn reporting(scan: &Scan, end: usize) -> bool {
    let verb = |k: usize| scan.get(k).is_some_and(|t| REPORTING.contains(&t.text.as_str()));
    let adverb = scan.get(end).is_some_and(|t| matches!(t.text.as_str(), "just" | "once" | "always" | "also"));
    verb(end) || (adverb && verb(end + 1))
}

/// Whether a negation stands right before the recipient at `i`, over "for" and "my".
fn negated(scan: &Scan, i: usize) -> bool {
    let mut k = i;
    for _ in 0..3 {
        let Some(p) = k.checked_sub(1) else { return false };
        let word = scan.get(p).map(|t| t.text.as_str()).unwrap_or("");
        if NEGATIONS.contains(&word) {
            return true;
        }
        if !matches!(word, "for" | "to" | "my" | "our" | "his" | "her" | "their" | "a" | "an" | "the") {
            return false;
        }
        k = p;
    }
    false
}

/// The shopper's words for the recipient, possessive dropped: "nephew", "sister-in-law".
fn written(scan: &Scan, start: usize, end: usize) -> String {
    let token = &scan.tokens[start];
    if end == start + 1 && token.id == super::tokens::UNKNOWN && token.singular_id != super::tokens::UNKNOWN {
        // Found through its singular ("wifes birthday"): the word without its "s".
        return token.text.strip_suffix('s').unwrap_or(&token.text).to_string();
    }
    let mut out = String::new();
    for (k, token) in scan.tokens[start..end].iter().enumerate() {
        if k > 0 && !token.glued {
            out.push(' ');
        }
        out.push_str(if start + k + 1 == end { token.base() } else { &token.text });
    }
    out
}

/// Gift or self. A "self" phrase wins when no recipient is named; a recipient, a gift word,
/// an occasion's gift word or someone else's age make it a gift.
fn purpose(scan: &mut Scan, lex: &Lexicon, asking: Option<SlotName>, draft: &mut Draft) {
    let words = &lex.purpose;
    let gift = consume_all(scan, &words.gift) || someone_else(scan);
    let mut myself = consume_all(scan, &words.myself);
    let first = (0..scan.len()).find(|&k| scan.free(k).is_some_and(|t| !t.is_punct()));
    if let Some(first) = first
        && let Some((end, _)) = words.self_replies.longest_at(scan, first)
    {
        let alone = (end..scan.len()).all(|k| scan.free(k).is_none_or(|t| t.is_punct()));
        if alone || asking == Some(SlotName::Purpose) {
            scan.consume(first, end);
            myself = true;
        }
    }
    draft.slots.purpose = if myself && draft.slots.recipient.is_none() {
        Some(Purpose::Myself)
    } else if gift || myself || draft.slots.recipient.is_some() || draft.gift_hint {
        Some(Purpose::Gift)
    } else {
        None
    };
}

/// Whether the message talks about a third person ("she loves horses"): then it is for them.
fn someone_else(scan: &Scan) -> bool {
    scan.tokens
        .iter()
        .any(|t| matches!(t.text.as_str(), "he" | "she" | "hes" | "shes" | "him" | "his" | "her" | "hers"))
}

fn consume_all(scan: &mut Scan, set: &super::phrases::PhraseSet<()>) -> bool {
    let found: Vec<(usize, usize)> = set.find_all(scan).into_iter().map(|(s, e, _)| (s, e)).collect();
    for &(start, end) in &found {
        scan.consume(start, end);
    }
    !found.is_empty()
}
