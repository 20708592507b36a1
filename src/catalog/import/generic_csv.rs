//! `--format csv`: any delimited file with a header row, its columns mapped to native fields
//! by `--map` or by their names (see [`super::mapping`]), each value read leniently.

use std::path::Path;

use super::finish::{Candidate, RowCurrency, positive_price, row_currency};
use super::html::{decode_entities, strip_html};
use super::lenient::{
    attribute_value, clean_text, first_url, names, parse_bool, parse_category, parse_count, parse_rating, parse_tags,
};
use super::mapping::{Field, Mapping};
use super::price::{CurrencyHint, Price, detect_currency, parse_price};
use super::report::{ImportReport, SkipReason};
use super::table::{Row, Table};
use super::{ImportError, ImportOptions};
use crate::catalog::{Name, Product};
use crate::money::Currency;

/// Why a row did not become a product: skipped with a reason, or a problem with the whole file.
enum RowError {
    Skip(SkipReason, String),
    Fatal(ImportError),
}

impl From<(SkipReason, String)> for RowError {
    fn from((reason, message): (SkipReason, String)) -> RowError {
        RowError::Skip(reason, message)
    }
}

/// Reads every row of a delimited file into candidates, after settling the mapping (a bad
/// `--map` fails before any row is read).
pub(crate) fn read(
    path: &Path,
    options: &ImportOptions,
    report: &mut ImportReport,
) -> Result<Vec<Candidate>, ImportError> {
    let mut table = Table::open(path, options.delimiter, report)?;
    let explicit = !options.map.is_empty();
    let mapping =
        if explicit { Mapping::explicit(&options.map, &table.header)? } else { Mapping::automatic(&table.header) };
    mapping.require_essentials(&table.header, explicit)?;
    (report.mapping, report.ignored_columns) = mapping.describe(&table.header);
    let reader = RowReader { mapping, forced: options.currency, file: report.file.clone() };
    let mut candidates = Vec::new();
    while let Some(row) = table.next_row(report)? {
        match reader.product(&row, report) {
            Ok(product) => candidates.push(Candidate { line: row.line, product }),
            Err(RowError::Skip(reason, message)) => report.skip(reason, row.line, message),
            Err(RowError::Fatal(error)) => return Err(error),
        }
    }
    Ok(candidates)
}

struct RowReader {
    mapping: Mapping,
    forced: Option<Currency>,
    file: String,
}

