//! The script format (INTERFACE.md, "Scripted conversations"): a context, an optional
//! shopper fixture, and turns that say something, send an event or start a new visit, each
//! with what it expects of the reply.
//!
//! Parsing collects every problem it can find in one pass (unknown keys, bad regexes, wrong
//! types), each at its own line, so a script writer fixes them all at once.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::expect::{self, BUDGET_KEYS, Expect, SLOT_KEYS};
use super::yaml::{self, Located, Node};
use crate::problem::Problem;

/// The keys of a `context:` (as in `hello`).
const CONTEXT_KEYS: &[&str] = &["page", "product_id", "referrer", "device", "locale", "country"];
/// The keys of an event (a fixture's `events:` item or an `event:` turn).
const EVENT_KEYS: &[&str] = &["id", "kind", "product_id", "query", "status", "order", "at", "customer_id"];

/// One parsed script.
#[derive(Debug, Clone)]
pub struct Script {
    /// The file, as it was named on the command line or found in a folder.
    pub path: PathBuf,
    /// `name:`, or the file name without its extension.
    pub name: String,
    /// The `hello` context of the first visit (a JSON object, possibly empty).
    pub context: Value,
    pub shopper: Option<Fixture>,
    /// `orders:`, the shop's order history before the script (other customers' orders, what
    /// bought-together and buy-it-again statistics learn from), as the shop's backend posts
    /// them: `purchase` events naming their `customer_id`.
    pub orders: Vec<Value>,
    pub turns: Vec<Turn>,
}

/// What the shop already knows about the shopper before the first visit.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Fixture {
    /// Declared slots, in the shape of `PATCH /v1/profile`'s `declared`.
    pub declared: Map<String, Value>,
    /// Past orders, each the product ids it contained.
    pub orders: Vec<Vec<String>>,
    /// Past events, as `POST /v1/events` takes them with the shopper's token (without `id`,
    /// which drivers assign): what the widget would have sent.
    pub events: Vec<Value>,
    /// Past events the shop's backend recorded (its key, naming the shopper's customer, see
    /// [`Fixture::customer`]): orders the shop vouches for, which offers count.
    pub shop_events: Vec<Value>,
}

impl Fixture {
    /// The shop customer id a fixture's shopper is linked to for its `shop_events`: derived
    /// from the shopper's token, so every script's shopper has its own on a shared server.
    pub fn customer(token: &str) -> String {
        use sha2::Digest;
        let digest = hex::encode(sha2::Sha256::digest(token.as_bytes()));
        format!("replay-{}", &digest[..16])
    }

    /// The orders as `purchase` events: `{"kind":"purchase","order":{"items":[{"product_id":..}]}}`.
    pub fn order_events(&self) -> Vec<Value> {
        self.orders
            .iter()
            .map(|items| {
                let items: Vec<Value> = items.iter().map(|id| serde_json::json!({"product_id": id})).collect();
                serde_json::json!({"kind": "purchase", "order": {"items": items}})
            })
            .collect()
    }
}

/// One turn: what the shopper does, and what the reply must show.
#[derive(Debug, Clone)]
pub struct Turn {
    /// The line the turn starts on.
    pub line: usize,
    pub step: Step,
    pub expect: Option<Expect>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// The shopper sends a message.
    Say(String),
    /// The widget sends an event (`{"kind":"product_viewed","product_id":..}`).
    Event(Value),
    /// The same shopper comes back later: a new session with this context.
    Visit { context: Value },
    /// No action: the expectations apply to the latest reply (the greeting, when first).
    Look,
}

impl Turn {
    /// A short description for reports: `say "under £25, he loves trains"`.
    pub fn describe(&self) -> String {
        match &self.step {
            Step::Say(text) => format!("say {}", quote_short(text, 60)),
            Step::Event(event) => {
                format!("event {}", event.get("kind").and_then(Value::as_str).unwrap_or("?"))
            }
            Step::Visit { .. } => "visit".into(),
            Step::Look => "the latest reply".into(),
        }
    }
}

/// `text` in double quotes, cut to `max` characters with an ellipsis.
pub(crate) fn quote_short(text: &str, max: usize) -> String {
    let mut short: String = text.chars().take(max).collect();
    if text.chars().count() > max {
        short.push('…');
    }
    format!("{short:?}")
}

