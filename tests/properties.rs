//! Properties over generated inputs (proptest): understanding never panics and never invents
//! a budget from words that hold no amount; money survives JSON and the shopper's own wording;
//! the chat frame decoder answers any text with a frame or a protocol error code.

use std::sync::OnceLock;

use concierge::chat::protocol::ClientFrame;
use concierge::money::{Amount, Currency};
use concierge::slots::SlotName;
use concierge::understand::{Lexicon, Understander};
use proptest::prelude::*;
use rust_decimal::Decimal;

fn understander() -> &'static Understander {
    static UNDERSTANDER: OnceLock<Understander> = OnceLock::new();
    UNDERSTANDER.get_or_init(|| Understander::new(Lexicon::builtin()))
}

/// Words a shopper might use that say nothing about money or numbers.
const WORDS: &[&str] = &[
    "gift",
    "for",
    "my",
    "mum",
    "she",
    "likes",
    "trains",
    "something",
    "cheaper",
    "else",
    "the",
    "a",
    "red",
    "blue",
    "nice",
    "present",
    "nephew",
    "loves",
    "garden",
    "please",
    "hi",
    "thanks",
    "wooden",
    "cosy",
    "socks",
    "budget",
    "price",
    "cheap",
    "expensive",
    "under",
    "around",
    "about",
    "max",
    "why",
    "second",
    "dinosaurs",
    "birthday",
    "christmas",
    "friend",
    "colleague",
    "running",
    "shoes",
];

fn amountless_message() -> impl Strategy<Value = String> {
    let word = proptest::sample::select(WORDS);
    let gap = proptest::sample::select(&[" ", ", ", "! ", "? ", " - ", "... "][..]);
    proptest::collection::vec((word, gap), 1..12)
        .prop_map(|parts| parts.into_iter().map(|(w, g)| format!("{w}{g}")).collect::<String>())
}

/// An amount with at most two decimal places, from 0.01 to 99,999.99.
fn amount() -> impl Strategy<Value = Amount> {
    (1u64..10_000_000).prop_map(|cents| Amount::new(Decimal::new(cents as i64, 2)).unwrap())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn understanding_any_text_never_panics(text in "\\PC{0,200}") {
        let _ = understander().understand(&text);
        let _ = understander().understand_with(&text, Some(SlotName::Budget));
    }

    #[test]
    fn no_budget_is_invented_from_words_without_an_amount(text in amountless_message()) {
        let understood = understander().understand(&text);
        prop_assert!(understood.slots.budget.is_none(), "{text:?} gave {:?}", understood.slots.budget);
    }

    #[test]
    fn an_amount_survives_json(amount in amount()) {
        let json = serde_json::to_string(&amount).unwrap();
        let back: Amount = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(back, amount);
        prop_assert_eq!(Amount::from_f64(amount.to_f64()), Some(amount));
    }

    #[test]
    fn a_budget_written_as_the_shop_writes_money_is_read_back_exactly(amount in amount()) {
        let gbp: Currency = "GBP".parse().unwrap();
        let text = format!("under {}", gbp.format(amount));
        let budget = understander().understand(&text).slots.budget;
        prop_assert_eq!(budget.and_then(|b| b.max), Some(amount), "{}", text);
    }

    #[test]
    fn any_text_decodes_to_a_frame_or_a_protocol_error(text in "\\PC{0,300}") {
        if let Err(error) = ClientFrame::parse(&text) {
            prop_assert!(["bad_message", "unknown_type"].contains(&error.code));
        }
    }

    #[test]
    fn any_json_object_with_a_type_decodes_or_gets_a_protocol_error(
        kind in proptest::sample::select(&["hello", "say", "event", "dance", ""][..]),
        key in "[a-z_]{1,10}",
        value in proptest::arbitrary::any::<Option<i64>>(),
        text in "\\PC{0,40}",
    ) {
        let frame = serde_json::json!({"type": kind, key: value, "text": text});
        if let Err(error) = ClientFrame::parse(&frame.to_string()) {
            prop_assert!(["bad_message", "unknown_type"].contains(&error.code));
        }
    }
}
