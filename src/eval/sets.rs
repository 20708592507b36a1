//! Request sets on disk: one TOML file per catalog (`eval/ranking/*.toml`) and one file of
//! labelled messages (`eval/understanding.toml`).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;

use super::EvalError;
use crate::catalog::import::{parse_delimiter, parse_map};
use crate::catalog::{Catalog, CatalogIndex, Format, ImportOptions, import};

/// One catalog's requests.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RankingSet {
    pub name: String,
    pub catalog: CatalogSource,
    #[serde(rename = "request")]
    pub requests: Vec<Request>,
}

/// Where the catalog comes from: a native file, or an export imported when the set runs.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CatalogSource {
    /// Relative to the working directory (`../shared/data/...` or `catalog/demo.jsonl`).
    pub file: PathBuf,
    pub format: String,
    #[serde(default)]
    pub currency: Option<String>,
    #[serde(default)]
    pub map: Option<String>,
    #[serde(default)]
    pub delimiter: Option<String>,
}

/// One shopper's opening request and the rule that judges each product shown for it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Request {
    pub text: String,
    /// A product is relevant when its title matches this (Rust regex) ...
    pub relevant: String,
    /// ... and its price is within these ends, when given (the budget the text states).
    #[serde(default)]
    pub min: Option<f64>,
    #[serde(default)]
    pub max: Option<f64>,
}

impl RankingSet {
    pub(crate) fn read(path: &Path) -> Result<RankingSet, EvalError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| EvalError::Io { file: file.clone(), source })?;
        toml::from_str(&text).map_err(|e| EvalError::Set { file, message: e.to_string() })
    }
}

impl CatalogSource {
    /// Whether the catalog's file is there (the shared data may be absent).
    pub(crate) fn exists(&self) -> bool {
        self.file.exists()
    }

    /// The catalog, imported from its export when it is not native, and indexed.
    pub(crate) fn load(&self) -> Result<CatalogIndex, EvalError> {
        let file = self.file.display().to_string();
        let bad = |message: String| EvalError::Set { file: file.clone(), message };
        let format: Format = self.format.parse().map_err(bad)?;
        let catalog = if format == Format::Jsonl {
            Catalog::load(&self.file).map_err(|source| EvalError::Catalog { file: file.clone(), source })?.0
        } else {
            let mut options = ImportOptions::new(format);
            options.currency = self.currency.as_deref().map(str::parse).transpose().map_err(bad)?;
            if let Some(map) = &self.map {
                options.map = parse_map(map).map_err(|e| bad(e.to_string()))?;
            }
            options.delimiter =
                self.delimiter.as_deref().map(parse_delimiter).transpose().map_err(|e| bad(e.to_string()))?;
            let imported =
                import(&self.file, &options).map_err(|source| EvalError::Import { file: file.clone(), source })?;
            let mut text = String::new();
            for product in &imported.products {
                text.push_str(&serde_json::to_string(product).map_err(|e| bad(e.to_string()))?);
                text.push('\n');
            }
            Catalog::parse_jsonl(&text, &file).map_err(|source| EvalError::Catalog { file: file.clone(), source })?.0
        };
        Ok(CatalogIndex::build(Arc::new(catalog))?)
    }
}

/// Labelled messages for the understanding evaluation.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct UnderstandingSet {
    #[serde(rename = "message")]
    pub messages: Vec<Labelled>,
}

/// A message and what it states. A field left out is expected empty (null, no budget, no
/// interests), so every message checks every field.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Labelled {
    pub text: String,
    #[serde(default)]
    pub purpose: Option<String>,
    #[serde(default)]
    pub recipient: Option<String>,
    #[serde(default)]
    pub age: Option<u32>,
    #[serde(default)]
    pub occasion: Option<String>,
    /// `[min, max]`, with 0 for an open end; absent: no budget.
    #[serde(default)]
    pub budget: Option<[f64; 2]>,
    #[serde(default)]
    pub currency: Option<String>,
    #[serde(default)]
    pub interests: Vec<String>,
}

impl UnderstandingSet {
    pub(crate) fn read(path: &Path) -> Result<UnderstandingSet, EvalError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| EvalError::Io { file: file.clone(), source })?;
        toml::from_str(&text).map_err(|e| EvalError::Set { file, message: e.to_string() })
    }
}
