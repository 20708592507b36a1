//! `--format shopify`: Shopify's product CSV export, one row per variant (and per extra image),
//! folded into one product per `Handle`.
//!
//! The product's own fields come from its first row with a `Title`; variant rows add prices,
//! stock and option values; image-only rows add images. Stock follows Shopify's rules: a
//! variant with an empty `Variant Inventory Tracker` is not counted and always sellable, as is
//! one whose `Variant Inventory Policy` is `continue`.

use std::collections::HashMap;
use std::path::Path;

use super::finish::{Candidate, RowCurrency, row_currency};
use super::google::age_group_range;
use super::html::{decode_entities, strip_html};
use super::lenient::{clean_text, names, parse_bool, parse_category, parse_count, parse_tags};
use super::price::{CurrencyHint, parse_price};
use super::report::{ImportReport, SkipReason};
use super::table::{Row, Table};
use super::variants::{Variant, fold};
use super::{ImportError, ImportOptions};
use crate::catalog::{Name, Product};
use crate::money::{Amount, Currency};

/// Column indices, looked up once from the header.
struct Columns {
    handle: usize,
    title: usize,
    price: usize,
    body: Option<usize>,
    vendor: Option<usize>,
    product_type: Option<usize>,
    tags: Option<usize>,
    published: Option<usize>,
    status: Option<usize>,
    options: [(Option<usize>, Option<usize>); 3],
    sku: Option<usize>,
    tracker: Option<usize>,
    quantity: Option<usize>,
    policy: Option<usize>,
    compare_at: Option<usize>,
    image: Option<usize>,
    image_position: Option<usize>,
    categories: [Option<usize>; 2],
    age_group: Option<usize>,
    gender: Option<usize>,
}

impl Columns {
    fn find(table: &Table) -> Result<Columns, Vec<&'static str>> {
        let c = |name: &str| table.column(name);
        let (handle, title, price) = (c("Handle"), c("Title"), c("Variant Price"));
        let (Some(handle), Some(title), Some(price)) = (handle, title, price) else {
            let named = [("Handle", handle), ("Title", title), ("Variant Price", price)];
            return Err(named.iter().filter(|(_, i)| i.is_none()).map(|(n, _)| *n).collect());
        };
        let option = |n: u8| (c(&format!("Option{n} Name")), c(&format!("Option{n} Value")));
        Ok(Columns {
            handle,
            title,
            price,
            body: c("Body (HTML)").or_else(|| c("Body HTML")),
            vendor: c("Vendor"),
            product_type: c("Type"),
            tags: c("Tags"),
            published: c("Published"),
            status: c("Status"),
            options: [option(1), option(2), option(3)],
            sku: c("Variant SKU"),
            tracker: c("Variant Inventory Tracker"),
            quantity: c("Variant Inventory Qty"),
            policy: c("Variant Inventory Policy"),
            compare_at: c("Variant Compare At Price"),
            image: c("Image Src"),
            image_position: c("Image Position"),
            categories: [c("Product Category"), c("Google Shopping / Google Product Category")],
            age_group: c("Google Shopping / Age Group"),
            gender: c("Google Shopping / Gender"),
        })
    }
}

/// Which native field each Shopify column feeds, for the mapping `concierge import` prints;
/// the same names [`Columns::find`] looks up.
const MAPPING: &[(&str, &[&str])] = &[
    ("id", &["Handle"]),
    ("title", &["Title"]),
    ("description", &["Body (HTML)", "Body HTML"]),
    ("category", &["Product Category", "Google Shopping / Google Product Category", "Type"]),
    ("brand", &["Vendor"]),
    ("price", &["Variant Price"]),
    ("compare_at_price", &["Variant Compare At Price"]),
    ("tags", &["Tags"]),
    ("in_stock", &["Variant Inventory Qty", "Variant Inventory Policy"]),
    ("stock", &["Variant Inventory Qty"]),
    ("image", &["Image Src"]),
    (
        "attributes",
        &[
            "Option1 Name",
            "Option1 Value",
            "Option2 Name",
            "Option2 Value",
            "Option3 Name",
            "Option3 Value",
            "Google Shopping / Age Group",
            "Google Shopping / Gender",
        ],
    ),
];

/// Columns read to decide, not copied: publication, variant identity and image order.
const DECIDING: &[&str] = &["Published", "Status", "Variant SKU", "Variant Inventory Tracker", "Image Position"];

