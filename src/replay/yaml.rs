//! Reading YAML with line numbers: a thin layer over `saphyr`'s marked nodes.
//!
//! Scripts are read by walking the node tree by hand (not with serde) so that every problem
//! and every assertion knows the line it came from, and so that an unknown key anywhere (a
//! typo like `pirce_max`) is reported at its own line with the keys that were expected.
//! Scalars are kept as written (`early_parse(false)`): `say: 20` is the text "20", not an
//! integer that prints back differently.

use std::borrow::Cow;

use rust_decimal::Decimal;
use saphyr::{MarkedYaml, Scalar, ScalarStyle, YamlData, YamlLoader};
use saphyr_parser::Parser;

/// One YAML node with its position.
pub(crate) type Node<'a> = MarkedYaml<'a>;

/// A problem in a script, before it is tied to its file: the line (1-based) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Located {
    pub line: usize,
    pub message: String,
}

impl Located {
    pub fn new(line: usize, message: impl Into<String>) -> Located {
        Located { line, message: message.into() }
    }
}

/// Parses one YAML document; `Ok(None)` for an empty file.
pub(crate) fn load(text: &str) -> Result<Option<Node<'_>>, Located> {
    let mut loader: YamlLoader<'_, Node<'_>> = YamlLoader::default();
    loader.early_parse(false);
    let mut parser = Parser::new_from_str(text);
    let scanned = parser.load(&mut loader, true);
    let error = scanned.err().or_else(|| loader.error().cloned());
    if let Some(e) = error {
        return Err(Located::new(e.marker().line().max(1), format!("YAML error: {}", e.info())));
    }
    let mut docs = loader.into_documents();
    if docs.len() > 1 {
        return Err(Located::new(1, "a script is one YAML document; found several (`---`)"));
    }
    Ok(docs.pop())
}

/// The line a node starts on (1-based).
pub(crate) fn line(node: &Node<'_>) -> usize {
    node.span.start.line().max(1)
}

/// A scalar as written: its text and whether it was quoted or a block.
fn scalar<'n>(node: &'n Node<'_>) -> Option<(&'n str, bool)> {
    match &node.data {
        YamlData::Representation(text, style, _) => Some((text.as_ref(), *style != ScalarStyle::Plain)),
        YamlData::Value(Scalar::String(text)) => Some((text.as_ref(), true)),
        _ => None,
    }
}

/// Whether the node is YAML null (`~`, `null`, or nothing at all).
pub(crate) fn is_null(node: &Node<'_>) -> bool {
    match &node.data {
        YamlData::Value(Scalar::Null) => true,
        YamlData::Representation(..) => {
            matches!(scalar(node), Some(("" | "~" | "null" | "Null" | "NULL", false)))
        }
        _ => false,
    }
}

/// A scalar's text as written (`say: 20` gives "20"); an error for null, lists and maps.
pub(crate) fn text(node: &Node<'_>, what: &str) -> Result<String, Located> {
    match scalar(node) {
        Some(_) if is_null(node) => Err(Located::new(line(node), format!("{what} must be text, not null"))),
        Some((text, _)) => Ok(text.to_string()),
        None => Err(Located::new(line(node), format!("{what} must be text, not {}", kind(node)))),
    }
}

/// An exact decimal number (`25`, `24.99`); quoted numbers are refused so `"25"` is not
/// silently taken for a number where text was meant elsewhere.
pub(crate) fn decimal(node: &Node<'_>, what: &str) -> Result<Decimal, Located> {
    let parsed = match scalar(node) {
        Some((text, false)) => text.parse::<Decimal>().or_else(|_| Decimal::from_scientific(text)).ok(),
        _ => None,
    };
    parsed.ok_or_else(|| Located::new(line(node), format!("{what} must be a number, not {}", describe(node))))
}

/// A non-negative whole number.
pub(crate) fn count(node: &Node<'_>, what: &str) -> Result<usize, Located> {
    let parsed = match scalar(node) {
        Some((text, false)) => text.parse::<usize>().ok(),
        _ => None,
    };
    parsed.ok_or_else(|| Located::new(line(node), format!("{what} must be a whole number, not {}", describe(node))))
}

/// `true` or `false`.
pub(crate) fn boolean(node: &Node<'_>, what: &str) -> Result<bool, Located> {
    match scalar(node) {
        Some(("true" | "True" | "TRUE", false)) => Ok(true),
        Some(("false" | "False" | "FALSE", false)) => Ok(false),
        _ => Err(Located::new(line(node), format!("{what} must be true or false, not {}", describe(node)))),
    }
}

/// The items of a sequence; a single scalar counts as a one-item list (`includes: sku-1`).
pub(crate) fn items<'n, 'a>(node: &'n Node<'a>) -> Vec<&'n Node<'a>> {
    match &node.data {
        YamlData::Sequence(items) => items.iter().collect(),
        _ => vec![node],
    }
}

/// Whether the node is a sequence.
pub(crate) fn is_sequence(node: &Node<'_>) -> bool {
    matches!(node.data, YamlData::Sequence(_))
}

/// One `key: value` of a mapping, with the line of the key.
pub(crate) struct Field<'n, 'a> {
    pub key: String,
    pub line: usize,
    pub value: &'n Node<'a>,
}

