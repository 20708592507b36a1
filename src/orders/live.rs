//! Purchases as they arrive: the one path from a recorded `purchase` event to the order log
//! and the insights, whichever door the event came through (`POST /v1/events` with a token or
//! the backend key, an `event` frame on the chat socket, a replay fixture). Where an order line
//! comes from is decided here, so a flag about it is set in one place.

use std::sync::RwLock;

use time::OffsetDateTime;

use super::history::OrderLine;
use super::insights::Insights;
use crate::profile::{CustomerId, Event, EventInput, EventKind, OrderSource, Store, StoreError};

/// The order lines of a purchase event, credited to `customer` (the customer the event names
/// or the one its shopper is linked to; `None`: a guest's order, still counted for bought
/// together) and recorded by `source`. Empty for any other event. The order id is the order's own, else one made from
/// the event's id, else a fresh one.
pub fn lines_of(event: &Event, customer: Option<&CustomerId>, source: OrderSource) -> Vec<OrderLine> {
    let (EventKind::Purchase, Some(order)) = (event.kind, &event.order) else { return Vec::new() };
    let order_id = order
        .id
        .clone()
        .or_else(|| event.id.clone().map(|id| format!("event:{id}")))
        .unwrap_or_else(|| format!("event:{}", crate::profile::ShopperId::random()));
    order
        .items
        .iter()
        .map(|item| OrderLine {
            order_id: order_id.clone(),
            customer: customer.map(|c| c.as_str().to_string()),
            product_id: item.product_id.clone(),
            title: None,
            quantity: item.quantity,
            price: item.price.map(|p| p.to_f64()),
            at: order.at.unix_timestamp(),
            source,
        })
        .collect()
}

/// Learns from one event just recorded (`raw` as it arrived, `customer` as [`lines_of`] takes
/// it): a purchase goes to the store's order log (shared with every server on the store) and
/// into `insights`, a product view counts toward trending. Blocks; call it only for an event the
/// profile stored (not a duplicate). Errors are the log's: the event itself is already stored.
pub fn learn(
    store: &dyn Store,
    insights: &RwLock<Insights>,
    raw: &serde_json::Value,
    customer: Option<&CustomerId>,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    let Ok(input) = serde_json::from_value::<EventInput>(raw.clone()) else { return Ok(()) };
    // Only the backend key may name a `customer_id` (a shopper's token that names one is
    // refused before this), so an event naming one is the shop's record: offers count it.
    let source = if input.customer_id.is_some() { OrderSource::Shop } else { OrderSource::Shopper };
    let Ok(event) = Event::parse(input, now) else { return Ok(()) };
    match event.kind {
        EventKind::Purchase => {
            let lines = lines_of(&event, customer, source);
            if lines.is_empty() {
                return Ok(());
            }
            if let Some(log) = store.orders() {
                log.append(&lines)?;
            }
            insights.write().unwrap_or_else(|e| e.into_inner()).add_order(&lines);
        }
        EventKind::ProductViewed => {
            if let Some(product) = &event.product_id {
                insights.write().unwrap_or_else(|e| e.into_inner()).viewed(product, event.at.unix_timestamp());
            }
        }
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::{SledStore, StoreOptions};

    fn learned(raw: serde_json::Value, customer: Option<&CustomerId>) -> (Vec<OrderLine>, Insights) {
        let dir = tempfile::tempdir().unwrap();
        let store = SledStore::open(dir.path(), StoreOptions::default()).unwrap();
        let insights = RwLock::new(Insights::default());
        let now = time::macros::datetime!(2026-01-05 10:00 UTC);
        learn(&store, &insights, &raw, customer, now).unwrap();
        let mut lines = Vec::new();
        store.orders().unwrap().scan(&mut |l| lines.push(l)).unwrap();
        (lines, insights.into_inner().unwrap())
    }

    #[test]
    fn a_purchase_reaches_the_order_log_with_its_customer_and_the_insights() {
        let raw = serde_json::json!({"id": "e-1", "kind": "purchase",
            "order": {"items": [{"product_id": "a", "quantity": 2}, {"product_id": "b"}]}});
        let customer = CustomerId::parse("c-42").unwrap();
        let (lines, insights) = learned(raw, Some(&customer));
        let got: Vec<(&str, &str, Option<&str>, u32)> = lines
            .iter()
            .map(|l| (l.order_id.as_str(), l.product_id.as_str(), l.customer.as_deref(), l.quantity))
            .collect();
        assert_eq!(got, vec![("e-1", "a", Some("c-42"), 2), ("e-1", "b", Some("c-42"), 1)]);
        assert_eq!((insights.baskets(), insights.lines()), (1, 2));
    }

    #[test]
    fn a_view_counts_for_trending_only_and_other_events_teach_nothing() {
        let (lines, insights) = learned(serde_json::json!({"kind": "product_viewed", "product_id": "a"}), None);
        assert!(lines.is_empty());
        assert_eq!(insights.baskets(), 0);
        let now = time::macros::datetime!(2026-01-05 10:00 UTC).unix_timestamp();
        assert_eq!(insights.trending(now, 5, &|_| true), vec!["a".to_string()]);
        let (lines, _) = learned(serde_json::json!({"kind": "search", "query": "mugs"}), None);
        assert!(lines.is_empty());
    }
}
