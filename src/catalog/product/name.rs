//! Short texts many products share (category parts, tags, brands, attribute keys), each held
//! once however many products name it.
//!
//! A million-product catalog has a few thousand distinct category parts, tags and brands but
//! millions of places naming them: as `String`s each place paid 24 bytes plus its own heap
//! copy; as a [`Name`] it pays a 16-byte pointer to one shared copy, made by the [`Interner`]
//! the loader keeps while it reads a catalog.

use std::borrow::Borrow;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::Attributes;

/// An immutable, cheaply cloned text that reads as a `&str` (it derefs to one) and compares,
/// hashes, orders, prints and serialises exactly as the same text in a `String` does.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Name(Arc<str>);

impl Name {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Deref for Name {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Name {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl Borrow<str> for Name {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl From<&str> for Name {
    fn from(text: &str) -> Name {
        Name(Arc::from(text))
    }
}

impl From<String> for Name {
    fn from(text: String) -> Name {
        Name(Arc::from(text))
    }
}

impl From<&String> for Name {
    fn from(text: &String) -> Name {
        Name(Arc::from(text.as_str()))
    }
}

impl From<Name> for String {
    fn from(name: Name) -> String {
        name.0.to_string()
    }
}

impl PartialEq<str> for Name {
    fn eq(&self, other: &str) -> bool {
        &*self.0 == other
    }
}

impl PartialEq<&str> for Name {
    fn eq(&self, other: &&str) -> bool {
        &*self.0 == *other
    }
}

impl PartialEq<String> for Name {
    fn eq(&self, other: &String) -> bool {
        *self.0 == **other
    }
}

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&*self.0, f)
    }
}

impl Serialize for Name {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Name {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Name, D::Error> {
        String::deserialize(deserializer).map(Name::from)
    }
}

/// Hands out one shared [`Name`] per distinct text (and keeps one copy of each distinct set
/// of [`Attributes`], by its JSON text); kept by a loader while it reads a catalog and dropped
/// after (the names live on in the products).
#[derive(Debug, Default)]
pub(crate) struct Interner {
    names: HashSet<Name>,
    attributes: HashMap<String, Attributes>,
}

impl Interner {
    /// The shared name spelled `text`, made on first sight.
    pub(crate) fn name(&mut self, text: &str) -> Name {
        if let Some(name) = self.names.get(text) {
            return name.clone();
        }
        let name = Name::from(text);
        self.names.insert(name.clone());
        name
    }

    /// The shared set of attributes whose JSON is `text`, when one was kept.
    pub(crate) fn attributes(&self, text: &str) -> Option<&Attributes> {
        self.attributes.get(text)
    }

    /// Keeps `attributes` as the shared set whose JSON is `text`.
    pub(crate) fn keep_attributes(&mut self, text: String, attributes: Attributes) {
        self.attributes.insert(text, attributes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_reads_compares_and_prints_as_its_text() {
        let name = Name::from("Board Games");
        assert_eq!(name, "Board Games");
        assert_eq!(name, "Board Games".to_string());
        assert_eq!(format!("{name} {name:?}"), format!("{} {:?}", "Board Games", "Board Games"));
        assert_eq!(serde_json::to_string(&vec![name.clone()]).unwrap(), r#"["Board Games"]"#);
        let back: Vec<Name> = serde_json::from_str(r#"["Board Games"]"#).unwrap();
        assert_eq!((back.len(), &back[0]), (1, &name));
        assert!(name.starts_with("Board"), "derefs to str");
    }

    #[test]
    fn the_interner_shares_one_copy_per_text() {
        let mut interner = Interner::default();
        let (a, b, c) = (interner.name("Toys"), interner.name(&String::from("Toys")), interner.name("Games"));
        assert!(Arc::ptr_eq(&a.0, &b.0), "the same text is one allocation");
        assert_ne!(a, c);
    }

    #[test]
    fn the_interner_shares_one_copy_per_set_of_attributes() {
        let mut interner = Interner::default();
        let read = |text: &str| serde_json::from_str::<Attributes>(text).unwrap();
        let (a, b) = (read(r#"{"age_min":3,"age_max":8}"#), read(r#"{"age_max":8,"age_min":3}"#));
        let (a, b) = (a.interned(&mut interner), b.interned(&mut interner));
        let other = read(r#"{"age_min":3,"age_max":8.0}"#).interned(&mut interner);
        assert_eq!(a, b);
        assert_eq!(format!("{a:?}"), format!("{b:?}"));
        assert_ne!(a, other, "8 and 8.0 are written differently, so they stay apart");
        assert!(std::ptr::eq(a.iter().next().unwrap().0, b.iter().next().unwrap().0), "one copy");
        assert!(Attributes::new().interned(&mut interner).is_empty());
    }
}
