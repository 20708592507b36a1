//! Occasions, and the ordinals that come with them.

use super::*;

#[test]
fn occasion_words_normalise() {
    let cases: &[(&str, &str)] = &[
        ("birthday present", "birthday"),
        ("bday gift", "birthday"),
        ("b-day", "birthday"),
        ("xmas", "christmas"),
        ("Christmas", "christmas"),
        ("secret santa", "christmas"),
        ("stocking filler", "christmas"),
        ("valentine's day", "valentines"),
        ("Valentines", "valentines"),
        ("our anniversary", "anniversary"),
        ("50th wedding anniversary", "anniversary"),
        ("a wedding gift", "wedding"),
        ("baby shower", "baby_shower"),
        ("new baby", "new_baby"),
        ("christening", "christening"),
        ("mother's day", "mothers_day"),
        ("Mother’s Day", "mothers_day"),
        ("mothers day", "mothers_day"),
        ("mothering sunday", "mothers_day"),
        ("father's day", "fathers_day"),
        ("graduation", "graduation"),
        ("housewarming", "housewarming"),
        ("house warming", "housewarming"),
        ("retirement", "retirement"),
        ("easter", "easter"),
        ("diwali", "diwali"),
        ("eid", "eid"),
        ("hanukkah", "hanukkah"),
        ("a thank you gift for my teacher", "thank_you"),
        ("get well soon", "get_well"),
        ("leaving do", "leaving"),
        ("farewell", "leaving"),
        ("for his 70th", "birthday"),
        ("no particular occasion", "just_because"),
        ("brithday", "birthday"),
    ];
    let u = understander();
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|(text, want)| {
            let got = u.understand(text).slots.occasion;
            (got.as_deref() != Some(*want)).then(|| format!("{text:?}: want {want}, got {got:?}"))
        })
        .collect();
    assert!(failures.is_empty(), "{} of {} failed:\n{}", failures.len(), cases.len(), failures.join("\n"));
}

#[test]
fn an_ordinal_is_an_age_only_for_a_birthday() {
    let u = understand("for his 40th birthday");
    assert_eq!((u.slots.age, u.slots.occasion.as_deref()), (Some(40), Some("birthday")));
    let u = understand("their 40th anniversary");
    assert_eq!((u.slots.age, u.slots.occasion.as_deref()), (None, Some("anniversary")));
    let u = understand("baby's first christmas");
    assert_eq!((u.slots.age, u.slots.occasion.as_deref()), (None, Some("christmas")));
}

#[test]
fn occasions_are_not_keywords_and_thanks_is_not_an_occasion() {
    let u = understand("mother's day flowers");
    assert_eq!(u.keywords, vec!["flowers"]);
    assert_eq!(u.slots.recipient, None);
    let u = understand("thank you!");
    assert_eq!(u.slots.occasion, None);
    assert_eq!(u.acts, vec![Act::Thanks]);
}
