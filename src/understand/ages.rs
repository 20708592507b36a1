//! Ages: "6yo", "a 9 year old", "nine-year-old", "aged 6", "turning 40", "she's 12", "my son is
//! 6", "a boy of 6", "18 months" (1), "in his 30s" (35), "ages 3-5" (4), "newborn" (0).
//!
//! Ages are whole years, rounded down: months and weeks count as years completed, a range is
//! its midpoint, a decade ("in her 40s") its middle (45), "teens" 15. An age is read before any
//! budget, so "turning 40" or "a 6 year old" can never become money. The first age stated is
//! the one kept; every age phrase is used up.

use rust_decimal::prelude::ToPrimitive;

use super::Draft;
use super::lexicon::Lexicon;
use super::notmoney::is_content;
use super::numbers::{decade_at, number_at};
use super::tokens::Scan;
use crate::slots::SlotName;

/// The oldest age taken seriously; larger numbers are something else.
const MAX_AGE: u32 = 120;

/// Words after "she's 5" that make the number a measure, not an age.
const MEASURES: [&str; 16] = [
    "foot", "feet", "ft", "inch", "inches", "cm", "kg", "kilos", "stone", "st", "lbs", "lb", "times", "percent",
    "mins", "minutes",
];

/// Words before "6 months" that make it a duration, not an age ("in 6 months").
const DURATION_BEFORE: [&str; 12] =
    ["in", "within", "after", "every", "last", "next", "past", "over", "since", "per", "each", "than"];

/// What was found: the age, where it was stated, and whether it is the shopper's own.
struct Found {
    age: u32,
    start: usize,
    end: usize,
    shoppers: bool,
}

/// Reads every age statement, keeps the first, and uses them all up. With `asking` = age, a
/// message that is only a number ("6", "about 6") is that age.
pub(crate) fn extract(scan: &mut Scan, lex: &Lexicon, asking: Option<SlotName>, draft: &mut Draft) {
    let mut i = 0;
    while i < scan.len() {
        let found = scan.free(i).and_then(|_| age_at(scan, lex, i));
        let Some(found) = found else {
            i += 1;
            continue;
        };
        scan.consume(found.start, found.end);
        if draft.slots.age.is_none() {
            draft.slots.age = Some(found.age);
            draft.shoppers_age = found.shoppers;
            draft.gift_hint |= !found.shoppers;
        }
        i = found.end;
    }
    if draft.slots.age.is_none() && asking == Some(SlotName::Age) {
        answer(scan, lex, draft);
    }
}

/// The age statement starting at `i`, trying each pattern in turn.
fn age_at(scan: &Scan, lex: &Lexicon, i: usize) -> Option<Found> {
    let ages = &lex.ages;
    let at = |age: u32, end: usize| Some(Found { age, start: i, end, shoppers: false });
    if let Some((end, _)) = ages.newborn.longest_at(scan, i) {
        return at(0, end);
    }
    if let Some((age, end)) = number_with_unit(scan, lex, i, || cue_before(scan, lex, i)) {
        return at(age, end);
    }
    if let Some((j, _)) = ages.before.longest_at(scan, i) {
        let j = skip(&ages.approx, scan, j);
        if let Some((age, end)) = number_with_unit(scan, lex, j, || true).or_else(|| plain_number(scan, lex, j, false))
        {
            return at(age, end);
        }
    }
    if let Some(found) = subject_is(scan, lex, i) {
        return Some(found);
    }
    if let Some((j, _)) = ages.persons.longest_at(scan, i) {
        let j =
            if scan.is(j, "of") || scan.is(j, ",") || scan.is(j, "(") { j + 1 } else { skip(&ages.approx, scan, j) };
        if let Some((age, end)) = plain_number(scan, lex, j, true) {
            // "a girl of 7": the person word is left for the recipient rule to read.
            return Some(Found { age, start: j.min(end), end, shoppers: false });
        }
    }
    decade(scan, lex, i).and_then(|(age, end)| at(age, end))
}

fn skip(set: &super::phrases::PhraseSet<()>, scan: &Scan, j: usize) -> usize {
    set.longest_at(scan, j).map_or(j, |(end, _)| end)
}

/// Whether what comes right before `i` makes a following "6 years" an age: "aged", "is",
/// a person word.
fn cue_before(scan: &Scan, lex: &Lexicon, i: usize) -> bool {
    let ages = &lex.ages;
    ages.persons.ending_at(scan, i, 2).is_some()
        || ages.before.ending_at(scan, i, 3).is_some()
        || ages.be.ending_at(scan, i, 2).is_some()
}

/// A number (or range) followed by an age unit: "6yo", "6-8 year olds", "18 months old".
/// Bare "years" and "months" need `cued`, except months up to 36 not after "in"/"every".
fn number_with_unit(scan: &Scan, lex: &Lexicon, i: usize, cued: impl Fn() -> bool) -> Option<(u32, usize)> {
    let ages = &lex.ages;
    let (n, mut j) = age_number(scan, i)?;
    let plus = scan.is(j.saturating_sub(1), "+"); // "8+ years"
    if scan.free(j).is_some_and(|t| t.is_dash()) {
        j += 1; // "6-year-old"
    }
    let cued = || plus || cued();
    if let Some((end, _)) = ages.years_old.longest_at(scan, j) {
        // "a 12 year old whisky" is the whisky's age; "a 6 year old (boy)" a person's.
        return (!is_content(scan, lex, end) || names_a_person(scan, lex, end)).then_some((n, end));
    }
    if let Some((end, _)) = ages.months_old.longest_at(scan, j) {
        return Some((n / 12, end));
    }
    if let Some((end, _)) = ages.weeks_old.longest_at(scan, j) {
        return Some((0, end));
    }
    if let Some((end, _)) = ages.years.longest_at(scan, j)
        && cued()
    {
        return Some((n, end));
    }
    let (end, _) = ages.months.longest_at(scan, j)?;
    let duration = scan.prev(i).and_then(|p| scan.word(p)).is_some_and(|w| DURATION_BEFORE.contains(&w));
    let counts_a_noun = is_content(scan, lex, end); // "a 12 month subscription"
    ((n <= 36 && !duration && !counts_a_noun) || cued()).then_some((n / 12, end))
}

