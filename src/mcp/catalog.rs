//! The UCP catalog tools: `search_catalog`, `lookup_catalog` and `get_product`.
//!
//! Search ranks with the chat's ranker and query builder (the recipient and occasion in the
//! context become the same soft hints the chat uses, with the same signals), over a fixed
//! window of [`WINDOW`] products, so every page of one search comes from the same ordering and
//! a cursor is just a position in it, tied to its request by a fingerprint. Price, availability,
//! brand and category are hard filters: a product outside them is never returned.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::error::ToolError;
use super::ucp::{UcpProduct, from_minor};
use super::{bounded, understood_as};
use crate::catalog::{Product, Signal};
use crate::chat::assistant::Assistant;
use crate::chat::query::{self, PageContext, Recent, Request};
use crate::chat::reply::ProductCard;
use crate::dialogue::{RecommendKind, Session};
use crate::money::ExchangeRates;
use crate::slots::SlotName;

/// The most products one search can page through.
pub(crate) const WINDOW: usize = 250;
/// The most products in one page, and in one lookup.
pub(crate) const MAX_LIMIT: usize = 50;
const DEFAULT_LIMIT: usize = 10;

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SearchArgs {
    /// Free-text query ("wooden train set").
    #[schemars(length(max = 500))]
    pub query: Option<String>,
    pub context: Option<SearchContext>,
    pub filters: Option<Filters>,
    pub pagination: Option<Pagination>,
    /// UCP request metadata (`ucp-agent` ...); accepted, not used.
    #[serde(rename = "meta")]
    pub _meta: Option<serde_json::Value>,
}

/// Provisional signals about the shopper's request: they rank, they never filter.
#[derive(Debug, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SearchContext {
    /// What the shopper is after, in their words ("a present for a keen gardener").
    #[schemars(length(max = 500))]
    pub intent: Option<String>,
    /// Who it is for ("nephew", "mum").
    #[schemars(length(max = 100))]
    pub recipient: Option<String>,
    /// The occasion ("birthday", "christmas").
    #[schemars(length(max = 100))]
    pub occasion: Option<String>,
    /// ISO 3166-1 country of the shopper (`address_country` in UCP); accepted for localisation.
    #[serde(alias = "address_country")]
    #[schemars(length(max = 2))]
    pub country: Option<String>,
    /// The currency the agent expects prices in; the catalog has one, and a message says so
    /// when it differs.
    #[schemars(length(max = 3))]
    pub currency: Option<String>,
}

/// Hard filters, combined with AND.
#[derive(Debug, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Filters {
    pub price: Option<PriceFilter>,
    /// `true` (the default): only products available now; `false`: only unavailable ones.
    pub available: Option<bool>,
    /// Brands, any of them (case-insensitive).
    #[serde(default)]
    #[schemars(length(max = 20))]
    pub brands: Vec<String>,
    /// Category names, any of them, matched against each product's category path
    /// (case-insensitive): "Trains" matches `Toys > Trains`.
    #[serde(default)]
    #[schemars(length(max = 20))]
    pub categories: Vec<String>,
}

/// An inclusive price range in the catalog currency's minor units (2500 = £25.00).
#[derive(Debug, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PriceFilter {
    pub min: Option<u64>,
    pub max: Option<u64>,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Pagination {
    /// The `cursor` of the previous page's `pagination`.
    #[schemars(length(max = 64))]
    pub cursor: Option<String>,
    /// Products per page, 1 to 50 (default 10).
    pub limit: Option<usize>,
}

/// A page of results: UCP's `products`, `pagination` and `messages`.
#[derive(Debug, Serialize)]
pub(crate) struct SearchPage {
    pub products: Vec<UcpProduct>,
    pub pagination: PageInfo,
    pub messages: Vec<Message>,
}

#[derive(Debug, Serialize)]
pub(crate) struct PageInfo {
    pub has_next_page: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    /// Matching products within the searchable window (at most 250).
    pub total_count: usize,
}

/// A UCP message: information about the result, never a failure of the call.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct Message {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub code: &'static str,
    pub content: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

