//! The ranker's promises, on small catalogs built for each promise and on the demo store.

use std::path::Path;
use std::sync::Arc;

use concierge::catalog::{Catalog, CatalogIndex, Hint, Query, Signal};
use concierge::money::Amount;

fn index(lines: &[&str]) -> CatalogIndex {
    let (catalog, report) = Catalog::parse_jsonl(&lines.join("\n"), "test.jsonl").unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    CatalogIndex::build(Arc::new(catalog)).unwrap()
}

fn demo() -> CatalogIndex {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("catalog/demo.jsonl");
    let (catalog, _) = Catalog::load(&path).unwrap();
    CatalogIndex::build(Arc::new(catalog)).unwrap()
}

fn ids(index: &CatalogIndex, query: &Query) -> Vec<String> {
    index.rank(query).unwrap().iter().map(|r| r.product.id.clone()).collect()
}

fn words(text: &str) -> Vec<String> {
    text.split_whitespace().map(str::to_string).collect()
}

fn amount(text: &str) -> Amount {
    text.parse().unwrap()
}

#[test]
fn budget_is_a_hard_filter_with_inclusive_ends() {
    let index = index(&[
        r#"{"id":"a","title":"Train set","price":25,"currency":"GBP","rating":5,"review_count":900}"#,
        r#"{"id":"b","title":"Train set deluxe","price":25.01,"currency":"GBP","rating":5,"review_count":900}"#,
        r#"{"id":"c","title":"Train whistle","price":9.99,"currency":"GBP"}"#,
        r#"{"id":"d","title":"Train book","price":10,"currency":"GBP"}"#,
    ]);
    let query = Query {
        keywords: words("train"),
        min_price: Some(amount("10")),
        max_price: Some(amount("25")),
        k: 10,
        ..Query::default()
    };
    let mut found = ids(&index, &query);
    found.sort();
    assert_eq!(found, ["a", "d"]);
}

#[test]
fn no_demo_search_ever_returns_a_product_above_its_price_limit() {
    let index = demo();
    for max in ["5", "9.99", "12.5", "20", "25", "49.99", "100"] {
        for text in ["", "gift", "train", "running shoes", "silver necklace", "coffee", "book for a child"] {
            let query = Query { keywords: words(text), max_price: Some(amount(max)), k: 10, ..Query::default() };
            for ranked in index.rank(&query).unwrap() {
                assert!(
                    ranked.product.price <= amount(max),
                    "{} at {} for `{text}` under {max}",
                    ranked.product.id,
                    ranked.product.price
                );
                assert!(ranked.signals.iter().any(|s| matches!(s, Signal::Budget { .. })));
            }
        }
    }
}

#[test]
fn excluded_words_remove_every_product_mentioning_them() {
    let index = index(&[
        r#"{"id":"lego","title":"Building set","brand":"Lego","price":20,"currency":"GBP","rating":5,"review_count":500}"#,
        r#"{"id":"desc","title":"Castle set","description":"Works with lego bricks","price":20,"currency":"GBP"}"#,
        r#"{"id":"wood","title":"Wooden castle set","price":20,"currency":"GBP"}"#,
    ]);
    let query = Query { keywords: words("castle set"), exclude_words: words("lego"), k: 10, ..Query::default() };
    assert_eq!(ids(&index, &query), ["wood"]);
    let phrase = Query { keywords: words("set"), exclude_words: vec!["lego bricks".into()], k: 10, ..Query::default() };
    assert!(!ids(&index, &phrase).contains(&"desc".to_string()));
    assert!(ids(&index, &phrase).contains(&"lego".to_string()), "a phrase excludes only products with all its words");
}

