//! Money: exact decimal amounts and ISO 4217 currencies.
//!
//! Prices are `rust_decimal::Decimal`, never floats, so `24.99` stays `24.99` through parsing,
//! filtering and printing. On the wire (JSON) an amount is a plain number, as INTERFACE.md shows.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An exact, non-negative amount of money in some currency's major unit (pounds, not pence).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Amount(Decimal);

impl Amount {
    /// Wraps a decimal; `None` when it is negative.
    pub fn new(value: Decimal) -> Option<Amount> {
        (!value.is_sign_negative() || value.is_zero()).then(|| Amount(value.normalize()))
    }

    /// An amount from a float, through its shortest round-trip text so `24.99` is exactly 24.99.
    pub fn from_f64(value: f64) -> Option<Amount> {
        if !value.is_finite() {
            return None;
        }
        Decimal::from_str(&format!("{value}"))
            .or_else(|_| Decimal::from_scientific(&format!("{value:e}")))
            .ok()
            .and_then(Amount::new)
    }

    /// Whole units, e.g. `Amount::units(25)` is 25.00.
    pub fn units(value: u32) -> Amount {
        Amount(Decimal::from(value))
    }

    pub fn decimal(self) -> Decimal {
        self.0
    }

    pub fn is_zero(self) -> bool {
        self.0.is_zero()
    }

    /// The amount as a float, for scoring and for JSON output only, never for comparisons
    /// that decide whether a product is within a budget.
    pub fn to_f64(self) -> f64 {
        self.0.to_f64().unwrap_or(f64::MAX)
    }

    /// Multiplies by a factor and rounds to cents (currency conversion); `None` when the
    /// product is beyond what a decimal holds (an absurd amount, not a price).
    pub fn scaled(self, factor: Decimal) -> Option<Amount> {
        self.0.checked_mul(factor).map(|v| Amount(v.round_dp(2).normalize()))
    }
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl FromStr for Amount {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let value = Decimal::from_str(s.trim())
            .or_else(|_| Decimal::from_scientific(s.trim()))
            .map_err(|_| format!("`{s}` is not a number"))?;
        Amount::new(value).ok_or_else(|| format!("`{s}` is negative"))
    }
}

impl Serialize for Amount {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // serde_json prints floats with the shortest text that round-trips, so 24.99 prints
        // as 24.99; whole amounts print without a fraction.
        if self.0.fract().is_zero()
            && let Some(whole) = self.0.to_i64()
        {
            return serializer.serialize_i64(whole);
        }
        serializer.serialize_f64(self.to_f64())
    }
}

impl<'de> Deserialize<'de> for Amount {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Int(i64),
            Float(f64),
            Text(String),
        }
        let amount = match Raw::deserialize(deserializer)? {
            Raw::Int(i) if i >= 0 => Some(Amount(Decimal::from(i))),
            Raw::Int(_) => None,
            Raw::Float(f) => Amount::from_f64(f),
            Raw::Text(t) => t.parse().ok(),
        };
        amount.ok_or_else(|| serde::de::Error::custom("expected a non-negative amount"))
    }
}

/// An ISO 4217 currency, e.g. GBP. Parsing accepts any case; it always prints upper case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Currency(iso_currency::Currency);

impl Currency {
    /// The three-letter code, e.g. `"GBP"`.
    pub fn code(self) -> &'static str {
        self.0.code()
    }

    /// The symbol shoppers expect to read, e.g. `£`; the code itself when ISO lists none.
    pub fn symbol(self) -> String {
        let symbol = self.0.symbol().to_string();
        if symbol.is_empty() || symbol == "¤" { self.code().to_string() } else { symbol }
    }

    /// Digits after the decimal point this currency prints (2 for GBP, 0 for JPY).
    pub fn minor_digits(self) -> u32 {
        self.0.exponent().map(u32::from).unwrap_or(2)
    }

    /// Formats an amount for shoppers: `£24.99`, `£25`, `₹1,299`, `¥3,000`.
    ///
    /// Whole amounts drop their zero fraction; others print with the currency's minor digits.
    pub fn format(self, amount: Amount) -> String {
        let number = self.format_number(amount);
        let symbol = self.symbol();
        if symbol.chars().count() > 1 && symbol.chars().all(|c| c.is_ascii_alphabetic()) {
            format!("{number} {symbol}")
        } else {
            format!("{symbol}{number}")
        }
    }

    /// The number alone as [`Currency::format`] prints it: `24.99`, `25`, `1,299`.
    pub fn format_number(self, amount: Amount) -> String {
        let digits = self.minor_digits();
        let rounded = amount.decimal().round_dp(digits);
        let whole = rounded.trunc();
        let fraction = rounded - whole;
        let whole_text = group_thousands(&whole.normalize().to_string());
        if fraction.is_zero() || digits == 0 {
            whole_text
        } else {
            let frac = format!("{:.*}", digits as usize, fraction);
            format!("{whole_text}{}", frac.trim_start_matches('0'))
        }
    }
}

