use serde_json::json;
use time::Duration;

use super::{T0, input, profile, rfc3339, viewed};
use crate::profile::{Event, EventInput, EventKind, InputError, Limits, Recorded};

fn parse(value: serde_json::Value) -> Result<Event, InputError> {
    let input: EventInput = serde_json::from_value(value).unwrap();
    Event::parse(input, T0)
}

#[test]
fn unknown_kinds_are_refused_with_the_known_ones_listed() {
    let error = parse(json!({"kind":"teleported","product_id":"sku-1"})).unwrap_err();
    let message = error.to_string();
    assert!(message.contains("unknown event kind `teleported`"), "{message}");
    for kind in EventKind::ALL {
        assert!(message.contains(kind.as_str()), "{message}");
    }
}

#[test]
fn product_events_without_a_product_are_refused() {
    for kind in ["product_viewed", "add_to_cart"] {
        let error = Event::parse(input(kind), T0).unwrap_err();
        assert_eq!(error.to_string(), format!("{kind} events need a product_id"));
    }
    assert!(parse(json!({"kind":"product_viewed","product_id":"  "})).is_err());
    assert!(parse(json!({"kind":"search"})).unwrap_err().to_string().contains("search events need a query"));
    assert!(parse(json!({"kind":"quick_reply"})).unwrap_err().to_string().contains("quick_reply events need a choice"));
}

#[test]
fn events_from_the_future_are_refused_but_clock_skew_is_tolerated() {
    let soon = rfc3339(T0 + Duration::minutes(4));
    assert!(parse(json!({"kind":"product_viewed","product_id":"a","at":soon})).is_ok());
    let later = rfc3339(T0 + Duration::minutes(6));
    let error = parse(json!({"kind":"product_viewed","product_id":"a","at":later})).unwrap_err();
    assert!(error.to_string().contains("more than 5 minutes after"), "{error}");
}

#[test]
fn times_must_be_rfc_3339() {
    let error = parse(json!({"kind":"search","query":"x","at":"yesterday"})).unwrap_err();
    assert!(error.to_string().contains("RFC 3339"), "{error}");
}

#[test]
fn an_event_without_a_time_happens_now() {
    assert_eq!(parse(json!({"kind":"search","query":"running shoes"})).unwrap().at, T0);
}

#[test]
fn a_purchase_of_one_product_becomes_a_one_item_order() {
    let event = parse(json!({"id":"e-1","kind":"purchase","product_id":"sku-9"})).unwrap();
    let order = event.order.unwrap();
    assert_eq!(order.id.as_deref(), Some("e-1"));
    assert_eq!((order.items[0].product_id.as_str(), order.items[0].quantity), ("sku-9", 1));
    assert!(parse(json!({"kind":"purchase"})).unwrap_err().to_string().contains("purchase events need an order"));
}

#[test]
fn an_orders_total_is_the_sum_of_its_items_when_not_given() {
    let event = parse(json!({"kind":"purchase","order":{"id":"o-1","items":[
        {"product_id":"a","quantity":2,"price":"2.50","currency":"GBP"},
        {"product_id":"b","price":10,"currency":"GBP"}]}}))
    .unwrap();
    let order = event.order.unwrap();
    assert_eq!(order.total.unwrap().to_string(), "15");
    assert_eq!(order.currency.unwrap().code(), "GBP");
}

#[test]
fn malformed_orders_are_refused_with_the_item_named() {
    let mixed = json!({"kind":"purchase","order":{"items":[
        {"product_id":"a","currency":"GBP"},{"product_id":"b","currency":"EUR"}]}});
    assert!(parse(mixed).unwrap_err().to_string().contains("item 2 is in EUR"));
    let zero = json!({"kind":"purchase","order":{"items":[{"product_id":"a","quantity":0}]}});
    assert!(parse(zero).unwrap_err().to_string().contains("quantity 0"));
    let nameless = json!({"kind":"purchase","order":{"items":[{"quantity":1}]}});
    assert!(parse(nameless).unwrap_err().to_string().contains("item 1 has no product_id"));
}

#[test]
fn a_shipping_update_needs_its_order_id() {
    assert!(parse(json!({"kind":"shipping_update","status":"shipped"})).is_err());
    assert!(parse(json!({"kind":"shipping_update","status":"shipped","order":{"id":"o-1"}})).is_ok());
}

#[test]
fn oversized_and_control_character_texts_are_refused() {
    let long = "x".repeat(201);
    assert!(matches!(
        parse(json!({"kind":"product_viewed","product_id":long})),
        Err(InputError::TooLong { field: "product_id", .. })
    ));
    assert!(parse(json!({"kind":"search","query":"a\u{0}b"})).is_err());
}

#[test]
fn an_event_id_seen_before_is_ignored() {
    let mut p = profile();
    let limits = Limits::default();
    let with_id = |id: &str| Event { id: Some(id.into()), ..viewed("sku-1", T0) };
    assert_eq!(p.record(with_id("e-1"), &limits), Recorded::Stored);
    assert_eq!(p.record(with_id("e-1"), &limits), Recorded::Duplicate);
    assert_eq!(p.record(with_id("e-2"), &limits), Recorded::Stored);
    assert_eq!(p.events().len(), 2);
}

#[test]
fn only_the_most_recent_idempotency_ids_are_remembered() {
    let mut p = profile();
    let limits = Limits { max_seen_ids: 3, ..Limits::default() };
    for id in ["a", "b", "c", "d"] {
        p.record(Event { id: Some(id.into()), ..viewed("sku-1", T0) }, &limits);
    }
    assert_eq!(p.seen_event_ids.len(), 3);
    let again = |id: &str| Event { id: Some(id.into()), ..viewed("sku-1", T0) };
    assert_eq!(p.record(again("d"), &limits), Recorded::Duplicate);
    assert_eq!(p.record(again("a"), &limits), Recorded::Stored, "forgotten after 3 newer ids");
}

#[test]
fn the_same_order_sent_twice_is_stored_once() {
    let mut p = profile();
    let order = |event_id: &str| {
        parse(json!({"id":event_id,"kind":"purchase","order":{"id":"o-1","items":[{"product_id":"a"}]}})).unwrap()
    };
    assert_eq!(p.record(order("e-1"), &Limits::default()), Recorded::Stored);
    assert_eq!(p.record(order("e-2"), &Limits::default()), Recorded::Duplicate);
    assert_eq!(p.orders().len(), 1);
}

#[test]
fn without_consent_behaviour_is_not_stored_but_orders_are() {
    let mut p = profile();
    p.set_personalization(false, T0);
    assert_eq!(p.record(viewed("sku-1", T0), &Limits::default()), Recorded::NotConsented);
    let purchase = parse(json!({"kind":"purchase","product_id":"sku-2"})).unwrap();
    assert_eq!(p.record(purchase, &Limits::default()), Recorded::Stored);
    assert!(p.events().is_empty());
    assert_eq!(p.orders().len(), 1);
}

#[test]
fn the_newest_events_are_kept_whatever_order_they_arrive_in() {
    let mut p = profile();
    let limits = Limits { max_events: 3, ..Limits::default() };
    for minutes in [5, 1, 4, 2, 3] {
        p.record(viewed(&format!("sku-{minutes}"), T0 + Duration::minutes(minutes)), &limits);
    }
    let kept: Vec<_> = p.events().iter().map(|e| e.product_id.as_deref().unwrap()).collect();
    assert_eq!(kept, ["sku-3", "sku-4", "sku-5"]);
}
