//! Placement benchmarks on the real orders file (`../shared/data/orders/online_retail.csv`:
//! about 4,000 products and 400,000 clean lines out of 541,909; skipped with a note when
//! absent): `GET /v1/recommendations` in process (the router, `oneshot`) for the cart, product
//! and home placements, with criterion's means and then p50/p99 over 3,000 requests each; and
//! the bought-together lookup alone. Run: `cargo bench --bench placements`.

use std::path::Path;
use std::time::Instant;

use axum::body::Body;
use axum::http::Request;
use concierge::catalog::{Format, ImportOptions, import};
use concierge::config::Config;
use concierge::orders::OrderLine;
use concierge::orders::import::{OrderImportOptions, read_orders};
use concierge::orders::together::Scoring;
use concierge::profile::{SledStore, StoreOptions};
use concierge::server::Application;
use criterion::{Criterion, black_box};
use tower::ServiceExt;

const ORDERS: &str = "../shared/data/orders/online_retail.csv";

fn carts(lines: &[OrderLine], size: usize, count: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut start = 0;
    while start < lines.len() && out.len() < count {
        let order = &lines[start].order_id;
        let end = start + lines[start..].iter().take_while(|l| &l.order_id == order).count();
        if end - start >= size {
            out.push(lines[start..start + size].iter().map(|l| l.product_id.as_str()).collect::<Vec<_>>().join(","));
        }
        start = end + 37; // spread over the year
    }
    out
}

fn main() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(ORDERS);
    if !path.exists() {
        println!("skipped: {ORDERS} is absent");
        return;
    }
    let options = OrderImportOptions {
        fold_case: true,
        product_pattern: Some(regex::Regex::new(r"^\d{5}[A-Za-z]{0,2}$").unwrap()),
        ..OrderImportOptions::default()
    };
    let (lines, report) = read_orders(std::fs::File::open(&path).unwrap(), &options).unwrap();
    let dir = tempfile::tempdir().unwrap();
    {
        let store = SledStore::open(dir.path(), StoreOptions::default()).unwrap();
        concierge::orders::load::load(&store, lines.clone(), time::OffsetDateTime::now_utc()).unwrap();
    }
    let mut catalog_options = ImportOptions::new(Format::Orders);
    catalog_options.currency = Some("GBP".parse().unwrap());
    let products = import(&path, &catalog_options).unwrap().products;
    let catalog = dir.path().join("catalog.jsonl");
    let text: Vec<String> = products.iter().map(|p| serde_json::to_string(p).unwrap()).collect();
    std::fs::write(&catalog, text.join("\n")).unwrap();
    println!("{} order lines ({} clean), {} products", report.rows, lines.len(), products.len());

    let runtime = tokio::runtime::Runtime::new().unwrap();
    let config = Config {
        addr: "127.0.0.1:0".parse().unwrap(),
        data_dir: dir.path().to_path_buf(),
        catalog,
        prompts: Some(concat!(env!("CARGO_MANIFEST_DIR"), "/prompts").into()),
        ..Config::default()
    };
    let app = runtime.block_on(Application::build(config)).unwrap();
    let router = concierge::server::app(app.state().clone());
    let get = |uri: &str| {
        let request = Request::get(uri).body(Body::empty()).unwrap();
        let response = runtime.block_on(router.clone().oneshot(request)).unwrap();
        assert!(response.status().is_success(), "{uri}: {}", response.status());
    };
    let cart3 = carts(&lines, 3, 500);
    let cart15 = carts(&lines, 15, 500);
    let pages: Vec<String> = cart3.iter().map(|c| c.split(',').next().unwrap_or_default().to_string()).collect();
    let uris: Vec<(&str, Vec<String>)> = vec![
        ("cart, 3 items", cart3.iter().map(|c| format!("/v1/recommendations?placement=cart&cart={c}&k=10")).collect()),
        (
            "cart, 15 items",
            cart15.iter().map(|c| format!("/v1/recommendations?placement=cart&cart={c}&k=10")).collect(),
        ),
        (
            "product",
            pages.iter().map(|p| format!("/v1/recommendations?placement=product&product_id={p}&k=10")).collect(),
        ),
        ("home, new shopper", vec!["/v1/recommendations?placement=home&k=10".to_string()]),
    ];

    let mut criterion = Criterion::default().configure_from_args().sample_size(50);
    for (name, list) in &uris {
        let mut n = 0;
        criterion.bench_function(&format!("placement: {name}"), |b| {
            b.iter(|| {
                n = (n + 1) % list.len();
                get(black_box(&list[n]));
            })
        });
    }
    let insights = app.state().orders.read().unwrap().clone();
    let have: Vec<Vec<String>> = cart15.iter().map(|c| c.split(',').map(String::from).collect()).collect();
    let mut n = 0;
    criterion.bench_function("bought together alone, 15-item cart", |b| {
        b.iter(|| {
            n = (n + 1) % have.len();
            let cart: Vec<&str> = have[n].iter().map(String::as_str).collect();
            black_box(insights.goes_with(&cart, 10, Scoring::Lift, true, &|_| true));
        })
    });
    criterion.final_summary();
    percentiles(&uris, &get);
}

fn percentiles(uris: &[(&str, Vec<String>)], get: &dyn Fn(&str)) {
    for (name, list) in uris {
        let mut times: Vec<f64> = (0..3_000)
            .map(|n| {
                let started = Instant::now();
                get(&list[n % list.len()]);
                started.elapsed().as_secs_f64() * 1e3
            })
            .collect();
        times.sort_by(f64::total_cmp);
        let at = |q: f64| times[((times.len() as f64 * q) as usize).min(times.len() - 1)];
        println!("{name}: p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms over 3,000 requests", at(0.5), at(0.99), at(1.0));
    }
}
