//! How a server's order insights stay current: built from the store's order log at start,
//! then fed by every purchase (into the log, shared with other servers) and every product view
//! (trending only) recorded through `POST /v1/events` or the chat socket (`orders::live`). A networked store's log is shared: each
//! server re-reads it every [`REFRESH`], so purchases recorded by another server count too.

use std::time::Duration;

use time::OffsetDateTime;

use super::state::AppState;
use crate::orders::Insights;
use crate::profile::{CustomerId, Store, StoreError};

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

/// Learns from one event just stored (`raw` as it arrived; `customer`: the customer whose
/// profile stored it): see [`crate::orders::live::learn`], the one path every door shares.
/// Blocks (call it off the runtime's threads). Errors are the log's: the event itself is
/// already stored.
pub(crate) fn learn(
    state: &AppState,
    raw: &serde_json::Value,
    customer: Option<&CustomerId>,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    crate::orders::live::learn(state.profiles.store.as_ref(), &state.orders, raw, customer, now)
}
