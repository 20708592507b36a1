//! Budgets: amounts with what says how they bound the price. Comparators before ("under",
//! "around", "no more than", typos included), modifiers after ("30ish", "£20 max", "50+"),
//! ranges ("between 20 and 30", "£20-30", "from 20 to 30"), negation ("can't spend more than
//! 30" is a maximum), and how several statements in one message combine.
//!
//! A number without a currency is a budget only with evidence that it is money: a comparator,
//! a modifier, a money word nearby ("budget", "spend"), a message that is only that number,
//! or the dialogue saying it just asked about the budget. Every candidate also passes the
//! checks in `notmoney` first.

use rust_decimal::Decimal;

use super::Draft;
use super::amounts::{Amount, amount_at};
use super::lexicon::{Bound, Lexicon, Mark};
use super::notmoney::{counted_after, never_a_budget, not_money, shape};
use super::tokens::Scan;
use crate::money::Amount as Money;
use crate::slots::{Budget, SlotName, Stated};

/// Words that may stand between a comparator and its amount ("under just 30", "up to a max").
const BRIDGES: [&str; 14] = [
    "a",
    "an",
    "of",
    "is",
    "be",
    "just",
    "only",
    "maybe",
    "ideally",
    "preferably",
    "probably",
    "somewhere",
    "something",
    "was",
];

/// One stated price limit.
#[derive(Debug, Clone)]
struct Statement {
    kind: Kind,
    mark: Option<Mark>,
    start: usize,
    end: usize,
    /// The shopper's words for it, when they said more than a bare amount ("around $40").
    stated: Option<Stated>,
}

#[derive(Debug, Clone, Copy)]
enum Kind {
    Max(Decimal),
    Min(Decimal),
    Around(Decimal),
    Range(Decimal, Decimal),
}

/// Finds every budget statement, consumes it, and sets the budget (and currency notes).
pub(crate) fn extract(scan: &mut Scan, lex: &Lexicon, asking: Option<SlotName>, draft: &mut Draft) {
    let mut statements = Vec::new();
    let mut i = 0;
    while i < scan.len() {
        let Some(amount) = scan.free(i).and_then(|_| amount_at(scan, lex, i)) else {
            i += 1;
            continue;
        };
        match statement(scan, lex, asking, &amount) {
            Some(statement) => {
                scan.consume(statement.start, statement.end);
                i = statement.end;
                statements.push(statement);
            }
            None => i = amount.end.max(i + 1),
        }
    }
    combine(&statements, lex, draft);
}

/// "nothing too expensive", "on a budget": low prices wanted, no amount named. Read after
/// amounts, so "nothing over £20" is a budget, before exclusions, so it is not one.
pub(crate) fn cheap_hint(scan: &mut Scan, lex: &Lexicon, draft: &mut Draft) {
    let cheap: Vec<(usize, usize)> = lex.money.cheap.find_all(scan).into_iter().map(|(s, e, _)| (s, e)).collect();
    for &(start, end) in &cheap {
        scan.consume(start, end);
    }
    if !cheap.is_empty() {
        push_note(draft, super::Note::WantsCheap);
    }
}

/// The statement an amount makes, if it is money.
fn statement(scan: &Scan, lex: &Lexicon, asking: Option<SlotName>, a: &Amount) -> Option<Statement> {
    let (before, pre_start, between) = comparator_before(scan, lex, a.start);
    if before.is_none() && scan.prev(pre_start).is_some_and(|p| matches!(scan.tokens[p].text.as_str(), "not" | "never"))
    {
        return None; // "I meant £30 not £20": the amount said not to be the budget
    }
    let b = range_end(scan, lex, a, between);
    let last_end = b.as_ref().map_or(a.end, |b| b.end);
    let (after, weak, end) = modifier_after(scan, lex, last_end);
    if never_a_budget(scan, lex, a, end).is_some() {
        return None;
    }
    let marked = a.money_word || b.as_ref().is_some_and(|b| b.money_word);
    if !marked {
        let rejected = match &b {
            None => not_money(scan, lex, a, pre_start, end).is_some(),
            Some(b) => {
                not_money(scan, lex, a, pre_start, a.end).is_some()
                    || shape(scan, lex, b).is_some()
                    || counted_after(scan, lex, end).is_some()
            }
        };
        if rejected {
            return None;
        }
    }
    let said = marked || before.is_some() || (b.is_some() && between) || (after.is_some() && !weak);
    // Money words ("budget") are left for the cheap-hint rule ("tight budget"); they are
    // stopwords, so they never become keywords.
    let strong = said || cue_near(scan, lex, pre_start, end) || asking == Some(SlotName::Budget);
    // "8+" alone is as likely an age as a price; "30" alone is a price.
    if !strong && (weak || !only_this_in(scan, lex, pre_start, end)) {
        return None;
    }
    let kind = match (&b, before, after) {
        (Some(b), _, _) => Kind::Range(a.value, b.value),
        (None, Some(Bound::Around), Some(post)) if post != Bound::Around => kind_of(post, a.value),
        (None, Some(pre), _) => kind_of(pre, a.value),
        (None, None, Some(post)) => kind_of(post, a.value),
        (None, None, None) => Kind::Max(a.value),
    };
    let mark = a.mark.clone().or_else(|| b.as_ref().and_then(|b| b.mark.clone()));
    let worded = before.is_some() || after.is_some() || b.is_some();
    let stated = worded.then(|| words_of(scan, pre_start, end)).flatten();
    Some(Statement { kind, mark, start: pre_start, end, stated })
}

