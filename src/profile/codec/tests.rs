use proptest::prelude::*;
use time::macros::datetime;

use super::*;
use crate::profile::{
    CustomerId, Event, EventInput, EventKind, Limits, Order, OrderItem, OrderSource, ShopperId, Source,
};
use crate::slots::{SlotName, Slots};

/// A profile with every field holding something, times at other offsets and with nanoseconds
/// among them, so a field the codec dropped or bent shows as a difference.
fn full_profile() -> Profile {
    let t0 = datetime!(2025-03-01 10:00 UTC);
    let mut p = Profile::new(ShopperId::from_bytes([7; 16]), t0);
    let said = Slots {
        age: Some(6),
        recipient: Some("child".into()),
        recipient_word: Some("nephew".into()),
        interests: vec!["trains".into(), "dinosaurs".into()],
        ..Slots::default()
    };
    p.declare(SlotName::Age, &said, Source::Chat, t0);
    p.declare(SlotName::Recipient, &said, Source::Quiz, t0);
    p.declare(SlotName::Interests, &said, Source::Agent, t0);
    let budget = serde_json::json!({"max": 25.5, "currency": "GBP", "stated": "under £25.50"});
    p.edit(SlotName::Budget, &budget, Source::Api, t0).unwrap();
    p.link_customer(&CustomerId::parse("c-42").unwrap(), datetime!(2025-03-01 11:00:00.5 +02:00));
    p.set_notices(true, t0);
    let event = |kind: &str, id: &str| EventInput {
        id: Some(id.into()),
        kind: kind.into(),
        product_id: Some("sku-1".into()),
        query: Some("wooden train".into()),
        choice: Some("Under £20".into()),
        at: Some("2025-03-01T09:59:00.25+01:00".into()),
        ..EventInput::default()
    };
    for (kind, id) in [("product_viewed", "e1"), ("search", "e2"), ("quick_reply", "e3")] {
        p.record(Event::parse(event(kind, id), t0).unwrap(), &Limits::default());
    }
    let order = Order {
        id: Some("o-1".into()),
        items: vec![
            OrderItem {
                product_id: "sku-1".into(),
                quantity: 2,
                price: Some("24.99".parse().unwrap()),
                currency: Some("GBP".parse().unwrap()),
            },
            OrderItem { product_id: "sku-2".into(), quantity: 1, price: None, currency: None },
        ],
        total: Some("49.98".parse().unwrap()),
        currency: Some("GBP".parse().unwrap()),
        estimated_delivery: Some(time::macros::date!(2025 - 03 - 05)),
        at: t0,
        source: OrderSource::Shop,
    };
    p.record(Event::purchase_of(order), &Limits::default());
    p.note_asked(SlotName::Budget, t0);
    p.note_notice("back_in_stock:sku-1", t0);
    p.start_visit(datetime!(2025-03-02 10:00 UTC));
    p
}

#[test]
fn a_profile_with_every_field_survives_encoding() {
    let profile = full_profile();
    assert!(!profile.events.is_empty() && !profile.orders.is_empty() && profile.customer.is_some());
    let bytes = encode(&profile).unwrap();
    assert_eq!(bytes[0], CURRENT);
    let back = decode(&bytes).unwrap();
    assert_eq!(back, profile);
    // Equal times may differ in offset; the export shows the offset, so it must stay.
    assert_eq!(back.export(), profile.export());
}

#[test]
fn the_binary_format_is_smaller_than_the_json_it_replaces() {
    let profile = full_profile();
    let json = serde_json::to_vec(&profile).unwrap();
    assert!(encode(&profile).unwrap().len() * 2 < json.len());
}

/// A profile as release 0.1 wrote it (format 1, JSON), kept verbatim: it must read forever.
const STORED_IN_FORMAT_1: &str = r#"{"id":"07070707070707070707070707070707","created_at":"2025-03-01T10:00:00Z","last_seen":"2025-03-02T10:00:00Z","consent":{"personalization":true,"notices":true,"at":"2025-03-01T10:00:00Z"},"customer":{"id":"c-42","at":"2025-03-01T11:00:00.5+02:00"},"declared":{"age":{"value":6,"source":"chat","at":"2025-03-01T10:00:00Z","consent":"personalization"},"budget":{"value":{"min":null,"max":25.5,"currency":"GBP","stated":"under £25.50"},"source":"api","at":"2025-03-01T10:00:00Z","consent":"personalization"},"recipient":{"value":"child","word":"nephew","source":"quiz","at":"2025-03-01T10:00:00Z","consent":"personalization"}},"events":[{"id":"e1","kind":"product_viewed","product_id":"sku-1","at":"2025-03-01T09:59:00.25+01:00"}],"orders":[{"id":"o-1","items":[{"product_id":"sku-1","quantity":2,"price":24.99,"currency":"GBP"}],"total":49.98,"currency":"GBP","estimated_delivery":"2025-03-05","at":"2025-03-01T10:00:00Z","source":"shop"}],"visits":{"number":2,"started_at":"2025-03-02T10:00:00Z","asked":{"budget":{"visit":1,"at":"2025-03-01T10:00:00Z"}}},"seen_event_ids":["e1","o-1"],"notices_sent":[{"key":"back_in_stock:sku-1","at":"2025-03-01T10:00:00Z"}]}"#;

