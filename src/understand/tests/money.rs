//! Money phrasings: every common way to state a budget, and how amounts combine.

use super::*;
use crate::slots::SlotName;

/// (message, min, max, currency)
type Case = (&'static str, Option<&'static str>, Option<&'static str>, Option<&'static str>);

fn shown(u: &Understanding) -> String {
    match &u.slots.budget {
        None => "no budget".to_string(),
        Some(b) => format!(
            "min {:?} max {:?} currency {:?}",
            b.min.map(|a| a.to_string()),
            b.max.map(|a| a.to_string()),
            b.currency.map(|c| c.code().to_string())
        ),
    }
}

fn check(cases: &[Case], asking: Option<SlotName>) {
    let u = understander();
    let mut failures = Vec::new();
    for (text, min, max, currency) in cases {
        let got = u.understand_with(text, asking);
        let want = if min.is_none() && max.is_none() {
            "no budget".to_string()
        } else {
            format!(
                "min {:?} max {:?} currency {:?}",
                min.map(str::to_string),
                max.map(str::to_string),
                currency.map(str::to_string)
            )
        };
        if shown(&got) != want {
            failures.push(format!("{text:?}: want {want}, got {}", shown(&got)));
        }
    }
    assert!(failures.is_empty(), "{} of {} failed:\n{}", failures.len(), cases.len(), failures.join("\n"));
}

#[test]
fn limits_before_an_amount_give_a_maximum() {
    check(
        &[
            ("under £25", None, Some("25"), Some("GBP")),
            ("below 30 quid", None, Some("30"), Some("GBP")),
            ("less than $40", None, Some("40"), Some("USD")),
            ("no more than €50", None, Some("50"), Some("EUR")),
            ("not more than 20 pounds", None, Some("20"), Some("GBP")),
            ("max 30", None, Some("30"), None),
            ("maximum of £100", None, Some("100"), Some("GBP")),
            ("up to 45", None, Some("45"), None),
            ("at most 60 euros", None, Some("60"), Some("EUR")),
            ("within £20 please", None, Some("20"), Some("GBP")),
            ("my budget is 35", None, Some("35"), None),
            ("budget of £40", None, Some("40"), Some("GBP")),
            ("I can spend 50", None, Some("50"), None),
            ("something cheaper than £15", None, Some("15"), Some("GBP")),
            ("nothing over £20", None, Some("20"), Some("GBP")),
            ("just shy of 100", None, Some("100"), None),
            ("undr 15", None, Some("15"), None),
            ("bellow 15 pounds", None, Some("15"), Some("GBP")),
            ("upto 25", None, Some("25"), None),
            ("less then 20 dollars", None, Some("20"), Some("USD")),
            ("actually under 15", None, Some("15"), None),
            ("under 20 for my son", None, Some("20"), None),
            ("I don't want to spend more than 30", None, Some("30"), None),
            ("can't spend over £40", None, Some("40"), Some("GBP")),
            ("no more than about 30", None, Some("30"), None),
            ("under20", None, Some("20"), None),
        ],
        None,
    );
}

#[test]
fn around_gives_a_maximum_with_the_factor_and_no_minimum() {
    check(
        &[
            ("around 30", None, Some("34.5"), None),
            ("about £20", None, Some("23"), Some("GBP")),
            ("roughly 40 bucks", None, Some("46"), Some("USD")),
            ("approx. 10", None, Some("11.5"), None),
            ("approximately 100 euros", None, Some("115"), Some("EUR")),
            ("~50", None, Some("57.5"), None),
            ("circa 200", None, Some("230"), None),
            ("30 or so", None, Some("34.5"), None),
            ("30ish", None, Some("34.5"), None),
            ("30-ish", None, Some("34.5"), None),
            ("£30 give or take", None, Some("34.5"), Some("GBP")),
            ("arround 20", None, Some("23"), None),
            ("arond 20", None, Some("23"), None),
            ("abt 20", None, Some("23"), None),
            ("something around the £40 mark", None, Some("46"), Some("GBP")),
            ("in the 20 range", None, Some("23"), None),
            ("in the £50 region", None, Some("57.5"), Some("GBP")),
            ("my budget is about 30", None, Some("34.5"), None),
            ("around £30 max", None, Some("30"), Some("GBP")),
        ],
        None,
    );
}

