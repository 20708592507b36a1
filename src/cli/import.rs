//! `concierge import`: converts a merchant's export into the native JSON Lines catalog and says
//! what happened: rows read, products written, and every reason rows were skipped, with the
//! first few `file:line: reason` examples of each.

use std::fmt::Write as _;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::Args;

use crate::catalog::import::{parse_delimiter, parse_map};
use crate::catalog::{Format, ImportOptions, ImportReport, Imported, Product, import};
use crate::money::Currency;

/// How many `file:line: reason` examples to print per skip reason, and warnings in all.
const EXAMPLES: usize = 3;
const WARNINGS: usize = 5;

/// Convert a merchant's export (Shopify, Google Merchant Center, any CSV) into a catalog.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The export to convert.
    pub file: PathBuf,
    /// The export's format: shopify, google, csv or jsonl.
    #[arg(long, value_parser = parse_format)]
    pub format: Format,
    /// Source column of each native field, e.g. `id=uniq_id,title=product_name,price=price`
    /// (csv only; may be repeated). Without it, columns are mapped by their names.
    #[arg(long, value_name = "FIELD=COLUMN,...")]
    pub map: Vec<String>,
    /// Field delimiter: `;`, `,`, `|` or `\t` (default: sniffed from the header).
    #[arg(long, value_name = "C")]
    pub delimiter: Option<String>,
    /// The catalog's currency (ISO 4217); required when the file does not say.
    #[arg(long, value_name = "CODE", value_parser = parse_currency)]
    pub currency: Option<Currency>,
    /// Where to write the catalog (JSON Lines); replaced only when the import succeeds.
    #[arg(short = 'o', long = "output", value_name = "OUT.jsonl")]
    pub output: PathBuf,
    /// Also build the catalog's prebuilt search index beside it (as `concierge index` does).
    #[arg(long)]
    pub index: bool,
}

fn parse_format(text: &str) -> Result<Format, String> {
    text.parse()
}

fn parse_currency(text: &str) -> Result<Currency, String> {
    text.parse()
}

/// Runs the import, writes the catalog and prints the summary. Fails (non-zero) when no
/// product could be written, after printing why.
pub fn run(args: ImportArgs) -> anyhow::Result<ExitCode> {
    let mut map = Vec::new();
    for spec in &args.map {
        map.extend(parse_map(spec)?);
    }
    let delimiter = args.delimiter.as_deref().map(parse_delimiter).transpose()?;
    let options = ImportOptions { format: args.format, map, delimiter, currency: args.currency };
    let imported = import(&args.file, &options)?;
    print!("{}", summary(&imported, args.format, &args.output));
    if imported.products.is_empty() {
        bail!("{}: no product could be imported; nothing written to {}", args.file.display(), args.output.display());
    }
    write_catalog(&args.output, &imported.products)?;
    if args.index {
        super::index::build(&args.output)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes one product per line to a temporary file beside `path`, then renames it into place,
/// so a failed write never leaves half a catalog where a good one was.
fn write_catalog(path: &Path, products: &[Product]) -> anyhow::Result<()> {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "catalog".into());
    let temporary = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    let write = || -> anyhow::Result<()> {
        let mut out = BufWriter::new(File::create(&temporary)?);
        for product in products {
            serde_json::to_writer(&mut out, product)?;
            out.write_all(b"\n")?;
        }
        out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        std::fs::rename(&temporary, path)?;
        Ok(())
    };
    write()
        .inspect_err(|_| {
            let _ = std::fs::remove_file(&temporary);
        })
        .with_context(|| format!("cannot write {}", path.display()))
}

/// The human summary of an import.
pub(crate) fn summary(imported: &Imported, format: Format, output: &Path) -> String {
    let report = &imported.report;
    let mut out = String::new();
    let _ = writeln!(out, "import {} as {format}", report.file);
    for note in &report.notes {
        let _ = writeln!(out, "  {note}");
    }
    if !report.mapping.is_empty() {
        let pairs: Vec<String> = report.mapping.iter().map(|(f, c)| format!("{f} <- {c}")).collect();
        let _ = writeln!(out, "  mapping: {}", pairs.join(", "));
    }
    if !report.ignored_columns.is_empty() {
        let _ = writeln!(out, "  ignored columns: {}", report.ignored_columns.join(", "));
    }
    let _ = writeln!(out, "read {} rows", report.read);
    if report.folded > 0 {
        let _ = writeln!(out, "folded {} variant and image rows into their products", report.folded);
    }
    match imported.currency {
        Some(currency) => {
            let _ = writeln!(out, "wrote {} products ({currency}) to {}", report.written, output.display());
        }
        None => {
            let _ = writeln!(out, "wrote 0 products");
        }
    }
    skipped(&mut out, report);
    if !report.warnings.is_empty() {
        let _ = writeln!(out, "warnings: {} values ignored", report.warnings.len());
        for warning in report.warnings.iter().take(WARNINGS) {
            let _ = writeln!(out, "      {warning}");
        }
        if report.warnings.len() > WARNINGS {
            let _ = writeln!(out, "      ... and {} more", report.warnings.len() - WARNINGS);
        }
    }
    out
}

fn skipped(out: &mut String, report: &ImportReport) {
    if report.skipped.is_empty() {
        let _ = writeln!(out, "skipped 0");
        return;
    }
    let _ = writeln!(out, "skipped {}:", report.skipped.len());
    for (reason, count) in report.skipped_by_reason() {
        let _ = writeln!(out, "  {count:>7}  {reason}");
        for skip in report.skipped.iter().filter(|s| s.reason == reason).take(EXAMPLES) {
            let _ = writeln!(out, "           {}", skip.problem);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::SkipReason;

    #[test]
    fn the_summary_groups_skips_by_reason_with_a_few_examples() {
        let mut report = ImportReport { file: "toys.csv".into(), read: 6, written: 1, ..ImportReport::default() };
        for line in 2..6 {
            report.skip(SkipReason::NoPrice, line, format!("product `p{line}`: no price"));
        }
        report.skip(SkipReason::DuplicateId, 7, "duplicate id `a`; the one on line 1 is kept");
        report.mapping = vec![("id".into(), "uniq_id".into())];
        let product = Product::new("a", "A", crate::money::Amount::units(3), "GBP".parse().unwrap());
        let imported = Imported { products: vec![product], currency: Some("GBP".parse().unwrap()), report };
        let text = summary(&imported, Format::Csv, Path::new("out.jsonl"));
        assert!(text.contains("mapping: id <- uniq_id"), "{text}");
        assert!(text.contains("read 6 rows"), "{text}");
        assert!(text.contains("wrote 1 products (GBP) to out.jsonl"), "{text}");
        assert!(text.contains("skipped 5:"), "{text}");
        assert!(text.contains("      4  no price"), "{text}");
        assert!(text.contains("toys.csv:4: product `p4`: no price"), "{text}");
        assert!(!text.contains("toys.csv:5:"), "only the first three examples: {text}");
        assert!(text.contains("      1  duplicate id"), "{text}");
    }
}
