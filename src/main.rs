//! The `concierge` command: parses arguments and hands over to the library.

use std::process::ExitCode;

use clap::Parser;

/// mimalloc instead of the system allocator: a turn makes many small, short-lived allocations
/// (frames, templates, JSON), where glibc's malloc cost about a tenth of the server's CPU at
/// saturation. The echo baseline uses it too, so the comparison stays like for like.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
