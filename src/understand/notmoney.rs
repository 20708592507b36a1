//! Numbers that are not money. A budget must never be invented from a size, a quantity, a
//! percentage, a year, a time, a date, a phone number, a rating, a model number or an age
//! group, so every amount is checked here before it can become one.
//!
//! Most checks apply only to a bare number (no currency): "size 10", "3 books", "iPhone 15",
//! "256GB", "5pm", "14/02", "born in 2019", "kids under 5", "over 50s". A few apply even with a
//! currency: "£5 off", "save £10", "2 pounds of fudge".

use super::amounts::Amount;
use super::lexicon::Lexicon;
use super::tokens::{Kind, Scan, Token};

/// Words before a four-digit number that make it a year ("born in 2019", "class of 2024").
const YEAR_BEFORE: [&str; 19] = [
    "in", "since", "of", "born", "year", "class", "vintage", "before", "after", "until", "till", "by", "the", "circa",
    "c", "from", "edition", "model", "season",
];

/// Words right before a number that make it a time or a date ("at 5", "on the 14").
const TIME_BEFORE: [&str; 8] = ["at", "by", "until", "till", "before", "after", "on", "every"];

/// Words right after a number that make it a time.
const TIME_AFTER: [&str; 5] = ["am", "pm", "oclock", "hrs", "h"];

const MONTHS: [&str; 24] = [
    "jan",
    "january",
    "feb",
    "february",
    "mar",
    "march",
    "apr",
    "april",
    "may",
    "jun",
    "june",
    "jul",
    "july",
    "aug",
    "august",
    "sep",
    "sept",
    "september",
    "oct",
    "october",
    "nov",
    "november",
    "dec",
    "december",
];

/// Units after a number that make it a duration or a measure, never money.
const UNITS: [&str; 44] = [
    "day", "days", "week", "weeks", "month", "months", "year", "years", "yr", "yrs", "hour", "hours", "hr", "hrs",
    "minute", "minutes", "min", "mins", "second", "seconds", "night", "nights", "km", "kms", "mile", "miles", "kg",
    "kgs", "gb", "tb", "mb", "mah", "inch", "inches", "cm", "mm", "ml", "litre", "litres", "liter", "piece", "pieces",
    "pcs", "times",
];

/// Why the amount is not a budget whatever surrounds it, if it is not: "£5 off" (`after` is
/// where the amount's trailing modifiers end).
pub(crate) fn never_a_budget(scan: &Scan, lex: &Lexicon, amount: &Amount, after: usize) -> Option<&'static str> {
    let money = &lex.money;
    if money.not_budget_after.starts_at(scan, after) {
        return Some("a discount or fee, not a budget");
    }
    if let Some(before) = scan.prev(amount.start)
        && money.not_budget_before.ending_at(scan, before + 1, 3).is_some()
    {
        return Some("a saving or past spend, not a budget");
    }
    let word_mark = amount.mark.as_ref().is_some_and(|m| m.text.chars().all(char::is_alphabetic));
    if word_mark && scan.is(amount.end, "of") {
        return Some("a weight (pounds of)");
    }
    None
}

/// Why a bare number (no currency) is not money, if it is not. `pre_start` is where the
/// comparator before it starts (the amount's start when there is none); `after` is where its
/// trailing modifiers end. The second amount of a range ("20-30") is checked with [`shape`]
/// only, since its context is the first one's.
pub(crate) fn not_money(
    scan: &Scan,
    lex: &Lexicon,
    amount: &Amount,
    pre_start: usize,
    after: usize,
) -> Option<&'static str> {
    if let Some(reason) = shape(scan, lex, amount).or_else(|| digits_context(scan, amount, pre_start)) {
        return Some(reason);
    }
    let has_comparator = pre_start < amount.start;
    before(scan, lex, amount, pre_start, has_comparator).or_else(|| counted_after(scan, lex, after))
}

/// What the digits themselves and the characters glued to them say.
pub(crate) fn shape(scan: &Scan, lex: &Lexicon, amount: &Amount) -> Option<&'static str> {
    let first = scan.get(amount.num_start).filter(|t| t.is_num())?;
    let digits = first.text.as_str();
    let integer = !digits.contains(['.', ',']);
    if integer && (digits.len() >= 7 || (digits.len() >= 2 && digits.starts_with('0'))) {
        return Some("a phone number or code");
    }
    if first.glued && amount.num_start > 0 && amount.start == amount.num_start {
        let before = &scan.tokens[amount.num_start - 1];
        let money_word = lex.money.before.has_word(before) || lex.money.cues.has_word(before);
        match before.kind {
            Kind::Word if !money_word => return Some("a model number (letters glued before)"),
            Kind::Sym if matches!(before.text.as_str(), "#" | "+" | "/" | "@" | "*" | "=" | "x") => {
                return Some("a reference, phone or fraction");
            }
            Kind::Punct if matches!(before.text.as_str(), ":" | ".") => return Some("a time or version"),
            _ => {}
        }
    }
    let next = scan.get(amount.num_end).filter(|t| t.glued && amount.end == amount.num_end)?;
    let following = scan.get(amount.num_end + 1);
    match next.kind {
        Kind::Word if next.text == "ish" => None,
        Kind::Word if next.text == "x" && following.is_some_and(|t| t.is_num() && t.glued) => Some("a size (32x34)"),
        Kind::Word if next.text == "s" => Some("a decade or age group (50s)"),
        Kind::Word => Some("a unit, size or ordinal glued to the number"),
        Kind::Sym if next.text == "%" => Some("a percentage"),
        Kind::Sym if next.text == "/" => Some("a date, fraction or rating"),
        Kind::Punct if next.text == ":" && following.is_some_and(Token::is_num) => Some("a time"),
        _ => None,
    }
}