/// `search_catalog`: one page of the ranked, filtered catalog.
pub(crate) fn search(assistant: &Assistant, args: SearchArgs) -> Result<SearchPage, ToolError> {
    let query_text = bounded("query", args.query.as_deref().unwrap_or(""), 500)?;
    let context = args.context.unwrap_or_default();
    let filters = args.filters.unwrap_or_default();
    let pagination = args.pagination.unwrap_or_default();
    let limit = pagination.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ToolError::invalid(format!("pagination.limit is 1 to {MAX_LIMIT}")));
    }
    check_filters(&filters)?;
    let fingerprint = fingerprint(query_text, &context, &filters);
    let offset = match pagination.cursor.as_deref() {
        Some(cursor) => read_cursor(cursor, &fingerprint)?,
        None => 0,
    };
    let catalog_currency = assistant.index().catalog().currency();
    let mut messages = Vec::new();
    if let Some(code) = context.currency.as_deref()
        && !code.eq_ignore_ascii_case(catalog_currency.code())
    {
        messages.push(Message {
            kind: "info",
            code: "currency",
            content: format!("this catalog's prices are in {}", catalog_currency.code()),
            id: None,
        });
    }

    let mut session = Session::default();
    let mut words: Vec<String> = Vec::new();
    for text in [query_text, bounded("context.intent", context.intent.as_deref().unwrap_or(""), 500)?] {
        words.extend(text.split_whitespace().map(str::to_lowercase));
    }
    for extra in filters.brands.iter().chain(&filters.categories) {
        words.extend(extra.split_whitespace().map(str::to_lowercase));
    }
    session.keywords = words;
    if let Some(recipient) = context.recipient.as_deref() {
        let said = understood_as(assistant, SlotName::Recipient, bounded("context.recipient", recipient, 100)?);
        session.slots.recipient = said.slots.recipient.or_else(|| Some(recipient.trim().to_lowercase()));
        session.slots.recipient_word = said.slots.recipient_word;
    }
    if let Some(occasion) = context.occasion.as_deref() {
        let said = understood_as(assistant, SlotName::Occasion, bounded("context.occasion", occasion, 100)?);
        session.slots.occasion = said.slots.occasion.or_else(|| Some(occasion.trim().to_lowercase()));
    }
    let page = PageContext { country: context.country.clone(), ..PageContext::default() };
    let (recent, rates) = (Recent::default(), ExchangeRates::default());
    let request = Request {
        session: &session,
        kind: RecommendKind::Fresh,
        context: &page,
        recent: &recent,
        hints: assistant.prompts().hints(),
        rates: &rates,
        k: WINDOW,
    };
    let mut query = query::query(assistant.index(), &request);
    let price = filters.price.as_ref();
    let bound = |minor: Option<u64>| -> Result<_, ToolError> {
        minor
            .map(|m| from_minor(m, catalog_currency).ok_or_else(|| ToolError::invalid("filters.price is out of range")))
            .transpose()
    };
    query.min_price = bound(price.and_then(|p| p.min))?;
    query.max_price = bound(price.and_then(|p| p.max))?;
    let want_available = filters.available.unwrap_or(true);
    query.include_unavailable = !want_available;

    let currency = catalog_currency;
    let ranked = assistant.index().rank(&query).map_err(|e| ToolError::internal(&e))?;
    // With words to search for, a product must match one: the ranker fills a short list with
    // well-rated products, which suits a chat's five suggestions but not a search's results.
    let searched = !session.keywords.is_empty();
    let matching: Vec<UcpProduct> = ranked
        .iter()
        .filter(|r| !searched || r.signals.iter().any(|s| matches!(s, Signal::Text { .. })))
        .filter(|r| r.product.available() == want_available && passes(r.product, &filters))
        .filter_map(|r| UcpProduct::ranked(r.product, &ProductCard::new(r, assistant.prompts(), currency)))
        .collect();
    let total = matching.len();
    let products: Vec<UcpProduct> = matching.into_iter().skip(offset).take(limit).collect();
    let next = offset + products.len();
    let has_next_page = next < total;
    Ok(SearchPage {
        products,
        pagination: PageInfo {
            has_next_page,
            cursor: has_next_page.then(|| format!("{next}.{fingerprint}")),
            total_count: total,
        },
        messages,
    })
}

/// Whether the product is of one of the brands and in one of the categories asked for (an
/// empty list asks nothing).
fn passes(product: &Product, filters: &Filters) -> bool {
    let brand_ok = filters.brands.is_empty()
        || product.brand.as_deref().is_some_and(|b| filters.brands.iter().any(|f| f.trim().eq_ignore_ascii_case(b)));
    let category_ok = filters.categories.is_empty()
        || filters.categories.iter().any(|f| product.category.iter().any(|c| c.eq_ignore_ascii_case(f.trim())));
    brand_ok && category_ok
}

fn check_filters(filters: &Filters) -> Result<(), ToolError> {
    if filters.brands.len() > 20 || filters.categories.len() > 20 {
        return Err(ToolError::invalid("at most 20 brands and 20 categories"));
    }
    for name in filters.brands.iter().chain(&filters.categories) {
        bounded("filters", name, 100)?;
    }
    if let Some(PriceFilter { min: Some(min), max: Some(max) }) = &filters.price
        && min > max
    {
        return Err(ToolError::invalid(format!("filters.price.min {min} is above filters.price.max {max}")));
    }
    Ok(())
}

