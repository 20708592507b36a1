//! Buy it again: per product, the share of its customers who bought it in more than one order
//! and the typical interval between those orders; and, for one shopper, what is due.
//!
//! Cancelled lines never reach here (the importer nets them out), so a bought-and-cancelled
//! product is not a repurchase. Two orders less than a day apart count as one purchase: a
//! forgotten item added in a second order is not a reorder.

use std::collections::HashMap;

use super::history::OrderLine;

/// Less than this many customers rebuying a product is no pattern.
pub const MIN_REPEATERS: u32 = 3;
/// A product fewer than this share of its customers buy again is not offered again.
pub const MIN_SHARE: f32 = 0.1;
/// Purchases closer than this (seconds) are one purchase.
const SAME_PURCHASE: i64 = 86_400;
/// Past this many intervals without a reorder, the shopper has moved on: no longer due.
const STALE_INTERVALS: f64 = 3.0;

/// What the history says about rebuying one product.
#[derive(Debug, Default, Clone)]
pub struct Repeat {
    /// Customers who bought it.
    pub buyers: u32,
    /// Customers who bought it in at least two purchases.
    pub repeaters: u32,
    /// Days between one customer's consecutive purchases, over all customers.
    intervals: Vec<f32>,
}

impl Repeat {
    /// The share of its customers who buy it again.
    pub fn share(&self) -> f32 {
        if self.buyers == 0 { 0.0 } else { self.repeaters as f32 / self.buyers as f32 }
    }

    /// The median interval between purchases, in days; `None` when nobody rebought it.
    pub fn typical_days(&self) -> Option<f64> {
        median(&self.intervals)
    }

    /// Whether it is offered again at all: enough customers rebuy it, often enough.
    pub fn replenishable(&self) -> bool {
        self.repeaters >= MIN_REPEATERS && self.share() >= MIN_SHARE
    }
}

fn median(values: &[f32]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f32::total_cmp);
    Some(f64::from(sorted[sorted.len() / 2]))
}

/// Repurchase statistics by product id, learned incrementally from purchases in time order.
#[derive(Debug, Default, Clone)]
pub struct Again {
    products: HashMap<String, Repeat>,
    /// (customer, product) -> the last purchase's time and how many purchases so far.
    last: HashMap<(String, String), (i64, u32)>,
}

impl Again {
    /// Counts one purchased line of a known customer; lines should come oldest first (a line
    /// within a day after the pair's last purchase, or older, adds nothing).
    pub fn add(&mut self, customer: &str, product: &str, at: i64) {
        let stats = self.products.entry(product.to_string()).or_default();
        match self.last.get_mut(&(customer.to_string(), product.to_string())) {
            None => {
                stats.buyers += 1;
                self.last.insert((customer.to_string(), product.to_string()), (at, 1));
            }
            Some((last, purchases)) if at - *last >= SAME_PURCHASE => {
                stats.intervals.push((at - *last) as f32 / 86_400.0);
                *purchases += 1;
                if *purchases == 2 {
                    stats.repeaters += 1;
                }
                *last = at;
            }
            Some(_) => {}
        }
    }

    /// What the history says about `product` (`None`: nobody bought it).
    pub fn of(&self, product: &str) -> Option<&Repeat> {
        self.products.get(product)
    }
}

/// A product a shopper is expected to buy again, and when.
#[derive(Debug, Clone, PartialEq)]
pub struct Due {
    pub product_id: String,
    /// Their last purchase of it, Unix seconds.
    pub last: i64,
    /// The interval expected for them, in days: their own median when they rebought it
    /// before, the product's typical interval otherwise.
    pub interval_days: f64,
    /// The share of the product's customers who buy it again.
    pub share: f32,
}

impl Due {
    /// When the next purchase is expected, Unix seconds.
    pub fn expected(&self) -> i64 {
        self.last + (self.interval_days * 86_400.0) as i64
    }

    fn stale(&self) -> i64 {
        self.last + (self.interval_days * STALE_INTERVALS * 86_400.0) as i64
    }

    /// Days since the last purchase at `now`.
    pub fn days_since(&self, now: i64) -> u32 {
        u32::try_from((now - self.last).max(0) / 86_400).unwrap_or(u32::MAX)
    }
}

