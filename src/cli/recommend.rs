//! `concierge recommend`: a shopper's opening request through exactly the chat's pipeline
//! (understand, dialogue, rank, explain), printing the products the chat would rank.

use std::io::{BufRead, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use serde::Serialize;

use super::common::{CatalogArg, PromptsArg, load_assistant};
use crate::chat::assistant::{Assistant, Surroundings};
use crate::chat::reply::ProductCard;
use crate::dialogue::{RecommendKind, Session};
use crate::slots::Slots;

#[derive(Debug, Args)]
pub struct RecommendArgs {
    #[command(flatten)]
    catalog: CatalogArg,
    #[command(flatten)]
    prompts: PromptsArg,
    /// How many products to show.
    #[arg(short, default_value_t = 5)]
    k: usize,
    /// Print `{"slots":{..},"products":[..]}` as JSON.
    #[arg(long)]
    json: bool,
    /// A file with one request per line (`-` for standard input); prints one JSON line each.
    #[arg(long, value_name = "FILE", conflicts_with = "text")]
    requests: Option<PathBuf>,
    /// The shopper's opening request.
    #[arg(value_name = "TEXT", required_unless_present = "requests", num_args = 1..)]
    text: Vec<String>,
}

#[derive(Serialize)]
struct Output {
    slots: Slots,
    products: Vec<ProductCard>,
}

pub fn run(args: RecommendArgs) -> anyhow::Result<ExitCode> {
    let assistant = load_assistant(&args.catalog, &args.prompts)?;
    let Some(path) = &args.requests else {
        let output = recommend(&assistant, &args.text.join(" "), args.k)?;
        if args.json {
            println!("{}", serde_json::to_string(&output)?);
        } else {
            print_human(&assistant, &output);
        }
        return Ok(ExitCode::SUCCESS);
    };
    let input: Box<dyn BufRead> = if path.as_os_str() == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        let file = std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
        Box::new(std::io::BufReader::new(file))
    };
    let mut out = BufWriter::new(std::io::stdout().lock());
    for line in input.lines() {
        let line = line.with_context(|| format!("cannot read {}", path.display()))?;
        serde_json::to_writer(&mut out, &recommend(&assistant, &line, args.k)?)?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// One opening request, as a new shopper's first message: what the chat would understand and
/// the top `k` products it would rank. A budget in a currency without an exchange rate is
/// read in the catalog's currency, and its reason says so.
fn recommend(assistant: &Assistant, text: &str, k: usize) -> anyhow::Result<Output> {
    let mut session = Session::default();
    let said = assistant.understand(&session, text);
    assistant.decide(&mut session, &said);
    if let Some(pending) = session.pending_budget.take() {
        session.slots.budget = Some(pending);
    }
    let products = assistant.recommend(&session, RecommendKind::Fresh, &Surroundings::default(), k)?;
    Ok(Output { slots: session.slots, products })
}

fn print_human(assistant: &Assistant, output: &Output) {
    println!("understood: {}", serde_json::to_string(&output.slots).unwrap_or_default());
    if output.products.is_empty() {
        println!("No products match.");
    }
    let currency = assistant.index().catalog().currency();
    for (i, card) in output.products.iter().enumerate() {
        println!("{}. {} — {} [{}]", i + 1, card.title, currency.format(card.price), card.id);
        for line in &card.why {
            println!("     · {line}");
        }
    }
}
