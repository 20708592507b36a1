//! `--format google`: Google Merchant Center product feeds, tab-separated (a header row of
//! attribute names) or XML, detected from the first character. Items sharing an
//! `item_group_id` fold into one product like Shopify's variants; `sale_price`, when present,
//! is the price and `price` becomes the compare-at price. Prices carry their currency
//! (`15.00 USD`), so `--currency` is only needed to overrule or fill in.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

use super::finish::{Candidate, RowCurrency, row_currency};
use super::google_xml::{Item, read_items};
use super::html::{decode_entities, strip_html};
use super::lenient::{clean_text, first_url, names, parse_bool, parse_category, parse_count};
use super::mapping::normalise;
use super::price::{CurrencyHint, parse_price};
use super::report::{ImportReport, SkipReason};
use super::table::Table;
use super::variants::{Variant, fold};
use super::{ImportError, ImportOptions};
use crate::catalog::{Name, Product};
use crate::money::{Amount, Currency};

/// Google attributes that vary between the variants of an item group, kept as option lists.
const VARIANT_ATTRIBUTES: [&str; 5] = ["color", "size", "material", "pattern", "size_type"];

/// Single-valued attributes kept from the group's first item.
const KEPT_ATTRIBUTES: [&str; 10] = [
    "condition",
    "gender",
    "age_group",
    "gtin",
    "mpn",
    "custom_label_0",
    "custom_label_1",
    "custom_label_2",
    "custom_label_3",
    "custom_label_4",
];

/// The attributes this importer reads; other TSV columns are listed as ignored.
const KNOWN: [&str; 15] = [
    "id",
    "title",
    "description",
    "link",
    "image_link",
    "price",
    "sale_price",
    "availability",
    "brand",
    "google_product_category",
    "product_type",
    "item_group_id",
    "quantity",
    "sell_on_google_quantity",
    "mobile_link",
];

/// Which native field each Google attribute feeds, for the mapping `concierge import` prints.
const MAPPING: &[(&str, &[&str])] = &[
    ("id", &["id", "item_group_id"]),
    ("title", &["title"]),
    ("description", &["description"]),
    ("category", &["product_type", "google_product_category"]),
    ("brand", &["brand"]),
    ("price", &["sale_price", "price"]),
    ("compare_at_price", &["price"]),
    ("in_stock", &["availability"]),
    ("stock", &["quantity", "sell_on_google_quantity"]),
    ("url", &["link"]),
    ("image", &["image_link"]),
];

/// The mapping of a feed whose attributes are `present` (each field with the attributes it
/// is read from, present ones only), with the attribute rows kept as `attributes`.
fn describe(present: impl Fn(&str) -> bool) -> Vec<(String, String)> {
    let mut mapping: Vec<(String, String)> = MAPPING
        .iter()
        .filter_map(|(field, names)| {
            let found: Vec<&str> = names.iter().copied().filter(|n| present(n)).collect();
            (!found.is_empty()).then(|| (field.to_string(), found.join(" or ")))
        })
        .collect();
    let kept: Vec<&str> = VARIANT_ATTRIBUTES.iter().chain(&KEPT_ATTRIBUTES).copied().filter(|n| present(n)).collect();
    if !kept.is_empty() {
        mapping.push(("attributes".into(), kept.join(" + ")));
    }
    mapping
}

/// Items of one product: a group's variants, or a single item.
struct Group {
    key: String,
    grouped: bool,
    head: Item,
    variants: Vec<Variant>,
}

