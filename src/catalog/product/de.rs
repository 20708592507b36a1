//! Reading a [`Product`] from a catalog line, written out by hand rather than derived.
//!
//! A derived `Deserialize` with `#[serde(flatten)] extra` first buffers every key and value of
//! the line into serde's generic content tree and then reads the struct from that copy: most
//! of the time spent loading a million-product JSONL catalog. This visitor reads each value
//! straight into its field and only unknown keys into `extra`, with the derived messages
//! (`missing field `id``, `duplicate field `price``).

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};

use super::{Attributes, Name, Product};
use crate::money::{Amount, Currency};

/// A catalog line's key: one of the native fields, or a merchant's own (kept in `extra`).
enum Key {
    Id,
    Title,
    Description,
    Category,
    Brand,
    Price,
    Currency,
    CompareAtPrice,
    Tags,
    Attributes,
    InStock,
    Stock,
    Rating,
    ReviewCount,
    Url,
    Image,
    Replenishable,
    Other(String),
}

impl Key {
    fn of(name: &str) -> Key {
        match name {
            "id" => Key::Id,
            "title" => Key::Title,
            "description" => Key::Description,
            "category" => Key::Category,
            "brand" => Key::Brand,
            "price" => Key::Price,
            "currency" => Key::Currency,
            "compare_at_price" => Key::CompareAtPrice,
            "tags" => Key::Tags,
            "attributes" => Key::Attributes,
            "in_stock" => Key::InStock,
            "stock" => Key::Stock,
            "rating" => Key::Rating,
            "review_count" => Key::ReviewCount,
            "url" => Key::Url,
            "image" => Key::Image,
            "replenishable" => Key::Replenishable,
            other => Key::Other(other.to_string()),
        }
    }
}

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Key, D::Error> {
        struct Keys;
        impl Visitor<'_> for Keys {
            type Value = Key;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a field name")
            }

            fn visit_str<E: de::Error>(self, name: &str) -> Result<Key, E> {
                Ok(Key::of(name))
            }
        }
        deserializer.deserialize_identifier(Keys)
    }
}

/// Sets a field read once; a second occurrence of the key is an error, as the derive made it.
fn once<'de, A: MapAccess<'de>, T: Deserialize<'de>>(
    slot: &mut Option<T>,
    map: &mut A,
    field: &'static str,
) -> Result<(), A::Error> {
    if slot.is_some() {
        return Err(de::Error::duplicate_field(field));
    }
    *slot = Some(map.next_value()?);
    Ok(())
}

impl<'de> Deserialize<'de> for Product {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Product, D::Error> {
        deserializer.deserialize_map(ProductVisitor)
    }
}

struct ProductVisitor;

