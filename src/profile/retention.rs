//! Retention: anonymous shoppers (no customer link) idle for longer than a limit (default 180
//! days) are erased by a periodic sweep. A shopper the shop knows by its customer id is kept:
//! their orders are the shop's records, and the shop's own retention applies to them.
//!
//! The sweep itself is `Store::sweep`; this module runs it in the background for the server.

use std::sync::Arc;

use time::{Duration, OffsetDateTime};

use super::store::Store;

/// How long an anonymous shopper may stay idle before being erased, by default: 180 days.
pub const DEFAULT_IDLE_ANONYMOUS: Duration = Duration::days(180);

/// Runs `store.sweep(now, idle)` every `every`, off the runtime's threads, until the returned
/// task is aborted. A failed sweep is logged and retried at the next tick. This is the one
/// place in the profile layer that reads the clock.
pub fn spawn_sweeper(store: Arc<dyn Store>, every: std::time::Duration, idle: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            let store = Arc::clone(&store);
            let swept = tokio::task::spawn_blocking(move || store.sweep(OffsetDateTime::now_utc(), idle)).await;
            match swept {
                Ok(Ok(removed)) => tracing::debug!(removed, "retention sweep done"),
                Ok(Err(error)) => tracing::warn!(%error, "retention sweep failed"),
                Err(error) => tracing::error!(%error, "retention sweep task failed"),
            }
        }
    })
}
