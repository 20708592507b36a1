//! `why.toml`: one template per signal kind, rendering a signal as the line a shopper reads.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Mutex;

use minijinja::Environment;
use serde::Serialize;

use super::templates::{describe, environment};
use super::toml_file::{line_of, parse};
use crate::catalog::{Product, Signal};
use crate::money::{Amount, Currency};
use crate::problem::Problem;

/// The compiled why templates; rendering cannot fail for the variables they were checked with.
#[derive(Debug)]
pub struct WhyTemplates {
    env: Environment<'static>,
    /// The signal kinds whose template may read `product`: the others' lines are the same for
    /// every product, so they are remembered once rather than once per product.
    reads_product: BTreeSet<String>,
    /// Rendered lines by everything they depend on: the same products are shown with the same
    /// reasons to many shoppers, and a template costs far more than a lookup.
    cache: Mutex<HashMap<Vec<u8>, String>>,
}

/// Lines kept in the cache; it is emptied when full (bounded memory, no bookkeeping).
const CACHE_LINES: usize = 50_000;

/// What a why template sees besides the signal's own fields.
#[derive(Serialize)]
struct ProductFacts<'a> {
    title: &'a str,
    brand: Option<&'a str>,
    price: Amount,
}

impl WhyTemplates {
    /// Parses `why.toml`: every signal kind must have a template, no other key is allowed, and
    /// each template must compile and render with a sample of its signal's fields.
    pub fn parse(file: &str, text: &str) -> Result<WhyTemplates, Vec<Problem>> {
        let problem = |line: usize, message: String| Problem { file: file.to_string(), line, message };
        let table: BTreeMap<String, toml::Spanned<String>> = parse(file, text).map_err(|p| vec![p])?;
        let mut problems = Vec::new();
        let mut env = environment();
        let mut reads_product = BTreeSet::new();
        for (kind, template) in &table {
            let line = line_of(text, template.span().start);
            if !Signal::KINDS.contains(&kind.as_str()) {
                problems
                    .push(problem(line, format!("unknown signal kind `{kind}`; known: {}", Signal::KINDS.join(", "))));
                continue;
            }
            if let Err(e) = env.add_template_owned(kind.clone(), template.get_ref().clone()) {
                let (message, at) = describe(&e);
                problems.push(problem(line + at.unwrap_or(1) - 1, format!("template `{kind}`: {message}")));
                continue;
            }
            let sample = sample_signal(kind);
            let rendered = env.get_template(kind).and_then(|t| t.render(context(&sample, &sample_product(), "GBP")));
            if let Err(e) = rendered {
                let (message, _) = describe(&e);
                problems.push(problem(line, format!("template `{kind}`: {message}")));
            }
            if may_read_product(&env, kind, &sample) {
                reads_product.insert(kind.clone());
            }
        }
        for kind in Signal::KINDS {
            if !table.contains_key(kind) {
                problems.push(problem(0, format!("missing the template for signal kind `{kind}`")));
            }
        }
        if problems.is_empty() {
            Ok(WhyTemplates { env, reads_product, cache: Mutex::default() })
        } else {
            Err(problems)
        }
    }

    /// The line a shopper reads for one signal about one product.
    pub fn render(&self, signal: &Signal, product: &Product, currency: Currency) -> String {
        let read = self.reads_product.contains(signal.kind()).then_some(product);
        let key = cache_key(signal, read, currency);
        if let Some(line) = self.cache.lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
            return line.clone();
        }
        let line = self.render_uncached(signal, product, currency);
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        if cache.len() >= CACHE_LINES {
            cache.clear();
        }
        cache.insert(key, line.clone());
        line
    }

    fn render_uncached(&self, signal: &Signal, product: &Product, currency: Currency) -> String {
        let rendered =
            self.env.get_template(signal.kind()).and_then(|t| t.render(context(signal, product, currency.code())));
        // Templates were rendered with every field of their signal at load; a failure here
        // would be a bug in concierge, so say something true rather than nothing.
        rendered.unwrap_or_else(|e| {
            tracing::error!(kind = signal.kind(), error = %e, "why template failed");
            signal.kind().replace('_', " ")
        })
    }
}

