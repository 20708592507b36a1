//! Importers: merchants' exports (generic CSV, Shopify product CSV, Google Merchant Center
//! feeds, native JSON Lines) turned into validated [`Product`]s.
//!
//! Every importer streams its rows, turns each into a product or a [`Skip`] with a reason and
//! a line, and hands its products to one final validation ([`finish`]) that applies the native
//! loader's rules: a price above zero, one currency per catalog, unique ids. So what an import
//! writes always loads with [`crate::catalog::Catalog::load`] without a single problem.
//!
//! Errors that stop an import (a missing file, a file in the wrong format, a `--map` naming a
//! column the file lacks) are [`ImportError`]s, raised before any row is read where possible.

mod finish;
mod generic_csv;
mod google;
mod google_xml;
mod html;
mod jsonl;
mod lenient;
mod mapping;
mod orders;
mod price;
mod report;
mod shopify;
mod table;
mod variants;

use std::fmt;
use std::path::Path;
use std::str::FromStr;

pub use report::{ImportReport, Skip, SkipReason};

use super::{CatalogError, Product};
use crate::money::Currency;

/// The kind of file being imported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Shopify's product CSV export: one row per variant, folded by `Handle`.
    Shopify,
    /// A Google Merchant Center product feed, tab-separated or XML (RSS 2.0 or Atom).
    Google,
    /// Any delimited text file with a header row, mapped with `--map` or by column names.
    Csv,
    /// The native JSON Lines catalog, cleaned and re-validated.
    Jsonl,
    /// An orders CSV (see `concierge orders import`): one product per id, latest name and price.
    Orders,
}

impl Format {
    pub const NAMES: [&'static str; 5] = ["shopify", "google", "csv", "jsonl", "orders"];
}

impl FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "shopify" => Ok(Format::Shopify),
            "google" => Ok(Format::Google),
            "csv" => Ok(Format::Csv),
            "jsonl" => Ok(Format::Jsonl),
            "orders" => Ok(Format::Orders),
            other => Err(format!("unknown format `{other}`; expected one of: {}", Format::NAMES.join(", "))),
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            Format::Shopify => "shopify",
            Format::Google => "google",
            Format::Csv => "csv",
            Format::Jsonl => "jsonl",
            Format::Orders => "orders",
        };
        f.write_str(name)
    }
}

/// How to read the input file.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    pub format: Format,
    /// `(native field, source column)` pairs from `--map` (see [`parse_map`]); CSV only. Empty:
    /// columns are mapped by their names.
    pub map: Vec<(String, String)>,
    /// The field delimiter; `None` sniffs it from the header (CSV) or uses the format's own.
    pub delimiter: Option<u8>,
    /// The catalog's currency. It wins over what values say; rows whose symbol or code
    /// contradicts it are skipped and reported.
    pub currency: Option<Currency>,
}

impl ImportOptions {
    pub fn new(format: Format) -> ImportOptions {
        ImportOptions { format, map: Vec::new(), delimiter: None, currency: None }
    }
}

