//! Lenient field parsing: the number inside a messy value (`1,299.00`, `12,50 €`, `5 new`,
//! `4.9 out of 5 stars`), booleans, category paths, tag lists and image lists.
//!
//! Real exports are written by people and scrapers, not by schemas, so every function here takes
//! the value as it comes and answers `None` for "nothing usable here" rather than failing; only
//! a value that holds a number we cannot read sensibly is an `Err`, so callers can report it.

use std::collections::HashSet;
use std::str::FromStr;

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use crate::catalog::Name;

/// One number found inside a value, with the byte span it came from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Found {
    pub value: Decimal,
    pub start: usize,
    pub end: usize,
}

/// Whether a number is a count (integers, where `1.037` can only mean a thousand and
/// thirty-seven) or a decimal quantity such as a price or a rating.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Decimal,
    Count,
}

/// Separators that group thousands but never mark decimals: apostrophe (Swiss), the
/// non-breaking and thin spaces many exports use, and a plain space.
fn is_group_space(c: char) -> bool {
    matches!(c, '\'' | '\u{a0}' | '\u{202f}' | '\u{2009}' | ' ')
}

/// Every number in `text`, in order, read with [`interpret`]. The sign is not part of a number
/// (a `-` may be a range dash); callers that care look at the text before `start`.
pub(crate) fn numbers(text: &str, kind: Kind) -> Vec<Found> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut found = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let starts_fraction = chars[i].1 == '.'
            && chars.get(i + 1).is_some_and(|c| c.1.is_ascii_digit())
            && (i == 0 || !chars[i - 1].1.is_alphanumeric());
        if !chars[i].1.is_ascii_digit() && !starts_fraction {
            i += 1;
            continue;
        }
        let start = i;
        let mut end = i + 1;
        while end < chars.len() {
            let c = chars[end].1;
            let next_is_digit = chars.get(end + 1).is_some_and(|n| n.1.is_ascii_digit());
            let grouping = is_group_space(c) && exactly_three_digits_at(&chars, end + 1);
            if c.is_ascii_digit() || ((c == '.' || c == ',') && next_is_digit) || grouping {
                end += 1;
            } else {
                break;
            }
        }
        let raw: String = chars[start..end].iter().map(|c| c.1).collect();
        let byte_end = chars.get(end).map_or(text.len(), |c| c.0);
        if let Some(value) = interpret(&raw, kind) {
            found.push(Found { value, start: chars[start].0, end: byte_end });
        }
        i = end;
    }
    found
}

/// Whether exactly three digits start at `at` (and no fourth follows): a thousands group.
fn exactly_three_digits_at(chars: &[(usize, char)], at: usize) -> bool {
    (at..at + 3).all(|k| chars.get(k).is_some_and(|c| c.1.is_ascii_digit()))
        && !chars.get(at + 3).is_some_and(|c| c.1.is_ascii_digit())
}

/// Reads one numeric token made of digits, `.`, `,` and grouping spaces.
///
/// Rules, in order: with both `.` and `,`, the last one is the decimal mark (`1,299.00`,
/// `1.299,00`); one kind used several times groups thousands (`1,299,000`); a single `,`
/// followed by exactly three digits groups thousands (`1,299`), otherwise it is a decimal comma
/// (`12,50`); a single `.` is a decimal point, except in counts where `.ddd` groups thousands.
pub(crate) fn interpret(raw: &str, kind: Kind) -> Option<Decimal> {
    let cleaned: String = raw.chars().filter(|c| !is_group_space(*c)).collect();
    let dots = cleaned.matches('.').count();
    let commas = cleaned.matches(',').count();
    let digits_after = |sep: char| cleaned.rfind(sep).map_or(0, |at| cleaned.len() - at - 1);
    let plain = match (dots, commas) {
        (0, 0) => cleaned,
        (_, _) if dots > 0 && commas > 0 => {
            let decimal = if cleaned.rfind('.') > cleaned.rfind(',') { '.' } else { ',' };
            let grouping = if decimal == '.' { ',' } else { '.' };
            if cleaned.matches(decimal).count() > 1 {
                return None;
            }
            cleaned.replace(grouping, "").replace(decimal, ".")
        }
        (1, 0) if kind == Kind::Count && digits_after('.') == 3 => cleaned.replace('.', ""),
        (1, 0) => cleaned,
        (0, 1) if digits_after(',') == 3 => cleaned.replace(',', ""),
        (0, 1) => cleaned.replace(',', "."),
        _ => {
            let sep = if dots > 0 { '.' } else { ',' };
            let groups: Vec<&str> = cleaned.split(sep).collect();
            let (last, middle) = groups[1..].split_last().unwrap_or((&"", &[]));
            // Western grouping is all threes; Indian grouping (`1,29,999`) is twos before the
            // last three.
            if last.len() == 3 && middle.iter().all(|g| g.len() == 2 || g.len() == 3) {
                cleaned.replace(sep, "")
            } else {
                // `1.2.3` is no grouping we know; read what is unambiguous, `1.2`.
                format!("{}.{}", groups[0], groups[1])
            }
        }
    };
    let plain = if plain.starts_with('.') { format!("0{plain}") } else { plain };
    Decimal::from_str(&plain).ok()
}

