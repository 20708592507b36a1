//! The walks that find whom a stock change or a reorder sweep concerns. A stock change reads
//! only the product's watchers from the store's index (`notices::watchers`) once that index
//! covers every profile; before that (a store from an earlier release, until the walk at start
//! has indexed it) and for reorder sweeps, it pages through every stored shopper.
//!
//! Reorder sweeps stay a walk: what makes a purchase due is time passing, not an event, so no
//! index names the shoppers in advance. The walk is bounded: a page of [`SCAN_PAGE`] shoppers at
//! a time, only consenting shoppers' histories read, every `notices.reorder_every_secs`.

use std::collections::BTreeSet;
use std::sync::Arc;

use time::OffsetDateTime;

use super::deliver;
use crate::catalog::Product;
use crate::chat::Noticed;
use crate::notices::trigger::Due;
use crate::notices::{Cause, Settings};
use crate::profile::{Profile, ShopperId, Store, StoreError};
use crate::server::state::AppState;

/// Shoppers read per page of a walk over every shopper.
const SCAN_PAGE: usize = 500;

/// Whom a walk visits.
enum Whom {
    /// Every stored shopper, page by page.
    Everyone,
    /// The shoppers the index names as watching any of these products (everyone when the
    /// store keeps no index or its index does not yet cover every profile).
    Watching(Vec<String>),
}

/// Finds the shoppers watching a product whose stock changed (`changes`: before and after),
/// passes their causes through the gate (in each shopper's own write) and delivers them.
/// Reads only the watchers the store's index names (see the module doc).
pub(crate) async fn stock_changed(state: &AppState, changes: Vec<(Option<Product>, Product)>) {
    if changes.is_empty() {
        return;
    }
    let settings = state.notices.settings;
    let products = changes.iter().map(|(_, after)| after.id.clone()).collect();
    let judge = move |profile: &Profile, _: &()| causes(profile, &changes, &settings);
    notice_each_shopper(state, "stock change", Whom::Watching(products), |_, _| Ok(Some(())), judge).await;
}

/// Builds the store's watcher index from every profile stored before it existed, once per
/// store (a no-op afterwards), in the background at start.
pub(crate) fn spawn_index(state: &AppState) -> tokio::task::JoinHandle<()> {
    let store = Arc::clone(&state.profiles.store);
    tokio::task::spawn_blocking(move || match crate::notices::watchers::index_every_profile(store.as_ref()) {
        Ok(0) => {}
        Ok(noted) => tracing::info!(noted, "watcher index built from the stored profiles"),
        Err(error) => tracing::error!(%error, "cannot build the watcher index; stock changes read every profile"),
    })
}

/// Every `every`, reminds consenting customers of products they are due to buy again (see
/// [`reorder_sweep`]); the first sweep runs at once.
pub(crate) fn spawn_reorders(state: AppState, every: std::time::Duration) -> Option<tokio::task::JoinHandle<()>> {
    if every.is_zero() {
        return None;
    }
    Some(tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            reorder_sweep(&state).await;
        }
    }))
}

/// Reminds consenting shoppers of the products they are due to buy again (their order history
/// against the buy-it-again intervals, `orders::again::due`), a product once per purchase.
/// Reads every stored profile: O(shoppers) per sweep (see the module doc).
pub(crate) async fn reorder_sweep(state: &AppState) {
    let (shared, now) = (state.clone(), OffsetDateTime::now_utc());
    let prepare = move |store: &dyn Store, profile: &Profile| -> Result<Option<Vec<Due>>, StoreError> {
        let history = crate::server::placements::history(store, profile)?;
        let due = shared.orders.read().unwrap_or_else(|e| e.into_inner()).due(&history, now.unix_timestamp());
        let due: Vec<Due> = due
            .into_iter()
            .filter_map(|d| {
                let last_bought = OffsetDateTime::from_unix_timestamp(d.last).ok()?;
                Some(Due { product: d.product_id, last_bought })
            })
            .collect();
        Ok((!due.is_empty()).then_some(due))
    };
    let judge = |profile: &Profile, due: &Vec<Due>| crate::notices::trigger::reorder(profile, due);
    notice_each_shopper(state, "reorder reminders", Whom::Everyone, prepare, judge).await;
}

/// Hands `each` the shoppers `whom` names. Blocks.
fn visit(
    store: &dyn Store,
    whom: &Whom,
    each: &mut dyn FnMut(ShopperId) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    if let (Whom::Watching(products), Some(index)) = (whom, store.watchers())
        && index.built()?
    {
        let mut watching = BTreeSet::new();
        for product in products {
            watching.extend(index.of_product(product)?);
        }
        return watching.into_iter().try_for_each(each);
    }
    let mut after = None;
    loop {
        let page = store.shoppers_after(after, SCAN_PAGE)?;
        let Some(last) = page.last().copied() else { return Ok(()) };
        after = Some(last);
        page.into_iter().try_for_each(&mut *each)?;
    }
}

/// Visits the shoppers `whom` names who agreed to notices: `prepare` reads what a judgement
/// needs (may read the store; `None`: nothing to judge), `judge` names the causes from a
/// profile, once on the stored one and again inside the shopper's own write, where the gate
/// admits them; what it admitted is delivered once durable. `what` names the walk in logs.
async fn notice_each_shopper<T, Prepare, Judge>(
    state: &AppState,
    what: &'static str,
    whom: Whom,
    prepare: Prepare,
    judge: Judge,
) where
    T: Send + 'static,
    Prepare: Fn(&dyn Store, &Profile) -> Result<Option<T>, StoreError> + Send + 'static,
    Judge: Fn(&Profile, &T) -> Vec<Cause> + Send + 'static,
{
    let (store, settings, now) = (Arc::clone(&state.profiles.store), state.notices.settings, OffsetDateTime::now_utc());
    let scanned = tokio::task::spawn_blocking(move || -> Result<Vec<Noticed>, StoreError> {
        let mut found = Vec::new();
        visit(store.as_ref(), &whom, &mut |shopper| {
            let Some(profile) = store.load(shopper).ok().flatten() else { return Ok(()) };
            if !profile.consent().notices {
                return Ok(());
            }
            let Some(prepared) = prepare(store.as_ref(), &profile)? else { return Ok(()) };
            if judge(&profile, &prepared).is_empty() {
                return Ok(());
            }
            let mut admitted = Vec::new();
            let changed = store.change(shopper, &mut |p: &mut Profile| {
                let causes = judge(p, &prepared);
                admitted = crate::notices::trigger::admit(p, causes, now, &settings);
            })?;
            if let Some((profile, durable)) = changed
                && !admitted.is_empty()
            {
                durable.wait()?;
                let customer = profile.customer().map(|c| c.id.clone());
                found.push(Noticed { shopper: Some(shopper), customer, causes: admitted });
            }
            Ok(())
        })?;
        Ok(found)
    })
    .await;
    match scanned {
        Ok(Ok(found)) => {
            for noticed in found {
                deliver(state, noticed).await;
            }
        }
        Ok(Err(error)) => tracing::error!(%error, "{what}: cannot read the shoppers to notice"),
        Err(error) => tracing::error!(%error, "{what}: the scan failed"),
    }
}

fn causes(profile: &Profile, changes: &[(Option<Product>, Product)], settings: &Settings) -> Vec<Cause> {
    changes
        .iter()
        .filter_map(|(before, after)| crate::notices::trigger::stock_change(profile, before.as_ref(), after, settings))
        .collect()
}