/// Years, times, dates and phone-like runs of numbers.
fn digits_context(scan: &Scan, amount: &Amount, pre_start: usize) -> Option<&'static str> {
    let digits = &scan.get(amount.num_start).filter(|t| t.is_num())?.text;
    let previous = scan.prev(pre_start).and_then(|p| scan.get(p));
    let previous_word = previous.filter(|t| t.is_word()).map(|t| t.text.as_str());
    let next = scan.get(amount.end);
    let is_year = digits.len() == 4 && digits.parse::<u32>().is_ok_and(|y| (1900..=2100).contains(&y));
    if is_year && previous_word.is_some_and(|w| YEAR_BEFORE.contains(&w)) {
        return Some("a year");
    }
    if previous_word.is_some_and(|w| TIME_BEFORE.contains(&w)) {
        return Some("a time or date");
    }
    if next.is_some_and(|t| t.is_word() && TIME_AFTER.contains(&t.text.as_str())) {
        return Some("a time");
    }
    let month_near = |t: Option<&Token>| t.is_some_and(|t| t.is_word() && MONTHS.contains(&t.text.as_str()));
    if month_near(previous) || month_near(next) || (scan.is(amount.end, "of") && month_near(scan.get(amount.end + 1))) {
        return Some("a date");
    }
    let number_follows = next.is_some_and(Token::is_num)
        || (next.is_some_and(|t| matches!(t.text.as_str(), "/" | "-" | "." | ":"))
            && scan.get(amount.end + 1).is_some_and(Token::is_num)
            && scan.get(amount.end + 2).is_some_and(|t| matches!(t.text.as_str(), "/" | "-" | "." | ":")));
    let number_precedes = previous.is_some_and(Token::is_num);
    if number_follows || number_precedes {
        return Some("part of a phone number, date or list of numbers");
    }
    None
}

/// What comes before: a person or age word ("kids under 5"), a position marker ("no. 2"), or
/// with no comparator, a noun the number belongs to ("size 10", "iPhone 15", "top 10").
fn before(scan: &Scan, lex: &Lexicon, amount: &Amount, pre_start: usize, has_comparator: bool) -> Option<&'static str> {
    let mut p = scan.prev(pre_start)?;
    if scan.tokens[p].is_punct() && scan.tokens[p].text == "." && p > 0 {
        p -= 1; // "no. 2"
    }
    let token = scan.get(p)?;
    if !token.is_word() || money_phrase_ends(scan, lex, p + 1) {
        return None;
    }
    // "kids under 5", "kids, all under 10", "the children are all over 6".
    let mut q = p;
    while q > 0 && q + 3 > p && matches!(scan.tokens[q].text.as_str(), "all" | "both" | "are" | "is" | "aged" | ",") {
        q -= 1;
    }
    let person = &scan.tokens[q];
    if lex.ages.persons.ending_at(scan, q + 1, 2).is_some()
        || lex.ages.persons.has_base(person)
        || (q < p && lex.recipients.words.ending_at(scan, q + 1, 3).is_some())
    {
        return Some("an age group (kids under 5)");
    }
    if lex.acts.position_markers.has_word(token) && amount.end == amount.num_end {
        return Some("a position or number (option 2)");
    }
    if has_comparator || amount.start < amount.num_start {
        return None;
    }
    if is_content(scan, lex, p) {
        return Some("a number belonging to the word before (size 10, iPhone 15)");
    }
    None
}

/// Whether a money phrase ("price range", "budget") ends right before `end`.
fn money_phrase_ends(scan: &Scan, lex: &Lexicon, end: usize) -> bool {
    let money = &lex.money;
    money.cues.ending_at(scan, end, 3).is_some()
        || money.before.ending_at(scan, end, 4).is_some()
        || money.between.ending_at(scan, end, 2).is_some()
}

/// Whether the word after the amount (and its modifiers) is a noun it counts or measures.
pub(crate) fn counted_after(scan: &Scan, lex: &Lexicon, after: usize) -> Option<&'static str> {
    let token = scan.free(after)?;
    if token.text == "of" {
        return Some("a quantity (3 of them)");
    }
    // Units of time and measure are stopwords for search, but they still say what the
    // number counts: "less than 30 days", "under 10 km", "64 gb".
    if token.is_word() && UNITS.contains(&token.text.as_str()) {
        return Some("a duration or measure (30 days, 64 GB)");
    }
    if token.kind == Kind::Sym && token.text == "%" {
        return Some("a percentage");
    }
    (token.is_word() && is_content(scan, lex, after)).then_some("a quantity or unit (3 books, 500 ml)")
}

/// A free word that is not a stopword, a money word, a currency, a hedge or a negation.
pub(crate) fn is_content(scan: &Scan, lex: &Lexicon, i: usize) -> bool {
    let Some(token) = scan.free(i).filter(|t| t.is_word()) else { return false };
    let money = &lex.money;
    !(token.stop
        || money.cues.starts_at(scan, i)
        || money.hedges.starts_at(scan, i)
        || money.negations.starts_at(scan, i)
        || money.before.starts_at(scan, i)
        || money.after.starts_at(scan, i)
        || money.between.starts_at(scan, i)
        || lex.currency.marks.starts_at(scan, i)
        || lex.acts.replies.starts_at(scan, i)
        || lex.acts.phrases.starts_at(scan, i))
}
