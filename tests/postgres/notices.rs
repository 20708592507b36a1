//! The notices outbox behind the store seam, on sled and PostgreSQL alike: positions in order,
//! a notice at most once by its id, acknowledgement, and erasure taking a shopper's notices.

use concierge::notices::{Notice, NoticeKind};
use concierge::profile::Store;

use crate::contract::{T0, aged, postgres, sled};

fn notice(id: &str) -> Notice {
    Notice {
        id: id.into(),
        kind: NoticeKind::ShippingDelay,
        text: format!("notice {id}"),
        order_id: Some("o-1".into()),
        product: None,
        customer_id: Some("c-1".into()),
        at: T0,
    }
}

fn the_outbox_keeps_notices_in_order_once_each_until_acknowledged_or_erased(store: &dyn Store) {
    let outbox = store.notices().expect("the store keeps an outbox");
    let (first, second) = (aged(3), aged(4));
    store.save(&first).unwrap();
    store.save(&second).unwrap();
    let a = outbox.push(first.id(), &notice("a")).unwrap();
    let b = outbox.push(second.id(), &notice("b")).unwrap();
    let c = outbox.push(first.id(), &notice("c")).unwrap();
    assert!(a < b && b < c, "positions only grow: {a} {b} {c}");
    assert_eq!(outbox.push(first.id(), &notice("a")).unwrap(), a, "the same notice is kept once");
    let page = outbox.after(0, 10).unwrap();
    let ids: Vec<&str> = page.iter().map(|(_, n)| n.id.as_str()).collect();
    assert_eq!(ids, ["a", "b", "c"]);
    assert_eq!(page[0].1, notice("a"), "kept whole");
    assert_eq!(outbox.after(a, 1).unwrap()[0].1.id, "b", "after a cursor, up to a limit");

    assert_eq!(outbox.ack(a).unwrap(), 1);
    store.erase(first.id()).unwrap().wait().unwrap();
    let left: Vec<String> = outbox.after(0, 10).unwrap().into_iter().map(|(_, n)| n.id).collect();
    assert_eq!(left, ["b"], "acknowledged and erased notices are gone");
}

#[test]
fn sled_outbox_keeps_notices_in_order_once_each_until_acknowledged_or_erased() {
    let (store, _dir) = sled();
    the_outbox_keeps_notices_in_order_once_each_until_acknowledged_or_erased(store.as_ref());
}

#[test]
fn postgres_outbox_keeps_notices_in_order_once_each_until_acknowledged_or_erased() {
    if let Some(store) = postgres() {
        the_outbox_keeps_notices_in_order_once_each_until_acknowledged_or_erased(store.as_ref());
    }
}