#[test]
fn excluded_ids_and_unavailable_products_are_never_shown() {
    let index = index(&[
        r#"{"id":"a","title":"Mug","price":8,"currency":"GBP"}"#,
        r#"{"id":"b","title":"Mug","price":8,"currency":"GBP","in_stock":false}"#,
        r#"{"id":"c","title":"Mug","price":8,"currency":"GBP","stock":0}"#,
        r#"{"id":"d","title":"Mug","price":8,"currency":"GBP","stock":3}"#,
    ]);
    let query = Query { keywords: words("mug"), exclude_ids: vec!["a".into()], k: 10, ..Query::default() };
    assert_eq!(ids(&index, &query), ["d"]);
    let all = Query { include_unavailable: true, ..query };
    assert_eq!(ids(&index, &all).len(), 3);
}

#[test]
fn an_age_outside_the_products_range_filters_it_out_and_inside_it_is_a_reason() {
    let index = index(&[
        r#"{"id":"baby","title":"Soft train","price":8,"currency":"GBP","attributes":{"age_min":0,"age_max":2}}"#,
        r#"{"id":"kid","title":"Train set","price":8,"currency":"GBP","attributes":{"age_min":3,"age_max":8}}"#,
        r#"{"id":"any","title":"Wooden train","price":8,"currency":"GBP"}"#,
    ]);
    let ranked = index.rank(&Query { keywords: words("train"), age: Some(6), k: 10, ..Query::default() }).unwrap();
    let found: Vec<&str> = ranked.iter().map(|r| r.product.id.as_str()).collect();
    assert!(found.contains(&"kid") && found.contains(&"any") && !found.contains(&"baby"), "{found:?}");
    for r in &ranked {
        let has_age = r.signals.contains(&Signal::Age { age: 6 });
        assert_eq!(has_age, r.product.id == "kid", "only a product that states an age range earns the age reason");
    }
}

#[test]
fn products_matching_an_interest_outrank_better_rated_ones_that_do_not() {
    let index = index(&[
        r#"{"id":"star","title":"Puzzle","price":10,"currency":"GBP","rating":5,"review_count":1000}"#,
        r#"{"id":"dino","title":"Dinosaur puzzle","price":10,"currency":"GBP","rating":3.1,"review_count":4}"#,
    ]);
    let query = Query { keywords: words("puzzle"), interests: vec!["dinosaurs".into()], k: 2, ..Query::default() };
    let ranked = index.rank(&query).unwrap();
    assert_eq!(ranked[0].product.id, "dino");
    assert!(ranked[0].signals.contains(&Signal::Interest { term: "dinosaurs".into() }));
    assert!(!ranked[1].signals.iter().any(|s| matches!(s, Signal::Interest { .. })));
}

#[test]
fn more_of_the_request_matched_beats_a_higher_rating() {
    let index = index(&[
        r#"{"id":"one","title":"Wooden spoon","price":5,"currency":"GBP","rating":5,"review_count":900}"#,
        r#"{"id":"both","title":"Wooden train","price":5,"currency":"GBP","rating":3,"review_count":2}"#,
    ]);
    assert_eq!(ids(&index, &Query { keywords: words("wooden train"), k: 2, ..Query::default() })[0], "both");
}

#[test]
fn with_nothing_to_search_for_quality_decides() {
    let index = index(&[
        r#"{"id":"few","title":"A","price":5,"currency":"GBP","rating":5,"review_count":1}"#,
        r#"{"id":"many","title":"B","price":5,"currency":"GBP","rating":4.8,"review_count":400}"#,
        r#"{"id":"none","title":"C","price":5,"currency":"GBP"}"#,
        r#"{"id":"low","title":"D","price":5,"currency":"GBP","rating":2,"review_count":300}"#,
    ]);
    assert_eq!(ids(&index, &Query { k: 4, ..Query::default() }), ["many", "few", "none", "low"]);
}

#[test]
fn a_context_hint_leads_a_cold_start_and_says_why() {
    let index = demo();
    let hint =
        Hint { words: "running".into(), signal: Signal::Context { source: "referrer".into(), term: "running".into() } };
    let ranked = index.rank(&Query { hints: vec![hint], k: 5, ..Query::default() }).unwrap();
    assert_eq!(ranked.len(), 5);
    for r in &ranked {
        let text =
            format!("{} {:?} {:?} {:?}", r.product.title, r.product.tags, r.product.category, r.product.description)
                .to_lowercase();
        assert!(text.contains("run"), "{} is not about running", r.product.title);
        assert!(r.signals.iter().any(|s| matches!(s, Signal::Context { .. })));
    }
}

