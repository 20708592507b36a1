//! Synthetic shoppers whose outcomes depend on their arm with a known effect, to check the
//! method end to end: over many A/A runs about 5 % of results are "significant" (the false
//! positive rate), with a planted lift the interval covers it about 95 % of the time, and an
//! unbalanced split is flagged. [`calibrate`] runs many experiments in process (seeded, so a
//! test is repeatable); [`drive`] runs one through a real server over HTTP, as a merchant's
//! widget and backend would (`concierge simulate`).

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Deserialize;
use time::{Duration, OffsetDateTime};

use super::config::{ASSISTANT_ARM, HELD_OUT_ARM, holdout};
use super::report::{self, Report};
use crate::profile::{Exposure, Purchase, Unit};

/// One simulated experiment: the built-in holdout at `holdout_percent`, shoppers who buy with
/// probability `base_rate` when held out and `base_rate × (1 + lift)` with the assistant, each
/// order worth `order_value` × U(0.5, 1.5). `lose_assistant`: the share of assistant shoppers
/// whose exposure is lost (a broken split, which the sample-ratio check must flag).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scenario {
    pub shoppers: usize,
    pub holdout_percent: f64,
    pub base_rate: f64,
    pub lift: f64,
    pub order_value: f64,
    pub lose_assistant: f64,
}

impl Default for Scenario {
    fn default() -> Scenario {
        Scenario {
            shoppers: 1000,
            holdout_percent: 50.0,
            base_rate: 0.2,
            lift: 0.0,
            order_value: 40.0,
            lose_assistant: 0.0,
        }
    }
}

impl Scenario {
    /// Whether a shopper in `arm` buys, and for how much.
    fn outcome(&self, arm: &str, rng: &mut StdRng) -> Option<f64> {
        let rate = if arm == ASSISTANT_ARM { self.base_rate * (1.0 + self.lift) } else { self.base_rate };
        rng.random_bool(rate.clamp(0.0, 1.0)).then(|| self.order_value * rng.random_range(0.5..1.5))
    }
}

/// One experiment simulated in memory, reported as the server would.
pub fn run(scenario: &Scenario, rng: &mut StdRng) -> Report {
    let experiment = holdout(scenario.holdout_percent);
    let at = OffsetDateTime::UNIX_EPOCH + Duration::days(20_000);
    let mut exposures = Vec::with_capacity(scenario.shoppers);
    let mut bought = std::collections::HashMap::new();
    for n in 0..scenario.shoppers {
        let unit = Unit::from_stored(format!("s:{:016x}{:016x}", rng.random::<u64>(), n));
        let arm = super::assign::assign(&experiment, unit.as_str()).unwrap_or(HELD_OUT_ARM).to_string();
        if arm == ASSISTANT_ARM && rng.random_bool(scenario.lose_assistant.clamp(0.0, 1.0)) {
            continue;
        }
        if let Some(revenue) = scenario.outcome(&arm, rng) {
            let purchase = Purchase { unit: unit.clone(), key: format!("o{n}"), revenue, at: at + Duration::hours(1) };
            bought.insert(unit.clone(), purchase);
        }
        exposures.push(Exposure { experiment: experiment.key.clone(), unit, arm, at, of: None });
    }
    let mut purchases = |unit: &Unit| bought.get(unit).cloned().into_iter().collect();
    report::build(&experiment, &exposures, &mut purchases, Duration::days(90))
}

/// What many simulated experiments showed about the conversion lift.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Calibration {
    pub runs: usize,
    /// Runs whose p-value was below 0.05.
    pub significant: usize,
    /// Runs whose interval covered the planted lift.
    pub covered: usize,
    /// Runs whose split was flagged by the sample-ratio check.
    pub flagged: usize,
}

