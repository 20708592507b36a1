//! `--format jsonl`: the native catalog run through the native loader and written back clean,
//! so a hand-edited catalog can be checked and normalised with the same command as any export.

use std::path::Path;

use super::finish::Candidate;
use super::report::{ImportReport, SkipReason};
use super::table::check_text;
use super::{ImportError, ImportOptions};
use crate::catalog::{Catalog, CatalogError};

/// The native fields, in the order the mapping lists them.
const FIELDS: [&str; 17] = [
    "id",
    "title",
    "description",
    "category",
    "brand",
    "price",
    "currency",
    "compare_at_price",
    "tags",
    "attributes",
    "in_stock",
    "stock",
    "rating",
    "review_count",
    "url",
    "image",
    "replenishable",
];

/// Each native field the catalog uses (judged on its first thousand products) is read from the
/// key of the same name; any other key is kept as it is.
fn mapping(products: &[crate::catalog::Product]) -> Vec<(String, String)> {
    let mut keys = std::collections::BTreeSet::new();
    for product in products.iter().take(1000) {
        if let Ok(serde_json::Value::Object(map)) = serde_json::to_value(product) {
            keys.extend(map.into_iter().map(|(k, _)| k));
        }
    }
    let mut mapping: Vec<(String, String)> =
        FIELDS.iter().filter(|f| keys.contains(**f)).map(|f| (f.to_string(), f.to_string())).collect();
    let extra: Vec<String> = keys.into_iter().filter(|k| !FIELDS.contains(&k.as_str())).collect();
    if !extra.is_empty() {
        mapping.push(("kept as is".into(), extra.join(" + ")));
    }
    mapping
}

pub(crate) fn read(
    path: &Path,
    options: &ImportOptions,
    report: &mut ImportReport,
) -> Result<Vec<Candidate>, ImportError> {
    let file = report.file.clone();
    let bytes = std::fs::read(path).map_err(|source| ImportError::Io { file: file.clone(), source })?;
    check_text(&file, &bytes[..bytes.len().min(1 << 16)])?;
    let text = String::from_utf8(bytes).map_err(|e| ImportError::NotText {
        file: file.clone(),
        what: format!("is not UTF-8 (byte {}); JSON Lines must be", e.utf8_error().valid_up_to()),
    })?;
    let (catalog, load) = match Catalog::parse_jsonl(&text, &file) {
        Ok(loaded) => loaded,
        Err(CatalogError::Empty { report: load }) if load.read > 0 => {
            let first = load.problems.first().map(|p| p.to_string()).unwrap_or_default();
            return Err(ImportError::WrongFormat {
                file,
                expected: "a JSON Lines catalog".into(),
                detail: format!("none of its {} lines is a product; the first problem: {first}", load.read),
            });
        }
        Err(error) => return Err(error.into()),
    };
    report.read = load.read;
    for problem in load.problems {
        report.skip(reason(&problem.message), problem.line, problem.message);
    }
    if let Some(forced) = options.currency
        && forced != catalog.currency()
    {
        return Err(ImportError::CurrencyRequired(format!(
            "{file}: the catalog is priced in {}, not {forced}; drop --currency or convert the prices",
            catalog.currency()
        )));
    }
    report.mapping = mapping(catalog.products());
    // The loader has no line numbers left for the products it kept; their order is the file's.
    Ok(catalog.products().iter().map(|product| Candidate { line: 0, product: product.clone() }).collect())
}

/// The skip reason for one of the native loader's problem messages.
fn reason(message: &str) -> SkipReason {
    if message.starts_with("duplicate id") {
        SkipReason::DuplicateId
    } else if message.contains(" is priced in ") {
        SkipReason::OtherCurrency
    } else if message.contains("price must be above zero") {
        SkipReason::PriceNotPositive
    } else if message.contains("`title` is empty") {
        SkipReason::NoTitle
    } else if message.contains("`id` is empty") {
        SkipReason::NoId
    } else {
        SkipReason::InvalidLine
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;
    use crate::catalog::import::{Format, import};

    fn run(content: &str) -> Result<crate::catalog::import::Imported, ImportError> {
        let mut file = tempfile::NamedTempFile::new().unwrap();
        file.write_all(content.as_bytes()).unwrap();
        import(file.path(), &ImportOptions::new(Format::Jsonl))
    }

    #[test]
    fn the_loaders_problems_become_skips_with_their_reasons() {
        let content = concat!(
            "{\"id\":\"a\",\"title\":\"A\",\"price\":5,\"currency\":\"GBP\"}\n",
            "{\"id\":\"b\",\"title\":\"B\",\"price\":\n",
            "{\"id\":\"c\",\"title\":\"C\",\"price\":0,\"currency\":\"GBP\"}\n",
            "{\"id\":\"a\",\"title\":\"A again\",\"price\":6,\"currency\":\"GBP\"}\n",
            "{\"id\":\"e\",\"title\":\"E\",\"price\":7,\"currency\":\"EUR\"}\n",
            "{\"id\":\"f\",\"title\":\" \",\"price\":7,\"currency\":\"GBP\"}\n",
        );
        let imported = run(content).unwrap();
        assert_eq!(imported.products.len(), 1);
        let reasons: Vec<_> = imported.report.skipped.iter().map(|s| (s.problem.line, s.reason)).collect();
        assert_eq!(
            reasons,
            [
                (2, SkipReason::InvalidLine),
                (3, SkipReason::PriceNotPositive),
                (4, SkipReason::DuplicateId),
                (5, SkipReason::OtherCurrency),
                (6, SkipReason::NoTitle)
            ]
        );
        assert_eq!(imported.report.read, 6);
    }

    #[test]
    fn a_file_that_is_not_json_lines_is_a_clear_error() {
        let err = run("id,title,price\n1,A,5\n").unwrap_err().to_string();
        assert!(err.contains("does not look like a JSON Lines catalog"), "{err}");
    }
}
