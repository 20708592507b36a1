//! The product model: one catalog row, exactly the fields of INTERFACE.md's native format.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::money::{Amount, Currency};

mod attributes;
mod de;
mod name;

pub use attributes::Attributes;
pub(crate) use name::Interner;
pub use name::Name;

/// One product. `id`, `title`, `price` and `currency` are required; the rest is optional.
///
/// Unknown keys in a catalog line are kept in `extra` so a round trip through concierge
/// (import, then load, then export) never drops a merchant's data. Category parts, tags and
/// the brand are [`Name`]s: read as `&str`, held once however many products share them.
/// Reading one from JSON is written by hand (see `de`), with the defaults stated here.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Product {
    pub id: String,
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The category path, broadest first: `["Toys", "Trains"]`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub category: Vec<Name>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub brand: Option<Name>,
    pub price: Amount,
    pub currency: Currency,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compare_at_price: Option<Amount>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Name>,
    /// Free-form attributes; `age_min` and `age_max` (years) have a meaning to the ranker.
    #[serde(skip_serializing_if = "Attributes::is_empty")]
    pub attributes: Attributes,
    /// `true` when the line does not say.
    pub in_stock: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stock: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rating: Option<f32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub review_count: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// A consumable that may be recommended again after it was bought.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub replenishable: bool,
    #[serde(flatten)]
    pub extra: BTreeMap<String, serde_json::Value>,
}

impl Product {
    /// A product with just the required fields, for importers and tests to fill in.
    pub fn new(id: impl Into<String>, title: impl Into<String>, price: Amount, currency: Currency) -> Product {
        Product {
            id: id.into(),
            title: title.into(),
            description: None,
            category: Vec::new(),
            brand: None,
            price,
            currency,
            compare_at_price: None,
            tags: Vec::new(),
            attributes: Attributes::new(),
            in_stock: true,
            stock: None,
            rating: None,
            review_count: None,
            url: None,
            image: None,
            replenishable: false,
            extra: BTreeMap::new(),
        }
    }

    /// Whether it can be bought now: marked in stock, and not counted at zero.
    pub fn available(&self) -> bool {
        self.in_stock && self.stock != Some(0)
    }

    /// The age range in years it suits, from `attributes.age_min` / `age_max`; either end may
    /// be open. `None` when the product states no age at all.
    pub fn age_range(&self) -> Option<(Option<u32>, Option<u32>)> {
        let read = |key: &str| {
            self.attributes.get(key).and_then(|v| match v {
                serde_json::Value::Number(n) => n.as_f64().map(|f| f.max(0.0) as u32),
                serde_json::Value::String(s) => s.trim().parse::<f64>().ok().map(|f| f.max(0.0) as u32),
                _ => None,
            })
        };
        let (min, max) = (read("age_min"), read("age_max"));
        (min.is_some() || max.is_some()).then_some((min, max))
    }

    /// Whether the product suits someone `age` years old: true when it states no age range.
    pub fn suits_age(&self, age: u32) -> bool {
        match self.age_range() {
            None => true,
            Some((min, max)) => min.is_none_or(|m| age >= m) && max.is_none_or(|m| age <= m),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_interface_example_line_loads_and_round_trips() {
        let line = r#"{"id":"sku-1","title":"Wooden Train Set","description":"...","category":["Toys","Trains"],
 "brand":"BRIO","price":24.99,"currency":"GBP","compare_at_price":29.99,"tags":["wooden"],
 "attributes":{"age_min":3,"age_max":8},"in_stock":true,"stock":12,"rating":4.6,
 "review_count":120,"url":"https://shop.example/p/sku-1","image":"https://shop.example/i/sku-1.jpg"}"#;
        let p: Product = serde_json::from_str(line).unwrap();
        assert_eq!(p.price.to_string(), "24.99");
        assert_eq!(p.age_range(), Some((Some(3), Some(8))));
        assert!(p.suits_age(6) && !p.suits_age(9));
        let back: Product = serde_json::from_str(&serde_json::to_string(&p).unwrap()).unwrap();
        assert_eq!(back, p);
    }

    #[test]
    fn unknown_fields_are_kept() {
        let p: Product =
            serde_json::from_str(r#"{"id":"a","title":"A","price":1,"currency":"EUR","colour":"red"}"#).unwrap();
        assert_eq!(p.extra["colour"], "red");
        assert!(serde_json::to_string(&p).unwrap().contains("\"colour\":\"red\""));
    }

    #[test]
    fn zero_stock_is_not_available() {
        let mut p = Product::new("a", "A", Amount::units(1), "GBP".parse().unwrap());
        assert!(p.available());
        p.stock = Some(0);
        assert!(!p.available());
    }
}