/// A count such as stock or reviews: `5 new`, `5\u{a0}new`, `1,037`, `1.2k ratings`.
///
/// `Ok(None)` for a value with no digits (`""`, `No reviews`); `Err` for a negative count or
/// one past `u64`.
pub(crate) fn parse_count(text: &str) -> Result<Option<u64>, String> {
    let Some(first) = numbers(text, Kind::Count).into_iter().next() else {
        return Ok(None);
    };
    if text[..first.start].trim_end().ends_with('-') {
        return Err(format!("`{}` is negative", text.trim()));
    }
    let suffix = text[first.end..].chars().next();
    let after = text[first.end..].chars().nth(1);
    let multiplier = match suffix {
        Some('k' | 'K') if !after.is_some_and(char::is_alphabetic) => Decimal::from(1000),
        Some('M') if !after.is_some_and(char::is_alphabetic) => Decimal::from(1_000_000),
        _ => Decimal::ONE,
    };
    let count = first.value.checked_mul(multiplier).and_then(|v| v.trunc().to_u64());
    count.map(Some).ok_or_else(|| format!("`{}` is too large a count", text.trim()))
}

/// A rating on a five-point scale: `4.5`, `4.9 out of 5 stars`, `9/10` (scaled to 4.5),
/// `90%` (4.5). `Ok(None)` when there is no number (`No rating available`); `Err` when the
/// number cannot be a rating out of five.
pub(crate) fn parse_rating(text: &str) -> Result<Option<f32>, String> {
    let found = numbers(text, Kind::Decimal);
    let Some(first) = found.first() else {
        return Ok(None);
    };
    let between = found.get(1).map(|second| text[first.end..second.start].trim().to_ascii_lowercase());
    let scale = match (&between, found.get(1)) {
        (Some(word), Some(second)) if word == "/" || word == "out of" || word == "of" => second.value,
        _ if text[first.end..].trim_start().starts_with('%') => Decimal::from(100),
        _ => Decimal::from(5),
    };
    if scale.is_zero() || first.value > scale || text[..first.start].trim_end().ends_with('-') {
        return Err(format!("`{}` is not a rating out of 5", text.trim()));
    }
    let rating = (first.value / scale).checked_mul(Decimal::from(5)).map(|r| r.round_dp(2));
    let rating = rating.ok_or_else(|| format!("`{}` is not a rating out of 5", text.trim()))?;
    Ok(rating.to_f32())
}

/// A yes/no value: `true/false`, `yes/no`, `y/n`, `1/0`, `in stock/out of stock` and the
/// Google Merchant availability words. `None` for anything else (including empty).
pub(crate) fn parse_bool(text: &str) -> Option<bool> {
    let lowered = text.trim().to_lowercase().replace(['_', '-'], " ");
    match lowered.as_str() {
        "true"
        | "yes"
        | "y"
        | "1"
        | "t"
        | "on"
        | "in stock"
        | "instock"
        | "available"
        | "active"
        | "published"
        | "preorder"
        | "pre order"
        | "backorder"
        | "back order"
        | "limited availability"
        | "available for order" => Some(true),
        "false" | "no" | "n" | "0" | "f" | "off" | "out of stock" | "outofstock" | "sold out" | "unavailable"
        | "not available" | "discontinued" | "draft" | "archived" => Some(false),
        _ => None,
    }
}

/// A category path, broadest first. Splits on `>` (so `A > B`, `A>B` and `A >> B` all work);
/// `/` and other separators are left alone because too many real names contain them. A value
/// written as a JSON list (`["A >> B"]`) uses its first element. Parts are trimmed, empties
/// dropped.
/// Texts as product [`Name`]s (category parts, tags).
pub(crate) fn names(texts: Vec<String>) -> Vec<Name> {
    texts.into_iter().map(Name::from).collect()
}

pub(crate) fn parse_category(text: &str) -> Vec<String> {
    let text = first_of_json_list(text).unwrap_or_else(|| text.to_string());
    text.split('>').map(clean_text).filter(|part| !part.is_empty()).collect()
}