/// Every replenishable product in one shopper's `orders` (any order, their lines only) with
/// when it is next expected, soonest first. Products nobody rebuys enough are left out.
pub fn expected(stats: &Again, orders: &[OrderLine]) -> Vec<Due> {
    let mut purchases: HashMap<&str, Vec<i64>> = HashMap::new();
    for line in orders {
        purchases.entry(line.product_id.as_str()).or_default().push(line.at);
    }
    let mut expected = Vec::new();
    for (product, mut times) in purchases {
        let Some(repeat) = stats.of(product).filter(|r| r.replenishable()) else { continue };
        let Some(typical) = repeat.typical_days() else { continue };
        times.sort_unstable();
        times.dedup_by(|later, earlier| *later - *earlier < SAME_PURCHASE);
        let own: Vec<f32> = times.windows(2).map(|w| (w[1] - w[0]) as f32 / 86_400.0).collect();
        let interval_days = median(&own).unwrap_or(typical).max(1.0);
        let last = times.last().copied().unwrap_or_default();
        expected.push(Due { product_id: product.to_string(), last, interval_days, share: repeat.share() });
    }
    expected.sort_by(|a, b| a.expected().cmp(&b.expected()).then_with(|| a.product_id.cmp(&b.product_id)));
    expected
}

/// What the shopper is due to buy again at `now` (Unix seconds): products whose expected date
/// has passed, unless so long ago (three intervals) that they have moved on; most overdue last.
/// Issue 19's reorder notices use this.
pub fn due(stats: &Again, orders: &[OrderLine], now: i64) -> Vec<Due> {
    let mut due: Vec<Due> =
        expected(stats, orders).into_iter().filter(|d| d.expected() <= now && now <= d.stale()).collect();
    due.reverse();
    due
}

/// Whether `due` predicts a purchase in `[from, to]` (Unix seconds): expected by `to` and not
/// given up on before `from`. The evaluation's definition of "predicted within the window".
pub fn within(due: &Due, from: i64, to: i64) -> bool {
    due.expected() <= to && due.stale() >= from
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400;

    fn line(customer: &str, product: &str, day: i64) -> OrderLine {
        OrderLine {
            order_id: format!("{customer}-{day}"),
            customer: Some(customer.into()),
            product_id: product.into(),
            title: None,
            quantity: 1,
            price: None,
            at: day * DAY,
            source: crate::profile::OrderSource::Shop,
        }
    }

    fn learned(lines: &[OrderLine]) -> Again {
        let mut again = Again::default();
        for l in lines {
            again.add(l.customer.as_deref().unwrap_or_default(), &l.product_id, l.at);
        }
        again
    }

    #[test]
    fn share_and_interval_come_from_customers_who_rebuy() {
        let mut lines = Vec::new();
        for c in ["a", "b", "c"] {
            lines.push(line(c, "candles", 0));
            lines.push(line(c, "candles", 30));
        }
        lines.push(line("d", "candles", 0));
        let again = learned(&lines);
        let candles = again.of("candles").unwrap();
        assert_eq!((candles.buyers, candles.repeaters), (4, 3));
        assert_eq!(candles.typical_days(), Some(30.0));
        assert!(candles.replenishable());
    }

    #[test]
    fn two_orders_on_the_same_day_are_one_purchase() {
        let again = learned(&[line("a", "x", 0), line("a", "x", 0), line("b", "x", 0)]);
        assert_eq!(again.of("x").unwrap().repeaters, 0);
    }

    #[test]
    fn a_product_nobody_rebuys_is_never_due() {
        let again = learned(&[line("a", "sofa", 0), line("b", "sofa", 0), line("c", "sofa", 0)]);
        assert!(due(&again, &[line("a", "sofa", 0)], 400 * DAY).is_empty());
    }

    #[test]
    fn a_product_is_due_once_the_interval_passed_and_not_long_after() {
        let mut lines = Vec::new();
        for c in ["a", "b", "c"] {
            lines.extend([line(c, "tea", 0), line(c, "tea", 20)]);
        }
        let again = learned(&lines);
        let mine = [line("me", "tea", 100)];
        assert!(due(&again, &mine, 110 * DAY).is_empty(), "not yet");
        assert_eq!(due(&again, &mine, 121 * DAY)[0].product_id, "tea");
        assert!(due(&again, &mine, 200 * DAY).is_empty(), "moved on after three intervals");
    }

    #[test]
    fn a_shoppers_own_rhythm_beats_the_products_typical_interval() {
        let mut lines = Vec::new();
        for c in ["a", "b", "c"] {
            lines.extend([line(c, "tea", 0), line(c, "tea", 20)]);
        }
        let again = learned(&lines);
        let mine = [line("me", "tea", 0), line("me", "tea", 60)];
        let expected = expected(&again, &mine);
        assert_eq!(expected[0].interval_days, 60.0);
        assert!(within(&expected[0], 110 * DAY, 130 * DAY));
    }
}
