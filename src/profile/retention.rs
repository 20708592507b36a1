//! Retention: anonymous shoppers (no customer link) idle for longer than a limit (default 180
//! days) are erased by a periodic sweep. A shopper the shop knows by its customer id is kept:
//! their orders are the shop's records, and the shop's own retention applies to them.
//!
//! Experiment exposures of anonymous shoppers made longer ago than the same limit go too
//! (`Exposures::expire`): each page load of a new visitor adds one, so without a limit a
//! stranger could grow the store for ever.
//!
//! The sweep itself is `Store::sweep`; this module runs it in the background for the server.

use std::sync::Arc;

use time::{Duration, OffsetDateTime};

use super::store::Store;

/// How long an anonymous shopper may stay idle before being erased, by default: 180 days.
pub const DEFAULT_IDLE_ANONYMOUS: Duration = Duration::days(180);

/// One sweep: idle anonymous shoppers, then anonymous exposures older than `idle`; returns
/// how many of each went.
fn sweep(store: &dyn Store, now: OffsetDateTime, idle: Duration) -> Result<(usize, usize), super::StoreError> {
    let removed = store.sweep(now, idle)?;
    let expired = match store.experiments() {
        Some(exposures) => exposures.expire(now - idle)?,
        None => 0,
    };
    Ok((removed, expired))
}

/// Runs a sweep (`store.sweep(now, idle)` and the exposures' expiry) every `every`, off the runtime's threads, until the returned
/// task is aborted. A failed sweep is logged and retried at the next tick. This is the one
/// place in the profile layer that reads the clock.
pub fn spawn_sweeper(store: Arc<dyn Store>, every: std::time::Duration, idle: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            let store = Arc::clone(&store);
            let swept =
                tokio::task::spawn_blocking(move || sweep(store.as_ref(), OffsetDateTime::now_utc(), idle)).await;
            match swept {
                Ok(Ok((removed, expired))) => tracing::debug!(removed, expired, "retention sweep done"),
                Ok(Err(error)) => tracing::warn!(%error, "retention sweep failed"),
                Err(error) => tracing::error!(%error, "retention sweep task failed"),
            }
        }
    })
}
