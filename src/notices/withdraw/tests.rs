use serde_json::json;
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

use super::*;
use crate::money::Amount;
use crate::notices::NoticeProduct;
use crate::profile::{Event, EventInput, Limits, ShopperId};

const NOW: OffsetDateTime = datetime!(2026-11-20 10:00 UTC);

fn catalog(stock: u64) -> Catalog {
    let line = json!({"id": "teapot", "title": "Blue Teapot", "price": 19.99, "currency": "GBP",
                      "in_stock": stock > 0, "stock": stock});
    Catalog::parse_jsonl(&format!("{line}\n"), "catalog").unwrap().0
}

fn record(profile: &mut Profile, value: serde_json::Value, at: OffsetDateTime) {
    let input: EventInput = serde_json::from_value(value).unwrap();
    profile.record(Event::parse(input, at).unwrap(), &Limits::default());
}

/// A consenting shopper who wishlisted the teapot a day ago.
fn watcher() -> Profile {
    let mut profile = Profile::new(ShopperId::random(), NOW - Duration::days(30));
    profile.set_notices(true, NOW - Duration::days(30));
    record(&mut profile, json!({"kind": "wishlist_add", "product_id": "teapot"}), NOW - Duration::days(1));
    profile
}

fn notice(kind: NoticeKind) -> Notice {
    let product = NoticeProduct {
        id: "teapot".into(),
        title: "Blue Teapot".into(),
        price: Amount::new(rust_decimal::Decimal::new(1999, 2)).unwrap(),
        currency: "GBP".parse().unwrap(),
        url: None,
        image: None,
    };
    let order_id = (kind == NoticeKind::ShippingDelay).then(|| "o-1".to_string());
    Notice {
        id: "n".into(),
        kind,
        text: "x".into(),
        order_id,
        product: Some(product),
        customer_id: Some("c-1".into()),
        at: NOW,
    }
}

#[test]
fn a_back_in_stock_notice_holds_while_the_product_is_available_and_still_watched() {
    let profile = watcher();
    assert!(still_holds(&notice(NoticeKind::BackInStock), Some(&profile), &catalog(5)));
    assert!(!still_holds(&notice(NoticeKind::BackInStock), Some(&profile), &catalog(0)), "back out of stock");
    assert!(!still_holds(&notice(NoticeKind::BackInStock), None, &catalog(5)), "the shopper was erased");
}

#[test]
fn a_stock_notice_is_withdrawn_once_the_product_is_bought_or_taken_off_the_wishlist() {
    let mut bought = watcher();
    record(&mut bought, json!({"kind": "purchase", "product_id": "teapot"}), NOW + Duration::minutes(5));
    assert!(!still_holds(&notice(NoticeKind::LowStock), Some(&bought), &catalog(2)), "bought since");
    let mut removed = watcher();
    record(&mut removed, json!({"kind": "wishlist_remove", "product_id": "teapot"}), NOW + Duration::minutes(5));
    assert!(!still_holds(&notice(NoticeKind::BackInStock), Some(&removed), &catalog(5)), "off the wishlist");
}

#[test]
fn no_notice_holds_once_the_shopper_withdrew_their_consent() {
    let mut profile = watcher();
    profile.set_notices(false, NOW + Duration::minutes(1));
    assert!(!still_holds(&notice(NoticeKind::BackInStock), Some(&profile), &catalog(5)));
}

#[test]
fn a_reorder_notice_is_withdrawn_by_a_purchase_after_it_and_a_delay_by_a_delivery() {
    let mut profile = watcher();
    assert!(still_holds(&notice(NoticeKind::Reorder), Some(&profile), &catalog(5)));
    record(&mut profile, json!({"kind": "purchase", "product_id": "teapot"}), NOW + Duration::hours(1));
    assert!(!still_holds(&notice(NoticeKind::Reorder), Some(&profile), &catalog(5)), "bought again since");

    let mut waiting = watcher();
    let update = |status: &str| json!({"kind": "shipping_update", "status": status, "order": {"id": "o-1"}});
    record(&mut waiting, update("delayed"), NOW - Duration::hours(1));
    assert!(still_holds(&notice(NoticeKind::ShippingDelay), Some(&waiting), &catalog(5)));
    record(&mut waiting, update("Delivered"), NOW + Duration::hours(1));
    assert!(!still_holds(&notice(NoticeKind::ShippingDelay), Some(&waiting), &catalog(5)), "delivered since");
}
