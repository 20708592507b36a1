//! The demo shop front that `concierge serve` puts around the widget, built from the catalog
//! actually served and the `[shop]` section: `/` shows the top-rated product of each
//! department, `/p/{id}` a page per product with a "related" shelf from the placements API, and
//! `/demo/img/{id}.svg` the demo store's own pictures. So a newcomer sees the whole loop (chat,
//! card, click, product page) on any catalog and at whatever address the server runs.

use std::collections::HashMap;
use std::sync::LazyLock;

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use minijinja::Environment;
use serde::Serialize;

use super::demo_art;
use super::state::AppState;
use crate::catalog::{Catalog, Name, Product};
use crate::money::Amount;
use crate::shop::Shop;

/// Departments shown on the home page, at most.
const MAX_DEPARTMENTS: usize = 12;

/// The pages' templates; names ending in `.html` are HTML-escaped by minijinja.
static PAGES: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    for (name, source) in [
        ("layout.html", include_str!("../../widget/demo/layout.html")),
        ("teaser.html", include_str!("../../widget/demo/teaser.html")),
        ("index.html", include_str!("../../widget/demo/index.html")),
        ("product.html", include_str!("../../widget/demo/product.html")),
        ("missing.html", include_str!("../../widget/demo/missing.html")),
    ] {
        // The templates are compiled in and covered by tests: a failure here is a build bug.
        if let Err(error) = env.add_template(name, source) {
            tracing::error!(%error, name, "demo page template does not compile");
        }
    }
    env
});

/// A department in the navigation: its name and the anchor of its shelf.
#[derive(Serialize)]
struct Department {
    name: String,
    anchor: String,
}

/// A product as the pages show it: every value already formatted and checked.
#[derive(Serialize)]
struct Shown {
    id: String,
    title: String,
    page: String,
    image: Option<String>,
    initials: String,
    colour: String,
    department: Option<String>,
    /// The id of the department's shelf on the home page, `p-toys`.
    anchor: String,
    path: String,
    brand: Option<String>,
    price: String,
    compare_at: Option<String>,
    rating: Option<String>,
    reviews: Option<u64>,
    in_stock: bool,
    description: Option<String>,
}

impl Shown {
    fn new(p: &Product, shop: &Shop) -> Shown {
        Shown {
            id: p.id.clone(),
            title: p.title.clone(),
            page: format!("/p/{}", percent_encode(&p.id)),
            image: p.image.as_deref().filter(|u| usable_url(u)).map(str::to_string),
            initials: initials(&p.title),
            colour: format!("hsl({} 32% 42%)", p.category.first().map_or(0, |c| c.len() * 47 % 360)),
            department: p.category.first().map(|c| c.to_string()),
            anchor: format!("p-{}", anchor(p.category.first().map_or("", Name::as_str))),
            path: p.category.join(" › "),
            brand: p.brand.as_deref().map(String::from),
            price: shop.price(p.price, p.currency),
            compare_at: p.compare_at_price.filter(|c| *c > p.price).map(|c| shop.price(c, p.currency)),
            rating: p.rating.filter(|r| r.is_finite() && *r > 0.0).map(|r| format!("{r:.1}")),
            reviews: p.review_count.filter(|n| *n > 0),
            in_stock: p.in_stock,
            description: p.description.clone(),
        }
    }
}

/// `GET /`: the shop's home page with the top-rated product of each department.
pub async fn home(State(state): State<AppState>) -> Response {
    let assistant = state.assistant();
    let catalog = assistant.index().catalog();
    let shop = &state.config.shop;
    let shelf: Vec<Shown> = top_rated_per_department(catalog).into_iter().map(|p| Shown::new(p, shop)).collect();
    let example = example_request(catalog, shop);
    page(&state, "index.html", minijinja::context! { page => "home", shelf, example }, StatusCode::OK)
}

/// `GET /p/{id}`: one product's page, or a friendly 404 page.
pub async fn product(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    let assistant = state.assistant();
    match assistant.index().catalog().get(&id) {
        Some(p) => {
            let product = Shown::new(p, &state.config.shop);
            page(&state, "product.html", minijinja::context! { page => "product", product }, StatusCode::OK)
        }
        None => page(&state, "missing.html", minijinja::context! { page => "home" }, StatusCode::NOT_FOUND),
    }
}

/// `GET /demo/img/{id}.svg`: the product's picture drawn for the demo store.
pub async fn image(State(state): State<AppState>, Path(file): Path<String>) -> Response {
    let assistant = state.assistant();
    let Some(p) = file.strip_suffix(".svg").and_then(|id| assistant.index().catalog().get(id)) else {
        return (StatusCode::NOT_FOUND, "no such picture").into_response();
    };
    (
        [(header::CONTENT_TYPE, "image/svg+xml"), (header::CACHE_CONTROL, "public, max-age=3600")],
        demo_art::product_svg(p),
    )
        .into_response()
}

/// `GET /demo/shop.css`
pub async fn stylesheet() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=300")],
        include_str!("../../widget/demo/shop.css"),
    )
}