/// A short digest of what was searched, so a cursor cannot be replayed against another search.
fn fingerprint(query: &str, context: &SearchContext, filters: &Filters) -> String {
    let mut hash = Sha256::new();
    hash.update(query.as_bytes());
    hash.update(serde_json::to_vec(context).unwrap_or_default());
    hash.update(serde_json::to_vec(filters).unwrap_or_default());
    hex::encode(&hash.finalize()[..6])
}

fn read_cursor(cursor: &str, fingerprint: &str) -> Result<usize, ToolError> {
    let invalid = || ToolError::invalid("pagination.cursor is not a cursor of this search; start again without one");
    let (offset, print) = cursor.split_once('.').ok_or_else(invalid)?;
    if print != fingerprint {
        return Err(invalid());
    }
    offset.parse::<usize>().ok().filter(|o| *o <= WINDOW).ok_or_else(invalid)
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct LookupArgs {
    /// Product ids, 1 to 50.
    #[schemars(length(min = 1, max = 50))]
    pub ids: Vec<String>,
    /// UCP request metadata; accepted, not used.
    #[serde(rename = "meta")]
    pub _meta: Option<serde_json::Value>,
}

#[derive(Debug, Serialize)]
pub(crate) struct LookupResult {
    pub products: Vec<UcpProduct>,
    pub messages: Vec<Message>,
}

/// `lookup_catalog`: the products with these ids, in the order asked; unknown ids are named
/// in `messages`.
pub(crate) fn lookup(assistant: &Assistant, args: LookupArgs) -> Result<LookupResult, ToolError> {
    if args.ids.is_empty() || args.ids.len() > MAX_LIMIT {
        return Err(ToolError::invalid(format!("ids holds 1 to {MAX_LIMIT} product ids")));
    }
    let catalog = assistant.index().catalog();
    let (mut products, mut messages) = (Vec::new(), Vec::new());
    for id in &args.ids {
        let id = bounded("ids", id, 256)?;
        match catalog.get(id).and_then(UcpProduct::plain) {
            Some(product) if !products.iter().any(|p: &UcpProduct| p.id == product.id) => products.push(product),
            Some(_) => {}
            None => messages.push(Message {
                kind: "warning",
                code: "not_found",
                content: format!("no product has the id `{id}`"),
                id: Some(id.to_string()),
            }),
        }
    }
    Ok(LookupResult { products, messages })
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct GetProductArgs {
    /// The product id.
    #[schemars(length(max = 256))]
    pub id: String,
    /// UCP request metadata; accepted, not used.
    #[serde(rename = "meta")]
    pub _meta: Option<serde_json::Value>,
}

#[derive(Debug, Serialize)]
pub(crate) struct ProductResult {
    pub product: UcpProduct,
}

/// `get_product`: one product, or a `not_found` tool error.
pub(crate) fn get(assistant: &Assistant, args: GetProductArgs) -> Result<ProductResult, ToolError> {
    let id = bounded("id", &args.id, 256)?;
    assistant
        .index()
        .catalog()
        .get(id)
        .and_then(UcpProduct::plain)
        .map(|product| ProductResult { product })
        .ok_or_else(|| ToolError::NotFound(format!("no product has the id `{id}`")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_is_refused_by_another_search_and_past_the_window() {
        let (context, filters) = (SearchContext::default(), Filters::default());
        let print = fingerprint("train", &context, &filters);
        assert_eq!(read_cursor(&format!("20.{print}"), &print).unwrap(), 20);
        let other = fingerprint("doll", &context, &filters);
        assert!(read_cursor(&format!("20.{print}"), &other).is_err(), "a cursor belongs to its search");
        assert!(read_cursor(&format!("{}.{print}", WINDOW + 1), &print).is_err());
        assert!(read_cursor("garbage", &print).is_err());
    }

    #[test]
    fn brand_and_category_filters_match_any_listed_value_case_insensitively() {
        let mut product = Product::new("a", "A", crate::money::Amount::units(5), "GBP".parse().unwrap());
        product.brand = Some("BRIO".into());
        product.category = vec!["Toys".into(), "Trains".into()];
        let filters = |brands: &[&str], categories: &[&str]| Filters {
            brands: brands.iter().map(|s| s.to_string()).collect(),
            categories: categories.iter().map(|s| s.to_string()).collect(),
            ..Filters::default()
        };
        assert!(passes(&product, &filters(&[], &[])));
        assert!(passes(&product, &filters(&["lego", "brio"], &["trains"])));
        assert!(!passes(&product, &filters(&["lego"], &[])));
        assert!(!passes(&product, &filters(&[], &["Books"])));
    }

    #[test]
    fn a_reversed_price_range_and_too_many_brands_are_refused() {
        let reversed = Filters { price: Some(PriceFilter { min: Some(3000), max: Some(1000) }), ..Filters::default() };
        assert!(check_filters(&reversed).is_err());
        let many = Filters { brands: vec!["x".into(); 21], ..Filters::default() };
        assert!(check_filters(&many).is_err());
    }
}
