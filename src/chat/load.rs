//! Building an [`Assistant`] from files: the one place the server, every command, replay and
//! the admin reload load a catalog and a prompt set, so they all see the same assistant.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::assistant::Assistant;
use crate::catalog::{Catalog, CatalogError, CatalogIndex, IndexError};
use crate::money::ExchangeRates;
use crate::problem::Problem;
use crate::prompts::Prompts;

/// Why an assistant could not be built; nothing was changed.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("invalid prompt files:\n{}", lines(.0))]
    Prompts(Vec<Problem>),
    #[error("cannot load catalog {}", .path.display())]
    Catalog { path: PathBuf, source: CatalogError },
    #[error(transparent)]
    Index(#[from] IndexError),
}

fn lines(problems: &[Problem]) -> String {
    problems.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n")
}

/// An assistant and the catalog lines skipped while loading it (each `file:line: message`).
pub struct Loaded {
    pub assistant: Assistant,
    pub skipped: Vec<Problem>,
}

/// Loads the prompt files in `dir` (`None`: `prompts/` when it exists, else the built-in set),
/// validated: an invalid set is every `file:line: problem` it has.
pub fn load_prompts(dir: Option<&Path>) -> Result<Prompts, LoadError> {
    Prompts::load_or_builtin(dir).map_err(LoadError::Prompts)
}

/// Loads and indexes the catalog at `catalog` and the prompt files in `prompts` (as
/// [`load_prompts`]); `model` names the language model in the privacy reply, when there is one.
pub fn load(
    catalog: &Path,
    prompts: Option<&Path>,
    rates: ExchangeRates,
    model: Option<String>,
) -> Result<Loaded, LoadError> {
    load_with(catalog, load_prompts(prompts)?, rates, model)
}

/// As [`load`], with prompts already loaded (the server's carry its `[shop]`).
pub fn load_with(
    catalog: &Path,
    prompts: Prompts,
    rates: ExchangeRates,
    model: Option<String>,
) -> Result<Loaded, LoadError> {
    let (products, report, hash) =
        Catalog::load_hashed(catalog).map_err(|source| LoadError::Catalog { path: catalog.to_path_buf(), source })?;
    let index = CatalogIndex::open_or_build(Arc::new(products), catalog, &hash)?;
    let assistant = Assistant::new(Arc::new(index), Arc::new(prompts), rates).with_model(model);
    Ok(Loaded { assistant, skipped: report.problems })
}