fn group_thousands(digits: &str) -> String {
    let bytes = digits.as_bytes();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 && (bytes.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(*b as char);
    }
    out
}

impl FromStr for Currency {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        iso_currency::Currency::from_code(&s.trim().to_ascii_uppercase())
            .map(Currency)
            .ok_or_else(|| format!("`{s}` is not an ISO 4217 currency code"))
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl Serialize for Currency {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gbp() -> Currency {
        "gbp".parse().unwrap()
    }

    #[test]
    fn amounts_survive_a_json_round_trip_exactly() {
        let a: Amount = serde_json::from_str("24.99").unwrap();
        assert_eq!(a.to_string(), "24.99");
        assert_eq!(serde_json::to_string(&a).unwrap(), "24.99");
        let whole: Amount = serde_json::from_str("25").unwrap();
        assert_eq!(serde_json::to_string(&whole).unwrap(), "25");
        let text: Amount = serde_json::from_str("\"0.10\"").unwrap();
        assert_eq!(text.to_string(), "0.1");
    }

    #[test]
    fn negative_amounts_do_not_exist() {
        assert!(serde_json::from_str::<Amount>("-1").is_err());
        assert!("-0.5".parse::<Amount>().is_err());
    }

    #[test]
    fn prices_format_for_their_currency() {
        assert_eq!(gbp().format("24.99".parse().unwrap()), "£24.99");
        assert_eq!(gbp().format("25".parse().unwrap()), "£25");
        assert_eq!(gbp().format("1299.5".parse().unwrap()), "£1,299.50");
        let inr: Currency = "INR".parse().unwrap();
        assert_eq!(inr.format("129999".parse().unwrap()), "₹129,999");
        let jpy: Currency = "JPY".parse().unwrap();
        assert_eq!(jpy.format("3000".parse().unwrap()), "¥3,000");
    }

    #[test]
    fn a_conversion_past_a_decimals_range_is_none_not_a_panic() {
        let usd: Currency = "USD".parse().unwrap();
        let rates = ExchangeRates::new([(usd, Decimal::from(2))]);
        let huge: Amount = "79228162514264337593543950335".parse().unwrap();
        assert_eq!(rates.convert(huge, usd, gbp()), None);
        assert_eq!(rates.convert("10".parse().unwrap(), usd, gbp()), Some("20".parse().unwrap()));
    }

    #[test]
    fn unknown_currency_codes_are_refused() {
        assert!("XYZ".parse::<Currency>().is_err());
        assert_eq!(serde_json::to_string(&gbp()).unwrap(), "\"GBP\"");
    }
}

/// Exchange rates into the shop's currency, from configuration: `rates["USD"] = 0.79` means
/// one US dollar is worth 0.79 of the shop's currency. A currency without a rate cannot be
/// converted (the chat then confirms which currency the shopper means).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExchangeRates {
    rates: std::collections::BTreeMap<String, Decimal>,
}

impl ExchangeRates {
    pub fn new(rates: impl IntoIterator<Item = (Currency, Decimal)>) -> ExchangeRates {
        ExchangeRates { rates: rates.into_iter().map(|(c, r)| (c.code().to_string(), r)).collect() }
    }

    /// Converts `amount` in `from` into `to` (the shop's currency); `None` without a rate, or
    /// when the result is too large to represent.
    pub fn convert(&self, amount: Amount, from: Currency, to: Currency) -> Option<Amount> {
        if from == to {
            return Some(amount);
        }
        self.rates.get(from.code()).and_then(|rate| amount.scaled(*rate))
    }

    pub fn can_convert(&self, from: Currency, to: Currency) -> bool {
        from == to || self.rates.contains_key(from.code())
    }
}