/// `GET /demo/shop.js`: the product page's "related" shelf.
pub async fn script() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=300")],
        include_str!("../../widget/demo/shop.js"),
    )
}

/// Renders a page with the shop and its departments; a template error is logged and is a 500.
fn page(state: &AppState, name: &str, extra: minijinja::Value, status: StatusCode) -> Response {
    let assistant = state.assistant();
    let departments = departments(assistant.index().catalog());
    let context = minijinja::context! { shop => &state.config.shop, departments, ..extra };
    match PAGES.get_template(name).and_then(|t| t.render(context)) {
        Ok(html) => (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response(),
        Err(error) => {
            tracing::error!(%error, name, "cannot render a demo page");
            (StatusCode::INTERNAL_SERVER_ERROR, "cannot render this page").into_response()
        }
    }
}

/// The catalog's departments (first category level), in catalog order.
fn departments(catalog: &Catalog) -> Vec<Department> {
    top_rated_per_department(catalog)
        .into_iter()
        .filter_map(|p| p.category.first())
        .map(|name| Department { name: name.to_string(), anchor: format!("p-{}", anchor(name)) })
        .collect()
}

/// The best-rated in-stock product of each department (rating, then reviews; catalog order
/// breaks ties), departments in the order the catalog first lists them.
fn top_rated_per_department(catalog: &Catalog) -> Vec<&Product> {
    let mut best: HashMap<&str, &Product> = HashMap::new();
    let mut order: Vec<&str> = Vec::new();
    let key = |p: &Product| (p.rating.filter(|r| r.is_finite()).unwrap_or(0.0), p.review_count.unwrap_or(0));
    for p in catalog.products().iter().filter(|p| p.in_stock) {
        let department = p.category.first().map_or("", Name::as_str);
        match best.get(department) {
            None => {
                order.push(department);
                best.insert(department, p);
            }
            Some(current) if key(p) > key(current) => {
                best.insert(department, p);
            }
            Some(_) => {}
        }
    }
    order.into_iter().take(MAX_DEPARTMENTS).filter_map(|d| best.get(d).copied()).collect()
}

/// A request to try, with a budget in the catalog's currency near its median price, rounded
/// to a round number (30, 50, 1,000 ...). None for an empty catalog.
fn example_request(catalog: &Catalog, shop: &Shop) -> Option<String> {
    let mut prices: Vec<f64> = catalog.products().iter().map(|p| p.price.to_f64()).collect();
    prices.sort_by(f64::total_cmp);
    let median = *prices.get(prices.len() / 2)?;
    let budget = Amount::from_f64(round_up(median))?;
    Some(format!("a birthday present for my dad, under {}", shop.price(budget, catalog.currency())))
}

/// The smallest of 1, 2, 3, 5 times a power of ten that is at least `value`.
fn round_up(value: f64) -> f64 {
    let mut scale = 1.0;
    while scale * 10.0 < value && scale < 1e12 {
        scale *= 10.0;
    }
    [1.0, 2.0, 3.0, 5.0, 10.0].into_iter().map(|m| m * scale).find(|v| *v >= value).unwrap_or(value)
}

fn initials(title: &str) -> String {
    let letters: String =
        title.split(|c: char| !c.is_alphanumeric()).filter_map(|w| w.chars().next()).take(2).collect();
    if letters.is_empty() { "?".into() } else { letters.to_uppercase() }
}

fn anchor(name: &str) -> String {
    name.chars().map(|c| if c.is_alphanumeric() { c.to_ascii_lowercase() } else { '-' }).collect()
}

/// A link or picture address a page may use: http(s), or a path on this server.
fn usable_url(url: &str) -> bool {
    url.starts_with("https://") || url.starts_with("http://") || (url.starts_with('/') && !url.starts_with("//"))
}

/// Percent-encodes everything but unreserved characters, for an id in a path.
fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budgets_in_the_example_are_round_numbers_at_or_above_the_median() {
        assert_eq!(round_up(24.99), 30.0);
        assert_eq!(round_up(3.2), 5.0);
        assert_eq!(round_up(1299.0), 2000.0);
        assert_eq!(round_up(0.4), 1.0);
    }

    #[test]
    fn ids_are_encoded_for_paths_and_titles_give_initials() {
        assert_eq!(percent_encode("toy-001"), "toy-001");
        assert_eq!(percent_encode("a b/ç"), "a%20b%2F%C3%A7");
        assert_eq!(initials("wooden train set"), "WT");
        assert_eq!(initials("—"), "?");
    }

    #[test]
    fn only_web_and_local_addresses_are_usable() {
        assert!(usable_url("/demo/img/toy-001.svg"));
        assert!(usable_url("https://cdn.example/a.jpg"));
        assert!(!usable_url("javascript:alert(1)"));
        assert!(!usable_url("//evil.example/a.jpg"));
        assert!(!usable_url("data:image/svg+xml,<svg>"));
    }

    #[test]
    fn every_page_template_compiles() {
        for name in ["layout.html", "teaser.html", "index.html", "product.html", "missing.html"] {
            assert!(PAGES.get_template(name).is_ok(), "{name}");
        }
    }
}
