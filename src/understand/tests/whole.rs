//! Whole messages, the JSON shape, keywords, and robustness against any input.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::*;
use crate::slots::Purpose;

#[test]
fn a_typical_opening_message_fills_every_slot_it_states() {
    let u = understand("Hi! I need a present for my 6yo nephew's birthday, under £25. He loves trains, no lego please");
    let s = &u.slots;
    assert_eq!(s.purpose, Some(Purpose::Gift));
    assert_eq!((s.recipient.as_deref(), s.recipient_word.as_deref()), (Some("child"), Some("nephew")));
    assert_eq!(s.age, Some(6));
    assert_eq!(s.occasion.as_deref(), Some("birthday"));
    assert_eq!(s.budget.unwrap().max.unwrap().to_string(), "25");
    assert_eq!(s.interests, vec!["trains"]);
    assert_eq!(s.exclude, vec!["lego"]);
    assert_eq!(u.acts, vec![Act::Greeting]);
    assert!(u.keywords.is_empty(), "{:?}", u.keywords);
}

#[test]
fn json_has_the_interface_keys_first_then_the_extras() {
    let json = serde_json::to_string(&understand("wooden train set for my nephew")).unwrap();
    assert_eq!(
        json,
        r#"{"purpose":"gift","recipient":"child","recipient_word":"nephew","age":null,"occasion":null,"budget":null,"interests":[],"exclude":[],"keywords":["wooden","train","set"],"acts":[],"notes":[]}"#
    );
    let json = serde_json::to_string(&understand("")).unwrap();
    assert_eq!(
        json,
        r#"{"purpose":null,"recipient":null,"age":null,"occasion":null,"budget":null,"interests":[],"exclude":[],"keywords":[],"acts":[],"notes":[]}"#
    );
    let json = serde_json::to_value(understand("between £20 and £30")).unwrap();
    let words = "between £20 and £30";
    assert_eq!(json["budget"], serde_json::json!({"min": 20, "max": 30, "currency": "GBP", "stated": words}));
    let bare = serde_json::to_value(understand("£30")).unwrap();
    assert_eq!(
        bare["budget"],
        serde_json::json!({"min": null, "max": 30, "currency": "GBP"}),
        "a bare amount is not kept"
    );
}

#[test]
fn a_budget_keeps_the_shoppers_words_when_they_said_more_than_an_amount() {
    let stated = |text: &str| understand(text).slots.budget.and_then(|b| b.stated).map(|s| s.to_string());
    assert_eq!(stated("something for my wife, about $40").as_deref(), Some("about $40"));
    assert_eq!(stated("a kite, £20 max").as_deref(), Some("£20 max"));
    assert_eq!(stated("around 30ish please").as_deref(), Some("around 30ish"));
    assert_eq!(stated("over 20 but under 40"), None, "two statements are said back as one range");
    assert_eq!(stated("I can spend 50"), None);
}

#[test]
fn keywords_are_the_content_words_left() {
    let cases: &[(&str, &[&str])] = &[
        ("wooden train set for my 6yo nephew", &["wooden", "train", "set"]),
        ("I'm looking for a ps5 game", &["ps5", "game"]),
        ("a t-shirt", &["t-shirt"]),
        ("iphone 15 case", &["iphone", "15", "case"]),
        ("women's shoes", &["women", "shoes"]),
        ("Can you recommend a nice scarf?", &["scarf"]),
        ("BOARD GAMES board games", &["board", "games"]),
    ];
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|(text, want)| {
            let got = understand(text).keywords;
            (got != *want).then(|| format!("{text:?}: want {want:?}, got {got:?}"))
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn case_quotes_emoji_and_spacing_do_not_change_the_understanding() {
    let plain = understand("gift for my mum's birthday, under £30, she loves gardening");
    for variant in [
        "GIFT FOR MY MUM'S BIRTHDAY, UNDER £30, SHE LOVES GARDENING",
        "gift for my mum’s birthday 🎂, under £30 — she loves gardening 🌷",
        "  gift   for my  mum's   birthday ,under £30,she loves gardening  ",
    ] {
        assert_eq!(understand(variant).slots, plain.slots, "{variant}");
    }
}

#[test]
fn random_input_never_panics() {
    let alphabet: Vec<char> = "abcdefghijklmnopqrstuvwxyz ABCXYZ 0123456789 .,;:!?-–—'’\"()[]#+~%/&*£$€¥₹ \n\t\
        éüßİǅ\u{301}\u{200d}🎂🚂½²"
        .chars()
        .collect();
    let words =
        ["under", "around", "between", "and", "£20", "6yo", "no", "loves", "my", "mum's", "40th", "-", "k", "ish"];
    let u = understander();
    let mut rng = StdRng::seed_from_u64(7);
    for _ in 0..3000 {
        let len = rng.random_range(0..60);
        let mut text = String::new();
        for _ in 0..len {
            if rng.random_bool(0.3) {
                text.push_str(words[rng.random_range(0..words.len())]);
                text.push(' ');
            } else {
                text.push(alphabet[rng.random_range(0..alphabet.len())]);
            }
        }
        let got = u.understand(&text);
        if let Some(budget) = got.slots.budget {
            assert!(budget.min.is_some() || budget.max.is_some(), "{text:?}");
        }
    }
}

#[test]
fn long_input_is_understood_in_linear_time() {
    let sentence = "I need a present for my 6yo nephew, under £25, he loves trains and dinosaurs but no lego. ";
    let long = sentence.repeat(10_240 / sentence.len() + 1);
    let u = understander();
    let started = std::time::Instant::now();
    let got = u.understand(&long);
    let elapsed = started.elapsed();
    assert_eq!(got.slots.age, Some(6));
    assert!(elapsed < std::time::Duration::from_millis(500), "10 KB took {elapsed:?}");
    let weird = "1-".repeat(5000) + &"£".repeat(5000) + &"no ".repeat(3000);
    let _ = u.understand(&weird);
}

#[test]
fn adversarial_long_input_stays_linear() {
    let u = understander();
    let cases = [
        "ok ".repeat(2000) + &"1 ".repeat(2000),
        "loves the ".repeat(1500),
        "no all ".repeat(1500),
        (0..2000).map(|i| format!("word{i} ")).collect::<String>(),
        "under £1 ".repeat(1200),
        "my son is 6 and ".repeat(600),
        "-".repeat(10_000),
        "the ".repeat(2500) + "lego",
    ];
    for text in cases {
        let started = std::time::Instant::now();
        let _ = u.understand(&text);
        let elapsed = started.elapsed();
        assert!(elapsed < std::time::Duration::from_millis(800), "{} bytes took {elapsed:?}", text.len());
    }
}