/// The fields of a mapping, checking every key against `allowed`: an unknown key is a
/// problem at its own line that names the expected keys (and the likely one, for a typo).
/// Unknown fields are left out of the result, so the caller sees only keys it knows.
pub(crate) fn fields<'n, 'a>(
    node: &'n Node<'a>,
    what: &str,
    allowed: &[&str],
    problems: &mut Vec<Located>,
) -> Option<Vec<Field<'n, 'a>>> {
    let YamlData::Mapping(map) = &node.data else {
        problems.push(Located::new(line(node), format!("{what} must be a mapping (`key: value`), not {}", kind(node))));
        return None;
    };
    let mut out = Vec::with_capacity(map.len());
    for (key, value) in map {
        let name = match text(key, "a key") {
            Ok(name) => name,
            Err(problem) => {
                problems.push(problem);
                continue;
            }
        };
        if !allowed.contains(&name.as_str()) {
            problems.push(Located::new(line(key), unknown_key(&name, what, allowed)));
            continue;
        }
        out.push(Field { key: name, line: line(key), value });
    }
    Some(out)
}

fn unknown_key(name: &str, what: &str, allowed: &[&str]) -> String {
    let closest = allowed.iter().map(|a| (edit_distance(name, a), *a)).min_by_key(|(d, _)| *d);
    let hint = match closest {
        Some((d, best)) if d <= 2 || best.starts_with(name) => format!(" (did you mean `{best}`?)"),
        _ => String::new(),
    };
    format!("unknown key `{name}` in {what}{hint}; expected one of: {}", allowed.join(", "))
}

/// Levenshtein distance, for "did you mean" hints on short keys.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1).min(row[j] + 1).min(diagonal + usize::from(ca != *cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

/// The node as JSON, for values passed through to the chat (context, fixtures, events).
/// Plain scalars follow YAML's core schema (numbers, booleans, null); quoted ones are text.
pub(crate) fn to_json(node: &Node<'_>) -> Result<serde_json::Value, Located> {
    use serde_json::Value;
    Ok(match &node.data {
        YamlData::Sequence(items) => Value::Array(items.iter().map(to_json).collect::<Result<_, _>>()?),
        YamlData::Mapping(map) => {
            let mut out = serde_json::Map::new();
            for (key, value) in map {
                out.insert(text(key, "a key")?, to_json(value)?);
            }
            Value::Object(out)
        }
        YamlData::Representation(raw, style, tag) => {
            let resolved = Scalar::parse_from_cow_and_metadata(Cow::Borrowed(raw.as_ref()), *style, tag.as_ref());
            match resolved {
                Some(Scalar::Null) => Value::Null,
                Some(Scalar::Boolean(b)) => Value::Bool(b),
                Some(Scalar::Integer(i)) => Value::from(i),
                Some(Scalar::FloatingPoint(f)) => serde_json::Number::from_f64(f.into_inner())
                    .map_or_else(|| Value::String(raw.to_string()), Value::Number),
                Some(Scalar::String(s)) => Value::String(s.into_owned()),
                None => return Err(Located::new(line(node), format!("`{raw}` does not fit its tag"))),
            }
        }
        YamlData::Value(Scalar::String(s)) => Value::String(s.to_string()),
        YamlData::Value(Scalar::Null) => Value::Null,
        YamlData::Value(Scalar::Boolean(b)) => Value::Bool(*b),
        YamlData::Value(Scalar::Integer(i)) => Value::from(*i),
        YamlData::Value(Scalar::FloatingPoint(f)) => {
            serde_json::Number::from_f64(f.into_inner()).map_or(Value::Null, Value::Number)
        }
        YamlData::Tagged(_, inner) => to_json(inner)?,
        YamlData::Alias(_) | YamlData::BadValue => {
            return Err(Located::new(line(node), "aliases and unreadable values are not supported in scripts"));
        }
    })
}

/// What sort of node this is, for messages.
fn kind(node: &Node<'_>) -> &'static str {
    match &node.data {
        YamlData::Sequence(_) => "a list",
        YamlData::Mapping(_) => "a mapping",
        _ if is_null(node) => "null",
        _ => "a scalar",
    }
}

/// The node for a message: a scalar's text in backquotes, otherwise its kind.
fn describe(node: &Node<'_>) -> String {
    match scalar(node) {
        Some((text, quoted)) if !is_null(node) => {
            if quoted {
                format!("the quoted text `{text}`")
            } else {
                format!("`{text}`")
            }
        }
        _ => kind(node).to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_keep_the_text_they_were_written_with() {
        let doc = load("a: 24.50\nb: 'x'\nc:\nd: ~\n").unwrap().unwrap();
        let mut problems = Vec::new();
        let f = fields(&doc, "test", &["a", "b", "c", "d"], &mut problems).unwrap();
        assert_eq!(text(f[0].value, "a").unwrap(), "24.50");
        assert_eq!(decimal(f[0].value, "a").unwrap(), "24.50".parse::<Decimal>().unwrap());
        assert_eq!(text(f[1].value, "b").unwrap(), "x");
        assert!(is_null(f[2].value) && is_null(f[3].value));
        assert_eq!(f[3].line, 4);
    }

    #[test]
    fn an_unknown_key_is_reported_at_its_line_with_a_suggestion() {
        let doc = load("count_min: 1\npirce_max: 3\n").unwrap().unwrap();
        let mut problems = Vec::new();
        let f = fields(&doc, "products", &["count_min", "price_max"], &mut problems).unwrap();
        assert_eq!(f.len(), 1);
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].line, 2);
        assert!(problems[0].message.contains("did you mean `price_max`"), "{}", problems[0].message);
    }

    #[test]
    fn syntax_errors_carry_a_line() {
        let error = load("a: 1\nb: [1, 2\nc: 3\n").unwrap_err();
        assert!(error.line >= 2, "{error:?}");
        assert!(error.message.starts_with("YAML error"));
    }

    #[test]
    fn plain_scalars_become_json_by_the_core_schema() {
        let doc = load("{n: 3, f: 2.5, t: true, s: '3', z: null}").unwrap().unwrap();
        let json = to_json(&doc).unwrap();
        assert_eq!(json, serde_json::json!({"n":3,"f":2.5,"t":true,"s":"3","z":null}));
    }
}