/// A tag list: split on `,`, or on `;` or `|` when there is no comma; trimmed, empties
/// dropped, duplicates (ignoring case) dropped keeping the first spelling.
pub(crate) fn parse_tags(text: &str) -> Vec<String> {
    let text = text.trim();
    let parts: Vec<String> = if text.starts_with('[') {
        serde_json::from_str::<Vec<String>>(text).unwrap_or_else(|_| vec![text.to_string()])
    } else {
        let sep = [',', ';', '|'].into_iter().find(|sep| text.contains(*sep)).unwrap_or(',');
        text.split(sep).map(str::to_string).collect()
    };
    let mut seen = HashSet::new();
    parts.iter().map(|p| clean_text(p)).filter(|tag| !tag.is_empty() && seen.insert(tag.to_lowercase())).collect()
}

/// The first URL of a value that may hold several (`a.jpg, b.jpg`, `a.jpg|b.jpg`, or a JSON
/// list); `None` when empty.
pub(crate) fn first_url(text: &str) -> Option<String> {
    let text = first_of_json_list(text).unwrap_or_else(|| text.to_string());
    let first = text.split(['|', ' ', '\t', '\n']).flat_map(|part| part.split(",http")).next().unwrap_or_default();
    let first = first.trim().trim_end_matches(',');
    (!first.is_empty()).then(|| first.to_string())
}

/// The first string of a JSON list of strings, when `text` is one.
fn first_of_json_list(text: &str) -> Option<String> {
    let text = text.trim();
    if !text.starts_with('[') {
        return None;
    }
    serde_json::from_str::<Vec<String>>(text).ok()?.into_iter().next()
}

/// Trims and collapses runs of whitespace (including non-breaking spaces) into one space.
pub(crate) fn clean_text(text: &str) -> String {
    text.split(|c: char| c.is_whitespace()).filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" ")
}