#[test]
fn a_profile_stored_in_the_json_format_reads_and_is_rewritten_in_binary_unchanged() {
    let mut stored = vec![1u8];
    stored.extend_from_slice(STORED_IN_FORMAT_1.as_bytes());
    let profile = decode(&stored).unwrap();
    assert_eq!(profile.slots().age, Some(6));
    assert_eq!(profile.slots().recipient_word.as_deref(), Some("nephew"));
    assert_eq!(profile.orders()[0].items[0].price, Some("24.99".parse().unwrap()));
    assert_eq!(profile.events()[0].kind, EventKind::ProductViewed);
    assert_eq!(profile.customer().unwrap().at.offset().whole_hours(), 2);
    let rewritten = encode(&profile).unwrap();
    assert_eq!(rewritten[0], 2);
    let again = decode(&rewritten).unwrap();
    assert_eq!(again, profile);
    assert_eq!(again.export(), serde_json::from_str::<serde_json::Value>(STORED_IN_FORMAT_1).unwrap());
}

#[test]
fn unknown_versions_and_garbage_are_reported() {
    assert!(decode(&[9, b'{', b'}']).unwrap_err().contains("unknown format 9"));
    assert!(decode(&[1, b'{']).unwrap_err().starts_with("format 1"));
    assert!(decode(&[2, 1, 2, 3]).unwrap_err().starts_with("format 2"));
    assert!(decode(&[]).is_err());
}

#[test]
fn bytes_after_a_profile_are_an_error() {
    let mut bytes = encode(&full_profile()).unwrap();
    bytes.push(0);
    assert!(decode(&bytes).unwrap_err().contains("after the profile"));
}

#[test]
fn a_stored_value_that_no_edit_could_make_is_refused() {
    let mut bad_customer = full_profile();
    let good = encode(&bad_customer).unwrap();
    bad_customer.customer.as_mut().unwrap().id = CustomerId::from_stored(" c-42");
    assert!(decode(&encode(&bad_customer).unwrap()).unwrap_err().contains("customer id"));
    // The order's currency code (the last GBP) swapped for letters no currency has.
    let at = good.windows(3).rposition(|w| w == b"GBP").unwrap();
    let mut bad_currency = good.clone();
    bad_currency[at..at + 3].copy_from_slice(b"QQQ");
    assert!(decode(&bad_currency).is_err());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Whatever follows the version byte, decoding answers (an error or a profile) and never
    /// panics or reserves memory beyond what the bytes could hold.
    #[test]
    fn any_bytes_decode_to_an_answer_not_a_panic(body in proptest::collection::vec(any::<u8>(), 0..600)) {
        let mut bytes = vec![2u8];
        bytes.extend(body);
        let _ = decode(&bytes);
    }

    /// A real profile cut short or with one byte changed is an error or some profile, never a panic.
    #[test]
    fn a_damaged_profile_decodes_to_an_answer_not_a_panic(cut in 0usize..2000, at in 0usize..2000, byte in any::<u8>()) {
        let bytes = encode(&full_profile()).unwrap();
        let cut = cut % bytes.len();
        prop_assert!(decode(&bytes[..cut]).is_err(), "every strict prefix is incomplete");
        let mut flipped = bytes.clone();
        let at = 1 + at % (bytes.len() - 1);
        flipped[at] = byte;
        let _ = decode(&flipped);
    }

    /// Profiles built from arbitrary answers and events come back as they were.
    #[test]
    fn profiles_with_arbitrary_contents_round_trip(
        age in proptest::option::of(0u32..120),
        words in proptest::collection::vec("[a-z ]{1,12}", 0..4),
        ids in proptest::collection::vec("[a-zA-Z0-9-]{1,20}", 0..6),
        seconds in 0i64..4_000_000_000,
        nanos in 0u32..1_000_000_000,
        offset_minutes in -1380i32..1380,
    ) {
        let offset = time::UtcOffset::from_whole_seconds(offset_minutes * 60).unwrap();
        let at = time::OffsetDateTime::from_unix_timestamp(seconds).unwrap()
            .replace_nanosecond(nanos).unwrap().to_offset(offset);
        let mut p = Profile::new(ShopperId::from_bytes([seconds as u8; 16]), at);
        let said = Slots { age, interests: words.clone(), ..Slots::default() };
        p.declare(SlotName::Age, &said, Source::Settings, at);
        p.declare(SlotName::Interests, &said, Source::Chat, at);
        for id in &ids {
            let input = EventInput { id: Some(id.clone()), kind: "search".into(), query: Some(id.clone()), ..EventInput::default() };
            if let Ok(event) = Event::parse(input, at) {
                p.record(event, &Limits::default());
            }
        }
        let back = decode(&encode(&p).unwrap()).unwrap();
        prop_assert_eq!(back.export(), p.export());
        prop_assert_eq!(back, p);
    }
}
