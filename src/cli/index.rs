//! `concierge index`: builds a catalog's prebuilt search index beside it, so `serve`,
//! `recommend` and the other commands open it memory-mapped instead of indexing the catalog
//! at every start (seconds instead of tens of seconds at a million products).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use clap::Args;

use crate::catalog::{Catalog, CatalogIndex};

/// Build the prebuilt index of a native JSONL catalog (keyed by the file's content hash).
#[derive(Debug, Args)]
pub struct IndexArgs {
    /// The native JSONL catalog to index.
    #[arg(value_name = "CATALOG.jsonl")]
    pub catalog: PathBuf,
}

pub fn run(args: IndexArgs) -> anyhow::Result<ExitCode> {
    build(&args.catalog)?;
    Ok(ExitCode::SUCCESS)
}

/// Loads the catalog at `path`, builds its prebuilt index and says where and how long it took.
pub(crate) fn build(path: &Path) -> anyhow::Result<()> {
    let started = Instant::now();
    let (catalog, report, hash) =
        Catalog::load_hashed(path).with_context(|| format!("cannot load catalog {}", path.display()))?;
    if !report.problems.is_empty() {
        eprintln!("warning: {} lines skipped (`concierge check` lists them)", report.problems.len());
    }
    let dir = CatalogIndex::build_prebuilt(&catalog, &report, path, &hash)?;
    println!(
        "indexed {} products of {} in {:.1} s: {}",
        catalog.len(),
        path.display(),
        started.elapsed().as_secs_f64(),
        dir.display()
    );
    Ok(())
}
