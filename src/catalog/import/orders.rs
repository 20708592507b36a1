//! `--format orders`: a product list from an orders file (see `crate::orders::import`): one
//! product per product id, with the latest name and unit price it was sold at. The file has
//! no currency, so `--currency` is required. Order lines without a name are skipped.

use std::path::Path;

use super::finish::Candidate;
use super::report::ImportReport;
use super::{ImportError, ImportOptions};
use crate::catalog::Product;
use crate::money::Amount;
use crate::orders::import::{OrderImportOptions, read_orders};

pub(super) fn read(
    path: &Path,
    options: &ImportOptions,
    report: &mut ImportReport,
) -> Result<Vec<Candidate>, ImportError> {
    let file = path.display().to_string();
    let currency = options.currency.ok_or_else(|| {
        ImportError::CurrencyRequired(format!("{file}: an orders file names no currency: add --currency CODE"))
    })?;
    let reader = std::fs::File::open(path).map_err(|source| ImportError::Io { file: file.clone(), source })?;
    let read_options = OrderImportOptions {
        map: options.map.iter().cloned().collect(),
        delimiter: options.delimiter.unwrap_or(b','),
        fold_case: true,
        ..OrderImportOptions::default()
    };
    let (mut lines, _) = read_orders(std::io::BufReader::new(reader), &read_options).map_err(|e| {
        ImportError::WrongFormat { file: file.clone(), expected: "an orders CSV".into(), detail: e.to_string() }
    })?;
    // Latest first, so the first line seen of each product is its current name and price.
    lines.sort_by(|a, b| b.at.cmp(&a.at).then_with(|| a.product_id.cmp(&b.product_id)));
    let mut seen = std::collections::HashSet::new();
    let mut candidates = Vec::new();
    for (n, line) in lines.into_iter().enumerate() {
        let (Some(title), Some(price)) = (line.title.as_deref().map(str::trim).filter(|t| !t.is_empty()), line.price)
        else {
            continue;
        };
        let Some(price) = Amount::from_f64(price) else { continue };
        if !seen.insert(line.product_id.clone()) {
            continue;
        }
        let title = title.to_string();
        candidates.push(Candidate { line: n + 2, product: Product::new(line.product_id, title, price, currency) });
    }
    report.read = candidates.len();
    Ok(candidates)
}
