//! Trending: decayed popularity. Each order (or view) of a product adds one, fading by half
//! every [`HALF_LIFE_DAYS`], so what sells this week outranks what sold last season.

use std::collections::HashMap;

/// How fast popularity fades.
pub const HALF_LIFE_DAYS: f64 = 14.0;

/// Decayed counts by product id, each kept as of its own latest event.
#[derive(Debug, Default, Clone)]
pub struct Trending {
    scores: HashMap<String, (f64, i64)>,
}

fn decay(seconds: i64) -> f64 {
    let days = seconds as f64 / 86_400.0;
    (-(days / HALF_LIFE_DAYS) * std::f64::consts::LN_2).exp()
}

impl Trending {
    /// Counts one order or view of `product` at `at` (Unix seconds), in any order.
    pub fn add(&mut self, product: &str, at: i64, weight: f64) {
        let entry = self.scores.entry(product.to_string()).or_insert((0.0, at));
        if at >= entry.1 {
            *entry = (entry.0 * decay(at - entry.1) + weight, at);
        } else {
            entry.0 += weight * decay(entry.1 - at);
        }
    }

    /// The product's popularity at `now`.
    pub fn score(&self, product: &str, now: i64) -> f64 {
        self.scores.get(product).map_or(0.0, |&(score, at)| score * decay((now - at).max(0)))
    }

    /// Up to `k` products by popularity at `now`, best first, among those `keep` accepts; ties
    /// by id.
    pub fn top(&self, now: i64, k: usize, keep: &dyn Fn(&str) -> bool) -> Vec<(String, f64)> {
        let mut all: Vec<(&String, f64)> =
            self.scores.iter().map(|(id, &(score, at))| (id, score * decay((now - at).max(0)))).collect();
        // Best first, then `keep` only until `k` pass (it looks each product up in the catalog):
        // the same answer as filtering first.
        all.sort_unstable_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        all.into_iter().filter(|(id, _)| keep(id)).take(k).map(|(id, score)| (id.clone(), score)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400;

    #[test]
    fn a_recent_seller_outranks_an_old_bestseller() {
        let mut t = Trending::default();
        for _ in 0..10 {
            t.add("old", 0, 1.0);
        }
        for _ in 0..3 {
            t.add("new", 100 * DAY, 1.0);
        }
        let top = t.top(100 * DAY, 2, &|_| true);
        assert_eq!(top[0].0, "new");
    }

    #[test]
    fn popularity_halves_every_half_life_whatever_order_events_come_in() {
        let mut a = Trending::default();
        a.add("x", 0, 1.0);
        a.add("x", 14 * DAY, 1.0);
        let mut b = Trending::default();
        b.add("x", 14 * DAY, 1.0);
        b.add("x", 0, 1.0);
        assert!((a.score("x", 14 * DAY) - 1.5).abs() < 1e-9);
        assert!((b.score("x", 14 * DAY) - 1.5).abs() < 1e-9);
    }
}