/// The mapping this header gives (each field with the columns it is read from, present ones
/// only) and the columns nothing reads.
fn describe(table: &Table) -> (Vec<(String, String)>, Vec<String>) {
    let mapping = MAPPING
        .iter()
        .filter_map(|(field, names)| {
            let present: Vec<&str> = names.iter().copied().filter(|n| table.column(n).is_some()).collect();
            (!present.is_empty()).then(|| (field.to_string(), present.join(" + ")))
        })
        .collect();
    let used: Vec<usize> =
        MAPPING.iter().flat_map(|(_, n)| n.iter()).chain(DECIDING).filter_map(|n| table.column(n)).collect();
    let ignored = table.header.iter().enumerate().filter(|(i, _)| !used.contains(i)).map(|(_, h)| h.clone()).collect();
    (mapping, ignored)
}

/// One handle's rows, gathered until the file ends (rows of a handle are usually together,
/// but a file someone sorted by another column still folds correctly).
struct Draft {
    handle: String,
    first_line: usize,
    /// The first row with a `Title`: the product's own fields.
    head: Option<Row>,
    variants: Vec<Variant>,
    images: Vec<(u32, String)>,
}

pub(crate) fn read(
    path: &Path,
    options: &ImportOptions,
    report: &mut ImportReport,
) -> Result<Vec<Candidate>, ImportError> {
    let mut table = Table::open(path, options.delimiter, report)?;
    let columns = Columns::find(&table).map_err(|missing| ImportError::WrongFormat {
        file: report.file.clone(),
        expected: "a Shopify product export".into(),
        detail: format!("no column {}; the header is: {}", missing.join(", "), table.header.join(", ")),
    })?;
    (report.mapping, report.ignored_columns) = describe(&table);
    let Some(currency) = options.currency else {
        return Err(ImportError::CurrencyRequired(
            "Shopify product exports carry no currency: pass --currency CODE (your store's currency, e.g. --currency USD)"
                .into(),
        ));
    };
    let mut drafts: Vec<Draft> = Vec::new();
    let mut by_handle: HashMap<String, usize> = HashMap::new();
    while let Some(row) = table.next_row(report)? {
        let handle = row.get(Some(columns.handle)).to_string();
        if handle.is_empty() {
            report.skip(SkipReason::NoId, row.line, "no Handle");
            continue;
        }
        let index = *by_handle.entry(handle.clone()).or_insert_with(|| {
            drafts.push(Draft { handle, first_line: row.line, head: None, variants: Vec::new(), images: Vec::new() });
            drafts.len() - 1
        });
        add_row(&mut drafts[index], row, &columns, report);
    }
    let mut candidates = Vec::with_capacity(drafts.len());
    for draft in drafts {
        match product(&draft, &columns, currency) {
            Ok(product) => candidates.push(Candidate { line: draft.first_line, product }),
            Err((reason, message)) => report.skip(reason, draft.first_line, message),
        }
    }
    Ok(candidates)
}

/// Adds one row to its handle's draft: product fields, a variant, an image, or several.
fn add_row(draft: &mut Draft, row: Row, columns: &Columns, report: &mut ImportReport) {
    let has_title = !row.get(Some(columns.title)).is_empty();
    if has_title && let Some(head) = &draft.head {
        let message =
            format!("handle `{}` already has its product row on line {}; this row is ignored", draft.handle, head.line);
        report.skip(SkipReason::DuplicateId, row.line, message);
        return;
    }
    if draft.head.is_some() || !draft.variants.is_empty() || !draft.images.is_empty() {
        report.folded += 1;
    }
    let image = row.get(columns.image);
    if !image.is_empty() {
        let position = row.get(columns.image_position).parse().unwrap_or(u32::MAX);
        draft.images.push((position, image.to_string()));
    }
    let is_variant = [Some(columns.price), columns.sku, columns.options[0].1].iter().any(|c| !row.get(*c).is_empty());
    if is_variant {
        let names = draft.head.as_ref().unwrap_or(&row);
        draft.variants.push(variant(&row, names, columns));
    }
    if has_title {
        draft.head = Some(row);
    }
}

