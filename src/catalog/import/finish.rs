//! The last step of every import: the native loader's rules applied to every product, so the
//! written file loads without a single problem. One currency per catalog (the one `--currency`
//! names, or else the one most products use), prices above zero, ratings within 0-5, unique
//! ids (the first one wins).

use std::collections::HashMap;

use rust_decimal::Decimal;

use super::price::CurrencyHint;
use super::report::{ImportReport, SkipReason};
use crate::catalog::Product;
use crate::money::{Amount, Currency};

/// A product read from a row, not yet checked against the rest of the file.
#[derive(Debug, Clone)]
pub(crate) struct Candidate {
    pub line: usize,
    pub product: Product,
}

/// What a row's currency turned out to be.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum RowCurrency {
    Known(Currency),
    /// The value names another currency than the one `--currency` set.
    Contradicts(String),
    /// Nothing says which currency it is (no symbol, an ambiguous `$`, and no `--currency`).
    Unknown(String),
}

/// Settles a row's currency from what its value says and the catalog's forced currency.
pub(crate) fn row_currency(stated: CurrencyHint, forced: Option<Currency>) -> RowCurrency {
    match (stated, forced) {
        (hint, Some(currency)) if hint.allows(currency) => RowCurrency::Known(currency),
        (hint, Some(currency)) => RowCurrency::Contradicts(format!("priced in {hint}, the catalog in {currency}")),
        (CurrencyHint::Exact(currency), None) => RowCurrency::Known(currency),
        (CurrencyHint::OneOf(symbol, codes), None) => {
            RowCurrency::Unknown(format!("`{symbol}` could be any of {}", codes.join(", ")))
        }
        (CurrencyHint::Unstated, None) => RowCurrency::Unknown("the value names no currency".into()),
    }
}

/// A positive amount, or the skip reason and message for the price `raw` gave.
pub(crate) fn positive_price(amount: Option<Decimal>, raw: &str) -> Result<Amount, (SkipReason, String)> {
    match amount {
        None if raw.trim().is_empty() => Err((SkipReason::NoPrice, "no price".into())),
        None => Err((SkipReason::NoPrice, format!("no price in `{}`", raw.trim()))),
        Some(value) if value <= Decimal::ZERO => {
            Err((SkipReason::PriceNotPositive, format!("price `{}` is not above zero", raw.trim())))
        }
        Some(value) => Amount::new(value).ok_or((SkipReason::PriceNotPositive, format!("price `{raw}` is negative"))),
    }
}

/// Applies the catalog-wide rules and returns the products to write with their currency.
/// Candidates failing a rule become skips in `report`; `report.written` is set.
pub(crate) fn finish(
    candidates: Vec<Candidate>,
    forced: Option<Currency>,
    report: &mut ImportReport,
) -> (Vec<Product>, Option<Currency>) {
    let mut valid = Vec::with_capacity(candidates.len());
    for candidate in candidates {
        match validate(candidate, report) {
            Ok(candidate) => valid.push(candidate),
            Err((reason, line, message)) => report.skip(reason, line, message),
        }
    }
    let currency = forced.or_else(|| majority_currency(&valid));
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut products = Vec::with_capacity(valid.len());
    for Candidate { line, product } in valid {
        if let Some(currency) = currency
            && product.currency != currency
        {
            let message =
                format!("product `{}` is priced in {}, the catalog in {currency}", product.id, product.currency);
            report.skip(SkipReason::OtherCurrency, line, message);
        } else if let Some(first) = seen.get(&product.id) {
            let message = format!("duplicate id `{}`; the one on line {first} is kept", product.id);
            report.skip(SkipReason::DuplicateId, line, message);
        } else {
            seen.insert(product.id.clone(), line);
            products.push(product);
        }
    }
    report.written = products.len();
    let currency = currency.filter(|_| !products.is_empty());
    (products, currency)
}

/// The loader's per-product checks. A rating outside 0-5 costs the rating, not the product.
fn validate(mut candidate: Candidate, report: &mut ImportReport) -> Result<Candidate, (SkipReason, usize, String)> {
    let line = candidate.line;
    let product = &mut candidate.product;
    product.id = product.id.trim().to_string();
    product.title = product.title.trim().to_string();
    if product.id.is_empty() {
        return Err((SkipReason::NoId, line, "no id".into()));
    }
    if product.title.is_empty() {
        return Err((SkipReason::NoTitle, line, format!("product `{}` has no title", product.id)));
    }
    if product.price.is_zero() {
        return Err((SkipReason::PriceNotPositive, line, format!("product `{}`: price is zero", product.id)));
    }
    if let Some(rating) = product.rating
        && !(0.0..=5.0).contains(&rating)
    {
        report.warn(line, format!("product `{}`: rating {rating} is outside 0-5; dropped", product.id));
        product.rating = None;
    }
    Ok(candidate)
}

