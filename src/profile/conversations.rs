//! Conversations kept in a store several servers share, so a shopper whose connection drops
//! can resume on any server within the resume window, and erasures reach every server.
//!
//! The state is the server's business (its serialised conversation and last reply): the store
//! keeps bytes under a session id, for one shopper, until a deadline. A store that only one
//! server uses has no need of it (`Store::conversations` is `None`), and the server keeps its
//! parked conversations in memory, as it always did.

use time::OffsetDateTime;

use super::error::StoreError;
use super::id::ShopperId;

/// Saved conversations (see the module doc). Every method blocks like the store it belongs to.
pub trait Conversations: Send + Sync {
    /// Saves `state` as the conversation `session` of `shopper`, resumable until `expires`;
    /// replaces what was saved under that session. Durable when it returns. Refused (nothing
    /// saved) when the shopper no longer exists, so a late save from another server never brings
    /// an erased shopper's conversation back; `Ok(false)` then.
    fn save_conversation(
        &self,
        session: &str,
        shopper: ShopperId,
        state: &[u8],
        expires: OffsetDateTime,
    ) -> Result<bool, StoreError>;

    /// The state saved under `session`, if it belongs to `shopper` and has not expired at `now`.
    fn load_conversation(
        &self,
        session: &str,
        shopper: ShopperId,
        now: OffsetDateTime,
    ) -> Result<Option<Vec<u8>>, StoreError>;

    /// A receiver of every erased shopper's id, on whichever server erased it (and for the
    /// retention sweep), so each server can end that shopper's live conversations.
    fn erasures(&self) -> tokio::sync::broadcast::Receiver<Erasure>;
}

/// What [`Conversations::erasures`] announces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Erasure {
    /// This shopper was erased.
    Shopper(ShopperId),
    /// The announcements stopped for a while (the database went away, or its connection was
    /// lost) and came back: erasures may have been missed, so each live conversation should
    /// ask the store whether its shopper is still there.
    Missed,
}