/// The tokens `start..end` as the shopper wrote them (spaced where they were spaced).
fn words_of(scan: &Scan, start: usize, end: usize) -> Option<Stated> {
    let mut text = String::new();
    for token in &scan.tokens[start..end.min(scan.len())] {
        if !text.is_empty() && !token.glued {
            text.push(' ');
        }
        text.push_str(&token.text);
    }
    Stated::new(&text)
}

fn kind_of(bound: Bound, value: Decimal) -> Kind {
    match bound {
        Bound::Max => Kind::Max(value),
        Bound::Min => Kind::Min(value),
        Bound::Around => Kind::Around(value),
    }
}

/// The comparator ending right before `start` (bridge words and an abbreviation's dot
/// allowed between): its bound (negation applied), where it starts, and whether it was a
/// "between" word. A nearer "around" gives way to a farther limit ("no more than about 30").
fn comparator_before(scan: &Scan, lex: &Lexicon, start: usize) -> (Option<Bound>, usize, bool) {
    let (mut pos, mut committed, mut bound) = (start, start, None);
    for _ in 0..4 {
        let mut p = pos;
        if p >= 2 && scan.is(p - 1, ".") && scan.tokens[p - 1].glued && scan.word(p - 2).is_some() {
            p -= 1; // "approx. 30"
        }
        if let Some((s, b)) = lex.money.before.ending_at(scan, p, 6) {
            bound = Some(*b);
            pos = s;
            committed = s;
            if *b != Bound::Around {
                break;
            }
            continue;
        }
        if bound.is_none()
            && let Some((s, _)) = lex.money.between.ending_at(scan, p, 3)
        {
            return (None, s, true);
        }
        if let Some((s, _)) = lex.money.cues.ending_at(scan, p, 3) {
            pos = s; // "min budget £30", "max spend of 40"
            continue;
        }
        match p.checked_sub(1).and_then(|q| scan.word(q)) {
            Some(word) if BRIDGES.contains(&word) => pos = p - 1,
            _ => break,
        }
    }
    if let Some(b @ (Bound::Max | Bound::Min)) = bound
        && negated(scan, lex, committed)
    {
        bound = Some(if b == Bound::Max { Bound::Min } else { Bound::Max });
    }
    (bound, committed, false)
}

/// Whether a negation stands shortly before `at` in the same phrase ("can't spend more than"),
/// except "don't mind", which negates nothing about the price.
fn negated(scan: &Scan, lex: &Lexicon, at: usize) -> bool {
    let earliest = at.saturating_sub(5);
    for k in (earliest..at).rev() {
        let token = &scan.tokens[k];
        if token.is_punct() {
            return false;
        }
        if let Some((end, _)) = lex.money.negations.longest_at(scan, k) {
            return !matches!(scan.word(end), Some("mind" | "care"));
        }
    }
    false
}

/// The second amount of a range starting at `a.end`: "-30", "to 30", "and 30" (after
/// "between"). It must not be below the first.
fn range_end(scan: &Scan, lex: &Lexicon, a: &Amount, between: bool) -> Option<Amount> {
    let j = a.end;
    let dash = scan.free(j).is_some_and(|t| t.is_dash());
    let connector_end =
        if dash || (between && scan.is(j, "and")) { j + 1 } else { lex.money.range_to.longest_at(scan, j)?.0 };
    let b = amount_at(scan, lex, connector_end)?;
    (b.value >= a.value).then_some(b)
}

/// A modifier after the amount ending at `end`: "max", "ish" (also "-ish"), "or more", "+".
/// Returns its bound, whether it is weak ("+": as likely an age as a price), and its end.
fn modifier_after(scan: &Scan, lex: &Lexicon, end: usize) -> (Option<Bound>, bool, usize) {
    let dash = scan.free(end).is_some_and(|t| t.is_dash() && t.glued);
    for p in if dash { [end + 1, end] } else { [end, end] } {
        if let Some((e, b)) = lex.money.after.longest_at(scan, p) {
            return (Some(*b), false, e);
        }
    }
    match lex.money.weak_after.longest_at(scan, end) {
        Some((e, _)) => (Some(Bound::Min), true, e),
        None => (None, false, end),
    }
}

