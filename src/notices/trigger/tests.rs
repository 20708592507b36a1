use serde_json::json;
use time::macros::{date, datetime};

use super::*;
use crate::money::{Amount, Currency};
use crate::profile::{EventInput, Limits, ShopperId};

const NOW: OffsetDateTime = datetime!(2026-11-20 10:00 UTC);

fn event(value: serde_json::Value, at: OffsetDateTime) -> Event {
    let input: EventInput = serde_json::from_value(value).unwrap();
    Event::parse(input, at).unwrap()
}

fn shopper() -> Profile {
    let mut profile = Profile::new(ShopperId::random(), NOW - Duration::days(30));
    profile.set_notices(true, NOW - Duration::days(30));
    profile
}

fn record(profile: &mut Profile, value: serde_json::Value, at: OffsetDateTime) {
    profile.record(event(value, at), &Limits::default());
}

fn update(status: &str, estimate: Option<&str>) -> serde_json::Value {
    json!({"kind": "shipping_update", "status": status, "order": {"id": "o-1", "estimated_delivery": estimate}})
}

fn product(id: &str, stock: u64) -> Product {
    let mut product = Product::new(
        id,
        "Blue Teapot",
        Amount::new(rust_decimal::Decimal::new(1999, 2)).unwrap(),
        "GBP".parse::<Currency>().unwrap(),
    );
    product.stock = Some(stock);
    product.in_stock = stock > 0;
    product
}

#[test]
fn a_delayed_status_is_a_delay_with_the_estimate_it_gives() {
    let mut profile = shopper();
    record(
        &mut profile,
        json!({"kind": "purchase", "product_id": "teapot", "order": {"id": "o-1"}}),
        NOW - Duration::days(5),
    );
    let delayed = event(update("Delayed", Some("2026-11-28")), NOW);
    let cause = shipping_delay(&profile, &delayed).expect("a delay");
    assert_eq!(cause.kind, NoticeKind::ShippingDelay);
    assert_eq!(cause.estimate, Some(date!(2026 - 11 - 28)));
    assert_eq!(cause.order_id.as_deref(), Some("o-1"));
    assert_eq!(cause.product.as_deref(), Some("teapot"), "the order's product, as recorded");
}

#[test]
fn an_estimate_moving_later_is_a_delay_and_one_moving_earlier_is_not() {
    let mut profile = shopper();
    record(&mut profile, update("in_transit", Some("2026-11-22")), NOW - Duration::days(2));
    assert!(shipping_delay(&profile, &event(update("in_transit", Some("2026-11-25")), NOW)).is_some());
    assert!(shipping_delay(&profile, &event(update("in_transit", Some("2026-11-21")), NOW)).is_none());
    assert!(shipping_delay(&profile, &event(update("out_for_delivery", None), NOW)).is_none(), "no date, no delay");
}

#[test]
fn a_delay_reported_before_a_recorded_delivery_no_longer_holds() {
    let mut profile = shopper();
    record(&mut profile, update("delivered", None), NOW - Duration::hours(1));
    let late_news = event(update("delayed", Some("2026-11-25")), NOW - Duration::hours(3));
    assert!(shipping_delay(&profile, &late_news).is_none());
}

#[test]
fn the_gate_needs_consent_and_lets_each_cause_through_once_within_the_cap() {
    let settings = Settings { max_per_window: 2, window: Duration::days(7), low_stock: 3 };
    let cause = |key: &str| Cause::new(NoticeKind::BackInStock, key.to_string());
    let mut refused = Profile::new(ShopperId::random(), NOW);
    assert!(admit(&mut refused, vec![cause("a")], NOW, &settings).is_empty(), "notices are off until given");

    let mut profile = shopper();
    assert_eq!(admit(&mut profile, vec![cause("a")], NOW, &settings).len(), 1);
    assert!(admit(&mut profile, vec![cause("a")], NOW, &settings).is_empty(), "the same cause once");
    let later = admit(&mut profile, vec![cause("b"), cause("c")], NOW, &settings);
    assert_eq!(later.iter().map(|c| c.key.as_str()).collect::<Vec<_>>(), ["b"], "the cap is two a week");
    assert_eq!(admit(&mut profile, vec![cause("c")], NOW + Duration::days(8), &settings).len(), 1, "a week on");
}

#[test]
fn a_wishlisted_product_coming_back_is_noticed_unless_removed_or_bought_since() {
    let settings = Settings::default();
    let mut profile = shopper();
    record(&mut profile, json!({"kind": "wishlist_add", "product_id": "teapot"}), NOW - Duration::days(3));
    let cause = stock_change(&profile, Some(&product("teapot", 0)), &product("teapot", 10), &settings).expect("back");
    assert_eq!(cause.kind, NoticeKind::BackInStock);
    assert!(stock_change(&profile, Some(&product("teapot", 4)), &product("teapot", 10), &settings).is_none());
    assert!(stock_change(&profile, Some(&product("mug", 0)), &product("mug", 10), &settings).is_none(), "not watched");

    let mut removed = profile.clone();
    record(&mut removed, json!({"kind": "wishlist_remove", "product_id": "teapot"}), NOW - Duration::days(1));
    assert!(stock_change(&removed, Some(&product("teapot", 0)), &product("teapot", 10), &settings).is_none());

    let mut bought = profile.clone();
    record(&mut bought, json!({"kind": "purchase", "product_id": "teapot"}), NOW - Duration::days(1));
    assert!(stock_change(&bought, Some(&product("teapot", 0)), &product("teapot", 10), &settings).is_none());
}

#[test]
fn a_carted_product_falling_to_the_threshold_is_low_stock_once_it_crosses() {
    let settings = Settings { low_stock: 3, ..Settings::default() };
    let mut profile = shopper();
    record(&mut profile, json!({"kind": "add_to_cart", "product_id": "teapot"}), NOW - Duration::days(1));
    let cause = stock_change(&profile, Some(&product("teapot", 8)), &product("teapot", 2), &settings).expect("low");
    assert_eq!((cause.kind, cause.stock), (NoticeKind::LowStock, Some(2)));
    assert!(
        stock_change(&profile, Some(&product("teapot", 3)), &product("teapot", 2), &settings).is_none(),
        "already low"
    );
}

#[test]
fn a_reorder_is_due_only_while_not_bought_again() {
    let mut profile = shopper();
    let last = NOW - Duration::days(40);
    record(&mut profile, json!({"kind": "purchase", "product_id": "tea"}), last);
    let due = [Due { product: "tea".into(), last_bought: last }, Due { product: "coffee".into(), last_bought: last }];
    assert_eq!(reorder(&profile, &due).len(), 2);
    record(&mut profile, json!({"kind": "purchase", "product_id": "coffee"}), NOW - Duration::days(2));
    let causes = reorder(&profile, &due);
    assert_eq!(causes.iter().map(|c| c.product.as_deref()).collect::<Vec<_>>(), [Some("tea")]);
    assert_eq!(causes[0].last_bought, Some(last));
}

#[test]
fn regression_a_purchase_at_a_fraction_of_a_second_is_not_a_purchase_since_its_own_whole_second() {
    let mut profile = shopper();
    let bought = NOW - Duration::days(40) + Duration::milliseconds(250);
    record(&mut profile, json!({"kind": "purchase", "product_id": "tea"}), bought);
    // The order history keeps whole seconds: the due date's purchase is the same one.
    let whole = OffsetDateTime::from_unix_timestamp(bought.unix_timestamp()).unwrap();
    let due = [Due { product: "tea".into(), last_bought: whole }];
    assert_eq!(reorder(&profile, &due).len(), 1);
}
