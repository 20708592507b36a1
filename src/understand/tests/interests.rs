//! Interests and exclusions.

use super::*;
use crate::slots::SlotName;

fn check(cases: &[(&str, &[&str], &[&str])], asking: Option<SlotName>) {
    let u = understander();
    let mut failures = Vec::new();
    for (text, interests, exclude) in cases {
        let got = u.understand_with(text, asking);
        if got.slots.interests != *interests || got.slots.exclude != *exclude {
            failures.push(format!(
                "{text:?}: want {interests:?} / no {exclude:?}, got {:?} / no {:?}",
                got.slots.interests, got.slots.exclude
            ));
        }
    }
    assert!(failures.is_empty(), "{} of {} failed:\n{}", failures.len(), cases.len(), failures.join("\n"));
}

#[test]
fn interest_phrasings() {
    check(
        &[
            ("he loves trains", &["trains"], &[]),
            ("she's into baking", &["baking"], &[]),
            ("he is really into lego", &["lego"], &[]),
            ("a fan of Harry Potter", &["harry potter"], &[]),
            ("big fan of star wars", &["star wars"], &[]),
            ("mad about dinosaurs", &["dinosaurs"], &[]),
            ("obsessed with unicorns", &["unicorns"], &[]),
            ("a keen runner", &["running"], &[]),
            ("she's a baker", &["baking"], &[]),
            ("likes cats and dogs", &["cats", "dogs"], &[]),
            ("enjoys gardening", &["gardening"], &[]),
            ("he's big on football", &["football"], &[]),
            ("plays tennis", &["tennis"], &[]),
            ("plays the guitar", &["guitar"], &[]),
            ("collects stamps", &["stamps"], &[]),
            ("passionate about cooking", &["cooking"], &[]),
            ("loves trains, budget 20", &["trains"], &[]),
            ("loves trains, dinosaurs and lego", &["trains", "dinosaurs", "lego"], &[]),
            ("loves arts and crafts", &["arts and crafts"], &[]),
            ("loves footie", &["football"], &[]),
            ("a big arsenal fan", &["arsenal"], &[]),
            ("she's a harry potter fan", &["harry potter"], &[]),
            ("a dog lover", &["dog"], &[]),
            ("a dinosaur-mad 5 year old", &["dinosaur"], &[]),
            ("football crazy", &["football"], &[]),
            ("loves playing football", &["football"], &[]),
            ("loves lord of the rings", &["lord of the rings"], &[]),
            ("loves harry potter and star wars too", &["harry potter", "star wars"], &[]),
            ("my son loves minecraft, he is 9", &["minecraft"], &[]),
            ("I like cooking", &["cooking"], &[]),
            ("hobbies are knitting and reading", &["knitting", "reading"], &[]),
            ("loves ps5 games", &["ps5 games"], &[]),
        ],
        None,
    );
}

#[test]
fn wishes_and_products_are_not_interests() {
    check(
        &[
            ("I'd love a gift for my dad", &[], &[]),
            ("I would love some ideas", &[], &[]),
            ("a desk fan", &[], &[]),
            ("I love this", &[], &[]),
            ("more like the second one", &[], &[]),
        ],
        None,
    );
}

#[test]
fn exclusion_phrasings() {
    check(
        &[
            ("no lego", &[], &["lego"]),
            ("not barbie", &[], &["barbie"]),
            ("nothing with batteries", &[], &["batteries"]),
            ("nothing that needs batteries", &[], &["batteries"]),
            ("without plastic", &[], &["plastic"]),
            ("he already has a scooter", &[], &["scooter"]),
            ("avoid glitter", &[], &["glitter"]),
            ("except books", &[], &["books"]),
            ("hates spiders", &[], &["spiders"]),
            ("she doesn't like pink", &[], &["pink"]),
            ("he does not like loud toys", &[], &["loud toys"]),
            ("she isn't into sports", &[], &["sports"]),
            ("not a fan of football", &[], &["football"]),
            ("no lego or barbie", &[], &["lego", "barbie"]),
            ("allergic to nuts", &[], &["nuts"]),
            ("she likes horses but hates spiders", &["horses"], &["spiders"]),
            ("loves animals, no soft toys please", &["animals"], &["soft toys"]),
        ],
        None,
    );
}

#[test]
fn money_vagueness_and_idioms_are_not_exclusions() {
    check(
        &[
            ("nothing over £20", &[], &[]),
            ("not too expensive", &[], &[]),
            ("no rush", &[], &[]),
            ("no more than 30", &[], &[]),
            ("no thanks", &[], &[]),
            ("not sure", &[], &[]),
            ("no idea", &[], &[]),
            ("not for my mum", &[], &[]),
            ("nothing too big", &[], &[]),
            ("I don't want to spend more than 30", &[], &[]),
        ],
        None,
    );
    assert_eq!(understand("not too expensive").notes, vec![Note::WantsCheap]);
}

#[test]
fn a_bare_list_answers_the_question_asked() {
    check(
        &[("horses and books", &["horses", "books"], &[]), ("football mostly", &["football"], &[])],
        Some(SlotName::Interests),
    );
    check(&[("lego and barbie", &[], &["lego", "barbie"])], Some(SlotName::Exclude));
    check(&[("horses and books", &[], &[])], None);
}
