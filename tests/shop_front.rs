//! The shop front `concierge serve` puts around the widget, over real HTTP: the home page and
//! product pages are built from the catalog actually served and the `[shop]` section, the demo
//! store's pictures are served by the server, and the placements API says what it needs.

use std::path::Path;

use serde_json::{Value, json};

mod common;

use common::{Server, connect, hello, start};

/// (status, content type, body) of a GET.
async fn fetch(server: &Server, path: &str) -> (u16, String, String) {
    let response = reqwest::get(format!("http://{}{}", server.addr, path)).await.unwrap();
    let status = response.status().as_u16();
    let kind = response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    (status, kind, response.text().await.unwrap())
}

/// A catalog in US dollars with two departments, written to `dir`.
fn dollar_catalog(dir: &Path) -> std::path::PathBuf {
    let lines = [
        json!({"id":"tee-1","title":"Everyday Cotton Tee","price":18,"currency":"USD","category":["Tops","Tees"],"rating":4.1,"review_count":30}),
        json!({"id":"tee-2","title":"Heavyweight Pocket Tee","price":26.5,"currency":"USD","category":["Tops","Tees"],"rating":4.8,"review_count":12}),
        json!({"id":"jean-1","title":"Slim Selvedge Jeans","price":98,"currency":"USD","category":["Bottoms"],"rating":4.6,"review_count":80}),
        json!({"id":"jean-2","title":"Relaxed Carpenter Jeans","price":72,"currency":"USD","category":["Bottoms"],"rating":4.7,"in_stock":false}),
        json!({"id":"x-1","title":"<script>alert('x')</script> Socks","price":6,"currency":"USD","category":["Socks"]}),
    ];
    let path = dir.join("apparel.jsonl");
    std::fs::write(&path, lines.iter().map(|l| format!("{l}\n")).collect::<String>()).unwrap();
    path
}

#[tokio::test]
async fn a_renamed_shop_greets_shoppers_and_titles_its_pages_with_its_own_name() {
    let server = start(|c| c.shop.name = "Threadline Apparel".into()).await;
    let mut socket = connect(&server).await;
    let (_, greeting) = hello(&mut socket).await;
    let text = greeting["text"].as_str().unwrap();
    assert!(text.contains("Threadline Apparel"), "{text}");
    assert!(!text.contains("Hearth"), "{text}");
    let (status, _, home) = fetch(&server, "/").await;
    assert_eq!(status, 200);
    assert!(home.contains("<title>Threadline Apparel</title>"), "{home}");
    assert!(!home.contains("Hearth &amp; Hobby"), "the demo shop's name is gone");
}

#[tokio::test]
async fn the_home_page_shows_the_served_catalogs_top_rated_in_stock_product_per_department() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = dollar_catalog(dir.path());
    let server = start(|c| c.catalog = catalog).await;
    let (_, _, home) = fetch(&server, "/").await;
    assert!(home.contains("Heavyweight Pocket Tee"), "the better-rated tee: {home}");
    assert!(!home.contains("Everyday Cotton Tee"), "only the top-rated of a department");
    assert!(home.contains("Slim Selvedge Jeans"), "the out-of-stock jeans rate higher but are not shown");
    assert!(!home.contains("Relaxed Carpenter Jeans"));
    assert!(home.contains("$26.50") && home.contains("$98"), "prices in the catalog's currency: {home}");
    assert!(!home.contains('£'), "no pounds on a dollar shop");
    assert!(home.contains("&lt;script&gt;") && !home.contains("<script>alert"), "titles are escaped");
}

#[tokio::test]
async fn every_demo_product_links_to_its_own_page_and_picture_on_this_server() {
    let catalog = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/catalog/demo.jsonl")).unwrap();
    for line in catalog.lines() {
        let product: Value = serde_json::from_str(line).unwrap();
        let id = product["id"].as_str().unwrap();
        assert_eq!(product["url"], format!("/p/{id}"), "{line}");
        assert_eq!(product["image"], format!("/demo/img/{id}.svg"), "{line}");
    }
    let server = start(|_| {}).await;
    let (status, kind, page) = fetch(&server, "/p/toy-001").await;
    assert_eq!((status, kind.as_str()), (200, "text/html; charset=utf-8"));
    assert!(page.contains("Wooden Train Set with Bridge") && page.contains("£24.99"), "{page}");
    assert!(page.contains(r#"data-page="product" data-product-id="toy-001""#), "the widget knows the page: {page}");
    let (status, kind, picture) = fetch(&server, "/demo/img/toy-001.svg").await;
    assert_eq!((status, kind.as_str()), (200, "image/svg+xml"));
    assert!(picture.starts_with("<svg") && picture.contains("Trains"), "{picture}");
    assert_eq!(fetch(&server, "/p/no-such-thing").await.0, 404);
    assert_eq!(fetch(&server, "/demo/img/no-such-thing.svg").await.0, 404);
    assert_eq!(fetch(&server, "/demo/img/toy-001.png").await.0, 404);
}

/// Regression: `placement=product` without `product_id` silently answered like the home page.
#[tokio::test]
async fn a_product_placement_without_its_product_is_a_400_naming_the_parameter() {
    let server = start(|_| {}).await;
    for path in ["/v1/recommendations?placement=product", "/v1/recommendations?placement=product&product_id=%20"] {
        let (status, _, body) = fetch(&server, path).await;
        assert_eq!(status, 400, "{path}: {body}");
        let error: Value = serde_json::from_str(&body).unwrap();
        assert!(error["error"]["message"].as_str().unwrap().contains("product_id"), "{body}");
    }
    let (status, _, body) = fetch(&server, "/v1/recommendations?placement=product&product_id=toy-001&k=3").await;
    assert_eq!(status, 200, "{body}");
    let products: Value = serde_json::from_str(&body).unwrap();
    assert!(!products["products"].as_array().unwrap().is_empty());
}