/// A number that is an age without a unit ("turning 40", "she's 12"), unless a currency, a
/// percentage or a measure follows it (and, when `strict`, any other noun: "son 6 books"; an
/// interest or exclusion may follow: "son 6 loves trains").
fn plain_number(scan: &Scan, lex: &Lexicon, i: usize, strict: bool) -> Option<(u32, usize)> {
    let (n, end) = age_number(scan, i)?;
    if let Some((unit_end, _)) = lex.ages.years.longest_at(scan, end) {
        return Some((n, unit_end));
    }
    let next = scan.get(end);
    let blocked = next
        .is_some_and(|t| t.text == "%" || (t.is_word() && t.glued) || MEASURES.contains(&t.text.as_str()))
        || lex.currency.marks.starts_at(scan, end)
        || (strict && is_content(scan, lex, end) && !starts_likes(scan, lex, end));
    (!blocked).then_some((n, end))
}

/// Whether a recipient or person word starts at `i` ("boy", "nephew", "twin girls").
fn names_a_person(scan: &Scan, lex: &Lexicon, i: usize) -> bool {
    lex.recipients.words.starts_at(scan, i) || lex.ages.persons.starts_at(scan, i) || starts_likes(scan, lex, i)
}

fn starts_likes(scan: &Scan, lex: &Lexicon, i: usize) -> bool {
    lex.interests.likes.starts_at(scan, i) || lex.interests.dislikes.starts_at(scan, i)
}

/// A whole number (digits or words) up to [`MAX_AGE`], or a range of two ("6-8", "6 to 8":
/// the midpoint), optionally with "+" ("8+"): the age and where it ends.
fn age_number(scan: &Scan, i: usize) -> Option<(u32, usize)> {
    let (value, mut end) = number_at(scan, i)?;
    let whole = |v: rust_decimal::Decimal| v.to_u32().filter(|n| *n <= MAX_AGE);
    let first = whole(value).filter(|_| value.fract().is_zero())?;
    let mut age = first;
    let joiner = scan.free(end).filter(|t| t.is_dash() || matches!(t.text.as_str(), "to" | "or" | "and"));
    if joiner.is_some()
        && let Some((second, after)) = number_at(scan, end + 1)
        && let Some(second) = whole(second).filter(|s| *s > first && second.fract().is_zero())
    {
        age = (first + second) / 2;
        end = after;
    }
    if scan.is(end, "+") {
        end += 1;
    }
    Some((age, end))
}

/// "she's 12", "he is nearly 7", "my son is 6", "my daughter's 8", "I'm 30".
fn subject_is(scan: &Scan, lex: &Lexicon, i: usize) -> Option<Found> {
    let ages = &lex.ages;
    let (subject_end, shoppers, recipient) = if let Some((end, _)) = ages.subjects.longest_at(scan, i) {
        (end, false, false)
    } else if let Some((end, _)) = ages.first_person.longest_at(scan, i) {
        (end, true, false)
    } else {
        (lex.recipients.words.longest_at(scan, i)?.0, false, true)
    };
    let last = scan.get(subject_end.checked_sub(1)?)?;
    let j = match ages.be.longest_at(scan, subject_end) {
        Some((end, _)) => end,
        // "son, 6, loves dinosaurs" and "my son 6": a recipient followed by a bare number.
        None if recipient && (scan.is(subject_end, ",") || scan.is(subject_end, "(")) => subject_end + 1,
        None if recipient && !last.possessive => subject_end,
        None => {
            // "she's", "I'm", "my daughter's" carry their "is"; "she", "I" do not.
            let plain = matches!(last.text.as_str(), "he" | "she" | "they" | "who" | "i" | "we" | "you");
            let contracted = if recipient { last.possessive } else { !plain };
            if !contracted {
                return None;
            }
            subject_end
        }
    };
    let j = skip(&ages.approx, scan, j);
    let (age, end) = number_with_unit(scan, lex, j, || true).or_else(|| plain_number(scan, lex, j, true))?;
    // The subject stays for the recipient rules: "my son is 6" still names a son.
    Some(Found { age, start: subject_end, end, shoppers })
}

/// "in his 30s", "in her forties", "in their teens": the middle of the decade.
fn decade(scan: &Scan, lex: &Lexicon, i: usize) -> Option<(u32, usize)> {
    if !scan.is(i, "in") || !lex.recipients.possessives.starts_at(scan, i + 1) {
        return None;
    }
    let (first, end) = decade_at(scan, i + 2)?;
    Some((if first == 13 { 15 } else { first + 5 }, end))
}

/// The reply to "how old are they?": the first number that could be an age.
fn answer(scan: &mut Scan, lex: &Lexicon, draft: &mut Draft) {
    for i in 0..scan.len() {
        if let Some((age, end)) = plain_number(scan, lex, i, false) {
            draft.slots.age = Some(age);
            scan.consume(i, end);
            return;
        }
    }
}
