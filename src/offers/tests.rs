use std::sync::Arc;

use proptest::prelude::*;
use serde_json::json;
use time::macros::datetime;

use super::*;
use crate::chat::conversation::{Conversation, Profiles};
use crate::chat::query::PageContext;
use crate::profile::{
    Durability, Event, EventInput, Limits, OrderSource, Recorded, ShopperId, SledStore, Source, StoreOptions,
};
use crate::slots::SlotName;

const NOW: OffsetDateTime = datetime!(2026-11-20 10:00 UTC);

fn gbp() -> Currency {
    "GBP".parse().unwrap()
}

#[test]
fn a_rule_is_shown_with_its_condition_in_plain_words_and_only_when_it_holds() {
    let offers = Offers::parse("offers.toml", include_str!("../../prompts/offers.toml")).unwrap();
    let first = offers.applicable(&Facts::default(), gbp());
    assert_eq!(first.len(), 1, "{first:?}");
    assert_eq!(first[0].rule, "because this is your first order");
    assert_eq!(first[0].code.as_deref(), Some("WELCOME10"));
    let loyal = Facts { orders: 4, spend_365: Decimal::new(200, 0), occasion: Some("birthday".into()) };
    let ids: Vec<String> = offers.applicable(&loyal, gbp()).into_iter().map(|o| o.id).collect();
    assert_eq!(ids, ["loyal", "free-shipping", "gift-wrap"]);
    let rules: Vec<String> = offers.applicable(&loyal, gbp()).into_iter().map(|o| o.rule).collect();
    assert_eq!(rules[1], "because you have spent £150 or more with us in the last 365 days");
    assert_eq!(
        rules[2],
        "because you told us it is for birthday or christmas or anniversary or mothers day or fathers day"
    );
}

#[test]
fn a_broken_offers_file_is_reported_at_its_lines() {
    let text = "[[offer]]\nid = \"a\"\nwhen = {}\nbenefit = { kind = \"free_shipping\" }\ntext = \"x\"\n\n[[offer]]\nid = \"b\"\nwhen = { min_orders = 2 }\nbenefit = { kind = \"welcome_code\" }\ntext = \"y\"\n";
    let problems = Offers::parse("offers.toml", text).unwrap_err();
    let shown: Vec<String> = problems.iter().map(ToString::to_string).collect();
    assert!(shown[0].starts_with("offers.toml:2: offer `a` has no condition"), "{shown:?}");
    assert!(shown[1].starts_with("offers.toml:8: offer `b`: a welcome_code needs its `code`"), "{shown:?}");
    let unknown = Offers::parse(
        "offers.toml",
        "[[offer]]\nid = \"c\"\nwhen = { first_order = true }\nbenefit = { kind = \"discount\" }\ntext = \"z\"\n",
    );
    assert_eq!(unknown.unwrap_err()[0].line, 4, "an unknown benefit is placed at its line");
}

/// Regression: purchases a shopper posted with their own token counted towards `min_orders`,
/// `min_spend_365` and `first_order`, so anyone could grant themselves the loyalty offer.
#[test]
fn purchases_a_shopper_posts_themselves_count_for_no_offer() {
    let mut profile = Profile::new(ShopperId::random(), NOW - Duration::days(30));
    for n in 0..5 {
        profile.record(purchase(n, 9_000, 10, OrderSource::Shopper), &Limits::default());
    }
    let facts = Facts::of(Some(&profile), &Slots::default(), gbp(), NOW);
    assert_eq!((facts.orders, facts.spend_365), (0, Decimal::ZERO), "{facts:?}");
    profile.record(purchase(9, 2_000, 5, OrderSource::Shop), &Limits::default());
    let facts = Facts::of(Some(&profile), &Slots::default(), gbp(), NOW);
    assert_eq!((facts.orders, facts.spend_365), (1, Decimal::new(20, 0)), "the shop's order counts");
}

#[test]
fn the_shops_record_of_an_order_replaces_the_version_the_shopper_posted() {
    let mut profile = Profile::new(ShopperId::random(), NOW - Duration::days(30));
    assert_eq!(profile.record(purchase(1, 50_000, 3, OrderSource::Shopper), &Limits::default()), Recorded::Stored);
    assert_eq!(profile.record(purchase(1, 1_000, 3, OrderSource::Shop), &Limits::default()), Recorded::Stored);
    assert_eq!(profile.orders().len(), 1);
    let order = &profile.orders()[0];
    assert_eq!((order.source, order.total.map(|t| t.decimal())), (OrderSource::Shop, Some(Decimal::new(10, 0))));
    // The shopper posting it again changes nothing: the shop's version stays.
    assert_eq!(profile.record(purchase(1, 90_000, 3, OrderSource::Shopper), &Limits::default()), Recorded::Duplicate);
    assert_eq!(profile.orders()[0].source, OrderSource::Shop);
}

