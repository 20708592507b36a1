//! Signals: the machine form of the reasons a product was ranked where it was.
//!
//! Every `why` line a shopper reads is rendered from exactly one signal (INTERFACE.md), so a
//! check can tie each line to its cause. The `kind` vocabulary is part of the interface.

use serde::{Deserialize, Serialize};

use crate::money::Amount;

/// One reason, tagged by `kind` on the wire: `{"kind":"interest","term":"trains"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Signal {
    /// The product matches words of the shopper's request.
    Text { terms: Vec<String> },
    /// The product matches something the recipient (or shopper) likes.
    Interest { term: String },
    /// The product suits who it is for (it mentions them or was written for them).
    Recipient {
        recipient: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        word: Option<String>,
    },
    /// The product's stated age range includes the recipient's age.
    Age { age: u32 },
    /// The product fits the occasion.
    Occasion { occasion: String },
    /// The product's price is within the shopper's budget (always true when shown).
    /// `stated`: the budget in the shopper's own words ("around $40"), when kept.
    Budget {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min: Option<Amount>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max: Option<Amount>,
        /// The currency the shopper named, when no exchange rate was configured and the
        /// amounts were taken in the catalog's currency instead.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        currency_assumed: Option<crate::money::Currency>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        stated: Option<String>,
    },
    /// Highly rated by enough reviewers to mean something.
    Rating { rating: f64, reviews: u64 },
    /// Among the most reviewed products of the catalog.
    Popularity { reviews: u64 },
    /// Related to something the shopper viewed recently (within the behaviour window).
    Viewed { product_id: String, title: String, term: String },
    /// Often bought with something in the shopper's cart or orders (`place`: `basket` for the
    /// cart, `order` for what they just bought, absent on a product page).
    BoughtWith {
        product_id: String,
        title: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        place: Option<String>,
    },
    /// The shopper viewed this very product recently (home page: pick up where they left off).
    RecentlyViewed { days: u32 },
    /// Among the shop's most bought products lately (decayed popularity of orders and views).
    Trending,
    /// Deliberately outside the shopper's usual pattern, to widen their view: labelled so.
    Serendipity,
    /// Due again: last bought `days` ago, and bought again about every `every` days.
    Reorder { days: u32, every: u32 },
    /// Matches the page the shopper came from or is on (`source`: referrer, page, product).
    Context { source: String, term: String },
    /// An alternative whose price is just outside the budget: over its top (`over`: the
    /// budget's max) or under its floor (`under`: the budget's min).
    Outside {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        over: Option<Amount>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        under: Option<Amount>,
    },
    /// An alternative that is not of the type asked for (`asked`), but matches the rest.
    OtherType { asked: String },
}

impl Signal {
    /// The `kind` tag, which names the `why` template that renders this signal.
    pub fn kind(&self) -> &'static str {
        match self {
            Signal::Text { .. } => "text",
            Signal::Interest { .. } => "interest",
            Signal::Recipient { .. } => "recipient",
            Signal::Age { .. } => "age",
            Signal::Occasion { .. } => "occasion",
            Signal::Budget { .. } => "budget",
            Signal::Rating { .. } => "rating",
            Signal::Popularity { .. } => "popularity",
            Signal::Viewed { .. } => "viewed",
            Signal::BoughtWith { .. } => "bought_with",
            Signal::Context { .. } => "context",
            Signal::Outside { .. } => "outside",
            Signal::OtherType { .. } => "other_type",
            Signal::RecentlyViewed { .. } => "recently_viewed",
            Signal::Trending => "trending",
            Signal::Serendipity => "serendipity",
            Signal::Reorder { .. } => "reorder",
        }
    }

    /// Every kind, in the order why lines are shown: what the shopper asked for first, the
    /// shop's own evidence (ratings, popularity) last.
    /// How an alternative differs from what was asked comes before everything.
    pub const KINDS: [&'static str; 17] = [
        "outside",
        "other_type",
        "recipient",
        "interest",
        "age",
        "occasion",
        "text",
        "budget",
        "reorder",
        "viewed",
        "recently_viewed",
        "bought_with",
        "context",
        "rating",
        "popularity",
        "trending",
        "serendipity",
    ];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signals_are_tagged_by_kind_as_the_interface_shows() {
        let json = serde_json::to_value(Signal::Interest { term: "trains".into() }).unwrap();
        assert_eq!(json, serde_json::json!({"kind":"interest","term":"trains"}));
        let budget = Signal::Budget { min: None, max: Some(Amount::units(25)), currency_assumed: None, stated: None };
        assert_eq!(serde_json::to_value(budget).unwrap(), serde_json::json!({"kind":"budget","max":25}));
    }

    #[test]
    fn every_signal_kind_has_an_order() {
        let all = [
            Signal::Text { terms: vec![] },
            Signal::Age { age: 1 },
            Signal::BoughtWith { product_id: "a".into(), title: "A".into(), place: None },
            Signal::RecentlyViewed { days: 1 },
            Signal::Trending,
            Signal::Serendipity,
            Signal::Reorder { days: 30, every: 28 },
        ];
        for s in all {
            assert!(Signal::KINDS.contains(&s.kind()));
        }
    }
}
