//! `concierge orders import FILE`: loads order history into the store (the order log and each
//! customer's profile), and `concierge eval placements`: the offline evaluation on an orders
//! file (see `orders::evaluate`).

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand};
use regex::Regex;
use time::OffsetDateTime;

use crate::orders::import::{OrderFormat, OrderImportOptions, OrderReport, read_orders};
use crate::profile::{PostgresOptions, StoreError, StoreLocation, StoreOptions};

#[derive(Debug, Args)]
pub struct OrdersArgs {
    #[command(subcommand)]
    command: OrdersCommand,
}

#[derive(Debug, Subcommand)]
enum OrdersCommand {
    /// Load an orders CSV into the store: every line into the order log, each customer's
    /// recent orders into their profile (found or created by customer id); prints what was
    /// skipped and why. Importing the same file again changes nothing.
    Import(ImportArgs),
}

/// How to read an orders file (shared by `orders import` and `eval placements`).
#[derive(Debug, Args)]
pub(crate) struct ReadArgs {
    /// `csv` (columns by --map, or the UCI Online Retail columns, or the field names) or
    /// `shopify` (Shopify's orders export).
    #[arg(long, default_value = "csv", value_parser = parse_format)]
    format: OrderFormat,
    /// FIELD=COLUMN,... for order_id, customer_id, product_id, title, quantity, price, at.
    #[arg(long, value_name = "FIELD=COLUMN,...")]
    map: Option<String>,
    /// Only product ids matching this regex are products (default: an id with a digit and no
    /// space), e.g. '^\d{5}[A-Za-z]{0,2}$' for the UCI data.
    #[arg(long, value_name = "REGEX")]
    product_pattern: Option<String>,
    /// Upper-case product ids, so `15056bl` and `15056BL` are one product.
    #[arg(long)]
    fold_case: bool,
    #[arg(long, default_value = ",")]
    delimiter: char,
}

#[derive(Debug, Args)]
struct ImportArgs {
    file: PathBuf,
    #[command(flatten)]
    read: ReadArgs,
    /// The sled data directory (as for `serve`).
    #[arg(long, env = "CONCIERGE_DATA_DIR", default_value = "data")]
    data_dir: PathBuf,
    /// A `postgres://` URL (or a data directory) instead of --data-dir.
    #[arg(long, env = "CONCIERGE_STORE")]
    store: Option<String>,
}

fn parse_format(text: &str) -> Result<OrderFormat, String> {
    match text {
        "csv" => Ok(OrderFormat::Csv),
        "shopify" => Ok(OrderFormat::Shopify),
        other => Err(format!("orders come as csv or shopify, not `{other}`")),
    }
}

impl ReadArgs {
    fn options(&self) -> anyhow::Result<OrderImportOptions> {
        let mut map = HashMap::new();
        for pair in self.map.iter().flat_map(|m| m.split(',')).filter(|p| !p.trim().is_empty()) {
            let (field, column) =
                pair.split_once('=').with_context(|| format!("--map takes FIELD=COLUMN, not `{pair}`"))?;
            map.insert(field.trim().to_string(), column.trim().to_string());
        }
        let product_pattern =
            self.product_pattern.as_deref().map(Regex::new).transpose().context("--product-pattern is not a regex")?;
        anyhow::ensure!(self.delimiter.is_ascii(), "--delimiter must be one ASCII character");
        Ok(OrderImportOptions {
            format: self.format,
            map,
            product_pattern,
            fold_case: self.fold_case,
            delimiter: self.delimiter as u8,
        })
    }

    /// Reads `file` into lines and the report.
    pub(crate) fn read(&self, file: &std::path::Path) -> anyhow::Result<(Vec<crate::orders::OrderLine>, OrderReport)> {
        let options = self.options()?;
        let reader = std::fs::File::open(file).with_context(|| format!("cannot open {}", file.display()))?;
        read_orders(std::io::BufReader::new(reader), &options).with_context(|| file.display().to_string())
    }
}

pub fn run(args: OrdersArgs) -> anyhow::Result<ExitCode> {
    let OrdersCommand::Import(args) = args.command;
    let started = std::time::Instant::now();
    let (lines, report) = args.read.read(&args.file)?;
    let location = match &args.store {
        Some(store) => StoreLocation::parse(store),
        None => StoreLocation::Sled(args.data_dir.clone()),
    };
    let store = location.open(StoreOptions::default(), PostgresOptions::default()).map_err(|error| match error {
        StoreError::Open { ref source, .. } if source.to_string().contains("lock") => anyhow::anyhow!(
            "the store {location} is in use by another process (a running `concierge serve`?): \
             stop it and import again, or send the orders to that server as purchase events (POST /v1/events)"
        ),
        other => anyhow::Error::new(other).context(format!("cannot open the store {location}")),
    })?;
    let loaded = crate::orders::load::load(store.as_ref(), lines, OffsetDateTime::now_utc())?;
    println!("{}", summary(&report));
    println!(
        "stored {} lines in {location}; {} customers linked; {} lines of erased customers and {} of unusable customer ids dropped",
        loaded.lines, loaded.customers_linked, loaded.erased_lines, loaded.bad_customer_lines
    );
    println!("took {:.1} s", started.elapsed().as_secs_f64());
    Ok(ExitCode::SUCCESS)
}

/// The read report, one line per skip reason.
pub(crate) fn summary(report: &OrderReport) -> String {
    let mut out = format!(
        "read {} rows: {} order lines in {} orders of {} customers; {} cancellations applied",
        report.rows, report.lines, report.orders, report.customers, report.cancellations_applied
    );
    for (reason, count) in &report.skipped {
        out.push_str(&format!("\nskipped {count}: {reason}"));
    }
    out
}

#[derive(Debug, Args)]
pub(crate) struct PlacementsArgs {
    /// The orders file (the full UCI file by default).
    #[arg(long, default_value = "../shared/data/orders/online_retail.csv")]
    orders: PathBuf,
    #[command(flatten)]
    read: ReadArgs,
    /// Train before this date, test from it (YYYY-MM-DD).
    #[arg(long, default_value = "2011-09-01")]
    split: String,
    /// The buy-it-again window after the split, in days.
    #[arg(long, default_value_t = 30)]
    window_days: i64,
}

/// `concierge eval placements`.
pub(crate) fn run_placements(args: PlacementsArgs) -> anyhow::Result<ExitCode> {
    let split = crate::orders::import::parse_time(&format!("{} 00:00:00", args.split))
        .with_context(|| format!("--split takes YYYY-MM-DD, not `{}`", args.split))?;
    let (lines, report) = args.read.read(&args.orders)?;
    println!("{}", summary(&report));
    let evaluated = crate::orders::evaluate::evaluate(&lines, split.unix_timestamp(), args.window_days);
    print!("{}", evaluated.summary());
    Ok(ExitCode::SUCCESS)
}
