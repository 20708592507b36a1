//! Erasure that stays erased, on PostgreSQL: what `tombstone` does for sled, with the same
//! salted keys (as text) in `concierge_tombstones` and the salt in `concierge_settings`.
//!
//! Why a per-shopper advisory lock: at `READ COMMITTED` an erasure and a write creating the
//! same shopper could otherwise interleave so that each misses the other's uncommitted row
//! (the eraser deletes nothing, the creator sees no tombstone yet) and the erased shopper
//! comes back. The eraser and the creator take the same transaction-scoped lock, so one runs
//! after the other's commit, and each statement of the second sees what the first committed.
//! A write to a shopper who is stored needs no such lock: it holds the row (`FOR UPDATE`),
//! which the eraser's `DELETE` waits for. A customer id is checked after the statement that
//! links it: that statement waits on the unique index for an erasure in progress of the
//! profile holding it, so the check then sees its tombstone.

use deadpool_postgres::Transaction;

use super::schema::SHOPPER_LOCK_CLASS;
use super::{Failure, database};
use crate::profile::error::StoreError;
use crate::profile::id::ShopperId;
use crate::profile::tombstone::Salt;

const SALT_NAME: &str = "tombstone-salt";

/// The database's tombstone salt, created by whichever server asks first.
pub(super) async fn salt(client: &tokio_postgres::Client) -> Result<Salt, StoreError> {
    let fresh: [u8; 32] = rand::random();
    client
        .execute(
            "INSERT INTO concierge_settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
            &[&SALT_NAME, &&fresh[..]],
        )
        .await
        .map_err(database)?;
    let row = client
        .query_one("SELECT value FROM concierge_settings WHERE name = $1", &[&SALT_NAME])
        .await
        .map_err(database)?;
    let stored: &[u8] = row.get(0);
    let bytes = <[u8; 32]>::try_from(stored).map_err(|_| {
        StoreError::Database(format!("concierge_settings holds a {}-byte tombstone salt, not 32", stored.len()))
    })?;
    Ok(Salt::from_bytes(bytes))
}

/// Takes the shopper's lock until the transaction ends (see the module doc).
pub(super) async fn lock_shopper(tx: &Transaction<'_>, shopper: &str) -> Result<(), Failure> {
    tx.execute("SELECT pg_advisory_xact_lock($1, hashtext($2))", &[&SHOPPER_LOCK_CLASS, &shopper]).await?;
    Ok(())
}

/// Whether a tombstone is kept under `key`.
pub(super) async fn buried(tx: &Transaction<'_>, key: &str) -> Result<bool, Failure> {
    let statement = tx.prepare_cached("SELECT 1 FROM concierge_tombstones WHERE key = $1").await?;
    Ok(tx.query_opt(&statement, &[&key]).await?.is_some())
}

/// Refuses a new profile under an erased shopper id.
pub(super) async fn check_shopper(tx: &Transaction<'_>, salt: &Salt, shopper: ShopperId) -> Result<(), Failure> {
    if buried(tx, &salt.shopper_text(shopper)).await? {
        return Err(Failure::Store(StoreError::ShopperErased { shopper }));
    }
    Ok(())
}

/// Refuses the link of an erased customer id.
pub(super) async fn check_customer(tx: &Transaction<'_>, salt: &Salt, customer: &str) -> Result<(), Failure> {
    if buried(tx, &salt.customer_text(customer)).await? {
        return Err(Failure::Store(StoreError::CustomerErased { customer: customer.to_string() }));
    }
    Ok(())
}

/// Writes tombstones under `keys`, expiring at `expires` (Unix seconds); one already there
/// keeps the later expiry.
pub(super) async fn bury(tx: &Transaction<'_>, keys: &[String], expires: i64) -> Result<(), Failure> {
    let statement = tx
        .prepare_cached(
            "INSERT INTO concierge_tombstones (key, expires) VALUES ($1, $2)
             ON CONFLICT (key) DO UPDATE SET expires = GREATEST(concierge_tombstones.expires, EXCLUDED.expires)",
        )
        .await?;
    for key in keys {
        tx.execute(&statement, &[key, &expires]).await?;
    }
    Ok(())
}

/// Removes the tombstones expired at or before `now` (Unix seconds); returns how many.
pub(super) async fn expire(tx: &Transaction<'_>, now: i64) -> Result<u64, Failure> {
    Ok(tx.execute("DELETE FROM concierge_tombstones WHERE expires <= $1", &[&now]).await?)
}