#[test]
fn ranges_give_both_ends() {
    check(
        &[
            ("between 20 and 30", Some("20"), Some("30"), None),
            ("betwen 10 and 20", Some("10"), Some("20"), None),
            ("between £10 and £15 each", Some("10"), Some("15"), Some("GBP")),
            ("20-30", Some("20"), Some("30"), None),
            ("£20-30", Some("20"), Some("30"), Some("GBP")),
            ("£20 - £30", Some("20"), Some("30"), Some("GBP")),
            ("£20–£30", Some("20"), Some("30"), Some("GBP")),
            ("20 to 30 pounds", Some("20"), Some("30"), Some("GBP")),
            ("from 15 to 25", Some("15"), Some("25"), None),
            ("price range 20-40", Some("20"), Some("40"), None),
            ("between 20 and 30 euros", Some("20"), Some("30"), Some("EUR")),
            ("over 20 but under 40", Some("20"), Some("40"), None),
        ],
        None,
    );
}

#[test]
fn floors_give_a_minimum() {
    check(
        &[
            ("at least 50", Some("50"), None, None),
            ("over 50", Some("50"), None, None),
            ("more than £100", Some("100"), None, Some("GBP")),
            ("above 75 quid", Some("75"), None, Some("GBP")),
            ("from £10", Some("10"), None, Some("GBP")),
            ("£50+", Some("50"), None, Some("GBP")),
            ("starting at 20", Some("20"), None, None),
            ("nothing under 20", Some("20"), None, None),
            ("no less than 25", Some("25"), None, None),
            ("50 or more", Some("50"), None, None),
            ("atleast 30", Some("30"), None, None),
            ("min budget £30", Some("30"), None, Some("GBP")),
            ("£20 minimum", Some("20"), None, Some("GBP")),
        ],
        None,
    );
}

#[test]
fn a_bare_amount_with_a_currency_or_alone_is_a_maximum() {
    check(
        &[
            ("£20", None, Some("20"), Some("GBP")),
            ("30", None, Some("30"), None),
            ("30 I guess", None, Some("30"), None),
            ("30?", None, Some("30"), None),
            ("a present for my dad, £40", None, Some("40"), Some("GBP")),
            ("£25 max please", None, Some("25"), Some("GBP")),
            ("fifty quid max", None, Some("50"), Some("GBP")),
            ("two hundred", None, Some("200"), None),
            ("a tenner", None, Some("10"), Some("GBP")),
            ("a fiver", None, Some("5"), Some("GBP")),
            ("50p", None, Some("0.5"), Some("GBP")),
            ("99p or less", None, Some("0.99"), Some("GBP")),
            ("2 grand", None, Some("2000"), None),
            ("a grand", None, Some("1000"), None),
        ],
        None,
    );
}

#[test]
fn numbers_are_read_in_every_common_notation() {
    check(
        &[
            ("1k", None, Some("1000"), None),
            ("1.5k", None, Some("1500"), None),
            ("budget 2K", None, Some("2000"), None),
            ("£1,299.99", None, Some("1299.99"), Some("GBP")),
            ("under 12,000 rupees", None, Some("12000"), Some("INR")),
            ("12,50 €", None, Some("12.5"), Some("EUR")),
            ("12,50€", None, Some("12.5"), Some("EUR")),
            ("twenty quid", None, Some("20"), Some("GBP")),
            ("under twenty-five pounds", None, Some("25"), Some("GBP")),
            ("a hundred and fifty dollars", None, Some("150"), Some("USD")),
            ("under twenty five", None, Some("25"), None),
            ("300,- kr", None, Some("300"), Some("NOK")),
            ("budget under 2 lakh", None, Some("200000"), None),
            ("around 1,50,000 rupees", None, Some("172500"), Some("INR")),
            ("twenty to thirty pounds", Some("20"), Some("30"), Some("GBP")),
        ],
        None,
    );
}

