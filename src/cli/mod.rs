//! The command line: one file per command, each a thin layer over the library.
//!
//! Every command prints human-readable text by default and JSON with `--json`, and returns a
//! non-zero exit status when it found problems, so scripts and CI can rely on it.

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
    /// What the agent understands from one shopper message (slots, acts, keywords).
    Understand(understand::UnderstandArgs),
}

/// Runs one parsed command line; `Err` carries a message for a human, printed with its causes.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Understand(args) => understand::run(args).map(|()| ExitCode::SUCCESS),
    }
}
