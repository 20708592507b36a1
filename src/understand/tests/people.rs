//! Recipients, purpose and ages.

use super::*;
use crate::slots::{Purpose, SlotName};

fn check_recipients(cases: &[(&str, Option<&str>, Option<&str>)]) {
    let u = understander();
    let mut failures = Vec::new();
    for (text, recipient, word) in cases {
        let got = u.understand(text);
        let pair = (got.slots.recipient.as_deref(), got.slots.recipient_word.as_deref());
        if pair != (*recipient, *word) {
            failures.push(format!("{text:?}: want {recipient:?} ({word:?}), got {pair:?}"));
        }
    }
    assert!(failures.is_empty(), "{} of {} failed:\n{}", failures.len(), cases.len(), failures.join("\n"));
}

#[test]
fn family_words_normalise_to_the_interface_recipients() {
    check_recipients(&[
        ("a gift for my mum", Some("mother"), Some("mum")),
        ("something for my mom", Some("mother"), Some("mom")),
        ("for mummy", Some("mother"), Some("mummy")),
        ("present for my dad", Some("father"), Some("dad")),
        ("for my daddy", Some("father"), Some("daddy")),
        ("my pop loves fishing", Some("father"), Some("pop")),
        ("for my wife", Some("partner"), Some("wife")),
        ("my husband", Some("partner"), Some("husband")),
        ("girlfriend", Some("partner"), Some("girlfriend")),
        ("a boyfriend gift", Some("partner"), Some("boyfriend")),
        ("my Fiancée", Some("partner"), Some("fiancee")),
        ("for my other half", Some("partner"), Some("other half")),
        ("hubby's birthday", Some("partner"), Some("hubby")),
        ("my son", Some("child"), Some("son")),
        ("for my daughter", Some("child"), Some("daughter")),
        ("my 6yo nephew", Some("child"), Some("nephew")),
        ("my niece", Some("child"), Some("niece")),
        ("a toddler", Some("child"), Some("toddler")),
        ("for a baby", Some("child"), Some("baby")),
        ("a teenager", Some("child"), Some("teenager")),
        ("a 10 year old boy", Some("child"), Some("boy")),
        ("my grandson", Some("child"), Some("grandson")),
        ("the grandkids", Some("child"), Some("grandkids")),
        ("my best friend", Some("friend"), Some("best friend")),
        ("bestie", Some("friend"), Some("bestie")),
        ("for my mate", Some("friend"), Some("mate")),
        ("my bff", Some("friend"), Some("bff")),
        ("my brother", Some("sibling"), Some("brother")),
        ("sister", Some("sibling"), Some("sister")),
        ("for my sister-in-law", Some("sibling"), Some("sister-in-law")),
        ("my sister in law", Some("sibling"), Some("sister in law")),
        ("my mother-in-law", Some("mother"), Some("mother-in-law")),
        ("gran", Some("grandparent"), Some("gran")),
        ("my granny", Some("grandparent"), Some("granny")),
        ("for nan", Some("grandparent"), Some("nan")),
        ("my grandpa", Some("grandparent"), Some("grandpa")),
        ("a coworker", Some("colleague"), Some("coworker")),
        ("my boss", Some("colleague"), Some("boss")),
        ("for a colleague", Some("colleague"), Some("colleague")),
        ("my son's teacher", Some("teacher"), Some("teacher")),
        ("my auntie", Some("family"), Some("auntie")),
        ("my wifes birthday", Some("partner"), Some("wife")),
        ("my girlfriend's 25th", Some("partner"), Some("girlfriend")),
        ("a night out with the girlfriends", Some("friend"), Some("girlfriends")),
        ("gift for the bros", Some("sibling"), Some("bro")),
        ("for my neice", Some("child"), Some("neice")),
        ("my boyfreind", Some("partner"), Some("boyfreind")),
        ("for mum and dad", Some("parents"), Some("mum and dad")),
    ]);
}

#[test]
fn ambiguous_negated_and_self_described_recipients_are_not_recipients() {
    check_recipients(&[
        ("cheers mate", None, None),
        ("pop music", None, None),
        ("a man over 40", None, None),
        ("not for my mum, for my sister", Some("sibling"), Some("sister")),
        ("I'm a teacher looking for a gift for my niece", Some("child"), Some("niece")),
        ("I'm a teacher", None, None),
        ("mother's day present", None, None),
        ("a baby shower gift", None, None),
        ("dad's birthday", Some("father"), Some("dad")),
        ("a desk fan", None, None),
    ]);
}

