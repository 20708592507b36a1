//! Dialogue acts: what a message does besides stating facts ("yes", "cheaper", "why the first
//! one?", "forget my budget", "talk to a person").
//!
//! Acts are matched on the tokens the money rules left, so "cheaper than £20" is a budget, not
//! a request for cheaper products. Reply words ("yes", "no", "hi") only count at the start of
//! a message and before its end, punctuation or a typical continuation, so "no lego" stays an
//! exclusion and "hello kitty" a product.

use serde::{Serialize, Serializer};

use super::lexicon::Lexicon;
use super::numbers::ordinal_at;
use super::tokens::Scan;
use crate::slots::SlotName;

/// A dialogue act recognised in a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Act {
    Yes,
    No,
    DontKnow,
    Skip,
    SurpriseMe,
    Greeting,
    Thanks,
    Cheaper,
    Pricier,
    SomethingElse,
    /// More like the product at this 1-based position of the last reply ("the second one",
    /// "#2"); [`Act::LAST`] means the last one shown. Serialised as the number, or `"last"`.
    MoreLike(#[serde(serialize_with = "position")] usize),
    /// Why a product was shown: its 1-based position ([`Act::LAST`] for the last), or `None`
    /// for "why that one" / "why these".
    Why(#[serde(serialize_with = "maybe_position")] Option<usize>),
    StartOver,
    ShowProfile,
    /// Forget one slot, or with `None` everything the shopper told us ("forget everything",
    /// "delete my data", and also "forget that": the dialogue should confirm before erasing).
    Forget(Option<SlotName>),
    /// The shopper asks for a person.
    Handover,
    /// The shopper asks what happens to their data.
    Privacy,
    /// The shopper asks what goes with a product ("what goes with this?", "what else do I need
    /// for it?"): complements, from what the shop's customers bought together.
    GoesWith,
}

impl Act {
    /// The position meaning "the last one shown" in [`Act::MoreLike`] and [`Act::Why`].
    pub const LAST: usize = usize::MAX;
}

fn position<S: Serializer>(position: &usize, serializer: S) -> Result<S::Ok, S::Error> {
    if *position == Act::LAST { serializer.serialize_str("last") } else { serializer.serialize_u64(*position as u64) }
}

fn maybe_position<S: Serializer>(position: &Option<usize>, serializer: S) -> Result<S::Ok, S::Error> {
    match position {
        Some(p) => self::position(p, serializer),
        None => serializer.serialize_none(),
    }
}

/// The acts without a payload, as the lexicon names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Simple {
    Yes,
    No,
    DontKnow,
    Skip,
    SurpriseMe,
    Greeting,
    Thanks,
    Cheaper,
    Pricier,
    SomethingElse,
    StartOver,
    ShowProfile,
    Handover,
    Privacy,
    GoesWith,
}

impl Simple {
    fn act(self) -> Act {
        match self {
            Simple::Yes => Act::Yes,
            Simple::No => Act::No,
            Simple::DontKnow => Act::DontKnow,
            Simple::Skip => Act::Skip,
            Simple::SurpriseMe => Act::SurpriseMe,
            Simple::Greeting => Act::Greeting,
            Simple::Thanks => Act::Thanks,
            Simple::Cheaper => Act::Cheaper,
            Simple::Pricier => Act::Pricier,
            Simple::SomethingElse => Act::SomethingElse,
            Simple::StartOver => Act::StartOver,
            Simple::ShowProfile => Act::ShowProfile,
            Simple::Handover => Act::Handover,
            Simple::Privacy => Act::Privacy,
            Simple::GoesWith => Act::GoesWith,
        }
    }
}

/// The highest position a shopper can point at; larger numbers are not positions.
const MAX_POSITION: usize = 50;

/// Finds the acts in the unused tokens, consuming them; returns them in text order.
pub(crate) fn extract(scan: &mut Scan, lex: &Lexicon) -> Vec<Act> {
    let mut found: Vec<(usize, Act)> = Vec::new();
    forget(scan, lex, &mut found);
    why(scan, lex, &mut found);
    more_like(scan, lex, &mut found);
    for (start, end, simple) in lex.acts.phrases.find_all(scan) {
        found.push((start, simple.act()));
        scan.consume(start, end);
        // "What goes with the second one?": the pointer says which product.
        if *simple == Simple::GoesWith
            && let Some((n, stop)) = position_at(scan, lex, end)
        {
            found.push((end, Act::MoreLike(n)));
            scan.consume(end, stop);
        }
    }
    replies(scan, lex, &mut found);
    found.sort_by_key(|(at, _)| *at);
    let mut acts: Vec<Act> = Vec::with_capacity(found.len());
    for (_, act) in found {
        if !acts.contains(&act) {
            acts.push(act);
        }
    }
    acts
}

