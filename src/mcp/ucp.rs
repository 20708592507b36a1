//! The Universal Commerce Protocol's shapes (version [`UCP_VERSION`]): products as the catalog
//! capability returns them, money in minor units, and the business profile served at
//! `/.well-known/ucp`.
//!
//! A product is the catalog's row, never altered: its price is the catalog's price (the
//! `display` string is that price formatted), and concierge adds its own `why` lines and
//! `signals` beside the UCP fields only when a ranking placed the product for a reason.

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::Serialize;

use crate::catalog::{Product, Signal};
use crate::chat::reply::ProductCard;
use crate::money::{Amount, Currency};

/// The UCP specification version these shapes and the discovery document follow.
pub(crate) const UCP_VERSION: &str = "2026-04-08";

/// A price: the amount in the currency's minor units (pence, cents), its ISO 4217 code, and
/// the catalog's price as a shopper reads it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct Price {
    pub amount: i64,
    pub currency: &'static str,
    pub display: String,
}

impl Price {
    /// `amount` in `currency`; `None` only past what an `i64` of minor units holds.
    pub(crate) fn new(amount: Amount, currency: Currency) -> Option<Price> {
        let minor = amount.decimal().checked_mul(Decimal::from(10_i64.pow(currency.minor_digits())))?;
        Some(Price { amount: minor.round().to_i64()?, currency: currency.code(), display: currency.format(amount) })
    }
}