/// The products an import produced (valid, unique ids, one currency) and its report.
#[derive(Debug, Clone)]
pub struct Imported {
    pub products: Vec<Product>,
    /// `None` only when no product survived.
    pub currency: Option<Currency>,
    pub report: ImportReport,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{file}: cannot read")]
    Io { file: String, source: std::io::Error },
    #[error("{file}: {what}")]
    NotText { file: String, what: String },
    #[error("{file}: the file is empty")]
    EmptyFile { file: String },
    #[error("{file}: does not look like {expected}: {detail}")]
    WrongFormat { file: String, expected: String, detail: String },
    #[error("--map: {0}")]
    BadMap(String),
    #[error("--delimiter: {0}")]
    BadDelimiter(String),
    #[error("--map is only for --format csv (the {0} format's columns are known)")]
    MapNotSupported(Format),
    #[error("{0}")]
    CurrencyRequired(String),
    #[error("{file}:{line}: {message}")]
    Malformed { file: String, line: usize, message: String },
    #[error(transparent)]
    Catalog(#[from] CatalogError),
}

/// Imports `path` as `options` say. Rows that cannot become products are skipped and listed
/// in the report; only a file that cannot be read as the format at all is an error. An import
/// that keeps no product is not an error here: `products` is empty and the report says why.
pub fn import(path: &Path, options: &ImportOptions) -> Result<Imported, ImportError> {
    let file = path.display().to_string();
    if !options.map.is_empty() && !matches!(options.format, Format::Csv | Format::Orders) {
        return Err(ImportError::MapNotSupported(options.format));
    }
    let mut report = ImportReport::new(&file);
    let candidates = match options.format {
        Format::Csv => generic_csv::read(path, options, &mut report)?,
        Format::Shopify => shopify::read(path, options, &mut report)?,
        Format::Google => google::read(path, options, &mut report)?,
        Format::Jsonl => jsonl::read(path, options, &mut report)?,
        Format::Orders => orders::read(path, options, &mut report)?,
    };
    let (products, currency) = finish::finish(candidates, options.currency, &mut report);
    report.skipped.sort_by_key(|skip| skip.problem.line);
    report.warnings.sort_by_key(|warning| warning.line);
    Ok(Imported { products, currency, report })
}

/// Parses a `--map` value, `FIELD=COLUMN,FIELD=COLUMN`. Column names may hold spaces; a
/// column name holding a comma works as long as the text after that comma has no `=`.
/// Field names are checked later, against the file's header.
pub fn parse_map(spec: &str) -> Result<Vec<(String, String)>, ImportError> {
    let mut pairs: Vec<(String, String)> = Vec::new();
    for piece in spec.split(',') {
        match piece.split_once('=') {
            Some((field, column)) => pairs.push((field.trim().to_string(), column.trim().to_string())),
            None => match pairs.last_mut() {
                Some((_, column)) => {
                    column.push(',');
                    column.push_str(piece.trim_end());
                }
                None if piece.trim().is_empty() => {}
                None => return Err(ImportError::BadMap(format!("expected FIELD=COLUMN, found `{}`", piece.trim()))),
            },
        }
    }
    if let Some((field, _)) = pairs.iter().find(|(field, column)| field.is_empty() || column.is_empty()) {
        return Err(ImportError::BadMap(format!("`{field}=`: both a field and a column are needed")));
    }
    Ok(pairs)
}

/// Parses a `--delimiter` value: one ASCII character, or `\t` / `tab` for a tab.
pub fn parse_delimiter(text: &str) -> Result<u8, ImportError> {
    match text {
        "\\t" | "tab" | "TAB" | "\t" => Ok(b'\t'),
        _ if text.len() == 1 && text.is_ascii() && !text.contains(['"', '\n', '\r']) => Ok(text.as_bytes()[0]),
        _ => Err(ImportError::BadDelimiter(format!(
            "expected one character such as `;`, `,`, `|` or `\\t`, found `{text}`"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_map_splits_into_pairs_and_keeps_spaces_in_column_names() {
        let pairs = parse_map("id=uniq_id, title = Product Name,attributes.colour=Colour").unwrap();
        assert_eq!(
            pairs,
            [
                ("id".to_string(), "uniq_id".to_string()),
                ("title".to_string(), "Product Name".to_string()),
                ("attributes.colour".to_string(), "Colour".to_string())
            ]
        );
        let comma = parse_map("title=Name, long,price=Price").unwrap();
        assert_eq!(comma[0].1, "Name, long");
    }

    #[test]
    fn a_map_without_equals_is_refused() {
        assert!(parse_map("title").unwrap_err().to_string().contains("FIELD=COLUMN"));
        assert!(parse_map("title=").is_err());
    }

    #[test]
    fn delimiters_are_single_characters_or_tab() {
        assert_eq!(parse_delimiter(";").unwrap(), b';');
        assert_eq!(parse_delimiter("\\t").unwrap(), b'\t');
        assert_eq!(parse_delimiter("tab").unwrap(), b'\t');
        assert!(parse_delimiter(";;").is_err());
    }

    #[test]
    fn formats_parse_from_their_names() {
        for name in Format::NAMES {
            assert_eq!(name.parse::<Format>().unwrap().to_string(), name);
        }
        assert!("excel".parse::<Format>().unwrap_err().contains("shopify"));
    }
}
