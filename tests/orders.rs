//! Orders end to end: the importer on real order files (the UCI customer sample in
//! `../shared/data/orders`, skipped with a note when absent, and a Shopify orders export
//! fixture), the order log on sled, and every placement of `GET /v1/recommendations` on the
//! real server.

mod common;

use std::path::{Path, PathBuf};

use concierge::catalog::{Format, ImportOptions, import};
use concierge::orders::import::{OrderFormat, OrderImportOptions, read_orders};
use concierge::orders::load::load;
use concierge::orders::{OrderLine, OrderLog};
use concierge::profile::{CustomerId, SledStore, Store, StoreOptions};
use serde_json::{Value, json};
use time::OffsetDateTime;

use common::{hello, http, start};

const SAMPLE: &str = "../shared/data/orders/online_retail_customer_sample.csv";

fn sample() -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(SAMPLE);
    if path.exists() {
        Some(path)
    } else {
        println!("skipped: {SAMPLE} is absent");
        None
    }
}

fn uci_options() -> OrderImportOptions {
    OrderImportOptions {
        fold_case: true,
        product_pattern: Some(regex::Regex::new(r"^\d{5}[A-Za-z]{0,2}$").unwrap()),
        ..OrderImportOptions::default()
    }
}

/// Imports the sample into `dir`'s store and writes a catalog of its products; returns the
/// lines and the catalog's path.
fn shop_from_sample(sample: &Path, dir: &Path) -> (Vec<OrderLine>, PathBuf) {
    let (lines, _) = read_orders(std::fs::File::open(sample).unwrap(), &uci_options()).unwrap();
    {
        let store = SledStore::open(dir, StoreOptions::default()).unwrap();
        load(&store, lines.clone(), OffsetDateTime::now_utc()).unwrap();
    }
    let mut options = ImportOptions::new(Format::Orders);
    options.currency = Some("GBP".parse().unwrap());
    let imported = import(sample, &options).unwrap();
    let catalog = dir.join("catalog.jsonl");
    let text: Vec<String> = imported.products.iter().map(|p| serde_json::to_string(p).unwrap()).collect();
    std::fs::write(&catalog, text.join("\n")).unwrap();
    (lines, catalog)
}

fn signals_of(card: &Value) -> Vec<&Value> {
    card["signals"].as_array().unwrap().iter().collect()
}

#[test]
fn the_customer_sample_imports_with_its_quirks_counted() {
    let Some(sample) = sample() else { return };
    let (lines, report) = read_orders(std::fs::File::open(sample).unwrap(), &uci_options()).unwrap();
    assert_eq!(report.rows, 36_378);
    assert!(report.cancellations_applied > 0);
    assert!(report.skipped.keys().any(|r| r.contains("not a product")));
    assert!(lines.iter().all(|l| l.quantity > 0 && l.customer.is_some()));
    assert!(lines.iter().all(|l| !l.order_id.starts_with('C')), "cancellations are applied, not stored");
}

#[test]
fn a_shopify_orders_export_reads_its_documented_columns_and_skips_cancelled_orders() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/orders/shopify_orders.csv");
    let options = OrderImportOptions { format: OrderFormat::Shopify, ..OrderImportOptions::default() };
    let (lines, report) = read_orders(std::fs::File::open(path).unwrap(), &options).unwrap();
    let got: Vec<(&str, &str, Option<&str>)> =
        lines.iter().map(|l| (l.order_id.as_str(), l.product_id.as_str(), l.customer.as_deref())).collect();
    assert_eq!(
        got,
        vec![
            ("#1001", "LANT-01", Some("ana@example.com")),
            ("#1001", "CAND-01", Some("ana@example.com")),
            ("#1003", "CAND-01", None)
        ]
    );
    assert_eq!(lines[1].quantity, 3, "the second row of an order carries its order's fields");
    assert_eq!(report.skipped["cancelled order"], 1);
    assert_eq!(report.skipped["no usable product id"], 1, "a line without a sku is not a product");
}