impl Script {
    /// Reads and parses a script file; every problem is a `file:line: message`.
    pub fn load(path: &Path) -> Result<Script, Vec<Problem>> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .map_err(|e| vec![Problem { file: file.clone(), line: 0, message: format!("cannot read: {e}") }])?;
        Script::parse(&text, path)
    }

    /// Parses a script's text; `path` names it in problems and reports.
    pub fn parse(text: &str, path: &Path) -> Result<Script, Vec<Problem>> {
        let file = path.display().to_string();
        let tie = |found: Vec<Located>| {
            found.into_iter().map(|l| Problem { file: file.clone(), line: l.line, message: l.message }).collect()
        };
        let root = match yaml::load(text) {
            Ok(Some(root)) => root,
            Ok(None) => return Err(tie(vec![Located::new(0, "empty script: expected `turns:`")])),
            Err(problem) => return Err(tie(vec![problem])),
        };
        let mut problems = Vec::new();
        let script = read(&root, path, &mut problems);
        // Found by walking the tree, so nested problems can come before their parents'.
        problems.sort_by_key(|p| p.line);
        if problems.is_empty() { Ok(script) } else { Err(tie(problems)) }
    }
}

fn read(root: &Node<'_>, path: &Path, problems: &mut Vec<Located>) -> Script {
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let mut script = Script {
        path: path.to_path_buf(),
        name: stem,
        context: empty(),
        shopper: None,
        orders: Vec::new(),
        turns: Vec::new(),
    };
    let mut saw_turns = false;
    let keys = ["name", "context", "shopper", "orders", "turns"];
    for field in yaml::fields(root, "the script", &keys, problems).unwrap_or_default() {
        match field.key.as_str() {
            "name" => keep(yaml::text(field.value, "name"), problems, |n| script.name = n),
            "context" => keep(context(field.value, problems), problems, |c| script.context = c),
            "shopper" => script.shopper = Some(fixture(field.value, problems)),
            "orders" => {
                for (n, order) in yaml::items(field.value).into_iter().enumerate() {
                    keep(shop_order(order, n, problems), problems, |o| script.orders.push(o));
                }
            }
            _ => {
                saw_turns = true;
                script.turns = turns(field.value, problems);
            }
        }
    }
    if !saw_turns {
        problems.push(Located::new(yaml::line(root), "a script needs `turns:`"));
    }
    script
}

/// Stores a parsed value, or records why it could not be read.
fn keep<T>(result: Result<T, Located>, problems: &mut Vec<Located>, store: impl FnOnce(T)) {
    match result {
        Ok(value) => store(value),
        Err(problem) => problems.push(problem),
    }
}

fn empty() -> Value {
    Value::Object(Map::new())
}

fn context(node: &Node<'_>, problems: &mut Vec<Located>) -> Result<Value, Located> {
    if yaml::is_null(node) {
        return Ok(empty());
    }
    let _ = yaml::fields(node, "context", CONTEXT_KEYS, problems);
    yaml::to_json(node)
}

fn fixture(node: &Node<'_>, problems: &mut Vec<Located>) -> Fixture {
    let mut fixture = Fixture::default();
    let keys = ["declared", "orders", "events", "shop_events"];
    for field in yaml::fields(node, "shopper", &keys, problems).unwrap_or_default() {
        match field.key.as_str() {
            "declared" => fixture.declared = declared(field.value, problems),
            "orders" => {
                for order in yaml::items(field.value) {
                    keep(self::order(order, problems), problems, |o| fixture.orders.push(o));
                }
            }
            "events" => {
                for item in yaml::items(field.value) {
                    keep(event(item, problems), problems, |e| fixture.events.push(e));
                }
            }
            _ => {
                for item in yaml::items(field.value) {
                    keep(event(item, problems), problems, |e| fixture.shop_events.push(e));
                }
            }
        }
    }
    fixture
}

/// Declared slots: each must be a known slot whose value has the slot's JSON shape.
fn declared(node: &Node<'_>, problems: &mut Vec<Located>) -> Map<String, Value> {
    let mut out = Map::new();
    for field in yaml::fields(node, "shopper.declared", SLOT_KEYS, problems).unwrap_or_default() {
        if field.key == "budget" && !yaml::is_null(field.value) {
            let _ = yaml::fields(field.value, "shopper.declared.budget", BUDGET_KEYS, problems);
        }
        let value = match yaml::to_json(field.value) {
            Ok(value) => value,
            Err(problem) => {
                problems.push(problem);
                continue;
            }
        };
        let one = serde_json::json!({ field.key.clone(): value.clone() });
        if let Err(e) = serde_json::from_value::<crate::slots::Slots>(one) {
            problems.push(Located::new(field.line, format!("shopper.declared.{}: {e}", field.key)));
            continue;
        }
        out.insert(field.key, value);
    }
    out
}

