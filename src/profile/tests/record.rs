use serde_json::json;
use time::Duration;

use super::{T0, profile};
use crate::profile::{CustomerId, Limits, Source};
use crate::slots::{Purpose, SlotName, Slots};

#[test]
fn a_declared_slot_keeps_its_provenance_in_the_interface_shape() {
    let mut p = profile();
    let said = Slots { purpose: Some(Purpose::Gift), ..Slots::default() };
    assert!(p.declare(SlotName::Purpose, &said, Source::Chat, T0));
    let json = serde_json::to_value(&p.declared()[&SlotName::Purpose]).unwrap();
    assert_eq!(json, json!({"value":"gift","source":"chat","at":"2025-03-01T10:00:00Z","consent":"personalization"}));
    assert_eq!(p.slots().purpose, Some(Purpose::Gift));
}

#[test]
fn declaring_a_slot_the_message_did_not_fill_changes_nothing() {
    let mut p = profile();
    assert!(!p.declare(SlotName::Age, &Slots::default(), Source::Chat, T0));
    assert!(p.declared().is_empty());
}

#[test]
fn list_answers_add_to_what_was_said_before() {
    let mut p = profile();
    let first = Slots { interests: vec!["trains".into()], ..Slots::default() };
    let later = Slots { interests: vec!["Trains".into(), "dinosaurs".into()], ..Slots::default() };
    p.declare(SlotName::Interests, &first, Source::Chat, T0);
    p.declare(SlotName::Interests, &later, Source::Quiz, T0 + Duration::hours(1));
    assert_eq!(p.slots().interests, vec!["trains", "dinosaurs"]);
    assert_eq!(p.declared()[&SlotName::Interests].source, Source::Quiz);
}

#[test]
fn the_recipients_own_word_is_kept_beside_the_normalised_one() {
    let mut p = profile();
    let said = Slots { recipient: Some("child".into()), recipient_word: Some("nephew".into()), ..Slots::default() };
    p.declare(SlotName::Recipient, &said, Source::Chat, T0);
    let slots = p.slots();
    assert_eq!((slots.recipient.as_deref(), slots.recipient_word.as_deref()), (Some("child"), Some("nephew")));
}

#[test]
fn editing_replaces_a_value_and_null_forgets_it() {
    let mut p = profile();
    let budget = json!({"min":null,"max":25,"currency":"GBP"});
    assert!(p.edit(SlotName::Budget, &budget, Source::Settings, T0).unwrap());
    assert_eq!(p.slots().budget.unwrap().max.unwrap().to_string(), "25");
    p.edit(SlotName::Interests, &json!(["lego", "trains"]), Source::Settings, T0).unwrap();
    p.edit(SlotName::Interests, &json!(["trains"]), Source::Settings, T0).unwrap();
    assert_eq!(p.slots().interests, vec!["trains"]);
    assert!(!p.edit(SlotName::Budget, &json!(null), Source::Settings, T0).unwrap());
    assert!(!p.declared().contains_key(&SlotName::Budget));
}

#[test]
fn a_value_of_the_wrong_shape_is_refused_with_the_slot_named() {
    let mut p = profile();
    let error = p.edit(SlotName::Age, &json!("six"), Source::Api, T0).unwrap_err();
    assert!(error.to_string().starts_with("`age` cannot hold that value"), "{error}");
    assert!(p.declared().is_empty());
}

#[test]
fn forgetting_removes_only_that_slot() {
    let mut p = profile();
    let said = Slots { age: Some(6), occasion: Some("birthday".into()), ..Slots::default() };
    p.declare(SlotName::Age, &said, Source::Chat, T0);
    p.declare(SlotName::Occasion, &said, Source::Chat, T0);
    assert!(p.forget(SlotName::Age));
    assert!(!p.forget(SlotName::Age));
    assert_eq!((p.slots().age, p.slots().occasion.as_deref()), (None, Some("birthday")));
}

#[test]
fn with_personalization_off_declared_slots_are_kept_but_not_used() {
    let mut p = profile();
    p.declare(SlotName::Age, &Slots { age: Some(6), ..Slots::default() }, Source::Chat, T0);
    p.record(super::viewed("sku-1", T0), &Limits::default());
    p.set_personalization(false, T0);
    assert_eq!(p.slots(), Slots::default());
    assert!(p.events().is_empty(), "behaviour stored under the withdrawn consent is deleted");
    assert!(p.declared().contains_key(&SlotName::Age));
    p.set_personalization(true, T0);
    assert_eq!(p.slots().age, Some(6));
}

#[test]
fn a_stored_value_that_no_longer_fits_its_slot_is_skipped_not_fatal() {
    let mut p = profile();
    p.declare(SlotName::Age, &Slots { age: Some(6), occasion: Some("x".into()), ..Slots::default() }, Source::Chat, T0);
    p.declare(SlotName::Occasion, &Slots { occasion: Some("birthday".into()), ..Slots::default() }, Source::Chat, T0);
    if let Some(age) = p.declared.get_mut(&SlotName::Age) {
        age.value = json!({"not": "an age"});
    }
    let slots = p.slots();
    assert_eq!((slots.age, slots.occasion.as_deref()), (None, Some("birthday")));
}

#[test]
fn questions_are_counted_per_visit() {
    let mut p = profile();
    p.note_asked(SlotName::Purpose, T0);
    p.note_asked(SlotName::Budget, T0 + Duration::minutes(1));
    p.note_asked(SlotName::Budget, T0 + Duration::minutes(2));
    assert_eq!(p.asked_this_visit(), 2);
    p.start_visit(T0 + Duration::days(3));
    assert_eq!(p.visits().number, 2);
    assert_eq!(p.asked_this_visit(), 0);
    p.note_asked(SlotName::Interests, T0 + Duration::days(3));
    assert_eq!(p.asked_this_visit(), 1);
    let budget = p.last_asked(SlotName::Budget).unwrap();
    assert_eq!((budget.visit, budget.at), (1, T0 + Duration::minutes(2)));
    assert!(p.last_asked(SlotName::Age).is_none());
}

#[test]
fn the_export_holds_everything_stored() {
    let mut p = profile();
    p.declare(SlotName::Age, &Slots { age: Some(6), ..Slots::default() }, Source::Chat, T0);
    p.link_customer(&CustomerId::parse("c-42").unwrap(), T0);
    p.record(super::viewed("sku-1", T0), &Limits::default());
    let export = p.export();
    assert_eq!(export["id"], json!(p.id().to_string()));
    assert_eq!(export["declared"]["age"]["value"], json!(6));
    assert_eq!(export["customer"]["id"], json!("c-42"));
    assert_eq!(export["events"][0]["product_id"], json!("sku-1"));
    assert_eq!(export["consent"]["personalization"], json!(true));
    assert_eq!(export["visits"]["number"], json!(1));
}

#[test]
fn touching_never_moves_last_seen_backwards() {
    let mut p = profile();
    p.touch(T0 + Duration::days(2));
    p.touch(T0 + Duration::days(1));
    assert_eq!(p.last_seen(), T0 + Duration::days(2));
}
