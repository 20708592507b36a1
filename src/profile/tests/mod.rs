//! Unit tests of the profile layer, one file per concept (the integration tests against a
//! store reopened across processes are in `tests/profile_store.rs`).

mod behaviour;
mod erasure;
mod event;
mod link;
mod record;
mod store;

use time::OffsetDateTime;
use time::macros::datetime;

use super::{EventInput, Profile, ShopperId};

pub(super) const T0: OffsetDateTime = datetime!(2025-03-01 10:00 UTC);

pub(super) fn profile() -> Profile {
    Profile::new(ShopperId::from_bytes([1; 16]), T0)
}

pub(super) fn input(kind: &str) -> EventInput {
    EventInput { kind: kind.to_string(), ..EventInput::default() }
}

pub(super) fn viewed(product: &str, at: OffsetDateTime) -> super::Event {
    let input = EventInput { product_id: Some(product.into()), at: Some(rfc3339(at)), ..input("product_viewed") };
    super::Event::parse(input, at).unwrap()
}

pub(super) fn rfc3339(at: OffsetDateTime) -> String {
    at.format(&time::format_description::well_known::Rfc3339).unwrap()
}