#[test]
fn the_top_results_are_not_copies_of_one_product_line() {
    let index = index(&[
        r#"{"id":"m1","title":"Stoneware mug blue","brand":"Kiln","price":9,"currency":"GBP","rating":4.9,"review_count":300}"#,
        r#"{"id":"m2","title":"Stoneware mug green","brand":"Kiln","price":9,"currency":"GBP","rating":4.9,"review_count":290}"#,
        r#"{"id":"m3","title":"Stoneware mug grey","brand":"Kiln","price":9,"currency":"GBP","rating":4.9,"review_count":280}"#,
        r#"{"id":"o1","title":"Enamel camping mug","brand":"Trail","price":9,"currency":"GBP","rating":4.0,"review_count":20}"#,
        r#"{"id":"o2","title":"Travel mug","brand":"Thermo","price":9,"currency":"GBP","rating":3.9,"review_count":20}"#,
    ]);
    let top3 = ids(&index, &Query { keywords: words("mug"), k: 3, ..Query::default() });
    assert_eq!(top3.iter().filter(|id| id.starts_with('m')).count(), 1, "{top3:?}");
    let all = ids(&index, &Query { keywords: words("mug"), k: 5, ..Query::default() });
    assert_eq!(all.len(), 5, "diversity reorders, it never hides");
}

#[test]
fn every_result_explains_itself_and_ranking_is_deterministic() {
    let index = demo();
    let query =
        Query { keywords: words("gift for a gardener"), max_price: Some(amount("30")), k: 8, ..Query::default() };
    let first = ids(&index, &query);
    assert_eq!(first, ids(&index, &query));
    for r in index.rank(&query).unwrap() {
        assert!(!r.signals.is_empty(), "{} has no reason", r.product.id);
    }
}

#[test]
fn regression_issue_15_a_request_whose_words_match_nothing_in_budget_shows_nothing_not_filler() {
    // "she loves drawing and crafts, £20 to £50": the one art product is £17.99, so nothing
    // fits; a dinosaur night light is not shown as a pick for her.
    let index = demo();
    let query = Query {
        interests: vec!["drawing".into(), "crafts".into()],
        min_price: Some(amount("20")),
        max_price: Some(amount("50")),
        k: 3,
        ..Query::default()
    };
    assert_eq!(ids(&index, &query), Vec::<String>::new());
}

#[test]
fn the_closest_products_outside_the_budget_are_alternatives_saying_how_they_differ() {
    let index = index(&[
        r#"{"id":"in","title":"Art Case","price":30,"currency":"GBP"}"#,
        r#"{"id":"under","title":"Small Art Case","price":17.99,"currency":"GBP"}"#,
        r#"{"id":"far","title":"Tiny Art Case","price":2,"currency":"GBP"}"#,
        r#"{"id":"over","title":"Deluxe Art Case","price":52,"currency":"GBP"}"#,
        r#"{"id":"lamp","title":"Night Light","price":19,"currency":"GBP"}"#,
    ]);
    let query = Query {
        keywords: words("art case"),
        min_price: Some(amount("20")),
        max_price: Some(amount("50")),
        k: 3,
        ..Query::default()
    };
    let alternatives = index.alternatives(&query, &["in".to_string()], 2).unwrap();
    let mut found: Vec<&str> = alternatives.iter().map(|r| r.product.id.as_str()).collect();
    found.sort();
    assert_eq!(found, ["over", "under"], "just outside before far outside (£2 for a £20 floor)");
    for ranked in &alternatives {
        let expected = match ranked.product.id.as_str() {
            "over" => Signal::Outside { over: Some(amount("50")), under: None },
            _ => Signal::Outside { over: None, under: Some(amount("20")) },
        };
        assert_eq!(ranked.signals[0], expected);
    }
    for ranked in &alternatives {
        assert!(!ranked.signals.iter().any(|s| matches!(s, Signal::Budget { .. })), "not within the budget");
    }
}