#[test]
fn currencies_are_recognised_in_every_position() {
    check(
        &[
            ("20gbp", None, Some("20"), Some("GBP")),
            ("GBP 20", None, Some("20"), Some("GBP")),
            ("usd30", None, Some("30"), Some("USD")),
            ("30 euros", None, Some("30"), Some("EUR")),
            ("EUR 20", None, Some("20"), Some("EUR")),
            ("300 kr", None, Some("300"), Some("NOK")),
            ("kr 300", None, Some("300"), Some("NOK")),
            ("500 sek", None, Some("500"), Some("SEK")),
            ("200 kronor", None, Some("200"), Some("SEK")),
            ("under 400 dkk", None, Some("400"), Some("DKK")),
            ("₹2000", None, Some("2000"), Some("INR")),
            ("Rs. 1500", None, Some("1500"), Some("INR")),
            ("under 1500 rs", None, Some("1500"), Some("INR")),
            ("¥3000", None, Some("3000"), Some("JPY")),
            ("3000 yen", None, Some("3000"), Some("JPY")),
            ("CHF 80", None, Some("80"), Some("CHF")),
            ("A$50", None, Some("50"), Some("AUD")),
            ("C$50", None, Some("50"), Some("CAD")),
            ("50 aud", None, Some("50"), Some("AUD")),
            ("$20 USD", None, Some("20"), Some("USD")),
        ],
        None,
    );
}

#[test]
fn several_statements_combine_or_the_later_one_wins() {
    check(
        &[
            ("under £20, maybe up to £25", None, Some("25"), Some("GBP")),
            ("min 20 max 40", Some("20"), Some("40"), None),
            ("at least 10 but no more than 30", Some("10"), Some("30"), None),
            ("under 20, well, 30 at a push", None, Some("30"), None),
        ],
        None,
    );
}

#[test]
fn after_a_budget_question_any_plain_number_is_the_budget() {
    check(
        &[
            ("30 I guess", None, Some("30"), None),
            ("6", None, Some("6"), None),
            ("around 40?", None, Some("46"), None),
            ("maybe 50 or 60", Some("50"), Some("60"), None),
            ("hmm, say 25", None, Some("28.75"), None),
            ("size 10", None, None, None),
            ("no idea", None, None, None),
        ],
        Some(SlotName::Budget),
    );
}

#[test]
fn an_ambiguous_symbol_is_noted_and_an_explicit_code_is_not() {
    let u = understand("under $30");
    assert_eq!(u.notes, vec![Note::AmbiguousCurrency { symbol: "$".into(), assumed: "USD".parse().unwrap() }]);
    let u = understand("300 kr");
    assert_eq!(u.notes, vec![Note::AmbiguousCurrency { symbol: "kr".into(), assumed: "NOK".parse().unwrap() }]);
    assert!(understand("$20 USD").notes.is_empty());
    assert!(understand("£20").notes.is_empty());
}

#[test]
fn the_around_factor_comes_from_the_lexicon() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("lexicon")).unwrap();
    let currencies = include_str!("../../../prompts/lexicon/currencies.toml")
        .replace("around_factor = 1.15", "around_factor = 1.2")
        .replace("\"$\" = \"USD\"", "\"$\" = \"CAD\"");
    std::fs::write(dir.path().join("lexicon/currencies.toml"), currencies).unwrap();
    let u = Understander::new(Lexicon::load(dir.path()).unwrap());
    let budget = u.understand("around $50").slots.budget.unwrap();
    assert_eq!(budget.max.unwrap().to_string(), "60");
    assert_eq!(budget.currency.unwrap().code(), "CAD");
}

#[test]
fn money_words_are_not_keywords() {
    let u = understand("wooden train set under £25, my budget is tight");
    assert_eq!(u.keywords, vec!["wooden", "train", "set"]);
    let u = understand("price range 20-40 for a board game");
    assert_eq!(u.keywords, vec!["board", "game"]);
}
