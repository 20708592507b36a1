//! The `concierge` command: parses arguments and hands over to the library.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = concierge::cli::Cli::parse();
    match concierge::cli::run(cli) {
        Ok(code) => code,
        Err(error) => {
            // Print the whole chain: "cannot load catalog: x.jsonl: cannot read: No such file".
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
