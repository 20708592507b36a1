//! The command line: one file per command, each a thin layer over the library.
//!
//! Every command prints human-readable text by default and JSON with `--json`, and returns a
//! non-zero exit status when it found problems, so scripts and CI can rely on it.

mod check;
mod common;
mod eval;

mod import;
mod index;
mod init;
mod lift;
mod orders;
mod recommend;
mod replay;
mod search;
mod serve;
mod simulate;
mod store;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

pub mod understand;

/// concierge: a conversational shopping agent backend.
#[derive(Debug, Parser)]
#[command(name = "concierge", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the chat server (WebSocket chat, HTTP API, the widget and a demo page).
    Serve(serve::ServeArgs),
    /// Search the catalog with explicit filters (for merchants checking their catalog).
    Search(search::SearchArgs),
    /// Rank products for a shopper's opening request, exactly as the chat would.
    Recommend(recommend::RecommendArgs),
    /// Validate prompt files and a catalog; prints `file:line: message` per problem.
    Check(check::CheckArgs),
    /// Convert a merchant's export (Shopify, Google Merchant Center, CSV, JSONL) into the
    /// native JSON Lines catalog, reporting every skipped row with its reason.
    Import(import::ImportArgs),
    /// Build a catalog's prebuilt search index beside it (opened memory-mapped at start-up).
    Index(index::IndexArgs),
    /// Set up a new shop in a folder: a starter concierge.toml and a copy of the prompt files.
    Init(init::InitArgs),
    /// Replay scripted conversations (files or folders) and report what broke.
    Replay(replay::ReplayArgs),
    /// Measure understanding and ranking on the request sets in `eval/`.
    #[command(subcommand_value_name = "WHAT")]
    Eval(eval::EvalArgs),
    /// What the agent understands from one shopper message (slots, acts, keywords).
    Understand(understand::UnderstandArgs),
    /// Load order history: `orders import FILE --format csv|shopify --map FIELD=COLUMN,...`.
    Orders(orders::OrdersArgs),
    /// Manage the profile store: `copy --from A --to B` between a sled directory and PostgreSQL.
    Store(store::StoreArgs),
    /// An experiment's report from a running server: lifts with intervals, p-values and the
    /// split's health.
    Lift(lift::LiftArgs),
    /// Synthetic shoppers with a known effect, to check the experiment method end to end.
    Simulate(simulate::SimulateArgs),
}

/// Runs one parsed command line; `Err` carries a message for a human, printed with its causes.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Serve(args) => serve::run(args),
        Command::Search(args) => search::run(args),
        Command::Check(args) => check::run(args),
        Command::Recommend(args) => recommend::run(args),
        Command::Import(args) => import::run(args),
        Command::Index(args) => index::run(args),
        Command::Init(args) => init::run(args),
        Command::Replay(args) => replay::run(args),
        Command::Eval(args) => eval::run(args),
        Command::Understand(args) => understand::run(args).map(|()| ExitCode::SUCCESS),
        Command::Store(args) => store::run(args),
        Command::Lift(args) => lift::run(args),
        Command::Simulate(args) => simulate::run(args),
        Command::Orders(args) => orders::run(args),
    }
}