#[test]
fn a_nearby_type_is_an_alternative_when_the_type_asked_for_has_nothing_left() {
    let index = index(&[
        r#"{"id":"book","title":"Dinosaur Book","price":8,"currency":"GBP"}"#,
        r#"{"id":"book2","title":"Space Book","price":9,"currency":"GBP"}"#,
        r#"{"id":"plush","title":"Dinosaur Plush","price":12,"currency":"GBP"}"#,
        r#"{"id":"mug","title":"Coffee Mug","price":6,"currency":"GBP"}"#,
    ]);
    let query = Query {
        keywords: words("dinosaur book"),
        exclude_ids: vec!["book".into(), "book2".into()],
        k: 3,
        ..Query::default()
    };
    assert_eq!(ids(&index, &query), Vec::<String>::new());
    let alternatives = index.alternatives(&query, &[], 3).unwrap();
    let found: Vec<&str> = alternatives.iter().map(|r| r.product.id.as_str()).collect();
    assert_eq!(found, ["plush"]);
    assert_eq!(alternatives[0].signals[0], Signal::OtherType { asked: "book".into() });
}

#[test]
fn regression_issue_15_a_die_cast_car_is_found_written_apart_and_a_title_beats_a_category() {
    let index = index(&[
        r#"{"id":"helmet","title":"Kids Firefighter Helmet","category":["Die-Cast & Toy Vehicles","Cars"],"price":11.99,"currency":"GBP","rating":5,"review_count":900}"#,
        r#"{"id":"car","title":"SIKU Die Cast Racing Car","category":["Die-Cast & Toy Vehicles","Cars"],"price":8,"currency":"GBP"}"#,
    ]);
    let query = Query { keywords: words("die-cast car"), k: 2, ..Query::default() };
    assert_eq!(ids(&index, &query), ["car", "helmet"]);
}

/// One opening message to the demo store's assistant, as the chat answers it.
fn demo_reply(text: &str) -> concierge::chat::reply::Reply {
    use concierge::chat::assistant::Surroundings;
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let loaded = concierge::chat::load(
        &root.join("catalog/demo.jsonl"),
        Some(&root.join("prompts")),
        concierge::money::ExchangeRates::default(),
        None,
    )
    .unwrap();
    let assistant = loaded.assistant;
    let mut session = concierge::dialogue::Session::default();
    let said = assistant.understand(&session, text);
    let decision = assistant.decide(&mut session, &said);
    assistant.respond(&mut session, &decision, Surroundings::default()).unwrap()
}

#[test]
fn a_reply_offers_the_closest_products_apart_with_a_budget_that_includes_them() {
    let reply = demo_reply("a present for my niece who loves drawing and crafts, £20 to £50");
    assert!(reply.products.is_empty(), "{:?}", reply.products);
    let first = &reply.alternatives[0];
    assert_eq!((first.id.as_str(), first.price), ("toy-026", amount("17.99")), "the catalog's price");
    assert_eq!(first.why[0], "Just under your range: Crayon Cove Art Case (120 pieces), £17.99");
    assert_eq!(reply.quick_replies, ["£15 to £50"]);
    let json = serde_json::to_value(&reply).unwrap();
    assert_eq!(json["alternatives"][0]["id"], "toy-026");
    assert_eq!(json["slots"]["budget"]["stated"], "£20 to £50");
}