impl<'de> Visitor<'de> for ProductVisitor {
    type Value = Product;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a product object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Product, A::Error> {
        let (mut id, mut title, mut price, mut currency): (
            Option<String>,
            Option<String>,
            Option<Amount>,
            Option<Currency>,
        ) = (None, None, None, None);
        // Optional fields: the outer `Option` says whether the key was seen (a `null` value
        // is seen and empty, as the derive read it).
        let mut description: Option<Option<String>> = None;
        let mut category: Option<Vec<Name>> = None;
        let mut brand: Option<Option<Name>> = None;
        let mut compare_at_price: Option<Option<Amount>> = None;
        let mut tags: Option<Vec<Name>> = None;
        let mut attributes: Option<Attributes> = None;
        let mut in_stock: Option<bool> = None;
        let mut stock: Option<Option<u64>> = None;
        let mut rating: Option<Option<f32>> = None;
        let mut review_count: Option<Option<u64>> = None;
        let mut url: Option<Option<String>> = None;
        let mut image: Option<Option<String>> = None;
        let mut replenishable: Option<bool> = None;
        let mut extra: BTreeMap<String, serde_json::Value> = BTreeMap::new();
        while let Some(key) = map.next_key::<Key>()? {
            match key {
                Key::Id => once(&mut id, &mut map, "id")?,
                Key::Title => once(&mut title, &mut map, "title")?,
                Key::Description => once(&mut description, &mut map, "description")?,
                Key::Category => once(&mut category, &mut map, "category")?,
                Key::Brand => once(&mut brand, &mut map, "brand")?,
                Key::Price => once(&mut price, &mut map, "price")?,
                Key::Currency => once(&mut currency, &mut map, "currency")?,
                Key::CompareAtPrice => once(&mut compare_at_price, &mut map, "compare_at_price")?,
                Key::Tags => once(&mut tags, &mut map, "tags")?,
                Key::Attributes => once(&mut attributes, &mut map, "attributes")?,
                Key::InStock => once(&mut in_stock, &mut map, "in_stock")?,
                Key::Stock => once(&mut stock, &mut map, "stock")?,
                Key::Rating => once(&mut rating, &mut map, "rating")?,
                Key::ReviewCount => once(&mut review_count, &mut map, "review_count")?,
                Key::Url => once(&mut url, &mut map, "url")?,
                Key::Image => once(&mut image, &mut map, "image")?,
                Key::Replenishable => once(&mut replenishable, &mut map, "replenishable")?,
                Key::Other(name) => {
                    // A repeated unknown key keeps its last value, as the flattened map did.
                    let value = map.next_value()?;
                    extra.insert(name, value);
                }
            }
        }
        Ok(Product {
            id: id.ok_or_else(|| de::Error::missing_field("id"))?,
            title: title.ok_or_else(|| de::Error::missing_field("title"))?,
            description: description.flatten(),
            category: category.unwrap_or_default(),
            brand: brand.flatten(),
            price: price.ok_or_else(|| de::Error::missing_field("price"))?,
            currency: currency.ok_or_else(|| de::Error::missing_field("currency"))?,
            compare_at_price: compare_at_price.flatten(),
            tags: tags.unwrap_or_default(),
            attributes: attributes.unwrap_or_default(),
            in_stock: in_stock.unwrap_or(true),
            stock: stock.flatten(),
            rating: rating.flatten(),
            review_count: review_count.flatten(),
            url: url.flatten(),
            image: image.flatten(),
            replenishable: replenishable.unwrap_or(false),
            extra,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(line: &str) -> Result<Product, String> {
        serde_json::from_str::<Product>(line).map_err(|e| e.to_string())
    }

    #[test]
    fn a_line_missing_a_required_field_or_repeating_one_is_refused_naming_the_field() {
        for (line, said) in [
            (r#"{"id":"a","title":"A","currency":"GBP"}"#, "missing field `price`"),
            (r#"{"title":"A","price":1,"currency":"GBP"}"#, "missing field `id`"),
            (r#"{"id":"a","title":"A","price":1,"price":2,"currency":"GBP"}"#, "duplicate field `price`"),
            (r#"{"id":"a","title":"A","price":1,"currency":"GBP","tags":null}"#, "invalid type: null"),
            (r#"["a","A",1,"GBP"]"#, "invalid type: sequence, expected a product object"),
        ] {
            let error = read(line).expect_err(line);
            assert!(error.contains(said), "{line}: {error}");
        }
    }

    #[test]
    fn optional_fields_default_as_the_interface_says_and_null_means_absent() {
        let p = read(r#"{"id":"a","title":"A","price":1,"currency":"GBP","brand":null,"stock":null}"#).unwrap();
        assert!(p.in_stock, "in stock when the line does not say");
        assert!(!p.replenishable && p.brand.is_none() && p.stock.is_none() && p.extra.is_empty());
        let p = read(r#"{"id":"a","title":"A","price":1,"currency":"GBP","in_stock":false,"x":1,"x":2}"#).unwrap();
        assert!(!p.in_stock);
        assert_eq!(p.extra["x"], 2, "a repeated unknown key keeps its last value");
    }
}
