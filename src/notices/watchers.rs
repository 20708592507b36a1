//! Who watches each product: the index a stock change reads, so it loads only the shoppers
//! who wishlisted or carted the product instead of every stored profile. Behind the store seam
//! ([`crate::profile::Store::watchers`]): sled trees, or the `concierge_watchers` table on
//! PostgreSQL (migration 7).
//!
//! A hint, not the truth: it is kept as events arrive (`wishlist_add` and `add_to_cart` note a
//! watcher, `wishlist_remove` and a purchase of the product forget it), and whatever it names
//! is judged again on the shopper's stored profile (`trigger::watched_since`) before anything
//! is noticed. So a stale entry costs one profile read, never a wrong notice; what it must not
//! do is miss a watcher, which is why a store whose index was never built is indexed once from
//! every profile ([`index_every_profile`]) before it is relied on.

use std::collections::BTreeSet;

use crate::profile::{EventKind, Profile, ShopperId, Store, StoreError};

/// Shoppers read per page while indexing every profile.
const PAGE: usize = 500;

/// Where the index lives (see the module doc). Methods block like the store they belong to.
pub trait Watchers: Send + Sync {
    /// Notes that `shopper` watches `product`.
    fn watch(&self, product: &str, shopper: ShopperId) -> Result<(), StoreError>;

    /// Notes that `shopper` no longer watches `product`.
    fn unwatch(&self, product: &str, shopper: ShopperId) -> Result<(), StoreError>;

    /// Every shopper noted as watching `product`, in id order.
    fn of_product(&self, product: &str) -> Result<Vec<ShopperId>, StoreError>;

    /// Removes every note of `shopper` (erasure); returns how many.
    fn forget(&self, shopper: ShopperId) -> Result<usize, StoreError>;

    /// Whether the index covers every profile (it was built, or the store began with it).
    fn built(&self) -> Result<bool, StoreError>;

    /// Records that the index covers every profile.
    fn mark_built(&self) -> Result<(), StoreError>;
}

/// The products `profile` watches now: wishlisted or carted, not removed, not bought since.
pub fn watched(profile: &Profile) -> BTreeSet<String> {
    profile
        .events()
        .iter()
        .filter(|e| matches!(e.kind, EventKind::WishlistAdd | EventKind::AddToCart))
        .filter_map(|e| e.product_id.as_deref())
        .filter(|id| super::trigger::watched_since(profile, id).is_some())
        .map(str::to_string)
        .collect()
}

/// What one recorded event changes in the index: `(product, watches)` pairs (a purchase
/// forgets each product it contains).
pub fn changes(event: &crate::profile::Event) -> Vec<(String, bool)> {
    match event.kind {
        EventKind::WishlistAdd | EventKind::AddToCart => event.product_id.iter().map(|p| (p.clone(), true)).collect(),
        EventKind::WishlistRemove => event.product_id.iter().map(|p| (p.clone(), false)).collect(),
        EventKind::Purchase => {
            event.order.iter().flat_map(|o| o.items.iter()).map(|i| (i.product_id.clone(), false)).collect()
        }
        _ => Vec::new(),
    }
}

/// Applies [`changes`] of `event` for `shopper`. Blocks like the store.
pub fn note(watchers: &dyn Watchers, shopper: ShopperId, event: &crate::profile::Event) -> Result<(), StoreError> {
    for (product, watches) in changes(event) {
        if watches {
            watchers.watch(&product, shopper)?;
        } else {
            watchers.unwatch(&product, shopper)?;
        }
    }
    Ok(())
}

/// Builds the index from every stored profile unless it was built before (a store that
/// held profiles before the index existed); returns how many notes it made. Blocks: one walk
/// over every shopper, once per store.
pub fn index_every_profile(store: &dyn Store) -> Result<usize, StoreError> {
    let Some(watchers) = store.watchers() else { return Ok(0) };
    if watchers.built()? {
        return Ok(0);
    }
    let (mut after, mut noted) = (None, 0);
    loop {
        let page = store.shoppers_after(after, PAGE)?;
        let Some(last) = page.last().copied() else { break };
        after = Some(last);
        for shopper in page {
            // An unreadable profile watches nothing it could be noticed of.
            let Some(profile) = store.load(shopper).ok().flatten() else { continue };
            for product in watched(&profile) {
                watchers.watch(&product, shopper)?;
                noted += 1;
            }
        }
    }
    watchers.mark_built()?;
    Ok(noted)
}

/// The index on sled: `watchers` keyed by product, a 0 byte and the shopper (a prefix scan
/// finds a product's watchers), and `watched_by` keyed by shopper and product (for erasure).
/// Product ids hold no control characters (events refuse them), so the 0 byte separates.
#[derive(Debug, Clone)]
pub struct SledWatchers {
    by_product: sled::Tree,
    by_shopper: sled::Tree,
}

/// The `watched_by` key that marks the index as built (no shopper id is empty).
const BUILT: &[u8] = b"";

impl SledWatchers {
    pub fn open(db: &sled::Db) -> sled::Result<SledWatchers> {
        Ok(SledWatchers { by_product: db.open_tree("watchers")?, by_shopper: db.open_tree("watched_by")? })
    }
}

fn product_key(product: &str, shopper: ShopperId) -> Vec<u8> {
    let mut key = Vec::with_capacity(product.len() + 17);
    key.extend_from_slice(product.as_bytes());
    key.push(0);
    key.extend_from_slice(shopper.as_bytes());
    key
}

fn shopper_key(shopper: ShopperId, product: &str) -> Vec<u8> {
    let mut key = Vec::with_capacity(product.len() + 16);
    key.extend_from_slice(shopper.as_bytes());
    key.extend_from_slice(product.as_bytes());
    key
}

impl Watchers for SledWatchers {
    fn watch(&self, product: &str, shopper: ShopperId) -> Result<(), StoreError> {
        self.by_product.insert(product_key(product, shopper), &[])?;
        self.by_shopper.insert(shopper_key(shopper, product), &[])?;
        Ok(())
    }

    fn unwatch(&self, product: &str, shopper: ShopperId) -> Result<(), StoreError> {
        self.by_product.remove(product_key(product, shopper))?;
        self.by_shopper.remove(shopper_key(shopper, product))?;
        Ok(())
    }

    fn of_product(&self, product: &str) -> Result<Vec<ShopperId>, StoreError> {
        let mut prefix = product.as_bytes().to_vec();
        prefix.push(0);
        let mut found = Vec::new();
        for entry in self.by_product.scan_prefix(&prefix) {
            let (key, _) = entry?;
            if let Ok(bytes) = <[u8; 16]>::try_from(&key[prefix.len()..]) {
                found.push(ShopperId::from_bytes(bytes));
            }
        }
        Ok(found)
    }

    fn forget(&self, shopper: ShopperId) -> Result<usize, StoreError> {
        let mut removed = 0;
        for entry in self.by_shopper.scan_prefix(shopper.as_bytes()) {
            let (key, _) = entry?;
            let product = String::from_utf8_lossy(&key[16..]).into_owned();
            self.by_product.remove(product_key(&product, shopper))?;
            self.by_shopper.remove(&key)?;
            removed += 1;
        }
        Ok(removed)
    }

    fn built(&self) -> Result<bool, StoreError> {
        Ok(self.by_shopper.contains_key(BUILT)?)
    }

    fn mark_built(&self) -> Result<(), StoreError> {
        self.by_shopper.insert(BUILT, &[])?;
        Ok(())
    }
}
