//! Order CSVs into [`OrderLine`]s: any columns by a map (`order_id=InvoiceNo,...`), or
//! Shopify's orders export by its documented columns. Bad lines are skipped and counted by
//! reason, never fatal; cancellations (negative quantities) are netted against the customer's
//! purchase of the same product; codes that are not products (postage, fees, discounts) are
//! skipped; repeated lines of one product in one order are summed.

use std::collections::{BTreeMap, HashMap};
use std::io::Read;

use regex::Regex;
use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset, macros::format_description};

use super::history::{MAX_ID_BYTES, MAX_TITLE_BYTES, OrderLine};

/// The fields a map may name, in the order `--map` documents them.
pub const FIELDS: [&str; 7] = ["order_id", "customer_id", "product_id", "title", "quantity", "price", "at"];

/// The source's layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderFormat {
    /// Any CSV: columns named by the map, or by the field names themselves; the UCI Online
    /// Retail columns (`InvoiceNo`, `StockCode`, ...) are recognised without a map.
    Csv,
    /// Shopify's orders export (`Name`, `Email`, `Created at`, `Lineitem sku`, ...): order
    /// fields are carried from an order's first row, and cancelled orders are skipped.
    Shopify,
}

/// How to read an orders file.
#[derive(Debug, Clone)]
pub struct OrderImportOptions {
    pub format: OrderFormat,
    /// Field name -> column name, overriding the format's own.
    pub map: HashMap<String, String>,
    /// Only product ids matching this are products; without it, an id with no digit or with
    /// a space is not a product (`POST`, `DOT`, `BANK CHARGES`, `AMAZONFEE`).
    pub product_pattern: Option<Regex>,
    /// Upper-case product ids (`15056bl` and `15056BL` are one product).
    pub fold_case: bool,
    pub delimiter: u8,
}

impl Default for OrderImportOptions {
    fn default() -> OrderImportOptions {
        OrderImportOptions {
            format: OrderFormat::Csv,
            map: HashMap::new(),
            product_pattern: None,
            fold_case: false,
            delimiter: b',',
        }
    }
}

/// Why reading an orders file failed as a whole (a bad line is only skipped).
#[derive(Debug, thiserror::Error)]
pub enum OrderImportError {
    #[error("cannot read the orders file: {0}")]
    Csv(#[from] csv::Error),
    #[error("the orders file has no `{column}` column (for {field}); its columns are: {found}")]
    MissingColumn { field: String, column: String, found: String },
    #[error(
        "unknown field `{0}` in --map; the fields are order_id, customer_id, product_id, title, quantity, price, at"
    )]
    UnknownField(String),
}

/// What an import read, kept and skipped.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct OrderReport {
    pub rows: u64,
    pub lines: u64,
    pub orders: u64,
    pub customers: u64,
    /// Cancellation lines netted against a purchase.
    pub cancellations_applied: u64,
    /// Reason -> how many rows.
    pub skipped: BTreeMap<String, u64>,
}

impl OrderReport {
    fn skip(&mut self, reason: &str) {
        *self.skipped.entry(reason.to_string()).or_default() += 1;
    }
}

fn defaults(format: OrderFormat, headers: &[String]) -> HashMap<&'static str, &'static str> {
    let has = |name: &str| headers.iter().any(|h| h == name);
    match format {
        OrderFormat::Shopify => HashMap::from([
            ("order_id", "Name"),
            ("customer_id", "Email"),
            ("product_id", "Lineitem sku"),
            ("title", "Lineitem name"),
            ("quantity", "Lineitem quantity"),
            ("price", "Lineitem price"),
            ("at", "Created at"),
        ]),
        OrderFormat::Csv if has("InvoiceNo") && has("StockCode") => HashMap::from([
            ("order_id", "InvoiceNo"),
            ("customer_id", "CustomerID"),
            ("product_id", "StockCode"),
            ("title", "Description"),
            ("quantity", "Quantity"),
            ("price", "UnitPrice"),
            ("at", "InvoiceDate"),
        ]),
        OrderFormat::Csv => FIELDS.iter().map(|f| (*f, *f)).collect(),
    }
}

/// Column positions of each field (`None`: absent and optional).
struct Columns {
    at: [Option<usize>; 7],
    cancelled: Option<usize>,
}

