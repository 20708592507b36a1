//! Tombstones: what stays of an erased shopper or customer so that no later write brings them
//! back. Erasure removes the profile and writes `t/<shopper>` (and `x/<customer id>` when the
//! shopper was linked to one), each holding when it expires (Unix seconds, i64 big-endian).
//! A write that would create a profile under a tombstoned shopper id, or link a tombstoned
//! customer id, is refused (`StoreError::ShopperErased`, `StoreError::CustomerErased`): a
//! parked conversation, a stale token or a late backend event cannot recreate what was
//! erased. The sweep removes tombstones once they expire (`profile.erased_ids_days`, set by
//! the merchant: after that a customer id may be linked again, as a new customer).
//!
//! A tombstone holds neither the id nor anything the shopper said: its key is a SHA-256 of the
//! id under a random salt kept in the store (`k/tombstone-salt`), so the store can recognise
//! an erased id when it is presented again, but nobody reading the disk can list the erased
//! shoppers or customers (or test guesses of customer ids without the store's salt).
//!
//! `PostgresStore` keeps the same keys (as text) in `concierge_tombstones`, its salt in
//! `concierge_settings`; this module's [`Salt`] names them for both stores.

use sha2::{Digest, Sha256};
use sled::transaction::{ConflictableTransactionError, TransactionalTree};

use super::error::StoreError;
use super::id::ShopperId;

pub(crate) const SHOPPER: &[u8; 2] = b"t/";
pub(crate) const CUSTOMER: &[u8; 2] = b"x/";
const SALT_KEY: &[u8] = b"k/tombstone-salt";

/// The store's salt for tombstone keys.
#[derive(Clone)]
pub(crate) struct Salt([u8; 32]);

impl Salt {
    /// The store's salt, created on first use.
    pub(crate) fn of(db: &sled::Db) -> Result<Salt, sled::Error> {
        let fresh: [u8; 32] = rand::random();
        // Only the first writer's salt is kept, however many open the store at once.
        let _ = db.compare_and_swap(SALT_KEY, None as Option<&[u8]>, Some(&fresh[..]))?;
        let stored = db.get(SALT_KEY)?.and_then(|v| <[u8; 32]>::try_from(v.as_ref()).ok());
        Ok(Salt(stored.unwrap_or(fresh)))
    }

    /// A salt read from elsewhere (PostgreSQL's settings table).
    pub(crate) fn from_bytes(bytes: [u8; 32]) -> Salt {
        Salt(bytes)
    }

    fn key(&self, prefix: &[u8; 2], id: &[u8]) -> Vec<u8> {
        let digest = Sha256::new().chain_update(self.0).chain_update(prefix).chain_update(id).finalize();
        [&prefix[..], hex::encode(&digest[..16]).as_bytes()].concat()
    }

    /// The key of a shopper's tombstone.
    pub(crate) fn shopper_key(&self, shopper: ShopperId) -> Vec<u8> {
        self.key(SHOPPER, shopper.as_bytes())
    }

    /// The key of a customer id's tombstone.
    pub(crate) fn customer_key(&self, customer: &[u8]) -> Vec<u8> {
        self.key(CUSTOMER, customer)
    }

    /// [`Salt::shopper_key`] as text (it is ASCII: a prefix and hex digits).
    pub(crate) fn shopper_text(&self, shopper: ShopperId) -> String {
        String::from_utf8_lossy(&self.shopper_key(shopper)).into_owned()
    }

    /// [`Salt::customer_key`] as text.
    pub(crate) fn customer_text(&self, customer: &str) -> String {
        String::from_utf8_lossy(&self.customer_key(customer.as_bytes())).into_owned()
    }
}

/// Writes the tombstones of an erased shopper (and of the customer id it was linked to).
pub(crate) fn bury(
    salt: &Salt,
    tx: &TransactionalTree,
    shopper: ShopperId,
    customer: Option<&[u8]>,
    expires: i64,
) -> Result<(), ConflictableTransactionError<StoreError>> {
    let until = expires.to_be_bytes();
    tx.insert(salt.shopper_key(shopper), &until[..])?;
    if let Some(customer) = customer {
        tx.insert(salt.customer_key(customer), &until[..])?;
    }
    Ok(())
}

/// Refuses, inside a transaction, the link of a tombstoned customer id.
pub(crate) fn check_customer(
    salt: &Salt,
    tx: &TransactionalTree,
    customer: &str,
) -> Result<(), ConflictableTransactionError<StoreError>> {
    if tx.get(salt.customer_key(customer.as_bytes()))?.is_some() {
        let erased = StoreError::CustomerErased { customer: customer.to_string() };
        return Err(ConflictableTransactionError::Abort(erased));
    }
    Ok(())
}

/// Refuses a new profile under a tombstoned shopper id.
pub(crate) fn check_shopper(salt: &Salt, db: &sled::Db, shopper: ShopperId) -> Result<(), StoreError> {
    if db.contains_key(salt.shopper_key(shopper))? {
        return Err(StoreError::ShopperErased { shopper });
    }
    Ok(())
}

/// Removes the tombstones that expired at or before `now` (Unix seconds); returns how many.
pub(crate) fn expire(db: &sled::Db, now: i64) -> Result<usize, StoreError> {
    let mut removed = 0;
    for prefix in [SHOPPER, CUSTOMER] {
        for entry in db.scan_prefix(prefix) {
            let (key, value) = entry?;
            let until = <[u8; 8]>::try_from(value.as_ref()).map(i64::from_be_bytes).unwrap_or(i64::MIN);
            if until <= now {
                db.remove(key)?;
                removed += 1;
            }
        }
    }
    Ok(removed)
}
