//! An experiment's report: exposures joined to purchases, per arm, with each treatment's lift
//! over the control and the split's health (INTERFACE.md's `GET /v1/admin/experiments/{key}`).
//!
//! A shopper is counted in the arm of their first exposure, and only purchases made at or
//! after it count (what they bought before could not have been caused by the arm). Metrics per
//! shopper: converted (any order), orders, revenue, and repeat (a second order within the
//! repeat window of the first); AOV is revenue per order, a ratio metric.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

use super::config::Experiment;
use super::stats::{self, Sample};
use crate::profile::{Exposure, Purchase, Unit};

/// The confidence level of every interval.
pub const LEVEL: f64 = 0.95;
/// The most days the cumulative timeline shows (the latest ones).
const TIMELINE_DAYS: usize = 120;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Report {
    pub key: String,
    pub control: String,
    pub arms: Vec<ArmReport>,
    pub metrics: Vec<MetricReport>,
    pub srm: Srm,
    /// `fixed`: read the result once, at the sample size decided beforehand.
    pub horizon: String,
    pub warning: String,
    /// Cumulative shoppers and conversions per arm, one point per day with exposures or orders.
    pub timeline: Vec<TimelinePoint>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ArmReport {
    pub name: String,
    pub shoppers: u64,
    pub converted: u64,
    pub conversion_rate: f64,
    pub orders: u64,
    pub revenue: f64,
    pub revenue_per_shopper: f64,
    /// Revenue per order; `null` without orders.
    pub aov: Option<f64>,
    pub repeat_rate: f64,
}

/// One treatment arm's lift on one metric, relative to the control (0.5 means +50 %); `lift`,
/// `ci` and `p_value` are `null` while undefined (too few shoppers, nothing in the control).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MetricReport {
    pub metric: String,
    pub arm: String,
    pub lift: Option<f64>,
    pub ci: Option<[f64; 2]>,
    pub p_value: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Srm {
    pub p_value: f64,
    pub flagged: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TimelinePoint {
    /// `YYYY-MM-DD`, UTC.
    pub date: String,
    pub arm: String,
    pub shoppers: u64,
    pub converted: u64,
}

/// The metrics reported for each treatment arm, in order.
pub const METRICS: [&str; 4] = ["conversion", "revenue_per_shopper", "aov", "repeat_rate"];

const WARNING: &str = "Fixed horizon: decide how many shoppers you need before the test starts and read the result \
once, when they have been reached. Looking every day and stopping at the first significant result makes false \
positives far more likely than 5 %.";

/// One shopper's outcome in the experiment.
#[derive(Debug, Clone)]
struct Shopper {
    arm: String,
    exposed: OffsetDateTime,
    /// Purchases at or after the exposure, by order key, oldest first once sorted.
    orders: Vec<(OffsetDateTime, f64)>,
}

impl Shopper {
    fn revenue(&self) -> f64 {
        self.orders.iter().map(|o| o.1).sum()
    }

    fn repeated(&self, window: Duration) -> bool {
        match (self.orders.first(), self.orders.get(1)) {
            (Some(first), Some(second)) => second.0 - first.0 <= window,
            _ => false,
        }
    }
}

/// Builds the report of `experiment` from its exposures and each exposed unit's purchases
/// (`purchases` is asked once per exposure); `repeat` is the repeat-purchase window.
pub fn build(
    experiment: &Experiment,
    exposures: &[Exposure],
    purchases: &mut dyn FnMut(&Unit) -> Vec<Purchase>,
    repeat: Duration,
) -> Report {
    let shoppers = join(experiment, exposures, purchases);
    let arms: Vec<ArmReport> =
        experiment.arms.iter().map(|arm| summarise(&arm.name, in_arm(&shoppers, &arm.name), repeat)).collect();
    let control = experiment.control().to_string();
    let mut metrics = Vec::new();
    for arm in experiment.arms.iter().filter(|a| a.name != control) {
        for metric in METRICS {
            let sample = |name: &str| sample(metric, in_arm(&shoppers, name), repeat);
            let estimate = match (sample(&control), sample(&arm.name)) {
                (Some(c), Some(t)) => stats::relative_lift(&c, &t, LEVEL),
                _ => None,
            };
            metrics.push(MetricReport {
                metric: metric.to_string(),
                arm: arm.name.clone(),
                lift: estimate.map(|e| e.lift),
                ci: estimate.map(|e| e.ci),
                p_value: estimate.map(|e| e.p_value),
            });
        }
    }
    let counts: Vec<u64> = arms.iter().map(|a| a.shoppers).collect();
    let weights: Vec<f64> = experiment.arms.iter().map(|a| a.weight).collect();
    let (p_value, flagged) = stats::sample_ratio_mismatch(&counts, &weights);
    Report {
        key: experiment.key.clone(),
        control,
        arms,
        metrics,
        srm: Srm { p_value, flagged },
        horizon: "fixed".into(),
        warning: WARNING.into(),
        timeline: timeline(experiment, &shoppers),
    }
}

/// A shopper's orders by order key (so the same order reported for two units counts once).
type Orders = BTreeMap<String, (OffsetDateTime, f64)>;

fn in_arm<'a>(shoppers: &'a [Shopper], name: &'a str) -> impl Iterator<Item = &'a Shopper> + 'a {
    shoppers.iter().filter(move |s| s.arm == name)
}

/// Each first-exposed unit with the purchases of every unit that took over from it.
fn join(
    experiment: &Experiment,
    exposures: &[Exposure],
    purchases: &mut dyn FnMut(&Unit) -> Vec<Purchase>,
) -> Vec<Shopper> {
    let mut roots: HashMap<&Unit, (Shopper, Orders)> = HashMap::new();
    for e in exposures.iter().filter(|e| e.of.is_none() && experiment.arm(&e.arm).is_some()) {
        let shopper = Shopper { arm: e.arm.clone(), exposed: e.at, orders: Vec::new() };
        roots.insert(&e.unit, (shopper, BTreeMap::new()));
    }
    for e in exposures {
        let root = e.of.as_ref().unwrap_or(&e.unit);
        let Some((shopper, orders)) = roots.get_mut(root) else { continue };
        for p in purchases(&e.unit) {
            if p.at >= shopper.exposed {
                orders.entry(p.key).or_insert((p.at, p.revenue));
            }
        }
    }
    roots
        .into_values()
        .map(|(mut shopper, orders)| {
            shopper.orders = orders.into_values().collect();
            shopper.orders.sort_by_key(|o| o.0);
            shopper
        })
        .collect()
}

fn summarise<'a>(name: &str, shoppers: impl Iterator<Item = &'a Shopper>, repeat: Duration) -> ArmReport {
    let (mut n, mut converted, mut orders, mut revenue, mut repeated) = (0u64, 0u64, 0u64, 0.0, 0u64);
    for s in shoppers {
        n += 1;
        converted += u64::from(!s.orders.is_empty());
        orders += s.orders.len() as u64;
        revenue += s.revenue();
        repeated += u64::from(s.repeated(repeat));
    }
    let per = |x: f64| if n == 0 { 0.0 } else { x / n as f64 };
    ArmReport {
        name: name.to_string(),
        shoppers: n,
        converted,
        conversion_rate: per(converted as f64),
        orders,
        revenue,
        revenue_per_shopper: per(revenue),
        aov: (orders > 0).then(|| revenue / orders as f64),
        repeat_rate: per(repeated as f64),
    }
}

