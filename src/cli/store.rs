//! `concierge store copy --from A --to B`: moves a shop's shoppers between a sled data
//! directory and a PostgreSQL database (either way, or between two of a kind).

use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand};

use crate::profile::{PostgresOptions, StoreLocation, StoreOptions, copy_store};

#[derive(Debug, Args)]
pub struct StoreArgs {
    #[command(subcommand)]
    command: StoreCommand,
}

#[derive(Debug, Subcommand)]
enum StoreCommand {
    /// Copy every shopper (provenance, consent, events, orders) from one store to another;
    /// running it again changes nothing. Stop the servers using the source first.
    Copy(CopyArgs),
}

#[derive(Debug, Args)]
struct CopyArgs {
    /// The source: a data directory (sled) or a `postgres://` URL.
    #[arg(long, value_name = "DIR|URL")]
    from: String,
    /// The destination: a data directory (sled, created if missing) or a `postgres://` URL.
    #[arg(long, value_name = "DIR|URL")]
    to: String,
}

pub fn run(args: StoreArgs) -> anyhow::Result<ExitCode> {
    let StoreCommand::Copy(args) = args.command;
    let (from, to) = (StoreLocation::parse(&args.from), StoreLocation::parse(&args.to));
    anyhow::ensure!(from != to, "--from and --to are the same store ({from})");
    if let StoreLocation::Sled(dir) = &from {
        // Opening creates a directory: a typo must not copy an empty store.
        anyhow::ensure!(
            dir.join("profiles").is_dir(),
            "{}: no profile store here (no profiles/ folder)",
            dir.display()
        );
    }
    let open = |location: &StoreLocation| {
        location
            .open(StoreOptions::default(), PostgresOptions::default())
            .with_context(|| format!("cannot open the store {location}"))
    };
    let (source, destination) = (open(&from)?, open(&to)?);
    let report = copy_store(source.as_ref(), destination.as_ref()).context("copy failed")?;
    println!("from {from}");
    println!("to   {to}");
    println!("shoppers: {} copied, {} unchanged, {} skipped", report.copied, report.unchanged, report.skipped.len());
    println!("with {} events, {} orders, {} customer links", report.events, report.orders, report.customers);
    println!(
        "order log: {} lines; experiments: {} exposures, {} purchases",
        report.order_lines, report.exposures, report.purchases
    );
    for reason in &report.skipped {
        println!("skipped: {reason}");
    }
    Ok(if report.skipped.is_empty() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}