#[test]
fn purpose_comes_from_gift_words_recipients_and_self_words() {
    let cases: &[(&str, Option<Purpose>)] = &[
        ("a gift for my dad", Some(Purpose::Gift)),
        ("I need a present", Some(Purpose::Gift)),
        ("pressie ideas", Some(Purpose::Gift)),
        ("something for her", Some(Purpose::Gift)),
        ("for him", Some(Purpose::Gift)),
        ("stocking fillers", Some(Purpose::Gift)),
        ("secret santa", Some(Purpose::Gift)),
        ("my nephew loves trains", Some(Purpose::Gift)),
        ("she's 12 and loves horses", Some(Purpose::Gift)),
        ("for me", Some(Purpose::Myself)),
        ("something for myself", Some(Purpose::Myself)),
        ("I want to treat myself", Some(Purpose::Myself)),
        ("for my own use", Some(Purpose::Myself)),
        ("it's for me after all", Some(Purpose::Myself)),
        ("a gift for me", Some(Purpose::Myself)),
        ("not for me, it's a gift", Some(Purpose::Gift)),
        ("me", Some(Purpose::Myself)),
        ("just browsing", None),
        ("wooden train set", None),
        ("can you help me find something", None),
        ("show me more", None),
    ];
    let u = understander();
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|(text, want)| {
            let got = u.understand(text).slots.purpose;
            (got != *want).then(|| format!("{text:?}: want {want:?}, got {got:?}"))
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(u.understand_with("me", Some(SlotName::Purpose)).slots.purpose, Some(Purpose::Myself));
    assert_eq!(u.understand_with("someone else", Some(SlotName::Purpose)).slots.purpose, Some(Purpose::Gift));
}

fn check_ages(cases: &[(&str, Option<u32>)], asking: Option<SlotName>) {
    let u = understander();
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|(text, want)| {
            let got = u.understand_with(text, asking);
            (got.slots.age != *want)
                .then(|| format!("{text:?}: want {want:?}, got {:?} ({:?})", got.slots.age, got.slots))
        })
        .collect();
    assert!(failures.is_empty(), "{} of {} failed:\n{}", failures.len(), cases.len(), failures.join("\n"));
}

#[test]
fn ages_in_every_common_phrasing() {
    check_ages(
        &[
            ("6yo", Some(6)),
            ("6 yo", Some(6)),
            ("6 y/o", Some(6)),
            ("6y/o", Some(6)),
            ("a 9 year old", Some(9)),
            ("a nine-year-old", Some(9)),
            ("six year old", Some(6)),
            ("a 6-year-old boy", Some(6)),
            ("twenty-one year old", Some(21)),
            ("aged 6", Some(6)),
            ("age 6", Some(6)),
            ("turning 40", Some(40)),
            ("he just turned 5", Some(5)),
            ("she's 12", Some(12)),
            ("she’s 12", Some(12)),
            ("he is 7", Some(7)),
            ("she is nearly 10", Some(10)),
            ("my son is 6", Some(6)),
            ("my daughter's 8", Some(8)),
            ("who is 6", Some(6)),
            ("for a 3 yr old", Some(3)),
            ("a boy of 6", Some(6)),
            ("a girl around 10", Some(10)),
            ("18 months", Some(1)),
            ("an 18-month-old", Some(1)),
            ("6 months old", Some(0)),
            ("a baby 6 weeks old", Some(0)),
            ("newborn", Some(0)),
            ("40th birthday", Some(40)),
            ("her 1st birthday", Some(1)),
            ("his fortieth birthday", Some(40)),
            ("for his 70th", Some(70)),
            ("mum's 60th", Some(60)),
            ("nans 80th", Some(80)),
            ("my grandson (12) loves science", Some(12)),
            ("in his 30s", Some(35)),
            ("in her forties", Some(45)),
            ("in their teens", Some(15)),
            ("ages 3-5", Some(4)),
            ("for 6-8 year olds", Some(7)),
            ("8+ years", Some(8)),
            ("I'm 30", Some(30)),
        ],
        None,
    );
}

#[test]
fn numbers_that_are_not_ages_and_the_shoppers_own_age_beside_a_recipient() {
    check_ages(
        &[
            ("for 3 years", None),
            ("in 6 months", None),
            ("she's 5 foot", None),
            ("a 12 month subscription", None),
            ("3 year warranty", None),
            ("40th anniversary", None),
            ("under 25", None),
            ("I'm 30 and need a gift for my mum", None),
            ("the second one", None),
            ("my first choice", None),
        ],
        None,
    );
}

#[test]
fn after_an_age_question_a_lone_number_is_the_age() {
    check_ages(&[("6", Some(6)), ("about 6", Some(6)), ("she is 6", Some(6)), ("no idea", None)], Some(SlotName::Age));
    assert!(understander().understand_with("6", Some(SlotName::Age)).slots.budget.is_none());
}