pub(crate) fn read(
    path: &Path,
    options: &ImportOptions,
    report: &mut ImportReport,
) -> Result<Vec<Candidate>, ImportError> {
    let mut groups: Vec<Group> = Vec::new();
    let mut by_key: HashMap<String, usize> = HashMap::new();
    // Groups and single items live in separate key spaces: an item whose id equals another
    // group's id is a duplicate for `finish` to report, not a variant.
    let mut add = |item: Item, report: &mut ImportReport| {
        let id = clean_text(item.get("id"));
        if id.is_empty() {
            report.skip(SkipReason::NoId, item.line, "no id");
            return;
        }
        let group_id = clean_text(item.get("item_group_id"));
        let grouped = !group_id.is_empty();
        let key = if grouped { group_id } else { id };
        let lookup = format!("{grouped}\u{0}{key}");
        let variant = variant(&item, report);
        match by_key.get(&lookup) {
            Some(&index) if grouped => {
                report.folded += 1;
                groups[index].variants.push(variant);
            }
            _ => {
                by_key.entry(lookup).or_insert(groups.len());
                groups.push(Group { key, grouped, head: item, variants: vec![variant] });
            }
        }
    };
    if looks_like_xml(path, &report.file)? {
        let mut seen: std::collections::HashSet<String> = std::collections::HashSet::new();
        read_items(path, |item| {
            report.read += 1;
            seen.extend(
                MAPPING
                    .iter()
                    .flat_map(|(_, n)| n.iter())
                    .chain(&VARIANT_ATTRIBUTES)
                    .chain(&KEPT_ATTRIBUTES)
                    .filter(|n| !item.get(n).is_empty())
                    .map(|n| n.to_string()),
            );
            add(item, report);
        })?;
        report.mapping = describe(|name| seen.contains(name));
    } else {
        read_tsv(path, options, report, &mut add)?;
    }
    let mut candidates = Vec::with_capacity(groups.len());
    for group in groups {
        match product(&group, options.currency) {
            Ok(Ok(product)) => candidates.push(Candidate { line: group.head.line, product }),
            Ok(Err((reason, message))) => report.skip(reason, group.head.line, message),
            Err(message) => {
                return Err(ImportError::CurrencyRequired(format!("{}:{}: {message}", report.file, group.head.line)));
            }
        }
    }
    Ok(candidates)
}

/// Whether the file's first non-blank character (after a byte order mark) is `<`.
fn looks_like_xml(path: &Path, file: &str) -> Result<bool, ImportError> {
    let io = |source| ImportError::Io { file: file.to_string(), source };
    let mut input = BufReader::new(File::open(path).map_err(io)?);
    let peek = input.fill_buf().map_err(io)?;
    let peek = peek.strip_prefix(b"\xef\xbb\xbf").unwrap_or(peek);
    Ok(peek.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'<'))
}

fn read_tsv(
    path: &Path,
    options: &ImportOptions,
    report: &mut ImportReport,
    add: &mut impl FnMut(Item, &mut ImportReport),
) -> Result<(), ImportError> {
    let mut table = Table::open(path, options.delimiter, report)?;
    let names: Vec<String> = table.header.iter().map(|h| normalise(h)).collect();
    let missing: Vec<&str> = ["id", "title", "price"].into_iter().filter(|n| !names.iter().any(|h| h == n)).collect();
    if !missing.is_empty() {
        return Err(ImportError::WrongFormat {
            file: report.file.clone(),
            expected: "a Google Merchant Center feed".into(),
            detail: format!("no column {}; the header is: {}", missing.join(", "), table.header.join(", ")),
        });
    }
    let read: Vec<bool> = names
        .iter()
        .map(|n| {
            KNOWN.contains(&n.as_str())
                || VARIANT_ATTRIBUTES.contains(&n.as_str())
                || KEPT_ATTRIBUTES.contains(&n.as_str())
        })
        .collect();
    report.mapping = describe(|name| names.iter().any(|n| n == name));
    report.ignored_columns = table.header.iter().zip(&read).filter(|(_, r)| !**r).map(|(h, _)| h.clone()).collect();
    while let Some(row) = table.next_row(report)? {
        let mut item = Item::new(row.line);
        for (name, value) in names.iter().zip(row.fields) {
            item.set(name.clone(), value, false);
        }
        add(item, report);
    }
    Ok(())
}

/// One item as a variant: `sale_price` sells when present, `price` is then compare-at.
fn variant(item: &Item, report: &mut ImportReport) -> Variant {
    let regular = parse_price(item.get("price"));
    let sale = parse_price(item.get("sale_price")).filter(|p| p.amount.is_sign_positive() && !p.amount.is_zero());
    let (price, compare_at) = match sale {
        Some(sale) => (Some(sale), regular.map(|r| r.amount)),
        None => (regular, None),
    };
    let availability = item.get("availability");
    let available = match parse_bool(availability) {
        Some(flag) => flag,
        None if availability.is_empty() => true,
        None => {
            report.warn(item.line, format!("availability `{availability}` is not a Google value; assumed in stock"));
            true
        }
    };
    let quantity = [item.get("quantity"), item.get("sell_on_google_quantity")]
        .into_iter()
        .find_map(|q| parse_count(q).ok().flatten())
        .and_then(|q| i64::try_from(q).ok());
    let options = VARIANT_ATTRIBUTES
        .iter()
        .map(|name| (name.to_string(), clean_text(item.get(name))))
        .filter(|(_, value)| !value.is_empty())
        .collect();
    Variant {
        line: item.line,
        price: price.map(|p| p.amount),
        currency: price.map_or(CurrencyHint::Unstated, |p| p.currency),
        compare_at,
        quantity,
        available,
        options,
    }
}

