//! `SledStore`: the profile store on sled, in `<data_dir>/profiles`.
//!
//! Key layout (one tree, the default one; `<shopper>` is the 32-hex-digit id):
//!
//! | key | value | why |
//! |---|---|---|
//! | `p/<shopper>` | format byte + profile (see `codec`) | the profile, events and orders together: one read loads it |
//! | `c/<customer_id>` | `<shopper>` | find the shopper the shop's backend names |
//! | `l/<shopper>` | `<customer_id>` | the reverse link, so relinking and erasing find `c/` without decoding |
//! | `a/<shopper>` | last seen, Unix seconds, i64 big-endian, up to an hour behind (a hint) | anonymous shoppers only: retention scans this, not the profiles |
//! | `t/<hash>`, `x/<hash>` | when the tombstone expires | an erased shopper or customer id is never recreated (see `tombstone`) |
//! | `k/tombstone-salt` | 32 random bytes | the salt of the tombstones' hashes |
//!
//! Every value is bounded: a profile whose encoding is over [`StoreOptions::max_profile_bytes`]
//! is refused (`StoreError::TooLarge`), so no client can make each write re-encode megabytes.
//! An erasure is logical in sled; the store is rewritten without it at the next open (see
//! `rewrite`). The directory and its files are private to the server's user (0700/0600), set on open and
//! again at each sweep (sled creates files as it goes).
//!
//! A write whose customer link is unchanged (nearly every write) is one `insert` of `p/`: a
//! crash leaves the old profile or the new one. A changed link moves `p/`, `c/`, `l/` and `a/`
//! in one transaction. Writers of the same shopper are serialised by a striped lock so
//! `update` is a true read-modify-write without retries.
//!
//! Why not one atomic batch for `p/` and `a/` on every write: sled rolls its log buffer twice
//! for each batch (to pin the batch's place in the log), and each roll hands a write to its io
//! pool with a wake-up of every idle io thread: at saturation, about a third of the server's
//! CPU. So `a/` is a hint, refreshed when it lags the profile's own `last_seen` by more than
//! [`SEEN_SLACK_SECS`]. It is written *before* `p/` when it is new or moves back, and *after*
//! when it moves forward, so a crash between the two inserts leaves either a hint without a
//! profile (the sweep drops it) or a hint at or behind its profile, never a profile without a
//! hint or a hint ahead of it. (This relies on sled recovering a prefix of its log after a
//! crash, which is how its recovery works: it stops at the first torn or missing write.) The
//! sweep takes the hint's candidates and erases only those whose profile confirms the
//! idleness: a hint behind its profile makes a candidate early, and the profile overrules it.
//! Erasure is therefore on time, to within the sweep's own period.
//!
//! Caveat: sled 0.34.7 can deadlock under sustained, unthrottled rewriting of a small database
//! (seen in the benchmark with durability `none`, never with `group` or `each`): a writer rolling
//! to a new log segment waits, holding the segment accountant, for a file truncation queued
//! behind sled's io threads, which wait for the segment accountant. The `Store` trait keeps a
//! move to another engine local to this file.

use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::{Mutex, MutexGuard, PoisonError};

use sled::transaction::{ConflictableTransactionError, TransactionError, TransactionalTree};
use time::{Duration, OffsetDateTime};

use super::codec;
use super::error::StoreError;
use super::group_commit::{DEFAULT_GROUP_WINDOW, Durable, GroupCommit};
use super::id::{CustomerId, ShopperId};
use super::record::Profile;
use super::rewrite;
use super::store::{Durability, Store, Stored};
use super::tombstone;

mod exposures;
mod orders;

const STRIPES: usize = 64;

/// The default cap on one profile's encoded size.
pub const DEFAULT_MAX_PROFILE_BYTES: usize = 512 * 1024;

/// How long erased ids stay tombstoned by default.
pub const DEFAULT_ERASED_IDS: Duration = Duration::days(90);

/// How far the `a/` hint may lag the profile's `last_seen` before a write refreshes it. Small
/// against any retention period (days), large against a conversation (one refresh per hour).
pub(crate) const SEEN_SLACK_SECS: i64 = 3600;

/// How to open the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreOptions {
    pub durability: Durability,
    /// With group commit, the least time between two flushes' starts (see `group_commit`).
    pub group_window: std::time::Duration,
    /// sled's page cache, in bytes. Default 64 MiB.
    pub cache_bytes: u64,
    /// The largest encoded profile stored; a write that would exceed it is refused. Default
    /// 512 KiB (a profile at every count limit with short ids is about 200 KiB).
    pub max_profile_bytes: usize,
    /// How long an erased shopper or customer id stays refused (its tombstone). Default 90 days.
    pub erased_ids: Duration,
}