fn demo() -> crate::chat::assistant::Assistant {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    crate::chat::load(&root.join("catalog/demo.jsonl"), Some(&root.join("prompts")), Default::default(), None)
        .unwrap()
        .assistant
}

fn purchase(n: usize, pence: u32, days_ago: i64, source: OrderSource) -> Event {
    let total = Decimal::new(i64::from(pence), 2);
    let input: EventInput = serde_json::from_value(json!({
        "kind": "purchase", "product_id": "toy-001",
        "order": {"id": format!("o-{n}"), "total": total.to_string(), "currency": "GBP"},
        "at": (NOW - Duration::days(days_ago)).format(&time::format_description::well_known::Rfc3339).unwrap(),
    }))
    .unwrap();
    Event::parse(input, NOW).unwrap().recorded_by(source)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Whoever asks, a card's price is the catalog's; an offer appears exactly when its rule
    /// holds, judged here from the orders and occasion the test itself made.
    #[test]
    fn prices_never_depend_on_the_shopper_and_offers_appear_only_when_their_rules_hold(
        orders in prop::collection::vec(
            (1u32..20_000, 0i64..600, prop::sample::select(vec![OrderSource::Shop, OrderSource::Shopper])),
            0..6,
        ),
        occasion in prop::sample::select(vec![None, Some("birthday"), Some("christmas"), Some("wedding")]),
        request in prop::sample::select(vec![
            "a gift for my nephew who loves trains under £30",
            "something for my dad, he likes gardening",
            "a present for my wife",
        ]),
    ) {
        let assistant = demo();
        let dir = tempfile::tempdir().unwrap();
        let options = StoreOptions { durability: Durability::None, ..StoreOptions::default() };
        let store = Arc::new(SledStore::open(dir.path(), options).unwrap());
        let profiles = Profiles { store, window: crate::profile::DEFAULT_BEHAVIOUR_WINDOW, limits: Limits::default() };
        let id = ShopperId::random();
        let (_, durable) = profiles.store.update(id, NOW - Duration::days(700), &mut |p| {
            for (n, (pence, days, source)) in orders.iter().enumerate() {
                p.record(purchase(n, *pence, *days, *source), &Limits::default());
            }
            if let Some(occasion) = occasion {
                let slots = Slots { occasion: Some(occasion.to_string()), ..Slots::default() };
                p.declare(SlotName::Occasion, &slots, Source::Chat, NOW);
            }
        }).unwrap();
        durable.wait().unwrap();
        let opened = Conversation::start(&assistant, &profiles, Some(id), None, PageContext::default(), NOW).unwrap();
        let mut conversation = opened.conversation;
        let said = assistant.understand(&conversation.session, request);
        let reply = conversation.say(&assistant, &profiles, &said, None, NOW).unwrap().reply;

        let catalog = assistant.index().catalog();
        for card in &reply.products {
            let product = catalog.get(&card.id).unwrap();
            prop_assert_eq!(card.price, product.price);
            prop_assert_eq!(card.currency, product.currency);
        }
        // Only the orders the shop recorded count: a shopper's own posts never change an offer.
        let shops: Vec<_> = orders.iter().filter(|(_, _, s)| *s == OrderSource::Shop).collect();
        let count = shops.len();
        let spend: Decimal = shops.iter().filter(|(_, d, _)| *d < 365).map(|(p, _, _)| Decimal::new(i64::from(*p), 2)).sum();
        let told = reply.slots.occasion.clone();
        let rules = assistant.prompts().offers().rules();
        let shown: Vec<&str> = reply.offers.iter().map(|o| o.id.as_str()).collect();
        for rule in rules {
            let w = &rule.when;
            let holds = w.first_order.is_none_or(|f| f == (count == 0))
                && w.min_orders.is_none_or(|n| count >= n as usize)
                && w.min_spend_365.is_none_or(|s| spend >= s)
                && (w.occasion.is_empty() || told.as_ref().is_some_and(|o| w.occasion.contains(o)));
            let expected = holds && !reply.products.is_empty();
            prop_assert_eq!(shown.contains(&rule.id.as_str()), expected, "rule {} with {} orders, {} spent, occasion {:?}", rule.id, count, spend, told);
        }
    }
}
