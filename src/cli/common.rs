//! What several commands share: where the catalog and prompt files come from.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, bail};
use clap::Args;

use crate::catalog::{Catalog, CatalogIndex};
use crate::chat::assistant::Agent;
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
        Prompts::load_or_builtin(self.prompts.as_deref()).map_err(|problems| {
            let lines: Vec<String> = problems.iter().map(ToString::to_string).collect();
            anyhow::anyhow!("invalid prompt files:\n{}", lines.join("\n"))
        })
    }
}

/// Loads and indexes a catalog, printing each skipped line to stderr.
pub fn load_index(path: &Path) -> anyhow::Result<CatalogIndex> {
    let (catalog, report) = Catalog::load(path).with_context(|| format!("cannot load catalog {}", path.display()))?;
    for problem in &report.problems {
        eprintln!("warning: {problem}");
    }
    if catalog.is_empty() {
        bail!("{}: no products", path.display());
    }
    Ok(CatalogIndex::build(Arc::new(catalog))?)
}

/// The agent over a catalog and prompt set, as the chat would build it.
pub fn build_agent(catalog: &CatalogArg, prompts: &PromptsArg) -> anyhow::Result<Agent> {
    build_agent_from(&catalog.catalog, prompts.prompts.as_deref())
}

/// The agent over the catalog at `catalog` and the prompt files in `prompts` (`None`:
/// `prompts/` when it exists, else the built-in set).
pub fn build_agent_from(catalog: &Path, prompts: Option<&Path>) -> anyhow::Result<Agent> {
    let loaded = PromptsArg { prompts: prompts.map(Path::to_path_buf) }.load()?;
    let index = load_index(catalog)?;
    Ok(Agent::new(Arc::new(index), Arc::new(loaded), ExchangeRates::default()))
}
