use serde_json::json;
use time::Duration;

use super::{T0, input, profile, viewed};
use crate::profile::{DEFAULT_BEHAVIOUR_WINDOW, Event, EventInput, Limits};

const WINDOW: Duration = DEFAULT_BEHAVIOUR_WINDOW;

fn purchase(product: &str, at: time::OffsetDateTime) -> Event {
    let input = EventInput { product_id: Some(product.into()), ..input("purchase") };
    Event::parse(input, at).unwrap()
}

#[test]
fn an_event_recorded_at_ten_counts_at_one_minute_past() {
    let mut p = profile();
    p.record(viewed("running-shoes", T0), &Limits::default());
    let behaviour = p.behaviour(T0 + Duration::minutes(1), WINDOW);
    assert_eq!(behaviour.viewed[0].product_id, "running-shoes");
}

#[test]
fn behaviour_older_than_the_window_is_not_there() {
    let mut p = profile();
    p.record(viewed("old", T0), &Limits::default());
    p.record(viewed("recent", T0 + Duration::days(20)), &Limits::default());
    let now = T0 + Duration::days(31);
    let ids: Vec<_> = p.behaviour(now, WINDOW).viewed.into_iter().map(|t| t.product_id).collect();
    assert_eq!(ids, ["recent"]);
    assert!(p.behaviour(now, Duration::days(7)).viewed.is_empty(), "the window is configurable");
}

#[test]
fn without_consent_there_is_no_behaviour() {
    let mut p = profile();
    p.record(purchase("sku-9", T0), &Limits::default());
    p.set_personalization(false, T0);
    p.record(viewed("sku-1", T0), &Limits::default());
    assert!(p.behaviour(T0, WINDOW).is_empty());
    assert!(p.view(T0, WINDOW).recent.viewed.is_empty());
}

#[test]
fn repeated_views_become_one_entry_with_the_latest_time_newest_first() {
    let mut p = profile();
    for (product, minutes) in [("a", 0), ("b", 1), ("a", 2)] {
        p.record(viewed(product, T0 + Duration::minutes(minutes)), &Limits::default());
    }
    let viewed = p.behaviour(T0 + Duration::hours(1), WINDOW).viewed;
    assert_eq!(viewed.len(), 2);
    assert_eq!((viewed[0].product_id.as_str(), viewed[0].times), ("a", 2));
    assert_eq!(viewed[0].at, T0 + Duration::minutes(2));
    assert_eq!(viewed[1].product_id, "b");
}

#[test]
fn searches_carts_and_purchases_are_told_apart() {
    let mut p = profile();
    let limits = Limits::default();
    let search = EventInput { query: Some("Running Shoes".into()), ..input("search") };
    p.record(Event::parse(search, T0).unwrap(), &limits);
    let again = EventInput { query: Some("running shoes".into()), ..input("search") };
    p.record(Event::parse(again, T0).unwrap(), &limits);
    let cart = EventInput { product_id: Some("sku-2".into()), ..input("add_to_cart") };
    p.record(Event::parse(cart, T0).unwrap(), &limits);
    p.record(purchase("sku-3", T0), &limits);
    let b = p.behaviour(T0, WINDOW);
    assert_eq!((b.searches.len(), b.searches[0].times), (1, 2));
    assert_eq!(b.carted[0].product_id, "sku-2");
    assert_eq!(b.purchased[0].product_id, "sku-3");
    assert!(b.viewed.is_empty());
}

#[test]
fn an_old_purchase_is_still_owned_but_no_longer_recent() {
    let mut p = profile();
    p.record(purchase("bike", T0), &Limits::default());
    let b = p.behaviour(T0 + Duration::days(40), WINDOW);
    assert!(b.purchased.is_empty());
    assert_eq!(b.owned, ["bike"]);
}

#[test]
fn the_shoppers_view_says_what_not_when() {
    let mut p = profile();
    p.record(viewed("sku-1", T0), &Limits::default());
    let view = serde_json::to_value(p.view(T0, WINDOW)).unwrap();
    assert_eq!(
        view["recent"],
        json!({"window_days":30,"viewed":["sku-1"],"carted":[],"searches":[],"quick_replies":[]})
    );
    assert_eq!(view["consent"]["personalization"], json!(true));
}

#[test]
fn clicked_quick_replies_show_newest_first_once_each_and_not_without_consent() {
    let mut p = profile();
    let click = |choice: &str, minutes: i64| {
        let input = EventInput { choice: Some(choice.into()), ..input("quick_reply") };
        Event::parse(input, T0 + Duration::minutes(minutes)).unwrap()
    };
    for (choice, minutes) in [("It's a gift", 1), ("Under £20", 2), ("It's a gift", 3)] {
        p.record(click(choice, minutes), &Limits::default());
    }
    let later = T0 + Duration::minutes(5);
    assert_eq!(p.view(later, WINDOW).recent.quick_replies, ["It's a gift", "Under £20"]);
    p.set_personalization(false, later);
    assert!(p.view(later, WINDOW).recent.quick_replies.is_empty());
}
