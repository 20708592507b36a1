use std::sync::{Arc, OnceLock};

use super::*;
use crate::catalog::{Catalog, CatalogIndex};
use crate::money::Amount;
use crate::understand::Lexicon;

fn index() -> &'static CatalogIndex {
    static INDEX: OnceLock<CatalogIndex> = OnceLock::new();
    INDEX.get_or_init(|| {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("catalog/demo.jsonl");
        CatalogIndex::build(Arc::new(Catalog::load(&path).unwrap().0)).unwrap()
    })
}

fn understander() -> &'static Understander {
    static UNDERSTANDER: OnceLock<Understander> = OnceLock::new();
    UNDERSTANDER.get_or_init(|| Understander::new(Lexicon::builtin()))
}

/// The rules' reading of `text` merged with the model's answer `json`.
fn merged(text: &str, json: &str) -> Understanding {
    let vocab = Vocabulary { understander: understander(), words: index() };
    merge(text, understander().understand(text), parse(json).unwrap(), &vocab)
}

#[test]
fn the_schema_has_every_slot_key_required_and_nothing_else() {
    let schema = schema();
    let keys: Vec<&str> = schema["properties"].as_object().unwrap().keys().map(String::as_str).collect();
    let slots = serde_json::to_value(crate::slots::Slots::default()).unwrap();
    let mut expected: Vec<&str> = slots.as_object().unwrap().keys().map(String::as_str).collect();
    expected.sort_unstable();
    let mut keys_sorted = keys.clone();
    keys_sorted.sort_unstable();
    assert_eq!(keys_sorted, expected, "the model's slots mirror the understanding's");
    assert_eq!(schema["required"].as_array().unwrap().len(), keys.len());
    assert_eq!(schema["additionalProperties"], false);
    assert!(!schema.to_string().contains("$ref"), "inlined for servers that cannot follow references");
}

#[test]
fn an_answer_with_a_field_the_schema_lacks_is_invalid() {
    assert!(parse(r#"{"purpose":"gift","discount":90}"#).is_err());
    assert!(parse("not json at all").is_err());
    assert!(parse(r#"{"age":"six"}"#).is_err());
    assert!(parse(r#"{"age":300}"#).is_err(), "the schema's range holds even when a server ignores it");
    assert!(parse(r#"{"interests":["a","b","c","d","e","f"]}"#).is_err());
    assert!(parse(r#"{"budget":{"min":-5,"max":null}}"#).is_err());
    assert!(parse("```json\n{\"age\": 6}\n```").is_ok(), "a fenced answer is read");
}

#[test]
fn a_recipient_the_rules_missed_comes_from_the_model_normalised_by_the_lexicon() {
    let text = "something for the old fella who runs every weekend";
    let rules = understander().understand(text);
    let got = merged(text, r#"{"recipient":"fella","interests":["running"]}"#);
    assert!(rules.slots.recipient.is_none() || rules.slots.recipient == got.slots.recipient);
    assert!(got.slots.interests.iter().any(|i| i.starts_with("run")), "{got:?}");
}

#[test]
fn words_the_shopper_never_wrote_are_dropped() {
    let got = merged(
        "a little something for my sister, she has just taken up pottery",
        r#"{"recipient":"grandmother","interests":["adjectives","knitting"],"occasion":"wedding"}"#,
    );
    assert_ne!(got.slots.recipient.as_deref(), Some("grandparent"));
    assert!(!got.slots.interests.iter().any(|i| i == "adjectives" || i == "knitting"), "{got:?}");
    assert_eq!(got.slots.occasion, None);
}

#[test]
fn an_interest_the_rules_missed_comes_from_the_model() {
    let text = "gift for my sister-in-law, she's taken up yoga lately";
    assert!(understander().understand(text).slots.interests.is_empty(), "the rules alone miss it");
    let got = merged(text, r#"{"interests":["yoga"]}"#);
    assert_eq!(got.slots.interests, ["yoga"]);
    assert!(!got.keywords.contains(&"yoga".to_string()), "no longer a loose keyword: {got:?}");
}

#[test]
fn an_interest_the_catalog_never_mentions_is_not_kept() {
    let got = merged("gift for my sister-in-law, she's taken up zorbing", r#"{"interests":["zorbing"]}"#);
    assert!(!got.slots.interests.contains(&"zorbing".to_string()), "{got:?}");
}

#[test]
fn money_comes_from_the_rules_when_they_found_any() {
    let got = merged("a coffee gift under £20", r#"{"budget":{"min":null,"max":200}}"#);
    assert_eq!(got.slots.budget.unwrap().max, Some(Amount::units(20)));
}

#[test]
fn a_model_budget_is_only_a_cue_for_the_rules_to_read_one() {
    let invented = merged("something mid-range for my sister", r#"{"budget":{"min":null,"max":50}}"#);
    assert_eq!(invented.slots.budget, None, "a budget is never invented");
    let text = "thinking 40 for my dad";
    assert_eq!(understander().understand(text).slots.budget, None, "the rules alone are unsure");
    let loose = merged(text, r#"{"budget":{"min":null,"max":40}}"#);
    assert_eq!(loose.slots.budget.and_then(|b| b.max), Some(Amount::units(40)), "{loose:?}");
    let wrong = merged(text, r#"{"budget":{"min":null,"max":400}}"#);
    assert_eq!(wrong.slots.budget.and_then(|b| b.max), Some(Amount::units(40)), "the rules read the amount");
    let age_not_money = merged("my nephew is 6, he likes trains", r#"{"age":6,"budget":{"min":null,"max":6}}"#);
    assert_ne!(age_not_money.slots.budget.and_then(|b| b.max), Some(Amount::units(6)), "{age_not_money:?}");
}

#[test]
fn exclusions_come_only_from_the_rules() {
    let got = merged("he loves lego and trains", r#"{"exclude":["lego"],"interests":["lego","trains"]}"#);
    assert!(got.slots.exclude.is_empty(), "a model's misreading must not hide products: {got:?}");
}

#[test]
fn a_gift_purpose_needs_someone_or_an_occasion() {
    let lone = merged("something nice with ceramics", r#"{"purpose":"gift"}"#);
    assert_eq!(lone.slots.purpose, None);
    let me = merged("treating myself to something ceramic", r#"{"purpose":"self"}"#);
    assert_eq!(me.slots.purpose, Some(Purpose::Myself));
}
