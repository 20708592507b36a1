//! `concierge check`: validates prompt files and a catalog, printing `file:line: message` for
//! every problem, with a non-zero exit status when there is any.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::common::DEFAULT_CATALOG;
use crate::catalog::{Catalog, CatalogError};
use crate::prompts::Prompts;

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Folder of prompt files to validate (default: `prompts/`).
    #[arg(long, value_name = "DIR", env = "CONCIERGE_PROMPTS")]
    prompts: Option<PathBuf>,
    /// Native JSONL catalog to validate (default: the demo store).
    #[arg(long, value_name = "FILE", env = "CONCIERGE_CATALOG")]
    catalog: Option<PathBuf>,
}

pub fn run(args: CheckArgs) -> anyhow::Result<ExitCode> {
    let mut problems: Vec<String> = Vec::new();
    let prompts_dir = args.prompts.unwrap_or_else(|| PathBuf::from("prompts"));
    match Prompts::load(&prompts_dir) {
        Ok(_) => println!("{}: prompt files are valid", prompts_dir.display()),
        Err(found) => problems.extend(found.iter().map(ToString::to_string)),
    }
    let catalog = args.catalog.unwrap_or_else(|| PathBuf::from(DEFAULT_CATALOG));
    match Catalog::load(&catalog) {
        Ok((catalog_data, report)) => {
            problems.extend(report.problems.iter().map(ToString::to_string));
            println!(
                "{}: {} products in {}, {} lines skipped",
                catalog.display(),
                catalog_data.len(),
                catalog_data.currency(),
                report.problems.len()
            );
        }
        Err(CatalogError::Empty { report }) => {
            problems.extend(report.problems.iter().map(ToString::to_string));
            problems.push(format!("{}: no usable product", catalog.display()));
        }
        Err(e) => problems.push(e.to_string()),
    }
    for problem in &problems {
        println!("{problem}");
    }
    Ok(if problems.is_empty() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}
