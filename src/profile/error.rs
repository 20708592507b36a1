//! The profile layer's errors, kept in two kinds on purpose: `InputError` is the caller's
//! mistake (a bad event, slot value or id: answer it with a 400 and its message), `StoreError`
//! is ours (disk, corruption, conflicts: log it, answer 500 or start the shopper fresh).

use thiserror::Error;
use time::OffsetDateTime;

use super::event::EventKind;
use super::id::ShopperId;
use crate::slots::SlotName;

/// Input refused at the edge, with a message meant for whoever sent it.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum InputError {
    #[error("unknown event kind `{kind}`; known kinds: {}", EventKind::known_list())]
    UnknownKind { kind: String },
    #[error("{kind} events need {what}")]
    Missing { kind: EventKind, what: &'static str },
    #[error("`at` {at} is more than 5 minutes after the server's time {now}")]
    Future { at: String, now: String },
    #[error("`at` must be an RFC 3339 time such as 2025-01-31T10:00:00Z, not `{0}`")]
    Time(String),
    #[error("`{field}` must not be empty")]
    Empty { field: &'static str },
    #[error("`{field}` is longer than {max} characters")]
    TooLong { field: &'static str, max: usize },
    #[error("`{field}` must not start or end with spaces")]
    Padded { field: &'static str },
    #[error("`{field}` must not contain control characters")]
    Control { field: &'static str },
    #[error("order: {0}")]
    Order(String),
    #[error("`{slot}` cannot hold that value: {reason}")]
    SlotValue { slot: SlotName, reason: String },
    #[error("a shopper id is 32 hexadecimal digits")]
    ShopperId,
}

impl InputError {
    /// A `Future` error for `at`, with both times printed in RFC 3339.
    pub(crate) fn future(at: OffsetDateTime, now: OffsetDateTime) -> InputError {
        let show = |t: OffsetDateTime| t.format(&time::format_description::well_known::Rfc3339).unwrap_or_default();
        InputError::Future { at: show(at), now: show(now) }
    }
}

/// A failure of the profile store.
#[derive(Debug, Error)]
pub enum StoreError {
    /// The stored value cannot be read; the caller may erase it and start the shopper fresh.
    #[error("shopper {shopper}: stored profile is unreadable: {reason}")]
    Corrupt { shopper: String, reason: String },
    /// The customer id is already linked to another shopper; load that one instead (and merge).
    #[error("customer `{customer}` is already linked to shopper {shopper}")]
    CustomerTaken { customer: String, shopper: ShopperId },
    #[error("profile store at {path}: {source}")]
    Open { path: String, source: sled::Error },
    #[error("profile store: {0}")]
    Sled(#[from] sled::Error),
    /// Flushing to disk failed, so the write it covered is not known to be durable.
    #[error("profile store: flush failed: {0}")]
    Flush(String),
    #[error("profile store: cannot encode profile: {0}")]
    Encode(String),
    /// The database cannot be reached (down, timed out, pool exhausted); nothing was written
    /// by this call, or not known to be: the caller must not acknowledge it.
    #[error("profile store unavailable: {0}")]
    Unavailable(String),
    /// The database refused a statement.
    #[error("profile store: database error: {0}")]
    Database(String),
    /// The shopper was erased: nothing may be written under its id again.
    #[error("shopper {shopper} was erased")]
    ShopperErased { shopper: ShopperId },
    /// The customer id was erased: it may not be linked again until its tombstone expires.
    #[error("customer `{customer}` was erased")]
    CustomerErased { customer: String },
    /// The profile would be larger than the store keeps; nothing was written.
    #[error("the profile would take {bytes} bytes; at most {max} are kept per shopper")]
    TooLarge { bytes: usize, max: usize },
}