/// "forget my budget", "delete my data", "forget everything".
fn forget(scan: &mut Scan, lex: &Lexicon, found: &mut Vec<(usize, Act)>) {
    let words = &lex.acts;
    for i in 0..scan.len() {
        let Some((mut j, _)) = words.forget.longest_at(scan, i) else { continue };
        if scan.is(j, "about") {
            j += 1;
        }
        let what = match words.forget_slots.longest_at(scan, j) {
            Some((end, slot)) => Some((end, Some(*slot))),
            None => words.forget_everything.longest_at(scan, j).map(|(end, _)| (end, None)),
        };
        if let Some((end, slot)) = what {
            found.push((i, Act::Forget(slot)));
            scan.consume(i, end);
        }
    }
}

/// "why that one", "why the first", "why did you pick #3"; "why not" is left for Yes.
fn why(scan: &mut Scan, lex: &Lexicon, found: &mut Vec<(usize, Act)>) {
    let words = &lex.acts;
    for i in 0..scan.len() {
        if words.why_not.starts_at(scan, i) {
            continue;
        }
        let Some((end, _)) = words.why.longest_at(scan, i) else { continue };
        let mut pointed = None;
        let mut j = end;
        while j < scan.len() && j < end + 8 && !scan.tokens[j].ends_sentence() {
            if let Some((n, stop)) = position_at(scan, lex, j) {
                pointed = Some(n);
                scan.consume(j, stop);
                break;
            }
            j += 1;
        }
        found.push((i, Act::Why(pointed)));
        scan.consume(i, end);
    }
}

/// "more like the second one", "similar to #2", and a message that is only a position.
fn more_like(scan: &mut Scan, lex: &Lexicon, found: &mut Vec<(usize, Act)>) {
    for i in 0..scan.len() {
        let Some((end, _)) = lex.acts.more_like.longest_at(scan, i) else { continue };
        if let Some((n, stop)) = position_at(scan, lex, end) {
            found.push((i, Act::MoreLike(n)));
            scan.consume(i, stop);
        }
    }
    // A message that starts by pointing at a product is about it: "the third one looks good",
    // "yes, the second one".
    let mut first = 0;
    while let Some(token) = scan.free(first) {
        match lex.acts.replies.longest_at(scan, first) {
            Some((end, _)) => first = end,
            None if token.is_punct() => first += 1,
            None => break,
        }
    }
    if let Some((n, stop)) = position_at(scan, lex, first) {
        found.push((first, Act::MoreLike(n)));
        scan.consume(first, stop);
    }
}

/// A pointer at a shown product from `i`: "the second one", "#2", "option 3", "the last one".
pub(crate) fn position_at(scan: &Scan, lex: &Lexicon, i: usize) -> Option<(usize, usize)> {
    let mut i = i;
    if matches!(scan.word(i), Some("the" | "that" | "this" | "your")) {
        i += 1;
    }
    let (n, mut end) = if let Some((end, _)) = lex.acts.position_last.longest_at(scan, i) {
        (Act::LAST, end)
    } else if let Some((n, end)) = ordinal_at(scan, i).filter(|(n, _)| (1..=MAX_POSITION as u32).contains(n)) {
        (n as usize, end)
    } else {
        let (mut j, _) = lex.acts.position_markers.longest_at(scan, i)?;
        if scan.is(j, ".") {
            j += 1;
        }
        let token = scan.free(j).filter(|t| t.is_num())?;
        let n = token.text.parse::<usize>().ok().filter(|n| (1..=MAX_POSITION).contains(n))?;
        (n, j + 1)
    };
    if matches!(scan.word(end), Some("one" | "ones" | "option" | "item" | "product" | "suggestion")) {
        end += 1;
    }
    Some((n, end))
}

/// Reply words at the very start: "yes", "no, thanks", "hi there", "ok".
fn replies(scan: &mut Scan, lex: &Lexicon, found: &mut Vec<(usize, Act)>) {
    let mut i = 0;
    for _ in 0..3 {
        while scan.get(i).is_some_and(|t| t.is_punct()) {
            i += 1;
        }
        let Some((end, simple)) = lex.acts.replies.longest_at(scan, i) else { return };
        let simple = *simple;
        let followed_well = match scan.get(end) {
            None => true,
            Some(t) if t.is_punct() || t.is_dash() => true,
            Some(t) => {
                lex.acts.reply_followers.contains(&t.text)
                    || lex.acts.replies.starts_at(scan, end)
                    || lex.acts.phrases.starts_at(scan, end)
            }
        };
        if !followed_well {
            return;
        }
        found.push((i, simple.act()));
        scan.consume(i, end);
        i = end;
    }
}
