//! `concierge search`: plain catalog search with explicit filters, for merchants checking
//! what their catalog returns.

use std::process::ExitCode;

use anyhow::bail;
use clap::Args;
use serde::Serialize;

use super::common::{CatalogArg, PromptsArg, load_index};
use crate::catalog::Query;
use crate::chat::reply::ProductCard;
use crate::money::Amount;

#[derive(Debug, Args)]
pub struct SearchArgs {
    #[command(flatten)]
    catalog: CatalogArg,
    #[command(flatten)]
    prompts: PromptsArg,
    /// Lowest price, inclusive, in the catalog's currency.
    #[arg(long, value_name = "N")]
    min_price: Option<Amount>,
    /// Highest price, inclusive, in the catalog's currency.
    #[arg(long, value_name = "N")]
    max_price: Option<Amount>,
    /// How many products to show.
    #[arg(short, default_value_t = 5)]
    k: usize,
    /// Print `{"products":[...]}` as JSON.
    #[arg(long)]
    json: bool,
    /// Words to search for; empty ranks by quality alone.
    #[arg(value_name = "QUERY", num_args = 0..)]
    query: Vec<String>,
}

#[derive(Serialize)]
struct Output {
    products: Vec<ProductCard>,
}

pub fn run(args: SearchArgs) -> anyhow::Result<ExitCode> {
    if let (Some(min), Some(max)) = (args.min_price, args.max_price)
        && min > max
    {
        bail!("--min-price {min} is above --max-price {max}");
    }
    let prompts = args.prompts.load()?;
    let index = load_index(&args.catalog.catalog)?;
    let text = args.query.join(" ");
    let query = Query {
        keywords: text.split_whitespace().map(str::to_string).collect(),
        min_price: args.min_price,
        max_price: args.max_price,
        k: args.k,
        ..Query::default()
    };
    let currency = index.catalog().currency();
    let products: Vec<ProductCard> =
        index.rank(&query)?.iter().map(|r| ProductCard::new(r, &prompts, currency)).collect();
    if args.json {
        println!("{}", serde_json::to_string(&Output { products })?);
    } else if products.is_empty() {
        println!("No products match.");
    } else {
        for (i, card) in products.iter().enumerate() {
            println!("{}. {} — {} [{}]", i + 1, card.title, currency.format(card.price), card.id);
            for line in &card.why {
                println!("     · {line}");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
