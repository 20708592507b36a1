//! `concierge lift [KEY]`: an experiment's report from a running server, as a table: each arm's
//! shoppers and outcomes, then each metric's lift with its interval and p-value, and the health
//! of the split. `--json` prints the report as the server gives it.

use std::fmt::Write;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;

use crate::experiments::Report;

#[derive(Debug, Args)]
pub struct LiftArgs {
    /// The experiment's key.
    #[arg(default_value = crate::experiments::HOLDOUT)]
    key: String,
    /// The server's address.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    url: String,
    /// The server's admin key.
    #[arg(long, env = "CONCIERGE_ADMIN_KEY", hide_env_values = true)]
    admin_key: String,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

pub fn run(args: LiftArgs) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let url = format!("{}/v1/admin/experiments/{}", args.url.trim_end_matches('/'), args.key);
    let report: Report = runtime.block_on(async {
        let response = reqwest::Client::new()
            .get(&url)
            .bearer_auth(&args.admin_key)
            .send()
            .await
            .with_context(|| format!("cannot reach {url}"))?;
        let status = response.status();
        anyhow::ensure!(status.is_success(), "{url}: {status}: {}", response.text().await.unwrap_or_default());
        response.json().await.context("the server's report is not what this version expects")
    })?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", table(&report));
    }
    Ok(ExitCode::SUCCESS)
}

fn percent(x: f64) -> String {
    format!("{:+.1} %", x * 100.0)
}

/// The report as text tables (what `concierge lift` and `concierge simulate` print).
pub(crate) fn table(report: &Report) -> String {
    let mut out = String::new();
    let split = if report.srm.flagged { "UNHEALTHY (sample-ratio mismatch)" } else { "healthy" };
    let _ = writeln!(out, "experiment {} (compared with {})", report.key, report.control);
    let _ = writeln!(out, "split: {split}, p = {:.5}", report.srm.p_value);
    let _ = writeln!(
        out,
        "\n{:<16} {:>9} {:>9} {:>10} {:>7} {:>12} {:>11} {:>10} {:>7}",
        "arm", "shoppers", "converted", "conversion", "orders", "revenue", "per shopper", "aov", "repeat"
    );
    for arm in &report.arms {
        let aov = arm.aov.map_or("-".to_string(), |a| format!("{a:.2}"));
        let _ = writeln!(
            out,
            "{:<16} {:>9} {:>9} {:>9.2}% {:>7} {:>12.2} {:>11.2} {:>10} {:>6.1}%",
            arm.name,
            arm.shoppers,
            arm.converted,
            arm.conversion_rate * 100.0,
            arm.orders,
            arm.revenue,
            arm.revenue_per_shopper,
            aov,
            arm.repeat_rate * 100.0
        );
    }
    let _ = writeln!(out, "\n{:<20} {:<16} {:>9} {:>22} {:>9}", "metric", "arm", "lift", "95 % interval", "p");
    for m in &report.metrics {
        match (m.lift, m.ci, m.p_value) {
            (Some(lift), Some([lo, hi]), Some(p)) => {
                let interval = format!("[{}, {}]", percent(lo), percent(hi));
                let _ =
                    writeln!(out, "{:<20} {:<16} {:>9} {:>22} {:>9.4}", m.metric, m.arm, percent(lift), interval, p);
            }
            _ => {
                let _ = writeln!(out, "{:<20} {:<16} {:>9}", m.metric, m.arm, "not enough data yet");
            }
        }
    }
    let _ = writeln!(out, "\n{}", report.warning);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiments::simulate::{Scenario, run};
    use rand::SeedableRng;

    #[test]
    fn the_table_shows_every_arm_and_metric_with_the_reports_numbers() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        let report = run(&Scenario { lift: 0.3, ..Scenario::default() }, &mut rng);
        let text = table(&report);
        for arm in &report.arms {
            assert!(text.contains(&format!("{:<16} {:>9}", arm.name, arm.shoppers)), "{text}");
        }
        let conversion = report.metrics.iter().find(|m| m.metric == "conversion").unwrap();
        assert!(text.contains(&percent(conversion.lift.unwrap())), "{text}");
        assert!(text.contains("split: healthy"), "{text}");
    }
}
