//! The offline evaluation behind `concierge eval placements`: train on orders before a date,
//! test on the orders after it.
//!
//! - Cart complements: for each test basket of two or more products, one product (chosen by a
//!   hash of the order id, so runs agree) is hidden and the rest asked as a cart; HitRate@10
//!   and MRR for the served scoring (lift with minimum support, substitutes kept out), the
//!   same without the substitute filter, plain co-occurrence counts with and without it, and
//!   popularity.
//! - Buy it again: of the (customer, product) pairs bought before the split and again within
//!   the window after it, the share predicted due within the window (recall), and of the
//!   predictions, the share that came true (precision).

use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};

use super::again;
use super::history::OrderLine;
use super::insights::Insights;
use super::together::Scoring;

/// Recommendations asked per hidden product.
pub const K: usize = 10;

/// One method's cart scores.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CartScore {
    pub name: &'static str,
    pub hits: u64,
    pub reciprocal: f64,
}

/// The whole evaluation.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PlacementReport {
    pub train_lines: u64,
    pub test_baskets: u64,
    pub methods: Vec<CartScore>,
    pub window_days: i64,
    pub repurchases: u64,
    pub predicted: u64,
    pub predicted_and_bought: u64,
}

impl PlacementReport {
    /// The figures as README and BENCHMARKS.md show them.
    pub fn summary(&self) -> String {
        let mut out = format!(
            "trained on {} order lines; {} test baskets, one product hidden in each, k = {K}\n",
            self.train_lines, self.test_baskets
        );
        let n = self.test_baskets.max(1) as f64;
        for m in &self.methods {
            out.push_str(&format!(
                "  {:<36} HitRate@{K} {:.3}  MRR {:.3}\n",
                m.name,
                m.hits as f64 / n,
                m.reciprocal / n
            ));
        }
        let recall = self.predicted_and_bought as f64 / self.repurchases.max(1) as f64;
        let precision = self.predicted_and_bought as f64 / self.predicted.max(1) as f64;
        out.push_str(&format!(
            "buy it again, {}-day window: {} repurchases, {:.3} predicted due within the window; {} predictions, {:.3} came true\n",
            self.window_days, self.repurchases, recall, self.predicted, precision
        ));
        out
    }
}

fn hidden_index(order: &str, len: usize) -> usize {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    order.hash(&mut hasher);
    (hasher.finish() % len as u64) as usize
}

/// Runs the evaluation (see the module doc) on `lines`, split at `split` (Unix seconds).
pub fn evaluate(lines: &[OrderLine], split: i64, window_days: i64) -> PlacementReport {
    let train: Vec<OrderLine> = lines.iter().filter(|l| l.at < split).cloned().collect();
    let insights = Insights::build(train.clone());
    let mut report = PlacementReport { train_lines: train.len() as u64, window_days, ..PlacementReport::default() };
    let mut baskets: HashMap<&str, Vec<&str>> = HashMap::new();
    for line in lines.iter().filter(|l| l.at >= split) {
        baskets.entry(line.order_id.as_str()).or_default().push(line.product_id.as_str());
    }
    let mut orders: Vec<&str> = baskets.keys().copied().collect();
    orders.sort_unstable();
    // Each scoring with and without the substitute filter, so the served list (the first) is
    // compared with plain counting under the same filter as well as without it.
    let methods: [(&'static str, Option<(Scoring, bool)>); 5] = [
        ("lift, min support, no substitutes", Some((Scoring::Lift, true))),
        ("lift, min support", Some((Scoring::Lift, false))),
        ("plain co-occurrence, no substitutes", Some((Scoring::Cooccurrence, true))),
        ("plain co-occurrence", Some((Scoring::Cooccurrence, false))),
        ("popularity", None),
    ];
    report.methods = methods.iter().map(|(name, _)| CartScore { name, ..CartScore::default() }).collect();
    let ranked_popular = insights.popular(K + 200);
    for order in orders {
        let mut items = baskets[order].clone();
        items.sort_unstable();
        items.dedup();
        if items.len() < 2 {
            continue;
        }
        report.test_baskets += 1;
        let hidden = items.remove(hidden_index(order, items.len()));
        for (n, (_, method)) in methods.iter().enumerate() {
            let shown: Vec<String> = match method {
                Some((scoring, distinct)) => insights
                    .goes_with(&items, K, *scoring, *distinct, &|_| true)
                    .into_iter()
                    .map(|g| g.product_id)
                    .collect(),
                None => ranked_popular.iter().filter(|id| !items.contains(&id.as_str())).take(K).cloned().collect(),
            };
            if let Some(rank) = shown.iter().position(|id| id == hidden) {
                report.methods[n].hits += 1;
                report.methods[n].reciprocal += 1.0 / (rank + 1) as f64;
            }
        }
    }
    repurchases(&insights, lines, split, window_days, &mut report);
    report
}

fn repurchases(insights: &Insights, lines: &[OrderLine], split: i64, window_days: i64, report: &mut PlacementReport) {
    let end = split + window_days * 86_400;
    let mut before: HashMap<&str, Vec<OrderLine>> = HashMap::new();
    let mut after: HashSet<(&str, &str)> = HashSet::new();
    for line in lines {
        let Some(customer) = line.customer.as_deref() else { continue };
        if line.at < split {
            before.entry(customer).or_default().push(line.clone());
        } else if line.at <= end {
            after.insert((customer, line.product_id.as_str()));
        }
    }
    for (customer, history) in &before {
        let bought: HashSet<&str> = history.iter().map(|l| l.product_id.as_str()).collect();
        report.repurchases += bought.iter().filter(|p| after.contains(&(*customer, **p))).count() as u64;
        for due in again::expected(insights.again(), history).iter().filter(|d| again::within(d, split, end)) {
            report.predicted += 1;
            if after.contains(&(*customer, due.product_id.as_str())) {
                report.predicted_and_bought += 1;
            }
        }
    }
}
