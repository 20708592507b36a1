//! Identities. `ShopperId`: the opaque 128-bit random id of one shopper, written as 32
//! lowercase hex digits; it is the store's key, and the signed token the widget holds is built
//! around it by the server, so an id alone proves nothing. `CustomerId`: the shop's own id for
//! a verified customer, checked once at the edge so a bad one cannot reach the store.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::error::InputError;

/// One shopper, by a random 128-bit id (hex text, 32 characters).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ShopperId([u8; 16]);

impl ShopperId {
    /// A fresh id from the thread's cryptographic random generator. An erased or expired
    /// shopper coming back must get a fresh id, never their old one.
    pub fn random() -> ShopperId {
        ShopperId(rand::random())
    }

    /// A fresh id from the given generator (seeded in tests and replays).
    pub fn from_rng(rng: &mut impl rand::Rng) -> ShopperId {
        ShopperId(rng.random())
    }

    pub fn from_bytes(bytes: [u8; 16]) -> ShopperId {
        ShopperId(bytes)
    }

    pub fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }
}

impl fmt::Display for ShopperId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl fmt::Debug for ShopperId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ShopperId({self})")
    }
}

impl FromStr for ShopperId {
    type Err = InputError;

    /// Accepts exactly 32 hex digits (either case).
    fn from_str(text: &str) -> Result<ShopperId, InputError> {
        let mut bytes = [0u8; 16];
        hex::decode_to_slice(text, &mut bytes).map_err(|_| InputError::ShopperId)?;
        Ok(ShopperId(bytes))
    }
}

impl Serialize for ShopperId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for ShopperId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// The shop's id for one of its customers: 1 to 200 characters, no control characters, and no
/// space at either end. Taken exactly as given (never trimmed): the id the shop signed is the
/// id linked, so a signature over `" c-1 "` can never stand for `c-1`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct CustomerId(String);

impl CustomerId {
    pub fn parse(text: &str) -> Result<CustomerId, InputError> {
        if text.trim() != text {
            return Err(InputError::Padded { field: "customer_id" });
        }
        super::event::check_text("customer_id", text).map(CustomerId)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// An id read back from the store's own index, which only ever holds parsed ids.
    pub(crate) fn from_stored(text: &str) -> CustomerId {
        CustomerId(text.to_string())
    }
}

impl fmt::Display for CustomerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for CustomerId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        CustomerId::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_print_as_32_hex_digits_and_parse_back() {
        let id = ShopperId::random();
        let text = id.to_string();
        assert_eq!(text.len(), 32);
        assert!(text.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        assert_eq!(text.parse::<ShopperId>().unwrap(), id);
    }

    #[test]
    fn malformed_ids_are_refused() {
        assert!("abc".parse::<ShopperId>().is_err());
        assert!("zz".repeat(16).parse::<ShopperId>().is_err());
        assert!("00".repeat(17).parse::<ShopperId>().is_err());
    }

    #[test]
    fn customer_ids_are_short_clean_texts() {
        assert_eq!(CustomerId::parse("c-42").unwrap().as_str(), "c-42");
        for bad in ["", "  ", "c\n42", &"x".repeat(201), " c-42 ", "c-42\t"] {
            assert!(CustomerId::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn two_random_ids_differ() {
        assert_ne!(ShopperId::random(), ShopperId::random());
    }
}
