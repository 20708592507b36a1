//! A product's free-form attributes as a small sorted list rather than a `BTreeMap`.
//!
//! A `BTreeMap` allocates a whole node (room for eleven entries, ~600 bytes here) for a single
//! attribute; most products have none or two (`age_min`, `age_max`), and a million products
//! held ~600 MB in nearly empty nodes. Lookups are a binary search over a handful of keys.
//! On the wire it is the same JSON object, keys in sorted order as the map wrote them. Keys
//! are [`Name`]s, so the `age_min` of a million products is spelled once, and a whole set is
//! shared (behind an `Arc`) by the products that have the same one (`{"age_min":3,
//! "age_max":8}`, `{"size":["S","M","L"]}`): a loader hands out one copy per distinct set.

use std::fmt;
use std::sync::Arc;

use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use super::name::{Interner, Name};

/// Keys and values sorted by key, each key once; no allocation at all when empty.
#[derive(Clone, Default, PartialEq)]
pub struct Attributes(Option<Arc<[(Name, Value)]>>);

impl Attributes {
    pub fn new() -> Attributes {
        Attributes(None)
    }

    fn of(entries: Vec<(Name, Value)>) -> Attributes {
        Attributes((!entries.is_empty()).then(|| entries.into()))
    }

    fn entries(&self) -> &[(Name, Value)] {
        self.0.as_deref().unwrap_or(&[])
    }

    fn find(&self, key: &str) -> Result<usize, usize> {
        self.entries().binary_search_by(|(k, _)| k.as_str().cmp(key))
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        self.find(key).ok().map(|i| &self.entries()[i].1)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.find(key).is_ok()
    }

    /// Sets `key` to `value`, returning the value it replaced (as a map's `insert`). Copies
    /// the set (importers build a product's few attributes once; a loaded catalog never
    /// changes them).
    pub fn insert(&mut self, key: String, value: Value) -> Option<Value> {
        let mut entries = self.entries().to_vec();
        let replaced = match self.find(&key) {
            Ok(i) => Some(std::mem::replace(&mut entries[i].1, value)),
            Err(i) => {
                entries.insert(i, (Name::from(key), value));
                None
            }
        };
        *self = Attributes::of(entries);
        replaced
    }

    pub fn is_empty(&self) -> bool {
        self.entries().is_empty()
    }

    pub fn len(&self) -> usize {
        self.entries().len()
    }

    /// The attributes in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.entries().iter().map(|(k, v)| (k.as_str(), v))
    }

    /// Builds attributes from entries already sorted by key, each key once (as [`iter`] gives
    /// them); `None` when they are not.
    ///
    /// [`iter`]: Attributes::iter
    pub(crate) fn from_sorted(entries: Vec<(Name, Value)>) -> Option<Attributes> {
        entries.windows(2).all(|w| w[0].0 < w[1].0).then(|| Attributes::of(entries))
    }

    /// These attributes as the one copy `interner` keeps of this set, keys shared too.
    pub(crate) fn interned(&self, interner: &mut Interner) -> Attributes {
        if self.is_empty() {
            return Attributes::new();
        }
        // The JSON text is the set's identity: equal text, equal keys and values.
        let text = serde_json::to_string(self).unwrap_or_default();
        if let Some(shared) = interner.attributes(&text) {
            return shared.clone();
        }
        let entries = self.entries().iter().map(|(key, value)| (interner.name(key), value.clone())).collect();
        let shared = Attributes::of(entries);
        interner.keep_attributes(text, shared.clone());
        shared
    }
}

impl fmt::Debug for Attributes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Attributes").field(&self.entries()).finish()
    }
}

impl std::ops::Index<&str> for Attributes {
    type Output = Value;

    /// The value of `key`; panics when there is none, as a map's index does.
    fn index(&self, key: &str) -> &Value {
        self.get(key).unwrap_or_else(|| panic!("no attribute `{key}`"))
    }
}

impl Serialize for Attributes {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.entries().iter().map(|(k, v)| (k, v)))
    }
}

impl<'de> Deserialize<'de> for Attributes {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Attributes, D::Error> {
        struct Entries;
        impl<'de> Visitor<'de> for Entries {
            type Value = Attributes;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object of attributes")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Attributes, A::Error> {
                let mut entries: Vec<(Name, Value)> = Vec::new();
                while let Some((key, value)) = map.next_entry::<String, Value>()? {
                    match entries.binary_search_by(|(k, _)| k.as_str().cmp(&key)) {
                        // A repeated key keeps its last value, as a map would.
                        Ok(i) => entries[i].1 = value,
                        Err(i) => entries.insert(i, (Name::from(key), value)),
                    }
                }
                Ok(Attributes::of(entries))
            }
        }
        deserializer.deserialize_map(Entries)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_read_and_write_the_same_object_as_a_map_did() {
        let text = r#"{"size":["S","M"],"age_min":3,"colour":"red","age_min":4}"#;
        let attributes: Attributes = serde_json::from_str(text).unwrap();
        let map: std::collections::BTreeMap<String, Value> = serde_json::from_str(text).unwrap();
        assert_eq!(serde_json::to_string(&attributes).unwrap(), serde_json::to_string(&map).unwrap());
        assert_eq!(attributes["age_min"], 4, "a repeated key keeps its last value");
        assert_eq!(attributes.len(), 3);
        assert!(attributes.contains_key("colour") && !attributes.contains_key("color"));
        assert!(serde_json::from_str::<Attributes>("[1]").is_err());
    }
}
