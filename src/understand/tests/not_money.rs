//! Numbers that are not money: a budget is never invented from them.

use super::*;

fn check_no_budget(cases: &[&str]) {
    let u = understander();
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|text| {
            let got = u.understand(text);
            got.slots.budget.map(|b| format!("{text:?}: got budget {b:?}"))
        })
        .collect();
    assert!(failures.is_empty(), "{} of {} invented a budget:\n{}", failures.len(), cases.len(), failures.join("\n"));
}

#[test]
fn sizes_are_not_money() {
    check_no_budget(&[
        "size 5.5 trainers",
        "size 10",
        "a size 10 dress for my wife",
        "38w jeans",
        "32x34 jeans",
        "XL hoodie",
        "uk 8 shoes",
        "a4 paper",
        "12 inch doll",
        "5ft trampoline",
    ]);
}

#[test]
fn percentages_quantities_and_units_are_not_money() {
    check_no_budget(&[
        "10% off",
        "50%",
        "pack of 24",
        "3 ounce",
        "500ml bottle",
        "2kg of sweets",
        "3 pieces",
        "100 pcs",
        "a 1000 piece puzzle",
        "set of 6 mugs",
        "3 x 4",
        "2 pounds of fudge",
    ]);
}

#[test]
fn ordinals_and_years_are_not_money() {
    check_no_budget(&[
        "75th birthday",
        "40th anniversary",
        "the 1922 novel",
        "born in 2019",
        "class of 2024",
        "on the 14th",
        "1990s music",
        "a 21st present",
        "his 2nd christmas",
    ]);
}

#[test]
fn capacities_and_model_numbers_are_not_money() {
    check_no_budget(&[
        "256GB",
        "2TB drive",
        "iPhone 15",
        "PS5 games",
        "RTX 4090",
        "3-in-1",
        "lego set 60198",
        "fifa 23",
        "harry potter book 3",
        "volume 2",
        "season 3 box set",
        "4k tv",
        "1080p camera",
        "top 10 toys",
    ]);
}

#[test]
fn ages_are_not_money() {
    check_no_budget(&[
        "6 year old",
        "6yo",
        "aged 6",
        "turning 40",
        "she's 12",
        "for kids under 5",
        "for the over 50s",
        "gift for someone over 60",
        "a man over 40",
        "between 3 and 5 years old",
        "ages 3-5",
        "18 months",
        "in her 30s",
        "board game for 2-4 players",
        "8+",
        "for over 18s",
        "a couple of hundred",
    ]);
}

#[test]
fn counts_times_dates_phones_and_ratings_are_not_money() {
    check_no_budget(&[
        "2 kids",
        "3 books",
        "at 5pm",
        "at 5",
        "in 3 days",
        "5:30",
        "14/02",
        "feb 14",
        "14 feb",
        "07700 900123",
        "call 0800 123 4567",
        "+44 7700 900123",
        "4 stars",
        "rated 4.5 out of 5",
        "4+ stars",
        "3 for 2",
        "buy 2 get 1 free",
        "a 5k run",
        "a 30 min workout",
        "24 hour delivery",
        "50 shades of grey",
    ]);
}

#[test]
fn discounts_and_positions_are_not_budgets() {
    check_no_budget(&[
        "£5 off",
        "save £10",
        "option 2",
        "#2",
        "no. 3",
        "the second one",
        "one of those",
        "a set of two",
    ]);
}

#[test]
fn a_number_among_other_words_needs_money_evidence() {
    check_no_budget(&[
        "lego 60",
        "I have 2 kids and 3 dogs",
        "something for 30 people",
        "a gift for 2",
        "the 39 steps",
        "route 66 sign",
        "101 dalmatians",
    ]);
}

#[test]
fn amounts_past_a_decimals_range_are_no_budget_and_no_panic() {
    // rust_decimal holds about 7.9e28; multiplying past it panicked (found by cargo-fuzz).
    // Anything past a trillion is no budget at all.
    let huge = "79228162514264337593543950335";
    check_no_budget(&[
        &format!("under {huge} pounds"),
        "under 2000000000000 dollars",
        &format!("under {huge} grand"),
        &format!("under {huge}k"),
        &format!("around {huge} thousand pounds"),
        &format!("around £{huge}"),
    ]);
    let u = understander();
    for asking in [None, Some(crate::slots::SlotName::Budget)] {
        let _ = u.understand_with(&format!("{huge} lakh rupees"), asking);
    }
}

#[test]
fn the_message_cargo_fuzz_crashed_on_is_understood() {
    let bytes = include_bytes!("../../../tests/fixtures/fuzz/understand-decimal-overflow.bin");
    let text = String::from_utf8_lossy(bytes);
    let u = understander();
    let _ = u.understand(&text);
    let _ = u.understand_with(&text, Some(crate::slots::SlotName::Budget));
}
