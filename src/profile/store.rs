//! The store seam: `trait Store` (sled embedded, PostgreSQL networked) and the durability
//! setting it honours.

use std::str::FromStr;

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

use super::error::StoreError;
use super::group_commit::Durable;
use super::id::{CustomerId, ShopperId};
use super::record::Profile;

/// When a write counts as done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Durability {
    /// Durable once a flush covers it; concurrent writers share flushes (the default).
    #[default]
    Group,
    /// Each write flushes by itself, in the writer's thread (for comparison).
    Each,
    /// Not flushed on demand; the store's background flush (every 500 ms) makes it durable,
    /// so a crash may lose the last half second. For benchmarks and throwaway data only.
    None,
}

impl FromStr for Durability {
    type Err = String;

    fn from_str(text: &str) -> Result<Durability, String> {
        match text.trim().to_ascii_lowercase().as_str() {
            "group" => Ok(Durability::Group),
            "each" => Ok(Durability::Each),
            "none" => Ok(Durability::None),
            other => Err(format!("durability is group, each or none, not `{other}`")),
        }
    }
}

/// Whose profile a shopper id names (see [`Store::whose`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stored {
    /// Nothing is stored: unknown, erased or expired.
    Absent,
    /// A profile linked to no customer.
    Anonymous,
    /// A profile linked to this customer of the shop.
    Customer(CustomerId),
}

/// Where profiles live. Object-safe: the server holds an `Arc<dyn Store>`.
///
/// Every mutating method applies its change atomically for that shopper (the profile and its
/// customer link, all or nothing; an index kept only as a hint, such as sled's retention
/// index, may lag and is checked against the profile before it is acted on) and returns a [`Durable`] ticket: the change is visible to `load` at once and is durable
/// (survives kill -9 and power loss, as far as the disk's fsync goes) once the ticket
/// resolves. The server must resolve the ticket before it acknowledges the change: `.await` it
/// on the runtime (it never blocks a runtime thread), or call [`Durable::wait`] from a thread.
/// A ticket nobody waits for may ask for no flush at all (the store's background flush then
/// makes the change durable later), and one waited for after the store closed is an error.
/// The methods themselves do not wait for the disk, except `sweep` and `flush`, which block
/// (call them inside `spawn_blocking`).
///
/// The blocking rule: a store whose methods wait on the network ([`Store::blocks`] is `true`,
/// as for `PostgresStore`) is called from the blocking pool (`spawn_blocking`) or a thread of
/// its own, never inline on a runtime thread; a store that only touches memory (`SledStore`,
/// `false`) may be called inline, which is what keeps sled's turns free of thread hand-offs.
/// Either way, a write is acknowledged only after its ticket resolved: a networked store
/// returns from a write once it committed, with the ticket already resolved.
pub trait Store: Send + Sync {
    /// Whether the methods wait on the network (see the blocking rule above). Default `false`.
    fn blocks(&self) -> bool {
        false
    }

    /// Whether the store can serve requests now (for `/healthz`): `Err` with the reason when,
    /// say, its database is unreachable. Default: always ready.
    fn check(&self) -> Result<(), StoreError> {
        Ok(())
    }

    /// Conversations saved in the store, shared by every server using it; `None` (the default)
    /// when conversations stay in one server's memory.
    fn conversations(&self) -> Option<&dyn super::conversations::Conversations> {
        None
    }

    /// Experiment exposures and the purchases joined to them (see `exposures`); `None` (the
    /// default) for a store that keeps none, whose experiments are then assigned but not recorded.
    fn experiments(&self) -> Option<&dyn super::exposures::Exposures> {
        None
    }

    /// The outbox of notices waiting for the shop's backend, shared by every server using the
    /// store; `None` (the default) for a store that keeps none (notices then reach only
    /// connected shoppers).
    fn notices(&self) -> Option<&dyn crate::notices::Outbox> {
        None
    }

    /// Who watches each product (see `notices::watchers`), shared by every server using the
    /// store; `None` (the default) for a store that keeps no index: a stock change then reads
    /// every profile. Erasing a shopper removes their entries.
    fn watchers(&self) -> Option<&dyn crate::notices::Watchers> {
        None
    }

