//! The shopper profile: zero-party data with provenance and consent, kept on sled or PostgreSQL, that never
//! loses an acknowledged answer.
//!
//! One profile per shopper unites what they told us (declared slots, each with its source,
//! time and consent purpose), what they did (behavioural events) and what they bought
//! (orders); it belongs to the shopper, who can see it ([`Profile::view`]), correct it
//! ([`Profile::edit`], [`Profile::forget`]), export it ([`Profile::export`]) and erase it
//! ([`Store::erase`]).
//!
//! - `id`: [`ShopperId`], the random 128-bit key, and the shop's [`CustomerId`].
//! - `model`: [`Profile`], declared slots, consent, customer link, visit bookkeeping.
//! - `event`: [`Event`] and [`Order`], validated at the edge, recorded idempotently.
//! - `behaviour`: the [`Behaviour`] the ranker may use (inside the trust window, with consent)
//!   and the [`ProfileView`] the shopper sees.
//! - `store`: the [`Store`] trait; `sled_store`: [`SledStore`]; `postgres`: [`PostgresStore`],
//!   shared by several servers; `location`: [`StoreLocation`], which of the two a setting
//!   names; `copy`: [`copy_store`] between them; `conversations`: [`Conversations`] kept in a
//!   shared store; `exposures`: experiment [`Exposures`] and the purchases joined to them;
//!   `codec`: the versioned value;
//!   `group_commit`: shared flushes and the [`Durable`] ticket; `retention`: the idle sweep;
//!   `tombstone`: erased ids stay erased; `rewrite`: erased bytes leave the disk at the next open;
//!   `link`: events by customer id ([`update_customer`]) and login merges ([`Profile::absorb`]).
//!
//! The model never reads the clock: every method takes `now` or `at`.

mod behaviour;
mod codec;
mod conversations;
mod copy;
mod error;
mod event;
mod exposures;
mod group_commit;
mod id;
mod link;
mod location;
mod postgres;
mod record;
mod retention;
mod rewrite;
mod sled_store;
mod store;
mod tombstone;

pub use behaviour::{Behaviour, DEFAULT_BEHAVIOUR_WINDOW, ProfileView, RecentBehaviour, Searched, Touch};
pub use conversations::{Conversations, Erasure};
pub use copy::{CopyReport, copy_store};
pub use error::{InputError, StoreError};
pub use event::{
    Event, EventInput, EventKind, MAX_CLOCK_SKEW, Order, OrderInput, OrderItem, OrderItemInput, OrderSource, Recorded,
};
pub use exposures::{Exposure, Exposures, Purchase, Unit};
pub use group_commit::{DEFAULT_GROUP_WINDOW, Durable};
pub use id::{CustomerId, ShopperId};
pub use link::update_customer;
pub use location::StoreLocation;
pub use postgres::{ERASED_CHANNEL, PostgresOptions, PostgresStore};
pub use record::{Asked, Consent, CustomerLink, Declared, Limits, Profile, Purpose, SentNotice, Source, Visits};
pub use retention::{DEFAULT_IDLE_ANONYMOUS, spawn_sweeper};
pub use sled_store::{DEFAULT_ERASED_IDS, DEFAULT_MAX_PROFILE_BYTES, SledStore, StoreOptions};
pub use store::{Durability, Store, Stored};

#[cfg(test)]
mod tests;
