//! Everything orders teach, over one product vocabulary: bought together, buy it again and
//! trending. Built from the order log when a server starts and kept current as purchases
//! arrive; a server shares one behind a lock, read for microseconds per placement.

use std::collections::HashMap;

use super::again::{self, Again, Due};
use super::history::OrderLine;
use super::together::{Complement, Scoring, Together};
use super::trending::Trending;

/// What orders teach (see the module doc).
#[derive(Debug, Default, Clone)]
pub struct Insights {
    ids: Vec<String>,
    /// Per item: its title's type words (`catalog::kind::title_types`), empty while unknown.
    types: Vec<Vec<String>>,
    index: HashMap<String, u32>,
    together: Together,
    again: Again,
    trending: Trending,
    lines: u64,
}

/// A product that goes with something the shopper has, and which one.
#[derive(Debug, Clone, PartialEq)]
pub struct GoesWith {
    pub product_id: String,
    pub with: String,
    pub score: f32,
}

/// A product's type from its title, as the catalog reads it (`catalog::kind`): the head of the
/// title's noun phrase, past sizes and colours ("JUMBO BAG PINK" -> "bag"), the word before a
/// packaging word ("Wooden Train Set" -> "train"). Two products of one type are substitutes,
/// not complements. `None` when the title names no type.
pub fn product_type(title: &str) -> Option<String> {
    crate::catalog::title_types(title, None).into_iter().next()
}

impl Insights {
    /// Learns from every line, whatever their order (orders are grouped and sorted by time here).
    pub fn build(mut lines: Vec<OrderLine>) -> Insights {
        lines.sort_by(|a, b| a.at.cmp(&b.at).then_with(|| a.order_id.cmp(&b.order_id)));
        let mut insights = Insights::default();
        let mut start = 0;
        while start < lines.len() {
            let order = &lines[start].order_id;
            let end = start + lines[start..].iter().take_while(|l| &l.order_id == order).count();
            insights.add_order(&lines[start..end]);
            start = end;
        }
        insights
    }

    /// Learns from one order's lines (one basket), as they arrive.
    pub fn add_order(&mut self, lines: &[OrderLine]) {
        let mut items: Vec<u32> = lines.iter().map(|l| self.intern(&l.product_id, l.title.as_deref())).collect();
        items.sort_unstable();
        items.dedup();
        self.together.add_basket(&items);
        for line in lines {
            if let Some(customer) = line.customer.as_deref() {
                self.again.add(customer, &line.product_id, line.at);
            }
        }
        for &item in &items {
            let at = lines.first().map_or(0, |l| l.at);
            self.trending.add(&self.ids[item as usize], at, 1.0);
        }
        self.lines += lines.len() as u64;
    }

    /// Counts a product view toward trending (a view weighs a fifth of a purchase).
    pub fn viewed(&mut self, product: &str, at: i64) {
        self.trending.add(product, at, 0.2);
    }

    fn intern(&mut self, id: &str, title: Option<&str>) -> u32 {
        if let Some(&i) = self.index.get(id) {
            if let Some(title) = title.filter(|_| self.types[i as usize].is_empty()) {
                self.types[i as usize] = crate::catalog::title_types(title, None);
            }
            return i;
        }
        let i = u32::try_from(self.ids.len()).unwrap_or(u32::MAX);
        self.ids.push(id.to_string());
        self.types.push(title.map(|t| crate::catalog::title_types(t, None)).unwrap_or_default());
        self.index.insert(id.to_string(), i);
        i
    }

    /// Order lines learned from.
    pub fn lines(&self) -> u64 {
        self.lines
    }

    /// Baskets learned from.
    pub fn baskets(&self) -> u64 {
        self.together.baskets()
    }