    /// The order log (every order line, by order and by customer), shared by every server
    /// using the store; `None` (the default) for a store that keeps no orders beyond profiles.
    /// Erasing a shopper removes their customer's lines from it.
    fn orders(&self) -> Option<&dyn crate::orders::OrderLog> {
        None
    }

    /// Up to `limit` stored shoppers whose ids come after `after` (all when `None`), in id
    /// order: page through every shopper by passing the last id of a page to get the next.
    fn shoppers_after(&self, after: Option<ShopperId>, limit: usize) -> Result<Vec<ShopperId>, StoreError>;

    /// The shopper's profile; `Ok(None)` when unknown, erased or expired (the caller then
    /// starts a new shopper under a fresh [`ShopperId`], never the old one). A value that
    /// cannot be read is `Err(StoreError::Corrupt)`: the caller may `erase` it and start fresh.
    fn load(&self, shopper: ShopperId) -> Result<Option<Profile>, StoreError>;

    /// Whether a profile is stored for the shopper. The default loads it (so an unreadable one
    /// is an error); a store should answer without decoding, as `SledStore` does.
    fn contains(&self, shopper: ShopperId) -> Result<bool, StoreError> {
        Ok(self.load(shopper)?.is_some())
    }

    /// Whether a profile is stored for the shopper, and the customer it is linked to: what a
    /// greeting needs to decide whose conversation it continues. The default loads the
    /// profile; a store should answer from its indexes, as `SledStore` does.
    fn whose(&self, shopper: ShopperId) -> Result<Stored, StoreError> {
        Ok(match self.load(shopper)? {
            None => Stored::Absent,
            Some(profile) => match profile.customer() {
                Some(link) => Stored::Customer(link.id.clone()),
                None => Stored::Anonymous,
            },
        })
    }

    /// Replaces the stored profile with `profile` (and its customer link index with it).
    /// Refuses with `CustomerTaken`, writing nothing, when its customer id is linked to another
    /// shopper: one customer has one profile (see [`super::update_customer`] and
    /// [`Profile::absorb`] for a login on a new device).
    fn write(&self, profile: &Profile) -> Result<Durable, StoreError>;

    /// Loads (or creates, empty at `now`, unless the id was erased: `ShopperErased`), changes
    /// and writes one profile, with no other
    /// write to that shopper in between. Prefer it to `load` + `write` whenever two parties
    /// (the chat and the shop's backend) may change the same shopper. Returns the new profile:
    /// on `Ok`, `change` was called at least once (a store that retries calls it again on a
    /// fresh copy) and the profile returned and stored is what its last call made.
    fn update(
        &self,
        shopper: ShopperId,
        now: OffsetDateTime,
        change: &mut dyn FnMut(&mut Profile),
    ) -> Result<(Profile, Durable), StoreError>;

    /// Changes the stored profile of the shopper, with no other write to it in between, as
    /// `update` does, but never creates one: `Ok(None)` when none is stored (unknown, erased or
    /// expired). Every write on behalf of a token or a conversation uses this, so no stale
    /// token or parked conversation can bring back an erased shopper.
    fn change(
        &self,
        shopper: ShopperId,
        change: &mut dyn FnMut(&mut Profile),
    ) -> Result<Option<(Profile, Durable)>, StoreError>;

    /// Removes everything about the shopper: profile, events, orders, seen idempotency ids,
    /// customer link and indexes, leaving tombstones of the shopper id and of its customer id
    /// (see `tombstone`): until they expire, no write creates that shopper or links that
    /// customer again. Erasing an unknown shopper is not an error.
    fn erase(&self, shopper: ShopperId) -> Result<Durable, StoreError>;

    /// The shopper linked to the shop's customer id, if any.
    fn find_customer(&self, customer: &CustomerId) -> Result<Option<ShopperId>, StoreError>;

    /// Erases anonymous shoppers (no customer link) idle for longer than `idle` at `now`, and
    /// drops tombstones expired at `now`; returns how many shoppers. Blocks until durable.
    fn sweep(&self, now: OffsetDateTime, idle: Duration) -> Result<usize, StoreError>;

    /// Makes everything written so far durable. Blocks.
    fn flush(&self) -> Result<(), StoreError>;

    /// `write`, then block until durable: for threads and tests, not for runtime threads.
    fn save(&self, profile: &Profile) -> Result<(), StoreError> {
        self.write(profile)?.wait()
    }
}