impl Default for StoreOptions {
    fn default() -> StoreOptions {
        StoreOptions {
            durability: Durability::Group,
            group_window: DEFAULT_GROUP_WINDOW,
            cache_bytes: 64 * 1024 * 1024,
            max_profile_bytes: DEFAULT_MAX_PROFILE_BYTES,
            erased_ids: DEFAULT_ERASED_IDS,
        }
    }
}

/// The profile store on a sled database (see the module doc for the key layout).
pub struct SledStore {
    db: sled::Db,
    path: PathBuf,
    durability: Durability,
    group: Option<GroupCommit>,
    stripes: Vec<Mutex<()>>,
    max_profile_bytes: usize,
    erased_ids: Duration,
    salt: tombstone::Salt,
    outbox: crate::notices::SledOutbox,
    watchers: crate::notices::SledWatchers,
}

/// How long `open` waits for a previous handle on the same directory to let go of its lock.
const LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// Opens the database, waiting while another handle still holds the directory's lock: sled's
/// background threads release it a moment after the last handle drops, so a store reopened at
/// once (a quick restart, a test that closes and reopens) would otherwise fail spuriously.
fn open_when_unlocked(config: &sled::Config) -> sled::Result<sled::Db> {
    let started = std::time::Instant::now();
    loop {
        match config.open() {
            Err(sled::Error::Io(e)) if is_locked(&e) && started.elapsed() < LOCK_WAIT => {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            other => return other,
        }
    }
}

/// Whether opening failed because another handle still holds the directory's lock. sled
/// reports that as an `Other` error whose text carries the OS's `WouldBlock`.
fn is_locked(error: &std::io::Error) -> bool {
    error.kind() == std::io::ErrorKind::WouldBlock || error.to_string().contains("could not acquire lock")
}

impl SledStore {
    /// Opens (creating if needed) the store in `<data_dir>/profiles`.
    pub fn open(data_dir: &Path, options: StoreOptions) -> Result<SledStore, StoreError> {
        let path = data_dir.join("profiles");
        let open_error = |source| StoreError::Open { path: path.display().to_string(), source };
        let config = |at: &Path| sled::Config::new().path(at).cache_capacity(options.cache_bytes);
        rewrite::rewrite_if_erased(&path, |at| open_when_unlocked(&config(at))).map_err(|e| match e {
            StoreError::Sled(source) => open_error(source),
            other => other,
        })?;
        let db = open_when_unlocked(&config(&path)).map_err(open_error)?;
        crate::files::make_private(&path).map_err(|e| open_error(sled::Error::Io(e)))?;
        let group = match options.durability {
            Durability::Group => {
                let group = GroupCommit::start(db.clone(), options.group_window);
                Some(group.map_err(|e| open_error(sled::Error::Io(e)))?)
            }
            _ => None,
        };
        let stripes = (0..STRIPES).map(|_| Mutex::new(())).collect();
        let salt = tombstone::Salt::of(&db).map_err(open_error)?;
        let outbox = crate::notices::SledOutbox::open(&db).map_err(open_error)?;
        let watchers = crate::notices::SledWatchers::open(&db).map_err(open_error)?;
        Ok(SledStore {
            db,
            path,
            durability: options.durability,
            group,
            stripes,
            max_profile_bytes: options.max_profile_bytes,
            erased_ids: options.erased_ids,
            salt,
            outbox,
            watchers,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Bytes the database occupies on disk (as sled counts them).
    pub fn size_on_disk(&self) -> Result<u64, StoreError> {
        Ok(self.db.size_on_disk()?)
    }

    /// Flushes run by group commit and the queued tickets they covered (per flush: the
    /// grouping). Writes nobody waits for, or already covered when waited for, are not
    /// counted: they ask for no flush.
    pub fn group_stats(&self) -> (u64, u64) {
        self.group
            .as_ref()
            .map_or((0, 0), |g| (g.counters.flushes.load(Ordering::Relaxed), g.counters.queued.load(Ordering::Relaxed)))
    }

    #[cfg(test)]
    pub(crate) fn db(&self) -> &sled::Db {
        &self.db
    }

    fn lock(&self, shopper: ShopperId) -> MutexGuard<'_, ()> {
        let stripe = usize::from(shopper.as_bytes()[0]) % STRIPES;
        self.stripes[stripe].lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The ticket for a change just applied, per the configured durability.
    fn durable(&self) -> Durable {
        match (self.durability, &self.group) {
            (Durability::Group, Some(group)) => group.ticket(),
            (Durability::None, _) => Durable::ready(Ok(())),
            _ => Durable::ready(self.db.flush().map(drop).map_err(StoreError::from)),
        }
    }

    fn read(&self, shopper: ShopperId) -> Result<Option<Profile>, StoreError> {
        let Some(bytes) = self.db.get(key(b"p/", shopper))? else {
            return Ok(None);
        };
        codec::decode(&bytes).map(Some).map_err(|reason| {
            tracing::warn!(%shopper, %reason, "unreadable stored profile");
            StoreError::Corrupt { shopper: shopper.to_string(), reason }
        })
    }

    /// Writes one profile and its indexes; the caller holds its stripe. The profile lands
    /// atomically; see the module doc for the order that keeps the `a/` hint safe.
    ///
    /// When the customer link is unchanged (nearly every write) no other shopper's keys are
    /// involved and `p/` is one insert; a changed link needs a transaction to check and move
    /// the `c/` index. `creating`: no profile is stored under this id, so its tombstone is
    /// checked (an erased id is never recreated); a new customer link checks the customer's.
    fn apply(&self, profile: &Profile, creating: bool) -> Result<(), StoreError> {
        let value = codec::encode(profile).map_err(StoreError::Encode)?;
        if value.len() > self.max_profile_bytes {
            return Err(StoreError::TooLarge { bytes: value.len(), max: self.max_profile_bytes });
        }
        let shopper = profile.id();
        if creating {
            tombstone::check_shopper(&self.salt, &self.db, shopper)?;
        }
        let customer = profile.customer().map(|c| c.id.as_str());
        let seen = profile.last_seen().unix_timestamp();
        let last_seen = seen.to_be_bytes();
        // Holding the stripe, nobody else changes this shopper's `l/` before the insert lands.
        if self.db.get(key(b"l/", shopper))?.as_deref() == customer.map(str::as_bytes) {
            let hint = match customer {
                None => Some(self.db.get(key(b"a/", shopper))?.and_then(|v| decode_seen(&v))),
                Some(_) => None,
            };
            // The hint moves first when it is new or goes down, after the profile when it goes
            // up: a crash in between leaves it at or behind its profile (see the module doc).
            let (before, after) = match hint {
                Some(None) => (true, false),
                Some(Some(hint)) if hint > seen => (true, false),
                Some(Some(hint)) if hint < seen - SEEN_SLACK_SECS => (false, true),
                _ => (false, false),
            };
            if before {
                self.db.insert(key(b"a/", shopper), &last_seen[..])?;
            }
            self.db.insert(key(b"p/", shopper), value)?;
            if after {
                self.db.insert(key(b"a/", shopper), &last_seen[..])?;
            }
            return Ok(());
        }
        let hex = shopper.to_string();
        let result = self.db.transaction(|tx| {
            let old = tx.get(key(b"l/", shopper))?;
            if let Some(old) = old.as_deref().filter(|old| Some(*old) != customer.map(str::as_bytes)) {
                unlink(tx, old, &hex)?;
            }
            match customer {
                Some(customer) => {
                    tombstone::check_customer(&self.salt, tx, customer)?;
                    let ckey = [b"c/", customer.as_bytes()].concat();
                    if let Some(owner) = tx.get(&ckey)?
                        && owner != hex.as_bytes()
                    {
                        let owner = String::from_utf8_lossy(&owner).parse().unwrap_or(shopper);
                        let taken = StoreError::CustomerTaken { customer: customer.to_string(), shopper: owner };
                        return Err(ConflictableTransactionError::Abort(taken));
                    }
                    tx.insert(ckey, hex.as_bytes())?;
                    tx.insert(key(b"l/", shopper), customer.as_bytes())?;
                    tx.remove(key(b"a/", shopper))?;
                }
                None => {
                    tx.remove(key(b"l/", shopper))?;
                    tx.insert(key(b"a/", shopper), &last_seen[..])?;
                }
            }
            tx.insert(key(b"p/", shopper), value.as_slice())?;
            Ok(())
        });
        flatten(result)
    }

    /// Removes every key of one shopper in one transaction and leaves its tombstones (expiring
    /// at `expires`, Unix seconds); the caller holds its stripe. With `only_if_idle_since`, does nothing unless the shopper is still anonymous and its
    /// profile was last seen at or before that time (a save racing the sweep wins); a hint
    /// found lagging is brought up to date instead, and a hint without a profile is dropped.
    fn remove(&self, shopper: ShopperId, only_if_idle_since: Option<i64>, expires: i64) -> Result<bool, StoreError> {
        let hex = shopper.to_string();
        let result = self.db.transaction(|tx| {
            if let Some(limit) = only_if_idle_since {
                if tx.get(key(b"l/", shopper))?.is_some() {
                    return Ok(false);
                }
                let Some(bytes) = tx.get(key(b"p/", shopper))? else {
                    tx.remove(key(b"a/", shopper))?;
                    return Ok(false);
                };
                // An unreadable profile goes by its hint: nobody can use it, and it is idle.
                if let Ok(profile) = codec::decode(&bytes)
                    && profile.last_seen().unix_timestamp() > limit
                {
                    tx.insert(key(b"a/", shopper), &profile.last_seen().unix_timestamp().to_be_bytes()[..])?;
                    return Ok(false);
                }
            }
            let customer = tx.remove(key(b"l/", shopper))?;
            if let Some(customer) = &customer {
                unlink(tx, customer, &hex)?;
            }
            tombstone::bury(&self.salt, tx, shopper, customer.as_deref(), expires)?;
            rewrite::count(tx)?;
            tx.remove(key(b"a/", shopper))?;
            tx.remove(key(b"p/", shopper))?;
            Ok(true)
        });
        flatten(result)
    }

    /// Candidates for the sweep: anonymous shoppers whose `a/` hint is at or before `limit`
    /// (Unix seconds). `remove` confirms each against its profile.
    fn idle_since(&self, limit: i64) -> Result<Vec<ShopperId>, StoreError> {
        let mut idle = Vec::new();
        for entry in self.db.scan_prefix(b"a/") {
            let (k, v) = entry?;
            let id = std::str::from_utf8(&k[2..]).ok().and_then(|s| s.parse::<ShopperId>().ok());
            match (id, decode_seen(&v)) {
                (Some(id), Some(seen)) if seen <= limit => idle.push(id),
                (Some(_), Some(_)) => {}
                _ => tracing::warn!(key = %String::from_utf8_lossy(&k), "skipping an unreadable retention entry"),
            }
        }
        Ok(idle)
    }
}

impl Store for SledStore {
    fn experiments(&self) -> Option<&dyn super::exposures::Exposures> {
        Some(self)
    }

    fn orders(&self) -> Option<&dyn crate::orders::OrderLog> {
        Some(self)
    }

    fn load(&self, shopper: ShopperId) -> Result<Option<Profile>, StoreError> {
        self.read(shopper)
    }

    fn contains(&self, shopper: ShopperId) -> Result<bool, StoreError> {
        Ok(self.db.contains_key(key(b"p/", shopper))?)
    }

    fn whose(&self, shopper: ShopperId) -> Result<Stored, StoreError> {
        if !self.db.contains_key(key(b"p/", shopper))? {
            return Ok(Stored::Absent);
        }
        Ok(match self.db.get(key(b"l/", shopper))? {
            None => Stored::Anonymous,
            Some(customer) => Stored::Customer(CustomerId::from_stored(&String::from_utf8_lossy(&customer))),
        })
    }

    fn write(&self, profile: &Profile) -> Result<Durable, StoreError> {
        let _guard = self.lock(profile.id());
        let creating = !self.db.contains_key(key(b"p/", profile.id()))?;
        self.apply(profile, creating)?;
        Ok(self.durable())
    }

    fn update(
        &self,
        shopper: ShopperId,
        now: OffsetDateTime,
        change: &mut dyn FnMut(&mut Profile),
    ) -> Result<(Profile, Durable), StoreError> {
        let _guard = self.lock(shopper);
        let stored = self.read(shopper)?;
        let creating = stored.is_none();
        let mut profile = stored.unwrap_or_else(|| Profile::new(shopper, now));
        change(&mut profile);
        self.apply(&profile, creating)?;
        Ok((profile, self.durable()))
    }

    fn change(
        &self,
        shopper: ShopperId,
        change: &mut dyn FnMut(&mut Profile),
    ) -> Result<Option<(Profile, Durable)>, StoreError> {
        let _guard = self.lock(shopper);
        let Some(mut profile) = self.read(shopper)? else { return Ok(None) };
        change(&mut profile);
        self.apply(&profile, false)?;
        Ok(Some((profile, self.durable())))
    }

    fn erase(&self, shopper: ShopperId) -> Result<Durable, StoreError> {
        let _guard = self.lock(shopper);
        let expires = (OffsetDateTime::now_utc() + self.erased_ids).unix_timestamp();
        // The customer's order lines go first: were the profile removed first, a crash in
        // between would leave lines no erasure can find again.
        if let Some(customer) = self.db.get(key(b"l/", shopper))? {
            crate::orders::OrderLog::forget_customer(self, &String::from_utf8_lossy(&customer))?;
        }
        self.remove(shopper, None, expires)?;
        // Notices waiting for the shop's backend are about the shopper too.
        crate::notices::Outbox::forget(&self.outbox, shopper)?;
        crate::notices::Watchers::forget(&self.watchers, shopper)?;
        Ok(self.durable())
    }

    fn notices(&self) -> Option<&dyn crate::notices::Outbox> {
        Some(&self.outbox)
    }

    fn watchers(&self) -> Option<&dyn crate::notices::Watchers> {
        Some(&self.watchers)
    }

    fn find_customer(&self, customer: &CustomerId) -> Result<Option<ShopperId>, StoreError> {
        let Some(value) = self.db.get([b"c/", customer.as_str().as_bytes()].concat())? else {
            return Ok(None);
        };
        let text = String::from_utf8_lossy(&value);
        text.parse().map(Some).map_err(|_| StoreError::Corrupt {
            shopper: format!("of customer `{customer}`"),
            reason: format!("customer link holds `{text}`, not a shopper id"),
        })
    }

    fn sweep(&self, now: OffsetDateTime, idle: Duration) -> Result<usize, StoreError> {
        let limit = (now - idle).unix_timestamp();
        let expires = (now + self.erased_ids).unix_timestamp();
        let mut removed = 0;
        for shopper in self.idle_since(limit)? {
            let _guard = self.lock(shopper);
            if self.remove(shopper, Some(limit), expires)? {
                removed += 1;
            }
        }
        let expired = tombstone::expire(&self.db, now.unix_timestamp())?;
        if let Err(error) = crate::files::make_private(&self.path) {
            tracing::warn!(%error, path = %self.path.display(), "cannot keep the store's files private");
        }
        if removed > 0 || expired > 0 {
            self.flush()?;
            tracing::info!(removed, "retention sweep removed idle anonymous shoppers");
        }
        Ok(removed)
    }

    fn flush(&self) -> Result<(), StoreError> {
        self.db.flush()?;
        Ok(())
    }

    fn shoppers_after(&self, after: Option<ShopperId>, limit: usize) -> Result<Vec<ShopperId>, StoreError> {
        // Ids print as fixed-width lowercase hex, so key order is id order.
        let start = match after {
            Some(after) => std::ops::Bound::Excluded(key(b"p/", after)),
            None => std::ops::Bound::Included(b"p/".to_vec()),
        };
        let mut ids = Vec::new();
        for entry in self.db.range((start, std::ops::Bound::Excluded(b"p0".to_vec()))) {
            if ids.len() >= limit {
                break;
            }
            let (k, _) = entry?;
            match std::str::from_utf8(&k[2..]).ok().and_then(|s| s.parse::<ShopperId>().ok()) {
                Some(id) => ids.push(id),
                None => {
                    tracing::warn!(key = %String::from_utf8_lossy(&k), "skipping a profile key that is not a shopper id")
                }
            }
        }
        Ok(ids)
    }
}

fn key(prefix: &[u8; 2], shopper: ShopperId) -> Vec<u8> {
    // The shopper's hex, as `Display` writes it, without formatting machinery: once a turn.
    let mut key = vec![0u8; 34];
    key[..2].copy_from_slice(prefix);
    let _ = hex::encode_to_slice(shopper.as_bytes(), &mut key[2..]);
    key
}

/// Removes `c/<customer>` if it still points at this shopper.
fn unlink(tx: &TransactionalTree, customer: &[u8], hex: &str) -> Result<(), ConflictableTransactionError<StoreError>> {
    let ckey = [b"c/", customer].concat();
    if tx.get(&ckey)?.is_some_and(|owner| owner == hex.as_bytes()) {
        tx.remove(ckey)?;
    }
    Ok(())
}

fn decode_seen(value: &[u8]) -> Option<i64> {
    value.try_into().ok().map(i64::from_be_bytes)
}

fn flatten<T>(result: Result<T, TransactionError<StoreError>>) -> Result<T, StoreError> {
    result.map_err(|e| match e {
        TransactionError::Abort(e) => e,
        TransactionError::Storage(e) => StoreError::Sled(e),
    })
}
