//! What shoppers say: a realistic mix of conversations (gifts and self, children and adults,
//! budgets stated several ways, refinements such as "cheaper", "something else" and "why the
//! second one"), drawn at random from a seeded generator so two runs offer the same load.

use clap::ValueEnum;
use rand::Rng;
use rand::rngs::StdRng;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Kind {
    /// The realistic mix.
    Mix,
    /// Every turn states a budget larger than the last (durability checks).
    Budgets,
}

/// One message and, when it states a budget, the maximum a shopper meant.
pub struct Line {
    pub text: String,
    pub budget_max: Option<u32>,
}

impl Line {
    fn plain(text: impl Into<String>) -> Line {
        Line { text: text.into(), budget_max: None }
    }
}

fn pick<'a>(rng: &mut StdRng, items: &[&'a str]) -> &'a str {
    items[rng.random_range(0..items.len())]
}

/// A conversation of 2 to 6 messages from the realistic mix.
pub fn conversation(rng: &mut StdRng) -> Vec<Line> {
    let budget = rng.random_range(2..=30) * 5;
    let mut lines = match rng.random_range(0..6) {
        0 => {
            let who = pick(rng, &["nephew", "niece", "son", "daughter", "grandson"]);
            let likes = pick(rng, &["trains", "dinosaurs", "drawing", "space", "football"]);
            vec![
                Line::plain(format!("I need a present for my {who}")),
                Line { text: format!("under £{budget}, they love {likes}"), budget_max: Some(budget) },
            ]
        }
        1 => {
            let who = pick(rng, &["mum", "dad", "wife", "husband", "best friend", "boss"]);
            let likes = pick(rng, &["gardening", "cooking", "running", "reading", "coffee"]);
            vec![
                Line::plain(format!("a gift for my {who} who likes {likes}")),
                Line::plain(format!("around {budget} quid")),
            ]
        }
        2 => {
            let what = pick(rng, &["running shoes", "a backpack", "headphones", "a water bottle"]);
            vec![Line::plain("it's for me"), Line { text: format!("{what} under {budget}"), budget_max: Some(budget) }]
        }
        3 => {
            let age = rng.random_range(3..=80);
            let who = pick(rng, &["sister", "brother", "grandma", "colleague"]);
            vec![
                Line::plain(format!("birthday present for my {who}, turning {age}")),
                Line::plain(format!("£{}-£{budget}", budget / 2)),
            ]
        }
        4 => vec![Line::plain("hi"), Line::plain("just browsing, show me something popular")],
        _ => vec![Line::plain(format!("christmas gift for a 7 year old boy under £{budget}"))],
    };
    let refinements = ["cheaper", "something else", "why the second one?", "the first one", "more like that"];
    for _ in 0..rng.random_range(0..=3) {
        lines.push(Line::plain(pick(rng, &refinements)));
    }
    lines
}

/// A conversation of budgets only, each larger than the last: `start`, `start + 1`, ...
pub fn budgets(start: u32, count: u32) -> Vec<Line> {
    (start..start + count).map(|max| Line { text: format!("under £{max}"), budget_max: Some(max) }).collect()
}