#[test]
fn erasing_a_customer_removes_their_order_lines_and_a_reimport_does_not_bring_them_back() {
    let dir = tempfile::tempdir().unwrap();
    let store = SledStore::open(dir.path(), StoreOptions::default()).unwrap();
    let line = |order: &str, product: &str| OrderLine {
        order_id: order.into(),
        customer: Some("c-7".into()),
        product_id: product.into(),
        title: None,
        quantity: 1,
        price: Some(2.0),
        at: 1_700_000_000,
        source: concierge::profile::OrderSource::Shop,
    };
    let lines = vec![line("1", "10001"), line("1", "10002")];
    load(&store, lines.clone(), OffsetDateTime::now_utc()).unwrap();
    let customer = CustomerId::parse("c-7").unwrap();
    assert_eq!(store.of_customer(&customer).unwrap().len(), 2);
    let shopper = store.find_customer(&customer).unwrap().unwrap();
    assert_eq!(store.load(shopper).unwrap().unwrap().orders().len(), 1, "the profile shows the order");
    store.erase(shopper).unwrap().wait().unwrap();
    assert!(store.of_customer(&customer).unwrap().is_empty());
    let again = load(&store, lines, OffsetDateTime::now_utc()).unwrap();
    assert_eq!((again.lines, again.erased_lines), (0, 2));
    assert!(store.of_customer(&customer).unwrap().is_empty());
    assert_eq!(store.find_customer(&customer).unwrap(), None);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_cart_placement_offers_what_the_sample_says_goes_with_the_basket() {
    let Some(sample) = sample() else { return };
    let dir = tempfile::tempdir().unwrap();
    let (lines, catalog) = shop_from_sample(&sample, dir.path());
    let data = dir.path().to_path_buf();
    let server = start(move |c| {
        c.data_dir = data;
        c.catalog = catalog;
    })
    .await;
    // The first product of the first basket of three or more products.
    let first = &lines[0].order_id;
    let cart: Vec<&str> =
        lines.iter().filter(|l| &l.order_id == first).map(|l| l.product_id.as_str()).take(3).collect();
    let (status, body) =
        http(&server, "GET", &format!("/v1/recommendations?placement=cart&cart={}&k=8", cart.join(",")), None, None)
            .await;
    assert_eq!(status, 200, "{body}");
    let products = body["products"].as_array().unwrap();
    assert!(!products.is_empty(), "{body}");
    let bought_with: Vec<&Value> =
        products.iter().filter(|p| signals_of(p).iter().any(|s| s["kind"] == "bought_with")).collect();
    assert!(!bought_with.is_empty(), "{body}");
    for card in bought_with {
        assert!(!cart.contains(&card["id"].as_str().unwrap()), "a cart item is never its own complement");
        let signal = signals_of(card).into_iter().find(|s| s["kind"] == "bought_with").unwrap();
        assert!(cart.contains(&signal["product_id"].as_str().unwrap()), "{card}");
        assert!(card["why"][0].as_str().unwrap().contains("in your basket"), "{card}");
    }
    let (status, body) = http(&server, "GET", "/v1/recommendations?placement=product", None, None).await;
    assert_eq!(status, 400, "{body}");
    let (status, body) =
        http(&server, "GET", &format!("/v1/recommendations?placement=product&product_id={}", cart[0]), None, None)
            .await;
    assert_eq!(status, 200, "{body}");
    assert!(body["products"].as_array().unwrap().iter().all(|p| p["id"] != cart[0]));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unknown_placement_is_a_400_naming_the_allowed_ones() {
    let server = start(|_| {}).await;
    let (status, body) = http(&server, "GET", "/v1/recommendations?placement=checkout", None, None).await;
    assert_eq!(status, 400);
    let message = body["error"]["message"].as_str().unwrap();
    for name in ["checkout", "home", "product", "cart", "post_purchase"] {
        assert!(message.contains(name), "{message}");
    }
    let (status, _) = http(&server, "GET", "/v1/recommendations?placement=cart", None, None).await;
    assert_eq!(status, 400, "a cart placement needs a cart");
}

async fn purchase(server: &common::Server, customer: &str, order: &str, items: &[&str]) {
    let items: Vec<Value> = items.iter().map(|id| json!({"product_id": id, "quantity": 1})).collect();
    let event = json!({"id": format!("e-{order}"), "kind": "purchase", "customer_id": customer, "order": {"id": order, "items": items}});
    let (status, body) =
        http(server, "POST", "/v1/events", Some("backend-secret"), Some(json!({"events": [event]}))).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["results"][0]["status"], "stored", "{body}");
}

#[tokio::test(flavor = "multi_thread")]
async fn purchases_from_the_shops_backend_teach_bought_together_at_once() {
    let server = start(|c| c.backend_key = Some("backend-secret".into())).await;
    let path = "/v1/recommendations?placement=cart&cart=toy-001";
    let (_, before) = http(&server, "GET", path, None, None).await;
    let paired = |body: &Value| {
        body["products"].as_array().unwrap().iter().any(|p| {
            p["id"] == "toy-003"
                && signals_of(p).iter().any(|s| s["kind"] == "bought_with" && s["product_id"] == "toy-001")
        })
    };
    assert!(!paired(&before), "{before}");
    purchase(&server, "c-1", "o-1", &["toy-001", "toy-003"]).await;
    let (_, once) = http(&server, "GET", path, None, None).await;
    assert!(!paired(&once), "one basket is below the minimum support: {once}");
    purchase(&server, "c-2", "o-2", &["toy-001", "toy-003"]).await;
    let (_, twice) = http(&server, "GET", path, None, None).await;
    assert!(paired(&twice), "{twice}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_deluxe_edition_of_the_product_in_the_cart_is_a_substitute_not_a_complement() {
    let server = start(|c| c.backend_key = Some("backend-secret".into())).await;
    // toy-002 is the deluxe edition of the toy-001 train set: both are train sets.
    purchase(&server, "c-1", "o-1", &["toy-001", "toy-002", "toy-003"]).await;
    purchase(&server, "c-2", "o-2", &["toy-001", "toy-002", "toy-003"]).await;
    let (_, body) = http(&server, "GET", "/v1/recommendations?placement=cart&cart=toy-001", None, None).await;
    let products = body["products"].as_array().unwrap();
    assert!(products.iter().any(|p| p["id"] == "toy-003" && bought_with(p, "toy-001")), "{body}");
    assert!(!products.iter().any(|p| bought_with(p, "toy-001") && p["id"] == "toy-002"), "{body}");
}

#[tokio::test(flavor = "multi_thread")]
async fn post_purchase_goes_with_the_shoppers_own_order_and_needs_their_token() {
    let server = start(|c| c.backend_key = Some("backend-secret".into())).await;
    purchase(&server, "c-1", "o-1", &["toy-001", "toy-003"]).await;
    purchase(&server, "c-2", "o-2", &["toy-001", "toy-003"]).await;
    let (status, _) = http(&server, "GET", "/v1/recommendations?placement=post_purchase", None, None).await;
    assert_eq!(status, 400, "no token, no order");
    let mut socket = common::connect(&server).await;
    let (welcome, _) = hello(&mut socket).await;
    let token = welcome["shopper"].as_str().unwrap().to_string();
    let event =
        json!({"kind": "purchase", "order": {"id": "mine", "items": [{"product_id": "toy-001", "quantity": 1}]}});
    let (status, _) = http(&server, "POST", "/v1/events", Some(&token), Some(json!({"events": [event]}))).await;
    assert_eq!(status, 200);
    let (status, body) = http(&server, "GET", "/v1/recommendations?placement=post_purchase", Some(&token), None).await;
    assert_eq!(status, 200, "{body}");
    let first = &body["products"][0];
    assert_eq!(first["id"], "toy-003", "{body}");
    assert!(first["why"][0].as_str().unwrap().contains("which you just bought"), "{body}");
    let (status, _) =
        http(&server, "GET", "/v1/recommendations?placement=post_purchase&order_id=o-1", Some(&token), None).await;
    assert_eq!(status, 404, "another customer's order is not this shopper's");
}

#[tokio::test(flavor = "multi_thread")]
async fn home_for_a_returning_shopper_shows_what_they_viewed_and_labels_serendipity() {
    let server = start(|c| c.profile.serendipity_percent = 20).await;
    let mut socket = common::connect(&server).await;
    let (welcome, _) = hello(&mut socket).await;
    let token = welcome["shopper"].as_str().unwrap().to_string();
    let event = json!({"kind": "product_viewed", "product_id": "toy-003"});
    http(&server, "POST", "/v1/events", Some(&token), Some(json!({"events": [event]}))).await;
    let (status, body) = http(&server, "GET", "/v1/recommendations?placement=home&k=5", Some(&token), None).await;
    assert_eq!(status, 200, "{body}");
    let products = body["products"].as_array().unwrap();
    assert_eq!(products.len(), 5, "{body}");
    assert_eq!(products[0]["id"], "toy-003");
    assert_eq!(signals_of(&products[0])[0]["kind"], "recently_viewed");
    let surprising: Vec<&Value> =
        products.iter().filter(|p| signals_of(p).iter().any(|s| s["kind"] == "serendipity")).collect();
    assert_eq!(surprising.len(), 1, "a fifth of five: {body}");
    assert!(surprising[0]["why"][0].as_str().unwrap().contains("different"), "{body}");
}

#[tokio::test(flavor = "multi_thread")]
async fn importing_while_a_server_holds_the_store_is_refused_with_a_clear_message() {
    let server = start(|_| {}).await;
    let file = server.data_dir().join("orders.csv");
    std::fs::write(&file, "order_id,product_id,quantity,at\n1,10001,1,2024-01-01 10:00\n").unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_concierge"))
        .args(["orders", "import"])
        .arg(&file)
        .arg("--data-dir")
        .arg(server.data_dir())
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("in use by another process"), "{stderr}");
}

/// Sends a `say` and returns the reply (every frame before it is passed over).
async fn say(socket: &mut common::Socket, text: &str) -> Value {
    common::send(socket, json!({"type": "say", "text": text})).await;
    common::reply_within(socket, std::time::Duration::from_secs(10)).await.1
}

fn bought_with(card: &Value, anchor: &str) -> bool {
    signals_of(card).iter().any(|s| s["kind"] == "bought_with" && s["product_id"] == anchor)
}

/// Regression: a purchase sent as an `event` frame on the chat socket reached the shopper's
/// profile but not the order log (only `POST /v1/events` fed it), so bought-together never
/// learned from it.
#[tokio::test(flavor = "multi_thread")]
async fn purchases_sent_over_the_chat_socket_teach_bought_together_as_rest_ones_do() {
    let server = start(|_| {}).await;
    let path = "/v1/recommendations?placement=cart&cart=toy-001";
    for order in ["s-1", "s-2"] {
        let mut socket = common::connect(&server).await;
        hello(&mut socket).await;
        let items = [json!({"product_id": "toy-001", "quantity": 1}), json!({"product_id": "toy-003", "quantity": 1})];
        let event = json!({"kind": "purchase", "order": {"id": order, "items": items}});
        common::send(&mut socket, json!({"type": "event", "event": event})).await;
        // The socket answers frames in order: once this reply arrives, the event is recorded.
        say(&mut socket, "thanks").await;
    }
    let (_, body) = http(&server, "GET", path, None, None).await;
    let products = body["products"].as_array().unwrap();
    assert!(products.iter().any(|p| p["id"] == "toy-003" && bought_with(p, "toy-001")), "{body}");
}

#[tokio::test(flavor = "multi_thread")]
async fn asking_what_goes_with_this_on_a_product_page_offers_complements_with_their_reasons() {
    let server = start(|c| c.backend_key = Some("backend-secret".into())).await;
    purchase(&server, "c-1", "o-1", &["kit-011", "kit-009", "home-008"]).await;
    purchase(&server, "c-2", "o-2", &["kit-011", "kit-009", "home-008"]).await;
    let mut socket = common::connect(&server).await;
    common::send(&mut socket, json!({"type": "hello", "context": {"page": "product", "product_id": "kit-011"}})).await;
    let (_, greeting) = common::reply_within(&mut socket, std::time::Duration::from_secs(10)).await;
    let first = &greeting["products"][0];
    assert!(bought_with(first, "kit-011"), "what goes with the page's product leads: {greeting}");
    let reply = say(&mut socket, "what goes with this?").await;
    let products = reply["products"].as_array().unwrap();
    let ids: Vec<&str> = products.iter().map(|p| p["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["kit-009", "home-008"], "only what was bought with it, never the product itself: {reply}");
    for card in products {
        assert!(bought_with(card, "kit-011"), "{reply}");
        assert!(card["why"][0].as_str().unwrap().contains("Often bought with"), "{reply}");
    }
}
