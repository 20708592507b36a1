//! Amounts: a number with what is attached to it. A currency before or after, glued or spaced
//! (`£20`, `20£`, `20 GBP`, `gbp20`, `20 quid`, `kr 300,-`), a multiplier (`1.5k`, `3 hundred`,
//! and the lexicon's money multipliers: `2 grand`, `1.5 lakh`), a minor unit (`50p` is 0.50 GBP), or a word that is an amount by itself
//! (`a tenner`). Whether the amount is a budget is decided by `money` and `notmoney`.

use rust_decimal::Decimal;

use super::lexicon::{Lexicon, Mark};
use super::numbers::number_at;
use super::tokens::Scan;

/// An amount found in the tokens.
#[derive(Debug, Clone)]
pub(crate) struct Amount {
    pub(crate) value: Decimal,
    pub(crate) mark: Option<Mark>,
    /// A currency, "grand" or "tenner": words that say money by themselves.
    pub(crate) money_word: bool,
    /// The whole amount, markers included (end exclusive).
    pub(crate) start: usize,
    pub(crate) end: usize,
    /// The number itself.
    pub(crate) num_start: usize,
    pub(crate) num_end: usize,
}

/// The amount starting at token `i`, if one does.
pub(crate) fn amount_at(scan: &Scan, lex: &Lexicon, i: usize) -> Option<Amount> {
    if let Some(amount) = slang_at(scan, lex, i) {
        return Some(amount);
    }
    let mut prefix = None;
    let mut num_start = i;
    if let Some((end, mark)) =
        lex.currency.marks.longest_at(scan, i).filter(|&(end, m)| !m.minor && written_together(scan, i, end))
    {
        // "rs. 500": an abbreviation's dot between the mark and the number.
        let after_dot = if scan.is(end, ".") { end + 1 } else { end };
        if scan.free(after_dot).is_some_and(|t| t.is_num() || t.is_word()) {
            prefix = Some(mark.clone());
            num_start = after_dot;
        }
    }
    let (mut value, num_end, written_in_words) = number(scan, lex, num_start)?;
    let mut end = num_end;
    let mut money_word = false;
    // "300,-": a Scandinavian whole amount.
    if scan.is(end, ",") && scan.free(end + 1).is_some_and(|t| t.is_dash() && t.glued) {
        end += 2;
    }
    // "50,000/-": the Indian subcontinent's way of writing a whole amount of money.
    if scan.get(end).is_some_and(|t| t.text == "/" && t.glued)
        && scan.get(end + 1).is_some_and(|t| t.is_dash() && t.glued)
    {
        end += 2;
        money_word = true;
    }
    if let Some((factor, after, says_money)) = multiplier(scan, lex, end, written_in_words) {
        // "99999999999999999999999999999 grand" is no budget: past a decimal's range, no amount.
        value = value.checked_mul(factor)?;
        end = after;
        money_word |= says_money;
    }
    let mut suffix = None;
    if let Some((after, mark)) =
        lex.currency.marks.longest_at(scan, end).filter(|&(after, _)| written_together(scan, end, after))
    {
        let whole_pence = value < Decimal::from(100) && value.fract().is_zero();
        if !mark.minor || (whole_pence && prefix.is_none()) {
            if mark.minor {
                value /= Decimal::from(100);
            }
            suffix = Some(mark.clone());
            end = after;
        }
    }
    // "one" alone is a pronoun far more often than an amount ("the first one").
    if written_in_words && value == Decimal::ONE && prefix.is_none() && suffix.is_none() && !money_word {
        return None;
    }
    let mark = match (prefix, suffix) {
        (Some(p), Some(s)) => Some(if p.ambiguous { s } else { p }),
        (p, s) => p.or(s),
    };
    money_word |= mark.is_some();
    let start = i;
    Some(Amount { value, mark, money_word, start, end, num_start, num_end })
}

/// Whether a currency mark over tokens `start..end` that mixes letters and a symbol is written
/// as one ("A$", "AU$"): "a $40 limit" is an article and dollars, not Australian dollars.
fn written_together(scan: &Scan, start: usize, end: usize) -> bool {
    let tokens = &scan.tokens[start..end.min(scan.len())];
    let mixed = tokens.iter().any(|t| t.is_word()) && tokens.iter().any(|t| !t.is_word() && !t.is_num());
    !mixed || tokens.iter().skip(1).all(|t| t.glued)
}