/// An amount in `currency`'s minor units as an exact decimal amount (2499 GBP -> 24.99).
pub(crate) fn from_minor(minor: u64, currency: Currency) -> Option<Amount> {
    let minor = i64::try_from(minor).ok()?;
    Amount::new(Decimal::new(minor, currency.minor_digits()))
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct Description {
    pub plain: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct Media {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub url: String,
    pub alt_text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct Availability {
    pub available: bool,
    /// `in_stock` or `out_of_stock`.
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quantity: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct Rating {
    /// The catalog's rating to two decimals (it is stored as an `f32`, whose noise would show).
    pub value: f64,
    pub scale_max: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub count: Option<u64>,
}

/// The one purchasable variant of a concierge product (catalog rows are single-variant), so
/// a UCP checkout can use its id.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct Variant {
    pub id: String,
    pub title: String,
    pub price: Price,
    pub availability: Availability,
}

/// A product in UCP's catalog shape, with concierge's reasons when it was ranked.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct UcpProduct {
    pub id: String,
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<Description>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    pub media: Vec<Media>,
    pub price: Price,
    /// The price before a reduction (`compare_at_price`), when the catalog gives one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub list_price: Option<Price>,
    pub availability: Availability,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rating: Option<Rating>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub brand: Option<String>,
    pub categories: Vec<String>,
    pub variants: Vec<Variant>,
    /// One line per signal, in order: `why[i]` explains `signals[i]`.
    pub why: Vec<String>,
    pub signals: Vec<Signal>,
}

impl UcpProduct {
    /// The catalog product as it stands, with no reasons (a lookup ranks nothing); `None` only
    /// for a price past what minor units in an `i64` hold.
    pub(crate) fn plain(product: &Product) -> Option<UcpProduct> {
        let price = Price::new(product.price, product.currency)?;
        let availability = Availability {
            available: product.available(),
            status: if product.available() { "in_stock" } else { "out_of_stock" },
            quantity: product.stock,
        };
        let media = product
            .image
            .iter()
            .map(|url| Media { kind: "image", url: url.clone(), alt_text: product.title.clone() })
            .collect();
        let variant = Variant {
            id: product.id.clone(),
            title: product.title.clone(),
            price: price.clone(),
            availability: availability.clone(),
        };
        Some(UcpProduct {
            id: product.id.clone(),
            title: product.title.clone(),
            description: product.description.clone().map(|plain| Description { plain }),
            url: product.url.clone(),
            media,
            price,
            list_price: product.compare_at_price.and_then(|p| Price::new(p, product.currency)),
            availability,
            rating: product.rating.map(|value| Rating {
                value: (f64::from(value) * 100.0).round() / 100.0,
                scale_max: 5,
                count: product.review_count,
            }),
            brand: product.brand.as_deref().map(String::from),
            categories: product.category.iter().map(|c| c.to_string()).collect(),
            variants: vec![variant],
            why: Vec::new(),
            signals: Vec::new(),
        })
    }

    /// The product a ranking returned as `card`, with the card's why lines and signals.
    pub(crate) fn ranked(product: &Product, card: &ProductCard) -> Option<UcpProduct> {
        let mut out = UcpProduct::plain(product)?;
        out.why = card.why.clone();
        out.signals = card.signals.clone();
        Some(out)
    }
}

/// The business profile at `/.well-known/ucp`: the shopping service over MCP at `base/mcp`
/// and the catalog capabilities it implements, in the shape of UCP `2026-04-08`.
pub(crate) fn profile(base: &str) -> serde_json::Value {
    let v = UCP_VERSION;
    let capability = |spec: &str, schema: &str| {
        serde_json::json!([{
            "version": v,
            "spec": format!("https://ucp.dev/{v}/specification/{spec}"),
            "schema": format!("https://ucp.dev/{v}/schemas/shopping/{schema}.json"),
        }])
    };
    serde_json::json!({
        "ucp": {
            "version": v,
            "services": {
                "dev.ucp.shopping": [{
                    "version": v,
                    "spec": format!("https://ucp.dev/{v}/specification/overview"),
                    "transport": "mcp",
                    "schema": format!("https://ucp.dev/{v}/services/shopping/mcp.openrpc.json"),
                    "endpoint": format!("{base}/mcp"),
                }]
            },
            "capabilities": {
                "dev.ucp.shopping.catalog.search": capability("catalog", "catalog_search"),
                "dev.ucp.shopping.catalog.lookup": capability("catalog", "catalog_lookup"),
            }
        },
        // concierge's own additions, outside the `ucp` object UCP defines.
        "concierge": {
            "mcp": format!("{base}/mcp"),
            "openapi": format!("{base}/openapi.json"),
            "tools": super::tools::NAMES,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gbp() -> Currency {
        "GBP".parse().unwrap()
    }

    #[test]
    fn a_price_is_in_minor_units_with_the_catalog_price_as_its_display() {
        let price = Price::new("24.99".parse().unwrap(), gbp()).unwrap();
        assert_eq!(price.amount, 2499);
        assert_eq!(price.currency, "GBP");
        assert!(price.display.contains("24.99"), "{}", price.display);
        let yen = Price::new("1500".parse().unwrap(), "JPY".parse().unwrap()).unwrap();
        assert_eq!(yen.amount, 1500, "the yen has no minor unit");
    }

    #[test]
    fn minor_units_convert_back_to_the_exact_amount() {
        assert_eq!(from_minor(2499, gbp()).unwrap().to_string(), "24.99");
        assert_eq!(from_minor(u64::MAX, gbp()), None);
    }

    #[test]
    fn a_product_has_the_ucp_fields_and_keeps_the_catalog_values() {
        let line = r#"{"id":"sku-1","title":"Wooden Train Set","description":"A set","category":["Toys","Trains"],
            "brand":"BRIO","price":24.99,"currency":"GBP","compare_at_price":29.99,"stock":0,"rating":4.6,
            "review_count":120,"url":"https://shop.example/p/sku-1","image":"https://shop.example/i/sku-1.jpg"}"#;
        let product: Product = serde_json::from_str(line).unwrap();
        let json = serde_json::to_value(UcpProduct::plain(&product).unwrap()).unwrap();
        assert_eq!(json["id"], "sku-1");
        assert_eq!(json["description"]["plain"], "A set");
        assert_eq!(json["price"]["amount"], 2499);
        assert_eq!(json["list_price"]["amount"], 2999);
        assert_eq!(json["media"][0]["url"], "https://shop.example/i/sku-1.jpg");
        assert_eq!(json["availability"]["available"], false, "zero stock is not available");
        assert_eq!(json["rating"]["count"], 120);
        assert_eq!(json["rating"]["value"], 4.6, "no f32 noise");
        assert_eq!(json["variants"][0]["id"], "sku-1");
        assert_eq!(json["why"], serde_json::json!([]));
    }

    #[test]
    fn the_profile_names_the_mcp_endpoint_and_the_catalog_capabilities() {
        let doc = profile("https://shop.example");
        let service = &doc["ucp"]["services"]["dev.ucp.shopping"][0];
        assert_eq!(service["transport"], "mcp");
        assert_eq!(service["endpoint"], "https://shop.example/mcp");
        assert_eq!(doc["ucp"]["version"], UCP_VERSION);
        assert!(doc["ucp"]["capabilities"]["dev.ucp.shopping.catalog.search"].is_array());
        assert!(doc["ucp"]["capabilities"]["dev.ucp.shopping.catalog.lookup"].is_array());
    }
}
