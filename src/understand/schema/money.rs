//! Shapes of `currencies.toml` and `money.toml`.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::Deserialize;
use toml::Spanned;

use super::{List, Source, Table};
use crate::understand::lexicon::{Bound, CurrencyWords, Mark, MoneyWords};
use crate::understand::phrases::PhraseSet;

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct CurrenciesFile {
    around_factor: Option<Spanned<f64>>,
    codes: List,
    names: Table,
    ambiguous: Table,
    minor: Table,
    amounts: BTreeMap<Spanned<String>, AmountEntry>,
    multipliers: BTreeMap<Spanned<String>, Spanned<f64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AmountEntry {
    amount: Spanned<f64>,
    currency: Spanned<String>,
}

/// "around X" multiplies X by this unless the file says otherwise.
const DEFAULT_AROUND_FACTOR: Decimal = Decimal::from_parts(115, 0, 0, false, 2);

pub(crate) fn currencies(source: &mut Source) -> CurrencyWords {
    let file: CurrenciesFile = source.parse();
    let mut marks = PhraseSet::default();
    for code in &file.codes {
        if let Some(currency) = source.currency(code) {
            let text = code.get_ref().to_uppercase();
            let mark = Mark { currency, ambiguous: false, minor: false, text };
            source.add(&mut marks, std::slice::from_ref(code), mark);
        }
    }
    for (table, ambiguous, minor) in
        [(&file.names, false, false), (&file.ambiguous, true, false), (&file.minor, false, true)]
    {
        for (word, code) in table {
            if let Some(currency) = source.currency(code) {
                let mark = Mark { currency, ambiguous, minor, text: word.get_ref().clone() };
                source.add(&mut marks, std::slice::from_ref(word), mark);
            }
        }
    }
    let mut amounts = PhraseSet::default();
    for (word, entry) in &file.amounts {
        let value = positive(source, &entry.amount);
        if let (Some(value), Some(currency)) = (value, source.currency(&entry.currency)) {
            source.add(&mut amounts, std::slice::from_ref(word), (value, currency));
        }
    }
    let mut multipliers = PhraseSet::default();
    for (word, factor) in &file.multipliers {
        if let Some(factor) = positive(source, factor) {
            source.add(&mut multipliers, std::slice::from_ref(word), factor);
        }
    }
    let around_factor = match &file.around_factor {
        None => DEFAULT_AROUND_FACTOR,
        Some(factor) => match positive(source, factor) {
            Some(f) if f >= Decimal::ONE && f <= Decimal::from(3) => f,
            _ => {
                source.problem(factor.span(), "around_factor must be between 1 and 3, e.g. 1.15".into());
                DEFAULT_AROUND_FACTOR
            }
        },
    };
    CurrencyWords { around_factor, marks, amounts, multipliers }
}

fn positive(source: &mut Source, value: &Spanned<f64>) -> Option<Decimal> {
    let decimal = crate::money::Amount::from_f64(*value.get_ref()).map(|a| a.decimal()).filter(|d| !d.is_zero());
    if decimal.is_none() {
        source.problem(value.span(), format!("`{}` is not a positive number", value.get_ref()));
    }
    decimal
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct MoneyFile {
    max_before: List,
    min_before: List,
    around_before: List,
    between: List,
    range_to: List,
    max_after: List,
    min_after: List,
    weak_after: List,
    around_after: List,
    cues: List,
    not_budget_after: List,
    not_budget_before: List,
    cheap: List,
    hedges: List,
    corrections: List,
    negations: List,
}

pub(crate) fn money(source: &mut Source) -> MoneyWords {
    let file: MoneyFile = source.parse();
    let mut before = PhraseSet::default();
    source.add(&mut before, &file.around_before, Bound::Around);
    source.add(&mut before, &file.min_before, Bound::Min);
    source.add(&mut before, &file.max_before, Bound::Max);
    let mut after = PhraseSet::default();
    source.add(&mut after, &file.around_after, Bound::Around);
    source.add(&mut after, &file.min_after, Bound::Min);
    source.add(&mut after, &file.max_after, Bound::Max);
    MoneyWords {
        before,
        between: source.set(&file.between),
        range_to: source.set(&file.range_to),
        after,
        weak_after: source.set(&file.weak_after),
        cues: source.set(&file.cues),
        not_budget_after: source.set(&file.not_budget_after),
        not_budget_before: source.set(&file.not_budget_before),
        cheap: source.set(&file.cheap),
        hedges: source.set(&file.hedges),
        corrections: source.set(&file.corrections),
        negations: source.set(&file.negations),
    }
}