/// An order: `{product_id: sku-9}` or `{items: [sku-1, {product_id: sku-2}]}`.
fn order(node: &Node<'_>, problems: &mut Vec<Located>) -> Result<Vec<String>, Located> {
    let mut ids = Vec::new();
    for field in yaml::fields(node, "an order", &["product_id", "items"], problems).unwrap_or_default() {
        if field.key == "product_id" {
            ids.push(yaml::text(field.value, "product_id")?);
            continue;
        }
        for item in yaml::items(field.value) {
            if let Ok(id) = yaml::text(item, "an item") {
                ids.push(id);
                continue;
            }
            for f in yaml::fields(item, "an order item", &["product_id"], problems).unwrap_or_default() {
                ids.push(yaml::text(f.value, "product_id")?);
            }
        }
    }
    if ids.is_empty() {
        return Err(Located::new(yaml::line(node), "an order needs `product_id` or `items`"));
    }
    Ok(ids)
}

/// A shop order: `{customer: c-1, at: 2025-11-01T10:00:00Z, items: [sku-1, sku-2]}`, as the
/// purchase event the shop's backend would post (`n`: its place in the list, for its id).
fn shop_order(node: &Node<'_>, n: usize, problems: &mut Vec<Located>) -> Result<Value, Located> {
    let (mut customer, mut at, mut items) = (None, None, Vec::new());
    for field in yaml::fields(node, "a shop order", &["customer", "at", "items"], problems).unwrap_or_default() {
        match field.key.as_str() {
            "customer" => customer = Some(yaml::text(field.value, "customer")?),
            "at" => at = Some(yaml::text(field.value, "at")?),
            _ => {
                for item in yaml::items(field.value) {
                    items.push(serde_json::json!({"product_id": yaml::text(item, "an item")?}));
                }
            }
        }
    }
    let (Some(customer), false) = (customer, items.is_empty()) else {
        return Err(Located::new(yaml::line(node), "a shop order needs `customer` and `items`"));
    };
    let mut event = serde_json::json!({
        "id": format!("shop-order-{n}"), "kind": "purchase", "customer_id": customer,
        "order": {"id": format!("shop-order-{n}"), "items": items},
    });
    if let Some(at) = at {
        event["at"] = Value::String(at);
    }
    Ok(event)
}

/// An event: a mapping with a `kind`, passed to the chat as written.
fn event(node: &Node<'_>, problems: &mut Vec<Located>) -> Result<Value, Located> {
    let fields = yaml::fields(node, "an event", EVENT_KEYS, problems).unwrap_or_default();
    if !fields.iter().any(|f| f.key == "kind") {
        return Err(Located::new(yaml::line(node), "an event needs a `kind` (e.g. product_viewed)"));
    }
    yaml::to_json(node)
}

fn turns(node: &Node<'_>, problems: &mut Vec<Located>) -> Vec<Turn> {
    if !yaml::is_sequence(node) {
        problems.push(Located::new(yaml::line(node), "`turns:` must be a list of turns (`- say: ...`)"));
        return Vec::new();
    }
    yaml::items(node).into_iter().filter_map(|item| turn(item, problems)).collect()
}

fn turn(node: &Node<'_>, problems: &mut Vec<Located>) -> Option<Turn> {
    let line = yaml::line(node);
    let known_before = problems.len();
    let mut steps = Vec::new();
    let mut expect = None;
    for field in yaml::fields(node, "a turn", &["say", "event", "visit", "expect"], problems)? {
        let step = match field.key.as_str() {
            "say" => yaml::text(field.value, "say").map(Step::Say),
            "event" => event(field.value, problems).map(Step::Event),
            "visit" => visit(field.value, problems),
            _ => {
                expect = Some(expect::parse(field.value, problems));
                continue;
            }
        };
        match step {
            Ok(step) => steps.push((field.line, step)),
            Err(problem) => problems.push(problem),
        }
    }
    if steps.len() > 1 {
        problems.push(Located::new(steps[1].0, "a turn does one thing: `say`, `event` or `visit`, not several"));
    }
    let step = match steps.into_iter().next() {
        Some((_, step)) => step,
        None if expect.is_some() => Step::Look,
        None => {
            // A turn whose only key was a typo has already been reported at that key.
            if problems.len() == known_before {
                problems.push(Located::new(line, "a turn needs `say`, `event`, `visit` or `expect`"));
            }
            return None;
        }
    };
    Some(Turn { line, step, expect })
}

fn visit(node: &Node<'_>, problems: &mut Vec<Located>) -> Result<Step, Located> {
    if yaml::is_null(node) {
        return Ok(Step::Visit { context: empty() });
    }
    let mut context = empty();
    for field in yaml::fields(node, "visit", &["context"], problems).unwrap_or_default() {
        context = self::context(field.value, problems)?;
    }
    Ok(Step::Visit { context })
}
