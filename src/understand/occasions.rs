//! Occasions: "birthday", "xmas", "mother's day", "secret santa" (christmas, and a gift), with
//! the ordinal that often comes with them: "40th birthday" is also age 40, "40th anniversary"
//! is only an anniversary, and "for his 70th" alone means a 70th birthday.
//!
//! Occasions are read first, so "mother's day" never names a mother, "baby shower" never a
//! baby, and "40th" never reaches the money rules.

use super::Draft;
use super::lexicon::Lexicon;
use super::numbers::ordinal_at;
use super::tokens::Scan;

/// Words after "his 70th" that still mean the birthday ("her 18th present").
const PARTY_WORDS: [&str; 8] = ["gift", "gifts", "present", "presents", "party", "celebration", "bash", "do"];

/// The oldest age an ordinal birthday gives.
const MAX_AGE: u32 = 120;

/// Reads every occasion phrase (the first one named is kept) and uses them up.
pub(crate) fn extract(scan: &mut Scan, lex: &Lexicon, draft: &mut Draft) {
    let words = &lex.occasions;
    let found: Vec<(usize, usize, String, bool)> =
        words.words.find_all(scan).into_iter().map(|(s, e, (name, gift))| (s, e, name.clone(), *gift)).collect();
    for (start, end, name, gift) in found {
        let mut first = start;
        if let Some((n, ordinal_start)) = ordinal_before(scan, start) {
            first = ordinal_start;
            if words.ordinal_occasion.as_deref() == Some(name.as_str()) {
                set_age(scan, draft, n, ordinal_start);
            }
        }
        scan.consume(first, end);
        draft.gift_hint |= gift;
        if draft.slots.occasion.is_none() {
            draft.slots.occasion = Some(name);
        }
    }
    implicit_birthday(scan, lex, draft);
}

/// An ordinal ending right before `start`: its value and where it starts.
fn ordinal_before(scan: &Scan, start: usize) -> Option<(u32, usize)> {
    (start.saturating_sub(3)..start)
        .find_map(|k| ordinal_at(scan, k).filter(|(_, end)| *end == start).map(|(n, _)| (n, k)))
}

/// "for his 70th", "mum's 60th", "a 50th": an ordinal after a possessive that no noun follows.
fn implicit_birthday(scan: &mut Scan, lex: &Lexicon, draft: &mut Draft) {
    let Some(occasion) = lex.occasions.ordinal_occasion.clone() else { return };
    for i in 0..scan.len() {
        let Some((n, end)) = ordinal_at(scan, i) else { continue };
        let Some(before) = scan.prev(i).and_then(|p| scan.get(p)) else { continue };
        let in_digits = scan.tokens[i].is_num();
        let recipient = lex.recipients.words.has_word(before) || lex.recipients.words.singular_value(before).is_some();
        let owned = before.possessive
            || recipient // "nans 80th", apostrophe left out
            || lex.recipients.possessives.has_word(before)
            || (matches!(before.text.as_str(), "a" | "an") && in_digits && n >= 10);
        let ends_phrase = match scan.free(end) {
            None => true,
            Some(t) => t.is_punct() || PARTY_WORDS.contains(&t.text.as_str()) || t.stop,
        };
        // Word ordinals under ten are positions far more often ("my first choice").
        if owned && ends_phrase && (in_digits || n >= 10) {
            scan.consume(i, end);
            set_age(scan, draft, n, i);
            if draft.slots.occasion.is_none() {
                draft.slots.occasion = Some(occasion.clone());
            }
        }
    }
}

/// Records the ordinal at `at` as the age: the shopper's own after "my"/"our" ("my 40th").
fn set_age(scan: &Scan, draft: &mut Draft, n: u32, at: usize) {
    if draft.slots.age.is_some() || n > MAX_AGE {
        return;
    }
    let owner = scan.prev(at).and_then(|p| scan.get(p)).map(|t| t.text.as_str());
    let shoppers = matches!(owner, Some("my" | "our"));
    draft.slots.age = Some(n);
    draft.shoppers_age = shoppers;
    draft.gift_hint |= !shoppers;
}
