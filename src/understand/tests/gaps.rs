//! Issue 15's understanding gaps, as general rules: units after numbers, letters and a currency
//! symbol written apart, the subcontinent's `/-`, gendered child words with an age, and a
//! person who only told or did something.

use super::*;

#[test]
fn a_number_followed_by_a_unit_of_time_or_measure_is_never_a_budget() {
    for text in [
        "can I return it in less than 30 days",
        "delivery within 2 weeks please",
        "under 10 km from here",
        "a phone with at least 64 gb",
        "a power bank of 20000 mah",
        "something that lasts over 5 years",
        "a tv under 55 inches",
        "a puzzle under 500 pieces",
        "I need 6 of them instead of 4",
        "he runs about 40 miles a week",
        "less than 3 hours of battery is no good",
    ] {
        assert_eq!(understand(text).slots.budget, None, "{text:?}");
    }
}

#[test]
fn a_unit_does_not_hide_the_budget_beside_it() {
    let u = understand("a 64 gb phone under 300");
    assert_eq!(u.slots.budget.and_then(|b| b.max), Some(crate::money::Amount::units(300)));
}

#[test]
fn letters_and_a_currency_symbol_written_apart_are_an_article_and_the_symbol() {
    for text in ["a $40 limit", "a $40 gift for my sister", "spend a $50 max"] {
        let budget = understand(text).slots.budget.expect(text);
        assert_ne!(budget.currency.map(|c| c.code()), Some("AUD"), "{text:?}");
    }
    for text in ["A$40 max", "under AU$60"] {
        let budget = understand(text).slots.budget.expect(text);
        assert_eq!(budget.currency.map(|c| c.code()), Some("AUD"), "{text:?}");
    }
}

#[test]
fn a_slash_dash_after_an_amount_says_it_is_money() {
    for (text, max) in [("budget 50,000/-", 50_000), ("under 1500/-", 1500), ("a saree around 2,000/- please", 2300)] {
        let budget = understand(text).slots.budget.unwrap_or_else(|| panic!("{text:?}: no budget"));
        assert_eq!(budget.max, Some(crate::money::Amount::units(max)), "{text:?}");
    }
}

#[test]
fn a_gendered_child_word_with_an_age_is_a_child_recipient() {
    for (text, word, age) in [
        ("a gift for a girl of 7", "girl", 7),
        ("something for a boy aged 10", "boy", 10),
        ("present for a little girl of 4", "little girl", 4),
        ("for a boy of 12 who loves football", "boy", 12),
    ] {
        let slots = understand(text).slots;
        assert_eq!(slots.recipient.as_deref(), Some("child"), "{text:?}");
        assert_eq!(slots.recipient_word.as_deref(), Some(word), "{text:?}");
        assert_eq!(slots.age, Some(age), "{text:?}");
    }
}

#[test]
fn a_person_who_only_told_or_did_something_is_not_the_recipient() {
    for text in [
        "my friend told me about your shop, I need running shoes",
        "my sister recommended you",
        "my colleague said you sell good mugs",
        "my mum made me a scarf like this once",
        "my brother just bought one of these",
    ] {
        let slots = understand(text).slots;
        assert_eq!(slots.recipient, None, "{text:?}");
        assert_ne!(slots.purpose, Some(crate::slots::Purpose::Myself), "{text:?}: purpose stays unknown");
    }
}

#[test]
fn a_person_the_purchase_is_for_is_the_recipient() {
    for (text, recipient) in [
        ("a gift for my friend", "friend"),
        ("my mum needs a new kettle", "mother"),
        ("my sister recommended you, I want a gift for my dad", "father"),
        ("something for my wife, she likes jewellery", "partner"),
    ] {
        assert_eq!(understand(text).slots.recipient.as_deref(), Some(recipient), "{text:?}");
    }
}
