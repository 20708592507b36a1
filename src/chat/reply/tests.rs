use super::*;

#[test]
fn a_suggested_budget_is_round_and_includes_the_price() {
    let round = |p: &str| round_up_budget(p.parse().unwrap()).to_string();
    assert_eq!(round("5.99"), "6");
    assert_eq!(round("32.50"), "35");
    assert_eq!(round("35"), "35");
    assert_eq!(round("129.99"), "130");
    assert_eq!(round("612"), "650");
    let floor = |p: &str| round_down_budget(p.parse().unwrap()).to_string();
    assert_eq!(floor("17.99"), "15");
    assert_eq!(floor("5.99"), "5");
    assert_eq!(floor("612"), "600");
}

/// The context as it was built before: the serialised slots, copied key by key.
fn slots_value_by_serde(slots: &crate::slots::Slots) -> Value {
    let fields = Value::from_serialize(slots);
    let mut map = Context::new();
    map.insert("recipient_word".into(), Value::from(()));
    for key in fields.try_iter().unwrap() {
        map.insert(key.as_str().unwrap().to_string(), fields.get_item(&key).unwrap());
    }
    if let Some(budget) = &slots.budget {
        let mut fields = Context::new();
        fields.insert("min".into(), Value::from_serialize(budget.min));
        fields.insert("max".into(), Value::from_serialize(budget.max));
        fields.insert("currency".into(), Value::from_serialize(budget.currency));
        fields.insert("stated".into(), budget.stated.map_or(Value::from(()), |s| Value::from(s.as_str())));
        map.insert("budget".into(), Value::from(fields));
    }
    Value::from(map)
}

#[test]
fn templates_see_the_slots_as_their_serialisation_shows_them() {
    let empty = crate::slots::Slots::default();
    let full: crate::slots::Slots = serde_json::from_value(serde_json::json!({
        "purpose": "self", "recipient": "child", "recipient_word": "nephew", "age": 6, "occasion": "birthday",
        "budget": {"min": 10, "max": 25.5, "currency": "GBP", "stated": "about £25"},
        "interests": ["trains", "dinosaurs"], "exclude": ["lego"]
    }))
    .unwrap();
    let gift = crate::slots::Slots { purpose: Some(crate::slots::Purpose::Gift), ..full.clone() };
    for slots in [empty, full, gift] {
        let (built, serialised) = (slots_value(&slots), slots_value_by_serde(&slots));
        assert_eq!(built, serialised, "{slots:?}");
        assert_eq!(serde_json::to_string(&built).unwrap(), serde_json::to_string(&serialised).unwrap());
    }
}

#[test]
fn a_part_said_twice_is_said_once_and_empty_parts_vanish() {
    let parts = ["Got it.", "", "Here is an idea:", "Got it."].map(String::from).to_vec();
    assert_eq!(without_repeats(parts), ["Got it.", "Here is an idea:"]);
}
