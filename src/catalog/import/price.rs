//! Prices inside messy values (`£3.42`, `24.99 GBP`, `₹1,299`, `12,50 €`, `£5.99 - £9.99`) and
//! the currency their symbol or code names, so a file without a currency column can still say
//! what it is priced in.

use std::fmt;

use rust_decimal::Decimal;

use super::lenient::{Kind, numbers};
use crate::money::Currency;

/// What a value says about its currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CurrencyHint {
    /// No symbol or code at all.
    Unstated,
    /// A symbol or code that names one currency (`£`, `EUR`, `₹`).
    Exact(Currency),
    /// A symbol several currencies use (`$`, `kr`, `¥`): the candidates' codes.
    OneOf(&'static str, &'static [&'static str]),
}

impl CurrencyHint {
    /// Whether a catalog priced in `currency` can hold this value.
    pub(crate) fn allows(self, currency: Currency) -> bool {
        match self {
            CurrencyHint::Unstated => true,
            CurrencyHint::Exact(c) => c == currency,
            CurrencyHint::OneOf(_, codes) => codes.contains(&currency.code()),
        }
    }
}

impl fmt::Display for CurrencyHint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CurrencyHint::Unstated => f.write_str("no currency"),
            CurrencyHint::Exact(c) => write!(f, "{c}"),
            CurrencyHint::OneOf(symbol, codes) => write!(f, "`{symbol}` ({})", codes.join(", ")),
        }
    }
}

/// A price read from a value: the amount (possibly negative or zero; the caller decides) and
/// what the value says about its currency.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Price {
    pub amount: Decimal,
    pub currency: CurrencyHint,
}

/// Reads a price. `None` when the value holds no number at all (empty, `N/A`, `call us`).
///
/// A range (`£5.99 - £9.99`, `5 to 9`) gives its lowest end, the price a shopper can pay; a
/// `-` right before the first number (`-5.00`, `£-5`) makes it negative.
pub(crate) fn parse_price(text: &str) -> Option<Price> {
    let found = numbers(text, Kind::Decimal);
    let first = *found.first()?;
    let before = &text[..first.start];
    let negative = before.trim_end().ends_with('-') || before.trim().starts_with('-');
    let mut amount = if negative { -first.value } else { first.value };
    if let Some(second) = found.get(1) {
        let between = strip_currency_marks(&text[first.end..second.start]);
        if matches!(between.as_str(), "-" | "–" | "—" | "to" | "~") && !negative {
            amount = amount.min(second.value);
        }
    }
    Some(Price { amount, currency: detect_currency(text) })
}

