//! Sample template contexts: every variable a template may use, in an empty and a full form,
//! so that loading a prompt file renders each template against all of them and an unknown
//! variable is caught before a shopper ever sees the template.

use minijinja::Value;
use serde_json::{Value as Json, json};

/// Contexts with the variables every template has (`slots`, `summary`, `currency`), the
/// first with nothing known, the second with every slot known, the third a purchase for self.
pub(crate) fn common() -> Vec<Value> {
    common_json().into_iter().map(|j| Value::from_serialize(&j)).collect()
}

fn common_json() -> Vec<Json> {
    let empty = json!({"purpose":null,"recipient":null,"recipient_word":null,"age":null,"occasion":null,
        "budget":null,"interests":[],"exclude":[]});
    let full = json!({"purpose":"gift","recipient":"child","recipient_word":"nephew","age":6,
        "occasion":"birthday","budget":{"min":10,"max":25,"currency":"GBP","stated":null},"interests":["trains"],"exclude":["lego"]});
    let own = json!({"purpose":"self","recipient":null,"recipient_word":null,"age":null,"occasion":null,
        "budget":{"min":null,"max":40,"currency":null,"stated":"around 35"},"interests":[],"exclude":[]});
    [(empty, ""), (full, "a birthday gift for your 6-year-old nephew"), (own, "something for you, around 35")]
        .into_iter()
        .map(|(slots, summary)| {
            json!({"slots": slots, "summary": summary, "currency": "GBP", "shop": crate::shop::Shop::default()})
        })
        .collect()
}

/// The common contexts, each extended with `extra` variables in each of their given forms.
pub(crate) fn with(extras: &[Json]) -> Vec<Value> {
    let mut out = Vec::new();
    for base in common_json() {
        for extra in extras {
            let mut context = base.clone();
            if let (Some(map), Some(add)) = (context.as_object_mut(), extra.as_object()) {
                map.extend(add.clone());
            }
            out.push(Value::from_serialize(&context));
        }
    }
    out
}
