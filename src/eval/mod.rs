//! Offline evaluation: request sets kept in the repository, judged by rules, so a change to
//! understanding or ranking is measured rather than guessed at.
//!
//! - [`ranking`]: per catalog, requests with a relevance rule each (a title pattern and the
//!   budget); P@5, budget compliance and untrue why lines, beside a plain BM25 baseline.
//! - [`understanding`]: labelled shopper messages; field accuracy and false budgets.
//! - [`truth`]: whether a why line's claimed word is really a word of its product.
//!
//! Catalogs from `../shared/data` are imported when the evaluation runs, never copied.

pub(crate) mod ranking;
pub(crate) mod sets;
pub(crate) mod truth;
pub(crate) mod understanding;

/// Why an evaluation could not run: a set file that does not parse, a catalog that does not
/// load. A request that ranks badly is a figure, not an error.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    #[error("cannot read {file}: {source}")]
    Io { file: String, source: std::io::Error },
    #[error("{file}: {message}")]
    Set { file: String, message: String },
    #[error("{file}: {source}")]
    Import { file: String, source: crate::catalog::ImportError },
    #[error("{file}: {source}")]
    Catalog { file: String, source: crate::catalog::CatalogError },
    #[error("{0}")]
    Index(#[from] crate::catalog::IndexError),
}