/// A number in digits or words at `i`, or "a"/"one" before a multiplier ("a grand", "a
/// lakh"): value, end, in words.
fn number(scan: &Scan, lex: &Lexicon, i: usize) -> Option<(Decimal, usize, bool)> {
    let token = scan.free(i)?;
    if matches!(token.text.as_str(), "a" | "one") && lex.currency.multipliers.starts_at(scan, i + 1) {
        return Some((Decimal::ONE, i + 1, true));
    }
    let (value, end) = number_at(scan, i)?;
    Some((value, end, !token.is_num()))
}

/// A multiplier after the number at `i`: `k` (glued), `grand`, `hundred`, `thousand`
/// (after digits). Returns the factor, where it ends, and whether it says money itself.
fn multiplier(scan: &Scan, lex: &Lexicon, i: usize, written_in_words: bool) -> Option<(Decimal, usize, bool)> {
    if let Some((end, factor)) = lex.currency.multipliers.longest_at(scan, i) {
        return Some((*factor, end, true)); // "2 grand", "1.5 lakh": money words themselves
    }
    let token = scan.free(i)?;
    let thousand = Decimal::from(1000);
    match token.text.as_str() {
        "k" if token.glued => Some((thousand, i + 1, false)),
        "hundred" if !written_in_words => Some((Decimal::from(100), i + 1, false)),
        "thousand" if !written_in_words => Some((thousand, i + 1, false)),
        _ => None,
    }
}

/// "a tenner", "fiver": words that are an amount with a currency.
fn slang_at(scan: &Scan, lex: &Lexicon, i: usize) -> Option<Amount> {
    let (end, (value, currency)) = lex.currency.amounts.longest_at(scan, i)?;
    let text = scan.tokens[i..end].iter().map(|t| t.text.as_str()).collect::<Vec<_>>().join(" ");
    let mark = Mark { currency: *currency, ambiguous: false, minor: false, text };
    Some(Amount { value: *value, mark: Some(mark), money_word: true, start: i, end, num_start: i, num_end: end })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Option<(String, Option<String>, usize)> {
        let lex = Lexicon::builtin();
        let scan = Scan::read(text, &lex.vocab, &lex.stop.words);
        let a = amount_at(&scan, &lex, 0)?;
        Some((a.value.normalize().to_string(), a.mark.map(|m| m.currency.code().to_string()), a.end))
    }

    #[test]
    fn currencies_attach_on_either_side() {
        assert_eq!(read("£20"), Some(("20".into(), Some("GBP".into()), 2)));
        assert_eq!(read("20£"), Some(("20".into(), Some("GBP".into()), 2)));
        assert_eq!(read("20 gbp"), Some(("20".into(), Some("GBP".into()), 2)));
        assert_eq!(read("GBP20"), Some(("20".into(), Some("GBP".into()), 2)));
        assert_eq!(read("20 quid"), Some(("20".into(), Some("GBP".into()), 2)));
        assert_eq!(read("US$20"), Some(("20".into(), Some("USD".into()), 3)));
        assert_eq!(read("Rs. 500"), Some(("500".into(), Some("INR".into()), 3)));
        assert_eq!(read("300,- kr"), Some(("300".into(), Some("NOK".into()), 4)));
    }

    #[test]
    fn multipliers_and_pence_scale_the_number() {
        assert_eq!(read("1.5k").map(|a| a.0), Some("1500".into()));
        assert_eq!(read("£2K").map(|a| a.0), Some("2000".into()));
        assert_eq!(read("2 grand").map(|a| a.0), Some("2000".into()));
        assert_eq!(read("a grand").map(|a| a.0), Some("1000".into()));
        assert_eq!(read("1.5 lakh").map(|a| a.0), Some("150000".into()));
        assert_eq!(read("₹1,50,000"), Some(("150000".into(), Some("INR".into()), 2)));
        assert_eq!(read("50p"), Some(("0.5".into(), Some("GBP".into()), 2)));
        assert_eq!(read("a tenner"), None);
        assert_eq!(read("tenner"), Some(("10".into(), Some("GBP".into()), 1)));
        assert_eq!(read("fifty quid"), Some(("50".into(), Some("GBP".into()), 2)));
    }

    #[test]
    fn one_alone_is_not_an_amount() {
        assert_eq!(read("one"), None);
        assert!(read("one pound").is_some());
    }
}
