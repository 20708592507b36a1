//! `concierge replay`: plays scripted conversations against the chat (in-process by default,
//! a live server with `--url`) and reports what broke; exit status 0 only if all passed.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;

use super::common::{CatalogArg, PromptsArg};
use crate::replay::{self, DriverFactory, Options, Summary};

#[derive(Debug, Args)]
pub struct ReplayArgs {
    #[command(flatten)]
    catalog: CatalogArg,
    #[command(flatten)]
    prompts: PromptsArg,
    /// Replay over a live server's chat socket instead of in-process.
    #[arg(long, value_name = "ws://HOST:PORT/v1/chat")]
    url: Option<String>,
    /// Also write a JUnit XML report to this file.
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
    /// Record each script's replies in `<script>.golden.yaml` instead of comparing with it.
    #[arg(long)]
    bless: bool,
    /// How many scripts run at once.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..))]
    jobs: u16,
    /// Script files, or folders searched recursively for `*.yaml` / `*.yml`.
    #[arg(value_name = "PATH", required = true)]
    paths: Vec<PathBuf>,
}

pub fn run(args: ReplayArgs) -> anyhow::Result<ExitCode> {
    let options = Options { bless: args.bless, jobs: usize::from(args.jobs) };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let summary = runtime.block_on(async {
        match &args.url {
            Some(url) => play(&args.paths, replay::socket::factory(url, shop_keys())?, &options).await,
            None => {
                let factory =
                    replay::in_process::driver_factory(args.catalog.catalog.clone(), args.prompts.prompts.clone())?;
                play(&args.paths, factory, &options).await
            }
        }
    })?;
    print!("{}", replay::report::human(&summary));
    if let Some(path) = &args.junit {
        let xml = replay::report::junit(&summary).context("cannot build the JUnit report")?;
        std::fs::write(path, xml).with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(if summary.all_passed() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// The live server's keys, from the variables `concierge serve` reads, for fixtures' `shop_events`.
fn shop_keys() -> Option<replay::socket::ShopKeys> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    Some(replay::socket::ShopKeys {
        backend_key: var("CONCIERGE_BACKEND_KEY")?,
        identity_secret: var("CONCIERGE_IDENTITY_SECRET")?,
    })
}

async fn play<F: DriverFactory>(paths: &[PathBuf], factory: F, options: &Options) -> anyhow::Result<Summary> {
    Ok(replay::run(paths, factory, options).await)
}