fn columns(options: &OrderImportOptions, headers: &[String]) -> Result<Columns, OrderImportError> {
    for field in options.map.keys() {
        if !FIELDS.contains(&field.as_str()) {
            return Err(OrderImportError::UnknownField(field.clone()));
        }
    }
    let defaults = defaults(options.format, headers);
    let mut at = [None; 7];
    for (n, field) in FIELDS.iter().enumerate() {
        let column = options.map.get(*field).map(String::as_str).or(defaults.get(field).copied()).unwrap_or(field);
        at[n] = headers.iter().position(|h| h == column);
        let required = matches!(*field, "order_id" | "product_id" | "quantity" | "at");
        if at[n].is_none() && required {
            return Err(OrderImportError::MissingColumn {
                field: field.to_string(),
                column: column.to_string(),
                found: headers.join(", "),
            });
        }
    }
    let cancelled = match options.format {
        OrderFormat::Shopify => headers.iter().position(|h| h == "Cancelled at"),
        OrderFormat::Csv => None,
    };
    Ok(Columns { at, cancelled })
}

/// A number inside a messy value: `£3.42`, `1,299.00`, `24.99 GBP`.
fn number(text: &str) -> Option<f64> {
    let cleaned: String = text.chars().filter(|c| c.is_ascii_digit() || matches!(c, '.' | '-')).collect();
    cleaned.parse().ok()
}

/// A time as order exports write it: RFC 3339, `2011-12-09 12:50[:00]` (taken as UTC), with an
/// optional ` -0500` offset (Shopify), or `12/9/2011 12:50` (US month first).
pub fn parse_time(text: &str) -> Option<OffsetDateTime> {
    let text = text.trim();
    if let Ok(t) = OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339) {
        return Some(t);
    }
    if let Ok(t) = OffsetDateTime::parse(
        text,
        format_description!(
            "[year]-[month]-[day] [hour]:[minute]:[second] [offset_hour sign:mandatory][offset_minute]"
        ),
    ) {
        return Some(t);
    }
    let local: [&[time::format_description::BorrowedFormatItem<'_>]; 4] = [
        format_description!("[year]-[month]-[day] [hour]:[minute]:[second]"),
        format_description!("[year]-[month]-[day] [hour]:[minute]"),
        format_description!("[month padding:none]/[day padding:none]/[year] [hour padding:none]:[minute]"),
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]"),
    ];
    local.iter().find_map(|f| PrimitiveDateTime::parse(text, f).ok()).map(|t| t.assume_offset(UtcOffset::UTC))
}

fn clean_id(text: &str) -> Option<String> {
    let id = text.trim();
    (!id.is_empty() && id.len() <= MAX_ID_BYTES && !id.chars().any(char::is_control)).then(|| id.to_string())
}

fn is_product(id: &str, options: &OrderImportOptions) -> bool {
    match &options.product_pattern {
        Some(pattern) => pattern.is_match(id),
        None => id.chars().any(|c| c.is_ascii_digit()) && !id.contains(char::is_whitespace),
    }
}

fn cut(text: &str) -> String {
    let text = text.trim();
    let mut end = text.len().min(MAX_TITLE_BYTES);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_string()
}