    /// Up to `k` products that go with `have` (a cart, a product page, an order), best first:
    /// never one of `have`, never one of the same type as one of `have` (a substitute, not a
    /// complement) when `distinct_types`, and only those `keep` accepts (in the catalog, in
    /// stock). Unknown ids in `have` are ignored.
    pub fn goes_with(
        &self,
        have: &[&str],
        k: usize,
        scoring: Scoring,
        distinct_types: bool,
        keep: &dyn Fn(&str) -> bool,
    ) -> Vec<GoesWith> {
        let cart: Vec<u32> = have.iter().filter_map(|id| self.index.get(*id).copied()).collect();
        let cart_types: Vec<&String> = cart.iter().flat_map(|&i| &self.types[i as usize]).collect();
        let accept = |j: u32| {
            let same_type = self.types[j as usize].iter().any(|t| cart_types.contains(&t));
            !(distinct_types && same_type) && keep(&self.ids[j as usize])
        };
        let found: Vec<Complement> = self.together.complements(&cart, k, scoring, &accept);
        found
            .into_iter()
            .map(|c| GoesWith {
                product_id: self.ids[c.item as usize].clone(),
                with: self.ids[c.with as usize].clone(),
                score: c.score,
            })
            .collect()
    }

    /// Up to `k` products by popularity at `now` (all time, fading), best first.
    pub fn trending(&self, now: i64, k: usize, keep: &dyn Fn(&str) -> bool) -> Vec<String> {
        self.trending.top(now, k, keep).into_iter().map(|(id, _)| id).collect()
    }

    /// Up to `k` products by baskets holding them (all time, no fading), best first: the
    /// popularity baseline of the evaluation.
    pub fn popular(&self, k: usize) -> Vec<String> {
        let mut all: Vec<(u32, f32)> = (0..self.ids.len() as u32).map(|i| (i, self.together.count(i))).collect();
        all.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        all.into_iter().take(k).map(|(i, _)| self.ids[i as usize].clone()).collect()
    }

    /// Products of `orders` (one shopper's lines) due again at `now`: see [`again::due`].
    pub fn due(&self, orders: &[OrderLine], now: i64) -> Vec<Due> {
        again::due(&self.again, orders, now)
    }

    /// The repurchase statistics (for issue 19's reorder notices and the evaluation).
    pub fn again(&self) -> &Again {
        &self.again
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn basket(order: &str, items: &[(&str, &str)]) -> Vec<OrderLine> {
        items
            .iter()
            .map(|(id, title)| OrderLine {
                order_id: order.into(),
                customer: None,
                product_id: (*id).into(),
                title: Some((*title).into()),
                quantity: 1,
                price: None,
                at: 0,
                source: crate::profile::OrderSource::Shop,
            })
            .collect()
    }

    #[test]
    fn the_type_is_the_head_of_the_title_past_colours_and_packaging_words() {
        assert_eq!(product_type("WHITE HANGING HEART T-LIGHT HOLDER").as_deref(), Some("holder"));
        assert_eq!(product_type("Gift Wrap Set").as_deref(), Some("wrap"));
        assert_eq!(product_type("Scented Candles").as_deref(), Some("candle"));
        assert_eq!(product_type("JUMBO BAG PINK").as_deref(), Some("bag"), "a colour after the type is not it");
        assert_eq!(product_type("Brass Storm Lantern - for the garden").as_deref(), Some("lantern"));
    }

    #[test]
    fn colour_variants_of_one_product_are_substitutes_not_complements() {
        let mut lines = Vec::new();
        for n in 0..3 {
            lines.extend(basket(
                &format!("o{n}"),
                &[("pink", "JUMBO BAG PINK"), ("blue", "JUMBO BAG BLUE"), ("tin", "CAKE TIN")],
            ));
        }
        let insights = Insights::build(lines);
        let found = insights.goes_with(&["pink"], 5, Scoring::Lift, true, &|_| true);
        assert_eq!(found.iter().map(|g| g.product_id.as_str()).collect::<Vec<_>>(), vec!["tin"]);
    }

    #[test]
    fn a_substitute_of_the_same_type_is_kept_out_of_complements() {
        let mut lines = Vec::new();
        for n in 0..3 {
            lines.extend(basket(
                &format!("o{n}"),
                &[("red", "RED LANTERN"), ("white", "WHITE LANTERN"), ("candle", "PILLAR CANDLE")],
            ));
        }
        let insights = Insights::build(lines);
        let found = insights.goes_with(&["red"], 5, Scoring::Lift, true, &|_| true);
        assert_eq!(found.iter().map(|g| g.product_id.as_str()).collect::<Vec<_>>(), vec!["candle"]);
        assert_eq!(found[0].with, "red");
        let all = insights.goes_with(&["red"], 5, Scoring::Lift, false, &|_| true);
        assert_eq!(all.len(), 2);
    }
}