#[test]
fn regression_issue_15_an_interest_inside_a_longer_name_is_no_reason() {
    let index = index(&[
        r#"{"id":"rangers","title":"Power Rangers Figures Twin Pack","category":["Figures & Playsets","Science Fiction & Fantasy"],"price":5.99,"currency":"GBP","rating":5,"review_count":900}"#,
        r#"{"id":"zod","title":"Superman General Zod Figure","category":["Figures & Playsets","Science Fiction & Fantasy"],"price":4.99,"currency":"GBP"}"#,
        r#"{"id":"kit","title":"Water Science Kit","category":["Arts & Crafts","Children's Craft Kits"],"price":14.99,"currency":"GBP"}"#,
        r#"{"id":"mask","title":"The Amazing Spider-Man Mask","category":["Fancy Dress","Masks"],"price":9.99,"currency":"GBP"}"#,
    ]);
    let interest = |term: &str| Query { interests: vec![term.into()], k: 4, ..Query::default() };
    for r in index.rank(&interest("science")).unwrap() {
        let claimed = r.signals.contains(&Signal::Interest { term: "science".into() });
        assert_eq!(claimed, r.product.id == "kit", "{}: {:?}", r.product.title, r.signals);
    }
    assert_eq!(ids(&index, &interest("science"))[0], "kit", "the product that means it comes first");
    let whole = index.rank(&interest("science fiction")).unwrap();
    assert!(
        whole
            .iter()
            .any(|r| r.product.id == "rangers"
                && r.signals.contains(&Signal::Interest { term: "science fiction".into() }))
    );
    let spiders = index.rank(&interest("spiders")).unwrap();
    assert!(spiders.iter().all(|r| r.signals.iter().all(|s| s.kind() != "interest")), "Spider-Man is no spider");
}

#[test]
fn regression_issue_15_a_die_cast_car_is_found_hyphenated_joined_or_apart() {
    let index = index(&[
        r#"{"id":"plain","title":"Shake and Go Sports Car","category":["Toy Cars"],"price":5,"currency":"GBP","rating":5,"review_count":900}"#,
        r#"{"id":"joined","title":"Oxford Diecast Police Car","category":["Toy Cars"],"price":6,"currency":"GBP"}"#,
        r#"{"id":"apart","title":"SIKU Die Cast Racing Car","category":["Toy Cars"],"price":7,"currency":"GBP"}"#,
        r#"{"id":"hyphen","title":"Maisto Die-Cast Car","category":["Toy Cars"],"price":8,"currency":"GBP"}"#,
    ]);
    let query = Query { keywords: words("die-cast car"), k: 4, ..Query::default() };
    let found = ids(&index, &query);
    assert_eq!(found[3], "plain", "{found:?}");
    let query = Query { keywords: words("diecast car"), k: 4, ..Query::default() };
    assert_eq!(ids(&index, &query)[3], "plain");
}

#[test]
fn regression_issue_15_remote_controlled_is_remote_control_and_a_superhero_a_super_hero() {
    let index = index(&[
        r#"{"id":"pixar","title":"Disney Pixar Cars Toy Car","category":["Toy Cars"],"price":5,"currency":"GBP","rating":5,"review_count":900}"#,
        r#"{"id":"radio","title":"Radio Controlled Remote Racing Car","category":["Toy Cars"],"price":20,"currency":"GBP"}"#,
        r#"{"id":"remote","title":"Remote Control Stunt Car","category":["Toy Cars"],"price":25,"currency":"GBP"}"#,
        r#"{"id":"squad","title":"Marvel Super Hero Squad Hulk Figure","category":["Figures"],"price":8,"currency":"GBP"}"#,
        r#"{"id":"cape","title":"Superhero Cape Figure","category":["Figures"],"price":6,"currency":"GBP"}"#,
        r#"{"id":"knight","title":"Knight Figure","category":["Figures"],"price":3,"currency":"GBP","rating":5,"review_count":900}"#,
    ]);
    for asked in ["remote controlled car", "remote control car"] {
        let query = Query { keywords: words(asked), k: 3, ..Query::default() };
        let found = ids(&index, &query);
        assert_eq!(found[2], "pixar", "{asked}: {found:?}");
    }
    let query = Query { keywords: words("superhero figure"), k: 3, ..Query::default() };
    assert_eq!(ids(&index, &query)[2], "knight");
}