/// Everything a why template can see, as bytes: the signal's kind and fields, the product's
/// title, brand and price (exactly, scale included) when the template may read them, and the
/// currency. Two keys are equal only when a template would render the same line from them, so
/// a changed product or price is a new line. Texts carry their length, so no two different
/// inputs make the same key.
fn cache_key(signal: &Signal, product: Option<&Product>, currency: Currency) -> Vec<u8> {
    let mut key = Key(Vec::with_capacity(128));
    key.text(signal.kind());
    // Every variant names its fields, so a field added to a signal fails to compile here
    // rather than sharing a line with a signal that differs only in it.
    match signal {
        Signal::Text { terms } => {
            key.number(terms.len() as u64);
            terms.iter().for_each(|t| key.text(t));
        }
        Signal::Interest { term } => key.text(term),
        Signal::Recipient { recipient, word } => {
            key.text(recipient);
            key.optional_text(word.as_deref());
        }
        Signal::Age { age } => key.number(u64::from(*age)),
        Signal::Occasion { occasion } => key.text(occasion),
        Signal::Budget { min, max, currency_assumed, stated } => {
            key.amount(*min);
            key.amount(*max);
            key.optional_text(currency_assumed.map(Currency::code));
            key.optional_text(stated.as_deref());
        }
        Signal::Rating { rating, reviews } => {
            key.number(rating.to_bits());
            key.number(*reviews);
        }
        Signal::Popularity { reviews } => key.number(*reviews),
        Signal::Viewed { product_id, title, term } => {
            key.text(product_id);
            key.text(title);
            key.text(term);
        }
        Signal::BoughtWith { product_id, title, place } => {
            key.text(product_id);
            key.text(title);
            key.optional_text(place.as_deref());
        }
        Signal::RecentlyViewed { days } => key.number(u64::from(*days)),
        Signal::Trending | Signal::Serendipity => {}
        Signal::Reorder { days, every } => {
            key.number(u64::from(*days));
            key.number(u64::from(*every));
        }
        Signal::Context { source, term } => {
            key.text(source);
            key.text(term);
        }
        Signal::Outside { over, under } => {
            key.amount(*over);
            key.amount(*under);
        }
        Signal::OtherType { asked } => key.text(asked),
    }
    match product {
        Some(product) => {
            key.0.push(1);
            key.text(&product.title);
            key.optional_text(product.brand.as_deref());
            key.amount(Some(product.price));
        }
        None => key.0.push(0),
    }
    key.text(currency.code());
    key.0
}

/// A cache key being written: fixed-width numbers, texts after their length.
struct Key(Vec<u8>);

impl Key {
    fn number(&mut self, value: u64) {
        self.0.extend_from_slice(&value.to_le_bytes());
    }

    fn text(&mut self, text: &str) {
        self.number(text.len() as u64);
        self.0.extend_from_slice(text.as_bytes());
    }

    fn optional_text(&mut self, text: Option<&str>) {
        match text {
            Some(text) => {
                self.0.push(1);
                self.text(text);
            }
            None => self.0.push(0),
        }
    }

    /// An amount exactly as held (mantissa and scale), so 25 and 25.00 stay apart.
    fn amount(&mut self, amount: Option<Amount>) {
        match amount {
            Some(amount) => {
                self.0.push(1);
                self.0.extend_from_slice(&amount.decimal().serialize());
            }
            None => self.0.push(0),
        }
    }
}

fn context(signal: &Signal, product: &Product, currency: &str) -> minijinja::Value {
    use minijinja::Value;
    // A plain map, built without a JSON detour: the signal's own fields, then the product and
    // currency over them.
    let mut map: BTreeMap<String, Value> = BTreeMap::new();
    // Optional fields are present (as none) so `{% if min %}` works under strict mode.
    for optional in ["min", "max", "word", "currency_assumed", "stated", "over", "under", "place"] {
        map.insert(optional.to_string(), Value::from(()));
    }
    let fields = Value::from_serialize(signal);
    if let Ok(keys) = fields.try_iter() {
        for key in keys {
            if let (Some(name), Ok(value)) = (key.as_str(), fields.get_item(&key)) {
                map.insert(name.to_string(), value);
            }
        }
    }
    let facts = ProductFacts { title: &product.title, brand: product.brand.as_deref(), price: product.price };
    map.insert("product".into(), Value::from_serialize(facts));
    map.insert("currency".into(), Value::from(currency));
    Value::from(map)
}

/// Whether the template of `kind` may read the product, erring towards yes: unless every
/// variable it names is one of its signal's fields, `currency` or `shop` (so not `product`,
/// nor a function such as `debug()` that shows the whole context) and it pulls in no other
/// template (which would see the same context and is not looked into).
fn may_read_product(env: &Environment<'static>, kind: &str, sample: &Signal) -> bool {
    let Ok(template) = env.get_template(kind) else { return true };
    let source = template.source();
    if ["include", "import", "extends"].iter().any(|tag| source.contains(tag)) {
        return true;
    }
    let context = context(sample, &sample_product(), "GBP");
    let mut known: BTreeSet<String> = BTreeSet::from(["currency".to_string(), "shop".to_string()]);
    if let Ok(keys) = context.try_iter() {
        known.extend(keys.filter_map(|k| k.as_str().map(str::to_string)).filter(|k| k != "product"));
    }
    !template.undeclared_variables(false).iter().all(|name| known.contains(name))
}