/// Runs `runs` experiments of `scenario` from `seed`.
pub fn calibrate(scenario: &Scenario, runs: usize, seed: u64) -> Calibration {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut calibration = Calibration { runs, significant: 0, covered: 0, flagged: 0 };
    for _ in 0..runs {
        let report = run(scenario, &mut rng);
        calibration.flagged += usize::from(report.srm.flagged);
        let Some(conversion) = report.metrics.iter().find(|m| m.metric == "conversion") else { continue };
        calibration.significant += usize::from(conversion.p_value.is_some_and(|p| p < 0.05));
        calibration.covered +=
            usize::from(conversion.ci.is_some_and(|[lo, hi]| lo <= scenario.lift && scenario.lift <= hi));
    }
    calibration
}

#[derive(Debug, thiserror::Error)]
pub enum SimulateError {
    #[error("cannot reach the server: {0}")]
    Http(#[from] reqwest::Error),
    #[error("the server refused {what}: {status} {body}")]
    Refused { what: &'static str, status: u16, body: String },
}

#[derive(Deserialize)]
struct Assigned {
    shopper: String,
    experiments: std::collections::BTreeMap<String, String>,
}

/// Drives a real server at `base` (`http://host:port`): each synthetic shopper loads the page
/// (`POST /v1/experiments`, which assigns and records the exposure), then buys or not by their
/// arm (`POST /v1/events` with their token); finally reads the holdout's report with the admin
/// key. The server must run the holdout (`experiments.holdout_percent` above 0).
pub async fn drive(base: &str, admin_key: &str, scenario: &Scenario, seed: u64) -> Result<Report, SimulateError> {
    let client = reqwest::Client::new();
    let mut rng = StdRng::seed_from_u64(seed);
    for n in 0..scenario.shoppers {
        let response = client.post(format!("{base}/v1/experiments")).json(&serde_json::json!({})).send().await?;
        let assigned: Assigned = accept("an exposure", response).await?.json().await?;
        let arm = assigned.experiments.get(super::HOLDOUT).cloned().unwrap_or_default();
        let Some(revenue) = scenario.outcome(&arm, &mut rng) else { continue };
        let event = serde_json::json!({"events": [{
            "id": format!("sim-{seed}-{n}"), "kind": "purchase", "product_id": "simulated",
            "order": {"id": format!("sim-{seed}-{n}"), "total": format!("{revenue:.2}")},
        }]});
        let response =
            client.post(format!("{base}/v1/events")).bearer_auth(&assigned.shopper).json(&event).send().await?;
        accept("a purchase", response).await?;
    }
    let url = format!("{base}/v1/admin/experiments/{}", super::HOLDOUT);
    let response = client.get(url).bearer_auth(admin_key).send().await?;
    Ok(accept("the report", response).await?.json().await?)
}

async fn accept(what: &'static str, response: reqwest::Response) -> Result<reqwest::Response, SimulateError> {
    if response.status().is_success() {
        return Ok(response);
    }
    let status = response.status().as_u16();
    let body = response.text().await.unwrap_or_default().chars().take(300).collect();
    Err(SimulateError::Refused { what, status, body })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_a_tests_are_significant_about_five_percent_of_the_time() {
        let calibration = calibrate(&Scenario::default(), 400, 20);
        let rate = calibration.significant as f64 / calibration.runs as f64;
        // 5 % over 400 runs: sd 1.1 %.
        assert!((0.02..=0.085).contains(&rate), "{calibration:?}");
        assert!(calibration.flagged <= 3, "a sound split is rarely flagged: {calibration:?}");
    }

    #[test]
    fn a_planted_lift_is_covered_by_the_interval_about_95_percent_of_the_time() {
        let scenario = Scenario { lift: 0.25, ..Scenario::default() };
        let calibration = calibrate(&scenario, 400, 21);
        let coverage = calibration.covered as f64 / calibration.runs as f64;
        assert!((0.915..=0.98).contains(&coverage), "{calibration:?}");
        assert!(calibration.significant > calibration.runs / 3, "the lift is usually found: {calibration:?}");
    }

    #[test]
    fn a_split_that_loses_15_percent_of_one_arm_is_flagged() {
        let scenario = Scenario { shoppers: 10_000, lose_assistant: 0.15, ..Scenario::default() };
        let calibration = calibrate(&scenario, 5, 22);
        assert_eq!(calibration.flagged, 5, "{calibration:?}");
    }
}
