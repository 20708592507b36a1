//! `concierge simulate`: synthetic shoppers with a known effect, to check the experiment method
//! end to end. With `--url` it drives a real server (which must run the holdout) through the
//! widget's page-load call and purchase events, then prints the report; without, it runs many
//! experiments in process and prints how often an A/A test looked significant and how often
//! the interval covered the planted lift.

use std::process::ExitCode;

use anyhow::Context;
use clap::Args;

use crate::experiments::simulate::{Scenario, calibrate, drive};

#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// A running server to drive (`http://127.0.0.1:8080`); in process when absent.
    #[arg(long)]
    url: Option<String>,
    /// The server's admin key, to read the report (with `--url`).
    #[arg(long, env = "CONCIERGE_ADMIN_KEY", hide_env_values = true)]
    admin_key: Option<String>,
    /// Shoppers per experiment.
    #[arg(long, default_value_t = 1000)]
    shoppers: usize,
    /// The planted relative lift in conversion of the assistant arm (0.2 means +20 %).
    #[arg(long, default_value_t = 0.0)]
    lift: f64,
    /// The held-out shoppers' conversion rate.
    #[arg(long, default_value_t = 0.2)]
    base_rate: f64,
    /// The holdout's size in percent, in process (a server uses its own).
    #[arg(long, default_value_t = 50.0)]
    holdout_percent: f64,
    /// Experiments to run in process.
    #[arg(long, default_value_t = 200)]
    runs: usize,
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

pub fn run(args: SimulateArgs) -> anyhow::Result<ExitCode> {
    anyhow::ensure!(args.shoppers > 0 && args.shoppers <= 1_000_000, "--shoppers is 1 to 1,000,000");
    anyhow::ensure!((0.0..=1.0).contains(&args.base_rate), "--base-rate is a probability (0 to 1)");
    let scenario = Scenario {
        shoppers: args.shoppers,
        holdout_percent: args.holdout_percent,
        base_rate: args.base_rate,
        lift: args.lift,
        ..Scenario::default()
    };
    let Some(url) = args.url else {
        let c = calibrate(&scenario, args.runs, args.seed);
        let share = |n: usize| n as f64 / c.runs.max(1) as f64 * 100.0;
        println!("{} experiments of {} shoppers, planted lift {:+.1} %", c.runs, args.shoppers, args.lift * 100.0);
        println!("significant at p < 0.05: {:.1} % (about 5 % when the lift is 0)", share(c.significant));
        println!("interval covered the planted lift: {:.1} % (about 95 %)", share(c.covered));
        println!("split flagged by the sample-ratio check: {:.1} % (about 0.1 %)", share(c.flagged));
        return Ok(ExitCode::SUCCESS);
    };
    let admin_key = args.admin_key.context("--admin-key (or CONCIERGE_ADMIN_KEY) is needed to read the report")?;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let base = url.trim_end_matches('/').to_string();
    let report = runtime.block_on(drive(&base, &admin_key, &scenario, args.seed))?;
    println!("planted lift in conversion: {:+.1} %\n", args.lift * 100.0);
    print!("{}", super::lift::table(&report));
    Ok(ExitCode::SUCCESS)
}