impl RowReader {
    fn value<'r>(&self, row: &'r Row, field: &Field) -> &'r str {
        row.get(self.mapping.get(field))
    }

    /// The product a row describes: id, title, a positive price and a currency are required;
    /// the optional fields are filled in by [`RowReader::fill_optional`].
    fn product(&self, row: &Row, report: &mut ImportReport) -> Result<Product, RowError> {
        let id = self.value(row, &Field::Id);
        if id.is_empty() {
            return Err(RowError::Skip(SkipReason::NoId, "no id".into()));
        }
        let title = clean_text(&decode_entities(self.value(row, &Field::Title)));
        if title.is_empty() {
            return Err(RowError::Skip(SkipReason::NoTitle, format!("product `{id}` has no title")));
        }
        let raw_price = self.value(row, &Field::Price);
        let raw_compare = self.value(row, &Field::CompareAtPrice);
        let (price, compare) = match (parse_price(raw_price), parse_price(raw_compare)) {
            // Without a sale price the regular (compare-at) price is what the product sells for.
            (None, Some(regular)) if regular.amount.is_sign_positive() => (Some(regular), None),
            pair => pair,
        };
        let shown = if price.is_some() && raw_price.is_empty() { raw_compare } else { raw_price };
        let amount =
            positive_price(price.map(|p| p.amount), shown).map_err(|(r, m)| (r, format!("product `{id}`: {m}")))?;
        let currency = self.currency(row, price, shown)?;
        let mut product = Product::new(id, title, amount, currency);
        if let Some(compare) = compare {
            if compare.currency.allows(currency) {
                product.compare_at_price = crate::money::Amount::new(compare.amount).filter(|c| *c > amount);
            } else {
                report.warn(row.line, format!("compare-at price `{raw_compare}` is not in {currency}; dropped"));
            }
        }
        self.fill_optional(row, &mut product, report);
        Ok(product)
    }

    /// The row's currency: its currency column, else its price's symbol or code, checked
    /// against `--currency`. Without a currency column and without `--currency` a price that
    /// names no currency stops the import: guessing would mislabel every price.
    fn currency(&self, row: &Row, price: Option<Price>, raw_price: &str) -> Result<Currency, RowError> {
        let has_column = self.mapping.get(&Field::Currency).is_some();
        let column = self.value(row, &Field::Currency);
        let stated = if column.is_empty() {
            price.map_or(CurrencyHint::Unstated, |p| p.currency)
        } else {
            match detect_currency(column) {
                CurrencyHint::Unstated => {
                    return Err(RowError::Skip(SkipReason::NoCurrency, format!("`{column}` is not a currency code")));
                }
                hint => hint,
            }
        };
        match row_currency(stated, self.forced) {
            RowCurrency::Known(currency) => Ok(currency),
            RowCurrency::Contradicts(message) => Err(RowError::Skip(SkipReason::OtherCurrency, message)),
            RowCurrency::Unknown(message) if has_column => Err(RowError::Skip(SkipReason::NoCurrency, message)),
            RowCurrency::Unknown(message) => Err(RowError::Fatal(ImportError::CurrencyRequired(format!(
                "{}:{}: price `{raw_price}`: {message}, and the file has no currency column; \
                 pass --currency CODE (for example --currency GBP)",
                self.file, row.line
            )))),
        }
    }

    /// Fills every optional field the mapping names. A value that cannot be read is dropped
    /// with a warning; it never costs the row.
    fn fill_optional(&self, row: &Row, product: &mut Product, report: &mut ImportReport) {
        let line = row.line;
        let text = |field: &Field| self.value(row, field);
        product.description = Some(strip_html(text(&Field::Description))).filter(|d| !d.is_empty());
        product.category = names(parse_category(&decode_entities(text(&Field::Category))));
        product.brand =
            Some(clean_text(&decode_entities(text(&Field::Brand)))).filter(|b| !b.is_empty()).map(Name::from);
        product.tags = names(parse_tags(text(&Field::Tags)));
        product.url = Some(text(&Field::Url).to_string()).filter(|u| !u.is_empty());
        product.image = first_url(text(&Field::Image));
        let stock = text(&Field::Stock);
        match parse_count(stock) {
            Ok(count) => product.stock = count,
            Err(message) => report.warn(line, format!("stock {message}; ignored")),
        }
        let in_stock = text(&Field::InStock);
        match (parse_bool(in_stock), parse_bool(stock)) {
            (Some(flag), _) => product.in_stock = flag,
            (None, from_stock) if in_stock.is_empty() => product.in_stock = from_stock.unwrap_or(true),
            (None, _) => report.warn(line, format!("in_stock `{in_stock}` is not yes or no; assumed in stock")),
        }
        match parse_rating(text(&Field::Rating)) {
            Ok(rating) => product.rating = rating,
            Err(message) => report.warn(line, format!("rating {message}; ignored")),
        }
        match parse_count(text(&Field::ReviewCount)) {
            Ok(count) => product.review_count = count,
            Err(message) => report.warn(line, format!("review count {message}; ignored")),
        }
        let replenishable = text(&Field::Replenishable);
        product.replenishable = parse_bool(replenishable).unwrap_or(false);
        if !replenishable.is_empty() && parse_bool(replenishable).is_none() {
            report.warn(line, format!("replenishable `{replenishable}` is not yes or no; ignored"));
        }
        for (field, column) in &self.mapping.columns {
            if let Field::Attribute(name) = field
                && let Some(value) = attribute_value(row.get(Some(*column)))
            {
                product.attributes.insert(name.clone(), value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;
    use crate::catalog::import::{Format, import};

    fn run(content: &str, options: ImportOptions) -> Result<crate::catalog::import::Imported, ImportError> {
        let mut file = tempfile::NamedTempFile::new().unwrap();
        file.write_all(content.as_bytes()).unwrap();
        import(file.path(), &options)
    }

    fn csv() -> ImportOptions {
        ImportOptions::new(Format::Csv)
    }

    #[test]
    fn messy_values_become_clean_fields() {
        let content = "sku;name;price;stock;rating;reviews;category;tags\n\
                       a1;\"Train &amp; Track\";£3.42;5\u{a0}new;4.9 out of 5 stars;1,037;Toys > Trains;wooden, Wooden, kids\n";
        let imported = run(content, csv()).unwrap();
        let p = &imported.products[0];
        assert_eq!((p.title.as_str(), p.price.to_string(), p.currency.code()), ("Train & Track", "3.42".into(), "GBP"));
        assert_eq!((p.stock, p.rating, p.review_count), (Some(5), Some(4.9), Some(1037)));
        assert_eq!(p.category, ["Toys", "Trains"]);
        assert_eq!(p.tags, ["wooden", "kids"]);
        assert!(imported.report.notes.iter().any(|n| n.contains("`;`")));
    }

    #[test]
    fn without_any_currency_the_import_asks_for_one() {
        let err = run("id,title,price\na,A,3.42\n", csv()).unwrap_err().to_string();
        assert!(err.contains(":2: price `3.42`") && err.contains("--currency"), "{err}");
        let err = run("id,title,price\na,A,$3.42\n", csv()).unwrap_err().to_string();
        assert!(err.contains("USD, CAD"), "{err}");
        let ok = run("id,title,price\na,A,$3.42\n", ImportOptions { currency: Some("CAD".parse().unwrap()), ..csv() });
        assert_eq!(ok.unwrap().products[0].currency.code(), "CAD");
    }

    #[test]
    fn a_currency_column_decides_each_row_and_the_majority_the_catalog() {
        let content = "id,title,price,currency\na,A,5,EUR\nb,B,6,EUR\nc,C,7,GBP\nd,D,8,\ne,E,9,XX\n";
        let imported = run(content, csv()).unwrap();
        assert_eq!(imported.currency.map(|c| c.code()), Some("EUR"));
        let reasons = imported.report.skipped_by_reason();
        assert_eq!(reasons[&SkipReason::OtherCurrency], 1);
        assert_eq!(reasons[&SkipReason::NoCurrency], 2);
    }

    #[test]
    fn a_symbol_contradicting_the_given_currency_skips_the_row() {
        let content = "id,title,price\na,A,£5\nb,B,€6\nc,C,7\n";
        let imported = run(content, ImportOptions { currency: Some("GBP".parse().unwrap()), ..csv() }).unwrap();
        assert_eq!(imported.products.len(), 2);
        assert_eq!(imported.report.skipped[0].reason, SkipReason::OtherCurrency);
        assert_eq!(imported.report.skipped[0].problem.line, 3);
    }

    #[test]
    fn the_regular_price_sells_when_there_is_no_sale_price() {
        let content = "SKU,Name,Regular price,Sale price\na,A,10,8\nb,B,10,\nc,C,,\n";
        let imported = run(content, ImportOptions { currency: Some("EUR".parse().unwrap()), ..csv() }).unwrap();
        let prices: Vec<_> = imported.products.iter().map(|p| (p.price.to_string(), p.compare_at_price)).collect();
        assert_eq!(prices, [("8".to_string(), Some(crate::money::Amount::units(10))), ("10".to_string(), None)]);
        assert_eq!(imported.report.skipped[0].reason, SkipReason::NoPrice);
    }

    #[test]
    fn zero_negative_and_missing_prices_are_skipped_with_reasons() {
        let content = "id,title,price\na,A,0\nb,B,-5\nc,C,\nd,D,call us\ne,E,5\n,F,5\ng,,5\n";
        let imported = run(content, ImportOptions { currency: Some("GBP".parse().unwrap()), ..csv() }).unwrap();
        assert_eq!(imported.products.len(), 1);
        let reasons = imported.report.skipped_by_reason();
        assert_eq!(reasons[&SkipReason::PriceNotPositive], 2);
        assert_eq!(reasons[&SkipReason::NoPrice], 2);
        assert_eq!(reasons[&SkipReason::NoId], 1);
        assert_eq!(reasons[&SkipReason::NoTitle], 1);
        assert!(imported.report.skipped[3].problem.message.contains("call us"));
    }

    #[test]
    fn mapped_attributes_and_descriptions_are_kept() {
        let content = "ref\tlabel\tcost\tColour\tAge from\tinfo\n7\tKite\t12,50 €\tRed\t3\t<p>Flies&nbsp;high</p>\n";
        let map = crate::catalog::import::parse_map(
            "id=ref,title=label,price=cost,attributes.colour=Colour,attributes.age_min=Age from,description=info",
        )
        .unwrap();
        let imported = run(content, ImportOptions { map, ..csv() }).unwrap();
        let p = &imported.products[0];
        assert_eq!((p.price.to_string(), p.currency.code()), ("12.5".into(), "EUR"));
        assert_eq!(p.attributes["colour"], "Red");
        assert_eq!(p.age_range(), Some((Some(3), None)));
        assert_eq!(p.description.as_deref(), Some("Flies high"));
    }

    #[test]
    fn a_bad_map_fails_before_reading_rows() {
        let err = run("id,title,price\n", ImportOptions { map: vec![("price".into(), "cost".into())], ..csv() });
        let err = err.unwrap_err().to_string();
        assert!(err.contains("no column `cost`") && err.contains("`price`"), "{err}");
    }
}
