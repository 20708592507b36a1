//! The order log's contract (`Store::orders`), run against `SledStore` and `PostgresStore`
//! alike: lines stored once per order and product, found by customer, removed with an erased
//! customer, and read whole for the statistics.

use concierge::orders::OrderLine;
use concierge::orders::load::load;
use concierge::profile::{CustomerId, Store};
use time::OffsetDateTime;

fn line(order: &str, customer: Option<&str>, product: &str, at: i64) -> OrderLine {
    OrderLine {
        order_id: order.into(),
        customer: customer.map(str::to_string),
        product_id: product.into(),
        title: Some(format!("Product {product}")),
        quantity: 2,
        price: Some(1.25),
        at,
        source: concierge::profile::OrderSource::Shop,
    }
}

fn lines_are_stored_once_and_found_by_customer(store: &dyn Store) {
    let log = store.orders().expect("an order log");
    let lines =
        vec![line("o-2", Some("c-1"), "p-2", 200), line("o-1", Some("c-1"), "p-1", 100), line("o-3", None, "p-1", 300)];
    log.append(&lines).unwrap();
    log.append(&lines).unwrap();
    let mut all = Vec::new();
    log.scan(&mut |l| all.push(l)).unwrap();
    assert_eq!(all.len(), 3, "appending the same lines again changes nothing");
    let mine = log.of_customer(&CustomerId::parse("c-1").unwrap()).unwrap();
    assert_eq!(mine.iter().map(|l| l.order_id.as_str()).collect::<Vec<_>>(), vec!["o-1", "o-2"], "oldest first");
    assert_eq!(mine[0], lines[1], "a line comes back as it went in");
    assert!(log.of_customer(&CustomerId::parse("c-2").unwrap()).unwrap().is_empty());
}

fn erasing_the_customers_shopper_removes_their_lines_only(store: &dyn Store) {
    let lines =
        vec![line("o-1", Some("c-1"), "p-1", 100), line("o-2", Some("c-2"), "p-1", 100), line("o-3", None, "p-2", 100)];
    load(store, lines, OffsetDateTime::now_utc()).unwrap();
    let c1 = CustomerId::parse("c-1").unwrap();
    let shopper = store.find_customer(&c1).unwrap().expect("the import linked the customer");
    store.erase(shopper).unwrap().wait().unwrap();
    let log = store.orders().unwrap();
    assert!(log.of_customer(&c1).unwrap().is_empty());
    let mut left = Vec::new();
    log.scan(&mut |l| left.push(l.order_id)).unwrap();
    left.sort();
    assert_eq!(left, vec!["o-2", "o-3"]);
}

macro_rules! order_contract {
    ($($case:ident),* $(,)?) => {
        mod sled {
            $( #[test] fn $case() { let (store, _dir) = crate::contract::sled(); super::$case(store.as_ref()); } )*
        }
        mod postgres {
            $( #[test] fn $case() { if let Some(store) = crate::contract::postgres() { super::$case(store.as_ref()); } } )*
        }
    };
}

order_contract!(lines_are_stored_once_and_found_by_customer, erasing_the_customers_shopper_removes_their_lines_only);