/// A money word ("budget", "spend", "price") in the same sentence, up to six tokens before
/// the statement or four after it.
fn cue_near(scan: &Scan, lex: &Lexicon, start: usize, end: usize) -> bool {
    let before = (start.saturating_sub(6)..start).rev();
    let after = end..(end + 4).min(scan.len());
    for range in [before.collect::<Vec<_>>(), after.collect()] {
        for k in range {
            if scan.tokens[k].ends_sentence() {
                break;
            }
            if lex.money.cues.starts_at(scan, k) {
                return true;
            }
        }
    }
    false
}

/// Whether everything else in the sentence around `start..end` is punctuation, hedges ("I
/// guess", "please") or already understood: the message, or one sentence of it, is only this
/// amount ("30", "30 I guess", "For my mum. Maybe 40?").
fn only_this_in(scan: &Scan, lex: &Lexicon, start: usize, end: usize) -> bool {
    // A reply that is only an amount is short: looking further than this cannot say yes.
    const REACH: usize = 24;
    let earliest = start.saturating_sub(REACH);
    let first = (earliest..start).rev().find(|&k| scan.tokens[k].ends_sentence()).map_or(earliest, |k| k + 1);
    if first == earliest && earliest > 0 {
        return false;
    }
    let latest = (end + REACH).min(scan.len());
    let Some(last) =
        (end..latest).find(|&k| scan.tokens[k].ends_sentence()).or((latest == scan.len()).then_some(latest))
    else {
        return false;
    };
    let mut k = first;
    while k < last {
        if (start..end).contains(&k) || scan.used[k] {
            k += 1;
            continue;
        }
        let token = &scan.tokens[k];
        if token.is_num() {
            return false;
        }
        if let Some((e, _)) = lex.money.hedges.longest_at(scan, k) {
            k = e;
            continue;
        }
        if token.is_word() {
            return false;
        }
        k += 1;
    }
    true
}

/// The largest amount read as a budget, in whole units of any currency.
const LARGEST_BUDGET: i64 = 1_000_000_000_000;

/// Folds the statements into one budget: a lone minimum and a lone maximum join; otherwise
/// the later statement wins (a correction within the message: "under 20, well, 25").
fn combine(statements: &[Statement], lex: &Lexicon, draft: &mut Draft) {
    let mut budget: Option<Budget> = None;
    let mut marks: Vec<&Mark> = Vec::new();
    for statement in statements {
        let (min, max) = match statement.kind {
            Kind::Max(v) => (None, Some(v)),
            Kind::Min(v) => (Some(v), None),
            Kind::Around(v) => match v.checked_mul(lex.around_factor()) {
                Some(max) => (None, Some(max)),
                None => continue, // beyond a decimal's range: no budget
            },
            Kind::Range(a, b) => (Some(a), Some(b)),
        };
        // Past a trillion in any currency it is a joke or a typo, not a budget (and past the
        // range a JSON number carries exactly in cents).
        if [min, max].into_iter().flatten().any(|v| v > Decimal::from(LARGEST_BUDGET)) {
            continue;
        }
        let min = min.filter(|m| !m.is_zero()).and_then(Money::new);
        let max = max.map(|m| m.round_dp(2)).and_then(Money::new);
        if max.is_some_and(Money::is_zero) || (min.is_none() && max.is_none()) {
            continue;
        }
        let currency = statement.mark.as_ref().map(|m| m.currency);
        let new = Budget { min, max, currency, stated: statement.stated };
        budget = Some(match budget {
            Some(old) if joins(&old, &new) => Budget {
                min: old.min.or(new.min),
                max: old.max.or(new.max),
                currency: old.currency.or(new.currency),
                // Two statements ("over 20 ... under 40") are said back as one range.
                stated: None,
            },
            Some(old) => Budget { currency: new.currency.or(old.currency), ..new },
            None => new,
        });
        if let Some(mark) = &statement.mark {
            marks.push(mark);
        }
    }
    let Some(budget) = budget else { return };
    draft.slots.budget = Some(budget);
    for mark in marks {
        if mark.ambiguous && Some(mark.currency) == budget.currency {
            push_note(draft, super::Note::AmbiguousCurrency { symbol: mark.text.clone(), assumed: mark.currency });
        }
    }
}

/// Whether two budgets state opposite ends that fit together ("over 20 ... under 40").
fn joins(old: &Budget, new: &Budget) -> bool {
    let one_end = |b: &Budget| b.min.is_some() != b.max.is_some();
    if !one_end(old) || !one_end(new) || old.min.is_some() == new.min.is_some() {
        return false;
    }
    let (min, max) = (old.min.or(new.min), old.max.or(new.max));
    min.zip(max).is_some_and(|(min, max)| min <= max)
}

fn push_note(draft: &mut Draft, note: super::Note) {
    if !draft.notes.contains(&note) {
        draft.notes.push(note);
    }
}