/// The text with currency symbols, codes and spaces removed, lower-cased: what is left between
/// two numbers tells whether they form a range.
fn strip_currency_marks(text: &str) -> String {
    let mut rest = text.to_lowercase();
    for (symbol, _) in SYMBOLS.iter().chain(AMBIGUOUS_AS_EXACT) {
        rest = rest.replace(&symbol.to_lowercase(), "");
    }
    for (symbol, _) in AMBIGUOUS {
        rest = rest.replace(&symbol.to_lowercase(), "");
    }
    rest.split_whitespace()
        .filter(|word| !(word.len() == 3 && word.parse::<Currency>().is_ok()))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Symbols that name exactly one currency. Longer ones come first so `US$` wins over `$`.
const SYMBOLS: &[(&str, &str)] = &[
    ("US$", "USD"),
    ("AU$", "AUD"),
    ("A$", "AUD"),
    ("CA$", "CAD"),
    ("C$", "CAD"),
    ("NZ$", "NZD"),
    ("HK$", "HKD"),
    ("SG$", "SGD"),
    ("S$", "SGD"),
    ("MX$", "MXN"),
    ("R$", "BRL"),
    ("£", "GBP"),
    ("€", "EUR"),
    ("₹", "INR"),
    ("Rs.", "INR"),
    ("Rs", "INR"),
    ("₩", "KRW"),
    ("₽", "RUB"),
    ("₺", "TRY"),
    ("₪", "ILS"),
    ("₫", "VND"),
    ("฿", "THB"),
    ("₱", "PHP"),
    ("₦", "NGN"),
    ("₴", "UAH"),
    ("zł", "PLN"),
    ("Kč", "CZK"),
];

/// Spellings that look like an ambiguous symbol but are not (checked before [`AMBIGUOUS`]).
const AMBIGUOUS_AS_EXACT: &[(&str, &str)] = &[("CN¥", "CNY"), ("JP¥", "JPY"), ("RMB", "CNY")];

/// Symbols several currencies share; the file must say which with `--currency`.
const AMBIGUOUS: &[(&str, &[&str])] = &[
    ("$", &["USD", "CAD", "AUD", "NZD", "HKD", "SGD", "MXN", "ARS", "CLP", "COP", "TWD"]),
    ("¥", &["JPY", "CNY"]),
    ("￥", &["JPY", "CNY"]),
    ("kr", &["SEK", "NOK", "DKK", "ISK"]),
];

/// The currency a value's symbol or ISO code names. An ISO code must be a word of its own
/// (`24.99 GBP`, `USD 15`); in lower case it counts only when it is the only word, so the
/// words of a sentence are not mistaken for codes.
pub(crate) fn detect_currency(text: &str) -> CurrencyHint {
    let words: Vec<&str> = text.split(|c: char| !c.is_ascii_alphabetic()).filter(|w| !w.is_empty()).collect();
    for word in &words {
        let code_like = word.len() == 3 && (word.chars().all(|c| c.is_ascii_uppercase()) || words.len() == 1);
        if code_like && let Ok(currency) = word.parse::<Currency>() {
            return CurrencyHint::Exact(currency);
        }
    }
    for (symbol, code) in AMBIGUOUS_AS_EXACT.iter().chain(SYMBOLS) {
        if contains_symbol(text, symbol)
            && let Ok(currency) = code.parse::<Currency>()
        {
            return CurrencyHint::Exact(currency);
        }
    }
    for (symbol, codes) in AMBIGUOUS {
        if contains_symbol(text, symbol) {
            return CurrencyHint::OneOf(symbol, codes);
        }
    }
    CurrencyHint::Unstated
}

/// Whether `symbol` occurs in `text`; a symbol made of letters (`Rs`, `kr`) must not be part
/// of a longer word, so "Krispy" is not Swedish kronor.
fn contains_symbol(text: &str, symbol: &str) -> bool {
    if !symbol.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return text.contains(symbol);
    }
    text.match_indices(symbol).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + symbol.len()..].chars().next();
        !before.is_some_and(char::is_alphabetic) && !after.is_some_and(char::is_alphabetic)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn price(text: &str) -> (String, CurrencyHint) {
        let p = parse_price(text).unwrap();
        (p.amount.normalize().to_string(), p.currency)
    }

    fn exact(code: &str) -> CurrencyHint {
        CurrencyHint::Exact(code.parse().unwrap())
    }

    #[test]
    fn prices_and_their_currency_are_read_from_messy_values() {
        assert_eq!(price("£3.42"), ("3.42".into(), exact("GBP")));
        assert_eq!(price("1,299.00"), ("1299".into(), CurrencyHint::Unstated));
        assert_eq!(price("24.99 GBP"), ("24.99".into(), exact("GBP")));
        assert_eq!(price("15.00 USD"), ("15".into(), exact("USD")));
        assert_eq!(price("₹1,299"), ("1299".into(), exact("INR")));
        assert_eq!(price("Rs. 1,299"), ("1299".into(), exact("INR")));
        assert_eq!(price("12,50 €"), ("12.5".into(), exact("EUR")));
        assert_eq!(price("US$ 12"), ("12".into(), exact("USD")));
        assert_eq!(price("7 eur"), ("7".into(), exact("EUR")), "a lone lower-case code counts");
        assert_eq!(price("all for 7"), ("7".into(), CurrencyHint::Unstated), "words of a sentence do not");
    }

    #[test]
    fn an_ambiguous_symbol_names_its_candidates() {
        let (amount, hint) = price("$ 12");
        assert_eq!(amount, "12");
        assert!(hint.allows("USD".parse().unwrap()) && hint.allows("CAD".parse().unwrap()));
        assert!(!hint.allows("GBP".parse().unwrap()));
        assert!(matches!(price("12 kr").1, CurrencyHint::OneOf("kr", _)));
        assert_eq!(price("Krispy 12").1, CurrencyHint::Unstated);
    }

    #[test]
    fn a_range_gives_its_lowest_price() {
        assert_eq!(price("£5.99 - £9.99").0, "5.99");
        assert_eq!(price("£9.99 - £5.99").0, "5.99");
        assert_eq!(price("5.99–9.99").0, "5.99");
        assert_eq!(price("5 to 9 EUR").0, "5");
        assert_eq!(price("£5.99 (2 for £10)").0, "5.99", "not a range: the first price");
    }

    #[test]
    fn a_leading_minus_is_negative_and_no_number_is_none() {
        assert_eq!(price("-5.00").0, "-5");
        assert_eq!(price("£-5").0, "-5");
        assert_eq!(price("- £5").0, "-5");
        assert_eq!(price("0.00").0, "0");
        assert!(parse_price("").is_none());
        assert!(parse_price("N/A").is_none());
        assert!(parse_price("Call for price").is_none());
    }
}
