//! Loading imported lines into a store: the order log gets every line; each customer's
//! profile is found or created by customer id and shows their recent orders. An erased
//! customer stays erased: their lines are dropped, not stored.

use std::collections::{BTreeMap, HashSet};

use time::OffsetDateTime;

use super::history::OrderLine;
use crate::money::Amount;
use crate::profile::{CustomerId, Event, Limits, Order, OrderItem, OrderSource, Store, StoreError, update_customer};

/// Orders shown in a profile per customer (the log keeps them all).
pub const RECENT_ORDERS: usize = 20;

/// What loading did.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Loaded {
    pub lines: usize,
    pub customers_linked: usize,
    /// Lines dropped because their customer was erased.
    pub erased_lines: usize,
    /// Lines dropped because their customer id is not one the shop may use.
    pub bad_customer_lines: usize,
}

/// Why loading failed.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("this store keeps no order log")]
    NoLog,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Stores `lines` (see the module doc). Blocks; importing again changes nothing.
pub fn load(store: &dyn Store, mut lines: Vec<OrderLine>, now: OffsetDateTime) -> Result<Loaded, LoadError> {
    let log = store.orders().ok_or(LoadError::NoLog)?;
    let mut by_customer: BTreeMap<String, Vec<&OrderLine>> = BTreeMap::new();
    for line in &lines {
        if let Some(customer) = &line.customer {
            by_customer.entry(customer.clone()).or_default().push(line);
        }
    }
    let mut loaded = Loaded::default();
    let mut dropped: HashSet<String> = HashSet::new();
    let mut bad: HashSet<String> = HashSet::new();
    let limits = Limits::default();
    for (customer, theirs) in &by_customer {
        let Ok(id) = CustomerId::parse(customer) else {
            bad.insert(customer.clone());
            continue;
        };
        let recent = recent_orders(theirs);
        let result = update_customer(store, &id, now, &mut |profile| {
            for order in &recent {
                let event = Event::purchase_of(order.clone());
                profile.record(event, &limits);
            }
        });
        match result {
            Ok(_) => loaded.customers_linked += 1,
            Err(StoreError::ShopperErased { .. } | StoreError::CustomerErased { .. }) => {
                dropped.insert(customer.clone());
            }
            Err(other) => return Err(other.into()),
        }
    }
    lines.retain(|l| match l.customer.as_deref() {
        Some(c) if dropped.contains(c) => {
            loaded.erased_lines += 1;
            false
        }
        Some(c) if bad.contains(c) => {
            loaded.bad_customer_lines += 1;
            false
        }
        _ => true,
    });
    loaded.lines = log.append(&lines)?;
    store.flush()?;
    Ok(loaded)
}

/// A customer's latest [`RECENT_ORDERS`] orders, as a profile keeps orders.
fn recent_orders(lines: &[&OrderLine]) -> Vec<Order> {
    let mut orders: BTreeMap<(i64, &str), Vec<&OrderLine>> = BTreeMap::new();
    for line in lines {
        orders.entry((line.at, line.order_id.as_str())).or_default().push(line);
    }
    orders
        .into_iter()
        .rev()
        .take(RECENT_ORDERS)
        .map(|((at, id), items)| Order {
            id: Some(id.to_string()),
            items: items
                .iter()
                .map(|l| OrderItem {
                    product_id: l.product_id.clone(),
                    quantity: l.quantity,
                    price: l.price.and_then(Amount::from_f64),
                    currency: None,
                })
                .collect(),
            total: None,
            estimated_delivery: None,
            currency: None,
            at: OffsetDateTime::from_unix_timestamp(at).unwrap_or(OffsetDateTime::UNIX_EPOCH),
            source: items.first().map_or(OrderSource::Shop, |l| l.source),
        })
        .collect()
}
