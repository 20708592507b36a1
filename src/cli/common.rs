//! What several commands share: where the catalog and prompt files come from.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, bail};
use clap::Args;

use crate::catalog::{Catalog, CatalogIndex};
use crate::chat::assistant::Assistant;
use crate::money::ExchangeRates;
use crate::prompts::Prompts;

/// The default catalog: the demo store shipped in the repository.
pub const DEFAULT_CATALOG: &str = "catalog/demo.jsonl";

#[derive(Debug, Clone, Args)]
pub struct CatalogArg {
    /// Native JSONL catalog to use.
    #[arg(long, value_name = "FILE", default_value = DEFAULT_CATALOG, env = "CONCIERGE_CATALOG")]
    pub catalog: PathBuf,
}

#[derive(Debug, Clone, Args)]
pub struct PromptsArg {
    /// Folder of prompt files; default `prompts/`, or the built-in set when that is absent.
    #[arg(long, value_name = "DIR", env = "CONCIERGE_PROMPTS")]
    pub prompts: Option<PathBuf>,
}

impl PromptsArg {
    /// The validated prompts, or an error listing every `file:line: problem`.
    pub fn load(&self) -> anyhow::Result<Prompts> {
        Ok(crate::chat::load_prompts(self.prompts.as_deref())?)
    }
}

/// Loads a catalog and opens its prebuilt index (or indexes it in memory when it has none),
/// printing each skipped line to stderr.
pub fn load_index(path: &Path) -> anyhow::Result<CatalogIndex> {
    let (catalog, report, hash) =
        Catalog::load_hashed(path).with_context(|| format!("cannot load catalog {}", path.display()))?;
    for problem in &report.problems {
        eprintln!("warning: {problem}");
    }
    if catalog.is_empty() {
        bail!("{}: no products", path.display());
    }
    Ok(CatalogIndex::open_or_build(Arc::new(catalog), path, &hash)?)
}

/// The assistant over a catalog and prompt set, as the chat builds it, each skipped catalog
/// line printed to stderr.
pub fn load_assistant(catalog: &CatalogArg, prompts: &PromptsArg) -> anyhow::Result<Assistant> {
    let loaded = crate::chat::load(&catalog.catalog, prompts.prompts.as_deref(), ExchangeRates::default(), None)?;
    for problem in &loaded.skipped {
        eprintln!("warning: {problem}");
    }
    Ok(loaded.assistant)
}
