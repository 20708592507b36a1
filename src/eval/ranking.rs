//! The ranking evaluation: each request of a set through the ranker under test and through a
//! plain BM25 baseline over the same catalog, judged by the request's own rule.
//!
//! - **P@5**: the share of the first five products that are relevant (title pattern and
//!   budget), out of `min(5, relevant products in the catalog)`, so a shop with two watches is
//!   not blamed for showing two. Requests the catalog has nothing relevant for are counted
//!   apart, with how many products were shown for them anyway.
//! - **Budget compliance**: the share of products shown, for requests stating a budget, whose
//!   price is within it.
//! - **Untrue why lines**: interest and keyword lines whose word is not a word of the product,
//!   or an interest only inside one of the catalog's names (see [`super::truth`]).

use std::fmt::Write as _;

use regex::Regex;
use rust_decimal::prelude::ToPrimitive;

use super::EvalError;
use super::sets::{RankingSet, Request};
use super::truth::untrue_words;
use crate::catalog::{CatalogIndex, Product, Signal};

/// How many products each request is judged on.
pub(crate) const K: usize = 5;

/// One product as a ranker showed it.
pub(crate) struct Shown<'a> {
    pub product: &'a Product,
    pub signals: Vec<Signal>,
}

/// The figures of one ranker over one set.
#[derive(Debug, Default, Clone)]
pub(crate) struct Figures {
    pub precision_sum: f64,
    pub judged: usize,
    pub in_budget: usize,
    pub budgeted: usize,
    pub untrue: usize,
    /// Requests with nothing relevant in the catalog, and products shown for them anyway.
    pub no_fit: usize,
    pub shown_for_no_fit: usize,
}

impl Figures {
    pub(crate) fn precision(&self) -> f64 {
        if self.judged == 0 { 0.0 } else { self.precision_sum / self.judged as f64 }
    }

    pub(crate) fn compliance(&self) -> f64 {
        if self.budgeted == 0 { 1.0 } else { self.in_budget as f64 / self.budgeted as f64 }
    }
}

/// A set's figures for the ranker under test and the baseline, and notes on each miss.
pub(crate) struct Outcome {
    pub name: String,
    pub products: usize,
    pub requests: usize,
    pub ranker: Figures,
    pub baseline: Figures,
    pub notes: String,
}

/// Runs every request of `set` over `index` through `rank` (the ranker under test) and plain
/// BM25. `rank` returns at most [`K`] products for a shopper's opening message.
pub(crate) fn evaluate<'a>(
    set: &RankingSet,
    index: &'a CatalogIndex,
    rank: &dyn Fn(&str) -> Result<Vec<Shown<'a>>, EvalError>,
) -> Result<Outcome, EvalError> {
    let products = index.catalog().products();
    let mut outcome = Outcome {
        name: set.name.clone(),
        products: products.len(),
        requests: set.requests.len(),
        ranker: Figures::default(),
        baseline: Figures::default(),
        notes: String::new(),
    };
    for request in &set.requests {
        let rule = Rule::new(request).map_err(|message| EvalError::Set { file: set.name.clone(), message })?;
        let ideal = products.iter().filter(|p| rule.relevant(p)).count();
        let shown = rank(&request.text)?;
        let baseline: Vec<Shown<'a>> = index
            .plain_bm25(&request.text, K)?
            .into_iter()
            .map(|i| Shown { product: &products[i], signals: Vec::new() })
            .collect();
        let p = judge(&rule, ideal, &shown, &mut outcome.ranker);
        judge(&rule, ideal, &baseline, &mut outcome.baseline);
        let mut untrue_lines = Vec::new();
        for s in &shown {
            for signal in &s.signals {
                let untrue = untrue_words(s.product, signal, index.kinds().names());
                if !untrue.is_empty() {
                    outcome.ranker.untrue += 1;
                    untrue_lines.push(format!("{:?} on \"{}\"", untrue, s.product.title));
                }
            }
        }
        if p.is_some_and(|p| p < 1.0) || (ideal == 0 && !shown.is_empty()) || !untrue_lines.is_empty() {
            let score = p.map_or_else(|| "no fit".to_string(), |p| format!("P@5 {p:.2}"));
            let _ = writeln!(outcome.notes, "  {score} ({ideal} relevant): {}", request.text);
            for s in &shown {
                let mark = if rule.relevant(s.product) { '+' } else { '-' };
                let _ = writeln!(outcome.notes, "      {mark} {} ({})", s.product.title, s.product.price.decimal());
            }
            for line in untrue_lines {
                let _ = writeln!(outcome.notes, "      untrue: {line}");
            }
        }
    }
    Ok(outcome)
}

/// Adds one request's judgement to `figures`; its P@5, or `None` when nothing is relevant.
fn judge(rule: &Rule, ideal: usize, shown: &[Shown<'_>], figures: &mut Figures) -> Option<f64> {
    if rule.has_budget() {
        figures.budgeted += shown.len();
        figures.in_budget += shown.iter().filter(|s| rule.in_budget(s.product)).count();
    }
    if ideal == 0 {
        figures.no_fit += 1;
        figures.shown_for_no_fit += shown.len();
        return None;
    }
    let hits = shown.iter().take(K).filter(|s| rule.relevant(s.product)).count();
    let p = hits as f64 / ideal.min(K) as f64;
    figures.precision_sum += p;
    figures.judged += 1;
    Some(p)
}

struct Rule {
    title: Regex,
    min: Option<f64>,
    max: Option<f64>,
}

impl Rule {
    fn new(request: &Request) -> Result<Rule, String> {
        let title = Regex::new(&request.relevant).map_err(|e| format!("request {:?}: {e}", request.text))?;
        Ok(Rule { title, min: request.min, max: request.max })
    }

    fn has_budget(&self) -> bool {
        self.min.is_some() || self.max.is_some()
    }

    fn in_budget(&self, product: &Product) -> bool {
        let price = product.price.decimal().to_f64().unwrap_or(f64::MAX);
        self.min.is_none_or(|m| price >= m - 1e-9) && self.max.is_none_or(|m| price <= m + 1e-9)
    }

    fn relevant(&self, product: &Product) -> bool {
        self.title.is_match(&product.title) && self.in_budget(product)
    }
}

/// The figures as a table: the ranker under test beside the baseline.
pub(crate) fn table(outcome: &Outcome) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{} ({} products, {} requests)", outcome.name, outcome.products, outcome.requests);
    let _ = writeln!(out, "  {:<12} {:>6} {:>8} {:>8} {:>16}", "", "P@5", "budget", "untrue", "shown for no-fit");
    for (name, f, untrue) in [
        ("concierge", &outcome.ranker, outcome.ranker.untrue.to_string()),
        ("plain BM25", &outcome.baseline, "-".to_string()),
    ] {
        let no_fit = format!("{} in {}", f.shown_for_no_fit, f.no_fit);
        let _ = writeln!(
            out,
            "  {:<12} {:>6.3} {:>7.1}% {:>8} {:>16}",
            name,
            f.precision(),
            f.compliance() * 100.0,
            untrue,
            no_fit
        );
    }
    out
}
