//! `concierge eval`: measures understanding and ranking on the request sets kept in `eval/`.
//!
//! `eval ranking` imports each set's catalog (the real exports in `../shared/data` are read
//! where they are, never copied), runs every request as a new shopper's opening message
//! through the chat's own pipeline and prints P@5, budget compliance and untrue why lines
//! beside a plain BM25 baseline. `eval understanding` prints field accuracy and false budgets
//! on the labelled messages.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::{Args, Subcommand};

use super::common::PromptsArg;
use super::recommend::recommend;
use crate::chat::assistant::Assistant;
use crate::eval::EvalError;
use crate::eval::ranking::{self, K, Shown};
use crate::eval::sets::{RankingSet, UnderstandingSet};
use crate::eval::understanding;
use crate::money::ExchangeRates;
use crate::understand::Understander;

#[derive(Debug, Args)]
pub struct EvalArgs {
    #[command(subcommand)]
    what: EvalCommand,
}

#[derive(Debug, Subcommand)]
enum EvalCommand {
    /// P@5, budget compliance and untrue why lines per request set, beside plain BM25.
    Ranking(RankingArgs),
    /// Field accuracy and false budgets on labelled shopper messages.
    Understanding(UnderstandingArgs),
    /// Cart complements (HitRate@10, MRR beside co-occurrence and popularity) and buy it
    /// again on an orders file split by time.
    Placements(super::orders::PlacementsArgs),
}

#[derive(Debug, Args)]
struct RankingArgs {
    #[command(flatten)]
    prompts: PromptsArg,
    /// Request sets (TOML files); default every file in `eval/ranking/`.
    #[arg(value_name = "SET")]
    sets: Vec<PathBuf>,
    /// Print each request that missed, with what was shown.
    #[arg(long, short)]
    verbose: bool,
}

#[derive(Debug, Args)]
struct UnderstandingArgs {
    #[command(flatten)]
    prompts: PromptsArg,
    /// The labelled messages.
    #[arg(long, default_value = "eval/understanding.toml")]
    file: PathBuf,
}

pub fn run(args: EvalArgs) -> anyhow::Result<ExitCode> {
    match args.what {
        EvalCommand::Ranking(args) => run_ranking(args),
        EvalCommand::Placements(args) => super::orders::run_placements(args),
        EvalCommand::Understanding(args) => {
            let prompts = args.prompts.load()?;
            let set = UnderstandingSet::read(&args.file)?;
            let understander = Understander::new(prompts.lexicon().clone());
            print!("{}", understanding::evaluate(&set, &understander).summary());
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn run_ranking(args: RankingArgs) -> anyhow::Result<ExitCode> {
    let prompts = Arc::new(args.prompts.load()?);
    let mut files = args.sets.clone();
    if files.is_empty() {
        for entry in std::fs::read_dir("eval/ranking").context("cannot read eval/ranking")? {
            let path = entry?.path();
            if path.extension().is_some_and(|e| e == "toml") {
                files.push(path);
            }
        }
        files.sort();
    }
    for file in files {
        let set = RankingSet::read(&file)?;
        if !set.catalog.exists() {
            println!("{}: skipped, {} is absent", set.name, set.catalog.file.display());
            continue;
        }
        let index = Arc::new(set.catalog.load()?);
        let agent = Assistant::new(index.clone(), prompts.clone(), ExchangeRates::default());
        let catalog = index.catalog().clone();
        let rank = |text: &str| -> Result<Vec<Shown<'_>>, EvalError> {
            let output = recommend(&agent, text, K)
                .map_err(|e| EvalError::Set { file: set.name.clone(), message: e.to_string() })?;
            Ok(output
                .products
                .into_iter()
                .filter_map(|card| catalog.get(&card.id).map(|product| Shown { product, signals: card.signals }))
                .collect())
        };
        let outcome = ranking::evaluate(&set, &index, &rank)?;
        print!("{}", ranking::table(&outcome));
        if args.verbose {
            print!("{}", outcome.notes);
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::truth::{untrue_words, words};
    use crate::prompts::Prompts;

    /// Requests built from the catalog itself: for every `step`-th product, a title word as
    /// what is asked for and another as what the recipient loves, and the first word of its
    /// last category part as what the recipient loves, so the property is checked on words the
    /// catalog really has, in places the request sets never looked.
    fn requests_from(index: &crate::catalog::CatalogIndex, step: usize) -> Vec<String> {
        let recipients = ["my dad", "my niece", "my wife", "a friend", "myself"];
        let products = index.catalog().products();
        let mut out = Vec::new();
        for (n, product) in products.iter().step_by(step.max(1)).enumerate() {
            let title: Vec<String> = words(&product.title)
                .into_iter()
                .filter(|w| w.len() > 3 && w.chars().all(char::is_alphabetic))
                .collect();
            if let [first, .., last] = title.as_slice() {
                out.push(format!("a {last} for {} who loves {first}", recipients[n % recipients.len()]));
            }
            // The first word of a category part, which may be part of a longer name ("Science
            // Fiction & Fantasy"): claimed only where the product means it.
            let part = product.category.last().map(|c| words(c)).unwrap_or_default();
            if let Some(first) = part.first().filter(|w| w.len() > 3 && w.chars().all(char::is_alphabetic)) {
                out.push(format!("a present for {} who loves {first}", recipients[(n + 1) % recipients.len()]));
            }
        }
        out
    }

    #[test]
    fn every_interest_and_keyword_reason_names_a_word_of_its_product_on_every_real_catalog() {
        let prompts = Arc::new(Prompts::load_or_builtin(None).expect("prompts"));
        let mut files: Vec<PathBuf> =
            std::fs::read_dir("eval/ranking").expect("eval/ranking").map(|e| e.expect("entry").path()).collect();
        files.sort();
        let mut checked = 0;
        for file in files {
            let set = RankingSet::read(&file).expect("set");
            if !set.catalog.exists() {
                println!("skipping {}: {} is absent", set.name, set.catalog.file.display());
                continue;
            }
            let index = Arc::new(set.catalog.load().expect("catalog"));
            let agent = Assistant::new(index.clone(), prompts.clone(), ExchangeRates::default());
            let step = index.len() / 150 + 1;
            let requests =
                set.requests.iter().map(|r| r.text.clone()).chain(requests_from(&index, step)).collect::<Vec<_>>();
            for text in &requests {
                let output = recommend(&agent, text, K).expect("recommend");
                for card in &output.products {
                    let product = index.catalog().get(&card.id).expect("a real product");
                    for signal in &card.signals {
                        let untrue = untrue_words(product, signal, index.kinds().names());
                        assert!(untrue.is_empty(), "{}: {text:?}: {signal:?} on {:?}", set.name, product.title);
                        checked += 1;
                    }
                }
            }
        }
        println!("{checked} reasons checked");
    }
}
