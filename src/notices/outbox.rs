//! The outbox: notices for shoppers who were not connected, waiting for the shop's backend to
//! take them (the signed webhook, or `GET /v1/notices` and an acknowledgement). Behind the
//! store seam ([`crate::profile::Store::notices`]), so several servers sharing a database
//! share one outbox.
//!
//! Positions only grow: a reader pages with `after(cursor)` and acknowledges with
//! `ack(up_to)`, which removes what it has taken. A notice is at most once in the outbox (its id
//! is its cause's dedupe key); it may still reach a reader twice (a webhook retried after a
//! lost answer), which is why every notice carries that stable id.

use serde::{Deserialize, Serialize};

use super::Notice;
use crate::profile::{ShopperId, StoreError};

/// Most notices one page returns.
pub const MAX_PAGE: usize = 500;

/// Where notices wait (see the module doc). Every method blocks like the store it belongs to
/// and is durable when it returns.
pub trait Outbox: Send + Sync {
    /// Adds `notice` for `shopper`; a notice whose id is already waiting is not added again.
    /// Returns its position.
    fn push(&self, shopper: ShopperId, notice: &Notice) -> Result<u64, StoreError>;

    /// Up to `limit` waiting notices after position `cursor` (0: from the start), in order.
    fn after(&self, cursor: u64, limit: usize) -> Result<Vec<(u64, Notice)>, StoreError>;

    /// Removes the waiting notices at positions up to `up_to`; returns how many.
    fn ack(&self, up_to: u64) -> Result<usize, StoreError>;

    /// Removes the one waiting notice at `position` (it no longer holds: see `withdraw`);
    /// whether there was one.
    fn withdraw(&self, position: u64) -> Result<bool, StoreError>;

    /// Removes every waiting notice of `shopper` (erasure).
    fn forget(&self, shopper: ShopperId) -> Result<usize, StoreError>;
}

#[derive(Serialize, Deserialize)]
struct Waiting {
    shopper: ShopperId,
    notice: Notice,
}

/// The outbox on sled: the notices in position order, and their ids (for dedupe).
#[derive(Debug, Clone)]
pub struct SledOutbox {
    db: sled::Db,
    notices: sled::Tree,
    ids: sled::Tree,
}

impl SledOutbox {
    /// The outbox's trees in `db`.
    pub fn open(db: &sled::Db) -> sled::Result<SledOutbox> {
        Ok(SledOutbox { db: db.clone(), notices: db.open_tree("notices")?, ids: db.open_tree("notice_ids")? })
    }

    fn decode(value: &[u8]) -> Result<Waiting, StoreError> {
        serde_json::from_slice(value)
            .map_err(|e| StoreError::Corrupt { shopper: "in the outbox".into(), reason: e.to_string() })
    }

    fn remove(&self, key: &[u8], waiting: &Waiting) -> Result<(), StoreError> {
        self.notices.remove(key)?;
        self.ids.remove(waiting.notice.id.as_bytes())?;
        Ok(())
    }
}

fn position(key: &[u8]) -> u64 {
    key.try_into().map(u64::from_be_bytes).unwrap_or(0)
}

impl Outbox for SledOutbox {
    fn push(&self, shopper: ShopperId, notice: &Notice) -> Result<u64, StoreError> {
        if let Some(known) = self.ids.get(notice.id.as_bytes())? {
            return Ok(position(&known));
        }
        // sled's ids only grow, across restarts too; 0 is kept for "from the start".
        let at = self.db.generate_id()? + 1;
        let value = serde_json::to_vec(&Waiting { shopper, notice: notice.clone() })
            .map_err(|e| StoreError::Corrupt { shopper: shopper.to_string(), reason: e.to_string() })?;
        self.notices.insert(at.to_be_bytes(), value)?;
        self.ids.insert(notice.id.as_bytes(), &at.to_be_bytes())?;
        self.db.flush()?;
        Ok(at)
    }

    fn after(&self, cursor: u64, limit: usize) -> Result<Vec<(u64, Notice)>, StoreError> {
        let start = cursor.saturating_add(1).to_be_bytes();
        let mut page = Vec::new();
        for entry in self.notices.range(start..).take(limit.min(MAX_PAGE)) {
            let (key, value) = entry?;
            page.push((position(&key), SledOutbox::decode(&value)?.notice));
        }
        Ok(page)
    }

    fn ack(&self, up_to: u64) -> Result<usize, StoreError> {
        let mut removed = 0;
        for entry in self.notices.range(..=up_to.to_be_bytes()) {
            let (key, value) = entry?;
            self.remove(&key, &SledOutbox::decode(&value)?)?;
            removed += 1;
        }
        self.db.flush()?;
        Ok(removed)
    }

    fn withdraw(&self, position: u64) -> Result<bool, StoreError> {
        let key = position.to_be_bytes();
        let Some(value) = self.notices.get(key)? else { return Ok(false) };
        // An unreadable entry is removed all the same: it could never be handed out.
        match SledOutbox::decode(&value) {
            Ok(waiting) => self.remove(&key, &waiting)?,
            Err(_) => {
                self.notices.remove(key)?;
            }
        }
        self.db.flush()?;
        Ok(true)
    }

    fn forget(&self, shopper: ShopperId) -> Result<usize, StoreError> {
        let mut removed = 0;
        for entry in self.notices.iter() {
            let (key, value) = entry?;
            // An unreadable entry names no one: it cannot be this shopper's to keep.
            match SledOutbox::decode(&value) {
                Ok(waiting) if waiting.shopper == shopper => {
                    self.remove(&key, &waiting)?;
                    removed += 1;
                }
                _ => {}
            }
        }
        Ok(removed)
    }
}
