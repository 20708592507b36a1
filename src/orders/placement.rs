//! Where on the shop's pages recommendations go (`GET /v1/recommendations?placement=`).

use std::str::FromStr;

/// A placement: each answers a different question (see README, "Placements").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// The home page: recently viewed, declared interests, trending, a little serendipity.
    Home,
    /// A product page: bought together with it, then similar products.
    Product,
    /// The cart: complements of its items.
    Cart,
    /// After a purchase: what goes with it, and replenishables due again.
    PostPurchase,
}

impl Placement {
    pub const ALL: [Placement; 4] = [Placement::Home, Placement::Product, Placement::Cart, Placement::PostPurchase];

    pub fn as_str(self) -> &'static str {
        match self {
            Placement::Home => "home",
            Placement::Product => "product",
            Placement::Cart => "cart",
            Placement::PostPurchase => "post_purchase",
        }
    }
}

/// An unknown placement, with the allowed ones in its message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown placement `{0}`: placement is one of home, product, cart, post_purchase")]
pub struct UnknownPlacement(pub String);

impl FromStr for Placement {
    type Err = UnknownPlacement;

    fn from_str(text: &str) -> Result<Placement, UnknownPlacement> {
        Placement::ALL
            .into_iter()
            .find(|p| p.as_str() == text.trim())
            .ok_or_else(|| UnknownPlacement(text.chars().take(40).collect()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_placement_parses_from_its_name_and_nothing_else_does() {
        for p in Placement::ALL {
            assert_eq!(p.as_str().parse::<Placement>(), Ok(p));
        }
        let error = "checkout".parse::<Placement>().unwrap_err().to_string();
        assert!(error.contains("checkout") && error.contains("post_purchase"), "{error}");
    }
}
