//! How a server's order insights stay current: built from the store's order log at start,
//! then fed by every purchase (into the log, shared with other servers) and every product view
//! (trending only) recorded through `POST /v1/events`. A networked store's log is shared: each
//! server re-reads it every [`REFRESH`], so purchases recorded by another server count too.

use std::time::Duration;

use time::OffsetDateTime;

use super::state::AppState;
use crate::orders::{Insights, OrderLine};
use crate::profile::{Event, EventInput, EventKind, Store, StoreError};

/// How often a server sharing a networked store rebuilds its insights from the shared log.
pub(crate) const REFRESH: Duration = Duration::from_secs(600);

/// Builds insights from the store's whole order log. Blocks.
pub(crate) fn read_insights(store: &dyn Store) -> Result<Insights, StoreError> {
    let Some(log) = store.orders() else { return Ok(Insights::default()) };
    let mut lines = Vec::new();
    log.scan(&mut |line| lines.push(line))?;
    Ok(Insights::build(lines))
}

/// Replaces the server's insights with what the log holds now.
pub(crate) async fn reload(state: &AppState) -> anyhow::Result<()> {
    let store = state.profiles.store.clone();
    let insights = tokio::task::spawn_blocking(move || read_insights(store.as_ref())).await??;
    tracing::info!(lines = insights.lines(), baskets = insights.baskets(), "order insights loaded");
    *state.orders.write().unwrap_or_else(|e| e.into_inner()) = insights;
    Ok(())
}

/// For a networked store: reloads every [`REFRESH`] until the server stops.
pub(crate) fn spawn_refresh(state: AppState) -> Option<tokio::task::JoinHandle<()>> {
    if !state.profiles.store.blocks() {
        return None;
    }
    Some(tokio::spawn(async move {
        let mut shutdown = state.shutdown.clone();
        loop {
            tokio::select! {
                _ = tokio::time::sleep(REFRESH) => {}
                _ = shutdown.changed() => return,
            }
            if let Err(error) = reload(&state).await {
                tracing::warn!(%error, "cannot refresh order insights; keeping the last ones");
            }
        }
    }))
}

/// Who recorded an event: only the backend key names a `customer_id` (a shopper's token that
/// names one is refused before this), so an event naming a customer is the shop's.
fn event_source(names_customer: bool) -> crate::profile::OrderSource {
    if names_customer { crate::profile::OrderSource::Shop } else { crate::profile::OrderSource::Shopper }
}

/// Learns from one event just stored (`raw` as it arrived): a purchase goes to the order log
/// and the insights, a product view to trending. Blocks (call it off the runtime's threads).
/// Errors are the log's: the event itself is already stored.
pub(crate) fn learn(state: &AppState, raw: &serde_json::Value, now: OffsetDateTime) -> Result<(), StoreError> {
    let Ok(input) = serde_json::from_value::<EventInput>(raw.clone()) else { return Ok(()) };
    let customer = input.customer_id.clone();
    let Ok(event) = Event::parse(input, now) else { return Ok(()) };
    match (event.kind, &event.order) {
        (EventKind::Purchase, Some(order)) => {
            let order_id = order
                .id
                .clone()
                .or_else(|| event.id.clone().map(|id| format!("event:{id}")))
                .unwrap_or_else(|| format!("event:{}", crate::profile::ShopperId::random()));
            let lines: Vec<OrderLine> = order
                .items
                .iter()
                .map(|item| OrderLine {
                    order_id: order_id.clone(),
                    customer: customer.clone(),
                    product_id: item.product_id.clone(),
                    title: None,
                    quantity: item.quantity,
                    price: item.price.map(|p| p.to_f64()),
                    at: order.at.unix_timestamp(),
                    source: event_source(customer.is_some()),
                })
                .collect();
            if let Some(log) = state.profiles.store.orders() {
                log.append(&lines)?;
            }
            state.orders.write().unwrap_or_else(|e| e.into_inner()).add_order(&lines);
        }
        (EventKind::ProductViewed, _) => {
            if let Some(product) = &event.product_id {
                state.orders.write().unwrap_or_else(|e| e.into_inner()).viewed(product, event.at.unix_timestamp());
            }
        }
        _ => {}
    }
    Ok(())
}
