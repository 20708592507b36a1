//! Dialogue acts.

use super::*;
use crate::slots::SlotName;

fn check(cases: &[(&str, &[Act])]) {
    let u = understander();
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|(text, want)| {
            let got = u.understand(text).acts;
            (got != *want).then(|| format!("{text:?}: want {want:?}, got {got:?}"))
        })
        .collect();
    assert!(failures.is_empty(), "{} of {} failed:\n{}", failures.len(), cases.len(), failures.join("\n"));
}

#[test]
fn answers_to_a_question() {
    check(&[
        ("yes", &[Act::Yes]),
        ("Yeah!", &[Act::Yes]),
        ("yep", &[Act::Yes]),
        ("sure", &[Act::Yes]),
        ("ok", &[Act::Yes]),
        ("OK then", &[Act::Yes]),
        ("yes please", &[Act::Yes]),
        ("please do", &[Act::Yes]),
        ("why not", &[Act::Yes]),
        ("no", &[Act::No]),
        ("nope", &[Act::No]),
        ("nah", &[Act::No]),
        ("no thanks", &[Act::No]),
        ("no, not really", &[Act::No]),
        ("I don't know", &[Act::DontKnow]),
        ("i dont know", &[Act::DontKnow]),
        ("not sure", &[Act::DontKnow]),
        ("no idea", &[Act::DontKnow]),
        ("dunno", &[Act::DontKnow]),
        ("whatever", &[Act::DontKnow]),
        ("skip", &[Act::Skip]),
        ("pass", &[Act::Skip]),
        ("next", &[Act::Skip]),
        ("rather not say", &[Act::Skip]),
        ("I'd prefer not to say", &[Act::Skip]),
        ("surprise me", &[Act::SurpriseMe]),
        ("anything", &[Act::SurpriseMe]),
        ("you choose", &[Act::SurpriseMe]),
        ("up to you", &[Act::SurpriseMe]),
    ]);
}

#[test]
fn social_acts() {
    check(&[
        ("hi", &[Act::Greeting]),
        ("Hello!", &[Act::Greeting]),
        ("hey there", &[Act::Greeting]),
        ("good morning", &[Act::Greeting]),
        ("thanks", &[Act::Thanks]),
        ("thank you!", &[Act::Thanks]),
        ("cheers", &[Act::Thanks]),
        ("ok thanks", &[Act::Yes, Act::Thanks]),
        ("hi, I need a present for my nephew", &[Act::Greeting]),
    ]);
}

#[test]
fn steering_the_results() {
    check(&[
        ("cheaper", &[Act::Cheaper]),
        ("something cheaper please", &[Act::Cheaper]),
        ("less expensive", &[Act::Cheaper]),
        ("lower price", &[Act::Cheaper]),
        ("too expensive", &[Act::Cheaper]),
        ("pricier", &[Act::Pricier]),
        ("more expensive", &[Act::Pricier]),
        ("something nicer", &[Act::Pricier]),
        ("something else", &[Act::SomethingElse]),
        ("show me more", &[Act::SomethingElse]),
        ("other options", &[Act::SomethingElse]),
        ("different ones", &[Act::SomethingElse]),
        ("none of these", &[Act::SomethingElse]),
        ("more like the second one", &[Act::MoreLike(2)]),
        ("similar to #2", &[Act::MoreLike(2)]),
        ("more like number 3", &[Act::MoreLike(3)]),
        ("more like the last one", &[Act::MoreLike(Act::LAST)]),
        ("I like the first one", &[Act::MoreLike(1)]),
        ("the 2nd one", &[Act::MoreLike(2)]),
        ("why that one", &[Act::Why(None)]),
        ("why the first?", &[Act::Why(Some(1))]),
        ("why did you pick #3", &[Act::Why(Some(3))]),
        ("why the last one", &[Act::Why(Some(Act::LAST))]),
        ("start over", &[Act::StartOver]),
        ("reset", &[Act::StartOver]),
        ("let's start again", &[Act::StartOver]),
        ("new search", &[Act::StartOver]),
    ]);
}

#[test]
fn profile_privacy_and_people() {
    check(&[
        ("what do you know about me", &[Act::ShowProfile]),
        ("show my profile", &[Act::ShowProfile]),
        ("what have I told you?", &[Act::ShowProfile]),
        ("forget my budget", &[Act::Forget(Some(SlotName::Budget))]),
        ("please forget her age", &[Act::Forget(Some(SlotName::Age))]),
        ("remove the exclusions", &[Act::Forget(Some(SlotName::Exclude))]),
        ("forget that", &[Act::Forget(None)]),
        ("delete my data", &[Act::Forget(None)]),
        ("forget everything", &[Act::Forget(None)]),
        ("talk to a human", &[Act::Handover]),
        ("can I speak to a real person", &[Act::Handover]),
        ("I want to talk to an agent", &[Act::Handover]),
        ("speak to someone", &[Act::Handover]),
        ("customer service", &[Act::Handover]),
        ("what do you do with my data", &[Act::Privacy]),
        ("is my data safe?", &[Act::Privacy]),
        ("privacy policy", &[Act::Privacy]),
    ]);
}

#[test]
fn reply_words_inside_requests_are_not_acts() {
    check(&[
        ("no lego", &[]),
        ("hello kitty bag", &[]),
        ("great gift ideas for dad", &[]),
        ("cheaper than £20", &[]),
        ("fine jewellery", &[]),
        ("a present for my nephew", &[]),
        ("loves the second world war", &[]),
    ]);
}

#[test]
fn acts_and_slots_come_together() {
    let u = understand("yes, under £20 please");
    assert_eq!(u.acts, vec![Act::Yes]);
    assert!(u.slots.budget.is_some());
    let u = understand("actually under 15");
    assert_eq!(u.slots.budget.unwrap().max.unwrap().to_string(), "15");
    assert_eq!(u.notes, vec![Note::Correction]);
}

#[test]
fn acts_serialise_readably() {
    let json = serde_json::to_string(&[Act::Yes, Act::MoreLike(2), Act::MoreLike(Act::LAST), Act::Why(None)]).unwrap();
    assert_eq!(json, r#"["yes",{"more_like":2},{"more_like":"last"},{"why":null}]"#);
    let json = serde_json::to_string(&Act::Forget(Some(SlotName::Budget))).unwrap();
    assert_eq!(json, r#"{"forget":"budget"}"#);
}

#[test]
fn asking_what_goes_with_a_product_is_its_own_act() {
    check(&[
        ("what goes with this?", &[Act::GoesWith]),
        ("What would go well with it", &[Act::GoesWith]),
        ("what else do I need for this?", &[Act::GoesWith]),
        ("anything to go with that?", &[Act::GoesWith]),
        ("accessories for this", &[Act::GoesWith]),
        ("what do people buy with it?", &[Act::GoesWith]),
        ("what goes with the second one?", &[Act::GoesWith, Act::MoreLike(2)]),
        // Not about what goes with a product.
        ("what else have you got", &[Act::SomethingElse]),
    ]);
}