/// A variant row read by Shopify's rules; `names` is the product row, which holds the option
/// names the variant rows leave empty.
fn variant(row: &Row, names: &Row, columns: &Columns) -> Variant {
    let price = parse_price(row.get(Some(columns.price)));
    let tracked = match columns.tracker {
        Some(tracker) => !row.get(Some(tracker)).is_empty(),
        None => !row.get(columns.quantity).is_empty(),
    };
    let quantity = tracked.then(|| quantity(row.get(columns.quantity))).flatten();
    let continues = row.get(columns.policy).eq_ignore_ascii_case("continue");
    let options = columns
        .options
        .iter()
        .filter_map(|&(name_column, value_column)| {
            // Variant rows leave the option name empty: it is on the product row.
            let own = clean_text(row.get(name_column));
            let name = if own.is_empty() { clean_text(names.get(name_column)) } else { own };
            let value = clean_text(row.get(value_column));
            let pseudo = name == "Title" || value == "Default Title";
            (!name.is_empty() && !value.is_empty() && !pseudo).then_some((name, value))
        })
        .collect();
    Variant {
        line: row.line,
        price: price.map(|p| p.amount),
        currency: price.map_or(CurrencyHint::Unstated, |p| p.currency),
        compare_at: parse_price(row.get(columns.compare_at)).map(|p| p.amount),
        quantity,
        available: quantity.is_none() || continues || quantity.is_some_and(|q| q > 0),
        options,
    }
}

/// A signed quantity (Shopify counts oversold stock below zero); `None` when unreadable.
fn quantity(text: &str) -> Option<i64> {
    text.parse::<i64>().ok().or_else(|| parse_count(text).ok().flatten().and_then(|n| i64::try_from(n).ok()))
}

/// The product a handle's rows describe, or why it is left out.
fn product(draft: &Draft, columns: &Columns, currency: Currency) -> Result<Product, (SkipReason, String)> {
    let handle = &draft.handle;
    let Some(head) = &draft.head else {
        return Err((SkipReason::NoTitle, format!("handle `{handle}` has no row with a Title")));
    };
    let published = head.get(columns.published);
    let status = head.get(columns.status);
    if parse_bool(published) == Some(false) {
        return Err((SkipReason::Unpublished, format!("`{handle}` is not published (Published: {published})")));
    }
    if !status.is_empty() && !status.eq_ignore_ascii_case("active") {
        return Err((SkipReason::Unpublished, format!("`{handle}` has Status `{status}`")));
    }
    let Some(folded) = fold(&draft.variants) else {
        let zero = draft.variants.iter().any(|v| v.price.is_some());
        let reason = if zero { SkipReason::PriceNotPositive } else { SkipReason::NoPrice };
        return Err((reason, format!("`{handle}`: no variant has a price above zero")));
    };
    match row_currency(folded.currency, Some(currency)) {
        RowCurrency::Known(_) => {}
        RowCurrency::Contradicts(message) | RowCurrency::Unknown(message) => {
            return Err((SkipReason::OtherCurrency, format!("`{handle}`: {message}")));
        }
    }
    let price =
        Amount::new(folded.price).ok_or((SkipReason::PriceNotPositive, format!("`{handle}`: negative price")))?;
    let mut product =
        Product::new(handle.as_str(), clean_text(&decode_entities(head.get(Some(columns.title)))), price, currency);
    product.compare_at_price = folded.compare_at.and_then(Amount::new);
    product.stock = folded.stock;
    product.in_stock = folded.in_stock;
    product.description = Some(strip_html(head.get(columns.body))).filter(|d| !d.is_empty());
    product.brand =
        Some(clean_text(&decode_entities(head.get(columns.vendor)))).filter(|b| !b.is_empty()).map(Name::from);
    product.tags = names(parse_tags(head.get(columns.tags)));
    product.category = names(category(head, columns));
    product.image = draft.images.iter().min_by_key(|(position, _)| *position).map(|(_, src)| src.clone());
    for (name, values) in folded.options {
        product.attributes.insert(name, serde_json::json!(values));
    }
    for (key, column) in [("gender", columns.gender), ("age_group", columns.age_group)] {
        let value = clean_text(head.get(column));
        if !value.is_empty() {
            product.attributes.insert(key.into(), serde_json::json!(value));
        }
    }
    if let Some((min, max)) = age_group_range(head.get(columns.age_group)) {
        min.map(|m| product.attributes.insert("age_min".into(), serde_json::json!(m)));
        max.map(|m| product.attributes.insert("age_max".into(), serde_json::json!(m)));
    }
    Ok(product)
}

/// The standard taxonomy path (`Product Category`, or the Google one) when it is a path and not
/// a numeric id, then the merchant's own `Type` when the path does not already end with it.
fn category(head: &Row, columns: &Columns) -> Vec<String> {
    let mut path = columns
        .categories
        .iter()
        .map(|c| head.get(*c))
        .find(|value| !value.is_empty() && !value.chars().all(|ch| ch.is_ascii_digit()))
        .map(parse_category)
        .unwrap_or_default();
    let product_type = clean_text(head.get(columns.product_type));
    if !product_type.is_empty() && !path.iter().any(|p| p.eq_ignore_ascii_case(&product_type)) {
        path.push(product_type);
    }
    path
}