/// The per-shopper sample of `metric` in one arm.
fn sample<'a>(metric: &str, shoppers: impl Iterator<Item = &'a Shopper>, repeat: Duration) -> Option<Sample> {
    let shoppers: Vec<&Shopper> = shoppers.collect();
    let values: Vec<f64> = match metric {
        "conversion" => shoppers.iter().map(|s| f64::from(u8::from(!s.orders.is_empty()))).collect(),
        "revenue_per_shopper" => shoppers.iter().map(|s| s.revenue()).collect(),
        "repeat_rate" => shoppers.iter().map(|s| f64::from(u8::from(s.repeated(repeat)))).collect(),
        "aov" => {
            let pairs: Vec<(f64, f64)> = shoppers.iter().map(|s| (s.revenue(), s.orders.len() as f64)).collect();
            return Sample::ratio(&pairs);
        }
        _ => return None,
    };
    Some(Sample::of(&values))
}

/// Cumulative shoppers and conversions per arm by day (the latest [`TIMELINE_DAYS`] days).
fn timeline(experiment: &Experiment, shoppers: &[Shopper]) -> Vec<TimelinePoint> {
    let mut days: BTreeMap<time::Date, HashMap<&str, (u64, u64)>> = BTreeMap::new();
    for s in shoppers {
        days.entry(s.exposed.date()).or_default().entry(&s.arm).or_default().0 += 1;
        if let Some(first) = s.orders.first() {
            days.entry(first.0.date()).or_default().entry(&s.arm).or_default().1 += 1;
        }
    }
    let mut totals: HashMap<&str, (u64, u64)> = HashMap::new();
    let mut points = Vec::new();
    for (date, changes) in &days {
        for arm in &experiment.arms {
            let total = totals.entry(&arm.name).or_default();
            if let Some((exposed, converted)) = changes.get(arm.name.as_str()) {
                total.0 += exposed;
                total.1 += converted;
            }
            points.push(TimelinePoint {
                date: date.to_string(),
                arm: arm.name.clone(),
                shoppers: total.0,
                converted: total.1,
            });
        }
    }
    let keep = TIMELINE_DAYS * experiment.arms.len();
    points.split_off(points.len().saturating_sub(keep))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiments::config::holdout;
    use time::macros::datetime;

    const T0: OffsetDateTime = datetime!(2026-12-01 10:00 UTC);

    fn exposure(unit: &str, arm: &str, of: Option<&str>) -> Exposure {
        let of = of.map(|u| Unit::from_stored(u.into()));
        Exposure { experiment: "holdout".into(), unit: Unit::from_stored(unit.into()), arm: arm.into(), at: T0, of }
    }

    fn bought(unit: &str, key: &str, revenue: f64, at: OffsetDateTime) -> Purchase {
        Purchase { unit: Unit::from_stored(unit.into()), key: key.into(), revenue, at }
    }

    #[test]
    fn a_shopper_who_took_over_counts_once_with_both_units_purchases() {
        let exposures = [
            exposure("s:a", "assistant", None),
            exposure("c:7", "assistant", Some("s:a")),
            exposure("s:b", "holdout", None),
        ];
        let mut purchases = |unit: &Unit| match unit.as_str() {
            "s:a" => vec![bought("s:a", "o1", 10.0, T0 + Duration::hours(1))],
            "c:7" => vec![
                bought("c:7", "o1", 10.0, T0 + Duration::hours(1)),
                bought("c:7", "o2", 30.0, T0 + Duration::days(3)),
            ],
            // Bought before being exposed: not caused by the arm.
            "s:b" => vec![bought("s:b", "o3", 99.0, T0 - Duration::hours(1))],
            _ => Vec::new(),
        };
        let report = build(&holdout(5.0), &exposures, &mut purchases, Duration::days(90));
        let assistant = report.arms.iter().find(|a| a.name == "assistant").unwrap();
        assert_eq!((assistant.shoppers, assistant.orders, assistant.revenue), (1, 2, 40.0));
        assert_eq!(assistant.repeat_rate, 1.0);
        assert_eq!(assistant.aov, Some(20.0));
        let held = report.arms.iter().find(|a| a.name == "holdout").unwrap();
        assert_eq!((held.shoppers, held.converted), (1, 0));
        assert_eq!(report.metrics.len(), 4, "one treatment arm, four metrics");
        assert!(report.metrics.iter().all(|m| m.lift.is_none()), "too few shoppers for any lift");
        let last = report.timeline.iter().rev().find(|p| p.arm == "assistant").unwrap();
        assert_eq!((last.shoppers, last.converted), (1, 1));
    }
}