/// A value that is a plain JSON number stays a number, anything else a string; `None` if empty.
pub(crate) fn attribute_value(text: &str) -> Option<serde_json::Value> {
    let text = clean_text(text);
    if text.is_empty() {
        return None;
    }
    let numeric = text.chars().all(|c| c.is_ascii_digit() || c == '.') && !text.starts_with('.');
    match serde_json::from_str::<serde_json::Number>(&text) {
        Ok(number) if numeric && !(text.len() > 1 && text.starts_with('0') && !text.starts_with("0.")) => {
            Some(serde_json::Value::Number(number))
        }
        _ => Some(serde_json::Value::String(text)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn first(text: &str) -> Option<String> {
        numbers(text, Kind::Decimal).first().map(|f| f.value.normalize().to_string())
    }

    #[test]
    fn numbers_are_found_inside_messy_values() {
        assert_eq!(first("£3.42").as_deref(), Some("3.42"));
        assert_eq!(first("1,299.00").as_deref(), Some("1299"));
        assert_eq!(first("24.99 GBP").as_deref(), Some("24.99"));
        assert_eq!(first("₹1,299").as_deref(), Some("1299"));
        assert_eq!(first("$ 12").as_deref(), Some("12"));
        assert_eq!(first("Rs. 1,29,999").as_deref(), Some("129999"), "Indian grouping has 2-digit groups");
        assert_eq!(first(".99").as_deref(), Some("0.99"));
        assert_eq!(first("No rating available"), None);
        assert_eq!(first(""), None);
    }

    #[test]
    fn a_comma_is_a_decimal_mark_only_when_it_cannot_group_thousands() {
        assert_eq!(first("12,50 €").as_deref(), Some("12.5"));
        assert_eq!(first("12,5").as_deref(), Some("12.5"));
        assert_eq!(first("1,299").as_deref(), Some("1299"));
        assert_eq!(first("1.299,00").as_deref(), Some("1299"));
        assert_eq!(first("1.299.000").as_deref(), Some("1299000"));
        assert_eq!(first("1 299,00 €").as_deref(), Some("1299"));
        assert_eq!(first("1\u{a0}299,00 €").as_deref(), Some("1299"));
        assert_eq!(first("CHF 1'299.50").as_deref(), Some("1299.5"));
    }

    #[test]
    fn a_single_dot_is_a_decimal_point_in_prices_but_groups_thousands_in_counts() {
        assert_eq!(first("1.299").as_deref(), Some("1.299"));
        assert_eq!(parse_count("1.037"), Ok(Some(1037)));
        assert_eq!(parse_count("4.0"), Ok(Some(4)));
    }

    #[test]
    fn counts_ignore_the_words_around_them() {
        assert_eq!(parse_count("5 new"), Ok(Some(5)));
        assert_eq!(parse_count("5\u{a0}new"), Ok(Some(5)));
        assert_eq!(parse_count("2 used"), Ok(Some(2)));
        assert_eq!(parse_count("18\u{a0}new"), Ok(Some(18)));
        assert_eq!(parse_count("1,037"), Ok(Some(1037)));
        assert_eq!(parse_count("1,037 customer reviews"), Ok(Some(1037)));
        assert_eq!(parse_count("1.2k ratings"), Ok(Some(1200)));
        assert_eq!(parse_count("5 kg"), Ok(Some(5)));
        assert_eq!(parse_count(""), Ok(None));
        assert_eq!(parse_count("No reviews"), Ok(None));
        assert!(parse_count("-3").is_err());
        // Past a decimal's range once multiplied, or past u64: an error, never a panic.
        assert!(parse_count("79228162514264337593543950335k").unwrap_err().contains("too large"));
        assert!(parse_count("99999999999999999999999").unwrap_err().contains("too large"));
    }

    #[test]
    fn ratings_are_read_on_a_five_point_scale() {
        assert_eq!(parse_rating("4.9"), Ok(Some(4.9)));
        assert_eq!(parse_rating("4.9 out of 5 stars"), Ok(Some(4.9)));
        assert_eq!(parse_rating("4,5"), Ok(Some(4.5)));
        assert_eq!(parse_rating("9/10"), Ok(Some(4.5)));
        assert_eq!(parse_rating("90%"), Ok(Some(4.5)));
        assert_eq!(parse_rating("No rating available"), Ok(None));
        assert_eq!(parse_rating(""), Ok(None));
        assert!(parse_rating("7").is_err());
    }

    #[test]
    fn booleans_accept_the_usual_spellings() {
        for yes in ["true", "TRUE", "yes", "Y", "1", "in stock", "in_stock", "In Stock", "preorder"] {
            assert_eq!(parse_bool(yes), Some(true), "{yes}");
        }
        for no in ["false", "No", "0", "out of stock", "out_of_stock", "Sold out"] {
            assert_eq!(parse_bool(no), Some(false), "{no}");
        }
        assert_eq!(parse_bool(""), None);
        assert_eq!(parse_bool("maybe"), None);
    }

    #[test]
    fn category_paths_split_on_the_angle_bracket_only() {
        assert_eq!(parse_category("Hobbies > Model Trains > Trains"), ["Hobbies", "Model Trains", "Trains"]);
        assert_eq!(parse_category("A>B>C"), ["A", "B", "C"]);
        assert_eq!(parse_category(" A >  > B "), ["A", "B"]);
        assert_eq!(
            parse_category(r#"["Clothing >> Women's Clothing >> Tops"]"#),
            ["Clothing", "Women's Clothing", "Tops"]
        );
        assert_eq!(parse_category("Indoor/Outdoor"), ["Indoor/Outdoor"]);
        assert!(parse_category("  ").is_empty());
    }

    #[test]
    fn tags_split_trim_and_deduplicate() {
        assert_eq!(parse_tags("Pot, Plants, pot,, "), ["Pot", "Plants"]);
        assert_eq!(parse_tags("a; b ;c"), ["a", "b", "c"]);
        assert_eq!(parse_tags("a|b"), ["a", "b"]);
        assert_eq!(parse_tags("a; b, c"), ["a; b", "c"], "commas win over semicolons");
        assert!(parse_tags("").is_empty());
    }

    #[test]
    fn the_first_url_of_a_list_is_the_image() {
        assert_eq!(first_url("https://a/1.jpg, https://a/2.jpg").as_deref(), Some("https://a/1.jpg"));
        assert_eq!(first_url("https://a/1.jpg|https://a/2.jpg").as_deref(), Some("https://a/1.jpg"));
        assert_eq!(first_url(r#"["https://a/1.jpg","https://a/2.jpg"]"#).as_deref(), Some("https://a/1.jpg"));
        assert_eq!(first_url("  "), None);
    }

    #[test]
    fn attribute_values_keep_numbers_as_numbers_but_not_codes() {
        assert_eq!(attribute_value("3"), Some(serde_json::json!(3)));
        assert_eq!(attribute_value("2.5"), Some(serde_json::json!(2.5)));
        assert_eq!(attribute_value("007"), Some(serde_json::json!("007")));
        assert_eq!(attribute_value(" Blue "), Some(serde_json::json!("Blue")));
        assert_eq!(attribute_value(""), None);
    }
}