/// The currency most products use; ties go to the one seen first.
fn majority_currency(candidates: &[Candidate]) -> Option<Currency> {
    let mut counts: HashMap<Currency, (usize, usize)> = HashMap::new();
    for (order, candidate) in candidates.iter().enumerate() {
        counts.entry(candidate.product.currency).or_insert((0, order)).0 += 1;
    }
    let mut ranked: Vec<_> = counts.into_iter().collect();
    ranked.sort_by(|a, b| b.1.0.cmp(&a.1.0).then(a.1.1.cmp(&b.1.1)));
    ranked.first().map(|(currency, _)| *currency)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidate(line: usize, id: &str, price: u32, currency: &str) -> Candidate {
        Candidate {
            line,
            product: Product::new(id, format!("Title {id}"), Amount::units(price), currency.parse().unwrap()),
        }
    }

    #[test]
    fn duplicates_and_foreign_currencies_are_skipped_with_their_lines() {
        let mut report = ImportReport::new("f.csv");
        let candidates = vec![
            candidate(2, "a", 5, "GBP"),
            candidate(3, "b", 0, "GBP"),
            candidate(4, "a", 6, "GBP"),
            candidate(5, "c", 7, "EUR"),
            candidate(6, "d", 8, "GBP"),
        ];
        let (products, currency) = finish(candidates, None, &mut report);
        assert_eq!(currency.map(|c| c.code()), Some("GBP"));
        assert_eq!(products.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(), ["a", "d"]);
        let reasons = report.skipped_by_reason();
        assert_eq!(reasons[&SkipReason::DuplicateId], 1);
        assert_eq!(reasons[&SkipReason::OtherCurrency], 1);
        assert_eq!(reasons[&SkipReason::PriceNotPositive], 1);
        assert!(
            report
                .skipped
                .iter()
                .any(|s| s.problem.to_string() == "f.csv:4: duplicate id `a`; the one on line 2 is kept")
        );
        assert_eq!(report.written, 2);
    }

    #[test]
    fn a_forced_currency_beats_the_majority() {
        let mut report = ImportReport::new("f.csv");
        let candidates = vec![candidate(2, "a", 5, "EUR"), candidate(3, "b", 5, "EUR"), candidate(4, "c", 5, "GBP")];
        let (products, _) = finish(candidates, Some("GBP".parse().unwrap()), &mut report);
        assert_eq!(products.len(), 1);
        assert_eq!(report.skipped.len(), 2);
    }

    #[test]
    fn a_rating_out_of_range_is_dropped_with_a_warning() {
        let mut report = ImportReport::new("f.csv");
        let mut c = candidate(2, "a", 5, "GBP");
        c.product.rating = Some(7.0);
        let (products, _) = finish(vec![c], None, &mut report);
        assert_eq!(products[0].rating, None);
        assert_eq!(report.warnings.len(), 1);
    }

    #[test]
    fn row_currencies_follow_the_forced_one_and_refuse_guesses() {
        let gbp: Currency = "GBP".parse().unwrap();
        assert_eq!(row_currency(CurrencyHint::Unstated, Some(gbp)), RowCurrency::Known(gbp));
        assert!(matches!(
            row_currency(CurrencyHint::Exact("EUR".parse().unwrap()), Some(gbp)),
            RowCurrency::Contradicts(_)
        ));
        assert!(matches!(row_currency(CurrencyHint::OneOf("$", &["USD", "CAD"]), None), RowCurrency::Unknown(_)));
        assert_eq!(row_currency(CurrencyHint::Exact(gbp), None), RowCurrency::Known(gbp));
    }

    #[test]
    fn prices_must_be_above_zero() {
        assert_eq!(positive_price(None, " ").unwrap_err().0, SkipReason::NoPrice);
        assert_eq!(positive_price(None, "N/A").unwrap_err().1, "no price in `N/A`");
        assert_eq!(positive_price(Some(Decimal::ZERO), "0").unwrap_err().0, SkipReason::PriceNotPositive);
        assert_eq!(positive_price(Some(Decimal::from(-3)), "-3").unwrap_err().0, SkipReason::PriceNotPositive);
        assert_eq!(positive_price(Some(Decimal::from(3)), "3").unwrap().to_string(), "3");
    }
}
