//! What a shopper is shown: product cards with their reasons, in the shape INTERFACE.md gives
//! for chat replies, `concierge search --json`, `recommend --json` and the HTTP API.

use serde::{Deserialize, Serialize};

use crate::catalog::{Ranked, Signal};
use crate::money::{Amount, Currency};
use crate::prompts::Prompts;

/// One recommended product: catalog facts, never altered, plus one `why` line per signal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProductCard {
    pub id: String,
    pub title: String,
    pub price: Amount,
    pub currency: Currency,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compare_at_price: Option<Amount>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub category: Vec<String>,
    pub why: Vec<String>,
    pub signals: Vec<Signal>,
}

impl ProductCard {
    /// The card for a ranked product; its why lines are rendered from the merchant's templates,
    /// one per signal and in the same order, so `why[i]` explains `signals[i]`.
    pub fn new(ranked: &Ranked<'_>, prompts: &Prompts, currency: Currency) -> ProductCard {
        let p = ranked.product;
        ProductCard {
            id: p.id.clone(),
            title: p.title.clone(),
            price: p.price,
            currency: p.currency,
            compare_at_price: p.compare_at_price,
            url: p.url.clone(),
            image: p.image.clone(),
            category: p.category.clone(),
            why: ranked.signals.iter().map(|s| prompts.why().render(s, p, currency)).collect(),
            signals: ranked.signals.clone(),
        }
    }
}
