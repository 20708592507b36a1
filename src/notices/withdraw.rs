//! Withdrawal: a notice waiting in the outbox is handed to the shop's backend (by
//! `GET /v1/notices` or the webhook) only while it still holds. Between the cause and the
//! backend taking it, the product may have gone back out of stock, the shopper may have bought
//! it, taken it off their wishlist, had the parcel delivered, withdrawn their consent or been
//! erased; such a notice is withdrawn (removed from the outbox) instead of handed out.
//!
//! Judged on read, against the profile and the catalog as they are then, so it holds on every
//! store alike and whichever server recorded the change.

use super::trigger::{status_word, watched_since};
use super::{Notice, NoticeKind, Outbox};
use crate::catalog::Catalog;
use crate::profile::{CustomerId, EventKind, Profile, Store, StoreError};

/// Whether `notice` still holds for its shopper (`profile`, as stored now; `None` when erased)
/// against `catalog`: the shopper still agrees to notices; a product notice's product is still
/// sold; `back_in_stock` and `low_stock`: it is available and still watched (wishlisted or
/// carted, not removed, not bought since); `reorder`: not bought since the notice; a
/// `shipping_delay`: the order's latest recorded status is not `delivered`.
pub fn still_holds(notice: &Notice, profile: Option<&Profile>, catalog: &Catalog) -> bool {
    let Some(profile) = profile else { return false };
    if !profile.consent().notices {
        return false;
    }
    let product = notice.product.as_ref().map(|p| p.id.as_str());
    let sold = product.and_then(|id| catalog.get(id));
    match notice.kind {
        NoticeKind::BackInStock | NoticeKind::LowStock => {
            sold.is_some_and(|p| p.available() && watched_since(profile, &p.id).is_some())
        }
        NoticeKind::Reorder => sold.is_some_and(|p| {
            !profile.orders().iter().any(|o| o.at > notice.at && o.items.iter().any(|i| i.product_id == p.id))
        }),
        NoticeKind::ShippingDelay => notice.order_id.as_deref().is_none_or(|order| !delivered(profile, order)),
    }
}

/// Whether the latest recorded shipping update of `order` says it was delivered.
fn delivered(profile: &Profile, order: &str) -> bool {
    profile
        .events()
        .iter()
        .filter(|e| e.kind == EventKind::ShippingUpdate)
        .filter(|e| e.order.as_ref().and_then(|o| o.id.as_deref()) == Some(order))
        .max_by_key(|e| e.at)
        .and_then(|e| e.status.as_deref())
        .is_some_and(|s| status_word(s) == "delivered")
}

/// [`still_holds`] for a waiting notice, its shopper found by the notice's customer id (only a
/// shop's customers have notices waiting). Blocks like the store.
pub fn holds_in(store: &dyn Store, catalog: &Catalog, notice: &Notice) -> Result<bool, StoreError> {
    let Some(customer) = notice.customer_id.as_deref().and_then(|c| CustomerId::parse(c).ok()) else {
        return Ok(false);
    };
    let profile = match store.find_customer(&customer)? {
        Some(shopper) => store.load(shopper)?,
        None => None,
    };
    Ok(still_holds(notice, profile.as_ref(), catalog))
}

/// The notices of `page` that still hold, in order; the others are withdrawn from `outbox`.
/// Blocks like the store.
pub fn keep_holding(
    store: &dyn Store,
    outbox: &dyn Outbox,
    catalog: &Catalog,
    page: Vec<(u64, Notice)>,
) -> Result<Vec<(u64, Notice)>, StoreError> {
    let mut kept = Vec::with_capacity(page.len());
    for (position, notice) in page {
        if holds_in(store, catalog, &notice)? {
            kept.push((position, notice));
        } else {
            tracing::debug!(kind = notice.kind.as_str(), "a waiting notice no longer holds; withdrawn");
            outbox.withdraw(position)?;
        }
    }
    Ok(kept)
}

#[cfg(test)]
mod tests;
