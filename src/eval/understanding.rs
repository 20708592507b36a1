//! The understanding evaluation: labelled shopper messages, each read with no history, every
//! field compared with its label (a field left out of the label is expected empty).
//!
//! Field accuracy is correct fields over all fields (purpose, recipient, age, occasion, budget
//! with its currency, interests: six per message). A false budget is a budget read from a
//! message that states none: the worst mistake, since it silently hides products.

use std::fmt::Write as _;

use rust_decimal::prelude::ToPrimitive;

use super::sets::{Labelled, UnderstandingSet};
use super::truth::same_word;
use crate::slots::{Budget, Slots};
use crate::understand::Understander;

/// The fields compared per message.
const FIELDS: usize = 6;

/// What the evaluation found.
#[derive(Debug, Default)]
pub(crate) struct Outcome {
    pub messages: usize,
    pub correct_fields: usize,
    pub false_budgets: usize,
    /// One line per wrong field: the message, the field, expected and read.
    pub misses: Vec<String>,
}

impl Outcome {
    pub(crate) fn accuracy(&self) -> f64 {
        let fields = self.messages * FIELDS;
        if fields == 0 { 1.0 } else { self.correct_fields as f64 / fields as f64 }
    }

    pub(crate) fn summary(&self) -> String {
        let mut out = format!(
            "understanding ({} messages)\n  field accuracy {:.3}, false budgets {}\n",
            self.messages,
            self.accuracy(),
            self.false_budgets
        );
        for miss in &self.misses {
            let _ = writeln!(out, "  {miss}");
        }
        out
    }
}

/// Reads every message of `set` with `understander` and compares it with its label.
pub(crate) fn evaluate(set: &UnderstandingSet, understander: &Understander) -> Outcome {
    let mut outcome = Outcome::default();
    for label in &set.messages {
        outcome.messages += 1;
        let read = understander.understand(&label.text).slots;
        if label.budget.is_none() && read.budget.is_some() {
            outcome.false_budgets += 1;
        }
        for (field, expected, got) in compare(label, &read) {
            if expected == got {
                outcome.correct_fields += 1;
            } else {
                outcome.misses.push(format!("{:?}: {field}: expected {expected}, read {got}", label.text));
            }
        }
    }
    outcome
}

/// Each field as (name, expected, read), both as comparable text.
fn compare(label: &Labelled, read: &Slots) -> Vec<(&'static str, String, String)> {
    let text = |v: Option<String>| v.unwrap_or_else(|| "null".into());
    let purpose = read.purpose.map(|p| serde_json::to_value(p).map(|v| v.as_str().unwrap_or("").to_string()));
    let purpose = purpose.and_then(Result::ok);
    let budget_of_label = label.budget.map(|[min, max]| {
        let end = |v: f64| (v > 0.0).then_some(v);
        show_budget(end(min), end(max), label.currency.clone())
    });
    let budget_read = read.budget.as_ref().map(budget_text);
    let interests_match = label.interests.len() == read.interests.len()
        && label.interests.iter().all(|want| {
            read.interests.iter().any(|got| {
                let got = got.to_lowercase();
                let want = want.to_lowercase();
                got == want || same_word(&got, &want)
            })
        });
    let interests_read = format!("{:?}", read.interests);
    vec![
        ("purpose", text(label.purpose.clone()), text(purpose)),
        ("recipient", text(label.recipient.clone()), text(read.recipient.clone())),
        ("age", text(label.age.map(|a| a.to_string())), text(read.age.map(|a| a.to_string()))),
        ("occasion", text(label.occasion.clone()), text(read.occasion.clone())),
        ("budget", text(budget_of_label), text(budget_read)),
        (
            "interests",
            format!("{:?}", label.interests),
            if interests_match { format!("{:?}", label.interests) } else { interests_read },
        ),
    ]
}

fn budget_text(budget: &Budget) -> String {
    let end = |a: Option<crate::money::Amount>| a.and_then(|a| a.decimal().to_f64());
    show_budget(end(budget.min), end(budget.max), budget.currency.map(|c| c.code().to_string()))
}

fn show_budget(min: Option<f64>, max: Option<f64>, currency: Option<String>) -> String {
    let end = |v: Option<f64>| v.map_or_else(|| "-".to_string(), |v| format!("{:.2}", v));
    format!("{}..{} {}", end(min), end(max), currency.unwrap_or_else(|| "store".into()))
}
