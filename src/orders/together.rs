//! Bought together: item-to-item co-purchase statistics from baskets.
//!
//! Counts are kept raw (baskets holding an item, baskets holding a pair), so they grow
//! incrementally as purchases arrive. A cart's complements are scored with a cosine-style
//! lift, `c(i,j) / (sqrt(c(i)) * c(j)^POPULARITY_DAMPING)`, summed over the cart's items: plain
//! co-occurrence counting (`c(i,j)` alone) favours whatever sells most, and lift alone favours
//! rare pairs, so a pair counts only from [`MIN_SUPPORT`] baskets up.

use std::collections::HashMap;

/// A pair seen in fewer baskets than this is noise, not evidence.
pub const MIN_SUPPORT: f32 = 2.0;
/// Baskets with more distinct items than this count for items but not for pairs: a wholesaler
/// restocking 500 lines says little about what goes with what, and costs 250,000 pairs.
pub const MAX_PAIR_ITEMS: usize = 80;
/// How much a candidate's own popularity is divided out (0: plain counts per cart item's
/// size; 1: full lift). Chosen on the time split of `concierge eval placements`.
const POPULARITY_DAMPING: f32 = 0.5;

/// How candidates are scored (the evaluation compares all three).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scoring {
    /// Damped lift with a minimum support (what placements serve).
    Lift,
    /// Plain co-occurrence counts, the classic baseline.
    Cooccurrence,
}

/// Co-purchase counts over item indexes (see `insights` for the product vocabulary).
#[derive(Debug, Default, Clone)]
pub struct Together {
    baskets: u64,
    count: Vec<f32>,
    pairs: Vec<HashMap<u32, f32>>,
}

/// One complement: the item, its score and the cart item that contributed most to it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Complement {
    pub item: u32,
    pub score: f32,
    pub with: u32,
}

impl Together {
    /// Counts one basket; `items` are distinct item indexes.
    pub fn add_basket(&mut self, items: &[u32]) {
        let Some(&top) = items.iter().max() else { return };
        let size = top as usize + 1;
        if self.count.len() < size {
            self.count.resize(size, 0.0);
            self.pairs.resize_with(size, HashMap::new);
        }
        self.baskets += 1;
        for &i in items {
            self.count[i as usize] += 1.0;
        }
        if items.len() > MAX_PAIR_ITEMS {
            return;
        }
        for &i in items {
            let row = &mut self.pairs[i as usize];
            for &j in items {
                if i != j {
                    *row.entry(j).or_insert(0.0) += 1.0;
                }
            }
        }
    }

    /// Baskets counted so far.
    pub fn baskets(&self) -> u64 {
        self.baskets
    }

    /// Baskets holding `item`.
    pub fn count(&self, item: u32) -> f32 {
        self.count.get(item as usize).copied().unwrap_or(0.0)
    }

    /// Baskets holding both items.
    pub fn pair(&self, a: u32, b: u32) -> f32 {
        self.pairs.get(a as usize).and_then(|row| row.get(&b)).copied().unwrap_or(0.0)
    }

    /// Up to `k` items that go with the `cart`, best first, never an item of the cart nor one
    /// `keep` refuses; each pair counted has at least [`MIN_SUPPORT`] baskets (for `Lift`).
    /// Ties break on the smaller index, so the answer is deterministic.
    pub fn complements(&self, cart: &[u32], k: usize, scoring: Scoring, keep: &dyn Fn(u32) -> bool) -> Vec<Complement> {
        // Dense per item (the vocabulary is the shop's products, thousands), touched ones listed:
        // cheaper than hashing every partner of every cart item.
        let mut scores: Vec<(f32, u32, f32)> = vec![(0.0, u32::MAX, 0.0); self.pairs.len()];
        let mut touched: Vec<u32> = Vec::new();
        for &i in cart {
            let Some(row) = self.pairs.get(i as usize) else { continue };
            let ci = self.count(i).max(1.0);
            for (&j, &cij) in row {
                let part = match scoring {
                    Scoring::Cooccurrence => cij,
                    Scoring::Lift if cij < MIN_SUPPORT => continue,
                    Scoring::Lift => cij / (ci.sqrt() * self.count(j).max(1.0).powf(POPULARITY_DAMPING)),
                };
                let entry = &mut scores[j as usize];
                if entry.1 == u32::MAX {
                    touched.push(j);
                    *entry = (0.0, i, 0.0);
                }
                entry.0 += part;
                if part > entry.2 {
                    (entry.1, entry.2) = (i, part);
                }
            }
        }
        let mut ranked: Vec<Complement> = touched
            .into_iter()
            .map(|item| {
                let (score, with, _) = scores[item as usize];
                Complement { item, score, with }
            })
            .collect();
        // Best first, then `keep` (a catalog lookup and a type check each) only until `k` pass:
        // the same answer as filtering everything first, for a fraction of the checks.
        ranked.sort_unstable_by(|a, b| b.score.total_cmp(&a.score).then(a.item.cmp(&b.item)));
        ranked.into_iter().filter(|c| !cart.contains(&c.item) && keep(c.item)).take(k).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keep_all(_: u32) -> bool {
        true
    }

    #[test]
    fn a_pair_seen_once_is_not_a_complement_but_a_repeated_one_is() {
        let mut t = Together::default();
        t.add_basket(&[0, 1]);
        t.add_basket(&[0, 2]);
        t.add_basket(&[0, 2]);
        let found = t.complements(&[0], 5, Scoring::Lift, &keep_all);
        assert_eq!(found.iter().map(|c| c.item).collect::<Vec<_>>(), vec![2]);
        assert_eq!(found[0].with, 0);
        let counted = t.complements(&[0], 5, Scoring::Cooccurrence, &keep_all);
        assert_eq!(counted.len(), 2, "plain counting keeps the single pair");
    }

    #[test]
    fn lift_prefers_a_specific_partner_over_a_bestseller_that_goes_with_everything() {
        let mut t = Together::default();
        // 1 is in every basket; 2 only ever comes with 0.
        for _ in 0..3 {
            t.add_basket(&[0, 1, 2]);
        }
        for other in 3..30 {
            t.add_basket(&[1, other]);
            t.add_basket(&[1, other]);
        }
        let lift = t.complements(&[0], 1, Scoring::Lift, &keep_all);
        assert_eq!(lift[0].item, 2);
        let counted = t.complements(&[0], 2, Scoring::Cooccurrence, &keep_all);
        assert_eq!(counted[0].score, counted[1].score, "plain counts cannot tell them apart");
    }

    #[test]
    fn items_in_the_cart_and_refused_items_are_never_offered() {
        let mut t = Together::default();
        for _ in 0..3 {
            t.add_basket(&[0, 1, 2, 3]);
        }
        let found = t.complements(&[0, 1], 5, Scoring::Lift, &|j| j != 3);
        assert_eq!(found.iter().map(|c| c.item).collect::<Vec<_>>(), vec![2]);
    }

    #[test]
    fn a_huge_basket_counts_its_items_but_not_its_pairs() {
        let mut t = Together::default();
        let huge: Vec<u32> = (0..=MAX_PAIR_ITEMS as u32).collect();
        t.add_basket(&huge);
        assert_eq!(t.count(0), 1.0);
        assert_eq!(t.pair(0, 1), 0.0);
    }
}
