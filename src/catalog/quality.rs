//! A product's quality (a Bayesian average of its rating and review count) and the cold-start
//! order: the best products by quality alone within the hard filters.
//!
//! The best `limit` within the filters are found by walking the products best first until
//! `limit` pass. When few pass (a narrow price range, an age few products suit), that walk
//! could cross most of a large catalog; then the products within the most selective filter's
//! range, found by binary search in a list ordered by that filter's value, are checked
//! instead and the best of them kept: the same products, in whichever way checks fewer.

use super::Product;

/// The qualities of a catalog's products and its products in several orders.
pub(crate) struct Quality {
    /// Bayesian-averaged rating per position.
    scores: Vec<f32>,
    /// Positions by quality, best first (ties in catalog order): the cold-start order.
    by_quality: Vec<u32>,
    /// Per filter column (as the filters number them), positions by that value, lowest first.
    by_value: Vec<Vec<u32>>,
}

impl Quality {
    /// The qualities of `products` and their orders; `value(column, position)` gives the value
    /// of each of `columns` filter columns as the filters compare it.
    pub(crate) fn of(products: &[Product], columns: usize, value: impl Fn(usize, usize) -> u64) -> Quality {
        let scores = bayesian_average(products);
        let mut by_quality: Vec<u32> = (0..products.len() as u32).collect();
        by_quality.sort_by(|&a, &b| better(&scores, a, b));
        let by_value = (0..columns)
            .map(|column| {
                let values: Vec<u64> = (0..products.len()).map(|pos| value(column, pos)).collect();
                let mut order: Vec<u32> = (0..products.len() as u32).collect();
                order.sort_unstable_by_key(|&p| (values[p as usize], p));
                order
            })
            .collect();
        Quality { scores, by_quality, by_value }
    }

    pub(crate) fn of_position(&self, position: usize) -> f32 {
        self.scores[position]
    }

    /// The best `limit` positions by quality (ties to the earlier product) of those `admits`
    /// lets through, in no particular order. `ranges` are the filters' inclusive value ranges
    /// by column (every product `admits` passes is in each), valued by `value` as
    /// [`Quality::of`] was.
    pub(crate) fn best(
        &self,
        limit: usize,
        ranges: &[(usize, u64, u64)],
        value: impl Fn(usize, u32) -> u64,
        admits: impl Fn(u32) -> bool,
    ) -> Vec<u32> {
        let products = self.scores.len();
        let slices = self.within(ranges, value);
        if let Some(narrowest) = slices.iter().min_by_key(|s| s.len()) {
            // Walking by quality checks about `limit / share passing` products (the filters
            // taken as independent); the narrowest range checks each of its products once.
            let share: f64 = slices.iter().map(|s| s.len() as f64 / products.max(1) as f64).product();
            if (narrowest.len() as f64) * share < limit as f64 {
                let mut passing: Vec<u32> = narrowest.iter().copied().filter(|&p| admits(p)).collect();
                if passing.len() > limit {
                    passing.select_nth_unstable_by(limit, |&a, &b| better(&self.scores, a, b));
                    passing.truncate(limit);
                }
                return passing;
            }
        }
        self.by_quality.iter().copied().filter(|&p| admits(p)).take(limit).collect()
    }

    /// The positions within the narrowest of `ranges` (valued by `value` as [`Quality::of`]
    /// was), in no particular order: every position that passes them all is among these.
    /// `None` without ranges.
    pub(crate) fn narrowest(&self, ranges: &[(usize, u64, u64)], value: impl Fn(usize, u32) -> u64) -> Option<&[u32]> {
        self.within(ranges, value).into_iter().min_by_key(|s| s.len())
    }

    /// Per range, the positions within it, by binary search in the list ordered by its column.
    fn within(&self, ranges: &[(usize, u64, u64)], value: impl Fn(usize, u32) -> u64) -> Vec<&[u32]> {
        ranges
            .iter()
            .map(|&(column, lo, hi)| {
                let order = &self.by_value[column];
                let start = order.partition_point(|&p| value(column, p) < lo);
                let end = order.partition_point(|&p| value(column, p) <= hi).max(start);
                &order[start..end]
            })
            .collect()
    }
}

/// The better of two positions first: higher quality, then the earlier product.
fn better(scores: &[f32], a: u32, b: u32) -> std::cmp::Ordering {
    scores[b as usize].total_cmp(&scores[a as usize]).then(a.cmp(&b))
}

/// Bayesian average: (rating·reviews + mean·PRIOR) / (reviews + PRIOR).
fn bayesian_average(products: &[Product]) -> Vec<f32> {
    const PRIOR: f32 = 5.0;
    let rated: Vec<f32> = products.iter().filter_map(|p| p.rating).filter(|r| *r > 0.0).collect();
    let mean = if rated.is_empty() { 3.5 } else { rated.iter().sum::<f32>() / rated.len() as f32 };
    products
        .iter()
        .map(|p| match p.rating.filter(|r| *r > 0.0) {
            Some(rating) => {
                let reviews = p.review_count.unwrap_or(1).max(1) as f32;
                (rating * reviews + mean * PRIOR) / (reviews + PRIOR)
            }
            None => mean,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use rust_decimal::prelude::ToPrimitive;

    use super::*;

    fn products(n: usize) -> Vec<Product> {
        let lines: Vec<String> = (0..n)
            .map(|i| {
                format!(
                    r#"{{"id":"p{i}","title":"Thing {i}","price":{}.{:02},"currency":"GBP","rating":{},"review_count":{}}}"#,
                    1 + (i * 37) % 90,
                    (i * 13) % 100,
                    3.0 + ((i * 7) % 21) as f32 / 10.0,
                    (i * 11) % 300
                )
            })
            .collect();
        crate::catalog::Catalog::parse_jsonl(&lines.join("\n"), "t.jsonl").unwrap().0.products().to_vec()
    }

    #[test]
    fn the_narrowest_range_path_keeps_the_products_the_walk_by_quality_keeps() {
        let products = products(3000);
        let minor = |p: &Product| (p.price.decimal() * rust_decimal::Decimal::ONE_HUNDRED).to_u64().unwrap_or(u64::MAX);
        // Column 0 the price, column 1 a made-up "age" from the position.
        let value = |column: usize, pos: u32| match column {
            0 => minor(&products[pos as usize]),
            _ => u64::from(pos % 97),
        };
        let quality = Quality::of(&products, 2, |column, pos| value(column, pos as u32));
        let prices = [(100, 200), (1000, 1100), (5000, 5003), (0, u64::MAX), (9000, 100), (8999, 9999)];
        let ages = [None, Some((0, 96)), Some((3, 3)), Some((90, 200)), Some((50, 10))];
        for (lo, hi) in prices {
            for age in ages {
                let mut ranges = vec![(0, lo, hi)];
                ranges.extend(age.map(|(a, b)| (1, a, b)));
                for limit in [1, 5, 300] {
                    // Every second product passes the other filters, as availability might.
                    let admits = |p: u32| {
                        ranges.iter().all(|&(c, lo, hi)| (lo..=hi).contains(&value(c, p))) && p.is_multiple_of(2)
                    };
                    let mut fast = quality.best(limit, &ranges, value, admits);
                    let mut walked: Vec<u32> =
                        quality.by_quality.iter().copied().filter(|&p| admits(p)).take(limit).collect();
                    fast.sort_unstable();
                    walked.sort_unstable();
                    assert_eq!(fast, walked, "ranges {ranges:?}, limit {limit}");
                }
            }
        }
    }
}