/// A group's product. The outer `Err` is a file-level problem (no currency anywhere).
fn product(group: &Group, forced: Option<Currency>) -> Result<Result<Product, (SkipReason, String)>, String> {
    let head = &group.head;
    let key = &group.key;
    let title = clean_text(&decode_entities(head.get("title")));
    if title.is_empty() {
        return Ok(Err((SkipReason::NoTitle, format!("item `{key}` has no title"))));
    }
    let Some(folded) = fold(&group.variants) else {
        let raw = head.get("price");
        return Ok(Err(match group.variants.iter().any(|v| v.price.is_some()) {
            true => (SkipReason::PriceNotPositive, format!("item `{key}`: price `{raw}` is not above zero")),
            false if raw.is_empty() => (SkipReason::NoPrice, format!("item `{key}` has no price")),
            false => (SkipReason::NoPrice, format!("item `{key}`: no price in `{raw}`")),
        }));
    };
    let currency = match row_currency(folded.currency, forced) {
        RowCurrency::Known(currency) => currency,
        RowCurrency::Contradicts(message) => {
            return Ok(Err((SkipReason::OtherCurrency, format!("item `{key}`: {message}"))));
        }
        RowCurrency::Unknown(message) => {
            return Err(format!("price `{}`: {message}; pass --currency CODE", head.get("price")));
        }
    };
    let Some(price) = Amount::new(folded.price) else {
        return Ok(Err((SkipReason::PriceNotPositive, format!("item `{key}`: negative price"))));
    };
    let mut product = Product::new(key.as_str(), title, price, currency);
    product.compare_at_price = folded.compare_at.and_then(Amount::new);
    product.stock = folded.stock;
    product.in_stock = folded.in_stock;
    let description = [head.get("description"), head.get("summary")].into_iter().find(|d| !d.is_empty());
    product.description = description.map(strip_html).filter(|d| !d.is_empty());
    product.brand = Some(clean_text(&decode_entities(head.get("brand")))).filter(|b| !b.is_empty()).map(Name::from);
    product.category = [head.get("product_type"), head.get("google_product_category")]
        .into_iter()
        .find(|v| !v.is_empty() && !v.chars().all(|c| c.is_ascii_digit()))
        .map(|v| names(parse_category(&decode_entities(v))))
        .unwrap_or_default();
    product.url = Some(head.get("link")).filter(|l| !l.is_empty()).map(str::to_string);
    product.image = first_url(head.get("image_link"));
    for (name, values) in folded.options {
        product.attributes.insert(name, serde_json::json!(values));
    }
    for name in KEPT_ATTRIBUTES {
        // Codes stay strings (a GTIN is not a quantity); those of one variant do not describe
        // the group.
        let value = clean_text(head.get(name));
        let per_variant = group.grouped && matches!(name, "gtin" | "mpn");
        if !value.is_empty() && !per_variant {
            product.attributes.insert(name.to_string(), serde_json::json!(value));
        }
    }
    let availability = head.get("availability").to_ascii_lowercase().replace(['_', ' '], "");
    if matches!(availability.as_str(), "preorder" | "backorder") {
        product.attributes.insert("availability".into(), serde_json::json!(availability));
    }
    if let Some((min, max)) = age_group_range(head.get("age_group")) {
        min.map(|m| product.attributes.insert("age_min".into(), serde_json::json!(m)));
        max.map(|m| product.attributes.insert("age_max".into(), serde_json::json!(m)));
    }
    Ok(Ok(product))
}

/// The ages in years Google's `age_group` values stand for: newborn (up to 3 months), infant
/// (3-12 months), toddler (1-5 years), kids (5-13 years), adult (teens and up).
pub(crate) fn age_group_range(value: &str) -> Option<(Option<u32>, Option<u32>)> {
    match value.trim().to_ascii_lowercase().as_str() {
        "newborn" => Some((None, Some(0))),
        "infant" => Some((None, Some(1))),
        "toddler" => Some((Some(1), Some(5))),
        "kids" => Some((Some(5), Some(13))),
        "adult" => Some((Some(13), None)),
        _ => None,
    }
}