fn sample_product() -> Product {
    let gbp: Currency = "GBP".parse().unwrap_or_else(|_| unreachable!("GBP is an ISO code"));
    Product::new("sample", "Sample Product", Amount::units(20), gbp)
}

fn sample_signal(kind: &str) -> Signal {
    let s = |t: &str| t.to_string();
    match kind {
        "text" => Signal::Text { terms: vec![s("wooden"), s("train")] },
        "interest" => Signal::Interest { term: s("trains") },
        "recipient" => Signal::Recipient { recipient: s("child"), word: Some(s("nephew")) },
        "age" => Signal::Age { age: 6 },
        "occasion" => Signal::Occasion { occasion: s("baby_shower") },
        "budget" => Signal::Budget {
            min: Some(Amount::units(10)),
            max: Some(Amount::units(25)),
            currency_assumed: "USD".parse().ok(),
            stated: Some(s("around $25")),
        },
        "outside" => Signal::Outside { over: Some(Amount::units(15)), under: None },
        "other_type" => Signal::OtherType { asked: s("book") },
        "viewed" => Signal::Viewed { product_id: s("sku-1"), title: s("Trail Shoes"), term: s("running") },
        "bought_with" => {
            Signal::BoughtWith { product_id: s("sku-2"), title: s("Espresso Cups"), place: Some(s("basket")) }
        }
        "recently_viewed" => Signal::RecentlyViewed { days: 2 },
        "trending" => Signal::Trending,
        "serendipity" => Signal::Serendipity,
        "reorder" => Signal::Reorder { days: 30, every: 28 },
        "context" => Signal::Context { source: s("referrer"), term: s("running") },
        "rating" => Signal::Rating { rating: 4.6, reviews: 120 },
        _ => Signal::Popularity { reviews: 800 },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn builtin() -> String {
        include_str!("../../prompts/why.toml").to_string()
    }

    #[test]
    fn each_signal_renders_a_line_with_the_catalog_currency() {
        let why = WhyTemplates::parse("why.toml", &builtin()).unwrap();
        let product = sample_product();
        let budget = Signal::Budget { min: None, max: Some(Amount::units(25)), currency_assumed: None, stated: None };
        assert_eq!(why.render(&budget, &product, "GBP".parse().unwrap()), "£20, within your £25 budget");
        assert_eq!(why.render(&budget, &product, "EUR".parse().unwrap()), "€20, within your €25 budget");
        let rating = Signal::Rating { rating: 4.6, reviews: 120 };
        assert_eq!(why.render(&rating, &product, "GBP".parse().unwrap()), "Rated 4.6/5 by 120 shoppers");
    }

    #[test]
    fn a_remembered_line_is_not_reused_for_a_product_whose_price_changed() {
        let why = WhyTemplates::parse("why.toml", &builtin()).unwrap();
        let budget = Signal::Budget { min: None, max: Some(Amount::units(25)), currency_assumed: None, stated: None };
        let mut product = sample_product();
        let gbp = "GBP".parse().unwrap();
        assert_eq!(why.render(&budget, &product, gbp), "£20, within your £25 budget");
        assert_eq!(why.render(&budget, &product, gbp), "£20, within your £25 budget", "from the cache");
        product.price = Amount::units(22);
        assert_eq!(why.render(&budget, &product, gbp), "£22, within your £25 budget");
    }

    #[test]
    fn a_remembered_line_is_not_reused_for_a_signal_that_differs_in_any_field() {
        let why = WhyTemplates::parse("why.toml", &builtin()).unwrap();
        let (product, gbp) = (sample_product(), "GBP".parse().unwrap());
        let line = |signal: &Signal| why.render(signal, &product, gbp);
        let words = Signal::Recipient { recipient: s("child"), word: Some(s("nephew")) };
        let plain = Signal::Recipient { recipient: s("child"), word: None };
        assert_eq!((line(&words), line(&plain)), (s("Picked for your nephew"), s("Picked for your child")));
        let stated = |stated: Option<&str>| Signal::Budget {
            min: None,
            max: Some(Amount::units(25)),
            currency_assumed: None,
            stated: stated.map(s),
        };
        assert_eq!(line(&stated(None)), "£20, within your £25 budget");
        assert_eq!(line(&stated(Some("under 25"))), "£20, within your budget (under 25)");
        // A key that ran texts together would serve the second the first one's line.
        let one = Signal::Viewed { product_id: s("a"), title: s("bc"), term: s("d") };
        let two = Signal::Viewed { product_id: s("ab"), title: s("c"), term: s("d") };
        assert_ne!(cache_key(&one, Some(&product), gbp), cache_key(&two, Some(&product), gbp));
        assert_ne!(line(&one), line(&two));
    }

    fn s(text: &str) -> String {
        text.to_string()
    }

    fn remembered(why: &WhyTemplates) -> usize {
        why.cache.lock().unwrap().len()
    }

    fn other_product(title: &str, price: u32) -> Product {
        Product::new("other", title, Amount::units(price), "GBP".parse().unwrap())
    }

    #[test]
    fn a_line_that_does_not_show_the_product_is_remembered_once_for_every_product() {
        let why = WhyTemplates::parse("why.toml", &builtin()).unwrap();
        let gbp = "GBP".parse().unwrap();
        let (one, two) = (sample_product(), other_product("Kite", 9));
        let rating = Signal::Rating { rating: 4.6, reviews: 120 };
        assert_eq!(why.render(&rating, &one, gbp), why.render(&rating, &two, gbp));
        assert_eq!(remembered(&why), 1, "one line for both products");
        // The budget line shows the price: one line per product.
        let budget = Signal::Budget { min: None, max: Some(Amount::units(25)), currency_assumed: None, stated: None };
        assert_eq!(why.render(&budget, &one, gbp), "£20, within your £25 budget");
        assert_eq!(why.render(&budget, &two, gbp), "£9, within your £25 budget");
        assert_eq!(remembered(&why), 3);
    }

    #[test]
    fn a_template_that_may_read_the_product_keeps_each_products_line() {
        let gbp = "GBP".parse().unwrap();
        let (one, two) = (sample_product(), other_product("Kite", 9));
        let text = Signal::Text { terms: vec![s("kite")] };
        // Named only in a branch never taken: still counted as read.
        let hidden = builtin().replace(
            "text = \"Matches “{{ terms | join(' ') }}”\"",
            "text = \"Matches {{ terms | join(' ') }}{% if false %}{{ product.title }}{% endif %}\"",
        );
        let why = WhyTemplates::parse("why.toml", &hidden).unwrap();
        assert_eq!(why.render(&text, &one, gbp), why.render(&text, &two, gbp));
        assert_eq!(remembered(&why), 2, "the product is part of the key");
        // Another template pulled in sees the product although this one never names it.
        let included =
            builtin().replace("text = \"Matches “{{ terms | join(' ') }}”\"", "text = \"{% include 'outside' %}\"");
        let why = WhyTemplates::parse("why.toml", &included).unwrap();
        assert_eq!(why.render(&text, &one, gbp), "Just under your range: Sample Product, £20");
        assert_eq!(why.render(&text, &two, gbp), "Just under your range: Kite, £9");
    }

    #[test]
    fn an_unknown_variable_is_reported_at_its_line() {
        let text = builtin().replace("Suits a {{ age }}-year-old", "Suits a {{ agee }}-year-old");
        let line = text.lines().position(|l| l.contains("agee")).unwrap() + 1;
        let problems = WhyTemplates::parse("why.toml", &text).unwrap_err();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].line, line);
        assert!(problems[0].to_string().starts_with(&format!("why.toml:{line}: template `age`")), "{}", problems[0]);
    }

    #[test]
    fn syntax_errors_unknown_kinds_and_missing_kinds_are_all_reported() {
        let text = builtin().replace("For someone who loves {{ term }}", "For someone who loves {{ term ")
            + "\nsparkle = \"shiny\"\n";
        let text = text.lines().filter(|l| !l.starts_with("popularity")).collect::<Vec<_>>().join("\n");
        let problems = WhyTemplates::parse("why.toml", &text).unwrap_err();
        let all = problems.iter().map(|p| p.to_string()).collect::<Vec<_>>().join("\n");
        assert!(all.contains("template `interest`"), "{all}");
        assert!(all.contains("unknown signal kind `sparkle`"), "{all}");
        assert!(all.contains("missing the template for signal kind `popularity`"), "{all}");
    }

    #[test]
    fn a_toml_syntax_error_names_its_line() {
        let problems = WhyTemplates::parse("why.toml", "text = \"ok\"\nage = \n").unwrap_err();
        assert_eq!(problems[0].line, 2, "{problems:?}");
    }
}