/// Reads an orders file (see the module doc) into lines ready for the log, grouped by order
/// in file order, and the report.
pub fn read_orders(
    reader: impl Read,
    options: &OrderImportOptions,
) -> Result<(Vec<OrderLine>, OrderReport), OrderImportError> {
    let mut csv = csv::ReaderBuilder::new().delimiter(options.delimiter).flexible(true).from_reader(reader);
    let headers: Vec<String> =
        csv.headers()?.iter().map(|h| h.trim().trim_start_matches('\u{feff}').to_string()).collect();
    let cols = columns(options, &headers)?;
    let mut report = OrderReport::default();
    let mut lines: Vec<OrderLine> = Vec::new();
    let mut at_line: HashMap<(String, String), usize> = HashMap::new();
    // (customer, product) -> indexes of their purchase lines, oldest first.
    let mut bought: HashMap<(String, String), Vec<usize>> = HashMap::new();
    let mut cancellations = Vec::new();
    // Shopify writes order fields on an order's first row only.
    let mut carried: (String, Option<String>, Option<String>, bool) = Default::default();
    let mut record = csv::StringRecord::new();
    while csv.read_record(&mut record)? {
        report.rows += 1;
        let get = |n: usize| cols.at[n].and_then(|i| record.get(i)).map(str::trim).filter(|v| !v.is_empty());
        let Some(order_id) = get(0).and_then(clean_id) else {
            report.skip("no usable order id");
            continue;
        };
        let mut customer = get(1).and_then(clean_id);
        let mut at_text = get(6).map(str::to_string);
        if options.format == OrderFormat::Shopify {
            let cancelled = cols.cancelled.and_then(|i| record.get(i)).is_some_and(|v| !v.trim().is_empty());
            if carried.0 != order_id {
                carried = (order_id.clone(), customer.clone(), at_text.clone(), cancelled);
            }
            customer = customer.or(carried.1.clone());
            at_text = at_text.or(carried.2.clone());
            if carried.3 || cancelled {
                report.skip("cancelled order");
                continue;
            }
        }
        let Some(mut product) = get(2).and_then(clean_id) else {
            report.skip("no usable product id");
            continue;
        };
        if options.fold_case {
            product = product.to_uppercase();
        }
        if !is_product(&product, options) {
            report.skip("not a product code (postage, fee, discount, adjustment)");
            continue;
        }
        let Some(quantity) = get(4).and_then(number).filter(|q| q.is_finite() && q.fract() == 0.0) else {
            report.skip("no whole quantity");
            continue;
        };
        let Some(at) = at_text.as_deref().and_then(parse_time) else {
            report.skip("no readable time");
            continue;
        };
        let price = get(5).and_then(number);
        if quantity < 0.0 {
            match customer {
                Some(customer) => cancellations.push((customer, product, -quantity as u64, at.unix_timestamp())),
                None => report.skip("negative quantity without a customer (stock adjustment)"),
            }
            continue;
        }
        if quantity == 0.0 || price.is_some_and(|p| p <= 0.0) {
            report.skip("zero quantity or no price (not a sale)");
            continue;
        }
        let quantity = u32::try_from(quantity as u64).unwrap_or(u32::MAX);
        let key = (order_id.clone(), product.clone());
        if let Some(&existing) = at_line.get(&key) {
            let line: &mut OrderLine = &mut lines[existing];
            line.quantity = line.quantity.saturating_add(quantity);
            report.skip("repeated product in one order (summed)");
            continue;
        }
        if let Some(customer) = &customer {
            bought.entry((customer.clone(), product.clone())).or_default().push(lines.len());
        }
        at_line.insert(key, lines.len());
        lines.push(OrderLine {
            order_id,
            customer,
            product_id: product,
            title: get(3).map(cut),
            quantity,
            price,
            at: at.unix_timestamp(),
            source: crate::profile::OrderSource::Shop,
        });
    }
    apply_cancellations(&mut lines, &bought, cancellations, &mut report);
    lines.retain(|l| l.quantity > 0);
    report.lines = lines.len() as u64;
    let mut orders: Vec<&str> = lines.iter().map(|l| l.order_id.as_str()).collect();
    orders.sort_unstable();
    orders.dedup();
    report.orders = orders.len() as u64;
    let mut customers: Vec<&str> = lines.iter().filter_map(|l| l.customer.as_deref()).collect();
    customers.sort_unstable();
    customers.dedup();
    report.customers = customers.len() as u64;
    Ok((lines, report))
}

/// Takes each cancelled quantity off the customer's latest purchase of that product made at or
/// before the cancellation (then earlier ones); a purchase cancelled whole is dropped.
fn apply_cancellations(
    lines: &mut [OrderLine],
    bought: &HashMap<(String, String), Vec<usize>>,
    cancellations: Vec<(String, String, u64, i64)>,
    report: &mut OrderReport,
) {
    for (customer, product, mut units, at) in cancellations {
        let purchases = bought.get(&(customer, product)).map(Vec::as_slice).unwrap_or_default();
        let mut matched = false;
        let earlier: Vec<usize> = purchases.iter().rev().copied().filter(|&i| lines[i].at <= at).collect();
        for i in earlier {
            if units == 0 {
                break;
            }
            let line = &mut lines[i];
            let taken = units.min(u64::from(line.quantity));
            if taken > 0 {
                matched = true;
            }
            line.quantity -= u32::try_from(taken).unwrap_or(0);
            units -= taken;
        }
        if matched {
            report.cancellations_applied += 1;
        } else {
            report.skip("cancellation without a matching earlier purchase");
        }
    }
}

#[cfg(test)]
mod tests;
