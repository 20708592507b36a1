//! Folding a product's variants (Shopify variant rows, Google items sharing an
//! `item_group_id`) into one catalog product: the price a shopper can actually pay, the stock
//! across variants, and the options shoppers choose from.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use super::price::CurrencyHint;

/// One variant as read from its row.
#[derive(Debug, Clone)]
pub(crate) struct Variant {
    pub line: usize,
    /// `None` when the row has no readable price.
    pub price: Option<Decimal>,
    pub currency: CurrencyHint,
    pub compare_at: Option<Decimal>,
    /// Units on hand, when the source counts them for this variant (negative means oversold).
    pub quantity: Option<i64>,
    /// Whether it can be bought now (counted stock, selling when out, or not counted at all).
    pub available: bool,
    /// `(option name, value)`, e.g. `("Size", "Small")`.
    pub options: Vec<(String, String)>,
}

/// What a product's variants add up to.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Folded {
    pub price: Decimal,
    pub currency: CurrencyHint,
    pub compare_at: Option<Decimal>,
    /// The sum of counted quantities; `None` when any variant is not counted, or when the
    /// product sells although the count is zero (so a zero never hides a sellable product).
    pub stock: Option<u64>,
    pub in_stock: bool,
    /// Option name -> its distinct values, in the order first seen.
    pub options: BTreeMap<String, Vec<String>>,
    /// The line of the variant whose price was chosen.
    pub line: usize,
}

/// Folds variants: the price is the lowest positive price among available variants, or among
/// all when none is available; compare-at comes from that same variant and is kept only when
/// above the price. `None` when no variant has a positive price.
pub(crate) fn fold(variants: &[Variant]) -> Option<Folded> {
    let priced = || variants.iter().filter(|v| v.price.is_some_and(|p| p > Decimal::ZERO));
    let cheapest = |only_available: bool| {
        priced().filter(|v| v.available || !only_available).min_by_key(|v| v.price.unwrap_or(Decimal::MAX))
    };
    let chosen = cheapest(true).or_else(|| cheapest(false))?;
    let price = chosen.price?;
    let in_stock = variants.iter().any(|v| v.available);
    let counted: Option<Vec<i64>> = variants.iter().map(|v| v.quantity).collect();
    let stock = counted.map(|q| q.iter().map(|&n| n.max(0) as u64).sum::<u64>()).filter(|&sum| sum > 0 || !in_stock);
    let mut options: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, value) in variants.iter().flat_map(|v| &v.options) {
        let values = options.entry(name.clone()).or_default();
        if !values.iter().any(|v| v.eq_ignore_ascii_case(value)) {
            values.push(value.clone());
        }
    }
    Some(Folded {
        price,
        currency: chosen.currency,
        compare_at: chosen.compare_at.filter(|c| *c > price),
        stock,
        in_stock,
        options,
        line: chosen.line,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn variant(price: &str, quantity: Option<i64>, available: bool, size: &str) -> Variant {
        Variant {
            line: 1,
            price: price.parse().ok(),
            currency: CurrencyHint::Unstated,
            compare_at: Some(Decimal::from(100)),
            quantity,
            available,
            options: vec![("Size".into(), size.into())],
        }
    }

    #[test]
    fn the_price_is_the_cheapest_available_variant() {
        let folded = fold(&[
            variant("10", Some(0), false, "S"),
            variant("15", Some(2), true, "M"),
            variant("20", Some(3), true, "L"),
        ])
        .unwrap();
        assert_eq!(folded.price, Decimal::from(15));
        assert_eq!(folded.stock, Some(5));
        assert!(folded.in_stock);
        assert_eq!(folded.options["Size"], ["S", "M", "L"]);
    }

    #[test]
    fn with_nothing_available_the_cheapest_overall_is_shown_out_of_stock() {
        let folded = fold(&[variant("30", Some(0), false, "S"), variant("25", Some(-2), false, "M")]).unwrap();
        assert_eq!(folded.price, Decimal::from(25));
        assert_eq!(folded.stock, Some(0));
        assert!(!folded.in_stock);
    }

    #[test]
    fn an_uncounted_variant_makes_stock_unknown() {
        let folded = fold(&[variant("30", Some(4), true, "S"), variant("25", None, true, "M")]).unwrap();
        assert_eq!(folded.stock, None);
        let selling_at_zero = fold(&[variant("30", Some(0), true, "S")]).unwrap();
        assert_eq!(selling_at_zero.stock, None, "a zero would make a sellable product unavailable");
    }

    #[test]
    fn compare_at_is_kept_only_above_the_price_and_unpriced_variants_are_ignored() {
        let mut cheap = variant("120", Some(1), true, "S");
        cheap.compare_at = Some(Decimal::from(100));
        assert_eq!(fold(&[cheap, variant("", Some(1), true, "M")]).unwrap().compare_at, None);
        assert!(fold(&[variant("0", Some(1), true, "S"), variant("", None, true, "M")]).is_none());
    }
}
